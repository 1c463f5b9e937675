/* env.c - analytic slot environment of DTOMALB; formulas in env.h. */
#include "policies/dtomalb/env.h"
#include "model/radio.h"
#include "model/rng.h"
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dtomalb_env {
  dtomalb_env_cfg_t cfg;
  dtomalb_obs_scale_t scale;
  gsl_rng **task_rng;   /* [N] one workload stream per MD */
  double *local_hz;     /* [N] f_local,n */
  double *gain;         /* [N] g_n */
  double *up_rate;      /* [N] r_n, eq. (5) */
  double *bits, *cycles;/* [N] current task */
  double *local_backlog;/* [N] s of local work left at slot start (local_queue) */
  double *backlog;      /* [M] LD_m at slot start, s */
  /* step outputs and scratch */
  double *delay, *reward, *load_after; /* [N], [N], [M] */
  double *arrival;      /* [N] */
  int *order;           /* [N] */
  int step;
};

dtomalb_env_cfg_t dtomalb_env_cfg_default(int n_md, int n_servers)
{
  dtomalb_env_cfg_t c;
  memset(&c, 0, sizeof c);
  c.n_md = n_md;
  c.n_servers = n_servers;
  /* Table 2: f ~ U[12, 20] GHz; Fig. 8 uses exactly 12, 14, 16, 18, 20 GHz
   * for servers 1..5. Spread evenly for other M so runs are comparable. */
  for (int m = 0; m < n_servers && m < DTOMALB_MAX_SERVERS; m++)
    c.server_hz[m] = n_servers == 1 ? 16e9 : 12e9 + 8e9 * m / (n_servers - 1);
  c.local_hz_min = 300e6, c.local_hz_max = 500e6;   /* Table 2 */
  c.bits_min = 300e3 * 8, c.bits_max = 500e3 * 8;   /* Table 2: 300-500 KB (1 KB = 1000 B) */
  c.cycles_min = 800e6, c.cycles_max = 1200e6;      /* Table 2 */
  c.bandwidth_hz = 20e6;                            /* Table 2 */
  c.tx_power_w = 0.5;                               /* Table 2: 500 mW */
  /* Not in the paper: thermal noise -174 dBm/Hz and a path loss of 40 dB at
   * 1 m with exponent 3, MDs 50-150 m from the BS: 22-40 Mbit/s with W/N =
   * 2 MHz, i.e. 0.06-0.19 s to upload a task. */
  c.noise_w_per_hz = 3.981071705534973e-21;
  c.g0 = 1e-4, c.l0_m = 1.0, c.path_exponent = 3.0;
  c.dist_min_m = 50.0, c.dist_max_m = 150.0;
  /* Not in the paper: 100 Mbit/s forwarding makes the nearest (but slowest)
   * server 1 competitive with the faster remote ones (0.024-0.04 s more). */
  c.fiber_bps = 100e6;
  /* Not in the paper: T = 0.25 s exceeds the longest upload and makes the
   * offered load ~50% of the total server capacity when spread well, so
   * selfish choices (all to the fastest) build queues that carry over. */
  c.slot_s = 0.25;
  c.steps_per_episode = 50;
  /* Not in the paper: w1 = 1/s and w2 = 10/s^2 put the load penalty of a
   * badly unbalanced slot (var ~ 0.01 s^2) on the scale of a server choice's
   * delay difference (~0.1 s). */
  c.w1 = 1.0, c.w2 = 10.0;
  c.local_queue = 0;
  c.scenario_seed = 1;
  return c;
}

