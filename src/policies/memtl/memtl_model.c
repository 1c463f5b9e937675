/* memtl_model.c - the MTFNN / MEMTL networks, Algorithm 2 (head pick by
 * cost), evaluation and the HDF5 model file; see memtl_model.h. Training is
 * in memtl_train.c. */
#include "policies/memtl/memtl_model.h"
#include "model/rng.h"
#include "nn/nn_h5attr.h"
#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MEMTL_MODEL_FORMAT "mecsim-memtl-model"
#define MEMTL_MODEL_FORMAT_VERSION 1
#define BB_H1 60   /* backbone first layer */
#define HEAD_H 40  /* head hidden layer */
#define R_FLOOR 1e-6
#define CHUNK 4096 /* rows per decide call in memtl_evaluate */

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */
static _Thread_local char memtl_err_[1024];

const char *memtl_model_error(void) { return memtl_err_; }

int memtl_model_fail(const char *fmt, ...)
{
  char buf[sizeof memtl_err_];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap); /* via buf: fmt's arguments may be memtl_err_ itself */
  va_end(ap);
  for (char *c = buf; *c; c++) /* one line, whatever the pieces held */
    if (*c == '\n' || *c == '\r')
      *c = ' ';
  memcpy(memtl_err_, buf, sizeof buf);
  return -1;
}
#define mfail memtl_model_fail

/* ------------------------------------------------------------------------ */
/* Networks                                                                 */
/* ------------------------------------------------------------------------ */
static size_t backbone_width(memtl_kind_t kind, size_t n_mt) { return kind == MEMTL_KIND_MEMTL ? 10 * n_mt : 20; }

/* Initialisation: NN_INIT_DEFAULT, i.e. He normal for the dense layers
 * followed by ReLU and Xavier uniform for the heads' linear output layer.
 * The public code (Keras) uses he_uniform / random_uniform in the backbone
 * and glorot_uniform with zero biases in the heads; the scale is what
 * matters for training, and He/Xavier give it for these activations. */
static nn_net_t *backbone_new(memtl_kind_t kind, size_t n_mt, uint64_t seed)
{
  nn_net_t *net = nn_net_new(MEMTL_FEATURES_PER_MT * n_mt, "memtl_backbone");
  if (!net)
    return NULL;
  if (nn_net_add_dense(net, BB_H1, NN_INIT_DEFAULT) < 0 || nn_net_add_act(net, NN_ACT_RELU) < 0 ||
      nn_net_add_dense(net, backbone_width(kind, n_mt), NN_INIT_DEFAULT) < 0 ||
      nn_net_add_act(net, NN_ACT_RELU) < 0 || nn_net_finalize(net, seed) < 0) {
    nn_net_free(net);
    return NULL;
  }
  return net;
}

static nn_net_t *head_new(size_t width, size_t n_mt, uint64_t seed)
{
  nn_net_t *net = nn_net_new(width, "memtl_head");
  if (!net)
    return NULL;
  if (nn_net_add_dense(net, HEAD_H, NN_INIT_DEFAULT) < 0 || nn_net_add_act(net, NN_ACT_RELU) < 0 ||
      nn_net_add_dense(net, ((size_t)1 << n_mt) + n_mt, NN_INIT_DEFAULT) < 0 || nn_net_finalize(net, seed) < 0) {
    nn_net_free(net);
    return NULL;
  }
  return net;
}

/* A model with no networks yet: sizes, identity norm, the public preset. */
static memtl_model_t *model_shell(memtl_kind_t kind, size_t n_mt)
{
  memtl_model_t *m = calloc(1, sizeof *m);
  if (!m) {
    mfail("memtl model: out of memory");
    return NULL;
  }
  m->kind = kind;
  m->n_mt = n_mt;
  m->n_in = MEMTL_FEATURES_PER_MT * n_mt;
  m->n_codes = (size_t)1 << n_mt;
  m->norm.dim = m->n_in;
  for (size_t j = 0; j < m->n_in; j++) {
    m->norm.lo[j] = 0;
    m->norm.hi[j] = 1;
  }
  m->params = memtl_params_mtfnn_co();
  m->step = 0.02; /* replaced by memtl_model_fit_norm with the training set's */
  return m;
}

