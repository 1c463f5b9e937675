/* TPOS baselines: the Rules 3-4 list scheduler by hand, GTPOS's exact search
 * against a brute force over every partition vector and every service order
 * (no pruning), the heuristic never below the exact optimum, Cases 3-4 by
 * hand. */
#include "check.h"
#include "model/rng.h"
#include "policies/tpos/tpos_baselines.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

static void test_list_schedule(void)
{
  /* B = 2: job 0 on lane 0 (0-2), job 1 on lane 1 (0-3), job 2 waits for
   * lane 0: starts at max(1, 2) = 2, ends at 3. Sum 2 + 3 + 3 = 8. */
  double rel[] = {0, 0, 1}, work[] = {2, 3, 1}, comp[3];
  int order[] = {0, 1, 2};
  CHECK_NEAR(mec_tpos_list_schedule(2, 3, rel, work, order, comp), 8, 1e-12);
  CHECK_NEAR(comp[2], 3, 1e-12);
  /* B = 1, order 2, 0, 1: job 2 at 1-2, job 0 at 2-4, job 1 at 4-7 */
  int order2[] = {2, 0, 1};
  CHECK_NEAR(mec_tpos_list_schedule(1, 3, rel, work, order2, comp), 2 + 4 + 7, 1e-12);
}

/* Brute force: every partition vector, every order of the offloaded jobs. */
typedef struct {
  const mec_tpos_md_t *md;
  int n, B;
  int m[8];
  double best;
} brute_t;

static double best_order(int B, int k, double *rel, double *work, int *order, int pos)
{
  if (pos == k)
    return mec_tpos_list_schedule(B, k, rel, work, order, NULL);
  double best = INFINITY;
  for (int i = pos; i < k; i++) {
    int t = order[pos];
    order[pos] = order[i], order[i] = t;
    double v = best_order(B, k, rel, work, order, pos + 1);
    if (v < best)
      best = v;
    t = order[pos], order[pos] = order[i], order[i] = t;
  }
  return best;
}

static void brute(brute_t *b, int i)
{
  if (i == b->n) {
    double rel[8], work[8], total = 0;
    int order[8], k = 0;
    for (int j = 0; j < b->n; j++) {
      const mec_tpos_md_t *md = &b->md[j];
      const mec_tpos_dnn_t *d = md->dnn;
      int m = b->m[j];
      if (m == d->M) {
        total += d->lo_prefix[d->M] * md->lo_scale;
      } else {
        rel[k] = d->lo_prefix[m] * md->lo_scale + d->out_bits[m] / md->up_bps;
        work[k] = d->se_prefix[d->M] - d->se_prefix[m];
        total += d->out_bits[d->M] / md->down_bps;
        order[k] = k;
        k++;
      }
    }
    total += best_order(b->B, k, rel, work, order, 0);
    if (total < b->best)
      b->best = total;
    return;
  }
  for (int m = 0; m <= b->md[i].dnn->M; m++) {
    b->m[i] = m;
    brute(b, i + 1);
  }
}

