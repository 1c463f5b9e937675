/* test_layers.c - finite-difference gradient checks of every layer kind
 * (parameters and inputs), and forward values against hand computations. */
#include "check.h"
#include "nn/gradcheck.h"
#include "nn/nn.h"

#include <string.h>

#define TOL 1e-6

/* dense(n_in -> 5), then one layer added by `add`, then dense(-> 3) so the
 * checked layer sits between trainable layers (its input gradient is used). */
static void check_net(const char *what, int (*add)(nn_net_t *), size_t B, int training) {
  nn_net_t *net = nn_net_new(4, what);
  CHECK(nn_net_add_dense(net, 5, NN_INIT_XAVIER) == 0);
  CHECK(add(net) == 1);
  CHECK(nn_net_add_dense(net, 3, NN_INIT_UNIFORM) == 2);
  CHECK(nn_net_finalize(net, 11) == 0);
  nn_net_set_training(net, training);
  size_t np;
  double *p = nn_net_params(net, &np);
  gc_fill(p, np, -1, 1, 1); /* non-trivial gamma/beta for batch norm too */
  double x[4 * 8];
  gc_fill(x, 4 * B, -2, 2, 2);
  gc_result_t r = gradcheck(net, x, B, 5);
  printf("%-22s params %.2e  input %.2e\n", what, r.err_params, r.err_input);
  CHECK(r.err_params < TOL);
  CHECK(r.err_input < TOL);
  CHECK(r.norm_params > 1e-3 && r.norm_input > 1e-3); /* gradients are not trivially zero */
  nn_net_free(net);
}

static int add_relu(nn_net_t *n) { return nn_net_add_act(n, NN_ACT_RELU); }
static int add_leaky(nn_net_t *n) { return nn_net_add_leaky_relu(n, 0.2); }
static int add_sigmoid(nn_net_t *n) { return nn_net_add_act(n, NN_ACT_SIGMOID); }
static int add_tanh(nn_net_t *n) { return nn_net_add_act(n, NN_ACT_TANH); }
static int add_softmax(nn_net_t *n) { return nn_net_add_act(n, NN_ACT_SOFTMAX); }
static int add_bn(nn_net_t *n) { return nn_net_add_batchnorm(n, 0.1, 1e-5); }
static int add_dense(nn_net_t *n) { return nn_net_add_dense(n, 6, NN_INIT_HE); }

static void test_gradients(void) {
  check_net("dense", add_dense, 3, 1);
  check_net("relu", add_relu, 3, 1);
  check_net("leaky_relu", add_leaky, 3, 1);
  check_net("sigmoid", add_sigmoid, 3, 1);
  check_net("tanh", add_tanh, 3, 1);
  check_net("softmax", add_softmax, 3, 1);
  check_net("batchnorm (training)", add_bn, 6, 1);
  check_net("batchnorm (eval)", add_bn, 3, 0);
}

/* Large enough that the matrix products go through BLAS (batch 16, 40x30). */
static void test_gradients_blas_sizes(void) {
  nn_net_t *net = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 40, .hidden = {30}, .n_out = 2,
                                             .hidden_act = NN_ACT_TANH}, 3);
  CHECK(net != NULL);
  static double x[16 * 40];
  gc_fill(x, 16 * 40, -1, 1, 3);
  gc_result_t r = gradcheck(net, x, 16, 6);
  printf("%-22s params %.2e  input %.2e\n", "mlp 40-30-2 batch 16", r.err_params, r.err_input);
  CHECK(r.err_params < TOL);
  CHECK(r.err_input < TOL);
  nn_net_free(net);
}

static void test_forward_values(void) {
  nn_net_t *net = nn_net_new(2, "tiny");
  nn_net_add_dense(net, 2, NN_INIT_XAVIER);
  nn_net_add_act(net, NN_ACT_SOFTMAX);
  CHECK(nn_net_finalize(net, 1) == 0);
  double *p = nn_net_params(net, NULL);
  /* W = [[1, 2], [3, 4]] (row i = input i), b = [0.5, -0.5] */
  const double w[] = {1, 2, 3, 4, 0.5, -0.5};
  memcpy(p, w, sizeof w);
  const double x[] = {1, -1};
  const double *y = nn_net_forward(net, x, 1);
  /* z = x W + b = [1 - 3 + .5, 2 - 4 - .5] = [-1.5, -2.5] */
  CHECK_NEAR(y[0], 1 / (1 + exp(-1.0)), 1e-15);
  CHECK_NEAR(y[1], 1 - 1 / (1 + exp(-1.0)), 1e-15);
  nn_net_free(net);
}

static void test_batchnorm_modes(void) {
  nn_net_t *net = nn_net_new(1, "bn");
  nn_net_add_batchnorm(net, 0.5, 1e-12);
  CHECK(nn_net_finalize(net, 1) == 0);
  const double x[] = {1, 3};
  const double *y = nn_net_forward(net, x, 2); /* mean 2, var 1 */
  CHECK_NEAR(y[0], -1, 1e-9);
  CHECK_NEAR(y[1], 1, 1e-9);
  /* running mean 0.5*0 + 0.5*2 = 1; running var 0.5*1 + 0.5*2 (unbiased) = 1.5 */
  nn_net_set_training(net, 0);
  const double z[] = {1};
  y = nn_net_forward(net, z, 1);
  CHECK_NEAR(y[0], 0.0, 1e-9);
  /* a training-mode batch of one is refused with a message */
  nn_net_set_training(net, 1);
  CHECK(nn_net_forward(net, z, 1) == NULL);
  CHECK(strstr(nn_last_error(), "batch of 2") != NULL);
  nn_net_free(net);
}

static void test_bad_arguments(void) {
  CHECK(nn_net_new(0, "x") == NULL);
  nn_net_t *net = nn_net_new(3, "bad");
  CHECK(nn_net_add_dense(net, 0, NN_INIT_HE) == NN_ERR_ARG);
  CHECK(nn_net_add_act(net, NN_ACT_NONE) == NN_ERR_ARG);
  CHECK(nn_net_add_leaky_relu(net, 1.5) == NN_ERR_ARG);
  CHECK(nn_net_forward(net, (double[3]){0}, 1) == NULL); /* not finalized */
  CHECK(nn_net_finalize(net, 1) == NN_ERR_STATE);          /* no layers */
  nn_net_add_dense(net, 2, NN_INIT_HE);
  CHECK(nn_net_finalize(net, 1) == 0);
  CHECK(nn_net_add_dense(net, 2, NN_INIT_HE) == NN_ERR_STATE);
  CHECK(nn_net_backward(net, (double[2]){0}, NULL) == NN_ERR_STATE); /* no forward yet */
  nn_net_free(net);
}

int main(void) {
  RUN(test_gradients);
  RUN(test_gradients_blas_sizes);
  RUN(test_forward_values);
  RUN(test_batchnorm_modes);
  RUN(test_bad_arguments);
  return CHECK_DONE();
}
