/* trace.c - HDF5 trace writer (see trace.h for the layout and the API).
 *
 * Each dataset is a 1-D chunked compound dataset with an unlimited maximum
 * size. Records are copied into a per-dataset buffer of `buffer_records`
 * records and appended with one H5Dwrite per full buffer: one write per
 * record is 50-100x slower here (bench_trace).
 *
 * Compression: none by default. Measured with bench/bench_trace on this
 * machine (1e6 task records of 224 bytes with noisy doubles, 2 shared cores):
 * uncompressed 2-5M records/s, 225 MB; shuffle+deflate-1 0.2-0.4M records/s,
 * 90 MB. Deflate misses the 1M records/s target and would add ~3 s per 1e6
 * tasks to a run, for a 2.5x smaller file; traces are usually read once by
 * the analysis (h5repack can compress one that must be kept). trace_open_ex()
 * offers shuffle+deflate to callers that prefer size. Format 2 (248-byte
 * task records): 2-3.5M records/s, 249 MB; deflate-1 0.19M records/s, 103 MB.
 *
 * Chunks are sized to the run (create_dataset): a dataset is created at its
 * first flush, so a short run's tables are one exact chunk each (the
 * 100-task small_cell trace: 2.4 MB -> 69 KB; deflate would take it to
 * 42 KB, not worth a second layout) and a long run's are unchanged.
 *
 * The file's compound types are the in-memory layouts packed (no padding);
 * for records without padding this is the same layout and HDF5 copies the
 * buffer without conversion. HDF5's own error printing is switched off; each
 * failure is reported through trace_error() with the innermost HDF5 reason.
 */
#include "trace/trace.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACE_DEFAULT_BUFFER 16384
/* Upper bound of one chunk: big enough that a full buffer is a few chunk
 * writes, small enough that readers decompressing or caching one chunk stay
 * cheap. */
#define TRACE_MAX_CHUNK_BYTES (1u << 20)

/* ------------------------------------------------------------------------ */
/* Description of the datasets                                               */
/* ------------------------------------------------------------------------ */

typedef enum { FT_U64, FT_I32, FT_F64, FT_NAME } field_kind_t; /* FT_NAME: char[TRACE_NAME_LEN] */

typedef struct {
  const char *name;
  size_t offset;
  field_kind_t kind;
  const char *unit; /* "1" = dimensionless (index, count, flag); "text" = a string */
} field_spec_t;

typedef struct {
  const char *name; /* dataset name under the root group */
  size_t rec_size;
  const field_spec_t *fields;
  size_t nfields;
  const char *description;
} table_spec_t;

#define FIELD(type, member, kind, unit) {#member, offsetof(type, member), kind, unit}
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const field_spec_t task_fields[] = {
    FIELD(trace_task_rec_t, id, FT_U64, "1"),
    FIELD(trace_task_rec_t, md, FT_I32, "1"),
    FIELD(trace_task_rec_t, target, FT_I32, "1"),
    FIELD(trace_task_rec_t, partition, FT_I32, "layer"),
    FIELD(trace_task_rec_t, slot, FT_I32, "1"),
    FIELD(trace_task_rec_t, dnn, FT_I32, "1"),
    FIELD(trace_task_rec_t, missed, FT_I32, "1"),
    FIELD(trace_task_rec_t, arrival, FT_F64, "s"),
    FIELD(trace_task_rec_t, decide_start, FT_F64, "s"),
    FIELD(trace_task_rec_t, decide_end, FT_F64, "s"),
    FIELD(trace_task_rec_t, local_start, FT_F64, "s"),
    FIELD(trace_task_rec_t, local_end, FT_F64, "s"),
    FIELD(trace_task_rec_t, up_wait_start, FT_F64, "s"),
    FIELD(trace_task_rec_t, up_start, FT_F64, "s"),
    FIELD(trace_task_rec_t, up_end, FT_F64, "s"),
    FIELD(trace_task_rec_t, fwd_start, FT_F64, "s"),
    FIELD(trace_task_rec_t, fwd_end, FT_F64, "s"),
    FIELD(trace_task_rec_t, queue_enter, FT_F64, "s"),
    FIELD(trace_task_rec_t, exec_start, FT_F64, "s"),
    FIELD(trace_task_rec_t, exec_end, FT_F64, "s"),
    FIELD(trace_task_rec_t, down_start, FT_F64, "s"),
    FIELD(trace_task_rec_t, down_fiber_end, FT_F64, "s"),
    FIELD(trace_task_rec_t, down_radio_start, FT_F64, "s"),
    FIELD(trace_task_rec_t, down_end, FT_F64, "s"),
    FIELD(trace_task_rec_t, done, FT_F64, "s"),
    FIELD(trace_task_rec_t, input_bits, FT_F64, "bit"),
    FIELD(trace_task_rec_t, cycles, FT_F64, "cycle"),
    FIELD(trace_task_rec_t, output_bits, FT_F64, "bit"),
    FIELD(trace_task_rec_t, local_cycles, FT_F64, "cycle"),
    FIELD(trace_task_rec_t, up_rate_bps, FT_F64, "bit/s"),
    FIELD(trace_task_rec_t, energy_local_j, FT_F64, "J"),
    FIELD(trace_task_rec_t, energy_tx_j, FT_F64, "J"),
    FIELD(trace_task_rec_t, price, FT_F64, "price unit"),
    FIELD(trace_task_rec_t, bw_share, FT_F64, "1"),
    FIELD(trace_task_rec_t, cpu_share, FT_F64, "1"),
    FIELD(trace_task_rec_t, deadline, FT_F64, "s"),
    FIELD(trace_task_rec_t, tx_offset, FT_F64, "s"),
    FIELD(trace_task_rec_t, tx_window, FT_F64, "s"),
    FIELD(trace_task_rec_t, offload_frac, FT_F64, "1"),
    FIELD(trace_task_rec_t, up_distance_m, FT_F64, "m"),
    FIELD(trace_task_rec_t, dropped, FT_I32, "1"),
    FIELD(trace_task_rec_t, tier, FT_I32, "1"),
    FIELD(trace_task_rec_t, up_bs, FT_I32, "1"),
    FIELD(trace_task_rec_t, down_bs, FT_I32, "1"),
    FIELD(trace_task_rec_t, down_hops, FT_I32, "1"),
    FIELD(trace_task_rec_t, down_relay_start, FT_F64, "s"),
};

