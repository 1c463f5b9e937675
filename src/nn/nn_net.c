/* nn_net.c - building networks, forward/backward over the layer list, and
 * whole-network operations (freeze, copy, soft update, MAC count). */
#include "nn/nn_internal.h"

#include "model/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stream indices under MEC_STREAM_POLICY for a network's seed. */
enum { NN_STREAM_INIT = 0x6e6e0001u, NN_STREAM_NOISE = 0x6e6e0002u };

nn_net_t *nn_net_new(size_t n_in, const char *name) {
  if (n_in == 0) {
    nn_fail(NN_ERR_ARG, "nn_net_new: a network needs at least one input");
    return NULL;
  }
  nn_net_t *net = calloc(1, sizeof *net);
  if (!net) goto nomem;
  net->name = strdup(name ? name : "net");
  if (!net->name) goto nomem;
  net->n_in = n_in;
  net->training = true;
  return net;
nomem:
  nn_net_free(net);
  nn_fail(NN_ERR_NOMEM, "nn_net_new: out of memory");
  return NULL;
}

static void free_work(nn_net_t *net) {
  for (size_t i = 0; i < net->n_layers; i++) {
    nn_layer_t *L = &net->layers[i];
    free(L->out);
    free(L->xhat);
    L->out = L->xhat = NULL;
  }
  free(net->x);
  free(net->g0);
  free(net->g1);
  free(net->dy);
  net->x = net->g0 = net->g1 = net->dy = NULL;
  net->cap = 0;
}

void nn_net_free(nn_net_t *net) {
  if (!net) return;
  free_work(net);
  for (size_t i = 0; i < net->n_layers; i++) {
    free(net->layers[i].invstd);
    if (net->layers[i].kind == NN_LAYER_MOE) nn_moe_free(&net->layers[i]);
  }
  free(net->layers);
  free(net->params);
  free(net->bufs);
  if (net->noise_rng) gsl_rng_free(net->noise_rng);
  free(net->name);
  free(net);
}

size_t nn_net_n_in(const nn_net_t *net) { return net->n_in; }
size_t nn_net_n_out(const nn_net_t *net) {
  return net->n_layers ? net->layers[net->n_layers - 1].n_out : net->n_in;
}
size_t nn_net_n_layers(const nn_net_t *net) { return net->n_layers; }
const char *nn_net_name(const nn_net_t *net) { return net->name; }

static nn_layer_t *push_layer(nn_net_t *net, nn_layer_kind_t kind, size_t n_out) {
  if (net->finalized) {
    nn_fail(NN_ERR_STATE, "%s: layers cannot be added after nn_net_finalize", net->name);
    return NULL;
  }
  if (net->n_layers == net->cap_layers) {
    size_t cap = net->cap_layers ? 2 * net->cap_layers : 8;
    nn_layer_t *l = realloc(net->layers, cap * sizeof *l);
    if (!l) {
      nn_fail(NN_ERR_NOMEM, "%s: out of memory adding a layer", net->name);
      return NULL;
    }
    net->layers = l;
    net->cap_layers = cap;
  }
  nn_layer_t *L = &net->layers[net->n_layers];
  memset(L, 0, sizeof *L);
  L->kind = kind;
  L->n_in = nn_net_n_out(net);
  L->n_out = n_out;
  net->n_layers++;
  return L;
}

int nn_net_add_dense(nn_net_t *net, size_t n_out, nn_init_t init) {
  if (n_out == 0) return nn_fail(NN_ERR_ARG, "%s: dense layer with 0 outputs", net->name);
  if ((unsigned)init > NN_INIT_UNIFORM)
    return nn_fail(NN_ERR_ARG, "%s: unknown initialization %d", net->name, (int)init);
  nn_layer_t *L = push_layer(net, NN_LAYER_DENSE, n_out);
  if (!L) return NN_ERR_STATE;
  L->init = init;
  L->n_p = L->n_in * n_out + n_out;
  return (int)net->n_layers - 1;
}

static int add_act(nn_net_t *net, nn_act_t act, double slope) {
  if (act == NN_ACT_NONE || (unsigned)act > NN_ACT_SOFTMAX)
    return nn_fail(NN_ERR_ARG, "%s: activation %d is not a layer", net->name, (int)act);
  if (!(slope >= 0 && slope < 1))
    return nn_fail(NN_ERR_ARG, "%s: leaky ReLU slope %g outside [0, 1)", net->name, slope);
  nn_layer_t *L = push_layer(net, NN_LAYER_ACT, nn_net_n_out(net));
  if (!L) return NN_ERR_STATE;
  L->act = act;
  L->slope = slope;
  return (int)net->n_layers - 1;
}

