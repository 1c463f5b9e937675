/* test_trace.c - HDF5 trace writer: round trip through the HDF5 C API,
 * empty datasets, attributes, temp-file/commit protocol, error messages,
 * chunks sized to the run (small traces stay small), /devices, and the
 * Python reader (analysis/mecsim_trace.py) on a written file. */
#include <errno.h>
#include <hdf5.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "trace/trace.h"

#define NTASK 100  /* with a buffer of 7 records: 14 full flushes + a partial one */
#define NDEC 23
#define NSRV 15
#define NTRN 9
#define NDEV 11
#define BUF 7
#define NDBL 32 /* arrival .. offload_frac: consecutive doubles of trace_task_rec_t */

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* A per-test file name in the working directory (the build tree). */
static void test_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "test_trace_%s_%ld.h5", name, (long)getpid());
  unlink(buf);
}

/* ---- records with distinct values in every field ---------------------- */

static double val(uint64_t i, int field) { return 1000.0 * (double)i + field + 0.25; }

static void make_task(trace_task_rec_t *r, uint64_t i) {
  memset(r, 0, sizeof *r);
  int f = 0;
  r->id = 1000000007ULL * i + 3; /* uses the upper 32 bits too */
  r->md = (int32_t)(10 * i + 1);
  r->target = (int32_t)(i % 4); /* 0 = local, 1..3 = servers 1..3 */
  r->partition = -(int32_t)i;
  r->slot = (int32_t)(7 * i + 2);
  r->dnn = (int32_t)(i % 5) - 1;
  r->missed = (int32_t)(i % 2);
  /* arrival .. offload_frac are NDBL consecutive doubles in the struct. */
  for (f = 0; f < NDBL; f++) {
    double v = val(i, f);
    memcpy((char *)r + offsetof(trace_task_rec_t, arrival) + f * sizeof(double), &v, sizeof v);
  }
  r->done = r->arrival + 0.5 + (double)i; /* delay = 0.5 + i */
  if (r->target == 0) { /* a local task: offloading phases did not happen */
    r->up_wait_start = r->up_start = r->up_end = r->fwd_start = r->fwd_end = NAN;
    r->queue_enter = r->exec_start = r->exec_end = r->down_start = r->down_end = NAN;
    r->down_fiber_end = r->down_radio_start = NAN;
  }
}

static void make_device(trace_device_rec_t *r, uint64_t i) {
  memset(r, 0, sizeof *r);
  r->md = (int32_t)i;
  r->dnn = (int32_t)(i % 5) - 1;
  r->distance_m = val(i, 0);
  r->cpu_hz = val(i, 1);
  r->tx_power_w = val(i, 2);
  r->kappa = val(i, 3);
  r->path_gain = val(i, 4);
  char host[128];
  if (i == 3) /* longer than the field: truncated to TRACE_NAME_LEN - 1 bytes */
    snprintf(host, sizeof host, "a-very-long-host-name-%0100d", 7);
  else
    snprintf(host, sizeof host, "md%llu", (unsigned long long)i);
  trace_device_set_names(r, host, "bs");
}

static void make_decision(trace_decision_rec_t *r, uint64_t i) {
  memset(r, 0, sizeof *r);
  r->time = val(i, 0);
  r->done = val(i, 1);
  r->batch = (int32_t)(3 * i + 1);
  r->host_kind = (int32_t)(i % 2);
  r->flops = val(i, 2);
  r->iterations = val(i, 3);
  r->model_size = val(i, 4);
  r->messages = val(i, 5);
  r->done_local = val(i, 6);
  r->macs = val(i, 7);
  r->arch_k = (int32_t)(i % 10 + 1);
  r->arch_l = (int32_t)(i % 3 + 1);
}

static void make_server(trace_server_rec_t *r, uint64_t i) {
  memset(r, 0, sizeof *r); /* clears the padding after in_service too */
  r->time = val(i, 0);
  r->server = (int32_t)(i % 3 + 1); /* server ids 1..3 */
  r->queued = (int32_t)(5 * i);
  r->in_service = (int32_t)(i % 2 + 1);
  r->backlog_cycles = val(i, 1);
  r->load_factor = val(i, 2);
}

static void make_training(trace_training_rec_t *r, uint64_t i) {
  memset(r, 0, sizeof *r);
  r->episode = (int32_t)i;
  r->step = (int32_t)(100 * i + 9);
  r->reward = -val(i, 0);
  r->loss_actor = val(i, 1);
  r->loss_critic = val(i, 2);
  r->mean_delay = val(i, 3);
  r->load_var = val(i, 4);
  r->epsilon = i % 3 ? val(i, 5) : NAN;
}

/* ---- independent read-side types (not taken from trace.c) -------------- */

#define INS(ty, type, m, h5) H5Tinsert(ty, #m, offsetof(type, m), h5)

static hid_t task_type(void) {
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(trace_task_rec_t));
  INS(t, trace_task_rec_t, id, H5T_NATIVE_UINT64);
  INS(t, trace_task_rec_t, md, H5T_NATIVE_INT32);
  INS(t, trace_task_rec_t, target, H5T_NATIVE_INT32);
  INS(t, trace_task_rec_t, partition, H5T_NATIVE_INT32);
  INS(t, trace_task_rec_t, slot, H5T_NATIVE_INT32);
  INS(t, trace_task_rec_t, dnn, H5T_NATIVE_INT32);
  INS(t, trace_task_rec_t, missed, H5T_NATIVE_INT32);
  static const char *dbl[NDBL] = {
      "arrival",        "decide_start",   "decide_end",       "local_start",  "local_end",
      "up_wait_start",  "up_start",       "up_end",           "fwd_start",    "fwd_end",
      "queue_enter",    "exec_start",     "exec_end",         "down_start",   "down_fiber_end",
      "down_radio_start", "down_end",     "done",             "input_bits",   "cycles",
      "output_bits",    "local_cycles",   "up_rate_bps",      "energy_local_j", "energy_tx_j",
      "price",          "bw_share",       "cpu_share",        "deadline",     "tx_offset",
      "tx_window",      "offload_frac"};
  for (int f = 0; f < NDBL; f++)
    H5Tinsert(t, dbl[f], offsetof(trace_task_rec_t, arrival) + f * sizeof(double),
              H5T_NATIVE_DOUBLE);
  return t;
}

