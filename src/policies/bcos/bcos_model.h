/* bcos_model.h - the DNN of the BCOS paper (Section 4, eqs. 7-25, Algorithm
 * 1) on src/nn: three parallel fully connected networks (FCNs) a, t, p,
 * their constraint layers, the losses, the joint teacher/student training
 * and the HDF5 model file. docs/bcos.md, "Networks and training".
 *
 * Networks. Each FCN is input -> [dense -> batchnorm -> ReLU] x 2 (eq. 7)
 * -> dense -> sigmoid (eq. 8) with K outputs phi in (0, 1); hidden width
 * `hidden` (the paper gives none; 128 by default). The a-FCN is SHARED by
 * the teacher (auxiliary, partial offloading) and the student (binary) as
 * in Fig. 3; the teacher and the student each have their own t- and
 * p-FCNs (theta_auxi and theta).
 *
 * Input. The paper feeds the gains h only, its C_k and f_k being fixed per
 * MD. So that one model serves any slot of K MDs whatever their B, C and f,
 * the input here is 4 features per MD, MD-major (x[4k + j]):
 *   j = 0: log10(h / BCOS_PATH_GAIN), j = 1: B, j = 2: C, j = 3: f,
 * each min-max scaled by (v - lo) / (hi - lo) with lo, hi = [-3, 1] for the
 * log-gain (h / 1e-6 ~ Exp(1) is within [1e-3, 10] 99.9 % of the time) and
 * Table 1's ranges for B, C, f (not clipped: a value outside gives a
 * feature outside [0, 1]). lo and hi are stored in the model file.
 *
 * Constraint layers (Section 4.2), on each FCN's sigmoid output phi:
 *   p = p_max phi                                     (13) -> C3
 *   t = T min(1, ||phi||_1) phi / ||phi||_1           (14) -> C1
 *       the 1-norm because then sum_k t_k = T min(1, sum phi) <= T; with
 *       the 2-norm sum t could reach T sqrt(K). t = 0 when phi = 0.
 *   student a_k = sign[(sign(2 phi_k - 1) + 1) / 2 + sign(m+_k)]  (15)
 *       in {0, 1}: 1 iff phi_k >= 1/2 or m+_k > 0 (C2, C4), with
 *       m_k = 1 - f_k T / (C_k B_k) and m+ = max(m, 0);
 *   teacher a_aux,k = phi_k (1 - m+_k) + m+_k           (23) in [m+_k, 1].
 *
 * Losses (eqs. 20 and 25), mean over a minibatch of slots:
 *   L = sum_k beta_k [p_k t_k + eps (1 - a_k) B_k C_k f_k^2]
 *       + lambda sum_k H(t'_k - t_k),   t'_k = a_k B_k / r_k(p_k),
 * H the hinge (18). Eq. 20 writes eps (1 - a_k) without B_k C_k f_k^2,
 * against P1 and eq. 2: we use P1's local energy.
 *
 * Errors: negative return / NULL with bcos_model_error() (one line). */
#ifndef MECSIM_BCOS_MODEL_H
#define MECSIM_BCOS_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"
#include "policies/bcos/bcos_system.h"

#define BCOS_MODEL_MAX_K 64
#define BCOS_FEATURES_PER_MD 4
#define BCOS_HIDDEN_DEFAULT 128
#define BCOS_HIDDEN_MAX 4096

const char *bcos_model_error(void);
/* Records a message (printf format) for bcos_model_error(); returns -1. */
int bcos_model_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef enum { BCOS_STUDENT = 0, BCOS_TEACHER = 1 } bcos_role_t;

typedef struct bcos_model {
  size_t K;         /* MDs per slot */
  size_t hidden;    /* width of both hidden layers of every FCN */
  size_t n_in;      /* 4 K */
  bcos_params_t par;/* the system trained for: T, p_max (used by the layers), W, N0, eps */
  double norm_lo[BCOS_FEATURES_PER_MD], norm_hi[BCOS_FEATURES_PER_MD];
  double lambda_a, lambda_b; /* penalty multipliers of the teacher and the student */
  uint64_t iterations;       /* Algorithm 1 iterations trained */
  nn_net_t *a;               /* shared a-FCN */
  nn_net_t *t_s, *p_s;       /* student t-, p-FCNs (theta) */
  nn_net_t *t_a, *p_a;       /* teacher t-, p-FCNs (theta_auxi) */
} bcos_model_t;

/* New untrained model (weights from seed, one derived seed per FCN).
 * lambda_a = lambda_b = 0 until training sets them. NULL on bad sizes. */
