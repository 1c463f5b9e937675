/* association.h - which base station a device attaches to (plain C).
 *
 * A device attaches to the BS of the best channel: the highest path gain
 * (large-scale: distance and path loss; fast fading is left out, as
 * handover decisions use filtered signal strength that averages it away).
 * Hysteresis keeps it from ping-ponging at a cell border: it leaves its
 * current BS only for one whose gain is more than hysteresis_db higher.
 * docs/mobility.md, "Several base stations". */
#ifndef MECSIM_ASSOCIATION_H
#define MECSIM_ASSOCIATION_H

/* gain[0..n_bs-1]: the device's path gain to each BS. current: its BS, or
 * -1 when it has none yet (then the best, without hysteresis). Ties go to
 * the lowest index. Returns the BS index (current when it stays), or -1
 * when n_bs < 1 or no gain is a positive number. */
int mec_associate(const double *gain, int n_bs, int current, double hysteresis_db);
#endif
