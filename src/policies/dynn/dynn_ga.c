/* dynn_ga.c - the DyNN paper's GA baseline (see dynn_ga.h). */
#include "policies/dynn/dynn_ga.h"

#include <float.h>
#include <gsl/gsl_randist.h>
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dynn_ga_cfg_t dynn_ga_cfg_default(int joint)
{
  int every = joint ? 40 : 25;
  return (dynn_ga_cfg_t){
      .joint = joint ? 1 : 0,
      .max_iter = 200,
      .patience = 2 * every,
      .tol = 1e-9,
      .pop_factor = 6.0,
      .cx_rate = 0.2,
      .mut_rate = 0.1,
      .cx_decay = 0.5,
      .mut_decay = 0.25,
      .decay_every = every,
      .mut_sigma = 0.1,
      .mut_redraw = 0.0,
      .elite = 1,
  };
}

int dynn_ga_cfg_check(const dynn_ga_cfg_t *c, char *err, size_t errlen)
{
#define BAD(...)                                                                                   \
  do {                                                                                             \
    if (err && errlen)                                                                             \
      snprintf(err, errlen, __VA_ARGS__);                                                          \
    return -1;                                                                                     \
  } while (0)
  if (!c)
    BAD("dynn ga: no configuration");
  if (c->joint != 0 && c->joint != 1)
    BAD("dynn ga: joint must be 0 or 1 (got %d)", c->joint);
  if (c->max_iter < 0)
    BAD("dynn ga: max_iter must be >= 0 (got %d)", c->max_iter);
  if (c->patience < 0)
    BAD("dynn ga: patience must be >= 0 (got %d)", c->patience);
  if (c->max_iter == 0 && c->patience == 0)
    BAD("dynn ga: max_iter and patience are both 0 (no stopping rule)");
  if (!(c->tol >= 0) || !isfinite(c->tol))
    BAD("dynn ga: tol must be finite and >= 0 (got %g)", c->tol);
  if (!(c->pop_factor > 0) || !(c->pop_factor <= 1e6))
    BAD("dynn ga: pop_factor must be in (0, 1e6] (got %g)", c->pop_factor);
  if (!(c->cx_rate >= 0 && c->cx_rate <= 1))
    BAD("dynn ga: cx_rate must be in [0, 1] (got %g)", c->cx_rate);
  if (!(c->mut_rate >= 0 && c->mut_rate <= 1))
    BAD("dynn ga: mut_rate must be in [0, 1] (got %g)", c->mut_rate);
  if (!(c->cx_decay > 0 && c->cx_decay <= 1))
    BAD("dynn ga: cx_decay must be in (0, 1] (got %g)", c->cx_decay);
  if (!(c->mut_decay > 0 && c->mut_decay <= 1))
    BAD("dynn ga: mut_decay must be in (0, 1] (got %g)", c->mut_decay);
  if (c->decay_every < 1)
    BAD("dynn ga: decay_every must be >= 1 (got %d)", c->decay_every);
  if (!(c->mut_sigma > 0) || !isfinite(c->mut_sigma))
    BAD("dynn ga: mut_sigma must be finite and > 0 (got %g)", c->mut_sigma);
  if (!(c->mut_redraw >= 0 && c->mut_redraw <= 1))
    BAD("dynn ga: mut_redraw must be in [0, 1] (got %g)", c->mut_redraw);
  if (c->elite < 1)
    BAD("dynn ga: elite must be >= 1 (got %d)", c->elite);
#undef BAD
  return 0;
}

double dynn_ga_decayed_rate(double rate0, double decay, int decay_every, int t)
{
  if (t < 0)
    t = 0;
  if (decay_every < 1)
    decay_every = 1;
  return rate0 * pow(decay, (double)(t / decay_every));
}

double dynn_ga_cx_rate_at(const dynn_ga_cfg_t *cfg, int t)
{
  return dynn_ga_decayed_rate(cfg->cx_rate, cfg->cx_decay, cfg->decay_every, t);
}

double dynn_ga_mut_rate_at(const dynn_ga_cfg_t *cfg, int t)
{
  return dynn_ga_decayed_rate(cfg->mut_rate, cfg->mut_decay, cfg->decay_every, t);
}

int dynn_ga_pop_size(const dynn_ga_cfg_t *cfg, size_t n)
{
  double P = ceil(cfg->pop_factor * (double)n - 1e-9);
  if (P < DYNN_GA_MIN_POP)
    P = DYNN_GA_MIN_POP;
  if (P > INT_MAX / 4)
    P = INT_MAX / 4;
  return (int)P;
}

/* Work space of one solve. Genes of individual k: g[k G + i] the bandwidth
 * gene of user i, g[k G + n + i] its CPU gene, g[k G + 2n + i] its offloading
 * gene (joint only, 0.0 or 1.0). */
