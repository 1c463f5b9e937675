/* test_expected_delay.c - mec_expected_delay against delays worked out by hand
 * from DTOMALB eqs. 6-11 plus the result download. */
#include "check.h"
#include "policies/policy.h"

/* Device 0: 1 GHz, 10 Mbit/s up, 20 Mbit/s down. Device 1: dead downlink. */
static const mec_md_info_t mds[2] = {
    {.cpu_hz = 1e9, .up_rate_bps = 10e6, .down_rate_bps = 20e6},
    {.cpu_hz = 0.5e9, .up_rate_bps = 5e6, .down_rate_bps = 0},
};

/* Three servers: speed, cores, hops, fiber rate, latency, backlog. */
static mec_server_info_t servers[3] = {
    {.cpu_hz = 4e9, .cores = 1, .hops = 2, .fiber_bps = 1e9, .fiber_latency_s = 1e-3, .backlog_cycles = 8e9},
    {.cpu_hz = 2e9, .cores = 1, .hops = 1, .fiber_bps = 1e9, .fiber_latency_s = 1e-3, .backlog_cycles = 0},
    {.cpu_hz = 10e9, .cores = 2, .hops = 1, .fiber_bps = 0.5e9, .fiber_latency_s = 2e-3, .backlog_cycles = 10e9},
};

static mec_system_t make_sys(void)
{
  mec_system_t sys = {.n_md = 2, .n_servers = 3, .md = mds, .server = servers};
  return sys;
}

/* 1 Mbit in, 1 Gcycle, 100 kbit out. */
static const mec_task_t task0 = {.id = 1, .md = 0, .dnn = MEC_DNN_NONE, .input_bits = 1e6, .cycles = 1e9,
                                 .output_bits = 1e5};

static void test_local(void)
{
  mec_system_t sys = make_sys();
  CHECK_NEAR(mec_expected_delay(&sys, &task0, 0), 1.0, 1e-12); /* 1e9 / 1e9 */
  mec_task_t t = task0;
  t.md = 1;
  CHECK_NEAR(mec_expected_delay(&sys, &t, 0), 2.0, 1e-12); /* 1e9 / 0.5e9 */
}

static void test_servers_by_hand(void)
{
  mec_system_t sys = make_sys();
  /* server 1: up 1e6/1e7 = 0.1; fiber 1e6/1e9 + 1e-3 = 0.002; wait 8e9/4e9 = 2;
   * exec 1e9/4e9 = 0.25; down 1e5/2e7 = 0.005; back 1e5/1e9 + 1e-3 = 0.0011 */
  CHECK_NEAR(mec_expected_delay(&sys, &task0, 1), 2.3581, 1e-12);
  /* server 2: 0.1 + 0.002 + 0 + 0.5 + 0.005 + 0.0011 */
  CHECK_NEAR(mec_expected_delay(&sys, &task0, 2), 0.6081, 1e-12);
  /* server 3 (two cores): up 0.1; fiber 1e6/5e8 + 2e-3 = 0.004; wait 1e10/(1e10*2) = 0.5;
   * exec 0.1; down 0.005; back 1e5/5e8 + 2e-3 = 0.0022 */
  CHECK_NEAR(mec_expected_delay(&sys, &task0, 3), 0.7112, 1e-12);
}

static void test_fiber_terms_optional(void)
{
  mec_system_t sys = make_sys();
  mec_server_info_t saved = servers[1];
  servers[1].hops = 0; /* co-located with the base station: no fiber */
  CHECK_NEAR(mec_expected_delay(&sys, &task0, 2), 0.605, 1e-12); /* 0.1 + 0.5 + 0.005 */
  servers[1].hops = 1;
  servers[1].fiber_bps = 0; /* fiber not modelled */
  CHECK_NEAR(mec_expected_delay(&sys, &task0, 2), 0.605, 1e-12);
  servers[1] = saved;
}

