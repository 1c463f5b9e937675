#!/usr/bin/env bash
# Several base stations (docs/mobility.md, "Several base stations"): handover_check.py runs a
# two-cell platform with one device replaying a position trace and checks, by formula, that a
# result is delivered through the BS the device is attached to when it is ready (the extra fiber
# hop from the server's BS in the timeline: down_relay_start, down_hops, and done later by exactly
# that hop), that an upload in progress at a handover finishes through its BS, and the /handovers,
# /base_stations and /mobility rows. Then the multi-BS inputs' errors: each bad deployment or
# platform exits 2 with one line naming the file, the element and what was expected.
# Usage: test_handover.sh MECSIM SRCDIR
set -u
bin=$(readlink -f "$1")
src=$(readlink -f "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

/usr/bin/python3 "$src/test/e2e/handover_check.py" "$bin" "$tmp" > "$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
pass=$(grep -c '^PASS' "$tmp/out")
fail=$((fail + $(grep -c '^FAIL' "$tmp/out")))
[ $rc -eq 0 ] || ko "handover_check.py exited with $rc"
[ "$pass" -ge 24 ] || ko "handover_check.py reported only $pass passing checks"

plat=$tmp/two_cells.xml
dep=$tmp/two_cells_dep.xml
if [ ! -f "$plat" ] || [ ! -f "$dep" ]; then
  ko "handover_check.py left no two_cells.xml / two_cells_dep.xml"
  exit 1
fi
args=(--quiet --set mobility_file="$tmp/stay_pos.csv" --set task_file="$tmp/stay_task.csv")
pass=0
# shellcheck source=lib_cases.sh
. "$src/test/e2e/lib_cases.sh"
# bad_case NAME FILE(dep|plat) SED-EXPRESSION EXPECTED-TEXT [EXTRA ARGS]: the edited file must make
# mecsim exit 2 with one message containing the expected text, nothing on stdout and no trace
# left (case_ of lib_cases.sh).
bad_case() {
  local name=$1 which=$2 expr=$3 want=$4
  shift 4
  local p=$plat d=$dep orig
  [ "$which" = plat ] && orig=$plat || orig=$dep
  sed "$expr" "$orig" > "$tmp/$name.xml"
  if cmp -s "$tmp/$name.xml" "$orig"; then
    ko "$name: the sed expression changed nothing"
    return
  fi
  [ "$which" = plat ] && p=$tmp/$name.xml || d=$tmp/$name.xml
  case_ "$name" 2 one "$want" -- "$p" "$d" "${args[@]}" "$@"
}
bs1='<actor host="bs-1" function="base_station">'
bad_case knob-on-second-bs dep "s|$bs1|$bs1<prop id=\"policy\" value=\"random\"/>|" \
  "base_station 1 (host 'bs-1'): property 'policy': a base_station other than the first takes only bs_x, bs_y and bandwidth"
bad_case second-bs-no-position dep 's|<prop id="bs_x" value="200"/>||' \
  "base_station 1 (host 'bs-1') needs its position"
bad_case second-bs-bad-x dep 's|<prop id="bs_x" value="200"/>|<prop id="bs_x" value="2e12"/>|' \
  "property 'bs_x' = '2e12': expected a coordinate in m within +-1e9"
bad_case second-bs-bad-bandwidth dep "s|$bs1|$bs1<prop id=\"bandwidth\" value=\"-5\"/>|" \
  "property 'bandwidth' = '-5': expected a bandwidth in [1, 1e15] Hz"
bad_case same-position dep 's|<prop id="bs_x" value="200"/>|<prop id="bs_x" value="0"/>|' \
  "base stations 0 (host 'bs-0') and 1 (host 'bs-1') are both at (0, 0) m"
bad_case server-bad-bs dep 's|value="bs-1"/></actor>|value="bs-7"/></actor>|' \
  "actor 'edge_server' on host 'es-1': property 'bs' = 'bs-7': no base_station actor is on that host"
bad_case server-bs-typo dep 's|<prop id="bs" value="bs-1"/>|<prop id="bss" value="bs-1"/>|' \
  "unknown property 'bss' (did you mean 'bs'? expected id, tier, bs)"
bad_case cloud-with-bs dep 's|<prop id="bs" value="bs-1"/>|<prop id="tier" value="cloud"/><prop id="bs" value="bs-1"/>|' \
  "has tier cloud and property 'bs' = 'bs-1': a cloud belongs to no base station"
bad_case two-bs-one-host dep 's|host="bs-1" function="base_station"|host="bs-0" function="base_station"|' \
  "base stations 0 and 1 are both on host 'bs-0'"
bad_case no-route-between-bs plat 's|<route src="bs-0" dst="bs-1"><link_ctn id="x01"/></route>||' \
  "no route from 'bs-0' to 'bs-1' (the fiber between base stations carries uploads and results"
bad_case distance-with-two-bs plat 's|<host id="md-0" speed="1Gf"/>|<host id="md-0" speed="1Gf"><prop id="distance" value="30"/></host>|' \
  "host 'md-0' has property 'distance' = 30 m, but the deployment has 2 base stations" --set mobility=static
bad_case x-without-y plat 's|<host id="md-0" speed="1Gf"/>|<host id="md-0" speed="1Gf"><prop id="x" value="30"/></host>|' \
  "host 'md-0': give both 'x' and 'y'" --set mobility=static
bad_case x-moving plat 's|<host id="md-0" speed="1Gf"/>|<host id="md-0" speed="1Gf"><prop id="x" value="30"/><prop id="y" value="1"/></host>|' \
  "properties 'x', 'y' place a static device; a moving one starts where the mobility model puts it"
bad_case bad-x plat 's|<host id="md-0" speed="1Gf"/>|<host id="md-0" speed="1Gf"><prop id="x" value="nan"/><prop id="y" value="1"/></host>|' \
  "property 'x' = 'nan': expected a coordinate in m within +-1e+09" --set mobility=static
bad_case wifi-two-bs dep 's|<prop id="policy" value="round-robin"/>|<prop id="policy" value="round-robin"/><prop id="cell" value="wifi"/>|' \
  "2 base_station actors, but knob cell=wifi models one access point"
bad_case tpos-two-bs dep 's|<prop id="policy" value="round-robin"/>|<prop id="policy" value="tpos-cai"/>|' \
  "plays the TPOS game of one cell" --set dnn=alexnet --set arrivals=slotted
bad_case bad-hysteresis dep 's|<prop id="policy" value="round-robin"/>|<prop id="policy" value="round-robin"/><prop id="handover_hysteresis_db" value="-1"/>|' \
  "knob 'handover_hysteresis_db' = -1: expected a number in [0, 100]"

# Static devices among several BSs: placed at x, y (or in the area), attached to the nearest BS, no handover.
sed 's|<host id="md-0" speed="1Gf"/>|<host id="md-0" speed="1Gf"><prop id="x" value="150"/><prop id="y" value="0"/></host>|' \
  "$plat" > "$tmp/static.xml"
if "$bin" "$tmp/static.xml" "$dep" --quiet --set mobility=static --set task_file="$tmp/stay_task.csv" \
     --trace "$tmp/static.h5" > "$tmp/static.out" 2>&1; then
  /usr/bin/python3 - "$tmp/static.h5" <<'PY' || fail=$((fail + 1))
import sys, h5py
f = h5py.File(sys.argv[1], "r")
t, d = f["tasks"][:], f["devices"][:]
ok = (len(t) == 1 and t["up_bs"][0] == 1 and t["down_bs"][0] == 1 and d["bs"][0] == b"bs-1"
      and abs(d["distance_m"][0] - 50) < 1e-12 and len(f["handovers"]) == 0)
print(("PASS" if ok else "FAIL") + " static device at x = 150 m: attached to bs-1 (50 m), upload and result through it,"
      f" no handover (up_bs {t['up_bs']}, down_bs {t['down_bs']}, /devices.bs {d['bs']}, distance {d['distance_m']})")
sys.exit(0 if ok else 1)
PY
else
  ko "static device at x = 150 m: mecsim failed: $(cat "$tmp/static.out")"
fi

if [ $fail -eq 0 ]; then echo "test_handover: all checks passed"; else echo "test_handover: $fail failed"; fi
[ $fail -eq 0 ]
