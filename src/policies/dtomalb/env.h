/* env.h - the fast analytic slot environment of DTOMALB (Zhang et al., "A New
 * Task Offloading Algorithm in Edge Computing", system model eqs. 5-11, load
 * factor eq. 13, load variance eq. 19, reward eq. 20).
 *
 * One cell, N mobile devices (MDs), M edge servers. Server 1 (index 0) is
 * attached to the base station; a task for server m != 1 is forwarded over
 * fiber at rate mu (eq. 9). Every slot of length T each MD generates one task
 * (L_n bits, C_n cycles) and picks an action in {0 = local, 1..M = server}.
 * Per slot, relative to the slot start (when the tasks are generated):
 *
 *   r_n        = (W/N) log2(1 + p_n g_n / ((W/N) N0))              eq. (5)
 *   local      t_n = C_n / f_local,n                                 eq. (6)
 *   offload    arrival a_n = L_n / r_n  (+ L_n / mu if m != 1)       eqs. (7), (9)
 *              the server serves FCFS in arrival order, starting from
 *              the backlog carried over from earlier slots; the task's
 *              response time is wait + C_n / f_m                    eq. (8)
 *              t_n = a_n + t_resp                                    eqs. (10), (11)
 *   LD_m       = backlog cycles / f_m, seconds                       eq. (13)
 *   var(LD)    = (1/M) sum_m (LD_m - mean LD)^2                      eq. (19)
 *   R_n        = -w1 t_n - w2 var(LD)                                eq. (20)
 *
 * Choices where the paper is vague (see docs/dtomalb.md):
 *  - The observed state (eq. 14) is LD_m at the slot start: the work carried
 *    over from earlier slots. The load in the reward (eq. 19/20) is LD_m just
 *    after this slot's decisions: carried-over work plus every task assigned
 *    this slot, so the penalty reacts to the joint action.
 *  - The backlog drains at f_m per second; what is left at the end of the
 *    slot (time T) is carried into the next slot.
 *  - Eq. (6) is taken literally by default (no queue on the MD); with
 *    local_queue = 1 local tasks also queue FCFS on the MD across slots.
 *  - Uploads of different slots never overlap as long as T exceeds the
 *    longest upload time (the defaults keep it so); eq. (7) is used as is.
 *
 * Randomness: MD parameters (local speed, distance) come from the stream
 * (MEC_STREAM_PLACEMENT, n) of `scenario_seed`; the tasks of MD n from the
 * stream (MEC_STREAM_WORKLOAD, n) of the env's own seed. Same seeds, same
 * episode, whatever the agents do.
 */
#ifndef MECSIM_DTOMALB_ENV_H
#define MECSIM_DTOMALB_ENV_H
#include <stddef.h>
#include <stdint.h>

#define DTOMALB_MAX_SERVERS 64

typedef struct dtomalb_env_cfg {
  int n_md;                              /* N */
  int n_servers;                         /* M */
  double server_hz[DTOMALB_MAX_SERVERS]; /* f_m, cycles/s (server 1 = index 0) */
  double local_hz_min, local_hz_max;     /* f_local ~ U[min, max], cycles/s */
  double bits_min, bits_max;             /* L ~ U[min, max], bits */
  double cycles_min, cycles_max;         /* C ~ U[min, max], cycles */
  double bandwidth_hz;                   /* W */
  double tx_power_w;                     /* p_n */
  double noise_w_per_hz;                 /* N0 */
  double g0, l0_m, path_exponent;        /* g = g0 (l0 / d)^h (model/radio.h) */
  double dist_min_m, dist_max_m;         /* MD distance to the BS ~ U[min, max] */
  double fiber_bps;                      /* mu, forwarding rate between servers */
  double slot_s;                         /* T */
  int steps_per_episode;                 /* slots per episode */
  double w1, w2;                         /* reward weights of eq. (20) */
  int local_queue;                       /* 1: local tasks queue FCFS on the MD */
  uint64_t scenario_seed;                /* seed of the MD parameters */
} dtomalb_env_cfg_t;

/* The paper's setting (Table 2; servers 12..20 GHz as in its Fig. 8) with the
 * values it does not give chosen in docs/dtomalb.md. n_md / n_servers other
 * than 10 / 5 spread the server speeds evenly over [12, 20] GHz. */
dtomalb_env_cfg_t dtomalb_env_cfg_default(int n_md, int n_servers);

/* Checks a configuration; returns 0, or -1 with a reason in err. */
int dtomalb_env_cfg_check(const dtomalb_env_cfg_t *cfg, char *err, size_t errlen);

