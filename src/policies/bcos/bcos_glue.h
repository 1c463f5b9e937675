/* bcos_glue.h - what the BCOS policies (policy_bcos.c: bcos-opt, mcos;
 * policy_bcos_dnn.c: bcos, pcos) share between the simulator's view and the
 * paper's slot: the checks every one of them makes at start, and the TDMA
 * frame they write. */
#ifndef MECSIM_BCOS_GLUE_H
#define MECSIM_BCOS_GLUE_H
#include "policies/policy.h"
#include <stddef.h>

/* Reads guard=S (seconds solved away from the slot, default 0) and checks
 * the cell: slotted (slot T > 0), guard in [0, T), an edge server, positive
 * bandwidth and noise density. name prefixes the messages. 0, or -1 with the
 * policy error set. */
int bcos_glue_check(const char *name, const char *args, const mec_system_t *sys, double *guard);

/* The TDMA frame of a slot: every MD j with frac[j] > 0 offloads to server 1
 * at power p[j] in the window t[j], the windows back to back in j order from
 * the frame start; 0 < frac[j] < 1 makes it partial (offload_frac). A power
 * or window <= 0, which the simulator would read as "default" / "no window",
 * becomes p_floor / 1e-12 s. out_index[j] is MD j's batch index (NULL: j). */
void bcos_glue_tdma(size_t n, const size_t *out_index, const double *frac, const double *t, const double *p,
                    double p_floor, mec_decision_t *out);
#endif