static const field_spec_t decision_fields[] = {
    FIELD(trace_decision_rec_t, time, FT_F64, "s"),
    FIELD(trace_decision_rec_t, done, FT_F64, "s"),
    FIELD(trace_decision_rec_t, batch, FT_I32, "1"),
    FIELD(trace_decision_rec_t, host_kind, FT_I32, "1"),
    FIELD(trace_decision_rec_t, flops, FT_F64, "flop"),
    FIELD(trace_decision_rec_t, iterations, FT_F64, "1"),
    FIELD(trace_decision_rec_t, model_size, FT_F64, "parameter"),
    FIELD(trace_decision_rec_t, messages, FT_F64, "message"),
    FIELD(trace_decision_rec_t, done_local, FT_F64, "s"),
    FIELD(trace_decision_rec_t, macs, FT_F64, "MAC"),
    FIELD(trace_decision_rec_t, arch_k, FT_I32, "1"),
    FIELD(trace_decision_rec_t, arch_l, FT_I32, "1"),
    FIELD(trace_decision_rec_t, bs, FT_I32, "1"),
};

static const field_spec_t server_fields[] = {
    FIELD(trace_server_rec_t, time, FT_F64, "s"),
    FIELD(trace_server_rec_t, server, FT_I32, "1"),
    FIELD(trace_server_rec_t, queued, FT_I32, "task"),
    FIELD(trace_server_rec_t, in_service, FT_I32, "task"),
    FIELD(trace_server_rec_t, backlog_cycles, FT_F64, "cycle"),
    FIELD(trace_server_rec_t, load_factor, FT_F64, "s"),
};

static const field_spec_t device_fields[] = {
    FIELD(trace_device_rec_t, md, FT_I32, "1"),
    FIELD(trace_device_rec_t, host, FT_NAME, "text"),
    FIELD(trace_device_rec_t, distance_m, FT_F64, "m"),
    FIELD(trace_device_rec_t, cpu_hz, FT_F64, "cycle/s"),
    FIELD(trace_device_rec_t, tx_power_w, FT_F64, "W"),
    FIELD(trace_device_rec_t, kappa, FT_F64, "J/(cycle Hz^2)"),
    FIELD(trace_device_rec_t, path_gain, FT_F64, "1"),
    FIELD(trace_device_rec_t, dnn, FT_I32, "1"),
    FIELD(trace_device_rec_t, bs, FT_NAME, "text"),
};

static const field_spec_t training_fields[] = {
    FIELD(trace_training_rec_t, episode, FT_I32, "1"),
    FIELD(trace_training_rec_t, step, FT_I32, "1"),
    FIELD(trace_training_rec_t, reward, FT_F64, "1"),
    FIELD(trace_training_rec_t, loss_actor, FT_F64, "1"),
    FIELD(trace_training_rec_t, loss_critic, FT_F64, "1"),
    FIELD(trace_training_rec_t, mean_delay, FT_F64, "s"),
    FIELD(trace_training_rec_t, load_var, FT_F64, "s^2"),
    FIELD(trace_training_rec_t, epsilon, FT_F64, "1"),
};

static const field_spec_t message_fields[] = {
    FIELD(trace_message_rec_t, time_sent, FT_F64, "s"),
    FIELD(trace_message_rec_t, time_received, FT_F64, "s"),
    FIELD(trace_message_rec_t, src_md, FT_I32, "1"),
    FIELD(trace_message_rec_t, dst_md, FT_I32, "1"),
    FIELD(trace_message_rec_t, kind, FT_I32, "1"),
    FIELD(trace_message_rec_t, iteration, FT_I32, "1"),
    FIELD(trace_message_rec_t, bits, FT_F64, "bit"),
};

static const field_spec_t background_fields[] = {
    FIELD(trace_background_rec_t, time_start, FT_F64, "s"),
    FIELD(trace_background_rec_t, time_done, FT_F64, "s"),
    FIELD(trace_background_rec_t, server, FT_I32, "1"),
    FIELD(trace_background_rec_t, kind, FT_I32, "1"),
    FIELD(trace_background_rec_t, flops, FT_F64, "flop"),
    FIELD(trace_background_rec_t, samples, FT_F64, "1"),
};

static const field_spec_t mobility_fields[] = {
    FIELD(trace_mobility_rec_t, time, FT_F64, "s"),
    FIELD(trace_mobility_rec_t, md, FT_I32, "1"),
    FIELD(trace_mobility_rec_t, uplink, FT_I32, "1"),
    FIELD(trace_mobility_rec_t, x, FT_F64, "m"),
    FIELD(trace_mobility_rec_t, y, FT_F64, "m"),
    FIELD(trace_mobility_rec_t, distance_m, FT_F64, "m"),
    FIELD(trace_mobility_rec_t, rate_bps, FT_F64, "bit/s"),
    FIELD(trace_mobility_rec_t, bs, FT_I32, "1"),
};

