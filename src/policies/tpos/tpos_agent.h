/* tpos_agent.h - TPOS-CAI / TPOS-UAI as message-driven state machines.
 *
 * The simulator's actors drive these one wake-up at a time; the pure-C
 * driver (tpos_game.h) drives the very same functions in a loop. One MD
 * wake-up (Algorithms 1 and 2, steps 5-10):
 *
 *   CAI (Algorithm 1)                        UAI (Algorithm 2)
 *   MD -> server  query        (no payload)  MD <- each active neighbour q:
 *   server -> MD  aggregate msg                 load msg (q's per-slot load)
 *        mec_tpos_server_aggregate()             mec_tpos_agent_load_msg()
 *   MD computes   mec_tpos_agent_solve_cai() MD computes mec_tpos_agent_solve_uai()
 *                 (exact best response)                  (eq. 29 estimate, then
 *                                                         the exact best response)
 *   if it returns 1 (strategy changes):
 *   MD -> server  commit msg; server: mec_tpos_server_commit() -> reply msg
 *   server -> MD  reply; MD: mec_tpos_agent_on_reply()
 *        returns 1 if it has a new commit to send (a slot was full: (27)
 *        admission control; the reply says which slots are full), 0 when done.
 *
 * The server accepts a commit only if (27) still holds with it, so the joint
 * strategy is feasible at every instant even when wake-ups overlap in
 * simulated time. In CAI the aggregate message already carries the slot
 * occupancy, so a sequential wake-up is never rejected; in UAI the MD knows
 * nothing of the occupancy until a reply tells it.
 *
 * Ownership: the server copies the parameters; an agent borrows its
 * parameters, its workspace and its MD's DNN table, which must outlive it. */
#ifndef MECSIM_TPOS_AGENT_H
#define MECSIM_TPOS_AGENT_H
#include <gsl/gsl_rng.h>

#include "policies/tpos/tpos_br.h"

typedef enum { MEC_TPOS_CAI = 0, MEC_TPOS_UAI = 1 } mec_tpos_mode_t;

/* UAI: a server reply's list of full slots is trusted for this many of the
 * MD's own wake-ups, then forgotten (slots empty again as others move). */
#define MEC_TPOS_FULL_MEMORY 8

/* server -> MD (CAI): T_Sigma^h and how many MDs use slot h. */
typedef struct mec_tpos_aggregate_msg {
  double T_sigma[MEC_TPOS_MAX_SLOTS + 1];
  int occ[MEC_TPOS_MAX_SLOTS + 1];
} mec_tpos_aggregate_msg_t;

/* MD -> neighbours (UAI): its computation delay per slot, sum_m y T^se.
 * With carry=1 also its backlog on the server: the work its earlier tasks
 * still have in each slot of this period's common frame (zero otherwise). */
typedef struct mec_tpos_load_msg {
  double load[MEC_TPOS_MAX_SLOTS + 1];
  double carried[MEC_TPOS_MAX_SLOTS + 1];
} mec_tpos_load_msg_t;

/* MD -> server: the strategy it wants, plus what the server needs to track
 * the average cost of step 11 (the MD's cost without the price, and gamma). */
typedef struct mec_tpos_commit_msg {
  mec_tpos_strategy_t strategy;
  double fixed_cost; /* alpha c^T T_n + beta c^E E_n */
  double gamma;
} mec_tpos_commit_msg_t;

/* server -> MD: accepted, or the slots that are full without this MD. */
typedef struct mec_tpos_reply_msg {
  int accepted;
  unsigned char full[MEC_TPOS_MAX_SLOTS + 1];
} mec_tpos_reply_msg_t;

typedef enum { MEC_TPOS_MSG_QUERY, MEC_TPOS_MSG_AGGREGATE, MEC_TPOS_MSG_LOAD, MEC_TPOS_MSG_COMMIT, MEC_TPOS_MSG_REPLY }
    mec_tpos_msg_kind_t;
/* Payload size of a message for H slots, bits (8-byte reals, 4-byte ints,
 * 1 bit per slot flag), so the simulator can charge the transfer. */
double mec_tpos_msg_bits(mec_tpos_msg_kind_t kind, int H);
/* The same under continuous operation (carry != 0): a load message also
 * carries the sender's server backlog per slot (H more reals). */
double mec_tpos_msg_bits_carry(mec_tpos_msg_kind_t kind, int H, int carry);
/* Continuous operation: the server's frame message at a period's start
 * (start of the common frame; UAI: plus one flag per slot already full from
 * earlier periods, since UAI MDs get no aggregate), bits. */
double mec_tpos_frame_msg_bits(mec_tpos_mode_t mode, int H);

/* ---- Server ---------------------------------------------------------- */
typedef struct mec_tpos_server mec_tpos_server_t;
/* Every MD starts all-local (no load) until its first commit. */
mec_tpos_server_t *mec_tpos_server_new(const mec_tpos_params_t *p, int n_md);
void mec_tpos_server_free(mec_tpos_server_t *s);
void mec_tpos_server_aggregate(const mec_tpos_server_t *s, mec_tpos_aggregate_msg_t *out);
/* Admission control on (27); updates the aggregate when accepted. Returns
 * 1 accepted, 0 rejected, -1 bad MD index. */
