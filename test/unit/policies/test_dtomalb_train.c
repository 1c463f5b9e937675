/* test_dtomalb_train.c - MADDPG pieces of DTOMALB and the DQN baselines:
 * the critic's action gradient against finite differences, soft target
 * updates, reproducibility, short training runs (DTOMALB, IDQL-TOLB, both
 * DQN-TOLB) that must beat the untrained networks, and the shared
 * exploration schedule. */
#include "check.h"
#include "model/rng.h"
#include "policies/dtomalb/train.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Tiny cell: 2 MDs, 2 servers (12 and 20 GHz), 20 slots per episode. */
static dtomalb_env_cfg_t tiny_env(void)
{
  dtomalb_env_cfg_t c = dtomalb_env_cfg_default(2, 2);
  c.steps_per_episode = 20;
  return c;
}

static dtomalb_hyper_t tiny_hyper(dtomalb_algo_t algo)
{
  dtomalb_hyper_t h = dtomalb_hyper_default(algo);
  h.hidden = 16;
  h.batch = 32;
  h.buffer = 2000;
  h.warmup = 64;
  h.update_every = 2;
  h.lr_actor = 1e-2;
  h.lr_critic = 1e-2;
  return h;
}

static void test_critic_action_gradient(void)
{
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(3, 2);
  dtomalb_hyper_t h = dtomalb_hyper_default(DTOMALB_ALGO_DTOMALB);
  h.hidden = 8;
  h.batch = 4;
  char err[256];
  dtomalb_trainer_t *t = dtomalb_trainer_new(DTOMALB_ALGO_DTOMALB, &env, &h, 5, 10, err, sizeof err);
  CHECK(t != NULL);
  if (!t)
    return;
  nn_net_t *critic = dtomalb_trainer_net(t, DTOMALB_NET_CRITIC, 1);
  CHECK(critic != NULL);
  int N = 3, d = dtomalb_obs_dim(2), A = 3;
  size_t w = (size_t)N * d + (size_t)N * A, B = 4;
  CHECK(nn_net_n_in(critic) == w);
  /* random observations and soft actions (Gumbel-softmax outputs are soft) */
  gsl_rng *g = mec_rng_new(3, MEC_STREAM_TRAINING, 9);
  double *x = malloc(sizeof(double) * B * w), grad[4 * 3];
  for (size_t k = 0; k < B * w; k++)
    x[k] = gsl_rng_uniform(g) * 2.0 - 0.5;
  for (int agent = 0; agent < N; agent++) {
    CHECK(dtomalb_critic_action_grad(critic, x, B, N, d, A, agent, grad) == 0);
    double worst = 0, norm = 0;
    for (size_t b = 0; b < B; b++)
      for (int a = 0; a < A; a++) {
        size_t k = b * w + (size_t)N * d + (size_t)agent * A + a;
        double keep = x[k], eps = 1e-6, qp = 0, qm = 0;
        x[k] = keep + eps;
        const double *q = nn_net_forward(critic, x, B);
        for (size_t i = 0; i < B; i++)
          qp += q[i] / B;
        x[k] = keep - eps;
        q = nn_net_forward(critic, x, B);
        for (size_t i = 0; i < B; i++)
          qm += q[i] / B;
        x[k] = keep;
        double fd = (qp - qm) / (2 * eps);
        double e = fabs(fd - grad[b * A + a]);
        worst = e > worst ? e : worst;
        norm += fabs(fd);
      }
    CHECK(norm > 1e-6); /* the gradient is not trivially zero */
    CHECK(worst < 1e-7);
  }
  /* the whole input gradient (observations too) through nn_net_backward_input */
  {
    const double *q = nn_net_forward(critic, x, B);
    CHECK(q != NULL);
    double dq[4] = {0.25, 0.25, 0.25, 0.25}, *dx = malloc(sizeof(double) * B * w);
    const double *dxp = NULL;
    CHECK(nn_net_backward_input(critic, dq, &dxp) == 0 && dxp != NULL);
    memcpy(dx, dxp, sizeof(double) * B * w);
    double worst = 0;
    for (size_t k = 0; k < B * w; k++) {
      double keep = x[k], eps = 1e-6, qp = 0, qm = 0;
      x[k] = keep + eps;
      q = nn_net_forward(critic, x, B);
      for (size_t i = 0; i < B; i++)
        qp += q[i] / B;
      x[k] = keep - eps;
      q = nn_net_forward(critic, x, B);
      for (size_t i = 0; i < B; i++)
        qm += q[i] / B;
      x[k] = keep;
      worst = fmax(worst, fabs((qp - qm) / (2 * eps) - dx[k]));
    }
    CHECK(worst < 1e-7);
    free(dx);
  }
  /* the parameter gradients are untouched by the action gradient */
  size_t np;
  double *gp = nn_net_grads(critic, &np);
  nn_net_zero_grad(critic);
  CHECK(dtomalb_critic_action_grad(critic, x, B, N, d, A, 0, grad) == 0);
  double s = 0;
  for (size_t k = 0; k < np; k++)
    s += fabs(gp[k]);
  CHECK(s == 0.0);
  free(x);
  gsl_rng_free(g);
  dtomalb_trainer_free(t);
}

