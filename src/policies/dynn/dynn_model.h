/* dynn_model.h - the three learned models of DyNN (Ma et al., "Dynamic
 * Neural Network-Based Resource Management for Mobile Edge Computing in 6G
 * Networks", Section IV) and their one HDF5 model file. Plain C, no SimGrid.
 *
 * 1. Allocation model (eqs. 12-20), per user, applied to the OFFLOADED users
 *    of a slot only. Each user's DYNN_N_FEATURES normalised features
 *    (dynn_features with the model's normalisation constants `norm`) go
 *    through a body giving y_i, then two linear heads give scores
 *      zA_i = head_b(y_i),  zB_i = head_f(y_i)
 *    and the resources are softmaxes ACROSS the offloaded users (eq. 18, 20):
 *      b = b_max * softmax(zA),  f = f_ser * softmax(zB).
 *    Body of the DyNN (kind DYNN_ALLOC_MOE): one noisy top-k MoE layer, K
 *    experts (10) of depth L (3) and `units` (64) LeakyReLU units; the width
 *    k (experts per user) and depth l (layers run in each expert) are chosen
 *    per call. Body of the "static model" baseline (kind DYNN_ALLOC_STATIC):
 *    L dense layers of `hidden` (384) LeakyReLU units; k and l are ignored.
 * 2. Policy model (eqs. 28-29): MLP DYNN_POLICY_N_IN - 32 (LeakyReLU) - 2 on
 *    a fixed-size summary of the offloaded users (dynn_policy_input); the
 *    outputs are ((k - 1)/(K - 1), (l - 1)/(L - 1)), rounded and clamped at
 *    inference. Three variants: FULL (PolicyMoE), FIX_WIDTH (k = K, the net
 *    chooses l) and FIX_DEPTH (l = L, the net chooses k).
 * 3. Scheduling model (PMRL, eqs. 21-27): per-user MLP DYNN_SCHED_N_IN - 32
 *    (LeakyReLU) - 1 (sigmoid) on the user's features plus the slot's context
 *    (dynn_sched_input); p_i = probability of offloading user i. Two
 *    variants: PMRL (trained with the policy model choosing (k, l)) and RL
 *    (trained with the full MoE, k = K, l = L, no policy model).
 *
 * MAC counts (the decision's own compute, T_infer = lambda MACs / f_infer,
 * eq. 9 and 34-35) are counted from the networks (nn_net_macs in evaluation
 * mode), never constants:
 *   allocation, n offloaded users at (k, l): MoE body for batch n + 2 heads
 *     (n * units each; the softmaxes are not MACs);
 *   policy: one forward of the policy MLP (the summary statistics are not
 *     counted);
 *   scheduling, N users: N forwards of the per-user MLP.
 *
 * Model file (HDF5, readable with h5py): root attributes format =
 * "mecsim-dynn", format_version, K, L, units, static_hidden, static_depth, the
 * dynn_params used in training (param_*), the feature normalisation constants (norm_*),
 * the domain randomisation (domain_*), train_seed, and has_* (0/1) saying
 * which networks are present; one group per network, each laid out exactly
 * as nn_net_save writes a network file (saved with nn_net_save, copied in,
 * loaded back through nn_net_load_new_group):
 *   /alloc_moe_body /alloc_moe_head_b /alloc_moe_head_f
 *   /alloc_static_body /alloc_static_head_b /alloc_static_head_f
 *   /policy_full /policy_fix_width /policy_fix_depth
 *   /sched_pmrl /sched_rl
 * A file may hold any subset (for example only the MoE allocation model, or
 * only the static one); policy networks need the MoE allocation model.
 * Loading treats the file as untrusted (docs/nn.md, "Model files: what is
 * checked on load", and docs/dynn.md).
 *
 * Errors: functions returning int give 0 or a negative value, functions
 * returning a pointer give NULL; in both cases dynn_last_error() holds one
 * sentence saying why (dynn_model_load and dynn_model_save also copy it into
 * their err buffer). Not thread-safe: a model (its networks and scratch
 * buffers) must be used by one thread at a time.
 */
