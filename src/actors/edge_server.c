/* edge_server.c - an edge server: a FIFO queue in true arrival order served
 * by one worker actor per core. Each task is a SimGrid execution on the
 * server host; a CPU share from the policy becomes an execution bound. */
#include "actors/tpos_sim.h"
#include "actors/world.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/exec.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <math.h>
#include <stdint.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_server, mecsim, "edge servers");

/* Actor data of a core worker: server index in the high bits, core below. */
#define CORE_BITS 16

static void serve(int s, int core)
{
  mec_world_t *w = mec_world;
  mec_server_state_t *st = &w->srv[s];
  sg_actor_daemonize(sg_actor_self()); /* the run ends when the last task does */
  for (;;) {
    sg_sem_acquire(st->pending);
    mec_task_ctx_t *ctx = mec_fifo_pop(&st->queue);
    st->queued_cycles -= ctx->server_cycles;
    if (st->queue.length == 0)
      st->queued_cycles = 0; /* no drift from floating-point sums */
    st->in_service++;
    ctx->rec.exec_start = simgrid_get_clock();
    sg_exec_t e = sg_actor_exec_init(ctx->server_cycles);
    if (ctx->decision.cpu_share > 0 && ctx->decision.cpu_share < 1)
      sg_exec_set_bound(e, ctx->decision.cpu_share * sg_host_get_speed(st->host));
    st->running[core] = e;
    sg_exec_start(e);
    sg_exec_wait(e);
    st->running[core] = NULL;
    st->in_service--;
    ctx->rec.exec_end = simgrid_get_clock();
    XBT_DEBUG("server %d core %d: task %llu done", s + 1, core, (unsigned long long)ctx->task.id);
    sg_sem_release(ctx->wake);
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
    /* Slot boundaries are the server's frame clock (exogenous): a subtask
     * that arrives early waits for its slot (Rule 2 keeps one MD's groups in
     * sequence, so it also waits for the previous group). */
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
    sg_actor_execute(cycles);
    ctx->rec.exec_end = simgrid_get_clock();
  }
  st->in_service--;
  /* The result is released at the end of the last slot used (eq. 24). */
  double release = t0 + s->h_last * slot_len;
  if (simgrid_get_clock() < release)
    sg_actor_sleep_until(release);
}

static void core_worker(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  intptr_t code = (intptr_t)sg_actor_self_get_data();
  serve((int)(code >> CORE_BITS), (int)(code & ((1 << CORE_BITS) - 1)));
}

void mec_edge_server(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  int s = (int)(intptr_t)sg_actor_self_get_data() - 1;
  mec_server_state_t *st = &mec_world->srv[s];
  if (s == 0 && mec_tpos_sim_role() == MEC_TPOS_SIM_GAME) {
    sg_actor_t a = sg_actor_init("tpos_server", st->host);
    sg_actor_start_(a, mec_tpos_coordinator, 0, NULL);
  }
  for (int c = 1; c < st->cores; c++) {
    sg_actor_t a = sg_actor_init("edge_server_core", st->host);
    sg_actor_set_data(a, (void *)(((intptr_t)s << CORE_BITS) | c));
    sg_actor_start_(a, core_worker, 0, NULL);
  }
  serve(s, 0);
}