static const field_spec_t handover_fields[] = {
    FIELD(trace_handover_rec_t, time, FT_F64, "s"),
    FIELD(trace_handover_rec_t, md, FT_I32, "1"),
    FIELD(trace_handover_rec_t, from_bs, FT_I32, "1"),
    FIELD(trace_handover_rec_t, to_bs, FT_I32, "1"),
    FIELD(trace_handover_rec_t, x, FT_F64, "m"),
    FIELD(trace_handover_rec_t, y, FT_F64, "m"),
    FIELD(trace_handover_rec_t, gain_from, FT_F64, "1"),
    FIELD(trace_handover_rec_t, gain_to, FT_F64, "1"),
};

static const field_spec_t bs_fields[] = {
    FIELD(trace_bs_rec_t, bs, FT_I32, "1"),
    FIELD(trace_bs_rec_t, host, FT_NAME, "text"),
    FIELD(trace_bs_rec_t, x, FT_F64, "m"),
    FIELD(trace_bs_rec_t, y, FT_F64, "m"),
    FIELD(trace_bs_rec_t, bandwidth_hz, FT_F64, "Hz"),
    FIELD(trace_bs_rec_t, cpu_hz, FT_F64, "cycle/s"),
};

enum { TAB_TASKS, TAB_DECISIONS, TAB_SERVERS, TAB_DEVICES, TAB_TRAINING, TAB_MESSAGES, TAB_BACKGROUND, TAB_MOBILITY,
       TAB_HANDOVERS, TAB_BS, TAB_COUNT };

