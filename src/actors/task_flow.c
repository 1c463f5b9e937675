/* task_flow.c - the life of one task, followed by one actor (its worker):
 *
 *   decision -> local part on the MD -> radio upload -> BS -> fiber hops to
 *   server m -> FCFS queue -> execution -> fiber back -> radio download.
 *
 * Every delay is a SimGrid activity (execution, communication) or a wait on
 * another actor; nothing sleeps for a computed delay. Each execution runs
 * on the host that computes (mec_execute_on) and each transfer goes between
 * the hosts at its ends (sg_host_sendto), wherever the worker itself is: it
 * does not move with the data, because moving an actor (sg_actor_set_host)
 * costs a quarter of a communication in SimGrid.
 *
 * Workers are pooled: a worker that has finished its task waits for the next
 * one instead of ending, and a new worker starts only when every worker is
 * busy. Starting and ending a SimGrid actor costs about 12 us (its stack,
 * and the C++ exception that unwinds it at its end), a hand-off to a waiting
 * worker under 1 us (docs/performance.md); what the simulation does is the
 * same either way. */
#include "actors/radio_link.h"
#include "actors/tpos_sim.h"
#include "actors/world.h"
#include "model/radio.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <simgrid/mailbox.h>
#include <simgrid/semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_task, mecsim, "task life cycle");

/* Sends `bits` along hosts[0..n-1] (forward) or back from hosts[n-1]. */
static void fiber(const sg_host_t *hosts, int n, double bits, int reverse)
{
  for (int h = 0; h + 1 < n; h++) {
    int a = reverse ? n - 1 - h : h;
    int b = reverse ? a - 1 : a + 1;
    sg_host_sendto(hosts[a], hosts[b], bits / 8.0);
  }
}

/* The local part of a partially offloaded task runs on the MD's CPU while
 * the task's worker uploads and follows the remote part. It is a helper
 * actor on the MD host rather than an execution the worker leaves running:
 * the worker needs the time the local part actually ended, which it learns
 * here without polling. The helper and the worker share this record; the
 * last of them to let go of it frees it. */
typedef struct local_part {
  double cycles;
  double end;    /* set by the helper when its execution is done */
  sg_sem_t done; /* released by the helper then */
  int refs;
} local_part_t;

static void local_part_unref(local_part_t *lp)
{
  if (--lp->refs > 0)
    return;
  if (mec_world) /* at exit after a cut run the engine's objects are going: leave them */
    sg_sem_destroy(lp->done);
  free(lp);
}

static void local_part_exit(int killed, void *data)
{
  (void)killed;
  local_part_unref(data);
}

static void local_part_actor(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  local_part_t *lp = sg_actor_self_get_data();
  sg_actor_on_exit(local_part_exit, lp);
  sg_actor_execute(lp->cycles);
  lp->end = simgrid_get_clock();
  sg_sem_release(lp->done);
}

/* Starts the local part on MD host `host`; NULL (run failed) when out of memory. */
static local_part_t *local_part_start(sg_host_t host, double cycles)
{
  local_part_t *lp = malloc(sizeof *lp);
  if (!lp) {
    mec_world_fail("out of memory for the local part of a task");
    return NULL;
  }
  *lp = (local_part_t){.cycles = cycles, .end = NAN, .done = sg_sem_init(0), .refs = 2};
  sg_actor_t a = sg_actor_init("local_part", host);
  sg_actor_set_data(a, lp);
  sg_actor_start_(a, local_part_actor, 0, NULL);
  return lp;
}

