#!/usr/bin/env bash
# Policy `external` end to end: python/mecsim/baselines.py's Greedy, served over ZeroMQ
# (test/e2e/external_agent.py), must make exactly the built-in `greedy`'s decisions on the same
# seed - per-task and per-slot - and, declaring the same flops, give the same decision times; the
# agent observes every task's outcome once (observe()).
# Usage: test_external_greedy.sh MECSIM SRCDIR
set -u
bin=$1 src=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
agent=
trap '[ -n "$agent" ] && kill "$agent" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0

# case NAME PLATFORM DEPLOYMENT ARGS...
case_() {
  local name=$1 plat=$src/platforms/$2 dep=$src/deployments/$3
  shift 3
  local ep=${EP:-ipc://$tmp/$name.sock}
  $py "$src/test/e2e/external_agent.py" "$src" greedy "$ep" "$tmp/$name.outcomes.json" 2> "$tmp/$name.agent.err" &
  agent=$!
  if ! (cd "$src" && timeout 50 "$bin" "$plat" "$dep" --quiet --policy external \
          --policy-args "endpoint=$ep,timeout=20" --trace "$tmp/$name.ext.h5" "$@") > "$tmp/$name.out" 2> "$tmp/$name.err"; then
    echo "$name: FAIL: the external run failed:"; grep -v -i -e asan -e 'false positive' "$tmp/$name.err"
    cat "$tmp/$name.agent.err"
    fail=$((fail + 1)); kill "$agent" 2>/dev/null; wait "$agent" 2>/dev/null; agent=; return
  fi
  wait "$agent"; local arc=$?; agent=
  if [ "$arc" -ne 0 ]; then
    echo "$name: FAIL: the agent exited with $arc"; cat "$tmp/$name.agent.err"; fail=$((fail + 1)); return
  fi
  if ! (cd "$src" && timeout 50 "$bin" "$plat" "$dep" --quiet --policy greedy --trace "$tmp/$name.builtin.h5" "$@") \
       > /dev/null 2> "$tmp/$name.err2"; then
    echo "$name: FAIL: the built-in run failed"; fail=$((fail + 1)); return
  fi
  $py "$src/test/e2e/external_compare.py" "$tmp/$name.ext.h5" "$tmp/$name.builtin.h5" "$name" \
    "$tmp/$name.outcomes.json" || fail=$((fail + 1))
}

case_ per_task small_cell.xml small_cell.xml --seed 3
# a loaded DTOMALB cell where greedy keeps some tasks local: every target occurs
load="--arrivals poisson --rate 8 --tasks_per_md 20 --task_cycles=uniform:1e8:3e9"
case_ per_task_loaded dtomalb_cell.xml dtomalb_cell.xml --seed 7 $load --decide per-task
case_ per_slot_loaded dtomalb_cell.xml dtomalb_cell.xml --seed 7 $load --decide per-slot
case_ per_slot_slotted dtomalb_cell.xml dtomalb_cell.xml --seed 5 --decide per-slot
# over TCP on the loopback, on a port free a moment ago
port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EP=tcp://127.0.0.1:$port case_ per_task_tcp small_cell.xml small_cell.xml --seed 11

if [ "$fail" -ne 0 ]; then
  echo "test_external_greedy: $fail case(s) failed"
  exit 1
fi
echo "test_external_greedy: all cases passed"
