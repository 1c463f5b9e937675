/* bcos_train.c - the BCOS losses (eqs. 20, 25) with hand-written gradients
 * through the constraint layers, the joint teacher/student training
 * (Algorithm 1) and the evaluation against PCOS, MCOS and the exact
 * optimum; see bcos_model.h and docs/bcos.md, "Networks and training".
 *
 * The student's sign() layer (eq. 15) has derivative zero wherever it is
 * differentiable, and this is back-propagated as it is: the student's loss
 * gives the shared a-FCN no gradient, so the student step updates only the
 * student's t- and p-FCNs, and the shared a-FCN learns in the teacher step,
 * through the teacher's differentiable a_aux (eq. 23). That is the paper's
 * point (Section 4.3, Fig. 3): the teacher supplies the "lossless" gradient
 * instead of a straight-through estimator (STE: pass dL/da through sign()
 * as if it were the identity), which the paper rejects as a noisy,
 * sometimes wrongly directed update. */
#include "policies/bcos/bcos_model.h"
#include "policies/bcos/bcos_opt.h"
#include "model/rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define bfail bcos_model_fail
#define EVAL_CHUNK 1024
#define EVAL_RTOL 1e-9

bcos_hyper_t bcos_hyper_default(void)
{
  /* samples and batch: Algorithm 1. lr: Adam's usual 1e-3. lambda0 and
   * alpha are not given: lambda weighs seconds of missing upload time
   * against joules, and the energy's gradient in t is beta p <= p_max =
   * 0.2 J/s. lambda0 = 5, alpha = 1 gave ~3 % of held-out K = 4 slots
   * violating C5 (1 and 0.1: ~10 %, at 15 % less energy; docs/bcos.md). */
  return (bcos_hyper_t){.samples = 20000, .batch = 1000, .iterations = 1000, .lr = 1e-3, .alpha = 1.0, .lambda0 = 5.0};
}

/* ------------------------------------------------------------------------ */
/* Losses                                                                   */
/* ------------------------------------------------------------------------ */
double bcos_slot_loss(const bcos_params_t *par, const bcos_md_t *md, size_t K, const double *a, const double *t,
                      const double *p, double lambda, double *penalty, double *energy, double *da, double *dt,
                      double *dp)
{
  const double W = par->bandwidth_hz, q0 = 1.0 / par->noise_w;
  double en = 0, pen = 0;
  for (size_t k = 0; k < K; k++) {
    const double beta = md[k].beta, B = md[k].bits, f = md[k].f_local;
    const double eloc = par->eps * B * md[k].cycles_per_bit * f * f; /* P1's local energy (eq. 20 drops B C f^2) */
    en += beta * (p[k] * t[k] + (1.0 - a[k]) * eloc);
    /* t' = a B / r(p), r = W log2(1 + p h / N0); log1p keeps small SNRs exact */
    double q = md[k].gain * q0, r = 0, drdp = 0, tp = 0;
    if (a[k] > 0) {
      r = W * log1p(p[k] * q) / M_LN2;
      drdp = W * q / ((1.0 + p[k] * q) * M_LN2);
      tp = r > 0 ? a[k] * B / r : INFINITY;
    }
    int viol = tp - t[k] > 0; /* subgradient 0 at t' = t */
    if (viol)
      pen += tp - t[k];
    if (da)
      da[k] = -beta * eloc + (viol ? lambda * B / r : 0.0);
    if (dt)
      dt[k] = beta * p[k] - (viol ? lambda : 0.0);
    if (dp)
      dp[k] = beta * t[k] - (viol ? lambda * a[k] * B * drdp / (r * r) : 0.0);
  }
  if (penalty)
    *penalty = pen;
  if (energy)
    *energy = en;
  return en + lambda * pen;
}

