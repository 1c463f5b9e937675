/* base_station.c - the BS actor: starts the arrivals, runs the per-slot
 * controller (one policy call per slot on the gathered requests) and the
 * sampler that records server queues (event-driven while no task is in
 * flight). */
#include "actors/world.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_bs, mecsim, "base station and controller");

/* SimGrid's time accuracy (its default surf/precision): two instants closer
 * than this are the same instant, and a sleep shorter than it may not move
 * the clock. */
#define TIME_ACCURACY 1e-9

static int write_sample(mec_world_t *w)
{
  mec_world_refresh_servers();
  for (int s = 0; s < w->n_servers; s++) {
    const mec_server_info_t *in = &w->srv_info[s];
    /* server id m = s + 1, as /tasks.target (trace format 2) */
    trace_server_rec_t r = {simgrid_get_clock(), s + 1, in->queued, in->in_service, in->backlog_cycles, in->load_factor};
    if (trace_add_server(w->trace, &r) != 0) {
      mec_world_fail("trace: %s", trace_error(w->trace));
      return -1;
    }
  }
  return 0;
}

/* The semaphore is the callback's data: this also works if SimGrid ends the
 * sampler after the world is gone. */
static void sampler_exit(int killed, void *data)
{
  (void)killed;
  mec_world_t *w = mec_world;
  if (w && w->sampler_wake == data) {
    w->sampler_wake = NULL;
    w->sampler_idle = 0;
  }
  sg_sem_destroy(data);
}

/* /servers: every server's state at the instants k * sample (k = 0, 1, ...)
 * while a task is in flight. At the first grid instant with no task in flight
 * it writes that (idle) sample and then waits, at no cost, for the arrivals
 * actor to start the next task; it resumes at the first grid instant at or
 * after that arrival. So the rows are a step function on the k * sample grid:
 * each row holds until the server's next row, and an idle period of any length
 * costs one row per server (docs/model.md, Overload). */
static void sampler(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  const double period = w->sc.sample; /* >= 1e-6 s (mec_scenario_validate): the clock always moves */
  w->sampler_wake = sg_sem_init(0);
  sg_actor_on_exit(sampler_exit, w->sampler_wake);
  /* Not a daemon: samples until every task has arrived and finished. The
   * grid index is a double: k * period is then exact for any k < 2^53. */
  for (double k = 0;;) {
    if (w->arrivals_done && w->tasks_in_flight == 0)
      return; /* the workload is over: no sample after it */
    if (w->sc.max_samples > 0 && w->samples_taken >= (uint64_t)w->sc.max_samples) {
      /* A long run at a fine period would write (and wake the BS) without
       * end: stop sampling, say so, and let the run finish. */
      w->sampling_stopped_at = simgrid_get_clock();
      fprintf(stderr,
              "mecsim: warning: /servers sampling stopped at t = %.6g s simulated after %d samples (knob "
              "max_samples); for a long run, raise it or use a longer --sample\n",
              w->sampling_stopped_at, w->sc.max_samples);
      return;
    }
    if (write_sample(w) != 0)
      return;
    w->samples_taken++;
    if (w->tasks_in_flight == 0) {
      /* Idle: the sample just written shows it, and nothing changes before
       * the next arrival. The arrivals actor clears sampler_idle and releases
       * the semaphore at the next task, or when there is none. */
      w->sampler_idle = 1;
      sg_sem_acquire(w->sampler_wake);
      if (w->arrivals_done && w->tasks_in_flight == 0)
        return;
      /* First grid instant at or after the arrival (one within the time
       * accuracy before it is that instant), never one already sampled. */
      double j = ceil((simgrid_get_clock() - TIME_ACCURACY) / period);
      k = j > k + 1 ? j : k + 1;
    } else {
      k += 1;
    }
    /* The clock advances by at least the time accuracy every second turn at
     * worst (period >= TIME_ACCURACY), so this loop cannot spin in place. */
    double t = k * period;
    if (t - simgrid_get_clock() > TIME_ACCURACY)
      sg_actor_sleep_until(t);
  }
}

/* Like the sampler's: the semaphore is the callback's data. */
static void controller_exit(int killed, void *data)
{
  (void)killed;
  mec_world_t *w = mec_world;
  for (int b = 0; w && b < w->n_bs; b++)
    if (w->bss[b].controller_wake == data) {
      w->bss[b].controller_wake = NULL;
      w->bss[b].controller_idle = 0;
    }
  sg_sem_destroy(data);
}

/* The per-slot controller of BS b: one policy call per slot on the requests
 * of the devices attached to it (several BSs: one controller each, on its
 * own host, all on the same frame clock). */
static void per_slot_controller(int b)
{
  mec_world_t *w = mec_world;
  mec_bs_state_t *bs = &w->bss[b];
  const double slot = w->sc.slot, gather = w->sc.gather;
  bs->controller_wake = sg_sem_init(0);
  sg_actor_on_exit(controller_exit, bs->controller_wake);
  for (double k = 0;; k++) {
    /* Slot boundaries are exogenous (the frame clock); the batch closes
     * `gather` after the boundary so that requests sent at the boundary are in. */
    double close = k * slot + gather;
    if (close - simgrid_get_clock() > 1e-9)
      sg_actor_sleep_until(close);
    size_t n = bs->requests.length;
    if (n == 0) {
      /* No request: sleep, at no cost per empty slot, until the next request
       * (task_flow.c releases controller_wake), then close the batch of the
       * slot it arrived in. A 10^6 s run must not wake the BS 10^6 times. */
      bs->controller_idle = 1;
      sg_sem_acquire(bs->controller_wake);
      double j = ceil((simgrid_get_clock() - gather - 1e-9) / slot);
      k = (j > k ? j : k) - 1; /* the loop's k++ makes it j */
      continue;
    }
    /* The buffer lives in the world: this daemon is killed, never returns. */
    if (n > bs->batch_cap) {
      free(bs->batch);
      bs->batch_cap = n * 2;
      bs->batch = malloc(bs->batch_cap * sizeof *bs->batch);
      if (!bs->batch) {
        mec_world_fail("out of memory for a slot batch of %zu requests", n);
        return;
      }
    }
    for (size_t i = 0; i < n; i++)
      bs->batch[i] = mec_fifo_pop(&bs->requests);
    /* wakes each task as its decision takes effect */
    if (mec_world_decide(bs->batch, n, 0, 1, b) != 0)
      return;
  }
}

/* The base_station actor of BS b (its actor data is b + 1, set by setup.c):
 * BS 0 also starts the arrivals and the sampler. */
void mec_base_station(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  int b = (int)(intptr_t)sg_actor_self_get_data() - 1;
  if (b < 0 || b >= w->n_bs)
    b = 0;
  if (b == 0) {
    sg_actor_t gen = sg_actor_init("arrivals", w->bs); /* not a daemon: the run lasts while tasks arrive */
    sg_actor_start_(gen, mec_arrivals, 0, NULL);
    if (w->trace && w->sc.sample > 0) {
      sg_actor_t a = sg_actor_init("sampler", w->bs);
      sg_actor_start_(a, sampler, 0, NULL);
    }
  }
  /* Per-task decisions need no controller actor: each request is computed
   * on its BS's host for its task's worker, FCFS (task_flow.c). */
  if (w->per_slot) {
    /* A daemon: killed when the last task is done. */
    sg_actor_daemonize(sg_actor_self());
    per_slot_controller(b);
  }
}
