/* tpos_model.h - the TPOS system model (Gao et al., "Task Partitioning and
 * Offloading in DNN-Task Enabled Mobile Edge Computing Networks"): paper
 * parameters, delay prediction model (eqs. 5-7), per-MD delay / energy / cost
 * (eqs. 8-13, 23-25), slot model and its constraints (eqs. 14-18, 26-27) and
 * the dynamic price (eqs. 19-22). Plain C, no SimGrid. See docs/tpos.md for
 * every interpretation of the paper made here.
 *
 * Indexing follows the paper: layers m = 1..M (arrays sized M+1, index 0 is
 * "the input" where that makes sense), slots h = 1..H (arrays sized
 * MEC_TPOS_MAX_SLOTS+1, index 0 unused). Times in seconds. */
#ifndef MECSIM_TPOS_MODEL_H
#define MECSIM_TPOS_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "model/dnn_profile.h"

#define MEC_TPOS_MAX_SLOTS 16

/* All parameters of Section 5 (Fig. 4) plus the few the paper leaves out
 * (marked "not in the paper"). mec_tpos_params_paper() fills the defaults. */
typedef struct mec_tpos_params {
  int H;                /* number of slots (Fig. 4: 5) */
  double T_d;           /* total duration of the H slots, s (Fig. 4: 0.75 s) */
  int B;                /* parallel limit: MDs per slot, eq. 27 (Fig. 4: 4) */
  double a[MEC_TPOS_MAX_SLOTS + 1]; /* a_h, fixed unit price of slot h, eq. 19 (Fig. 4: 1) */
  double b[MEC_TPOS_MAX_SLOTS + 1]; /* b_h, growth rate of the unit price, eq. 19 (Fig. 4: 2) */
  double tau;           /* tolerable delay tau_n, eq. 26, s (Fig. 4: 5 s) */
  double c_t;           /* c_n^T, delay -> cost, eq. 23 (Fig. 4: 3400) */
  double c_e;           /* c_n^E, energy -> cost, eq. 23 (Fig. 4: 3400) */
  double delta;         /* delta, cycles per bit, eq. 20 (Fig. 4: [2000, 2500]; we use one
                           value, the midpoint 2250, so that eq. 22 holds) */
  double f_s;           /* f_s, server computing frequency in eqs. 21-22 (Fig. 4: "3400 cycles/s",
                           taken as printed; it only scales the price) */
  double p_up;          /* P_n^up, uploading power, W (Fig. 4: 4 W) */
  double p_lo;          /* P_n^lo, computing power of the MD, W (Fig. 4: 4.05 W) */
  double bandwidth_hz;  /* W_n, Hz (Fig. 4: 2 kHz) */
  double noise_w_per_hz;/* N_0 (Fig. 4: -30 dBm/kHz = 1e-9 W/Hz) */
  double gain;          /* G_n, channel power gain (Fig. 4: 1.2e6) */
  double p_s;           /* P_s, server transmit power in eq. 11, W. Not in the paper: 4 W
                           (same as the MD's uplink power) */
  double alpha, beta, gamma; /* weights of eq. 23 (Fig. 5: 0.42, 0.17, 0.41) */
  int bits_per_element; /* size of one activation, bits. Not in the paper: 32 (Caffe floats) */
  double price_unit_cycles; /* S is counted in units of this many cycles in eq. 19. Not in the
                               paper: 1 (literal); see docs/tpos.md on magnitudes */
  double delay_model_unit_s;/* unit of eqs. 6-7: 1e-3 (milliseconds, our reading: the fit's
                               error is "2.78 milliseconds" and VGG13 then splits over slots
                               exactly as in Fig. 10) */
  double md_ref_hz;     /* clock of the MD eq. 6 was fitted on (Orange Pi Win Plus, Allwinner
                           A64 at 1.152 GHz). Not in the paper's text; used to scale eq. 6 to
                           an MD of another speed */
  double server_ref_hz; /* clock of the server eq. 7 was fitted on: 3.2 GHz (Sec. 2.2.1) */
} mec_tpos_params_t;

/* Defaults exactly as in the paper (Fig. 4 / Fig. 5). */
mec_tpos_params_t mec_tpos_params_paper(void);
/* The paper's values with the two magnitudes that make offloading pointless
 * rescaled (docs/tpos.md, "Presets"): bandwidth 2 MHz instead of 2 kHz and
 * prices counted per 1e4 cycles. Everything else as in the paper. */
mec_tpos_params_t mec_tpos_params_scaled(void);
/* 0 if the parameters are usable; -1 with a reason otherwise. */
int mec_tpos_params_check(const mec_tpos_params_t *p, char *err, size_t errlen);

/* ---- Delay prediction model (Section 2.2.1) ---------------------------- */
/* Eq. 6 / eq. 7 in the model's own unit (ms): G output side, K kernel side,
 * O input channels (per group), I output channels. */