static hid_t decision_type(void) {
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(trace_decision_rec_t));
  INS(t, trace_decision_rec_t, time, H5T_NATIVE_DOUBLE);
  INS(t, trace_decision_rec_t, done, H5T_NATIVE_DOUBLE);
  INS(t, trace_decision_rec_t, batch, H5T_NATIVE_INT32);
  INS(t, trace_decision_rec_t, host_kind, H5T_NATIVE_INT32);
  INS(t, trace_decision_rec_t, flops, H5T_NATIVE_DOUBLE);
  INS(t, trace_decision_rec_t, iterations, H5T_NATIVE_DOUBLE);
  INS(t, trace_decision_rec_t, model_size, H5T_NATIVE_DOUBLE);
  INS(t, trace_decision_rec_t, messages, H5T_NATIVE_DOUBLE);
  INS(t, trace_decision_rec_t, done_local, H5T_NATIVE_DOUBLE);
  INS(t, trace_decision_rec_t, macs, H5T_NATIVE_DOUBLE);
  INS(t, trace_decision_rec_t, arch_k, H5T_NATIVE_INT32);
  INS(t, trace_decision_rec_t, arch_l, H5T_NATIVE_INT32);
  return t;
}

static hid_t server_type(void) {
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(trace_server_rec_t));
  INS(t, trace_server_rec_t, time, H5T_NATIVE_DOUBLE);
  INS(t, trace_server_rec_t, server, H5T_NATIVE_INT32);
  INS(t, trace_server_rec_t, queued, H5T_NATIVE_INT32);
  INS(t, trace_server_rec_t, in_service, H5T_NATIVE_INT32);
  INS(t, trace_server_rec_t, backlog_cycles, H5T_NATIVE_DOUBLE);
  INS(t, trace_server_rec_t, load_factor, H5T_NATIVE_DOUBLE);
  return t;
}

static hid_t device_type(void) {
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(trace_device_rec_t));
  hid_t name = H5Tcopy(H5T_C_S1);
  H5Tset_size(name, TRACE_NAME_LEN);
  INS(t, trace_device_rec_t, md, H5T_NATIVE_INT32);
  INS(t, trace_device_rec_t, dnn, H5T_NATIVE_INT32);
  INS(t, trace_device_rec_t, distance_m, H5T_NATIVE_DOUBLE);
  INS(t, trace_device_rec_t, cpu_hz, H5T_NATIVE_DOUBLE);
  INS(t, trace_device_rec_t, tx_power_w, H5T_NATIVE_DOUBLE);
  INS(t, trace_device_rec_t, kappa, H5T_NATIVE_DOUBLE);
  INS(t, trace_device_rec_t, path_gain, H5T_NATIVE_DOUBLE);
  INS(t, trace_device_rec_t, host, name);
  INS(t, trace_device_rec_t, bs, name);
  H5Tclose(name);
  return t;
}

static hid_t training_type(void) {
  hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(trace_training_rec_t));
  INS(t, trace_training_rec_t, episode, H5T_NATIVE_INT32);
  INS(t, trace_training_rec_t, step, H5T_NATIVE_INT32);
  INS(t, trace_training_rec_t, reward, H5T_NATIVE_DOUBLE);
  INS(t, trace_training_rec_t, loss_actor, H5T_NATIVE_DOUBLE);
  INS(t, trace_training_rec_t, loss_critic, H5T_NATIVE_DOUBLE);
  INS(t, trace_training_rec_t, mean_delay, H5T_NATIVE_DOUBLE);
  INS(t, trace_training_rec_t, load_var, H5T_NATIVE_DOUBLE);
  INS(t, trace_training_rec_t, epsilon, H5T_NATIVE_DOUBLE);
  return t;
}

/* Reads dataset `name` into a new zeroed array of `size`-byte records with
 * memory type `mtype` (closed here); *n gets the row count. Caller frees. */
static void *read_all(hid_t file, const char *name, hid_t mtype, size_t size, hsize_t *n) {
  *n = (hsize_t)-1;
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  CHECK(d >= 0);
  if (d < 0) {
    H5Tclose(mtype);
    return NULL;
  }
  hid_t s = H5Dget_space(d);
  hsize_t dims[1] = {0}, maxd[1] = {0};
  CHECK(H5Sget_simple_extent_ndims(s) == 1);
  H5Sget_simple_extent_dims(s, dims, maxd);
  CHECK(maxd[0] == H5S_UNLIMITED);
  *n = dims[0];
  void *buf = calloc(dims[0] + 1, size);
  if (dims[0]) CHECK(H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
  H5Sclose(s);
  H5Dclose(d);
  H5Tclose(mtype);
  return buf;
}

/* Number of members of the file type of dataset `name` (-1 on error). */
static int file_nmembers(hid_t file, const char *name) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t t = H5Dget_type(d);
  int n = H5Tget_class(t) == H5T_COMPOUND ? H5Tget_nmembers(t) : -1;
  H5Tclose(t);
  H5Dclose(d);
  return n;
}

