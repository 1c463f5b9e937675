/* test_mobility.c - the mobility models of mobility.h: static devices stay,
 * random waypoint moves at its speed and its stationary spatial law matches
 * the exact density (in 1-D and 2-D, from t = 0: no warm-up), Gauss-Markov
 * keeps its velocity at alpha = 1 and forgets it at alpha = 0, everything
 * stays in the area, lazy queries do not depend on their order or on other
 * devices, and parameters are checked with clear messages. */
#include "check.h"
#include "model/mobility.h"
#include "model/rng.h"

#include <gsl/gsl_cdf.h>
#include <stdlib.h>
#include <string.h>

static mec_mobility_t rwp_unit(const char *speed, const char *pause, double w, double h)
{
  mec_mobility_t m;
  char err[256];
  mec_mobility_defaults(&m, MEC_MOBILITY_RWP);
  m.xmin = 0, m.xmax = w, m.ymin = 0, m.ymax = h;
  if (mec_dist_parse(speed, &m.speed, err, sizeof err) != 0 || mec_dist_parse(pause, &m.pause, err, sizeof err) != 0)
    fprintf(stderr, "  %s\n", err);
  return m;
}

static int init(const mec_mobility_t *m, mec_mobility_state_t *s, uint64_t seed, int d)
{
  char err[256] = "";
  int rc = mec_mobility_init_device(m, s, seed, d, 0, 0, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "  init: %s\n", err);
  return rc;
}

/* ------------------------------------------------------------- static */

static void test_static(void)
{
  mec_mobility_t m;
  mec_mobility_defaults(&m, MEC_MOBILITY_STATIC);
  mec_mobility_state_t s;
  char err[256];
  CHECK(mec_mobility_check(&m, err, sizeof err) == 0);
  CHECK(mec_mobility_init_device(&m, &s, 1, 0, 12.5, -40, err, sizeof err) == 0);
  int moved = 0;
  for (double t = 0; t < 1e6; t = t * 3 + 0.1) {
    double x, y, vx, vy;
    CHECK(mec_mobility_at(&m, &s, t, &x, &y, &vx, &vy) == 0);
    moved += x != 12.5 || y != -40 || vx != 0 || vy != 0;
  }
  CHECK(moved == 0);
  CHECK(mec_mobility_init_device(&m, &s, 1, 0, NAN, 0, err, sizeof err) == -1);
  CHECK(strcmp(err, "mobility static: device 0 at (nan, 0) m: expected finite coordinates") == 0);
}

/* ------------------------------------------------------ random waypoint */

/* A device at constant speed 2 m/s, starting at a waypoint (uniform start,
 * no pause): the first leg is a straight line walked at exactly 2 m/s. */
static void test_rwp_constant_speed(void)
{
  mec_mobility_t m = rwp_unit("const:2", "const:0", 100, 50);
  m.start = MEC_RWP_START_UNIFORM;
  int bad = 0, legs_checked = 0;
  for (int d = 0; d < 20; d++) {
    mec_mobility_state_t s;
    if (init(&m, &s, 7, d) != 0)
      return;
    double x0, y0, vx, vy;
    mec_mobility_at(&m, &s, 0, &x0, &y0, &vx, &vy);
    double v = hypot(vx, vy), ux = vx / v, uy = vy / v;
    /* the first leg ends at the arrival time: find it from the state's
     * destination, then check positions along the way without the state */
    double len = hypot(s.u.rwp.bx - x0, s.u.rwp.by - y0), tend = len / 2;
    bad += fabs(v - 2) > 1e-12;
    for (int k = 1; k <= 9; k++) {
      double t = tend * k / 10, x, y;
      mec_mobility_position(&m, &s, t, &x, &y);
      double want_x = x0 + ux * 2 * t, want_y = y0 + uy * 2 * t;
      bad += fabs(x - want_x) > 1e-9 * fabs(want_x) + 1e-12 || fabs(y - want_y) > 1e-9 * fabs(want_y) + 1e-12;
      bad += fabs(hypot(x - x0, y - y0) - 2 * t) > 1e-9 * 2 * t; /* distance walked = v t */
    }
    legs_checked++;
  }
  CHECK(bad == 0);
  CHECK(legs_checked == 20);
  /* with pause 0 the device is always moving at 2 m/s (except at the
   * instants it turns) */
  mec_mobility_state_t s;
  init(&m, &s, 8, 3);
  int off = 0;
  for (double t = 0.05; t < 2000; t += 0.731) {
    double vx, vy;
    mec_mobility_velocity(&m, &s, t, &vx, &vy);
    off += fabs(hypot(vx, vy) - 2) > 1e-9;
  }
  CHECK(off == 0);
}

