/* tpos_baselines.h - the TPOS paper's baselines (Section 5), plain C.
 *
 *   Case 2, GTPOS: a central controller picks every MD's partition point to
 *     minimise the AVERAGE processing delay, without the slot model or
 *     prices. The server follows Rules 3-4: at most B offloaded tasks run in
 *     parallel, the rest wait; an MD's offloaded layers run back to back as
 *     one job (Rule 4). An offloaded job of MD n is released at
 *     t_local + t_up (eqs. 6, 8), runs sum of its T^se, then its result is
 *     downloaded (eq. 10). Energy is reported, not optimised (as the paper
 *     says). The deadline tau is not a constraint of GTPOS.
 *     Exact search (small N): each MD's candidates are pruned to the
 *     Pareto set of (release, work) plus all-local (a candidate is dropped
 *     if another has both no later release and no more work, or if it is
 *     slower than local even with no waiting); for every combination the
 *     optimal B-lane schedule is found by trying every priority order with
 *     list scheduling (each job to the lane free first, started at
 *     max(release, lane free)), which is exact for P|r_j|sum C_j because the
 *     order of start times of an optimal schedule reproduces it. Used when
 *     prod(candidates) x (k! for k > B offloaded jobs) stays under
 *     `exact_budget`; otherwise a HEURISTIC: every MD starts at its
 *     individually fastest candidate, jobs are served first-come first-served
 *     by release, and a few rounds of one-MD-at-a-time improvement follow.
 *     The result says which one was used.
 *   Case 3: every MD offloads its whole task (m* = 0); the server serves the
 *     jobs under Rules 3-4 in a random order (random priority list).
 *   Case 4: every MD computes its whole task locally. */
#ifndef MECSIM_TPOS_BASELINES_H
#define MECSIM_TPOS_BASELINES_H
#include <gsl/gsl_rng.h>

#include "policies/tpos/tpos_model.h"

typedef struct mec_tpos_baseline_result {
  double avg_delay, avg_energy;
  int exact;          /* 1 if GTPOS used the exact search */
  double evaluations; /* schedules evaluated */
  int n_offloading;
} mec_tpos_baseline_result_t;

/* Each writes m_star[n] (partition point) and delay[n] (T_n, s) for n MDs
 * (both arrays of n, caller-owned; delay may be NULL). Return 0, or -1 on
 * allocation failure. */
int mec_tpos_gtpos(const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n, double exact_budget, int *m_star,
                   double *delay, mec_tpos_baseline_result_t *r);
int mec_tpos_case3_full_offload(const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n, gsl_rng *rng,
                                int *m_star, double *delay, mec_tpos_baseline_result_t *r);
int mec_tpos_case4_all_local(const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n, int *m_star,
                             double *delay, mec_tpos_baseline_result_t *r);

/* Completion times of jobs under Rules 3-4 for a given priority order:
 * list scheduling on B lanes. release/work indexed by job; order is a
 * permutation of 0..k-1; completion[j] written. Returns the sum. */
double mec_tpos_list_schedule(int B, int k, const double *release, const double *work, const int *order,
                              double *completion);
#endif
