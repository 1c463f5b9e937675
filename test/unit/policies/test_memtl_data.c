/* test_memtl_data.c - MEMTL datasets (memtl_data.h): sampler presets and
 * draws within their ranges; generation reproducible from the seed and
 * labelled by memtl_label_exact; HDF5 save/load round trip and corrupted
 * files refused with a message; CSV round trip, CSV errors with their line,
 * relabelling an import; features and their scaling; the new-environment
 * split against the public code's criterion computed here on its 6
 * features; the random split; bootstrap. */
#include "check.h"
#include "model/rng.h"
#include "policies/memtl/memtl_data.h"
#include <gsl/gsl_rng.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char h5_good[128], h5_bad[128], csv_path[128];

/* The last error names `a` and (if given) `b`, on one line. */
static int error_has(const char *a, const char *b)
{
  const char *e = memtl_data_error();
  int ok = strstr(e, a) && (!b || strstr(e, b)) && !strchr(e, '\n');
  if (!ok)
    fprintf(stderr, "  expected '%s'%s%s in the error: %s\n", a, b ? " and " : "", b ? b : "", e);
  return ok;
}

static memtl_dataset_t *small_dataset(uint64_t seed, size_t n, size_t n_mt)
{
  memtl_sampler_t s;
  memtl_sampler_preset("mtfnn-co", &s);
  memtl_params_t p = memtl_params_mtfnn_co();
  return memtl_dataset_generate(&p, &s, n_mt, n, 0.05, seed, NULL, NULL, 0);
}

static int same_dist(const memtl_dist_t *a, const memtl_dist_t *b)
{
  return a->kind == b->kind && a->lo == b->lo && a->hi == b->hi && a->mu == b->mu && a->sigma == b->sigma;
}

/* Field by field: the structs have padding. */
static int same_meta(const memtl_dataset_t *a, const memtl_dataset_t *b)
{
  const memtl_params_t *p = &a->params, *q = &b->params;
  const memtl_sampler_t *s = &a->sampler, *t = &b->sampler;
  return p->f_server == q->f_server && p->kappa == q->kappa && p->p_up == q->p_up && p->p_exec == q->p_exec &&
         p->p_down == q->p_down && p->bandwidth == q->bandwidth && p->noise_w == q->noise_w &&
         p->channel == q->channel && same_dist(&s->up_bits, &t->up_bits) && same_dist(&s->f_local, &t->f_local) &&
         same_dist(&s->h, &t->h) && same_dist(&s->alpha, &t->alpha) && same_dist(&s->deadline, &t->deadline) &&
         s->cycles_per_bit == t->cycles_per_bit && s->down_ratio == t->down_ratio && a->step == b->step &&
         strcmp(a->generator, b->generator) == 0 && strcmp(a->sampler_name, b->sampler_name) == 0 &&
         a->seed == b->seed;
}

/* Samples, labels and provenance equal, bit for bit. */
static int same_dataset(const memtl_dataset_t *a, const memtl_dataset_t *b)
{
  if (a->n != b->n || a->n_mt != b->n_mt)
    return 0;
  size_t cells = a->n * a->n_mt;
  return memcmp(a->mt, b->mt, cells * sizeof *a->mt) == 0 && memcmp(a->d, b->d, cells * sizeof *a->d) == 0 &&
         memcmp(a->r, b->r, cells * sizeof *a->r) == 0 && memcmp(a->code, b->code, a->n * sizeof *a->code) == 0 &&
         memcmp(a->cost, b->cost, a->n * sizeof *a->cost) == 0 &&
         memcmp(a->feasible, b->feasible, a->n * sizeof *a->feasible) == 0 && same_meta(a, b);
}

/* ------------------------------------------------------------------------ */
/* Sampling                                                                 */
/* ------------------------------------------------------------------------ */
static void test_presets(void)
{
  memtl_sampler_t s;
  CHECK(memtl_sampler_preset("mtfnn-co", &s) == 0);
  CHECK(s.up_bits.kind == MEMTL_DIST_UNIFORM && s.up_bits.lo == 0 && s.up_bits.hi == 5e5);
  CHECK(s.f_local.kind == MEMTL_DIST_UNIFORM && s.f_local.lo == 0 && s.f_local.hi == 1e9);
  CHECK(s.h.kind == MEMTL_DIST_UNIFORM && s.h.lo == 0 && s.h.hi == 1);
  CHECK(s.alpha.kind == MEMTL_DIST_UNIFORM && s.alpha.lo == 0 && s.alpha.hi == 1);
  CHECK(s.deadline.kind == MEMTL_DIST_CONST && s.deadline.lo == 1);
  CHECK(s.cycles_per_bit == 3e3 && s.down_ratio == 0);
  CHECK(memtl_sampler_preset("mtfnn-co-2024", &s) == 0);
  CHECK(s.up_bits.kind == MEMTL_DIST_TRUNC_NORMAL && s.up_bits.mu == 2.5e5 && s.up_bits.sigma == 5e4 &&
        s.up_bits.lo == 0 && s.up_bits.hi == 5e5);
  CHECK(s.f_local.kind == MEMTL_DIST_TRUNC_NORMAL && s.f_local.mu == 5e8 && s.f_local.sigma == 2e8 &&
        s.f_local.lo == 0 && s.f_local.hi == 1e9);
  CHECK(s.h.kind == MEMTL_DIST_UNIFORM && s.h.hi == 1 && s.deadline.lo == 1 && s.cycles_per_bit == 3e3);
  CHECK(memtl_sampler_preset("nope", &s) == -1);
  CHECK(error_has("nope", "mtfnn-co-2024"));
}

