/* test_dynn_model.c - the DyNN models (dynn_model.h): the MoE cut to (k, l)
 * at inference is exactly the sub-network (against a hand-built forward of
 * the first l layers of the top-k experts) with exactly the expected MAC
 * count; Table I's parameter count; allocations respect the budgets and are
 * positive; policy decoding; save/load round trip; corrupted model files are
 * refused with a message naming the file and the attribute or dataset. */
#include "check.h"
#include "policies/dynn/dynn_model.h"
#include <gsl/gsl_rng.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gsl_rng *rng;

static void users(const dynn_params_t *p, size_t n, dynn_user_t *u) { dynn_sample_users(p, rng, n, u); }

/* Fills every parameter of a network with N(0, sd) (gating included, so
 * routing is not the all-equal initial one). */
static void randomize(nn_net_t *net, double sd)
{
  size_t n = 0;
  double *P = nn_net_params(net, &n);
  for (size_t i = 0; i < n; i++)
    P[i] = sd * (gsl_rng_uniform(rng) * 2 - 1) * 1.7;
}

static double leaky(double x) { return x > 0 ? x : 0.01 * x; }

/* Hand-built allocation of the MoE at (k, l): eqs. (12)-(18), (20). */
static void hand_alloc(dynn_alloc_t *a, const dynn_params_t *p, const dynn_user_t *u, size_t n, size_t k, size_t l,
                       double *b, double *f)
{
  const size_t K = a->K, L = a->L, U = a->width, F = DYNN_N_FEATURES;
  size_t np;
  const double *P = nn_net_layer_params(a->body, 0, &np);
  const double *Wg = P; /* F x K, then W_noise F x K, then experts */
  const size_t esize = (F * U + U) + (L - 1) * (U * U + U);
  const double *hb = nn_net_params(a->head_b, NULL), *hf = nn_net_params(a->head_f, NULL);
  double *za = malloc(n * sizeof *za), *zb = malloc(n * sizeof *zb);
  for (size_t i = 0; i < n; i++) {
    double x[DYNN_N_FEATURES], h[64], y[256] = {0};
    dynn_features(&a->norm, &u[i], x);
    for (size_t e = 0; e < K; e++) {
      h[e] = 0;
      for (size_t j = 0; j < F; j++)
        h[e] += x[j] * Wg[j * K + e];
    }
    /* top k, ties to the lower index */
    size_t sel[64];
    int used[64] = {0};
    for (size_t s = 0; s < k; s++) {
      size_t best = K;
      for (size_t e = 0; e < K; e++)
        if (!used[e] && (best == K || h[e] > h[best]))
          best = e;
      sel[s] = best;
      used[best] = 1;
    }
    double mx = h[sel[0]], sum = 0, g[64];
    for (size_t s = 0; s < k; s++)
      sum += (g[s] = exp(h[sel[s]] - mx));
    for (size_t s = 0; s < k; s++) {
      g[s] /= sum;
      const double *E = P + 2 * F * K + sel[s] * esize;
      double cur[256], nxt[256];
      for (size_t j = 0; j < F; j++)
        cur[j] = x[j];
      size_t nin = F, off = 0;
      for (size_t layer = 0; layer < l; layer++) {
        const double *W = E + off, *bb = W + nin * U;
        for (size_t q = 0; q < U; q++) {
          double v = bb[q];
          for (size_t j = 0; j < nin; j++)
            v += cur[j] * W[j * U + q];
          nxt[q] = leaky(v);
        }
        off += nin * U + U;
        nin = U;
        memcpy(cur, nxt, U * sizeof *cur);
      }
      for (size_t q = 0; q < U; q++)
        y[q] += g[s] * cur[q];
    }
    za[i] = hb[U], zb[i] = hf[U];
    for (size_t q = 0; q < U; q++)
      za[i] += y[q] * hb[q], zb[i] += y[q] * hf[q];
  }
  double ma = za[0], mb = zb[0], sa = 0, sb = 0;
  for (size_t i = 1; i < n; i++)
    ma = fmax(ma, za[i]), mb = fmax(mb, zb[i]);
  for (size_t i = 0; i < n; i++)
    sa += exp(za[i] - ma), sb += exp(zb[i] - mb);
  for (size_t i = 0; i < n; i++) {
    b[i] = p->b_max * exp(za[i] - ma) / sa;
    f[i] = p->f_ser * exp(zb[i] - mb) / sb;
  }
  free(za);
  free(zb);
}