static void init_record(mec_task_ctx_t *ctx)
{
  trace_task_rec_t *r = &ctx->rec;
  const mec_task_t *t = &ctx->task;
  r->id = t->id;
  r->md = t->md;
  r->dnn = t->dnn;
  r->arrival = t->arrival;
  r->input_bits = t->input_bits;
  r->cycles = t->cycles;
  r->output_bits = t->output_bits;
  r->deadline = t->deadline;
  r->decide_start = r->decide_end = r->local_start = r->local_end = NAN;
  r->up_wait_start = r->up_start = r->up_end = r->fwd_start = r->fwd_end = r->queue_enter = NAN;
  r->exec_start = r->exec_end = r->down_start = r->down_end = r->done = NAN;
  r->down_fiber_end = r->down_radio_start = NAN;
  r->up_rate_bps = NAN;
  r->tx_offset = r->tx_window = NAN;
  r->up_bs = r->down_bs = r->down_hops = -1;
  r->down_relay_start = NAN;
}

/* The request goes to the controller of the BS the device is attached to
 * when it asks (several BSs: one controller each). */
static void obtain_decision(mec_task_ctx_t *ctx)
{
  mec_world_t *w = mec_world;
  int md = ctx->task.md;
  ctx->rec.decide_start = simgrid_get_clock();
  int b = mec_world_attach(md);
  if (w->decide_on_md) {
    mec_world_decide(&ctx, 1, 1, 0, b);
    return;
  }
  mec_bs_state_t *bs = &w->bss[b];
  if (w->sc.ctrl_bits > 0)
    mec_radio_transfer(md, w->sc.ctrl_bits, mec_world_up_spec_via(md, b, 0, 0), 1);
  if (w->per_slot) { /* the BS controller decides the slot's batch and wakes us */
    mec_fifo_push(&bs->requests, ctx);
    if (bs->controller_idle) {
      bs->controller_idle = 0;
      sg_sem_release(bs->controller_wake);
    }
    sg_sem_acquire(ctx->wake);
  } else {
    /* The BS CPU decides one request at a time, FCFS: the request is
     * computed on the BS host (for this actor) when the CPU is free. */
    if (bs->controller_busy) {
      mec_fifo_push(&bs->requests, ctx);
      sg_sem_acquire(ctx->wake); /* handed the controller by the request ahead */
    }
    bs->controller_busy = 1;
    mec_world_decide(&ctx, 1, 0, 0, b);
    mec_task_ctx_t *next = mec_fifo_pop(&bs->requests);
    if (next)
      sg_sem_release(next->wake); /* stays busy: the next request has it */
    else
      bs->controller_busy = 0;
  }
  if (w->sc.ctrl_bits > 0)
    mec_radio_transfer(md, w->sc.ctrl_bits, mec_world_down_spec_via(md, b, 0), 0);
  ctx->rec.decide_end = simgrid_get_clock();
}

