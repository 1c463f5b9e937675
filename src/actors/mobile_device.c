/* mobile_device.c - the MD actor: generates the device's tasks at their
 * arrival times and starts one task-flow actor per task, so a slow task does
 * not hold back the next arrival. */
#include "actors/world.h"
#include "model/dist.h"

#include <gsl/gsl_randist.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_md, mecsim, "mobile devices");

static void start_task(int i, double arrival, double input_bits, double cycles, double output_bits, double deadline)
{
  mec_world_t *w = mec_world;
  mec_md_state_t *m = &w->md[i];
  mec_task_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    mec_world_fail("out of memory creating a task of MD %d", i);
    return;
  }
  ctx->task.id = ((uint64_t)i << 32) | m->next_task++;
  ctx->task.md = i;
  ctx->task.dnn = m->dnn;
  ctx->task.arrival = arrival;
  ctx->task.input_bits = input_bits;
  ctx->task.cycles = cycles;
  ctx->task.output_bits = output_bits;
  ctx->task.deadline = deadline;
  sg_actor_t a = sg_actor_init("task", m->host);
  sg_actor_set_data(a, ctx);
  sg_actor_start_(a, mec_task_flow, 0, NULL);
}

void mec_mobile_device(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  int i = (int)(intptr_t)sg_actor_self_get_data() - 1;
  mec_md_state_t *m = &w->md[i];
  const mec_scenario_t *sc = &w->sc;

  if (strcmp(sc->arrivals, "file") == 0) {
    for (size_t r = m->file_first; r < m->file_first + m->file_count; r++) {
      const mec_replay_row_t *row = &w->replay[r];
      if (sc->until > 0 && row->arrival >= sc->until)
        break;
      sg_actor_sleep_until(row->arrival);
      start_task(i, row->arrival, row->input_bits, row->cycles, row->output_bits, row->deadline);
    }
    return;
  }

  int poisson = strcmp(sc->arrivals, "poisson") == 0;
  double t = 0;
  for (int k = 0; k < sc->tasks_per_md; k++) {
    /* Arrival times are exogenous (the workload), so sleeping until them is
     * not a modelled delay: every delay after the arrival is simulated. */
    t = poisson ? t + gsl_ran_exponential(m->workload, 1.0 / sc->rate) : k * sc->slot;
    if (sc->until > 0 && t >= sc->until)
      break;
    double bits = mec_dist_sample(&sc->task_bits, m->workload);
    double cycles = mec_dist_sample(&sc->task_cycles, m->workload);
    double out = mec_dist_sample(&sc->result_bits, m->workload);
    double deadline = mec_dist_sample(&sc->deadline, m->workload);
    sg_actor_sleep_until(t);
    start_task(i, t, bits, cycles, out, deadline);
  }
}