static void test_subnetwork_exact(void)
{
  dynn_params_t p = dynn_params_default();
  const size_t K = 5, L = 3, U = 12, n = 9;
  dynn_alloc_t *a = dynn_alloc_new(DYNN_ALLOC_MOE, K, L, U, &p, 3);
  CHECK(a != NULL);
  randomize(a->body, 0.5);
  randomize(a->head_b, 0.5);
  randomize(a->head_f, 0.5);
  dynn_user_t u[9];
  users(&p, n, u);
  for (size_t k = 1; k <= K; k++)
    for (size_t l = 1; l <= L; l++) {
      double b[9], f[9], hb[9], hf[9];
      uint64_t macs = 0;
      CHECK(dynn_alloc_infer(a, &p, u, n, k, l, b, f, &macs) == 0);
      hand_alloc(a, &p, u, n, k, l, hb, hf);
      double err = 0;
      for (size_t i = 0; i < n; i++)
        err = fmax(err, fmax(fabs(b[i] - hb[i]) / hb[i], fabs(f[i] - hf[i]) / hf[i]));
      CHECK(err < 1e-11);
      /* eval mode: gate F*K; k experts of l layers (+ U for the gating
       * product, as nn counts it); two heads of U MACs per user */
      uint64_t want = n * (5 * K + k * (5 * U + (l - 1) * U * U + U)) + 2 * n * U;
      CHECK(macs == want);
      CHECK(dynn_alloc_macs(a, n, k, l) == want);
    }
  /* changing (k, l) back and forth gives the same outputs again */
  double b1[9], f1[9], b2[9], f2[9];
  CHECK(dynn_alloc_infer(a, &p, u, n, 2, 2, b1, f1, NULL) == 0);
  CHECK(dynn_alloc_infer(a, &p, u, n, K, L, b2, f2, NULL) == 0);
  CHECK(dynn_alloc_infer(a, &p, u, n, 2, 2, b2, f2, NULL) == 0);
  CHECK(memcmp(b1, b2, sizeof b1) == 0 && memcmp(f1, f2, sizeof f1) == 0);
  dynn_alloc_free(a);
}

static void test_table1_counts(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_alloc_t *a = dynn_alloc_new(DYNN_ALLOC_MOE, 10, 3, 64, &p, 1);
  size_t dyn = 0, all = dynn_alloc_params(a, &dyn);
  CHECK(dyn == 87040); /* Table I: 87.04K dynamic parameters */
  CHECK(all == 87040 + 2 * 5 * 10 + 2 * 65);
  /* N = 30 at (K, L) and (1, 1) */
  CHECK(dynn_alloc_macs(a, 30, 10, 3) == 30ULL * (50 + 10 * (320 + 2 * 4096 + 64)) + 2 * 30 * 64);
  CHECK(dynn_alloc_macs(a, 30, 10, 3) == 2578140ULL);
  CHECK(dynn_alloc_macs(a, 30, 1, 1) == 30ULL * (50 + 320 + 64) + 2 * 30 * 64);
  CHECK(dynn_alloc_macs(a, 0, 10, 3) == 0);
  CHECK(dynn_alloc_macs(a, 30, 11, 3) == 0);
  dynn_alloc_t *s = dynn_alloc_new(DYNN_ALLOC_STATIC, 1, 3, 384, &p, 1);
  CHECK(dynn_alloc_macs(s, 30, 7, 7) == 30ULL * (5 * 384 + 2 * 384 * 384) + 2 * 30 * 384);
  CHECK(dynn_alloc_params(s, &dyn) == (5 * 384 + 384) + 2 * (384 * 384 + 384) + 2 * 385 && dyn == 0);
  /* policy and scheduling nets */
  dynn_model_t *m = dynn_model_new(&p, NULL, 1);
  m->policy[DYNN_POLICY_FULL] = dynn_policy_net_new(1);
  m->sched[DYNN_SCHED_RL] = dynn_sched_net_new(1);
  CHECK(dynn_policy_macs(m, DYNN_POLICY_FULL) == DYNN_POLICY_N_IN * 32 + 32 * 2);
  CHECK(dynn_policy_macs(m, DYNN_POLICY_FIX_WIDTH) == 0);
  CHECK(dynn_sched_macs(m, DYNN_SCHED_RL, 30) == 30 * (DYNN_SCHED_N_IN * 32 + 32));
  m->alloc[DYNN_ALLOC_MOE] = a;
  CHECK(dynn_decision_macs(m, DYNN_SCHED_RL, DYNN_POLICY_FULL, DYNN_ALLOC_MOE, 30, 20, 4, 2) ==
        30 * (DYNN_SCHED_N_IN * 32 + 32) + DYNN_POLICY_N_IN * 32 + 64 + dynn_alloc_macs(a, 20, 4, 2));
  dynn_model_free(m);
  dynn_alloc_free(s);
}

