/* tdma_equal.c - baseline "tdma-equal": every task of a batch to server 1,
 * each in its own TDMA sub-slot of an equal split of the frame (the slot
 * length T): with n tasks, task i (batch order) transmits over the whole band
 * from i T/n after the decision takes effect, in a window of T/n, at its MD's
 * default power. Argument frac=F (0 < F <= 1, default 1) offloads the share F
 * of each task (partial offloading) and runs the rest on the MD. */
#include "policies/policy.h"

#include <stdlib.h>

static const char *const tdma_keys[] = {"frac", NULL};

typedef struct tdma_state {
  double frac;
} tdma_state_t;

static int tdma_check_world(const mec_system_t *sys)
{
  if (sys->n_servers < 1) {
    mec_policy_set_error("tdma-equal: the platform has no edge server");
    return -1;
  }
  if (!(sys->slot_s > 0)) {
    mec_policy_set_error("tdma-equal: the TDMA frame is the slot length, and the scenario has none (slot = %g s); "
                         "run slotted arrivals (arrivals=slotted) or per-slot decisions (decide=per-slot)",
                         sys->slot_s);
    return -1;
  }
  return 0;
}

static int tdma_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  if (mec_policy_args_check(cfg->args, tdma_keys, NULL, 0) != 0)
    return -1;
  double frac = 1;
  if (mec_policy_arg_double(cfg->args, "frac", &frac) < 0)
    return -1;
  if (!(frac > 0 && frac <= 1)) {
    mec_policy_set_error("tdma-equal: frac=%g: the offloaded share must be in (0, 1] (1 = whole task)", frac);
    return -1;
  }
  if (tdma_check_world(sys) != 0)
    return -1;
  tdma_state_t *st = malloc(sizeof *st);
  if (!st) {
    mec_policy_set_error("tdma-equal: out of memory");
    return -1;
  }
  st->frac = frac;
  *state = st;
  return 0;
}

static int tdma_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                       mec_cost_t *cost)
{
  const tdma_state_t *st = state;
  if (tdma_check_world(sys) != 0)
    return -1;
  double window = sys->slot_s / (double)batch->n;
  for (size_t i = 0; i < batch->n; i++) {
    out[i].target = 1;
    out[i].tx_window = window;
    out[i].tx_offset = (double)i * window;
    out[i].tx_power_w = sys->md[batch->task[i].md].tx_power_w;
    out[i].offload_frac = st->frac; /* 1 = whole task */
  }
  cost->flops = 0; /* a division per batch */
  cost->iterations = (double)batch->n;
  return 0;
}

static void tdma_destroy(void *state)
{
  free(state);
}

const mec_policy_ops_t mec_policy_tdma_equal = {
    .name = "tdma-equal",
    .summary = "all to server 1, equal TDMA sub-slots of the slot in batch order (frac=F: partial)",
    .init = tdma_init,
    .decide = tdma_decide,
    .observe = NULL,
    .destroy = tdma_destroy,
};
