#!/usr/bin/env bash
# Every example scenario runs: each platforms/NAME.xml that has a deployments/NAME.xml, run
# briefly (2 tasks per MD) with its own policy and knobs, must exit 0 with every task done and a
# trace written. Deployments that replay a task file (arrivals=file) run it from another directory
# (a relative task_file in a deployment is relative to the deployment's directory) with every
# task of the file expected; if the file is not shipped, with slotted arrivals instead. Then platforms/generate.py: --help, a refused bad
# option, and a generated 200-MD / 3-server cell that mecsim runs (mecsim itself checks that each
# MD's route to itself is exactly one link, its radio).
# Usage: test_examples.sh MECSIM SRCDIR
set -u
bin=$(readlink -f "$1")
src=$(readlink -f "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run_case NAME PLATFORM DEPLOYMENT EXPECTED_TASKS [extra mecsim args]
run_case() {
  local name=$1 plat=$2 dep=$3 expect=$4
  shift 4
  local out=$tmp/$name.out
  rm -f "$tmp/$name.h5"
  "$bin" "$plat" "$dep" --tasks_per_md 2 --trace "$tmp/$name.h5" --quiet "$@" > "$out" 2>&1
  local rc=$?
  local done
  done=$(sed -n 's/^mecsim: \([0-9][0-9]*\) tasks in .*/\1/p' "$out")
  if [ $rc -ne 0 ]; then
    bad "$name: exit $rc"
    grep -v "__asan_handle_no_return\|False positive\|ASan internal\|^==.*WARNING" "$out" | head -5
  elif [ "$done" != "$expect" ]; then
    bad "$name: ${done:-no} tasks done, expected $expect"
    head -3 "$out"
  elif [ ! -s "$tmp/$name.h5" ]; then
    bad "$name: no trace written"
  else
    ok
    echo "ok: $name ($done tasks)"
  fi
}

n_examples=0
for plat in "$src"/platforms/*.xml; do
  name=$(basename "$plat" .xml)
  dep=$src/deployments/$name.xml
  [ -f "$dep" ] || continue
  n_examples=$((n_examples + 1))
  n_md=$(grep -c 'function="mobile_device"' "$dep")
  extra=()
  expect=$((n_md * 2))
  if grep -q '<prop id="arrivals" value="file"' "$dep"; then
    tf=$(sed -n 's/.*<prop id="task_file" value="\([^"]*\)".*/\1/p' "$dep")
    case $tf in /*) ;; *) tf=$(dirname "$dep")/$tf ;; esac
    if [ -f "$tf" ]; then
      expect=$(grep -c '^[0-9]' "$tf") # one data row per task (no header digits)
    else
      extra=(--arrivals slotted)
    fi
  fi
  cd "$tmp" || exit 1
  run_case "$name" "$plat" "$dep" "$expect" "${extra[@]}"
  cd - > /dev/null || exit 1
done
if [ $n_examples -lt 3 ]; then
  bad "only $n_examples example scenarios found under $src/platforms (expected small_cell, dtomalb_cell, dynn_cell...)"
fi

# The generator.
gen=$src/platforms/generate.py
if /usr/bin/python3 "$gen" --help > "$tmp/help" 2>&1 && grep -q -- "--n-md" "$tmp/help" &&
  grep -q -- "--n-servers" "$tmp/help" && grep -q -- "--seed" "$tmp/help"; then
  ok
else
  bad "generate.py --help"
fi
/usr/bin/python3 "$gen" --n-md 0 --platform "$tmp/x.xml" --deployment "$tmp/x-dep.xml" > "$tmp/badgen" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "n-md" "$tmp/badgen" && [ ! -e "$tmp/x.xml" ]; then
  ok
else
  bad "generate.py --n-md 0: exit $rc (expected 2, a message naming --n-md, no file)"
fi
if /usr/bin/python3 "$gen" --n-md 200 --n-servers 3 --tasks 2 --policy least-loaded --seed 7 --set share_users=10 \
  --platform "$tmp/gen.xml" --deployment "$tmp/gen-dep.xml" > /dev/null; then
  if [ "$(grep -c 'function="mobile_device"' "$tmp/gen-dep.xml")" = 0 ] && grep -q '"md_hosts" value="md-"' "$tmp/gen-dep.xml" \
    && grep -q '<cluster' "$tmp/gen.xml"; then
    ok
  else
    bad "generate.py: expected md_hosts=md- (no mobile_device actors) and a <cluster>"
  fi
  run_case generated "$tmp/gen.xml" "$tmp/gen-dep.xml" 400
  run_case generated-direct "$tmp/gen.xml" "$tmp/gen-dep.xml" 400 --forward direct --policy random
else
  bad "generate.py did not write the 200-MD cell"
fi
# The same cell with one mobile_device actor per MD (--md-actors) simulates exactly the same tasks.
if /usr/bin/python3 "$gen" --n-md 200 --n-servers 3 --tasks 2 --policy least-loaded --seed 7 --set share_users=10 \
  --md-actors --platform "$tmp/gen2.xml" --deployment "$tmp/gen2-dep.xml" > /dev/null &&
  [ "$(grep -c 'function="mobile_device"' "$tmp/gen2-dep.xml")" = 200 ]; then
  a=$("$bin" "$tmp/gen.xml" "$tmp/gen-dep.xml" --no-trace --quiet 2>/dev/null | head -1)
  b=$("$bin" "$tmp/gen2.xml" "$tmp/gen2-dep.xml" --no-trace --quiet 2>/dev/null | head -1)
  if [ -n "$a" ] && [ "$a" = "$b" ]; then ok; else bad "md_hosts vs mobile_device actors differ: '$a' vs '$b'"; fi
else
  bad "generate.py --md-actors did not write 200 mobile_device actors"
fi
# Without the loopback link an MD's route to itself is not one link: mecsim must refuse it.
sed 's/ loopback_bw="[^"]*" loopback_lat="[^"]*"//' "$tmp/gen.xml" > "$tmp/noloop.xml"
"$bin" "$tmp/noloop.xml" "$tmp/gen-dep.xml" --no-trace --quiet > "$tmp/noloop.out" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "exactly one link" "$tmp/noloop.out"; then
  ok
else
  bad "a cluster without loopback links: exit $rc, expected 2 and the one-radio-link message"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
