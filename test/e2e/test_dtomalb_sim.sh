#!/bin/bash
# test_dtomalb_sim.sh MECSIM SRCDIR - the DTOMALB pipeline end to end, quick:
# trains tiny DTOMALB, DTOMA and DQN-TOLB-branch models with
# mecsim-train-dtomalb (next to MECSIM), evaluates them INSIDE the simulator
# on a held-out seed (platforms/dtomalb_n10.xml, the training env's MDs), and
# the joint-action DQN-TOLB on platforms/dtomalb_n5.xml (N = 5 is its
# limit at M = 5: 6^5 outputs), checks the traces
# (decisions charged on the BS, every task completed) and executes
# analysis/dtomalb_figures.ipynb headless on those traces.
# Models are far too small to be good: this checks the plumbing, not the
# learning (test_dtomalb_train checks that; docs/reproductions.md the figures).
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "${2:-$(dirname "$0")/../..}")
TRAIN=$(dirname "$MECSIM")/mecsim-train-dtomalb
PY=/usr/bin/python3
export PATH=/usr/bin:$PATH OPENBLAS_NUM_THREADS=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

TRAIN_SEED=7 EVAL_SEED=101   # the evaluation seed's task streams are never seen in training
[ -x "$TRAIN" ] || { ko "no $TRAIN next to $MECSIM"; finish; }
mkdir -p "$W/train" "$W/sim/n10"

