#!/bin/bash
# test_tdma_partial.sh MECSIM SRCDIR - real TDMA sub-slots (decision fields
# tx_offset, tx_window) and partial offloading (offload_frac), through the
# baseline tdma-equal on a 4-MD cell written here (slot 1 s, fixed task
# sizes, no fading). test/e2e/tdma_check.py checks the traces by hand
# formulas: each upload starts at decide_end + tx_offset, the uploads of a
# slot do not overlap, the rate is W log2(1 + p g / (W N0)) over the whole
# band, the energy of one offloading MD is p_k t'_k exactly, an upload longer
# than its window continues past it, and with frac=0.4 the MD runs 0.6 of the
# cycles (kappa f^2 0.6 c) while 0.4 of the input goes up and the server runs
# 0.4 of the cycles, the task being done when both parts are. Bad arguments
# exit 2 with a message.
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "${2:-$(dirname "$0")/../..}")
PY=/usr/bin/python3
export PATH=/usr/bin:/bin:$PATH OPENBLAS_NUM_THREADS=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

# 4 MDs of 1 GHz at 20-80 m, 0.1-0.4 W; one 16 GHz server behind 10 Gbit/s fiber
cat > "$W/p.xml" <<'XML'
<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <zone id="cell" routing="Full">
    <host id="md-0" speed="1Gf"><prop id="distance" value="20"/><prop id="tx_power" value="0.1"/></host>
    <host id="md-1" speed="1Gf"><prop id="distance" value="40"/><prop id="tx_power" value="0.2"/></host>
    <host id="md-2" speed="1Gf"><prop id="distance" value="60"/><prop id="tx_power" value="0.3"/></host>
    <host id="md-3" speed="1Gf"><prop id="distance" value="80"/><prop id="tx_power" value="0.4"/></host>
    <host id="bs" speed="10Gf"/>
    <host id="es-1" speed="16Gf" core="1"/>
    <link id="radio-0" bandwidth="1MBps" latency="0"/>
    <link id="radio-1" bandwidth="1MBps" latency="0"/>
    <link id="radio-2" bandwidth="1MBps" latency="0"/>
    <link id="radio-3" bandwidth="1MBps" latency="0"/>
    <link id="fiber-bs-1" bandwidth="1.25GBps" latency="0.1ms"/>
    <route src="md-0" dst="md-0"><link_ctn id="radio-0"/></route>
    <route src="md-1" dst="md-1"><link_ctn id="radio-1"/></route>
    <route src="md-2" dst="md-2"><link_ctn id="radio-2"/></route>
    <route src="md-3" dst="md-3"><link_ctn id="radio-3"/></route>
    <route src="bs" dst="es-1"><link_ctn id="fiber-bs-1"/></route>
  </zone>
</platform>
XML
cat > "$W/d.xml" <<'XML'
<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <actor host="bs" function="base_station">
    <prop id="policy" value="tdma-equal"/>
    <prop id="arrivals" value="slotted"/>
    <prop id="decide" value="per-slot"/>
    <prop id="slot" value="1"/>
    <prop id="tasks_per_md" value="3"/>
    <prop id="task_bits" value="const:3e6"/>
    <prop id="task_cycles" value="const:5e8"/>
    <prop id="result_bits" value="const:1e4"/>
    <prop id="bandwidth" value="20e6"/>
    <prop id="fading" value="none"/>
  </actor>
  <actor host="es-1" function="edge_server"><prop id="id" value="1"/></actor>
  <actor host="md-0" function="mobile_device"/>
  <actor host="md-1" function="mobile_device"/>
  <actor host="md-2" function="mobile_device"/>
  <actor host="md-3" function="mobile_device"/>
</platform>
XML

run() { # label, then mecsim options
  local label=$1; shift
  if "$MECSIM" "$W/p.xml" "$W/d.xml" --quiet=1 --trace="$W/$label.h5" "$@" > "$W/$label.out" 2>&1; then
    return 0
  fi
  ko "mecsim $*: $(grep -v -e __asan_handle_no_return -e 'False positive' -e 'For details' "$W/$label.out" | tail -2)"
  return 1
}
run whole && run short --task_bits=const:2e8 --tasks_per_md=1 && run partial --policy_args=frac=0.4 \
  && run pertask --decide=per-task && ok "4 tdma-equal runs completed (whole, short windows, frac=0.4, per-task)"
if "$PY" "$SRC/test/e2e/tdma_check.py" "$W" > "$W/check.out" 2>&1; then
  ok "tdma_check.py: $(grep -c '^ok' "$W/check.out") checks"
else
  ko "tdma_check.py:"; grep -v '^ok' "$W/check.out"
fi

# bad arguments: exit 2 and a message naming the problem
bad() { # expected message part, then mecsim options
  local want=$1; shift
  "$MECSIM" "$W/p.xml" "$W/d.xml" --quiet=1 "$@" > "$W/bad.out" 2>&1
  local rc=$?
  if [ $rc = 2 ] && grep -q -e "$want" "$W/bad.out"; then
    ok "refused with exit 2: $* ($want)"
  else
    ko "$*: exit $rc, expected 2 and '$want': $(grep -v __asan "$W/bad.out" | tail -2)"
  fi
}
bad "frac=0: the offloaded share must be in (0, 1]" --policy_args=frac=0
bad "frac=2: the offloaded share must be in (0, 1]" --policy_args=frac=2
bad "'frac': 'nan' is not a finite number" --policy_args=frac=nan
bad "unknown policy argument 'width'" --policy_args=width=3
bad "the TDMA frame is the slot length" --arrivals=poisson --decide=per-task
finish
