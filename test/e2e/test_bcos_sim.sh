#!/bin/bash
# test_bcos_sim.sh MECSIM SRCDIR - the BCOS paper's exact optimum (bcos-opt)
# and MCOS baseline (mcos) in the simulator: a generated BCOS cell
# (platforms/generate_bcos.py: 6 MDs, one task per MD per slot replayed from
# a task file, T = 0.5 s, Rayleigh fading, per-slot decisions) run with
# bcos-opt, mcos and local (guard=0.001: 1 ms of the slot kept for the
# decision's compute and the edge execution the paper neglects). Checks on
# the traces:
#  - every upload: energy_tx_j = p_k (up_end - up_start), with p_k = p_max for
#    mcos, and for bcos-opt (without fading, where h_k = 1e-6 is known) p_k
#    recovered from the upload rate, p_k <= p_max;
#  - the TDMA frame: each slot's uploads start at decide_end + tx_offset, in
#    batch order, without overlap, each within its window (C5), all within
#    T - guard (C1);
#  - bcos-opt: all deadlines met (done - arrival <= T), the KKT condition of
#    the time allocation (the offloaders below p_max share one multiplier
#    nu = -E_k'(t_k), and then the frame fills T - guard), compute charged
#    as 20 flops per evaluation;
#  - mcos: offload_frac = 1 - f_k (T - guard) / (C_k B_k) where the task
#    does not fit locally, local work (1 - m) C B at kappa f^2;
#  - per slot, the MD energy of bcos-opt <= that of mcos and of local;
#  - bad arguments and unslotted runs refused with exit 2.
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "${2:-$(dirname "$0")/../..}")
PY=/usr/bin/python3
export PATH=/usr/bin:/bin:$PATH OPENBLAS_NUM_THREADS=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }
count() { pass=$((pass + $(grep -c '^ok' <<< "$1"))); fail=$((fail + $(grep -c '^FAIL' <<< "$1"))); }
run() { # LABEL ARGS...: a run of the cell whose trace is $W/LABEL.h5
  local label=$1; shift
  if "$MECSIM" "$W/p.xml" "$W/d.xml" --quiet=1 --trace="$W/$label.h5" "$@" > "$W/$label.out" 2>&1; then return 0; fi
  ko "mecsim $*: $(grep -v -e __asan_handle_no_return -e 'False positive' -e 'For details' "$W/$label.out" | tail -2)"
  return 1
}

"$PY" "$SRC/platforms/generate_bcos.py" --n-md 6 --seed 3 --slots 12 --task-file "$W/tasks.csv" \
  --platform "$W/p.xml" --deployment "$W/d.xml" || { ko "generate_bcos.py"; finish; }
G=0.001
run opt --policy=bcos-opt --policy_args=guard=$G && run mcos --policy=mcos --policy_args=guard=$G &&
  run local --policy=local && run optnf --policy=bcos-opt --policy_args=guard=$G --fading=none &&
  run mcosp --policy=mcos --policy_args=guard=$G,pmax=0.1 || finish
ok "bcos-opt, mcos and local ran on the BCOS cell"
# the deployment names its task file relative to its own directory (tasks.csv): the runs above were
# made from the test's cwd; a task file given on the command line is relative to the cwd
grep -q '<prop id="task_file" value="tasks.csv"/>' "$W/d.xml" && ok "generated deployment names tasks.csv relative to itself" ||
  ko "generated deployment's task_file: $(grep task_file "$W/d.xml")"
mkdir -p "$W/sub" && cp "$W/tasks.csv" "$W/sub/other.csv"
if (cd "$W" && "$MECSIM" p.xml d.xml --quiet=1 --trace= --policy=mcos --task_file=sub/other.csv > "$W/cli.out" 2>&1) &&
  (cd "$W/sub" && ! "$MECSIM" ../p.xml ../d.xml --quiet=1 --trace= --policy=mcos --task_file=sub/other.csv > "$W/cli2.out" 2>&1) &&
  grep -q "task file 'sub/other.csv'" "$W/cli2.out"; then ok "--task_file on the command line is relative to the cwd"
else ko "--task_file relative to the cwd: $(tail -1 "$W/cli.out") / $(tail -1 "$W/cli2.out")"; fi

