#!/usr/bin/env bash
# Overload (docs/model.md, Overload): a cell whose tasks arrive faster than it finishes them stops
# with exit 1 when the tasks in flight would exceed max_in_flight, with a message naming the knob,
# the limit and the simulated time, and leaves neither the trace nor its temporary file:
# - Poisson arrivals with a small limit (50), and with the automatic limit (10^4 for a 5-MD cell);
# - slotted arrivals with a limit reached in the middle of a slot's burst (every task of an instant
#   is checked before any starts);
# - the same overloaded cell with a generous limit and --until finishes (exit 0).
# And platforms/generate.py's default cell is not overloaded: its printed utilisation stays under
# 70 % at 10..10^5 MDs, and a 1000-MD cell (Poisson, 2 tasks per MD) keeps every server busy less
# than 70 % of the arrival period, with short server queues.
# Usage: test_overload.sh MECSIM SRCDIR
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
gen=$src/platforms/generate.py

# expect_stop NAME LIMIT_TEXT TIME_TEXT mecsim-args...: exit 1, the message, no trace, no temp file.
expect_stop() {
  local name=$1 limit=$2 when=$3
  shift 3
  timeout 60 "$bin" "$@" --trace "$tmp/$name.h5" --quiet > "$tmp/$name.out" 2>&1
  local rc=$?
  local msg
  msg=$(grep "simulation failed" "$tmp/$name.out" | head -1)
  if [ $rc -ne 1 ]; then
    bad "$name: exit $rc (expected 1)"
    grep -v "$noise" "$tmp/$name.out" | tail -5
  elif ! echo "$msg" | grep -q "max_in_flight = $limit" || ! echo "$msg" | grep -q "overloaded" ||
    ! echo "$msg" | grep -q "at t = $when"; then
    bad "$name: the message does not name max_in_flight = $limit, the time t = $when and the overload: $msg"
  elif ls "$tmp/$name".h5* > /dev/null 2>&1; then
    bad "$name: left $(ls "$tmp/$name".h5*)"
  elif grep -q "ERROR: AddressSanitizer\|runtime error\|LeakSanitizer" "$tmp/$name.out"; then
    bad "$name: sanitizer report"
    grep -A5 "ERROR: AddressSanitizer\|runtime error\|LeakSanitizer" "$tmp/$name.out" | head -20
  else
    ok "$name: exit 1, no trace left: $(echo "$msg" | cut -c1-170)..."
  fi
}

# 5 MDs x 200 tasks/s of 1e10 cycles on one 16 GHz server: 1000 tasks/s against 1.6 served.
over=(--arrivals poisson --rate 200 --tasks_per_md 100000 --task_cycles const:1e10)
expect_stop poisson-50 50 "0.0" "$plat" "$dep" "${over[@]}" --max_in_flight 50
# The automatic limit: max(10^4, 4 x 5 MDs) = 10^4 tasks (2 s at 5000 tasks/s)
expect_stop poisson-auto "10000 (automatic)" "2.0" "$plat" "$dep" --arrivals poisson --rate 1000 --tasks_per_md 100000 \
  --task_cycles const:1e12

# Slotted: 200 MDs every 10 ms; the limit 500 is passed by the burst at t = 0.02 s (400 + 200).
/usr/bin/python3 "$gen" --n-md 200 --n-servers 3 --slot 0.01 --tasks 50 --platform "$tmp/s.xml" \
  --deployment "$tmp/s-dep.xml" > "$tmp/gen-s.out" 2> "$tmp/gen-s.err"
if grep -q "warning: the cell is overloaded" "$tmp/gen-s.err"; then
  ok "generate.py warns that --slot 0.01 overloads 200 MDs"
else
  bad "generate.py did not warn about an overloaded cell: $(cat "$tmp/gen-s.err")"
fi
expect_stop slotted-500 500 "0.02 s simulated, 400 tasks are in flight and the 200 arriving" "$tmp/s.xml" "$tmp/s-dep.xml" \
  --max_in_flight 500

# The same overloaded cell with a generous limit and --until: finishes.
timeout 60 "$bin" "$plat" "$dep" "${over[@]}" --max_in_flight 100000 --until 1 --trace "$tmp/until.h5" --quiet \
  > "$tmp/until.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp/until.h5" ] && ! grep -q "ERROR: AddressSanitizer\|runtime error\|LeakSanitizer" "$tmp/until.out"; then
  ok "max_in_flight 100000, until 1 s: exit 0, trace written"
else
  bad "max_in_flight 100000, until 1 s: exit $rc"
  grep -v "$noise" "$tmp/until.out" | tail -5
fi

# generate.py's defaults: utilisation under 70 % at every size.
for n in 10 1000 10000 100000; do
  if /usr/bin/python3 "$gen" --n-md $n --platform "$tmp/g.xml" --deployment "$tmp/g-dep.xml" > "$tmp/gen.out" 2>&1; then
    worst=$(sed -n 's/^generate.py: utilisation: //p' "$tmp/gen.out" | grep -o '[0-9.]* %' | sort -g | tail -1)
    if [ -n "$worst" ] && /usr/bin/python3 -c "import sys; sys.exit(0 if float('${worst% %}') < 70 else 1)"; then
      ok "generate.py --n-md $n: busiest resource at $worst ($(grep -o 'rate [0-9.e+-]* tasks/s per MD' "$tmp/gen.out"))"
    else
      bad "generate.py --n-md $n: busiest resource at ${worst:-?}"
      cat "$tmp/gen.out"
    fi
  else
    bad "generate.py --n-md $n failed"
    cat "$tmp/gen.out"
  fi
done

# A default 1000-MD cell, 2 tasks per MD: every task done, servers busy < 70 %, queues short.
/usr/bin/python3 "$gen" --n-md 1000 --tasks 2 --platform "$tmp/d.xml" --deployment "$tmp/d-dep.xml" > /dev/null
timeout 120 "$bin" "$tmp/d.xml" "$tmp/d-dep.xml" --trace "$tmp/d.h5" --quiet > "$tmp/d.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
  if /usr/bin/python3 - "$tmp/d.h5" <<'EOF'; then
import sys
import h5py
f = h5py.File(sys.argv[1], "r")
t = f["tasks"][:]
span = t["arrival"].max() - t["arrival"].min()
busy = {}
for e in t[t["target"] > 0]:
    busy[e["target"]] = busy.get(e["target"], 0) + e["exec_end"] - e["exec_start"]
util = max(busy.values()) / span
queue = f["servers"][:]["queued"].max()
print("  %d tasks over %.3g s of arrivals, mean delay %.3g s, busiest server busy %.1f %%, longest queue %d"
      % (len(t), span, (t["done"] - t["arrival"]).mean(), 100 * util, queue))
sys.exit(0 if len(t) == 2000 and util < 0.7 and queue < 20 else 1)
EOF
    ok "generate.py --n-md 1000: not overloaded"
  else
    bad "generate.py --n-md 1000: tasks missing, a server busy >= 70 %, or a long queue"
  fi
else
  bad "generate.py --n-md 1000 cell: mecsim exit $rc"
  grep -v "$noise" "$tmp/d.out" | tail -5
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
