/* nn_io.c - saving and loading networks as HDF5 files (one dataset per
 * tensor, layer structure as attributes; layout documented in nn.h). */
#include "nn/nn_internal.h"
#include "nn/nn_h5attr.h"

#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NN_FORMAT_NAME "mecsim-nn"

/* HDF5 prints its error stack on every failed call; we report our own
 * message instead, so silence it for the duration of a save or load. */
typedef struct {
  H5E_auto2_t fn;
  void *data;
} h5_quiet_t;
static h5_quiet_t h5_quiet_begin(void) {
  h5_quiet_t q;
  H5Eget_auto2(H5E_DEFAULT, &q.fn, &q.data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  return q;
}
static void h5_quiet_end(h5_quiet_t q) { H5Eset_auto2(H5E_DEFAULT, q.fn, q.data); }

/* ---------------------------------------------------------------- writing */
static int put_str(hid_t loc, const char *name, const char *value) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, t, &value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
  return rc < 0 ? -1 : 0;
}

static int put_int(hid_t loc, const char *name, long long value) {
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(loc, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_LLONG, &value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  return rc < 0 ? -1 : 0;
}

static int put_dbl(hid_t loc, const char *name, double value) {
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(loc, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_DOUBLE, &value);
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  return rc < 0 ? -1 : 0;
}

static int put_tensor(hid_t loc, const char *name, const double *data, size_t rows, size_t cols) {
  hsize_t dims[2] = {rows, cols};
  hid_t s = H5Screate_simple(cols ? 2 : 1, dims, NULL);
  hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  if (d >= 0) H5Dclose(d);
  H5Sclose(s);
  return rc < 0 ? -1 : 0;
}

/* dense-like W [nin, nout] and b [nout] named W<sfx>, b<sfx> */
static int put_wb(hid_t g, const char *sfx, const double *W, size_t nin, size_t nout) {
  char wn[40], bn[40];
  snprintf(wn, sizeof wn, "W%s", sfx);
  snprintf(bn, sizeof bn, "b%s", sfx);
  return put_tensor(g, wn, W, nin, nout) | put_tensor(g, bn, W + nin * nout, nout, 0);
}

static int save_layer(const nn_net_t *net, const nn_layer_t *L, hid_t g) {
  const double *P = net->params + L->p_off;
  int rc = put_str(g, "kind", nn_layer_kind_name(L->kind)) | put_int(g, "n_in", (long long)L->n_in) |
           put_int(g, "n_out", (long long)L->n_out);
  switch (L->kind) {
  case NN_LAYER_DENSE: rc |= put_wb(g, "", P, L->n_in, L->n_out); break;
  case NN_LAYER_ACT: rc |= put_str(g, "act", nn_act_name(L->act)) | put_dbl(g, "slope", L->slope); break;
  case NN_LAYER_BATCHNORM: {
    const size_t n = L->n_in;
    const double *S = net->bufs + L->s_off;
    rc |= put_dbl(g, "momentum", L->bn_momentum) | put_dbl(g, "eps", L->bn_eps) |
          put_tensor(g, "gamma", P, n, 0) | put_tensor(g, "beta", P + n, n, 0) |
          put_tensor(g, "running_mean", S, n, 0) | put_tensor(g, "running_var", S + n, n, 0);
    break;
  }
  case NN_LAYER_MOE: {
    const nn_moe_cfg_t *c = &L->moe_cfg;
    const size_t K = c->n_experts, u = c->units;
    rc |= put_int(g, "n_experts", (long long)K) | put_int(g, "depth", (long long)L->moe_max_depth) |
          put_int(g, "units", (long long)u) | put_int(g, "k", (long long)c->k) |
          put_int(g, "active_depth", (long long)c->depth) | put_int(g, "noisy", c->noisy) |
          put_str(g, "act", nn_act_name(c->act)) | put_tensor(g, "W_gate", P, L->n_in, K) |
          put_tensor(g, "W_noise", P + L->n_in * K, L->n_in, K);
    for (size_t e = 0; e < K && !rc; e++) {
      char name[32];
      snprintf(name, sizeof name, "expert_%02zu", e);
      hid_t eg = H5Gcreate2(g, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (eg < 0) return -1;
      for (size_t j = 0; j < L->moe_max_depth; j++) {
        char sfx[24];
        snprintf(sfx, sizeof sfx, "%zu", j);
        nn_moe_cfg_t cc = *c;
        cc.depth = L->moe_max_depth;
        rc |= put_wb(eg, sfx, P + nn_moe_expert_offset(L->n_in, &cc, e, j), j ? u : L->n_in, u);
      }
      H5Gclose(eg);
    }
    break;
  }
  }
  return rc ? -1 : 0;
}

/* The network's attributes and layer groups on loc (a file's root or a group). */
static int write_net(const nn_net_t *net, hid_t loc) {
  int bad = put_str(loc, "format", NN_FORMAT_NAME) | put_int(loc, "format_version", NN_FORMAT_VERSION) |
            put_str(loc, "name", net->name) | put_int(loc, "n_in", (long long)net->n_in) |
            put_int(loc, "n_out", (long long)nn_net_n_out(net)) |
            put_int(loc, "n_layers", (long long)net->n_layers);
  for (size_t i = 0; i < net->n_layers && !bad; i++) {
    char name[32];
    snprintf(name, sizeof name, "layer_%03zu", i);
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad = g < 0 || save_layer(net, &net->layers[i], g) < 0;
    if (g >= 0) H5Gclose(g);
  }
  return bad ? -1 : 0;
}

int nn_net_save_group(const nn_net_t *net, hid_t loc, const char *group) {
  if (!net->finalized) return nn_fail(NN_ERR_STATE, "%s: save before nn_net_finalize", net->name);
  h5_quiet_t q = h5_quiet_begin();
  hid_t g = H5Gcreate2(loc, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int bad = g < 0 || write_net(net, g) < 0;
  if (g >= 0 && H5Gclose(g) < 0) bad = 1;
  h5_quiet_end(q);
  return bad ? nn_fail(NN_ERR_IO, "%s: writing the network into group '%s' failed", net->name, group) : 0;
}

int nn_net_save(const nn_net_t *net, const char *path) {
  if (!net->finalized) return nn_fail(NN_ERR_STATE, "%s: save before nn_net_finalize", net->name);
  char tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  h5_quiet_t q = h5_quiet_begin();
  int rc = 0;
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  if (f < 0) {
    rc = tmp[0] ? nn_fail(NN_ERR_IO, "%s: cannot create model file %s", net->name, tmp)
                : nn_fail(NN_ERR_IO, "%s: %s", net->name, why);
  } else {
    int bad = write_net(net, f) < 0;
    if (H5Fclose(f) < 0) bad = 1;
    if (nn_h5attr_finish_tmp(-1, tmp, path, !bad, why, sizeof why) < 0)
      rc = bad ? nn_fail(NN_ERR_IO, "%s: writing model file %s failed", net->name, tmp)
               : nn_fail(NN_ERR_IO, "%s: cannot rename %s to %s", net->name, tmp, path);
  }
  h5_quiet_end(q);
  return rc;
}

/* ---------------------------------------------------------------- reading */
/* A model file is untrusted input: every value read is checked before it is
 * used (docs/nn.md, "Model files: what is checked on load"). Integers are
 * read with their stored type's sign and size (never through a clamping
 * conversion) and range-checked before anything is sized by them; floats
 * must be finite; attributes must be single values; objects must be plain
 * (hard-linked) groups and float datasets stored in the file itself. */

typedef struct {
  const char *path; /* the file */
  const char *who;  /* prefix of messages (network or function), or NULL */
  const char *base; /* the network's group in the file, "" for the root */
} ctx_t;

static int lfail(const ctx_t *cx, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int lfail(const ctx_t *cx, int code, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return nn_fail(code, "%s%smodel '%s': %s", cx->who ? cx->who : "", cx->who ? ": " : "", cx->path,
                 msg);
}

/* Full HDF5 path of object `where` (relative to the network's group, "" is
 * the group itself), and of its child `name`. */
static const char *opath(const ctx_t *cx, const char *where, char *buf, size_t len) {
  if (!*where) snprintf(buf, len, "%s", *cx->base ? cx->base : "/");
  else snprintf(buf, len, "%s/%s", cx->base, where);
  return buf;
}
static const char *cpath(const ctx_t *cx, const char *where, const char *name, char *buf, size_t len) {
  char o[192];
  opath(cx, where, o, sizeof o);
  snprintf(buf, len, "%s%s%s", o, strcmp(o, "/") == 0 ? "" : "/", name);
  return buf;
}

/* Attributes of object `where` are read by nn_h5attr (nn_h5attr.h); its
 * messages get the ctx_t prefix and an NN_ERR code. */
static int h5a_fail(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *msg) {
  const int code = err == NN_H5ATTR_EIO          ? NN_ERR_IO
                   : err == NN_H5ATTR_ENONFINITE ? NN_ERR_NONFINITE
                   : err == NN_H5ATTR_ENOMEM     ? NN_ERR_NOMEM
                                                 : NN_ERR_FORMAT;
  return lfail(h->ud, code, "%s", msg);
}
static nn_h5attr_t h5a(const ctx_t *cx, const char *where, char *o, size_t len) {
  return (nn_h5attr_t){.path = cx->path, .obj = opath(cx, where, o, len), .shape = NN_H5ATTR_SHAPE_ONE,
                       .fail = h5a_fail, .ud = cx};
}

/* Integer attribute in [lo, hi] (read with the stored type's size and
 * sign, never clamped or truncated). */
static int get_int(const ctx_t *cx, hid_t loc, const char *where, const char *name, long long lo,
                   long long hi, long long *out) {
  char o[192];
  const nn_h5attr_t h = h5a(cx, where, o, sizeof o);
  int64_t v = 0;
  const int rc = nn_h5attr_int(&h, loc, name, lo, hi, 0, &v);
  if (rc == 0) *out = v;
  return rc;
}

/* Finite numeric attribute (stored as a float or an integer). */
static int get_dbl(const ctx_t *cx, hid_t loc, const char *where, const char *name, double *out) {
  char o[192];
  const nn_h5attr_t h = h5a(cx, where, o, sizeof o);
  return nn_h5attr_double(&h, loc, name, 0, out);
}

/* String attribute of at most len - 1 characters. */
static int get_str(const ctx_t *cx, hid_t loc, const char *where, const char *name, char *buf,
                   size_t len) {
  char o[192];
  const nn_h5attr_t h = h5a(cx, where, o, sizeof o);
  return nn_h5attr_str(&h, loc, name, buf, len);
}

/* Child `name` of `where` must exist and be a hard link (no soft or
 * external links to elsewhere). */
static int child_ok(const ctx_t *cx, hid_t loc, const char *where, const char *name, const char *what) {
  char c[256];
  cpath(cx, where, name, c, sizeof c);
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
    return lfail(cx, NN_ERR_FORMAT, "%s '%s' is missing", what, c);
  H5L_info_t li;
  if (H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0 || li.type != H5L_TYPE_HARD)
    return lfail(cx, NN_ERR_FORMAT, "%s '%s' is a soft or external link, not stored in place", what, c);
  return 0;
}

static hid_t open_group(const ctx_t *cx, hid_t loc, const char *where, const char *name, int *rc) {
  char c[256];
  if ((*rc = child_ok(cx, loc, where, name, "group")) < 0) return -1;
  hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
  if (g < 0) *rc = lfail(cx, NN_ERR_FORMAT, "'%s' is not a group", cpath(cx, where, name, c, sizeof c));
  return g;
}

/* Read float dataset `name` of exactly rows x cols (cols 0: a vector of
 * rows); every value must be finite. */
static int get_tensor(const ctx_t *cx, hid_t loc, const char *where, const char *name, double *out,
                      size_t rows, size_t cols) {
  char dp[256];
  cpath(cx, where, name, dp, sizeof dp);
  int rc = child_ok(cx, loc, where, name, "dataset");
  if (rc < 0) return rc;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return lfail(cx, NN_ERR_FORMAT, "'%s' is not a dataset", dp);
  hid_t t = H5Dget_type(d), pl = H5Dget_create_plist(d);
  const H5T_class_t cl = t < 0 ? H5T_NO_CLASS : H5Tget_class(t);
  const int external = pl < 0 || H5Pget_external_count(pl) != 0 || H5Pget_layout(pl) == H5D_VIRTUAL;
  if (t >= 0) H5Tclose(t);
  if (pl >= 0) H5Pclose(pl);
  if (cl != H5T_FLOAT) {
    H5Dclose(d);
    return lfail(cx, NN_ERR_FORMAT, "dataset '%s' is not of a floating-point type", dp);
  }
  if (external) {
    H5Dclose(d);
    return lfail(cx, NN_ERR_FORMAT, "dataset '%s' keeps its data outside the file (external or virtual)", dp);
  }
  hid_t s = H5Dget_space(d);
  hsize_t dims[H5S_MAX_RANK] = {0};
  int rank = s < 0 ? -1 : H5Sget_simple_extent_ndims(s);
  if (rank >= 1 && rank <= H5S_MAX_RANK) H5Sget_simple_extent_dims(s, dims, NULL);
  if (s >= 0) H5Sclose(s);
  const int want_rank = cols ? 2 : 1;
  if (rank != want_rank || dims[0] != rows || (cols && dims[1] != cols)) {
    H5Dclose(d);
    return lfail(cx, NN_ERR_FORMAT, "dataset '%s' has shape [%llu%s%llu] (rank %d), the network needs [%zu%s%zu]",
                 dp, (unsigned long long)dims[0], rank == 2 ? ", " : "",
                 rank == 2 ? (unsigned long long)dims[1] : 0ULL, rank, rows, cols ? ", " : "", cols);
  }
  herr_t hr = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
  H5Dclose(d);
  if (hr < 0) return lfail(cx, NN_ERR_IO, "cannot read dataset '%s'", dp);
  const size_t n = rows * (cols ? cols : 1);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(out[i])) {
      char at[64] = "";
      if (cols) snprintf(at, sizeof at, " ([%zu, %zu])", i / cols, i % cols);
      return lfail(cx, NN_ERR_NONFINITE, "dataset '%s': non-finite value (%g) at index %zu%s", dp,
                   out[i], i, at);
    }
  return 0;
}

static int get_wb(const ctx_t *cx, hid_t g, const char *where, const char *sfx, double *W,
                  size_t nin, size_t nout) {
  char wn[40], bn[40];
  snprintf(wn, sizeof wn, "W%s", sfx);
  snprintf(bn, sizeof bn, "b%s", sfx);
  int rc = get_tensor(cx, g, where, wn, W, nin, nout);
  return rc < 0 ? rc : get_tensor(cx, g, where, bn, W + nin * nout, nout, 0);
}

/* Integer attribute in [lo, hi] that must equal the network's value. */
static int check_int(const ctx_t *cx, hid_t g, const char *where, const char *name, long long lo,
                     long long hi, long long want) {
  long long v = 0;
  int rc = get_int(cx, g, where, name, lo, hi, &v);
  if (rc < 0) return rc;
  char o[192];
  if (v != want)
    return lfail(cx, NN_ERR_FORMAT, "attribute '%s' of '%s' is %lld in the file but %lld in the network",
                 name, opath(cx, where, o, sizeof o), v, want);
  return 0;
}

static int load_layer(const ctx_t *cx, const nn_layer_t *L, hid_t g, const char *where, double *P,
                      double *S) {
  char kind[32] = "", o[192];
  opath(cx, where, o, sizeof o);
  int rc;
  if ((rc = get_str(cx, g, where, "kind", kind, sizeof kind)) < 0) return rc;
  if (strcmp(kind, nn_layer_kind_name(L->kind)) != 0)
    return lfail(cx, NN_ERR_FORMAT, "'%s' is a %s layer in the file but %s in the network", o, kind,
                 nn_layer_kind_name(L->kind));
  if ((rc = check_int(cx, g, where, "n_in", 1, NN_IO_MAX_WIDTH, (long long)L->n_in)) < 0 ||
      (rc = check_int(cx, g, where, "n_out", 1, NN_IO_MAX_WIDTH, (long long)L->n_out)) < 0)
    return rc;
  switch (L->kind) {
  case NN_LAYER_DENSE: return get_wb(cx, g, where, "", P, L->n_in, L->n_out);
  case NN_LAYER_ACT: {
    char act[32] = "";
    if ((rc = get_str(cx, g, where, "act", act, sizeof act)) < 0) return rc;
    if (strcmp(act, nn_act_name(L->act)) != 0)
      return lfail(cx, NN_ERR_FORMAT, "'%s' is activation '%s' in the file but '%s' in the network", o,
                   act, nn_act_name(L->act));
    return 0;
  }
  case NN_LAYER_BATCHNORM: {
    const size_t n = L->n_in;
    if ((rc = get_tensor(cx, g, where, "gamma", P, n, 0)) < 0 ||
        (rc = get_tensor(cx, g, where, "beta", P + n, n, 0)) < 0 ||
        (rc = get_tensor(cx, g, where, "running_mean", S, n, 0)) < 0 ||
        (rc = get_tensor(cx, g, where, "running_var", S + n, n, 0)) < 0)
      return rc;
    for (size_t i = 0; i < n; i++)
      if (!(S[n + i] >= 0))
        return lfail(cx, NN_ERR_FORMAT, "dataset '%s/running_var': negative variance (%g) at index %zu",
                     o, S[n + i], i);
    return 0;
  }
  case NN_LAYER_MOE: {
    const nn_moe_cfg_t *c = &L->moe_cfg;
    const size_t K = c->n_experts, u = c->units;
    if ((rc = check_int(cx, g, where, "n_experts", 1, NN_IO_MAX_EXPERTS, (long long)K)) < 0 ||
        (rc = check_int(cx, g, where, "depth", 1, NN_IO_MAX_DEPTH, (long long)L->moe_max_depth)) < 0 ||
        (rc = check_int(cx, g, where, "units", 1, NN_IO_MAX_WIDTH, (long long)u)) < 0 ||
        (rc = get_tensor(cx, g, where, "W_gate", P, L->n_in, K)) < 0 ||
        (rc = get_tensor(cx, g, where, "W_noise", P + L->n_in * K, L->n_in, K)) < 0)
      return rc;
    nn_moe_cfg_t cc = *c;
    cc.depth = L->moe_max_depth;
    for (size_t e = 0; e < K; e++) {
      char name[32], ewhere[96];
      snprintf(name, sizeof name, "expert_%02zu", e);
      snprintf(ewhere, sizeof ewhere, "%s/%s", where, name);
      hid_t eg = open_group(cx, g, where, name, &rc);
      if (eg < 0) return rc;
      for (size_t j = 0; j < L->moe_max_depth && rc == 0; j++) {
        char sfx[24];
        snprintf(sfx, sizeof sfx, "%zu", j);
        rc = get_wb(cx, eg, ewhere, sfx, P + nn_moe_expert_offset(L->n_in, &cc, e, j),
                    j ? u : L->n_in, u);
      }
      H5Gclose(eg);
      if (rc < 0) return rc;
    }
    return 0;
  }
  }
  return 0;
}

/* Opens the file and the network's group (cx->base; "" is the root) and
 * checks format and version. The group's id, with the file's in *f; or -1
 * with *code and the message set. */
static hid_t open_model(const ctx_t *cx, hid_t *f, int *code) {
  *f = H5Fopen(cx->path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*f < 0) {
    *code = lfail(cx, NN_ERR_IO, "cannot open the model file (missing or not HDF5)");
    return -1;
  }
  hid_t g = *f;
  if (*cx->base) {
    ctx_t root = {cx->path, cx->who, ""};
    g = open_group(&root, *f, "", cx->base[0] == '/' ? cx->base + 1 : cx->base, code);
    if (g < 0) {
      H5Fclose(*f);
      return -1;
    }
  }
  char fmt[64] = "";
  long long ver = -1;
  if (!nn_h5attr_exists(g, "format") || get_str(cx, g, "", "format", fmt, sizeof fmt) < 0 ||
      strcmp(fmt, NN_FORMAT_NAME) != 0) {
    char o[192];
    *code = lfail(cx, NN_ERR_FORMAT, "'%s' is not a mecsim-nn model (no format = \"%s\" attribute)",
                  opath(cx, "", o, sizeof o), NN_FORMAT_NAME);
  } else if ((*code = get_int(cx, g, "", "format_version", LLONG_MIN, LLONG_MAX, &ver)) < 0) {
  } else if (ver != NN_FORMAT_VERSION) {
    *code = lfail(cx, NN_ERR_FORMAT, "the file has format_version %lld, this build reads version %d", ver,
                  NN_FORMAT_VERSION);
  } else {
    *code = 0;
    return g;
  }
  if (g != *f) H5Gclose(g);
  H5Fclose(*f);
  return -1;
}

static void close_model(hid_t g, hid_t f) {
  if (g >= 0 && g != f) H5Gclose(g);
  if (f >= 0) H5Fclose(f);
}

static int load_into(const ctx_t *cx, nn_net_t *net, hid_t f) {
  int rc;
  if ((rc = check_int(cx, f, "", "n_in", 1, NN_IO_MAX_WIDTH, (long long)net->n_in)) < 0 ||
      (rc = check_int(cx, f, "", "n_out", 1, NN_IO_MAX_WIDTH, (long long)nn_net_n_out(net))) < 0 ||
      (rc = check_int(cx, f, "", "n_layers", 1, NN_IO_MAX_LAYERS, (long long)net->n_layers)) < 0)
    return rc;
  /* read into copies so the network is unchanged on error */
  double *P = malloc((net->n_params + net->n_bufs + 1) * sizeof *P);
  if (!P) return lfail(cx, NN_ERR_NOMEM, "out of memory");
  double *S = P + net->n_params;
  memcpy(P, net->params, net->n_params * sizeof *P);
  memcpy(S, net->bufs, net->n_bufs * sizeof *S);
  for (size_t i = 0; i < net->n_layers && rc == 0; i++) {
    char name[32];
    snprintf(name, sizeof name, "layer_%03zu", i);
    hid_t g = open_group(cx, f, "", name, &rc);
    if (g < 0) break;
    const nn_layer_t *L = &net->layers[i];
    rc = load_layer(cx, L, g, name, P + L->p_off, S + L->s_off);
    H5Gclose(g);
  }
  if (rc == 0) {
    memcpy(net->params, P, net->n_params * sizeof *P);
    memcpy(net->bufs, S, net->n_bufs * sizeof *S);
    net->batch = 0;
  }
  free(P);
  return rc;
}

int nn_net_load(nn_net_t *net, const char *path) {
  if (!net->finalized) return nn_fail(NN_ERR_STATE, "%s: load before nn_net_finalize", net->name);
  h5_quiet_t q = h5_quiet_begin();
  const ctx_t cx = {path, net->name, ""};
  int rc;
  hid_t f, g = open_model(&cx, &f, &rc);
  if (g >= 0) rc = load_into(&cx, net, g);
  if (g >= 0) close_model(g, f);
  h5_quiet_end(q);
  return rc;
}

/* Append the layer described by group g to net (structure only), after
 * checking its settings; *n_params counts the parameters and buffers so far
 * and must stay within NN_IO_MAX_PARAMS. */
static int build_layer(const ctx_t *cx, nn_net_t *net, hid_t g, const char *where, double *n_params) {
  char kind[32] = "", act[32] = "", o[192];
  opath(cx, where, o, sizeof o);
  long long n_in = 0, n_out = 0, K = 0, depth = 0, units = 0, k = 0, adepth = 0, noisy = 0;
  double a = 0, b = 0, np = 0;
  nn_act_t ac = NN_ACT_NONE;
  const size_t prev = nn_net_n_out(net);
  int rc;
  if ((rc = get_str(cx, g, where, "kind", kind, sizeof kind)) < 0 ||
      (rc = get_int(cx, g, where, "n_in", 1, NN_IO_MAX_WIDTH, &n_in)) < 0 ||
      (rc = get_int(cx, g, where, "n_out", 1, NN_IO_MAX_WIDTH, &n_out)) < 0)
    return rc;
  if ((size_t)n_in != prev)
    return lfail(cx, NN_ERR_FORMAT, "attribute 'n_in' of '%s' is %lld, the previous layer gives %zu", o,
                 n_in, prev);
  const int is_dense = strcmp(kind, "dense") == 0, is_act = strcmp(kind, "act") == 0,
            is_bn = strcmp(kind, "batchnorm") == 0, is_moe = strcmp(kind, "moe") == 0;
  if (!is_dense && !is_act && !is_bn && !is_moe)
    return lfail(cx, NN_ERR_FORMAT, "'%s' has unknown layer kind '%s'", o, kind);
  if ((is_act || is_bn) && n_out != n_in)
    return lfail(cx, NN_ERR_FORMAT, "'%s' (%s) has n_in = %lld but n_out = %lld", o, kind, n_in, n_out);
  if (is_act || is_moe) {
    if ((rc = get_str(cx, g, where, "act", act, sizeof act)) < 0) return rc;
    if (nn_act_from_name(act, &ac) < 0 || (is_act && ac == NN_ACT_NONE) ||
        (is_moe && ac == NN_ACT_SOFTMAX))
      return lfail(cx, NN_ERR_FORMAT, "attribute 'act' of '%s' is '%s', not a %s activation", o, act,
                   is_moe ? "MoE expert" : "layer");
  }
  if (is_dense) {
    np = (double)n_in * (double)n_out + (double)n_out;
  } else if (is_act) {
    if ((rc = get_dbl(cx, g, where, "slope", &a)) < 0) return rc;
    if (ac == NN_ACT_LEAKY_RELU && !(a >= 0 && a < 1))
      return lfail(cx, NN_ERR_FORMAT, "attribute 'slope' of '%s' is %g, outside [0, 1)", o, a);
  } else if (is_bn) {
    if ((rc = get_dbl(cx, g, where, "momentum", &a)) < 0 || (rc = get_dbl(cx, g, where, "eps", &b)) < 0)
      return rc;
    if (!(a >= 0 && a <= 1) || !(b > 0))
      return lfail(cx, NN_ERR_FORMAT, "'%s' has momentum %g and eps %g; needs momentum in [0, 1] and eps > 0",
                   o, a, b);
    np = 4.0 * (double)n_in;
  } else {
    if ((rc = get_int(cx, g, where, "n_experts", 1, NN_IO_MAX_EXPERTS, &K)) < 0 ||
        (rc = get_int(cx, g, where, "depth", 1, NN_IO_MAX_DEPTH, &depth)) < 0 ||
        (rc = get_int(cx, g, where, "units", 1, NN_IO_MAX_WIDTH, &units)) < 0 ||
        (rc = get_int(cx, g, where, "k", 1, K, &k)) < 0 ||
        (rc = get_int(cx, g, where, "active_depth", 1, depth, &adepth)) < 0 ||
        (rc = get_int(cx, g, where, "noisy", 0, 1, &noisy)) < 0)
      return rc;
    if (n_out != units)
      return lfail(cx, NN_ERR_FORMAT, "'%s' (moe) has n_out = %lld but units = %lld", o, n_out, units);
    const double u = (double)units;
    np = 2.0 * (double)n_in * (double)K +
         (double)K * ((double)n_in * u + u + (double)(depth - 1) * (u * u + u));
  }
  *n_params += np;
  if (*n_params > (double)NN_IO_MAX_PARAMS)
    return lfail(cx, NN_ERR_FORMAT, "the network has %.0f parameters and buffers up to '%s', more than the limit %lu",
                 *n_params, o, (unsigned long)NN_IO_MAX_PARAMS);
  if (is_dense) rc = nn_net_add_dense(net, (size_t)n_out, NN_INIT_DEFAULT);
  else if (is_act) rc = ac == NN_ACT_LEAKY_RELU ? nn_net_add_leaky_relu(net, a) : nn_net_add_act(net, ac);
  else if (is_bn) rc = nn_net_add_batchnorm(net, a, b);
  else {
    nn_moe_cfg_t c = {.n_experts = (size_t)K, .depth = (size_t)depth, .units = (size_t)units,
                      .k = (size_t)k, .act = ac, .noisy = (int)noisy};
    rc = nn_net_add_moe(net, &c);
    if (rc >= 0) net->layers[rc].moe_cfg.depth = (size_t)adepth;
  }
  return rc < 0 ? lfail(cx, rc, "'%s': %s", o, nn_last_error()) : 0;
}

nn_net_t *nn_net_load_new_group(const char *path, const char *group) {
  h5_quiet_t q = h5_quiet_begin();
  char base[256] = ""; /* "" for the root, else "/name" */
  if (group && strcmp(group, "/") != 0) snprintf(base, sizeof base, "%s%s", group[0] == '/' ? "" : "/", group);
  const ctx_t cx = {path, group ? NULL : "nn_net_load_new", base};
  nn_net_t *net = NULL;
  int code;
  hid_t f, r = open_model(&cx, &f, &code);
  if (r < 0) goto out;
  char name[NN_IO_MAX_NAME + 1] = "net";
  long long n_in = 0, n_layers = 0;
  if ((nn_h5attr_exists(r, "name") && get_str(&cx, r, "", "name", name, sizeof name) < 0) ||
      get_int(&cx, r, "", "n_in", 1, NN_IO_MAX_WIDTH, &n_in) < 0 ||
      get_int(&cx, r, "", "n_layers", 1, NN_IO_MAX_LAYERS, &n_layers) < 0)
    goto out;
  net = nn_net_new((size_t)n_in, name);
  if (!net) {
    lfail(&cx, NN_ERR_NOMEM, "%s", nn_last_error());
    goto out;
  }
  double n_params = 0;
  for (long long i = 0; i < n_layers; i++) {
    char gname[32];
    snprintf(gname, sizeof gname, "layer_%03lld", i);
    int rc;
    hid_t g = open_group(&cx, r, "", gname, &rc);
    if (g < 0) goto fail;
    rc = build_layer(&cx, net, g, gname, &n_params);
    H5Gclose(g);
    if (rc < 0) goto fail;
  }
  if (nn_net_finalize(net, 0) < 0) {
    lfail(&cx, NN_ERR_NOMEM, "%s", nn_last_error());
    goto fail;
  }
  if (load_into(&cx, net, r) < 0) goto fail;
  goto out;
fail:
  nn_net_free(net);
  net = NULL;
out:
  if (r >= 0) close_model(r, f);
  h5_quiet_end(q);
  return net;
}

nn_net_t *nn_net_load_new(const char *path) { return nn_net_load_new_group(path, NULL); }

int nn_h5attr_load_net_into(const nn_h5attr_t *h, hid_t f, const char *group, nn_net_t *ref, const char *what,
                            const char *why) {
  char gp[256];
  snprintf(gp, sizeof gp, "/%s", group);
  if (H5Lexists(f, group, H5P_DEFAULT) <= 0)
    return nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "group '%s' (%s) is missing", gp, what);
  nn_net_t *ld = nn_net_load_new_group(h->path, gp);
  if (!ld) { /* nn's message starts "model 'PATH': ", which the caller's prefix says again */
    const char *e = nn_last_error();
    char pre[4200];
    snprintf(pre, sizeof pre, "model '%s': ", h->path);
    if (strncmp(e, pre, strlen(pre)) == 0)
      e += strlen(pre);
    return nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "%s", e);
  }
  int rc = 0;
  size_t ni = nn_net_n_in(ref), no = nn_net_n_out(ref);
  double *x = NULL, *y = NULL;
  if (nn_net_n_in(ld) != ni || nn_net_n_out(ld) != no) {
    rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "network '%s' (%s) maps %zu -> %zu values, expected %zu -> %zu (%s)", gp,
                        what, nn_net_n_in(ld), nn_net_n_out(ld), ni, no, why);
    goto out;
  }
  if (nn_net_n_layers(ld) != nn_net_n_layers(ref) || nn_net_copy(ref, ld) < 0) {
    rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT,
                        "network '%s' (%s) does not have the model's layers (%zu layers stored, %zu expected)", gp, what,
                        nn_net_n_layers(ld), nn_net_n_layers(ref));
    goto out;
  }
  /* same function on probe inputs: the layer list does not record which activation follows a dense layer */
  x = malloc(3 * ni * sizeof *x);
  y = malloc(3 * no * sizeof *y);
  if (!x || !y) {
    rc = nn_h5attr_fail(h, NN_H5ATTR_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < 3 * ni; i++)
    x[i] = 1.3 * sin(0.9 * (double)i + 0.4) + 0.1;
  nn_net_set_training(ld, 0);
  nn_net_set_training(ref, 0);
  const double *y1 = nn_net_forward(ld, x, 3);
  if (y1)
    memcpy(y, y1, 3 * no * sizeof *y);
  const double *y2 = y1 ? nn_net_forward(ref, x, 3) : NULL;
  if (!y2 || memcmp(y, y2, 3 * no * sizeof *y) != 0)
    rc = nn_h5attr_fail(h, NN_H5ATTR_EFORMAT, "network '%s' (%s) is not the model's architecture (its activations differ)",
                        gp, what);
out:
  free(x);
  free(y);
  nn_net_free(ld);
  return rc;
}
