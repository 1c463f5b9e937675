/* The exact optimum of P1 (bcos_opt.c) against brute force on a grid for K
 * = 2 and 3: for every binary a, a grid of upload windows tau_k in
 * [tau_min,k, T] with the cheapest power for each window p_k = p(tau_k)
 * (checked below to be the cheapest power meeting C5: p t'(p) grows with p)
 * and sum tau <= T. The optimum must be feasible (bcos_check), no worse than
 * any feasible grid point, and close to the best one. Also: the certified
 * tolerance (energy - dual bound <= 1e-9 energy) and a 1-D golden-section
 * reference for two offloaders, infeasible instances, K limits; and the
 * policies bcos-opt and mcos on a hand-built system. */
#include "check.h"
#include "model/rng.h"
#include "policies/bcos/bcos_opt.h"
#include "policies/policy.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

/* Best feasible grid energy (INFINITY if none) and whether opt_e <= every
 * feasible grid point's energy (relative slack 1e-9). */
static double grid_best(const bcos_params_t *p, const bcos_md_t *md, size_t n, int g, double opt_e, int *opt_le_all)
{
  double best = INFINITY;
  *opt_le_all = 1;
  for (uint32_t mask = 0; mask < (1u << n); mask++) {
    int a[3];
    double loc = 0, tmin[3];
    int ok = 1;
    for (size_t k = 0; k < n; k++) {
      a[k] = (int)((mask >> k) & 1u);
      if (!a[k]) {
        ok &= bcos_local_feasible(p, &md[k]);
        loc += md[k].beta * bcos_local_energy(p, &md[k]);
      } else {
        tmin[k] = bcos_min_offload_time(p, &md[k]);
      }
    }
    if (!ok)
      continue;
    int idx[3] = {0, 0, 0};
    for (;;) {
      double t[3] = {0, 0, 0}, pw[3] = {0, 0, 0}, sum = 0;
      for (size_t k = 0; k < n; k++)
        if (a[k]) {
          t[k] = tmin[k] + (p->slot_s - tmin[k]) * idx[k] / (g - 1);
          pw[k] = fmin(bcos_power_for_time(p, &md[k], t[k]), p->p_max_w);
          sum += t[k];
        }
      if (sum <= p->slot_s && bcos_check(p, md, n, a, t, pw, 1e-12, NULL) == 0) {
        double e = bcos_objective(p, md, n, a, t, pw);
        if (e < best)
          best = e;
        if (opt_e > e * (1 + 1e-9))
          *opt_le_all = 0;
      }
      size_t k = 0;
      for (; k < n; k++) {
        if (!a[k])
          continue;
        if (++idx[k] < g)
          break;
        idx[k] = 0;
      }
      if (k == n)
        break;
    }
    (void)loc;
  }
  return best;
}

static void check_instance(const bcos_params_t *p, const bcos_md_t *md, size_t n, int g, double rtol_grid,
                           int *n_feasible, int *n_mixed)
{
  int a[3];
  double t[3], pw[3];
  bcos_opt_result_t r;
  CHECK(bcos_opt_solve(p, md, n, a, t, pw, &r) == 0);
  int le_all;
  double best = grid_best(p, md, n, g, r.energy, &le_all);
  if (!isfinite(best)) {
    /* the grid holds every a's tau_min point, so no feasible grid point
     * means no feasible a: the optimum must agree */
    CHECK(r.feasible == 0);
    return;
  }
  (*n_feasible)++;
  int off = 0;
  for (size_t k = 0; k < n; k++)
    off += a[k];
  if (off > 0 && off < (int)n)
    (*n_mixed)++;
  CHECK(r.feasible == 1);
  CHECK(bcos_check(p, md, n, a, t, pw, 1e-9, NULL) == 0);
  CHECK_REL(r.energy, bcos_objective(p, md, n, a, t, pw), 1e-12);
  CHECK(le_all);
  CHECK(r.energy <= best * (1 + 1e-9));
  CHECK(best - r.energy <= rtol_grid * r.energy);
  CHECK(r.energy - r.lower_bound <= BCOS_OPT_RTOL * r.energy);
  CHECK(r.evals > 0 && r.combos >= 1);
}

