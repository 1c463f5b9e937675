/* tpos_br.h - exact best response of one MD in the TPOS aggregative game:
 * the minimiser of its cost C_n (eq. 23) over the partition point m* and the
 * slot of every offloaded layer, given what the other MDs put in each slot,
 * subject to (15), (16), (17) (per-MD reading), (27) (as a mask of slots the
 * MD may use) and (26) (lexicographically: least deadline excess first, see
 * mec_tpos_better).
 *
 * How it is exact: for a fixed last slot h_last, the cost of an offloaded
 * suffix is a sum over its groups (consecutive layers in one slot) of the
 * price of that group, and the delay term only depends on (m*, h_last). A
 * backward dynamic programme over (first layer of a group, its slot) gives,
 * for every m* at once, the cheapest monotone split of layers m*+1..M into
 * slots ending exactly in h_last; enumerating (m*, h_last) on top covers the
 * whole strategy space. O(H^2 M^2) per call (~17k steps for VGG16, H = 5).
 * The unit tests compare it with brute-force enumeration of every y_n. */
#ifndef MECSIM_TPOS_BR_H
#define MECSIM_TPOS_BR_H
#include "policies/tpos/tpos_model.h"

/* Scratch memory of the dynamic programme, reusable across calls and MDs
 * with at most max_layers layers. Heap-allocated so that callers running on
 * small stacks (simulated actors) can use it. Free with mec_tpos_ws_free. */
typedef struct mec_tpos_ws mec_tpos_ws_t;
mec_tpos_ws_t *mec_tpos_ws_new(int max_layers);
void mec_tpos_ws_free(mec_tpos_ws_t *ws);
/* Inner DP steps executed so far (each ~8 floating-point operations). */
uint64_t mec_tpos_ws_steps(const mec_tpos_ws_t *ws);
#define MEC_TPOS_FLOPS_PER_STEP 8.0

/* Best response. T_others[h] (h = 1..H): server time the other MDs put in
 * slot h (NULL = none). slot_open[h] != 0 if the MD may use slot h (NULL =
 * all). Writes the strategy and its evaluation; returns 0, or -1 if the MD
 * has more layers than the workspace. All-local is always available, so a
 * strategy always exists. Ties keep the first candidate in the order
 * all-local, then (h_last, m*) increasing.
 * With md->carry (continuous operation, tpos_model.h) the local delay adds
 * the MD's CPU backlog, and an offloaded suffix may start only in a slot of
 * the common frame its data reaches in time (mec_tpos_carry_first_slot: CPU
 * and uplink backlogs included); its delay is frame_wait + h_last T_d/H +
 * t_down. The others' load T_others then includes the work carried over
 * from earlier periods, and slot_open the slots they already fill. */
int mec_tpos_best_response(mec_tpos_ws_t *ws, const mec_tpos_md_t *md, const mec_tpos_params_t *p,
                           const double *T_others, const unsigned char *slot_open, mec_tpos_strategy_t *out,
                           mec_tpos_eval_t *ev);
#endif
