"""Serve a Python policy to mecsim's `external` policy over ZeroMQ (docs/external.md).

    from mecsim.external import serve

    class AlwaysLocal:
        def decide(self, state, batch):
            return [0 for _ in batch]          # one target per task: 0 = local, s+1 = server s

    serve(AlwaysLocal(), "ipc:///tmp/agent.sock")   # then: mecsim ... --policy external \
                                                    #   --policy-args endpoint=ipc:///tmp/agent.sock

The agent binds a REP socket; mecsim connects a REQ socket and sends one request per decision,
then waits (simulated time stands still) for the reply. A policy is any object with

* ``decide(state, batch)`` -> the decisions, one per task of ``batch`` in its order. Each is a
  target (int) or a dict with ``target`` and any of the optional fields of ``mec_decision_t``
  (``partition``, ``slot``, ``bw_share``, ``time_share``, ``cpu_share``, ``tx_power_w``, ``price``,
  ``offload_frac``, ``tx_offset``, ``tx_window``). It may return ``(decisions, flops)`` or a dict
  ``{"decisions": ..., "flops": ..., "iterations": ..., "model_size": ...}``: ``flops`` is the
  decision's compute, which mecsim runs in simulated time on the deciding host (default 0).
* ``observe(outcomes)`` (optional): the tasks finished since the previous message, each with
  ``id, md, target, arrival, delay_s, energy_j, missed``.
* ``start(state)`` (optional): called once per run, after the handshake.

``state`` has the fields of ``mec_system_t`` (``now``, ``slot_s``, ``bandwidth_hz``, ...) with
``devices`` (one per MD: ``bs, cpu_hz, tx_power_w, kappa, distance_m, gain, up_rate_bps,
down_rate_bps``) and ``servers`` (``cpu_hz, cores, hops, tier, bs, fiber_bps, fiber_latency_s,
queued, in_service, backlog_cycles, load_factor``), as attribute namespaces. A request carries the
servers and the devices of the batch's tasks; ``state.devices`` keeps the rest from earlier
messages. Each task of ``batch`` has ``id, md, dnn, arrival, input_bits, cycles, output_bits,
deadline``. Units are SI: s, bits, cycles, Hz, W, J.

Base stations: ``state.n_bs``, ``state.base_stations`` (one per BS: ``x_m, y_m, bandwidth_hz,
cpu_hz, attached``; ``attached`` is refreshed by every request), ``state.decider_bs`` (the BS whose
controller asks) and ``state.routes[b][s]`` (``hops, fiber_bps, fiber_latency_s`` from BS b to
server s). ``state.route(md, s)`` is the route from the BS device md is attached to now, as
mec_system_route() in C: what mec_expected_delay charges. A server's own ``hops`` / ``fiber_*``
are those from BS 0.
"""
import json
import operator
import sys
from collections.abc import Mapping
from types import SimpleNamespace

import zmq

SCHEMA = 1
"""The message schema version this module speaks (docs/external.md)."""


class ProtocolError(RuntimeError):
    """mecsim sent something this module does not understand."""


def _ns(d):
    return SimpleNamespace(**d)


class State(SimpleNamespace):
    """The simulator's state as of the current request (mec_system_t)."""

    def route(self, md, s):
        """The route (``hops, fiber_bps, fiber_latency_s``) from the BS device ``md`` is attached to
        now to server ``s`` (0-based), as mec_system_route(); the server's own fields when the run
        sent no routes (a mecsim before base stations)."""
        routes = getattr(self, "routes", None)
        b = getattr(self.devices[md], "bs", 0)
        if routes and 0 <= b < len(routes):
            return routes[b][s]
        srv = self.servers[s]
        return SimpleNamespace(hops=srv.hops, fiber_bps=srv.fiber_bps, fiber_latency_s=srv.fiber_latency_s)


def _dump(obj):
    # allow_nan=False: NaN or infinity in a reply is a bug of the policy; fail here, loudly
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()


def _normalize(result):
    extra = {}
    if isinstance(result, Mapping):
        extra = {k: result[k] for k in ("flops", "iterations", "model_size") if k in result}
        decisions = result.get("decisions")
    elif isinstance(result, tuple):
        if len(result) != 2:
            raise TypeError("decide() returned a tuple of %d items; expected (decisions, flops)" % len(result))
        decisions, extra["flops"] = result
    else:
        decisions = result
    if decisions is None:
        raise TypeError("decide() returned no decisions")
    out = []
    for d in decisions:
        if isinstance(d, Mapping):
            d = dict(d)
            if "target" in d:
                d["target"] = operator.index(d["target"])
            out.append(d)
        else:
            out.append({"target": operator.index(d)})
    for k in list(extra):
        if extra[k] is None:
            del extra[k]
        else:
            extra[k] = float(extra[k])
    return out, extra