/* Random instances with K = 2 and 3. With Table 1's ranges offloading is
 * far cheaper than computing (about 1e-4 J against 0.1 J) and fits the slot,
 * so every optimum offloads all; "stressed" instances (channels 100 times
 * weaker, 10 times fewer cycles per bit, so local execution fits the slot
 * and the uploads compete for it) give mixed optima, and "overloaded" ones
 * infeasible slots. */
static void stress(bcos_md_t *md, size_t n)
{
  for (size_t k = 0; k < n; k++) {
    md[k].gain *= 1e-2;
    md[k].cycles_per_bit *= 0.1;
  }
}

/* "Overloaded" instances: channels 1000 times weaker at Table 1's cycles, so
 * that uploads take most of a slot and slow MDs cannot compute locally:
 * some slots have no feasible decision. */
static void overload(bcos_md_t *md, size_t n)
{
  for (size_t k = 0; k < n; k++)
    md[k].gain *= 1e-3;
}

static void test_opt_equals_grid(void)
{
  gsl_rng *rng = mec_rng_new(5, MEC_STREAM_TRAINING, 1);
  int feas = 0, mixed = 0, total = 0;
  for (int it = 0; it < 24; it++) {
    bcos_params_t p = bcos_params_table1();
    p.slot_s = 0.1 + 0.5 * gsl_rng_uniform(rng);
    bcos_md_t md[2];
    bcos_sample_mds(rng, md, 2);
    if (it % 3 == 1)
      stress(md, 2);
    else if (it % 3 == 2)
      overload(md, 2);
    check_instance(&p, md, 2, 500, 2e-3, &feas, &mixed);
    total++;
  }
  for (int it = 0; it < 9; it++) {
    bcos_params_t p = bcos_params_table1();
    p.slot_s = 0.15 + 0.5 * gsl_rng_uniform(rng);
    bcos_md_t md[3];
    bcos_sample_mds(rng, md, 3);
    if (it % 3 == 1)
      stress(md, 3);
    else if (it % 3 == 2)
      overload(md, 3);
    check_instance(&p, md, 3, 90, 2e-2, &feas, &mixed);
    total++;
  }
  /* the instances must exercise the interesting cases */
  printf("grid instances: %d, feasible %d, mixed optima %d\n", total, feas, mixed);
  CHECK(feas >= total / 2);
  CHECK(feas < total); /* some infeasible slot detected as such */
  CHECK(mixed >= 3);
  gsl_rng_free(rng);
}

/* E = p t'(p) increases with p, so the cheapest power for a window tau is
 * the smallest meeting C5, p(tau): the grid over tau covers the grid over p. */
static void test_energy_increasing_in_power(void)
{
  bcos_params_t p = bcos_params_table1();
  bcos_md_t md = {.bits = 1.5e6, .cycles_per_bit = 300, .f_local = 1.5e9, .gain = 4e-7, .beta = 1};
  double prev = 0;
  int ok = 1;
  for (double pw = 1e-4; pw <= p.p_max_w; pw += 1e-4) {
    double e = pw * bcos_offload_time(&p, &md, pw);
    ok &= e > prev;
    prev = e;
  }
  CHECK(ok);
}

/* Two offloaders, both forced to offload (local too slow): the optimum's
 * energy against a golden-section search of E1(tau) + E2(T - tau), and the
 * KKT condition beta1 E1' = beta2 E2' at the optimum. */
