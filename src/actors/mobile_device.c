/* mobile_device.c - the `mobile_device` actor of deployment files.
 *
 * Deploying it on a host makes that host a mobile device, with the actor's
 * <prop>s as its settings (read by setup.c before the run). The device's
 * work is done by other actors: its tasks arrive from the arrivals actor
 * (arrivals.c) and each task's local computation and radio transfers run
 * as a task-flow actor on the device's host (task_flow.c). So this actor has
 * nothing left to do when the simulation starts, and ends at once: its stack
 * is freed, which is what lets 10^5 devices fit in memory. */
#include "actors/world.h"

void mec_mobile_device(int argc, char **argv)
{
  (void)argc;
  (void)argv;
}
