#!/usr/bin/python3
"""Produces the TPOS load-sweep runs that analysis/tpos_load_figures.ipynb reads (docs/tpos.md,
"Continuous operation").

    /usr/bin/python3 analysis/tpos_load_runs.py --mecsim build/mecsim --out runs/tpos_load \\
        [--quick] [--jobs 2] [--seeds 1,2,3]

1. The cell (platforms/generate_tpos.py): N = 20 AlexNet MDs (--quick: 6), a server with B = 4 cores
   (--quick: 1, and the game's B = 1), weights 0.95/0.049/0.001 (delay first, as the contention
   runs of analysis/tpos_runs.py), one task per MD per period, `--tasks_per_md` periods.
2. Its capacity, measured on the cell itself: one tpos-local and one tpos-full-offload run give
   AlexNet's time on an MD (t_lo) and on one server core (t_se), and
       capacity = N / t_lo + B / t_se   tasks/s,
   the rate at which the MDs and the server's cores, all busy with whole tasks, would complete them.
   It is an upper bound: the slot model (at most B MDs per slot of T_d/H, a group never shares a
   core) and the game's choices reach less.
3. Offered load x = N / (period x capacity) for x in --loads (default 0.5..3): the period is
   N / (x capacity). Each load runs tpos-cai and tpos-uai as today (one-shot game every period)
   and with carry=1 (continuous operation; default admission factor 2), for every seed, with the
   mec_task verbose log that holds every task's eq. 24 prediction and measured delay.

DIR/index.csv: one row per run: experiment (load), scheme, policy, policy_args, seed, n_md, cores,
load_x, period_s, capacity_tps, trace (relative to DIR), status (mecsim's exit code), wall_s. The
log of a run is next to its trace (.log). Resumable: existing traces are kept. Exit 1, listing the
failed runs, if any failed. Every number of the figures comes from the traces and logs.
"""
import argparse
import os
import subprocess
import sys

from run_log import run_batch, run_logged

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, os.pardir, "platforms", "generate_tpos.py")
PY = "/usr/bin/python3"
FIELDS = ["experiment", "scheme", "policy", "policy_args", "seed", "n_md", "cores", "load_x", "period_s",
          "capacity_tps", "trace", "status", "wall_s"]
WEIGHTS = "alpha=0.95,beta=0.049,gamma=0.001"
SCHEMES = [("cai", "tpos-cai", ""), ("uai", "tpos-uai", ""),
           ("cai-carry", "tpos-cai", "carry=1"), ("uai-carry", "tpos-uai", "carry=1")]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--mecsim", required=True, help="the mecsim binary")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--quick", action="store_true",
                    help="toy size for the tests: 6 MDs, 1 core, loads 0.5,1.5,3, 4 periods, seed 1")
    ap.add_argument("--jobs", type=int, default=2, help="parallel runs (default 2)")
    ap.add_argument("--seeds", default=None, help="seeds (default 1,2,3; --quick 1)")
    ap.add_argument("--loads", default=None, help="offered loads x capacity (default 0.5,1,1.5,2,2.5,3)")
    ap.add_argument("--periods", type=int, default=None, help="tasks per MD = periods (default 30; --quick 4)")
    a = ap.parse_args(argv)
    a.seeds = [int(s) for s in (a.seeds or ("1" if a.quick else "1,2,3")).split(",") if s]
    a.loads = [float(x) for x in (a.loads or ("0.5,1.5,3" if a.quick else "0.5,1,1.5,2,2.5,3")).split(",") if x]
    a.periods = a.periods or (4 if a.quick else 30)
    a.n_md, a.cores = (6, 1) if a.quick else (20, 4)
    if a.jobs < 1 or a.periods < 1 or not a.loads or min(a.loads) <= 0:
        ap.error("need --jobs >= 1, --periods >= 1 and positive loads")
    return a


