/* policy_dynn.c - the DyNN paper's resource managers as simulator policies
 * (docs/dynn.md, "Policies"). Each decides a slot's batch at once
 * (decide=per-slot): which users offload (x), and for the offloaded ones
 * their bandwidth b_i and server CPU f_i, written as the shares the
 * simulator executes (dynn_glue.h).
 *
 *  - dynn: the trained models of mecsim-train-dynn (args model=PATH or the
 *    --model knob). sched= rl (the scheduling model; PMRL with alloc=policy,
 *    the RL-trained one otherwise) | all (every task offloaded: the paper's
 *    users without computing power, Section V.A) | rand (each user offloads
 *    with probability 1/2: "Rand"). alloc= policy (PolicyMoE: the policy
 *    model picks k and l) | fix-width (k = K, the policy model picks l) |
 *    fix-depth (l = L, it picks k) | fix (k, l given, default K and L: "Fix
 *    MoE") | static (the 384-unit MLP: "Static model").
 *    Compute charged: lambda cycles per MAC (eq. 9) of every network run,
 *    staged as eqs. 34-35: local tasks go once the scheduling model has run,
 *    offloaded ones after the policy and allocation models too.
 *  - dynn-ga: the GA baseline (dynn_ga.h): joint=0 allocates every task
 *    (V.A), joint=1 also decides offloading (V.B); its flops are charged.
 *  - dynn-equal: b_max and f_ser split equally among the offloaded tasks
 *    (sched=all or rand); no compute. Not in the paper: a reference that
 *    needs no model.
 * "Local execution" is the common policy `local`. */
#include "model/rng.h"
#include "policies/dynn/dynn_ga.h"
#include "policies/dynn/dynn_glue.h"
#include "policies/dynn/dynn_model.h"

#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { SCHED_RL, SCHED_ALL, SCHED_RAND } sched_mode_t;
typedef enum { ALLOC_POLICY, ALLOC_FIX_WIDTH, ALLOC_FIX_DEPTH, ALLOC_FIX, ALLOC_STATIC } alloc_mode_t;

typedef struct dynn_policy {
  const char *name;
  double lambda;
  int no_local;
  sched_mode_t sched;
  uint64_t hash_seed; /* Rand: per-task draws */
  /* dynn */
  alloc_mode_t alloc;
  size_t k_fix, l_fix;
  dynn_model_t *model;
  /* dynn-ga */
  dynn_ga_cfg_t ga;
  gsl_rng *rng;
  /* scratch, grown on demand */
  size_t cap;
  dynn_user_t *users, *off_users;
  int *x;
  size_t *off_index;
  double *prob, *b, *f, *b_off, *f_off;
} dynn_policy_t;

static void policy_destroy(void *state)
{
  dynn_policy_t *st = state;
  if (!st)
    return;
  dynn_model_free(st->model);
  if (st->rng)
    gsl_rng_free(st->rng);
  free(st->users);
  free(st->off_users);
  free(st->x);
  free(st->off_index);
  free(st->prob);
  free(st->b);
  free(st->f);
  free(st->b_off);
  free(st->f_off);
  free(st);
}

static int grow(dynn_policy_t *st, size_t n)
{
  if (n <= st->cap)
    return 0;
  size_t cap = n < 64 ? 64 : n;
#define GROW(field) \
  do { \
    void *p_ = realloc(st->field, cap * sizeof *st->field); \
    if (!p_) \
      goto oom; \
    st->field = p_; \
  } while (0)
  GROW(users);
  GROW(off_users);
  GROW(x);
  GROW(off_index);
  GROW(prob);
  GROW(b);
  GROW(f);
  GROW(b_off);
  GROW(f_off);
#undef GROW
  st->cap = cap;
  return 0;
oom:
  mec_policy_set_error("out of memory for a batch of %zu tasks", n);
  return -1;
}

static dynn_policy_t *policy_new(const char *name, const char *args, const char *const *keys, uint64_t seed,
                                  const mec_system_t *sys)
{
  if (mec_policy_args_check(args, keys, NULL, 0) != 0)
    return NULL;
  if (sys->n_servers < 1) {
    mec_policy_set_error("the platform has no edge server to allocate");
    return NULL;
  }
  if (!(sys->decider_hz > 0)) {
    mec_policy_set_error("decides on the base station (its speed is the inference speed, eq. 9): "
                         "decide_on=md is not supported");
    return NULL;
  }
  dynn_policy_t *st = calloc(1, sizeof *st);
  if (!st) {
    mec_policy_set_error("out of memory");
    return NULL;
  }
  st->name = name;
  st->hash_seed = mec_stream_seed(seed, MEC_STREAM_POLICY, 0);
  if (dynn_glue_common_args(args, &st->lambda, &st->no_local) != 0) {
    policy_destroy(st);
    return NULL;
  }
  return st;
}

