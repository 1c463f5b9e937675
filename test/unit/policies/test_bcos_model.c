/* test_bcos_model.c - the BCOS networks (bcos_model.h): the constraint
 * layers keep t in C1 and p in C3 for any input; the student's a is binary
 * and 1 whenever m+ > 0, the teacher's a_aux in [m+, 1]; the loss, penalty
 * and lambda update against eqs. 20-22 on a hand-computed 2-MD slot; the
 * hand-written gradients against finite differences (teacher: all three
 * FCNs; student: t and p); the student step leaves the shared a-FCN
 * bit-identical; training on K = 4 lowers the loss and beats MCOS on
 * held-out slots; reproducible from the seed; save/load round trip;
 * corrupted model files refused with one line naming the file. */
#include "check.h"
#include "policies/bcos/bcos_model.h"
#include "policies/bcos/bcos_opt.h"
#include "model/rng.h"
#include "nn/nn_h5attr.h"
#include "policies/policy.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static double *params_copy(nn_net_t *net, size_t *n)
{
  double *p = nn_net_params(net, n);
  double *c = malloc(*n * sizeof *c);
  memcpy(c, p, *n * sizeof *c);
  return c;
}

static int params_same(nn_net_t *net, const double *ref, size_t n)
{
  size_t k = 0;
  double *p = nn_net_params(net, &k);
  return k == n && memcmp(p, ref, n * sizeof *p) == 0;
}

/* ------------------------------------------------------------------------ */
static void test_layers_any_input(void)
{
  gsl_rng *rng = mec_rng_new(7, MEC_STREAM_TRAINING, 9);
  const double T = 0.5, pmax = 0.2;
  const double special[] = {0.0, 1e-300, 1e-12, 0.5, 1.0, 1e300, -1e300, INFINITY, -INFINITY, NAN};
  const size_t ns = sizeof special / sizeof special[0];
  int ok_t = 1, ok_p = 1;
  for (int trial = 0; trial < 2000; trial++) {
    size_t K = 1 + (size_t)(trial % 20);
    double phi[20], t[20], p[20];
    for (size_t k = 0; k < K; k++) {
      int mode = trial % 4;
      phi[k] = mode == 0   ? gsl_rng_uniform(rng)
               : mode == 1 ? special[gsl_rng_uniform_int(rng, ns)]
               : mode == 2 ? (gsl_rng_uniform(rng) - 0.5) * 1e6
                           : 0.0;
    }
    bcos_layer_t(phi, K, T, t);
    bcos_layer_p(phi, K, pmax, p);
    double s = 0;
    for (size_t k = 0; k < K; k++) {
      ok_t &= t[k] >= 0 && isfinite(t[k]);
      ok_p &= p[k] >= 0 && p[k] <= pmax;
      s += t[k];
    }
    ok_t &= s <= T;
  }
  CHECK(ok_t);
  CHECK(ok_p);
  /* phi summing below 1: t = T phi exactly; above: sum t = T */
  double phi[3] = {0.1, 0.2, 0.3}, t[3];
  bcos_layer_t(phi, 3, T, t);
  CHECK(t[0] == T * 0.1 && t[1] == T * 0.2 && t[2] == T * 0.3);
  double phi2[3] = {0.9, 0.8, 0.7};
  bcos_layer_t(phi2, 3, T, t);
  CHECK_NEAR(t[0] + t[1] + t[2], T, 1e-15);
  CHECK_NEAR(t[0], T * 0.9 / 2.4, 1e-15);

  /* the whole model on extreme inputs */
  bcos_params_t par = bcos_params_table1();
  bcos_model_t *m = bcos_model_new(5, 16, &par, 3);
  CHECK(m != NULL);
  if (m) {
    bcos_md_t md[4 * 5];
    const double vals[] = {0, 1e-300, 1e300, 1e6};
    for (int v = 0; v < 4; v++)
      for (size_t k = 0; k < 5; k++)
        md[v * 5 + k] = (bcos_md_t){vals[v], vals[(v + 1) % 4], vals[(v + 2) % 4], vals[(v + 3) % 4], 1.0};
    double a[20], tt[20], p[20];
    for (int role = 0; role < 2; role++) {
      CHECK(bcos_model_forward(m, (bcos_role_t)role, md, 4, a, tt, p) == 0);
      int ok = 1;
      for (int b = 0; b < 4; b++) {
        double s = 0;
        for (size_t k = 0; k < 5; k++) {
          ok &= tt[b * 5 + k] >= 0 && p[b * 5 + k] >= 0 && p[b * 5 + k] <= par.p_max_w && a[b * 5 + k] >= 0 &&
                a[b * 5 + k] <= 1;
          s += tt[b * 5 + k];
        }
        ok &= s <= par.slot_s;
      }
      CHECK(ok);
    }
    bcos_model_free(m);
  }
  gsl_rng_free(rng);
}