# 1. tiny trainings (same scenario as the platform: N = 10 (joint dqn-tolb:
#    N = 5), M = 5, local queue)
for an in dtomalb:10 dtoma:10 dqn-tolb-branch:10 dqn-tolb:5; do
  a=${an%:*} n=${an#*:}
  base=$W/train/main-$a-n$n-s$TRAIN_SEED
  if "$TRAIN" --algo $a --n-md $n --episodes 4 --steps 20 --hidden 16 --batch 64 --warmup 64 \
      --seed $TRAIN_SEED --local-queue 1 --progress 0 --out "$base.h5" --trace "$base-train.h5" > "$W/$a.out" 2>&1 &&
     [ -s "$base.h5" ] && [ -s "$base-train.h5" ]; then
    ok "trained tiny $a, N = $n (4 episodes x 20 slots)"
  else
    ko "training $a: $(tail -3 "$W/$a.out")"
  fi
done
# the joint network has (M+1)^N outputs: N = 10 is refused, naming the way out
if ! "$TRAIN" --algo dqn-tolb --n-md 10 --episodes 1 --progress 0 > "$W/joint10.out" 2>&1 &&
   grep -q "limit 7776.*dqn-tolb-branch" "$W/joint10.out"; then
  ok "--algo dqn-tolb --n-md 10 refused: $(head -1 "$W/joint10.out")"
else
  ko "--algo dqn-tolb --n-md 10 not refused as expected: $(head -2 "$W/joint10.out")"
fi

# 2. evaluation in the simulator, seed $EVAL_SEED
mkdir -p "$W/sim/n5"
echo "platform,n_md,label,policy,decide,eval_seed,model,trace" > "$W/sim/runs.csv"
run() { # LABEL POLICY DECIDE [policy_args]; N from $N_MD (default 10); only N = 10 goes into runs.csv
  local n=${N_MD:-10}
  local tr=sim/n$n/$1-e$EVAL_SEED.h5 args=(--policy="$2" --decide="$3" --seed=$EVAL_SEED --sample=0.025 --quiet=1)
  [ -n "${4:-}" ] && args+=(--policy_args="$4")
  if "$MECSIM" "$SRC/platforms/dtomalb_n$n.xml" "$SRC/deployments/dtomalb_n$n.xml" "${args[@]}" \
      --trace="$W/$tr" > "$W/$1.out" 2>&1; then
    ok "mecsim --policy $2 --decide $3 ran on seed $EVAL_SEED (N = $n)"
    [ "$n" = 10 ] && echo "n10,10,$1,$2,$3,$EVAL_SEED,$(basename "${4:-}"),$tr" >> "$W/sim/runs.csv"
  else
    ko "mecsim --policy $2: $(grep -v __asan_handle_no_return "$W/$1.out" | tail -3)"
  fi
}
run dtomalb-s$TRAIN_SEED dtomalb per-task "model=$W/train/main-dtomalb-n10-s$TRAIN_SEED.h5"
run dtoma-s$TRAIN_SEED dtoma per-task "model=$W/train/main-dtoma-n10-s$TRAIN_SEED.h5"
run dqn-tolb-branch-s$TRAIN_SEED dqn-tolb-branch per-slot "model=$W/train/main-dqn-tolb-branch-n10-s$TRAIN_SEED.h5"
N_MD=5 run dqn-tolb-s$TRAIN_SEED dqn-tolb per-slot "model=$W/train/main-dqn-tolb-n5-s$TRAIN_SEED.h5"
run random-server random per-task p_local=0
run least-loaded-central least-loaded per-slot

# 3. the traces: decisions charged, every task done, held-out seed
out=$(PYTHONPATH="$SRC/analysis" "$PY" - "$W" $TRAIN_SEED $EVAL_SEED <<'EOF'
import sys, h5py, numpy as np
import mecsim_trace as mt
W, ts, es = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def say(ok, msg): print(("ok: " if ok else "FAIL: ") + msg)
# per_slot: 0 = per-task actor, 1 = one head per MD, 2 = one output per joint action
for a, n, per_slot in (("dtomalb", 10, 0), ("dtoma", 10, 0), ("dqn-tolb-branch", 10, 1), ("dqn-tolb", 5, 2)):
    try:
        tr = mt.load(f"{W}/sim/n{n}/{a}-s{ts}-e{es}.h5")
        mf = h5py.File(f"{W}/train/main-{a}-n{n}-s{ts}.h5", "r")
    except Exception as e:
        say(False, f"{a}: cannot read trace or model: {e}"); continue
    T, D, at = tr.tasks, tr.decisions, tr.attrs
    say(int(mf.attrs["train_seed"]) != int(at["seed"]),
        f"{a}: simulated on seed {at['seed']}, trained on seed {int(mf.attrs['train_seed'])} (held out)")
    say(len(T) == 50 * n and int(at["tasks_done"]) == 50 * n and np.isfinite(T.done).all()
        and (T.done >= T.arrival).all(), f"{a}: every task completed ({len(T)}/{50 * n})")
    h, o, A = int(mf.attrs["hidden"]), int(mf.attrs["obs_dim"]), int(mf.attrs["n_actions"])
    N, M = int(mf.attrs["n_md"]), int(mf.attrs["n_servers"])
    out_w = A ** N if per_slot == 2 else N * A
    macs = (M + 4 * N) * h + h * h + h * out_w if per_slot else o * h + h * h + h * A
    n_dec = 50 if per_slot else 50 * n
    say(len(D) == n_dec and (D.flops > 0).all() and np.allclose(D.flops, 2.0 * macs * (1 if per_slot else D.batch)),
        f"{a}: {len(D)} decisions (expected {n_dec}), flops = 2 x {macs} MACs per {'batch' if per_slot else 'task'}"
        f" (got {D.flops.iloc[0] if len(D) else 'none'})")
    ds = T.decide_end - T.decide_start
    bs_hz = 10e9   # the BS host's speed in platforms/dtomalb_n10.xml
    # per slot, the batch closes `gather` after the slot start, then one pass
    want = (float(at["cfg.gather"]) if per_slot else 0.0) + 2.0 * macs / bs_hz
    say((ds > 0).all() and abs(ds.min() - want) <= 1e-9 * want + 1e-12,
        f"{a}: decide_end > decide_start for every task, shortest = {'gather + ' if per_slot else ''}one forward "
        f"pass on the BS ({ds.min():.4e} s vs {want:.4e} s)")
    say((D.done - D.time >= 2.0 * macs / bs_hz - 1e-12).all() and (D.host_kind == 0).all(),
        f"{a}: every /decisions row took >= one forward pass, on the BS (host_kind 0)")
    say(T.target.between(0, M).all(), f"{a}: targets in 0..{M}")
EOF
)
echo "$out"
pass=$((pass + $(grep -c '^ok: ' <<< "$out"))) fail=$((fail + $(grep -c '^FAIL: ' <<< "$out")))

# 4. the notebook on these traces
if [ -n "$(command -v jupyter)" ] && DTOMALB_RUNS=$W DTOMALB_FIGS=$W/figs timeout 120 jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 --output-dir "$W" --output nb.ipynb \
    "$SRC/analysis/dtomalb_figures.ipynb" > "$W/nb.out" 2>&1; then
  ok "analysis/dtomalb_figures.ipynb executed headless"
  for f in fig5_convergence fig6_load_term fig7_users fig8_server_load; do
    if [ -s "$W/figs/dtomalb_$f.png" ]; then ok "notebook wrote dtomalb_$f.png"; else ko "no dtomalb_$f.png"; fi
  done
else
  ko "notebook: $(tail -5 "$W/nb.out" 2>/dev/null)"
fi
finish
