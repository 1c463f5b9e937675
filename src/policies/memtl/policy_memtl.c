/* policy_memtl.c - the MEMTL paper's offloading (Liang et al., "A Multi-Head
 * Ensemble Multi-Task Learning Approach for Dynamical Computation
 * Offloading", Section II) as simulator policies. Each decides, for the
 * tasks of a batch, the binary offloading D (local, or server 1) and for the
 * offloaders the fractions R of server 1's core (eqs. 4-6, deadlines C2),
 * written as shares the simulator executes (memtl_glue.h): an offloader gets
 * the equal sub-band bw_share = 1 / n_cell and cpu_share = R (times its
 * chunk's server fraction, below). docs/policies.md, "MEMTL / MTFNN".
 *
 *  - exhaustive: the exact label generator (memtl_label_exact: every D, the
 *    optimal R on the grid of `step`) on each batch, the paper's training
 *    labels computed online. Args step= (default 0.02), alpha=, p_exec=,
 *    p_down=. Compute charged: label.work x MEMTL_FLOPS_PER_MT_EVAL x N flops
 *    (N = the MTs of the search; cost->iterations = label.work).
 *  - memtl, mtfnn: a trained model (memtl_model.h; args model=PATH or the
 *    --model knob), MEMTL's multi-head ensemble or the MTFNN baseline (one
 *    head); pick=cost (Algorithm 2: the cheapest head's decision that meets
 *    the deadlines, evaluated with eq. 6 in this cell) | headI (head I only);
 *    h=equiv (default: the h feature is the amplitude that gives, in the
 *    channel the model was trained on, the rate the simulator really gives:
 *    memtl_glue_equiv_h) | gain (h = sqrt(the simulator's gain) as is); and
 *    step=, alpha=, p_exec=, p_down= as exhaustive (step default: the
 *    model's label step). The kind of the model file must match the policy's
 *    name. Compute charged: 2 flops per MAC (DTOMALB's convention) of the
 *    networks run, plus MEMTL_FLOPS_PER_MT_EVAL x N per head whose decision
 *    Algorithm 2 costs; cost->macs = the networks' MACs, cost->model_size =
 *    parameters. online=1 (memtl_online.h) watches the instances for a drift
 *    and, per drift, labels a window of them and trains a new head (memtl)
 *    or retrains the network (mtfnn) as background work on server 1
 *    (cost->bg_flops), used from the work's end (background_done);
 *    online_window=, online_detect=, online_epochs= size it.
 *
 * Batching ("chunks"). A model decides for exactly the N MTs it was trained
 * for, so a batch of n tasks is cut, in batch order, into consecutive chunks
 * of N tasks; the last chunk, if smaller than N, is decided by the exact
 * generator (its work charged as for exhaustive, and in cost->iterations).
 * exhaustive cuts chunks of MEMTL_MAX_N (10) tasks, 2^N codes being the
 * limit of the search. With n_cell = max(n, number of devices), every
 * offloader gets the sub-band 1 / n_cell, and chunk c of n_c tasks the
 * fraction n_c / n_cell of the server core: its R (summing to at most 1)
 * are scaled by it, and its search or cost evaluation sees F x n_c / n_cell.
 * In the MEMTL cell (platforms/generate_memtl.py: one task per device per
 * slot, N devices, per-slot decisions) the batch is one chunk of N and
 * nothing is scaled. With per-task decisions (batch of 1), exhaustive
 * decides the task alone with its 1 / n_md of band and server, and memtl /
 * mtfnn with N > 1 always fall back to the exact generator: decide=per-slot
 * is what they are for. */
#include "policies/memtl/memtl_glue.h"
#include "policies/memtl/memtl_label.h"
#include "policies/memtl/memtl_model.h"
#include "policies/memtl/memtl_online.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct memtl_policy {
  memtl_glue_cfg_t g;
  double step;                /* grid of the exact generator */
  size_t chunk;               /* MTs per decision */
  memtl_model_t *model;       /* memtl, mtfnn */
  memtl_params_t model_params;/* the system the model was trained for (its channel: h=equiv) */
  int pick;                   /* MEMTL_PICK_COST or MEMTL_PICK_HEAD0 + i */
  int h_equiv;
  memtl_online_t *online;     /* online=1: adaptation to a drift (memtl_online.h) */
} memtl_policy_t;

static void policy_destroy(void *state)
{
  memtl_policy_t *st = state;
  if (!st)
    return;
  memtl_online_free(st->online);
  memtl_model_free(st->model);
  free(st);
}

