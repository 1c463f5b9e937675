/* train_bcos.c - mecsim-train-bcos: trains the BCOS networks (Algorithm 1)
 * and evaluates them on held-out slots against PCOS, MCOS and the exact
 * optimum (docs/bcos.md, "Networks and training").
 *
 *   mecsim-train-bcos train --K 14 --T 0.5 --iterations 2000 --seed 1 --out m.h5 --curve c.csv
 *   mecsim-train-bcos eval --model m.h5 --samples 2000 --seed 2 --csv e.csv
 *
 * Exit codes: 0 done, 1 failure (I/O, training), 2 bad usage or input.
 * Reproducible from --seed (run with OPENBLAS_NUM_THREADS=1). */
#include "policies/bcos/bcos_model.h"
#include "policies/bcos/bcos_opt.h"
#include "tools/tool_util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOOL "mecsim-train-bcos"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: " TOOL " COMMAND [options]\n"
          "commands:\n"
          "  train   Algorithm 1 on --samples slots of --K MDs (Table 1 sampler), model to --out\n"
          "  eval    --model on --samples held-out slots: mean energy and violations of BCOS (student),\n"
          "          PCOS (teacher), MCOS and the exact optimum (K <= --opt-max-k); rows to --csv\n"
          "options:\n"
          "  --seed S         seed of everything random (default 1; use another for eval)\n"
          "  --K N            MDs per slot (train; default 14)\n"
          "  --T S            slot length, s (train; default 0.5, Table 1)\n"
          "  --iterations N   Algorithm 1 iterations (train; default 1000)\n"
          "  --samples N      slots (train: drawn once, default 20000; eval: default 1000)\n"
          "  --batch N        minibatch (default 1000)\n"
          "  --lr X           Adam learning rate (default 0.001)\n"
          "  --alpha X        lambda step, eqs. 21-22 (default 1)\n"
          "  --lambda0 X      initial lambda_A = lambda_B (default 5)\n"
          "  --hidden N       hidden width of every FCN (default 128)\n"
          "  --out PATH       model file (train)   --model PATH   model file (eval)\n"
          "  --curve PATH     per-iteration CSV (train)   --csv PATH   per-slot CSV (eval)\n"
          "  --opt-max-k N    compute the exact optimum when K <= N (eval; default 12, at most %d)\n"
          "  --progress 0|1   progress on stderr (default 1)\n",
          BCOS_OPT_MAX_K);
}

typedef struct {
  const char *cmd, *out, *model, *curve, *csv;
  long seed, K, iterations, samples, batch, hidden, opt_max_k, progress;
  int samples_set;
  double T, lr, alpha, lambda0;
} opts_t;

enum { O_SEED = 256, O_K, O_T, O_ITER, O_SAMPLES, O_BATCH, O_LR, O_ALPHA, O_LAMBDA0, O_HIDDEN, O_OUT, O_MODEL, O_CURVE,
       O_CSV, O_OPTK, O_PROGRESS, O_HELP };

