/* external_proto.h - the message schema of the `external` policy
 * (docs/external.md): JSON encoding of the requests mecsim sends, and the
 * strict parser and validator of the agent's replies. Plain C, no ZeroMQ, no
 * SimGrid, so unit tests drive it on hand-written messages.
 *
 * Requests are written by a small encoder of our own (numbers with %.17g, so
 * they round-trip exactly; +inf / -inf as 1e999 / -1e999, NaN as null).
 * Replies are parsed with Jansson (Debian libjansson-dev), duplicate keys
 * rejected, then validated field by field: every reply is untrusted input. */
#ifndef MECSIM_EXTERNAL_PROTO_H
#define MECSIM_EXTERNAL_PROTO_H

#include "policies/policy.h"

#include <stddef.h>
#include <stdint.h>

/* The one schema version this build speaks. Bump it on any incompatible
 * change of a message (docs/external.md, "Versions"); fields added to
 * mecsim's requests (a server's tier, the base stations and routes) are
 * compatible: agents ignore request fields they do not know. */
#define MEC_EXT_SCHEMA 1

/* A growable output buffer. `oom` is set once an allocation failed; every
 * later append is then a no-op. */
typedef struct ext_buf {
  char *p;
  size_t n, cap;
  int oom;
} ext_buf_t;

void ext_buf_reset(ext_buf_t *b);
void ext_buf_free(ext_buf_t *b);
void ext_buf_str(ext_buf_t *b, const char *s);
void ext_buf_printf(ext_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ext_buf_num(ext_buf_t *b, double v);      /* a JSON number: %.17g, 1e999 / -1e999 for +-inf, null for NaN */
void ext_buf_jstr(ext_buf_t *b, const char *s); /* a JSON string, escaped */

/* Requests. Each resets `b` and writes one complete JSON object. With
 * several base stations the hello carries n_bs, base_stations and the
 * routes matrix, every decide decider_bs and the BSs' attached counts, and
 * each device and server object its bs; a system with n_bs = 0 (filled by
 * hand) is sent as one BS made of the cell fields and the servers' own
 * hops / fiber fields. */
void ext_encode_hello(ext_buf_t *b, const mec_system_t *sys, const char *args);
/* outcomes: "" or the comma-separated outcome objects observed since the last
 * message (ext_encode_outcome), n_outcomes of them. */
void ext_encode_decide(ext_buf_t *b, uint64_t seq, const mec_system_t *sys, const mec_batch_t *batch,
                       const char *outcomes);
void ext_encode_bye(ext_buf_t *b, const char *outcomes);
/* Appends one outcome object (with a leading comma unless `b` is empty). */
void ext_encode_outcome(ext_buf_t *b, const mec_outcome_t *o);

/* Replies. Each returns 0, or -1 with a one-line reason in err. A reply of
 * type "error" (the agent's own failure) is reported as such. */
int ext_parse_hello(const char *data, size_t len, char *agent, size_t agent_len, char *err, size_t errlen);
/* out[0..n-1] must be pre-filled with mec_decision_default(); cost zeroed. */
int ext_parse_decisions(const char *data, size_t len, uint64_t seq, size_t n, int n_servers, mec_decision_t *out,
                        mec_cost_t *cost, char *err, size_t errlen);
int ext_parse_bye(const char *data, size_t len, char *err, size_t errlen);

#endif
