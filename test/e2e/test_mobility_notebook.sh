#!/bin/bash
# test_mobility_notebook.sh MECSIM SRCDIR - the delay-against-speed pipeline (docs/mobility.md, "Delay
# against speed") end to end at toy size: analysis/mobility_runs.py --quick (40 devices, 4 tasks each,
# static and random waypoint at 15 m/s, without and with a cloud, greedy / least-loaded / random
# p_local=0, seed 1: 12 runs), then analysis/mobility_figures.ipynb runs headless on it.
# Checks: every run ok; no error in the notebook; the figure and both CSVs written; mobility_summary.csv
# has one row per (speed, cloud, policy) and its mean and p95 delay, cloud share and mean upload distance
# equal those recomputed here from the traces with h5py; the runs agree with the cell: no cloud task
# without a cloud, least-loaded and random never local, static devices' upload distances are within
# the cell's disc, moving ones' within the square's corners; a second run of the script is a no-op.
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
# shellcheck source=lib_notebook.sh
. "$SRC/test/e2e/lib_notebook.sh"
nb_prelude
nb_runs mobility_runs.py 12
nb_execute mobility_figures.ipynb MOBILITY figs/mobility_delay_speed.png figs/mobility_delay_speed.csv runs/mobility_summary.csv

if SRC=$SRC $PY - "$T" <<'EOF'; then ok "the notebook's numbers agree with the traces (see above)"; else ko "checks on the runs"; fi
import sys, os
import h5py, numpy as np, pandas as pd
T = sys.argv[1]
sys.path.insert(0, os.path.join(os.environ["SRC"], "test", "e2e"))
from nb_checks import Checks, notebook_errors  # noqa: E402
check = Checks()
check(not notebook_errors(os.path.join(T, "out.ipynb")), "no error output in the notebook")
idx = pd.read_csv(os.path.join(T, "runs", "index.csv"))
check(len(idx) == 12 and (idx.status == 0).all() and idx.trace.nunique() == 12,
      "index.csv: 2 speeds x 2 clouds x 3 policies, seed 1, all ok")
summ = pd.read_csv(os.path.join(T, "runs", "mobility_summary.csv"))
want = {(v, c, p) for v in (0.0, 15.0) for c in (0, 1) for p in ("greedy", "least-loaded", "random")}
check(set(zip(summ.speed.astype(float), summ.cloud, summ.policy)) == want and len(summ) == 12,
      "mobility_summary.csv: one row per (speed, cloud, policy)")
fig = pd.read_csv(os.path.join(T, "figs", "mobility_delay_speed.csv"))
check(len(fig) == 12, "mobility_delay_speed.csv: 12 rows")

worst, n_tasks, sane = 0.0, 0, True
for r in idx.itertuples():
    with h5py.File(os.path.join(T, "runs", r.trace), "r") as f:
        t = f["tasks"][()]
        tiers = f.attrs["server_tiers"]
        tiers = tiers.decode() if isinstance(tiers, bytes) else str(tiers)
    n_tasks += len(t)
    d = t["done"] - t["arrival"]
    up = t["up_distance_m"][np.isfinite(t["up_distance_m"])]
    mine = dict(delay_mean=d.mean(), delay_p95=np.percentile(d, 95), cloud_share=(t["tier"] == 2).mean(),
                up_distance_mean=up.mean())
    s = summ[(summ.speed == r.speed) & (summ.cloud == r.cloud) & (summ.policy == r.policy)].iloc[0]
    for k, v in mine.items():
        err = abs(s[k] - v) / max(abs(v), 1e-12) if v else abs(s[k])
        worst = max(worst, err)
    # the cell: a cloud only with --cloud-cores; least-loaded and random p_local=0 never local
    if r.cloud == 0 and ((t["tier"] == 2).any() or "cloud" in tiers):
        sane = False; print("    cloud task without a cloud:", r.trace)
    if r.cloud == 1 and tiers != "edge,edge,edge,edge,cloud":
        sane = False; print("    server_tiers", tiers, r.trace)
    if r.policy != "greedy" and (t["target"] == 0).any():
        sane = False; print("    local task under", r.policy, r.trace)
    lim = 100.0 + 1e-6 if r.speed == 0 else 100.0 * np.sqrt(2) + 1e-6  # cell_radius 100 m: disc / square
    if len(up) == 0 or up.max() > lim or not (len(t) == 160):
        sane = False; print("    distances or task count:", r.trace, up.max() if len(up) else None, len(t))
check(worst < 1e-5, f"summary delay mean / p95, cloud share, upload distance equal the traces' "
      f"(worst relative difference {worst:.2g}, {n_tasks} tasks)")
check(sane, "tiers, local shares, task counts and upload distances fit the cells")
sys.exit(1 if check.bad else 0)
EOF
nb_done
