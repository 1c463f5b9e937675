#!/usr/bin/python3
"""Produces the BCOS simulation runs that analysis/bcos_figures.ipynb reads (docs/reproductions.md, "BCOS"),
and reduces a run's trace to one row per slot (slot_table), which the notebook and the tests use.

    /usr/bin/python3 analysis/bcos_runs.py --mecsim build/mecsim --models runs/bcos/models \\
        --out runs/bcos/sim [--ks 4,6,...,20] [--ts 0.3,...,1.6] [--k-t 14] [--seeds 101,102,103] \\
        [--slots 100] [--jobs 2]

Cells (platforms/generate_bcos.py): K MDs, slot T, one task per MD per slot replayed from a task file,
Rayleigh fading redrawn every slot; the cell's seed draws f_k, C_k, B_k and the fading, and is never a
training seed (the models are trained on the trainer's own stream, seed 1). Two sets:
  - "K" (Fig. 4): K in --ks at T = 0.5 s;
  - "T" (Figs. 5-6): K = --k-t at T in --ts (Fig. 6 is T = 1 s).
Every cell runs with each scheme of SCHEMES: mcos, pcos and bcos with the model trained for its K and
T (--models DIR/K{K}_T{T}.h5, from scripts/reproduce_bcos.sh), both with the TDMA windows the t-network
gives (the paper) and with windows fitted to the uploads (windows=upload), and the exact optimum
bcos-opt where K <= 16. guard = 1 ms for all (docs/bcos.md section 4).

DIR/index.csv: one row per run: set, K, T, seed, scheme, policy, policy_args, trace (relative to DIR),
status (mecsim's exit code), wall_s. Resumable: existing traces are kept. Exit 1, listing the failed
runs, if any failed. Numbers for the figures come from the traces (slot_table).
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
GEN = os.path.join(HERE, os.pardir, "platforms", "generate_bcos.py")
PY = "/usr/bin/python3"
FIELDS = ["set", "K", "T", "seed", "scheme", "policy", "policy_args", "trace", "status", "wall_s"]
GUARD = 0.001
OPT_MAX_K = 16  # bcos-opt's limit (BCOS_OPT_MAX_K)
# scheme -> (policy, extra policy args, needs a model)
SCHEMES = {
    "mcos": ("mcos", "", False),
    "pcos": ("pcos", "", True),
    "pcos-fit": ("pcos", "windows=upload", True),
    "bcos": ("bcos", "", True),
    "bcos-fit": ("bcos", "windows=upload", True),
    "optimum": ("bcos-opt", "", False),
}
REL_TOL = 1e-6  # an upload longer than its window by more than this (relative) violates C5


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--mecsim", required=True, help="the mecsim binary")
    ap.add_argument("--models", required=True, help="directory of the models K{K}_T{T}.h5")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--ks", default="4,6,8,10,12,14,16,18,20", help="K of the K set (T = 0.5 s)")
    ap.add_argument("--ts", default="0.3,0.4,0.5,0.6,0.8,1.0,1.2,1.4,1.6", help="T of the T set, s")
    ap.add_argument("--k-t", default="14", help="K of the T set (default 14)")
    ap.add_argument("--seeds", default="101,102,103", help="cell seeds (default 101,102,103)")
    ap.add_argument("--slots", type=int, default=100, help="slots per run (default 100)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel runs (default 2)")
    a = ap.parse_args(argv)
    a.ks = [k for k in a.ks.split(",") if k]
    a.ts = [t for t in a.ts.split(",") if t]
    a.seeds = [int(s) for s in a.seeds.split(",") if s]
    for k in a.ks + [a.k_t]:
        if not k.isdigit() or int(k) < 1:
            ap.error("K must be a positive integer, got %r" % k)
    for t in a.ts:
        try:
            if not float(t) > GUARD:
                raise ValueError
        except ValueError:
            ap.error("T must be a number of seconds > %g, got %r" % (GUARD, t))
    if a.jobs < 1 or a.slots < 1 or not a.seeds:
        ap.error("--jobs and --slots must be >= 1 and --seeds not empty")
    return a


def write_cell(a, k, t, seed):
    """The cell of K MDs, slot T and a seed: platform, deployment and task file (absolute path)."""
    d = os.path.join(a.out, "cells")
    os.makedirs(d, exist_ok=True)
    base = os.path.join(d, "K%s_T%s_s%d" % (k, t, seed))
    plat, dep, tasks = base + ".platform.xml", base + ".deployment.xml", base + ".tasks.csv"
    if not all(os.path.exists(f) for f in (plat, dep, tasks)):
        cmd = [PY, GEN, "--n-md", k, "--slot", t, "--seed", str(seed), "--slots", str(a.slots),
               "--platform", plat + ".tmp", "--deployment", dep + ".tmp", "--task-file", tasks + ".tmp",
               "--task-file-ref", tasks]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("bcos_runs: generate_bcos.py failed (%d): %s" % (p.returncode, p.stderr))
        for f in (plat, dep, tasks):
            os.replace(f + ".tmp", f)
    return plat, dep


def plan(a):
    cells = [("K", k, "0.5") for k in a.ks] + [("T", a.k_t, t) for t in a.ts]
    runs, seen = [], set()
    for set_name, k, t in cells:
        for seed in a.seeds:
            plat, dep = write_cell(a, k, t, seed)
            for scheme, (policy, extra, needs_model) in SCHEMES.items():
                if scheme == "optimum" and int(k) > OPT_MAX_K:
                    continue
                trace = os.path.join("traces", "K%s_T%s_s%d_%s.h5" % (k, t, seed, scheme))
                if trace in seen:  # K = k_t, T = 0.5 is in both sets
                    runs.append(dict(next(r for r in runs if r["trace"] == trace), set=set_name))
                    continue
                seen.add(trace)
                pargs = ",".join(x for x in ("guard=%g" % GUARD, extra) if x)
                cmd = [a.mecsim, plat, dep, "--quiet=1", "--trace=" + os.path.join(a.out, trace),
                       "--policy=" + policy, "--policy_args=" + pargs]
                if needs_model:
                    model = os.path.join(a.models, "K%s_T%s.h5" % (k, t))
                    if not os.path.exists(model):
                        sys.exit("bcos_runs: no model %s (scripts/reproduce_bcos.sh trains it)" % model)
                    cmd.append("--model=" + model)
                runs.append(dict(set=set_name, K=int(k), T=float(t), seed=seed, scheme=scheme, policy=policy,
                                 policy_args=pargs, trace=trace, cmd=cmd))
    return runs


def slot_table(path):
    """One row per slot of a BCOS cell's trace: slot index; K (tasks); energy (J, the MDs' weighted sum,
    beta = 1); offloaders (MDs that uploaded something); sum_tx (s, the sum of the uploads' realised
    durations, Fig. 6's "sum of realistic task offloading time"); sum_window (s, the windows allocated);
    frame_end (s from the decision's end to the end of the slot's last upload); c5 (an upload longer than
    its window, relative tolerance REL_TOL), c1 (sum_tx > T, the paper's per-slot delay constraint),
    missed (tasks past their deadline T); makespan (s, the last task's done - arrival: local executions
    included); decide_s (the decision's simulated time). T is the run's slot knob."""
    with h5py.File(path, "r") as f:
        t = f["tasks"][()]
        T = float(f.attrs["cfg.slot"].decode() if isinstance(f.attrs["cfg.slot"], bytes) else f.attrs["cfg.slot"])
    slot = np.round(t["arrival"] / T).astype(np.int64)
    off = t["target"] > 0
    up = np.where(off, t["up_end"] - t["up_start"], 0.0)
    win = np.where(off, t["tx_window"], 0.0)
    c5 = off & (up > win * (1 + REL_TOL) + 1e-12)
    df = pd.DataFrame({"slot": slot, "energy": t["energy_local_j"] + t["energy_tx_j"], "off": off, "up": up,
                       "win": win, "c5": c5, "missed": t["missed"] != 0,
                       "frame_end": np.where(off, t["up_end"] - t["decide_end"], 0.0),
                       "makespan": t["done"] - t["arrival"], "decide_s": t["decide_end"] - t["decide_start"]})
    g = df.groupby("slot")
    out = pd.DataFrame({"K": g.size(), "energy": g["energy"].sum(), "offloaders": g["off"].sum(),
                        "sum_tx": g["up"].sum(), "sum_window": g["win"].sum(), "frame_end": g["frame_end"].max(),
                        "c5": g["c5"].any(), "missed": g["missed"].sum(), "makespan": g["makespan"].max(),
                        "decide_s": g["decide_s"].max()})
    out["c1"] = out["sum_tx"] > T * (1 + REL_TOL)
    out["T"] = T
    return out.reset_index()


def load_runs(directory):
    """index.csv of a runs directory with every ok run's slot table concatenated: one row per (run, slot),
    with the index's columns (set, K, T, seed, scheme, ...)."""
    index = pd.read_csv(os.path.join(directory, "index.csv"))
    frames = []
    for _, r in index[index["status"] == 0].iterrows():
        st = slot_table(os.path.join(directory, r["trace"])).drop(columns=["K", "T"])
        for col in ("set", "K", "T", "seed", "scheme", "trace"):
            st[col] = r[col]
        frames.append(st)
    return index, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def main(argv):
    a = parse_args(argv)
    a.mecsim, a.models, a.out = (os.path.abspath(x) for x in (a.mecsim, a.models, a.out))
    if not os.access(a.mecsim, os.X_OK):
        sys.exit("bcos_runs: %s is not an executable" % a.mecsim)
    os.makedirs(os.path.join(a.out, "traces"), exist_ok=True)
    runs = plan(a)
    todo = {r["trace"]: r for r in runs if not os.path.exists(os.path.join(a.out, r["trace"]))}
    print("bcos_runs: %d runs, %d to do; K %s, T %s (K = %s), seeds %s" %
          (len({r["trace"] for r in runs}), len(todo), ",".join(a.ks), ",".join(a.ts), a.k_t,
           ",".join(map(str, a.seeds))), flush=True)
    if run_batch("bcos_runs", runs, a.out, FIELDS, a.jobs):
        return 1
    print("bcos_runs: done, index %s" % os.path.join(a.out, "index.csv"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
