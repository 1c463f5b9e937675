/* policy_bcos_dnn.c - the BCOS paper's trained networks as simulator
 * policies (docs/bcos.md "Networks and training", docs/policies.md "BCOS"):
 *
 *  - bcos: the student (binary offloading, eq. 15): offloaders get target 1,
 *    tx_power_w = p_k, a TDMA window tx_window = t_k at tx_offset = the sum
 *    of the previous offloaders' t_k in batch order; the others run locally.
 *  - pcos: the teacher (partial offloading, eq. 23): an MD with a_aux > 0
 *    offloads, with offload_frac = a_aux when 0 < a_aux < 1 (the rest runs
 *    locally), in the same TDMA frame.
 *
 * Args: model=PATH (or the --model knob, cfg->model_in), a file written by
 * mecsim-train-bcos; guard=S (default 0) as for bcos-opt / mcos: the model's
 * T is sys->slot_s - guard; windows=net (default) | upload: the TDMA windows
 * as the t-FCN gives them (eq. 14, the paper), or fitted by the BS to the
 * uploads the decided powers need (t_k = a_k B_k / r_k(p_k), the frame packed
 * in batch order; docs/bcos.md "Windows"). Per-slot: each task of the batch is one of the
 * paper's MDs, mapped as policy_bcos.c maps them (B_k = input_bits, C_k =
 * cycles / input_bits, f_k = the MD's cpu_hz, h_k = its gain, W =
 * sys->bandwidth_hz, N0 = sys->noise_w_per_hz x W, T = sys->slot_s - guard,
 * eps = the MD's kappa); p_max is the model's (eq. 13 scales by it). A
 * model trained for K MDs decides batches of exactly K tasks; other batch
 * sizes are refused at decide time. A task without input bits runs locally
 * (fed to the networks with B = 0). The networks see B, C, f and h only:
 * T enters through m+ (eqs. 15, 23) and the t layer (eq. 14), so a slot
 * other than the model's trained T is used as is but was not trained for.
 *
 * Compute charged on the BS: 2 flops per MAC of the three FCNs run (the
 * shared a-FCN and the role's t- and p-FCNs, nn_net_macs); cost->macs =
 * those MACs, cost->model_size = their parameters. */
#include "policies/bcos/bcos_glue.h"
#include "policies/bcos/bcos_model.h"
#include "policies/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The simulator reads a power <= 0 as "the MD's default": an offloader the
 * sigmoid drove to exactly 0 W gets this floor instead. */
#define P_FLOOR_W 1e-15

typedef struct dnn_policy {
  bcos_model_t *m;
  bcos_role_t role;
  double guard;
  int fit_windows;     /* windows=upload */
  double *a, *t, *p;   /* [K] */
  bcos_md_t *md;       /* [K] */
} dnn_policy_t;

static const char *const keys[] = {"model", "guard", "windows", NULL};

static void policy_destroy(void *state)
{
  dnn_policy_t *st = state;
  if (!st)
    return;
  bcos_model_free(st->m);
  free(st->a);
  free(st->t);
  free(st->p);
  free(st->md);
  free(st);
}

static int policy_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys, bcos_role_t role)
{
  *state = NULL;
  const char *name = role == BCOS_TEACHER ? "pcos" : "bcos";
  if (mec_policy_args_check(cfg->args, keys, NULL, 0) != 0)
    return -1;
  double guard = 0;
  char path[4096] = "";
  if (bcos_glue_check(name, cfg->args, sys, &guard) != 0)
    return -1;
  int rc = mec_policy_arg_string(cfg->args, "model", path, sizeof path);
  if (rc < 0)
    return -1;
  char windows[16] = "net";
  if (mec_policy_arg_string(cfg->args, "windows", windows, sizeof windows) < 0)
    return -1;
  if (strcmp(windows, "net") != 0 && strcmp(windows, "upload") != 0) {
    mec_policy_set_error("%s: windows=%s: expected net (the t-network's windows, eq. 14) or upload (windows "
                         "fitted to the decided powers' upload times)",
                         name, windows);
    return -1;
  }
  if (rc == 1 && cfg->model_in)
    snprintf(path, sizeof path, "%s", cfg->model_in);
  if (!path[0]) {
    mec_policy_set_error("%s: no model file: give the knob model=PATH or the policy argument model=PATH (a model "
                         "trained by mecsim-train-bcos)",
                         name);
    return -1;
  }
  dnn_policy_t *st = calloc(1, sizeof *st);
  if (!st) {
    mec_policy_set_error("out of memory");
    return -1;
  }
  st->role = role;
  st->guard = guard;
  st->fit_windows = strcmp(windows, "upload") == 0;
  st->m = bcos_model_load(path);
  if (!st->m) {
    mec_policy_set_error("%s: %s", name, bcos_model_error());
    policy_destroy(st);
    return -1;
  }
  size_t K = st->m->K;
  st->a = calloc(K, sizeof *st->a);
  st->t = calloc(K, sizeof *st->t);
  st->p = calloc(K, sizeof *st->p);
  st->md = calloc(K, sizeof *st->md);
  if (!st->a || !st->t || !st->p || !st->md) {
    mec_policy_set_error("out of memory");
    policy_destroy(st);
    return -1;
  }
  *state = st;
  return 0;
}

