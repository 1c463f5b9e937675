/* test_external_proto.c - the message schema of policy `external`
 * (src/policies/external/external_proto.c, docs/external.md): the requests
 * are valid JSON that round-trips every number and string exactly; the
 * validator accepts well-formed replies and fills decisions and cost from
 * them, and refuses each kind of bad reply with a message naming the fault. */
#include "check.h"
#include "policies/external/external_proto.h"
#include "policies/policy.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N_SERVERS 3

static int parse_dec(const char *json, size_t n, mec_decision_t *out, mec_cost_t *cost, char *err, size_t errlen)
{
  for (size_t i = 0; i < n; i++)
    out[i] = mec_decision_default();
  *cost = (mec_cost_t){0};
  err[0] = '\0';
  return ext_parse_decisions(json, strlen(json), 7, n, N_SERVERS, out, cost, err, errlen);
}

static void test_good_decisions(void)
{
  const char *msg = "{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"flops\":1234.5,\"iterations\":8,"
                    "\"model_size\":10,\"decisions\":["
                    "{\"target\":0},"
                    "{\"target\":3,\"bw_share\":0.25,\"cpu_share\":0.5,\"tx_power_w\":0.1,\"price\":2,"
                    "\"offload_frac\":0.3,\"partition\":4,\"slot\":2,\"time_share\":0.125,\"tx_offset\":0.01,"
                    "\"tx_window\":0.02}]}";
  mec_decision_t out[2];
  mec_cost_t cost;
  char err[512];
  CHECK(parse_dec(msg, 2, out, &cost, err, sizeof err) == 0);
  CHECK(out[0].target == 0 && out[0].partition == -1 && out[0].slot == -1 && out[0].tx_offset == -1.0);
  CHECK(out[1].target == 3 && out[1].partition == 4 && out[1].slot == 2);
  CHECK(out[1].bw_share == 0.25 && out[1].cpu_share == 0.5 && out[1].tx_power_w == 0.1 && out[1].price == 2);
  CHECK(out[1].offload_frac == 0.3 && out[1].time_share == 0.125 && out[1].tx_offset == 0.01 &&
        out[1].tx_window == 0.02);
  CHECK(cost.flops == 1234.5 && cost.iterations == 8 && cost.model_size == 10);
  CHECK(cost.staged == 0 && cost.bg_flops == 0);

  /* flops optional (0); integer-valued flops fine; blanks and newlines fine */
  CHECK(parse_dec("{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":1}]}", 1, out, &cost, err,
                  sizeof err) == 0);
  CHECK(out[0].target == 1 && cost.flops == 0);
  CHECK(parse_dec(" {\n \"decisions\" : [ {\"target\": 2} ], \"flops\": 30, \"seq\": 7,\n \"type\": \"decisions\", "
                  "\"schema\": 1 }\n",
                  1, out, &cost, err, sizeof err) == 0);
  CHECK(out[0].target == 2 && cost.flops == 30);
  /* an empty batch */
  CHECK(parse_dec("{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[]}", 0, out, &cost, err,
                  sizeof err) == 0);
}

