/* memtl_data.c - MEMTL datasets: sampling, labelling, the HDF5 and CSV
 * files, features, splits and bootstrap (memtl_data.h). */
#include "policies/memtl/memtl_data.h"
#include "model/rng.h"
#include "nn/nn_h5attr.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FORMAT "mecsim-memtl-dataset"
#define FORMAT_VERSION 1
#define MAX_SAMPLES 100000000    /* 10^8: bound on n before anything is allocated */
#define MAX_REDRAWS 1000000      /* truncated normal: redraws before clamping */
#define SUM_TOL 1e-9             /* sum of R over a sample may exceed 1 by this */
#define BETA_TOL 1e-6            /* CSV: |beta - (1 - alpha)| */
#define N_INPUTS 7               /* /inputs columns */
#define CSV_COLS(n_mt) (7 * (n_mt) + 1)

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */
static char err_[1024]; /* the last message: one buffer for every thread, not thread-safe */

const char *memtl_data_error(void) { return err_; }

static int dfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int dfail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err_, sizeof err_, fmt, ap);
  va_end(ap);
  return -1;
}

/* The message of a check that does not know its caller, prefixed by it. */
static int prefix_error(const char *pre)
{
  char why[sizeof err_];
  snprintf(why, sizeof why, "%s", err_);
  return dfail("%s%s", pre, why);
}

/* ------------------------------------------------------------------------ */
/* Field tables shared by the checks, the file writer and the reader        */
/* ------------------------------------------------------------------------ */
typedef struct field {
  const char *name;
  size_t off;
} field_t;

static const field_t param_fields[] = {
    {"f_server", offsetof(memtl_params_t, f_server)}, {"kappa", offsetof(memtl_params_t, kappa)},
    {"p_up", offsetof(memtl_params_t, p_up)},         {"p_exec", offsetof(memtl_params_t, p_exec)},
    {"p_down", offsetof(memtl_params_t, p_down)},     {"bandwidth", offsetof(memtl_params_t, bandwidth)},
    {"noise_w", offsetof(memtl_params_t, noise_w)}};
#define N_PARAMS (sizeof param_fields / sizeof param_fields[0])

/* The sampler's distributions, with the range their values must stay in. */
static const struct {
  const char *name;
  size_t off;
  double lo, hi;
} dist_fields[] = {{"up_bits", offsetof(memtl_sampler_t, up_bits), 0, INFINITY},
                   {"f_local", offsetof(memtl_sampler_t, f_local), 0, INFINITY},
                   {"h", offsetof(memtl_sampler_t, h), 0, INFINITY},
                   {"alpha", offsetof(memtl_sampler_t, alpha), 0, 1},
                   {"deadline", offsetof(memtl_sampler_t, deadline), -INFINITY, INFINITY}};
#define N_DISTS (sizeof dist_fields / sizeof dist_fields[0])

static const char *const kind_names[] = {"const", "uniform", "trunc_normal", "log_uniform"};
#define N_KINDS (sizeof kind_names / sizeof kind_names[0])

static const char *const channel_names[] = {"orthogonal", "interference"};

#define FLD(ptr, off) (*(double *)((char *)(ptr) + (off)))
#define CFLD(ptr, off) (*(const double *)((const char *)(ptr) + (off)))
#define DIST(s, i) ((memtl_dist_t *)((char *)(s) + dist_fields[i].off))
#define CDIST(s, i) ((const memtl_dist_t *)((const char *)(s) + dist_fields[i].off))

/* ------------------------------------------------------------------------ */
/* Checks (each sets the message without a prefix)                          */
/* ------------------------------------------------------------------------ */
static int nonneg(double x) { return isfinite(x) && x >= 0; }

/* What memtl_precompute accepts, with the reason when not. */
static int params_check(const memtl_params_t *p)
{
  for (size_t i = 0; i < N_PARAMS; i++) {
    double v = CFLD(p, param_fields[i].off);
    if (!nonneg(v))
      return dfail("parameter '%s' is %g, expected finite and >= 0", param_fields[i].name, v);
  }
  if (p->channel != MEMTL_CHANNEL_ORTHOGONAL && p->channel != MEMTL_CHANNEL_INTERFERENCE)
    return dfail("channel %d is neither orthogonal (0) nor interference (1)", (int)p->channel);
  return 0;
}

static int dist_check(const memtl_dist_t *d, const char *name, double lo_min, double hi_max)
{
  if ((unsigned)d->kind >= N_KINDS)
    return dfail("distribution of '%s': unknown kind %d", name, (int)d->kind);
  if (!isfinite(d->lo) || !isfinite(d->hi) || !isfinite(d->mu) || !isfinite(d->sigma))
    return dfail("distribution of '%s': lo %g, hi %g, mu %g, sigma %g must all be finite", name, d->lo, d->hi,
                 d->mu, d->sigma);
  double hi = d->kind == MEMTL_DIST_CONST ? d->lo : d->hi;
  if (!(d->lo <= hi && d->lo >= lo_min && hi <= hi_max))
    return dfail("distribution of '%s': range [%g, %g] must be ordered and within [%g, %g]", name, d->lo, hi,
                 lo_min, hi_max);
  if (d->kind == MEMTL_DIST_TRUNC_NORMAL && !(d->sigma >= 0))
    return dfail("distribution of '%s': sigma %g must be >= 0", name, d->sigma);
  if (d->kind == MEMTL_DIST_LOG_UNIFORM && !(d->lo > 0))
    return dfail("distribution of '%s': log-uniform needs lo > 0 (lo is %g)", name, d->lo);
  return 0;
}

static int sampler_check(const memtl_sampler_t *s)
{
  for (size_t i = 0; i < N_DISTS; i++)
    if (dist_check(CDIST(s, i), dist_fields[i].name, dist_fields[i].lo, dist_fields[i].hi) < 0)
      return -1;
  if (!nonneg(s->cycles_per_bit) || !nonneg(s->down_ratio))
    return dfail("sampler: cycles_per_bit %g and down_ratio %g must be finite and >= 0", s->cycles_per_bit,
                 s->down_ratio);
  return 0;
}

static int step_check(double step)
{
  if (!memtl_grid_units(step))
    return dfail("step %g is not a grid step (1/step an integer <= %d)", step, MEMTL_MAX_GRID);
  return 0;
}

/* One MT's inputs as the files hold them (no own rates). */
static int mt_check(const memtl_mt_t *m, size_t i, size_t j)
{
  const struct { const char *name; double v; } nn[] = {
      {"up_bits", m->up_bits}, {"cycles", m->cycles}, {"down_bits", m->down_bits},
      {"f_local", m->f_local}, {"h", m->h}};
  for (size_t k = 0; k < sizeof nn / sizeof nn[0]; k++)
    if (!nonneg(nn[k].v))
      return dfail("sample %zu, MT %zu: %s = %g, expected finite and >= 0", i, j, nn[k].name, nn[k].v);
  if (!isfinite(m->deadline))
    return dfail("sample %zu, MT %zu: deadline = %g, expected finite", i, j, m->deadline);
  if (!(m->alpha >= 0 && m->alpha <= 1))
    return dfail("sample %zu, MT %zu: alpha = %g, expected in [0, 1]", i, j, m->alpha);
  if (m->rate_up != 0 || m->rate_down != 0)
    return dfail("sample %zu, MT %zu: carries its own rates (%g, %g), which dataset files do not hold", i, j,
                 m->rate_up, m->rate_down);
  return 0;
}

