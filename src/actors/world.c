/* world.c - services the actors share: FIFOs, the policy call with its
 * compute charged in simulated time, the radio rates, task completion. */
#include "actors/world.h"
#include "actors/exec_shim.h"
#include "actors/mobility_glue.h"
#include "model/radio.h"
#include "model/rng.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/exec.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xbt/log.h>

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mec_world, mecsim, "shared simulation state");

mec_world_t *mec_world = NULL;

void mec_fifo_push(mec_task_fifo_t *q, mec_task_ctx_t *t)
{
  t->next = NULL;
  if (q->tail)
    q->tail->next = t;
  else
    q->head = t;
  q->tail = t;
  q->length++;
}

void mec_world_track(mec_task_ctx_t *t)
{
  mec_world_t *w = mec_world;
  t->live_prev = NULL;
  t->live_next = w->live;
  if (w->live)
    w->live->live_prev = t;
  w->live = t;
}

void mec_world_untrack(mec_task_ctx_t *t)
{
  mec_world_t *w = mec_world;
  if (t->live_prev)
    t->live_prev->live_next = t->live_next;
  else
    w->live = t->live_next;
  if (t->live_next)
    t->live_next->live_prev = t->live_prev;
  t->live_prev = t->live_next = NULL;
}

mec_task_ctx_t *mec_fifo_pop(mec_task_fifo_t *q)
{
  mec_task_ctx_t *t = q->head;
  if (t) {
    q->head = t->next;
    if (!q->head)
      q->tail = NULL;
    q->length--;
    t->next = NULL;
  }
  return t;
}

void mec_world_fail(const char *fmt, ...)
{
  mec_world_t *w = mec_world;
  if (w->failed)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->error, sizeof w->error, fmt, ap);
  va_end(ap);
  w->failed = 1;
  w->fail_time = simgrid_get_clock();
  XBT_DEBUG("%s", w->error); /* main reports it, once */
  sg_actor_kill_all(); /* every other actor; the caller then returns */
}

/* Block fading: one Rayleigh power draw per MD per slot. The draw of slot k
 * is a function of (the MD's fading seed, k) alone, so it does not depend on
 * when, or how often, the channel is looked at. */
static double drifted_path_gain(const mec_world_t *w, const mec_md_state_t *m)
{
  if (w->sc.drift_at > 0 && simgrid_get_clock() >= w->sc.drift_at)
    return m->path_gain * pow(10.0, w->sc.drift_gain_db / 10.0);
  return m->path_gain;
}

static double current_gain(int i)
{
  mec_world_t *w = mec_world;
  mec_md_state_t *m = &w->md[i];
  int moved = w->mobile && mec_mob_refresh(i); /* path gain at the position now */
  if (!w->rayleigh) {
    w->md_info[i].gain = drifted_path_gain(w, m);
    return w->md_info[i].gain;
  }
  /* SimGrid's clock drifts by ~1e-15 s: 0.9999999999999999 is slot 1 */
  long slot = (long)floor(simgrid_get_clock() / w->sc.slot + 1e-9);
  if (slot != m->fading_slot || moved) {
    m->fading_slot = slot;
    double u = mec_hash_u01(m->fading_seed, (uint64_t)slot);
    w->md_info[i].gain = drifted_path_gain(w, m) * mec_rayleigh_power_from_u(u);
  }
  return w->md_info[i].gain;
}

double mec_world_gain(int md)
{
  return current_gain(md);
}

int mec_world_attach(int md)
{
  mec_world_t *w = mec_world;
  if (w->n_bs > 1 && w->mobile)
    mec_mob_refresh(md); /* re-evaluates the association at the position now */
  return w->md_info[md].bs;
}

/* Bandwidth of one transfer through BS b: the policy's share of that BS's
 * band W_b, or the equal split W_b / N_b among the devices attached to it
 * (one BS: W / N, every device), or W_b / share_users. */
