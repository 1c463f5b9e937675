/* test_dtomalb_joint.c - the joint-action DQN-TOLB: the index <-> per-MD
 * actions encoding, the greedy action against a brute-force argmax over all
 * (M+1)^N joint actions, the TD target against the target network's joint
 * max computed here, one update round on a known transition, and the
 * refusal of N beyond the joint limit (building, training and loading). */
#include "check.h"
#include "model/rng.h"
#include "nn/nn_h5attr.h"
#include "policies/dtomalb/train.h"
#include "policies/dtomalb/train_internal.h" /* to feed the update one known transition */
#include <hdf5.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_MD 3
#define N_SRV 2
#define A (N_SRV + 1)
#define K (A * A * A) /* 27 joint actions */

static void test_encoding_round_trip(void)
{
  CHECK(dtomalb_joint_count(N_MD, N_SRV) == K);
  CHECK(dtomalb_joint_count(5, 5) == 7776 && DTOMALB_JOINT_MAX_ACTIONS == 7776);
  CHECK(dtomalb_joint_count(6, 5) == 0 && dtomalb_joint_count(12, 1) == 4096 && dtomalb_joint_count(13, 1) == 0);
  CHECK(dtomalb_joint_count(INT_MAX, DTOMALB_MAX_SERVERS) == 0 && dtomalb_joint_count(0, 5) == 0);
  /* MD 0 is the least significant digit */
  int a[N_MD] = {1, 0, 2}, back[N_MD];
  CHECK(dtomalb_joint_encode(N_MD, N_SRV, a) == 1 + 0 * 3 + 2 * 9);
  dtomalb_joint_decode(N_MD, N_SRV, 1 + 0 * 3 + 2 * 9, back);
  CHECK(back[0] == 1 && back[1] == 0 && back[2] == 2);
  int ok = 1;
  for (size_t j = 0; j < K; j++) {
    dtomalb_joint_decode(N_MD, N_SRV, j, back);
    for (int n = 0; n < N_MD; n++)
      ok &= back[n] >= 0 && back[n] <= N_SRV;
    ok &= dtomalb_joint_encode(N_MD, N_SRV, back) == j;
  }
  CHECK(ok);
  /* and actions -> index -> actions at the largest case, 6^5 */
  int big[5] = {5, 0, 3, 1, 4}, big2[5];
  size_t j = dtomalb_joint_encode(5, 5, big);
  CHECK(j == 5 + 3 * 36 + 1 * 216 + 4 * 1296);
  dtomalb_joint_decode(5, 5, j, big2);
  CHECK(memcmp(big, big2, sizeof big) == 0);
}

/* Observations of N_MD agents with random load factors and tasks. */
static void random_obs(gsl_rng *g, double *obs)
{
  int d = dtomalb_obs_dim(N_SRV);
  double load[N_SRV];
  for (int m = 0; m < N_SRV; m++)
    load[m] = 2.0 * gsl_rng_uniform(g);
  for (int n = 0; n < N_MD; n++) {
    memcpy(obs + n * d, load, sizeof load);
    for (int k = N_SRV; k < d; k++)
      obs[n * d + k] = 0.5 + 1.5 * gsl_rng_uniform(g);
  }
}

static void test_greedy_is_brute_force_argmax(void)
{
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(N_MD, N_SRV);
  char err[512];
  dtomalb_model_t *m = dtomalb_model_new(DTOMALB_ALGO_DQN_TOLB, &env, 8, 11, err, sizeof err);
  CHECK(m != NULL);
  if (!m)
    return;
  CHECK(m->n_nets == 1 && nn_net_n_out(m->net[0]) == K &&
        nn_net_n_in(m->net[0]) == (size_t)dtomalb_state_dim(N_MD, N_SRV));
  /* random weights, spread out so that many joint actions win somewhere */
  gsl_rng *g = mec_rng_new(5, MEC_STREAM_TRAINING, 3);
  size_t np;
  double *w = nn_net_params(m->net[0], &np);
  for (size_t k = 0; k < np; k++)
    w[k] = 2.0 * gsl_rng_uniform(g) - 1.0;
  double obs[N_MD * (N_SRV + 4)], state[N_SRV + 4 * N_MD];
  int act[N_MD], ok = 1, seen[K] = {0}, distinct = 0;
  for (int round = 0; round < 200; round++) {
    random_obs(g, obs);
    CHECK(dtomalb_model_act(m, obs, act) == 0);
    /* brute force: every (a0, a1, a2), its output index written out here */
    dtomalb_state_from_obs(N_MD, N_SRV, obs, state);
    const double *q = nn_net_forward(m->net[0], state, 1);
    double best = -INFINITY;
    int b0 = -1, b1 = -1, b2 = -1;
    for (int a2 = 0; a2 < A; a2++)
      for (int a1 = 0; a1 < A; a1++)
        for (int a0 = 0; a0 < A; a0++) {
          double v = q[a0 + A * a1 + A * A * a2];
          if (v > best)
            best = v, b0 = a0, b1 = a1, b2 = a2;
        }
    ok &= act[0] == b0 && act[1] == b1 && act[2] == b2;
    int j = b0 + A * b1 + A * A * b2;
    if (!seen[j]++)
      distinct++;
  }
  CHECK(ok);
  printf("  greedy joint actions: %d distinct of %d over 200 states\n", distinct, K);
  CHECK(distinct >= 4); /* not one constant answer */
  gsl_rng_free(g);
  dtomalb_model_free(m);
}

