#include "model/scenario.h"
#include "model/mobility.h"
#include "model/task_file.h"
#include "model/text_util.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KD(field, def, unit, help) {#field, MEC_KNOB_DOUBLE, offsetof(mec_scenario_t, field), 0, def, unit, NULL, help}
#define KI(field, def, unit, help) {#field, MEC_KNOB_INT, offsetof(mec_scenario_t, field), 0, def, unit, NULL, help}
#define KS(field, def, choices, help)                                                                           \
  {#field, MEC_KNOB_STRING, offsetof(mec_scenario_t, field), sizeof(((mec_scenario_t *)0)->field), def, "", choices, help}
#define KDIST(field, def, unit, help) {#field, MEC_KNOB_DIST, offsetof(mec_scenario_t, field), 0, def, unit, NULL, help}

/* Defaults follow the DTOMALB paper's Table 2 where it gives a value (W = 20
 * MHz, p = 500 mW, L ~ U[300,500] KB, C ~ U[800,1200] Mcycles); the channel
 * (N0 = -174 dBm/Hz, -40 dB at 1 m, exponent 4) is the usual textbook one. */
static const mec_knob_t knobs[] = {
    {"seed", MEC_KNOB_U64, offsetof(mec_scenario_t, seed), 0, "1", "", NULL, "run seed; every random stream derives from it"},
    KD(until, "0", "s", "stop the simulation at this simulated time (0 = when every task is done)"),
    KS(trace, "mecsim-trace.h5", NULL, "HDF5 trace file (empty = no trace)"),
    KD(sample, "0.1", "s", "period of the /servers samples (0 = none)"),
    KI(max_samples, "100000", "", "/servers sampling instants after which sampling stops with a warning (bounds the trace of a long run; 0 = no limit)"),
    KI(quiet, "0", "", "1 = no progress line"),
    KI(progress, "0", "s", "progress line with ETA on stderr: 0 = only when stderr is a terminal (updated in place); N > 0 = one line every N wall seconds, terminal or not (batch logs); quiet=1 wins"),
    KS(arrivals, "slotted", "slotted|poisson|file", "task arrivals: one per MD per slot, Poisson, or replayed from task_file"),
    KD(slot, "1", "s", "slot length T (slotted arrivals and per-slot decisions)"),
    KD(rate, "1", "1/s", "Poisson arrival rate per MD"),
    KI(tasks_per_md, "10", "", "tasks each MD generates (file arrivals: ignored)"),
    KS(task_file, "", NULL, "CSV task trace to replay: md,arrival_s,input_bits,cycles,output_bits,deadline_s (a relative path in a deployment: relative to its directory)"),
    KDIST(task_bits, "uniform:2.4e6:4e6", "bit", "input data of a task (DTOMALB: 300-500 KB)"),
    KDIST(task_cycles, "uniform:8e8:1.2e9", "cycle", "CPU cycles of a task (DTOMALB: 800-1200 Mcycles)"),
    KDIST(task_cycles_per_bit, "const:0", "cycle/bit", "workload per input bit c: when not const:0, a task's cycles are c x its task_bits draw (DyNN: c_i s_i) and task_cycles is not used"),
    KDIST(result_bits, "const:8e3", "bit", "result returned to the MD"),
    KDIST(deadline, "const:0", "s", "relative deadline (0 = none)"),
    KS(dnn, "none", "none|alexnet|vgg13|vgg16|lenet|mix", "DNN carried by tasks (TPOS layer partitioning)"),
    KS(policy, "greedy", NULL, "offloading policy (see --list-policies)"),
    KS(policy_args, "", NULL, "policy arguments, \"key=value,key=value\""),
    KS(model, "", NULL, "trained model file for learning policies"),
    KS(decide, "per-task", "per-task|per-slot", "decide each task on arrival, or gather a slot's requests and decide once"),
    KS(decide_on, "bs", "bs|md", "host whose CPU runs the decision (md: per-task only)"),
    KD(gather, "1e-6", "s", "per-slot: the batch closes this long after the slot starts"),
    KD(ctrl_bits, "0", "bit", "size of request and decision messages over the radio (0 = free signalling)"),
    KD(bandwidth, "20e6", "Hz", "cell bandwidth W"),
    KD(noise_dbm_hz, "-174", "dBm/Hz", "noise power spectral density N0"),
    KD(path_gain_db, "-40", "dB", "channel gain g0 at the reference distance l0"),
    KD(l0, "1", "m", "reference distance of the path-loss model"),
    KD(path_loss_exp, "4", "", "path-loss exponent h: g = g0 (l0/l)^h"),
    KS(cell, "ofdma", "ofdma|wifi", "radio: per-MD OFDMA links at the Shannon rate, or a SimGrid Wi-Fi zone (docs/model.md)"),
    KS(fading, "none", "none|rayleigh", "small-scale fading, redrawn every slot"),
    KD(md_tx_power, "0.5", "W", "MD uplink transmit power (host property tx_power overrides)"),
    KD(bs_tx_power, "1", "W", "BS downlink transmit power"),
    KD(kappa, "1e-27", "J/(cycle Hz^2)", "MD energy coefficient: E = kappa f^2 c (host property kappa overrides)"),
    KD(cell_radius, "100", "m", "MDs without a distance property are placed uniformly in this disc"),
    KD(min_distance, "10", "m", "minimum MD-BS distance of random placement"),
    KI(max_in_flight, "0", "", "tasks in flight (arrived, not done) at which an overloaded run stops with an error; 0 = automatic (docs/model.md, Overload)"),
    KI(share_users, "0", "", "N in the equal bandwidth split W/N (0 = number of MDs)"),
    KS(md_hosts, "", NULL, "hosts PREFIX0, PREFIX1, ... are mobile devices too, with no mobile_device actor each (for 10^5 devices)"),
    KS(forward, "via-first", "via-first|direct", "BS to edge server m: through server 1 (DTOMALB) or the platform's route (a cloud: its route)"),
    KD(drift_at, "0", "s", "the environment drifts at this simulated time (0 = never): tasks arriving from then on are scaled by drift_size and every channel gain by drift_gain_db"),
    KD(drift_size, "1", "", "after drift_at: factor on a task's input bits, cycles and result bits"),
    KD(drift_gain_db, "0", "dB", "after drift_at: change of every device's channel gain (a move away from the BS is negative)"),
    KS(mobility, "static", "static|rwp|gauss-markov|trace", "device mobility: fixed distance, random waypoint, Gauss-Markov, or positions replayed from mobility_file (docs/mobility.md)"),
    KD(mobility_update, "1", "s", "moving devices: a radio transfer's rate is recomputed from the position every this many seconds (0 = at its start only)"),
    KS(mobility_area, "", NULL, "area devices move in, \"XMIN,YMIN,XMAX,YMAX\" in m (empty = the square of half-side cell_radius centred on the BS)"),
    KD(bs_x, "0", "m", "x of the base station (distances are measured from it when devices move)"),
    KD(bs_y, "0", "m", "y of the base station"),
    KD(handover_hysteresis_db, "3", "dB", "several base stations: a device leaves its BS only for one whose path gain is this much higher (docs/mobility.md)"),
    KDIST(rwp_speed, "uniform:0.5:1.5", "m/s", "mobility=rwp: speed of a leg (const:V, uniform:A:B with A > 0, or lognormal)"),
    KDIST(rwp_pause, "const:0", "s", "mobility=rwp: pause at a waypoint (const, uniform, exp or lognormal)"),
    KS(rwp_start, "stationary", "stationary|uniform", "mobility=rwp: start in the stationary regime, or at uniform points (classic, with a warm-up)"),
    KD(gm_alpha, "0.75", "", "mobility=gauss-markov: memory alpha in [0, 1] (1 = constant velocity)"),
    KD(gm_mean_speed, "1", "m/s", "mobility=gauss-markov: mean speed"),
    KD(gm_speed_sd, "0.3", "m/s", "mobility=gauss-markov: standard deviation of the speed"),
    KD(gm_mean_dir, "0", "rad", "mobility=gauss-markov: mean direction (0 = +x)"),
    KD(gm_dir_sd, "0.5", "rad", "mobility=gauss-markov: standard deviation of the direction"),
    KD(gm_step, "1", "s", "mobility=gauss-markov: update interval of speed and direction"),
    KD(gm_edge, "10", "m", "mobility=gauss-markov: closer than this to a side, the mean direction points inward (0 = off)"),
    KS(mobility_file, "", NULL, "mobility=trace: CSV time,device,x,y of device positions (a relative path in a deployment: relative to its directory)"),
    KI(mobility_samples_max, "100000", "", "/mobility rows (positions at transfer starts) after which sampling stops with a warning; 0 = no limit"),
    {NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

const mec_knob_t *mec_scenario_knobs(void)
{
  return knobs;
}

const mec_knob_t *mec_scenario_find_knob(const char *name)
{
  for (const mec_knob_t *k = knobs; k->name; k++)
    if (strcmp(k->name, name) == 0)
      return k;
  return NULL;
}

static int parse_double(const char *s, double *v)
{
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return (s[0] != '\0' && *end == '\0' && errno == 0 && isfinite(*v)) ? 0 : -1;
}

static int in_choices(const char *choices, const char *value)
{
  size_t n = strlen(value);
  for (const char *p = choices; p && *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncmp(p, value, n) == 0)
      return 1;
    p = bar ? bar + 1 : NULL;
  }
  return 0;
}

int mec_scenario_set(mec_scenario_t *sc, const char *key, const char *value, char *err, size_t errlen)
{
  const mec_knob_t *k = mec_scenario_find_knob(key);
  if (!k) {
    const char *best = NULL;
    int best_d = 4;
    for (const mec_knob_t *c = knobs; c->name; c++) {
      int dd = mec_edit_distance(key, c->name);
      if (dd < best_d) {
        best_d = dd;
        best = c->name;
      }
    }
    if (best)
      snprintf(err, errlen, "unknown knob '%s' (did you mean '%s'? see --list-knobs)", key, best);
    else
      snprintf(err, errlen, "unknown knob '%s' (see --list-knobs)", key);
    return -1;
  }
  char *field = (char *)sc + k->offset;
  switch (k->type) {
  case MEC_KNOB_DOUBLE: {
    double v;
    if (parse_double(value, &v) != 0) {
      snprintf(err, errlen, "knob '%s': expected a number%s%s, got '%s'", key, *k->unit ? " in " : "", k->unit, value);
      return -1;
    }
    memcpy(field, &v, sizeof v);
    return 0;
  }
  case MEC_KNOB_INT: {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (value[0] == '\0' || *end != '\0' || errno || v < -2147483647L || v > 2147483647L) {
      snprintf(err, errlen, "knob '%s': expected an integer, got '%s'", key, value);
      return -1;
    }
    int iv = (int)v;
    memcpy(field, &iv, sizeof iv);
    return 0;
  }
  case MEC_KNOB_U64: {
    char *end;
    errno = 0;
    if (value[0] == '-') {
      snprintf(err, errlen, "knob '%s': expected a non-negative integer, got '%s'", key, value);
      return -1;
    }
    unsigned long long v = strtoull(value, &end, 0);
    if (value[0] == '\0' || *end != '\0' || errno) {
      snprintf(err, errlen, "knob '%s': expected a non-negative integer, got '%s'", key, value);
      return -1;
    }
    uint64_t uv = (uint64_t)v;
    memcpy(field, &uv, sizeof uv);
    return 0;
  }
  case MEC_KNOB_STRING:
    if (k->choices && !in_choices(k->choices, value)) {
      snprintf(err, errlen, "knob '%s': expected one of %s, got '%s'", key, k->choices, value);
      return -1;
    }
    if (strlen(value) >= k->size) {
      snprintf(err, errlen, "knob '%s': value longer than %zu characters", key, k->size - 1);
      return -1;
    }
    strcpy(field, value);
    return 0;
  case MEC_KNOB_DIST: {
    char derr[256];
    mec_dist_t d;
    if (mec_dist_parse(value, &d, derr, sizeof derr) != 0) {
      snprintf(err, errlen, "knob '%s': %s", key, derr);
      return -1;
    }
    memcpy(field, &d, sizeof d);
    return 0;
  }
  }
  return -1;
}

int mec_scenario_set_kv(mec_scenario_t *sc, const char *kv, char *err, size_t errlen)
{
  const char *eq = strchr(kv, '=');
  if (!eq || eq == kv) {
    snprintf(err, errlen, "expected key=value, got '%s'", kv);
    return -1;
  }
  char key[128];
  size_t n = (size_t)(eq - kv);
  if (n >= sizeof key) {
    snprintf(err, errlen, "key too long in '%s'", kv);
    return -1;
  }
  memcpy(key, kv, n);
  key[n] = '\0';
  return mec_scenario_set(sc, key, eq + 1, err, errlen);
}

void mec_scenario_defaults(mec_scenario_t *sc)
{
  char err[256];
  memset(sc, 0, sizeof *sc);
  for (const mec_knob_t *k = knobs; k->name; k++)
    if (mec_scenario_set(sc, k->name, k->default_value, err, sizeof err) != 0) {
      fprintf(stderr, "mecsim: internal error: default of knob %s: %s\n", k->name, err);
      abort();
    }
}

/* Smallest value a distribution can produce (its support's lower end). */
static double dist_min(const mec_dist_t *d)
{
  switch (d->kind) {
  case MEC_DIST_CONST:
  case MEC_DIST_UNIFORM:
    return d->a;
  case MEC_DIST_NORMAL: /* redrawn until positive */
    return d->a > 0 ? 0.0 : -1.0;
  default:
    return 0.0;
  }
}

/* Range of every numeric knob. Beyond these a run cannot end cleanly (a rate
 * or a time overflows, SimGrid's clock loses its precision) or the value is
 * physically meaningless; docs/robustness.md lists them. */
typedef struct knob_range {
  const char *name;
  double v, lo, hi;
} knob_range_t;

int mec_scenario_validate(const mec_scenario_t *sc, char *err, size_t errlen)
{
  const knob_range_t ranges[] = {
      {"until", sc->until, 0, MEC_TASK_MAX_TIME},
      {"slot", sc->slot, 1e-6, 1e9},
      {"rate", sc->rate, 1e-9, 1e9},
      {"gather", sc->gather, 0, 1e9},
      {"ctrl_bits", sc->ctrl_bits, 0, MEC_TASK_MAX_BITS},
      {"bandwidth", sc->bandwidth, 1, 1e15},
      {"noise_dbm_hz", sc->noise_dbm_hz, -300, 100},
      {"path_gain_db", sc->path_gain_db, -400, 100},
      {"l0", sc->l0, 1e-6, 1e6},
      {"path_loss_exp", sc->path_loss_exp, 0, 10},
      {"md_tx_power", sc->md_tx_power, 1e-15, 1e4},
      {"bs_tx_power", sc->bs_tx_power, 1e-15, 1e6},
      {"kappa", sc->kappa, 0, 1},
      {"cell_radius", sc->cell_radius, 1e-3, 1e7},
      {"min_distance", sc->min_distance, 0, 1e7},
      {"tasks_per_md", sc->tasks_per_md, 0, 1e9},
      {"share_users", sc->share_users, 0, 1e9},
      {"max_in_flight", sc->max_in_flight, 0, 2147483647.0},
      {"max_samples", sc->max_samples, 0, 2147483647.0},
      {"progress", sc->progress, 0, 86400},
      {"drift_at", sc->drift_at, 0, MEC_TASK_MAX_TIME},
      {"drift_size", sc->drift_size, 1e-6, 1e6},
      {"drift_gain_db", sc->drift_gain_db, -200, 200},
      {"bs_x", sc->bs_x, -MEC_MOBILITY_MAX_COORD, MEC_MOBILITY_MAX_COORD},
      {"bs_y", sc->bs_y, -MEC_MOBILITY_MAX_COORD, MEC_MOBILITY_MAX_COORD},
      {"handover_hysteresis_db", sc->handover_hysteresis_db, 0, 100},
      {"mobility_samples_max", sc->mobility_samples_max, 0, 2147483647.0},
  };
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
    if (!(ranges[i].v >= ranges[i].lo && ranges[i].v <= ranges[i].hi)) {
      snprintf(err, errlen, "knob '%s' = %g: expected a number in [%g, %g]", ranges[i].name, ranges[i].v,
               ranges[i].lo, ranges[i].hi);
      return -1;
    }
  /* 0 = no samples; below 1 us a busy run would write millions of samples per simulated second */
  if (sc->sample != 0 && !(sc->sample >= 1e-6 && sc->sample <= MEC_TASK_MAX_TIME)) {
    snprintf(err, errlen, "knob 'sample' = %g: expected 0 (no samples) or a period in [1e-06, %g] s", sc->sample,
             MEC_TASK_MAX_TIME);
    return -1;
  }
  struct { const char *name; const mec_dist_t *d; double max; const char *unit; } dists[] = {
      {"task_bits", &sc->task_bits, MEC_TASK_MAX_BITS, "bit"},
      {"task_cycles", &sc->task_cycles, MEC_TASK_MAX_CYCLES, "cycle"},
      {"result_bits", &sc->result_bits, MEC_TASK_MAX_BITS, "bit"},
      {"deadline", &sc->deadline, MEC_TASK_MAX_TIME, "s"},
      {"task_cycles_per_bit", &sc->task_cycles_per_bit, MEC_TASK_MAX_CYCLES, "cycle/bit"}};
  for (size_t i = 0; i < sizeof dists / sizeof dists[0]; i++) {
    if (dist_min(dists[i].d) < 0) {
      snprintf(err, errlen, "knob '%s': the distribution can produce negative values", dists[i].name);
      return -1;
    }
    double hi = mec_dist_max(dists[i].d);
    if (!(hi <= dists[i].max)) {
      snprintf(err, errlen, "knob '%s': the distribution can produce values up to %g %s, above the limit of %g %s",
               dists[i].name, hi, dists[i].unit, dists[i].max, dists[i].unit);
      return -1;
    }
  }
  if (mec_scenario_cycles_per_bit(sc) && !(mec_scenario_cycles_max(sc) <= MEC_TASK_MAX_CYCLES)) {
    snprintf(err, errlen, "knobs 'task_cycles_per_bit' x 'task_bits' can produce tasks of %g cycles, above the "
             "limit of %g cycles", mec_scenario_cycles_max(sc), MEC_TASK_MAX_CYCLES);
    return -1;
  }
  if (sc->drift_at > 0 && sc->drift_size > 1 &&
      !(mec_dist_max(&sc->task_bits) * sc->drift_size <= MEC_TASK_MAX_BITS &&
        mec_dist_max(&sc->result_bits) * sc->drift_size <= MEC_TASK_MAX_BITS &&
        mec_scenario_cycles_max(sc) * sc->drift_size <= MEC_TASK_MAX_CYCLES)) {
    snprintf(err, errlen, "knob 'drift_size' = %g makes tasks after the drift larger than the limits of %g bits and "
             "%g cycles", sc->drift_size, MEC_TASK_MAX_BITS, MEC_TASK_MAX_CYCLES);
    return -1;
  }
  if (sc->min_distance > sc->cell_radius) {
    snprintf(err, errlen, "knob 'min_distance' (%g m) exceeds 'cell_radius' (%g m)", sc->min_distance, sc->cell_radius);
    return -1;
  }
  if (strcmp(sc->arrivals, "file") == 0 && sc->task_file[0] == '\0') {
    snprintf(err, errlen, "arrivals=file needs knob 'task_file'");
    return -1;
  }
  if (strcmp(sc->decide_on, "md") == 0 && strcmp(sc->decide, "per-slot") == 0) {
    snprintf(err, errlen, "decide_on=md works with decide=per-task only (a slot batch is gathered at the BS)");
    return -1;
  }
  if (strcmp(sc->decide, "per-slot") == 0 && sc->gather >= sc->slot) {
    snprintf(err, errlen, "knob 'gather' (%g s) must be shorter than 'slot' (%g s)", sc->gather, sc->slot);
    return -1;
  }
  /* 0 = at the start only; below 1 ms a long transfer would wake its actor millions of times */
  if (sc->mobility_update != 0 && !(sc->mobility_update >= 1e-3 && sc->mobility_update <= MEC_TASK_MAX_TIME)) {
    snprintf(err, errlen, "knob 'mobility_update' = %g: expected 0 (rate fixed at a transfer's start) or an interval in "
             "[0.001, %g] s", sc->mobility_update, MEC_TASK_MAX_TIME);
    return -1;
  }
  mec_mobility_t m;
  return mec_scenario_mobility(sc, &m, err, errlen);
}

/* "XMIN,YMIN,XMAX,YMAX": four finite numbers, commas, optional blanks. */
static int parse_area(const char *s, double v[4])
{
  const char *p = s;
  for (int i = 0; i < 4; i++) {
    char *end;
    errno = 0;
    v[i] = strtod(p, &end);
    if (end == p || errno || !isfinite(v[i]))
      return -1;
    while (*end == ' ')
      end++;
    if (i < 3 && *end != ',')
      return -1;
    p = i < 3 ? end + 1 : end;
  }
  return *p == '\0' ? 0 : -1;
}

/* The knob that sets the parameter a mobility_check message names. */
static const char *mobility_param_knob(const char *msg)
{
  static const char *const map[][2] = {
      {"xmin", "mobility_area"}, {"xmax", "mobility_area"},     {"ymin", "mobility_area"},
      {"ymax", "mobility_area"}, {"area", "mobility_area"},     {"speed_sd", "gm_speed_sd"},
      {"speed", "rwp_speed"},    {"pause", "rwp_pause"},        {"start", "rwp_start"},
      {"alpha", "gm_alpha"},     {"mean_speed", "gm_mean_speed"}, {"mean_dir", "gm_mean_dir"},
      {"dir_sd", "gm_dir_sd"},   {"step", "gm_step"},           {"edge", "gm_edge"}};
  const char *colon = strchr(msg, ':'); /* "mobility KIND: PARAM ..." */
  if (!colon)
    return "mobility";
  const char *p = colon + 2;
  size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strlen(map[i][0]) == n && strncmp(p, map[i][0], n) == 0)
      return map[i][1];
  return "mobility";
}

/* The area the knobs give: mobility_area parsed (0, or -1 when it does not
 * parse), else the BSs' bounding box (bs_xy[2 n_bs], or (bs_x, bs_y) when
 * NULL) widened by cell_radius. */
static int area_of(const mec_scenario_t *sc, const double *bs_xy, int n_bs, double a[4])
{
  if (sc->mobility_area[0])
    return parse_area(sc->mobility_area, a);
  double x0 = sc->bs_x, y0 = sc->bs_y, x1 = sc->bs_x, y1 = sc->bs_y;
  for (int b = 0; bs_xy && b < n_bs; b++) {
    x0 = fmin(x0, bs_xy[2 * b]), x1 = fmax(x1, bs_xy[2 * b]);
    y0 = fmin(y0, bs_xy[2 * b + 1]), y1 = fmax(y1, bs_xy[2 * b + 1]);
  }
  a[0] = x0 - sc->cell_radius, a[1] = y0 - sc->cell_radius;
  a[2] = x1 + sc->cell_radius, a[3] = y1 + sc->cell_radius;
  return 0;
}

int mec_scenario_area(const mec_scenario_t *sc, const double *bs_xy, int n_bs, double a[4], char *err, size_t errlen)
{
  if (area_of(sc, bs_xy, n_bs, a) != 0 || !(a[0] < a[2]) || !(a[1] < a[3]) || fabs(a[0]) > MEC_MOBILITY_MAX_COORD ||
      fabs(a[1]) > MEC_MOBILITY_MAX_COORD || fabs(a[2]) > MEC_MOBILITY_MAX_COORD ||
      fabs(a[3]) > MEC_MOBILITY_MAX_COORD) {
    snprintf(err, errlen,
             "knob 'mobility_area' = '%.60s': expected XMIN,YMIN,XMAX,YMAX (four numbers in m, XMIN < XMAX, YMIN < "
             "YMAX, within +-%g)",
             sc->mobility_area, MEC_MOBILITY_MAX_COORD);
    return -1;
  }
  return 0;
}

int mec_scenario_mobility(const mec_scenario_t *sc, mec_mobility_t *m, char *err, size_t errlen)
{
  mec_mobility_kind_t kind;
  if (mec_mobility_kind_parse(sc->mobility, &kind, err, errlen) != 0)
    return -1;
  mec_mobility_defaults(m, kind);
  if (kind == MEC_MOBILITY_STATIC)
    return 0;
  double a[4];
  if (area_of(sc, NULL, 0, a) != 0) {
    snprintf(err, errlen, "knob 'mobility_area' = '%.60s': expected XMIN,YMIN,XMAX,YMAX (four numbers in m)",
             sc->mobility_area);
    return -1;
  }
  m->xmin = a[0], m->ymin = a[1], m->xmax = a[2], m->ymax = a[3];
  m->speed = sc->rwp_speed;
  m->pause = sc->rwp_pause;
  m->start = strcmp(sc->rwp_start, "uniform") == 0 ? MEC_RWP_START_UNIFORM : MEC_RWP_START_STATIONARY;
  m->alpha = sc->gm_alpha;
  m->mean_speed = sc->gm_mean_speed;
  m->speed_sd = sc->gm_speed_sd;
  m->mean_dir = sc->gm_mean_dir;
  m->dir_sd = sc->gm_dir_sd;
  m->step = sc->gm_step;
  m->edge = sc->gm_edge;
  if (kind == MEC_MOBILITY_TRACE) {
    if (!sc->mobility_file[0]) {
      snprintf(err, errlen, "mobility=trace needs knob 'mobility_file' (a CSV file time,device,x,y)");
      return -1;
    }
    return 0; /* the caller loads the file */
  }
  char merr[400];
  if (mec_mobility_check(m, merr, sizeof merr) != 0) {
    snprintf(err, errlen, "knob '%s': %s", mobility_param_knob(merr), merr);
    return -1;
  }
  return 0;
}

void mec_scenario_get(const mec_scenario_t *sc, const mec_knob_t *k, char *buf, size_t size)
{
  const char *field = (const char *)sc + k->offset;
  switch (k->type) {
  case MEC_KNOB_DOUBLE: {
    double v;
    memcpy(&v, field, sizeof v);
    snprintf(buf, size, "%.17g", v);
    break;
  }
  case MEC_KNOB_INT: {
    int v;
    memcpy(&v, field, sizeof v);
    snprintf(buf, size, "%d", v);
    break;
  }
  case MEC_KNOB_U64: {
    uint64_t v;
    memcpy(&v, field, sizeof v);
    snprintf(buf, size, "%llu", (unsigned long long)v);
    break;
  }
  case MEC_KNOB_STRING:
    snprintf(buf, size, "%s", field);
    break;
  case MEC_KNOB_DIST: {
    mec_dist_t d;
    memcpy(&d, field, sizeof d);
    mec_dist_format(&d, buf, size);
    break;
  }
  }
}

char *mec_scenario_dump(const mec_scenario_t *sc)
{
  size_t cap = 8192, len = 0;
  char *out = malloc(cap);
  if (!out)
    return NULL;
  out[0] = '\0';
  for (const mec_knob_t *k = knobs; k->name; k++) {
    char val[MEC_STR + 64], line[MEC_STR + 256];
    mec_scenario_get(sc, k, val, sizeof val);
    int n = snprintf(line, sizeof line, "%s = %s%s%s\n", k->name, val, *k->unit ? "  # " : "", k->unit);
    if (n < 0)
      continue;
    if (len + (size_t)n + 1 > cap) {
      cap = 2 * (len + (size_t)n + 1);
      char *grown = realloc(out, cap);
      if (!grown) {
        free(out);
        return NULL;
      }
      out = grown;
    }
    memcpy(out + len, line, (size_t)n + 1);
    len += (size_t)n;
  }
  return out;
}

void mec_scenario_print_help(FILE *out)
{
  fprintf(out, "Scenario knobs (set as --KEY=VALUE, --set KEY=VALUE, or KEY=VALUE arguments of the\n"
               "base_station actor in the deployment; the command line wins):\n\n");
  for (const mec_knob_t *k = knobs; k->name; k++) {
    fprintf(out, "  %-14s %s", k->name, k->help);
    if (*k->unit)
      fprintf(out, " [%s]", k->unit);
    if (k->choices)
      fprintf(out, " {%s}", k->choices);
    fprintf(out, "\n  %-14s default: %s\n", "", k->default_value[0] ? k->default_value : "\"\"");
  }
  fprintf(out, "\nDistributions: a number, const:X, uniform:A:B, exp:MEAN, normal:MU:SIGMA, lognormal:MU:SIGMA\n");
}

int mec_scenario_cycles_per_bit(const mec_scenario_t *sc)
{
  return !(sc->task_cycles_per_bit.kind == MEC_DIST_CONST && sc->task_cycles_per_bit.a == 0);
}

double mec_scenario_cycles_mean(const mec_scenario_t *sc)
{
  if (mec_scenario_cycles_per_bit(sc)) /* independent draws: E[c s] = E[c] E[s] */
    return mec_dist_mean(&sc->task_cycles_per_bit) * mec_dist_mean(&sc->task_bits);
  return mec_dist_mean(&sc->task_cycles);
}

double mec_scenario_cycles_max(const mec_scenario_t *sc)
{
  if (mec_scenario_cycles_per_bit(sc))
    return mec_dist_max(&sc->task_cycles_per_bit) * mec_dist_max(&sc->task_bits);
  return mec_dist_max(&sc->task_cycles);
}
