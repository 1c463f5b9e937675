#!/usr/bin/env bash
# run.sh SECONDS [HARNESS...] - runs each libFuzzer harness (default: all four)
# for SECONDS, one after the other, and prints one line per harness:
# executions, executions/s, corpus size, coverage and findings.
#
# Build first: cmake -S fuzz -B build-fuzz -DCMAKE_C_COMPILER=clang-14 && cmake --build build-fuzz --target fuzz
# Env: FUZZ_BUILD (default build-fuzz next to fuzz/), FUZZ_OUT (default $FUZZ_BUILD/runs).
# The corpus a run grows is kept in $FUZZ_OUT/NAME/corpus (the next run starts
# from it), the seeds in fuzz/corpus/NAME are only read; crashing inputs land
# in $FUZZ_OUT/NAME/artifacts and libFuzzer's log in $FUZZ_OUT/NAME/log.
# A crash ends that harness's run (libFuzzer stops at the first finding).
# Exit code: 0 if no harness found anything, 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${FUZZ_BUILD:-$here/../build-fuzz}
out=${FUZZ_OUT:-$build/runs}
secs=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(dist knob task_file xml_scan)

max_len() {
  case $1 in
    dist) echo 300 ;;
    knob) echo 2048 ;;
    task_file) echo 4096 ;;
    xml_scan) echo 16384 ;; # long enough to reach the 4096-byte name and value limits
    *) echo 4096 ;;
  esac
}

found=0
printf '%-10s %7s %12s %9s %7s %6s  %s\n' harness seconds executions exec/s corpus cov findings
for h in "${harnesses[@]}"; do
  bin=$build/fuzz_$h
  if [ ! -x "$bin" ]; then
    echo "run.sh: $bin missing: cmake --build $build --target fuzz" >&2
    exit 2
  fi
  dir=$out/$h
  mkdir -p "$dir/corpus" "$dir/artifacts"
  dict=()
  [ -f "$here/dict/$h.dict" ] && dict=(-dict="$here/dict/$h.dict")
  touch "$dir/.start"
  start=$(date +%s)
  "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$h")" \
    -artifact_prefix="$dir/artifacts/" "${dict[@]}" "$dir/corpus" "$here/corpus/$h" > "$dir/log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$dir/log" | tail -1)
  eps=$(awk '/stat::average_exec_per_sec/ {print $2}' "$dir/log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$dir/log" | tail -1)
  corp=$(sed -n 's/.*corp: \([0-9]*\).*/\1/p' <<< "$last")
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<< "$last")
  arts=$(find "$dir/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \
    -o -name 'slow-unit-*' \) -newer "$dir/.start" 2> /dev/null | wc -l)
  what=none
  if [ "$rc" -ne 0 ] || [ "$arts" -gt 0 ]; then
    found=1
    what="exit $rc, $arts artifact(s): $(grep -m1 -E 'SUMMARY|ERROR: libFuzzer|contract violated' "$dir/log")"
  fi
  printf '%-10s %7s %12s %9s %7s %6s  %s\n' "$h" "$took" "${execs:-?}" "${eps:-?}" "${corp:-?}" "${cov:-?}" "$what"
done
[ $found -eq 0 ]
