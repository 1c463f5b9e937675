/* bench_tpos - speed of the TPOS game core: one best response per network,
 * then Algorithms 1 (CAI) and 2 (UAI) to convergence for N = 100 and 1000
 * MDs running AlexNet (scaled preset), printing iterations, messages and
 * wall time. Figures, not assertions: build with
 * `cmake --build B --target bench` (a Release build for meaningful times). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "model/dnn_profile.h"
#include "model/rng.h"
#include "policies/tpos/tpos_game.h"

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void bench_best_response(const mec_tpos_params_t *p)
{
  mec_tpos_ws_t *ws = mec_tpos_ws_new(MEC_DNN_MAX_LAYERS);
  for (int k = 0; k < MEC_DNN_COUNT; k++) {
    mec_dnn_profile_t *prof = mec_dnn_profile_new(k, 32);
    mec_tpos_dnn_t *d = mec_tpos_dnn_new(prof, p, 0);
    mec_tpos_md_t md = mec_tpos_md_default(p, d);
    double others[MEC_TPOS_MAX_SLOTS + 1] = {0, 0.2, 0.1, 0.05, 0.0, 0.3};
    mec_tpos_strategy_t s;
    int reps = 2000;
    uint64_t steps0 = mec_tpos_ws_steps(ws);
    double t0 = now_s();
    for (int r = 0; r < reps; r++)
      mec_tpos_best_response(ws, &md, p, others, NULL, &s, NULL);
    double dt = (now_s() - t0) / reps;
    printf("best response %-8s M=%2d: %8.2f us/call, %6.0f DP steps/call, m*=%d h_last=%d\n", mec_dnn_kind_name(k),
           d->M, dt * 1e6, (double)(mec_tpos_ws_steps(ws) - steps0) / reps, s.m_star, s.h_last);
    mec_tpos_dnn_free(d);
    mec_dnn_profile_free(prof);
  }
  mec_tpos_ws_free(ws);
}

static void bench_game(const mec_tpos_params_t *p, const mec_tpos_dnn_t *d, int n, mec_tpos_mode_t mode, int all,
                       double radius, double area)
{
  mec_tpos_md_t *mds = malloc((size_t)n * sizeof(*mds));
  gsl_rng *r = mec_rng_new(1, MEC_STREAM_PLACEMENT, 0);
  for (int i = 0; i < n; i++) {
    mds[i] = mec_tpos_md_default(p, d);
    mds[i].x = area * gsl_rng_uniform(r);
    mds[i].y = area * gsl_rng_uniform(r);
  }
  mec_tpos_game_cfg_t cfg = mec_tpos_game_cfg_default(mode);
  cfg.all_neighbours = all;
  cfg.radius_m = radius;
  cfg.max_ticks = 5000;
  cfg.nash_check = 0;
  char err[200];
  mec_tpos_game_t *g = mec_tpos_game_new(p, mds, n, &cfg, err, sizeof err);
  if (!g) {
    fprintf(stderr, "bench_tpos: %s\n", err);
    exit(1);
  }
  mec_tpos_game_result_t res;
  double t0 = now_s();
  mec_tpos_game_run(g, &res);
  double wall = now_s() - t0;
  char label[64];
  if (mode == MEC_TPOS_CAI)
    snprintf(label, sizeof label, "CAI");
  else if (all)
    snprintf(label, sizeof label, "UAI all-nbrs");
  else
    snprintf(label, sizeof label, "UAI r=%gm/%gm", radius, area);
  printf("N=%5d %-18s converged=%d ticks=%5d wake-ups=%8ld changes=%6ld rejects=%6ld messages=%11ld "
         "flops=%9.3g wall=%7.3fs (%6.2f us/wake-up) avg_cost=%.6g offloading=%d\n",
         n, label, res.converged, res.ticks, res.wakeups, res.changes, res.rejects, res.messages, res.flops, wall,
         1e6 * wall / (double)(res.wakeups ? res.wakeups : 1), res.avg_cost, res.n_offloading);
  mec_tpos_game_free(g);
  gsl_rng_free(r);
  free(mds);
}

int main(void)
{
  mec_tpos_params_t p = mec_tpos_params_scaled();
  bench_best_response(&p);
  mec_dnn_profile_t *prof = mec_dnn_profile_new(MEC_DNN_ALEXNET, 32);
  mec_tpos_dnn_t *d = mec_tpos_dnn_new(prof, &p, 0);
  const int sizes[] = {100, 1000};
  for (int k = 0; k < 2; k++) {
    int n = sizes[k];
    bench_game(&p, d, n, MEC_TPOS_CAI, 0, 50, 200);
    bench_game(&p, d, n, MEC_TPOS_UAI, 1, 0, 200);
    bench_game(&p, d, n, MEC_TPOS_UAI, 0, 50, 200);
  }
  mec_tpos_dnn_free(d);
  mec_dnn_profile_free(prof);
  return 0;
}