static const table_spec_t table_specs[TAB_COUNT] = {
    [TAB_TASKS] = {"tasks", sizeof(trace_task_rec_t), task_fields, NELEM(task_fields),
                   "One row per completed task, in completion order. id: task id; md: originating "
                   "mobile device; target: 0 = run locally, m = server id m (1..M, as "
                   "/servers.server); partition: DNN "
                   "layers run locally (-1 = whole task, no partitioning); slot: server slot "
                   "(-1 = FCFS queue); dnn: DNN kind (-1 = none); missed: 1 if done - arrival > "
                   "deadline > 0. Phases (all times absolute simulated seconds): decide (waiting "
                   "for and computing the decision), local (execution on the MD), radio wait up "
                   "(up_wait_start -> up_start: the MD's radio does one transfer at a time), up "
                   "(wireless upload, up_start -> up_end), fwd (fiber BS -> server), queue_enter "
                   "(arrival in the server queue), exec (execution on the server), down (result "
                   "back to the MD, down_start -> down_end), made of fiber back (down_start -> "
                   "down_fiber_end), radio wait down (down_fiber_end -> down_radio_start) and "
                   "radio download (down_radio_start -> down_end; 0 s for a 0-bit result). A phase "
                   "that did "
                   "not happen has start = end = NaN (e.g. up/fwd/queue/exec/down of a task run "
                   "locally, local of a fully offloaded task). local_cycles: cycles run on the MD; "
                   "up_rate_bps: radio rate of the upload (NaN if none); energy_local_j: MD "
                   "compute energy; energy_tx_j: MD transmission energy; price: price paid to the "
                   "server; bw_share: the policy's share of the cell bandwidth for the upload (0 = "
                   "the default split); cpu_share: the policy's reserved share of a server core (0 = "
                   "FCFS on a whole core); deadline: relative deadline (0 = none); tx_offset: TDMA, the "
                   "upload was scheduled this long after decide_end (NaN = no sub-slot); tx_window: "
                   "TDMA sub-slot length t_k (NaN = none; an upload longer than it continues, "
                   "up_end - up_start > tx_window); offload_frac: share of the task offloaded (1 = "
                   "whole task, 0 = local, else partial: local_cycles = (1 - f) cycles run on the MD "
                   "while f of the input is uploaded and f of the cycles run on the server); "
                   "dropped: 1 if an admission rule dropped the task at its decision (TPOS "
                   "carry=1): nothing ran, done = decide_end, missed = 1; up_distance_m: the "
                   "device's distance to the base station when its upload started (NaN = no "
                   "upload; a static device: its fixed distance); tier: where the task's "
                   "(remote part) ran: 0 = locally on the device (or dropped), 1 = an edge "
                   "server, 2 = a cloud server (root attribute server_tiers); up_bs: index of the "
                   "base station the upload went to (-1 = no upload; /base_stations); down_bs: the "
                   "BS the result was delivered through, the one the device was attached to when "
                   "the result was ready (-1 = no result download); down_hops: fiber hops of the "
                   "result from the server to down_bs (-1 = none); down_relay_start: when the "
                   "result, back at the server's BS, was forwarded over fiber to down_bs because "
                   "the device is attached to another BS than the server's (it came in through "
                   "another BS, or moved since; NaN = no relay)."},
    [TAB_DECISIONS] = {"decisions", sizeof(trace_decision_rec_t), decision_fields,
                       NELEM(decision_fields),
                       "One row per call of the offloading policy. time: when the decision was "
                       "requested (batch closed); done: when it took effect, after its own "
                       "compute; batch: tasks decided together; host_kind: 0 = decided on the "
                       "base station, 1 = on the mobile device; flops: decision compute charged; "
                       "iterations: solver iterations (TPOS: wake-ups); model_size: "
                       "parameters of the model used (NaN or 0 if none); messages: control "
                       "messages exchanged for the decision (TPOS game, else 0); done_local: "
                       "when the decisions for local execution took effect (= done unless the "
                       "policy stages its compute, DyNN); macs: multiply-accumulates of the "
                       "networks run (0 = none); arch_k, arch_l: dynamic network size used "
                       "(DyNN: experts k and expert layers l; 0 = not applicable); bs: index of the "
                       "base station whose controller decided (/base_stations; with host_kind 0 its "
                       "CPU ran the compute)."},
    [TAB_SERVERS] = {"servers", sizeof(trace_server_rec_t), server_fields, NELEM(server_fields),
                     "Sampled state of every edge server. time: sample time; server: server "
                     "id m = 1..M (as /tasks.target); queued: tasks waiting; in_service: tasks executing; "
                     "backlog_cycles: cycles of all queued and running work; load_factor: "
                     "backlog_cycles / server CPU frequency (LD_m in DTOMALB), in seconds."},
    [TAB_DEVICES] = {"devices", sizeof(trace_device_rec_t), device_fields, NELEM(device_fields),
                     "One row per mobile device, in index order (md as in /tasks.md), written "
                     "at set-up. host: SimGrid host name (fixed-length, truncated to 63 bytes); "
                     "distance_m: distance to the base station; cpu_hz: CPU cycles/s; "
                     "tx_power_w: uplink transmit power; kappa: energy coefficient (E = kappa "
                     "f^2 c); path_gain: linear channel gain g0 (l0/l)^h without fading; dnn: "
                     "DNN kind of its tasks (-1 = none); bs: host name of the base station."},
    [TAB_TRAINING] = {"training", sizeof(trace_training_rec_t), training_fields,
                      NELEM(training_fields),
                      "One row per training episode (or logged step) of a learning policy. "
                      "reward: mean reward of the episode; loss_actor, loss_critic: mean losses "
                      "(NaN if the method has no such network); mean_delay: mean task delay; "
                      "load_var: variance of server load factors var(LD); epsilon: exploration "
                      "level (NaN if not applicable)."},
    [TAB_MESSAGES] = {"messages", sizeof(trace_message_rec_t), message_fields,
                      NELEM(message_fields),
                      "Control messages of distributed policies (e.g. TPOS best-response "
                      "rounds). src_md, dst_md: mobile device index, -1 = the server; kind: "
                      "policy-defined message kind; iteration: round of the algorithm; bits: "
                      "message size."},
    [TAB_BACKGROUND] = {"background", sizeof(trace_background_rec_t), background_fields,
                        NELEM(background_fields),
                        "Background work a policy started besides its decisions (MEMTL: labelling "
                        "and training a new prediction head online), one row when it ends. "
                        "time_start, time_done: its execution; server: id m = 1..M of the server "
                        "whose host ran it, sharing the CPU with that server's tasks; kind: "
                        "policy-defined; flops: executed; samples: policy-defined count (MEMTL: "
                        "samples labelled and trained on)."},
    [TAB_MOBILITY] = {"mobility", sizeof(trace_mobility_rec_t), mobility_fields, NELEM(mobility_fields),
                      "Positions of moving devices (knob mobility other than static), one row per "
                      "radio transfer start, in time order, until knob mobility_samples_max rows. "
                      "time: the transfer's start; md: device index (as /tasks.md); uplink: 1 = "
                      "upload, 0 = download; x, y: the device's position; distance_m: its distance "
                      "to the base station of the transfer; rate_bps: the transfer's rate at its start; "
                      "bs: index of that base station (/base_stations). "
                      "Empty when devices do not move."},
    [TAB_HANDOVERS] = {"handovers", sizeof(trace_handover_rec_t), handover_fields, NELEM(handover_fields),
                       "One row per handover (several base stations, moving devices), in time order. "
                       "time: when the simulator noticed it, at the device's next use of its channel "
                       "(a decision, a transfer start, a result ready: associations are evaluated "
                       "lazily); md: device index; from_bs, to_bs: BS indices (/base_stations); x, y: "
                       "the device's position; gain_from, gain_to: its path gains to both BSs then "
                       "(gain_to > gain_from x 10^(handover_hysteresis_db / 10))."},
    [TAB_BS] = {"base_stations", sizeof(trace_bs_rec_t), bs_fields, NELEM(bs_fields),
                "One row per base station, in index order (as /tasks.up_bs), written at set-up. "
                "host: SimGrid host name; x, y: position (knobs bs_x, bs_y of its base_station "
                "actor); bandwidth_hz: its cell bandwidth W_b; cpu_hz: its CPU, which runs its "
                "controller's decisions."},
};

/* ------------------------------------------------------------------------ */
/* Writer state                                                              */
/* ------------------------------------------------------------------------ */

typedef struct {
  const table_spec_t *spec;
  hid_t dset;     /* the dataset in the file */
  hid_t mem_type; /* compound type of the C struct */
  unsigned char *buf; /* `cap` records, allocated on first use */
  size_t nbuf;        /* records in buf */
  hsize_t rows;       /* records already in the file */
} table_t;

struct trace {
  hid_t file;
  char *path;     /* final name (owned) */
  char *tmp_path; /* PATH.tmp.PID (owned) */
  size_t cap;     /* buffer_records */
  int deflate;    /* shuffle + deflate level, 0 = none */
  int failed;     /* a write failed: the file is incomplete, never commit it */
  uint64_t tasks; /* task records added */
  table_t tab[TAB_COUNT];
  char err[1024];
};

/* Innermost (most specific) message of HDF5's current error stack. */
typedef struct {
  char msg[256];
  int found;
} h5_reason_t;