/* Mean distance between uniform points of a rectangle. */
static void test_rect_mean_distance(void)
{
  /* unit square: (2 + sqrt 2 + 5 ln(1 + sqrt 2)) / 15 */
  CHECK_REL(mec_rect_mean_distance(1, 1), (2 + sqrt(2) + 5 * log(1 + sqrt(2))) / 15, 1e-14);
  CHECK_REL(mec_rect_mean_distance(7, 7), 7 * (2 + sqrt(2) + 5 * log(1 + sqrt(2))) / 15, 1e-14);
  /* a segment of length a: a / 3, the limit of thin rectangles */
  CHECK_REL(mec_rect_mean_distance(3, 1e-9), 1.0, 1e-8);
  CHECK_REL(mec_rect_mean_distance(1e-12, 3), 1.0, 1e-8);
  CHECK(mec_rect_mean_distance(3, 0) == 1.0);
  /* 3 x 1 against the textbook form (fine at this aspect ratio), long double */
  long double a = 3, b = 1, d = sqrtl(a * a + b * b);
  long double e = (a * a * a / (b * b) + b * b * b / (a * a) + d * (3 - a * a / (b * b) - b * b / (a * a))) / 15 +
                  (b * b / a * logl((a + d) / b) + a * a / b * logl((b + d) / a)) / 6;
  CHECK_REL(mec_rect_mean_distance(3, 1), (double)e, 1e-13);
  /* and against a Monte Carlo estimate (sd of the mean ~ 0.0006) */
  double sum = 0;
  enum { N = 400000 };
  for (int i = 0; i < N; i++) {
    double x1 = 3 * mec_hash_u01(1, 4 * (uint64_t)i), y1 = mec_hash_u01(1, 4 * (uint64_t)i + 1);
    double x2 = 3 * mec_hash_u01(1, 4 * (uint64_t)i + 2), y2 = mec_hash_u01(1, 4 * (uint64_t)i + 3);
    sum += hypot(x2 - x1, y2 - y1);
  }
  CHECK_NEAR(sum / N, mec_rect_mean_distance(3, 1), 0.004);
}

/* Distance from (x, y) to the side of [0, w] x [0, h] in direction (c, s). */
static double to_side(double x, double y, double c, double s, double w, double h)
{
  double tx = c > 0 ? (w - x) / c : c < 0 ? -x / c : INFINITY;
  double ty = s > 0 ? (h - y) / s : s < 0 ? -y / s : INFINITY;
  return fmin(tx, ty);
}

/* Exact stationary density of rwp without pause in a convex area, up to a
 * constant (Hyytia, Lassila & Virtamo 2006): f(r) ~ integral over phi in
 * [0, pi) of a1 a2 (a1 + a2), a1 and a2 the distances to the boundary from r
 * in directions phi and phi + pi. In 1-D it is x (a - x), the known
 * 6 x (a - x) / a^3. */
static double rwp_density(double x, double y, double w, double h)
{
  enum { NPHI = 180 };
  double s = 0;
  for (int k = 0; k < NPHI; k++) {
    double phi = (k + 0.5) * M_PI / NPHI, c = cos(phi), sn = sin(phi);
    double a1 = to_side(x, y, c, sn, w, h), a2 = to_side(x, y, -c, -sn, w, h);
    s += a1 * a2 * (a1 + a2);
  }
  return s;
}

/* Probabilities of the kx * ky bins of [0, w] x [0, h] under the rwp
 * density mixed with a fraction `paused` of uniform (paused devices sit at
 * uniform waypoints). */
static void rwp_bins(double *p, int kx, int ky, double w, double h, double paused)
{
  enum { SUB = 8 };
  double total = 0;
  for (int i = 0; i < kx; i++)
    for (int j = 0; j < ky; j++) {
      double s = 0;
      for (int a = 0; a < SUB; a++)
        for (int b = 0; b < SUB; b++)
          s += rwp_density((i + (a + 0.5) / SUB) * w / kx, (j + (b + 0.5) / SUB) * h / ky, w, h);
      p[i * ky + j] = s;
      total += s;
    }
  for (int k = 0; k < kx * ky; k++)
    p[k] = paused / (kx * ky) + (1 - paused) * p[k] / total;
}

/* Pearson's chi-square p-value of counts against probabilities. */
static double chisq_p(const long *count, const double *p, int k, long n)
{
  double stat = 0;
  for (int i = 0; i < k; i++) {
    double e = n * p[i];
    stat += (count[i] - e) * (count[i] - e) / e;
  }
  return gsl_cdf_chisq_Q(stat, k - 1);
}

static void bin_add(long *count, int kx, int ky, double w, double h, double x, double y)
{
  int i = (int)(x / w * kx), j = (int)(y / h * ky);
  i = i < 0 ? 0 : i >= kx ? kx - 1 : i;
  j = j < 0 ? 0 : j >= ky ? ky - 1 : j;
  count[i * ky + j]++;
}

/* CDF of the density 6 x (1 - x) on [0, 1]. */
static double cdf_6x1x(double x)
{
  return 3 * x * x - 2 * x * x * x;
}

/* Unit square, constant speed, no pause: the positions of 10^5 devices at
 * t = 0 and of 10^3 devices at 200 times spaced well apart follow the exact
 * density; the uniform law is rejected by the same test (it has power), and
 * so are t = 0 positions of the classic uniform start (which needs warm-up). */
