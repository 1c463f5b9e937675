#!/usr/bin/python3
"""Produces the MEMTL simulation runs that analysis/memtl_figures.ipynb reads (docs/reproductions.md, "MEMTL").

    /usr/bin/python3 analysis/memtl_runs.py --mecsim build/mecsim --train build/mecsim-train-memtl \\
        --out runs/memtl/sim [--quick] [--jobs 2] [--seeds 101,102,103,104,105]

1. Models for the cell. The MEMTL cell (platforms/generate_memtl.py: N = 5 MTs, one task each per 1 s
   slot, decided per slot) is not the public code's system, so the models the simulator runs are
   trained on inputs drawn like the cell's: orthogonal sub-bands of B = 1 MHz, N0 = -174 dBm/Hz,
   P_u = 0.3 W, F = 2.5 GHz, kappa = 1e-28, upload U[1e4, 2.5e5] bits at 3e3 cycles/bit, local CPU
   U[3e8, 1e9], deadline 1 s, alpha 0.5, and the channel amplitude log-uniform over [5e-9, 3e-5]
   (the cell's sqrt(gain) from 50 to 500 m at path-loss exponent 3.5 with Rayleigh fading lies there
   but for its 0.1 % tails). DIR/models: cell.h5 (the labelled set, tool seed 1), memtl.h5 (3 heads),
   mtfnn.h5, their training logs.
2. Held-out evaluation: cells of seeds --seeds (default 101..105; the cell's CPUs, distances, tasks and
   fading all come from the seed, never seen in training, whose inputs come from the tool's own
   stream) run with exhaustive, memtl, mtfnn, local and greedy: traces/eval_{policy}_s{seed}.h5.
3. Drift: the same cells over 400 slots with the knob drift_at = 60 s and drift_size = 1.5 (every task
   half as large again from then on: a third of the uploads outside the training range, and the cell
   still stable), for memtl and mtfnn with online=1 (a new head / a retrained network from 128
   labelled slots, charged on the server) and without, and exhaustive as the reference:
   traces/drift_{scheme}_s{seed}.h5. (A drift of the channel alone, drift_gain_db, stays inside the
   training range of h and is not detected; drift_size = 2 overloads the cell, whose queues then grow
   under every policy.)

DIR/index.csv: one row per run: experiment (eval|drift), scheme, policy, policy_args, seed, trace
(relative to DIR), status (mecsim's exit code), wall_s. Resumable: existing models and traces are
kept. Exit 1, listing the failed runs, if any failed. Numbers for the figures come from the traces.
"""
import argparse
import os
import subprocess
import sys

from run_log import run_batch, run_logged

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, os.pardir, "platforms", "generate_memtl.py")
PY = "/usr/bin/python3"
FIELDS = ["experiment", "scheme", "policy", "policy_args", "seed", "trace", "status", "wall_s"]

# the cell's system and input distributions, as mecsim-train-memtl options (docstring, item 1)
NOISE_W = 10 ** ((-174 - 30) / 10) * 1e6
CELL_DATA = ["--channel", "orthogonal", "--param", "bandwidth=1e6", "--param", "noise_w=%.9g" % NOISE_W,
             "--param", "p_up=0.3", "--param", "f_server=2.5e9", "--param", "kappa=1e-28",
             "--dist", "up_bits=uniform:1e4:2.5e5", "--dist", "f_local=uniform:3e8:1e9",
             "--dist", "h=log_uniform:5e-9:3e-5", "--dist", "alpha=const:0.5", "--dist", "deadline=const:1",
             "--dist", "cycles_per_bit=3000", "--dist", "down_ratio=0"]

EVAL = [("exhaustive", "exhaustive", "", False), ("memtl", "memtl", "", "memtl"), ("mtfnn", "mtfnn", "", "mtfnn"),
        ("local", "local", "", False), ("greedy", "greedy", "", False)]
DRIFT = [("exhaustive", "exhaustive", "", False),
         ("memtl-online", "memtl", "online=1", "memtl"), ("memtl", "memtl", "", "memtl"),
         ("mtfnn-online", "mtfnn", "online=1", "mtfnn"), ("mtfnn", "mtfnn", "", "mtfnn")]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--mecsim", required=True, help="the mecsim binary")
    ap.add_argument("--train", required=True, help="the mecsim-train-memtl binary")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--quick", action="store_true", help="a smoke run for the tests: 4000 samples, 3 epochs, "
                    "one seed, 20 slots (drift at 8 s, window 4)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel runs (default 2)")
    ap.add_argument("--seeds", default=None, help="evaluation seeds (default 101,102,103,104,105; --quick 101)")
    a = ap.parse_args(argv)
    a.seeds = [int(s) for s in (a.seeds or ("101" if a.quick else "101,102,103,104,105")).split(",") if s]
    if a.jobs < 1:
        ap.error("--jobs must be >= 1")
    return a


