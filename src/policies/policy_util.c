/* policy_util.c - helpers shared by all policies: the error message, the
 * default decision, "k=v,k=v" argument parsing and the expected-delay model
 * (DTOMALB eqs. 6-11 plus the result download). */
#include "policies/policy.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Error message                                                            */
/* ------------------------------------------------------------------------ */

static char policy_error_[512];

void mec_policy_set_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(policy_error_, sizeof policy_error_, fmt, ap);
  va_end(ap);
}

const char *mec_policy_error(void)
{
  return policy_error_;
}

/* ------------------------------------------------------------------------ */
/* Default decision                                                         */
/* ------------------------------------------------------------------------ */

mec_decision_t mec_decision_default(void)
{
  /* Every "not allocated" field uses its "<= 0 / -1 = simulator default"
   * value, so a policy that only sets target gets FCFS, equal bandwidth
   * split, whole-task binary offloading and the MD's default power. */
  mec_decision_t d = {
      .target = 0,
      .partition = -1,
      .slot = -1,
      .bw_share = 0.0,
      .time_share = 0.0,
      .cpu_share = 0.0,
      .tx_power_w = 0.0,
      .price = 0.0,
      .offload_frac = 0.0,
      .tx_offset = -1.0,
      .tx_window = 0.0,
  };
  return d;
}

/* ------------------------------------------------------------------------ */
/* "k=v,k=v" arguments                                                      */
/* ------------------------------------------------------------------------ */

/* One item of an argument string, as [begin, end) ranges into it, with the
 * surrounding blanks trimmed. has_eq is 0 for an item without '='. */
typedef struct arg_item {
  const char *key, *key_end;
  const char *val, *val_end;
  int has_eq;
} arg_item_t;

static int is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void trim(const char **b, const char **e)
{
  while (*b < *e && is_blank(**b))
    (*b)++;
  while (*e > *b && is_blank((*e)[-1]))
    (*e)--;
}

/* Reads the item starting at *p and advances *p past its comma. Returns 0 at
 * the end of the string. Blank items (",,", a trailing comma) are returned
 * with key == key_end so callers can skip them. */
static int next_item(const char **p, arg_item_t *it)
{
  const char *s = *p;
  if (!s || !*s)
    return 0;
  const char *end = strchr(s, ',');
  if (!end)
    end = s + strlen(s);
  const char *eq = memchr(s, '=', (size_t)(end - s));
  it->has_eq = eq != NULL;
  it->key = s;
  it->key_end = eq ? eq : end;
  it->val = eq ? eq + 1 : end;
  it->val_end = end;
  trim(&it->key, &it->key_end);
  trim(&it->val, &it->val_end);
  *p = *end ? end + 1 : end;
  return 1;
}

static int key_is(const arg_item_t *it, const char *key)
{
  size_t n = (size_t)(it->key_end - it->key);
  return strlen(key) == n && strncmp(it->key, key, n) == 0;
}

/* Finds the LAST occurrence of key (so "defaults,key=override" works).
 * Returns 1 if found. */
static int find_arg(const char *args, const char *key, arg_item_t *found)
{
  const char *p = args;
  arg_item_t it;
  int hit = 0;
  while (next_item(&p, &it)) {
    if (it.has_eq && key_is(&it, key)) {
      *found = it;
      hit = 1;
    }
  }
  return hit;
}

int mec_policy_arg_string(const char *args, const char *key, char *buf, size_t size)
{
  arg_item_t it;
  if (!key || !find_arg(args, key, &it))
    return 1;
  size_t n = (size_t)(it.val_end - it.val);
  if (!buf || n + 1 > size) {
    mec_policy_set_error("policy argument '%s': value '%.*s' is longer than %zu characters", key, (int)n,
                         it.val, size ? size - 1 : 0);
    return -1;
  }
  memcpy(buf, it.val, n);
  buf[n] = '\0';
  return 0;
}

int mec_policy_arg_double(const char *args, const char *key, double *value)
{
  char buf[64];
  int rc = mec_policy_arg_string(args, key, buf, sizeof buf);
  if (rc != 0)
    return rc;
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (buf[0] == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v)) {
    mec_policy_set_error("policy argument '%s': '%s' is not a finite number", key, buf);
    return -1;
  }
  *value = v;
  return 0;
}

int mec_policy_arg_int(const char *args, const char *key, int *value)
{
  char buf[64];
  int rc = mec_policy_arg_string(args, key, buf, sizeof buf);
  if (rc != 0)
    return rc;
  char *end;
  errno = 0;
  long v = strtol(buf, &end, 10);
  if (buf[0] == '\0' || *end != '\0' || errno == ERANGE || v < INT_MIN || v > INT_MAX) {
    mec_policy_set_error("policy argument '%s': '%s' is not an integer", key, buf);
    return -1;
  }
  *value = (int)v;
  return 0;
}

