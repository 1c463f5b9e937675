#include "policies/tpos/tpos_policy.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/rng.h"
#include "policies/tpos/tpos_baselines.h"
#include "policies/tpos/tpos_game.h"

typedef enum { KIND_CAI, KIND_UAI, KIND_GTPOS, KIND_FULL, KIND_LOCAL } tpos_kind_t;

typedef struct tpos_state {
  tpos_kind_t kind;
  const char *name;
  mec_tpos_params_t p;
  mec_tpos_game_cfg_t cfg;
  double budget;
  double round_s; /* simulator: length of one game round (tpos_game_actors.c) */
  mec_tpos_carry_cfg_t carry; /* simulator: continuous operation (tpos-cai / tpos-uai) */
  mec_tpos_dnn_t *table[MEC_DNN_COUNT];
  mec_tpos_strategy_t *last; /* [n_last] */
  size_t n_last, cap_last;
  gsl_rng *rng;
} tpos_state_t;

static const char *const tpos_keys[] = {"preset", "H",     "B",         "Td",      "tau",      "alpha",
                                        "beta",   "gamma", "c_t",       "c_e",     "delta",    "f_s",
                                        "price_unit", "wake", "eps",    "max_ticks", "improve", "uai_step",
                                        "radius", "budget", "round", "carry", "admit", "lead", NULL};

static void state_free(tpos_state_t *st)
{
  if (!st)
    return;
  for (int k = 0; k < MEC_DNN_COUNT; k++)
    mec_tpos_dnn_free(st->table[k]);
  free(st->last);
  if (st->rng)
    gsl_rng_free(st->rng);
  free(st);
}

static int arg_d(const char *args, const char *key, double *v)
{
  return mec_policy_arg_double(args, key, v) < 0 ? -1 : 0;
}

/* carry=0|1, admit=F (drop factor, >= 0), lead=S (s, >= 0): the
 * continuous-operation variant of the game policies (docs/tpos.md). */
static int carry_args(tpos_state_t *st, const char *args)
{
  double carry = 0, admit = 2, lead = 0;
  if (arg_d(args, "carry", &carry) || arg_d(args, "admit", &admit) || arg_d(args, "lead", &lead))
    return -1;
  if (carry != 0 && carry != 1) {
    mec_policy_set_error("%s: carry=%g: expected 0 (one-shot game, the paper) or 1 (continuous operation)", st->name,
                         carry);
    return -1;
  }
  if (!(admit >= 0) || !(lead >= 0) || !isfinite(admit) || !isfinite(lead)) {
    mec_policy_set_error("%s: need admit >= 0 (0 = admit every task) and lead >= 0 s (0 = automatic)", st->name);
    return -1;
  }
  double probe;
  int has_extra = mec_policy_arg_double(args, "admit", &probe) == 0 || mec_policy_arg_double(args, "lead", &probe) == 0;
  if ((carry == 1 || has_extra) && st->kind != KIND_CAI && st->kind != KIND_UAI) {
    mec_policy_set_error("%s: carry, admit and lead apply to tpos-cai and tpos-uai only", st->name);
    return -1;
  }
  if (has_extra && carry != 1) {
    mec_policy_set_error("%s: admit and lead need carry=1", st->name);
    return -1;
  }
  st->carry.on = carry == 1;
  st->carry.admit = admit;
  st->carry.lead_s = lead;
  return 0;
}

