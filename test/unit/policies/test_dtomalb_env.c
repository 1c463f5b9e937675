/* test_dtomalb_env.c - the DTOMALB analytic slot environment against
 * hand-computed eqs. (5)-(11), (13), (19), (20). */
#include "check.h"
#include "policies/dtomalb/env.h"
#include <math.h>
#include <string.h>

/* A tiny hand-made cell: 3 MDs, 2 servers (10 and 20 GHz), per-MD bandwidth
 * W/N = 1 MHz, p = 1 W, N0 = 1e-12 W/Hz so that a gain of 3e-6 gives SNR 3
 * (rate 1e6 log2(4) = 2 Mbit/s) and 15e-6 gives SNR 15 (4 Mbit/s). */
static dtomalb_env_t *hand_env(int local_queue)
{
  dtomalb_env_cfg_t c = dtomalb_env_cfg_default(3, 2);
  c.server_hz[0] = 10e9;
  c.server_hz[1] = 20e9;
  c.bandwidth_hz = 3e6;
  c.tx_power_w = 1.0;
  c.noise_w_per_hz = 1e-12;
  c.fiber_bps = 1e7;
  c.slot_s = 1.0;
  c.w1 = 1.0;
  c.w2 = 2.0;
  c.local_queue = local_queue;
  char err[256];
  dtomalb_env_t *e = dtomalb_env_new(&c, 7, err, sizeof err);
  CHECK(e != NULL);
  if (!e)
    return NULL;
  dtomalb_env_set_md(e, 0, 1e9, 3e-6);
  dtomalb_env_set_md(e, 1, 1e9, 15e-6);
  dtomalb_env_set_md(e, 2, 5e8, 3e-6);
  return e;
}

static void test_upload_rate_eq5(void)
{
  dtomalb_env_t *e = hand_env(0);
  if (!e)
    return;
  CHECK_REL(dtomalb_env_up_rate(e, 0), 2e6, 1e-12);
  CHECK_REL(dtomalb_env_up_rate(e, 1), 4e6, 1e-12);
  dtomalb_env_free(e);

  /* default cell: r = (W/N) log2(1 + p g / ((W/N) N0)) with the MD's gain */
  dtomalb_env_cfg_t c = dtomalb_env_cfg_default(10, 5);
  char err[256];
  e = dtomalb_env_new(&c, 1, err, sizeof err);
  CHECK(e != NULL);
  if (!e)
    return;
  dtomalb_env_set_md(e, 4, 4e8, 1e-10);
  double b = 20e6 / 10;
  double expect = b * log2(1.0 + 0.5 * 1e-10 / (b * c.noise_w_per_hz));
  CHECK_REL(dtomalb_env_up_rate(e, 4), expect, 1e-12);
  /* every default MD can upload its largest task within a slot */
  for (int n = 0; n < 10; n++)
    CHECK(c.bits_max / dtomalb_env_up_rate(e, n) < c.slot_s);
  dtomalb_env_free(e);
}

