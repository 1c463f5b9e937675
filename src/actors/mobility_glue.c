/* mobility_glue.c - moving devices in the simulator (see mobility_glue.h). */
#include "actors/mobility_glue.h"
#include "model/association.h"
#include "model/mobility.h"
#include "model/position_trace.h"
#include "model/radio.h"

#include <math.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOB_UPLOADS 4 /* upload starts remembered per device for /tasks.up_distance_m */
#define MOB_MIN_DISTANCE 1e-3 /* m: a device on the BS is 1 mm away (finite gain) */
#define MOB_MAX_PIECES 1e4    /* rate updates per transfer, at most (longer intervals beyond) */

typedef struct mob_md {
  mec_mobility_state_t st;
  double t, x, y, d;              /* position and distance to its BS at time t (t < 0: none yet) */
  double up_t[MOB_UPLOADS], up_d[MOB_UPLOADS]; /* ring of upload starts and their distances */
  unsigned char up_next;
} mob_md_t;

struct mec_mob {
  mec_mobility_t model;
  mec_position_trace_t *trace; /* mobility=trace: the loaded file */
  mob_md_t *md;
  double g0, l0, h, dmin;      /* path gain g0 (l0 / max(d, dmin))^h */
  double every;                /* knob mobility_update, s */
  uint64_t samples;            /* /mobility rows written */
  int samples_stopped;
};

int mec_mob_setup(mec_world_t *w, char *err, size_t errlen)
{
  const mec_scenario_t *sc = &w->sc;
  w->mobile = strcmp(sc->mobility, "static") != 0;
  if (!w->mobile)
    return 0;
  struct mec_mob *mob = calloc(1, sizeof *mob);
  if (!mob) {
    snprintf(err, errlen, "out of memory for mobility");
    return -1;
  }
  w->mob = mob;
  if (mec_scenario_mobility(sc, &mob->model, err, errlen) != 0)
    return -1;
  if (w->n_bs > 1) { /* the area spans every cell unless the knob says otherwise */
    double a[4];
    char merr[400];
    if (mec_scenario_area(sc, w->bs_xy, w->n_bs, a, err, errlen) != 0)
      return -1;
    mob->model.xmin = a[0], mob->model.ymin = a[1], mob->model.xmax = a[2], mob->model.ymax = a[3];
    if (mob->model.kind != MEC_MOBILITY_TRACE && mec_mobility_check(&mob->model, merr, sizeof merr) != 0) {
      snprintf(err, errlen, "the mobility area of %d base stations: %s", w->n_bs, merr);
      return -1;
    }
  }
  if (mob->model.kind == MEC_MOBILITY_TRACE) {
    char terr[1024];
    mob->trace = mec_position_trace_load(sc->mobility_file, w->n_md, terr, sizeof terr);
    if (!mob->trace) {
      snprintf(err, errlen, "knob 'mobility_file': %s", terr);
      return -1;
    }
    mob->model.trace = mob->trace;
  }
  mob->md = malloc((size_t)w->n_md * sizeof *mob->md);
  if (!mob->md) {
    snprintf(err, errlen, "out of memory for the mobility of %d devices", w->n_md);
    return -1;
  }
  mob->g0 = pow(10.0, sc->path_gain_db / 10.0);
  mob->l0 = sc->l0;
  mob->h = sc->path_loss_exp;
  mob->dmin = sc->min_distance > MOB_MIN_DISTANCE ? sc->min_distance : MOB_MIN_DISTANCE;
  mob->every = sc->mobility_update;
  for (int i = 0; i < w->n_md; i++) {
    mob_md_t *d = &mob->md[i];
    memset(d, 0, sizeof *d);
    d->t = -1;
    for (int k = 0; k < MOB_UPLOADS; k++)
      d->up_t[k] = NAN;
    char merr[512];
    if (mec_mobility_init_device(&mob->model, &d->st, sc->seed, i, sc->bs_x, sc->bs_y, merr, sizeof merr) != 0) {
      snprintf(err, errlen, "%s", merr);
      return -1;
    }
    w->md_info[i].bs = w->n_bs > 1 ? -1 : 0; /* several BSs: the best one at t = 0 */
    mec_mob_refresh(i); /* the channel at t = 0 (what /devices records) */
    w->md_info[i].gain = w->md[i].path_gain;
  }
  return 0;
}