/* Appends "a, b, c" (the NULL-terminated list) to buf, or "(none)". */
static void format_known(const char *const *known, char *buf, size_t size)
{
  size_t used = 0;
  buf[0] = '\0';
  if (!known || !known[0]) {
    snprintf(buf, size, "(none)");
    return;
  }
  for (size_t i = 0; known[i] && used < size; i++) {
    int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", known[i]);
    if (w < 0)
      break;
    used += (size_t)w;
  }
}

int mec_policy_args_check(const char *args, const char *const *known, char *err, size_t n)
{
  char msg[512], list[256];
  const char *p = args;
  arg_item_t it;
  msg[0] = '\0';
  while (next_item(&p, &it)) {
    size_t klen = (size_t)(it.key_end - it.key);
    if (klen == 0 && !it.has_eq)
      continue; /* blank item */
    format_known(known, list, sizeof list);
    if (!it.has_eq || klen == 0) {
      const char *shown_end = it.has_eq ? it.val_end : it.key_end; /* "=3" or "word" */
      snprintf(msg, sizeof msg, "policy argument '%.*s' is not of the form key=value (known keys: %s)",
               (int)(shown_end - it.key), it.key, list);
      break;
    }
    int ok = 0;
    for (size_t k = 0; known && known[k]; k++)
      ok |= key_is(&it, known[k]);
    if (!ok) {
      snprintf(msg, sizeof msg, "unknown policy argument '%.*s' (known keys: %s)", (int)klen, it.key, list);
      break;
    }
  }
  if (!msg[0])
    return 0;
  mec_policy_set_error("%s", msg);
  if (err && n)
    snprintf(err, n, "%s", msg);
  return -1;
}

/* ------------------------------------------------------------------------ */
/* Expected delay                                                           */
/* ------------------------------------------------------------------------ */

/* bits / rate, with 0 bits costing nothing even on a dead link and a dead
 * link (rate <= 0) making any positive transfer impossible. */
static double transfer_s(double bits, double rate_bps)
{
  if (bits <= 0)
    return 0.0;
  return rate_bps > 0 ? bits / rate_bps : INFINITY;
}

mec_route_info_t mec_system_route(const mec_system_t *sys, int md, int s)
{
  if (!sys || md < 0 || md >= sys->n_md || s < 0 || s >= sys->n_servers)
    return (mec_route_info_t){-1, NAN, NAN};
  int b = sys->md[md].bs;
  if (sys->route && sys->n_bs > 0 && b >= 0 && b < sys->n_bs)
    return sys->route[(size_t)b * (size_t)sys->n_servers + (size_t)s];
  return (mec_route_info_t){sys->server[s].hops, sys->server[s].fiber_bps, sys->server[s].fiber_latency_s};
}

double mec_expected_delay(const mec_system_t *sys, const mec_task_t *task, int target)
{
  if (!sys || !task || task->md < 0 || task->md >= sys->n_md || target < 0 || target > sys->n_servers)
    return NAN;
  const mec_md_info_t *md = &sys->md[task->md];
  if (target == 0) /* eq. 6 */
    return task->cycles <= 0 ? 0.0 : (md->cpu_hz > 0 ? task->cycles / md->cpu_hz : INFINITY);

  const mec_server_info_t *s = &sys->server[target - 1];
  if (s->cpu_hz <= 0)
    return INFINITY;
  /* Fiber BS -> server (eq. 9). Unlike the paper, which charges it only for
   * m != 1, we charge every server reached over fiber (hops > 0): the
   * simulator really transfers over the BS-server link. fiber_bps = 0 means
   * "fiber not modelled". With several BSs the route is the one from the
   * device's BS (mec_system_route). */
  mec_route_info_t r = mec_system_route(sys, task->md, target - 1);
  int fiber = r.hops > 0 && r.fiber_bps > 0;
  int cores = s->cores > 0 ? s->cores : 1;
  double t = transfer_s(task->input_bits, md->up_rate_bps);           /* eq. 7 upload */
  if (fiber)
    t += task->input_bits / r.fiber_bps + r.fiber_latency_s;         /* eq. 9 forward */
  t += s->backlog_cycles / (s->cpu_hz * cores);                        /* eq. 8 wait */
  t += task->cycles / s->cpu_hz;                                       /* eq. 8 compute */
  t += transfer_s(task->output_bits, md->down_rate_bps);               /* result download */
  if (fiber)
    t += task->output_bits / r.fiber_bps + r.fiber_latency_s;        /* result back */
  return t;
}