double bcos_batch_loss(bcos_model_t *m, bcos_role_t role, const bcos_md_t *md, size_t batch, int backprop,
                       double *penalty, double *energy)
{
  if (!m || !m->a || !md || batch == 0) {
    bfail("bcos loss: no model or slots given");
    return NAN;
  }
  const size_t K = m->K, NI = m->n_in;
  const int teacher = role == BCOS_TEACHER;
  nn_net_t *an = m->a, *tn = teacher ? m->t_a : m->t_s, *pn = teacher ? m->p_a : m->p_s;
  const double lambda = teacher ? m->lambda_a : m->lambda_b, T = m->par.slot_s, inv_b = 1.0 / (double)batch;
  double *x = malloc(batch * NI * sizeof *x), *buf = malloc(6 * batch * K * sizeof *buf),
         *g = malloc(6 * K * sizeof *g);
  double loss = NAN, pen_sum = 0, en_sum = 0, loss_sum = 0;
  if (!x || !buf || !g) {
    bfail("bcos loss: out of memory");
    goto out;
  }
  double *phi_a = buf, *phi_t = buf + batch * K, *phi_p = buf + 2 * batch * K;
  double *d_a = buf + 3 * batch * K, *d_t = buf + 4 * batch * K, *d_p = buf + 5 * batch * K;
  double *a = g, *t = g + K, *p = g + 2 * K, *ga = g + 3 * K, *gt = g + 4 * K, *gp = g + 5 * K;
  for (size_t b = 0; b < batch; b++)
    bcos_features(m, md + b * K, x + b * NI);
  nn_net_t *nets[3] = {an, tn, pn};
  double *phis[3] = {phi_a, phi_t, phi_p};
  for (int i = 0; i < 3; i++) {
    const double *y = nn_net_forward(nets[i], x, batch);
    if (!y) {
      bfail("bcos loss: forward of %s: %s", nn_net_name(nets[i]), nn_last_error());
      goto out;
    }
    memcpy(phis[i], y, batch * K * sizeof *y);
  }
  for (size_t b = 0; b < batch; b++) {
    double mp[BCOS_MODEL_MAX_K];
    const bcos_md_t *s = md + b * K;
    for (size_t k = 0; k < K; k++)
      mp[k] = bcos_m_plus(T, &s[k]);
    if (teacher)
      bcos_layer_a_teacher(phi_a + b * K, mp, K, a);
    else
      bcos_layer_a_student(phi_a + b * K, mp, K, a);
    bcos_layer_t(phi_t + b * K, K, T, t);
    bcos_layer_p(phi_p + b * K, K, m->par.p_max_w, p);
    double pen = 0, en = 0;
    loss_sum += bcos_slot_loss(&m->par, s, K, a, t, p, lambda, &pen, &en, ga, gt, gp);
    pen_sum += pen;
    en_sum += en;
    /* dL/dphi through the constraint layers, / batch for the mean */
    bcos_layer_t_backward(phi_t + b * K, K, T, gt, d_t + b * K);
    for (size_t k = 0; k < K; k++) {
      d_t[b * K + k] *= inv_b;
      d_p[b * K + k] = m->par.p_max_w * gp[k] * inv_b;
      /* teacher: da_aux/dphi = 1 - m+ (eq. 23); student: sign() passes nothing */
      d_a[b * K + k] = teacher ? (1.0 - mp[k]) * ga[k] * inv_b : 0.0;
    }
  }
  loss = loss_sum * inv_b;
  if (penalty)
    *penalty = pen_sum * inv_b;
  if (energy)
    *energy = en_sum * inv_b;
  if (backprop) {
    double *ds[3] = {d_a, d_t, d_p};
    for (int i = teacher ? 0 : 1; i < 3; i++) { /* the student never touches the shared a-FCN */
      nn_net_zero_grad(nets[i]);
      if (nn_net_backward(nets[i], ds[i], NULL) < 0) {
        bfail("bcos loss: backward of %s: %s", nn_net_name(nets[i]), nn_last_error());
        loss = NAN;
        goto out;
      }
    }
  }
out:
  free(x);
  free(buf);
  free(g);
  return loss;
}

/* ------------------------------------------------------------------------ */
/* Algorithm 1                                                              */
/* ------------------------------------------------------------------------ */
static int step(nn_net_t *net, const nn_opt_t *opt, const char *role)
{
  if (nn_net_step(net, opt) < 0)
    return bfail("bcos training: %s step: %s", role, nn_last_error());
  return 0;
}

