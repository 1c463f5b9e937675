/* scenario.h - every scenario knob in one table (plain C).
 *
 * A knob is a named, typed, unit-carrying setting with a default. Knobs are
 * set, in increasing precedence, from: the defaults below, the <argument>s of
 * the base_station actor in the deployment XML ("key=value"), and the command
 * line (--key=value or --set key=value). The whole table is written into the
 * trace's root attributes so a trace says exactly how it was made.
 */
#ifndef MECSIM_SCENARIO_H
#define MECSIM_SCENARIO_H
#include "model/dist.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MEC_STR 512

typedef struct mec_scenario {
  /* run */
  uint64_t seed;
  double until;           /* s, 0 = run until every task is done */
  char trace[MEC_STR];    /* trace file, "" = none */
  double sample;          /* s, period of /servers samples, 0 = none */
  int max_samples;        /* sampling instants before sampling stops, 0 = no limit */
  int quiet;
  int progress;           /* wall s between progress lines on any stderr; 0 = terminal only */
  /* workload */
  char arrivals[32];      /* slotted | poisson | file */
  double slot;            /* s */
  double rate;            /* tasks/s per MD (poisson) */
  int tasks_per_md;
  char task_file[MEC_STR];
  mec_dist_t task_bits, task_cycles, result_bits, deadline;
  mec_dist_t task_cycles_per_bit; /* const:0 = unused; else cycles = this x task_bits */
  char dnn[32];           /* none | alexnet | vgg13 | vgg16 | lenet | mix */
  /* decisions */
  char policy[64];
  char policy_args[MEC_STR];
  char model[MEC_STR];
  char decide[32];        /* per-task | per-slot */
  char decide_on[32];     /* bs | md */
  double gather;          /* s */
  double ctrl_bits;       /* bit */
  /* radio */
  double bandwidth;       /* Hz */
  double noise_dbm_hz;    /* dBm/Hz */
  double path_gain_db;    /* dB at l0 */
  double l0;              /* m */
  double path_loss_exp;
  char fading[32];        /* none | rayleigh */
  char cell[32];          /* ofdma | wifi */
  double md_tx_power;     /* W */
  double bs_tx_power;     /* W */
  double kappa;           /* J/(cycle Hz^2) */
  double cell_radius;     /* m */
  double min_distance;    /* m */
  int max_in_flight;      /* stop when more tasks are in flight; 0 = automatic */
  int share_users;        /* N in W/N; 0 = number of MDs */
  char md_hosts[64];      /* prefix of hosts that are MDs without a mobile_device actor */
  /* network */
  char forward[32];       /* via-first | direct */
  /* drift (a change of environment at one instant) */
  double drift_at;        /* s, 0 = none */
  double drift_size;      /* factor on task sizes arriving from drift_at */
  double drift_gain_db;   /* dB added to every channel gain from drift_at */
  /* mobility (docs/mobility.md) */
  char mobility[32];      /* static | rwp | gauss-markov | trace */
  double mobility_update; /* s between rate updates during a transfer (0 = at its start only) */
  char mobility_area[MEC_STR]; /* "XMIN,YMIN,XMAX,YMAX" m, "" = the square of half-side cell_radius around the BS */
  double bs_x, bs_y;      /* m, the base station's position */
  double handover_hysteresis_db; /* dB: several BSs, a device moves to a BS whose path gain beats its own by this */
  mec_dist_t rwp_speed, rwp_pause; /* m/s per leg, s per waypoint */
  char rwp_start[32];     /* stationary | uniform */
  double gm_alpha, gm_mean_speed, gm_speed_sd, gm_mean_dir, gm_dir_sd, gm_step, gm_edge;
  char mobility_file[MEC_STR]; /* CSV time,device,x,y (mobility=trace) */
  int mobility_samples_max; /* /mobility rows before sampling stops, 0 = no limit */
} mec_scenario_t;

typedef enum { MEC_KNOB_DOUBLE, MEC_KNOB_INT, MEC_KNOB_U64, MEC_KNOB_STRING, MEC_KNOB_DIST } mec_knob_type_t;

typedef struct mec_knob {
  const char *name;
  mec_knob_type_t type;
  size_t offset;
  size_t size;            /* for strings */
  const char *default_value;
  const char *unit;
  const char *choices;    /* "a|b|c" for enumerated strings, or NULL */
  const char *help;
} mec_knob_t;

/* Fills sc with every default. */
void mec_scenario_defaults(mec_scenario_t *sc);

/* Sets one knob from text. Returns 0, or -1 with err saying what was expected
 * (unknown key: lists the closest valid ones). */
int mec_scenario_set(mec_scenario_t *sc, const char *key, const char *value, char *err, size_t errlen);

/* Parses "key=value" and sets it. */
int mec_scenario_set_kv(mec_scenario_t *sc, const char *kv, char *err, size_t errlen);

/* Cross-knob checks (positive sizes, slot > 0 for slotted arrivals, ...).
 * Returns 0 or -1 with err. */
int mec_scenario_validate(const mec_scenario_t *sc, char *err, size_t errlen);

/* Cycles of a generated task: task_cycles, or task_cycles_per_bit x
 * task_bits when that knob is not const:0 (DyNN's c_i s_i, independent
 * draws). Their mean and a bound no draw exceeds. */
int mec_scenario_cycles_per_bit(const mec_scenario_t *sc);
double mec_scenario_cycles_mean(const mec_scenario_t *sc);
double mec_scenario_cycles_max(const mec_scenario_t *sc);

/* The mobility model the knobs describe (mobility.h; for mobility=trace,
 * without its trace: the caller loads mobility_file). Returns 0, or -1 with
 * a one-line message naming the knob at fault. */
struct mec_mobility;
int mec_scenario_mobility(const mec_scenario_t *sc, struct mec_mobility *m, char *err, size_t errlen);
/* The area devices move in or are placed in (m): knob mobility_area, else
 * the bounding box of the BS positions (bs_xy[2 n_bs], or (bs_x, bs_y) when
 * NULL) widened by cell_radius on every side. 0, or -1 with a message. */
int mec_scenario_area(const mec_scenario_t *sc, const double *bs_xy, int n_bs, double a[4], char *err, size_t errlen);

/* The knob table, ending with a {NULL} entry. */
const mec_knob_t *mec_scenario_knobs(void);
const mec_knob_t *mec_scenario_find_knob(const char *name);

/* Current value of a knob as text. */
void mec_scenario_get(const mec_scenario_t *sc, const mec_knob_t *k, char *buf, size_t size);

/* All knobs as "key = value  # unit" lines; returns a malloc'ed string. */
char *mec_scenario_dump(const mec_scenario_t *sc);

/* Prints the knob reference (name, default, unit, help) for --list-knobs. */
void mec_scenario_print_help(FILE *out);
#endif
