#!/usr/bin/python3
"""Produces the runs that analysis/handover_figures.ipynb reads (docs/mobility.md, "Handovers against
speed"): delay, handover rate, relayed results and cross-BS executions against the devices' speed in a
corridor of 3 base stations, for greedy, offload-nearest and random; and reduces a run's trace to one
row (run_row), which the notebook and the test use.

    /usr/bin/python3 analysis/handover_runs.py --mecsim build/mecsim --out runs/handover \\
        [--speeds 0,1,5,15,30] [--seeds 1,2,3] [--n-md 300] [--tasks 20] [--jobs 2] [--quick]

Cells (platforms/generate.py --n-bs 3): 3 BSs bs-0..bs-2 200 m apart along x (the default spacing), 2
edge servers per BS (es-<b>-1, es-<b>-2: 12e9 and 20e9 cycles/s, one core each), a cloud (--cloud-cores
64 --cloud-speed 40e9 --wan-bps 1e9 --wan-latency 0.03: server 7, tier cloud), N devices (--n-md,
default 300), Poisson arrivals at the automatic rate for --load 0.5 (the generator's, dimensioned on the
busiest cell and the edge servers), --tasks per device. Speed 0 is mobility=static (devices placed
uniformly in the corridor -100,-50,500,50 m, the generator's default area); a speed V > 0 is random
waypoint at const:V m/s with pause const:0 in that corridor, stationary start, mobility_update 1 s. The
cell's seed (--seeds) is also the run's seed (placement, arrivals, tasks, mobility).

Policies (POLICIES): greedy (may keep a task local), offload-nearest (every task to the server nearest
its device's BS in fiber hops: es-<b>-1) and random with p_local=0 (uniform over the 7 servers, the cloud
included).

--quick (the test): 36 devices, 3 tasks each, speeds 0,30, seed 1 (6 runs).

DIR/index.csv: one row per run: speed, mobility, seed, policy, policy_args, trace (relative to DIR),
status (mecsim's exit code), wall_s. Resumable: existing traces are kept. Exit 1, listing the failed
runs, if any failed. The numbers come from the traces (run_row, load_runs).
"""
import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

import speed_runs as sr

FIELDS = ["speed", "mobility", "seed", "policy", "policy_args", "trace", "status", "wall_s"]
N_BS = 3
N_SERVERS = 2  # per BS
LOAD = 0.5
MOBILITY_UPDATE = 1.0
CLOUD = ["--cloud-cores", "64", "--cloud-speed", "40e9", "--wan-bps", "1e9", "--wan-latency", "0.03"]
POLICIES = {"greedy": "", "offload-nearest": "", "random": "p_local=0"}
TIER_LOCAL, TIER_EDGE, TIER_CLOUD = 0, 1, 2  # /tasks.tier


def plan(a):
    runs = []
    for speed in a.speeds:
        for seed in a.seeds:
            name = "v%g_s%d" % (speed, seed)
            plat, dep = sr.generate_cell(a.out, name, [
                "--n-bs", str(N_BS), "--n-md", str(a.n_md), "--n-servers", str(N_SERVERS), "--arrivals", "poisson",
                "--load", str(LOAD), "--tasks", str(a.tasks), "--seed", str(seed),
                *sr.mobility_args(speed, MOBILITY_UPDATE), *CLOUD], "handover_runs")
            for policy, pargs in POLICIES.items():
                trace = os.path.join("traces", "%s_%s.h5" % (name, policy))
                runs.append(dict(speed=speed, mobility="static" if speed == 0 else "rwp", seed=seed,
                                 policy=policy, policy_args=pargs, trace=trace,
                                 cmd=sr.mecsim_cmd(a, plat, dep, trace, policy, pargs)))
    return runs


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def server_bs(f):
    """Server id -> BS index of every server of a trace's run (-1 for a cloud), read from the deployment
    the trace carries (root attribute deployment_xml): each edge_server actor's `id` and `bs` property
    (the BS's host; default the first base_station, as mecsim does), the host mapped to its index by
    /base_stations.host. This does not depend on how the generator names its hosts."""
    bs_index = {_text(h): int(b) for b, h in zip(f["base_stations"]["bs"], f["base_stations"]["host"])}
    root = ET.fromstring(_text(f.attrs["deployment_xml"]).encode())
    first_bs = next(x.get("host") for x in root.iter("actor") if x.get("function") == "base_station")
    out = {}
    for x in root.iter("actor"):
        if x.get("function") != "edge_server":
            continue
        props = {p.get("id"): p.get("value") for p in x.iter("prop")}
        out[int(props["id"])] = -1 if props.get("tier") == "cloud" else bs_index[props.get("bs", first_bs)]
    return out


