/* round_robin.c - baseline "round-robin": tasks go to servers 1..M in turn,
 * in the order the simulator hands them over, never locally. */
#include "policies/policy.h"

#include <stdlib.h>

static const char *const rr_keys[] = {NULL};

typedef struct rr_state {
  int next; /* server index (0-based) of the next task */
} rr_state_t;

static int rr_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  if (mec_policy_args_check(cfg->args, rr_keys, NULL, 0) != 0)
    return -1;
  if (sys->n_servers < 1) {
    mec_policy_set_error("round-robin: the platform has no edge server");
    return -1;
  }
  rr_state_t *st = calloc(1, sizeof *st);
  if (!st) {
    mec_policy_set_error("round-robin: out of memory");
    return -1;
  }
  *state = st;
  return 0;
}

static int rr_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                     mec_cost_t *cost)
{
  rr_state_t *st = state;
  if (sys->n_servers < 1) {
    mec_policy_set_error("round-robin: the platform has no edge server");
    return -1;
  }
  for (size_t i = 0; i < batch->n; i++) {
    if (st->next >= sys->n_servers) /* defensive: M cannot change, but never index past it */
      st->next = 0;
    out[i].target = st->next + 1;
    st->next = (st->next + 1) % sys->n_servers;
  }
  cost->flops = 0; /* an integer counter */
  cost->iterations = (double)batch->n;
  return 0;
}

static void rr_destroy(void *state)
{
  free(state);
}

const mec_policy_ops_t mec_policy_round_robin = {
    .name = "round-robin",
    .summary = "servers 1..M in turn, never local",
    .init = rr_init,
    .decide = rr_decide,
    .observe = NULL,
    .destroy = rr_destroy,
    .static_view = 1, /* reads only counts, speeds and hops */
};