memtl_model_t *memtl_model_new(memtl_kind_t kind, size_t n_mt, size_t n_heads, uint64_t seed)
{
  if (kind != MEMTL_KIND_MTFNN && kind != MEMTL_KIND_MEMTL) {
    mfail("memtl model: unknown kind %d (0 MTFNN, 1 MEMTL)", (int)kind);
    return NULL;
  }
  if (n_mt < 1 || n_mt > MEMTL_MAX_N || n_heads < 1 || n_heads > MEMTL_MAX_HEADS ||
      (kind == MEMTL_KIND_MTFNN && n_heads != 1)) {
    mfail("memtl model: %zu MTs and %zu heads; need 1..%d MTs and 1..%d heads (MTFNN exactly 1)", n_mt, n_heads,
          MEMTL_MAX_N, MEMTL_MAX_HEADS);
    return NULL;
  }
  memtl_model_t *m = model_shell(kind, n_mt);
  if (!m)
    return NULL;
  /* one derived seed per network: the backbone's and head i's do not depend
   * on how many heads there are */
  m->backbone = backbone_new(kind, n_mt, mec_splitmix64(seed));
  if (!m->backbone) {
    mfail("memtl model: cannot build the backbone: %s", nn_last_error());
    memtl_model_free(m);
    return NULL;
  }
  for (size_t i = 0; i < n_heads; i++)
    if (memtl_model_add_head(m, mec_splitmix64(seed + 1 + i)) < 0) {
      memtl_model_free(m);
      return NULL;
    }
  return m;
}

void memtl_model_free(memtl_model_t *m)
{
  if (!m)
    return;
  nn_net_free(m->backbone);
  for (size_t i = 0; i < MEMTL_MAX_HEADS; i++)
    nn_net_free(m->head[i]);
  free(m);
}

int memtl_model_add_head(memtl_model_t *m, uint64_t seed)
{
  if (!m || !m->backbone)
    return mfail("memtl model: no model given");
  if (m->n_heads >= MEMTL_MAX_HEADS || (m->kind == MEMTL_KIND_MTFNN && m->n_heads >= 1))
    return mfail("memtl model: cannot add a head: it has %zu (at most %d, MTFNN 1)", m->n_heads,
                 m->kind == MEMTL_KIND_MTFNN ? 1 : MEMTL_MAX_HEADS);
  nn_net_t *h = head_new(nn_net_n_out(m->backbone), m->n_mt, seed);
  if (!h)
    return mfail("memtl model: cannot build a head: %s", nn_last_error());
  m->head[m->n_heads] = h;
  return (int)m->n_heads++;
}

int memtl_model_reset_head(memtl_model_t *m, size_t i, uint64_t seed)
{
  if (!m || !m->backbone || i >= m->n_heads)
    return mfail("memtl model: no head %zu to reset (the model has %zu)", i, m ? m->n_heads : 0);
  nn_net_t *h = head_new(nn_net_n_out(m->backbone), m->n_mt, seed);
  if (!h)
    return mfail("memtl model: cannot build a head: %s", nn_last_error());
  nn_net_free(m->head[i]);
  m->head[i] = h;
  return 0;
}

size_t memtl_model_params(const memtl_model_t *m, size_t *backbone, size_t *per_head)
{
  size_t nb = 0, nh = 0;
  if (m && m->backbone)
    nn_net_params(m->backbone, &nb);
  if (m && m->n_heads && m->head[0])
    nn_net_params(m->head[0], &nh);
  if (backbone)
    *backbone = nb;
  if (per_head)
    *per_head = nh;
  return nb + (m ? m->n_heads : 0) * nh;
}

/* ------------------------------------------------------------------------ */
/* Decoding and Algorithm 2                                                 */
/* ------------------------------------------------------------------------ */
static double sigmoid(double z)
{
  if (z >= 0)
    return 1 / (1 + exp(-z));
  double e = exp(z);
  return e / (1 + e);
}

