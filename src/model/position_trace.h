/* position_trace.h - device positions replayed from a CSV file (plain C).
 *
 * The file is a CSV table with a header naming the four columns time, device,
 * x and y, in any order, each exactly once:
 *
 *   time,device,x,y
 *   0,0,10.5,20
 *   0,1,-3,4
 *   12.5,0,30,20
 *
 * time is in seconds of simulated time (finite, in [0, MEC_POSITION_TRACE_MAX_TIME]),
 * device is a device index (0..n_md-1, the index the simulator gives mobile
 * devices; names would need the platform, which this plain-C layer has not),
 * x and y are metres (finite, |v| <= MEC_POSITION_TRACE_MAX_COORD). Blank lines and
 * lines starting with '#' are skipped; blanks around fields, CRLF line ends
 * and a UTF-8 byte order mark are accepted. Rows of different devices may be
 * interleaved, but the times of one device must increase strictly in file
 * order (an equal time is reported as a duplicate sample). Every device
 * 0..n_md-1 needs at least one row: a device missing from the trace is an
 * error at load, not a device that silently stays put.
 *
 * Between two samples of a device its position is interpolated linearly;
 * before its first sample it is at the first, after its last at the last.
 *
 * Errors name the file and the line: "position trace 'F' line N: what". */
#ifndef MECSIM_POSITION_TRACE_H
#define MECSIM_POSITION_TRACE_H
#include <stddef.h>
#include <stdint.h>

#define MEC_POSITION_TRACE_MAX_TIME 1e12  /* s, as task traces (31,700 years) */
#define MEC_POSITION_TRACE_MAX_COORD 1e9  /* m: far beyond any cell; differences stay exact to ~1e-7 m */
#define MEC_POSITION_TRACE_MAX_LINE 1023  /* characters per line, without the newline */
#define MEC_POSITION_TRACE_MAX_DEVICES 10000000 /* n_md limit, so per-device arrays stay allocatable */

typedef struct mec_position_trace {
  int n_md;        /* devices 0..n_md-1, each with >= 1 sample */
  size_t *first;   /* samples of device d: indices first[d] .. first[d+1]-1 */
  double *t, *x, *y; /* samples, grouped by device, time-ordered */
  size_t n;        /* number of samples */
} mec_position_trace_t;

/* Parses `len` bytes of `text` (named `path` in messages) for devices
 * 0..n_md-1. Returns a malloc'ed trace, or NULL with a one-line message in err.
 * The text may hold anything (NUL bytes, binary): it is never trusted. */
mec_position_trace_t *mec_position_trace_parse(const char *text, size_t len, const char *path, int n_md, char *err,
                                               size_t errlen);

/* Reads and parses the file at `path`. NULL with a message when it cannot be
 * read or is malformed. */
mec_position_trace_t *mec_position_trace_load(const char *path, int n_md, char *err, size_t errlen);

void mec_position_trace_free(mec_position_trace_t *tr);

/* Position of device d (0 <= d < n_md) at time t (s). *cursor is the
 * caller's per-device hint (start it at 0): the index of the sample at or
 * before the last time asked for. Time-ordered queries walk it forward,
 * O(1) amortized; an earlier time is answered too, by binary search.
 * Velocity (m/s) is written if vx, vy are not NULL: the slope of the current
 * segment, 0 before the first and after the last sample. */
void mec_position_trace_at(const mec_position_trace_t *tr, int d, double t, size_t *cursor, double *x, double *y,
                           double *vx, double *vy);
#endif