static void test_rwp_stationary_square(void)
{
  enum { K = 10, NB = K * K, N0 = 100000, ND = 1000, NT = 200 };
  double p[NB], pu[NB];
  rwp_bins(p, K, K, 1, 1, 0);
  for (int i = 0; i < NB; i++)
    pu[i] = 1.0 / NB;
  /* Bettstetter et al.'s approximation 36 x (1 - x) y (1 - y) is close to
   * the exact law (total variation distance of the bin masses), much closer
   * than the uniform law */
  double tv = 0, tvu = 0, pb[NB];
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      double fx = cdf_6x1x((i + 1.0) / K) - cdf_6x1x((double)i / K);
      double fy = cdf_6x1x((j + 1.0) / K) - cdf_6x1x((double)j / K);
      pb[i * K + j] = fx * fy;
      tv += 0.5 * fabs(fx * fy - p[i * K + j]);
      tvu += 0.5 * fabs(pu[i * K + j] - p[i * K + j]);
    }
  printf("rwp square: total variation from the exact law: Bettstetter approximation %.4f, uniform %.4f\n", tv, tvu);
  CHECK(tv < 0.05);
  CHECK(tvu > 0.1);

  mec_mobility_t m = rwp_unit("const:1", "const:0", 1, 1);
  mec_mobility_t mu = m;
  mu.start = MEC_RWP_START_UNIFORM;
  long c0[NB] = {0}, cu[NB] = {0}, cl[NB] = {0};
  for (int d = 0; d < N0; d++) {
    mec_mobility_state_t s;
    double x, y;
    init(&m, &s, 42, d);
    mec_mobility_position(&m, &s, 0, &x, &y);
    bin_add(c0, K, K, 1, 1, x, y);
    init(&mu, &s, 42, d);
    mec_mobility_position(&mu, &s, 0, &x, &y);
    bin_add(cu, K, K, 1, 1, x, y);
  }
  for (int d = 0; d < ND; d++) {
    mec_mobility_state_t s;
    init(&m, &s, 43, d);
    for (int j = 0; j < NT; j++) { /* 10 s apart: ~19 legs between samples */
      double x, y;
      mec_mobility_position(&m, &s, 50 + 10.0 * j, &x, &y);
      bin_add(cl, K, K, 1, 1, x, y);
    }
  }
  double p0 = chisq_p(c0, p, NB, N0), pl = chisq_p(cl, p, NB, (long)ND * NT);
  double p0u = chisq_p(c0, pu, NB, N0), plu = chisq_p(cl, pu, NB, (long)ND * NT), pstart = chisq_p(cu, p, NB, N0);
  double p0b = chisq_p(c0, pb, NB, N0), plb = chisq_p(cl, pb, NB, (long)ND * NT);
  printf("rwp square: chi-square p-values, exact law: t=0 %.3g, long run %.3g; uniform law: %.3g, %.3g; "
         "Bettstetter approximation: %.3g, %.3g; uniform start at t=0: %.3g\n",
         p0, pl, p0u, plu, p0b, plb, pstart);
  CHECK(p0 > 1e-3);  /* stationary from t = 0 */
  CHECK(pl > 1e-3);  /* and over a long run */
  CHECK(p0u < 1e-30); /* the uniform law fails the same test */
  CHECK(plu < 1e-30);
  CHECK(pstart < 1e-30); /* the uniform start is not stationary */
  CHECK(p0b < 1e-10);    /* even the close approximation is told apart */
  CHECK(plb < 1e-10);
}

/* Kolmogorov-Smirnov statistic sqrt(n) D of samples against cdf. */
static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double ks(double *v, int n, double (*cdf)(double, double), double arg)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  double d = 0;
  for (int i = 0; i < n; i++) {
    double f = cdf(v[i], arg);
    d = fmax(d, fmax((i + 1.0) / n - f, f - (double)i / n));
  }
  return sqrt((double)n) * d;
}

/* 1-D rwp on [0, 1] with a fraction p of time paused: p x + (1 - p)(3x^2 - 2x^3). */
static double cdf_1d(double x, double paused)
{
  return paused * x + (1 - paused) * (3 * x * x - 2 * x * x * x);
}

/* A 1 m x 1 nm strip is 1-D rwp, whose density 6 x (1 - x) is exact; with a
 * pause of 0.2 s at 1 m/s, a fraction 0.2 / (0.2 + 1/3) of the time is spent
 * paused at uniform points. KS at t = 0 and over a long run, with the
 * uniform law rejected. */
static void test_rwp_stationary_1d(void)
{
  enum { N0 = 20000, ND = 200, NT = 100 };
  static double v[N0], u[N0];
  const double crit = 1.95; /* sqrt(n) D at the 0.1% level */
  for (int with_pause = 0; with_pause <= 1; with_pause++) {
    mec_mobility_t m = rwp_unit("const:1", with_pause ? "const:0.2" : "const:0", 1, 1e-9);
    double paused = with_pause ? 0.2 / (0.2 + 1.0 / 3) : 0;
    CHECK_REL(mec_rwp_pause_fraction(&m), paused, 1e-8);
    int n_paused = 0;
    for (int d = 0; d < N0; d++) {
      mec_mobility_state_t s;
      double x, y, vx, vy;
      init(&m, &s, 5, d);
      mec_mobility_at(&m, &s, 0, &x, &y, &vx, &vy);
      v[d] = u[d] = x;
      n_paused += vx == 0 && vy == 0;
    }
    double k0 = ks(v, N0, cdf_1d, paused), k0u = ks(u, N0, cdf_1d, 1.0);
    int n = 0;
    for (int d = 0; d < ND; d++) {
      mec_mobility_state_t s;
      init(&m, &s, 6, d);
      for (int j = 0; j < NT; j++) {
        double x, y;
        mec_mobility_position(&m, &s, 20 + 7.0 * j, &x, &y);
        v[n] = u[n] = x;
        n++;
      }
    }
    double kl = ks(v, n, cdf_1d, paused), klu = ks(u, n, cdf_1d, 1.0);
    printf("rwp 1-D, pause %s: sqrt(n) KS exact law t=0 %.3f, long run %.3f; uniform law %.3f, %.3f; paused at t=0 "
           "%.4f (exact %.4f)\n",
           with_pause ? "0.2" : "0", k0, kl, k0u, klu, (double)n_paused / N0, paused);
    CHECK(k0 < crit);
    CHECK(kl < crit);
    CHECK(k0u > 3 * crit);
    CHECK(klu > 3 * crit);
    /* binomial: 5 standard deviations */
    CHECK_NEAR((double)n_paused / N0, paused, 5 * sqrt(paused * (1 - paused) / N0) + 1e-12);
  }
}

