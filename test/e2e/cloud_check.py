#!/usr/bin/python3
"""The cloud tier (docs/model.md, "The cloud tier") against its formulas.

    cloud_check.py MECSIM SRCDIR TMPDIR

Runs platforms/cloud_cell.xml + deployments/cloud_cell.xml (two edge servers and a cloud of 64
cores at 40 GHz behind a metro link and a 1 Gbit/s, 30 ms WAN link) on a task file of tasks 2 s
apart (one task in the system at a time: nothing queues, nothing shares a link), with
round-robin (forward=via-first, the default, and forward=direct) and with random (some tasks
local). For every offloaded task, computed here from the XML files and the trace's knobs alone:

  upload      bits / r_up,  r_up = b log2(1 + p g / (b N0)), b = W / N  (radio latency 0)
  to server   per host hop of its path: bytes / (slowest link of the hop's route) + sum of the
              route's latencies; a cloud: the one hop BS -> cloud (metro + WAN) whatever forward
              is; edge server 2: BS -> es-1 -> es-2 (via-first) or BS -> es-2 (direct)
  execution   cycles / core speed (an idle server)
  return      the same hops back with the result, then result bits / r_down (BS power)
  delay       done - arrival = upload + to server + execution + return, within 1e-6 relative

and /tasks.tier is 2 exactly for the cloud's tasks, 1 for the edge servers', 0 for local ones;
the root attribute server_tiers is "edge,edge,cloud". Prints one PASS/FAIL line per check.
"""
import os
import random
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "..", "analysis"))
import mecsim_trace as mt  # noqa: E402
from formulas_check import Checks, read_deployment, read_platform, shannon  # noqa: E402

REL = 1e-6


def main():
    mecsim, src, tmp = sys.argv[1:4]
    plat = os.path.join(src, "platforms", "cloud_cell.xml")
    dep = os.path.join(src, "deployments", "cloud_cell.xml")
    hosts, routes = read_platform(plat)
    _, servers, mds = read_deployment(dep)
    c = Checks()
    c.report(servers.get(3) == "cloud", f"deployment: server 3 is the host 'cloud' (got {servers})")

    rng = random.Random(7)
    task_file = os.path.join(tmp, "tasks.csv")
    with open(task_file, "w") as f:
        f.write("md,arrival_s,input_bits,cycles,output_bits,deadline_s\n")
        for k in range(36):
            f.write(f"{k % len(mds)},{2.0 * k + 0.25},{8 * rng.randint(1000, 500000)},"
                    f"{rng.randint(10**8, 10**10)},{8 * rng.randint(0, 200000)},0\n")

    def run(name, *args):
        trace = os.path.join(tmp, name + ".h5")
        r = subprocess.run([mecsim, plat, dep, "--set", "arrivals=file", "--set", "task_file=" + task_file,
                            "--trace", trace, "--quiet", "--seed", "3", *args], capture_output=True, text=True)
        c.report(r.returncode == 0, f"{name}: mecsim exits 0 (got {r.returncode})")
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            return None
        return mt.load(trace)

    def path(target, forward):
        """Hosts from the BS to server `target`."""
        host = servers[target]
        if host == "cloud" or forward == "direct" or target == 1:
            return ["bs", host]
        return ["bs", servers[1], host]

    def transfer(bits, route):
        """One SimGrid communication over a route: bytes / slowest link + sum of latencies."""
        return bits / min(bw for bw, _ in route) + sum(lat for _, lat in route)

    def check(name, tr, forward):
        t = tr.tasks.sort_values("arrival").reset_index(drop=True)
        a = tr.attrs
        c.report(len(t) == 36, f"{name}: 36 tasks done (got {len(t)})")
        c.report(a.get("server_tiers") == "edge,edge,cloud",
                 f"{name}: root attribute server_tiers = 'edge,edge,cloud' (got {a.get('server_tiers')!r})")
        want_tier = np.where(t.target == 0, 0, np.where(t.target == 3, 2, 1))
        c.report(bool((t.tier == want_tier).all()),
                 f"{name}: /tasks.tier is 2 for the cloud's {(t.target == 3).sum()} tasks, 1 for the edge "
                 f"servers' {((t.target == 1) | (t.target == 2)).sum()}, 0 for the {(t.target == 0).sum()} local ones")
        # The channel, from the knobs the run used.
        W = float(a["cfg.bandwidth"])
        n0 = 10 ** ((float(a["cfg.noise_dbm_hz"]) - 30) / 10)
        g0 = 10 ** (float(a["cfg.path_gain_db"]) / 10)
        l0, h = float(a["cfg.l0"]), float(a["cfg.path_loss_exp"])
        b = W / len(mds)
        for tgt, label in ((3, "cloud"), (1, "edge server 1"), (2, "edge server 2")):
            off = t[t.target == tgt]
            if not len(off):
                c.report(tgt != 3, f"{name}: no task on {label}")
                continue
            md_host = [hosts[mds[i]] for i in off.md]
            dist = np.array([float(m["props"]["distance"]) for m in md_host])
            gain = g0 * (l0 / np.maximum(dist, l0)) ** h
            r_up = shannon(b, float(a["cfg.md_tx_power"]), gain, n0)
            r_down = shannon(b, float(a["cfg.bs_tx_power"]), gain, n0)
            hops = path(tgt, forward)
            routes_of = [routes[(hops[i], hops[i + 1])] for i in range(len(hops) - 1)]
            up = off.input_bits / r_up
            fwd = sum(transfer(off.input_bits, r) for r in routes_of)
            srv = hosts[servers[tgt]]["speed"]
            ex = off.cycles / srv
            back = sum(transfer(off.output_bits, r) for r in routes_of)
            down = off.output_bits / r_down
            want = up + fwd + ex + back + down
            got = off.done - off.arrival
            err = np.abs(got - want) / want
            worst = int(np.argmax(err.values))
            c.report(bool((off.decide_end == off.arrival).all() & (off.exec_start == off.queue_enter).all()),
                     f"{name}: {label}: no decision compute, no queueing (tasks 2 s apart)")
            c.report(bool((err <= REL).all()),
                     f"{name}: {label}: {len(off)} tasks, delay = upload + {'WAN' if tgt == 3 else 'fiber'} "
                     f"({' -> '.join(hops)}) + execution + return by formula, worst relative error "
                     f"{err.values[worst]:.2e} (measured {got.values[worst]:.9g} s, formula {want.values[worst]:.9g} s)")
            fw = (off.fwd_end - off.fwd_start).values
            c.report(bool(np.all(np.abs(fw - np.asarray(fwd)) <= REL * np.asarray(fwd))),
                     f"{name}: {label}: the forward phase alone = its formula")

    tr = run("rr-via-first")
    if tr:
        check("round-robin, forward=via-first", tr, "via-first")
    tr = run("rr-direct", "--set", "forward=direct")
    if tr:
        check("round-robin, forward=direct", tr, "direct")
    tr = run("random", "--set", "policy=random", "--set", "policy_args=p_local=0.3")
    if tr:
        t = tr.tasks
        c.report(bool((t.target == 0).any() and (t.target == 3).any()),
                 f"random: some tasks local ({(t.target == 0).sum()}), some on the cloud ({(t.target == 3).sum()})")
        check("random, forward=via-first", tr, "via-first")
    return 0


if __name__ == "__main__":
    sys.exit(main())