static herr_t h5_reason_cb(unsigned n, const H5E_error2_t *e, void *data) {
  (void)n;
  h5_reason_t *r = data;
  if (r->found || !e->desc || !e->desc[0]) return 0;
  r->found = 1;
  /* I/O failures read "file write failed: time = ..., errno = 28, error
   * message = 'No space left on device', buf = ...": keep the head and the
   * system's message. */
  const char *sys = strstr(e->desc, "error message = '");
  const char *colon = strchr(e->desc, ':');
  if (sys && colon && colon < sys) {
    sys += strlen("error message = '");
    const char *end = strchr(sys, '\'');
    int head = (int)(colon - e->desc), len = end ? (int)(end - sys) : (int)strlen(sys);
    snprintf(r->msg, sizeof r->msg, "%.*s: %.*s", head, e->desc, len, sys);
  } else {
    snprintf(r->msg, sizeof r->msg, "%s", e->desc);
  }
  for (char *c = r->msg; *c; c++)
    if (*c == '\n') *c = ' ';
  return 0;
}

/* Formats "<what>: <hdf5 reason>" into t->err. */
static void set_h5_error(trace_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_h5_error(trace_t *t, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  h5_reason_t r = {.found = 0};
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_reason_cb, &r);
  H5Eclear2(H5E_DEFAULT);
  if (r.found)
    snprintf(t->err, sizeof t->err, "trace '%s': %s: %s", t->tmp_path, what, r.msg);
  else
    snprintf(t->err, sizeof t->err, "trace '%s': %s", t->tmp_path, what);
}

/* The HDF5 type of a field; an FT_NAME type is a copy the caller closes. */
static hid_t native_type(field_kind_t k) {
  switch (k) {
  case FT_U64: return H5T_NATIVE_UINT64;
  case FT_I32: return H5T_NATIVE_INT32;
  case FT_F64: return H5T_NATIVE_DOUBLE;
  case FT_NAME: {
    /* Fixed-length, NUL-terminated ASCII (h5py: bytes, dtype S64). */
    hid_t ty = H5Tcopy(H5T_C_S1);
    if (ty >= 0 && (H5Tset_size(ty, TRACE_NAME_LEN) < 0 || H5Tset_strpad(ty, H5T_STR_NULLTERM) < 0)) {
      H5Tclose(ty);
      ty = H5I_INVALID_HID;
    }
    return ty;
  }
  }
  return H5I_INVALID_HID;
}

/* Compound type matching the C struct of `s`; caller closes it. */
static hid_t make_mem_type(const table_spec_t *s) {
  hid_t ty = H5Tcreate(H5T_COMPOUND, s->rec_size);
  if (ty < 0) return H5I_INVALID_HID;
  for (size_t i = 0; i < s->nfields; i++) {
    hid_t ft = native_type(s->fields[i].kind);
    int ok = ft >= 0 && H5Tinsert(ty, s->fields[i].name, s->fields[i].offset, ft) >= 0;
    if (s->fields[i].kind == FT_NAME && ft >= 0) H5Tclose(ft);
    if (!ok) {
      H5Tclose(ty);
      return H5I_INVALID_HID;
    }
  }
  return ty;
}

/* "name: unit; name: unit; ..." for the "units" attribute; caller frees. */
static char *units_string(const table_spec_t *s) {
  size_t len = 1;
  for (size_t i = 0; i < s->nfields; i++)
    len += strlen(s->fields[i].name) + strlen(s->fields[i].unit) + 4;
  char *u = malloc(len);
  if (!u) return NULL;
  u[0] = '\0';
  for (size_t i = 0; i < s->nfields; i++) {
    if (i) strcat(u, "; ");
    strcat(u, s->fields[i].name);
    strcat(u, ": ");
    strcat(u, s->fields[i].unit);
  }
  return u;
}

/* Writes (or replaces) a scalar attribute of type `type` on object `obj`. */
static int write_attr(hid_t obj, const char *name, hid_t type, const void *value) {
  if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0) return -1;
  hid_t space = H5Screate(H5S_SCALAR);
  if (space < 0) return -1;
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  int rc = -1;
  if (a >= 0) {
    rc = H5Awrite(a, type, value) < 0 ? -1 : 0;
    H5Aclose(a);
  }
  H5Sclose(space);
  return rc;
}

/* Variable-length UTF-8 string: h5py reads it as str, whatever its length
 * (the string lives in the global heap, not in the 64 KiB object header). */
static int write_attr_str(hid_t obj, const char *name, const char *value) {
  hid_t ty = H5Tcopy(H5T_C_S1);
  if (ty < 0) return -1;
  int rc = -1;
  if (H5Tset_size(ty, H5T_VARIABLE) >= 0 && H5Tset_cset(ty, H5T_CSET_UTF8) >= 0)
    rc = write_attr(obj, name, ty, &value);
  H5Tclose(ty);
  return rc;
}

/* The in-memory side of a table; its dataset is created at its first flush
 * (create_dataset). */
static int init_table(trace_t *t, table_t *tab, const table_spec_t *s) {
  tab->spec = s;
  tab->dset = H5I_INVALID_HID;
  tab->mem_type = make_mem_type(s);
  if (tab->mem_type < 0) {
    set_h5_error(t, "cannot build the type of /%s", s->name);
    return -1;
  }
  return 0;
}

