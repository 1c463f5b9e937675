#!/bin/bash
# test_memtl_notebook.sh MECSIM SRCDIR - the MEMTL reproduction pipeline end to end at toy sizes:
# mecsim-train-memtl (next to MECSIM) labels two small datasets (N = 2, 3) and runs `experiment`
# (MTFNN and MEMTL with 1..3 heads) and `fig3` on them in the layout of scripts/reproduce_memtl.sh;
# analysis/memtl_runs.py --quick trains cell models and runs the held-out and drift simulations;
# then analysis/memtl_figures.ipynb runs headless on all of it. Checks: no error in the notebook,
# every figure drawn, table1.csv / table2.csv / sim_eval.csv / sim_drift.csv have the rows the runs
# imply, the notebook's numbers equal the experiment CSV's and the traces' (read here with h5py), the
# online runs started their background job after the drift and the others none, and the experiment
# is reproducible (a second run of the same seed writes the same accuracies and MSEs).
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
TRAIN="$(dirname "$MECSIM")/mecsim-train-memtl"
[ -x "$TRAIN" ] || { echo "skipped: $TRAIN not built"; echo "0 passed, 0 failed"; exit 0; }
# shellcheck source=lib_notebook.sh
. "$SRC/test/e2e/lib_notebook.sh"
nb_prelude
mkdir -p "$T/data" "$T/offline"
for n in 2 3; do
  if "$TRAIN" gen --n-mt $n --samples 2500 --seed 1 --out "$T/data/d$n-s1.h5" --progress 0 >"$T/gen$n.log" 2>&1 &&
    "$TRAIN" experiment --data "$T/data/d$n-s1.h5" --seed 1 --heads 3 --epochs 2 --test 500 \
      --csv "$T/offline/n$n-s1-table.csv" --progress 0 >"$T/exp$n.log" 2>&1 &&
    "$TRAIN" fig3 --data "$T/data/d$n-s1.h5" --seed 1 --epochs 3 --test 500 --csv "$T/offline/n$n-s1-fig3.csv" \
      --progress 0 >"$T/fig3$n.log" 2>&1; then
    ok "N = $n: gen, experiment, fig3"
  else
    ko "N = $n: $(tail -2 "$T"/*$n.log)"
  fi
done
# reproducible: the same experiment again gives the same numbers
"$TRAIN" experiment --data "$T/data/d2-s1.h5" --seed 1 --heads 3 --epochs 2 --test 500 --csv "$T/again.csv" \
  --progress 0 >/dev/null 2>&1
if $PY - "$T/offline/n2-s1-table.csv" "$T/again.csv" <<'EOF'; then ok "experiment reproducible from its seed"; else ko "experiment not reproducible"; fi
import sys, pandas as pd
a, b = (pd.read_csv(p) for p in sys.argv[1:])
cols = ["mse", "accuracy", "cost_ratio_median", "deadlines_met"]
sys.exit(0 if len(a) == len(b) == 7 and (a[cols] == b[cols]).all().all() else 1)
EOF
if $PY "$SRC/analysis/memtl_runs.py" --mecsim "$MECSIM" --train "$TRAIN" --out "$T/sim" --quick >"$T/runs.log" 2>&1; then
  ok "memtl_runs.py --quick: $(grep -c ': ok' "$T/runs.log") runs"
else
  ko "memtl_runs.py"; grep -v "ASan\|False positive\|sanitizers" "$T/runs.log" | tail -8
fi
cd "$SRC" || exit 1
if MEMTL_RUNS="$T" MEMTL_FIGS="$T/figs" timeout 300 jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 analysis/memtl_figures.ipynb --output "$T/out.ipynb" >"$T/nb.log" 2>&1; then
  ok "notebook executed"
else
  ko "notebook failed"; tail -20 "$T/nb.log"
fi
missing=""
for n in table1 table2 heads fig3 sim drift; do
  [ -s "$T/figs/memtl_$n.png" ] || missing="$missing memtl_$n.png"
