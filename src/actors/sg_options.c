/* sg_options.c - see sg_options.h. The ranges below were found by running
 * mecsim with each value (docs/robustness.md, "SimGrid options"). */
#include "actors/sg_options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sg_range {
  const char *key;
  double lo, hi;
  int integer;
  const char *why;
} sg_range_t;

static const sg_range_t ranges[] = {
    {"contexts/stack-size", 16, 1048576, 1, "KiB per actor; below 16 KiB mecsim's actors overflow their stacks"},
    {"contexts/guard-size", 0, 1024, 1, "guard pages per actor stack"},
    {"contexts/nthreads", 1, 1, 1, "mecsim's actors share state without locks: one thread only"},
    {"precision/timing", 1e-15, 1e-3, 0, "seconds; SimGrid's time accuracy"},
    {"surf/precision", 1e-15, 1e-3, 0, "seconds; SimGrid's time accuracy"},
    {"precision/work-amount", 1e-15, 1e-1, 0, "relative accuracy of work amounts"},
    {"maxmin/precision", 1e-15, 1e-1, 0, "relative accuracy of the sharing solver"},
    {"bmf/precision", 1e-15, 1e-1, 0, "relative accuracy of the BMF solver"},
    {"bmf/max-iterations", 1, 1e9, 1, "solver iterations"},
    {"maxmin/concurrency-limit", -1, 1e9, 1, "-1 (none) or a positive limit"},
    {"network/TCP-gamma", 0, 1e18, 0, "bytes (0 = no TCP window cap)"},
    {"network/latency-factor", 0, 1e6, 0, "factor"},
    {"network/bandwidth-factor", 1e-6, 1e6, 0, "factor"},
    {"network/weight-S", 0, 1e18, 0, "bytes"},
    {"network/loopback-bw", 1, 1e18, 0, "bytes/s"},
    {"network/loopback-lat", 0, 1e6, 0, "seconds"},
};

static const char *const refused_prefixes[] = {"model-check", NULL};

int mec_check_sg_option(const char *arg, char *err, size_t errlen)
{
  if (strncmp(arg, "--log=", 6) == 0) {
    if (arg[6] == '\0') {
      snprintf(err, errlen, "option '%s': expected --log=CATEGORY.thres:LEVEL (or another SimGrid log setting)", arg);
      return -1;
    }
    return 0; /* SimGrid's own parser checks the rest and throws */
  }
  const char *kv = arg + 6; /* after "--cfg=" */
  const char *colon = strchr(kv, ':');
  if (!colon || colon == kv || colon[1] == '\0') {
    snprintf(err, errlen, "option '%s': expected --cfg=NAME:VALUE", arg);
    return -1;
  }
  size_t klen = (size_t)(colon - kv);
  const char *value = colon + 1;
  for (const char *const *p = refused_prefixes; *p; p++)
    if (strncmp(kv, *p, strlen(*p)) == 0) {
      snprintf(err, errlen, "option '%s': mecsim is not built for SimGrid's model checker", arg);
      return -1;
    }
  /* Any number that is not finite is refused, whatever the key. */
  char *end;
  errno = 0;
  double v = strtod(value, &end);
  int numeric = end != value && *end == '\0';
  if (numeric && !isfinite(v)) {
    snprintf(err, errlen, "option '%s': the value must be a finite number", arg);
    return -1;
  }
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
    const sg_range_t *r = &ranges[i];
    if (strlen(r->key) != klen || strncmp(kv, r->key, klen) != 0)
      continue;
    if (!numeric || v < r->lo || v > r->hi || (r->integer && v != floor(v))) {
      snprintf(err, errlen, "option '%s': expected %s in [%.10g, %.10g] (%s)", arg, r->integer ? "an integer" : "a number",
               r->lo, r->hi, r->why);
      return -1;
    }
  }
  return 0;
}
