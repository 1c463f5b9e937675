#!/usr/bin/python3
"""PureEdgeSim-scale benchmark: mecsim on PureEdgeSim's own headline scenario, beside its figures.

    /usr/bin/python3 bench/run_pes_bench.py [--build DIR] [--sizes 1000,10000] [--policies random,least-loaded]
                                            [--reps 3] [--vs OLD_MECSIM] [--rates 0.25,0.5,1,1.4] [--no-rates]

The scenario (issue 12): N devices (10^3, 10^4) x 113 tasks, Poisson 0.18833 tasks/s per device
(600 s of simulated arrivals; 1.13M tasks at 10^4), 10 servers of 16 cores at 20 GHz, fiber and
uplink at 100 Gbit/s, a 2 MHz share of the band per device (share_users=10), direct fiber to every
server (forward=direct). It is written by platforms/generate.py exactly as below and run with the
FULL trace (/tasks, /decisions, /servers every 0.1 s):

    generate.py --n-md N --n-servers 10 --server-speed 20e9 --server-cores 16 --fiber-bps 1e11
                --mu-bps 1e11 --tasks 113 --arrivals poisson --rate 0.188333333 --policy POLICY
                [--policy-args p_local=0] --set share_users=10 --set forward=direct
    mecsim cell.xml dep.xml --set tasks_per_md=113 --trace F --quiet

Printed, in one run:
1. per size and policy: tasks, wall s, CPU s, tasks per wall second, peak RSS, mean delay, beside
   the reference figures measured for PureEdgeSim 5.3 on this machine kind (issue 12: 42.7k tasks/s
   at 10^3, 20.9k at 10^4 with 1.67 GB) and the 2x targets (85k, 42k). With --vs OLD, an older
   mecsim binary runs the same command right after each run, and the ratio new/old of tasks per CPU
   second is printed: on a shared machine that ratio is the figure to trust (both ran back to back).
2. (unless --no-rates) per-task cost at several arrival rates on the 10^4-device cell: the rate is
   scaled by each factor and tasks_per_md set to 12 (120,000 tasks at every rate), so only the
   number of tasks in flight changes (Little's law: cell rate x mean delay). Flat CPU us per task
   means the per-task cost does not grow with the tasks in flight.

Needs a Release build with the target mecsim (the README's build/ is one). Pin it on a shared
machine: taskset -c 1 /usr/bin/python3 bench/run_pes_bench.py ...
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run_core_bench import timed, tasks_in  # noqa: E402  (same measurement as the core benchmark)

RATE = 0.188333333   # tasks/s per device: 113 tasks in ~600 s
TASKS = 113
# PureEdgeSim 5.3 on this machine kind, pinned to one core (issue 12): tasks per wall second, RSS.
PES = {1000: (42700, None), 10000: (20900, 1670.0)}
# mecsim before issue 12's work (commit 672e493), same scenario (issue 12's figures).
BEFORE = {(1000, "random"): "37.5-39.1k", (10000, "random"): "19.6-20.7k", (10000, "least-loaded"): "17.2-17.4k"}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--build", default=os.path.join(SRC, "build"), help="Release build directory holding mecsim")
    p.add_argument("--sizes", default="1000,10000", help="comma list of device counts")
    p.add_argument("--policies", default="random,least-loaded", help="comma list of policies")
    p.add_argument("--reps", type=int, default=1, help="repetitions per point (the fastest CPU time is kept)")
    p.add_argument("--vs", default=None, help="an older mecsim binary run right after each run (ratio printed)")
    p.add_argument("--rates", default="0.25,0.5,1,1.4", help="arrival-rate factors for the per-task cost table")
    p.add_argument("--no-rates", action="store_true", help="skip the arrival-rate table")
    p.add_argument("--keep", default=None, help="keep the generated cells and traces in this directory")
    return p.parse_args()


def generate(work, n, policy, rate=RATE, tasks=TASKS):
    tag = "%d-%s-%g" % (n, policy, rate)
    plat, dep = os.path.join(work, "cell-%s.xml" % tag), os.path.join(work, "dep-%s.xml" % tag)
    cmd = ["/usr/bin/python3", os.path.join(SRC, "platforms", "generate.py"), "--n-md", str(n), "--n-servers", "10",
           "--server-speed", "20e9", "--server-cores", "16", "--fiber-bps", "1e11", "--mu-bps", "1e11",
           "--tasks", str(tasks), "--arrivals", "poisson", "--rate", repr(rate), "--policy", policy]
    if policy == "random":
        cmd += ["--policy-args", "p_local=0"]
    cmd += ["--set", "share_users=10", "--set", "forward=direct", "--platform", plat, "--deployment", dep]
    subprocess.check_call(cmd, stdout=subprocess.DEVNULL)
    return plat, dep


def run(binary, plat, dep, tasks, work, label):
    trace = os.path.join(work, "trace-%s.h5" % label)
    text, m = timed([binary, plat, dep, "--set", "tasks_per_md=%d" % tasks, "--trace", trace, "--quiet"],
                    os.path.join(work, "%s.log" % label))
    m["tasks"], m["delay"] = tasks_in(text, "mecsim")
    os.unlink(trace)
    return m


def kilo(x):
    return "%.1fk" % (x / 1000.0)


def main():
    a = parse_args()
    mecsim = os.path.join(a.build, "mecsim")
    if not os.access(mecsim, os.X_OK):
        sys.exit("run_pes_bench: %s not found; build the Release target mecsim" % mecsim)
    if a.vs and not os.access(a.vs, os.X_OK):
        sys.exit("run_pes_bench: --vs %s is not an executable" % a.vs)
    work = a.keep or tempfile.mkdtemp(prefix="mecsim-pes-bench-")
    os.makedirs(work, exist_ok=True)
    print("# PureEdgeSim-scale benchmark, %s; load average %s" %
          (time.strftime("%Y-%m-%d %H:%M"), " ".join(open("/proc/loadavg").read().split()[:3])))
    print("# %s%s" % (mecsim, "  vs  %s" % a.vs if a.vs else ""))
    rows = []
    for n in [int(x) for x in a.sizes.split(",")]:
        for pol in a.policies.split(","):
            plat, dep = generate(work, n, pol)
            best, best_old, ratios = None, None, []
            for r in range(a.reps):
                m = run(mecsim, plat, dep, TASKS, work, "%d-%s" % (n, pol))
                if best is None or m["cpu"] < best["cpu"]:
                    best = m
                line = "# N=%d %s rep %d: %.2f s wall %.2f s cpu %.0f MB" % (n, pol, r + 1, m["wall"], m["cpu"],
                                                                           m["rss_mb"])
                if a.vs:
                    o = run(a.vs, plat, dep, TASKS, work, "old-%d-%s" % (n, pol))
                    if best_old is None or o["cpu"] < best_old["cpu"]:
                        best_old = o
                    ratios.append(o["cpu"] / m["cpu"])
                    line += " | old %.2f s wall %.2f s cpu" % (o["wall"], o["cpu"])
                print(line, flush=True)
            rows.append((n, pol, best, best_old, sorted(ratios)))

    print()
    print("| devices | policy | tasks | wall s | CPU s | tasks/s (wall) | tasks/s (CPU) | peak RSS MB | mean delay s |"
          " PureEdgeSim tasks/s | target (2x) | mecsim before |" + (" new/old speed (CPU, median) |" if a.vs else ""))
    print("|---|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if a.vs else ""))
    for n, pol, m, o, ratios in rows:
        pes = PES.get(n, (None, None))
        cells = [format(n, ","), pol, format(m["tasks"], ","), "%.2f" % m["wall"], "%.2f" % m["cpu"],
                 kilo(m["tasks"] / m["wall"]), kilo(m["tasks"] / m["cpu"]), "%.0f" % m["rss_mb"], "%.4f" % m["delay"],
                 (kilo(pes[0]) + (" (%.0f MB)" % pes[1] if pes[1] else "")) if pes[0] else "-",
                 kilo(2 * pes[0]) if pes[0] else "-", BEFORE.get((n, pol), "-")]
        if a.vs:
            cells.append("%.2fx (%s)" % (ratios[len(ratios) // 2], ", ".join("%.2f" % x for x in ratios)))
        print("| " + " | ".join(cells) + " |")

    if not a.no_rates:
        n = 10000
        print()
        print("# per-task cost against tasks in flight: %d devices, random, 12 tasks per device, rate x factor" % n)
        print("| rate factor | cell rate tasks/s | server load | tasks | mean delay s | tasks in flight (mean) |"
              " CPU s | CPU us per task | tasks/s (CPU) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for f in [float(x) for x in a.rates.split(",")]:
            plat, dep = generate(work, n, "random", RATE * f, 12)
            runs = [run(mecsim, plat, dep, 12, work, "rate-%g" % f) for _ in range(a.reps)]
            m = min(runs, key=lambda x: x["cpu"])
            cell_rate = n * RATE * f
            print("| %g | %.0f | %.0f %% | %s | %.4f | %.0f | %.2f | %.1f | %s |" %
                  (f, cell_rate, 100 * cell_rate * 1.0e9 / 3.2e12, format(m["tasks"], ","), m["delay"],
                   cell_rate * m["delay"], m["cpu"], 1e6 * m["cpu"] / m["tasks"], kilo(m["tasks"] / m["cpu"])),
                  flush=True)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
