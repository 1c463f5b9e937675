/* policy.h - the interface every offloading policy implements.
 *
 * Policies are plain C: they never include SimGrid, so unit tests and training
 * loops drive them without a simulation. The simulator (src/actors) fills a
 * mec_system_t describing the world, hands a batch of tasks to decide(), then
 * executes the decision's own compute (cost->flops) on the deciding host in
 * simulated time before the decisions take effect.
 *
 * Units are SI everywhere: bits, seconds, CPU cycles, Hz (cycles/s), W, J.
 *
 * Ownership: every pointer passed to a policy belongs to the caller and is
 * valid only for the duration of the call, unless said otherwise. A policy
 * that wants to keep data copies it.
 */
#ifndef MECSIM_POLICY_H
#define MECSIM_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* DNN kinds a task may carry (TPOS layer partitioning); MEC_DNN_NONE for an
 * opaque task described only by bits and cycles. */
typedef enum { MEC_DNN_NONE = -1, MEC_DNN_ALEXNET = 0, MEC_DNN_VGG13, MEC_DNN_VGG16, MEC_DNN_LENET, MEC_DNN_COUNT } mec_dnn_kind_t;

/* One task to decide on. */
typedef struct mec_task {
  uint64_t id;        /* unique within a run */
  int32_t md;         /* index of the originating mobile device, 0..n_md-1 */
  int32_t dnn;        /* mec_dnn_kind_t */
  double arrival;     /* simulated time the task was generated, s */
  double input_bits;  /* data to upload when offloaded whole, bits */
  double cycles;      /* CPU cycles of the whole task */
  double output_bits; /* result to download, bits */
  double deadline;    /* relative deadline, s (0 = none) */
} mec_task_t;

/* Static description of one mobile device, plus its current channel. */
typedef struct mec_md_info {
  double cpu_hz;       /* local CPU speed, cycles/s */
  double tx_power_w;   /* uplink transmit power, W */
  double kappa;        /* effective switched capacitance: E = kappa f^2 c, J/(cycle Hz^2) */
  double distance_m;   /* distance to the base station, m */
  double gain;         /* current channel power gain (path loss x fading), dimensionless */
  double up_rate_bps;  /* uplink rate with the default bandwidth share, bit/s */
  double down_rate_bps;/* downlink rate with the default bandwidth share, bit/s */
  int bs;              /* base station it is attached to now, 0..n_bs-1 (dynamic with mobility and
                          several BSs; always 0 with one BS). distance_m, gain and the rates are
                          those of that BS's cell */
} mec_md_info_t;

/* One base station (mec_system_t.bs). With several BSs each has its own
 * position, cell bandwidth, edge servers and controller; a device attaches
 * to the BS of the best channel, with hysteresis (docs/mobility.md). */
typedef struct mec_bs_info {
  double x_m, y_m;      /* position, m */
  double bandwidth_hz;  /* its cell bandwidth W_b, Hz (split among the devices attached to it) */
  double cpu_hz;        /* its CPU, which runs its controller's decisions, cycles/s */
  int attached;         /* devices attached to it now (dynamic) */
} mec_bs_info_t;

/* The fiber from one base station to one server: what a task uploaded
 * through that BS crosses to reach the server (the same back to that BS). */
typedef struct mec_route_info {
  int hops;               /* fiber hops (one SimGrid communication each): 0 = server on the BS host;
                             a server of another BS counts the BS-to-BS hop first */
  double fiber_bps;       /* bottleneck rate over those hops, bit/s (0 when hops = 0) */
  double fiber_latency_s; /* total latency over those hops, s */
} mec_route_info_t;

/* Tier of a server (mec_server_info_t.tier; docs/model.md "The cloud tier"). */
enum { MEC_TIER_EDGE = 0, MEC_TIER_CLOUD = 1 };

/* One server (edge or cloud) as the policy sees it. Static part set at start; dynamic
 * part refreshed by the simulator before every decide(). Server index s in
 * 0..n_servers-1 is called "server s+1" in the papers. */
typedef struct mec_server_info {
  double cpu_hz;          /* speed of one core, cycles/s */
  int cores;              /* tasks served at once */
  int hops;               /* fiber hops from the base station (1 = directly attached) */
  double fiber_bps;       /* bottleneck fiber rate on the path from the BS, bit/s */
  double fiber_latency_s; /* total fiber latency on that path, s */
  int tier;               /* MEC_TIER_EDGE (0) or MEC_TIER_CLOUD (1): the edge_server actor's
                             <prop id="tier">; a cloud is reached over the platform's route from
                             the BS (its WAN links are in fiber_bps, fiber_latency_s) */
  int bs;                 /* the base station it belongs to (0..n_bs-1), -1 for a cloud (reached
                             from every BS over its own route). hops, fiber_bps and
                             fiber_latency_s above are from BS 0; from another BS see
                             mec_system_route() */
  /* dynamic */
  int queued;             /* tasks waiting, not in service */
  int in_service;         /* tasks being executed */
  double backlog_cycles;  /* cycles queued plus remaining in service */
  double load_factor;     /* LD_m = backlog_cycles / cpu_hz (DTOMALB eq. 13), s */
} mec_server_info_t;

