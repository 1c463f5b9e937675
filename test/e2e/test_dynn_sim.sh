#!/bin/bash
# test_dynn_sim.sh MECSIM SRCDIR - the DyNN policies in the simulator, quick:
# trains a tiny model with mecsim-train-dynn (next to MECSIM), runs every
# DyNN policy on a generated DyNN cell (platforms/generate_dynn.py) and checks
# the traces against the paper (test/e2e/dynn_check.py): without contention a
# task's simulated delay is its decision's inference (lambda MACs / f, staged
# as eqs. 34-35) plus eq. 3 or eq. 4 within 1 %, the shares respect b_max and
# f_ser. Then: overlapping slots make the shares contend (delays above eq. 3,
# never below), a run is reproducible, and bad input is refused with exit 2.
# The model is far too small to be good: this checks the plumbing, not the
# learning (test_dynn_train and docs/reproductions.md do that).
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "${2:-$(dirname "$0")/../..}")
TRAIN=$(dirname "$MECSIM")/mecsim-train-dynn
PY=/usr/bin/python3
export PATH=/usr/bin:/bin:$PATH OPENBLAS_NUM_THREADS=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }
[ -x "$TRAIN" ] || { ko "no $TRAIN next to $MECSIM"; finish; }

# 1. a tiny model (every network: MoE, static, policy x3, scheduling x2)
# (budgets below --quick's: 30 s with the sanitizers)
if "$TRAIN" all --quick --seed 7 --progress 0 --steps-full 30 --steps-width 10 --steps-depth1 10 --steps-depth2 10 \
    --static-steps 20 --policy-samples 60 --policy-epochs 5 --episodes 20 --eval-slots 20 \
    --out "$W/m.h5" > "$W/train.out" 2>&1 && [ -s "$W/m.h5" ]; then
  ok "trained a tiny model (mecsim-train-dynn all with tiny budgets)"
else
  ko "training: $(tail -3 "$W/train.out")"; finish
fi

# 2. a DyNN cell, 30 users, 8 slots, held-out seed 101 (the model saw only its own sample streams)
gen() { "$PY" "$SRC/platforms/generate_dynn.py" --seed 101 --slots 8 "$@"; }
gen --platform "$W/p.xml" --deployment "$W/d.xml" --model "$W/m.h5" || { ko "generate_dynn.py"; finish; }
runs=(
  "equal-all|dynn-equal|sched=all"
  "equal-rand|dynn-equal|sched=rand"
  "ga|dynn-ga|max_iter=20"
  "ga-joint|dynn-ga|joint=1,max_iter=20"
  "policymoe|dynn|sched=all,no_local=1,alloc=policy"
  "fix-width|dynn|sched=all,no_local=1,alloc=fix-width"
  "fix-depth|dynn|sched=all,no_local=1,alloc=fix-depth"
  "fix-k2-l1|dynn|sched=all,no_local=1,alloc=fix,k=2,l=1"
  "static|dynn|sched=all,no_local=1,alloc=static"
  "pmrl|dynn|sched=rl,alloc=policy"
  "rl-fix|dynn|sched=rl,alloc=fix"
  "rand-policy|dynn|sched=rand,alloc=policy"
)
traces=()
for r in "${runs[@]}"; do
  IFS='|' read -r label pol args <<< "$r"
  if "$MECSIM" "$W/p.xml" "$W/d.xml" --policy="$pol" --policy_args="$args" --quiet=1 --trace="$W/$label.h5" \
      > "$W/$label.out" 2>&1; then
    traces+=("$W/$label.h5")
  else
    ko "mecsim --policy $pol --policy_args $args: $(grep -v __asan_handle_no_return "$W/$label.out" | tail -2)"
  fi
