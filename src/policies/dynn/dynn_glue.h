/* dynn_glue.h - what the DyNN policies share between the simulator's view
 * (mec_system_t, a slot's batch) and the paper's model (dynn_cost.h).
 *
 * Mapping (docs/dynn.md, "In the simulator"):
 *   s_i   = task input_bits            c_i = task cycles / input_bits (0 if no bits)
 *   d_i   = task deadline (relative)   l_i = md distance_m
 *   f_loc = md cpu_hz (0 with no_local)  gain = md gain (the channel the simulator uses)
 *   b_max = sys bandwidth_hz           f_ser = server 1's core speed (cpu_hz)
 *   f_infer = sys decider_hz (the BS host that executes the decision)
 *   p     = the device's tx_power_w    sigma0 = sys noise_w_per_hz
 *   mu    = the device's kappa (eq. 6, E = kappa f^2 c)
 * A decision sends offloaded tasks to server 1 with bw_share = b_i / b_max and
 * cpu_share = f_i / f_ser, which the simulator executes as real shares. */
#ifndef MECSIM_DYNN_GLUE_H
#define MECSIM_DYNN_GLUE_H
#include "policies/dynn/dynn_cost.h"
#include "policies/policy.h"

/* Fills users[0..batch->n) and *p (starting from dynn_params_default() with
 * lambda) from the simulator's state. no_local: users have no local CPU (the
 * paper's first case). Returns 0, or -1 with the policy error set (no server,
 * unknown decider speed). */
int dynn_glue_users(const mec_system_t *sys, const mec_batch_t *batch, double lambda, int no_local,
                    dynn_params_t *p, dynn_user_t *users);

/* Writes the decisions: x[i] = 1 -> server 1 with the shares b[i] / b_max and
 * f[i] / f_ser (clamped into (0, 1]); x[i] = 0 -> local. */
void dynn_glue_decide(const dynn_params_t *p, size_t n, const int *x, const double *b, const double *f,
                      mec_decision_t *out);

/* Equal split of b_max and f_ser among the offloaded users (x[i] = 1). */
void dynn_glue_equal_split(const dynn_params_t *p, size_t n, const int *x, double *b, double *f);

/* Reads the arguments every DyNN policy shares: lambda=X (cycles per MAC, > 0,
 * default 1) and no_local=0|1. 0 or -1 with the policy error set. */
int dynn_glue_common_args(const char *args, double *lambda, int *no_local);
#endif
