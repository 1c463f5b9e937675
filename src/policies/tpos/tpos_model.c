#include "policies/tpos/tpos_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/radio.h"

/* Relative slack on the slot capacity T_d / H so that a group that fills a
 * slot exactly is not rejected by rounding. */
#define CAP_SLACK 1e-9

static void why_set(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t len, const char *fmt, ...)
{
  if (!why || !len)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, len, fmt, ap);
  va_end(ap);
}

mec_tpos_params_t mec_tpos_params_paper(void)
{
  mec_tpos_params_t p;
  memset(&p, 0, sizeof p);
  p.H = 5;
  p.T_d = 0.75;
  p.B = 4;
  for (int h = 0; h <= MEC_TPOS_MAX_SLOTS; h++)
    p.a[h] = 1.0, p.b[h] = 2.0;
  p.tau = 5.0;
  p.c_t = 3400.0;
  p.c_e = 3400.0;
  p.delta = 2250.0;
  p.f_s = 3400.0;
  p.p_up = 4.0;
  p.p_lo = 4.05;
  p.bandwidth_hz = 2e3;
  p.noise_w_per_hz = 1e-9; /* -30 dBm per kHz = 1e-6 W / 1e3 Hz */
  p.gain = 1.2e6;
  p.p_s = 4.0;
  p.alpha = 0.42, p.beta = 0.17, p.gamma = 0.41;
  p.bits_per_element = 32;
  p.price_unit_cycles = 1.0;
  p.delay_model_unit_s = 1e-3;
  p.md_ref_hz = 1.152e9;
  p.server_ref_hz = 3.2e9;
  return p;
}

mec_tpos_params_t mec_tpos_params_scaled(void)
{
  mec_tpos_params_t p = mec_tpos_params_paper();
  p.bandwidth_hz = 2e6;
  p.price_unit_cycles = 1e4;
  return p;
}

int mec_tpos_params_check(const mec_tpos_params_t *p, char *err, size_t errlen)
{
  if (p->H < 1 || p->H > MEC_TPOS_MAX_SLOTS) {
    why_set(err, errlen, "tpos: H must be in 1..%d, got %d", MEC_TPOS_MAX_SLOTS, p->H);
    return -1;
  }
  if (!(p->T_d > 0) || p->B < 1) {
    why_set(err, errlen, "tpos: need T_d > 0 and B >= 1 (T_d = %g, B = %d)", p->T_d, p->B);
    return -1;
  }
  for (int h = 1; h <= p->H; h++)
    if (p->a[h] < 0 || p->b[h] < 0) {
      why_set(err, errlen, "tpos: prices a_h, b_h must be >= 0 (slot %d)", h);
      return -1;
    }
  if (p->delta < 0 || p->f_s < 0 || !(p->price_unit_cycles > 0) || p->tau < 0 || p->c_t < 0 || p->c_e < 0 ||
      p->p_up < 0 || p->p_lo < 0 || p->alpha < 0 || p->beta < 0 || p->gamma < 0) {
    why_set(err, errlen, "tpos: negative parameter (delta, f_s, tau, c_t, c_e, powers and weights must be >= 0)");
    return -1;
  }
  if (!(p->delay_model_unit_s > 0) || !(p->md_ref_hz > 0) || !(p->server_ref_hz > 0) || p->bits_per_element <= 0) {
    why_set(err, errlen, "tpos: delay model unit, reference clocks and bits per element must be > 0");
    return -1;
  }
  return 0;
}

/* ---- Delay prediction model ---------------------------------------------- */

double mec_tpos_eq6_local(double G, double K, double O, double I)
{
  double G2 = G * G, K2 = K * K;
  return (0.3 * G2 * K2 * O * I + 2.6 * G2 * K2 * I + 4.8 * G2 * O) * 1e-5;
}

double mec_tpos_eq7_server(double G, double K, double O, double I)
{
  double G2 = G * G, K2 = K * K;
  return (3.0 * G2 * K2 * O * I + 7.4 * G2 * K2 * I + 25.8 * G2 * O) * 1e-7;
}

