/* dynn_train_alloc.c - samples, the allocation model's training (eq. 19,
 * progressive shrinking, from scratch), held-out evaluation and the Fig. 12
 * training-cost experiment; see dynn_train.h. */
#include "policies/dynn/dynn_train.h"
#include "model/rng.h"
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Samples                                                                  */
/* ------------------------------------------------------------------------ */
size_t dynn_sample_slot(const dynn_params_t *base, const dynn_domain_t *d, int allow_no_cpu, gsl_rng *rng,
                        dynn_params_t *p, dynn_user_t *u)
{
  *p = *base;
  size_t n = (size_t)d->n_max;
  if (d->enabled) {
    p->s_avg = d->s_avg_min + (d->s_avg_max - d->s_avg_min) * gsl_rng_uniform(rng);
    p->c_avg = d->c_avg_min + (d->c_avg_max - d->c_avg_min) * gsl_rng_uniform(rng);
    double f = d->f_min + (d->f_max - d->f_min) * gsl_rng_uniform(rng);
    p->f_ser = p->f_infer = f;
    n = (size_t)d->n_min + gsl_rng_uniform_int(rng, (unsigned long)(d->n_max - d->n_min + 1));
    double q = gsl_rng_uniform(rng);
    if (allow_no_cpu && q < d->p_no_cpu)
      p->floc_min = p->floc_max = 0;
  }
  dynn_sample_users(p, rng, n, u);
  return n;
}

/* ------------------------------------------------------------------------ */
/* Loss of eq. (19) through the cross-user softmax                          */
/* ------------------------------------------------------------------------ */
double dynn_alloc_slot_loss(const dynn_params_t *p, const dynn_user_t *u, size_t n, const double *z, int which,
                            double *dz)
{
  if (n == 0)
    return 0;
  double mx = z[0];
  for (size_t i = 1; i < n; i++)
    if (z[i] > mx)
      mx = z[i];
  double *s = malloc(2 * n * sizeof *s);
  if (!s)
    return NAN;
  double *g = s + n, sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += (s[i] = exp(z[i] - mx));
  const double total = which ? p->f_ser : p->b_max;
  double loss = 0, sg = 0;
  for (size_t i = 0; i < n; i++) {
    s[i] /= sum;
    double r = total * s[i]; /* b_i or f_i */
    double w = dynn_weight(p, &u[i]);
    if (which == 0) {
      loss += w * dynn_t_tra(p, &u[i], r);
      g[i] = w * dynn_t_tra_db(p, &u[i], r) / (double)n; /* dL/db_i */
    } else {
      double cyc = u[i].c * u[i].s;
      loss += w * dynn_t_com(&u[i], r);
      g[i] = cyc > 0 ? -w * cyc / (r * r) / (double)n : 0; /* dL/df_i */
    }
    sg += s[i] * g[i];
  }
  /* r_i = total s_i: dL/dz_j = total s_j (g_j - sum_i s_i g_i) */
  if (dz)
    for (size_t j = 0; j < n; j++)
      dz[j] = total * s[j] * (g[j] - sg);
  free(s);
  return loss / (double)n;
}

/* ------------------------------------------------------------------------ */
/* Trainer                                                                  */
/* ------------------------------------------------------------------------ */
struct dynn_alloc_trainer {
  dynn_alloc_t *a;
  dynn_params_t base;
  dynn_domain_t dom;
  dynn_alloc_hyper_t h;
  gsl_rng *rng;
  nn_opt_t opt;
  uint64_t samples;
  size_t cap_users;
  dynn_params_t *p;     /* [slots] */
  size_t *n, *off;      /* [slots] */
  dynn_user_t *u;       /* [slots * n_max] */
  double *x, *z, *dz;   /* features, scores, their gradients */
};

dynn_alloc_hyper_t dynn_alloc_hyper_default(void)
{
  return (dynn_alloc_hyper_t){.lr = 1e-3, .slots = 8, .steps_full = 1000, .steps_width = 800,
                              .steps_depth1 = 400, .steps_depth2 = 800, .clip = 0};
}

dynn_alloc_hyper_t dynn_alloc_hyper_quick(void)
{
  return (dynn_alloc_hyper_t){.lr = 1e-3, .slots = 4, .steps_full = 150, .steps_width = 60, .steps_depth1 = 30,
                              .steps_depth2 = 60, .clip = 0};
}