/* Reads a string attribute of object `obj` (variable or fixed length) into a
 * new string; caller frees. NULL if absent. */
static char *read_str_attr(hid_t obj, const char *name) {
  if (H5Aexists(obj, name) <= 0) return NULL;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t ft = H5Aget_type(a);
  char *out = NULL;
  if (H5Tget_class(ft) == H5T_STRING) {
    if (H5Tis_variable_str(ft) > 0) {
      hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_size(mt, H5T_VARIABLE);
      H5Tset_cset(mt, H5Tget_cset(ft));
      char *s = NULL;
      if (H5Aread(a, mt, &s) >= 0 && s) {
        out = strdup(s);
        H5free_memory(s);
      }
      H5Tclose(mt);
    } else {
      size_t n = H5Tget_size(ft);
      out = calloc(n + 1, 1);
      H5Aread(a, ft, out);
    }
  }
  H5Tclose(ft);
  H5Aclose(a);
  return out;
}

static int is_vlen_utf8_attr(hid_t obj, const char *name) {
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return 0;
  hid_t ft = H5Aget_type(a);
  int ok = H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) > 0 &&
           H5Tget_cset(ft) == H5T_CSET_UTF8;
  H5Tclose(ft);
  H5Aclose(a);
  return ok;
}

/* Writes the standard test content to `path` (committed), compressed with
 * deflate level `deflate` (0 = none). */
static int write_sample(const char *path, int deflate) {
  char err[512];
  trace_t *t = trace_open_ex(path, BUF, deflate, err, sizeof err);
  CHECK(t != NULL);
  if (!t) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  trace_task_rec_t tr;
  trace_decision_rec_t dr;
  trace_server_rec_t sr;
  trace_training_rec_t nr;
  trace_device_rec_t vr;
  int fails = 0;
  /* Interleave the datasets, as a simulation does. */
  for (uint64_t i = 0; i < NTASK; i++) {
    make_task(&tr, i);
    fails += trace_add_task(t, &tr) != 0;
    if (i < NDEC) {
      make_decision(&dr, i);
      fails += trace_add_decision(t, &dr) != 0;
    }
    if (i < NSRV) {
      make_server(&sr, i);
      fails += trace_add_server(t, &sr) != 0;
    }
    if (i < NTRN) {
      make_training(&nr, i);
      fails += trace_add_training(t, &nr) != 0;
    }
    if (i < NDEV) {
      make_device(&vr, i);
      fails += trace_add_device(t, &vr) != 0;
    }
  }
  /* format 8: a handover and two base stations */
  trace_handover_rec_t hr = {12.5, 3, 0, 1, 101.25, -2.5, 1e-12, 4e-12};
  fails += trace_add_handover(t, &hr) != 0;
  for (int b = 0; b < 2; b++) {
    trace_bs_rec_t br = {.bs = b, .x = 200.0 * b, .y = 0, .bandwidth_hz = 20e6, .cpu_hz = 1e10};
    snprintf(br.host, sizeof br.host, "bs-%d", b);
    fails += trace_add_bs(t, &br) != 0;
  }
  CHECK(fails == 0);
  CHECK(trace_task_count(t) == NTASK);
  CHECK(trace_set_attr_string(t, "policy", "round_robin") == 0);
  CHECK(trace_set_attr_int(t, "seed", 42) == 0);
  return trace_close(t, 1);
}

/* ---- tests -------------------------------------------------------------- */

/* Number of filters of dataset `name` (-1 on error). */
static int nfilters(hid_t file, const char *name) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t dcpl = H5Dget_create_plist(d);
  int n = H5Pget_nfilters(dcpl);
  H5Pclose(dcpl);
  H5Dclose(d);
  return n;
}