/* Every decide starts so: scratch for the batch, the users and the cell's
 * parameters as the paper's model sees them. */
static int begin_decide(dynn_policy_t *st, const mec_system_t *sys, const mec_batch_t *batch, dynn_params_t *p)
{
  return grow(st, batch->n) != 0 || dynn_glue_users(sys, batch, st->lambda, st->no_local, p, st->users) != 0 ? -1 : 0;
}

/* sched=rl|all|rand; `allowed_rl`: whether this policy has a scheduling model. */
static int parse_sched(dynn_policy_t *st, const char *args, int allowed_rl, sched_mode_t def)
{
  char v[32] = "";
  int rc = mec_policy_arg_string(args, "sched", v, sizeof v);
  if (rc < 0)
    return -1;
  st->sched = def;
  if (rc == 1)
    return 0;
  if (strcmp(v, "all") == 0)
    st->sched = SCHED_ALL;
  else if (strcmp(v, "rand") == 0)
    st->sched = SCHED_RAND;
  else if (allowed_rl && strcmp(v, "rl") == 0)
    st->sched = SCHED_RL;
  else {
    mec_policy_set_error("sched=%s: expected %s", v, allowed_rl ? "rl, all or rand" : "all or rand");
    return -1;
  }
  return 0;
}

/* Offloading decisions x of the batch for sched=all|rand (rl is the model's). */
static void schedule_fixed(const dynn_policy_t *st, const mec_batch_t *batch, int *x)
{
  for (size_t i = 0; i < batch->n; i++)
    x[i] = st->sched == SCHED_ALL || mec_hash_u01(st->hash_seed, batch->task[i].id) >= 0.5;
  if (st->no_local) /* users without a CPU cannot run locally */
    for (size_t i = 0; i < batch->n; i++)
      x[i] = 1;
}

/* Gathers the offloaded users (x[i] = 1) into off_users; returns their number. */
static size_t gather_offloaded(dynn_policy_t *st, size_t n)
{
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (st->x[i]) {
      st->off_users[m] = st->users[i];
      st->off_index[m++] = i;
    }
  return m;
}

static void scatter_offloaded(dynn_policy_t *st, size_t n, size_t n_off)
{
  for (size_t i = 0; i < n; i++)
    st->b[i] = st->f[i] = 0;
  for (size_t j = 0; j < n_off; j++) {
    st->b[st->off_index[j]] = st->b_off[j];
    st->f[st->off_index[j]] = st->f_off[j];
  }
}

/* ------------------------------------------------------------------------ */
/* dynn                                                                      */
/* ------------------------------------------------------------------------ */
static const char *const dynn_keys[] = {"model", "sched", "alloc", "k", "l", "lambda", "no_local", NULL};

static const char *const alloc_names[] = {"policy", "fix-width", "fix-depth", "fix", "static"};

static int parse_alloc(dynn_policy_t *st, const char *args)
{
  char v[32] = "policy";
  if (mec_policy_arg_string(args, "alloc", v, sizeof v) < 0)
    return -1;
  for (int i = 0; i < 5; i++)
    if (strcmp(v, alloc_names[i]) == 0) {
      st->alloc = (alloc_mode_t)i;
      return 0;
    }
  mec_policy_set_error("alloc=%s: expected policy, fix-width, fix-depth, fix or static", v);
  return -1;
}

