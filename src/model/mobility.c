/* mobility.c - lazy mobility models (see mobility.h and docs/mobility.md). */
#include "model/mobility.h"
#include "model/rng.h"
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {"static", "rwp", "gauss-markov", "trace"};

/* Key layout of the stateless draws (mec_hash_u01(seed, key)):
 *   rwp leg k >= 1:      key 8k + j, j = 0 dest x, 1 dest y, 2 speed, 3 pause
 *   gauss-markov step n: key 4n + j, j = 0 speed noise, 1 direction noise
 *   initial state:       a second seed (init_seed), keys below */
enum { K_DX, K_DY, K_SPEED, K_PAUSE, RWP_KEYS = 8 };
enum { G_SPEED, G_DIR, GM_KEYS = 4 };
enum { I_X, I_Y, I_SPEED, I_DIR, I_COIN, I_PAUSE1, I_PAUSE2, I_NEXT_PAUSE, I_ATTEMPTS = 16 };
#define MAX_ATTEMPTS 100000 /* rejection of rwp's first leg; fails with probability < 0.75^100000 */

static uint64_t init_seed(uint64_t seed)
{
  return mec_splitmix64(seed ^ 0x696E6974ULL); /* "init": a stream apart from the legs' */
}

/* Uniform in the open interval (0, 1): inverse CDFs take no 0. */
static double u_open(uint64_t seed, uint64_t key)
{
  double u = mec_hash_u01(seed, key);
  return u > 0 ? u : 0x1p-54;
}

/* Inverse CDF of d at u in (0, 1): one draw from one uniform, so a draw
 * depends on its key only (mec_dist_sample would consume a stream). */
static double dist_from_u(const mec_dist_t *d, double u)
{
  switch (d->kind) {
  case MEC_DIST_CONST:
    return d->a;
  case MEC_DIST_UNIFORM:
    return d->a + (d->b - d->a) * u;
  case MEC_DIST_EXP:
    return -d->a * log1p(-u);
  case MEC_DIST_NORMAL: { /* truncated to x > 0, as mec_dist_sample's redraws */
    if (d->b == 0)
      return d->a > 0 ? d->a : 0.0;
    double p0 = gsl_cdf_ugaussian_P(-d->a / d->b);
    double x = d->a + d->b * gsl_cdf_ugaussian_Pinv(p0 + u * (1 - p0));
    return x > 0 ? x : 0.0;
  }
  case MEC_DIST_LOGNORMAL:
    return exp(d->a + d->b * gsl_cdf_ugaussian_Pinv(u));
  }
  return d->a;
}

/* ------------------------------------------------------------------ setup */

void mec_mobility_defaults(mec_mobility_t *m, mec_mobility_kind_t kind)
{
  memset(m, 0, sizeof *m);
  m->kind = kind;
  m->xmin = m->ymin = -100;
  m->xmax = m->ymax = 100;
  m->speed = (mec_dist_t){MEC_DIST_UNIFORM, 0.5, 1.5};
  m->pause = (mec_dist_t){MEC_DIST_CONST, 0, 0};
  m->start = MEC_RWP_START_STATIONARY;
  m->alpha = 0.75;
  m->mean_speed = 1;
  m->speed_sd = 0.3;
  m->mean_dir = 0;
  m->dir_sd = 0.5;
  m->step = 1;
  m->edge = 10;
  m->trace = NULL;
}