double mec_tpos_layer_time(const mec_tpos_params_t *p, const mec_dnn_layer_t *L, int server)
{
  double t;
  switch (L->type) {
  case MEC_LAYER_CONV: {
    double G = L->out_h, K = L->kernel, O = (double)L->in_c / L->groups, I = L->out_c;
    t = server ? mec_tpos_eq7_server(G, K, O, I) : mec_tpos_eq6_local(G, K, O, I);
    break;
  }
  case MEC_LAYER_FC: {
    double O = (double)L->in_c * L->in_h * L->in_w, I = L->out_c;
    t = server ? mec_tpos_eq7_server(1, 1, O, I) : mec_tpos_eq6_local(1, 1, O, I);
    break;
  }
  default:
    t = (server ? 3.0e-7 : 0.3e-5) * (double)L->flops;
    break;
  }
  return t * p->delay_model_unit_s;
}

static mec_tpos_dnn_t *dnn_alloc(int M)
{
  mec_tpos_dnn_t *d = calloc(1, sizeof(*d));
  double *buf = calloc(5 * (size_t)(M + 1), sizeof(double));
  if (!d || !buf) {
    free(d);
    free(buf);
    return NULL;
  }
  d->M = M;
  d->kind = MEC_DNN_NONE;
  d->t_lo = buf;
  d->t_se = buf + (M + 1);
  d->out_bits = buf + 2 * (M + 1);
  d->lo_prefix = buf + 3 * (M + 1);
  d->se_prefix = buf + 4 * (M + 1);
  return d;
}

static void dnn_prefix(mec_tpos_dnn_t *d)
{
  d->lo_prefix[0] = d->se_prefix[0] = 0;
  for (int m = 1; m <= d->M; m++) {
    d->lo_prefix[m] = d->lo_prefix[m - 1] + d->t_lo[m];
    d->se_prefix[m] = d->se_prefix[m - 1] + d->t_se[m];
  }
}

mec_tpos_dnn_t *mec_tpos_dnn_new(const mec_dnn_profile_t *prof, const mec_tpos_params_t *p, double server_hz)
{
  if (!prof || prof->n_layers < 1)
    return NULL;
  mec_tpos_dnn_t *d = dnn_alloc(prof->n_layers);
  if (!d)
    return NULL;
  d->kind = prof->kind;
  double se_scale = server_hz > 0 ? p->server_ref_hz / server_hz : 1.0;
  /* eqs. 6-7 are fitted for 32-bit Caffe; sizes follow the chosen precision */
  double size_scale = (double)p->bits_per_element / prof->bits_per_element;
  d->out_bits[0] = prof->input_bits * size_scale;
  for (int m = 1; m <= d->M; m++) {
    const mec_dnn_layer_t *L = &prof->layer[m - 1];
    d->t_lo[m] = mec_tpos_layer_time(p, L, 0);
    d->t_se[m] = mec_tpos_layer_time(p, L, 1) * se_scale;
    d->out_bits[m] = L->out_bits * size_scale;
  }
  dnn_prefix(d);
  return d;
}

mec_tpos_dnn_t *mec_tpos_dnn_new_custom(int M, const double *t_lo, const double *t_se, const double *out_bits)
{
  if (M < 1 || !t_lo || !t_se || !out_bits)
    return NULL;
  mec_tpos_dnn_t *d = dnn_alloc(M);
  if (!d)
    return NULL;
  d->out_bits[0] = out_bits[0];
  for (int m = 1; m <= M; m++) {
    d->t_lo[m] = t_lo[m];
    d->t_se[m] = t_se[m];
    d->out_bits[m] = out_bits[m];
  }
  dnn_prefix(d);
  return d;
}

void mec_tpos_dnn_free(mec_tpos_dnn_t *d)
{
  if (!d)
    return;
  free(d->t_lo);
  free(d);
}

double mec_tpos_uplink_bps(const mec_tpos_params_t *p)
{
  return mec_shannon_bps(p->bandwidth_hz, p->p_up, p->gain, p->noise_w_per_hz);
}

double mec_tpos_downlink_bps(const mec_tpos_params_t *p)
{
  return mec_shannon_bps(p->bandwidth_hz, p->p_s, p->gain, p->noise_w_per_hz);
}

