/* test_optim.c - optimizers, clipping, NaN/Inf reports, freezing, and
 * learning tests that cannot pass by accident: XOR, a linear regression
 * compared with GSL's least squares on the same data, and a softmax
 * classifier on a separable set. All seeded. */
#include "check.h"
#include "model/rng.h"
#include "nn/gradcheck.h"
#include "nn/nn.h"

#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>
#include <string.h>

/* nn_adam_update over an array: element i sees the same inputs as i+4 and
 * i+8, so the 4-wide vector path (elements 0-7) and its one-lane tail
 * (8-10) must agree bit for bit; every element must match Adam's formula. */
static void test_adam_array_lanes(void) {
  enum { N = 11 };
  nn_opt_t o = nn_adam(0.01);
  o.weight_decay = 0.05;
  double p[N], m[N] = {0}, v[N] = {0}, g[N], pr[4], mr[4] = {0}, vr[4] = {0};
  for (int i = 0; i < N; i++) p[i] = 0.3 * (i % 4) - 0.5;
  for (int i = 0; i < 4; i++) pr[i] = p[i];
  for (uint64_t t = 1; t <= 5; t++) {
    for (int i = 0; i < N; i++) g[i] = (i % 4 == 3) ? 0.0 : sin(1.7 * (double)(i % 4) + (double)t);
    nn_adam_update(N, p, g, m, v, t, &o);
    for (int i = 0; i < 4; i++) { /* reference: PyTorch's Adam with L2 weight decay */
      const double gi = g[i] + 0.05 * pr[i];
      mr[i] = 0.9 * mr[i] + 0.1 * gi;
      vr[i] = 0.999 * vr[i] + 0.001 * gi * gi;
      const double mh = mr[i] / (1 - pow(0.9, (double)t)), vh = vr[i] / (1 - pow(0.999, (double)t));
      pr[i] -= 0.01 * mh / (sqrt(vh) + 1e-8);
    }
  }
  for (int i = 0; i < N; i++) {
    CHECK(memcmp(&p[i], &p[i % 4], sizeof p[i]) == 0);
    CHECK(memcmp(&m[i], &m[i % 4], sizeof m[i]) == 0);
    CHECK(memcmp(&v[i], &v[i % 4], sizeof v[i]) == 0);
    CHECK_NEAR(p[i], pr[i % 4], 1e-13);
    CHECK_REL(v[i], vr[i % 4], 1e-13);
  }
}

/* Two Adam steps on f(p) = p^2 / 2 from p = 1, by hand. */
static void test_adam_by_hand(void) {
  nn_opt_t o = nn_adam(0.1);
  double p = 1, m = 0, v = 0;
  double g = p;
  nn_adam_update(1, &p, &g, &m, &v, 1, &o);
  /* m = .1, v = .001; mhat = 1, vhat = 1: p = 1 - .1 * 1 / (1 + 1e-8) */
  CHECK_NEAR(p, 1 - 0.1 / (1 + 1e-8), 1e-15);
  const double p1 = p;
  g = p1;
  nn_adam_update(1, &p, &g, &m, &v, 2, &o);
  const double m2 = 0.9 * 0.1 + 0.1 * p1, v2 = 0.999 * 0.001 + 0.001 * p1 * p1;
  const double mh = m2 / (1 - 0.81), vh = v2 / (1 - 0.999 * 0.999);
  CHECK_NEAR(p, p1 - 0.1 * mh / (sqrt(vh) + 1e-8), 1e-12);
  /* SGD with momentum */
  nn_opt_t s = nn_sgd(0.5, 0.9);
  double q = 2, vel = 0, gq = 4;
  nn_sgd_update(1, &q, &gq, &vel, &s);
  nn_sgd_update(1, &q, &gq, &vel, &s);
  CHECK_NEAR(q, 2 - 0.5 * 4 - 0.5 * (0.9 * 4 + 4), 1e-15);
}

static void test_clip_and_nonfinite(void) {
  nn_net_t *net = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 2, .hidden = {3}, .n_out = 1, .name = "critic"}, 1);
  size_t n;
  double *g = nn_net_grads(net, &n);
  for (size_t i = 0; i < n; i++) g[i] = 1.0;
  const double norm = nn_net_clip_grad_norm(net, 1.0);
  CHECK_NEAR(norm, sqrt((double)n), 1e-12);
  double ss = 0;
  for (size_t i = 0; i < n; i++) ss += g[i] * g[i];
  CHECK_NEAR(sqrt(ss), 1.0, 1e-12);
  g[0] = 5;
  g[1] = -5;
  nn_net_clip_grad_value(net, 0.5);
  CHECK(g[0] == 0.5 && g[1] == -0.5);

  /* a NaN in layer 2's gradient stops the step and names layer and step */
  nn_opt_t o = nn_adam(1e-3);
  nn_net_zero_grad(net);
  CHECK(nn_net_step(net, &o) == 0);
  double *p = nn_net_params(net, NULL);
  double before[32];
  memcpy(before, p, n * sizeof *p);
  size_t n2;
  double *g2 = nn_net_layer_grads(net, 2, &n2);
  g2[1] = NAN;
  CHECK(nn_net_step(net, &o) == NN_ERR_NONFINITE);
  CHECK(strstr(nn_last_error(), "critic") != NULL);
  CHECK(strstr(nn_last_error(), "layer 2 (dense 3->1)") != NULL);
  CHECK(strstr(nn_last_error(), "step 2") != NULL);
  CHECK(memcmp(before, p, n * sizeof *p) == 0);
  printf("report: %s\n", nn_last_error());
  nn_net_free(net);
}