static void test_budgets(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_alloc_t *a = dynn_alloc_new(DYNN_ALLOC_MOE, 4, 2, 16, &p, 5);
  dynn_user_t u[50];
  double b[50], f[50];
  for (int trial = 0; trial < 40; trial++) {
    /* large weights: scores far apart, exp underflows for some users */
    randomize(a->body, trial < 20 ? 0.3 : 3.0);
    randomize(a->head_b, trial < 20 ? 0.3 : 50.0);
    randomize(a->head_f, trial < 20 ? 0.3 : 50.0);
    size_t n = 1 + gsl_rng_uniform_int(rng, 50);
    users(&p, n, u);
    size_t k = 1 + gsl_rng_uniform_int(rng, 4), l = 1 + gsl_rng_uniform_int(rng, 2);
    CHECK(dynn_alloc_infer(a, &p, u, n, k, l, b, f, NULL) == 0);
    double sb = 0, sf = 0;
    int pos = 1;
    for (size_t i = 0; i < n; i++) {
      sb += b[i], sf += f[i];
      pos &= b[i] > 0 && f[i] > 0;
    }
    CHECK(pos);
    CHECK(sb <= p.b_max * (1 + 1e-9));
    CHECK(sf <= p.f_ser * (1 + 1e-9));
    CHECK(sb >= p.b_max * (1 - 1e-9)); /* nothing wasted */
  }
  /* one user gets everything */
  users(&p, 1, u);
  CHECK(dynn_alloc_infer(a, &p, u, 1, 1, 1, b, f, NULL) == 0);
  CHECK_REL(b[0], p.b_max, 1e-12);
  CHECK_REL(f[0], p.f_ser, 1e-12);
  /* no users: nothing written, no MACs */
  uint64_t macs = 7;
  CHECK(dynn_alloc_infer(a, &p, u, 0, 1, 1, NULL, NULL, &macs) == 0 && macs == 0);
  /* argument errors */
  users(&p, 3, u);
  CHECK(dynn_alloc_infer(a, &p, u, 3, 0, 1, b, f, NULL) < 0);
  CHECK(strstr(dynn_last_error(), "k = 0") != NULL);
  CHECK(dynn_alloc_infer(a, &p, u, 3, 5, 1, b, f, NULL) < 0);
  CHECK(dynn_alloc_infer(a, &p, u, 3, 1, 3, b, f, NULL) < 0);
  u[1].s = NAN;
  CHECK(dynn_alloc_infer(a, &p, u, 3, 1, 1, b, f, NULL) < 0);
  CHECK(strstr(dynn_last_error(), "user 1") != NULL);
  users(&p, 3, u);
  dynn_params_t q = p;
  q.b_max = 0;
  CHECK(dynn_alloc_infer(a, &q, u, 3, 1, 1, b, f, NULL) < 0);
  CHECK(strstr(dynn_last_error(), "b_max") != NULL);
  /* a model being trained is switched to evaluation for inference and back */
  dynn_alloc_free(a);
  CHECK(dynn_alloc_new(DYNN_ALLOC_MOE, 0, 3, 64, &p, 1) == NULL);
  CHECK(dynn_alloc_new(DYNN_ALLOC_MOE, 10, 100, 64, &p, 1) == NULL);
  CHECK(dynn_alloc_new(DYNN_ALLOC_STATIC, 1, 3, 100000, &p, 1) == NULL); /* too many parameters */
}

