/* trace.h - HDF5 traces of a simulation run (plain C, no SimGrid).
 *
 * One file per run. Records are buffered in memory and appended to chunked,
 * extendible compound datasets in blocks (bounded memory whatever the run's
 * length). The file is written under a temporary name (PATH.tmp.PID) and only
 * renamed to PATH by trace_close(t, 1): a run that fails leaves nothing under
 * the final name.
 *
 * Layout (root attribute trace_format = 8; docs/trace.md documents it):
 *   /tasks      one row per completed task      (trace_task_rec_t)
 *   /decisions  one row per call of a policy    (trace_decision_rec_t)
 *   /servers    sampled state of every server   (trace_server_rec_t)
 *   /devices    one row per mobile device       (trace_device_rec_t)
 *   /training   one row per training episode    (trace_training_rec_t)
 *   /messages   control messages (TPOS)         (trace_message_rec_t)
 *   /background background work of a policy      (trace_background_rec_t)
 *   /mobility   device positions at transfer starts (trace_mobility_rec_t)
 *   /handovers  one row per handover (trace_handover_rec_t)
 *   /base_stations one row per base station (trace_bs_rec_t)
 * Every dataset carries an attribute "units" ("field: unit; ...") and
 * "description". The root group carries run attributes set with
 * trace_set_attr_*() (seed, versions, configuration, command line).
 *
 * Format 2 (format 1 before it): /servers.server is the deployment's server
 * id m = 1..M, the same numbering as /tasks.target (format 1: 0-based);
 * /tasks has the radio waits as their own phases (up_wait_start,
 * down_fiber_end, down_radio_start); /devices is new. Every format-1 field
 * keeps its name and meaning otherwise. Format 3 adds /decisions fields
 * done_local, macs, arch_k, arch_l (DyNN's staged, resizable decisions)
 * and /tasks fields bw_share, cpu_share (the policy's resource shares),
 * tx_offset, tx_window (TDMA sub-slots) and offload_frac (partial offloading).
 * Format 5 adds /tasks field dropped (a task dropped at its decision by an
 * admission rule: TPOS carry=1; it has a row, done = the drop).
 * Format 6 adds /tasks field up_distance_m (the device's distance to the BS
 * when its upload started) and the table /mobility (moving devices).
 * Format 7 adds /tasks field tier (0 local, 1 edge, 2 cloud) and the root
 * attribute server_tiers ("edge,cloud,...", server m = 1..M).
 * Format 8 (several base stations) adds /tasks fields up_bs, down_bs,
 * down_hops, down_relay_start, /mobility and /decisions field bs, the tables /handovers and
 * /base_stations and the root attribute bs_names ("bs-0,bs-1,...").
 *
 * Times are simulated seconds; a phase that did not happen has start = end =
 * NaN. Sizes in bits, work in CPU cycles, energy in joules.
 *
 * Chunks are sized to the run, with no hint needed: a dataset is created at
 * its first flush, with the usual chunks (the buffer, at most ~1 MiB) when
 * its buffer filled (a long run: the fast path is unchanged), or with one
 * chunk of exactly its rows when all of them fit in one buffer (a short run:
 * a 100-task trace is tens of KB, not MBs). A table never written is
 * created empty at close.
 */
#ifndef MECSIM_TRACE_H
#define MECSIM_TRACE_H
#include <stddef.h>
#include <stdint.h>

typedef struct trace_task_rec {
  uint64_t id;
  int32_t md;        /* originating mobile device */
  int32_t target;    /* 0 = local, m = server id m (1..M) */
  int32_t partition; /* DNN layers run locally (-1 = whole task) */
  int32_t slot;      /* server slot (-1 = FCFS) */
  int32_t dnn;       /* mec_dnn_kind_t, -1 = none */
  int32_t missed;    /* 1 if completion - arrival > deadline > 0 */
  double arrival;
  double decide_start, decide_end;   /* waiting for and computing the decision */
  double local_start, local_end;     /* local execution on the MD */
  double up_wait_start;              /* asked for the MD's radio for the upload; the radio
                                        wait is up_start - up_wait_start (0: radio free) */
  double up_start, up_end;           /* wireless upload (the transfer itself) */
  double fwd_start, fwd_end;         /* fiber forwarding BS -> server */
  double queue_enter;                /* arrival in the server's queue */
  double exec_start, exec_end;       /* execution on the server */
  double down_start;                 /* result leaves the server (fiber back starts) */
  double down_fiber_end;             /* result at the BS = asks for the MD's radio */
  double down_radio_start;           /* radio download starts (after the radio wait); for a
                                        0-bit result down_radio_start = down_fiber_end = down_end */
  double down_end;                   /* result at the MD: down_end - down_start is the whole
                                        return (fiber back + radio wait + radio download) */
  double done;                       /* completion time */
  double input_bits, cycles, output_bits;
  double local_cycles;               /* cycles run on the MD */
  double up_rate_bps;                /* radio rate used for the upload */
  double energy_local_j, energy_tx_j;
  double price;
  double bw_share;                   /* the policy's share of the cell bandwidth (0 = default split) */
  double cpu_share;                  /* the policy's reserved share of a server core (0 = FCFS core) */
  double deadline;                   /* relative deadline, s (0 = none) */
  double tx_offset;                  /* TDMA: upload scheduled this long after decide_end, s (NaN = none) */
  double tx_window;                  /* TDMA sub-slot length t_k, s (NaN = none) */
  double offload_frac;               /* share of the task offloaded: 1 = whole, 0 = local, else partial */
  double up_distance_m;              /* distance MD-BS when the upload started, m (NaN = no upload; format 6) */
  int32_t dropped;                   /* 1 if dropped at its decision (admission rule; format 5) */
  int32_t tier;                      /* 0 = local (or dropped), 1 = edge server, 2 = cloud (format 7) */
  int32_t up_bs;                     /* BS index the upload went to (-1 = no upload; format 8) */
  int32_t down_bs;                   /* BS index the result was delivered through (-1 = none) */
  int32_t down_hops;                 /* fiber hops of the result, server -> down_bs (-1 = none) */
  double down_relay_start;           /* result at the server's BS, forwarded on to down_bs because the
                                        device is attached to another BS than the server's (NaN = no relay) */
} trace_task_rec_t;

