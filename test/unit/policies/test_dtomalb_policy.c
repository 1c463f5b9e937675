/* test_dtomalb_policy.c - DTOMALB model files and the "dtomalb", "dtoma",
 * "dqn-tolb", "dqn-tolb-branch", "idql-tolb" policies: save/load round trip,
 * the decisions and their cost, clear errors for missing or mismatched
 * model files, and format-1 files (whose "dqn-tolb" was the branching
 * network). */
#include "check.h"
#include "model/rng.h"
#include "nn/nn_h5attr.h"
#include "policies/dtomalb/model.h"
#include "policies/policy.h"
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern const mec_policy_ops_t mec_policy_dtomalb, mec_policy_dtoma, mec_policy_dqn_tolb, mec_policy_dqn_tolb_branch,
    mec_policy_idql_tolb;

#define N_MD 3
#define N_SRV 2

static char path_dtomalb[256], path_dqn[256], path_joint[256], path_nn[256], path_text[256], path_old[256];

static dtomalb_model_t *make_model(dtomalb_algo_t algo, const char *path)
{
  dtomalb_env_cfg_t env = dtomalb_env_cfg_default(N_MD, N_SRV);
  char err[512];
  dtomalb_model_t *m = dtomalb_model_new(algo, &env, 8, 4, err, sizeof err);
  CHECK(m != NULL);
  if (m && path)
    CHECK(dtomalb_model_save(m, path, err, sizeof err) == 0);
  return m;
}

/* A small world: 3 MDs, 2 servers with some backlog. */
static mec_md_info_t mds[N_MD];
static mec_server_info_t srv[N_SRV];
static mec_system_t make_system(void)
{
  for (int n = 0; n < N_MD; n++)
    mds[n] = (mec_md_info_t){.cpu_hz = 3e8 + 1e8 * n, .tx_power_w = 0.5, .up_rate_bps = 2e7 + 5e6 * n};
  srv[0] = (mec_server_info_t){.cpu_hz = 12e9, .cores = 1, .backlog_cycles = 6e9, .load_factor = 0.5};
  srv[1] = (mec_server_info_t){.cpu_hz = 20e9, .cores = 1, .backlog_cycles = 1e9, .load_factor = 0.05};
  mec_system_t s = {.n_md = N_MD, .n_servers = N_SRV, .md = mds, .server = srv, .bandwidth_hz = 20e6,
                    .noise_w_per_hz = 4e-21};
  return s;
}

static void test_save_load_roundtrip(void)
{
  dtomalb_model_t *m = make_model(DTOMALB_ALGO_DTOMALB, path_dtomalb);
  char err[512];
  dtomalb_model_t *l = dtomalb_model_load(path_dtomalb, err, sizeof err);
  CHECK(l != NULL);
  if (m && l) {
    CHECK(l->algo == DTOMALB_ALGO_DTOMALB && l->n_md == N_MD && l->n_servers == N_SRV && l->n_nets == N_MD);
    CHECK(l->hidden == 8 && l->obs_dim == N_SRV + 4 && l->n_actions == N_SRV + 1);
    CHECK(l->scale.time_s == m->scale.time_s && l->scale.local_s == m->scale.local_s);
    CHECK(l->env.server_hz[1] == m->env.server_hz[1] && l->env.slot_s == m->env.slot_s);
    for (int k = 0; k < N_MD; k++) {
      size_t a, b;
      double *p = nn_net_params(m->net[k], &a), *q = nn_net_params(l->net[k], &b);
      CHECK(a == b && memcmp(p, q, sizeof(double) * a) == 0);
    }
    /* dense 6->8, 8->8, 8->3 */
    CHECK(dtomalb_model_decision_macs(l) == 6 * 8 + 8 * 8 + 8 * 3);
  }
  dtomalb_model_free(m);
  dtomalb_model_free(l);

  m = make_model(DTOMALB_ALGO_DQN_TOLB_BRANCH, path_dqn);
  l = dtomalb_model_load(path_dqn, err, sizeof err);
  CHECK(l != NULL && l->n_nets == 1);
  if (l) { /* state M + 4N = 14 -> 8 -> 8 -> N (M+1) = 9 */
    CHECK(l->algo == DTOMALB_ALGO_DQN_TOLB_BRANCH && l->file_version == 2);
    CHECK(dtomalb_model_decision_macs(l) == 14 * 8 + 8 * 8 + 8 * 9);
  }
  dtomalb_model_free(m);
  dtomalb_model_free(l);

  m = make_model(DTOMALB_ALGO_DQN_TOLB, path_joint);
  l = dtomalb_model_load(path_joint, err, sizeof err);
  CHECK(l != NULL && l->n_nets == 1);
  if (m && l) { /* state 14 -> 8 -> 8 -> (M+1)^N = 27 joint actions */
    CHECK(l->algo == DTOMALB_ALGO_DQN_TOLB);
    CHECK(dtomalb_model_decision_macs(l) == 14 * 8 + 8 * 8 + 8 * 27);
    size_t a, b;
    double *p = nn_net_params(m->net[0], &a), *q = nn_net_params(l->net[0], &b);
    CHECK(a == b && memcmp(p, q, sizeof(double) * a) == 0);
  }
  dtomalb_model_free(m);
  dtomalb_model_free(l);
}

