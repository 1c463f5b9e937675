#!/usr/bin/env bash
# TPOS-UAI with neighbour lists from the deployment (mobile_device prop `neighbours`): every load
# message (eq. 29) goes between listed neighbours only, the game still converges, and a bad list is
# refused with a message naming the element. Usage: test_tpos_neighbours.sh MECSIM SRCDIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
# small_cell's deployment with a chain 0-1-2 and a pair 3-4 as neighbour sets
sed -e 's|<actor host="md-0" function="mobile_device"/>|<actor host="md-0" function="mobile_device"><prop id="neighbours" value="1"/></actor>|' \
    -e 's|<actor host="md-1" function="mobile_device"/>|<actor host="md-1" function="mobile_device"><prop id="neighbours" value="0,2"/></actor>|' \
    -e 's|<actor host="md-2" function="mobile_device"/>|<actor host="md-2" function="mobile_device"><prop id="neighbours" value="1"/></actor>|' \
    -e 's|<actor host="md-3" function="mobile_device"/>|<actor host="md-3" function="mobile_device"><prop id="neighbours" value="4"/></actor>|' \
    -e 's|<actor host="md-4" function="mobile_device"/>|<actor host="md-4" function="mobile_device"><prop id="neighbours" value="3"/></actor>|' \
    "$src/deployments/small_cell.xml" > "$tmp/dep.xml"
if "$bin" "$src/platforms/small_cell.xml" "$tmp/dep.xml" --policy tpos-uai --dnn alexnet --tasks_per_md 2 \
  --trace "$tmp/t.h5" --quiet > "$tmp/out" 2>&1; then
  pass=$((pass + 1))
  if /usr/bin/python3 - "$tmp/t.h5" <<'PY'
import sys, h5py
m = h5py.File(sys.argv[1], "r")["messages"][:]
allowed = {(1, 0), (0, 1), (2, 1), (1, 2), (4, 3), (3, 4)}
load = m[m["kind"] == 2]  # MEC_TPOS_MSG_LOAD: neighbour -> MD
pairs = {(int(a), int(b)) for a, b in zip(load["src_md"], load["dst_md"])}
assert len(load) > 0, "no load messages"
assert pairs <= allowed, f"load messages outside the lists: {sorted(pairs - allowed)}"
assert pairs == allowed, f"some listed pair never exchanged: {sorted(allowed - pairs)}"
PY
  then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: load messages do not follow the neighbour lists"; fi
else
  fail=$((fail + 1)); echo "FAIL: tpos-uai with neighbour lists did not run"; cat "$tmp/out"
fi
# a device index out of range is refused, naming the actor
sed 's|<prop id="neighbours" value="4"/>|<prop id="neighbours" value="9"/>|' "$tmp/dep.xml" > "$tmp/bad.xml"
"$bin" "$src/platforms/small_cell.xml" "$tmp/bad.xml" --policy tpos-uai --dnn alexnet --trace "$tmp/b.h5" --quiet \
  > "$tmp/bad.out" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "actor 'mobile_device' on host 'md-3': property 'neighbours'" "$tmp/bad.out" && [ ! -e "$tmp/b.h5" ]; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL: bad neighbour list: exit $rc"; cat "$tmp/bad.out"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
