/* greedy.c - baseline "greedy": each task goes to the target (local or a
 * server) with the smallest mec_expected_delay.
 *
 * Batch-aware: when a slot's requests come as one batch, the cycles of the
 * tasks already assigned in this batch are added to their server's backlog
 * before the next task is considered, so the batch does not all pile onto the
 * one server that looked best before any of it was placed. Tasks are placed in
 * batch order; ties go to local, then to the lowest server index. */
#include "policies/policy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Flops of one mec_expected_delay for a server (6 divisions, 1 multiply,
 * 7 additions) plus the comparison with the best so far; the local target
 * (1 division) is counted the same, an upper bound. */
#define GREEDY_FLOPS_PER_TARGET 15.0
/* Updating the chosen server's backlog and load factor. */
#define GREEDY_FLOPS_PER_UPDATE 2.0

static const char *const greedy_keys[] = {NULL};

typedef struct greedy_state {
  mec_server_info_t *scratch; /* servers as seen within the current batch */
  int capacity;
} greedy_state_t;

static int greedy_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  if (mec_policy_args_check(cfg->args, greedy_keys, NULL, 0) != 0)
    return -1;
  greedy_state_t *st = calloc(1, sizeof *st);
  int cap = sys->n_servers > 0 ? sys->n_servers : 1;
  if (st)
    st->scratch = calloc((size_t)cap, sizeof *st->scratch);
  if (!st || !st->scratch) {
    free(st);
    mec_policy_set_error("greedy: out of memory");
    return -1;
  }
  st->capacity = cap;
  *state = st;
  return 0;
}

static int greedy_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                         mec_cost_t *cost)
{
  greedy_state_t *st = state;
  int m = sys->n_servers > 0 ? sys->n_servers : 0;
  if (m > st->capacity) { /* the server count is static; grow only if a caller breaks that */
    mec_server_info_t *p = realloc(st->scratch, (size_t)m * sizeof *p);
    if (!p) {
      mec_policy_set_error("greedy: out of memory");
      return -1;
    }
    st->scratch = p;
    st->capacity = m;
  }
  if (m > 0)
    memcpy(st->scratch, sys->server, (size_t)m * sizeof *st->scratch);
  mec_system_t view = *sys;
  view.server = st->scratch;

  double evaluated = 0;
  for (size_t i = 0; i < batch->n; i++) {
    const mec_task_t *t = &batch->task[i];
    if (t->md < 0 || t->md >= sys->n_md) {
      mec_policy_set_error("greedy: task %llu comes from device %d, outside 0..%d", (unsigned long long)t->id,
                           (int)t->md, sys->n_md - 1);
      return -1;
    }
    int best = 0;
    double best_delay = mec_expected_delay(&view, t, 0);
    for (int target = 1; target <= m; target++) {
      double d = mec_expected_delay(&view, t, target);
      if (d < best_delay) {
        best_delay = d;
        best = target;
      }
    }
    evaluated += m + 1;
    out[i].target = best;
    if (best > 0) {
      mec_server_info_t *s = &st->scratch[best - 1];
      s->backlog_cycles += t->cycles;
      s->load_factor = s->backlog_cycles / s->cpu_hz;
      s->queued++;
    }
  }
  cost->flops = evaluated * GREEDY_FLOPS_PER_TARGET + (double)batch->n * GREEDY_FLOPS_PER_UPDATE;
  cost->iterations = evaluated;
  return 0;
}

static void greedy_destroy(void *state)
{
  greedy_state_t *st = state;
  if (st)
    free(st->scratch);
  free(st);
}

const mec_policy_ops_t mec_policy_greedy = {
    .name = "greedy",
    .summary = "minimum expected delay per task (local or any server), aware of the batch's own load",
    .init = greedy_init,
    .decide = greedy_decide,
    .observe = NULL,
    .destroy = greedy_destroy,
};