/* Copies the parameters of a network. */
static double *snapshot(nn_net_t *net, size_t *n)
{
  double *p = nn_net_params(net, n);
  double *c = malloc(sizeof(double) * *n);
  memcpy(c, p, sizeof(double) * *n);
  return c;
}

static void test_soft_target_updates(void)
{
  dtomalb_env_cfg_t env = tiny_env();
  dtomalb_hyper_t h = tiny_hyper(DTOMALB_ALGO_DTOMALB);
  char err[256];
  dtomalb_trainer_t *t = dtomalb_trainer_new(DTOMALB_ALGO_DTOMALB, &env, &h, 2, 10, err, sizeof err);
  CHECK(t != NULL);
  if (!t)
    return;
  dtomalb_net_kind_t online[2] = {DTOMALB_NET_ACTOR, DTOMALB_NET_CRITIC};
  dtomalb_net_kind_t target[2] = {DTOMALB_NET_TARGET_ACTOR, DTOMALB_NET_TARGET_CRITIC};
  /* targets start as copies; move the online networks away from them */
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 2; i++) {
      size_t n, nt;
      double *p = nn_net_params(dtomalb_trainer_net(t, online[k], i), &n);
      double *q = nn_net_params(dtomalb_trainer_net(t, target[k], i), &nt);
      CHECK(n == nt && memcmp(p, q, sizeof(double) * n) == 0);
      for (size_t j = 0; j < n; j++)
        p[j] += 0.5 + 0.001 * j;
    }
  double *before[2][2];
  size_t n[2][2];
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 2; i++)
      before[k][i] = snapshot(dtomalb_trainer_net(t, target[k], i), &n[k][i]);

  /* tau = 0 keeps the targets */
  CHECK(dtomalb_trainer_update_targets(t, 0.0) == 0);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 2; i++)
      CHECK(memcmp(nn_net_params(dtomalb_trainer_net(t, target[k], i), NULL), before[k][i],
                   sizeof(double) * n[k][i]) == 0);
  /* tau = 0.25 moves a quarter of the way */
  CHECK(dtomalb_trainer_update_targets(t, 0.25) == 0);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 2; i++) {
      const double *p = nn_net_params(dtomalb_trainer_net(t, online[k], i), NULL);
      const double *q = nn_net_params(dtomalb_trainer_net(t, target[k], i), NULL);
      double worst = 0;
      for (size_t j = 0; j < n[k][i]; j++)
        worst = fmax(worst, fabs(q[j] - (0.25 * p[j] + 0.75 * before[k][i][j])));
      CHECK(worst < 1e-12);
    }
  /* tau = 1 copies */
  CHECK(dtomalb_trainer_update_targets(t, 1.0) == 0);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 2; i++)
      CHECK(memcmp(nn_net_params(dtomalb_trainer_net(t, online[k], i), NULL),
                   nn_net_params(dtomalb_trainer_net(t, target[k], i), NULL), sizeof(double) * n[k][i]) == 0);
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 2; i++)
      free(before[k][i]);
  CHECK(dtomalb_trainer_net(t, DTOMALB_NET_CRITIC, 2) == NULL);
  dtomalb_trainer_free(t);
}

/* Trains `episodes` episodes; returns the held-out utility before and
 * after (greedy actions, 5 episodes of seed 777). */
