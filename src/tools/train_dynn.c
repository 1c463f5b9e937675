/* train_dynn.c - mecsim-train-dynn: trains the DyNN models (allocation MoE
 * by progressive shrinking and the static baseline, the policy model, the
 * PMRL and RL scheduling models), writes them into one HDF5 model file for
 * the dynn policies, runs the Fig. 12 training-cost experiment and the
 * offline Fig. 4 evaluation.
 *
 *   mecsim-train-dynn all --out dynn.h5 --curve dynn-curve.csv
 *   mecsim-train-dynn train-alloc --kind moe --out moe.h5
 *   mecsim-train-dynn train-alloc --kind static --model moe.h5 --out both.h5
 *   mecsim-train-dynn train-policy --model both.h5 --out p.h5
 *   mecsim-train-dynn train-sched --variant both --model p.h5 --out dynn.h5
 *   mecsim-train-dynn eval --model dynn.h5 --csv fig4.csv
 *   mecsim-train-dynn fig12 --csv fig12.csv
 *
 * Reproducible from --seed (run with OPENBLAS_NUM_THREADS=1). See
 * docs/dynn.md, "Models and training". */
#include "policies/dynn/dynn_model.h"
#include "policies/dynn/dynn_train.h"
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOOL "mecsim-train-dynn"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: " TOOL " COMMAND [options]\n"
          "commands:\n"
          "  all           train everything (MoE by progressive shrinking, static model, policy models,\n"
          "                PMRL and RL scheduling models) into one model file (--out), then evaluate\n"
          "  train-alloc   train an allocation model: --kind moe (progressive shrinking) or static;\n"
          "                added to --model if given (replacing one of the same kind), written to --out\n"
          "  train-policy  pre-train the three policy models (full, fix-width, fix-depth) of --model\n"
          "  train-sched   Algorithm 1 for --variant pmrl, rl or both (default both) on --model\n"
          "  eval          offline evaluation of --model on held-out seeds: Fig. 4 (weighted delay per\n"
          "                (k, l) without and with inference) to --csv, decision chains to stdout\n"
          "  fig12         progressive shrinking vs from scratch (Fig. 12) to --csv\n"
          "common options:\n"
          "  --seed S            seed of everything random (default 1)\n"
          "  --out PATH          model file to write (HDF5)\n"
          "  --model PATH        model file to start from / to evaluate\n"
          "  --curve PATH        training curve CSV (stage,step,loss_a,loss_b,extra,wall_s)\n"
          "  --csv PATH          result CSV of eval / fig12\n"
          "  --quick             tiny budgets (CI: the whole 'all' in well under a minute)\n"
          "  --progress K        a progress line on stderr every K steps/episodes (default 100; 0 = none;\n"
          "                      multiples of 25, the curve's resolution)\n"
          "samples (domain randomisation, docs/dynn.md):\n"
          "  --no-domain         every slot at Table II's parameters with --users users\n"
          "  --users N           users per slot with --no-domain (default 30)\n"
          "  --n-min N --n-max N --s-avg-min X --s-avg-max X --c-avg-min X --c-avg-max X\n"
          "  --f-min HZ --f-max HZ --p-no-cpu X\n"
          "allocation model:\n"
          "  --kind moe|static   (train-alloc)   --K N --L N --units N --static-hidden N\n"
          "  --steps-full N --steps-width N --steps-depth1 N --steps-depth2 N  (PS stages; defaults 1000,\n"
          "                      800, 400, 800; --quick 150, 60, 30, 60)\n"
          "  --static-steps N    steps of the static model (default 1500, --quick 150)\n"
          "  --slots N (slots per minibatch)  --lr-alloc X  --clip X\n"
          "policy / scheduling models:\n"
          "  --policy-samples N --policy-epochs N --lr-policy X (pre-training)\n"
          "  --variant pmrl|rl|both --episodes N --sched-slots N --lr-sched X --lr-policy-joint X\n"
          "  --sched-raw         eq. (23)'s advantage as is (default: divided by C_loc + C_edge)\n"
          "evaluation and fig12:\n"
          "  --eval-slots N (default 500)  --eval-seed S (default 1000000)\n"
          "  --ref-steps N --max-steps N --check-every N --target-frac X --val-slots N --scratch-random N\n");
}

static int parse_double(const char *opt, const char *s, double *v)
{
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (!*s || *end || errno || !isfinite(x)) {
    fprintf(stderr, TOOL ": --%s: '%s' is not a finite number\n", opt, s);
    return -1;
  }
  *v = x;
  return 0;
}

