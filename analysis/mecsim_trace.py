#!/usr/bin/python3
"""Reader for mecsim HDF5 traces (h5py + pandas).

    import mecsim_trace as mt
    tr = mt.load("run.h5")
    tr.tasks          # DataFrame, one row per completed task (+ derived columns)
    tr.decisions, tr.servers, tr.training, tr.messages
    tr.attrs          # dict of root attributes (strings decoded to str)
    tr.units          # {"tasks": {"arrival": "s", ...}, ...}
    many = mt.load_many(["a.h5", "b.h5"])   # same, concatenated, with run/policy columns

Command line: /usr/bin/python3 analysis/mecsim_trace.py TRACE.h5 [TRACE.h5 ...]
prints a short summary of each trace.

Conventions of the writer (src/trace/trace.c): times are simulated seconds,
a phase that did not happen has start = end = NaN, target 0 = local and
s + 1 = server s, sizes in bits, work in CPU cycles, energy in joules.
"""
import argparse
import os
import sys

import h5py
import numpy as np
import pandas as pd

DATASETS = ("tasks", "decisions", "servers", "training", "messages")

# Phases of a task: name -> (start column, end column). Each gives a derived
# duration column "<name>_s" (NaN when the phase did not happen).
TASK_PHASES = {
    "decide": ("decide_start", "decide_end"),
    "local": ("local_start", "local_end"),
    "up": ("up_start", "up_end"),
    "fwd": ("fwd_start", "fwd_end"),
    "wait": ("queue_enter", "exec_start"),  # waiting in the server's queue
    "exec": ("exec_start", "exec_end"),
    "down": ("down_start", "down_end"),
}

DERIVED_TASK_UNITS = {
    "delay": "s",
    "energy": "J",
    "offloaded": "1",
    "server": "1",
    **{f"{p}_s": "s" for p in TASK_PHASES},
}


class Trace:
    """One trace (or several concatenated by load_many).

    Attributes: path, attrs (dict), units ({dataset: {field: unit}}),
    descriptions ({dataset: str}), and one DataFrame per dataset.
    """

    def __init__(self, path, attrs, units, descriptions, frames):
        self.path = path
        self.attrs = attrs
        self.units = units
        self.descriptions = descriptions
        self.frames = frames
        for name in DATASETS:
            setattr(self, name, frames.get(name, pd.DataFrame()))

    def __repr__(self):
        counts = ", ".join(f"{n}={len(getattr(self, n))}" for n in DATASETS)
        return f"<Trace {self.path}: {counts}>"


