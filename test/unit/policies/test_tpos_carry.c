/* TPOS continuous operation (carry=1; docs/tpos.md, "Continuous
 * operation"): the backlog terms of eq. 24 in the best response on a case
 * computed by hand, the first reachable slot, the admission rule, the
 * server's carried load and occupancy, the message sizes, and the best
 * response against brute force with random backlogs. */
#include "check.h"
#include "model/rng.h"
#include "policies/tpos/tpos_agent.h"
#include "policies/tpos/tpos_br.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

/* Two layers: 0.2 s each on the MD, 0.1 s each on the server; input and
 * layer-1 output 1 Mbit, result 1 kbit; 10 Mbit/s both ways. H = 2 slots of
 * 0.2 s. Cost = delay (alpha = c_t = 1, no energy, no price). */
static mec_tpos_dnn_t *hand_dnn(void)
{
  double lo[3] = {0, 0.2, 0.2}, se[3] = {0, 0.1, 0.1}, bits[3] = {1e6, 1e6, 1e3};
  return mec_tpos_dnn_new_custom(2, lo, se, bits);
}

static mec_tpos_params_t hand_params(void)
{
  mec_tpos_params_t p = mec_tpos_params_paper();
  p.H = 2, p.T_d = 0.4, p.B = 4;
  return p;
}

static mec_tpos_md_t hand_md(const mec_tpos_params_t *p, const mec_tpos_dnn_t *d)
{
  mec_tpos_md_t md = mec_tpos_md_default(p, d);
  md.up_bps = md.down_bps = 1e7;
  md.alpha = 1, md.beta = 0, md.gamma = 0, md.c_t = 1;
  md.tau = 100;
  md.carry = 1;
  md.frame_wait = 0.15; /* the frame's slots start 0.15 s and 0.35 s after t_ref */
  return md;
}

