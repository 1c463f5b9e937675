#!/usr/bin/env bash
# --help, --version, --list-policies and --list-knobs: exit 0, print what they promise on stdout,
# nothing on stderr, and write no file. The knob list must name exactly the knobs a run records
# (the trace's cfg.* attributes), each with its default. Usage: test_cli_info.sh MECSIM SRCDIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/cwd"
pass=0 fail=0

check() { # check DESCRIPTION CONDITION-EXIT-STATUS
  if [ "$2" -eq 0 ]; then
    pass=$((pass + 1))
    echo "PASS $1"
  else
    fail=$((fail + 1))
    echo "FAIL $1"
  fi
}

# info OPTION...: runs mecsim in an empty directory; sets rc, out, err
info() {
  (cd "$tmp/cwd" && "$bin" "$@" > "$tmp/out" 2> "$tmp/err.raw")
  rc=$?
  grep -v -e __asan_handle_no_return -e 'False positive error reports may follow' -e 'sanitizers/issues/189' \
    "$tmp/err.raw" > "$tmp/err"
  check "'mecsim $*' exits 0 (got $rc)" $((rc != 0))
  check "'mecsim $*' prints nothing on stderr" "$([ -s "$tmp/err" ] && echo 1 || echo 0)"
  check "'mecsim $*' writes no file" "$([ -z "$(ls -A "$tmp/cwd")" ] && echo 0 || echo 1)"
}

has() { grep -qF -- "$1" "$tmp/out" && echo 0 || echo 1; }

info --help
for s in "Usage: mecsim PLATFORM.xml DEPLOYMENT.xml" --policy --seed --trace --no-trace --until --set --quiet \
  --list-policies --list-knobs --version --cfg= "network/model:CM02"; do
  check "--help mentions '$s'" "$(has "$s")"
done
info -h
check "-h prints the usage too" "$(has "Usage: mecsim")"
# --help wins over anything else on the line, even bad input
info --help --no-such-option nonexistent.xml
check "--help with other arguments still prints the usage" "$(has "Usage: mecsim")"

info --version
check "--version names mecsim and SimGrid 3.32" "$(grep -qE '^mecsim [0-9]+\.[0-9]+.* \(SimGrid 3\.32\.[0-9]+\)$' "$tmp/out" && echo 0 || echo 1)"

info --list-policies
n=$(grep -cE '^[a-z][a-z0-9-]* +[^ ].*' "$tmp/out")
check "--list-policies: one 'name  summary' line per policy ($n lines, $(wc -l < "$tmp/out") in all)" \
  "$([ "$n" -ge 6 ] && [ "$n" -eq "$(wc -l < "$tmp/out")" ] && echo 0 || echo 1)"
for p in local random greedy least-loaded round-robin offload-nearest; do
  check "--list-policies lists '$p'" "$(grep -qE "^$p +" "$tmp/out" && echo 0 || echo 1)"
done

info --list-knobs
cp "$tmp/out" "$tmp/knobs"
listed=$(grep -oE '^  [a-z_0-9]+ ' "$tmp/knobs" | tr -d ' ' | sort)
defaults=$(grep -cE '^ +default: ' "$tmp/knobs")
check "--list-knobs: every knob ($(echo "$listed" | wc -l)) has a default line ($defaults)" \
  "$([ "$(echo "$listed" | wc -l)" -eq "$defaults" ] && echo 0 || echo 1)"
# The knobs a run records in its trace (cfg.<knob> attributes) are exactly the listed ones.
if "$bin" "$src/platforms/small_cell.xml" "$src/deployments/small_cell.xml" --tasks_per_md 1 --quiet \
  --trace "$tmp/t.h5" > /dev/null 2>&1; then
  recorded=$(/usr/bin/python3 -c "
import sys, h5py
print('\n'.join(sorted(k[4:] for k in h5py.File(sys.argv[1], 'r').attrs if k.startswith('cfg.'))))" "$tmp/t.h5" | sort)
  missing=$(comm -13 <(echo "$listed") <(echo "$recorded") | tr '\n' ' ')
  extra=$(comm -23 <(echo "$listed") <(echo "$recorded") | tr '\n' ' ')
  check "--list-knobs lists exactly the knobs a run records (not listed: [$missing], not recorded: [$extra])" \
    "$([ -z "$missing$extra" ] && [ -n "$recorded" ] && echo 0 || echo 1)"
else
  check "small_cell run for the recorded knobs" 1
fi
# Every listed knob is accepted on the command line with its listed default (checked without a run:
# an unknown or unparsable knob fails before the files are read).
bad=""
while read -r name; do
  def=$(awk -v k="$name" '$1 == k { getline; sub(/^ +default: /, ""); print; exit }' "$tmp/knobs")
  [ "$def" = '""' ] && def=""
  "$bin" "--$name=$def" /nonexistent-p.xml /nonexistent-d.xml > /dev/null 2> "$tmp/e"
  grep -q "cannot read platform file" "$tmp/e" || bad+="$name=$def "
done <<< "$listed"
check "every listed knob is accepted with its listed default${bad:+ (rejected: $bad)}" "$([ -z "$bad" ] && echo 0 || echo 1)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
