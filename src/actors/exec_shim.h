/* exec_shim.h - the remaining work of many executions in one SimGrid call
 * (see exec_shim.cpp). */
#ifndef MECSIM_EXEC_SHIM_H
#define MECSIM_EXEC_SHIM_H
#include <simgrid/forward.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
/* remaining[i] = flops execs[i] has still to run, as sg_exec_get_remaining
 * gives it, for i < n; one simcall for all of them. */
void mec_execs_remaining(const sg_exec_t *execs, size_t n, double *remaining);
#ifdef __cplusplus
}
#endif
#endif
