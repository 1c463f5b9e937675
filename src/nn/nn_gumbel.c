/* nn_gumbel.c - Gumbel-softmax samples of categorical actions and their
 * gradient (Jang, Gu and Poole 2017; Maddison et al. 2017). */
#include "nn/nn_internal.h"

#include <math.h>

int nn_gumbel_softmax(const double *logits, size_t rows, size_t n, double tau, gsl_rng *rng,
                      double *y_soft, double *y_hard) {
  if (!(tau > 0) || n == 0 || !rng || !y_soft)
    return nn_fail(NN_ERR_ARG, "nn_gumbel_softmax: needs tau > 0 (got %g), n > 0, rng and y_soft",
                   tau);
  for (size_t r = 0; r < rows; r++) {
    const double *z = logits + r * n;
    double *y = y_soft + r * n;
    double mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
      const double g = -log(-log(gsl_rng_uniform_pos(rng))); /* Gumbel(0, 1) */
      y[i] = (z[i] + g) / tau;
      if (y[i] > mx) mx = y[i];
    }
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (y[i] = exp(y[i] - mx));
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
      y[i] /= s;
      if (y[i] > y[best]) best = i;
    }
    if (y_hard)
      for (size_t i = 0; i < n; i++) y_hard[r * n + i] = i == best ? 1.0 : 0.0;
  }
  return 0;
}

void nn_gumbel_softmax_backward(const double *y_soft, const double *dy, size_t rows, size_t n,
                                double tau, double *dlogits) {
  for (size_t r = 0; r < rows; r++) {
    const double *y = y_soft + r * n, *g = dy + r * n;
    double dot = 0;
    for (size_t i = 0; i < n; i++) dot += g[i] * y[i];
    for (size_t i = 0; i < n; i++) dlogits[r * n + i] = y[i] * (g[i] - dot) / tau;
  }
}
