/* tool_util.h - what the offline tools (the .c files of src/tools) share: checked
 * parsing of option values and a monotonic clock. Header-only because every
 * .c in src/tools becomes its own executable. Messages are
 * "TOOL: --opt: 'value' ..." on stderr. */
#ifndef MECSIM_TOOL_UTIL_H
#define MECSIM_TOOL_UTIL_H
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double tool_now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A finite number. 0, or -1 with a message. */
static inline int tool_parse_double(const char *tool, const char *opt, const char *s, double *v)
{
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (!*s || *end || errno || !isfinite(x)) {
    fprintf(stderr, "%s: --%s: '%s' is not a finite number\n", tool, opt, s);
    return -1;
  }
  *v = x;
  return 0;
}

/* A finite number in [lo, hi]. */
static inline int tool_parse_range(const char *tool, const char *opt, const char *s, double lo, double hi, double *v)
{
  double x;
  if (tool_parse_double(tool, opt, s, &x) < 0)
    return -1;
  if (!(x >= lo && x <= hi)) {
    fprintf(stderr, "%s: --%s: %g is outside [%g, %g]\n", tool, opt, x, lo, hi);
    return -1;
  }
  *v = x;
  return 0;
}

/* An integer in [lo, hi]. */
static inline int tool_parse_long(const char *tool, const char *opt, const char *s, long lo, long hi, long *v)
{
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (!*s || *end || errno) {
    fprintf(stderr, "%s: --%s: '%s' is not an integer\n", tool, opt, s);
    return -1;
  }
  if (x < lo || x > hi) {
    fprintf(stderr, "%s: --%s: %ld is outside %ld..%ld\n", tool, opt, x, lo, hi);
    return -1;
  }
  *v = x;
  return 0;
}
#endif