/* Sample i's label: d binary, code its class, r fractions summing to <= 1,
 * 0 for local MTs, cost >= 0 (+inf allowed: a sample whose every decision
 * has no finite cost), feasible binary. */
static int label_check(const memtl_dataset_t *ds, size_t i)
{
  const size_t N = ds->n_mt;
  const int *d = ds->d + i * N;
  const double *r = ds->r + i * N;
  double sum = 0;
  for (size_t j = 0; j < N; j++) {
    if (d[j] != 0 && d[j] != 1)
      return dfail("sample %zu, MT %zu: d = %d, expected 0 or 1 ('/d')", i, j, d[j]);
    if (!(r[j] >= 0 && r[j] <= 1))
      return dfail("sample %zu, MT %zu: r = %g, expected a finite fraction in [0, 1] ('/r')", i, j, r[j]);
    if (!d[j] && r[j] != 0)
      return dfail("sample %zu, MT %zu: r = %g for a local MT, expected 0 ('/r')", i, j, r[j]);
    sum += r[j];
  }
  if (!(sum <= 1 + SUM_TOL))
    return dfail("sample %zu: the fractions sum to %.17g, expected <= 1 ('/r')", i, sum);
  if (ds->code[i] != memtl_code(d, N))
    return dfail("sample %zu: code %u is not the class of d (%u) ('/code')", i, ds->code[i], memtl_code(d, N));
  if (isnan(ds->cost[i]) || ds->cost[i] < 0)
    return dfail("sample %zu: cost = %g, expected >= 0 ('/cost')", i, ds->cost[i]);
  if (ds->feasible[i] != 0 && ds->feasible[i] != 1)
    return dfail("sample %zu: feasible = %d, expected 0 or 1 ('/feasible')", i, ds->feasible[i]);
  return 0;
}