static void test_result_terms(void)
{
  mec_system_t sys = make_sys();
  mec_task_t t = task0;
  t.output_bits = 0; /* nothing to download; the fiber return still pays its latency */
  CHECK_NEAR(mec_expected_delay(&sys, &t, 2), 0.1 + 0.002 + 0.5 + 0.001, 1e-12);
  /* device 1 has no downlink: a result cannot come back, an empty one can */
  t.md = 1;
  CHECK_NEAR(mec_expected_delay(&sys, &t, 2), 0.2 + 0.002 + 0.5 + 0.001, 1e-12); /* up 1e6/5e6 */
  t.output_bits = 1e5;
  CHECK(isinf(mec_expected_delay(&sys, &t, 2)) && mec_expected_delay(&sys, &t, 2) > 0);
}

static void test_queue_uses_cores(void)
{
  mec_system_t sys = make_sys();
  mec_server_info_t saved = servers[2];
  double two = mec_expected_delay(&sys, &task0, 3);
  servers[2].cores = 1; /* wait doubles from 0.5 to 1.0 s */
  CHECK_NEAR(mec_expected_delay(&sys, &task0, 3) - two, 0.5, 1e-12);
  servers[2].cores = 0; /* treated as one core */
  CHECK_NEAR(mec_expected_delay(&sys, &task0, 3) - two, 0.5, 1e-12);
  servers[2] = saved;
}

static void test_dtomalb_example(void)
{
  /* DTOMALB's setting: m = 1 is attached to the BS (no forwarding in the
   * paper), m = 2 is one fiber forward away at mu; no result. Model it with
   * hops = 0 for server 1 and a latency-free fiber for server 2. Task: 1 Mbit,
   * 1000 Mcycles; r_n = 5 Mbit/s; f = 10 GHz, queue of 3000 Mcycles on both;
   * mu = 100 Mbit/s. Eq. 11: t_1 = 0.2 + 0.3 + 0.1 = 0.6 s, t_2 = t_1 + 0.01. */
  mec_md_info_t md = {.cpu_hz = 1e9, .up_rate_bps = 5e6, .down_rate_bps = 5e6};
  mec_server_info_t sv[2] = {
      {.cpu_hz = 10e9, .cores = 1, .hops = 0, .backlog_cycles = 3e9},
      {.cpu_hz = 10e9, .cores = 1, .hops = 1, .fiber_bps = 100e6, .fiber_latency_s = 0, .backlog_cycles = 3e9},
  };
  mec_system_t sys = {.n_md = 1, .n_servers = 2, .md = &md, .server = sv};
  mec_task_t t = {.id = 7, .md = 0, .input_bits = 1e6, .cycles = 1e9, .output_bits = 0};
  CHECK_NEAR(mec_expected_delay(&sys, &t, 0), 1.0, 1e-12);
  CHECK_NEAR(mec_expected_delay(&sys, &t, 1), 0.6, 1e-12);
  CHECK_NEAR(mec_expected_delay(&sys, &t, 2), 0.61, 1e-12);
}

static void test_bad_input(void)
{
  mec_system_t sys = make_sys();
  CHECK(isnan(mec_expected_delay(&sys, &task0, 4)));
  CHECK(isnan(mec_expected_delay(&sys, &task0, -1)));
  mec_task_t t = task0;
  t.md = 2;
  CHECK(isnan(mec_expected_delay(&sys, &t, 0)));
  CHECK(isnan(mec_expected_delay(NULL, &task0, 0)));
  mec_server_info_t saved = servers[0];
  servers[0].cpu_hz = 0; /* a server that cannot compute never finishes */
  CHECK(isinf(mec_expected_delay(&sys, &task0, 1)));
  servers[0] = saved;
}

/* Two base stations, BS 0 and BS 1, joined by a 0.5 Gbit/s, 4 ms BS-BS
 * fiber link. Server 1 is on BS 0 (1 hop, 1 Gbit/s,
 * 1 ms), server 2 on BS 1 (the same from BS 1). From the other BS a server is
 * 2 hops away: the BS-BS link first, so the bottleneck is 0.5 Gbit/s and the
 * latency 4 + 1 = 5 ms. The servers' own hops / fiber fields are BS 0's view
 * (policy.h), so a model that ignored the device's BS would see server 2 at
 * 2 hops from everyone. Device 0 is attached to BS 0, device 1 to BS 1. */
