#!/bin/bash
# test_tpos_delay.sh MECSIM SRCDIR - TPOS inside the simulation:
#  1. without contention (4 MDs, one of each network, B = 4 cores), the delay
#     the simulator measures for every task (from the decision to the result)
#     equals the model's T_n (eq. 24) within 1 %, for TPOS-CAI and TPOS-UAI,
#     and at least one task is really partitioned (0 < m* < M);
#  2. the game ran as messages: /messages has every message, with receive >=
#     send, and /decisions counts them; the trace's slot column is h_last;
#  3. with contention (20 MDs, a new task every 0.3 s while the previous
#     ones still run), no task is faster than the model, and the gap is
#     printed (reported, not asserted).
set -u
MECSIM=$1
SRC=$2
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
ko() { echo "FAILED: $1"; fail=$((fail + 1)); }

$PY - "$SRC" "$T" <<'EOF' || { echo "cannot write platforms"; echo "0 passed, 1 failed"; exit 1; }
import sys
sys.path.insert(0, sys.argv[1] + "/analysis")
import tpos_runs as t
out = sys.argv[2]
t.write_platform(out + "/p4.xml", 4); t.write_deployment(out + "/d4.xml", 4, ["alexnet", "vgg13", "vgg16", "lenet"])
t.write_platform(out + "/p20.xml", 20); t.write_deployment(out + "/d20.xml", 20)
EOF

W="--policy_args=alpha=0.95,beta=0.049,gamma=0.001"
for pol in tpos-cai tpos-uai; do
  if "$MECSIM" "$T/p4.xml" "$T/d4.xml" --policy=$pol "$W" --quiet=1 --trace="$T/$pol.h5" \
      --log=mec_task.thres:verbose >"$T/$pol.log" 2>&1; then
    ok "$pol runs (4 MDs, mixed networks)"
  else
    ko "$pol run failed"; tail -5 "$T/$pol.log"; continue
  fi
  if $PY - "$SRC" "$T/$pol.h5" "$T/$pol.log" <<'EOF'; then ok "$pol: measured delay == eq. 24 within 1 %, messages and slots traced"; else ko "$pol: delay / trace check"; fi
import re, sys
sys.path.insert(0, sys.argv[1] + "/analysis")
import mecsim_trace as mt
tr = mt.load(sys.argv[2])
rows = re.findall(r"tpos task (\d+) md (\d+) m\*=(-?\d+) h_last=(-?\d+) predicted (\S+) measured (\S+)", open(sys.argv[3]).read())
M = {0: 21, 1: 31, 2: 37, 3: 12}
bad = 0
assert len(rows) == 4 == len(tr.tasks), (len(rows), len(tr.tasks))
tasks = tr.tasks.set_index("id")
partitioned = 0
for tid, md, ms, hl, pred, meas in rows:
    pred, meas, ms, hl = float(pred), float(meas), int(ms), int(hl)
    t = tasks.loc[int(tid)]
    meas_trace = t.done - t.decide_end
    rel = abs(meas_trace - pred) / pred
    print(f"  md {md} {['alexnet','vgg13','vgg16','lenet'][t.dnn]}: m*={ms} h_last={hl} predicted {pred:.6f} s measured {meas_trace:.6f} s ({100*rel:.2e} %)")
    bad += rel > 0.01
    partitioned += 0 < ms < M[int(t.dnn)]
    assert t.partition == ms and t.slot == hl, "trace partition/slot"
assert bad == 0, "delay differs by more than 1 %"
assert partitioned >= 1, "no task partitioned"
m, d = tr.messages, tr.decisions
assert len(d) == 1 and len(m) == d.messages.iloc[0], (len(m), d.messages.tolist())
assert (m.time_received >= m.time_sent).all() and (m.bits > 0).all()
assert d.iterations.iloc[0] >= 4 and d.flops.iloc[0] > 0
assert set(m.kind) >= {3, 4, 5}, set(m.kind)  # commits, replies, stop
print(f"  {len(m)} messages, {int(d.iterations.iloc[0])} wake-ups, game over at t = {d.done.iloc[0]:.4f} s")
EOF
done

if "$MECSIM" "$T/p20.xml" "$T/d20.xml" --policy=tpos-cai "$W" --quiet=1 --trace="$T/cont.h5" --slot=0.3 \
    --tasks_per_md=3 --log=mec_task.thres:verbose >"$T/cont.log" 2>&1; then
  ok "contention run (20 MDs, 3 periods of 0.3 s)"
  if $PY - "$T/cont.log" <<'EOF'; then ok "contention: no task faster than the model"; else ko "contention check"; fi
import re, sys
rows = [(float(p), float(m)) for p, m in re.findall(r"predicted (\S+) measured (\S+)", open(sys.argv[1]).read())]
gap = [(m - p) / p for p, m in rows]
print(f"  {len(rows)} tasks: measured - predicted: mean {100*sum(gap)/len(gap):.2f} %, max {100*max(gap):.2f} %, "
      f"{sum(g > 0.01 for g in gap)} tasks more than 1 % late")
assert len(rows) == 60 and min(gap) > -1e-9
EOF
else
  ko "contention run failed"; tail -5 "$T/cont.log"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
