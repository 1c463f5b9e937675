/* bench_bare_simgrid.c - the reference for the core benchmark: the same MEC
 * workload written as the minimal SimGrid program a researcher would write,
 * with no policy module, no trace and no mecsim code.
 *
 *   bench_bare_simgrid PLATFORM.xml N_MD N_SERVERS TASKS_PER_MD RATE [SEED] [--cfg=...]
 *
 * PLATFORM is one written by platforms/generate.py (hosts md-0.., bs, es-1..;
 * each MD's route to itself is its loopback link). One actor per MD:
 * Poisson arrivals at RATE per second; each task goes to a server drawn
 * uniformly in 1..N_SERVERS (mecsim's random policy with p_local=0), is
 * uploaded over the MD's loopback link set to the Shannon rate, crosses the
 * fiber BS -> server 1 (-> server m), waits FCFS for the server (a SimGrid
 * mutex grants the lock in request order), executes, comes back the same way
 * and is downloaded. The MD handles its tasks one after the other: a task
 * that arrives while the previous one is in flight starts when it is done
 * (mecsim runs them concurrently; with the benchmark's load this is rare).
 *
 * Fixed parameters are mecsim's defaults: W = 20 MHz shared by 10 users
 * (mecsim knob share_users=10), p = 0.5 W up, 1 W down, N0 = -174 dBm/Hz,
 * g = 1e-4 (1 m / d)^4 with d uniform in the disc 10..100 m, L ~ U[2.4, 4]
 * Mbit, C ~ U[0.8, 1.2] Gcycles, 8 kbit results.
 *
 * Prints one line: tasks, simulated time, mean delay, wall time, tasks/s. */
#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <simgrid/mutex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <xbt/dynar.h>

#define BANDWIDTH_HZ (20e6 / 10)
#define UP_POWER_W 0.5
#define DOWN_POWER_W 1.0
#define NOISE_W_PER_HZ 3.981071705534973e-21 /* -174 dBm/Hz */
#define G0 1e-4
#define PATH_EXP 4.0
#define R_MIN 10.0
#define R_MAX 100.0
#define RESULT_BITS 8e3

static int n_servers, tasks_per_md;
static double rate_per_md;
static uint64_t seed;
static sg_host_t bs;
static sg_host_t *server;
static sg_mutex_t *server_free;
static long tasks_done;
static double sum_delay;

/* xorshift64* per actor: enough for a workload, one word of state. */
static double uniform01(uint64_t *s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

static double shannon_bps(double power_w, double gain)
{
  return BANDWIDTH_HZ * log2(1.0 + power_w * gain / (BANDWIDTH_HZ * NOISE_W_PER_HZ));
}

static void mobile_device(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  int i = (int)(intptr_t)sg_actor_self_get_data();
  sg_host_t me = sg_host_self();
  uint64_t rng = (seed + 1) * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)i + 1) * 0xBF58476D1CE4E5B9ULL;
  if (rng == 0)
    rng = 1;

  /* the radio: the one link from this host to itself */
  xbt_dynar_t route = xbt_dynar_new(sizeof(sg_link_t), NULL);
  sg_host_get_route(me, me, route);
  sg_link_t radio = xbt_dynar_get_as(route, 0, sg_link_t);
  xbt_dynar_free(&route);

  double d = sqrt(R_MIN * R_MIN + uniform01(&rng) * (R_MAX * R_MAX - R_MIN * R_MIN));
  double gain = G0 * pow(1.0 / d, PATH_EXP);
  double up_Bps = shannon_bps(UP_POWER_W, gain) / 8, down_Bps = shannon_bps(DOWN_POWER_W, gain) / 8;

  double t = 0;
  for (int k = 0; k < tasks_per_md; k++) {
    t += -log(1.0 - uniform01(&rng)) / rate_per_md;
    double bits = 2.4e6 + 1.6e6 * uniform01(&rng);
    double cycles = 8e8 + 4e8 * uniform01(&rng);
    int m = (int)(uniform01(&rng) * n_servers);
    if (simgrid_get_clock() < t)
      sg_actor_sleep_until(t);

    sg_link_set_bandwidth(radio, up_Bps);
    sg_host_sendto(me, me, bits / 8); /* upload */
    sg_actor_set_host(sg_actor_self(), bs);
    sg_host_sendto(bs, server[0], bits / 8);
    if (m > 0)
      sg_host_sendto(server[0], server[m], bits / 8);
    sg_actor_set_host(sg_actor_self(), server[m]);
    sg_mutex_lock(server_free[m]); /* FCFS */
    sg_actor_execute(cycles);
    sg_mutex_unlock(server_free[m]);
    if (m > 0)
      sg_host_sendto(server[m], server[0], RESULT_BITS / 8);
    sg_host_sendto(server[0], bs, RESULT_BITS / 8);
    sg_actor_set_host(sg_actor_self(), me);
    sg_link_set_bandwidth(radio, down_Bps);
    sg_host_sendto(me, me, RESULT_BITS / 8); /* download */

    tasks_done++;
    sum_delay += simgrid_get_clock() - t; /* from the arrival, as mecsim counts */
  }
}

