/* The MEMTL system model (memtl_system.c) against eqs. (4)-(6) worked out
 * by hand, and the label generator (memtl_label.c): the exact greedy search
 * equals the blind enumeration on random small instances (both channel
 * models, binding and loose deadlines, several grid steps), the
 * infeasible case returns the cheapest decision ignoring deadlines with
 * feasible = 0, the class-code convention (MT 0 = most significant bit),
 * grid validation, and the count of grid points. */
#include "check.h"
#include "model/rng.h"
#include "policies/memtl/memtl_label.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

/* Two MTs with given rates u = 1e6, d = 2e6 bit/s; F = 1e9, kappa = 1e-27,
 * P_u = 0.5, P_e = 0.1, P_d = 0.2.
 *  MT0: p = 1e6, c = 1e9, q = 2e6, f = 5e8, a = 0.5
 *    local   = 0.5 * 1e-27 * (5e8)^2 * 1e9 + 0.5 * 1e9 / 5e8 = 0.125 + 1 = 1.125
 *    offload R = 0.5 (5e8 cycles/s): up 1 s, exec 2 s, down 1 s
 *            = 0.5 (0.5*1 + 0.1*2 + 0.2*1) + 0.5 (1 + 2 + 1) = 0.45 + 2 = 2.45
 *  MT1: p = 2e5, c = 4e8, q = 0, f = 1e9, a = 1 (delay only)
 *    local   = 0.4;  offload R = 0.5: 0.2 + 0.8 = 1.0
 *  C_total: D = (1,0) -> 2.85; (0,1) -> 2.125; (1,1), R = (.5,.5) -> 3.45; (0,0) -> 1.525 */
static memtl_params_t hand_params(void)
{
  return (memtl_params_t){.f_server = 1e9, .kappa = 1e-27, .p_up = 0.5, .p_exec = 0.1, .p_down = 0.2,
                          .bandwidth = 1e6, .noise_w = 1e-12, .channel = MEMTL_CHANNEL_ORTHOGONAL};
}

static void hand_mts(memtl_mt_t *mt)
{
  memset(mt, 0, 2 * sizeof *mt);
  mt[0] = (memtl_mt_t){.up_bits = 1e6, .cycles = 1e9, .down_bits = 2e6, .f_local = 5e8, .h = 1, .alpha = 0.5,
                       .rate_up = 1e6, .rate_down = 2e6};
  mt[1] = (memtl_mt_t){.up_bits = 2e5, .cycles = 4e8, .f_local = 1e9, .h = 1, .alpha = 1,
                       .rate_up = 1e6, .rate_down = 2e6};
}

static void test_cost_by_hand(void)
{
  memtl_params_t p = hand_params();
  memtl_mt_t mt[2];
  memtl_pre_t pre[2];
  hand_mts(mt);
  CHECK(memtl_precompute(&p, mt, 2, pre) == 0);
  CHECK_REL(pre[0].cost_local, 1.125, 1e-12);
  CHECK_REL(memtl_offload_cost(&pre[0], 0.5), 2.45, 1e-12);
  CHECK_REL(memtl_offload_delay(&pre[0], 0.5), 4.0, 1e-12);
  CHECK_REL(pre[1].cost_local, 0.4, 1e-12);
  CHECK_REL(memtl_offload_cost(&pre[1], 0.5), 1.0, 1e-12);
  double r[2] = {0.5, 0.5};
  int d10[2] = {1, 0}, d01[2] = {0, 1}, d11[2] = {1, 1}, d00[2] = {0, 0};
  CHECK_REL(memtl_total_cost(pre, 2, d10, r), 2.85, 1e-12);
  CHECK_REL(memtl_total_cost(pre, 2, d01, r), 2.125, 1e-12);
  CHECK_REL(memtl_total_cost(pre, 2, d11, r), 3.45, 1e-12);
  CHECK_REL(memtl_total_cost(pre, 2, d00, r), 1.525, 1e-12);
  CHECK(isinf(memtl_offload_cost(&pre[0], 0)));
  /* deadlines: MT0 offloaded at R = .5 takes 4 s, local 2 s */
  mt[0].deadline = 3;
  CHECK(memtl_meets_deadlines(mt, pre, 2, d00, r) == 1);
  CHECK(memtl_meets_deadlines(mt, pre, 2, d10, r) == 0);
  mt[0].deadline = 2; /* strict: a delay equal to the deadline misses it */
  CHECK(memtl_meets_deadlines(mt, pre, 2, d00, r) == 0);
}

