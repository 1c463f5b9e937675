/* gradcheck.h - finite-difference gradient checks shared by the nn tests.
 *
 * The scalar checked is L = sum_i r_i y_i with fixed random r, so dL/dy = r
 * exercises every output. Central differences with step h; the error of a
 * gradient vector is ||analytic - numeric|| / (||analytic|| + ||numeric||). */
#ifndef MECSIM_TEST_GRADCHECK_H
#define MECSIM_TEST_GRADCHECK_H
#include "model/rng.h"
#include "nn/nn.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#define GC_STEP 1e-5
#define GC_NOISE_SEED 777

typedef struct {
  double err_params, err_input; /* relative errors */
  double norm_params, norm_input; /* norms of the analytic gradients */
} gc_result_t;

__attribute__((unused)) static double gc_loss(nn_net_t *net, const double *x, size_t B, const double *r) {
  nn_net_reseed(net, GC_NOISE_SEED); /* same gating noise in every evaluation */
  const double *y = nn_net_forward(net, x, B);
  if (!y) return NAN;
  double s = 0;
  for (size_t i = 0; i < B * nn_net_n_out(net); i++) s += r[i] * y[i];
  return s;
}

__attribute__((unused)) static double gc_rel(const double *a, const double *n, size_t len, double *norm_a) {
  double d = 0, na = 0, nn_ = 0;
  for (size_t i = 0; i < len; i++) {
    d += (a[i] - n[i]) * (a[i] - n[i]);
    na += a[i] * a[i];
    nn_ += n[i] * n[i];
  }
  if (norm_a) *norm_a = sqrt(na);
  const double den = sqrt(na) + sqrt(nn_);
  return den > 0 ? sqrt(d) / den : 0.0;
}

/* Check parameter and input gradients of `net` at input x (B rows). */
__attribute__((unused)) static gc_result_t gradcheck(nn_net_t *net, double *x, size_t B, uint64_t seed) {
  gc_result_t res = {NAN, NAN, 0, 0};
  const size_t nin = nn_net_n_in(net), nout = nn_net_n_out(net);
  size_t np;
  double *p = nn_net_params(net, &np);
  double *r = malloc(B * nout * sizeof *r), *ga = malloc((np + 1) * sizeof *ga),
         *gn = malloc((np + 1) * sizeof *gn), *xa = malloc(B * nin * sizeof *xa),
         *xn = malloc(B * nin * sizeof *xn);
  gsl_rng *rng = mec_rng_new(seed, MEC_STREAM_TRAINING, 99);
  for (size_t i = 0; i < B * nout; i++) r[i] = gsl_ran_flat(rng, -1, 1);
  nn_net_zero_grad(net);
  if (isnan(gc_loss(net, x, B, r))) goto out;
  const double *dx;
  if (nn_net_backward(net, r, &dx) < 0) goto out;
  for (size_t i = 0; i < B * nin; i++) xa[i] = dx[i];
  const double *g = nn_net_grads(net, NULL);
  for (size_t i = 0; i < np; i++) ga[i] = g[i];
  for (size_t i = 0; i < np; i++) {
    const double keep = p[i];
    p[i] = keep + GC_STEP;
    const double lp = gc_loss(net, x, B, r);
    p[i] = keep - GC_STEP;
    const double lm = gc_loss(net, x, B, r);
    p[i] = keep;
    gn[i] = (lp - lm) / (2 * GC_STEP);
  }
  for (size_t i = 0; i < B * nin; i++) {
    const double keep = x[i];
    x[i] = keep + GC_STEP;
    const double lp = gc_loss(net, x, B, r);
    x[i] = keep - GC_STEP;
    const double lm = gc_loss(net, x, B, r);
    x[i] = keep;
    xn[i] = (lp - lm) / (2 * GC_STEP);
  }
  res.err_params = gc_rel(ga, gn, np, &res.norm_params);
  res.err_input = gc_rel(xa, xn, B * nin, &res.norm_input);
out:
  gsl_rng_free(rng);
  free(r), free(ga), free(gn), free(xa), free(xn);
  return res;
}

/* Fill an array with U(lo, hi) draws of stream `index`. */
__attribute__((unused)) static void gc_fill(double *a, size_t n, double lo, double hi, uint64_t index) {
  gsl_rng *rng = mec_rng_new(4242, MEC_STREAM_TRAINING, index);
  for (size_t i = 0; i < n; i++) a[i] = gsl_ran_flat(rng, lo, hi);
  gsl_rng_free(rng);
}
#endif