static void set_training(dynn_alloc_t *a, int on)
{
  a->training = on;
  nn_net_set_training(a->body, on);
  nn_net_set_training(a->head_b, on);
  nn_net_set_training(a->head_f, on);
}

dynn_alloc_trainer_t *dynn_alloc_trainer_new(dynn_alloc_t *a, const dynn_params_t *base, const dynn_domain_t *d,
                                             const dynn_alloc_hyper_t *h, uint64_t seed)
{
  if (!a || !base || !d || !h) {
    dynn_fail("dynn training: missing argument");
    return NULL;
  }
  if (dynn_domain_check(d) < 0)
    return NULL;
  if (!(h->lr > 0) || h->slots < 1 || h->slots > 100000 || !(h->clip >= 0)) {
    dynn_fail("dynn training: learning rate %g must be > 0, slots %zu in 1..100000, clip %g >= 0", h->lr, h->slots,
              h->clip);
    return NULL;
  }
  dynn_alloc_trainer_t *t = calloc(1, sizeof *t);
  if (!t) {
    dynn_fail("dynn training: out of memory");
    return NULL;
  }
  t->a = a;
  t->base = *base;
  t->dom = *d;
  t->h = *h;
  t->rng = mec_rng_new(seed, MEC_STREAM_POLICY, 0xa11c);
  t->opt = nn_adam(h->lr);
  t->opt.clip_norm = h->clip;
  t->cap_users = h->slots * (size_t)d->n_max;
  t->p = calloc(h->slots, sizeof *t->p);
  t->n = calloc(2 * h->slots, sizeof *t->n);
  t->off = t->n + h->slots;
  t->u = calloc(t->cap_users, sizeof *t->u);
  t->x = calloc(t->cap_users * DYNN_N_FEATURES, sizeof *t->x);
  t->z = calloc(2 * t->cap_users, sizeof *t->z);
  t->dz = t->z + t->cap_users;
  if (!t->rng || !t->p || !t->n || !t->u || !t->x || !t->z) {
    dynn_alloc_trainer_free(t);
    dynn_fail("dynn training: out of memory");
    return NULL;
  }
  return t;
}

void dynn_alloc_trainer_free(dynn_alloc_trainer_t *t)
{
  if (!t)
    return;
  if (t->a)
    set_training(t->a, 0);
  if (t->rng)
    gsl_rng_free(t->rng);
  free(t->p);
  free(t->n);
  free(t->u);
  free(t->x);
  free(t->z);
  free(t);
}

uint64_t dynn_alloc_trainer_samples(const dynn_alloc_trainer_t *t) { return t->samples; }

/* Draws the minibatch; returns the number of users. */
static size_t draw_batch(dynn_alloc_trainer_t *t)
{
  size_t tot = 0;
  for (size_t s = 0; s < t->h.slots; s++) {
    t->off[s] = tot;
    t->n[s] = dynn_sample_slot(&t->base, &t->dom, 1, t->rng, &t->p[s], t->u + tot);
    for (size_t i = 0; i < t->n[s]; i++)
      dynn_features(&t->a->norm, &t->u[tot + i], t->x + (tot + i) * DYNN_N_FEATURES);
    tot += t->n[s];
  }
  t->samples += t->h.slots;
  return tot;
}

/* One update through head `which` (0: A / bandwidth, 1: B / CPU), summing
 * the gradients of the given sizes. Returns the mean (over sizes and slots)
 * loss, NAN on error. */
