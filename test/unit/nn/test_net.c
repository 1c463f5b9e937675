/* test_net.c - whole-network operations: copy, clone, soft target update,
 * input-only differentiation (MADDPG actor update through a critic), MAC
 * counts, seeded initialization. */
#include "check.h"
#include "model/rng.h"
#include "nn/gradcheck.h"
#include "nn/nn.h"

#include <string.h>

static nn_net_t *mlp(size_t in, size_t out, uint64_t seed) {
  return nn_mlp_new(&(nn_mlp_cfg_t){.n_in = in, .hidden = {64, 64}, .n_out = out}, seed);
}

static void test_seeded_init(void) {
  nn_net_t *a = mlp(4, 2, 1), *b = mlp(4, 2, 1), *c = mlp(4, 2, 2);
  size_t n;
  const double *pa = nn_net_params(a, &n);
  CHECK(n == 4 * 64 + 64 + 64 * 64 + 64 + 64 * 2 + 2);
  CHECK(memcmp(pa, nn_net_params(b, NULL), n * sizeof *pa) == 0);
  CHECK(memcmp(pa, nn_net_params(c, NULL), n * sizeof *pa) != 0);
  /* He initialization before ReLU: weight variance ~ 2 / n_in */
  const double *w = nn_net_layer_params(a, 2, NULL);
  double s = 0;
  for (size_t i = 0; i < 64 * 64; i++) s += w[i] * w[i];
  CHECK_NEAR(s / (64 * 64), 2.0 / 64, 0.1 * 2.0 / 64);
  nn_net_free(a), nn_net_free(b), nn_net_free(c);
}

static void test_copy_clone_soft_update(void) {
  nn_net_t *a = mlp(3, 2, 1), *b = mlp(3, 2, 2), *other = mlp(4, 2, 1);
  size_t n;
  double *pa = nn_net_params(a, &n), *pb = nn_net_params(b, NULL);
  double *old_b = malloc(n * sizeof *old_b);
  memcpy(old_b, pb, n * sizeof *pb);
  CHECK(nn_net_soft_update(b, a, 0.25) == 0);
  double worst = 0;
  for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(pb[i] - (0.25 * pa[i] + 0.75 * old_b[i])));
  CHECK(worst < 1e-15);
  CHECK(nn_net_soft_update(b, a, 1.5) == NN_ERR_ARG);
  CHECK(nn_net_copy(other, a) == NN_ERR_ARG);
  CHECK(strstr(nn_last_error(), "different structures") != NULL);
  CHECK(nn_net_copy(b, a) == 0);
  CHECK(memcmp(pa, pb, n * sizeof *pa) == 0);
  nn_net_t *t = nn_net_clone(a, 9);
  CHECK(t != NULL);
  const double x[3] = {0.1, -0.4, 2.0};
  double ya[2];
  memcpy(ya, nn_net_forward(a, x, 1), sizeof ya);
  const double *yt = nn_net_forward(t, x, 1);
  CHECK(ya[0] == yt[0] && ya[1] == yt[1]);
  free(old_b);
  nn_net_free(a), nn_net_free(b), nn_net_free(other), nn_net_free(t);
}

/* The MADDPG actor update: a = softmax-sample(actor(o)), q = critic([o, a]);
 * dq/da through the critic (whose gradients must stay untouched), then
 * through Gumbel-softmax into the actor. Checked against finite differences
 * of q with respect to the actor's parameters. */
static double actor_q(nn_net_t *actor, nn_net_t *critic, const double *o, double *a_soft) {
  gsl_rng *rng = mec_rng_new(3, MEC_STREAM_POLICY, 0);
  const double *logits = nn_net_forward(actor, o, 2);
  double in[2 * 7], ys[2 * 3];
  nn_gumbel_softmax(logits, 2, 3, 0.8, rng, ys, NULL);
  gsl_rng_free(rng);
  for (int r = 0; r < 2; r++) {
    memcpy(in + r * 7, o + r * 4, 4 * sizeof *o);
    memcpy(in + r * 7 + 4, ys + r * 3, 3 * sizeof *ys);
  }
  if (a_soft) memcpy(a_soft, ys, sizeof ys);
  const double *q = nn_net_forward(critic, in, 2);
  return q[0] + q[1];
}

static void test_actor_through_critic(void) {
  nn_net_t *actor = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 4, .hidden = {8}, .n_out = 3,
                                               .hidden_act = NN_ACT_TANH}, 1);
  nn_net_t *critic = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 7, .hidden = {8}, .n_out = 1,
                                                .hidden_act = NN_ACT_TANH}, 2);
  double o[8];
  gc_fill(o, 8, -1, 1, 5);
  double ys[6];
  nn_net_zero_grad(actor);
  nn_net_zero_grad(critic);
  actor_q(actor, critic, o, ys);
  const double one[2] = {1, 1};
  const double *din;
  CHECK(nn_net_backward_input(critic, one, &din) == 0);
  size_t nc;
  const double *gc = nn_net_grads(critic, &nc);
  double gsum = 0;
  for (size_t i = 0; i < nc; i++) gsum += fabs(gc[i]);
  CHECK(gsum == 0.0); /* critic only differentiated */
  double da[6], dl[6];
  for (int r = 0; r < 2; r++) memcpy(da + 3 * r, din + 7 * r + 4, 3 * sizeof *da);
  nn_gumbel_softmax_backward(ys, da, 2, 3, 0.8, dl);
  CHECK(nn_net_backward(actor, dl, NULL) == 0);
  size_t na;
  double *p = nn_net_params(actor, &na);
  const double *g = nn_net_grads(actor, NULL);
  double *ga = malloc(na * sizeof *ga), *gn = malloc(na * sizeof *gn);
  memcpy(ga, g, na * sizeof *g);
  for (size_t i = 0; i < na; i++) {
    const double keep = p[i];
    p[i] = keep + GC_STEP;
    const double qp = actor_q(actor, critic, o, NULL);
    p[i] = keep - GC_STEP;
    const double qm = actor_q(actor, critic, o, NULL);
    p[i] = keep;
    gn[i] = (qp - qm) / (2 * GC_STEP);
  }
  double norm;
  const double err = gc_rel(ga, gn, na, &norm);
  printf("actor through critic: rel. error %.2e\n", err);
  CHECK(err < 1e-6);
  CHECK(norm > 1e-4);
  free(ga), free(gn);
  nn_net_free(actor), nn_net_free(critic);
}

static void test_macs(void) {
  /* MTFNN shape 6n -> 60 -> 20 -> 40 -> n, n = 3 */
  nn_net_t *net = nn_mlp_new(&(nn_mlp_cfg_t){.n_in = 18, .hidden = {60, 20, 40}, .n_out = 3,
                                             .batchnorm = 1}, 1);
  CHECK(nn_net_macs(net, 1) == 18 * 60 + 60 * 20 + 20 * 40 + 40 * 3 + 60 + 20 + 40);
  CHECK(nn_net_macs(net, 10) == 10 * nn_net_macs(net, 1));
  nn_net_free(net);
}

int main(void) {
  RUN(test_seeded_init);
  RUN(test_copy_clone_soft_update);
  RUN(test_actor_through_critic);
  RUN(test_macs);
  return CHECK_DONE();
}