/* A 3 x 1 m rectangle with random speeds and pauses: the spatial law (rwp
 * density mixed with the paused fraction), the paused fraction, and the law
 * of the speed seen at a random time (density ~ f(v) / v, so slow legs
 * weigh more: P(V < 1) is 1/2 for uniform:0.5:2, not the per-leg 1/3, and
 * Phi(0.5) = 0.69 for lognormal:0:0.5, not 1/2) agree at t = 0, at t = 1.5 s
 * (a wrong residual pause or leg would show before the first waypoints) and
 * over a long run. */
static void test_rwp_stationary_rectangle(void)
{
  enum { KX = 12, KY = 4, NB = KX * KY, N0 = 60000, ND = 600, NT = 100 };
  static const struct { const char *speed, *pause; double e_inv_speed, slow; } cf[] = {
      {"uniform:0.5:2", "uniform:0:3", 0.92419624074659, 0.5},        /* E[1/V] = ln 4 / 1.5 */
      {"lognormal:0:0.5", "lognormal:0:1", 1.13314845306683, 0.69146246127401}, /* e^{s^2/2}, Phi(0.5) */
  };
  for (size_t k = 0; k < sizeof cf / sizeof cf[0]; k++) {
    mec_mobility_t m = rwp_unit(cf[k].speed, cf[k].pause, 3, 1);
    double paused = mec_rwp_pause_fraction(&m), p[NB], ep = mec_dist_mean(&m.pause);
    CHECK_REL(paused, ep / (ep + mec_rect_mean_distance(3, 1) * cf[k].e_inv_speed), 1e-12);
    rwp_bins(p, KX, KY, 3, 1, paused);
    for (int phase = 0; phase < 3; phase++) {
      long c[NB] = {0}, n = 0, n_paused = 0, n_moving = 0, n_slow = 0;
      for (int d = 0; d < (phase == 2 ? ND : N0); d++) {
        mec_mobility_state_t s;
        init(&m, &s, 99 + phase, d);
        for (int j = 0; j < (phase == 2 ? NT : 1); j++) {
          double x, y, vx, vy, t = phase == 2 ? 30 + 20.0 * j : phase == 1 ? 1.5 : 0;
          mec_mobility_at(&m, &s, t, &x, &y, &vx, &vy);
          bin_add(c, KX, KY, 3, 1, x, y);
          n++;
          double sp = hypot(vx, vy);
          n_paused += sp == 0;
          n_moving += sp > 0;
          n_slow += sp > 0 && sp < 1;
        }
      }
      double pv = chisq_p(c, p, NB, n), fp = (double)n_paused / n, fs = (double)n_slow / n_moving;
      printf("rwp 3x1 %s/%s %s: chi-square p %.3g, paused %.4f (exact %.4f), slow among moving %.4f (exact %.4f)\n",
             cf[k].speed, cf[k].pause, phase == 2 ? "long run" : phase ? "t=1.5" : "t=0", pv, fp, paused, fs,
             cf[k].slow);
      CHECK(pv > 1e-3);
      CHECK_NEAR(fp, paused, 5 * sqrt(paused * (1 - paused) / n));
      CHECK_NEAR(fs, cf[k].slow, 5 * sqrt(cf[k].slow * (1 - cf[k].slow) / n_moving));
    }
  }
}

/* ---------------------------------------------------------- gauss-markov */

static mec_mobility_t gm(double alpha, double w)
{
  mec_mobility_t m;
  mec_mobility_defaults(&m, MEC_MOBILITY_GAUSS_MARKOV);
  m.xmin = m.ymin = -w / 2;
  m.xmax = m.ymax = w / 2;
  m.alpha = alpha;
  m.mean_speed = 10;
  m.speed_sd = 2;
  m.mean_dir = 0.3;
  m.dir_sd = 1;
  m.step = 0.5;
  m.edge = 0;
  return m;
}

/* alpha = 1: the initial velocity forever, so a straight line at constant
 * speed until a side; in a small area the speed survives the reflections. */