int dtomalb_env_cfg_check(const dtomalb_env_cfg_t *c, char *err, size_t errlen)
{
#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)
  if (c->n_md < 1)
    BAD("dtomalb env: n_md must be >= 1 (got %d)", c->n_md);
  if (c->n_servers < 1 || c->n_servers > DTOMALB_MAX_SERVERS)
    BAD("dtomalb env: n_servers must be in 1..%d (got %d)", DTOMALB_MAX_SERVERS, c->n_servers);
  for (int m = 0; m < c->n_servers; m++)
    if (!(c->server_hz[m] > 0))
      BAD("dtomalb env: server %d speed must be > 0 (got %g)", m + 1, c->server_hz[m]);
  if (!(c->local_hz_min > 0) || c->local_hz_max < c->local_hz_min)
    BAD("dtomalb env: local speed range [%g, %g] invalid", c->local_hz_min, c->local_hz_max);
  if (!(c->bits_min > 0) || c->bits_max < c->bits_min)
    BAD("dtomalb env: task size range [%g, %g] invalid", c->bits_min, c->bits_max);
  if (!(c->cycles_min > 0) || c->cycles_max < c->cycles_min)
    BAD("dtomalb env: task cycles range [%g, %g] invalid", c->cycles_min, c->cycles_max);
  if (!(c->bandwidth_hz > 0) || !(c->tx_power_w > 0) || !(c->noise_w_per_hz > 0) || !(c->g0 > 0) ||
      !(c->l0_m > 0))
    BAD("dtomalb env: bandwidth, power, noise, g0 and l0 must be > 0");
  if (!(c->dist_min_m > 0) || c->dist_max_m < c->dist_min_m)
    BAD("dtomalb env: distance range [%g, %g] invalid", c->dist_min_m, c->dist_max_m);
  if (!(c->fiber_bps > 0) || !(c->slot_s > 0) || c->steps_per_episode < 1)
    BAD("dtomalb env: fiber rate, slot length and steps per episode must be > 0");
  if (c->w1 < 0 || c->w2 < 0)
    BAD("dtomalb env: reward weights must be >= 0 (w1 %g, w2 %g)", c->w1, c->w2);
#undef BAD
  return 0;
}

dtomalb_obs_scale_t dtomalb_obs_scale_from_cfg(const dtomalb_env_cfg_t *c)
{
  dtomalb_obs_scale_t s;
  s.time_s = c->slot_s;
  s.bits = 0.5 * (c->bits_min + c->bits_max);
  s.cycles = 0.5 * (c->cycles_min + c->cycles_max);
  s.local_s = s.cycles / (0.5 * (c->local_hz_min + c->local_hz_max));
  return s;
}

void dtomalb_obs_build(const dtomalb_obs_scale_t *sc, int n_servers, const double *load_s, double bits,
                       double cycles, double up_rate_bps, double local_hz, double *out)
{
  for (int m = 0; m < n_servers; m++)
    out[m] = load_s[m] / sc->time_s;
  out[n_servers] = bits / sc->bits;
  out[n_servers + 1] = cycles / sc->cycles;
  /* A dead link or CPU would give infinities; cap them at a large finite
   * value the networks can still take. */
  double up = up_rate_bps > 0 ? bits / up_rate_bps / sc->time_s : 1e3;
  double loc = local_hz > 0 ? cycles / local_hz / sc->local_s : 1e3;
  out[n_servers + 2] = up < 1e3 ? up : 1e3;
  out[n_servers + 3] = loc < 1e3 ? loc : 1e3;
}

static double uniform(gsl_rng *r, double a, double b)
{
  return a + (b - a) * gsl_rng_uniform(r);
}

static void draw_tasks(dtomalb_env_t *e)
{
  for (int n = 0; n < e->cfg.n_md; n++) {
    e->bits[n] = uniform(e->task_rng[n], e->cfg.bits_min, e->cfg.bits_max);
    e->cycles[n] = uniform(e->task_rng[n], e->cfg.cycles_min, e->cfg.cycles_max);
  }
}

static double up_rate(const dtomalb_env_cfg_t *c, double gain)
{
  /* eq. (5): the cell bandwidth is split evenly among the N users */
  return mec_shannon_bps(c->bandwidth_hz / c->n_md, c->tx_power_w, gain, c->noise_w_per_hz);
}