def write_cell(a, n):
    d = os.path.join(a.out, "cells")
    os.makedirs(d, exist_ok=True)
    plat, dep = (os.path.join(d, "n%d_c%d.%s.xml" % (n, a.cores, k)) for k in ("platform", "deployment"))
    if not (os.path.exists(plat) and os.path.exists(dep)):
        cmd = [PY, GEN, "--n-md", str(n), "--cores", str(a.cores), "--platform", plat + ".tmp",
               "--deployment", dep + ".tmp"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("tpos_load_runs: generate_tpos.py failed (%d): %s" % (p.returncode, p.stderr))
        os.replace(plat + ".tmp", plat)
        os.replace(dep + ".tmp", dep)
    return plat, dep


def policy_args(a, extra):
    args = WEIGHTS + ("" if a.cores == 4 else ",B=%d" % a.cores)
    return args + ("," + extra if extra else "")


def capacity(a):
    """t_lo and t_se of AlexNet from one task run locally and one offloaded whole (m* = 0), in the
    same cell with one MD; capacity = N / t_lo + B / t_se."""
    sys.path.insert(0, HERE)
    import mecsim_trace as mt
    plat, dep = write_cell(a, 1)
    d = os.path.join(a.out, "capacity")
    os.makedirs(d, exist_ok=True)
    times = {}
    for policy, col in (("tpos-local", "local_s"), ("tpos-full-offload", "exec_s")):
        trace = os.path.join(d, policy + ".h5")
        if not os.path.exists(trace):
            cmd = [a.mecsim, plat, dep, "--quiet=1", "--trace=" + trace, "--policy=" + policy,
                   "--policy_args=" + policy_args(a, "")]
            rc, _ = run_logged(cmd, trace[:-3] + ".log")
            if rc != 0:
                sys.exit("tpos_load_runs: capacity run %s failed, see %s" % (policy, trace[:-3] + ".log"))
        times[col] = float(mt.load(trace).tasks[col].iloc[0])
    return times["local_s"], times["exec_s"], a.n_md / times["local_s"] + a.cores / times["exec_s"]


def plan(a, cap):
    plat, dep = write_cell(a, a.n_md)
    runs = []
    for x in a.loads:
        period = a.n_md / (x * cap)
        for seed in a.seeds:
            for scheme, policy, extra in SCHEMES:
                pargs = policy_args(a, extra)
                trace = os.path.join("traces", "load%g_%s_s%d.h5" % (x, scheme, seed))
                cmd = [a.mecsim, plat, dep, "--quiet=1", "--trace=" + os.path.join(a.out, trace),
                       "--policy=" + policy, "--policy_args=" + pargs, "--seed=%d" % seed,
                       "--slot=%.9g" % period, "--tasks_per_md=%d" % a.periods,
                       "--log=mec_task.thres:verbose"]
                runs.append(dict(experiment="load", scheme=scheme, policy=policy, policy_args=pargs, seed=seed,
                                 n_md=a.n_md, cores=a.cores, load_x=x, period_s="%.9g" % period,
                                 capacity_tps="%.6g" % cap, trace=trace, cmd=cmd))
    return runs


def main(argv):
    a = parse_args(argv)
    a.mecsim, a.out = os.path.abspath(a.mecsim), os.path.abspath(a.out)
    if not os.access(a.mecsim, os.X_OK):
        sys.exit("tpos_load_runs: %s is not an executable" % a.mecsim)
    os.makedirs(os.path.join(a.out, "traces"), exist_ok=True)
    t_lo, t_se, cap = capacity(a)
    print("tpos_load_runs: AlexNet t_lo %.4f s, t_se %.4f s: capacity %d/t_lo + %d/t_se = %.3f tasks/s"
          % (t_lo, t_se, a.n_md, a.cores, cap), flush=True)
    runs = plan(a, cap)
    todo = [r for r in runs if not os.path.exists(os.path.join(a.out, r["trace"]))]
    print("tpos_load_runs: %d runs, %d to do; loads %s; seeds %s" % (
        len(runs), len(todo), ",".join("%g" % x for x in a.loads), ",".join(map(str, a.seeds))), flush=True)
    failed = run_batch("tpos_load_runs", runs, a.out, FIELDS, a.jobs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
