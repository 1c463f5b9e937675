/* test_moe.c - noisy top-k mixture of experts: gradient checks (gating with
 * noise, experts, inputs) at full and reduced width/depth, sparsity of the
 * gates, the MAC count, and the forward against a direct computation. */
#include "check.h"
#include "nn/gradcheck.h"
#include "nn/nn.h"

#include <string.h>

#define TOL 1e-6

static nn_net_t *moe_net(size_t K, size_t L, size_t k, int noisy, int with_head) {
  nn_net_t *net = nn_net_new(5, "moe");
  nn_moe_cfg_t c = {.n_experts = K, .depth = L, .units = 4, .k = k, .act = NN_ACT_TANH,
                    .noisy = noisy};
  CHECK(nn_net_add_moe(net, &c) == 0);
  if (with_head) nn_net_add_dense(net, 2, NN_INIT_XAVIER);
  CHECK(nn_net_finalize(net, 3) == 0);
  size_t np;
  double *p = nn_net_params(net, &np);
  gc_fill(p, np, -0.8, 0.8, 7); /* random gating so the top k are distinct */
  return net;
}

static void check(const char *what, nn_net_t *net, size_t B) {
  double x[5 * 6];
  gc_fill(x, 5 * B, -1, 1, 8);
  gc_result_t r = gradcheck(net, x, B, 9);
  printf("%-34s params %.2e  input %.2e\n", what, r.err_params, r.err_input);
  CHECK(r.err_params < TOL);
  CHECK(r.err_input < TOL);
  CHECK(r.norm_params > 1e-3 && r.norm_input > 1e-3);
}

static void test_gradients(void) {
  nn_net_t *net = moe_net(6, 3, 2, 1, 1);
  check("noisy moe K=6 L=3 k=2 (training)", net, 6);
  CHECK(nn_net_set_moe_size(net, 0, 3, 2) == 0);
  check("noisy moe k=3 l=2 (training)", net, 6);
  CHECK(nn_net_set_moe_size(net, 0, 1, 1) == 0);
  check("noisy moe k=1 l=1 (training)", net, 6);
  nn_net_set_training(net, 0);
  CHECK(nn_net_set_moe_size(net, 0, 2, 3) == 0);
  check("moe k=2 l=3 (eval, no noise)", net, 6);
  nn_net_free(net);
  net = moe_net(4, 2, 4, 1, 0);
  check("moe k=K=4, MoE as last layer", net, 3);
  nn_net_free(net);
}

/* The noise weights get a gradient only through the noise (eq. 16). */
static void test_noise_gradient(void) {
  nn_net_t *net = moe_net(6, 1, 2, 1, 0);
  double x[5 * 4], dy[4 * 4];
  gc_fill(x, 20, -1, 1, 11);
  gc_fill(dy, 16, -1, 1, 12);
  size_t n;
  double *g = nn_net_layer_grads(net, 0, &n);
  nn_net_zero_grad(net);
  nn_net_forward(net, x, 4);
  nn_net_backward(net, dy, NULL);
  double noise_norm = 0;
  for (size_t i = 5 * 6; i < 2 * 5 * 6; i++) noise_norm += fabs(g[i]);
  CHECK(noise_norm > 1e-6);
  nn_net_set_training(net, 0);
  nn_net_zero_grad(net);
  nn_net_forward(net, x, 4);
  nn_net_backward(net, dy, NULL);
  noise_norm = 0;
  for (size_t i = 5 * 6; i < 2 * 5 * 6; i++) noise_norm += fabs(g[i]);
  CHECK(noise_norm == 0.0);
  nn_net_free(net);
}

/* Eval-mode output equals sum over the top-k of softmax weights times a
 * directly computed expert (one tanh layer: E_e(x) = tanh(x W_e + b_e)). */
