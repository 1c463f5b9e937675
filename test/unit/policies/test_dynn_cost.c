/* The DyNN system model (dynn_cost.c) against values worked out by hand in
 * the comments: eq. (1) rate and transmission delay, eqs. (2)-(6), the
 * importance weight of eq. (19), the derivative of T_tra against a central
 * finite difference, the costs of eqs. (24)-(25), the reward of eq. (23),
 * a two-user slot evaluation (eq. 11a) field by field, and the edge cases
 * (no local CPU, zero-size task, zero deadline). Parameters are Table II's
 * (dynn_params_default). */
#include "check.h"
#include "policies/dynn/dynn_cost.h"

#include <gsl/gsl_rng.h>
#include <math.h>

/* The reference user: s = 1000 bit, c = 800 cycles/bit, d = 50 ms, l = 100 m,
 * f_loc = 0.1 GHz. */

/* The hand-computed values below use Table II's energy constant mu = 1e-20
 * (dynn_params_default() uses 1e-24: dynn_cost.h says why). */
static dynn_params_t table2(void)
{
  dynn_params_t p = dynn_params_default();
  p.mu = 1e-20;
  return p;
}

static dynn_user_t ref_user(void)
{
  return (dynn_user_t){.s = 1000, .c = 800, .d = 0.05, .l = 100, .f_loc = 0.1e9};
}

/* eq. (1) for l = 100 m, b = 50 kHz:
 *   g       = g0 (l0/l)^h = 1e-4 * 100^-2.8 = 10^-4 * 10^-5.6 = 10^-9.6 = 2.5118864e-10
 *   sigma0  = -174 dBm/Hz = 10^-17.4 mW/Hz = 10^-20.4 W/Hz = 3.9810717e-21 W/Hz
 *   SNR     = p g / (b sigma0) = 0.1 * 10^-9.6 / (5e4 * 10^-20.4) = 10^9.8 / 5e4
 *           = 6.3095734e9 / 5e4 = 126191.469
 *   log2(1 + SNR) = ln(126192.469) / ln 2 = 11.745569 / 0.693147 = 16.945266
 *   r       = 5e4 * 16.945266 = 847263.3 bit/s
 *   T_tra   = 1000 / 847263.3 = 1.1802706 ms,  E_edge = 0.1 W * T_tra = 0.11802706 mJ */
static void test_rate_eq1(void)
{
  dynn_params_t p = table2();
  dynn_user_t u = ref_user();
  CHECK_REL(p.n0, pow(10.0, -20.4), 1e-12);
  CHECK_REL(dynn_rate(&p, &u, 5e4), 5e4 * log2(1.0 + pow(10.0, 9.8) / 5e4), 1e-12);
  CHECK_REL(dynn_rate(&p, &u, 5e4), 847263.3144, 1e-9);
  CHECK_REL(dynn_t_tra(&p, &u, 5e4), 1.1802706230802e-3, 1e-9);
  CHECK_REL(dynn_e_edge(&p, &u, 5e4), 0.11802706230802e-3, 1e-9);
  /* the rate grows with bandwidth and falls with distance */
  CHECK(dynn_rate(&p, &u, 1e5) > dynn_rate(&p, &u, 5e4));
  dynn_user_t far = u;
  far.l = 400;
  CHECK(dynn_rate(&p, &far, 5e4) < dynn_rate(&p, &u, 5e4));
  /* no bandwidth: no rate, infinite delay */
  CHECK_NEAR(dynn_rate(&p, &u, 0), 0, 0);
  CHECK(isinf(dynn_t_tra(&p, &u, 0)) && dynn_t_tra(&p, &u, 0) > 0);
}

/* eq. (2): T_com = c s / f = 800 * 1000 / 1e9 = 0.8 ms; eq. (4): T_loc = 8e5 /
 * 1e8 = 8 ms; eq. (6): E_loc = mu c s f_loc^2 = 1e-20 * 8e5 * 1e16 = 80 J. */
static void test_compute_delay_energy(void)
{
  dynn_params_t p = table2();
  dynn_user_t u = ref_user();
  CHECK_REL(dynn_t_com(&u, 1e9), 0.8e-3, 1e-12);
  CHECK_REL(dynn_t_com(&u, 2.5e9), 0.32e-3, 1e-12);
  CHECK_REL(dynn_t_loc(&u), 8e-3, 1e-12);
  CHECK_REL(dynn_e_loc(&p, &u), 80.0, 1e-12);
  CHECK(isinf(dynn_t_com(&u, 0)));
}