/* step= : a grid 1/K (K integer, K <= MEMTL_MAX_GRID). */
static int parse_step(const char *args, double def, double *step)
{
  *step = def;
  if (mec_policy_arg_double(args, "step", step) < 0)
    return -1;
  if (!memtl_grid_units(*step)) {
    mec_policy_set_error("step=%g: expected a grid step 1/K of the server fractions, K an integer in 1..%d "
                         "(e.g. 0.02, 0.05, 0.1)",
                         *step, MEMTL_MAX_GRID);
    return -1;
  }
  return 0;
}

static memtl_policy_t *policy_new(const char *args, const char *const *keys, const mec_system_t *sys)
{
  if (mec_policy_args_check(args, keys, NULL, 0) != 0)
    return NULL;
  if (memtl_glue_check_system(sys) != 0)
    return NULL;
  memtl_policy_t *st = calloc(1, sizeof *st);
  if (!st) {
    mec_policy_set_error("out of memory");
    return NULL;
  }
  if (memtl_glue_args(args, &st->g) != 0) {
    free(st);
    return NULL;
  }
  st->pick = MEMTL_PICK_COST;
  st->chunk = MEMTL_MAX_N;
  return st;
}

static int policy_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                         mec_cost_t *cost)
{
  memtl_policy_t *st = state;
  size_t n = batch->n, n_cell = memtl_glue_n_cell(sys, batch);
  double macs = 0, exact_flops = 0, work = 0;
  for (size_t start = 0; start < n; start += st->chunk) {
    size_t c = n - start < st->chunk ? n - start : st->chunk;
    double frac = (double)c / (double)n_cell;
    mec_batch_t sub = {c, batch->task + start};
    memtl_params_t p;
    memtl_mt_t mt[MEMTL_MAX_N];
    int d[MEMTL_MAX_N];
    double r[MEMTL_MAX_N];
    if (memtl_glue_params(sys, &sub, &st->g, frac, &p) != 0)
      return -1;
    memtl_glue_mts(sys, sub.task, c, n_cell, &st->g, mt);
    if (st->model && c == st->model->n_mt) {
      if (st->h_equiv)
        memtl_glue_equiv_h(&st->model_params, mt, c);
      /* online=1: the learner sees the instance first; a completed window
       * starts a background job on server 1 (its head is used once it ends) */
      memtl_online_job_t job;
      int orc = st->online ? memtl_online_observe(st->online, &p, mt, &job) : 0;
      if (orc < 0) {
        mec_policy_set_error("online learning failed: %s", memtl_model_error());
        return -1;
      }
      if (orc == 1 && !(cost->bg_flops > 0)) {
        cost->bg_flops = job.flops;
        cost->bg_server = 0;
        cost->bg_id = job.id;
        cost->bg_kind = st->model->kind == MEMTL_KIND_MEMTL ? MEMTL_BG_NEW_HEAD : MEMTL_BG_RETRAIN;
        cost->bg_samples = job.samples;
      }
      /* Algorithm 2's evaluation in this cell (rates are the MTs' own) */
      st->model->params = p;
      memtl_decision_t dec;
      double m = 0;
      int rc = memtl_model_decide(st->model, mt, 1, st->pick, NULL, &dec, &m);
      st->model->params = st->model_params;
      if (rc < 0) {
        mec_policy_set_error("model decision failed: %s", memtl_model_error());
        return -1;
      }
      /* m counts the networks' MACs plus the cost evaluations' flops (6 per
       * MT and head, with more than one head picked by cost) */
      double evals = st->pick == MEMTL_PICK_COST && st->model->n_heads > 1
                         ? (double)st->model->n_heads * MEMTL_FLOPS_PER_MT_EVAL * (double)c
                         : 0;
      macs += m - evals;
      exact_flops += evals;
      for (size_t i = 0; i < c; i++) {
        d[i] = dec.d[i];
        r[i] = dec.r[i];
      }
    } else {
      memtl_label_t lab;
      if (memtl_label_exact(&p, mt, c, st->step, &lab) != 0) {
        mec_policy_set_error("the exact search refused the inputs of %zu tasks (first task %llu): a "
                             "negative or non-finite size, speed or rate",
                             c, (unsigned long long)sub.task[0].id);
        return -1;
      }
      work += (double)lab.work;
      exact_flops += (double)lab.work * MEMTL_FLOPS_PER_MT_EVAL * (double)c;
      for (size_t i = 0; i < c; i++) {
        d[i] = lab.d[i];
        r[i] = lab.r[i];
      }
    }
    memtl_glue_decide(c, d, r, n_cell, frac, out + start);
  }
  cost->macs = macs;
  cost->flops = 2.0 * macs + exact_flops; /* 2 flops per MAC; cost evaluations and exact searches as counted */
  cost->iterations = work;
  if (st->model) {
    size_t bb = 0, ph = 0;
    memtl_model_params(st->model, &bb, &ph);
    cost->model_size = (double)(bb + ph * st->model->n_heads);
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* exhaustive                                                                */
/* ------------------------------------------------------------------------ */
static const char *const exhaustive_keys[] = {"step", "alpha", "p_exec", "p_down", NULL};

static int exhaustive_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  memtl_policy_t *st = policy_new(cfg->args, exhaustive_keys, sys);
  if (!st)
    return -1;
  if (parse_step(cfg->args, 0.02, &st->step) != 0) {
    policy_destroy(st);
    return -1;
  }
  *state = st;
  return 0;
}

const mec_policy_ops_t mec_policy_memtl_exhaustive = {
    .name = "exhaustive",
    .summary = "MEMTL's label generator online: the exact best binary offloading and server CPU fractions "
               "(eqs. 4-6, deadlines) on a grid, its evaluations charged; per-slot; args: step=0.02, "
               "alpha=0.5, p_exec=0.1, p_down=0.3",
    .init = exhaustive_init,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

/* ------------------------------------------------------------------------ */
/* memtl, mtfnn                                                              */
/* ------------------------------------------------------------------------ */
static const char *const model_keys[] = {"model", "pick", "h", "step", "alpha", "p_exec", "p_down", "online",
                                         "online_window", "online_detect", "online_epochs", NULL};

/* online=0|1 and its sizes. 0, or -1 with the policy error set. */
static int online_args(memtl_policy_t *st, const char *args, uint64_t seed)
{
  int on = 0, window = 64, detect = 16, epochs = 30;
  if (mec_policy_arg_int(args, "online", &on) < 0 || mec_policy_arg_int(args, "online_window", &window) < 0 ||
      mec_policy_arg_int(args, "online_detect", &detect) < 0 || mec_policy_arg_int(args, "online_epochs", &epochs) < 0)
    return -1;
  if (on != 0 && on != 1) {
    mec_policy_set_error("online=%d: expected 0 or 1", on);
    return -1;
  }
  if (window < 1 || window > 100000 || detect < 1 || detect > 10000 || epochs < 1 || epochs > 10000) {
    mec_policy_set_error("online_window=%d, online_detect=%d, online_epochs=%d: expected 1..100000, 1..10000 and "
                         "1..10000",
                         window, detect, epochs);
    return -1;
  }
  if (!on)
    return 0;
  memtl_online_cfg_t oc = memtl_online_cfg_default();
  oc.window = (size_t)window;
  oc.detect = (size_t)detect;
  oc.epochs = (size_t)epochs;
  oc.step = st->step;
  oc.seed = seed;
  st->online = memtl_online_new(st->model, &oc);
  if (!st->online) {
    mec_policy_set_error("%s", memtl_model_error());
    return -1;
  }
  return 0;
}

static void model_background_done(void *state, uint64_t id, double now)
{
  (void)now;
  memtl_policy_t *st = state;
  if (st && st->online)
    memtl_online_done(st->online, id); /* an id it did not start is ignored: it started them all */
}

static int model_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys, memtl_kind_t kind)
{
  *state = NULL;
  const char *name = kind == MEMTL_KIND_MEMTL ? "memtl" : "mtfnn";
  memtl_policy_t *st = policy_new(cfg->args, model_keys, sys);
  if (!st)
    return -1;
  char pick[32] = "cost", h[32] = "equiv", path[4096] = "";
  if (mec_policy_arg_string(cfg->args, "pick", pick, sizeof pick) < 0 ||
      mec_policy_arg_string(cfg->args, "h", h, sizeof h) < 0)
    goto fail;
  int head = -1;
  if (strcmp(pick, "cost") == 0) {
    st->pick = MEMTL_PICK_COST;
  } else {
    char *end = NULL;
    long i = strncmp(pick, "head", 4) == 0 && pick[4] >= '0' && pick[4] <= '9' ? strtol(pick + 4, &end, 10) : -1;
    if (i < 0 || !end || *end || i >= MEMTL_MAX_HEADS) {
      mec_policy_set_error("pick=%s: expected cost (Algorithm 2: the cheapest head meeting the deadlines) or "
                           "headI (head I alone, I = 0..%d)",
                           pick, MEMTL_MAX_HEADS - 1);
      goto fail;
    }
    head = (int)i;
    st->pick = MEMTL_PICK_HEAD0 + head;
  }
  if (strcmp(h, "equiv") == 0)
    st->h_equiv = 1;
  else if (strcmp(h, "gain") == 0)
    st->h_equiv = 0;
  else {
    mec_policy_set_error("h=%s: expected equiv (the amplitude giving the simulator's rate in the model's "
                         "channel) or gain (sqrt of the simulator's channel gain)",
                         h);
    goto fail;
  }
  int rc = mec_policy_arg_string(cfg->args, "model", path, sizeof path);
  if (rc < 0)
    goto fail;
  if (rc == 1 && cfg->model_in)
    snprintf(path, sizeof path, "%s", cfg->model_in);
  if (!path[0]) {
    mec_policy_set_error("no model file: give the knob model=PATH or the policy argument model=PATH "
                         "(a %s model trained by mecsim-train-memtl)",
                         name);
    goto fail;
  }
  st->model = memtl_model_load(path);
  if (!st->model) {
    mec_policy_set_error("%s", memtl_model_error());
    goto fail;
  }
  const memtl_model_t *m = st->model;
  if (m->kind != kind) {
    mec_policy_set_error("model file '%s' holds an %s model: run it with --policy %s", path,
                         m->kind == MEMTL_KIND_MEMTL ? "MEMTL" : "MTFNN",
                         m->kind == MEMTL_KIND_MEMTL ? "memtl" : "mtfnn");
    goto fail;
  }
  if (m->n_mt < 1 || m->n_mt > MEMTL_MAX_N) {
    mec_policy_set_error("model file '%s': N = %zu MTs, expected 1..%d", path, m->n_mt, MEMTL_MAX_N);
    goto fail;
  }
  if (sys->n_md > 0 && m->n_mt > (size_t)sys->n_md) {
    mec_policy_set_error("model file '%s' decides for N = %zu MTs but the cell has %d devices: every batch "
                         "would be decided by the exact generator (train a model for N <= %d)",
                         path, m->n_mt, sys->n_md, sys->n_md);
    goto fail;
  }
  if (head >= 0 && (size_t)head >= m->n_heads) {
    mec_policy_set_error("pick=head%d: model file '%s' has %zu head%s (head0..head%zu)", head, path,
                         m->n_heads, m->n_heads == 1 ? "" : "s", m->n_heads - 1);
    goto fail;
  }
  st->model_params = m->params;
  st->chunk = m->n_mt;
  if (parse_step(cfg->args, memtl_grid_units(m->step) ? m->step : 0.02, &st->step) != 0 ||
      online_args(st, cfg->args, cfg->seed) != 0)
    goto fail;
  *state = st;
  return 0;
fail:
  policy_destroy(st);
  return -1;
}

static int memtl_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  return model_init(state, cfg, sys, MEMTL_KIND_MEMTL);
}

static int mtfnn_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  return model_init(state, cfg, sys, MEMTL_KIND_MTFNN);
}

const mec_policy_ops_t mec_policy_memtl = {
    .name = "memtl",
    .summary = "MEMTL (Liang et al.): multi-head ensemble, the cheapest head's offloading and CPU fractions "
               "(Algorithm 2); N-task chunks, the rest exact; per-slot; args: model=PATH, pick=cost|headI, "
               "h=equiv|gain, step=, alpha=0.5, p_exec=0.1, p_down=0.3, online=0|1 (a new head per drift), "
               "online_window=64, online_detect=16, online_epochs=30",
    .init = memtl_init,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
    .background_done = model_background_done,
};

const mec_policy_ops_t mec_policy_mtfnn = {
    .name = "mtfnn",
    .summary = "MTFNN (Yang et al.), MEMTL's one-head baseline; N-task chunks, the rest exact; per-slot; args: "
               "model=PATH, pick=cost|head0, h=equiv|gain, step=, alpha=0.5, p_exec=0.1, p_down=0.3, online=0|1 "
               "(retrained per drift), online_window=64, online_detect=16, online_epochs=30",
    .init = mtfnn_init,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
    .background_done = model_background_done,
};
