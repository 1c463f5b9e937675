/* load_shim.h - platform/deployment loading that reports bad XML instead of
 * aborting (see load_shim.cpp). */
#ifndef MECSIM_LOAD_SHIM_H
#define MECSIM_LOAD_SHIM_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Return 0, or -1 with SimGrid's message (file, line, what) in err. */
int mec_load_platform(const char *path, char *err, size_t errlen);
int mec_load_deployment(const char *path, char *err, size_t errlen);
/* simgrid_init, with a bad --cfg / --log option reported in err (-1). */
int mec_simgrid_init(int *argc, char **argv, char *err, size_t errlen);
/* Calls cb when SimGrid finds the simulation deadlocked (actors blocked forever). */
void mec_on_deadlock(void (*cb)(void));
#ifdef __cplusplus
}
#endif
#endif
