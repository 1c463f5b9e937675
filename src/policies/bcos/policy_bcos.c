/* policy_bcos.c - the BCOS paper's exact optimum and its MCOS baseline as
 * simulator policies (docs/bcos.md, docs/policies.md "BCOS").
 *
 * Each task of a per-slot batch is one of the paper's MDs k, mapped from the
 * simulator's state: B_k = input_bits, C_k = cycles / input_bits, f_k = the
 * MD's cpu_hz, h_k = the MD's current gain (Rayleigh-faded per slot with
 * fading=rayleigh), beta_k = 1; W = sys->bandwidth_hz, N0 =
 * sys->noise_w_per_hz x W, T = sys->slot_s - guard, p_max = arg pmax (default
 * the MDs' tx_power_w), eps = the MDs' kappa. The paper has one eps and one
 * p_max, so MDs of a batch with different kappa (or, without pmax=,
 * different tx_power_w) are refused. A task with no input bits has no C_k:
 * it runs locally, outside the optimisation.
 *
 *  - bcos-opt: bcos_opt_solve per slot (K <= 16 tasks: a cell of more MDs
 *    is refused at start, a larger batch when it comes). Offloaders get
 *    target 1, tx_power_w = p_k, a TDMA window tx_window = t_k starting at
 *    tx_offset = the sum of the previous offloaders' t_k in batch order;
 *    the others run locally. Compute charged on the BS: evals x
 *    BCOS_OPT_FLOPS_PER_EVAL flops (cost->iterations = offloading vectors
 *    solved). An infeasible slot is executed with the fallback decision of
 *    bcos_opt_solve (it overruns the slot).
 *  - mcos: bcos_mcos per slot. MDs that cannot finish locally offload the
 *    fraction m_k (offload_frac, partial offloading) at p_max in TDMA windows
 *    of t_k as above; the rest run locally. Compute charged:
 *    MCOS_FLOPS_PER_MD per task.
 *
 * guard=S (default 0) keeps S seconds of the slot free of uploads and local
 * work, for what the paper neglects and the simulator does not: the
 * decision's own compute (the windows start when it ends), the fiber and
 * the edge execution. */
#include "policies/bcos/bcos_glue.h"
#include "policies/bcos/bcos_opt.h"
#include "policies/policy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MCOS_FLOPS_PER_MD 12.0 /* a division, a log2 and a few multiply-adds */

typedef struct bcos_policy {
  int mcos;    /* 1: MCOS, 0: exact optimum */
  double pmax; /* > 0: pmax= given */
  double guard;
} bcos_policy_t;

static const char *const keys[] = {"pmax", "guard", NULL};

static int policy_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys, int mcos)
{
  *state = NULL;
  const char *name = mcos ? "mcos" : "bcos-opt";
  if (mec_policy_args_check(cfg->args, keys, NULL, 0) != 0)
    return -1;
  double pmax = 0, guard = 0;
  int rc = mec_policy_arg_double(cfg->args, "pmax", &pmax);
  if (rc < 0)
    return -1;
  if (rc == 0 && !(isfinite(pmax) && pmax > 0 && pmax <= 100)) {
    mec_policy_set_error("%s: pmax=%g: expected the maximum transmit power in W, in (0, 100] (Table 1: 0.1995 = "
                         "23 dBm)",
                         name, pmax);
    return -1;
  }
  if (bcos_glue_check(name, cfg->args, sys, &guard) != 0)
    return -1;
  if (!mcos && sys->n_md > BCOS_OPT_MAX_K) {
    mec_policy_set_error("bcos-opt: the cell has %d MDs, more than %d tasks per slot; the exact optimum enumerates "
                         "2^K offloading vectors (K <= %d): use mcos or fewer MDs",
                         sys->n_md, BCOS_OPT_MAX_K, BCOS_OPT_MAX_K);
    return -1;
  }
  bcos_policy_t *st = calloc(1, sizeof *st);
  if (!st) {
    mec_policy_set_error("out of memory");
    return -1;
  }
  st->mcos = mcos;
  st->pmax = rc == 0 ? pmax : 0;
  st->guard = guard;
  *state = st;
  return 0;
}

static int opt_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  return policy_init(state, cfg, sys, 0);
}

static int mcos_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  return policy_init(state, cfg, sys, 1);
}

/* The paper's parameters and MDs for the batch's tasks with input bits
 * (idx[j] = batch index of paper MD j). Returns the count, or -1 (error set). */