#ifndef MECSIM_DYNN_MODEL_H
#define MECSIM_DYNN_MODEL_H
#include "nn/nn.h"
#include "policies/dynn/dynn_cost.h"
#include <stddef.h>
#include <stdint.h>

#define DYNN_MODEL_FORMAT "mecsim-dynn"
#define DYNN_MODEL_FORMAT_VERSION 1

/* The paper's sizes (Section V, Table II). */
#define DYNN_K_DEFAULT 10          /* experts of the MoE */
#define DYNN_L_DEFAULT 3           /* layers per expert (and of the static body) */
#define DYNN_UNITS_DEFAULT 64      /* units per expert layer */
#define DYNN_STATIC_HIDDEN_DEFAULT 384 /* units per layer of the static model */
#define DYNN_POLICY_HIDDEN 32
#define DYNN_SCHED_HIDDEN 32
#define DYNN_LEAKY_SLOPE 0.01      /* LeakyReLU slope everywhere (as the MoE's experts) */

/* Input widths of the policy and scheduling models (see dynn_policy_input
 * and dynn_sched_input). */
#define DYNN_POLICY_N_IN (1 + 2 * DYNN_N_FEATURES + 3)
#define DYNN_SCHED_N_IN (2 * DYNN_N_FEATURES + 4)

/* Scales of the inputs that are not user features (Table II's values). */
#define DYNN_SCALE_USERS 30.0      /* N / 30 */
#define DYNN_SCALE_HZ 2.5e9        /* f_ser / 2.5e9, f_infer / 2.5e9 */
#define DYNN_SCALE_BW 0.5e6        /* b_max / 0.5e6 */

/* Limits checked on load and on every call. */
#define DYNN_MAX_EXPERTS 1024      /* K */
#define DYNN_MAX_DEPTH 64          /* L */
#define DYNN_MAX_USERS 1000000     /* users per call */

typedef enum { DYNN_ALLOC_MOE = 0, DYNN_ALLOC_STATIC, DYNN_ALLOC_COUNT } dynn_alloc_kind_t;
typedef enum { DYNN_POLICY_FULL = 0, DYNN_POLICY_FIX_WIDTH, DYNN_POLICY_FIX_DEPTH, DYNN_POLICY_COUNT } dynn_policy_variant_t;
typedef enum { DYNN_SCHED_PMRL = 0, DYNN_SCHED_RL, DYNN_SCHED_COUNT } dynn_sched_variant_t;

/* "moe", "static"; "full", "fix-width", "fix-depth"; "pmrl", "rl". */
const char *dynn_alloc_kind_name(dynn_alloc_kind_t k);
const char *dynn_policy_variant_name(dynn_policy_variant_t v);
const char *dynn_sched_variant_name(dynn_sched_variant_t v);

/* Message of the last failure in this thread ("" if none). */
const char *dynn_last_error(void);
/* Sets that message (printf format) and returns -1 (for dynn_train.c and
 * the policies built on these models). */
int dynn_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Domain randomisation of the training samples (Section V's ranges swept by
 * the figures). Per slot: s_avg ~ U[s_avg_min, s_avg_max] bits, c_avg ~
 * U[c_avg_min, c_avg_max] cycles/bit, N ~ U{n_min..n_max}, f_ser = f_infer ~
 * U[f_min, f_max] Hz, and with probability p_no_cpu the slot's users have no
 * local CPU (Section V.A; allocation and policy training only). With
 * enabled = 0 every slot uses the base dynn_params_t and N = n_max. The
 * features are always normalised with the DEFAULT parameters (the model's
 * `norm`), so inputs of all domains are comparable. */
typedef struct dynn_domain {
  int enabled;
  double s_avg_min, s_avg_max;
  double c_avg_min, c_avg_max;
  int n_min, n_max;
  double f_min, f_max;
  double p_no_cpu;
} dynn_domain_t;
/* enabled, s_avg 500..2500, c_avg 400..1200, N 10..50, f 1.5e9..3.5e9,
 * p_no_cpu 0.5. */