static double share_bandwidth(int b, double bw_share)
{
  mec_world_t *w = mec_world;
  double band = w->bs_info[b].bandwidth_hz;
  if (bw_share > 0)
    return bw_share * band;
  int n = w->sc.share_users > 0 ? w->sc.share_users : w->bs_info[b].attached;
  return band / (n > 0 ? n : 1);
}

mec_rate_spec_t mec_world_up_spec_via(int md, int b, double bw_share, double tx_power_w)
{
  mec_world_t *w = mec_world;
  double p = tx_power_w > 0 ? tx_power_w : w->md_info[md].tx_power_w;
  return (mec_rate_spec_t){share_bandwidth(b, bw_share), p, 1, b};
}

mec_rate_spec_t mec_world_up_spec(int md, double bw_share, double tx_power_w)
{
  return mec_world_up_spec_via(md, mec_world_attach(md), bw_share, tx_power_w);
}

mec_rate_spec_t mec_world_down_spec_via(int md, int b, double bw_share)
{
  (void)md;
  return (mec_rate_spec_t){share_bandwidth(b, bw_share), mec_world->sc.bs_tx_power, 1, b};
}

mec_rate_spec_t mec_world_down_spec(int md, double bw_share)
{
  return mec_world_down_spec_via(md, mec_world_attach(md), bw_share);
}

mec_rate_spec_t mec_world_decision_up_spec(int md, const mec_decision_t *d)
{
  mec_world_t *w = mec_world;
  int b = mec_world_attach(md);
  double p = d->tx_power_w > 0 ? d->tx_power_w : w->md_info[md].tx_power_w;
  double band = w->bs_info[b].bandwidth_hz;
  if (d->tx_window > 0) /* a real TDMA sub-slot: the whole band, at the decision's power */
    return (mec_rate_spec_t){band, p, 1, b};
  if (d->time_share > 0)
    return (mec_rate_spec_t){band, p, d->time_share < 1 ? d->time_share : 1, b};
  return mec_world_up_spec_via(md, b, d->bw_share, d->tx_power_w);
}

double mec_world_rate(int md, mec_rate_spec_t s)
{
  double g = current_gain(md);
  /* a transfer that began through a BS the device has since left keeps it:
   * its gain to that BS, with the same fading draw and drift */
  if (s.bs != mec_world->md_info[md].bs)
    g *= mec_mob_gain_ratio(md, s.bs);
  return s.tau * mec_shannon_bps(s.band_hz, s.power_w, g, mec_world->sys.noise_w_per_hz);
}

double mec_world_up_rate(int md, double bw_share, double tx_power_w)
{
  return mec_world_rate(md, mec_world_up_spec(md, bw_share, tx_power_w));
}

double mec_world_down_rate(int md, double bw_share)
{
  return mec_world_rate(md, mec_world_down_spec(md, bw_share));
}

/* Current channel and default rates of MD i (changes only with fading and
 * at the drift). */
static void refresh_md(int i)
{
  mec_world_t *w = mec_world;
  if (!w->rayleigh && !(w->sc.drift_at > 0 && w->sc.drift_gain_db != 0) && !w->mobile)
    return;
  current_gain(i);
  w->md_info[i].up_rate_bps = mec_world_up_rate(i, 0, 0);
  w->md_info[i].down_rate_bps = mec_world_down_rate(i, 0);
}