/* Each bad reply for a batch of 2 is refused with a message containing `want`. */
static void test_bad_decisions(void)
{
  static const struct {
    const char *json, *want;
  } bad[] = {
      {"", "empty"},
      {"{", "malformed JSON"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":0},{\"target\":0}]} x",
       "malformed JSON"},
      {"[1,2]", "is an array"},
      {"{\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":0},{\"target\":0}]}", "no 'schema'"},
      {"{\"schema\":\"1\",\"type\":\"decisions\",\"seq\":7,\"decisions\":[]}", "non-integer 'schema'"},
      {"{\"schema\":2,\"type\":\"decisions\",\"seq\":7,\"decisions\":[]}", "schema version mismatch: the agent speaks "
                                                                        "version 2, this mecsim speaks version 1"},
      {"{\"schema\":1,\"seq\":7,\"decisions\":[]}", "no string 'type'"},
      {"{\"schema\":1,\"type\":\"hello\"}", "type 'hello'; expected 'decisions'"},
      {"{\"schema\":1,\"type\":\"error\",\"message\":\"KeyError: 'x'\"}", "the agent reported an error instead of a "
                                                                        "'decisions' reply: KeyError: 'x'"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":6,\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "answered request 6; expected request 7"},
      {"{\"schema\":1,\"type\":\"decisions\",\"decisions\":[{\"target\":0},{\"target\":0}]}", "no 'seq'"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":{\"target\":0}}", "expected an array of 2"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7}", "'decisions' in the agent's reply is missing"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":0}]}",
       "sent 1 decisions for a batch of 2 tasks"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":0},{\"target\":0},{\"target\":0}]}",
       "sent 3 decisions for a batch of 2 tasks"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[0,1]}", "decision 0 is an integer"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":0},{}]}", "decision 1 has no 'target'"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":1.0},{\"target\":0}]}",
       "'target' in decision 0 is a real number; expected an integer"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":0},{\"target\":4}]}",
       "'target' in decision 1 is 4; expected an integer in 0..3"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":-1},{\"target\":0}]}",
       "'target' in decision 0 is -1"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":99999999999999999999},{\"target\":0}]}",
       "malformed JSON"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":\"1\"},{\"target\":0}]}",
       "is a string"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":0,\"tagret\":1},{\"target\":0}]}",
       "unknown field 'tagret' in decision 0"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"flop\":3,\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "unknown field 'flop'"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"seq\":7,\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "malformed JSON"}, /* duplicate key */
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"flops\":-1,\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "'flops' in the agent's decisions is -1; expected a finite number >= 0"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"flops\":1e999,\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "malformed JSON"}, /* overflow: not finite */
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"flops\":NaN,\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "malformed JSON"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"flops\":Infinity,\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "malformed JSON"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"flops\":\"3\",\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "'flops' in the agent's decisions is a string"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"iterations\":-2,\"decisions\":[{\"target\":0},{\"target\":0}]}",
       "'iterations'"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":1,\"bw_share\":1.5},{\"target\":0}]}",
       "share above 1"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":1,\"partition\":-2},{\"target\":0}]}",
       "'partition' in decision 0 is -2"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":1,\"tx_window\":-1},{\"target\":0}]}",
       "'tx_window' in decision 0 is -1"},
      {"{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[{\"target\":1,\"price\":null},{\"target\":0}]}",
       "'price' in decision 0 is null"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    mec_decision_t out[2];
    mec_cost_t cost;
    char err[512];
    int rc = parse_dec(bad[k].json, 2, out, &cost, err, sizeof err);
    CHECK(rc == -1);
    if (!strstr(err, bad[k].want)) {
      fprintf(stderr, "case %zu (%s): message '%s' lacks '%s'\n", k, bad[k].json, err, bad[k].want);
      CHECK(0);
    }
    CHECK(strchr(err, '\n') == NULL);
    CHECK(cost.flops == 0); /* nothing is taken from a refused reply */
  }
  /* a NUL byte inside the message */
  static const char nul[] = "{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":[]}\0xyz";
  mec_decision_t out[1];
  mec_cost_t cost = {0};
  char err[512];
  CHECK(ext_parse_decisions(nul, sizeof nul - 1, 7, 0, N_SERVERS, out, &cost, err, sizeof err) == -1);
  CHECK(strstr(err, "malformed JSON") != NULL);
  /* deep nesting is refused before the (recursive) parser sees it; brackets inside strings do not count */
  size_t deep_n = 20000;
  char *deep = malloc(deep_n * 2 + 128);
  int w = sprintf(deep, "{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"decisions\":");
  memset(deep + w, '[', deep_n);
  memset(deep + w + deep_n, ']', deep_n);
  strcpy(deep + w + 2 * deep_n, "}");
  CHECK(parse_dec(deep, 0, out, &cost, err, sizeof err) == -1);
  CHECK(strstr(err, "deeper than 8 levels") != NULL);
  free(deep);
  const char *strs = "{\"schema\":1,\"type\":\"error\",\"message\":\"[[[[[[[[[[[[{{{{{{{{\\\"[[[[\"}";
  CHECK(parse_dec(strs, 0, out, &cost, err, sizeof err) == -1);
  CHECK(strstr(err, "the agent reported an error") != NULL);
  /* control characters the agent sends in a message never break the line */
  const char *ctl = "{\"schema\":1,\"type\":\"error\",\"message\":\"line1\\nline2\\u0007\"}";
  CHECK(parse_dec(ctl, 0, out, &cost, err, sizeof err) == -1);
  CHECK(strchr(err, '\n') == NULL && strchr(err, '\a') == NULL && strstr(err, "line1 line2") != NULL);
}

