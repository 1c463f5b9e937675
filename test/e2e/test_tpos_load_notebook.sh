#!/bin/bash
# test_tpos_load_notebook.sh MECSIM SRCDIR - the TPOS load sweep end to end at toy size:
# analysis/tpos_load_runs.py --quick (6 AlexNet MDs, 1 core, loads 0.5x, 1.5x, 3x capacity, 4
# periods, tpos-cai / tpos-uai today and with carry=1), then analysis/tpos_load_figures.ipynb runs
# headless. Checks: the runs and index.csv (12 runs, all ok, the capacity from the calibration
# traces), resumable (a second call has nothing to do), no error in the notebook, its three
# figures, and every number of tpos_load.csv recomputed here from the traces (h5py) and the logs:
# lateness vs eq. 24 (mean, p95), throughput, dropped share, mean delay; drops only with carry=1,
# and with carry=1 the prediction holds (mean lateness under 1 %) where today's game is late.
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
# shellcheck source=lib_notebook.sh
. "$SRC/test/e2e/lib_notebook.sh"
nb_prelude

if $PY "$SRC/analysis/tpos_load_runs.py" --mecsim "$MECSIM" --out "$T/runs" --quick >"$T/runs.log" 2>&1; then
  ok "tpos_load_runs.py --quick: $(grep -c ': ok' "$T/runs.log") runs"
else
  ko "tpos_load_runs.py"; grep -v "ASan\|False positive\|sanitizers" "$T/runs.log" | tail -8
fi
if $PY "$SRC/analysis/tpos_load_runs.py" --mecsim "$MECSIM" --out "$T/runs" --quick 2>&1 | grep -q "12 runs, 0 to do"; then
  ok "resumable: a second call has nothing to do"
else
  ko "not resumable"
fi
cd "$SRC" || exit 1
if TPOS_LOAD_RUNS="$T/runs" TPOS_LOAD_FIGS="$T/figs" timeout 300 jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 analysis/tpos_load_figures.ipynb --output "$T/out.ipynb" >"$T/nb.log" 2>&1; then
  ok "notebook executed"
else
  ko "notebook failed"; tail -20 "$T/nb.log"
fi
missing=""
for n in lateness throughput delay; do
  [ -s "$T/figs/tpos_load_$n.png" ] || missing="$missing tpos_load_$n.png"
done
if [ -z "$missing" ]; then ok "3 figures drawn (tpos_load_lateness, throughput, delay)"; else ko "missing figures:$missing"; fi
if $PY - "$T" <<'EOF'; then ok "the notebook's numbers agree with the traces (see above)"; else ko "number checks"; fi
import os, re, sys
import h5py, numpy as np, pandas as pd, nbformat
T = sys.argv[1]
R = os.path.join(T, "runs")
bad = 0
def check(cond, what):
    global bad
    print(("  ok: " if cond else "  FAIL: ") + what)
    bad += 0 if cond else 1
nb = nbformat.read(os.path.join(T, "out.ipynb"), 4)
errs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
check(not errs, "no error output in the notebook")
idx = pd.read_csv(os.path.join(R, "index.csv"))
check(len(idx) == 12 and (idx.status == 0).all() and set(idx.scheme) == {"cai", "uai", "cai-carry", "uai-carry"}
      and sorted(idx.load_x.unique()) == [0.5, 1.5, 3.0], "index.csv: 4 schemes x 3 loads, all ok")
with h5py.File(os.path.join(R, "capacity", "tpos-local.h5")) as f:
    t_lo = f["tasks"]["local_end"][0] - f["tasks"]["local_start"][0]
with h5py.File(os.path.join(R, "capacity", "tpos-full-offload.h5")) as f:
    t_se = f["tasks"]["exec_end"][0] - f["tasks"]["exec_start"][0]
cap = 6 / t_lo + 1 / t_se
check(np.allclose(idx.capacity_tps, cap, rtol=1e-5) and np.allclose(idx.period_s, 6 / (idx.load_x * cap), rtol=1e-6),
      f"capacity 6/{t_lo:.4f} + 1/{t_se:.4f} = {cap:.3f} tasks/s and the periods from it")
pat = re.compile(r"tpos task (\d+) md (-?\d+) m\*=(-?\d+) h_last=(-?\d+) predicted (\S+) measured (\S+)")
rows = []
for r in idx.itertuples():
    with h5py.File(os.path.join(R, r.trace)) as f:
        t = f["tasks"][()]
    kept = t[t["dropped"] == 0]
    pred = {int(m[0]): float(m[4]) for m in pat.findall(open(os.path.join(R, r.trace[:-3] + ".log")).read())}
    late = np.array([(k["done"] - k["decide_end"] - pred[int(k["id"])]) / pred[int(k["id"])] for k in kept])
    rows.append(dict(scheme=r.scheme, load_x=r.load_x, late_mean=late.mean(), late_p95=np.quantile(late, 0.95),
                     throughput=len(kept) / (kept["done"].max() - t["arrival"].min()),
                     dropped_share=(t["dropped"] == 1).mean(), mean_delay=(kept["done"] - kept["arrival"]).mean(),
                     n=len(t)))
mine = pd.DataFrame(rows).sort_values(["scheme", "load_x"]).reset_index(drop=True)
nbt = pd.read_csv(os.path.join(R, "tpos_load.csv")).sort_values(["scheme", "load_x"]).reset_index(drop=True)
check(len(nbt) == 12 and (mine.n == 24).all(), "tpos_load.csv: 12 rows; 24 tasks per run")
for col in ("late_mean", "late_p95", "throughput", "dropped_share", "mean_delay"):
    check(np.allclose(nbt[col], mine[col], rtol=1e-9, atol=1e-12), f"{col} equals the traces' ({col} of cai at 3x: "
          f"{nbt[col][(nbt.scheme == 'cai') & (nbt.load_x == 3)].iloc[0]:.4g})")
today, carry = nbt[~nbt.scheme.str.endswith("carry")], nbt[nbt.scheme.str.endswith("carry")]
check((today.dropped_share == 0).all(), "today's game drops nothing")
check((carry.late_mean.abs() < 0.01).all(), f"carry=1: mean lateness vs eq. 24 under 1 % (max {100*carry.late_mean.abs().max():.3f} %)")
check(today[today.load_x == 3].late_mean.min() > 0.2, f"today at 3x: late by {100*today[today.load_x == 3].late_mean.min():.0f} % or more")
sys.exit(1 if bad else 0)
EOF
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
