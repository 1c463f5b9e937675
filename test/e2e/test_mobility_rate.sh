#!/usr/bin/env bash
# Mobility in the simulator (docs/mobility.md): a device replayed from a position trace moves away
# from the base station in a straight line (x = 20 + 8 t m, y = 0); another stays at 30 m (one
# sample). Each of its uploads must use the Shannon rate of its distance at the upload's start
# (within 1 %, computed in mobility_check.py from the knobs: W/N, g0 (l0/d)^h, N0), record that
# distance in /tasks.up_distance_m, and have a /mobility row at its start. Fading off.
# Usage: test_mobility_rate.sh MECSIM SRCDIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
/usr/bin/python3 "$src/platforms/generate.py" --n-md 2 --n-servers 1 --tasks 8 --seed 1 \
  --platform p.xml --deployment d.xml > /dev/null || { echo "FAIL: generate.py"; exit 1; }
{ echo "time,device,x,y"; echo "0,0,20,0"; echo "100,0,820,0"; echo "0,1,30,0"; } > walk.csv
"$bin" p.xml d.xml --quiet --set mobility=trace --set mobility_file=walk.csv --set arrivals=slotted \
  --set slot=2 --set tasks_per_md=8 --set policy=random --set policy_args=p_local=0 \
  --set task_bits=const:3e6 --set fading=none --trace t.h5 > out 2>&1 ||
  { echo "FAIL: run"; tail -5 out; exit 1; }
/usr/bin/python3 "$src/test/e2e/mobility_check.py" rate t.h5 20 8