/* eq. (19): c^v = 800 / 1595, s^v = 1000 / 2000 = 0.5, d = 0.05 s:
 * w = 60 * (800/1595) * 0.5 / 0.05 = 600 * 800 / 1595 = 300.94044.
 * A deadline under d_floor (1 ms) is raised to it: d = 0 gives
 * 60 * (800/1595) * 0.5 / 1e-3 = 15047.02. */
static void test_weight_eq19(void)
{
  dynn_params_t p = table2();
  dynn_user_t u = ref_user();
  CHECK_REL(dynn_weight(&p, &u), 300.94043887147, 1e-10);
  u.d = 0;
  CHECK_REL(dynn_weight(&p, &u), 15047.021943573668, 1e-10);
  u.d = 2e-3; /* above the floor: used as is */
  CHECK_REL(dynn_weight(&p, &u), 7523.510971786834, 1e-10);
  /* features (eq. 7 normalised): s/2000, c/1595, d/0.16, (l-5)/495, f_loc/0.15e9 */
  double ft[DYNN_N_FEATURES];
  u = ref_user();
  dynn_features(&p, &u, ft);
  CHECK_REL(ft[0], 0.5, 1e-12);
  CHECK_REL(ft[1], 800.0 / 1595.0, 1e-12);
  CHECK_REL(ft[2], 0.05 / 0.16, 1e-12);
  CHECK_REL(ft[3], 95.0 / 495.0, 1e-12);
  CHECK_REL(ft[4], 2.0 / 3.0, 1e-12);
}

/* d T_tra / d b against a central difference with step 1e-4 b (truncation
 * error ~1e-8 relative, rounding ~1e-12), at several bandwidths and distances. */
static void test_t_tra_derivative(void)
{
  dynn_params_t p = table2();
  dynn_user_t u = ref_user();
  const double bs[] = {1e3, 1.7e4, 5e4, 2.5e5, 5e5};
  const double ls[] = {5, 100, 500};
  for (size_t j = 0; j < sizeof ls / sizeof *ls; j++)
    for (size_t i = 0; i < sizeof bs / sizeof *bs; i++) {
      u.l = ls[j];
      double b = bs[i], h = 1e-4 * b;
      double fd = (dynn_t_tra(&p, &u, b + h) - dynn_t_tra(&p, &u, b - h)) / (2 * h);
      double an = dynn_t_tra_db(&p, &u, b);
      CHECK(an < 0);
      CHECK_REL(an, fd, 1e-6);
    }
  u = ref_user();
  u.s = 0;
  CHECK_NEAR(dynn_t_tra_db(&p, &u, 5e4), 0, 0);
  u = ref_user();
  CHECK(isinf(dynn_t_tra_db(&p, &u, 0)) && dynn_t_tra_db(&p, &u, 0) < 0);
}

/* eq. (9): 5.126e6 MACs (Table I) at lambda 1 on 2.5 GHz = 2.0504 ms.
 * eq. (24) with T_infer,l = 1 ms: alpha w (1e-3 + 8e-3) + beta E_loc
 *   = 300.94044 * 9e-3 + 0.1 * 80 = 2.7084639 + 8 = 10.7084639.
 * eq. (25), b = 50 kHz, f = 1 GHz, T_infer,e = 2 ms:
 *   alpha w (2e-3 + 1.1802706e-3 + 0.8e-3) + beta * 0.1 * 1.1802706e-3
 *   = 300.94044 * 3.9802706e-3 + 1.1802706e-5 = 1.1978244 + 0.0000118 = 1.1978362. */
static void test_costs_eq24_25(void)
{
  dynn_params_t p = table2();
  dynn_user_t u = ref_user();
  CHECK_REL(dynn_infer_s(&p, 5.126e6), 2.0504e-3, 1e-12);
  double w = 600.0 * 800.0 / 1595.0, ttra = 1.1802706230802e-3;
  CHECK_REL(dynn_cost_loc(&p, &u, 1e-3), w * 9e-3 + 8.0, 1e-10);
  CHECK_REL(dynn_cost_loc(&p, &u, 1e-3), 10.7084639498, 1e-10);
  CHECK_REL(dynn_cost_edge(&p, &u, 5e4, 1e9, 2e-3), w * (2e-3 + ttra + 0.8e-3) + 0.1 * 0.1 * ttra, 1e-9);
  CHECK_REL(dynn_cost_edge(&p, &u, 5e4, 1e9, 2e-3), 1.1978361908, 1e-9);
}

