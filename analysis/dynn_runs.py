#!/usr/bin/python3
"""Produces the DyNN simulation traces that analysis/dynn_figures.ipynb reads (Ma et al., Section V).

    /usr/bin/python3 analysis/dynn_runs.py --mecsim build/mecsim --model dynn.h5 --out runs/dynn \\
        [--quick] [--jobs 2] [--seeds 101,102,103] [--slots 100] [--figs 4,5,7] [--fig12-csv fig12.csv]

The model comes from `mecsim-train-dynn all --out dynn.h5`. Each run is one mecsim simulation of a
DyNN cell written by platforms/generate_dynn.py (N users whose distance ~ U[5, 500] m and local CPU
~ U[0.01, 0.15] GHz are drawn from the seed, one server, one task per user per slot of 0.2 s,
decisions per slot); the seed is also the run's seed (tasks, deadlines, fading). Evaluation seeds
are 101, 102, 103 by default: distinct from the training, which draws its slots from
mecsim-train-dynn's own streams (--seed 1, held-out --eval-seed 1000000), so no evaluated slot was
seen in training. A scheme is evaluated on the same cells (same seed) as every other scheme.

Runs (trace DIR/traces/NAME.h5, log NAME.log next to it):
  Fig. 4     sched=all no_local=1 alloc=fix k=1..K l=1..L at Table II (N = 30):   fig4_k{k}_l{l}_s{seed}
  Figs. 5-6  users without computing power (no_local=1, every task offloaded): PolicyMoE, Fix width
             MoE, Fix depth MoE, Fix MoE, Static model, GA, and the reference "Equal split (not in the
             paper)" (dynn-equal), over four axes: data size s_avg, complexity c_avg, users N,
             server power f_ser (= f_infer); the other parameters at Table II's values:
             nocpu_{scheme}_{cell}_s{seed}
  Figs. 7-9  users having computing power: PMRL, RL + Fix width / Fix depth / Fix MoE / Static,
             Rand + PolicyMoE / Fix MoE / Static, Local execution, GA (joint):
             cpu_{scheme}_{cell}_s{seed}
  Figs. 10-11 use the data-size runs of Figs. 5 and 7; Fig. 12 the CSV of `mecsim-train-dynn fig12`
             (--fig12-csv, copied to DIR/fig12.csv); the training-curve figure the CSV of
             `mecsim-train-dynn --curve` (--curve-csv, copied to DIR/curve.csv).
The Table II point of the four axes (s_avg 1000, c_avg 797.5, N 30, f_ser 2.5 GHz) is one cell: it
is run once per scheme and seed, and index.csv lists its trace under each axis.

DIR/index.csv: one row per (figure, case, axis, value, scheme, seed): fig, case (nocpu|cpu), axis
(data|complexity|users|server; Fig. 4: k), value, label (the paper's scheme name), policy,
policy_args, seed, n_md, trace (relative to DIR), status (mecsim's exit code; 0 = ok), wall_s.
Resumable: a run whose trace exists is not run again (its wall time is read from its log). Exit 1,
listing the failed runs, if any run failed. Numbers for the figures come from the traces only.
"""
import argparse
import concurrent.futures as cf
import csv
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, os.pardir, "platforms", "generate_dynn.py")
PY = "/usr/bin/python3"

TABLE2 = dict(data=1000.0, complexity=797.5, users=30, server=2.5e9)
AXES = dict(data=[500, 1000, 1500, 2000, 2500],
            complexity=[400, 600, 797.5, 1000, 1200],
            users=[10, 20, 30, 40, 50],
            server=[1.5e9, 2e9, 2.5e9, 3e9, 3.5e9])