static void test_gtpos_exact_vs_brute_force(void)
{
  gsl_rng *r = mec_rng_new(9, MEC_STREAM_POLICY, 2);
  int agree = 0, runs = 0, queued = 0;
  for (int it = 0; it < 40; it++) {
    mec_tpos_params_t p = mec_tpos_params_paper();
    p.B = 1 + (int)gsl_rng_uniform_int(r, 2); /* 1..2: queueing happens */
    int n = 2 + (int)gsl_rng_uniform_int(r, 3); /* 2..4 MDs */
    mec_tpos_dnn_t *d[4];
    mec_tpos_md_t md[4];
    for (int i = 0; i < n; i++) {
      int M = 2 + (int)gsl_rng_uniform_int(r, 3);
      double lo[6], se[6], bits[6];
      bits[0] = 1000 * (1 + gsl_rng_uniform(r));
      for (int m = 1; m <= M; m++) {
        lo[m] = gsl_rng_uniform(r);
        se[m] = 0.3 * gsl_rng_uniform(r);
        bits[m] = 1000 * gsl_rng_uniform(r);
      }
      d[i] = mec_tpos_dnn_new_custom(M, lo, se, bits);
      md[i] = mec_tpos_md_default(&p, d[i]);
      md[i].up_bps = 2000 + 8000 * gsl_rng_uniform(r);
      md[i].down_bps = 1e4;
    }
    brute_t b = {.md = md, .n = n, .B = p.B, .best = INFINITY};
    brute(&b, 0);
    int m_star[4];
    double delay[4];
    mec_tpos_baseline_result_t ex, he;
    CHECK(mec_tpos_gtpos(&p, md, n, 1e7, m_star, delay, &ex) == 0);
    CHECK(ex.exact == 1);
    CHECK_REL(ex.avg_delay, b.best / n, 1e-9);
    agree += fabs(ex.avg_delay - b.best / n) <= 1e-9 * b.best;
    double sum = 0;
    for (int i = 0; i < n; i++)
      sum += delay[i];
    CHECK_REL(sum / n, ex.avg_delay, 1e-9); /* per-MD delays add up */
    queued += ex.n_offloading > p.B;
    CHECK(mec_tpos_gtpos(&p, md, n, 0, m_star, delay, &he) == 0);
    CHECK(he.exact == 0);
    CHECK(he.avg_delay >= ex.avg_delay - 1e-12);
    runs++;
    for (int i = 0; i < n; i++)
      mec_tpos_dnn_free(d[i]);
  }
  CHECK(agree == runs);
  CHECK(queued > 3); /* instances where more jobs than lanes were offloaded */
  printf("gtpos: exact == brute force on %d/%d instances (%d with queueing)\n", agree, runs, queued);
  gsl_rng_free(r);
}

static void test_cases_3_4(void)
{
  mec_tpos_params_t p = mec_tpos_params_paper();
  p.B = 4;
  const double lo[] = {0, 1.0, 2.0}, se[] = {0, 0.1, 0.2}, bits[] = {1000, 500, 10};
  mec_tpos_dnn_t *d = mec_tpos_dnn_new_custom(2, lo, se, bits);
  mec_tpos_md_t md[2] = {mec_tpos_md_default(&p, d), mec_tpos_md_default(&p, d)};
  md[0].up_bps = md[1].up_bps = 1000, md[0].down_bps = md[1].down_bps = 100;
  md[1].lo_scale = 2.0;
  int m[2];
  double delay[2];
  mec_tpos_baseline_result_t r;
  CHECK(mec_tpos_case4_all_local(&p, md, 2, m, delay, &r) == 0);
  CHECK(m[0] == 2 && m[1] == 2);
  CHECK_NEAR(delay[0], 3.0, 1e-12);
  CHECK_NEAR(delay[1], 6.0, 1e-12);
  CHECK_NEAR(r.avg_energy, p.p_lo * 4.5, 1e-12);
  /* Case 3: upload 1000 bits at 1000 bit/s = 1 s, 0.3 s on the server, 10
   * bits at 100 bit/s = 0.1 s down; 2 jobs <= B lanes: no waiting */
  gsl_rng *rng = mec_rng_new(1, MEC_STREAM_POLICY, 3);
  CHECK(mec_tpos_case3_full_offload(&p, md, 2, rng, m, delay, &r) == 0);
  CHECK(m[0] == 0 && m[1] == 0);
  CHECK_NEAR(delay[0], 1.4, 1e-12);
  CHECK_NEAR(r.avg_energy, p.p_up * 1.0, 1e-12);
  /* B = 1: the second job in the random order waits 0.3 s */
  p.B = 1;
  CHECK(mec_tpos_case3_full_offload(&p, md, 2, rng, m, delay, &r) == 0);
  CHECK_NEAR(delay[0] + delay[1], 1.4 + 1.7, 1e-12);
  gsl_rng_free(rng);
  mec_tpos_dnn_free(d);
}

int main(void)
{
  RUN(test_list_schedule);
  RUN(test_gtpos_exact_vs_brute_force);
  RUN(test_cases_3_4);
  return CHECK_DONE();
}
