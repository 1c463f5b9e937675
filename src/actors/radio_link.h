/* radio_link.h - transfers over an MD's radio (see radio_link.c). */
#ifndef MECSIM_RADIO_LINK_H
#define MECSIM_RADIO_LINK_H
#include "actors/world.h"

/* Sends `bits` over MD md's radio (uplink or downlink) at the rate of
 * `spec`: as it is when the call is made, or, for a moving device on an
 * OFDMA cell, as it is when the transmission starts and every
 * mobility_update seconds after (mobility_glue.c). The MD's radio carries
 * one transfer at a time; the caller waits its turn (FIFO).
 * Returns the simulated time the transmission started (after the wait);
 * the transfer is over when the call returns. */
double mec_radio_transfer(int md, double bits, mec_rate_spec_t spec, int uplink);

/* The band of one TDMA frame (the uploads of one decision, identified by its
 * decide_end): its sub-slots follow each other on the whole band, so an MD
 * whose sub-slot begins while an earlier upload of the same frame still runs
 * past its window waits for the band (FIFO) instead of transmitting over it.
 * Frames do not wait for each other: the BS starts each slot's frame on its
 * clock (a straggler of the previous frame overlaps it; docs/model.md).
 * Several BSs have a band each: bs is the BS the upload goes to. */
typedef struct mec_tdma_band mec_tdma_band_t;
mec_tdma_band_t *mec_tdma_band_acquire(double frame, int bs);
void mec_tdma_band_release(mec_tdma_band_t *band);
/* Frees what a run cut short left (main ends the actors first). */
void mec_tdma_bands_free(void);
#endif