void mec_world_refresh_servers(void)
{
  mec_world_t *w = mec_world;
  w->sys.now = simgrid_get_clock();
  /* Every running execution's remaining work, in one simcall (exec_shim.cpp) */
  size_t need = 0;
  for (int s = 0; s < w->n_servers; s++)
    need += (size_t)w->srv[s].cores + (size_t)w->srv[s].n_reserved;
  if (need > w->scratch_cap) {
    size_t cap = need > 2 * w->scratch_cap ? need : 2 * w->scratch_cap;
    sg_exec_t *e = realloc(w->exec_scratch, cap * sizeof *e);
    if (e)
      w->exec_scratch = e;
    double *r = e ? realloc(w->remaining_scratch, cap * sizeof *r) : NULL;
    if (r)
      w->remaining_scratch = r;
    if (!e || !r) {
      mec_world_fail("out of memory for the servers' %zu executions", need);
      return;
    }
    w->scratch_cap = cap;
  }
  size_t n = 0;
  for (int s = 0; s < w->n_servers; s++) {
    const mec_server_state_t *st = &w->srv[s];
    for (int c = 0; c < st->cores; c++)
      if (st->running[c])
        w->exec_scratch[n++] = st->running[c];
    for (int r = 0; r < st->n_reserved; r++)
      w->exec_scratch[n++] = st->reserved[r];
  }
  mec_execs_remaining(w->exec_scratch, n, w->remaining_scratch);
  n = 0;
  for (int s = 0; s < w->n_servers; s++) {
    mec_server_state_t *st = &w->srv[s];
    mec_server_info_t *in = &w->srv_info[s];
    double backlog = st->queued_cycles;
    for (int c = 0; c < st->cores; c++)
      if (st->running[c])
        backlog += w->remaining_scratch[n++];
    for (int r = 0; r < st->n_reserved; r++)
      backlog += w->remaining_scratch[n++];
    in->queued = (int)st->queue.length;
    in->in_service = st->in_service;
    in->backlog_cycles = backlog;
    in->load_factor = backlog / in->cpu_hz;
  }
}

void mec_world_refresh(void)
{
  mec_world_refresh_servers();
  for (int i = 0; i < mec_world->n_md; i++)
    refresh_md(i);
}

/* The decisions of batch tasks with (target == 0) == local take effect now:
 * each gets its decision and decide_end, and with `release` its actor is woken. */
static void take_effect(mec_task_ctx_t **batch, const mec_decision_t *dec, size_t n, int local, int release)
{
  double now = simgrid_get_clock();
  for (size_t i = 0; i < n; i++) {
    if ((dec[i].target == 0) != local)
      continue;
    batch[i]->decision = dec[i];
    batch[i]->rec.decide_end = now;
    if (release)
      sg_sem_release(batch[i]->wake);
  }
}

/* The hosts a task's data crosses from the host `from` (a BS) to server
 * st, in order: a cloud directly over the platform's route from that BS; an
 * edge server over its own path from its BS (via-first: through its cell's
 * first server), preceded by the fiber from `from` to its BS when the task
 * came in through another BS. Each consecutive pair is one fiber hop (one
 * SimGrid communication over the platform's route between them). */
int mec_route_hosts(const mec_server_state_t *st, sg_host_t from, sg_host_t out[4])
{
  int n = 0;
  out[n++] = from;
  if (st->tier == MEC_TIER_CLOUD) {
    if (st->host != from)
      out[n++] = st->host;
    return n;
  }
  for (int h = st->path[0] == from ? 1 : 0; h < st->path_len; h++)
    out[n++] = st->path[h];
  return n;
}

void mec_execute_on(sg_host_t host, double flops)
{
  if (host == sg_host_self()) {
    sg_actor_execute(flops);
    return;
  }
  sg_exec_t e = sg_actor_exec_init(flops);
  sg_exec_set_host(e, host);
  sg_exec_start(e);
  sg_exec_wait(e);
}

static void execute_flops(sg_host_t host, double flops)
{
  /* A compute shorter than SimGrid's time accuracy (1e-9 s) cannot move the
   * clock: skip the activity (e.g. a 3-flop random draw). */
  if (flops > 0 && flops / sg_host_get_speed(host) >= 1e-9)
    mec_execute_on(host, flops);
}

/* Background work of a policy (mec_cost_t.bg_flops), run by its own daemon
 * actor on a server's host: a daemon because nothing waits for it, and a run
 * ends when its tasks are done even if training is still going on. */
typedef struct background_job {
  double flops, samples;
  uint64_t id;
  int server, kind;
} background_job_t;

static void background_free(int failed, void *job)
{
  (void)failed;
  free(job);
}