static void test_forward_matches_definition(void) {
  const size_t K = 5, k = 2, in = 5, u = 4;
  nn_net_t *net = moe_net(K, 1, k, 1, 0);
  nn_net_set_training(net, 0);
  const double *P = nn_net_layer_params(net, 0, NULL);
  double x[5];
  gc_fill(x, 5, -1, 1, 13);
  const double *y = nn_net_forward(net, x, 1);
  double h[5];
  for (size_t e = 0; e < K; e++) {
    h[e] = 0;
    for (size_t i = 0; i < in; i++) h[e] += x[i] * P[i * K + e];
  }
  size_t a = 0;
  for (size_t e = 1; e < K; e++) a = h[e] > h[a] ? e : a;
  size_t b = a == 0 ? 1 : 0;
  for (size_t e = 0; e < K; e++) b = (e != a && h[e] > h[b]) ? e : b;
  const double ga = 1 / (1 + exp(h[b] - h[a])), gb = 1 - ga;
  const size_t esz = in * u + u;
  for (size_t q = 0; q < u; q++) {
    double za = P[2 * in * K + a * esz + in * u + q], zb = P[2 * in * K + b * esz + in * u + q];
    for (size_t i = 0; i < in; i++) {
      za += x[i] * P[2 * in * K + a * esz + i * u + q];
      zb += x[i] * P[2 * in * K + b * esz + i * u + q];
    }
    CHECK_NEAR(y[q], ga * tanh(za) + gb * tanh(zb), 1e-12);
  }
  const double *G = nn_net_moe_gates(net, 0);
  CHECK_NEAR(G[a], ga, 1e-12);
  CHECK_NEAR(G[b], gb, 1e-12);
  nn_net_free(net);
}

static void test_sparsity_and_macs(void) {
  const size_t K = 10, L = 3, u = 64, in = 150, B = 16;
  nn_net_t *net = nn_net_new(in, "dynn");
  CHECK(nn_net_add_moe(net, &(nn_moe_cfg_t){.n_experts = K, .depth = L, .units = u, .k = 2,
                                            .noisy = 1}) == 0);
  CHECK(nn_net_finalize(net, 5) == 0);
  static double x[16 * 150];
  gc_fill(x, B * in, -1, 1, 14);
  nn_net_forward(net, x, B);
  const double *G = nn_net_moe_gates(net, 0);
  for (size_t r = 0; r < B; r++) {
    size_t nz = 0;
    double s = 0;
    for (size_t e = 0; e < K; e++) {
      nz += G[r * K + e] != 0;
      s += G[r * K + e];
    }
    CHECK(nz == 2);
    CHECK_NEAR(s, 1.0, 1e-12);
  }
  /* training: gate + noise (2 in K) + k (in u + (L-1) u u + u) per sample */
  const uint64_t train = 2 * in * K + 2 * (in * u + 2 * u * u + u);
  CHECK(nn_net_macs(net, 1) == train);
  nn_net_set_training(net, 0);
  CHECK(nn_net_set_moe_size(net, 0, 1, 2) == 0);
  CHECK(nn_net_macs(net, 3) == 3 * (in * K + (in * u + u * u + u)));
  CHECK(nn_net_set_moe_size(net, 0, 11, 1) == NN_ERR_ARG);
  CHECK(nn_net_set_moe_size(net, 0, 1, 4) == NN_ERR_ARG);
  CHECK(nn_net_set_moe_size(net, 1, 1, 1) == NN_ERR_ARG);
  /* with depth 2 only the first two layers of each expert get gradients */
  double dy[16 * 64];
  gc_fill(dy, B * u, -1, 1, 15);
  nn_net_set_training(net, 1);
  nn_net_zero_grad(net);
  nn_net_forward(net, x, B);
  nn_net_backward(net, dy, NULL);
  const double *g = nn_net_layer_grads(net, 0, NULL);
  const size_t esz = in * u + u + 2 * (u * u + u), base = 2 * in * K;
  double l2 = 0, l3 = 0;
  for (size_t e = 0; e < K; e++) {
    for (size_t i = 0; i < u * u + u; i++) {
      l2 += fabs(g[base + e * esz + in * u + u + i]);
      l3 += fabs(g[base + e * esz + in * u + u + u * u + u + i]);
    }
  }
  CHECK(l2 > 0);
  CHECK(l3 == 0.0);
  nn_net_free(net);
}

int main(void) {
  RUN(test_gradients);
  RUN(test_noise_gradient);
  RUN(test_forward_matches_definition);
  RUN(test_sparsity_and_macs);
  return CHECK_DONE();
}
