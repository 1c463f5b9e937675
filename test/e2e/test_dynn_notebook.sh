#!/bin/bash
# test_dynn_notebook.sh MECSIM SRCDIR - trains a tiny DyNN model with the
# mecsim-train-dynn next to MECSIM (and a tiny Fig. 12 CSV), runs
# analysis/dynn_runs.py --quick with the given mecsim, then
# analysis/dynn_figures.ipynb headless on the traces (/usr/bin/python3's
# kernel); checks that every figure is drawn, that summary.csv has a row per
# (figure, scheme, axis value) of the runs, and what the traces must say:
# Local execution runs no network (0 MACs, nothing offloaded), PolicyMoE's
# sizes are within 1..K x 1..L, Fix MoE always runs k = 10, l = 3, and the
# notebook's delay and miss ratio equal the ones read here from one trace.
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
TRAIN="$(dirname "$MECSIM")/mecsim-train-dynn"
if [ ! -x "$TRAIN" ]; then
  echo "skipped: $TRAIN not built"
  echo "0 passed, 0 failed"
  exit 0
fi
# shellcheck source=lib_notebook.sh
. "$SRC/test/e2e/lib_notebook.sh"
nb_prelude
# A tiny model (budgets below --quick's: this tests the pipeline, not the training) and, in parallel,
# a tiny Fig. 12 experiment.
"$TRAIN" fig12 --quick --seed 1 --progress 0 --ref-steps 10 --max-steps 30 --check-every 10 --val-slots 4 \
  --csv "$T/fig12.csv" >"$T/fig12.log" 2>&1 &
f12=$!
if "$TRAIN" all --quick --seed 1 --progress 0 --eval-slots 10 --steps-full 40 --steps-width 15 --steps-depth1 10 \
    --steps-depth2 15 --policy-samples 60 --policy-epochs 5 --episodes 30 --out "$T/model.h5" \
    --curve "$T/curve.csv" >"$T/train.log" 2>&1; then
  ok "mecsim-train-dynn all (tiny budgets)"
else
  ko "mecsim-train-dynn all"; tail -5 "$T/train.log"
fi
if wait $f12; then ok "mecsim-train-dynn fig12 (tiny budgets)"; else ko "mecsim-train-dynn fig12"; tail -5 "$T/fig12.log"; fi
if $PY "$SRC/analysis/dynn_runs.py" --mecsim "$MECSIM" --model "$T/model.h5" --out "$T/runs" --quick \
    --fig12-csv "$T/fig12.csv" --curve-csv "$T/curve.csv" >"$T/runs.log" 2>&1; then
  ok "dynn_runs.py --quick: $(tail -1 "$T/runs.log")"
else
  ko "dynn_runs.py"; grep -v "ASan\|False positive\|sanitizers" "$T/runs.log" | tail -8
fi
# resumable: a second call runs nothing
if $PY "$SRC/analysis/dynn_runs.py" --mecsim "$MECSIM" --model "$T/model.h5" --out "$T/runs" --quick \
    >"$T/runs2.log" 2>&1 && grep -q "to do (0 traces exist)\| 0 to do" "$T/runs2.log"; then
  ok "dynn_runs.py is resumable: $(head -1 "$T/runs2.log" | cut -c1-90)"
else
  ko "dynn_runs.py second call"; head -3 "$T/runs2.log"
fi
cd "$SRC" || exit 1
if DYNN_RUNS="$T/runs" DYNN_FIGS="$T/figs" timeout 120 jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 analysis/dynn_figures.ipynb --output "$T/out.ipynb" >"$T/nb.log" 2>&1; then
  ok "notebook executed"
else
  ko "notebook failed"; tail -20 "$T/nb.log"
fi
missing=""
for n in fig4 fig5 fig6 fig7 fig8 fig9 fig10 fig11 fig12 training; do
  [ -s "$T/figs/dynn_$n.png" ] || missing="$missing dynn_$n.png"
done
if [ -z "$missing" ]; then ok "10 figures drawn (dynn_fig4..12.png, dynn_training.png)"; else ko "missing figures:$missing"; fi
if $PY - "$T/runs" "$T/out.ipynb" <<'EOF'; then ok "summary.csv and the traces agree (see above)"; else ko "summary.csv checks"; fi
import sys, os
import h5py, numpy as np, pandas as pd, nbformat
runs, nbpath = sys.argv[1], sys.argv[2]
bad = 0
def check(cond, what):
    global bad
    print(("  ok: " if cond else "  FAIL: ") + what)
    bad += 0 if cond else 1
