/* arrivals.c - the workload: one actor generates every device's tasks at
 * their arrival times and starts one task-flow actor per task on the
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_arrivals, mecsim, "task arrivals");

/* The next task of one device, not yet arrived. */
typedef struct pending {
  double t, bits, cycles, out, deadline;
  int md;
  int k; /* tasks of this device drawn so far */
} pending_t;

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
  w->tasks_in_flight++; /* until the task's actor exits (task_flow.c) */
  sg_actor_t a = sg_actor_init("task", m->host);
  sg_actor_set_data(a, ctx);
  sg_actor_start_(a, mec_task_flow, 0, NULL);
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
    p->cycles = mec_dist_sample(&sc->task_cycles, m->workload);
    p->out = mec_dist_sample(&sc->result_bits, m->workload);
    p->deadline = mec_dist_sample(&sc->deadline, m->workload);
  }
  return !(sc->until > 0 && p->t >= sc->until);
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
  size_t n = 0;
  for (int i = 0; i < w->n_md; i++) {
    pending_t p = {0, 0, 0, 0, 0, i, 0};
    if (draw(&p, 0))
      h[n++] = p;
  }
  for (size_t i = n / 2; i-- > 0;)
    sift_down(h, n, i);
  while (n > 0 && !w->failed) {
    pending_t p = h[0];
    /* Arrival times are exogenous (the workload), so sleeping until them is
     * not a modelled delay: every delay after the arrival is simulated. */
    if (p.t - simgrid_get_clock() > 1e-9) /* below SimGrid's time accuracy: already there */
      sg_actor_sleep_until(p.t);
    start_task(&p);
    p.k++;
    if (draw(&p, p.t))
      h[0] = p;
    else
      h[0] = h[--n];
    sift_down(h, n, 0);
  }
  w->arrivals_done = 1;
}
