/* The BCOS system model (bcos_system.c) against eqs. (1)-(6) worked out by
 * hand, the constraint check, the Table 1 sampler, and MCOS (bcos_opt.c) by
 * hand on two MDs.
 *
 * Hand case: W = 1e6 Hz, N0 = 1e-9 W, p_max = 1 W, T = 1 s, eps = 1e-27.
 *  MD0: B = 1e6, C = 100, f = 1e9, h = 3e-9 (SNR at 1 W = 3)
 *    r(1) = 1e6 log2 4 = 2e6 bit/s, t'(1) = 0.5 s, E_off = 0.5 J
 *    p(tau = 0.5) = (1/3)(2^2 - 1) = 1 W; p(1) = (1/3)(2 - 1) = 1/3 W, E(1) = 1/3 J
 *    E'(1) = (1/3)[(2 - 1) - ln2 * 2] = (1 - 2 ln2)/3
 *    local: 1e8 cycles, 0.1 s, 1e-27 * 1e6 * 100 * 1e18 = 0.1 J
 *  MD1: B = 2e6, C = 500, f = 5e8, h = 1e-9 (SNR at 1 W = 1)
 *    r(1) = 1e6, t'(1) = 2 s; local 1e9 cycles, 2 s > T (C2 violated), 0.25 J
 *  MCOS, T = 1: MD0 m = 0 (0.1 J); MD1 runs 5e8 cycles, m = 0.5, t = 1 s at
 *    1 W, E = 1 + 0.5 * 0.25 = 1.125 J; total 1.225 J, sum t = 1 (feasible).
 *  MCOS, T = 0.9: MD1 m = 0.55, t = 1.1 s > T (infeasible, kept),
 *    E = 1.1 + 0.45 * 0.25 = 1.2125; total 1.3125 J. */
#include "check.h"
#include "model/rng.h"
#include "policies/bcos/bcos_opt.h"
#include "policies/bcos/bcos_system.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

static bcos_params_t hand_params(void)
{
  return (bcos_params_t){.bandwidth_hz = 1e6, .p_max_w = 1.0, .noise_w = 1e-9, .slot_s = 1.0, .eps = 1e-27};
}

static void hand_mds(bcos_md_t *md)
{
  md[0] = (bcos_md_t){.bits = 1e6, .cycles_per_bit = 100, .f_local = 1e9, .gain = 3e-9, .beta = 1};
  md[1] = (bcos_md_t){.bits = 2e6, .cycles_per_bit = 500, .f_local = 5e8, .gain = 1e-9, .beta = 1};
}

static void test_table1(void)
{
  bcos_params_t p = bcos_params_table1();
  CHECK_REL(p.bandwidth_hz, 1e7, 1e-15);
  CHECK_REL(p.p_max_w, 0.19952623149688797, 1e-12); /* 23 dBm */
  CHECK_REL(p.noise_w, 1e-9, 1e-15);
  CHECK_REL(p.slot_s, 0.5, 1e-15);
  CHECK_REL(p.eps, 1e-28, 1e-15);
}

