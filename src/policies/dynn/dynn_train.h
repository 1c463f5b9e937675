/* dynn_train.h - training of the DyNN models (dynn_model.h): allocation
 * model by progressive shrinking (Section IV.B) or from scratch, the static
 * baseline, the policy model (eqs. 28-29), the scheduling model (PMRL,
 * Algorithm 1) and its RL baseline, the Fig. 12 training-cost experiment
 * and the offline Fig. 4 evaluation. See docs/dynn.md, "Models and
 * training".
 *
 * Samples: slots drawn by dynn_sample_slot (Section V's distributions with
 * domain randomisation). Held-out evaluation uses seeds disjoint from the
 * training seeds. Reproducible: same hyper-parameters and seed give
 * bit-identical weights (single thread: OPENBLAS_NUM_THREADS=1).
 *
 * Errors as in dynn_model.h: negative return / NULL and dynn_last_error().
 */
#ifndef MECSIM_DYNN_TRAIN_H
#define MECSIM_DYNN_TRAIN_H
#include "policies/dynn/dynn_model.h"
#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Samples                                                                   */
/* ------------------------------------------------------------------------ */
/* One slot: *p = base with the domain's draws (s_avg, c_avg, f_ser = f_infer,
 * and floc_min = floc_max = 0 with probability d->p_no_cpu if allow_no_cpu),
 * then n users from dynn_sample_users(p). u must hold d->n_max users.
 * Returns n (N ~ U{n_min..n_max}, or n_max when the domain is disabled). */
size_t dynn_sample_slot(const dynn_params_t *base, const dynn_domain_t *d, int allow_no_cpu, gsl_rng *rng,
                        dynn_params_t *p, dynn_user_t *u);

/* ------------------------------------------------------------------------ */
/* Allocation model                                                          */
/* ------------------------------------------------------------------------ */
/* The per-slot training loss of eq. (19), normalised by n:
 *   loss A = (1/n) sum_i w_i T_tra(b_i),  loss B = (1/n) sum_i w_i T_com(f_i),
 * with b = b_max softmax(zA), f = f_ser softmax(zB) over the slot's users.
 * Writes dL/dz (n values) into dz if not NULL; which = 0: loss A from the
 * scores z = zA; which = 1: loss B from z = zB. Returns the loss. */
double dynn_alloc_slot_loss(const dynn_params_t *p, const dynn_user_t *u, size_t n, const double *z, int which,
                            double *dz);

typedef struct dynn_alloc_hyper {
  double lr;            /* Adam learning rate (0.001, Table II) */
  size_t slots;         /* slots per minibatch (one update A and one update B per minibatch) */
  size_t steps_full;    /* PS stage 1: largest (K, L) */
  size_t steps_width;   /* PS stage 2: k ~ U{1..K}, l = L */
  size_t steps_depth1;  /* PS stage 3a: k ~ U{1..K}, l ~ U{L-1..L} */
  size_t steps_depth2;  /* PS stage 3b: k ~ U{1..K}, l ~ U{1..L} */
  double clip;          /* global gradient-norm clip (0: none) */
} dynn_alloc_hyper_t;
dynn_alloc_hyper_t dynn_alloc_hyper_default(void);
/* A tiny budget for tests and --quick. */
dynn_alloc_hyper_t dynn_alloc_hyper_quick(void);

/* Progress / curve callback: one call per logged point. stage is a short
 * name ("full", "width", "depth1", "depth2", "static", "scratch",
 * "policy-pre", "policy-joint", "sched-pmrl", "sched-rl"). */
typedef void (*dynn_log_fn)(void *ctx, const char *stage, long step, double loss_a, double loss_b, double extra);

/* One training step of the allocation model `a` at size (k, l) on `slots`
 * fresh slots (two Adam updates: A then B). Sums of the minibatch's losses
 * A and B (mean per slot) go to *la, *lb. Used by every schedule below. */
typedef struct dynn_alloc_trainer dynn_alloc_trainer_t;
dynn_alloc_trainer_t *dynn_alloc_trainer_new(dynn_alloc_t *a, const dynn_params_t *base, const dynn_domain_t *d,
                                             const dynn_alloc_hyper_t *h, uint64_t seed);
void dynn_alloc_trainer_free(dynn_alloc_trainer_t *t);
/* One update pair on a minibatch at one size (k, l). 0 or negative. */
int dynn_alloc_train_step(dynn_alloc_trainer_t *t, size_t k, size_t l, double *la, double *lb);
/* One update pair whose gradients sum over n_sizes sub-networks (ks[i],
 * ls[i]) on the same minibatch (from-scratch / sandwich training). */
int dynn_alloc_train_step_multi(dynn_alloc_trainer_t *t, const size_t *ks, const size_t *ls, size_t n_sizes,
                                double *la, double *lb);
/* Slots drawn so far. */
uint64_t dynn_alloc_trainer_samples(const dynn_alloc_trainer_t *t);

