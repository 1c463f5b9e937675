#!/usr/bin/python3
"""Timeline of one task's phases from a mecsim trace (format 2), as a figure.

    /usr/bin/python3 analysis/task_timeline.py TRACE.h5 [--task ID] [--out PNG]

Without --task it picks the offloaded task with the most phases that took
time (radio waits first), so the figure shows every phase a task can meet:
decision, local execution, radio wait (up), upload, fiber to the server,
server queue, execution, fiber back, radio wait (down), download. One row per
phase, times relative to the task's arrival; a phase of 0 s is a tick.

docs/figures/task_timeline.png was drawn with (docs/trace.md):

    ./build/mecsim platforms/small_cell.xml deployments/small_cell.xml \\
        --arrivals poisson --rate 3 --tasks_per_md 30 --trace /tmp/busy.h5
    /usr/bin/python3 analysis/task_timeline.py /tmp/busy.h5 --out docs/figures/task_timeline.png

Needs h5py, numpy and matplotlib (Debian: python3-h5py, python3-matplotlib).
"""
import argparse
import math
import sys

import h5py
import numpy as np

# (label, start field, end field, where it happens)
PHASES = [
    ("decision", "decide_start", "decide_end", "BS (or MD)"),
    ("local execution", "local_start", "local_end", "MD"),
    ("radio wait (up)", "up_wait_start", "up_start", "MD radio busy"),
    ("upload (radio)", "up_start", "up_end", "MD -> BS"),
    ("fiber to server", "fwd_start", "fwd_end", "BS -> server"),
    ("server queue", "queue_enter", "exec_start", "server"),
    ("execution", "exec_start", "exec_end", "server"),
    ("fiber back", "down_start", "down_fiber_end", "server -> BS"),
    ("radio wait (down)", "down_fiber_end", "down_radio_start", "MD radio busy"),
    ("download (radio)", "down_radio_start", "down_end", "BS -> MD"),
]
COLORS = ["#7f7f7f", "#8c564b", "#d62728", "#1f77b4", "#17becf", "#ff7f0e", "#2ca02c", "#9edae5",
          "#e377c2", "#aec7e8"]


def pick_task(tasks):
    """Index of the offloaded task with the most phases > 0 (radio waits weigh most)."""
    off = np.flatnonzero(tasks["target"] > 0)
    if len(off) == 0:
        sys.exit("task_timeline.py: the trace has no offloaded task")
    best, best_score = off[0], -1.0
    for i in off:
        r = tasks[i]
        score = 0.0
        for k, (_, a, b, _) in enumerate(PHASES):
            d = r[b] - r[a]
            if np.isfinite(d) and d > 0:
                score += 3 if k in (2, 8) else 1
        if score > best_score:
            best, best_score = i, score
    return best


def fmt(s):
    if s >= 1e-4 or s == 0:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us" if s >= 1e-6 else f"{s * 1e9:.3g} ns"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trace")
    ap.add_argument("--task", type=int, help="task id (default: the offloaded task with the most phases)")
    ap.add_argument("--out", default="task_timeline.png")
    args = ap.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with h5py.File(args.trace, "r") as f:
        fmt_version = int(f.attrs.get("trace_format", 1))
        if fmt_version < 2:
            sys.exit(f"task_timeline.py: {args.trace} is trace format {fmt_version}; the radio waits need format 2")
        tasks = f["tasks"][()]
    if args.task is not None:
        idx = np.flatnonzero(tasks["id"] == args.task)
        if len(idx) == 0:
            sys.exit(f"task_timeline.py: no task {args.task} in {args.trace}")
        i = idx[0]
    else:
        i = pick_task(tasks)
    r = tasks[i]
    t0 = r["arrival"]
    delay = r["done"] - t0

    fig, ax = plt.subplots(figsize=(9, 4.6))
    labels = []
    for k, (label, a, b, where) in enumerate(PHASES):
        y = len(PHASES) - 1 - k
        labels.append(f"{label}\n({where})")
        s, e = r[a], r[b]
        if not (math.isfinite(s) and math.isfinite(e)):
            ax.text(0, y, "  did not happen", va="center", fontsize=8, color="0.5")
            continue
        s, e = (s - t0) * 1e3, (e - t0) * 1e3
        if e - s > 0:
            ax.barh(y, e - s, left=s, color=COLORS[k], edgecolor="black", linewidth=0.5, height=0.6)
        else:
            ax.plot([s, s], [y - 0.3, y + 0.3], color=COLORS[k], linewidth=2)
        ax.text(e + delay * 1e3 * 0.01, y, fmt((e - s) / 1e3), va="center", fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.axvline(delay * 1e3, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(range(len(PHASES)))
    ax.set_yticklabels(labels[::-1], fontsize=8)
    ax.set_xlabel("time since the task's arrival (ms)")
    ax.set_xlim(-delay * 1e3 * 0.02, delay * 1e3 * 1.18)
    where = "local" if r["target"] == 0 else f"server {int(r['target'])}"
    ax.set_title(f"task {int(r['id'])} of MD {int(r['md'])} -> {where}: delay {fmt(delay)} "
                 f"(arrival at t = {t0:.3f} s)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"task {int(r['id'])}: delay {delay:.9f} s -> {args.out}")
    for label, a, b, _ in PHASES:
        d = r[b] - r[a]
        print(f"  {label:18s} {'-' if not np.isfinite(d) else f'{d:.9f} s'}")


if __name__ == "__main__":
    main()