static void test_hello_and_bye(void)
{
  char agent[64], err[512];
  const char *ok = "{\"schema\":1,\"type\":\"hello\",\"agent\":\"Greedy\"}";
  CHECK(ext_parse_hello(ok, strlen(ok), agent, sizeof agent, err, sizeof err) == 0);
  CHECK(strcmp(agent, "Greedy") == 0);
  const char *noagent = "{\"schema\":1,\"type\":\"hello\"}";
  CHECK(ext_parse_hello(noagent, strlen(noagent), agent, sizeof agent, err, sizeof err) == 0);
  const char *v = "{\"schema\":0,\"type\":\"hello\"}";
  CHECK(ext_parse_hello(v, strlen(v), agent, sizeof agent, err, sizeof err) == -1);
  CHECK(strstr(err, "schema version mismatch: the agent speaks version 0") != NULL);
  const char *extra = "{\"schema\":1,\"type\":\"hello\",\"version\":2}";
  CHECK(ext_parse_hello(extra, strlen(extra), agent, sizeof agent, err, sizeof err) == -1);
  CHECK(strstr(err, "unknown field 'version'") != NULL);
  const char *num = "{\"schema\":1,\"type\":\"hello\",\"agent\":5}";
  CHECK(ext_parse_hello(num, strlen(num), agent, sizeof agent, err, sizeof err) == -1);
  const char *bye = "{\"schema\":1,\"type\":\"bye\"}";
  CHECK(ext_parse_bye(bye, strlen(bye), err, sizeof err) == 0);
  CHECK(ext_parse_bye(ok, strlen(ok), err, sizeof err) == -1);
}