nb = nbformat.read(nbpath, 4)
errs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
check(not errs, "no error output in the notebook")
idx = pd.read_csv(os.path.join(runs, "index.csv"), dtype={"fig": str}, keep_default_na=False)
s = pd.read_csv(os.path.join(runs, "summary.csv"), dtype={"fig": str})
check((idx.status == 0).all(), f"index.csv: {len(idx)} rows, all runs exit 0")
# a row per (figure, scheme, axis value)
want = set()
for r in idx.itertuples():
    if r.fig == "4":
        k, l = (int(x.split("=")[1]) for x in r.policy_args.split(",")[-2:])
        want.add(("4", "Fix MoE l=%d" % l, "k", float(k)))
    else:
        want.add((r.fig, r.label, r.axis, float(r.value)))
have = {(r.fig, r.scheme, r.axis, float(r.value)) for r in s[s.fig != "12"].itertuples()}
check(want == have, f"summary.csv: one row per (figure, scheme, axis value): {len(want)} expected, {len(have)} found, "
      f"missing {sorted(want - have)[:3]}, extra {sorted(have - want)[:3]}")
check(len(s[s.fig == "12"]) == 6, "summary.csv: 6 Fig. 12 rows (3 kinds x 2 methods)")
m = s[s.fig != "12"].copy()
m["value"] = m.value.astype(float)
check(m.miss_ratio.between(0, 1).all() and m.infer_share.between(0, 1).all(), "miss ratio and inference share in [0, 1]")
check((m.delay_s > 0).all() and (m.energy_j > 0).all(), "every scheme has positive delay and energy")
loc = m[m.scheme == "Local execution"]
check(len(loc) > 0 and (loc.macs == 0).all() and (loc.offloaded == 0).all(),
      f"Local execution: 0 MACs, nothing offloaded ({len(loc)} rows)")
for lab in ("PolicyMoE", "PMRL"):
    p = m[m.scheme == lab]
    check(len(p) > 0 and (p.min_k >= 1).all() and (p.max_k <= 10).all() and (p.min_l >= 1).all() and (p.max_l <= 3).all()
          and p.mean_k.between(1, 10).all() and p.mean_l.between(1, 3).all(),
          f"{lab}: k in 1..10, l in 1..3 (mean k {p.mean_k.min():.2f}..{p.mean_k.max():.2f}, "
          f"mean l {p.mean_l.min():.2f}..{p.mean_l.max():.2f})")
for lab in ("Fix MoE", "RL + Fix MoE"):
    # rows where some slot offloaded a task (a tiny RL model may keep a whole run local)
    p = m[(m.scheme == lab) & m.min_k.notna()]
    check(len(p) > 0 and (p.min_k == 10).all() and (p.max_k == 10).all() and (p.min_l == 3).all() and (p.max_l == 3).all(),
          f"{lab}: always k = 10, l = 3 ({len(p)} rows that ran the MoE)")
st = m[(m.scheme == "Static model") & (m.axis == "data")]
check(len(st) > 1 and st.macs.nunique() == 1 and st.mean_k.isna().all(),
      f"Static model: the same MACs whatever the data size ({st.macs.iloc[0]:.4g}), no MoE size")
f4 = m[m.fig == "4"]
check(len(f4) == 4 and (f4.mean_k == f4.value).all(), "Fig. 4: the trace's k is the run's k")
fm = m[(m.scheme == "Fix MoE") & (m.axis == "data")].set_index("value").macs
pm = m[(m.scheme == "PolicyMoE") & (m.axis == "data")].set_index("value").macs
check(len(pm) > 0 and (pm <= 1.05 * fm).all(),
      "PolicyMoE runs at most the MACs of Fix MoE (the largest MoE) plus its small policy network")
# the notebook's numbers against the trace read here with plain h5py
r = idx[(idx.fig == "5-6") & (idx.label == "PolicyMoE") & (idx.axis == "data") & (idx.value.astype(float) == 1000)].iloc[0]
with h5py.File(os.path.join(runs, r.trace), "r") as f:
    t = f["tasks"][()]
    d = f["decisions"][()]
delay = (t["done"] - t["arrival"]).mean()
miss = t["missed"][t["deadline"] > 0].mean()
row = m[(m.fig == "5-6") & (m.scheme == "PolicyMoE") & (m.axis == "data") & (m.value == 1000)].iloc[0]
close = lambda x, y: abs(x - y) <= 1e-5 * abs(y) + 1e-12  # summary.csv has 6 significant digits
check(close(row.delay_s, delay) and close(row.miss_ratio, miss) and close(row.macs, d["macs"].mean()),
      f"PolicyMoE at Table II: delay {delay * 1e3:.4f} ms, miss {miss:.4f}, MACs {d['macs'].mean():.4g} as in the trace")
sys.exit(1 if bad else 0)
EOF
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
