/* mobility_glue.h - moving devices in the simulator (knob mobility, one cell).
 *
 * The mobility library (model/mobility.h) says where a device is at a time;
 * this module turns that into its channel: the distance from the device to
 * its base station gives its path gain, recomputed lazily (when
 * one of its rates is computed, i.e. at a decision's refresh of its channel
 * and at a transfer's start; never by a loop over devices), and a radio
 * transfer's rate is recomputed every mobility_update seconds while it runs.
 * With several BSs the same lazy look re-evaluates which BS the device is
 * attached to (model/association.h) and records a handover when it changes.
 * With mobility=static none of this runs (w->mobile == 0). docs/mobility.md. */
#ifndef MECSIM_MOBILITY_GLUE_H
#define MECSIM_MOBILITY_GLUE_H
#include "actors/world.h"

/* After the devices are set up (w->md, w->md_info, w->n_md): sets
 * w->mobile, loads mobility_file (path already resolved), initialises the
 * device states and their channel at t = 0. Returns 0, or -1 with a message. */
int mec_mob_setup(mec_world_t *w, char *err, size_t errlen);
void mec_mob_free(mec_world_t *w);

/* Moves device md's channel to the simulated time now: its distance and path
 * gain (w->md[md].path_gain, w->md_info[md].distance_m). Returns 1 if the
 * path gain changed, 0 if not (same time as the last call, or no move). */
int mec_mob_refresh(int md);

/* mec_mob_send (declared in world.h for radio_link.c): cell=ofdma transfer
 * of a moving device over its radio link (the caller holds the radio). The
 * rate of its spec is computed from the position at the start and every
 * mobility_update seconds (the transfer goes as pieces of that length, the
 * link's bandwidth set before each). */

/* Distance (m) of md to BS bs when its upload that started at up_start did. */
double mec_mob_up_distance(int md, double up_start, int bs);

/* Several BSs: the BS a device at (x, y) attaches to, given its current one
 * (-1: none yet): the best path gain g0 (l0 / max(d, min_distance))^h, with
 * hysteresis (model/association.h). Fills w->bs_gains with the gains to
 * every BS. Moving devices (at each look) and static ones (at set-up) alike. */
int mec_mob_best_bs(mec_world_t *w, double x, double y, int current);

/* Several BSs: path gain of md to BS b over its gain to its own BS, at its
 * last position (1 for its own BS, or without mobility). */
double mec_mob_gain_ratio(int md, int b);
#endif
