/* policy_dtomalb.c - the trained DTOMALB, DTOMA, DQN-TOLB (joint and
 * branching) and IDQL-TOLB models as simulator policies ("dtomalb",
 * "dtoma", "dqn-tolb", "dqn-tolb-branch", "idql-tolb").
 *
 * Each loads a model file written by mecsim-train-dtomalb (cfg->model_in, or
 * the argument model=PATH, which wins) and decides per task from the same
 * observation as in training, built from mec_system_t: the servers' load
 * factors LD_m (server[s].load_factor), the task's bits and cycles, and the
 * MD's upload rate and CPU speed (dtomalb_obs_build).
 *
 *  - dtomalb, dtoma, idql-tolb: decentralized; the task of MD n goes to the
 *    argmax of MD n's own actor / Q-network. Cost: that network's forward
 *    pass, 2 flops per MAC, per task.
 *  - dqn-tolb, dqn-tolb-branch: centralized; one forward pass of the
 *    network per batch decides all its tasks (dqn-tolb: the argmax over all
 *    (M+1)^N joint actions, decoded per MD; -branch: the argmax of each
 *    MD's head). MDs without a task in the batch are given the mean task
 *    (so per-slot batching, where every MD has its task in the batch, is
 *    what they were trained for). Cost: one forward pass per batch (the
 *    joint one's (M+1)^N-wide output layer included).
 *
 * The model must be of the policy's algorithm and for the platform's N and
 * M; anything else is refused at init with a message naming the file. */
#include "policies/dtomalb/model.h"
#include "policies/policy.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dtomalb_policy {
  dtomalb_model_t *model;
  double *load;   /* [M] LD_m */
  double *obs;    /* [N * obs_dim] (dqn-tolb*: every MD) */
  double *state;  /* [state_dim] dqn-tolb* */
  int *has_task;  /* [N] dqn-tolb* */
  int *joint;     /* [N] dqn-tolb: the decoded joint action */
  double flops_per_decision;
} dtomalb_policy_t;

static const char *const dtomalb_policy_keys[] = {"model", NULL};

static void policy_destroy(void *state)
{
  dtomalb_policy_t *p = state;
  if (!p)
    return;
  dtomalb_model_free(p->model);
  free(p->load);
  free(p->obs);
  free(p->state);
  free(p->has_task);
  free(p->joint);
  free(p);
}

static int policy_init_algo(dtomalb_algo_t algo, void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  const char *name = dtomalb_algo_name(algo);
  *state = NULL;
  if (mec_policy_args_check(cfg->args, dtomalb_policy_keys, NULL, 0) != 0)
    return -1;
  char path[4096] = "";
  int rc = mec_policy_arg_string(cfg->args, "model", path, sizeof path);
  if (rc < 0)
    return -1;
  if (rc == 1 && cfg->model_in)
    snprintf(path, sizeof path, "%s", cfg->model_in);
  if (!path[0]) {
    mec_policy_set_error("%s: no model file: give --model-in PATH or the policy argument model=PATH "
                         "(train one with mecsim-train-dtomalb --algo %s --out PATH)",
                         name, name);
    return -1;
  }
  char err[1024];
  dtomalb_model_t *m = dtomalb_model_load(path, err, sizeof err);
  if (!m) { /* err names the file; mecsim prefixes "policy 'NAME': " */
    mec_policy_set_error("%s", err);
    return -1;
  }
  if (m->algo != algo) {
    /* a format-1 file's "dqn-tolb" was the branching network */
    const char *why = m->algo == DTOMALB_ALGO_DQN_TOLB_BRANCH && algo == DTOMALB_ALGO_DQN_TOLB && m->file_version == 1
                          ? " (a format-1 file, whose 'dqn-tolb' is the branching variant: run it with --policy "
                            "dqn-tolb-branch, or retrain with mecsim-train-dtomalb --algo dqn-tolb)"
                          : "";
    mec_policy_set_error("%s: model file '%s' holds a %s model, not %s%s", name, path, dtomalb_algo_name(m->algo),
                         name, why);
    dtomalb_model_free(m);
    return -1;
  }
  if (m->n_md != sys->n_md || m->n_servers != sys->n_servers) {
    mec_policy_set_error("%s: model file '%s' was trained for %d MDs and %d servers, the platform has %d MDs and "
                         "%d servers",
                         name, path, m->n_md, m->n_servers, sys->n_md, sys->n_servers);
    dtomalb_model_free(m);
    return -1;
  }
  dtomalb_policy_t *p = calloc(1, sizeof *p);
  if (!p) {
    dtomalb_model_free(m);
    mec_policy_set_error("%s: out of memory", name);
    return -1;
  }
  p->model = m;
  p->load = calloc((size_t)m->n_servers, sizeof(double));
  p->obs = calloc((size_t)m->n_md * m->obs_dim, sizeof(double));
  p->state = calloc((size_t)dtomalb_state_dim(m->n_md, m->n_servers), sizeof(double));
  p->has_task = calloc((size_t)m->n_md, sizeof(int));
  p->joint = calloc((size_t)m->n_md, sizeof(int));
  if (!p->load || !p->obs || !p->state || !p->has_task || !p->joint) {
    policy_destroy(p);
    mec_policy_set_error("%s: out of memory", name);
    return -1;
  }
  p->flops_per_decision = 2.0 * (double)dtomalb_model_decision_macs(m);
  *state = p;
  return 0;
}

static int argmax(const double *v, int n)
{
  int b = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[b])
      b = i;
  return b;
}

