#!/usr/bin/env bash
# The Wi-Fi cell's airtime sharing (cell=wifi: SimGrid's WIFI link, every transfer in flight a
# variable of its constraint with weight 1/r of the station's rate level) against the formula:
# stations at the three rate levels r (54/36/24 Mbit/s), some starting together and some later,
# one station's two uploads queued on its radio. With one binding constraint every transfer in
# flight moves at x = 1 / sum_j (1/r_j) bytes/s (so k uploads of s bytes started together end
# together at s * sum_i 1/r_i), and SimGrid moves whole bytes (floor(bits / 8)): every upload's end
# in the trace equals that processor-sharing prediction to 1e-9.
# Usage: test_wifi_sharing.sh MECSIM SRCDIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# 1. By formula: 5 stations (distances 50 / 115 / 140 m give 54 / 36 / 24 Mbit/s with
# share_users=1), tasks from a file; 16 Gcycle tasks keep the results' downloads after every upload.
/usr/bin/python3 - "$tmp" <<'EOF'
import sys
tmp = sys.argv[1]
dist = [50, 115, 140, 140, 115]
with open(f"{tmp}/f.xml", "w") as f:
    f.write("""<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <zone id="world" routing="Full">
    <zone id="wifi" routing="Wifi">
      <prop id="access_point" value="ap"/>
      <router id="ap"/>
""")
    for k, d in enumerate(dist):
        f.write(f'      <host id="md-{k}" speed="400Mf"><prop id="distance" value="{d}"/></host>\n')
    f.write("""      <link id="wifi-link" sharing_policy="WIFI" bandwidth="54Mbps,36Mbps,24Mbps" latency="0ms">
        <prop id="wifi_rates" value="54e6,36e6,24e6"/>
      </link>
    </zone>
    <zone id="wired" routing="Full">
      <host id="bs" speed="10Gf"/>
      <host id="es-1" speed="16Gf"/>
      <link id="fiber-bs-1" bandwidth="1.25GBps" latency="0.1ms"/>
      <route src="bs" dst="es-1"><link_ctn id="fiber-bs-1"/></route>
    </zone>
    <link id="backhaul" bandwidth="1.25GBps" latency="0"/>
    <zoneRoute src="wifi" dst="wired" gw_src="ap" gw_dst="bs"><link_ctn id="backhaul"/></zoneRoute>
  </zone>
</platform>
""")
with open(f"{tmp}/f-dep.xml", "w") as f:
    f.write("""<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <actor host="bs" function="base_station">
    <prop id="cell" value="wifi"/>
    <prop id="md_hosts" value="md-"/>
    <prop id="share_users" value="1"/>
    <prop id="policy" value="offload-nearest"/>
    <prop id="arrivals" value="file"/>
    <prop id="task_file" value="f.csv"/>
  </actor>
  <actor host="es-1" function="edge_server"><prop id="id" value="1"/></actor>
</platform>
""")
# md, arrival, bits (not whole bytes: SimGrid truncates), cycles, result bits, deadline
tasks = [(0, 0, 8e6 + 5, 1.6e10), (1, 0, 4e6, 1.6e10), (2, 0, 6e6 + 3, 1.6e10), (3, 0, 6e6 + 3, 1.6e10),
         (4, 0.05, 3e6, 1.6e10), (1, 0.1, 2e6, 1.6e10)]
with open(f"{tmp}/f.csv", "w") as f:
    f.write("md,arrival_s,input_bits,cycles,output_bits,deadline_s\n")
    for md, t, bits, cyc in tasks:
        f.write(f"{md},{t},{bits!r},{cyc!r},8000,0\n")
EOF
if "$bin" "$tmp/f.xml" "$tmp/f-dep.xml" --quiet --trace "$tmp/f.h5" > "$tmp/out" 2>&1; then
  ok "formula cell runs"
else
  bad "formula cell: $(tail -3 "$tmp/out")"
fi
/usr/bin/python3 - "$tmp" <<'EOF' && ok "uploads end as 1 / sum(1/r) sharing predicts" || bad "formula"
import math, sys
import h5py
import numpy as np
tmp = sys.argv[1]
levels = [54e6, 36e6, 24e6]
def level(rate):  # the fastest level the Shannon rate supports, else the slowest
    fit = [l for l in levels if l <= rate]
    return max(fit) if fit else min(levels)
err = 0
for mode in ("simgrid",):
    t = h5py.File(f"{tmp}/f.h5", "r")["tasks"][:]
    used = {level(r) for r in t["up_rate_bps"]}
    if used != set(levels):
        print(f"{mode}: levels used {sorted(used)}, expected all three"); err += 1
    if t["up_end"].max() >= t["down_radio_start"].min():
        print(f"{mode}: an upload overlaps a download; the formula below assumes none"); err += 1
    # processor sharing: every upload in flight moves at x = 1 / sum_j (8 / r_j) bytes/s
    flows = [[float(r["up_start"]), math.floor(r["input_bits"] / 8), level(r["up_rate_bps"]) / 8, i]
             for i, r in enumerate(t)]
    pending = sorted(flows)
    active, now, pred = [], 0.0, {}
    while pending or active:
        if not active:
            now = max(now, pending[0][0])
        while pending and pending[0][0] <= now:
            f = pending.pop(0); active.append([f[1], f[2], f[3]])
        x = 1.0 / sum(1.0 / a[1] for a in active)
        t_end = min(a[0] for a in active) / x
        t_next = pending[0][0] - now if pending else math.inf
        dt = min(t_end, t_next)
        for a in active:
            a[0] -= x * dt
        now += dt
        for a in [a for a in active if a[0] <= 1e-9 * x]:
            pred[a[2]] = now; active.remove(a)
    for i, r in enumerate(t):
        if abs(r["up_end"] - pred[i]) > 1e-9 * pred[i]:
            print(f"{mode}: task {i} (md {r['md']}) up_end {r['up_end']!r}, predicted {pred[i]!r}"); err += 1
    # the three uploads of 0 s at equal bytes ... and the hand case: md-2 and md-3 (same size, same level)
    a, b = t[t["md"] == 2][0], t[t["md"] == 3][0]
    if a["up_end"] != b["up_end"]:
        print(f"{mode}: md-2 and md-3 (same size and level, same start) end apart"); err += 1
sys.exit(1 if err else 0)
EOF

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
