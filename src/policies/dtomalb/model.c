/* model.c - networks used at execution time and their HDF5 bundle; see
 * model.h. */
#include "policies/dtomalb/model.h"
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DTOMALB_FORMAT "mecsim-dtomalb"
#define DTOMALB_FORMAT_VERSION 1

static const char *const algo_names[DTOMALB_ALGO_COUNT] = {"dtomalb", "dtoma", "dqn-tolb", "idql-tolb"};

const char *dtomalb_algo_name(dtomalb_algo_t algo)
{
  return algo >= 0 && algo < DTOMALB_ALGO_COUNT ? algo_names[algo] : "?";
}

int dtomalb_algo_from_name(const char *name, dtomalb_algo_t *algo)
{
  for (int a = 0; name && a < DTOMALB_ALGO_COUNT; a++)
    if (strcmp(name, algo_names[a]) == 0) {
      *algo = (dtomalb_algo_t)a;
      return 0;
    }
  return -1;
}

int dtomalb_state_dim(int n_md, int n_servers) { return n_servers + DTOMALB_OBS_EXTRA * n_md; }

void dtomalb_state_from_obs(int n_md, int n_servers, const double *obs_all, double *state)
{
  int d = dtomalb_obs_dim(n_servers);
  memcpy(state, obs_all, sizeof(double) * n_servers); /* every agent sees the same LD */
  for (int n = 0; n < n_md; n++)
    memcpy(state + n_servers + DTOMALB_OBS_EXTRA * n, obs_all + (size_t)n * d + n_servers,
           sizeof(double) * DTOMALB_OBS_EXTRA);
}

static int nets_of(dtomalb_algo_t algo, int n_md) { return algo == DTOMALB_ALGO_DQN_TOLB ? 1 : n_md; }

/* Input / output widths of network k of a model. */
static void net_shape(const dtomalb_model_t *m, size_t *n_in, size_t *n_out)
{
  if (m->algo == DTOMALB_ALGO_DQN_TOLB) {
    *n_in = (size_t)dtomalb_state_dim(m->n_md, m->n_servers);
    *n_out = (size_t)m->n_md * m->n_actions;
  } else {
    *n_in = (size_t)m->obs_dim;
    *n_out = (size_t)m->n_actions;
  }
}

static dtomalb_model_t *model_alloc(dtomalb_algo_t algo, const dtomalb_env_cfg_t *env, int hidden)
{
  dtomalb_model_t *m = calloc(1, sizeof *m);
  if (!m)
    return NULL;
  m->algo = algo;
  m->n_md = env->n_md;
  m->n_servers = env->n_servers;
  m->obs_dim = dtomalb_obs_dim(env->n_servers);
  m->n_actions = env->n_servers + 1;
  m->hidden = hidden;
  m->scale = dtomalb_obs_scale_from_cfg(env);
  m->env = *env;
  m->n_nets = nets_of(algo, env->n_md);
  m->net = calloc((size_t)m->n_nets, sizeof *m->net);
  if (!m->net) {
    free(m);
    return NULL;
  }
  return m;
}

dtomalb_model_t *dtomalb_model_new(dtomalb_algo_t algo, const dtomalb_env_cfg_t *env, int hidden, uint64_t seed,
                                   char *err, size_t errlen)
{
  if (algo < 0 || algo >= DTOMALB_ALGO_COUNT || hidden < 1) {
    snprintf(err, errlen, "dtomalb model: bad algorithm (%d) or hidden width (%d)", (int)algo, hidden);
    return NULL;
  }
  if (dtomalb_env_cfg_check(env, err, errlen) < 0)
    return NULL;
  dtomalb_model_t *m = model_alloc(algo, env, hidden);
  if (!m) {
    snprintf(err, errlen, "dtomalb model: out of memory");
    return NULL;
  }
  size_t n_in, n_out;
  net_shape(m, &n_in, &n_out);
  for (int k = 0; k < m->n_nets; k++) {
    char name[64];
    snprintf(name, sizeof name, "%s_%s_%03d", algo_names[algo],
             algo == DTOMALB_ALGO_DTOMALB || algo == DTOMALB_ALGO_DTOMA ? "actor" : "q", k);
    nn_mlp_cfg_t c = {.n_in = n_in, .hidden = {(size_t)hidden, (size_t)hidden}, .n_out = n_out,
                      .hidden_act = NN_ACT_RELU, .out_act = NN_ACT_NONE, .name = name};
    /* a distinct, reproducible seed per network */
    m->net[k] = nn_mlp_new(&c, seed * 1000003ULL + (uint64_t)k);
    if (!m->net[k]) {
      snprintf(err, errlen, "dtomalb model: cannot build network %d: %s", k, nn_last_error());
      dtomalb_model_free(m);
      return NULL;
    }
  }
  return m;
}

