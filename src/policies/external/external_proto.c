/* external_proto.c - JSON requests of the `external` policy and the strict
 * validator of its replies (schema: docs/external.md). */
#include "policies/external/external_proto.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Output buffer                                                            */
/* ------------------------------------------------------------------------ */

void ext_buf_reset(ext_buf_t *b)
{
  b->n = 0;
  if (b->p)
    b->p[0] = '\0';
}

void ext_buf_free(ext_buf_t *b)
{
  free(b->p);
  *b = (ext_buf_t){0};
}

static int reserve(ext_buf_t *b, size_t extra)
{
  if (b->oom)
    return -1;
  if (b->n + extra + 1 <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->n + extra + 1)
    cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

static void append(ext_buf_t *b, const char *s, size_t n)
{
  if (reserve(b, n) != 0)
    return;
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

void ext_buf_str(ext_buf_t *b, const char *s)
{
  append(b, s, strlen(s));
}

void ext_buf_printf(ext_buf_t *b, const char *fmt, ...)
{
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (w < 0)
    return;
  if ((size_t)w < sizeof small) {
    append(b, small, (size_t)w);
    return;
  }
  if (reserve(b, (size_t)w) != 0)
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->n, (size_t)w + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)w;
}

void ext_buf_num(ext_buf_t *b, double v)
{
  if (isnan(v))
    ext_buf_str(b, "null");
  else if (isinf(v))
    ext_buf_str(b, v > 0 ? "1e999" : "-1e999");
  else
    ext_buf_printf(b, "%.17g", v);
}

void ext_buf_jstr(ext_buf_t *b, const char *s)
{
  ext_buf_str(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      ext_buf_printf(b, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      ext_buf_printf(b, "\\u%04x", *p);
    else
      append(b, (const char *)p, 1);
  }
  ext_buf_str(b, "\"");
}

/* "key":number, */
static void kv_num(ext_buf_t *b, const char *key, double v, int comma)
{
  ext_buf_printf(b, "\"%s\":", key);
  ext_buf_num(b, v);
  if (comma)
    ext_buf_str(b, ",");
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                 */
/* ------------------------------------------------------------------------ */

/* Base stations as the agent sees them: with sys->n_bs = 0 (a hand-filled
 * system) one BS made of the cell fields, whose routes are the servers' own
 * hops / fiber fields (mec_system_route's fallback), so every message carries
 * the same fields whatever filled the system. */
static int enc_n_bs(const mec_system_t *sys)
{
  return sys->n_bs > 0 && sys->bs ? sys->n_bs : 1;
}

/* The BS a device is attached to, as sent: 0 with one BS. */
static int enc_md_bs(const mec_system_t *sys, const mec_md_info_t *d)
{
  return sys->n_bs > 0 && sys->bs ? d->bs : 0;
}

/* The BS a server belongs to, as sent: -1 (a cloud) or 0 with one BS. */
static int enc_server_bs(const mec_system_t *sys, const mec_server_info_t *v)
{
  if (sys->n_bs > 0 && sys->bs)
    return v->bs;
  return v->bs < 0 ? -1 : 0;
}

static void encode_device(ext_buf_t *b, const mec_system_t *sys, const mec_md_info_t *d, int md)
{
  ext_buf_printf(b, "{\"md\":%d,\"bs\":%d,", md, enc_md_bs(sys, d));
  kv_num(b, "cpu_hz", d->cpu_hz, 1);
  kv_num(b, "tx_power_w", d->tx_power_w, 1);
  kv_num(b, "kappa", d->kappa, 1);
  kv_num(b, "distance_m", d->distance_m, 1);
  kv_num(b, "gain", d->gain, 1);
  kv_num(b, "up_rate_bps", d->up_rate_bps, 1);
  kv_num(b, "down_rate_bps", d->down_rate_bps, 0);
  ext_buf_str(b, "}");
}

static void encode_servers(ext_buf_t *b, const mec_system_t *sys)
{
  ext_buf_str(b, "\"servers\":[");
  for (int s = 0; s < sys->n_servers; s++) {
    const mec_server_info_t *v = &sys->server[s];
    ext_buf_printf(b, "%s{\"cpu_hz\":", s ? "," : "");
    ext_buf_num(b, v->cpu_hz);
    ext_buf_printf(b, ",\"cores\":%d,\"hops\":%d,\"tier\":%d,\"bs\":%d,", v->cores, v->hops, v->tier,
                   enc_server_bs(sys, v));
    kv_num(b, "fiber_bps", v->fiber_bps, 1);
    kv_num(b, "fiber_latency_s", v->fiber_latency_s, 1);
    ext_buf_printf(b, "\"queued\":%d,\"in_service\":%d,", v->queued, v->in_service);
    kv_num(b, "backlog_cycles", v->backlog_cycles, 1);
    kv_num(b, "load_factor", v->load_factor, 0);
    ext_buf_str(b, "}");
  }
  ext_buf_str(b, "]");
}

/* "base_stations":[{x_m, y_m, bandwidth_hz, cpu_hz, attached}, ...] */
static void encode_base_stations(ext_buf_t *b, const mec_system_t *sys)
{
  ext_buf_str(b, "\"base_stations\":[");
  if (sys->n_bs > 0 && sys->bs) {
    for (int k = 0; k < sys->n_bs; k++) {
      const mec_bs_info_t *v = &sys->bs[k];
      ext_buf_str(b, k ? ",{" : "{");
      kv_num(b, "x_m", v->x_m, 1);
      kv_num(b, "y_m", v->y_m, 1);
      kv_num(b, "bandwidth_hz", v->bandwidth_hz, 1);
      kv_num(b, "cpu_hz", v->cpu_hz, 1);
      ext_buf_printf(b, "\"attached\":%d}", v->attached);
    }
  } else { /* one BS: the cell, at the origin, every device attached to it */
    ext_buf_str(b, "{\"x_m\":0,\"y_m\":0,");
    kv_num(b, "bandwidth_hz", sys->bandwidth_hz, 1);
    kv_num(b, "cpu_hz", sys->decider_hz, 1);
    ext_buf_printf(b, "\"attached\":%d}", sys->n_md > 0 ? sys->n_md : 0);
  }
  ext_buf_str(b, "]");
}

/* "routes":[[{hops, fiber_bps, fiber_latency_s} per server] per BS]: route
 * [b][s] from BS b to server s (sys->route, or the servers' own fields when
 * the system has none, as mec_system_route). */
static void encode_routes(ext_buf_t *b, const mec_system_t *sys)
{
  int n_bs = enc_n_bs(sys);
  ext_buf_str(b, "\"routes\":[");
  for (int k = 0; k < n_bs; k++) {
    ext_buf_str(b, k ? ",[" : "[");
    for (int s = 0; s < sys->n_servers; s++) {
      mec_route_info_t r;
      if (sys->route && sys->n_bs > 0)
        r = sys->route[(size_t)k * (size_t)sys->n_servers + (size_t)s];
      else
        r = (mec_route_info_t){sys->server[s].hops, sys->server[s].fiber_bps, sys->server[s].fiber_latency_s};
      ext_buf_printf(b, "%s{\"hops\":%d,", s ? "," : "", r.hops);
      kv_num(b, "fiber_bps", r.fiber_bps, 1);
      kv_num(b, "fiber_latency_s", r.fiber_latency_s, 0);
      ext_buf_str(b, "}");
    }
    ext_buf_str(b, "]");
  }
  ext_buf_str(b, "]");
}

/* "decider_bs":b, then with `attached` "attached":[k0, k1, ...] (the dynamic
 * part of the BSs, in decide requests; the hello has it in base_stations). */
static void encode_bs_state(ext_buf_t *b, const mec_system_t *sys, int attached)
{
  int multi = sys->n_bs > 0 && sys->bs;
  ext_buf_printf(b, "\"decider_bs\":%d,", multi ? sys->decider_bs : 0);
  if (!attached)
    return;
  ext_buf_str(b, "\"attached\":[");
  if (multi)
    for (int k = 0; k < sys->n_bs; k++)
      ext_buf_printf(b, "%s%d", k ? "," : "", sys->bs[k].attached);
  else
    ext_buf_printf(b, "%d", sys->n_md > 0 ? sys->n_md : 0);
  ext_buf_str(b, "],");
}

void ext_encode_hello(ext_buf_t *b, const mec_system_t *sys, const char *args)
{
  ext_buf_reset(b);
  ext_buf_printf(b, "{\"schema\":%d,\"type\":\"hello\",\"mecsim_version\":", MEC_EXT_SCHEMA);
#ifdef MECSIM_VERSION
  ext_buf_jstr(b, MECSIM_VERSION);
#else
  ext_buf_jstr(b, "unknown");
#endif
  ext_buf_str(b, ",\"args\":");
  ext_buf_jstr(b, args ? args : "");
  ext_buf_printf(b, ",\"seed\":%llu,\"n_md\":%d,\"n_servers\":%d,\"n_bs\":%d,", (unsigned long long)sys->seed,
                 sys->n_md, sys->n_servers, enc_n_bs(sys));
  kv_num(b, "now", sys->now, 1);
  kv_num(b, "slot_s", sys->slot_s, 1);
  kv_num(b, "bandwidth_hz", sys->bandwidth_hz, 1);
  kv_num(b, "noise_w_per_hz", sys->noise_w_per_hz, 1);
  kv_num(b, "bs_tx_power_w", sys->bs_tx_power_w, 1);
  kv_num(b, "decider_hz", sys->decider_hz, 1);
  encode_bs_state(b, sys, 0);
  ext_buf_str(b, "\"devices\":[");
  for (int i = 0; i < sys->n_md; i++) {
    if (i)
      ext_buf_str(b, ",");
    encode_device(b, sys, &sys->md[i], i);
  }
  ext_buf_str(b, "],");
  encode_servers(b, sys);
  ext_buf_str(b, ",");
  encode_base_stations(b, sys);
  ext_buf_str(b, ",");
  encode_routes(b, sys);
  ext_buf_str(b, "}");
}

void ext_encode_decide(ext_buf_t *b, uint64_t seq, const mec_system_t *sys, const mec_batch_t *batch,
                       const char *outcomes)
{
  ext_buf_reset(b);
  ext_buf_printf(b, "{\"schema\":%d,\"type\":\"decide\",\"seq\":%llu,", MEC_EXT_SCHEMA, (unsigned long long)seq);
  kv_num(b, "now", sys->now, 1);
  kv_num(b, "decider_hz", sys->decider_hz, 1);
  encode_bs_state(b, sys, 1);
  encode_servers(b, sys);
  /* The devices of the batch's tasks (each once, in order of first
   * appearance): the simulator refreshes only their channels before a
   * decision. The batch is small; a quadratic scan for duplicates is fine up
   * to a slot of a few thousand tasks, then we skip the check for speed. */
  ext_buf_str(b, ",\"devices\":[");
  int first = 1;
  for (size_t i = 0; i < batch->n; i++) {
    int md = batch->task[i].md;
    int seen = md < 0 || md >= sys->n_md;
    for (size_t j = 0; j < i && !seen && batch->n <= 4096; j++)
      seen = batch->task[j].md == md;
    if (seen)
      continue;
    if (!first)
      ext_buf_str(b, ",");
    first = 0;
    encode_device(b, sys, &sys->md[md], md);
  }
  ext_buf_str(b, "],\"tasks\":[");
  for (size_t i = 0; i < batch->n; i++) {
    const mec_task_t *t = &batch->task[i];
    ext_buf_printf(b, "%s{\"id\":%llu,\"md\":%d,\"dnn\":%d,", i ? "," : "", (unsigned long long)t->id, (int)t->md,
                   (int)t->dnn);
    kv_num(b, "arrival", t->arrival, 1);
    kv_num(b, "input_bits", t->input_bits, 1);
    kv_num(b, "cycles", t->cycles, 1);
    kv_num(b, "output_bits", t->output_bits, 1);
    kv_num(b, "deadline", t->deadline, 0);
    ext_buf_str(b, "}");
  }
  ext_buf_str(b, "],\"outcomes\":[");
  ext_buf_str(b, outcomes ? outcomes : "");
  ext_buf_str(b, "]}");
}

void ext_encode_bye(ext_buf_t *b, const char *outcomes)
{
  ext_buf_reset(b);
  ext_buf_printf(b, "{\"schema\":%d,\"type\":\"bye\",\"outcomes\":[", MEC_EXT_SCHEMA);
  ext_buf_str(b, outcomes ? outcomes : "");
  ext_buf_str(b, "]}");
}

void ext_encode_outcome(ext_buf_t *b, const mec_outcome_t *o)
{
  if (b->n)
    ext_buf_str(b, ",");
  ext_buf_printf(b, "{\"id\":%llu,\"md\":%d,\"target\":%d,", (unsigned long long)o->task.id, (int)o->task.md,
                 o->decision.target);
  kv_num(b, "arrival", o->task.arrival, 1);
  kv_num(b, "delay_s", o->delay_s, 1);
  kv_num(b, "energy_j", o->energy_j, 1);
  ext_buf_printf(b, "\"missed\":%d}", o->missed ? 1 : 0);
}

/* ------------------------------------------------------------------------ */
/* Replies                                                                  */
/* ------------------------------------------------------------------------ */

static void seterr(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t n, const char *fmt, ...)
{
  if (!err || !n)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
  /* one line, printable: the text may quote the agent */
  for (char *p = err; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
}

/* Agent-supplied text, shortened for a message. */
static void quote(char *dst, size_t n, const char *s)
{
  snprintf(dst, n, "%s", s ? s : "");
  if (s && strlen(s) >= n && n > 4)
    memcpy(dst + n - 4, "...", 4);
}

static const char *kind_name(const json_t *v)
{
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER: return "an integer";
  case JSON_REAL: return "a real number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  default: return "null";
  }
}

/* Deepest nesting of arrays and objects a reply may have: the schema needs 3
 * (reply, "decisions", a decision). Checked before Jansson, whose recursive
 * parser would otherwise run a hostile "[[[[..." down the small stack of the
 * SimGrid actor that decides (64 KiB by default). */
#define EXT_MAX_DEPTH 8

static int nesting_ok(const char *data, size_t len)
{
  int depth = 0, in_str = 0, esc = 0;
  for (size_t i = 0; i < len; i++) {
    char c = data[i];
    if (in_str) {
      if (esc)
        esc = 0;
      else if (c == '\\')
        esc = 1;
      else if (c == '"')
        in_str = 0;
    } else if (c == '"') {
      in_str = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > EXT_MAX_DEPTH)
        return 0;
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return 1;
}

/* Parses the reply and checks the header: an object with the integer
 * "schema" = MEC_EXT_SCHEMA and "type" = type. Returns the root (caller
 * decrefs) or NULL with err set. */
static json_t *load_reply(const char *data, size_t len, const char *type, char *err, size_t n)
{
  if (!data || len == 0) {
    seterr(err, n, "the agent's reply is empty; expected a JSON object of type '%s'", type);
    return NULL;
  }
  if (!nesting_ok(data, len)) {
    seterr(err, n, "the agent's reply to '%s' nests arrays and objects deeper than %d levels (the schema needs 3)",
           type, EXT_MAX_DEPTH);
    return NULL;
  }
  json_error_t je;
  json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    seterr(err, n, "malformed JSON in the agent's reply to '%s' (line %d, column %d): %s", type, je.line, je.column,
           je.text);
    return NULL;
  }
  if (!json_is_object(root)) {
    seterr(err, n, "the agent's reply is %s; expected a JSON object of type '%s'", kind_name(root), type);
    json_decref(root);
    return NULL;
  }
  json_t *schema = json_object_get(root, "schema");
  if (!json_is_integer(schema)) {
    seterr(err, n, "the agent's reply has %s 'schema'; expected the integer schema version %d",
           schema ? "a non-integer" : "no", MEC_EXT_SCHEMA);
    json_decref(root);
    return NULL;
  }
  if (json_integer_value(schema) != MEC_EXT_SCHEMA) {
    seterr(err, n, "schema version mismatch: the agent speaks version %lld, this mecsim speaks version %d",
           (long long)json_integer_value(schema), MEC_EXT_SCHEMA);
    json_decref(root);
    return NULL;
  }
  const char *t = json_string_value(json_object_get(root, "type"));
  if (!t) {
    seterr(err, n, "the agent's reply has no string 'type'; expected '%s'", type);
    json_decref(root);
    return NULL;
  }
  if (strcmp(t, "error") == 0) {
    char q[300];
    quote(q, sizeof q, json_string_value(json_object_get(root, "message")));
    seterr(err, n, "the agent reported an error instead of a '%s' reply: %s", type, q[0] ? q : "(no message)");
    json_decref(root);
    return NULL;
  }
  if (strcmp(t, type) != 0) {
    char q[64];
    quote(q, sizeof q, t);
    seterr(err, n, "the agent replied with type '%s'; expected '%s'", q, type);
    json_decref(root);
    return NULL;
  }
  return root;
}

/* Every key of obj is in the NULL-terminated list `known`. */
static int check_keys(json_t *obj, const char *const *known, const char *where, char *err, size_t n)
{
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v)
  {
    int ok = 0;
    for (size_t i = 0; known[i] && !ok; i++)
      ok = strcmp(key, known[i]) == 0;
    if (!ok) {
      char q[64];
      quote(q, sizeof q, key);
      seterr(err, n, "unknown field '%s' in %s", q, where);
      return -1;
    }
  }
  return 0;
}

/* Optional finite number >= lo (JSON has no NaN or infinity; Jansson refuses
 * overflowing literals). 0 ok/absent, -1 error. */
static int get_num(json_t *obj, const char *key, double lo, double *v, const char *where, char *err, size_t n)
{
  json_t *x = json_object_get(obj, key);
  if (!x)
    return 0;
  if (!json_is_number(x)) {
    seterr(err, n, "'%s' in %s is %s; expected a number", key, where, kind_name(x));
    return -1;
  }
  double d = json_number_value(x);
  if (!isfinite(d) || d < lo) {
    seterr(err, n, "'%s' in %s is %.17g; expected a finite number >= %g", key, where, d, lo);
    return -1;
  }
  *v = d;
  return 0;
}

static int get_int(json_t *obj, const char *key, int lo, int hi, int required, int *v, const char *where, char *err,
                   size_t n)
{
  json_t *x = json_object_get(obj, key);
  if (!x) {
    if (required) {
      seterr(err, n, "%s has no '%s'", where, key);
      return -1;
    }
    return 0;
  }
  if (!json_is_integer(x)) {
    seterr(err, n, "'%s' in %s is %s; expected an integer", key, where, kind_name(x));
    return -1;
  }
  json_int_t i = json_integer_value(x);
  if (i < lo || i > hi) {
    seterr(err, n, "'%s' in %s is %lld; expected an integer in %d..%d", key, where, (long long)i, lo, hi);
    return -1;
  }
  *v = (int)i;
  return 0;
}

int ext_parse_hello(const char *data, size_t len, char *agent, size_t agent_len, char *err, size_t errlen)
{
  json_t *root = load_reply(data, len, "hello", err, errlen);
  if (!root)
    return -1;
  static const char *const keys[] = {"schema", "type", "agent", NULL};
  int rc = check_keys(root, keys, "the agent's hello", err, errlen);
  json_t *a = json_object_get(root, "agent");
  if (rc == 0 && a && !json_is_string(a)) {
    seterr(err, errlen, "'agent' in the agent's hello is %s; expected a string", kind_name(a));
    rc = -1;
  }
  if (rc == 0 && agent && agent_len) {
    quote(agent, agent_len, a ? json_string_value(a) : "");
    for (char *p = agent; *p; p++)
      if ((unsigned char)*p < 0x20 || *p == 0x7f)
        *p = ' ';
  }
  json_decref(root);
  return rc;
}

int ext_parse_bye(const char *data, size_t len, char *err, size_t errlen)
{
  json_t *root = load_reply(data, len, "bye", err, errlen);
  if (!root)
    return -1;
  static const char *const keys[] = {"schema", "type", NULL};
  int rc = check_keys(root, keys, "the agent's bye", err, errlen);
  json_decref(root);
  return rc;
}

int ext_parse_decisions(const char *data, size_t len, uint64_t seq, size_t n, int n_servers, mec_decision_t *out,
                        mec_cost_t *cost, char *err, size_t errlen)
{
  json_t *root = load_reply(data, len, "decisions", err, errlen);
  if (!root)
    return -1;
  int rc = -1;
  static const char *const keys[] = {"schema", "type", "seq", "decisions", "flops", "iterations", "model_size", NULL};
  static const char *const dkeys[] = {"target",   "partition",  "slot",         "bw_share",  "time_share", "cpu_share",
                                      "tx_power_w", "price",    "offload_frac", "tx_offset", "tx_window",  NULL};
  const char *where = "the agent's decisions";
  if (check_keys(root, keys, where, err, errlen) != 0)
    goto done;
  json_t *s = json_object_get(root, "seq");
  if (!json_is_integer(s) || (uint64_t)json_integer_value(s) != seq || json_integer_value(s) < 0) {
    if (json_is_integer(s))
      seterr(err, errlen, "the agent answered request %lld; expected request %llu", (long long)json_integer_value(s),
             (unsigned long long)seq);
    else
      seterr(err, errlen, "the agent's decisions have %s 'seq'; expected the integer %llu", s ? "a non-integer" : "no",
             (unsigned long long)seq);
    goto done;
  }
  json_t *arr = json_object_get(root, "decisions");
  if (!json_is_array(arr)) {
    seterr(err, errlen, "'decisions' in the agent's reply is %s; expected an array of %zu decisions",
           arr ? kind_name(arr) : "missing", n);
    goto done;
  }
  if (json_array_size(arr) != n) {
    seterr(err, errlen, "the agent sent %zu decisions for a batch of %zu tasks; expected one per task, in batch order",
           json_array_size(arr), n);
    goto done;
  }
  mec_cost_t c = {0};
  if (get_num(root, "flops", 0, &c.flops, where, err, errlen) != 0 ||
      get_num(root, "iterations", 0, &c.iterations, where, err, errlen) != 0 ||
      get_num(root, "model_size", 0, &c.model_size, where, err, errlen) != 0)
    goto done;
  for (size_t i = 0; i < n; i++) {
    json_t *d = json_array_get(arr, i);
    char w[64];
    snprintf(w, sizeof w, "decision %zu", i);
    if (!json_is_object(d)) {
      seterr(err, errlen, "%s is %s; expected an object with at least 'target'", w, kind_name(d));
      goto done;
    }
    mec_decision_t *o = &out[i];
    if (check_keys(d, dkeys, w, err, errlen) != 0 ||
        get_int(d, "target", 0, n_servers, 1, &o->target, w, err, errlen) != 0 ||
        get_int(d, "partition", -1, INT_MAX, 0, &o->partition, w, err, errlen) != 0 ||
        get_int(d, "slot", -1, INT_MAX, 0, &o->slot, w, err, errlen) != 0 ||
        get_num(d, "bw_share", -HUGE_VAL, &o->bw_share, w, err, errlen) != 0 ||
        get_num(d, "time_share", -HUGE_VAL, &o->time_share, w, err, errlen) != 0 ||
        get_num(d, "cpu_share", -HUGE_VAL, &o->cpu_share, w, err, errlen) != 0 ||
        get_num(d, "tx_power_w", -HUGE_VAL, &o->tx_power_w, w, err, errlen) != 0 ||
        get_num(d, "price", -HUGE_VAL, &o->price, w, err, errlen) != 0 ||
        get_num(d, "offload_frac", -HUGE_VAL, &o->offload_frac, w, err, errlen) != 0 ||
        get_num(d, "tx_offset", -HUGE_VAL, &o->tx_offset, w, err, errlen) != 0 ||
        get_num(d, "tx_window", 0, &o->tx_window, w, err, errlen) != 0)
      goto done;
    if (o->bw_share > 1 || o->cpu_share > 1 || o->time_share > 1 || o->offload_frac > 1) {
      seterr(err, errlen, "%s has a share above 1 (bw %g, cpu %g, time %g, offload_frac %g); each must be <= 1", w,
             o->bw_share, o->cpu_share, o->time_share, o->offload_frac);
      goto done;
    }
  }
  *cost = c;
  rc = 0;
done:
  json_decref(root);
  return rc;
}