/* Creates the dataset of `tab` at its first flush, of `rows` buffered rows
 * (0 for a table never written, created empty at close). Chunks are sized to
 * the run: a flush of a full buffer (a long run) gets the usual chunk, the
 * whole buffer or an even share of it when the buffer is larger than
 * TRACE_MAX_CHUNK_BYTES, so that every full-buffer flush writes whole chunks
 * (no read-modify-write of a compressed partial chunk); the only flush of a
 * table that never filled its buffer (at close) gets one chunk of exactly
 * its rows (split the same way), so that a short run does not pay for
 * 16384-row chunks: 2.4 MB -> tens of KB for 100 tasks. */
static int create_dataset(trace_t *t, table_t *tab, size_t rows) {
  const table_spec_t *s = tab->spec;
  hid_t file_type = H5Tcopy(tab->mem_type);
  hsize_t zero = 0, unlimited = H5S_UNLIMITED;
  hsize_t base = rows > 0 ? (hsize_t)rows : 1;
  hsize_t bytes = base * s->rec_size;
  hsize_t parts = (bytes + TRACE_MAX_CHUNK_BYTES - 1) / TRACE_MAX_CHUNK_BYTES;
  hsize_t chunk = (base + parts - 1) / parts;
  if (chunk < 1) chunk = 1;
  int deflate = t->deflate;
  hid_t space = H5Screate_simple(1, &zero, &unlimited);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  int ok = file_type >= 0 && H5Tpack(file_type) >= 0 && space >= 0 && dcpl >= 0 &&
           H5Pset_chunk(dcpl, 1, &chunk) >= 0;
  if (ok && deflate > 0) ok = H5Pset_shuffle(dcpl) >= 0 && H5Pset_deflate(dcpl, (unsigned)deflate) >= 0;
  /* No chunk cache: a flush writes its chunks straight to the file (no copy
   * into the cache, and a write error shows at the flush that caused it,
   * not at close); memory stays bounded by our buffers. */
  hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
  ok = ok && dapl >= 0 &&
       H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT) >= 0;
  if (ok) {
    tab->dset = H5Dcreate2(t->file, s->name, file_type, space, H5P_DEFAULT, dcpl, dapl);
    ok = tab->dset >= 0;
  }
  if (!ok) set_h5_error(t, "cannot append %zu records to /%s: cannot create the dataset", rows, s->name);
  if (dapl >= 0) H5Pclose(dapl);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  if (file_type >= 0) H5Tclose(file_type);
  if (!ok) return -1;

  char *units = units_string(s);
  if (!units) {
    snprintf(t->err, sizeof t->err, "trace '%s': out of memory", t->tmp_path);
    return -1;
  }
  int rc = write_attr_str(tab->dset, "units", units);
  free(units);
  if (rc == 0) rc = write_attr_str(tab->dset, "description", s->description);
  if (rc < 0) {
    set_h5_error(t, "cannot write the attributes of /%s", s->name);
    return -1;
  }
  return 0;
}

/* Appends the buffered records of `tab` to its dataset (created first if
 * needed, even with no records: every table exists in a committed trace). */
static int flush_table(trace_t *t, table_t *tab) {
  if (t->failed) return -1;
  if (tab->dset < 0 && create_dataset(t, tab, tab->nbuf) < 0) {
    t->failed = 1;
    return -1;
  }
  if (tab->nbuf == 0) return 0;
  hsize_t start = tab->rows, count = tab->nbuf, total = tab->rows + tab->nbuf;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  int ok = H5Dset_extent(tab->dset, &total) >= 0;
  if (ok) ok = (fspace = H5Dget_space(tab->dset)) >= 0;
  if (ok) ok = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0;
  if (ok) ok = (mspace = H5Screate_simple(1, &count, NULL)) >= 0;
  if (ok) ok = H5Dwrite(tab->dset, tab->mem_type, mspace, fspace, H5P_DEFAULT, tab->buf) >= 0;
  if (!ok) {
    set_h5_error(t, "cannot append %llu records to /%s", (unsigned long long)count, tab->spec->name);
    t->failed = 1;
  }
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (!ok) return -1;
  tab->rows = total;
  tab->nbuf = 0;
  return 0;
}

static int add_record(trace_t *t, table_t *tab, const void *rec) {
  if (!t || !rec) return -1;
  if (t->failed) return -1;
  if (!tab->buf) {
    tab->buf = malloc(t->cap * tab->spec->rec_size);
    if (!tab->buf) {
      snprintf(t->err, sizeof t->err, "trace '%s': out of memory for the /%s buffer", t->tmp_path,
               tab->spec->name);
      t->failed = 1;
      return -1;
    }
  }
  memcpy(tab->buf + tab->nbuf * tab->spec->rec_size, rec, tab->spec->rec_size);
  tab->nbuf++;
  if (tab->nbuf == t->cap) return flush_table(t, tab);
  return 0;
}

/* Closes every HDF5 object of t and frees its buffers. `keep`: the file is
 * meant to be committed, so its metadata is flushed first and a failure is
 * reported (t->err) with -1.
 *
 * HDF5 1.10.8 leaves a dangling file ID when H5Fclose fails (its metadata
 * flush hits a write error), and the library then crashes at exit
 * (HDFGroup/hdf5 PR #2291, fixed after 1.10.8). So H5Fclose must not fail:
 * we flush with H5Fflush first, whose failure is harmless, and if the file is
 * doomed (a write or that flush failed) we truncate it to 0 bytes before
 * closing, which gives back the space that a full disk lacked for the final
 * metadata writes. The file is deleted afterwards anyway. */