static void background_actor(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  mec_world_t *w = mec_world;
  background_job_t *job = sg_actor_self_get_data();
  sg_actor_on_exit(background_free, job); /* also when killed at the end of the run */
  sg_actor_daemonize(sg_actor_self());
  trace_background_rec_t r = {.time_start = simgrid_get_clock(), .server = job->server + 1, .kind = job->kind,
                              .flops = job->flops, .samples = job->samples};
  execute_flops(sg_host_self(), job->flops);
  r.time_done = simgrid_get_clock();
  if (w->policy->background_done)
    w->policy->background_done(w->policy_state, job->id, r.time_done);
  if (w->trace && trace_add_background(w->trace, &r) != 0)
    mec_world_fail("trace: %s", trace_error(w->trace));
}

/* Starts the background work a decision asked for. 0 or -1 (run failed). */
static int start_background(const mec_cost_t *cost)
{
  mec_world_t *w = mec_world;
  if (!(cost->bg_flops > 0))
    return 0;
  if (!isfinite(cost->bg_flops) || cost->bg_server < 0 || cost->bg_server >= w->n_servers) {
    mec_world_fail("policy '%s' asked for background work of %g flops on server index %d; expected finite flops "
                   "and an index 0..%d",
                   w->policy->name, cost->bg_flops, cost->bg_server, w->n_servers - 1);
    return -1;
  }
  background_job_t *job = malloc(sizeof *job);
  if (!job) {
    mec_world_fail("out of memory for background work");
    return -1;
  }
  *job = (background_job_t){cost->bg_flops, cost->bg_samples, cost->bg_id, cost->bg_server, cost->bg_kind};
  sg_actor_t a = sg_actor_init("background", w->srv[cost->bg_server].host);
  sg_actor_set_data(a, job);
  sg_actor_start_(a, background_actor, 0, NULL);
  return 0;
}