static int dynn_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  dynn_policy_t *st = policy_new("dynn", cfg->args, dynn_keys, cfg->seed, sys);
  if (!st)
    return -1;
  if (parse_sched(st, cfg->args, 1, SCHED_RL) != 0 || parse_alloc(st, cfg->args) != 0)
    goto fail;
  char path[4096] = "";
  int rc = mec_policy_arg_string(cfg->args, "model", path, sizeof path);
  if (rc < 0)
    goto fail;
  if (rc == 1 && cfg->model_in)
    snprintf(path, sizeof path, "%s", cfg->model_in);
  if (!path[0]) {
    mec_policy_set_error("no model file: give the knob model=PATH or the policy argument model=PATH "
                         "(train one with mecsim-train-dynn all --out PATH)");
    goto fail;
  }
  char err[1024];
  st->model = dynn_model_load(path, err, sizeof err);
  if (!st->model) {
    mec_policy_set_error("%s", err);
    goto fail;
  }
  dynn_alloc_kind_t kind = st->alloc == ALLOC_STATIC ? DYNN_ALLOC_STATIC : DYNN_ALLOC_MOE;
  const dynn_alloc_t *a = dynn_model_alloc(st->model, kind);
  if (!a) {
    mec_policy_set_error("model file '%s' has no %s allocation model (needed by alloc=%s)", path,
                         dynn_alloc_kind_name(kind), alloc_names[st->alloc]);
    goto fail;
  }
  static const int policy_of[] = {DYNN_POLICY_FULL, DYNN_POLICY_FIX_WIDTH, DYNN_POLICY_FIX_DEPTH, -1, -1};
  int pv = policy_of[st->alloc];
  if (pv >= 0 && !st->model->policy[pv]) {
    mec_policy_set_error("model file '%s' has no %s policy model (needed by alloc=%s)", path,
                         dynn_policy_variant_name((dynn_policy_variant_t)pv), alloc_names[st->alloc]);
    goto fail;
  }
  dynn_sched_variant_t sv = st->alloc == ALLOC_POLICY ? DYNN_SCHED_PMRL : DYNN_SCHED_RL;
  if (st->sched == SCHED_RL && !st->model->sched[sv]) {
    mec_policy_set_error("model file '%s' has no %s scheduling model (sched=rl)", path,
                         dynn_sched_variant_name(sv));
    goto fail;
  }
  int k = (int)a->K, l = (int)a->L;
  int rk = mec_policy_arg_int(cfg->args, "k", &k), rl = mec_policy_arg_int(cfg->args, "l", &l);
  if (rk < 0 || rl < 0)
    goto fail;
  if (k < 1 || (size_t)k > a->K || l < 1 || (size_t)l > a->L) {
    mec_policy_set_error("k=%d, l=%d: the model has K = %zu experts of L = %zu layers", k, l, a->K, a->L);
    goto fail;
  }
  if ((rk == 0 || rl == 0) && st->alloc != ALLOC_FIX) {
    mec_policy_set_error("k and l fix the size with alloc=fix only");
    goto fail;
  }
  st->k_fix = (size_t)k;
  st->l_fix = (size_t)l;
  *state = st;
  return 0;
fail:
  policy_destroy(st);
  return -1;
}

static int dynn_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                       mec_cost_t *cost)
{
  dynn_policy_t *st = state;
  size_t n = batch->n;
  dynn_params_t p;
  if (begin_decide(st, sys, batch, &p) != 0)
    return -1;
  const dynn_model_t *m = st->model;
  dynn_alloc_kind_t kind = st->alloc == ALLOC_STATIC ? DYNN_ALLOC_STATIC : DYNN_ALLOC_MOE;
  const dynn_alloc_t *a = dynn_model_alloc(m, kind);
  uint64_t macs_sched = 0, macs_policy = 0, macs_alloc = 0;
  size_t params = dynn_alloc_params(a, NULL);
  /* 1. scheduling (eq. 22): offload when p_i >= 1/2 */
  if (st->sched == SCHED_RL) {
    dynn_sched_variant_t sv = st->alloc == ALLOC_POLICY ? DYNN_SCHED_PMRL : DYNN_SCHED_RL;
    if (dynn_sched_predict(m, sv, &p, st->users, n, st->prob, &macs_sched) != 0)
      goto fail;
    for (size_t i = 0; i < n; i++)
      st->x[i] = st->no_local || st->prob[i] >= 0.5;
    size_t np;
    nn_net_params(m->sched[sv], &np);
    params += np;
  } else {
    schedule_fixed(st, batch, st->x);
  }
  size_t n_off = gather_offloaded(st, n);
  /* 2. model size (eq. 28's network), 3. allocation (eqs. 18, 20) */
  size_t k = st->k_fix, l = st->l_fix;
  if (n_off > 0) {
    static const int policy_of[] = {DYNN_POLICY_FULL, DYNN_POLICY_FIX_WIDTH, DYNN_POLICY_FIX_DEPTH, -1, -1};
    int pv = policy_of[st->alloc];
    if (pv >= 0) {
      if (dynn_policy_predict(m, (dynn_policy_variant_t)pv, &p, st->off_users, n_off, &k, &l, &macs_policy) != 0)
        goto fail;
      size_t np;
      nn_net_params(m->policy[pv], &np);
      params += np;
    }
    if (dynn_alloc_infer(a, &p, st->off_users, n_off, k, l, st->b_off, st->f_off, &macs_alloc) != 0)
      goto fail;
  }
  scatter_offloaded(st, n, n_off);
  dynn_glue_decide(&p, n, st->x, st->b, st->f, out);
  double macs = (double)(macs_sched + macs_policy + macs_alloc);
  cost->macs = macs;
  cost->flops = st->lambda * macs;       /* eq. 35: lambda cycles per MAC on the deciding host */
  cost->staged = 1;
  cost->flops_local = st->lambda * (double)macs_sched; /* eq. 34 */
  cost->model_size = (double)params;
  cost->iterations = 1;
  if (n_off > 0 && kind == DYNN_ALLOC_MOE) {
    cost->arch_k = (int)k;
    cost->arch_l = (int)l;
  }
  return 0;
fail:
  mec_policy_set_error("%s", dynn_last_error());
  return -1;
}

