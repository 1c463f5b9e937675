/* test_dynn_train.c - DyNN training (dynn_train.h): the gradient of the
 * cross-user softmax + eq. (1)/(2) loss against finite differences; a short
 * training run brings the weighted delay well below the equal split's on
 * held-out slots; the policy labels equal a brute-force argmin computed
 * through dynn_eval_slot; scheduling training learns to offload in an easy
 * case (close users, huge server) and to stay local in the opposite one;
 * samples respect the domain ranges; reproducibility; a tiny Fig. 12 run. */
#include "check.h"
#include "policies/dynn/dynn_train.h"
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gsl_rng *rng;

static void test_softmax_loss_gradient(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_user_t u[7];
  dynn_sample_users(&p, rng, 7, u);
  u[3].s = 0; /* a zero-size task is indifferent */
  for (int which = 0; which < 2; which++)
    for (int trial = 0; trial < 3; trial++) {
      double z[7], dz[7];
      for (int i = 0; i < 7; i++)
        z[i] = 2 * gsl_rng_uniform(rng) - 1;
      double L = dynn_alloc_slot_loss(&p, u, 7, z, which, dz);
      CHECK(isfinite(L) && L > 0);
      double worst = 0;
      for (int j = 0; j < 7; j++) {
        const double h = 1e-6;
        double zp[7], zm[7];
        memcpy(zp, z, sizeof z);
        memcpy(zm, z, sizeof z);
        zp[j] += h, zm[j] -= h;
        double num = (dynn_alloc_slot_loss(&p, u, 7, zp, which, NULL) - dynn_alloc_slot_loss(&p, u, 7, zm, which,
                                                                                             NULL)) /
                     (2 * h);
        worst = fmax(worst, fabs(num - dz[j]) / fmax(1e-6, fabs(num) + fabs(dz[j])));
      }
      CHECK(worst < 1e-6);
      /* the value: (1/n) sum w_i T(b_i) with b = total softmax(z) */
      double mx = z[0], s = 0, want = 0;
      for (int i = 1; i < 7; i++)
        mx = fmax(mx, z[i]);
      for (int i = 0; i < 7; i++)
        s += exp(z[i] - mx);
      for (int i = 0; i < 7; i++) {
        double r = (which ? p.f_ser : p.b_max) * exp(z[i] - mx) / s;
        want += dynn_weight(&p, &u[i]) * (which ? dynn_t_com(&u[i], r) : dynn_t_tra(&p, &u[i], r));
      }
      CHECK_REL(L, want / 7, 1e-12);
    }
  /* the loss's minimum for the CPU is f_i ~ sqrt(w_i c_i s_i): zero gradient there */
  double z[7], dz[7];
  for (int i = 0; i < 7; i++) {
    double q = dynn_weight(&p, &u[i]) * u[i].c * u[i].s;
    z[i] = q > 0 ? 0.5 * log(q) : -30;
  }
  dynn_alloc_slot_loss(&p, u, 7, z, 1, dz);
  double g = 0;
  for (int i = 0; i < 7; i++)
    g = fmax(g, fabs(dz[i]));
  CHECK(g < 1e-9);
}

static void test_sampler(void)
{
  dynn_params_t base = dynn_params_default(), p;
  dynn_domain_t d = dynn_domain_default();
  dynn_user_t u[50];
  int no_cpu = 0, nmin = 100, nmax = 0;
  for (int t = 0; t < 400; t++) {
    size_t n = dynn_sample_slot(&base, &d, 1, rng, &p, u);
    CHECK(n >= 10 && n <= 50);
    nmin = n < (size_t)nmin ? (int)n : nmin;
    nmax = n > (size_t)nmax ? (int)n : nmax;
    CHECK(p.s_avg >= 500 && p.s_avg <= 2500 && p.c_avg >= 400 && p.c_avg <= 1200);
    CHECK(p.f_ser >= 1.5e9 && p.f_ser <= 3.5e9 && p.f_infer == p.f_ser);
    CHECK(p.b_max == base.b_max && p.d_max == base.d_max);
    no_cpu += p.floc_max == 0;
    for (size_t i = 0; i < n; i++)
      CHECK(u[i].s <= 2 * p.s_avg && u[i].c <= 2 * p.c_avg && u[i].f_loc <= p.floc_max);
  }
  CHECK(nmin <= 12 && nmax >= 48);
  CHECK(no_cpu > 140 && no_cpu < 260);
  /* users always have a CPU when not allowed otherwise; disabled domain = base */
  for (int t = 0; t < 50; t++) {
    dynn_sample_slot(&base, &d, 0, rng, &p, u);
    CHECK(p.floc_max == base.floc_max);
  }
  d.enabled = 0, d.n_max = 30;
  CHECK(dynn_sample_slot(&base, &d, 1, rng, &p, u) == 30);
  CHECK(memcmp(&p, &base, sizeof p) == 0);
  d = dynn_domain_default();
  d.n_min = 60;
  CHECK(dynn_domain_check(&d) < 0 && strstr(dynn_last_error(), "users range") != NULL);
}

