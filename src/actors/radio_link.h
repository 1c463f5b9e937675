/* radio_link.h - transfers over an MD's radio (see radio_link.c). */
#ifndef MECSIM_RADIO_LINK_H
#define MECSIM_RADIO_LINK_H
#include "actors/world.h"

/* Sends `bits` over MD md's radio at `rate_bps` (uplink or downlink). The MD's
 * radio carries one transfer at a time; the caller waits its turn (FIFO).
 * Returns the simulated time the transmission started (after the wait);
 * the transfer is over when the call returns. */
double mec_radio_transfer(int md, void *payload, double bits, double rate_bps, int uplink);
#endif