double mec_tpos_eq6_local(double G, double K, double O, double I);
double mec_tpos_eq7_server(double G, double K, double O, double I);
/* Time of one layer on the reference MD (server = 0) or reference server
 * (server = 1), seconds. conv: eqs. 6/7. fc: eqs. 6/7 as a 1x1 convolution
 * on a 1x1 image (G = K = 1, O = inputs, I = outputs). Other layers (relu,
 * lrn, pooling, softmax), for which the paper gives no model: eta_1 x FLOPs,
 * eta_1 being the per-MAC coefficient of the leading term (0.3e-5 ms locally,
 * 3e-7 ms on the server), i.e. one elementary operation costs one MAC. */
double mec_tpos_layer_time(const mec_tpos_params_t *p, const mec_dnn_layer_t *L, int server);

/* Per-network table shared by all MDs running that network: layer times on
 * the reference MD and on the server, output sizes, prefix sums. */
typedef struct mec_tpos_dnn {
  int M;             /* layers */
  int kind;          /* mec_dnn_kind_t or MEC_DNN_NONE */
  double *t_lo;      /* [M+1], t_lo[m] local time of layer m on the reference MD, s */
  double *t_se;      /* [M+1], server time of layer m, s */
  double *out_bits;  /* [M+1], out_bits[0] = input size, out_bits[m] = output of layer m */
  double *lo_prefix; /* [M+1], sum of t_lo[1..m] */
  double *se_prefix; /* [M+1], sum of t_se[1..m] */
} mec_tpos_dnn_t;

/* Table of a profile with eqs. 6-7; server_hz > 0 rescales eq. 7 from
 * server_ref_hz to that clock. Caller frees with mec_tpos_dnn_free. NULL on
 * allocation failure. */
mec_tpos_dnn_t *mec_tpos_dnn_new(const mec_dnn_profile_t *prof, const mec_tpos_params_t *p, double server_hz);
/* A synthetic table (tests, what-if studies): arrays indexed 1..M, out_bits
 * 0..M. Copies the data. */
mec_tpos_dnn_t *mec_tpos_dnn_new_custom(int M, const double *t_lo, const double *t_se, const double *out_bits);
void mec_tpos_dnn_free(mec_tpos_dnn_t *d);

/* One MD as the game sees it. `dnn` is borrowed (outlives the MD). */
typedef struct mec_tpos_md {
  const mec_tpos_dnn_t *dnn;
  double lo_scale;       /* local times = dnn->t_lo x lo_scale (md_ref_hz / MD clock) */
  double up_bps, down_bps; /* R_n^up, R_n^do (eqs. 9, 11) */
  double alpha, beta, gamma;
  double c_t, c_e, p_lo, p_up;
  double tau;            /* tolerable delay, s */
  double x, y;           /* position, m (UAI neighbour sets by distance) */
  /* Continuous operation (policy argument carry=1; docs/tpos.md, "Continuous
   * operation"). All zero: the paper's one-shot model, eq. 24 as printed.
   * Times are counted from the decision the game assumes (t_ref). */
  int carry;             /* 1: eq. 24 in the common frame, with the backlogs below */
  double cpu_backlog;    /* s of the MD's earlier local work still to run at t_ref */
  double up_backlog;     /* s until the MD's radio has sent its earlier uploads */
  double frame_wait;     /* s from t_ref to the start of the period's common frame (>= 0) */
} mec_tpos_md_t;

/* An MD with the parameters' values: weights, powers, tau, rates from eqs. 9
 * and 11, lo_scale 1 (the reference MD), position (0, 0). */
mec_tpos_md_t mec_tpos_md_default(const mec_tpos_params_t *p, const mec_tpos_dnn_t *dnn);
double mec_tpos_uplink_bps(const mec_tpos_params_t *p);   /* eq. 9 */
double mec_tpos_downlink_bps(const mec_tpos_params_t *p); /* eq. 11 */

/* ---- Strategies: the y_n of eq. 14 in compact form --------------------- */
/* Layers 1..m_star run locally; layers m_star+1..M are split into
 * consecutive groups, group in slot h = layers first[h]..last[h] (first[h] =
 * 0 when slot h is unused). Slots of successive groups increase (eq. 16). */
typedef struct mec_tpos_strategy {
  int16_t m_star;
  int16_t h_last; /* largest slot used, h_{n,max} of eq. 24; 0 when all local */
  int16_t first[MEC_TPOS_MAX_SLOTS + 1];
  int16_t last[MEC_TPOS_MAX_SLOTS + 1];
  double load[MEC_TPOS_MAX_SLOTS + 1]; /* this MD's server time in slot h, s */
} mec_tpos_strategy_t;

void mec_tpos_strategy_local(const mec_tpos_md_t *md, mec_tpos_strategy_t *s);
/* From an explicit y: slot_of_layer[m] for m = 1..M, 0 = local, h = slot h.
 * Returns -1 (why filled) when the map breaks eq. 15 (a slot outside 0..H)
 * or eq. 16 (a local layer after an offloaded one, or decreasing slots). */