static void test_hand_case(void)
{
  mec_tpos_dnn_t *d = hand_dnn();
  mec_tpos_params_t p = hand_params();
  mec_tpos_ws_t *ws = mec_tpos_ws_new(4);
  mec_tpos_md_t md = hand_md(&p, d);
  mec_tpos_strategy_t s;
  mec_tpos_eval_t ev;
  const double down = 1e3 / 1e7;

  /* A. No backlog: full offload (m* = 0) uploads in 0.1 s, in time for slot
   * 1 (0.15 s); both layers fit in it: delay = 0.15 + 0.2 + down. Local is
   * 0.4 s; m* = 1 arrives at 0.3 s, only slot 2 (0.55 s). */
  mec_tpos_best_response(ws, &md, &p, NULL, NULL, &s, &ev);
  CHECK(s.m_star == 0 && s.h_last == 1 && s.first[1] == 1 && s.last[1] == 2);
  CHECK_NEAR(ev.delay, 0.15 + 0.2 + down, 1e-12);
  CHECK(mec_tpos_carry_first_slot(&md, &p, 0) == 1 && mec_tpos_carry_first_slot(&md, &p, 1) == 2);
  /* without carry the same strategy is eq. 24 as printed: 0.1 + 0.2 + down */
  mec_tpos_md_t plain = md;
  plain.carry = 0;
  mec_tpos_evaluate(&plain, &p, &s, NULL, &ev);
  CHECK_NEAR(ev.delay, 0.1 + 0.2 + down, 1e-12);

  /* B. CPU backlog 0.3 s: local now takes 0.7 s; m* = 0 runs nothing
   * locally, so its upload does not wait: still 0.35 + down. */
  md.cpu_backlog = 0.3;
  mec_tpos_best_response(ws, &md, &p, NULL, NULL, &s, &ev);
  CHECK(s.m_star == 0 && s.h_last == 1);
  CHECK_NEAR(ev.delay, 0.15 + 0.2 + down, 1e-12);
  CHECK_NEAR(ev.t_local, 0.0, 1e-15);
  mec_tpos_strategy_local(&md, &s);
  mec_tpos_evaluate(&md, &p, &s, NULL, &ev);
  CHECK_NEAR(ev.delay, 0.3 + 0.4, 1e-12);       /* backlog + own local time */
  CHECK_NEAR(ev.energy, md.p_lo * 0.4, 1e-12);  /* energy: own work only */

  /* C. and uplink backlog 0.2 s: m* = 0 arrives at 0.2 + 0.1 = 0.3 s, too
   * late for slot 1, in time for slot 2: delay = 0.15 + 0.4 + down =
   * 0.5501 < 0.7 local; m* = 1 arrives at max(0.3 + 0.2, 0.2) + 0.1 = 0.6
   * s, after the last slot starts. The terms: radio wait + upload 0.3 s,
   * wait for the slot and the slots 0.25 s. */
  md.up_backlog = 0.2;
  CHECK(mec_tpos_carry_first_slot(&md, &p, 0) == 2 && mec_tpos_carry_first_slot(&md, &p, 1) == 3);
  CHECK_NEAR(mec_tpos_carry_arrival(&md, 1), 0.6, 1e-12);
  mec_tpos_best_response(ws, &md, &p, NULL, NULL, &s, &ev);
  CHECK(s.m_star == 0 && s.h_last == 2 && s.first[1] == 0 && s.first[2] == 1 && s.last[2] == 2);
  CHECK_NEAR(ev.delay, 0.15 + 0.4 + down, 1e-12);
  CHECK_NEAR(ev.t_local, 0.0, 1e-15);
  CHECK_NEAR(ev.t_up, 0.3, 1e-12);
  CHECK_NEAR(ev.t_slots, 0.25, 1e-12);
  /* the same full offload in slot 1 would be 0.15 s late */
  mec_tpos_strategy_t early = s;
  early.first[1] = 1, early.last[1] = 2, early.load[1] = 0.2, early.h_last = 1;
  early.first[2] = early.last[2] = 0, early.load[2] = 0;
  mec_tpos_evaluate(&md, &p, &early, NULL, &ev);
  CHECK_NEAR(ev.delay, 0.15 + 0.2 + 0.15 + down, 1e-12);

  /* D. slot 2 full from earlier periods (eq. 27 mask): only local is left */
  unsigned char open[MEC_TPOS_MAX_SLOTS + 1] = {0, 1, 0};
  mec_tpos_best_response(ws, &md, &p, NULL, open, &s, &ev);
  CHECK(s.m_star == 2 && s.h_last == 0);
  CHECK_NEAR(ev.delay, 0.7, 1e-12);

  /* E. an arrival exactly at a slot start makes that slot */
  md.cpu_backlog = 0.05, md.up_backlog = 0;
  CHECK(mec_tpos_carry_first_slot(&md, &p, 1) == 2); /* 0.05 + 0.2 + 0.1 = 0.35 */
  md.cpu_backlog = 0.0501;
  CHECK(mec_tpos_carry_first_slot(&md, &p, 1) == 3);

  mec_tpos_ws_free(ws);
  mec_tpos_dnn_free(d);
}

/* Brute force over every y_n, keeping only strategies whose first group's
 * slot the data reaches in time. */
typedef struct {
  const mec_tpos_md_t *md;
  const mec_tpos_params_t *p;
  const double *others;
  const unsigned char *open;
  int map[16];
  double best_excess, best_cost;
} brute_t;

static void brute_eval(brute_t *b)
{
  mec_tpos_strategy_t s;
  if (mec_tpos_strategy_from_map(b->md, b->p, b->map, &s, NULL, 0) || mec_tpos_check_strategy(b->md, b->p, &s, 0, NULL, 0))
    return;
  int h_first = 0;
  for (int h = b->p->H; h >= 1; h--)
    if (s.first[h]) {
      h_first = h;
      if (b->open && !b->open[h])
        return;
    }
  if (h_first && h_first < mec_tpos_carry_first_slot(b->md, b->p, s.m_star))
    return;
  mec_tpos_eval_t ev;
  mec_tpos_evaluate(b->md, b->p, &s, b->others, &ev);
  if (mec_tpos_better(ev.excess, ev.cost, b->best_excess, b->best_cost))
    b->best_excess = ev.excess, b->best_cost = ev.cost;
}

