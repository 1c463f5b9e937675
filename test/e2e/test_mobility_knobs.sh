#!/usr/bin/env bash
# Mobility knobs (docs/mobility.md, docs/model.md):
# 1. mobility=static (the default) changes nothing: small_cell with and without --set
#    mobility=static gives bit-identical /tasks, /decisions, /servers, /devices; /mobility is empty and
#    /tasks.up_distance_m is the device's fixed distance.
# 2. rwp (vehicle speeds) and gauss-markov on a generated cell (platforms/generate.py --mobility, BS
#    moved to bs_x, bs_y): /mobility rows lie in the area, distance = |position - BS|, every upload's
#    up_distance_m is its /mobility row's; a second run is identical (same seed); another seed moves
#    the devices elsewhere; mobility_samples_max caps /mobility with one warning.
# 3. mobility_file named in a deployment is read relative to the deployment's directory.
# 4. Bad knobs exit 2 with one line naming the knob, and leave no trace.
# Usage: test_mobility_knobs.sh MECSIM SRCDIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
py=/usr/bin/python3
plat=$src/platforms/small_cell.xml
dep=$src/deployments/small_cell.xml

# 1. static
"$bin" "$plat" "$dep" --quiet --trace s0.h5 > o0 2>&1 || bad "small_cell run failed: $(tail -2 o0)"
"$bin" "$plat" "$dep" --quiet --set mobility=static --set rwp_speed=const:3 --trace s1.h5 > o1 2>&1 ||
  bad "small_cell mobility=static run failed: $(tail -2 o1)"

# 2. moving devices
$py "$src/platforms/generate.py" --n-md 30 --n-servers 2 --tasks 6 --seed 3 --mobility rwp \
  --speed uniform:10:20 --pause const:1 --area=-150,-100,250,300 --platform g.xml --deployment rwp.xml > /dev/null ||
  bad "generate.py --mobility rwp"
$py "$src/platforms/generate.py" --n-md 30 --n-servers 2 --tasks 6 --seed 3 --mobility gauss-markov \
  --speed 5 --area=-150,-100,250,300 --platform g.xml --deployment gm.xml > /dev/null ||
  bad "generate.py --mobility gauss-markov"
grep -q '<prop id="rwp_speed" value="uniform:10:20"/>' rwp.xml && grep -q '<prop id="mobility" value="rwp"/>' rwp.xml &&
  grep -q '<prop id="gm_mean_speed" value="5"/>' gm.xml && ok "generate.py writes the mobility knobs" ||
  bad "generate.py mobility knobs missing"
for m in rwp gm; do
  "$bin" g.xml $m.xml --quiet --set bs_x=40 --set bs_y=90 --trace $m.h5 > o.$m 2>&1 || bad "$m run failed: $(tail -2 o.$m)"
done
"$bin" g.xml rwp.xml --quiet --set bs_x=40 --set bs_y=90 --trace rwp2.h5 > /dev/null 2>&1 || bad "rwp rerun failed"
"$bin" g.xml rwp.xml --quiet --set bs_x=40 --set bs_y=90 --set seed=9 --trace rwp9.h5 > /dev/null 2>&1 ||
  bad "rwp seed 9 failed"
"$bin" g.xml rwp.xml --quiet --set mobility_samples_max=7 --trace cap.h5 > /dev/null 2> cap.err || bad "capped run failed"

# 3. a relative mobility_file in a deployment
mkdir -p sub other
{ echo "time,device,x,y"; for d in 0 1 2 3 4; do echo "0,$d,$((20 + 10 * d)),0"; echo "50,$d,0,$((20 + 10 * d))"; done; } > sub/pos.csv
$py "$src/platforms/generate.py" --n-md 5 --n-servers 1 --tasks 3 --mobility trace --mobility-file pos.csv \
  --platform sub/p.xml --deployment sub/d.xml > /dev/null || bad "generate.py --mobility trace"