# (id, label, policy, policy_args, needs the model)
NOCPU = [
    ("policymoe", "PolicyMoE", "dynn", "sched=all,no_local=1,alloc=policy", True),
    ("fixwidth", "Fix width MoE", "dynn", "sched=all,no_local=1,alloc=fix-width", True),
    ("fixdepth", "Fix depth MoE", "dynn", "sched=all,no_local=1,alloc=fix-depth", True),
    ("fixmoe", "Fix MoE", "dynn", "sched=all,no_local=1,alloc=fix", True),
    ("static", "Static model", "dynn", "sched=all,no_local=1,alloc=static", True),
    ("ga", "GA", "dynn-ga", "no_local=1", False),
    ("equal", "Equal split (not in the paper)", "dynn-equal", "sched=all,no_local=1", False),
]
CPU = [
    ("pmrl", "PMRL", "dynn", "sched=rl,alloc=policy", True),
    ("rl-fixwidth", "RL + Fix width MoE", "dynn", "sched=rl,alloc=fix-width", True),
    ("rl-fixdepth", "RL + Fix depth MoE", "dynn", "sched=rl,alloc=fix-depth", True),
    ("rl-fixmoe", "RL + Fix MoE", "dynn", "sched=rl,alloc=fix", True),
    ("rl-static", "RL + Static model", "dynn", "sched=rl,alloc=static", True),
    ("rand-policymoe", "Rand + PolicyMoE", "dynn", "sched=rand,alloc=policy", True),
    ("rand-fixmoe", "Rand + Fix MoE", "dynn", "sched=rand,alloc=fix", True),
    ("rand-static", "Rand + Static model", "dynn", "sched=rand,alloc=static", True),
    ("local", "Local execution", "local", "", False),
    ("ga", "GA", "dynn-ga", "joint=1", False),
]
QUICK_NOCPU = {"policymoe", "fixmoe", "static", "ga"}
QUICK_CPU = {"pmrl", "rl-fixmoe", "local", "ga"}

FIELDS = ["fig", "case", "axis", "value", "label", "policy", "policy_args", "seed", "n_md", "trace", "status",
          "wall_s"]


def est_wall(policy, n_md, slots):
    """Rough single-core wall time of one run on a Release build, s, calibrated on the project's
    2-core machine while busy (the default sweep took 20 min there): ~0.3 s start-up, ~4 ms per slot
    of 30 users for the networks; the GA ~120 ms per slot of 30 users, growing as N^2.5 (6 N
    individuals of N genes, and more iterations to converge)."""
    r = n_md / 30.0
    if policy == "dynn-ga":
        return 0.3 + 0.12 * r ** 2.5 * slots
    return 0.3 + 0.004 * r * slots


def cell_tag(c):
    return "N%d_s%g_c%g_f%g" % (c["users"], c["data"], c["complexity"], c["server"])


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--mecsim", required=True, help="the mecsim binary")
    ap.add_argument("--model", default="", help="trained model file (mecsim-train-dynn all --out); "
                    "needed unless only model-free runs are asked for")
    ap.add_argument("--out", required=True, help="output directory (traces, cells, index.csv)")
    ap.add_argument("--quick", action="store_true",
                    help="2 axis values (the lowest and Table II's), 1 seed, 5 slots, 4 schemes per case "
                         "(PolicyMoE, Fix MoE, Static, GA; PMRL, RL + Fix MoE, Local, GA; the GA cut to "
                         "max_iter=40), Fig. 4 at "
                         "k in {1, K}, l in {1, L} (for the test)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel mecsim runs (default 2)")
    ap.add_argument("--seeds", default=None, help="evaluation seeds, comma-separated (default 101,102,103; "
                    "--quick: 101)")
    ap.add_argument("--slots", type=int, default=None, help="slots per run (tasks per user; default 100, "
                    "--quick: 5)")
    ap.add_argument("--figs", default="4,5,7", help="figures to produce runs for: 4, 5 (= 6, 10, 11 no-CPU "
                    "case), 7 (= 8, 9, 10, 11 CPU case); default 4,5,7")
    ap.add_argument("--K", type=int, default=10, help="experts of the MoE (Fig. 4 sweep; Table II: 10)")
    ap.add_argument("--L", type=int, default=3, help="expert depth (Fig. 4 sweep; Table II: 3)")
    ap.add_argument("--fig12-csv", default=None, help="CSV of mecsim-train-dynn fig12 --csv, copied to "
                    "DIR/fig12.csv")
    ap.add_argument("--curve-csv", default=None, help="training curve of mecsim-train-dynn --curve, copied to "
                    "DIR/curve.csv (the notebook's training-curve figure)")
    ap.add_argument("--dry-run", action="store_true", help="print the plan and the estimate, run nothing")
    a = ap.parse_args(argv)
    a.seeds = [int(s) for s in (a.seeds or ("101" if a.quick else "101,102,103")).split(",") if s]
    if a.slots is None:
        a.slots = 5 if a.quick else 100
    figs = set()
    for f in a.figs.split(","):
        f = f.strip()
        if not f:
            continue
        if f not in {"4", "5", "6", "7", "8", "9", "10", "11", "12"}:
            ap.error("--figs: '%s' is not one of 4..12" % f)
        figs |= {"4"} if f == "4" else {"5"} if f in ("5", "6") else {"7"} if f in ("7", "8", "9") else \
            {"5", "7"} if f in ("10", "11") else set()
    a.figs = figs
    if a.jobs < 1:
        ap.error("--jobs must be >= 1")
    if any(s < 101 for s in a.seeds):
        print("dynn_runs: warning: seeds below 101 may coincide with a training seed; the evaluation "
              "seeds are meant to be 101+", file=sys.stderr)
    return a