static int policy_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                         mec_cost_t *cost)
{
  dtomalb_policy_t *p = state;
  dtomalb_model_t *m = p->model;
  const char *name = dtomalb_algo_name(m->algo);
  int N = m->n_md, M = m->n_servers, A = m->n_actions, d = m->obs_dim;
  if (sys->n_md != N || sys->n_servers != M) {
    mec_policy_set_error("%s: the platform changed size (%d MDs, %d servers; model: %d, %d)", name, sys->n_md,
                         sys->n_servers, N, M);
    return -1;
  }
  for (int s = 0; s < M; s++)
    p->load[s] = sys->server[s].load_factor;
  for (size_t i = 0; i < batch->n; i++) {
    int n = batch->task[i].md;
    if (n < 0 || n >= N) {
      mec_policy_set_error("%s: task %llu comes from MD %d, outside 0..%d", name,
                           (unsigned long long)batch->task[i].id, n, N - 1);
      return -1;
    }
  }
  cost->model_size = (double)dtomalb_model_decision_params(m);

  if (!dtomalb_algo_is_central(m->algo)) {
    for (size_t i = 0; i < batch->n; i++) {
      const mec_task_t *t = &batch->task[i];
      const mec_md_info_t *md = &sys->md[t->md];
      double *o = p->obs + (size_t)t->md * d;
      dtomalb_obs_build(&m->scale, M, p->load, t->input_bits, t->cycles, md->up_rate_bps, md->cpu_hz, o);
      const double *y = nn_net_forward(m->net[t->md], o, 1);
      if (!y) {
        mec_policy_set_error("%s: %s", name, nn_last_error());
        return -1;
      }
      out[i].target = argmax(y, A);
    }
    cost->flops = p->flops_per_decision * (double)batch->n;
    cost->iterations = (double)batch->n;
    return 0;
  }

  /* DQN-TOLB (either): one centralized decision for the batch */
  memset(p->has_task, 0, sizeof(int) * N);
  for (size_t i = 0; i < batch->n; i++) {
    const mec_task_t *t = &batch->task[i];
    const mec_md_info_t *md = &sys->md[t->md];
    dtomalb_obs_build(&m->scale, M, p->load, t->input_bits, t->cycles, md->up_rate_bps, md->cpu_hz,
                      p->obs + (size_t)t->md * d);
    p->has_task[t->md] = 1;
  }
  for (int n = 0; n < N; n++)
    if (!p->has_task[n])
      dtomalb_obs_build(&m->scale, M, p->load, m->scale.bits, m->scale.cycles, sys->md[n].up_rate_bps,
                        sys->md[n].cpu_hz, p->obs + (size_t)n * d);
  dtomalb_state_from_obs(N, M, p->obs, p->state);
  const double *q = nn_net_forward(m->net[0], p->state, 1);
  if (!q) {
    mec_policy_set_error("%s: %s", name, nn_last_error());
    return -1;
  }
  if (m->algo == DTOMALB_ALGO_DQN_TOLB) {
    dtomalb_joint_decode(N, M, dtomalb_joint_argmax(q, nn_net_n_out(m->net[0])), p->joint);
    for (size_t i = 0; i < batch->n; i++)
      out[i].target = p->joint[batch->task[i].md];
  } else {
    for (size_t i = 0; i < batch->n; i++)
      out[i].target = argmax(q + (size_t)batch->task[i].md * A, A);
  }
  cost->flops = batch->n ? p->flops_per_decision : 0.0;
  cost->iterations = batch->n ? 1.0 : 0.0;
  return 0;
}

static int init_dtomalb(void **s, const mec_policy_cfg_t *c, const mec_system_t *y)
{
  return policy_init_algo(DTOMALB_ALGO_DTOMALB, s, c, y);
}
static int init_dtoma(void **s, const mec_policy_cfg_t *c, const mec_system_t *y)
{
  return policy_init_algo(DTOMALB_ALGO_DTOMA, s, c, y);
}
static int init_dqn_tolb(void **s, const mec_policy_cfg_t *c, const mec_system_t *y)
{
  return policy_init_algo(DTOMALB_ALGO_DQN_TOLB, s, c, y);
}
static int init_dqn_tolb_branch(void **s, const mec_policy_cfg_t *c, const mec_system_t *y)
{
  return policy_init_algo(DTOMALB_ALGO_DQN_TOLB_BRANCH, s, c, y);
}
static int init_idql_tolb(void **s, const mec_policy_cfg_t *c, const mec_system_t *y)
{
  return policy_init_algo(DTOMALB_ALGO_IDQL_TOLB, s, c, y);
}

const mec_policy_ops_t mec_policy_dtomalb = {
    .name = "dtomalb",
    .summary = "DTOMALB: trained MADDPG actor per MD over {local, servers} from load factors (model=PATH)",
    .init = init_dtomalb,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

const mec_policy_ops_t mec_policy_dtoma = {
    .name = "dtoma",
    .summary = "DTOMA: DTOMALB trained without the load-balancing reward term (model=PATH)",
    .init = init_dtoma,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

const mec_policy_ops_t mec_policy_dqn_tolb = {
    .name = "dqn-tolb",
    .summary = "DQN-TOLB: centralized DQN over the joint action ((M+1)^N <= 7776), decides a whole batch "
               "(model=PATH)",
    .init = init_dqn_tolb,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

const mec_policy_ops_t mec_policy_dqn_tolb_branch = {
    .name = "dqn-tolb-branch",
    .summary = "DQN-TOLB with action branching: centralized DQN, one head per MD, decides a whole batch "
               "(model=PATH)",
    .init = init_dqn_tolb_branch,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

const mec_policy_ops_t mec_policy_idql_tolb = {
    .name = "idql-tolb",
    .summary = "IDQL-TOLB: independent DQN per MD (model=PATH)",
    .init = init_idql_tolb,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};
