/* The exact best response (dynamic programme) against brute-force
 * enumeration of every strategy y_n: all partition points and all
 * non-decreasing slot maps of the offloaded layers, on random small
 * instances (random layer times that make the slot capacity bind, random
 * loads of the other MDs, random closed slots, deadlines that sometimes
 * cannot be met) and on LeNet and AlexNet with the paper's parameters. */
#include "check.h"
#include "model/rng.h"
#include "policies/tpos/tpos_br.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

typedef struct {
  const mec_tpos_md_t *md;
  const mec_tpos_params_t *p;
  const double *others;
  const unsigned char *open;
  int map[MEC_DNN_MAX_LAYERS + 1];
  double best_excess, best_cost;
  long feasible;
} brute_t;

static void brute_eval(brute_t *b)
{
  mec_tpos_strategy_t s;
  if (mec_tpos_strategy_from_map(b->md, b->p, b->map, &s, NULL, 0))
    return;
  if (mec_tpos_check_strategy(b->md, b->p, &s, 0, NULL, 0))
    return; /* eq. 17 */
  for (int h = 1; h <= b->p->H; h++)
    if (s.first[h] && b->open && !b->open[h])
      return; /* eq. 27 */
  b->feasible++;
  mec_tpos_eval_t ev;
  mec_tpos_evaluate(b->md, b->p, &s, b->others, &ev);
  if (mec_tpos_better(ev.excess, ev.cost, b->best_excess, b->best_cost))
    b->best_excess = ev.excess, b->best_cost = ev.cost;
}

/* Layers m..M get non-decreasing slots >= h_min. */
static void brute_rec(brute_t *b, int m, int h_min)
{
  int M = b->md->dnn->M;
  if (m > M) {
    brute_eval(b);
    return;
  }
  for (int h = h_min; h <= b->p->H; h++) {
    b->map[m] = h;
    brute_rec(b, m + 1, h);
  }
}

static void brute_force(brute_t *b)
{
  int M = b->md->dnn->M;
  b->best_excess = INFINITY, b->best_cost = INFINITY;
  b->feasible = 0;
  for (int m_star = 0; m_star <= M; m_star++) {
    for (int m = 1; m <= m_star; m++)
      b->map[m] = 0;
    brute_rec(b, m_star + 1, 1);
  }
}

/* Runs both and compares; returns 1 if they agree. */
static int compare(mec_tpos_ws_t *ws, const mec_tpos_md_t *md, const mec_tpos_params_t *p, const double *others,
                   const unsigned char *open)
{
  brute_t b = {.md = md, .p = p, .others = others, .open = open};
  brute_force(&b);
  mec_tpos_strategy_t s;
  mec_tpos_eval_t ev;
  CHECK(mec_tpos_best_response(ws, md, p, others, open, &s, &ev) == 0);
  char why[200];
  int feasible = mec_tpos_check_strategy(md, p, &s, 0, why, sizeof why) == 0;
  CHECK(feasible);
  if (!feasible)
    fprintf(stderr, "  best response infeasible: %s\n", why);
  for (int h = 1; h <= p->H; h++)
    CHECK(!(s.first[h] && open && !open[h]));
  CHECK(b.feasible >= 1); /* all-local at least */
  /* the returned evaluation is the strategy's true evaluation */
  mec_tpos_eval_t ev2;
  mec_tpos_evaluate(md, p, &s, others, &ev2);
  CHECK_NEAR(ev.cost, ev2.cost, 1e-9 * fabs(ev2.cost));
  int same = fabs(ev.excess - b.best_excess) <= 1e-9 && fabs(ev.cost - b.best_cost) <= 1e-9 * fabs(b.best_cost) + 1e-12;
  CHECK_NEAR(ev.excess, b.best_excess, 1e-9);
  CHECK_REL(ev.cost, b.best_cost, 1e-9);
  return same;
}

