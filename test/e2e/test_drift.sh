#!/usr/bin/env bash
# The drift knobs (docs/model.md, "Drift"): tasks arriving at or after drift_at have input bits,
# cycles and result bits scaled by drift_size, and every channel gain moves by drift_gain_db, so
# upload rates after the drift are the Shannon rates of the shifted gains. Checked on small_cell
# (constant task sizes, no fading, fixed distances) from the trace:
# - before the drift every task has the base sizes, after it exactly drift_size times them;
# - every upload's rate equals b log2(1 + p g / (b N0)) with g = the device's /devices path gain,
#   times 10^(drift_gain_db/10) after the drift;
# - drift_at = 0 changes nothing (bit-identical /tasks to a run without the knobs);
# - bad values (negative drift_at, drift_size 0, a drift that makes tasks too large, a gain change of
#   500 dB) exit 2 with a message naming the knob, leaving no trace.
# Usage: test_drift.sh MECSIM SRCDIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
plat=$src/platforms/small_cell.xml
dep=$src/deployments/small_cell.xml
base=(--set task_bits=const:3e6 --set task_cycles=const:1e9 --set result_bits=const:8e3 --quiet)

"$bin" "$plat" "$dep" "${base[@]}" --set drift_at=7 --set drift_size=2 --set drift_gain_db=-6 \
  --trace "$tmp/drift.h5" >"$tmp/out" 2>&1 || bad "drift run failed: $(tail -2 "$tmp/out")"
"$bin" "$plat" "$dep" "${base[@]}" --trace "$tmp/plain.h5" >/dev/null 2>&1 || bad "plain run failed"
"$bin" "$plat" "$dep" "${base[@]}" --set drift_at=0 --set drift_size=3 --set drift_gain_db=9 \
  --trace "$tmp/zero.h5" >/dev/null 2>&1 || bad "drift_at=0 run failed"

/usr/bin/python3 - "$tmp" <<'EOF'
import math
import sys
import h5py
import numpy as np

tmp = sys.argv[1]
f = h5py.File(f"{tmp}/drift.h5", "r")
t, dev = f["tasks"][:], f["devices"][:]
after = t["arrival"] >= 7
fails = 0
def say(good, what):
    global fails
    print(("ok: " if good else "FAIL: ") + what)
    fails += 0 if good else 1

say(after.sum() > 0 and (~after).sum() > 0, f"tasks before ({(~after).sum()}) and after ({after.sum()}) the drift")
say(np.all(t["input_bits"][~after] == 3e6) and np.all(t["cycles"][~after] == 1e9),
    "before the drift: the base sizes")
say(np.all(t["input_bits"][after] == 6e6) and np.all(t["cycles"][after] == 2e9)
    and np.all(t["output_bits"][after] == 16e3), "after the drift: input, cycles and result x 2")
cfg = {k[4:]: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items() if k.startswith("cfg.")}
W, n = float(cfg["bandwidth"]), len(dev)
N0 = 10 ** ((float(cfg["noise_dbm_hz"]) - 30) / 10)
off = ~np.isnan(t["up_rate_bps"])
worst = 0.0
for r in t[off]:
    d = dev[int(r["md"])]
    g = d["path_gain"] * (10 ** (-6 / 10) if r["up_start"] >= 7 else 1)
    b = W * r["bw_share"] if r["bw_share"] > 0 else W / n
    want = b * math.log2(1 + d["tx_power_w"] * g / (b * N0))
    worst = max(worst, abs(r["up_rate_bps"] / want - 1))
say(off.sum() > 0 and worst < 1e-9, f"{off.sum()} upload rates equal Shannon with the drifted gain (worst {worst:.2g})")
p, z = h5py.File(f"{tmp}/plain.h5", "r")["tasks"][:], h5py.File(f"{tmp}/zero.h5", "r")["tasks"][:]
say(len(p) == len(z) and all(np.array_equal(p[c], z[c], equal_nan=True) for c in p.dtype.names
                             if p[c].dtype.kind == "f"), "drift_at = 0: /tasks identical to a run without drift")
sys.exit(1 if fails else 0)
EOF
[ $? -eq 0 ] && ok "drift trace checks" || bad "drift trace checks"

# bad values: exit 2, a message naming the knob, no trace
for kv in drift_at=-1 drift_size=0 drift_size=1e7 drift_gain_db=500 drift_at=nan; do
  key=${kv%%=*}
  "$bin" "$plat" "$dep" "${base[@]}" --set drift_at=5 --set "$kv" --trace "$tmp/bad.h5" >"$tmp/err" 2>&1
  rc=$?
  if [ $rc -eq 2 ] && grep -q "$key" "$tmp/err" && [ ! -e "$tmp/bad.h5" ]; then ok "$kv refused"; else
    bad "$kv: exit $rc, $(grep -v '^==' "$tmp/err" | head -2)"; fi
done
"$bin" "$plat" "$dep" --set task_bits=const:1e14 --set drift_at=5 --set drift_size=100 --trace "$tmp/bad.h5" \
  >"$tmp/err" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "drift_size" "$tmp/err"; then ok "a drift past the task size limit refused"; else
  bad "drift past the limit: exit $rc, $(head -2 "$tmp/err")"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
