#!/bin/bash
# test_memtl_sim.sh MECSIM SRCDIR - the MEMTL policies in the simulator, quick:
# runs a generated MEMTL cell (platforms/generate_memtl.py: 5 MTs, one task
# each per slot, per-slot decisions) with exhaustive, local and greedy and
# checks the traces against the paper's model (test/e2e/memtl_check.py):
# shares (bw_share = 1/N, sum of cpu_shares <= 1, on the step grid), the
# exact search's compute charged (flops = iterations x 6 x N), eqs. 4-5
# delays within 1 % in slots without contention, deadlines met when the
# model says the decision meets them, eq. 6 optimality against all-local, a
# lower mean cost than local. Then: a coarser grid costs less compute, the
# per-task and chunked (12 MTs > 10) modes, reproducibility, and bad input
# refused with exit 2.
#
# Part 2, with trained models (tiny ones trained here by the
# mecsim-train-memtl next to MECSIM, or MEMTL_MODEL=/path/model.h5; checks
# in test/e2e/memtl_model_check.py): the model decides a cell of its N MTs
# (MACs charged, flops = 2 MACs + the cost evaluations), a cell of N + 1 MTs
# (the last task by the exact generator, charged too), online=1 through a
# drift (one background job on the server; the new MEMTL head used only once
# the job has ended in simulated time); the wrong policy name, bad online
# arguments and a cell with fewer devices than N are refused.
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "${2:-$(dirname "$0")/../..}")
PY=/usr/bin/python3
CHECK="$SRC/test/e2e/memtl_check.py"
export PATH=/usr/bin:/bin:$PATH OPENBLAS_NUM_THREADS=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }
count() { # the ok/FAIL lines of a checker's output
  pass=$((pass + $(grep -c '^ok' <<< "$1"))); fail=$((fail + $(grep -c '^FAIL' <<< "$1")))
}
check() { # ARGS... of memtl_check.py; prints and counts its lines
  local out
  out=$("$PY" "$CHECK" "$@" 2>&1)
  [ $? -le 1 ] || out="FAIL: memtl_check.py $*: $(tail -1 <<< "$out")"
  echo "$out"; count "$out"
}
gen() { "$PY" "$SRC/platforms/generate_memtl.py" --seed 101 --slots 30 "$@"; }
run() { # LABEL PLATFORM DEPLOYMENT ARGS...: a run whose trace is $W/LABEL.h5
  local label=$1 p=$2 d=$3; shift 3
  if "$MECSIM" "$p" "$d" --quiet=1 --trace="$W/$label.h5" "$@" > "$W/$label.out" 2>&1; then return 0; fi
  ko "mecsim $*: $(grep -v -e __asan_handle_no_return -e 'False positive' -e 'For details' "$W/$label.out" | tail -2)"
  return 1
}

# 1. the MEMTL cell, 5 MTs, 30 slots, seed 101
gen --platform "$W/p.xml" --deployment "$W/d.xml" || { ko "generate_memtl.py"; finish; }
run exh "$W/p.xml" "$W/d.xml" --policy=exhaustive &&
  run local "$W/p.xml" "$W/d.xml" --policy=local &&
  run greedy "$W/p.xml" "$W/d.xml" --policy=greedy || finish
ok "exhaustive, local and greedy ran on the MEMTL cell"
check "$W/exh.h5" --grid 0.02 --exact-n 5 --optimal --compare "$W/local.h5"
# greedy (FCFS on the whole core, work-conserving) is no bound for fixed reserved fractions: shown only
"$PY" "$CHECK" "$W/greedy.h5" --compare "$W/exh.h5" | grep 'mean realized cost' | sed 's/^ok: \|^FAIL: /info: /'

