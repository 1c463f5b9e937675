/* bcos_opt.c - exact optimum of P1 by enumeration plus convex time
 * allocation, and the MCOS baseline (bcos_opt.h). */
#include "policies/bcos/bcos_opt.h"

#include <math.h>
#include <string.h>

#include "policies/policy.h"

#define MAX_BISECT 400 /* outer iterations; the gap test normally ends far earlier */
#define MAX_NEWTON 200

/* phi(y) = y e^y - (e^y - 1) = -E'(tau) h / N0 at y = ln2 B / (W tau): the
 * marginal energy of a second saved, increasing and convex in y > 0. The
 * series avoids the cancellation of the closed form near 0. */
static double phi(double y)
{
  if (y < 1e-2) {
    double y2 = y * y;
    return y2 * (0.5 + y * (1.0 / 3 + y * (1.0 / 8 + y * (1.0 / 30 + y / 144))));
  }
  return y * exp(y) - expm1(y);
}

/* Per-offloader constants of one allocation. */
typedef struct off {
  double bits, gain, beta;
  double tau_min; /* upload time at p_max */
  double y_max;   /* ln(1 + p_max h / N0): the exponent at tau_min */
  double nu_sat;  /* multiplier at and above which tau = tau_min */
  double w;       /* ln2 B / W: tau = w / y */
  double e_scale; /* beta N0 / h: weighted energy = e_scale tau expm1(y) */
} off_t_;

/* tau_k(nu): the minimiser of beta E(tau) + nu tau over tau >= tau_min. */
static double tau_of_nu(const off_t_ *o, double nu, double *evals)
{
  if (nu >= o->nu_sat)
    return o->tau_min;
  double c = nu / o->e_scale; /* phi(y) = c */
  /* Newton from y_max (phi(y_max) > c): phi convex and increasing, so the
   * iterates decrease monotonically to the root without overshooting. */
  double y = o->y_max;
  for (int i = 0; i < MAX_NEWTON; i++) {
    double ey = exp(y);
    double f = (y < 1e-2 ? phi(y) : y * ey - expm1(y)) - c;
    *evals += 1;
    if (f <= 0)
      break;
    double step = f / (y * ey);
    y -= step;
    if (!(y > 0)) { /* cannot happen for c > 0 in exact arithmetic */
      y = 1e-300;
      break;
    }
    if (step <= 1e-15 * y)
      break;
  }
  return o->w / y;
}

/* Weighted energy of the allocation tau[] and its total time. */
static double alloc_eval(const off_t_ *o, size_t m, double nu, double *tau, double *sum_t, double *evals)
{
  double e = 0, s = 0;
  for (size_t i = 0; i < m; i++) {
    tau[i] = tau_of_nu(&o[i], nu, evals);
    double y = o[i].w / tau[i];
    e += o[i].e_scale * tau[i] * expm1(y);
    *evals += 1;
    s += tau[i];
  }
  *sum_t = s;
  return e;
}

static int params_ok(const bcos_params_t *p)
{
  return p && isfinite(p->bandwidth_hz) && p->bandwidth_hz > 0 && isfinite(p->p_max_w) && p->p_max_w > 0 &&
         isfinite(p->noise_w) && p->noise_w > 0 && isfinite(p->slot_s) && p->slot_s > 0 && isfinite(p->eps) &&
         p->eps >= 0;
}

static int md_ok(const bcos_md_t *m)
{
  return isfinite(m->bits) && m->bits >= 0 && isfinite(m->cycles_per_bit) && m->cycles_per_bit >= 0 &&
         isfinite(m->f_local) && m->f_local >= 0 && isfinite(m->gain) && m->gain >= 0 && isfinite(m->beta) &&
         m->beta > 0;
}