static void test_draws(void)
{
  gsl_rng *rng = mec_rng_new(1, MEC_STREAM_TRAINING, 9);
  const memtl_dist_t ds[] = {{.kind = MEMTL_DIST_CONST, .lo = 2.5},
                             {.kind = MEMTL_DIST_UNIFORM, .lo = -1, .hi = 3},
                             {.kind = MEMTL_DIST_TRUNC_NORMAL, .lo = 0, .hi = 1, .mu = 0.9, .sigma = 0.5},
                             {.kind = MEMTL_DIST_LOG_UNIFORM, .lo = 1e3, .hi = 1e6}};
  for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++) {
    int in = 1;
    double mn = INFINITY, mx = -INFINITY, sum = 0;
    for (int i = 0; i < 20000; i++) {
      double x = memtl_dist_draw(&ds[k], rng);
      double hi = ds[k].kind == MEMTL_DIST_CONST ? ds[k].lo : ds[k].hi;
      in = in && x >= ds[k].lo && x <= hi;
      mn = fmin(mn, x), mx = fmax(mx, x), sum += x;
    }
    CHECK(in);
    if (ds[k].kind == MEMTL_DIST_CONST)
      CHECK(mn == 2.5 && mx == 2.5);
    if (ds[k].kind == MEMTL_DIST_UNIFORM) {
      CHECK(mn < -0.99 && mx > 2.99);
      CHECK_NEAR(sum / 20000, 1.0, 0.05);
    }
    if (ds[k].kind == MEMTL_DIST_LOG_UNIFORM) /* median of log-uniform: sqrt(lo hi) */
      CHECK(mn < 1.1e3 && mx > 0.9e6);
  }
  /* a range far in the tail: capped redraws, then clamped */
  memtl_dist_t tail = {.kind = MEMTL_DIST_TRUNC_NORMAL, .lo = 0, .hi = 1, .mu = 100, .sigma = 1};
  CHECK(memtl_dist_draw(&tail, rng) == 1);
  memtl_dist_t bad_log = {.kind = MEMTL_DIST_LOG_UNIFORM, .lo = 0, .hi = 1};
  CHECK(isnan(memtl_dist_draw(&bad_log, rng)));

  memtl_sampler_t s;
  memtl_sampler_preset("mtfnn-co-2024", &s);
  int ok = 1;
  for (int i = 0; i < 5000; i++) {
    memtl_mt_t m;
    memtl_sample_mt(&s, rng, &m);
    ok = ok && m.up_bits >= 0 && m.up_bits <= 5e5 && m.cycles == 3e3 * m.up_bits && m.down_bits == 0 &&
         m.f_local >= 0 && m.f_local <= 1e9 && m.h >= 0 && m.h <= 1 && m.alpha >= 0 && m.alpha <= 1 &&
         m.deadline == 1 && m.rate_up == 0 && m.rate_down == 0;
  }
  CHECK(ok);
  gsl_rng_free(rng);
}

/* ------------------------------------------------------------------------ */
/* Generation                                                               */
/* ------------------------------------------------------------------------ */
typedef struct { size_t calls, last_done, last_total, seen[8]; } progress_t;

static void on_progress(void *ctx, size_t done, size_t total)
{
  progress_t *p = ctx;
  if (p->calls < 8)
    p->seen[p->calls] = done;
  p->calls++;
  p->last_done = done;
  p->last_total = total;
}

