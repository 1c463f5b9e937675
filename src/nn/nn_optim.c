/* nn_optim.c - Adam and SGD over flat arrays, gradient clipping, NaN/Inf
 * checks, and the minibatch training helpers. */
#include "nn/nn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

nn_opt_t nn_adam(double lr) {
  return (nn_opt_t){.kind = NN_OPT_ADAM, .lr = lr, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}

nn_opt_t nn_sgd(double lr, double momentum) {
  return (nn_opt_t){.kind = NN_OPT_SGD, .lr = lr, .momentum = momentum};
}

/* Adam's elementwise loop. The compiler will not vectorize it: sqrt may set
 * errno (a branch per element), and the project builds with errno math, so
 * a plain loop ran scalar at one sqrt and one division per parameter, 60% of
 * the MoE's training step. On AVX2+FMA machines an explicit 4-wide version
 * runs instead. It performs the same IEEE operations in the same order, with
 * the same fused multiply-adds, as GCC's AVX2 build of the scalar loop did
 * (sqrt and division are correctly rounded at any width), so the results are
 * bit-identical to it; test_optim checks this against the scalar formula. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define NN_ADAM_AVX2 1

__attribute__((target("arch=x86-64-v3")))
static void adam_avx2(size_t n, double *restrict p, const double *restrict g,
                      double *restrict m, double *restrict v, double b1, double b2, double wd,
                      double step, double isb2, double eps) {
  const __m256d B1 = _mm256_set1_pd(b1), B2 = _mm256_set1_pd(b2), WD = _mm256_set1_pd(wd);
  const __m256d C1 = _mm256_set1_pd(1 - b1), C2 = _mm256_set1_pd(1 - b2);
  const __m256d ST = _mm256_set1_pd(step), IS = _mm256_set1_pd(isb2), EP = _mm256_set1_pd(eps);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d pi = _mm256_loadu_pd(p + i);
    const __m256d gi = _mm256_fmadd_pd(pi, WD, _mm256_loadu_pd(g + i));
    const __m256d mi = _mm256_fmadd_pd(_mm256_loadu_pd(m + i), B1, _mm256_mul_pd(gi, C1));
    const __m256d vi =
        _mm256_fmadd_pd(_mm256_loadu_pd(v + i), B2, _mm256_mul_pd(_mm256_mul_pd(gi, C2), gi));
    _mm256_storeu_pd(m + i, mi);
    _mm256_storeu_pd(v + i, vi);
    const __m256d den = _mm256_fmadd_pd(_mm256_sqrt_pd(vi), IS, EP);
    _mm256_storeu_pd(p + i, _mm256_sub_pd(pi, _mm256_div_pd(_mm256_mul_pd(mi, ST), den)));
  }
  /* The same operations one element at a time, on plain doubles: __builtin_fma
   * and __builtin_sqrt are single correctly rounded instructions here, as the
   * lanes above (scalar intrinsics made GCC store through vmovq, which
   * valgrind 3.19 cannot decode). */
  for (; i < n; i++) {
    const double gi = __builtin_fma(p[i], wd, g[i]);
    const double mi = __builtin_fma(m[i], b1, gi * (1 - b1));
    const double vi = __builtin_fma(v[i], b2, (gi * (1 - b2)) * gi);
    m[i] = mi;
    v[i] = vi;
    const double den = __builtin_fma(__builtin_sqrt(vi), isb2, eps);
    p[i] = p[i] - (mi * step) / den;
  }
}
#endif

void nn_adam_update(size_t n, double *restrict p, const double *restrict g, double *restrict m,
                    double *restrict v, uint64_t t, const nn_opt_t *o) {
  const double b1 = o->beta1, b2 = o->beta2, wd = o->weight_decay;
  const double bc1 = 1.0 - pow(b1, (double)t), bc2 = 1.0 - pow(b2, (double)t);
  /* p -= lr * mhat / (sqrt(vhat) + eps), with the bias corrections folded
   * into the step size and eps the same way PyTorch does */
  const double step = o->lr / bc1, isb2 = 1.0 / sqrt(bc2), eps = o->eps;
#ifdef NN_ADAM_AVX2
  if (__builtin_cpu_supports("x86-64-v3")) {
    adam_avx2(n, p, g, m, v, b1, b2, wd, step, isb2, eps);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i] + wd * p[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    p[i] -= step * m[i] / (sqrt(v[i]) * isb2 + eps);
  }
}

