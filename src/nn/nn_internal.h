/* nn_internal.h - structures shared by the nn library's source files (not
 * part of the public API; include "nn/nn.h" from outside src/nn). */
#ifndef MECSIM_NN_INTERNAL_H
#define MECSIM_NN_INTERNAL_H
#include "nn/nn.h"

#include <stdbool.h>

/* Hot loops are compiled twice, for AVX2+FMA and baseline x86-64, and the
 * loader picks one (the project builds for baseline x86-64). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NN_MULTIVERSION
#endif

/* Record a failure message (printf format) and return `code`. */
int nn_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef enum { NN_LAYER_DENSE, NN_LAYER_ACT, NN_LAYER_BATCHNORM, NN_LAYER_MOE } nn_layer_kind_t;

typedef struct nn_moe nn_moe_t; /* runtime state of a MoE layer (nn_moe.c) */

typedef struct nn_layer {
  nn_layer_kind_t kind;
  size_t n_in, n_out;
  size_t p_off, n_p;   /* slice of params / grads / m / v */
  size_t s_off, n_s;   /* slice of the non-trainable buffers */
  bool frozen;
  nn_act_t act;        /* activation layers */
  double slope;        /* leaky ReLU slope */
  nn_init_t init;      /* dense */
  double bn_momentum, bn_eps;
  nn_moe_cfg_t moe_cfg; /* k and depth here are the current settings */
  size_t moe_max_depth; /* depth the experts were built with (L) */
  nn_moe_t *moe;
  /* work buffers, `net->cap` rows */
  double *out;         /* batch x n_out */
  double *xhat;        /* batchnorm: normalized input, batch x n */
  double *invstd;      /* batchnorm: 1/sqrt(var + eps) used by the last forward, n */
} nn_layer_t;

struct nn_net {
  char *name;
  size_t n_in;
  nn_layer_t *layers;
  size_t n_layers, cap_layers;
  size_t n_params, n_bufs;
  double *params, *grads, *m, *v; /* n_params each; one allocation */
  double *bufs;                   /* n_bufs */
  bool finalized, training;
  bool fwd_training;              /* mode of the last forward */
  uint64_t steps;
  gsl_rng *noise_rng;
  size_t cap;                     /* rows the work buffers hold */
  size_t batch;                   /* rows of the last forward, 0 = none */
  size_t max_width;
  double *x;                      /* copy of the last input, cap x n_in */
  double *g0, *g1;                /* ping-pong gradient buffers, cap x max_width */
  double *dy;                     /* loss gradient scratch for train helpers, cap x n_out */
};

/* Matrix kernels (nn_kernels.c): BLAS above a size threshold, loops below. */
/* Y (B x out) = X (B x in) W (in x out) + b (b may be NULL). */
void nn_gemm_fwd(const double *X, const double *W, const double *b, double *Y, size_t B,
                 size_t in, size_t out);
/* dX (B x in) = dY (B x out) W^T; accumulate adds instead of overwriting. */
void nn_gemm_dx(const double *dY, const double *W, double *dX, size_t B, size_t in, size_t out,
                bool accumulate);
/* dW (in x out) += X^T dY; db (out) += column sums of dY (db may be NULL). */
void nn_gemm_dw(const double *X, const double *dY, double *dW, double *db, size_t B, size_t in,
                size_t out);

/* Activations (nn_layers.c), in place allowed (x == y). */
void nn_act_forward(nn_act_t act, double slope, const double *x, double *y, size_t rows,
                    size_t n);
/* g_in = g_out * f'(.) given the activation's input x and output y. */
void nn_act_backward(nn_act_t act, double slope, const double *x, const double *y,
                     const double *g_out, double *g_in, size_t rows, size_t n);
const char *nn_act_name(nn_act_t act);
int nn_act_from_name(const char *s, nn_act_t *act);

/* Layer passes (nn_layers.c / nn_moe.c). in is the layer's input, batch rows. */
int nn_layer_forward(nn_net_t *net, nn_layer_t *L, const double *in, size_t batch);
/* g_out: dL/d(out); g_in: dL/d(in) or NULL to skip; params: accumulate
 * parameter gradients. */
void nn_layer_backward(nn_net_t *net, nn_layer_t *L, const double *in, const double *g_out,
                       double *g_in, bool params, size_t batch);
/* Initialize one dense layer's W (n_in x n_out) and b. */
void nn_dense_init(double *W, double *b, size_t n_in, size_t n_out, gsl_rng *rng,
                   nn_init_t init);
void nn_layer_init_params(nn_net_t *net, nn_layer_t *L, gsl_rng *rng, nn_init_t init);
uint64_t nn_layer_macs(const nn_net_t *net, const nn_layer_t *L);
const char *nn_layer_kind_name(nn_layer_kind_t k);
/* Describe a layer in a few words ("dense 64->32") into buf. */
const char *nn_layer_describe(const nn_layer_t *L, char *buf, size_t len);

/* Mixture of experts (nn_moe.c). */
static inline size_t nn_moe_max_depth(const nn_layer_t *L) { return L->moe_max_depth; }
size_t nn_moe_param_count(size_t n_in, const nn_moe_cfg_t *cfg);
int nn_moe_alloc(nn_layer_t *L);
void nn_moe_free(nn_layer_t *L);
int nn_moe_reserve(nn_layer_t *L, size_t rows);
int nn_moe_forward(nn_net_t *net, nn_layer_t *L, const double *in, size_t batch);
void nn_moe_backward(nn_net_t *net, nn_layer_t *L, const double *in, const double *g_out,
                     double *g_in, bool params, size_t batch);
void nn_moe_init_params(nn_net_t *net, nn_layer_t *L, gsl_rng *rng);
uint64_t nn_moe_macs(const nn_net_t *net, const nn_layer_t *L);
const double *nn_moe_gates(const nn_layer_t *L);

/* Offsets inside a MoE layer's parameter slice. */
size_t nn_moe_expert_offset(size_t n_in, const nn_moe_cfg_t *cfg, size_t expert, size_t layer);

/* Networks (nn_net.c). */
bool nn_net_same_structure(const nn_net_t *a, const nn_net_t *b);
int nn_net_reserve(nn_net_t *net, size_t rows);

#endif