static void test_two_offloaders_reference(void)
{
  bcos_params_t p = bcos_params_table1();
  p.slot_s = 0.3;
  bcos_md_t md[2] = {
      {.bits = 2.4e6, .cycles_per_bit = 400, .f_local = 1e9, .gain = 8e-7, .beta = 1},
      {.bits = 2.0e6, .cycles_per_bit = 380, .f_local = 1.2e9, .gain = 2e-6, .beta = 2},
  };
  CHECK(!bcos_local_feasible(&p, &md[0]) && !bcos_local_feasible(&p, &md[1]));
  int a[2];
  double t[2], pw[2];
  bcos_opt_result_t r;
  CHECK(bcos_opt_solve(&p, md, 2, a, t, pw, &r) == 0);
  CHECK(r.feasible == 1 && a[0] == 1 && a[1] == 1);
  double lo = bcos_min_offload_time(&p, &md[0]), hi = p.slot_s - bcos_min_offload_time(&p, &md[1]);
  const double gr = (sqrt(5.0) - 1) / 2;
  for (int i = 0; i < 200; i++) {
    double x1 = hi - gr * (hi - lo), x2 = lo + gr * (hi - lo);
    double f1 = bcos_tx_energy(&p, &md[0], x1) + 2 * bcos_tx_energy(&p, &md[1], p.slot_s - x1);
    double f2 = bcos_tx_energy(&p, &md[0], x2) + 2 * bcos_tx_energy(&p, &md[1], p.slot_s - x2);
    if (f1 < f2)
      hi = x2;
    else
      lo = x1;
  }
  double x = 0.5 * (lo + hi);
  double ref = bcos_tx_energy(&p, &md[0], x) + 2 * bcos_tx_energy(&p, &md[1], p.slot_s - x);
  CHECK(r.energy >= ref * (1 - 1e-12));
  CHECK(r.energy - ref <= BCOS_OPT_RTOL * ref);
  CHECK_NEAR(t[0] + t[1], p.slot_s, 1e-6 * p.slot_s);
  CHECK_REL(bcos_tx_energy_deriv(&p, &md[0], t[0]), 2 * bcos_tx_energy_deriv(&p, &md[1], t[1]), 1e-3);
  CHECK(pw[0] <= p.p_max_w && pw[1] <= p.p_max_w);
}

/* One offloader and one local: the upload takes the whole slot. */
static void test_single_offloader_takes_slot(void)
{
  bcos_params_t p = bcos_params_table1();
  bcos_md_t md[2] = {
      {.bits = 2e6, .cycles_per_bit = 400, .f_local = 1e9, .gain = 1e-6, .beta = 1}, /* local: 0.8 s > T */
      {.bits = 1e6, .cycles_per_bit = 200, .f_local = 1e9, .gain = 1e-12, .beta = 1}, /* hopeless channel */
  };
  int a[2];
  double t[2], pw[2];
  bcos_opt_result_t r;
  CHECK(bcos_opt_solve(&p, md, 2, a, t, pw, &r) == 0);
  CHECK(r.feasible == 1);
  CHECK(a[0] == 1 && a[1] == 0);
  CHECK_REL(t[0], p.slot_s, 1e-7); /* the tolerance is on the energy */
  CHECK_REL(r.energy, bcos_tx_energy(&p, &md[0], p.slot_s) + bcos_local_energy(&p, &md[1]), 1e-9);
  CHECK(t[1] == 0 && pw[1] == 0);
}

/* Infeasible: both MDs too slow locally and both uploads at p_max exceed T.
 * The fallback offloads exactly the MDs that cannot compute locally. */
static void test_infeasible(void)
{
  bcos_params_t p = bcos_params_table1();
  bcos_md_t md[3] = {
      {.bits = 2.4e6, .cycles_per_bit = 400, .f_local = 1e9, .gain = 4e-9, .beta = 1},
      {.bits = 2.4e6, .cycles_per_bit = 400, .f_local = 1e9, .gain = 4e-9, .beta = 1},
      {.bits = 8e5, .cycles_per_bit = 200, .f_local = 2e9, .gain = 1e-6, .beta = 1},
  };
  double tm = bcos_min_offload_time(&p, &md[0]);
  CHECK(2 * tm > p.slot_s && tm < p.slot_s);
  int a[3];
  double t[3], pw[3];
  bcos_opt_result_t r;
  CHECK(bcos_opt_solve(&p, md, 3, a, t, pw, &r) == 0);
  CHECK(r.feasible == 0);
  CHECK(a[0] == 1 && a[1] == 1 && a[2] == 0);
  CHECK_REL(t[0], tm, 1e-12);
  CHECK(pw[0] == p.p_max_w && pw[2] == 0);
  CHECK((bcos_check(&p, md, 3, a, t, pw, 1e-9, NULL) & BCOS_VIOL_C1) != 0);
  /* allocation alone: the same a is infeasible */
  double e, lb;
  CHECK(bcos_opt_allocate(&p, md, 3, a, t, pw, &e, &lb, NULL) == 0);
  /* a zero gain cannot upload */
  md[0].gain = 0;
  int a1[3] = {1, 0, 0};
  CHECK(bcos_opt_allocate(&p, md, 3, a1, t, pw, &e, &lb, NULL) == 0);
}

