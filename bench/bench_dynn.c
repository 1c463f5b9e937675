/* bench_dynn.c - speed of the DyNN models (dynn_model.h) at Table II's
 * setting (N = 30 users, K = 10, L = 3, 64 units, static model 384 units):
 * inference latency per decision for every (k, l), the static model and the
 * policy and scheduling networks, wall clock against the simulated
 * lambda * MACs / f_infer the simulator charges, and training throughput
 * (slots per second) of the allocation models and the scheduling loop.
 * Not a test: prints figures only. Run single-threaded:
 *   OPENBLAS_NUM_THREADS=1 ./bench_dynn [MODEL.h5]
 * With a model file its networks are timed (trained routing), otherwise
 * freshly initialised ones of the same shapes. */
#include "policies/dynn/dynn_model.h"
#include "policies/dynn/dynn_train.h"
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define N 30

/* Repeats fn until ~0.2 s have passed; returns seconds per call. */
#define TIME_IT(expr, out)                                                                                             \
  do {                                                                                                                 \
    long reps_ = 0;                                                                                                    \
    double t0_ = now_s(), el_ = 0;                                                                                     \
    while (el_ < 0.2) {                                                                                                \
      for (int r_ = 0; r_ < 20; r_++)                                                                                  \
        if ((expr) < 0) {                                                                                              \
          fprintf(stderr, "bench_dynn: %s\n", dynn_last_error());                                                      \
          return 1;                                                                                                    \
        }                                                                                                              \
      reps_ += 20;                                                                                                     \
      el_ = now_s() - t0_;                                                                                             \
    }                                                                                                                  \
    out = el_ / (double)reps_;                                                                                         \
  } while (0)

