/* external.c - policy "external": an agent in another process (Python,
 * python/mecsim/external.py) decides over ZeroMQ while simulated time stands
 * still (docs/external.md).
 *
 * Transport: mecsim holds a REQ socket that connects to the endpoint the
 * agent binds (REP). The exchange is strict lock-step - one request, one
 * reply - which is what a decision inside simulated time is: nothing else can
 * happen in the simulation until the reply is in. REQ/REP enforces that
 * alternation for us; its one weakness (a REQ socket is stuck once a reply is
 * lost) does not matter here because a missing reply ends the run. Outcomes
 * (observe) are not sent on their own: they ride on the next request (or the
 * final "bye"), in the order the tasks finished, so the agent sees every
 * outcome that happened before the decision it is asked for, and no extra
 * round trip is paid per task.
 *
 * Peer death: a socket monitor reports ZMQ_EVENT_DISCONNECTED, which ends the
 * wait for a reply at once instead of at the timeout.
 *
 * Every reply is untrusted: external_proto.c validates it completely before
 * anything reaches the simulator. */
#include "policies/external/external_proto.h"
#include "policies/policy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define EXT_DEFAULT_TIMEOUT_S 60.0
#define EXT_MAX_REPLY_BYTES (64LL << 20) /* a larger reply closes the connection (peer reported disconnected) */
#define EXT_BYE_TIMEOUT_S 5.0

static const char *const external_keys[] = {"endpoint", "timeout", NULL};

typedef struct external_state {
  void *ctx, *sock, *mon;
  char endpoint[256];
  double timeout_s;
  uint64_t seq;
  ext_buf_t msg;      /* request being sent */
  ext_buf_t outcomes; /* outcome objects observed since the last request */
  char *reply;        /* last reply, NUL-terminated */
  size_t reply_len, reply_cap;
  int broken; /* a transport failure happened: no further message (the REQ socket is stuck) */
} external_state_t;

static double mono_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Drains the monitor; returns 1 if the agent disconnected. */
static int drain_monitor(external_state_t *st)
{
  int gone = 0;
  for (;;) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, st->mon, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(&m);
      return gone;
    }
    /* frame 1: uint16 event, uint32 value; frame 2: the endpoint */
    if (zmq_msg_size(&m) >= 2) {
      uint16_t ev;
      memcpy(&ev, zmq_msg_data(&m), sizeof ev);
      if (ev == ZMQ_EVENT_DISCONNECTED)
        gone = 1;
    }
    int more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    while (more) {
      zmq_msg_init(&m);
      if (zmq_msg_recv(&m, st->mon, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return gone;
      }
      more = zmq_msg_more(&m);
      zmq_msg_close(&m);
    }
  }
}

/* Sends st->msg and waits up to `timeout` wall seconds for one reply, stored
 * in st->reply. 0, or -1 with the policy error set (and st->broken). */