static void test_training_beats_equal_split(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_domain_t d = dynn_domain_default();
  d.enabled = 0, d.n_min = d.n_max = 20;
  dynn_alloc_t *a = dynn_alloc_new(DYNN_ALLOC_MOE, 4, 2, 16, &p, 1);
  dynn_evalset_t e;
  CHECK(dynn_evalset_make(&e, &p, &d, 1, 60, 999) == 0);
  double eq = dynn_alloc_eval(NULL, &e, 0, 0, 0), opt = dynn_alloc_eval_optimal(&e);
  double before = dynn_alloc_eval(a, &e, 4, 2, 0);
  dynn_alloc_hyper_t h = dynn_alloc_hyper_quick();
  h.steps_full = 150, h.steps_width = 100, h.steps_depth1 = 30, h.steps_depth2 = 100;
  CHECK(dynn_alloc_train(a, &p, &d, &h, 5, NULL, NULL, 0) == 0);
  double after = dynn_alloc_eval(a, &e, 4, 2, 0), small = dynn_alloc_eval(a, &e, 1, 1, 0);
  printf("  equal split %.4f, untrained %.4f, trained (4,2) %.4f, (1,1) %.4f, optimum %.4f\n", eq, before, after,
         small, opt);
  CHECK(opt < after);
  CHECK(after < 0.6 * eq);
  CHECK(small < 0.7 * eq); /* the smallest sub-network was trained too */
  /* with inference, the same plus w_i lambda MACs / f_infer for every user */
  double inf = dynn_alloc_eval(a, &e, 4, 2, 1);
  CHECK(inf > after);
  CHECK(a->training == 0);
  /* reproducible: the same seed gives the same weights */
  dynn_alloc_t *b = dynn_alloc_new(DYNN_ALLOC_MOE, 4, 2, 16, &p, 1);
  CHECK(dynn_alloc_train(b, &p, &d, &h, 5, NULL, NULL, 0) == 0);
  size_t n1, n2;
  const double *p1 = nn_net_params(a->body, &n1), *p2 = nn_net_params(b->body, &n2);
  CHECK(n1 == n2 && memcmp(p1, p2, n1 * sizeof *p1) == 0);
  dynn_alloc_free(b);
  /* the static model learns as well */
  dynn_alloc_t *s = dynn_alloc_new(DYNN_ALLOC_STATIC, 1, 2, 24, &p, 2);
  h.steps_full = 120, h.steps_width = h.steps_depth1 = h.steps_depth2 = 0;
  CHECK(dynn_alloc_train(s, &p, &d, &h, 6, NULL, NULL, 0) == 0);
  double st = dynn_alloc_eval(s, &e, 0, 0, 0);
  CHECK(st < 0.6 * eq);
  dynn_alloc_free(s);
  dynn_alloc_free(a);
  dynn_evalset_free(&e);
}

