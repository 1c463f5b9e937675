#!/usr/bin/env bash
# platforms/generate.py with several base stations (--n-bs; platforms/README.md, docs/mobility.md
# "Generating multi-BS cells"):
# (a) --n-bs 1 writes exactly what the generator writes without the option (platform, deployment and
#     its printed estimate, for several option sets), and the multi-BS options need --n-bs > 1;
# (b) a 3-BS corridor of 1000 devices with rwp mobility and a cloud, checked by an XML parse: 3
#     base_station actors in order bs-0..bs-2, the knobs (bs_x, bs_y, mobility_area = the corridor)
#     on the first only, bs_x / bs_y alone on the others, edge servers 1..6 BS by BS each naming its BS,
#     the cloud as server 7 with no bs, no distance anywhere, the MD clusters with their radio
#     (loopback) links, and the routes: each BS to its own servers (via-first and direct), between
#     every pair of BSs along the chain of inter-BS fiber, each BS to the cloud over its metro link
#     then the one WAN link; the option values in the links; bad options exit 2 and write nothing;
#     the automatic rate keeps every estimated resource at or below --load;
# (c) mecsim runs that cell (2 tasks per device, least-loaded, and random with forward=direct, which
#     sends tasks to other BSs' servers and the cloud) and the 4-BS cell of static devices placed in
#     the corridor: exit 0, every task of every device in /tasks,
#     with finite, ordered times; when the trace records them, uploads through all 3 BSs and handovers.
# Part (c) needs the multi-BS core (several base_station actors).
# Usage: test_generate_multi_bs.sh MECSIM SRCDIR
set -u
bin=$(readlink -f "$1")
src=$(readlink -f "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
py=/usr/bin/python3
gen=$src/platforms/generate.py

# (a) --n-bs 1 = no option, byte for byte (the deployment names the platform file: same names, two directories)
mkdir -p a1 a2
i=0
while IFS= read -r opts; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  if (cd a1 && $py "$gen" $opts --platform p.xml --deployment d.xml > out 2>&1) &&
    (cd a2 && $py "$gen" $opts --n-bs 1 --platform p.xml --deployment d.xml > out 2>&1) &&
    cmp -s a1/p.xml a2/p.xml && cmp -s a1/d.xml a2/d.xml && cmp -s a1/out a2/out; then
    ok "--n-bs 1 = no option: $opts"
  else
    bad "--n-bs 1 differs from no option (or failed): $opts"
  fi
done <<'EOF'
--n-md 200 --n-servers 3 --tasks 2 --policy least-loaded --seed 7 --set share_users=10
--n-md 30 --n-servers 2 --tasks 4 --policy random --cloud-cores 16 --cloud-speed 30e9 --wan-bps 5e8 --wan-latency 0.04
--n-md 1000 --n-servers 4 --mobility rwp --speed uniform:10:20 --pause exp:10 --area=-50,-50,50,50 --md-actors
--n-md 50 --slot 1 --policy offload-nearest --server-speed 1e9,2e9,3e9 --n-servers 3
EOF
for o in "--bs-spacing 100" "--bs-fiber-bps 1e9" "--bs-fiber-latency 0" "--n-bs 2 --metro-bps 1e9" \
  "--n-bs 2 --set bs_x=5" "--n-bs 2 --set mobility_area=0,0,1,1" "--n-bs 2 --set cell=wifi" "--n-bs 2 --area=0,0,0,1" \
  "--n-bs 0"; do
  rm -f x.xml xd.xml
  # shellcheck disable=SC2086
  $py "$gen" $o --platform x.xml --deployment xd.xml > x.out 2>&1
  rc=$?
  if [ $rc -eq 2 ] && [ ! -e x.xml ] && [ ! -e xd.xml ] && grep -q "generate.py: error:" x.out; then
    ok "refused: $o ($(tail -n 1 x.out))"
  else
    bad "$o: exit $rc (expected 2 with an error line and no file)"
  fi
done

# (b) a 3-BS corridor of 1000 devices, 2 servers per BS, rwp, a cloud
if $py "$gen" --n-md 1000 --n-bs 3 --n-servers 2 --bs-spacing 200 --bs-fiber-bps 5e9 --bs-fiber-latency 2e-4 \
  --cloud-cores 16 --metro-bps 4e9 --metro-latency 1e-3 --mobility rwp --speed uniform:1:15 --policy least-loaded \
  --tasks 2 --seed 3 --platform bs3.xml --deployment bs3-dep.xml > gen.out 2>&1; then
  ok "generate.py --n-bs 3 wrote the cell"
else
  bad "generate.py --n-bs 3: $(tail -n 2 gen.out)"
fi
if $py - bs3.xml bs3-dep.xml <<'PY'
import math
import re
import sys
import xml.etree.ElementTree as ET

plat, dep = ET.parse(sys.argv[1]).getroot(), ET.parse(sys.argv[2]).getroot()
B, M, N = 3, 2, 1000
fails = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        fails.append(what)


def props(el):
    return {p.get("id"): p.get("value") for p in el.findall("prop")}


# the platform: hosts, links, routes
hosts = {h.get("id"): h for h in plat.iter("host")}
links = {l.get("id"): l for l in plat.iter("link")}
routes = {}
for r in plat.iter("route"):
    routes[(r.get("src"), r.get("dst"))] = [c.get("id") for c in r.findall("link_ctn")]
bs_hosts = ["bs-%d" % b for b in range(B)]
check(all(h in hosts for h in bs_hosts) and "bs" not in hosts, "platform: hosts bs-0 .. bs-2, no host 'bs'")
check(all("es-%d-%d" % (b, k) in hosts for b in range(B) for k in range(1, M + 1)), "platform: hosts es-<b>-<k>")
check("cloud" in hosts and hosts["cloud"].get("core") == "16", "platform: the cloud host, 16 cores")
check(not any(p.get("id") == "distance" for p in plat.iter("prop")), "platform: no distance property")
covered = set()
for c in plat.iter("cluster"):
    lo, hi = (int(x) for x in c.get("radical").split("-"))
    check(c.get("prefix") == "md-" and c.get("loopback_bw") is not None and c.get("loopback_lat") is not None,
          "cluster %s: md- hosts with a loopback (radio) link" % c.get("id"))
    covered |= set(range(lo, hi + 1))
check(covered == set(range(N)), "clusters cover md-0 .. md-%d" % (N - 1))
check(all(l in links for ls in routes.values() for l in ls), "every link_ctn names a declared link")
check(all(s in hosts and d in hosts for s, d in routes), "every route joins declared hosts")


def route(a, b):
    r = routes.get((a, b))
    if r is None and (b, a) in routes:  # routes are symmetrical by default
        r = list(reversed(routes[(b, a)]))
    return r


def bps(link):
    return float(links[link].get("bandwidth").rstrip("Bps")) * 8


def lat(link):
    return float(links[link].get("latency").rstrip("s"))


for b in range(B):
    bh = "bs-%d" % b
    check(route(bh, "es-%d-1" % b) == ["fiber-%d-bs-1" % b], "%s -> its first server es-%d-1" % (bh, b))
    for k in range(2, M + 1):
        check(route("es-%d-1" % b, "es-%d-%d" % (b, k)) == ["fiber-%d-1-%d" % (b, k)],
              "es-%d-1 -> es-%d-%d (forward=via-first)" % (b, b, k))
        check(route(bh, "es-%d-%d" % (b, k)) == ["fiber-%d-bs-1" % b, "fiber-%d-1-%d" % (b, k)],
              "%s -> es-%d-%d (forward=direct)" % (bh, b, k))
    check(route(bh, "cloud") == ["metro-%d" % b, "wan"], "%s -> cloud: metro-%d then the shared wan" % (bh, b))
    check(math.isclose(bps("metro-%d" % b), 4e9) and math.isclose(lat("metro-%d" % b), 1e-3),
          "metro-%d: --metro-bps 4e9, --metro-latency 1e-3" % b)
for i in range(B):
    for j in range(B):
        if i != j:
            lo, hi = min(i, j), max(i, j)
            chain = ["fiber-bs-%d-bs-%d" % (k, k + 1) for k in range(lo, hi)]
            r = route("bs-%d" % i, "bs-%d" % j)
            check(r is not None and sorted(r) == sorted(chain) and (r == chain or r == chain[::-1]),
                  "route bs-%d -> bs-%d along the chain %s" % (i, j, chain))
for k in range(B - 1):
    l = "fiber-bs-%d-bs-%d" % (k, k + 1)
    check(l in links and math.isclose(bps(l), 5e9) and math.isclose(lat(l), 2e-4),
          "%s: --bs-fiber-bps 5e9, --bs-fiber-latency 2e-4" % l)
check(math.isclose(bps("wan"), 1e9) and math.isclose(lat("wan"), 0.03), "wan: the defaults 1e9 bit/s, 0.03 s")

# the deployment
actors = dep.findall("actor")
bss = [a for a in actors if a.get("function") == "base_station"]
check([a.get("host") for a in bss] == bs_hosts, "3 base_station actors, in order bs-0, bs-1, bs-2")
first = props(bss[0])
want = {"bs_x": "0", "bs_y": "0", "mobility": "rwp", "rwp_speed": "uniform:1:15", "mobility_area": "-100,-50,500,50",
        "md_hosts": "md-", "policy": "least-loaded", "tasks_per_md": "2", "seed": "3", "arrivals": "poisson"}
check(all(first.get(k) == v for k, v in want.items()), "first BS: knobs %s" % want)
check(float(first.get("rate", "0")) > 0, "first BS: an automatic rate")
for b, a in enumerate(bss[1:], 1):
    p = props(a)
    check(p == {"bs_x": "%g" % (200 * b), "bs_y": "0"}, "bs-%d: only bs_x = %d, bs_y = 0 (%s)" % (b, 200 * b, p))
servers = [a for a in actors if a.get("function") == "edge_server"]
edge = [a for a in servers if props(a).get("tier") != "cloud"]
cloud = [a for a in servers if props(a).get("tier") == "cloud"]
check([int(props(a)["id"]) for a in edge] == list(range(1, B * M + 1)), "edge servers numbered 1..6")
check(all(props(a).get("bs") in bs_hosts for a in edge), "every edge server names a base_station host in bs")
check(all(props(a)["bs"] == "bs-%d" % ((int(props(a)["id"]) - 1) // M) and
          a.get("host") == "es-%d-%d" % ((int(props(a)["id"]) - 1) // M, (int(props(a)["id"]) - 1) % M + 1)
          for a in edge), "server id b*M + k on host es-<b>-<k> names bs-<b>")
check(len(cloud) == 1 and props(cloud[0]) == {"id": "7", "tier": "cloud"}, "the cloud: server 7, tier cloud, no bs")
check(all(a.get("host") in hosts for a in actors), "every actor on a declared host")
check(not any(a.get("function") == "mobile_device" for a in actors), "no mobile_device actors (md_hosts)")
check(not any(p.get("id") == "distance" for p in dep.iter("prop")), "deployment: no distance property")
# the estimate in the header: every resource at or below --load (0.5)
text = open(sys.argv[2]).read()
m = re.search(r"utilisation: (.*)", text)
utils = [float(u) for u in re.findall(r"([0-9.]+) %", m.group(1))] if m else []
check(len(utils) >= 6 and max(utils) <= 50.0 + 1e-9 and max(utils) >= 40,
      "estimate: busiest resource at %s %% (<= --load 50 %%)" % (max(utils) if utils else None))
check("cells: 3 BSs 200 m apart" in text and "busiest cell bs-1" in text, "estimate: per cell, bs-1 the busiest")
sys.exit(1 if fails else 0)
PY
then ok "the 3-BS files parse and check"; else bad "the 3-BS files (see the FAIL lines above)"; fi
# the default area for 4 BSs 150 m apart, static devices: the corridor, written even without --mobility
if $py "$gen" --n-md 40 --n-bs 4 --n-servers 1 --bs-spacing 150 --platform s4.xml --deployment s4-dep.xml > /dev/null &&
  grep -q '<prop id="mobility_area" value="-75,-37.5,525,37.5"/>' s4-dep.xml &&
  [ "$(grep -c 'function="base_station"' s4-dep.xml)" = 4 ] && ! grep -q '"mobility"' s4-dep.xml; then
  ok "4 static BSs 150 m apart: mobility_area -75,-37.5,525,37.5"
else
  bad "4 static BSs: area or actors"
fi

# (c) mecsim runs the generated cell
run() { # NAME PLATFORM DEPLOYMENT N_MD N_BS [mecsim options]: exit 0, every device's 2 tasks in /tasks
  local name=$1 plat=$2 dep=$3 n_md=$4 n_bs=$5
  shift 5
  "$bin" "$plat" "$dep" --quiet --tasks_per_md 2 --trace "$name.h5" "$@" > "$name.out" 2>&1
  local rc=$?
  if [ $rc -ne 0 ]; then
    bad "$name: mecsim exit $rc: $(grep -v "__asan\|False positive\|^==" "$name.out" | head -n 3)"
    return
  fi
  if $py - "$name.h5" "$n_md" "$n_bs" <<'PY'
import sys
import h5py
import numpy as np
n_md, nb = int(sys.argv[2]), int(sys.argv[3])
with h5py.File(sys.argv[1], "r") as f:
    t = f["tasks"][()]
    n_bs = f.attrs.get("n_bs")
    handovers = len(f["handovers"]) if "handovers" in f else None
names = t.dtype.names
# what the multi-BS trace records, when it does (docs/trace.md): 3 BSs, devices attached to each, handovers
if n_bs is not None:
    assert int(n_bs) == nb, "n_bs = %s" % n_bs
if handovers is not None and n_md == 1000:
    assert handovers > 0, "no handover of 1000 devices at 1-15 m/s"
assert len(t) == 2 * n_md, "%d tasks in /tasks, expected %d" % (len(t), 2 * n_md)
per_md = np.bincount(t["md"], minlength=n_md)
assert len(per_md) == n_md and (per_md == 2).all(), "not 2 tasks for every device"
assert np.isfinite(t["done"]).all() and (t["done"] >= t["arrival"]).all(), "a task not done, or done before it arrived"
if "dropped" in names:
    assert (t["dropped"] == 0).all(), "dropped tasks"
off = t["target"] > 0
assert np.isfinite(t["up_end"][off]).all(), "an offloaded task without an upload end"
if "up_bs" in names:  # the BS each offloaded task was uploaded through (local tasks: -1)
    ups = set(t["up_bs"][off].tolist())
    assert ups == set(range(nb)), "uploads through BSs %s" % sorted(ups)
print("%d tasks, targets used %s, %s handovers" % (len(t), sorted(set(t["target"].tolist())), handovers))
PY
  then ok "$name: exit 0, every task completed"; else bad "$name: trace check"; fi
}
run least-loaded bs3.xml bs3-dep.xml 1000 3
run random-direct bs3.xml bs3-dep.xml 1000 3 --policy random --forward direct
run random-via-first bs3.xml bs3-dep.xml 1000 3 --policy random --set policy_args=p_local=0
# static devices placed in the corridor of 4 BSs (no mobility knob)
run static-4bs s4.xml s4-dep.xml 40 4 --policy random --set policy_args=p_local=0

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