/* Runs one task from its arrival to its end (or a failure). */
static void run_task(mec_task_ctx_t *ctx)
{
  mec_world_t *w = mec_world;
  int i = ctx->task.md;
  mec_md_state_t *m = &w->md[i];
  trace_task_rec_t *r = &ctx->rec;
  /* DNN tasks (TPOS): sizes from the network's profile (tpos_sim.h). */
  int is_dnn = ctx->task.dnn >= 0;
  if (is_dnn && mec_tpos_sim_size_task(ctx) != 0)
    return;
  mec_tpos_sim_role_t tpos = mec_tpos_sim_role();
  mec_tpos_sim_choice_t choice;
  int slotted = 0;
  int carry = tpos == MEC_TPOS_SIM_GAME && mec_tpos_carry_on(); /* TPOS continuous operation */
  init_record(ctx);

  if (tpos == MEC_TPOS_SIM_GAME) {
    r->decide_start = simgrid_get_clock();
    if (mec_tpos_play(ctx, &choice) != 0)
      return;
    r->decide_end = simgrid_get_clock();
    slotted = ctx->decision.slot > 0;
    if (carry && choice.dropped) {
      /* the admission rule dropped it: its row says so, nothing runs */
      r->dropped = 1;
      r->target = 0, r->partition = -1, r->slot = -1;
      XBT_VERB("tpos task %llu md %d dropped at its decision (carry admission rule)",
               (unsigned long long)ctx->task.id, i);
      mec_world_task_done(ctx);
      return;
    }
    if (carry) /* eq. 24 with the backlogs as of now; books its CPU and radio time */
      choice.predicted_delay = mec_tpos_carry_book_md(i, &choice, r->decide_end);
  } else {
    obtain_decision(ctx);
  }
  if (w->failed)
    return;
  const mec_decision_t *d = &ctx->decision;
  r->target = d->target;
  r->partition = d->partition;
  r->slot = d->slot;
  r->price = d->price;
  r->bw_share = d->bw_share > 0 ? d->bw_share : 0;
  r->cpu_share = d->cpu_share > 0 ? d->cpu_share : 0;

  /* Partial offloading: 0 < f < 1 of the task offloaded (input, cycles and
   * result scale with f), the rest run on the MD at the same time. */
  double frac = d->target == 0 ? 0 : (d->offload_frac > 0 && d->offload_frac < 1 ? d->offload_frac : 1);
  int partial = d->target > 0 && frac < 1 && !is_dnn; /* DNN tasks split by layers (validated) */
  int tdma = d->target > 0 && d->tx_window > 0;
  r->offload_frac = frac;
  if (tdma) {
    r->tx_window = d->tx_window;
    r->tx_offset = d->tx_offset >= 0 ? d->tx_offset : NAN;
  }
  double local_cycles = d->target == 0 ? ctx->task.cycles : 0;
  double down_bits = ctx->task.output_bits;
  ctx->upload_bits = ctx->task.input_bits;
  if (partial) {
    local_cycles = (1 - frac) * ctx->task.cycles;
    ctx->upload_bits = frac * ctx->task.input_bits;
    down_bits = frac * ctx->task.output_bits;
  }
  ctx->server_cycles = partial ? frac * ctx->task.cycles : ctx->task.cycles - local_cycles;
  if (is_dnn) {
    /* Layers 1..m* on the MD, layer m*'s output uploaded, m*+1..M on the
     * server; a whole-task decision (partition -1) is m* = 0 or M. */
    int M = mec_tpos_sim_work(ctx->task.dnn)->M;
    int ms = d->target == 0 ? M : (d->partition >= 0 ? d->partition : 0);
    mec_tpos_sim_split(ctx, ms, &local_cycles, &ctx->upload_bits, &ctx->server_cycles);
  }
  local_part_t *lp = NULL;
  if (local_cycles > 0) {
    r->local_start = simgrid_get_clock();
    r->local_cycles = local_cycles;
    if (partial) {
      if (!(lp = local_part_start(m->host, local_cycles)))
        return;
      ctx->local_part = lp; /* the worker's reference, dropped at the end of the task or if killed */
    } else {
      if (carry) /* the MD runs its tasks' local layers one after the other */
        mec_tpos_carry_cpu_take(i);
      r->local_start = simgrid_get_clock();
      mec_execute_on(m->host, local_cycles);
      r->local_end = simgrid_get_clock();
      if (carry)
        mec_tpos_carry_cpu_give(i);
    }
    /* TPOS's eq. 25 charges P^lo x local time (never partial); other policies kappa f^2 c */
    r->energy_local_j = tpos != MEC_TPOS_SIM_NONE
                            ? mec_tpos_sim_params()->p_lo * (r->local_end - r->local_start)
                            : mec_local_energy_j(w->md_info[i].kappa, w->md_info[i].cpu_hz, local_cycles);
  }

  if (d->target > 0) {
    mec_server_state_t *st = &w->srv[d->target - 1];
    double p = d->tx_power_w > 0 ? d->tx_power_w : w->md_info[i].tx_power_w;
    r->up_wait_start = simgrid_get_clock();
    mec_tdma_band_t *band = NULL;
    if (tdma) {
      /* TDMA frame schedule: the MD may transmit only from the start of its
       * sub-slot (decide_end + tx_offset). This waits for a protocol time
       * the policy scheduled, not for a computed processing delay. An upload
       * longer than its window t_k is not cut: it runs to its end (the trace
       * shows up_end - up_start > tx_window, i.e. constraint C5 violated). */
      double slot_start = r->decide_end + (d->tx_offset > 0 ? d->tx_offset : 0);
      if (slot_start > simgrid_get_clock())
        sg_actor_sleep_until(slot_start);
    }
    /* through the BS the device is attached to now; a handover during the
     * upload does not move it: it finishes through this BS (docs/mobility.md) */
    mec_rate_spec_t up = mec_world_decision_up_spec(i, d);
    r->up_bs = up.bs;
    if (tdma)
      band = mec_tdma_band_acquire(r->decide_end, up.bs);
    r->up_rate_bps = mec_world_rate(i, up);
    if (r->up_rate_bps <= 0) {
      mec_world_fail("MD %d has no uplink (rate 0 bit/s): check tx_power, bandwidth and bw_share", i);
      return;
    }
    /* The radio does one transfer at a time: up_start - up_wait_start is the
     * wait for it (with TDMA, the wait for the sub-slot and the band first). */
    r->up_start = mec_radio_transfer(i, ctx->upload_bits, up, 1);
    r->up_end = simgrid_get_clock();
    if (band)
      mec_tdma_band_release(band);
    r->energy_tx_j = mec_tx_energy_j(p, r->up_end - r->up_start);

    sg_host_t hosts[4];
    r->fwd_start = simgrid_get_clock();
    fiber(hosts, mec_route_hosts(st, w->bss[up.bs].host, hosts), ctx->upload_bits, 0);
    r->fwd_end = simgrid_get_clock();

    r->queue_enter = simgrid_get_clock();
    if (slotted) {
      /* TPOS slot model: the subtasks run in their slots on the server host */
      /* carry=1: slots of the period's common frame; else of the MD's own */
      mec_edge_server_run_slots(d->target - 1, ctx, &choice.strategy, carry ? choice.frame_start : r->queue_enter);
    } else {
      mec_edge_server_serve(d->target - 1, ctx);
    }

    /* The result goes to the BS the device is attached to when it is ready:
     * back to the server's BS (a cloud: straight to that BS), then, if that
     * is another BS (the task came in through it, or the device moved
     * since), forwarded over the fiber between the BSs. */
    r->down_start = simgrid_get_clock();
    int down = mec_world_attach(i);
    sg_host_t to = w->bss[down].host;
    sg_host_t anchor = st->tier == MEC_TIER_CLOUD ? to : st->path[0];
    int n = mec_route_hosts(st, anchor, hosts);
    fiber(hosts, n, down_bits, 1);
    r->down_hops = n - 1;
    if (anchor != to) {
      r->down_relay_start = simgrid_get_clock();
      sg_host_sendto(anchor, to, down_bits / 8.0);
      r->down_hops++;
    }
    r->down_bs = down;
    r->down_fiber_end = simgrid_get_clock(); /* at the BS: asks for the MD's radio */
    if (down_bits > 0)
      r->down_radio_start = mec_radio_transfer(i, down_bits, mec_world_down_spec_via(i, down, d->bw_share), 0);
    else
      r->down_radio_start = r->down_fiber_end; /* no radio transfer: = down_fiber_end = down_end */
    r->down_end = simgrid_get_clock();
  }
  if (lp) { /* partial offloading: done when the local part is done too */
    sg_sem_acquire(lp->done);
    r->local_end = lp->end;
  }
  if (tpos == MEC_TPOS_SIM_GAME)
    XBT_VERB("tpos task %llu md %d m*=%d h_last=%d predicted %.9g measured %.9g (from decide_end)",
             (unsigned long long)ctx->task.id, i, d->partition, d->slot, choice.predicted_delay,
             simgrid_get_clock() - r->decide_end);
  mec_world_task_done(ctx);
}

