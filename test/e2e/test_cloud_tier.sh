#!/usr/bin/env bash
# The cloud tier (docs/model.md, "The cloud tier"): on platforms/cloud_cell.xml (two edge servers and
# a cloud of 64 x 40 GHz behind a 1 Gbit/s, 30 ms WAN link), tasks 2 s apart, every cloud task's
# delay = upload + WAN (the route BS -> cloud, with forward=via-first and forward=direct alike) +
# execution + return, by formula within 1e-6 relative (cloud_check.py; the edge servers' tasks too);
# /tasks.tier is 2 for the cloud's tasks, 1 for the edge servers', 0 for local ones. Then the bad
# inputs: a tier other than edge|cloud, and a cloud as server 1 under forward=via-first, each exit 2
# with one line naming the deployment and the actor.
# Usage: test_cloud_tier.sh MECSIM SRCDIR
set -u
bin=$(readlink -f "$1")
src=$(readlink -f "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail=0
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

/usr/bin/python3 "$src/test/e2e/cloud_check.py" "$bin" "$src" "$tmp" > "$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
pass=$(grep -c '^PASS' "$tmp/out")
fail=$((fail + $(grep -c '^FAIL' "$tmp/out")))
[ $rc -eq 0 ] || ko "cloud_check.py exited with $rc"
[ "$pass" -ge 30 ] || ko "cloud_check.py reported only $pass passing checks"

plat=$src/platforms/cloud_cell.xml
# shellcheck source=lib_cases.sh
. "$src/test/e2e/lib_cases.sh"
# bad_case NAME SED-EXPRESSION EXPECTED-TEXT: the deployment edited by sed must make mecsim exit 2
# with one message containing the expected text, nothing on stdout and no trace left (case_).
bad_case() {
  local name=$1 expr=$2 want=$3
  sed "$expr" "$src/deployments/cloud_cell.xml" > "$tmp/$name.xml"
  if cmp -s "$tmp/$name.xml" "$src/deployments/cloud_cell.xml"; then
    ko "$name: the sed expression changed nothing"
    return
  fi
  case_ "$name" 2 one "$want" -- "$plat" "$tmp/$name.xml" --quiet
}
bad_case bad-tier 's/value="cloud"/value="clod"/' \
  "deployment $tmp/bad-tier.xml: actor 'edge_server' on host 'cloud': property 'tier' = 'clod': expected edge or cloud"
bad_case empty-tier 's/value="cloud"/value=""/' "property 'tier' = '': expected edge or cloud"
bad_case misspelled-tier 's/id="tier"/id="tiers"/' "unknown property 'tiers' (did you mean 'tier'? expected id, tier, bs)"
# the cloud as server 1 while an edge server relies on server 1 for forward=via-first
bad_case cloud-first 's/value="3"/value="9"/; s/<prop id="id" value="1"\/>/<prop id="id" value="3"\/>/; s/value="9"/value="1"/' \
  "has tier cloud, but forward=via-first sends the tasks of edge server"
# ... which forward=direct accepts
sed 's/value="3"/value="9"/; s/<prop id="id" value="1"\/>/<prop id="id" value="3"\/>/; s/value="9"/value="1"/' \
  "$src/deployments/cloud_cell.xml" > "$tmp/cloud-first-direct.xml"
if "$bin" "$plat" "$tmp/cloud-first-direct.xml" --quiet --no-trace --set forward=direct --tasks_per_md 2 > "$tmp/cfd.out" 2>&1; then
  echo "PASS cloud as server 1 runs with forward=direct"
else
  ko "cloud as server 1 with forward=direct: $(tail -n 2 "$tmp/cfd.out")"
fi
# platforms/generate.py --cloud-cores: a generated cell with a cloud (server M+1, one WAN link);
# without the option no cloud is written.
gen=$src/platforms/generate.py
/usr/bin/python3 "$gen" --n-md 30 --n-servers 2 --tasks 4 --policy random --platform "$tmp/g.xml" \
  --deployment "$tmp/gd.xml" > /dev/null || ko "generate.py without a cloud"
if grep -q "cloud\|wan" "$tmp/g.xml" "$tmp/gd.xml"; then ko "generate.py wrote a cloud without --cloud-cores"; fi
/usr/bin/python3 "$gen" --n-md 30 --n-servers 2 --tasks 4 --policy random --cloud-cores 16 --cloud-speed 30e9 \
  --wan-bps 5e8 --wan-latency 0.04 --platform "$tmp/gc.xml" --deployment "$tmp/gcd.xml" > /dev/null ||
  ko "generate.py --cloud-cores"
if grep -q '<host id="cloud" speed="30000000000f" core="16"/>' "$tmp/gc.xml" &&
  grep -q '<link id="wan" bandwidth="62500000Bps" latency="0.040000000000000001s"/>' "$tmp/gc.xml" &&
  grep -q '<prop id="id" value="3"/><prop id="tier" value="cloud"/>' "$tmp/gcd.xml"; then
  echo "PASS generate.py --cloud-cores 16 --cloud-speed 30e9 --wan-bps 5e8 --wan-latency 0.04: host, WAN link, server 3 tier cloud"
else
  ko "generate.py --cloud-cores: cloud host, WAN link or deployment line missing"
fi
if "$bin" "$tmp/gc.xml" "$tmp/gcd.xml" --quiet --trace "$tmp/gc.h5" > "$tmp/gc.out" 2>&1 &&
  /usr/bin/python3 - "$tmp/gc.h5" <<'PY'
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1], "r") as f:
    t = f["tasks"][()]
    tiers = f.attrs["server_tiers"]
tiers = tiers.decode() if isinstance(tiers, bytes) else tiers
assert tiers == "edge,edge,cloud", tiers
assert np.all(t["tier"] == np.where(t["target"] == 3, 2, np.where(t["target"] > 0, 1, 0)))
assert (t["tier"] == 2).any() and (t["tier"] == 1).any(), "random sent no task to the cloud or the edge"
PY
then
  echo "PASS the generated cell with a cloud runs; /tasks.tier 2 on server 3"
else
  ko "the generated cell with a cloud: $(tail -n 3 "$tmp/gc.out")"
fi
/usr/bin/python3 "$gen" --wan-bps 1e9 --platform "$tmp/x.xml" --deployment "$tmp/xd.xml" > "$tmp/x.out" 2>&1
if [ $? -eq 2 ] && grep -q -- "--wan-bps: needs --cloud-cores" "$tmp/x.out" && [ ! -e "$tmp/x.xml" ]; then
  echo "PASS generate.py --wan-bps without --cloud-cores: exit 2"
else
  ko "generate.py --wan-bps without --cloud-cores: $(tail -n 1 "$tmp/x.out")"
fi

if [ $fail -eq 0 ]; then echo "test_cloud_tier: all passed"; else echo "test_cloud_tier: $fail failed"; fi
[ $fail -eq 0 ]
