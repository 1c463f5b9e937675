/* nn_layers.c - forward and backward passes of dense, activation and
 * batch-normalization layers, and the dispatch to the MoE layer. */
#include "nn/nn_internal.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const act_names[] = {"none", "relu", "leaky_relu", "sigmoid", "tanh",
                                        "softmax"};

const char *nn_act_name(nn_act_t act) {
  return (unsigned)act < sizeof act_names / sizeof *act_names ? act_names[act] : "?";
}

int nn_act_from_name(const char *s, nn_act_t *act) {
  for (unsigned i = 0; i < sizeof act_names / sizeof *act_names; i++)
    if (strcmp(s, act_names[i]) == 0) {
      *act = (nn_act_t)i;
      return 0;
    }
  return NN_ERR_FORMAT;
}

const char *nn_layer_kind_name(nn_layer_kind_t k) {
  switch (k) {
  case NN_LAYER_DENSE: return "dense";
  case NN_LAYER_ACT: return "act";
  case NN_LAYER_BATCHNORM: return "batchnorm";
  case NN_LAYER_MOE: return "moe";
  }
  return "?";
}

const char *nn_layer_describe(const nn_layer_t *L, char *buf, size_t len) {
  switch (L->kind) {
  case NN_LAYER_ACT: snprintf(buf, len, "%s %zu", nn_act_name(L->act), L->n_in); break;
  case NN_LAYER_MOE:
    snprintf(buf, len, "moe %zu->%zu (K=%zu, L=%zu)", L->n_in, L->n_out, L->moe_cfg.n_experts,
             L->moe_cfg.depth);
    break;
  default: snprintf(buf, len, "%s %zu->%zu", nn_layer_kind_name(L->kind), L->n_in, L->n_out);
  }
  return buf;
}

/* ---------------------------------------------------------------- activations */
static void softmax_row(const double *x, double *y, size_t n) {
  double mx = x[0];
  for (size_t i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    y[i] = exp(x[i] - mx);
    s += y[i];
  }
  const double inv = 1.0 / s;
  for (size_t i = 0; i < n; i++) y[i] *= inv;
}

void nn_act_forward(nn_act_t act, double slope, const double *x, double *y, size_t rows,
                    size_t n) {
  const size_t total = rows * n;
  switch (act) {
  case NN_ACT_NONE:
    if (x != y) memcpy(y, x, total * sizeof *y);
    break;
  case NN_ACT_RELU:
    for (size_t i = 0; i < total; i++) y[i] = x[i] > 0 ? x[i] : 0.0;
    break;
  case NN_ACT_LEAKY_RELU:
    for (size_t i = 0; i < total; i++) y[i] = x[i] > 0 ? x[i] : slope * x[i];
    break;
  case NN_ACT_SIGMOID:
    for (size_t i = 0; i < total; i++) y[i] = 1.0 / (1.0 + exp(-x[i]));
    break;
  case NN_ACT_TANH:
    for (size_t i = 0; i < total; i++) y[i] = tanh(x[i]);
    break;
  case NN_ACT_SOFTMAX:
    for (size_t r = 0; r < rows; r++) softmax_row(x + r * n, y + r * n, n);
    break;
  }
}

/* ReLU's backward as a bit mask: g_out where x > 0, else +0.0, exactly what
 * `x > 0 ? g : 0.0` gives, but without a branch per element (hidden units'
 * signs are close to random, so that branch mispredicted about half the
 * time) and vectorizable. g_in may equal g_out. */
NN_MULTIVERSION
static void relu_backward(const double *x, const double *g_out, double *g_in, size_t total) {
  for (size_t i = 0; i < total; i++) {
    uint64_t bits;
    memcpy(&bits, &g_out[i], sizeof bits);
    bits &= -(uint64_t)(x[i] > 0);
    memcpy(&g_in[i], &bits, sizeof bits);
  }
}