static void test_gm_alpha1_straight(void)
{
  mec_mobility_t m = gm(1, 2e6);
  int bad = 0;
  for (int d = 0; d < 10; d++) {
    mec_mobility_state_t s;
    init(&m, &s, 3, d);
    double x0, y0, vx, vy;
    mec_mobility_at(&m, &s, 0, &x0, &y0, &vx, &vy);
    static const double ts[] = {0.2, 0.5, 3.7, 10, 100.25, 1000, 4321.1};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
      double x, y, wx, wy, t = ts[i];
      mec_mobility_at(&m, &s, t, &x, &y, &wx, &wy);
      if (fabs(x0 + vx * t) > 1e6 || fabs(y0 + vy * t) > 1e6)
        continue; /* past a side */
      bad += fabs((x - x0) - vx * t) > 1e-9 * fabs(vx * t) + 1e-9;
      bad += fabs((y - y0) - vy * t) > 1e-9 * fabs(vy * t) + 1e-9;
      bad += wx != vx || wy != vy;
    }
  }
  CHECK(bad == 0);
  m = gm(1, 40);
  mec_mobility_state_t s;
  init(&m, &s, 3, 1);
  double vx, vy, sp0, sp_min = INFINITY, sp_max = 0;
  mec_mobility_velocity(&m, &s, 0, &vx, &vy);
  sp0 = hypot(vx, vy);
  int outside = 0, turned = 0;
  double pvx = vx;
  for (double t = 0.1; t < 200; t += 0.1) {
    double x, y;
    mec_mobility_at(&m, &s, t, &x, &y, &vx, &vy);
    sp_min = fmin(sp_min, hypot(vx, vy));
    sp_max = fmax(sp_max, hypot(vx, vy));
    outside += x < -20 || x > 20 || y < -20 || y > 20;
    turned += (vx > 0) != (pvx > 0);
    pvx = vx;
  }
  CHECK(outside == 0);
  CHECK(turned > 10); /* 2000 m of path in a 40 m box: it bounced */
  CHECK_REL(sp_min, sp0, 1e-12);
  CHECK_REL(sp_max, sp0, 1e-12);
}

/* Speeds seen at the middle of steps n = 0..N-1 of one device: mean,
 * variance, lag-1 autocorrelation. */
static void speed_stats(double alpha, double *mean, double *var, double *rho)
{
  enum { N = 100000 };
  mec_mobility_t m = gm(alpha, 1000);
  mec_mobility_state_t s;
  init(&m, &s, 11, 0);
  double *v = malloc(N * sizeof *v), sum = 0;
  for (int n = 0; n < N; n++) {
    double vx, vy;
    mec_mobility_velocity(&m, &s, (n + 0.5) * m.step, &vx, &vy);
    v[n] = hypot(vx, vy);
    sum += v[n];
  }
  *mean = sum / N;
  double s2 = 0, c1 = 0;
  for (int n = 0; n < N; n++) {
    s2 += (v[n] - *mean) * (v[n] - *mean);
    if (n > 0)
      c1 += (v[n] - *mean) * (v[n - 1] - *mean);
  }
  *var = s2 / (N - 1);
  *rho = c1 / s2;
  free(v);
}

static void test_gm_memory(void)
{
  double mean, var, rho;
  /* alpha = 0: independent N(10, 2^2) speeds each step */
  speed_stats(0, &mean, &var, &rho);
  printf("gauss-markov alpha 0: speed mean %.4f var %.4f lag-1 %.4f\n", mean, var, rho);
  CHECK_NEAR(mean, 10, 5 * 2 / sqrt(100000));
  CHECK_NEAR(var, 4, 5 * 4 * sqrt(2.0 / 100000));
  CHECK_NEAR(rho, 0, 5 / sqrt(100000));
  /* alpha = 0.9: the same stationary law, lag-1 correlation 0.9 */
  speed_stats(0.9, &mean, &var, &rho);
  printf("gauss-markov alpha 0.9: speed mean %.4f var %.4f lag-1 %.4f\n", mean, var, rho);
  CHECK_NEAR(mean, 10, 5 * 2 / sqrt(100000 / 19.0));
  CHECK_NEAR(var, 4, 5 * 4 * sqrt(2 * 1.81 / 0.19 / 100000));
  CHECK_NEAR(rho, 0.9, 0.01);
}

/* Many devices, small areas, with and without edge steering: every sampled
 * position is inside; steering keeps devices drifting east off the east side. */
static void test_gm_inside_area(void)
{
  double near_east[2];
  for (int edge = 0; edge <= 1; edge++) {
    mec_mobility_t m = gm(0.75, 60);
    m.ymin = -15, m.ymax = 15; /* 60 x 30 */
    m.mean_dir = 0;            /* east */
    m.dir_sd = 0.3;
    m.mean_speed = 5;
    m.edge = edge ? 8 : 0;
    char err[256];
    CHECK(mec_mobility_check(&m, err, sizeof err) == 0);
    long outside = 0, east = 0, n = 0;
    for (int d = 0; d < 200; d++) {
      mec_mobility_state_t s;
      init(&m, &s, 21, d);
      for (double t = 0; t < 500; t += 0.37) {
        double x, y;
        mec_mobility_position(&m, &s, t, &x, &y);
        outside += !(x >= -30 && x <= 30 && y >= -15 && y <= 15);
        east += x > 25;
        n++;
      }
    }
    near_east[edge] = (double)east / n;
    CHECK(outside == 0);
  }
  printf("gauss-markov: time within 5 m of the east side, drifting east: %.3f without edge steering, %.3f with\n",
         near_east[0], near_east[1]);
  CHECK(near_east[1] < 0.5 * near_east[0]);
}

/* --------------------------------------------------------------- laziness */

static void trace_model(mec_mobility_t *m, mec_position_trace_t **tr)
{
  char err[256];
  const char *text = "time,device,x,y\n0,0,0,0\n100,0,50,0\n400,0,50,300\n0,1,7,7\n";
  *tr = mec_position_trace_parse(text, strlen(text), "lazy.csv", 2, err, sizeof err);
  mec_mobility_defaults(m, MEC_MOBILITY_TRACE);
  m->trace = *tr;
}

/* Querying t1 then t2 gives bit for bit the position of a direct query at
 * t2; a query back in time replays the device and gives the direct answer
 * too; the work done is the same legs/steps. */
