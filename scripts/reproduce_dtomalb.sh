#!/bin/bash
# reproduce_dtomalb.sh - the DTOMALB reproduction end to end, from seeds:
#   1. train DTOMALB, DTOMA, DQN-TOLB (branching: dqn-tolb-branch), IDQL-TOLB on the analytic env
#      (N = 10, training seeds 1..3), the two DQNs again with MADDPG's exploration schedule
#      (tag explore), and DTOMALB / both DQN-TOLBs / IDQL-TOLB for Fig. 7 (N = 5, 10, 15, 20,
#      seed 1, shorter runs; the joint-action dqn-tolb only where (M+1)^N fits: N = 5, and once
#      more there with 4x the episodes, tag long), with mecsim-train-dtomalb;
#   2. evaluate every model INSIDE the SimGrid simulation (mecsim, decisions
#      charged on the BS CPU) on evaluation seeds never used in training, next
#      to the untrained actors and the baselines random, least-loaded, greedy;
#   3. summarize (analysis/dtomalb_analysis.py) and rebuild the figures
#      (analysis/dtomalb_figures.ipynb, headless) into docs/figures/.
#
# usage: scripts/reproduce_dtomalb.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR  a Release build with mecsim and mecsim-train-dtomalb (default build)
#   OUT_DIR    models, traces, summary (default runs/dtomalb)
# environment (defaults = the numbers in docs/reproductions.md):
#   STAGES="train sim figs"   which steps to run
#   TRAIN_SEEDS="1 2 3"  EPISODES=800         N = 10 models
#   FIG7_NS="5 10 15 20" FIG7_EPISODES=400 FIG7_BATCH=256   Fig. 7 models (seed 1)
#   EVAL_SEEDS="101 102 103 104 105"          simulator seeds (task streams)
#   JOBS=2                                    trainings, and simulation runs, in parallel
#   FIGS=docs/figures                         where the PNGs go
# Takes ~25 min of CPU on 2 cores (MADDPG training dominates; a simulation
# run is ~0.1 s). Bit-identical on rerun with the same binaries (one BLAS
# thread per training).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
OUT=${2:-$SRC/runs/dtomalb}
STAGES=${STAGES:-"train sim figs"}
TRAIN_SEEDS=${TRAIN_SEEDS:-"1 2 3"}
EPISODES=${EPISODES:-800}
FIG7_NS=${FIG7_NS:-"5 10 15 20"}
FIG7_EPISODES=${FIG7_EPISODES:-400}
FIG7_BATCH=${FIG7_BATCH:-256}
EVAL_SEEDS=${EVAL_SEEDS:-"101 102 103 104 105"}
JOBS=${JOBS:-2}
FIGS=${FIGS:-$SRC/docs/figures}
MECSIM=$BUILD/mecsim
TRAIN=$BUILD/mecsim-train-dtomalb
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 PATH=/usr/bin:$PATH
for b in "$MECSIM" "$TRAIN"; do [ -x "$b" ] || { echo "reproduce_dtomalb: no $b (build it first)" >&2; exit 2; }; done
mkdir -p "$OUT/train" "$OUT/sim" "$FIGS"
# Absolute paths: the notebook runs with analysis/ as its working directory, where a relative
# OUT would name nothing (it then drew no figure at all, silently).
OUT=$(cd "$OUT" && pwd) FIGS=$(cd "$FIGS" && pwd)