int bcos_opt_allocate(const bcos_params_t *p, const bcos_md_t *md, size_t n, const int *a, double *t,
                      double *pw, double *energy, double *lower_bound, double *evals)
{
  if (!params_ok(p) || !md || !a || !t || !pw || n < 1 || n > BCOS_OPT_MAX_K)
    return -1;
  double ev_local = 0, *ev = evals ? evals : &ev_local;
  off_t_ o[BCOS_OPT_MAX_K];
  size_t idx[BCOS_OPT_MAX_K], m = 0;
  double sum_min = 0;
  int feasible = 1;
  for (size_t k = 0; k < n; k++) {
    t[k] = 0;
    pw[k] = 0;
    if (!a[k] || !(md[k].bits > 0))
      continue;
    double tm = bcos_min_offload_time(p, &md[k]);
    *ev += 1;
    t[k] = tm;
    pw[k] = p->p_max_w;
    if (!isfinite(tm)) {
      feasible = 0;
      continue;
    }
    sum_min += tm;
    off_t_ *q = &o[m];
    q->bits = md[k].bits;
    q->gain = md[k].gain;
    q->beta = md[k].beta;
    q->tau_min = tm;
    q->y_max = log1p(p->p_max_w * md[k].gain / p->noise_w);
    q->w = M_LN2 * md[k].bits / p->bandwidth_hz;
    q->e_scale = md[k].beta * p->noise_w / md[k].gain;
    q->nu_sat = q->e_scale * phi(q->y_max);
    idx[m++] = k;
  }
  if (!feasible || sum_min > p->slot_s) {
    double e = 0;
    for (size_t k = 0; k < n; k++)
      if (a[k] && md[k].bits > 0)
        e += md[k].beta * pw[k] * t[k];
    if (energy)
      *energy = e;
    if (lower_bound)
      *lower_bound = e;
    return 0;
  }
  double tau_hi[BCOS_OPT_MAX_K], tau_mid[BCOS_OPT_MAX_K];
  double e_hi = 0, lb = 0;
  if (m > 0) {
    /* nu_hi: every upload at p_max, sum tau_min <= T (feasible side). */
    double nu_hi = 0;
    for (size_t i = 0; i < m; i++)
      nu_hi = fmax(nu_hi, o[i].nu_sat);
    double s_hi;
    e_hi = alloc_eval(o, m, nu_hi, tau_hi, &s_hi, ev);
    lb = e_hi - nu_hi * (p->slot_s - s_hi); /* weak duality */
    double nu_lo = nu_hi;
    /* Walk down by halves until the budget is exceeded (infeasible side). */
    for (int i = 0; i < 2200 && e_hi - lb > BCOS_OPT_RTOL * e_hi; i++) {
      nu_lo *= 0.5;
      double s;
      double e = alloc_eval(o, m, nu_lo, tau_mid, &s, ev);
      double g = e + nu_lo * (s - p->slot_s);
      if (g > lb)
        lb = g;
      if (s > p->slot_s)
        break;
      nu_hi = nu_lo;
      e_hi = e;
      memcpy(tau_hi, tau_mid, m * sizeof tau_hi[0]);
    }
    /* Geometric bisection: the multiplier spans many decades. */
    for (int i = 0; i < MAX_BISECT && e_hi - lb > BCOS_OPT_RTOL * e_hi; i++) {
      double nu = sqrt(nu_lo * nu_hi);
      if (!(nu > nu_lo && nu < nu_hi))
        nu = 0.5 * (nu_lo + nu_hi);
      if (!(nu > nu_lo && nu < nu_hi))
        break; /* bracket exhausted in floating point */
      double s;
      double e = alloc_eval(o, m, nu, tau_mid, &s, ev);
      double g = e + nu * (s - p->slot_s);
      if (g > lb)
        lb = g;
      if (s <= p->slot_s) {
        nu_hi = nu;
        e_hi = e;
        memcpy(tau_hi, tau_mid, m * sizeof tau_hi[0]);
      } else {
        nu_lo = nu;
      }
    }
    for (size_t i = 0; i < m; i++) {
      size_t k = idx[i];
      t[k] = tau_hi[i];
      double pk = bcos_power_for_time(p, &md[k], tau_hi[i]);
      pw[k] = tau_hi[i] <= o[i].tau_min ? p->p_max_w : fmin(pk, p->p_max_w);
    }
  }
  if (energy)
    *energy = e_hi;
  if (lower_bound)
    *lower_bound = fmin(lb, e_hi);
  return 1;
}