static void test_policy_coding(void)
{
  size_t k, l;
  for (size_t kk = 1; kk <= 10; kk++)
    for (size_t ll = 1; ll <= 3; ll++) {
      double y[2];
      dynn_policy_encode(kk, ll, 10, 3, y);
      CHECK(y[0] >= 0 && y[0] <= 1 && y[1] >= 0 && y[1] <= 1);
      dynn_policy_decode(y, 10, 3, DYNN_POLICY_FULL, &k, &l);
      CHECK(k == kk && l == ll);
    }
  double y[2] = {-0.4, 1.7};
  dynn_policy_decode(y, 10, 3, DYNN_POLICY_FULL, &k, &l);
  CHECK(k == 1 && l == 3);
  y[0] = 0.52, y[1] = 0.24; /* 1 + 0.52 * 9 = 5.68 -> 6; 1 + 0.48 = 1.48 -> 1 */
  dynn_policy_decode(y, 10, 3, DYNN_POLICY_FULL, &k, &l);
  CHECK(k == 6 && l == 1);
  dynn_policy_decode(y, 10, 3, DYNN_POLICY_FIX_WIDTH, &k, &l);
  CHECK(k == 10 && l == 1);
  dynn_policy_decode(y, 10, 3, DYNN_POLICY_FIX_DEPTH, &k, &l);
  CHECK(k == 6 && l == 3);
  y[0] = NAN;
  dynn_policy_decode(y, 10, 3, DYNN_POLICY_FULL, &k, &l);
  CHECK(k >= 1 && k <= 10);
  /* the policy input summarises any number of users in a fixed size */
  dynn_params_t p = dynn_params_default();
  dynn_user_t u[40];
  users(&p, 40, u);
  double x[DYNN_POLICY_N_IN];
  dynn_policy_input(&p, &p, u, 40, x);
  CHECK_NEAR(x[0], 40 / 30.0, 1e-15);
  double mx = 0, mean = 0, v[5];
  for (int i = 0; i < 40; i++) {
    dynn_features(&p, &u[i], v);
    mx = fmax(mx, v[0]);
    mean += v[0] / 40;
  }
  CHECK_NEAR(x[1], mean, 1e-12);
  CHECK_NEAR(x[6], mx, 0);
  CHECK_NEAR(x[11], 1.0, 1e-15); /* f_infer / 2.5e9 */
  CHECK_NEAR(x[13], 1.0, 1e-15); /* b_max / 0.5e6 */
  double xs[DYNN_SCHED_N_IN];
  dynn_sched_input(&p, &p, u, 40, 3, xs);
  dynn_features(&p, &u[3], v);
  CHECK(memcmp(xs, v, sizeof v) == 0);
  CHECK_NEAR(xs[5], x[1], 1e-12); /* mean of the slot's features */
  CHECK_NEAR(xs[10], 40 / 30.0, 1e-15);
}

/* A model with every network, weights randomised. */
static dynn_model_t *full_model(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_model_t *m = dynn_model_new(&p, NULL, 42);
  m->alloc[DYNN_ALLOC_MOE] = dynn_alloc_new(DYNN_ALLOC_MOE, 4, 3, 8, &m->norm, 1);
  m->alloc[DYNN_ALLOC_STATIC] = dynn_alloc_new(DYNN_ALLOC_STATIC, 1, 3, 12, &m->norm, 2);
  for (int v = 0; v < DYNN_POLICY_COUNT; v++)
    m->policy[v] = dynn_policy_net_new(10 + v);
  for (int v = 0; v < DYNN_SCHED_COUNT; v++)
    m->sched[v] = dynn_sched_net_new(20 + v);
  randomize(m->alloc[DYNN_ALLOC_MOE]->body, 0.4);
  return m;
}

