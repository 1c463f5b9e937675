/* memtl_model.h - MTFNN (Yang et al., TMC 2021) and MEMTL (Liang et al.,
 * Globecom 2023) on src/nn: a backbone shared by prediction heads (PHs),
 * each head a small MLP with two outputs, a classification over the 2^N
 * offloading codes and a regression of the N server fractions R.
 * docs/memtl.md, "Models".
 *
 * Architecture (the public code's, model/MTL.py and model/MEMTL.py, with the
 * classification head the issue asks for):
 *   backbone: dense(8N -> 60) ReLU -> dense(60 -> B2) ReLU, B2 = 10N (MEMTL)
 *             or 20 (MTFNN);
 *   head:     dense(B2 -> 40) ReLU -> dense(40 -> 2^N + N) linear; the first
 *             2^N outputs are logits of the code of D (softmax), the last N
 *             pass a sigmoid and are R.
 *   loss:     cross-entropy(code) + MSE(R against R*), summed with weights
 *             (hyper.w_ce, hyper.w_mse; 1, 1).
 * An MTFNN is the same object with one head trained together with its
 * backbone; a MEMTL model has M >= 1 heads over a frozen backbone.
 *
 * Decoding a head's output into a decision (memtl_head_decision): D = the
 * code of largest logit; R_n = sigmoid output for offloaders, 0 for local
 * MTs; if the offloaders' R sum above 1 they are scaled to sum 1 (C4), and
 * an offloader's R is floored at 1e-6 (eq. 5 needs R > 0).
 *
 * Head pick (Algorithm 2): MEMTL_PICK_COST evaluates every head's decision
 * with eq. 6 on the sample's own inputs and takes the cheapest among those
 * that meet every deadline (the cheapest of all if none does); ties to the
 * lowest head index. MEMTL_PICK_ORACLE takes the head whose R is closest to
 * the ground truth (the public code's MEMTL_example.py does this): an upper
 * bound for analysis only, never deployable. MEMTL_PICK_HEAD0 + i uses head i.
 *
 * Errors: negative return / NULL with memtl_model_error(). */
#ifndef MECSIM_MEMTL_MODEL_H
#define MECSIM_MEMTL_MODEL_H
#include "nn/nn.h"
#include "policies/memtl/memtl_data.h"

#define MEMTL_MAX_HEADS 16

const char *memtl_model_error(void);
/* Records a message for memtl_model_error() (printf format) and returns -1;
 * shared by the memtl modules (model, training, online learning). */
int memtl_model_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef enum { MEMTL_KIND_MTFNN = 0, MEMTL_KIND_MEMTL = 1 } memtl_kind_t;

typedef struct memtl_model {
  memtl_kind_t kind;
  size_t n_mt;              /* N */
  size_t n_in;              /* 8N */
  size_t n_codes;           /* 2^N */
  nn_net_t *backbone;       /* n_in -> B2 */
  nn_net_t *head[MEMTL_MAX_HEADS];
  size_t n_heads;
  memtl_norm_t norm;        /* feature scaling fitted on the training set */
  memtl_params_t params;    /* the system the model was trained for */
  double step;              /* grid step of its labels */
} memtl_model_t;

/* New untrained model: backbone widths by kind, n_heads heads (MTFNN: 1),
 * weights from seed. NULL on bad sizes. */
memtl_model_t *memtl_model_new(memtl_kind_t kind, size_t n_mt, size_t n_heads, uint64_t seed);
void memtl_model_free(memtl_model_t *m);
/* Appends a freshly initialised head (seeded); its index, or -1. */
int memtl_model_add_head(memtl_model_t *m, uint64_t seed);
/* Re-initialises head i from seed (Algorithm 1 line 3). */
int memtl_model_reset_head(memtl_model_t *m, size_t i, uint64_t seed);

/* Parameters of the backbone and of one head; bytes as float32 (the public
 * code's Keras .h5 stores float32: Table I's "model size"). */
size_t memtl_model_params(const memtl_model_t *m, size_t *backbone, size_t *per_head);

/* Raw decision of head i for the normalised features x (one sample). */
typedef struct memtl_decision {
  int d[MEMTL_MAX_N];
  double r[MEMTL_MAX_N];
  uint32_t code;
  double cost;     /* C_total (eq. 6) on the sample's own inputs */
  int feasible;    /* meets every deadline */
  int head;        /* head used */
} memtl_decision_t;

typedef enum { MEMTL_PICK_COST = -1, MEMTL_PICK_ORACLE = -2, MEMTL_PICK_HEAD0 = 0 } memtl_pick_t;

