/* memtl_label.c - the label generator (memtl_label.h): exact greedy per
 * offloading vector, and the blind enumeration it is tested against. */
#include "policies/memtl/memtl_label.h"

#include <math.h>
#include <string.h>

int memtl_grid_units(double step)
{
  if (!(step > 0 && step <= 1))
    return 0;
  double k = 1.0 / step, kr = round(k);
  if (fabs(k - kr) > 1e-9 * kr || kr > MEMTL_MAX_GRID)
    return 0;
  return (int)kr;
}

double memtl_brute_points(size_t n, int units)
{
  /* sum over offloader counts s of C(n, s) C(units - 1, s - 1); s = 0 is one point */
  double total = 1;
  for (size_t s = 1; s <= n && (int)s <= units; s++) {
    double cn = 1, ck = 1;
    for (size_t j = 0; j < s; j++)
      cn = cn * (double)(n - j) / (double)(j + 1);
    for (size_t j = 0; j + 1 < s; j++)
      ck = ck * (double)(units - 1 - (int)j) / (double)(j + 1);
    total += cn * ck;
  }
  return total;
}

/* A search in progress: the best decision with and without deadlines. */
typedef struct search {
  const memtl_mt_t *mt;
  const memtl_pre_t *pre;
  size_t n;
  double step;
  memtl_label_t best_ok, best_any; /* cost +inf until found */
  uint64_t work;
} search_t;

static void offer(search_t *s, const int *d, const int *k, int feasible)
{
  double r[MEMTL_MAX_N];
  for (size_t i = 0; i < s->n; i++)
    r[i] = d[i] ? (double)k[i] * s->step : 0.0;
  double c = memtl_total_cost(s->pre, s->n, d, r);
  memtl_label_t *slots[2] = {&s->best_any, feasible ? &s->best_ok : NULL};
  for (int j = 0; j < 2; j++) {
    memtl_label_t *b = slots[j];
    if (!b || !(c < b->cost))
      continue;
    memcpy(b->d, d, s->n * sizeof *d);
    memcpy(b->r, r, s->n * sizeof *r);
    b->cost = c;
  }
}

static void finish(search_t *s, memtl_label_t *out)
{
  /* best_ok.cost stays +inf only when no decision met the deadlines */
  int ok = s->best_ok.cost < INFINITY;
  *out = ok ? s->best_ok : s->best_any;
  if (!ok && !(s->best_any.cost < INFINITY)) {
    /* every decision costs +inf (e.g. no local CPU and no channel): all local */
    memset(out->d, 0, sizeof out->d);
    memset(out->r, 0, sizeof out->r);
  }
  out->feasible = ok;
  out->code = memtl_code(out->d, s->n);
  out->work = s->work;
}

static int begin(search_t *s, const memtl_params_t *p, const memtl_mt_t *mt, size_t n, double step,
                 memtl_pre_t *pre, int *units)
{
  *units = memtl_grid_units(step);
  if (!*units || memtl_precompute(p, mt, n, pre) < 0)
    return -1;
  memset(s, 0, sizeof *s);
  s->mt = mt;
  s->pre = pre;
  s->n = n;
  s->step = step;
  s->best_ok.cost = INFINITY;
  s->best_any.cost = INFINITY;
  return 0;
}

/* Smallest unit count k in [1, units] meeting MT i's deadline when
 * offloaded, or units + 1 if none does. Checked with memtl_offload_delay
 * itself, so it agrees with memtl_meets_deadlines to the last bit. */
static int lower_units(search_t *s, size_t i, int units)
{
  double theta = s->mt[i].deadline;
  if (theta <= 0)
    return 1;
  const memtl_pre_t *q = &s->pre[i];
  double avail = theta - q->tx_delay;
  if (!(avail > 0))
    return units + 1;
  double kf = q->exec_delay / (s->step * avail);
  if (!(kf <= units + 1.0))
    return units + 1;
  int k = kf < 1 ? 1 : (int)floor(kf);
  while (k <= units && !(memtl_offload_delay(q, (double)k * s->step) < theta)) {
    k++;
    s->work++;
  }
  while (k > 1 && memtl_offload_delay(q, (double)(k - 1) * s->step) < theta) {
    k--;
    s->work++;
  }
  return k;
}

/* Greedy allocation of the units left after the lower bounds k[] to the
 * offloaders of d (exact for the convex separable sum of w_i / R_i). */