void dtomalb_model_free(dtomalb_model_t *m)
{
  if (!m)
    return;
  if (m->net)
    for (int k = 0; k < m->n_nets; k++)
      nn_net_free(m->net[k]);
  free(m->net);
  free(m);
}

static int argmax(const double *v, int n)
{
  int b = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[b])
      b = i;
  return b;
}

int dtomalb_model_act(dtomalb_model_t *m, const double *obs_all, int *actions)
{
  int A = m->n_actions;
  if (m->algo == DTOMALB_ALGO_DQN_TOLB) {
    double state[DTOMALB_MAX_SERVERS + DTOMALB_OBS_EXTRA * 256];
    double *s = state;
    if (m->n_md > 256 && !(s = malloc(sizeof(double) * dtomalb_state_dim(m->n_md, m->n_servers))))
      return -1;
    dtomalb_state_from_obs(m->n_md, m->n_servers, obs_all, s);
    const double *q = nn_net_forward(m->net[0], s, 1);
    if (s != state)
      free(s);
    if (!q)
      return -1;
    for (int n = 0; n < m->n_md; n++)
      actions[n] = argmax(q + (size_t)n * A, A);
    return 0;
  }
  for (int n = 0; n < m->n_md; n++) {
    const double *y = nn_net_forward(m->net[n], obs_all + (size_t)n * m->obs_dim, 1);
    if (!y)
      return -1;
    actions[n] = argmax(y, A);
  }
  return 0;
}

uint64_t dtomalb_model_decision_macs(const dtomalb_model_t *m) { return nn_net_macs(m->net[0], 1); }

size_t dtomalb_model_decision_params(const dtomalb_model_t *m)
{
  size_t n = 0;
  nn_net_params(m->net[0], &n);
  return n;
}

/* ------------------------------------------------------------------------ */
/* HDF5 bundle                                                              */
/* ------------------------------------------------------------------------ */

static int attr_write(hid_t loc, const char *name, hid_t type, const void *v, hsize_t n)
{
  hid_t sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
  if (sp < 0)
    return -1;
  hid_t a = H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = a >= 0 && H5Awrite(a, type, v) >= 0 ? 0 : -1;
  if (a >= 0)
    H5Aclose(a);
  H5Sclose(sp);
  return rc;
}

static int attr_str(hid_t loc, const char *name, const char *v)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(v) + 1);
  int rc = attr_write(loc, name, t, v, 1);
  H5Tclose(t);
  return rc;
}
static int attr_int(hid_t loc, const char *name, int64_t v) { return attr_write(loc, name, H5T_NATIVE_INT64, &v, 1); }
static int attr_dbl(hid_t loc, const char *name, double v) { return attr_write(loc, name, H5T_NATIVE_DOUBLE, &v, 1); }

/* Reads a numeric attribute of n elements converted to `mem` type; -1 if
 * absent or of another size. */
static int attr_read(hid_t loc, const char *name, hid_t mem, void *v, hsize_t n)
{
  if (H5Aexists(loc, name) <= 0)
    return -1;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0)
    return -1;
  hid_t sp = H5Aget_space(a);
  hssize_t np = H5Sget_simple_extent_npoints(sp);
  int rc = np == (hssize_t)n && H5Aread(a, mem, v) >= 0 ? 0 : -1;
  H5Sclose(sp);
  H5Aclose(a);
  return rc;
}

