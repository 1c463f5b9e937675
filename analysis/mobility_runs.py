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
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd

from run_log import run_batch

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, os.pardir, "platforms", "generate.py")
PY = "/usr/bin/python3"
FIELDS = ["speed", "mobility", "cloud", "seed", "policy", "policy_args", "trace", "status", "wall_s"]
N_SERVERS = 4
LOAD = 0.55
CLOUD = ["--cloud-cores", "64", "--cloud-speed", "40e9", "--wan-bps", "1e9", "--wan-latency", "0.03"]
POLICIES = {"greedy": "", "least-loaded": "", "random": "p_local=0"}
TIER_CLOUD = 2  # /tasks.tier: 0 local, 1 edge, 2 cloud


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--mecsim", required=True, help="the mecsim binary")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--speeds", default="0,0.01,1,5,15,30", help="device speeds, m/s (0 = static)")
    ap.add_argument("--seeds", default="1,2,3", help="cell and run seeds (default 1,2,3)")
    ap.add_argument("--n-md", type=int, default=200, help="devices (default 200)")
    ap.add_argument("--tasks", type=int, default=20, help="tasks per device (default 20)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel runs (default 2)")
    ap.add_argument("--quick", action="store_true", help="test size: 40 devices, 4 tasks, speeds 0,15, seed 1")
    a = ap.parse_args(argv)
    if a.quick:
        a.speeds, a.seeds, a.n_md, a.tasks = "0,15", "1", 40, 4
    try:
        a.speeds = [float(s) for s in a.speeds.split(",") if s]
        a.seeds = [int(s) for s in a.seeds.split(",") if s]
    except ValueError:
        ap.error("--speeds must be numbers (m/s) and --seeds integers")
    if not a.speeds or not a.seeds or any(s < 0 for s in a.speeds):
        ap.error("--speeds (>= 0) and --seeds must not be empty")
    if a.jobs < 1 or a.n_md < 1 or a.tasks < 1:
        ap.error("--jobs, --n-md and --tasks must be >= 1")
    return a


def write_cell(a, speed, cloud, seed):
    """The cell of a speed, cloud or not, and a seed: (platform, deployment), absolute paths."""
    d = os.path.join(a.out, "cells")
    os.makedirs(d, exist_ok=True)
    base = os.path.join(d, "v%g_%s_s%d" % (speed, "cloud" if cloud else "edge", seed))
    plat, dep = base + ".platform.xml", base + ".deployment.xml"
    if not (os.path.exists(plat) and os.path.exists(dep)):
        mob = ["--mobility", "static"] if speed == 0 else \
              ["--mobility", "rwp", "--speed", "const:%g" % speed, "--pause", "const:0"]
        cmd = [PY, GEN, "--n-md", str(a.n_md), "--n-servers", str(N_SERVERS), "--arrivals", "poisson",
               "--load", str(LOAD), "--tasks", str(a.tasks), "--seed", str(seed), *mob, *(CLOUD if cloud else []),
               "--platform", plat + ".tmp", "--deployment", dep + ".tmp"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("mobility_runs: generate.py failed (%d): %s" % (p.returncode, p.stderr))
        os.replace(plat + ".tmp", plat)
        os.replace(dep + ".tmp", dep)
    return plat, dep


def plan(a):
    runs = []
    for speed in a.speeds:
        for cloud in (0, 1):
            for seed in a.seeds:
                plat, dep = write_cell(a, speed, cloud, seed)
                for policy, pargs in POLICIES.items():
                    trace = os.path.join("traces", "v%g_%s_s%d_%s.h5" % (speed, "cloud" if cloud else "edge",
                                                                          seed, policy))
                    cmd = [a.mecsim, plat, dep, "--quiet=1", "--trace=" + os.path.join(a.out, trace),
                           "--policy=" + policy, "--policy_args=" + pargs]
                    runs.append(dict(speed=speed, mobility="static" if speed == 0 else "rwp", cloud=cloud,
                                     seed=seed, policy=policy, policy_args=pargs, trace=trace, cmd=cmd))
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
    index = pd.read_csv(os.path.join(directory, "index.csv"), keep_default_na=False, na_values=[""])
    index["policy_args"] = index["policy_args"].fillna("")
    rows = [dict(r, **run_row(os.path.join(directory, r["trace"])))
            for r in index[index["status"] == 0].to_dict("records")]
    return index, pd.DataFrame(rows)


def main(argv):
    a = parse_args(argv)
    a.mecsim, a.out = os.path.abspath(a.mecsim), os.path.abspath(a.out)
    if not os.access(a.mecsim, os.X_OK):
        sys.exit("mobility_runs: %s is not an executable" % a.mecsim)
    os.makedirs(os.path.join(a.out, "traces"), exist_ok=True)
    runs = plan(a)
    todo = [r for r in runs if not os.path.exists(os.path.join(a.out, r["trace"]))]
    print("mobility_runs: %d runs, %d to do; %d devices, speeds %s m/s, seeds %s" %
          (len(runs), len(todo), a.n_md, ",".join("%g" % s for s in a.speeds), ",".join(map(str, a.seeds))),
          flush=True)
    if run_batch("mobility_runs", runs, a.out, FIELDS, a.jobs):
        return 1
    print("mobility_runs: done, index %s" % os.path.join(a.out, "index.csv"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