static int close_hdf5(trace_t *t, int keep) {
  int rc = t->failed ? -1 : 0;
  for (int i = 0; i < TAB_COUNT; i++) {
    table_t *tab = &t->tab[i];
    if (tab->dset > 0 && H5Dclose(tab->dset) < 0 && rc == 0) {
      set_h5_error(t, "cannot close /%s", tab->spec->name);
      rc = -1;
    }
    if (tab->mem_type > 0) H5Tclose(tab->mem_type);
    tab->dset = tab->mem_type = H5I_INVALID_HID;
    free(tab->buf);
    tab->buf = NULL;
  }
  if (t->file > 0) {
    if (keep && rc == 0 && H5Fflush(t->file, H5F_SCOPE_LOCAL) < 0) {
      set_h5_error(t, "cannot flush the file");
      rc = -1;
    }
    if (rc < 0 && t->tmp_path && truncate(t->tmp_path, 0) < 0) { /* best effort */
    }
    if (H5Fclose(t->file) < 0 && rc == 0) {
      set_h5_error(t, "cannot close the file");
      rc = -1;
    }
    t->file = H5I_INVALID_HID;
  }
  return rc;
}

static void trace_free(trace_t *t) {
  free(t->path);
  free(t->tmp_path);
  free(t);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                */
/* ------------------------------------------------------------------------ */

trace_t *trace_open_ex(const char *path, size_t buffer_records, int deflate_level, char *err,
                       size_t errlen) {
  if (err && errlen) err[0] = '\0';
  if (!path || !path[0]) {
    if (err && errlen) snprintf(err, errlen, "cannot create trace: empty path");
    return NULL;
  }
  if (deflate_level < 0 || deflate_level > 9) {
    if (err && errlen) snprintf(err, errlen, "trace '%s': deflate level %d not in 0..9", path, deflate_level);
    return NULL;
  }
  /* We report errors ourselves; HDF5's stack dumps on stderr would only
   * confuse a user (this setting is process-wide, for the default stack). */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

  trace_t *t = calloc(1, sizeof *t);
  if (!t) goto oom;
  t->file = H5I_INVALID_HID;
  for (int i = 0; i < TAB_COUNT; i++) t->tab[i].dset = t->tab[i].mem_type = H5I_INVALID_HID;
  t->cap = buffer_records ? buffer_records : TRACE_DEFAULT_BUFFER;
  t->path = strdup(path);
  size_t n = strlen(path) + 32;
  t->tmp_path = malloc(n);
  if (!t->path || !t->tmp_path) goto oom;
  snprintf(t->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());

  /* Create the file with open(2) first: HDF5's message for a missing
   * directory or a read-only place is vague, errno is not. No O_TRUNC: if
   * this very file is already open in this process, HDF5 refuses below
   * instead of us truncating it under its feet. */
  int fd = open(t->tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0666);
  int existed = fd < 0 && errno == EEXIST; /* stale, or open in this process */
  if (existed) fd = open(t->tmp_path, O_WRONLY);
  if (fd < 0) {
    if (err && errlen)
      snprintf(err, errlen, "cannot create trace '%s': %s", t->tmp_path, strerror(errno));
    trace_free(t);
    return NULL;
  }
  close(fd);

  t->file = H5Fcreate(t->tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (t->file < 0) {
    set_h5_error(t, "cannot create the HDF5 file");
    if (err && errlen) snprintf(err, errlen, "%s", t->err);
    if (!existed) unlink(t->tmp_path); /* else it may be another trace's file */
    trace_free(t);
    return NULL;
  }
  t->deflate = deflate_level;
  for (int i = 0; i < TAB_COUNT; i++)
    if (init_table(t, &t->tab[i], &table_specs[i]) < 0) goto fail;
  if (trace_set_attr_string(t, "mecsim_version", MECSIM_VERSION) < 0 ||
      trace_set_attr_int(t, "trace_format", 8) < 0)
    goto fail;
  return t;

fail:
  if (err && errlen) snprintf(err, errlen, "%s", t->err);
  t->failed = 1;
  close_hdf5(t, 0);
  unlink(t->tmp_path);
  trace_free(t);
  return NULL;
oom:
  if (err && errlen) snprintf(err, errlen, "cannot create trace '%s': out of memory", path);
  if (t) trace_free(t);
  return NULL;
}

trace_t *trace_open(const char *path, size_t buffer_records, char *err, size_t errlen) {
  return trace_open_ex(path, buffer_records, 0, err, errlen);
}

int trace_add_task(trace_t *t, const trace_task_rec_t *r) {
  if (!t) return -1;
  int rc = add_record(t, &t->tab[TAB_TASKS], r);
  if (rc == 0) t->tasks++;
  return rc;
}

int trace_add_decision(trace_t *t, const trace_decision_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_DECISIONS], r) : -1;
}

int trace_add_server(trace_t *t, const trace_server_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_SERVERS], r) : -1;
}

int trace_add_training(trace_t *t, const trace_training_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_TRAINING], r) : -1;
}

int trace_add_message(trace_t *t, const trace_message_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_MESSAGES], r) : -1;
}

int trace_add_device(trace_t *t, const trace_device_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_DEVICES], r) : -1;
}

int trace_add_background(trace_t *t, const trace_background_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_BACKGROUND], r) : -1;
}

int trace_add_mobility(trace_t *t, const trace_mobility_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_MOBILITY], r) : -1;
}

int trace_add_handover(trace_t *t, const trace_handover_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_HANDOVERS], r) : -1;
}

int trace_add_bs(trace_t *t, const trace_bs_rec_t *r) {
  return t ? add_record(t, &t->tab[TAB_BS], r) : -1;
}

void trace_device_set_names(trace_device_rec_t *r, const char *host, const char *bs) {
  memset(r->host, 0, sizeof r->host);
  memset(r->bs, 0, sizeof r->bs);
  if (host) strncpy(r->host, host, sizeof r->host - 1);
  if (bs) strncpy(r->bs, bs, sizeof r->bs - 1);
}

