/* bcos_system.c - eqs. (1)-(6) of the BCOS paper (bcos_system.h). */
#include "policies/bcos/bcos_system.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/radio.h"

bcos_params_t bcos_params_table1(void)
{
  return (bcos_params_t){.bandwidth_hz = 1e7,
                         .p_max_w = mec_dbm_to_w(23.0),
                         .noise_w = 1e-9,
                         .slot_s = 0.5,
                         .eps = 1e-28};
}

double bcos_rate(const bcos_params_t *p, const bcos_md_t *md, double power_w)
{
  if (!(p->bandwidth_hz > 0) || !(p->noise_w > 0))
    return 0;
  /* radio.h's Shannon takes the noise density: N0 over W per Hz. */
  return mec_shannon_bps(p->bandwidth_hz, power_w, md->gain, p->noise_w / p->bandwidth_hz);
}

double bcos_offload_time(const bcos_params_t *p, const bcos_md_t *md, double power_w)
{
  if (!(md->bits > 0))
    return 0;
  double r = bcos_rate(p, md, power_w);
  return r > 0 ? md->bits / r : INFINITY;
}

double bcos_min_offload_time(const bcos_params_t *p, const bcos_md_t *md)
{
  return bcos_offload_time(p, md, p->p_max_w);
}

/* y = ln2 B / (W tau), the exponent of 2^{B/(W tau)} in base e. */
static double exponent(const bcos_params_t *p, const bcos_md_t *md, double tau)
{
  return M_LN2 * md->bits / (p->bandwidth_hz * tau);
}

double bcos_power_for_time(const bcos_params_t *p, const bcos_md_t *md, double tau)
{
  if (!(md->bits > 0))
    return 0;
  if (!(tau > 0) || !(md->gain > 0) || !(p->bandwidth_hz > 0))
    return INFINITY;
  /* expm1 keeps precision when the SNR needed is small (long windows). */
  return p->noise_w / md->gain * expm1(exponent(p, md, tau));
}

double bcos_tx_energy(const bcos_params_t *p, const bcos_md_t *md, double tau)
{
  if (!(md->bits > 0))
    return 0;
  return tau * bcos_power_for_time(p, md, tau);
}

double bcos_tx_energy_deriv(const bcos_params_t *p, const bcos_md_t *md, double tau)
{
  if (!(md->bits > 0))
    return 0;
  if (!(tau > 0) || !(md->gain > 0) || !(p->bandwidth_hz > 0))
    return -INFINITY;
  double y = exponent(p, md, tau);
  /* d/dtau [tau (e^y - 1)] with dy/dtau = -y / tau: (e^y - 1) - y e^y. */
  double d = expm1(y) - y * exp(y);
  return p->noise_w / md->gain * d;
}

double bcos_local_time(const bcos_md_t *md)
{
  double c = md->cycles_per_bit * md->bits;
  if (!(c > 0))
    return 0;
  return md->f_local > 0 ? c / md->f_local : INFINITY;
}

double bcos_local_energy(const bcos_params_t *p, const bcos_md_t *md)
{
  return p->eps * md->bits * md->cycles_per_bit * md->f_local * md->f_local;
}

int bcos_local_feasible(const bcos_params_t *p, const bcos_md_t *md)
{
  return bcos_local_time(md) <= p->slot_s;
}

double bcos_objective(const bcos_params_t *p, const bcos_md_t *md, size_t n, const int *a, const double *t,
                      const double *pw)
{
  (void)t; /* E_off = p t' (eq. 5), not p t */
  double e = 0;
  for (size_t k = 0; k < n; k++) {
    double ek = a[k] ? pw[k] * bcos_offload_time(p, &md[k], pw[k]) : bcos_local_energy(p, &md[k]);
    e += md[k].beta * ek;
  }
  return e;
}

unsigned bcos_check(const bcos_params_t *p, const bcos_md_t *md, size_t n, const int *a, const double *t,
                    const double *pw, double rtol, unsigned *per_md)
{
  unsigned all = 0;
  double sum_t = 0;
  for (size_t k = 0; k < n; k++) {
    unsigned v = 0;
    if (a[k] != 0 && a[k] != 1) {
      v |= BCOS_VIOL_C4;
    } else if (a[k] == 0) {
      if (bcos_local_time(&md[k]) > p->slot_s * (1 + rtol))
        v |= BCOS_VIOL_C2;
    } else {
      if (!(pw[k] >= 0) || pw[k] > p->p_max_w * (1 + rtol))
        v |= BCOS_VIOL_C3;
      if (!(t[k] >= 0) || bcos_offload_time(p, &md[k], pw[k]) > t[k] * (1 + rtol))
        v |= BCOS_VIOL_C5;
      sum_t += t[k] > 0 ? t[k] : 0;
    }
    if (per_md)
      per_md[k] = v;
    all |= v;
  }
  if (sum_t > p->slot_s * (1 + rtol))
    all |= BCOS_VIOL_C1;
  return all;
}

void bcos_viol_str(unsigned viol, char *buf, size_t size)
{
  static const char *const names[] = {"C1", "C2", "C3", "C4", "C5"};
  if (!buf || size == 0)
    return;
  buf[0] = '\0';
  size_t len = 0;
  for (int i = 0; i < 5; i++) {
    if (!(viol & (1u << i)))
      continue;
    int w = snprintf(buf + len, size - len, "%s%s", len ? " " : "", names[i]);
    if (w < 0 || (size_t)w >= size - len)
      return;
    len += (size_t)w;
  }
}

static double uniform(gsl_rng *rng, double lo, double hi)
{
  return lo + (hi - lo) * gsl_rng_uniform(rng);
}

void bcos_sample_mds(gsl_rng *rng, bcos_md_t *md, size_t n)
{
  for (size_t k = 0; k < n; k++) {
    md[k].cycles_per_bit = uniform(rng, BCOS_CPB_MIN, BCOS_CPB_MAX);
    md[k].f_local = uniform(rng, BCOS_F_MIN, BCOS_F_MAX);
    md[k].beta = 1.0;
  }
  bcos_sample_slot(rng, md, n);
}

void bcos_sample_slot(gsl_rng *rng, bcos_md_t *md, size_t n)
{
  for (size_t k = 0; k < n; k++) {
    md[k].bits = uniform(rng, BCOS_BITS_MIN, BCOS_BITS_MAX);
    md[k].gain = BCOS_PATH_GAIN * mec_rayleigh_power(rng);
  }
}
