/* arrivals.c - the workload: one actor generates every device's tasks at
 * their arrival times and hands each to a task worker (task_flow.c) on the
 * device's host, so a slow task does not hold back the next arrival.
 *
 * Why one generator and not one actor per device: SimGrid clears and keeps
 * resident the whole stack of every actor, so 10^5 device actors sleeping
 * between arrivals cost 10^5 stacks (2.3 GB at 16 KiB). The generator keeps
 * each device's next arrival in a heap (32 bytes per device) instead. Each
 * device still draws from its own random stream, so the tasks do not depend
 * on how many other devices there are. */
#include "actors/world.h"
#include "model/dist.h"

#include <gsl/gsl_randist.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/config.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_arrivals, mecsim, "task arrivals");

/* The next task of one device, not yet arrived. */
typedef struct pending {
  double t, bits, cycles, out, deadline;
  int md;
  int k; /* tasks of this device drawn so far */
} pending_t;

/* The automatic in-flight limit (knob max_in_flight = 0; docs/model.md,
 * Overload). Every task in flight is a SimGrid actor whose stack is cleared
 * and stays resident: measured 68 KiB per task in flight with 64 KiB stacks
 * and 20 KiB with 16 KiB stacks, i.e. the stack plus about 4 KiB. The limit is
 * max(IN_FLIGHT_FLOOR, IN_FLIGHT_PER_MD * devices), capped so that the tasks in
 * flight take at most IN_FLIGHT_BUDGET bytes: 154,202 tasks (10 GiB) with the
 * default 64 KiB stacks. It depends only on the inputs and the configured stack
 * size, never on the machine, so a run stops or not the same way everywhere. */
#define IN_FLIGHT_FLOOR 10000
#define IN_FLIGHT_PER_MD 4
#define IN_FLIGHT_BUDGET (10.0 * 1024 * 1024 * 1024)
#define TASK_OVERHEAD_KIB 4

static double task_kib(void)
{
  int stack_kib = sg_cfg_get_int("contexts/stack-size");
  return (stack_kib > 0 ? stack_kib : 8192) + TASK_OVERHEAD_KIB; /* 0: SimGrid's default, 8 MiB */
}

static uint64_t automatic_limit(int n_md)
{
  double by_devices = (double)IN_FLIGHT_PER_MD * n_md;
  double limit = by_devices > IN_FLIGHT_FLOOR ? by_devices : IN_FLIGHT_FLOOR;
  double cap = IN_FLIGHT_BUDGET / (task_kib() * 1024);
  if (limit > cap)
    limit = cap;
  return limit >= 1 ? (uint64_t)limit : 1;
}

static void wake_sampler(mec_world_t *w)
{
  if (w->sampler_idle && w->sampler_wake) {
    w->sampler_idle = 0;
    sg_sem_release(w->sampler_wake);
  }
}

static void overload_fail(double t, uint64_t arriving)
{
  mec_world_t *w = mec_world;
  mec_world_fail("overloaded cell: at t = %.9g s simulated, %llu tasks are in flight and the %llu arriving now would "
                 "take them above the limit max_in_flight = %llu (%s). Tasks arrive faster than the cell "
                 "finishes them (offered load above capacity: servers, radios or device CPUs), and every task in "
                 "flight holds a SimGrid actor of about %.0f KiB. Lower the load (rate, slot, task_cycles, "
                 "task_bits, devices), add capacity, stop earlier with 'until', or raise the knob max_in_flight "
                 "(docs/model.md, Overload)",
                 t, (unsigned long long)w->tasks_in_flight, (unsigned long long)arriving,
                 (unsigned long long)w->in_flight_limit,
                 w->sc.max_in_flight > 0 ? "set by the knob" : "automatic", task_kib());
}

static void start_task(const pending_t *p)
{
  mec_world_t *w = mec_world;
  mec_md_state_t *m = &w->md[p->md];
  mec_task_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    mec_world_fail("out of memory creating a task of MD %d", p->md);
    return;
  }
  ctx->task.id = ((uint64_t)p->md << 32) | m->next_task++;
  ctx->task.md = p->md;
  ctx->task.dnn = m->dnn;
  ctx->task.arrival = p->t;
  ctx->task.input_bits = p->bits;
  ctx->task.cycles = p->cycles;
  ctx->task.output_bits = p->out;
  ctx->task.deadline = p->deadline;
  mec_task_start(ctx); /* a worker follows it (task_flow.c) */
  wake_sampler(w);
}