static double update(dynn_alloc_trainer_t *t, size_t tot, int which, const size_t *ks, const size_t *ls, size_t ns)
{
  dynn_alloc_t *a = t->a;
  nn_net_t *head = which ? a->head_f : a->head_b;
  nn_net_zero_grad(a->body);
  nn_net_zero_grad(head);
  double loss = 0;
  const double scale = 1.0 / (double)t->h.slots;
  for (size_t q = 0; q < ns; q++) {
    if (a->kind == DYNN_ALLOC_MOE && nn_net_set_moe_size(a->body, 0, ks[q], ls[q]) < 0) {
      dynn_fail("dynn training: %s", nn_last_error());
      return NAN;
    }
    const double *y = nn_net_forward(a->body, t->x, tot);
    const double *z = y ? nn_net_forward(head, y, tot) : NULL;
    if (!z) {
      dynn_fail("dynn training: %s", nn_last_error());
      return NAN;
    }
    memcpy(t->z, z, tot * sizeof *z);
    for (size_t s = 0; s < t->h.slots; s++) {
      double l = dynn_alloc_slot_loss(&t->p[s], t->u + t->off[s], t->n[s], t->z + t->off[s], which,
                                      t->dz + t->off[s]);
      loss += l;
    }
    for (size_t i = 0; i < tot; i++)
      t->dz[i] *= scale;
    const double *dy = NULL;
    if (nn_net_backward(head, t->dz, &dy) < 0 || nn_net_backward(a->body, dy, NULL) < 0) {
      dynn_fail("dynn training: %s", nn_last_error());
      return NAN;
    }
  }
  if (nn_net_step(a->body, &t->opt) < 0 || nn_net_step(head, &t->opt) < 0) {
    dynn_fail("dynn training: %s", nn_last_error());
    return NAN;
  }
  return loss / (double)(ns * t->h.slots);
}

int dynn_alloc_train_step_multi(dynn_alloc_trainer_t *t, const size_t *ks, const size_t *ls, size_t n_sizes,
                                double *la, double *lb)
{
  dynn_alloc_t *a = t->a;
  for (size_t q = 0; q < n_sizes; q++)
    if (a->kind == DYNN_ALLOC_MOE && (ks[q] < 1 || ks[q] > a->K || ls[q] < 1 || ls[q] > a->L))
      return dynn_fail("dynn training: size k = %zu, l = %zu outside 1..%zu, 1..%zu", ks[q], ls[q], a->K, a->L);
  if (!a->training)
    set_training(a, 1);
  size_t tot = draw_batch(t);
  double A = update(t, tot, 0, ks, ls, n_sizes);
  if (isnan(A))
    return -1;
  double B = update(t, tot, 1, ks, ls, n_sizes); /* same input, second update */
  if (isnan(B))
    return -1;
  if (la)
    *la = A;
  if (lb)
    *lb = B;
  return 0;
}

int dynn_alloc_train_step(dynn_alloc_trainer_t *t, size_t k, size_t l, double *la, double *lb)
{
  return dynn_alloc_train_step_multi(t, &k, &l, 1, la, lb);
}

/* Uniform integer in lo..hi. */
static size_t uni(gsl_rng *r, size_t lo, size_t hi) { return lo + gsl_rng_uniform_int(r, hi - lo + 1); }

