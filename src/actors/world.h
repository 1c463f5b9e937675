/* world.h - the simulated MEC system shared by the actors.
 *
 * SimGrid actors are plain functions, so the state they share lives in one
 * mec_world_t (the global `mec_world`). The entry point (src/main.c) builds it
 * before the simulation starts, from the platform, the deployment and the
 * scenario knobs; the actors only read the static parts and update the
 * dynamic ones (queues, counters). Everything here runs in one OS thread
 * (SimGrid's default contexts), so no locking is needed.
 */
#ifndef MECSIM_WORLD_H
#define MECSIM_WORLD_H

#include "model/scenario.h"
#include "model/task_file.h"
#include "policies/policy.h"
#include "trace/trace.h"
#include <gsl/gsl_rng.h>
#include <simgrid/forward.h>
#include <stdint.h>
#include <time.h>

typedef struct mec_task_ctx mec_task_ctx_t;

/* One task in flight: what it is, what was decided, and its trace record. */
struct mec_task_ctx {
  mec_task_t task;
  mec_decision_t decision;
  trace_task_rec_t rec;
  double server_cycles;  /* cycles the server runs (whole task, or the part after the partition) */
  double upload_bits;    /* bits sent over the radio (whole input, or the partition's output) */
  sg_sem_t wake;         /* its worker's semaphore: released when the decision is made / the server is done */
  void *local_part;      /* partial offloading: the local part running beside it (task_flow.c) */
  mec_task_ctx_t *next;  /* link in a FIFO (controller requests, server queue) */
  mec_task_ctx_t *live_prev, *live_next; /* every task in flight (world.live): freed by the world if its
                                            worker was killed before it ran */
};

/* A FIFO of tasks in true arrival order (SimGrid mailboxes do not keep it). */
typedef struct mec_task_fifo {
  mec_task_ctx_t *head, *tail;
  size_t length;
} mec_task_fifo_t;

void mec_fifo_push(mec_task_fifo_t *q, mec_task_ctx_t *t);

/* The list of tasks in flight: a task is tracked from its arrival until its
 * worker is done with it; mec_world_free frees those left when the run was cut. */
void mec_world_track(mec_task_ctx_t *t);
void mec_world_untrack(mec_task_ctx_t *t);
mec_task_ctx_t *mec_fifo_pop(mec_task_fifo_t *q);

typedef struct mec_md_state {
  sg_host_t host;
  sg_link_t radio;          /* the MD's radio link (its loopback link, see docs/model.md) */
  sg_sem_t radio_free;      /* hands the radio to the next waiting transfer, in FIFO order */
  int radio_users;          /* transfers using or waiting for the radio */
  gsl_rng *workload;        /* arrivals and task sizes */
  uint64_t fading_seed;     /* Rayleigh draw of slot k = function of (fading_seed, k) */
  long fading_slot;         /* slot index of the current fading draw */
  double path_gain;         /* g0 (l0/l)^h */
  int dnn;                  /* mec_dnn_kind_t of its tasks */
  uint64_t next_task;       /* per-MD task counter (task ids are md * 2^32 + counter) */
  size_t file_first, file_count; /* rows of the replayed task file for this MD */
  int *neighbours;          /* TPOS-UAI neighbours (MD indices) from the `neighbours` prop, or NULL */
  int n_neighbours;
  int wifi_levels;          /* cell=wifi: rate levels of the Wi-Fi link (0 = OFDMA radio link) */
  double wifi_rates[8];     /* bit/s of each level */
} mec_md_state_t;

/* One base station: its host, cell and controller. One BS (the default) is
 * bss[0]; several (issue 15) each decide for the devices attached to them. */
typedef struct mec_bs_state {
  sg_host_t host;
  mec_task_fifo_t requests;  /* waiting for its controller */
  int controller_busy;       /* per-task: a request is being decided */
  sg_sem_t controller_wake;  /* per-slot: released by the first request after an idle spell */
  int controller_idle;       /* per-slot: the controller waits on controller_wake */
  mec_task_ctx_t **batch;    /* per-slot batch buffer */
  size_t batch_cap;
  int first_edge;            /* forward=via-first: its lowest-id edge server (index), or -1 */
} mec_bs_state_t;