class _Session:
    """One run of mecsim: the state the requests update."""

    def __init__(self, hello):
        fields = {k: v for k, v in hello.items()
                  if k not in ("schema", "type", "devices", "servers", "base_stations", "routes")}
        self.state = State(**fields)
        self.state.devices = [_ns(d) for d in hello["devices"]]
        self.state.servers = [_ns(s) for s in hello["servers"]]
        self.state.base_stations = [_ns(b) for b in hello.get("base_stations", [])]
        self.state.routes = [[_ns(r) for r in row] for row in hello.get("routes", [])]

    def update(self, req):
        st = self.state
        st.now = req["now"]
        st.decider_hz = req["decider_hz"]
        if "decider_bs" in req:
            st.decider_bs = req["decider_bs"]
        for b, k in enumerate(req.get("attached", [])[:len(st.base_stations)]):
            st.base_stations[b].attached = k
        st.servers = [_ns(s) for s in req["servers"]]
        for d in req["devices"]:
            st.devices[d["md"]] = _ns(d)
        return [_ns(t) for t in req["tasks"]]


def handle(policy, session, req):
    """Answers one request (a dict); returns (reply dict, session, finished)."""
    kind = req.get("type")
    if kind == "hello":
        session = _Session(req)
        if hasattr(policy, "start"):
            policy.start(session.state)
        return {"schema": SCHEMA, "type": "hello", "agent": type(policy).__name__}, session, False
    if session is None:
        raise ProtocolError("a '%s' request came before the hello" % kind)
    outcomes = [_ns(o) for o in req.get("outcomes", [])]
    if outcomes and hasattr(policy, "observe"):
        policy.observe(outcomes)
    if kind == "bye":
        return {"schema": SCHEMA, "type": "bye"}, None, True
    if kind != "decide":
        raise ProtocolError("unknown request type %r" % (kind,))
    batch = session.update(req)
    decisions, extra = _normalize(policy.decide(session.state, batch))
    reply = {"schema": SCHEMA, "type": "decisions", "seq": req["seq"], "decisions": decisions}
    reply.update(extra)
    return reply, session, False


def serve(policy, endpoint, runs=1, context=None):
    """Binds ``endpoint`` (``ipc://PATH`` or ``tcp://127.0.0.1:PORT``) and answers mecsim's requests
    with ``policy`` until ``runs`` runs have ended (``None``: forever). Returns the number of runs
    served. An exception of the policy is sent to mecsim as an error reply (which stops the run
    with that message) and then raised here."""
    ctx = context or zmq.Context()
    sock = ctx.socket(zmq.REP)
    sock.setsockopt(zmq.LINGER, 1000)
    sock.bind(endpoint)
    done = 0
    session = None
    try:
        while runs is None or done < runs:
            raw = sock.recv()
            try:
                req = json.loads(raw)
                if not isinstance(req, dict):
                    raise ProtocolError("a request is not a JSON object")
                if req.get("schema") != SCHEMA:
                    # mecsim reports the mismatch from this error reply
                    raise ProtocolError("schema version mismatch: the agent speaks version %d, mecsim sent version %r"
                                        % (SCHEMA, req.get("schema")))
                reply, session, finished = handle(policy, session, req)
                data = _dump(reply)
            except Exception as e:
                # a REP socket owes mecsim a reply: tell it what went wrong, then fail here too
                msg = "%s: %s" % (type(e).__name__, e)
                try:
                    sock.send(_dump({"schema": SCHEMA, "type": "error", "message": msg[:400]}))
                except zmq.ZMQError:
                    pass
                raise
            sock.send(data)
            if finished:
                done += 1
    finally:
        sock.close(linger=1000)
        if context is None:
            ctx.term()
    return done


def main(argv=None):
    """python3 -m mecsim MODULE:CLASS ENDPOINT [RUNS]: serve MODULE.CLASS() (RUNS: how many runs, default forever)."""
    import importlib
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (2, 3) or ":" not in argv[0]:
        print("usage: python3 -m mecsim MODULE:CLASS ENDPOINT [RUNS]", file=sys.stderr)
        return 2
    mod, cls = argv[0].split(":", 1)
    policy = getattr(importlib.import_module(mod), cls)()
    serve(policy, argv[1], runs=int(argv[2]) if len(argv) == 3 else None)
    return 0
