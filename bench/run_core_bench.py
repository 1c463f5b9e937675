#!/usr/bin/python3
"""Core benchmark: mecsim against a bare SimGrid program doing the same work.

    /usr/bin/python3 bench/run_core_bench.py [--build DIR] [--sizes 1000,10000,100000] [--stack-size KIB]

For each N (number of MDs): platforms/generate.py writes a cell of N MDs and 10 servers; every MD
generates 10 tasks (Poisson, 100 tasks/s over the whole cell, so the load stays the same at every
N: ~75 % on server 1, less on the others); each task goes to a random server (mecsim's `random`
policy with p_local=0), is uploaded over the MD's own radio link, forwarded over fiber (through
server 1), queued FCFS, executed and downloaded. mecsim runs it with its FULL trace (tasks,
decisions, /servers samples every 0.1 s); bench/bench_bare_simgrid runs the same workload with no
policy module and no trace. Both run under /usr/bin/time -v with the same SimGrid configuration
(CM02, no cross-traffic, guard-size 0, the given stack size).

Printed per N: wall time, user+sys CPU time, peak RSS, tasks per wall second and per CPU second,
and the ratios mecsim / bare. Targets (issue 2): mecsim >= 0.8x the bare tasks/s, <= 1.5 GB RSS at
10^5 MDs. They are reported, not asserted. Wall time counts everything the process does (platform
parsing, deployment, run, trace close, teardown). On a shared machine prefer the CPU-time ratio.

Needs a Release build with the targets mecsim and bench_bare_simgrid:
    cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release
    cmake --build build-rel -j2 --target mecsim bench_bare_simgrid
"""
import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
N_SERVERS = 10
TASKS_PER_MD = 10
CELL_RATE = 100.0  # tasks/s over the whole cell


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--build", default=os.path.join(SRC, "build"),
                   help="Release build directory holding mecsim and bench/bench_bare_simgrid")
    p.add_argument("--sizes", default="1000,10000,100000", help="comma list of MD counts")
    p.add_argument("--stack-size", type=int, default=16,
                   help="contexts/stack-size in KiB for both programs (mecsim's own default is 64; "
                   "docs/performance.md says why 16 is used here)")
    p.add_argument("--reps", type=int, default=3, help="repetitions for N <= 10^4 (best wall time kept)")
    p.add_argument("--reps-large", type=int, default=1, help="repetitions for N > 10^4")
    p.add_argument("--keep", default=None, help="keep the generated files and traces in this directory")
    return p.parse_args()


def timed(cmd, log):
    """Runs cmd under /usr/bin/time -v; returns (stdout, dict of measurements)."""
    tv = log + ".time"
    with open(log, "w") as out:
        rc = subprocess.call(["/usr/bin/time", "-v", "-o", tv] + cmd, stdout=out, stderr=subprocess.STDOUT)
    text = open(log).read()
    if rc != 0:
        sys.exit("%s: %s failed (exit %d):\n%s" % (os.path.basename(sys.argv[0]), " ".join(cmd), rc, text[-3000:]))
    tvt = open(tv).read()

    def field(name):
        m = re.search(r"^\s*" + re.escape(name) + r": (.*)$", tvt, re.M)
        return m.group(1).strip()

    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    return text, {"wall": wall, "cpu": float(field("User time (seconds)")) + float(field("System time (seconds)")),
                  "rss_mb": int(field("Maximum resident set size (kbytes)")) / 1024.0}


def tasks_in(text, prog):
    m = re.search(r"^%s: (\d+) tasks in .*?mean delay ([0-9.eE+-]+) s" % prog, text, re.M)
    if not m:
        sys.exit("run_core_bench: no result line from %s:\n%s" % (prog, text[-2000:]))
    return int(m.group(1)), float(m.group(2))


def best(runs):
    return min(runs, key=lambda r: r["wall"])


