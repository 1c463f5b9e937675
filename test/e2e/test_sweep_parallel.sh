#!/usr/bin/env bash
# tools/mecsim-sweep with GNU parallel, end to end (docs/sweeps.md):
#  - a 3 policies x 3 rates x 2 seeds sweep is planned with stable run ids;
#  - its run is killed (SIGTERM) half way; the rerun executes exactly the runs that were missing;
#  - the index (index.h5, index.csv) has 18 typed rows whose metrics equal the traces', and every
#    trace's root attributes carry the sweep id, run id and parameters (mecsim --trace-attr);
#  - a bad knob value in one grid point is recorded as a failed run with mecsim's error, the others
#    complete; --retry-failed reruns only it; status counts done / failed / missing;
#  - bad specs are refused with one line and exit 2.
# Usage: test_sweep_parallel.sh MECSIM SRCDIR
set -u
export PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH
bin=$1 src=$2
py=/usr/bin/python3
tool=$src/tools/mecsim-sweep
tmp=$(mktemp -d)
sweep_pid=
cleanup() {
  [ -n "$sweep_pid" ] && kill -TERM "$sweep_pid" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 143" TERM
trap "exit 130" INT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
checks() { # sweep_check.py ARGS...: adds its counts
  "$py" "$src/test/e2e/sweep_check.py" "$@" > "$tmp/check.log" 2>&1
  grep -v '^__COUNTS__' "$tmp/check.log"
  local p f
  read -r _ p f < <(grep '^__COUNTS__' "$tmp/check.log" || echo "__COUNTS__ 0 1")
  pass=$((pass + p)) fail=$((fail + f))
}
command -v parallel > /dev/null || { ko "GNU parallel is not installed (Debian package parallel; scripts/install-deps.sh)"; echo "$pass passed, $fail failed"; exit 1; }

# The sweep of test_sweep_slurm.sh too: 18 runs of the small cell, ~0.3 s each under ASan.
spec=$tmp/grid.toml
sed "s|@SRC@|$src|g" "$src/test/e2e/sweep_grid.toml" > "$spec"
out=$tmp/grid

# 1. plan: 18 runs, the same ids when planned again
"$tool" plan "$spec" --out "$out" --mecsim "$bin" > "$tmp/plan1.txt" 2>&1
"$tool" plan "$spec" --out "$tmp/other" --mecsim "$bin" > "$tmp/plan2.txt" 2>&1
n=$(grep -c '^ *[0-9]* [0-9a-f]\{12\} {' "$tmp/plan1.txt")
if [ "$n" -eq 18 ] && cmp -s <(sed 1d "$tmp/plan1.txt") <(sed 1d "$tmp/plan2.txt") &&
  [ "$(sort -u "$out/jobs.txt" | wc -l)" -eq 18 ]; then
  ok "plan: 18 runs with 18 distinct ids, the same on a second plan ($(head -1 "$tmp/plan1.txt" | cut -c1-60)...)"
else
  ko "plan: $n runs listed, or ids differ between two plans"; head -5 "$tmp/plan1.txt"
fi

# 2. run with one job slot, killed half way
"$tool" run "$spec" --out "$out" --mecsim "$bin" --jobs 1 > "$tmp/run1.log" 2>&1 &
sweep_pid=$!
for _ in $(seq 1 600); do
  [ "$(ls "$out"/runs/*.json 2> /dev/null | wc -l)" -ge 9 ] && break
  kill -0 $sweep_pid 2> /dev/null || break
  sleep 0.05
done
kill -TERM $sweep_pid
wait $sweep_pid
rc1=$?
sweep_pid=
for _ in $(seq 1 100); do # parallel has sent SIGTERM to the running jobs; they end within a moment
  pgrep -f "mecsim-sweep exec --engine parallel $out " > /dev/null || break
  sleep 0.05
done
"$tool" status "$out" > "$tmp/status1.txt" 2>&1
read -r done1 failed1 missing1 < <(sed -n 's/.* \([0-9]*\) done, \([0-9]*\) failed, \([0-9]*\) missing.*/\1 \2 \3/p' "$tmp/status1.txt")
left=$(pgrep -f "mecsim-sweep exec --engine parallel $out " | wc -l)
if [ "$rc1" -eq 143 ] && [ "${done1:-0}" -ge 9 ] && [ "${done1:-18}" -lt 18 ] && [ "$failed1" -eq 0 ] &&
  [ $((done1 + missing1)) -eq 18 ] && [ "$left" -eq 0 ] && ! ls "$out"/runs/*.h5.tmp.* > /dev/null 2>&1; then
  ok "killed half way (exit $rc1): $(cat "$tmp/status1.txt"); no run left running, no temporary trace"
else
  ko "kill: exit $rc1, status '$(cat "$tmp/status1.txt")', $left exec processes left"; tail -5 "$tmp/run1.log"
fi
grep -q "interrupted by SIGTERM" "$tmp/run1.log" && ok "the tool says it was interrupted and how to resume" ||
  ko "no interruption message: $(tail -2 "$tmp/run1.log")"

# 3. rerun: exactly the missing runs execute
"$py" - "$out" > "$tmp/missing1.txt" <<'EOF'
import json, os, sys
d = sys.argv[1]
for j in json.load(open(os.path.join(d, "plan.json")))["jobs"]:
    if not os.path.exists(os.path.join(d, "runs", j["run_id"] + ".json")):
        print(j["run_id"])
EOF
lines_before=$(wc -l < "$out/execlog.txt")
joblog_before=$(wc -l < "$out/joblog")
"$tool" run "$spec" --out "$out" --mecsim "$bin" --jobs 2 > "$tmp/run2.log" 2>&1
rc2=$?
tail -n +$((lines_before + 1)) "$out/execlog.txt" | cut -f2 | sort > "$tmp/executed2.txt"
sort "$tmp/missing1.txt" > "$tmp/missing1.sorted"
if [ $rc2 -eq 0 ] && cmp -s "$tmp/executed2.txt" "$tmp/missing1.sorted" && [ -s "$tmp/executed2.txt" ]; then
  ok "rerun executed exactly the $(wc -l < "$tmp/executed2.txt") missing runs (none of the $done1 done)"
else
  ko "rerun (exit $rc2) executed $(wc -l < "$tmp/executed2.txt") runs, missing were $(wc -l < "$tmp/missing1.sorted")"
  tail -5 "$tmp/run2.log"
fi
grep -q "18 runs, 18 done, 0 failed, 0 missing" "$tmp/run2.log" && ok "status after the rerun: 18 done" ||
  ko "after the rerun: $(grep 'done,' "$tmp/run2.log" | tail -1)"
# GNU parallel's joblog, appended: the lines of the rerun are exactly the runs it executed, exit 0
tail -n +$((joblog_before + 1)) "$out/joblog" | awk -F'\t' '/mecsim-sweep exec/ { print $7, $NF }' |
  awk '{ print $1, $NF }' | sort -k2 > "$tmp/joblog2.txt"
if [ "$(awk '$1 != 0' "$tmp/joblog2.txt" | wc -l)" -eq 0 ] && cmp -s <(awk '{ print $2 }' "$tmp/joblog2.txt") "$tmp/executed2.txt"; then
  ok "GNU parallel's joblog (--joblog +DIR/joblog) got one line per rerun job, each exit 0"
else
  ko "joblog of the rerun: $(head -3 "$tmp/joblog2.txt")"
fi
n_exec=$(wc -l < "$out/execlog.txt")
"$tool" run "$spec" --out "$out" --mecsim "$bin" > "$tmp/run3.log" 2>&1
[ "$(wc -l < "$out/execlog.txt")" -eq "$n_exec" ] &&
  grep -q "0 to run" "$tmp/run3.log" && ok "a third run has nothing to run" || ko "third run: $(head -2 "$tmp/run3.log")"

# 4. the index: 18 typed rows, metrics equal to the traces'
checks index "$out" 18
cp "$out/index.h5" "$tmp/index-first.h5"
"$tool" collect "$spec" --out "$out" > "$tmp/collect.log" 2>&1 && grep -q "index of 18 runs (18 done" "$tmp/collect.log" &&
  ok "collect: $(head -1 "$tmp/collect.log" | cut -c1-90)" || ko "collect: $(cat "$tmp/collect.log")"

# 5. a bad knob value in one grid point: recorded with its error, the others complete
cat > "$tmp/bad.toml" <<EOF
[sweep]
name = "bad-point"
platform = "$src/platforms/small_cell.xml"
deployment = "$src/deployments/small_cell.xml"
[fixed]
arrivals = "poisson"
until = 4
policy = "greedy"
[swept]
rate = [0.5, -1.0, 1.5]
EOF
"$tool" run "$tmp/bad.toml" --out "$tmp/bad" --mecsim "$bin" --jobs 2 > "$tmp/bad.log" 2>&1
rcb=$?
[ $rcb -eq 1 ] && grep -q "3 runs, 2 done, 1 failed, 0 missing" "$tmp/bad.log" &&
  grep -q "failed .*\"rate\": -1.0.*knob 'rate' = -1" "$tmp/bad.log" &&
  ok "bad grid point: run exits 1, status names the failed run and its error" ||
  { ko "bad grid point: exit $rcb"; cat "$tmp/bad.log"; }
checks failed "$tmp/bad" '{"rate": -1.0}' "knob 'rate' = -1: expected a number in"
"$tool" status "$tmp/bad" > "$tmp/bad-status.txt"; rcs=$?
[ $rcs -eq 1 ] && grep -q "2 done, 1 failed, 0 missing" "$tmp/bad-status.txt" && ok "status: 2 done, 1 failed (exit 1)" ||
  ko "status of the bad sweep: exit $rcs, $(head -1 "$tmp/bad-status.txt")"
nb=$(wc -l < "$tmp/bad/execlog.txt")
"$tool" run "$tmp/bad.toml" --out "$tmp/bad" --mecsim "$bin" > "$tmp/bad2.log" 2>&1
nb2=$(wc -l < "$tmp/bad/execlog.txt")
"$tool" run "$tmp/bad.toml" --out "$tmp/bad" --mecsim "$bin" --retry-failed > "$tmp/bad3.log" 2>&1
nb3=$(wc -l < "$tmp/bad/execlog.txt")
if [ "$nb2" -eq "$nb" ] && [ "$nb3" -eq $((nb + 1)) ] && grep -q "1 to run" "$tmp/bad3.log"; then
  ok "a failed run is not rerun by default, and only it is rerun with --retry-failed"
else
  ko "retry: execlog $nb -> $nb2 (no retry) -> $nb3 (--retry-failed)"
fi

# 6. the grid on the command line = the same runs as the spec
"$tool" plan --name grid --platform "$src/platforms/small_cell.xml" --deployment "$src/deployments/small_cell.xml" \
  --fixed arrivals=poisson --fixed until=8 --fixed deadline=const:1 --fixed task_cycles=exp:2e8 \
  --swept policy=local,random,greedy --swept rate=0.5:1.5:0.5 --swept seed=1,2 --out "$tmp/cli" > "$tmp/cli.txt" 2>&1
cmp -s <(sed 1d "$tmp/cli.txt") <(sed 1d "$tmp/plan1.txt") && ok "the same grid on the command line gives the same run ids" ||
  { ko "command-line grid differs"; diff <(sed 1d "$tmp/cli.txt") <(sed 1d "$tmp/plan1.txt") | head -5; }

# 6b. n_md through the platform generator ([generate]): a cell per value, generated at plan time
cat > "$tmp/gen.toml" <<EOF
[sweep]
name = "gen"
[generate]
script = "$src/platforms/generate.py"
args = ["--n-md", "{n_md}", "--n-servers", "2", "--tasks", "2"]
[fixed]
policy = "greedy"
[swept]
n_md = [3, 7]
EOF
"$tool" run "$tmp/gen.toml" --out "$tmp/gen" --mecsim "$bin" --jobs 2 > "$tmp/gen.log" 2>&1
"$py" - "$tmp/gen" > "$tmp/gen-check.txt" 2>&1 <<'PY'
import sys, h5py
d = sys.argv[1]
runs = h5py.File(d + "/index.h5")["runs"][()]
assert len(runs) == 2 and runs.dtype["n_md"].kind == "i", runs.dtype
for r in runs:
    f = h5py.File(d + "/" + r["trace"].decode())
    assert f.attrs["n_md"] == r["n_md"] and f.attrs["sweep.n_md"] == str(r["n_md"]), dict(f.attrs)
    assert r["tasks"] == 2 * r["n_md"], (r["tasks"], r["n_md"])
print(", ".join(f"n_md {r['n_md']}: {r['tasks']} tasks" for r in runs))
PY
[ $? -eq 0 ] && ok "generator sweep: $(cat "$tmp/gen-check.txt")" || { ko "generator sweep"; cat "$tmp/gen-check.txt"; tail -3 "$tmp/gen.log"; }

# 7. bad specs: one line, exit 2
bad_spec() { # NAME PATTERN TOML
  printf '%s\n' "$3" > "$tmp/$1.toml"
  "$tool" plan "$tmp/$1.toml" --out "$tmp/$1" > "$tmp/$1.out" 2> "$tmp/$1.err"
  local rc=$?
  if [ $rc -eq 2 ] && [ "$(grep -c . "$tmp/$1.err")" -eq 1 ] && grep -qF -- "$2" "$tmp/$1.err"; then
    ok "bad spec $1: $(cat "$tmp/$1.err")"
  else
    ko "bad spec $1: exit $rc, stderr: $(head -3 "$tmp/$1.err")"
  fi
}
bad_spec unknown_table "unknown table(s) swep" "[swep]
a = 1"
bad_spec no_platform "needs a platform and a deployment" "[swept]
seed = [1, 2]"
bad_spec zip_lengths "zipped parameters rate, seed have different lengths" "[sweep]
platform = \"$src/platforms/small_cell.xml\"
deployment = \"$src/deployments/small_cell.xml\"
zip = [[\"rate\", \"seed\"]]
[swept]
rate = [1, 2]
seed = [1, 2, 3]"
bad_spec toml_syntax "spec '$tmp/toml_syntax.toml'" "[sweep
name = 1"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