done
[ ${#traces[@]} = ${#runs[@]} ] && ok "${#runs[@]} DyNN runs completed"
if "$PY" "$SRC/test/e2e/dynn_check.py" "${traces[@]}" > "$W/check.out" 2>&1; then
  ok "dynn_check.py: $(grep -c '^ok' "$W/check.out") checks on ${#traces[@]} traces"
else
  ko "dynn_check.py:"; grep -v '^ok' "$W/check.out"
fi
# what the policies did, from the traces
out=$(PYTHONPATH="$SRC/analysis" "$PY" - "$W" <<'EOF'
import sys, h5py, numpy as np
w = sys.argv[1]
def load(n):
    f = h5py.File(f"{w}/{n}.h5", "r")
    return f["tasks"][()], f["decisions"][()]
def say(good, what):
    print(("ok: " if good else "FAIL: ") + what)
t, d = load("fix-k2-l1")
say(np.all(d["arch_k"] == 2) and np.all(d["arch_l"] == 1), "alloc=fix,k=2,l=1 runs k = 2, l = 1 in every decision")
t, d = load("fix-width")
say(np.all(d["arch_k"] == 10) and np.all((d["arch_l"] >= 1) & (d["arch_l"] <= 3)), "fix-width: k = K = 10, l in 1..3")
t, d = load("fix-depth")
say(np.all(d["arch_l"] == 3) and np.all((d["arch_k"] >= 1) & (d["arch_k"] <= 10)), "fix-depth: l = L = 3, k in 1..10")
t, d = load("static")
say(np.all(d["arch_k"] == 0) and np.all(d["macs"] > 0), "static model: MACs charged, no (k, l)")
m_fix = np.mean(load("fix-k2-l1")[1]["macs"]); m_full = np.mean(load("rl-fix")[1]["macs"])
say(m_fix < m_full, f"a smaller MoE costs fewer MACs ({m_fix:.0f} < {m_full:.0f})")
t, d = load("pmrl")
say(np.all(d["done_local"] <= d["done"]) and np.all(d["macs"] > 0), "PMRL: staged decisions, MACs charged")
t, d = load("rand-policy")
frac = np.mean(t["target"] > 0)
say(0.3 < frac < 0.7, f"sched=rand offloads about half the tasks ({frac:.2f})")
loc = t["target"] == 0
say(loc.any() and np.all(np.isnan(t["bw_share"][loc]) | (t["bw_share"][loc] == 0)), "local tasks get no shares")
t, d = load("ga")
say(np.all(t["target"] == 1) and np.all(d["flops"] > 0) and np.all(d["macs"] == 0),
    f"GA: every task offloaded, its compute charged ({np.mean(d['flops']):.3g} flops per decision)")
EOF
)
echo "$out"
pass=$((pass + $(grep -c '^ok' <<< "$out"))); fail=$((fail + $(grep -c '^FAIL' <<< "$out")))

# 3. contention: slots of 4 ms, shorter than the tasks, so reserved shares of consecutive slots overlap
if "$MECSIM" "$W/p.xml" "$W/d.xml" --policy=dynn-equal --slot=0.004 --gather=1e-6 --quiet=1 --trace="$W/cont.h5" \
    > "$W/cont.out" 2>&1; then
  out=$("$PY" - "$W/cont.h5" <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
t = f["tasks"][()]
ex = t["exec_end"] - t["exec_start"]
alone = t["cycles"] / (t["cpu_share"] * 2.5e9)   # eq. 2 with the task's own share
r = ex / alone
print(("ok: " if np.all(r >= 1 - 1e-6) and np.any(r > 1.01) else "FAIL: ") +
      f"overlapping slots: executions never faster than their share, {np.mean(r > 1.01):.0%} slowed by contention (max x{r.max():.2f})")
EOF
)
  echo "$out"; grep -q '^ok' <<< "$out" && pass=$((pass + 1)) || fail=$((fail + 1))
else
  ko "contention run: $(tail -2 "$W/cont.out")"
fi

# 4. reproducible: the same seed gives the same trace tables
"$MECSIM" "$W/p.xml" "$W/d.xml" --policy=dynn-ga --policy_args=joint=1,max_iter=20 --quiet=1 \
  --trace="$W/ga-joint-2.h5" > /dev/null 2>&1
if "$PY" -c "
import sys, h5py, numpy as np
a, b = (h5py.File(p, 'r') for p in sys.argv[1:3])
sys.exit(0 if all(a[k][()].tobytes() == b[k][()].tobytes() and len(a[k]) > 0 for k in ('tasks', 'decisions')) else 1)
" "$W/ga-joint.h5" "$W/ga-joint-2.h5"; then ok "dynn-ga joint: same seed, same /tasks and /decisions"; else ko "dynn-ga not reproducible"; fi

# 5. bad input: one clear line, exit 2
printf 'junk' > "$W/junk.h5"
bad() { # EXPECTED-TEXT ARGS...
  local want=$1; shift
  "$MECSIM" "$W/p.xml" "$W/d.xml" --quiet=1 --trace= "$@" > "$W/bad.out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -q -- "$want" "$W/bad.out"; then ok "refused ($want): $*"; else
    ko "expected exit 2 and '$want' for $*: rc=$rc, $(head -2 "$W/bad.out")"; fi
}
bad "no model file" --policy=dynn --model=
bad "not an HDF5 file" --policy=dynn --model="$W/junk.h5"
bad "k=11" --policy=dynn --policy_args=alloc=fix,k=11
bad "alloc=foo" --policy=dynn --policy_args=alloc=foo
bad "with alloc=fix only" --policy=dynn --policy_args=alloc=policy,l=2
bad "sched=rl: expected all or rand" --policy=dynn-equal --policy_args=sched=rl
bad "lambda=-1" --policy=dynn --policy_args=lambda=-1
bad "joint=2" --policy=dynn-ga --policy_args=joint=2
bad "decide_on=md is not supported" --policy=dynn-equal --decide=per-task --decide_on=md
bad "task_cycles_per_bit" --policy=dynn-equal --task_cycles_per_bit=uniform:-5:1
bad "above the limit" --policy=dynn-equal --task_cycles_per_bit=const:1e9 --task_bits=const:1e10
# the generator and the trainer refuse bad options the same way
tool() { # EXPECTED-TEXT COMMAND...
  local want=$1; shift
  "$@" > "$W/tool.out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -q -- "$want" "$W/tool.out"; then ok "refused ($want): ${*: -2}"; else
    ko "expected exit 2 and '$want' from $*: rc=$rc, $(tail -1 "$W/tool.out")"; fi
}
tool "expected 1..10000 users" "$PY" "$SRC/platforms/generate_dynn.py" --n-md 0
tool "expected 0 < A <= B" "$PY" "$SRC/platforms/generate_dynn.py" --floc 5:1
tool "outside 0..100000000" "$TRAIN" all --episodes -3 --out "$W/x.h5"
tool "not an HDF5 file" "$TRAIN" eval --model "$W/junk.h5"
tool "unknown command" "$TRAIN" bogus
[ ! -e "$W/x.h5" ] && ok "a refused training writes no model file" || ko "a refused training left $W/x.h5"
finish
