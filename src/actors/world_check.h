/* world_check.h - checks the built world before simulated time starts. */
#ifndef MECSIM_WORLD_CHECK_H
#define MECSIM_WORLD_CHECK_H
#include "actors/world.h"
#include <stddef.h>

/* Every host a run uses has a finite positive speed (servers: 1 core or
 * more), every route the forwarding mode needs exists and its links have
 * finite positive bandwidths and finite latencies, and every device's radio
 * gives finite positive rates with which the largest task's transfers and
 * executions take a finite time. Returns 0, or -1 with err naming the file
 * and element. platform_path names the platform in messages. */
int mec_world_check(const mec_world_t *w, const char *platform_path, char *err, size_t errlen);

/* Compares the offered load with the compute and radio capacity and prints a
 * warning on stderr when the cell is overloaded (queues then grow for as
 * long as tasks arrive). Returns the offered / total compute ratio. */
double mec_world_warn_overload(const mec_world_t *w);
#endif
