#!/bin/bash
# test_memtl_tool.sh MECSIM SRCDIR - mecsim-train-memtl (next to MECSIM) as a command line tool:
# - gen writes the HDF5 dataset and the public code's CSV; import-csv of that CSV gives back the same
#   inputs and labels; relabel of it agrees with our own labels on every sample (100 % same D);
# - a CSV labelled otherwise (every label replaced by "all local", as a different generator might
#   give) is relabelled to our labels, and the agreement printed says how often they differ;
# - train / eval / label-speed run and print what they measure;
# - bad input exits 2 with one line naming what is wrong and writes no output file: a missing file,
#   a ragged CSV row (its line number), a non-number, a bad --dist / --param / --step / --channel,
#   an unknown command or option, a model of 4 MTs evaluated on a dataset of 3.
set -u
export PATH=/usr/bin:/bin:$PATH OPENBLAS_NUM_THREADS=1
MECSIM=$(readlink -f "$1")
TRAIN="$(dirname "$MECSIM")/mecsim-train-memtl"
PY=/usr/bin/python3
[ -x "$TRAIN" ] || { echo "skipped: $TRAIN not built"; echo "0 passed, 0 failed"; exit 0; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
noise='ASan\|False positive\|sanitizers'

if "$TRAIN" gen --n-mt 3 --samples 400 --seed 5 --out "$T/d.h5" --csv "$T/d.csv" --progress 0 > "$T/gen.out" 2>&1 &&
  grep -q "generated 400 samples of 3 MTs" "$T/gen.out"; then ok "gen: $(head -1 "$T/gen.out")"; else ko "gen: $(cat "$T/gen.out")"; fi
if "$TRAIN" import-csv --csv "$T/d.csv" --out "$T/back.h5" > "$T/imp.out" 2>&1; then ok "import-csv"; else ko "import-csv: $(cat "$T/imp.out")"; fi
if "$TRAIN" relabel --csv "$T/d.csv" --out "$T/re.csv" > "$T/re.out" 2>&1 && grep -q "same D in 100.00%" "$T/re.out"; then
  ok "relabel of our own CSV: $(cut -c1-90 "$T/re.out")"; else ko "relabel: $(cat "$T/re.out")"; fi
$PY - "$T" <<'EOF' && ok "import-csv gives back the inputs and labels of gen (h5py)" || ko "import-csv round trip"
import sys, h5py, numpy as np
T = sys.argv[1]
a, b = h5py.File(f"{T}/d.h5", "r"), h5py.File(f"{T}/back.h5", "r")
same = all(np.array_equal(a[k][()], b[k][()]) for k in ("inputs", "d", "r", "code"))
sys.exit(0 if same and np.allclose(a["cost"][()], b["cost"][()], rtol=1e-12) else 1)
EOF
# a CSV whose labels say "all local" everywhere: relabel must give ours and report the disagreement
$PY - "$T" <<'EOF'
import sys
T = sys.argv[1]
lines = open(f"{T}/d.csv").read().splitlines()
n_mt = (len(lines[0].split(",")) - 1) // 7
out = [lines[0]]
for l in lines[1:]:
    f = l.split(",")
    out.append(",".join(f[:6 * n_mt] + ["0"] + ["0"] * n_mt))
open(f"{T}/local.csv", "w").write("\n".join(out) + "\n")
EOF
if "$TRAIN" relabel --csv "$T/local.csv" --out "$T/re2.csv" > "$T/re2.out" 2>&1 && cmp -s "$T/re.csv" "$T/re2.csv" &&
  ! grep -q "same D in 100.00%" "$T/re2.out"; then
  ok "relabel of an all-local CSV writes our labels and reports: $(grep -o 'same D in [0-9.]*%' "$T/re2.out")"
else ko "relabel all-local: $(cat "$T/re2.out")"; fi
if "$TRAIN" train --kind memtl --heads 2 --data "$T/d.h5" --test 80 --epochs 2 --out "$T/m.h5" --progress 0 > "$T/tr.out" 2>&1 &&
  "$TRAIN" eval --model "$T/m.h5" --data "$T/d.h5" --test 80 > "$T/ev.out" 2>&1 &&
  grep -q "pick cost" "$T/ev.out" && grep -q "pick oracle" "$T/ev.out" && grep -q "^head 1" "$T/ev.out"; then
  ok "train + eval (cost pick, oracle pick, each head)"; else ko "train/eval: $(tail -3 "$T"/tr.out "$T"/ev.out)"; fi
if "$TRAIN" label-speed --n-mt 3 --samples 20 --step 0.05 > "$T/ls.out" 2>&1 && grep -q "0 of 20 labels differ" "$T/ls.out"; then
  ok "label-speed: $(cut -c1-100 "$T/ls.out")"; else ko "label-speed: $(cat "$T/ls.out")"; fi

# bad input: exit 2, one message naming the problem, no output file
bad() { # WANT ARGS...
  local want=$1; shift
  rm -f "$T/out.h5" "$T/out.csv"
  "$TRAIN" "$@" > "$T/bad.out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -v "$noise" "$T/bad.out" | grep -q -- "$want" && [ ! -e "$T/out.h5" ] && [ ! -e "$T/out.csv" ]; then
    ok "refused ($want): $(grep -v "$noise" "$T/bad.out" | head -1 | cut -c1-110)"
  else ko "$*: exit $rc, $(head -2 "$T/bad.out")"; fi
}
printf '0,1,2,3,4,5,6,7\n1,3000,5e8,0.5,0.5,0.5,0,0\n1,2,3\n' > "$T/ragged.csv"
printf '0,1,2,3,4,5,6,7\n1,3000,5e8,x,0.5,0.5,0,0\n' > "$T/nan.csv"
bad "line 3" import-csv --csv "$T/ragged.csv" --out "$T/out.h5"
bad "not a number\|number" import-csv --csv "$T/nan.csv" --out "$T/out.h5"
bad "nofile" import-csv --csv "$T/nofile.csv" --out "$T/out.h5"
bad "nofile" eval --model "$T/nofile.h5" --data "$T/d.h5"
bad "uniform takes 2 numbers" gen --samples 5 --out "$T/out.h5" --dist up_bits=uniform:1
bad "alpha" gen --samples 5 --out "$T/out.h5" --dist alpha=uniform:0:2
bad "unknown kind" gen --samples 5 --out "$T/out.h5" --dist h=gauss:1:2
bad "--param 'bw=1'" gen --samples 5 --out "$T/out.h5" --param bw=1
bad "outside" gen --samples 5 --out "$T/out.h5" --param kappa=-1
bad "--step" gen --samples 5 --out "$T/out.h5" --step 0.03
bad "--channel" gen --samples 5 --out "$T/out.h5" --channel wifi
bad "unknown command" frobnicate
bad "--n-mt" gen --n-mt 11 --samples 5 --out "$T/out.h5"
bad "needs --kind" train --data "$T/d.h5" --out "$T/out.h5"
"$TRAIN" gen --n-mt 4 --samples 200 --seed 5 --out "$T/d4.h5" --progress 0 > /dev/null 2>&1
"$TRAIN" train --kind mtfnn --data "$T/d4.h5" --test 40 --epochs 1 --out "$T/m4.h5" --progress 0 > /dev/null 2>&1
bad "decides for 4 MTs, the dataset has 3" eval --model "$T/m4.h5" --data "$T/d.h5"
bad "memtl dataset\|HDF5\|not" eval --model "$T/m4.h5" --data "$T/d.csv"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