static void test_a_layers(void)
{
  gsl_rng *rng = mec_rng_new(8, MEC_STREAM_TRAINING, 9);
  int ok_s = 1, ok_t = 1, ok_rule = 1;
  for (int trial = 0; trial < 5000; trial++) {
    double phi[8], mp[8], a[8], aa[8];
    for (size_t k = 0; k < 8; k++) {
      phi[k] = trial % 7 == 0 ? 0.5 : gsl_rng_uniform(rng);
      mp[k] = gsl_rng_uniform(rng) < 0.5 ? 0.0 : gsl_rng_uniform(rng);
    }
    bcos_layer_a_student(phi, mp, 8, a);
    bcos_layer_a_teacher(phi, mp, 8, aa);
    for (size_t k = 0; k < 8; k++) {
      ok_s &= a[k] == 0.0 || a[k] == 1.0;
      ok_rule &= mp[k] > 0 ? a[k] == 1.0 : a[k] == (phi[k] >= 0.5 ? 1.0 : 0.0);
      ok_t &= aa[k] >= mp[k] && aa[k] <= 1.0;
    }
  }
  CHECK(ok_s);
  CHECK(ok_rule);
  CHECK(ok_t);
  /* m+ from eq. 15's m = 1 - f T / (C B) */
  bcos_md_t md = {.bits = 2e6, .cycles_per_bit = 400, .f_local = 1e9, .gain = 1e-6, .beta = 1};
  CHECK_NEAR(bcos_m_plus(0.5, &md), 1.0 - 1e9 * 0.5 / 8e8, 1e-15);
  md.bits = 1e6;
  CHECK(bcos_m_plus(0.5, &md) == 0.0);
  gsl_rng_free(rng);
}

/* 2 MDs by hand: MD 1 offloads (a = 1) at 0.1 W in 0.01 s, MD 2 computes
 * locally. r_1 = 1e7 log2(1 + 0.1 x 1e-6 / 1e-9) = 66582114.82751795 bit/s,
 * t'_1 = 1e6 / r_1 = 0.015019048322368797 s > t_1: H = 0.0050190483223688.
 * Energy part p t summed + local of MD 2: 0.1 x 0.01 + 0.05 x 0.3 +
 * 1e-28 x 2e6 x 200 x (2e9)^2 = 0.176 J. */