typedef struct {
  const dynn_ga_cfg_t *cfg;
  const dynn_params_t *p;
  const dynn_user_t *u;
  size_t n, G;
  int P;
  double *pop, *next, *cost, *ncost, *cum, *c1, *c2;
  int *x;
  double *b, *f;
  unsigned char *taken;
} ga_t;

/* Decodes genes g into (x, b, f): shares of the offloaded users' genes,
 * scaled a few ulps under the budgets so that sum b <= b_max and sum f <=
 * f_ser also after rounding. */
static void decode(const ga_t *w, const double *g, int *x, double *b, double *f)
{
  size_t n = w->n;
  double sb = 0, sf = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    x[i] = w->cfg->joint ? g[2 * n + i] > 0.5 : 1;
    if (x[i]) {
      sb += g[i];
      sf += g[n + i];
      k++;
    }
  }
  double safe = 1.0 - 8.0 * (double)(n + 1) * DBL_EPSILON;
  double bmax = w->p->b_max * safe, fser = w->p->f_ser * safe;
  for (size_t i = 0; i < n; i++) {
    if (!x[i]) {
      b[i] = f[i] = 0.0;
      continue;
    }
    b[i] = sb > 0 ? bmax * (g[i] / sb) : bmax / (double)k;
    f[i] = sf > 0 ? fser * (g[n + i] / sf) : fser / (double)k;
  }
}

/* The cost (11a) of genes g, T_infer = 0; NaN (e.g. alpha = 0 times an
 * infinite delay) counts as +inf. */
static double evaluate(ga_t *w, const double *g)
{
  decode(w, g, w->x, w->b, w->f);
  dynn_slot_eval_t ev = dynn_eval_slot(w->p, w->u, w->n, w->x, w->b, w->f, 0.0, 0.0, NULL, NULL, NULL);
  return isnan(ev.objective) ? INFINITY : ev.objective;
}

/* Cumulative windowed fitness of the population (dynn_ga.h); returns the
 * total, 0 when the wheel cannot be used (then parents are drawn uniformly). */
static double build_wheel(ga_t *w)
{
  double jmin = INFINITY, jmax = -INFINITY;
  for (int k = 0; k < w->P; k++)
    if (isfinite(w->cost[k])) {
      jmin = fmin(jmin, w->cost[k]);
      jmax = fmax(jmax, w->cost[k]);
    }
  if (!(jmin <= jmax))
    return 0.0; /* no finite cost */
  double top = jmax + DYNN_GA_WINDOW * (jmax - jmin), acc = 0.0;
  for (int k = 0; k < w->P; k++) {
    double F = 0.0;
    if (isfinite(w->cost[k]))
      F = jmax > jmin ? top - w->cost[k] : 1.0;
    acc += F;
    w->cum[k] = acc;
  }
  return isfinite(acc) ? acc : 0.0;
}