int nn_net_add_act(nn_net_t *net, nn_act_t act) { return add_act(net, act, 0.01); }
int nn_net_add_leaky_relu(nn_net_t *net, double slope) {
  return add_act(net, NN_ACT_LEAKY_RELU, slope);
}

int nn_net_add_batchnorm(nn_net_t *net, double momentum, double eps) {
  if (!(momentum >= 0 && momentum <= 1) || !(eps > 0))
    return nn_fail(NN_ERR_ARG, "%s: batchnorm needs momentum in [0,1] and eps > 0 (got %g, %g)",
                   net->name, momentum, eps);
  nn_layer_t *L = push_layer(net, NN_LAYER_BATCHNORM, nn_net_n_out(net));
  if (!L) return NN_ERR_STATE;
  L->bn_momentum = momentum;
  L->bn_eps = eps;
  L->n_p = 2 * L->n_in;
  L->n_s = 2 * L->n_in;
  return (int)net->n_layers - 1;
}

int nn_net_add_moe(nn_net_t *net, const nn_moe_cfg_t *cfg) {
  if (!cfg || cfg->n_experts == 0 || cfg->depth == 0 || cfg->units == 0 || cfg->k == 0 ||
      cfg->k > cfg->n_experts)
    return nn_fail(NN_ERR_ARG,
                   "%s: MoE needs n_experts >= 1, depth >= 1, units >= 1 and 1 <= k <= n_experts",
                   net->name);
  if (cfg->act == NN_ACT_SOFTMAX || (unsigned)cfg->act > NN_ACT_SOFTMAX)
    return nn_fail(NN_ERR_ARG, "%s: MoE expert activation must be elementwise", net->name);
  nn_layer_t *L = push_layer(net, NN_LAYER_MOE, cfg->units);
  if (!L) return NN_ERR_STATE;
  L->moe_cfg = *cfg;
  L->moe_max_depth = cfg->depth;
  if (L->moe_cfg.act == NN_ACT_NONE) L->moe_cfg.act = NN_ACT_RELU;
  L->n_p = nn_moe_param_count(L->n_in, cfg);
  int rc = nn_moe_alloc(L);
  if (rc < 0) {
    net->n_layers--;
    return rc;
  }
  return (int)net->n_layers - 1;
}

/* Layer that follows dense layer i, skipping a batch norm, decides the
 * default initialization: He before (leaky) ReLU, Xavier otherwise. */
static nn_init_t default_init(const nn_net_t *net, size_t i) {
  for (size_t j = i + 1; j < net->n_layers; j++) {
    const nn_layer_t *L = &net->layers[j];
    if (L->kind == NN_LAYER_BATCHNORM) continue;
    if (L->kind == NN_LAYER_ACT && (L->act == NN_ACT_RELU || L->act == NN_ACT_LEAKY_RELU))
      return NN_INIT_HE;
    break;
  }
  return NN_INIT_XAVIER;
}

int nn_net_finalize(nn_net_t *net, uint64_t seed) {
  if (net->finalized) return nn_fail(NN_ERR_STATE, "%s: already finalized", net->name);
  if (net->n_layers == 0) return nn_fail(NN_ERR_STATE, "%s: network has no layers", net->name);
  size_t np = 0, ns = 0, width = net->n_in;
  for (size_t i = 0; i < net->n_layers; i++) {
    nn_layer_t *L = &net->layers[i];
    L->p_off = np;
    L->s_off = ns;
    np += L->n_p;
    ns += L->n_s;
    if (L->n_out > width) width = L->n_out;
    if (L->kind == NN_LAYER_BATCHNORM) {
      L->invstd = calloc(L->n_in, sizeof *L->invstd);
      if (!L->invstd) return nn_fail(NN_ERR_NOMEM, "%s: out of memory", net->name);
    }
  }
  net->n_params = np;
  net->n_bufs = ns;
  net->max_width = width;
  /* params, grads, m, v in one block: one allocation, and layers' slices of
   * all four share the same offsets */
  net->params = calloc(4 * (np ? np : 1), sizeof *net->params);
  net->bufs = calloc(ns ? ns : 1, sizeof *net->bufs);
  net->noise_rng = mec_rng_new(seed, MEC_STREAM_POLICY, NN_STREAM_NOISE);
  gsl_rng *init_rng = mec_rng_new(seed, MEC_STREAM_POLICY, NN_STREAM_INIT);
  if (!net->params || !net->bufs || !net->noise_rng || !init_rng) {
    if (init_rng) gsl_rng_free(init_rng);
    return nn_fail(NN_ERR_NOMEM, "%s: out of memory for %zu parameters", net->name, np);
  }
  net->grads = net->params + np;
  net->m = net->grads + np;
  net->v = net->m + np;
  for (size_t i = 0; i < net->n_layers; i++) {
    nn_layer_t *L = &net->layers[i];
    nn_init_t init = L->init == NN_INIT_DEFAULT ? default_init(net, i) : L->init;
    nn_layer_init_params(net, L, init_rng, init);
  }
  gsl_rng_free(init_rng);
  net->finalized = true;
  return 0;
}

