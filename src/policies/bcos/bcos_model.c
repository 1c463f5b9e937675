/* bcos_model.c - the BCOS networks, their constraint layers, the forward
 * pass and the HDF5 model file; see bcos_model.h. Losses, training and
 * evaluation are in bcos_train.c. */
#include "policies/bcos/bcos_model.h"
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
#include <unistd.h>

#define BCOS_MODEL_FORMAT "mecsim-bcos-model"
#define BCOS_MODEL_FORMAT_VERSION 1

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */
static _Thread_local char bcos_err_[1024];

const char *bcos_model_error(void) { return bcos_err_; }

int bcos_model_fail(const char *fmt, ...)
{
  char buf[sizeof bcos_err_];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap); /* via buf: an argument may be bcos_err_ itself */
  va_end(ap);
  for (char *c = buf; *c; c++)
    if (*c == '\n' || *c == '\r')
      *c = ' ';
  memcpy(bcos_err_, buf, sizeof buf);
  return -1;
}
#define bfail bcos_model_fail

/* ------------------------------------------------------------------------ */
/* Networks                                                                 */
/* ------------------------------------------------------------------------ */
/* One FCN: (dense -> BN -> ReLU) x 2 -> dense -> sigmoid, eqs. 7-8. BN
 * momentum 0.1, eps 1e-5 (PyTorch's defaults; the paper gives none). */
static nn_net_t *fcn_new(size_t n_in, size_t hidden, size_t K, const char *name, uint64_t seed)
{
  nn_mlp_cfg_t c = {.n_in = n_in,
                    .hidden = {hidden, hidden},
                    .n_out = K,
                    .hidden_act = NN_ACT_RELU,
                    .out_act = NN_ACT_SIGMOID,
                    .batchnorm = 1,
                    .init = NN_INIT_DEFAULT,
                    .name = name};
  nn_net_t *net = nn_mlp_new(&c, seed);
  if (net)
    nn_net_set_training(net, 0);
  return net;
}

static const char *const net_group[5] = {"a", "t_student", "p_student", "t_teacher", "p_teacher"};

static nn_net_t **net_slot(bcos_model_t *m, int i)
{
  switch (i) {
  case 0: return &m->a;
  case 1: return &m->t_s;
  case 2: return &m->p_s;
  case 3: return &m->t_a;
  default: return &m->p_a;
  }
}

static const double feat_lo[BCOS_FEATURES_PER_MD] = {-3.0, BCOS_BITS_MIN, BCOS_CPB_MIN, BCOS_F_MIN};
static const double feat_hi[BCOS_FEATURES_PER_MD] = {1.0, BCOS_BITS_MAX, BCOS_CPB_MAX, BCOS_F_MAX};

static int params_ok(const bcos_params_t *p)
{
  return p && isfinite(p->bandwidth_hz) && p->bandwidth_hz > 0 && isfinite(p->p_max_w) && p->p_max_w > 0 &&
         isfinite(p->noise_w) && p->noise_w > 0 && isfinite(p->slot_s) && p->slot_s > 0 && isfinite(p->eps) &&
         p->eps >= 0;
}

static bcos_model_t *model_shell(size_t K, size_t hidden, const bcos_params_t *par)
{
  bcos_model_t *m = calloc(1, sizeof *m);
  if (!m) {
    bfail("bcos model: out of memory");
    return NULL;
  }
  m->K = K;
  m->hidden = hidden;
  m->n_in = BCOS_FEATURES_PER_MD * K;
  m->par = *par;
  memcpy(m->norm_lo, feat_lo, sizeof feat_lo);
  memcpy(m->norm_hi, feat_hi, sizeof feat_hi);
  return m;
}

static int build_nets(bcos_model_t *m, uint64_t seed)
{
  for (int i = 0; i < 5; i++) {
    char name[32];
    snprintf(name, sizeof name, "bcos_%s", net_group[i]);
    *net_slot(m, i) = fcn_new(m->n_in, m->hidden, m->K, name, mec_splitmix64(seed + 1 + (uint64_t)i));
    if (!*net_slot(m, i))
      return bfail("bcos model: cannot build the %s FCN: %s", net_group[i], nn_last_error());
  }
  return 0;
}

