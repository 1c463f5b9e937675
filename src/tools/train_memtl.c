/* train_memtl.c - mecsim-train-memtl: datasets, training and the offline
 * experiments of MEMTL and MTFNN (docs/memtl.md).
 *
 *   mecsim-train-memtl gen --n-mt 5 --samples 100000 --out d5.h5
 *   mecsim-train-memtl import-csv --csv 5nodes_100000samples.csv --out d5.h5
 *   mecsim-train-memtl export-csv --data d5.h5 --csv d5.csv
 *   mecsim-train-memtl relabel --csv theirs.csv --out ours.csv
 *   mecsim-train-memtl train --kind memtl --heads 3 --data d5.h5 --out memtl5.h5
 *   mecsim-train-memtl eval --model memtl5.h5 --data d5.h5
 *   mecsim-train-memtl experiment --data d5.h5 --heads 6 --csv table.csv   (Tables I-II)
 *   mecsim-train-memtl fig3 --data d5.h5 --csv fig3.csv
 *   mecsim-train-memtl label-speed --n-mt 5 --samples 200
 *
 * Reproducible from --seed (run with OPENBLAS_NUM_THREADS=1). */
#include "model/rng.h"
#include "policies/memtl/memtl_data.h"
#include "policies/memtl/memtl_model.h"
#include "tools/tool_util.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOOL "mecsim-train-memtl"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: " TOOL " COMMAND [options]\n"
          "commands:\n"
          "  gen          sample --samples inputs of --n-mt MTs and label them (exact search), to --out (HDF5)\n"
          "               and/or --csv (the public code's layout)\n"
          "  import-csv   read a dataset in the public code's CSV layout (--csv) into --out (HDF5)\n"
          "  export-csv   write --data (HDF5) in the public code's CSV layout (--csv)\n"
          "  relabel      read --csv's inputs, label them with our generator, write --out (CSV) and/or\n"
          "               --h5; prints how often the two generators agree\n"
          "  train        --kind mtfnn|memtl on the training part of --data, model to --out\n"
          "  eval         evaluate --model on the test part of --data (every pick for MEMTL)\n"
          "  experiment   Tables I-II: MTFNN and MEMTL with 1..--heads heads, trained on the training part,\n"
          "               evaluated on the test part; one CSV row per (model, heads, pick) to --csv\n"
          "  fig3         Fig. 3: per-epoch training loss of one head on the frozen backbone against an MTFNN\n"
          "               from scratch, both on the new environment (the test part), to --csv\n"
          "  label-speed  time the exact label search against the blind enumeration\n"
          "options:\n"
          "  --seed S          seed of everything random (default 1)\n"
          "  --n-mt N          MTs per sample (gen, label-speed; default 5)\n"
          "  --samples N       samples (gen; default 10000)\n"
          "  --preset NAME     input distributions: mtfnn-co (default), mtfnn-co-2024\n"
          "  --channel C       interference (the public code, default) or orthogonal (the paper)\n"
          "  --dist NAME=SPEC  change one input distribution of the preset (gen, label-speed): NAME is up_bits,\n"
          "                    f_local, h, alpha or deadline, SPEC const:X, uniform:LO:HI,\n"
          "                    trunc_normal:MU:SIGMA:LO:HI or log_uniform:LO:HI; or cycles_per_bit=X, down_ratio=X\n"
          "  --param NAME=X    change one system parameter (gen, label-speed, import-csv, relabel): f_server,\n"
          "                    kappa, p_up, p_exec, p_down, bandwidth, noise_w (defaults: the public code's)\n"
          "  --step X          grid step of R (default 0.02)\n"
          "  --deadline S      deadline of imported CSV samples, s (default 1, the public code's theta)\n"
          "  --data PATH       dataset (HDF5)   --csv PATH   CSV in or out   --out PATH   output\n"
          "  --h5 PATH         relabel: also write the relabelled set as HDF5\n"
          "  --model PATH      model file (eval)\n"
          "  --kind K          mtfnn | memtl (train)   --heads M   heads (train: default 3; experiment: max, 6)\n"
          "  --test N          samples in the test part (default min(10000, n/5))\n"
          "  --split S         new-env (default: the paper's split by the mean squared feature) or random\n"
          "  --epochs N (30)   --batch N (32)   --lr X (0.001)\n"
          "  --curve PATH      per-epoch training loss CSV (train)\n"
          "  --progress 0|1    progress on stderr (default 1)\n");
}

#define MAX_SETTINGS 16

typedef struct {
  const char *cmd, *data, *csv, *out, *h5, *model, *curve, *preset, *kind, *split;
  const char *dist[MAX_SETTINGS], *param[MAX_SETTINGS]; /* --dist NAME=SPEC, --param NAME=VALUE */
  int n_dist, n_param;
  long seed, n_mt, samples, heads, test, progress;
  double step, deadline;
  memtl_channel_t channel;
  memtl_hyper_t hyper;
} opts_t;