static void test_generate(void)
{
  memtl_sampler_t s;
  memtl_sampler_preset("mtfnn-co", &s);
  s.deadline.lo = 0.5; /* some samples infeasible, some offloading under deadlines */
  memtl_params_t p = memtl_params_mtfnn_co();
  progress_t pr = {0};
  memtl_dataset_t *a = memtl_dataset_generate(&p, &s, 3, 40, 0.05, 7, on_progress, &pr, 10);
  memtl_dataset_t *b = memtl_dataset_generate(&p, &s, 3, 40, 0.05, 7, NULL, NULL, 0);
  memtl_dataset_t *c = memtl_dataset_generate(&p, &s, 3, 40, 0.05, 8, NULL, NULL, 0);
  CHECK(a && b && c);
  if (!a || !b || !c)
    goto out;
  CHECK(same_dataset(a, b));
  CHECK(memcmp(a->mt, c->mt, 40 * 3 * sizeof *a->mt) != 0);
  CHECK(pr.calls == 4 && pr.seen[0] == 10 && pr.seen[3] == 40 && pr.last_total == 40);
  CHECK(strcmp(a->generator, "mecsim exact") == 0 && strcmp(a->sampler_name, "custom") == 0);
  CHECK(a->seed == 7 && a->step == 0.05 && same_dist(&a->sampler.deadline, &s.deadline) &&
        same_dist(&a->sampler.up_bits, &s.up_bits));
  /* the draws are the stream's, sample-major, MTs in order */
  gsl_rng *rng = mec_rng_new(7, MEC_STREAM_TRAINING, 0);
  int same = 1;
  for (size_t k = 0; k < 40 * 3; k++) {
    memtl_mt_t m;
    memtl_sample_mt(&s, rng, &m);
    same = same && memcmp(&m, &a->mt[k], sizeof m) == 0;
  }
  gsl_rng_free(rng);
  CHECK(same);
  /* every label is memtl_label_exact's */
  int labels_ok = 1, offload = 0;
  for (size_t i = 0; i < a->n; i++) {
    memtl_label_t lab;
    memtl_label_exact(&p, a->mt + 3 * i, 3, 0.05, &lab);
    labels_ok = labels_ok && lab.code == a->code[i] && lab.cost == a->cost[i] && lab.feasible == a->feasible[i];
    for (size_t j = 0; j < 3; j++)
      labels_ok = labels_ok && lab.d[j] == a->d[3 * i + j] && lab.r[j] == a->r[3 * i + j];
    offload += a->code[i] != 0;
  }
  CHECK(labels_ok);
  CHECK(offload > 0);
  /* progress with every = 0: only at the end */
  pr = (progress_t){0};
  memtl_dataset_free(b);
  b = memtl_dataset_generate(&p, &s, 2, 5, 0.1, 1, on_progress, &pr, 0);
  CHECK(b && pr.calls == 1 && pr.last_done == 5);
  /* refusals */
  memtl_sampler_t bad = s;
  bad.alpha.hi = 2;
  CHECK(memtl_dataset_generate(&p, &bad, 3, 4, 0.05, 1, NULL, NULL, 0) == NULL && error_has("alpha", NULL));
  bad = s;
  bad.up_bits = (memtl_dist_t){.kind = MEMTL_DIST_LOG_UNIFORM, .lo = 0, .hi = 1};
  CHECK(memtl_dataset_generate(&p, &bad, 3, 4, 0.05, 1, NULL, NULL, 0) == NULL && error_has("lo > 0", NULL));
  CHECK(memtl_dataset_generate(&p, &s, 3, 4, 0.3, 1, NULL, NULL, 0) == NULL && error_has("step", NULL));
  CHECK(memtl_dataset_generate(&p, &s, 11, 4, 0.05, 1, NULL, NULL, 0) == NULL);
  memtl_params_t bp = p;
  bp.kappa = -1;
  CHECK(memtl_dataset_generate(&bp, &s, 3, 4, 0.05, 1, NULL, NULL, 0) == NULL && error_has("kappa", NULL));
out:
  memtl_dataset_free(a);
  memtl_dataset_free(b);
  memtl_dataset_free(c);
}

static void test_subset(void)
{
  memtl_dataset_t *ds = small_dataset(3, 10, 2);
  size_t idx[4] = {9, 0, 9, 4};
  memtl_dataset_t *sub = memtl_dataset_subset(ds, idx, 4);
  CHECK(sub && sub->n == 4 && sub->n_mt == 2);
  int ok = sub != NULL;
  for (size_t k = 0; ok && k < 4; k++)
    ok = memcmp(&sub->mt[2 * k], &ds->mt[2 * idx[k]], 2 * sizeof *ds->mt) == 0 && sub->code[k] == ds->code[idx[k]] &&
         sub->cost[k] == ds->cost[idx[k]] && sub->r[2 * k + 1] == ds->r[2 * idx[k] + 1];
  CHECK(ok);
  CHECK(sub && strcmp(sub->generator, ds->generator) == 0 && sub->seed == ds->seed && sub->step == ds->step);
  size_t badi = 10;
  CHECK(memtl_dataset_subset(ds, &badi, 1) == NULL && error_has("10", NULL));
  memtl_dataset_free(sub);
  memtl_dataset_free(ds);
  CHECK(memtl_dataset_new(1, 0) == NULL && memtl_dataset_new(1, MEMTL_MAX_N + 1) == NULL);
  CHECK(memtl_dataset_new(100000001, 1) == NULL);
}

/* ------------------------------------------------------------------------ */
/* HDF5                                                                     */
/* ------------------------------------------------------------------------ */
static void test_h5_roundtrip(void)
{
  memtl_sampler_t s;
  memtl_sampler_preset("mtfnn-co-2024", &s);
  memtl_params_t p = memtl_params_mtfnn_co();
  p.channel = MEMTL_CHANNEL_ORTHOGONAL;
  memtl_dataset_t *ds = memtl_dataset_generate(&p, &s, 4, 30, 0.02, 0xfedcba9876543210ULL, NULL, NULL, 0);
  CHECK(ds != NULL);
  if (!ds)
    return;
  snprintf(ds->sampler_name, sizeof ds->sampler_name, "mtfnn-co-2024");
  ds->mt[5].down_bits = 1234.5; /* a column the public format does not have */
  CHECK(memtl_dataset_save(ds, h5_good) == 0);
  char tmp[160];
  snprintf(tmp, sizeof tmp, "%s.tmp", h5_good);
  CHECK(access(tmp, F_OK) != 0);
  memtl_dataset_t *ld = memtl_dataset_load(h5_good);
  CHECK(ld != NULL);
  if (ld) {
    CHECK(same_dataset(ds, ld));
    CHECK(ld->params.channel == MEMTL_CHANNEL_ORTHOGONAL && ld->seed == 0xfedcba9876543210ULL);
    CHECK(strcmp(ld->sampler_name, "mtfnn-co-2024") == 0 && ld->sampler.f_local.sigma == 2e8);
  }
  memtl_dataset_free(ld);
  /* a dataset the format cannot hold is not written */
  ds->mt[0].rate_up = 1e6;
  CHECK(memtl_dataset_save(ds, h5_bad) == -1 && error_has(h5_bad, "own rates"));
  CHECK(access(h5_bad, F_OK) != 0);
  ds->mt[0].rate_up = 0;
  /* a failed write leaves no temporary file */
  CHECK(memtl_dataset_save(ds, "/nonexistent-dir/x.h5") == -1 && error_has("/nonexistent-dir/x.h5", "cannot create"));
  CHECK(memtl_dataset_load("/nonexistent-dir/x.h5") == NULL && error_has("cannot read", NULL));
  memtl_dataset_free(ds);
}

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