static int bcos_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  return policy_init(state, cfg, sys, BCOS_STUDENT);
}

static int pcos_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  return policy_init(state, cfg, sys, BCOS_TEACHER);
}

static int policy_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                         mec_cost_t *cost)
{
  dnn_policy_t *st = state;
  const char *name = st->role == BCOS_TEACHER ? "pcos" : "bcos";
  bcos_model_t *m = st->m;
  const size_t K = m->K;
  if (batch->n != K) {
    mec_policy_set_error("%s: the model decides slots of exactly K = %zu tasks, this batch has %zu (run "
                         "decide=per-slot with %zu MDs sending one task per slot, or train a model for this K)",
                         name, K, batch->n, K);
    return -1;
  }
  for (size_t k = 0; k < K; k++) {
    const mec_task_t *tk = &batch->task[k];
    if (tk->md < 0 || tk->md >= sys->n_md) {
      mec_policy_set_error("%s: task %llu comes from MD %d, outside 0..%d", name, (unsigned long long)tk->id, tk->md,
                           sys->n_md - 1);
      return -1;
    }
    const mec_md_info_t *mi = &sys->md[tk->md];
    int has_bits = tk->input_bits > 0;
    st->md[k] = (bcos_md_t){.bits = has_bits ? tk->input_bits : 0.0,
                            .cycles_per_bit = has_bits ? tk->cycles / tk->input_bits : BCOS_CPB_MIN,
                            .f_local = mi->cpu_hz,
                            .gain = mi->gain,
                            .beta = 1.0};
    if (!isfinite(st->md[k].cycles_per_bit) || st->md[k].cycles_per_bit < 0 || !isfinite(st->md[k].f_local) ||
        !isfinite(st->md[k].gain)) {
      mec_policy_set_error("%s: task %llu has a non-finite or negative size, cycle count, CPU speed or gain", name,
                           (unsigned long long)tk->id);
      return -1;
    }
  }
  /* this cell's system; p_max stays the model's (eq. 13) */
  bcos_params_t keep = m->par;
  m->par.bandwidth_hz = sys->bandwidth_hz;
  m->par.noise_w = sys->noise_w_per_hz * sys->bandwidth_hz;
  m->par.slot_s = sys->slot_s - st->guard;
  m->par.eps = sys->md[batch->task[0].md].kappa;
  int rc = bcos_model_forward(m, st->role, st->md, 1, st->a, st->t, st->p);
  if (rc < 0) {
    m->par = keep;
    mec_policy_set_error("%s: %s", name, bcos_model_error());
    return -1;
  }
  for (size_t k = 0; k < K; k++) {
    out[k].target = 0;
    /* a task without bits has nothing to offload; the teacher's a is the offloaded fraction */
    st->a[k] = st->md[k].bits > 0 && st->a[k] > 0 ? (st->role == BCOS_TEACHER ? st->a[k] : 1.0) : 0.0;
    /* windows=upload: the BS knows B, h and the decided p, so it can give each
     * offloader exactly the air time its upload needs (C5 holds with equality) */
    if (st->fit_windows && st->a[k] > 0) {
      double up = st->a[k] * bcos_offload_time(&m->par, &st->md[k], st->p[k] > 0 ? st->p[k] : P_FLOOR_W);
      if (isfinite(up)) /* a zero channel keeps the network's window (the upload then never ends in it) */
        st->t[k] = up;
    }
  }
  m->par = keep;
  bcos_glue_tdma(K, NULL, st->a, st->t, st->p, P_FLOOR_W, out);
  uint64_t macs = bcos_model_macs(m);
  cost->macs = (double)macs;
  cost->flops = 2.0 * (double)macs;
  cost->model_size = (double)bcos_model_params(m);
  cost->iterations = 1;
  return 0;
}

const mec_policy_ops_t mec_policy_bcos = {
    .name = "bcos",
    .summary = "BCOS paper's trained student network (unsupervised DNN, Algorithm 1): binary offloading, TDMA "
               "time and power per slot of exactly the model's K tasks; per-slot; args: model=PATH "
               "(mecsim-train-bcos), guard=0 (s), windows=net|upload",
    .init = bcos_init,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

const mec_policy_ops_t mec_policy_pcos = {
    .name = "pcos",
    .summary = "BCOS paper's PCOS: the trained teacher network, partial offloading fractions, TDMA time and "
               "power per slot of exactly the model's K tasks; per-slot; args: model=PATH (mecsim-train-bcos), "
               "guard=0 (s), windows=net|upload",
    .init = pcos_init,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};
