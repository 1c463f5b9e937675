#!/usr/bin/env bash
# Same seed and inputs -> identical trace data; another seed -> another workload. Runs small_cell
# with Poisson arrivals and Rayleigh fading (every random stream in use) under the random policy
# (seeded choices) and greedy (state-dependent choices). Usage: test_reproducible.sh MECSIM SRCDIR
set -u
BIN=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for policy in random greedy; do
  for run in "a 5" "b 5" "c 6"; do
    set -- $run
    if ! "$BIN" "$src/platforms/small_cell.xml" "$src/deployments/small_cell.xml" --policy $policy --arrivals poisson \
      --rate 2 --fading rayleigh --seed $2 --trace "$tmp/$policy-$1.h5" --quiet > "$tmp/log" 2>&1; then
      echo "FAIL mecsim run ($policy, seed $2):"
      tail -5 "$tmp/log"
    fi
  done
  echo "policy $policy:"
  /usr/bin/python3 "$src/test/e2e/repro_check.py" "$tmp/$policy-a.h5" "$tmp/$policy-b.h5" "$tmp/$policy-c.h5" \
    > "$tmp/out" 2>&1
  rc=$?
  cat "$tmp/out"
  pass=$((pass + $(grep -c '^PASS' "$tmp/out")))
  fail=$((fail + $(grep -c '^FAIL' "$tmp/out")))
  [ $rc -eq 0 ] || { fail=$((fail + 1)); echo "FAIL repro_check.py exited with $rc"; }
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
