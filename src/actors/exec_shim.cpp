/* exec_shim.cpp - the remaining work of many executions in one simcall.
 *
 * sg_exec_get_remaining is a simcall: the calling actor hands the question
 * to SimGrid's maestro and back, two context switches, about 2,500
 * instructions. A decision that needs every server's backlog asked it once
 * per running execution (94 at a time on a 10^4-device cell at 60 % load:
 * more than the rest of the task's simulation). Asked from the maestro, the
 * same getter answers directly, so one simcall can answer for all of them. */
#include "actors/exec_shim.h"

#include <simgrid/s4u/Exec.hpp>
#include <simgrid/simix.hpp>

extern "C" void mec_execs_remaining(const sg_exec_t* execs, size_t n, double* remaining)
{
  if (n == 0)
    return;
  simgrid::kernel::actor::simcall_answered([execs, n, remaining] {
    for (size_t i = 0; i < n; i++)
      remaining[i] = execs[i]->get_remaining();
  });
}
