/* dynn_ga.h - the genetic-algorithm (GA) baseline of the DyNN paper (Ma et
 * al., Section V.A "GA" and V.B "GA"), on the system model of dynn_cost.h.
 *
 * Encoding. An individual holds, for every user i, a bandwidth gene gb_i
 * and a CPU gene gf_i, reals in [0, 1]; in the JOINT case (V.B) also a
 * binary offloading gene x_i. Only offloaded users' resource genes count:
 * they are decoded by normalising over the offloaded users,
 *     b_i = b_max gb_i / sum_{j: x_j = 1} gb_j,
 *     f_i = f_ser gf_i / sum_{j: x_j = 1} gf_j,
 * so the budgets (11i), (11k) are always used in full (a sum of genes of 0
 * gives equal shares); local users get b_i = f_i = 0. In the allocation
 * case (V.A) every user is offloaded (x_i = 1).
 *
 * Fitness. The cost of an individual is the objective (11a) of its decoded
 * decision, dynn_eval_slot(...).objective with T_infer = 0: the GA's own
 * compute is not part of its fitness; the caller (the simulator) charges it
 * from the counts in dynn_ga_result_t. The cost J is turned into a positive
 * fitness for the roulette wheel ("rotation method", fitness-proportional
 * selection) by windowing (Goldberg): with J_min, J_max the smallest and
 * largest finite costs of the current population,
 *     F_k = J_max + DYNN_GA_WINDOW (J_max - J_min) - J_k   (> 0),
 * so the worst finite individual keeps a small chance DYNN_GA_WINDOW times
 * the range, selection pressure does not vanish when all costs share a
 * large offset (e.g. the same number of deadline misses), and an
 * individual of infinite cost (a local user without CPU, zero bandwidth)
 * gets F = 0. A population of equal costs is drawn uniformly.
 *
 * Generation t (t = 0, 1, ...): the `elite` best individuals (default 1)
 * are copied unchanged (elitism: "individuals with higher fitness are
 * retained"); the other P - elite places are filled by pairs of parents
 * drawn by the roulette wheel. A pair is crossed with probability
 * cx_rate(t) (the paper's crossover rate read as the usual per-pair
 * probability) by uniform crossover: each gene exchanged with probability
 * 1/2; otherwise the pair is copied. Then every gene of a child mutates with
 * probability mut_rate(t): a real gene by a Gaussian step N(0, mut_sigma^2)
 * reflected back into [0, 1] (a local step; decoding only sees ratios, so
 * [0, 1] loses nothing), a binary gene by a flip. With mut_redraw > 0 that
 * fraction of real-gene mutations are uniform redraws instead (default 0:
 * redraws and more elites did not help on the tests' instances).
 * cx_rate(t) = cx_rate cx_decay^floor(t / decay_every), likewise mut_rate
 * (paper: 0.2 halved and 0.1 quartered every 25 generations, every 40 in
 * the joint case). Population P = ceil(pop_factor n), at least
 * DYNN_GA_MIN_POP (paper: 6 x number of tasks).
 *
 * Quality. On two- and three-user instances whose optimum sits on a
 * deadline's edge (test_dynn_ga.c), 18-19 seeds in 20 come within 0.5 % of
 * the brute-force optimum; the others stop a few % off or, when the
 * region meeting every deadline is a small fraction of the share space,
 * miss it (+1 per miss): the rates decay fast, so after ~100 generations
 * the search has frozen. At N = 30 (Section V's instances) the best still
 * improves near generation 200, so max_iter is what stops it, and a 5x
 * larger population finds one miss fewer on some instances: the paper's
 * GA is a baseline, not an optimum.
 *
 * Stopping: after max_iter generations, or earlier when the best cost has
 * not improved by more than tol (relative) for `patience` generations.
 * Defaults: max_iter 200 (the brief), patience = 2 decay_every (50; 80 in
 * the joint case): by then the rates have fallen to 1/4 and 1/16 of their
 * start, so a best unchanged that long has converged; tol 1e-9.
 *
 * Compute count. Every generation evaluates its P - elite new individuals
 * (the elite's costs are known), the first the whole population:
 * evaluations = P + iterations (P - elite). Each evaluation is charged
 * n * DYNN_GA_FLOPS_PER_USER(joint) floating-point operations: the fitness
 * arithmetic plus, amortised per evaluated individual, the operators that
 * produced it (see the constants below). Everything is drawn from the
 * caller's gsl_rng: the same rng state gives the same result.
 */
#ifndef MECSIM_DYNN_GA_H
#define MECSIM_DYNN_GA_H
#include "policies/dynn/dynn_cost.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>

/* Roulette windowing: the worst finite individual's share of the range. */
#define DYNN_GA_WINDOW 0.1
/* Smallest population. */
#define DYNN_GA_MIN_POP 4