static int parse_opts(int argc, char **argv, opts_t *o)
{
  static const struct option lo[] = {
      {"seed", 1, 0, O_SEED},       {"K", 1, 0, O_K},         {"T", 1, 0, O_T},
      {"iterations", 1, 0, O_ITER}, {"samples", 1, 0, O_SAMPLES}, {"batch", 1, 0, O_BATCH},
      {"lr", 1, 0, O_LR},           {"alpha", 1, 0, O_ALPHA}, {"lambda0", 1, 0, O_LAMBDA0},
      {"hidden", 1, 0, O_HIDDEN},   {"out", 1, 0, O_OUT},     {"model", 1, 0, O_MODEL},
      {"curve", 1, 0, O_CURVE},     {"csv", 1, 0, O_CSV},     {"opt-max-k", 1, 0, O_OPTK},
      {"progress", 1, 0, O_PROGRESS}, {"help", 0, 0, O_HELP}, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    const char *name = c >= O_SEED && c <= O_HELP ? lo[c - O_SEED].name : "";
    switch (c) {
    case O_SEED: if (tool_parse_long(TOOL, name, optarg, 0, 1000000000000L, &o->seed)) return -1; break;
    case O_K: if (tool_parse_long(TOOL, name, optarg, 1, BCOS_MODEL_MAX_K, &o->K)) return -1; break;
    case O_T: if (tool_parse_range(TOOL, name, optarg, 1e-6, 1e6, &o->T)) return -1; break;
    case O_ITER: if (tool_parse_long(TOOL, name, optarg, 0, 100000000L, &o->iterations)) return -1; break;
    case O_SAMPLES:
      if (tool_parse_long(TOOL, name, optarg, 1, 100000000L, &o->samples)) return -1;
      o->samples_set = 1;
      break;
    case O_BATCH: if (tool_parse_long(TOOL, name, optarg, 2, 10000000L, &o->batch)) return -1; break;
    case O_LR: if (tool_parse_range(TOOL, name, optarg, 1e-12, 10, &o->lr)) return -1; break;
    case O_ALPHA: if (tool_parse_range(TOOL, name, optarg, 0, 1e9, &o->alpha)) return -1; break;
    case O_LAMBDA0: if (tool_parse_range(TOOL, name, optarg, 0, 1e9, &o->lambda0)) return -1; break;
    case O_HIDDEN: if (tool_parse_long(TOOL, name, optarg, 1, BCOS_HIDDEN_MAX, &o->hidden)) return -1; break;
    case O_OUT: o->out = optarg; break;
    case O_MODEL: o->model = optarg; break;
    case O_CURVE: o->curve = optarg; break;
    case O_CSV: o->csv = optarg; break;
    case O_OPTK: if (tool_parse_long(TOOL, name, optarg, 0, BCOS_OPT_MAX_K, &o->opt_max_k)) return -1; break;
    case O_PROGRESS: if (tool_parse_long(TOOL, name, optarg, 0, 1, &o->progress)) return -1; break;
    case O_HELP: case 'h': usage(stdout); exit(0);
    default: usage(stderr); return -1;
    }
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

typedef struct {
  FILE *f;
  int on;
  double t0;
  size_t total;
} curve_t;

static void curve_cb(void *vctx, const bcos_curve_pt_t *pt)
{
  curve_t *c = vctx;
  double el = tool_now_s() - c->t0;
  if (c->f)
    fprintf(c->f, "%zu,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.3f\n", pt->iter, pt->loss_teacher, pt->loss_student,
            pt->energy_teacher, pt->energy_student, pt->pen_teacher, pt->pen_student, pt->lambda_a, pt->lambda_b, el);
  size_t every = c->total >= 20 ? c->total / 20 : 1;
  if (c->on && (pt->iter % every == 0 || pt->iter == 1 || pt->iter == c->total))
    fprintf(stderr,
            "[%7.1fs] iter %6zu  teacher loss %.5g (E %.5g, pen %.3g)  student loss %.5g (E %.5g, pen %.3g)  "
            "lambda %.4g / %.4g\n",
            el, pt->iter, pt->loss_teacher, pt->energy_teacher, pt->pen_teacher, pt->loss_student,
            pt->energy_student, pt->pen_student, pt->lambda_a, pt->lambda_b);
}

static int cmd_train(const opts_t *o)
{
  if (need(o->out, "out"))
    return 2;
  bcos_hyper_t h = bcos_hyper_default();
  h.samples = o->samples_set ? (size_t)o->samples : h.samples;
  h.batch = o->batch > 0 ? (size_t)o->batch : h.batch;
  h.iterations = o->iterations >= 0 ? (size_t)o->iterations : h.iterations;
  if (o->lr > 0)
    h.lr = o->lr;
  if (o->alpha >= 0)
    h.alpha = o->alpha;
  if (o->lambda0 >= 0)
    h.lambda0 = o->lambda0;
  if (h.batch > h.samples) {
    fprintf(stderr, TOOL ": --batch %zu is larger than --samples %zu\n", h.batch, h.samples);
    return 2;
  }
  bcos_params_t par = bcos_params_table1();
  par.slot_s = o->T;
  bcos_model_t *m = bcos_model_new((size_t)o->K, (size_t)o->hidden, &par, (uint64_t)o->seed);
  if (!m) {
    fprintf(stderr, TOOL ": %s\n", bcos_model_error());
    return 2;
  }
  curve_t c = {.on = o->progress != 0, .t0 = tool_now_s(), .total = h.iterations};
  if (o->curve) {
    c.f = fopen(o->curve, "w");
    if (!c.f) {
      fprintf(stderr, TOOL ": cannot write '%s'\n", o->curve);
      bcos_model_free(m);
      return 1;
    }
    fprintf(c.f, "iter,loss_teacher,loss_student,energy_teacher,energy_student,pen_teacher,pen_student,lambda_a,"
                 "lambda_b,elapsed_s\n");
  }
  if (c.on)
    fprintf(stderr, TOOL ": K %ld, T %g s, %zu samples, batch %zu, %zu iterations, hidden %ld, lr %g, alpha %g, "
                    "lambda0 %g, %zu parameters per role\n",
            o->K, o->T, h.samples, h.batch, h.iterations, o->hidden, h.lr, h.alpha, h.lambda0, bcos_model_params(m));
  int rc = bcos_train(m, &h, (uint64_t)o->seed, curve_cb, &c);
  if (c.f && fclose(c.f) != 0 && rc == 0) {
    fprintf(stderr, TOOL ": cannot write '%s'\n", o->curve);
    rc = -1;
  }
  if (rc < 0) {
    fprintf(stderr, TOOL ": %s\n", bcos_model_error());
    bcos_model_free(m);
    return 1;
  }
  if (bcos_model_save(m, o->out) < 0) {
    fprintf(stderr, TOOL ": %s\n", bcos_model_error());
    bcos_model_free(m);
    return 1;
  }
  if (c.on)
    fprintf(stderr, TOOL ": model written to %s (%.1f s)\n", o->out, tool_now_s() - c.t0);
  bcos_model_free(m);
  return 0;
}

static void viol_cell(FILE *f, unsigned v)
{
  char b[64];
  bcos_viol_str(v, b, sizeof b);
  fprintf(f, ",%s", b);
}

static int cmd_eval(const opts_t *o)
{
  if (need(o->model, "model"))
    return 2;
  bcos_model_t *m = bcos_model_load(o->model);
  if (!m) {
    fprintf(stderr, TOOL ": %s\n", bcos_model_error());
    return 2;
  }
  size_t n = o->samples_set ? (size_t)o->samples : 1000;
  int with_opt = m->K <= (size_t)o->opt_max_k;
  bcos_md_t *md = bcos_sample_set((uint64_t)o->seed, n, m->K);
  bcos_eval_row_t *rows = malloc(n * sizeof *rows);
  int rc = 0;
  if (!md || !rows) {
    fprintf(stderr, TOOL ": out of memory\n");
    rc = 1;
    goto out;
  }
  double t0 = tool_now_s();
  bcos_eval_t ev;
  if (bcos_evaluate(m, md, n, with_opt, rows, &ev) < 0) {
    fprintf(stderr, TOOL ": %s\n", bcos_model_error());
    rc = 1;
    goto out;
  }
  printf("model %s: K %zu, T %g s, %llu iterations, lambda_A %.4g, lambda_B %.4g\n", o->model, m->K, m->par.slot_s,
         (unsigned long long)m->iterations, m->lambda_a, m->lambda_b);
  printf("%zu held-out slots (seed %ld), %.1f s\n", n, o->seed, tool_now_s() - t0);
  printf("  mean energy J: BCOS %.6g  PCOS %.6g  MCOS %.6g  optimum %s%.6g\n", ev.e_bcos, ev.e_pcos, ev.e_mcos,
         with_opt ? "" : "(not computed) ", ev.e_opt);
  printf("  slots violating C1/C2/C5: BCOS %.4f (C1 %.4f, C5 %.4f)  PCOS %.4f  MCOS %.4f\n", ev.viol_bcos,
         ev.viol_c1_bcos, ev.viol_c5_bcos, ev.viol_pcos, ev.viol_mcos);
  if (with_opt)
    printf("  mean BCOS / optimum energy ratio: %.4f\n", ev.ratio_bcos_opt);
  if (o->csv) {
    FILE *f = fopen(o->csv, "w");
    if (!f) {
      fprintf(stderr, TOOL ": cannot write '%s'\n", o->csv);
      rc = 1;
      goto out;
    }
    fprintf(f, "slot,e_bcos,e_pcos,e_mcos,e_opt,viol_bcos,viol_pcos,viol_mcos,viol_opt,n_off_bcos,n_off_opt,"
               "sum_t_bcos,sum_tprime_bcos\n");
    for (size_t i = 0; i < n; i++) {
      const bcos_eval_row_t *r = &rows[i];
      fprintf(f, "%zu,%.9g,%.9g,%.9g,%.9g", i, r->e_bcos, r->e_pcos, r->e_mcos, r->e_opt);
      viol_cell(f, r->v_bcos);
      viol_cell(f, r->v_pcos);
      viol_cell(f, r->v_mcos);
      viol_cell(f, r->v_opt);
      fprintf(f, ",%d,%d,%.9g,%.9g\n", r->n_off_bcos, with_opt ? r->n_off_opt : -1, r->sum_t_bcos, r->sum_tp_bcos);
    }
    if (fclose(f) != 0) {
      fprintf(stderr, TOOL ": cannot write '%s'\n", o->csv);
      rc = 1;
    }
  }
out:
  free(md);
  free(rows);
  bcos_model_free(m);
  return rc;
}

int main(int argc, char **argv)
{
  if (argc < 2 || argv[1][0] == '-') {
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
      usage(stdout);
      return 0;
    }
    usage(stderr);
    return 2;
  }
  opts_t o = {.cmd = argv[1], .seed = 1, .K = 14, .iterations = -1, .batch = 0, .hidden = BCOS_HIDDEN_DEFAULT,
              .opt_max_k = 12, .progress = 1, .T = 0.5, .lr = 0, .alpha = -1, .lambda0 = -1};
  optind = 2;
  if (parse_opts(argc, argv, &o) < 0)
    return 2;
  if (optind < argc) {
    fprintf(stderr, TOOL ": unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  if (!strcmp(o.cmd, "train"))
    return cmd_train(&o);
  if (!strcmp(o.cmd, "eval"))
    return cmd_eval(&o);
  fprintf(stderr, TOOL ": unknown command '%s' (train or eval)\n", o.cmd);
  usage(stderr);
  return 2;
}
