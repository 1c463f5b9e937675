/* local.c - baseline "local": every task runs on its mobile device. The
 * reference every offloading policy must beat (DTOMALB eq. 6 for all). */
#include "policies/policy.h"

#include <stddef.h>

static const char *const local_keys[] = {NULL};

static int local_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  (void)sys;
  *state = NULL;
  return mec_policy_args_check(cfg->args, local_keys, NULL, 0);
}

static int local_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                        mec_cost_t *cost)
{
  (void)state;
  (void)sys;
  for (size_t i = 0; i < batch->n; i++)
    out[i].target = 0;
  /* nothing is computed or compared: zero cost */
  cost->flops = 0;
  cost->iterations = 0;
  return 0;
}

const mec_policy_ops_t mec_policy_local = {
    .name = "local",
    .summary = "every task runs on its mobile device",
    .init = local_init,
    .decide = local_decide,
    .observe = NULL,
    .destroy = NULL,
    .static_view = 1, /* reads only counts, speeds and hops */
};
