"""Agents for the tests of policy `external` (test/e2e/test_external_*.sh).

usage: external_agent.py SRCDIR MODE ENDPOINT [OUTCOMES.json]

MODE greedy: python/mecsim/baselines.py's Greedy served with mecsim.external.serve (one run); it
also records every outcome observed, in OUTCOMES.json as [[id, target, delay_s], ...].
Bad peers, on a raw REP socket (they answer the hello correctly unless said otherwise):
  silent     never answers the first decide request
  die        answers two decide requests (all local), then exits without answering the third
  malformed  answers decide with truncated JSON
  range      sends a target one past the last server
  count      sends one decision more than the batch has tasks
  version    answers the hello with schema version 99
  flops      declares negative flops
  deep       answers decide with arrays nested 5,000 deep (a stack overflow for a recursive parser)
  raise      a policy served by mecsim.external.serve whose decide() raises on the second request
"""
import json
import os
import sys
import time

src, mode, endpoint = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "python"))

import zmq  # noqa: E402

if mode == "greedy":
    from mecsim.baselines import Greedy
    from mecsim.external import serve

    class ObservingGreedy(Greedy):
        seen = []

        def observe(self, outcomes):
            self.seen.extend([o.id, o.target, o.delay_s] for o in outcomes)

    agent = ObservingGreedy()
    serve(agent, endpoint, runs=1)
    if len(sys.argv) > 4:
        with open(sys.argv[4], "w") as f:
            json.dump(agent.seen, f)
    sys.exit(0)

if mode == "raise":
    from mecsim.external import serve

    class Fragile:
        calls = 0

        def decide(self, state, batch):
            self.calls += 1
            if self.calls == 2:
                raise ZeroDivisionError("the agent's own bug")
            return [0] * len(batch)

    serve(Fragile(), endpoint)
    sys.exit(0)

ctx = zmq.Context()
sock = ctx.socket(zmq.REP)
sock.setsockopt(zmq.LINGER, 0)
sock.bind(endpoint)
n_servers = 0
decides = 0
while True:
    req = json.loads(sock.recv())
    if req["type"] == "hello":
        n_servers = req["n_servers"]
        sock.send_json({"schema": 99 if mode == "version" else 1, "type": "hello", "agent": "bad-" + mode})
        continue
    if req["type"] == "bye":
        sock.send_json({"schema": 1, "type": "bye"})
        break
    decides += 1
    n = len(req["tasks"])
    reply = {"schema": 1, "type": "decisions", "seq": req["seq"], "decisions": [{"target": 0}] * n}
    if mode == "silent":
        time.sleep(3600)
    elif mode == "die":
        if decides == 3:
            os._exit(3)
    elif mode == "malformed":
        sock.send(b'{"schema":1,"type":"decisions","seq":%d,"decisions":[{"target":0' % req["seq"])
        continue
    elif mode == "deep":
        sock.send(b'{"schema":1,"type":"decisions","seq":%d,"decisions":%s%s}' % (req["seq"], b"[" * 5000, b"]" * 5000))
        continue
    elif mode == "range":
        reply["decisions"] = [{"target": n_servers + 1}] * n
    elif mode == "count":
        reply["decisions"] = [{"target": 0}] * (n + 1)
    elif mode == "flops":
        reply["flops"] = -5
    sock.send_json(reply)
