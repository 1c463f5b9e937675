#!/usr/bin/python3
"""Recomputes every phase of isolated tasks from the model's formulas.

    formulas_check.py MECSIM SRCDIR TMPDIR

Writes a task file of well-separated tasks (one in the system at a time), runs
MECSIM on platforms/validation_links.xml + deployments/validation_links.xml,
and checks each task of the trace against numbers computed here from the XML
files alone (host speeds and properties, link bandwidths and latencies, the
base_station knobs):

  radio rate     r = b log2(1 + p g / (b N0)), b = W / N, g = g0 (l0 / max(l, l0))^h
  upload         t = bits / r_up,  energy p t
  fiber hop      t = bits / bw + latency (per hop; server m > 1 via server 1)
  execution      t = cycles / speed (server or MD), local energy kappa f^2 c
  download       reverse hops, then result_bits / r_down (BS power)
  total delay    done - arrival = sum of the phases

Prints one "PASS ..." / "FAIL ..." line per check; exits 0 (the calling
script counts the lines).
"""
import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import mecsim_trace as mt  # noqa: E402

REL = 1e-9   # relative tolerance of a duration or energy
ABS = 1e-9   # s: SimGrid rounds simulated times (precision/timing)

PREFIX = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def si(text, unit):
    """'125MBps' -> 1.25e8 (unit 'Bps'), '0.5ms' -> 5e-4 (unit 's'), '4Gf' -> 4e9 (unit 'f')."""
    if unit == "s":
        m = re.fullmatch(r"([0-9.eE+-]+)(s|ms|us|ns)?", text)
        return float(m.group(1)) * {"s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, None: 1}[m.group(2)]
    m = re.fullmatch(r"([0-9.eE+-]+)([kMGT]?)" + unit, text)
    if not m:
        raise ValueError(f"cannot read '{text}' as a value in {unit}")
    return float(m.group(1)) * PREFIX[m.group(2)]


def read_platform(path):
    root = ET.parse(path).getroot()
    hosts, links, routes = {}, {}, {}
    for h in root.iter("host"):
        props = {p.get("id"): p.get("value") for p in h.findall("prop")}
        hosts[h.get("id")] = {"speed": si(h.get("speed"), "f"), "props": props}
    for link in root.iter("link"):
        links[link.get("id")] = (si(link.get("bandwidth"), "Bps") * 8, si(link.get("latency"), "s"))
    for r in root.iter("route"):
        hop = [links[c.get("id")] for c in r.findall("link_ctn")]
        routes[(r.get("src"), r.get("dst"))] = hop
        routes[(r.get("dst"), r.get("src"))] = hop  # Full routing is symmetrical by default
    return hosts, routes


def read_deployment(path):
    root = ET.parse(path).getroot()
    knobs, servers, mds = {}, {}, []
    for a in root.iter("actor"):
        props = {p.get("id"): p.get("value") for p in a.findall("prop")}
        if a.get("function") == "base_station":
            knobs = props
        elif a.get("function") == "edge_server":
            servers[int(props["id"])] = a.get("host")
        elif a.get("function") == "mobile_device":
            mds.append(a.get("host"))
    return knobs, servers, mds


def shannon(b, p, g, n0):
    return b * np.log2(1 + p * g / (b * n0))


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def report(self, ok, text):
        print(("PASS " if ok else "FAIL ") + text)
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def close(self, name, got, want):
        """Element-wise got == want within REL and ABS; one line for the whole array."""
        got, want = np.asarray(got, float), np.asarray(want, float)
        err = np.abs(got - want)
        bad = err > np.maximum(REL * np.abs(want), ABS)
        worst = int(np.argmax(err / np.maximum(REL * np.abs(want), ABS))) if len(got) else 0
        self.report(len(got) > 0 and not bad.any(),
                    f"{name}: {len(got)} tasks, worst error {err[worst] if len(got) else 0:.2e} "
                    f"(measured {got[worst] if len(got) else 0:.9g}, formula {want[worst] if len(got) else 0:.9g})")


def main():
    mecsim, src, tmp = sys.argv[1:4]
    plat = os.path.join(src, "platforms", "validation_links.xml")
    dep = os.path.join(src, "deployments", "validation_links.xml")
    hosts, routes = read_platform(plat)
    knobs, servers, mds = read_deployment(dep)
    c = Checks()

    # Isolated tasks: 10 s apart, far longer than any task here (the slowest,
    # 1e9 cycles on 300 MHz, takes 3.3 s); sizes in whole bytes.
    rng = random.Random(4)
    task_file = os.path.join(tmp, "tasks.csv")
    with open(task_file, "w") as f:
        f.write("md,arrival_s,input_bits,cycles,output_bits,deadline_s\n")
        for k in range(36):
            f.write(f"{k % len(mds)},{10.0 * k + 0.25},{8 * rng.randint(1000, 500000)},"
                    f"{rng.randint(10**8, 10**9)},{8 * rng.randint(0, 20000)},0\n")
    trace = os.path.join(tmp, "links.h5")
    run = subprocess.run([mecsim, plat, dep, "--task_file", task_file, "--trace", trace, "--quiet", "--seed", "3"],
                         capture_output=True, text=True)
    c.report(run.returncode == 0, f"mecsim run on validation_links.xml exits 0 (got {run.returncode})")
    if run.returncode != 0:
        print(run.stdout + run.stderr)
        return 0
    t = mt.load(trace).tasks.sort_values("arrival").reset_index(drop=True)
    c.report(len(t) == 36, f"36 tasks replayed and completed (got {len(t)})")

    # The channel, from the knobs.
    W = float(knobs["bandwidth"])
    n0 = 10 ** ((float(knobs["noise_dbm_hz"]) - 30) / 10)
    g0 = 10 ** (float(knobs["path_gain_db"]) / 10)
    l0, h = float(knobs["l0"]), float(knobs["path_loss_exp"])
    b = W / len(mds)
    md_host = [hosts[mds[i]] for i in t.md]
    dist = np.array([float(m["props"]["distance"]) for m in md_host])
    gain = g0 * (l0 / np.maximum(dist, l0)) ** h
    p_md = np.array([float(m["props"].get("tx_power", knobs["md_tx_power"])) for m in md_host])
    kappa = np.array([float(m["props"].get("kappa", knobs["kappa"])) for m in md_host])
    f_md = np.array([m["speed"] for m in md_host])
    r_up = shannon(b, p_md, gain, n0)
    r_down = shannon(b, float(knobs["bs_tx_power"]), gain, n0)

    def hops(target):
        """Fiber hops (bw bit/s, latency s) from the BS to server `target` (forward=via-first)."""
        path = ["bs", servers[1]] + ([servers[target]] if target > 1 else [])
        return [routes[(path[i], path[i + 1])][0] for i in range(len(path) - 1)]

    local = t[t.target == 0]
    off = t[t.target > 0]
    c.report(len(local) > 0 and (t.target == 1).any() and (t.target == 2).any(),
             f"tasks ran locally ({len(local)}), on server 1 ({(t.target == 1).sum()}) and server 2 "
             f"({(t.target == 2).sum()})")
    c.report(set(t.md) == set(range(len(mds))), "every MD has tasks")

    # Local execution and its energy.
    li = local.index
    c.close("local execution time = cycles / f_md", local.local_end - local.local_start, local.cycles / f_md[li])
    c.close("local energy = kappa f^2 c", local.energy_local_j, kappa[li] * f_md[li] ** 2 * local.cycles)
    c.report(bool((local.up_start.isna() & (local.energy_tx_j == 0)).all()), "local tasks do not upload")

    # Upload: rate, time, energy.
    oi = off.index
    c.close("up_rate_bps = b log2(1 + p g/(b N0)), g = g0 (l0/l)^h", off.up_rate_bps, r_up[oi])
    up_t = off.up_end - off.up_start
    c.close("upload time = bits / rate", up_t, off.input_bits / r_up[oi])
    c.close("upload energy = p t", off.energy_tx_j, p_md[oi] * up_t)
    c.report(bool((off.energy_local_j == 0).all()), "offloaded tasks spend no local energy")

    # Fiber, execution at the server, return trip.
    fwd = [sum(off.input_bits[i] / bw + lat for bw, lat in hops(off.target[i])) for i in oi]
    c.close("fiber to the server = sum over hops of bits/bw + latency", off.fwd_end - off.fwd_start, fwd)
    c.close("queue wait = 0 (one task at a time)", off.exec_start - off.queue_enter, np.zeros(len(off)))
    srv_speed = np.array([hosts[servers[s]]["speed"] for s in off.target])
    c.close("server execution time = cycles / speed", off.exec_end - off.exec_start, off.cycles / srv_speed)
    back = [sum(off.output_bits[i] / bw + lat for bw, lat in hops(off.target[i])) + off.output_bits[i] / r_down[i]
            for i in oi]
    c.close("return = fiber hops back + result_bits / r_down (BS power)", off.down_end - off.down_start, back)
    if "radio_down_s" in off:  # trace format 2: the return trip split, the radio waits timed
        fib = [sum(off.output_bits[i] / bw + lat for bw, lat in hops(off.target[i])) for i in oi]
        c.close("fiber back = sum over hops of result_bits/bw + latency", off.fiber_back_s, fib)
        c.close("radio download = result_bits / r_down", off.radio_down_s, off.output_bits / r_down[oi])
        c.close("radio waits = 0 (one task at a time)", off.radio_wait_up_s + off.radio_wait_down_s,
                np.zeros(len(off)))

    # The whole delay is the sum of its phases (nothing else takes time).
    phases = ["decide_s", "local_s", "up_s", "fwd_s", "wait_s", "exec_s", "down_s"]
    total = t[phases].fillna(0).sum(axis=1)
    c.close("done - arrival = sum of the phases", t.done - t.arrival, total)
    gaps = [(t.arrival, t.decide_start), (t.decide_end, t.local_start), (t.decide_end, t.up_start), (t.up_end, t.fwd_start), (t.fwd_end, t.queue_enter),
            (t.exec_end, t.down_start)]
    ok = all(((b_ - a_).dropna().abs() < ABS).all() for a_, b_ in gaps)
    c.report(ok, "each phase starts when the previous one ends")
    print(f"{c.passed} checks passed, {c.failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