static void test_td_target_is_joint_max(void)
{
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(N_MD, N_SRV);
  dtomalb_hyper_t h = dtomalb_hyper_default(DTOMALB_ALGO_DQN_TOLB);
  h.hidden = 8;
  h.batch = 16;
  h.gamma = 0.9;
  char err[512];
  dtomalb_trainer_t *t = dtomalb_trainer_new(DTOMALB_ALGO_DQN_TOLB, &env, &h, 3, 10, err, sizeof err);
  CHECK(t != NULL);
  if (!t)
    return;
  nn_net_t *online = dtomalb_trainer_net(t, DTOMALB_NET_ACTOR, 0);
  nn_net_t *target = dtomalb_trainer_net(t, DTOMALB_NET_TARGET_ACTOR, 0);
  CHECK(online && target && target != online && dtomalb_trainer_net(t, DTOMALB_NET_CRITIC, 0) == NULL);
  /* make the target network differ from the online one */
  gsl_rng *g = mec_rng_new(8, MEC_STREAM_TRAINING, 4);
  size_t np;
  double *w = nn_net_params(target, &np);
  for (size_t k = 0; k < np; k++)
    w[k] = 2.0 * gsl_rng_uniform(g) - 1.0;
  enum { B = 16, SD = N_SRV + 4 * N_MD };
  double s[B * SD], r[B * N_MD], y[B];
  for (size_t k = 0; k < B * SD; k++)
    s[k] = 2.0 * gsl_rng_uniform(g);
  for (size_t k = 0; k < B * N_MD; k++)
    r[k] = -gsl_rng_uniform(g);
  CHECK(dtomalb_dqn_joint_targets(t, s, r, B, y) == 0);
  double worst = 0, gap_online = 0, gap_heads = 0;
  for (int b = 0; b < B; b++) {
    const double *q = nn_net_forward(target, s + b * SD, 1);
    double best = -INFINITY;
    for (int a2 = 0; a2 < A; a2++)
      for (int a1 = 0; a1 < A; a1++)
        for (int a0 = 0; a0 < A; a0++)
          best = fmax(best, q[a0 + A * a1 + A * A * a2]);
    double mean_r = (r[b * 3] + r[b * 3 + 1] + r[b * 3 + 2]) / 3.0;
    worst = fmax(worst, fabs(y[b] - (mean_r + 0.9 * best)));
    /* what the online network, or a max over only the first 3 outputs
     * (one branching head's worth), would have given instead */
    double first = fmax(q[0], fmax(q[1], q[2]));
    gap_heads = fmax(gap_heads, fabs(y[b] - (mean_r + 0.9 * first)));
    const double *qo = nn_net_forward(online, s + b * SD, 1);
    double best_o = -INFINITY;
    for (int j = 0; j < K; j++)
      best_o = fmax(best_o, qo[j]);
    gap_online = fmax(gap_online, fabs(y[b] - (mean_r + 0.9 * best_o)));
  }
  CHECK(worst < 1e-12);
  CHECK(gap_online > 1e-3 && gap_heads > 1e-3);
  gsl_rng_free(g);
  dtomalb_trainer_free(t);
}

/* One update round on a replay memory holding a single known transition
 * (s, a, r, s'): its TD loss, taken before the step, must be
 * (Q(s, j(a)) - y)^2 with j(a) the joint index written out here and y the
 * joint max of the target network at s', i.e. the update trains the output
 * of the joint action taken towards the joint-max target. */