void memtl_head_decision(const double *y, size_t n_mt, memtl_decision_t *out)
{
  size_t C = (size_t)1 << n_mt;
  size_t best = 0;
  for (size_t c = 1; c < C; c++) /* ties to the lowest code; a NaN logit never wins */
    if (y[c] > y[best] || (isnan(y[best]) && !isnan(y[c])))
      best = c;
  out->code = (uint32_t)best;
  memtl_decode(out->code, n_mt, out->d);
  double sum = 0;
  for (size_t n = 0; n < n_mt; n++) {
    double s = sigmoid(y[C + n]);
    out->r[n] = out->d[n] && s == s ? s : 0; /* NaN counts as 0, floored below */
    sum += out->r[n];
  }
  for (size_t n = 0; n < n_mt; n++) {
    if (sum > 1)
      out->r[n] /= sum; /* C4: sum R <= 1 */
    if (out->d[n] && out->r[n] < R_FLOOR)
      out->r[n] = R_FLOOR; /* eq. 5 needs R > 0 */
  }
  for (size_t n = n_mt; n < MEMTL_MAX_N; n++) {
    out->d[n] = 0;
    out->r[n] = 0;
  }
  out->cost = NAN;
  out->feasible = 0;
  out->head = -1;
}

/* a is better than b: feasible first, then strictly lower cost (NaN as +inf). */
static int better(const memtl_decision_t *a, const memtl_decision_t *b)
{
  if (a->feasible != b->feasible)
    return a->feasible > b->feasible;
  double ca = isnan(a->cost) ? INFINITY : a->cost, cb = isnan(b->cost) ? INFINITY : b->cost;
  return ca < cb;
}

static double sq_dist(const double *r, const double *t, size_t n)
{
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (r[i] - t[i]) * (r[i] - t[i]);
  return s;
}

