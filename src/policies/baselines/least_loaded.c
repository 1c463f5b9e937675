/* least_loaded.c - baseline "least-loaded": each task goes to the server with
 * the smallest load factor LD_m = backlog_cycles / cpu_hz (DTOMALB eq. 13),
 * never locally. Like greedy it is batch-aware: a task placed earlier in the
 * same batch adds its cycles to its server's backlog before the next choice.
 * Ties go to the lowest server index. LD_m ignores the core count, as in the
 * paper. */
#include "policies/policy.h"

#include <stdlib.h>

/* One division (the load factor) and one comparison per server. */
#define LEAST_LOADED_FLOPS_PER_SERVER 2.0
/* Adding the task's cycles to the chosen server's backlog. */
#define LEAST_LOADED_FLOPS_PER_UPDATE 1.0

static const char *const ll_keys[] = {NULL};

typedef struct ll_state {
  double *backlog; /* backlog_cycles per server within the current batch */
  int capacity;
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
  if (st)
    st->backlog = calloc((size_t)sys->n_servers, sizeof *st->backlog);
  if (!st || !st->backlog) {
    free(st);
    mec_policy_set_error("least-loaded: out of memory");
    return -1;
  }
  st->capacity = sys->n_servers;
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
    if (!p) {
      mec_policy_set_error("least-loaded: out of memory");
      return -1;
    }
    st->backlog = p;
    st->capacity = m;
  }
  for (int s = 0; s < m; s++)
    st->backlog[s] = sys->server[s].backlog_cycles;
  for (size_t i = 0; i < batch->n; i++) {
    int best = -1;
    double best_ld = 0;
    for (int s = 0; s < m; s++) {
      if (sys->server[s].cpu_hz <= 0)
        continue; /* a server that cannot compute is never least loaded */
      double ld = st->backlog[s] / sys->server[s].cpu_hz;
      if (best < 0 || ld < best_ld) {
        best = s;
        best_ld = ld;
      }
    }
    if (best < 0) {
      mec_policy_set_error("least-loaded: no server has a positive speed");
      return -1;
    }
    out[i].target = best + 1;
    st->backlog[best] += batch->task[i].cycles;
  }
  cost->flops = (double)batch->n * (m * LEAST_LOADED_FLOPS_PER_SERVER + LEAST_LOADED_FLOPS_PER_UPDATE);
  cost->iterations = (double)batch->n * m;
  return 0;
}

static void ll_destroy(void *state)
{
  ll_state_t *st = state;
  if (st)
    free(st->backlog);
  free(st);
}

const mec_policy_ops_t mec_policy_least_loaded = {
    .name = "least-loaded",
    .summary = "the server with the smallest load factor backlog/speed (batch-aware), never local",
    .init = ll_init,
    .decide = ll_decide,
    .observe = NULL,
    .destroy = ll_destroy,
};
