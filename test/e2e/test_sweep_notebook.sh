#!/usr/bin/env bash
# analysis/sweep_figures.ipynb and analysis/sweep_index.py on a small sweep (tools/mecsim-sweep, GNU
# parallel): 2 policies x 2 rates x 3 seeds, plus one grid point with a bad knob value. The notebook
# runs headless, draws every figure, and its means and confidence intervals over the seeds equal
# those recomputed here from index.h5; load_sweep types the columns and load_traces reads the
# traces of selected rows (their task counts equal the index's).
# Usage: test_sweep_notebook.sh MECSIM SRCDIR
set -u
export PATH=/usr/bin:/bin:$PATH
bin=$1 src=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

"$src/tools/mecsim-sweep" run --name nb --platform "$src/platforms/small_cell.xml" \
  --deployment "$src/deployments/small_cell.xml" --fixed arrivals=poisson --fixed until=5 \
  --fixed deadline=const:1 --fixed task_cycles=exp:2e8 --swept policy=greedy,random --swept rate=0.5,1.5,-2 \
  --swept seed=1,2,3 --out "$tmp/sweep" --mecsim "$bin" --jobs 2 > "$tmp/run.log" 2>&1
rc=$?
grep -q "18 runs, 12 done, 6 failed, 0 missing" "$tmp/run.log" && [ $rc -eq 1 ] &&
  ok "sweep from the command line: 12 done, the 6 runs of rate -2 failed (exit 1)" ||
  { ko "sweep: exit $rc"; tail -5 "$tmp/run.log"; }

if SWEEP_DIR=$tmp/sweep SWEEP_FIGS=$tmp/figs JUPYTER_RUNTIME_DIR=$tmp/jrt IPYTHONDIR=$tmp/ipython \
  PYDEVD_DISABLE_FILE_VALIDATION=1 timeout 300 jupyter-nbconvert --to notebook --execute \
  "$src/analysis/sweep_figures.ipynb" --output-dir "$tmp" --output executed \
  --ExecutePreprocessor.timeout=120 --ExecutePreprocessor.kernel_name=python3 > "$tmp/nb.log" 2>&1; then
  ok "notebook executed"
else
  ko "notebook failed"; tail -20 "$tmp/nb.log"
fi
n=$(ls "$tmp"/figs/*.png 2> /dev/null | wc -l)
[ "$n" -eq 6 ] && ok "6 figures drawn (5 metrics vs rate, a delay CDF)" || ko "$n figures drawn: $(ls "$tmp/figs")"

cat > "$tmp/check.py" <<'PY'
import json, math, sys
import numpy as np, pandas as pd
sys.path.insert(0, sys.argv[2] + "/analysis")
import sweep_index as si
d = sys.argv[1]
res = []
def check(c, what):
    res.append(bool(c)); print(("ok: " if c else "FAIL: ") + what)
df = si.load_sweep(d + "/sweep")
check(len(df) == 18 and df.rate.dtype == np.float64 and df.seed.dtype == np.int64 and df.tasks.dtype == np.int64
      and df.attrs["swept"] == ["policy", "rate", "seed"],
      f"load_sweep: 18 rows, rate float64, seed and tasks int64, swept {df.attrs['swept']}")
bad = df[df.status == "failed"]
check(len(bad) == 6 and (bad.rate == -2.0).all() and bad.error.str.contains("knob 'rate' = -2").all(),
      "the failed runs carry mecsim's error: " + (bad.error.iloc[0] if len(bad) else ""))
ci = pd.read_csv(d + "/figs/mean_ci.csv")
T = {2: 4.302652729911275}  # t(0.975, 2)
worst = 0.0
for r in ci.itertuples():
    v = df[(df.status == "done") & (df.policy == r.policy) & (df.rate == r.rate)][r.metric].to_numpy(float)
    v = v[np.isfinite(v)]
    m, sd = v.mean(), v.std(ddof=1)
    hw = T[len(v) - 1] * sd / math.sqrt(len(v))
    worst = max(worst, abs(m - r.mean) / max(abs(m), 1e-300), abs(hw - r.ci) / max(abs(hw), 1e-300))
check(len(ci) == 5 * 2 * 2 and set(ci.n) == {3} and worst < 1e-6,
      f"notebook's {len(ci)} means and 95 % CIs over 3 seeds equal numpy's (worst rel. diff {worst:.1e})")
sel = df[(df.policy == "greedy") & (df.status == "done")]
tr = si.load_traces(sel)
counts = tr.tasks.groupby("run_id").size()
check(len(counts) == 6 and all(counts[r.run_id] == r.tasks for r in sel.itertuples())
      and set(tr.tasks.policy) == {"greedy"} and set(tr.tasks.rate) == {0.5, 1.5},
      f"load_traces of 6 selected rows: {len(tr.tasks)} tasks, counts per run equal the index's")
print(f"__COUNTS__ {sum(res)} {len(res) - sum(res)}")
PY
"$py" "$tmp/check.py" "$tmp" "$src" > "$tmp/check.log" 2>&1
grep -v '^__COUNTS__' "$tmp/check.log"
read -r _ p f < <(grep '^__COUNTS__' "$tmp/check.log" || echo "__COUNTS__ 0 1")
pass=$((pass + p)) fail=$((fail + f))
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
