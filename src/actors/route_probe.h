/* route_probe.h - asks SimGrid for routes in a throw-away child process.
 *
 * SimGrid 3.32 crashes (SIGSEGV in NetZoneImpl::get_global_route) when asked
 * for a route that a platform of nested zones lacks (e.g. no <zoneRoute>
 * between a Wi-Fi zone and the wired one), where a flat zone answers with an
 * empty route. mecsim needs to tell a user which route is missing instead of
 * crashing, so it first asks for every route it will use in a forked child:
 * if the child dies, the route it was computing is the culprit. */
#ifndef MECSIM_ROUTE_PROBE_H
#define MECSIM_ROUTE_PROBE_H
#include <simgrid/forward.h>
#include <stddef.h>

/* Computes the routes src[i] -> dst[i], i < n, in a child process. Returns 0
 * when all were computed, 1 with *bad = the index of the route SimGrid
 * crashed on, or -1 when no child could be started (nothing was checked). */
int mec_probe_routes(const sg_host_t *src, const sg_host_t *dst, size_t n, size_t *bad);
#endif