static void brute_rec(brute_t *b, int m, int h_min)
{
  if (m > b->md->dnn->M) {
    brute_eval(b);
    return;
  }
  for (int h = h_min; h <= b->p->H; h++) {
    b->map[m] = h;
    brute_rec(b, m + 1, h);
  }
}

static void test_against_brute_force(void)
{
  gsl_rng *r = mec_rng_new(7, MEC_STREAM_POLICY, 3);
  mec_tpos_ws_t *ws = mec_tpos_ws_new(8);
  int agree = 0, offloaded = 0, later_slot = 0;
  for (int it = 0; it < 300; it++) {
    mec_tpos_params_t p = mec_tpos_params_paper();
    p.H = 2 + (int)gsl_rng_uniform_int(r, 3);
    p.T_d = 0.3 * p.H;
    p.B = 3;
    p.delta = 1, p.f_s = 100 + 900 * gsl_rng_uniform(r), p.price_unit_cycles = 1;
    for (int h = 1; h <= p.H; h++)
      p.a[h] = gsl_rng_uniform(r), p.b[h] = 2 * gsl_rng_uniform(r);
    int M = 2 + (int)gsl_rng_uniform_int(r, 5);
    double lo[9], se[9], bits[9];
    bits[0] = 1e4 * (0.5 + gsl_rng_uniform(r));
    for (int m = 1; m <= M; m++) {
      lo[m] = 0.3 * gsl_rng_uniform(r);
      se[m] = 0.25 * gsl_rng_uniform(r);
      bits[m] = 1e4 * gsl_rng_uniform(r);
    }
    mec_tpos_dnn_t *d = mec_tpos_dnn_new_custom(M, lo, se, bits);
    mec_tpos_md_t md = mec_tpos_md_default(&p, d);
    md.up_bps = 2e4 + 8e4 * gsl_rng_uniform(r);
    md.down_bps = 1e4 + 4e4 * gsl_rng_uniform(r);
    md.alpha = gsl_rng_uniform(r), md.beta = gsl_rng_uniform(r), md.gamma = 0.01 * gsl_rng_uniform(r);
    md.c_t = 100, md.c_e = 100;
    md.tau = 0.5 + 2 * gsl_rng_uniform(r);
    md.carry = 1;
    md.frame_wait = 0.3 * gsl_rng_uniform(r);
    md.cpu_backlog = gsl_rng_uniform(r) < 0.3 ? 0 : 0.8 * gsl_rng_uniform(r);
    md.up_backlog = gsl_rng_uniform(r) < 0.3 ? 0 : 0.6 * gsl_rng_uniform(r);
    double others[MEC_TPOS_MAX_SLOTS + 1] = {0};
    unsigned char open[MEC_TPOS_MAX_SLOTS + 1] = {0};
    for (int h = 1; h <= p.H; h++)
      others[h] = 0.5 * gsl_rng_uniform(r), open[h] = gsl_rng_uniform(r) < 0.8;
    brute_t b = {.md = &md, .p = &p, .others = others, .open = it % 2 ? open : NULL};
    b.best_excess = b.best_cost = INFINITY;
    for (int m_star = 0; m_star <= M; m_star++) {
      for (int m = 1; m <= m_star; m++)
        b.map[m] = 0;
      brute_rec(&b, m_star + 1, 1);
    }
    mec_tpos_strategy_t s;
    mec_tpos_eval_t ev;
    mec_tpos_best_response(ws, &md, &p, others, b.open, &s, &ev);
    int same = fabs(ev.excess - b.best_excess) <= 1e-9 && fabs(ev.cost - b.best_cost) <= 1e-9 * fabs(b.best_cost) + 1e-12;
    CHECK(same);
    agree += same;
    if (s.m_star < M) {
      offloaded++;
      int h_first = 1;
      while (!s.first[h_first])
        h_first++;
      CHECK(h_first >= mec_tpos_carry_first_slot(&md, &p, s.m_star)); /* its data is in time */
      later_slot += h_first > 1;
    }
    mec_tpos_dnn_free(d);
  }
  printf("  carry best response == brute force on %d / 300 instances (%d offload, %d from a later slot)\n", agree,
         offloaded, later_slot);
  CHECK(offloaded >= 30 && later_slot >= 10); /* the cases exercise the backlog terms */
  mec_tpos_ws_free(ws);
  gsl_rng_free(r);
}

