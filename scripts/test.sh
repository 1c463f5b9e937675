#!/usr/bin/env bash
# The whole test suite: builds with AddressSanitizer + UndefinedBehaviorSanitizer
# and -Werror (build-test/), builds a Release binary for the long validation
# runs and the valgrind check (build/), and runs every test with ctest.
# Needs the dependencies of scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build-test -DMECSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug > /dev/null
cmake --build build-test -j"$jobs"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$jobs" --target mecsim
export MECSIM_RELEASE_BIN="$PWD/build/mecsim"
# SimGrid switches stacks; ASan warns once per process about it (harmless).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd build-test
ctest -j"$jobs" --output-on-failure --timeout 900 "$@"
