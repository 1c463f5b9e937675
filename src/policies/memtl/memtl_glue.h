/* memtl_glue.h - what the MEMTL policies (policy_memtl.c) share between the
 * simulator's view (mec_system_t, a slot's batch) and the paper's model
 * (memtl_system.h).
 *
 * Mapping (docs/policies.md, "MEMTL / MTFNN"):
 *   F       = server 1's core speed (cpu_hz) x the chunk's server fraction (below)
 *   kappa   = the kappa of the batch's first task's device (E = kappa f^2 c, as the simulator)
 *   P_u     = that device's tx_power_w (the energy eq. 5 charges for the upload)
 *   P_e, P_d = policy arguments p_exec, p_down (default 0.1 W and 0.3 W: the paper's public code)
 *   B       = sys bandwidth_hz, N0 = sys noise_w_per_hz x B (noise over the whole band),
 *             channel = orthogonal (the paper's equal sub-bands)
 *   per task: p_n = input_bits, c_n = cycles, q_n = output_bits, theta_n = deadline,
 *             r_n^local = the device's cpu_hz, h_n = sqrt(the device's current gain),
 *             a_n = policy argument alpha (default 0.5),
 *             u_n, d_n = the rates the simulator really gives this task's upload and download
 *             with bandwidth share 1/n_cell (src/actors/world.c: mec_shannon_bps(share W, power,
 *             gain, N0) with the device's tx_power_w up and the BS's bs_tx_power_w down), so
 *             eqs. 4-6 and C2 predict the simulated delays exactly.
 *
 * n_cell = max(batch size, number of devices) is the paper's N for the bands:
 * with one task per device per slot (the MEMTL cell) it is the batch; a
 * per-task decision (batch of 1) still gets the equal sub-band W / n_md, the
 * simulator's default split, so that concurrent uploads never share more than
 * W. A batch decided in chunks (memtl_glue_chunk_frac) hands chunk c of n_c
 * tasks the fraction n_c / n_cell of the server core, so that the reserved
 * CPU shares of one decision never sum above one core. */
#ifndef MECSIM_MEMTL_GLUE_H
#define MECSIM_MEMTL_GLUE_H
#include "policies/memtl/memtl_system.h"
#include "policies/policy.h"

/* Arguments every MEMTL policy shares. */
typedef struct memtl_glue_cfg {
  double alpha;  /* a_n of every task, [0, 1] */
  double p_exec; /* P_e, W */
  double p_down; /* P_d, W */
} memtl_glue_cfg_t;

/* Reads alpha=, p_exec=, p_down= (defaults 0.5, 0.1, 0.3) and range-checks
 * them. 0, or -1 with the policy error set. */
int memtl_glue_args(const char *args, memtl_glue_cfg_t *cfg);

/* Checks the world a MEMTL policy can decide in: a server, a known decider
 * speed. 0, or -1 with the policy error set. */
int memtl_glue_check_system(const mec_system_t *sys);

/* n_cell above. */
size_t memtl_glue_n_cell(const mec_system_t *sys, const mec_batch_t *batch);

/* The common parameters for a batch (kappa and P_u from its first task's
 * device); f_server = server 1's core speed x server_frac. 0, or -1 with the
 * policy error set (no server, empty batch). */
int memtl_glue_params(const mec_system_t *sys, const mec_batch_t *batch, const memtl_glue_cfg_t *cfg,
                      double server_frac, memtl_params_t *p);

/* The MTs of tasks task[0..n), their rates with bandwidth share 1 / n_cell. */
void memtl_glue_mts(const mec_system_t *sys, const mec_task_t *task, size_t n, size_t n_cell,
                    const memtl_glue_cfg_t *cfg, memtl_mt_t *mt);

/* Replaces each mt[i].h by the amplitude whose rate in channel model `mp`
 * (its channel, bandwidth, noise and P_u, for n MTs) equals mt[i].rate_up: how
 * a model trained on that channel sees the simulator's channel through its h
 * feature. The interference model (every MT on the whole band, the others
 * interfering) cannot give rates whose 2^(u/B) - 1 sum to 1 or more; such
 * rates keep their ratios and get the total received power P n / 3 (the
 * mean of the public code's h ~ U[0, 1]).
 * An MT without a rate keeps its h, and so do all when mp has no noise,
 * bandwidth or power (nothing to invert). */
void memtl_glue_equiv_h(const memtl_params_t *mp, memtl_mt_t *mt, size_t n);

/* Writes the decisions of n tasks: d[i] = 1 -> server 1 with bw_share =
 * 1 / n_cell and cpu_share = r[i] x server_frac (clamped into (0, 1]);
 * d[i] = 0 -> local (target 0; its shares stay the defaults: a local task
 * uploads nothing, so only offloaders use their sub-band). */
void memtl_glue_decide(size_t n, const int *d, const double *r, size_t n_cell, double server_frac,
                       mec_decision_t *out);
#endif
