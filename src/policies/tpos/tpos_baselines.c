#include "policies/tpos/tpos_baselines.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double mec_tpos_list_schedule(int B, int k, const double *release, const double *work, const int *order,
                              double *completion)
{
  double lane_free[64];
  int lanes = B < 64 ? B : 64;
  for (int l = 0; l < lanes; l++)
    lane_free[l] = 0.0;
  double sum = 0.0;
  for (int q = 0; q < k; q++) {
    int j = order[q], best = 0;
    for (int l = 1; l < lanes; l++)
      if (lane_free[l] < lane_free[best])
        best = l;
    double start = fmax(release[j], lane_free[best]);
    double c = start + work[j];
    lane_free[best] = c;
    if (completion)
      completion[j] = c;
    sum += c;
  }
  return sum;
}

/* One way an MD can run under GTPOS. */
typedef struct {
  int m;                /* partition point; M = local */
  double release, work; /* server job (offload only) */
  double down;          /* download time */
  double local_delay;   /* delay when local */
  double energy;
} cand_t;

typedef struct {
  int n, B;
  cand_t **cand; /* cand[i][0..nc[i]-1] */
  int *nc;
  int *pick;     /* current choice per MD */
  /* scratch */
  double *rel, *wrk, *comp;
  int *order, *job_md;
  double evaluations;
} search_t;

static int md_candidates(const mec_tpos_md_t *md, cand_t *out)
{
  const mec_tpos_dnn_t *d = md->dnn;
  int M = d->M, k = 0;
  double L = d->lo_prefix[M] * md->lo_scale;
  out[k++] = (cand_t){.m = M, .local_delay = L, .energy = md->p_lo * L};
  if (md->up_bps <= 0 || md->down_bps <= 0)
    return k;
  double down = d->out_bits[M] / md->down_bps;
  for (int m = 0; m < M; m++) {
    double tl = d->lo_prefix[m] * md->lo_scale, tu = d->out_bits[m] / md->up_bps;
    cand_t c = {.m = m, .release = tl + tu, .work = d->se_prefix[M] - d->se_prefix[m], .down = down,
                .energy = md->p_lo * tl + md->p_up * tu};
    if (c.release + c.work + c.down >= L)
      continue; /* slower than local even on an idle server */
    int dominated = 0;
    for (int q = 1; q < k && !dominated; q++)
      dominated = out[q].release <= c.release && out[q].work <= c.work;
    if (dominated)
      continue;
    /* drop earlier candidates the new one dominates */
    int w = 1;
    for (int q = 1; q < k; q++)
      if (!(c.release <= out[q].release && c.work <= out[q].work))
        out[w++] = out[q];
    k = w;
    out[k++] = c;
  }
  return k;
}

/* Sum of delays with the current picks; jobs served in `order` given by
 * mode: 0 = FCFS by release, 1 = best over every priority order. */
