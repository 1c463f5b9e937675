/* memtl_system.h - the system model of the MEMTL paper (Liang et al., "A
 * Multi-Head Ensemble Multi-Task Learning Approach for Dynamical Computation
 * Offloading", Section II) and of its predecessor MTFNN (Yang et al., TMC
 * 2021), in plain C and SI units.
 *
 * N mobile terminals (MTs), one server of F cycles/s. A decision is a binary
 * offloading vector D and server CPU fractions R (sum R <= 1):
 *
 *   C_local_n   = (1 - a_n) kappa f_n^2 c_n + a_n c_n / f_n                 eq. (4)
 *   C_offload_n = (1 - a_n) (P_u p_n / u_n + P_e c_n / (R_n F) + P_d q_n / d_n)
 *               +      a_n  (    p_n / u_n +     c_n / (R_n F) +     q_n / d_n) eq. (5)
 *   C_total     = sum_n (1 - D_n) C_local_n + D_n C_offload_n               eq. (6)
 *   deadline    (1 - D_n) c_n / f_n + D_n (p_n/u_n + c_n/(R_n F) + q_n/d_n) <= theta_n  C2 (7b)
 *
 * (a_n is the paper's alpha; r_n^offload = R_n F.) Two channel models give u_n
 * and d_n (docs/memtl.md, "System"):
 *  - MEMTL_CHANNEL_ORTHOGONAL (the paper): the band B is split into N equal
 *    sub-bands without interference, u_n = (B/N) log2(1 + P_u h_n^2 / (N0/N)),
 *    where N0 is the noise power over the whole band.
 *  - MEMTL_CHANNEL_INTERFERENCE (the paper's public code, github
 *    qiyu3816/MTFNN-CO, utils/dataset_generate.py): every MT transmits on the
 *    whole band and the others interfere, u_n = B log2(1 + P_u h_n^2 /
 *    (N0 + sum_j P_u h_j^2)) (the sum includes n itself, as that code does),
 *    d_n = u_n.
 * Both take the downlink rate equal to the uplink rate (d_n = u_n, the public
 * code's "the up-down load is symmetrical"); the paper gives no rate formula.
 * An MT may instead carry its rates (rate_up, rate_down > 0: the simulator's
 * own, for its policies), which then replace the channel model.
 * h_n is the channel amplitude: the received power is P h_n^2 (the public
 * code's convention; its README calls h "channel power gain").
 *
 * Deadlines compare with "<" like the public code (delays < theta); a
 * deadline theta_n <= 0 means none. */
#ifndef MECSIM_MEMTL_SYSTEM_H
#define MECSIM_MEMTL_SYSTEM_H
#include <stddef.h>
#include <stdint.h>

#define MEMTL_MAX_N 10 /* MTs per decision: 2^N codes must stay enumerable */

typedef enum { MEMTL_CHANNEL_ORTHOGONAL = 0, MEMTL_CHANNEL_INTERFERENCE = 1 } memtl_channel_t;

/* Parameters common to all MTs of one decision. */
typedef struct memtl_params {
  double f_server;  /* F, server cycles/s shared by the fractions R */
  double kappa;     /* local energy E = kappa f^2 c */
  double p_up;      /* P_u, W */
  double p_exec;    /* P_e, W: the MT's power while the server executes its job */
  double p_down;    /* P_d, W */
  double bandwidth; /* B, Hz */
  double noise_w;   /* N0, W over the whole band B */
  memtl_channel_t channel;
} memtl_params_t;

/* The public code's preset (its README and config/MEMTL_config.yaml):
 * F = 2.5e9, kappa = 1e-28, P_u = P_d = 0.3, P_e = 0.1, B = 1e6,
 * N0 = 7.96159e-13, channel = interference. */
memtl_params_t memtl_params_mtfnn_co(void);

/* One MT's job and state. */
typedef struct memtl_mt {
  double up_bits;   /* p_n: data to upload, bits */
  double cycles;    /* c_n: CPU cycles */
  double down_bits; /* q_n: result to download, bits (0: no download, as the public code) */
  double deadline;  /* theta_n, s; <= 0: none */
  double f_local;   /* r_n^local, cycles/s */
  double h;         /* channel amplitude (received power P h^2) */
  double alpha;     /* a_n in [0, 1]: weight of delay against energy */
  double rate_up, rate_down; /* > 0: given u_n, d_n (bit/s) instead of the channel model; 0: model */
} memtl_mt_t;

/* Per-MT quantities a decision does not change, precomputed once. */
typedef struct memtl_pre {
  double up_rate, down_rate; /* u_n, d_n, bit/s */
  double cost_local;         /* eq. (4) */
  double delay_local;        /* c_n / f_n */
  double tx_cost;            /* offload cost terms without the server: (1-a)(P_u p/u + P_d q/d) + a (p/u + q/d) */
  double tx_delay;           /* p/u + q/d */
  double exec_weight;        /* ((1-a) P_e + a) c_n / F: C_offload = tx_cost + exec_weight / R_n */
  double exec_delay;         /* c_n / F: server delay = exec_delay / R_n */
} memtl_pre_t;

/* Rates and the per-MT terms for n MTs (1..MEMTL_MAX_N). Returns 0, or -1 if
 * an input is not finite, negative, alpha outside [0, 1] or n out of range
 * (pre untouched). An MT with f_local = 0 has infinite local cost and delay;
 * a zero rate with bits to move gives infinite offload cost. */
int memtl_precompute(const memtl_params_t *p, const memtl_mt_t *mt, size_t n, memtl_pre_t *pre);

/* Cost of MT n offloaded with fraction r (eq. 5), and its delay; r <= 0 gives
 * +inf. */
double memtl_offload_cost(const memtl_pre_t *pre, double r);
double memtl_offload_delay(const memtl_pre_t *pre, double r);

/* C_total of decision (D, R) (eq. 6). R values of local MTs are ignored. */
double memtl_total_cost(const memtl_pre_t *pre, size_t n, const int *d, const double *r);
/* 1 if every MT meets its deadline under (D, R) (C2, strict <), else 0. */
int memtl_meets_deadlines(const memtl_mt_t *mt, const memtl_pre_t *pre, size_t n, const int *d, const double *r);

/* Class code of D: sum_n D_n 2^(N-1-n), MT 0 the most significant bit (the
 * public code's MEMTL_example.py); and back. */
uint32_t memtl_code(const int *d, size_t n);
void memtl_decode(uint32_t code, size_t n, int *d);

/* Operations memtl_total_cost + memtl_meets_deadlines take per MT, as
 * counted for the decision compute charged in the simulator (flops per MT
 * and decision: a division, a multiply-add and a compare for each). */
#define MEMTL_FLOPS_PER_MT_EVAL 6.0
#endif
