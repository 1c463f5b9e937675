/* bcos_opt.h - the exact optimum of the BCOS paper's P1 for small K, and the
 * MCOS baseline (paper Section 5). docs/bcos.md has the derivation.
 *
 * Exact optimum: for every binary a (2^K vectors; those with a local MD too
 * slow for the slot, C2, are skipped) the rest of P1 is
 *
 *   min sum_{k: a_k = 1} beta_k E_k(tau_k)  s.t.  sum tau_k <= T,  tau_k >= tau_min,k
 *
 * with E_k(tau) = tau (N0/h_k)(2^{B_k/(W tau)} - 1) the energy of sending B_k
 * bits in tau seconds (p_k = p(tau_k), t_k = t'_k = tau_k) and tau_min,k =
 * t'_k(p_max) (C3). E_k is decreasing and convex, so the problem is convex
 * and separable; the time budget binds (sum tau = T) unless every upload is
 * at p_max. It is solved by bisection on the multiplier nu of sum tau = T:
 * tau_k(nu) solves beta_k E_k'(tau) = -nu (a Newton iteration from the p_max
 * side, monotone because the function is convex), clamped at tau_min,k. The
 * bisection stops when the allocation's energy is within BCOS_OPT_RTOL
 * (relative) of the Lagrange dual bound, which certifies it within that
 * tolerance of the true optimum for that a. Infeasible if sum tau_min > T. */
#ifndef MECSIM_BCOS_OPT_H
#define MECSIM_BCOS_OPT_H
#include <stddef.h>

#include "policies/bcos/bcos_system.h"

#define BCOS_OPT_MAX_K 16   /* 2^16 offloading vectors */
#define BCOS_OPT_RTOL 1e-9  /* relative gap to the dual bound, per vector a */
/* Flops charged per evaluation counted in bcos_opt_result_t.evals: one
 * exp() (about 15 flops) plus the arithmetic of one Newton step or energy
 * term. */
#define BCOS_OPT_FLOPS_PER_EVAL 20.0

typedef struct bcos_opt_result {
  double energy;      /* objective of the returned decision, J */
  double lower_bound; /* dual bound of the returned a: energy - lower_bound <= RTOL energy */
  int feasible;       /* 1 if some a satisfies C1-C5, else 0 */
  double evals;       /* function evaluations done (exp() calls), for charging */
  double combos;      /* offloading vectors solved (not skipped by C2) */
} bcos_opt_result_t;

/* Optimal time/power allocation for a given binary a: fills t[k], pw[k]
 * (0 for local MDs) and returns 1 if feasible, 0 if sum tau_min > T or an
 * offloader has a zero rate (t = tau_min, pw = p_max for offloaders then),
 * -1 on bad input. energy, lower_bound (may be NULL) get the offloaders'
 * weighted energy and its dual bound (locals not included); *evals (may be
 * NULL) is incremented by the evaluations done. */
int bcos_opt_allocate(const bcos_params_t *p, const bcos_md_t *md, size_t n, const int *a, double *t,
                      double *pw, double *energy, double *lower_bound, double *evals);

/* The exact optimum over every a: fills a[n], t[n], pw[n] with the best
 * decision. If no a is feasible, a_k = 1 exactly for the MDs that cannot
 * compute locally (C2), at p_max and t = tau_min, and res->feasible = 0.
 * Returns 0, or -1 (error set with mec_policy_set_error) for n < 1, n >
 * BCOS_OPT_MAX_K or an invalid input (negative or non-finite fields, beta <=
 * 0, parameters <= 0). */
int bcos_opt_solve(const bcos_params_t *p, const bcos_md_t *md, size_t n, int *a, double *t, double *pw,
                   bcos_opt_result_t *res);

/* MCOS (Section 5: "priority to local execution; if the local computation
 * capacity is insufficient, all of the remainder is offloaded with maximum
 * transmitting power"): MD k computes the share f_k T / (C_k B_k) it can
 * finish in the slot and offloads the fraction m_k = max(0, 1 - f_k T /
 * (C_k B_k)) of its bits at p_max, in t_k = m_k B_k / r_k(p_max) (partial
 * offloading). */
typedef struct bcos_mcos_result {
  double energy;  /* sum beta [p_max t_k + eps (1 - m_k) B_k C_k f_k^2], J */
  double sum_t;   /* sum t_k, s */
  int feasible;   /* 1 if sum t_k <= T (C1) and every rate needed is > 0 */
} bcos_mcos_result_t;
/* Fills m[n], t[n], pw[n] (pw = p_max where m > 0, else 0). When sum t_k >
 * T the decision is kept as it is (the uploads then overrun the slot) and
 * feasible = 0. Returns 0, or -1 on invalid input. */
int bcos_mcos(const bcos_params_t *p, const bcos_md_t *md, size_t n, double *m, double *t, double *pw,
              bcos_mcos_result_t *res);
#endif
