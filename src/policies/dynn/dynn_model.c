/* dynn_model.c - the DyNN allocation, policy and scheduling models and their
 * HDF5 model file; see dynn_model.h. */
#include "policies/dynn/dynn_model.h"
#include "nn/nn_h5attr.h"
#include <errno.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Errors, names                                                            */
/* ------------------------------------------------------------------------ */
static _Thread_local char dynn_err_[1024];

const char *dynn_last_error(void) { return dynn_err_; }
#define dfail dynn_fail

int dynn_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dynn_err_, sizeof dynn_err_, fmt, ap);
  va_end(ap);
  return -1;
}

static const char *const alloc_names[DYNN_ALLOC_COUNT] = {"moe", "static"};
static const char *const policy_names[DYNN_POLICY_COUNT] = {"full", "fix-width", "fix-depth"};
static const char *const sched_names[DYNN_SCHED_COUNT] = {"pmrl", "rl"};

const char *dynn_alloc_kind_name(dynn_alloc_kind_t k)
{
  return k >= 0 && k < DYNN_ALLOC_COUNT ? alloc_names[k] : "?";
}
const char *dynn_policy_variant_name(dynn_policy_variant_t v)
{
  return v >= 0 && v < DYNN_POLICY_COUNT ? policy_names[v] : "?";
}
const char *dynn_sched_variant_name(dynn_sched_variant_t v)
{
  return v >= 0 && v < DYNN_SCHED_COUNT ? sched_names[v] : "?";
}

/* ------------------------------------------------------------------------ */
/* Domain randomisation                                                     */
/* ------------------------------------------------------------------------ */
dynn_domain_t dynn_domain_default(void)
{
  return (dynn_domain_t){.enabled = 1,
                         .s_avg_min = 500,
                         .s_avg_max = 2500,
                         .c_avg_min = 400,
                         .c_avg_max = 1200,
                         .n_min = 10,
                         .n_max = 50,
                         .f_min = 1.5e9,
                         .f_max = 3.5e9,
                         .p_no_cpu = 0.5};
}

