#!/usr/bin/python3
"""Checks of a collected sweep, for test_sweep_parallel.sh and test_sweep_slurm.sh.

    sweep_check.py index SWEEP_DIR N_ROWS       index.h5 / index.csv typed, metrics == the traces'
    sweep_check.py same SWEEP_DIR_A SWEEP_DIR_B  two indexes of one spec agree (all but wall/RSS)
    sweep_check.py failed SWEEP_DIR RUN_PARAM_JSON ERROR_TEXT   that run failed with that error, the others done

The metrics are recomputed here from each trace with plain h5py + numpy, independently of
tools/mecsim_sweep.py. Prints "ok: ..." / "FAIL: ..." lines and a last line "__COUNTS__ pass fail".
"""
import csv
import json
import math
import os
import sys

import h5py
import numpy as np

results = []


def check(cond, what):
    results.append(bool(cond))
    print(("ok: " if cond else "FAIL: ") + what)


def read_index(d):
    with h5py.File(os.path.join(d, "index.h5"), "r") as f:
        runs = f["runs"][()]
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        units = f["runs"].attrs["units"]
    return runs, attrs, units


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def metrics_of(path):
    with h5py.File(path, "r") as f:
        t = f["tasks"][()]
        d = f["decisions"][()]
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    m = {"tasks": len(t), "decisions": len(d)}
    if len(t):
        delay = t["done"] - t["arrival"]
        m["mean_delay_s"] = delay.mean()
        m["p50_delay_s"] = np.quantile(delay, 0.5)
        m["p95_delay_s"] = np.quantile(delay, 0.95)
        m["p99_delay_s"] = np.quantile(delay, 0.99)
        m["energy_per_task_j"] = (t["energy_local_j"] + t["energy_tx_j"]).mean()
        dl = t["deadline"] > 0
        m["miss_ratio"] = t["missed"][dl].sum() / dl.sum() if dl.any() else math.nan
    if len(d):
        m["mean_decision_time_s"] = (d["done"] - d["time"]).mean()
    return m, attrs


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    return a == b