static int train_and_eval(dtomalb_algo_t algo, int episodes, double *before, double *after, double *last_stats)
{
  dtomalb_env_cfg_t env = tiny_env();
  dtomalb_hyper_t h = tiny_hyper(algo);
  char err[256];
  dtomalb_trainer_t *t = dtomalb_trainer_new(algo, &env, &h, 1, episodes, err, sizeof err);
  CHECK(t != NULL);
  if (!t)
    return -1;
  dtomalb_eval_t e;
  CHECK(dtomalb_evaluate(&env, 777, 5, DTOMALB_CHOOSE_MODEL, dtomalb_trainer_model(t), &e, err, sizeof err) == 0);
  *before = e.reward;
  dtomalb_episode_stats_t st = {0};
  int ok = 1;
  for (int ep = 0; ep < episodes && ok; ep++)
    ok = dtomalb_trainer_episode(t, &st, err, sizeof err) == 0;
  CHECK(ok);
  CHECK(st.updates > 0 && isfinite(st.loss_critic));
  CHECK(dtomalb_trainer_model(t)->episodes == episodes);
  if (last_stats) {
    last_stats[0] = st.reward;
    last_stats[1] = st.loss_critic;
    last_stats[2] = st.mean_delay;
  }
  CHECK(dtomalb_evaluate(&env, 777, 5, DTOMALB_CHOOSE_MODEL, dtomalb_trainer_model(t), &e, err, sizeof err) == 0);
  *after = e.reward;
  dtomalb_trainer_free(t);
  return 0;
}

static void test_training_improves_dtomalb(void)
{
  double before, after, s1[3], s2[3];
  if (train_and_eval(DTOMALB_ALGO_DTOMALB, 40, &before, &after, s1) < 0)
    return;
  /* the same held-out episodes played by two baselines: a centralized
   * heuristic that sees every task of the slot (greedy-batch), and random
   * servers */
  dtomalb_env_cfg_t env = tiny_env();
  dtomalb_eval_t greedy, rnd;
  char err[256];
  CHECK(dtomalb_evaluate(&env, 777, 5, DTOMALB_CHOOSE_GREEDY_BATCH, NULL, &greedy, err, sizeof err) == 0);
  CHECK(dtomalb_evaluate(&env, 777, 5, DTOMALB_CHOOSE_RANDOM_OFFLOAD, NULL, &rnd, err, sizeof err) == 0);
  printf("dtomalb tiny: utility %.4f untrained -> %.4f trained (greedy-batch %.4f, random-offload %.4f)\n",
         before, after, greedy.reward, rnd.reward);
  CHECK(after > before);
  CHECK(after > rnd.reward + 0.02);
  CHECK(after > greedy.reward - 0.01); /* decentralized, yet within 0.01 of it */
  /* same seed, same run: bit-identical */
  double b2, a2;
  if (train_and_eval(DTOMALB_ALGO_DTOMALB, 40, &b2, &a2, s2) < 0)
    return;
  CHECK(a2 == after && memcmp(s1, s2, sizeof s1) == 0);
}

static void test_training_dqn_baselines(void)
{
  double before, after;
  if (train_and_eval(DTOMALB_ALGO_IDQL_TOLB, 40, &before, &after, NULL) == 0) {
    printf("idql-tolb tiny: utility %.4f untrained -> %.4f trained\n", before, after);
    CHECK(after > before);
  }
  if (train_and_eval(DTOMALB_ALGO_DQN_TOLB_BRANCH, 40, &before, &after, NULL) == 0) {
    printf("dqn-tolb-branch tiny: utility %.4f untrained -> %.4f trained\n", before, after);
    CHECK(after > before);
  }
  /* the joint-action one: 2 MDs, 2 servers = 9 joint actions */
  double s1[3], s2[3], b2, a2;
  if (train_and_eval(DTOMALB_ALGO_DQN_TOLB, 40, &before, &after, s1) == 0) {
    dtomalb_env_cfg_t env = tiny_env();
    dtomalb_eval_t rnd;
    char err[256];
    CHECK(dtomalb_evaluate(&env, 777, 5, DTOMALB_CHOOSE_RANDOM_OFFLOAD, NULL, &rnd, err, sizeof err) == 0);
    printf("dqn-tolb (joint) tiny: utility %.4f untrained -> %.4f trained (random-offload %.4f)\n", before, after,
           rnd.reward);
    CHECK(after > before);
    CHECK(after > rnd.reward + 0.02);
    /* same seed, same run: bit-identical */
    if (train_and_eval(DTOMALB_ALGO_DQN_TOLB, 40, &b2, &a2, s2) == 0)
      CHECK(a2 == after && memcmp(s1, s2, sizeof s1) == 0);
  }
}

