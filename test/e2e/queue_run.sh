#!/usr/bin/env bash
# One edge server against queueing theory: Poisson arrivals (10 MDs x 5/s, superposed:
# lambda = 50/s) and service of mean 0.01 s (mu = 100/s, rho = 0.5) on platforms/validation_queue.xml,
# constant (M/D/1) or exponential (M/M/1);
# queue_check.py compares the server's arrivals, service, mean sojourn and Little's law with theory.
# Usage: queue_run.sh const|exp MECSIM SRCDIR (called by test_queue_md1.sh and test_queue_mm1.sh). With MECSIM_RELEASE_BIN set: a long run (10^6 tasks)
# at 2 % tolerance; else the given binary (often sanitized, slow) on 1.2*10^5 tasks at 4 %.
set -u
service=$1
shift
src=$2
if [ -n "${MECSIM_RELEASE_BIN:-}" ]; then
  bin=$MECSIM_RELEASE_BIN per_md=100000 tol=0.02
  echo "long run: release binary, 10^6 tasks, tolerance 2 %"
else
  bin=$1 per_md=12000 tol=0.04
  echo "short run: 1.2*10^5 tasks, tolerance 4 % (set MECSIM_RELEASE_BIN for 10^6 tasks at 2 %)"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
if "$bin" "$src/platforms/validation_queue.xml" "$src/deployments/validation_queue.xml" --seed 11 \
  --tasks_per_md $per_md --task_cycles $service:1e7 --trace "$tmp/q.h5" --quiet > "$tmp/log" 2>&1; then
  pass=$((pass + 1))
  /usr/bin/python3 "$src/test/e2e/queue_check.py" "$tmp/q.h5" --service $service --lam 50 --mu 100 --tol $tol \
    > "$tmp/out" 2>&1
  rc=$?
  cat "$tmp/out"
  pass=$((pass + $(grep -c '^PASS' "$tmp/out")))
  fail=$((fail + $(grep -c '^FAIL' "$tmp/out")))
  [ $rc -eq 0 ] || { fail=$((fail + 1)); echo "FAIL queue_check.py exited with $rc"; }
else
  fail=$((fail + 1))
  echo "FAIL mecsim run on validation_queue.xml:"
  grep -v __asan_handle_no_return "$tmp/log" | tail -20
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
