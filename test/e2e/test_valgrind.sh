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
pass=0 fail=0
# per-task and per-slot decisions, and the TPOS game with DNN tasks and server slots
for args in "--policy greedy" "--policy random --decide per-slot" "--policy local" "--policy tpos-cai --dnn mix"; do
  # shellcheck disable=SC2086
  valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    --error-exitcode=9 "$bin" "$src/platforms/small_cell.xml" "$src/deployments/small_cell.xml" \
    $args --tasks_per_md 3 --trace "$tmp/t.h5" --quiet > "$tmp/log" 2>&1
  rc=$?
  if [ $rc -eq 0 ] && grep -q "ERROR SUMMARY: 0 errors" "$tmp/log"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: valgrind on small_cell with $args (exit $rc)"
    grep -E "lost:|ERROR SUMMARY|Invalid|uninitialised" "$tmp/log" | head -20
  fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