static void test_rate_energy_by_hand(void)
{
  bcos_params_t p = hand_params();
  bcos_md_t md[2];
  hand_mds(md);
  CHECK_REL(bcos_rate(&p, &md[0], 1.0), 2e6, 1e-12);
  CHECK_REL(bcos_offload_time(&p, &md[0], 1.0), 0.5, 1e-12);
  CHECK_REL(bcos_min_offload_time(&p, &md[0]), 0.5, 1e-12);
  CHECK_REL(bcos_min_offload_time(&p, &md[1]), 2.0, 1e-12);
  CHECK_REL(bcos_power_for_time(&p, &md[0], 0.5), 1.0, 1e-12);
  CHECK_REL(bcos_power_for_time(&p, &md[0], 1.0), 1.0 / 3, 1e-12);
  CHECK_REL(bcos_tx_energy(&p, &md[0], 1.0), 1.0 / 3, 1e-12);
  CHECK_REL(bcos_tx_energy(&p, &md[0], 0.5), 0.5, 1e-12);
  CHECK_REL(bcos_tx_energy_deriv(&p, &md[0], 1.0), (1 - 2 * M_LN2) / 3, 1e-12);
  /* the derivative against a central difference elsewhere */
  double h = 1e-6, x = 0.37;
  double fd = (bcos_tx_energy(&p, &md[1], x + h) - bcos_tx_energy(&p, &md[1], x - h)) / (2 * h);
  CHECK_REL(bcos_tx_energy_deriv(&p, &md[1], x), fd, 1e-6);
  /* p(tau) inverts t'(p) */
  CHECK_REL(bcos_offload_time(&p, &md[1], bcos_power_for_time(&p, &md[1], 0.8)), 0.8, 1e-12);
  /* degenerate inputs */
  CHECK(bcos_rate(&p, &md[0], 0) == 0);
  CHECK(isinf(bcos_offload_time(&p, &md[0], 0)));
  CHECK(isinf(bcos_power_for_time(&p, &md[0], 0)));
  bcos_md_t zero = md[0];
  zero.bits = 0;
  CHECK(bcos_offload_time(&p, &zero, 1.0) == 0);
  CHECK(bcos_tx_energy(&p, &zero, 0.1) == 0);
  /* local */
  CHECK_REL(bcos_local_time(&md[0]), 0.1, 1e-12);
  CHECK_REL(bcos_local_energy(&p, &md[0]), 0.1, 1e-12);
  CHECK_REL(bcos_local_time(&md[1]), 2.0, 1e-12);
  CHECK_REL(bcos_local_energy(&p, &md[1]), 0.25, 1e-12);
  CHECK(bcos_local_feasible(&p, &md[0]) == 1);
  CHECK(bcos_local_feasible(&p, &md[1]) == 0);
}

static void test_energy_convex_decreasing(void)
{
  bcos_params_t p = bcos_params_table1();
  bcos_md_t md = {.bits = 2e6, .cycles_per_bit = 300, .f_local = 1.5e9, .gain = 7e-7, .beta = 1};
  double prev = INFINITY, prev_d = -INFINITY;
  for (double tau = 0.02; tau <= 2.0; tau += 0.01) {
    double e = bcos_tx_energy(&p, &md, tau), d = bcos_tx_energy_deriv(&p, &md, tau);
    CHECK(e < prev);
    CHECK(d < 0 && d > prev_d);
    prev = e;
    prev_d = d;
  }
}

static void test_objective_and_check(void)
{
  bcos_params_t p = hand_params();
  bcos_md_t md[2];
  hand_mds(md);
  char buf[64];
  unsigned per[2];
  {
    int a[2] = {1, 1};
    double t[2] = {0.5, 0.5}, pw[2] = {1.0, 1.0};
    /* MD1 needs 2 s at 1 W: only 0.5 s given (C5) */
    CHECK_REL(bcos_objective(&p, md, 2, a, t, pw), 0.5 + 2.0, 1e-12);
    unsigned v = bcos_check(&p, md, 2, a, t, pw, 1e-9, per);
    CHECK(v == BCOS_VIOL_C5);
    CHECK(per[0] == 0 && per[1] == BCOS_VIOL_C5);
  }
  {
    int a[2] = {0, 1};
    double t[2] = {0, 2.0}, pw[2] = {0, 1.0};
    CHECK_REL(bcos_objective(&p, md, 2, a, t, pw), 0.1 + 2.0, 1e-12);
    unsigned v = bcos_check(&p, md, 2, a, t, pw, 1e-9, per);
    CHECK(v == BCOS_VIOL_C1); /* sum t = 2 > 1 */
    bcos_viol_str(v, buf, sizeof buf);
    CHECK(strcmp(buf, "C1") == 0);
  }
  {
    int a[2] = {1, 0};
    double t[2] = {1.0, 0}, pw[2] = {1.0 / 3, 0};
    /* MD0 at 1/3 W takes exactly 1 s: E = 1/3; MD1 local is too slow (C2) */
    CHECK_REL(bcos_objective(&p, md, 2, a, t, pw), 1.0 / 3 + 0.25, 1e-12);
    unsigned v = bcos_check(&p, md, 2, a, t, pw, 1e-9, per);
    CHECK(v == BCOS_VIOL_C2);
    CHECK(per[0] == 0 && per[1] == BCOS_VIOL_C2);
  }
  {
    int a[2] = {1, 2};
    double t[2] = {1.1, 0.2}, pw[2] = {1.5, 0};
    /* p > p_max (C3; t' at 1.5 W = 1 / log2 5.5 = 0.41 s fits); a = 2 (C4);
     * the offloaders' sum t = 1.1 > T (C1) */
    unsigned v = bcos_check(&p, md, 2, a, t, pw, 1e-9, per);
    CHECK(v == (BCOS_VIOL_C1 | BCOS_VIOL_C3 | BCOS_VIOL_C4));
    CHECK(per[0] == BCOS_VIOL_C3 && per[1] == BCOS_VIOL_C4);
    bcos_viol_str(v, buf, sizeof buf);
    CHECK(strcmp(buf, "C1 C3 C4") == 0);
  }
  {
    /* feasible: MD0 local (0.1 s), MD1 cannot fit (2 s at p_max): change T */
    bcos_params_t q = p;
    q.slot_s = 2.5;
    int a[2] = {0, 1};
    double t[2] = {0, 2.5}, pw[2] = {0, 1.0};
    CHECK(bcos_check(&q, md, 2, a, t, pw, 1e-9, NULL) == 0);
    /* a tolerance: t' = 2 vs t = 2 - 1e-12 passes at rtol 1e-9, not at 0 */
    t[1] = 2.0 - 1e-12;
    CHECK(bcos_check(&q, md, 2, a, t, pw, 1e-9, NULL) == 0);
    CHECK(bcos_check(&q, md, 2, a, t, pw, 0, NULL) == BCOS_VIOL_C5);
  }
}

