#!/usr/bin/env bash
# No leak and no memory error under valgrind on the small scenario, with the
# Release binary (valgrind and ASan do not mix). Usage: test_valgrind.sh MECSIM SRCDIR
set -u
src=$2
bin=${MECSIM_RELEASE_BIN:-}
if [ -z "$bin" ] || ! command -v valgrind > /dev/null; then
  echo "skipped: needs valgrind and MECSIM_RELEASE_BIN (a non-sanitized mecsim); scripts/test.sh sets it"
  echo "0 passed, 0 failed"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One BLAS thread (as for every simulator run, docs/performance.md): OpenBLAS otherwise starts its
# thread pool when the library loads, whose thread-local blocks valgrind reports as possibly lost.
export OPENBLAS_NUM_THREADS=1
pass=0 fail=0
# per-task and per-slot decisions, and the TPOS game with DNN tasks and server slots
# CELL|ARGS: small_cell with the baselines and TPOS; dynn_cell (reserved CPU shares, staged
# decisions) with the DyNN policies that need no model file; memtl_cell with the exact search, and
# with a tiny MEMTL model learning online through a drift (background work on the server, whose
# actor may still run when the run ends), when mecsim-train-memtl is next to the binary; and the
# policy external with a Python agent (below); corridor_3bs: three BSs, moving devices, handovers
# and relayed results, per-BS controllers
memtl=()
tool="$(dirname "$bin")/mecsim-train-memtl"
if [ -x "$tool" ] && OPENBLAS_NUM_THREADS=1 "$tool" gen --n-mt 5 --samples 600 --seed 1 --out "$tmp/d.h5" \
    --progress 0 > /dev/null 2>&1 && OPENBLAS_NUM_THREADS=1 "$tool" train --kind memtl --heads 2 --data "$tmp/d.h5" \
    --split random --test 100 --epochs 1 --out "$tmp/m.h5" --progress 0 > /dev/null 2>&1; then
  memtl=("memtl_cell|--policy memtl --model $tmp/m.h5 --set drift_at=1 --set drift_size=1.5 --policy_args online=1,online_window=1,online_detect=1,online_epochs=1")
fi
for c in "small_cell|--policy greedy" "small_cell|--policy random --decide per-slot" "small_cell|--policy local" \
         "small_cell|--policy tpos-cai --dnn mix" "dynn_cell|--policy dynn-equal --policy_args sched=rand" \
         "dynn_cell|--policy dynn-ga --policy_args joint=1,max_iter=5" "memtl_cell|--policy exhaustive" \
         "corridor_3bs|--decide per-slot" "${memtl[@]}"; do
  cell=${c%%|*} args=${c#*|}
  # shellcheck disable=SC2086
  valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=9 "$bin" "$src/platforms/$cell.xml" "$src/deployments/$cell.xml" \
    $args --tasks_per_md 3 --trace "$tmp/t.h5" --quiet > "$tmp/log" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && grep -q "ERROR SUMMARY: 0 errors" "$tmp/log"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: valgrind on $cell with $args (exit $rc)"
    grep -E "lost:|ERROR SUMMARY|Invalid|uninitialised" "$tmp/log" | head -20
  fi
done
# policy external: mecsim (under valgrind, with libzmq's threads) asks a Python greedy agent for
# every decision over ipc (docs/external.md)
if /usr/bin/python3 -c "import zmq" 2> /dev/null; then
  PYTHONPATH="$src/python" timeout 300 /usr/bin/python3 -m mecsim mecsim.baselines:Greedy "ipc://$tmp/agent.sock" \
    > "$tmp/agent.log" 2>&1 &
  agent=$!
  valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=9 "$bin" "$src/platforms/small_cell.xml" "$src/deployments/small_cell.xml" --policy external \
    --policy_args "endpoint=ipc://$tmp/agent.sock" --tasks_per_md 3 --trace "$tmp/t.h5" --quiet > "$tmp/log" 2>&1
  rc=$?
  kill "$agent" 2> /dev/null
  wait "$agent" 2> /dev/null
  if [ $rc -eq 0 ] && grep -q "ERROR SUMMARY: 0 errors" "$tmp/log"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: valgrind on small_cell with --policy external (exit $rc)"
    grep -E "lost:|ERROR SUMMARY|Invalid|uninitialised|mecsim:" "$tmp/log" | head -20
  fi
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