NN_MULTIVERSION
void nn_sgd_update(size_t n, double *restrict p, const double *restrict g, double *restrict vel,
                   const nn_opt_t *o) {
  const double lr = o->lr, mu = o->momentum, wd = o->weight_decay;
  if (mu == 0) {
    for (size_t i = 0; i < n; i++) p[i] -= lr * (g[i] + wd * p[i]);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    vel[i] = mu * vel[i] + g[i] + wd * p[i];
    p[i] -= lr * vel[i];
  }
}

static bool trainable(const nn_layer_t *L) { return L->n_p && !L->frozen; }

/* A double is NaN or +-Inf exactly when its exponent bits are all ones; an
 * integer test that vectorizes, so the reporting scan runs only on failure. */
NN_MULTIVERSION
static bool all_finite(const double *restrict a, size_t n) {
  const uint64_t expo = 0x7ff0000000000000ull;
  uint64_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t bits;
    memcpy(&bits, &a[i], sizeof bits);
    bad |= (uint64_t)((bits & expo) == expo);
  }
  return bad == 0;
}

static int check_array(const nn_net_t *net, const double *a, const char *what, bool only_trainable) {
  for (size_t l = 0; l < net->n_layers; l++) {
    const nn_layer_t *L = &net->layers[l];
    if (!L->n_p || (only_trainable && L->frozen)) continue;
    if (all_finite(a + L->p_off, L->n_p)) continue;
    for (size_t i = 0; i < L->n_p; i++)
      if (!isfinite(a[L->p_off + i])) {
        char d[96];
        return nn_fail(NN_ERR_NONFINITE,
                       "%s: %s %zu of layer %zu (%s) is %g at optimizer step %llu", net->name,
                       what, i, l, nn_layer_describe(L, d, sizeof d), a[L->p_off + i],
                       (unsigned long long)net->steps + 1);
      }
  }
  return 0;
}

int nn_net_check_finite(const nn_net_t *net) {
  if (!net->finalized) return 0;
  int rc = check_array(net, net->params, "parameter", false);
  return rc < 0 ? rc : check_array(net, net->grads, "gradient", false);
}

double nn_net_clip_grad_norm(nn_net_t *net, double max_norm) {
  double ss = 0;
  for (size_t l = 0; l < net->n_layers; l++) {
    const nn_layer_t *L = &net->layers[l];
    if (!trainable(L)) continue;
    for (size_t i = 0; i < L->n_p; i++) ss += net->grads[L->p_off + i] * net->grads[L->p_off + i];
  }
  const double norm = sqrt(ss);
  if (max_norm > 0 && norm > max_norm) {
    const double s = max_norm / norm;
    for (size_t l = 0; l < net->n_layers; l++) {
      const nn_layer_t *L = &net->layers[l];
      if (!trainable(L)) continue;
      for (size_t i = 0; i < L->n_p; i++) net->grads[L->p_off + i] *= s;
    }
  }
  return norm;
}

void nn_net_clip_grad_value(nn_net_t *net, double max_abs) {
  for (size_t l = 0; l < net->n_layers; l++) {
    const nn_layer_t *L = &net->layers[l];
    if (!trainable(L)) continue;
    for (size_t i = 0; i < L->n_p; i++) {
      double *g = &net->grads[L->p_off + i];
      *g = *g > max_abs ? max_abs : (*g < -max_abs ? -max_abs : *g);
    }
  }
}

int nn_net_step(nn_net_t *net, const nn_opt_t *opt) {
  if (!net->finalized) return nn_fail(NN_ERR_STATE, "%s: step before nn_net_finalize", net->name);
  if (!opt || !(opt->lr >= 0) || (opt->kind != NN_OPT_ADAM && opt->kind != NN_OPT_SGD))
    return nn_fail(NN_ERR_ARG, "%s: bad optimizer settings", net->name);
  int rc = check_array(net, net->grads, "gradient", true);
  if (rc < 0) return rc;
  if (opt->clip_norm > 0) nn_net_clip_grad_norm(net, opt->clip_norm);
  net->steps++;
  /* consecutive trainable layers form one contiguous run: update runs, not
   * layers, so the loop is long */
  for (size_t l = 0; l < net->n_layers;) {
    if (!trainable(&net->layers[l])) {
      l++;
      continue;
    }
    const size_t off = net->layers[l].p_off;
    size_t end = l;
    while (end < net->n_layers && (trainable(&net->layers[end]) || !net->layers[end].n_p)) end++;
    const size_t n = net->layers[end - 1].p_off + net->layers[end - 1].n_p - off;
    if (opt->kind == NN_OPT_ADAM)
      nn_adam_update(n, net->params + off, net->grads + off, net->m + off, net->v + off,
                     net->steps, opt);
    else
      nn_sgd_update(n, net->params + off, net->grads + off, net->m + off, opt);
    l = end;
  }
  return 0;
}