int mec_tpos_server_commit(mec_tpos_server_t *s, int md, const mec_tpos_commit_msg_t *msg, mec_tpos_reply_msg_t *reply);
/* Continuous operation: work (s) and MDs that earlier periods already put
 * in each slot h = 1..H of this period's common frame. They count in the
 * aggregate (T_Sigma^h, occupancy) and in the admission control of (27);
 * NULL clears them. */
void mec_tpos_server_set_carried(mec_tpos_server_t *s, const double *load, const int *occ);
/* Average true cost (eq. 23) of all MDs under the committed strategies,
 * step 11 of Algorithms 1-2. O(H). */
double mec_tpos_server_average_cost(const mec_tpos_server_t *s);
const mec_tpos_strategy_t *mec_tpos_server_strategy(const mec_tpos_server_t *s, int md);

/* ---- MD agent -------------------------------------------------------- */
typedef struct mec_tpos_agent {
  int index;
  mec_tpos_mode_t mode;
  mec_tpos_md_t md;
  const mec_tpos_params_t *p;
  mec_tpos_ws_t *ws;
  mec_tpos_strategy_t current;  /* last accepted strategy */
  mec_tpos_strategy_t proposal; /* sent, awaiting a reply */
  double T_others[MEC_TPOS_MAX_SLOTS + 1];  /* view of the others used by the last solve */
  unsigned char open[MEC_TPOS_MAX_SLOTS + 1];
  unsigned char known_full[MEC_TPOS_MAX_SLOTS + 1]; /* UAI: full slots per the last server reply */
  long known_full_until; /* ... trusted up to this wake-up (k), then forgotten */
  double improve_rel; /* switch only when the new cost is lower by this fraction */
  double uai_step_exponent; /* UAI: T_others is the running average of eq. 29 samples with step
                               k^-p (default p = 1, the plain mean); p = 0 uses the sample alone */
  /* continuous operation (carry=1): this MD's server backlog per slot of the
   * frame (sent in its load messages) and, for UAI, the slots earlier periods
   * already filled (closed for the whole period) */
  double carried[MEC_TPOS_MAX_SLOTS + 1];
  unsigned char carried_full[MEC_TPOS_MAX_SLOTS + 1];
  long k;             /* local clock: wake-ups so far */
  long solves, changes, rejects;
} mec_tpos_agent_t;

void mec_tpos_agent_init(mec_tpos_agent_t *a, int index, mec_tpos_mode_t mode, const mec_tpos_md_t *md,
                         const mec_tpos_params_t *p, mec_tpos_ws_t *ws);
/* Step 3: a random strategy satisfying (28b): (15)-(17), (26) and (27) for
 * the slots marked open (NULL = all). Tries random partition points and
 * random monotone packings; falls back to all-local. Fills a commit. */
void mec_tpos_agent_random_start(mec_tpos_agent_t *a, gsl_rng *rng, const unsigned char *slot_open,
                                 mec_tpos_commit_msg_t *commit);
void mec_tpos_agent_load_msg(const mec_tpos_agent_t *a, mec_tpos_load_msg_t *out);
/* Step 10 with server feedback. Returns 1 and fills commit if the MD wants
 * to change strategy, 0 if it keeps its current one. */
int mec_tpos_agent_solve_cai(mec_tpos_agent_t *a, const mec_tpos_aggregate_msg_t *agg, mec_tpos_commit_msg_t *commit);
/* Step 10 with eq. 29: n_md is N, nbr[0..n_nbr-1] the load messages of the
 * currently active neighbours. Weights w_{n,n} = w_{n,q} = 1 / (1 + n_nbr).
 * The estimate of the others' load is the running average of the eq. 29
 * samples over the MD's wake-ups (see uai_step_exponent; docs/tpos.md: the
 * sample alone is so noisy that best responses never settle). Slots the last
 * server reply called full are avoided for MEC_TPOS_FULL_MEMORY wake-ups
 * (the MD learns the occupancy only from replies). */
int mec_tpos_agent_solve_uai(mec_tpos_agent_t *a, int n_md, const mec_tpos_load_msg_t *nbr, int n_nbr,
                             mec_tpos_commit_msg_t *commit);
/* The same with the neighbours' loads already summed (sum->load[h] = sum
 * over the n_nbr active neighbours), for callers that aggregate them. */
int mec_tpos_agent_solve_uai_sum(mec_tpos_agent_t *a, int n_md, const mec_tpos_load_msg_t *sum, int n_nbr,
                                 mec_tpos_commit_msg_t *commit);
/* Server reply to the last commit. Returns 1 and fills `again` if the MD
 * re-solved (full slots masked) and wants to commit another strategy. */
int mec_tpos_agent_on_reply(mec_tpos_agent_t *a, const mec_tpos_reply_msg_t *reply, mec_tpos_commit_msg_t *again);
/* The commit message of an arbitrary strategy of this agent. */
void mec_tpos_agent_commit_of(const mec_tpos_agent_t *a, const mec_tpos_strategy_t *s, mec_tpos_commit_msg_t *c);
#endif