int trace_set_attr_string(trace_t *t, const char *name, const char *value) {
  if (!t || !name || !value) return -1;
  if (write_attr_str(t->file, name, value) < 0) {
    set_h5_error(t, "cannot write root attribute '%s'", name);
    return -1;
  }
  return 0;
}

int trace_set_attr_double(trace_t *t, const char *name, double value) {
  if (!t || !name) return -1;
  if (write_attr(t->file, name, H5T_NATIVE_DOUBLE, &value) < 0) {
    set_h5_error(t, "cannot write root attribute '%s'", name);
    return -1;
  }
  return 0;
}

int trace_set_attr_int(trace_t *t, const char *name, int64_t value) {
  if (!t || !name) return -1;
  if (write_attr(t->file, name, H5T_NATIVE_INT64, &value) < 0) {
    set_h5_error(t, "cannot write root attribute '%s'", name);
    return -1;
  }
  return 0;
}

/* Root attributes mecsim writes (src/actors/setup.c at set-up, src/main.c at
 * the end of a run, trace_open); every "cfg.KNOB" as well. */
static const char *const reserved_attrs[] = {
    "trace_format", "mecsim_version", "simgrid_version", "command_line", "configuration", "cfg_types",
    "platform_file", "deployment_file", "platform_xml", "deployment_xml", "policy", "seed", "n_md",
    "n_servers", "server_tiers", "bs_names", "n_bs", "handovers", "units", "end_time_s", "tasks_done", "tasks_unfinished_at_until",
    "servers_sampling_stopped_at_s"};

int trace_reserved_attr(const char *name) {
  if (!name) return 0;
  if (strncmp(name, "cfg.", 4) == 0) return 1;
  for (size_t i = 0; i < sizeof reserved_attrs / sizeof reserved_attrs[0]; i++)
    if (strcmp(name, reserved_attrs[i]) == 0) return 1;
  return 0;
}

int trace_check_user_attr(const char *kv, char *err, size_t errlen) {
  const char *eq = kv ? strchr(kv, '=') : NULL;
  if (!eq) {
    snprintf(err, errlen, "expected KEY=VALUE");
    return -1;
  }
  size_t klen = (size_t)(eq - kv);
  if (klen == 0 || klen > 64) {
    snprintf(err, errlen, "the key must have 1 to 64 characters");
    return -1;
  }
  if (!(isalpha((unsigned char)kv[0]) || kv[0] == '_')) {
    snprintf(err, errlen, "the key must start with a letter or '_'");
    return -1;
  }
  for (size_t i = 0; i < klen; i++) {
    unsigned char c = (unsigned char)kv[i];
    if (!(isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-')) {
      snprintf(err, errlen, "character %zu of the key is not one of A-Z a-z 0-9 _ . : -", i + 1);
      return -1;
    }
  }
  char key[65];
  memcpy(key, kv, klen);
  key[klen] = '\0';
  if (trace_reserved_attr(key)) {
    snprintf(err, errlen, "'%s' is an attribute mecsim writes itself (docs/trace.md); choose another key", key);
    return -1;
  }
  size_t vlen = strlen(eq + 1);
  if (vlen > 65535) {
    snprintf(err, errlen, "the value of '%s' is %zu bytes long (at most 65535)", key, vlen);
    return -1;
  }
  for (size_t i = 0; i < vlen; i++) {
    unsigned char c = (unsigned char)eq[1 + i];
    if (c < 0x20 || c == 0x7f) {
      snprintf(err, errlen, "the value of '%s' has a control character (byte 0x%02x at %zu): only printable text",
               key, c, i + 1);
      return -1;
    }
  }
  return 0;
}

int trace_has_attr(const trace_t *t, const char *name) {
  if (!t || !name) return -1;
  htri_t e = H5Aexists(t->file, name);
  return e < 0 ? -1 : e > 0;
}

uint64_t trace_task_count(const trace_t *t) { return t ? t->tasks : 0; }

int trace_close_msg(trace_t *t, int commit, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  if (!t) return 0;
  int rc = 0;
  if (commit) {
    for (int i = 0; i < TAB_COUNT; i++)
      if (flush_table(t, &t->tab[i]) < 0) rc = -1;
  }
  if (close_hdf5(t, commit && rc == 0) < 0) rc = -1;
  if (commit && rc < 0 && t->err[0] == '\0')
    snprintf(t->err, sizeof t->err, "trace '%s': an earlier write failed", t->tmp_path);
  if (commit && rc == 0 && rename(t->tmp_path, t->path) < 0) {
    snprintf(t->err, sizeof t->err, "cannot rename trace '%s' to '%s': %s", t->tmp_path, t->path,
             strerror(errno));
    rc = -1;
  }
  /* Never leave a half-written file behind, committed or not. */
  if (!commit || rc < 0) unlink(t->tmp_path);
  if (commit && rc < 0 && err && errlen) snprintf(err, errlen, "%s", t->err);
  trace_free(t);
  return commit ? rc : 0;
}

int trace_close(trace_t *t, int commit) {
  char err[1024];
  int rc = trace_close_msg(t, commit, err, sizeof err);
  /* t is gone: stderr is the only place left for the reason. */
  if (rc < 0) fprintf(stderr, "mecsim: %s\n", err);
  return rc;
}

const char *trace_error(const trace_t *t) { return t ? t->err : "no trace"; }

const char *trace_tmp_path(const trace_t *t) { return t ? t->tmp_path : NULL; }