int main(int argc, char **argv)
{
  simgrid_init(&argc, argv);
  if (argc < 6) {
    fprintf(stderr,
            "usage: %s PLATFORM.xml N_MD N_SERVERS TASKS_PER_MD RATE [SEED] [--cfg=...]\n"
            "PLATFORM from platforms/generate.py; bench/run_core_bench.py runs this next to mecsim.\n",
            argv[0]);
    return 2;
  }
  int n_md = atoi(argv[2]);
  n_servers = atoi(argv[3]);
  tasks_per_md = atoi(argv[4]);
  rate_per_md = atof(argv[5]);
  seed = argc > 6 ? strtoull(argv[6], NULL, 10) : 1;
  if (n_md < 1 || n_servers < 1 || tasks_per_md < 1 || !(rate_per_md > 0)) {
    fprintf(stderr, "%s: N_MD, N_SERVERS, TASKS_PER_MD and RATE must be positive\n", argv[0]);
    return 2;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  simgrid_load_platform(argv[1]);

  bs = sg_host_by_name("bs");
  server = calloc((size_t)n_servers, sizeof *server);
  server_free = calloc((size_t)n_servers, sizeof *server_free);
  if (!bs || !server || !server_free) {
    fprintf(stderr, "%s: platform has no host 'bs', or out of memory\n", argv[0]);
    return 2;
  }
  char name[32];
  for (int s = 0; s < n_servers; s++) {
    snprintf(name, sizeof name, "es-%d", s + 1);
    server[s] = sg_host_by_name(name);
    server_free[s] = sg_mutex_init();
    if (!server[s]) {
      fprintf(stderr, "%s: platform has no host '%s'\n", argv[0], name);
      return 2;
    }
  }
  for (int i = 0; i < n_md; i++) {
    snprintf(name, sizeof name, "md-%d", i);
    sg_host_t h = sg_host_by_name(name);
    if (!h) {
      fprintf(stderr, "%s: platform has no host '%s'\n", argv[0], name);
      return 2;
    }
    sg_actor_t a = sg_actor_init("md", h);
    sg_actor_set_data(a, (void *)(intptr_t)i);
    sg_actor_start(a, mobile_device, 0, NULL);
  }
  simgrid_run();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("bare: %ld tasks in %.6g s simulated | mean delay %.6g s | wall %.3f s | %.0f tasks/s\n", tasks_done,
         simgrid_get_clock(), tasks_done ? sum_delay / (double)tasks_done : 0.0, wall,
         wall > 0 ? (double)tasks_done / wall : 0.0);
  for (int s = 0; s < n_servers; s++)
    sg_mutex_destroy(server_free[s]);
  free(server);
  free(server_free);
  return 0;
}
