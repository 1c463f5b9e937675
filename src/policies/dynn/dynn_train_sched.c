/* dynn_train_sched.c - the policy model (eqs. 28-29), the scheduling model
 * (PMRL, eqs. 21-27, Algorithm 1) and its RL baseline, and the held-out
 * evaluation of a whole decision chain; see dynn_train.h. */
#include "policies/dynn/dynn_train.h"
#include "model/rng.h"
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Policy labels                                                            */
/* ------------------------------------------------------------------------ */
int dynn_policy_costs(const dynn_alloc_t *a, const dynn_params_t *p, const dynn_user_t *u, size_t n,
                      uint64_t extra_macs, double *cost)
{
  if (!a || a->kind != DYNN_ALLOC_MOE)
    return dynn_fail("dynn policy labels: need the MoE allocation model");
  if (n == 0)
    return dynn_fail("dynn policy labels: no offloaded users");
  double *b = malloc(2 * n * sizeof *b), *f = b ? b + n : NULL;
  if (!b)
    return dynn_fail("dynn policy labels: out of memory");
  for (size_t k = 1; k <= a->K; k++)
    for (size_t l = 1; l <= a->L; l++) {
      uint64_t macs = 0;
      if (dynn_alloc_infer(a, p, u, n, k, l, b, f, &macs) < 0) {
        free(b);
        return -1;
      }
      double ti = dynn_infer_s(p, (double)(extra_macs + macs)), c = 0;
      for (size_t i = 0; i < n; i++)
        c += dynn_cost_edge(p, &u[i], b[i], f[i], ti);
      cost[(k - 1) * a->L + (l - 1)] = c / (double)n;
    }
  free(b);
  return 0;
}

void dynn_policy_labels(const double *cost, size_t K, size_t L, size_t k[DYNN_POLICY_COUNT],
                        size_t l[DYNN_POLICY_COUNT])
{
  /* loops from the smallest model up with a strict '<': ties keep the smaller */
  size_t bk = 1, bl = 1;
  for (size_t kk = 1; kk <= K; kk++)
    for (size_t ll = 1; ll <= L; ll++)
      if (cost[(kk - 1) * L + (ll - 1)] < cost[(bk - 1) * L + (bl - 1)])
        bk = kk, bl = ll;
  k[DYNN_POLICY_FULL] = bk, l[DYNN_POLICY_FULL] = bl;
  bl = 1;
  for (size_t ll = 2; ll <= L; ll++)
    if (cost[(K - 1) * L + (ll - 1)] < cost[(K - 1) * L + (bl - 1)])
      bl = ll;
  k[DYNN_POLICY_FIX_WIDTH] = K, l[DYNN_POLICY_FIX_WIDTH] = bl;
  bk = 1;
  for (size_t kk = 2; kk <= K; kk++)
    if (cost[(kk - 1) * L + (L - 1)] < cost[(bk - 1) * L + (L - 1)])
      bk = kk;
  k[DYNN_POLICY_FIX_DEPTH] = bk, l[DYNN_POLICY_FIX_DEPTH] = L;
}

dynn_policy_hyper_t dynn_policy_hyper_default(void)
{
  return (dynn_policy_hyper_t){.lr = 1e-3, .samples = 2000, .epochs = 60, .batch = 32};
}

dynn_policy_hyper_t dynn_policy_hyper_quick(void)
{
  return (dynn_policy_hyper_t){.lr = 1e-3, .samples = 200, .epochs = 20, .batch = 32};
}

/* MACs of scheduling n users with the scheduling architecture (the model's
 * network if present, else a throw-away one of the same shape). */
static uint64_t sched_arch_macs(const dynn_model_t *m, size_t n)
{
  if (m->sched[DYNN_SCHED_PMRL])
    return nn_net_macs(m->sched[DYNN_SCHED_PMRL], n);
  nn_net_t *t = dynn_sched_net_new(0);
  uint64_t r = t ? nn_net_macs(t, n) : 0;
  nn_net_free(t);
  return r;
}

