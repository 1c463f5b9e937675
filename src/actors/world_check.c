/* world_check.c - see world_check.h. The limits are those of
 * model/task_file.h: beyond them a SimGrid activity overflows or loses its
 * precision, and the run could not end cleanly. */
#include "actors/world_check.h"
#include "actors/wifi_shim.h"
#include "model/dist.h"

#include <math.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <stdio.h>
#include <string.h>
#include <xbt/dynar.h>

#define MAX_SPEED 1e18 /* cycles/s */
#define MAX_CORES 1000000
#define MAX_BANDWIDTH 1e15 /* bytes/s */

static int check_speed(sg_host_t h, const char *role, const char *platform, char *err, size_t errlen)
{
  double v = sg_host_get_speed(h);
  if (!(v >= 1 && v <= MAX_SPEED)) {
    snprintf(err, errlen, "platform %s: host '%s' (%s): speed %g cycles/s: expected a finite speed in [1, %g]",
             platform, sg_host_get_name(h), role, v, MAX_SPEED);
    return -1;
  }
  return 0;
}

static int check_link(sg_link_t l, const char *what, const char *platform, char *err, size_t errlen)
{
  double bw = sg_link_get_bandwidth(l), lat = sg_link_get_latency(l);
  if (!(bw > 0 && bw <= MAX_BANDWIDTH) || !(lat >= 0 && lat <= 1e6)) {
    snprintf(err, errlen,
             "platform %s: link '%s' (%s): bandwidth %g B/s, latency %g s: expected a bandwidth in (0, %g] B/s and a "
             "latency in [0, 1e6] s",
             platform, sg_link_get_name(l), what, bw, lat, MAX_BANDWIDTH);
    return -1;
  }
  return 0;
}

/* The route a -> b must exist (SimGrid aborts mid-run on a transfer without
 * one) and its links must be usable. */
static int check_route(sg_host_t a, sg_host_t b, int wired, const char *why, const char *platform, char *err,
                       size_t errlen)
{
  if (a == b)
    return 0;
  xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
  sg_host_get_route(a, b, links);
  int rc = 0;
  if (xbt_dynar_is_empty(links)) {
    snprintf(err, errlen, "platform %s: no route from '%s' to '%s' (%s): add a <route> with its fiber link(s)",
             platform, sg_host_get_name(a), sg_host_get_name(b), why);
    rc = -1;
  }
  unsigned i;
  sg_link_t l;
  char what[256];
  snprintf(what, sizeof what, "on the route %s -> %s", sg_host_get_name(a), sg_host_get_name(b));
  xbt_dynar_foreach (links, i, l) {
    if (rc == 0 && check_link(l, what, platform, err, errlen) != 0)
      rc = -1;
    if (rc == 0 && wired && mec_link_is_wifi(l)) {
      snprintf(err, errlen, "platform %s: link '%s' %s is a Wi-Fi link: the fiber between the BS and the servers must "
               "be wired links", platform, sg_link_get_name(l), what);
      rc = -1;
    }
  }
  xbt_dynar_free(&links);
  return rc;
}

