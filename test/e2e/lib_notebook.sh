# lib_notebook.sh - sourced by the notebook pipeline tests (test_*_notebook.sh): what each of them
# repeats. nb_prelude sets PY, T (a scratch directory removed at exit) and the pass/fail counters,
# or ends the test as skipped when jupyter or the Python packages are missing; ok/ko count;
# nb_runs runs an analysis/*_runs.py --quick twice (everything ok, then nothing left to do);
# nb_execute runs a notebook headless on $T/runs, writing figures to $T/figs; nb_done ends the test.
# Needs: MECSIM and SRC (absolute paths) set by the test.

# nb_prelude [MODULE...]: also skips when one of the extra Python modules is missing.
nb_prelude() {
  export PATH=/usr/bin:/bin:$PATH OPENBLAS_NUM_THREADS=1
  PY=/usr/bin/python3
  local mods=(h5py nbformat pandas matplotlib "$@") m
  for m in "${mods[@]}"; do
    if ! $PY -c "import $m" 2> /dev/null; then
      echo "skipped: $PY cannot import $m"
      echo "0 passed, 0 failed"
      exit 0
    fi
  done
  if ! command -v jupyter-nbconvert > /dev/null; then
    echo "skipped: jupyter-nbconvert missing"
    echo "0 passed, 0 failed"
    exit 0
  fi
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  pass=0 fail=0
}

ok() { echo "ok: $1"; pass=$((pass + 1)); }
ko() { echo "FAILED: $1"; fail=$((fail + 1)); }

# nb_runs SCRIPT N: analysis/SCRIPT --quick into $T/runs must succeed, and a second call must find
# its N runs done (resumable: "N runs, 0 to do").
nb_runs() {
  local script=$1 n=$2
  if $PY "$SRC/analysis/$script" --mecsim "$MECSIM" --out "$T/runs" --quick --jobs 2 > "$T/runs.log" 2>&1; then
    ok "$script --quick: $(head -1 "$T/runs.log" | grep -o '[0-9]* runs')"
  else
    ko "$script --quick"
    grep -v "ASan\|False positive\|sanitizers" "$T/runs.log" | tail -8
    for l in "$T"/runs/traces/*.log; do grep -q "^# exit [^0]" "$l" && tail -5 "$l"; done 2> /dev/null
  fi
  if $PY "$SRC/analysis/$script" --mecsim "$MECSIM" --out "$T/runs" --quick > "$T/again.log" 2>&1 &&
    grep -q "$n runs, 0 to do" "$T/again.log"; then
    ok "a second run keeps the traces (0 to do)"
  else
    ko "second run: $(head -2 "$T/again.log")"
  fi
}

# nb_execute NOTEBOOK PREFIX OUTPUT...: runs analysis/NOTEBOOK headless (PREFIX_RUNS=$T/runs,
# PREFIX_FIGS=$T/figs) into $T/out.ipynb; each OUTPUT (a path under $T) must then be non-empty.
nb_execute() {
  local nb=$1 prefix=$2
  shift 2
  if (cd "$SRC" && env "${prefix}_RUNS=$T/runs" "${prefix}_FIGS=$T/figs" timeout 300 jupyter nbconvert --to notebook \
    --execute --ExecutePreprocessor.kernel_name=python3 "analysis/$nb" --output "$T/out.ipynb") > "$T/nb.log" 2>&1; then
    ok "notebook executed"
  else
    ko "notebook failed"
    tail -20 "$T/nb.log"
  fi
  local missing="" f
  for f in "$@"; do
    [ -s "$T/$f" ] || missing+=" $f"
  done
  if [ -z "$missing" ]; then ok "figure and CSVs written ($*)"; else ko "missing:$missing"; fi
}

nb_done() {
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
}