/* eq. (23): R = (C_other - C_taken) p_taken. */
static void test_reward_eq23(void)
{
  /* offloading is cheaper (C_loc 3, C_edge 2) */
  CHECK_NEAR(dynn_reward(3, 2, 1, 0.7), 0.7, 1e-15);   /* offloaded: (3 - 2) 0.7 > 0 */
  CHECK_NEAR(dynn_reward(3, 2, 0, 0.3), -0.3, 1e-15);  /* kept local: (2 - 3) 0.3 < 0 */
  /* local is cheaper (C_loc 1, C_edge 2.5) */
  CHECK_NEAR(dynn_reward(1, 2.5, 0, 0.4), 0.6, 1e-15);  /* (2.5 - 1) 0.4 */
  CHECK_NEAR(dynn_reward(1, 2.5, 1, 0.6), -0.9, 1e-15); /* (1 - 2.5) 0.6 */
  CHECK_NEAR(dynn_reward(2, 2, 1, 0.9), 0, 0);          /* a tie */
}

/* Two users, t_infer_l = 0.1 ms, t_infer_e = 0.2 ms:
 *  user 0 local (the reference user, d = 5 ms): T = 0.1e-3 + 8e-3 = 8.1 ms > d: a miss;
 *    E = 80 J; objective part 8.1e-3 + 0.1 * 80 + 1 = 9.0081.
 *  user 1 offloaded (the reference user, d = 10 ms, b = 50 kHz, f = 1 GHz):
 *    T = 0.2e-3 + 1.1802706e-3 + 0.8e-3 = 2.1802706 ms <= d; E = 0.11802706 mJ;
 *    objective part 2.1802706e-3 + 0.1 * 0.11802706e-3 = 2.1920733e-3;
 *    w = 600 * 800 / 1595 * (0.05 / 0.01) = 1504.7022;
 *    w T_tra = 1.7759558, w T_com = 1.2037618.
 *  objective 9.0081 + 0.0021920733 = 9.0102920733; delay sum 10.2802706 ms;
 *  energy sum 80.00011802706 J; one miss. */
static void test_eval_slot_two_users(void)
{
  dynn_params_t p = table2();
  dynn_user_t u[2] = {ref_user(), ref_user()};
  u[0].d = 5e-3;
  u[1].d = 10e-3;
  int x[2] = {0, 1};
  double b[2] = {123.0, 5e4}, f[2] = {456.0, 1e9}; /* a local user's b, f are ignored */
  double delay[2], energy[2];
  int missed[2];
  dynn_slot_eval_t ev = dynn_eval_slot(&p, u, 2, x, b, f, 1e-4, 2e-4, delay, energy, missed);
  double ttra = 1.1802706230802e-3, w1 = 600.0 * 800.0 / 1595.0 * 5.0;
  CHECK_REL(delay[0], 8.1e-3, 1e-12);
  CHECK_REL(delay[1], 2e-4 + ttra + 0.8e-3, 1e-9);
  CHECK_REL(energy[0], 80.0, 1e-12);
  CHECK_REL(energy[1], 0.1 * ttra, 1e-9);
  CHECK(missed[0] == 1 && missed[1] == 0);
  CHECK_REL(ev.objective, 8.1e-3 + 8.0 + 1.0 + (2e-4 + ttra + 0.8e-3) + 0.1 * 0.1 * ttra, 1e-10);
  CHECK_REL(ev.objective, 9.0102920733, 1e-10);
  CHECK_REL(ev.delay_sum, 10.2802706231e-3, 1e-9);
  CHECK_REL(ev.energy_sum, 80.00011802706, 1e-12);
  CHECK(ev.misses == 1);
  CHECK_REL(ev.wdelay_tra, w1 * ttra, 1e-9);
  CHECK_REL(ev.wdelay_tra, 1.7759557965, 1e-9);
  CHECK_REL(ev.wdelay_com, w1 * 0.8e-3, 1e-12);
  CHECK_REL(ev.wdelay_com, 1.20376175549, 1e-10);
  /* NULL per-user outputs give the same totals */
  dynn_slot_eval_t ev2 = dynn_eval_slot(&p, u, 2, x, b, f, 1e-4, 2e-4, NULL, NULL, NULL);
  CHECK_NEAR(ev2.objective, ev.objective, 0);
  /* the weights of eq. (11a) apply as documented: alpha 2, beta 0, delta 5 */
  p.alpha = 2, p.beta = 0, p.delta = 5;
  ev2 = dynn_eval_slot(&p, u, 2, x, b, f, 1e-4, 2e-4, NULL, NULL, NULL);
  CHECK_REL(ev2.objective, 2 * (8.1e-3 + 2e-4 + ttra + 0.8e-3) + 5, 1e-10);
}

