/* mobility.h - where a mobile device is at a given time (plain C, SI units).
 *
 * Four models, chosen per device (docs/mobility.md has the formulas):
 *
 *   static        the device stays at the position given at initialisation.
 *   rwp           random waypoint in the rectangle [xmin, xmax] x [ymin, ymax]:
 *                 go in a straight line to a uniform destination at a speed
 *                 drawn per leg, pause a drawn time there, repeat. Starts in
 *                 the stationary regime (perfect simulation, Navidi & Camp
 *                 2004), so a run needs no warm-up.
 *   gauss-markov  speed and direction updated every `step` seconds with
 *                 memory alpha (Liang & Haas 1999, as in Camp, Boleng & Davies
 *                 2002); straight moves in between; the area's sides reflect.
 *   trace         positions replayed from a CSV file (position_trace.h).
 *
 * Positions are computed lazily: a device's state is advanced only when its
 * position is asked for, by the legs (rwp) or steps (gauss-markov) elapsed
 * since its last query. No loop ever runs over all devices, and a state is
 * 88 bytes, so 10^5 devices cost 9 MB and a query the same whatever their
 * number.
 *
 * Randomness is stateless: the draws of leg k (or step n) of device d are
 * mec_hash_u01 values of a seed derived from (run seed, d) and a key (k, n),
 * so a position depends on (run seed, d, t) only: not on which times were
 * asked before, nor in which order devices were asked. The device seed is
 * mec_stream_seed(run_seed, MEC_STREAM_PLACEMENT, MEC_MOBILITY_STREAM_BASE + d):
 * the placement stream kind, with indices 2^48 and above that initial
 * placement (indices 0..n_md-1) never uses.
 *
 * Time-ordered queries of a device cost O(1) amortized (per elapsed leg or
 * step). A query earlier than the device's current leg or step is answered
 * too, exactly, by replaying the device from time 0 (same result, cost of
 * the whole history); the simulator's queries are time-ordered per device.
 *
 * Not yet used by the simulator: the integration (knobs, deployment
 * properties, channel updates) is a later step. */
#ifndef MECSIM_MOBILITY_H
#define MECSIM_MOBILITY_H
#include "model/dist.h"
#include "model/position_trace.h"
#include <stddef.h>
#include <stdint.h>

#define MEC_MOBILITY_MAX_TIME 1e12      /* s: queries at t in [0, this] */
#define MEC_MOBILITY_MAX_COORD 1e9      /* m: area corners within +-this */
#define MEC_MOBILITY_MAX_SPEED 1e4      /* m/s: means and bounds of speeds */
#define MEC_MOBILITY_STREAM_BASE (1ULL << 48) /* see above */

typedef enum {
  MEC_MOBILITY_STATIC,
  MEC_MOBILITY_RWP,
  MEC_MOBILITY_GAUSS_MARKOV,
  MEC_MOBILITY_TRACE
} mec_mobility_kind_t;

/* How random waypoint starts at t = 0. */
typedef enum {
  MEC_RWP_START_STATIONARY, /* in the stationary regime (default) */
  MEC_RWP_START_UNIFORM     /* at a uniform point, about to leave: the classic start, with its warm-up */
} mec_rwp_start_t;

/* Parameters of one model; several devices may share one. */
typedef struct mec_mobility {
  mec_mobility_kind_t kind;
  /* rwp and gauss-markov: the area, m */
  double xmin, ymin, xmax, ymax;
  /* rwp */
  mec_dist_t speed;      /* m/s, one draw per leg: const:V, uniform:A:B with A > 0, or lognormal */
  mec_dist_t pause;      /* s, one draw per waypoint: const, uniform, exp or lognormal */
  mec_rwp_start_t start;
  /* gauss-markov */
  double alpha;          /* memory in [0, 1]: 1 = constant velocity, 0 = memoryless */
  double mean_speed;     /* m/s, s-bar */
  double speed_sd;       /* m/s, stationary standard deviation of the speed process */
  double mean_dir;       /* rad, d-bar: 0 = +x, pi/2 = +y */
  double dir_sd;         /* rad, stationary standard deviation of the direction */
  double step;           /* s, update interval (Delta t) */
  double edge;           /* m: closer than this to a side, the mean direction points inward (0 = off) */
  /* trace: not owned; must outlive the devices using it */
  const mec_position_trace_t *trace;
} mec_mobility_t;

