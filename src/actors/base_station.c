/* base_station.c - the BS actor: starts the arrivals, runs the per-slot
 * controller (one policy call per slot on the gathered requests) and the
 * sampler that records server queues. */
#include "actors/world.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_bs, mecsim, "base station and controller");

static void sampler(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  /* Not a daemon: samples until every task has arrived and finished, so the
   * last sample is taken right after the workload ends. */
  while (!w->arrivals_done || w->tasks_in_flight > 0) {
    mec_world_refresh_servers();
    for (int s = 0; s < w->n_servers; s++) {
      const mec_server_info_t *in = &w->srv_info[s];
      trace_server_rec_t r = {simgrid_get_clock(), s, in->queued, in->in_service, in->backlog_cycles, in->load_factor};
      if (trace_add_server(w->trace, &r) != 0) {
        mec_world_fail("trace: %s", trace_error(w->trace));
        return;
      }
    }
    sg_actor_sleep_for(w->sc.sample);
  }
}

static void per_slot_controller(void)
{
  mec_world_t *w = mec_world;
  for (long k = 0;; k++) {
    /* Slot boundaries are exogenous (the frame clock); the batch closes
     * `gather` after the boundary so that requests sent at the boundary are in. */
    sg_actor_sleep_until(k * w->sc.slot + w->sc.gather);
    size_t n = w->requests.length;
    if (n == 0)
      continue;
    /* The buffer lives in the world: this daemon is killed, never returns. */
    if (n > w->batch_cap) {
      free(w->batch);
      w->batch_cap = n * 2;
      w->batch = malloc(w->batch_cap * sizeof *w->batch);
      if (!w->batch) {
        mec_world_fail("out of memory for a slot batch of %zu requests", n);
        return;
      }
    }
    for (size_t i = 0; i < n; i++)
      w->batch[i] = mec_fifo_pop(&w->requests);
    if (mec_world_decide(w->batch, n, 0) != 0)
      return;
    for (size_t i = 0; i < n; i++)
      sg_sem_release(w->batch[i]->wake);
  }
}

void mec_base_station(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  sg_actor_t gen = sg_actor_init("arrivals", w->bs); /* not a daemon: the run lasts while tasks arrive */
  sg_actor_start_(gen, mec_arrivals, 0, NULL);
  if (w->trace && w->sc.sample > 0) {
    sg_actor_t a = sg_actor_init("sampler", w->bs);
    sg_actor_start_(a, sampler, 0, NULL);
  }
  /* Per-task decisions need no controller actor: each request is computed
   * on the BS host by its task's actor, FCFS (task_flow.c). */
  if (w->per_slot) {
    /* A daemon: killed when the last task is done. */
    sg_actor_daemonize(sg_actor_self());
    per_slot_controller();
  }
}