static void test_hand_loss(void)
{
  bcos_params_t par = {.bandwidth_hz = 1e7, .p_max_w = 0.2, .noise_w = 1e-9, .slot_s = 0.5, .eps = 1e-28};
  bcos_md_t md[2] = {{.bits = 1e6, .cycles_per_bit = 300, .f_local = 1e9, .gain = 1e-6, .beta = 1},
                     {.bits = 2e6, .cycles_per_bit = 200, .f_local = 2e9, .gain = 2e-7, .beta = 1}};
  double a[2] = {1, 0}, t[2] = {0.01, 0.3}, p[2] = {0.1, 0.05}, pen = 0, en = 0, da[2], dt[2], dp[2];
  double L = bcos_slot_loss(&par, md, 2, a, t, p, 2.0, &pen, &en, da, dt, dp);
  CHECK_REL(pen, 0.0050190483223687965, 1e-12);
  CHECK_REL(en, 0.176, 1e-12);
  CHECK_REL(L, 0.176 + 2.0 * 0.0050190483223687965, 1e-12);
  /* hand gradients: dL/dt = beta p - lambda [violated]; dL/dp_2 = beta t_2 */
  CHECK_REL(dt[0], 0.1 - 2.0, 1e-12);
  CHECK_REL(dt[1], 0.05, 1e-12);
  CHECK_REL(dp[1], 0.3, 1e-12);
  /* dL/da_2 = -beta eps B C f^2 (MD 2 is not offloading: no penalty) */
  CHECK_REL(da[1], -0.16, 1e-12);
  /* finite differences of the slot loss in each input */
  double *vars[3] = {a, t, p}, *grads[3] = {da, dt, dp};
  for (int v = 0; v < 3; v++)
    for (int k = 0; k < 2; k++) {
      if (v == 0 && k == 1)
        continue; /* a_2 = 0 is where t' switches on (t' = 0 for a <= 0): one-sided */
      double x0 = vars[v][k], h = 1e-7 * fmax(fabs(x0), 1e-3);
      vars[v][k] = x0 + h;
      double Lp = bcos_slot_loss(&par, md, 2, a, t, p, 2.0, NULL, NULL, NULL, NULL, NULL);
      vars[v][k] = x0 - h;
      double Lm = bcos_slot_loss(&par, md, 2, a, t, p, 2.0, NULL, NULL, NULL, NULL, NULL);
      vars[v][k] = x0;
      CHECK_REL(grads[v][k], (Lp - Lm) / (2 * h), 1e-5);
    }
  /* no violation: the penalty is exactly 0 */
  t[0] = 0.02;
  bcos_slot_loss(&par, md, 2, a, t, p, 2.0, &pen, &en, NULL, NULL, NULL);
  CHECK(pen == 0.0);

  /* lambda update (eqs. 21-22): lambda += alpha x mean over the batch of
   * sum_k H(t' - t), with the penalties the steps measure (lr = 0 leaves
   * the weights, so the penalties seen before equal those of the steps) */
  bcos_model_t *m = bcos_model_new(2, 8, &par, 11);
  CHECK(m != NULL);
  if (!m)
    return;
  bcos_md_t b[4 * 2];
  b[0] = md[0], b[1] = md[1];
  b[2] = md[1], b[3] = md[0];
  b[4] = md[0], b[5] = md[0];
  b[6] = md[1], b[7] = md[1];
  m->lambda_a = 0.7;
  m->lambda_b = 1.3;
  bcos_model_set_training(m, 1);
  double pa = 0, pb = 0;
  double la = bcos_batch_loss(m, BCOS_TEACHER, b, 4, 0, &pa, NULL);
  double lb = bcos_batch_loss(m, BCOS_STUDENT, b, 4, 0, &pb, NULL);
  CHECK(isfinite(la) && isfinite(lb));
  bcos_curve_pt_t pt;
  CHECK(bcos_train_iteration(m, b, 4, 1e-300, 0.25, &pt) == 0);
  CHECK_REL(m->lambda_a, 0.7 + 0.25 * pa, 1e-9);
  CHECK_REL(m->lambda_b, 1.3 + 0.25 * pb, 1e-9);
  CHECK_REL(pt.pen_teacher, pa, 1e-9);
  CHECK_REL(pt.loss_teacher, la, 1e-9);
  bcos_model_free(m);
}

/* Finite differences of a role's mean minibatch loss in the weights of
 * net, against its gradient from bcos_batch_loss. */
static void fd_check(bcos_model_t *m, bcos_role_t role, nn_net_t *net, const bcos_md_t *md, size_t batch,
                     const char *what)
{
  size_t n = 0;
  double *w = nn_net_params(net, &n);
  CHECK(!isnan(bcos_batch_loss(m, role, md, batch, 1, NULL, NULL)));
  double *g = malloc(n * sizeof *g);
  memcpy(g, nn_net_grads(net, NULL), n * sizeof *g);
  int bad = 0, tried = 0;
  double worst = 0;
  for (size_t i = 0; i < n; i += 1 + n / 40) {
    double w0 = w[i], h = 1e-6;
    w[i] = w0 + h;
    double lp = bcos_batch_loss(m, role, md, batch, 0, NULL, NULL);
    w[i] = w0 - h;
    double lm = bcos_batch_loss(m, role, md, batch, 0, NULL, NULL);
    w[i] = w0;
    double fd = (lp - lm) / (2 * h), err = fabs(fd - g[i]) / fmax(fmax(fabs(fd), fabs(g[i])), 1e-6);
    tried++;
    if (err > 1e-4) {
      bad++;
      fprintf(stderr, "  %s param %zu: analytic %.10g, finite difference %.10g\n", what, i, g[i], fd);
    }
    worst = fmax(worst, err);
  }
  printf("  gradient check %-18s %2d parameters, worst relative error %.2g\n", what, tried, worst);
  CHECK(bad == 0);
  free(g);
}

