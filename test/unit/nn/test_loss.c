/* test_loss.c - loss values against hand computations and their gradients
 * against central finite differences. */
#include "check.h"
#include "nn/gradcheck.h"
#include "nn/nn.h"

#define B 3
#define C 4

typedef double (*loss_fn)(const double *y, const void *t, double *dy);

static const int labels[B] = {2, 0, 3};
static double targets01[B * C], targets_dist[B * C];

static double l_mse(const double *y, const void *t, double *dy) { return nn_loss_mse(y, t, B, C, dy); }
static double l_ce(const double *y, const void *t, double *dy) {
  (void)t;
  return nn_loss_cross_entropy(y, labels, B, C, dy);
}
static double l_ce_soft(const double *y, const void *t, double *dy) {
  return nn_loss_cross_entropy_soft(y, t, B, C, dy);
}
static double l_ce_probs(const double *y, const void *t, double *dy) {
  return nn_loss_cross_entropy_probs(y, t, B, C, dy);
}
static double l_bce(const double *y, const void *t, double *dy) { return nn_loss_bce(y, t, B, C, dy); }
static double l_bce_logits(const double *y, const void *t, double *dy) {
  return nn_loss_bce_logits(y, t, B, C, dy);
}

static void check_grad(const char *what, loss_fn f, const void *t, double lo, double hi) {
  double y[B * C], dy[B * C], num[B * C];
  gc_fill(y, B * C, lo, hi, 21);
  f(y, t, dy);
  for (size_t i = 0; i < B * C; i++) {
    const double keep = y[i];
    y[i] = keep + GC_STEP;
    const double lp = f(y, t, NULL);
    y[i] = keep - GC_STEP;
    const double lm = f(y, t, NULL);
    y[i] = keep;
    num[i] = (lp - lm) / (2 * GC_STEP);
  }
  double na;
  const double err = gc_rel(dy, num, B * C, &na);
  printf("%-22s gradient rel. error %.2e\n", what, err);
  CHECK(err < 1e-6);
  CHECK(na > 1e-3);
}

static void test_gradients(void) {
  gc_fill(targets01, B * C, 0, 1, 22);
  for (size_t i = 0; i < B * C; i++) targets01[i] = targets01[i] > 0.5;
  gc_fill(targets_dist, B * C, 0.1, 1, 23);
  for (size_t r = 0; r < B; r++) {
    double s = 0;
    for (size_t c = 0; c < C; c++) s += targets_dist[r * C + c];
    for (size_t c = 0; c < C; c++) targets_dist[r * C + c] /= s;
  }
  check_grad("mse", l_mse, targets_dist, -2, 2);
  check_grad("cross_entropy", l_ce, NULL, -3, 3);
  check_grad("cross_entropy_soft", l_ce_soft, targets_dist, -3, 3);
  check_grad("cross_entropy_probs", l_ce_probs, targets_dist, 0.05, 0.95);
  check_grad("bce", l_bce, targets01, 0.05, 0.95);
  check_grad("bce_logits", l_bce_logits, targets01, -4, 4);
}

static void test_values(void) {
  const double y[] = {1, 2}, t[] = {0, 4};
  double dy[2];
  CHECK_NEAR(nn_loss_mse(y, t, 1, 2, dy), 2.5, 1e-15); /* (1 + 4) / 2 */
  CHECK_NEAR(dy[1], -2.0, 1e-15);
  /* uniform logits: CE = log C */
  const double z[4] = {0.3, 0.3, 0.3, 0.3};
  const int lab = 1;
  CHECK_NEAR(nn_loss_cross_entropy(z, &lab, 1, 4, NULL), log(4.0), 1e-14);
  /* one-hot soft target equals the label version */
  const double z2[3] = {1.0, -2.0, 0.5}, oh[3] = {0, 0, 1};
  const int l2 = 2;
  CHECK_NEAR(nn_loss_cross_entropy_soft(z2, oh, 1, 3, NULL), nn_loss_cross_entropy(z2, &l2, 1, 3, NULL), 1e-14);
  /* BCE from logits equals BCE of sigmoid, even where exp would overflow */
  const double zz[2] = {1.3, -0.7}, tt[2] = {1, 0};
  const double pp[2] = {1 / (1 + exp(-1.3)), 1 / (1 + exp(0.7))};
  CHECK_NEAR(nn_loss_bce_logits(zz, tt, 1, 2, NULL), nn_loss_bce(pp, tt, 1, 2, NULL), 1e-14);
  const double big[1] = {800}, zero[1] = {0};
  CHECK_NEAR(nn_loss_bce_logits(big, zero, 1, 1, NULL), 800.0, 1e-9);
  /* a label outside [0, C) is reported as NaN */
  const int badl = 7;
  CHECK(isnan(nn_loss_cross_entropy(z, &badl, 1, 4, NULL)));
}

int main(void) {
  RUN(test_gradients);
  RUN(test_values);
  return CHECK_DONE();
}