/* One device. Plain data: copy it, keep 10^5 of them in an array. */
typedef struct mec_mobility_state {
  uint64_t seed;  /* the device's hash seed */
  uint64_t work;  /* legs or steps computed so far, replays included (cost accounting for tests) */
  int device;
  union {
    struct { double x, y; } fixed;
    /* leg `leg`: leaves (ax, ay) at t0, reaches (bx, by) at t1, pauses until t2 */
    struct { uint64_t leg; double t0, t1, t2, ax, ay, bx, by; } rwp;
    /* at time step * model->step: position, speed process (may be < 0; the
     * device moves at max(speed, 0)), direction in (-pi, pi] */
    struct { uint64_t step; double x, y, speed, dir; } gm;
    struct { size_t cursor; } trace;
  } u;
} mec_mobility_state_t;

/* Fills m with the defaults of `kind`: area [-100, 100]^2 m (the default
 * cell around a base station at the origin); rwp: speed uniform:0.5:1.5,
 * pause const:0, stationary start; gauss-markov: alpha 0.75, mean speed 1,
 * speed sd 0.3, mean direction 0, direction sd 0.5, step 1 s, edge 10 m;
 * trace: no trace (set m->trace). */
void mec_mobility_defaults(mec_mobility_t *m, mec_mobility_kind_t kind);

/* "static", "rwp", "gauss-markov", "trace"; and back (0, or -1 with a
 * message listing the names). */
const char *mec_mobility_kind_name(mec_mobility_kind_t kind);
int mec_mobility_kind_parse(const char *name, mec_mobility_kind_t *out, char *err, size_t errlen);

/* Checks the parameters the kind uses. Returns 0, or -1 with a one-line
 * message naming the parameter, its value, the unit and what was expected. */
int mec_mobility_check(const mec_mobility_t *m, char *err, size_t errlen);

/* Initialises device `device` (>= 0) of a run. (x, y) is the position of a
 * static device (m), ignored by the other kinds, which draw their own or
 * read the trace. Returns 0, or -1 with a message (a device the trace does
 * not hold, a non-finite static position). m must have passed the check. */
int mec_mobility_init_device(const mec_mobility_t *m, mec_mobility_state_t *s, uint64_t run_seed, int device,
                             double x, double y, char *err, size_t errlen);

/* Position (m) and velocity (m/s) of the device at time t (s), advancing its
 * state to t; vx, vy may be NULL. At the instant a leg ends the device is
 * counted as arrived (velocity 0). Returns 0, or -1 (outputs untouched) when
 * t is not in [0, MEC_MOBILITY_MAX_TIME]. */
int mec_mobility_at(const mec_mobility_t *m, mec_mobility_state_t *s, double t, double *x, double *y, double *vx,
                    double *vy);

/* The same, position only / velocity only. */
int mec_mobility_position(const mec_mobility_t *m, mec_mobility_state_t *s, double t, double *x, double *y);
int mec_mobility_velocity(const mec_mobility_t *m, mec_mobility_state_t *s, double t, double *vx, double *vy);

/* The time until which the velocity at t stays the one mec_mobility_at
 * reports for t (the position moves linearly from t to then), advancing the
 * state to t: the end of the current leg or pause (rwp), the next update or
 * side (gauss-markov), the next sample (trace); INFINITY when the device no
 * longer moves (static, after a trace's last sample). It is >= t, and > t
 * except for a device exactly on a side of the area. The simulator can
 * update a channel there, rather than (or besides) at a fixed interval.
 * NAN when t is not in [0, MEC_MOBILITY_MAX_TIME]. */
double mec_mobility_linear_until(const mec_mobility_t *m, mec_mobility_state_t *s, double t);

/* Mean distance (m) between two independent uniform points of a w x h
 * rectangle (closed form, stable for thin rectangles): the mean rwp leg. */
double mec_rect_mean_distance(double w, double h);

/* Fraction of time a stationary rwp device of m is paused:
 * E[P] / (E[P] + E[L] E[1/V]). */
double mec_rwp_pause_fraction(const mec_mobility_t *m);
#endif
