/* setup.c - builds the world from the loaded platform and deployment.
 *
 * Runs in main after simgrid_load_deployment and before simgrid_run: the
 * deployed actors exist (not started), so their functions, hosts and
 * properties can be read and checked here, and every input error is reported
 * before the first simulated second, naming the file and element at fault. */
#include "actors/setup.h"
#include "actors/tpos_sim.h"
#include "actors/route_probe.h"
#include "actors/wifi_shim.h"
#include "actors/world_check.h"
#include "model/text_util.h"
#include <sys/stat.h>
#include "actors/world.h"
#include "actors/radio_link.h"
#include "actors/mobility_glue.h"
#include "model/mobility.h"
#include "model/radio.h"
#include "model/rng.h"
#include "model/task_file.h"

#include <errno.h>
#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <simgrid/mailbox.h>
#include <simgrid/semaphore.h>
#include <simgrid/version.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/dict.h>
#include <xbt/dynar.h>
#include <xbt/log.h>

typedef struct setup_ctx {
  const mec_setup_input_t *in;
  char *err;
  size_t errlen;
} setup_ctx_t;

static int fail(setup_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(setup_ctx_t *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, c->errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static int parse_positive(const char *text, double *v, int allow_zero)
{
  char *end;
  errno = 0;
  *v = strtod(text, &end);
  return (text[0] && *end == '\0' && !errno && isfinite(*v) && (allow_zero ? *v >= 0 : *v > 0)) ? 0 : -1;
}

static int dnn_kind(const char *name)
{
  static const char *const names[] = {"alexnet", "vgg13", "vgg16", "lenet"};
  if (strcmp(name, "none") == 0)
    return MEC_DNN_NONE;
  for (int k = 0; k < MEC_DNN_COUNT; k++)
    if (strcmp(name, names[k]) == 0)
      return k;
  return -2;
}

/* Per-MD settings a host or actor <prop> may carry. */
typedef struct md_props {
  double distance, tx_power, kappa;
  double x, y;            /* several BSs, static devices: position (NaN = drawn in the area) */
  int dnn;
  const char *neighbours; /* "3,5,7": valid while the props dict lives; copied by read_md_props */
  char neighbours_buf[4096];
  char where[512];        /* element that gave the neighbours, for errors */
} md_props_t;

static int apply_md_prop(setup_ctx_t *c, const char *where, const char *key, const char *value, md_props_t *p)
{
  double v;
  if (strcmp(key, "distance") == 0 || strcmp(key, "tx_power") == 0 || strcmp(key, "kappa") == 0) {
    double hi = key[0] == 'd' ? 1e7 : key[0] == 't' ? 1e4 : 1;
    if (parse_positive(value, &v, strcmp(key, "kappa") == 0) != 0 || v > hi)
      return fail(c, "%s: property '%s' = '%s': expected a %s number (%s) of at most %g", where, key, value,
                  strcmp(key, "kappa") == 0 ? "non-negative" : "positive",
                  strcmp(key, "distance") == 0 ? "m" : strcmp(key, "tx_power") == 0 ? "W" : "J/(cycle Hz^2)", hi);
    if (key[0] == 'd')
      p->distance = v;
    else if (key[0] == 't')
      p->tx_power = v;
    else
      p->kappa = v;
    return 0;
  }
  if (strcmp(key, "x") == 0 || strcmp(key, "y") == 0) {
    char *end;
    errno = 0;
    v = strtod(value, &end);
    if (!value[0] || *end || errno || !isfinite(v) || fabs(v) > MEC_MOBILITY_MAX_COORD)
      return fail(c, "%s: property '%s' = '%s': expected a coordinate in m within +-%g", where, key, value,
                  MEC_MOBILITY_MAX_COORD);
    if (key[0] == 'x')
      p->x = v;
    else
      p->y = v;
    return 0;
  }
  if (strcmp(key, "neighbours") == 0) {
    if (strlen(value) >= sizeof p->neighbours_buf)
      return fail(c, "%s: property 'neighbours' is longer than %zu characters", where, sizeof p->neighbours_buf - 1);
    strcpy(p->neighbours_buf, value);
    snprintf(p->where, sizeof p->where, "%s", where);
    p->neighbours = p->neighbours_buf;
    return 0;
  }
  if (strcmp(key, "dnn") == 0) {
    int k = dnn_kind(value);
    if (k == -2)
      return fail(c, "%s: property 'dnn' = '%s': expected none, alexnet, vgg13, vgg16 or lenet", where, value);
    p->dnn = k;
    return 0;
  }
  return -2; /* not an MD property */
}

static const char *const md_prop_names[] = {"distance", "tx_power", "kappa", "dnn", "neighbours", "x", "y"};

/* Properties SimGrid's own plugins read on hosts (energy, DVFS): allowed on
 * device hosts beside mecsim's. */
static int simgrid_host_prop(const char *key)
{
  return strncmp(key, "wattage_", 8) == 0 || strncmp(key, "watt_", 5) == 0 || strchr(key, '/') != NULL;
}

static int unknown_md_prop(setup_ctx_t *c, const char *where, const char *key)
{
  const char *near = mec_closest(key, md_prop_names, sizeof md_prop_names / sizeof md_prop_names[0], 3);
  char hint[96] = "";
  if (near)
    snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
  return fail(c, "%s: unknown property '%s' (%sexpected distance, tx_power, kappa, dnn, neighbours, x, y)", where, key,
              hint);
}

/* Every property of a device's host or actor must be known, to catch typos
 * (a misspelled distance would silently place the device at random). */
static int read_md_props(setup_ctx_t *c, sg_host_t h, sg_actor_t a, md_props_t *p)
{
  char where[512];
  snprintf(where, sizeof where, "platform %s: host '%s'", c->in->platform_path, sg_host_get_name(h));
  xbt_dict_t props = sg_host_get_properties(h);
  xbt_dict_cursor_t cur = NULL;
  char *key, *value;
  int rc = 0;
  xbt_dict_foreach (props, cur, key, value) {
    if (rc == 0) {
      int r = apply_md_prop(c, where, key, value, p);
      if (r == -2 && !simgrid_host_prop(key))
        rc = unknown_md_prop(c, where, key);
      else if (r == -1)
        rc = -1;
    }
  }
  xbt_dict_free(&props);
  if (rc || !a)
    return rc;
  snprintf(where, sizeof where, "deployment %s: actor 'mobile_device' on host '%s'", c->in->deployment_path,
           sg_host_get_name(h));
  props = sg_actor_get_properties(a);
  cur = NULL;
  xbt_dict_foreach (props, cur, key, value) {
    if (rc == 0) {
      int r = apply_md_prop(c, where, key, value, p);
      if (r == -2)
        rc = unknown_md_prop(c, where, key);
      else if (r)
        rc = -1;
    }
  }
  xbt_dict_free(&props);
  return rc;
}

static int find_radio_link(setup_ctx_t *c, sg_host_t h, sg_link_t *out)
{
  xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
  sg_host_get_route(h, h, links);
  int n = (int)xbt_dynar_length(links);
  if (n == 1)
    *out = xbt_dynar_get_as(links, 0, sg_link_t);
  /* A sealed platform routes a host without a loopback route of its own
   * through SimGrid's shared "__loopback__" link: that is no radio. */
  if (n == 1 && strcmp(sg_link_get_name(*out), "__loopback__") == 0)
    n = 0;
  xbt_dynar_free(&links);
  if (n != 1)
    return fail(c,
                "platform %s: host '%s' is a mobile device but has %s radio link: the route from an MD host to "
                "itself must be exactly one link, its radio link (e.g. <cluster ... loopback_bw=\"1MBps\" "
                "loopback_lat=\"0\">, or <route src=\"%s\" dst=\"%s\"> with one <link_ctn>)",
                c->in->platform_path, sg_host_get_name(h), n == 0 ? "no" : "more than one", sg_host_get_name(h),
                sg_host_get_name(h));
  return 0;
}

/* cell=wifi: the MD's first link towards the BS must be a Wi-Fi link whose
 * "wifi_rates" property lists its rate levels in bit/s. */
/* SimGrid aborts mid-run on a transfer whose route has a Wi-Fi link anywhere
 * but at its start or end (a Wi-Fi zone without an access_point). The link
 * at position i of the route a -> b, or NULL when there is none such. */
static sg_link_t misplaced_wifi_link(sg_host_t a, sg_host_t b, unsigned *pos, unsigned *len)
{
  xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
  sg_host_get_route(a, b, links);
  sg_link_t bad = NULL;
  unsigned n = (unsigned)xbt_dynar_length(links);
  for (unsigned i = 1; i + 1 < n && !bad; i++) {
    sg_link_t l = xbt_dynar_get_as(links, i, sg_link_t);
    if (mec_link_is_wifi(l)) {
      bad = l;
      *pos = i + 1;
      *len = n;
    }
  }
  xbt_dynar_free(&links);
  return bad;
}

static int find_wifi_link(setup_ctx_t *c, sg_host_t h, sg_host_t bs, mec_md_state_t *m)
{
  xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
  sg_host_get_route(h, bs, links);
  sg_link_t first = xbt_dynar_is_empty(links) ? NULL : xbt_dynar_get_as(links, 0, sg_link_t);
  xbt_dynar_free(&links);
  for (int dir = 0; dir < 2; dir++) {
    unsigned pos = 0, len = 0;
    sg_link_t bad = dir ? misplaced_wifi_link(bs, h, &pos, &len) : misplaced_wifi_link(h, bs, &pos, &len);
    if (bad)
      return fail(c, "platform %s: Wi-Fi link '%s' is link %u of %u on the route from '%s' to '%s'; a Wi-Fi link can "
                     "only start or end a route (declare the zone's <prop id=\"access_point\" value=\"ROUTER\"/>)",
                  c->in->platform_path, sg_link_get_name(bad), pos, len, sg_host_get_name(dir ? bs : h),
                  sg_host_get_name(dir ? h : bs));
  }
  if (!first || !mec_link_is_wifi(first))
    return fail(c, "platform %s: cell=wifi but the route from MD host '%s' to the BS does not start with a link of "
                   "sharing_policy=\"WIFI\" (put the MDs in a <zone routing=\"Wifi\">)",
                c->in->platform_path, sg_host_get_name(h));
  const char *rates = mec_link_property(first, "wifi_rates");
  m->radio = first;
  m->wifi_levels = 0;
  const char *p = rates;
  while (p && *p && m->wifi_levels < 8) {
    char *end;
    double v = strtod(p, &end);
    if (end == p || !(v > 0 && v <= 8e15))
      break;
    m->wifi_rates[m->wifi_levels++] = v;
    p = *end == ',' ? end + 1 : end;
  }
  if (!rates || m->wifi_levels == 0 || (p && *p))
    return fail(c, "platform %s: Wi-Fi link '%s' needs <prop id=\"wifi_rates\" value=\"R1,R2,...\"/>: its rate levels in "
                   "bit/s, in the order of its bandwidth attribute (at most 8, each a finite rate in (0, 8e15])",
                c->in->platform_path, sg_link_get_name(first));
  return 0;
}

/* Bottleneck rate (bit/s) and total latency (s) of the route a -> b. */
static void route_figures(sg_host_t a, sg_host_t b, double *bps, double *lat)
{
  xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
  sg_host_get_route(a, b, links);
  unsigned i;
  sg_link_t l;
  double bw = INFINITY, la = 0;
  xbt_dynar_foreach (links, i, l) {
    double lb = sg_link_get_bandwidth(l) * 8.0;
    if (lb < bw)
      bw = lb;
    la += sg_link_get_latency(l);
  }
  xbt_dynar_free(&links);
  if (*bps > bw)
    *bps = bw;
  *lat += la;
}

/* A relative path the deployment names (its task_file) is taken relative to
 * the deployment file's directory, as an include would be, so a cell can be
 * run from anywhere; a path given on the command line stays relative to the
 * current directory. */
static int resolve_deployment_path(setup_ctx_t *c, const char *deployment_path, const char *knob, char *path,
                                   size_t size)
{
  if (!path[0] || path[0] == '/')
    return 0;
  const char *slash = strrchr(deployment_path, '/');
  if (!slash)
    return 0; /* the deployment is in the current directory */
  int dir_len = (int)(slash - deployment_path);
  char joined[2 * MEC_STR];
  int n = snprintf(joined, sizeof joined, "%.*s/%s", dir_len, deployment_path, path);
  if (n < 0 || (size_t)n >= size)
    return fail(c, "deployment %s: actor 'base_station': <prop id=\"%s\">: '%s' relative to the deployment's "
                   "directory is longer than %zu characters",
                deployment_path, knob, path, size - 1);
  memcpy(path, joined, (size_t)n + 1);
  return 0;
}

static int read_replay(setup_ctx_t *c, mec_world_t *w)
{
  const char *path = w->sc.task_file;
  FILE *f = fopen(path, "r");
  if (!f)
    return fail(c, "task file '%s': %s", path, strerror(errno));
  mec_replay_row_t *rows;
  size_t n;
  int rc = mec_task_file_read(f, path, w->n_md, &rows, &n, c->err, c->errlen);
  fclose(f);
  if (rc != 0)
    return -1;
  w->replay = rows;
  w->replay_count = n;
  for (size_t i = 0; i < n; i++) {
    mec_md_state_t *m = &w->md[rows[i].md];
    if (m->file_count == 0)
      m->file_first = i;
    m->file_count++;
  }
  w->tasks_expected = n;
  return 0;
}

static int write_attributes(setup_ctx_t *c, mec_world_t *w)
{
  trace_t *t = w->trace;
  char *dump = mec_scenario_dump(&w->sc);
  char *platform = mec_read_file(c->in->platform_path, NULL);
  char *deployment = mec_read_file(c->in->deployment_path, NULL);
  char simgrid_version[64];
  snprintf(simgrid_version, sizeof simgrid_version, "%d.%d.%d", SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR,
           SIMGRID_VERSION_PATCH);
  int rc = 0;
  rc |= trace_set_attr_string(t, "configuration", dump ? dump : "");
  rc |= trace_set_attr_string(t, "platform_file", c->in->platform_path);
  rc |= trace_set_attr_string(t, "deployment_file", c->in->deployment_path);
  rc |= trace_set_attr_string(t, "platform_xml", platform ? platform : "");
  rc |= trace_set_attr_string(t, "deployment_xml", deployment ? deployment : "");
  rc |= trace_set_attr_string(t, "command_line", c->in->command_line);
  rc |= trace_set_attr_string(t, "simgrid_version", simgrid_version);
  rc |= trace_set_attr_string(t, "policy", w->policy->name);
  rc |= trace_set_attr_int(t, "seed", (int64_t)w->sc.seed);
  rc |= trace_set_attr_int(t, "n_md", w->n_md);
  rc |= trace_set_attr_int(t, "n_servers", w->n_servers);
  /* server_tiers: "edge,edge,cloud", the tier of server m = 1..M in id order (format 7) */
  char *tiers = malloc((size_t)w->n_servers * 6 + 1);
  if (!tiers)
    return fail(c, "out of memory");
  tiers[0] = '\0';
  for (int s = 0; s < w->n_servers; s++) {
    if (s > 0)
      strcat(tiers, ",");
    strcat(tiers, w->srv[s].tier == MEC_TIER_CLOUD ? "cloud" : "edge");
  }
  rc |= trace_set_attr_string(t, "server_tiers", tiers);
  free(tiers);
  /* bs_names: "bs-0,bs-1", the host of BS b = 0..n_bs-1 (format 8) */
  size_t len = 1;
  for (int b = 0; b < w->n_bs; b++)
    len += strlen(sg_host_get_name(w->bss[b].host)) + 1;
  char *names = malloc(len);
  if (!names)
    return fail(c, "out of memory");
  names[0] = '\0';
  for (int b = 0; b < w->n_bs; b++) {
    if (b > 0)
      strcat(names, ",");
    strcat(names, sg_host_get_name(w->bss[b].host));
  }
  rc |= trace_set_attr_string(t, "bs_names", names);
  free(names);
  rc |= trace_set_attr_int(t, "n_bs", w->n_bs);
  rc |= trace_set_attr_string(t, "units",
                              "SI: time s, data bit, work CPU cycle (1 cycle = 1 SimGrid flop), speed cycle/s, "
                              "rate bit/s, energy J, power W");
  /* The knobs' types, so that readers type the cfg.KEY texts without a copy of the knob table */
  char types[4096];
  size_t used = 0;
  types[0] = '\0';
  for (const mec_knob_t *k = mec_scenario_knobs(); k->name && used < sizeof types; k++) {
    static const char *const names[] = {"double", "int", "u64", "string", "dist"};
    int n = snprintf(types + used, sizeof types - used, "%s%s:%s", used ? "," : "", k->name, names[k->type]);
    used += n > 0 ? (size_t)n : 0;
  }
  rc |= trace_set_attr_string(t, "cfg_types", types);
  for (const mec_knob_t *k = mec_scenario_knobs(); k->name; k++) {
    char val[MEC_STR + 64], name[96];
    mec_scenario_get(&w->sc, k, val, sizeof val);
    snprintf(name, sizeof name, "cfg.%s", k->name);
    rc |= trace_set_attr_string(t, name, val);
  }
  free(dump);
  free(platform);
  free(deployment);
  if (rc)
    return fail(c, "trace '%s': cannot write attributes: %s", w->sc.trace, trace_error(t));
  return 0;
}

/* /devices: one row per device, in index order (buffered like every table:
 * 10^5 devices are a few H5Dwrite calls). */
static int write_devices(setup_ctx_t *c, mec_world_t *w)
{
  for (int b = 0; b < w->n_bs; b++) {
    const mec_bs_info_t *in = &w->bs_info[b];
    trace_bs_rec_t r = {.bs = b, .x = in->x_m, .y = in->y_m, .bandwidth_hz = in->bandwidth_hz, .cpu_hz = in->cpu_hz};
    snprintf(r.host, sizeof r.host, "%s", sg_host_get_name(w->bss[b].host));
    if (trace_add_bs(w->trace, &r) != 0)
      return fail(c, "trace '%s': cannot write /base_stations: %s", w->sc.trace, trace_error(w->trace));
  }
  for (int i = 0; i < w->n_md; i++) {
    const char *bs = sg_host_get_name(w->bss[w->md_info[i].bs].host); /* its BS at t = 0 */
    const mec_md_info_t *info = &w->md_info[i];
    trace_device_rec_t r = {.md = i,
                            .dnn = w->md[i].dnn,
                            .distance_m = info->distance_m,
                            .cpu_hz = info->cpu_hz,
                            .tx_power_w = info->tx_power_w,
                            .kappa = info->kappa,
                            .path_gain = w->md[i].path_gain};
    trace_device_set_names(&r, sg_host_get_name(w->md[i].host), bs);
    if (trace_add_device(w->trace, &r) != 0)
      return fail(c, "trace '%s': cannot write /devices: %s", w->sc.trace, trace_error(w->trace));
  }
  return 0;
}

/* The trace must not replace an input file, and must be a file. */
static int check_trace_path(setup_ctx_t *c, const mec_world_t *w)
{
  const char *trace = w->sc.trace;
  struct stat ts;
  if (stat(trace, &ts) != 0)
    return 0; /* does not exist yet: trace_open reports a bad directory */
  if (S_ISDIR(ts.st_mode))
    return fail(c, "trace '%s' is a directory: name a file (e.g. %s/trace.h5)", trace, trace);
  const struct { const char *what, *path; } inputs[] = {
      {"platform file", c->in->platform_path},
      {"deployment file", c->in->deployment_path},
      {"task file", w->sc.task_file},
      {"mobility file", w->sc.mobility_file},
      {"model file", w->sc.model},
  };
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    struct stat is;
    if (inputs[i].path[0] && stat(inputs[i].path, &is) == 0 && is.st_dev == ts.st_dev && is.st_ino == ts.st_ino)
      return fail(c, "trace '%s' is the %s: the run would overwrite its own input; choose another trace name", trace,
                  inputs[i].what);
  }
  return 0;
}

/* `neighbours="3,5,7"`: device indices (0-based, deployment order) whose load
 * messages device i reads in TPOS-UAI (eq. 29). */
static int parse_neighbours(setup_ctx_t *c, mec_world_t *w, int i, const md_props_t *p)
{
  mec_md_state_t *m = &w->md[i];
  size_t cap = 1;
  for (const char *q = p->neighbours; *q; q++)
    cap += *q == ',';
  m->neighbours = malloc(cap * sizeof *m->neighbours);
  if (!m->neighbours)
    return fail(c, "out of memory");
  const char *q = p->neighbours;
  while (*q) {
    char *end;
    long v = strtol(q, &end, 10);
    if (end == q || v < 0 || v >= w->n_md || v == i || (*end && *end != ','))
      return fail(c, "%s: property 'neighbours' = '%s': expected comma-separated device indices in 0..%d other than %d",
                  p->where, p->neighbours, w->n_md - 1, i);
    m->neighbours[m->n_neighbours++] = (int)v;
    q = *end ? end + 1 : end;
  }
  w->explicit_neighbours = 1;
  return 0;
}

/* Sets up device i on host h: its settings (host props, then the actor's
 * props if it was deployed as an actor), radio, random streams, position. */
static int init_md(setup_ctx_t *c, mec_world_t *w, int i, sg_host_t h, sg_actor_t actor, sg_host_t bs,
                   const double area[4])
{
  const mec_scenario_t *sc = &w->sc;
  mec_md_state_t *m = &w->md[i];
  md_props_t p = {-1, sc->md_tx_power, sc->kappa, NAN, NAN, dnn_kind(sc->dnn), NULL, "", ""};
  if (strcmp(sc->dnn, "mix") == 0)
    p.dnn = i % MEC_DNN_COUNT;
  if (read_md_props(c, h, actor, &p) != 0)
    return -1;
  if (p.neighbours && parse_neighbours(c, w, i, &p) != 0)
    return -1;
  /* One radio per device: a host can be a device only once. */
  if (sg_host_get_data(h) == (void *)w)
    return fail(c, "%s: host '%s' is declared as a mobile device twice (one radio per device)",
                actor ? c->in->deployment_path : c->in->platform_path, sg_host_get_name(h));
  sg_host_set_data(h, w);
  m->host = h;
  int radio_rc = strcmp(sc->cell, "wifi") == 0 ? find_wifi_link(c, h, bs, m) : find_radio_link(c, h, &m->radio);
  if (radio_rc != 0)
    return -1;
  /* A fixed distance and a moving device contradict each other: refused
   * rather than keeping some devices still in a run meant to move them. */
  if (p.distance >= 0 && strcmp(sc->mobility, "static") != 0)
    return fail(c, "host '%s' has property 'distance' = %g m, but knob mobility = %s moves every device: remove the "
                   "distance properties (devices then start where the mobility model puts them), or use "
                   "mobility=static",
                sg_host_get_name(h), p.distance, sc->mobility);
  if (!isnan(p.x) || !isnan(p.y)) {
    const char *why = w->n_bs == 1 ? "properties 'x', 'y' place a device among several base stations; with one, give "
                                     "its 'distance'"
                      : strcmp(sc->mobility, "static") != 0
                          ? "properties 'x', 'y' place a static device; a moving one starts where the mobility "
                            "model puts it (remove them, or use mobility=static)"
                      : isnan(p.x) || isnan(p.y) ? "give both 'x' and 'y'"
                                                 : NULL;
    if (why)
      return fail(c, "host '%s': %s", sg_host_get_name(h), why);
  }
  if (w->n_bs > 1 && p.distance >= 0)
    return fail(c, "host '%s' has property 'distance' = %g m, but the deployment has %d base stations: a distance to "
                   "which? Give the device's position with properties 'x' and 'y' (m), or none (then it is placed in "
                   "the mobility area)",
                sg_host_get_name(h), p.distance, w->n_bs);
  m->workload = mec_rng_new(sc->seed, MEC_STREAM_WORKLOAD, (uint64_t)i);
  m->fading_seed = mec_stream_seed(sc->seed, MEC_STREAM_FADING, (uint64_t)i);
  if (w->n_bs > 1 && strcmp(sc->mobility, "static") == 0) {
    /* Several BSs, static devices: at (x, y), or uniform in the area; with
     * the BS of the best channel (no handover: they never move). */
    if (isnan(p.x)) {
      gsl_rng *place = mec_rng_new(sc->seed, MEC_STREAM_PLACEMENT, (uint64_t)i);
      p.x = area[0] + gsl_rng_uniform(place) * (area[2] - area[0]);
      p.y = area[1] + gsl_rng_uniform(place) * (area[3] - area[1]);
      gsl_rng_free(place);
    }
    int b = mec_mob_best_bs(w, p.x, p.y, -1);
    if (b < 0)
      return fail(c, "host '%s' at (%g, %g) m has no channel to any base station", sg_host_get_name(h), p.x, p.y);
    w->md_info[i].bs = b;
    w->bs_info[b].attached++;
    p.distance = fmax(hypot(p.x - w->bs_xy[2 * b], p.y - w->bs_xy[2 * b + 1]), fmax(sc->min_distance, 1e-3));
  }
  if (p.distance < 0) { /* uniform in the annulus [min_distance, cell_radius] */
    gsl_rng *place = mec_rng_new(sc->seed, MEC_STREAM_PLACEMENT, (uint64_t)i);
    double r0 = sc->min_distance, r1 = sc->cell_radius;
    p.distance = sqrt(r0 * r0 + gsl_rng_uniform(place) * (r1 * r1 - r0 * r0));
    gsl_rng_free(place);
  }
  m->path_gain = mec_path_gain(pow(10.0, sc->path_gain_db / 10.0), sc->l0, p.distance, sc->path_loss_exp);
  m->fading_slot = -1;
  m->dnn = p.dnn;
  m->radio_free = sg_sem_init(0);
  mec_md_info_t *info = &w->md_info[i];
  info->cpu_hz = sg_host_get_speed(h);
  info->tx_power_w = p.tx_power;
  info->kappa = p.kappa;
  info->distance_m = p.distance;
  info->gain = m->path_gain;
  return 0;
}

/* Every route the run will ask SimGrid for, computed first in a child
 * process (route_probe.h): a missing route in a platform of nested zones
 * crashes SimGrid instead of returning an empty route. */
static int probe_routes(setup_ctx_t *c, mec_world_t *w, sg_actor_t *actors, size_t n_actors)
{
  const mec_scenario_t *sc = &w->sc;
  int wifi = strcmp(sc->cell, "wifi") == 0;
  size_t nb = (size_t)w->n_bs;
  size_t cap = (size_t)w->n_md + (nb + 2) * (size_t)w->n_servers + nb * nb, n = 0;
  sg_host_t *src = malloc(cap * sizeof *src), *dst = malloc(cap * sizeof *dst);
  if (!src || !dst) {
    free(src);
    free(dst);
    return fail(c, "out of memory");
  }
  for (size_t a = 0; a < n_actors; a++)
    if (strcmp(sg_actor_get_name(actors[a]), "mobile_device") == 0) {
      src[n] = sg_actor_get_host(actors[a]);
      dst[n] = wifi ? w->bs : src[n];
      n++;
    }
  for (int k = 0; n < (size_t)w->n_md; k++) {
    char name[256];
    snprintf(name, sizeof name, "%s%d", sc->md_hosts, k);
    src[n] = sg_host_by_name(name);
    dst[n] = wifi ? w->bs : src[n];
    n++;
  }
  size_t first_fiber = n;
  for (int s = 0; s < w->n_servers; s++) {
    const mec_server_state_t *st = &w->srv[s];
    for (int h = 0; h + 1 < st->path_len; h++)
      src[n] = st->path[h], dst[n++] = st->path[h + 1];
    for (int b = 1; st->tier == MEC_TIER_CLOUD && b < w->n_bs; b++) /* every BS reaches a cloud */
      if (w->bss[b].host != st->host)
        src[n] = w->bss[b].host, dst[n++] = st->host;
  }
  size_t first_bs_pair = n;
  for (int a = 0; a < w->n_bs; a++) /* the fiber between BSs: uploads and results relayed */
    for (int b = 0; b < w->n_bs; b++)
      if (a != b)
        src[n] = w->bss[a].host, dst[n++] = w->bss[b].host;
  size_t bad = 0;
  int rc = mec_probe_routes(src, dst, n, &bad);
  if (rc == 1)
    fail(c,
         "platform %s: SimGrid cannot compute the route from '%s' to '%s' (%s): the platform has no route between "
         "them; add the <route>, or the <zoneRoute> with its gateways if they are in different zones",
         c->in->platform_path, sg_host_get_name(src[bad]), sg_host_get_name(dst[bad]),
         bad < first_fiber     ? (wifi ? "a device's Wi-Fi uplink" : "a device's radio link")
         : bad < first_bs_pair ? "the fiber towards an edge server"
                               : "the fiber between two base stations");
  free(src);
  free(dst);
  return rc == 1 ? -1 : 0;
}

/* Each server's path from its own BS (a cloud: from BS 0, replaced by
 * the task's BS at run time): forward=via-first reaches an edge server that
 * is not its cell's first (lowest-id edge server of its BS) through that
 * first one; forward=direct, and a cloud, over the route from the BS. */
static void server_paths(mec_world_t *w)
{
  int via_first = strcmp(w->sc.forward, "via-first") == 0;
  for (int s = 0; s < w->n_servers; s++) {
    mec_server_state_t *st = &w->srv[s];
    if (st->tier == MEC_TIER_EDGE && w->bss[st->bs].first_edge < 0)
      w->bss[st->bs].first_edge = s;
  }
  for (int s = 0; s < w->n_servers; s++) {
    mec_server_state_t *st = &w->srv[s];
    sg_host_t bs = w->bss[st->bs >= 0 ? st->bs : 0].host;
    int first = st->bs >= 0 ? w->bss[st->bs].first_edge : -1;
    st->path[0] = bs;
    if (via_first && st->tier == MEC_TIER_EDGE && first >= 0 && first != s) {
      st->path[1] = w->srv[first].host;
      st->path[2] = st->host;
      st->path_len = 3;
    } else {
      st->path[1] = st->host;
      st->path_len = 2;
    }
    if (st->host == bs) /* server co-located with the BS: no fiber */
      st->path_len = 1;
  }
}

/* The base stations: BS 0 at the knobs bs_x, bs_y with the knob bandwidth;
 * every other base_station actor gives its own bs_x, bs_y (required) and
 * bandwidth (default: BS 0's), and nothing else (the run's knobs are on the
 * first one only). */
static int setup_base_stations(setup_ctx_t *c, mec_world_t *w, sg_actor_t *actors, size_t n_actors, int n_bs)
{
  const mec_scenario_t *sc = &w->sc;
  w->n_bs = n_bs;
  w->bss = calloc((size_t)n_bs, sizeof *w->bss);
  w->bs_info = calloc((size_t)n_bs, sizeof *w->bs_info);
  w->bs_xy = calloc(2 * (size_t)n_bs, sizeof *w->bs_xy);
  w->bs_gains = calloc((size_t)n_bs, sizeof *w->bs_gains);
  if (!w->bss || !w->bs_info || !w->bs_xy || !w->bs_gains)
    return fail(c, "out of memory for %d base stations", n_bs);
  if (n_bs > 1 && strcmp(sc->cell, "wifi") == 0)
    return fail(c, "deployment %s: %d base_station actors, but knob cell=wifi models one access point: use one "
                   "base_station, or cell=ofdma",
                c->in->deployment_path, n_bs);
  int b = 0;
  for (size_t a = 0; a < n_actors; a++) {
    if (strcmp(sg_actor_get_name(actors[a]), "base_station") != 0)
      continue;
    sg_host_t h = sg_actor_get_host(actors[a]);
    mec_bs_state_t *bs = &w->bss[b];
    mec_bs_info_t *info = &w->bs_info[b];
    bs->host = h;
    bs->first_edge = -1;
    info->x_m = sc->bs_x, info->y_m = sc->bs_y, info->bandwidth_hz = sc->bandwidth;
    info->cpu_hz = sg_host_get_speed(h);
    sg_actor_set_data(actors[a], (void *)(intptr_t)(b + 1));
    for (int k = 0; k < b; k++)
      if (w->bss[k].host == h)
        return fail(c, "deployment %s: base stations %d and %d are both on host '%s': one base_station per host",
                    c->in->deployment_path, k, b, sg_host_get_name(h));
    if (b > 0) {
      int has_x = 0, has_y = 0, rc = 0;
      xbt_dict_t props = sg_actor_get_properties(actors[a]);
      xbt_dict_cursor_t cur = NULL;
      char *key, *value;
      xbt_dict_foreach (props, cur, key, value) {
        if (rc)
          continue;
        int is_x = strcmp(key, "bs_x") == 0, is_y = strcmp(key, "bs_y") == 0, is_w = strcmp(key, "bandwidth") == 0;
        if (!is_x && !is_y && !is_w) {
          rc = fail(c, "deployment %s: base_station %d (host '%s'): property '%s': a base_station other than the "
                       "first takes only bs_x, bs_y and bandwidth (the run's knobs go on the first one, host '%s')",
                    c->in->deployment_path, b, sg_host_get_name(h), key, sg_host_get_name(w->bss[0].host));
          continue;
        }
        char *end;
        errno = 0;
        double v = strtod(value, &end);
        double lim = is_w ? 1e15 : MEC_MOBILITY_MAX_COORD;
        if (!value[0] || *end || errno || !isfinite(v) || (is_w ? !(v >= 1 && v <= lim) : fabs(v) > lim)) {
          rc = fail(c, "deployment %s: base_station %d (host '%s'): property '%s' = '%s': expected %s", c->in->deployment_path,
                    b, sg_host_get_name(h), key, value,
                    is_w ? "a bandwidth in [1, 1e15] Hz" : "a coordinate in m within +-1e9");
          continue;
        }
        if (is_x)
          info->x_m = v, has_x = 1;
        else if (is_y)
          info->y_m = v, has_y = 1;
        else
          info->bandwidth_hz = v;
      }
      xbt_dict_free(&props);
      if (rc)
        return -1;
      if (!has_x || !has_y)
        return fail(c, "deployment %s: base_station %d (host '%s') needs its position: <prop id=\"bs_x\"> and "
                       "<prop id=\"bs_y\"> (m)",
                    c->in->deployment_path, b, sg_host_get_name(h));
    }
    w->bs_xy[2 * b] = info->x_m;
    w->bs_xy[2 * b + 1] = info->y_m;
    for (int k = 0; k < b; k++)
      if (w->bs_xy[2 * k] == info->x_m && w->bs_xy[2 * k + 1] == info->y_m)
        return fail(c, "deployment %s: base stations %d (host '%s') and %d (host '%s') are both at (%g, %g) m: give "
                       "each its own bs_x, bs_y",
                    c->in->deployment_path, k, sg_host_get_name(w->bss[k].host), b, sg_host_get_name(h), info->x_m,
                    info->y_m);
    b++;
  }
  return 0;
}

/* Index of the BS on host h, or -1. */
static int bs_on_host(const mec_world_t *w, const char *name)
{
  for (int b = 0; b < w->n_bs; b++)
    if (strcmp(sg_host_get_name(w->bss[b].host), name) == 0)
      return b;
  return -1;
}

static int setup_world(mec_world_t *w, const mec_setup_input_t *in, char *err, size_t errlen)
{
  setup_ctx_t c = {in, err, errlen};
  mec_scenario_defaults(&w->sc);

  /* 1. Classify the deployed actors. BS b is the b-th base_station actor;
   * the first one's <prop>s are the run's knobs. */
  size_t n_actors = sg_actor_count();
  sg_actor_t *actors = sg_actor_list();
  sg_actor_t bs_actor = NULL;
  int n_md = 0, n_srv = 0, n_bs = 0;
  for (size_t i = 0; i < n_actors; i++) {
    const char *name = sg_actor_get_name(actors[i]);
    if (strcmp(name, "mobile_device") == 0)
      n_md++;
    else if (strcmp(name, "edge_server") == 0)
      n_srv++;
    else if (strcmp(name, "base_station") == 0) {
      if (!bs_actor)
        bs_actor = actors[i];
      n_bs++;
    }
  }
  if (!bs_actor) {
    free(actors);
    return fail(&c, "deployment %s: needs a base_station actor", in->deployment_path);
  }

  /* 2. Scenario knobs: defaults < base_station <prop>s < command line. */
  xbt_dict_t props = sg_actor_get_properties(bs_actor);
  xbt_dict_cursor_t cur = NULL;
  char *key, *value;
  int rc = 0;
  xbt_dict_foreach (props, cur, key, value) {
    char kerr[512];
    if (rc == 0 && mec_scenario_set(&w->sc, key, value, kerr, sizeof kerr) != 0)
      rc = fail(&c, "deployment %s: actor 'base_station': <prop id=\"%s\">: %s", in->deployment_path, key, kerr);
  }
  xbt_dict_free(&props);
  int task_file_from_cli = 0, mobility_file_from_cli = 0;
  for (int i = 0; rc == 0 && i < in->n_overrides; i++) {
    char kerr[512];
    if (mec_scenario_set_kv(&w->sc, in->overrides[i], kerr, sizeof kerr) != 0)
      rc = fail(&c, "command line: %s", kerr);
    if (strncmp(in->overrides[i], "task_file=", 10) == 0)
      task_file_from_cli = 1;
    if (strncmp(in->overrides[i], "mobility_file=", 14) == 0)
      mobility_file_from_cli = 1;
  }
  if (rc == 0 && !task_file_from_cli)
    rc = resolve_deployment_path(&c, in->deployment_path, "task_file", w->sc.task_file, sizeof w->sc.task_file);
  if (rc == 0 && !mobility_file_from_cli)
    rc = resolve_deployment_path(&c, in->deployment_path, "mobility_file", w->sc.mobility_file,
                                 sizeof w->sc.mobility_file);
  if (rc == 0) {
    char kerr[512];
    if (mec_scenario_validate(&w->sc, kerr, sizeof kerr) != 0)
      rc = fail(&c, "scenario: %s", kerr);
  }
  if (rc) {
    free(actors);
    return rc;
  }
  const mec_scenario_t *sc = &w->sc;
  w->decide_on_md = strcmp(sc->decide_on, "md") == 0;
  w->per_slot = strcmp(sc->decide, "per-slot") == 0;
  w->rayleigh = strcmp(sc->fading, "rayleigh") == 0;
  int n_declared = n_md;
  if (sc->md_hosts[0]) { /* PREFIX0, PREFIX1, ... as far as they exist */
    char name[256];
    for (int k = 0;; k++, n_md++) {
      snprintf(name, sizeof name, "%s%d", sc->md_hosts, k);
      if (!sg_host_by_name(name))
        break;
    }
    if (n_md == n_declared) {
      free(actors);
      return fail(&c, "knob md_hosts = '%s': platform %s has no host named '%s0'", sc->md_hosts, in->platform_path,
                  sc->md_hosts);
    }
  }
  if (n_md == 0) {
    free(actors);
    return fail(&c, "deployment %s: no mobile device: deploy mobile_device actors, or name the device hosts with the "
                    "base_station's md_hosts property",
                in->deployment_path);
  }

  /* 3. Hosts, base stations, servers and devices. */
  w->bs = sg_actor_get_host(bs_actor);
  if (setup_base_stations(&c, w, actors, n_actors, n_bs) != 0) {
    free(actors);
    return -1;
  }
  w->n_md = n_md;
  w->n_servers = n_srv;
  w->md = calloc((size_t)n_md, sizeof *w->md);
  w->md_info = calloc((size_t)n_md, sizeof *w->md_info);
  w->srv = calloc((size_t)(n_srv ? n_srv : 1), sizeof *w->srv);
  w->srv_info = calloc((size_t)(n_srv ? n_srv : 1), sizeof *w->srv_info);
  if (!w->md || !w->md_info || !w->srv || !w->srv_info) {
    free(actors);
    return fail(&c, "out of memory for %d devices", n_md);
  }
  double noise = mec_dbm_to_w(sc->noise_dbm_hz);
  int md_i = 0, srv_seen = 0;
  for (size_t a = 0; a < n_actors && rc == 0; a++) {
    const char *name = sg_actor_get_name(actors[a]);
    sg_host_t h = sg_actor_get_host(actors[a]);
    if (strcmp(name, "edge_server") == 0) {
      int id = srv_seen + 1, tier = MEC_TIER_EDGE, bs = 0;
      char bs_name[256] = ""; /* a copy: the property dict is freed before it is reported */
      xbt_dict_t sp = sg_actor_get_properties(actors[a]);
      xbt_dict_cursor_t sc_cur = NULL;
      xbt_dict_foreach (sp, sc_cur, key, value) {
        char *end;
        long v = strtol(value, &end, 10);
        if (rc)
          continue;
        if (strcmp(key, "tier") == 0) {
          if (strcmp(value, "edge") == 0 || strcmp(value, "cloud") == 0)
            tier = value[0] == 'c' ? MEC_TIER_CLOUD : MEC_TIER_EDGE;
          else
            rc = fail(&c, "deployment %s: actor 'edge_server' on host '%s': property 'tier' = '%s': expected edge or "
                          "cloud",
                      in->deployment_path, sg_host_get_name(h), value);
        } else if (strcmp(key, "bs") == 0) {
          snprintf(bs_name, sizeof bs_name, "%s", value);
          if ((bs = bs_on_host(w, value)) < 0)
            rc = fail(&c, "deployment %s: actor 'edge_server' on host '%s': property 'bs' = '%s': no base_station "
                          "actor is on that host (expected the host of one)",
                      in->deployment_path, sg_host_get_name(h), value);
        } else if (strcmp(key, "id") != 0) {
          const char *near = mec_edit_distance(key, "id") <= 1     ? "did you mean 'id'? "
                             : mec_edit_distance(key, "tier") <= 2 ? "did you mean 'tier'? "
                             : mec_edit_distance(key, "bs") <= 1   ? "did you mean 'bs'? "
                                                                   : "";
          rc = fail(&c, "deployment %s: actor 'edge_server' on host '%s': unknown property '%s' (%sexpected id, tier, bs)",
                    in->deployment_path, sg_host_get_name(h), key, near);
        } else if (!value[0] || *end || v < 1 || v > n_srv)
          rc = fail(&c, "deployment %s: actor 'edge_server' on host '%s': property 'id' = '%s': expected 1..%d",
                    in->deployment_path, sg_host_get_name(h), value, n_srv);
        else
          id = (int)v;
      }
      xbt_dict_free(&sp);
      srv_seen++;
      if (rc == 0 && tier == MEC_TIER_CLOUD && bs_name[0])
        rc = fail(&c, "deployment %s: actor 'edge_server' on host '%s' has tier cloud and property 'bs' = '%s': a cloud "
                      "belongs to no base station (every BS reaches it over its route): remove 'bs'",
                  in->deployment_path, sg_host_get_name(h), bs_name);
      if (rc)
        break;
      mec_server_state_t *st = &w->srv[id - 1];
      if (st->host) {
        rc = fail(&c, "deployment %s: two edge_server actors have id %d (hosts '%s' and '%s')", in->deployment_path, id,
                  sg_host_get_name(st->host), sg_host_get_name(h));
        break;
      }
      st->host = h;
      st->tier = tier;
      st->bs = tier == MEC_TIER_CLOUD ? -1 : bs;
      st->cores = sg_host_core_count(h);
      sg_actor_set_data(actors[a], (void *)(intptr_t)id);
    }
  }
  if (rc == 0 && strcmp(sc->forward, "via-first") == 0 && n_srv > 0 && !w->srv[0].host)
    rc = fail(&c, "deployment %s: no edge_server with id 1 (forward=via-first sends every task through server 1)",
              in->deployment_path);
  /* via-first forwards edge tasks through server 1: it must be an edge
   * server when another edge server relies on it (a cloud is always reached
   * over its own route from the BS) */
  for (int s = 1; rc == 0 && n_bs == 1 && strcmp(sc->forward, "via-first") == 0 && s < n_srv; s++)
    if (w->srv[0].tier == MEC_TIER_CLOUD && w->srv[s].tier == MEC_TIER_EDGE)
      rc = fail(&c, "deployment %s: the edge_server with id 1 (host '%s') has tier cloud, but forward=via-first sends "
                    "the tasks of edge server %d (host '%s') through server 1: give an edge server id 1, or use "
                    "forward=direct",
                in->deployment_path, sg_host_get_name(w->srv[0].host), s + 1, sg_host_get_name(w->srv[s].host));
  if (rc == 0)
    server_paths(w);
  if (rc == 0 && probe_routes(&c, w, actors, n_actors) != 0)
    rc = -1;
  double area[4];
  if (rc == 0 && n_bs > 1 && mec_scenario_area(sc, w->bs_xy, n_bs, area, err, errlen) != 0)
    rc = -1;
  for (size_t a = 0; a < n_actors && rc == 0; a++) {
    if (strcmp(sg_actor_get_name(actors[a]), "mobile_device") != 0)
      continue;
    if (init_md(&c, w, md_i, sg_actor_get_host(actors[a]), actors[a], w->bs, area) != 0)
      rc = -1;
    md_i++;
  }
  /* Devices named by md_hosts: PREFIX0, PREFIX1, ... up to n_md. */
  for (int k = 0; rc == 0 && md_i < n_md; k++, md_i++) {
    char name[256];
    snprintf(name, sizeof name, "%s%d", sc->md_hosts, k);
    if (init_md(&c, w, md_i, sg_host_by_name(name), NULL, sg_actor_get_host(bs_actor), area) != 0)
      rc = -1;
  }
  free(actors);
  if (rc)
    return rc;
  if (mec_mob_setup(w, err, errlen) != 0) /* moving devices: their positions and channels at t = 0 */
    return -1;

  /* 4. What policies see. */
  w->sys.n_md = n_md;
  w->sys.n_servers = n_srv;
  w->sys.md = w->md_info;
  w->sys.server = w->srv_info;
  w->sys.slot_s = strcmp(sc->arrivals, "slotted") == 0 || strcmp(sc->decide, "per-slot") == 0 ? sc->slot : 0;
  w->sys.bandwidth_hz = sc->bandwidth;
  w->sys.noise_w_per_hz = noise;
  w->sys.bs_tx_power_w = sc->bs_tx_power;
  w->sys.seed = sc->seed;
  w->sys.decider_hz = strcmp(sc->decide_on, "md") == 0 ? 0 : sg_host_get_speed(w->bs);
  if (n_bs == 1) /* several: counted as the devices attach (init_md, mec_mob_setup) */
    w->bs_info[0].attached = n_md;
  for (int i = 0; i < n_md; i++) {
    w->md_info[i].up_rate_bps = mec_world_up_rate(i, 0, 0);
    w->md_info[i].down_rate_bps = mec_world_down_rate(i, 0);
  }
  w->route = calloc((size_t)n_bs * (size_t)(n_srv ? n_srv : 1), sizeof *w->route);
  if (!w->route)
    return fail(&c, "out of memory");
  for (int b = 0; b < n_bs; b++) /* route[b][s]: the fiber a task uploaded through BS b crosses */
    for (int s = 0; s < n_srv; s++) {
      mec_route_info_t *r = &w->route[(size_t)b * (size_t)n_srv + (size_t)s];
      sg_host_t hosts[4];
      int n = mec_route_hosts(&w->srv[s], w->bss[b].host, hosts);
      r->hops = n - 1;
      r->fiber_bps = INFINITY;
      r->fiber_latency_s = 0;
      for (int h = 0; h + 1 < n; h++)
        route_figures(hosts[h], hosts[h + 1], &r->fiber_bps, &r->fiber_latency_s);
      if (r->hops == 0)
        r->fiber_bps = 0;
    }
  w->sys.n_bs = n_bs;
  w->sys.bs = w->bs_info;
  w->sys.route = w->route;
  for (int s = 0; s < n_srv; s++) {
    mec_server_state_t *st = &w->srv[s];
    mec_server_info_t *info = &w->srv_info[s];
    info->cpu_hz = sg_host_get_speed(st->host);
    info->cores = st->cores;
    info->tier = st->tier;
    info->bs = st->bs;
    /* as seen from BS 0 (one BS: the cell's); other BSs: mec_system_route */
    info->hops = w->route[s].hops;
    info->fiber_bps = w->route[s].fiber_bps;
    info->fiber_latency_s = w->route[s].fiber_latency_s;
    st->running = calloc((size_t)st->cores, sizeof *st->running);
    if (!st->running)
      return fail(&c, "out of memory");
  }
  w->tasks_expected = (uint64_t)n_md * (uint64_t)sc->tasks_per_md;
  if (strcmp(sc->arrivals, "file") == 0 && read_replay(&c, w) != 0)
    return -1;
  if (mec_world_check(w, in->platform_path, err, errlen) != 0)
    return -1;

  /* 5. The policy. */
  w->policy = mec_policy_find(sc->policy);
  if (!w->policy) {
    char names[2048];
    mec_policy_names(names, sizeof names);
    return fail(&c, "unknown policy '%s'; valid policies: %s", sc->policy, names);
  }
  if (n_srv == 0 && strcmp(w->policy->name, "local") != 0)
    fprintf(stderr, "mecsim: warning: the deployment has no edge_server; only local execution is possible\n");
  if (n_bs > 1 && mec_tpos_sim_role() == MEC_TPOS_SIM_GAME)
    return fail(&c, "policy '%s' plays the TPOS game of one cell (its messages go between the devices and one BS's "
                    "server); the deployment has %d base stations: use one",
                w->policy->name, n_bs);
  mec_policy_cfg_t pcfg = {sc->seed, sc->policy_args, sc->model[0] ? sc->model : NULL};
  if (w->policy->init(&w->policy_state, &pcfg, &w->sys) != 0)
    return fail(&c, "policy '%s': %s", w->policy->name, mec_policy_error());

  mec_world_warn_overload(w);

  /* 6. The trace, last: nothing can fail after it is created but the run. */
  if (sc->trace[0] && check_trace_path(&c, w) != 0)
    return -1;
  if (sc->trace[0]) {
    char terr[1024];
    w->trace = trace_open(sc->trace, 0, terr, sizeof terr);
    if (!w->trace)
      return fail(&c, "%s", terr);
    if (write_attributes(&c, w) != 0 || write_devices(&c, w) != 0)
      return -1;
  }
  return 0;
}

int mec_setup(mec_world_t *w, const mec_setup_input_t *in, char *err, size_t errlen)
{
  if (setup_world(w, in, err, errlen) == 0)
    return 0;
  /* The run will not start, and SimGrid's exit handler would warn twice that
   * the (never started) deployed actors skip their cleanups: keep the error
   * message the only one. */
  xbt_log_control_set("ker_engine.thres:error");
  return -1;
}

void mec_world_free(mec_world_t *w)
{
  if (!w)
    return;
  /* main's summary line counts dropped tasks as done and missed: say how many */
  if (w->tasks_dropped && !w->failed)
    printf("mecsim: %llu of these tasks were dropped at their decision (admission rule; /tasks.dropped)\n",
           (unsigned long long)w->tasks_dropped);
  mec_tpos_carry_free();
  if (w->policy && w->policy->destroy && w->policy_state)
    w->policy->destroy(w->policy_state);
  for (int i = 0; w->md && i < w->n_md; i++) {
    if (w->md[i].workload)
      gsl_rng_free(w->md[i].workload);
    free(w->md[i].neighbours);
    /* No actor is left once the run is over (main ends the ones --until cut) */
    if (w->md[i].radio_free)
      sg_sem_destroy(w->md[i].radio_free);
  }
  mec_tdma_bands_free();
  mec_mob_free(w);
  for (int s = 0; w->srv && s < w->n_servers; s++) {
    free(w->srv[s].running);
    free(w->srv[s].reserved);
  }
  free(w->md);
  free(w->md_info);
  free(w->srv);
  free(w->srv_info);
  for (int b = 0; w->bss && b < w->n_bs; b++)
    free(w->bss[b].batch);
  free(w->bss);
  free(w->bs_info);
  free(w->bs_xy);
  free(w->bs_gains);
  free(w->route);
  free(w->replay);
  free(w->exec_scratch);
  free(w->remaining_scratch);
  free(w->arrivals);
  /* tasks whose worker was killed (a failure) before it first ran: its
   * on-exit callback was never registered */
  for (mec_task_ctx_t *t = w->live, *next; t; t = next) {
    next = t->live_next;
    free(t);
  }
  mec_workers_free(w);
  free(w);
  if (mec_world == w)
    mec_world = NULL; /* a worker's on-exit callback after this leaves everything alone */
}