bcos_model_t *bcos_model_new(size_t K, size_t hidden, const bcos_params_t *par, uint64_t seed);
void bcos_model_free(bcos_model_t *m);
/* Training (batch statistics) or evaluation (running statistics) mode of
 * every FCN. New and loaded models start in evaluation mode. */
void bcos_model_set_training(bcos_model_t *m, int training);
/* Parameters of the three FCNs one role runs (a + t + p). */
size_t bcos_model_params(const bcos_model_t *m);
/* Multiply-accumulates of one slot's forward through the three FCNs of a
 * role (nn_net_macs; the constraint layers are not counted). */
uint64_t bcos_model_macs(const bcos_model_t *m);

/* The 4 K input features of one slot of K MDs (above). */
void bcos_features(const bcos_model_t *m, const bcos_md_t *md, double *x);

/* ------------------------------------------------------------------------ */
/* Constraint layers (any phi: values are clamped to [0, 1], NaN taken as 0) */
/* ------------------------------------------------------------------------ */
/* m+_k = max(0, 1 - f T / (C B)): the share of the task the CPU cannot
 * finish in the slot (0 for B = 0 or C = 0). */
double bcos_m_plus(double slot_s, const bcos_md_t *md);
void bcos_layer_p(const double *phi, size_t K, double p_max, double *p);
void bcos_layer_t(const double *phi, size_t K, double T, double *t);
void bcos_layer_a_student(const double *phi, const double *mplus, size_t K, double *a);
void bcos_layer_a_teacher(const double *phi, const double *mplus, size_t K, double *a);
/* dL/dphi of (14) from dL/dt: T g for ||phi||_1 <= 1, else
 * (T / s)(g_j - sum_k g_k phi_k / s), s = ||phi||_1. */
void bcos_layer_t_backward(const double *phi, size_t K, double T, const double *dt, double *dphi);

/* ------------------------------------------------------------------------ */
/* Forward                                                                   */
/* ------------------------------------------------------------------------ */
/* Decisions of one role for `batch` slots of K MDs (md[b K + k]): a (the
 * student's in {0, 1}, the teacher's a_aux in [m+, 1]), t and p, each
 * batch x K. Uses the model's T and p_max. Runs in the model's current mode
 * (evaluation for decisions; batch >= 2 in training mode). 0 or -1. */
int bcos_model_forward(bcos_model_t *m, bcos_role_t role, const bcos_md_t *md, size_t batch, double *a, double *t,
                       double *p);

/* ------------------------------------------------------------------------ */
/* Losses and training (bcos_train.c)                                         */
/* ------------------------------------------------------------------------ */
/* One slot's loss (above) for decisions a, t, p of K MDs under par (its T
 * is not used: t is given), with penalty multiplier lambda. *penalty (may
 * be NULL) gets sum_k H(t'_k - t_k), *energy (may be NULL) the energy part
 * sum beta (p t + local). If da, dt, dp are not NULL they receive dL/da,
 * dL/dt, dL/dp (hinge subgradient 0 at t' = t). An offloading MD (a > 0)
 * with a zero rate gives +inf. */
double bcos_slot_loss(const bcos_params_t *par, const bcos_md_t *md, size_t K, const double *a, const double *t,
                      const double *p, double lambda, double *penalty, double *energy, double *da, double *dt,
                      double *dp);

/* Mean loss of one role over a minibatch (training mode, the role's
 * lambda). With backprop = 1 the gradients of the role's FCNs are zeroed
 * and then set (teacher: a, t_a, p_a; student: t_s, p_s only - the
 * student's sign() layer passes no gradient, so the shared a-FCN is not
 * touched: it learns from the teacher, Fig. 3). *penalty, *energy (may be
 * NULL) get their batch means. NAN on error. */
double bcos_batch_loss(bcos_model_t *m, bcos_role_t role, const bcos_md_t *md, size_t batch, int backprop,
                       double *penalty, double *energy);

typedef struct bcos_hyper {
  size_t samples;    /* channel samples drawn once (20000, Algorithm 1) */
  size_t batch;      /* minibatch (1000) */
  size_t iterations; /* Algorithm 1 iterations */
  double lr;         /* Adam learning rate of both steps (1e-3) */
  double alpha;      /* lambda step (eqs. 21-22) */
  double lambda0;    /* initial lambda_A = lambda_B */
} bcos_hyper_t;
bcos_hyper_t bcos_hyper_default(void);

/* One iteration's numbers, for the curve callback. */
typedef struct bcos_curve_pt {
  size_t iter;                         /* 1-based */
  double loss_teacher, loss_student;   /* before the iteration's steps */
  double energy_teacher, energy_student;/* energy part of the losses (p t + local), batch mean */
  double pen_teacher, pen_student;     /* sum_k H(t' - t), batch mean */
  double lambda_a, lambda_b;           /* after the update */
} bcos_curve_pt_t;
typedef void (*bcos_curve_fn)(void *ctx, const bcos_curve_pt_t *pt);