void nn_act_backward(nn_act_t act, double slope, const double *x, const double *y,
                     const double *g_out, double *g_in, size_t rows, size_t n) {
  const size_t total = rows * n;
  switch (act) {
  case NN_ACT_NONE:
    if (g_in != g_out) memcpy(g_in, g_out, total * sizeof *g_in);
    break;
  case NN_ACT_RELU:
    relu_backward(x, g_out, g_in, total);
    break;
  case NN_ACT_LEAKY_RELU:
    for (size_t i = 0; i < total; i++) g_in[i] = x[i] > 0 ? g_out[i] : slope * g_out[i];
    break;
  case NN_ACT_SIGMOID:
    for (size_t i = 0; i < total; i++) g_in[i] = g_out[i] * y[i] * (1.0 - y[i]);
    break;
  case NN_ACT_TANH:
    for (size_t i = 0; i < total; i++) g_in[i] = g_out[i] * (1.0 - y[i] * y[i]);
    break;
  case NN_ACT_SOFTMAX:
    for (size_t r = 0; r < rows; r++) {
      const double *yr = y + r * n, *gr = g_out + r * n;
      double dot = 0;
      for (size_t i = 0; i < n; i++) dot += gr[i] * yr[i];
      double *gi = g_in + r * n;
      for (size_t i = 0; i < n; i++) gi[i] = yr[i] * (gr[i] - dot);
    }
    break;
  }
}

/* ---------------------------------------------------------------- batch norm */
static void bn_forward(nn_net_t *net, nn_layer_t *L, const double *in, size_t B) {
  const size_t n = L->n_in;
  const double *gamma = net->params + L->p_off, *beta = gamma + n;
  double *rmean = net->bufs + L->s_off, *rvar = rmean + n;
  double *y = L->out, *xhat = L->xhat;
  for (size_t j = 0; j < n; j++) {
    double mean, var;
    if (net->training) {
      mean = 0;
      for (size_t r = 0; r < B; r++) mean += in[r * n + j];
      mean /= (double)B;
      var = 0;
      for (size_t r = 0; r < B; r++) {
        const double d = in[r * n + j] - mean;
        var += d * d;
      }
      var /= (double)B;
      const double mo = L->bn_momentum;
      rmean[j] = (1 - mo) * rmean[j] + mo * mean;
      rvar[j] = (1 - mo) * rvar[j] + mo * var * (double)B / (double)(B - 1);
    } else {
      mean = rmean[j];
      var = rvar[j];
    }
    const double is = 1.0 / sqrt(var + L->bn_eps);
    L->invstd[j] = is;
    for (size_t r = 0; r < B; r++) {
      const double h = (in[r * n + j] - mean) * is;
      xhat[r * n + j] = h;
      y[r * n + j] = gamma[j] * h + beta[j];
    }
  }
}

static void bn_backward(nn_net_t *net, nn_layer_t *L, const double *g, double *g_in,
                        bool params, size_t B) {
  const size_t n = L->n_in;
  const double *gamma = net->params + L->p_off;
  double *dgamma = net->grads + L->p_off, *dbeta = dgamma + n;
  const double *xhat = L->xhat;
  for (size_t j = 0; j < n; j++) {
    double sg = 0, sgx = 0;
    for (size_t r = 0; r < B; r++) {
      sg += g[r * n + j];
      sgx += g[r * n + j] * xhat[r * n + j];
    }
    if (params) {
      dgamma[j] += sgx;
      dbeta[j] += sg;
    }
    if (!g_in) continue;
    const double is = L->invstd[j];
    if (net->fwd_training) {
      /* through the batch mean and variance as well */
      const double c = gamma[j] * is / (double)B;
      for (size_t r = 0; r < B; r++)
        g_in[r * n + j] = c * ((double)B * g[r * n + j] - sg - xhat[r * n + j] * sgx);
    } else {
      for (size_t r = 0; r < B; r++) g_in[r * n + j] = g[r * n + j] * gamma[j] * is;
    }
  }
}

