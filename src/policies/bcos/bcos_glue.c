/* bcos_glue.c - see bcos_glue.h. */
#include "policies/bcos/bcos_glue.h"

#include <math.h>

#define T_FLOOR_S 1e-12

int bcos_glue_check(const char *name, const char *args, const mec_system_t *sys, double *guard)
{
  *guard = 0;
  if (mec_policy_arg_double(args, "guard", guard) < 0)
    return -1;
  if (!sys || !(sys->slot_s > 0)) {
    mec_policy_set_error("%s: the BCOS model needs slotted arrivals (slot T = %g s): set the slot knob to T "
                         "and decide=per-slot",
                         name, sys ? sys->slot_s : 0.0);
    return -1;
  }
  if (!(isfinite(*guard) && *guard >= 0 && *guard < sys->slot_s)) {
    mec_policy_set_error("%s: guard=%g: expected seconds in [0, slot %g)", name, *guard, sys->slot_s);
    return -1;
  }
  if (sys->n_servers < 1) {
    mec_policy_set_error("%s: the platform has no edge server", name);
    return -1;
  }
  if (!(sys->bandwidth_hz > 0) || !(sys->noise_w_per_hz > 0)) {
    mec_policy_set_error("%s: bandwidth (%g Hz) and noise density (%g W/Hz) must be > 0", name, sys->bandwidth_hz,
                         sys->noise_w_per_hz);
    return -1;
  }
  return 0;
}

void bcos_glue_tdma(size_t n, const size_t *out_index, const double *frac, const double *t, const double *p,
                    double p_floor, mec_decision_t *out)
{
  double offset = 0;
  for (size_t j = 0; j < n; j++) {
    if (!(frac[j] > 0))
      continue;
    mec_decision_t *d = &out[out_index ? out_index[j] : j];
    d->target = 1;
    d->tx_power_w = p[j] > 0 ? p[j] : p_floor;
    d->tx_window = t[j] > 0 ? t[j] : T_FLOOR_S;
    d->tx_offset = offset;
    if (frac[j] < 1)
      d->offload_frac = frac[j];
    offset += d->tx_window;
  }
}