static int build(const bcos_policy_t *st, const mec_system_t *sys, const mec_batch_t *batch, bcos_params_t *p,
                 bcos_md_t *md, size_t *idx)
{
  const char *name = st->mcos ? "mcos" : "bcos-opt";
  int m = 0, first = -1;
  for (size_t i = 0; i < batch->n; i++) {
    const mec_task_t *tk = &batch->task[i];
    if (tk->md < 0 || tk->md >= sys->n_md) {
      mec_policy_set_error("%s: task %llu comes from MD %d, outside 0..%d", name, (unsigned long long)tk->id, tk->md,
                           sys->n_md - 1);
      return -1;
    }
    if (!(tk->input_bits > 0))
      continue;
    const mec_md_info_t *mi = &sys->md[tk->md];
    if (first < 0) {
      first = tk->md;
    } else {
      const mec_md_info_t *f = &sys->md[first];
      if (mi->kappa != f->kappa) {
        mec_policy_set_error("%s: MDs %d and %d have kappa %g and %g; the BCOS model has one chip parameter eps",
                             name, first, tk->md, f->kappa, mi->kappa);
        return -1;
      }
      if (!(st->pmax > 0) && mi->tx_power_w != f->tx_power_w) {
        mec_policy_set_error("%s: MDs %d and %d have tx_power %g and %g W; the BCOS model has one p_max: give "
                             "pmax=",
                             name, first, tk->md, f->tx_power_w, mi->tx_power_w);
        return -1;
      }
    }
    if (!st->mcos && m >= BCOS_OPT_MAX_K) {
      mec_policy_set_error("bcos-opt: a slot of more than %d tasks (%zu in this batch); the exact optimum "
                           "enumerates 2^K offloading vectors: use fewer MDs per slot",
                           BCOS_OPT_MAX_K, batch->n);
      return -1;
    }
    md[m] = (bcos_md_t){.bits = tk->input_bits,
                        .cycles_per_bit = tk->cycles / tk->input_bits,
                        .f_local = mi->cpu_hz,
                        .gain = mi->gain,
                        .beta = 1.0};
    idx[m++] = i;
  }
  const mec_md_info_t *f = first >= 0 ? &sys->md[first] : NULL;
  *p = (bcos_params_t){.bandwidth_hz = sys->bandwidth_hz,
                       .p_max_w = st->pmax > 0 ? st->pmax : (f ? f->tx_power_w : 0),
                       .noise_w = sys->noise_w_per_hz * sys->bandwidth_hz,
                       .slot_s = sys->slot_s - st->guard,
                       .eps = f ? f->kappa : 0};
  if (m > 0 && !(p->p_max_w > 0)) {
    mec_policy_set_error("%s: p_max = %g W (the MDs' tx_power): give pmax= > 0", name, p->p_max_w);
    return -1;
  }
  return m;
}

static int policy_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                         mec_cost_t *cost)
{
  bcos_policy_t *st = state;
  size_t n = batch->n;
  bcos_params_t p;
  bcos_md_t *md = calloc(n ? n : 1, sizeof *md);
  size_t *idx = calloc(n ? n : 1, sizeof *idx);
  double *t = calloc(n ? n : 1, sizeof *t), *pw = calloc(n ? n : 1, sizeof *pw), *m = calloc(n ? n : 1, sizeof *m);
  int *a = calloc(n ? n : 1, sizeof *a);
  int ret = -1;
  if (!md || !idx || !t || !pw || !m || !a) {
    mec_policy_set_error("out of memory");
    goto done;
  }
  int k = build(st, sys, batch, &p, md, idx);
  if (k < 0)
    goto done;
  for (size_t i = 0; i < n; i++)
    out[i].target = 0; /* tasks without input bits, and local MDs */
  if (k == 0) {
    ret = 0;
    goto done;
  }
  if (st->mcos) {
    bcos_mcos_result_t r;
    if (bcos_mcos(&p, md, (size_t)k, m, t, pw, &r) != 0) {
      mec_policy_set_error("mcos: invalid task or MD values in the slot (negative or non-finite)");
      goto done;
    }
    for (int j = 0; j < k; j++)
      a[j] = m[j] > 0;
    cost->flops = MCOS_FLOPS_PER_MD * (double)k;
    cost->iterations = 1;
  } else {
    bcos_opt_result_t r;
    if (bcos_opt_solve(&p, md, (size_t)k, a, t, pw, &r) != 0)
      goto done; /* error set, names the limit or the bad value */
    cost->flops = r.evals * BCOS_OPT_FLOPS_PER_EVAL;
    cost->iterations = r.combos;
  }
  /* TDMA frame: the offloaders' windows back to back in batch order (m: reused as the offloaded fraction) */
  for (int j = 0; j < k; j++)
    m[j] = !a[j] ? 0.0 : st->mcos ? m[j] : 1.0;
  bcos_glue_tdma((size_t)k, idx, m, t, pw, p.p_max_w, out);
  ret = 0;
done:
  free(md);
  free(idx);
  free(t);
  free(pw);
  free(m);
  free(a);
  return ret;
}

static void policy_destroy(void *state)
{
  free(state);
}

const mec_policy_ops_t mec_policy_bcos_opt = {
    .name = "bcos-opt",
    .summary = "BCOS paper's P1 solved exactly per slot: every binary offloading vector, convex TDMA time and "
               "power allocation, minimum MD energy within slot T (K <= 16); per-slot; args: pmax=the MDs' "
               "tx_power (W), guard=0 (s)",
    .init = opt_init,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};

const mec_policy_ops_t mec_policy_mcos = {
    .name = "mcos",
    .summary = "BCOS paper's MCOS baseline: local first, the part that cannot finish within slot T offloaded "
               "(partial) at p_max in TDMA windows; per-slot; args: pmax=the MDs' tx_power (W), guard=0 (s)",
    .init = mcos_init,
    .decide = policy_decide,
    .observe = NULL,
    .destroy = policy_destroy,
};