static int call(external_state_t *st, const char *what, double timeout)
{
  if (st->msg.oom || st->outcomes.oom) {
    mec_policy_set_error("external: out of memory encoding the %s request", what);
    st->broken = 1;
    return -1;
  }
  if (drain_monitor(st)) {
    mec_policy_set_error("external: the agent at %s disconnected (did it die?) before the %s request", st->endpoint,
                         what);
    st->broken = 1;
    return -1;
  }
  if (zmq_send(st->sock, st->msg.p, st->msg.n, ZMQ_DONTWAIT) < 0) {
    mec_policy_set_error("external: cannot send the %s request to %s: %s", what, st->endpoint, zmq_strerror(errno));
    st->broken = 1;
    return -1;
  }
  double deadline = mono_s() + timeout;
  for (;;) {
    double left = deadline - mono_s();
    if (left <= 0) {
      mec_policy_set_error("external: no reply from the agent at %s to the %s request within %g s (wall clock; "
                           "policy argument timeout=)",
                           st->endpoint, what, timeout);
      st->broken = 1;
      return -1;
    }
    zmq_pollitem_t items[2] = {{st->sock, 0, ZMQ_POLLIN, 0}, {st->mon, 0, ZMQ_POLLIN, 0}};
    long ms = (long)ceil(left * 1000.0);
    int rc = zmq_poll(items, 2, ms > 0 ? ms : 1);
    if (rc < 0) {
      if (errno == EINTR)
        continue;
      mec_policy_set_error("external: waiting for the agent at %s: %s", st->endpoint, zmq_strerror(errno));
      st->broken = 1;
      return -1;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      zmq_msg_t m;
      zmq_msg_init(&m);
      if (zmq_msg_recv(&m, st->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        if (errno == EAGAIN || errno == EINTR)
          continue;
        mec_policy_set_error("external: receiving from the agent at %s: %s", st->endpoint, zmq_strerror(errno));
        st->broken = 1;
        return -1;
      }
      int more = zmq_msg_more(&m);
      size_t n = zmq_msg_size(&m);
      if (n + 1 > st->reply_cap) {
        char *p = realloc(st->reply, n + 1);
        if (!p) {
          zmq_msg_close(&m);
          mec_policy_set_error("external: out of memory for a reply of %zu bytes", n);
          st->broken = 1;
          return -1;
        }
        st->reply = p;
        st->reply_cap = n + 1;
      }
      memcpy(st->reply, zmq_msg_data(&m), n);
      st->reply[n] = '\0';
      st->reply_len = n;
      zmq_msg_close(&m);
      if (more) {
        mec_policy_set_error("external: the agent at %s answered the %s request with a multi-part message; expected "
                             "one JSON object",
                             st->endpoint, what);
        st->broken = 1;
        return -1;
      }
      return 0;
    }
    if ((items[1].revents & ZMQ_POLLIN) && drain_monitor(st)) {
      mec_policy_set_error("external: the agent at %s disconnected (did it die?) while mecsim waited for its reply to "
                           "the %s request",
                           st->endpoint, what);
      st->broken = 1;
      return -1;
    }
  }
}

static void close_transport(external_state_t *st)
{
  if (st->sock) {
    if (st->mon)
      zmq_socket_monitor(st->sock, NULL, 0);
    zmq_close(st->sock);
  }
  if (st->mon)
    zmq_close(st->mon);
  if (st->ctx)
    zmq_ctx_term(st->ctx);
  st->sock = st->mon = st->ctx = NULL;
}

static void external_free(external_state_t *st)
{
  if (!st)
    return;
  close_transport(st);
  ext_buf_free(&st->msg);
  ext_buf_free(&st->outcomes);
  free(st->reply);
  free(st);
}

static int external_init(void **state, const mec_policy_cfg_t *cfg, const mec_system_t *sys)
{
  *state = NULL;
  if (mec_policy_args_check(cfg->args, external_keys, NULL, 0) != 0)
    return -1;
  external_state_t *st = calloc(1, sizeof *st);
  if (!st) {
    mec_policy_set_error("external: out of memory");
    return -1;
  }
  st->timeout_s = EXT_DEFAULT_TIMEOUT_S;
  int rc = mec_policy_arg_string(cfg->args, "endpoint", st->endpoint, sizeof st->endpoint);
  if (rc == 1)
    mec_policy_set_error("external: argument endpoint= is required (ipc://PATH or tcp://HOST:PORT, where the agent "
                         "listens)");
  if (rc != 0)
    goto fail;
  if (strncmp(st->endpoint, "ipc://", 6) != 0 && strncmp(st->endpoint, "tcp://", 6) != 0) {
    mec_policy_set_error("external: endpoint '%s' is neither ipc://PATH nor tcp://HOST:PORT", st->endpoint);
    goto fail;
  }
  if (strlen(st->endpoint) <= 6) {
    mec_policy_set_error("external: endpoint '%s' has no address", st->endpoint);
    goto fail;
  }
  rc = mec_policy_arg_double(cfg->args, "timeout", &st->timeout_s);
  if (rc < 0)
    goto fail;
  if (!(st->timeout_s > 0 && st->timeout_s <= 86400)) {
    mec_policy_set_error("external: timeout=%g; expected wall-clock seconds in (0, 86400]", st->timeout_s);
    goto fail;
  }

  st->ctx = zmq_ctx_new();
  if (st->ctx)
    st->sock = zmq_socket(st->ctx, ZMQ_REQ);
  if (!st->sock) {
    mec_policy_set_error("external: cannot create a ZeroMQ socket: %s", zmq_strerror(errno));
    goto fail;
  }
  int zero = 0;
  int64_t maxmsg = EXT_MAX_REPLY_BYTES;
  zmq_setsockopt(st->sock, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(st->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
  char mon_addr[64];
  snprintf(mon_addr, sizeof mon_addr, "inproc://mecsim-external-monitor-%p", (void *)st);
  if (zmq_socket_monitor(st->sock, mon_addr, ZMQ_EVENT_DISCONNECTED) != 0 ||
      !(st->mon = zmq_socket(st->ctx, ZMQ_PAIR)) || zmq_connect(st->mon, mon_addr) != 0) {
    mec_policy_set_error("external: cannot monitor the ZeroMQ socket: %s", zmq_strerror(errno));
    goto fail;
  }
  zmq_setsockopt(st->mon, ZMQ_LINGER, &zero, sizeof zero);
  if (zmq_connect(st->sock, st->endpoint) != 0) {
    mec_policy_set_error("external: cannot connect to '%s': %s", st->endpoint, zmq_strerror(errno));
    goto fail;
  }

  /* Handshake: the static world; the agent answers with its schema version. */
  ext_encode_hello(&st->msg, sys, cfg->args);
  if (call(st, "hello", st->timeout_s) != 0)
    goto fail;
  char agent[128], err[512];
  if (ext_parse_hello(st->reply, st->reply_len, agent, sizeof agent, err, sizeof err) != 0) {
    mec_policy_set_error("external: handshake with %s failed: %s", st->endpoint, err);
    goto fail;
  }
  *state = st;
  return 0;
fail:
  external_free(st);
  return -1;
}

static int external_decide(void *state, const mec_system_t *sys, const mec_batch_t *batch, mec_decision_t *out,
                           mec_cost_t *cost)
{
  external_state_t *st = state;
  if (st->broken) {
    mec_policy_set_error("external: the connection to %s failed earlier", st->endpoint);
    return -1;
  }
  uint64_t seq = ++st->seq;
  ext_encode_decide(&st->msg, seq, sys, batch, st->outcomes.p);
  ext_buf_reset(&st->outcomes);
  char what[64];
  snprintf(what, sizeof what, "decide #%llu", (unsigned long long)seq);
  if (call(st, what, st->timeout_s) != 0)
    return -1;
  char err[512];
  if (ext_parse_decisions(st->reply, st->reply_len, seq, batch->n, sys->n_servers, out, cost, err, sizeof err) != 0) {
    mec_policy_set_error("external: bad reply from %s to decide #%llu (%zu task%s at t = %.9g s): %s", st->endpoint,
                         (unsigned long long)seq, batch->n, batch->n == 1 ? "" : "s", sys->now, err);
    st->broken = 1; /* the run stops; no bye */
    return -1;
  }
  return 0;
}

static void external_observe(void *state, const mec_outcome_t *done, size_t n)
{
  external_state_t *st = state;
  for (size_t i = 0; st && i < n; i++)
    ext_encode_outcome(&st->outcomes, &done[i]);
}

/* The last outcomes and a goodbye, so an agent serving several runs knows
 * this one ended. Best effort: the run's result is already decided. */
static void external_destroy(void *state)
{
  external_state_t *st = state;
  if (!st)
    return;
  if (!st->broken && st->sock) {
    ext_encode_bye(&st->msg, st->outcomes.p);
    double t = st->timeout_s < EXT_BYE_TIMEOUT_S ? st->timeout_s : EXT_BYE_TIMEOUT_S;
    if (call(st, "bye", t) == 0) {
      char err[512];
      if (ext_parse_bye(st->reply, st->reply_len, err, sizeof err) != 0)
        fprintf(stderr, "mecsim: warning: policy 'external': bad reply to bye: %s\n", err);
    }
  }
  external_free(st);
}

const mec_policy_ops_t mec_policy_external = {
    .name = "external",
    .summary = "an agent in another process (e.g. Python) decides over ZeroMQ, inside simulated time "
               "(endpoint=, timeout=; docs/external.md)",
    .init = external_init,
    .decide = external_decide,
    .observe = external_observe,
    .destroy = external_destroy,
};
