#!/usr/bin/env bash
# tools/mecsim-sweep on a REAL single-node Slurm (docs/sweeps.md). The test starts its own munged,
# slurmctld and slurmd (Debian packages munge, slurmctld, slurmd, slurm-client; scripts/install-deps.sh)
# with a minimal slurm.conf, on free ports and under a temporary directory, as root, and stops them at
# the end. It is never skipped: without those packages it fails.
#  - run --engine slurm --dry-run writes the sbatch --array script (throttle %N, time and memory per
#    run from the spec) and submits nothing;
#  - the 3 x 3 x 2 sweep of test_sweep_parallel.sh runs as one job array; its index equals the index of
#    the same sweep run with GNU parallel (every column but wall time and peak RSS);
#  - a bad knob value in one grid point: that array task fails, its error is in the index, the others
#    complete.
# Usage: test_sweep_slurm.sh MECSIM SRCDIR
set -u
export PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH
bin=$1 src=$2
py=/usr/bin/python3
tool=$src/tools/mecsim-sweep
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
for b in munged munge slurmctld slurmd sbatch squeue scancel sinfo parallel; do
  if ! command -v $b > /dev/null; then
    ko "$b is not installed (Debian packages munge slurmctld slurmd slurm-client parallel: scripts/install-deps.sh)"
    echo "$pass passed, $fail failed"
    exit 1
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  ko "this test starts slurmd, which must run as root (CI runs as root)"
  echo "$pass passed, $fail failed"
  exit 1
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() {
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
    scancel --user=root > /dev/null 2>&1
    for _ in $(seq 1 50); do
      [ -z "$(squeue -h 2> /dev/null)" ] && break
      sleep 0.1
    done
  fi
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2> /dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2> /dev/null
    wait "$p" 2> /dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 143" TERM
trap "exit 130" INT
checks() {
  "$py" "$src/test/e2e/sweep_check.py" "$@" > "$tmp/check.log" 2>&1
  grep -v '^__COUNTS__' "$tmp/check.log"
  local p f
  read -r _ p f < <(grep '^__COUNTS__' "$tmp/check.log" || echo "__COUNTS__ 0 1")
  pass=$((pass + p)) fail=$((fail + f))
}

# --- munge with its own key and socket
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
chmod 700 "$tmp/munge"
head -c 1024 /dev/urandom > "$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
sock=$tmp/munge/munge.socket
munged -F -f --socket="$sock" --key-file="$tmp/munge/munge.key" --log-file="$tmp/log/munged.log" \
  --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" > "$tmp/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.05; done
if munge -S "$sock" -n | unmunge -S "$sock" > /dev/null 2>&1; then
  ok "munged runs on $sock"
else
  ko "munged did not start: $(tail -3 "$tmp/log/munged.out")"
fi

# --- slurm.conf: this host as controller and only node, free ports, everything under $tmp
read -r port1 port2 < <("$py" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
host=$(hostname -s)
cpus=4 # more slots than cores: the runs are short; config_overrides lets slurmd accept it
cat > "$tmp/slurm.conf" <<EOF
ClusterName=mecsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port1
SlurmdPort=$port2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/builtin
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
InactiveLimit=0
KillWait=2
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=2000 State=UNKNOWN
PartitionName=sweeptest Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" > "$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
state=
for _ in $(seq 1 300); do
  state=$(sinfo -h -N -o %T 2> /dev/null)
  [ "$state" = idle ] && break
  sleep 0.1
done
if [ "$state" = idle ]; then
  ok "slurmctld (port $port1) and slurmd (port $port2) up, node $host idle"
else
  ko "Slurm did not come up (node state '$state')"
  tail -5 "$tmp/log/slurmctld.log" "$tmp/log/slurmd.log" "$tmp/log/slurmctld.out" "$tmp/log/slurmd.out" 2> /dev/null
  echo "$pass passed, $fail failed"
  exit 1
fi

spec=$tmp/grid.toml
{
  sed "s|@SRC@|$src|g" "$src/test/e2e/sweep_grid.toml"
  printf '[slurm]\ntime = "00:02:00"\nmem = "300M"\nthrottle = %s\n' "$cpus"
} > "$spec"

# 1. the reference: the same sweep with GNU parallel
"$tool" run "$spec" --out "$tmp/par" --mecsim "$bin" --jobs 2 > "$tmp/par.log" 2>&1 &&
  ok "GNU parallel reference: $(grep 'done,' "$tmp/par.log" | tail -1 | cut -d: -f2)" ||
  { ko "GNU parallel reference failed"; tail -5 "$tmp/par.log"; }

# 2. --dry-run writes the array script and submits nothing
"$tool" run "$spec" --out "$tmp/slurm" --mecsim "$bin" --engine slurm --dry-run > "$tmp/dry.log" 2>&1
script=$(ls "$tmp"/slurm/slurm/sweep-*.sbatch 2> /dev/null | head -1)
if [ -n "$script" ] && grep -q "^#SBATCH --array=0-17%$cpus$" "$script" && grep -q "^#SBATCH --time=00:02:00$" "$script" &&
  grep -q "^#SBATCH --mem=300M$" "$script" && [ -z "$(squeue -h)" ] && [ ! -e "$tmp/slurm/slurm/submitted.txt" ]; then
  ok "--dry-run wrote $(basename "$script") (--array=0-17%$cpus, --time=00:02:00, --mem=300M) and submitted nothing"
else
  ko "--dry-run: script '$script', queue '$(squeue -h)'"; cat "$tmp/dry.log"; [ -n "$script" ] && grep SBATCH "$script"
fi
bash -n "$script" && ok "the sbatch script is valid bash" || ko "the sbatch script has a syntax error"

# 3. the job array, waited for
start=$(date +%s.%N)
"$tool" run "$spec" --out "$tmp/slurm" --mecsim "$bin" --engine slurm --wait > "$tmp/slurm.log" 2>&1
rc=$?
took=$("$py" -c "import time; print(f'{time.time() - $start:.1f}')")
job=$(sed -n 's/.*submitted job array \([0-9]*\).*/\1/p' "$tmp/slurm.log")
if [ $rc -eq 0 ] && [ -n "$job" ] && grep -q "18 runs, 18 done, 0 failed, 0 missing" "$tmp/slurm.log"; then
  ok "Slurm job array $job: 18 runs done in ${took} s"
else
  ko "Slurm run: exit $rc"; cat "$tmp/slurm.log"; tail -5 "$tmp/log/slurmctld.log"
  ls "$tmp/slurm/slurm/"; head -5 "$tmp"/slurm/slurm/*.out 2> /dev/null
fi
n_slurm=$("$py" -c '
import glob, json, sys
rs = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/runs/*.json")]
print(sum(1 for r in rs if r["engine"] == "slurm" and r["slurm_job"].startswith(sys.argv[2] + "_")))' "$tmp/slurm" "$job")
[ "$n_slurm" -eq 18 ] && ok "every run was an array task of job $job (SLURM_ARRAY_JOB_ID_TASK_ID recorded)" ||
  ko "$n_slurm runs recorded as array tasks of job $job"
checks index "$tmp/slurm" 18
checks same "$tmp/par" "$tmp/slurm"

# 4. a bad knob value in one grid point, as an array task
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
[slurm]
time = "00:02:00"
mem = "300M"
EOF
# submitted without --wait: a second submission while the array is queued or running is refused
"$tool" run "$tmp/bad.toml" --out "$tmp/bad" --mecsim "$bin" --engine slurm > "$tmp/bad-submit.log" 2>&1
rcs=$?
"$tool" run "$tmp/bad.toml" --out "$tmp/bad" --mecsim "$bin" --engine slurm > "$tmp/bad-again.log" 2>&1
rca=$?
if [ $rcs -eq 0 ] && [ $rca -eq 2 ] && grep -q "still queued or running" "$tmp/bad-again.log"; then
  ok "while its array is in the queue, a sweep is not submitted again: $(cut -c1-110 "$tmp/bad-again.log")"
else
  ko "resubmission: first exit $rcs, second exit $rca: $(cat "$tmp/bad-again.log")"
fi
for _ in $(seq 1 600); do [ -z "$(squeue -h)" ] && break; sleep 0.1; done
"$tool" status "$tmp/bad" > "$tmp/bad.log" 2>&1
rcb=$?
"$tool" collect "$tmp/bad" >> "$tmp/bad.log" 2>&1
[ $rcb -eq 1 ] && grep -q "3 runs, 2 done, 1 failed, 0 missing" "$tmp/bad.log" &&
  ok "bad grid point on Slurm: status exits 1, 2 done, 1 failed" || { ko "bad grid point on Slurm: exit $rcb"; cat "$tmp/bad.log"; }
checks failed "$tmp/bad" '{"rate": -1.0}' "knob 'rate' = -1: expected a number in"

# 5. nothing is left in the queue
[ -z "$(squeue -h)" ] && ok "the queue is empty at the end" || ko "jobs left: $(squeue -h | head -3)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