out=$("$PY" - "$W" "$G" <<'PYEOF' 2>&1
import sys, math
import h5py, numpy as np
w, guard = sys.argv[1], float(sys.argv[2])
T, W, N0, PMAX, KAPPA = 0.5, 1e7, 1e-9, 0.1995, 1e-28
def res(good, msg): print(("ok: " if good else "FAIL: ") + msg)
def load(name):
    f = h5py.File(f"{w}/{name}.h5", "r")
    return f["tasks"][()], f["decisions"][()], f["devices"][()]
def slots(t):
    s = np.round(t["arrival"] / T).astype(int)
    return [t[s == k] for k in np.unique(s)]
def energy(t): return t["energy_local_j"] + t["energy_tx_j"]
def frame(name, t):
    good, msg = True, ""
    for st in slots(t):
        off = st[st["target"] > 0]
        off = off[np.argsort(off["tx_offset"], kind="stable")]
        if len(off) == 0:
            continue
        start = off["decide_end"] + off["tx_offset"]
        if not np.allclose(off["up_start"], start, rtol=0, atol=1e-9): good, msg = False, "upload not at its window"
        if np.any(off["up_start"][1:] < off["up_end"][:-1] - 1e-9): good, msg = False, "uploads overlap"
        if np.any(np.diff(off["md"]) <= 0): good, msg = False, "windows not in batch order"
        if np.any(off["up_end"] - off["up_start"] > off["tx_window"] * (1 + 1e-6) + 1e-9): good, msg = False, "C5: upload longer than its window"
        if off["tx_window"].sum() > (T - guard) * (1 + 1e-9): good, msg = False, "C1: windows exceed T - guard"
    res(good, f"{name}: TDMA frame per slot in batch order, no overlap, within windows and T - guard {msg}")

opt, dopt, dev = load("opt")
mcos, _, _ = load("mcos")
loc, _, _ = load("local")
optnf, _, _ = load("optnf")
mcosp, _, _ = load("mcosp")
f_hz = dev["cpu_hz"]

# uploads' energy = p x duration
for name, t, p in (("mcos", mcos, PMAX), ("mcos pmax=0.1", mcosp, 0.1)):
    o = t[t["target"] > 0]
    res(len(o) > 0 and np.allclose(o["energy_tx_j"], p * (o["up_end"] - o["up_start"]), rtol=1e-9, atol=0),
        f"{name}: energy_tx_j = {p} W x upload time for its {len(o)} uploads")
o = optnf[optnf["target"] > 0]
h = dev["path_gain"][o["md"]]
p = N0 / h * np.expm1(np.log(2) * o["up_rate_bps"] / W)  # the power behind the trace's rate
res(len(o) > 0 and np.allclose(o["energy_tx_j"], p * (o["up_end"] - o["up_start"]), rtol=1e-6, atol=0) and np.all(p <= PMAX * (1 + 1e-9)),
    f"bcos-opt (no fading): energy_tx_j = p_k x upload time, p_k <= p_max, for its {len(o)} uploads")
res(np.allclose(o["up_rate_bps"] * (o["up_end"] - o["up_start"]), o["input_bits"], rtol=1e-6),
    "bcos-opt: the whole task uploaded (binary offloading)")

for name, t in (("bcos-opt", opt), ("mcos", mcos), ("bcos-opt no fading", optnf)):
    frame(name, t)

# deadlines
late = opt["done"] - opt["arrival"]
res(np.all(late <= T) and np.all(opt["missed"] == 0), f"bcos-opt: every deadline met (longest done - arrival {late.max():.6f} s <= T)")

# KKT of the allocation, per slot: nu = -E'(t) = p (y e^y - expm1(y)) / expm1(y), y = ln2 r / W
good, worst, n_int = True, 0.0, 0
for st in slots(opt):
    o = st[st["target"] > 0]
    if len(o) == 0:
        continue
    dur = o["up_end"] - o["up_start"]
    pk = o["energy_tx_j"] / dur
    y = np.log(2) * o["up_rate_bps"] / W
    nu = pk * (y * np.exp(y) - np.expm1(y)) / np.expm1(y)
    interior = pk < PMAX * (1 - 1e-6)
    if interior.sum() >= 1:
        n_int += interior.sum()
        spread = nu[interior].max() / nu[interior].min() - 1
        worst = max(worst, spread)
        fill = o["tx_window"].sum()
        if spread > 1e-4 or abs(fill - (T - guard)) > 1e-6 or np.any(nu[~interior] < nu[interior].max() * (1 - 1e-4)):
            good = False
res(good and n_int > 0, f"bcos-opt: KKT per slot ({n_int} uploads below p_max share one multiplier, spread {worst:.2g}; the frame fills T - guard)")
res(np.all(dopt["flops"] > 0) and np.all(np.abs(dopt["flops"] / 20 - np.round(dopt["flops"] / 20)) < 1e-6),
    f"bcos-opt: compute charged, 20 flops per evaluation (mean {dopt['flops'].mean():.4g} flops per slot)")

# MCOS partial offloading
c = mcos["cycles"]; b = mcos["input_bits"]; f = f_hz[mcos["md"]]
m = np.maximum(0, 1 - f * (T - guard) / c)
offl = mcos["target"] > 0
good = np.array_equal(offl, m > 0) and np.allclose(mcos["offload_frac"][offl], m[offl], rtol=1e-9)
good &= np.allclose(mcos["local_cycles"], (1 - m) * c, rtol=1e-9)
good &= np.allclose(mcos["energy_local_j"], KAPPA * f**2 * (1 - m) * c, rtol=1e-6)
res(good, f"mcos: {offl.sum()} of {len(mcos)} tasks offload the fraction 1 - f (T - guard) / (C B) at p_max, the rest runs locally")

# energy per slot
eo = [energy(s).sum() for s in slots(opt)]
em = [energy(s).sum() for s in slots(mcos)]
el = [energy(s).sum() for s in slots(loc)]
res(len(eo) == len(em) == len(el) and all(a <= b * (1 + 1e-9) for a, b in zip(eo, em)),
    f"per slot, bcos-opt's MD energy <= mcos's in all {len(eo)} slots (total {sum(eo):.4g} J vs {sum(em):.4g} J)")
res(all(a <= b * (1 + 1e-9) for a, b in zip(eo, el)),
    f"per slot, bcos-opt's MD energy <= local's (total {sum(eo):.4g} J vs {sum(el):.4g} J)")
PYEOF
)
echo "$out"; count "$out"