static int role_step(bcos_model_t *m, bcos_role_t role, const bcos_md_t *md, size_t batch, const nn_opt_t *opt,
                     double *loss, double *penalty, double *energy)
{
  const int teacher = role == BCOS_TEACHER;
  const char *who = teacher ? "teacher" : "student";
  if (!m || !md || !opt || batch < 2)
    return bfail("bcos training: need a model, an optimizer and a minibatch of at least 2 slots (batch norm)");
  bcos_model_set_training(m, 1);
  double pen = 0, en = 0, l = bcos_batch_loss(m, role, md, batch, 1, &pen, &en);
  if (isnan(l))
    return -1;
  if (!isfinite(l))
    return bfail("bcos training: the %s's loss is infinite (an offloader with a zero rate)", who);
  if (teacher && step(m->a, opt, "teacher a-FCN") < 0)
    return -1;
  if (step(teacher ? m->t_a : m->t_s, opt, teacher ? "teacher t-FCN" : "student t-FCN") < 0 ||
      step(teacher ? m->p_a : m->p_s, opt, teacher ? "teacher p-FCN" : "student p-FCN") < 0)
    return -1;
  if (loss)
    *loss = l;
  if (penalty)
    *penalty = pen;
  if (energy)
    *energy = en;
  return 0;
}

int bcos_teacher_step(bcos_model_t *m, const bcos_md_t *md, size_t batch, const nn_opt_t *opt, double *loss,
                      double *penalty, double *energy)
{
  return role_step(m, BCOS_TEACHER, md, batch, opt, loss, penalty, energy);
}

/* The shared a-FCN is forwarded (for a) but never stepped: see the top. */
int bcos_student_step(bcos_model_t *m, const bcos_md_t *md, size_t batch, const nn_opt_t *opt, double *loss,
                      double *penalty, double *energy)
{
  return role_step(m, BCOS_STUDENT, md, batch, opt, loss, penalty, energy);
}

int bcos_train_iteration(bcos_model_t *m, const bcos_md_t *md, size_t batch, double lr, double alpha,
                         bcos_curve_pt_t *pt)
{
  nn_opt_t opt = nn_adam(lr);
  double la = 0, lb = 0, pa = 0, ea = 0, pb = 0, eb = 0;
  /* line 4, then line 5 with a from the shared FCN as the teacher step left it */
  if (bcos_teacher_step(m, md, batch, &opt, &la, &pa, &ea) < 0 || bcos_student_step(m, md, batch, &opt, &lb, &pb, &eb) < 0)
    return -1;
  /* line 6, eqs. 21-22: d(mean loss)/d lambda is the mean penalty */
  m->lambda_a += alpha * pa;
  m->lambda_b += alpha * pb;
  m->iterations++;
  if (pt)
    *pt = (bcos_curve_pt_t){.iter = (size_t)m->iterations,
                            .loss_teacher = la,
                            .loss_student = lb,
                            .energy_teacher = ea,
                            .energy_student = eb,
                            .pen_teacher = pa,
                            .pen_student = pb,
                            .lambda_a = m->lambda_a,
                            .lambda_b = m->lambda_b};
  return 0;
}

bcos_md_t *bcos_sample_set(uint64_t seed, size_t n, size_t K)
{
  if (n == 0 || K == 0 || n > SIZE_MAX / K / sizeof(bcos_md_t)) {
    bfail("bcos samples: %zu slots of %zu MDs", n, K);
    return NULL;
  }
  bcos_md_t *md = malloc(n * K * sizeof *md);
  gsl_rng *rng = mec_rng_new(seed, MEC_STREAM_TRAINING, 0);
  if (!md || !rng) {
    free(md);
    gsl_rng_free(rng);
    bfail("bcos samples: out of memory");
    return NULL;
  }
  bcos_sample_mds(rng, md, n * K);
  gsl_rng_free(rng);
  return md;
}