# 2. other arguments: a coarser grid searches less; the paper's weights change the decisions
run exh10 "$W/p.xml" "$W/d.xml" --policy=exhaustive --policy_args=step=0.1 || finish
check "$W/exh10.h5" --grid 0.1 --exact-n 5 --optimal
out=$("$PY" - "$W" <<'EOF'
import sys, h5py, numpy as np
w = sys.argv[1]
f02 = h5py.File(f"{w}/exh.h5", "r")["decisions"][()]["flops"]
f10 = h5py.File(f"{w}/exh10.h5", "r")["decisions"][()]["flops"]
print(("ok: " if f10.mean() < f02.mean() else "FAIL: ") +
      f"step=0.1 charges less compute than step=0.02 ({f10.mean():.4g} < {f02.mean():.4g} flops per decision)")
EOF
)
echo "$out"; count "$out"
run energy "$W/p.xml" "$W/d.xml" --policy=exhaustive --policy_args=alpha=0.1,p_exec=0.2,p_down=0.5 || finish
check "$W/energy.h5" --grid 0.02 --exact-n 5 --optimal --alpha 0.1 --p-exec 0.2 --p-down 0.5 --compare "$W/local.h5"
# no fading (the rates can be checked against the path gain) and a result to download (P_d, d_n)
run nofade "$W/p.xml" "$W/d.xml" --policy=exhaustive --fading=none --result_bits=const:2e4 || finish
check "$W/nofade.h5" --grid 0.02 --exact-n 5 --optimal

# 3. per-task decisions: one MT per search, 1/N of band and server each (a server of 1e10 cycles/s,
# so that 1/5 of it is worth offloading to)
gen --server-speed 1e10 --platform "$W/pf.xml" --deployment "$W/df.xml" &&
  run pertask "$W/pf.xml" "$W/df.xml" --policy=exhaustive --decide=per-task &&
  check "$W/pertask.h5" --grid 0.02 --exact-n 1