/* Held-out check of the policy networks: exact-label accuracy per variant. */
static int policy_accuracy(const dynn_model_t *m, uint64_t seed, size_t n_slots, double *acc)
{
  const dynn_alloc_t *a = m->alloc[DYNN_ALLOC_MOE];
  dynn_evalset_t e;
  if (dynn_evalset_make(&e, &m->params, &m->domain, 1, n_slots, seed) < 0)
    return -1;
  double *cost = malloc(a->K * a->L * sizeof *cost);
  size_t hit[DYNN_POLICY_COUNT] = {0};
  int rc = cost ? 0 : dynn_fail("dynn policy: out of memory");
  for (size_t s = 0; s < e.n_slots && rc == 0; s++) {
    const dynn_user_t *u = e.u + e.off[s];
    size_t n = e.n[s];
    uint64_t extra = sched_arch_macs(m, n) + dynn_policy_macs(m, DYNN_POLICY_FULL);
    if ((rc = dynn_policy_costs(a, &e.p[s], u, n, extra, cost)) < 0)
      break;
    size_t lk[DYNN_POLICY_COUNT], ll[DYNN_POLICY_COUNT];
    dynn_policy_labels(cost, a->K, a->L, lk, ll);
    for (int v = 0; v < DYNN_POLICY_COUNT; v++) {
      size_t k, l;
      if ((rc = dynn_policy_predict(m, (dynn_policy_variant_t)v, &e.p[s], u, n, &k, &l, NULL)) < 0)
        break;
      hit[v] += k == lk[v] && l == ll[v];
    }
  }
  for (int v = 0; v < DYNN_POLICY_COUNT && rc == 0; v++)
    acc[v] = (double)hit[v] / (double)e.n_slots;
  free(cost);
  dynn_evalset_free(&e);
  return rc;
}