nn_net_t *nn_mlp_new(const nn_mlp_cfg_t *cfg, uint64_t seed) {
  if (!cfg || cfg->n_in == 0 || cfg->n_out == 0) {
    nn_fail(NN_ERR_ARG, "nn_mlp_new: n_in and n_out must be positive");
    return NULL;
  }
  nn_net_t *net = nn_net_new(cfg->n_in, cfg->name ? cfg->name : "mlp");
  if (!net) return NULL;
  const nn_act_t hact = cfg->hidden_act == NN_ACT_NONE ? NN_ACT_RELU : cfg->hidden_act;
  for (size_t h = 0; h < NN_MLP_MAX_HIDDEN && cfg->hidden[h]; h++) {
    if (nn_net_add_dense(net, cfg->hidden[h], cfg->init) < 0) goto fail;
    if (cfg->batchnorm && nn_net_add_batchnorm(net, 0.1, 1e-5) < 0) goto fail;
    if (nn_net_add_act(net, hact) < 0) goto fail;
  }
  if (nn_net_add_dense(net, cfg->n_out, cfg->init) < 0) goto fail;
  if (cfg->out_act != NN_ACT_NONE && nn_net_add_act(net, cfg->out_act) < 0) goto fail;
  if (nn_net_finalize(net, seed) < 0) goto fail;
  return net;
fail:
  nn_net_free(net);
  return NULL;
}

nn_net_t *nn_net_clone(const nn_net_t *src, uint64_t seed) {
  if (!src->finalized) {
    nn_fail(NN_ERR_STATE, "%s: cannot clone a network before nn_net_finalize", src->name);
    return NULL;
  }
  nn_net_t *net = nn_net_new(src->n_in, src->name);
  if (!net) return NULL;
  for (size_t i = 0; i < src->n_layers; i++) {
    const nn_layer_t *S = &src->layers[i];
    int rc = 0;
    switch (S->kind) {
    case NN_LAYER_DENSE: rc = nn_net_add_dense(net, S->n_out, S->init); break;
    case NN_LAYER_ACT: rc = add_act(net, S->act, S->slope); break;
    case NN_LAYER_BATCHNORM: rc = nn_net_add_batchnorm(net, S->bn_momentum, S->bn_eps); break;
    case NN_LAYER_MOE: {
      nn_moe_cfg_t c = S->moe_cfg;
      c.depth = S->moe_max_depth;
      rc = nn_net_add_moe(net, &c);
      if (rc >= 0) net->layers[i].moe_cfg = S->moe_cfg; /* current k and depth */
      break;
    }
    }
    if (rc < 0) goto fail;
    net->layers[i].frozen = S->frozen;
  }
  if (nn_net_finalize(net, seed) < 0 || nn_net_copy(net, src) < 0) goto fail;
  net->training = src->training;
  return net;
fail:
  nn_net_free(net);
  return NULL;
}

void nn_net_set_training(nn_net_t *net, int training) { net->training = training != 0; }

void nn_net_reseed(nn_net_t *net, uint64_t seed) {
  if (net->noise_rng) gsl_rng_set(net->noise_rng, mec_stream_seed(seed, MEC_STREAM_POLICY, NN_STREAM_NOISE));
}

