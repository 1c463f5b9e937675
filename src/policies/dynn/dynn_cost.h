/* dynn_cost.h - the system model of the DyNN paper (Ma et al., "Dynamic Neural
 * Network-Based Resource Management for Mobile Edge Computing in 6G
 * Networks", Section III, Table II), in plain C and SI units.
 *
 * One server, N users, one task per user per slot. A task offloaded to the
 * server gets a bandwidth share b_i (OFDMA, sum b_i <= b_max) and a CPU share
 * f_i (sum f_i <= f_ser) reserved for it, so there is no queueing (eq. 2):
 *
 *   r_i      = b_i log2(1 + g0 (l0/l_i)^h p / (b_i sigma0))        eq. (1)
 *   T_tra    = s_i / r_i                                           eq. (1)
 *   T_com    = c_i s_i / f_i                                       eq. (2)
 *   T_edge   = T_tra + T_com                                       eq. (3)
 *   T_loc    = c_i s_i / f_loc,i                                   eq. (4)
 *   E_edge   = p T_tra                                             eq. (5)
 *   E_loc    = mu c_i s_i f_loc,i^2                                eq. (6)
 *   w_i      = gamma c_i^v s_i^v / d_i                             eq. (19)
 *   C_loc,i  = alpha w_i (T_infer,l + T_loc) + beta E_loc          eq. (24)
 *   C_edge,i = alpha w_i (T_infer,e + T_edge) + beta E_edge        eq. (25)
 *   objective (11a) = sum_i alpha T_i + beta E_i + delta 1(T_i > d_i),
 *             T_i = T_infer + (x_i ? T_edge : T_loc)
 *
 * Choices where the paper is vague (docs/dynn.md, "Choices"):
 *  - c^v, s^v in eq. (19) are c / (2 c_avg) and s / (2 s_avg), the features
 *    normalised by their upper bounds; d_i is in seconds.
 *  - mu (eq. 6) = 1e-24 J/(cycle Hz^2), NOT Table II's 1e-20. With f in Hz,
 *    1e-20 gives 64 J per local task on average, 10^5 times an upload's
 *    energy (~0.5 mJ): eq. (24)'s beta E_loc (6.4) then outweighs every delay
 *    term and the only sensible schedule is "offload everything", which
 *    contradicts Figs. 7-9 (Local execution competitive in delay, RL
 *    offloading part of the tasks). 1e-24 keeps what Fig. 9 shows (local
 *    execution costs the most energy: 6.4 mJ per task, ~13x an upload)
 *    while eq. (24) stays driven by the weighted delay. Both are one knob
 *    away (params.mu here, kappa in the simulator).
 *  - delta (weight of a deadline miss in eq. 11a, not given) = 1.
 *  - A user without a local CPU (f_loc = 0) has T_loc = E_loc = +inf.
 *  - A zero-size task (s = 0, the lower end of U[0, 2 s_avg]) takes no time
 *    and no energy anywhere; a zero deadline (d = 0) gives w = +inf, so
 *    dynn_weight clamps d to d_floor (1 ms by default).
 */
#ifndef MECSIM_DYNN_COST_H
#define MECSIM_DYNN_COST_H
#include <gsl/gsl_rng.h>
#include <stddef.h>

/* Number of features per user, u_i = {s_i, c_i, d_i, l_i, f_loc,i} (eq. 7). */
#define DYNN_N_FEATURES 5

typedef struct dynn_user {
  double s;     /* task size, bits */
  double c;     /* workload, cycles/bit */
  double d;     /* deadline, s (relative to the slot start) */
  double l;     /* distance to the server, m */
  double f_loc; /* local CPU, cycles/s (0: no local CPU) */
  double gain;  /* channel power gain; 0 = the path loss g0 (l0/l)^h of the params (the
                   simulator's policies pass the channel they see, fading included) */
} dynn_user_t;