static void test_policy_decides_like_the_actors(void)
{
  mec_system_t sys = make_system();
  char args[300];
  snprintf(args, sizeof args, "model=%s", path_dtomalb);
  mec_policy_cfg_t cfg = {.seed = 1, .args = args, .model_in = NULL};
  void *st = NULL;
  CHECK(mec_policy_dtomalb.init(&st, &cfg, &sys) == 0);
  if (!st)
    return;
  char err[512];
  dtomalb_model_t *m = dtomalb_model_load(path_dtomalb, err, sizeof err);
  mec_task_t tasks[N_MD];
  mec_decision_t out[N_MD];
  double obs[N_MD * (N_SRV + 4)], load[N_SRV] = {0.5, 0.05};
  int expect[N_MD];
  /* several task mixes so that different actions come out */
  int distinct = 0, seen[N_SRV + 1] = {0};
  gsl_rng *g = mec_rng_new(9, MEC_STREAM_WORKLOAD, 0);
  for (int round = 0; round < 20; round++) {
    for (int n = 0; n < N_MD; n++) {
      tasks[n] = (mec_task_t){.id = (uint64_t)(round * N_MD + n), .md = N_MD - 1 - n, .dnn = -1,
                              .input_bits = 1e6 + 8e6 * gsl_rng_uniform(g), .cycles = 2e8 + 3e9 * gsl_rng_uniform(g)};
      out[n] = mec_decision_default();
      int md = tasks[n].md;
      dtomalb_obs_build(&m->scale, N_SRV, load, tasks[n].input_bits, tasks[n].cycles, mds[md].up_rate_bps,
                        mds[md].cpu_hz, obs + md * (N_SRV + 4));
    }
    CHECK(dtomalb_model_act(m, obs, expect) == 0);
    mec_batch_t batch = {.n = N_MD, .task = tasks};
    mec_cost_t cost = {0};
    CHECK(mec_policy_dtomalb.decide(st, &sys, &batch, out, &cost) == 0);
    for (int n = 0; n < N_MD; n++) {
      CHECK(out[n].target == expect[tasks[n].md]);
      if (!seen[out[n].target]++)
        distinct++;
    }
    /* 2 flops per MAC of one actor, per task */
    CHECK(cost.flops == 3 * 2.0 * (6 * 8 + 8 * 8 + 8 * 3));
    CHECK(cost.model_size == (6 * 8 + 8) + (8 * 8 + 8) + (8 * 3 + 3));
  }
  CHECK(distinct >= 2);
  /* a task from an MD the model does not know is refused */
  mec_task_t bad = {.id = 99, .md = N_MD, .input_bits = 1e6, .cycles = 1e9};
  mec_batch_t b1 = {.n = 1, .task = &bad};
  mec_cost_t cost = {0};
  CHECK(mec_policy_dtomalb.decide(st, &sys, &b1, out, &cost) == -1);
  CHECK(strstr(mec_policy_error(), "MD 3") != NULL);
  gsl_rng_free(g);
  dtomalb_model_free(m);
  mec_policy_dtomalb.destroy(st);
}

/* A centralized DQN-TOLB policy decides the batch as dtomalb_model_act does
 * on the same observations, with one forward pass (2 x macs flops). */