typedef struct trace_decision_rec {
  double time;         /* when the decision was requested (batch closed) */
  double done;         /* when the decision took effect (after its compute) */
  int32_t batch;       /* tasks in the batch */
  int32_t host_kind;   /* 0 = decided on the BS, 1 = on the MD */
  double flops;        /* decision compute charged */
  double iterations;   /* solver iterations or messages */
  double model_size;   /* parameters of the model used */
  double messages;     /* control messages exchanged for this decision (TPOS game) */
  double done_local;   /* when the decisions for local execution took effect (= done unless staged) */
  double macs;         /* multiply-accumulates of the networks run (0 = none) */
  int32_t arch_k;      /* dynamic network size used: experts k (DyNN), 0 = n/a */
  int32_t arch_l;      /* dynamic network size used: layers l (DyNN), 0 = n/a */
  int32_t bs;          /* the BS whose controller decided (index; its host computed unless host_kind 1; format 8) */
} trace_decision_rec_t;

typedef struct trace_server_rec {
  double time;
  int32_t server;      /* server id m = 1..M (as /tasks.target; format 1: 0-based) */
  int32_t queued;
  int32_t in_service;
  double backlog_cycles;
  double load_factor;  /* s */
} trace_server_rec_t;

/* Host names longer than TRACE_NAME_LEN - 1 bytes are truncated. */
#define TRACE_NAME_LEN 64

typedef struct trace_device_rec {
  int32_t md;          /* device index (as /tasks.md) */
  int32_t dnn;         /* mec_dnn_kind_t of its tasks, -1 = none */
  double distance_m;   /* distance to the BS */
  double cpu_hz;       /* CPU cycles/s */
  double tx_power_w;   /* uplink transmit power */
  double kappa;        /* energy coefficient, J/(cycle Hz^2) */
  double path_gain;    /* linear channel gain g0 (l0/l)^h (no fading) */
  char host[TRACE_NAME_LEN]; /* SimGrid host, NUL-terminated */
  char bs[TRACE_NAME_LEN];   /* host of its base station */
} trace_device_rec_t;

typedef struct trace_training_rec {
  int32_t episode;
  int32_t step;
  double reward;       /* mean reward of the episode */
  double loss_actor;
  double loss_critic;
  double mean_delay;   /* s */
  double load_var;     /* var(LD), s^2 */
  double epsilon;      /* exploration level */
} trace_training_rec_t;

typedef struct trace_message_rec {
  double time_sent, time_received;
  int32_t src_md;      /* -1 = server */
  int32_t dst_md;      /* -1 = server */
  int32_t kind;        /* policy-defined */
  int32_t iteration;
  double bits;
} trace_message_rec_t;

/* Background work a policy started (mec_cost_t.bg_flops: MEMTL's online
 * training), one row when it ends. */
typedef struct trace_background_rec {
  double time_start;   /* s, when the execution started */
  double time_done;    /* s, when it ended */
  int32_t server;      /* server id m = 1..M whose host executed it (as /tasks.target) */
  int32_t kind;        /* policy-defined */
  double flops;        /* executed */
  double samples;      /* policy-defined count (MEMTL: samples labelled and trained on) */
} trace_background_rec_t;

/* Position of a moving device when one of its radio transfers started
 * (mobility != static; capped by knob mobility_samples_max). */