(cd other && "$bin" ../sub/p.xml ../sub/d.xml --quiet --trace tr.h5 > o 2>&1) &&
  ok "mobility_file of a deployment is relative to its directory" || bad "relative mobility_file: $(tail -2 other/o)"

$py - <<'PYEOF'
import math, sys
import h5py, numpy as np
fails = 0
def say(good, what):
    global fails
    print(("ok: " if good else "FAIL: ") + what)
    fails += not good

def same(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    for n in a.dtype.names:
        x, y = a[n], b[n]
        if x.dtype.kind == "f":
            if not np.array_equal(x, y, equal_nan=True):
                return False
        elif not np.array_equal(x, y):
            return False
    return True

f0, f1 = h5py.File("s0.h5", "r"), h5py.File("s1.h5", "r")
for tab in ("tasks", "decisions", "servers", "devices"):
    say(same(f0[tab][:], f1[tab][:]), f"mobility=static: /{tab} bit-identical to the default run ({len(f0[tab])} rows)")
t, dev = f0["tasks"][:], f0["devices"][:]
off = t[t["target"] > 0]
say(len(f0["mobility"]) == 0, "static: /mobility is empty")
say(len(off) > 0 and np.array_equal(off["up_distance_m"], dev["distance_m"][off["md"]]) and
    np.all(np.isnan(t[t["target"] == 0]["up_distance_m"])),
    "static: up_distance_m = /devices.distance_m (NaN without upload)")

for name in ("rwp", "gm"):
    f = h5py.File(f"{name}.h5", "r")
    m, t = f["mobility"][:], f["tasks"][:]
    say(len(m) > 100, f"{name}: {len(m)} /mobility rows")
    inside = np.all((m["x"] >= -150) & (m["x"] <= 250) & (m["y"] >= -100) & (m["y"] <= 300))
    say(inside, f"{name}: positions in the area [-150, 250] x [-100, 300]")
    say(np.allclose(m["distance_m"], np.hypot(m["x"] - 40, m["y"] - 90), rtol=1e-12, atol=1e-9),
        f"{name}: distance_m = |position - (bs_x, bs_y)|")
    say(np.all(np.diff(m["time"]) >= 0), f"{name}: /mobility in time order")
    up = {(int(r["md"]), float(r["time"])): float(r["distance_m"]) for r in m if r["uplink"] == 1}
    off = t[t["target"] > 0]
    say(len(off) > 0 and all(up[(int(r["md"]), float(r["up_start"]))] == r["up_distance_m"] for r in off),
        f"{name}: each upload's up_distance_m is its /mobility row's ({len(off)} uploads)")
    moved = [np.ptp(m[m["md"] == d]["x"]) for d in range(30) if np.sum(m["md"] == d) > 1]
    say(np.median(moved) > 5, f"{name}: devices move (median x range {np.median(moved):.1f} m)")
    dev = f["devices"][:]
    say(np.all(dev["distance_m"] > 0) and np.all(np.isfinite(dev["path_gain"])), f"{name}: /devices at t = 0 finite")
a, b, c = (h5py.File(n, "r")["mobility"][:] for n in ("rwp.h5", "rwp2.h5", "rwp9.h5"))
say(same(a, b), "rwp: same seed, same /mobility")
say(not np.array_equal(a["x"][:20], c["x"][:20]), "rwp: another seed, other positions")
say(len(h5py.File("cap.h5", "r")["mobility"]) == 7, "mobility_samples_max = 7: 7 /mobility rows")
tr = h5py.File("other/tr.h5", "r")
say(np.all(tr["devices"]["distance_m"] == [20, 30, 40, 50, 60]), "trace: /devices distances at t = 0 from the file")
sys.exit(1 if fails else 0)
PYEOF
[ $? -eq 0 ] && ok "trace checks" || bad "trace checks"
[ "$(grep -c 'warning: /mobility stopped' cap.err)" = 1 ] && ok "one warning when /mobility is capped" ||
  bad "cap warning: $(cat cap.err)"

# 4. bad knobs: exit 2, one line naming the knob, no trace
{ echo "time,device,x,y"; echo "0,0,1,1"; } > short.csv
printf 'time,device,x,y\n0,0,1,1\n0,x,2,2\n' > garbage.csv
check_bad() { # EXPECTED-TEXT DEPLOYMENT ARGS...
  local want=$1 d=$2
  shift 2
  rm -f bad.h5
  "$bin" g.xml "$d" --quiet --trace bad.h5 "$@" > bad.out 2> bad.err
  local rc=$? lines
  lines=$(grep -v -e AddressSanitizer -e 'False positive' -e 'sanitizers/issues' -e '^==' bad.err | grep -c .)
  if [ $rc -eq 2 ] && [ "$lines" = 1 ] && grep -qF -- "$want" bad.err && [ ! -e bad.h5 ]; then
    ok "$* -> exit 2: $(grep -F -- "$want" bad.err | head -1)"
  else
    bad "$* -> exit $rc, $lines line(s), expected '$want': $(cat bad.err)"
  fi
}
check_bad "knob 'mobility': expected one of static|rwp|gauss-markov|trace, got 'walk'" rwp.xml --set mobility=walk
check_bad "knob 'rwp_speed': mobility rwp: speed 'const:-1' m/s: expected speeds in (0, 10000]" rwp.xml --set rwp_speed=const:-1
check_bad "knob 'rwp_speed': mobility rwp: speed 'exp:1': a speed distribution with density at 0" rwp.xml --set rwp_speed=exp:1
check_bad "knob 'rwp_pause'" rwp.xml --set rwp_pause=normal:1:1
check_bad "knob 'gm_alpha': mobility gauss-markov: alpha = 1.5: expected a finite number in [0, 1]" gm.xml --set gm_alpha=1.5
check_bad "knob 'gm_mean_speed'" gm.xml --set gm_mean_speed=-2
check_bad "knob 'gm_step'" gm.xml --set gm_step=0
check_bad "knob 'gm_edge'" gm.xml --set gm_edge=500
check_bad "knob 'mobility_area' = '1,2,3': expected XMIN,YMIN,XMAX,YMAX" rwp.xml --set mobility_area=1,2,3
check_bad "knob 'mobility_area': mobility rwp: area [10, 0] x [0, 10] m" rwp.xml --set mobility_area=10,0,0,10
check_bad "mobility=trace needs knob 'mobility_file'" rwp.xml --set mobility=trace
check_bad "knob 'mobility_file': " rwp.xml --set mobility=trace --set mobility_file=missing.csv
check_bad "knob 'mobility_file': position trace 'short.csv': device 1 has no sample" rwp.xml --set mobility=trace --set mobility_file=short.csv
check_bad "knob 'mobility_file': position trace 'garbage.csv' line 3" rwp.xml --set mobility=trace --set mobility_file=garbage.csv
check_bad "knob 'mobility_update' = -1" rwp.xml --set mobility_update=-1
check_bad "knob 'mobility_update' = 1e-05" rwp.xml --set mobility_update=1e-5
check_bad "knob 'bs_x': expected a number in m, got 'nan'" rwp.xml --set bs_x=nan
check_bad "knob 'mobility_samples_max' = -1" rwp.xml --set mobility_samples_max=-1
rm -f bad.h5
"$bin" "$plat" "$dep" --quiet --set mobility=rwp --trace bad.h5 > bad.out 2> bad.err
if [ $? -eq 2 ] && grep -qF "host 'md-0' has property 'distance' = 20 m, but knob mobility = rwp moves every device" bad.err &&
   [ ! -e bad.h5 ]; then
  ok "small_cell (distance properties) with mobility=rwp -> exit 2 naming the distance property"
else
  bad "distance + mobility: $(cat bad.err)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
