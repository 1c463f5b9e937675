#!/usr/bin/env bash
# Trace format 2 on real runs (docs/trace.md): /servers.server holds the
# deployment's server ids, /devices the platform's devices, the radio waits
# are phases of their own that add up with the others to each task's delay,
# small runs write small traces; plus the progress knob (newline-terminated
# lines with an ETA on a stderr that is not a terminal), --help and the
# end-of-run hint (absolute path of the reader).
# Usage: test_trace_layout.sh MECSIM SRCDIR
set -u
export PATH=/usr/bin:/bin:$PATH
bin=$1
src=$2
py=/usr/bin/python3
plat=$src/platforms/small_cell.xml
dep=$src/deployments/small_cell.xml

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# 1. The default small_cell run (5 MDs x 20 tasks, one edge server, id 1).
if "$bin" "$plat" "$dep" --trace "$tmp/t.h5" > "$tmp/run.out" 2> "$tmp/run.err" && [ -s "$tmp/t.h5" ]; then
  ok "small_cell run wrote a trace"
else
  ko "small_cell run failed:"; tail -n 10 "$tmp/run.err"
  echo "$pass passed, $fail failed"
  exit 1
fi
size=$(stat -c %s "$tmp/t.h5")
if [ "$size" -lt 200000 ]; then ok "100-task trace is small ($size bytes < 200 KB)"; else ko "100-task trace is $size bytes"; fi

# The end-of-run hint names the reader by absolute path and the trace as given.
if grep -qF "read it with: /usr/bin/python3 $src/analysis/mecsim_trace.py $tmp/t.h5" "$tmp/run.out" &&
   [ -f "$src/analysis/mecsim_trace.py" ]; then
  ok "end-of-run hint: absolute path of analysis/mecsim_trace.py"
else
  ko "end-of-run hint:"; cat "$tmp/run.out"
fi
if "$bin" --help | grep -q "README.md" && ! "$bin" --help | grep -q "usage.md"; then
  ok "--help points to README.md, not to a missing docs/usage.md"
else
  ko "--help documentation pointer"
fi

# 2. A busier cell (Poisson arrivals, many tasks per device) so that radio
# waits happen, and a run with 0-bit results (no radio download).
"$bin" "$plat" "$dep" --arrivals poisson --rate 6 --tasks_per_md 30 --quiet --trace "$tmp/busy.h5" \
  > /dev/null 2> "$tmp/busy.err" || { ko "busy run failed"; tail -n 5 "$tmp/busy.err"; }
"$bin" "$plat" "$dep" --result_bits const:0 --tasks_per_md 4 --quiet --trace "$tmp/zero.h5" \
  > /dev/null 2> "$tmp/zero.err" || { ko "0-bit result run failed"; tail -n 5 "$tmp/zero.err"; }

if $py -c "import h5py, numpy" 2> /dev/null; then
  $py - "$tmp" "$plat" "$dep" > "$tmp/py.out" 2>&1 <<'EOF'
import sys, xml.etree.ElementTree as ET
import h5py, numpy as np
tmp, plat, dep = sys.argv[1:4]

def say(good, what):
    print(("ok: " if good else "FAIL: ") + what)

def load(name):
    f = h5py.File(f"{tmp}/{name}", "r")
    return f, {k: f[k][()] for k in f}

f, d = load("t.h5")
say(int(f.attrs["trace_format"]) == 8, f"trace_format == 8 (got {f.attrs['trace_format']})")
tk = d["tasks"]
off = tk["target"] > 0
say(all(n in tk.dtype.names for n in ("up_bs", "down_bs", "down_hops", "down_relay_start"))
    and np.all(tk["up_bs"] == np.where(off, 0, -1)) and np.all(tk["down_bs"] == np.where(off, 0, -1))
    and np.all(np.isnan(tk["down_relay_start"])) and np.all((tk["down_hops"] >= 1) == off),
    "/tasks.up_bs, down_bs, down_hops, down_relay_start exist (format 8): BS 0 for offloaded tasks, -1 for local, no relay")
say(int(f.attrs["n_bs"]) == 1 and "handovers" in f and len(f["handovers"]) == 0 and len(f["base_stations"]) == 1
    and "bs" in d["decisions"].dtype.names and np.all(d["decisions"]["bs"] == 0) and "bs" in f["mobility"].dtype.names,
    "one BS: n_bs = 1, /base_stations has one row, /handovers is empty, /decisions.bs = 0, /mobility has bs (format 8)")