# --- 1. training -----------------------------------------------------------
# train TAG ALGO N SEED EPISODES [extra args]: model train/TAG-ALGO-nN-sSEED.h5,
# its training trace ...-train.h5 (/training), held-out env evaluation
# ...eval.txt (task seeds 1,000,000.., not the simulator's), progress ...log
train() {
  local tag=$1 algo=$2 n=$3 seed=$4 eps=$5; shift 5
  local base="$OUT/train/$tag-$algo-n$n-s$seed"
  if [ -s "$base.h5" ] && [ -s "$base-train.h5" ]; then return 0; fi
  # --local-queue 1: local tasks queue on the MD across slots, as in the
  # simulator (eq. 6 alone would forget a local task still running)
  if "$TRAIN" --algo "$algo" --n-md "$n" --episodes "$eps" --seed "$seed" --local-queue 1 --out "$base.h5" \
      --trace "$base-train.h5" --progress 100 --eval-episodes 20 "$@" > "$base.eval.txt" 2> "$base.log"; then
    echo "trained $tag $algo N=$n seed $seed ($eps episodes)"
  else
    echo "reproduce_dtomalb: training $tag $algo N=$n seed $seed failed, see $base.log" >&2
    rm -f "$base.h5"
    return 1
  fi
}
# the algorithms of Fig. 7 at N MDs: the joint-action DQN only where its (M+1)^N outputs fit (N <= 5)
fig7_algos() { if [ "$1" -le 5 ]; then echo dtomalb dqn-tolb dqn-tolb-branch idql-tolb; else echo dtomalb dqn-tolb-branch idql-tolb; fi; }
if [[ " $STAGES " == *" train "* ]]; then
  specs=()
  for s in $TRAIN_SEEDS; do
    for a in dtomalb dtoma dqn-tolb-branch idql-tolb; do specs+=("main $a 10 $s $EPISODES"); done
    # the DQNs with MADDPG's exploration (uniform 0.1 -> 0) instead of epsilon 1 -> 0.05
    for a in dqn-tolb-branch idql-tolb; do specs+=("explore $a 10 $s $EPISODES --explore-schedule maddpg"); done
  done
  # the untrained networks (same initial weights as the seed-1 runs)
  for a in dtomalb dqn-tolb-branch idql-tolb; do specs+=("untrained $a 10 1 0"); done
  # Fig. 7: seed 1, fewer episodes and smaller minibatches (MADDPG's cost grows ~N^2)
  for n in $FIG7_NS; do
    for a in $(fig7_algos "$n"); do specs+=("f7 $a $n 1 $FIG7_EPISODES --batch $FIG7_BATCH"); done
  done
  # the joint-action DQN at N = 5 again with 4x the episodes: does it only need longer?
  specs+=("long dqn-tolb 5 1 $((FIG7_EPISODES * 4)) --batch $FIG7_BATCH")
  fail=0
  for sp in "${specs[@]}"; do
    # shellcheck disable=SC2086
    train $sp &
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || fail=1; done
  done
  while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || fail=1; done
  wait || fail=1
  [ $fail = 0 ] || { echo "reproduce_dtomalb: some trainings failed" >&2; exit 1; }
fi

# --- 2. evaluation in the simulator -----------------------------------------
# sim PLATFORM_TAG N LABEL POLICY DECIDE EVAL_SEED [MODEL | ARGS]: one mecsim run, trace
# sim/PLATFORM_TAG/LABEL-eSEED.h5, one row of sim/runs.csv. The loops below only list the runs
# (sim/runs.tsv); they are then one sweep of tools/mecsim-sweep (docs/sweeps.md; the listed
# parameters zipped, GNU parallel with JOBS slots) in sim/sweep/ (spec sweep.toml, traces in runs/,
# index.csv), whose traces are linked under the names above. A rerun runs only what is missing.
MANIFEST=$OUT/sim/runs.csv
RUNLIST=$OUT/sim/runs.tsv
sim() {
  local ptag=$1 n=$2 label=$3 policy=$4 decide=$5 seed=$6 model=${7:-}
  local plat dep args=""
  case $ptag in
    cell) plat=$SRC/platforms/dtomalb_cell.xml dep=$SRC/deployments/dtomalb_cell.xml ;;
    n10shared) plat=$SRC/platforms/dtomalb_n10_shared.xml dep=$SRC/deployments/dtomalb_n10.xml ;;
    *) plat=$SRC/platforms/dtomalb_$ptag.xml dep=$SRC/deployments/dtomalb_$ptag.xml ;;
  esac
  case $model in
    *.h5) args="model=$model" ;;
    ?*) args=$model ;;
  esac
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ptag" "$n" "$label" "$policy" "$decide" "$seed" \
    "$(basename "$model")" "$plat" "$dep" "$args" >> "$RUNLIST"
}
baselines() { # PLATFORM_TAG N SEED
  sim "$1" "$2" random random per-task "$3"
  sim "$1" "$2" random-server random per-task "$3" p_local=0
  sim "$1" "$2" least-loaded least-loaded per-task "$3"
  sim "$1" "$2" least-loaded-central least-loaded per-slot "$3"
  sim "$1" "$2" greedy greedy per-task "$3"
  sim "$1" "$2" greedy-central greedy per-slot "$3"
}
decide_of() { case $1 in dqn-tolb | dqn-tolb-branch) echo per-slot ;; *) echo per-task ;; esac; }
if [[ " $STAGES " == *" sim "* ]]; then
  : > "$RUNLIST"
  T=$OUT/train
  for e in $EVAL_SEEDS; do
    # N = 10 on the training MDs (dtomalb_n10), on the same MDs with shared
    # fiber links (n10shared), and on platforms/dtomalb_cell.xml's MDs (cell)
    for ptag in n10 n10shared cell; do
      for s in $TRAIN_SEEDS; do
        for a in dtomalb dtoma dqn-tolb-branch idql-tolb; do
          [ -s "$T/main-$a-n10-s$s.h5" ] && sim $ptag 10 "$a-s$s" "$a" "$(decide_of $a)" "$e" "$T/main-$a-n10-s$s.h5"
        done
        for a in dqn-tolb-branch idql-tolb; do
          [ -s "$T/explore-$a-n10-s$s.h5" ] &&
            sim $ptag 10 "explore-$a-s$s" "$a" "$(decide_of $a)" "$e" "$T/explore-$a-n10-s$s.h5"
        done
      done
      for a in dtomalb dqn-tolb-branch idql-tolb; do
        [ -s "$T/untrained-$a-n10-s1.h5" ] &&
          sim $ptag 10 "$a-untrained" "$a" "$(decide_of $a)" "$e" "$T/untrained-$a-n10-s1.h5"
      done
      baselines $ptag 10 "$e"
    done
    # Fig. 7: utility vs N
    for n in $FIG7_NS; do
      for a in $(fig7_algos "$n"); do
        [ -s "$T/f7-$a-n$n-s1.h5" ] && sim "n$n" "$n" "f7-$a" "$a" "$(decide_of $a)" "$e" "$T/f7-$a-n$n-s1.h5"
      done
      [ "$n" = 10 ] || baselines "n$n" "$n" "$e"   # n10's baselines ran above
    done
    [ -s "$T/long-dqn-tolb-n5-s1.h5" ] && sim n5 5 long-dqn-tolb dqn-tolb per-slot "$e" "$T/long-dqn-tolb-n5-s1.h5"
  done
  # the listed runs as one sweep: every column zipped; ptag, n_md, label and model only name the runs
  "$PY" - "$RUNLIST" "$OUT/sim/sweep" "$SRC" <<'PYSPEC'