static int same_outputs(const dynn_model_t *a, const dynn_model_t *b)
{
  dynn_params_t p = dynn_params_default();
  dynn_user_t u[17];
  users(&p, 17, u);
  int same = 1;
  for (int kind = 0; kind < DYNN_ALLOC_COUNT; kind++) {
    if (!a->alloc[kind] || !b->alloc[kind]) {
      same &= !a->alloc[kind] && !b->alloc[kind];
      continue;
    }
    for (size_t k = 1; k <= a->alloc[kind]->K; k++)
      for (size_t l = 1; l <= a->alloc[kind]->L; l++) {
        double b1[17], f1[17], b2[17], f2[17];
        uint64_t m1, m2;
        same &= dynn_alloc_infer(a->alloc[kind], &p, u, 17, k, l, b1, f1, &m1) == 0;
        same &= dynn_alloc_infer(b->alloc[kind], &p, u, 17, k, l, b2, f2, &m2) == 0;
        same &= !memcmp(b1, b2, sizeof b1) && !memcmp(f1, f2, sizeof f1) && m1 == m2;
      }
  }
  for (int v = 0; v < DYNN_POLICY_COUNT; v++) {
    if (!a->policy[v])
      continue;
    size_t k1, l1, k2, l2;
    same &= dynn_policy_predict(a, v, &p, u, 17, &k1, &l1, NULL) == 0;
    same &= dynn_policy_predict(b, v, &p, u, 17, &k2, &l2, NULL) == 0;
    same &= k1 == k2 && l1 == l2;
    same &= !memcmp(nn_net_params(a->policy[v], NULL), nn_net_params(b->policy[v], NULL),
                    sizeof(double) * (DYNN_POLICY_N_IN * 32 + 32 + 66));
  }
  for (int v = 0; v < DYNN_SCHED_COUNT; v++) {
    if (!a->sched[v])
      continue;
    double p1[17], p2[17];
    same &= dynn_sched_predict(a, v, &p, u, 17, p1, NULL) == 0;
    same &= dynn_sched_predict(b, v, &p, u, 17, p2, NULL) == 0;
    same &= !memcmp(p1, p2, sizeof p1);
  }
  return same;
}

static char good[256], bad[256];

static void test_roundtrip(void)
{
  dynn_model_t *m = full_model();
  m->domain.n_min = 7;
  char err[512] = "";
  CHECK(dynn_model_save(m, good, err, sizeof err) == 0);
  dynn_model_t *r = dynn_model_load(good, err, sizeof err);
  CHECK(r != NULL);
  if (!r) {
    fprintf(stderr, "%s\n", err);
    dynn_model_free(m);
    return;
  }
  CHECK(same_outputs(m, r));
  CHECK(r->train_seed == 42 && r->domain.n_min == 7 && r->alloc[DYNN_ALLOC_MOE]->K == 4 &&
        r->alloc[DYNN_ALLOC_STATIC]->width == 12);
  CHECK(memcmp(&r->params, &m->params, sizeof m->params) == 0);
  /* the policy and scheduling predictions are in range */
  dynn_params_t p = dynn_params_default();
  dynn_user_t u[5];
  users(&p, 5, u);
  size_t k, l;
  uint64_t macs;
  CHECK(dynn_policy_predict(r, DYNN_POLICY_FULL, &p, u, 5, &k, &l, &macs) == 0);
  CHECK(k >= 1 && k <= 4 && l >= 1 && l <= 3 && macs == DYNN_POLICY_N_IN * 32 + 64);
  CHECK(dynn_policy_predict(r, DYNN_POLICY_FULL, &p, u, 0, &k, &l, &macs) == 0 && k == 1 && l == 1 && macs == 0);
  double pr[5];
  CHECK(dynn_sched_predict(r, DYNN_SCHED_PMRL, &p, u, 5, pr, &macs) == 0);
  CHECK(pr[0] > 0 && pr[0] < 1 && macs == 5 * (DYNN_SCHED_N_IN * 32 + 32));
  dynn_model_free(r);

  /* a file with only the static model */
  dynn_model_t *s = dynn_model_new(&m->params, NULL, 3);
  s->alloc[DYNN_ALLOC_STATIC] = m->alloc[DYNN_ALLOC_STATIC];
  m->alloc[DYNN_ALLOC_STATIC] = NULL;
  CHECK(dynn_model_save(s, bad, err, sizeof err) == 0);
  r = dynn_model_load(bad, err, sizeof err);
  CHECK(r && !r->alloc[DYNN_ALLOC_MOE] && r->alloc[DYNN_ALLOC_STATIC] && !r->policy[0] && !r->sched[0]);
  if (r) {
    CHECK(same_outputs(s, r));
    CHECK(dynn_policy_predict(r, DYNN_POLICY_FULL, &p, u, 5, &k, &l, NULL) < 0);
    CHECK(strstr(dynn_last_error(), "no full policy network") != NULL);
    CHECK(dynn_sched_predict(r, DYNN_SCHED_RL, &p, u, 5, pr, NULL) < 0);
    dynn_model_free(r);
  }
  dynn_model_free(s);
  /* a policy without the MoE cannot be saved */
  s = dynn_model_new(NULL, NULL, 3);
  s->policy[0] = dynn_policy_net_new(1);
  CHECK(dynn_model_save(s, bad, err, sizeof err) < 0 && strstr(err, "MoE") != NULL);
  dynn_model_free(s);
  dynn_model_free(m);
}

