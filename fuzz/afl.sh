#!/usr/bin/env bash
# afl.sh - AFL++ on the whole mecsim binary, through its real XML path
# (SimGrid's platform and deployment parsers, then mecsim's own checks).
#
#   fuzz/afl.sh build                      # build-fuzz/afl/mecsim, compiled with afl-clang-fast (+ ASan)
#   fuzz/afl.sh platform SECONDS [OUT]     # mutates fuzz/corpus/platform, deployment = deployments/small_cell.xml
#   fuzz/afl.sh deployment SECONDS [OUT]   # mutates fuzz/corpus/deployment, platform = platforms/small_cell.xml
#
# Only mecsim's code is instrumented: SimGrid, HDF5 and GSL come from Debian
# packages, uninstrumented, so AFL's coverage (and its idea of what is new)
# is mecsim's code only; SimGrid's parser is exercised but steers nothing.
# A crash is a signal: an abort (xbt_die, an uncaught exception), a segfault
# or an ASan report. mecsim's exit code 2 (bad input, reported) is not one.
# Needs Debian's afl++ (apt-get install afl++). Prints a summary from
# OUT/default/fuzzer_stats at the end.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${AFL_MECSIM:-$root/build-fuzz/afl/mecsim}

case ${1:-} in
  build)
    export AFL_USE_ASAN=1
    cmake -S "$root" -B "$root/build-fuzz/afl" -DCMAKE_C_COMPILER=afl-clang-fast -DCMAKE_CXX_COMPILER=afl-clang-fast++ \
      -DMECSIM_WERROR=OFF -DCMAKE_BUILD_TYPE=Release > /dev/null || exit 1
    exec cmake --build "$root/build-fuzz/afl" --target mecsim -j"$(nproc)"
    ;;
  platform)
    args=(@@ "$root/deployments/small_cell.xml") ;;
  deployment)
    args=("$root/platforms/small_cell.xml" @@) ;;
  *)
    echo "usage: $0 build | platform SECONDS [OUT] | deployment SECONDS [OUT]" >&2
    exit 2 ;;
esac
what=$1
secs=${2:-600}
out=${3:-$root/build-fuzz/afl-runs/$what}
[ -x "$bin" ] || { echo "afl.sh: $bin missing: $0 build" >&2; exit 2; }
mkdir -p "$out"

# The sandbox-friendly settings: no CPU pinning (shared cores), no check of
# the CPU governor or of core_pattern (a container cannot change them).
export AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_SKIP_BIN_CHECK=0 AFL_FORKSRV_INIT_TMOUT=20000
afl-fuzz -i "$here/corpus/$what" -o "$out" -x "$here/dict/xml_scan.dict" -m none -t 5000 -V "$secs" \
  -- "$bin" "${args[@]}" --tasks_per_md 1 --no-trace --quiet > "$out/afl.log" 2>&1
rc=$?
stats=$out/default/fuzzer_stats
if [ ! -f "$stats" ]; then
  echo "afl.sh: afl-fuzz exited $rc without stats; see $out/afl.log" >&2
  tail -20 "$out/afl.log" >&2
  exit 1
fi
get() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
crashes=$(get saved_crashes)
hangs=$(get saved_hangs)
printf '%-12s %8s %11s %8s %7s %8s %7s %6s\n' target seconds executions exec/s corpus coverage crashes hangs
printf '%-12s %8s %11s %8s %7s %8s %7s %6s\n' "afl-$what" "$(($(get last_update) - $(get start_time)))" \
  "$(get execs_done)" "$(get execs_per_sec)" "$(get corpus_count)" "$(get bitmap_cvg)" "${crashes:-$(get unique_crashes)}" \
  "${hangs:-$(get unique_hangs)}"
find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt 2> /dev/null