int main(int argc, char **argv)
{
  dynn_params_t p = dynn_params_default();
  dynn_model_t *m = NULL;
  char err[1024];
  if (argc > 1) {
    if (!(m = dynn_model_load(argv[1], err, sizeof err))) {
      fprintf(stderr, "bench_dynn: %s\n", err);
      return 2;
    }
  } else {
    m = dynn_model_new(&p, NULL, 1);
  }
  if (!m->alloc[DYNN_ALLOC_MOE])
    m->alloc[DYNN_ALLOC_MOE] = dynn_alloc_new(DYNN_ALLOC_MOE, DYNN_K_DEFAULT, DYNN_L_DEFAULT, DYNN_UNITS_DEFAULT,
                                              &m->norm, 1);
  if (!m->alloc[DYNN_ALLOC_STATIC])
    m->alloc[DYNN_ALLOC_STATIC] = dynn_alloc_new(DYNN_ALLOC_STATIC, 1, DYNN_L_DEFAULT, DYNN_STATIC_HIDDEN_DEFAULT,
                                                 &m->norm, 2);
  for (int v = 0; v < DYNN_POLICY_COUNT; v++)
    if (!m->policy[v])
      m->policy[v] = dynn_policy_net_new(3 + (uint64_t)v);
  for (int v = 0; v < DYNN_SCHED_COUNT; v++)
    if (!m->sched[v])
      m->sched[v] = dynn_sched_net_new(7 + (uint64_t)v);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 5);
  dynn_user_t u[N];
  dynn_sample_users(&p, rng, N, u);
  double b[N], f[N], prob[N];
  const dynn_alloc_t *a = m->alloc[DYNN_ALLOC_MOE];
  printf("# inference of one decision for N = %d users (%s weights), f_infer = %.3g Hz, lambda = %g\n", N,
         argc > 1 ? "trained" : "untrained", p.f_infer, p.lambda);
  printf("%-17s %3s %3s %10s %12s %14s %8s\n", "model", "k", "l", "MACs", "wall_us", "simulated_us", "ratio");
  for (size_t k = 1; k <= a->K; k++)
    for (size_t l = 1; l <= a->L; l++) {
      double s;
      TIME_IT(dynn_alloc_infer(a, &p, u, N, k, l, b, f, NULL), s);
      uint64_t macs = dynn_alloc_macs(a, N, k, l);
      double sim = dynn_infer_s(&p, (double)macs);
      printf("%-17s %3zu %3zu %10llu %12.2f %14.2f %8.2f\n", "alloc-moe", k, l, (unsigned long long)macs, 1e6 * s,
             1e6 * sim, s / sim);
    }
  {
    const dynn_alloc_t *st = m->alloc[DYNN_ALLOC_STATIC];
    double s;
    TIME_IT(dynn_alloc_infer(st, &p, u, N, 1, 1, b, f, NULL), s);
    uint64_t macs = dynn_alloc_macs(st, N, 1, 1);
    double sim = dynn_infer_s(&p, (double)macs);
    printf("%-17s %3s %3s %10llu %12.2f %14.2f %8.2f\n", "alloc-static", "-", "-", (unsigned long long)macs, 1e6 * s,
           1e6 * sim, s / sim);
  }
  for (int v = 0; v < DYNN_POLICY_COUNT; v++) {
    size_t k, l;
    double s;
    TIME_IT(dynn_policy_predict(m, (dynn_policy_variant_t)v, &p, u, N, &k, &l, NULL), s);
    uint64_t macs = dynn_policy_macs(m, (dynn_policy_variant_t)v);
    double sim = dynn_infer_s(&p, (double)macs);
    char name[32];
    snprintf(name, sizeof name, "policy-%s", dynn_policy_variant_name((dynn_policy_variant_t)v));
    printf("%-17s %3s %3s %10llu %12.2f %14.2f %8.2f\n", name, "-", "-", (unsigned long long)macs, 1e6 * s, 1e6 * sim,
           s / sim);
  }
  for (int v = 0; v < DYNN_SCHED_COUNT; v++) {
    double s;
    TIME_IT(dynn_sched_predict(m, (dynn_sched_variant_t)v, &p, u, N, prob, NULL), s);
    uint64_t macs = dynn_sched_macs(m, (dynn_sched_variant_t)v, N);
    double sim = dynn_infer_s(&p, (double)macs);
    char name[32];
    snprintf(name, sizeof name, "sched-%s", dynn_sched_variant_name((dynn_sched_variant_t)v));
    printf("%-17s %3s %3s %10llu %12.2f %14.2f %8.2f\n", name, "-", "-", (unsigned long long)macs, 1e6 * s, 1e6 * sim,
           s / sim);
  }

  /* training throughput (fresh models, Section V's domain-randomised slots) */
  printf("# training throughput (domain-randomised slots, N ~ U{10..50}, 8 slots per minibatch)\n");
  dynn_domain_t d = dynn_domain_default();
  dynn_alloc_hyper_t h = dynn_alloc_hyper_default();
  for (int kind = 0; kind < DYNN_ALLOC_COUNT; kind++) {
    dynn_alloc_t *t_a = kind == DYNN_ALLOC_MOE ? dynn_alloc_new(DYNN_ALLOC_MOE, 10, 3, 64, &p, 9)
                                               : dynn_alloc_new(DYNN_ALLOC_STATIC, 1, 3, 384, &p, 9);
    dynn_alloc_trainer_t *t = dynn_alloc_trainer_new(t_a, &p, &d, &h, 1);
    size_t sizes[2][2] = {{10, 3}, {1, 1}};
    for (int sz = 0; sz < (kind == DYNN_ALLOC_MOE ? 2 : 1); sz++) {
      int steps = 0;
      double t0 = now_s();
      while (now_s() - t0 < 1.0) {
        if (dynn_alloc_train_step(t, sizes[sz][0], sizes[sz][1], NULL, NULL) < 0) {
          fprintf(stderr, "bench_dynn: %s\n", dynn_last_error());
          return 1;
        }
        steps++;
      }
      double el = now_s() - t0;
      printf("alloc-%-8s at (%zu, %zu): %8.1f slots/s (%.2f ms per step of two updates)\n",
             dynn_alloc_kind_name((dynn_alloc_kind_t)kind), kind ? (size_t)1 : sizes[sz][0],
             kind ? (size_t)3 : sizes[sz][1], steps * (double)h.slots / el, 1e3 * el / steps);
    }
    dynn_alloc_trainer_free(t);
    dynn_alloc_free(t_a);
  }
  for (int v = 0; v < DYNN_SCHED_COUNT; v++) {
    dynn_model_t *tm = dynn_model_new(&p, &d, 1);
    tm->alloc[DYNN_ALLOC_MOE] = dynn_alloc_new(DYNN_ALLOC_MOE, 10, 3, 64, &tm->norm, 1);
    tm->policy[DYNN_POLICY_FULL] = dynn_policy_net_new(1);
    dynn_sched_hyper_t sh = dynn_sched_hyper_default();
    sh.episodes = 40;
    double t0 = now_s();
    if (dynn_sched_train(tm, (dynn_sched_variant_t)v, &sh, 1, NULL, NULL, 0) < 0) {
      fprintf(stderr, "bench_dynn: %s\n", dynn_last_error());
      return 1;
    }
    double el = now_s() - t0;
    printf("sched-%-8s      : %8.1f slots/s (%.2f ms per episode of %zu slots%s)\n",
           dynn_sched_variant_name((dynn_sched_variant_t)v), sh.episodes * (double)sh.slots / el,
           1e3 * el / (double)sh.episodes, sh.slots, v == DYNN_SCHED_PMRL ? ", with eq. 28 labels" : "");
    dynn_model_free(tm);
  }
  gsl_rng_free(rng);
  dynn_model_free(m);
  return 0;
}