static void check_central_policy(const mec_policy_ops_t *ops, const char *path, double macs)
{
  mec_system_t sys = make_system();
  mec_policy_cfg_t cfg = {.seed = 1, .args = "", .model_in = path}; /* model from --model-in */
  void *st = NULL;
  CHECK(ops->init(&st, &cfg, &sys) == 0);
  if (!st)
    return;
  char err[512];
  dtomalb_model_t *m = dtomalb_model_load(path, err, sizeof err);
  mec_task_t tasks[N_MD];
  mec_decision_t out[N_MD];
  double obs[N_MD * (N_SRV + 4)], load[N_SRV] = {0.5, 0.05};
  for (int n = 0; n < N_MD; n++) {
    tasks[n] = (mec_task_t){.id = (uint64_t)n, .md = n, .dnn = -1, .input_bits = 3e6 + 1e6 * n, .cycles = 1e9};
    out[n] = mec_decision_default();
    dtomalb_obs_build(&m->scale, N_SRV, load, tasks[n].input_bits, tasks[n].cycles, mds[n].up_rate_bps,
                      mds[n].cpu_hz, obs + n * (N_SRV + 4));
  }
  int expect[N_MD];
  CHECK(dtomalb_model_act(m, obs, expect) == 0);
  mec_batch_t batch = {.n = N_MD, .task = tasks};
  mec_cost_t cost = {0};
  CHECK(ops->decide(st, &sys, &batch, out, &cost) == 0);
  for (int n = 0; n < N_MD; n++)
    CHECK(out[n].target == expect[n]);
  CHECK(cost.flops == 2.0 * macs && cost.iterations == 1.0); /* once for the whole batch */
  dtomalb_model_free(m);
  ops->destroy(st);
}

static void test_dqn_tolb_policies_one_pass_per_batch(void)
{
  check_central_policy(&mec_policy_dqn_tolb_branch, path_dqn, 14 * 8 + 8 * 8 + 8 * 9);
  check_central_policy(&mec_policy_dqn_tolb, path_joint, 14 * 8 + 8 * 8 + 8 * 27);
}

/* Deletes attribute `name` of '/' if present and writes it anew (a string
 * when s, else the integer v). */
static int rewrite_attr(const char *path, const char *name, const char *s, int64_t v)
{
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0)
    return -1;
  if (H5Aexists(f, name) > 0)
    H5Adelete(f, name);
  int rc = s ? nn_h5attr_write_str(f, name, s) : nn_h5attr_write_i64(f, name, v);
  H5Fclose(f);
  return rc;
}

/* Format-1 files: "dqn-tolb" was the branching network. Such a file loads
 * as dqn-tolb-branch, never as the joint one; the dqn-tolb policy says so. */
static void test_format1_dqn_tolb_is_the_branching_one(void)
{
  char err[512] = "";
  dtomalb_model_t *m = make_model(DTOMALB_ALGO_DQN_TOLB_BRANCH, path_old);
  CHECK(rewrite_attr(path_old, "format_version", NULL, 1) == 0 && rewrite_attr(path_old, "algo", "dqn-tolb", 0) == 0);
  dtomalb_model_t *l = dtomalb_model_load(path_old, err, sizeof err);
  CHECK(l != NULL);
  if (m && l) {
    CHECK(l->algo == DTOMALB_ALGO_DQN_TOLB_BRANCH && l->file_version == 1);
    size_t a, b;
    double *p = nn_net_params(m->net[0], &a), *q = nn_net_params(l->net[0], &b);
    CHECK(a == b && memcmp(p, q, sizeof(double) * a) == 0);
  }
  dtomalb_model_free(l);
  dtomalb_model_free(m);
  mec_system_t sys = make_system();
  mec_policy_cfg_t cfg = {.seed = 1, .args = "", .model_in = path_old};
  void *st = NULL;
  CHECK(mec_policy_dqn_tolb_branch.init(&st, &cfg, &sys) == 0);
  mec_policy_dqn_tolb_branch.destroy(st);
  st = NULL;
  CHECK(mec_policy_dqn_tolb.init(&st, &cfg, &sys) < 0 && st == NULL);
  printf("  %s\n", mec_policy_error());
  CHECK(strstr(mec_policy_error(), "holds a dqn-tolb-branch model, not dqn-tolb") != NULL);
  CHECK(strstr(mec_policy_error(), "format-1") != NULL && strstr(mec_policy_error(), "--policy dqn-tolb-branch"));
  /* the name dqn-tolb-branch did not exist in format 1 */
  CHECK(rewrite_attr(path_old, "algo", "dqn-tolb-branch", 0) == 0);
  CHECK(dtomalb_model_load(path_old, err, sizeof err) == NULL);
  CHECK(strstr(err, "unknown algorithm 'dqn-tolb-branch' (format version 1)") != NULL);
  /* a branching network labelled "dqn-tolb" in a format-2 file is refused
   * by its shape (9 outputs, the joint network has 27) */
  CHECK(rewrite_attr(path_old, "format_version", NULL, 2) == 0 && rewrite_attr(path_old, "algo", "dqn-tolb", 0) == 0);
  CHECK(dtomalb_model_load(path_old, err, sizeof err) == NULL);
  printf("  %s\n", err);
  CHECK(strstr(err, "maps 14 -> 9 values, dqn-tolb with N=3, M=2 needs 14 -> 27") != NULL);
  /* a version this build does not know */
  CHECK(rewrite_attr(path_old, "format_version", NULL, 3) == 0);
  CHECK(dtomalb_model_load(path_old, err, sizeof err) == NULL);
  CHECK(strstr(err, "format version 3, this build reads 1 and 2") != NULL);
}