def cmd_index(d, n):
    runs, attrs, units = read_index(d)
    n = int(n)
    check(len(runs) == n, f"index.h5 has {len(runs)} rows (want {n})")
    names = runs.dtype.names
    with open(os.path.join(d, "plan.json")) as f:
        plan = json.load(f)
    swept = plan["swept"]
    kinds = {k: runs.dtype[k].kind for k in names}
    check(kinds["policy"] == "O" and kinds["rate"] == "f" and kinds["seed"] == "i",
          f"swept columns typed: policy {runs.dtype['policy']}, rate {runs.dtype['rate']}, seed {runs.dtype['seed']}")
    check(all(kinds[k] == "i" for k in ("tasks", "decisions", "exit_status", "run_index"))
          and all(kinds[k] == "f" for k in ("mean_delay_s", "p50_delay_s", "p95_delay_s", "p99_delay_s",
                                            "energy_per_task_j", "miss_ratio", "mean_decision_time_s",
                                            "wall_s", "peak_rss_mib")),
          "counts are int64 columns, metrics, wall time and RSS float64")
    check("mean_delay_s: s" in units and "peak_rss_mib: MiB" in units, "units attribute names the units")
    ids = [text(r["run_id"]) for r in runs]
    check(len(set(ids)) == n and [j["run_id"] for j in plan["jobs"]] == ids, "one row per planned run, in plan order")
    bad = []
    done = 0
    for r in runs:
        if text(r["status"]) != "done":
            continue
        done += 1
        path = os.path.join(d, text(r["trace"]))
        m, ta = metrics_of(path)
        for k, v in m.items():
            if not same(r[k], v):
                bad.append(f"{text(r['run_id'])} {k}: index {r[k]!r} trace {v!r}")
        if ta.get("sweep_id") != attrs["sweep_id"] or ta.get("sweep_run_id") != text(r["run_id"]):
            bad.append(f"{text(r['run_id'])}: trace attrs sweep_id {ta.get('sweep_id')!r} run {ta.get('sweep_run_id')!r}")
        params = json.loads(ta.get("sweep_params", "{}"))
        for k in swept:
            want = r[k].decode() if isinstance(r[k], bytes) else r[k]
            if not same(params.get(k), want if not isinstance(want, np.generic) else want.item()) or \
                    str(ta.get(f"sweep.{k}")) != (repr(float(want)) if kinds[k] == "f" else str(want)):
                bad.append(f"{text(r['run_id'])}: trace says {k} = {params.get(k)!r} / {ta.get('sweep.' + k)!r},"
                           f" index {want!r}")
        if not (r["wall_s"] > 0 and r["peak_rss_mib"] > 1 and r["exit_status"] == 0 and text(r["error"]) == ""):
            bad.append(f"{text(r['run_id'])}: wall {r['wall_s']} rss {r['peak_rss_mib']} exit {r['exit_status']}")
    check(not bad, f"metrics of {done} done runs equal the traces', and each trace's root attributes carry "
                   f"its sweep id, run id and parameters" + ("".join("\n    " + b for b in bad[:10])))
    # the CSV holds the same values, numbers as numbers
    with open(os.path.join(d, "index.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    bad = []
    for r, c in zip(runs, rows):
        for k in names:
            v = r[k]
            if kinds[k] == "O":
                ok = c[k] == text(v)
            elif kinds[k] == "i":
                ok = c[k] == str(int(v))
            else:
                ok = (c[k] == "" and math.isnan(v)) or (c[k] != "" and float(c[k]) == float(v))
            if not ok:
                bad.append(f"{text(r['run_id'])} {k}: csv {c[k]!r} h5 {v!r}")
    check(len(rows) == n and not bad, f"index.csv: {len(rows)} rows equal to index.h5" + "".join("\n    " + b for b in bad[:5]))


KEY_COLS = None


def cmd_same(a, b):
    ra, aa, _ = read_index(a)
    rb, ab, _ = read_index(b)
    check(aa["sweep_id"] == ab["sweep_id"], f"same sweep id {aa['sweep_id']} / {ab['sweep_id']}")
    skip = {"wall_s", "peak_rss_mib"}
    bad = []
    check(ra.dtype == rb.dtype, "same columns and types")
    for x, y in zip(ra, rb):
        for k in ra.dtype.names:
            if k in skip:
                continue
            if not same(x[k], y[k]) and not (isinstance(x[k], float) and math.isnan(x[k]) and math.isnan(y[k])):
                bad.append(f"{text(x['run_id'])} {k}: {x[k]!r} vs {y[k]!r}")
    check(len(ra) == len(rb) and not bad, f"the {len(ra)} rows agree (all columns but wall_s, peak_rss_mib)"
          + "".join("\n    " + s for s in bad[:10]))


def cmd_failed(d, params_json, err):
    runs, _, _ = read_index(d)
    want = json.loads(params_json)
    hit = [r for r in runs if all(same(r[k].decode() if isinstance(r[k], bytes) else r[k], v) for k, v in want.items())]
    check(len(hit) == 1, f"one row with {want}")
    if hit:
        r = hit[0]
        check(text(r["status"]) == "failed" and r["exit_status"] == 2 and err in text(r["error"])
              and r["tasks"] == -1 and math.isnan(r["mean_delay_s"]),
              f"the bad grid point is recorded as failed, exit {r['exit_status']}, error '{text(r['error'])}'")
    others = [r for r in runs if not any(r is h for h in hit)]
    others = [r for r in runs if text(r["run_id"]) != (text(hit[0]["run_id"]) if hit else "")]
    check(others and all(text(r["status"]) == "done" and r["tasks"] > 0 for r in others),
          f"the other {len(others)} runs are done with tasks")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        {"index": cmd_index, "same": cmd_same, "failed": cmd_failed}[cmd](*args)
    except Exception as e:  # a crash is a failed check, with its reason
        import traceback
        traceback.print_exc()
        check(False, f"{cmd}: {type(e).__name__}: {e}")
    print(f"__COUNTS__ {sum(results)} {len(results) - sum(results)}")
