/* offload_nearest.c - baseline "offload-nearest": every task goes to the
 * server with the fewest fiber hops from the base station (ties: lowest
 * index), i.e. the server directly attached to the BS in DTOMALB's topology. */
#include "policies/policy.h"

#include <stddef.h>

static const char *const nearest_keys[] = {NULL};

static int nearest_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  if (mec_policy_args_check(cfg->args, nearest_keys, NULL, 0) != 0)
    return -1;
  if (sys->n_servers < 1) {
    mec_policy_set_error("offload-nearest: the platform has no edge server");
    return -1;
  }
  return 0;
}

static int nearest_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                          mec_cost_t *cost)
{
  (void)state;
  if (sys->n_servers < 1) {
    mec_policy_set_error("offload-nearest: the platform has no edge server");
    return -1;
  }
  /* Hops are static, but scanning them per batch costs M integer compares and
   * keeps the policy stateless. */
  int best = 0;
  for (int s = 1; s < sys->n_servers; s++)
    if (sys->server[s].hops < sys->server[best].hops)
      best = s;
  for (size_t i = 0; i < batch->n; i++)
    out[i].target = best + 1;
  cost->flops = 0; /* integer comparisons only */
  cost->iterations = sys->n_servers;
  return 0;
}

const mec_policy_ops_t mec_policy_offload_nearest = {
    .name = "offload-nearest",
    .summary = "every task to the server with the fewest fiber hops from the base station",
    .init = nearest_init,
    .decide = nearest_decide,
    .observe = NULL,
    .destroy = NULL,
    .static_view = 1, /* reads only counts, speeds and hops */
};