say("tier" in tk.dtype.names and np.all(tk["tier"] == np.where(tk["target"] > 0, 1, 0)),
    "/tasks.tier exists (format 7): 1 for the edge server's tasks, 0 for local ones")
say(f.attrs["server_tiers"] in ("edge", b"edge"), f"root attribute server_tiers = 'edge' (got {f.attrs['server_tiers']!r})")
say("dropped" in d["tasks"].dtype.names and np.all(d["tasks"]["dropped"] == 0),
    "/tasks.dropped exists (format 5), 0 when no admission rule ran")
say("background" in f and len(f["background"]) == 0 and "time_done" in f["background"].dtype.names,
    "/background exists (format 4), empty for a policy without background work")
dec = d["decisions"]
say(all(n in dec.dtype.names for n in ("done_local", "macs", "arch_k", "arch_l")),
    "/decisions has the format-3 fields done_local, macs, arch_k, arch_l")
say(len(dec) > 0 and np.all(dec["done_local"] == dec["done"]) and np.all(dec["arch_k"] == 0),
    "/decisions of an unstaged policy: done_local == done, arch_k = 0")
ids = sorted(int(p.get("value")) for a in ET.parse(dep).getroot().iter("actor")
             if a.get("function") == "edge_server" for p in a.iter("prop") if p.get("id") == "id")
got = sorted(set(int(s) for s in d["servers"]["server"]))
say(len(d["servers"]) > 0 and got == ids, f"/servers.server values {got} == deployment ids {ids}")
tg = sorted(set(int(x) for x in d["tasks"]["target"] if x > 0))
say(set(tg) <= set(ids), f"/tasks.target servers {tg} use the same ids")

dev = d["devices"]
hosts = {h.get("id"): h for h in ET.parse(plat).getroot().iter("host")}
names = [h.decode() for h in dev["host"]]
dist = [float(next(p.get("value") for p in hosts[n].iter("prop") if p.get("id") == "distance")) for n in names]
say(len(dev) == 5 and list(dev["md"]) == list(range(5)), f"/devices: 5 rows, md 0..4 (got {list(dev['md'])})")
say(list(dev["distance_m"]) == [20, 35, 50, 70, 90] and dist == [20, 35, 50, 70, 90],
    f"/devices.distance_m {list(dev['distance_m'])} = the platform's {dist}")
speeds = [float(hosts[n].get("speed").replace("f", "").replace("M", "e6").replace("G", "e9")) for n in names]
say(np.allclose(dev["cpu_hz"], speeds), f"/devices.cpu_hz {list(dev['cpu_hz'])} = host speeds")
say(all(b.decode() == "bs" for b in dev["bs"]) and np.all(dev["dnn"] == -1), "/devices.bs = 'bs', dnn = -1")
g = 1e-4 * (1.0 / dev["distance_m"]) ** 4  # g0 = -40 dB, l0 = 1 m, h = 4 (defaults)
say(np.allclose(dev["path_gain"], g, rtol=1e-12), "/devices.path_gain = g0 (l0/l)^h")
say(all(("distance_m: m" in f["devices"].attrs["units"], "up_wait_start: s" in f["tasks"].attrs["units"],
         "down_radio_start: s" in f["tasks"].attrs["units"])), "units of the new fields")

def phases(t, label):
    off = t[t["target"] > 0]
    loc = t[t["target"] == 0]
    delay = off["done"] - off["arrival"]
    parts = {
        "decision": off["decide_end"] - off["arrival"],
        "local": np.nan_to_num(off["local_end"] - off["local_start"]),
        "radio wait up": off["up_start"] - off["up_wait_start"],
        "upload": off["up_end"] - off["up_start"],
        "fiber": off["fwd_end"] - off["fwd_start"],
        "queue": off["exec_start"] - off["queue_enter"],
        "execution": off["exec_end"] - off["exec_start"],
        "fiber back": off["down_fiber_end"] - off["down_start"],
        "radio wait down": off["down_radio_start"] - off["down_fiber_end"],
        "download": off["down_end"] - off["down_radio_start"],
    }
    neg = [k for k, v in parts.items() if not np.all(v >= 0)]
    say(len(off) > 0 and not neg, f"{label}: {len(off)} offloaded tasks, every phase >= 0 {neg}")
    err = np.max(np.abs(sum(parts.values()) - delay)) if len(off) else 0
    say(err <= 1e-9, f"{label}: phases sum to the delay (max error {err:.3g} s)")
    say(np.all(np.isnan(loc["up_wait_start"]) & np.isnan(loc["down_fiber_end"]) &
               np.isnan(loc["down_radio_start"])), f"{label}: local tasks have NaN radio phases")
    return parts

