/* nn_moe.c - noisy top-k gated mixture of experts (DyNN eqs. 12-17).
 *
 * Forward of a batch: gating logits for every sample, the top k experts of
 * each sample, then every expert runs once on the rows routed to it
 * (gathered into a contiguous "pool" so an expert is one matrix product per
 * layer, not one per sample), and the outputs are scattered back weighted by
 * the gates. Experts that no sample chose cost nothing. */
#include "nn/nn_internal.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nn_moe {
  size_t rows;          /* capacity in samples */
  double *clean, *raw, *eps, *H, *gates; /* rows x K */
  size_t *sel;          /* rows x K: chosen experts of each sample (first k) */
  size_t *pos;          /* rows x K: pool row of (sample, slot) */
  size_t *pool_src;     /* pool row -> sample */
  size_t *count, *off, *fill; /* K each */
  double *pool_x;       /* (rows*K) x n_in: inputs gathered per expert */
  double **pool_a;      /* depth buffers (rows*K) x units: outputs of each expert layer */
  double *ga, *gb;      /* (rows*K) x units: gradient ping-pong */
  double *gx;           /* (rows*K) x n_in: gradients of gathered inputs */
  double *dG;           /* rows x K: dL/dG for (sample, slot) */
  bool noise_used;      /* last forward drew gating noise */
};

static size_t expert_size(size_t n_in, size_t u, size_t L) {
  return (n_in * u + u) + (L - 1) * (u * u + u);
}

size_t nn_moe_param_count(size_t n_in, const nn_moe_cfg_t *c) {
  return 2 * n_in * c->n_experts + c->n_experts * expert_size(n_in, c->units, c->depth);
}

size_t nn_moe_expert_offset(size_t n_in, const nn_moe_cfg_t *c, size_t e, size_t j) {
  const size_t u = c->units;
  return 2 * n_in * c->n_experts + e * expert_size(n_in, u, c->depth) +
         (j ? (n_in * u + u) + (j - 1) * (u * u + u) : 0);
}

/* offset using the built depth, whatever the current depth is */
static size_t eoff(const nn_layer_t *L, size_t e, size_t j) {
  nn_moe_cfg_t c = L->moe_cfg;
  c.depth = L->moe_max_depth;
  return nn_moe_expert_offset(L->n_in, &c, e, j);
}

int nn_moe_alloc(nn_layer_t *L) {
  L->moe = calloc(1, sizeof *L->moe);
  if (!L->moe) return nn_fail(NN_ERR_NOMEM, "MoE: out of memory");
  L->moe->pool_a = calloc(L->moe_max_depth, sizeof *L->moe->pool_a);
  const size_t K = L->moe_cfg.n_experts;
  L->moe->count = calloc(3 * K, sizeof(size_t));
  if (!L->moe->pool_a || !L->moe->count) {
    nn_moe_free(L);
    return nn_fail(NN_ERR_NOMEM, "MoE: out of memory");
  }
  L->moe->off = L->moe->count + K;
  L->moe->fill = L->moe->off + K;
  return 0;
}

static void free_rows(nn_moe_t *m, size_t depth) {
  free(m->clean);
  free(m->sel);
  free(m->pool_x);
  free(m->ga);
  for (size_t j = 0; j < depth; j++) free(m->pool_a[j]), m->pool_a[j] = NULL;
  m->clean = NULL;
  m->sel = NULL;
  m->pool_x = m->ga = NULL;
  m->rows = 0;
}

void nn_moe_free(nn_layer_t *L) {
  if (!L->moe) return;
  if (L->moe->pool_a) free_rows(L->moe, L->moe_max_depth);
  free(L->moe->pool_a);
  free(L->moe->count);
  free(L->moe);
  L->moe = NULL;
}

int nn_moe_reserve(nn_layer_t *L, size_t rows) {
  nn_moe_t *m = L->moe;
  if (rows <= m->rows) return 0;
  free_rows(m, L->moe_max_depth);
  const size_t K = L->moe_cfg.n_experts, in = L->n_in, u = L->moe_cfg.units;
  const size_t prow = rows * K; /* pool rows: at most every sample on every expert */
  /* one block each for the per-sample arrays, index arrays and gradient pools */
  m->clean = malloc(6 * rows * K * sizeof(double));
  m->sel = malloc(3 * prow * sizeof(size_t));
  m->pool_x = malloc(prow * in * sizeof(double));
  m->ga = malloc(prow * (2 * u + in) * sizeof(double));
  bool ok = m->clean && m->sel && m->pool_x && m->ga;
  for (size_t j = 0; ok && j < L->moe_max_depth; j++)
    ok = (m->pool_a[j] = malloc(prow * u * sizeof(double))) != NULL;
  if (!ok) {
    free_rows(m, L->moe_max_depth);
    return NN_ERR_NOMEM;
  }
  m->raw = m->clean + rows * K;
  m->eps = m->raw + rows * K;
  m->H = m->eps + rows * K;
  m->gates = m->H + rows * K;
  m->dG = m->gates + rows * K;
  m->pos = m->sel + prow;
  m->pool_src = m->pos + prow;
  m->gb = m->ga + prow * u;
  m->gx = m->gb + prow * u;
  m->rows = rows;
  return 0;
}

