# lib_cases.sh - sourced by the bad-input tests. Defines case_, which runs mecsim on bad input and
# checks the promise of the interface: the exit code, ONE message on stderr naming the file, element
# or option at fault, nothing on stdout, and no trace file left (neither the final name nor its
# .tmp.* temporary). Needs: $bin (the mecsim binary), $tmp (a scratch directory), counters pass/fail.

# Copies stderr file $1 to $2 without ASan's harmless warning about SimGrid's stack switching.
strip_asan() {
  grep -v -e __asan_handle_no_return -e 'False positive error reports may follow' -e 'sanitizers/issues/189' "$1" > "$2"
}

# case NAME WANT_RC LINES PATTERN... -- MECSIM-ARGS...
#   WANT_RC: 2, 1 or "nonzero"; LINES: "one" (exactly one stderr line) or "any".
#   Every PATTERN (fixed string) must appear on stderr. The run gets --trace DIR/t.h5 first, so
#   a case can give its own --trace (the last one wins).
case_() {
  local name=$1 want_rc=$2 lines=$3
  shift 3
  local pats=()
  while [ "$1" != "--" ]; do
    pats+=("$1")
    shift
  done
  shift
  local d=$tmp/$name
  mkdir -p "$d"
  # the subshell's own stderr (bash's "Aborted" notice) is not the program's
  (cd "$d" && "$bin" --trace "$d/t.h5" "$@" > "$d/stdout" 2> "$d/stderr.raw") 2> /dev/null
  local rc=$?
  # ASan's harmless warning about SimGrid's stack switching is not mecsim's output
  strip_asan "$d/stderr.raw" "$d/stderr"
  local problems=""
  if [ "$want_rc" = nonzero ]; then
    [ $rc -ne 0 ] || problems+="exit 0 (want non-zero); "
  else
    [ $rc -eq "$want_rc" ] || problems+="exit $rc (want $want_rc); "
  fi
  local p
  for p in "${pats[@]}"; do
    grep -qF -- "$p" "$d/stderr" || problems+="message lacks '$p'; "
  done
  local n
  n=$(grep -c . "$d/stderr")
  if [ "$lines" = one ]; then
    [ "$n" -eq 1 ] || problems+="$n lines on stderr (want one message); "
  else
    [ "$n" -ge 1 ] || problems+="no message on stderr; "
  fi
  [ -s "$d/stdout" ] && problems+="output on stdout; "
  local left
  left=$(cd "$d" && ls -a | grep '^t\.h5' | tr '\n' ' ')
  [ -z "$left" ] || problems+="left a trace: $left; "
  if [ -z "$problems" ]; then
    pass=$((pass + 1))
    echo "PASS $name (exit $rc): $(head -c 300 "$d/stderr" | head -1)"
  else
    fail=$((fail + 1))
    echo "FAIL $name: $problems"
    sed 's/^/    stderr: /' "$d/stderr" | head -5
  fi
}