static void test_gradients(void)
{
  /* a short slot so that some uploads miss their window: the penalty's
   * gradient is exercised too */
  bcos_params_t par = bcos_params_table1();
  par.slot_s = 0.06;
  bcos_model_t *m = bcos_model_new(3, 8, &par, 21);
  bcos_md_t *md = bcos_sample_set(5, 8, 3);
  CHECK(m && md);
  if (!m || !md)
    return;
  m->lambda_a = 3.0;
  m->lambda_b = 2.0;
  bcos_model_set_training(m, 1);
  double pen = 0;
  bcos_batch_loss(m, BCOS_TEACHER, md, 8, 0, &pen, NULL);
  CHECK(pen > 0);
  fd_check(m, BCOS_TEACHER, m->a, md, 8, "teacher a-FCN");
  fd_check(m, BCOS_TEACHER, m->t_a, md, 8, "teacher t-FCN");
  fd_check(m, BCOS_TEACHER, m->p_a, md, 8, "teacher p-FCN");
  fd_check(m, BCOS_STUDENT, m->t_s, md, 8, "student t-FCN");
  fd_check(m, BCOS_STUDENT, m->p_s, md, 8, "student p-FCN");
  /* the constraint layer (14) alone, in its s > 1 branch */
  double phi[4] = {0.6, 0.3, 0.9, 0.2}, g[4] = {0.3, -1.2, 0.5, 2.0}, d[4];
  bcos_layer_t_backward(phi, 4, 0.5, g, d);
  for (int j = 0; j < 4; j++) {
    double t1[4], t2[4], s1 = 0, s2 = 0, h = 1e-7, p0 = phi[j];
    phi[j] = p0 + h;
    bcos_layer_t(phi, 4, 0.5, t1);
    phi[j] = p0 - h;
    bcos_layer_t(phi, 4, 0.5, t2);
    phi[j] = p0;
    for (int k = 0; k < 4; k++) {
      s1 += g[k] * t1[k];
      s2 += g[k] * t2[k];
    }
    CHECK_REL(d[j], (s1 - s2) / (2 * h), 1e-6);
  }
  free(md);
  bcos_model_free(m);
}

static void test_student_step_keeps_a(void)
{
  bcos_params_t par = bcos_params_table1();
  bcos_model_t *m = bcos_model_new(4, 16, &par, 31);
  bcos_md_t *md = bcos_sample_set(6, 32, 4);
  CHECK(m && md);
  if (!m || !md)
    return;
  m->lambda_a = m->lambda_b = 1.0;
  size_t na = 0, nt = 0, nta = 0;
  double *a0 = params_copy(m->a, &na), *ts0 = params_copy(m->t_s, &nt), *ta0 = params_copy(m->t_a, &nta);
  nn_opt_t opt = nn_adam(1e-2);
  for (int i = 0; i < 5; i++)
    CHECK(bcos_student_step(m, md, 32, &opt, NULL, NULL, NULL) == 0);
  CHECK(params_same(m->a, a0, na));   /* the shared a-FCN: bit-identical */
  CHECK(params_same(m->t_a, ta0, nta)); /* and the teacher's own FCNs */
  CHECK(!params_same(m->t_s, ts0, nt)); /* the student's did learn */
  CHECK(bcos_teacher_step(m, md, 32, &opt, NULL, NULL, NULL) == 0);
  CHECK(!params_same(m->a, a0, na)); /* the teacher trains the shared FCN */
  free(a0);
  free(ts0);
  free(ta0);
  free(md);
  bcos_model_free(m);
}

/* ------------------------------------------------------------------------ */
typedef struct {
  double first, last;
  size_t n;
} curve_acc_t;

static void acc_cb(void *ctx, const bcos_curve_pt_t *pt)
{
  curve_acc_t *c = ctx;
  /* energy part of the student's loss: the penalty term's lambda grows */
  if (pt->iter <= 20)
    c->first += pt->loss_student / 20;
  if (pt->iter > c->n - 20)
    c->last += pt->loss_student / 20;
}

static bcos_model_t *train_small(uint64_t seed, size_t iters, curve_acc_t *acc)
{
  bcos_params_t par = bcos_params_table1();
  bcos_model_t *m = bcos_model_new(4, 32, &par, seed);
  if (!m)
    return NULL;
  bcos_hyper_t h = bcos_hyper_default();
  h.samples = 2000;
  h.batch = 200;
  h.iterations = iters;
  h.lr = 3e-3;
  if (acc)
    acc->n = iters;
  if (bcos_train(m, &h, seed + 100, acc ? acc_cb : NULL, acc) < 0) {
    fprintf(stderr, "%s\n", bcos_model_error());
    bcos_model_free(m);
    return NULL;
  }
  return m;
}