/* The tolerance is a certificate: on random K = 6 instances the returned
 * energy is within BCOS_OPT_RTOL of the dual bound, and re-solving the
 * returned a's allocation gives the same energy. */
static void test_tolerance(void)
{
  gsl_rng *rng = mec_rng_new(9, MEC_STREAM_TRAINING, 3);
  for (int it = 0; it < 10; it++) {
    bcos_params_t p = bcos_params_table1();
    bcos_md_t md[6];
    bcos_sample_mds(rng, md, 6);
    int a[6];
    double t[6], pw[6];
    bcos_opt_result_t r;
    CHECK(bcos_opt_solve(&p, md, 6, a, t, pw, &r) == 0);
    if (!r.feasible)
      continue;
    CHECK(r.energy - r.lower_bound <= BCOS_OPT_RTOL * r.energy);
    CHECK(r.lower_bound <= r.energy);
    CHECK(bcos_check(&p, md, 6, a, t, pw, 1e-9, NULL) == 0);
    double t2[6], pw2[6], e, lb;
    CHECK(bcos_opt_allocate(&p, md, 6, a, t2, pw2, &e, &lb, NULL) == 1);
    double loc = 0;
    for (int k = 0; k < 6; k++)
      if (!a[k])
        loc += bcos_local_energy(&p, &md[k]);
    CHECK_REL(e + loc, r.energy, 1e-9);
  }
  gsl_rng_free(rng);
}

static void test_limits(void)
{
  bcos_params_t p = bcos_params_table1();
  bcos_md_t md[17];
  gsl_rng *rng = mec_rng_new(1, MEC_STREAM_TRAINING, 4);
  bcos_sample_mds(rng, md, 17);
  gsl_rng_free(rng);
  int a[17];
  double t[17], pw[17];
  bcos_opt_result_t r;
  CHECK(bcos_opt_solve(&p, md, 17, a, t, pw, &r) == -1);
  CHECK(strstr(mec_policy_error(), "1..16") != NULL);
  CHECK(bcos_opt_solve(&p, md, 0, a, t, pw, &r) == -1);
  md[1].bits = -1;
  CHECK(bcos_opt_solve(&p, md, 3, a, t, pw, &r) == -1);
  CHECK(strstr(mec_policy_error(), "MD 1") != NULL);
  md[1].bits = 1e6;
  p.slot_s = 0;
  CHECK(bcos_opt_solve(&p, md, 3, a, t, pw, &r) == -1);
}

/* The policies (policy_bcos.c) on a hand-built system of 3 MDs: the mapping
 * to the paper's model (decisions equal bcos_opt_solve / bcos_mcos on T -
 * guard), the TDMA frame (offsets = the previous windows in batch order),
 * and the refusals. */
typedef struct world3 {
  mec_md_info_t md[17];
  mec_server_info_t srv;
  mec_system_t sys;
  mec_task_t task[3];
} world3_t;