/* init must fail with a message containing `needle`. */
static void expect_init_error(const mec_policy_ops_t *ops, const char *args, const char *model_in,
                              const mec_system_t *sys, const char *needle)
{
  mec_policy_cfg_t cfg = {.seed = 1, .args = args, .model_in = model_in};
  void *st = (void *)&cfg;
  mec_policy_set_error("%s", "");
  CHECK(ops->init(&st, &cfg, sys) < 0);
  CHECK(st == NULL);
  if (!strstr(mec_policy_error(), needle))
    fprintf(stderr, "  error was: %s (wanted '%s')\n", mec_policy_error(), needle);
  CHECK(strstr(mec_policy_error(), needle) != NULL);
}

static void test_bad_model_files(void)
{
  mec_system_t sys = make_system();
  char args[300];
  expect_init_error(&mec_policy_dtomalb, "", NULL, &sys, "no model file");
  expect_init_error(&mec_policy_dtomalb, "model=/nonexistent/dtomalb.h5", NULL, &sys, "/nonexistent/dtomalb.h5");
  expect_init_error(&mec_policy_dtomalb, "modle=x", NULL, &sys, "modle");
  expect_init_error(&mec_policy_idql_tolb, "", path_text, &sys, "not an HDF5 file");
  /* a network file of the nn library is not a model bundle */
  nn_mlp_cfg_t c = {.n_in = 4, .hidden = {4}, .n_out = 2};
  nn_net_t *net = nn_mlp_new(&c, 1);
  CHECK(net && nn_net_save(net, path_nn) == 0);
  nn_net_free(net);
  expect_init_error(&mec_policy_dtomalb, "", path_nn, &sys, "not a DTOMALB model");
  /* a DTOMALB model is not a DTOMA one */
  snprintf(args, sizeof args, "model=%s", path_dtomalb);
  expect_init_error(&mec_policy_dtoma, args, NULL, &sys, "holds a dtomalb model");
  /* wrong platform size */
  mec_system_t big = sys;
  big.n_md = 2;
  expect_init_error(&mec_policy_dtomalb, args, NULL, &big, "trained for 3 MDs and 2 servers");
  /* the args' model= wins over --model-in */
  mec_policy_cfg_t cfg = {.seed = 1, .args = args, .model_in = path_nn};
  void *st = NULL;
  CHECK(mec_policy_dtomalb.init(&st, &cfg, &sys) == 0);
  mec_policy_dtomalb.destroy(st);
}

int main(void)
{
  int pid = (int)getpid();
  snprintf(path_dtomalb, sizeof path_dtomalb, "test_dtomalb_policy_%d_a.h5", pid);
  snprintf(path_dqn, sizeof path_dqn, "test_dtomalb_policy_%d_q.h5", pid);
  snprintf(path_joint, sizeof path_joint, "test_dtomalb_policy_%d_j.h5", pid);
  snprintf(path_old, sizeof path_old, "test_dtomalb_policy_%d_v1.h5", pid);
  snprintf(path_nn, sizeof path_nn, "test_dtomalb_policy_%d_nn.h5", pid);
  snprintf(path_text, sizeof path_text, "test_dtomalb_policy_%d.txt", pid);
  FILE *f = fopen(path_text, "w");
  if (f) {
    fputs("not a model\n", f);
    fclose(f);
  }
  RUN(test_save_load_roundtrip);
  RUN(test_policy_decides_like_the_actors);
  RUN(test_dqn_tolb_policies_one_pass_per_batch);
  RUN(test_format1_dqn_tolb_is_the_branching_one);
  RUN(test_bad_model_files);
  unlink(path_dtomalb);
  unlink(path_dqn);
  unlink(path_joint);
  unlink(path_old);
  unlink(path_nn);
  unlink(path_text);
  return CHECK_DONE();
}