static void test_training(void)
{
  curve_acc_t acc = {0};
  bcos_model_t *m = train_small(41, 300, &acc);
  CHECK(m != NULL);
  if (!m)
    return;
  printf("  K = 4, 300 iterations: student loss %.4g (first 20) -> %.4g (last 20)\n", acc.first, acc.last);
  CHECK(acc.last < 0.5 * acc.first);
  bcos_md_t *md = bcos_sample_set(999, 500, 4); /* held out: another seed */
  bcos_eval_t ev;
  CHECK(md && bcos_evaluate(m, md, 500, 1, NULL, &ev) == 0);
  printf("  held-out 500 slots: energy BCOS %.4g, PCOS %.4g, MCOS %.4g, optimum %.4g J; BCOS/opt %.3g; "
         "violating: BCOS %.3f, PCOS %.3f, MCOS %.3f\n",
         ev.e_bcos, ev.e_pcos, ev.e_mcos, ev.e_opt, ev.ratio_bcos_opt, ev.viol_bcos, ev.viol_pcos, ev.viol_mcos);
  CHECK(ev.e_bcos < ev.e_mcos);
  CHECK(ev.e_opt <= ev.e_bcos * (1 + 1e-9) || ev.viol_bcos > 0);
  free(md);
  bcos_model_free(m);
}

static void test_reproducible(void)
{
  bcos_model_t *m1 = train_small(51, 30, NULL), *m2 = train_small(51, 30, NULL), *m3 = train_small(52, 30, NULL);
  CHECK(m1 && m2 && m3);
  if (m1 && m2 && m3) {
    nn_net_t *n1[5] = {m1->a, m1->t_s, m1->p_s, m1->t_a, m1->p_a}, *n2[5] = {m2->a, m2->t_s, m2->p_s, m2->t_a, m2->p_a};
    int same = 1;
    for (int i = 0; i < 5; i++) {
      size_t n = 0;
      double *c = params_copy(n1[i], &n);
      same &= params_same(n2[i], c, n);
      free(c);
    }
    CHECK(same);
    CHECK(m1->lambda_a == m2->lambda_a && m1->lambda_b == m2->lambda_b);
    size_t n = 0;
    double *c = params_copy(m1->a, &n);
    CHECK(!params_same(m3->a, c, n));
    free(c);
  }
  bcos_model_free(m1);
  bcos_model_free(m2);
  bcos_model_free(m3);
}

/* ------------------------------------------------------------------------ */
/* Model files                                                              */
/* ------------------------------------------------------------------------ */
static bcos_model_t *saved; /* the model of the round trip */

static void test_save_load(void)
{
  char p[512];
  snprintf(p, sizeof p, "%s/m.h5", dir);
  bcos_params_t par = bcos_params_table1();
  par.slot_s = 0.7;
  saved = bcos_model_new(3, 12, &par, 61);
  CHECK(saved != NULL);
  if (!saved)
    return;
  bcos_md_t *md = bcos_sample_set(3, 40, 3);
  bcos_hyper_t h = {.samples = 40, .batch = 20, .iterations = 5, .lr = 1e-2, .alpha = 0.1, .lambda0 = 1};
  CHECK(bcos_train(saved, &h, 9, NULL, NULL) == 0); /* moves the BN running statistics too */
  CHECK(bcos_model_save(saved, p) == 0);
  CHECK(access(p, R_OK) == 0);
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", p);
  CHECK(access(tmp, F_OK) != 0);
  bcos_model_t *l = bcos_model_load(p);
  CHECK(l != NULL);
  if (l && md) {
    CHECK(l->K == 3 && l->hidden == 12 && l->par.slot_s == 0.7 && l->par.p_max_w == par.p_max_w &&
          l->lambda_a == saved->lambda_a && l->iterations == 5);
    for (int role = 0; role < 2; role++) {
      double a1[120], t1[120], p1[120], a2[120], t2[120], p2[120];
      CHECK(bcos_model_forward(saved, (bcos_role_t)role, md, 40, a1, t1, p1) == 0);
      CHECK(bcos_model_forward(l, (bcos_role_t)role, md, 40, a2, t2, p2) == 0);
      CHECK(!memcmp(a1, a2, sizeof a1) && !memcmp(t1, t2, sizeof t1) && !memcmp(p1, p2, sizeof p1));
    }
    CHECK(bcos_model_macs(l) == 3 * (12 * 12 + 12 * 12 + 12 * 3 + 2 * 12));
  }
  bcos_model_free(l);
  free(md);
}

