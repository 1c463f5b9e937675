#!/usr/bin/python3
"""Wi-Fi contention benchmark: N stations of one SimGrid Wi-Fi cell, all uploading in the same slot.

    /usr/bin/python3 bench/bench_wifi_contention.py [--build DIR] [--sizes 500,1000,2000,4000] [--slots K]
        [--reps R] [--cfg OPTION ...] [--keep DIR]

For each N: writes a platform like platforms/wifi_cell.xml with N stations (md-0 .. md-(N-1)) in one
<zone routing="Wifi"> sharing the link wifi-link (54/36/24 Mbit/s levels), the access point leading
to the BS, and one 16 GHz edge server behind 10 Gbit/s fiber; the stations' distances cycle over
10 .. 150 m, so that the three rate levels are all used (mecsim picks the fastest level the
station's Shannon rate supports). The deployment sets cell=wifi, md_hosts=md- (no actor per
station), slotted arrivals (every station's task arrives at the start of each slot, so every
station uploads in the same slot), offload-nearest (every task to the server), tasks of 40-120 kbit
and 10 Mcycles, 1 kbit results, and a slot long enough for one slot's uploads to finish before the
next.

mecsim (Release build) runs each cell under /usr/bin/time -v, without trace. Printed: N, tasks,
wall s, CPU s (user + sys), peak RSS MB, mean delay s, and the growth exponent
log(t2/t1)/log(N2/N1) of the CPU time between successive sizes (2 = quadratic). The task sizes are
drawn (uniform 40-120 kbit): equal sizes would end every upload of a rate level at one instant, a
much cheaper case. The sharing of the cell is SimGrid's (its LMM: every transfer in flight is a
variable of the Wi-Fi link's constraint); docs/performance.md explains its cost. Pin the run to one
core on a shared machine:

    taskset -c 0 /usr/bin/python3 bench/bench_wifi_contention.py --build build-rel

Needs a Release build with the target mecsim:
    cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release
    cmake --build build-rel -j2 --target mecsim
"""
import argparse
import math
import os
import platform
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_core_bench import timed  # noqa: E402  (the same measurement as the core benchmark)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
TASK_BITS = 8e4      # 10 KB per task on average
TASK_CYCLES = 1e7    # 0.6 ms on the 16 GHz server
RESULT_BITS = 1e3
LEVELS = (54e6, 36e6, 24e6)


def write_cell(n, plat, dep, slots, extra_knobs=()):
    """Writes the N-station Wi-Fi cell (platform and deployment); returns the slot length in s."""
    with open(plat, "w") as f:
        f.write("<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n")
        f.write("<!-- bench_wifi_contention.py: %d stations in one Wi-Fi zone -->\n" % n)
        f.write('<platform version="4.1">\n  <zone id="world" routing="Full">\n')
        f.write('    <zone id="wifi" routing="Wifi">\n      <prop id="access_point" value="ap"/>\n'
                '      <router id="ap"/>\n')
        for k in range(n):
            f.write('      <host id="md-%d" speed="400Mf"><prop id="distance" value="%g"/></host>\n'
                    % (k, 10 + 10 * (k % 15)))
        f.write('      <link id="wifi-link" sharing_policy="WIFI" bandwidth="%s" latency="0ms">\n'
                % ",".join("%gMbps" % (r / 1e6) for r in LEVELS))
        f.write('        <prop id="wifi_rates" value="%s"/>\n      </link>\n    </zone>\n'
                % ",".join("%g" % r for r in LEVELS))
        f.write('    <zone id="wired" routing="Full">\n      <host id="bs" speed="10Gf"/>\n'
                '      <host id="es-1" speed="16Gf"/>\n'
                '      <link id="fiber-bs-1" bandwidth="1.25GBps" latency="0.1ms"/>\n'
                '      <route src="bs" dst="es-1"><link_ctn id="fiber-bs-1"/></route>\n    </zone>\n'
                '    <link id="backhaul" bandwidth="1.25GBps" latency="0"/>\n'
                '    <zoneRoute src="wifi" dst="wired" gw_src="ap" gw_dst="bs"><link_ctn id="backhaul"/></zoneRoute>\n'
                '  </zone>\n</platform>\n')
    # One slot's uploads move n * TASK_BITS over at least 24 Mbit/s of airtime: give them twice that.
    slot = max(1.0, 2.0 * n * TASK_BITS / LEVELS[-1])
    knobs = [("cell", "wifi"), ("md_hosts", "md-"), ("arrivals", "slotted"), ("slot", "%g" % slot),
             ("tasks_per_md", str(slots)), ("policy", "offload-nearest"),
             ("task_bits", "uniform:%g:%g" % (TASK_BITS / 2, TASK_BITS * 1.5)),
             ("task_cycles", "const:%g" % TASK_CYCLES),
             ("result_bits", "const:%g" % RESULT_BITS)]
    over = dict(extra_knobs)  # --set replaces a knob or adds one
    knobs = [(k, over.pop(k, v)) for k, v in knobs] + [(k, v) for k, v in extra_knobs if k in over]
    with open(dep, "w") as f:
        f.write("<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n")
        f.write('<platform version="4.1">\n  <actor host="bs" function="base_station">\n')
        for k, v in knobs:
            f.write('    <prop id="%s" value="%s"/>\n' % (k, v))
        f.write('  </actor>\n  <actor host="es-1" function="edge_server"><prop id="id" value="1"/></actor>\n'
                '</platform>\n')
    return slot


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--build", default=os.path.join(SRC, "build"), help="Release build directory holding mecsim")
    p.add_argument("--sizes", default="500,1000,2000,4000", help="comma list of station counts")
    p.add_argument("--slots", type=int, default=1, help="slots (tasks per station)")
    p.add_argument("--reps", type=int, default=1, help="repetitions per size (least CPU time kept)")
    p.add_argument("--cfg", action="append", default=[],
                   help="extra SimGrid option for mecsim, e.g. --cfg maxmin/precision:1e-9 (repeatable)")
    p.add_argument("--set", action="append", default=[], metavar="KNOB=VALUE",
                   help="extra scenario knob in the deployment (repeatable)")
    p.add_argument("--trace", action="store_true", help="write each run's trace (in --keep, else the work dir)")
    p.add_argument("--keep", default=None, help="keep the generated files and logs in this directory")
    return p.parse_args()


