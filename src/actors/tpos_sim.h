/* tpos_sim.h - TPOS (Gao et al., DNN partitioning and slot game) inside the
 * SimGrid simulation. Three pieces, used by task_flow.c and edge_server.c:
 *
 *  - DNN tasks (tpos_sim.c): a task whose MD carries a DNN kind gets its
 *    sizes from the profile, and its work is split per layer. How layer work
 *    maps to SimGrid flops (docs/tpos.md, "In the simulation"): layer m costs
 *    t_lo[m] x md_ref_hz cycles on an MD (eq. 6 time on the reference MD times
 *    its clock) and t_se[m] x server_ref_hz cycles on the server (eq. 7),
 *    so an MD or server of any speed takes exactly the model's time.
 *  - The slot model at the server (edge_server.c): mec_edge_server_run_slots.
 *  - The CAI / UAI game as messages between actors in simulated time
 *    (tpos_game_actors.c): mec_tpos_play, mec_tpos_coordinator.
 *  - Continuous operation, carry=1 (tpos_carry.c): the ledger of what
 *    earlier periods booked, in a common frame of absolute slots.
 *
 * All state here is global to the run (one simulation per process), built
 * lazily on first use and freed at exit. */
#ifndef MECSIM_TPOS_SIM_H
#define MECSIM_TPOS_SIM_H
#include "actors/world.h"
#include "model/dnn_profile.h"
#include "policies/tpos/tpos_model.h"

/* Which TPOS role the run's policy plays. */
typedef enum {
  MEC_TPOS_SIM_NONE = 0, /* not a TPOS policy */
  MEC_TPOS_SIM_PLAIN,    /* tpos-gtpos / tpos-full-offload / tpos-local: decided by decide() */
  MEC_TPOS_SIM_GAME      /* tpos-cai / tpos-uai: the game runs as actor messages */
} mec_tpos_sim_role_t;

mec_tpos_sim_role_t mec_tpos_sim_role(void);

/* Per-layer work of one network in simulator units (arrays 0..M). */
typedef struct mec_tpos_work {
  int M;
  double lo_prefix[MEC_DNN_MAX_LAYERS + 1]; /* MD cycles of layers 1..m */
  double se_cycles[MEC_DNN_MAX_LAYERS + 1]; /* server cycles of layer m (index 0 unused) */
  double se_suffix[MEC_DNN_MAX_LAYERS + 2]; /* server cycles of layers m+1..M (se_suffix[m]) */
  double out_bits[MEC_DNN_MAX_LAYERS + 1];  /* out_bits[0] = input image */
} mec_tpos_work_t;

/* Work table of a DNN kind (owned by this module), NULL for a bad kind or
 * out of memory (then mec_world_fail was called). */
const mec_tpos_work_t *mec_tpos_sim_work(int kind);
/* The TPOS parameters in force: the policy's when it is a TPOS policy, else
 * mec_tpos_params_scaled(). Owned by this module / the policy. */
const mec_tpos_params_t *mec_tpos_sim_params(void);

/* A DNN task (ctx->task.dnn >= 0): input = the image, cycles = the whole
 * network on the MD, output = the last layer's output. Returns 0 or -1. */
int mec_tpos_sim_size_task(mec_task_ctx_t *ctx);

/* Splits a DNN task at partition point m (0..M): MD cycles of layers 1..m,
 * bits uploaded (output of layer m), server cycles of layers m+1..M. */
void mec_tpos_sim_split(const mec_task_ctx_t *ctx, int m, double *local_cycles, double *upload_bits,
                        double *server_cycles);