bcos_model_t *bcos_model_new(size_t K, size_t hidden, const bcos_params_t *par, uint64_t seed)
{
  if (K < 1 || K > BCOS_MODEL_MAX_K || hidden < 1 || hidden > BCOS_HIDDEN_MAX) {
    bfail("bcos model: K = %zu and hidden = %zu; need 1..%d MDs and 1..%d units", K, hidden, BCOS_MODEL_MAX_K,
          BCOS_HIDDEN_MAX);
    return NULL;
  }
  if (!params_ok(par)) {
    bfail("bcos model: the system parameters must be finite and positive (W, p_max, N0, T; eps >= 0)");
    return NULL;
  }
  bcos_model_t *m = model_shell(K, hidden, par);
  if (!m)
    return NULL;
  if (build_nets(m, seed) < 0) {
    bcos_model_free(m);
    return NULL;
  }
  return m;
}

void bcos_model_free(bcos_model_t *m)
{
  if (!m)
    return;
  for (int i = 0; i < 5; i++)
    nn_net_free(*net_slot(m, i));
  free(m);
}

void bcos_model_set_training(bcos_model_t *m, int training)
{
  if (!m)
    return;
  for (int i = 0; i < 5; i++)
    if (*net_slot(m, i))
      nn_net_set_training(*net_slot(m, i), training);
}

size_t bcos_model_params(const bcos_model_t *m)
{
  if (!m || !m->a || !m->t_s || !m->p_s)
    return 0;
  size_t a = 0, t = 0, p = 0;
  nn_net_params(m->a, &a);
  nn_net_params(m->t_s, &t);
  nn_net_params(m->p_s, &p);
  return a + t + p;
}

uint64_t bcos_model_macs(const bcos_model_t *m)
{
  if (!m || !m->a || !m->t_s || !m->p_s)
    return 0;
  return nn_net_macs(m->a, 1) + nn_net_macs(m->t_s, 1) + nn_net_macs(m->p_s, 1);
}

