/* edge_server.c - an edge server: `cores` tasks execute at once, the others
 * wait in a FIFO in true arrival order (SimGrid mailboxes do not keep it),
 * and a finishing task hands its core to the oldest waiting one. Each task
 * is a SimGrid execution on the server host, run by the task's own actor.
 *
 * A task given a CPU share by the policy (decision.cpu_share in (0, 1], a
 * fraction of one core's speed; DyNN eq. 2) has that share reserved: it
 * starts at once, takes no core from the FCFS tasks and never queues, and
 * its execution is bounded to share x core speed. SimGrid's CPU sharing
 * gives each such execution its bound while the shares running together
 * (and any FCFS task) fit in the host; when they do not, all of them slow
 * down: the paper's "no queueing" holds only as long as the shares do. */
#include "actors/tpos_sim.h"
#include "actors/world.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/exec.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_server, mecsim, "edge servers");

static void serve_reserved(mec_server_state_t *st, mec_task_ctx_t *ctx)
{
  if (st->n_reserved == st->cap_reserved) {
    int cap = st->cap_reserved ? 2 * st->cap_reserved : 16;
    sg_exec_t *r = realloc(st->reserved, (size_t)cap * sizeof *r);
    if (!r) {
      mec_world_fail("out of memory for %d executions on reserved CPU shares", cap);
      return;
    }
    st->reserved = r;
    st->cap_reserved = cap;
  }
  st->in_service++;
  ctx->rec.exec_start = simgrid_get_clock();
  sg_exec_t e = sg_actor_exec_init(ctx->server_cycles);
  sg_exec_set_host(e, st->host); /* the task's worker is elsewhere (task_flow.c) */
  double share = ctx->decision.cpu_share < 1 ? ctx->decision.cpu_share : 1;
  sg_exec_set_bound(e, share * sg_host_get_speed(st->host));
  int slot = st->n_reserved++;
  st->reserved[slot] = e;
  sg_exec_start(e);
  sg_exec_wait(e);
  for (int i = 0; i < st->n_reserved; i++) /* others may have ended and moved it */
    if (st->reserved[i] == e) {
      st->reserved[i] = st->reserved[--st->n_reserved];
      break;
    }
  st->in_service--;
  ctx->rec.exec_end = simgrid_get_clock();
}

void mec_edge_server_serve(int s, mec_task_ctx_t *ctx)
{
  mec_world_t *w = mec_world;
  mec_server_state_t *st = &w->srv[s];
  if (ctx->decision.cpu_share > 0) {
    serve_reserved(st, ctx);
    return;
  }
  if (st->busy_cores < st->cores) {
    st->busy_cores++;
  } else { /* all cores busy: wait in line until a finishing task hands over its core */
    mec_fifo_push(&st->queue, ctx);
    st->queued_cycles += ctx->server_cycles;
    sg_sem_acquire(ctx->wake);
  }
  int core = 0;
  while (st->running[core])
    core++;
  st->in_service++;
  ctx->rec.exec_start = simgrid_get_clock();
  sg_exec_t e = sg_actor_exec_init(ctx->server_cycles);
  sg_exec_set_host(e, st->host); /* the task's worker is elsewhere (task_flow.c) */
  st->running[core] = e;
  sg_exec_start(e);
  sg_exec_wait(e);
  st->running[core] = NULL;
  st->in_service--;
  ctx->rec.exec_end = simgrid_get_clock();
  XBT_DEBUG("server %d core %d: task %llu done", s + 1, core, (unsigned long long)ctx->task.id);
  mec_task_ctx_t *next = mec_fifo_pop(&st->queue);
  if (next) { /* FCFS: the core goes to the oldest waiting task */
    st->queued_cycles -= next->server_cycles;
    if (st->queue.length == 0)
      st->queued_cycles = 0; /* no drift from floating-point sums */
    sg_sem_release(next->wake);
  } else {
    st->busy_cores--;
  }
}

void mec_edge_server_run_slots(int srv, mec_task_ctx_t *ctx, const mec_tpos_strategy_t *s, double t0)
{
  mec_world_t *w = mec_world;
  mec_server_state_t *st = &w->srv[srv];
  const mec_tpos_params_t *p = mec_tpos_sim_params();
  const mec_tpos_work_t *wk = mec_tpos_sim_work(ctx->task.dnn);
  double slot_len = p->T_d / p->H;
  ctx->rec.exec_start = ctx->rec.exec_end = NAN;
  st->in_service++;
  for (int h = 1; h <= p->H; h++) {
    if (!s->first[h])
      continue;
    /* Slot h of this MD's frame starts at t0 + (h - 1) T_d/H, t0 being the
     * arrival of its data at the server (eq. 24 counts its slots from
     * there: per-MD frames, not aligned between MDs; docs/tpos.md): a
     * subtask that arrives early waits for its slot (Rule 2 keeps one MD's
     * groups in sequence, so it also waits for the previous group). */
    double slot_start = t0 + (h - 1) * slot_len;
    if (simgrid_get_clock() < slot_start)
      sg_actor_sleep_until(slot_start);
    double cycles = 0;
    for (int m = s->first[h]; m <= s->last[h]; m++)
      cycles += wk->se_cycles[m];
    if (isnan(ctx->rec.exec_start))
      ctx->rec.exec_start = simgrid_get_clock();
    /* One execution on one core: the speed eq. 7 assumes. More than `cores`
     * executions at once share the cores (SimGrid's model): contention. */
    mec_execute_on(st->host, cycles);
    ctx->rec.exec_end = simgrid_get_clock();
  }
  st->in_service--;
  /* The result is released at the end of the last slot used (eq. 24). */
  double release = t0 + s->h_last * slot_len;
  if (simgrid_get_clock() < release)
    sg_actor_sleep_until(release);
}

void mec_edge_server(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  int s = (int)(intptr_t)sg_actor_self_get_data() - 1;
  mec_server_state_t *st = &mec_world->srv[s];
  /* Tasks execute themselves on the server (mec_edge_server_serve); only the
   * TPOS game needs an actor of the server's own. */
  if (s == 0 && mec_tpos_sim_role() == MEC_TPOS_SIM_GAME) {
    sg_actor_t a = sg_actor_init("tpos_server", st->host);
    sg_actor_start_(a, mec_tpos_coordinator, 0, NULL);
  }
}