/* A finite number > 0. */
static int parse_pos(const char *opt, const char *s, double *v)
{
  double x;
  if (parse_double(opt, s, &x) < 0)
    return -1;
  if (!(x > 0)) {
    fprintf(stderr, TOOL ": --%s: %g must be > 0\n", opt, x);
    return -1;
  }
  *v = x;
  return 0;
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *v)
{
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (!*s || *end || errno) {
    fprintf(stderr, TOOL ": --%s: '%s' is not an integer\n", opt, s);
    return -1;
  }
  if (x < lo || x > hi) {
    fprintf(stderr, TOOL ": --%s: %ld is outside %ld..%ld\n", opt, x, lo, hi);
    return -1;
  }
  *v = x;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Progress and curve                                                       */
/* ------------------------------------------------------------------------ */
typedef struct {
  FILE *curve;
  long progress;
  double t0;
} logctx_t;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Points of the training curve: every CURVE_EVERY steps / episodes (every
 * epoch for the policy pre-training); stderr gets every --progress-th. */
#define CURVE_EVERY 25

static void log_cb(void *vctx, const char *stage, long step, double la, double lb, double extra)
{
  logctx_t *c = vctx;
  double el = now_s() - c->t0;
  if (c->curve)
    fprintf(c->curve, "%s,%ld,%.9g,%.9g,%.9g,%.3f\n", stage, step, la, lb, extra, el);
  if (c->progress <= 0)
    return;
  int is_fig12 = strncmp(stage, "fig12", 5) == 0;
  if (!is_fig12 && strcmp(stage, "policy-labels") != 0) {
    long every = strcmp(stage, "policy-pre") == 0 ? 10 : c->progress;
    if (step % every != 0)
      return;
  }
  if (strncmp(stage, "sched", 5) == 0)
    fprintf(stderr, "[%7.1fs] %-12s episode %6ld  reward %.5g  cost %.5g  offloaded %.3f\n", el, stage, step, la, lb,
            extra);
  else if (strcmp(stage, "policy-joint") == 0)
    fprintf(stderr, "[%7.1fs] %-12s episode %6ld  policy MSE %.5g  mean k %.2f  mean l %.2f\n", el, stage, step, la,
            lb, extra);
  else if (strcmp(stage, "policy-pre") == 0)
    fprintf(stderr, "[%7.1fs] %-12s epoch %6ld  MSE %.5g  (variant %s)\n", el, stage, step, la,
            dynn_policy_variant_name((dynn_policy_variant_t)extra));
  else if (strcmp(stage, "policy-labels") == 0)
    fprintf(stderr, "[%7.1fs] %-12s %ld labelled slots\n", el, stage, step);
  else if (strncmp(stage, "fig12", 5) == 0)
    fprintf(stderr, "[%7.1fs] %-12s step %6ld  %.5g %.5g %.5g\n", el, stage, step, la, lb, extra);
  else
    fprintf(stderr, "[%7.1fs] %-12s step %6ld  loss A %.5g  loss B %.5g  (%.0f slots)\n", el, stage, step, la, lb,
            extra);
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */
typedef struct {
  const char *cmd, *out, *model, *curve, *csv;
  long seed, progress;
  int quick, no_domain;
  long users;
  dynn_domain_t dom;
  const char *kind, *variant;
  long K, L, units, static_hidden, static_steps;
  dynn_alloc_hyper_t ah;
  int ah_set[6];
  dynn_policy_hyper_t ph;
  int ph_set[3];
  dynn_sched_hyper_t sh;
  int sh_set[5];
  long eval_slots, eval_seed;
  dynn_fig12_cfg_t fc;
  int fc_set[6];
} opts_t;

enum {
  O_SEED = 256, O_OUT, O_MODEL, O_CURVE, O_CSV, O_QUICK, O_PROGRESS, O_NO_DOMAIN, O_USERS, O_N_MIN, O_N_MAX,
  O_S_MIN, O_S_MAX, O_C_MIN, O_C_MAX, O_F_MIN, O_F_MAX, O_P_NO_CPU, O_KIND, O_K, O_L, O_UNITS, O_STATIC_HIDDEN,
  O_STEPS_FULL, O_STEPS_WIDTH, O_STEPS_D1, O_STEPS_D2, O_SLOTS, O_LR_ALLOC, O_CLIP, O_POL_SAMPLES, O_POL_EPOCHS,
  O_LR_POLICY, O_VARIANT, O_EPISODES, O_SCHED_SLOTS, O_LR_SCHED, O_LR_POL_JOINT, O_EVAL_SLOTS, O_EVAL_SEED,
  O_REF_STEPS, O_MAX_STEPS, O_CHECK_EVERY, O_TARGET_FRAC, O_VAL_SLOTS, O_SCRATCH_RANDOM, O_STATIC_STEPS, O_SCHED_RAW,
  O_HELP
};

static int parse_opts(int argc, char **argv, opts_t *o)
{
  static const struct option lo[] = {
      {"seed", 1, 0, O_SEED}, {"out", 1, 0, O_OUT}, {"model", 1, 0, O_MODEL}, {"curve", 1, 0, O_CURVE},
      {"csv", 1, 0, O_CSV}, {"quick", 0, 0, O_QUICK}, {"progress", 1, 0, O_PROGRESS},
      {"no-domain", 0, 0, O_NO_DOMAIN}, {"users", 1, 0, O_USERS}, {"n-min", 1, 0, O_N_MIN},
      {"n-max", 1, 0, O_N_MAX}, {"s-avg-min", 1, 0, O_S_MIN}, {"s-avg-max", 1, 0, O_S_MAX},
      {"c-avg-min", 1, 0, O_C_MIN}, {"c-avg-max", 1, 0, O_C_MAX}, {"f-min", 1, 0, O_F_MIN},
      {"f-max", 1, 0, O_F_MAX}, {"p-no-cpu", 1, 0, O_P_NO_CPU}, {"kind", 1, 0, O_KIND}, {"K", 1, 0, O_K},
      {"L", 1, 0, O_L}, {"units", 1, 0, O_UNITS}, {"static-hidden", 1, 0, O_STATIC_HIDDEN},
      {"steps-full", 1, 0, O_STEPS_FULL}, {"steps-width", 1, 0, O_STEPS_WIDTH}, {"steps-depth1", 1, 0, O_STEPS_D1},
      {"steps-depth2", 1, 0, O_STEPS_D2}, {"slots", 1, 0, O_SLOTS}, {"lr-alloc", 1, 0, O_LR_ALLOC},
      {"clip", 1, 0, O_CLIP}, {"policy-samples", 1, 0, O_POL_SAMPLES}, {"policy-epochs", 1, 0, O_POL_EPOCHS},
      {"lr-policy", 1, 0, O_LR_POLICY}, {"variant", 1, 0, O_VARIANT}, {"episodes", 1, 0, O_EPISODES},
      {"sched-slots", 1, 0, O_SCHED_SLOTS}, {"lr-sched", 1, 0, O_LR_SCHED},
      {"lr-policy-joint", 1, 0, O_LR_POL_JOINT}, {"eval-slots", 1, 0, O_EVAL_SLOTS},
      {"eval-seed", 1, 0, O_EVAL_SEED}, {"ref-steps", 1, 0, O_REF_STEPS}, {"max-steps", 1, 0, O_MAX_STEPS},
      {"check-every", 1, 0, O_CHECK_EVERY}, {"target-frac", 1, 0, O_TARGET_FRAC}, {"val-slots", 1, 0, O_VAL_SLOTS},
      {"scratch-random", 1, 0, O_SCRATCH_RANDOM}, {"static-steps", 1, 0, O_STATIC_STEPS}, {"sched-raw", 0, 0, O_SCHED_RAW},
      {"help", 0, 0, O_HELP},
      {0, 0, 0, 0}};
  int c;
  long v;
  double d = 0;
  const long BIG = 100000000L;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    const char *name = c >= O_SEED && c < O_HELP ? lo[c - O_SEED].name : "";
    switch (c) {
    case O_SEED: if (parse_long(name, optarg, 0, 1000000000000L, &o->seed)) return -1; break;
    case O_OUT: o->out = optarg; break;
    case O_MODEL: o->model = optarg; break;
    case O_CURVE: o->curve = optarg; break;
    case O_CSV: o->csv = optarg; break;
    case O_QUICK: o->quick = 1; break;
    case O_PROGRESS: if (parse_long(name, optarg, 0, BIG, &o->progress)) return -1; break;
    case O_NO_DOMAIN: o->no_domain = 1; break;
    case O_USERS: if (parse_long(name, optarg, 1, 100000, &o->users)) return -1; break;
    case O_N_MIN: if (parse_long(name, optarg, 1, 100000, &v)) return -1; o->dom.n_min = (int)v; break;
    case O_N_MAX: if (parse_long(name, optarg, 1, 100000, &v)) return -1; o->dom.n_max = (int)v; break;
    case O_S_MIN: if (parse_double(name, optarg, &o->dom.s_avg_min)) return -1; break;
    case O_S_MAX: if (parse_double(name, optarg, &o->dom.s_avg_max)) return -1; break;
    case O_C_MIN: if (parse_double(name, optarg, &o->dom.c_avg_min)) return -1; break;
    case O_C_MAX: if (parse_double(name, optarg, &o->dom.c_avg_max)) return -1; break;
    case O_F_MIN: if (parse_double(name, optarg, &o->dom.f_min)) return -1; break;
    case O_F_MAX: if (parse_double(name, optarg, &o->dom.f_max)) return -1; break;
    case O_P_NO_CPU: if (parse_double(name, optarg, &o->dom.p_no_cpu)) return -1; break;
    case O_KIND: o->kind = optarg; break;
    case O_VARIANT: o->variant = optarg; break;
    case O_K: if (parse_long(name, optarg, 1, DYNN_MAX_EXPERTS, &o->K)) return -1; break;
    case O_L: if (parse_long(name, optarg, 1, DYNN_MAX_DEPTH, &o->L)) return -1; break;
    case O_UNITS: if (parse_long(name, optarg, 1, 4096, &o->units)) return -1; break;
    case O_STATIC_HIDDEN: if (parse_long(name, optarg, 1, 4096, &o->static_hidden)) return -1; break;
    case O_STEPS_FULL: case O_STEPS_WIDTH: case O_STEPS_D1: case O_STEPS_D2: case O_SLOTS:
      if (parse_long(name, optarg, c == O_SLOTS ? 1 : 0, c == O_SLOTS ? 100000 : BIG, &v)) return -1;
      o->ah_set[c - O_STEPS_FULL] = 1;
      if (c == O_STEPS_FULL) o->ah.steps_full = (size_t)v;
      if (c == O_STEPS_WIDTH) o->ah.steps_width = (size_t)v;
      if (c == O_STEPS_D1) o->ah.steps_depth1 = (size_t)v;
      if (c == O_STEPS_D2) o->ah.steps_depth2 = (size_t)v;
      if (c == O_SLOTS) o->ah.slots = (size_t)v;
      break;
    case O_LR_ALLOC: case O_CLIP:
      if (parse_double(name, optarg, &d)) return -1;
      if (c == O_LR_ALLOC ? !(d > 0) : !(d >= 0)) {
        fprintf(stderr, TOOL ": --%s: %g must be %s\n", name, d, c == O_LR_ALLOC ? "> 0" : ">= 0");
        return -1;
      }
      if (c == O_LR_ALLOC) o->ah.lr = d, o->ah_set[5] = 1;
      else o->ah.clip = d, o->ah_set[5] |= 2;
      break;
    case O_POL_SAMPLES: if (parse_long(name, optarg, 1, BIG, &v)) return -1; o->ph.samples = (size_t)v; o->ph_set[0] = 1; break;
    case O_POL_EPOCHS: if (parse_long(name, optarg, 0, BIG, &v)) return -1; o->ph.epochs = (size_t)v; o->ph_set[1] = 1; break;
    case O_LR_POLICY: if (parse_pos(name, optarg, &o->ph.lr)) return -1; o->ph_set[2] = 1; break;
    case O_EPISODES: if (parse_long(name, optarg, 0, BIG, &v)) return -1; o->sh.episodes = (size_t)v; o->sh_set[0] = 1; break;
    case O_SCHED_SLOTS: if (parse_long(name, optarg, 1, 100000, &v)) return -1; o->sh.slots = (size_t)v; o->sh_set[1] = 1; break;
    case O_LR_SCHED: if (parse_pos(name, optarg, &o->sh.lr)) return -1; o->sh_set[2] = 1; break;
    case O_LR_POL_JOINT: if (parse_pos(name, optarg, &o->sh.lr_policy)) return -1; o->sh_set[3] = 1; break;
    case O_EVAL_SLOTS: if (parse_long(name, optarg, 1, 10000000, &o->eval_slots)) return -1; break;
    case O_EVAL_SEED: if (parse_long(name, optarg, 0, 1000000000000L, &o->eval_seed)) return -1; break;
    case O_REF_STEPS: if (parse_long(name, optarg, 1, BIG, &v)) return -1; o->fc.ref_steps = (size_t)v; o->fc_set[0] = 1; break;
    case O_MAX_STEPS: if (parse_long(name, optarg, 1, BIG, &v)) return -1; o->fc.max_steps = (size_t)v; o->fc_set[1] = 1; break;
    case O_CHECK_EVERY: if (parse_long(name, optarg, 1, BIG, &v)) return -1; o->fc.check_every = (size_t)v; o->fc_set[2] = 1; break;
    case O_TARGET_FRAC:
      if (parse_double(name, optarg, &d)) return -1;
      if (!(d > 0 && d < 1)) { fprintf(stderr, TOOL ": --%s: %g must be in (0, 1)\n", name, d); return -1; }
      o->fc.target_frac = d; o->fc_set[3] = 1;
      break;
    case O_VAL_SLOTS: if (parse_long(name, optarg, 1, 1000000, &v)) return -1; o->fc.val_slots = (size_t)v; o->fc_set[4] = 1; break;
    case O_SCRATCH_RANDOM: if (parse_long(name, optarg, 0, 14, &v)) return -1; o->fc.scratch_random = (size_t)v; o->fc_set[5] = 1; break;
    case O_SCHED_RAW: o->sh_set[4] = 1; break;
    case O_STATIC_STEPS: if (parse_long(name, optarg, 1, BIG, &o->static_steps)) return -1; break;
    case O_HELP: case 'h': usage(stdout); exit(0);
    default: usage(stderr); return -1;
    }
  }
  return 0;
}

/* Budgets: defaults (or --quick), then the explicit options. */
static void apply_budgets(opts_t *o)
{
  dynn_alloc_hyper_t ah = o->quick ? dynn_alloc_hyper_quick() : dynn_alloc_hyper_default();
  if (o->ah_set[0]) ah.steps_full = o->ah.steps_full;
  if (o->ah_set[1]) ah.steps_width = o->ah.steps_width;
  if (o->ah_set[2]) ah.steps_depth1 = o->ah.steps_depth1;
  if (o->ah_set[3]) ah.steps_depth2 = o->ah.steps_depth2;
  if (o->ah_set[4]) ah.slots = o->ah.slots;
  if (o->ah_set[5] & 1) ah.lr = o->ah.lr;
  if (o->ah_set[5] & 2) ah.clip = o->ah.clip;
  o->ah = ah;
  dynn_policy_hyper_t ph = o->quick ? dynn_policy_hyper_quick() : dynn_policy_hyper_default();
  if (o->ph_set[0]) ph.samples = o->ph.samples;
  if (o->ph_set[1]) ph.epochs = o->ph.epochs;
  if (o->ph_set[2]) ph.lr = o->ph.lr;
  o->ph = ph;
  dynn_sched_hyper_t sh = o->quick ? dynn_sched_hyper_quick() : dynn_sched_hyper_default();
  if (o->sh_set[0]) sh.episodes = o->sh.episodes;
  if (o->sh_set[1]) sh.slots = o->sh.slots;
  if (o->sh_set[2]) sh.lr = o->sh.lr;
  if (o->sh_set[3]) sh.lr_policy = o->sh.lr_policy;
  if (o->sh_set[4]) sh.relative = 0;
  o->sh = sh;
  dynn_fig12_cfg_t fc = dynn_fig12_cfg_default();
  if (o->quick) {
    fc.h = dynn_alloc_hyper_quick();
    fc.ref_steps = 60, fc.max_steps = 200, fc.check_every = 20, fc.val_slots = 16;
  }
  fc.h.slots = ah.slots, fc.h.lr = ah.lr, fc.h.clip = ah.clip;
  if (o->fc_set[0]) fc.ref_steps = o->fc.ref_steps;
  if (o->fc_set[1]) fc.max_steps = o->fc.max_steps;
  if (o->fc_set[2]) fc.check_every = o->fc.check_every;
  if (o->fc_set[3]) fc.target_frac = o->fc.target_frac;
  if (o->fc_set[4]) fc.val_slots = o->fc.val_slots;
  if (o->fc_set[5]) fc.scratch_random = o->fc.scratch_random;
  o->fc = fc;
}

/* ------------------------------------------------------------------------ */
/* Steps                                                                    */
/* ------------------------------------------------------------------------ */
static int train_alloc(dynn_model_t *m, dynn_alloc_kind_t kind, const opts_t *o, logctx_t *lc)
{
  size_t K = (size_t)o->K, L = (size_t)o->L, w = kind == DYNN_ALLOC_MOE ? (size_t)o->units : (size_t)o->static_hidden;
  dynn_alloc_t *a = dynn_alloc_new(kind, K, L, w, &m->norm, (uint64_t)o->seed * 7 + (uint64_t)kind);
  if (!a)
    return -1;
  double t0 = now_s();
  dynn_alloc_hyper_t h = o->ah;
  if (kind == DYNN_ALLOC_STATIC) /* the static model trains for static_steps steps */
    h.steps_full = (size_t)o->static_steps, h.steps_width = h.steps_depth1 = h.steps_depth2 = 0;
  if (dynn_alloc_train(a, &m->params, &m->domain, &h, (uint64_t)o->seed * 7 + 100 + (uint64_t)kind, log_cb, lc,
                       CURVE_EVERY) < 0) {
    dynn_alloc_free(a);
    return -1;
  }
  fprintf(stderr, TOOL ": %s allocation model trained in %.1f s\n", dynn_alloc_kind_name(kind), now_s() - t0);
  dynn_alloc_free(m->alloc[kind]);
  m->alloc[kind] = a;
  if (kind == DYNN_ALLOC_MOE)
    for (int v = 0; v < DYNN_POLICY_COUNT; v++) { /* labels came from the old MoE */
      nn_net_free(m->policy[v]);
      m->policy[v] = NULL;
    }
  return 0;
}

static int train_policy(dynn_model_t *m, const opts_t *o, logctx_t *lc)
{
  for (int v = 0; v < DYNN_POLICY_COUNT; v++) {
    nn_net_free(m->policy[v]);
    m->policy[v] = NULL;
  }
  double acc[DYNN_POLICY_COUNT], t0 = now_s();
  if (dynn_policy_pretrain(m, &o->ph, (uint64_t)o->seed * 7 + 200, log_cb, lc, acc) < 0)
    return -1;
  fprintf(stderr, TOOL ": policy models pre-trained in %.1f s; held-out exact-label accuracy: full %.3f, "
                  "fix-width %.3f, fix-depth %.3f\n",
          now_s() - t0, acc[0], acc[1], acc[2]);
  return 0;
}

static int train_sched(dynn_model_t *m, dynn_sched_variant_t v, const opts_t *o, logctx_t *lc)
{
  double t0 = now_s();
  if (dynn_sched_train(m, v, &o->sh, (uint64_t)o->seed * 7 + 300 + (uint64_t)v, log_cb, lc, CURVE_EVERY) < 0)
    return -1;
  fprintf(stderr, TOOL ": %s scheduling model trained in %.1f s\n", dynn_sched_variant_name(v), now_s() - t0);
  return 0;
}

/* Fig. 4 data and decision-chain summaries on held-out seeds. */
static int evaluate(const dynn_model_t *m, const opts_t *o)
{
  FILE *csv = NULL;
  if (o->csv && !(csv = fopen(o->csv, "w"))) {
    fprintf(stderr, TOOL ": cannot write '%s': %s\n", o->csv, strerror(errno));
    return -1;
  }
  /* Fig. 4 (Section V.A): Table II, N = 30, users without local CPU */
  dynn_params_t pa = dynn_params_default();
  pa.floc_min = pa.floc_max = 0;
  dynn_domain_t fixed = dynn_domain_default();
  fixed.enabled = 0, fixed.n_min = fixed.n_max = 30;
  dynn_evalset_t e;
  if (dynn_evalset_make(&e, &pa, &fixed, 0, (size_t)o->eval_slots, (uint64_t)o->eval_seed) < 0)
    goto fail;
  double eq = dynn_alloc_eval(NULL, &e, 0, 0, 0);
  printf("# Fig. 4: mean over %ld held-out slots (seed %ld, N = 30, Table II) of (1/N) sum_i w_i T_i\n",
         o->eval_slots, o->eval_seed);
  printf("%-8s %3s %3s %12s %14s %14s\n", "model", "k", "l", "MACs(N=30)", "wdelay", "wdelay+infer");
  double opt = dynn_alloc_eval_optimal(&e);
  printf("%-8s %3s %3s %12d %14.6g %14.6g\n", "equal", "-", "-", 0, eq, eq);
  printf("%-8s %3s %3s %12s %14.6g %14s\n", "optimum", "-", "-", "-", opt, "-");
  if (csv) {
    fprintf(csv, "# Fig. 4 data: held-out slots %ld (seed %ld), N = 30, Table II parameters, no local CPU.\n",
            o->eval_slots, o->eval_seed);
    fprintf(csv, "# wdelay = mean over slots of (1/N) sum_i w_i (T_tra + T_com) [s, weighted]; wdelay_infer adds "
                 "T_infer = lambda MACs / f_infer to every user's delay\n");
    fprintf(csv, "model,k,l,macs,wdelay,wdelay_infer\n");
    fprintf(csv, "equal,0,0,0,%.9g,%.9g\n", eq, eq);
    fprintf(csv, "optimum,0,0,0,%.9g,nan\n", opt);
  }
  for (int kind = 0; kind < DYNN_ALLOC_COUNT; kind++) {
    const dynn_alloc_t *a = m->alloc[kind];
    if (!a)
      continue;
    size_t K = kind == DYNN_ALLOC_MOE ? a->K : 1, L = kind == DYNN_ALLOC_MOE ? a->L : 1;
    for (size_t k = 1; k <= K; k++)
      for (size_t l = 1; l <= L; l++) {
        double w0 = dynn_alloc_eval(a, &e, k, l, 0), w1 = dynn_alloc_eval(a, &e, k, l, 1);
        uint64_t macs = dynn_alloc_macs(a, 30, k, l);
        if (isnan(w0) || isnan(w1))
          goto fail_e;
        printf("%-8s %3zu %3zu %12llu %14.6g %14.6g\n", dynn_alloc_kind_name((dynn_alloc_kind_t)kind), k, l,
               (unsigned long long)macs, w0, w1);
        if (csv)
          fprintf(csv, "%s,%zu,%zu,%llu,%.9g,%.9g\n", dynn_alloc_kind_name((dynn_alloc_kind_t)kind),
                  kind == DYNN_ALLOC_MOE ? k : 0, kind == DYNN_ALLOC_MOE ? l : 0, (unsigned long long)macs, w0, w1);
      }
  }
  /* policy-chosen size on the same slots (all offloaded, Section V.A) */
  for (int pv = -1; pv < DYNN_POLICY_COUNT && m->alloc[DYNN_ALLOC_MOE]; pv++) {
    if (pv >= 0 && !m->policy[pv])
      continue;
    dynn_chain_eval_t ce;
    if (dynn_chain_eval(m, DYNN_CHAIN_ALL_OFF, pv, DYNN_ALLOC_MOE, &e, &ce) < 0)
      goto fail_e;
    printf("# case A (no local CPU), policy %-9s: objective/task %.5g  delay %.5g ms  miss %.4f  MACs/slot %.4g\n",
           pv < 0 ? "fix-moe" : dynn_policy_variant_name((dynn_policy_variant_t)pv), ce.objective,
           1e3 * ce.mean_delay, ce.miss_ratio, ce.mean_macs);
  }
  if (m->alloc[DYNN_ALLOC_STATIC]) {
    dynn_chain_eval_t ce;
    if (dynn_chain_eval(m, DYNN_CHAIN_ALL_OFF, -1, DYNN_ALLOC_STATIC, &e, &ce) < 0)
      goto fail_e;
    printf("# case A (no local CPU), static model    : objective/task %.5g  delay %.5g ms  miss %.4f  MACs/slot "
           "%.4g\n",
           ce.objective, 1e3 * ce.mean_delay, ce.miss_ratio, ce.mean_macs);
  }
  dynn_evalset_free(&e);
  /* case B (users with local CPU), Table II */
  if (m->alloc[DYNN_ALLOC_MOE]) {
    dynn_params_t pb = dynn_params_default();
    if (dynn_evalset_make(&e, &pb, &fixed, 0, (size_t)o->eval_slots, (uint64_t)o->eval_seed + 1) < 0)
      goto fail;
    struct { const char *name; int sv, pv; } ch[] = {
        {"PMRL", DYNN_SCHED_PMRL, DYNN_POLICY_FULL}, {"RL (fix MoE)", DYNN_SCHED_RL, -1},
        {"all-offload+policy", DYNN_CHAIN_ALL_OFF, DYNN_POLICY_FULL}, {"rand+policy", DYNN_CHAIN_RANDOM, DYNN_POLICY_FULL},
        {"local", DYNN_CHAIN_ALL_LOCAL, -1}};
    for (size_t i = 0; i < sizeof ch / sizeof ch[0]; i++) {
      if (ch[i].sv >= 0 && !m->sched[ch[i].sv])
        continue;
      if (ch[i].pv >= 0 && !m->policy[ch[i].pv])
        continue;
      dynn_chain_eval_t ce;
      if (dynn_chain_eval(m, ch[i].sv, ch[i].pv, DYNN_ALLOC_MOE, &e, &ce) < 0)
        goto fail_e;
      printf("# case B (local CPU), %-18s: objective/task %.5g  delay %.5g ms  miss %.4f  energy %.4g J  "
             "offloaded %.3f  MACs/slot %.4g  cheaper action %.3f\n",
             ch[i].name, ce.objective, 1e3 * ce.mean_delay, ce.miss_ratio, ce.energy, ce.frac_off, ce.mean_macs,
             ce.frac_right);
    }
    dynn_evalset_free(&e);
  }
  if (csv && fclose(csv) != 0) {
    csv = NULL;
    fprintf(stderr, TOOL ": writing '%s' failed\n", o->csv);
    return -1;
  }
  return 0;
fail_e:
  dynn_evalset_free(&e);
fail:
  fprintf(stderr, TOOL ": evaluation: %s\n", dynn_last_error());
  if (csv)
    fclose(csv);
  return -1;
}

static int run_fig12(const opts_t *o, const dynn_params_t *base, const dynn_domain_t *dom, logctx_t *lc)
{
  FILE *csv = NULL;
  if (o->csv && !(csv = fopen(o->csv, "w"))) {
    fprintf(stderr, TOOL ": cannot write '%s': %s\n", o->csv, strerror(errno));
    return -1;
  }
  dynn_fig12_row_t rows[DYNN_DYN_COUNT * DYNN_METHOD_COUNT];
  if (dynn_fig12(base, dom, (size_t)o->K, (size_t)o->L, (size_t)o->units, &o->fc, (uint64_t)o->seed, rows, log_cb,
                 lc) < 0) {
    fprintf(stderr, TOOL ": fig12: %s\n", dynn_last_error());
    if (csv)
      fclose(csv);
    return -1;
  }
  printf("# Fig. 12: training until every sub-network of the kind reaches loss <= ref + %.3g (equal - ref)\n",
         o->fc.target_frac);
  printf("%-6s %-8s %7s %10s %10s %8s %10s %10s\n", "kind", "method", "reached", "wall_s", "samples", "steps",
         "passes", "worst_gap");
  if (csv) {
    fprintf(csv, "# Fig. 12: PS vs from scratch; a sub-network is done when its validation loss <= ref + %g * "
                 "(equal_split - ref); ref per sub-network from a PS run of %zu steps per stage; slots per step %zu\n",
            o->fc.target_frac, o->fc.ref_steps, o->fc.h.slots);
    fprintf(csv, "kind,method,reached,wall_s,samples,steps,subnet_passes,worst_gap\n");
  }
  for (size_t i = 0; i < DYNN_DYN_COUNT * DYNN_METHOD_COUNT; i++) {
    const dynn_fig12_row_t *r = &rows[i];
    printf("%-6s %-8s %7d %10.2f %10llu %8llu %10llu %10.4f\n", dynn_dyn_kind_name(r->kind),
           dynn_method_name(r->method), r->reached, r->wall_s, (unsigned long long)r->samples,
           (unsigned long long)r->steps, (unsigned long long)r->subnet_passes, r->worst_gap);
    if (csv)
      fprintf(csv, "%s,%s,%d,%.4f,%llu,%llu,%llu,%.6g\n", dynn_dyn_kind_name(r->kind), dynn_method_name(r->method),
              r->reached, r->wall_s, (unsigned long long)r->samples, (unsigned long long)r->steps,
              (unsigned long long)r->subnet_passes, r->worst_gap);
  }
  if (csv && fclose(csv) != 0) {
    fprintf(stderr, TOOL ": writing '%s' failed\n", o->csv);
    return -1;
  }
  return 0;
}

static void print_sizes(const dynn_model_t *m)
{
  const dynn_alloc_t *a = m->alloc[DYNN_ALLOC_MOE];
  if (a) {
    size_t dyn = 0, all = dynn_alloc_params(a, &dyn);
    fprintf(stderr,
            TOOL ": MoE (K=%zu, L=%zu, %zu units): %zu parameters, %zu in the experts (Table I: 87.04K); MACs at "
                 "N=30: %llu at (K, L), %llu at (1, 1)\n",
            a->K, a->L, a->width, all, dyn, (unsigned long long)dynn_alloc_macs(a, 30, a->K, a->L),
            (unsigned long long)dynn_alloc_macs(a, 30, 1, 1));
  }
}

int main(int argc, char **argv)
{
  if (argc < 2 || argv[1][0] == '-') {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
      usage(stdout);
      return 0;
    }
    usage(stderr);
    return 2;
  }
  opts_t o = {.cmd = argv[1], .seed = 1, .progress = 100, .users = 30, .dom = dynn_domain_default(),
              .K = DYNN_K_DEFAULT, .L = DYNN_L_DEFAULT, .units = DYNN_UNITS_DEFAULT,
              .static_hidden = DYNN_STATIC_HIDDEN_DEFAULT, .eval_slots = 500, .eval_seed = 1000000};
  static const char *const cmds[] = {"all", "train-alloc", "train-policy", "train-sched", "eval", "fig12"};
  int cmd = -1;
  for (int i = 0; i < 6; i++)
    if (!strcmp(o.cmd, cmds[i]))
      cmd = i;
  if (cmd < 0) {
    fprintf(stderr, TOOL ": unknown command '%s' (all, train-alloc, train-policy, train-sched, eval, fig12)\n", o.cmd);
    return 2;
  }
  optind = 2;
  if (parse_opts(argc, argv, &o) < 0)
    return 2;
  if (optind < argc) {
    fprintf(stderr, TOOL ": unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  apply_budgets(&o);
  if (o.static_steps == 0)
    o.static_steps = o.quick ? 150 : 1500;
  if (o.no_domain) {
    o.dom.enabled = 0;
    o.dom.n_min = o.dom.n_max = (int)o.users;
  }
  if (dynn_domain_check(&o.dom) < 0) {
    fprintf(stderr, TOOL ": %s\n", dynn_last_error());
    return 2;
  }
  dynn_alloc_kind_t kind = DYNN_ALLOC_MOE;
  if (cmd == 1) {
    if (!o.kind || (strcmp(o.kind, "moe") && strcmp(o.kind, "static"))) {
      fprintf(stderr, TOOL ": train-alloc needs --kind moe or --kind static\n");
      return 2;
    }
    kind = strcmp(o.kind, "moe") ? DYNN_ALLOC_STATIC : DYNN_ALLOC_MOE;
  }
  int sv_lo = 0, sv_hi = DYNN_SCHED_COUNT - 1;
  if (o.variant) {
    if (!strcmp(o.variant, "pmrl"))
      sv_hi = 0;
    else if (!strcmp(o.variant, "rl"))
      sv_lo = 1;
    else if (strcmp(o.variant, "both")) {
      fprintf(stderr, TOOL ": --variant must be pmrl, rl or both (got '%s')\n", o.variant);
      return 2;
    }
  }
  if ((cmd == 2 || cmd == 3 || cmd == 4) && !o.model) {
    fprintf(stderr, TOOL ": %s needs --model PATH\n", o.cmd);
    return 2;
  }
  if (cmd <= 3 && !o.out) {
    fprintf(stderr, TOOL ": %s needs --out PATH (the model file to write)\n", o.cmd);
    return 2;
  }
  logctx_t lc = {.progress = o.progress, .t0 = now_s()};
  if (o.curve) {
    if (!(lc.curve = fopen(o.curve, "w"))) {
      fprintf(stderr, TOOL ": cannot write '%s': %s\n", o.curve, strerror(errno));
      return 2;
    }
    fprintf(lc.curve, "# mecsim-train-dynn training curve. Allocation stages (full, width, depth1, depth2, static): "
                      "loss_a, loss_b = mean per slot of (1/n) sum w_i T_tra and w_i T_com [weighted s], extra = "
                      "slots drawn. policy-pre: loss_a = MSE per epoch, extra = variant (0 full, 1 fix-width, 2 "
                      "fix-depth). sched-*: loss_a = mean reward (eq. 23), loss_b = mean cost of the actions taken, "
                      "extra = offloaded share. policy-joint: loss_a = MSE, loss_b = mean k, extra = mean l. wall_s "
                      "since start.\n");
    fprintf(lc.curve, "stage,step,loss_a,loss_b,extra,wall_s\n");
  }
  dynn_params_t base = dynn_params_default();
  char err[1024];
  int rc = 0;
  dynn_model_t *m = NULL;
  if (cmd == 5) {
    rc = run_fig12(&o, &base, &o.dom, &lc) < 0;
    goto done;
  }
  if (o.model) {
    if (!(m = dynn_model_load(o.model, err, sizeof err))) {
      fprintf(stderr, TOOL ": %s\n", err);
      rc = 2;
      goto done;
    }
  } else {
    m = dynn_model_new(&base, &o.dom, (uint64_t)o.seed);
    if (!m) {
      rc = 1;
      goto done;
    }
  }
  if (cmd != 4) {
    /* what the new networks are trained on */
    m->domain = o.dom;
    m->train_seed = (uint64_t)o.seed;
  }
  switch (cmd) {
  case 0:
    rc = train_alloc(m, DYNN_ALLOC_MOE, &o, &lc) < 0 || train_alloc(m, DYNN_ALLOC_STATIC, &o, &lc) < 0 ||
         train_policy(m, &o, &lc) < 0;
    for (int v = sv_lo; v <= sv_hi && !rc; v++)
      rc = train_sched(m, (dynn_sched_variant_t)v, &o, &lc) < 0;
    break;
  case 1: rc = train_alloc(m, kind, &o, &lc) < 0; break;
  case 2: rc = train_policy(m, &o, &lc) < 0; break;
  case 3:
    if (!m->alloc[DYNN_ALLOC_MOE]) {
      fprintf(stderr, TOOL ": train-sched: '%s' has no MoE allocation model\n", o.model);
      rc = 2;
      goto done;
    }
    for (int v = sv_lo; v <= sv_hi && !rc; v++)
      rc = train_sched(m, (dynn_sched_variant_t)v, &o, &lc) < 0;
    break;
  case 4: rc = evaluate(m, &o) < 0; goto done;
  }
  if (rc) {
    fprintf(stderr, TOOL ": %s\n", dynn_last_error());
    goto done;
  }
  print_sizes(m);
  if (dynn_model_save(m, o.out, err, sizeof err) < 0) {
    fprintf(stderr, TOOL ": %s\n", err);
    rc = 1;
    goto done;
  }
  fprintf(stderr, TOOL ": wrote '%s' (%.1f s in all)\n", o.out, now_s() - lc.t0);
  if (cmd == 0)
    rc = evaluate(m, &o) < 0;
done:
  dynn_model_free(m);
  if (lc.curve && fclose(lc.curve) != 0) {
    fprintf(stderr, TOOL ": writing '%s' failed\n", o.curve);
    rc = 1;
  }
  return rc;
}