/* Grow the per-row work buffers to hold `rows` samples. */
int nn_net_reserve(nn_net_t *net, size_t rows) {
  if (rows <= net->cap) return 0;
  size_t cap = net->cap ? net->cap : 1;
  while (cap < rows) cap *= 2;
  free_work(net);
  bool ok = (net->x = malloc(cap * net->n_in * sizeof(double))) &&
            (net->g0 = malloc(cap * net->max_width * sizeof(double))) &&
            (net->g1 = malloc(cap * net->max_width * sizeof(double))) &&
            (net->dy = malloc(cap * nn_net_n_out(net) * sizeof(double)));
  for (size_t i = 0; ok && i < net->n_layers; i++) {
    nn_layer_t *L = &net->layers[i];
    ok = (L->out = malloc(cap * L->n_out * sizeof(double))) != NULL;
    if (ok && L->kind == NN_LAYER_BATCHNORM)
      ok = (L->xhat = malloc(cap * L->n_in * sizeof(double))) != NULL;
    if (ok && L->kind == NN_LAYER_MOE) ok = nn_moe_reserve(L, cap) == 0;
  }
  if (!ok) {
    free_work(net);
    net->batch = 0;
    return nn_fail(NN_ERR_NOMEM, "%s: out of memory for a batch of %zu", net->name, rows);
  }
  net->cap = cap;
  return 0;
}

const double *nn_net_forward(nn_net_t *net, const double *x, size_t batch) {
  if (!net->finalized) {
    nn_fail(NN_ERR_STATE, "%s: forward before nn_net_finalize", net->name);
    return NULL;
  }
  if (batch == 0 || !x) {
    nn_fail(NN_ERR_ARG, "%s: forward needs a non-empty batch", net->name);
    return NULL;
  }
  if (net->training && batch < 2)
    for (size_t i = 0; i < net->n_layers; i++)
      if (net->layers[i].kind == NN_LAYER_BATCHNORM) {
        nn_fail(NN_ERR_ARG,
                "%s: batch norm (layer %zu) in training mode needs a batch of 2 or more; "
                "use nn_net_set_training(net, 0) for single samples", net->name, i);
        return NULL;
      }
  if (nn_net_reserve(net, batch) < 0) return NULL;
  memcpy(net->x, x, batch * net->n_in * sizeof *x);
  net->batch = 0;
  net->fwd_training = net->training;
  const double *in = net->x;
  for (size_t i = 0; i < net->n_layers; i++) {
    nn_layer_t *L = &net->layers[i];
    if (nn_layer_forward(net, L, in, batch) < 0) return NULL;
    in = L->out;
  }
  net->batch = batch;
  return in;
}

static int backward(nn_net_t *net, const double *dy, const double **dx, bool params) {
  if (!net->batch)
    return nn_fail(NN_ERR_STATE, "%s: backward without a successful forward", net->name);
  if (!dy) return nn_fail(NN_ERR_ARG, "%s: backward needs dy", net->name);
  if (net->training != net->fwd_training)
    return nn_fail(NN_ERR_STATE, "%s: mode changed between forward and backward", net->name);
  const size_t B = net->batch;
  /* lowest layer that still needs its output gradient: stop there when
   * neither dx nor lower parameter gradients are wanted */
  size_t stop = 0;
  if (!dx) {
    stop = net->n_layers;
    for (size_t i = 0; params && i < net->n_layers; i++)
      if (net->layers[i].n_p && !net->layers[i].frozen) {
        stop = i;
        break;
      }
  }
  const double *g = dy;
  for (size_t i = net->n_layers; i-- > stop;) {
    nn_layer_t *L = &net->layers[i];
    const double *in = i ? net->layers[i - 1].out : net->x;
    double *g_in = (i > stop || dx) ? (i % 2 ? net->g0 : net->g1) : NULL;
    nn_layer_backward(net, L, in, g, g_in, params && !L->frozen && L->n_p, B);
    g = g_in;
  }
  if (dx) *dx = g;
  return 0;
}

int nn_net_backward(nn_net_t *net, const double *dy, const double **dx) {
  return backward(net, dy, dx, true);
}

int nn_net_backward_input(nn_net_t *net, const double *dy, const double **dx) {
  if (!dx) return nn_fail(NN_ERR_ARG, "%s: nn_net_backward_input needs dx", net->name);
  return backward(net, dy, dx, false);
}

void nn_net_zero_grad(nn_net_t *net) {
  if (net->grads) memset(net->grads, 0, net->n_params * sizeof *net->grads);
}

double *nn_net_params(nn_net_t *net, size_t *n) {
  if (n) *n = net->n_params;
  return net->params;
}
double *nn_net_grads(nn_net_t *net, size_t *n) {
  if (n) *n = net->n_params;
  return net->grads;
}

