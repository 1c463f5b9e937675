/* bench_dtomalb.c - speed of DTOMALB and its baselines in the paper's
 * setting (N = 10 MDs, M = 5 servers, default hyper-parameters; the joint-action
 * DQN-TOLB at N = 5, the largest N its (M+1)^N outputs allow at M = 5):
 * training episodes per second (after the replay warm-up) and the latency
 * of one decision per MD through the policy interface.
 * Not a test: prints figures only. Run single-threaded for stable numbers:
 *   OPENBLAS_NUM_THREADS=1 ./bench_dtomalb [episodes] */
#include "policies/dtomalb/model.h"
#include "policies/dtomalb/train.h"
#include "policies/policy.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

extern const mec_policy_ops_t mec_policy_dtomalb, mec_policy_dtoma, mec_policy_dqn_tolb, mec_policy_idql_tolb,
    mec_policy_dqn_tolb_branch;

#define N_MD_MAX 10

/* MDs of the bench for an algorithm: 10, but 5 for the joint-action DQN */
static int bench_n_md(dtomalb_algo_t algo)
{
  return algo == DTOMALB_ALGO_DQN_TOLB ? 5 : N_MD_MAX;
}

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int bench_training(dtomalb_algo_t algo, int episodes)
{
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(bench_n_md(algo), 5);
  dtomalb_hyper_t h = dtomalb_hyper_default(algo);
  char err[512];
  dtomalb_trainer_t *t = dtomalb_trainer_new(algo, &env, &h, 1, 1000, err, sizeof err);
  if (!t) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  dtomalb_episode_stats_t st;
  /* fill the replay memory up to the warm-up first: those episodes only act */
  int warm = h.warmup / env.steps_per_episode;
  double t0 = now_s();
  for (int e = 0; e < warm; e++)
    dtomalb_trainer_episode(t, &st, err, sizeof err);
  double t1 = now_s();
  int updates = 0;
  for (int e = 0; e < episodes; e++) {
    if (dtomalb_trainer_episode(t, &st, err, sizeof err) < 0) {
      fprintf(stderr, "%s\n", err);
      dtomalb_trainer_free(t);
      return -1;
    }
    updates += st.updates;
  }
  double t2 = now_s();
  printf("%-15s N = %2d acting only: %8.1f episodes/s | learning: %6.2f episodes/s, %6.1f ms per update round "
         "(batch %d, %d slots per round)\n",
         dtomalb_algo_name(algo), env.n_md, warm / (t1 - t0), episodes / (t2 - t1), 1e3 * (t2 - t1) / (updates ? updates : 1),
         h.batch, h.update_every);
  dtomalb_trainer_free(t);
  return 0;
}

static int bench_decision(dtomalb_algo_t algo, const mec_policy_ops_t *ops, int calls)
{
  const int n_md = bench_n_md(algo);
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(n_md, 5);
  char err[512], path[64], args[128];
  snprintf(path, sizeof path, "bench_dtomalb_%d.h5", (int)getpid());
  dtomalb_model_t *m = dtomalb_model_new(algo, &env, 64, 1, err, sizeof err);
  if (!m || dtomalb_model_save(m, path, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    dtomalb_model_free(m);
    return -1;
  }
  mec_md_info_t md[N_MD_MAX];
  mec_server_info_t srv[5];
  for (int n = 0; n < n_md; n++)
    md[n] = (mec_md_info_t){.cpu_hz = 4e8, .tx_power_w = 0.5, .up_rate_bps = 3e7};
  for (int s = 0; s < 5; s++)
    srv[s] = (mec_server_info_t){.cpu_hz = env.server_hz[s], .cores = 1, .load_factor = 0.05 * s};
  mec_system_t sys = {.n_md = n_md, .n_servers = 5, .md = md, .server = srv, .bandwidth_hz = 20e6};
  snprintf(args, sizeof args, "model=%s", path);
  mec_policy_cfg_t cfg = {.seed = 1, .args = args};
  void *st = NULL;
  if (ops->init(&st, &cfg, &sys) < 0) {
    fprintf(stderr, "%s\n", mec_policy_error());
    dtomalb_model_free(m);
    unlink(path);
    return -1;
  }
  mec_task_t tasks[N_MD_MAX];
  mec_decision_t out[N_MD_MAX];
  for (int n = 0; n < n_md; n++)
    tasks[n] = (mec_task_t){.id = (uint64_t)n, .md = n, .dnn = -1, .input_bits = 3.2e6, .cycles = 1e9};
  /* one task per call: the per-MD decision */
  mec_cost_t cost = {0};
  double t0 = now_s();
  for (int c = 0; c < calls; c++) {
    mec_batch_t b = {.n = 1, .task = &tasks[c % n_md]};
    out[0] = mec_decision_default();
    ops->decide(st, &sys, &b, out, &cost);
  }
  double t1 = now_s();
  /* one call per slot with every MD's task */
  mec_cost_t cost_slot = {0};
  for (int c = 0; c < calls / n_md; c++) {
    mec_batch_t b = {.n = (size_t)n_md, .task = tasks};
    ops->decide(st, &sys, &b, out, &cost_slot);
  }
  double t2 = now_s();
  printf("%-15s one task per call: %6.2f us per decision (%6.0f flops charged) | slot batch of %d: %6.2f us per "
         "call (%6.0f flops)\n",
         ops->name, 1e6 * (t1 - t0) / calls, cost.flops, n_md, 1e6 * (t2 - t1) / (calls / n_md), cost_slot.flops);
  ops->destroy(st);
  dtomalb_model_free(m);
  unlink(path);
  return 0;
}

int main(int argc, char **argv)
{
  int episodes = argc > 1 ? atoi(argv[1]) : 5;
  if (episodes < 1)
    episodes = 5;
  printf("# DTOMALB bench: N = 10 MDs (joint DQN-TOLB: 5), M = 5 servers, 50 slots per episode, default "
         "hyper-parameters\n");
  for (int a = 0; a < DTOMALB_ALGO_COUNT; a++)
    if (bench_training((dtomalb_algo_t)a, episodes) < 0)
      return 1;
  const mec_policy_ops_t *ops[DTOMALB_ALGO_COUNT] = {&mec_policy_dtomalb, &mec_policy_dtoma, &mec_policy_dqn_tolb,
                                                     &mec_policy_idql_tolb, &mec_policy_dqn_tolb_branch};
  for (int a = 0; a < DTOMALB_ALGO_COUNT; a++)
    if (bench_decision((dtomalb_algo_t)a, ops[a], 20000) < 0)
      return 1;
  return 0;
}