static int tpos_init_kind(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys, tpos_kind_t kind,
                          const char *name)
{
  *state = NULL;
  if (mec_policy_args_check(cfg->args, tpos_keys, NULL, 0))
    return -1;
  tpos_state_t *st = calloc(1, sizeof(*st));
  if (!st) {
    mec_policy_set_error("%s: out of memory", name);
    return -1;
  }
  st->kind = kind;
  st->name = name;
  char preset[32] = "scaled";
  if (mec_policy_arg_string(cfg->args, "preset", preset, sizeof preset) < 0)
    goto bad;
  if (!strcmp(preset, "paper"))
    st->p = mec_tpos_params_paper();
  else if (!strcmp(preset, "scaled"))
    st->p = mec_tpos_params_scaled();
  else {
    mec_policy_set_error("%s: preset=%s is neither 'paper' nor 'scaled'", name, preset);
    goto bad;
  }
  st->cfg = mec_tpos_game_cfg_default(kind == KIND_UAI ? MEC_TPOS_UAI : MEC_TPOS_CAI);
  st->cfg.seed = mec_stream_seed(cfg->seed, MEC_STREAM_POLICY, 0x7905);
  st->cfg.nash_check = 0;
  st->cfg.all_neighbours = 1;
  st->budget = 2e6;
  st->round_s = 2e-3;
  double H = st->p.H, B = st->p.B, mt = st->cfg.max_ticks, radius = 0;
  if (arg_d(cfg->args, "H", &H) || arg_d(cfg->args, "B", &B) || arg_d(cfg->args, "Td", &st->p.T_d) ||
      arg_d(cfg->args, "tau", &st->p.tau) || arg_d(cfg->args, "alpha", &st->p.alpha) ||
      arg_d(cfg->args, "beta", &st->p.beta) || arg_d(cfg->args, "gamma", &st->p.gamma) ||
      arg_d(cfg->args, "c_t", &st->p.c_t) || arg_d(cfg->args, "c_e", &st->p.c_e) ||
      arg_d(cfg->args, "delta", &st->p.delta) || arg_d(cfg->args, "f_s", &st->p.f_s) ||
      arg_d(cfg->args, "price_unit", &st->p.price_unit_cycles) || arg_d(cfg->args, "wake", &st->cfg.wake_prob) ||
      arg_d(cfg->args, "eps", &st->cfg.epsilon) || arg_d(cfg->args, "max_ticks", &mt) ||
      arg_d(cfg->args, "improve", &st->cfg.improve_rel) || arg_d(cfg->args, "uai_step", &st->cfg.uai_step_exponent) ||
      arg_d(cfg->args, "radius", &radius) || arg_d(cfg->args, "budget", &st->budget) ||
      arg_d(cfg->args, "round", &st->round_s))
    goto bad;
  if (carry_args(st, cfg->args))
    goto bad;
  st->p.H = (int)H, st->p.B = (int)B;
  st->cfg.max_ticks = (int)mt;
  if (radius > 0)
    st->cfg.all_neighbours = 0, st->cfg.radius_m = radius;
  /* the game uses the cell's radio unless the simulator says otherwise */
  if (sys && sys->bandwidth_hz > 0) {
    st->p.bandwidth_hz = sys->bandwidth_hz;
    st->p.noise_w_per_hz = sys->noise_w_per_hz;
    if (sys->bs_tx_power_w > 0)
      st->p.p_s = sys->bs_tx_power_w;
  }
  char err[256];
  if (mec_tpos_params_check(&st->p, err, sizeof err)) {
    mec_policy_set_error("%s: %s", name, err);
    goto bad;
  }
  if (!(st->cfg.wake_prob > 0 && st->cfg.wake_prob <= 1) || st->cfg.max_ticks < 1 || st->cfg.epsilon < 0 ||
      !(st->round_s > 0)) {
    mec_policy_set_error("%s: need 0 < wake <= 1, max_ticks >= 1, eps >= 0, round > 0", name);
    goto bad;
  }
  double server_hz = sys && sys->n_servers > 0 ? sys->server[0].cpu_hz : 0;
  for (int k = 0; k < MEC_DNN_COUNT; k++) {
    mec_dnn_profile_t *prof = mec_dnn_profile_new(k, st->p.bits_per_element);
    st->table[k] = prof ? mec_tpos_dnn_new(prof, &st->p, server_hz) : NULL;
    mec_dnn_profile_free(prof);
    if (!st->table[k]) {
      mec_policy_set_error("%s: out of memory", name);
      goto bad;
    }
  }
  st->rng = mec_rng_new(cfg->seed, MEC_STREAM_POLICY, 0x7906);
  if (!st->rng) {
    mec_policy_set_error("%s: out of memory", name);
    goto bad;
  }
  *state = st;
  return 0;
bad:
  state_free(st);
  return -1;
}