int dynn_domain_check(const dynn_domain_t *d)
{
  if (d->enabled != 0 && d->enabled != 1)
    return dfail("domain: enabled is %d, must be 0 or 1", d->enabled);
  struct { const char *name; double lo, hi; } r[] = {{"s_avg", d->s_avg_min, d->s_avg_max},
                                                    {"c_avg", d->c_avg_min, d->c_avg_max},
                                                    {"f", d->f_min, d->f_max}};
  for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
    if (!(isfinite(r[i].lo) && isfinite(r[i].hi) && r[i].lo > 0 && r[i].hi >= r[i].lo))
      return dfail("domain: %s range [%g, %g] must be finite with 0 < min <= max", r[i].name, r[i].lo, r[i].hi);
  if (d->n_min < 1 || d->n_max < d->n_min || d->n_max > 100000)
    return dfail("domain: users range %d..%d must satisfy 1 <= min <= max <= 100000", d->n_min, d->n_max);
  if (!(d->p_no_cpu >= 0 && d->p_no_cpu <= 1))
    return dfail("domain: p_no_cpu %g must be in [0, 1]", d->p_no_cpu);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Allocation model                                                         */
/* ------------------------------------------------------------------------ */
static nn_net_t *body_new(dynn_alloc_kind_t kind, size_t K, size_t L, size_t width, uint64_t seed)
{
  nn_net_t *net = nn_net_new(DYNN_N_FEATURES, kind == DYNN_ALLOC_MOE ? "dynn_moe_body" : "dynn_static_body");
  if (!net)
    return NULL;
  int rc = 0;
  if (kind == DYNN_ALLOC_MOE) {
    rc = nn_net_add_moe(net, &(nn_moe_cfg_t){.n_experts = K, .depth = L, .units = width, .k = K,
                                             .act = NN_ACT_LEAKY_RELU, .noisy = 1});
  } else {
    for (size_t j = 0; j < L && rc >= 0; j++) {
      rc = nn_net_add_dense(net, width, NN_INIT_HE);
      if (rc >= 0)
        rc = nn_net_add_leaky_relu(net, DYNN_LEAKY_SLOPE);
    }
  }
  if (rc < 0 || nn_net_finalize(net, seed) < 0) {
    nn_net_free(net);
    return NULL;
  }
  return net;
}

static nn_net_t *head_new(size_t width, const char *name, uint64_t seed)
{
  nn_net_t *net = nn_net_new(width, name);
  if (!net)
    return NULL;
  if (nn_net_add_dense(net, 1, NN_INIT_XAVIER) < 0 || nn_net_finalize(net, seed) < 0) {
    nn_net_free(net);
    return NULL;
  }
  return net;
}

/* Parameters (as a double, no overflow) of the nets of an allocation model
 * of that size: body + two heads. */
static double alloc_param_count(dynn_alloc_kind_t kind, size_t K, size_t L, size_t w)
{
  double F = DYNN_N_FEATURES, dK = (double)K, dL = (double)L, dw = (double)w;
  double body = kind == DYNN_ALLOC_MOE ? 2 * F * dK + dK * ((F * dw + dw) + (dL - 1) * (dw * dw + dw))
                                       : (F * dw + dw) + (dL - 1) * (dw * dw + dw);
  return body + 2 * (dw + 1);
}

dynn_alloc_t *dynn_alloc_new(dynn_alloc_kind_t kind, size_t K, size_t L, size_t width, const dynn_params_t *norm,
                             uint64_t seed)
{
  if (kind != DYNN_ALLOC_MOE && kind != DYNN_ALLOC_STATIC) {
    dfail("dynn allocation model: unknown kind %d", (int)kind);
    return NULL;
  }
  if (kind == DYNN_ALLOC_STATIC)
    K = 1;
  if (K < 1 || K > DYNN_MAX_EXPERTS || L < 1 || L > DYNN_MAX_DEPTH || width < 1 || width > NN_IO_MAX_WIDTH ||
      alloc_param_count(kind, K, L, width) > (double)NN_IO_MAX_PARAMS) {
    dfail("dynn allocation model (%s): K = %zu, L = %zu, width = %zu out of range (K 1..%d, L 1..%d, at most %lu "
          "parameters)",
          alloc_names[kind], K, L, width, DYNN_MAX_EXPERTS, DYNN_MAX_DEPTH, (unsigned long)NN_IO_MAX_PARAMS);
    return NULL;
  }
  dynn_alloc_t *a = calloc(1, sizeof *a);
  if (!a) {
    dfail("dynn allocation model: out of memory");
    return NULL;
  }
  a->kind = kind;
  a->K = K;
  a->L = L;
  a->width = width;
  a->norm = norm ? *norm : dynn_params_default();
  a->body = body_new(kind, K, L, width, seed * 1000003ULL + 1);
  a->head_b = head_new(width, "dynn_head_b", seed * 1000003ULL + 2);
  a->head_f = head_new(width, "dynn_head_f", seed * 1000003ULL + 3);
  if (!a->body || !a->head_b || !a->head_f) {
    dfail("dynn allocation model: cannot build the networks: %s", nn_last_error());
    dynn_alloc_free(a);
    return NULL;
  }
  nn_net_set_training(a->body, 0);
  nn_net_set_training(a->head_b, 0);
  nn_net_set_training(a->head_f, 0);
  return a;
}

void dynn_alloc_free(dynn_alloc_t *a)
{
  if (!a)
    return;
  nn_net_free(a->body);
  nn_net_free(a->head_b);
  nn_net_free(a->head_f);
  free(a->x);
  free(a->za);
  free(a->zb);
  free(a);
}

static int alloc_reserve(const dynn_alloc_t *ca, size_t n)
{
  dynn_alloc_t *a = (dynn_alloc_t *)ca; /* scratch only; the model itself is not const */
  if (n <= a->cap)
    return 0;
  size_t cap = a->cap ? a->cap : 64;
  while (cap < n)
    cap *= 2;
  double *x = realloc(a->x, cap * DYNN_N_FEATURES * sizeof *x);
  if (x)
    a->x = x;
  double *za = realloc(a->za, cap * sizeof *za);
  if (za)
    a->za = za;
  double *zb = realloc(a->zb, cap * sizeof *zb);
  if (zb)
    a->zb = zb;
  if (!x || !za || !zb)
    return dfail("dynn allocation: out of memory for %zu users", n);
  a->cap = cap;
  return 0;
}

static int check_user(const dynn_user_t *u, size_t i)
{
  if (!(isfinite(u->s) && u->s >= 0 && isfinite(u->c) && u->c >= 0 && isfinite(u->d) && u->d >= 0 &&
        isfinite(u->l) && u->l > 0 && isfinite(u->f_loc) && u->f_loc >= 0))
    return dfail("dynn: user %zu has an invalid field (s %g, c %g, d %g, l %g, f_loc %g: all finite, l > 0, the "
                 "others >= 0)",
                 i, u->s, u->c, u->d, u->l, u->f_loc);
  return 0;
}

static int check_users(const dynn_user_t *u, size_t n)
{
  if (n > DYNN_MAX_USERS)
    return dfail("dynn: %zu users, at most %d per call", n, DYNN_MAX_USERS);
  if (n && !u)
    return dfail("dynn: no users given");
  for (size_t i = 0; i < n; i++)
    if (check_user(&u[i], i) < 0)
      return -1;
  return 0;
}

/* Sets the MoE size (no-op for STATIC); 0 or -1. */
static int alloc_set_size(const dynn_alloc_t *a, size_t k, size_t l)
{
  if (a->kind != DYNN_ALLOC_MOE)
    return 0;
  if (k < 1 || k > a->K || l < 1 || l > a->L)
    return dfail("dynn allocation: size k = %zu, l = %zu outside 1..%zu, 1..%zu", k, l, a->K, a->L);
  if (nn_net_set_moe_size(a->body, 0, k, l) < 0)
    return dfail("dynn allocation: %s", nn_last_error());
  return 0;
}

uint64_t dynn_alloc_macs(const dynn_alloc_t *a, size_t n, size_t k, size_t l)
{
  if (!a || n == 0)
    return 0;
  if (a->kind == DYNN_ALLOC_MOE && (k < 1 || k > a->K || l < 1 || l > a->L))
    return 0;
  if (a->training)
    nn_net_set_training(a->body, 0);
  uint64_t m = 0;
  if (alloc_set_size(a, k, l) == 0)
    m = nn_net_macs(a->body, n) + nn_net_macs(a->head_b, n) + nn_net_macs(a->head_f, n);
  if (a->training)
    nn_net_set_training(a->body, 1);
  return m;
}

size_t dynn_alloc_params(const dynn_alloc_t *a, size_t *dynamic)
{
  size_t nb = 0, nh1 = 0, nh2 = 0;
  nn_net_params(a->body, &nb);
  nn_net_params(a->head_b, &nh1);
  nn_net_params(a->head_f, &nh2);
  if (dynamic) {
    /* the experts: everything in the MoE layer but W_g and W_noise */
    *dynamic = a->kind == DYNN_ALLOC_MOE ? nb - 2 * DYNN_N_FEATURES * a->K : 0;
  }
  return nb + nh1 + nh2;
}

/* b = total * softmax(z) with every share at least 1e-12 of the total
 * (never 0, even when exp underflows), sum <= total up to rounding. */
static void softmax_share(const double *z, size_t n, double total, double *out)
{
  double mx = z[0];
  for (size_t i = 1; i < n; i++)
    if (z[i] > mx)
      mx = z[i];
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (out[i] = exp(z[i] - mx));
  double s2 = 0;
  for (size_t i = 0; i < n; i++) {
    out[i] /= s;
    if (out[i] < 1e-12)
      out[i] = 1e-12;
    s2 += out[i];
  }
  for (size_t i = 0; i < n; i++)
    out[i] = total * (out[i] / s2);
}

int dynn_alloc_infer(const dynn_alloc_t *a, const dynn_params_t *p, const dynn_user_t *u, size_t n, size_t k,
                     size_t l, double *b, double *f, uint64_t *macs)
{
  if (macs)
    *macs = 0;
  if (!a || !p)
    return dfail("dynn allocation: no model or parameters given");
  if (!(isfinite(p->b_max) && p->b_max > 0 && isfinite(p->f_ser) && p->f_ser > 0))
    return dfail("dynn allocation: b_max = %g Hz and f_ser = %g Hz must be finite and > 0", p->b_max, p->f_ser);
  if (check_users(u, n) < 0)
    return -1;
  if (a->kind == DYNN_ALLOC_MOE && (k < 1 || k > a->K || l < 1 || l > a->L))
    return dfail("dynn allocation: size k = %zu, l = %zu outside 1..%zu, 1..%zu", k, l, a->K, a->L);
  if (n == 0)
    return 0;
  if (!b || !f)
    return dfail("dynn allocation: no output arrays given");
  if (alloc_reserve(a, n) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    dynn_features(&a->norm, &u[i], a->x + i * DYNN_N_FEATURES);
  int was_training = a->training;
  if (was_training) {
    nn_net_set_training(a->body, 0);
    nn_net_set_training(a->head_b, 0);
    nn_net_set_training(a->head_f, 0);
  }
  int rc = alloc_set_size(a, k, l);
  const double *y = rc == 0 ? nn_net_forward(a->body, a->x, n) : NULL;
  const double *za = y ? nn_net_forward(a->head_b, y, n) : NULL;
  if (za)
    memcpy(a->za, za, n * sizeof *za);
  const double *zb = za ? nn_net_forward(a->head_f, y, n) : NULL;
  if (zb)
    memcpy(a->zb, zb, n * sizeof *zb);
  if (was_training) {
    nn_net_set_training(a->body, 1);
    nn_net_set_training(a->head_b, 1);
    nn_net_set_training(a->head_f, 1);
  }
  if (!zb)
    return rc < 0 ? rc : dfail("dynn allocation: %s", nn_last_error());
  for (size_t i = 0; i < n; i++)
    if (!isfinite(a->za[i]) || !isfinite(a->zb[i]))
      return dfail("dynn allocation: non-finite score for user %zu", i);
  softmax_share(a->za, n, p->b_max, b);
  softmax_share(a->zb, n, p->f_ser, f);
  if (macs)
    *macs = dynn_alloc_macs(a, n, k, l);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Model                                                                    */
/* ------------------------------------------------------------------------ */
dynn_model_t *dynn_model_new(const dynn_params_t *params, const dynn_domain_t *domain, uint64_t seed)
{
  dynn_model_t *m = calloc(1, sizeof *m);
  if (!m) {
    dfail("dynn model: out of memory");
    return NULL;
  }
  m->params = params ? *params : dynn_params_default();
  m->norm = dynn_params_default();
  m->domain = domain ? *domain : dynn_domain_default();
  m->train_seed = seed;
  return m;
}

void dynn_model_free(dynn_model_t *m)
{
  if (!m)
    return;
  for (int i = 0; i < DYNN_ALLOC_COUNT; i++)
    dynn_alloc_free(m->alloc[i]);
  for (int i = 0; i < DYNN_POLICY_COUNT; i++)
    nn_net_free(m->policy[i]);
  for (int i = 0; i < DYNN_SCHED_COUNT; i++)
    nn_net_free(m->sched[i]);
  free(m);
}

dynn_alloc_t *dynn_model_alloc(const dynn_model_t *m, dynn_alloc_kind_t kind)
{
  return m && kind >= 0 && kind < DYNN_ALLOC_COUNT ? m->alloc[kind] : NULL;
}

static nn_net_t *small_mlp(size_t n_in, size_t hidden, size_t n_out, nn_act_t out, const char *name, uint64_t seed)
{
  nn_net_t *net = nn_net_new(n_in, name);
  if (!net)
    return NULL;
  if (nn_net_add_dense(net, hidden, NN_INIT_HE) < 0 || nn_net_add_leaky_relu(net, DYNN_LEAKY_SLOPE) < 0 ||
      nn_net_add_dense(net, n_out, NN_INIT_XAVIER) < 0 || (out != NN_ACT_NONE && nn_net_add_act(net, out) < 0) ||
      nn_net_finalize(net, seed) < 0) {
    dfail("dynn: cannot build network '%s': %s", name, nn_last_error());
    nn_net_free(net);
    return NULL;
  }
  return net;
}

nn_net_t *dynn_policy_net_new(uint64_t seed)
{
  return small_mlp(DYNN_POLICY_N_IN, DYNN_POLICY_HIDDEN, 2, NN_ACT_NONE, "dynn_policy", seed);
}

nn_net_t *dynn_sched_net_new(uint64_t seed)
{
  return small_mlp(DYNN_SCHED_N_IN, DYNN_SCHED_HIDDEN, 1, NN_ACT_SIGMOID, "dynn_sched", seed);
}

/* ------------------------------------------------------------------------ */
/* Policy model                                                             */
/* ------------------------------------------------------------------------ */
void dynn_policy_input(const dynn_params_t *norm, const dynn_params_t *p, const dynn_user_t *u, size_t n, double *x)
{
  double mean[DYNN_N_FEATURES] = {0}, mx[DYNN_N_FEATURES] = {0}, v[DYNN_N_FEATURES];
  for (size_t i = 0; i < n; i++) {
    dynn_features(norm, &u[i], v);
    for (int j = 0; j < DYNN_N_FEATURES; j++) {
      mean[j] += v[j];
      if (i == 0 || v[j] > mx[j])
        mx[j] = v[j];
    }
  }
  x[0] = (double)n / DYNN_SCALE_USERS;
  for (int j = 0; j < DYNN_N_FEATURES; j++) {
    x[1 + j] = n ? mean[j] / (double)n : 0;
    x[1 + DYNN_N_FEATURES + j] = mx[j];
  }
  x[1 + 2 * DYNN_N_FEATURES] = p->f_infer / DYNN_SCALE_HZ;
  x[2 + 2 * DYNN_N_FEATURES] = p->f_ser / DYNN_SCALE_HZ;
  x[3 + 2 * DYNN_N_FEATURES] = p->b_max / DYNN_SCALE_BW;
}

static size_t decode1(double y, size_t M)
{
  if (M <= 1 || !isfinite(y))
    return isfinite(y) || M <= 1 ? 1 : (y > 0 ? M : 1);
  double v = nearbyint(1.0 + y * (double)(M - 1));
  if (v < 1)
    return 1;
  if (v > (double)M)
    return M;
  return (size_t)v;
}

void dynn_policy_decode(const double *y, size_t K, size_t L, dynn_policy_variant_t v, size_t *k, size_t *l)
{
  *k = v == DYNN_POLICY_FIX_WIDTH ? K : decode1(y[0], K);
  *l = v == DYNN_POLICY_FIX_DEPTH ? L : decode1(y[1], L);
}

void dynn_policy_encode(size_t k, size_t l, size_t K, size_t L, double *y)
{
  y[0] = K > 1 ? (double)(k - 1) / (double)(K - 1) : 0;
  y[1] = L > 1 ? (double)(l - 1) / (double)(L - 1) : 0;
}

static int check_p(const dynn_params_t *p)
{
  if (!p)
    return dfail("dynn: no parameters given");
  if (!(isfinite(p->b_max) && p->b_max > 0 && isfinite(p->f_ser) && p->f_ser > 0 && isfinite(p->f_infer) &&
        p->f_infer > 0))
    return dfail("dynn: b_max = %g, f_ser = %g, f_infer = %g must be finite and > 0", p->b_max, p->f_ser,
                 p->f_infer);
  return 0;
}

int dynn_policy_predict(const dynn_model_t *m, dynn_policy_variant_t v, const dynn_params_t *p, const dynn_user_t *u,
                        size_t n, size_t *k, size_t *l, uint64_t *macs)
{
  if (macs)
    *macs = 0;
  if (!m || v < 0 || v >= DYNN_POLICY_COUNT || !m->policy[v] || !m->alloc[DYNN_ALLOC_MOE])
    return dfail("dynn policy: the model has no %s policy network (or no MoE allocation model)",
                 dynn_policy_variant_name(v));
  if (check_p(p) < 0 || check_users(u, n) < 0)
    return -1;
  if (n == 0) {
    *k = *l = 1;
    return 0;
  }
  double x[DYNN_POLICY_N_IN];
  dynn_policy_input(&m->norm, p, u, n, x);
  const double *y = nn_net_forward(m->policy[v], x, 1);
  if (!y)
    return dfail("dynn policy: %s", nn_last_error());
  dynn_policy_decode(y, m->alloc[DYNN_ALLOC_MOE]->K, m->alloc[DYNN_ALLOC_MOE]->L, v, k, l);
  if (macs)
    *macs = dynn_policy_macs(m, v);
  return 0;
}

uint64_t dynn_policy_macs(const dynn_model_t *m, dynn_policy_variant_t v)
{
  return m && v >= 0 && v < DYNN_POLICY_COUNT && m->policy[v] ? nn_net_macs(m->policy[v], 1) : 0;
}

/* ------------------------------------------------------------------------ */
/* Scheduling model                                                         */
/* ------------------------------------------------------------------------ */
static void sched_context(const dynn_params_t *norm, const dynn_params_t *p, const dynn_user_t *u, size_t n,
                          double *ctx /* DYNN_N_FEATURES + 4 */)
{
  double v[DYNN_N_FEATURES];
  memset(ctx, 0, (DYNN_N_FEATURES + 4) * sizeof *ctx);
  for (size_t i = 0; i < n; i++) {
    dynn_features(norm, &u[i], v);
    for (int j = 0; j < DYNN_N_FEATURES; j++)
      ctx[j] += v[j];
  }
  for (int j = 0; j < DYNN_N_FEATURES && n; j++)
    ctx[j] /= (double)n;
  ctx[DYNN_N_FEATURES] = (double)n / DYNN_SCALE_USERS;
  ctx[DYNN_N_FEATURES + 1] = p->f_ser / DYNN_SCALE_HZ;
  ctx[DYNN_N_FEATURES + 2] = p->f_infer / DYNN_SCALE_HZ;
  ctx[DYNN_N_FEATURES + 3] = p->b_max / DYNN_SCALE_BW;
}

void dynn_sched_input(const dynn_params_t *norm, const dynn_params_t *p, const dynn_user_t *u, size_t n, size_t i,
                      double *x)
{
  dynn_features(norm, &u[i], x);
  sched_context(norm, p, u, n, x + DYNN_N_FEATURES);
}

int dynn_sched_predict(const dynn_model_t *m, dynn_sched_variant_t v, const dynn_params_t *p, const dynn_user_t *u,
                       size_t n, double *prob, uint64_t *macs)
{
  if (macs)
    *macs = 0;
  if (!m || v < 0 || v >= DYNN_SCHED_COUNT || !m->sched[v])
    return dfail("dynn scheduling: the model has no %s scheduling network", dynn_sched_variant_name(v));
  if (check_p(p) < 0 || check_users(u, n) < 0)
    return -1;
  if (n == 0)
    return 0;
  double *x = malloc(n * DYNN_SCHED_N_IN * sizeof *x);
  if (!x)
    return dfail("dynn scheduling: out of memory for %zu users", n);
  double ctx[DYNN_N_FEATURES + 4];
  sched_context(&m->norm, p, u, n, ctx);
  for (size_t i = 0; i < n; i++) {
    dynn_features(&m->norm, &u[i], x + i * DYNN_SCHED_N_IN);
    memcpy(x + i * DYNN_SCHED_N_IN + DYNN_N_FEATURES, ctx, sizeof ctx);
  }
  const double *y = nn_net_forward(m->sched[v], x, n);
  free(x);
  if (!y)
    return dfail("dynn scheduling: %s", nn_last_error());
  for (size_t i = 0; i < n; i++) {
    double q = y[i];
    if (!isfinite(q))
      return dfail("dynn scheduling: non-finite probability for user %zu", i);
    prob[i] = q < 1e-12 ? 1e-12 : q > 1 - 1e-12 ? 1 - 1e-12 : q;
  }
  if (macs)
    *macs = dynn_sched_macs(m, v, n);
  return 0;
}

uint64_t dynn_sched_macs(const dynn_model_t *m, dynn_sched_variant_t v, size_t n)
{
  return m && v >= 0 && v < DYNN_SCHED_COUNT && m->sched[v] ? nn_net_macs(m->sched[v], n) : 0;
}

uint64_t dynn_decision_macs(const dynn_model_t *m, int sv, int pv, dynn_alloc_kind_t kind, size_t n_all,
                            size_t n_off, size_t k, size_t l)
{
  uint64_t t = 0;
  if (sv >= 0)
    t += dynn_sched_macs(m, (dynn_sched_variant_t)sv, n_all);
  if (pv >= 0 && n_off > 0)
    t += dynn_policy_macs(m, (dynn_policy_variant_t)pv);
  t += dynn_alloc_macs(dynn_model_alloc(m, kind), n_off, k, l);
  return t;
}

/* ------------------------------------------------------------------------ */
/* HDF5 file: writing                                                       */
/* ------------------------------------------------------------------------ */
typedef struct { const char *name; size_t off; } field_t;
#define PF(x) {#x, offsetof(dynn_params_t, x)}
static const field_t param_fields[] = {
    PF(b_max), PF(f_ser), PF(f_infer), PF(lambda), PF(p_tx),  PF(n0),       PF(g0),       PF(l0),
    PF(h),     PF(mu),    PF(gamma),   PF(alpha),  PF(beta),  PF(delta),    PF(d_floor),  PF(s_avg),
    PF(c_avg), PF(d_max), PF(l_min),   PF(l_max),  PF(floc_min), PF(floc_max)};
static const field_t norm_fields[] = {PF(s_avg), PF(c_avg), PF(d_max), PF(l_min), PF(l_max), PF(floc_max)};
#undef PF
#define NPARAM (sizeof param_fields / sizeof param_fields[0])
#define NNORM (sizeof norm_fields / sizeof norm_fields[0])
#define FLD(p, f) (*(double *)((char *)(p) + (f).off))

/* Network groups of the file, in order. */
typedef enum {
  G_MOE_BODY, G_MOE_HB, G_MOE_HF, G_ST_BODY, G_ST_HB, G_ST_HF, G_POL_FULL, G_POL_FW, G_POL_FD, G_SCH_PMRL, G_SCH_RL,
  G_COUNT
} grp_t;
static const char *const grp_names[G_COUNT] = {
    "alloc_moe_body",    "alloc_moe_head_b",    "alloc_moe_head_f", "alloc_static_body", "alloc_static_head_b",
    "alloc_static_head_f", "policy_full",       "policy_fix_width", "policy_fix_depth",  "sched_pmrl",
    "sched_rl"};
static const char *const has_names[] = {"has_alloc_moe",        "has_alloc_static", "has_policy_full",
                                        "has_policy_fix_width", "has_policy_fix_depth", "has_sched_pmrl",
                                        "has_sched_rl"};
#define N_HAS (sizeof has_names / sizeof has_names[0])
/* which "has" flag each group belongs to */
static const int grp_has[G_COUNT] = {0, 0, 0, 1, 1, 1, 2, 3, 4, 5, 6};

static nn_net_t *grp_net(const dynn_model_t *m, grp_t g)
{
  const dynn_alloc_t *a = g <= G_MOE_HF ? m->alloc[DYNN_ALLOC_MOE] : g <= G_ST_HF ? m->alloc[DYNN_ALLOC_STATIC] : NULL;
  switch (g) {
  case G_MOE_BODY: case G_ST_BODY: return a ? a->body : NULL;
  case G_MOE_HB: case G_ST_HB: return a ? a->head_b : NULL;
  case G_MOE_HF: case G_ST_HF: return a ? a->head_f : NULL;
  case G_POL_FULL: case G_POL_FW: case G_POL_FD: return m->policy[g - G_POL_FULL];
  case G_SCH_PMRL: case G_SCH_RL: return m->sched[g - G_SCH_PMRL];
  default: return NULL;
  }
}

/* Writers: nn_h5attr.h's, named short. */
#define attr_str nn_h5attr_write_str
#define attr_int nn_h5attr_write_i64
#define attr_u64 nn_h5attr_write_u64
#define attr_dbl nn_h5attr_write_f64

static void set_err(char *err, size_t n)
{
  if (err && n)
    snprintf(err, n, "%s", dynn_err_);
}

int dynn_model_save(const dynn_model_t *m, const char *path, char *err, size_t errlen)
{
  if (!m || !path || !*path) {
    dfail("dynn model: no model or path given");
    set_err(err, errlen);
    return -1;
  }
  for (int v = 0; v < DYNN_POLICY_COUNT; v++)
    if (m->policy[v] && !m->alloc[DYNN_ALLOC_MOE]) {
      dfail("dynn model: a policy network needs the MoE allocation model in the same file");
      set_err(err, errlen);
      return -1;
    }
  char tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  int rc = -1;
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  if (f < 0) {
    dfail("dynn model: %s", why);
    goto out;
  }
  const dynn_alloc_t *mo = m->alloc[DYNN_ALLOC_MOE], *st = m->alloc[DYNN_ALLOC_STATIC];
  int arc = attr_str(f, "format", DYNN_MODEL_FORMAT) | attr_int(f, "format_version", DYNN_MODEL_FORMAT_VERSION) |
            attr_int(f, "K", (int64_t)(mo ? mo->K : DYNN_K_DEFAULT)) |
            attr_int(f, "L", (int64_t)(mo ? mo->L : DYNN_L_DEFAULT)) |
            attr_int(f, "units", (int64_t)(mo ? mo->width : DYNN_UNITS_DEFAULT)) |
            attr_int(f, "static_hidden", (int64_t)(st ? st->width : DYNN_STATIC_HIDDEN_DEFAULT)) |
            attr_int(f, "static_depth", (int64_t)(st ? st->L : DYNN_L_DEFAULT)) |
            attr_u64(f, "train_seed", m->train_seed) | attr_int(f, "domain_enabled", m->domain.enabled) |
            attr_dbl(f, "domain_s_avg_min", m->domain.s_avg_min) |
            attr_dbl(f, "domain_s_avg_max", m->domain.s_avg_max) |
            attr_dbl(f, "domain_c_avg_min", m->domain.c_avg_min) |
            attr_dbl(f, "domain_c_avg_max", m->domain.c_avg_max) | attr_int(f, "domain_n_min", m->domain.n_min) |
            attr_int(f, "domain_n_max", m->domain.n_max) | attr_dbl(f, "domain_f_min", m->domain.f_min) |
            attr_dbl(f, "domain_f_max", m->domain.f_max) | attr_dbl(f, "domain_p_no_cpu", m->domain.p_no_cpu) |
            attr_str(f, "inputs_policy",
                     "n/30, mean(features), max(features), f_infer/2.5e9, f_ser/2.5e9, b_max/0.5e6") |
            attr_str(f, "inputs_sched", "features(i), mean(features), n/30, f_ser/2.5e9, f_infer/2.5e9, b_max/0.5e6");
  for (size_t i = 0; i < NPARAM; i++) {
    char name[64];
    snprintf(name, sizeof name, "param_%s", param_fields[i].name);
    arc |= attr_dbl(f, name, FLD(&m->params, param_fields[i]));
  }
  for (size_t i = 0; i < NNORM; i++) {
    char name[64];
    snprintf(name, sizeof name, "norm_%s", norm_fields[i].name);
    arc |= attr_dbl(f, name, FLD(&m->norm, norm_fields[i]));
  }
  int has[N_HAS] = {0};
  for (int g = 0; g < G_COUNT; g++)
    if (grp_net(m, (grp_t)g))
      has[grp_has[g]] = 1;
  for (size_t i = 0; i < N_HAS; i++)
    arc |= attr_int(f, has_names[i], has[i]);
  if (arc) {
    dfail("dynn model: cannot write attributes of '%s'", tmp);
    goto out;
  }
  for (int g = 0; g < G_COUNT; g++) {
    nn_net_t *net = grp_net(m, (grp_t)g);
    if (net && nn_net_save_group(net, f, grp_names[g]) < 0) {
      dfail("dynn model: saving network '%s' into '%s': %s", grp_names[g], tmp, nn_last_error());
      goto out;
    }
  }
  rc = 0;
out:
  if (nn_h5attr_finish_tmp(f, tmp, path, rc == 0, why, sizeof why) < 0 && rc == 0)
    rc = dfail("dynn model: %s", why);
  if (rc != 0)
    set_err(err, errlen);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* HDF5 file: reading (untrusted input)                                     */
/* ------------------------------------------------------------------------ */
/* Attributes of '/' are read by nn_h5attr (nn_h5attr.h); their failures and
 * the loader's own (rfail) are reported as "model '<path>': <message>". */
typedef nn_h5attr_t rd_t;

static int rd_h5fail(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *msg)
{
  (void)err;
  return dfail("model '%s': %s", h->path, msg);
}
#define rfail(r, ...) nn_h5attr_fail((r), NN_H5ATTR_EFORMAT, __VA_ARGS__)

/* The physical parameters must make sense for the cost model. */
static int params_check(const rd_t *r, const dynn_params_t *p)
{
  struct { const char *name; double v; int pos; } c[] = {
      {"param_b_max", p->b_max, 1}, {"param_f_ser", p->f_ser, 1},     {"param_f_infer", p->f_infer, 1},
      {"param_lambda", p->lambda, 1}, {"param_p_tx", p->p_tx, 1},     {"param_n0", p->n0, 1},
      {"param_g0", p->g0, 1},       {"param_l0", p->l0, 1},           {"param_h", p->h, 1},
      {"param_mu", p->mu, 0},       {"param_gamma", p->gamma, 1},     {"param_alpha", p->alpha, 0},
      {"param_beta", p->beta, 0},   {"param_delta", p->delta, 0},     {"param_d_floor", p->d_floor, 1},
      {"param_s_avg", p->s_avg, 1}, {"param_c_avg", p->c_avg, 1},     {"param_d_max", p->d_max, 1},
      {"param_l_min", p->l_min, 1}, {"param_floc_min", p->floc_min, 0}};
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
    if (c[i].pos ? !(c[i].v > 0) : !(c[i].v >= 0))
      return rfail(r, "attribute '%s' of '/' is %g, must be %s", c[i].name, c[i].v, c[i].pos ? "> 0" : ">= 0");
  if (!(p->l_max > p->l_min))
    return rfail(r, "attribute 'param_l_max' of '/' is %g, must be > param_l_min (%g)", p->l_max, p->l_min);
  if (!(p->floc_max >= p->floc_min))
    return rfail(r, "attribute 'param_floc_max' of '/' is %g, must be >= param_floc_min (%g)", p->floc_max,
                 p->floc_min);
  return 0;
}

static int norm_check(const rd_t *r, const dynn_params_t *n)
{
  if (!(n->s_avg > 0 && n->c_avg > 0 && n->d_max > 0 && n->l_min >= 0 && n->floc_max >= 0))
    return rfail(r, "attributes 'norm_*' of '/': s_avg %g, c_avg %g, d_max %g must be > 0, l_min %g and floc_max %g "
                    ">= 0",
                 n->s_avg, n->c_avg, n->d_max, n->l_min, n->floc_max);
  if (!(n->l_max > n->l_min))
    return rfail(r, "attribute 'norm_l_max' of '/' is %g, must be > norm_l_min (%g)", n->l_max, n->l_min);
  return 0;
}

/* Loads group g into a network built by us (`ref`, the architecture the
 * metadata describes): the group is read and checked by nn (finite values,
 * shapes, ranges), must have ref's structure, and must compute the same
 * function as ref with its weights (this checks the activations, which the
 * structure comparison does not). On success the weights are in ref. */
static int load_into(const rd_t *r, const char *path, grp_t g, nn_net_t *ref)
{
  char gname[64];
  snprintf(gname, sizeof gname, "/%s", grp_names[g]);
  nn_net_t *ld = nn_net_load_new_group(path, gname);
  if (!ld)
    return dfail("%s", nn_last_error());
  int rc = 0;
  if (nn_net_n_in(ld) != nn_net_n_in(ref) || nn_net_n_out(ld) != nn_net_n_out(ref) || nn_net_copy(ref, ld) < 0) {
    rc = rfail(r, "network '%s' maps %zu -> %zu values with %zu layers, the metadata (K, L, units, static_hidden, "
                  "static_depth) describes %zu -> %zu with %zu layers",
               gname, nn_net_n_in(ld), nn_net_n_out(ld), nn_net_n_layers(ld), nn_net_n_in(ref), nn_net_n_out(ref),
               nn_net_n_layers(ref));
  } else {
    /* probe: same outputs on inputs of both signs (LeakyReLU vs others) */
    size_t ni = nn_net_n_in(ref), no = nn_net_n_out(ref);
    double *x = malloc(3 * ni * sizeof *x), *y = malloc(3 * no * sizeof *y);
    if (!x || !y) {
      rc = rfail(r, "out of memory");
    } else {
      for (size_t i = 0; i < 3 * ni; i++)
        x[i] = 1.7 * sin(0.7 * (double)i + 0.3) - 0.2;
      nn_net_set_training(ld, 0);
      nn_net_set_training(ref, 0);
      const double *y1 = nn_net_forward(ld, x, 3);
      if (y1)
        memcpy(y, y1, 3 * no * sizeof *y);
      const double *y2 = y1 ? nn_net_forward(ref, x, 3) : NULL;
      if (!y2 || memcmp(y, y2, 3 * no * sizeof *y) != 0)
        rc = rfail(r, "network '%s' is not the architecture the model describes (layer kinds, activations or "
                      "slopes differ)",
                   gname);
    }
    free(x);
    free(y);
  }
  nn_net_free(ld);
  return rc;
}

dynn_model_t *dynn_model_load(const char *path, char *err, size_t errlen)
{
  dynn_err_[0] = '\0';
  if (!path || !*path) {
    dfail("dynn model: no model file given (model=PATH)");
    set_err(err, errlen);
    return NULL;
  }
  const rd_t r = {.path = path, .obj = "/", .shape = NN_H5ATTR_SHAPE_SCALAR, .fail = rd_h5fail};
  if (access(path, R_OK) != 0) {
    rfail(&r, "cannot read: %s", strerror(errno));
    set_err(err, errlen);
    return NULL;
  }
  hid_t f = -1;
  H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  if (f < 0) {
    rfail(&r, "not an HDF5 file");
    set_err(err, errlen);
    return NULL;
  }
  dynn_model_t *m = NULL;
  char fmt[64] = "";
  int64_t ver = 0, K = 0, L = 0, units = 0, sh = 0, sd = 0, v = 0;
  int64_t has[N_HAS] = {0};
  H5E_BEGIN_TRY
  {
    if (!nn_h5attr_exists(f, "format") || nn_h5attr_str(&r, f, "format", fmt, sizeof fmt) < 0 ||
        strcmp(fmt, DYNN_MODEL_FORMAT) != 0) {
      rfail(&r, "not a DyNN model (format attribute '%s', expected '%s')", fmt, DYNN_MODEL_FORMAT);
      goto out;
    }
    if (nn_h5attr_int(&r, f, "format_version", INT64_MIN, INT64_MAX, 0, &ver) < 0)
      goto out;
    if (ver != DYNN_MODEL_FORMAT_VERSION) {
      rfail(&r, "format version %lld, this build reads %d", (long long)ver, DYNN_MODEL_FORMAT_VERSION);
      goto out;
    }
    if (nn_h5attr_int(&r, f, "K", 1, DYNN_MAX_EXPERTS, 0, &K) < 0 ||
        nn_h5attr_int(&r, f, "L", 1, DYNN_MAX_DEPTH, 0, &L) < 0 ||
        nn_h5attr_int(&r, f, "units", 1, NN_IO_MAX_WIDTH, 0, &units) < 0 ||
        nn_h5attr_int(&r, f, "static_hidden", 1, NN_IO_MAX_WIDTH, 0, &sh) < 0 ||
        nn_h5attr_int(&r, f, "static_depth", 1, DYNN_MAX_DEPTH, 0, &sd) < 0)
      goto out;
    for (size_t i = 0; i < N_HAS; i++)
      if (nn_h5attr_int(&r, f, has_names[i], 0, 1, 0, &has[i]) < 0)
        goto out;
    if ((has[2] || has[3] || has[4]) && !has[0]) {
      rfail(&r, "policy networks are present (has_policy_*) but the MoE allocation model is not (has_alloc_moe = 0)");
      goto out;
    }
    if (has[0] && alloc_param_count(DYNN_ALLOC_MOE, (size_t)K, (size_t)L, (size_t)units) > (double)NN_IO_MAX_PARAMS) {
      rfail(&r, "attributes K = %lld, L = %lld, units = %lld describe more than %lu parameters", (long long)K,
            (long long)L, (long long)units, (unsigned long)NN_IO_MAX_PARAMS);
      goto out;
    }
    if (has[1] &&
        alloc_param_count(DYNN_ALLOC_STATIC, 1, (size_t)sd, (size_t)sh) > (double)NN_IO_MAX_PARAMS) {
      rfail(&r, "attributes static_hidden = %lld, static_depth = %lld describe more than %lu parameters",
            (long long)sh, (long long)sd, (unsigned long)NN_IO_MAX_PARAMS);
      goto out;
    }
    dynn_domain_t dom = dynn_domain_default();
    dynn_params_t par = dynn_params_default(), norm = dynn_params_default();
    for (size_t i = 0; i < NPARAM; i++) {
      char name[64];
      snprintf(name, sizeof name, "param_%s", param_fields[i].name);
      if (nn_h5attr_double(&r, f, name, 0, &FLD(&par, param_fields[i])) < 0)
        goto out;
    }
    if (params_check(&r, &par) < 0)
      goto out;
    for (size_t i = 0; i < NNORM; i++) {
      char name[64];
      snprintf(name, sizeof name, "norm_%s", norm_fields[i].name);
      if (nn_h5attr_double(&r, f, name, 0, &FLD(&norm, norm_fields[i])) < 0)
        goto out;
    }
    if (norm_check(&r, &norm) < 0)
      goto out;
    if (nn_h5attr_int(&r, f, "domain_enabled", 0, 1, 0, &v) < 0)
      goto out;
    dom.enabled = (int)v;
    struct { const char *name; double *v; } dd[] = {
        {"domain_s_avg_min", &dom.s_avg_min}, {"domain_s_avg_max", &dom.s_avg_max},
        {"domain_c_avg_min", &dom.c_avg_min}, {"domain_c_avg_max", &dom.c_avg_max},
        {"domain_f_min", &dom.f_min},         {"domain_f_max", &dom.f_max},
        {"domain_p_no_cpu", &dom.p_no_cpu}};
    for (size_t i = 0; i < sizeof dd / sizeof dd[0]; i++)
      if (nn_h5attr_double(&r, f, dd[i].name, 0, dd[i].v) < 0)
        goto out;
    if (nn_h5attr_int(&r, f, "domain_n_min", 1, 100000, 0, &v) < 0)
      goto out;
    dom.n_min = (int)v;
    if (nn_h5attr_int(&r, f, "domain_n_max", 1, 100000, 0, &v) < 0)
      goto out;
    dom.n_max = (int)v;
    if (dynn_domain_check(&dom) < 0) {
      char why[1024];
      snprintf(why, sizeof why, "%s", dynn_err_);
      rfail(&r, "attributes 'domain_*' of '/': %s", why);
      goto out;
    }
    uint64_t seed = 0;
    int sgn = 0;
    if (nn_h5attr_int_raw(&r, f, "train_seed", 0, &seed, &sgn) < 0)
      goto out;
    /* every group must agree with its has_* flag */
    for (int g = 0; g < G_COUNT; g++) {
      htri_t ex = H5Lexists(f, grp_names[g], H5P_DEFAULT);
      if (has[grp_has[g]] && ex <= 0) {
        rfail(&r, "group '/%s' is missing (attribute '%s' is 1)", grp_names[g], has_names[grp_has[g]]);
        goto out;
      }
      if (!has[grp_has[g]] && ex > 0) {
        rfail(&r, "group '/%s' is present but attribute '%s' is 0", grp_names[g], has_names[grp_has[g]]);
        goto out;
      }
    }
    m = dynn_model_new(&par, &dom, seed);
    if (!m)
      goto out;
    m->norm = norm;
    if (has[0] && !(m->alloc[DYNN_ALLOC_MOE] = dynn_alloc_new(DYNN_ALLOC_MOE, (size_t)K, (size_t)L, (size_t)units,
                                                              &norm, 0)))
      goto fail;
    if (has[1] && !(m->alloc[DYNN_ALLOC_STATIC] = dynn_alloc_new(DYNN_ALLOC_STATIC, 1, (size_t)sd, (size_t)sh,
                                                                 &norm, 0)))
      goto fail;
    for (int v2 = 0; v2 < DYNN_POLICY_COUNT; v2++)
      if (has[2 + v2] && !(m->policy[v2] = dynn_policy_net_new(0)))
        goto fail;
    for (int v2 = 0; v2 < DYNN_SCHED_COUNT; v2++)
      if (has[5 + v2] && !(m->sched[v2] = dynn_sched_net_new(0)))
        goto fail;
    for (int g = 0; g < G_COUNT; g++) {
      nn_net_t *net = grp_net(m, (grp_t)g);
      if (net && load_into(&r, path, (grp_t)g, net) < 0)
        goto fail;
    }
    for (int v2 = 0; v2 < DYNN_POLICY_COUNT; v2++)
      if (m->policy[v2])
        nn_net_set_training(m->policy[v2], 0);
    for (int v2 = 0; v2 < DYNN_SCHED_COUNT; v2++)
      if (m->sched[v2])
        nn_net_set_training(m->sched[v2], 0);
    goto out;
  fail:
    dynn_model_free(m);
    m = NULL;
  out:;
  }
  H5E_END_TRY;
  H5Fclose(f);
  if (!m)
    set_err(err, errlen);
  return m;
}
