#!/bin/bash
# train_external_agent.sh - the example PyTorch agent of docs/external.md end to end: trains
# python/examples/train_dtomalb_agent.py through mecsim.env.MecsimEnv on the DTOMALB cell
# (platforms/dtomalb_cell.xml), evaluates it on held-out seeds next to the built-in random, greedy and
# least-loaded (traces under OUT/heldout/), then (unless --no-figs) runs
# analysis/external_agent_figures.ipynb headless: the learning curve and the comparison, in FIGS.
#
# usage: scripts/train_external_agent.sh [--quick] [--no-figs] [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR  a build with mecsim (default build)
#   OUT_DIR    curve.csv, eval.csv, model.pt, heldout/ ... (default runs/external_agent)
#   --quick    a toy run for the tests: 6 episodes of 8 slots, held-out seeds 101, 102
# environment: EPISODES (600), EVAL_EVERY (25), HELDOUT (101,102,103,104,105), SLOTS (50), SEED (1),
#   FIGS (docs/figures; the notebook's EXTERNAL_AGENT_FIGS)
# Needs Debian python3-torch (scripts/install-deps.sh). One torch thread; a rerun gives the same numbers.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
quick=0 figs=1
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --no-figs) figs=0; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
BUILD=$(cd "${1:-$SRC/build}" && pwd)
OUT=${2:-$SRC/runs/external_agent}
if [ $quick = 1 ]; then
  EPISODES=${EPISODES:-6} EVAL_EVERY=${EVAL_EVERY:-3} HELDOUT=${HELDOUT:-101,102} SLOTS=${SLOTS:-8}
fi
EPISODES=${EPISODES:-600} EVAL_EVERY=${EVAL_EVERY:-25} HELDOUT=${HELDOUT:-101,102,103,104,105}
SLOTS=${SLOTS:-50} SEED=${SEED:-1}
FIGS=${FIGS:-$SRC/docs/figures}
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 PATH=/usr/bin:$PATH
[ -x "$BUILD/mecsim" ] || { echo "train_external_agent: no $BUILD/mecsim (build it first)" >&2; exit 2; }
$PY -c "import torch" 2>/dev/null || { echo "train_external_agent: no torch for $PY (apt-get install python3-torch)" >&2; exit 2; }
mkdir -p "$OUT" "$FIGS"
OUT=$(cd "$OUT" && pwd) FIGS=$(cd "$FIGS" && pwd)

$PY "$SRC/python/examples/train_dtomalb_agent.py" --mecsim "$BUILD/mecsim" --out "$OUT" --episodes "$EPISODES" \
  --eval-every "$EVAL_EVERY" --heldout "$HELDOUT" --slots "$SLOTS" --seed "$SEED" 2>&1 | tee "$OUT/train.log"

if [ $figs = 1 ]; then
  cd "$SRC"
  EXTERNAL_AGENT_RUNS=$OUT EXTERNAL_AGENT_FIGS=$FIGS jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=600 \
    analysis/external_agent_figures.ipynb --output "$OUT/external_agent_figures.ipynb" > "$OUT/notebook.log" 2>&1 ||
    { echo "train_external_agent: the notebook failed, see $OUT/notebook.log" >&2; exit 1; }
  echo "figure: $FIGS/external_agent_curve.png; summary: $OUT/external_agent_summary.csv"
fi
