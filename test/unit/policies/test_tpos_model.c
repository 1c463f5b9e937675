/* TPOS system model: delay prediction (eqs. 6-7), delay / energy / cost of a
 * strategy (eqs. 8-13, 23-25), pricing (eqs. 19-22) and the feasibility
 * checks of constraints (15)-(17), (26), (27). Expected values are worked
 * out by hand in the comments. */
#include "check.h"
#include "policies/tpos/tpos_model.h"

#include <string.h>

static void test_delay_model_equations(void)
{
  /* AlexNet conv1: G = 55, K = 11, O = 3, I = 96.
   * eq. 6: 0.3*3025*121*288 + 2.6*3025*121*96 + 4.8*3025*3 = 31624560 + 91359840 + 43560
   *        = 123027960 -> x 1e-5 = 1230.2796 (ms)
   * eq. 7: 3*105415200 + 7.4*35138400 + 25.8*9075 = 316245600 + 260024160 + 234135
   *        = 576503895 -> x 1e-7 = 57.6503895 (ms) */
  CHECK_REL(mec_tpos_eq6_local(55, 11, 3, 96), 1230.2796, 1e-12);
  CHECK_REL(mec_tpos_eq7_server(55, 11, 3, 96), 57.6503895, 1e-12);

  mec_tpos_params_t p = mec_tpos_params_paper();
  mec_dnn_profile_t *alex = mec_dnn_profile_new(MEC_DNN_ALEXNET, 32);
  CHECK(alex != NULL);
  if (!alex)
    return;
  CHECK_REL(mec_tpos_layer_time(&p, &alex->layer[0], 0), 1.2302796, 1e-12);
  CHECK_REL(mec_tpos_layer_time(&p, &alex->layer[0], 1), 0.0576503895, 1e-12);
  /* relu1: 55*55*96 = 290400 elements, one op each: 290400 * 0.3e-5 ms */
  CHECK_REL(mec_tpos_layer_time(&p, &alex->layer[1], 0), 290400 * 0.3e-5 * 1e-3, 1e-12);
  /* fc8 as a 1x1 conv: O = 4096, I = 1000 on the server:
   * (3*4096000 + 7.4*1000 + 25.8*4096) e-7 ms = (12288000 + 7400 + 105676.8) e-7 */
  CHECK_REL(mec_tpos_layer_time(&p, &alex->layer[19], 1), (12288000 + 7400 + 105676.8) * 1e-7 * 1e-3, 1e-12);

  mec_tpos_dnn_t *t = mec_tpos_dnn_new(alex, &p, 0);
  mec_tpos_dnn_t *t2 = mec_tpos_dnn_new(alex, &p, 2 * p.server_ref_hz);
  CHECK(t && t2 && t->M == 21);
  if (t && t2) {
    CHECK_NEAR(t->out_bits[0], 227.0 * 227 * 3 * 32, 0);
    CHECK_REL(t->se_prefix[21], t->se_prefix[20] + t->t_se[21], 1e-12);
    CHECK_REL(t2->t_se[1] * 2, t->t_se[1], 1e-12); /* a server twice as fast */
    /* the whole network locally takes a few seconds on the reference MD */
    CHECK(t->lo_prefix[21] > 3.0 && t->lo_prefix[21] < 3.6);
  }
  mec_tpos_dnn_free(t);
  mec_tpos_dnn_free(t2);
  mec_dnn_profile_free(alex);

  /* Fig. 10 of the paper: the VGG13 MD puts layers 21-22 in one slot and
   * layer 23 in the next; with eq. 7 in ms, conv5_1 + relu fit in T_d/H =
   * 0.15 s and adding conv5_2 does not. */
  mec_dnn_profile_t *v13 = mec_dnn_profile_new(MEC_DNN_VGG13, 32);
  mec_tpos_dnn_t *tv = v13 ? mec_tpos_dnn_new(v13, &p, 0) : NULL;
  CHECK(tv != NULL);
  if (tv) {
    double cap = p.T_d / p.H;
    CHECK(tv->t_se[21] + tv->t_se[22] <= cap);
    CHECK(tv->t_se[21] + tv->t_se[22] + tv->t_se[23] > cap);
  }
  mec_tpos_dnn_free(tv);
  mec_dnn_profile_free(v13);
}

static void test_rates(void)
{
  mec_tpos_params_t p = mec_tpos_params_paper();
  /* eq. 9: SNR = 4 W * 1.2e6 / (2000 Hz * 1e-9 W/Hz) = 2.4e12 */
  CHECK_REL(mec_tpos_uplink_bps(&p), 2000 * log2(1 + 2.4e12), 1e-12);
  p.p_s = 8;
  CHECK_REL(mec_tpos_downlink_bps(&p), 2000 * log2(1 + 4.8e12), 1e-12);
}

