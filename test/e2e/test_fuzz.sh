#!/usr/bin/env bash
# Mutation fuzzing of mecsim (issue 8): test/e2e/fuzz_mutate.py mutates the example platforms,
# deployments, a task file and the command line, runs the binary given (the ASan+UBSan build under
# ctest) on each mutant, and fails on any crash, sanitizer report, SimGrid abort, hang, non-finite
# or lost task in a successful run's trace, badly worded exit 2, leftover temporary or modified
# input. Default budget: 500 mutants or 150 s, whichever comes first; per-run timeout 20 s; fixed
# seed, so the same mutants every time. Findings (mutated files, stderr, cmd.sh reproducer) are kept
# in ./fuzz-findings (the build's test directory under ctest).
# Usage: test_fuzz.sh MECSIM SRCDIR [fuzz_mutate.py options, e.g. --max-mutants 2000 --time 900 --seed 7]
# Environment: FUZZ_ARGS (extra options), FUZZ_KEEP (findings directory).
set -u
bin=$1
src=$2
shift 2
py=/usr/bin/python3
[ -x "$py" ] || py=python3
ulimit -c 0
# SimGrid switches stacks; ASan warns once per process about it (harmless). Same as scripts/test.sh.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# shellcheck disable=SC2086
exec "$py" "$src/test/e2e/fuzz_mutate.py" "$bin" "$src" --keep "${FUZZ_KEEP:-$PWD/fuzz-findings}" ${FUZZ_ARGS:-} "$@"
