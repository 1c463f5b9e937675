"""What analysis/mobility_runs.py and analysis/handover_runs.py share: runs of generated cells against
the devices' speed (docs/mobility.md, "Delay against speed", "Handovers against speed").

    a = parse_args(argv, doc, speeds="0,1,5", n_md=200, quick=("0,15", "1", 40, 4))
    plat, dep = generate_cell(a.out, "v5_s1", ["--n-md", "200", ...] + mobility_args(5), who="mobility_runs")
    sys.exit(run_all("mobility_runs", a, plan(a), FIELDS))
    index, rows = load_runs(directory, run_row)

Cells are written once by platforms/generate.py into DIR/cells (resumable, written under .tmp names
and renamed), runs by analysis/run_log.py's run_batch into DIR/index.csv.
"""
import argparse
import os
import subprocess
import sys

import pandas as pd

from run_log import run_batch

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, os.pardir, "platforms", "generate.py")
PY = "/usr/bin/python3"


def parse_args(argv, doc, speeds, n_md, quick):
    """--mecsim, --out, --speeds (m/s, 0 = static), --seeds, --n-md, --tasks, --jobs, --quick; quick is
    (speeds, seeds, n_md, tasks) of --quick. Speeds and seeds come back as lists."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=doc)
    ap.add_argument("--mecsim", required=True, help="the mecsim binary")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--speeds", default=speeds, help="device speeds, m/s (0 = static; default %s)" % speeds)
    ap.add_argument("--seeds", default="1,2,3", help="cell and run seeds (default 1,2,3)")
    ap.add_argument("--n-md", type=int, default=n_md, help="devices (default %d)" % n_md)
    ap.add_argument("--tasks", type=int, default=20, help="tasks per device (default 20)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel runs (default 2)")
    ap.add_argument("--quick", action="store_true", help="test size: %d devices, %d tasks, speeds %s, seed %s"
                    % (quick[2], quick[3], quick[0], quick[1]))
    a = ap.parse_args(argv)
    if a.quick:
        a.speeds, a.seeds, a.n_md, a.tasks = quick
    try:
        a.speeds = [float(s) for s in a.speeds.split(",") if s]
        a.seeds = [int(s) for s in a.seeds.split(",") if s]
    except ValueError:
        ap.error("--speeds must be numbers (m/s) and --seeds integers")
    if not a.speeds or not a.seeds or any(s < 0 for s in a.speeds):
        ap.error("--speeds (>= 0) and --seeds must not be empty")
    if a.jobs < 1 or a.n_md < 1 or a.tasks < 1:
        ap.error("--jobs, --n-md and --tasks must be >= 1")
    a.mecsim, a.out = os.path.abspath(a.mecsim), os.path.abspath(a.out)
    return a


def mobility_args(speed, update=None):
    """generate.py's options for a speed: static at 0, else random waypoint at const:speed, no pause."""
    if speed == 0:
        return ["--mobility", "static"]
    extra = ["--mobility-update", "%g" % update] if update is not None else []
    return ["--mobility", "rwp", "--speed", "const:%g" % speed, "--pause", "const:0", *extra]


def generate_cell(out, name, gen_args, who):
    """DIR/cells/NAME.platform.xml and .deployment.xml written by generate.py with gen_args (once: an
    existing pair is kept). Returns (platform, deployment), absolute paths."""
    d = os.path.join(out, "cells")
    os.makedirs(d, exist_ok=True)
    plat, dep = os.path.join(d, name + ".platform.xml"), os.path.join(d, name + ".deployment.xml")
    if not (os.path.exists(plat) and os.path.exists(dep)):
        cmd = [PY, GEN, *gen_args, "--platform", plat + ".tmp", "--deployment", dep + ".tmp"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("%s: generate.py failed (%d): %s" % (who, p.returncode, p.stderr))
        os.replace(plat + ".tmp", plat)
        os.replace(dep + ".tmp", dep)
    return plat, dep


def mecsim_cmd(a, plat, dep, trace, policy, policy_args):
    """The command of one run, its trace at DIR/trace."""
    return [a.mecsim, plat, dep, "--quiet=1", "--trace=" + os.path.join(a.out, trace), "--policy=" + policy,
            "--policy_args=" + policy_args]


def run_all(who, a, runs, fields):
    """Runs what is not done yet (run_batch); prints what it does. 0, or 1 if a run failed."""
    if not os.access(a.mecsim, os.X_OK):
        sys.exit("%s: %s is not an executable" % (who, a.mecsim))
    os.makedirs(os.path.join(a.out, "traces"), exist_ok=True)
    todo = [r for r in runs if not os.path.exists(os.path.join(a.out, r["trace"]))]
    print("%s: %d runs, %d to do; %d devices, %d tasks each, speeds %s m/s, seeds %s" %
          (who, len(runs), len(todo), a.n_md, a.tasks, ",".join("%g" % s for s in a.speeds),
           ",".join(map(str, a.seeds))), flush=True)
    if run_batch(who, runs, a.out, fields, a.jobs):
        return 1
    print("%s: done, index %s" % (who, os.path.join(a.out, "index.csv")), flush=True)
    return 0


def load_runs(directory, run_row):
    """index.csv of a runs directory with run_row(trace path) of every ok run: one row per run, the
    index's columns then run_row's."""
    index = pd.read_csv(os.path.join(directory, "index.csv"), keep_default_na=False, na_values=[""])
    index["policy_args"] = index["policy_args"].fillna("")
    rows = [dict(r, **run_row(os.path.join(directory, r["trace"])))
            for r in index[index["status"] == 0].to_dict("records")]
    return index, pd.DataFrame(rows)
