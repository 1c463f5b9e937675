/* nn.h - small, fast neural networks in plain C for the learning policies.
 *
 * Numbers are `double` everywhere. Why not float: the finite-difference
 * gradient checks need ~1e-8 precision, the simulator's cost formulas that
 * losses are built from are double, and the networks here are tiny (10^3-10^5
 * parameters) so speed is bound by per-call overhead, not memory bandwidth.
 *
 * Model of a network: a sequential list of layers (dense, activation, batch
 * normalization, noisy top-k mixture of experts). The network owns three flat
 * arrays of the same length -- parameters, gradients, and optimizer state (two
 * arrays, Adam's m and v) -- and every layer points into them. A fourth array
 * holds non-trainable buffers (batch-norm running statistics).
 *
 * Tensors are row-major: a batch is `batch x width`, one sample per row.
 * A dense layer computes y = x W + b with W stored `n_in x n_out` (row i of W
 * holds the weights leaving input i). PyTorch's nn.Linear stores the transpose.
 *
 * Ownership: every pointer returned by an nn_net_* function that is not a
 * nn_net_t* belongs to the network -- do not free it. Output and gradient
 * buffers stay valid until the next forward/backward call on the same network
 * (or nn_net_free); parameter/gradient pointers stay valid for the network's
 * life. nn_net_t* returned by *_new / clone / load_new are freed with
 * nn_net_free.
 *
 * Errors: functions returning int give 0 on success and a negative nn_err_t on
 * failure; functions returning a pointer give NULL on failure. In both cases
 * nn_last_error() says what went wrong in one sentence (which layer, which
 * step, which file). Not thread-safe across threads sharing one network;
 * separate networks in separate threads are fine (the error message is
 * thread-local).
 *
 * Typical training loop:
 *   nn_net_t *net = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 4, .hidden = {64, 64},
 *                              .n_out = 2, .hidden_act = NN_ACT_RELU}, seed);
 *   nn_opt_t opt = nn_adam(1e-3);
 *   for (...) {
 *     nn_net_zero_grad(net);
 *     const double *y = nn_net_forward(net, x, batch);
 *     double loss = nn_loss_mse(y, target, batch, 2, dy);
 *     nn_net_backward(net, dy, NULL);
 *     if (nn_net_step(net, &opt) < 0) { fprintf(stderr, "%s\n", nn_last_error()); ... }
 *   }
 *   nn_net_free(net);
 */
#ifndef MECSIM_NN_H
#define MECSIM_NN_H
#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */
typedef enum {
  NN_OK = 0,
  NN_ERR_ARG = -1,      /* bad argument (dimension, NULL, out of range) */
  NN_ERR_NOMEM = -2,    /* allocation failed */
  NN_ERR_STATE = -3,    /* call not allowed now (e.g. forward before finalize) */
  NN_ERR_NONFINITE = -4,/* NaN or Inf found in gradients or parameters (or in a model file) */
  NN_ERR_IO = -5,       /* HDF5 file could not be opened/read/written */
  NN_ERR_FORMAT = -6    /* file is not a mecsim-nn file, wrong version, or shape mismatch */
} nn_err_t;

/* Message describing the last failure in this thread ("" if none). The
 * string belongs to the library; it is overwritten by the next failure. */
const char *nn_last_error(void);

/* ------------------------------------------------------------------------ */
/* Building networks                                                         */
/* ------------------------------------------------------------------------ */
typedef struct nn_net nn_net_t;

typedef enum {
  NN_ACT_NONE = 0,   /* identity (only meaningful in nn_mlp_cfg_t) */
  NN_ACT_RELU,
  NN_ACT_LEAKY_RELU, /* slope for x < 0 set by nn_net_add_leaky_relu, default 0.01 */
  NN_ACT_SIGMOID,
  NN_ACT_TANH,
  NN_ACT_SOFTMAX     /* over each row */
} nn_act_t;

typedef enum {
  NN_INIT_DEFAULT = 0, /* He for layers followed by (leaky) ReLU, Xavier otherwise */
  NN_INIT_HE,          /* W ~ N(0, 2 / n_in), b = 0 */
  NN_INIT_XAVIER,      /* W ~ U(+-sqrt(6 / (n_in + n_out))), b = 0 */
  NN_INIT_UNIFORM      /* W, b ~ U(+-1 / sqrt(n_in)) (PyTorch's nn.Linear default) */
} nn_init_t;