def plan(a):
    """Cells to write and runs to do. Returns (cells {tag: params}, runs {trace: run}, rows)."""
    cells, runs, rows = {}, {}, []
    # --quick: the lowest value and Table II's, so that the four axes share one cell
    axes = {k: ([v[0], TABLE2[k]] if a.quick else v) for k, v in AXES.items()}

    def add(fig, case, axis, value, sid, label, policy, pargs, needs_model, cell, seed, trace_name):
        tag = cell_tag(cell) + "_s%d" % seed
        cells[tag] = dict(cell, seed=seed)
        trace = os.path.join("traces", trace_name + ".h5")
        runs.setdefault(trace, dict(trace=trace, cell=tag, policy=policy, policy_args=pargs,
                                    needs_model=needs_model, n_md=cell["users"]))
        rows.append(dict(fig=fig, case=case, axis=axis, value=value, label=label, policy=policy,
                         policy_args=pargs, seed=seed, n_md=cell["users"], trace=trace))

    for seed in a.seeds:
        if "4" in a.figs:
            ks = [1, a.K] if a.quick else range(1, a.K + 1)
            ls = [1, a.L] if a.quick else range(1, a.L + 1)
            for k in ks:
                for l in ls:
                    add("4", "nocpu", "k", k, "fix-k%d-l%d" % (k, l), "Fix MoE l=%d" % l, "dynn",
                        "sched=all,no_local=1,alloc=fix,k=%d,l=%d" % (k, l), True, dict(TABLE2), seed,
                        "fig4_k%d_l%d_s%d" % (k, l, seed))
        for fig, case, schemes, quick_set in (("5-6", "nocpu", NOCPU, QUICK_NOCPU), ("7-9", "cpu", CPU, QUICK_CPU)):
            if fig[0] not in a.figs:
                continue
            for sid, label, policy, pargs, needs_model in schemes:
                if a.quick and sid not in quick_set:
                    continue
                if a.quick and policy == "dynn-ga":
                    pargs += ",max_iter=40"  # a smoke test: the GA's 200 iterations take ~1.5 s a slot under ASan
                for axis, values in axes.items():
                    for v in values:
                        cell = dict(TABLE2)
                        cell[axis] = v
                        add(fig, case, axis, v, sid, label, policy, pargs, needs_model, cell, seed,
                            "%s_%s_%s_s%d" % (case, sid, cell_tag(cell), seed))
    return cells, runs, rows