/* A worker: an actor that follows one task at a time. Its records are owned
 * by the world (all_workers), so a worker killed before it ever ran leaks
 * nothing; its task, if it has one, is freed when it is killed. */
typedef struct mec_worker {
  sg_sem_t wake;           /* the next task is here (and, during a task, its ctx->wake) */
  mec_task_ctx_t *ctx;     /* its task; NULL when told to end */
  struct mec_worker *next_idle, *next_all;
} mec_worker_t;

/* The task is over (done, or its run failed): forget it. */
static void task_free(mec_task_ctx_t *ctx)
{
  mec_world_t *w = mec_world;
  w->tasks_in_flight--;
  mec_world_untrack(ctx);
  if (ctx->local_part)
    local_part_unref(ctx->local_part);
  free(ctx);
}

static void worker_exit(int killed, void *data)
{
  (void)killed;
  mec_worker_t *k = data;
  if (!mec_world) /* the world, and with it this record and its task, are gone */
    return;
  if (k->ctx) { /* killed during a task (a failure, or --until) */
    task_free(k->ctx);
    k->ctx = NULL;
  }
}

static void worker_main(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  mec_worker_t *k = sg_actor_self_get_data();
  sg_actor_on_exit(worker_exit, k);
  for (;;) {
    mec_task_ctx_t *ctx = k->ctx;
    if (!ctx)
      return; /* retired: no more tasks */
    /* TPOS's game code charges its best responses with sg_actor_execute
     * on the MD host: a TPOS task's worker sits there */
    sg_host_t home = w->md[ctx->task.md].host;
    if (mec_tpos_sim_role() != MEC_TPOS_SIM_NONE && sg_actor_get_host(sg_actor_self()) != home)
      sg_actor_set_host(sg_actor_self(), home);
    run_task(ctx);
    k->ctx = NULL;
    task_free(ctx);
    if (w->failed)
      return;
    if (w->arrivals_done && w->tasks_in_flight == 0) {
      mec_workers_retire(); /* the last task is done: every worker ends */
      return;
    }
    k->next_idle = w->idle_workers;
    w->idle_workers = k;
    sg_sem_acquire(k->wake);
  }
}

