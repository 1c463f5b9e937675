"""run_logged: one command of a batch of simulation or training runs, with its output, exit code and wall
time kept in a log file next to what it writes; run_batch: the missing runs of a batch, in parallel, and
the batch's index.csv (used by memtl_runs.py, bcos_runs.py and tpos_load_runs.py)."""
import concurrent.futures as cf
import csv
import os
import subprocess
import sys
import time


def run_logged(cmd, log):
    """Runs cmd (one BLAS thread, so that reruns are bit-identical) and writes LOG: wall time, exit code,
    the command line, then its stdout and stderr. Returns (exit code, wall seconds)."""
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    wall = time.time() - t0
    with open(log, "w") as f:
        f.write("# wall %.3f s\n# exit %d\n# %s\n%s%s" % (wall, p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return p.returncode, wall


def run_batch(name, runs, out, fields, jobs):
    """Runs each run of `runs` (dicts with "cmd" and "trace", relative to OUT) whose trace does not exist
    yet, JOBS at a time, each logged next to its trace (TRACE.log); runs that share a trace run once.
    Writes OUT/index.csv (the FIELDS of every run, status = mecsim's exit code, wall_s; a run kept from
    before has status 0 and wall NaN) through a temporary file. Returns the sorted list of failed traces,
    after printing them on stderr under NAME."""
    todo = {r["trace"]: r for r in runs if not os.path.exists(os.path.join(out, r["trace"]))}
    result = {}
    with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = {ex.submit(run_logged, r["cmd"], os.path.join(out, r["trace"][:-3] + ".log")): r
                for r in todo.values()}
        for fu in cf.as_completed(futs):
            r = futs[fu]
            rc, wall = result[r["trace"]] = fu.result()
            print("  %s: %s (%.2f s)" % (r["trace"], "ok" if rc == 0 else "FAILED exit %d" % rc, wall), flush=True)
    with open(os.path.join(out, "index.csv.tmp"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in runs:
            rc, wall = result.get(r["trace"], (0, float("nan")))
            w.writerow(dict(r, status=rc, wall_s="%.3f" % wall))
    os.replace(os.path.join(out, "index.csv.tmp"), os.path.join(out, "index.csv"))
    failed = sorted({t for t, (rc, _) in result.items() if rc != 0})
    if failed:
        print("%s: %d runs FAILED (logs next to the traces): %s" % (name, len(failed), ", ".join(failed)),
              file=sys.stderr)
    return failed