phases(d["tasks"], "small_cell")
f2, b = load("busy.h5")
p = phases(b["tasks"], "busy cell")
nw = int(np.sum(p["radio wait up"] > 0) + np.sum(p["radio wait down"] > 0))
say(nw > 0, f"busy cell: {nw} radio waits > 0 recorded as their own phase")
f3, z = load("zero.h5")
zo = z["tasks"][z["tasks"]["target"] > 0]
phases(z["tasks"], "0-bit results")
say(len(zo) > 0 and np.all(zo["down_radio_start"] == zo["down_fiber_end"]) and
    np.all(zo["down_end"] == zo["down_radio_start"]), "0-bit results: down_radio_start = down_fiber_end = down_end")
EOF
  cat "$tmp/py.out"
  pass=$((pass + $(grep -c '^ok: ' "$tmp/py.out")))
  fail=$((fail + $(grep -c '^FAIL: ' "$tmp/py.out")))
  grep -q '^ok: ' "$tmp/py.out" || ko "python checks did not run"
else
  echo "skipped the trace checks: $py cannot import h5py and numpy (Debian packages)"
fi

# 3. Progress: knob progress=1 gives newline-terminated lines with an ETA on
# a stderr that is a file; the run is long and interrupted after a few s.
timeout -s INT 4 "$bin" "$plat" "$dep" --no-trace --set progress=1 --set tasks_per_md=100000000 \
  > /dev/null 2> "$tmp/prog.err"
n=$(grep -c '^\[mecsim\] t = .* tasks/s | .*% | ETA [0-9]' "$tmp/prog.err")
if [ "$n" -ge 1 ] && ! grep -q $'\r' "$tmp/prog.err"; then
  ok "progress=1: $n newline-terminated progress lines with an ETA on a non-terminal stderr"
else
  ko "progress=1 lines:"; cat -A "$tmp/prog.err" | head -n 5
fi
# --until: the ETA comes from simulated time.
timeout -s INT 4 "$bin" "$plat" "$dep" --no-trace --progress 1 --arrivals poisson --tasks_per_md 100000000 \
  --until 1e6 > /dev/null 2> "$tmp/until.err"
if grep -q '^\[mecsim\] t = .*% | ETA [0-9]' "$tmp/until.err"; then
  ok "--until: progress lines with an ETA"
else
  ko "--until progress:"; head -n 5 "$tmp/until.err"
fi
# A short run: a final line; --quiet wins; default: nothing on a non-terminal.
"$bin" "$plat" "$dep" --no-trace --set progress=1 > /dev/null 2> "$tmp/short.err"
if grep -q '^\[mecsim\] t = .* 100/100 tasks .*| wall ' "$tmp/short.err"; then
  ok "progress=1: final line of a short run"
else
  ko "final progress line:"; cat "$tmp/short.err"
fi
"$bin" "$plat" "$dep" --no-trace --set progress=1 --quiet > /dev/null 2> "$tmp/quiet.err"
"$bin" "$plat" "$dep" --no-trace > /dev/null 2> "$tmp/default.err"
if ! grep -q '\[mecsim\]' "$tmp/quiet.err" "$tmp/default.err"; then
  ok "--quiet wins over progress; no progress line by default on a non-terminal"
else
  ko "unexpected progress lines"; cat "$tmp/quiet.err" "$tmp/default.err"
fi
"$bin" "$plat" "$dep" --no-trace --set progress=86401 > /dev/null 2> "$tmp/bad.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "progress" "$tmp/bad.err"; then
  ok "progress=86401 rejected (exit 2)"
else
  ko "progress=86401: exit $rc"; cat "$tmp/bad.err"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