/* Floating-point operations per user per evaluation: derivation.
 *
 * Fitness, one offloaded user (the dearer branch; a local user's T_loc,
 * E_loc and miss are constants of the instance, as are a_i = g_i p / sigma0
 * and c_i s_i: computed once per solve, not per evaluation):
 *   decode        sum of gb, sum of gf (2 add), b_i = kb gb_i, f_i = kf gf_i
 *                 (2 mul; kb = b_max / sum is once per evaluation)   4
 *   eq. (1)       SNR = a_i / b_i (1), 1 + SNR (1), log2 (LOG2),
 *                 r = b_i log2(.) (1), T_tra = s_i / r (1)          4 + LOG2
 *   eq. (2)       T_com = (c_i s_i) / f_i                            1
 *   eq. (3)       T = T_infer + T_tra + T_com                        2
 *   eq. (5)       E = p T_tra                                        1
 *   eq. (11a)     alpha T + beta E + delta 1(T > d_i) (3 mul, 2 add,
 *                 1 compare), added to the sum (1)                   7
 *   log2 is counted as DYNN_GA_FLOPS_LOG2 = 20 (a range reduction and a
 *   polynomial of degree ~8 by Horner, the usual libm scheme);
 *   total 4 + 24 + 1 + 2 + 1 + 7 = 39.
 *   (dynn_eval_slot itself also recomputes the path gain, a pow, and the
 *   weight w_i of eq. 19 on every call; they do not depend on the
 *   individual, so a dedicated implementation hoists them: not charged.)
 * Joint case: the test of x_i, 1 more.
 * Operators, per gene of the evaluated individual, at the default starting
 * rates (the rates only decay, so an upper bound):
 *   roulette selection, amortised (a draw, a binary search of the
 *     cumulative fitness: 2 + log2 P per individual)                 2
 *   crossover: a uniform draw (2: the integer draw's conversion and
 *     scaling) and a compare, when the pair is crossed (p <= 0.2)    1
 *   mutation test: a uniform draw and a compare                      3
 *   Gaussian step (about 25 with its log and sqrt, + 1 add + 2
 *     compares + 2 for the reflection = 30) x mut_rate (<= 0.1)      3
 *   total                                                            9
 * Per user per evaluation: 39 + 2 x 9 = 57 (allocation), 39 + 1 + 3 x 9
 * = 67 (joint). */
#define DYNN_GA_FLOPS_LOG2 20.0
#define DYNN_GA_FLOPS_FIT_USER (4.0 + (4.0 + DYNN_GA_FLOPS_LOG2) + 1.0 + 2.0 + 1.0 + 7.0)
#define DYNN_GA_FLOPS_JOINT_TEST 1.0
#define DYNN_GA_FLOPS_PER_GENE 9.0
#define DYNN_GA_FLOPS_PER_USER(joint)                                                              \
  (DYNN_GA_FLOPS_FIT_USER + ((joint) ? DYNN_GA_FLOPS_JOINT_TEST + 3.0 * DYNN_GA_FLOPS_PER_GENE      \
                                     : 2.0 * DYNN_GA_FLOPS_PER_GENE))

typedef struct dynn_ga_cfg {
  int joint;          /* 0: allocation only (V.A), 1: offloading + allocation (V.B) */
  int max_iter;       /* generations after the initial population (200); 0: no cap (needs patience) */
  int patience;       /* stop after this many generations without improvement (2 decay_every); 0: off */
  double tol;         /* relative improvement that resets the patience (1e-9) */
  double pop_factor;  /* population = ceil(pop_factor n) (6) */
  double cx_rate;     /* probability that a pair is crossed, at t = 0 (0.2) */
  double mut_rate;    /* per-gene mutation probability, at t = 0 (0.1) */
  double cx_decay;    /* factor applied to cx_rate every decay_every generations (0.5) */
  double mut_decay;   /* the same for mut_rate (0.25) */
  int decay_every;    /* 25 (allocation) or 40 (joint) */
  double mut_sigma;   /* standard deviation of a real gene's mutation step (0.1) */
  double mut_redraw;  /* probability that a real gene's mutation is a uniform redraw instead (0) */
  int elite;          /* best individuals copied unchanged into the next generation (1; < P) */
} dynn_ga_cfg_t;

typedef struct dynn_ga_result {
  double objective;   /* eq. (11a) of the returned decision, T_infer = 0 */
  int iterations;     /* generations run after the initial population */
  double evaluations; /* fitness evaluations */
  double flops;       /* evaluations * n * DYNN_GA_FLOPS_PER_USER(joint) */
  int pop_size;       /* P */
  int best_iter;      /* generation in which the returned best first appeared (0: initial) */
  int converged;      /* 1: stopped by the patience, 0: by max_iter */
} dynn_ga_result_t;

/* The paper's settings (decay_every 25, or 40 when joint) and the defaults above. */
dynn_ga_cfg_t dynn_ga_cfg_default(int joint);

/* 0 when cfg is usable; otherwise -1 and a one-line reason in err. */
int dynn_ga_cfg_check(const dynn_ga_cfg_t *cfg, char *err, size_t errlen);

/* rate0 * decay^floor(t / decay_every): the crossover or mutation rate in generation t >= 0. */
double dynn_ga_decayed_rate(double rate0, double decay, int decay_every, int t);
double dynn_ga_cx_rate_at(const dynn_ga_cfg_t *cfg, int t);
double dynn_ga_mut_rate_at(const dynn_ga_cfg_t *cfg, int t);

/* Population size for n users. */
int dynn_ga_pop_size(const dynn_ga_cfg_t *cfg, size_t n);

/* Runs the GA on users u[0..n-1]. Outputs x[i] (all 1 unless joint), b[i] in
 * Hz and f[i] in cycles/s (sum b <= b_max, sum f <= f_ser, 0 for local
 * users) and, if res is not NULL, the counts. Returns 0, or -1 for a bad
 * cfg (dynn_ga_cfg_check says why), NULL arguments or no memory. n = 0 is
 * a no-op with objective 0. */
int dynn_ga_solve(const dynn_ga_cfg_t *cfg, const dynn_params_t *p, const dynn_user_t *u, size_t n, gsl_rng *rng,
                  int *x, double *b, double *f, dynn_ga_result_t *res);

#endif