static void greedy(search_t *s, const int *d, int *k, int left)
{
  for (; left > 0; left--) {
    int best = -1;
    double gain = -1;
    for (size_t i = 0; i < s->n; i++) {
      if (!d[i])
        continue;
      double w = s->pre[i].exec_weight;
      double g = w / ((double)k[i] * s->step) - w / ((double)(k[i] + 1) * s->step);
      if (!(g >= 0))
        g = 0; /* an infinite weight (no server speed): any unit is as good */
      if (g > gain) {
        gain = g;
        best = (int)i;
      }
      s->work++;
    }
    if (best < 0)
      return; /* no offloader: nothing to hand out */
    k[best]++;
  }
}

int memtl_label_exact(const memtl_params_t *p, const memtl_mt_t *mt, size_t n, double step, memtl_label_t *out)
{
  search_t s;
  memtl_pre_t pre[MEMTL_MAX_N];
  int units;
  if (!out || begin(&s, p, mt, n, step, pre, &units) < 0)
    return -1;
  int d[MEMTL_MAX_N], k[MEMTL_MAX_N];
  for (uint32_t code = 0; code < (1u << n); code++) {
    memtl_decode(code, n, d);
    int off = 0, locals_ok = 1;
    for (size_t i = 0; i < n; i++) {
      off += d[i];
      if (!d[i] && mt[i].deadline > 0 && !(pre[i].delay_local < mt[i].deadline))
        locals_ok = 0;
    }
    if (off > units)
      continue; /* no grid point gives every offloader a unit */
    /* ignoring deadlines (the fallback when nothing is feasible) */
    for (size_t i = 0; i < n; i++)
      k[i] = d[i] ? 1 : 0;
    greedy(&s, d, k, off ? units - off : 0);
    if (off == 0)
      s.work++;
    offer(&s, d, k, 0);
    if (!locals_ok)
      continue;
    int need = 0;
    for (size_t i = 0; i < n && need <= units; i++)
      need += (k[i] = d[i] ? lower_units(&s, i, units) : 0);
    if (need > units)
      continue;
    greedy(&s, d, k, off ? units - need : 0);
    offer(&s, d, k, 1);
  }
  finish(&s, out);
  return 0;
}

/* Next composition of `units` into m positive parts in lexicographic order
 * of (k[idx[0]], ..., k[idx[m-1]]): bump the rightmost part that has slack
 * after it, reset the parts between to 1, the last takes the rest. 0 when
 * the last composition was reached. */
static int next_composition(int *k, const size_t *idx, size_t m, int units)
{
  for (int j = (int)m - 2; j >= 0; j--) {
    int after = 0;
    for (size_t t = (size_t)j + 1; t < m; t++)
      after += k[idx[t]];
    if (after - (int)(m - 1 - (size_t)j) <= 0)
      continue; /* everything after j is at 1 */
    k[idx[j]]++;
    int used = 0;
    for (size_t t = 0; t <= (size_t)j; t++)
      used += k[idx[t]];
    for (size_t t = (size_t)j + 1; t + 1 < m; t++, used++)
      k[idx[t]] = 1;
    k[idx[m - 1]] = units - used;
    return 1;
  }
  return 0;
}

int memtl_label_brute(const memtl_params_t *p, const memtl_mt_t *mt, size_t n, double step, memtl_label_t *out)
{
  search_t s;
  memtl_pre_t pre[MEMTL_MAX_N];
  int units;
  if (!out || begin(&s, p, mt, n, step, pre, &units) < 0)
    return -1;
  int d[MEMTL_MAX_N], k[MEMTL_MAX_N];
  for (uint32_t code = 0; code < (1u << n); code++) {
    memtl_decode(code, n, d);
    int off = 0;
    for (size_t i = 0; i < n; i++)
      off += d[i];
    if (off > units)
      continue;
    /* odometer over the unit counts of the offloaders, lexicographic */
    size_t idx[MEMTL_MAX_N], m = 0;
    for (size_t i = 0; i < n; i++) {
      k[i] = 0;
      if (d[i])
        idx[m++] = i;
    }
    if (m == 0) {
      s.work++;
      double r0[MEMTL_MAX_N] = {0};
      offer(&s, d, k, memtl_meets_deadlines(mt, pre, n, d, r0));
      continue;
    }
    for (size_t j = 0; j < m; j++)
      k[idx[j]] = 1;
    k[idx[m - 1]] = units - (int)(m - 1);
    do {
      double r[MEMTL_MAX_N] = {0};
      for (size_t i = 0; i < n; i++)
        r[i] = d[i] ? (double)k[i] * step : 0.0;
      s.work++;
      offer(&s, d, k, memtl_meets_deadlines(mt, pre, n, d, r));
    } while (next_composition(k, idx, m, units));
  }
  finish(&s, out);
  return 0;
}
