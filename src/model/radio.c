#include "model/radio.h"
#include <gsl/gsl_randist.h>
#include <math.h>

double mec_path_gain(double g0, double l0, double distance_m, double exponent)
{
  double l = distance_m < l0 ? l0 : distance_m;
  return g0 * pow(l0 / l, exponent);
}

double mec_shannon_bps(double bandwidth_hz, double power_w, double gain, double noise_w_per_hz)
{
  if (bandwidth_hz <= 0 || power_w <= 0 || gain <= 0)
    return 0.0;
  double snr = power_w * gain / (bandwidth_hz * noise_w_per_hz);
  return bandwidth_hz * log2(1.0 + snr);
}

double mec_rayleigh_power(gsl_rng *rng)
{
  return mec_rayleigh_power_from_u(gsl_rng_uniform(rng));
}

double mec_rayleigh_power_from_u(double u)
{
  return -log1p(-u);
}

double mec_local_energy_j(double kappa, double cpu_hz, double cycles)
{
  return kappa * cpu_hz * cpu_hz * cycles;
}

double mec_tx_energy_j(double power_w, double seconds)
{
  return power_w * seconds;
}

double mec_dbm_to_w(double dbm)
{
  return pow(10.0, (dbm - 30.0) / 10.0);
}

double mec_w_to_dbm(double w)
{
  return 10.0 * log10(w) + 30.0;
}
