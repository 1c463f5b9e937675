#!/bin/bash
# reproduce_memtl.sh - the MEMTL reproduction end to end, from seeds (docs/memtl.md,
# docs/reproductions.md "MEMTL"):
#   1. data: for N = 2..5 MTs and dataset seeds 1..3, sample the public code's inputs (preset
#      mtfnn-co, its interference channel) and label them with the exact generator, in the paper's
#      sizes (40k, 50k, 80k, 100k samples);
#   2. offline: on each, split off the 10,000-sample "new environment" (the largest mean squared
#      features), train MTFNN and MEMTL with up to 6 heads (Algorithm 1) on the rest, evaluate
#      on the new environment (Tables I-II); Fig. 3's curves (one head on the frozen backbone
#      against an MTFNN from scratch, both learning the new environment);
#   3. sim: the simulation runs of analysis/memtl_runs.py (models trained on the cell's own
#      distribution, held-out seeds, the drift experiment);
#   4. figs: analysis/memtl_figures.ipynb, headless, into docs/figures/.
#
# usage: scripts/reproduce_memtl.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR  a Release build with mecsim and mecsim-train-memtl (default build)
#   OUT_DIR    datasets, CSVs, models, traces (default runs/memtl)
# environment (defaults = the numbers in docs/reproductions.md):
#   STAGES="data offline sim figs"   SEEDS="1 2 3"   NS="2 3 4 5"   HEADS=6   EPOCHS=30
#   JOBS=2 (experiments run in parallel)   FIGS=docs/figures
# Takes ~10 min on 2 cores. Bit-identical on rerun with the same binaries (one BLAS thread).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
OUT=${2:-$SRC/runs/memtl}
STAGES=${STAGES:-"data offline sim figs"}
SEEDS=${SEEDS:-"1 2 3"}
NS=${NS:-"2 3 4 5"}
HEADS=${HEADS:-6}
EPOCHS=${EPOCHS:-30}
JOBS=${JOBS:-2}
FIGS=${FIGS:-$SRC/docs/figures}
MECSIM=$BUILD/mecsim
TRAIN=$BUILD/mecsim-train-memtl
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 PATH=/usr/bin:$PATH
for b in "$MECSIM" "$TRAIN"; do [ -x "$b" ] || { echo "reproduce_memtl: no $b (build it first)" >&2; exit 2; }; done
mkdir -p "$OUT/data" "$OUT/offline" "$FIGS"
OUT=$(cd "$OUT" && pwd) FIGS=$(cd "$FIGS" && pwd)

samples() { case $1 in 2) echo 40000 ;; 3) echo 50000 ;; 4) echo 80000 ;; *) echo 100000 ;; esac; }

# --- 1. datasets ------------------------------------------------------------
if [[ " $STAGES " == *" data "* ]]; then
  for n in $NS; do
    for s in $SEEDS; do
      f="$OUT/data/d$n-s$s.h5"
      [ -s "$f" ] || "$TRAIN" gen --n-mt "$n" --samples "$(samples "$n")" --seed "$s" --out "$f" --progress 0 \
        > "$OUT/data/d$n-s$s.txt"
      echo "data N=$n seed $s: $(cat "$OUT/data/d$n-s$s.txt")"
    done
  done
fi

# --- 2. Tables I-II and Fig. 3 ---------------------------------------------
# one job per (N, seed): the experiment, then Fig. 3's curves; resumable (a finished CSV is kept)
offline_job() {
  local n=$1 s=$2 base="$OUT/offline/n$1-s$2"
  if [ ! -s "$base-table.csv" ]; then
    "$TRAIN" experiment --data "$OUT/data/d$n-s$s.h5" --seed "$s" --heads "$HEADS" --epochs "$EPOCHS" \
      --test 10000 --csv "$base-table.csv.tmp" --progress 0 > "$base-table.txt" 2> "$base-table.log" &&
      mv "$base-table.csv.tmp" "$base-table.csv" || { echo "FAILED: experiment N=$n seed $s (see $base-table.log)"; return 1; }
  fi
  if [ ! -s "$base-fig3.csv" ]; then
    "$TRAIN" fig3 --data "$OUT/data/d$n-s$s.h5" --seed "$s" --epochs "$EPOCHS" --test 10000 \
      --csv "$base-fig3.csv.tmp" --progress 0 2> "$base-fig3.log" && mv "$base-fig3.csv.tmp" "$base-fig3.csv" ||
      { echo "FAILED: fig3 N=$n seed $s (see $base-fig3.log)"; return 1; }
  fi
  echo "offline N=$n seed $s done"
}
export -f offline_job
export OUT TRAIN HEADS EPOCHS
if [[ " $STAGES " == *" offline "* ]]; then
  for n in $NS; do for s in $SEEDS; do echo "$n $s"; done; done |
    xargs -P "$JOBS" -L 1 bash -c 'offline_job "$0" "$1"'
fi

# --- 3. simulation ----------------------------------------------------------
if [[ " $STAGES " == *" sim "* ]]; then
  "$PY" "$SRC/analysis/memtl_runs.py" --mecsim "$MECSIM" --train "$TRAIN" --out "$OUT/sim" --jobs "$JOBS"
fi

# --- 4. figures -------------------------------------------------------------
if [[ " $STAGES " == *" figs "* ]]; then
  MEMTL_RUNS="$OUT" MEMTL_FIGS="$FIGS" "$PY" -m nbconvert --to notebook --execute --inplace \
    --ExecutePreprocessor.timeout=1200 "$SRC/analysis/memtl_figures.ipynb"
fi
