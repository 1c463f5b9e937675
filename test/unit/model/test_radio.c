/* test_radio.c - channel and energy formulas against values computed by hand
 * or by an independent expression. */
#include "check.h"
#include "model/radio.h"
#include "model/rng.h"

#include <gsl/gsl_rng.h>

static void test_shannon_rate(void)
{
  /* W = 10 MHz, p = 0.5 W, g = 1e-6, N0 = 1e-17 W/Hz:
   * SNR = 0.5e-6 / (1e7 * 1e-17) = 5000, r = 1e7 log2(5001) = 122.880009 Mbit/s */
  double r = mec_shannon_bps(10e6, 0.5, 1e-6, 1e-17);
  CHECK_REL(r, 10e6 * log(1.0 + 5000.0) / log(2.0), 1e-12);
  CHECK_NEAR(r, 122880008.897, 1e-2);
  /* low-SNR limit: r ~ p g / (N0 ln 2) when b N0 >> p g */
  double low = mec_shannon_bps(1e9, 1e-3, 1e-9, 1e-17); /* SNR = 1e-4 */
  CHECK_REL(low, 1e-3 * 1e-9 / (1e-17 * log(2.0)), 1e-4);
  /* DTOMALB eq. 5: N users share W equally, each sees W/N in both places */
  double w = 20e6, share = w / 10;
  CHECK_REL(mec_shannon_bps(share, 0.2, 1e-7, 1e-17), share * log1p(0.2 * 1e-7 / (share * 1e-17)) / M_LN2, 1e-12);
}

static void test_shannon_degenerate(void)
{
  CHECK(mec_shannon_bps(0, 0.5, 1e-6, 1e-17) == 0);
  CHECK(mec_shannon_bps(-1, 0.5, 1e-6, 1e-17) == 0);
  CHECK(mec_shannon_bps(10e6, 0, 1e-6, 1e-17) == 0);
  CHECK(mec_shannon_bps(10e6, -1, 1e-6, 1e-17) == 0);
  CHECK(mec_shannon_bps(10e6, 0.5, 0, 1e-17) == 0);
}

static void test_path_gain(void)
{
  /* g0 = -30 dB, l0 = 1 m, 100 m, h = 3: 1e-3 * 100^-3 = 1e-9 */
  CHECK_REL(mec_path_gain(1e-3, 1.0, 100.0, 3.0), 1e-9, 1e-12);
  /* g0 = 1, l0 = 1 m, 50 m, h = 2: 1 / 2500 */
  CHECK_REL(mec_path_gain(1.0, 1.0, 50.0, 2.0), 4e-4, 1e-12);
  /* l0 = 10 m, 40 m, h = 4: g0 / 4^4 */
  CHECK_REL(mec_path_gain(2e-4, 10.0, 40.0, 4.0), 2e-4 / 256.0, 1e-12);
  /* closer than l0 is clamped to l0 */
  CHECK_REL(mec_path_gain(1e-3, 1.0, 0.2, 3.0), 1e-3, 1e-12);
  CHECK_REL(mec_path_gain(1e-3, 1.0, 0.0, 3.0), 1e-3, 1e-12);
  /* in dB: 10 h log10(l/l0) below g0 */
  CHECK_NEAR(10 * log10(mec_path_gain(1e-3, 1.0, 250.0, 3.5)), -30 - 35 * log10(250.0), 1e-9);
}

static void test_rayleigh_moments(void)
{
  enum { N = 100000 };
  gsl_rng *rng = mec_rng_new(7, MEC_STREAM_FADING, 0);
  double sum = 0, sum2 = 0;
  int negative = 0;
  for (int i = 0; i < N; i++) {
    double x = mec_rayleigh_power(rng);
    negative += x < 0;
    sum += x;
    sum2 += x * x;
  }
  gsl_rng_free(rng);
  double mean = sum / N, var = sum2 / N - mean * mean;
  CHECK(negative == 0);
  /* Exp(1): sd of the mean 1/sqrt(N) = 0.0032, of the variance sqrt(8/N) = 0.0089 */
  CHECK_NEAR(mean, 1.0, 0.016);
  CHECK_NEAR(var, 1.0, 0.045);
}

static void test_energy(void)
{
  /* kappa = 1e-27, f = 1 GHz, c = 1e9 cycles: 1e-27 * 1e18 * 1e9 = 1 J */
  CHECK_REL(mec_local_energy_j(1e-27, 1e9, 1e9), 1.0, 1e-12);
  /* doubling f quadruples the energy of the same cycles */
  CHECK_REL(mec_local_energy_j(1e-28, 2e9, 5e8), 1e-28 * 4e18 * 5e8, 1e-12);
  CHECK_REL(mec_local_energy_j(1e-28, 2e9, 5e8) / mec_local_energy_j(1e-28, 1e9, 5e8), 4.0, 1e-12);
  CHECK_REL(mec_tx_energy_j(0.5, 2.0), 1.0, 1e-12);
  CHECK(mec_tx_energy_j(0.5, 0.0) == 0.0);
}

static void test_dbm(void)
{
  CHECK_REL(mec_dbm_to_w(30.0), 1.0, 1e-12);
  CHECK_REL(mec_dbm_to_w(0.0), 1e-3, 1e-12);
  CHECK_REL(mec_dbm_to_w(23.0), 0.19952623149688797, 1e-12);
  CHECK_REL(mec_dbm_to_w(-174.0), 3.981071705534973e-21, 1e-12); /* thermal noise, 1 Hz */
  CHECK_NEAR(mec_w_to_dbm(1.0), 30.0, 1e-12);
  CHECK_NEAR(mec_w_to_dbm(0.1), 20.0, 1e-12);
  CHECK_NEAR(mec_w_to_dbm(2e-3), 3.010299956639812, 1e-12);
  for (double dbm = -120; dbm <= 50; dbm += 7.5)
    CHECK_NEAR(mec_w_to_dbm(mec_dbm_to_w(dbm)), dbm, 1e-9);
}

int main(void)
{
  RUN(test_shannon_rate);
  RUN(test_shannon_degenerate);
  RUN(test_path_gain);
  RUN(test_rayleigh_moments);
  RUN(test_energy);
  RUN(test_dbm);
  return CHECK_DONE();
}