static void test_prices_eq19(void)
{
  mec_tpos_params_t p = mec_tpos_params_paper(); /* a_h = 1, b_h = 2, unit 1 cycle */
  /* p_2 = 1 + 2/2 * 1000 = 1001 */
  CHECK_NEAR(mec_tpos_price_of_cycles(&p, 2, 1000), 1001, 1e-9);
  /* eq. 22: S = delta f_s T = 2250 * 3400 * 0.001 = 7650; p_4 = 1 + 2/4 * 7650 = 3826 */
  CHECK_NEAR(mec_tpos_cycles(&p, 0.001), 7650, 1e-9);
  CHECK_NEAR(mec_tpos_slot_price(&p, 4, 0.001), 3826, 1e-9);
  /* empty slot: the fixed price a_h */
  CHECK_NEAR(mec_tpos_slot_price(&p, 3, 0), 1, 0);
  /* price units: counting S per 1e4 cycles divides the load term */
  p.price_unit_cycles = 1e4;
  CHECK_NEAR(mec_tpos_slot_price(&p, 4, 0.001), 1 + 0.5 * 0.765, 1e-12);
  /* the same crowding is cheaper in a later slot (b_h / h) */
  CHECK(mec_tpos_slot_price(&p, 1, 0.01) > mec_tpos_slot_price(&p, 5, 0.01));
}

/* A 3-layer network and an MD with round numbers (see the header comment). */
static mec_tpos_dnn_t *small_dnn(void)
{
  const double lo[] = {0, 1.0, 0.5, 0.25}, se[] = {0, 0.1, 0.05, 0.02}, bits[] = {8000, 4000, 2000, 100};
  return mec_tpos_dnn_new_custom(3, lo, se, bits);
}

static mec_tpos_params_t small_params(void)
{
  mec_tpos_params_t p = mec_tpos_params_paper();
  p.H = 3, p.T_d = 0.3, p.B = 2; /* slots of 0.1 s */
  p.delta = 1, p.f_s = 1000, p.price_unit_cycles = 1; /* 1000 price units per server second */
  return p;
}

static void test_evaluate_eqs_23_25(void)
{
  mec_tpos_params_t p = small_params();
  mec_tpos_dnn_t *d = small_dnn();
  mec_tpos_md_t md = mec_tpos_md_default(&p, d);
  md.up_bps = 1000, md.down_bps = 100, md.tau = 10;
  md.alpha = 0.5, md.beta = 0.3, md.gamma = 0.2, md.c_t = 2, md.c_e = 3, md.p_lo = 4, md.p_up = 5;
  int map[4] = {0, 0, 1, 2}; /* layer 1 local, layer 2 in slot 1, layer 3 in slot 2 */
  mec_tpos_strategy_t s;
  char why[200];
  CHECK(mec_tpos_strategy_from_map(&md, &p, map, &s, why, sizeof why) == 0);
  CHECK(s.m_star == 1 && s.h_last == 2 && s.first[1] == 2 && s.last[1] == 2 && s.first[3] == 0);
  CHECK(mec_tpos_strategy_slot_of(&s, 1) == 0 && mec_tpos_strategy_slot_of(&s, 3) == 2);
  double others[MEC_TPOS_MAX_SLOTS + 1] = {0, 0.1, 0, 0};
  mec_tpos_eval_t ev;
  mec_tpos_evaluate(&md, &p, &s, others, &ev);
  /* eq. 24: 1.0 local + 4000/1000 up + 2/3 * 0.3 slots + 100/100 down = 6.2 s */
  CHECK_NEAR(ev.t_up, 4.0, 1e-12);
  CHECK_NEAR(ev.t_slots, 0.2, 1e-12);
  CHECK_NEAR(ev.delay, 6.2, 1e-12);
  /* eq. 25: 4 W * 1 s + 5 W * 4 s = 24 J */
  CHECK_NEAR(ev.energy, 24.0, 1e-12);
  /* price: slot 1 T_Sigma = 0.15 -> p_1 = 1 + 2 * 150 = 301, S = 50 -> 15050;
   *        slot 2 T_Sigma = 0.02 -> p_2 = 1 + 1 * 20 = 21, S = 20 -> 420 */
  CHECK_NEAR(ev.price, 15470.0, 1e-6);
  /* eq. 23 */
  CHECK_NEAR(ev.cost, 0.5 * 2 * 6.2 + 0.3 * 3 * 24 + 0.2 * 15470, 1e-6);
  CHECK_NEAR(ev.excess, 0, 0);
  md.tau = 6.0;
  mec_tpos_evaluate(&md, &p, &s, others, &ev);
  CHECK_NEAR(ev.excess, 0.2, 1e-12);

  /* all local: no upload, slot, download, price */
  mec_tpos_strategy_local(&md, &s);
  mec_tpos_evaluate(&md, &p, &s, others, &ev);
  CHECK_NEAR(ev.delay, 1.75, 1e-12);
  CHECK_NEAR(ev.energy, 7.0, 1e-12);
  CHECK_NEAR(ev.price, 0, 0);
  mec_tpos_dnn_free(d);
}