void nn_moe_init_params(nn_net_t *net, nn_layer_t *L, gsl_rng *rng) {
  const nn_moe_cfg_t *c = &L->moe_cfg;
  double *P = net->params + L->p_off;
  /* gating and noise weights start at zero: every expert equally likely
   * (Shazeer et al. 2017, appendix A) */
  memset(P, 0, 2 * L->n_in * c->n_experts * sizeof *P);
  const nn_init_t init =
      (c->act == NN_ACT_RELU || c->act == NN_ACT_LEAKY_RELU) ? NN_INIT_HE : NN_INIT_XAVIER;
  for (size_t e = 0; e < c->n_experts; e++)
    for (size_t j = 0; j < L->moe_max_depth; j++) {
      const size_t nin = j ? c->units : L->n_in;
      double *W = P + eoff(L, e, j);
      nn_dense_init(W, W + nin * c->units, nin, c->units, rng, init);
    }
}

static double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

int nn_moe_forward(nn_net_t *net, nn_layer_t *L, const double *X, size_t B) {
  nn_moe_t *m = L->moe;
  const nn_moe_cfg_t *c = &L->moe_cfg;
  const size_t K = c->n_experts, in = L->n_in, u = c->units, k = c->k, d = c->depth;
  const double *P = net->params + L->p_off;
  const double *Wg = P, *Wn = P + in * K;

  nn_gemm_fwd(X, Wg, NULL, m->clean, B, in, K);
  m->noise_used = net->training && c->noisy;
  const double *H = m->clean;
  if (m->noise_used) {
    nn_gemm_fwd(X, Wn, NULL, m->raw, B, in, K);
    for (size_t i = 0; i < B * K; i++) {
      m->eps[i] = gsl_ran_gaussian_ziggurat(net->noise_rng, 1.0);
      m->H[i] = m->clean[i] + m->eps[i] * softplus(m->raw[i]);
    }
    H = m->H;
  }

  /* top k of each row (ties: lowest index), softmax over them (eq. 13-15) */
  memset(m->count, 0, K * sizeof *m->count);
  memset(m->gates, 0, B * K * sizeof *m->gates);
  for (size_t r = 0; r < B; r++) {
    const double *h = H + r * K;
    size_t *sel = m->sel + r * K;
    for (size_t s = 0; s < k; s++) {
      size_t best = K;
      for (size_t e = 0; e < K; e++) {
        bool taken = false;
        for (size_t t = 0; t < s; t++) taken |= sel[t] == e;
        if (!taken && (best == K || h[e] > h[best])) best = e;
      }
      sel[s] = best;
      m->count[best]++;
    }
    const double mx = h[sel[0]];
    double sum = 0;
    double *g = m->gates + r * K;
    for (size_t s = 0; s < k; s++) sum += (g[sel[s]] = exp(h[sel[s]] - mx));
    for (size_t s = 0; s < k; s++) g[sel[s]] /= sum;
  }

  /* route: pool rows grouped by expert */
  size_t acc = 0;
  for (size_t e = 0; e < K; e++) {
    m->off[e] = acc;
    m->fill[e] = 0;
    acc += m->count[e];
  }
  for (size_t r = 0; r < B; r++)
    for (size_t s = 0; s < k; s++) {
      const size_t e = m->sel[r * K + s], p = m->off[e] + m->fill[e]++;
      m->pos[r * K + s] = p;
      m->pool_src[p] = r;
      memcpy(m->pool_x + p * in, X + r * in, in * sizeof *X);
    }

  /* each chosen expert's first d layers on its rows */
  for (size_t e = 0; e < K; e++) {
    const size_t n = m->count[e], o = m->off[e];
    if (!n) continue;
    for (size_t j = 0; j < d; j++) {
      const size_t nin = j ? u : in;
      const double *a_in = j ? m->pool_a[j - 1] + o * u : m->pool_x + o * in;
      const double *W = P + eoff(L, e, j);
      double *a = m->pool_a[j] + o * u;
      nn_gemm_fwd(a_in, W, W + nin * u, a, n, nin, u);
      nn_act_forward(c->act, 0.01, a, a, n, u);
    }
  }

  /* y = sum over chosen experts of G_e E_e(x) (eq. 12) */
  const double *A = m->pool_a[d - 1];
  for (size_t r = 0; r < B; r++) {
    double *y = L->out + r * u;
    memset(y, 0, u * sizeof *y);
    for (size_t s = 0; s < k; s++) {
      const double ge = m->gates[r * K + m->sel[r * K + s]];
      const double *a = A + m->pos[r * K + s] * u;
      for (size_t q = 0; q < u; q++) y[q] += ge * a[q];
    }
  }
  return 0;
}

