#!/bin/bash
# test_sweep_fuzz.sh MECSIM SRCDIR - the sweep spec is an input file like the platform: mutants of
# sweeps/example.toml (test/e2e/sweep_fuzz.py, fixed seeds 1 and 7, 250 each) given to
# `mecsim-sweep plan` must each give a plan (exit 0) or one line and exit 2, never a traceback or a hang.
# Seed 7 found a table written as an array of tables ([[sweep]]) and a TOML date as a value, both
# tracebacks before.
set -u
export PATH=/usr/bin:/bin:$PATH
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
for seed in 1 7; do
  mkdir -p "$W/s$seed"
  if out=$(/usr/bin/python3 "$SRC/test/e2e/sweep_fuzz.py" "$SRC" "$MECSIM" "$W/s$seed" 250 "$seed" 2>&1); then
    echo "ok: seed $seed: $(tail -1 <<< "$out")"; pass=$((pass + 1))
  else
    echo "FAILED: seed $seed:"; echo "$out" | tail -20; fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