/* Everything a file holds, before writing it and after reading it. */
static int dataset_check(const memtl_dataset_t *ds)
{
  if (ds->n_mt < 1 || ds->n_mt > MEMTL_MAX_N || ds->n > MAX_SAMPLES)
    return dfail("%zu samples of %zu MTs, expected at most %d samples of 1..%d MTs", ds->n, ds->n_mt, MAX_SAMPLES,
                 MEMTL_MAX_N);
  if (params_check(&ds->params) < 0 || step_check(ds->step) < 0 || sampler_check(&ds->sampler) < 0)
    return -1;
  if (memchr(ds->generator, 0, sizeof ds->generator) == NULL ||
      memchr(ds->sampler_name, 0, sizeof ds->sampler_name) == NULL)
    return dfail("generator or sampler name is not a terminated string");
  for (size_t i = 0; i < ds->n; i++) {
    for (size_t j = 0; j < ds->n_mt; j++)
      if (mt_check(&ds->mt[i * ds->n_mt + j], i, j) < 0)
        return -1;
    if (label_check(ds, i) < 0)
      return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Sampling                                                                 */
/* ------------------------------------------------------------------------ */
int memtl_sampler_preset(const char *name, memtl_sampler_t *out)
{
  const memtl_dist_t u01 = {.kind = MEMTL_DIST_UNIFORM, .lo = 0, .hi = 1};
  memtl_sampler_t s = {.up_bits = {.kind = MEMTL_DIST_UNIFORM, .lo = 0, .hi = 5e5},
                       .f_local = {.kind = MEMTL_DIST_UNIFORM, .lo = 0, .hi = 1e9},
                       .h = u01,
                       .alpha = u01,
                       .deadline = {.kind = MEMTL_DIST_CONST, .lo = 1, .hi = 1},
                       .cycles_per_bit = 3e3,
                       .down_ratio = 0};
  if (name && strcmp(name, "mtfnn-co-2024") == 0) {
    s.up_bits = (memtl_dist_t){.kind = MEMTL_DIST_TRUNC_NORMAL, .lo = 0, .hi = 5e5, .mu = 2.5e5, .sigma = 5e4};
    s.f_local = (memtl_dist_t){.kind = MEMTL_DIST_TRUNC_NORMAL, .lo = 0, .hi = 1e9, .mu = 5e8, .sigma = 2e8};
  } else if (!name || strcmp(name, "mtfnn-co") != 0) {
    return dfail("unknown sampler preset '%s' (known: mtfnn-co, mtfnn-co-2024)", name ? name : "(null)");
  }
  if (out)
    *out = s;
  return 0;
}

/* "up_bits=uniform:1e4:2.5e5": one of the sampler's distributions, or
 * cycles_per_bit= / down_ratio= with a number. The text forms are const:X,
 * uniform:LO:HI, trunc_normal:MU:SIGMA:LO:HI and log_uniform:LO:HI; every
 * number must parse whole and the result pass the generator's checks. */
int memtl_sampler_set(memtl_sampler_t *s, const char *kv)
{
  char key[32], spec[256];
  const char *eq = strchr(kv, '=');
  if (!eq || (size_t)(eq - kv) >= sizeof key || strlen(eq + 1) >= sizeof spec)
    return dfail("sampler setting '%s': expected NAME=SPEC (up_bits, f_local, h, alpha, deadline, "
                 "cycles_per_bit, down_ratio)", kv);
  memcpy(key, kv, (size_t)(eq - kv));
  key[eq - kv] = 0;
  snprintf(spec, sizeof spec, "%s", eq + 1);
  memtl_sampler_t t = *s;
  if (!strcmp(key, "cycles_per_bit") || !strcmp(key, "down_ratio")) {
    char *end;
    double v = strtod(spec, &end);
    if (!*spec || *end)
      return dfail("sampler setting '%s': '%s' is not a number", key, spec);
    *(!strcmp(key, "cycles_per_bit") ? &t.cycles_per_bit : &t.down_ratio) = v;
  } else {
    size_t i = 0;
    while (i < N_DISTS && strcmp(dist_fields[i].name, key))
      i++;
    if (i == N_DISTS)
      return dfail("sampler setting '%s': unknown name (up_bits, f_local, h, alpha, deadline, cycles_per_bit, "
                   "down_ratio)", key);
    double v[4] = {0};
    int nv = 0;
    char *colon = strchr(spec, ':'), *tok;
    if (!colon)
      return dfail("sampler setting '%s': '%s' has no KIND:NUMBERS", key, spec);
    *colon = 0;
    size_t k = 0;
    while (k < N_KINDS && strcmp(kind_names[k], spec))
      k++;
    if (k == N_KINDS)
      return dfail("sampler setting '%s': unknown kind '%s' (const, uniform, trunc_normal, log_uniform)", key, spec);
    const int want[] = {1, 2, 4, 2};
    for (tok = colon + 1;; nv++) {
      char *end;
      if (nv == 4)
        return dfail("sampler setting '%s': %s takes %d numbers", key, kind_names[k], want[k]);
      v[nv] = strtod(tok, &end);
      if (end == tok || (*end && *end != ':'))
        return dfail("sampler setting '%s': '%s' is not a number", key, tok);
      if (!*end) {
        nv++;
        break;
      }
      tok = end + 1;
    }
    if (nv != want[k])
      return dfail("sampler setting '%s': %s takes %d numbers, got %d", key, kind_names[k], want[k], nv);
    memtl_dist_t d = {.kind = (memtl_dist_kind_t)k};
    if (k == MEMTL_DIST_CONST)
      d.lo = d.hi = v[0];
    else if (k == MEMTL_DIST_TRUNC_NORMAL)
      d.mu = v[0], d.sigma = v[1], d.lo = v[2], d.hi = v[3];
    else
      d.lo = v[0], d.hi = v[1];
    *(memtl_dist_t *)((char *)&t + dist_fields[i].off) = d;
  }
  if (sampler_check(&t) < 0)
    return prefix_error("sampler: ");
  *s = t;
  return 0;
}

/* NaN for a distribution dist_check refuses (the generator checks first).
 * The truncated normal redraws like the public code's range_random, but at
 * most MAX_REDRAWS times, then clamps to [lo, hi] (a range far in a tail). */
double memtl_dist_draw(const memtl_dist_t *d, gsl_rng *rng)
{
  switch (d->kind) {
  case MEMTL_DIST_CONST:
    return d->lo;
  case MEMTL_DIST_UNIFORM:
    return d->lo + (d->hi - d->lo) * gsl_rng_uniform(rng);
  case MEMTL_DIST_TRUNC_NORMAL: {
    double x = d->mu;
    for (long k = 0; k < MAX_REDRAWS; k++) {
      x = d->mu + gsl_ran_gaussian(rng, d->sigma);
      if (x >= d->lo && x <= d->hi)
        return x;
    }
    return x < d->lo ? d->lo : (x > d->hi ? d->hi : x);
  }
  case MEMTL_DIST_LOG_UNIFORM:
    if (!(d->lo > 0 && d->hi >= d->lo))
      return NAN;
    return exp(log(d->lo) + (log(d->hi) - log(d->lo)) * gsl_rng_uniform(rng));
  }
  return NAN;
}

void memtl_sample_mt(const memtl_sampler_t *s, gsl_rng *rng, memtl_mt_t *mt)
{
  memset(mt, 0, sizeof *mt);
  mt->up_bits = memtl_dist_draw(&s->up_bits, rng);
  mt->f_local = memtl_dist_draw(&s->f_local, rng);
  mt->h = memtl_dist_draw(&s->h, rng);
  mt->alpha = memtl_dist_draw(&s->alpha, rng);
  mt->deadline = memtl_dist_draw(&s->deadline, rng);
  mt->cycles = s->cycles_per_bit * mt->up_bits;
  mt->down_bits = s->down_ratio * mt->up_bits;
}

/* ------------------------------------------------------------------------ */
/* Datasets                                                                 */
/* ------------------------------------------------------------------------ */
memtl_dataset_t *memtl_dataset_new(size_t n, size_t n_mt)
{
  if (n_mt < 1 || n_mt > MEMTL_MAX_N || n > MAX_SAMPLES) {
    dfail("dataset of %zu samples of %zu MTs: expected at most %d samples of 1..%d MTs", n, n_mt, MAX_SAMPLES,
          MEMTL_MAX_N);
    return NULL;
  }
  memtl_dataset_t *ds = calloc(1, sizeof *ds);
  size_t cells = n * n_mt + 1, rows = n + 1; /* + 1: never a zero-sized allocation */
  if (ds) {
    ds->n = n;
    ds->n_mt = n_mt;
    ds->mt = calloc(cells, sizeof *ds->mt);
    ds->d = calloc(cells, sizeof *ds->d);
    ds->r = calloc(cells, sizeof *ds->r);
    ds->code = calloc(rows, sizeof *ds->code);
    ds->cost = calloc(rows, sizeof *ds->cost);
    ds->feasible = calloc(rows, sizeof *ds->feasible);
  }
  if (!ds || !ds->mt || !ds->d || !ds->r || !ds->code || !ds->cost || !ds->feasible) {
    memtl_dataset_free(ds);
    dfail("dataset of %zu samples of %zu MTs: out of memory", n, n_mt);
    return NULL;
  }
  return ds;
}

void memtl_dataset_free(memtl_dataset_t *ds)
{
  if (!ds)
    return;
  free(ds->mt);
  free(ds->d);
  free(ds->r);
  free(ds->code);
  free(ds->cost);
  free(ds->feasible);
  free(ds);
}

void memtl_dataset_set_label(memtl_dataset_t *ds, size_t i, const memtl_label_t *lab)
{
  for (size_t j = 0; j < ds->n_mt; j++) {
    ds->d[i * ds->n_mt + j] = lab->d[j];
    ds->r[i * ds->n_mt + j] = lab->r[j];
  }
  ds->code[i] = lab->code;
  ds->cost[i] = lab->cost;
  ds->feasible[i] = lab->feasible;
}

static void progress_at(memtl_progress_fn fn, void *ctx, size_t done, size_t total, size_t every)
{
  if (fn && (done == total || (every && done % every == 0)))
    fn(ctx, done, total);
}

/* Labels every sample of ds at `step` (inputs already checked). */
static int label_all(memtl_dataset_t *ds, double step, memtl_progress_fn progress, void *ctx, size_t every)
{
  for (size_t i = 0; i < ds->n; i++) {
    memtl_label_t lab;
    if (memtl_label_exact(&ds->params, ds->mt + i * ds->n_mt, ds->n_mt, step, &lab) < 0)
      return dfail("sample %zu: the label generator refused its inputs", i);
    memtl_dataset_set_label(ds, i, &lab);
    progress_at(progress, ctx, i + 1, ds->n, every);
  }
  if (ds->n == 0 && progress)
    progress(ctx, 0, 0);
  ds->step = step;
  snprintf(ds->generator, sizeof ds->generator, "mecsim exact");
  return 0;
}

memtl_dataset_t *memtl_dataset_generate(const memtl_params_t *p, const memtl_sampler_t *s, size_t n_mt,
                                        size_t n, double step, uint64_t seed, memtl_progress_fn progress,
                                        void *ctx, size_t every)
{
  if (!p || !s) {
    dfail("memtl dataset generation: no parameters or sampler given");
    return NULL;
  }
  if (params_check(p) < 0 || sampler_check(s) < 0 || step_check(step) < 0) {
    prefix_error("memtl dataset generation: ");
    return NULL;
  }
  memtl_dataset_t *ds = memtl_dataset_new(n, n_mt);
  gsl_rng *rng = ds ? mec_rng_new(seed, MEC_STREAM_TRAINING, 0) : NULL;
  if (!rng) {
    if (ds)
      dfail("memtl dataset generation: out of memory");
    memtl_dataset_free(ds);
    return NULL;
  }
  ds->params = *p;
  ds->sampler = *s;
  ds->seed = seed;
  snprintf(ds->sampler_name, sizeof ds->sampler_name, "custom");
  for (size_t i = 0; i < n * n_mt; i++)
    memtl_sample_mt(s, rng, &ds->mt[i]); /* sample-major: sample i's MTs in order */
  gsl_rng_free(rng);
  if (label_all(ds, step, progress, ctx, every) < 0) {
    prefix_error("memtl dataset generation: ");
    memtl_dataset_free(ds);
    return NULL;
  }
  return ds;
}

int memtl_dataset_relabel(memtl_dataset_t *ds, double step, memtl_progress_fn progress, void *ctx, size_t every)
{
  if (!ds)
    return dfail("memtl relabel: no dataset given");
  if (params_check(&ds->params) < 0 || step_check(step) < 0)
    return prefix_error("memtl relabel: ");
  /* every input checked first, so a refusal leaves the labels as they were */
  memtl_pre_t pre[MEMTL_MAX_N];
  for (size_t i = 0; i < ds->n; i++)
    if (memtl_precompute(&ds->params, ds->mt + i * ds->n_mt, ds->n_mt, pre) < 0)
      return dfail("memtl relabel: sample %zu has an input that is not finite, negative or alpha outside [0, 1]",
                   i);
  if (label_all(ds, step, progress, ctx, every) < 0)
    return prefix_error("memtl relabel: ");
  return 0;
}

/* Everything but the samples: parameters and provenance. */
static void copy_meta(memtl_dataset_t *dst, const memtl_dataset_t *src)
{
  dst->params = src->params;
  dst->step = src->step;
  dst->sampler = src->sampler;
  dst->seed = src->seed;
  memcpy(dst->generator, src->generator, sizeof dst->generator);
  memcpy(dst->sampler_name, src->sampler_name, sizeof dst->sampler_name);
}

memtl_dataset_t *memtl_dataset_subset(const memtl_dataset_t *ds, const size_t *idx, size_t m)
{
  if (!ds || (m && !idx)) {
    dfail("memtl dataset subset: no dataset or indices given");
    return NULL;
  }
  for (size_t k = 0; k < m; k++)
    if (idx[k] >= ds->n) {
      dfail("memtl dataset subset: index %zu is %zu, the dataset has %zu samples", k, idx[k], ds->n);
      return NULL;
    }
  memtl_dataset_t *out = memtl_dataset_new(m, ds->n_mt);
  if (!out)
    return NULL;
  const size_t N = ds->n_mt;
  for (size_t k = 0; k < m; k++) {
    size_t i = idx[k];
    memcpy(out->mt + k * N, ds->mt + i * N, N * sizeof *ds->mt);
    memcpy(out->d + k * N, ds->d + i * N, N * sizeof *ds->d);
    memcpy(out->r + k * N, ds->r + i * N, N * sizeof *ds->r);
    out->code[k] = ds->code[i];
    out->cost[k] = ds->cost[i];
    out->feasible[k] = ds->feasible[i];
  }
  copy_meta(out, ds);
  return out;
}

/* ------------------------------------------------------------------------ */
/* HDF5 file: writing                                                       */
/* ------------------------------------------------------------------------ */
static int write_dset(hid_t f, const char *name, int rank, const hsize_t *dims, hid_t ftype, hid_t mtype,
                      const void *buf)
{
  hid_t sp = H5Screate_simple(rank, dims, NULL);
  hid_t d = sp >= 0 ? H5Dcreate2(f, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
  hsize_t count = 1;
  for (int k = 0; k < rank; k++)
    count *= dims[k];
  int rc = d >= 0 && (count == 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) ? 0 : -1;
  if (d >= 0)
    H5Dclose(d);
  if (sp >= 0)
    H5Sclose(sp);
  return rc;
}

static int write_attrs(hid_t f, const memtl_dataset_t *ds)
{
  int rc = nn_h5attr_write_str(f, "format", FORMAT) | nn_h5attr_write_i64(f, "format_version", FORMAT_VERSION) |
           nn_h5attr_write_i64(f, "n", (int64_t)ds->n) | nn_h5attr_write_i64(f, "n_mt", (int64_t)ds->n_mt) |
           nn_h5attr_write_f64(f, "step", ds->step) |
           nn_h5attr_write_str(f, "channel", channel_names[ds->params.channel]) |
           nn_h5attr_write_str(f, "generator", ds->generator) |
           nn_h5attr_write_str(f, "sampler_name", ds->sampler_name) |
           nn_h5attr_write_f64(f, "sampler_cycles_per_bit", ds->sampler.cycles_per_bit) |
           nn_h5attr_write_f64(f, "sampler_down_ratio", ds->sampler.down_ratio) |
           nn_h5attr_write_u64(f, "seed", ds->seed);
  for (size_t i = 0; i < N_PARAMS; i++)
    rc |= nn_h5attr_write_f64(f, param_fields[i].name, CFLD(&ds->params, param_fields[i].off));
  for (size_t i = 0; i < N_DISTS; i++) {
    const memtl_dist_t *d = CDIST(&ds->sampler, i);
    const struct { const char *sfx; double v; } v[] = {{"lo", d->lo}, {"hi", d->hi}, {"mu", d->mu},
                                                      {"sigma", d->sigma}};
    char name[64];
    snprintf(name, sizeof name, "sampler_%s_kind", dist_fields[i].name);
    rc |= nn_h5attr_write_str(f, name, kind_names[d->kind]);
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
      snprintf(name, sizeof name, "sampler_%s_%s", dist_fields[i].name, v[k].sfx);
      rc |= nn_h5attr_write_f64(f, name, v[k].v);
    }
  }
  return rc ? -1 : 0;
}

static int write_dsets(hid_t f, const memtl_dataset_t *ds)
{
  const size_t cells = ds->n * ds->n_mt;
  double *in = malloc((cells * N_INPUTS + 1) * sizeof *in);
  if (!in)
    return -1;
  for (size_t c = 0; c < cells; c++) {
    const memtl_mt_t *m = &ds->mt[c];
    double row[N_INPUTS] = {m->up_bits, m->cycles, m->down_bits, m->deadline, m->f_local, m->h, m->alpha};
    memcpy(in + c * N_INPUTS, row, sizeof row);
  }
  hsize_t d3[3] = {ds->n, ds->n_mt, N_INPUTS}, d2[2] = {ds->n, ds->n_mt}, d1[1] = {ds->n};
  int rc = write_dset(f, "inputs", 3, d3, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, in) |
           write_dset(f, "d", 2, d2, H5T_STD_I8LE, H5T_NATIVE_INT, ds->d) |
           write_dset(f, "r", 2, d2, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ds->r) |
           write_dset(f, "code", 1, d1, H5T_STD_U32LE, H5T_NATIVE_UINT32, ds->code) |
           write_dset(f, "cost", 1, d1, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ds->cost) |
           write_dset(f, "feasible", 1, d1, H5T_STD_I8LE, H5T_NATIVE_INT, ds->feasible);
  free(in);
  return rc ? -1 : 0;
}

int memtl_dataset_save(const memtl_dataset_t *ds, const char *path)
{
  if (!ds || !path || !*path)
    return dfail("memtl dataset save: no dataset or path given");
  char pre[1200];
  snprintf(pre, sizeof pre, "memtl dataset '%s': not saved: ", path);
  if (dataset_check(ds) < 0)
    return prefix_error(pre);
  char tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  int rc = -1;
  H5E_BEGIN_TRY
  {
    hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
    if (f < 0)
      dfail("%s%s", pre, why);
    else if (write_attrs(f, ds) < 0)
      dfail("%scannot write the attributes of '%s'", pre, tmp);
    else if (write_dsets(f, ds) < 0)
      dfail("%scannot write the datasets of '%s' (disk full, or out of memory)", pre, tmp);
    else
      rc = 0;
    if (nn_h5attr_finish_tmp(f, tmp, path, rc == 0, why, sizeof why) < 0 && rc == 0)
      rc = dfail("%s%s", pre, why);
  }
  H5E_END_TRY;
  return rc;
}

/* ------------------------------------------------------------------------ */
/* HDF5 file: reading (untrusted)                                           */
/* ------------------------------------------------------------------------ */
static int rd_fail(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *msg)
{
  (void)err;
  return dfail("memtl dataset '%s': %s", h->path, msg);
}
#define rfail(r, ...) nn_h5attr_fail((r), NN_H5ATTR_EFORMAT, __VA_ARGS__)

/* Dataset `name` of exactly the given shape, of a float (want_int 0) or
 * integer class, stored in the file, read into buf as mtype (HDF5 converts;
 * out-of-range integers saturate, which the range checks then refuse). */
static int read_dset(const nn_h5attr_t *r, hid_t f, const char *name, int rank, const hsize_t *dims, int want_int,
                     hid_t mtype, void *buf)
{
  if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
    return rfail(r, "dataset '/%s' is missing", name);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  if (d < 0)
    return rfail(r, "'/%s' is not a dataset", name);
  hid_t t = H5Dget_type(d), pl = H5Dget_create_plist(d), s = H5Dget_space(d);
  H5T_class_t cl = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  int external = pl < 0 || H5Pget_external_count(pl) != 0 || H5Pget_layout(pl) == H5D_VIRTUAL;
  hsize_t got[H5S_MAX_RANK] = {0};
  int got_rank = s < 0 ? -1 : H5Sget_simple_extent_ndims(s);
  if (got_rank >= 1 && got_rank <= H5S_MAX_RANK)
    H5Sget_simple_extent_dims(s, got, NULL);
  if (t >= 0)
    H5Tclose(t);
  if (pl >= 0)
    H5Pclose(pl);
  if (s >= 0)
    H5Sclose(s);
  int rc = 0, same = got_rank == rank;
  hsize_t count = 1;
  for (int k = 0; k < rank; k++) {
    same = same && got[k] == dims[k];
    count *= dims[k];
  }
  if (cl != (want_int ? H5T_INTEGER : H5T_FLOAT))
    rc = rfail(r, "dataset '/%s' is not of %s type", name, want_int ? "an integer" : "a floating-point");
  else if (external)
    rc = rfail(r, "dataset '/%s' keeps its data outside the file (external or virtual)", name);
  else if (!same)
    rc = rfail(r, "dataset '/%s' has rank %d and dims [%llu, %llu, %llu], expected rank %d and dims [%llu, %llu, "
                  "%llu] (from attributes n and n_mt)",
               name, got_rank, (unsigned long long)got[0], (unsigned long long)got[1], (unsigned long long)got[2],
               rank, (unsigned long long)dims[0], (unsigned long long)(rank > 1 ? dims[1] : 0),
               (unsigned long long)(rank > 2 ? dims[2] : 0));
  else if (count && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
    rc = nn_h5attr_fail(r, NN_H5ATTR_EIO, "cannot read dataset '/%s'", name);
  H5Dclose(d);
  return rc;
}

static int read_kind(const nn_h5attr_t *r, hid_t f, const char *name, const char *const *names, size_t n, int *out)
{
  char buf[32] = "";
  if (!nn_h5attr_exists(f, name))
    return rfail(r, "attribute '%s' of '/' is missing", name);
  if (nn_h5attr_str(r, f, name, buf, sizeof buf) < 0)
    return -1;
  for (size_t k = 0; k < n; k++)
    if (strcmp(buf, names[k]) == 0) {
      *out = (int)k;
      return 0;
    }
  return rfail(r, "attribute '%s' of '/' is '%s', not a known name", name, buf);
}

static int read_str(const nn_h5attr_t *r, hid_t f, const char *name, char *buf, size_t size)
{
  if (!nn_h5attr_exists(f, name))
    return rfail(r, "attribute '%s' of '/' is missing", name);
  return nn_h5attr_str(r, f, name, buf, size);
}

/* Root attributes into ds's scalar fields; n and n_mt into *n, *n_mt. */
static int read_attrs(const nn_h5attr_t *r, hid_t f, memtl_dataset_t *ds, int64_t *n, int64_t *n_mt)
{
  char fmt[64] = "";
  if (!nn_h5attr_exists(f, "format") || nn_h5attr_str(r, f, "format", fmt, sizeof fmt) < 0 ||
      strcmp(fmt, FORMAT) != 0)
    return rfail(r, "not a MEMTL dataset (format attribute '%s', expected '%s')", fmt, FORMAT);
  int64_t ver = 0;
  if (nn_h5attr_int(r, f, "format_version", INT64_MIN, INT64_MAX, 0, &ver) < 0)
    return -1;
  if (ver != FORMAT_VERSION)
    return rfail(r, "format version %lld, this build reads %d", (long long)ver, FORMAT_VERSION);
  int ch = 0;
  if (nn_h5attr_int(r, f, "n", 0, MAX_SAMPLES, 0, n) < 0 || nn_h5attr_int(r, f, "n_mt", 1, MEMTL_MAX_N, 0, n_mt) < 0 ||
      nn_h5attr_double(r, f, "step", 0, &ds->step) < 0 || read_kind(r, f, "channel", channel_names, 2, &ch) < 0 ||
      read_str(r, f, "generator", ds->generator, sizeof ds->generator) < 0 ||
      read_str(r, f, "sampler_name", ds->sampler_name, sizeof ds->sampler_name) < 0 ||
      nn_h5attr_double(r, f, "sampler_cycles_per_bit", 0, &ds->sampler.cycles_per_bit) < 0 ||
      nn_h5attr_double(r, f, "sampler_down_ratio", 0, &ds->sampler.down_ratio) < 0 ||
      nn_h5attr_int_raw(r, f, "seed", 0, &ds->seed, NULL) < 0)
    return -1;
  ds->params.channel = (memtl_channel_t)ch;
  for (size_t i = 0; i < N_PARAMS; i++)
    if (nn_h5attr_double(r, f, param_fields[i].name, 0, &FLD(&ds->params, param_fields[i].off)) < 0)
      return -1;
  for (size_t i = 0; i < N_DISTS; i++) {
    memtl_dist_t *d = DIST(&ds->sampler, i);
    double *v[] = {&d->lo, &d->hi, &d->mu, &d->sigma};
    const char *sfx[] = {"lo", "hi", "mu", "sigma"};
    char name[64];
    int kind = 0;
    snprintf(name, sizeof name, "sampler_%s_kind", dist_fields[i].name);
    if (read_kind(r, f, name, kind_names, N_KINDS, &kind) < 0)
      return -1;
    d->kind = (memtl_dist_kind_t)kind;
    for (size_t k = 0; k < 4; k++) {
      snprintf(name, sizeof name, "sampler_%s_%s", dist_fields[i].name, sfx[k]);
      if (nn_h5attr_double(r, f, name, 0, v[k]) < 0)
        return -1;
    }
  }
  return 0;
}

/* Integer values read as int64 must lie in [lo, hi]; then narrowed. */
static int narrow(const nn_h5attr_t *r, const char *name, const int64_t *v, size_t count, size_t cols, int64_t lo,
                  int64_t hi, int *out_i, uint32_t *out_u)
{
  for (size_t k = 0; k < count; k++) {
    if (v[k] < lo || v[k] > hi)
      return rfail(r, "dataset '/%s' holds %lld at [%zu, %zu], expected %lld..%lld", name, (long long)v[k], k / cols,
                   k % cols, (long long)lo, (long long)hi);
    if (out_i)
      out_i[k] = (int)v[k];
    else
      out_u[k] = (uint32_t)v[k];
  }
  return 0;
}

/* The /inputs rows (finite values) into ds->mt. */
static int inputs_into(const nn_h5attr_t *r, const double *in, memtl_dataset_t *ds)
{
  const size_t N = ds->n_mt;
  for (size_t c = 0; c < ds->n * N; c++) {
    const double *row = in + c * N_INPUTS;
    for (size_t k = 0; k < N_INPUTS; k++)
      if (!isfinite(row[k]))
        return rfail(r, "dataset '/inputs' holds %g at [%zu, %zu, %zu], expected finite", row[k], c / N, c % N, k);
    ds->mt[c] = (memtl_mt_t){.up_bits = row[0], .cycles = row[1], .down_bits = row[2], .deadline = row[3],
                             .f_local = row[4], .h = row[5], .alpha = row[6]};
  }
  return 0;
}

static int read_dsets(const nn_h5attr_t *r, hid_t f, memtl_dataset_t *ds)
{
  const size_t n = ds->n, N = ds->n_mt, cells = n * N;
  double *in = malloc((cells * N_INPUTS + 1) * sizeof *in);
  int64_t *iv = malloc((cells + 1) * sizeof *iv);
  hsize_t d3[3] = {n, N, N_INPUTS}, d2[2] = {n, N}, d1[1] = {n};
  int rc = in && iv ? 0 : rfail(r, "out of memory for %zu samples", n);
  if (rc == 0)
    rc = read_dset(r, f, "inputs", 3, d3, 0, H5T_NATIVE_DOUBLE, in);
  if (rc == 0)
    rc = read_dset(r, f, "r", 2, d2, 0, H5T_NATIVE_DOUBLE, ds->r);
  if (rc == 0)
    rc = read_dset(r, f, "cost", 1, d1, 0, H5T_NATIVE_DOUBLE, ds->cost);
  if (rc == 0)
    rc = read_dset(r, f, "d", 2, d2, 1, H5T_NATIVE_INT64, iv);
  if (rc == 0)
    rc = narrow(r, "d", iv, cells, N, 0, 1, ds->d, NULL);
  if (rc == 0)
    rc = read_dset(r, f, "code", 1, d1, 1, H5T_NATIVE_INT64, iv);
  if (rc == 0)
    rc = narrow(r, "code", iv, n, 1, 0, ((int64_t)1 << N) - 1, NULL, ds->code);
  if (rc == 0)
    rc = read_dset(r, f, "feasible", 1, d1, 1, H5T_NATIVE_INT64, iv);
  if (rc == 0)
    rc = narrow(r, "feasible", iv, n, 1, 0, 1, ds->feasible, NULL);
  if (rc == 0)
    rc = inputs_into(r, in, ds);
  free(in);
  free(iv);
  return rc;
}

memtl_dataset_t *memtl_dataset_load(const char *path)
{
  if (!path || !*path) {
    dfail("memtl dataset: no file given");
    return NULL;
  }
  const nn_h5attr_t r = {.path = path, .obj = "/", .shape = NN_H5ATTR_SHAPE_SCALAR, .fail = rd_fail};
  if (access(path, R_OK) != 0) {
    rfail(&r, "cannot read: %s", strerror(errno));
    return NULL;
  }
  char pre[1200];
  snprintf(pre, sizeof pre, "memtl dataset '%s': ", path);
  memtl_dataset_t *ds = NULL, meta;
  memset(&meta, 0, sizeof meta);
  int64_t n = 0, n_mt = 0;
  int rc = -1;
  hid_t f = -1;
  H5E_BEGIN_TRY
  {
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
      rfail(&r, "not an HDF5 file");
    } else if (read_attrs(&r, f, &meta, &n, &n_mt) == 0) {
      ds = memtl_dataset_new((size_t)n, (size_t)n_mt);
      if (!ds)
        prefix_error(pre);
      else {
        copy_meta(ds, &meta);
        rc = read_dsets(&r, f, ds);
      }
    }
    if (f >= 0)
      H5Fclose(f);
  }
  H5E_END_TRY;
  if (rc == 0 && dataset_check(ds) < 0)
    rc = prefix_error(pre);
  if (rc != 0) {
    memtl_dataset_free(ds);
    return NULL;
  }
  return ds;
}

/* ------------------------------------------------------------------------ */
/* CSV of the public code                                                   */
/* ------------------------------------------------------------------------ */
typedef struct csv {
  const char *path;
  FILE *fp;
  char *line;
  size_t cap;
  size_t lineno;
} csv_t;

/* Next non-blank line (pandas skips blank lines), its end of line removed;
 * 0 at the end of the file. */
static int csv_next(csv_t *c)
{
  ssize_t len;
  while ((len = getline(&c->line, &c->cap, c->fp)) >= 0) {
    c->lineno++;
    while (len > 0 && (c->line[len - 1] == '\n' || c->line[len - 1] == '\r'))
      c->line[--len] = '\0';
    if (strspn(c->line, " \t") != (size_t)len)
      return 1;
  }
  return 0;
}

static size_t csv_fields(const char *s)
{
  size_t k = 1;
  for (; *s; s++)
    k += *s == ',';
  return k;
}

/* The fields of the current line as finite numbers into v[0..cols). */
static int csv_parse(const csv_t *c, size_t cols, double *v)
{
  size_t got = csv_fields(c->line);
  if (got != cols)
    return dfail("CSV '%s', line %zu: %zu fields, expected %zu like the header", c->path, c->lineno, got, cols);
  char *p = c->line;
  for (size_t k = 0; k < cols; k++) {
    char *end;
    errno = 0;
    v[k] = strtod(p, &end);
    char *q = end;
    while (*q == ' ' || *q == '\t')
      q++;
    if (end == p || (*q != ',' && *q != '\0'))
      return dfail("CSV '%s', line %zu, column %zu: '%.*s' is not a number", c->path, c->lineno, k + 1,
                   (int)strcspn(p, ","), p);
    if (!isfinite(v[k]))
      return dfail("CSV '%s', line %zu, column %zu: %g, expected a finite number", c->path, c->lineno, k + 1, v[k]);
    p = *q ? q + 1 : q;
  }
  return 0;
}

/* One parsed row (v, 7N + 1 numbers, from line `line`) into sample i of
 * ds, checked. */
static int csv_row(const char *path, size_t line, const double *v, memtl_dataset_t *ds, size_t i, double deadline)
{
  const size_t N = ds->n_mt;
  const char *names[6] = {"s", "c", "f_local", "h", "alpha", "beta"};
  for (size_t j = 0; j < N; j++) {
    const double *x = v + 6 * j;
    for (size_t k = 0; k < 6; k++)
      if (x[k] < 0)
        return dfail("CSV '%s', line %zu, column %zu: %s of MT %zu is %g, expected >= 0", path, line, 6 * j + k + 1,
                     names[k], j, x[k]);
    if (!(x[4] <= 1))
      return dfail("CSV '%s', line %zu, column %zu: alpha of MT %zu is %g, expected in [0, 1]", path, line,
                   6 * j + 5, j, x[4]);
    if (fabs(x[5] - (1 - x[4])) > BETA_TOL)
      return dfail("CSV '%s', line %zu, column %zu: beta of MT %zu is %.17g, expected 1 - alpha = %.17g", path, line,
                   6 * j + 6, j, x[5], 1 - x[4]);
    ds->mt[i * N + j] = (memtl_mt_t){.up_bits = x[0], .cycles = x[1], .deadline = deadline, .f_local = x[2],
                                     .h = x[3], .alpha = x[4]};
  }
  double code = v[6 * N];
  if (!(code >= 0 && code < (double)(1u << N) && code == floor(code)))
    return dfail("CSV '%s', line %zu, column %zu: class code %g, expected an integer in 0..%u", path, line, 6 * N + 1,
                 code, (1u << N) - 1);
  int *d = ds->d + i * N;
  double *r = ds->r + i * N, sum = 0;
  memtl_decode((uint32_t)code, N, d);
  for (size_t j = 0; j < N; j++) {
    size_t col = 6 * N + 2 + j;
    r[j] = v[col - 1];
    if (!(r[j] >= 0 && r[j] <= 1))
      return dfail("CSV '%s', line %zu, column %zu: fraction of MT %zu is %g, expected in [0, 1]", path, line, col, j,
                   r[j]);
    if (!d[j] && r[j] > SUM_TOL)
      return dfail("CSV '%s', line %zu, column %zu: fraction of MT %zu is %g but the class code makes it local "
                   "(expected 0)",
                   path, line, col, j, r[j]);
    if (!d[j])
      r[j] = 0;
    sum += r[j];
  }
  if (!(sum <= 1 + SUM_TOL))
    return dfail("CSV '%s', line %zu: the fractions sum to %.17g, expected <= 1", path, line, sum);
  ds->code[i] = (uint32_t)code;
  return 0;
}

/* The rows after the header as numbers, grown in *rows, and the line each
 * came from in *lines; their count in *n. */
static int csv_read_rows(csv_t *c, size_t cols, double **rows, size_t **lines, size_t *n)
{
  size_t cap = 0;
  *n = 0;
  while (csv_next(c)) {
    if (*n == MAX_SAMPLES)
      return dfail("CSV '%s', line %zu: more than %d rows", c->path, c->lineno, MAX_SAMPLES);
    if (*n == cap) {
      size_t ncap = cap ? 2 * cap : 1024;
      double *g = realloc(*rows, ncap * cols * sizeof *g);
      if (g)
        *rows = g;
      size_t *l = realloc(*lines, ncap * sizeof *l);
      if (l)
        *lines = l;
      if (!g || !l)
        return dfail("CSV '%s', line %zu: out of memory", c->path, c->lineno);
      cap = ncap;
    }
    if (csv_parse(c, cols, *rows + *n * cols) < 0)
      return -1;
    (*lines)[(*n)++] = c->lineno;
  }
  if (ferror(c->fp))
    return dfail("CSV '%s', line %zu: read error", c->path, c->lineno + 1);
  if (*n == 0)
    return dfail("CSV '%s': no data rows after the header (line 1)", c->path);
  return 0;
}

/* Cost and feasibility of every sample's labels under ds's params. */
static int recompute_costs(memtl_dataset_t *ds)
{
  memtl_pre_t pre[MEMTL_MAX_N];
  for (size_t i = 0; i < ds->n; i++) {
    const memtl_mt_t *mt = ds->mt + i * ds->n_mt;
    const int *d = ds->d + i * ds->n_mt;
    const double *r = ds->r + i * ds->n_mt;
    if (memtl_precompute(&ds->params, mt, ds->n_mt, pre) < 0)
      return dfail("sample %zu: inputs refused by the system model", i);
    ds->cost[i] = memtl_total_cost(pre, ds->n_mt, d, r);
    ds->feasible[i] = memtl_meets_deadlines(mt, pre, ds->n_mt, d, r);
  }
  return 0;
}

/* The samples of the parsed rows. */
static memtl_dataset_t *csv_samples(const char *path, const double *rows, const size_t *lines, size_t n, size_t cols,
                                    const memtl_params_t *p, double deadline, double step)
{
  memtl_dataset_t *ds = memtl_dataset_new(n, (cols - 1) / 7);
  if (!ds)
    return NULL;
  ds->params = *p;
  ds->step = step;
  snprintf(ds->generator, sizeof ds->generator, "csv");
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = csv_row(path, lines[i], rows + i * cols, ds, i, deadline);
  if (rc == 0 && recompute_costs(ds) < 0) {
    char pre[1200];
    snprintf(pre, sizeof pre, "CSV '%s': ", path);
    rc = prefix_error(pre);
  }
  if (rc != 0) {
    memtl_dataset_free(ds);
    return NULL;
  }
  return ds;
}

/* Import with the file open: the header, then the rows. */
static memtl_dataset_t *csv_load(csv_t *c, const memtl_params_t *p, double deadline, double step)
{
  if (!csv_next(c)) {
    dfail("CSV '%s': %s, expected a header line", c->path, ferror(c->fp) ? "read error" : "empty file");
    return NULL;
  }
  size_t cols = csv_fields(c->line);
  if (cols < 8 || (cols - 1) % 7 != 0 || (cols - 1) / 7 > MEMTL_MAX_N) {
    dfail("CSV '%s', line %zu: header has %zu fields, expected 7N + 1 with N in 1..%d", c->path, c->lineno, cols,
          MEMTL_MAX_N);
    return NULL;
  }
  double *rows = NULL;
  size_t *lines = NULL, n = 0;
  memtl_dataset_t *ds = NULL;
  if (csv_read_rows(c, cols, &rows, &lines, &n) == 0)
    ds = csv_samples(c->path, rows, lines, n, cols, p, deadline, step);
  free(rows);
  free(lines);
  return ds;
}

memtl_dataset_t *memtl_csv_import(const char *path, const memtl_params_t *p, double deadline, double step)
{
  if (!path || !p) {
    dfail("CSV import: no file or parameters given");
    return NULL;
  }
  char pre[1200];
  snprintf(pre, sizeof pre, "CSV '%s': ", path);
  if (params_check(p) < 0 || step_check(step) < 0) {
    prefix_error(pre);
    return NULL;
  }
  if (!isfinite(deadline)) {
    dfail("%sdeadline %g is not finite", pre, deadline);
    return NULL;
  }
  csv_t c = {.path = path};
  c.fp = fopen(path, "r");
  if (!c.fp) {
    dfail("%scannot open: %s", pre, strerror(errno));
    return NULL;
  }
  memtl_dataset_t *ds = csv_load(&c, p, deadline, step);
  free(c.line);
  fclose(c.fp);
  return ds;
}

/* Rows in the public layout (down_bits and deadline are not carried). */
static int csv_write(FILE *fp, const memtl_dataset_t *ds)
{
  const size_t N = ds->n_mt, cols = CSV_COLS(N);
  for (size_t k = 0; k < cols; k++)
    fprintf(fp, k ? ",%zu" : "%zu", k);
  fputc('\n', fp);
  for (size_t i = 0; i < ds->n; i++) {
    for (size_t j = 0; j < N; j++) {
      const memtl_mt_t *m = &ds->mt[i * N + j];
      fprintf(fp, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,", m->up_bits, m->cycles, m->f_local, m->h, m->alpha,
              1 - m->alpha);
    }
    fprintf(fp, "%u", ds->code[i]);
    for (size_t j = 0; j < N; j++)
      fprintf(fp, ",%.17g", ds->r[i * N + j]);
    fputc('\n', fp);
  }
  return ferror(fp) ? -1 : 0;
}

int memtl_csv_export(const memtl_dataset_t *ds, const char *path)
{
  if (!ds || !path || !*path)
    return dfail("CSV export: no dataset or path given");
  char pre[1200];
  snprintf(pre, sizeof pre, "CSV '%s': not exported: ", path);
  if (dataset_check(ds) < 0)
    return prefix_error(pre);
  char tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
    return dfail("%spath '%s' is too long", pre, path);
  FILE *fp = fopen(tmp, "w");
  int rc = fp ? 0 : dfail("%scannot create '%s': %s", pre, tmp, strerror(errno));
  if (fp) {
    if (csv_write(fp, ds) < 0)
      rc = dfail("%scannot write '%s'", pre, tmp);
    if (fclose(fp) != 0 && rc == 0)
      rc = dfail("%scannot close '%s': %s", pre, tmp, strerror(errno));
    if (nn_h5attr_finish_tmp(-1, tmp, path, rc == 0, why, sizeof why) < 0 && rc == 0)
      rc = dfail("%s%s", pre, why);
  }
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Features                                                                 */
/* ------------------------------------------------------------------------ */
void memtl_features_raw(const memtl_mt_t *mt, size_t n_mt, double *x)
{
  for (size_t j = 0; j < n_mt; j++) {
    const memtl_mt_t *m = &mt[j];
    double f[MEMTL_FEATURES_PER_MT] = {m->up_bits, m->cycles, m->down_bits, m->deadline,
                                       m->f_local, m->h,      m->alpha,     1 - m->alpha};
    memcpy(x + j * MEMTL_FEATURES_PER_MT, f, sizeof f);
  }
}

void memtl_norm_fit(const memtl_dataset_t *ds, memtl_norm_t *nm)
{
  const size_t dim = ds->n_mt * MEMTL_FEATURES_PER_MT;
  double x[MEMTL_MAX_N * MEMTL_FEATURES_PER_MT];
  nm->dim = dim;
  for (size_t k = 0; k < dim; k++)
    nm->lo[k] = nm->hi[k] = 0;
  for (size_t i = 0; i < ds->n; i++) {
    memtl_features_raw(ds->mt + i * ds->n_mt, ds->n_mt, x);
    for (size_t k = 0; k < dim; k++) {
      if (i == 0 || x[k] < nm->lo[k])
        nm->lo[k] = x[k];
      if (i == 0 || x[k] > nm->hi[k])
        nm->hi[k] = x[k];
    }
  }
}

/* As sklearn's MinMaxScaler computes it (x * scale + min_, scale = 1 / range,
 * min_ = -lo * scale), so the public code's values are matched bit for bit. */
void memtl_norm_apply(const memtl_norm_t *nm, const double *raw, double *x)
{
  for (size_t k = 0; k < nm->dim; k++) {
    double range = nm->hi[k] - nm->lo[k];
    if (!(range > 0)) {
      x[k] = 0;
      continue;
    }
    double scale = 1.0 / range, min = 0 - nm->lo[k] * scale;
    x[k] = raw[k] * scale + min;
  }
}

double *memtl_features(const memtl_dataset_t *ds, const memtl_norm_t *nm)
{
  if (!ds || !nm || nm->dim != ds->n_mt * MEMTL_FEATURES_PER_MT) {
    dfail("memtl features: no dataset, or a normalisation of another dimension");
    return NULL;
  }
  double *x = malloc((ds->n * nm->dim + 1) * sizeof *x);
  if (!x) {
    dfail("memtl features: out of memory for %zu samples", ds->n);
    return NULL;
  }
  double raw[MEMTL_MAX_N * MEMTL_FEATURES_PER_MT];
  for (size_t i = 0; i < ds->n; i++) {
    memtl_features_raw(ds->mt + i * ds->n_mt, ds->n_mt, raw);
    memtl_norm_apply(nm, raw, x + i * nm->dim);
  }
  return x;
}

/* ------------------------------------------------------------------------ */
/* Splits                                                                   */
/* ------------------------------------------------------------------------ */
typedef struct keyed {
  double key;
  size_t i;
} keyed_t;

static int keyed_cmp(const void *a, const void *b)
{
  const keyed_t *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return (x->i > y->i) - (x->i < y->i);
}

/* The public code's criterion: mean over MTs of the sum of squared scaled
 * features (summed in feature order, like numpy on 6 values). */
static double env_criterion(const double *x, size_t n_mt)
{
  double total = 0;
  for (size_t j = 0; j < n_mt; j++) {
    double s = 0;
    for (size_t k = 0; k < MEMTL_FEATURES_PER_MT; k++)
      s += x[j * MEMTL_FEATURES_PER_MT + k] * x[j * MEMTL_FEATURES_PER_MT + k];
    total += s;
  }
  return total / (double)n_mt;
}

int memtl_split_new_env(const memtl_dataset_t *ds, size_t n_test, size_t *train_idx, size_t *test_idx,
                        double *threshold)
{
  if (!ds || n_test > ds->n || (n_test && !test_idx) || (n_test < ds->n && !train_idx))
    return dfail("memtl new-environment split: no dataset or index arrays, or %zu test samples of %zu", n_test,
                 ds ? ds->n : 0);
  memtl_norm_t nm;
  memtl_norm_fit(ds, &nm);
  double *x = memtl_features(ds, &nm);
  keyed_t *k = malloc((ds->n + 1) * sizeof *k);
  if (!x || !k) {
    free(x);
    free(k);
    return dfail("memtl new-environment split: out of memory for %zu samples", ds->n);
  }
  for (size_t i = 0; i < ds->n; i++)
    k[i] = (keyed_t){env_criterion(x + i * nm.dim, ds->n_mt), i};
  qsort(k, ds->n, sizeof *k, keyed_cmp);
  const size_t n_train = ds->n - n_test;
  for (size_t i = 0; i < ds->n; i++) {
    if (i < n_train)
      train_idx[i] = k[i].i;
    else
      test_idx[i - n_train] = k[i].i;
  }
  if (threshold)
    *threshold = n_test ? k[n_train].key : INFINITY; /* no test set: nothing bounds the training values */
  free(x);
  free(k);
  return 0;
}

int memtl_split_random(const memtl_dataset_t *ds, size_t n_test, gsl_rng *rng, size_t *train_idx,
                       size_t *test_idx)
{
  if (!ds || !rng || n_test > ds->n || (n_test && !test_idx) || (n_test < ds->n && !train_idx))
    return dfail("memtl random split: no dataset, generator or index arrays, or %zu test samples of %zu", n_test,
                 ds ? ds->n : 0);
  size_t *perm = malloc((ds->n + 1) * sizeof *perm);
  if (!perm)
    return dfail("memtl random split: out of memory for %zu samples", ds->n);
  for (size_t i = 0; i < ds->n; i++)
    perm[i] = i;
  if (ds->n > 1)
    gsl_ran_shuffle(rng, perm, ds->n, sizeof *perm);
  /* like sklearn's ShuffleSplit: the first n_test of the permutation are the test set */
  for (size_t i = 0; i < ds->n; i++) {
    if (i < n_test)
      test_idx[i] = perm[i];
    else
      train_idx[i - n_test] = perm[i];
  }
  free(perm);
  return 0;
}

void memtl_bootstrap(const size_t *idx, size_t m, gsl_rng *rng, size_t *out)
{
  for (size_t k = 0; k < m; k++)
    out[k] = idx[gsl_rng_uniform_int(rng, m)];
}