/* Observation of one agent: M load factors, then the own task and device.
 * Built by the same function in training (env) and execution (policy). */
#define DTOMALB_OBS_EXTRA 4
static inline int dtomalb_obs_dim(int n_servers) { return n_servers + DTOMALB_OBS_EXTRA; }

/* Scales that normalize the observation; stored with the trained model. */
typedef struct dtomalb_obs_scale {
  double time_s;     /* LD_m and the upload time are divided by this (the slot T) */
  double bits;       /* L_n / bits (mean task size) */
  double cycles;     /* C_n / cycles (mean task cycles) */
  double local_s;    /* local execution time / local_s (mean local time) */
} dtomalb_obs_scale_t;

dtomalb_obs_scale_t dtomalb_obs_scale_from_cfg(const dtomalb_env_cfg_t *cfg);

/* out[0..M-1] = LD_m / time_s, out[M] = L / bits, out[M+1] = C / cycles,
 * out[M+2] = upload time (L / r) / time_s, out[M+3] = (C / f_local) / local_s. */
void dtomalb_obs_build(const dtomalb_obs_scale_t *sc, int n_servers, const double *load_s, double bits,
                       double cycles, double up_rate_bps, double local_hz, double *out);

typedef struct dtomalb_env dtomalb_env_t;

/* New environment (copies cfg). `seed` drives the tasks. Returns NULL with a
 * reason in err on a bad configuration. Caller frees with dtomalb_env_free. */
dtomalb_env_t *dtomalb_env_new(const dtomalb_env_cfg_t *cfg, uint64_t seed, char *err, size_t errlen);
void dtomalb_env_free(dtomalb_env_t *env);
const dtomalb_env_cfg_t *dtomalb_env_cfg(const dtomalb_env_t *env);

/* Starts an episode: empty queues, step counter 0, new tasks drawn. The
 * task streams continue (episode k of a seed is always the same). */
void dtomalb_env_reset(dtomalb_env_t *env);

/* What one slot produced. Arrays are owned by the env and valid until the
 * next step/reset. */
typedef struct dtomalb_step_info {
  const double *delay_s;  /* [N] t_n, eq. (11) (plus local queueing if enabled) */
  const double *reward;   /* [N] R_n, eq. (20) */
  const double *load_s;   /* [M] LD_m after the joint action (used in var) */
  double load_var;        /* var(LD), eq. (19), s^2 */
  double mean_delay_s;    /* (1/N) sum t_n, objective of P1 (eq. 12) */
  double mean_reward;     /* (1/N) sum R_n, the paper's "system utility" per slot */
  int done;               /* 1 when the episode's last slot was played */
} dtomalb_step_info_t;

/* Plays one slot with actions[n] in 0..M; draws the next slot's tasks.
 * Returns 0, or -1 if an action is out of range (nothing changes). */
int dtomalb_env_step(dtomalb_env_t *env, const int *actions, dtomalb_step_info_t *info);

/* Observation of agent n for the current slot, dtomalb_obs_dim(M) values. */
void dtomalb_env_obs(const dtomalb_env_t *env, int n, double *out);
/* All agents' observations, concatenated ([N * obs_dim]). */
void dtomalb_env_obs_all(const dtomalb_env_t *env, double *out);

/* Read access for baselines and tests. */
double dtomalb_env_task_bits(const dtomalb_env_t *env, int n);
double dtomalb_env_task_cycles(const dtomalb_env_t *env, int n);
double dtomalb_env_up_rate(const dtomalb_env_t *env, int n);  /* eq. (5), bit/s */
double dtomalb_env_local_hz(const dtomalb_env_t *env, int n);
double dtomalb_env_backlog_s(const dtomalb_env_t *env, int m); /* LD_m at slot start, m 0-based */
int dtomalb_env_step_index(const dtomalb_env_t *env);

/* Overrides for tests and hand-made cases (m, n 0-based). */
void dtomalb_env_set_task(dtomalb_env_t *env, int n, double bits, double cycles);
void dtomalb_env_set_md(dtomalb_env_t *env, int n, double local_hz, double gain);
void dtomalb_env_set_backlog(dtomalb_env_t *env, int m, double seconds);

/* Baseline action pickers on the current slot (no learning):
 * least-loaded server (smallest LD_m, ties to the lower index), and
 * uniformly random over {0..M} from `u` in [0,1). */
int dtomalb_env_least_loaded(const dtomalb_env_t *env);
int dtomalb_env_random_action(const dtomalb_env_t *env, double u);
#endif
