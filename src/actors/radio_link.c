/* radio_link.c - one transfer over an MD's radio, in either cell model.
 *
 * cell=ofdma (default): the MD's own radio link (its route to itself); both
 * ends of the communication are on the MD host and the link's bandwidth is
 * set to the Shannon rate first (docs/model.md says why).
 * cell=wifi: the MD is a station of a SimGrid Wi-Fi zone whose access point
 * leads to the BS; the transfer goes MD <-> BS through the shared Wi-Fi link,
 * at the highest rate level of the link that the MD's Shannon rate supports
 * (the link's "wifi_rates" property lists the levels in bit/s, in the order
 * of its bandwidth attribute). Contention between stations is SimGrid's. */
#include "actors/radio_link.h"
#include "actors/wifi_shim.h"

#include <math.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <simgrid/semaphore.h>
#include <string.h>
#include <xbt/sysdep.h>

#define RADIO_UNITS_PER_BIT 1024.0

static int wifi_level(const mec_md_state_t *m, double rate_bps)
{
  int best = m->wifi_levels - 1; /* slowest level when nothing fits */
  double best_rate = -1;
  for (int l = 0; l < m->wifi_levels; l++)
    if (m->wifi_rates[l] <= rate_bps && m->wifi_rates[l] > best_rate) {
      best_rate = m->wifi_rates[l];
      best = l;
    }
  return best;
}

double mec_radio_transfer(int md, double bits, mec_rate_spec_t spec, int uplink)
{
  mec_world_t *w = mec_world;
  mec_md_state_t *m = &w->md[md];
  int follows = w->mobile && m->wifi_levels == 0; /* the rate follows a moving device */
  double rate_bps = follows ? NAN : mec_world_rate(md, spec); /* else as asked for, before any wait */
  if (m->radio_users++ > 0) /* busy: wait for the transfer ahead to hand over */
    sg_sem_acquire(m->radio_free);
  double start = simgrid_get_clock();
  if (m->wifi_levels > 0) {
    mec_wifi_set_rate(m->radio, m->host, wifi_level(m, rate_bps));
    sg_host_sendto(uplink ? m->host : w->bs, uplink ? w->bs : m->host, bits / 8.0);
  } else if (follows) { /* the rate follows the device's position (mobility_glue.c) */
    mec_mob_send(md, bits, spec, uplink, RADIO_UNITS_PER_BIT);
  } else {
    /* SimGrid sizes are whole units: in bytes, a 20.7-bit task would move
     * 24 bits (DyNN's tasks go down to a few bits). The link is this MD's
     * alone and carries one transfer at a time, so its unit can be 1/1024
     * bit: the size is exact to 0.05 % of a bit (1e15 bits, the largest
     * task, is 1e18 units, within a long). */
    sg_link_set_bandwidth(m->radio, rate_bps * RADIO_UNITS_PER_BIT);
    double units = (double)llround(bits * RADIO_UNITS_PER_BIT);
    sg_host_sendto(m->host, m->host, units); /* the route from the MD to itself is its radio link */
  }
  if (--m->radio_users > 0)
    sg_sem_release(m->radio_free);
  return start;
}

struct mec_tdma_band {
  double frame;     /* decide_end of the frame's decision */
  int bs;           /* the BS whose band it is (several BSs: one band each) */
  int users;        /* its uploads transmitting or waiting */
  sg_sem_t free;    /* hands the band to the next waiting upload */
  mec_tdma_band_t *next;
};

mec_tdma_band_t *mec_tdma_band_acquire(double frame, int bs)
{
  mec_world_t *w = mec_world;
  mec_tdma_band_t *b = w->tdma_bands;
  while (b && (b->frame != frame || b->bs != bs))
    b = b->next;
  if (!b) {
    b = xbt_new0(mec_tdma_band_t, 1);
    b->frame = frame;
    b->bs = bs;
    b->free = sg_sem_init(0);
    b->next = w->tdma_bands;
    w->tdma_bands = b;
  }
  if (b->users++ > 0)
    sg_sem_acquire(b->free);
  return b;
}

void mec_tdma_band_release(mec_tdma_band_t *band)
{
  mec_world_t *w = mec_world;
  if (--band->users > 0) {
    sg_sem_release(band->free);
    return;
  }
  mec_tdma_band_t **p = &w->tdma_bands; /* the frame's last upload: forget the frame */
  while (*p != band)
    p = &(*p)->next;
  *p = band->next;
  sg_sem_destroy(band->free);
  xbt_free(band);
}

void mec_tdma_bands_free(void)
{
  mec_world_t *w = mec_world;
  while (w && w->tdma_bands) {
    mec_tdma_band_t *b = w->tdma_bands;
    w->tdma_bands = b->next;
    sg_sem_destroy(b->free);
    xbt_free(b);
  }
}