static void test_delays_and_reward_by_hand(void)
{
  dtomalb_env_t *e = hand_env(0);
  if (!e)
    return;
  /* slot 1: server 1 still busy for 0.8 s with earlier work */
  dtomalb_env_set_backlog(e, 0, 0.8);
  dtomalb_env_set_task(e, 0, 2e6, 1e9); /* -> server 1: up 1.0 s */
  dtomalb_env_set_task(e, 1, 2e6, 2e9); /* -> server 1: up 0.5 s */
  dtomalb_env_set_task(e, 2, 1e6, 1e9); /* local at 0.5 GHz: 2 s */
  int a1[3] = {1, 1, 0};
  dtomalb_step_info_t info;
  CHECK(dtomalb_env_step(e, a1, &info) == 0);
  /* MD1 arrives at 0.5, waits for the backlog until 0.8, runs 0.2 s -> 1.0;
   * MD0 arrives at 1.0 when the server frees, runs 0.1 s -> 1.1 */
  CHECK_NEAR(info.delay_s[1], 1.0, 1e-12);
  CHECK_NEAR(info.delay_s[0], 1.1, 1e-12);
  CHECK_NEAR(info.delay_s[2], 2.0, 1e-12);
  /* LD after the action: 0.8 + 3e9 / 1e10 = 1.1 and 0; var = 0.55^2 */
  CHECK_NEAR(info.load_s[0], 1.1, 1e-12);
  CHECK_NEAR(info.load_s[1], 0.0, 1e-12);
  CHECK_NEAR(info.load_var, 0.3025, 1e-12);
  CHECK_NEAR(info.reward[0], -1.1 - 2 * 0.3025, 1e-12);
  CHECK_NEAR(info.reward[1], -1.0 - 2 * 0.3025, 1e-12);
  CHECK_NEAR(info.reward[2], -2.0 - 2 * 0.3025, 1e-12);
  CHECK_NEAR(info.mean_delay_s, (1.1 + 1.0 + 2.0) / 3, 1e-12);
  CHECK_NEAR(info.mean_reward, (-1.705 - 1.605 - 2.605) / 3, 1e-12);
  /* server 1 worked until 1.1: 0.1 s carried into slot 2 */
  CHECK_NEAR(dtomalb_env_backlog_s(e, 0), 0.1, 1e-12);
  CHECK_NEAR(dtomalb_env_backlog_s(e, 1), 0.0, 1e-12);
  CHECK(dtomalb_env_step_index(e) == 1);

  /* slot 2: forwarding to server 2 adds L / mu, eq. (9) */
  dtomalb_env_set_task(e, 0, 2e6, 1e9); /* -> 2: 1.0 up + 0.2 fwd + 0.05 */
  dtomalb_env_set_task(e, 1, 2e6, 2e9); /* -> 1: 0.5 up (server free at 0.1) + 0.2 */
  dtomalb_env_set_task(e, 2, 1e6, 1e9); /* -> 2: 0.5 up + 0.1 fwd + 0.05 */
  int a2[3] = {2, 1, 2};
  CHECK(dtomalb_env_step(e, a2, &info) == 0);
  CHECK_NEAR(info.delay_s[0], 1.25, 1e-12);
  CHECK_NEAR(info.delay_s[1], 0.7, 1e-12);
  CHECK_NEAR(info.delay_s[2], 0.65, 1e-12);
  CHECK_NEAR(info.load_s[0], 0.3, 1e-12);
  CHECK_NEAR(info.load_s[1], 0.1, 1e-12);
  CHECK_NEAR(info.load_var, 0.01, 1e-12);
  CHECK_NEAR(info.reward[0], -1.25 - 0.02, 1e-12);
  CHECK_NEAR(info.reward[2], -0.65 - 0.02, 1e-12);
  CHECK_NEAR(dtomalb_env_backlog_s(e, 0), 0.0, 1e-12);
  CHECK_NEAR(dtomalb_env_backlog_s(e, 1), 0.25, 1e-12); /* busy until 1.25 */

  /* an out-of-range action is refused and changes nothing */
  int bad[3] = {0, 3, 0};
  CHECK(dtomalb_env_step(e, bad, &info) == -1);
  CHECK(dtomalb_env_step_index(e) == 2);
  dtomalb_env_free(e);
}

static void test_local_queue_option(void)
{
  dtomalb_env_t *e = hand_env(1);
  if (!e)
    return;
  int a[3] = {0, 0, 0};
  dtomalb_step_info_t info;
  dtomalb_env_set_task(e, 2, 1e6, 1e9); /* 2 s at 0.5 GHz */
  CHECK(dtomalb_env_step(e, a, &info) == 0);
  CHECK_NEAR(info.delay_s[2], 2.0, 1e-12);
  dtomalb_env_set_task(e, 2, 1e6, 1e9);
  CHECK(dtomalb_env_step(e, a, &info) == 0);
  CHECK_NEAR(info.delay_s[2], 1.0 + 2.0, 1e-12); /* 1 s of the first task left */
  /* all-local: no server load, no variance */
  CHECK_NEAR(info.load_var, 0.0, 1e-15);
  dtomalb_env_free(e);
}

