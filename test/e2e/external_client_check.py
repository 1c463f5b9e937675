"""Unit checks of python/mecsim/external.py without mecsim: usage external_client_check.py SRCDIR.

handle() on hand-written requests: the state a hello builds and a decide updates, each accepted
form of decide()'s result, outcomes reaching observe() before decide(), and the error replies
serve() sends (a policy that raises, NaN flops, a schema mismatch) over a real REQ socket."""
import json
import math
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(sys.argv[1], "python"))
import zmq  # noqa: E402

from mecsim import external  # noqa: E402

DEV = {"cpu_hz": 1e9, "tx_power_w": 0.1, "kappa": 1e-28, "distance_m": 30, "gain": 1e-9,
       "up_rate_bps": 1e7, "down_rate_bps": 2e7}
SRV = {"cpu_hz": 4e9, "cores": 2, "hops": 1, "fiber_bps": 1e9, "fiber_latency_s": 1e-3, "queued": 0,
       "in_service": 0, "backlog_cycles": 0, "load_factor": 0}
HELLO = {"schema": 1, "type": "hello", "mecsim_version": "x", "args": "", "seed": 3, "n_md": 2, "n_servers": 1,
         "now": 0, "slot_s": 1, "bandwidth_hz": 1e7, "noise_w_per_hz": 4e-21, "bs_tx_power_w": 1,
         "decider_hz": 2e9, "devices": [dict(DEV, md=0), dict(DEV, md=1)], "servers": [SRV]}


def decide_req(seq, outcomes=()):
    return {"schema": 1, "type": "decide", "seq": seq, "now": 0.5, "decider_hz": 2e9,
            "servers": [dict(SRV, queued=4, backlog_cycles=8e9, load_factor=2.0)],
            "devices": [dict(DEV, md=1, gain=5e-9, up_rate_bps=math.inf)],
            "tasks": [{"id": 9, "md": 1, "dnn": -1, "arrival": 0.5, "input_bits": 1e6, "cycles": 1e9,
                       "output_bits": 8e3, "deadline": 0}],
            "outcomes": list(outcomes)}


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


class Recorder:
    def __init__(self, result):
        self.result, self.log = result, []

    def start(self, state):
        self.log.append(("start", state.n_md, len(state.devices)))

    def observe(self, outcomes):
        self.log.append(("observe", [o.id for o in outcomes]))

    def decide(self, state, batch):
        self.log.append(("decide", state.now, state.servers[0].queued, state.devices[1].gain,
                         state.devices[0].gain, batch[0].id, state.devices[1].up_rate_bps))
        return self.result


for result, want_dec, want_extra in [
        ([1], [{"target": 1}], {}),
        (([0], 12), [{"target": 0}], {"flops": 12.0}),
        ({"decisions": [{"target": 1, "bw_share": 0.5}], "flops": 3, "iterations": 2},
         [{"target": 1, "bw_share": 0.5}], {"flops": 3.0, "iterations": 2.0}),
        ((x for x in [True]), [{"target": 1}], {})]:  # any iterable; bool is an int to Python
    p = Recorder(result)
    reply, sess, fin = external.handle(p, None, HELLO)
    check(reply == {"schema": 1, "type": "hello", "agent": "Recorder"} and not fin, "hello reply")
    reply, sess, fin = external.handle(p, sess, decide_req(1, [{"id": 4, "md": 0, "target": 1, "arrival": 0,
                                                                 "delay_s": 0.2, "energy_j": 0.1, "missed": 0}]))
    want = dict({"schema": 1, "type": "decisions", "seq": 1, "decisions": want_dec}, **want_extra)
    check(reply == want, "decisions reply for %r: %r" % (result, reply))
    check(p.log[0] == ("start", 2, 2), "start(state)")
    check(p.log[1] == ("observe", [4]), "observe before decide")
    check(p.log[2] == ("decide", 0.5, 4, 5e-9, 1e-9, 9, math.inf), "state as updated: %r" % (p.log[2],))
    reply, sess, fin = external.handle(p, sess, {"schema": 1, "type": "bye", "outcomes": [
        {"id": 9, "md": 1, "target": 1, "arrival": 0.5, "delay_s": 0.3, "energy_j": 0.1, "missed": 0}]})
    check(reply == {"schema": 1, "type": "bye"} and fin and sess is None, "bye")
    check(p.log[-1] == ("observe", [9]), "bye's outcomes observed")


def serve_and_ask(policy, requests):
    """serve() in a thread; send requests on a REQ socket; return the replies and the exception."""
    with tempfile.TemporaryDirectory() as tmp:
        ep = "ipc://%s/s.sock" % tmp
        box = {}

        def run():
            try:
                external.serve(policy, ep)
            except Exception as e:  # noqa: BLE001
                box["exc"] = e
        t = threading.Thread(target=run)
        t.start()
        ctx = zmq.Context()
        s = ctx.socket(zmq.REQ)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, 10000)
        s.connect(ep)
        replies = []
        for r in requests:
            s.send(json.dumps(r).encode())
            replies.append(json.loads(s.recv()))
            if replies[-1]["type"] in ("error", "bye"):
                break
        s.close()
        ctx.term()
        t.join(10)
        return replies, box.get("exc")


class Raises:
    def decide(self, state, batch):
        raise KeyError("boom")


class NanFlops:
    def decide(self, state, batch):
        return [0], float("nan")


r, exc = serve_and_ask(Raises(), [HELLO, decide_req(1)])
check(r[-1]["type"] == "error" and "KeyError" in r[-1]["message"] and isinstance(exc, KeyError), "raise -> error")
r, exc = serve_and_ask(NanFlops(), [HELLO, decide_req(1)])
check(r[-1]["type"] == "error" and "ValueError" in r[-1]["message"] and isinstance(exc, ValueError), "NaN flops")
r, exc = serve_and_ask(NanFlops(), [dict(HELLO, schema=2)])
check(r[-1] == {"schema": 1, "type": "error", "message": r[-1]["message"]} and "mismatch" in r[-1]["message"]
      and isinstance(exc, external.ProtocolError), "schema mismatch answered with the agent's version")
r, exc = serve_and_ask(Recorder([0]), [HELLO, decide_req(1), {"schema": 1, "type": "bye", "outcomes": []}])
check([x["type"] for x in r] == ["hello", "decisions", "bye"] and exc is None, "a whole run over a socket")

if failures:
    sys.exit("external_client_check: %d failure(s)" % len(failures))
print("external_client_check: all checks passed")