def _decode(value):
    """HDF5 attribute value -> plain Python value (bytes decoded to str)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.shape == ():
            return _decode(value[()])
        return [_decode(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def parse_units(text):
    """"field: unit; field: unit" -> {field: unit}."""
    units = {}
    for item in str(text).split(";"):
        if ":" in item:
            field, unit = item.split(":", 1)
            units[field.strip()] = unit.strip()
    return units


def add_task_columns(tasks):
    """Adds derived columns to a tasks DataFrame (in place) and returns it:
    delay = done - arrival, energy = energy_local_j + energy_tx_j,
    <phase>_s durations (NaN if the phase did not happen; wait_s =
    exec_start - queue_enter), offloaded = target > 0, server = target - 1
    (-1 for local execution)."""
    if not len(tasks.columns):
        return tasks
    tasks["delay"] = tasks["done"] - tasks["arrival"]
    tasks["energy"] = tasks["energy_local_j"] + tasks["energy_tx_j"]
    for phase, (start, end) in TASK_PHASES.items():
        tasks[f"{phase}_s"] = tasks[end] - tasks[start]
    tasks["offloaded"] = tasks["target"] > 0
    tasks["server"] = np.where(tasks["target"] > 0, tasks["target"] - 1, -1).astype(np.int32)
    return tasks


def load(path, datasets=DATASETS):
    """Reads a trace file. Returns a Trace; datasets lists those to read
    (others are empty DataFrames)."""
    frames, units, descriptions = {}, {}, {}
    with h5py.File(path, "r") as f:
        attrs = {k: _decode(v) for k, v in f.attrs.items()}
        for name in DATASETS:
            if name not in f:
                continue
            ds = f[name]
            units[name] = parse_units(_decode(ds.attrs.get("units", "")))
            descriptions[name] = _decode(ds.attrs.get("description", ""))
            if name in datasets:
                frames[name] = pd.DataFrame(ds[()])
    if "tasks" in frames:
        add_task_columns(frames["tasks"])
        units.setdefault("tasks", {}).update(DERIVED_TASK_UNITS)
    return Trace(str(path), attrs, units, descriptions, frames)


def run_name(path):
    """File name without directory and .h5 extension."""
    base = os.path.basename(str(path))
    return base[:-3] if base.endswith(".h5") else base


def load_many(paths, datasets=DATASETS, columns=("policy",)):
    """Loads several traces and concatenates each dataset, adding a column
    "run" (file name without .h5) and one column per root attribute named in
    `columns` (default "policy"; a missing policy falls back to the run
    name, other missing attributes give None). Returns a Trace whose attrs
    are {run: attrs of that run}."""
    per_ds = {name: [] for name in datasets}
    attrs, units, descriptions = {}, {}, {}
    for path in paths:
        tr = load(path, datasets)
        run = run_name(path)
        if run in attrs:  # same file name in two directories
            run = str(path)
        attrs[run] = tr.attrs
        for name, u in tr.units.items():
            units.setdefault(name, u)
        for name, d in tr.descriptions.items():
            descriptions.setdefault(name, d)
        for name in datasets:
            df = getattr(tr, name)
            df.insert(0, "run", run)
            for i, col in enumerate(columns):
                value = tr.attrs.get(col, run if col == "policy" else None)
                df.insert(1 + i, col, value)
            per_ds[name].append(df)
    frames = {name: pd.concat(dfs, ignore_index=True) if dfs else pd.DataFrame()
              for name, dfs in per_ds.items()}
    return Trace([str(p) for p in paths], attrs, units, descriptions, frames)


def summary(tr):
    """Short human-readable summary of one trace (a str)."""
    lines = [f"trace: {tr.path}"]
    keys = [k for k in ("policy", "seed", "mecsim_version") if k in tr.attrs]
    if keys:
        lines.append("  " + "  ".join(f"{k}: {tr.attrs[k]}" for k in keys))
    t = tr.tasks
    lines.append(f"  tasks: {len(t)}")
    if len(t):
        delay = t["delay"].dropna()
        if len(delay):
            lines.append(f"  delay: mean {delay.mean():.6g} s, p95 {delay.quantile(0.95):.6g} s,"
                         f" max {delay.max():.6g} s")
        energy = t["energy"].dropna()
        if len(energy):
            lines.append(f"  energy: mean {energy.mean():.6g} J/task, total {energy.sum():.6g} J")
        with_deadline = int((t["deadline"] > 0).sum())
        misses = int(t["missed"].sum())
        if with_deadline:
            lines.append(f"  deadline misses: {misses} of {with_deadline} tasks with a deadline"
                         f" ({100.0 * misses / with_deadline:.2f} %)")
        else:
            lines.append(f"  deadline misses: {misses} (no task has a deadline)")
        counts = t["target"].value_counts().sort_index()
        parts = [("local" if tgt == 0 else f"server {tgt - 1}") + f": {n}"
                 for tgt, n in counts.items()]
        lines.append("  per target: " + ", ".join(parts))
    lines.append("  decisions: {}, server samples: {}, training rows: {}, messages: {}".format(
        len(tr.decisions), len(tr.servers), len(tr.training), len(tr.messages)))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Summarize mecsim HDF5 traces.")
    ap.add_argument("traces", nargs="+", help="trace files (.h5)")
    ap.add_argument("--attrs", action="store_true", help="also print every root attribute")
    args = ap.parse_args(argv)
    status = 0
    for path in args.traces:
        try:
            tr = load(path)
        except (OSError, KeyError, ValueError) as e:
            print(f"mecsim_trace: cannot read '{path}': {e}", file=sys.stderr)
            status = 1
            continue
        print(summary(tr))
        if args.attrs:
            for k, v in sorted(tr.attrs.items()):
                s = str(v)
                if len(s) > 200:
                    s = s[:200] + f"... ({len(s)} characters)"
                print(f"  @{k} = {s}")
    return status


if __name__ == "__main__":
    sys.exit(main())