/* Brute force of eq. (28) through dynn_eval_slot (a separate code path). */
static void test_policy_labels(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_alloc_t *a = dynn_alloc_new(DYNN_ALLOC_MOE, 3, 2, 8, &p, 4);
  size_t np;
  double *P = nn_net_params(a->body, &np);
  for (size_t i = 0; i < np; i++)
    P[i] += 0.3 * (gsl_rng_uniform(rng) - 0.5);
  /* slow inference so that the size matters */
  p.f_infer = 2e6;
  dynn_user_t u[4];
  int differs = 0;
  for (int trial = 0; trial < 20; trial++) {
    dynn_sample_users(&p, rng, 4, u);
    const uint64_t extra = 1234;
    double cost[6];
    CHECK(dynn_policy_costs(a, &p, u, 4, extra, cost) == 0);
    size_t lk[3], ll[3];
    dynn_policy_labels(cost, 3, 2, lk, ll);
    double best = INFINITY, bw = INFINITY, bd = INFINITY;
    size_t bk = 0, bl = 0, wl = 0, dk = 0;
    for (size_t k = 1; k <= 3; k++)
      for (size_t l = 1; l <= 2; l++) {
        double b[4], f[4];
        uint64_t macs;
        CHECK(dynn_alloc_infer(a, &p, u, 4, k, l, b, f, &macs) == 0);
        int x[4] = {1, 1, 1, 1};
        double ti = p.lambda * (double)(macs + extra) / p.f_infer;
        dynn_slot_eval_t ev = dynn_eval_slot(&p, u, 4, x, b, f, 0, ti, NULL, NULL, NULL);
        double wsum = 0;
        for (int i = 0; i < 4; i++)
          wsum += dynn_weight(&p, &u[i]);
        double c = (p.alpha * (wsum * ti + ev.wdelay_tra + ev.wdelay_com) + p.beta * ev.energy_sum) / 4;
        CHECK_REL(c, cost[(k - 1) * 2 + (l - 1)], 1e-9);
        if (c < best)
          best = c, bk = k, bl = l;
        if (k == 3 && c < bw)
          bw = c, wl = l;
        if (l == 2 && c < bd)
          bd = c, dk = k;
      }
    CHECK(lk[DYNN_POLICY_FULL] == bk && ll[DYNN_POLICY_FULL] == bl);
    CHECK(lk[DYNN_POLICY_FIX_WIDTH] == 3 && ll[DYNN_POLICY_FIX_WIDTH] == wl);
    CHECK(lk[DYNN_POLICY_FIX_DEPTH] == dk && ll[DYNN_POLICY_FIX_DEPTH] == 2);
    differs += bk != 3 || bl != 2;
  }
  CHECK(differs > 0); /* the slow CPU makes a smaller model the best sometimes */
  /* a hand-made table: ties go to the smaller model */
  double c[6] = {5, 4, 3, 3, 7, 2.5}; /* (1,1) (1,2) (2,1) (2,2) (3,1) (3,2) */
  size_t k[3], l[3];
  dynn_policy_labels(c, 3, 2, k, l);
  CHECK(k[0] == 3 && l[0] == 2 && k[1] == 3 && l[1] == 2 && k[2] == 3 && l[2] == 2);
  c[5] = 3;
  dynn_policy_labels(c, 3, 2, k, l);
  CHECK(k[0] == 2 && l[0] == 1);          /* 3 at (2,1), (2,2), (3,2): smallest */
  CHECK(k[1] == 3 && l[1] == 2);          /* fix width: l at k = 3: 7 vs 3 */
  CHECK(k[2] == 2 && l[2] == 2);          /* fix depth: k at l = 2: 4, 3, 3 */
  dynn_alloc_free(a);
}

/* Scheduling: an easy case each way; RL variant (no policy model). */
static double mean_prob(dynn_model_t *m, const dynn_params_t *p, const dynn_domain_t *d, uint64_t seed)
{
  dynn_evalset_t e;
  dynn_evalset_make(&e, p, d, 0, 20, seed);
  double s = 0, cnt = 0;
  double pr[64];
  for (size_t j = 0; j < e.n_slots; j++) {
    CHECK(dynn_sched_predict(m, DYNN_SCHED_RL, &e.p[j], e.u + e.off[j], e.n[j], pr, NULL) == 0);
    for (size_t i = 0; i < e.n[j]; i++)
      s += pr[i], cnt++;
  }
  dynn_evalset_free(&e);
  return s / cnt;
}

