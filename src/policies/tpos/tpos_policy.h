/* tpos_policy.h - the TPOS policies as mec_policy_ops_t (registered by name
 * in src/policies/registry.c):
 *
 *   tpos-cai           Algorithm 1: the game with server feedback, run to
 *                      convergence on the slot's batch (one player per task).
 *   tpos-uai           Algorithm 2: the same with eq. 29 estimates.
 *   tpos-gtpos         Case 2: central minimum of the average delay (Rules 3-4).
 *   tpos-full-offload  Case 3: whole task offloaded (m* = 0).
 *   tpos-local         Case 4: whole task local (m* = M).
 *
 * Each task must carry a DNN kind (mec_task_t.dnn); the decision sets
 * target (0 local / 1 = the single TPOS server, index 0), partition = m*,
 * slot = the last slot used h_{n,max} (-1 when local or without slots) and
 * price = what the MD pays (eq. 23's C^P). The full per-layer slot map of
 * task i of the last batch is mec_tpos_policy_strategy(state, i).
 *
 * decide() of tpos-cai / tpos-uai runs mec_tpos_game_run: the central loop
 * the simulator can later replace by real messages between actors, calling
 * the same mec_tpos_agent_* / mec_tpos_server_* step functions.
 *
 * Arguments (key=value, all optional): preset=paper|scaled (default
 * scaled), H, B, Td, tau, alpha, beta, gamma, c_t, c_e, delta, f_s,
 * price_unit, wake, eps, max_ticks, improve, uai_step, radius (UAI
 * neighbours: MDs whose distance to the base station differs by at most
 * radius metres; default: every MD is a neighbour; in the simulator: MDs
 * within radius metres in the plane), budget (GTPOS exact search budget,
 * default 2e6), round (simulator only: length of a game round, s, default
 * 2e-3), carry (simulator only, tpos-cai / tpos-uai: 1 = continuous
 * operation, default 0), admit (with carry=1: drop a task whose predicted
 * delay exceeds admit x tau; default 2, 0 = never drop), lead (with
 * carry=1: time the game is assumed to take, s; default 0 = the previous
 * period's game). */
#ifndef MECSIM_TPOS_POLICY_H
#define MECSIM_TPOS_POLICY_H
#include <stddef.h>

#include "policies/policy.h"
#include "policies/tpos/tpos_game.h"
#include "policies/tpos/tpos_model.h"

extern const mec_policy_ops_t mec_policy_tpos_cai;
extern const mec_policy_ops_t mec_policy_tpos_uai;
extern const mec_policy_ops_t mec_policy_tpos_gtpos;
extern const mec_policy_ops_t mec_policy_tpos_full_offload;
extern const mec_policy_ops_t mec_policy_tpos_local;

/* Strategy chosen for task i of the last decide() of a TPOS policy state
 * (owned by the state, valid until the next decide or destroy); NULL if i is
 * out of range. */
const mec_tpos_strategy_t *mec_tpos_policy_strategy(const void *state, size_t i);
/* The parameters the policy uses (owned by the state). */
const mec_tpos_params_t *mec_tpos_policy_params(const void *state);

/* For the simulator, which runs the CAI / UAI game as messages between actors
 * (src/actors/tpos_game_actors.c) instead of calling decide():
 * the game configuration (owned by the state; all_neighbours / radius_m as
 * the policy arguments set them), the per-network time table of a DNN kind
 * (owned by the state; NULL for a bad kind), and the game's view of the MD
 * that issued task t, as decide() builds it (0, or -1 with the policy error
 * set when the task carries no DNN kind). */
const mec_tpos_game_cfg_t *mec_tpos_policy_game_cfg(const void *state);
/* Continuous operation of the game in the simulator (docs/tpos.md,
 * "Continuous operation"). */
typedef struct mec_tpos_carry_cfg {
  int on;        /* carry=1 */
  double admit;  /* drop factor on tau (0 = admit all) */
  double lead_s; /* assumed game length, s (0 = the previous period's) */
} mec_tpos_carry_cfg_t;
const mec_tpos_carry_cfg_t *mec_tpos_policy_carry(const void *state);
/* Length of one game round in the simulator, s (argument round, default 2 ms). */
double mec_tpos_policy_round(const void *state);
const mec_tpos_dnn_t *mec_tpos_policy_table(const void *state, int kind);
int mec_tpos_policy_md(const void *state, const mec_system_t *sys, const mec_task_t *t, mec_tpos_md_t *md);
#endif