/* New empty network taking `n_in` inputs per sample. `name` (may be NULL) is
 * used in error reports and stored in saved files; it is copied. Add layers,
 * then call nn_net_finalize. NULL if n_in == 0 or out of memory. */
nn_net_t *nn_net_new(size_t n_in, const char *name);
void nn_net_free(nn_net_t *net);   /* NULL is fine */

/* Append layers (only before nn_net_finalize). Each returns the new layer's
 * index (>= 0) or a negative nn_err_t. */
int nn_net_add_dense(nn_net_t *net, size_t n_out, nn_init_t init);
int nn_net_add_act(nn_net_t *net, nn_act_t act);           /* not NN_ACT_NONE */
int nn_net_add_leaky_relu(nn_net_t *net, double slope);     /* slope in [0, 1) */
/* Batch normalization over each feature: in training mode normalizes with the
 * batch's mean and (biased) variance and updates running statistics
 * r = (1 - momentum) r + momentum * batch_stat (unbiased variance), in
 * evaluation mode uses the running statistics. Trainable gamma (1), beta (0).
 * Training mode needs batch >= 2. Typical: momentum 0.1, eps 1e-5. */
int nn_net_add_batchnorm(nn_net_t *net, double momentum, double eps);

/* Noisy top-k gated mixture of experts (DyNN eqs. 12-17, after Shazeer et
 * al. 2017):
 *   H(x)_i = (x W_g)_i + eps_i * softplus((x W_noise)_i),  eps_i ~ N(0,1)
 *   G(x)   = softmax(TopK(H(x), k))      (zero outside the top k)
 *   y      = sum_i G(x)_i E_i(x)
 * Each expert E_i is `depth` dense layers of `units` units with activation
 * `act` after every layer (n_in -> units -> ... -> units), so the MoE layer
 * outputs `units` values and an expert can be cut to its first l layers at
 * run time (nn_net_set_moe_size). Only the top-k experts of each sample are
 * computed. Noise is drawn only in training mode and only if `noisy`; W_g and
 * W_noise start at zero (balanced random routing at first, as in Shazeer). */
typedef struct {
  size_t n_experts; /* K >= 1 */
  size_t depth;     /* L >= 1 layers per expert */
  size_t units;     /* width of every expert layer = MoE output size */
  size_t k;         /* experts per sample, 1..K */
  nn_act_t act;     /* after each expert layer; NN_ACT_NONE means ReLU */
  int noisy;        /* 1: trainable gating noise in training mode */
} nn_moe_cfg_t;
int nn_net_add_moe(nn_net_t *net, const nn_moe_cfg_t *cfg);

/* Allocate the flat arrays and initialize every parameter from `seed`
 * (streams derived with mec_rng_new(seed, MEC_STREAM_POLICY, ...)): same
 * structure + same seed = bit-identical weights. Also seeds the network's
 * noise stream (MoE gating noise). 0 or negative nn_err_t. */
int nn_net_finalize(nn_net_t *net, uint64_t seed);

/* Multi-layer perceptron: dense(+batchnorm)(+act) per hidden width, then a
 * dense output layer followed by out_act (unless NN_ACT_NONE). Returns a
 * finalized network, NULL on bad config (message in nn_last_error). */
#define NN_MLP_MAX_HIDDEN 8
typedef struct {
  size_t n_in;
  size_t hidden[NN_MLP_MAX_HIDDEN]; /* widths, first 0 ends the list */
  size_t n_out;
  nn_act_t hidden_act;              /* NN_ACT_NONE means ReLU */
  nn_act_t out_act;                 /* NN_ACT_NONE: linear output */
  int batchnorm;                    /* 1: batchnorm before each hidden act */
  nn_init_t init;
  const char *name;                 /* may be NULL */
} nn_mlp_cfg_t;
nn_net_t *nn_mlp_new(const nn_mlp_cfg_t *cfg, uint64_t seed);

/* Deep copy: same structure, parameters and buffers; gradients and optimizer
 * state zeroed, step counter 0, same mode, noise stream reseeded from
 * `seed`. For target networks. NULL on failure. */
nn_net_t *nn_net_clone(const nn_net_t *net, uint64_t seed);