/* Full progressive-shrinking schedule (stages with h's step counts) for a
 * MOE model, or plain training (steps = the sum of the stages) for a
 * STATIC one. log may be NULL; it gets one point every log_every steps. */
int dynn_alloc_train(dynn_alloc_t *a, const dynn_params_t *base, const dynn_domain_t *d, const dynn_alloc_hyper_t *h,
                     uint64_t seed, dynn_log_fn log, void *ctx, long log_every);

/* Held-out evaluation set: n_slots slots from seed (domain as given). */
typedef struct dynn_evalset {
  size_t n_slots;
  size_t *n;            /* users per slot */
  size_t *off;          /* first user of each slot in u */
  dynn_params_t *p;     /* per slot */
  dynn_user_t *u;       /* all users */
} dynn_evalset_t;
int dynn_evalset_make(dynn_evalset_t *e, const dynn_params_t *base, const dynn_domain_t *d, int allow_no_cpu,
                      size_t n_slots, uint64_t seed);
void dynn_evalset_free(dynn_evalset_t *e);

/* Mean over the set's slots of (1/n) sum_i w_i (T_tra + T_com) of the
 * allocation at (k, l) (the validation loss, = loss A + loss B); with
 * infer != 0 the allocation's inference delay is added to every user's
 * delay: (1/n) sum_i w_i (T_infer + T_tra + T_com). a = NULL: equal split
 * b_max / n, f_ser / n (no inference). Returns the value, NAN on error. */
double dynn_alloc_eval(const dynn_alloc_t *a, const dynn_evalset_t *e, size_t k, size_t l, int infer);

/* The optimal allocation of one slot for eq. (19)'s losses, without
 * inference (a lower bound for every model; GA approaches it): f_i =
 * f_ser sqrt(w_i c_i s_i) / sum_j sqrt(w_j c_j s_j) (closed form of min
 * sum w_i c_i s_i / f_i), and b from the KKT condition -w_i dT_tra/db(b_i) =
 * nu (bisection on nu, and on each b_i). Users with w_i c_i s_i = 0 get a
 * 1e-9 share. 0 or negative. */
int dynn_alloc_optimal(const dynn_params_t *p, const dynn_user_t *u, size_t n, double *b, double *f);
/* dynn_alloc_eval's value for that optimal allocation. */
double dynn_alloc_eval_optimal(const dynn_evalset_t *e);

/* ------------------------------------------------------------------------ */
/* Fig. 12: progressive shrinking vs from scratch                            */
/* ------------------------------------------------------------------------ */
typedef enum { DYNN_DYN_WIDTH = 0, DYNN_DYN_DEPTH, DYNN_DYN_BOTH, DYNN_DYN_COUNT } dynn_dyn_kind_t;
typedef enum { DYNN_METHOD_PS = 0, DYNN_METHOD_SCRATCH, DYNN_METHOD_COUNT } dynn_method_t;
const char *dynn_dyn_kind_name(dynn_dyn_kind_t k);   /* "width", "depth", "both" */
const char *dynn_method_name(dynn_method_t m);      /* "ps", "scratch" */

typedef struct dynn_fig12_cfg {
  dynn_alloc_hyper_t h;  /* lr, slots, clip used by both methods */
  size_t ref_steps;      /* reference run: PS with this many steps per stage */
  double target_frac;    /* a sub-network is done when its validation loss <=
                            ref + target_frac * (equal_split - ref) (0.05) */
  size_t check_every;    /* steps between validations */
  size_t max_steps;      /* give up after this many steps per (kind, method) */
  size_t val_slots;      /* validation slots (held-out seed) */
  size_t scratch_random; /* random sub-networks per scratch step besides
                            the largest and the smallest (sandwich rule: 2) */
} dynn_fig12_cfg_t;
dynn_fig12_cfg_t dynn_fig12_cfg_default(void);

typedef struct dynn_fig12_row {
  dynn_dyn_kind_t kind;
  dynn_method_t method;
  int reached;           /* 1: every sub-network reached its target */
  double wall_s;         /* training wall time (validation excluded), s */
  uint64_t samples;      /* slots drawn for training */
  uint64_t steps;        /* update pairs */
  uint64_t subnet_passes;/* forward+backward passes of sub-networks */
  double worst_gap;      /* max over sub-networks of (loss - target) / (eq - ref) at the end */
} dynn_fig12_row_t;

/* Runs the reference, then every (kind, method): rows[DYNN_DYN_COUNT *
 * DYNN_METHOD_COUNT] in the order kind-major. The reference per sub-network
 * (k, l) is its validation loss after a PS run of ref_steps per stage. */
int dynn_fig12(const dynn_params_t *base, const dynn_domain_t *d, size_t K, size_t L, size_t units,
               const dynn_fig12_cfg_t *c, uint64_t seed, dynn_fig12_row_t *rows, dynn_log_fn log, void *ctx);

/* ------------------------------------------------------------------------ */
/* Policy model                                                              */
/* ------------------------------------------------------------------------ */
/* Costs of eq. (28) for the n offloaded users at every (k, l): cost[(k-1) *
 * L + (l-1)] = mean_i C_edge,i (eq. 25) with T_e^infer = dynn_infer_s(p,
 * extra_macs + dynn_alloc_macs(a, n, k, l)) (extra_macs: scheduling +
 * policy). n >= 1. 0 or negative. */