void mec_mob_free(mec_world_t *w)
{
  if (!w || !w->mob)
    return;
  mec_position_trace_free(w->mob->trace);
  free(w->mob->md);
  free(w->mob);
  w->mob = NULL;
}

static double distance_gain(const struct mec_mob *mob, double d)
{
  return mec_path_gain(mob->g0, mob->l0, d > mob->dmin ? d : mob->dmin, mob->h);
}

static double bs_distance(const mec_world_t *w, double x, double y, int b)
{
  return hypot(x - w->bs_xy[2 * b], y - w->bs_xy[2 * b + 1]);
}

int mec_mob_best_bs(mec_world_t *w, double x, double y, int current)
{
  const mec_scenario_t *sc = &w->sc;
  double g0 = pow(10.0, sc->path_gain_db / 10.0);
  double dmin = sc->min_distance > MOB_MIN_DISTANCE ? sc->min_distance : MOB_MIN_DISTANCE;
  for (int b = 0; b < w->n_bs; b++) {
    double d = bs_distance(w, x, y, b);
    w->bs_gains[b] = mec_path_gain(g0, sc->l0, d > dmin ? d : dmin, sc->path_loss_exp);
  }
  return mec_associate(w->bs_gains, w->n_bs, current, sc->handover_hysteresis_db);
}

/* Several BSs: the device at (x, y) keeps its BS or hands over. A handover
 * is written to /handovers. */
static void associate(mec_world_t *w, int md, double x, double y)
{
  int cur = w->md_info[md].bs;
  int b = mec_mob_best_bs(w, x, y, cur);
  if (b < 0 || b == cur)
    return;
  w->md_info[md].bs = b;
  w->bs_info[b].attached++;
  if (cur < 0)
    return; /* the first association, at t = 0 */
  w->bs_info[cur].attached--;
  w->handovers++;
  if (!w->trace)
    return;
  trace_handover_rec_t r = {simgrid_get_clock(), md, cur, b, x, y, w->bs_gains[cur], w->bs_gains[b]};
  if (trace_add_handover(w->trace, &r) != 0)
    mec_world_fail("trace: %s", trace_error(w->trace));
}

int mec_mob_refresh(int md)
{
  mec_world_t *w = mec_world;
  struct mec_mob *mob = w->mob;
  mob_md_t *d = &mob->md[md];
  double now = simgrid_get_clock();
  if (d->t == now)
    return 0;
  double x, y;
  if (mec_mobility_position(&mob->model, &d->st, now, &x, &y) != 0)
    return 0; /* beyond 1e12 s: keep the last position */
  d->t = now;
  d->x = x;
  d->y = y;
  if (w->n_bs > 1)
    associate(w, md, x, y);
  d->d = bs_distance(w, x, y, w->md_info[md].bs);
  w->md_info[md].distance_m = d->d;
  double g = distance_gain(mob, d->d);
  if (g == w->md[md].path_gain)
    return 0;
  w->md[md].path_gain = g;
  return 1;
}

double mec_mob_gain_ratio(int md, int b)
{
  mec_world_t *w = mec_world;
  if (!w->mob || b == w->md_info[md].bs || b < 0 || b >= w->n_bs)
    return 1;
  const mob_md_t *d = &w->mob->md[md];
  return distance_gain(w->mob, bs_distance(w, d->x, d->y, b)) / w->md[md].path_gain;
}

/* The rate of spec for md now; after mec_world_fail when there is none. */
static double rate_now(int md, mec_rate_spec_t spec, int uplink)
{
  mec_world_t *w = mec_world;
  double rate = mec_world_rate(md, spec);
  const mob_md_t *d = &w->mob->md[md];
  if (!(rate > 0) || !isfinite(rate))
    mec_world_fail("MD %d has no %s rate at t = %.9g s (%g bit/s at %g m from base station %d)", md,
                   uplink ? "uplink" : "downlink", simgrid_get_clock(), rate, bs_distance(w, d->x, d->y, spec.bs),
                   spec.bs);
  return rate;
}