def main():
    a = parse_args()
    mecsim = os.path.join(a.build, "mecsim")
    if not os.access(mecsim, os.X_OK):
        sys.exit("bench_wifi_contention: %s not found; build the Release target mecsim" % mecsim)
    sizes = [int(x) for x in a.sizes.split(",")]
    extra = []
    for s in a.set:
        if "=" not in s:
            sys.exit("bench_wifi_contention: --set %s: expected KNOB=VALUE" % s)
        extra.append(tuple(s.split("=", 1)))
    work = a.keep or tempfile.mkdtemp(prefix="mecsim-wifi-bench-")
    os.makedirs(work, exist_ok=True)
    cpu = "?"
    try:
        cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
    except (OSError, IndexError):
        pass
    print("# Wi-Fi contention benchmark, %s, %s" % (time.strftime("%Y-%m-%d %H:%M"), mecsim))
    print("# machine: %s, %d cores, %s; load average %s" % (cpu, os.cpu_count(), platform.platform(),
                                                           " ".join(open("/proc/loadavg").read().split()[:3])))
    print("# workload: N stations on one Wi-Fi link (%s Mbit/s), %d slot(s), every station's task arriving at "
          "each slot start, tasks of %g-%g bit to the server, %g-bit results%s%s"
          % ("/".join("%g" % (r / 1e6) for r in LEVELS), a.slots, TASK_BITS / 2, TASK_BITS * 1.5, RESULT_BITS,
             "; knobs " + " ".join(a.set) if a.set else "",
             "; SimGrid " + " ".join(a.cfg) if a.cfg else ""))
    rows = []
    for n in sizes:
        plat = os.path.join(work, "wifi-%d.xml" % n)
        dep = os.path.join(work, "wifi-%d-dep.xml" % n)
        write_cell(n, plat, dep, a.slots, extra)
        trace = os.path.join(work, "trace-%d.h5" % n) if a.trace else ""
        cmd = [mecsim, plat, dep, "--trace", trace, "--quiet"] + ["--cfg=" + c for c in a.cfg]
        runs = []
        for r in range(a.reps):
            text, m = timed(cmd, os.path.join(work, "mecsim-%d.log" % n))
            t = re.search(r"^mecsim: (\d+) tasks in .*?mean delay ([0-9.eE+-]+) s", text, re.M)
            if not t:
                sys.exit("bench_wifi_contention: no result line from mecsim:\n%s" % text[-2000:])
            m["tasks"], m["delay"] = int(t.group(1)), float(t.group(2))
            runs.append(m)
            print("# N=%d rep %d: %.2f s wall %.2f s cpu %.0f MB" % (n, r + 1, m["wall"], m["cpu"], m["rss_mb"]),
                  flush=True)
        rows.append((n, min(runs, key=lambda x: x["cpu"])))

    print()
    print("| stations | tasks | wall s | CPU s | peak RSS MB | mean delay s | growth (CPU) |")
    print("|---|---|---|---|---|---|---|")
    prev = None
    for n, r in rows:
        g = "-"
        if prev and prev[1]["cpu"] > 0 and r["cpu"] > 0 and n != prev[0]:
            g = "%.2f" % (math.log(r["cpu"] / prev[1]["cpu"]) / math.log(n / prev[0]))
        print("| %s | %s | %.2f | %.2f | %.0f | %.6f | %s |"
              % (format(n, ","), format(r["tasks"], ","), r["wall"], r["cpu"], r["rss_mb"], r["delay"], g))
        prev = (n, r)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
