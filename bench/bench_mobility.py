#!/usr/bin/python3
"""Mobility benchmark (issue 15): the core benchmark's cell with devices that move.

    taskset -c 0 /usr/bin/python3 bench/bench_mobility.py [--build DIR] [--sizes 100000] [--reps 1] [--n-bs B]

The cell of bench/run_core_bench.py: platforms/generate.py writes N devices and 10 servers; every
device generates 10 tasks (Poisson, 100 tasks/s over the whole cell), each sent to a random server
(policy random, p_local=0), W/10 of the band per upload (share_users=10). mecsim runs it with its
full trace, once per variant:

  static       mobility=static (the default: fixed distances, one sendto per transfer)
  rwp-walk     random waypoint, pedestrian speeds uniform:0.5:1.5 m/s, no pause
  rwp-vehicle  random waypoint, vehicle speeds uniform:10:20 m/s, no pause

(mobility_update at its default, 1 s; the area the default square around the BS). With --n-bs B > 1
the cell is generate.py's corridor of B base stations (10 servers each; the devices move in, or static
ones are placed uniformly in, the corridor; they attach to the best BS and hand over). Printed per
variant: wall time, user+sys CPU time, peak RSS (under /usr/bin/time -v), tasks/s, /mobility rows,
handovers, and the wall and CPU ratios to static. Target: rwp within 1.3x of static. Reported, not
asserted.

Needs a Release build of mecsim:
    cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel --target mecsim
"""
import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_core_bench import tasks_in, timed  # noqa: E402  (the same measurement as the core benchmark)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
N_SERVERS = 10
TASKS_PER_MD = 10
CELL_RATE = 100.0  # tasks/s over the whole cell
VARIANTS = [
    ("static", []),
    ("rwp-walk", ["--set", "mobility=rwp", "--set", "rwp_speed=uniform:0.5:1.5"]),
    ("rwp-vehicle", ["--set", "mobility=rwp", "--set", "rwp_speed=uniform:10:20"]),
]


def timed_run(cmd, log):
    """run_core_bench's measurement of one run, with its task count and mean delay."""
    text, m = timed(cmd, log)
    m["tasks"], m["delay"] = tasks_in(text, "mecsim")
    return m


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(SRC, "build"), help="Release build directory holding mecsim")
    p.add_argument("--sizes", default="100000", help="comma list of device counts N")
    p.add_argument("--reps", type=int, default=1, help="repetitions per variant (best wall time kept)")
    p.add_argument("--stack-size", type=int, default=16, help="contexts/stack-size in KiB (as run_core_bench.py)")
    p.add_argument("--keep", default=None, help="keep the generated files and traces in this directory")
    p.add_argument("--n-bs", type=int, default=1, help="base stations (generate.py --n-bs; default 1)")
    a = p.parse_args()
    mecsim = os.path.join(a.build, "mecsim")
    if not os.access(mecsim, os.X_OK):
        sys.exit("bench_mobility: no %s (build the mecsim target, Release)" % mecsim)
    work = a.keep or tempfile.mkdtemp(prefix="mecsim-mobility-bench-")
    os.makedirs(work, exist_ok=True)
    cfg = ["--cfg=network/model:CM02", "--cfg=network/crosstraffic:0",
           "--cfg=contexts/stack-size:%d" % a.stack_size, "--cfg=contexts/guard-size:0"]
    print("# mobility benchmark, %s; %s, %d cores; load average %s; affinity %s" % (
        time.strftime("%Y-%m-%d %H:%M"), platform.platform(), os.cpu_count(),
        " ".join(open("/proc/loadavg").read().split()[:3]), sorted(os.sched_getaffinity(0))))
    print("# workload: N MDs x %d tasks, %d BS(s) with %d servers each, Poisson %g tasks/s over the whole system, "
          "random server, full trace" % (TASKS_PER_MD, a.n_bs, N_SERVERS, CELL_RATE))
    print("%8s %-12s %9s %9s %9s %10s %9s %9s %8s %8s" % ("N", "variant", "wall_s", "cpu_s", "rss_MB", "tasks/s",
                                                            "mob_rows", "handovers", "wall_x", "cpu_x"))
    import h5py  # Debian's python3-h5py, for the /mobility row count
    for n in [int(x) for x in a.sizes.split(",")]:
        plat, dep = os.path.join(work, "cell-%d.xml" % n), os.path.join(work, "cell-%d-dep.xml" % n)
        subprocess.check_call(["/usr/bin/python3", os.path.join(SRC, "platforms", "generate.py"), "--n-md", str(n),
                               "--n-servers", str(N_SERVERS), "--tasks", str(TASKS_PER_MD), "--arrivals", "poisson",
                               "--rate", repr(CELL_RATE / n), "--policy", "random", "--policy-args", "p_local=0",
                               "--set", "share_users=10", "--platform", plat, "--deployment", dep]
                              + (["--n-bs", str(a.n_bs)] if a.n_bs > 1 else []),
                              stdout=subprocess.DEVNULL)
        base = None
        for name, extra in VARIANTS:
            runs = []
            trace = os.path.join(work, "trace-%d-%s.h5" % (n, name))
            for _ in range(a.reps):
                runs.append(timed_run([mecsim, plat, dep, "--trace", trace, "--quiet"] + extra + cfg,
                                  os.path.join(work, "%s-%d.log" % (name, n))))
            r = min(runs, key=lambda x: x["wall"])
            r["cpu"] = min(x["cpu"] for x in runs)
            with h5py.File(trace, "r") as f:
                rows = len(f["mobility"])
                handovers = len(f["handovers"]) if "handovers" in f else 0
            base = base or r
            print("%8d %-12s %9.2f %9.2f %9.0f %10.0f %9d %9d %8.2f %8.2f" % (
                n, name, r["wall"], r["cpu"], r["rss_mb"], r["tasks"] / r["wall"] if r["wall"] else 0, rows,
                handovers, r["wall"] / base["wall"], r["cpu"] / base["cpu"]), flush=True)
    if not a.keep:
        for f in os.listdir(work):
            os.remove(os.path.join(work, f))
        os.rmdir(work)


if __name__ == "__main__":
    main()