static void sample(mec_world_t *w, int md, int uplink, double rate, int bs)
{
  struct mec_mob *mob = w->mob;
  const mob_md_t *d = &mob->md[md];
  if (!w->trace || mob->samples_stopped)
    return;
  if (w->sc.mobility_samples_max > 0 && mob->samples >= (uint64_t)w->sc.mobility_samples_max) {
    mob->samples_stopped = 1;
    fprintf(stderr,
            "mecsim: warning: /mobility stopped at t = %.6g s after %d rows (knob mobility_samples_max); later "
            "transfer starts are not sampled (/tasks.up_distance_m still is)\n",
            simgrid_get_clock(), w->sc.mobility_samples_max);
    return;
  }
  trace_mobility_rec_t r = {simgrid_get_clock(), md, uplink, d->x, d->y, bs_distance(w, d->x, d->y, bs), rate, bs};
  mob->samples++;
  if (trace_add_mobility(w->trace, &r) != 0)
    mec_world_fail("trace: %s", trace_error(w->trace));
}

void mec_mob_send(int md, double bits, mec_rate_spec_t spec, int uplink, double units_per_bit)
{
  mec_world_t *w = mec_world;
  struct mec_mob *mob = w->mob;
  mec_md_state_t *m = &w->md[md];
  mob_md_t *d = &mob->md[md];
  double rate = rate_now(md, spec, uplink); /* at the position now (the radio may have been busy) */
  if (w->failed)
    return;
  if (uplink) {
    d->up_t[d->up_next] = simgrid_get_clock();
    d->up_d[d->up_next] = bs_distance(w, d->x, d->y, spec.bs);
    d->up_next = (unsigned char)((d->up_next + 1) % MOB_UPLOADS);
  }
  sample(w, md, uplink, rate, spec.bs);
  if (w->failed)
    return;
  sg_link_set_bandwidth(m->radio, rate * units_per_bit);
  double units = (double)llround(bits * units_per_bit);
  if (mob->every <= 0 || units <= rate * units_per_bit * mob->every) {
    sg_host_sendto(m->host, m->host, units); /* done within one interval: as a static device */
    return;
  }
  /* Longer than one interval: the transfer is sent as consecutive pieces,
   * each what the current rate moves in `every` seconds (the last one the
   * rest), with the rate recomputed from the position before each. The
   * radio link is this device's alone and carries one transfer at a time,
   * so a piece of rate x every units lasts exactly `every` seconds. Its
   * latency is paid once, by the first piece: the others are sent with the
   * link's latency at 0 (restored at the end). A blocking sendto per piece,
   * rather than one asynchronous comm whose link bandwidth changes, because
   * SimGrid 3.32 cancels neither kind of timed wait's comm when the actor is
   * killed (--until): the comm would run on after the run's end. */
  double latency = sg_link_get_latency(m->radio);
  double left = units;
  /* at most MOB_MAX_PIECES intervals (as estimated at the start): a huge
   * transfer at a short interval would otherwise take millions of pieces */
  double every = fmax(mob->every, units / (rate * units_per_bit) / MOB_MAX_PIECES);
  while (left > 0 && !w->failed) {
    double piece = floor(rate * units_per_bit * every);
    if (piece < 1 || piece >= left)
      piece = left;
    sg_host_sendto(m->host, m->host, piece);
    left -= piece;
    if (left > 0) {
      if (latency > 0 && left + piece == units)
        sg_link_set_latency(m->radio, 0);
      rate = rate_now(md, spec, uplink);
      if (!w->failed)
        sg_link_set_bandwidth(m->radio, rate * units_per_bit);
    }
  }
  if (latency > 0)
    sg_link_set_latency(m->radio, latency);
}

double mec_mob_up_distance(int md, double up_start, int bs)
{
  mec_world_t *w = mec_world;
  struct mec_mob *mob = w->mob;
  const mob_md_t *d = &mob->md[md];
  for (int k = 0; k < MOB_UPLOADS; k++)
    if (d->up_t[k] == up_start)
      return d->up_d[k];
  /* not remembered (a Wi-Fi upload, or older than the ring): ask a copy of
   * the device's state, which leaves its own state where it is */
  mec_mobility_state_t st = d->st;
  double x, y;
  if (mec_mobility_position(&mob->model, &st, up_start, &x, &y) != 0)
    return NAN;
  return bs_distance(w, x, y, bs);
}
