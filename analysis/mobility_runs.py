#!/usr/bin/python3
"""Produces the runs that analysis/mobility_figures.ipynb reads (docs/mobility.md, "Delay against speed"):
mean and p95 task delay against the devices' speed, for greedy, least-loaded and random, in a cell
without and with a cloud; and reduces a run's trace to one row (run_row), which the notebook and the
test use.

    /usr/bin/python3 analysis/mobility_runs.py --mecsim build/mecsim --out runs/mobility \\
        [--speeds 0,0.01,1,5,15,30] [--seeds 1,2,3] [--n-md 200] [--tasks 20] [--jobs 2] [--quick]

Cells (platforms/generate.py): N devices (--n-md, default 200), 4 edge servers (12e9..20e9 cycles/s,
one core each), Poisson arrivals at the automatic rate for --load 0.55 of the busiest edge server
(the rate does not depend on the cloud: the generator's load estimate counts the edge servers only),
--tasks per device. Speed 0 is mobility=static (devices uniform in the disc of radius cell_radius,
setup.c); a speed V > 0 is random waypoint at const:V m/s with pause const:0 in the default area
(the square of half-side cell_radius around the BS), stationary start, rate updated every
mobility_update = 1 s (the default) during a transfer. Every cell exists without a cloud and with one
(--cloud-cores 64 --cloud-speed 40e9 --wan-bps 1e9 --wan-latency 0.03: server 5, tier cloud). The
cell's seed (--seeds) is also the run's seed (placement, arrivals, tasks, mobility).

Policies (POLICIES): greedy (may keep a task local), least-loaded (never local) and random with
p_local=0 (uniform over all servers, the cloud included when there is one: never local either).

--quick (the test): 40 devices, 4 tasks each, speeds 0,15, seed 1.

DIR/index.csv: one row per run: speed, mobility, cloud, seed, policy, policy_args, trace (relative to
DIR), status (mecsim's exit code), wall_s. Resumable: existing traces are kept. Exit 1, listing the
failed runs, if any failed. The numbers come from the traces (run_row, load_runs).
"""
import os
import sys

import h5py
import numpy as np

import speed_runs as sr

FIELDS = ["speed", "mobility", "cloud", "seed", "policy", "policy_args", "trace", "status", "wall_s"]
N_SERVERS = 4
LOAD = 0.55
CLOUD = ["--cloud-cores", "64", "--cloud-speed", "40e9", "--wan-bps", "1e9", "--wan-latency", "0.03"]
POLICIES = {"greedy": "", "least-loaded": "", "random": "p_local=0"}
TIER_CLOUD = 2  # /tasks.tier: 0 local, 1 edge, 2 cloud


def plan(a):
    runs = []
    for speed in a.speeds:
        for cloud in (0, 1):
            for seed in a.seeds:
                name = "v%g_%s_s%d" % (speed, "cloud" if cloud else "edge", seed)
                plat, dep = sr.generate_cell(a.out, name, [
                    "--n-md", str(a.n_md), "--n-servers", str(N_SERVERS), "--arrivals", "poisson", "--load",
                    str(LOAD), "--tasks", str(a.tasks), "--seed", str(seed), *sr.mobility_args(speed),
                    *(CLOUD if cloud else [])], "mobility_runs")
                for policy, pargs in POLICIES.items():
                    trace = os.path.join("traces", "%s_%s.h5" % (name, policy))
                    runs.append(dict(speed=speed, mobility="static" if speed == 0 else "rwp", cloud=cloud,
                                     seed=seed, policy=policy, policy_args=pargs, trace=trace,
                                     cmd=sr.mecsim_cmd(a, plat, dep, trace, policy, pargs)))
    return runs


def run_row(path):
    """One run's numbers from its trace: tasks; delay_mean, delay_p95 (s, done - arrival, p95 by linear
    interpolation); local_share, edge_share, cloud_share (of the tasks, from /tasks.tier);
    up_distance_mean (m, mean of /tasks.up_distance_m over the tasks that uploaded); up_mean (s, mean
    upload duration up_end - up_start over the same tasks); rate (the Poisson rate knob, tasks/s per
    device)."""
    with h5py.File(path, "r") as f:
        t = f["tasks"][()]
        rate = f.attrs.get("cfg.rate", b"nan")
    rate = float(rate.decode() if isinstance(rate, bytes) else rate)
    delay = t["done"] - t["arrival"]
    tier = t["tier"]
    uploaded = np.isfinite(t["up_distance_m"])
    up = t["up_distance_m"][uploaded]
    up_s = (t["up_end"] - t["up_start"])[uploaded]
    return dict(tasks=len(t), delay_mean=float(delay.mean()), delay_p95=float(np.quantile(delay, 0.95)),
                local_share=float((tier == 0).mean()), edge_share=float((tier == 1).mean()),
                cloud_share=float((tier == TIER_CLOUD).mean()),
                up_distance_mean=float(up.mean()) if len(up) else float("nan"),
                up_mean=float(up_s.mean()) if len(up) else float("nan"), rate=rate)


def load_runs(directory):
    """index.csv of a runs directory with run_row of every ok run: one row per run, the index's columns
    (speed, mobility, cloud, seed, policy, trace, ...) then run_row's."""
    return sr.load_runs(directory, run_row)


def main(argv):
    a = sr.parse_args(argv, __doc__, speeds="0,0.01,1,5,15,30", n_md=200, quick=("0,15", "1", 40, 4))
    return sr.run_all("mobility_runs", a, plan(a), FIELDS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