dynn_domain_t dynn_domain_default(void);
/* 0, or -1 with dynn_last_error() naming the bad field. */
int dynn_domain_check(const dynn_domain_t *d);

/* An allocation model (MoE DyNN or static baseline). Fields are read-only
 * for users of the API. */
typedef struct dynn_alloc {
  dynn_alloc_kind_t kind;
  size_t K, L;        /* MOE: experts and depth; STATIC: K = 1, L = layers */
  size_t width;       /* MOE: units per expert layer; STATIC: hidden units */
  dynn_params_t norm; /* feature normalisation constants (dynn_features) */
  nn_net_t *body;     /* MOE: one MoE layer; STATIC: (dense, LeakyReLU) x L */
  nn_net_t *head_b;   /* dense width -> 1: bandwidth score zA */
  nn_net_t *head_f;   /* dense width -> 1: CPU score zB */
  int training;       /* mode of the nets (1 only inside training) */
  /* scratch (grown on demand) */
  size_t cap;
  double *x, *za, *zb;
} dynn_alloc_t;

/* New allocation models with freshly initialised weights (seeded,
 * reproducible), in evaluation mode. MOE: K experts of depth L and `width`
 * units, noisy gating; STATIC: L dense layers of `width` units. NULL on a bad
 * size (dynn_last_error). */
dynn_alloc_t *dynn_alloc_new(dynn_alloc_kind_t kind, size_t K, size_t L, size_t width, const dynn_params_t *norm,
                             uint64_t seed);
void dynn_alloc_free(dynn_alloc_t *a);

/* Allocation of the n offloaded users u[0..n) (eq. 18, 20) with the MoE cut
 * to width k in 1..K and depth l in 1..L (ignored by a STATIC model): b[i]
 * Hz and f[i] cycles/s with every b[i], f[i] > 0, sum b <= p->b_max and sum
 * f <= p->f_ser (up to rounding, 1e-12 relative). Only p->b_max and p->f_ser
 * are used from p (the features use a->norm). n = 0 is allowed (nothing
 * written). *macs (if macs != NULL) receives dynn_alloc_macs(a, n, k, l).
 * Evaluation mode: deterministic. 0 or negative (bad k, l, n, a non-finite
 * or negative user field, b_max or f_ser not > 0). */
int dynn_alloc_infer(const dynn_alloc_t *a, const dynn_params_t *p, const dynn_user_t *u, size_t n, size_t k,
                     size_t l, double *b, double *f, uint64_t *macs);

/* MACs of one dynn_alloc_infer for n users at (k, l) (k, l ignored for
 * STATIC; 0 if n = 0 or k, l out of range), counted from the networks in
 * evaluation mode without running them. */
uint64_t dynn_alloc_macs(const dynn_alloc_t *a, size_t n, size_t k, size_t l);
/* Trainable parameters of the body + heads; *dynamic (if not NULL) gets
 * those of the experts alone (Table I's "dynamic params"; 0 for STATIC). */
size_t dynn_alloc_params(const dynn_alloc_t *a, size_t *dynamic);

/* The whole model file. Any network pointer may be NULL (absent). */
typedef struct dynn_model {
  dynn_params_t params;  /* base parameters used in training (metadata) */
  dynn_params_t norm;    /* feature normalisation constants (the defaults) */
  dynn_domain_t domain;  /* domain randomisation used in training */
  uint64_t train_seed;
  dynn_alloc_t *alloc[DYNN_ALLOC_COUNT];  /* [DYNN_ALLOC_MOE], [DYNN_ALLOC_STATIC] */
  nn_net_t *policy[DYNN_POLICY_COUNT];    /* FULL, FIX_WIDTH, FIX_DEPTH */
  nn_net_t *sched[DYNN_SCHED_COUNT];      /* PMRL, RL */
} dynn_model_t;

/* An empty model (no networks) with params, norm = dynn_params_default()'s,
 * domain and seed. NULL if out of memory. */
dynn_model_t *dynn_model_new(const dynn_params_t *params, const dynn_domain_t *domain, uint64_t seed);
void dynn_model_free(dynn_model_t *m);

