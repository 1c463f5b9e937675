"""Python re-implementations of mecsim's built-in baselines, to serve through `external`.

``Greedy`` is src/policies/baselines/greedy.c and mec_expected_delay (src/policies/policy_util.c)
operation for operation, so that it makes bit-identical decisions and declares the same compute.
"""
import math

GREEDY_FLOPS_PER_TARGET = 15.0
GREEDY_FLOPS_PER_UPDATE = 2.0


def _transfer_s(bits, rate_bps):
    if bits <= 0:
        return 0.0
    return bits / rate_bps if rate_bps > 0 else math.inf


def expected_delay(devices, servers, task, target, route=None):
    """mec_expected_delay: upload + fiber + queue + execution + download (docs/policies.md, section 3)."""
    md = devices[task.md]
    if target == 0:
        if task.cycles <= 0:
            return 0.0
        return task.cycles / md.cpu_hz if md.cpu_hz > 0 else math.inf
    s = servers[target - 1]
    if s.cpu_hz <= 0:
        return math.inf
    r = route(task.md, target - 1) if route else s
    fiber = r.hops > 0 and r.fiber_bps > 0
    cores = s.cores if s.cores > 0 else 1
    t = _transfer_s(task.input_bits, md.up_rate_bps)
    if fiber:
        t += task.input_bits / r.fiber_bps + r.fiber_latency_s
    t += s.backlog_cycles / (s.cpu_hz * cores)
    t += task.cycles / s.cpu_hz
    t += _transfer_s(task.output_bits, md.down_rate_bps)
    if fiber:
        t += task.output_bits / r.fiber_bps + r.fiber_latency_s
    return t


class _Server:
    __slots__ = ("cpu_hz", "cores", "hops", "fiber_bps", "fiber_latency_s", "backlog_cycles", "load_factor", "queued")

    def __init__(self, s):
        for k in self.__slots__:
            setattr(self, k, getattr(s, k))


class Greedy:
    """Minimum expected delay per task, batch-aware (the built-in `greedy`)."""

    def decide(self, state, batch):
        servers = [_Server(s) for s in state.servers]  # a private copy, updated within the batch
        m = len(servers)
        out = []
        evaluated = 0
        for t in batch:
            best = 0
            best_delay = expected_delay(state.devices, servers, t, 0)
            for target in range(1, m + 1):
                d = expected_delay(state.devices, servers, t, target, getattr(state, "route", None))
                if d < best_delay:
                    best_delay = d
                    best = target
            evaluated += m + 1
            out.append(best)
            if best > 0:
                s = servers[best - 1]
                s.backlog_cycles += t.cycles
                s.load_factor = s.backlog_cycles / s.cpu_hz
                s.queued += 1
        flops = evaluated * GREEDY_FLOPS_PER_TARGET + len(batch) * GREEDY_FLOPS_PER_UPDATE
        return {"decisions": out, "flops": flops, "iterations": float(evaluated)}


class Local:
    """Every task local, no compute declared: the no-op agent of bench/bench_external.py, whose runs
    measure the transport (a round trip per decision) against the built-in `local`."""

    def decide(self, state, batch):
        return {"decisions": [0] * len(batch), "flops": 0.0}