/* ------------------------------------------------------------------------ */
/* Running                                                                   */
/* ------------------------------------------------------------------------ */
/* Training mode (default) vs evaluation mode: affects batch norm (batch vs
 * running statistics) and MoE gating noise (on vs off). */
void nn_net_set_training(nn_net_t *net, int training);
/* Restart the network's noise stream (MoE gating noise) from `seed`. */
void nn_net_reseed(nn_net_t *net, uint64_t seed);

/* Forward pass of `batch` samples x (batch x n_in). Returns the output
 * (batch x n_out), owned by the network, valid until the next forward. The
 * input is copied, the caller may reuse x at once. NULL on error. */
const double *nn_net_forward(nn_net_t *net, const double *x, size_t batch);

/* Backward pass of the last forward. dy (batch x n_out) is dL/dy for that
 * output (already divided by the batch size if L is a mean -- the nn_loss_*
 * functions do). ADDS dL/dtheta to the gradient of every non-frozen layer
 * (call nn_net_zero_grad first). If dx != NULL, *dx is set to dL/dx
 * (batch x n_in, owned by the network, valid until the next forward or
 * backward); with dx == NULL the first layer's input gradient is skipped. */
int nn_net_backward(nn_net_t *net, const double *dy, const double **dx);

/* Input gradient only: sets *dx = dL/dx and leaves every parameter gradient
 * untouched (MADDPG: dQ/da through the critic while only the actor learns). */
int nn_net_backward_input(nn_net_t *net, const double *dy, const double **dx);

void nn_net_zero_grad(nn_net_t *net);

/* ------------------------------------------------------------------------ */
/* Inspecting and manipulating parameters                                    */
/* ------------------------------------------------------------------------ */
size_t nn_net_n_in(const nn_net_t *net);
size_t nn_net_n_out(const nn_net_t *net);
size_t nn_net_n_layers(const nn_net_t *net);
const char *nn_net_name(const nn_net_t *net);  /* owned by the network */

/* Flat arrays (owned by the network, valid for its life). *n receives the
 * length if n != NULL. Parameters of layer i are a contiguous slice. */
double *nn_net_params(nn_net_t *net, size_t *n);
double *nn_net_grads(nn_net_t *net, size_t *n);
/* Slice of layer i's parameters / gradients (NULL and *n = 0 if it has none).
 * Dense layer: W (n_in x n_out) then b (n_out). Batchnorm: gamma then beta.
 * MoE: W_g (n_in x K), W_noise (n_in x K), then expert 0 layer 0 W, b, layer
 * 1 W, b, ..., expert 1 ... */
double *nn_net_layer_params(nn_net_t *net, size_t layer, size_t *n);
double *nn_net_layer_grads(nn_net_t *net, size_t layer, size_t *n);

/* Freeze (1) or unfreeze (0) layers [first, first + count): frozen layers get
 * no gradient and are skipped by optimizer steps, but still pass gradients to
 * their inputs. (MEMTL: frozen backbone, trainable heads.) */
int nn_net_freeze(nn_net_t *net, size_t first, size_t count, int frozen);

/* dst := src (parameters and batch-norm buffers); same structure required. */
int nn_net_copy(nn_net_t *dst, const nn_net_t *src);
/* Soft target update dst := tau * src + (1 - tau) * dst, for parameters and
 * batch-norm buffers; tau in [0, 1]. */
int nn_net_soft_update(nn_net_t *dst, const nn_net_t *src, double tau);

/* Multiply-accumulate operations of one forward pass of `batch` samples in
 * the current mode and MoE sizes: dense n_in * n_out per sample, batch norm
 * n per sample, MoE gating n_in*K (twice with noise in training mode) plus k
 * experts of the current depth; activations count 0. */
uint64_t nn_net_macs(const nn_net_t *net, size_t batch);

/* Set the MoE layer `layer`'s experts per sample k (1..K) and expert depth l
 * (1..L). Applies to training and inference. */
int nn_net_set_moe_size(nn_net_t *net, size_t layer, size_t k, size_t depth);
/* Gates G(x) of the last forward through MoE layer `layer` (batch x K, zero
 * outside each sample's top k); owned by the network. NULL if not a MoE. */
const double *nn_net_moe_gates(const nn_net_t *net, size_t layer);