static int attr_read_str(hid_t loc, const char *name, char *buf, size_t size)
{
  if (H5Aexists(loc, name) <= 0)
    return -1;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0)
    return -1;
  hid_t ft = H5Aget_type(a);
  int rc = -1;
  if (H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) > 0) {
    char *v = NULL;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(ft));
    hid_t sp = H5Aget_space(a);
    if (H5Sget_simple_extent_npoints(sp) == 1 && H5Aread(a, mt, &v) >= 0 && v) {
      snprintf(buf, size, "%s", v);
      H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &v);
      rc = 0;
    }
    H5Sclose(sp);
    H5Tclose(mt);
  } else if (H5Tget_class(ft) == H5T_STRING) {
    size_t len = H5Tget_size(ft);
    char *tmp = calloc(len + 1, 1);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, len);
    if (tmp && H5Aread(a, mt, tmp) >= 0) {
      snprintf(buf, size, "%s", tmp);
      rc = 0;
    }
    H5Tclose(mt);
    free(tmp);
  }
  H5Tclose(ft);
  H5Aclose(a);
  return rc;
}

/* The environment fields worth keeping with the weights (what the agents
 * were trained for). */
static int env_attrs_write(hid_t g, const dtomalb_env_cfg_t *c)
{
  int rc = 0;
  rc |= attr_write(g, "env_server_hz", H5T_NATIVE_DOUBLE, c->server_hz, (hsize_t)c->n_servers);
  rc |= attr_dbl(g, "env_local_hz_min", c->local_hz_min) | attr_dbl(g, "env_local_hz_max", c->local_hz_max);
  rc |= attr_dbl(g, "env_bits_min", c->bits_min) | attr_dbl(g, "env_bits_max", c->bits_max);
  rc |= attr_dbl(g, "env_cycles_min", c->cycles_min) | attr_dbl(g, "env_cycles_max", c->cycles_max);
  rc |= attr_dbl(g, "env_bandwidth_hz", c->bandwidth_hz) | attr_dbl(g, "env_tx_power_w", c->tx_power_w);
  rc |= attr_dbl(g, "env_noise_w_per_hz", c->noise_w_per_hz) | attr_dbl(g, "env_g0", c->g0);
  rc |= attr_dbl(g, "env_l0_m", c->l0_m) | attr_dbl(g, "env_path_exponent", c->path_exponent);
  rc |= attr_dbl(g, "env_dist_min_m", c->dist_min_m) | attr_dbl(g, "env_dist_max_m", c->dist_max_m);
  rc |= attr_dbl(g, "env_fiber_bps", c->fiber_bps) | attr_dbl(g, "env_slot_s", c->slot_s);
  rc |= attr_int(g, "env_steps_per_episode", c->steps_per_episode);
  rc |= attr_dbl(g, "env_w1", c->w1) | attr_dbl(g, "env_w2", c->w2);
  rc |= attr_int(g, "env_local_queue", c->local_queue) | attr_int(g, "env_scenario_seed", (int64_t)c->scenario_seed);
  return rc ? -1 : 0;
}

/* Missing fields (older or hand-made files) keep the defaults. */
static void env_attrs_read(hid_t g, dtomalb_env_cfg_t *c)
{
  attr_read(g, "env_server_hz", H5T_NATIVE_DOUBLE, c->server_hz, (hsize_t)c->n_servers);
  struct { const char *name; double *v; } d[] = {
      {"env_local_hz_min", &c->local_hz_min}, {"env_local_hz_max", &c->local_hz_max},
      {"env_bits_min", &c->bits_min},         {"env_bits_max", &c->bits_max},
      {"env_cycles_min", &c->cycles_min},     {"env_cycles_max", &c->cycles_max},
      {"env_bandwidth_hz", &c->bandwidth_hz}, {"env_tx_power_w", &c->tx_power_w},
      {"env_noise_w_per_hz", &c->noise_w_per_hz}, {"env_g0", &c->g0},
      {"env_l0_m", &c->l0_m},                 {"env_path_exponent", &c->path_exponent},
      {"env_dist_min_m", &c->dist_min_m},     {"env_dist_max_m", &c->dist_max_m},
      {"env_fiber_bps", &c->fiber_bps},       {"env_slot_s", &c->slot_s},
      {"env_w1", &c->w1},                     {"env_w2", &c->w2}};
  for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
    attr_read(g, d[i].name, H5T_NATIVE_DOUBLE, d[i].v, 1);
  int64_t v;
  if (attr_read(g, "env_steps_per_episode", H5T_NATIVE_INT64, &v, 1) == 0)
    c->steps_per_episode = (int)v;
  if (attr_read(g, "env_local_queue", H5T_NATIVE_INT64, &v, 1) == 0)
    c->local_queue = (int)v;
  if (attr_read(g, "env_scenario_seed", H5T_NATIVE_INT64, &v, 1) == 0)
    c->scenario_seed = (uint64_t)v;
}