typedef struct mec_server_state {
  sg_host_t host;
  int cores;
  mec_task_fifo_t queue;     /* tasks waiting for a core */
  int busy_cores;
  double queued_cycles;
  int in_service;
  sg_exec_t *running;        /* [cores]: execution in progress per core, or NULL */
  sg_exec_t *reserved;       /* [n_reserved]: executions on a reserved CPU share (no core, no queue) */
  int n_reserved, cap_reserved;
  sg_host_t path[3];         /* hosts from its BS to this server, path[0] = that BS (a cloud: BS 0) */
  int path_len;
  int tier;                  /* MEC_TIER_EDGE or MEC_TIER_CLOUD (<prop id="tier">) */
  int bs;                    /* the BS it belongs to (<prop id="bs">), -1 for a cloud */
} mec_server_state_t;

typedef struct mec_world {
  mec_scenario_t sc;
  sg_host_t bs;              /* BS 0's host: arrivals, sampler, the Wi-Fi access point */
  int n_bs;                  /* base stations (1 unless the deployment has several) */
  mec_bs_state_t *bss;       /* [n_bs] */
  mec_bs_info_t *bs_info;    /* [n_bs] what policies see */
  mec_route_info_t *route;   /* [n_bs * n_servers] BS b -> server s (mec_system_t.route) */
  double *bs_xy;             /* [2 n_bs] positions, m */
  double *bs_gains;          /* [n_bs] scratch: a device's path gain to each BS (mec_mob_best_bs) */
  int n_md, n_servers;
  mec_md_state_t *md;
  mec_server_state_t *srv;
  /* what policies see */
  mec_md_info_t *md_info;
  mec_server_info_t *srv_info;
  mec_system_t sys;
  const mec_policy_ops_t *policy;
  void *policy_state;
  trace_t *trace;
  mec_task_ctx_t *live;      /* every task in flight, newest first */
  struct mec_worker *idle_workers; /* task workers waiting for a task (task_flow.c) */
  struct mec_worker *all_workers;  /* every task worker ever started, freed with the world */
  uint64_t workers;          /* task workers started (the most tasks in flight at once) */
  struct mec_tdma_band *tdma_bands; /* TDMA frames with uploads in progress or waiting (radio_link.c) */
  sg_exec_t *exec_scratch;  /* [scratch_cap]: the running executions, for mec_world_refresh_servers */
  double *remaining_scratch;
  size_t scratch_cap;
  void *arrivals;           /* heap of the arrivals actor (arrivals.c) */
  /* replayed tasks (arrivals=file), sorted by (md, arrival) */
  mec_replay_row_t *replay;
  size_t replay_count;
  /* counters */
  uint64_t tasks_expected, tasks_done, tasks_missed, decisions;
  uint64_t tasks_dropped;   /* of tasks_done: dropped at their decision (trace column dropped) */
  uint64_t tasks_in_flight; /* tasks arrived and not yet done */
  double last_done;         /* completion time of the last task */
  int arrivals_done;        /* the arrivals actor has started every task */
  uint64_t in_flight_limit; /* tasks in flight above which the run stops (knob max_in_flight, or automatic; arrivals.c) */
  /* the /servers sampler (base_station.c) sleeps here, not on its grid, while no task is in flight */
  sg_sem_t sampler_wake;    /* released by the arrivals actor (next task, or no more tasks); NULL: no sampler */
  int sampler_idle;         /* the sampler waits on sampler_wake */
  uint64_t samples_taken;    /* /servers sampling instants written */
  double sampling_stopped_at; /* > 0: max_samples reached at this time */
  double sum_delay, sum_energy;
  /* knobs decoded once (hot path) */
  int decide_on_md, per_slot, rayleigh;
  int explicit_neighbours;  /* some MD has a `neighbours` prop: UAI uses the lists */
  int mobile;                /* knob mobility != static: positions move (mobility_glue.c) */
  struct mec_mob *mob;       /* their model and per-device states, or NULL */
  uint64_t handovers;        /* devices that changed BS (several BSs) */
  uint64_t tasks_unfinished; /* --until: tasks still in flight at the horizon */
  int deadlocked;            /* SimGrid found every actor blocked */
  /* failure inside the simulation */
  int failed;
  double fail_time;          /* simulated time of the failure */
  char error[1024];
  /* progress line */
  int progress;              /* print progress lines (not --quiet; a terminal, or knob progress > 0) */
  double progress_every;     /* knob progress: wall s between newline-terminated lines; 0 = terminal mode */
  struct timespec wall_start, wall_last;
} mec_world_t;

extern mec_world_t *mec_world;