static void test_sched_easy_cases(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_domain_t d = dynn_domain_default();
  d.enabled = 0, d.n_min = d.n_max = 10;
  dynn_sched_hyper_t h = dynn_sched_hyper_quick();
  h.episodes = 500;

  /* close users, a huge server: offloading is much cheaper */
  dynn_params_t near = p;
  near.l_min = 5, near.l_max = 10, near.f_ser = 1e11;
  dynn_model_t *m = dynn_model_new(&near, &d, 1);
  m->alloc[DYNN_ALLOC_MOE] = dynn_alloc_new(DYNN_ALLOC_MOE, 2, 1, 8, &m->norm, 1);
  double before = 0;
  m->sched[DYNN_SCHED_RL] = dynn_sched_net_new(211 + 1);
  before = mean_prob(m, &near, &d, 77);
  CHECK(dynn_sched_train(m, DYNN_SCHED_RL, &h, 3, NULL, NULL, 0) == 0);
  double after = mean_prob(m, &near, &d, 77);
  printf("  offload case: mean p %.3f -> %.3f\n", before, after);
  CHECK(after > 0.9);
  dynn_chain_eval_t ce;
  dynn_evalset_t e;
  dynn_evalset_make(&e, &near, &d, 0, 10, 78);
  CHECK(dynn_chain_eval(m, DYNN_SCHED_RL, -1, DYNN_ALLOC_MOE, &e, &ce) == 0);
  CHECK(ce.frac_off > 0.9 && ce.mean_macs > 0);
  CHECK(ce.frac_right > 0.9); /* offloading is the cheaper action for them */
  CHECK(dynn_chain_eval(m, DYNN_CHAIN_ALL_LOCAL, -1, DYNN_ALLOC_MOE, &e, &ce) == 0);
  CHECK(ce.frac_off == 0 && ce.mean_macs == 0 && ce.energy > 0);
  dynn_evalset_free(&e);
  dynn_model_free(m);

  /* fast local CPUs, far users, a narrow channel and a slow server: local
   * wins (for all but the users whose weight w_i is near 0, for whom the
   * local energy decides) */
  dynn_params_t far = p;
  far.floc_min = 0.3e9, far.floc_max = 0.5e9, far.l_min = 400, far.l_max = 500, far.b_max = 1e4, far.f_ser = 1e8;
  m = dynn_model_new(&far, &d, 1);
  m->alloc[DYNN_ALLOC_MOE] = dynn_alloc_new(DYNN_ALLOC_MOE, 2, 1, 8, &m->norm, 1);
  m->sched[DYNN_SCHED_RL] = dynn_sched_net_new(211 + 1);
  before = mean_prob(m, &far, &d, 79);
  CHECK(dynn_sched_train(m, DYNN_SCHED_RL, &h, 3, NULL, NULL, 0) == 0);
  after = mean_prob(m, &far, &d, 79);
  printf("  local case: mean p %.3f -> %.3f\n", before, after);
  CHECK(after < 0.15);
  /* decisions of the users with a clear answer: C_loc (eq. 24) vs C_edge
   * (eq. 25) when offloading alone (everybody else stays local) */
  dynn_evalset_make(&e, &far, &d, 0, 20, 80);
  int clear = 0, right = 0;
  for (size_t j = 0; j < e.n_slots; j++) {
    const dynn_user_t *u = e.u + e.off[j];
    double pr[16];
    uint64_t sm;
    CHECK(dynn_sched_predict(m, DYNN_SCHED_RL, &e.p[j], u, e.n[j], pr, &sm) == 0);
    for (size_t i = 0; i < e.n[j]; i++) {
      double tl = dynn_infer_s(&e.p[j], (double)sm),
             te = dynn_infer_s(&e.p[j], (double)(sm + dynn_alloc_macs(m->alloc[DYNN_ALLOC_MOE], 1, 2, 1)));
      /* without the scheduling inference both share (alpha w T_l) */
      double cl = dynn_cost_loc(&e.p[j], &u[i], 0), ce1 = dynn_cost_edge(&e.p[j], &u[i], far.b_max, far.f_ser, te - tl);
      if (fabs(cl - ce1) > 0.3 * fmax(cl, ce1)) {
        clear++;
        right += (pr[i] >= 0.5) == (ce1 < cl);

      }
    }
  }
  printf("  local case: %d of %d clear decisions right\n", right, clear);
  CHECK(clear > 100 && right >= 0.95 * clear);
  CHECK(dynn_chain_eval(m, DYNN_SCHED_RL, -1, DYNN_ALLOC_MOE, &e, &ce) == 0);
  CHECK(ce.frac_off < 0.15 && ce.frac_right > 0.85);
  dynn_evalset_free(&e);
  dynn_model_free(m);
}