static void test_shared_exploration_schedule(void)
{
  dtomalb_hyper_t dqn = dtomalb_hyper_default(DTOMALB_ALGO_DQN_TOLB);
  dtomalb_hyper_t mad = dtomalb_hyper_default(DTOMALB_ALGO_DTOMALB);
  CHECK(dqn.eps_start == 1.0 && dqn.eps_end == 0.05 && dqn.eps_decay_frac == 0.5);
  CHECK(mad.eps_start == 0.1 && mad.eps_end == 0.0 && mad.eps_decay_frac == 0.5);
  dtomalb_hyper_t h = dqn;
  dtomalb_hyper_explore_as(&h, DTOMALB_ALGO_DTOMALB); /* the DQN explores like MADDPG */
  CHECK(h.eps_start == 0.1 && h.eps_end == 0.0 && h.eps_decay_frac == 0.5);
  CHECK(h.batch == dqn.batch && h.lr_actor == dqn.lr_actor); /* nothing else changes */
  h = mad;
  dtomalb_hyper_explore_as(&h, DTOMALB_ALGO_DQN_TOLB_BRANCH); /* MADDPG explores like the DQNs */
  CHECK(h.eps_start == 1.0 && h.eps_end == 0.05 && h.eps_decay_frac == 0.5);
  CHECK(h.gumbel_tau == mad.gumbel_tau && h.clip == mad.clip);
  /* the trainer plays with it: eps 0.1 at the first episode, 0 from the half */
  dtomalb_env_cfg_t env = tiny_env();
  h = tiny_hyper(DTOMALB_ALGO_DQN_TOLB);
  dtomalb_hyper_explore_as(&h, DTOMALB_ALGO_DTOMALB);
  char err[256];
  dtomalb_trainer_t *t = dtomalb_trainer_new(DTOMALB_ALGO_DQN_TOLB, &env, &h, 1, 4, err, sizeof err);
  CHECK(t != NULL);
  if (!t)
    return;
  dtomalb_episode_stats_t st;
  double eps[3];
  for (int e = 0; e < 3; e++) {
    CHECK(dtomalb_trainer_episode(t, &st, err, sizeof err) == 0);
    eps[e] = st.epsilon;
  }
  CHECK_NEAR(eps[0], 0.1, 1e-15);
  CHECK_NEAR(eps[1], 0.05, 1e-15);
  CHECK(eps[2] == 0.0);
  dtomalb_trainer_free(t);
}

static void test_dtoma_has_no_load_term(void)
{
  dtomalb_env_cfg_t env = tiny_env();
  dtomalb_hyper_t h = tiny_hyper(DTOMALB_ALGO_DTOMA);
  char err[256];
  dtomalb_trainer_t *t = dtomalb_trainer_new(DTOMALB_ALGO_DTOMA, &env, &h, 1, 1, err, sizeof err);
  CHECK(t != NULL);
  if (!t)
    return;
  CHECK(dtomalb_trainer_env_cfg(t)->w2 == 0.0);
  CHECK(dtomalb_trainer_model(t)->env.w2 == 0.0);
  dtomalb_episode_stats_t st;
  CHECK(dtomalb_trainer_episode(t, &st, err, sizeof err) == 0);
  /* with w2 = 0, the training reward is exactly -w1 * delay */
  CHECK_NEAR(st.reward, -st.mean_delay, 1e-12);
  dtomalb_trainer_free(t);

  h.gamma = 1.0; /* refused: the discounted return must be finite */
  CHECK(dtomalb_trainer_new(DTOMALB_ALGO_DTOMA, &env, &h, 1, 1, err, sizeof err) == NULL);
  CHECK(strstr(err, "gamma") != NULL);
}

int main(void)
{
  RUN(test_critic_action_gradient);
  RUN(test_soft_target_updates);
  RUN(test_training_improves_dtomalb);
  RUN(test_training_dqn_baselines);
  RUN(test_shared_exploration_schedule);
  RUN(test_dtoma_has_no_load_term);
  return CHECK_DONE();
}