def main():
    a = parse_args()
    mecsim = os.path.join(a.build, "mecsim")
    bare = os.path.join(a.build, "bench", "bench_bare_simgrid")
    for f in (mecsim, bare):
        if not os.access(f, os.X_OK):
            sys.exit("run_core_bench: %s not found; build the Release targets mecsim and bench_bare_simgrid" % f)
    sizes = [int(x) for x in a.sizes.split(",")]
    work = a.keep or tempfile.mkdtemp(prefix="mecsim-core-bench-")
    os.makedirs(work, exist_ok=True)
    cfg = ["--cfg=network/model:CM02", "--cfg=network/crosstraffic:0",
           "--cfg=contexts/stack-size:%d" % a.stack_size, "--cfg=contexts/guard-size:0"]
    cpu = "?"
    try:
        cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
    except (OSError, IndexError):
        pass
    print("# core benchmark, %s" % time.strftime("%Y-%m-%d %H:%M"))
    print("# machine: %s, %d cores, %s; load average %s" % (cpu, os.cpu_count(), platform.platform(),
                                                           " ".join(open("/proc/loadavg").read().split()[:3])))
    print("# workload: N MDs x %d tasks, %d servers, Poisson %g tasks/s per cell, random server; stack %d KiB"
          % (TASKS_PER_MD, N_SERVERS, CELL_RATE, a.stack_size))
    rows = []
    for n in sizes:
        plat = os.path.join(work, "cell-%d.xml" % n)
        dep = os.path.join(work, "cell-%d-dep.xml" % n)
        rate = CELL_RATE / n
        subprocess.check_call(["/usr/bin/python3", os.path.join(SRC, "platforms", "generate.py"), "--n-md", str(n),
                               "--n-servers", str(N_SERVERS), "--tasks", str(TASKS_PER_MD), "--arrivals", "poisson",
                               "--rate", repr(rate), "--policy", "random", "--policy-args", "p_local=0",
                               "--set", "share_users=10", "--platform", plat, "--deployment", dep],
                              stdout=subprocess.DEVNULL)
        reps = a.reps if n <= 10000 else a.reps_large
        runs_b, runs_m = [], []
        for r in range(reps):
            text, mb = timed([bare, plat, str(n), str(N_SERVERS), str(TASKS_PER_MD), repr(rate), "1"] + cfg,
                             os.path.join(work, "bare-%d.log" % n))
            mb["tasks"], mb["delay"] = tasks_in(text, "bare")
            runs_b.append(mb)
            trace = os.path.join(work, "trace-%d.h5" % n)
            text, mm = timed([mecsim, plat, dep, "--trace", trace, "--quiet"] + cfg,
                             os.path.join(work, "mecsim-%d.log" % n))
            mm["tasks"], mm["delay"] = tasks_in(text, "mecsim")
            mm["trace_mb"] = os.path.getsize(trace) / 1e6
            runs_m.append(mm)
            print("# N=%d rep %d: bare %.2f s wall %.2f s cpu %.0f MB | mecsim %.2f s wall %.2f s cpu %.0f MB"
                  % (n, r + 1, mb["wall"], mb["cpu"], mb["rss_mb"], mm["wall"], mm["cpu"], mm["rss_mb"]), flush=True)
        rows.append((n, best(runs_b), best(runs_m), min(x["cpu"] for x in runs_b), min(x["cpu"] for x in runs_m)))

    print()
    print("| MDs | tasks | program | wall s | CPU s | peak RSS MB | tasks/s (wall) | tasks/s (CPU) | mean delay s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, b, m, bc, mc in rows:
        for name, r, c in (("bare SimGrid", b, bc), ("mecsim + trace", m, mc)):
            print("| %s | %s | %s | %.2f | %.2f | %.0f | %.0f | %.0f | %.4f |"
                  % (format(n, ","), format(r["tasks"], ","), name, r["wall"], c, r["rss_mb"],
                     r["tasks"] / r["wall"], r["tasks"] / c, r["delay"]))
    print()
    print("| MDs | mecsim/bare tasks/s (wall) | mecsim/bare tasks/s (CPU) | target >= 0.8 | mecsim RSS | "
          "target <= 1.5 GB at 10^5 | trace MB |")
    print("|---|---|---|---|---|---|---|")
    for n, b, m, bc, mc in rows:
        rw = (m["tasks"] / m["wall"]) / (b["tasks"] / b["wall"])
        rc = (m["tasks"] / mc) / (b["tasks"] / bc)
        rss_ok = "-" if n < 100000 else ("met" if m["rss_mb"] <= 1536 else "MISSED")
        print("| %s | %.2fx | %.2fx | %s | %.0f MB | %s | %.1f |"
              % (format(n, ","), rw, rc, "met" if rc >= 0.8 else "MISSED", m["rss_mb"], rss_ok, m["trace_mb"]))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