typedef struct trace_mobility_rec {
  double time;         /* s, the transfer's start */
  int32_t md;          /* device index (as /tasks.md) */
  int32_t uplink;      /* 1 = upload (MD -> BS), 0 = download */
  double x, y;         /* m, the device's position */
  double distance_m;   /* m, to the base station */
  double rate_bps;     /* rate at the start, bit/s */
  int32_t bs;          /* BS index of the transfer (format 8) */
} trace_mobility_rec_t;

/* A device changed base station (several BSs): noticed at the device's next
 * use of its channel (a decision, a transfer start, a result ready). */
typedef struct trace_handover_rec {
  double time;         /* s */
  int32_t md;          /* device index */
  int32_t from_bs, to_bs; /* BS indices */
  double x, y;         /* m, the device's position */
  double gain_from, gain_to; /* path gains to both BSs then */
} trace_handover_rec_t;

/* One base station (several BSs; one row with one BS too). */
typedef struct trace_bs_rec {
  int32_t bs;          /* index, as /tasks.up_bs */
  double x, y;         /* m */
  double bandwidth_hz; /* its cell bandwidth */
  double cpu_hz;       /* its CPU */
  char host[TRACE_NAME_LEN];
} trace_bs_rec_t;

typedef struct trace trace_t;

/* Opens PATH.tmp.PID for writing. Returns NULL with a reason in err (naming
 * the path and the system's reason) when the file cannot be created.
 * `buffer_records` records per dataset are kept in memory before a write
 * (0 = default 16384). */
trace_t *trace_open(const char *path, size_t buffer_records, char *err, size_t errlen);

/* Same as trace_open, with shuffle + deflate compression of level
 * `deflate_level` (0 = none, as trace_open; 1..9). Level 1 made task traces
 * 2.5x smaller but wrote ~10x slower (see trace.c); meant for
 * long-kept traces where size matters more than speed. Added for that case;
 * trace_open stays the default. */
trace_t *trace_open_ex(const char *path, size_t buffer_records, int deflate_level, char *err,
                       size_t errlen);

/* Append one record. Return 0, or -1 on an HDF5 write failure (then see
 * trace_error()). */
int trace_add_task(trace_t *t, const trace_task_rec_t *r);
int trace_add_decision(trace_t *t, const trace_decision_rec_t *r);
int trace_add_server(trace_t *t, const trace_server_rec_t *r);
int trace_add_training(trace_t *t, const trace_training_rec_t *r);
int trace_add_message(trace_t *t, const trace_message_rec_t *r);
int trace_add_device(trace_t *t, const trace_device_rec_t *r);
int trace_add_background(trace_t *t, const trace_background_rec_t *r);
int trace_add_mobility(trace_t *t, const trace_mobility_rec_t *r);
int trace_add_handover(trace_t *t, const trace_handover_rec_t *r);
int trace_add_bs(trace_t *t, const trace_bs_rec_t *r);

/* Fills host/bs of a device record from C strings, truncating to
 * TRACE_NAME_LEN - 1 bytes. */
void trace_device_set_names(trace_device_rec_t *r, const char *host, const char *bs);

/* Root attributes. Return 0 or -1. */
int trace_set_attr_string(trace_t *t, const char *name, const char *value);
int trace_set_attr_double(trace_t *t, const char *name, double value);
int trace_set_attr_int(trace_t *t, const char *name, int64_t value);

/* Root attributes the user adds with --trace-attr KEY=VALUE (a sweep's id and
 * parameters): written as variable-length string attributes. */

/* Checks one "KEY=VALUE": KEY is 1..64 characters [A-Za-z0-9_.:-] starting with a
 * letter or '_', is not an attribute mecsim writes itself (trace_reserved_attr)
 * and VALUE is at most 65535 bytes with no control characters. Returns 0, or -1
 * with a one-line reason in err. */
int trace_check_user_attr(const char *kv, char *err, size_t errlen);

/* 1 if NAME is a root attribute mecsim writes (listed, or under "cfg."), else 0. */
int trace_reserved_attr(const char *name);

/* 1 if the open trace already has root attribute NAME, 0 if not, -1 on error. */
int trace_has_attr(const trace_t *t, const char *name);

/* Number of task records added so far. */
uint64_t trace_task_count(const trace_t *t);

/* Flushes and closes. commit != 0: rename to the final path (returns -1 if
 * that fails); commit == 0: delete the temporary file. Frees t in all cases. */
int trace_close(trace_t *t, int commit);

/* Same as trace_close, but on failure writes the reason into err (instead
 * of printing it on stderr as trace_close does, since t is freed). A trace
 * whose writes failed is never committed: its temporary file is deleted and
 * -1 returned. trace_close(NULL, c) and trace_close_msg(NULL, ...) return 0. */
int trace_close_msg(trace_t *t, int commit, char *err, size_t errlen);

/* Last error message (valid until the next call on t). */
const char *trace_error(const trace_t *t);

/* Path of the temporary file being written. */
const char *trace_tmp_path(const trace_t *t);
#endif