/* ---------------------------------------------------------------- dispatch */
int nn_layer_forward(nn_net_t *net, nn_layer_t *L, const double *in, size_t batch) {
  switch (L->kind) {
  case NN_LAYER_DENSE: {
    const double *W = net->params + L->p_off;
    nn_gemm_fwd(in, W, W + L->n_in * L->n_out, L->out, batch, L->n_in, L->n_out);
    return 0;
  }
  case NN_LAYER_ACT: nn_act_forward(L->act, L->slope, in, L->out, batch, L->n_in); return 0;
  case NN_LAYER_BATCHNORM: bn_forward(net, L, in, batch); return 0;
  case NN_LAYER_MOE: return nn_moe_forward(net, L, in, batch);
  }
  return NN_ERR_STATE;
}

void nn_layer_backward(nn_net_t *net, nn_layer_t *L, const double *in, const double *g_out,
                       double *g_in, bool params, size_t batch) {
  switch (L->kind) {
  case NN_LAYER_DENSE: {
    const double *W = net->params + L->p_off;
    if (params) {
      double *dW = net->grads + L->p_off;
      nn_gemm_dw(in, g_out, dW, dW + L->n_in * L->n_out, batch, L->n_in, L->n_out);
    }
    if (g_in) nn_gemm_dx(g_out, W, g_in, batch, L->n_in, L->n_out, false);
    return;
  }
  case NN_LAYER_ACT:
    if (g_in) nn_act_backward(L->act, L->slope, in, L->out, g_out, g_in, batch, L->n_in);
    return;
  case NN_LAYER_BATCHNORM: bn_backward(net, L, g_out, g_in, params, batch); return;
  case NN_LAYER_MOE: nn_moe_backward(net, L, in, g_out, g_in, params, batch); return;
  }
}

/* ---------------------------------------------------------------- init */
void nn_dense_init(double *W, double *b, size_t n_in, size_t n_out, gsl_rng *rng,
                   nn_init_t init) {
  const size_t nw = n_in * n_out;
  switch (init) {
  case NN_INIT_HE: {
    const double sd = sqrt(2.0 / (double)n_in);
    for (size_t i = 0; i < nw; i++) W[i] = gsl_ran_gaussian(rng, sd);
    memset(b, 0, n_out * sizeof *b);
    break;
  }
  case NN_INIT_UNIFORM: {
    const double a = 1.0 / sqrt((double)n_in);
    for (size_t i = 0; i < nw; i++) W[i] = gsl_ran_flat(rng, -a, a);
    for (size_t i = 0; i < n_out; i++) b[i] = gsl_ran_flat(rng, -a, a);
    break;
  }
  case NN_INIT_XAVIER:
  case NN_INIT_DEFAULT: {
    const double a = sqrt(6.0 / (double)(n_in + n_out));
    for (size_t i = 0; i < nw; i++) W[i] = gsl_ran_flat(rng, -a, a);
    memset(b, 0, n_out * sizeof *b);
    break;
  }
  }
}

void nn_layer_init_params(nn_net_t *net, nn_layer_t *L, gsl_rng *rng, nn_init_t init) {
  double *p = net->params + L->p_off;
  switch (L->kind) {
  case NN_LAYER_DENSE: nn_dense_init(p, p + L->n_in * L->n_out, L->n_in, L->n_out, rng, init); break;
  case NN_LAYER_BATCHNORM: {
    const size_t n = L->n_in;
    for (size_t j = 0; j < n; j++) {
      p[j] = 1.0;      /* gamma */
      p[n + j] = 0.0;  /* beta */
      net->bufs[L->s_off + j] = 0.0;     /* running mean */
      net->bufs[L->s_off + n + j] = 1.0; /* running variance */
    }
    break;
  }
  case NN_LAYER_MOE: nn_moe_init_params(net, L, rng); break;
  case NN_LAYER_ACT: break;
  }
}

uint64_t nn_layer_macs(const nn_net_t *net, const nn_layer_t *L) {
  switch (L->kind) {
  case NN_LAYER_DENSE: return (uint64_t)L->n_in * L->n_out;
  case NN_LAYER_BATCHNORM: return L->n_in;
  case NN_LAYER_MOE: return nn_moe_macs(net, L);
  case NN_LAYER_ACT: return 0;
  }
  return 0;
}