/* The world a policy decides in. */
typedef struct mec_system {
  int n_md;
  int n_servers;
  const mec_md_info_t *md;         /* [n_md] */
  const mec_server_info_t *server; /* [n_servers] */
  double now;                      /* current simulated time, s */
  double slot_s;                   /* slot length T, s (0 when arrivals are not slotted) */
  double bandwidth_hz;             /* cell bandwidth W, Hz */
  double noise_w_per_hz;           /* noise power spectral density N0, W/Hz */
  double bs_tx_power_w;            /* downlink transmit power, W */
  uint64_t seed;                   /* run seed */
  double decider_hz;               /* CPU of the BS host, which executes decide()'s compute, cycles/s
                                      (decide_on=md: 0, the deciding MD's is md[task.md].cpu_hz;
                                      several BSs: the CPU of the BS whose controller decides) */
  /* Base stations (issue 15). One BS: n_bs = 1, bs[0] is the cell above
   * (bandwidth_hz = bs[0].bandwidth_hz). A mec_system_t filled by hand with
   * n_bs = 0 and route = NULL (unit tests) means one BS whose routes are the
   * servers' own hops / fiber fields. */
  int n_bs;
  const mec_bs_info_t *bs;         /* [n_bs] */
  const mec_route_info_t *route;   /* [n_bs * n_servers]: route[b * n_servers + s], BS b to server s */
  int decider_bs;                  /* the BS whose controller runs this decide() (0 with one BS) */
} mec_system_t;

/* The route from the BS device md is attached to (sys->md[md].bs) to
 * server s (0-based). Falls back to the server's own hops / fiber fields
 * when sys->route is NULL. hops = -1 (rates NaN) when md or s is out of range. */
mec_route_info_t mec_system_route(const mec_system_t *sys, int md, int s);

/* A batch handed to decide(): one task (per-task decisions) or every request
 * of a slot (per-slot decisions). */
typedef struct mec_batch {
  size_t n;
  const mec_task_t *task; /* [n] */
} mec_batch_t;

/* Decision for one task. Fields a policy does not allocate keep the values
 * mec_decision_default() gives them; the simulator then applies its defaults
 * (equal bandwidth split, FCFS, whole-task offload). */
typedef struct mec_decision {
  int target;           /* 0 = run locally, s+1 = offload to server index s */
  int partition;        /* DNN layers run locally before offloading (TPOS m*); -1 = whole task */
  int slot;             /* server slot (TPOS h, 1..H); -1 = none (FCFS) */
  double bw_share;      /* fraction of the cell bandwidth W for this task's upload; <= 0 = default */
  double time_share;    /* TDMA fraction of the frame (BCOS); <= 0 = none */
  double cpu_share;     /* (0, 1]: this fraction of one core's speed reserved for the task, which starts
                           at once without queueing (DyNN); <= 0 = FCFS on a whole core */
  double tx_power_w;    /* uplink power; <= 0 = the MD's default */
  double price;         /* price paid to the server (TPOS), currency units */
  double offload_frac;  /* partial offloading fraction: with target > 0 and 0 < f < 1 the MD runs
                           (1-f) of the cycles locally while f of the task is offloaded;
                           <= 0 or >= 1 = binary (whole task offloaded) */
  double tx_offset;     /* TDMA: the upload starts this long (s) after the decision takes effect; < 0 = none */
  double tx_window;     /* TDMA sub-slot length t_k (s) the upload is scheduled in; <= 0 = none.
                           With tx_window > 0 and target > 0 the upload uses the whole band W
                           (bw_share ignored); it may not be combined with time_share > 0 */
} mec_decision_t;

/* The decision's own compute, which the simulator runs on the deciding host
 * before the decision takes effect. */
typedef struct mec_cost {
  double flops;       /* host flops executed (DTOMALB: 2 per MAC; DyNN: lambda cycles per MAC) */
  double iterations;  /* solver iterations / messages, for the trace only */
  double model_size;  /* parameters of the model used, for the trace only */
  /* Staged decisions (DyNN eqs. 34-35): with staged = 1 and 0 <= flops_local
   * <= flops, the tasks decided local (target 0) take effect once the first
   * flops_local of the compute are executed (0: at once), the others after
   * all of it. Per-slot decisions only (a per-task decision is one task). */
  int staged;
  double flops_local;
  double macs;        /* multiply-accumulates of the networks run, for the trace only (0 = none) */
  int arch_k, arch_l; /* dynamic network size used (DyNN: experts k, layers l), trace only; 0 = n/a */
  /* Background work the decision starts (MEMTL: labelling and training a
   * new head online): bg_flops > 0 runs as an execution on the host of
   * server bg_server (0-based), started once the decision's own compute is
   * done and sharing that host's CPU with its tasks; nothing waits for it.
   * When it ends the simulator calls ops->background_done(state, bg_id, t).
   * bg_kind and bg_samples are recorded in the trace's /background only. */
  double bg_flops;
  int bg_server;
  uint64_t bg_id;
  int bg_kind;
  double bg_samples;
} mec_cost_t;