enum {
  O_SEED = 256, O_NMT, O_SAMPLES, O_PRESET, O_CHANNEL, O_STEP, O_DEADLINE, O_DATA, O_CSV, O_OUT, O_H5, O_MODEL,
  O_KIND, O_HEADS, O_TEST, O_SPLIT, O_EPOCHS, O_BATCH, O_LR, O_CURVE, O_PROGRESS, O_DIST, O_PARAM, O_HELP
};

static int parse_opts(int argc, char **argv, opts_t *o)
{
  static const struct option lo[] = {
      {"seed", 1, 0, O_SEED},         {"n-mt", 1, 0, O_NMT},       {"samples", 1, 0, O_SAMPLES},
      {"preset", 1, 0, O_PRESET},     {"channel", 1, 0, O_CHANNEL}, {"step", 1, 0, O_STEP},
      {"deadline", 1, 0, O_DEADLINE}, {"data", 1, 0, O_DATA},       {"csv", 1, 0, O_CSV},
      {"out", 1, 0, O_OUT},           {"h5", 1, 0, O_H5},           {"model", 1, 0, O_MODEL},
      {"kind", 1, 0, O_KIND},         {"heads", 1, 0, O_HEADS},     {"test", 1, 0, O_TEST},
      {"split", 1, 0, O_SPLIT},       {"epochs", 1, 0, O_EPOCHS},   {"batch", 1, 0, O_BATCH},
      {"lr", 1, 0, O_LR},             {"curve", 1, 0, O_CURVE},     {"progress", 1, 0, O_PROGRESS},
      {"dist", 1, 0, O_DIST},         {"param", 1, 0, O_PARAM},     {"help", 0, 0, O_HELP},
      {0, 0, 0, 0}};
  int c;
  long v;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    const char *name = c >= O_SEED && c <= O_HELP ? lo[c - O_SEED].name : "";
    switch (c) {
    case O_SEED: if (tool_parse_long(TOOL, name, optarg, 0, 1000000000000L, &o->seed)) return -1; break;
    case O_NMT: if (tool_parse_long(TOOL, name, optarg, 1, MEMTL_MAX_N, &o->n_mt)) return -1; break;
    case O_SAMPLES: if (tool_parse_long(TOOL, name, optarg, 1, 100000000L, &o->samples)) return -1; break;
    case O_PRESET: o->preset = optarg; break;
    case O_CHANNEL:
      if (!strcmp(optarg, "interference"))
        o->channel = MEMTL_CHANNEL_INTERFERENCE;
      else if (!strcmp(optarg, "orthogonal"))
        o->channel = MEMTL_CHANNEL_ORTHOGONAL;
      else {
        fprintf(stderr, TOOL ": --channel: '%s': expected interference or orthogonal\n", optarg);
        return -1;
      }
      break;
    case O_STEP:
      if (tool_parse_double(TOOL, name, optarg, &o->step)) return -1;
      if (!memtl_grid_units(o->step)) {
        fprintf(stderr, TOOL ": --step: %g: expected 1/K for an integer K in 1..%d (0.02, 0.05, ...)\n", o->step,
                MEMTL_MAX_GRID);
        return -1;
      }
      break;
    case O_DEADLINE: if (tool_parse_range(TOOL, name, optarg, 0, 1e6, &o->deadline)) return -1; break;
    case O_DATA: o->data = optarg; break;
    case O_CSV: o->csv = optarg; break;
    case O_OUT: o->out = optarg; break;
    case O_H5: o->h5 = optarg; break;
    case O_MODEL: o->model = optarg; break;
    case O_KIND: o->kind = optarg; break;
    case O_HEADS: if (tool_parse_long(TOOL, name, optarg, 1, MEMTL_MAX_HEADS, &o->heads)) return -1; break;
    case O_TEST: if (tool_parse_long(TOOL, name, optarg, 1, 100000000L, &o->test)) return -1; break;
    case O_SPLIT: o->split = optarg; break;
    case O_EPOCHS: if (tool_parse_long(TOOL, name, optarg, 1, 100000, &v)) return -1; o->hyper.epochs = (size_t)v; break;
    case O_BATCH: if (tool_parse_long(TOOL, name, optarg, 1, 1000000, &v)) return -1; o->hyper.batch = (size_t)v; break;
    case O_LR: if (tool_parse_range(TOOL, name, optarg, 1e-9, 10, &o->hyper.lr)) return -1; break;
    case O_CURVE: o->curve = optarg; break;
    case O_PROGRESS: if (tool_parse_long(TOOL, name, optarg, 0, 1, &o->progress)) return -1; break;
    case O_DIST: case O_PARAM: {
      int *n = c == O_DIST ? &o->n_dist : &o->n_param;
      if (*n == MAX_SETTINGS) {
        fprintf(stderr, TOOL ": --%s: at most %d of them\n", name, MAX_SETTINGS);
        return -1;
      }
      (c == O_DIST ? o->dist : o->param)[(*n)++] = optarg;
      break;
    }
    case O_HELP: case 'h': usage(stdout); exit(0);
    default: usage(stderr); return -1;
    }
  }
  if (o->split && strcmp(o->split, "new-env") && strcmp(o->split, "random")) {
    fprintf(stderr, TOOL ": --split: '%s': expected new-env or random\n", o->split);
    return -1;
  }
  if (o->kind && strcmp(o->kind, "mtfnn") && strcmp(o->kind, "memtl")) {
    fprintf(stderr, TOOL ": --kind: '%s': expected mtfnn or memtl\n", o->kind);
    return -1;
  }
  return 0;
}