int dynn_alloc_train(dynn_alloc_t *a, const dynn_params_t *base, const dynn_domain_t *d, const dynn_alloc_hyper_t *h,
                     uint64_t seed, dynn_log_fn log, void *ctx, long log_every)
{
  dynn_alloc_trainer_t *t = dynn_alloc_trainer_new(a, base, d, h, seed);
  if (!t)
    return -1;
  gsl_rng *r = mec_rng_new(seed, MEC_STREAM_POLICY, 0x5a3e);
  const size_t K = a->K, L = a->L;
  struct { const char *name; size_t steps; } st[4] = {
      {"full", h->steps_full}, {"width", h->steps_width}, {"depth1", h->steps_depth1}, {"depth2", h->steps_depth2}};
  size_t total = h->steps_full + h->steps_width + h->steps_depth1 + h->steps_depth2;
  if (a->kind == DYNN_ALLOC_STATIC) {
    st[0].name = "static";
    st[0].steps = total;
    st[1].steps = st[2].steps = st[3].steps = 0;
  }
  int rc = 0;
  long step = 0;
  for (int s = 0; s < 4 && rc == 0; s++) {
    double sa = 0, sb = 0;
    long cnt = 0;
    for (size_t i = 0; i < st[s].steps; i++) {
      size_t k = K, l = L;
      if (a->kind == DYNN_ALLOC_MOE) {
        if (s >= 1)
          k = uni(r, 1, K);
        if (s == 2)
          l = uni(r, L > 1 ? L - 1 : 1, L);
        if (s == 3)
          l = uni(r, 1, L);
      }
      double la, lb;
      if ((rc = dynn_alloc_train_step(t, k, l, &la, &lb)) < 0)
        break;
      sa += la, sb += lb, cnt++, step++;
      if (log && log_every > 0 && (step % log_every == 0 || i + 1 == st[s].steps)) {
        log(ctx, st[s].name, step, sa / cnt, sb / cnt, (double)dynn_alloc_trainer_samples(t));
        sa = sb = 0, cnt = 0;
      }
    }
  }
  gsl_rng_free(r);
  dynn_alloc_trainer_free(t);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Evaluation sets                                                          */
/* ------------------------------------------------------------------------ */
int dynn_evalset_make(dynn_evalset_t *e, const dynn_params_t *base, const dynn_domain_t *d, int allow_no_cpu,
                      size_t n_slots, uint64_t seed)
{
  memset(e, 0, sizeof *e);
  if (dynn_domain_check(d) < 0)
    return -1;
  if (n_slots < 1)
    return dynn_fail("dynn evaluation: need at least one slot");
  e->n_slots = n_slots;
  e->n = calloc(2 * n_slots, sizeof *e->n);
  e->p = calloc(n_slots, sizeof *e->p);
  e->u = calloc(n_slots * (size_t)d->n_max, sizeof *e->u);
  gsl_rng *r = mec_rng_new(seed, MEC_STREAM_POLICY, 0xe7a1);
  if (!e->n || !e->p || !e->u || !r) {
    if (r)
      gsl_rng_free(r);
    dynn_evalset_free(e);
    return dynn_fail("dynn evaluation: out of memory");
  }
  e->off = e->n + n_slots;
  size_t tot = 0;
  for (size_t s = 0; s < n_slots; s++) {
    e->off[s] = tot;
    e->n[s] = dynn_sample_slot(base, d, allow_no_cpu, r, &e->p[s], e->u + tot);
    tot += e->n[s];
  }
  gsl_rng_free(r);
  return 0;
}

void dynn_evalset_free(dynn_evalset_t *e)
{
  free(e->n);
  free(e->p);
  free(e->u);
  memset(e, 0, sizeof *e);
}

double dynn_alloc_eval(const dynn_alloc_t *a, const dynn_evalset_t *e, size_t k, size_t l, int infer)
{
  size_t nmax = 0;
  for (size_t s = 0; s < e->n_slots; s++)
    if (e->n[s] > nmax)
      nmax = e->n[s];
  double *b = malloc(2 * (nmax + 1) * sizeof *b), *f = b + nmax + 1;
  if (!b) {
    dynn_fail("dynn evaluation: out of memory");
    return NAN;
  }
  double acc = 0;
  for (size_t s = 0; s < e->n_slots; s++) {
    const dynn_params_t *p = &e->p[s];
    const dynn_user_t *u = e->u + e->off[s];
    size_t n = e->n[s];
    double ti = 0;
    if (a) {
      uint64_t macs = 0;
      if (dynn_alloc_infer(a, p, u, n, k, l, b, f, &macs) < 0) {
        free(b);
        return NAN;
      }
      ti = infer ? dynn_infer_s(p, (double)macs) : 0;
    } else {
      for (size_t i = 0; i < n; i++)
        b[i] = p->b_max / (double)n, f[i] = p->f_ser / (double)n;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++)
      sum += dynn_weight(p, &u[i]) * (ti + dynn_t_tra(p, &u[i], b[i]) + dynn_t_com(&u[i], f[i]));
    acc += sum / (double)n;
  }
  free(b);
  return acc / (double)e->n_slots;
}

/* ------------------------------------------------------------------------ */
/* Optimal allocation (reference)                                           */
/* ------------------------------------------------------------------------ */
/* b with -w dT/db(b) = nu, in [lo, hi] (g decreasing in b). */
static double b_for_nu(const dynn_params_t *p, const dynn_user_t *u, double w, double nu, double lo, double hi)
{
  if (-w * dynn_t_tra_db(p, u, hi) >= nu)
    return hi;
  for (int it = 0; it < 80; it++) {
    double mid = sqrt(lo * hi);
    if (-w * dynn_t_tra_db(p, u, mid) > nu)
      lo = mid;
    else
      hi = mid;
  }
  return sqrt(lo * hi);
}

int dynn_alloc_optimal(const dynn_params_t *p, const dynn_user_t *u, size_t n, double *b, double *f)
{
  if (n == 0)
    return 0;
  double *w = malloc(n * sizeof *w);
  if (!w)
    return dynn_fail("dynn optimum: out of memory");
  double sf = 0;
  size_t active = 0;
  for (size_t i = 0; i < n; i++) {
    w[i] = dynn_weight(p, &u[i]);
    double q = w[i] * u[i].c * u[i].s;
    f[i] = q > 0 ? sqrt(q) : 0;
    sf += f[i];
    active += w[i] > 0 && u[i].s > 0;
  }
  const double tiny = 1e-9;
  for (size_t i = 0; i < n; i++)
    f[i] = sf > 0 ? p->f_ser * (1 - tiny) * (f[i] > 0 ? f[i] / sf : 0) + (f[i] > 0 ? 0 : p->f_ser * tiny / (double)n)
                  : p->f_ser / (double)n;
  const double B = p->b_max * (1 - tiny), lo = B * 1e-12;
  if (active == 0) {
    for (size_t i = 0; i < n; i++)
      b[i] = p->b_max / (double)n;
    free(w);
    return 0;
  }
  /* sum_i b_i(nu) decreases in nu: bisection in log space */
  double nlo = 1e-30, nhi = 1e30;
  for (int it = 0; it < 200; it++) {
    double nu = sqrt(nlo * nhi), sum = 0;
    for (size_t i = 0; i < n; i++)
      if (w[i] > 0 && u[i].s > 0)
        sum += b_for_nu(p, &u[i], w[i], nu, lo, B);
    if (sum > B)
      nlo = nu;
    else
      nhi = nu;
    if (nhi / nlo < 1 + 1e-12)
      break;
  }
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    b[i] = w[i] > 0 && u[i].s > 0 ? b_for_nu(p, &u[i], w[i], nhi, lo, B) : 0;
    sum += b[i];
  }
  /* scale into the budget (sum <= B by construction up to the bisection
   * tolerance) and give the indifferent users a tiny share */
  for (size_t i = 0; i < n; i++)
    b[i] = b[i] > 0 ? b[i] * (B / fmax(sum, B)) : p->b_max * tiny / (double)n;
  free(w);
  return 0;
}

