/* nn_io.c - saving and loading networks as HDF5 files (one dataset per
 * tensor, layer structure as attributes; layout documented in nn.h). */
#include "nn/nn_internal.h"

#include <hdf5.h>
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

int nn_net_save(const nn_net_t *net, const char *path) {
  if (!net->finalized) return nn_fail(NN_ERR_STATE, "%s: save before nn_net_finalize", net->name);
  size_t len = strlen(path) + 5;
  char *tmp = malloc(len);
  if (!tmp) return nn_fail(NN_ERR_NOMEM, "nn_net_save: out of memory");
  snprintf(tmp, len, "%s.tmp", path);
  h5_quiet_t q = h5_quiet_begin();
  int rc = 0;
  hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    rc = nn_fail(NN_ERR_IO, "%s: cannot create model file %s", net->name, tmp);
    goto out;
  }
  int bad = put_str(f, "format", NN_FORMAT_NAME) | put_int(f, "format_version", NN_FORMAT_VERSION) |
            put_str(f, "name", net->name) | put_int(f, "n_in", (long long)net->n_in) |
            put_int(f, "n_out", (long long)nn_net_n_out(net)) |
            put_int(f, "n_layers", (long long)net->n_layers);
  for (size_t i = 0; i < net->n_layers && !bad; i++) {
    char name[32];
    snprintf(name, sizeof name, "layer_%03zu", i);
    hid_t g = H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad = g < 0 || save_layer(net, &net->layers[i], g) < 0;
    if (g >= 0) H5Gclose(g);
  }
  if (H5Fclose(f) < 0) bad = 1;
  if (bad) {
    remove(tmp);
    rc = nn_fail(NN_ERR_IO, "%s: writing model file %s failed", net->name, tmp);
  } else if (rename(tmp, path) != 0) {
    remove(tmp);
    rc = nn_fail(NN_ERR_IO, "%s: cannot rename %s to %s", net->name, tmp, path);
  }
out:
  h5_quiet_end(q);
  free(tmp);
  return rc;
}

/* ---------------------------------------------------------------- reading */
static int get_int(hid_t loc, const char *name, long long *out) {
  if (H5Aexists(loc, name) <= 0) return -1;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Aread(a, H5T_NATIVE_LLONG, out);
  if (a >= 0) H5Aclose(a);
  return rc < 0 ? -1 : 0;
}

static int get_dbl(hid_t loc, const char *name, double *out) {
  if (H5Aexists(loc, name) <= 0) return -1;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  herr_t rc = a < 0 ? -1 : H5Aread(a, H5T_NATIVE_DOUBLE, out);
  if (a >= 0) H5Aclose(a);
  return rc < 0 ? -1 : 0;
}

static int get_str(hid_t loc, const char *name, char *buf, size_t len) {
  if (H5Aexists(loc, name) <= 0) return -1;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0) return -1;
  hid_t ft = H5Aget_type(a);
  int rc = -1;
  if (H5Tget_class(ft) == H5T_STRING) {
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(ft)); /* no conversion between ASCII and UTF-8 */
    if (H5Tis_variable_str(ft) > 0) {
      char *s = NULL;
      H5Tset_size(mt, H5T_VARIABLE);
      if (H5Aread(a, mt, &s) >= 0 && s) {
        snprintf(buf, len, "%s", s);
        H5free_memory(s);
        rc = 0;
      }
    } else {
      size_t n = H5Tget_size(ft);
      char *s = calloc(n + 1, 1);
      H5Tset_size(mt, n + 1);
      if (s && H5Aread(a, mt, s) >= 0) {
        snprintf(buf, len, "%s", s);
        rc = 0;
      }
      free(s);
    }
    H5Tclose(mt);
  }
  H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

typedef struct {
  const char *path;
  const char *net;
} ctx_t;

