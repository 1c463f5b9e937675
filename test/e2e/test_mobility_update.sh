#!/usr/bin/env bash
# Long transfers of a moving device (knob mobility_update, docs/mobility.md): a 400 Mbit upload of
# a device moving away from the base station (x = 20 + 8 t m, trace replay) lasts several seconds,
# during which its rate falls. With mobility_update = 0.5 s the rate is recomputed every 0.5 s and
# the upload time must equal the piecewise integral (rate of each 0.5 s step = Shannon rate at the
# step's start) within 1 %; with mobility_update = 0 it is the time at the start's rate, and the
# updated upload is measurably longer. With a radio latency of 20 ms the latency is paid once (the
# first 0.5 s interval starts after it). A run cut by --until in the middle of such uploads ends
# cleanly at the cut (rwp, ASan build: no leak, no transfer running on).
# Usage: test_mobility_update.sh MECSIM SRCDIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
/usr/bin/python3 "$src/platforms/generate.py" --n-md 2 --n-servers 1 --tasks 1 --seed 1 \
  --platform p.xml --deployment d.xml > /dev/null || { echo "FAIL: generate.py"; exit 1; }
{ echo "time,device,x,y"; echo "0,0,20,0"; echo "100,0,820,0"; echo "0,1,30,0"; } > walk.csv
common=(--quiet --set mobility=trace --set mobility_file=walk.csv --set arrivals=slotted --set slot=1
        --set tasks_per_md=1 --set policy=random --set policy_args=p_local=0 --set task_bits=const:4e8)
"$bin" p.xml d.xml "${common[@]}" --set mobility_update=0.5 --trace upd.h5 > out 2>&1 ||
  { echo "FAIL: run with mobility_update=0.5"; tail -5 out; exit 1; }
"$bin" p.xml d.xml "${common[@]}" --set mobility_update=0 --trace fix.h5 > out 2>&1 ||
  { echo "FAIL: run with mobility_update=0"; tail -5 out; exit 1; }
/usr/bin/python3 "$src/test/e2e/mobility_check.py" update upd.h5 fix.h5 20 8 0.5 || fail=1
sed 's/loopback_lat="0"/loopback_lat="0.02"/' p.xml > plat.xml
grep -q 'loopback_lat="0.02"' plat.xml || { echo "FAIL: no loopback_lat in the generated platform"; exit 1; }
"$bin" plat.xml d.xml "${common[@]}" --set mobility_update=0.5 --trace lat.h5 > out 2>&1 ||
  { echo "FAIL: run with a radio latency"; tail -5 out; exit 1; }
/usr/bin/python3 "$src/test/e2e/mobility_check.py" update lat.h5 - 20 8 0.5 0.02 || fail=1
/usr/bin/python3 "$src/platforms/generate.py" --n-md 20 --n-servers 2 --tasks 5 --seed 1 --mobility rwp \
  --speed uniform:10:20 --mobility-update 0.3 --platform g.xml --deployment gd.xml > /dev/null || exit 1
"$bin" g.xml gd.xml --quiet --set task_bits=const:4e8 --until 2.5 --trace cut.h5 > cut.out 2> cut.err
rc=$?
if [ $rc -eq 0 ] && grep -q "still in flight at --until" cut.out && ! grep -q -e "went on after" -e "freed before" cut.err; then
  echo "ok: --until in the middle of updated uploads: exit 0, cut at 2.5 s"
else
  echo "FAIL: --until cut: exit $rc: $(tail -3 cut.err)"; fail=1
fi
exit "${fail:-0}"