static void test_admission_and_messages(void)
{
  CHECK(mec_tpos_carry_admit(9.9, 5, 2) == 1);
  CHECK(mec_tpos_carry_admit(10.1, 5, 2) == 0);
  CHECK(mec_tpos_carry_admit(1e9, 5, 0) == 1); /* 0: admit every task */
  for (int k = MEC_TPOS_MSG_QUERY; k <= MEC_TPOS_MSG_REPLY; k++)
    CHECK(mec_tpos_msg_bits_carry(k, 5, 0) == mec_tpos_msg_bits(k, 5));
  CHECK(mec_tpos_msg_bits_carry(MEC_TPOS_MSG_LOAD, 5, 1) == mec_tpos_msg_bits(MEC_TPOS_MSG_LOAD, 5) + 5 * 64.0);
  CHECK(mec_tpos_frame_msg_bits(MEC_TPOS_CAI, 5) == 64 && mec_tpos_frame_msg_bits(MEC_TPOS_UAI, 5) == 69);
}

/* The server counts earlier periods' work in T_Sigma and in (27). */
static void test_server_carried(void)
{
  mec_tpos_dnn_t *d = hand_dnn();
  mec_tpos_params_t p = hand_params();
  p.B = 2;
  mec_tpos_md_t md = hand_md(&p, d);
  mec_tpos_server_t *srv = mec_tpos_server_new(&p, 1);
  double load[MEC_TPOS_MAX_SLOTS + 1] = {0, 0.15, 0.3};
  int occ[MEC_TPOS_MAX_SLOTS + 1] = {0, 1, 2};
  mec_tpos_server_set_carried(srv, load, occ);
  mec_tpos_aggregate_msg_t agg;
  mec_tpos_server_aggregate(srv, &agg);
  CHECK(agg.T_sigma[1] == 0.15 && agg.T_sigma[2] == 0.3 && agg.occ[1] == 1 && agg.occ[2] == 2);
  mec_tpos_agent_t a;
  mec_tpos_ws_t *ws = mec_tpos_ws_new(4);
  mec_tpos_agent_init(&a, 0, MEC_TPOS_CAI, &md, &p, ws);
  mec_tpos_strategy_t s;
  mec_tpos_strategy_local(&md, &s);
  s.m_star = 0, s.h_last = 2, s.first[2] = 1, s.last[2] = 2, s.load[2] = 0.2; /* into the full slot 2 */
  mec_tpos_commit_msg_t c;
  mec_tpos_reply_msg_t reply;
  mec_tpos_agent_commit_of(&a, &s, &c);
  CHECK(mec_tpos_server_commit(srv, 0, &c, &reply) == 0 && reply.full[2] && !reply.full[1]);
  s.first[2] = s.last[2] = 0, s.load[2] = 0, s.h_last = 1, s.first[1] = 1, s.last[1] = 2, s.load[1] = 0.2;
  mec_tpos_agent_commit_of(&a, &s, &c);
  CHECK(mec_tpos_server_commit(srv, 0, &c, &reply) == 1);
  a.proposal = s;
  CHECK(mec_tpos_agent_on_reply(&a, &reply, &c) == 0); /* now its current strategy */
  mec_tpos_server_aggregate(srv, &agg);
  CHECK_NEAR(agg.T_sigma[1], 0.35, 1e-12);
  CHECK(agg.occ[1] == 2);
  /* the CAI agent sees the carried load as the others' */
  CHECK(mec_tpos_agent_solve_cai(&a, &agg, &c) == 0 || c.strategy.first[2] == 0);
  CHECK_NEAR(a.T_others[1], 0.15, 1e-12);
  mec_tpos_ws_free(ws);
  mec_tpos_server_free(srv);
  mec_tpos_dnn_free(d);
}

int main(void)
{
  RUN(test_hand_case);
  RUN(test_against_brute_force);
  RUN(test_admission_and_messages);
  RUN(test_server_carried);
  return CHECK_DONE();
}