/* ------------------------------------------------------------------------ */
/* Losses: return the mean loss over the batch and write dL/dy into dy       */
/* (same shape as y; may be NULL for the loss value only).                   */
/* ------------------------------------------------------------------------ */
/* Mean squared error over all batch*dim elements (as PyTorch's MSELoss). */
double nn_loss_mse(const double *y, const double *t, size_t batch, size_t dim, double *dy);
/* Softmax cross-entropy from logits with integer class labels in [0, C). */
double nn_loss_cross_entropy(const double *logits, const int *labels, size_t batch, size_t C,
                             double *dlogits);
/* Softmax cross-entropy from logits with target distributions (rows of t sum to 1). */
double nn_loss_cross_entropy_soft(const double *logits, const double *t, size_t batch, size_t C,
                                  double *dlogits);
/* Cross-entropy of probabilities p (after a softmax layer) and targets t. */
double nn_loss_cross_entropy_probs(const double *p, const double *t, size_t batch, size_t C,
                                   double *dp);
/* Binary cross-entropy, mean over batch*dim: from probabilities p in (0,1)
 * (clamped to [1e-12, 1 - 1e-12]) or, stably, from logits. */
double nn_loss_bce(const double *p, const double *t, size_t batch, size_t dim, double *dp);
double nn_loss_bce_logits(const double *z, const double *t, size_t batch, size_t dim, double *dz);

/* ------------------------------------------------------------------------ */
/* Optimizers                                                                */
/* ------------------------------------------------------------------------ */
typedef enum { NN_OPT_ADAM = 0, NN_OPT_SGD } nn_opt_kind_t;
typedef struct {
  nn_opt_kind_t kind;
  double lr;
  double beta1, beta2, eps; /* Adam */
  double momentum;          /* SGD (0: plain SGD) */
  double weight_decay;      /* L2 added to the gradient (0: none) */
  double clip_norm;         /* > 0: clip the global gradient norm first */
} nn_opt_t;
nn_opt_t nn_adam(double lr);                  /* beta1 .9, beta2 .999, eps 1e-8 */
nn_opt_t nn_sgd(double lr, double momentum);

/* One update of every non-frozen parameter from the gradients. Checks the
 * gradients first: on NaN/Inf, nothing is updated and NN_ERR_NONFINITE is
 * returned with a message naming the network, layer and step. Does not zero
 * the gradients. */
int nn_net_step(nn_net_t *net, const nn_opt_t *opt);
/* Optimizer steps taken so far (Adam's t). */
uint64_t nn_net_steps(const nn_net_t *net);

/* Flat-array optimizers (what nn_net_step uses; usable on any arrays).
 * t is the 1-based step number (bias correction). */
void nn_adam_update(size_t n, double *p, const double *g, double *m, double *v, uint64_t t,
                    const nn_opt_t *opt);
void nn_sgd_update(size_t n, double *p, const double *g, double *vel, const nn_opt_t *opt);

/* Gradient clipping over the network's non-frozen gradients. Returns the norm
 * before clipping. */
double nn_net_clip_grad_norm(nn_net_t *net, double max_norm);
void nn_net_clip_grad_value(nn_net_t *net, double max_abs);

/* 0 if all parameters and gradients are finite, else NN_ERR_NONFINITE with a
 * message naming the layer and the step. */
int nn_net_check_finite(const nn_net_t *net);

/* ------------------------------------------------------------------------ */
/* Minibatch training helpers                                                */
/* ------------------------------------------------------------------------ */
typedef enum {
  NN_LOSS_MSE = 0,
  NN_LOSS_CROSS_ENTROPY, /* logits vs target distributions (one-hot rows) */
  NN_LOSS_BCE,           /* probabilities vs 0/1 targets */
  NN_LOSS_BCE_LOGITS     /* logits vs 0/1 targets */
} nn_loss_t;

/* zero_grad + forward + loss + backward + step on one batch; returns the
 * loss, or NAN on error (message in nn_last_error). */
double nn_net_train_batch(nn_net_t *net, const double *x, const double *t, size_t batch,
                          nn_loss_t loss, const nn_opt_t *opt);