int bcos_opt_solve(const bcos_params_t *p, const bcos_md_t *md, size_t n, int *a, double *t, double *pw,
                   bcos_opt_result_t *res)
{
  if (n < 1 || n > BCOS_OPT_MAX_K) {
    mec_policy_set_error("bcos exact optimum: K = %zu MDs, must be 1..%d (it enumerates 2^K offloading vectors)", n,
                         BCOS_OPT_MAX_K);
    return -1;
  }
  if (!params_ok(p) || !md || !a || !t || !pw || !res) {
    mec_policy_set_error("bcos exact optimum: invalid parameters (W, p_max, N0, T must be > 0, eps >= 0)");
    return -1;
  }
  for (size_t k = 0; k < n; k++)
    if (!md_ok(&md[k])) {
      mec_policy_set_error("bcos exact optimum: MD %zu has a negative or non-finite field or beta <= 0", k);
      return -1;
    }
  memset(res, 0, sizeof *res);
  double e_loc[BCOS_OPT_MAX_K], e_floor[BCOS_OPT_MAX_K];
  int loc_ok[BCOS_OPT_MAX_K];
  for (size_t k = 0; k < n; k++) {
    e_loc[k] = md[k].beta * bcos_local_energy(p, &md[k]);
    loc_ok[k] = bcos_local_feasible(p, &md[k]);
    /* E_k is decreasing and tau_k <= T, so E_k(T) bounds an upload's energy
     * from below; used to skip vectors that cannot beat the best so far. */
    e_floor[k] = md[k].bits > 0 && md[k].gain > 0 ? md[k].beta * bcos_tx_energy(p, &md[k], p->slot_s) : 0;
    res->evals += 2;
  }
  int cur[BCOS_OPT_MAX_K];
  double tt[BCOS_OPT_MAX_K], pp[BCOS_OPT_MAX_K];
  double best = INFINITY, best_lb = INFINITY;
  uint32_t count = 1u << n;
  for (uint32_t mask = 0; mask < count; mask++) {
    double base = 0, floor_e = 0;
    int skip = 0;
    for (size_t k = 0; k < n; k++) {
      cur[k] = (int)((mask >> k) & 1u);
      if (cur[k]) {
        floor_e += e_floor[k];
      } else if (!loc_ok[k]) {
        skip = 1; /* C2 */
        break;
      } else {
        base += e_loc[k];
      }
    }
    if (skip || base + floor_e >= best)
      continue;
    res->combos += 1;
    double e_off, lb_off;
    int ok = bcos_opt_allocate(p, md, n, cur, tt, pp, &e_off, &lb_off, &res->evals);
    if (ok != 1)
      continue;
    if (base + e_off < best) {
      best = base + e_off;
      best_lb = base + lb_off;
      memcpy(a, cur, n * sizeof a[0]);
      memcpy(t, tt, n * sizeof t[0]);
      memcpy(pw, pp, n * sizeof pw[0]);
    }
  }
  if (isfinite(best)) {
    res->feasible = 1;
    res->energy = bcos_objective(p, md, n, a, t, pw);
    res->lower_bound = fmin(best_lb, res->energy);
    return 0;
  }
  /* Nothing feasible: offload exactly the MDs that cannot finish locally, at
   * p_max, so the decision is still executable (it overruns the slot). */
  for (size_t k = 0; k < n; k++) {
    a[k] = !loc_ok[k];
    pw[k] = a[k] && md[k].bits > 0 ? p->p_max_w : 0;
    t[k] = a[k] ? bcos_min_offload_time(p, &md[k]) : 0;
  }
  res->feasible = 0;
  res->energy = bcos_objective(p, md, n, a, t, pw);
  res->lower_bound = res->energy;
  return 0;
}

int bcos_mcos(const bcos_params_t *p, const bcos_md_t *md, size_t n, double *m, double *t, double *pw,
              bcos_mcos_result_t *res)
{
  if (!params_ok(p) || !md || !m || !t || !pw || !res || n < 1)
    return -1;
  for (size_t k = 0; k < n; k++)
    if (!md_ok(&md[k]))
      return -1;
  res->energy = 0;
  res->sum_t = 0;
  res->feasible = 1;
  for (size_t k = 0; k < n; k++) {
    double cyc = md[k].cycles_per_bit * md[k].bits;
    double can = md[k].f_local * p->slot_s; /* cycles the MD runs in the slot */
    m[k] = cyc > can ? 1.0 - can / cyc : 0.0;
    if (m[k] > 0) {
      double r = bcos_rate(p, &md[k], p->p_max_w);
      t[k] = r > 0 ? m[k] * md[k].bits / r : INFINITY;
      pw[k] = p->p_max_w;
    } else {
      t[k] = 0;
      pw[k] = 0;
    }
    double e_loc = p->eps * (1.0 - m[k]) * md[k].bits * md[k].cycles_per_bit * md[k].f_local * md[k].f_local;
    res->energy += md[k].beta * (pw[k] * t[k] + e_loc);
    res->sum_t += t[k];
  }
  if (!(res->sum_t <= p->slot_s))
    res->feasible = 0;
  return 0;
}