int dynn_policy_pretrain(dynn_model_t *m, const dynn_policy_hyper_t *h, uint64_t seed, dynn_log_fn log, void *ctx,
                         double *acc)
{
  const dynn_alloc_t *a = m ? m->alloc[DYNN_ALLOC_MOE] : NULL;
  if (!a)
    return dynn_fail("dynn policy: pre-training needs the MoE allocation model");
  if (!(h->lr > 0) || h->samples < 1 || h->batch < 1)
    return dynn_fail("dynn policy: learning rate %g must be > 0, samples and batch >= 1", h->lr);
  for (int v = 0; v < DYNN_POLICY_COUNT; v++)
    if (!m->policy[v] && !(m->policy[v] = dynn_policy_net_new(seed * 1000003ULL + 101 + (uint64_t)v)))
      return -1;
  const size_t S = h->samples, KL = a->K * a->L;
  double *X = malloc(S * DYNN_POLICY_N_IN * sizeof *X), *Y = malloc(DYNN_POLICY_COUNT * S * 2 * sizeof *Y);
  double *cost = malloc(KL * sizeof *cost);
  dynn_user_t *u = malloc((size_t)m->domain.n_max * sizeof *u);
  gsl_rng *r = mec_rng_new(seed, MEC_STREAM_POLICY, 0x9011);
  int rc = 0;
  if (!X || !Y || !cost || !u || !r) {
    rc = dynn_fail("dynn policy: out of memory");
    goto out;
  }
  /* Algorithm 1, line 4: slots with every task offloaded and their labels */
  for (size_t s = 0; s < S; s++) {
    dynn_params_t p;
    size_t n = dynn_sample_slot(&m->params, &m->domain, 1, r, &p, u);
    dynn_policy_input(&m->norm, &p, u, n, X + s * DYNN_POLICY_N_IN);
    uint64_t extra = sched_arch_macs(m, n) + dynn_policy_macs(m, DYNN_POLICY_FULL);
    if ((rc = dynn_policy_costs(a, &p, u, n, extra, cost)) < 0)
      goto out;
    size_t lk[DYNN_POLICY_COUNT], ll[DYNN_POLICY_COUNT];
    dynn_policy_labels(cost, a->K, a->L, lk, ll);
    for (int v = 0; v < DYNN_POLICY_COUNT; v++)
      dynn_policy_encode(lk[v], ll[v], a->K, a->L, Y + ((size_t)v * S + s) * 2);
    if (log && (s + 1) % 500 == 0)
      log(ctx, "policy-labels", (long)(s + 1), NAN, NAN, NAN);
  }
  /* line 5: minimise eq. (29) */
  nn_opt_t opt = nn_adam(h->lr);
  for (int v = 0; v < DYNN_POLICY_COUNT; v++) {
    nn_net_set_training(m->policy[v], 1);
    for (size_t ep = 0; ep < h->epochs; ep++) {
      double loss = NAN;
      if (nn_fit(m->policy[v], X, Y + (size_t)v * S * 2, S, h->batch, 1, NN_LOSS_MSE, &opt, r, &loss) < 0) {
        rc = dynn_fail("dynn policy: %s", nn_last_error());
        goto out;
      }
      if (log)
        log(ctx, "policy-pre", (long)(ep + 1), loss, NAN, (double)v);
    }
    nn_net_set_training(m->policy[v], 0);
  }
  if (acc)
    rc = policy_accuracy(m, seed + 5000011, 200, acc);
out:
  if (r)
    gsl_rng_free(r);
  free(X);
  free(Y);
  free(cost);
  free(u);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Scheduling model (Algorithm 1)                                           */
/* ------------------------------------------------------------------------ */
dynn_sched_hyper_t dynn_sched_hyper_default(void)
{
  return (dynn_sched_hyper_t){.lr = 2e-3, .lr_policy = 1e-3, .episodes = 2000, .slots = 4, .relative = 1};
}

dynn_sched_hyper_t dynn_sched_hyper_quick(void)
{
  return (dynn_sched_hyper_t){.lr = 2e-3, .lr_policy = 1e-3, .episodes = 200, .slots = 4, .relative = 1};
}

/* Raw scores zA, zB of every user at (k, l) (evaluation mode): per-user,
 * so any subset's allocation is a softmax over its members' scores. */
static int alloc_scores(const dynn_alloc_t *a, const dynn_user_t *u, size_t n, size_t k, size_t l, double *x,
                        double *za, double *zb)
{
  for (size_t i = 0; i < n; i++)
    dynn_features(&a->norm, &u[i], x + i * DYNN_N_FEATURES);
  if (a->kind == DYNN_ALLOC_MOE && nn_net_set_moe_size(a->body, 0, k, l) < 0)
    return dynn_fail("dynn scheduling: %s", nn_last_error());
  const double *y = nn_net_forward(a->body, x, n);
  const double *z = y ? nn_net_forward(a->head_b, y, n) : NULL;
  if (z)
    memcpy(za, z, n * sizeof *z);
  z = z ? nn_net_forward(a->head_f, y, n) : NULL;
  if (!z)
    return dynn_fail("dynn scheduling: %s", nn_last_error());
  memcpy(zb, z, n * sizeof *z);
  return 0;
}

int dynn_sched_train(dynn_model_t *m, dynn_sched_variant_t v, const dynn_sched_hyper_t *h, uint64_t seed,
                     dynn_log_fn log, void *ctx, long log_every)
{
  dynn_alloc_t *a = m ? m->alloc[DYNN_ALLOC_MOE] : NULL;
  if (!a)
    return dynn_fail("dynn scheduling: training needs the MoE allocation model");
  if (v != DYNN_SCHED_PMRL && v != DYNN_SCHED_RL)
    return dynn_fail("dynn scheduling: unknown variant %d", (int)v);
  if (!(h->lr > 0) || !(h->lr_policy > 0) || h->slots < 1)
    return dynn_fail("dynn scheduling: learning rates must be > 0 and slots >= 1");
  const int pmrl = v == DYNN_SCHED_PMRL;
  if (pmrl && !m->policy[DYNN_POLICY_FULL]) {
    /* Algorithm 1, lines 2-6 */
    dynn_policy_hyper_t ph = dynn_policy_hyper_default();
    if (dynn_policy_pretrain(m, &ph, seed + 1, log, ctx, NULL) < 0)
      return -1;
  }
  nn_net_free(m->sched[v]);
  if (!(m->sched[v] = dynn_sched_net_new(seed * 1000003ULL + 211 + (uint64_t)v)))
    return -1;
  nn_net_t *sn = m->sched[v], *pn = pmrl ? m->policy[DYNN_POLICY_FULL] : NULL;
  const size_t S = h->slots, NM = (size_t)m->domain.n_max, K = a->K, L = a->L;
  const size_t tot_cap = S * NM;
  dynn_user_t *u = malloc(tot_cap * sizeof *u), *uo = malloc(NM * sizeof *uo);
  dynn_params_t *ps = malloc(S * sizeof *ps);
  size_t *ns = malloc(2 * S * sizeof *ns), *offs = ns ? ns + S : NULL;
  double *X = malloc(tot_cap * DYNN_SCHED_N_IN * sizeof *X), *dp = malloc(tot_cap * sizeof *dp);
  double *prob = malloc(tot_cap * sizeof *prob), *xa = malloc(NM * DYNN_N_FEATURES * sizeof *xa);
  double *za = malloc(NM * sizeof *za), *zb = malloc(NM * sizeof *zb), *cost = malloc(K * L * sizeof *cost);
  double *Xp = malloc(S * DYNN_POLICY_N_IN * sizeof *Xp), *Yp = malloc(S * 2 * sizeof *Yp);
  int *act = malloc(NM * sizeof *act);
  gsl_rng *r = mec_rng_new(seed, MEC_STREAM_POLICY, 0x5c4e);
  int rc = 0;
  if (!u || !uo || !ps || !ns || !X || !dp || !prob || !xa || !za || !zb || !cost || !Xp || !Yp || !act || !r) {
    rc = dynn_fail("dynn scheduling: out of memory");
    goto out;
  }
  nn_opt_t opt = nn_adam(h->lr), popt = nn_adam(h->lr_policy);
  const uint64_t pol_macs = pmrl ? nn_net_macs(pn, 1) : 0;
  dynn_sched_stats_t win = {0};
  long win_n = 0;
  double win_pl = 0;
  long win_pn = 0;
  for (size_t ep = 0; ep < h->episodes; ep++) {
    /* line 11: states */
    size_t tot = 0;
    for (size_t s = 0; s < S; s++) {
      offs[s] = tot;
      ns[s] = dynn_sample_slot(&m->params, &m->domain, 0, r, &ps[s], u + tot);
      for (size_t i = 0; i < ns[s]; i++)
        dynn_sched_input(&m->norm, &ps[s], u + tot, ns[s], i, X + (tot + i) * DYNN_SCHED_N_IN);
      tot += ns[s];
    }
    /* line 12: offloading probabilities */
    const double *pr = nn_net_forward(sn, X, tot);
    if (!pr) {
      rc = dynn_fail("dynn scheduling: %s", nn_last_error());
      goto out;
    }
    memcpy(prob, pr, tot * sizeof *prob);
    size_t n_pol = 0;
    double ep_reward = 0, ep_cost = 0, ep_off = 0, ep_k = 0, ep_l = 0;
    for (size_t s = 0; s < S; s++) {
      const dynn_params_t *p = &ps[s];
      const dynn_user_t *us = u + offs[s];
      const size_t n = ns[s];
      size_t no = 0;
      for (size_t i = 0; i < n; i++) {
        act[i] = gsl_rng_uniform(r) < prob[offs[s] + i];
        if (act[i])
          uo[no++] = us[i];
      }
      /* line 13: size from the policy model (on the offloaded set; on the
       * whole slot when nothing is offloaded, for the counterfactuals) */
      size_t k = K, l = L;
      if (pmrl) {
        double xp[DYNN_POLICY_N_IN];
        dynn_policy_input(&m->norm, p, no ? uo : us, no ? no : n, xp);
        const double *y = nn_net_forward(pn, xp, 1);
        if (!y) {
          rc = dynn_fail("dynn scheduling: %s", nn_last_error());
          goto out;
        }
        dynn_policy_decode(y, K, L, DYNN_POLICY_FULL, &k, &l);
      }
      if ((rc = alloc_scores(a, us, n, k, l, xa, za, zb)) < 0)
        goto out;
      /* softmax sums over the offloaded set (shift by the max of all) */
      double mxa = za[0], mxb = zb[0];
      for (size_t i = 1; i < n; i++)
        mxa = fmax(mxa, za[i]), mxb = fmax(mxb, zb[i]);
      double sa = 0, sb = 0;
      for (size_t i = 0; i < n; i++)
        if (act[i])
          sa += exp(za[i] - mxa), sb += exp(zb[i] - mxb);
      const uint64_t sm = nn_net_macs(sn, n);
      const double t_l = dynn_infer_s(p, (double)sm);
      const double t_e = dynn_infer_s(p, (double)(sm + pol_macs + dynn_alloc_macs(a, no, k, l)));
      const double t_e1 = dynn_infer_s(p, (double)(sm + pol_macs + dynn_alloc_macs(a, no + 1, k, l)));
      /* line 14: rewards (eq. 23) and their gradient */
      for (size_t i = 0; i < n; i++) {
        const dynn_user_t *ui = &us[i];
        double c_loc = dynn_cost_loc(p, ui, t_l), c_edge;
        double ea = exp(za[i] - mxa), eb = exp(zb[i] - mxb);
        if (act[i]) {
          c_edge = dynn_cost_edge(p, ui, p->b_max * ea / sa, p->f_ser * eb / sb, t_e);
        } else {
          /* counterfactual: the offloaded set plus this user, same (k, l) */
          c_edge = dynn_cost_edge(p, ui, p->b_max * ea / (sa + ea), p->f_ser * eb / (sb + eb), t_e1);
        }
        double pi = prob[offs[s] + i], p_taken = act[i] ? pi : 1 - pi;
        double c_taken = act[i] ? c_edge : c_loc, c_other = act[i] ? c_loc : c_edge;
        double R = dynn_reward(c_loc, c_edge, act[i], p_taken);
        if (!isfinite(R) || !isfinite(c_other - c_taken)) {
          rc = dynn_fail("dynn scheduling: non-finite cost for a user (C_loc %g, C_edge %g)", c_loc, c_edge);
          goto out;
        }
        /* loss = -mean R with the C's constant: dR/dp_i = (C_other - C_taken) * (+1 | -1) */
        double adv = c_other - c_taken;
        if (h->relative)
          adv = c_loc + c_edge > 0 ? adv / (c_loc + c_edge) : 0;
        dp[offs[s] + i] = -adv * (act[i] ? 1.0 : -1.0) / ((double)n * (double)S);
        ep_reward += R / (double)n;
        ep_cost += c_taken / (double)n;
      }
      ep_off += (double)no / (double)n;
      ep_k += (double)k, ep_l += (double)l;
      /* line 15's labels: eq. (28) on the offloaded set */
      if (pmrl && no > 0) {
        if ((rc = dynn_policy_costs(a, p, uo, no, sm + pol_macs, cost)) < 0)
          goto out;
        size_t lk[DYNN_POLICY_COUNT], ll[DYNN_POLICY_COUNT];
        dynn_policy_labels(cost, K, L, lk, ll);
        dynn_policy_input(&m->norm, p, uo, no, Xp + n_pol * DYNN_POLICY_N_IN);
        dynn_policy_encode(lk[DYNN_POLICY_FULL], ll[DYNN_POLICY_FULL], K, L, Yp + n_pol * 2);
        n_pol++;
      }
    }
    /* line 16: scheduling update (the sched net still holds this forward) */
    nn_net_zero_grad(sn);
    if (nn_net_backward(sn, dp, NULL) < 0 || nn_net_step(sn, &opt) < 0) {
      rc = dynn_fail("dynn scheduling: %s", nn_last_error());
      goto out;
    }
    /* line 15: policy update */
    if (pmrl && n_pol > 0) {
      double pl = nn_net_train_batch(pn, Xp, Yp, n_pol, NN_LOSS_MSE, &popt);
      if (isnan(pl)) {
        rc = dynn_fail("dynn scheduling: policy update: %s", nn_last_error());
        goto out;
      }
      win_pl += pl, win_pn++;
    }
    win.reward += ep_reward / (double)S;
    win.cost += ep_cost / (double)S;
    win.frac_off += ep_off / (double)S;
    win.mean_k += ep_k / (double)S;
    win.mean_l += ep_l / (double)S;
    win_n++;
    if (log && log_every > 0 && ((long)(ep + 1) % log_every == 0 || ep + 1 == h->episodes)) {
      /* loss_a: mean reward, loss_b: mean cost, extra: offloaded share */
      log(ctx, pmrl ? "sched-pmrl" : "sched-rl", (long)(ep + 1), win.reward / (double)win_n,
          win.cost / (double)win_n, win.frac_off / (double)win_n);
      if (pmrl)
        log(ctx, "policy-joint", (long)(ep + 1), win_pn ? win_pl / (double)win_pn : NAN, win.mean_k / (double)win_n,
            win.mean_l / (double)win_n);
      memset(&win, 0, sizeof win);
      win_n = 0, win_pl = 0, win_pn = 0;
    }
  }
  nn_net_set_training(sn, 0);
  if (pn)
    nn_net_set_training(pn, 0);
out:
  if (r)
    gsl_rng_free(r);
  free(u);
  free(uo);
  free(ps);
  free(ns);
  free(X);
  free(dp);
  free(prob);
  free(xa);
  free(za);
  free(zb);
  free(cost);
  free(Xp);
  free(Yp);
  free(act);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Decision chain evaluation                                                */
/* ------------------------------------------------------------------------ */
int dynn_chain_eval(const dynn_model_t *m, int sv, int pv, dynn_alloc_kind_t kind, const dynn_evalset_t *e,
                    dynn_chain_eval_t *out)
{
  memset(out, 0, sizeof *out);
  const dynn_alloc_t *a = dynn_model_alloc(m, kind);
  if (!a)
    return dynn_fail("dynn evaluation: the model has no %s allocation model", dynn_alloc_kind_name(kind));
  if (sv >= DYNN_SCHED_COUNT || sv < DYNN_CHAIN_RANDOM || pv >= DYNN_POLICY_COUNT)
    return dynn_fail("dynn evaluation: bad scheduling (%d) or policy (%d) variant", sv, pv);
  size_t nmax = 0;
  for (size_t s = 0; s < e->n_slots; s++)
    if (e->n[s] > nmax)
      nmax = e->n[s];
  double *b = calloc(4 * nmax, sizeof *b), *f = b ? b + nmax : NULL, *bo = b ? b + 2 * nmax : NULL,
         *fo = b ? b + 3 * nmax : NULL;
  int *x = calloc(nmax, sizeof *x);
  dynn_user_t *uo = calloc(nmax, sizeof *uo);
  double *xa = calloc(nmax * (DYNN_N_FEATURES + 2), sizeof *xa), *za = xa ? xa + nmax * DYNN_N_FEATURES : NULL,
         *zb = za ? za + nmax : NULL;
  int rc = 0;
  double right = 0;
  if (!b || !x || !uo || !xa) {
    rc = dynn_fail("dynn evaluation: out of memory");
    goto done;
  }
  double obj = 0, del = 0, en = 0, off = 0, macs_sum = 0, users = 0;
  long miss = 0;
  for (size_t s = 0; s < e->n_slots; s++) {
    const dynn_params_t *p = &e->p[s];
    const dynn_user_t *u = e->u + e->off[s];
    const size_t n = e->n[s];
    uint64_t sm = 0;
    if (sv >= 0) {
      if ((rc = dynn_sched_predict(m, (dynn_sched_variant_t)sv, p, u, n, b, &sm)) < 0)
        goto done;
      for (size_t i = 0; i < n; i++)
        x[i] = b[i] >= 0.5;
    } else if (sv == DYNN_CHAIN_RANDOM) {
      gsl_rng *r = mec_rng_new(s, MEC_STREAM_POLICY, 0x7a9d);
      if (!r) {
        rc = dynn_fail("dynn evaluation: out of memory");
        goto done;
      }
      for (size_t i = 0; i < n; i++)
        x[i] = gsl_rng_uniform(r) < 0.5;
      gsl_rng_free(r);
    } else {
      for (size_t i = 0; i < n; i++)
        x[i] = sv == DYNN_CHAIN_ALL_OFF;
    }
    size_t no = 0;
    for (size_t i = 0; i < n; i++)
      if (x[i])
        uo[no++] = u[i];
    size_t k = a->K, l = a->L;
    uint64_t pm = 0, am = 0;
    if (no > 0) {
      if (pv >= 0 && kind == DYNN_ALLOC_MOE &&
          (rc = dynn_policy_predict(m, (dynn_policy_variant_t)pv, p, uo, no, &k, &l, &pm)) < 0)
        goto done;
      if ((rc = dynn_alloc_infer(a, p, uo, no, k, l, bo, fo, &am)) < 0)
        goto done;
    }
    for (size_t i = 0, j = 0; i < n; i++) {
      b[i] = x[i] ? bo[j] : 0;
      f[i] = x[i] ? fo[j++] : 0;
    }
    double t_l = dynn_infer_s(p, (double)sm), t_e = dynn_infer_s(p, (double)(sm + pm + am));
    dynn_slot_eval_t ev = dynn_eval_slot(p, u, n, x, b, f, t_l, t_e, NULL, NULL, NULL);
    /* was each user's action the cheaper one for it, given the others'? */
    if ((rc = alloc_scores(a, u, n, k, l, xa, za, zb)) < 0)
      goto done;
    double mxa = za[0], mxb = zb[0], sa = 0, sb = 0;
    for (size_t i = 1; i < n; i++)
      mxa = fmax(mxa, za[i]), mxb = fmax(mxb, zb[i]);
    for (size_t i = 0; i < n; i++)
      if (x[i])
        sa += exp(za[i] - mxa), sb += exp(zb[i] - mxb);
    uint64_t pm1 = pv >= 0 && kind == DYNN_ALLOC_MOE ? dynn_policy_macs(m, (dynn_policy_variant_t)pv) : 0;
    double t_e1 = dynn_infer_s(p, (double)(sm + pm1 + dynn_alloc_macs(a, no + 1, k, l)));
    for (size_t i = 0; i < n; i++) {
      double cl = dynn_cost_loc(p, &u[i], t_l), ce;
      if (x[i]) {
        ce = dynn_cost_edge(p, &u[i], b[i], f[i], t_e);
      } else {
        double ea = exp(za[i] - mxa), eb = exp(zb[i] - mxb);
        ce = dynn_cost_edge(p, &u[i], p->b_max * ea / (sa + ea), p->f_ser * eb / (sb + eb), t_e1);
      }
      right += x[i] ? ce <= cl : cl <= ce;
    }
    obj += ev.objective, del += ev.delay_sum, en += ev.energy_sum, miss += ev.misses;
    off += (double)no, users += (double)n, macs_sum += (double)(sm + pm + am);
  }
  out->objective = obj / users;
  out->mean_delay = del / users;
  out->miss_ratio = (double)miss / users;
  out->energy = en / users;
  out->frac_off = off / users;
  out->mean_macs = macs_sum / (double)e->n_slots;
  out->frac_right = right / users;
done:
  free(b);
  free(x);
  free(uo);
  free(xa);
  return rc;
}