static void world3_init(world3_t *w)
{
  memset(w, 0, sizeof *w);
  const double f[3] = {1.2e9, 1.9e9, 1.0e9}, g[3] = {1.3e-6, 4e-7, 2e-6};
  for (int i = 0; i < 17; i++)
    w->md[i] = (mec_md_info_t){.cpu_hz = f[i % 3], .tx_power_w = 0.1995, .kappa = 1e-28, .gain = g[i % 3]};
  w->srv = (mec_server_info_t){.cpu_hz = 1e13, .cores = 3, .hops = 1, .fiber_bps = 1e11};
  w->sys = (mec_system_t){.n_md = 3, .n_servers = 1, .md = w->md, .server = &w->srv, .slot_s = 0.5,
                          .bandwidth_hz = 1e7, .noise_w_per_hz = 1e-16, .decider_hz = 1e12};
  const double bits[3] = {2.2e6, 1.1e6, 1.8e6}, cpb[3] = {350, 210, 390};
  for (int i = 0; i < 3; i++)
    w->task[i] = (mec_task_t){.id = (uint64_t)i, .md = i, .dnn = -1, .input_bits = bits[i],
                              .cycles = cpb[i] * bits[i], .deadline = 0.5};
}

static void world3_paper(const world3_t *w, double guard, bcos_params_t *p, bcos_md_t *md)
{
  *p = (bcos_params_t){.bandwidth_hz = 1e7, .p_max_w = 0.1995, .noise_w = 1e-9, .slot_s = 0.5 - guard, .eps = 1e-28};
  for (int i = 0; i < 3; i++)
    md[i] = (bcos_md_t){.bits = w->task[i].input_bits, .cycles_per_bit = w->task[i].cycles / w->task[i].input_bits,
                        .f_local = w->md[i].cpu_hz, .gain = w->md[i].gain, .beta = 1};
}

static int run_policy(const char *name, const char *args, const mec_system_t *sys, const mec_task_t *task,
                      size_t n, mec_decision_t *out, mec_cost_t *cost)
{
  const mec_policy_ops_t *ops = mec_policy_find(name);
  if (!ops)
    return -9;
  void *st = NULL;
  mec_policy_cfg_t cfg = {.seed = 1, .args = args, .model_in = NULL};
  if (ops->init(&st, &cfg, sys) != 0)
    return -2;
  for (size_t i = 0; i < n; i++)
    out[i] = mec_decision_default();
  memset(cost, 0, sizeof *cost);
  mec_batch_t b = {n, task};
  int rc = ops->decide(st, sys, &b, out, cost);
  if (ops->destroy)
    ops->destroy(st);
  return rc;
}

static void test_policy_bcos_opt(void)
{
  world3_t w;
  world3_init(&w);
  /* a weak channel for MD 1 and a short slot: a mixed decision */
  w.md[1].gain = 5e-10; /* 0.8 s to upload at p_max: MD 1 must compute */
  bcos_params_t p;
  bcos_md_t md[3];
  world3_paper(&w, 0.01, &p, md);
  int a[3];
  double t[3], pw[3];
  bcos_opt_result_t r;
  CHECK(bcos_opt_solve(&p, md, 3, a, t, pw, &r) == 0 && r.feasible);
  mec_decision_t out[3];
  mec_cost_t cost;
  CHECK(run_policy("bcos-opt", "guard=0.01", &w.sys, w.task, 3, out, &cost) == 0);
  double off = 0;
  int n_off = 0;
  for (int i = 0; i < 3; i++) {
    CHECK(out[i].target == a[i]);
    if (a[i]) {
      n_off++;
      CHECK_REL(out[i].tx_window, t[i], 1e-12);
      CHECK_REL(out[i].tx_power_w, pw[i], 1e-12);
      CHECK_NEAR(out[i].tx_offset, off, 1e-15);
      CHECK(out[i].offload_frac <= 0);
      off += t[i];
    } else {
      CHECK(out[i].tx_window <= 0 && out[i].tx_offset < 0);
    }
  }
  CHECK(n_off >= 1 && n_off < 3);
  CHECK(off <= 0.49 * (1 + 1e-9));
  CHECK_REL(cost.flops, r.evals * BCOS_OPT_FLOPS_PER_EVAL, 1e-12);
  CHECK(cost.iterations == r.combos);
  /* pmax= replaces the MDs' power */
  CHECK(run_policy("bcos-opt", "pmax=0.05", &w.sys, w.task, 3, out, &cost) == 0);
  for (int i = 0; i < 3; i++)
    CHECK(out[i].target == 0 || out[i].tx_power_w <= 0.05 * (1 + 1e-12));
}

