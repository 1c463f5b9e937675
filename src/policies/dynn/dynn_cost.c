/* dynn_cost.c - the DyNN paper's system model (see dynn_cost.h). */
#include "policies/dynn/dynn_cost.h"

#include "model/radio.h"

#include <math.h>

dynn_params_t dynn_params_default(void)
{
  return (dynn_params_t){
      .b_max = 0.5e6,
      .f_ser = 2.5e9,
      .f_infer = 2.5e9,
      .lambda = 1.0,
      .p_tx = 0.1,
      .n0 = 1e-3 * pow(10.0, -174.0 / 10.0), /* -174 dBm/Hz */
      .g0 = 1e-4,                            /* -40 dB */
      .l0 = 1.0,
      .h = 2.8,
      .mu = 1e-24, /* Table II says 1e-20: see dynn_cost.h */
      .gamma = 60.0,
      .alpha = 1.0,
      .beta = 0.1,
      .delta = 1.0,
      .d_floor = 1e-3,
      .s_avg = 1000.0,
      .c_avg = 797.5,
      .d_max = 0.16,
      .l_min = 5.0,
      .l_max = 500.0,
      .floc_min = 0.01e9,
      .floc_max = 0.15e9,
  };
}

void dynn_sample_users(const dynn_params_t *p, gsl_rng *rng, size_t n, dynn_user_t *u)
{
  for (size_t i = 0; i < n; i++) {
    u[i].s = 2.0 * p->s_avg * gsl_rng_uniform(rng);
    u[i].c = 2.0 * p->c_avg * gsl_rng_uniform(rng);
    u[i].d = p->d_max * gsl_rng_uniform(rng);
    u[i].l = p->l_min + (p->l_max - p->l_min) * gsl_rng_uniform(rng);
    u[i].f_loc = p->floc_min + (p->floc_max - p->floc_min) * gsl_rng_uniform(rng);
    u[i].gain = 0;
  }
}

static double ratio(double v, double lo, double hi)
{
  return hi > lo ? (v - lo) / (hi - lo) : 0.0;
}

void dynn_features(const dynn_params_t *p, const dynn_user_t *u, double *out)
{
  out[0] = ratio(u->s, 0, 2.0 * p->s_avg);
  out[1] = ratio(u->c, 0, 2.0 * p->c_avg);
  out[2] = ratio(u->d, 0, p->d_max);
  out[3] = ratio(u->l, p->l_min, p->l_max);
  out[4] = ratio(u->f_loc, 0, p->floc_max);
}

static double gain(const dynn_params_t *p, const dynn_user_t *u)
{
  return u->gain > 0 ? u->gain : mec_path_gain(p->g0, p->l0, u->l, p->h);
}

/* Received SNR times the bandwidth: a = g p / sigma0, so SNR(b) = a / b. */
static double snr_hz(const dynn_params_t *p, const dynn_user_t *u)
{
  return gain(p, u) * p->p_tx / p->n0;
}

double dynn_rate(const dynn_params_t *p, const dynn_user_t *u, double b)
{
  return mec_shannon_bps(b, p->p_tx, gain(p, u), p->n0);
}

double dynn_t_tra(const dynn_params_t *p, const dynn_user_t *u, double b)
{
  if (u->s <= 0)
    return 0.0;
  double r = dynn_rate(p, u, b);
  return r > 0 ? u->s / r : INFINITY;
}

double dynn_t_tra_db(const dynn_params_t *p, const dynn_user_t *u, double b)
{
  if (u->s <= 0)
    return 0.0;
  if (b <= 0)
    return -INFINITY;
  double a = snr_hz(p, u) / b; /* SNR at bandwidth b */
  double r = b * log2(1.0 + a);
  double dr = log2(1.0 + a) - a / ((1.0 + a) * M_LN2);
  return -u->s * dr / (r * r);
}

double dynn_t_com(const dynn_user_t *u, double f)
{
  double cyc = u->c * u->s;
  if (cyc <= 0)
    return 0.0;
  return f > 0 ? cyc / f : INFINITY;
}

double dynn_t_loc(const dynn_user_t *u)
{
  return dynn_t_com(u, u->f_loc);
}

double dynn_e_edge(const dynn_params_t *p, const dynn_user_t *u, double b)
{
  return p->p_tx * dynn_t_tra(p, u, b);
}

double dynn_e_loc(const dynn_params_t *p, const dynn_user_t *u)
{
  double cyc = u->c * u->s;
  if (cyc <= 0)
    return 0.0;
  return u->f_loc > 0 ? p->mu * cyc * u->f_loc * u->f_loc : INFINITY;
}

double dynn_weight(const dynn_params_t *p, const dynn_user_t *u)
{
  double cv = ratio(u->c, 0, 2.0 * p->c_avg), sv = ratio(u->s, 0, 2.0 * p->s_avg);
  double d = u->d > p->d_floor ? u->d : p->d_floor;
  return p->gamma * cv * sv / d;
}

double dynn_infer_s(const dynn_params_t *p, double macs)
{
  return p->lambda * macs / p->f_infer;
}

double dynn_cost_loc(const dynn_params_t *p, const dynn_user_t *u, double t_infer)
{
  return p->alpha * dynn_weight(p, u) * (t_infer + dynn_t_loc(u)) + p->beta * dynn_e_loc(p, u);
}

double dynn_cost_edge(const dynn_params_t *p, const dynn_user_t *u, double b, double f, double t_infer)
{
  double t = dynn_t_tra(p, u, b) + dynn_t_com(u, f);
  return p->alpha * dynn_weight(p, u) * (t_infer + t) + p->beta * dynn_e_edge(p, u, b);
}

dynn_slot_eval_t dynn_eval_slot(const dynn_params_t *p, const dynn_user_t *u, size_t n, const int *x,
                                const double *b, const double *f, double t_infer_l, double t_infer_e,
                                double *delay, double *energy, int *missed)
{
  dynn_slot_eval_t ev = {0};
  for (size_t i = 0; i < n; i++) {
    double t, e;
    if (x[i]) {
      double tt = dynn_t_tra(p, &u[i], b[i]), tc = dynn_t_com(&u[i], f[i]);
      double w = dynn_weight(p, &u[i]);
      t = t_infer_e + tt + tc;
      e = p->p_tx * tt;
      ev.wdelay_tra += w * tt;
      ev.wdelay_com += w * tc;
    } else {
      t = t_infer_l + dynn_t_loc(&u[i]);
      e = dynn_e_loc(p, &u[i]);
    }
    int miss = t > u[i].d;
    ev.objective += p->alpha * t + p->beta * e + p->delta * miss;
    ev.delay_sum += t;
    ev.energy_sum += e;
    ev.misses += miss;
    if (delay)
      delay[i] = t;
    if (energy)
      energy[i] = e;
    if (missed)
      missed[i] = miss;
  }
  return ev;
}

double dynn_reward(double c_loc, double c_edge, int offloaded, double p_taken)
{
  return offloaded ? (c_loc - c_edge) * p_taken : (c_edge - c_loc) * p_taken;
}
