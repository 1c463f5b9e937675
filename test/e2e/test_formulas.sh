#!/usr/bin/env bash
# Isolated tasks on platforms/validation_links.xml: every phase (Shannon rate, upload time and
# energy, fiber hops, executions, local energy, return trip) equals its formula, computed by
# formulas_check.py from the XML files alone. Usage: test_formulas.sh MECSIM SRCDIR
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$2/test/e2e/formulas_check.py" "$1" "$2" "$tmp" > "$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
pass=$(grep -c '^PASS' "$tmp/out")
fail=$(grep -c '^FAIL' "$tmp/out")
[ $rc -eq 0 ] || { fail=$((fail + 1)); echo "FAIL formulas_check.py exited with $rc"; }
[ $((pass + fail)) -gt 0 ] || { fail=1; echo "FAIL formulas_check.py reported no check"; }
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
