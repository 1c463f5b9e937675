/* least_loaded.c - baseline "least-loaded": each task goes to the server
 * where it would finish first by load alone, never locally:
 *
 *   finish_m = wait_m + C / f_m,   wait_m = 0 if a core of m is free,
 *                                   else backlog_m / (cores_m f_m)
 *
 * (f_m the speed of one core; a core is free when the tasks in service and
 * queued, plus those this batch already sent to m, are fewer than its
 * cores). So idle cores and speed count: a 16-core server with one core free
 * beats a busy single-core one, and a fast idle server a slow idle one. It
 * is blind to radio and fiber (greedy is not). Like greedy it is batch-aware:
 * a task placed earlier in the batch adds its cycles and one task to its
 * server before the next choice. Ties go to the first server met when
 * scanning from a position drawn from (run seed, task id), so no server
 * index is favoured and the choice does not depend on the order tasks reach
 * the policy.
 *
 * (Earlier versions picked the smallest LD_m = backlog / f_m of DTOMALB
 * eq. 13, ignoring cores, with ties to the lowest index: every tie between
 * idle servers went to server 1, which then got 4.6x the tasks of server 10
 * on a 10-server cell of 16-core servers.) */
#include "model/rng.h"
#include "policies/policy.h"

#include <stdlib.h>

/* Per server: the free-core test (a compare), the wait (a multiply and a
 * division), the task's own time (a division, an add) and the comparison. */
#define LEAST_LOADED_FLOPS_PER_SERVER 6.0
/* The scan's starting position (a hash to [0, 1) and a scale), and adding the
 * task's cycles to the chosen server's backlog. */
#define LEAST_LOADED_FLOPS_PER_UPDATE 3.0

static const char *const ll_keys[] = {NULL};

typedef struct ll_state {
  double *backlog; /* backlog_cycles per server within the current batch */
  int *busy;       /* tasks in service or queued per server within the batch */
  int capacity;
  uint64_t hash_seed; /* tie-breaking draws, private to this policy */
} ll_state_t;

static int ll_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  if (mec_policy_args_check(cfg->args, ll_keys, NULL, 0) != 0)
    return -1;
  if (sys->n_servers < 1) {
    mec_policy_set_error("least-loaded: the platform has no edge server");
    return -1;
  }
  ll_state_t *st = calloc(1, sizeof *st);
  if (st) {
    st->backlog = calloc((size_t)sys->n_servers, sizeof *st->backlog);
    st->busy = calloc((size_t)sys->n_servers, sizeof *st->busy);
  }
  if (!st || !st->backlog || !st->busy) {
    if (st) {
      free(st->backlog);
      free(st->busy);
    }
    free(st);
    mec_policy_set_error("least-loaded: out of memory");
    return -1;
  }
  st->capacity = sys->n_servers;
  /* index 1: independent of `random`'s draws (index 0), which would otherwise
   * make every tie between idle servers the same choice as random's */
  st->hash_seed = mec_stream_seed(cfg->seed, MEC_STREAM_POLICY, 1);
  *state = st;
  return 0;
}

static int ll_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                     mec_cost_t *cost)
{
  ll_state_t *st = state;
  int m = sys->n_servers;
  if (m < 1) {
    mec_policy_set_error("least-loaded: the platform has no edge server");
    return -1;
  }
  if (m > st->capacity) { /* the server count is static; grow only if a caller breaks that */
    double *p = realloc(st->backlog, (size_t)m * sizeof *p);
    if (p)
      st->backlog = p;
    int *q = p ? realloc(st->busy, (size_t)m * sizeof *q) : NULL;
    if (!q) {
      mec_policy_set_error("least-loaded: out of memory");
      return -1;
    }
    st->busy = q;
    st->capacity = m;
  }
  for (int s = 0; s < m; s++) {
    st->backlog[s] = sys->server[s].backlog_cycles;
    st->busy[s] = sys->server[s].in_service + sys->server[s].queued;
  }
  for (size_t i = 0; i < batch->n; i++) {
    const mec_task_t *t = &batch->task[i];
    int first = (int)(mec_hash_u01(st->hash_seed, t->id) * m);
    if (first >= m) /* rounding at the top edge */
      first = m - 1;
    int best = -1;
    double best_finish = 0;
    for (int j = 0; j < m; j++) {
      int s = (first + j) % m;
      const mec_server_info_t *sv = &sys->server[s];
      if (sv->cpu_hz <= 0)
        continue; /* a server that cannot compute is never least loaded */
      int cores = sv->cores > 0 ? sv->cores : 1;
      double wait = st->busy[s] < cores ? 0.0 : st->backlog[s] / (cores * sv->cpu_hz);
      double finish = wait + t->cycles / sv->cpu_hz;
      if (best < 0 || finish < best_finish) {
        best = s;
        best_finish = finish;
      }
    }
    if (best < 0) {
      mec_policy_set_error("least-loaded: no server has a positive speed");
      return -1;
    }
    out[i].target = best + 1;
    st->backlog[best] += t->cycles;
    st->busy[best]++;
  }
  cost->flops = (double)batch->n * (m * LEAST_LOADED_FLOPS_PER_SERVER + LEAST_LOADED_FLOPS_PER_UPDATE);
  cost->iterations = (double)batch->n * m;
  return 0;
}

static void ll_destroy(void *state)
{
  ll_state_t *st = state;
  if (st) {
    free(st->backlog);
    free(st->busy);
  }
  free(st);
}

const mec_policy_ops_t mec_policy_least_loaded = {
    .name = "least-loaded",
    .summary = "the server where the task would finish first by load (free cores, backlog, speed; batch-aware; "
               "ties drawn per task), never local",
    .init = ll_init,
    .decide = ll_decide,
    .observe = NULL,
    .destroy = ll_destroy,
};