int mec_world_decide(mec_task_ctx_t **batch, size_t n, int on_md, int release, int bs)
{
  mec_world_t *w = mec_world;
  double t_request = simgrid_get_clock();
  mec_task_t stack_tasks[16];
  mec_decision_t stack_dec[16];
  mec_task_t *tasks = n <= 16 ? stack_tasks : malloc(n * sizeof *tasks);
  mec_decision_t *dec = n <= 16 ? stack_dec : malloc(n * sizeof *dec);
  if (!tasks || !dec) {
    mec_world_fail("out of memory for a batch of %zu decisions", n);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    tasks[i] = batch[i]->task;
    dec[i] = mec_decision_default();
  }
  /* Servers, and the channels of the batch's devices only: refreshing all
   * 10^5 devices per decision would make per-task decisions O(N). */
  if (!w->policy->static_view)
    mec_world_refresh_servers();
  else
    w->sys.now = simgrid_get_clock();
  for (size_t i = 0; i < n; i++)
    refresh_md(tasks[i].md);
  w->sys.decider_bs = bs;
  if (!on_md)
    w->sys.decider_hz = w->bs_info[bs].cpu_hz;
  mec_batch_t b = {n, tasks};
  mec_cost_t cost = {0};
  int rc = w->policy->decide(w->policy_state, &w->sys, &b, dec, &cost);
  if (rc != 0) {
    mec_world_fail("policy '%s' failed at t = %g s: %s", w->policy->name, t_request, mec_policy_error());
  } else {
    /* The decision's own compute runs on the deciding host before it takes
     * effect; a staged decision (cost.flops_local, per-slot batches only)
     * releases the local tasks part-way through. */
    for (size_t i = 0; i < n && rc == 0; i++) {
      const mec_decision_t *d = &dec[i];
      if (d->target < 0 || d->target > w->n_servers) {
        mec_world_fail("policy '%s' sent task %llu to target %d; valid targets are 0 (local) to %d", w->policy->name,
                       (unsigned long long)tasks[i].id, d->target, w->n_servers);
        rc = -1;
      } else if (!(d->bw_share <= 1) || !(d->cpu_share <= 1) || !(d->time_share <= 1)) { /* NaN fails too */
        mec_world_fail("policy '%s' gave task %llu the shares bw %g, cpu %g, time %g; each must be a number <= 1",
                       w->policy->name, (unsigned long long)tasks[i].id, d->bw_share, d->cpu_share, d->time_share);
        rc = -1;
      } else if (!(d->offload_frac <= 1)) { /* NaN fails too; <= 0 and 1 = binary */
        mec_world_fail("policy '%s' gave task %llu offload_frac %g; expected a number <= 1 (0 < f < 1: partial "
                       "offloading, else the whole task)",
                       w->policy->name, (unsigned long long)tasks[i].id, d->offload_frac);
        rc = -1;
      } else if (d->target > 0 && d->offload_frac > 0 && d->offload_frac < 1 && tasks[i].dnn >= 0) {
        mec_world_fail("policy '%s' gave DNN task %llu offload_frac %g; a DNN task is split by layers "
                       "(partition), not by a fraction",
                       w->policy->name, (unsigned long long)tasks[i].id, d->offload_frac);
        rc = -1;
      } else if (isnan(d->tx_offset) || d->tx_offset == INFINITY || !(d->tx_window >= 0) || !isfinite(d->tx_window)) {
        mec_world_fail("policy '%s' gave task %llu the TDMA sub-slot offset %g s, window %g s; expected a finite "
                       "offset (< 0 = none) and a finite window >= 0 (0 = none)",
                       w->policy->name, (unsigned long long)tasks[i].id, d->tx_offset, d->tx_window);
        rc = -1;
      } else if (d->tx_window > 0 && d->time_share > 0) {
        mec_world_fail("policy '%s' gave task %llu both a TDMA sub-slot (tx_window %g s) and a fluid time_share %g; "
                       "use one of them",
                       w->policy->name, (unsigned long long)tasks[i].id, d->tx_window, d->time_share);
        rc = -1;
      }
    }
    if (rc == 0 && cost.staged && !(cost.flops_local >= 0 && cost.flops_local <= cost.flops)) {
      mec_world_fail("policy '%s' staged its decision at %g of %g flops: expected 0 <= flops_local <= flops",
                     w->policy->name, cost.flops_local, cost.flops);
      rc = -1;
    }
    int staged = rc == 0 && release && cost.staged;
    /* the decision's compute runs on the deciding host: the BS, or the MD that decides its own task */
    sg_host_t where = on_md ? w->md[tasks[0].md].host : w->bss[bs].host;
    double t_local = NAN;
    if (rc == 0 && staged) {
      execute_flops(where, cost.flops_local);
      t_local = simgrid_get_clock();
      take_effect(batch, dec, n, 1, release);
      execute_flops(where, cost.flops - cost.flops_local);
    } else if (rc == 0) {
      execute_flops(where, cost.flops);
    }
    double t_done = simgrid_get_clock();
    if (rc == 0) {
      if (!staged) {
        t_local = t_done;
        take_effect(batch, dec, n, 1, release);
      }
      take_effect(batch, dec, n, 0, release);
      start_background(&cost);
      w->decisions++;
      if (w->trace) {
        trace_decision_rec_t r = {t_request, t_done, (int32_t)n, on_md, cost.flops, cost.iterations, cost.model_size, 0,
                                  t_local, cost.macs, cost.arch_k, cost.arch_l, bs};
        if (trace_add_decision(w->trace, &r) != 0)
          mec_world_fail("trace: %s", trace_error(w->trace));
      }
    }
  }
  if (tasks != stack_tasks)
    free(tasks);
  if (dec != stack_dec)
    free(dec);
  return w->failed ? -1 : 0;
}

static double wall_seconds(const struct timespec *a, const struct timespec *b)
{
  return (double)(b->tv_sec - a->tv_sec) + 1e-9 * (double)(b->tv_nsec - a->tv_nsec);
}

/* "42 s", "3m07s", "2h05m" */
static void format_duration(char *buf, size_t n, double s)
{
  if (s < 59.5)
    snprintf(buf, n, "%.0f s", s);
  else if (s < 3600 - 0.5)
    snprintf(buf, n, "%dm%02ds", (int)(s + 0.5) / 60, (int)(s + 0.5) % 60);
  else if (s < 1e7)
    snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
  else
    snprintf(buf, n, "%.3g h", s / 3600);
}