mec_tpos_md_t mec_tpos_md_default(const mec_tpos_params_t *p, const mec_tpos_dnn_t *dnn)
{
  mec_tpos_md_t md;
  memset(&md, 0, sizeof md);
  md.dnn = dnn;
  md.lo_scale = 1.0;
  md.up_bps = mec_tpos_uplink_bps(p);
  md.down_bps = mec_tpos_downlink_bps(p);
  md.alpha = p->alpha, md.beta = p->beta, md.gamma = p->gamma;
  md.c_t = p->c_t, md.c_e = p->c_e;
  md.p_lo = p->p_lo, md.p_up = p->p_up;
  md.tau = p->tau;
  return md;
}

/* ---- Strategies ---------------------------------------------------------- */

void mec_tpos_strategy_local(const mec_tpos_md_t *md, mec_tpos_strategy_t *s)
{
  memset(s, 0, sizeof *s);
  s->m_star = (int16_t)md->dnn->M;
}

int mec_tpos_strategy_from_map(const mec_tpos_md_t *md, const mec_tpos_params_t *p, const int *slot_of_layer,
                               mec_tpos_strategy_t *s, char *why, size_t whylen)
{
  const mec_tpos_dnn_t *d = md->dnn;
  memset(s, 0, sizeof *s);
  int prev = 0, m_star = 0;
  for (int m = 1; m <= d->M; m++) {
    int h = slot_of_layer[m];
    if (h < 0 || h > p->H) {
      why_set(why, whylen, "eq. 15: layer %d placed in slot %d outside 0..%d", m, h, p->H);
      return -1;
    }
    if (h < prev) {
      why_set(why, whylen, "eq. 16: layer %d in slot %d after a layer in slot %d", m, h, prev);
      return -1;
    }
    if (h == 0) {
      m_star = m;
    } else {
      if (!s->first[h])
        s->first[h] = (int16_t)m;
      s->last[h] = (int16_t)m;
      s->load[h] += d->t_se[m];
      s->h_last = (int16_t)h;
    }
    prev = h;
  }
  s->m_star = (int16_t)m_star;
  return 0;
}

int mec_tpos_strategy_slot_of(const mec_tpos_strategy_t *s, int m)
{
  if (m <= s->m_star)
    return 0;
  for (int h = 1; h <= MEC_TPOS_MAX_SLOTS; h++)
    if (s->first[h] && m >= s->first[h] && m <= s->last[h])
      return h;
  return -1; /* not placed: breaks eq. 15 */
}

/* ---- Pricing ------------------------------------------------------------- */

double mec_tpos_cycles(const mec_tpos_params_t *p, double server_time_s)
{
  return p->delta * p->f_s * server_time_s;
}

double mec_tpos_price_of_cycles(const mec_tpos_params_t *p, int h, double S_sigma_cycles)
{
  return p->a[h] + p->b[h] / h * (S_sigma_cycles / p->price_unit_cycles);
}

double mec_tpos_slot_price(const mec_tpos_params_t *p, int h, double T_sigma_s)
{
  return mec_tpos_price_of_cycles(p, h, mec_tpos_cycles(p, T_sigma_s));
}

/* ---- Evaluation ---------------------------------------------------------- */

/* ---- Continuous operation ---------------------------------------------- */

double mec_tpos_carry_arrival(const mec_tpos_md_t *md, int m_star)
{
  const mec_tpos_dnn_t *d = md->dnn;
  /* m* = 0 runs nothing locally: its upload does not wait for the CPU */
  double local_end = m_star > 0 ? md->cpu_backlog + d->lo_prefix[m_star] * md->lo_scale : 0.0;
  double up_start = local_end > md->up_backlog ? local_end : md->up_backlog;
  return up_start + (md->up_bps > 0 ? d->out_bits[m_star] / md->up_bps : INFINITY);
}