dtomalb_env_t *dtomalb_env_new(const dtomalb_env_cfg_t *cfg, uint64_t seed, char *err, size_t errlen)
{
  if (dtomalb_env_cfg_check(cfg, err, errlen) < 0)
    return NULL;
  dtomalb_env_t *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(err, errlen, "dtomalb env: out of memory");
    return NULL;
  }
  e->cfg = *cfg;
  e->scale = dtomalb_obs_scale_from_cfg(cfg);
  int N = cfg->n_md, M = cfg->n_servers;
  e->task_rng = calloc(N, sizeof *e->task_rng);
  e->local_hz = calloc(N, sizeof(double));
  e->gain = calloc(N, sizeof(double));
  e->up_rate = calloc(N, sizeof(double));
  e->bits = calloc(N, sizeof(double));
  e->cycles = calloc(N, sizeof(double));
  e->local_backlog = calloc(N, sizeof(double));
  e->backlog = calloc(M, sizeof(double));
  e->delay = calloc(N, sizeof(double));
  e->reward = calloc(N, sizeof(double));
  e->load_after = calloc(M, sizeof(double));
  e->arrival = calloc(N, sizeof(double));
  e->order = calloc(N, sizeof(int));
  int ok = e->task_rng && e->local_hz && e->gain && e->up_rate && e->bits && e->cycles && e->local_backlog &&
           e->backlog && e->delay && e->reward && e->load_after && e->arrival && e->order;
  for (int n = 0; ok && n < N; n++) {
    e->task_rng[n] = mec_rng_new(seed, MEC_STREAM_WORKLOAD, (uint64_t)n);
    gsl_rng *place = mec_rng_new(cfg->scenario_seed, MEC_STREAM_PLACEMENT, (uint64_t)n);
    if (!e->task_rng[n] || !place) {
      if (place)
        gsl_rng_free(place);
      ok = 0;
      break;
    }
    e->local_hz[n] = uniform(place, cfg->local_hz_min, cfg->local_hz_max);
    double d = uniform(place, cfg->dist_min_m, cfg->dist_max_m);
    gsl_rng_free(place);
    e->gain[n] = mec_path_gain(cfg->g0, cfg->l0_m, d, cfg->path_exponent);
    e->up_rate[n] = up_rate(cfg, e->gain[n]);
  }
  if (!ok) {
    dtomalb_env_free(e);
    snprintf(err, errlen, "dtomalb env: out of memory");
    return NULL;
  }
  dtomalb_env_reset(e);
  return e;
}

void dtomalb_env_free(dtomalb_env_t *e)
{
  if (!e)
    return;
  if (e->task_rng)
    for (int n = 0; n < e->cfg.n_md; n++)
      if (e->task_rng[n])
        gsl_rng_free(e->task_rng[n]);
  free(e->task_rng);
  free(e->local_hz);
  free(e->gain);
  free(e->up_rate);
  free(e->bits);
  free(e->cycles);
  free(e->local_backlog);
  free(e->backlog);
  free(e->delay);
  free(e->reward);
  free(e->load_after);
  free(e->arrival);
  free(e->order);
  free(e);
}

const dtomalb_env_cfg_t *dtomalb_env_cfg(const dtomalb_env_t *e) { return &e->cfg; }

void dtomalb_env_reset(dtomalb_env_t *e)
{
  memset(e->backlog, 0, sizeof(double) * e->cfg.n_servers);
  memset(e->local_backlog, 0, sizeof(double) * e->cfg.n_md);
  e->step = 0;
  draw_tasks(e);
}

/* Insertion sort of MD indices by arrival time (k <= N is small, and qsort
 * would need the arrival array in a global). */