static const mec_route_info_t routes2[2 * 2] = {
    {1, 1e9, 1e-3},   /* BS 0 -> server 1 */
    {2, 0.5e9, 5e-3}, /* BS 0 -> server 2 (BS 0 -> BS 1 -> server 2) */
    {2, 0.5e9, 5e-3}, /* BS 1 -> server 1 (BS 1 -> BS 0 -> server 1) */
    {1, 1e9, 1e-3},   /* BS 1 -> server 2 */
};
static const mec_bs_info_t bs2[2] = {
    {.x_m = 0, .y_m = 0, .bandwidth_hz = 1e7, .cpu_hz = 2.5e9, .attached = 1},
    {.x_m = 500, .y_m = 0, .bandwidth_hz = 1e7, .cpu_hz = 2.5e9, .attached = 1},
};

static void test_two_base_stations(void)
{
  mec_md_info_t md[2] = {{.cpu_hz = 1e9, .up_rate_bps = 10e6, .down_rate_bps = 20e6, .bs = 0},
                         {.cpu_hz = 1e9, .up_rate_bps = 10e6, .down_rate_bps = 20e6, .bs = 1}};
  mec_server_info_t sv[2] = {
      {.cpu_hz = 2e9, .cores = 1, .hops = 1, .fiber_bps = 1e9, .fiber_latency_s = 1e-3, .bs = 0},
      {.cpu_hz = 2e9, .cores = 1, .hops = 2, .fiber_bps = 0.5e9, .fiber_latency_s = 5e-3, .bs = 1},
  };
  mec_system_t sys = {.n_md = 2, .n_servers = 2, .md = md, .server = sv, .n_bs = 2, .bs = bs2, .route = routes2};
  mec_task_t t0 = task0, t1 = task0;
  t1.md = 1;

  /* the route is the row of the device's BS, not the server's own fields */
  mec_route_info_t r = mec_system_route(&sys, 1, 0);
  CHECK(r.hops == 2 && r.fiber_bps == 0.5e9 && r.fiber_latency_s == 5e-3);
  r = mec_system_route(&sys, 1, 1);
  CHECK(r.hops == 1 && r.fiber_bps == 1e9 && r.fiber_latency_s == 1e-3);
  r = mec_system_route(&sys, 0, 1);
  CHECK(r.hops == 2 && r.fiber_bps == 0.5e9);

  /* Same-BS server: the worked example of docs/policies.md, 0.6081 s:
   * 0.1 up + (1e6/1e9 + 1e-3) + 0.5 exec + 0.005 down + (1e5/1e9 + 1e-3). */
  double near = 0.1 + (1e6 / 1e9 + 1e-3) + 1e9 / 2e9 + 1e5 / 20e6 + (1e5 / 1e9 + 1e-3);
  CHECK_NEAR(near, 0.6081, 1e-12);
  /* The other BS's server: the same but both fiber terms over the 2-hop
   * route: (1e6/0.5e9 + 5e-3) = 0.007 forward, (1e5/0.5e9 + 5e-3) = 0.0052 back. */
  double far = 0.1 + (1e6 / 0.5e9 + 5e-3) + 1e9 / 2e9 + 1e5 / 20e6 + (1e5 / 0.5e9 + 5e-3);
  CHECK_NEAR(far, 0.6172, 1e-12);
  CHECK_NEAR(mec_expected_delay(&sys, &t0, 1), near, 1e-12); /* BS 0 -> server 1 */
  CHECK_NEAR(mec_expected_delay(&sys, &t0, 2), far, 1e-12);  /* BS 0 -> server 2 */
  CHECK_NEAR(mec_expected_delay(&sys, &t1, 1), far, 1e-12);  /* BS 1 -> server 1 */
  CHECK_NEAR(mec_expected_delay(&sys, &t1, 2), near, 1e-12); /* BS 1 -> server 2 */
  /* the extra BS-BS hop costs exactly its fiber terms: 0.0091 s */
  CHECK_NEAR(mec_expected_delay(&sys, &t1, 1) - mec_expected_delay(&sys, &t1, 2),
             (1e6 + 1e5) * (1 / 0.5e9 - 1 / 1e9) + 2 * (5e-3 - 1e-3), 1e-12);
  /* local does not depend on the BS */
  CHECK_NEAR(mec_expected_delay(&sys, &t1, 0), 1.0, 1e-12);

  /* the device's BS is dynamic: device 1 hands over to BS 0 and sees its routes */
  md[1].bs = 0;
  CHECK_NEAR(mec_expected_delay(&sys, &t1, 1), near, 1e-12);
  CHECK_NEAR(mec_expected_delay(&sys, &t1, 2), far, 1e-12);
  md[1].bs = 1;

  /* a server on the device's BS host (hops 0) pays no fiber at all */
  mec_route_info_t local_routes[4];
  for (int k = 0; k < 4; k++)
    local_routes[k] = routes2[k];
  local_routes[1 * 2 + 1] = (mec_route_info_t){0, 0, 0};
  sys.route = local_routes;
  CHECK_NEAR(mec_expected_delay(&sys, &t1, 2), 0.1 + 0.5 + 0.005, 1e-12);
  sys.route = routes2;

  /* out of range: hops -1, rates NaN; the delay NaN */
  r = mec_system_route(&sys, 2, 0);
  CHECK(r.hops == -1 && isnan(r.fiber_bps) && isnan(r.fiber_latency_s));
  r = mec_system_route(&sys, -1, 0);
  CHECK(r.hops == -1);
  r = mec_system_route(&sys, 0, 2);
  CHECK(r.hops == -1 && isnan(r.fiber_bps));
  r = mec_system_route(NULL, 0, 0);
  CHECK(r.hops == -1);
  mec_task_t bad = task0;
  bad.md = 2;
  CHECK(isnan(mec_expected_delay(&sys, &bad, 1)));
}