/* ------------------------------------------------------------------------ */
/* Corrupted files                                                          */
/* ------------------------------------------------------------------------ */
static int copy_file(const char *src, const char *dst)
{
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  int ok = in && out;
  char buf[8192];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
    ok = fwrite(buf, 1, n, out) == n;
  if (in)
    fclose(in);
  if (out)
    fclose(out);
  return ok ? 0 : -1;
}

static void set_attr(const char *file, const char *obj, const char *name, hid_t type, const void *v)
{
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t o = H5Oopen(f, obj, H5P_DEFAULT);
  if (H5Aexists(o, name) > 0)
    H5Adelete(o, name);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(o, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, type, v);
  H5Aclose(a), H5Sclose(sp), H5Oclose(o), H5Fclose(f);
}

static void set_str_attr(const char *file, const char *obj, const char *name, const char *v)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(v) + 1);
  set_attr(file, obj, name, t, v);
  H5Tclose(t);
}

static void set_value(const char *file, const char *dset, double v)
{
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
  hid_t fs = H5Dget_space(d), ms = H5Screate(H5S_SCALAR);
  hsize_t coord[2] = {1, 0};
  int rank = H5Sget_simple_extent_ndims(fs);
  H5Sselect_elements(fs, H5S_SELECT_SET, 1, coord + (rank == 1 ? 1 : 0));
  H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v);
  H5Sclose(ms), H5Sclose(fs), H5Dclose(d), H5Fclose(f);
}

/* Replaces dataset dset by a zero-filled one of shape rows x cols. */
static void reshape(const char *file, const char *dset, hsize_t rows, hsize_t cols)
{
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(f, dset, H5P_DEFAULT);
  hsize_t dims[2] = {rows, cols};
  hid_t sp = H5Screate_simple(2, dims, NULL);
  hid_t d = H5Dcreate2(f, dset, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  double *z = calloc(rows * cols, sizeof *z);
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, z);
  free(z);
  H5Dclose(d), H5Sclose(sp), H5Fclose(f);
}

static void delete_link(const char *file, const char *name)
{
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(f, name, H5P_DEFAULT);
  H5Fclose(f);
}

/* Loading `bad` fails with a message holding the file name and `what`. */
static int refused(const char *what)
{
  char err[1024] = "";
  dynn_model_t *m = dynn_model_load(bad, err, sizeof err);
  int ok = m == NULL && strstr(err, bad) != NULL && strstr(err, what) != NULL && !strchr(err, '\n');
  if (!ok)
    fprintf(stderr, "  load of corrupted file: expected '%s' in: %s\n", what, err);
  dynn_model_free(m);
  return ok;
}