static void test_mcos_by_hand(void)
{
  bcos_params_t p = hand_params();
  bcos_md_t md[2];
  hand_mds(md);
  double m[2], t[2], pw[2];
  bcos_mcos_result_t r;
  CHECK(bcos_mcos(&p, md, 2, m, t, pw, &r) == 0);
  CHECK(m[0] == 0 && t[0] == 0 && pw[0] == 0);
  CHECK_REL(m[1], 0.5, 1e-12);
  CHECK_REL(t[1], 1.0, 1e-12);
  CHECK(pw[1] == 1.0);
  CHECK_REL(r.energy, 1.225, 1e-12);
  CHECK_REL(r.sum_t, 1.0, 1e-12);
  CHECK(r.feasible == 1);
  p.slot_s = 0.9;
  CHECK(bcos_mcos(&p, md, 2, m, t, pw, &r) == 0);
  CHECK_REL(m[1], 0.55, 1e-12);
  CHECK_REL(t[1], 1.1, 1e-12);
  CHECK_REL(r.energy, 1.3125, 1e-12);
  CHECK(r.feasible == 0);
  md[1].beta = -1;
  CHECK(bcos_mcos(&p, md, 2, m, t, pw, &r) == -1);
}

static void test_sampler(void)
{
  gsl_rng *rng = mec_rng_new(11, MEC_STREAM_TRAINING, 5);
  enum { N = 4000 };
  static bcos_md_t md[N];
  bcos_sample_mds(rng, md, N);
  double mean_g = 0;
  int ok = 1;
  for (int i = 0; i < N; i++) {
    ok &= md[i].bits >= BCOS_BITS_MIN && md[i].bits <= BCOS_BITS_MAX;
    ok &= md[i].cycles_per_bit >= BCOS_CPB_MIN && md[i].cycles_per_bit <= BCOS_CPB_MAX;
    ok &= md[i].f_local >= BCOS_F_MIN && md[i].f_local <= BCOS_F_MAX;
    ok &= md[i].gain >= 0 && md[i].beta == 1.0;
    mean_g += md[i].gain / N;
  }
  CHECK(ok);
  /* Exp(1) x 1e-6: mean 1e-6, standard error 1e-6 / sqrt(N) = 1.6e-8 */
  CHECK_NEAR(mean_g, 1e-6, 6e-8);
  /* a new slot keeps C and f */
  bcos_md_t before = md[0];
  bcos_sample_slot(rng, md, 1);
  CHECK(md[0].cycles_per_bit == before.cycles_per_bit && md[0].f_local == before.f_local);
  CHECK(md[0].bits != before.bits && md[0].gain != before.gain);
  gsl_rng_free(rng);
}

int main(void)
{
  RUN(test_table1);
  RUN(test_rate_energy_by_hand);
  RUN(test_energy_convex_decreasing);
  RUN(test_objective_and_check);
  RUN(test_mcos_by_hand);
  RUN(test_sampler);
  return CHECK_DONE();
}