int mec_tpos_carry_first_slot(const mec_tpos_md_t *md, const mec_tpos_params_t *p, int m_star)
{
  double slot_len = p->T_d / p->H;
  double a = mec_tpos_carry_arrival(md, m_star);
  if (!(a < INFINITY))
    return p->H + 1;
  /* tolerance: an arrival exactly at a slot boundary makes that slot */
  double k = ceil((a - md->frame_wait) / slot_len - 1e-9);
  if (k < 0)
    k = 0;
  return k >= p->H ? p->H + 1 : (int)k + 1;
}

int mec_tpos_carry_admit(double predicted_delay, double tau, double factor)
{
  return !(factor > 0) || predicted_delay <= factor * tau;
}

/* Eq. 24 in the common frame with the MD's backlogs (mec_tpos_evaluate).
 * ev->t_local, t_up and t_down hold this task's own times on entry. */
static void carry_delay_terms(const mec_tpos_md_t *md, const mec_tpos_params_t *p, const mec_tpos_strategy_t *s,
                              mec_tpos_eval_t *ev)
{
  double own_local = ev->t_local, own_up = ev->t_up;
  ev->energy = md->p_lo * own_local + md->p_up * own_up;
  ev->t_local = s->m_star > 0 ? md->cpu_backlog + own_local : 0.0;
  if (s->m_star < md->dnn->M) {
    double arrival = mec_tpos_carry_arrival(md, s->m_star);
    ev->t_up = arrival - ev->t_local; /* radio wait + upload */
    int h_first = 1;
    while (h_first < s->h_last && !s->first[h_first])
      h_first++;
    double slot_len = p->T_d / p->H;
    double first_start = md->frame_wait + (h_first - 1) * slot_len;
    double late = arrival > first_start ? arrival - first_start : 0.0;
    ev->t_slots = md->frame_wait + s->h_last * slot_len + late - arrival;
  }
  ev->delay = ev->t_local + ev->t_up + ev->t_slots + ev->t_down;
  ev->cost = md->alpha * md->c_t * ev->delay + md->beta * md->c_e * ev->energy + md->gamma * ev->price;
  ev->excess = ev->delay > md->tau ? ev->delay - md->tau : 0.0;
}

void mec_tpos_evaluate(const mec_tpos_md_t *md, const mec_tpos_params_t *p, const mec_tpos_strategy_t *s,
                       const double *T_others, mec_tpos_eval_t *ev)
{
  const mec_tpos_dnn_t *d = md->dnn;
  memset(ev, 0, sizeof *ev);
  int ms = s->m_star;
  ev->t_local = d->lo_prefix[ms] * md->lo_scale;
  if (ms < d->M) {
    ev->t_up = md->up_bps > 0 ? d->out_bits[ms] / md->up_bps : INFINITY;
    ev->t_slots = (double)s->h_last / p->H * p->T_d;
    ev->t_down = md->down_bps > 0 ? d->out_bits[d->M] / md->down_bps : INFINITY;
    for (int h = 1; h <= p->H; h++) {
      if (!s->first[h])
        continue;
      double T_sigma = (T_others ? T_others[h] : 0.0) + s->load[h];
      /* price paid in currency units: p_h x S_{n,h}, S in price units */
      ev->price += mec_tpos_slot_price(p, h, T_sigma) * mec_tpos_cycles(p, s->load[h]) / p->price_unit_cycles;
    }
  }
  if (md->carry) {
    carry_delay_terms(md, p, s, ev);
    return;
  }
  ev->delay = ev->t_local + ev->t_up + ev->t_slots + ev->t_down;
  ev->energy = md->p_lo * ev->t_local + md->p_up * ev->t_up;
  ev->cost = md->alpha * md->c_t * ev->delay + md->beta * md->c_e * ev->energy + md->gamma * ev->price;
  ev->excess = ev->delay > md->tau ? ev->delay - md->tau : 0.0;
}

/* ---- Constraints --------------------------------------------------------- */