static void roundtrip(int deflate) {
  char path[256];
  test_path(path, sizeof path, deflate ? "roundtrip_z" : "roundtrip");
  CHECK(write_sample(path, deflate) == 0);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f < 0) return;
  CHECK(nfilters(f, "tasks") == (deflate ? 2 : 0)); /* shuffle + deflate */

  /* Every field of every struct is in the file: nothing is lost silently. */
  CHECK(file_nmembers(f, "tasks") == 46); /* format 5: dropped; 6: up_distance_m; 7: tier; 8: up_bs, down_bs,
                                            down_hops, down_relay_start */
  CHECK(file_nmembers(f, "devices") == 9);
  CHECK(file_nmembers(f, "decisions") == 13); /* format 8: bs */
  CHECK(file_nmembers(f, "servers") == 6);
  CHECK(file_nmembers(f, "training") == 8);
  CHECK(file_nmembers(f, "messages") == 7);
  CHECK(file_nmembers(f, "background") == 6);
  CHECK(file_nmembers(f, "mobility") == 8); /* format 6; format 8: bs */
  CHECK(file_nmembers(f, "handovers") == 8); /* format 8 */
  CHECK(file_nmembers(f, "base_stations") == 6); /* format 8 */
  {
    hid_t ht = H5Tcreate(H5T_COMPOUND, sizeof(trace_handover_rec_t));
    H5Tinsert(ht, "time", HOFFSET(trace_handover_rec_t, time), H5T_NATIVE_DOUBLE);
    H5Tinsert(ht, "to_bs", HOFFSET(trace_handover_rec_t, to_bs), H5T_NATIVE_INT32);
    H5Tinsert(ht, "gain_to", HOFFSET(trace_handover_rec_t, gain_to), H5T_NATIVE_DOUBLE);
    hsize_t nh;
    trace_handover_rec_t *h = read_all(f, "handovers", ht, sizeof *h, &nh);
    CHECK(nh == 1 && h && h[0].time == 12.5 && h[0].to_bs == 1 && h[0].gain_to == 4e-12);
    free(h);
  }

  hsize_t n;
  trace_task_rec_t *tasks = read_all(f, "tasks", task_type(), sizeof *tasks, &n);
  CHECK(n == NTASK);
  int bad = 0;
  for (uint64_t i = 0; tasks && i < n && i < NTASK; i++) {
    trace_task_rec_t e;
    make_task(&e, i);
    /* Bitwise: the NaNs of phases that did not happen must survive too. */
    if (memcmp(&e, &tasks[i], sizeof e) != 0) bad++;
  }
  CHECK(bad == 0);
  if (tasks) { /* spot checks with readable failure output */
    CHECK(tasks[37].id == 1000000007ULL * 37 + 3);
    CHECK(tasks[37].partition == -37);
    CHECK_NEAR(tasks[37].done - tasks[37].arrival, 37.5, 1e-9);
    CHECK(isnan(tasks[36].exec_start) && isnan(tasks[36].up_end)); /* 36 % 4 == 0: local */
    CHECK_NEAR(tasks[99].deadline, val(99, NDBL - 4), 0);
    CHECK_NEAR(tasks[99].offload_frac, val(99, NDBL - 1), 0);
  }
  free(tasks);

  trace_decision_rec_t *dec = read_all(f, "decisions", decision_type(), sizeof *dec, &n);
  CHECK(n == NDEC);
  bad = 0;
  for (uint64_t i = 0; dec && i < n && i < NDEC; i++) {
    trace_decision_rec_t e;
    make_decision(&e, i);
    if (memcmp(&e, &dec[i], sizeof e) != 0) bad++;
  }
  CHECK(bad == 0);
  free(dec);

  trace_server_rec_t *srv = read_all(f, "servers", server_type(), sizeof *srv, &n);
  CHECK(n == NSRV);
  bad = 0;
  for (uint64_t i = 0; srv && i < n && i < NSRV; i++) {
    trace_server_rec_t e;
    make_server(&e, i);
    if (memcmp(&e, &srv[i], sizeof e) != 0) bad++;
  }
  CHECK(bad == 0);
  free(srv);

  trace_training_rec_t *trn = read_all(f, "training", training_type(), sizeof *trn, &n);
  CHECK(n == NTRN);
  bad = 0;
  for (uint64_t i = 0; trn && i < n && i < NTRN; i++) {
    trace_training_rec_t e;
    make_training(&e, i);
    if (memcmp(&e, &trn[i], sizeof e) != 0) bad++;
  }
  CHECK(bad == 0);
  free(trn);

  trace_device_rec_t *dev = read_all(f, "devices", device_type(), sizeof *dev, &n);
  CHECK(n == NDEV);
  bad = 0;
  for (uint64_t i = 0; dev && i < n && i < NDEV; i++) {
    trace_device_rec_t e;
    make_device(&e, i);
    if (memcmp(&e, &dev[i], sizeof e) != 0) bad++;
  }
  CHECK(bad == 0);
  if (dev) {
    CHECK(strcmp(dev[2].host, "md2") == 0 && strcmp(dev[2].bs, "bs") == 0);
    CHECK(strlen(dev[3].host) == TRACE_NAME_LEN - 1 && strncmp(dev[3].host, "a-very-long-host-name-", 22) == 0);
    CHECK(dev[0].dnn == -1 && dev[1].dnn == 0);
  }
  free(dev);

  /* messages received nothing: it exists with 0 rows. */
  hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(trace_message_rec_t));
  H5Tinsert(mt, "bits", offsetof(trace_message_rec_t, bits), H5T_NATIVE_DOUBLE);
  void *msg = read_all(f, "messages", mt, sizeof(trace_message_rec_t), &n);
  CHECK(n == 0);
  free(msg);
  H5Fclose(f);
  unlink(path);
}

/* A buffer larger than one chunk (chunks are capped near 1 MiB) whose size
 * is not a multiple of the chunk: flushes start inside a compressed chunk. */
static void test_chunk_boundaries(void) {
  char path[256], err[512];
  test_path(path, sizeof path, "chunks");
  const uint64_t n = 25000;
  trace_t *t = trace_open_ex(path, 10000, 1, err, sizeof err);
  CHECK(t != NULL);
  if (!t) return;
  trace_task_rec_t r;
  int fails = 0;
  for (uint64_t i = 0; i < n; i++) {
    make_task(&r, i);
    fails += trace_add_task(t, &r) != 0;
  }
  CHECK(fails == 0);
  CHECK(trace_close(t, 1) == 0);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f < 0) return;
  hsize_t rows;
  trace_task_rec_t *got = read_all(f, "tasks", task_type(), sizeof *got, &rows);
  CHECK(rows == n);
  int bad = 0;
  for (uint64_t i = 0; got && i < rows && i < n; i++) {
    make_task(&r, i);
    if (memcmp(&r, &got[i], sizeof r) != 0) bad++;
  }
  CHECK(bad == 0);
  free(got);
  H5Fclose(f);
  unlink(path);
}

/* Rows per chunk of dataset `name` (0 on error). */
static hsize_t chunk_rows(hid_t file, const char *name) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return 0;
  hid_t dcpl = H5Dget_create_plist(d);
  hsize_t c[1] = {0};
  if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, 1, c) != 1) c[0] = 0;
  H5Pclose(dcpl);
  H5Dclose(d);
  return c[0];
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Writes n tasks, n decisions, 2n server samples and 5 devices with the
 * default buffer (as mecsim does); returns 0 on success. */