/* MEMTL: frozen backbone, trainable head. */
static void test_freeze(void) {
  nn_net_t *net = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 3, .hidden = {4, 4}, .n_out = 2}, 2);
  CHECK(nn_net_n_layers(net) == 5);
  CHECK(nn_net_freeze(net, 0, 4, 1) == 0);
  CHECK(nn_net_freeze(net, 3, 4, 1) == NN_ERR_ARG);
  size_t n, nb, nh;
  double *p = nn_net_params(net, &n);
  nn_net_layer_params(net, 4, &nh);
  nb = n - nh;
  double *before = malloc(n * sizeof *before);
  memcpy(before, p, n * sizeof *p);
  double x[6], t[4];
  gc_fill(x, 6, -1, 1, 1);
  gc_fill(t, 4, -1, 1, 2);
  nn_opt_t o = nn_adam(0.01);
  CHECK(!isnan(nn_net_train_batch(net, x, t, 2, NN_LOSS_MSE, &o)));
  CHECK(memcmp(before, p, nb * sizeof *p) == 0);              /* backbone unchanged */
  CHECK(memcmp(before + nb, p + nb, nh * sizeof *p) != 0);     /* head moved */
  const double *g = nn_net_grads(net, NULL);
  double gb = 0;
  for (size_t i = 0; i < nb; i++) gb += fabs(g[i]);
  CHECK(gb == 0.0); /* no gradient computed for frozen layers */
  /* still differentiable w.r.t. the input through the frozen layers */
  const double *dx;
  nn_net_forward(net, x, 2);
  CHECK(nn_net_backward(net, t, &dx) == 0);
  CHECK(fabs(dx[0]) + fabs(dx[1]) + fabs(dx[2]) > 0);
  free(before);
  nn_net_free(net);
}

static void test_xor(void) {
  const double X[] = {0, 0, 0, 1, 1, 0, 1, 1}, T[] = {0, 1, 1, 0};
  nn_net_t *net = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 2, .hidden = {8}, .n_out = 1,
                                             .hidden_act = NN_ACT_TANH, .out_act = NN_ACT_SIGMOID},
                             2024);
  const double *y0 = nn_net_forward(net, X, 4);
  double err0 = 0;
  for (int i = 0; i < 4; i++) err0 = fmax(err0, fabs(y0[i] - T[i]));
  CHECK(err0 > 0.3); /* untrained, it does not already solve XOR */
  nn_opt_t o = nn_adam(0.05);
  double loss = 0;
  for (int it = 0; it < 1500; it++) loss = nn_net_train_batch(net, X, T, 4, NN_LOSS_BCE, &o);
  printf("xor: final BCE %.2e\n", loss);
  const double *y = nn_net_forward(net, X, 4);
  for (int i = 0; i < 4; i++) CHECK(fabs(y[i] - T[i]) < 0.05);
  CHECK(loss < 0.02);
  nn_net_free(net);
}

/* Linear regression with noise: the network (one dense layer, MSE) must
 * land on the least-squares solution computed by GSL on the same data,
 * which differs from the generating coefficients. */
static void test_regression_vs_gsl(void) {
  enum { N = 200, D = 3 };
  static double X[N * D], Y[N];
  gsl_rng *rng = mec_rng_new(77, MEC_STREAM_TRAINING, 0);
  const double beta[D] = {1.5, -2.0, 0.7}, c0 = 0.3;
  gsl_matrix *A = gsl_matrix_alloc(N, D + 1);
  gsl_vector *yv = gsl_vector_alloc(N), *coef = gsl_vector_alloc(D + 1);
  gsl_matrix *cov = gsl_matrix_alloc(D + 1, D + 1);
  for (int i = 0; i < N; i++) {
    Y[i] = c0 + gsl_ran_gaussian(rng, 0.3);
    gsl_matrix_set(A, i, D, 1.0);
    for (int j = 0; j < D; j++) {
      X[i * D + j] = gsl_ran_flat(rng, -1, 1);
      Y[i] += beta[j] * X[i * D + j];
      gsl_matrix_set(A, i, j, X[i * D + j]);
    }
    gsl_vector_set(yv, i, Y[i]);
  }
  double chisq;
  gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(N, D + 1);
  gsl_multifit_linear(A, yv, coef, cov, &chisq, ws);

  nn_net_t *net = nn_net_new(D, "linreg");
  nn_net_add_dense(net, 1, NN_INIT_XAVIER);
  nn_net_finalize(net, 3);
  nn_opt_t o = nn_adam(0.05);
  for (int it = 0; it < 600; it++) nn_net_train_batch(net, X, Y, N, NN_LOSS_MSE, &o);
  nn_opt_t gd = nn_sgd(0.5, 0.0); /* finish with full-batch gradient descent */
  for (int it = 0; it < 600; it++) nn_net_train_batch(net, X, Y, N, NN_LOSS_MSE, &gd);
  const double *p = nn_net_params(net, NULL);
  double maxdiff = 0, maxtrue = 0;
  for (int j = 0; j <= D; j++) {
    maxdiff = fmax(maxdiff, fabs(p[j] - gsl_vector_get(coef, j)));
    maxtrue = fmax(maxtrue, fabs(gsl_vector_get(coef, j) - (j < D ? beta[j] : c0)));
  }
  printf("regression: |net - gsl| = %.2e, |gsl - generating| = %.2e\n", maxdiff, maxtrue);
  CHECK(maxdiff < 1e-8);
  CHECK(maxtrue > 1e-3); /* the target is the LS solution, not the generator */
  gsl_multifit_linear_free(ws);
  gsl_matrix_free(A), gsl_matrix_free(cov);
  gsl_vector_free(yv), gsl_vector_free(coef);
  gsl_rng_free(rng);
  nn_net_free(net);
}