import sys
sys.path.insert(0, sys.argv[3] + "/tools")
import mecsim_sweep
cols = {k: [] for k in ("ptag", "n_md", "label", "policy", "decide", "seed", "model", "platform", "deployment",
                        "policy_args")}
for line in open(sys.argv[1]):
    for k, v in zip(cols, line.rstrip("\n").split("\t")):
        cols[k].append(int(v) if k in ("n_md", "seed") else v)
import os
os.makedirs(sys.argv[2], exist_ok=True)
mecsim_sweep.write_toml({
    "sweep": {"name": "dtomalb-eval", "combine": "zip", "labels": ["ptag", "n_md", "label", "model"]},
    "fixed": {"sample": 0.025},
    "swept": cols}, sys.argv[2] + "/sweep.toml")
PYSPEC
  "$SRC/tools/mecsim-sweep" run "$OUT/sim/sweep/sweep.toml" --out "$OUT/sim/sweep" --mecsim "$MECSIM" \
    --jobs "$JOBS" --retry-failed > "$OUT/sim/sweep.log" 2>&1 ||
    { tail -n 20 "$OUT/sim/sweep.log" >&2; echo "reproduce_dtomalb: some simulation runs failed (above)" >&2; exit 1; }
  "$SRC/tools/mecsim-sweep" link "$OUT/sim/sweep" "$OUT/sim" --pattern '{ptag}/{label}-e{seed}' > /dev/null
  echo "platform,n_md,label,policy,decide,eval_seed,model,trace" > "$MANIFEST"
  awk -F'\t' -v OFS=, '{ print $1, $2, $3, $4, $5, $6, $7, "sim/" $1 "/" $3 "-e" $6 ".h5" }' "$RUNLIST" >> "$MANIFEST"
  echo "simulated $(($(wc -l < "$MANIFEST") - 1)) runs (sweep $OUT/sim/sweep), manifest $MANIFEST"
  "$PY" "$SRC/analysis/dtomalb_analysis.py" summary "$OUT" | tee "$OUT/summary.md"
fi

# --- 3. figures ---------------------------------------------------------------
if [[ " $STAGES " == *" figs "* ]]; then
  mkdir -p "$FIGS"
  DTOMALB_RUNS=$OUT DTOMALB_FIGS=$FIGS jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 --output-dir "$OUT" --output dtomalb_figures.executed.ipynb \
    "$SRC/analysis/dtomalb_figures.ipynb" > /dev/null
  echo "figures in $FIGS (executed notebook: $OUT/dtomalb_figures.executed.ipynb)"
fi
