#!/bin/bash
# test_tpos_notebook.sh MECSIM SRCDIR - analysis/tpos_runs.py --quick writes the
# TPOS traces with the given mecsim, then analysis/tpos_figures.ipynb runs
# headless on them (/usr/bin/python3's kernel) and every figure is drawn.
set -u
export PATH=/usr/bin:/bin:$PATH
MECSIM=$1
SRC=$2
PY=/usr/bin/python3
if ! command -v jupyter-nbconvert >/dev/null || ! $PY -c "import h5py, nbformat" 2>/dev/null; then
  echo "skipped: jupyter-nbconvert / h5py / nbformat missing"
  echo "0 passed, 0 failed"
  exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
ko() { echo "FAILED: $1"; fail=$((fail + 1)); }
if $PY "$SRC/analysis/tpos_runs.py" --mecsim "$MECSIM" --out "$T/runs" --quick >"$T/runs.log" 2>&1; then
  ok "tpos_runs.py --quick: $(tail -1 "$T/runs.log")"
else
  ko "tpos_runs.py"; tail -5 "$T/runs.log"
fi
cd "$SRC" || exit 1
if TPOS_RUNS="$T/runs" TPOS_FIGS="$T/figs" timeout 120 jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 analysis/tpos_figures.ipynb --output "$T/out.ipynb" >"$T/nb.log" 2>&1; then
  ok "notebook executed"
else
  ko "notebook failed"; tail -20 "$T/nb.log"
fi
n=$(ls "$T"/figs/*.png 2>/dev/null | wc -l)
if [ "$n" -eq 4 ]; then ok "4 figures drawn"; else ko "$n figures drawn, expected 4"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