/* PMRL: pre-trained policy model, joint loop; sizes stay in range. */
static void test_pmrl_smoke(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_domain_t d = dynn_domain_default();
  d.n_min = 5, d.n_max = 12;
  dynn_model_t *m = dynn_model_new(&p, &d, 1);
  m->alloc[DYNN_ALLOC_MOE] = dynn_alloc_new(DYNN_ALLOC_MOE, 3, 2, 8, &m->norm, 1);
  dynn_policy_hyper_t ph = dynn_policy_hyper_quick();
  ph.samples = 60, ph.epochs = 5;
  double acc[3];
  CHECK(dynn_policy_pretrain(m, &ph, 2, NULL, NULL, acc) == 0);
  CHECK(acc[0] >= 0 && acc[0] <= 1 && acc[1] >= 0 && acc[2] <= 1);
  dynn_sched_hyper_t h = dynn_sched_hyper_quick();
  h.episodes = 30;
  CHECK(dynn_sched_train(m, DYNN_SCHED_PMRL, &h, 3, NULL, NULL, 0) == 0);
  CHECK(m->sched[DYNN_SCHED_PMRL] != NULL && m->sched[DYNN_SCHED_RL] == NULL);
  dynn_evalset_t e;
  dynn_evalset_make(&e, &p, &d, 0, 10, 5);
  dynn_chain_eval_t ce;
  CHECK(dynn_chain_eval(m, DYNN_SCHED_PMRL, DYNN_POLICY_FULL, DYNN_ALLOC_MOE, &e, &ce) == 0);
  CHECK(isfinite(ce.objective) && ce.frac_off >= 0 && ce.frac_off <= 1);
  dynn_evalset_free(&e);
  CHECK(dynn_sched_train(m, DYNN_SCHED_COUNT, &h, 3, NULL, NULL, 0) < 0);
  dynn_model_free(m);
}

static void test_fig12_tiny(void)
{
  dynn_params_t p = dynn_params_default();
  dynn_domain_t d = dynn_domain_default();
  d.enabled = 0, d.n_min = d.n_max = 8;
  dynn_fig12_cfg_t c = dynn_fig12_cfg_default();
  c.h = dynn_alloc_hyper_quick();
  c.h.slots = 2;
  c.ref_steps = 20, c.max_steps = 40, c.check_every = 10, c.val_slots = 4, c.target_frac = 0.5;
  dynn_fig12_row_t rows[DYNN_DYN_COUNT * DYNN_METHOD_COUNT];
  CHECK(dynn_fig12(&p, &d, 3, 2, 6, &c, 1, rows, NULL, NULL) == 0);
  for (int i = 0; i < DYNN_DYN_COUNT * DYNN_METHOD_COUNT; i++) {
    CHECK(rows[i].kind == (dynn_dyn_kind_t)(i / 2) && rows[i].method == (dynn_method_t)(i % 2));
    CHECK(rows[i].steps >= 1 && rows[i].steps <= 40);
    CHECK(rows[i].samples == rows[i].steps * 2);
    CHECK(rows[i].wall_s >= 0);
    CHECK(rows[i].reached == (rows[i].worst_gap <= 0));
    /* scratch: largest, smallest and 2 random per step; PS: one */
    CHECK(rows[i].subnet_passes == rows[i].steps * (rows[i].method == DYNN_METHOD_PS ? 1 : 4));
  }
  c.target_frac = 0;
  CHECK(dynn_fig12(&p, &d, 3, 2, 6, &c, 1, rows, NULL, NULL) < 0);
}

int main(void)
{
  rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 777);
  RUN(test_softmax_loss_gradient);
  RUN(test_sampler);
  RUN(test_training_beats_equal_split);
  RUN(test_policy_labels);
  RUN(test_sched_easy_cases);
  RUN(test_pmrl_smoke);
  RUN(test_fig12_tiny);
  gsl_rng_free(rng);
  return CHECK_DONE();
}