static int spin(const ga_t *w, double total, gsl_rng *rng)
{
  if (!(total > 0))
    return (int)gsl_rng_uniform_int(rng, (unsigned long)w->P);
  double r = gsl_rng_uniform(rng) * total;
  int lo = 0, hi = w->P - 1; /* first k with cum[k] > r */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (w->cum[mid] > r)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

static void mutate(const ga_t *w, double *g, double rate, gsl_rng *rng)
{
  size_t nreal = 2 * w->n;
  for (size_t i = 0; i < w->G; i++) {
    if (!(gsl_rng_uniform(rng) < rate))
      continue;
    if (i >= nreal) {
      g[i] = g[i] > 0.5 ? 0.0 : 1.0;
      continue;
    }
    if (w->cfg->mut_redraw > 0 && gsl_rng_uniform(rng) < w->cfg->mut_redraw) {
      g[i] = gsl_rng_uniform_pos(rng);
      continue;
    }
    double v = g[i] + gsl_ran_gaussian(rng, w->cfg->mut_sigma);
    while (v < 0.0 || v > 1.0) /* reflect into [0, 1] */
      v = v < 0.0 ? -v : 2.0 - v;
    g[i] = v;
  }
}

/* Copies the cfg->elite best individuals of pop into next, best first
 * (ties by index), by repeated scans: E is small. */
static size_t elite_copy(ga_t *w)
{
  size_t E = (size_t)w->cfg->elite, P = (size_t)w->P, G = w->G;
  if (E >= P)
    E = P - 1;
  memset(w->taken, 0, P);
  for (size_t e = 0; e < E; e++) {
    size_t k = P;
    for (size_t j = 0; j < P; j++)
      if (!w->taken[j] && (k == P || w->cost[j] < w->cost[k]))
        k = j;
    w->taken[k] = 1;
    memcpy(w->next + e * G, w->pop + k * G, G * sizeof *w->next);
    w->ncost[e] = w->cost[k];
  }
  return E;
}

static int argmin(const double *c, int P)
{
  int best = 0;
  for (int k = 1; k < P; k++)
    if (c[k] < c[best])
      best = k;
  return best;
}

int dynn_ga_solve(const dynn_ga_cfg_t *cfg, const dynn_params_t *p, const dynn_user_t *u, size_t n, gsl_rng *rng,
                  int *x, double *b, double *f, dynn_ga_result_t *res)
{
  if (dynn_ga_cfg_check(cfg, NULL, 0) < 0 || !p || !rng)
    return -1;
  dynn_ga_result_t r = {0};
  if (n == 0) {
    if (res)
      *res = r;
    return 0;
  }
  if (!u || !x || !b || !f)
    return -1;
  ga_t w = {.cfg = cfg, .p = p, .u = u, .n = n, .G = (cfg->joint ? 3 : 2) * n};
  w.P = dynn_ga_pop_size(cfg, n);
  size_t P = (size_t)w.P, G = w.G;
  if (G > SIZE_MAX / sizeof(double) / P)
    return -1;
  w.pop = malloc(P * G * sizeof *w.pop);
  w.next = malloc(P * G * sizeof *w.next);
  w.cost = malloc(P * sizeof *w.cost);
  w.ncost = malloc(P * sizeof *w.ncost);
  w.cum = malloc(P * sizeof *w.cum);
  w.c1 = malloc(G * sizeof *w.c1);
  w.c2 = malloc(G * sizeof *w.c2);
  w.x = malloc(n * sizeof *w.x);
  w.b = malloc(n * sizeof *w.b);
  w.f = malloc(n * sizeof *w.f);
  w.taken = malloc(P);
  int rc = -1;
  if (!w.pop || !w.next || !w.cost || !w.ncost || !w.cum || !w.c1 || !w.c2 || !w.x || !w.b || !w.f || !w.taken)
    goto out;

  /* initial population: resource genes U(0, 1], offloading genes fair coins */
  for (size_t k = 0; k < P; k++) {
    double *g = w.pop + k * G;
    for (size_t i = 0; i < 2 * n; i++)
      g[i] = gsl_rng_uniform_pos(rng);
    for (size_t i = 2 * n; i < G; i++)
      g[i] = gsl_rng_uniform(rng) < 0.5 ? 0.0 : 1.0;
    w.cost[k] = evaluate(&w, g);
  }
  r.pop_size = w.P;
  r.evaluations = (double)P;
  int best = argmin(w.cost, w.P);
  double best_cost = w.cost[best], ref_cost = best_cost;
  int stagnant = 0;

  for (int t = 0; cfg->max_iter == 0 || t < cfg->max_iter; t++) {
    double pc = dynn_ga_cx_rate_at(cfg, t), pm = dynn_ga_mut_rate_at(cfg, t);
    double total = build_wheel(&w);
    size_t E = elite_copy(&w);
    for (size_t k = E; k < P; k += 2) {
      const double *p1 = w.pop + (size_t)spin(&w, total, rng) * G;
      const double *p2 = w.pop + (size_t)spin(&w, total, rng) * G;
      memcpy(w.c1, p1, G * sizeof *w.c1);
      memcpy(w.c2, p2, G * sizeof *w.c2);
      if (gsl_rng_uniform(rng) < pc) /* uniform crossover */
        for (size_t i = 0; i < G; i++)
          if (gsl_rng_uniform(rng) < 0.5) {
            double v = w.c1[i];
            w.c1[i] = w.c2[i];
            w.c2[i] = v;
          }
      for (size_t j = 0; j < 2 && k + j < P; j++) {
        double *child = w.next + (k + j) * G;
        memcpy(child, j ? w.c2 : w.c1, G * sizeof *child);
        mutate(&w, child, pm, rng);
        w.ncost[k + j] = evaluate(&w, child);
        r.evaluations += 1.0;
      }
    }
    double *tmp = w.pop;
    w.pop = w.next;
    w.next = tmp;
    tmp = w.cost;
    w.cost = w.ncost;
    w.ncost = tmp;
    r.iterations = t + 1;
    best = argmin(w.cost, w.P);
    double c = w.cost[best];
    /* progress is measured from the cost at the last counted improvement,
     * so that a slow drift of sub-tol steps still counts once it adds up */
    int improved = c < ref_cost && (!isfinite(ref_cost) || ref_cost - c > cfg->tol * fabs(ref_cost));
    if (improved)
      ref_cost = c;
    if (c < best_cost) {
      best_cost = c;
      r.best_iter = t + 1;
    }
    stagnant = improved ? 0 : stagnant + 1;
    if (cfg->patience > 0 && stagnant >= cfg->patience) {
      r.converged = 1;
      break;
    }
  }

  decode(&w, w.pop + (size_t)best * G, x, b, f);
  r.objective = w.cost[best];
  r.flops = r.evaluations * (double)n * DYNN_GA_FLOPS_PER_USER(cfg->joint);
  if (res)
    *res = r;
  rc = 0;
out:
  free(w.pop);
  free(w.next);
  free(w.cost);
  free(w.ncost);
  free(w.cum);
  free(w.c1);
  free(w.c2);
  free(w.x);
  free(w.b);
  free(w.f);
  free(w.taken);
  return rc;
}
