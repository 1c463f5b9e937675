/* bcos_system.h - the system model of the BCOS paper (binary computation
 * offloading with unsupervised deep learning; Sections 3 and 5, Table 1), in
 * plain C and SI units. docs/bcos.md has the derivations and the choices.
 *
 * K mobile devices (MDs), one base station whose server has infinite
 * capacity (edge execution and result return take no time and no energy).
 * A slot of T seconds is split by TDMA among the offloading MDs. Per MD k:
 *
 *   local time    t_l,k = (1 - a_k) C_k B_k / f_k <= T                 (1), C2
 *   local energy  E_loc,k = eps (1 - a_k) B_k C_k f_k^2                (2)
 *   rate          r_k = W log2(1 + p_k h_k / N0)                       (3)
 *   offload time  t'_k = a_k B_k / r_k <= t_k                          (4), C5
 *   offload energy E_off,k = p_k t'_k                                  (5)
 *   objective     sum_k beta_k [p_k t'_k + E_loc,k]                    P1
 *   constraints   C1 sum_k t_k <= T, C3 0 <= p_k <= p_max, C4 a_k in {0,1}
 *
 * The paper writes "log" in (3): we take log2 (Shannon). P1 writes p_k t_k
 * but (5) is p_k t'_k; the two agree at the optimum (t_k = t'_k), and the
 * objective here uses t'_k. h_k is the channel POWER gain (received power
 * p h), N0 the noise power over the whole band W (W, not W/Hz). */
#ifndef MECSIM_BCOS_SYSTEM_H
#define MECSIM_BCOS_SYSTEM_H
#include <stddef.h>

#include <gsl/gsl_rng.h>

/* Parameters common to the K MDs of one slot. */
typedef struct bcos_params {
  double bandwidth_hz; /* W, Hz */
  double p_max_w;      /* p_max, W */
  double noise_w;      /* N0, W (noise power over the band W) */
  double slot_s;       /* T, s */
  double eps;          /* chip parameter: local energy eps B C f^2, J/(cycle Hz^2) */
} bcos_params_t;

/* One MD's task and state in a slot. */
typedef struct bcos_md {
  double bits;           /* B_k, bits */
  double cycles_per_bit; /* C_k, cycles/bit */
  double f_local;        /* f_k, cycles/s */
  double gain;           /* h_k, channel power gain */
  double beta;           /* beta_k, weight (> 0) */
} bcos_md_t;

/* Table 1: W = 10 MHz, p_max = 23 dBm (10^2.3 mW = 0.19953 W), N0 = 1e-9 W,
 * T = 0.5 s, eps = 1e-28. */
bcos_params_t bcos_params_table1(void);

/* Table 1's ranges for the sampler. KB = 1000 bytes: B in [8e5, 2.4e6] bits. */
#define BCOS_BITS_MIN 8e5
#define BCOS_BITS_MAX 2.4e6
#define BCOS_CPB_MIN 200.0
#define BCOS_CPB_MAX 400.0
#define BCOS_F_MIN 1e9
#define BCOS_F_MAX 2e9
#define BCOS_PATH_GAIN 1e-6 /* large-scale average power loss; h = 1e-6 x Exp(1) */

/* r(p) = W log2(1 + p h / N0), bit/s; 0 when p <= 0 or h <= 0. */
double bcos_rate(const bcos_params_t *p, const bcos_md_t *md, double power_w);
/* t'(p) = B / r(p), s: 0 for B = 0, +inf when r = 0. */
double bcos_offload_time(const bcos_params_t *p, const bcos_md_t *md, double power_w);
/* tau_min = t'(p_max): the shortest upload (C3 with C5). */
double bcos_min_offload_time(const bcos_params_t *p, const bcos_md_t *md);
/* Power that uploads B bits in exactly tau seconds:
 * p(tau) = (N0 / h)(2^{B / (W tau)} - 1), W; +inf for tau <= 0 or h <= 0
 * (with B > 0); 0 for B = 0. */
double bcos_power_for_time(const bcos_params_t *p, const bcos_md_t *md, double tau);
/* E(tau) = tau p(tau), J: decreasing and convex in tau > 0. */
double bcos_tx_energy(const bcos_params_t *p, const bcos_md_t *md, double tau);
/* dE/dtau = (N0 / h)[(2^x - 1) - x ln2 2^x], x = B / (W tau): < 0. */
double bcos_tx_energy_deriv(const bcos_params_t *p, const bcos_md_t *md, double tau);
/* Local time C B / f (s) and energy eps B C f^2 (J) of running the task whole. */
double bcos_local_time(const bcos_md_t *md);
double bcos_local_energy(const bcos_params_t *p, const bcos_md_t *md);
/* C2 for a_k = 0: C B / f <= T. 1 if feasible, else 0. */
int bcos_local_feasible(const bcos_params_t *p, const bcos_md_t *md);

/* Objective of decision (a, t, pw) over n MDs: sum beta [a p t'(p) +
 * (1 - a) E_loc] (t is not used: the energy is p t'). a[k] in {0, 1}. An
 * offloader with r = 0 gives +inf. */
double bcos_objective(const bcos_params_t *p, const bcos_md_t *md, size_t n, const int *a, const double *t,
                      const double *pw);

/* Violated-constraint bits of bcos_check. */
enum {
  BCOS_VIOL_C1 = 1u << 0, /* sum t_k > T (t of offloaders only) */
  BCOS_VIOL_C2 = 1u << 1, /* a local MD too slow: C B / f > T */
  BCOS_VIOL_C3 = 1u << 2, /* p outside [0, p_max] (offloaders only) */
  BCOS_VIOL_C4 = 1u << 3, /* a not 0 or 1 */
  BCOS_VIOL_C5 = 1u << 4  /* t' > t for an offloader */
};
/* Checks C1-C5 with relative tolerance rtol (e.g. 1e-9: sum t <= T (1 +
 * rtol), t' <= t (1 + rtol), p <= p_max (1 + rtol)). Returns the OR of the
 * violated bits (0 = feasible); per_md[k] (if not NULL) gets MD k's own bits
 * (C2-C5; C1 is reported in the return value only). t and pw of local MDs
 * are ignored. */
unsigned bcos_check(const bcos_params_t *p, const bcos_md_t *md, size_t n, const int *a, const double *t,
                    const double *pw, double rtol, unsigned *per_md);
/* Writes "C1 C5" style names of the bits in viol into buf ("" for 0). */
void bcos_viol_str(unsigned viol, char *buf, size_t size);

/* Sampler of Table 1: draws every field of md[0..n-1] (B, C, f uniform in
 * the ranges above, h = BCOS_PATH_GAIN x Exp(1) Rayleigh, beta = 1). */
void bcos_sample_mds(gsl_rng *rng, bcos_md_t *md, size_t n);
/* A new slot for fixed MDs (C_k and f_k are fixed, the paper): redraws B_k
 * and h_k only. */
void bcos_sample_slot(gsl_rng *rng, bcos_md_t *md, size_t n);
#endif
