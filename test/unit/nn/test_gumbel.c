/* test_gumbel.c - Gumbel-softmax: gradient against finite differences with
 * the same Gumbel draws, straight-through one-hot, and the sampling
 * frequencies matching softmax(logits) (the Gumbel-max property). */
#include "check.h"
#include "model/rng.h"
#include "nn/gradcheck.h"
#include "nn/nn.h"

#define R 3
#define N 5

static double soft_loss(const double *z, const double *w, double tau, double *ysoft) {
  gsl_rng *rng = mec_rng_new(31, MEC_STREAM_POLICY, 0); /* same draws every call */
  double y[R * N];
  nn_gumbel_softmax(z, R, N, tau, rng, ysoft ? ysoft : y, NULL);
  gsl_rng_free(rng);
  const double *yy = ysoft ? ysoft : y;
  double s = 0;
  for (size_t i = 0; i < R * N; i++) s += w[i] * yy[i];
  return s;
}

static void test_gradient(void) {
  double z[R * N], w[R * N], ys[R * N], g[R * N], num[R * N];
  gc_fill(z, R * N, -2, 2, 1);
  gc_fill(w, R * N, -1, 1, 2);
  const double taus[] = {1.0, 0.5, 2.0};
  for (size_t t = 0; t < 3; t++) {
    soft_loss(z, w, taus[t], ys);
    nn_gumbel_softmax_backward(ys, w, R, N, taus[t], g);
    for (size_t i = 0; i < R * N; i++) {
      const double keep = z[i];
      z[i] = keep + GC_STEP;
      const double lp = soft_loss(z, w, taus[t], NULL);
      z[i] = keep - GC_STEP;
      const double lm = soft_loss(z, w, taus[t], NULL);
      z[i] = keep;
      num[i] = (lp - lm) / (2 * GC_STEP);
    }
    double na;
    const double err = gc_rel(g, num, R * N, &na);
    printf("gumbel-softmax tau %.1f gradient rel. error %.2e\n", taus[t], err);
    CHECK(err < 1e-6);
    CHECK(na > 1e-3);
  }
}

static void test_hard_and_frequencies(void) {
  const double z[3] = {1.0, 0.0, -1.0};
  const double e = exp(1.0) + 1 + exp(-1.0);
  const double p[3] = {exp(1.0) / e, 1 / e, exp(-1.0) / e};
  gsl_rng *rng = mec_rng_new(5, MEC_STREAM_POLICY, 1);
  const int draws = 20000;
  int count[3] = {0, 0, 0}, all_one_hot = 1;
  double ys[3], yh[3];
  for (int d = 0; d < draws; d++) {
    if (nn_gumbel_softmax(z, 1, 3, 0.7, rng, ys, yh) != 0) all_one_hot = 0;
    int hot = -1, ones = 0;
    for (int i = 0; i < 3; i++) {
      if (yh[i] == 1.0) hot = i, ones++;
      else if (yh[i] != 0.0) ones = 99;
    }
    if (ones != 1) {
      all_one_hot = 0;
      break;
    }
    count[hot]++;
  }
  CHECK(all_one_hot);
  /* argmax of logits + Gumbel noise is distributed as softmax(logits);
   * 5 standard deviations of a binomial */
  for (int i = 0; i < 3; i++)
    CHECK_NEAR((double)count[i] / draws, p[i], 5 * sqrt(p[i] * (1 - p[i]) / draws));
  CHECK(nn_gumbel_softmax(z, 1, 3, 0.0, rng, ys, yh) == NN_ERR_ARG);
  gsl_rng_free(rng);
}

int main(void) {
  RUN(test_gradient);
  RUN(test_hard_and_frequencies);
  return CHECK_DONE();
}