int bcos_train(bcos_model_t *m, const bcos_hyper_t *h, uint64_t seed, bcos_curve_fn curve, void *ctx)
{
  if (!m || !h)
    return bfail("bcos training: no model or hyper-parameters given");
  if (h->batch < 2 || h->samples < h->batch || !(h->lr > 0) || !(h->alpha >= 0) || !(h->lambda0 >= 0))
    return bfail("bcos training: need 2 <= batch (%zu) <= samples (%zu), lr > 0, alpha >= 0, lambda0 >= 0", h->batch,
                 h->samples);
  const size_t K = m->K, n = h->samples, B = h->batch;
  bcos_md_t *all = bcos_sample_set(seed, n, K); /* line 2: drawn once */
  bcos_md_t *mb = malloc(B * K * sizeof *mb);
  size_t *perm = malloc(n * sizeof *perm);
  gsl_rng *rng = mec_rng_new(seed, MEC_STREAM_TRAINING, 1);
  int rc = 0;
  if (!all || !mb || !perm || !rng) {
    rc = bfail("bcos training: out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    perm[i] = i;
  m->lambda_a = m->lambda_b = h->lambda0;
  size_t pos = n; /* shuffle first */
  for (size_t it = 0; it < h->iterations; it++) {
    if (pos + B > n) { /* a new epoch: reshuffled minibatches (a partial last one is skipped) */
      gsl_ran_shuffle(rng, perm, n, sizeof *perm);
      pos = 0;
    }
    for (size_t b = 0; b < B; b++)
      memcpy(mb + b * K, all + perm[pos + b] * K, K * sizeof *mb);
    pos += B;
    bcos_curve_pt_t pt;
    if ((rc = bcos_train_iteration(m, mb, B, h->lr, h->alpha, &pt)) < 0)
      goto out;
    if (curve)
      curve(ctx, &pt);
  }
out:
  bcos_model_set_training(m, 0);
  free(all);
  free(mb);
  free(perm);
  gsl_rng_free(rng);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Evaluation                                                               */
/* ------------------------------------------------------------------------ */
/* PCOS: a_aux of the bits offloaded at p in t' = a B / r(p), the rest
 * local; violations C1 (sum t of the offloaders > T), C2, C5. */
static double pcos_energy(const bcos_params_t *par, const bcos_md_t *md, size_t K, const double *a, const double *t,
                          const double *p, unsigned *viol)
{
  double e = 0, st = 0;
  unsigned v = 0;
  for (size_t k = 0; k < K; k++) {
    double eloc = bcos_local_energy(par, &md[k]);
    double tp = a[k] > 0 ? a[k] * bcos_offload_time(par, &md[k], p[k]) : 0.0;
    e += md[k].beta * (a[k] > 0 ? p[k] * tp : 0.0) + md[k].beta * (1.0 - a[k]) * eloc;
    if (a[k] > 0) {
      st += t[k];
      if (tp > t[k] * (1 + EVAL_RTOL))
        v |= BCOS_VIOL_C5;
    }
    if ((1.0 - a[k]) * bcos_local_time(&md[k]) > par->slot_s * (1 + EVAL_RTOL))
      v |= BCOS_VIOL_C2;
  }
  if (st > par->slot_s * (1 + EVAL_RTOL))
    v |= BCOS_VIOL_C1;
  *viol = v;
  return e;
}

int bcos_evaluate(bcos_model_t *m, const bcos_md_t *md, size_t n, int with_opt, bcos_eval_row_t *rows,
                  bcos_eval_t *out)
{
  if (!m || !md || !out || n == 0)
    return bfail("bcos evaluate: no model, slots or output given");
  memset(out, 0, sizeof *out);
  const size_t K = m->K, C = n < EVAL_CHUNK ? n : EVAL_CHUNK;
  const bcos_params_t *par = &m->par;
  if (with_opt && K > BCOS_OPT_MAX_K)
    return bfail("bcos evaluate: the exact optimum is limited to K <= %d MDs, the model has %zu", BCOS_OPT_MAX_K, K);
  const unsigned mask = BCOS_VIOL_C1 | BCOS_VIOL_C2 | BCOS_VIOL_C5;
  double *buf = malloc(6 * C * K * sizeof *buf);
  int rc = 0;
  if (!buf)
    return bfail("bcos evaluate: out of memory");
  double *as = buf, *ts = buf + C * K, *ps = buf + 2 * C * K, *aa = buf + 3 * C * K, *ta = buf + 4 * C * K,
         *pa = buf + 5 * C * K;
  double s_b = 0, s_p = 0, s_m = 0, s_o = 0, s_ratio = 0;
  size_t v_b = 0, v_p = 0, v_m = 0, c1 = 0, c5 = 0, n_opt = 0, n_ratio = 0;
  bcos_model_set_training(m, 0);
  for (size_t s0 = 0; s0 < n; s0 += C) {
    size_t nb = n - s0 < C ? n - s0 : C;
    if (bcos_model_forward(m, BCOS_STUDENT, md + s0 * K, nb, as, ts, ps) < 0 ||
        bcos_model_forward(m, BCOS_TEACHER, md + s0 * K, nb, aa, ta, pa) < 0) {
      rc = -1;
      goto out;
    }
    for (size_t b = 0; b < nb; b++) {
      const bcos_md_t *s = md + (s0 + b) * K;
      bcos_eval_row_t r = {.e_opt = NAN};
      int ai[BCOS_MODEL_MAX_K];
      double sum_tp = 0;
      for (size_t k = 0; k < K; k++) {
        ai[k] = as[b * K + k] > 0.5;
        r.n_off_bcos += ai[k];
        if (ai[k]) {
          r.sum_t_bcos += ts[b * K + k];
          sum_tp += bcos_offload_time(par, &s[k], ps[b * K + k]);
        }
      }
      r.sum_tp_bcos = sum_tp;
      r.e_bcos = bcos_objective(par, s, K, ai, ts + b * K, ps + b * K);
      r.v_bcos = bcos_check(par, s, K, ai, ts + b * K, ps + b * K, EVAL_RTOL, NULL) & mask;
      r.e_pcos = pcos_energy(par, s, K, aa + b * K, ta + b * K, pa + b * K, &r.v_pcos);
      double mm[BCOS_MODEL_MAX_K], mt[BCOS_MODEL_MAX_K], mp[BCOS_MODEL_MAX_K];
      bcos_mcos_result_t mr;
      if (bcos_mcos(par, s, K, mm, mt, mp, &mr) < 0) {
        rc = bfail("bcos evaluate: MCOS refused slot %zu (invalid MD fields)", s0 + b);
        goto out;
      }
      r.e_mcos = mr.energy;
      r.v_mcos = mr.feasible ? 0 : BCOS_VIOL_C1;
      if (with_opt) {
        int oa[BCOS_OPT_MAX_K];
        double ot[BCOS_OPT_MAX_K], op[BCOS_OPT_MAX_K];
        bcos_opt_result_t res;
        if (bcos_opt_solve(par, s, K, oa, ot, op, &res) < 0) {
          rc = bfail("bcos evaluate: the exact optimum refused slot %zu (invalid MD fields)", s0 + b);
          goto out;
        }
        r.e_opt = res.energy;
        r.v_opt = res.feasible ? 0 : (bcos_check(par, s, K, oa, ot, op, EVAL_RTOL, NULL) & mask);
        for (size_t k = 0; k < K; k++)
          r.n_off_opt += oa[k];
        s_o += r.e_opt;
        n_opt++;
        if (res.feasible && r.e_opt > 0 && isfinite(r.e_bcos)) {
          s_ratio += r.e_bcos / r.e_opt;
          n_ratio++;
        }
      }
      s_b += r.e_bcos;
      s_p += r.e_pcos;
      s_m += r.e_mcos;
      v_b += r.v_bcos != 0;
      v_p += r.v_pcos != 0;
      v_m += r.v_mcos != 0;
      c1 += (r.v_bcos & BCOS_VIOL_C1) != 0;
      c5 += (r.v_bcos & BCOS_VIOL_C5) != 0;
      if (rows)
        rows[s0 + b] = r;
    }
  }
  const double dn = (double)n;
  out->n = n;
  out->e_bcos = s_b / dn;
  out->e_pcos = s_p / dn;
  out->e_mcos = s_m / dn;
  out->e_opt = n_opt ? s_o / (double)n_opt : NAN;
  out->viol_bcos = (double)v_b / dn;
  out->viol_pcos = (double)v_p / dn;
  out->viol_mcos = (double)v_m / dn;
  out->viol_c1_bcos = (double)c1 / dn;
  out->viol_c5_bcos = (double)c5 / dn;
  out->ratio_bcos_opt = n_ratio ? s_ratio / (double)n_ratio : NAN;
  out->n_opt = (double)n_opt;
out:
  free(buf);
  return rc;
}