static void test_lazy_order_independent(void)
{
  mec_position_trace_t *tr;
  mec_mobility_t models[3];
  models[0] = rwp_unit("uniform:1:3", "exp:2", 200, 100);
  models[1] = gm(0.8, 200);
  trace_model(&models[2], &tr);
  CHECK(tr != NULL);
  int mismatch = 0, work_mismatch = 0;
  for (int k = 0; k < 3; k++) {
    const mec_mobility_t *m = &models[k];
    for (int d = 0; d < (k == 2 ? 2 : 50); d++) {
      mec_mobility_state_t a, b, c;
      double t1 = 37.3 + d, t2 = 512.9 + 3 * d, xa, ya, xb, yb, xc, yc, xd, yd;
      init(m, &a, 77, d), init(m, &b, 77, d), init(m, &c, 77, d);
      mec_mobility_position(m, &a, t1, &xa, &ya);
      mec_mobility_position(m, &a, t2, &xa, &ya); /* t1 then t2 */
      mec_mobility_position(m, &b, t2, &xb, &yb); /* t2 directly */
      mismatch += xa != xb || ya != yb;
      work_mismatch += a.work != b.work;
      mec_mobility_position(m, &c, t2, &xc, &yc);
      mec_mobility_position(m, &c, t1, &xc, &yc); /* back in time: replay */
      mec_mobility_state_t e;
      init(m, &e, 77, d);
      mec_mobility_position(m, &e, t1, &xd, &yd);
      mismatch += xc != xd || yc != yd;
      /* and forward again from the replayed state */
      mec_mobility_position(m, &c, t2, &xc, &yc);
      mismatch += xc != xb || yc != yb;
      if (k == 1) /* gauss-markov: one step per Delta t, no more */
        work_mismatch += b.work != (uint64_t)floor(t2 / m->step);
    }
  }
  CHECK(mismatch == 0);
  CHECK(work_mismatch == 0);
  mec_position_trace_free(tr);
}

/* A device's position depends on (seed, device, t) only: among 10^5
 * initialised devices, querying one costs the same legs as querying it
 * alone, and the others' states are untouched. */
static void test_lazy_independent_devices(void)
{
  enum { D = 100000 };
  CHECK(sizeof(mec_mobility_state_t) <= 88);
  mec_mobility_t m = rwp_unit("uniform:1:3", "const:1", 200, 200);
  mec_mobility_state_t *all = malloc(D * sizeof *all);
  for (int d = 0; d < D; d++)
    init(&m, &all[d], 5, d);
  mec_mobility_state_t before = all[12346], alone;
  double x, y, xa, ya;
  mec_mobility_position(&m, &all[12345], 3600, &x, &y);
  init(&m, &alone, 5, 12345);
  mec_mobility_position(&m, &alone, 3600, &xa, &ya);
  CHECK(x == xa && y == ya);
  CHECK(all[12345].work == alone.work);
  CHECK(all[12345].work > 20 && all[12345].work < 1000); /* ~53 s per leg: about 70 legs */
  CHECK(memcmp(&before, &all[12346], sizeof before) == 0);
  /* time-ordered sweeps of every device: total work = the legs walked */
  uint64_t work = 0;
  for (double t = 10; t <= 60; t += 10)
    for (int d = 0; d < D; d++)
      mec_mobility_position(&m, &all[d], t, &x, &y);
  for (int d = 0; d < D; d++)
    work += all[d].work;
  init(&m, &alone, 5, 777);
  mec_mobility_position(&m, &alone, 60, &x, &y);
  CHECK(alone.work == all[777].work);
  printf("lazy: 10^5 rwp devices swept 6 times to t = 60 s: %.2f legs per device\n", (double)work / D);
  CHECK(work < (uint64_t)D * 60); /* < 1 leg per device-second: no per-query replay */
  free(all);
}

/* From t to mec_mobility_linear_until(t) the position moves at the velocity
 * reported for t: checked at points inside many such pieces of every model
 * (rwp legs and pauses, gauss-markov steps cut at the sides, trace
 * segments, static forever). */
static void test_linear_until(void)
{
  mec_position_trace_t *tr;
  mec_mobility_t models[4];
  models[0] = rwp_unit("uniform:1:3", "exp:2", 200, 100);
  models[1] = gm(0.8, 40); /* 10 m/s in 40 m: many reflections */
  trace_model(&models[2], &tr);
  mec_mobility_defaults(&models[3], MEC_MOBILITY_STATIC);
  int bad = 0, pieces = 0, walls = 0;
  for (int k = 0; k < 4; k++)
    for (int d = 0; d < (k == 2 ? 2 : 10); d++) {
      mec_mobility_state_t s;
      init(&models[k], &s, 9, d);
      double t = 0;
      for (int i = 0; i < 300 && t < 1e4; i++) {
        double x, y, vx, vy, end = mec_mobility_linear_until(&models[k], &s, t);
        mec_mobility_at(&models[k], &s, t, &x, &y, &vx, &vy);
        bad += !(end >= t);
        double stop = fmin(end, t + 50);
        static const double fr[] = {0.25, 0.5, 0.999};
        for (int j = 0; j < 3; j++) {
          double tm = t + fr[j] * (stop - t), xm, ym;
          mec_mobility_position(&models[k], &s, tm, &xm, &ym);
          double ex = x + vx * (tm - t), ey = y + vy * (tm - t);
          bad += fabs(xm - ex) > 1e-9 * (fabs(ex) + 1) || fabs(ym - ey) > 1e-9 * (fabs(ey) + 1);
        }
        if (k == 1) { /* gauss-markov: cut at a side or at the next step */
          double n = end / models[k].step;
          walls += fabs(n - round(n)) > 1e-9;
        }
        pieces++;
        t = isfinite(end) && end > t ? end : t + 10;
      }
    }
  printf("linear_until: %d pieces checked, %d gauss-markov pieces ended at a side\n", pieces, walls);
  CHECK(bad == 0);
  CHECK(walls > 50);
  CHECK(isinf(mec_mobility_linear_until(&models[3], &(mec_mobility_state_t){0}, 5)));
  CHECK(isnan(mec_mobility_linear_until(&models[0], &(mec_mobility_state_t){0}, -1)));
  mec_position_trace_free(tr);
}