def write_cell(a, tag, c):
    d = os.path.join(a.out, "cells")
    plat, dep = os.path.join(d, tag + ".platform.xml"), os.path.join(d, tag + ".deployment.xml")
    if not (os.path.exists(plat) and os.path.exists(dep)):
        cmd = [PY, GEN, "--n-md", "%d" % c["users"], "--seed", "%d" % c["seed"], "--server-speed", "%g" % c["server"],
               "--s-avg", "%g" % c["data"], "--c-avg", "%g" % c["complexity"], "--slots", "%d" % a.slots,
               "--platform", plat + ".tmp", "--deployment", dep + ".tmp"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("dynn_runs: generate_dynn.py failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr))
        os.replace(plat + ".tmp", plat)
        os.replace(dep + ".tmp", dep)
    return plat, dep


def read_wall(log):
    try:
        with open(log) as f:
            for line in f:
                if line.startswith("# wall "):
                    return float(line.split()[2])
    except (OSError, ValueError, IndexError):
        pass
    return float("nan")


def run_one(a, r, plat, dep):
    trace = os.path.join(a.out, r["trace"])
    log = trace[:-3] + ".log"
    cmd = [a.mecsim, plat, dep, "--quiet=1", "--trace=" + trace, "--policy=" + r["policy"],
           "--policy_args=" + r["policy_args"]]
    if r["needs_model"]:
        cmd.append("--model=" + a.model)
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    wall = time.time() - t0
    with open(log, "w") as f:
        f.write("# wall %.3f s\n# exit %d\n# %s\n%s%s" % (wall, p.returncode, " ".join(cmd), p.stdout, p.stderr))
    err = [l for l in p.stderr.splitlines() if l.strip() and "ASan" not in l and "sanitizers" not in l
           and "False positive" not in l]
    return p.returncode, wall, (err[-1] if err else "")


def main(argv):
    a = parse_args(argv)
    a.mecsim = os.path.abspath(a.mecsim)
    if not os.access(a.mecsim, os.X_OK):
        sys.exit("dynn_runs: %s is not an executable" % a.mecsim)
    cells, runs, rows = plan(a)
    if any(r["needs_model"] for r in runs.values()):
        if not a.model or not os.path.isfile(a.model):
            sys.exit("dynn_runs: --model: no model file '%s' (train one: mecsim-train-dynn all --out dynn.h5)"
                     % a.model)
        a.model = os.path.abspath(a.model)
    os.makedirs(os.path.join(a.out, "cells"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "traces"), exist_ok=True)
    for src, name in ((a.fig12_csv, "fig12.csv"), (a.curve_csv, "curve.csv")):
        if src and os.path.abspath(src) != os.path.abspath(os.path.join(a.out, name)):
            shutil.copyfile(src, os.path.join(a.out, name))
    todo = [r for t, r in runs.items() if not os.path.exists(os.path.join(a.out, t))]
    est = sum(est_wall(r["policy"], r["n_md"], a.slots) for r in todo)
    est_ga = sum(est_wall(r["policy"], r["n_md"], a.slots) for r in todo if r["policy"] == "dynn-ga")
    print("dynn_runs: %d index rows, %d distinct runs, %d to do (%d traces exist), %d cells; seeds %s, %d slots; "
          "estimate %.0f s of CPU (GA %.0f s), ~%.1f min on %d jobs (Release build; an ASan build is several "
          "times slower)" % (len(rows), len(runs), len(todo), len(runs) - len(todo), len(cells),
                             ",".join(map(str, a.seeds)), a.slots, est, est_ga, est / a.jobs / 60, a.jobs),
          flush=True)
    if a.dry_run:
        return 0
    paths = {tag: write_cell(a, tag, c) for tag, c in cells.items()}
    result = {}
    for t, r in runs.items():
        if t not in {x["trace"] for x in todo}:
            result[t] = (0, read_wall(os.path.join(a.out, t[:-3] + ".log")))
    lock = threading.Lock()
    done = [0]
    t_start = time.time()
    # slowest first so that the jobs finish together
    todo.sort(key=lambda r: -est_wall(r["policy"], r["n_md"], a.slots))
    with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = {ex.submit(run_one, a, r, *paths[r["cell"]]): r for r in todo}
        for fu in cf.as_completed(futs):
            r = futs[fu]
            rc, wall, err = fu.result()
            result[r["trace"]] = (rc, wall)
            with lock:
                done[0] += 1
                el = time.time() - t_start
                print("[%d/%d %.0fs] %s %s %s: %s (%.2f s)" % (
                    done[0], len(todo), el, r["trace"], r["policy"], r["policy_args"],
                    "ok" if rc == 0 else "FAILED exit %d: %s" % (rc, err), wall), flush=True)
    with open(os.path.join(a.out, "index.csv.tmp"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for row in rows:
            rc, wall = result[row["trace"]]
            w.writerow(dict(row, status=rc, wall_s="%.3f" % wall))
    os.replace(os.path.join(a.out, "index.csv.tmp"), os.path.join(a.out, "index.csv"))
    failed = sorted(t for t, (rc, _) in result.items() if rc != 0)
    total = sum(w for _, w in result.values() if w == w)
    print("dynn_runs: %d runs (%d this time) in %.1f s of mecsim wall time, %.1f s elapsed -> %s/index.csv"
          % (len(runs), len(todo), total, time.time() - t_start, a.out))
    if failed:
        print("dynn_runs: %d runs FAILED (logs next to the traces):" % len(failed), file=sys.stderr)
        for t in failed:
            print("  %s (exit %d): see %s" % (t, result[t][0], os.path.join(a.out, t[:-3] + ".log")),
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