int mec_tpos_check_strategy(const mec_tpos_md_t *md, const mec_tpos_params_t *p, const mec_tpos_strategy_t *s,
                            int check_deadline, char *why, size_t whylen)
{
  const mec_tpos_dnn_t *d = md->dnn;
  double cap = p->T_d / p->H;
  if (s->m_star < 0 || s->m_star > d->M) {
    why_set(why, whylen, "eq. 18: partition point %d outside 0..%d", s->m_star, d->M);
    return -1;
  }
  int next = s->m_star + 1, h_last = 0;
  for (int h = 1; h <= MEC_TPOS_MAX_SLOTS; h++) {
    if (!s->first[h])
      continue;
    if (h > p->H) {
      why_set(why, whylen, "eq. 15: slot %d used but H = %d", h, p->H);
      return -1;
    }
    /* groups must tile m*+1..M in slot order: eqs. 15 and 16 */
    if (s->first[h] != next || s->last[h] < s->first[h] || s->last[h] > d->M) {
      why_set(why, whylen, "eqs. 15-16: slot %d holds layers %d..%d, expected to start at %d", h, s->first[h],
              s->last[h], next);
      return -1;
    }
    double load = d->se_prefix[s->last[h]] - d->se_prefix[s->first[h] - 1];
    if (fabs(load - s->load[h]) > 1e-9 * (1 + load)) {
      why_set(why, whylen, "slot %d: recorded load %g s differs from its layers' %g s", h, s->load[h], load);
      return -1;
    }
    if (load > cap * (1 + CAP_SLACK)) {
      why_set(why, whylen, "eq. 17: %g s of subtasks in slot %d exceed T_d/H = %g s", load, h, cap);
      return -1;
    }
    next = s->last[h] + 1;
    h_last = h;
  }
  if (next != d->M + 1) {
    why_set(why, whylen, "eq. 15: layers %d..%d are neither local nor in a slot", next, d->M);
    return -1;
  }
  if (h_last != s->h_last) {
    why_set(why, whylen, "h_max recorded as %d, slots say %d", s->h_last, h_last);
    return -1;
  }
  if (check_deadline) {
    mec_tpos_eval_t ev;
    mec_tpos_evaluate(md, p, s, NULL, &ev);
    if (ev.delay > md->tau * (1 + 1e-12)) {
      why_set(why, whylen, "eq. 26: delay %g s exceeds tau = %g s", ev.delay, md->tau);
      return -1;
    }
  }
  return 0;
}

void mec_tpos_aggregate(const mec_tpos_params_t *p, const mec_tpos_strategy_t *s, int n, double *T_sigma, int *occ)
{
  for (int h = 0; h <= p->H; h++) {
    if (T_sigma)
      T_sigma[h] = 0;
    if (occ)
      occ[h] = 0;
  }
  for (int i = 0; i < n; i++)
    for (int h = 1; h <= p->H; h++)
      if (s[i].first[h]) {
        if (T_sigma)
          T_sigma[h] += s[i].load[h];
        if (occ)
          occ[h]++;
      }
}

int mec_tpos_check_joint(const mec_tpos_md_t *mds, const mec_tpos_params_t *p, const mec_tpos_strategy_t *s, int n,
                         char *why, size_t whylen)
{
  char one[200];
  for (int i = 0; i < n; i++)
    if (mec_tpos_check_strategy(&mds[i], p, &s[i], 0, one, sizeof one)) {
      why_set(why, whylen, "MD %d: %s", i, one);
      return -1;
    }
  double T[MEC_TPOS_MAX_SLOTS + 1];
  int occ[MEC_TPOS_MAX_SLOTS + 1];
  mec_tpos_aggregate(p, s, n, T, occ);
  for (int h = 1; h <= p->H; h++) {
    if (occ[h] > p->B) {
      why_set(why, whylen, "eq. 27: %d MDs in slot %d, limit B = %d", occ[h], h, p->B);
      return -1;
    }
    if (T[h] > p->B * p->T_d / p->H * (1 + CAP_SLACK)) {
      why_set(why, whylen, "slot %d holds %g s of work, more than B T_d / H", h, T[h]);
      return -1;
    }
  }
  return 0;
}

int mec_tpos_better(double e1, double c1, double e2, double c2)
{
  const double tol = 1e-12;
  if (e1 < e2 - tol)
    return 1;
  if (e1 > e2 + tol)
    return 0;
  return c1 < c2;
}