uint64_t nn_net_steps(const nn_net_t *net) { return net->steps; }

static double loss_of(nn_loss_t loss, const double *y, const double *t, size_t B, size_t n,
                      double *dy) {
  switch (loss) {
  case NN_LOSS_MSE: return nn_loss_mse(y, t, B, n, dy);
  case NN_LOSS_CROSS_ENTROPY: return nn_loss_cross_entropy_soft(y, t, B, n, dy);
  case NN_LOSS_BCE: return nn_loss_bce(y, t, B, n, dy);
  case NN_LOSS_BCE_LOGITS: return nn_loss_bce_logits(y, t, B, n, dy);
  }
  return NAN;
}

double nn_net_train_batch(nn_net_t *net, const double *x, const double *t, size_t batch,
                          nn_loss_t loss, const nn_opt_t *opt) {
  if ((unsigned)loss > NN_LOSS_BCE_LOGITS) {
    nn_fail(NN_ERR_ARG, "%s: unknown loss %d", net->name, (int)loss);
    return NAN;
  }
  nn_net_zero_grad(net);
  const double *y = nn_net_forward(net, x, batch);
  if (!y) return NAN;
  const double l = loss_of(loss, y, t, batch, nn_net_n_out(net), net->dy);
  if (!isfinite(l)) {
    nn_fail(NN_ERR_NONFINITE, "%s: loss is %g at optimizer step %llu", net->name, l,
            (unsigned long long)net->steps + 1);
    return NAN;
  }
  if (nn_net_backward(net, net->dy, NULL) < 0 || nn_net_step(net, opt) < 0) return NAN;
  return l;
}

int nn_fit(nn_net_t *net, const double *X, const double *T, size_t n, size_t batch,
           size_t epochs, nn_loss_t loss, const nn_opt_t *opt, gsl_rng *rng, double *mean_loss) {
  if (!net->finalized) return nn_fail(NN_ERR_STATE, "%s: fit before nn_net_finalize", net->name);
  if (n == 0 || batch == 0 || !rng) return nn_fail(NN_ERR_ARG, "%s: fit needs n, batch > 0 and rng", net->name);
  bool has_bn = false;
  for (size_t l = 0; l < net->n_layers; l++) has_bn |= net->layers[l].kind == NN_LAYER_BATCHNORM;
  const size_t nin = net->n_in, nout = nn_net_n_out(net);
  if (batch > n) batch = n;
  size_t *idx = malloc(n * sizeof *idx);
  double *xb = malloc(batch * nin * sizeof *xb), *tb = malloc(batch * nout * sizeof *tb);
  int rc = 0;
  if (!idx || !xb || !tb) {
    rc = nn_fail(NN_ERR_NOMEM, "%s: out of memory in fit", net->name);
    goto out;
  }
  for (size_t i = 0; i < n; i++) idx[i] = i;
  for (size_t ep = 0; ep < epochs; ep++) {
    /* Fisher-Yates shuffle from the caller's stream */
    for (size_t i = n - 1; i > 0; i--) {
      const size_t j = gsl_rng_uniform_int(rng, i + 1), t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    double sum = 0;
    size_t seen = 0;
    for (size_t s = 0; s < n; s += batch) {
      const size_t b = s + batch <= n ? batch : n - s;
      if (b == 1 && has_bn && net->training) continue;
      for (size_t r = 0; r < b; r++) {
        memcpy(xb + r * nin, X + idx[s + r] * nin, nin * sizeof *xb);
        memcpy(tb + r * nout, T + idx[s + r] * nout, nout * sizeof *tb);
      }
      const double l = nn_net_train_batch(net, xb, tb, b, loss, opt);
      if (isnan(l)) {
        rc = NN_ERR_NONFINITE;
        goto out; /* message set by train_batch */
      }
      sum += l * (double)b;
      seen += b;
    }
    if (mean_loss) *mean_loss = seen ? sum / (double)seen : NAN;
  }
out:
  free(idx);
  free(xb);
  free(tb);
  return rc;
}
