/* tpos_game.h - pure-C driver of Algorithms 1 (TPOS-CAI) and 2 (TPOS-UAI)
 * for tests, the mecsim-tpos-game tool and the tpos-cai / tpos-uai policies.
 * It runs the message-driven state machines of tpos_agent.h in a loop,
 * delivering every message at once (no simulated time).
 *
 * Loop: at every tick each MD wakes up independently with probability
 * wake_prob (step 6); the active MDs then run their wake-up one after the
 * other in a random order (steps 9-10), UAI MDs hearing from their active
 * neighbours. After the tick the average cost C-bar (step 11) is read.
 *
 * Stopping rule (step 12, made concrete, docs/tpos.md): stop when the average
 * cost has moved by at most epsilon at every tick of a window in which every
 * MD has been active at least once; a change larger than epsilon restarts the
 * window. (The paper's per-wake-up test alone would stop at the first MD
 * that happens to keep its strategy.) max_ticks bounds the run.
 *
 * Ownership: mec_tpos_game_new copies params, MDs and neighbour lists; the
 * DNN tables the MDs point to are borrowed and must outlive the game. */
#ifndef MECSIM_TPOS_GAME_H
#define MECSIM_TPOS_GAME_H
#include "policies/tpos/tpos_agent.h"

typedef struct mec_tpos_game_cfg {
  mec_tpos_mode_t mode;
  double wake_prob;   /* step 6; default 0.5 (not in the paper) */
  double epsilon;     /* step 12, on the average cost; default 1e-6 */
  int max_ticks;      /* default 10000 */
  uint64_t seed;
  double improve_rel; /* an MD switches only if its cost drops by this fraction; default 1e-9 */
  double uai_step_exponent; /* UAI averaging of eq. 29 samples, step k^-p; default 1; 0 = none */
  /* UAI neighbour sets: CSR lists (nbr_offset[n]..nbr_offset[n+1]-1 index
   * nbr_index), or, when NULL, every MD within radius_m of the MD's (x, y). */
  const int *nbr_offset, *nbr_index;
  double radius_m;    /* default 50 m */
  int all_neighbours; /* UAI: every other MD is a neighbour (no lists built; O(1) per wake-up) */
  int keep_history;   /* record the average cost after every tick */
  int nash_check;     /* compute result.nash_gap at the end (N extra best responses); default 1 */
} mec_tpos_game_cfg_t;

mec_tpos_game_cfg_t mec_tpos_game_cfg_default(mec_tpos_mode_t mode);

typedef struct mec_tpos_game_result {
  int converged;       /* the stopping rule fired (0: max_ticks reached) */
  int ticks;           /* global ticks run */
  long wakeups;        /* MD wake-ups = best-response iterations of Algorithms 1-2 */
  long solves;         /* best responses computed (wake-ups + re-solves after a reject) */
  long changes;        /* accepted strategy changes */
  long rejects;        /* commits refused by (27) admission control */
  long messages;       /* all messages exchanged (queries, aggregates, loads, commits, replies) */
  double message_bits; /* their payload, bits */
  double flops;        /* compute of all best responses (DP steps x MEC_TPOS_FLOPS_PER_STEP) */
  double avg_cost, avg_delay, avg_energy, avg_price; /* final, true values */
  int n_offloading;    /* MDs with m* < M */
  double nash_gap;     /* max over MDs of (current cost - best-response cost) with the true
                          aggregate and occupancy: 0 at a Nash equilibrium */
} mec_tpos_game_result_t;

typedef struct mec_tpos_game mec_tpos_game_t;

/* Checks the parameters; NULL with a reason in err on failure. */
mec_tpos_game_t *mec_tpos_game_new(const mec_tpos_params_t *p, const mec_tpos_md_t *mds, int n,
                                   const mec_tpos_game_cfg_t *cfg, char *err, size_t errlen);
void mec_tpos_game_free(mec_tpos_game_t *g);
/* Steps 1-4 (random feasible start) and the loop until the stopping rule or
 * max_ticks. Returns 0, or -1 on an internal error (err message). */
int mec_tpos_game_run(mec_tpos_game_t *g, mec_tpos_game_result_t *res);
/* One tick of the loop (for callers that want to watch); returns the number
 * of active MDs. mec_tpos_game_run calls the start itself; a caller driving
 * ticks by hand calls mec_tpos_game_start first. */
int mec_tpos_game_start(mec_tpos_game_t *g);
int mec_tpos_game_tick(mec_tpos_game_t *g);
double mec_tpos_game_average_cost(const mec_tpos_game_t *g);
/* Final strategies (owned by the game, valid until it is freed). */
const mec_tpos_strategy_t *mec_tpos_game_strategy(const mec_tpos_game_t *g, int md);
/* Average cost after each tick when keep_history (owned by the game). */
const double *mec_tpos_game_history(const mec_tpos_game_t *g, int *len);
/* True evaluation of MD n under the current joint strategy. */
void mec_tpos_game_evaluate(const mec_tpos_game_t *g, int md, mec_tpos_eval_t *ev);
/* Joint feasibility ((15)-(17), (27)) of the current strategies. */
int mec_tpos_game_check(const mec_tpos_game_t *g, char *why, size_t whylen);
#endif