/* `epochs` passes over n samples (X: n x n_in, T: n x n_out) in shuffled
 * minibatches of `batch` (the last one may be smaller; a batch of 1 is
 * skipped when the network has batch norm). Shuffling draws from rng. If
 * mean_loss != NULL it receives the mean loss of the last epoch. */
int nn_fit(nn_net_t *net, const double *X, const double *T, size_t n, size_t batch,
           size_t epochs, nn_loss_t loss, const nn_opt_t *opt, gsl_rng *rng, double *mean_loss);

/* ------------------------------------------------------------------------ */
/* Gumbel-softmax (Jang et al. 2017) for discrete actions                    */
/* ------------------------------------------------------------------------ */
/* For each of `rows` rows of n logits: y_soft = softmax((logits + g) / tau),
 * g ~ Gumbel(0,1) drawn from rng. If y_hard != NULL it receives the one-hot
 * argmax of y_soft (straight-through: use y_hard forward, and pass dL/dy_hard
 * to the backward as if it were dL/dy_soft). tau > 0. */
int nn_gumbel_softmax(const double *logits, size_t rows, size_t n, double tau, gsl_rng *rng,
                      double *y_soft, double *y_hard);
/* dL/dlogits = (1/tau) y_soft * (dy - <dy, y_soft>) per row. */
void nn_gumbel_softmax_backward(const double *y_soft, const double *dy, size_t rows, size_t n,
                                double tau, double *dlogits);

/* ------------------------------------------------------------------------ */
/* Saving and loading (HDF5)                                                 */
/* ------------------------------------------------------------------------ */
/* File layout (readable with h5py): root attributes format = "mecsim-nn",
 * format_version, name, n_in, n_out, n_layers; one group per layer
 * "layer_000", ... with attributes kind ("dense", "act", "batchnorm", "moe"),
 * n_in, n_out and the layer's settings, holding one dataset per tensor
 * (dense: W [n_in, n_out], b [n_out]; batchnorm: gamma, beta, running_mean,
 * running_var; moe: W_gate, W_noise, and groups expert_00/... with W0, b0,
 * W1, b1, ...). Optimizer state is not saved. Writes to path + ".tmp" then
 * renames, so a crash never leaves a half-written model. */
int nn_net_save(const nn_net_t *net, const char *path);
/* Load parameters into an existing network of the same structure; a
 * mismatch (version, layer kind, shape) is NN_ERR_FORMAT with a message
 * naming the file and the first difference. The network is unchanged on
 * error. */
int nn_net_load(nn_net_t *net, const char *path);
/* Build a new network from the structure stored in the file and load it.
 * NULL on error. */
nn_net_t *nn_net_load_new(const char *path);
/* The same for a network stored in group `group` of the file (for example
 * "/net_003" of a DTOMALB model file, which holds one network per group laid
 * out as a network file's root); NULL or "/" is the root. Messages name the
 * file and the full path of the attribute or dataset, without a prefix:
 * "model 'm.h5': dataset '/net_003/layer_000/W': non-finite value (nan) at
 * index 17 ([2, 1])". */
nn_net_t *nn_net_load_new_group(const char *path, const char *group);

/* Loading treats the file as untrusted (docs/nn.md, "Model files: what is
 * checked on load"): every weight, bias and batch-norm statistic must be
 * finite (NN_ERR_NONFINITE otherwise); integer attributes are read with their
 * stored type's size and sign (never truncated or clamped) and must lie
 * within these limits, checked before anything is allocated from them;
 * dataset shapes must match the layer sizes. */
#define NN_IO_MAX_WIDTH 1000000          /* n_in, n_out of any layer, MoE units */
#define NN_IO_MAX_LAYERS 1024            /* layers of one network */
#define NN_IO_MAX_EXPERTS 1024           /* MoE n_experts */
#define NN_IO_MAX_DEPTH 64               /* MoE expert depth */
#define NN_IO_MAX_PARAMS (1UL << 24)     /* parameters + buffers of one network (16.7 M) */
#define NN_IO_MAX_NAME 127               /* characters of the network's name */

#define NN_FORMAT_VERSION 1

/* ------------------------------------------------------------------------ */
/* BLAS                                                                      */
/* ------------------------------------------------------------------------ */
/* Threads OpenBLAS may use for the larger matrix products (process-wide).
 * 1 is best for the simulator and for sweeps that run one job per core. */
void nn_set_blas_threads(int n);

#endif