static double total_delay(search_t *s, int exact_order)
{
  double total = 0.0;
  int k = 0;
  for (int i = 0; i < s->n; i++) {
    const cand_t *c = &s->cand[i][s->pick[i]];
    if (c->m == s->cand[i][0].m) {
      total += c->local_delay;
    } else {
      s->rel[k] = c->release, s->wrk[k] = c->work, s->job_md[k] = i;
      total += c->down;
      k++;
    }
  }
  for (int j = 0; j < k; j++)
    s->order[j] = j;
  s->evaluations += 1;
  if (k <= s->B) { /* everybody starts at release */
    for (int j = 0; j < k; j++)
      total += s->rel[j] + s->wrk[j];
    return total;
  }
  if (!exact_order) {
    /* FCFS: insertion sort by release, then work */
    for (int a = 1; a < k; a++) {
      int x = s->order[a], b = a - 1;
      while (b >= 0 && (s->rel[s->order[b]] > s->rel[x] ||
                        (s->rel[s->order[b]] == s->rel[x] && s->wrk[s->order[b]] > s->wrk[x]))) {
        s->order[b + 1] = s->order[b];
        b--;
      }
      s->order[b + 1] = x;
    }
    return total + mec_tpos_list_schedule(s->B, k, s->rel, s->wrk, s->order, NULL);
  }
  /* every permutation (Heap's algorithm) */
  int c[16] = {0};
  double best = mec_tpos_list_schedule(s->B, k, s->rel, s->wrk, s->order, NULL);
  int i = 1;
  while (i < k) {
    if (c[i] < i) {
      int j = (i % 2 == 0) ? 0 : c[i];
      int t = s->order[j];
      s->order[j] = s->order[i];
      s->order[i] = t;
      double v = mec_tpos_list_schedule(s->B, k, s->rel, s->wrk, s->order, NULL);
      s->evaluations += 1;
      if (v < best)
        best = v;
      c[i]++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return total + best;
}

static void search_free(search_t *s)
{
  if (s->cand)
    for (int i = 0; i < s->n; i++)
      free(s->cand[i]);
  free(s->cand);
  free(s->nc);
  free(s->pick);
  free(s->rel);
  free(s->wrk);
  free(s->comp);
  free(s->order);
  free(s->job_md);
}

static int search_init(search_t *s, const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n)
{
  memset(s, 0, sizeof *s);
  s->n = n, s->B = p->B;
  s->cand = calloc((size_t)n, sizeof(cand_t *));
  s->nc = calloc((size_t)n, sizeof(int));
  s->pick = calloc((size_t)n, sizeof(int));
  s->rel = malloc((size_t)n * sizeof(double));
  s->wrk = malloc((size_t)n * sizeof(double));
  s->comp = malloc((size_t)n * sizeof(double));
  s->order = malloc((size_t)n * sizeof(int));
  s->job_md = malloc((size_t)n * sizeof(int));
  if (!s->cand || !s->nc || !s->pick || !s->rel || !s->wrk || !s->comp || !s->order || !s->job_md)
    return -1;
  for (int i = 0; i < n; i++) {
    s->cand[i] = malloc(((size_t)mds[i].dnn->M + 1) * sizeof(cand_t));
    if (!s->cand[i])
      return -1;
    s->nc[i] = md_candidates(&mds[i], s->cand[i]);
  }
  return 0;
}

static void fill_outputs(search_t *s, const mec_tpos_md_t *mds, int exact_order, int *m_star, double *delay,
                         mec_tpos_baseline_result_t *r)
{
  /* Recompute the chosen schedule's per-MD delays: best order again. */
  int n = s->n, k = 0;
  double sum_delay = 0, sum_energy = 0;
  int n_off = 0;
  for (int i = 0; i < n; i++) {
    const cand_t *c = &s->cand[i][s->pick[i]];
    m_star[i] = c->m;
    sum_energy += c->energy;
    if (c->m == mds[i].dnn->M) {
      if (delay)
        delay[i] = c->local_delay;
    } else {
      s->rel[k] = c->release, s->wrk[k] = c->work, s->job_md[k] = i;
      k++;
      n_off++;
    }
  }
  int *best_order = malloc(((size_t)k + 1) * sizeof(int));
  for (int j = 0; j < k; j++)
    s->order[j] = j;
  if (best_order) {
    double best = INFINITY;
    if (k <= s->B || !exact_order) {
      /* FCFS by release (identical to "start at release" when k <= B) */
      for (int a = 1; a < k; a++) {
        int x = s->order[a], b = a - 1;
        while (b >= 0 && (s->rel[s->order[b]] > s->rel[x] ||
                          (s->rel[s->order[b]] == s->rel[x] && s->wrk[s->order[b]] > s->wrk[x]))) {
          s->order[b + 1] = s->order[b];
          b--;
        }
        s->order[b + 1] = x;
      }
      memcpy(best_order, s->order, (size_t)k * sizeof(int));
    } else {
      int c[16] = {0}, i = 1;
      best = mec_tpos_list_schedule(s->B, k, s->rel, s->wrk, s->order, NULL);
      memcpy(best_order, s->order, (size_t)k * sizeof(int));
      while (i < k) {
        if (c[i] < i) {
          int j = (i % 2 == 0) ? 0 : c[i], t = s->order[j];
          s->order[j] = s->order[i], s->order[i] = t;
          double v = mec_tpos_list_schedule(s->B, k, s->rel, s->wrk, s->order, NULL);
          if (v < best) {
            best = v;
            memcpy(best_order, s->order, (size_t)k * sizeof(int));
          }
          c[i]++, i = 1;
        } else {
          c[i] = 0, i++;
        }
      }
    }
    mec_tpos_list_schedule(s->B, k, s->rel, s->wrk, best_order, s->comp);
    free(best_order);
  }
  for (int j = 0; j < k; j++) {
    int i = s->job_md[j];
    double d = s->comp[j] + s->cand[i][s->pick[i]].down;
    if (delay)
      delay[i] = d;
  }
  for (int i = 0; i < n; i++) {
    const cand_t *c = &s->cand[i][s->pick[i]];
    if (c->m == mds[i].dnn->M)
      sum_delay += c->local_delay;
  }
  for (int j = 0; j < k; j++)
    sum_delay += s->comp[j] + s->cand[s->job_md[j]][s->pick[s->job_md[j]]].down;
  r->avg_delay = sum_delay / n;
  r->avg_energy = sum_energy / n;
  r->n_offloading = n_off;
}

int mec_tpos_gtpos(const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n, double exact_budget, int *m_star,
                   double *delay, mec_tpos_baseline_result_t *r)
{
  search_t s;
  memset(r, 0, sizeof *r);
  if (n < 1 || search_init(&s, p, mds, n)) {
    search_free(&s);
    return -1;
  }
  /* size of the exact search: combinations x orders */
  double combos = 1.0;
  for (int i = 0; i < n; i++)
    combos *= s.nc[i];
  double orders = 1.0;
  if (n > p->B)
    for (int i = 2; i <= n; i++)
      orders *= i;
  int exact = n <= 12 && combos * orders <= exact_budget;
  r->exact = exact;
  if (exact) {
    double best = INFINITY;
    int *best_pick = malloc((size_t)n * sizeof(int));
    if (!best_pick) {
      search_free(&s);
      return -1;
    }
    memset(s.pick, 0, (size_t)n * sizeof(int));
    while (1) {
      double v = total_delay(&s, 1);
      if (v < best) {
        best = v;
        memcpy(best_pick, s.pick, (size_t)n * sizeof(int));
      }
      int i = 0; /* odometer */
      while (i < n && ++s.pick[i] == s.nc[i])
        s.pick[i++] = 0;
      if (i == n)
        break;
    }
    memcpy(s.pick, best_pick, (size_t)n * sizeof(int));
    free(best_pick);
  } else {
    /* heuristic: individually fastest candidate, FCFS, then improvement rounds */
    for (int i = 0; i < n; i++) {
      int best = 0;
      double bd = s.cand[i][0].local_delay;
      for (int c = 1; c < s.nc[i]; c++) {
        double d = s.cand[i][c].release + s.cand[i][c].work + s.cand[i][c].down;
        if (d < bd)
          bd = d, best = c;
      }
      s.pick[i] = best;
    }
    double cur = total_delay(&s, 0);
    int rounds = n <= 300 ? 3 : 0;
    for (int round = 0; round < rounds; round++) {
      int improved = 0;
      for (int i = 0; i < n; i++) {
        int keep = s.pick[i];
        for (int c = 0; c < s.nc[i]; c++) {
          if (c == keep)
            continue;
          s.pick[i] = c;
          double v = total_delay(&s, 0);
          if (v < cur - 1e-12) {
            cur = v, keep = c, improved = 1;
          }
        }
        s.pick[i] = keep;
      }
      if (!improved)
        break;
    }
  }
  r->evaluations = s.evaluations;
  fill_outputs(&s, mds, exact, m_star, delay, r);
  search_free(&s);
  return 0;
}

int mec_tpos_case3_full_offload(const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n, gsl_rng *rng,
                                int *m_star, double *delay, mec_tpos_baseline_result_t *r)
{
  memset(r, 0, sizeof *r);
  if (n < 1)
    return -1;
  double *rel = malloc((size_t)n * sizeof(double)), *wrk = malloc((size_t)n * sizeof(double));
  double *comp = malloc((size_t)n * sizeof(double));
  int *order = malloc((size_t)n * sizeof(int));
  if (!rel || !wrk || !comp || !order) {
    free(rel), free(wrk), free(comp), free(order);
    return -1;
  }
  double sum_e = 0, sum_d = 0;
  for (int i = 0; i < n; i++) {
    const mec_tpos_dnn_t *d = mds[i].dnn;
    double tu = mds[i].up_bps > 0 ? d->out_bits[0] / mds[i].up_bps : INFINITY;
    rel[i] = tu;
    wrk[i] = d->se_prefix[d->M];
    order[i] = i;
    m_star[i] = 0;
    sum_e += mds[i].p_up * tu;
  }
  gsl_ran_shuffle(rng, order, (size_t)n, sizeof(int));
  mec_tpos_list_schedule(p->B, n, rel, wrk, order, comp);
  for (int i = 0; i < n; i++) {
    const mec_tpos_dnn_t *d = mds[i].dnn;
    double td = mds[i].down_bps > 0 ? d->out_bits[d->M] / mds[i].down_bps : INFINITY;
    double t = comp[i] + td;
    if (delay)
      delay[i] = t;
    sum_d += t;
  }
  r->avg_delay = sum_d / n;
  r->avg_energy = sum_e / n;
  r->n_offloading = n;
  r->evaluations = 1;
  free(rel), free(wrk), free(comp), free(order);
  return 0;
}

int mec_tpos_case4_all_local(const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n, int *m_star,
                             double *delay, mec_tpos_baseline_result_t *r)
{
  (void)p;
  memset(r, 0, sizeof *r);
  double sum_d = 0, sum_e = 0;
  for (int i = 0; i < n; i++) {
    const mec_tpos_dnn_t *d = mds[i].dnn;
    double t = d->lo_prefix[d->M] * mds[i].lo_scale;
    m_star[i] = d->M;
    if (delay)
      delay[i] = t;
    sum_d += t;
    sum_e += mds[i].p_lo * t;
  }
  r->avg_delay = sum_d / n;
  r->avg_energy = sum_e / n;
  r->evaluations = 1;
  return 0;
}