static int write_run(const char *path, uint64_t n) {
  char err[512];
  trace_t *t = trace_open(path, 0, err, sizeof err);
  CHECK(t != NULL);
  if (!t) return -1;
  int fails = 0;
  trace_device_rec_t vr;
  for (uint64_t i = 0; i < 5; i++) {
    make_device(&vr, i);
    fails += trace_add_device(t, &vr) != 0;
  }
  for (uint64_t i = 0; i < n; i++) {
    trace_task_rec_t tr;
    trace_decision_rec_t dr;
    trace_server_rec_t sr;
    make_task(&tr, i);
    make_decision(&dr, i);
    fails += trace_add_task(t, &tr) != 0;
    fails += trace_add_decision(t, &dr) != 0;
    for (uint64_t k = 0; k < 2; k++) {
      make_server(&sr, 2 * i + k);
      fails += trace_add_server(t, &sr) != 0;
    }
  }
  CHECK(fails == 0);
  return trace_close(t, 1);
}

/* Chunks are sized to the run: a short run's tables are one chunk of exactly
 * their rows (a 100-task trace was 2.4 MB with 16384-row chunks), a long
 * run keeps the usual chunks (the whole 16384-record buffer, split to stay
 * under 1 MiB: 3277 task rows), and no chunk exceeds 1 MiB. */
static void test_chunk_sizing(void) {
  char path[256];
  test_path(path, sizeof path, "small");
  CHECK(write_run(path, 100) == 0);
  long size = file_size(path);
  printf("100-task trace: %ld bytes\n", size);
  CHECK(size > 0 && size < 200 * 1000);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f >= 0) {
    CHECK(chunk_rows(f, "tasks") == 100);
    CHECK(chunk_rows(f, "decisions") == 100);
    CHECK(chunk_rows(f, "servers") == 200);
    CHECK(chunk_rows(f, "devices") == 5);
    CHECK(chunk_rows(f, "messages") >= 1); /* empty, still a (tiny) chunked dataset */
    H5Fclose(f);
  }
  unlink(path);

  /* Long run: the buffer filled, the usual chunks. */
  test_path(path, sizeof path, "long");
  CHECK(write_run(path, 20000) == 0);
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f >= 0) {
    CHECK(chunk_rows(f, "tasks") == 2731); /* 16384 x 328 B = 5.1 MiB: 6 chunks per buffer */
    CHECK(chunk_rows(f, "servers") == 16384);
    hsize_t n;
    trace_task_rec_t *got = read_all(f, "tasks", task_type(), sizeof *got, &n);
    CHECK(n == 20000);
    trace_task_rec_t e;
    make_task(&e, 19999);
    CHECK(got && memcmp(&e, &got[19999], sizeof e) == 0);
    free(got);
    H5Fclose(f);
  }
  unlink(path);

  /* Mid-size run written in one flush: one chunk per ~1 MiB. */
  test_path(path, sizeof path, "mid");
  CHECK(write_run(path, 10000) == 0);
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f >= 0) {
    hsize_t c = chunk_rows(f, "tasks");
    CHECK(c == 2500 && c * sizeof(trace_task_rec_t) <= (1u << 20)); /* 3.28 MB in 4 chunks */
    H5Fclose(f);
  }
  unlink(path);
}

static void test_roundtrip(void) { roundtrip(0); }
static void test_roundtrip_deflate(void) { roundtrip(1); }

/* The "units" attribute names every member of the dataset's type. */
static void check_units(hid_t f, const char *name) {
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  CHECK(d >= 0);
  if (d < 0) return;
  char *units = read_str_attr(d, "units");
  char *desc = read_str_attr(d, "description");
  CHECK(units != NULL);
  CHECK(desc != NULL && strlen(desc) > 40);
  CHECK(is_vlen_utf8_attr(d, "units"));
  hid_t t = H5Dget_type(d);
  int nm = H5Tget_nmembers(t), missing = 0;
  for (int i = 0; units && i < nm; i++) {
    char *m = H5Tget_member_name(t, (unsigned)i);
    char key[128];
    snprintf(key, sizeof key, "%s: ", m);
    /* "key: " must start the string or follow "; " (not be a suffix of
     * another field's name). */
    const char *p = strstr(units, key);
    while (p && p != units && !(p >= units + 2 && p[-2] == ';' && p[-1] == ' '))
      p = strstr(p + 1, key);
    if (!p) {
      missing++;
      fprintf(stderr, "  /%s: no unit for '%s' in \"%s\"\n", name, m, units);
    }
    H5free_memory(m);
  }
  CHECK(missing == 0);
  H5Tclose(t);
  free(units);
  free(desc);
  H5Dclose(d);
}