/* What happened to a task, fed back to learning policies (observe()). */
typedef struct mec_outcome {
  mec_task_t task;
  mec_decision_t decision;
  double delay_s;   /* completion - arrival */
  double energy_j;  /* MD energy: local compute + transmission */
  int missed;       /* deadline missed */
} mec_outcome_t;

/* Configuration handed to init(): the run seed and the policy's own
 * arguments as "key=value,key=value" (from --policy-args or the deployment). */
typedef struct mec_policy_cfg {
  uint64_t seed;
  const char *args;      /* never NULL; may be "" */
  const char *model_in;  /* weights file to load (learning policies), or NULL */
} mec_policy_cfg_t;

/* Return codes: 0 success; negative failure. On failure init/decide write a
 * one-line reason with mec_policy_set_error(). */
typedef struct mec_policy_ops {
  const char *name;
  const char *summary;
  int (*init)(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys);
  /* out[i] is pre-filled with mec_decision_default(); cost is zeroed. */
  int (*decide)(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                mec_cost_t *cost);
  void (*observe)(void *state, const mec_outcome_t *done, size_t n); /* may be NULL */
  void (*destroy)(void *state);                                     /* may be NULL */
  /* Background work bg_id (mec_cost_t.bg_flops) ended at simulated time now. May be NULL. */
  void (*background_done)(void *state, uint64_t bg_id, double now);
  /* 1: decide reads none of the servers' dynamic fields (queued, in_service,
   * backlog_cycles, load_factor), so the simulator need not compute them
   * before each decision (it costs a SimGrid call per running execution).
   * 0 (the default): they are up to date at every decision. */
  int static_view;
} mec_policy_ops_t;

mec_decision_t mec_decision_default(void);

/* Registry. mec_policy_find returns NULL for an unknown name. */
const mec_policy_ops_t *mec_policy_find(const char *name);
size_t mec_policy_count(void);
const mec_policy_ops_t *mec_policy_at(size_t i);
/* Writes "a, b, c" (all registered names) into buf. */
void mec_policy_names(char *buf, size_t size);

/* Last error message of a policy call (thread-unsafe, like errno). */
void mec_policy_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *mec_policy_error(void);

/* Helpers for policies: parse "k=v,k=v" arguments. Return 0 if found, 1 if
 * absent (value untouched), -1 if present but malformed (error set). */
int mec_policy_arg_double(const char *args, const char *key, double *value);
int mec_policy_arg_int(const char *args, const char *key, int *value);
int mec_policy_arg_string(const char *args, const char *key, char *buf, size_t size);
/* Items are separated by ',', blanks around keys and values are ignored, and
 * when a key appears twice the last value wins. */

/* Checks that every item of `args` is key=value with a key in `known` (a
 * NULL-terminated list). Returns 0 if so; otherwise -1, with a message naming
 * the first unknown or malformed item and listing the known keys written to
 * err (if err && n > 0) and set as the policy error. Call it first in init(). */
int mec_policy_args_check(const char *args, const char *const *known, char *err, size_t n);

/* Expected completion time of `task` if sent to `target` (0 = local) given
 * the current system state: upload + fiber + queue backlog + execution +
 * download (DTOMALB eqs. 6-11 plus the result download). Used by greedy
 * baselines and learning policies' environments. With md = sys->md[task->md]
 * and s = sys->server[target - 1]:
 *   local:  cycles / md.cpu_hz                                        (eq. 6)
 *   server: input_bits / md.up_rate_bps                               (eq. 7)
 *         + input_bits / s.fiber_bps + s.fiber_latency_s              (eq. 9)
 *         + s.backlog_cycles / (s.cpu_hz * s.cores) + cycles / s.cpu_hz (eq. 8)
 *         + output_bits / md.down_rate_bps                 (not in the paper)
 *         + output_bits / s.fiber_bps + s.fiber_latency_s  (not in the paper)
 * The fiber terms count only when s.hops > 0 and s.fiber_bps > 0 (the paper
 * charges eq. 9 only for m != 1; we charge any fiber the simulator crosses).
 * The paper neglects the result; we add its download and fiber return.
 * Returns +INFINITY when the target cannot finish the task (zero rate or
 * speed with a positive amount to move or compute) and NAN when target or
 * task->md is out of range. */
double mec_expected_delay(const mec_system_t *sys, const mec_task_t *task, int target);
/* With several BSs, the hops and fiber terms above are those of
 * mec_system_route(sys, task->md, target - 1): from the BS the device is
 * attached to now. */

#endif
