/* mecsim-tpos-game - runs the TPOS aggregative game (Algorithms 1 and 2 of
 * Gao et al.) without SimGrid and prints / writes the results, next to the
 * paper's baselines (GTPOS, full offload, all local).
 *
 *   mecsim-tpos-game [--mode cai|uai|both] [--n N] [--dnn alexnet|vgg13|vgg16|lenet|mix]
 *                    [--preset paper|scaled] [--seed S] [--wake P] [--eps E] [--max-ticks K]
 *                    [--radius R] [--area A] [--bandwidth HZ] [--weights A,B,G]
 *                    [--H H] [--B B] [--Td S] [--tau S] [--price-unit C] [--improve REL] [--uai-step P]
 *                    [--baselines] [--strategies FILE.csv] [--history FILE.csv]
 *
 * --all-neighbours makes every MD a UAI neighbour of every other.
 * MDs are placed uniformly at random in an A x A square (for UAI neighbour
 * sets by distance). "mix" cycles VGG16, VGG13, AlexNet, LeNet as in Fig. 10. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/dnn_profile.h"
#include "model/rng.h"
#include "policies/tpos/tpos_baselines.h"
#include "policies/tpos/tpos_game.h"

typedef struct {
  const char *mode, *dnn, *preset, *strategies, *history;
  int n, max_ticks, baselines, all_nbrs, H, B;
  uint64_t seed;
  double improve, uai_step, wake, eps, radius, area, bandwidth, alpha, beta, gamma, Td, tau, price_unit;
} opts_t;

static void usage(FILE *f)
{
  fprintf(f, "usage: mecsim-tpos-game [--mode cai|uai|both] [--n N] [--dnn alexnet|vgg13|vgg16|lenet|mix]\n"
             "  [--preset paper|scaled] [--seed S] [--wake P] [--eps E] [--max-ticks K] [--radius R]\n"
             "  [--area A] [--bandwidth HZ] [--weights A,B,G] [--H H] [--B B] [--Td S] [--tau S]\n"
             "  [--price-unit CYCLES] [--improve REL] [--uai-step P] [--all-neighbours] [--baselines] [--strategies FILE.csv] [--history FILE.csv]\n");
}

static int num(const char *flag, const char *s, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end) {
    fprintf(stderr, "mecsim-tpos-game: %s expects a number, got '%s'\n", flag, s);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse(int argc, char **argv, opts_t *o)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    }
    if (!strcmp(a, "--baselines")) {
      o->baselines = 1;
      continue;
    }
    if (!strcmp(a, "--all-neighbours")) {
      o->all_nbrs = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "mecsim-tpos-game: %s needs a value\n", a);
      return -1;
    }
    const char *v = argv[++i];
    double x = 0;
    if (!strcmp(a, "--mode")) o->mode = v;
    else if (!strcmp(a, "--dnn")) o->dnn = v;
    else if (!strcmp(a, "--preset")) o->preset = v;
    else if (!strcmp(a, "--strategies")) o->strategies = v;
    else if (!strcmp(a, "--history")) o->history = v;
    else if (!strcmp(a, "--weights")) {
      if (sscanf(v, "%lf,%lf,%lf", &o->alpha, &o->beta, &o->gamma) != 3) {
        fprintf(stderr, "mecsim-tpos-game: --weights expects A,B,G\n");
        return -1;
      }
    } else {
      if (num(a, v, &x))
        return -1;
      if (!strcmp(a, "--n")) o->n = (int)x;
      else if (!strcmp(a, "--seed")) o->seed = (uint64_t)x;
      else if (!strcmp(a, "--wake")) o->wake = x;
      else if (!strcmp(a, "--eps")) o->eps = x;
      else if (!strcmp(a, "--max-ticks")) o->max_ticks = (int)x;
      else if (!strcmp(a, "--radius")) o->radius = x;
      else if (!strcmp(a, "--area")) o->area = x;
      else if (!strcmp(a, "--bandwidth")) o->bandwidth = x;
      else if (!strcmp(a, "--H")) o->H = (int)x;
      else if (!strcmp(a, "--B")) o->B = (int)x;
      else if (!strcmp(a, "--Td")) o->Td = x;
      else if (!strcmp(a, "--tau")) o->tau = x;
      else if (!strcmp(a, "--price-unit")) o->price_unit = x;
      else if (!strcmp(a, "--improve")) o->improve = x;
      else if (!strcmp(a, "--uai-step")) o->uai_step = x;
      else {
        fprintf(stderr, "mecsim-tpos-game: unknown option %s\n", a);
        usage(stderr);
        return -1;
      }
    }
  }
  if (o->n < 1) {
    fprintf(stderr, "mecsim-tpos-game: --n must be >= 1\n");
    return -1;
  }
  return 0;
}

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int run_mode(const char *name, mec_tpos_mode_t mode, const opts_t *o, const mec_tpos_params_t *p,
                    const mec_tpos_md_t *mds, double *avg_cost)
{
  mec_tpos_game_cfg_t cfg = mec_tpos_game_cfg_default(mode);
  cfg.seed = o->seed;
  if (o->wake > 0) cfg.wake_prob = o->wake;
  if (o->eps >= 0) cfg.epsilon = o->eps;
  if (o->max_ticks > 0) cfg.max_ticks = o->max_ticks;
  if (o->radius > 0) cfg.radius_m = o->radius;
  cfg.all_neighbours = o->all_nbrs;
  if (o->improve > 0) cfg.improve_rel = o->improve;
  if (o->uai_step >= 0) cfg.uai_step_exponent = o->uai_step;
  cfg.keep_history = o->history != NULL;
  cfg.nash_check = o->n <= 20000;
  char err[256];
  mec_tpos_game_t *g = mec_tpos_game_new(p, mds, o->n, &cfg, err, sizeof err);
  if (!g) {
    fprintf(stderr, "mecsim-tpos-game: %s\n", err);
    return -1;
  }
  mec_tpos_game_result_t r;
  double t0 = now_s();
  if (mec_tpos_game_run(g, &r)) {
    fprintf(stderr, "mecsim-tpos-game: game failed\n");
    mec_tpos_game_free(g);
    return -1;
  }
  double wall = now_s() - t0;
  int feasible = mec_tpos_game_check(g, err, sizeof err) == 0;
  printf("%-8s converged=%d ticks=%d wakeups=%ld changes=%ld rejects=%ld messages=%ld (%.0f bits) "
         "flops=%.3g wall=%.3fs\n",
         name, r.converged, r.ticks, r.wakeups, r.changes, r.rejects, r.messages, r.message_bits, r.flops, wall);
  printf("%-8s avg_cost=%.6g avg_delay=%.4fs avg_energy=%.4fJ avg_price=%.6g offloading=%d/%d nash_gap=%.3g "
         "feasible=%s\n",
         name, r.avg_cost, r.avg_delay, r.avg_energy, r.avg_price, r.n_offloading, o->n, r.nash_gap,
         feasible ? "yes" : err);
  *avg_cost = r.avg_cost;
  if (o->strategies) {
    char path[1024];
    snprintf(path, sizeof path, "%s%s%s", o->strategies, !strcmp(o->mode, "both") ? "." : "",
             !strcmp(o->mode, "both") ? name : "");
    FILE *f = fopen(path, "w");
    if (!f) {
      fprintf(stderr, "mecsim-tpos-game: cannot write %s: %s\n", path, strerror(errno));
    } else {
      fprintf(f, "md,dnn,layers,m_star,h_last,delay_s,energy_j,price,cost,slots\n");
      for (int i = 0; i < o->n; i++) {
        const mec_tpos_strategy_t *s = mec_tpos_game_strategy(g, i);
        mec_tpos_eval_t ev;
        mec_tpos_game_evaluate(g, i, &ev);
        fprintf(f, "%d,%s,%d,%d,%d,%.9g,%.9g,%.9g,%.9g,", i, mec_dnn_kind_name(mds[i].dnn->kind), mds[i].dnn->M,
                s->m_star, s->h_last, ev.delay, ev.energy, ev.price, ev.cost);
        int sep = 0;
        for (int h = 1; h <= p->H; h++)
          if (s->first[h])
            fprintf(f, "%s%d:%d-%d", sep++ ? " " : "", h, s->first[h], s->last[h]);
        fputc('\n', f);
      }
      fclose(f);
    }
  }
  if (o->history) {
    char path[1024];
    snprintf(path, sizeof path, "%s%s%s", o->history, !strcmp(o->mode, "both") ? "." : "",
             !strcmp(o->mode, "both") ? name : "");
    FILE *f = fopen(path, "w");
    if (f) {
      int len;
      const double *h = mec_tpos_game_history(g, &len);
      fprintf(f, "tick,avg_cost\n");
      for (int t = 0; t < len; t++)
        fprintf(f, "%d,%.12g\n", t + 1, h[t]);
      fclose(f);
    } else {
      fprintf(stderr, "mecsim-tpos-game: cannot write %s: %s\n", path, strerror(errno));
    }
  }
  mec_tpos_game_free(g);
  return 0;
}

int main(int argc, char **argv)
{
  opts_t o = {.mode = "both", .dnn = "alexnet", .preset = "scaled", .n = 10, .seed = 1, .eps = -1, .area = 200,
              .alpha = -1, .uai_step = -1};
  if (parse(argc, argv, &o))
    return 2;
  mec_tpos_params_t p;
  if (!strcmp(o.preset, "paper"))
    p = mec_tpos_params_paper();
  else if (!strcmp(o.preset, "scaled"))
    p = mec_tpos_params_scaled();
  else {
    fprintf(stderr, "mecsim-tpos-game: unknown preset '%s' (paper, scaled)\n", o.preset);
    return 2;
  }
  if (o.bandwidth > 0) p.bandwidth_hz = o.bandwidth;
  if (o.alpha >= 0) p.alpha = o.alpha, p.beta = o.beta, p.gamma = o.gamma;
  if (o.H > 0) p.H = o.H;
  if (o.B > 0) p.B = o.B;
  if (o.Td > 0) p.T_d = o.Td;
  if (o.tau > 0) p.tau = o.tau;
  if (o.price_unit > 0) p.price_unit_cycles = o.price_unit;
  char err[256];
  if (mec_tpos_params_check(&p, err, sizeof err)) {
    fprintf(stderr, "mecsim-tpos-game: %s\n", err);
    return 2;
  }
  int mix = !strcmp(o.dnn, "mix");
  int kind = mix ? MEC_DNN_VGG16 : mec_dnn_kind_parse(o.dnn);
  if (kind == MEC_DNN_NONE) {
    fprintf(stderr, "mecsim-tpos-game: unknown DNN '%s' (alexnet, vgg13, vgg16, lenet, mix)\n", o.dnn);
    return 2;
  }
  mec_tpos_dnn_t *tables[MEC_DNN_COUNT] = {0};
  for (int k = 0; k < MEC_DNN_COUNT; k++) {
    mec_dnn_profile_t *prof = mec_dnn_profile_new(k, p.bits_per_element);
    tables[k] = prof ? mec_tpos_dnn_new(prof, &p, 0) : NULL;
    mec_dnn_profile_free(prof);
    if (!tables[k]) {
      fprintf(stderr, "mecsim-tpos-game: out of memory\n");
      return 1;
    }
  }
  mec_tpos_md_t *mds = malloc((size_t)o.n * sizeof(*mds));
  gsl_rng *rng = mec_rng_new(o.seed, MEC_STREAM_PLACEMENT, 0);
  if (!mds || !rng) {
    fprintf(stderr, "mecsim-tpos-game: out of memory\n");
    return 1;
  }
  static const int mix_order[] = {MEC_DNN_VGG16, MEC_DNN_VGG13, MEC_DNN_ALEXNET, MEC_DNN_LENET};
  for (int i = 0; i < o.n; i++) {
    mds[i] = mec_tpos_md_default(&p, tables[mix ? mix_order[i % 4] : kind]);
    mds[i].x = gsl_rng_uniform(rng) * o.area;
    mds[i].y = gsl_rng_uniform(rng) * o.area;
  }
  printf("tpos game: N=%d dnn=%s preset=%s H=%d B=%d T_d=%gs tau=%gs W=%gHz R_up=%.4g bit/s R_do=%.4g bit/s "
         "weights=%g,%g,%g price_unit=%g cycles\n",
         o.n, o.dnn, o.preset, p.H, p.B, p.T_d, p.tau, p.bandwidth_hz, mds[0].up_bps, mds[0].down_bps, p.alpha,
         p.beta, p.gamma, p.price_unit_cycles);
  int rc = 0;
  double c_cai = 0, c_uai = 0;
  if (!strcmp(o.mode, "cai") || !strcmp(o.mode, "both"))
    rc |= run_mode("cai", MEC_TPOS_CAI, &o, &p, mds, &c_cai);
  if (!strcmp(o.mode, "uai") || !strcmp(o.mode, "both"))
    rc |= run_mode("uai", MEC_TPOS_UAI, &o, &p, mds, &c_uai);
  if (strcmp(o.mode, "cai") && strcmp(o.mode, "uai") && strcmp(o.mode, "both")) {
    fprintf(stderr, "mecsim-tpos-game: unknown mode '%s' (cai, uai, both)\n", o.mode);
    rc = 2;
  }
  if (!strcmp(o.mode, "both") && !rc)
    printf("uai/cai average cost ratio %.6f\n", c_uai / c_cai);
  if (o.baselines && !rc) {
    int *ms = malloc((size_t)o.n * sizeof(int));
    mec_tpos_baseline_result_t r;
    if (ms && mec_tpos_gtpos(&p, mds, o.n, 1e8, ms, NULL, &r) == 0)
      printf("gtpos    avg_delay=%.4fs avg_energy=%.4fJ offloading=%d/%d search=%s (%.0f schedules)\n",
             r.avg_delay, r.avg_energy, r.n_offloading, o.n, r.exact ? "exact" : "heuristic", r.evaluations);
    if (ms && mec_tpos_case3_full_offload(&p, mds, o.n, rng, ms, NULL, &r) == 0)
      printf("case3    avg_delay=%.4fs avg_energy=%.4fJ (random full offload)\n", r.avg_delay, r.avg_energy);
    if (ms && mec_tpos_case4_all_local(&p, mds, o.n, ms, NULL, &r) == 0)
      printf("case4    avg_delay=%.4fs avg_energy=%.4fJ (all local)\n", r.avg_delay, r.avg_energy);
    free(ms);
  }
  free(mds);
  gsl_rng_free(rng);
  for (int k = 0; k < MEC_DNN_COUNT; k++)
    mec_tpos_dnn_free(tables[k]);
  return rc ? 1 : 0;
}