/* A scratch file name next to nothing important: $TMPDIR or /tmp. */
static int scratch_path(char *buf, size_t size)
{
  const char *dir = getenv("TMPDIR");
  snprintf(buf, size, "%s/mecsim-dtomalb-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(buf);
  if (fd < 0)
    return -1;
  close(fd);
  return 0;
}

int dtomalb_model_save(const dtomalb_model_t *m, const char *path, char *err, size_t errlen)
{
  char tmp[4096], scratch[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (scratch_path(scratch, sizeof scratch) < 0) {
    snprintf(err, errlen, "dtomalb model: cannot create a scratch file: %s", strerror(errno));
    return -1;
  }
  int rc = -1;
  hid_t f = -1, ocp = -1, lcp = -1;
  H5E_BEGIN_TRY { f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT); } H5E_END_TRY;
  if (f < 0) {
    snprintf(err, errlen, "dtomalb model: cannot create '%s'", tmp);
    goto out;
  }
  int arc = attr_str(f, "format", DTOMALB_FORMAT) | attr_int(f, "format_version", DTOMALB_FORMAT_VERSION) |
            attr_str(f, "algo", algo_names[m->algo]) | attr_int(f, "n_md", m->n_md) |
            attr_int(f, "n_servers", m->n_servers) | attr_int(f, "obs_dim", m->obs_dim) |
            attr_int(f, "n_actions", m->n_actions) | attr_int(f, "n_nets", m->n_nets) |
            attr_int(f, "hidden", m->hidden) | attr_dbl(f, "scale_time_s", m->scale.time_s) |
            attr_dbl(f, "scale_bits", m->scale.bits) | attr_dbl(f, "scale_cycles", m->scale.cycles) |
            attr_dbl(f, "scale_local_s", m->scale.local_s) | attr_int(f, "train_seed", (int64_t)m->train_seed) |
            attr_int(f, "episodes", m->episodes) | env_attrs_write(f, &m->env);
  if (arc) {
    snprintf(err, errlen, "dtomalb model: cannot write attributes of '%s'", tmp);
    goto out;
  }
  ocp = H5Pcreate(H5P_OBJECT_COPY);
  lcp = H5Pcreate(H5P_LINK_CREATE);
  for (int k = 0; k < m->n_nets; k++) {
    /* nn saves one network per file: save it, then copy that file's root
     * group (attributes and layer groups) into net_k */
    if (nn_net_save(m->net[k], scratch) < 0) {
      snprintf(err, errlen, "dtomalb model: saving network %d: %s", k, nn_last_error());
      goto out;
    }
    hid_t s = H5Fopen(scratch, H5F_ACC_RDONLY, H5P_DEFAULT);
    char name[32];
    snprintf(name, sizeof name, "net_%03d", k);
    herr_t c = s >= 0 ? H5Ocopy(s, "/", f, name, ocp, lcp) : -1;
    if (s >= 0)
      H5Fclose(s);
    if (c < 0) {
      snprintf(err, errlen, "dtomalb model: cannot copy network %d into '%s'", k, tmp);
      goto out;
    }
  }
  rc = 0;
out:
  if (ocp >= 0)
    H5Pclose(ocp);
  if (lcp >= 0)
    H5Pclose(lcp);
  if (f >= 0 && H5Fclose(f) < 0 && rc == 0) {
    snprintf(err, errlen, "dtomalb model: cannot close '%s'", tmp);
    rc = -1;
  }
  unlink(scratch);
  if (rc == 0 && rename(tmp, path) != 0) {
    snprintf(err, errlen, "dtomalb model: cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    rc = -1;
  }
  if (rc != 0)
    unlink(tmp);
  return rc;
}

/* Copies one attribute of the source object to the destination object. */
static herr_t copy_attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
  (void)info;
  hid_t dst = *(hid_t *)data;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0)
    return -1;
  hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
  size_t sz = H5Tget_size(t);
  hssize_t np = H5Sget_simple_extent_npoints(sp);
  herr_t rc = -1;
  /* variable-length strings (nn writes its names so) are read as char *
   * and their memory given back with H5Dvlen_reclaim */
  int vlen = H5Tis_variable_str(t) > 0;
  void *buf = np >= 0 ? calloc((size_t)(np > 0 ? np : 1), vlen ? sizeof(char *) : sz) : NULL;
  if (buf && H5Aread(a, t, buf) >= 0) {
    hid_t b = H5Acreate2(dst, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (b >= 0) {
      rc = H5Awrite(b, t, buf) >= 0 ? 0 : -1;
      H5Aclose(b);
    }
    if (vlen)
      H5Dvlen_reclaim(t, sp, H5P_DEFAULT, buf);
  }
  free(buf);
  H5Sclose(sp);
  H5Tclose(t);
  H5Aclose(a);
  return rc;
}

typedef struct { hid_t dst; hid_t ocp, lcp; } copy_links_t;

static herr_t copy_link_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
  (void)info;
  copy_links_t *c = data;
  return H5Ocopy(g, name, c->dst, name, c->ocp, c->lcp) < 0 ? -1 : 0;
}

