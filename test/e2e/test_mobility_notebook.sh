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
export PATH=/usr/bin:/bin:$PATH OPENBLAS_NUM_THREADS=1
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
PY=/usr/bin/python3
if ! command -v jupyter-nbconvert >/dev/null || ! $PY -c "import h5py, nbformat, pandas, matplotlib" 2>/dev/null; then
  echo "skipped: jupyter-nbconvert / h5py / nbformat / pandas / matplotlib missing"
  echo "0 passed, 0 failed"
  exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
ko() { echo "FAILED: $1"; fail=$((fail + 1)); }

if $PY "$SRC/analysis/mobility_runs.py" --mecsim "$MECSIM" --out "$T/runs" --quick --jobs 2 > "$T/runs.log" 2>&1; then
  ok "mobility_runs.py --quick: $(head -1 "$T/runs.log" | grep -o '[0-9]* runs')"
else
  ko "mobility_runs.py --quick"; grep -v "ASan\|False positive\|sanitizers" "$T/runs.log" | tail -8
  for l in "$T"/runs/traces/*.log; do grep -q "^# exit [^0]" "$l" && tail -5 "$l"; done 2>/dev/null
fi
if $PY "$SRC/analysis/mobility_runs.py" --mecsim "$MECSIM" --out "$T/runs" --quick > "$T/again.log" 2>&1 &&
   grep -q "12 runs, 0 to do" "$T/again.log"; then
  ok "a second run keeps the traces (0 to do)"
else
  ko "second run: $(head -2 "$T/again.log")"
fi

cd "$SRC" || exit 1
if MOBILITY_RUNS="$T/runs" MOBILITY_FIGS="$T/figs" timeout 300 jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 analysis/mobility_figures.ipynb --output "$T/out.ipynb" >"$T/nb.log" 2>&1; then
  ok "notebook executed"
else
  ko "notebook failed"; tail -20 "$T/nb.log"
fi
if [ -s "$T/figs/mobility_delay_speed.png" ] && [ -s "$T/figs/mobility_delay_speed.csv" ] && [ -s "$T/runs/mobility_summary.csv" ]; then
  ok "figure and CSVs written"
else
  ko "missing: $(ls "$T/figs" "$T/runs" 2>&1 | tr '\n' ' ')"
fi

if $PY - "$T" <<'EOF'; then ok "the notebook's numbers agree with the traces (see above)"; else ko "checks on the runs"; fi
import sys, os
import h5py, numpy as np, pandas as pd, nbformat
T = sys.argv[1]
bad = 0
def check(cond, what):
    global bad
    print(("  ok: " if cond else "  FAIL: ") + what)
    bad += 0 if cond else 1
nb = nbformat.read(os.path.join(T, "out.ipynb"), 4)
errs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
check(not errs, "no error output in the notebook")
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
sys.exit(1 if bad else 0)
EOF
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