/* The requests are JSON that Jansson reads back exactly. */
static void test_requests_round_trip(void)
{
  mec_md_info_t md[2] = {{.cpu_hz = 1e9, .tx_power_w = 0.1, .kappa = 1e-28, .distance_m = 35, .gain = 1.2345678901234567e-9,
                          .up_rate_bps = 0.1, .down_rate_bps = 2e7},
                         {.cpu_hz = 5e8, .up_rate_bps = 1, .down_rate_bps = 1}};
  mec_server_info_t srv[1] = {{.cpu_hz = 4e9, .cores = 2, .hops = 1, .fiber_bps = 1e9, .fiber_latency_s = 1e-3,
                               .tier = MEC_TIER_CLOUD, .queued = 3, .in_service = 2, .backlog_cycles = 7.5e9, .load_factor = 1.875}};
  mec_system_t sys = {.n_md = 2, .n_servers = 1, .md = md, .server = srv, .now = 0.30000000000000004, .slot_s = 1,
                      .bandwidth_hz = 1e7, .noise_w_per_hz = 3.98e-21, .bs_tx_power_w = 1, .seed = 42,
                      .decider_hz = 2.5e9};
  ext_buf_t b = {0};
  ext_encode_hello(&b, &sys, "endpoint=ipc:///x,\"q\"\\\n");
  json_error_t je;
  json_t *h = json_loads(b.p, JSON_REJECT_DUPLICATES, &je);
  CHECK(h != NULL);
  CHECK(json_integer_value(json_object_get(h, "schema")) == MEC_EXT_SCHEMA);
  CHECK(strcmp(json_string_value(json_object_get(h, "args")), "endpoint=ipc:///x,\"q\"\\\n") == 0);
  CHECK(json_integer_value(json_object_get(h, "seed")) == 42);
  json_t *d0 = json_array_get(json_object_get(h, "devices"), 0);
  CHECK(json_real_value(json_object_get(d0, "gain")) == 1.2345678901234567e-9);
  CHECK(json_real_value(json_object_get(d0, "up_rate_bps")) == 0.1);
  CHECK(json_array_size(json_object_get(h, "devices")) == 2);
  CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(h, "servers"), 0), "tier")) ==
        MEC_TIER_CLOUD);
  CHECK(json_number_value(json_object_get(h, "now")) == 0.30000000000000004);
  /* a hand-filled system (n_bs = 0) is sent as one BS: the cell's fields,
   * every device attached to it, routes = the servers' own fields */
  CHECK(json_integer_value(json_object_get(h, "n_bs")) == 1);
  CHECK(json_is_integer(json_object_get(h, "decider_bs")) && json_integer_value(json_object_get(h, "decider_bs")) == 0);
  CHECK(json_integer_value(json_object_get(d0, "bs")) == 0);
  CHECK(json_is_integer(json_object_get(json_array_get(json_object_get(h, "servers"), 0), "bs")));
  json_t *bss = json_object_get(h, "base_stations");
  CHECK(json_array_size(bss) == 1);
  json_t *bs0 = json_array_get(bss, 0);
  CHECK(json_number_value(json_object_get(bs0, "bandwidth_hz")) == 1e7);
  CHECK(json_number_value(json_object_get(bs0, "cpu_hz")) == 2.5e9);
  CHECK(json_is_number(json_object_get(bs0, "x_m")) && json_is_number(json_object_get(bs0, "y_m")));
  CHECK(json_integer_value(json_object_get(bs0, "attached")) == 2);
  json_t *routes = json_object_get(h, "routes");
  CHECK(json_array_size(routes) == 1 && json_array_size(json_array_get(routes, 0)) == 1);
  json_t *r00 = json_array_get(json_array_get(routes, 0), 0);
  CHECK(json_integer_value(json_object_get(r00, "hops")) == 1);
  CHECK(json_number_value(json_object_get(r00, "fiber_bps")) == 1e9);
  CHECK(json_number_value(json_object_get(r00, "fiber_latency_s")) == 1e-3);
  json_decref(h);

  /* a batch of 3 tasks from devices 1, 0, 1: devices listed once each */
  mec_task_t t[3] = {{.id = 5, .md = 1, .dnn = -1, .arrival = 0.1, .input_bits = 3e6, .cycles = 1e9, .output_bits = 8e3},
                     {.id = 6, .md = 0, .dnn = 2, .arrival = 0.2, .input_bits = 1, .cycles = 2, .output_bits = 3,
                      .deadline = 0.5},
                     {.id = 7, .md = 1, .dnn = -1}};
  mec_batch_t batch = {3, t};
  ext_buf_t oc = {0};
  mec_outcome_t o = {.task = t[0], .decision = mec_decision_default(), .delay_s = 0.25, .energy_j = 0.5, .missed = 1};
  o.decision.target = 1;
  ext_encode_outcome(&oc, &o);
  ext_encode_outcome(&oc, &o);
  ext_encode_decide(&b, 9, &sys, &batch, oc.p);
  json_t *r = json_loads(b.p, JSON_REJECT_DUPLICATES, &je);
  CHECK(r != NULL);
  CHECK(strcmp(json_string_value(json_object_get(r, "type")), "decide") == 0);
  CHECK(json_integer_value(json_object_get(r, "seq")) == 9);
  json_t *devs = json_object_get(r, "devices");
  CHECK(json_array_size(devs) == 2);
  CHECK(json_integer_value(json_object_get(json_array_get(devs, 0), "md")) == 1);
  CHECK(json_integer_value(json_object_get(json_array_get(devs, 1), "md")) == 0);
  json_t *tasks = json_object_get(r, "tasks");
  CHECK(json_array_size(tasks) == 3);
  CHECK(json_integer_value(json_object_get(json_array_get(tasks, 1), "dnn")) == 2);
  CHECK(json_number_value(json_object_get(json_array_get(tasks, 1), "deadline")) == 0.5);
  json_t *s0 = json_array_get(json_object_get(r, "servers"), 0);
  CHECK(json_integer_value(json_object_get(s0, "queued")) == 3);
  CHECK(json_number_value(json_object_get(s0, "backlog_cycles")) == 7.5e9);
  CHECK(json_integer_value(json_object_get(r, "decider_bs")) == 0);
  json_t *att = json_object_get(r, "attached");
  CHECK(json_array_size(att) == 1 && json_integer_value(json_array_get(att, 0)) == 2);
  CHECK(json_is_integer(json_object_get(json_array_get(devs, 0), "bs")));
  CHECK(json_object_get(r, "routes") == NULL); /* static: in the hello only */
  json_t *outs = json_object_get(r, "outcomes");
  CHECK(json_array_size(outs) == 2);
  CHECK(json_integer_value(json_object_get(json_array_get(outs, 0), "target")) == 1);
  CHECK(json_integer_value(json_object_get(json_array_get(outs, 0), "missed")) == 1);
  json_decref(r);

  /* no outcomes: an empty array; bye carries the rest */
  ext_encode_decide(&b, 10, &sys, &batch, NULL);
  r = json_loads(b.p, 0, &je);
  CHECK(r && json_array_size(json_object_get(r, "outcomes")) == 0);
  json_decref(r);
  ext_encode_bye(&b, oc.p);
  r = json_loads(b.p, 0, &je);
  CHECK(r && json_array_size(json_object_get(r, "outcomes")) == 2);
  json_decref(r);

  /* non-finite numbers: +inf as 1e999 (Python reads inf), NaN as null */
  ext_buf_reset(&b);
  ext_buf_num(&b, INFINITY);
  ext_buf_str(&b, ",");
  ext_buf_num(&b, -INFINITY);
  ext_buf_str(&b, ",");
  ext_buf_num(&b, NAN);
  CHECK(strcmp(b.p, "1e999,-1e999,null") == 0);
  ext_buf_free(&b);
  ext_buf_free(&oc);
}