/* Fraction of the run done, from the nearer of its ends (--until: simulated
 * time; a finite task count: tasks done); -1 when no end is known. */
static double progress_fraction(const mec_world_t *w)
{
  double f = -1;
  if (w->sc.until > 0)
    f = simgrid_get_clock() / w->sc.until;
  if (w->tasks_expected > 0) {
    double ft = (double)w->tasks_done / (double)w->tasks_expected;
    if (ft > f)
      f = ft;
  }
  return f > 1 ? 1 : f;
}

/* On a terminal (progress_every = 0): one line updated in place (\r) every
 * 0.5 s. Knob progress = N > 0: one newline-terminated line every N wall
 * seconds, terminal or not (a batch job's log). The ETA extrapolates the
 * wall time so far by the fraction done. */
static void progress_line(int final)
{
  mec_world_t *w = mec_world;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int lines = w->progress_every > 0;
  if (!final && wall_seconds(&w->wall_last, &now) < (lines ? w->progress_every : 0.5))
    return;
  w->wall_last = now;
  double el = wall_seconds(&w->wall_start, &now);
  char eta[64] = "";
  double f = progress_fraction(w);
  if (final) {
    char d[32];
    format_duration(d, sizeof d, el);
    snprintf(eta, sizeof eta, " | wall %s", d);
  } else if (f > 0 && el > 0) {
    char d[32];
    format_duration(d, sizeof d, el * (1 - f) / f);
    snprintf(eta, sizeof eta, " | %.1f%% | ETA %s", 100.0 * f, d);
  }
  fprintf(stderr, "%s[mecsim] t = %.3f s simulated | %llu", lines ? "" : "\r", simgrid_get_clock(),
          (unsigned long long)w->tasks_done);
  if (w->tasks_expected)
    fprintf(stderr, "/%llu", (unsigned long long)w->tasks_expected);
  /* in place: pad, so that a shorter line (the final one) hides the previous */
  fprintf(stderr, " tasks | %.0f tasks/s%-*s%s", el > 0 ? w->tasks_done / el : 0.0, lines ? 0 : 26, eta,
          lines || final ? "\n" : "   ");
  if (lines)
    fflush(stderr);
}

void mec_world_progress_final(void);
void mec_world_progress_final(void)
{
  if (mec_world && mec_world->progress)
    progress_line(1);
}

void mec_world_task_done(mec_task_ctx_t *ctx)
{
  mec_world_t *w = mec_world;
  trace_task_rec_t *r = &ctx->rec;
  r->done = simgrid_get_clock();
  w->last_done = r->done;
  double delay = r->done - r->arrival;
  /* a dropped task never completes: it misses its deadline, whatever it was */
  r->missed = r->dropped || (r->deadline > 0 && delay > r->deadline) ? 1 : 0;
  r->up_distance_m = isnan(r->up_start) ? NAN
                     : w->mobile        ? mec_mob_up_distance(r->md, r->up_start, r->up_bs)
                                        : w->md_info[r->md].distance_m;
  r->tier = r->target > 0 && r->target <= w->n_servers ? 1 + w->srv[r->target - 1].tier : 0;
  w->tasks_dropped += (uint64_t)(r->dropped != 0);
  w->tasks_done++;
  w->tasks_missed += (uint64_t)r->missed;
  w->sum_delay += delay;
  w->sum_energy += r->energy_local_j + r->energy_tx_j;
  if (w->trace && trace_add_task(w->trace, r) != 0)
    mec_world_fail("trace: %s", trace_error(w->trace));
  if (w->policy->observe) {
    mec_outcome_t o = {ctx->task, ctx->decision, delay, r->energy_local_j + r->energy_tx_j, r->missed};
    w->policy->observe(w->policy_state, &o, 1);
  }
  if (w->progress && (w->tasks_done & 15) == 0)
    progress_line(0);
}