int dynn_policy_costs(const dynn_alloc_t *a, const dynn_params_t *p, const dynn_user_t *u, size_t n,
                      uint64_t extra_macs, double *cost);
/* Labels of the three variants from those costs: argmin over (k, l) (FULL),
 * over l at k = K (FIX_WIDTH), over k at l = L (FIX_DEPTH); ties: the
 * smaller model. */
void dynn_policy_labels(const double *cost, size_t K, size_t L, size_t k[DYNN_POLICY_COUNT],
                        size_t l[DYNN_POLICY_COUNT]);

typedef struct dynn_policy_hyper {
  double lr;            /* Adam (0.0001 in Table II; see docs/dynn.md) */
  size_t samples;       /* pre-training slots (all offloaded) */
  size_t epochs;
  size_t batch;
} dynn_policy_hyper_t;
dynn_policy_hyper_t dynn_policy_hyper_default(void);
dynn_policy_hyper_t dynn_policy_hyper_quick(void);

/* Pre-trains m->policy[v] for every variant (created if NULL) on
 * all-offloaded slots (Algorithm 1, lines 2-6). Needs m->alloc[MOE].
 * *acc (if not NULL, DYNN_POLICY_COUNT values) receives each variant's
 * exact-label accuracy on held-out slots. */
int dynn_policy_pretrain(dynn_model_t *m, const dynn_policy_hyper_t *h, uint64_t seed, dynn_log_fn log, void *ctx,
                         double *acc);

/* ------------------------------------------------------------------------ */
/* Scheduling model (Algorithm 1)                                            */
/* ------------------------------------------------------------------------ */
typedef struct dynn_sched_hyper {
  double lr;            /* Adam, scheduling model (0.002, Table II) */
  double lr_policy;     /* Adam, policy model in the joint loop */
  size_t episodes;      /* E_max */
  size_t slots;         /* slots per episode (one update of each model) */
  int relative;         /* 1: each user's advantage C_other - C_taken is divided
                           by C_loc + C_edge (docs/dynn.md); 0: eq. (23) as is */
} dynn_sched_hyper_t;
dynn_sched_hyper_t dynn_sched_hyper_default(void);
dynn_sched_hyper_t dynn_sched_hyper_quick(void);

/* Per-episode figures (one row of the training curve). */
typedef struct dynn_sched_stats {
  double reward;        /* mean R_i (eq. 23) */
  double cost;          /* mean cost of the actions taken (C_edge or C_loc) */
  double frac_off;      /* share of users offloaded */
  double mean_k, mean_l;/* mean size chosen */
  double policy_loss;   /* MSE of the policy update (NaN for RL) */
} dynn_sched_stats_t;

/* Algorithm 1, lines 7-17, for variant v: PMRL also updates m->policy[FULL]
 * (pre-trained first if absent) on the offloaded sets' labels; RL uses
 * (K, L) and no policy model. m->sched[v] is created (fresh) and trained.
 * The counterfactual C_edge of a user that stayed local is its cost in the
 * allocation of the offloaded set plus that user, at the same (k, l). */
int dynn_sched_train(dynn_model_t *m, dynn_sched_variant_t v, const dynn_sched_hyper_t *h, uint64_t seed,
                     dynn_log_fn log, void *ctx, long log_every);

/* Held-out evaluation of a deployed decision chain on an evaluation set:
 * x_i = prob_i >= 0.5 with scheduling variant sv >= 0; sv = DYNN_CHAIN_ALL_OFF:
 * every user offloaded; DYNN_CHAIN_ALL_LOCAL: every user local (no model
 * runs); DYNN_CHAIN_RANDOM: each user offloads with probability 1/2 (drawn
 * from a stream seeded by the slot index). (k, l) from policy variant pv, or
 * (K, L) if pv < 0; allocation of kind `kind`. Inference delays as eqs.
 * (34-35). Fills out (means per task over the set). 0 or negative. */
#define DYNN_CHAIN_ALL_OFF (-1)
#define DYNN_CHAIN_ALL_LOCAL (-2)
#define DYNN_CHAIN_RANDOM (-3)
typedef struct dynn_chain_eval {
  double objective;     /* eq. (11a) per task */
  double mean_delay;    /* s, per task, inference included */
  double miss_ratio;
  double energy;        /* J per task */
  double frac_off;
  double mean_macs;     /* per slot */
  double frac_right;    /* share of users whose action is the cheaper one for
                           them (eq. 24 vs 25) given the others' actions; the
                           alternative of a local user is its cost in the
                           allocation of the offloaded set plus itself */
} dynn_chain_eval_t;
int dynn_chain_eval(const dynn_model_t *m, int sv, int pv, dynn_alloc_kind_t kind, const dynn_evalset_t *e,
                    dynn_chain_eval_t *out);

#endif