/* The game's view of the MD that issued task t. */
static int md_of_task(const tpos_state_t *st, const mec_system_t *sys, const mec_task_t *t, mec_tpos_md_t *md)
{
  if (t->dnn < 0 || t->dnn >= MEC_DNN_COUNT) {
    mec_policy_set_error("%s: task %llu carries no DNN kind (dnn = %d); TPOS partitions DNN tasks only", st->name,
                         (unsigned long long)t->id, t->dnn);
    return -1;
  }
  if (t->md < 0 || t->md >= sys->n_md) {
    mec_policy_set_error("%s: task %llu comes from MD %d, outside 0..%d", st->name, (unsigned long long)t->id, t->md,
                         sys->n_md - 1);
    return -1;
  }
  const mec_md_info_t *info = &sys->md[t->md];
  *md = mec_tpos_md_default(&st->p, st->table[t->dnn]);
  if (info->cpu_hz > 0)
    md->lo_scale = st->p.md_ref_hz / info->cpu_hz;
  if (info->tx_power_w > 0)
    md->p_up = info->tx_power_w;
  if (info->up_rate_bps > 0)
    md->up_bps = info->up_rate_bps;
  if (info->down_rate_bps > 0)
    md->down_bps = info->down_rate_bps;
  if (t->deadline > 0)
    md->tau = t->deadline;
  md->x = info->distance_m; /* policy.h gives no coordinates: distance to the BS */
  md->y = 0;
  return 0;
}

static int keep_last(tpos_state_t *st, size_t n)
{
  if (n > st->cap_last) {
    mec_tpos_strategy_t *s = realloc(st->last, n * sizeof(*s));
    if (!s)
      return -1;
    st->last = s, st->cap_last = n;
  }
  st->n_last = n;
  return 0;
}

static void fill_decision(const tpos_state_t *st, const mec_tpos_md_t *md, const mec_tpos_strategy_t *s,
                          const double *others, mec_decision_t *out)
{
  mec_tpos_eval_t ev;
  mec_tpos_evaluate(md, &st->p, s, others, &ev);
  int offload = s->m_star < md->dnn->M;
  out->target = offload ? 1 : 0;
  out->partition = s->m_star;
  out->slot = offload && s->h_last > 0 ? s->h_last : -1;
  out->price = ev.price;
}

static int tpos_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                       mec_cost_t *cost)
{
  tpos_state_t *st = state;
  size_t n = batch->n;
  cost->flops = cost->iterations = 0;
  if (n == 0)
    return 0;
  if (sys->n_servers < 1 && st->kind != KIND_LOCAL) {
    mec_policy_set_error("%s: no edge server in the system", st->name);
    return -1;
  }
  mec_tpos_md_t *mds = malloc(n * sizeof(*mds));
  int *m_star = malloc(n * sizeof(int));
  if (!mds || !m_star || keep_last(st, n)) {
    free(mds), free(m_star);
    mec_policy_set_error("%s: out of memory", st->name);
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++)
    rc = md_of_task(st, sys, &batch->task[i], &mds[i]);
  if (rc)
    goto done;

  if (st->kind == KIND_CAI || st->kind == KIND_UAI) {
    char err[256];
    mec_tpos_game_t *g = mec_tpos_game_new(&st->p, mds, (int)n, &st->cfg, err, sizeof err);
    mec_tpos_game_result_t res;
    if (!g || mec_tpos_game_run(g, &res)) {
      mec_policy_set_error("%s: %s", st->name, g ? "game failed" : err);
      mec_tpos_game_free(g);
      rc = -1;
      goto done;
    }
    double T[MEC_TPOS_MAX_SLOTS + 1];
    for (size_t i = 0; i < n; i++)
      st->last[i] = *mec_tpos_game_strategy(g, (int)i);
    mec_tpos_aggregate(&st->p, st->last, (int)n, T, NULL);
    for (size_t i = 0; i < n; i++) {
      double others[MEC_TPOS_MAX_SLOTS + 1] = {0};
      for (int h = 1; h <= st->p.H; h++)
        others[h] = fmax(0.0, T[h] - st->last[i].load[h]);
      fill_decision(st, &mds[i], &st->last[i], others, &out[i]);
    }
    cost->flops = res.flops;
    cost->iterations = (double)res.wakeups;
    mec_tpos_game_free(g);
  } else {
    mec_tpos_baseline_result_t r;
    if (st->kind == KIND_GTPOS)
      rc = mec_tpos_gtpos(&st->p, mds, (int)n, st->budget, m_star, NULL, &r);
    else if (st->kind == KIND_FULL)
      rc = mec_tpos_case3_full_offload(&st->p, mds, (int)n, st->rng, m_star, NULL, &r);
    else
      rc = mec_tpos_case4_all_local(&st->p, mds, (int)n, m_star, NULL, &r);
    if (rc) {
      mec_policy_set_error("%s: out of memory", st->name);
      goto done;
    }
    for (size_t i = 0; i < n; i++) {
      int M = mds[i].dnn->M;
      memset(&st->last[i], 0, sizeof st->last[i]);
      st->last[i].m_star = (int16_t)m_star[i];
      out[i].target = m_star[i] < M ? 1 : 0;
      out[i].partition = m_star[i];
      out[i].slot = -1; /* no slot model: Rules 3-4, the server's FCFS */
      out[i].price = 0;
    }
    /* a few operations per schedule evaluated and job placed */
    cost->flops = st->kind == KIND_GTPOS ? r.evaluations * 4.0 * (double)n : 2.0 * (double)n;
    cost->iterations = r.evaluations;
  }
done:
  free(mds);
  free(m_star);
  return rc;
}