static double *layer_slice(nn_net_t *net, double *base, size_t layer, size_t *n) {
  if (n) *n = 0;
  if (!net->finalized || layer >= net->n_layers || net->layers[layer].n_p == 0) return NULL;
  if (n) *n = net->layers[layer].n_p;
  return base + net->layers[layer].p_off;
}
double *nn_net_layer_params(nn_net_t *net, size_t layer, size_t *n) {
  return layer_slice(net, net->params, layer, n);
}
double *nn_net_layer_grads(nn_net_t *net, size_t layer, size_t *n) {
  return layer_slice(net, net->grads, layer, n);
}

int nn_net_freeze(nn_net_t *net, size_t first, size_t count, int frozen) {
  if (first > net->n_layers || count > net->n_layers - first)
    return nn_fail(NN_ERR_ARG, "%s: cannot freeze layers [%zu, %zu) of %zu", net->name, first,
                   first + count, net->n_layers);
  for (size_t i = first; i < first + count; i++) net->layers[i].frozen = frozen != 0;
  return 0;
}

bool nn_net_same_structure(const nn_net_t *a, const nn_net_t *b) {
  if (a->n_in != b->n_in || a->n_layers != b->n_layers || a->n_params != b->n_params ||
      a->n_bufs != b->n_bufs)
    return false;
  for (size_t i = 0; i < a->n_layers; i++) {
    const nn_layer_t *x = &a->layers[i], *y = &b->layers[i];
    if (x->kind != y->kind || x->n_in != y->n_in || x->n_out != y->n_out || x->n_p != y->n_p)
      return false;
    if (x->kind == NN_LAYER_MOE &&
        (x->moe_cfg.n_experts != y->moe_cfg.n_experts || x->moe_max_depth != y->moe_max_depth))
      return false;
  }
  return true;
}

static int check_pair(const nn_net_t *dst, const nn_net_t *src, const char *what) {
  if (!dst->finalized || !src->finalized)
    return nn_fail(NN_ERR_STATE, "%s: both networks must be finalized", what);
  if (!nn_net_same_structure(dst, src))
    return nn_fail(NN_ERR_ARG, "%s: '%s' and '%s' have different structures", what, dst->name,
                   src->name);
  return 0;
}

int nn_net_copy(nn_net_t *dst, const nn_net_t *src) {
  int rc = check_pair(dst, src, "nn_net_copy");
  if (rc < 0) return rc;
  memcpy(dst->params, src->params, src->n_params * sizeof *src->params);
  memcpy(dst->bufs, src->bufs, src->n_bufs * sizeof *src->bufs);
  return 0;
}

int nn_net_soft_update(nn_net_t *dst, const nn_net_t *src, double tau) {
  int rc = check_pair(dst, src, "nn_net_soft_update");
  if (rc < 0) return rc;
  if (!(tau >= 0 && tau <= 1)) return nn_fail(NN_ERR_ARG, "nn_net_soft_update: tau %g not in [0, 1]", tau);
  const double keep = 1.0 - tau;
  for (size_t i = 0; i < src->n_params; i++)
    dst->params[i] = tau * src->params[i] + keep * dst->params[i];
  for (size_t i = 0; i < src->n_bufs; i++) dst->bufs[i] = tau * src->bufs[i] + keep * dst->bufs[i];
  return 0;
}

uint64_t nn_net_macs(const nn_net_t *net, size_t batch) {
  uint64_t per = 0;
  for (size_t i = 0; i < net->n_layers; i++) per += nn_layer_macs(net, &net->layers[i]);
  return per * batch;
}

int nn_net_set_moe_size(nn_net_t *net, size_t layer, size_t k, size_t depth) {
  if (layer >= net->n_layers || net->layers[layer].kind != NN_LAYER_MOE)
    return nn_fail(NN_ERR_ARG, "%s: layer %zu is not a mixture of experts", net->name, layer);
  nn_moe_cfg_t *c = &net->layers[layer].moe_cfg;
  if (k < 1 || k > c->n_experts || depth < 1 || depth > nn_moe_max_depth(&net->layers[layer]))
    return nn_fail(NN_ERR_ARG, "%s: MoE layer %zu: k = %zu must be in [1, %zu] and depth = %zu in [1, %zu]",
                   net->name, layer, k, c->n_experts, depth, nn_moe_max_depth(&net->layers[layer]));
  c->k = k;
  c->depth = depth;
  net->batch = 0; /* the stored forward no longer matches the settings */
  return 0;
}

const double *nn_net_moe_gates(const nn_net_t *net, size_t layer) {
  if (layer >= net->n_layers || net->layers[layer].kind != NN_LAYER_MOE) return NULL;
  return nn_moe_gates(&net->layers[layer]);
}
