/* bench_trace.c - throughput of the HDF5 trace writer.
 *
 * Writes N task records (default 1e6; argv[1] overrides) with realistic
 * values (some phases NaN) to a temporary directory and prints records/s
 * and file size, uncompressed (the default of trace_open) and with
 * shuffle+deflate-1 (trace_open_ex), plus the one-record-per-write cost
 * that the buffer avoids (buffer of 1 record, on N/100 records).
 * Target: >= 1M task records/s uncompressed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace/trace.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Cheap deterministic uniform in [0,1) (SplitMix64 finalizer): real traces
 * hold noisy doubles, which compress far less than a regular pattern. */
static double u01(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return (double)(x >> 11) * 0x1.0p-53;
}

static void fill(trace_task_rec_t *r, uint64_t i) {
  memset(r, 0, sizeof *r);
  double t = 1e-3 * (double)i + 1e-3 * u01(i);
  double j = u01(i ^ 0x5555);
  int local = (i % 4) == 0;
  r->id = i;
  r->md = (int32_t)(i % 1000);
  r->target = local ? 0 : (int32_t)(1 + i % 10);
  r->partition = -1;
  r->slot = -1;
  r->dnn = -1;
  r->arrival = t;
  r->decide_start = t;
  r->decide_end = t + 1e-4 * j;
  r->local_start = local ? t + 1e-4 : NAN;
  r->local_end = local ? t + 0.2 * j : NAN;
  r->up_wait_start = local ? NAN : t + 1e-4;
  r->up_start = local ? NAN : t + 1e-4 + 1e-3 * u01(i + 11);
  r->up_end = local ? NAN : t + 0.05 * j;
  r->fwd_start = local ? NAN : t + 0.05;
  r->fwd_end = local ? NAN : t + 0.051;
  r->queue_enter = local ? NAN : t + 0.051;
  r->exec_start = local ? NAN : t + 0.06;
  r->exec_end = local ? NAN : t + 0.08 + 0.1 * u01(i + 7);
  r->down_start = local ? NAN : t + 0.08;
  r->down_fiber_end = local ? NAN : t + 0.0805;
  r->down_radio_start = local ? NAN : t + 0.0805 + 1e-4 * u01(i + 13);
  r->down_end = local ? NAN : t + 0.081;
  r->done = local ? r->local_end : r->exec_end + 0.001;
  r->input_bits = floor(8e5 * (0.5 + u01(i + 1)));
  r->cycles = floor(1e9 * (0.5 + u01(i + 2)));
  r->output_bits = 1e3;
  r->local_cycles = local ? r->cycles : 0;
  r->up_rate_bps = local ? NAN : 2e7 * (0.5 + u01(i + 3));
  r->energy_local_j = local ? 1e-27 * r->cycles * 1e18 : 0;
  r->energy_tx_j = local ? 0 : 0.1 * (r->up_end - r->up_start);
  r->deadline = 0.5;
  r->missed = 0;
}

static int run(const char *dir, const char *label, uint64_t n, size_t buf, int deflate) {
  char path[512], err[1024];
  snprintf(path, sizeof path, "%s/bench_%s.h5", dir, label);
  trace_task_rec_t r;
  double t0 = now();
  trace_t *t = trace_open_ex(path, buf, deflate, err, sizeof err);
  if (!t) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  for (uint64_t i = 0; i < n; i++) {
    fill(&r, i);
    if (trace_add_task(t, &r) < 0) {
      fprintf(stderr, "%s\n", trace_error(t));
      trace_close(t, 0);
      return -1;
    }
  }
  if (trace_close(t, 1) < 0) return -1;
  double dt = now() - t0;
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  printf("%-22s %9llu records  %6.3f s  %6.2f M records/s  %7.1f MB  (%.0f B/record)\n", label,
         (unsigned long long)n, dt, n / dt / 1e6, st.st_size / 1e6, (double)st.st_size / n);
  unlink(path);
  return 0;
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
  const char *tmp = getenv("TMPDIR");
  char dir[512];
  snprintf(dir, sizeof dir, "%s/bench_trace.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  printf("trace_task_rec_t: %zu bytes\n", sizeof(trace_task_rec_t));
  int rc = 0;
  /* Warm-up (page cache, allocator): the first run is otherwise slower. */
  rc |= run(dir, "warm-up", n / 10, 0, 0);
  rc |= run(dir, "uncompressed", n, 0, 0);
  rc |= run(dir, "uncompressed_buf1024", n, 1024, 0);
  rc |= run(dir, "shuffle_deflate1", n, 0, 1);
  rc |= run(dir, "one_record_per_write", n / 100, 1, 0);
  rmdir(dir);
  return rc ? 1 : 0;
}