static void tpos_destroy(void *state)
{
  state_free(state);
}

const mec_tpos_strategy_t *mec_tpos_policy_strategy(const void *state, size_t i)
{
  const tpos_state_t *st = state;
  return st && i < st->n_last ? &st->last[i] : NULL;
}

const mec_tpos_params_t *mec_tpos_policy_params(const void *state)
{
  return state ? &((const tpos_state_t *)state)->p : NULL;
}

const mec_tpos_game_cfg_t *mec_tpos_policy_game_cfg(const void *state)
{
  return state ? &((const tpos_state_t *)state)->cfg : NULL;
}

const mec_tpos_carry_cfg_t *mec_tpos_policy_carry(const void *state)
{
  return state ? &((const tpos_state_t *)state)->carry : NULL;
}

double mec_tpos_policy_round(const void *state)
{
  return state ? ((const tpos_state_t *)state)->round_s : 0;
}

const mec_tpos_dnn_t *mec_tpos_policy_table(const void *state, int kind)
{
  const tpos_state_t *st = state;
  return st && kind >= 0 && kind < MEC_DNN_COUNT ? st->table[kind] : NULL;
}

int mec_tpos_policy_md(const void *state, const mec_system_t *sys, const mec_task_t *t, mec_tpos_md_t *md)
{
  return md_of_task(state, sys, t, md);
}

#define TPOS_INIT(fn, kind, name)                                                      \
  static int fn(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)    \
  {                                                                                    \
    return tpos_init_kind(state, cfg, sys, kind, name);                                \
  }
TPOS_INIT(init_cai, KIND_CAI, "tpos-cai")
TPOS_INIT(init_uai, KIND_UAI, "tpos-uai")
TPOS_INIT(init_gtpos, KIND_GTPOS, "tpos-gtpos")
TPOS_INIT(init_full, KIND_FULL, "tpos-full-offload")
TPOS_INIT(init_local, KIND_LOCAL, "tpos-local")

const mec_policy_ops_t mec_policy_tpos_cai = {
    .name = "tpos-cai",
    .summary = "TPOS-CAI: DNN partitioning and slot game, aggregate fed back by the server (Gao et al. Alg. 1)",
    .init = init_cai, .decide = tpos_decide, .observe = NULL, .destroy = tpos_destroy};
const mec_policy_ops_t mec_policy_tpos_uai = {
    .name = "tpos-uai",
    .summary = "TPOS-UAI: DNN partitioning and slot game, aggregate estimated from neighbours (Alg. 2, eq. 29)",
    .init = init_uai, .decide = tpos_decide, .observe = NULL, .destroy = tpos_destroy};
const mec_policy_ops_t mec_policy_tpos_gtpos = {
    .name = "tpos-gtpos",
    .summary = "GTPOS: central partition points minimising the average delay, Rules 3-4 (TPOS Case 2)",
    .init = init_gtpos, .decide = tpos_decide, .observe = NULL, .destroy = tpos_destroy};
const mec_policy_ops_t mec_policy_tpos_full_offload = {
    .name = "tpos-full-offload",
    .summary = "every DNN task offloaded whole to the server (TPOS Case 3)",
    .init = init_full, .decide = tpos_decide, .observe = NULL, .destroy = tpos_destroy};
const mec_policy_ops_t mec_policy_tpos_local = {
    .name = "tpos-local",
    .summary = "every DNN task computed locally, m* = M (TPOS Case 4)",
    .init = init_local, .decide = tpos_decide, .observe = NULL, .destroy = tpos_destroy};