/* Copies the saved model to a new file and damages it with fn. */
typedef void (*damage_fn)(hid_t f);
static void dmg_format(hid_t f) { H5Adelete(f, "format"); nn_h5attr_write_str(f, "format", "mecsim-memtl-model"); }
static void dmg_version(hid_t f) { H5Adelete(f, "format_version"); nn_h5attr_write_i64(f, "format_version", 2); }
static void dmg_k0(hid_t f) { H5Adelete(f, "K"); nn_h5attr_write_i64(f, "K", 0); }
static void dmg_k4(hid_t f) { H5Adelete(f, "K"); nn_h5attr_write_i64(f, "K", 4); }
static void dmg_kbig(hid_t f) { H5Adelete(f, "K"); nn_h5attr_write_i64(f, "K", 1LL << 40); }
static void dmg_t(hid_t f) { H5Adelete(f, "T"); nn_h5attr_write_f64(f, "T", -0.5); }
static void dmg_tnan(hid_t f) { H5Adelete(f, "T"); nn_h5attr_write_f64(f, "T", NAN); }
static void dmg_pmax(hid_t f) { H5Adelete(f, "p_max"); }
static void dmg_hidden(hid_t f) { H5Adelete(f, "hidden"); nn_h5attr_write_i64(f, "hidden", 13); }
static void dmg_norm(hid_t f)
{
  H5Adelete(f, "norm_hi");
  double v[4] = {1, 2.4e6, 400, -5};
  nn_h5attr_write(f, "norm_hi", H5T_NATIVE_DOUBLE, v, 4);
}
static void dmg_group(hid_t f) { H5Ldelete(f, "p_teacher", H5P_DEFAULT); }
static void dmg_nan(hid_t f)
{
  hid_t d = H5Dopen2(f, "/t_student/layer_000/W", H5P_DEFAULT);
  double v[36 * 12];
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  v[5] = NAN;
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Dclose(d);
}
static void dmg_othernet(hid_t f)
{
  /* a network of another K in place of /a */
  H5Ldelete(f, "a", H5P_DEFAULT);
  bcos_params_t par = bcos_params_table1();
  bcos_model_t *o = bcos_model_new(4, 12, &par, 1);
  nn_net_save_group(o->a, f, "a");
  bcos_model_free(o);
}

static void corrupt_case(const char *name, damage_fn fn, const char *expect)
{
  char p[512];
  snprintf(p, sizeof p, "%s/bad_%s.h5", dir, name);
  CHECK(bcos_model_save(saved, p) == 0);
  hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f < 0)
    return;
  fn(f);
  H5Fclose(f);
  bcos_model_t *m = bcos_model_load(p);
  const char *e = bcos_model_error();
  CHECK(m == NULL);
  CHECK(strstr(e, p) != NULL);
  CHECK(strchr(e, '\n') == NULL);
  if (!strstr(e, expect)) {
    CHECK(0);
    fprintf(stderr, "  %s: message '%s' lacks '%s'\n", name, e, expect);
  }
  bcos_model_free(m);
}

static void test_corrupt(void)
{
  if (!saved)
    return;
  char p[512];
  snprintf(p, sizeof p, "%s/none.h5", dir);
  CHECK(bcos_model_load(p) == NULL && strstr(bcos_model_error(), "cannot read"));
  snprintf(p, sizeof p, "%s/text.h5", dir);
  FILE *f = fopen(p, "w");
  fputs("not hdf5\n", f);
  fclose(f);
  CHECK(bcos_model_load(p) == NULL && strstr(bcos_model_error(), "not an HDF5 file"));
  H5E_BEGIN_TRY
  {
    corrupt_case("format", dmg_format, "not a BCOS model");
    corrupt_case("version", dmg_version, "format version 2");
    corrupt_case("k0", dmg_k0, "'K'");
    corrupt_case("k4", dmg_k4, "maps");
    corrupt_case("kbig", dmg_kbig, "'K'");
    corrupt_case("t", dmg_t, "'T'");
    corrupt_case("tnan", dmg_tnan, "'T'");
    corrupt_case("pmax", dmg_pmax, "p_max");
    corrupt_case("hidden", dmg_hidden, "layers");
    corrupt_case("norm", dmg_norm, "norm_hi[3]");
    corrupt_case("group", dmg_group, "p_teacher");
    corrupt_case("nan", dmg_nan, "non-finite");
    corrupt_case("othernet", dmg_othernet, "/a");
  }
  H5E_END_TRY;
}