static void test_channels(void)
{
  /* orthogonal: u = (B/N) log2(1 + P h^2 / (N0/N)); interference: u = B log2(1 + P h^2 / (N0 + sum P h^2)) */
  memtl_params_t p = memtl_params_mtfnn_co();
  memtl_mt_t mt[2] = {{.up_bits = 1, .h = 0.5, .alpha = 0.5}, {.up_bits = 1, .h = 0.8, .alpha = 0.5}};
  memtl_pre_t pre[2];
  CHECK(memtl_precompute(&p, mt, 2, pre) == 0);
  double tot = p.noise_w + 0.3 * 0.25 + 0.3 * 0.64;
  CHECK_REL(pre[0].up_rate, 1e6 * log2(1 + 0.3 * 0.25 / tot), 1e-12);
  CHECK_REL(pre[1].down_rate, pre[1].up_rate, 0);
  p.channel = MEMTL_CHANNEL_ORTHOGONAL;
  CHECK(memtl_precompute(&p, mt, 2, pre) == 0);
  CHECK_REL(pre[1].up_rate, 0.5e6 * log2(1 + 0.3 * 0.64 / (p.noise_w / 2)), 1e-12);
  /* bad inputs are refused */
  mt[0].alpha = 1.5;
  CHECK(memtl_precompute(&p, mt, 2, pre) < 0);
  mt[0].alpha = 0.5;
  mt[1].cycles = NAN;
  CHECK(memtl_precompute(&p, mt, 2, pre) < 0);
  mt[1].cycles = 0;
  CHECK(memtl_precompute(&p, mt, 0, pre) < 0);
  CHECK(memtl_precompute(&p, mt, MEMTL_MAX_N + 1, pre) < 0);
}

static void test_code(void)
{
  int d[4] = {1, 0, 1, 1}, back[4];
  CHECK(memtl_code(d, 4) == 11u); /* 1011: MT 0 is the most significant bit */
  memtl_decode(11u, 4, back);
  CHECK(memcmp(d, back, sizeof d) == 0);
  for (uint32_t c = 0; c < 32; c++) {
    int x[5];
    memtl_decode(c, 5, x);
    CHECK(memtl_code(x, 5) == c);
  }
}

static void test_grid(void)
{
  CHECK(memtl_grid_units(0.02) == 50);
  CHECK(memtl_grid_units(0.05) == 20);
  CHECK(memtl_grid_units(1) == 1);
  CHECK(memtl_grid_units(0.03) == 0);
  CHECK(memtl_grid_units(0) == 0);
  CHECK(memtl_grid_units(-0.1) == 0);
  CHECK(memtl_grid_units(NAN) == 0);
  CHECK(memtl_grid_units(1e-5) == 0); /* more units than MEMTL_MAX_GRID */
  /* N = 3, K = 10: 1 + 3*1 + 3*9 + 1*36 = 67 grid points */
  CHECK_NEAR(memtl_brute_points(3, 10), 67, 0);
}

/* Random instance with the public preset's ranges, deadlines drawn so that
 * some bind and some make the whole instance infeasible. */
static void random_instance(gsl_rng *rng, size_t n, memtl_mt_t *mt)
{
  for (size_t i = 0; i < n; i++) {
    memset(&mt[i], 0, sizeof mt[i]);
    mt[i].up_bits = 1e4 + 4.9e5 * gsl_rng_uniform(rng);
    mt[i].cycles = 3e3 * mt[i].up_bits;
    mt[i].down_bits = gsl_rng_uniform(rng) < 0.5 ? 0 : 0.2 * mt[i].up_bits;
    mt[i].f_local = 1e8 + 1e9 * gsl_rng_uniform(rng);
    mt[i].h = gsl_rng_uniform(rng);
    mt[i].alpha = gsl_rng_uniform(rng);
    mt[i].deadline = 0.3 + 2.0 * gsl_rng_uniform(rng);
  }
}