int memtl_model_decide(memtl_model_t *m, const memtl_mt_t *mt, size_t batch, int pick, const double *truth_r,
                       memtl_decision_t *out, double *macs)
{
  if (macs)
    *macs = 0;
  if (!m || !m->backbone || m->n_heads < 1)
    return mfail("memtl decide: no model given");
  if (batch == 0)
    return 0;
  if (!mt || !out)
    return mfail("memtl decide: no inputs or outputs given");
  if (pick != MEMTL_PICK_COST && pick != MEMTL_PICK_ORACLE && !(pick >= 0 && (size_t)pick < m->n_heads))
    return mfail("memtl decide: pick %d is neither cost (-1), oracle (-2) nor a head 0..%zu", pick, m->n_heads - 1);
  if (pick == MEMTL_PICK_ORACLE && !truth_r)
    return mfail("memtl decide: the oracle pick needs the ground-truth R");
  const size_t N = m->n_mt, NI = m->n_in, C = m->n_codes;
  double *x = malloc(batch * NI * sizeof *x);
  memtl_pre_t *pre = malloc(batch * N * sizeof *pre);
  int rc = 0;
  if (!x || !pre) {
    rc = mfail("memtl decide: out of memory for %zu samples", batch);
    goto out;
  }
  for (size_t b = 0; b < batch; b++) {
    double raw[MEMTL_MAX_N * MEMTL_FEATURES_PER_MT];
    if (memtl_precompute(&m->params, mt + b * N, N, pre + b * N) < 0) {
      rc = mfail("memtl decide: sample %zu has an invalid input (non-finite, negative or alpha outside [0, 1]) or "
                 "the model's parameters are invalid",
                 b);
      goto out;
    }
    memtl_features_raw(mt + b * N, N, raw);
    memtl_norm_apply(&m->norm, raw, x + b * NI);
  }
  const double *z = nn_net_forward(m->backbone, x, batch);
  if (!z) {
    rc = mfail("memtl decide: backbone: %s", nn_last_error());
    goto out;
  }
  size_t h0 = pick >= 0 ? (size_t)pick : 0, h1 = pick >= 0 ? (size_t)pick + 1 : m->n_heads;
  for (size_t h = h0; h < h1; h++) {
    const double *y = nn_net_forward(m->head[h], z, batch);
    if (!y) {
      rc = mfail("memtl decide: head %zu: %s", h, nn_last_error());
      goto out;
    }
    for (size_t b = 0; b < batch; b++) {
      memtl_decision_t d;
      memtl_head_decision(y + b * (C + N), N, &d);
      d.head = (int)h;
      d.cost = memtl_total_cost(pre + b * N, N, d.d, d.r);
      d.feasible = memtl_meets_deadlines(mt + b * N, pre + b * N, N, d.d, d.r);
      int take = h == h0;
      if (!take && pick == MEMTL_PICK_COST)
        take = better(&d, &out[b]);
      else if (!take && pick == MEMTL_PICK_ORACLE)
        take = sq_dist(d.r, truth_r + b * N, N) < sq_dist(out[b].r, truth_r + b * N, N);
      if (take)
        out[b] = d;
    }
  }
  if (macs) {
    double nb = (double)nn_net_macs(m->backbone, 1), nh = (double)nn_net_macs(m->head[0], 1);
    if (pick >= 0 || m->n_heads == 1)
      *macs = nb + nh; /* one head (MTFNN, or a fixed pick): nothing to compare */
    else if (pick == MEMTL_PICK_ORACLE)
      *macs = nb + (double)m->n_heads * nh;
    else
      *macs = nb + (double)m->n_heads * (nh + MEMTL_FLOPS_PER_MT_EVAL * (double)N);
  }
out:
  free(x);
  free(pre);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Evaluation                                                               */
/* ------------------------------------------------------------------------ */
static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int memtl_evaluate(memtl_model_t *m, const memtl_dataset_t *ds, const size_t *idx, size_t n_idx, int pick,
                   memtl_eval_t *out)
{
  if (!m || !ds || !out || (n_idx && !idx))
    return mfail("memtl evaluate: no model, dataset, rows or output given");
  memset(out, 0, sizeof *out);
  if (ds->n_mt != m->n_mt)
    return mfail("memtl evaluate: the dataset has %zu MTs per sample, the model %zu", ds->n_mt, m->n_mt);
  for (size_t i = 0; i < n_idx; i++)
    if (idx[i] >= ds->n)
      return mfail("memtl evaluate: row %zu is %zu, the dataset has %zu samples", i, idx[i], ds->n);
  if (n_idx == 0)
    return 0;
  const size_t N = m->n_mt, chunk = n_idx < CHUNK ? n_idx : CHUNK;
  memtl_mt_t *mt = malloc(chunk * N * sizeof *mt);
  double *tr = malloc(chunk * N * sizeof *tr);
  memtl_decision_t *dec = malloc(chunk * sizeof *dec);
  double *ratios = malloc(n_idx * sizeof *ratios); /* for the median */
  int rc = 0;
  if (!mt || !tr || !dec || !ratios) {
    rc = mfail("memtl evaluate: out of memory");
    goto out;
  }
  double se = 0, ns = 0, ratio = 0;
  size_t hits = 0, feas = 0, n_ratio = 0, picks[MEMTL_MAX_HEADS] = {0};
  for (size_t s = 0; s < n_idx; s += chunk) {
    size_t nb = n_idx - s < chunk ? n_idx - s : chunk;
    for (size_t b = 0; b < nb; b++) {
      memcpy(mt + b * N, ds->mt + idx[s + b] * N, N * sizeof *mt);
      memcpy(tr + b * N, ds->r + idx[s + b] * N, N * sizeof *tr);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = memtl_model_decide(m, mt, nb, pick, tr, dec, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc < 0)
      goto out;
    ns += (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    for (size_t b = 0; b < nb; b++) {
      size_t i = idx[s + b];
      se += sq_dist(dec[b].r, ds->r + i * N, N);
      hits += dec[b].code == ds->code[i];
      feas += dec[b].feasible != 0;
      if (dec[b].head >= 0 && dec[b].head < MEMTL_MAX_HEADS)
        picks[dec[b].head]++;
      if (isfinite(ds->cost[i]) && ds->cost[i] > 0) {
        ratio += dec[b].cost / ds->cost[i]; /* an infinite decision cost makes the mean infinite: as it is */
        ratios[n_ratio++] = dec[b].cost / ds->cost[i];
      }
    }
  }
  out->n = n_idx;
  out->mse = se / ((double)n_idx * (double)N);
  out->accuracy = (double)hits / (double)n_idx;
  out->cost_ratio = n_ratio ? ratio / (double)n_ratio : NAN;
  out->cost_ratio_median = NAN;
  if (n_ratio) {
    qsort(ratios, n_ratio, sizeof *ratios, cmp_double);
    out->cost_ratio_median = n_ratio % 2 ? ratios[n_ratio / 2] : 0.5 * (ratios[n_ratio / 2 - 1] + ratios[n_ratio / 2]);
  }
  out->feasible = (double)feas / (double)n_idx;
  out->us_per_sample = ns / 1e3 / (double)n_idx;
  for (size_t h = 0; h < MEMTL_MAX_HEADS; h++)
    out->pick_rate[h] = (double)picks[h] / (double)n_idx;
out:
  free(mt);
  free(tr);
  free(dec);
  free(ratios);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Model file: writing                                                      */
/* ------------------------------------------------------------------------ */
typedef struct { const char *name; size_t off; } pfield_t;
#define PF(x) {"param_" #x, offsetof(memtl_params_t, x)}
static const pfield_t pfields[] = {PF(f_server), PF(kappa), PF(bandwidth), PF(p_up), PF(p_exec), PF(p_down),
                                   PF(noise_w)};
#undef PF
#define NPF (sizeof pfields / sizeof pfields[0])
#define PFLD(p, f) (*(double *)((char *)(p) + (f).off))

int memtl_model_save(const memtl_model_t *m, const char *path)
{
  if (!m || !m->backbone || !path || !*path)
    return mfail("memtl model: no model or path given");
  for (size_t i = 0; i < m->n_heads; i++)
    if (!m->head[i])
      return mfail("memtl model: head %zu is missing", i);
  char tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  int rc = -1;
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  if (f < 0) {
    mfail("memtl model: %s", why);
    goto out;
  }
  int arc = nn_h5attr_write_str(f, "format", MEMTL_MODEL_FORMAT) |
            nn_h5attr_write_i64(f, "format_version", MEMTL_MODEL_FORMAT_VERSION) |
            nn_h5attr_write_i64(f, "kind", (int64_t)m->kind) | nn_h5attr_write_i64(f, "n_mt", (int64_t)m->n_mt) |
            nn_h5attr_write_i64(f, "n_heads", (int64_t)m->n_heads) | nn_h5attr_write_f64(f, "step", m->step) |
            nn_h5attr_write_i64(f, "param_channel", (int64_t)m->params.channel) |
            nn_h5attr_write_str(f, "kind_name", m->kind == MEMTL_KIND_MEMTL ? "memtl" : "mtfnn") |
            nn_h5attr_write_str(f, "features", "per MT: up_bits, cycles, down_bits, deadline, f_local, h, alpha, "
                                               "1 - alpha; min-max scaled with norm_lo, norm_hi") |
            nn_h5attr_write(f, "norm_lo", H5T_NATIVE_DOUBLE, m->norm.lo, m->n_in) |
            nn_h5attr_write(f, "norm_hi", H5T_NATIVE_DOUBLE, m->norm.hi, m->n_in);
  for (size_t i = 0; i < NPF; i++)
    arc |= nn_h5attr_write_f64(f, pfields[i].name, PFLD(&m->params, pfields[i]));
  if (arc) {
    mfail("memtl model: cannot write the attributes of '%s'", tmp);
    goto out;
  }
  if (nn_net_save_group(m->backbone, f, "backbone") < 0) {
    mfail("memtl model: saving the backbone into '%s': %s", tmp, nn_last_error());
    goto out;
  }
  for (size_t i = 0; i < m->n_heads; i++) {
    char g[32];
    snprintf(g, sizeof g, "head_%02zu", i);
    if (nn_net_save_group(m->head[i], f, g) < 0) {
      mfail("memtl model: saving '%s' into '%s': %s", g, tmp, nn_last_error());
      goto out;
    }
  }
  rc = 0;
out:
  if (nn_h5attr_finish_tmp(f, tmp, path, rc == 0, why, sizeof why) < 0 && rc == 0)
    rc = mfail("memtl model: %s", why);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Model file: reading (untrusted input)                                    */
/* ------------------------------------------------------------------------ */
static int rd_fail(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *msg)
{
  (void)err;
  return mfail("memtl model '%s': %s", h->path, msg);
}
#define rfail(r, ...) nn_h5attr_fail((r), NN_H5ATTR_EFORMAT, __VA_ARGS__)


memtl_model_t *memtl_model_load(const char *path)
{
  memtl_err_[0] = '\0';
  if (!path || !*path) {
    mfail("memtl model: no model file given");
    return NULL;
  }
  const nn_h5attr_t r = {.path = path, .obj = "/", .shape = NN_H5ATTR_SHAPE_ONE, .fail = rd_fail};
  hid_t f = nn_h5attr_open_model(&r, MEMTL_MODEL_FORMAT, MEMTL_MODEL_FORMAT_VERSION, "MEMTL/MTFNN model");
  if (f < 0)
    return NULL;
  memtl_model_t *m = NULL;
  H5E_BEGIN_TRY
  {
    int64_t kind = 0, n_mt = 0, n_heads = 0, chan = 0;
    double step = 0;
    memtl_params_t par;
    memset(&par, 0, sizeof par);
    if (nn_h5attr_int(&r, f, "kind", 0, 1, 0, &kind) < 0 || nn_h5attr_int(&r, f, "n_mt", 1, MEMTL_MAX_N, 0, &n_mt) < 0 ||
        nn_h5attr_int(&r, f, "n_heads", 1, MEMTL_MAX_HEADS, 0, &n_heads) < 0)
      goto out;
    if (kind == MEMTL_KIND_MTFNN && n_heads != 1) {
      rfail(&r, "an MTFNN model (kind 0) has exactly one head, attribute 'n_heads' is %" PRId64, n_heads);
      goto out;
    }
    if (nn_h5attr_double(&r, f, "step", 0, &step) < 0)
      goto out;
    if (memtl_grid_units(step) <= 0) {
      rfail(&r, "attribute 'step' is %g, not a grid step (1/step an integer up to %d)", step, MEMTL_MAX_GRID);
      goto out;
    }
    for (size_t i = 0; i < NPF; i++) {
      if (nn_h5attr_double(&r, f, pfields[i].name, 0, &PFLD(&par, pfields[i])) < 0)
        goto out;
      if (!(PFLD(&par, pfields[i]) >= 0)) {
        rfail(&r, "attribute '%s' is %g, must be >= 0", pfields[i].name, PFLD(&par, pfields[i]));
        goto out;
      }
    }
    if (nn_h5attr_int(&r, f, "param_channel", 0, 1, 0, &chan) < 0)
      goto out;
    par.channel = (memtl_channel_t)chan;
    m = model_shell((memtl_kind_t)kind, (size_t)n_mt);
    if (!m)
      goto out;
    m->n_heads = 0;
    m->step = step;
    m->params = par;
    if (nn_h5attr_doubles(&r, f, "norm_lo", m->n_in, 0, m->norm.lo) < 0 ||
        nn_h5attr_doubles(&r, f, "norm_hi", m->n_in, 0, m->norm.hi) < 0)
      goto fail;
    for (size_t j = 0; j < m->n_in; j++)
      if (!(m->norm.hi[j] >= m->norm.lo[j])) {
        rfail(&r, "norm_hi[%zu] = %g is below norm_lo[%zu] = %g", j, m->norm.hi[j], j, m->norm.lo[j]);
        goto fail;
      }
    m->backbone = backbone_new(m->kind, m->n_mt, 0);
    if (!m->backbone) {
      rfail(&r, "cannot build the backbone: %s", nn_last_error());
      goto fail;
    }
    if (nn_h5attr_load_net_into(&r, f, "backbone", m->backbone, "the backbone",
                 m->kind == MEMTL_KIND_MEMTL ? "8 N features -> 10 N" : "8 N features -> 20") < 0)
      goto fail;
    for (size_t i = 0; i < (size_t)n_heads; i++) {
      char g[32];
      snprintf(g, sizeof g, "head_%02zu", i);
      if (memtl_model_add_head(m, 0) < 0) {
        rfail(&r, "cannot build %s: %s", g, memtl_err_);
        goto fail;
      }
      if (nn_h5attr_load_net_into(&r, f, g, m->head[i], "a head", "the backbone's width -> 2^N codes + N fractions") < 0)
        goto fail;
    }
    if ((size_t)n_heads < MEMTL_MAX_HEADS) {
      char g[32];
      snprintf(g, sizeof g, "head_%02zu", (size_t)n_heads);
      if (H5Lexists(f, g, H5P_DEFAULT) > 0) {
        rfail(&r, "group '/%s' is present but attribute 'n_heads' is %" PRId64, g, n_heads);
        goto fail;
      }
    }
    goto out;
  fail:
    memtl_model_free(m);
    m = NULL;
  out:;
  }
  H5E_END_TRY;
  H5Fclose(f);
  return m;
}