const char *mec_mobility_kind_name(mec_mobility_kind_t kind)
{
  return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

int mec_mobility_kind_parse(const char *name, mec_mobility_kind_t *out, char *err, size_t errlen)
{
  for (size_t k = 0; name && k < sizeof kind_names / sizeof kind_names[0]; k++)
    if (strcmp(name, kind_names[k]) == 0) {
      *out = (mec_mobility_kind_t)k;
      return 0;
    }
  snprintf(err, errlen, "mobility '%s': expected static, rwp, gauss-markov or trace", name ? name : "(null)");
  return -1;
}

/* Checks lo <= v <= hi (finite); message "mobility K: NAME = V UNIT: expected ...". */
static int check_range(const mec_mobility_t *m, const char *name, double v, double lo, double hi, const char *unit,
                       char *err, size_t errlen)
{
  if (isfinite(v) && v >= lo && v <= hi)
    return 0;
  snprintf(err, errlen, "mobility %s: %s = %g%s%s: expected a finite number in [%g, %g]",
           mec_mobility_kind_name(m->kind), name, v, *unit ? " " : "", unit, lo, hi);
  return -1;
}

static int check_area(const mec_mobility_t *m, char *err, size_t errlen)
{
  const double L = MEC_MOBILITY_MAX_COORD;
  if (check_range(m, "xmin", m->xmin, -L, L, "m", err, errlen) ||
      check_range(m, "xmax", m->xmax, -L, L, "m", err, errlen) ||
      check_range(m, "ymin", m->ymin, -L, L, "m", err, errlen) ||
      check_range(m, "ymax", m->ymax, -L, L, "m", err, errlen))
    return -1;
  if (!(m->xmin < m->xmax) || !(m->ymin < m->ymax)) {
    snprintf(err, errlen, "mobility %s: area [%g, %g] x [%g, %g] m: expected xmin < xmax and ymin < ymax",
             mec_mobility_kind_name(m->kind), m->xmin, m->xmax, m->ymin, m->ymax);
    return -1;
  }
  return 0;
}

static int check_rwp(const mec_mobility_t *m, char *err, size_t errlen)
{
  char txt[128];
  const mec_dist_t *v = &m->speed, *p = &m->pause;
  mec_dist_format(v, txt, sizeof txt);
  switch (v->kind) {
  case MEC_DIST_CONST:
  case MEC_DIST_UNIFORM:
    if (!(v->a > 0) || !(mec_dist_max(v) <= MEC_MOBILITY_MAX_SPEED) ||
        (v->kind == MEC_DIST_UNIFORM && !(v->b >= v->a))) {
      snprintf(err, errlen, "mobility rwp: speed '%s' m/s: expected speeds in (0, %g]", txt, MEC_MOBILITY_MAX_SPEED);
      return -1;
    }
    break;
  case MEC_DIST_LOGNORMAL:
    if (!isfinite(v->a) || !(v->b >= 0 && v->b <= 3) || !(mec_dist_mean(v) <= MEC_MOBILITY_MAX_SPEED)) {
      snprintf(err, errlen, "mobility rwp: speed '%s' m/s: expected SIGMA in [0, 3] and a mean speed up to %g", txt,
               MEC_MOBILITY_MAX_SPEED);
      return -1;
    }
    break;
  default:
    /* Density at speed 0 makes E[1/V] infinite: the mean speed of the
     * population decays to 0 and there is no stationary regime. */
    snprintf(err, errlen,
             "mobility rwp: speed '%s': a speed distribution with density at 0 has no stationary regime (the mean "
             "speed decays to 0, Yoon, Liu & Noble 2003); expected const:V, uniform:VMIN:VMAX with VMIN > 0, or "
             "lognormal:MU:SIGMA",
             txt);
    return -1;
  }
  mec_dist_format(p, txt, sizeof txt);
  int ok = 0;
  switch (p->kind) {
  case MEC_DIST_CONST:
    ok = p->a >= 0;
    break;
  case MEC_DIST_UNIFORM:
    ok = p->a >= 0 && p->b >= p->a;
    break;
  case MEC_DIST_EXP:
    ok = p->a > 0;
    break;
  case MEC_DIST_LOGNORMAL:
    ok = isfinite(p->a) && p->b >= 0 && p->b <= 3;
    break;
  default:
    /* The stationary start needs the residual pause, which has no closed
     * form for the truncated normal. */
    snprintf(err, errlen, "mobility rwp: pause '%s': expected const:P, uniform:A:B, exp:MEAN or lognormal:MU:SIGMA",
             txt);
    return -1;
  }
  if (!ok || !(mec_dist_mean(p) <= MEC_MOBILITY_MAX_TIME) || !isfinite(p->a) || !isfinite(p->b)) {
    snprintf(err, errlen, "mobility rwp: pause '%s' s: expected non-negative pauses with a mean up to %g", txt,
             MEC_MOBILITY_MAX_TIME);
    return -1;
  }
  if (m->start != MEC_RWP_START_STATIONARY && m->start != MEC_RWP_START_UNIFORM) {
    snprintf(err, errlen, "mobility rwp: start = %d: expected stationary or uniform", (int)m->start);
    return -1;
  }
  return 0;
}

static int check_gm(const mec_mobility_t *m, char *err, size_t errlen)
{
  double half = 0.5 * fmin(m->xmax - m->xmin, m->ymax - m->ymin);
  if (check_range(m, "alpha", m->alpha, 0, 1, "", err, errlen) ||
      check_range(m, "mean_speed", m->mean_speed, 0, MEC_MOBILITY_MAX_SPEED, "m/s", err, errlen) ||
      check_range(m, "speed_sd", m->speed_sd, 0, MEC_MOBILITY_MAX_SPEED, "m/s", err, errlen) ||
      check_range(m, "mean_dir", m->mean_dir, -1e3, 1e3, "rad", err, errlen) ||
      check_range(m, "dir_sd", m->dir_sd, 0, 1e3, "rad", err, errlen) ||
      check_range(m, "step", m->step, 1e-6, 1e6, "s", err, errlen))
    return -1;
  if (!(m->edge >= 0 && m->edge < half)) {
    snprintf(err, errlen,
             "mobility gauss-markov: edge = %g m: expected a finite number in [0, %g) (half the shorter side)", m->edge,
             half);
    return -1;
  }
  return 0;
}

int mec_mobility_check(const mec_mobility_t *m, char *err, size_t errlen)
{
  switch (m->kind) {
  case MEC_MOBILITY_STATIC:
    return 0;
  case MEC_MOBILITY_RWP:
    return check_area(m, err, errlen) || check_rwp(m, err, errlen) ? -1 : 0;
  case MEC_MOBILITY_GAUSS_MARKOV:
    return check_area(m, err, errlen) || check_gm(m, err, errlen) ? -1 : 0;
  case MEC_MOBILITY_TRACE:
    if (!m->trace) {
      snprintf(err, errlen, "mobility trace: no position trace loaded");
      return -1;
    }
    return 0;
  }
  snprintf(err, errlen, "mobility kind %d: expected static, rwp, gauss-markov or trace", (int)m->kind);
  return -1;
}

/* ------------------------------------------------- random waypoint (rwp) */

double mec_rect_mean_distance(double w, double h)
{
  double a = fmax(w, h), b = fmin(w, h);
  if (!(a > 0))
    return 0;
  if (!(b > 0))
    return a / 3; /* a segment */
  /* E[L] = (1/15)(a^3/b^2 + b^3/a^2 + d(3 - a^2/b^2 - b^2/a^2))
   *      + (1/6)(b^2/a ln((a + d)/b) + a^2/b ln((b + d)/a)), d = sqrt(a^2 + b^2)
   * (Ghosh 1951). With r = b/a and d/a = q = sqrt(1 + r^2), the terms in
   * 1/r^2 cancel exactly to -1/(1 + q), and a^2/b ln((b + d)/a) = a asinh(r)/r:
   * no cancellation even for r = 1e-9. */
  double r = b / a, q = sqrt(1 + r * r);
  double e = (r * r * r - 1 / (1 + q) + q * (3 - r * r)) / 15 + (r * r * log((1 + q) / r) + asinh(r) / r) / 6;
  return a * e;
}

/* E[1/V] of an rwp speed distribution (the kinds check_rwp accepts). */
static double mean_inverse_speed(const mec_dist_t *v)
{
  switch (v->kind) {
  case MEC_DIST_UNIFORM:
    return v->b > v->a ? log(v->b / v->a) / (v->b - v->a) : 1 / v->a;
  case MEC_DIST_LOGNORMAL:
    return exp(-v->a + 0.5 * v->b * v->b);
  default:
    return 1 / v->a;
  }
}

double mec_rwp_pause_fraction(const mec_mobility_t *m)
{
  double ep = mec_dist_mean(&m->pause);
  if (!(ep > 0))
    return 0;
  double moving = mec_rect_mean_distance(m->xmax - m->xmin, m->ymax - m->ymin) * mean_inverse_speed(&m->speed);
  return ep / (ep + moving);
}

/* Speed seen at a random time while moving: density v^-1 f(v) / E[1/V]
 * (slow legs last longer). */
static double stationary_speed(const mec_dist_t *v, double u)
{
  switch (v->kind) {
  case MEC_DIST_UNIFORM:
    return v->b > v->a ? v->a * pow(v->b / v->a, u) : v->a;
  case MEC_DIST_LOGNORMAL: /* v^-1 lognormal(mu, s) is lognormal(mu - s^2, s) */
    return exp(v->a - v->b * v->b + v->b * gsl_cdf_ugaussian_Pinv(u));
  default:
    return v->a;
  }
}

/* Pause left at a random time while paused: U times the length-biased pause
 * (density p f(p) / E[P]). */
static double residual_pause(const mec_dist_t *p, double u1, double u2)
{
  switch (p->kind) {
  case MEC_DIST_UNIFORM:
    return u2 * sqrt(p->a * p->a + u1 * (p->b * p->b - p->a * p->a));
  case MEC_DIST_EXP:
    return -p->a * log1p(-u1); /* memoryless */
  case MEC_DIST_LOGNORMAL: /* p lognormal(mu, s) is lognormal(mu + s^2, s) */
    return u2 * exp(p->a + p->b * p->b + p->b * gsl_cdf_ugaussian_Pinv(u1));
  default:
    return u2 * p->a;
  }
}

/* Leg 0 of the device: the state at t = 0. */
static void rwp_reset(const mec_mobility_t *m, mec_mobility_state_t *s)
{
  uint64_t is = init_seed(s->seed);
  double w = m->xmax - m->xmin, h = m->ymax - m->ymin;
  s->u.rwp.leg = 0;
  s->u.rwp.t0 = s->u.rwp.t1 = 0;
  if (m->start == MEC_RWP_START_UNIFORM || mec_hash_u01(is, I_COIN) < mec_rwp_pause_fraction(m)) {
    /* Paused at a waypoint (uniform, as every destination) for the residual
     * pause; the uniform start is the same with no pause left. */
    s->u.rwp.ax = s->u.rwp.bx = m->xmin + w * mec_hash_u01(is, I_X);
    s->u.rwp.ay = s->u.rwp.by = m->ymin + h * mec_hash_u01(is, I_Y);
    s->u.rwp.t2 = m->start == MEC_RWP_START_UNIFORM
                      ? 0
                      : residual_pause(&m->pause, u_open(is, I_PAUSE1), mec_hash_u01(is, I_PAUSE2));
    return;
  }
  /* Moving: the stationary leg has density proportional to its length (a
   * long leg is more likely to be under way at t = 0), drawn by rejection
   * of uniform pairs; the device is uniform along it. Navidi & Camp 2004. */
  double diag = hypot(w, h), x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  for (uint64_t k = 1; k <= MAX_ATTEMPTS; k++) {
    uint64_t key = k * I_ATTEMPTS;
    x1 = m->xmin + w * mec_hash_u01(is, key + 0);
    y1 = m->ymin + h * mec_hash_u01(is, key + 1);
    x2 = m->xmin + w * mec_hash_u01(is, key + 2);
    y2 = m->ymin + h * mec_hash_u01(is, key + 3);
    if (mec_hash_u01(is, key + 4) * diag < hypot(x2 - x1, y2 - y1))
      break;
  }
  double f = mec_hash_u01(is, I_X), v = stationary_speed(&m->speed, u_open(is, I_SPEED));
  s->u.rwp.ax = x1 + (x2 - x1) * f;
  s->u.rwp.ay = y1 + (y2 - y1) * f;
  s->u.rwp.bx = x2;
  s->u.rwp.by = y2;
  s->u.rwp.t1 = hypot(x2 - s->u.rwp.ax, y2 - s->u.rwp.ay) / v;
  s->u.rwp.t2 = s->u.rwp.t1 + dist_from_u(&m->pause, u_open(is, I_NEXT_PAUSE));
}

/* Leg k + 1 from the end of leg k. */
static void rwp_next(const mec_mobility_t *m, mec_mobility_state_t *s)
{
  uint64_t k = ++s->u.rwp.leg, key = k * RWP_KEYS;
  double t0 = s->u.rwp.t2;
  s->u.rwp.ax = s->u.rwp.bx;
  s->u.rwp.ay = s->u.rwp.by;
  s->u.rwp.bx = m->xmin + (m->xmax - m->xmin) * mec_hash_u01(s->seed, key + K_DX);
  s->u.rwp.by = m->ymin + (m->ymax - m->ymin) * mec_hash_u01(s->seed, key + K_DY);
  double v = dist_from_u(&m->speed, u_open(s->seed, key + K_SPEED));
  double t1 = t0 + hypot(s->u.rwp.bx - s->u.rwp.ax, s->u.rwp.by - s->u.rwp.ay) / v;
  double t2 = t1 + dist_from_u(&m->pause, u_open(s->seed, key + K_PAUSE));
  if (!(t2 > t0)) /* a leg too short to move the clock (t0 huge): one ulp, so the loop ends */
    t2 = nextafter(t0, INFINITY);
  s->u.rwp.t0 = t0;
  s->u.rwp.t1 = t1;
  s->u.rwp.t2 = t2;
  s->work++;
}

static void rwp_at(const mec_mobility_t *m, mec_mobility_state_t *s, double t, double *x, double *y, double *vx,
                   double *vy)
{
  if (t < s->u.rwp.t0) { /* before the current leg: replay from 0 */
    rwp_reset(m, s);
    s->work++;
  }
  while (t >= s->u.rwp.t2)
    rwp_next(m, s);
  double t0 = s->u.rwp.t0, t1 = s->u.rwp.t1;
  if (t < t1) {
    double f = (t - t0) / (t1 - t0), dt = t1 - t0;
    *x = s->u.rwp.ax + (s->u.rwp.bx - s->u.rwp.ax) * f;
    *y = s->u.rwp.ay + (s->u.rwp.by - s->u.rwp.ay) * f;
    *vx = (s->u.rwp.bx - s->u.rwp.ax) / dt;
    *vy = (s->u.rwp.by - s->u.rwp.ay) / dt;
  } else {
    *x = s->u.rwp.bx;
    *y = s->u.rwp.by;
    *vx = *vy = 0;
  }
}

/* ----------------------------------------------------------- gauss-markov */

/* Folds v into [lo, hi] as a mirror would (any number of bounces); *flip
 * tells whether the number of bounces is odd (the velocity's sign turned). */
static double reflect(double v, double lo, double hi, int *flip)
{
  *flip = 0;
  if (v >= lo && v <= hi)
    return v; /* inside: untouched, so no rounding creeps in */
  double w = hi - lo, r = fmod(v - lo, 2 * w);
  if (r < 0)
    r += 2 * w;
  if (r > w) {
    *flip = 1;
    r = 2 * w - r;
  }
  double out = lo + r;
  return out < lo ? lo : out > hi ? hi : out;
}

/* Moves (x, y) for tau seconds at the state's velocity; writes the position
 * and the direction after any reflection. */
static void gm_move(const mec_mobility_t *m, const mec_mobility_state_t *s, double tau, double *x, double *y,
                    double *dir)
{
  double v = s->u.gm.speed > 0 ? s->u.gm.speed : 0, d = s->u.gm.dir;
  int fx, fy;
  *x = reflect(s->u.gm.x + v * tau * cos(d), m->xmin, m->xmax, &fx);
  *y = reflect(s->u.gm.y + v * tau * sin(d), m->ymin, m->ymax, &fy);
  if (fx)
    d = M_PI - d;
  if (fy)
    d = -d;
  *dir = remainder(d, 2 * M_PI);
}

static void gm_reset(const mec_mobility_t *m, mec_mobility_state_t *s)
{
  uint64_t is = init_seed(s->seed);
  s->u.gm.step = 0;
  s->u.gm.x = m->xmin + (m->xmax - m->xmin) * mec_hash_u01(is, I_X);
  s->u.gm.y = m->ymin + (m->ymax - m->ymin) * mec_hash_u01(is, I_Y);
  /* The stationary laws of both AR(1) processes: N(s-bar, sd^2). */
  s->u.gm.speed = m->mean_speed + m->speed_sd * gsl_cdf_ugaussian_Pinv(u_open(is, I_SPEED));
  s->u.gm.dir = remainder(m->mean_dir + m->dir_sd * gsl_cdf_ugaussian_Pinv(u_open(is, I_DIR)), 2 * M_PI);
}

/* One step: move for Delta t, then draw the next speed and direction. */
static void gm_step(const mec_mobility_t *m, mec_mobility_state_t *s)
{
  double x, y, d;
  gm_move(m, s, m->step, &x, &y, &d);
  uint64_t n = ++s->u.gm.step, key = n * GM_KEYS;
  double a = m->alpha, b = sqrt(1 - a * a);
  double mean_dir = m->mean_dir;
  if (m->edge > 0) { /* near a side, the mean direction points inward (Camp et al. 2002) */
    int sx = (x < m->xmin + m->edge) - (x > m->xmax - m->edge);
    int sy = (y < m->ymin + m->edge) - (y > m->ymax - m->edge);
    if (sx || sy)
      mean_dir = atan2(sy, sx);
  }
  /* The mean direction's representative nearest d: blending 179 and -179
   * degrees must give 180, not 0. */
  mean_dir += 2 * M_PI * round((d - mean_dir) / (2 * M_PI));
  double ws = b > 0 ? gsl_cdf_ugaussian_Pinv(u_open(s->seed, key + G_SPEED)) : 0;
  double wd = b > 0 ? gsl_cdf_ugaussian_Pinv(u_open(s->seed, key + G_DIR)) : 0;
  s->u.gm.x = x;
  s->u.gm.y = y;
  s->u.gm.speed = a * s->u.gm.speed + (1 - a) * m->mean_speed + b * m->speed_sd * ws;
  s->u.gm.dir = remainder(a * d + (1 - a) * mean_dir + b * m->dir_sd * wd, 2 * M_PI);
  s->work++;
}

static void gm_at(const mec_mobility_t *m, mec_mobility_state_t *s, double t, double *x, double *y, double *vx,
                  double *vy)
{
  uint64_t n = (uint64_t)floor(t / m->step);
  if (n < s->u.gm.step) {
    gm_reset(m, s);
    s->work++;
  }
  while (s->u.gm.step < n)
    gm_step(m, s);
  double tau = t - (double)s->u.gm.step * m->step, d;
  gm_move(m, s, tau > 0 ? tau : 0, x, y, &d);
  double v = s->u.gm.speed > 0 ? s->u.gm.speed : 0;
  *vx = v * cos(d);
  *vy = v * sin(d);
}

/* ------------------------------------------------------------------ api */

int mec_mobility_init_device(const mec_mobility_t *m, mec_mobility_state_t *s, uint64_t run_seed, int device,
                             double x, double y, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  if (device < 0) {
    snprintf(err, errlen, "mobility %s: device %d: expected an index >= 0", mec_mobility_kind_name(m->kind), device);
    return -1;
  }
  s->device = device;
  s->seed = mec_stream_seed(run_seed, MEC_STREAM_PLACEMENT, MEC_MOBILITY_STREAM_BASE + (uint64_t)device);
  switch (m->kind) {
  case MEC_MOBILITY_STATIC:
    if (!isfinite(x) || !isfinite(y)) {
      snprintf(err, errlen, "mobility static: device %d at (%g, %g) m: expected finite coordinates", device, x, y);
      return -1;
    }
    s->u.fixed.x = x;
    s->u.fixed.y = y;
    return 0;
  case MEC_MOBILITY_RWP:
    rwp_reset(m, s);
    return 0;
  case MEC_MOBILITY_GAUSS_MARKOV:
    gm_reset(m, s);
    return 0;
  case MEC_MOBILITY_TRACE:
    if (!m->trace || device >= m->trace->n_md) {
      snprintf(err, errlen, "mobility trace: device %d is not in the position trace (devices 0..%d)", device,
               m->trace ? m->trace->n_md - 1 : -1);
      return -1;
    }
    s->u.trace.cursor = 0;
    return 0;
  }
  snprintf(err, errlen, "mobility kind %d: expected static, rwp, gauss-markov or trace", (int)m->kind);
  return -1;
}

int mec_mobility_at(const mec_mobility_t *m, mec_mobility_state_t *s, double t, double *x, double *y, double *vx,
                    double *vy)
{
  if (!(t >= 0 && t <= MEC_MOBILITY_MAX_TIME))
    return -1;
  double px = 0, py = 0, qx = 0, qy = 0;
  switch (m->kind) {
  case MEC_MOBILITY_STATIC:
    px = s->u.fixed.x;
    py = s->u.fixed.y;
    break;
  case MEC_MOBILITY_RWP:
    rwp_at(m, s, t, &px, &py, &qx, &qy);
    break;
  case MEC_MOBILITY_GAUSS_MARKOV:
    gm_at(m, s, t, &px, &py, &qx, &qy);
    break;
  case MEC_MOBILITY_TRACE:
    mec_position_trace_at(m->trace, s->device, t, &s->u.trace.cursor, &px, &py, &qx, &qy);
    break;
  default:
    return -1;
  }
  if (x)
    *x = px;
  if (y)
    *y = py;
  if (vx)
    *vx = qx;
  if (vy)
    *vy = qy;
  return 0;
}

int mec_mobility_position(const mec_mobility_t *m, mec_mobility_state_t *s, double t, double *x, double *y)
{
  return mec_mobility_at(m, s, t, x, y, NULL, NULL);
}

int mec_mobility_velocity(const mec_mobility_t *m, mec_mobility_state_t *s, double t, double *vx, double *vy)
{
  return mec_mobility_at(m, s, t, NULL, NULL, vx, vy);
}

double mec_mobility_linear_until(const mec_mobility_t *m, mec_mobility_state_t *s, double t)
{
  double x, y, vx, vy;
  if (mec_mobility_at(m, s, t, &x, &y, &vx, &vy) != 0)
    return NAN;
  switch (m->kind) {
  case MEC_MOBILITY_RWP:
    return t < s->u.rwp.t1 ? s->u.rwp.t1 : s->u.rwp.t2;
  case MEC_MOBILITY_GAUSS_MARKOV: {
    double end = (double)(s->u.gm.step + 1) * m->step; /* the next update */
    if (vx > 0)
      end = fmin(end, t + (m->xmax - x) / vx); /* or the side it reaches first */
    else if (vx < 0)
      end = fmin(end, t + (m->xmin - x) / vx);
    if (vy > 0)
      end = fmin(end, t + (m->ymax - y) / vy);
    else if (vy < 0)
      end = fmin(end, t + (m->ymin - y) / vy);
    return fmax(end, t);
  }
  case MEC_MOBILITY_TRACE: {
    const mec_position_trace_t *tr = m->trace;
    size_t i = tr->first[s->device] + s->u.trace.cursor, hi = tr->first[s->device + 1];
    if (t < tr->t[i])
      return tr->t[i]; /* before the first sample: held until it */
    return i + 1 < hi ? tr->t[i + 1] : INFINITY;
  }
  default:
    return INFINITY;
  }
}