static void test_random_instances(void)
{
  gsl_rng *r = mec_rng_new(42, MEC_STREAM_POLICY, 1);
  mec_tpos_ws_t *ws = mec_tpos_ws_new(8);
  int agree = 0, total = 0, offloaded = 0, deadline_missed = 0, with_closed = 0;
  for (int it = 0; it < 300; it++) {
    mec_tpos_params_t p = mec_tpos_params_paper();
    p.H = 2 + (int)gsl_rng_uniform_int(r, 3); /* 2..4 */
    p.T_d = 0.3 * p.H;                        /* slots of 0.3 s */
    p.B = 3;
    p.delta = 1, p.f_s = 100 + 900 * gsl_rng_uniform(r), p.price_unit_cycles = 1;
    for (int h = 1; h <= p.H; h++)
      p.a[h] = gsl_rng_uniform(r), p.b[h] = 2 * gsl_rng_uniform(r);
    int M = 2 + (int)gsl_rng_uniform_int(r, 6); /* 2..7 */
    double lo[9], se[9], bits[9];
    bits[0] = 1e4 * (0.5 + gsl_rng_uniform(r));
    for (int m = 1; m <= M; m++) {
      lo[m] = 0.5 * gsl_rng_uniform(r);
      se[m] = 0.25 * gsl_rng_uniform(r); /* often two layers overflow a slot */
      bits[m] = 1e4 * gsl_rng_uniform(r);
    }
    mec_tpos_dnn_t *d = mec_tpos_dnn_new_custom(M, lo, se, bits);
    mec_tpos_md_t md = mec_tpos_md_default(&p, d);
    md.up_bps = 1e4 + 4e4 * gsl_rng_uniform(r);
    md.down_bps = 1e4 + 4e4 * gsl_rng_uniform(r);
    md.alpha = gsl_rng_uniform(r), md.beta = gsl_rng_uniform(r), md.gamma = 0.01 * gsl_rng_uniform(r);
    md.c_t = 100, md.c_e = 100;
    md.lo_scale = 0.5 + gsl_rng_uniform(r);
    md.tau = 0.5 + 2 * gsl_rng_uniform(r);
    double others[MEC_TPOS_MAX_SLOTS + 1] = {0};
    unsigned char open[MEC_TPOS_MAX_SLOTS + 1] = {0};
    int any_closed = 0;
    for (int h = 1; h <= p.H; h++) {
      others[h] = 0.5 * gsl_rng_uniform(r);
      open[h] = gsl_rng_uniform(r) < 0.8;
      any_closed |= !open[h];
    }
    int same = compare(ws, &md, &p, others, it % 3 ? open : NULL);
    agree += same;
    total++;
    mec_tpos_strategy_t s;
    mec_tpos_eval_t ev;
    mec_tpos_best_response(ws, &md, &p, others, it % 3 ? open : NULL, &s, &ev);
    offloaded += s.m_star < M;
    deadline_missed += ev.excess > 0;
    with_closed += any_closed && it % 3;
    mec_tpos_dnn_free(d);
  }
  CHECK(agree == total);
  /* the instances exercise every branch: offloading, local, missed deadlines, closed slots */
  CHECK(offloaded > 30 && offloaded < total - 30);
  CHECK(deadline_missed > 5);
  CHECK(with_closed > 30);
  printf("random instances: %d/%d agree, %d offload, %d cannot meet tau\n", agree, total, offloaded,
         deadline_missed);
  mec_tpos_ws_free(ws);
  gsl_rng_free(r);
}

static void test_real_networks(void)
{
  /* scaled preset (2 MHz): offloading is worth it */
  mec_tpos_params_t p = mec_tpos_params_scaled();
  mec_tpos_ws_t *ws = mec_tpos_ws_new(MEC_DNN_MAX_LAYERS);
  const int kinds[] = {MEC_DNN_LENET, MEC_DNN_ALEXNET};
  for (int k = 0; k < 2; k++) {
    mec_dnn_profile_t *prof = mec_dnn_profile_new(kinds[k], 32);
    mec_tpos_dnn_t *d = mec_tpos_dnn_new(prof, &p, 0);
    mec_tpos_md_t md = mec_tpos_md_default(&p, d);
    double others[MEC_TPOS_MAX_SLOTS + 1] = {0, 0.3, 0.2, 0.05, 0, 0};
    unsigned char open[MEC_TPOS_MAX_SLOTS + 1] = {0, 1, 0, 1, 1, 1};
    CHECK(compare(ws, &md, &p, others, NULL));
    CHECK(compare(ws, &md, &p, others, open));
    mec_tpos_strategy_t s;
    mec_tpos_best_response(ws, &md, &p, others, NULL, &s, NULL);
    if (kinds[k] == MEC_DNN_ALEXNET)
      CHECK(s.m_star < d->M); /* AlexNet offloads at 62 Mbit/s */
    mec_tpos_dnn_free(d);
    mec_dnn_profile_free(prof);
  }
  mec_tpos_ws_free(ws);
}

static void test_workspace_limits(void)
{
  mec_tpos_params_t p = mec_tpos_params_scaled();
  mec_dnn_profile_t *prof = mec_dnn_profile_new(MEC_DNN_ALEXNET, 32);
  mec_tpos_dnn_t *d = mec_tpos_dnn_new(prof, &p, 0);
  mec_tpos_md_t md = mec_tpos_md_default(&p, d);
  mec_tpos_ws_t *small = mec_tpos_ws_new(10);
  mec_tpos_strategy_t s;
  CHECK(mec_tpos_best_response(small, &md, &p, NULL, NULL, &s, NULL) == -1);
  CHECK(mec_tpos_ws_new(0) == NULL);
  CHECK(mec_tpos_ws_steps(small) == 0);
  /* no radio: all local */
  mec_tpos_ws_t *ws = mec_tpos_ws_new(32);
  md.up_bps = 0;
  CHECK(mec_tpos_best_response(ws, &md, &p, NULL, NULL, &s, NULL) == 0 && s.m_star == d->M);
  mec_tpos_ws_free(ws);
  mec_tpos_ws_free(small);
  mec_tpos_dnn_free(d);
  mec_dnn_profile_free(prof);
}

int main(void)
{
  RUN(test_random_instances);
  RUN(test_real_networks);
  RUN(test_workspace_limits);
  return CHECK_DONE();
}