int mec_world_check(const mec_world_t *w, const char *platform, char *err, size_t errlen)
{
  const mec_scenario_t *sc = &w->sc;
  for (int b = 0; b < w->n_bs; b++) {
    char role[96];
    snprintf(role, sizeof role, "base station %d, which computes decisions", b);
    if (check_speed(w->bss[b].host, w->n_bs == 1 ? "the base station, which computes decisions" : role, platform, err,
                    errlen) != 0)
      return -1;
    for (int b2 = 0; b2 < w->n_bs; b2++)
      if (b2 != b && check_route(w->bss[b].host, w->bss[b2].host, 1,
                                 "the fiber between base stations carries uploads and results of devices that moved",
                                 platform, err, errlen) != 0)
        return -1;
  }
  for (int s = 0; s < w->n_servers; s++) {
    const mec_server_state_t *st = &w->srv[s];
    char role[64];
    snprintf(role, sizeof role, "edge server %d", s + 1);
    if (check_speed(st->host, role, platform, err, errlen) != 0)
      return -1;
    if (st->cores < 1 || st->cores > MAX_CORES) {
      snprintf(err, errlen, "platform %s: host '%s' (%s): %d cores: expected 1 to %d", platform,
               sg_host_get_name(st->host), role, st->cores, MAX_CORES);
      return -1;
    }
    char why[256];
    if (strcmp(sc->forward, "via-first") == 0 && st->path_len == 3)
      snprintf(why, sizeof why, "forward=via-first sends server %d's tasks through server %d; --forward direct "
               "uses the platform's route from the BS instead", s + 1, w->bss[st->bs].first_edge + 1);
    else
      snprintf(why, sizeof why, "forward=%s sends server %d's tasks this way", sc->forward, s + 1);
    for (int h = 0; h + 1 < st->path_len; h++) {
      if (check_route(st->path[h], st->path[h + 1], 1, why, platform, err, errlen) != 0)
        return -1;
    }
    for (int b = 1; st->tier == MEC_TIER_CLOUD && b < w->n_bs; b++)
      if (st->host != w->bss[b].host &&
          check_route(w->bss[b].host, st->host, 1, "every base station reaches a cloud over its route", platform, err,
                      errlen) != 0)
        return -1;
  }
  double max_bits = mec_dist_max(&sc->task_bits), max_out = mec_dist_max(&sc->result_bits);
  double max_cycles = mec_scenario_cycles_max(sc);
  if (strcmp(sc->arrivals, "file") == 0) {
    max_bits = max_out = max_cycles = 0;
    for (size_t k = 0; k < w->replay_count; k++) {
      const mec_replay_row_t *r = &w->replay[k];
      max_bits = fmax(max_bits, r->input_bits);
      max_out = fmax(max_out, r->output_bits);
      max_cycles = fmax(max_cycles, r->cycles);
    }
  }
  max_bits = fmax(max_bits, sc->ctrl_bits);
  for (int i = 0; i < w->n_md; i++) {
    const mec_md_state_t *m = &w->md[i];
    const mec_md_info_t *in = &w->md_info[i];
    char role[64];
    snprintf(role, sizeof role, "mobile device %d", i);
    if (check_speed(m->host, role, platform, err, errlen) != 0)
      return -1;
    for (int b = 0; b < w->n_bs; b++)
      if (m->host == w->bss[b].host) {
        snprintf(err, errlen, "platform %s: host '%s' is both %s and mobile device %d", platform,
                 sg_host_get_name(m->host), w->n_bs == 1 ? "the base station" : "a base station", i);
        return -1;
      }
    if (m->wifi_levels == 0 && check_link(m->radio, "radio link", platform, err, errlen) != 0)
      return -1;
    /* SimGrid's Wi-Fi links need a rate per station (cell=wifi sets it); used
     * as an OFDMA radio link, the first transfer reads an unset rate and
     * crashes inside SimGrid. */
    if (m->wifi_levels == 0 && mec_link_is_wifi(m->radio)) {
      snprintf(err, errlen, "platform %s: radio link '%s' of mobile device %d (host '%s') has sharing_policy=\"WIFI\", "
               "but knob cell=ofdma needs one wired link per device: remove the sharing policy, or run a Wi-Fi cell "
               "with cell=wifi (docs/model.md)", platform, sg_link_get_name(m->radio), i, sg_host_get_name(m->host));
      return -1;
    }
    if (m->wifi_levels > 0 && check_route(m->host, w->bs, 0, "the device's Wi-Fi uplink", platform, err, errlen) != 0)
      return -1;
    double up = in->up_rate_bps, down = in->down_rate_bps;
    double t_up = max_bits / up, t_down = max_out / down, t_exec = max_cycles / in->cpu_hz;
    if (!(up > 0 && up <= 8 * MAX_BANDWIDTH) || !(down > 0 && down <= 8 * MAX_BANDWIDTH) ||
        !(t_up <= MEC_TASK_MAX_TIME) || !(t_down <= MEC_TASK_MAX_TIME) || !(t_exec <= MEC_TASK_MAX_TIME)) {
      snprintf(err, errlen,
               "mobile device %d (host '%s', %g m from the BS): uplink %g bit/s, downlink %g bit/s, local CPU %g "
               "cycles/s: the largest task would take %g s up, %g s down, %g s locally; expected finite rates in "
               "(0, %g] bit/s and times of at most %g s (check the knobs bandwidth, noise_dbm_hz, path_gain_db, "
               "path_loss_exp, md_tx_power, bs_tx_power and the device's distance and tx_power)",
               i, sg_host_get_name(m->host), in->distance_m, up, down, in->cpu_hz, t_up, t_down, t_exec,
               8 * MAX_BANDWIDTH, MEC_TASK_MAX_TIME);
      return -1;
    }
  }
  return 0;
}

double mec_world_warn_overload(const mec_world_t *w)
{
  const mec_scenario_t *sc = &w->sc;
  double per_md_rate; /* tasks/s each device offers */
  double mean_cycles = mec_scenario_cycles_mean(sc), mean_bits = mec_dist_mean(&sc->task_bits);
  if (strcmp(sc->arrivals, "file") == 0) {
    if (w->replay_count == 0)
      return 0;
    double last = 0, cycles = 0, bits = 0;
    for (size_t k = 0; k < w->replay_count; k++) {
      last = fmax(last, w->replay[k].arrival);
      cycles += w->replay[k].cycles;
      bits += w->replay[k].input_bits;
    }
    if (last <= 0)
      return 0; /* a single burst: no rate to compare */
    per_md_rate = (double)w->replay_count / last / w->n_md;
    mean_cycles = cycles / (double)w->replay_count;
    mean_bits = bits / (double)w->replay_count;
  } else {
    per_md_rate = strcmp(sc->arrivals, "poisson") == 0 ? sc->rate : 1.0 / sc->slot;
  }
  double offered = per_md_rate * w->n_md * mean_cycles, servers = 0, devices = 0;
  for (int s = 0; s < w->n_servers; s++)
    servers += w->srv_info[s].cpu_hz * w->srv_info[s].cores;
  int stuck = 0; /* devices that can keep up neither locally nor over their radio */
  for (int i = 0; i < w->n_md; i++) {
    devices += w->md_info[i].cpu_hz;
    double local = per_md_rate * mean_cycles / w->md_info[i].cpu_hz;
    double radio = per_md_rate * mean_bits / w->md_info[i].up_rate_bps;
    double keep_up = 1.0 / local + (w->n_servers > 0 ? 1.0 / radio : 0.0); /* best split: local share x, x local < 1 and (1-x) radio < 1 */
    stuck += keep_up <= 1;
  }
  double ratio = offered / (servers + devices);
  if (ratio >= 1)
    fprintf(stderr,
            "mecsim: warning: the cell is overloaded: tasks arrive with %.4g cycles/s of work, %.2f times what the "
            "servers (%.4g cycles/s) and devices (%.4g cycles/s) can compute together; queues will grow for as long "
            "as tasks arrive (docs/model.md, Overload)\n",
            offered, ratio, servers, devices);
  else if (stuck > 0)
    fprintf(stderr,
            "mecsim: warning: %d of %d devices receive tasks faster than either their CPU or their uplink can "
            "handle them; their queues will grow for as long as tasks arrive (docs/model.md, Overload)\n",
            stuck, w->n_md);
  return ratio;
}