/* Rebuilds network k from group net_k through a scratch nn file. */
static nn_net_t *load_net(hid_t f, int k, const char *path, char *err, size_t errlen)
{
  char name[32], scratch[4096];
  snprintf(name, sizeof name, "net_%03d", k);
  if (H5Lexists(f, name, H5P_DEFAULT) <= 0) {
    snprintf(err, errlen, "dtomalb model '%s': network group '%s' is missing", path, name);
    return NULL;
  }
  if (scratch_path(scratch, sizeof scratch) < 0) {
    snprintf(err, errlen, "dtomalb model: cannot create a scratch file: %s", strerror(errno));
    return NULL;
  }
  nn_net_t *net = NULL;
  hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
  hid_t s = H5Fcreate(scratch, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  int ok = g >= 0 && s >= 0;
  if (ok) {
    hid_t root = H5Gopen2(s, "/", H5P_DEFAULT);
    hsize_t idx = 0;
    copy_links_t c = {root, H5Pcreate(H5P_OBJECT_COPY), H5Pcreate(H5P_LINK_CREATE)};
    ok = root >= 0 && H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_attr_cb, &root) >= 0;
    idx = 0;
    ok = ok && H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_link_cb, &c) >= 0;
    H5Pclose(c.ocp);
    H5Pclose(c.lcp);
    if (root >= 0)
      H5Gclose(root);
  }
  if (s >= 0)
    H5Fclose(s);
  if (g >= 0)
    H5Gclose(g);
  if (!ok)
    snprintf(err, errlen, "dtomalb model '%s': cannot read network group '%s'", path, name);
  else if (!(net = nn_net_load_new(scratch)))
    snprintf(err, errlen, "dtomalb model '%s': network '%s': %s", path, name, nn_last_error());
  unlink(scratch);
  return net;
}