out=$("$PY" -c "
import sys, h5py, numpy as np
t = h5py.File(sys.argv[1], 'r')['tasks'][()]
o = t['target'] > 0
print(('ok: ' if o.any() and np.all(t['cpu_share'][o] <= 0.2 + 1e-12) else 'FAIL: ') +
      f'per-task: {o.sum()} offloaded tasks, each with at most 1/5 of the core (largest {t[\"cpu_share\"][o].max(initial=0):.3f})')
" "$W/pertask.h5" 2>&1)
echo "$out"; grep -q '^ok' <<< "$out" && pass=$((pass + 1)) || fail=$((fail + 1))
# 12 MTs: chunks of 10 and 2 with 10/12 and 2/12 of the core, sub-bands 1/12 (slots of 3 s: the
# tasks of 1/12 sub-bands take longer)
gen --n-md 12 --slots 4 --slot 3 --platform "$W/p12.xml" --deployment "$W/d12.xml" &&
  run c12 "$W/p12.xml" "$W/d12.xml" --policy=exhaustive && check "$W/c12.h5" --optimal
out=$("$PY" -c "
import sys, h5py, numpy as np
d = h5py.File(sys.argv[1], 'r')['decisions'][()]
good = np.all(d['batch'] == 12) and np.all(d['macs'] == 0) and np.all(d['flops'] >= 6 * 2 * d['iterations']) and np.all(d['flops'] <= 6 * 10 * d['iterations'])
print(('ok: ' if good else 'FAIL: ') + f'12 MTs: two exact searches per slot, 6 x (2..10) flops per unit of work (mean {d[\"flops\"].mean():.4g} flops)')
" "$W/c12.h5" 2>&1)
echo "$out"; grep -q '^ok' <<< "$out" && pass=$((pass + 1)) || fail=$((fail + 1))

# 4. reproducible: the same seed gives the same trace tables
run exh-again "$W/p.xml" "$W/d.xml" --policy=exhaustive
if "$PY" -c "
import sys, h5py
a, b = (h5py.File(p, 'r') for p in sys.argv[1:3])
sys.exit(0 if all(a[k][()].tobytes() == b[k][()].tobytes() and len(a[k]) > 0 for k in ('tasks', 'decisions')) else 1)
" "$W/exh.h5" "$W/exh-again.h5"; then ok "exhaustive: same seed, same /tasks and /decisions"; else ko "exhaustive not reproducible"; fi

# 5. bad input: one clear line, exit 2
printf 'junk' > "$W/junk.h5"
bad() { # EXPECTED-TEXT ARGS...
  local want=$1; shift
  "$MECSIM" "$W/p.xml" "$W/d.xml" --quiet=1 --trace= "$@" > "$W/bad.out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -q -- "$want" "$W/bad.out"; then ok "refused ($want): $*"; else
    ko "expected exit 2 and '$want' for $*: rc=$rc, $(grep -v -e asan -e 'False positive' -e 'For details' "$W/bad.out" | head -2)"; fi
}
bad "step=0.03: expected a grid step" --policy=exhaustive --policy_args=step=0.03
bad "step=0: expected a grid step" --policy=exhaustive --policy_args=step=0
bad "unknown policy argument 'stp'" --policy=exhaustive --policy_args=stp=0.02
bad "unknown policy argument 'model'" --policy=exhaustive --policy_args=model=x.h5
bad "alpha=1.5" --policy=exhaustive --policy_args=alpha=1.5
bad "p_exec=-1" --policy=exhaustive --policy_args=p_exec=-1
bad "p_down" --policy=exhaustive --policy_args=p_down=abc
bad "pick=foo: expected cost" --policy=memtl --policy_args=pick=foo
bad "pick=head: expected cost" --policy=mtfnn --policy_args=pick=head
bad "h=raw: expected equiv" --policy=memtl --policy_args=h=raw
bad "no model file" --policy=memtl --model=
bad "no model file" --policy=mtfnn
bad "cannot read" --policy=memtl --model="$W/missing.h5"
bad "$W/junk.h5" --policy=mtfnn --policy_args=model="$W/junk.h5"
tool() { # EXPECTED-TEXT COMMAND...
  local want=$1; shift
  "$@" > "$W/tool.out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -q -- "$want" "$W/tool.out"; then ok "refused ($want): ${*: -2}"; else
    ko "expected exit 2 and '$want' from $*: rc=$rc, $(tail -1 "$W/tool.out")"; fi
}
tool "expected 1..10000 MTs" "$PY" "$SRC/platforms/generate_memtl.py" --n-md 0
tool "expected 0 < A <= B" "$PY" "$SRC/platforms/generate_memtl.py" --floc 5:1
tool "must be a positive finite number" "$PY" "$SRC/platforms/generate_memtl.py" --deadline 0

# ---------------------------------------------------------------------------
# Part 2: trained models. MEMTL_MODEL=/path/model.h5 runs it on that model;
# otherwise tiny MEMTL (3 heads) and MTFNN models of N = 3 are trained here
# with the mecsim-train-memtl next to MECSIM (the pipeline, not the quality).
# ---------------------------------------------------------------------------
model_part() {
MODEL=$(readlink -f "$1")
[ -s "$MODEL" ] || { ko "model $1: no such file"; return; }
read -r KIND N HEADS < <("$PY" -c "
import sys, h5py
a = h5py.File(sys.argv[1], 'r').attrs
k = a['kind_name']; k = k.decode() if isinstance(k, bytes) else str(k)
print(k, int(a['n_mt']), int(a['n_heads']))
" "$MODEL" 2>/dev/null) || { ko "$MODEL: no kind_name / n_mt / n_heads attributes"; return; }
OTHER=$([ "$KIND" = memtl ] && echo mtfnn || echo memtl)
echo "model: $KIND, N = $N MTs, $HEADS head(s)"
gen --n-md "$N" --platform "$W/pm.xml" --deployment "$W/dm.xml" --model "$MODEL" || { ko "generate_memtl.py"; return; }
gen --n-md $((N + 1)) --platform "$W/pm1.xml" --deployment "$W/dm1.xml" --model "$MODEL" || { ko "generate_memtl.py"; return; }
if run model "$W/pm.xml" "$W/dm.xml" --policy="$KIND" && run model-local "$W/pm.xml" "$W/dm.xml" --policy=local &&
    run model-exh "$W/pm.xml" "$W/dm.xml" --policy=exhaustive &&
    run model-h0 "$W/pm.xml" "$W/dm.xml" --policy="$KIND" --policy_args=pick=head0,h=gain &&
    run model-n1 "$W/pm1.xml" "$W/dm1.xml" --policy="$KIND" &&
    run model-drift "$W/pm.xml" "$W/dm.xml" --policy="$KIND" --set drift_at=10 --set drift_size=2.5 \
      --policy_args=online=1,online_window=4,online_detect=4,online_epochs=2; then
  ok "$KIND ran on cells of $N and $((N + 1)) MTs, and online through a drift"
  check "$W/model.h5"
  check "$W/model-n1.h5"
  out=$("$PY" "$SRC/test/e2e/memtl_model_check.py" "$W" "$N" "$HEADS" "$KIND" 2>&1)
  echo "$out"; count "$out"
fi
bad "run it with --policy $KIND" --policy="$OTHER" --model="$MODEL"
bad "online=2: expected 0 or 1" --policy="$KIND" --model="$MODEL" --policy_args=online=2
bad "online_window=0" --policy="$KIND" --model="$MODEL" --policy_args=online=1,online_window=0
if [ "$N" -gt 1 ]; then
  gen --n-md $((N - 1)) --platform "$W/ps.xml" --deployment "$W/ds.xml" --model "$MODEL"
  "$MECSIM" "$W/ps.xml" "$W/ds.xml" --quiet=1 --trace= --policy="$KIND" > "$W/bad.out" 2>&1
  rc=$?
  if [ $rc = 2 ] && grep -q "but the cell has $((N - 1)) devices" "$W/bad.out"; then ok "refused: a cell of fewer devices than N"
  else ko "a cell of $((N - 1)) devices with an N = $N model: rc=$rc, $(grep mecsim: "$W/bad.out" | head -1)"; fi
fi
if [ "$HEADS" -lt 16 ]; then bad "pick=head$HEADS: model file" --policy="$KIND" --model="$MODEL" --policy_args=pick=head$HEADS; fi
}

if [ -n "${MEMTL_MODEL:-}" ]; then
  model_part "$MEMTL_MODEL"
  finish
fi
TRAIN="$(dirname "$MECSIM")/mecsim-train-memtl"
[ -x "$TRAIN" ] || { echo "skip: memtl / mtfnn runs ($TRAIN not built)"; finish; }
if "$TRAIN" gen --n-mt 3 --samples 3000 --seed 1 --channel orthogonal --param bandwidth=1e6 --param noise_w=3.98e-15 \
    --dist up_bits=uniform:1e4:2.5e5 --dist f_local=uniform:3e8:1e9 --dist h=log_uniform:5e-9:3e-5 \
    --dist alpha=const:0.5 --out "$W/data.h5" --progress 0 > "$W/gen.log" 2>&1 &&
  "$TRAIN" train --kind memtl --heads 3 --data "$W/data.h5" --split random --test 300 --epochs 3 \
    --out "$W/memtl.h5" --progress 0 > "$W/tm.log" 2>&1 &&
  "$TRAIN" train --kind mtfnn --data "$W/data.h5" --split random --test 300 --epochs 3 \
    --out "$W/mtfnn.h5" --progress 0 > "$W/tf.log" 2>&1; then
  ok "tiny models trained (mecsim-train-memtl gen + train, N = 3)"
  model_part "$W/memtl.h5"
  model_part "$W/mtfnn.h5"
else
  ko "mecsim-train-memtl: $(tail -2 "$W"/*.log)"
fi
finish
