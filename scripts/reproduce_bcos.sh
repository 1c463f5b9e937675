#!/bin/bash
# reproduce_bcos.sh - the BCOS reproduction end to end, from seeds (docs/bcos.md,
# docs/reproductions.md "BCOS"):
#   1. train: Algorithm 1 (mecsim-train-bcos, training seed 1, 20,000 slots, minibatch 1,000) for
#      every K of Fig. 4 (K = 4..20 step 2, T = 0.5 s) and every T of Figs. 5-6 (K = 14,
#      T = 0.3..1.6 s), then the trainer's own held-out evaluation (seed 2, 1,000 slots, the exact
#      optimum up to K = 16): models/K{K}_T{T}.h5, .txt, eval .csv;
#   2. sim: the simulation runs of analysis/bcos_runs.py (cells of held-out seeds, one per K or T,
#      run with mcos, pcos, bcos and bcos-opt where K <= 16, with the frame as the networks give it
#      and with windows fitted to the uploads);
#   3. figs: analysis/bcos_figures.ipynb, headless, into docs/figures/.
#
# usage: scripts/reproduce_bcos.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR  a Release build with mecsim and mecsim-train-bcos (default build)
#   OUT_DIR    models, cells, traces (default runs/bcos)
# environment (defaults = the numbers in docs/reproductions.md):
#   STAGES="train sim figs"   KS="4 6 8 10 12 14 16 18 20"   TS="0.3 0.4 0.5 0.6 0.8 1.0 1.2 1.4 1.6"
#   K_T=14 (K of the T sweep)   ITERATIONS=1500   SAMPLES=20000 (training slots)   EVAL_SLOTS=1000
#   ALPHA=1   LAMBDA0=5   JOBS=2   FIGS=docs/figures
#   SIM_ARGS="" (more analysis/bcos_runs.py options, e.g. "--seeds 101 --slots 10" for a smoke run)
# Takes ~45 min on 2 cores (training ~2.5 min per model, 17 models). Resumable: finished models and traces are
# kept. Bit-identical on rerun with the same binaries (one BLAS thread).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
OUT=${2:-$SRC/runs/bcos}
STAGES=${STAGES:-"train sim figs"}
KS=${KS:-"4 6 8 10 12 14 16 18 20"}
TS=${TS:-"0.3 0.4 0.5 0.6 0.8 1.0 1.2 1.4 1.6"}
K_T=${K_T:-14}
ITERATIONS=${ITERATIONS:-1500}
SAMPLES=${SAMPLES:-20000}
EVAL_SLOTS=${EVAL_SLOTS:-1000}
SIM_ARGS=${SIM_ARGS:-}
ALPHA=${ALPHA:-1}
LAMBDA0=${LAMBDA0:-5}
JOBS=${JOBS:-2}
FIGS=${FIGS:-$SRC/docs/figures}
MECSIM=$BUILD/mecsim
TRAIN=$BUILD/mecsim-train-bcos
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 PATH=/usr/bin:$PATH
for b in "$MECSIM" "$TRAIN"; do [ -x "$b" ] || { echo "reproduce_bcos: no $b (build it first)" >&2; exit 2; }; done
mkdir -p "$OUT/models" "$FIGS"
OUT=$(cd "$OUT" && pwd) FIGS=$(cd "$FIGS" && pwd)

# --- 1. models ----------------------------------------------------------------
# one job per (K, T): train, then evaluate on held-out slots; resumable (a finished model is kept)
train_job() {
  local k=$1 t=$2 base="$OUT/models/K$1_T$2"
  if [ ! -s "$base.h5" ]; then
    "$TRAIN" train --K "$k" --T "$t" --seed 1 --samples "$SAMPLES" --iterations "$ITERATIONS" --alpha "$ALPHA" --lambda0 "$LAMBDA0" \
      --out "$base.h5" --curve "$base-curve.csv" --progress 0 > "$base.txt" 2> "$base.log" ||
      { echo "FAILED: train K=$k T=$t (see $base.log)"; return 1; }
  fi
  if [ ! -s "$base-eval.csv" ]; then
    "$TRAIN" eval --model "$base.h5" --seed 2 --samples "$EVAL_SLOTS" --opt-max-k 16 --csv "$base-eval.csv.tmp" \
      --progress 0 > "$base-eval.txt" 2>> "$base.log" && mv "$base-eval.csv.tmp" "$base-eval.csv" ||
      { echo "FAILED: eval K=$k T=$t (see $base.log)"; return 1; }
  fi
  echo "model K=$k T=$t: $(tail -n 1 "$base-eval.txt")"
}
export -f train_job
export OUT TRAIN ITERATIONS SAMPLES EVAL_SLOTS ALPHA LAMBDA0
if [[ " $STAGES " == *" train "* ]]; then
  { for k in $KS; do echo "$k 0.5"; done; for t in $TS; do echo "$K_T $t"; done; } | sort -u -k1,1n -k2,2 |
    xargs -P "$JOBS" -L 1 bash -c 'train_job "$0" "$1"'
fi

# --- 2. simulation --------------------------------------------------------------
if [[ " $STAGES " == *" sim "* ]]; then
  "$PY" "$SRC/analysis/bcos_runs.py" --mecsim "$MECSIM" --models "$OUT/models" --out "$OUT/sim" --jobs "$JOBS" \
    --ks "$(echo $KS | tr ' ' ,)" --ts "$(echo $TS | tr ' ' ,)" --k-t "$K_T" $SIM_ARGS
fi

# --- 3. figures -----------------------------------------------------------------
if [[ " $STAGES " == *" figs "* ]]; then
  BCOS_RUNS="$OUT" BCOS_FIGS="$FIGS" "$PY" -m nbconvert --to notebook --execute --inplace \
    --ExecutePreprocessor.timeout=1200 "$SRC/analysis/bcos_figures.ipynb"
fi