/* Algorithm 1's two Adam steps on one minibatch (training mode): the
 * teacher's on a, t_a, p_a (line 4) and the student's on t_s, p_s only
 * (line 5). *loss, *penalty, *energy (may be NULL) get the step's batch
 * means before the update. 0 or -1. */
int bcos_teacher_step(bcos_model_t *m, const bcos_md_t *md, size_t batch, const nn_opt_t *opt, double *loss,
                      double *penalty, double *energy);
int bcos_student_step(bcos_model_t *m, const bcos_md_t *md, size_t batch, const nn_opt_t *opt, double *loss,
                      double *penalty, double *energy);
/* One Algorithm 1 iteration on one minibatch: teacher Adam step (a, t_a,
 * p_a), student Adam step (t_s, p_s), then lambda_A += alpha mean penalty
 * of the teacher, lambda_B += alpha mean penalty of the student (both
 * measured in the steps' forward passes). Leaves the model in training
 * mode. 0 or -1. */
int bcos_train_iteration(bcos_model_t *m, const bcos_md_t *md, size_t batch, double lr, double alpha,
                         bcos_curve_pt_t *pt);
/* Algorithm 1: h->samples slots drawn once from seed (bcos_sample_set),
 * shuffled minibatches of h->batch each epoch, h->iterations iterations,
 * lambdas from h->lambda0. Bit-identical weights for the same model seed,
 * hyper and seed. Ends in evaluation mode. 0 or -1. */
int bcos_train(bcos_model_t *m, const bcos_hyper_t *h, uint64_t seed, bcos_curve_fn curve, void *ctx);

/* n slots of K MDs drawn with bcos_sample_mds (every field of every MD per
 * slot: B, C, f uniform in Table 1's ranges, Rayleigh h) from stream
 * (seed, MEC_STREAM_TRAINING, 0). malloc'ed n K array, NULL on failure. */
bcos_md_t *bcos_sample_set(uint64_t seed, size_t n, size_t K);

/* ------------------------------------------------------------------------ */
/* Evaluation                                                                */
/* ------------------------------------------------------------------------ */
/* Violation bits of a row: BCOS_VIOL_C1, C2, C5 (bcos_system.h). */
typedef struct bcos_eval_row {
  double e_bcos, e_pcos, e_mcos, e_opt; /* J; e_opt NAN when not computed */
  unsigned v_bcos, v_pcos, v_mcos, v_opt;
  int n_off_bcos, n_off_opt;            /* binary offloaders */
  double sum_t_bcos, sum_tp_bcos;       /* sum t (allocated), sum t' (needed) of BCOS */
} bcos_eval_row_t;
typedef struct bcos_eval {
  size_t n;
  double e_bcos, e_pcos, e_mcos, e_opt;       /* means; e_opt NAN when not computed */
  double viol_bcos, viol_pcos, viol_mcos;     /* share of slots with some violation */
  double viol_c1_bcos, viol_c5_bcos;          /* share of slots violating C1 / C5 (BCOS) */
  double ratio_bcos_opt;                      /* mean e_bcos / e_opt over slots with a feasible optimum */
  double n_opt;                               /* slots where the optimum was computed */
} bcos_eval_t;
/* Energies "actually spent": sum beta [a p t'(p) + (1 - a) E_loc] with t'
 * from the decided power (BCOS: bcos_objective; PCOS: a_aux offloaded at p
 * in t' = a_aux B / r(p), the rest local). Slots use the model's params.
 * with_opt: also the exact optimum (bcos_opt_solve, K <= BCOS_OPT_MAX_K).
 * rows (may be NULL) gets n rows. 0 or -1. */
int bcos_evaluate(bcos_model_t *m, const bcos_md_t *md, size_t n, int with_opt, bcos_eval_row_t *rows,
                  bcos_eval_t *out);

/* ------------------------------------------------------------------------ */
/* Model file                                                                */
/* ------------------------------------------------------------------------ */
/* HDF5: root attributes format = "mecsim-bcos-model", format_version 1, K,
 * hidden, T, p_max, W, N0, eps, norm_lo[4], norm_hi[4], features (text),
 * lambda_a, lambda_b, iterations; groups /a, /t_student, /p_student,
 * /t_teacher, /p_teacher (nn_net_save_group). Written to path.tmp then
 * renamed. Loading treats the file as untrusted: every attribute, network
 * shape and architecture is checked; one-line errors naming the file. */
int bcos_model_save(const bcos_model_t *m, const char *path);
bcos_model_t *bcos_model_load(const char *path);
#endif