/* n_bs = 0 / route = NULL (every hand-filled system above) and a device BS
 * outside 0..n_bs-1 fall back to the server's own fields. */
static void test_route_fallback(void)
{
  mec_system_t sys = make_sys();
  mec_route_info_t r = mec_system_route(&sys, 0, 2);
  CHECK(r.hops == 1 && r.fiber_bps == 0.5e9 && r.fiber_latency_s == 2e-3); /* servers[2]'s own */
  r = mec_system_route(&sys, 1, 0);
  CHECK(r.hops == 2 && r.fiber_bps == 1e9 && r.fiber_latency_s == 1e-3);   /* servers[0]'s own */

  mec_md_info_t md[1] = {{.cpu_hz = 1e9, .up_rate_bps = 10e6, .down_rate_bps = 20e6, .bs = 1}};
  mec_server_info_t sv[2] = {
      {.cpu_hz = 2e9, .cores = 1, .hops = 1, .fiber_bps = 1e9, .fiber_latency_s = 1e-3, .bs = 0},
      {.cpu_hz = 2e9, .cores = 1, .hops = 2, .fiber_bps = 0.5e9, .fiber_latency_s = 5e-3, .bs = 1},
  };
  mec_system_t two = {.n_md = 1, .n_servers = 2, .md = md, .server = sv, .n_bs = 2, .bs = bs2, .route = routes2};
  CHECK(mec_system_route(&two, 0, 1).hops == 1); /* BS 1's row */
  two.route = NULL; /* no matrix: the servers' own fields */
  CHECK(mec_system_route(&two, 0, 1).hops == 2);
  two.route = routes2;
  two.n_bs = 0; /* the one-BS convention: also the servers' own fields */
  CHECK(mec_system_route(&two, 0, 1).hops == 2);
  two.n_bs = 2;
  md[0].bs = 5; /* a BS that does not exist */
  CHECK(mec_system_route(&two, 0, 1).hops == 2);
}

int main(void)
{
  RUN(test_local);
  RUN(test_servers_by_hand);
  RUN(test_fiber_terms_optional);
  RUN(test_result_terms);
  RUN(test_queue_uses_cores);
  RUN(test_dtomalb_example);
  RUN(test_bad_input);
  RUN(test_two_base_stations);
  RUN(test_route_fallback);
  return CHECK_DONE();
}