/* Replaces root attribute `name` of h5_bad by a scalar of `type`. */
static void put_attr(const char *name, hid_t type, const void *v)
{
  hid_t f = H5Fopen(h5_bad, H5F_ACC_RDWR, H5P_DEFAULT);
  if (H5Aexists(f, name) > 0)
    H5Adelete(f, name);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, type, v);
  H5Aclose(a);
  H5Sclose(sp);
  H5Fclose(f);
}

static void put_i64(const char *name, int64_t v) { put_attr(name, H5T_NATIVE_INT64, &v); }

static void put_str(const char *name, const char *v)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(v) + 1);
  put_attr(name, t, v);
  H5Tclose(t);
}

/* Element k (flat index) of dataset `name` of h5_bad set to v (HDF5
 * converts to the stored type). */
static void put_value(const char *name, size_t k, double v)
{
  hid_t f = H5Fopen(h5_bad, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t s = H5Dget_space(d);
  hssize_t n = H5Sget_simple_extent_npoints(s);
  double *buf = malloc((size_t)n * sizeof *buf);
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  buf[k] = v;
  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  free(buf);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
}

static double get_value(const char *name, size_t k)
{
  hid_t f = H5Fopen(h5_good, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t s = H5Dget_space(d);
  hssize_t n = H5Sget_simple_extent_npoints(s);
  double *buf = malloc((size_t)n * sizeof *buf), v;
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  v = buf[k];
  free(buf);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  return v;
}

static void drop(const char *name)
{
  hid_t f = H5Fopen(h5_bad, H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(f, name, H5P_DEFAULT);
  H5Fclose(f);
}

static void drop_attr(const char *name)
{
  hid_t f = H5Fopen(h5_bad, H5F_ACC_RDWR, H5P_DEFAULT);
  H5Adelete(f, name);
  H5Fclose(f);
}

/* Loading h5_bad fails with a message naming the file and `what`. */
static int refused(const char *what)
{
  memtl_dataset_t *ds = memtl_dataset_load(h5_bad);
  int ok = ds == NULL && error_has(h5_bad, what);
  memtl_dataset_free(ds);
  return ok;
}

static void test_h5_corrupt(void)
{
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  memtl_dataset_t *ds = small_dataset(11, 20, 3);
  CHECK(ds && memtl_dataset_save(ds, h5_good) == 0);
  if (!ds)
    return;
  /* a sample with an offloader and a local MT, to corrupt */
  size_t i = 0, j_local = 0, j_off = 0;
  for (i = 0; i < ds->n; i++) {
    int has_l = 0, has_o = 0;
    for (size_t j = 0; j < 3; j++) {
      if (ds->d[3 * i + j])
        has_o = 1, j_off = j;
      else
        has_l = 1, j_local = j;
    }
    if (has_l && has_o)
      break;
  }
  CHECK(i < ds->n);
  if (i == ds->n) {
    memtl_dataset_free(ds);
    return;
  }

  copy_file(h5_good, h5_bad);
  put_value("r", 3 * i + j_off, NAN);
  CHECK(refused("'/r'"));

  copy_file(h5_good, h5_bad);
  put_value("r", 3 * i + j_off, 1.5);
  CHECK(refused("'/r'"));

  copy_file(h5_good, h5_bad);
  put_value("r", 3 * i + j_local, 0.25);
  CHECK(refused("local MT"));

  copy_file(h5_good, h5_bad);
  put_value("code", i, (double)(ds->code[i] ^ 1u));
  CHECK(refused("not the class of d"));

  copy_file(h5_good, h5_bad);
  put_value("code", i, 8);
  CHECK(refused("dataset '/code' holds 8"));

  copy_file(h5_good, h5_bad);
  put_value("d", 3 * i + j_off, 2);
  CHECK(refused("dataset '/d' holds 2"));

  copy_file(h5_good, h5_bad);
  put_value("feasible", 0, -1);
  CHECK(refused("'/feasible'"));

  copy_file(h5_good, h5_bad);
  put_value("inputs", 7 * 4 + 6, 1.5); /* alpha of sample 1, MT 1 */
  CHECK(refused("alpha = 1.5"));

  copy_file(h5_good, h5_bad);
  put_value("inputs", 0, INFINITY);
  CHECK(refused("'/inputs' holds inf"));

  copy_file(h5_good, h5_bad);
  put_value("inputs", 7 * 2 + 4, -3); /* f_local of sample 0, MT 2 */
  CHECK(refused("f_local = -3"));

  copy_file(h5_good, h5_bad);
  put_value("cost", 2, NAN);
  CHECK(refused("'/cost'"));

  copy_file(h5_good, h5_bad);
  put_str("format", "mecsim-nn");
  CHECK(refused("not a MEMTL dataset"));

  copy_file(h5_good, h5_bad);
  put_i64("format_version", 2);
  CHECK(refused("format version 2"));

  copy_file(h5_good, h5_bad);
  put_i64("n_mt", 0);
  CHECK(refused("attribute 'n_mt' of '/' is 0"));

  copy_file(h5_good, h5_bad);
  put_i64("n_mt", 99);
  CHECK(refused("attribute 'n_mt' of '/' is 99"));

  copy_file(h5_good, h5_bad);
  put_i64("n_mt", 2);
  CHECK(refused("dataset '/inputs' has rank 3"));

  copy_file(h5_good, h5_bad);
  put_i64("n", 1000000000);
  CHECK(refused("attribute 'n' of '/' is 1000000000"));

  copy_file(h5_good, h5_bad);
  put_str("channel", "fiber");
  CHECK(refused("'channel'"));

  copy_file(h5_good, h5_bad);
  double dv = -1;
  put_attr("p_up", H5T_NATIVE_DOUBLE, &dv);
  CHECK(refused("p_up"));

  copy_file(h5_good, h5_bad);
  dv = NAN;
  put_attr("step", H5T_NATIVE_DOUBLE, &dv);
  CHECK(refused("'step'"));

  copy_file(h5_good, h5_bad);
  put_str("sampler_h_kind", "gamma");
  CHECK(refused("sampler_h_kind"));

  copy_file(h5_good, h5_bad);
  drop("r");
  CHECK(refused("dataset '/r' is missing"));

  copy_file(h5_good, h5_bad);
  drop_attr("seed");
  CHECK(refused("seed"));

  /* not HDF5 at all */
  FILE *fp = fopen(h5_bad, "w");
  fputs("0,1,2\n", fp);
  fclose(fp);
  CHECK(refused("not an HDF5 file"));

  /* the original still loads, and was not touched */
  memtl_dataset_t *ld = memtl_dataset_load(h5_good);
  CHECK(ld && same_dataset(ds, ld));
  CHECK(get_value("code", i) == (double)ds->code[i]);
  memtl_dataset_free(ld);
  memtl_dataset_free(ds);
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                      */
/* ------------------------------------------------------------------------ */
static void write_text(const char *path, const char *text)
{
  FILE *fp = fopen(path, "w");
  fputs(text, fp);
  fclose(fp);
}

static void test_csv_roundtrip(void)
{
  memtl_params_t p = memtl_params_mtfnn_co();
  memtl_dataset_t *ds = small_dataset(21, 25, 3);
  CHECK(ds && memtl_csv_export(ds, csv_path) == 0);
  if (!ds)
    return;
  FILE *fp = fopen(csv_path, "r");
  char line[256] = "";
  CHECK(fp && fgets(line, sizeof line, fp));
  if (fp)
    fclose(fp);
  CHECK(strcmp(line, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21\n") == 0);
  memtl_dataset_t *im = memtl_csv_import(csv_path, &p, 1.0, 0.05);
  CHECK(im != NULL);
  if (im) {
    CHECK(im->n == 25 && im->n_mt == 3);
    CHECK(memcmp(im->mt, ds->mt, 75 * sizeof *ds->mt) == 0);
    CHECK(memcmp(im->d, ds->d, 75 * sizeof *ds->d) == 0 && memcmp(im->r, ds->r, 75 * sizeof *ds->r) == 0);
    CHECK(memcmp(im->code, ds->code, 25 * sizeof *ds->code) == 0);
    CHECK(memcmp(im->cost, ds->cost, 25 * sizeof *ds->cost) == 0);
    CHECK(memcmp(im->feasible, ds->feasible, 25 * sizeof *ds->feasible) == 0);
    CHECK(strcmp(im->generator, "csv") == 0 && strcmp(im->sampler_name, "") == 0 && im->step == 0.05);
    /* an import is a valid dataset file too */
    CHECK(memtl_dataset_save(im, h5_bad) == 0);
    memtl_dataset_t *ld = memtl_dataset_load(h5_bad);
    CHECK(ld && same_dataset(im, ld));
    memtl_dataset_free(ld);
  }
  memtl_dataset_free(im);
  /* download sizes and other deadlines are exported without them */
  ds->mt[4].down_bits = 777;
  ds->mt[5].deadline = 0.25;
  CHECK(memtl_csv_export(ds, csv_path) == 0);
  im = memtl_csv_import(csv_path, &p, 1.0, 0.05);
  CHECK(im && im->mt[4].down_bits == 0 && im->mt[5].deadline == 1.0 && im->mt[4].up_bits == ds->mt[4].up_bits);
  memtl_dataset_free(im);
  memtl_dataset_free(ds);
}

/* The public code's style: integer s, float c, a pandas header, CRLF and a
 * trailing blank line; labels that are not the optimum. */
static const char *public_csv = "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14\r\n"
                                "123456,370368000.0,612345678,0.75,0.3,0.7,"
                                "20000,60000000.0,900000000,0.2,0.9,0.09999999999999998,2,0.0,0\r\n"
                                "400000,1.2e9,100000000,0.5,0.5,0.5,"
                                "1000,3000000.0,50000000,0.9,0.1,0.9,0,0,0\r\n"
                                "\r\n";

static void test_csv_relabel(void)
{
  memtl_params_t p = memtl_params_mtfnn_co();
  write_text(csv_path, public_csv);
  memtl_dataset_t *im = memtl_csv_import(csv_path, &p, 1.0, 0.05);
  CHECK(im != NULL);
  if (!im)
    return;
  CHECK(im->n == 2 && im->n_mt == 2);
  CHECK(im->mt[0].up_bits == 123456 && im->mt[0].cycles == 370368000.0 && im->mt[0].f_local == 612345678);
  CHECK(im->mt[0].deadline == 1.0 && im->mt[0].down_bits == 0 && im->mt[1].alpha == 0.9);
  CHECK(im->code[0] == 2 && im->d[0] == 1 && im->d[1] == 0 && im->r[0] == 0.0 && im->r[1] == 0);
  /* the file's labels, with our cost: an offloader at R = 0 costs +inf */
  CHECK(isinf(im->cost[0]) && im->feasible[0] == 0);
  memtl_pre_t pre[2];
  memtl_precompute(&p, im->mt + 2, 2, pre);
  CHECK(im->cost[1] == pre[0].cost_local + pre[1].cost_local);
  progress_t pr = {0};
  CHECK(memtl_dataset_relabel(im, 0.05, on_progress, &pr, 1) == 0);
  CHECK(pr.calls == 2 && pr.last_done == 2);
  CHECK(strcmp(im->generator, "mecsim exact") == 0);
  int ok = 1;
  for (size_t i = 0; i < im->n; i++) {
    memtl_label_t lab;
    ok = ok && memtl_label_exact(&p, im->mt + 2 * i, 2, 0.05, &lab) == 0;
    ok = ok && lab.code == im->code[i] && lab.cost == im->cost[i] && lab.feasible == im->feasible[i];
    for (size_t j = 0; j < 2; j++)
      ok = ok && lab.d[j] == im->d[2 * i + j] && lab.r[j] == im->r[2 * i + j];
  }
  CHECK(ok);
  CHECK(memtl_dataset_relabel(im, 0.07, NULL, NULL, 0) == -1 && error_has("step", NULL));
  memtl_dataset_free(im);
}

/* Importing `text` fails naming the file and `what` (and `what2`). */
static int csv_refused(const char *text, const char *what, const char *what2)
{
  memtl_params_t p = memtl_params_mtfnn_co();
  write_text(csv_path, text);
  memtl_dataset_t *im = memtl_csv_import(csv_path, &p, 1.0, 0.05);
  int ok = im == NULL && error_has(csv_path, what) && (!what2 || error_has(what2, NULL));
  memtl_dataset_free(im);
  return ok;
}

static void test_csv_errors(void)
{
  const char *hdr = "0,1,2,3,4,5,6,7\n";
  const char *row = "100,300000,1e9,0.5,0.25,0.75,1,0.5\n";
  char buf[1024];
  CHECK(csv_refused("", "empty file", NULL));
  CHECK(csv_refused("\n\n", "empty file", NULL));
  CHECK(csv_refused(hdr, "no data rows", NULL));
  CHECK(csv_refused("0,1,2,3,4,5,6\n1,2,3,4,5,6,7\n", "line 1", "header has 7 fields"));
  snprintf(buf, sizeof buf, "%s%s100,300000,1e9,0.5,0.25,0.75,1\n", hdr, row);
  CHECK(csv_refused(buf, "line 3", "7 fields, expected 8"));
  snprintf(buf, sizeof buf, "%s%s%s100,300000,1e9,0.5,0.25,0.75,1,0.5,9\n", hdr, row, row);
  CHECK(csv_refused(buf, "line 4", "9 fields"));
  snprintf(buf, sizeof buf, "%s100,abc,1e9,0.5,0.25,0.75,1,0.5\n", hdr);
  CHECK(csv_refused(buf, "line 2, column 2", "'abc' is not a number"));
  snprintf(buf, sizeof buf, "%s100,3e5x,1e9,0.5,0.25,0.75,1,0.5\n", hdr);
  CHECK(csv_refused(buf, "line 2, column 2", "not a number"));
  snprintf(buf, sizeof buf, "%s100,,1e9,0.5,0.25,0.75,1,0.5\n", hdr);
  CHECK(csv_refused(buf, "line 2, column 2", "not a number"));
  snprintf(buf, sizeof buf, "%s%s100,nan,1e9,0.5,0.25,0.75,1,0.5\n", hdr, row);
  CHECK(csv_refused(buf, "line 3, column 2", "finite"));
  snprintf(buf, sizeof buf, "%s%s100,300000,1e9,0.5,0.25,0.75,2,0.5\n", hdr, row);
  CHECK(csv_refused(buf, "line 3, column 7", "class code 2"));
  snprintf(buf, sizeof buf, "%s100,300000,1e9,0.5,0.25,0.75,0.5,0.5\n", hdr);
  CHECK(csv_refused(buf, "line 2", "class code 0.5"));
  snprintf(buf, sizeof buf, "%s100,300000,1e9,0.5,0.25,0.75,0,0.5\n", hdr);
  CHECK(csv_refused(buf, "line 2, column 8", "local"));
  snprintf(buf, sizeof buf, "%s100,300000,1e9,0.5,0.25,0.7,1,0.5\n", hdr);
  CHECK(csv_refused(buf, "line 2, column 6", "beta"));
  snprintf(buf, sizeof buf, "%s100,300000,1e9,0.5,1.25,-0.25,1,0.5\n", hdr);
  CHECK(csv_refused(buf, "line 2", "beta of MT 0 is -0.25, expected >= 0"));
  snprintf(buf, sizeof buf, "%s-100,300000,1e9,0.5,0.25,0.75,1,0.5\n", hdr);
  CHECK(csv_refused(buf, "line 2, column 1", "expected >= 0"));
  snprintf(buf, sizeof buf, "%s100,300000,1e9,0.5,0.25,0.75,1,1.5\n", hdr);
  CHECK(csv_refused(buf, "line 2, column 8", "in [0, 1]"));
  snprintf(buf, sizeof buf, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14\n"
                            "1,3000,1e9,0.5,0.5,0.5,1,3000,1e9,0.5,0.5,0.5,3,0.6,0.6\n");
  CHECK(csv_refused(buf, "line 2", "sum to"));
  /* a local fraction within 1e-9 of 0 is accepted and stored as 0 */
  memtl_params_t p = memtl_params_mtfnn_co();
  snprintf(buf, sizeof buf, "%s100,300000,1e9,0.5,0.25,0.75,0,1e-12\n", hdr);
  write_text(csv_path, buf);
  memtl_dataset_t *im = memtl_csv_import(csv_path, &p, 1.0, 0.05);
  CHECK(im && im->r[0] == 0 && im->d[0] == 0);
  memtl_dataset_free(im);
  CHECK(memtl_csv_import("/nonexistent-dir/x.csv", &p, 1.0, 0.05) == NULL && error_has("cannot open", NULL));
  CHECK(memtl_csv_import(csv_path, &p, 1.0, 0.3) == NULL && error_has("step", NULL));
}

/* ------------------------------------------------------------------------ */
/* Features, splits, bootstrap                                              */
/* ------------------------------------------------------------------------ */
static void test_features(void)
{
  memtl_mt_t mt[2] = {{.up_bits = 1, .cycles = 2, .down_bits = 3, .deadline = 4, .f_local = 5, .h = 6, .alpha = 0.25},
                      {.up_bits = 10, .cycles = 20, .down_bits = 30, .deadline = 40, .f_local = 50, .h = 60,
                       .alpha = 1}};
  double x[16];
  memtl_features_raw(mt, 2, x);
  const double want[16] = {1, 2, 3, 4, 5, 6, 0.25, 0.75, 10, 20, 30, 40, 50, 60, 1, 0};
  CHECK(memcmp(x, want, sizeof want) == 0);

  memtl_dataset_t *ds = small_dataset(5, 50, 2);
  memtl_norm_t nm;
  memtl_norm_fit(ds, &nm);
  CHECK(nm.dim == 16);
  double *f = memtl_features(ds, &nm);
  CHECK(f != NULL);
  int in01 = 1, const0 = 1, hits0 = 0, hits1 = 0;
  for (size_t i = 0; f && i < ds->n; i++)
    for (size_t k = 0; k < 16; k++) {
      double v = f[i * 16 + k];
      in01 = in01 && v >= -1e-12 && v <= 1 + 1e-12;
      if (k % 8 == 2 || k % 8 == 3) /* down_bits 0 and deadline 1 are constant */
        const0 = const0 && v == 0;
      else
        hits0 += fabs(v) < 1e-12, hits1 += fabs(v - 1) < 1e-12;
    }
  CHECK(in01 && const0);
  CHECK(hits0 >= 12 && hits1 >= 12); /* each varying column reaches 0 and 1 */
  /* a new environment maps outside [0, 1] */
  memtl_mt_t far[2] = {ds->mt[0], ds->mt[1]};
  far[0].up_bits = 2 * nm.hi[0];
  far[1].deadline = 7;
  double raw[16], y[16];
  memtl_features_raw(far, 2, raw);
  memtl_norm_apply(&nm, raw, y);
  CHECK(y[0] > 1.5 && y[8 + 3] == 0);
  CHECK(y[4] == f[4]);
  free(f);
  memtl_dataset_free(ds);
}

typedef struct { double key; size_t i; } key_t_;

static int key_cmp(const void *a, const void *b)
{
  const key_t_ *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->i < y->i ? -1 : 1;
}

/* split_dataset2subsets_train's criterion on the public 6 features (s, c,
 * f_local, h, alpha, beta), scaled as sklearn's MinMaxScaler does. */
static void public_order(const memtl_dataset_t *ds, key_t_ *k)
{
  const size_t N = ds->n_mt, cols = 6 * N;
  double *X = malloc(ds->n * cols * sizeof *X), *scale = malloc(cols * sizeof *scale),
         *min = malloc(cols * sizeof *min);
  for (size_t i = 0; i < ds->n; i++)
    for (size_t j = 0; j < N; j++) {
      const memtl_mt_t *m = &ds->mt[i * N + j];
      double v[6] = {m->up_bits, m->cycles, m->f_local, m->h, m->alpha, 1 - m->alpha};
      memcpy(X + i * cols + 6 * j, v, sizeof v);
    }
  for (size_t c = 0; c < cols; c++) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < ds->n; i++)
      lo = fmin(lo, X[i * cols + c]), hi = fmax(hi, X[i * cols + c]);
    scale[c] = 1.0 / (hi - lo > 0 ? hi - lo : 1.0);
    min[c] = 0 - lo * scale[c];
  }
  for (size_t i = 0; i < ds->n; i++) {
    double total = 0;
    for (size_t j = 0; j < N; j++) {
      double s = 0;
      for (size_t c = 6 * j; c < 6 * j + 6; c++) {
        double x = X[i * cols + c] * scale[c] + min[c];
        s += x * x;
      }
      total += s;
    }
    k[i] = (key_t_){total / (double)N, i};
  }
  qsort(k, ds->n, sizeof *k, key_cmp);
  free(X);
  free(scale);
  free(min);
}

static void test_split_new_env(void)
{
  const size_t n = 300, n_test = 60;
  memtl_dataset_t *ds = small_dataset(17, n, 3);
  size_t train[300], test[60];
  double thr = NAN;
  CHECK(memtl_split_new_env(ds, n_test, train, test, &thr) == 0);
  int seen[300] = {0};
  for (size_t i = 0; i < n - n_test; i++)
    seen[train[i]]++;
  for (size_t i = 0; i < n_test; i++)
    seen[test[i]]++;
  int once = 1;
  for (size_t i = 0; i < n; i++)
    once = once && seen[i] == 1;
  CHECK(once); /* disjoint, and together every sample */
  key_t_ pub[300];
  public_order(ds, pub);
  int same_order = 1, bounds = 1;
  for (size_t i = 0; i < n; i++) {
    size_t ours = i < n - n_test ? train[i] : test[i - (n - n_test)];
    same_order = same_order && ours == pub[i].i;
    bounds = bounds && (i < n - n_test ? pub[i].key <= thr : pub[i].key >= thr);
  }
  CHECK(same_order);
  CHECK(bounds);
  CHECK(thr == pub[n - n_test].key);
  /* edge sizes */
  CHECK(memtl_split_new_env(ds, 0, train, NULL, &thr) == 0 && isinf(thr));
  size_t every[300];
  CHECK(memtl_split_new_env(ds, n, NULL, every, &thr) == 0 && thr == pub[0].key && every[0] == pub[0].i);
  CHECK(memtl_split_new_env(ds, n + 1, train, test, &thr) == -1);
  /* ties: identical samples keep their index order */
  size_t idx[6] = {4, 4, 4, 9, 9, 1};
  memtl_dataset_t *dup = memtl_dataset_subset(ds, idx, 6);
  size_t tr[4], te[2];
  CHECK(dup && memtl_split_new_env(dup, 2, tr, te, NULL) == 0);
  int ordered = 1;
  size_t all[6];
  memcpy(all, tr, sizeof tr);
  memcpy(all + 4, te, sizeof te);
  for (size_t a = 0; a + 1 < 6; a++)
    if (dup->mt[3 * all[a]].up_bits == dup->mt[3 * all[a + 1]].up_bits &&
        memcmp(&dup->mt[3 * all[a]], &dup->mt[3 * all[a + 1]], 3 * sizeof *dup->mt) == 0)
      ordered = ordered && all[a] < all[a + 1];
  CHECK(ordered);
  memtl_dataset_free(dup);
  memtl_dataset_free(ds);
}

static void test_split_random(void)
{
  memtl_dataset_t *ds = small_dataset(2, 50, 2);
  size_t tr1[40], te1[10], tr2[40], te2[10];
  gsl_rng *a = mec_rng_new(5, MEC_STREAM_TRAINING, 1), *b = mec_rng_new(5, MEC_STREAM_TRAINING, 1);
  CHECK(memtl_split_random(ds, 10, a, tr1, te1) == 0 && memtl_split_random(ds, 10, b, tr2, te2) == 0);
  CHECK(memcmp(tr1, tr2, sizeof tr1) == 0 && memcmp(te1, te2, sizeof te1) == 0);
  int seen[50] = {0}, once = 1, sorted = 1;
  for (size_t i = 0; i < 40; i++)
    seen[tr1[i]]++, sorted = sorted && (i == 0 || tr1[i] > tr1[i - 1]);
  for (size_t i = 0; i < 10; i++)
    seen[te1[i]]++;
  for (size_t i = 0; i < 50; i++)
    once = once && seen[i] == 1;
  CHECK(once && !sorted);
  gsl_rng_free(a);
  gsl_rng_free(b);
  memtl_dataset_free(ds);
}

static void test_bootstrap(void)
{
  size_t idx[100], o1[100], o2[100], o3[100];
  for (size_t i = 0; i < 100; i++)
    idx[i] = 2 * i + 7;
  gsl_rng *a = mec_rng_new(9, MEC_STREAM_TRAINING, 2), *b = mec_rng_new(9, MEC_STREAM_TRAINING, 2),
          *c = mec_rng_new(10, MEC_STREAM_TRAINING, 2);
  memtl_bootstrap(idx, 100, a, o1);
  memtl_bootstrap(idx, 100, b, o2);
  memtl_bootstrap(idx, 100, c, o3);
  CHECK(memcmp(o1, o2, sizeof o1) == 0);
  CHECK(memcmp(o1, o3, sizeof o1) != 0);
  int from_idx = 1, all_same = 1, distinct = 0, hit[100] = {0};
  for (size_t k = 0; k < 100; k++) {
    from_idx = from_idx && o1[k] >= 7 && o1[k] <= 205 && (o1[k] - 7) % 2 == 0;
    all_same = all_same && o1[k] == o1[0];
    if (from_idx && !hit[(o1[k] - 7) / 2]++)
      distinct++;
  }
  CHECK(from_idx && !all_same);
  CHECK(distinct > 40 && distinct < 100); /* with replacement: about 63 distinct */
  gsl_rng_free(a);
  gsl_rng_free(b);
  gsl_rng_free(c);
}

int main(void)
{
  snprintf(h5_good, sizeof h5_good, "test_memtl_data_good_%d.h5", (int)getpid());
  snprintf(h5_bad, sizeof h5_bad, "test_memtl_data_bad_%d.h5", (int)getpid());
  snprintf(csv_path, sizeof csv_path, "test_memtl_data_%d.csv", (int)getpid());
  RUN(test_presets);
  RUN(test_draws);
  RUN(test_generate);
  RUN(test_subset);
  RUN(test_h5_roundtrip);
  RUN(test_h5_corrupt);
  RUN(test_csv_roundtrip);
  RUN(test_csv_relabel);
  RUN(test_csv_errors);
  RUN(test_features);
  RUN(test_split_new_env);
  RUN(test_split_random);
  RUN(test_bootstrap);
  unlink(h5_good);
  unlink(h5_bad);
  unlink(csv_path);
  return CHECK_DONE();
}