done
if [ -z "$missing" ]; then ok "6 figures drawn (memtl_table1, table2, heads, fig3, sim, drift)"; else ko "missing figures:$missing"; fi
if $PY - "$T" <<'EOF'; then ok "the notebook's tables agree with the runs (see above)"; else ko "table checks"; fi
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
t1 = pd.read_csv(os.path.join(T, "table1.csv"))
check(set(zip(t1.n_mt, t1.scheme)) == {(n, s) for n in (2, 3) for s in ("MTFNN", "MEMTL-3 cost", "MEMTL-3 oracle")},
      "table1.csv: MTFNN, MEMTL-3 cost and oracle for N = 2, 3")
e = pd.read_csv(os.path.join(T, "offline", "n3-s1-table.csv"))
want = e[(e.model == "memtl") & (e.heads == 3) & (e.pick == "cost")].iloc[0]
got = t1[(t1.n_mt == 3) & (t1.scheme == "MEMTL-3 cost")].iloc[0]
check(abs(got.acc - want.accuracy) < 1e-12 and abs(got.mse - want.mse) < 1e-12,
      f"table1: MEMTL-3 at N = 3 is the experiment's row (accuracy {want.accuracy:.4f}, MSE {want.mse:.4f})")
check(((0 <= t1.acc) & (t1.acc <= 1)).all() and (t1.mse >= 0).all() and (t1.kb > 0).all(), "table1: values in range")
t2 = pd.read_csv(os.path.join(T, "table2.csv"))
check(set(zip(t2.n_mt, t2.heads)) == {(n, m) for n in (2, 3) for m in (2, 3)}, "table2.csv: M = 2, 3 for N = 2, 3")
ev = pd.read_csv(os.path.join(T, "sim_eval.csv"))
check(sorted(ev.scheme) == sorted(["exhaustive", "memtl", "mtfnn", "local", "greedy"]), "sim_eval.csv: the 5 schemes")
idx = pd.read_csv(os.path.join(T, "sim", "index.csv"), keep_default_na=False)
check((idx.status == 0).all() and len(idx) == 10, f"sim/index.csv: {len(idx)} runs, all exit 0")
r = idx[(idx.experiment == "eval") & (idx.scheme == "exhaustive")].iloc[0]
with h5py.File(os.path.join(T, "sim", r.trace), "r") as f:
    t, d = f["tasks"][()], f["decisions"][()]
row = ev[ev.scheme == "exhaustive"].iloc[0]
check(abs(row.delay_s - (t["done"] - t["arrival"]).mean()) < 1e-12 and abs(row.miss - t["missed"].mean()) < 1e-12
      and abs(row.decision_ms - 1e3 * (d["done"] - d["time"]).mean()) < 1e-9,
      f"sim_eval: exhaustive's delay {row.delay_s:.4f} s, misses and decision time as in its trace")
loc = ev[ev.scheme == "local"].iloc[0]
check(loc.offloaded == 0 and loc.decision_ms == 0, "local: nothing offloaded, no decision compute")
check((ev[ev.scheme.isin(["memtl", "mtfnn", "exhaustive"])].decision_ms > 0).all(), "the model and search decisions are charged")
dr = pd.read_csv(os.path.join(T, "sim_drift.csv"))
check(set(dr.scheme) == {"exhaustive", "memtl", "memtl-online", "mtfnn", "mtfnn-online"}, "sim_drift.csv: 5 schemes")
on = dr[dr.scheme.str.endswith("online")]
check(len(on) > 0 and (on.active_at > 8).all() and (on.job_flops > 0).all() and (on.job_s > 0).all(),
      f"online runs: a background job after the drift at 8 s (active at {on.active_at.min():.1f} s)")
for sch in ("memtl", "mtfnn", "exhaustive"):
    rr = idx[(idx.experiment == "drift") & (idx.scheme == sch)].iloc[0]
    with h5py.File(os.path.join(T, "sim", rr.trace), "r") as f:
        check(len(f["background"]) == 0, f"drift without online: no background work ({sch})")
sys.exit(1 if bad else 0)
EOF
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
