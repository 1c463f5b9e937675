#!/bin/bash
# test_handover_notebook.sh MECSIM SRCDIR - the handovers-against-speed pipeline (docs/mobility.md,
# "Handovers against speed") end to end at toy size: analysis/handover_runs.py --quick (a corridor of 3
# BSs, 2 edge servers each and a cloud; 36 devices, 3 tasks each; static and random waypoint at 30 m/s;
# greedy / offload-nearest / random p_local=0; seed 1: 6 runs), then analysis/handover_figures.ipynb runs
# headless on it.
# Checks: every run ok; no error in the notebook; the figure and both CSVs written; handover_summary.csv
# has one row per (speed, policy) and its delays, handover rates, relayed shares, relay hop, cross-BS and
# cloud shares equal those recomputed here from the traces with h5py (server -> BS from the trace's
# deployment); static runs have no handover and no relay a handover caused (their relays are exactly their
# executions at another BS's server); the 30 m/s runs have handovers; offload-nearest never runs a task on
# another BS's server when static (nor relays a result); a second run of the script is a no-op.
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
# shellcheck source=lib_notebook.sh
. "$SRC/test/e2e/lib_notebook.sh"
nb_prelude
nb_runs handover_runs.py 6
nb_execute handover_figures.ipynb HANDOVER figs/handover_speed.png figs/handover_speed.csv runs/handover_summary.csv

if SRC=$SRC $PY - "$T" <<'EOF'; then ok "the notebook's numbers agree with the traces (see above)"; else ko "checks on the runs"; fi
import sys, os
import xml.etree.ElementTree as ET
import h5py, numpy as np, pandas as pd
T = sys.argv[1]
sys.path.insert(0, os.path.join(os.environ["SRC"], "test", "e2e"))
from nb_checks import Checks, notebook_errors  # noqa: E402
check = Checks()
txt = lambda v: v.decode() if isinstance(v, bytes) else str(v)
check(not notebook_errors(os.path.join(T, "out.ipynb")), "no error output in the notebook")
idx = pd.read_csv(os.path.join(T, "runs", "index.csv"))
check(len(idx) == 6 and (idx.status == 0).all() and idx.trace.nunique() == 6,
      "index.csv: 2 speeds x 3 policies, seed 1, all ok")
summ = pd.read_csv(os.path.join(T, "runs", "handover_summary.csv"))
want = {(v, p) for v in (0.0, 30.0) for p in ("greedy", "offload-nearest", "random")}
check(set(zip(summ.speed.astype(float), summ.policy)) == want and len(summ) == 6,
      "handover_summary.csv: one row per (speed, policy)")
fig = pd.read_csv(os.path.join(T, "figs", "handover_speed.csv"))
check(len(fig) == 6, "handover_speed.csv: 6 rows")

worst, n_tasks, n_ho = 0.0, 0, {}
static_ok = moving_ok = nearest_ok = cells_ok = True
for r in idx.itertuples():
    with h5py.File(os.path.join(T, "runs", r.trace), "r") as f:
        t = f["tasks"][()]
        ho = f["handovers"][()]
        n_md, end = int(f.attrs["n_md"]), float(f.attrs["end_time_s"])
        names = txt(f.attrs["bs_names"]).split(",")
        dep = ET.fromstring(txt(f.attrs["deployment_xml"]).encode())
        ho_attr = int(f.attrs["handovers"])
    # server id -> BS index, independently of handover_runs.server_bs: the bs prop, default the first BS
    sbs = {}
    for a in dep.iter("actor"):
        if a.get("function") == "edge_server":
            p = {q.get("id"): q.get("value") for q in a.iter("prop")}
            sbs[int(p["id"])] = -1 if p.get("tier") == "cloud" else names.index(p.get("bs", names[0]))
    n_tasks += len(t)
    d = t["done"] - t["arrival"]
    off = (t["tier"] > 0) & (t["down_bs"] >= 0)
    rel = off & ~np.isnan(t["down_relay_start"])
    moved = off & (t["down_bs"] != t["up_bs"])
    edge = t["tier"] == 1
    cross = np.array([sbs[m] for m in t["target"][edge]]) != t["up_bs"][edge]
    hop = (t["down_fiber_end"] - t["down_relay_start"])[rel]
    last = pd.Series(t["done"]).groupby(t["md"]).max()  # each device active until its last task is done
    mine = dict(delay_mean=d.mean(), delay_p95=np.percentile(d, 95), handovers=len(ho),
                ho_per_md_min=len(ho) / n_md / (end / 60), ho_per_active_min=len(ho) / (last.sum() / 60),
                ho_per_task=len(ho) / len(t),
                relayed_share=rel.sum() / off.sum(), ho_relayed_share=(rel & moved).sum() / off.sum(),
                relay_hop_mean=hop.mean() if len(hop) else np.nan, cross_bs_share=cross.mean(),
                cloud_share=(t["tier"] == 2).mean())
    s = summ[(summ.speed == r.speed) & (summ.policy == r.policy)].iloc[0]
    for k, v in mine.items():
        if np.isnan(v):
            worst = max(worst, 0.0 if np.isnan(s[k]) else 1.0)
            continue
        err = abs(s[k] - v) / max(abs(v), 1e-12) if v else abs(s[k])
        worst = max(worst, err)
    n_ho[(r.speed, r.policy)] = len(ho)
    if len(ho) != ho_attr or len(t) != 36 * 3 or names != ["bs-0", "bs-1", "bs-2"] or len(sbs) != 7:
        cells_ok = False; print("    cell:", r.trace, len(ho), ho_attr, len(t), names, sbs)
    # static: no handover, results through the upload's BS, relays = executions at another BS's server
    if r.speed == 0:
        srv_bs = np.array([sbs[m] if m > 0 else -2 for m in t["target"]])
        other = off & (t["tier"] == 1) & (srv_bs != t["down_bs"])
        if len(ho) or moved.any() or (rel != other).any():
            static_ok = False; print("    static:", r.trace, len(ho), moved.sum(), rel.sum(), other.sum())
    elif len(ho) == 0:
        moving_ok = False; print("    no handover at 30 m/s:", r.trace)
    if r.policy == "offload-nearest" and r.speed == 0 and (cross.any() or rel.any() or (t["tier"] != 1).any()):
        nearest_ok = False; print("    offload-nearest static:", r.trace, cross.sum(), rel.sum())
check(worst < 1e-5, f"summary delays, handover rates, relays, relay hop, cross-BS and cloud shares equal the "
      f"traces' (worst relative difference {worst:.2g}, {n_tasks} tasks)")
check(cells_ok, "3 BSs, 7 servers, 108 tasks per run, /handovers rows = root attribute handovers")
check(static_ok, "static runs: 0 handovers, results back through the upload's BS, relays only for "
      "executions at another BS's server")
check(moving_ok, "30 m/s runs: handovers > 0 (%s)" % ", ".join("%s %d" % (p, n) for (v, p), n in
                                                               sorted(n_ho.items()) if v > 0))
check(nearest_ok, "offload-nearest, static: every task on a server of its own BS, no relay")
sys.exit(1 if check.bad else 0)
EOF
nb_done
