/* random.c - baseline "random": each task goes to a target drawn uniformly
 * from {local, server 1..M}, or locally with probability p_local and
 * otherwise uniformly among the servers.
 *
 * The draw is mec_hash_u01(seed, task id): it depends only on the run seed and
 * the task, never on the order in which the simulator hands tasks over nor on
 * other devices, so runs that differ in event order still agree task by task.
 *
 * Args: p_local=P (0 <= P <= 1; default 1/(M+1), i.e. uniform). */
#include "model/rng.h"
#include "policies/policy.h"

#include <stdlib.h>

static const char *const random_keys[] = {"p_local", NULL};

typedef struct random_state {
  uint64_t hash_seed; /* derived from the run seed, private to this policy */
  double p_local;     /* < 0: uniform over the M+1 targets */
} random_state_t;

static int random_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  (void)sys;
  *state = NULL;
  if (mec_policy_args_check(cfg->args, random_keys, NULL, 0) != 0)
    return -1;
  double p = -1.0;
  int rc = mec_policy_arg_double(cfg->args, "p_local", &p);
  if (rc < 0)
    return -1;
  if (rc == 0 && !(p >= 0.0 && p <= 1.0)) {
    mec_policy_set_error("random: p_local=%g is not a probability in [0, 1]", p);
    return -1;
  }
  random_state_t *st = malloc(sizeof *st);
  if (!st) {
    mec_policy_set_error("random: out of memory");
    return -1;
  }
  /* A stream seed rather than the raw run seed, so these draws are unrelated
   * to any other mec_hash_u01(run seed, task id) in the simulator. */
  st->hash_seed = mec_stream_seed(cfg->seed, MEC_STREAM_POLICY, 0);
  st->p_local = p;
  *state = st;
  return 0;
}

static int random_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                         mec_cost_t *cost)
{
  const random_state_t *st = state;
  int m = sys->n_servers > 0 ? sys->n_servers : 0;
  for (size_t i = 0; i < batch->n; i++) {
    double u = mec_hash_u01(st->hash_seed, batch->task[i].id);
    int target;
    if (m == 0) {
      target = 0;
    } else if (st->p_local < 0) {
      target = (int)(u * (m + 1)); /* uniform over 0..M */
    } else if (u < st->p_local) {
      target = 0;
    } else {
      /* u is uniform on [p_local, 1): rescale to [0, 1) and pick a server */
      target = 1 + (int)((u - st->p_local) / (1.0 - st->p_local) * m);
    }
    if (target > m) /* floating-point rounding at the top edge */
      target = m;
    out[i].target = target;
  }
  cost->flops = 3.0 * (double)batch->n; /* compare, rescale, scale per task */
  cost->iterations = (double)batch->n;  /* one candidate drawn per task */
  return 0;
}

static void random_destroy(void *state)
{
  free(state);
}

const mec_policy_ops_t mec_policy_random = {
    .name = "random",
    .summary = "uniform over {local, server 1..M} per task (seeded by task id); args: p_local=P",
    .init = random_init,
    .decide = random_decide,
    .observe = NULL,
    .destroy = random_destroy,
    .static_view = 1, /* reads only counts, speeds and hops */
};