static int need(const char *what, const char *opt)
{
  if (what)
    return 0;
  fprintf(stderr, TOOL ": this command needs --%s\n", opt);
  return -1;
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                 */
/* ------------------------------------------------------------------------ */
typedef struct {
  const char *what;
  double t0;
  int tty, on;
  size_t last_pct;
} progress_t;

/* A bar redrawn in place on a terminal, a line every 10 % otherwise. */
static void progress_cb(void *vctx, size_t done, size_t total)
{
  progress_t *p = vctx;
  if (!p->on || total == 0)
    return;
  size_t pct = done * 100 / total;
  double el = tool_now_s() - p->t0, rate = el > 0 ? (double)done / el : 0;
  if (p->tty) {
    char bar[41];
    size_t fill = pct * 40 / 100;
    for (size_t i = 0; i < 40; i++)
      bar[i] = i < fill ? '#' : '.';
    bar[40] = 0;
    fprintf(stderr, "\r%s [%s] %3zu%% %zu/%zu  %.0f/s  ", p->what, bar, pct, done, total, rate);
    if (done == total)
      fputc('\n', stderr);
  } else if (pct / 10 != p->last_pct / 10 || done == total) {
    fprintf(stderr, "%s %3zu%% %zu/%zu  %.0f/s  %.1f s\n", p->what, pct, done, total, rate, el);
  }
  p->last_pct = pct;
}

static progress_t progress_new(const char *what, const opts_t *o)
{
  return (progress_t){.what = what, .t0 = tool_now_s(), .tty = isatty(2), .on = o->progress != 0, .last_pct = 0};
}

typedef struct {
  FILE *f;
  int on;
  double t0;
} curve_t;

static void curve_cb(void *vctx, const char *which, int head, size_t epoch, double loss)
{
  curve_t *c = vctx;
  double el = tool_now_s() - c->t0;
  if (c->f)
    fprintf(c->f, "%s,%d,%zu,%.9g,%.3f\n", which, head, epoch, loss, el);
  if (c->on)
    fprintf(stderr, "[%7.1fs] %-8s head %2d epoch %3zu  loss %.6g\n", el, which, head, epoch, loss);
}

/* ------------------------------------------------------------------------ */
/* Datasets                                                                 */
/* ------------------------------------------------------------------------ */
static memtl_dataset_t *load_data(const opts_t *o)
{
  if (need(o->data, "data"))
    return NULL;
  memtl_dataset_t *ds = memtl_dataset_load(o->data);
  if (!ds)
    fprintf(stderr, TOOL ": %s\n", memtl_data_error());
  return ds;
}

/* Train/test index sets of ds by --split and --test. */
typedef struct {
  size_t *train, *test;
  size_t n_train, n_test;
  double threshold;
} split_t;

static int make_split(const memtl_dataset_t *ds, const opts_t *o, split_t *s)
{
  size_t n_test = o->test > 0 ? (size_t)o->test : (ds->n / 5 < 10000 ? ds->n / 5 : 10000);
  if (n_test < 1 || n_test >= ds->n) {
    fprintf(stderr, TOOL ": --test %zu: the dataset has %zu samples; need 1 <= test < samples\n", n_test, ds->n);
    return -1;
  }
  s->n_test = n_test;
  s->n_train = ds->n - n_test;
  s->train = malloc(s->n_train * sizeof *s->train);
  s->test = malloc(n_test * sizeof *s->test);
  s->threshold = 0;
  int rc = -1;
  if (s->train && s->test) {
    if (o->split && !strcmp(o->split, "random")) {
      gsl_rng *rng = mec_rng_new((uint64_t)o->seed, MEC_STREAM_TRAINING, 90);
      rc = rng ? memtl_split_random(ds, n_test, rng, s->train, s->test) : -1;
      if (rng)
        gsl_rng_free(rng);
    } else {
      rc = memtl_split_new_env(ds, n_test, s->train, s->test, &s->threshold);
    }
  }
  if (rc < 0) {
    fprintf(stderr, TOOL ": split: %s\n", memtl_data_error());
    free(s->train);
    free(s->test);
  }
  return rc;
}

static void split_free(split_t *s)
{
  free(s->train);
  free(s->test);
}

/* The system: the public code's parameters, --channel, then every --param. */
static int system_params(const opts_t *o, memtl_params_t *p)
{
  static const struct {
    const char *name;
    size_t off;
  } f[] = {{"f_server", offsetof(memtl_params_t, f_server)}, {"kappa", offsetof(memtl_params_t, kappa)},
           {"p_up", offsetof(memtl_params_t, p_up)},         {"p_exec", offsetof(memtl_params_t, p_exec)},
           {"p_down", offsetof(memtl_params_t, p_down)},     {"bandwidth", offsetof(memtl_params_t, bandwidth)},
           {"noise_w", offsetof(memtl_params_t, noise_w)}};
  *p = memtl_params_mtfnn_co();
  p->channel = o->channel;
  for (int i = 0; i < o->n_param; i++) {
    const char *eq = strchr(o->param[i], '=');
    size_t k = 0, len = eq ? (size_t)(eq - o->param[i]) : 0;
    while (k < sizeof f / sizeof f[0] && !(strlen(f[k].name) == len && !strncmp(f[k].name, o->param[i], len)))
      k++;
    if (!eq || k == sizeof f / sizeof f[0]) {
      fprintf(stderr, TOOL ": --param '%s': expected NAME=X with NAME one of f_server, kappa, p_up, p_exec, "
                      "p_down, bandwidth, noise_w\n", o->param[i]);
      return -1;
    }
    double v;
    if (tool_parse_range(TOOL, "param", eq + 1, 0, 1e18, &v) < 0)
      return -1;
    *(double *)((char *)p + f[k].off) = v;
  }
  return 0;
}

/* The input distributions: --preset, then every --dist. */
static int sampler(const opts_t *o, memtl_sampler_t *smp, char *name, size_t size)
{
  const char *preset = o->preset ? o->preset : "mtfnn-co";
  if (memtl_sampler_preset(preset, smp) < 0) {
    fprintf(stderr, TOOL ": --preset: %s\n", memtl_data_error());
    return -1;
  }
  for (int i = 0; i < o->n_dist; i++)
    if (memtl_sampler_set(smp, o->dist[i]) < 0) {
      fprintf(stderr, TOOL ": --dist: %s\n", memtl_data_error());
      return -1;
    }
  snprintf(name, size, "%s%s", preset, o->n_dist ? "+custom" : "");
  return 0;
}

static int cmd_gen(const opts_t *o)
{
  memtl_sampler_t smp;
  char preset[32];
  memtl_params_t p;
  if (sampler(o, &smp, preset, sizeof preset) < 0 || system_params(o, &p) < 0)
    return 2;
  if (!o->out && !o->csv) {
    fprintf(stderr, TOOL ": gen needs --out (HDF5) and/or --csv\n");
    return 2;
  }
  progress_t pr = progress_new("labelling", o);
  memtl_dataset_t *ds = memtl_dataset_generate(&p, &smp, (size_t)o->n_mt, (size_t)o->samples, o->step,
                                               (uint64_t)o->seed, progress_cb, &pr, (size_t)o->samples / 200 + 1);
  if (!ds) {
    fprintf(stderr, TOOL ": %s\n", memtl_data_error());
    return 1;
  }
  snprintf(ds->sampler_name, sizeof ds->sampler_name, "%s", preset);
  size_t feas = 0;
  for (size_t i = 0; i < ds->n; i++)
    feas += ds->feasible[i] != 0;
  double el = tool_now_s() - pr.t0;
  printf("generated %zu samples of %zu MTs in %.2f s (%.1f us per sample); %zu (%.1f%%) meet every deadline\n", ds->n,
         ds->n_mt, el, 1e6 * el / (double)ds->n, feas, 100.0 * (double)feas / (double)ds->n);
  int rc = 0;
  if (o->out && memtl_dataset_save(ds, o->out) < 0)
    rc = 1;
  if (!rc && o->csv && memtl_csv_export(ds, o->csv) < 0)
    rc = 1;
  if (rc)
    fprintf(stderr, TOOL ": %s\n", memtl_data_error());
  memtl_dataset_free(ds);
  return rc;
}

static memtl_dataset_t *import_csv(const opts_t *o)
{
  memtl_params_t p;
  if (need(o->csv, "csv") || system_params(o, &p) < 0)
    return NULL;
  memtl_dataset_t *ds = memtl_csv_import(o->csv, &p, o->deadline, o->step);
  if (!ds)
    fprintf(stderr, TOOL ": %s\n", memtl_data_error());
  return ds;
}

static int cmd_import(const opts_t *o)
{
  if (need(o->out, "out"))
    return 2;
  memtl_dataset_t *ds = import_csv(o);
  if (!ds)
    return 2;
  int rc = memtl_dataset_save(ds, o->out) < 0;
  if (rc)
    fprintf(stderr, TOOL ": %s\n", memtl_data_error());
  else
    printf("imported %zu samples of %zu MTs into %s\n", ds->n, ds->n_mt, o->out);
  memtl_dataset_free(ds);
  return rc;
}

static int cmd_export(const opts_t *o)
{
  if (need(o->csv, "csv"))
    return 2;
  memtl_dataset_t *ds = load_data(o);
  if (!ds)
    return 2;
  int rc = memtl_csv_export(ds, o->csv) < 0;
  if (rc)
    fprintf(stderr, TOOL ": %s\n", memtl_data_error());
  memtl_dataset_free(ds);
  return rc;
}

static int cmd_relabel(const opts_t *o)
{
  if (!o->out && !o->h5) {
    fprintf(stderr, TOOL ": relabel needs --out (CSV) and/or --h5\n");
    return 2;
  }
  memtl_dataset_t *theirs = import_csv(o);
  if (!theirs)
    return 2;
  /* a copy of the file's samples whose labels are then replaced */
  size_t *all = malloc(theirs->n * sizeof *all);
  memtl_dataset_t *ours = NULL;
  int rc = 1;
  if (all) {
    for (size_t i = 0; i < theirs->n; i++)
      all[i] = i;
    ours = memtl_dataset_subset(theirs, all, theirs->n);
  }
  progress_t pr = progress_new("relabelling", o);
  if (ours && memtl_dataset_relabel(ours, o->step, progress_cb, &pr, theirs->n / 200 + 1) == 0) {
    size_t same_d = 0, finite = 0;
    double dr = 0, ratio = 0;
    for (size_t i = 0; i < theirs->n; i++) {
      same_d += ours->code[i] == theirs->code[i];
      for (size_t j = 0; j < theirs->n_mt; j++)
        dr += fabs(ours->r[i * theirs->n_mt + j] - theirs->r[i * theirs->n_mt + j]);
      if (isfinite(theirs->cost[i]) && theirs->cost[i] > 0) {
        ratio += ours->cost[i] / theirs->cost[i];
        finite++;
      }
    }
    printf("relabelled %zu samples: same D in %.2f%%, mean |R_ours - R_file| %.4f per MT, mean cost ours/file %.4f "
           "(over %zu samples with a finite file cost)\n",
           theirs->n, 100.0 * (double)same_d / (double)theirs->n, dr / (double)(theirs->n * theirs->n_mt),
           finite ? ratio / (double)finite : NAN, finite);
    rc = 0;
    if (o->out && memtl_csv_export(ours, o->out) < 0)
      rc = 1;
    if (!rc && o->h5 && memtl_dataset_save(ours, o->h5) < 0)
      rc = 1;
  }
  if (rc)
    fprintf(stderr, TOOL ": %s\n", memtl_data_error());
  free(all);
  memtl_dataset_free(ours);
  memtl_dataset_free(theirs);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Models                                                                   */
/* ------------------------------------------------------------------------ */
static void print_eval(const char *label, const memtl_eval_t *e, size_t n_heads)
{
  printf("%-22s n %6zu  MSE %.4f  accuracy %6.2f%%  cost/label mean %.4g median %.4f  deadlines met %6.2f%%  "
         "%.2f us/sample",
         label, e->n, e->mse, 100 * e->accuracy, e->cost_ratio, e->cost_ratio_median, 100 * e->feasible,
         e->us_per_sample);
  if (n_heads > 1) {
    printf("  picks");
    for (size_t h = 0; h < n_heads; h++)
      printf(" %.2f", e->pick_rate[h]);
  }
  printf("\n");
}

/* memtl_evaluate, with the inference time the fastest of 5 passes: on a
 * shared machine one pass's wall time says more about the neighbours. */
static int evaluate_timed(memtl_model_t *m, const memtl_dataset_t *ds, const split_t *s, int pick, memtl_eval_t *e)
{
  if (memtl_evaluate(m, ds, s->test, s->n_test, pick, e) < 0)
    return -1;
  for (int k = 1; k < 5; k++) {
    memtl_eval_t again;
    if (memtl_evaluate(m, ds, s->test, s->n_test, pick, &again) < 0)
      return -1;
    if (again.us_per_sample < e->us_per_sample)
      e->us_per_sample = again.us_per_sample;
  }
  return 0;
}

static int model_err(void)
{
  fprintf(stderr, TOOL ": %s\n", memtl_model_error());
  return 1;
}

/* MTFNN: backbone + one head from scratch; MEMTL: Algorithm 1. */
static memtl_model_t *train_model(memtl_kind_t kind, size_t heads, const memtl_dataset_t *ds, const split_t *s,
                                  const opts_t *o, uint64_t seed, curve_t *cv)
{
  memtl_model_t *m = memtl_model_new(kind, ds->n_mt, kind == MEMTL_KIND_MTFNN ? 1 : heads, seed);
  if (!m) {
    model_err();
    return NULL;
  }
  m->params = ds->params;
  m->step = ds->step;
  int rc;
  if (kind == MEMTL_KIND_MTFNN) {
    memtl_model_fit_norm(m, ds, s->train, s->n_train);
    rc = memtl_train_joint(m, 0, ds, s->train, s->n_train, &o->hyper, seed, curve_cb, cv);
  } else {
    rc = memtl_train_algorithm1(m, ds, s->train, s->n_train, &o->hyper, seed, curve_cb, cv);
  }
  if (rc < 0) {
    model_err();
    memtl_model_free(m);
    return NULL;
  }
  return m;
}

static int cmd_train(const opts_t *o)
{
  if (need(o->kind, "kind") || need(o->out, "out"))
    return 2;
  memtl_dataset_t *ds = load_data(o);
  if (!ds)
    return 2;
  split_t s;
  if (make_split(ds, o, &s) < 0) {
    memtl_dataset_free(ds);
    return 2;
  }
  curve_t cv = {.f = NULL, .on = o->progress != 0, .t0 = tool_now_s()};
  if (o->curve && !(cv.f = fopen(o->curve, "w"))) {
    fprintf(stderr, TOOL ": --curve '%s': cannot write: %s\n", o->curve, strerror(errno));
    split_free(&s);
    memtl_dataset_free(ds);
    return 2;
  }
  if (cv.f)
    fprintf(cv.f, "which,head,epoch,loss,wall_s\n");
  memtl_kind_t kind = !strcmp(o->kind, "mtfnn") ? MEMTL_KIND_MTFNN : MEMTL_KIND_MEMTL;
  memtl_model_t *m = train_model(kind, o->heads > 0 ? (size_t)o->heads : 3, ds, &s, o, (uint64_t)o->seed, &cv);
  int rc = 1;
  if (m) {
    memtl_eval_t e;
    if (memtl_evaluate(m, ds, s.test, s.n_test, kind == MEMTL_KIND_MTFNN ? MEMTL_PICK_HEAD0 : MEMTL_PICK_COST,
                       &e) == 0)
      print_eval("test (new environment)", &e, m->n_heads);
    rc = memtl_model_save(m, o->out) < 0 ? model_err() : 0;
    memtl_model_free(m);
  }
  if (cv.f)
    fclose(cv.f);
  split_free(&s);
  memtl_dataset_free(ds);
  return rc;
}

static int cmd_eval(const opts_t *o)
{
  if (need(o->model, "model"))
    return 2;
  memtl_model_t *m = memtl_model_load(o->model);
  if (!m)
    return model_err() + 1;
  memtl_dataset_t *ds = load_data(o);
  split_t s;
  int rc = 2;
  if (ds && ds->n_mt != m->n_mt)
    fprintf(stderr, TOOL ": the model decides for %zu MTs, the dataset has %zu\n", m->n_mt, ds->n_mt);
  else if (ds && make_split(ds, o, &s) == 0) {
    rc = 0;
    memtl_eval_t e;
    int picks[2 + MEMTL_MAX_HEADS];
    size_t np = 0;
    if (m->kind == MEMTL_KIND_MEMTL) {
      picks[np++] = MEMTL_PICK_COST;
      picks[np++] = MEMTL_PICK_ORACLE;
    }
    for (size_t h = 0; h < m->n_heads; h++)
      picks[np++] = MEMTL_PICK_HEAD0 + (int)h;
    for (size_t i = 0; i < np && !rc; i++) {
      char label[32];
      if (picks[i] == MEMTL_PICK_COST)
        snprintf(label, sizeof label, "pick cost (Alg. 2)");
      else if (picks[i] == MEMTL_PICK_ORACLE)
        snprintf(label, sizeof label, "pick oracle (truth)");
      else
        snprintf(label, sizeof label, "head %d", picks[i]);
      if (memtl_evaluate(m, ds, s.test, s.n_test, picks[i], &e) < 0)
        rc = model_err();
      else
        print_eval(label, &e, picks[i] < 0 ? m->n_heads : 1);
    }
    split_free(&s);
  }
  memtl_dataset_free(ds);
  memtl_model_free(m);
  return rc;
}

/* One CSV row of the experiment. */
static void exp_row(FILE *f, const memtl_dataset_t *ds, const opts_t *o, const char *model, size_t heads,
                    const char *pick, const memtl_eval_t *e, size_t params, const char *set)
{
  fprintf(f, "%zu,%ld,%s,%zu,%s,%s,%zu,%.9g,%.9g,%.9g,%.9g,%.9g,%.6g,%zu,%zu\n", ds->n_mt, o->seed, model, heads, pick,
          set, e->n, e->mse, e->accuracy, e->cost_ratio, e->cost_ratio_median, e->feasible, e->us_per_sample, params,
          params * 4);
}

static int cmd_experiment(const opts_t *o)
{
  if (need(o->csv, "csv"))
    return 2;
  memtl_dataset_t *ds = load_data(o);
  if (!ds)
    return 2;
  split_t s;
  if (make_split(ds, o, &s) < 0) {
    memtl_dataset_free(ds);
    return 2;
  }
  FILE *f = fopen(o->csv, "w");
  if (!f) {
    fprintf(stderr, TOOL ": --csv '%s': cannot write: %s\n", o->csv, strerror(errno));
    split_free(&s);
    memtl_dataset_free(ds);
    return 2;
  }
  fprintf(f, "n_mt,seed,model,heads,pick,set,n,mse,accuracy,cost_ratio,cost_ratio_median,deadlines_met,us_per_sample,"
             "params,bytes\n");
  curve_t cv = {.f = NULL, .on = o->progress != 0, .t0 = tool_now_s()};
  size_t hmax = o->heads > 0 ? (size_t)o->heads : 6;
  int rc = 1;
  memtl_model_t *mt = train_model(MEMTL_KIND_MTFNN, 1, ds, &s, o, (uint64_t)o->seed, &cv);
  memtl_model_t *me = mt ? train_model(MEMTL_KIND_MEMTL, hmax, ds, &s, o, (uint64_t)o->seed + 7919, &cv) : NULL;
  if (mt && me) {
    memtl_eval_t e;
    size_t bb, ph;
    rc = 0;
    size_t p_mt = memtl_model_params(mt, &bb, &ph);
    if (evaluate_timed(mt, ds, &s, MEMTL_PICK_HEAD0, &e) < 0)
      rc = model_err();
    else {
      exp_row(f, ds, o, "mtfnn", 1, "head0", &e, p_mt, "test");
      print_eval("MTFNN", &e, 1);
    }
    memtl_model_params(me, &bb, &ph);
    for (size_t h = 1; h <= hmax && !rc; h++) {
      me->n_heads = h; /* the first h heads: each was trained alone, so a prefix is an h-head MEMTL */
      const int picks[2] = {MEMTL_PICK_COST, MEMTL_PICK_ORACLE};
      for (int k = 0; k < 2 && !rc; k++) {
        if (evaluate_timed(me, ds, &s, picks[k], &e) < 0) {
          rc = model_err();
          break;
        }
        exp_row(f, ds, o, "memtl", h, k ? "oracle" : "cost", &e, bb + h * ph, "test");
        char label[40];
        snprintf(label, sizeof label, "MEMTL M=%zu %s", h, k ? "oracle" : "cost");
        print_eval(label, &e, h);
      }
    }
    me->n_heads = hmax;
  }
  memtl_model_free(mt);
  memtl_model_free(me);
  if (fclose(f) != 0)
    rc = 1;
  split_free(&s);
  memtl_dataset_free(ds);
  return rc;
}

/* Fig. 3: after Algorithm 1's backbone training on the training part, one
 * new head on the frozen backbone and an MTFNN from scratch learn the new
 * environment (the test part) with the same loss, learning rate and epochs. */
static int cmd_fig3(const opts_t *o)
{
  if (need(o->csv, "csv"))
    return 2;
  memtl_dataset_t *ds = load_data(o);
  if (!ds)
    return 2;
  split_t s;
  if (make_split(ds, o, &s) < 0) {
    memtl_dataset_free(ds);
    return 2;
  }
  curve_t cv = {.f = fopen(o->csv, "w"), .on = o->progress != 0, .t0 = tool_now_s()};
  if (!cv.f) {
    fprintf(stderr, TOOL ": --csv '%s': cannot write: %s\n", o->csv, strerror(errno));
    split_free(&s);
    memtl_dataset_free(ds);
    return 2;
  }
  fprintf(cv.f, "which,head,epoch,loss,wall_s\n");
  int rc = 1;
  memtl_model_t *me = train_model(MEMTL_KIND_MEMTL, 1, ds, &s, o, (uint64_t)o->seed, &cv);
  memtl_model_t *mt = me ? memtl_model_new(MEMTL_KIND_MTFNN, ds->n_mt, 1, (uint64_t)o->seed + 104729) : NULL;
  if (me && mt) {
    mt->params = ds->params;
    mt->step = ds->step;
    mt->norm = me->norm; /* same inputs for both learners */
    int h = memtl_model_add_head(me, (uint64_t)o->seed + 31);
    rc = h < 0 || memtl_train_head(me, (size_t)h, ds, s.test, s.n_test, &o->hyper, (uint64_t)o->seed + 1, curve_cb,
                                   &cv) < 0 ||
         memtl_train_joint(mt, 0, ds, s.test, s.n_test, &o->hyper, (uint64_t)o->seed + 2, curve_cb, &cv) < 0;
    if (rc)
      model_err();
  } else if (me) {
    model_err();
  }
  memtl_model_free(me);
  memtl_model_free(mt);
  if (fclose(cv.f) != 0)
    rc = 1;
  split_free(&s);
  memtl_dataset_free(ds);
  return rc;
}

/* Wall time of the exact search and of the blind enumeration on the same
 * samples (the enumeration on at most 50 of them: it is slow). */
static int cmd_label_speed(const opts_t *o)
{
  memtl_sampler_t smp;
  memtl_params_t p;
  char preset[32];
  if (sampler(o, &smp, preset, sizeof preset) < 0 || system_params(o, &p) < 0)
    return 2;
  size_t n = (size_t)o->n_mt, samples = (size_t)o->samples, n_brute = samples < 50 ? samples : 50;
  memtl_mt_t *mt = malloc(samples * n * sizeof *mt);
  gsl_rng *rng = mec_rng_new((uint64_t)o->seed, MEC_STREAM_TRAINING, 0);
  if (!mt || !rng) {
    free(mt);
    if (rng)
      gsl_rng_free(rng);
    return 1;
  }
  for (size_t i = 0; i < samples * n; i++)
    memtl_sample_mt(&smp, rng, &mt[i]);
  gsl_rng_free(rng);
  memtl_label_t a, b;
  size_t differ = 0;
  double points = memtl_brute_points(n, memtl_grid_units(o->step));
  if (points > 2e7) /* the enumeration would take minutes per sample */
    n_brute = 0;
  double t0 = tool_now_s();
  for (size_t i = 0; i < samples; i++)
    memtl_label_exact(&p, &mt[i * n], n, o->step, &a);
  double t_exact = (tool_now_s() - t0) / (double)samples;
  t0 = tool_now_s();
  for (size_t i = 0; i < n_brute; i++)
    memtl_label_brute(&p, &mt[i * n], n, o->step, &b);
  double t_brute = n_brute ? (tool_now_s() - t0) / (double)n_brute : NAN;
  for (size_t i = 0; i < n_brute; i++) {
    memtl_label_exact(&p, &mt[i * n], n, o->step, &a);
    memtl_label_brute(&p, &mt[i * n], n, o->step, &b);
    differ += a.code != b.code || fabs(a.cost - b.cost) > 1e-12 * fabs(b.cost);
  }
  if (n_brute)
    printf("N %zu, step %g: exact %.2f us per sample (%zu samples), blind enumeration %.1f us (%zu samples, %.0f grid "
           "points), %.0fx faster; %zu of %zu labels differ\n",
           n, o->step, 1e6 * t_exact, samples, 1e6 * t_brute, n_brute, points, t_brute / t_exact, differ, n_brute);
  else
    printf("N %zu, step %g: exact %.2f us per sample (%zu samples); blind enumeration of %.3g grid points not run\n",
           n, o->step, 1e6 * t_exact, samples, points);
  free(mt);
  return differ ? 1 : 0;
}

int main(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  opts_t o = {.cmd = argv[1], .seed = 1, .n_mt = 5, .samples = 10000, .step = 0.02, .deadline = 1.0,
              .channel = MEMTL_CHANNEL_INTERFERENCE, .progress = 1, .hyper = memtl_hyper_default()};
  optind = 2;
  if (parse_opts(argc, argv, &o) < 0)
    return 2;
  if (optind < argc) {
    fprintf(stderr, TOOL ": unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  static const struct {
    const char *name;
    int (*fn)(const opts_t *);
  } cmds[] = {{"gen", cmd_gen},           {"import-csv", cmd_import}, {"export-csv", cmd_export},
              {"relabel", cmd_relabel},   {"train", cmd_train},       {"eval", cmd_eval},
              {"experiment", cmd_experiment}, {"fig3", cmd_fig3},     {"label-speed", cmd_label_speed}};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (!strcmp(o.cmd, cmds[i].name))
      return cmds[i].fn(&o);
  fprintf(stderr, TOOL ": unknown command '%s' (gen, import-csv, export-csv, relabel, train, eval, experiment, fig3, "
                  "label-speed)\n",
          o.cmd);
  return 2;
}