/* Read dataset `name` of exactly rows x cols (cols 0: a vector of rows). */
static int get_tensor(const ctx_t *cx, hid_t loc, const char *where, const char *name, double *out,
                      size_t rows, size_t cols) {
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
    return nn_fail(NN_ERR_FORMAT, "%s: %s has no dataset %s/%s", cx->net, cx->path, where, name);
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return nn_fail(NN_ERR_IO, "%s: cannot open %s/%s in %s", cx->net, where, name, cx->path);
  hid_t s = H5Dget_space(d);
  hsize_t dims[3] = {0, 0, 0};
  int rank = H5Sget_simple_extent_ndims(s);
  if (rank >= 1 && rank <= 2) H5Sget_simple_extent_dims(s, dims, NULL);
  H5Sclose(s);
  const int want_rank = cols ? 2 : 1;
  if (rank != want_rank || dims[0] != rows || (cols && dims[1] != cols)) {
    H5Dclose(d);
    return nn_fail(NN_ERR_FORMAT,
                   "%s: %s/%s in %s has shape [%llu%s%llu] (rank %d), the network needs [%zu%s%zu]",
                   cx->net, where, name, cx->path, (unsigned long long)dims[0], rank == 2 ? ", " : "",
                   rank == 2 ? (unsigned long long)dims[1] : 0ULL, rank, rows, cols ? ", " : "",
                   cols);
  }
  herr_t rc = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
  H5Dclose(d);
  if (rc < 0) return nn_fail(NN_ERR_IO, "%s: reading %s/%s from %s failed", cx->net, where, name, cx->path);
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

static int check_int(const ctx_t *cx, hid_t g, const char *where, const char *name, long long want) {
  long long v;
  if (get_int(g, name, &v) < 0)
    return nn_fail(NN_ERR_FORMAT, "%s: %s: %s has no attribute %s", cx->net, cx->path, where, name);
  if (v != want)
    return nn_fail(NN_ERR_FORMAT, "%s: %s: %s has %s = %lld in the file but %lld in the network",
                   cx->net, cx->path, where, name, v, want);
  return 0;
}

static int load_layer(const ctx_t *cx, const nn_layer_t *L, hid_t g, const char *where, double *P,
                      double *S) {
  char kind[32] = "";
  if (get_str(g, "kind", kind, sizeof kind) < 0)
    return nn_fail(NN_ERR_FORMAT, "%s: %s: %s has no kind attribute", cx->net, cx->path, where);
  if (strcmp(kind, nn_layer_kind_name(L->kind)) != 0)
    return nn_fail(NN_ERR_FORMAT, "%s: %s: %s is a %s layer in the file but %s in the network",
                   cx->net, cx->path, where, kind, nn_layer_kind_name(L->kind));
  int rc;
  if ((rc = check_int(cx, g, where, "n_in", (long long)L->n_in)) < 0 ||
      (rc = check_int(cx, g, where, "n_out", (long long)L->n_out)) < 0)
    return rc;
  switch (L->kind) {
  case NN_LAYER_DENSE: return get_wb(cx, g, where, "", P, L->n_in, L->n_out);
  case NN_LAYER_ACT: {
    char act[32] = "";
    get_str(g, "act", act, sizeof act);
    if (strcmp(act, nn_act_name(L->act)) != 0)
      return nn_fail(NN_ERR_FORMAT, "%s: %s: %s is activation '%s' in the file but '%s' in the network",
                     cx->net, cx->path, where, act, nn_act_name(L->act));
    return 0;
  }
  case NN_LAYER_BATCHNORM: {
    const size_t n = L->n_in;
    if ((rc = get_tensor(cx, g, where, "gamma", P, n, 0)) < 0 ||
        (rc = get_tensor(cx, g, where, "beta", P + n, n, 0)) < 0 ||
        (rc = get_tensor(cx, g, where, "running_mean", S, n, 0)) < 0 ||
        (rc = get_tensor(cx, g, where, "running_var", S + n, n, 0)) < 0)
      return rc;
    return 0;
  }
  case NN_LAYER_MOE: {
    const nn_moe_cfg_t *c = &L->moe_cfg;
    const size_t K = c->n_experts, u = c->units;
    if ((rc = check_int(cx, g, where, "n_experts", (long long)K)) < 0 ||
        (rc = check_int(cx, g, where, "depth", (long long)L->moe_max_depth)) < 0 ||
        (rc = check_int(cx, g, where, "units", (long long)u)) < 0 ||
        (rc = get_tensor(cx, g, where, "W_gate", P, L->n_in, K)) < 0 ||
        (rc = get_tensor(cx, g, where, "W_noise", P + L->n_in * K, L->n_in, K)) < 0)
      return rc;
    nn_moe_cfg_t cc = *c;
    cc.depth = L->moe_max_depth;
    for (size_t e = 0; e < K; e++) {
      char name[32], ewhere[96];
      snprintf(name, sizeof name, "expert_%02zu", e);
      snprintf(ewhere, sizeof ewhere, "%s/%s", where, name);
      if (H5Lexists(g, name, H5P_DEFAULT) <= 0)
        return nn_fail(NN_ERR_FORMAT, "%s: %s has no group %s", cx->net, cx->path, ewhere);
      hid_t eg = H5Gopen2(g, name, H5P_DEFAULT);
      if (eg < 0) return nn_fail(NN_ERR_IO, "%s: cannot open %s in %s", cx->net, ewhere, cx->path);
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

static hid_t open_model(const char *path, const char *who, int *code) {
  *code = NN_ERR_FORMAT;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    *code = NN_ERR_IO;
    nn_fail(NN_ERR_IO, "%s: cannot open model file %s (missing or not HDF5)", who, path);
    return -1;
  }
  char fmt[64] = "";
  long long ver = -1;
  if (get_str(f, "format", fmt, sizeof fmt) < 0 || strcmp(fmt, NN_FORMAT_NAME) != 0) {
    H5Fclose(f);
    nn_fail(NN_ERR_FORMAT, "%s: %s is not a mecsim-nn model file (no format = \"%s\" attribute)",
            who, path, NN_FORMAT_NAME);
    return -1;
  }
  if (get_int(f, "format_version", &ver) < 0 || ver != NN_FORMAT_VERSION) {
    H5Fclose(f);
    nn_fail(NN_ERR_FORMAT, "%s: %s has format_version %lld, this build reads version %d", who,
            path, ver, NN_FORMAT_VERSION);
    return -1;
  }
  return f;
}

static int load_into(nn_net_t *net, const char *path, hid_t f) {
  ctx_t cx = {path, net->name};
  int rc;
  if ((rc = check_int(&cx, f, "root", "n_in", (long long)net->n_in)) < 0 ||
      (rc = check_int(&cx, f, "root", "n_layers", (long long)net->n_layers)) < 0)
    return rc;
  /* read into copies so the network is unchanged on error */
  double *P = malloc((net->n_params + net->n_bufs + 1) * sizeof *P);
  if (!P) return nn_fail(NN_ERR_NOMEM, "%s: out of memory loading %s", net->name, path);
  double *S = P + net->n_params;
  memcpy(P, net->params, net->n_params * sizeof *P);
  memcpy(S, net->bufs, net->n_bufs * sizeof *S);
  for (size_t i = 0; i < net->n_layers && rc == 0; i++) {
    char name[32];
    snprintf(name, sizeof name, "layer_%03zu", i);
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0) {
      rc = nn_fail(NN_ERR_FORMAT, "%s: %s has no group %s", net->name, path, name);
      break;
    }
    hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
    const nn_layer_t *L = &net->layers[i];
    rc = load_layer(&cx, L, g, name, P + L->p_off, S + L->s_off);
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
  int rc;
  hid_t f = open_model(path, net->name, &rc);
  if (f >= 0) rc = load_into(net, path, f);
  if (f >= 0) H5Fclose(f);
  h5_quiet_end(q);
  return rc;
}

/* Append the layer described by group g to net (structure only). */
static int build_layer(nn_net_t *net, hid_t g, const char *path, const char *where) {
  char kind[32] = "", act[32] = "";
  long long n_out = 0, K = 0, depth = 0, units = 0, k = 0, adepth = 0, noisy = 0;
  double a = 0, b = 0;
  nn_act_t ac;
  if (get_str(g, "kind", kind, sizeof kind) < 0 || get_int(g, "n_out", &n_out) < 0 || n_out <= 0)
    return nn_fail(NN_ERR_FORMAT, "%s: %s lacks kind or n_out", path, where);
  if (strcmp(kind, "dense") == 0) return nn_net_add_dense(net, (size_t)n_out, NN_INIT_DEFAULT);
  if (strcmp(kind, "act") == 0) {
    if (get_str(g, "act", act, sizeof act) < 0 || nn_act_from_name(act, &ac) < 0 || get_dbl(g, "slope", &a) < 0)
      return nn_fail(NN_ERR_FORMAT, "%s: %s: unknown activation '%s'", path, where, act);
    return ac == NN_ACT_LEAKY_RELU ? nn_net_add_leaky_relu(net, a) : nn_net_add_act(net, ac);
  }
  if (strcmp(kind, "batchnorm") == 0) {
    if (get_dbl(g, "momentum", &a) < 0 || get_dbl(g, "eps", &b) < 0)
      return nn_fail(NN_ERR_FORMAT, "%s: %s lacks momentum or eps", path, where);
    return nn_net_add_batchnorm(net, a, b);
  }
  if (strcmp(kind, "moe") == 0) {
    if (get_int(g, "n_experts", &K) < 0 || get_int(g, "depth", &depth) < 0 ||
        get_int(g, "units", &units) < 0 || get_int(g, "k", &k) < 0 ||
        get_int(g, "active_depth", &adepth) < 0 || get_int(g, "noisy", &noisy) < 0 ||
        get_str(g, "act", act, sizeof act) < 0 || nn_act_from_name(act, &ac) < 0 || K <= 0 ||
        depth <= 0 || units <= 0 || k <= 0)
      return nn_fail(NN_ERR_FORMAT, "%s: %s: incomplete MoE settings", path, where);
    nn_moe_cfg_t c = {.n_experts = (size_t)K, .depth = (size_t)depth, .units = (size_t)units,
                      .k = (size_t)k, .act = ac, .noisy = (int)noisy};
    int idx = nn_net_add_moe(net, &c);
    if (idx >= 0 && adepth >= 1 && adepth <= depth) net->layers[idx].moe_cfg.depth = (size_t)adepth;
    return idx;
  }
  return nn_fail(NN_ERR_FORMAT, "%s: %s has unknown layer kind '%s'", path, where, kind);
}

nn_net_t *nn_net_load_new(const char *path) {
  h5_quiet_t q = h5_quiet_begin();
  nn_net_t *net = NULL;
  int code;
  hid_t f = open_model(path, "nn_net_load_new", &code);
  if (f < 0) goto out;
  char name[128] = "net";
  long long n_in = 0, n_layers = 0;
  get_str(f, "name", name, sizeof name);
  if (get_int(f, "n_in", &n_in) < 0 || get_int(f, "n_layers", &n_layers) < 0 || n_in <= 0 ||
      n_layers <= 0) {
    nn_fail(NN_ERR_FORMAT, "nn_net_load_new: %s lacks n_in or n_layers", path);
    goto out;
  }
  net = nn_net_new((size_t)n_in, name);
  for (long long i = 0; net && i < n_layers; i++) {
    char gname[32];
    snprintf(gname, sizeof gname, "layer_%03lld", i);
    if (H5Lexists(f, gname, H5P_DEFAULT) <= 0) {
      nn_fail(NN_ERR_FORMAT, "nn_net_load_new: %s has no group %s", path, gname);
      goto fail;
    }
    hid_t g = H5Gopen2(f, gname, H5P_DEFAULT);
    int rc = build_layer(net, g, path, gname);
    H5Gclose(g);
    if (rc < 0) goto fail;
  }
  if (!net || nn_net_finalize(net, 0) < 0 || load_into(net, path, f) < 0) goto fail;
  goto out;
fail:
  nn_net_free(net);
  net = NULL;
out:
  if (f >= 0) H5Fclose(f);
  h5_quiet_end(q);
  return net;
}