static void test_empty_and_units(void) {
  char path[256], err[512];
  test_path(path, sizeof path, "empty");
  trace_t *t = trace_open(path, 0, err, sizeof err);
  CHECK(t != NULL);
  if (!t) return;
  CHECK(trace_task_count(t) == 0);
  CHECK(trace_close(t, 1) == 0);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f < 0) return;
  const char *names[] = {"tasks",      "decisions", "servers",   "devices",      "training",
                         "messages",   "background", "mobility", "handovers", "base_stations"};
  for (int i = 0; i < 10; i++) {
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(double));
    hsize_t n;
    free(read_all(f, names[i], mt, sizeof(double), &n));
    CHECK(n == 0);
    check_units(f, names[i]);
  }
  /* The NaN convention is documented where readers look. */
  hid_t d = H5Dopen2(f, "tasks", H5P_DEFAULT);
  char *desc = read_str_attr(d, "description");
  CHECK(desc && strstr(desc, "NaN") != NULL);
  free(desc);
  char *units = read_str_attr(d, "units");
  CHECK(units && strstr(units, "arrival: s") && strstr(units, "input_bits: bit") &&
        strstr(units, "energy_local_j: J") && strstr(units, "up_wait_start: s") &&
        strstr(units, "down_fiber_end: s") && strstr(units, "down_radio_start: s"));
  free(units);
  H5Dclose(d);
  d = H5Dopen2(f, "devices", H5P_DEFAULT);
  units = read_str_attr(d, "units");
  CHECK(units && strstr(units, "distance_m: m") && strstr(units, "cpu_hz: cycle/s") &&
        strstr(units, "tx_power_w: W") && strstr(units, "host: text"));
  free(units);
  H5Dclose(d);
  /* Format 2: server ids 1..M, radio waits, /devices; format 3: DyNN decision fields; format 4:
   * /background; format 5: /tasks.dropped; format 6: /tasks.up_distance_m, /mobility; format 7:
   * /tasks.tier (0 local, 1 edge, 2 cloud); format 8: several base stations. */
  int64_t fmt = 0;
  hid_t a = H5Aopen(f, "trace_format", H5P_DEFAULT);
  CHECK(a >= 0 && H5Aread(a, H5T_NATIVE_INT64, &fmt) >= 0);
  if (a >= 0) H5Aclose(a);
  CHECK(fmt == 8);
  H5Fclose(f);
  unlink(path);
}

static void test_attributes(void) {
  char path[256], err[512];
  test_path(path, sizeof path, "attrs");
  trace_t *t = trace_open(path, 0, err, sizeof err);
  CHECK(t != NULL);
  if (!t) return;
  /* A large string, such as a whole platform XML file. */
  size_t big_n = 1 << 20;
  char *big = malloc(big_n + 1);
  for (size_t i = 0; i < big_n; i++) big[i] = (char)('a' + (i * 7919) % 26);
  big[big_n] = '\0';
  CHECK(trace_set_attr_string(t, "platform_xml", big) == 0);
  CHECK(trace_set_attr_string(t, "policy", "first") == 0);
  CHECK(trace_set_attr_string(t, "policy", "tpos-\xce\xbb") == 0); /* replaced, UTF-8 */
  CHECK(trace_set_attr_string(t, "empty", "") == 0);
  CHECK(trace_set_attr_double(t, "slot_s", 0.125) == 0);
  CHECK(trace_set_attr_double(t, "slot_s", 0.375) == 0);
  CHECK(trace_set_attr_int(t, "seed", INT64_C(-9007199254740993)) == 0);
  CHECK(trace_set_attr_string(t, "null", NULL) == -1);
  CHECK(trace_close(t, 1) == 0);

  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f < 0) {
    free(big);
    return;
  }
  char *s = read_str_attr(f, "platform_xml");
  CHECK(s && strlen(s) == big_n && memcmp(s, big, big_n) == 0);
  free(s);
  s = read_str_attr(f, "policy");
  CHECK(s && strcmp(s, "tpos-\xce\xbb") == 0);
  free(s);
  s = read_str_attr(f, "empty");
  CHECK(s && s[0] == '\0');
  free(s);
  s = read_str_attr(f, "mecsim_version"); /* written by trace_open */
  CHECK(s && strcmp(s, MECSIM_VERSION) == 0);
  free(s);
  CHECK(H5Aexists(f, "null") == 0);
  CHECK(is_vlen_utf8_attr(f, "policy"));

  double dv = 0;
  hid_t a = H5Aopen(f, "slot_s", H5P_DEFAULT);
  CHECK(H5Aread(a, H5T_NATIVE_DOUBLE, &dv) >= 0);
  CHECK_NEAR(dv, 0.375, 0);
  H5Aclose(a);
  int64_t iv = 0;
  a = H5Aopen(f, "seed", H5P_DEFAULT);
  CHECK(H5Aread(a, H5T_NATIVE_INT64, &iv) >= 0);
  CHECK(iv == INT64_C(-9007199254740993)); /* not representable as a double */
  H5Aclose(a);
  H5Fclose(f);
  free(big);
  unlink(path);
}