/* The policies bcos and pcos on the saved model (K = 3): one decision per
 * task, TDMA windows back to back within the slot, 2 flops per MAC; a
 * batch of another size is refused. */
static void test_policy(void)
{
  if (!saved)
    return;
  char p[512], args[600];
  snprintf(p, sizeof p, "%s/m.h5", dir);
  snprintf(args, sizeof args, "model=%s", p);
  mec_md_info_t mdi[4];
  for (int i = 0; i < 4; i++)
    mdi[i] = (mec_md_info_t){.cpu_hz = 1e9 + 3e8 * i, .tx_power_w = 0.2, .kappa = 1e-28, .gain = 1e-6 * (1 + i)};
  mec_server_info_t srv = {.cpu_hz = 1e10, .cores = 4};
  mec_system_t sys = {.n_md = 4, .n_servers = 1, .md = mdi, .server = &srv, .slot_s = 0.7, .bandwidth_hz = 1e7,
                      .noise_w_per_hz = 1e-16};
  mec_task_t tk[4];
  for (int i = 0; i < 4; i++)
    tk[i] = (mec_task_t){.id = (uint64_t)i, .md = i, .dnn = -1, .input_bits = 1.2e6 + 3e5 * i,
                         .cycles = (1.2e6 + 3e5 * i) * 300};
  const char *names[2] = {"bcos", "pcos"};
  for (int r = 0; r < 2; r++) {
    const mec_policy_ops_t *ops = mec_policy_find(names[r]);
    CHECK(ops != NULL);
    if (!ops)
      continue;
    void *st = NULL;
    mec_policy_cfg_t cfg = {.seed = 1, .args = args, .model_in = NULL};
    CHECK(ops->init(&st, &cfg, &sys) == 0);
    if (!st) {
      fprintf(stderr, "%s\n", mec_policy_error());
      continue;
    }
    mec_decision_t out[4];
    mec_cost_t cost;
    for (int i = 0; i < 4; i++)
      out[i] = mec_decision_default();
    memset(&cost, 0, sizeof cost);
    mec_batch_t b = {3, tk};
    CHECK(ops->decide(st, &sys, &b, out, &cost) == 0);
    double off = 0;
    int ok = 1;
    for (int i = 0; i < 3; i++) {
      if (out[i].target == 0)
        continue;
      ok &= out[i].target == 1 && out[i].tx_power_w > 0 && out[i].tx_power_w <= saved->par.p_max_w &&
            out[i].tx_window > 0 && out[i].tx_offset == off;
      if (r == 0)
        ok &= out[i].offload_frac == 0.0;
      off += out[i].tx_window;
    }
    CHECK(ok);
    CHECK(off <= sys.slot_s * (1 + 1e-12));
    CHECK(cost.macs == (double)bcos_model_macs(saved) && cost.flops == 2 * cost.macs && cost.model_size > 0);
    mec_batch_t b4 = {4, tk};
    CHECK(ops->decide(st, &sys, &b4, out, &cost) < 0);
    CHECK(strstr(mec_policy_error(), "exactly K = 3") != NULL);
    ops->destroy(st);
  }
  /* no model: a clear refusal */
  void *st = NULL;
  mec_policy_cfg_t cfg = {.seed = 1, .args = "", .model_in = NULL};
  CHECK(mec_policy_find("bcos")->init(&st, &cfg, &sys) < 0 && strstr(mec_policy_error(), "model=PATH"));
}

int main(void)
{
  snprintf(dir, sizeof dir, "/tmp/test_bcos_model_%d", (int)getpid());
  char cmd[300];
  snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
  if (system(cmd) != 0)
    return 1;
  RUN(test_layers_any_input);
  RUN(test_a_layers);
  RUN(test_hand_loss);
  RUN(test_gradients);
  RUN(test_student_step_keeps_a);
  RUN(test_training);
  RUN(test_reproducible);
  RUN(test_save_load);
  RUN(test_corrupt);
  RUN(test_policy);
  bcos_model_free(saved);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return CHECK_DONE();
}
