/* The TPOS policies through the mec_policy_ops_t interface: argument
 * checking, decisions on a slot batch (partition, slot, price, target),
 * feasibility of the strategies behind them, decision cost reported, and a
 * clear error for tasks without a DNN. */
#include "check.h"
#include "policies/tpos/tpos_policy.h"

#include <string.h>

#define N_MD 12

static mec_md_info_t mds[N_MD];
static mec_server_info_t server;
static mec_system_t sys;
static mec_task_t tasks[N_MD];

static void setup(void)
{
  for (int i = 0; i < N_MD; i++) {
    mds[i] = (mec_md_info_t){.cpu_hz = 1.152e9 * (i % 2 ? 1.0 : 0.5), .tx_power_w = 4, .distance_m = 10 + 5 * i,
                             .gain = 1, .up_rate_bps = 5e7, .down_rate_bps = 5e7};
    tasks[i] = (mec_task_t){.id = 100 + (uint64_t)i, .md = i, .dnn = i % MEC_DNN_COUNT, .deadline = 0};
  }
  server = (mec_server_info_t){.cpu_hz = 3.2e9, .cores = 4, .hops = 1};
  sys = (mec_system_t){.n_md = N_MD, .n_servers = 1, .md = mds, .server = &server, .bandwidth_hz = 2e6,
                       .noise_w_per_hz = 1e-9, .bs_tx_power_w = 4, .seed = 5};
}

static const int layers[MEC_DNN_COUNT] = {21, 31, 37, 12};

static void decide_with(const mec_policy_ops_t *ops, const char *args, int expect_game)
{
  void *st = NULL;
  mec_policy_cfg_t cfg = {.seed = 5, .args = args, .model_in = NULL};
  CHECK(ops->init(&st, &cfg, &sys) == 0);
  if (!st)
    return;
  mec_decision_t out[N_MD];
  for (int i = 0; i < N_MD; i++)
    out[i] = mec_decision_default();
  mec_cost_t cost = {0};
  mec_batch_t batch = {.n = N_MD, .task = tasks};
  CHECK(ops->decide(st, &sys, &batch, out, &cost) == 0);
  const mec_tpos_params_t *p = mec_tpos_policy_params(st);
  int occ[MEC_TPOS_MAX_SLOTS + 1] = {0};
  for (int i = 0; i < N_MD; i++) {
    int M = layers[tasks[i].dnn];
    const mec_tpos_strategy_t *s = mec_tpos_policy_strategy(st, (size_t)i);
    CHECK(s != NULL);
    if (!s)
      continue;
    CHECK(out[i].partition == s->m_star);
    CHECK(out[i].partition >= 0 && out[i].partition <= M);
    CHECK(out[i].target == (out[i].partition < M ? 1 : 0));
    if (expect_game) {
      CHECK(out[i].target ? out[i].slot == s->h_last && out[i].slot >= 1 && out[i].slot <= p->H : out[i].slot == -1);
      CHECK(out[i].target ? out[i].price > 0 : out[i].price == 0);
      for (int h = 1; h <= p->H; h++)
        occ[h] += s->first[h] != 0;
    } else {
      CHECK(out[i].slot == -1);
    }
  }
  for (int h = 1; h <= p->H; h++)
    CHECK(occ[h] <= p->B); /* eq. 27 */
  CHECK(mec_tpos_policy_strategy(st, N_MD) == NULL);
  if (expect_game)
    CHECK(cost.flops > 0 && cost.iterations >= N_MD * 0.1);
  ops->destroy(st);
}

static void test_policies_decide(void)
{
  decide_with(&mec_policy_tpos_cai, "", 1);
  decide_with(&mec_policy_tpos_uai, "", 1);
  decide_with(&mec_policy_tpos_uai, "radius=30, wake=0.7", 1);
  decide_with(&mec_policy_tpos_cai, "preset=paper,H=4,B=2,tau=60", 1);
  decide_with(&mec_policy_tpos_gtpos, "", 0);
  decide_with(&mec_policy_tpos_full_offload, "", 0);
  decide_with(&mec_policy_tpos_local, "", 0);
}

static void test_baseline_policies_values(void)
{
  void *st = NULL;
  mec_policy_cfg_t cfg = {.seed = 1, .args = ""};
  mec_decision_t out[N_MD];
  mec_cost_t cost = {0};
  mec_batch_t batch = {.n = N_MD, .task = tasks};
  CHECK(mec_policy_tpos_full_offload.init(&st, &cfg, &sys) == 0);
  for (int i = 0; i < N_MD; i++)
    out[i] = mec_decision_default();
  CHECK(mec_policy_tpos_full_offload.decide(st, &sys, &batch, out, &cost) == 0);
  for (int i = 0; i < N_MD; i++)
    CHECK(out[i].target == 1 && out[i].partition == 0);
  mec_policy_tpos_full_offload.destroy(st);
  CHECK(mec_policy_tpos_local.init(&st, &cfg, &sys) == 0);
  CHECK(mec_policy_tpos_local.decide(st, &sys, &batch, out, &cost) == 0);
  for (int i = 0; i < N_MD; i++)
    CHECK(out[i].target == 0 && out[i].partition == layers[tasks[i].dnn]);
  mec_policy_tpos_local.destroy(st);
}

static void test_errors(void)
{
  void *st = NULL;
  mec_policy_cfg_t cfg = {.seed = 1, .args = "colour=blue"};
  CHECK(mec_policy_tpos_cai.init(&st, &cfg, &sys) == -1);
  CHECK(strstr(mec_policy_error(), "colour") != NULL);
  cfg.args = "preset=fancy";
  CHECK(mec_policy_tpos_cai.init(&st, &cfg, &sys) == -1);
  CHECK(strstr(mec_policy_error(), "preset") != NULL);
  cfg.args = "H=99";
  CHECK(mec_policy_tpos_uai.init(&st, &cfg, &sys) == -1);
  cfg.args = "wake=0";
  CHECK(mec_policy_tpos_uai.init(&st, &cfg, &sys) == -1);
  cfg.args = "";
  CHECK(mec_policy_tpos_cai.init(&st, &cfg, &sys) == 0);
  mec_task_t opaque = {.id = 7, .md = 0, .dnn = MEC_DNN_NONE};
  mec_batch_t batch = {.n = 1, .task = &opaque};
  mec_decision_t out = mec_decision_default();
  mec_cost_t cost = {0};
  CHECK(mec_policy_tpos_cai.decide(st, &sys, &batch, &out, &cost) == -1);
  CHECK(strstr(mec_policy_error(), "DNN") != NULL);
  mec_batch_t empty = {.n = 0, .task = NULL};
  CHECK(mec_policy_tpos_cai.decide(st, &sys, &empty, &out, &cost) == 0);
  mec_policy_tpos_cai.destroy(st);
}

int main(void)
{
  setup();
  RUN(test_policies_decide);
  RUN(test_baseline_policies_values);
  RUN(test_errors);
  return CHECK_DONE();
}
