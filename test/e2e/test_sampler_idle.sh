#!/usr/bin/env bash
# The /servers sampler costs nothing while no task is in flight (docs/model.md, Overload):
# - Poisson arrivals at 1e-6 tasks/s per MD (10 tasks spread over about 10^7 simulated seconds) with a
#   1 ms period finish within a bounded wall time, with a bounded number of /servers rows;
# - the rows are on the k * sample grid: one at every grid instant at which a task is in flight (as
#   the sampler always did), plus one idle row (all zero) at the first grid instant of each idle
#   period, and nothing else;
# - the same on a busy cell (small_cell, slotted), run twice: identical rows;
# - a period below SimGrid's time accuracy (1e-9 s) is refused, leaving no trace.
# Usage: test_sampler_idle.sh MECSIM SRCDIR
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
noise='__asan_handle_no_return\|False positive\|ASan internal\|sanitizers/issues\|^==.*WARNING'

# check TRACE PERIOD LABEL: the grid rule above, from /tasks (arrival..done) and /servers.
check() {
  /usr/bin/python3 - "$1" "$2" "$3" <<'EOF'
import sys
import h5py
import numpy as np

path, T, label = sys.argv[1], float(sys.argv[2]), sys.argv[3]
f = h5py.File(path, "r")
s, t = f["servers"][:], f["tasks"][:]
M = int(f.attrs["n_servers"]) if "n_servers" in f.attrs else len(np.unique(s["server"]))
bad = []
k = s["time"] / T
if np.abs(k - np.round(k)).max() > 1e-6:
    bad.append("a row off the k * sample grid")
# every grid instant with a task in flight (away from arrivals and completions by > 1e-6 s)
busy = set()
for a, d in zip(t["arrival"], t["done"]):
    for j in range(int(np.ceil(a / T)), int(np.floor(d / T)) + 1):
        if a + 1e-6 < j * T < d - 1e-6:
            busy.add(j)
rows = {}
for r in s:
    rows.setdefault(int(round(r["time"] / T)), []).append(r)
missing = sorted(busy - rows.keys())
if missing:
    bad.append("%d busy grid instants without a sample (first at %g s)" % (len(missing), missing[0] * T))
if any(len(v) != M for v in rows.values()):
    bad.append("a grid instant without exactly one row per server")
# each row not at a busy instant is the idle row of an idle period: all zero, right after a busy one
idle = sorted(j for j in rows if j not in busy)
near = lambda j: any(abs(j * T - x) <= 1e-6 for x in np.concatenate([t["arrival"], t["done"]]))
for j in idle:
    if near(j):
        continue  # on an arrival or completion: either state is right
    if any(r["queued"] or r["in_service"] or r["backlog_cycles"] for r in rows[j]):
        bad.append("a non-zero row at %g s while no task is in flight" % (j * T))
        break
    if j - 1 in rows and j - 1 not in busy and not near(j - 1):
        bad.append("two idle rows in a row at %g s" % (j * T))
        break
n_idle = sum(1 for j in idle if not near(j))
print("%s: %d tasks, %d rows (%d servers), %d busy grid instants, %d idle rows, last row %g s, end %g s"
      % (label, len(t), len(s), M, len(busy), n_idle, s["time"].max(), t["done"].max()))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
}

# 1. Rare arrivals, tiny period: bounded wall time and rows.
start=$(date +%s)
timeout 20 "$bin" "$plat" "$dep" --arrivals poisson --rate 1e-6 --tasks_per_md 2 --sample 1e-3 \
  --trace "$tmp/rare.h5" --quiet > "$tmp/rare.out" 2>&1
rc=$? wall=$(($(date +%s) - start))
if [ $rc -eq 0 ]; then
  ok "rate 1e-6, sample 1e-3: finished in ${wall} s (limit 20 s)"
  end=$(/usr/bin/python3 -c "import h5py; print(h5py.File('$tmp/rare.h5')['tasks']['done'].max())")
  rows=$(/usr/bin/python3 -c "import h5py; print(len(h5py.File('$tmp/rare.h5')['servers']))")
  # 10 tasks of well under 1 s each: at most (1 s / 1 ms + 2) rows per task and server, 1 server
  if [ "$rows" -le 10020 ]; then
    ok "$rows /servers rows over $end simulated s (one every 1 ms throughout: $(/usr/bin/python3 -c "print('%.3g' % ($end * 1000))"))"
  else
    bad "$rows /servers rows (expected at most 10020)"
  fi
  if check "$tmp/rare.h5" 1e-3 rare; then ok "rare arrivals: grid, busy and idle rows"; else bad "rare arrivals: rows"; fi
else
  bad "rate 1e-6, sample 1e-3: exit $rc after ${wall} s (124 = killed by the 20 s timeout)"
  grep -v "$noise" "$tmp/rare.out" | tail -5
fi

# 2. A busy cell (slotted, every slot has an idle end): same rule; two runs give the same rows.
for r in a b; do
  "$bin" "$plat" "$dep" --sample 0.05 --trace "$tmp/busy-$r.h5" --quiet > "$tmp/busy-$r.out" 2>&1 ||
    { bad "small_cell run $r failed"; grep -v "$noise" "$tmp/busy-$r.out" | tail -5; }
done
if [ -s "$tmp/busy-a.h5" ]; then
  if check "$tmp/busy-a.h5" 0.05 small_cell; then ok "small_cell: grid, busy and idle rows"; else bad "small_cell: rows"; fi
  if /usr/bin/python3 -c "
import sys, h5py, numpy as np
a, b = h5py.File('$tmp/busy-a.h5')['servers'][:], h5py.File('$tmp/busy-b.h5')['servers'][:]
sys.exit(0 if len(a) == len(b) and (a == b).all() else 1)"; then
    ok "small_cell: the same /servers rows in two runs"
  else
    bad "small_cell: /servers differs between two identical runs"
  fi
fi

# 3. A period below the time accuracy: refused (exit 1 from the sampler, or 2 from the knob check),
# naming the knob, no trace left.
timeout 20 "$bin" "$plat" "$dep" --sample 1e-10 --trace "$tmp/tiny.h5" --quiet > "$tmp/tiny.out" 2>&1
rc=$?
if { [ $rc -eq 1 ] || [ $rc -eq 2 ]; } && grep -q "sample" "$tmp/tiny.out" && ! ls "$tmp"/tiny.h5* > /dev/null 2>&1 &&
  ! grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp/tiny.out"; then
  ok "sample 1e-10: refused with exit $rc: $(grep -v "$noise" "$tmp/tiny.out" | grep sample | head -1 | cut -c1-150)"
else
  bad "sample 1e-10: exit $rc (expected 1 or 2, a message naming 'sample', no trace)"
  grep -v "$noise" "$tmp/tiny.out" | tail -5
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
