/* model.c - networks used at execution time and their HDF5 bundle; see
 * model.h. */
#include "policies/dtomalb/model.h"
#include "nn/nn_h5attr.h"
#include <errno.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DTOMALB_FORMAT "mecsim-dtomalb"
/* Version 2 added the joint-action dqn-tolb; in version 1 files "dqn-tolb"
 * named the branching network, now "dqn-tolb-branch" (see algo_of_file). */
#define DTOMALB_FORMAT_VERSION 2

static const char *const algo_names[DTOMALB_ALGO_COUNT] = {"dtomalb", "dtoma", "dqn-tolb", "idql-tolb",
                                                          "dqn-tolb-branch"};

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

int dtomalb_algo_is_central(dtomalb_algo_t algo)
{
  return algo == DTOMALB_ALGO_DQN_TOLB || algo == DTOMALB_ALGO_DQN_TOLB_BRANCH;
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

static int nets_of(dtomalb_algo_t algo, int n_md) { return dtomalb_algo_is_central(algo) ? 1 : n_md; }

/* Input / output widths of network k of a model. */
static void net_shape(const dtomalb_model_t *m, size_t *n_in, size_t *n_out)
{
  if (m->algo == DTOMALB_ALGO_DQN_TOLB) { /* one value per joint action; the limit is checked before */
    *n_in = (size_t)dtomalb_state_dim(m->n_md, m->n_servers);
    *n_out = dtomalb_joint_count(m->n_md, m->n_servers);
  } else if (m->algo == DTOMALB_ALGO_DQN_TOLB_BRANCH) { /* N heads of M+1 values */
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
  if (algo == DTOMALB_ALGO_DQN_TOLB && dtomalb_joint_check(env->n_md, env->n_servers, err, errlen) < 0)
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
  if (dtomalb_algo_is_central(m->algo)) {
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
    if (m->algo == DTOMALB_ALGO_DQN_TOLB)
      dtomalb_joint_decode(m->n_md, m->n_servers, dtomalb_joint_argmax(q, nn_net_n_out(m->net[0])), actions);
    else
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

/* Writers: nn_h5attr.h's, named short. */
#define attr_write nn_h5attr_write
#define attr_str nn_h5attr_write_str
#define attr_int nn_h5attr_write_i64
#define attr_dbl nn_h5attr_write_f64

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

int dtomalb_model_save(const dtomalb_model_t *m, const char *path, char *err, size_t errlen)
{
  char tmp[NN_H5ATTR_TMP_MAX], why[NN_H5ATTR_WHY_MAX];
  int rc = -1;
  hid_t f = nn_h5attr_create_tmp(path, tmp, sizeof tmp, why, sizeof why);
  if (f < 0) {
    snprintf(err, errlen, "dtomalb model: %s", why);
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
  for (int k = 0; k < m->n_nets; k++) {
    char name[32];
    snprintf(name, sizeof name, "net_%03d", k);
    if (nn_net_save_group(m->net[k], f, name) < 0) {
      snprintf(err, errlen, "dtomalb model: saving network %d into '%s': %s", k, tmp, nn_last_error());
      goto out;
    }
  }
  rc = 0;
out:
  if (nn_h5attr_finish_tmp(f, tmp, path, rc == 0, why, sizeof why) < 0 && rc == 0) {
    snprintf(err, errlen, "dtomalb model: %s", why);
    rc = -1;
  }
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Reading: the file is untrusted input. Every attribute must hold exactly  */
/* the values expected, integers are read with their stored type's sign and */
/* size and range-checked before anything is sized by them, floats must be  */
/* finite; the networks are read (and checked) by nn_net_load_new_group.    */
/* ------------------------------------------------------------------------ */

/* Attributes of '/' are read by nn_h5attr (nn_h5attr.h); their failures and
 * the loader's own (rfail) are reported as "model '<path>': <message>" in the
 * caller's buffer. */
typedef struct {
  char *err;
  size_t errlen;
} rd_err_t;
typedef nn_h5attr_t rd_t; /* .ud is the rd_err_t */

static int rd_h5fail(const nn_h5attr_t *h, nn_h5attr_err_t err, const char *msg)
{
  const rd_err_t *e = h->ud;
  (void)err;
  snprintf(e->err, e->errlen, "model '%s': %s", h->path, msg);
  return -1;
}

#define rfail(r, ...) nn_h5attr_fail((r), NN_H5ATTR_EFORMAT, __VA_ARGS__)

/* The algorithm a file's `algo` names in its format version: version 1
 * knew only the branching DQN-TOLB, under the name "dqn-tolb", so such a
 * file loads as dqn-tolb-branch (never as the joint network it is not).
 * 0 or -1 (a name that version does not know). */
static int algo_of_file(const char *name, int64_t version, dtomalb_algo_t *algo)
{
  if (dtomalb_algo_from_name(name, algo) < 0)
    return -1;
  if (version == 1) {
    if (*algo == DTOMALB_ALGO_DQN_TOLB_BRANCH)
      return -1; /* the name did not exist yet */
    if (*algo == DTOMALB_ALGO_DQN_TOLB)
      *algo = DTOMALB_ALGO_DQN_TOLB_BRANCH;
  }
  return 0;
}

/* The training environment; missing fields (older or hand-made files) keep
 * the defaults, present ones must be valid. */
static int env_attrs_read(const rd_t *r, hid_t g, dtomalb_env_cfg_t *c)
{
  if (nn_h5attr_doubles(r, g, "env_server_hz", (size_t)c->n_servers, 1, c->server_hz) < 0)
    return -1;
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
    if (nn_h5attr_doubles(r, g, d[i].name, 1, 1, d[i].v) < 0)
      return -1;
  int64_t v;
  int rc;
  if ((rc = nn_h5attr_int(r, g, "env_steps_per_episode", 1, INT_MAX, 1, &v)) < 0)
    return -1;
  if (rc == 0)
    c->steps_per_episode = (int)v;
  if ((rc = nn_h5attr_int(r, g, "env_local_queue", 0, 1, 1, &v)) < 0)
    return -1;
  if (rc == 0)
    c->local_queue = (int)v;
  if (nn_h5attr_int_raw(r, g, "env_scenario_seed", 1, &c->scenario_seed, NULL) < 0)
    return -1;
  char why[512];
  if (dtomalb_env_cfg_check(c, why, sizeof why) < 0)
    return rfail(r, "training environment: %s", why);
  return 0;
}

/* Parameters of the MLP n_in -> hidden -> hidden -> n_out, layer by layer
 * (dense, ReLU, dense, ReLU, dense) as dtomalb_model_new builds it. */
static int is_model_mlp(nn_net_t *net, size_t n_in, size_t h, size_t n_out)
{
  const size_t want[5] = {n_in * h + h, 0, h * h + h, 0, h * n_out + n_out};
  if (nn_net_n_layers(net) != 5)
    return 0;
  for (size_t i = 0; i < 5; i++) {
    size_t n = 0;
    nn_net_layer_params(net, i, &n);
    if (n != want[i])
      return 0;
  }
  return 1;
}

dtomalb_model_t *dtomalb_model_load(const char *path, char *err, size_t errlen)
{
  if (!path || !*path) {
    snprintf(err, errlen, "dtomalb model: no model file given (model=PATH)");
    return NULL;
  }
  const rd_err_t re = {err, errlen};
  const rd_t r = {.path = path, .obj = "/", .shape = NN_H5ATTR_SHAPE_COUNT, .fail = rd_h5fail, .ud = &re};
  if (access(path, R_OK) != 0) {
    rfail(&r, "cannot read: %s", strerror(errno));
    return NULL;
  }
  hid_t f = -1;
  H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); } H5E_END_TRY;
  if (f < 0) {
    rfail(&r, "not an HDF5 file");
    return NULL;
  }
  dtomalb_model_t *m = NULL;
  char fmt[64] = "", algo_s[64] = "";
  int64_t ver = 0, n_md = 0, n_srv = 0, hidden = 0, n_nets = 0, v = 0;
  dtomalb_algo_t algo;
  H5E_BEGIN_TRY
  {
    if (!nn_h5attr_exists(f, "format") || nn_h5attr_str(&r, f, "format", fmt, sizeof fmt) < 0 ||
        strcmp(fmt, DTOMALB_FORMAT) != 0) {
      rfail(&r, "not a DTOMALB model (format attribute '%s', expected '%s')", fmt, DTOMALB_FORMAT);
      goto out;
    }
    if (nn_h5attr_int(&r, f, "format_version", INT64_MIN, INT64_MAX, 0, &ver) < 0)
      goto out;
    if (ver != 1 && ver != DTOMALB_FORMAT_VERSION) {
      rfail(&r, "format version %lld, this build reads 1 and %d", (long long)ver, DTOMALB_FORMAT_VERSION);
      goto out;
    }
    if (nn_h5attr_str(&r, f, "algo", algo_s, sizeof algo_s) < 0)
      goto out;
    if (algo_of_file(algo_s, ver, &algo) < 0) {
      rfail(&r, "unknown algorithm '%s' (format version %lld)", algo_s, (long long)ver);
      goto out;
    }
    /* sizes first, range-checked before anything is allocated from them */
    if (nn_h5attr_int(&r, f, "n_md", 1, DTOMALB_MODEL_MAX_MD, 0, &n_md) < 0 ||
        nn_h5attr_int(&r, f, "n_servers", 1, DTOMALB_MAX_SERVERS, 0, &n_srv) < 0 ||
        nn_h5attr_int(&r, f, "hidden", 1, NN_IO_MAX_WIDTH, 0, &hidden) < 0 ||
        nn_h5attr_int(&r, f, "n_nets", 1, DTOMALB_MODEL_MAX_MD, 0, &n_nets) < 0)
      goto out;
    char why[512];
    if (algo == DTOMALB_ALGO_DQN_TOLB && dtomalb_joint_check((int)n_md, (int)n_srv, why, sizeof why) < 0) {
      rfail(&r, "%s", why); /* before the output width (M+1)^N is computed from them */
      goto out;
    }
    if (n_nets != nets_of(algo, (int)n_md)) {
      rfail(&r, "attribute 'n_nets' of '/' is %lld, algorithm %s with %lld MDs needs %d", (long long)n_nets,
            dtomalb_algo_name(algo), (long long)n_md, nets_of(algo, (int)n_md));
      goto out;
    }
    int rc = nn_h5attr_int(&r, f, "obs_dim", 1, INT_MAX, 1, &v);
    if (rc < 0)
      goto out;
    if (rc == 0 && v != dtomalb_obs_dim((int)n_srv)) {
      rfail(&r, "attribute 'obs_dim' of '/' is %lld, %lld servers give %d", (long long)v, (long long)n_srv,
            dtomalb_obs_dim((int)n_srv));
      goto out;
    }
    if ((rc = nn_h5attr_int(&r, f, "n_actions", 1, INT_MAX, 1, &v)) < 0)
      goto out;
    if (rc == 0 && v != n_srv + 1) {
      rfail(&r, "attribute 'n_actions' of '/' is %lld, %lld servers give %lld", (long long)v, (long long)n_srv,
            (long long)n_srv + 1);
      goto out;
    }
    dtomalb_env_cfg_t env = dtomalb_env_cfg_default((int)n_md, (int)n_srv);
    if (env_attrs_read(&r, f, &env) < 0)
      goto out;
    m = model_alloc(algo, &env, (int)hidden);
    if (!m) {
      snprintf(err, errlen, "dtomalb model: out of memory");
      goto out;
    }
    m->file_version = (int)ver;
    struct { const char *name; double *v; } sc[] = {{"scale_time_s", &m->scale.time_s},
                                                     {"scale_bits", &m->scale.bits},
                                                     {"scale_cycles", &m->scale.cycles},
                                                     {"scale_local_s", &m->scale.local_s}};
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
      if (nn_h5attr_doubles(&r, f, sc[i].name, 1, 1, sc[i].v) < 0)
        goto fail;
      if (!(*sc[i].v > 0)) {
        rfail(&r, "attribute '%s' of '/' is %g, observation scales must be > 0", sc[i].name, *sc[i].v);
        goto fail;
      }
    }
    if (nn_h5attr_int_raw(&r, f, "train_seed", 1, &m->train_seed, NULL) < 0 ||
        (rc = nn_h5attr_int(&r, f, "episodes", 0, INT_MAX, 1, &v)) < 0)
      goto fail;
    if (rc == 0)
      m->episodes = (int)v;
    size_t n_in, n_out;
    net_shape(m, &n_in, &n_out);
    double total = 0;
    for (int k = 0; k < m->n_nets; k++) {
      char name[32];
      snprintf(name, sizeof name, "/net_%03d", k);
      if (!(m->net[k] = nn_net_load_new_group(path, name))) {
        snprintf(err, errlen, "%s", nn_last_error());
        goto fail;
      }
      if (nn_net_n_in(m->net[k]) != n_in || nn_net_n_out(m->net[k]) != n_out) {
        rfail(&r, "network '%s' maps %zu -> %zu values, %s with N=%d, M=%d needs %zu -> %zu", name,
              nn_net_n_in(m->net[k]), nn_net_n_out(m->net[k]), dtomalb_algo_name(m->algo), m->n_md, m->n_servers, n_in, n_out);
        goto fail;
      }
      if (!is_model_mlp(m->net[k], n_in, (size_t)m->hidden, n_out)) {
        rfail(&r, "network '%s' is not the MLP %zu-%d-%d-%zu (dense, ReLU, dense, ReLU, dense) that attribute "
                  "'hidden' = %d describes",
              name, n_in, m->hidden, m->hidden, n_out, m->hidden);
        goto fail;
      }
      size_t np = 0;
      nn_net_params(m->net[k], &np);
      total += (double)np;
      if (total > (double)DTOMALB_MODEL_MAX_PARAMS) {
        rfail(&r, "networks up to '%s' hold %.0f parameters, more than the limit %lu", name, total,
              (unsigned long)DTOMALB_MODEL_MAX_PARAMS);
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
