/* tpos_sim.c - DNN tasks in the simulation: sizes from the profile and the
 * per-layer work split (see tpos_sim.h for the cycle mapping). */
#include "actors/tpos_sim.h"
#include "policies/tpos/tpos_policy.h"

#include <stdlib.h>
#include <string.h>

static struct {
  int built[MEC_DNN_COUNT];
  mec_tpos_work_t work[MEC_DNN_COUNT];
  mec_tpos_params_t fallback;
  int have_fallback;
} g_tpos;

mec_tpos_sim_role_t mec_tpos_sim_role(void)
{
  const mec_policy_ops_t *op = mec_world->policy;
  if (op == &mec_policy_tpos_cai || op == &mec_policy_tpos_uai)
    return MEC_TPOS_SIM_GAME;
  if (op == &mec_policy_tpos_gtpos || op == &mec_policy_tpos_full_offload || op == &mec_policy_tpos_local)
    return MEC_TPOS_SIM_PLAIN;
  return MEC_TPOS_SIM_NONE;
}

const mec_tpos_params_t *mec_tpos_sim_params(void)
{
  if (mec_tpos_sim_role() != MEC_TPOS_SIM_NONE)
    return mec_tpos_policy_params(mec_world->policy_state);
  if (!g_tpos.have_fallback) {
    g_tpos.fallback = mec_tpos_params_scaled();
    g_tpos.have_fallback = 1;
  }
  return &g_tpos.fallback;
}

/* Layer times at the reference clocks, converted to cycles: a host of speed
 * f then runs layer m in cycles / f, which is eq. 6 (7) rescaled to f exactly
 * as the game's table is (lo_scale = md_ref_hz / f, se x server_ref_hz / f). */
static int build_work(int kind, mec_tpos_work_t *wk)
{
  const mec_tpos_params_t *p = mec_tpos_sim_params();
  mec_dnn_profile_t *prof = mec_dnn_profile_new(kind, p->bits_per_element);
  mec_tpos_dnn_t *d = prof ? mec_tpos_dnn_new(prof, p, p->server_ref_hz) : NULL;
  mec_dnn_profile_free(prof);
  if (!d)
    return -1;
  memset(wk, 0, sizeof *wk);
  wk->M = d->M;
  for (int m = 0; m <= d->M; m++) {
    wk->lo_prefix[m] = d->lo_prefix[m] * p->md_ref_hz;
    wk->out_bits[m] = d->out_bits[m];
    if (m > 0)
      wk->se_cycles[m] = d->t_se[m] * p->server_ref_hz;
  }
  wk->se_suffix[d->M] = 0;
  for (int m = d->M - 1; m >= 0; m--)
    wk->se_suffix[m] = wk->se_suffix[m + 1] + wk->se_cycles[m + 1];
  mec_tpos_dnn_free(d);
  return 0;
}

const mec_tpos_work_t *mec_tpos_sim_work(int kind)
{
  if (kind < 0 || kind >= MEC_DNN_COUNT)
    return NULL;
  if (!g_tpos.built[kind]) {
    if (build_work(kind, &g_tpos.work[kind]) != 0) {
      mec_world_fail("TPOS: cannot build the %s profile (out of memory)", mec_dnn_kind_name(kind));
      return NULL;
    }
    g_tpos.built[kind] = 1;
  }
  return &g_tpos.work[kind];
}

int mec_tpos_sim_size_task(mec_task_ctx_t *ctx)
{
  const mec_tpos_work_t *wk = mec_tpos_sim_work(ctx->task.dnn);
  if (!wk)
    return -1;
  ctx->task.input_bits = wk->out_bits[0];
  ctx->task.cycles = wk->lo_prefix[wk->M];
  ctx->task.output_bits = wk->out_bits[wk->M];
  return 0;
}

void mec_tpos_sim_split(const mec_task_ctx_t *ctx, int m, double *local_cycles, double *upload_bits,
                        double *server_cycles)
{
  const mec_tpos_work_t *wk = mec_tpos_sim_work(ctx->task.dnn); /* built by mec_tpos_sim_size_task */
  if (m < 0)
    m = 0;
  if (m > wk->M)
    m = wk->M;
  *local_cycles = wk->lo_prefix[m];
  *upload_bits = wk->out_bits[m];
  *server_cycles = wk->se_suffix[m];
}