static void test_corrupt(void)
{
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  dynn_model_t *m = full_model();
  char err[512];
  CHECK(dynn_model_save(m, good, err, sizeof err) == 0);
  int64_t i64;
  uint64_t u64;
  double d;

  copy_file(good, bad);
  i64 = 2;
  set_attr(bad, "/", "format_version", H5T_NATIVE_INT64, &i64);
  CHECK(refused("format version 2"));

  copy_file(good, bad);
  set_str_attr(bad, "/", "format", "mecsim-nn");
  CHECK(refused("not a DyNN model"));

  copy_file(good, bad);
  u64 = (1ULL << 32) + 5;
  set_attr(bad, "/", "K", H5T_NATIVE_UINT64, &u64);
  CHECK(refused("attribute 'K' of '/' is 4294967301"));

  copy_file(good, bad);
  d = 4.0;
  set_attr(bad, "/", "K", H5T_NATIVE_DOUBLE, &d);
  CHECK(refused("attribute 'K' of '/' is not an integer"));

  copy_file(good, bad);
  i64 = 5; /* disagrees with the MoE stored */
  set_attr(bad, "/", "K", H5T_NATIVE_INT64, &i64);
  CHECK(refused("network '/alloc_moe_body'"));

  copy_file(good, bad);
  i64 = -1;
  set_attr(bad, "/", "units", H5T_NATIVE_INT64, &i64);
  CHECK(refused("attribute 'units' of '/' is -1"));

  copy_file(good, bad);
  i64 = 64;
  set_attr(bad, "/", "L", H5T_NATIVE_INT64, &i64);
  i64 = 1000;
  set_attr(bad, "/", "units", H5T_NATIVE_INT64, &i64);
  CHECK(refused("describe more than"));

  copy_file(good, bad);
  d = NAN;
  set_attr(bad, "/", "param_b_max", H5T_NATIVE_DOUBLE, &d);
  CHECK(refused("attribute 'param_b_max' of '/' is not finite"));

  copy_file(good, bad);
  d = -3;
  set_attr(bad, "/", "norm_s_avg", H5T_NATIVE_DOUBLE, &d);
  CHECK(refused("norm_"));

  copy_file(good, bad);
  d = 1.5;
  set_attr(bad, "/", "domain_p_no_cpu", H5T_NATIVE_DOUBLE, &d);
  CHECK(refused("p_no_cpu"));

  copy_file(good, bad);
  i64 = 2;
  set_attr(bad, "/", "has_sched_rl", H5T_NATIVE_INT64, &i64);
  CHECK(refused("attribute 'has_sched_rl' of '/' is 2"));

  copy_file(good, bad);
  delete_link(bad, "/sched_rl");
  CHECK(refused("group '/sched_rl' is missing"));

  copy_file(good, bad);
  i64 = 0;
  set_attr(bad, "/", "has_alloc_moe", H5T_NATIVE_INT64, &i64);
  CHECK(refused("has_alloc_moe"));

  copy_file(good, bad);
  set_value(bad, "/alloc_moe_body/layer_000/expert_02/W1", NAN);
  CHECK(refused("/alloc_moe_body/layer_000/expert_02/W1"));

  copy_file(good, bad);
  set_value(bad, "/policy_fix_depth/layer_000/b", INFINITY);
  CHECK(refused("/policy_fix_depth/layer_000/b"));

  copy_file(good, bad);
  reshape(bad, "/alloc_moe_head_b/layer_000/W", 7, 1);
  CHECK(refused("/alloc_moe_head_b/layer_000/W"));

  copy_file(good, bad);
  set_str_attr(bad, "/alloc_static_body/layer_001", "act", "tanh");
  CHECK(refused("network '/alloc_static_body' is not the architecture"));

  copy_file(good, bad);
  set_str_attr(bad, "/sched_pmrl/layer_003", "act", "tanh");
  CHECK(refused("network '/sched_pmrl' is not the architecture"));

  /* the valid file still loads identically */
  dynn_model_t *r = dynn_model_load(good, err, sizeof err);
  CHECK(r && same_outputs(m, r));
  dynn_model_free(r);
  CHECK(dynn_model_load("/nonexistent/x.h5", err, sizeof err) == NULL && strstr(err, "cannot read"));
  dynn_model_free(m);
}

int main(void)
{
  rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 12345);
  snprintf(good, sizeof good, "test_dynn_model_good_%d.h5", (int)getpid());
  snprintf(bad, sizeof bad, "test_dynn_model_bad_%d.h5", (int)getpid());
  RUN(test_subnetwork_exact);
  RUN(test_table1_counts);
  RUN(test_budgets);
  RUN(test_policy_coding);
  RUN(test_roundtrip);
  RUN(test_corrupt);
  unlink(good);
  unlink(bad);
  gsl_rng_free(rng);
  return CHECK_DONE();
}