static void sort_by_arrival(int *idx, int k, const double *arrival)
{
  for (int i = 1; i < k; i++) {
    int v = idx[i], j = i - 1;
    /* ties keep the MD order: deterministic */
    while (j >= 0 && (arrival[idx[j]] > arrival[v] || (arrival[idx[j]] == arrival[v] && idx[j] > v))) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
}

int dtomalb_env_step(dtomalb_env_t *e, const int *actions, dtomalb_step_info_t *info)
{
  const dtomalb_env_cfg_t *c = &e->cfg;
  int N = c->n_md, M = c->n_servers;
  for (int n = 0; n < N; n++)
    if (actions[n] < 0 || actions[n] > M)
      return -1;

  /* local tasks, eq. (6); with local_queue the MD's own FCFS backlog
   * (which drains at one second of work per second) comes first */
  for (int n = 0; n < N; n++) {
    double wait = c->local_queue ? e->local_backlog[n] : 0.0;
    double busy_until = wait;
    if (actions[n] == 0) {
      busy_until = wait + e->cycles[n] / e->local_hz[n];
      e->delay[n] = busy_until;
    }
    if (c->local_queue)
      e->local_backlog[n] = fmax(0.0, busy_until - c->slot_s);
  }

  /* offloaded tasks: arrival at the server, eqs. (7) and (9) */
  for (int n = 0; n < N; n++) {
    int m = actions[n];
    if (m == 0)
      continue;
    e->arrival[n] = e->bits[n] / e->up_rate[n] + (m != 1 ? e->bits[n] / c->fiber_bps : 0.0);
  }
  /* FCFS per server in arrival order, eq. (8): the wait is the work still
   * ahead of the task (carried-over backlog and earlier arrivals) / f_m */
  for (int m = 1; m <= M; m++) {
    double f = c->server_hz[m - 1];
    int k = 0;
    double assigned = 0.0;
    for (int n = 0; n < N; n++)
      if (actions[n] == m) {
        e->order[k++] = n;
        assigned += e->cycles[n];
      }
    sort_by_arrival(e->order, k, e->arrival);
    double free_at = e->backlog[m - 1]; /* server busy with old work until then */
    for (int i = 0; i < k; i++) {
      int n = e->order[i];
      double start = fmax(e->arrival[n], free_at);
      free_at = start + e->cycles[n] / f;
      e->delay[n] = free_at; /* = a_n + t_wait + t_comp, eqs. (10)-(11) */
    }
    /* load factor after the joint action, eq. (13), used in eq. (19) */
    e->load_after[m - 1] = e->backlog[m - 1] + assigned / f;
    /* carried into the next slot (nothing left if the server idles) */
    e->backlog[m - 1] = fmax(0.0, free_at - c->slot_s);
  }

  /* eq. (19): population variance over the M servers */
  double mean = 0.0, var = 0.0;
  for (int m = 0; m < M; m++)
    mean += e->load_after[m];
  mean /= M;
  for (int m = 0; m < M; m++)
    var += (e->load_after[m] - mean) * (e->load_after[m] - mean);
  var /= M;

  /* eq. (20) */
  double sd = 0.0, sr = 0.0;
  for (int n = 0; n < N; n++) {
    e->reward[n] = -c->w1 * e->delay[n] - c->w2 * var;
    sd += e->delay[n];
    sr += e->reward[n];
  }
  e->step++;
  info->delay_s = e->delay;
  info->reward = e->reward;
  info->load_s = e->load_after;
  info->load_var = var;
  info->mean_delay_s = sd / N;
  info->mean_reward = sr / N;
  info->done = e->step >= c->steps_per_episode;
  draw_tasks(e);
  return 0;
}

void dtomalb_env_obs(const dtomalb_env_t *e, int n, double *out)
{
  dtomalb_obs_build(&e->scale, e->cfg.n_servers, e->backlog, e->bits[n], e->cycles[n], e->up_rate[n],
                    e->local_hz[n], out);
}

void dtomalb_env_obs_all(const dtomalb_env_t *e, double *out)
{
  int d = dtomalb_obs_dim(e->cfg.n_servers);
  for (int n = 0; n < e->cfg.n_md; n++)
    dtomalb_env_obs(e, n, out + (size_t)n * d);
}

double dtomalb_env_task_bits(const dtomalb_env_t *e, int n) { return e->bits[n]; }
double dtomalb_env_task_cycles(const dtomalb_env_t *e, int n) { return e->cycles[n]; }
double dtomalb_env_up_rate(const dtomalb_env_t *e, int n) { return e->up_rate[n]; }
double dtomalb_env_local_hz(const dtomalb_env_t *e, int n) { return e->local_hz[n]; }
double dtomalb_env_backlog_s(const dtomalb_env_t *e, int m) { return e->backlog[m]; }
int dtomalb_env_step_index(const dtomalb_env_t *e) { return e->step; }

void dtomalb_env_set_task(dtomalb_env_t *e, int n, double bits, double cycles)
{
  e->bits[n] = bits;
  e->cycles[n] = cycles;
}

void dtomalb_env_set_md(dtomalb_env_t *e, int n, double local_hz, double gain)
{
  e->local_hz[n] = local_hz;
  e->gain[n] = gain;
  e->up_rate[n] = up_rate(&e->cfg, gain);
}

void dtomalb_env_set_backlog(dtomalb_env_t *e, int m, double seconds) { e->backlog[m] = seconds; }

int dtomalb_env_least_loaded(const dtomalb_env_t *e)
{
  int best = 0;
  for (int m = 1; m < e->cfg.n_servers; m++)
    if (e->backlog[m] < e->backlog[best])
      best = m;
  return best + 1;
}

int dtomalb_env_random_action(const dtomalb_env_t *e, double u)
{
  int a = (int)(u * (e->cfg.n_servers + 1));
  return a > e->cfg.n_servers ? e->cfg.n_servers : a;
}
