#!/usr/bin/python3
"""bench_external.py MECSIM SRCDIR [TASKS_PER_MD] - the cost of policy `external` (docs/external.md), in one
run: the small cell (platforms/small_cell.xml) with per-task decisions, decided by the built-in `random`
and `local`, and by a no-op Python agent (mecsim.baselines.Local: every task local, no compute) over ipc
and over tcp. Prints per configuration the wall time (best of 3), decisions, decision round trips per
second, and the wall-time overhead per decision against the built-in `local` (same decisions, same
simulation) and against `random` (the issue's reference). Use a Release build, pinned when the machine
is busy:  taskset -c 1 /usr/bin/python3 bench/bench_external.py build/mecsim . 400"""
import os
import socket
import subprocess
import sys
import tempfile
import time

import h5py


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(mecsim, src, tmp, tasks, policy, args=""):
    trace = os.path.join(tmp, "t.h5")
    cmd = [mecsim, os.path.join(src, "platforms/small_cell.xml"), os.path.join(src, "deployments/small_cell.xml"),
           "--policy", policy, "--tasks_per_md", str(tasks), "--trace", trace, "--quiet"]
    if args:
        cmd += ["--policy_args", args]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("bench_external: %s failed: %s" % (" ".join(cmd), p.stderr.strip()[-300:]))
    with h5py.File(trace, "r") as f:
        decisions = len(f["decisions"])
    return wall, decisions


def best_of(n, fn):
    runs = [fn() for _ in range(n)]
    return min(r[0] for r in runs), runs[0][1]


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    mecsim, src = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    tasks = int(argv[2]) if len(argv) == 3 else 400
    env = dict(os.environ, PYTHONPATH=os.path.join(src, "python"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for policy in ("random", "local"):
            rows.append((policy + " (built-in)",) + best_of(3, lambda: run(mecsim, src, tmp, tasks, policy)))
        for transport in ("ipc", "tcp"):
            endpoint = ("ipc://" + os.path.join(tmp, "agent.sock")) if transport == "ipc" else \
                "tcp://127.0.0.1:%d" % free_port()
            agent = subprocess.Popen([sys.executable, "-m", "mecsim", "mecsim.baselines:Local", endpoint], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                time.sleep(0.5)
                rows.append(("external no-op, %s" % transport,) + best_of(
                    3, lambda: run(mecsim, src, tmp, tasks, "external", "endpoint=" + endpoint)))
            finally:
                agent.kill()
                agent.wait()
    base_local, base_random = rows[1][1], rows[0][1]
    print("# bench_external: small_cell, %d tasks per MD, per-task decisions, best of 3 (%s)" % (tasks, mecsim))
    print("%-24s %9s %9s %14s %22s %22s" % ("policy", "wall s", "decisions", "decisions/s",
                                           "overhead vs local", "overhead vs random"))
    for name, wall, dec in rows:
        ext = name.startswith("external")
        print("%-24s %9.3f %9d %14.0f %19s %22s" % (
            name, wall, dec, dec / wall,
            "%.1f us/decision" % (1e6 * (wall - base_local) / dec) if ext else "-",
            "%.1f us/decision" % (1e6 * (wall - base_random) / dec) if ext else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