def train_models(a):
    d = os.path.join(a.out, "models")
    os.makedirs(d, exist_ok=True)
    data, models = os.path.join(d, "cell.h5"), {k: os.path.join(d, k + ".h5") for k in ("memtl", "mtfnn")}
    n, epochs = ("4000", "3") if a.quick else ("100000", "30")
    steps = [(data, [a.train, "gen", "--n-mt", "5", "--samples", n, "--seed", "1", "--out", data, "--progress", "0"]
              + CELL_DATA)]
    for kind in ("memtl", "mtfnn"):
        steps.append((models[kind], [a.train, "train", "--kind", kind, "--heads", "3", "--data", data, "--split",
                                     "random", "--test", "1000" if a.quick else "10000", "--epochs", epochs,
                                     "--seed", "1", "--out", models[kind], "--progress", "0"]))
    for out, cmd in steps:
        if os.path.exists(out):
            continue
        rc, wall = run_logged(cmd, out[:-3] + ".log")
        if rc != 0:
            sys.exit("memtl_runs: %s failed (exit %d), see %s" % (" ".join(cmd[:2]), rc, out[:-3] + ".log"))
        print("memtl_runs: %s (%.1f s)" % (os.path.relpath(out, a.out), wall), flush=True)
    return models


def write_cell(a, seed, slots):
    d = os.path.join(a.out, "cells")
    os.makedirs(d, exist_ok=True)
    plat, dep = (os.path.join(d, "s%d_%d.%s.xml" % (seed, slots, k)) for k in ("platform", "deployment"))
    if not (os.path.exists(plat) and os.path.exists(dep)):
        cmd = [PY, GEN, "--seed", str(seed), "--slots", str(slots), "--platform", plat + ".tmp",
               "--deployment", dep + ".tmp"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("memtl_runs: generate_memtl.py failed (%d): %s" % (p.returncode, p.stderr))
        os.replace(plat + ".tmp", plat)
        os.replace(dep + ".tmp", dep)
    return plat, dep


def plan(a, models):
    runs = []
    eval_slots, drift_slots = (20, 20) if a.quick else (100, 400)
    drift = ["--set", "drift_at=%g" % (8 if a.quick else 60), "--set", "drift_size=1.5"]
    online_extra = ",online_window=4,online_detect=4,online_epochs=3" if a.quick else ",online_window=128"
    for seed in a.seeds:
        for exp, schemes, slots, extra in (("eval", EVAL, eval_slots, []), ("drift", DRIFT, drift_slots, drift)):
            plat, dep = write_cell(a, seed, slots)
            for scheme, policy, pargs, model in schemes:
                if "online=1" in pargs:
                    pargs += online_extra
                trace = os.path.join("traces", "%s_%s_s%d.h5" % (exp, scheme, seed))
                cmd = [a.mecsim, plat, dep, "--quiet=1", "--trace=" + os.path.join(a.out, trace),
                       "--policy=" + policy, "--policy_args=" + pargs] + extra
                if model:
                    cmd.append("--model=" + models[model])
                runs.append(dict(experiment=exp, scheme=scheme, policy=policy, policy_args=pargs, seed=seed,
                                 trace=trace, cmd=cmd))
    return runs


def main(argv):
    a = parse_args(argv)
    a.mecsim, a.train, a.out = (os.path.abspath(x) for x in (a.mecsim, a.train, a.out))
    for b in (a.mecsim, a.train):
        if not os.access(b, os.X_OK):
            sys.exit("memtl_runs: %s is not an executable" % b)
    os.makedirs(os.path.join(a.out, "traces"), exist_ok=True)
    models = train_models(a)
    runs = plan(a, models)
    todo = [r for r in runs if not os.path.exists(os.path.join(a.out, r["trace"]))]
    print("memtl_runs: %d runs, %d to do; seeds %s" % (len(runs), len(todo), ",".join(map(str, a.seeds))),
          flush=True)
    failed = run_batch("memtl_runs", runs, a.out, FIELDS, a.jobs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