/* Decodes one head's raw output y[2^N + N] (logits, then the R outputs
 * before their sigmoid) as described above into out->d, r, code; out->cost
 * = NAN, feasible = 0, head = -1 (the caller fills them). */
void memtl_head_decision(const double *y, size_t n_mt, memtl_decision_t *out);

/* Algorithm 2 for a batch of samples: raw inputs mt[b * n_mt], their
 * normalised features are computed here. pick as above (ORACLE needs
 * truth_r[b * n_mt], else it may be NULL). out[b]. *macs (may be NULL)
 * receives the multiply-accumulates of the networks run plus
 * MEMTL_FLOPS_PER_MT_EVAL * N per cost evaluation, for one sample.
 * 0 or negative. */
int memtl_model_decide(memtl_model_t *m, const memtl_mt_t *mt, size_t batch, int pick, const double *truth_r,
                       memtl_decision_t *out, double *macs);

/* HDF5 model file (docs/memtl.md, "Model file"): root attributes format =
 * "mecsim-memtl-model", format_version, kind, n_mt, n_heads, step, the
 * params, norm_lo / norm_hi; groups /backbone, /head_00, ... written with
 * nn_net_save_group. Written to path.tmp, then renamed. Loading validates
 * everything (untrusted input). */
int memtl_model_save(const memtl_model_t *m, const char *path);
memtl_model_t *memtl_model_load(const char *path);

/* ------------------------------------------------------------------------ */
/* Training (Algorithm 1)                                                    */
/* ------------------------------------------------------------------------ */
typedef struct memtl_hyper {
  double lr;        /* Adam, 0.001 (the paper, Fig. 3) */
  size_t epochs;    /* 30 (the paper) */
  size_t batch;     /* 32 (Keras' default, the public code) */
  double w_ce, w_mse;
} memtl_hyper_t;
memtl_hyper_t memtl_hyper_default(void);

/* Per-epoch curve: which = "mtfnn", "backbone", "head" with the head index;
 * loss = mean training loss of the epoch. May be NULL. */
typedef void (*memtl_curve_fn)(void *ctx, const char *which, int head, size_t epoch, double loss);

/* Fits m->norm on rows idx of ds (so call it once, on the training set). */
void memtl_model_fit_norm(memtl_model_t *m, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx);

/* Trains backbone + head `head` together (MTFNN; Algorithm 1 line 2) on rows
 * idx of ds. */
int memtl_train_joint(memtl_model_t *m, size_t head, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx,
                      const memtl_hyper_t *h, uint64_t seed, memtl_curve_fn curve, void *ctx);
/* Trains head `head` alone with the backbone frozen (Algorithm 1 line 6). */
int memtl_train_head(memtl_model_t *m, size_t head, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx,
                     const memtl_hyper_t *h, uint64_t seed, memtl_curve_fn curve, void *ctx);
/* Algorithm 1: norm fit, backbone + head 0 on idx, head 0 re-initialised,
 * backbone frozen, then every head m on its own bootstrap resample of idx
 * (memtl_bootstrap, stream from seed). m must be MEMTL_KIND_MEMTL. */
int memtl_train_algorithm1(memtl_model_t *m, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx,
                           const memtl_hyper_t *h, uint64_t seed, memtl_curve_fn curve, void *ctx);
/* Multiply-accumulates of one training sample's forward+backward through
 * backbone and one head (3x the forward) or through one head alone: what
 * the simulator charges for online head training. */
double memtl_train_macs_per_sample(const memtl_model_t *m, int head_only);

/* ------------------------------------------------------------------------ */
/* Evaluation                                                                */
/* ------------------------------------------------------------------------ */
typedef struct memtl_eval {
  size_t n;
  double mse;           /* mean over samples and MTs of (R - R*)^2 (eq. 8a), R as decoded */
  double accuracy;      /* fraction of samples with D == D* */
  double cost_ratio;    /* mean C_total(decision) / C_total(label) over samples with finite label cost */
  double cost_ratio_median; /* its median: the mean is dominated by rare offloads over a near-zero channel */
  double feasible;      /* fraction of decisions meeting every deadline */
  double us_per_sample; /* wall-clock inference time per sample, microseconds (batch of all rows) */
  double pick_rate[MEMTL_MAX_HEADS];
} memtl_eval_t;
int memtl_evaluate(memtl_model_t *m, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx, int pick,
                   memtl_eval_t *out);
#endif