static void test_policy_mcos(void)
{
  world3_t w;
  world3_init(&w);
  bcos_params_t p;
  bcos_md_t md[3];
  world3_paper(&w, 0, &p, md);
  double m[3], t[3], pw[3];
  bcos_mcos_result_t r;
  CHECK(bcos_mcos(&p, md, 3, m, t, pw, &r) == 0);
  /* MD 0: 7.7e8 cycles at 1.2 GHz (0.64 s) and MD 2: 7.0e8 at 1 GHz
   * (0.70 s) do not fit; MD 1 (0.12 s) does */
  CHECK(m[0] > 0 && m[1] == 0 && m[2] > 0);
  mec_decision_t out[3];
  mec_cost_t cost;
  CHECK(run_policy("mcos", "", &w.sys, w.task, 3, out, &cost) == 0);
  CHECK(out[0].target == 1 && out[1].target == 0 && out[2].target == 1);
  CHECK_REL(out[0].offload_frac, m[0], 1e-12);
  CHECK_REL(out[2].offload_frac, m[2], 1e-12);
  CHECK(out[0].tx_offset == 0);
  CHECK_REL(out[2].tx_offset, t[0], 1e-12);
  CHECK_REL(out[2].tx_window, t[2], 1e-12);
  CHECK(out[0].tx_power_w == 0.1995 && out[2].tx_power_w == 0.1995);
  CHECK(cost.flops > 0);
}

static void test_policy_refusals(void)
{
  world3_t w;
  world3_init(&w);
  mec_decision_t out[3];
  mec_cost_t cost;
  CHECK(run_policy("bcos-opt", "pmx=1", &w.sys, w.task, 3, out, &cost) == -2);
  CHECK(strstr(mec_policy_error(), "pmx") != NULL);
  CHECK(run_policy("mcos", "pmax=0", &w.sys, w.task, 3, out, &cost) == -2);
  CHECK(strstr(mec_policy_error(), "pmax=0") != NULL);
  CHECK(run_policy("mcos", "guard=0.5", &w.sys, w.task, 3, out, &cost) == -2);
  w.sys.slot_s = 0;
  CHECK(run_policy("bcos-opt", "", &w.sys, w.task, 3, out, &cost) == -2);
  CHECK(strstr(mec_policy_error(), "slotted") != NULL);
  CHECK(run_policy("mcos", "", &w.sys, w.task, 3, out, &cost) == -2);
  w.sys.slot_s = 0.5;
  w.sys.n_md = 17;
  CHECK(run_policy("bcos-opt", "", &w.sys, w.task, 3, out, &cost) == -2);
  CHECK(strstr(mec_policy_error(), "17 MDs") != NULL);
  CHECK(run_policy("mcos", "", &w.sys, w.task, 3, out, &cost) == 0);
  w.sys.n_md = 3;
  w.md[2].kappa = 1e-27;
  CHECK(run_policy("bcos-opt", "", &w.sys, w.task, 3, out, &cost) == -1);
  CHECK(strstr(mec_policy_error(), "kappa") != NULL);
  w.md[2].kappa = 1e-28;
  w.md[2].tx_power_w = 0.3;
  CHECK(run_policy("mcos", "", &w.sys, w.task, 3, out, &cost) == -1);
  CHECK(strstr(mec_policy_error(), "pmax=") != NULL);
  CHECK(run_policy("mcos", "pmax=0.2", &w.sys, w.task, 3, out, &cost) == 0);
}

int main(void)
{
  RUN(test_opt_equals_grid);
  RUN(test_energy_increasing_in_power);
  RUN(test_two_offloaders_reference);
  RUN(test_single_offloader_takes_slot);
  RUN(test_infeasible);
  RUN(test_tolerance);
  RUN(test_limits);
  RUN(test_policy_bcos_opt);
  RUN(test_policy_mcos);
  RUN(test_policy_refusals);
  return CHECK_DONE();
}
