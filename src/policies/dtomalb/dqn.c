/* dqn.c - update rounds of the DQN baselines (see train.h):
 * DQN-TOLB, the paper's centralized DQN, one Q-network with one output per
 * joint action (joint.h) trained on the system utility (mean reward);
 * DQN-TOLB-branch, the same with a head per MD (action branching); and
 * IDQL-TOLB, one independent DQN per MD trained on its own reward. */
#include "policies/dtomalb/train_internal.h"
#include <math.h>
#include <string.h>

static double max_of(const double *v, size_t n)
{
  double m = v[0];
  for (size_t i = 1; i < n; i++)
    if (v[i] > m)
      m = v[i];
  return m;
}

/* One TD step on `net` with `heads` heads of `values` outputs each: for
 * every sample b and head h, Q_h(x_b, a_bh) moves towards y[b * heads + h];
 * the loss is the mean over batch * heads. Returns the loss, or NAN on
 * error. */
static double td_step(dtomalb_trainer_t *t, nn_net_t *net, const double *x, size_t B, int heads, size_t values,
                      const int *a, int a_stride, const double *y)
{
  size_t width = (size_t)heads * values;
  nn_net_zero_grad(net);
  const double *q = nn_net_forward(net, x, B);
  if (!q)
    return NAN;
  memset(t->dy, 0, sizeof(double) * B * width);
  double loss = 0, inv = 1.0 / ((double)B * heads);
  for (size_t b = 0; b < B; b++)
    for (int h = 0; h < heads; h++) {
      size_t k = b * width + (size_t)h * values + (size_t)a[b * a_stride + h];
      double e = q[k] - y[b * heads + h];
      loss += e * e;
      t->dy[k] = 2.0 * e * inv;
    }
  if (nn_net_backward(net, t->dy, NULL) < 0 || nn_net_step(net, &t->opt_actor) < 0)
    return NAN;
  return loss * inv;
}

/* The centralized agent's reward: the system utility, mean_n r_n (the
 * paper's Fig. 5 definition; the same for both DQN-TOLB variants). */
static double system_reward(const double *r, int N)
{
  double s = 0;
  for (int n = 0; n < N; n++)
    s += r[n];
  return s / N;
}

/* t->S and t->Sn: global states of the minibatch's observations. */
static void minibatch_states(dtomalb_trainer_t *t)
{
  int N = t->N, M = t->M;
  size_t B = (size_t)t->h.batch, Nd = (size_t)N * t->d, sd = (size_t)dtomalb_state_dim(N, M);
  for (size_t b = 0; b < B; b++) {
    dtomalb_state_from_obs(N, M, t->X + b * Nd, t->S + b * sd);
    dtomalb_state_from_obs(N, M, t->Xn + b * Nd, t->Sn + b * sd);
  }
}

int dtomalb_dqn_joint_targets(dtomalb_trainer_t *t, const double *next_state, const double *reward, size_t B,
                              double *y)
{
  size_t K = t->K;
  const double *qn = nn_net_forward(t->target[0], next_state, B);
  if (!qn)
    return -1;
  for (size_t b = 0; b < B; b++) /* the max over every joint action a' of Q'(s', a') */
    y[b] = system_reward(reward + b * t->N, t->N) + t->h.gamma * max_of(qn + b * K, K);
  return 0;
}

int dtomalb_dqn_joint_update(dtomalb_trainer_t *t, double *lc)
{
  int N = t->N, M = t->M;
  size_t B = (size_t)t->h.batch;
  dtomalb_trainer_sample(t);
  minibatch_states(t);
  if (dtomalb_dqn_joint_targets(t, t->Sn, t->R, B, t->y) < 0)
    return -1;
  for (size_t b = 0; b < B; b++) /* the joint action taken, as an output index */
    t->jact[b] = (int)dtomalb_joint_encode(N, M, t->act + b * N);
  double loss = td_step(t, t->model->net[0], t->S, B, 1, t->K, t->jact, 1, t->y);
  if (isnan(loss))
    return -1;
  *lc += loss;
  return 0;
}

int dtomalb_dqn_branch_update(dtomalb_trainer_t *t, double *lc)
{
  int N = t->N, A = t->A;
  size_t B = (size_t)t->h.batch;
  dtomalb_trainer_sample(t);
  minibatch_states(t);
  const double *qn = nn_net_forward(t->target[0], t->Sn, B);
  if (!qn)
    return -1;
  for (size_t b = 0; b < B; b++) {
    double r = system_reward(t->R + b * N, N);
    for (int n = 0; n < N; n++) /* head n's own max: no joint value */
      t->y[b * N + n] = r + t->h.gamma * max_of(qn + b * (size_t)N * A + (size_t)n * A, (size_t)A);
  }
  double loss = td_step(t, t->model->net[0], t->S, B, N, (size_t)A, t->act, N, t->y);
  if (isnan(loss))
    return -1;
  *lc += loss;
  return 0;
}

int dtomalb_idql_update(dtomalb_trainer_t *t, double *lc)
{
  int N = t->N, A = t->A, d = t->d;
  size_t B = (size_t)t->h.batch, Nd = (size_t)N * d;
  dtomalb_trainer_sample(t);
  double sum = 0;
  for (int n = 0; n < N; n++) {
    /* next observations of agent n -> target values */
    for (size_t b = 0; b < B; b++)
      memcpy(t->obs_i + b * d, t->Xn + b * Nd + (size_t)n * d, sizeof(double) * d);
    const double *qn = nn_net_forward(t->target[n], t->obs_i, B);
    if (!qn)
      return -1;
    for (size_t b = 0; b < B; b++)
      t->y[b] = t->R[b * N + n] + t->h.gamma * max_of(qn + b * A, (size_t)A);
    for (size_t b = 0; b < B; b++)
      memcpy(t->obs_i + b * d, t->X + b * Nd + (size_t)n * d, sizeof(double) * d);
    double loss = td_step(t, t->model->net[n], t->obs_i, B, 1, (size_t)A, t->act + n, N, t->y);
    if (isnan(loss))
      return -1;
    sum += loss;
  }
  *lc += sum / N;
  return 0;
}