static void test_reproducible(void)
{
  mec_mobility_t m = rwp_unit("const:1", "const:0", 100, 100);
  mec_mobility_state_t a, b, c, e;
  init(&m, &a, 1, 3), init(&m, &b, 1, 3), init(&m, &c, 2, 3), init(&m, &e, 1, 4);
  double xa, ya, xb, yb, xc, yc, xe, ye;
  mec_mobility_position(&m, &a, 77, &xa, &ya);
  mec_mobility_position(&m, &b, 77, &xb, &yb);
  mec_mobility_position(&m, &c, 77, &xc, &yc);
  mec_mobility_position(&m, &e, 77, &xe, &ye);
  CHECK(xa == xb && ya == yb); /* same seed, same device */
  CHECK(xa != xc && ya != yc); /* another run seed */
  CHECK(xa != xe && ya != ye); /* another device */
  /* the placement stream of device d is not the mobility stream */
  CHECK(a.seed != mec_stream_seed(1, MEC_STREAM_PLACEMENT, 3));
}

static void test_trace_model(void)
{
  mec_mobility_t m;
  mec_position_trace_t *tr;
  trace_model(&m, &tr);
  char err[256];
  CHECK(mec_mobility_check(&m, err, sizeof err) == 0);
  mec_mobility_state_t s;
  CHECK(mec_mobility_init_device(&m, &s, 1, 0, 0, 0, err, sizeof err) == 0);
  double x, y, vx, vy;
  mec_mobility_at(&m, &s, 50, &x, &y, &vx, &vy);
  CHECK_REL(x, 25, 1e-12);
  CHECK(y == 0 && vx == 0.5 && vy == 0);
  mec_mobility_at(&m, &s, 250, &x, &y, &vx, &vy);
  CHECK(x == 50);
  CHECK_REL(y, 150, 1e-12);
  CHECK_REL(vy, 1, 1e-12);
  mec_mobility_at(&m, &s, 1e5, &x, &y, &vx, &vy);
  CHECK(x == 50 && y == 300 && vx == 0 && vy == 0);
  CHECK(mec_mobility_init_device(&m, &s, 1, 2, 0, 0, err, sizeof err) == -1);
  CHECK(strcmp(err, "mobility trace: device 2 is not in the position trace (devices 0..1)") == 0);
  mec_position_trace_free(tr);
}

/* ----------------------------------------------------------- validation */

static int check_says(const mec_mobility_t *m, const char *want)
{
  char err[512] = "";
  int rc = mec_mobility_check(m, err, sizeof err);
  if (rc != -1 || strcmp(err, want) != 0) {
    fprintf(stderr, "  rc %d, got:  %s\n  want: %s\n", rc, err, want);
    return 0;
  }
  return 1;
}

static int check_contains(const mec_mobility_t *m, const char *needle)
{
  char err[512] = "";
  int rc = mec_mobility_check(m, err, sizeof err);
  if (rc != -1 || !strstr(err, needle)) {
    fprintf(stderr, "  rc %d, got: %s\n  (looking for '%s')\n", rc, err, needle);
    return 0;
  }
  return 1;
}