dtomalb_model_t *dtomalb_model_load(const char *path, char *err, size_t errlen)
{
  if (!path || !*path) {
    snprintf(err, errlen, "dtomalb model: no model file given (model=PATH)");
    return NULL;
  }
  if (access(path, R_OK) != 0) {
    snprintf(err, errlen, "dtomalb model '%s': cannot read: %s", path, strerror(errno));
    return NULL;
  }
  hid_t f = -1;
  H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); } H5E_END_TRY;
  if (f < 0) {
    snprintf(err, errlen, "dtomalb model '%s': not an HDF5 file", path);
    return NULL;
  }
  dtomalb_model_t *m = NULL;
  char fmt[64] = "", algo_s[64] = "";
  int64_t ver = 0, n_md = 0, n_srv = 0, hidden = 0, seed = 0, episodes = 0, n_nets = 0;
  dtomalb_algo_t algo;
  H5E_BEGIN_TRY
  {
    if (attr_read_str(f, "format", fmt, sizeof fmt) < 0 || strcmp(fmt, DTOMALB_FORMAT) != 0) {
      snprintf(err, errlen, "dtomalb model '%s': not a DTOMALB model (format attribute '%s', expected '%s')", path,
               fmt, DTOMALB_FORMAT);
      goto out;
    }
    if (attr_read(f, "format_version", H5T_NATIVE_INT64, &ver, 1) < 0 || ver != DTOMALB_FORMAT_VERSION) {
      snprintf(err, errlen, "dtomalb model '%s': format version %lld, this build reads %d", path, (long long)ver,
               DTOMALB_FORMAT_VERSION);
      goto out;
    }
    if (attr_read_str(f, "algo", algo_s, sizeof algo_s) < 0 || dtomalb_algo_from_name(algo_s, &algo) < 0) {
      snprintf(err, errlen, "dtomalb model '%s': unknown algorithm '%s'", path, algo_s);
      goto out;
    }
    if (attr_read(f, "n_md", H5T_NATIVE_INT64, &n_md, 1) < 0 ||
        attr_read(f, "n_servers", H5T_NATIVE_INT64, &n_srv, 1) < 0 ||
        attr_read(f, "hidden", H5T_NATIVE_INT64, &hidden, 1) < 0 ||
        attr_read(f, "n_nets", H5T_NATIVE_INT64, &n_nets, 1) < 0 || n_md < 1 || n_srv < 1 ||
        n_srv > DTOMALB_MAX_SERVERS || hidden < 1) {
      snprintf(err, errlen, "dtomalb model '%s': missing or invalid n_md / n_servers / hidden / n_nets", path);
      goto out;
    }
    dtomalb_env_cfg_t env = dtomalb_env_cfg_default((int)n_md, (int)n_srv);
    env_attrs_read(f, &env);
    m = model_alloc(algo, &env, (int)hidden);
    if (!m) {
      snprintf(err, errlen, "dtomalb model: out of memory");
      goto out;
    }
    if (n_nets != m->n_nets) {
      snprintf(err, errlen, "dtomalb model '%s': %lld networks, algorithm %s with %d MDs needs %d", path,
               (long long)n_nets, algo_s, m->n_md, m->n_nets);
      goto fail;
    }
    attr_read(f, "scale_time_s", H5T_NATIVE_DOUBLE, &m->scale.time_s, 1);
    attr_read(f, "scale_bits", H5T_NATIVE_DOUBLE, &m->scale.bits, 1);
    attr_read(f, "scale_cycles", H5T_NATIVE_DOUBLE, &m->scale.cycles, 1);
    attr_read(f, "scale_local_s", H5T_NATIVE_DOUBLE, &m->scale.local_s, 1);
    if (!(m->scale.time_s > 0 && m->scale.bits > 0 && m->scale.cycles > 0 && m->scale.local_s > 0)) {
      snprintf(err, errlen, "dtomalb model '%s': observation scales must be > 0", path);
      goto fail;
    }
    if (attr_read(f, "train_seed", H5T_NATIVE_INT64, &seed, 1) == 0)
      m->train_seed = (uint64_t)seed;
    if (attr_read(f, "episodes", H5T_NATIVE_INT64, &episodes, 1) == 0)
      m->episodes = (int)episodes;
    size_t n_in, n_out;
    net_shape(m, &n_in, &n_out);
    for (int k = 0; k < m->n_nets; k++) {
      if (!(m->net[k] = load_net(f, k, path, err, errlen)))
        goto fail;
      if (nn_net_n_in(m->net[k]) != n_in || nn_net_n_out(m->net[k]) != n_out) {
        snprintf(err, errlen, "dtomalb model '%s': network %d maps %zu -> %zu values, %s with N=%d, M=%d needs %zu -> %zu",
                 path, k, nn_net_n_in(m->net[k]), nn_net_n_out(m->net[k]), algo_s, m->n_md, m->n_servers, n_in,
                 n_out);
        goto fail;
      }
    }
    goto out;
  fail:
    dtomalb_model_free(m);
    m = NULL;
  out:;
  }
  H5E_END_TRY;
  H5Fclose(f);
  return m;
}
