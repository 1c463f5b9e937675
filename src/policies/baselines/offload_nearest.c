/* offload_nearest.c - baseline "offload-nearest": every task goes to the
 * server with the fewest fiber hops from the base station its device is
 * attached to (ties: lowest index), i.e. the server directly attached to the
 * BS in DTOMALB's topology. With several BSs the hops are those of
 * mec_system_route(sys, task.md, s): a server of another BS counts the
 * BS-to-BS hop. */
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

/* The server with the fewest hops from device md's BS (ties: lowest index). */
static int nearest_from(const mec_system_t *sys, int md)
{
  int best = 0;
  int best_hops = mec_system_route(sys, md, 0).hops;
  for (int s = 1; s < sys->n_servers; s++) {
    int h = mec_system_route(sys, md, s).hops;
    if (h < best_hops) {
      best = s;
      best_hops = h;
    }
  }
  return best;
}

/* The BS whose routes device md sees (mec_system_route's choice); -1 for
 * "the servers' own fields" (one BS, or a hand-filled system). */
static int route_bs(const mec_system_t *sys, int md)
{
  int b = sys->md[md].bs;
  return sys->route && sys->n_bs > 0 && b >= 0 && b < sys->n_bs ? b : -1;
}

static int nearest_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                          mec_cost_t *cost)
{
  (void)state;
  if (sys->n_servers < 1) {
    mec_policy_set_error("offload-nearest: the platform has no edge server");
    return -1;
  }
  /* Hops are static per (BS, server), but scanning them per batch costs M
   * integer compares per BS met and keeps the policy stateless. The scan is
   * redone only when a task's device sees another BS than the previous
   * task's: once per batch with one BS, as before. */
  int scanned_bs = -2, best = 0;
  double scans = 0;
  for (size_t i = 0; i < batch->n; i++) {
    int md = batch->task[i].md;
    if (md < 0 || md >= sys->n_md) {
      mec_policy_set_error("offload-nearest: task %llu comes from device %d, outside 0..%d",
                           (unsigned long long)batch->task[i].id, md, sys->n_md - 1);
      return -1;
    }
    int b = route_bs(sys, md);
    if (b != scanned_bs) {
      best = nearest_from(sys, md);
      scanned_bs = b;
      scans++;
    }
    out[i].target = best + 1;
  }
  cost->flops = 0; /* integer comparisons only */
  cost->iterations = (scans > 0 ? scans : 1) * sys->n_servers;
  return 0;
}

const mec_policy_ops_t mec_policy_offload_nearest = {
    .name = "offload-nearest",
    .summary = "every task to the server with the fewest fiber hops from its device's base station",
    .init = nearest_init,
    .decide = nearest_decide,
    .observe = NULL,
    .destroy = NULL,
    .static_view = 1, /* reads only counts, speeds and hops (the device's BS is refreshed for the batch) */
};