static void test_commit_protocol(void) {
  char path[256], tmp[300], err[512];
  test_path(path, sizeof path, "commit");
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());

  /* Abort: the temporary file disappears, the final name never appears. */
  trace_t *t = trace_open(path, 4, err, sizeof err);
  CHECK(t != NULL);
  if (!t) return;
  CHECK(strcmp(trace_tmp_path(t), tmp) == 0);
  CHECK(exists(tmp));
  CHECK(!exists(path));
  trace_task_rec_t r;
  for (uint64_t i = 0; i < 10; i++) {
    make_task(&r, i);
    CHECK(trace_add_task(t, &r) == 0);
  }
  CHECK(!exists(path)); /* flushed records go to the temporary file only */
  CHECK(trace_close(t, 0) == 0);
  CHECK(!exists(tmp));
  CHECK(!exists(path));

  /* Commit: renamed to the final name, nothing left under the temporary. */
  t = trace_open(path, 4, err, sizeof err);
  CHECK(t != NULL);
  if (!t) return;
  make_task(&r, 1);
  CHECK(trace_add_task(t, &r) == 0);
  CHECK(trace_add_task(t, NULL) == -1);
  CHECK(trace_task_count(t) == 1);
  CHECK(!exists(path));
  CHECK(trace_close(t, 1) == 0);
  CHECK(exists(path));
  CHECK(!exists(tmp));
  unlink(path);
  CHECK(trace_close(NULL, 1) == 0);

  /* Commit fails when the final name cannot be taken (a non-empty
   * directory is there): -1, a message naming both paths, no temp left. */
  CHECK(mkdir(path, 0755) == 0);
  char inner[300];
  snprintf(inner, sizeof inner, "%s/keep", path);
  FILE *fp = fopen(inner, "w");
  CHECK(fp != NULL);
  if (fp) fclose(fp);
  t = trace_open(path, 4, err, sizeof err);
  CHECK(t != NULL);
  if (t) {
    char cerr[1024];
    CHECK(trace_close_msg(t, 1, cerr, sizeof cerr) == -1);
    CHECK(strstr(cerr, tmp) != NULL && strstr(cerr, "cannot rename") != NULL);
    CHECK(!exists(tmp));
  }
  unlink(inner);
  rmdir(path);

  /* The same path opened twice in one process: the second open fails and
   * leaves the first trace intact. */
  t = trace_open(path, 4, err, sizeof err);
  CHECK(t != NULL);
  if (!t) return;
  make_task(&r, 2);
  CHECK(trace_add_task(t, &r) == 0);
  CHECK(trace_open(path, 4, err, sizeof err) == NULL);
  CHECK(strstr(err, tmp) != NULL);
  CHECK(exists(tmp));
  CHECK(trace_close(t, 1) == 0);
  CHECK(exists(path));
  unlink(path);

  /* A stale temporary file (a killed run whose PID came back) is replaced. */
  FILE *stale = fopen(tmp, "w");
  CHECK(stale != NULL);
  if (stale) {
    fputs("not HDF5", stale);
    fclose(stale);
  }
  t = trace_open(path, 4, err, sizeof err);
  CHECK(t != NULL);
  CHECK(trace_close(t, 1) == 0);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f >= 0) H5Fclose(f);
  unlink(path);
}

static void test_unwritable_path(void) {
  char err[512] = "";
  const char *path = "no_such_dir_for_trace_test/sub/run.h5";
  trace_t *t = trace_open(path, 0, err, sizeof err);
  CHECK(t == NULL);
  char expect[256];
  snprintf(expect, sizeof expect, "cannot create trace '%s.tmp.%ld': No such file or directory",
           path, (long)getpid());
  CHECK(strcmp(err, expect) == 0);
  if (strcmp(err, expect) != 0) fprintf(stderr, "  got: %s\n", err);

  CHECK(trace_open("", 0, err, sizeof err) == NULL);
  CHECK(strstr(err, "empty path") != NULL);
  CHECK(trace_open_ex("x.h5", 0, 12, err, sizeof err) == NULL);
  CHECK(strstr(err, "deflate level 12") != NULL);
}

/* A write failure (file size limit reached) is reported, and the incomplete
 * trace is never committed. Runs in a child process: it changes the file
 * size limit, and HDF5 1.10.8 leaks its chunk buffer on a failed H5Dwrite,
 * which LeakSanitizer would otherwise charge to this test. */
static void write_failure_child(void) {
  char path[256], err[512];
  test_path(path, sizeof path, "fail");
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_IGN); /* write(2) then fails with EFBIG instead */
  trace_t *t = trace_open(path, 256, err, sizeof err);
  CHECK(t != NULL);
  if (!t) return;
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s", trace_tmp_path(t));
  lim = old;
  lim.rlim_cur = 64 * 1024;
  setrlimit(RLIMIT_FSIZE, &lim);
  trace_task_rec_t r;
  int rc = 0;
  uint64_t i;
  for (i = 0; i < 4096 && rc == 0; i++) {
    make_task(&r, i);
    rc = trace_add_task(t, &r);
  }
  CHECK(rc == -1);
  CHECK(i < 4096);
  CHECK(strstr(trace_error(t), "cannot append") != NULL && strstr(trace_error(t), "/tasks"));
  CHECK(strstr(trace_error(t), tmp) != NULL);
  make_task(&r, 0);
  CHECK(trace_add_task(t, &r) == -1); /* stays failed */
  /* Lift the limit before closing: under a file size limit the final
   * metadata writes fail too, and HDF5 1.10.8 then crashes at exit (see
   * close_hdf5 in trace.c). A full disk is handled by truncating first. */
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_DFL);
  char cerr[1024];
  CHECK(trace_close_msg(t, 1, cerr, sizeof cerr) == -1);
  CHECK(strstr(cerr, "cannot append") != NULL && strstr(cerr, "File too large") != NULL);
  if (!strstr(cerr, "File too large")) fprintf(stderr, "  got: %s\n", cerr);
  CHECK(!exists(tmp));
  CHECK(!exists(path));
}

static void test_write_failure(void) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid < 0) return;
  if (pid == 0) {
    close(fds[0]);
    check_passed_ = check_failed_ = 0;
    write_failure_child();
    int counts[2] = {check_passed_, check_failed_};
    ssize_t w = write(fds[1], counts, sizeof counts);
    _exit(w == (ssize_t)sizeof counts ? 0 : 1); /* skip atexit: see above */
  }
  close(fds[1]);
  int counts[2] = {0, 0}, status = -1;
  ssize_t got = read(fds[0], counts, sizeof counts);
  close(fds[0]);
  waitpid(pid, &status, 0);
  CHECK(got == (ssize_t)sizeof counts);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(counts[0] >= 10); /* the child's checks did run */
  check_passed_ += counts[0];
  check_failed_ += counts[1];
}

/* Repository root, from this file's absolute path (CMake compiles with it). */
static void repo_root(char *buf, size_t n) {
  snprintf(buf, n, "%s", __FILE__);
  char *p = strstr(buf, "/test/unit/model/test_trace.c");
  if (p) *p = '\0';
}