/* Model's T_n (eq. 24) of a strategy chosen in the game, for the log. */
typedef struct mec_tpos_sim_choice {
  mec_tpos_strategy_t strategy;
  double predicted_delay; /* eq. 24 with the rates the game used */
  long rounds;            /* game rounds of its period */
  /* continuous operation (carry=1) only */
  int dropped;            /* the admission rule dropped the task: nothing runs */
  double frame_start;     /* absolute start of its period's common frame, s */
  double own_local_s;     /* this task's local time (layers 1..m*), s */
  double own_up_s;        /* its upload time (0 when local), s */
  double down_s;          /* its result's download time (eq. 24's last term), s */
} mec_tpos_sim_choice_t;

/* ---- game (tpos_game_actors.c) ------------------------------------------ */
/* Called by a task flow (on its MD host) under a game policy: joins the game
 * of the next period, plays it (wake-ups, messages, best responses) and
 * returns when the server stops it, with ctx->decision filled and the chosen
 * strategy in *out. Returns 0, or -1 after mec_world_fail. */
int mec_tpos_play(mec_task_ctx_t *ctx, mec_tpos_sim_choice_t *out);
/* The server side of the game, started by edge server 1 under a game policy
 * (daemon on the server host): closes a period's players `gather` after each
 * slot boundary and runs its rounds until the stopping rule holds. */
void mec_tpos_coordinator(int argc, char **argv);

/* ---- continuous operation (tpos_carry.c; policy argument carry=1) -------- */
/* The common frame: slots of T_d/H aligned in absolute time (slot j =
 * [j T_d/H, (j+1) T_d/H]); a period's frame is the H slots from the first
 * one starting at or after the time t_ref its game assumes for the
 * decision. The ledger holds what earlier periods committed: server work
 * and MDs per slot, and each MD's predicted CPU and radio free times.
 * These are the game's predictions (eq. 24 with backlogs), kept as the game
 * commits; the simulated executions and transfers are what take time. */
int mec_tpos_carry_on(void);
/* Index of the frame's first slot for t_ref, and the slot's start time. */
long mec_tpos_carry_frame_index(double t_ref);
double mec_tpos_carry_slot_start(long j);
/* Work (s) and MDs already committed in slots j0 .. j0+H-1 (arrays H+1,
 * index h = 1..H). */
void mec_tpos_carry_leftover(long j0, double *load, int *occ);
/* Fills md's continuous-operation fields (carry, backlogs, frame wait) as
 * seen at t_ref, and carried[h]: MD `gmd`'s own work in slot h of the frame. */
void mec_tpos_carry_md_view(int gmd, long j0, double t_ref, mec_tpos_md_t *md, double *carried);
/* Books the offloaded groups of s (slot h -> j0 + h - 1) on the server. */
int mec_tpos_carry_book_server(int gmd, long j0, const mec_tpos_strategy_t *s);
/* At the task's decision (now): books its local work and upload on its MD
 * (FIFO behind the earlier ones) and returns eq. 24 with backlogs, i.e.
 * the predicted delay from now. */
double mec_tpos_carry_book_md(int gmd, const mec_tpos_sim_choice_t *c, double now);
/* Local executions of one MD run one at a time, in order (the model's CPU
 * backlog is a queue): take / give back the MD's CPU. */
void mec_tpos_carry_cpu_take(int gmd);
void mec_tpos_carry_cpu_give(int gmd);
/* Frees the ledger (end of the run). */
void mec_tpos_carry_free(void);

/* ---- slot model (edge_server.c) ------------------------------------------ */
/* Runs the offloaded layers of `s` on server `srv` (the calling actor must be
 * on its host) in their slots: slot h of this task is [t0 + (h-1) T_d/H,
 * t0 + h T_d/H], t0 = when its data reached the server; a group waits for
 * its slot start if early, runs as one execution (one core, the speed eq. 7
 * assumes), and the call returns at the end of slot h_last (the result is
 * released at the slot boundary, eq. 24) or when the last group ends if it
 * overran. Records exec_start / exec_end. */
void mec_edge_server_run_slots(int srv, mec_task_ctx_t *ctx, const mec_tpos_strategy_t *s, double t0);
#endif