void nn_moe_backward(nn_net_t *net, nn_layer_t *L, const double *X, const double *gY,
                     double *g_in, bool params, size_t B) {
  nn_moe_t *m = L->moe;
  const nn_moe_cfg_t *c = &L->moe_cfg;
  const size_t K = c->n_experts, in = L->n_in, u = c->units, k = c->k, d = c->depth;
  const double *P = net->params + L->p_off;
  double *G = net->grads + L->p_off;
  const double *A = m->pool_a[d - 1];

  /* dL/dG and dL/d(expert output) */
  for (size_t r = 0; r < B; r++) {
    const double *gy = gY + r * u;
    for (size_t s = 0; s < k; s++) {
      const size_t p = m->pos[r * K + s];
      const double ge = m->gates[r * K + m->sel[r * K + s]];
      const double *a = A + p * u;
      double *ga = m->ga + p * u, dot = 0;
      for (size_t q = 0; q < u; q++) {
        dot += gy[q] * a[q];
        ga[q] = ge * gy[q];
      }
      m->dG[r * K + s] = dot;
    }
  }

  /* through each chosen expert */
  for (size_t e = 0; e < K; e++) {
    const size_t n = m->count[e], o = m->off[e];
    if (!n) continue;
    double *cur = m->ga + o * u, *nxt = m->gb + o * u;
    for (size_t j = d; j-- > 0;) {
      const size_t nin = j ? u : in;
      double *a = m->pool_a[j] + o * u;
      nn_act_backward(c->act, 0.01, a, a, cur, cur, n, u); /* sign of output = sign of input */
      const double *a_in = j ? m->pool_a[j - 1] + o * u : m->pool_x + o * in;
      const size_t w = eoff(L, e, j);
      if (params) nn_gemm_dw(a_in, cur, G + w, G + w + nin * u, n, nin, u);
      if (j) {
        nn_gemm_dx(cur, P + w, nxt, n, u, u, false);
        double *t = cur;
        cur = nxt;
        nxt = t;
      } else if (g_in) {
        nn_gemm_dx(cur, P + w, m->gx + o * in, n, in, u, false);
      }
    }
  }

  if (g_in) {
    memset(g_in, 0, B * in * sizeof *g_in);
    for (size_t r = 0; r < B; r++)
      for (size_t s = 0; s < k; s++) {
        const double *gx = m->gx + m->pos[r * K + s] * in;
        double *gi = g_in + r * in;
        for (size_t i = 0; i < in; i++) gi[i] += gx[i];
      }
  }
  if (!params && !g_in) return;

  /* through the gates: softmax over the top k, then H (eq. 16) */
  const double *Wg = P, *Wn = P + in * K;
  double *dWg = G, *dWn = G + in * K;
  for (size_t r = 0; r < B; r++) {
    const double *x = X + r * in;
    double dot = 0;
    for (size_t s = 0; s < k; s++) dot += m->gates[r * K + m->sel[r * K + s]] * m->dG[r * K + s];
    for (size_t s = 0; s < k; s++) {
      const size_t e = m->sel[r * K + s];
      const double dH = m->gates[r * K + e] * (m->dG[r * K + s] - dot);
      const double dR = m->noise_used ? dH * m->eps[r * K + e] * sigmoid(m->raw[r * K + e]) : 0;
      if (params)
        for (size_t i = 0; i < in; i++) {
          dWg[i * K + e] += x[i] * dH;
          dWn[i * K + e] += x[i] * dR;
        }
      if (g_in) {
        double *gi = g_in + r * in;
        for (size_t i = 0; i < in; i++) gi[i] += Wg[i * K + e] * dH + Wn[i * K + e] * dR;
      }
    }
  }
}

uint64_t nn_moe_macs(const nn_net_t *net, const nn_layer_t *L) {
  const nn_moe_cfg_t *c = &L->moe_cfg;
  const uint64_t in = L->n_in, u = c->units, K = c->n_experts;
  const uint64_t gate = in * K * ((net->training && c->noisy) ? 2 : 1);
  const uint64_t expert = in * u + (c->depth - 1) * u * u;
  return gate + c->k * (expert + u);
}

const double *nn_moe_gates(const nn_layer_t *L) { return L->moe->rows ? L->moe->gates : NULL; }