/* Stops the simulation with an error (reported by main, exit code 1). */
void mec_world_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Refreshes the dynamic part of what policies see: server queues, and (all
 * devices') fading. mec_world_refresh_servers: the servers only. */
void mec_world_refresh(void);
void mec_world_refresh_servers(void);

/* Channel gain of MD md now: path gain at its current distance (moving
 * devices: position now), drift, and the slot's Rayleigh draw. */
double mec_world_gain(int md);

/* How a radio rate is made: tau x Shannon(band_hz, power_w, the MD's channel
 * gain at the time the rate is asked for). A transfer carries its spec, not
 * a number, so that a moving device's rate can be recomputed as it moves. */
typedef struct mec_rate_spec {
  double band_hz, power_w, tau;
  int bs; /* the BS at the other end (the transfer keeps it if the device hands over meanwhile) */
} mec_rate_spec_t;

/* The BS device md is attached to now: with several BSs and moving devices
 * the association is re-evaluated at this instant (mobility_glue.c), which
 * may hand the device over. */
int mec_world_attach(int md);

/* Uplink / downlink of MD md, through the BS it is attached to now, with the
 * given share of that BS's bandwidth (<= 0: the default equal split W_b/N_b,
 * N_b the devices attached to it; one BS: W/N) and uplink power (<= 0: the
 * MD's). mec_world_down_spec_via: through BS b, attached or not. */
mec_rate_spec_t mec_world_up_spec(int md, double bw_share, double tx_power_w);
mec_rate_spec_t mec_world_down_spec(int md, double bw_share);
mec_rate_spec_t mec_world_down_spec_via(int md, int b, double bw_share);
mec_rate_spec_t mec_world_up_spec_via(int md, int b, double bw_share, double tx_power_w);
/* Uplink a decision gives MD md: a TDMA sub-slot (tx_window > 0: the whole
 * band W while it transmits), fluid TDMA (time_share > 0: the whole band W
 * for that fraction of the frame, as an average rate), else OFDMA with the
 * decision's bandwidth share; at the decision's power. */
mec_rate_spec_t mec_world_decision_up_spec(int md, const mec_decision_t *d);
/* The rate (bit/s) of spec s for MD md now. */
double mec_world_rate(int md, mec_rate_spec_t s);
/* mec_world_rate of the up / down spec. */
double mec_world_up_rate(int md, double bw_share, double tx_power_w);
double mec_world_down_rate(int md, double bw_share);

/* Moving devices (mobility_glue.c): a cell=ofdma transfer of MD md whose
 * rate follows the device, recomputed every mobility_update seconds. */
void mec_mob_send(int md, double bits, mec_rate_spec_t spec, int uplink, double units_per_bit);

/* Called when a task completes: trace, policy feedback, counters, progress. */
void mec_world_task_done(mec_task_ctx_t *ctx);

/* Runs the policy on a batch, charges its compute on the calling actor's host,
 * records it in /decisions. bs: the BS whose controller decides (its host
 * computes, unless on_md). With `release` (the per-slot controller), wakes
 * each task's worker as its decision takes effect: local tasks after the
 * first cost.flops_local of a staged decision, the others after all of it.
 * Returns 0, or -1 after mec_world_fail. */
int mec_world_decide(mec_task_ctx_t **batch, size_t n, int on_md, int release, int bs);

/* The hosts a task's data crosses from BS host `from` to server st, in
 * order (out[0] = from; one fiber hop per consecutive pair). Returns their
 * number (1: the server is on that BS's host). */
int mec_route_hosts(const mec_server_state_t *st, sg_host_t from, sg_host_t out[4]);

/* Runs `flops` on `host` for the calling actor, which need not be there:
 * task workers stay where they are and start each execution on the host
 * that computes (moving an actor costs as much as a quarter of a
 * communication in SimGrid). */
void mec_execute_on(sg_host_t host, double flops);

/* Actor functions (registered by main). */
void mec_mobile_device(int argc, char **argv);
void mec_arrivals(int argc, char **argv);
void mec_edge_server(int argc, char **argv);
void mec_base_station(int argc, char **argv);

/* Task workers (task_flow.c): a task in flight is followed by a worker actor,
 * taken from a pool of idle ones or started when none is idle. */
void mec_task_start(mec_task_ctx_t *ctx);
/* No more tasks will come: the idle workers end (the last busy one ends when
 * its task is done). */
void mec_workers_retire(void);
/* Frees every worker record (after the run, when no worker actor is left). */
void mec_workers_free(mec_world_t *w);

/* Called by a task's worker for server s: waits for a core (FCFS),
 * executes the task's server cycles, hands the core on. */
void mec_edge_server_serve(int s, mec_task_ctx_t *ctx);
#endif