/* Three Gaussian blobs far apart: a softmax classifier trained with nn_fit
 * (minibatches, shuffling) must classify > 99% of a fresh test set. */
static void make_blobs(double *X, double *T, int *lab, int n, gsl_rng *rng) {
  const double cx[3] = {-3, 3, 0}, cy[3] = {-2, -2, 3};
  for (int i = 0; i < n; i++) {
    const int c = (int)gsl_rng_uniform_int(rng, 3);
    X[2 * i] = cx[c] + gsl_ran_gaussian(rng, 0.6);
    X[2 * i + 1] = cy[c] + gsl_ran_gaussian(rng, 0.6);
    for (int k = 0; k < 3; k++) T[3 * i + k] = k == c;
    lab[i] = c;
  }
}

static void test_softmax_classifier(void) {
  enum { N = 600, M = 600 };
  static double X[N * 2], T[N * 3], Xt[M * 2], Tt[M * 3];
  static int lab[N], labt[M];
  gsl_rng *rng = mec_rng_new(99, MEC_STREAM_TRAINING, 1);
  make_blobs(X, T, lab, N, rng);
  make_blobs(Xt, Tt, labt, M, rng);
  nn_net_t *net = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 2, .hidden = {16}, .n_out = 3}, 8);
  nn_opt_t o = nn_adam(0.01);
  double first, last;
  CHECK(nn_fit(net, X, T, N, 32, 1, NN_LOSS_CROSS_ENTROPY, &o, rng, &first) == 0);
  CHECK(nn_fit(net, X, T, N, 32, 30, NN_LOSS_CROSS_ENTROPY, &o, rng, &last) == 0);
  const double *z = nn_net_forward(net, Xt, M);
  int correct = 0;
  for (int i = 0; i < M; i++) {
    int best = 0;
    for (int k = 1; k < 3; k++) best = z[3 * i + k] > z[3 * i + best] ? k : best;
    correct += best == labt[i];
  }
  printf("classifier: loss %.3f -> %.4f, test accuracy %.4f\n", first, last, (double)correct / M);
  CHECK((double)correct / M > 0.99);
  CHECK(last < first);
  gsl_rng_free(rng);
  nn_net_free(net);
}

/* Same seed, same data, same steps: bit-identical parameters. */
static void test_reproducible(void) {
  double out[2][32] = {{0}};
  for (int run = 0; run < 2; run++) {
    nn_net_t *net = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 2, .hidden = {4}, .n_out = 1,
                                               .batchnorm = 1}, 5);
    gsl_rng *rng = mec_rng_new(6, MEC_STREAM_TRAINING, 0);
    double X[40], T[20];
    gc_fill(X, 40, -1, 1, 3);
    gc_fill(T, 20, -1, 1, 4);
    nn_opt_t o = nn_adam(0.01);
    nn_fit(net, X, T, 20, 8, 5, NN_LOSS_MSE, &o, rng, NULL);
    size_t n;
    const double *p = nn_net_params(net, &n);
    CHECK(n == 25); /* 2x4+4, batchnorm 4+4, 4x1+1 */
    memcpy(out[run], p, (n < 32 ? n : 32) * sizeof *p);
    gsl_rng_free(rng);
    nn_net_free(net);
  }
  CHECK(memcmp(out[0], out[1], sizeof out[0]) == 0);
}

int main(void) {
  RUN(test_adam_by_hand);
  RUN(test_adam_array_lanes);
  RUN(test_clip_and_nonfinite);
  RUN(test_freeze);
  RUN(test_xor);
  RUN(test_regression_vs_gsl);
  RUN(test_softmax_classifier);
  RUN(test_reproducible);
  return CHECK_DONE();
}