/* A user without local CPU: T_loc = E_loc = +inf, so keeping its task local
 * costs +inf; a zero-size task takes no time and no energy anywhere. */
static void test_edge_cases(void)
{
  dynn_params_t p = table2();
  dynn_user_t u = ref_user();
  u.f_loc = 0;
  CHECK(isinf(dynn_t_loc(&u)) && dynn_t_loc(&u) > 0);
  CHECK(isinf(dynn_e_loc(&p, &u)) && dynn_e_loc(&p, &u) > 0);
  int x0 = 0, x1 = 1;
  double b = 5e4, f = 1e9;
  dynn_slot_eval_t ev = dynn_eval_slot(&p, &u, 1, &x0, &b, &f, 0, 0, NULL, NULL, NULL);
  CHECK(isinf(ev.objective) && ev.misses == 1);

  dynn_user_t z = ref_user();
  z.s = 0;
  CHECK_NEAR(dynn_t_tra(&p, &z, 5e4), 0, 0);
  CHECK_NEAR(dynn_t_tra(&p, &z, 0), 0, 0);
  CHECK_NEAR(dynn_t_com(&z, 0), 0, 0);
  CHECK_NEAR(dynn_t_loc(&z), 0, 0);
  CHECK_NEAR(dynn_e_loc(&p, &z), 0, 0);
  CHECK_NEAR(dynn_e_edge(&p, &z, 5e4), 0, 0);
  z.f_loc = 0; /* even without a local CPU */
  CHECK_NEAR(dynn_t_loc(&z), 0, 0);
  CHECK_NEAR(dynn_e_loc(&p, &z), 0, 0);
  double zb = 0, zf = 0;
  z.d = 0;
  ev = dynn_eval_slot(&p, &z, 1, &x1, &zb, &zf, 0, 0, NULL, NULL, NULL);
  CHECK_NEAR(ev.objective, 0, 0); /* T = 0 is not > d = 0 */
  CHECK(ev.misses == 0);
  ev = dynn_eval_slot(&p, &z, 1, &x0, &zb, &zf, 0, 0, NULL, NULL, NULL);
  CHECK_NEAR(ev.objective, 0, 0);
}

/* Section V's sampling: every user inside its ranges, reproducible. */
static void test_sampling(void)
{
  dynn_params_t p = table2();
  gsl_rng *r1 = gsl_rng_alloc(gsl_rng_mt19937), *r2 = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r1, 5);
  gsl_rng_set(r2, 5);
  dynn_user_t a[50], b[50];
  dynn_sample_users(&p, r1, 50, a);
  dynn_sample_users(&p, r2, 50, b);
  int in = 1, same = 1;
  for (int i = 0; i < 50; i++) {
    in &= a[i].s >= 0 && a[i].s <= 2000 && a[i].c >= 0 && a[i].c <= 1595 && a[i].d >= 0 && a[i].d <= 0.16 &&
          a[i].l >= 5 && a[i].l <= 500 && a[i].f_loc >= 0.01e9 && a[i].f_loc <= 0.15e9;
    same &= a[i].s == b[i].s && a[i].c == b[i].c && a[i].d == b[i].d && a[i].l == b[i].l && a[i].f_loc == b[i].f_loc;
  }
  CHECK(in);
  CHECK(same);
  gsl_rng_free(r1);
  gsl_rng_free(r2);
}

int main(void)
{
  RUN(test_rate_eq1);
  RUN(test_compute_delay_energy);
  RUN(test_weight_eq19);
  RUN(test_t_tra_derivative);
  RUN(test_costs_eq24_25);
  RUN(test_reward_eq23);
  RUN(test_eval_slot_two_users);
  RUN(test_edge_cases);
  RUN(test_sampling);
  return CHECK_DONE();
}