static void test_exact_equals_brute(void)
{
  gsl_rng *rng = mec_rng_new(7, MEC_STREAM_TRAINING, 1);
  const double steps[] = {0.1, 0.05, 0.02};
  int feasible = 0, infeasible = 0, bad = 0, cases = 0;
  uint64_t work_exact = 0, work_brute = 0;
  for (int ch = 0; ch < 2; ch++) {
    memtl_params_t p = memtl_params_mtfnn_co();
    p.channel = ch ? MEMTL_CHANNEL_INTERFERENCE : MEMTL_CHANNEL_ORTHOGONAL;
    for (size_t n = 1; n <= 4; n++) {
      for (size_t si = 0; si < 3; si++) {
        if (n == 4 && si == 2)
          continue; /* C(49, 3) points per D: slow under sanitizers */
        for (int rep = 0; rep < 25; rep++) {
          memtl_mt_t mt[MEMTL_MAX_N];
          random_instance(rng, n, mt);
          memtl_label_t a, b;
          CHECK(memtl_label_exact(&p, mt, n, steps[si], &a) == 0);
          CHECK(memtl_label_brute(&p, mt, n, steps[si], &b) == 0);
          cases++;
          work_exact += a.work;
          work_brute += b.work;
          if (a.feasible != b.feasible || a.code != b.code ||
              fabs(a.cost - b.cost) > 1e-12 * fmax(1, fabs(b.cost)))
            bad++;
          for (size_t i = 0; i < n; i++)
            if (fabs(a.r[i] - b.r[i]) > 1e-12)
              bad++;
          feasible += a.feasible;
          infeasible += !a.feasible;
          /* the result is what it claims to be */
          memtl_pre_t pre[MEMTL_MAX_N];
          CHECK(memtl_precompute(&p, mt, n, pre) == 0);
          CHECK_REL(memtl_total_cost(pre, n, a.d, a.r), a.cost, 1e-15);
          CHECK(memtl_meets_deadlines(mt, pre, n, a.d, a.r) == a.feasible);
          double sum = 0;
          for (size_t i = 0; i < n; i++)
            sum += a.r[i];
          CHECK(a.code == 0 ? sum == 0 : fabs(sum - 1) < 1e-9);
        }
      }
    }
  }
  CHECK(bad == 0);
  CHECK(feasible > cases / 4); /* both kinds of instance were exercised */
  CHECK(infeasible > 0);
  CHECK(work_exact < work_brute);
  /* at the paper's largest size the exact search does a few percent of the work */
  memtl_mt_t mt[5];
  random_instance(rng, 5, mt);
  memtl_label_t a;
  memtl_params_t p = memtl_params_mtfnn_co();
  CHECK(memtl_label_exact(&p, mt, 5, 0.02, &a) == 0);
  CHECK((double)a.work * 10 < memtl_brute_points(5, 50));
  printf("N = 5, step 0.02: %llu steps against %.0f grid points\n", (unsigned long long)a.work,
         memtl_brute_points(5, 50));
  printf("exact == brute on %d instances (%d feasible, %d not); work %llu vs %llu\n", cases, feasible,
         infeasible, (unsigned long long)work_exact, (unsigned long long)work_brute);
  gsl_rng_free(rng);
}

static void test_brute_visits_every_point(void)
{
  memtl_params_t p = memtl_params_mtfnn_co();
  memtl_mt_t mt[3];
  gsl_rng *rng = mec_rng_new(3, MEC_STREAM_TRAINING, 2);
  random_instance(rng, 3, mt);
  memtl_label_t b;
  CHECK(memtl_label_brute(&p, mt, 3, 0.1, &b) == 0);
  CHECK(b.work == 67);
  gsl_rng_free(rng);
}

static void test_infeasible(void)
{
  /* a deadline nobody can meet: the cheapest decision ignoring deadlines, flagged */
  memtl_params_t p = hand_params();
  memtl_mt_t mt[2];
  hand_mts(mt);
  mt[0].deadline = 0.01;
  memtl_label_t a, b;
  CHECK(memtl_label_exact(&p, mt, 2, 0.05, &a) == 0);
  CHECK(memtl_label_brute(&p, mt, 2, 0.05, &b) == 0);
  CHECK(a.feasible == 0 && b.feasible == 0);
  CHECK(a.code == 0); /* all local, 1.525, is the cheapest of all */
  CHECK_REL(a.cost, 1.525, 1e-12);
  CHECK_REL(b.cost, a.cost, 1e-15);
  /* without deadlines the same instance is feasible */
  mt[0].deadline = 0;
  CHECK(memtl_label_exact(&p, mt, 2, 0.05, &a) == 0);
  CHECK(a.feasible == 1);
  /* MT1 cannot meet 0.35 s anywhere: local 0.4 s, offloaded at least 0.02 + 0.4 s */
  mt[1].deadline = 0.35;
  mt[1].rate_up = 1e7;
  CHECK(memtl_label_exact(&p, mt, 2, 0.05, &a) == 0);
  CHECK(memtl_label_brute(&p, mt, 2, 0.05, &b) == 0);
  CHECK(a.feasible == b.feasible && a.code == b.code);
  /* bad step */
  CHECK(memtl_label_exact(&p, mt, 2, 0.03, &a) < 0);
}

int main(void)
{
  RUN(test_cost_by_hand);
  RUN(test_channels);
  RUN(test_code);
  RUN(test_grid);
  RUN(test_exact_equals_brute);
  RUN(test_brute_visits_every_point);
  RUN(test_infeasible);
  return CHECK_DONE();
}