static void test_constraints(void)
{
  mec_tpos_params_t p = small_params();
  mec_tpos_dnn_t *d = small_dnn();
  mec_tpos_md_t md = mec_tpos_md_default(&p, d);
  md.up_bps = 1000, md.down_bps = 100, md.tau = 10;
  mec_tpos_strategy_t s;
  char why[200];

  /* eq. 16: decreasing slots, local after offloaded */
  int dec[4] = {0, 0, 2, 1};
  CHECK(mec_tpos_strategy_from_map(&md, &p, dec, &s, why, sizeof why) == -1 && strstr(why, "eq. 16"));
  int back[4] = {0, 1, 0, 1};
  CHECK(mec_tpos_strategy_from_map(&md, &p, back, &s, why, sizeof why) == -1 && strstr(why, "eq. 16"));
  /* eq. 15: slot outside 0..H */
  int out[4] = {0, 0, 0, 4};
  CHECK(mec_tpos_strategy_from_map(&md, &p, out, &s, why, sizeof why) == -1 && strstr(why, "eq. 15"));

  /* feasible: layers 2-3 in slot 1 (0.07 s <= 0.1 s) */
  int ok[4] = {0, 0, 1, 1};
  CHECK(mec_tpos_strategy_from_map(&md, &p, ok, &s, why, sizeof why) == 0);
  CHECK(mec_tpos_check_strategy(&md, &p, &s, 1, why, sizeof why) == 0);
  /* eq. 15 on a hand-made strategy: a layer left out */
  mec_tpos_strategy_t bad = s;
  bad.last[1] = 2, bad.load[1] = 0.05;
  CHECK(mec_tpos_check_strategy(&md, &p, &bad, 0, why, sizeof why) == -1 && strstr(why, "eq. 15"));
  /* eq. 17: layers 1-3 in one slot = 0.17 s > 0.1 s */
  int full[4] = {0, 1, 1, 1};
  CHECK(mec_tpos_strategy_from_map(&md, &p, full, &s, why, sizeof why) == 0);
  CHECK(mec_tpos_check_strategy(&md, &p, &s, 0, why, sizeof why) == -1 && strstr(why, "eq. 17"));
  /* eq. 26: 1.0 + 4 + 0.1 + 1 = 6.1 s > tau = 6 */
  CHECK(mec_tpos_strategy_from_map(&md, &p, ok, &s, why, sizeof why) == 0);
  md.tau = 6.0;
  CHECK(mec_tpos_check_strategy(&md, &p, &s, 0, why, sizeof why) == 0);
  CHECK(mec_tpos_check_strategy(&md, &p, &s, 1, why, sizeof why) == -1 && strstr(why, "eq. 26"));
  md.tau = 10;

  /* eq. 27: three MDs in slot 1 with B = 2 */
  mec_tpos_md_t mds[3] = {md, md, md};
  mec_tpos_strategy_t ss[3];
  for (int i = 0; i < 3; i++)
    mec_tpos_strategy_from_map(&md, &p, ok, &ss[i], NULL, 0);
  CHECK(mec_tpos_check_joint(mds, &p, ss, 2, why, sizeof why) == 0);
  CHECK(mec_tpos_check_joint(mds, &p, ss, 3, why, sizeof why) == -1 && strstr(why, "eq. 27"));
  double T[MEC_TPOS_MAX_SLOTS + 1];
  int occ[MEC_TPOS_MAX_SLOTS + 1];
  mec_tpos_aggregate(&p, ss, 3, T, occ);
  CHECK(occ[1] == 3 && occ[2] == 0);
  CHECK_NEAR(T[1], 3 * 0.07, 1e-12);

  char err[200];
  mec_tpos_params_t bp = p;
  bp.H = MEC_TPOS_MAX_SLOTS + 1;
  CHECK(mec_tpos_params_check(&bp, err, sizeof err) == -1);
  bp = p, bp.B = 0;
  CHECK(mec_tpos_params_check(&bp, err, sizeof err) == -1);
  CHECK(mec_tpos_params_check(&p, err, sizeof err) == 0);
  mec_tpos_dnn_free(d);
}

static void test_lexicographic_order(void)
{
  CHECK(mec_tpos_better(0, 100, 0.1, 1));  /* meeting the deadline first */
  CHECK(!mec_tpos_better(0.1, 1, 0, 100));
  CHECK(mec_tpos_better(0, 1, 0, 2));      /* then the cost */
  CHECK(!mec_tpos_better(0, 2, 0, 2));     /* strict */
}

int main(void)
{
  RUN(test_delay_model_equations);
  RUN(test_rates);
  RUN(test_prices_eq19);
  RUN(test_evaluate_eqs_23_25);
  RUN(test_constraints);
  RUN(test_lexicographic_order);
  return CHECK_DONE();
}