static void test_update_trains_the_joint_action_towards_the_joint_max(void)
{
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(N_MD, N_SRV);
  dtomalb_hyper_t h = dtomalb_hyper_default(DTOMALB_ALGO_DQN_TOLB);
  h.hidden = 8;
  h.batch = 4;
  h.gamma = 0.8;
  char err[512];
  dtomalb_trainer_t *t = dtomalb_trainer_new(DTOMALB_ALGO_DQN_TOLB, &env, &h, 6, 10, err, sizeof err);
  CHECK(t != NULL);
  if (!t)
    return;
  gsl_rng *g = mec_rng_new(9, MEC_STREAM_TRAINING, 5);
  size_t np;
  double *w = nn_net_params(t->target[0], &np); /* a target unlike the online network */
  for (size_t k = 0; k < np; k++)
    w[k] = 2.0 * gsl_rng_uniform(g) - 1.0;
  enum { D = N_SRV + 4, SD = N_SRV + 4 * N_MD };
  double row[2 * N_MD * D + 2 * N_MD], x[N_MD * D], xn[N_MD * D], s0[SD], s1[SD];
  int act[N_MD] = {2, 0, 1};
  double r[N_MD] = {-0.3, -0.1, -0.5};
  random_obs(g, x);
  random_obs(g, xn);
  memcpy(row, x, sizeof x);
  for (int n = 0; n < N_MD; n++)
    row[N_MD * D + n] = act[n], row[N_MD * D + N_MD + n] = r[n];
  memcpy(row + N_MD * D + 2 * N_MD, xn, sizeof xn);
  CHECK(t->row_len == sizeof row / sizeof row[0]);
  dtomalb_replay_push(t->replay, row);
  dtomalb_state_from_obs(N_MD, N_SRV, x, s0);
  dtomalb_state_from_obs(N_MD, N_SRV, xn, s1);
  double q_taken = nn_net_forward(t->model->net[0], s0, 1)[2 + A * 0 + A * A * 1];
  const double *qn = nn_net_forward(t->target[0], s1, 1);
  double best = -INFINITY;
  for (int j = 0; j < K; j++)
    best = fmax(best, qn[j]);
  double y = (-0.3 - 0.1 - 0.5) / 3.0 + 0.8 * best;
  double lc = 0;
  CHECK(dtomalb_dqn_joint_update(t, &lc) == 0);
  CHECK_NEAR(lc, (q_taken - y) * (q_taken - y), 1e-12);
  /* and the step moved that output towards y */
  double q_after = nn_net_forward(t->model->net[0], s0, 1)[2 + A * 0 + A * A * 1];
  CHECK(fabs(q_after - y) < fabs(q_taken - y));
  gsl_rng_free(g);
  dtomalb_trainer_free(t);
}

/* The error names the limit and the way out. */
static void check_limit_message(const char *err)
{
  if (!strstr(err, "7776") || !strstr(err, "dqn-tolb-branch"))
    fprintf(stderr, "  error was: %s\n", err);
  CHECK(strstr(err, "7776") != NULL && strstr(err, "dqn-tolb-branch") != NULL);
}

/* Deletes attribute `name` of '/' if present and writes it anew. */
static int rewrite_i64(const char *path, const char *name, int64_t v)
{
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0)
    return -1;
  if (H5Aexists(f, name) > 0)
    H5Adelete(f, name);
  int rc = nn_h5attr_write_i64(f, name, v);
  H5Fclose(f);
  return rc;
}

static void test_n_limit_refused(void)
{
  char err[512] = "";
  dtomalb_env_cfg_t env6 = dtomalb_env_cfg_default(6, 5), env5 = dtomalb_env_cfg_default(5, 5);
  /* N = 5, M = 5: 7,776 outputs, allowed */
  dtomalb_model_t *m = dtomalb_model_new(DTOMALB_ALGO_DQN_TOLB, &env5, 4, 1, err, sizeof err);
  CHECK(m != NULL && m && nn_net_n_out(m->net[0]) == 7776);
  dtomalb_model_free(m);
  /* N = 6: refused by the model and by the trainer; the branching one builds */
  CHECK(dtomalb_model_new(DTOMALB_ALGO_DQN_TOLB, &env6, 4, 1, err, sizeof err) == NULL);
  check_limit_message(err);
  dtomalb_hyper_t h = dtomalb_hyper_default(DTOMALB_ALGO_DQN_TOLB);
  err[0] = 0;
  CHECK(dtomalb_trainer_new(DTOMALB_ALGO_DQN_TOLB, &env6, &h, 1, 1, err, sizeof err) == NULL);
  check_limit_message(err);
  m = dtomalb_model_new(DTOMALB_ALGO_DQN_TOLB_BRANCH, &env6, 4, 1, err, sizeof err);
  CHECK(m != NULL && m && nn_net_n_out(m->net[0]) == 6 * 6);
  dtomalb_model_free(m);
  /* a file claiming N = 9 with M = 2 (3^9 = 19,683 joint actions) is
   * refused before anything is sized by it */
  char path[128];
  snprintf(path, sizeof path, "test_dtomalb_joint_%d.h5", (int)getpid());
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(N_MD, N_SRV);
  m = dtomalb_model_new(DTOMALB_ALGO_DQN_TOLB, &env, 4, 1, err, sizeof err);
  CHECK(m && dtomalb_model_save(m, path, err, sizeof err) == 0);
  dtomalb_model_free(m);
  CHECK(rewrite_i64(path, "n_md", 9) == 0);
  err[0] = 0;
  CHECK(dtomalb_model_load(path, err, sizeof err) == NULL);
  printf("  %s\n", err);
  check_limit_message(err);
  CHECK(strstr(err, "model '") == err && strstr(err, "N=9") != NULL);
  unlink(path);
}

int main(void)
{
  RUN(test_encoding_round_trip);
  RUN(test_greedy_is_brute_force_argmax);
  RUN(test_td_target_is_joint_max);
  RUN(test_update_trains_the_joint_action_towards_the_joint_max);
  RUN(test_n_limit_refused);
  return CHECK_DONE();
}