def run_row(path):
    """One run's numbers from its trace:
    n_md, tasks; delay_mean, delay_p95 (s, done - arrival, p95 by linear interpolation);
    duration_s (simulated, root attribute end_time_s); handovers (rows of /handovers);
    ho_per_md_min (handovers per device per simulated minute: handovers / n_md / (duration_s / 60));
    ho_per_active_min (handovers per device-minute of activity: handovers / (sum over the devices of the
    completion time of their last task, in minutes); a device's channel is not looked at after its last
    task, so this is the rate while handovers can be noticed);
    ho_per_task (handovers / tasks);
    local_share, edge_share, cloud_share (of the tasks, /tasks.tier);
    relayed_share (of the offloaded tasks with a result download, those whose result was relayed over
    the fiber between BSs: down_relay_start not NaN; mecsim relays whenever the server's BS is not the
    device's BS when the result is ready, so this counts cross-BS executions of static devices too);
    ho_relayed_share (of the same tasks, those relayed whose device was attached to another BS when the
    result was ready than when it uploaded: relayed and down_bs != up_bs, the relays a handover caused);
    moved_share (of the same tasks, down_bs != up_bs, relayed or not);
    relay_hop_mean (s, mean of down_fiber_end - down_relay_start over the relayed tasks; NaN when none);
    cross_bs_share (of the tasks run on an edge server, those whose server belongs to another BS than
    their up_bs; server -> BS from the deployment the trace carries, server_bs);
    up_mean (s, mean upload duration up_end - up_start over the tasks that uploaded);
    rate (the Poisson rate knob, tasks/s per device)."""
    with h5py.File(path, "r") as f:
        t = f["tasks"][()]
        ho = len(f["handovers"])
        n_md = int(f.attrs["n_md"])
        duration = float(f.attrs["end_time_s"])
        rate = float(_text(f.attrs.get("cfg.rate", b"nan")))
        sbs = server_bs(f)
    delay = t["done"] - t["arrival"]
    last = np.zeros(n_md)
    np.maximum.at(last, t["md"], t["done"])
    active_min = last.sum() / 60.0
    tier = t["tier"]
    off = (tier != TIER_LOCAL) & (t["down_bs"] >= 0)
    relayed = off & np.isfinite(t["down_relay_start"])
    moved = off & (t["down_bs"] != t["up_bs"])
    hop = (t["down_fiber_end"] - t["down_relay_start"])[relayed]
    edge = tier == TIER_EDGE
    srv_bs = np.array([sbs.get(int(m), -1) for m in t["target"][edge]], dtype=int)
    cross = srv_bs != t["up_bs"][edge]
    uploaded = np.isfinite(t["up_start"])
    up_s = (t["up_end"] - t["up_start"])[uploaded]
    nan = float("nan")
    return dict(n_md=n_md, tasks=len(t), delay_mean=float(delay.mean()), delay_p95=float(np.quantile(delay, 0.95)),
                duration_s=duration, handovers=ho,
                ho_per_md_min=ho / n_md / (duration / 60.0) if duration > 0 else nan,
                ho_per_active_min=ho / active_min if active_min > 0 else nan, ho_per_task=ho / len(t),
                local_share=float((tier == TIER_LOCAL).mean()), edge_share=float(edge.mean()),
                cloud_share=float((tier == TIER_CLOUD).mean()),
                relayed_share=float(relayed.sum() / off.sum()) if off.any() else nan,
                ho_relayed_share=float((relayed & moved).sum() / off.sum()) if off.any() else nan,
                moved_share=float(moved.sum() / off.sum()) if off.any() else nan,
                relay_hop_mean=float(hop.mean()) if len(hop) else nan,
                cross_bs_share=float(cross.mean()) if edge.any() else nan,
                up_mean=float(up_s.mean()) if len(up_s) else nan, rate=rate)


def load_runs(directory):
    """index.csv of a runs directory with run_row of every ok run: one row per run, the index's columns
    (speed, mobility, seed, policy, trace, ...) then run_row's."""
    return sr.load_runs(directory, run_row)


def main(argv):
    a = sr.parse_args(argv, __doc__, speeds="0,1,5,15,30", n_md=300, quick=("0,30", "1", 36, 3))
    return sr.run_all("handover_runs", a, plan(a), FIELDS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