typedef struct dynn_params {
  /* system (Table II) */
  double b_max;       /* total bandwidth, Hz (0.5 MHz) */
  double f_ser;       /* server CPU shared among offloaded tasks, cycles/s (2.5 GHz) */
  double f_infer;     /* CPU of the host running the models, cycles/s (the server: 2.5 GHz) */
  double lambda;      /* computational efficiency: cycles per MAC (1), eq. (9) */
  double p_tx;        /* transmit power p, W (0.1) */
  double n0;          /* noise density sigma0, W/Hz (-174 dBm/Hz) */
  double g0;          /* path-loss constant, linear (-40 dB) */
  double l0;          /* reference distance, m (1; not in the paper) */
  double h;           /* path-loss exponent (2.8) */
  double mu;          /* energy efficiency constant (1e-20) */
  double gamma;       /* importance proportionality constant (60) */
  double alpha, beta, delta; /* weights of delay, energy, deadline miss (1, 0.1, 1) */
  double d_floor;     /* smallest deadline used in eq. (19), s (1e-3) */
  /* workload (Section V) */
  double s_avg;       /* bits (1000): s ~ U[0, 2 s_avg] */
  double c_avg;       /* cycles/bit (797.5): c ~ U[0, 2 c_avg] */
  double d_max;       /* s (0.16): d ~ U[0, d_max] */
  double l_min, l_max;       /* m (5, 500) */
  double floc_min, floc_max; /* cycles/s (0.01e9, 0.15e9); both 0: no local CPU */
} dynn_params_t;

/* Table II and Section V's values. */
dynn_params_t dynn_params_default(void);

/* Draws n users as in Section V (uniform in every range) from rng. */
void dynn_sample_users(const dynn_params_t *p, gsl_rng *rng, size_t n, dynn_user_t *u);

/* Normalised features in [0, 1] (s / 2s_avg, c / 2c_avg, d / d_max,
 * (l - l_min) / (l_max - l_min), f_loc / floc_max; a range of zero width
 * gives 0): the models' input. out has DYNN_N_FEATURES values. */
void dynn_features(const dynn_params_t *p, const dynn_user_t *u, double *out);

double dynn_rate(const dynn_params_t *p, const dynn_user_t *u, double b);      /* eq. (1), bit/s */
double dynn_t_tra(const dynn_params_t *p, const dynn_user_t *u, double b);     /* eq. (1), s */
double dynn_t_com(const dynn_user_t *u, double f);                             /* eq. (2), s */
double dynn_t_loc(const dynn_user_t *u);                                       /* eq. (4), s */
double dynn_e_edge(const dynn_params_t *p, const dynn_user_t *u, double b);    /* eq. (5), J */
double dynn_e_loc(const dynn_params_t *p, const dynn_user_t *u);               /* eq. (6), J */
double dynn_weight(const dynn_params_t *p, const dynn_user_t *u);              /* eq. (19) */

/* d T_tra / d b (negative), for back-propagating eq. (19)'s weighted delay
 * through eq. (1). */
double dynn_t_tra_db(const dynn_params_t *p, const dynn_user_t *u, double b);

/* Inference delay of `macs` multiply-accumulates on the model's host:
 * lambda * macs / f_infer (eq. 9). */
double dynn_infer_s(const dynn_params_t *p, double macs);

/* Per-user costs of eqs. (24) and (25); t_infer is that case's inference delay. */
double dynn_cost_loc(const dynn_params_t *p, const dynn_user_t *u, double t_infer);
double dynn_cost_edge(const dynn_params_t *p, const dynn_user_t *u, double b, double f, double t_infer);

/* Outcome of one slot's decision (x, b, f) with inference delays t_infer_l
 * (local tasks) and t_infer_e (offloaded tasks). */
typedef struct dynn_slot_eval {
  double objective;   /* eq. (11a), summed over users */
  double delay_sum;   /* sum of T_i, s */
  double energy_sum;  /* sum of E_i, J */
  int misses;         /* tasks with T_i > d_i */
  double wdelay_tra;  /* sum over offloaded users of w_i T_tra (the bandwidth loss) */
  double wdelay_com;  /* sum over offloaded users of w_i T_com (the CPU loss) */
} dynn_slot_eval_t;

/* x[i] = 1: offloaded with b[i] Hz and f[i] cycles/s; 0: local. Any of
 * delay/energy/missed may be NULL; otherwise they receive per-user values. */
dynn_slot_eval_t dynn_eval_slot(const dynn_params_t *p, const dynn_user_t *u, size_t n, const int *x,
                                const double *b, const double *f, double t_infer_l, double t_infer_e,
                                double *delay, double *energy, int *missed);

/* The PMRL reward of eq. (23) for one user. p_taken is the probability the
 * scheduling model gave to the action taken (p_i if offloaded, 1 - p_i if
 * not): R = (C_other - C_taken) p_taken, positive when the action taken was
 * the cheaper one. */
double dynn_reward(double c_loc, double c_edge, int offloaded, double p_taken);

#endif