double dynn_alloc_eval_optimal(const dynn_evalset_t *e)
{
  size_t nmax = 0;
  for (size_t s = 0; s < e->n_slots; s++)
    if (e->n[s] > nmax)
      nmax = e->n[s];
  double *b = malloc(2 * (nmax + 1) * sizeof *b), *f = b ? b + nmax + 1 : NULL;
  if (!b) {
    dynn_fail("dynn evaluation: out of memory");
    return NAN;
  }
  double acc = 0;
  for (size_t s = 0; s < e->n_slots; s++) {
    const dynn_params_t *p = &e->p[s];
    const dynn_user_t *u = e->u + e->off[s];
    size_t n = e->n[s];
    if (dynn_alloc_optimal(p, u, n, b, f) < 0) {
      free(b);
      return NAN;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++)
      sum += dynn_weight(p, &u[i]) * (dynn_t_tra(p, &u[i], b[i]) + dynn_t_com(&u[i], f[i]));
    acc += sum / (double)n;
  }
  free(b);
  return acc / (double)e->n_slots;
}

/* ------------------------------------------------------------------------ */
/* Fig. 12                                                                  */
/* ------------------------------------------------------------------------ */
static const char *const dyn_names[DYNN_DYN_COUNT] = {"width", "depth", "both"};
static const char *const method_names[DYNN_METHOD_COUNT] = {"ps", "scratch"};
const char *dynn_dyn_kind_name(dynn_dyn_kind_t k) { return k >= 0 && k < DYNN_DYN_COUNT ? dyn_names[k] : "?"; }
const char *dynn_method_name(dynn_method_t m) { return m >= 0 && m < DYNN_METHOD_COUNT ? method_names[m] : "?"; }