/* Several base stations: the hello lists them and the route matrix, each
 * device and server object says its BS, each decide the deciding BS and the
 * BSs' attached counts (refreshed: they are read anew at every request). */
static void test_requests_base_stations(void)
{
  mec_md_info_t md[3] = {{.cpu_hz = 1e9, .up_rate_bps = 1e6, .down_rate_bps = 2e6, .bs = 1},
                         {.cpu_hz = 1e9, .up_rate_bps = 1e6, .down_rate_bps = 2e6, .bs = 0},
                         {.cpu_hz = 1e9, .up_rate_bps = 1e6, .down_rate_bps = 2e6, .bs = 1}};
  mec_server_info_t srv[2] = {
      {.cpu_hz = 4e9, .cores = 2, .hops = 1, .fiber_bps = 1e9, .fiber_latency_s = 1e-3, .bs = 1},
      {.cpu_hz = 8e9, .cores = 8, .hops = 1, .fiber_bps = 1e8, .fiber_latency_s = 0.025, .tier = MEC_TIER_CLOUD,
       .bs = -1}};
  mec_bs_info_t bs[2] = {{.x_m = 0, .y_m = 0, .bandwidth_hz = 2e7, .cpu_hz = 2.5e9, .attached = 1},
                         {.x_m = 300.5, .y_m = -12.25, .bandwidth_hz = 1e7, .cpu_hz = 3e9, .attached = 2}};
  /* route[b][s]: server 1 is on BS 1 (0 hops from it, 2 from BS 0 over a
   * 0.4 Gbit/s BS-BS link); the cloud is 1 hop from both */
  mec_route_info_t route[2 * 2] = {{2, 0.4e9, 3.5e-3}, {1, 1e8, 0.025}, {0, 0, 0}, {1, 1e8, 0.0265}};
  mec_system_t sys = {.n_md = 3, .n_servers = 2, .md = md, .server = srv, .slot_s = 0.5, .bandwidth_hz = 2e7,
                      .decider_hz = 3e9, .n_bs = 2, .bs = bs, .route = route, .decider_bs = 1};
  ext_buf_t b = {0};
  json_error_t je;
  ext_encode_hello(&b, &sys, "");
  json_t *h = json_loads(b.p, JSON_REJECT_DUPLICATES, &je);
  CHECK(h != NULL);
  CHECK(json_integer_value(json_object_get(h, "n_bs")) == 2);
  CHECK(json_integer_value(json_object_get(h, "decider_bs")) == 1);
  json_t *bss = json_object_get(h, "base_stations");
  CHECK(json_array_size(bss) == 2);
  json_t *b1 = json_array_get(bss, 1);
  CHECK(json_number_value(json_object_get(b1, "x_m")) == 300.5);
  CHECK(json_number_value(json_object_get(b1, "y_m")) == -12.25);
  CHECK(json_number_value(json_object_get(b1, "bandwidth_hz")) == 1e7);
  CHECK(json_number_value(json_object_get(b1, "cpu_hz")) == 3e9);
  CHECK(json_integer_value(json_object_get(b1, "attached")) == 2);
  CHECK(json_number_value(json_object_get(json_array_get(bss, 0), "bandwidth_hz")) == 2e7);
  json_t *routes = json_object_get(h, "routes");
  CHECK(json_array_size(routes) == 2);
  for (int k = 0; k < 2; k++) {
    json_t *row = json_array_get(routes, (size_t)k);
    CHECK(json_array_size(row) == 2);
    for (int s = 0; s < 2; s++) {
      json_t *x = json_array_get(row, (size_t)s);
      const mec_route_info_t *want = &route[k * 2 + s];
      CHECK(json_is_integer(json_object_get(x, "hops")) && json_integer_value(json_object_get(x, "hops")) == want->hops);
      CHECK(json_number_value(json_object_get(x, "fiber_bps")) == want->fiber_bps);
      CHECK(json_number_value(json_object_get(x, "fiber_latency_s")) == want->fiber_latency_s);
    }
  }
  json_t *devs = json_object_get(h, "devices");
  CHECK(json_integer_value(json_object_get(json_array_get(devs, 0), "bs")) == 1);
  CHECK(json_integer_value(json_object_get(json_array_get(devs, 1), "bs")) == 0);
  CHECK(json_integer_value(json_object_get(json_array_get(devs, 2), "bs")) == 1);
  json_t *svs = json_object_get(h, "servers");
  CHECK(json_integer_value(json_object_get(json_array_get(svs, 0), "bs")) == 1);
  CHECK(json_integer_value(json_object_get(json_array_get(svs, 1), "bs")) == -1);
  CHECK(json_integer_value(json_object_get(json_array_get(svs, 1), "hops")) == 1); /* the server's own field stays */
  json_decref(h);

  /* device 0 hands over to BS 0 before a decision of BS 0's controller */
  md[0].bs = 0;
  bs[0].attached = 2;
  bs[1].attached = 1;
  sys.decider_bs = 0;
  mec_task_t t[2] = {{.id = 1, .md = 2, .dnn = -1}, {.id = 2, .md = 0, .dnn = -1}};
  mec_batch_t batch = {2, t};
  ext_encode_decide(&b, 3, &sys, &batch, NULL);
  json_t *r = json_loads(b.p, JSON_REJECT_DUPLICATES, &je);
  CHECK(r != NULL);
  CHECK(json_integer_value(json_object_get(r, "decider_bs")) == 0);
  json_t *att = json_object_get(r, "attached");
  CHECK(json_array_size(att) == 2);
  CHECK(json_integer_value(json_array_get(att, 0)) == 2 && json_integer_value(json_array_get(att, 1)) == 1);
  devs = json_object_get(r, "devices");
  CHECK(json_array_size(devs) == 2);
  json_t *dv2 = json_array_get(devs, 0), *dv0 = json_array_get(devs, 1);
  CHECK(json_integer_value(json_object_get(dv2, "md")) == 2 && json_integer_value(json_object_get(dv2, "bs")) == 1);
  CHECK(json_integer_value(json_object_get(dv0, "md")) == 0 && json_integer_value(json_object_get(dv0, "bs")) == 0);
  CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(r, "servers"), 0), "bs")) == 1);
  json_decref(r);
  ext_buf_free(&b);
}