static void test_python_reader(void) {
  if (system("/usr/bin/python3 -c 'import h5py, pandas' >/dev/null 2>&1") != 0) {
    printf("test_python_reader: SKIPPED (/usr/bin/python3 cannot import h5py and pandas)\n");
    return;
  }
  char root[512], path[256], path2[256], cmd[2048];
  repo_root(root, sizeof root);
  test_path(path, sizeof path, "py");
  test_path(path2, sizeof path2, "py2");
  CHECK(write_sample(path, 0) == 0);
  CHECK(write_sample(path2, 0) == 0);
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 - '%s/analysis' '%s' '%s' <<'EOF'\n"
           "import sys, math\n"
           "sys.path.insert(0, sys.argv[1])\n"
           "import mecsim_trace as mt\n"
           "tr = mt.load(sys.argv[2])\n"
           "t = tr.tasks\n"
           "print('rows', len(t), len(tr.decisions), len(tr.servers), len(tr.training),"
           " len(tr.messages))\n"
           "print('cols', len(tr.messages.columns), int('bits' in tr.messages.columns))\n"
           "print('attrs', tr.attrs['policy'], type(tr.attrs['policy']).__name__, tr.attrs['seed'])\n"
           "print('units', tr.units['tasks']['arrival'], tr.units['tasks']['energy_local_j'],"
           " tr.units['servers']['load_factor'])\n"
           "r = t.iloc[37]\n"
           "print('derived %%.6f %%.6f %%.6f %%d %%d' %% (r.delay, r.energy - r.energy_local_j - r.energy_tx_j,"
           " r.wait_s - (r.exec_start - r.queue_enter), int(math.isnan(t.iloc[36].wait_s)), int(r.server)))\n"
           "print('id', int(r.id))\n"
           "m = mt.load_many([sys.argv[2], sys.argv[3]])\n"
           "print('many', len(m.tasks), sorted(set(m.tasks.policy)), m.tasks.run.nunique(),"
           " len(m.servers))\n"
           "EOF",
           root, path, path2);
  FILE *p = popen(cmd, "r");
  CHECK(p != NULL);
  if (!p) return;
  char line[512];
  int rows[5] = {-1, -1, -1, -1, -1}, ncols = -1, hasbits = -1, nan36 = -1, server = -1;
  int many = -1, runs = -1, many_srv = -1;
  double delay = -1, de = -1, dw = -1;
  unsigned long long id = 0;
  char policy[64] = "", ptype[16] = "", u1[16] = "", u2[16] = "", u3[16] = "", seed[32] = "",
       mpol[64] = "";
  while (fgets(line, sizeof line, p)) {
    fputs(line, stdout);
    sscanf(line, "rows %d %d %d %d %d", &rows[0], &rows[1], &rows[2], &rows[3], &rows[4]);
    sscanf(line, "cols %d %d", &ncols, &hasbits);
    sscanf(line, "attrs %63s %15s %31s", policy, ptype, seed);
    sscanf(line, "units %15s %15s %15s", u1, u2, u3);
    sscanf(line, "derived %lf %lf %lf %d %d", &delay, &de, &dw, &nan36, &server);
    sscanf(line, "id %llu", &id);
    sscanf(line, "many %d %63[^0-9] %d %d", &many, mpol, &runs, &many_srv);
  }
  int status = pclose(p);
  CHECK(status == 0);
  CHECK(rows[0] == NTASK && rows[1] == NDEC && rows[2] == NSRV && rows[3] == NTRN && rows[4] == 0);
  CHECK(ncols == 7 && hasbits == 1); /* empty dataset keeps its columns */
  CHECK(strcmp(policy, "round_robin") == 0 && strcmp(ptype, "str") == 0 && strcmp(seed, "42") == 0);
  CHECK(strcmp(u1, "s") == 0 && strcmp(u2, "J") == 0 && strcmp(u3, "s") == 0);
  CHECK_NEAR(delay, 37.5, 1e-6);
  CHECK_NEAR(de, 0, 1e-6);
  CHECK_NEAR(dw, 0, 1e-6);
  CHECK(nan36 == 1);  /* task 36 ran locally: no queue wait */
  CHECK(server == 1); /* task 37: target 1 = server 1 (ids as deployed) */
  CHECK(id == 1000000007ULL * 37 + 3);
  CHECK(many == 2 * NTASK && runs == 2 && many_srv == 2 * NSRV);
  CHECK(strstr(mpol, "round_robin") != NULL);

  /* The command-line summary runs and reports the task count. */
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/analysis/mecsim_trace.py' '%s'", root, path);
  p = popen(cmd, "r");
  CHECK(p != NULL);
  if (!p) return;
  int saw_tasks = 0, saw_target = 0;
  while (fgets(line, sizeof line, p)) {
    fputs(line, stdout);
    if (strstr(line, "tasks: 100")) saw_tasks = 1;
    if (strstr(line, "per target: local: 25, server 1: 25")) saw_target = 1;
  }
  CHECK(pclose(p) == 0);
  CHECK(saw_tasks && saw_target);
  unlink(path);
  unlink(path2);
}

int main(void) {
  RUN(test_roundtrip);
  RUN(test_roundtrip_deflate);
  RUN(test_chunk_boundaries);
  RUN(test_chunk_sizing);
  RUN(test_empty_and_units);
  RUN(test_attributes);
  RUN(test_commit_protocol);
  RUN(test_unwritable_path);
  RUN(test_write_failure);
  RUN(test_python_reader);
  return CHECK_DONE();
}