dynn_fig12_cfg_t dynn_fig12_cfg_default(void)
{
  dynn_fig12_cfg_t c = {.h = dynn_alloc_hyper_default(),
                        .ref_steps = 1000,
                        .target_frac = 0.01,
                        .check_every = 25,
                        .max_steps = 5000,
                        .val_slots = 48,
                        .scratch_random = 2};
  return c;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Is sub-network (k, l) part of this kind of dynamism? */
static int in_kind(dynn_dyn_kind_t kind, size_t k, size_t l, size_t K, size_t L)
{
  switch (kind) {
  case DYNN_DYN_WIDTH: return l == L;
  case DYNN_DYN_DEPTH: return k == K;
  default: return 1;
  }
  (void)k;
}

/* Validation losses of the sub-networks of a kind satisfying lmin <= l (and
 * the kind); returns the largest normalised gap (loss - target) / (eq -
 * ref) (<= 0: all reached), NAN on error. */
static double worst_gap(const dynn_alloc_t *a, const dynn_evalset_t *val, dynn_dyn_kind_t kind, size_t lmin,
                        const double *ref, const double *target, double eq)
{
  double worst = -INFINITY;
  for (size_t k = 1; k <= a->K; k++)
    for (size_t l = lmin; l <= a->L; l++) {
      if (!in_kind(kind, k, l, a->K, a->L))
        continue;
      double v = dynn_alloc_eval(a, val, k, l, 0);
      if (isnan(v))
        return NAN;
      size_t i = (k - 1) * a->L + (l - 1);
      double g = (v - target[i]) / fmax(eq - ref[i], 1e-12);
      if (g > worst)
        worst = g;
    }
  return worst;
}

int dynn_fig12(const dynn_params_t *base, const dynn_domain_t *d, size_t K, size_t L, size_t units,
               const dynn_fig12_cfg_t *c, uint64_t seed, dynn_fig12_row_t *rows, dynn_log_fn log, void *ctx)
{
  if (!(c->target_frac > 0 && c->target_frac < 1) || c->check_every < 1 || c->val_slots < 1 || c->max_steps < 1)
    return dynn_fail("dynn fig12: target_frac must be in (0, 1), check_every, val_slots and max_steps >= 1");
  dynn_evalset_t val;
  if (dynn_evalset_make(&val, base, d, 1, c->val_slots, seed + 7777777) < 0)
    return -1;
  const dynn_params_t norm = dynn_params_default();
  int rc = -1;
  double *ref = calloc(2 * K * L, sizeof *ref), *target = ref ? ref + K * L : NULL;
  dynn_alloc_t *a = NULL;
  if (!ref) {
    dynn_fail("dynn fig12: out of memory");
    goto out;
  }
  const double eq = dynn_alloc_eval(NULL, &val, 0, 0, 0);
  /* reference: a long progressive-shrinking run */
  {
    dynn_alloc_hyper_t h = c->h;
    h.steps_full = h.steps_width = h.steps_depth2 = c->ref_steps;
    h.steps_depth1 = c->ref_steps / 2;
    a = dynn_alloc_new(DYNN_ALLOC_MOE, K, L, units, &norm, seed + 1);
    if (!a || dynn_alloc_train(a, base, d, &h, seed + 2, log, ctx, 0) < 0)
      goto out;
    for (size_t k = 1; k <= K; k++)
      for (size_t l = 1; l <= L; l++) {
        size_t i = (k - 1) * L + (l - 1);
        ref[i] = dynn_alloc_eval(a, &val, k, l, 0);
        if (isnan(ref[i]))
          goto out;
        ref[i] = fmin(ref[i], eq); /* a reference worse than the equal split would make no target */
        target[i] = ref[i] + c->target_frac * (eq - ref[i]);
      }
    if (log)
      log(ctx, "fig12-ref", 0, ref[K * L - 1], ref[0], eq);
    dynn_alloc_free(a);
    a = NULL;
  }
  for (int kind = 0; kind < DYNN_DYN_COUNT; kind++)
    for (int meth = 0; meth < DYNN_METHOD_COUNT; meth++) {
      dynn_fig12_row_t *row = &rows[kind * DYNN_METHOD_COUNT + meth];
      memset(row, 0, sizeof *row);
      row->kind = (dynn_dyn_kind_t)kind;
      row->method = (dynn_method_t)meth;
      /* same initial weights and samples for both methods */
      a = dynn_alloc_new(DYNN_ALLOC_MOE, K, L, units, &norm, seed + 11);
      dynn_alloc_trainer_t *t = a ? dynn_alloc_trainer_new(a, base, d, &c->h, seed + 12) : NULL;
      gsl_rng *r = mec_rng_new(seed + 13, MEC_STREAM_POLICY, 0xf12);
      if (!t || !r) {
        if (r)
          gsl_rng_free(r);
        dynn_alloc_trainer_free(t);
        goto out;
      }
      /* PS phases: 0 full, then width (k ~ 1..K at l = L), then depth
       * (l ~ L-1..L, then 1..L; with k ~ 1..K for "both", k = K for
       * "depth"). A phase ends when its sub-networks reached their targets. */
      int phase = 0;
      double wall = 0, gap = INFINITY;
      uint64_t steps = 0, passes = 0;
      int err = 0;
      while (steps < c->max_steps) {
        double t0 = now_s();
        for (size_t i = 0; i < c->check_every && steps < c->max_steps; i++, steps++) {
          size_t ks[16], ls[16], ns = 0;
          if (meth == DYNN_METHOD_PS) {
            size_t k = K, l = L;
            int wide = kind != DYNN_DYN_DEPTH;  /* width is elastic */
            int deep = kind != DYNN_DYN_WIDTH;  /* depth is elastic */
            if (phase >= 1 && wide)
              k = uni(r, 1, K);
            if (phase >= 1 && deep && !(kind == DYNN_DYN_BOTH && phase == 1))
              l = uni(r, (kind == DYNN_DYN_BOTH ? phase == 2 : phase == 1) && L > 1 ? L - 1 : 1, L);
            ks[0] = k, ls[0] = l, ns = 1;
          } else {
            /* sandwich rule: largest, smallest, and random ones of the kind */
            ks[0] = K, ls[0] = L;
            ks[1] = kind == DYNN_DYN_DEPTH ? K : 1;
            ls[1] = kind == DYNN_DYN_WIDTH ? L : 1;
            ns = 2;
            for (size_t q = 0; q < c->scratch_random && ns < 16; q++, ns++) {
              ks[ns] = kind == DYNN_DYN_DEPTH ? K : uni(r, 1, K);
              ls[ns] = kind == DYNN_DYN_WIDTH ? L : uni(r, 1, L);
            }
          }
          if (dynn_alloc_train_step_multi(t, ks, ls, ns, NULL, NULL) < 0) {
            err = 1;
            break;
          }
          passes += ns;
        }
        wall += now_s() - t0;
        if (err)
          break;
        /* validation (not timed) */
        gap = worst_gap(a, &val, (dynn_dyn_kind_t)kind, 1, ref, target, eq);
        if (isnan(gap)) {
          err = 1;
          break;
        }
        if (log)
          log(ctx, "fig12", (long)steps, gap, (double)phase, (double)(kind * 10 + meth));
        if (gap <= 0)
          break;
        if (meth == DYNN_METHOD_PS) {
          /* advance the phase once its sub-networks are done */
          for (;;) {
            int last = kind == DYNN_DYN_BOTH ? 3 : kind == DYNN_DYN_DEPTH ? 2 : 1;
            if (phase >= last)
              break;
            /* the sub-networks the current phase trains */
            double gp;
            if (phase == 0) {
              size_t i = K * L - 1;
              gp = (dynn_alloc_eval(a, &val, K, L, 0) - target[i]) / fmax(eq - ref[i], 1e-12);
            } else if (kind == DYNN_DYN_BOTH && phase == 1) {
              gp = worst_gap(a, &val, DYNN_DYN_WIDTH, 1, ref, target, eq);
            } else {
              gp = worst_gap(a, &val, (dynn_dyn_kind_t)kind, L > 1 ? L - 1 : 1, ref, target, eq);
            }
            if (isnan(gp) || gp > 0)
              break;
            phase++;
          }
        }
      }
      row->reached = !err && gap <= 0;
      row->wall_s = wall;
      row->samples = dynn_alloc_trainer_samples(t);
      row->steps = steps;
      row->subnet_passes = passes;
      row->worst_gap = gap;
      gsl_rng_free(r);
      dynn_alloc_trainer_free(t);
      dynn_alloc_free(a);
      a = NULL;
      if (err)
        goto out;
      if (log)
        log(ctx, "fig12-done", (long)steps, row->wall_s, (double)row->samples, (double)(kind * 10 + meth));
    }
  rc = 0;
out:
  dynn_alloc_free(a);
  free(ref);
  dynn_evalset_free(&val);
  return rc;
}