/* Draws task k of device p->md (arriving after `prev`); 0 when it has no more. */
static int draw(pending_t *p, double prev)
{
  mec_world_t *w = mec_world;
  const mec_scenario_t *sc = &w->sc;
  mec_md_state_t *m = &w->md[p->md];
  if (strcmp(sc->arrivals, "file") == 0) {
    if ((size_t)p->k >= m->file_count)
      return 0;
    const mec_replay_row_t *row = &w->replay[m->file_first + (size_t)p->k];
    p->t = row->arrival;
    p->bits = row->input_bits;
    p->cycles = row->cycles;
    p->out = row->output_bits;
    p->deadline = row->deadline;
  } else {
    if (p->k >= sc->tasks_per_md)
      return 0;
    p->t = strcmp(sc->arrivals, "poisson") == 0 ? prev + gsl_ran_exponential(m->workload, 1.0 / sc->rate)
                                                 : p->k * sc->slot;
    p->bits = mec_dist_sample(&sc->task_bits, m->workload);
    if (mec_scenario_cycles_per_bit(sc))
      p->cycles = mec_dist_sample(&sc->task_cycles_per_bit, m->workload) * p->bits;
    else
      p->cycles = mec_dist_sample(&sc->task_cycles, m->workload);
    p->out = mec_dist_sample(&sc->result_bits, m->workload);
    p->deadline = mec_dist_sample(&sc->deadline, m->workload);
  }
  if (sc->drift_at > 0 && p->t >= sc->drift_at) { /* the environment has drifted (knob drift_size) */
    p->bits *= sc->drift_size;
    p->cycles *= sc->drift_size;
    p->out *= sc->drift_size;
  }
  return !(sc->until > 0 && p->t >= sc->until);
}

/* Tasks of the heap h[0..n) arriving at or before time t, counted up to
 * `enough`: they form a subtree at the root (no entry arrives before its
 * parent), so the cost is O(count), and they are about to start anyway; the
 * recursion is as deep as the heap. */
static uint64_t count_until(const pending_t *h, size_t n, size_t i, double t, uint64_t enough)
{
  if (i >= n || h[i].t > t || enough == 0)
    return 0;
  uint64_t c = 1;
  c += count_until(h, n, 2 * i + 1, t, enough - c);
  c += count_until(h, n, 2 * i + 2, t, enough - c);
  return c;
}

/* Earlier arrival first; ties by device index, so the order is deterministic. */
static int before(const pending_t *a, const pending_t *b)
{
  return a->t < b->t || (a->t == b->t && a->md < b->md);
}

static void sift_down(pending_t *h, size_t n, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, s = i;
    if (l < n && before(&h[l], &h[s]))
      s = l;
    if (r < n && before(&h[r], &h[s]))
      s = r;
    if (s == i)
      return;
    pending_t x = h[i];
    h[i] = h[s];
    h[s] = x;
    i = s;
  }
}

void mec_arrivals(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  /* The heap lives in the world: this actor can be killed (--until, failure). */
  w->arrivals = malloc((size_t)w->n_md * sizeof(pending_t));
  pending_t *h = w->arrivals;
  if (!h) {
    mec_world_fail("out of memory for the arrivals of %d devices", w->n_md);
    return;
  }
  w->in_flight_limit = w->sc.max_in_flight > 0 ? (uint64_t)w->sc.max_in_flight : automatic_limit(w->n_md);
  size_t n = 0;
  for (int i = 0; i < w->n_md; i++) {
    pending_t p = {0, 0, 0, 0, 0, i, 0};
    if (draw(&p, 0))
      h[n++] = p;
  }
  for (size_t i = n / 2; i-- > 0;)
    sift_down(h, n, i);
  uint64_t instant_left = 0; /* tasks counted at this instant, not started yet */
  while (n > 0 && !w->failed) {
    pending_t p = h[0];
    /* Arrival times are exogenous (the workload), so sleeping until them is
     * not a modelled delay: every delay after the arrival is simulated. */
    if (p.t - simgrid_get_clock() > 1e-9) { /* below SimGrid's time accuracy: already there */
      sg_actor_sleep_until(p.t);
      instant_left = 0;
    }
    /* The in-flight limit is checked once per instant, for all the tasks
     * arriving then, before any of them starts: every task worker started
     * earlier has run (the clock moved), so the failure's kill finds each one
     * past its set-up. Again if an instant has more tasks than counted (a
     * device's next task replayed at the same time). */
    if (instant_left == 0) {
      uint64_t room = w->in_flight_limit > w->tasks_in_flight ? w->in_flight_limit - w->tasks_in_flight : 0;
      instant_left = count_until(h, n, 0, simgrid_get_clock() + 1e-9, UINT64_MAX);
      if (instant_left > room) {
        overload_fail(simgrid_get_clock(), instant_left);
        break;
      }
    }
    instant_left--;
    start_task(&p);
    p.k++;
    if (draw(&p, p.t))
      h[0] = p;
    else
      h[0] = h[--n];
    sift_down(h, n, 0);
  }
  w->arrivals_done = 1;
  if (!w->failed) {
    wake_sampler(w); /* waiting for an arrival that will not come: it ends */
    if (w->tasks_in_flight == 0)
      mec_workers_retire(); /* else the worker of the last task does it */
  }
}