const mec_policy_ops_t mec_policy_dynn = {
    .name = "dynn",
    .summary = "DyNN (Ma et al.): PMRL / PolicyMoE and its model baselines; per-slot; args: model=PATH, "
               "sched=rl|all|rand, alloc=policy|fix-width|fix-depth|fix|static, k=, l= (alloc=fix), lambda=1, "
               "no_local=0|1",
    .init = dynn_init,
    .decide = dynn_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

/* ------------------------------------------------------------------------ */
/* dynn-ga                                                                   */
/* ------------------------------------------------------------------------ */
static const char *const ga_keys[] = {"joint", "max_iter", "patience", "lambda", "no_local", NULL};

static int ga_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  dynn_policy_t *st = policy_new("dynn-ga", cfg->args, ga_keys, cfg->seed, sys);
  if (!st)
    return -1;
  int joint = 0;
  if (mec_policy_arg_int(cfg->args, "joint", &joint) < 0)
    goto fail;
  if (joint != 0 && joint != 1) {
    mec_policy_set_error("joint=%d: expected 0 (allocation, every task offloaded) or 1 (offloading too)",
                         joint);
    goto fail;
  }
  st->ga = dynn_ga_cfg_default(joint);
  if (mec_policy_arg_int(cfg->args, "max_iter", &st->ga.max_iter) < 0 ||
      mec_policy_arg_int(cfg->args, "patience", &st->ga.patience) < 0)
    goto fail;
  char err[256];
  if (dynn_ga_cfg_check(&st->ga, err, sizeof err) != 0) {
    mec_policy_set_error("%s", err);
    goto fail;
  }
  st->rng = mec_rng_new(cfg->seed, MEC_STREAM_POLICY, 1);
  if (!st->rng) {
    mec_policy_set_error("out of memory");
    goto fail;
  }
  *state = st;
  return 0;
fail:
  policy_destroy(st);
  return -1;
}

static int ga_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                     mec_cost_t *cost)
{
  dynn_policy_t *st = state;
  size_t n = batch->n;
  dynn_params_t p;
  if (begin_decide(st, sys, batch, &p) != 0)
    return -1;
  dynn_ga_cfg_t cfg = st->ga;
  if (st->no_local)
    cfg.joint = 0; /* nothing to decide: every task is offloaded */
  dynn_ga_result_t res;
  if (dynn_ga_solve(&cfg, &p, st->users, n, st->rng, st->x, st->b, st->f, &res) != 0) {
    mec_policy_set_error("the GA failed on a batch of %zu tasks", n);
    return -1;
  }
  dynn_glue_decide(&p, n, st->x, st->b, st->f, out);
  cost->flops = res.flops; /* 1 flop = 1 cycle of the deciding host */
  cost->iterations = res.iterations;
  cost->model_size = res.pop_size;
  return 0;
}

const mec_policy_ops_t mec_policy_dynn_ga = {
    .name = "dynn-ga",
    .summary = "DyNN's GA baseline: allocation (joint=0) or offloading + allocation (joint=1), its fitness "
               "evaluations charged; per-slot; args: joint=0|1, max_iter=, patience=, no_local=0|1",
    .init = ga_init,
    .decide = ga_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

/* ------------------------------------------------------------------------ */
/* dynn-equal                                                                */
/* ------------------------------------------------------------------------ */
static const char *const equal_keys[] = {"sched", "lambda", "no_local", NULL};

static int equal_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  dynn_policy_t *st = policy_new("dynn-equal", cfg->args, equal_keys, cfg->seed, sys);
  if (!st)
    return -1;
  if (parse_sched(st, cfg->args, 0, SCHED_ALL) != 0) {
    policy_destroy(st);
    return -1;
  }
  *state = st;
  return 0;
}

static int equal_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                        mec_cost_t *cost)
{
  dynn_policy_t *st = state;
  size_t n = batch->n;
  dynn_params_t p;
  if (begin_decide(st, sys, batch, &p) != 0)
    return -1;
  schedule_fixed(st, batch, st->x);
  dynn_glue_equal_split(&p, n, st->x, st->b, st->f);
  dynn_glue_decide(&p, n, st->x, st->b, st->f, out);
  cost->staged = 1; /* no compute: every task goes at once */
  return 0;
}

const mec_policy_ops_t mec_policy_dynn_equal = {
    .name = "dynn-equal",
    .summary = "b_max and f_ser split equally among the offloaded tasks (not in the DyNN paper; no model, no "
               "compute); per-slot; args: sched=all|rand, no_local=0|1",
    .init = equal_init,
    .decide = equal_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};
