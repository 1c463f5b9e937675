/* radio.h - wireless channel and energy formulas (plain C, SI units).
 *
 * The simulator sets each MD's radio link bandwidth from these formulas; the
 * transfer itself is then simulated by SimGrid. Policies use the same
 * functions to predict delays, so prediction and simulation share one model. */
#ifndef MECSIM_RADIO_H
#define MECSIM_RADIO_H
#include <gsl/gsl_rng.h>

/* Path-loss power gain g = g0 (l0 / l)^h for a distance l >= l0 (closer
 * distances are clamped to l0, the reference distance). */
double mec_path_gain(double g0, double l0, double distance_m, double exponent);

/* Shannon rate r = b log2(1 + p g / (b N0)) in bit/s for bandwidth b (Hz),
 * transmit power p (W), channel gain g and noise density N0 (W/Hz).
 * Returns 0 when b <= 0 or p <= 0. */
double mec_shannon_bps(double bandwidth_hz, double power_w, double gain, double noise_w_per_hz);

/* Rayleigh fading: the power gain |h|^2 of a unit-mean Rayleigh channel is
 * exponentially distributed with mean 1. */
double mec_rayleigh_power(gsl_rng *rng);

/* The same draw by inversion from a uniform u in [0, 1): -ln(1 - u). */
double mec_rayleigh_power_from_u(double u);

/* Energy of running `cycles` at `cpu_hz` on a CPU with coefficient kappa:
 * E = kappa f^2 c (J). */
double mec_local_energy_j(double kappa, double cpu_hz, double cycles);

/* Energy of transmitting for `seconds` at `power_w`: E = p t (J). */
double mec_tx_energy_j(double power_w, double seconds);

/* dBm <-> W helpers for user-facing parameters. */
double mec_dbm_to_w(double dbm);
double mec_w_to_dbm(double w);
#endif