void bcos_features(const bcos_model_t *m, const bcos_md_t *md, double *x)
{
  for (size_t k = 0; k < m->K; k++) {
    /* the log-gain: a Rayleigh power gain spans decades; a floor keeps
     * h = 0 finite (it scores as a very bad channel) */
    double h = md[k].gain > 0 ? md[k].gain : 1e-300;
    double v[BCOS_FEATURES_PER_MD] = {log10(h / BCOS_PATH_GAIN), md[k].bits, md[k].cycles_per_bit, md[k].f_local};
    for (size_t j = 0; j < BCOS_FEATURES_PER_MD; j++) {
      double s = (v[j] - m->norm_lo[j]) / (m->norm_hi[j] - m->norm_lo[j]);
      x[BCOS_FEATURES_PER_MD * k + j] = isfinite(s) ? s : 0.0; /* a non-finite input is not fed to the nets */
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Constraint layers                                                        */
/* ------------------------------------------------------------------------ */
static double clamp01(double v) { return v > 0 ? (v < 1 ? v : 1.0) : 0.0; /* NaN -> 0 */ }

double bcos_m_plus(double slot_s, const bcos_md_t *md)
{
  double work = md->cycles_per_bit * md->bits;
  if (!(work > 0))
    return 0.0;
  double m = 1.0 - md->f_local * slot_s / work;
  return m > 0 ? (m < 1 ? m : 1.0) : 0.0;
}

void bcos_layer_p(const double *phi, size_t K, double p_max, double *p)
{
  for (size_t k = 0; k < K; k++)
    p[k] = p_max * clamp01(phi[k]);
}

void bcos_layer_t(const double *phi, size_t K, double T, double *t)
{
  double s = 0;
  for (size_t k = 0; k < K; k++)
    s += clamp01(phi[k]);
  /* s <= 1: t = T phi (min(1, s) / s = 1); s > 1: t = T phi / s */
  double scale = s > 1 ? T / s : T;
  for (size_t k = 0; k < K; k++)
    t[k] = scale * clamp01(phi[k]);
  /* rounding could put sum t a few ulps above T: cut the largest share */
  {
    double st = 0;
    size_t big = 0;
    for (size_t k = 0; k < K; k++) {
      st += t[k];
      if (t[k] > t[big])
        big = k;
    }
    if (st > T)
      t[big] = fmax(0.0, t[big] - (st - T));
  }
}

void bcos_layer_t_backward(const double *phi, size_t K, double T, const double *dt, double *dphi)
{
  double s = 0, gp = 0;
  for (size_t k = 0; k < K; k++) {
    s += clamp01(phi[k]);
    gp += dt[k] * clamp01(phi[k]);
  }
  for (size_t k = 0; k < K; k++)
    dphi[k] = s > 1 ? (T / s) * (dt[k] - gp / s) : T * dt[k];
}

/* sign(x) of eq. 16 */
static double sgn(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }

void bcos_layer_a_student(const double *phi, const double *mplus, size_t K, double *a)
{
  for (size_t k = 0; k < K; k++)
    a[k] = sgn((sgn(2.0 * clamp01(phi[k]) - 1.0) + 1.0) / 2.0 + sgn(mplus[k])); /* eq. 15: 0 or 1 */
}

void bcos_layer_a_teacher(const double *phi, const double *mplus, size_t K, double *a)
{
  for (size_t k = 0; k < K; k++) {
    double mp = clamp01(mplus[k]);
    a[k] = clamp01(clamp01(phi[k]) * (1.0 - mp) + mp); /* eq. 23 */
  }
}

/* ------------------------------------------------------------------------ */
/* Forward                                                                  */
/* ------------------------------------------------------------------------ */
int bcos_model_forward(bcos_model_t *m, bcos_role_t role, const bcos_md_t *md, size_t batch, double *a, double *t,
                       double *p)
{
  if (!m || !m->a || !md || !a || !t || !p || batch == 0)
    return bfail("bcos forward: no model, slots or outputs given");
  const size_t K = m->K, NI = m->n_in;
  nn_net_t *tn = role == BCOS_TEACHER ? m->t_a : m->t_s, *pn = role == BCOS_TEACHER ? m->p_a : m->p_s;
  double *x = malloc(batch * NI * sizeof *x), *mp = malloc(K * sizeof *mp);
  int rc = 0;
  if (!x || !mp) {
    rc = bfail("bcos forward: out of memory");
    goto out;
  }
  for (size_t b = 0; b < batch; b++)
    bcos_features(m, md + b * K, x + b * NI);
  const double *y = nn_net_forward(m->a, x, batch);
  if (!y) {
    rc = bfail("bcos forward: a-FCN: %s", nn_last_error());
    goto out;
  }
  for (size_t b = 0; b < batch; b++) {
    for (size_t k = 0; k < K; k++)
      mp[k] = bcos_m_plus(m->par.slot_s, &md[b * K + k]);
    if (role == BCOS_TEACHER)
      bcos_layer_a_teacher(y + b * K, mp, K, a + b * K);
    else
      bcos_layer_a_student(y + b * K, mp, K, a + b * K);
  }
  if (!(y = nn_net_forward(tn, x, batch))) {
    rc = bfail("bcos forward: t-FCN: %s", nn_last_error());
    goto out;
  }
  for (size_t b = 0; b < batch; b++)
    bcos_layer_t(y + b * K, K, m->par.slot_s, t + b * K);
  if (!(y = nn_net_forward(pn, x, batch))) {
    rc = bfail("bcos forward: p-FCN: %s", nn_last_error());
    goto out;
  }
  for (size_t b = 0; b < batch; b++)
    bcos_layer_p(y + b * K, K, m->par.p_max_w, p + b * K);
out:
  free(x);
  free(mp);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Model file: writing                                                      */
/* ------------------------------------------------------------------------ */
int bcos_model_save(const bcos_model_t *m, const char *path)
{
  if (!m || !m->a || !path || !*path)
    return bfail("bcos model: no model or path given");
  char tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  int rc = -1;
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  if (f < 0) {
    bfail("bcos model: %s", why);
    goto out;
  }
  int arc = nn_h5attr_write_str(f, "format", BCOS_MODEL_FORMAT) |
            nn_h5attr_write_i64(f, "format_version", BCOS_MODEL_FORMAT_VERSION) |
            nn_h5attr_write_i64(f, "K", (int64_t)m->K) | nn_h5attr_write_i64(f, "hidden", (int64_t)m->hidden) |
            nn_h5attr_write_f64(f, "T", m->par.slot_s) | nn_h5attr_write_f64(f, "p_max", m->par.p_max_w) |
            nn_h5attr_write_f64(f, "W", m->par.bandwidth_hz) | nn_h5attr_write_f64(f, "N0", m->par.noise_w) |
            nn_h5attr_write_f64(f, "eps", m->par.eps) | nn_h5attr_write_f64(f, "lambda_a", m->lambda_a) |
            nn_h5attr_write_f64(f, "lambda_b", m->lambda_b) |
            nn_h5attr_write_i64(f, "iterations", (int64_t)m->iterations) |
            nn_h5attr_write_str(f, "features", "per MD: log10(h / 1e-6), B bits, C cycles/bit, f Hz; each "
                                               "(v - norm_lo) / (norm_hi - norm_lo)") |
            nn_h5attr_write(f, "norm_lo", H5T_NATIVE_DOUBLE, m->norm_lo, BCOS_FEATURES_PER_MD) |
            nn_h5attr_write(f, "norm_hi", H5T_NATIVE_DOUBLE, m->norm_hi, BCOS_FEATURES_PER_MD);
  if (arc) {
    bfail("bcos model: cannot write the attributes of '%s'", tmp);
    goto out;
  }
  for (int i = 0; i < 5; i++)
    if (nn_net_save_group(*net_slot((bcos_model_t *)m, i), f, net_group[i]) < 0) {
      bfail("bcos model: saving '%s' into '%s': %s", net_group[i], tmp, nn_last_error());
      goto out;
    }
  rc = 0;
out:
  if (nn_h5attr_finish_tmp(f, tmp, path, rc == 0, why, sizeof why) < 0 && rc == 0)
    rc = bfail("bcos model: %s", why);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Model file: reading (untrusted input)                                    */
/* ------------------------------------------------------------------------ */
static int rd_fail(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *msg)
{
  (void)err;
  return bfail("bcos model '%s': %s", h->path, msg);
}
#define rfail(r, ...) nn_h5attr_fail((r), NN_H5ATTR_EFORMAT, __VA_ARGS__)


/* A positive finite number attribute. */
static int pos_attr(const nn_h5attr_t *r, hid_t f, const char *name, int allow_zero, double *v)
{
  if (nn_h5attr_double(r, f, name, 0, v) < 0)
    return -1;
  if (!(allow_zero ? *v >= 0 : *v > 0))
    return rfail(r, "attribute '%s' is %g, must be %s", name, *v, allow_zero ? ">= 0" : "> 0");
  return 0;
}

bcos_model_t *bcos_model_load(const char *path)
{
  bcos_err_[0] = '\0';
  if (!path || !*path) {
    bfail("bcos model: no model file given");
    return NULL;
  }
  const nn_h5attr_t r = {.path = path, .obj = "/", .shape = NN_H5ATTR_SHAPE_ONE, .fail = rd_fail};
  hid_t f = nn_h5attr_open_model(&r, BCOS_MODEL_FORMAT, BCOS_MODEL_FORMAT_VERSION, "BCOS model");
  if (f < 0)
    return NULL;
  bcos_model_t *m = NULL;
  H5E_BEGIN_TRY
  {
    int64_t K = 0, hidden = 0;
    uint64_t iters = 0;
    bcos_params_t par;
    double la = 0, lb = 0;
    memset(&par, 0, sizeof par);
    if (nn_h5attr_int(&r, f, "K", 1, BCOS_MODEL_MAX_K, 0, &K) < 0 ||
        nn_h5attr_int(&r, f, "hidden", 1, BCOS_HIDDEN_MAX, 0, &hidden) < 0 ||
        pos_attr(&r, f, "T", 0, &par.slot_s) < 0 || pos_attr(&r, f, "p_max", 0, &par.p_max_w) < 0 ||
        pos_attr(&r, f, "W", 0, &par.bandwidth_hz) < 0 || pos_attr(&r, f, "N0", 0, &par.noise_w) < 0 ||
        pos_attr(&r, f, "eps", 1, &par.eps) < 0 || pos_attr(&r, f, "lambda_a", 1, &la) < 0 ||
        pos_attr(&r, f, "lambda_b", 1, &lb) < 0)
      goto out;
    int64_t it64 = 0;
    if (nn_h5attr_int(&r, f, "iterations", 0, INT64_MAX, 0, &it64) < 0)
      goto out;
    iters = (uint64_t)it64;
    m = model_shell((size_t)K, (size_t)hidden, &par);
    if (!m)
      goto out;
    m->lambda_a = la;
    m->lambda_b = lb;
    m->iterations = iters;
    if (nn_h5attr_doubles(&r, f, "norm_lo", BCOS_FEATURES_PER_MD, 0, m->norm_lo) < 0 ||
        nn_h5attr_doubles(&r, f, "norm_hi", BCOS_FEATURES_PER_MD, 0, m->norm_hi) < 0)
      goto fail;
    for (size_t j = 0; j < BCOS_FEATURES_PER_MD; j++)
      if (!(m->norm_hi[j] > m->norm_lo[j])) {
        rfail(&r, "norm_hi[%zu] = %g is not above norm_lo[%zu] = %g", j, m->norm_hi[j], j, m->norm_lo[j]);
        goto fail;
      }
    if (build_nets(m, 0) < 0) {
      rfail(&r, "%s", bcos_err_);
      goto fail;
    }
    for (int i = 0; i < 5; i++)
      if (nn_h5attr_load_net_into(&r, f, net_group[i], *net_slot(m, i), "an FCN", "4 K features -> K") < 0)
        goto fail;
    goto out;
  fail:
    bcos_model_free(m);
    m = NULL;
  out:;
  }
  H5E_END_TRY;
  H5Fclose(f);
  return m;
}