static void test_check_parameters(void)
{
  char err[512];
  mec_mobility_t m;
  for (int k = MEC_MOBILITY_STATIC; k <= MEC_MOBILITY_GAUSS_MARKOV; k++) {
    mec_mobility_defaults(&m, (mec_mobility_kind_t)k);
    CHECK(mec_mobility_check(&m, err, sizeof err) == 0);
  }
  mec_mobility_defaults(&m, MEC_MOBILITY_TRACE);
  CHECK(check_says(&m, "mobility trace: no position trace loaded"));
  m.kind = (mec_mobility_kind_t)9;
  CHECK(check_says(&m, "mobility kind 9: expected static, rwp, gauss-markov or trace"));

  mec_mobility_t r;
  mec_mobility_defaults(&r, MEC_MOBILITY_RWP);
  m = r, m.xmax = m.xmin;
  CHECK(check_says(&m, "mobility rwp: area [-100, -100] x [-100, 100] m: expected xmin < xmax and ymin < ymax"));
  m = r, m.ymin = NAN;
  CHECK(check_says(&m, "mobility rwp: ymin = nan m: expected a finite number in [-1e+09, 1e+09]"));
  m = r, m.xmax = 2e9;
  CHECK(check_says(&m, "mobility rwp: xmax = 2e+09 m: expected a finite number in [-1e+09, 1e+09]"));
  m = r, m.speed = (mec_dist_t){MEC_DIST_UNIFORM, 0, 2};
  CHECK(check_says(&m, "mobility rwp: speed 'uniform:0:2' m/s: expected speeds in (0, 10000]"));
  m = r, m.speed = (mec_dist_t){MEC_DIST_CONST, 2e4, 0};
  CHECK(check_says(&m, "mobility rwp: speed 'const:20000' m/s: expected speeds in (0, 10000]"));
  m = r, m.speed = (mec_dist_t){MEC_DIST_EXP, 1, 0};
  CHECK(check_contains(&m, "mobility rwp: speed 'exp:1': a speed distribution with density at 0 has no stationary regime"));
  m = r, m.speed = (mec_dist_t){MEC_DIST_NORMAL, 1, 0.5};
  CHECK(check_contains(&m, "no stationary regime"));
  m = r, m.speed = (mec_dist_t){MEC_DIST_LOGNORMAL, 0, 5};
  CHECK(check_says(&m, "mobility rwp: speed 'lognormal:0:5' m/s: expected SIGMA in [0, 3] and a mean speed up to 10000"));
  m = r, m.pause = (mec_dist_t){MEC_DIST_NORMAL, 1, 1};
  CHECK(check_says(&m, "mobility rwp: pause 'normal:1:1': expected const:P, uniform:A:B, exp:MEAN or lognormal:MU:SIGMA"));
  m = r, m.pause = (mec_dist_t){MEC_DIST_CONST, -1, 0};
  CHECK(check_says(&m, "mobility rwp: pause 'const:-1' s: expected non-negative pauses with a mean up to 1e+12"));
  m = r, m.start = (mec_rwp_start_t)5;
  CHECK(check_says(&m, "mobility rwp: start = 5: expected stationary or uniform"));

  mec_mobility_t g;
  mec_mobility_defaults(&g, MEC_MOBILITY_GAUSS_MARKOV);
  m = g, m.alpha = 1.5;
  CHECK(check_says(&m, "mobility gauss-markov: alpha = 1.5: expected a finite number in [0, 1]"));
  m = g, m.alpha = NAN;
  CHECK(check_says(&m, "mobility gauss-markov: alpha = nan: expected a finite number in [0, 1]"));
  m = g, m.mean_speed = -1;
  CHECK(check_says(&m, "mobility gauss-markov: mean_speed = -1 m/s: expected a finite number in [0, 10000]"));
  m = g, m.speed_sd = INFINITY;
  CHECK(check_says(&m, "mobility gauss-markov: speed_sd = inf m/s: expected a finite number in [0, 10000]"));
  m = g, m.dir_sd = -0.1;
  CHECK(check_says(&m, "mobility gauss-markov: dir_sd = -0.1 rad: expected a finite number in [0, 1000]"));
  m = g, m.step = 0;
  CHECK(check_says(&m, "mobility gauss-markov: step = 0 s: expected a finite number in [1e-06, 1e+06]"));
  m = g, m.edge = 150;
  CHECK(check_says(&m, "mobility gauss-markov: edge = 150 m: expected a finite number in [0, 100) (half the shorter side)"));
  m = g, m.ymax = m.ymin - 1;
  CHECK(check_says(&m, "mobility gauss-markov: area [-100, 100] x [-100, -101] m: expected xmin < xmax and ymin < ymax"));

  mec_mobility_kind_t k;
  CHECK(mec_mobility_kind_parse("gauss-markov", &k, err, sizeof err) == 0 && k == MEC_MOBILITY_GAUSS_MARKOV);
  CHECK(mec_mobility_kind_parse("rwp", &k, err, sizeof err) == 0 && k == MEC_MOBILITY_RWP);
  CHECK(mec_mobility_kind_parse("walk", &k, err, sizeof err) == -1);
  CHECK(strcmp(err, "mobility 'walk': expected static, rwp, gauss-markov or trace") == 0);
  CHECK(strcmp(mec_mobility_kind_name(MEC_MOBILITY_TRACE), "trace") == 0);

  /* bad query times leave the outputs alone */
  mec_mobility_state_t s;
  mec_mobility_defaults(&m, MEC_MOBILITY_RWP);
  init(&m, &s, 1, 0);
  double x = 123, y = 456;
  CHECK(mec_mobility_position(&m, &s, -1, &x, &y) == -1);
  CHECK(mec_mobility_position(&m, &s, NAN, &x, &y) == -1);
  CHECK(mec_mobility_position(&m, &s, 2e12, &x, &y) == -1);
  CHECK(x == 123 && y == 456);
  CHECK(mec_mobility_init_device(&m, &s, 1, -1, 0, 0, err, sizeof err) == -1);
  CHECK(strcmp(err, "mobility rwp: device -1: expected an index >= 0") == 0);
}

int main(void)
{
  RUN(test_static);
  RUN(test_rwp_constant_speed);
  RUN(test_rect_mean_distance);
  RUN(test_rwp_stationary_square);
  RUN(test_rwp_stationary_1d);
  RUN(test_rwp_stationary_rectangle);
  RUN(test_gm_alpha1_straight);
  RUN(test_gm_memory);
  RUN(test_gm_inside_area);
  RUN(test_lazy_order_independent);
  RUN(test_lazy_independent_devices);
  RUN(test_linear_until);
  RUN(test_reproducible);
  RUN(test_trace_model);
  RUN(test_check_parameters);
  return CHECK_DONE();
}
