/* maddpg.c - one MADDPG update round of DTOMALB / DTOMA (Table 1, lines
 * 14-20; eqs. 34-35), with the discrete actions made differentiable by the
 * straight-through Gumbel-softmax. See train.h for the rule. */
#include "policies/dtomalb/train_internal.h"
#include <stdlib.h>
#include <string.h>

/* Writes the one-hot of action a into v[0..A-1]. */
static void one_hot(double *v, int A, int a)
{
  memset(v, 0, sizeof(double) * A);
  v[a] = 1.0;
}

/* dtomalb_critic_action_grad that also returns mean_b Q(x_b) (may be NULL). */
static int critic_action_grad(nn_net_t *critic, const double *input, size_t batch, int n_md, int obs_dim,
                              int n_actions, int agent, double *grad, double *qmean)
{
  size_t w = (size_t)n_md * obs_dim + (size_t)n_md * n_actions;
  const double *q = nn_net_forward(critic, input, batch);
  if (!q)
    return -1;
  if (qmean) {
    double s = 0;
    for (size_t b = 0; b < batch; b++)
      s += q[b];
    *qmean = s / (double)batch;
  }
  /* d(mean Q)/dQ_b = 1/batch */
  double dq_stack[256];
  double *dq = batch <= 256 ? dq_stack : malloc(sizeof(double) * batch);
  if (!dq)
    return -1;
  for (size_t b = 0; b < batch; b++)
    dq[b] = 1.0 / (double)batch;
  const double *dx = NULL;
  int rc = nn_net_backward_input(critic, dq, &dx);
  if (dq != dq_stack)
    free(dq);
  if (rc < 0)
    return -1;
  size_t off = (size_t)n_md * obs_dim + (size_t)agent * n_actions;
  for (size_t b = 0; b < batch; b++)
    memcpy(grad + b * n_actions, dx + b * w + off, sizeof(double) * n_actions);
  return 0;
}

int dtomalb_critic_action_grad(nn_net_t *critic, const double *input, size_t batch, int n_md, int obs_dim,
                               int n_actions, int agent, double *grad)
{
  return critic_action_grad(critic, input, batch, n_md, obs_dim, n_actions, agent, grad, NULL);
}

int dtomalb_maddpg_update(dtomalb_trainer_t *t, double *la, double *lc)
{
  int N = t->N, A = t->A, d = t->d;
  size_t B = (size_t)t->h.batch, Nd = (size_t)N * d, NA = (size_t)N * A, w = Nd + NA;
  dtomalb_trainer_sample(t);

  /* critic inputs: x and the stored joint action; x' and a'_j = one-hot
   * argmax of the target actor j (the deterministic target policy) */
  for (size_t b = 0; b < B; b++) {
    memcpy(t->cin + b * w, t->X + b * Nd, sizeof(double) * Nd);
    memcpy(t->cin_next + b * w, t->Xn + b * Nd, sizeof(double) * Nd);
    for (int j = 0; j < N; j++)
      one_hot(t->cin + b * w + Nd + (size_t)j * A, A, t->act[b * N + j]);
  }
  for (int j = 0; j < N; j++) {
    for (size_t b = 0; b < B; b++)
      memcpy(t->obs_i + b * d, t->Xn + b * Nd + (size_t)j * d, sizeof(double) * d);
    const double *z = nn_net_forward(t->target[j], t->obs_i, B);
    if (!z)
      return -1;
    for (size_t b = 0; b < B; b++) {
      int best = 0;
      for (int a = 1; a < A; a++)
        if (z[b * A + a] > z[b * A + best])
          best = a;
      one_hot(t->cin_next + b * w + Nd + (size_t)j * A, A, best);
    }
  }

  double sum_la = 0, sum_lc = 0;
  for (int i = 0; i < N; i++) {
    /* critic: y = r_i + gamma Q'_i(x', a'), eq. (35) */
    const double *qn = nn_net_forward(t->target_critic[i], t->cin_next, B);
    if (!qn)
      return -1;
    for (size_t b = 0; b < B; b++)
      t->y[b] = t->R[b * N + i] + t->h.gamma * qn[b];
    nn_net_t *critic = t->critic[i];
    nn_net_zero_grad(critic);
    const double *q = nn_net_forward(critic, t->cin, B);
    if (!q)
      return -1;
    sum_lc += nn_loss_mse(q, t->y, B, 1, t->dy);
    if (nn_net_backward(critic, t->dy, NULL) < 0 || nn_net_step(critic, &t->opt_critic) < 0)
      return -1;

    /* actor: a_i = straight-through Gumbel-softmax of mu_i(o_i), the other
     * agents' actions as stored, ascend Q_i, eq. (34) */
    nn_net_t *actor = t->model->net[i];
    for (size_t b = 0; b < B; b++)
      memcpy(t->obs_i + b * d, t->X + b * Nd + (size_t)i * d, sizeof(double) * d);
    nn_net_zero_grad(actor);
    const double *z = nn_net_forward(actor, t->obs_i, B);
    if (!z)
      return -1;
    memcpy(t->logits, z, sizeof(double) * B * A);
    if (nn_gumbel_softmax(t->logits, B, (size_t)A, t->h.gumbel_tau, t->rng_update, t->ysoft, t->yhard) < 0)
      return -1;
    size_t off = Nd + (size_t)i * A;
    for (size_t b = 0; b < B; b++)
      memcpy(t->cin + b * w + off, t->yhard + b * A, sizeof(double) * A);
    /* dlogits holds dQ/da_i for the moment */
    double qmean = 0;
    if (critic_action_grad(critic, t->cin, B, N, d, A, i, t->dlogits, &qmean) < 0)
      return -1;
    /* loss = -mean Q + reg mean(logits^2): dL/dy_hard = -dQ/da (already
     * divided by B), passed straight through to y_soft */
    for (size_t k = 0; k < B * (size_t)A; k++)
      t->dy[k] = -t->dlogits[k];
    nn_gumbel_softmax_backward(t->ysoft, t->dy, B, (size_t)A, t->h.gumbel_tau, t->dlogits);
    double reg = 0, scale = 2.0 * t->h.actor_reg / (double)(B * A);
    for (size_t k = 0; k < B * (size_t)A; k++) {
      reg += t->logits[k] * t->logits[k];
      t->dlogits[k] += scale * t->logits[k];
    }
    sum_la += -qmean + t->h.actor_reg * reg / (double)(B * A);
    /* the actor's last forward is still the one of its own input: backward */
    if (nn_net_backward(actor, t->dlogits, NULL) < 0 || nn_net_step(actor, &t->opt_actor) < 0)
      return -1;
    /* restore the stored action of agent i for the next agents' critics */
    for (size_t b = 0; b < B; b++)
      one_hot(t->cin + b * w + off, A, t->act[b * N + i]);
  }
  *la += sum_la / N;
  *lc += sum_lc / N;
  return 0;
}