# a cell of 17 MDs: mcos runs, bcos-opt refuses (2^17 vectors)
"$PY" "$SRC/platforms/generate_bcos.py" --n-md 17 --seed 3 --slots 2 --task-file "$W/t17.csv" \
  --platform "$W/p17.xml" --deployment "$W/d17.xml" || ko "generate_bcos.py --n-md 17"
if "$MECSIM" "$W/p17.xml" "$W/d17.xml" --quiet=1 --trace= --policy=mcos > "$W/m17.out" 2>&1; then ok "mcos on 17 MDs"
else ko "mcos on 17 MDs: $(grep mecsim: "$W/m17.out" | tail -1)"; fi

bad() { # EXPECTED-TEXT PLATFORM DEPLOYMENT ARGS...
  local want=$1 p=$2 d=$3; shift 3
  "$MECSIM" "$p" "$d" --quiet=1 --trace= "$@" > "$W/bad.out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -q -- "$want" "$W/bad.out"; then ok "refused ($want): $*"; else
    ko "expected exit 2 and '$want' for $*: rc=$rc, $(grep -v -e asan -e 'False positive' -e 'For details' "$W/bad.out" | head -2)"; fi
}
bad "more than 16 tasks" "$W/p17.xml" "$W/d17.xml" --policy=bcos-opt
bad "pmax=-1" "$W/p.xml" "$W/d.xml" --policy=bcos-opt --policy_args=pmax=-1
bad "pmax=0" "$W/p.xml" "$W/d.xml" --policy=mcos --policy_args=pmax=0
bad "unknown policy argument 'pmx'" "$W/p.xml" "$W/d.xml" --policy=bcos-opt --policy_args=pmx=0.2
bad "guard=0.5" "$W/p.xml" "$W/d.xml" --policy=mcos --policy_args=guard=0.5
bad "guard" "$W/p.xml" "$W/d.xml" --policy=bcos-opt --policy_args=guard=abc
bad "needs slotted arrivals" "$W/p.xml" "$W/d.xml" --policy=bcos-opt --arrivals=poisson --decide=per-task --tasks_per_md=2
bad "needs slotted arrivals" "$W/p.xml" "$W/d.xml" --policy=mcos --arrivals=poisson --decide=per-task --tasks_per_md=2
tool() { # EXPECTED-TEXT COMMAND...
  local want=$1; shift
  "$@" > "$W/tool.out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -q -- "$want" "$W/tool.out"; then ok "refused ($want): ${*: -2}"; else
    ko "expected exit 2 and '$want' from $*: rc=$rc, $(tail -1 "$W/tool.out")"; fi
}
tool "expected 1..10000 MDs" "$PY" "$SRC/platforms/generate_bcos.py" --n-md 0
tool "expected 0 < A <= B" "$PY" "$SRC/platforms/generate_bcos.py" --floc 2e9:1e9
tool "needs --task-file" "$PY" "$SRC/platforms/generate_bcos.py" --platform "$W/x.xml" --deployment "$W/x-dep.xml"
finish