void mec_task_start(mec_task_ctx_t *ctx)
{
  mec_world_t *w = mec_world;
  w->tasks_in_flight++; /* until its worker is done with it */
  mec_world_track(ctx);
  mec_worker_t *k = w->idle_workers;
  if (k) {
    w->idle_workers = k->next_idle;
    k->ctx = ctx;
    ctx->wake = k->wake;
    sg_sem_release(k->wake);
    return;
  }
  k = calloc(1, sizeof *k);
  if (!k) {
    mec_world_fail("out of memory starting a worker for a task of MD %d", ctx->task.md);
    return;
  }
  k->wake = sg_sem_init(0);
  k->ctx = ctx;
  ctx->wake = k->wake;
  k->next_all = w->all_workers;
  w->all_workers = k;
  w->workers++;
  sg_actor_t a = sg_actor_init("task", w->md[ctx->task.md].host);
  sg_actor_set_data(a, k);
  sg_actor_start_(a, worker_main, 0, NULL);
}

void mec_workers_retire(void)
{
  mec_world_t *w = mec_world;
  while (w->idle_workers) {
    mec_worker_t *k = w->idle_workers;
    w->idle_workers = k->next_idle;
    k->ctx = NULL;
    sg_sem_release(k->wake);
  }
}

void mec_workers_free(mec_world_t *w)
{
  while (w && w->all_workers) {
    mec_worker_t *k = w->all_workers;
    w->all_workers = k->next_all;
    sg_sem_destroy(k->wake);
    free(k);
  }
  if (w)
    w->idle_workers = NULL;
}
