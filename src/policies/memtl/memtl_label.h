/* memtl_label.h - the label generator: the exhaustive search the MEMTL paper
 * trains on ("we perform exhaustive search on randomly sampled input
 * parameters"), made exact and fast.
 *
 * Search space (the public code's CONV_CO_MINLP_GEN, mode 'full'): every
 * D in {0,1}^N; for each, the offloaders' fractions R_n on the grid
 * {step, 2 step, ..., 1} summing to exactly 1 (K = 1/step units, each
 * offloader at least one), local MTs R_n = 0. D = 0 (all local) is included.
 *
 * Result: the decision of minimum C_total (eq. 6) among those meeting every
 * deadline (C2). When none does, the minimum-cost decision ignoring deadlines,
 * with feasible = 0 (what the public code returns then too).
 *
 * How it is fast without being approximate: for a fixed D, C_total is a
 * constant plus sum_n w_n / R_n over the offloaders, separable and convex in
 * each R_n, and the deadline of an offloader is a lower bound on R_n. On the
 * integer grid, starting every offloader at its lower bound and handing out
 * the remaining units one at a time to the largest marginal decrease
 * w_n/k - w_n/(k+1) is exactly optimal (greedy is exact for separable convex
 * objectives under a sum constraint), so each D costs O(K N) instead of
 * C(K-1, |D|-1) grid points; D's whose local MTs miss their deadlines or whose
 * lower bounds exceed K units are pruned at once.
 *
 * Ties: codes are visited in increasing order (memtl_code) and a later D
 * replaces the best only with a strictly lower cost; within a D, equal
 * marginal gains go to the lowest MT index. memtl_label_brute (the blind
 * enumeration, for tests) visits grid points in lexicographic order of the
 * unit counts (k_0, k_1, ...) and also keeps the first minimum: both give the
 * same cost, and the same (D, R) unless two decisions cost exactly the same. */
#ifndef MECSIM_MEMTL_LABEL_H
#define MECSIM_MEMTL_LABEL_H
#include "policies/memtl/memtl_system.h"

#define MEMTL_MAX_GRID 10000 /* units K = 1/step */

typedef struct memtl_label {
  int d[MEMTL_MAX_N];
  double r[MEMTL_MAX_N]; /* R_n = k_n step for offloaders, 0 for local MTs */
  uint32_t code;         /* memtl_code(d) */
  double cost;           /* C_total of (d, r) */
  int feasible;          /* 1: meets every deadline; 0: none does (the best ignoring deadlines) */
  uint64_t work;         /* candidate (D, R) cost evaluations or greedy steps done: what the
                            simulator charges as decision compute (MEMTL_FLOPS_PER_MT_EVAL each) */
} memtl_label_t;

/* Grid units K for a step: 0 unless step is in (0, 1] and 1/step is an
 * integer within 1e-9 (0.02 -> 50) and K <= MEMTL_MAX_GRID. */
int memtl_grid_units(double step);

/* The exact search above. 0, or -1 for bad inputs (memtl_precompute fails,
 * step not a grid, or more MTs than grid units... which is allowed: such D's
 * simply have no grid point). */
int memtl_label_exact(const memtl_params_t *p, const memtl_mt_t *mt, size_t n, double step, memtl_label_t *out);

/* Blind enumeration of every (D, R) grid point: the reference for tests and
 * for measuring the speed-up. Same contract. */
int memtl_label_brute(const memtl_params_t *p, const memtl_mt_t *mt, size_t n, double step, memtl_label_t *out);

/* Grid points the blind enumeration visits: sum_k C(N, k) C(K-1, k-1). */
double memtl_brute_points(size_t n, int units);
#endif