/* Mutation fuzzing of the agent's replies (untrusted input, like a platform file): 20,000 seeded
 * mutants of good replies (bytes replaced by JSON's own characters or controls, bytes deleted,
 * nesting inserted, truncation). Each is accepted with decisions and cost that keep the schema's
 * promises, or refused with a non-empty one-line message; ASan watches the parser. */
static uint64_t lcg(uint64_t *x)
{
  *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
  return *x >> 33;
}

static void test_mutated_replies(void)
{
  static const char *const good[] = {
      "{\"schema\":1,\"type\":\"decisions\",\"seq\":7,\"flops\":1234.5,\"iterations\":8,\"decisions\":["
      "{\"target\":0},{\"target\":3,\"bw_share\":0.25,\"cpu_share\":0.5,\"tx_power_w\":0.1,"
      "\"offload_frac\":0.3,\"tx_offset\":0.01,\"tx_window\":0.02}]}",
      "{\"schema\":1,\"type\":\"error\",\"message\":\"agent failed\"}",
  };
  static const char alphabet[] = "{}[]\":,.-+eE0123456789 \n\t\\ntul\x01\x7f";
  uint64_t x = 12345;
  int accepted = 0, refused = 0, bad = 0;
  char buf[1024];
  for (int m = 0; m < 20000; m++) {
    const char *g = good[lcg(&x) % 2];
    size_t len = strlen(g);
    memcpy(buf, g, len + 1);
    int k = 1 + (int)(lcg(&x) % 4);
    for (int j = 0; j < k && len > 0; j++) {
      size_t at = lcg(&x) % len;
      switch (lcg(&x) % 4) {
      case 0: /* replace */
        buf[at] = alphabet[lcg(&x) % (sizeof alphabet - 1)];
        break;
      case 1: /* delete */
        memmove(buf + at, buf + at + 1, len - at);
        len--;
        break;
      case 2: /* insert nesting */
        if (len + 8 < sizeof buf) {
          memmove(buf + at + 8, buf + at, len - at + 1);
          memcpy(buf + at, (lcg(&x) & 1) ? "[[[[[[[[" : "{\"a\":[{\"", 8);
          len += 8;
        }
        break;
      default: /* truncate */
        buf[at] = '\0';
        len = at;
      }
    }
    mec_decision_t out[2] = {mec_decision_default(), mec_decision_default()};
    mec_cost_t cost = {0};
    char err[512] = "";
    int rc = ext_parse_decisions(buf, len, 7, 2, N_SERVERS, out, &cost, err, sizeof err);
    if (rc == 0) {
      accepted++;
      for (int i = 0; i < 2; i++)
        if (out[i].target < 0 || out[i].target > N_SERVERS)
          bad++;
      if (!isfinite(cost.flops) || cost.flops < 0)
        bad++;
    } else if (rc == -1 && err[0] && !strchr(err, '\n')) {
      refused++;
    } else {
      bad++;
    }
    char agent[64];
    if (ext_parse_hello(buf, len, agent, sizeof agent, err, sizeof err) != 0 && (!err[0] || strchr(err, '\n')))
      bad++;
    if (ext_parse_bye(buf, len, err, sizeof err) != 0 && (!err[0] || strchr(err, '\n')))
      bad++;
  }
  CHECK(bad == 0);
  CHECK(accepted > 0 && refused > 10000); /* the mutants reach both sides */
}

int main(void)
{
  RUN(test_good_decisions);
  RUN(test_bad_decisions);
  RUN(test_hello_and_bye);
  RUN(test_requests_round_trip);
  RUN(test_requests_base_stations);
  RUN(test_mutated_replies);
  return CHECK_DONE();
}