int mec_tpos_strategy_from_map(const mec_tpos_md_t *md, const mec_tpos_params_t *p, const int *slot_of_layer,
                               mec_tpos_strategy_t *s, char *why, size_t whylen);
/* y_{n,m,h} = 1 iff layer m runs in slot h (h = 0: locally). */
int mec_tpos_strategy_slot_of(const mec_tpos_strategy_t *s, int m);

/* ---- Pricing (Section 3.2) ---------------------------------------------- */
/* S = delta f_s T (eqs. 20-22), in CPU cycles. */
double mec_tpos_cycles(const mec_tpos_params_t *p, double server_time_s);
/* p_h = a_h + (b_h / h) S_Sigma^h (eq. 19), S counted in price_unit_cycles. */
double mec_tpos_price_of_cycles(const mec_tpos_params_t *p, int h, double S_sigma_cycles);
/* Same with S_Sigma^h from the aggregate delay T_Sigma^h (eq. 22). */
double mec_tpos_slot_price(const mec_tpos_params_t *p, int h, double T_sigma_s);

/* ---- Delay, energy and cost of one MD ---------------------------------- */
typedef struct mec_tpos_eval {
  double t_local, t_up, t_slots, t_down; /* the four terms of eq. 24 */
  double delay;     /* T_n, eq. 24 */
  double energy;    /* E_n, eq. 25 */
  double price;     /* sum_h p_h S_{n,h}: what the MD pays (C_n^P) */
  double cost;      /* C_n, eq. 23 */
  double excess;    /* max(0, T_n - tau_n): violation of eq. 26 */
} mec_tpos_eval_t;

/* Evaluates strategy s of `md` when the OTHER MDs load slot h with
 * T_others[h] seconds (NULL = nobody else). The MD's own load is added to get
 * T_Sigma^h in the price. All-local: no upload, slot or download term.
 * With md->carry: t_local = cpu_backlog + local time, t_up = the radio wait
 * past the local end + the upload, t_slots = the wait for the frame and its
 * slots up to h_last, so that delay = frame_wait + h_last T_d/H + t_down
 * when the data reaches its first slot in time (all-local: cpu_backlog +
 * local time); a late arrival adds its lateness. Energy counts only this
 * task's own local time and upload. */
void mec_tpos_evaluate(const mec_tpos_md_t *md, const mec_tpos_params_t *p, const mec_tpos_strategy_t *s,
                       const double *T_others, mec_tpos_eval_t *ev);

/* ---- Continuous operation (carry=1) -------------------------------------- */
/* When the data of partition point m reaches the server, counted from t_ref:
 * the local layers run after the MD's CPU backlog, the upload starts when
 * they end and the radio is free: max(cpu_backlog + t_local, up_backlog) +
 * t_up (m* = 0: up_backlog + t_up, no local layer to wait for). */
double mec_tpos_carry_arrival(const mec_tpos_md_t *md, int m_star);
/* First slot of the common frame whose start (frame_wait + (h-1) T_d/H)
 * is not before that arrival: the earliest slot the MD's first offloaded
 * group may use. H + 1 when none. */
int mec_tpos_carry_first_slot(const mec_tpos_md_t *md, const mec_tpos_params_t *p, int m_star);
/* Admission rule: 1 keeps a task whose predicted delay is at most factor x
 * tau, 0 drops it. factor <= 0 keeps every task. */
int mec_tpos_carry_admit(double predicted_delay, double tau, double factor);

/* ---- Constraints --------------------------------------------------------- */
/* Per-MD constraints: (15) every layer placed once, (16) non-decreasing
 * slots, (17) the MD's own subtasks in one slot fit in T_d/H (see
 * docs/tpos.md: the per-MD reading of eq. 17), and, when check_deadline,
 * (26) T_n <= tau_n (delay with T_others = NULL; the delay does not depend on
 * the others). Returns 0 if all hold, -1 with the first violation in why. */
int mec_tpos_check_strategy(const mec_tpos_md_t *md, const mec_tpos_params_t *p, const mec_tpos_strategy_t *s,
                            int check_deadline, char *why, size_t whylen);
/* Joint constraints over n MDs: every per-MD check above (without the
 * deadline) and (27) at most B MDs use each slot; also the total server time
 * of a slot <= B T_d / H (implied by the two). */
int mec_tpos_check_joint(const mec_tpos_md_t *mds, const mec_tpos_params_t *p, const mec_tpos_strategy_t *s, int n,
                         char *why, size_t whylen);
/* T_Sigma^h and the number of MDs using each slot (arrays of H+1). */
void mec_tpos_aggregate(const mec_tpos_params_t *p, const mec_tpos_strategy_t *s, int n, double *T_sigma, int *occ);

/* Lexicographic order used by every optimiser here: smaller deadline
 * excess first (eq. 26 as a hard constraint when it can be met, and the
 * least violation when it cannot), then smaller cost. Returns 1 if (e1, c1)
 * is strictly better than (e2, c2). */
int mec_tpos_better(double e1, double c1, double e2, double c2);
#endif