/* New policy / scheduling networks (freshly initialised, seeded). */
nn_net_t *dynn_policy_net_new(uint64_t seed);
nn_net_t *dynn_sched_net_new(uint64_t seed);

/* Writes the model file (PATH.tmp, then renamed). 0 or -1 with err. */
int dynn_model_save(const dynn_model_t *m, const char *path, char *err, size_t n);
/* Reads a model file; NULL with a one-line reason in err ("model 'PATH':
 * ..." naming the attribute or dataset at fault). */
dynn_model_t *dynn_model_load(const char *path, char *err, size_t n);

/* The allocation model of that kind, or NULL if the file had none. */
dynn_alloc_t *dynn_model_alloc(const dynn_model_t *m, dynn_alloc_kind_t kind);

/* Policy input (DYNN_POLICY_N_IN values) from the n >= 1 offloaded users:
 *   [n / 30, mean of the 5 features, max of the 5 features,
 *    f_infer / 2.5e9, f_ser / 2.5e9, b_max / 0.5e6]
 * (features normalised with `norm`, the rest from p). */
void dynn_policy_input(const dynn_params_t *norm, const dynn_params_t *p, const dynn_user_t *u, size_t n,
                       double *x);
/* (k, l) from the policy network's two outputs y: round(1 + y (K - 1)),
 * clamped to 1..K (and 1..L); FIX_WIDTH forces k = K, FIX_DEPTH l = L. */
void dynn_policy_decode(const double *y, size_t K, size_t L, dynn_policy_variant_t v, size_t *k, size_t *l);
/* Scaled label of (k, l): ((k - 1)/(K - 1), (l - 1)/(L - 1)) (0 if K or L
 * is 1). */
void dynn_policy_encode(size_t k, size_t l, size_t K, size_t L, double *y);

/* Model size (k, l) for the n offloaded users u (eq. 28-29's network).
 * n = 0: nothing to allocate, *k = *l = 1 and *macs = 0 without running
 * the network. Needs the variant's policy network and the MoE allocation
 * model (for K, L). *macs (if not NULL) = dynn_policy_macs. 0 or negative. */
int dynn_policy_predict(const dynn_model_t *m, dynn_policy_variant_t v, const dynn_params_t *p, const dynn_user_t *u,
                        size_t n, size_t *k, size_t *l, uint64_t *macs);
/* MACs of one policy decision (0 if the variant is absent). */
uint64_t dynn_policy_macs(const dynn_model_t *m, dynn_policy_variant_t v);

/* Scheduling input of user i (DYNN_SCHED_N_IN values) among the n users of
 * the slot (all of them, offloaded or not):
 *   [5 features of user i, mean of the 5 features over the n users,
 *    n / 30, f_ser / 2.5e9, f_infer / 2.5e9, b_max / 0.5e6]. */
void dynn_sched_input(const dynn_params_t *norm, const dynn_params_t *p, const dynn_user_t *u, size_t n, size_t i,
                      double *x);
/* Offloading probabilities prob[i] in (0, 1) of the n users of a slot (the
 * policy of eq. 22; deterministic deployment offloads user i when
 * prob[i] >= 0.5). *macs = dynn_sched_macs(m, v, n). 0 or negative. */
int dynn_sched_predict(const dynn_model_t *m, dynn_sched_variant_t v, const dynn_params_t *p, const dynn_user_t *u,
                       size_t n, double *prob, uint64_t *macs);
/* MACs of scheduling n users (0 if the variant is absent). */
uint64_t dynn_sched_macs(const dynn_model_t *m, dynn_sched_variant_t v, size_t n);

/* Convenience for eq. (35): MACs of the whole DyNN decision for a slot of
 * n_all users of which n_off are offloaded, with the allocation at (k, l):
 * scheduling (n_all users, if sv's network is present and sv >= 0) + policy
 * (if pv >= 0 and present) + allocation (n_off users). Pass -1 for sv / pv
 * to leave that model out. */
uint64_t dynn_decision_macs(const dynn_model_t *m, int sv, int pv, dynn_alloc_kind_t kind, size_t n_all,
                            size_t n_off, size_t k, size_t l);

#endif
