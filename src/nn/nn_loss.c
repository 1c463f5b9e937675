/* nn_loss.c - loss functions: the mean loss of a batch and its gradient
 * with respect to the network output (already divided by the batch size). */
#include "nn/nn_internal.h"

#include <math.h>

double nn_loss_mse(const double *y, const double *t, size_t batch, size_t dim, double *dy) {
  const size_t n = batch * dim;
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    const double d = y[i] - t[i];
    s += d * d;
    if (dy) dy[i] = 2.0 * d / (double)n;
  }
  return s / (double)n;
}

/* log-sum-exp of a row, stable */
static double lse(const double *z, size_t C) {
  double mx = z[0];
  for (size_t c = 1; c < C; c++) mx = z[c] > mx ? z[c] : mx;
  double s = 0;
  for (size_t c = 0; c < C; c++) s += exp(z[c] - mx);
  return mx + log(s);
}

double nn_loss_cross_entropy(const double *z, const int *labels, size_t batch, size_t C,
                             double *dz) {
  double loss = 0;
  for (size_t r = 0; r < batch; r++) {
    const double *zr = z + r * C;
    const double l = lse(zr, C);
    const int y = labels[r];
    if (y < 0 || (size_t)y >= C) return NAN; /* a label outside [0, C) is a caller bug */
    loss += l - zr[y];
    if (dz)
      for (size_t c = 0; c < C; c++)
        dz[r * C + c] = (exp(zr[c] - l) - ((size_t)y == c)) / (double)batch;
  }
  return loss / (double)batch;
}

double nn_loss_cross_entropy_soft(const double *z, const double *t, size_t batch, size_t C,
                                  double *dz) {
  double loss = 0;
  for (size_t r = 0; r < batch; r++) {
    const double *zr = z + r * C, *tr = t + r * C;
    const double l = lse(zr, C);
    double tsum = 0;
    for (size_t c = 0; c < C; c++) {
      loss += tr[c] * (l - zr[c]);
      tsum += tr[c];
    }
    if (dz)
      for (size_t c = 0; c < C; c++) dz[r * C + c] = (tsum * exp(zr[c] - l) - tr[c]) / (double)batch;
  }
  return loss / (double)batch;
}

#define NN_PROB_MIN 1e-12

double nn_loss_cross_entropy_probs(const double *p, const double *t, size_t batch, size_t C,
                                   double *dp) {
  double loss = 0;
  for (size_t i = 0; i < batch * C; i++) {
    const double q = p[i] < NN_PROB_MIN ? NN_PROB_MIN : p[i];
    loss -= t[i] * log(q);
    if (dp) dp[i] = p[i] < NN_PROB_MIN ? 0.0 : -t[i] / (q * (double)batch);
  }
  return loss / (double)batch;
}

double nn_loss_bce(const double *p, const double *t, size_t batch, size_t dim, double *dp) {
  const size_t n = batch * dim;
  double loss = 0;
  for (size_t i = 0; i < n; i++) {
    const bool clamped = p[i] < NN_PROB_MIN || p[i] > 1 - NN_PROB_MIN;
    const double q = p[i] < NN_PROB_MIN ? NN_PROB_MIN : (p[i] > 1 - NN_PROB_MIN ? 1 - NN_PROB_MIN : p[i]);
    loss -= t[i] * log(q) + (1 - t[i]) * log(1 - q);
    if (dp) dp[i] = clamped ? 0.0 : (q - t[i]) / (q * (1 - q) * (double)n);
  }
  return loss / (double)n;
}

double nn_loss_bce_logits(const double *z, const double *t, size_t batch, size_t dim, double *dz) {
  const size_t n = batch * dim;
  double loss = 0;
  for (size_t i = 0; i < n; i++) {
    /* log(1 + e^z) - t z, written so exp never overflows */
    const double x = z[i];
    loss += (x > 0 ? x : 0) - x * t[i] + log1p(exp(-fabs(x)));
    if (dz) dz[i] = (1.0 / (1.0 + exp(-x)) - t[i]) / (double)n;
  }
  return loss / (double)n;
}