static void test_observation(void)
{
  dtomalb_env_t *e = hand_env(0);
  if (!e)
    return;
  dtomalb_env_set_backlog(e, 0, 0.5);
  dtomalb_env_set_backlog(e, 1, 0.25);
  dtomalb_env_set_task(e, 1, 3e6, 1.5e9);
  const dtomalb_env_cfg_t *c = dtomalb_env_cfg(e);
  CHECK(dtomalb_obs_dim(2) == 6);
  double o[6];
  dtomalb_env_obs(e, 1, o);
  double mb = 0.5 * (c->bits_min + c->bits_max), mc = 0.5 * (c->cycles_min + c->cycles_max);
  double ml = mc / (0.5 * (c->local_hz_min + c->local_hz_max));
  CHECK_NEAR(o[0], 0.5 / 1.0, 1e-12);
  CHECK_NEAR(o[1], 0.25 / 1.0, 1e-12);
  CHECK_NEAR(o[2], 3e6 / mb, 1e-12);
  CHECK_NEAR(o[3], 1.5e9 / mc, 1e-12);
  CHECK_NEAR(o[4], 3e6 / 4e6 / 1.0, 1e-12);
  CHECK_NEAR(o[5], 1.5e9 / 1e9 / ml, 1e-12);
  double all[18];
  dtomalb_env_obs_all(e, all);
  CHECK(memcmp(all + 6, o, sizeof o) == 0);
  CHECK(dtomalb_env_least_loaded(e) == 2);
  CHECK(dtomalb_env_random_action(e, 0.0) == 0);
  CHECK(dtomalb_env_random_action(e, 0.999) == 2);
  dtomalb_env_free(e);
}

static double run_episode(dtomalb_env_t *e, int action)
{
  dtomalb_env_reset(e);
  const dtomalb_env_cfg_t *c = dtomalb_env_cfg(e);
  int a[16];
  dtomalb_step_info_t info = {0};
  double sum = 0;
  do {
    for (int n = 0; n < c->n_md; n++)
      a[n] = action;
    CHECK(dtomalb_env_step(e, a, &info) == 0);
    sum += info.mean_reward;
  } while (!info.done);
  return sum;
}

static void test_deterministic_from_seed(void)
{
  dtomalb_env_cfg_t c = dtomalb_env_cfg_default(10, 5);
  char err[256];
  dtomalb_env_t *a = dtomalb_env_new(&c, 42, err, sizeof err);
  dtomalb_env_t *b = dtomalb_env_new(&c, 42, err, sizeof err);
  dtomalb_env_t *d = dtomalb_env_new(&c, 43, err, sizeof err);
  CHECK(a && b && d);
  if (a && b && d) {
    double ra = run_episode(a, 1), rb = run_episode(b, 1), rd = run_episode(d, 1);
    CHECK(ra == rb);
    CHECK(ra != rd);
    /* all ten tasks to the slowest server build a queue that carries over */
    CHECK(dtomalb_env_backlog_s(a, 0) > 0.0);
    /* the scenario (MD speeds) depends on scenario_seed only */
    CHECK(dtomalb_env_local_hz(a, 3) == dtomalb_env_local_hz(d, 3));
    CHECK(dtomalb_env_local_hz(a, 3) >= c.local_hz_min && dtomalb_env_local_hz(a, 3) <= c.local_hz_max);
  }
  dtomalb_env_free(a);
  dtomalb_env_free(b);
  dtomalb_env_free(d);
}

static void test_bad_config(void)
{
  char err[256] = "";
  dtomalb_env_cfg_t c = dtomalb_env_cfg_default(10, 5);
  c.server_hz[2] = 0;
  CHECK(dtomalb_env_new(&c, 1, err, sizeof err) == NULL);
  CHECK(strstr(err, "server 3") != NULL);
  c = dtomalb_env_cfg_default(0, 5);
  CHECK(dtomalb_env_new(&c, 1, err, sizeof err) == NULL);
  CHECK(strstr(err, "n_md") != NULL);
}

int main(void)
{
  RUN(test_upload_rate_eq5);
  RUN(test_delays_and_reward_by_hand);
  RUN(test_local_queue_option);
  RUN(test_observation);
  RUN(test_deterministic_from_seed);
  RUN(test_bad_config);
  return CHECK_DONE();
}
