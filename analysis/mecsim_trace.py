#!/usr/bin/python3
"""Reader for mecsim HDF5 traces (h5py + pandas).

    import mecsim_trace as mt
    tr = mt.load("run.h5")
    tr.tasks          # DataFrame, one row per completed task (+ derived columns)
    tr.decisions, tr.servers, tr.devices, tr.training, tr.messages, tr.background
    tr.mobility       # positions of moving devices at transfer starts (format 6; empty when static)
    tr.tasks.tier     # 0 local, 1 edge, 2 cloud (format 7; older traces: 1 if offloaded)
    tr.handovers, tr.base_stations  # several base stations (format 8; older traces: empty / one BS)
    tr.tasks.up_bs, tr.tasks.down_bs  # BS of each task's upload and result (format 8; older: 0)
    tr.attrs          # dict of root attributes (strings decoded to str)
    tr.format         # trace format (root attribute trace_format; 1 when absent)
    tr.units          # {"tasks": {"arrival": "s", ...}, ...}
    many = mt.load_many(["a.h5", "b.h5"])   # same, concatenated, with run/policy columns

Command line: /usr/bin/python3 analysis/mecsim_trace.py TRACE.h5 [TRACE.h5 ...]
    [--attrs] [--plots DIR] [--csv DIR]
prints a short summary of each trace; --plots writes the standard figures
(PNG + SVG), --csv every table as CSV with units in the header.

Conventions of the writer (src/trace/trace.c): times are simulated seconds,
a phase that did not happen has start = end = NaN, target 0 = local and
m = server m (the deployment's id, 1..M), sizes in bits, work in CPU cycles,
energy in joules.

Server numbering: everything this module returns uses the deployment's server
ids 1..M. Format 1 traces stored /servers.server as a 0-based index; load()
converts it (server = index + 1), so code downstream never sees index 0.

Phases: format 2 traces split the return trip into fiber back, waiting for the
radio and radio download, and time the wait for the radio before the upload;
format 1 traces only have the combined download (down_s).
"""
import argparse
import difflib
import math
import os
import re
import sys
import warnings

import h5py
import numpy as np
import pandas as pd

DATASETS = ("tasks", "decisions", "servers", "devices", "training", "messages", "background", "mobility",
            "handovers", "base_stations")

# Newest trace format this reader knows (root attribute trace_format; absent = 1).
TRACE_FORMAT = 8

# Phases of a task: name -> (start column, end column). Each gives a derived
# duration column "<name>_s" (NaN when the phase did not happen).
TASK_PHASES = {
    "decide": ("decide_start", "decide_end"),
    "local": ("local_start", "local_end"),
    "up": ("up_start", "up_end"),
    "fwd": ("fwd_start", "fwd_end"),
    "wait": ("queue_enter", "exec_start"),  # waiting in the server's queue
    "exec": ("exec_start", "exec_end"),
    "down": ("down_start", "down_end"),  # whole return trip: fiber back + radio wait + radio
}

# Format 2 only (the fields exist): the return trip split, and the wait for
# the radio before the upload. name -> (start, end); duration "<name>_s".
TASK_PHASES_V2 = {
    "radio_wait_up": ("up_wait_start", "up_start"),    # asked for the radio -> upload starts
    "fiber_back": ("down_start", "down_fiber_end"),    # server -> BS over the fiber
    "radio_wait_down": ("down_fiber_end", "down_radio_start"),  # result at the BS, radio busy
    "radio_down": ("down_radio_start", "down_end"),    # radio download transfer
}

# Types of the scenario knobs, for the cfg.KEY root attributes, which the
# writer stores as text. Traces record the types themselves (root attribute
# cfg_types, "name:double,name:int,..."); this copy of src/model/scenario.c's
# table serves older traces without it. A knob in neither is parsed as an
# int, then a float, and otherwise kept as text.
KNOB_TYPES = {
    **{k: float for k in ("bandwidth", "bs_tx_power", "cell_radius", "ctrl_bits", "gather", "kappa", "l0",
                          "md_tx_power", "min_distance", "noise_dbm_hz", "path_gain_db", "path_loss_exp",
                          "rate", "sample", "slot", "until")},
    **{k: int for k in ("max_in_flight", "max_samples", "quiet", "share_users", "tasks_per_md", "seed")},
    **{k: str for k in ("arrivals", "cell", "decide", "decide_on", "dnn", "fading", "forward", "md_hosts",
                        "model", "policy", "policy_args", "task_file", "trace", "task_bits", "task_cycles",
                        "result_bits", "deadline")},
}

DERIVED_TASK_UNITS = {
    "delay": "s",
    "energy": "J",
    "offloaded": "1",
    "server": "1",
    **{f"{p}_s": "s" for p in TASK_PHASES},
    **{f"{p}_s": "s" for p in TASK_PHASES_V2},
}


class Trace:
    """One trace (or several concatenated by load_many).

    Attributes: path, attrs (dict), units ({dataset: {field: unit}}),
    descriptions ({dataset: str}), format (trace format, 1 to 3; for
    load_many the newest of the runs), and one DataFrame per dataset.
    """

    def __init__(self, path, attrs, units, descriptions, frames, fmt=1):
        self.path = path
        self.attrs = attrs
        self.units = units
        self.descriptions = descriptions
        self.frames = frames
        self.format = fmt
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
    exec_start - queue_enter; format 2 fields also give radio_wait_up_s,
    fiber_back_s, radio_wait_down_s, radio_down_s), offloaded = target > 0,
    server = target (the deployment's server id 1..M), -1 for local
    execution."""
    if not len(tasks.columns):
        return tasks
    tasks["delay"] = tasks["done"] - tasks["arrival"]
    tasks["energy"] = tasks["energy_local_j"] + tasks["energy_tx_j"]
    for phase, (start, end) in TASK_PHASES.items():
        tasks[f"{phase}_s"] = tasks[end] - tasks[start]
    for phase, (start, end) in TASK_PHASES_V2.items():
        if start in tasks.columns and end in tasks.columns:
            tasks[f"{phase}_s"] = tasks[end] - tasks[start]
    if "dropped" not in tasks.columns:  # format < 5: no admission rule dropped anything
        tasks["dropped"] = np.zeros(len(tasks), dtype=np.int32)
    tasks["offloaded"] = tasks["target"] > 0
    tasks["server"] = np.where(tasks["target"] > 0, tasks["target"], -1).astype(np.int32)
    return tasks


def _decode_strings(df):
    """bytes cells (fixed-length or variable-length HDF5 strings) -> str."""
    for col in df.columns:
        if df[col].dtype == object and len(df) and isinstance(df[col].iloc[0], bytes):
            df[col] = [v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v for v in df[col]]
    return df


def repo_path(path):
    """A path a notebook was given (DYNN_RUNS, TPOS_FIGS, ...), taken relative to the repository
    root when it is relative: jupyter nbconvert runs the kernel in analysis/, where `runs/x` would
    name nothing (and a notebook would draw nothing, or refuse)."""
    if not path or os.path.isabs(path):
        return path
    here = os.getcwd()
    root = os.path.dirname(here) if os.path.basename(here) == "analysis" else here
    return os.path.join(root, path)


def trace_format(attrs):
    """The trace format of a file's root attributes (1 when absent)."""
    try:
        return int(attrs.get("trace_format", 1))
    except (TypeError, ValueError):
        return 1


def load(path, datasets=DATASETS):
    """Reads a trace file (format 1 to 8). Returns a Trace; datasets lists
    those to read (others are empty DataFrames). Server numbers are the
    deployment's ids 1..M whatever the format."""
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
                frames[name] = _decode_strings(pd.DataFrame(ds[()]))
    fmt = trace_format(attrs)
    if fmt > TRACE_FORMAT:
        warnings.warn(f"{path}: trace_format {fmt} is newer than this reader ({TRACE_FORMAT});"
                      f" reading it as format {TRACE_FORMAT}", stacklevel=2)
    if fmt < 2 and "servers" in frames and "server" in frames["servers"].columns:
        # Format 1 stored the 0-based index s; the deployment's id is s + 1.
        frames["servers"]["server"] = frames["servers"]["server"] + 1
    if "tasks" in frames and "tier" not in frames["tasks"].columns and "target" in frames["tasks"].columns:
        # Before format 7 every server was an edge server: tier 1 offloaded, 0 local.
        frames["tasks"]["tier"] = (frames["tasks"]["target"] > 0).astype(np.int32)
    if "tasks" in frames and "up_bs" not in frames["tasks"].columns and "target" in frames["tasks"].columns:
        # Before format 8 there was one BS: index 0 for every upload and result, one fiber path.
        t = frames["tasks"]
        off = t["target"] > 0
        t["up_bs"] = np.where(off, 0, -1).astype(np.int32)
        t["down_bs"] = np.where(off, 0, -1).astype(np.int32)
        t["down_relay_start"] = np.nan
    if "tasks" in frames:
        add_task_columns(frames["tasks"])
        units.setdefault("tasks", {}).update(
            {k: v for k, v in DERIVED_TASK_UNITS.items() if k in frames["tasks"].columns})
    return Trace(str(path), attrs, units, descriptions, frames, fmt)


def run_name(path):
    """File name without directory and .h5 extension."""
    base = os.path.basename(str(path))
    return base[:-3] if base.endswith(".h5") else base


_INT_RE = re.compile(r"\s*[-+]?\d+\s*")


CFG_TYPE_NAMES = {"double": float, "int": int, "u64": int, "string": str, "dist": str}


def knob_types(attrs):
    """{knob: type} from a trace's cfg_types attribute, or KNOB_TYPES when it has none."""
    text = _decode(attrs.get("cfg_types", "")) if attrs else ""
    if not text:
        return KNOB_TYPES
    out = {}
    for item in str(text).split(","):
        name, _, kind = item.partition(":")
        if name and kind in CFG_TYPE_NAMES:
            out[name] = CFG_TYPE_NAMES[kind]
    return out


def typed_value(key, value, types=None):
    """A root attribute's value with the type of its knob: the writer stores
    cfg.KEY as text; a float knob gives a float, an int knob an int, a text
    knob stays str. Other text that parses as an int or a float is
    converted, anything else is returned unchanged; an identifier (a key
    ending in "_id", e.g. sweep_run_id) always stays text: a hexadecimal id
    that happens to be all digits, or to read as a float ("12e4"), must not
    become a number that no longer matches the index it comes from."""
    if not isinstance(value, str) or key.endswith("_id"):
        return value
    knob = key[4:] if key.startswith("cfg.") else key
    kind = (types or KNOB_TYPES).get(knob) if key.startswith("cfg.") else None
    if kind is str:
        return value
    text = value.strip()
    if kind is int or (kind is None and _INT_RE.fullmatch(value)):
        try:
            return int(text)
        except ValueError:
            pass
    if kind in (int, float) or kind is None:
        try:
            return float(text) if text else value
        except ValueError:
            return value
    return value


def load_many(paths, datasets=DATASETS, columns=("policy",)):
    """Loads several traces and concatenates each dataset, adding a column
    "run" (file name without .h5) and one column per root attribute named in
    `columns` (default "policy"), typed: cfg.KEY text becomes an int or a
    float by the knob's type (see typed_value). A missing policy falls back
    to the run name; an attribute that some runs lack gives None for them.
    A column that no trace has raises KeyError naming the closest attribute
    names. Returns a Trace whose attrs are {run: attrs of that run}."""
    paths = list(paths)
    per_ds = {name: [] for name in datasets}
    attrs, units, descriptions, traces = {}, {}, {}, []
    fmt = 1
    for path in paths:
        tr = load(path, datasets)
        run = run_name(path)
        if run in attrs:  # same file name in two directories
            run = str(path)
        attrs[run] = tr.attrs
        fmt = max(fmt, tr.format)
        traces.append((run, tr))
    known = set().union(*(tr.attrs for _, tr in traces)) if traces else set()
    unknown = [c for c in columns if c not in known and c != "policy"]
    if unknown and traces:
        hints = []
        for c in unknown:
            close = difflib.get_close_matches(c, sorted(known), n=3, cutoff=0.5)
            hints.append(f"'{c}'" + (f" (did you mean {', '.join(repr(x) for x in close)}?)" if close else ""))
        raise KeyError(f"load_many: no trace has the root attribute {', '.join(hints)}; valid columns: "
                       + ", ".join(sorted(known)))
    for run, tr in traces:
        for name, u in tr.units.items():
            units.setdefault(name, {}).update({k: v for k, v in u.items() if k not in units.get(name, {})})
        for name, d in tr.descriptions.items():
            descriptions.setdefault(name, d)
        for name in datasets:
            df = getattr(tr, name)
            df.insert(0, "run", run)
            for i, col in enumerate(columns):
                value = tr.attrs.get(col, run if col == "policy" else None)
                df.insert(1 + i, col, typed_value(col, value, knob_types(tr.attrs)))
            per_ds[name].append(df)
    frames = {name: pd.concat(dfs, ignore_index=True) if dfs else pd.DataFrame()
              for name, dfs in per_ds.items()}
    return Trace([str(p) for p in paths], attrs, units, descriptions, frames, fmt)


# Phases of the summary and of phase_table, in the order they happen:
# (column, label). Format 2 columns appear only when the trace has them; the
# combined download only for format 1 (format 2 splits it).
SUMMARY_PHASES_V1 = (
    ("decide_s", "decision"), ("local_s", "local execution"), ("up_s", "upload (radio)"),
    ("fwd_s", "fiber to server"), ("wait_s", "server queue"), ("exec_s", "server execution"),
    ("down_s", "download (fiber back + radio)"),
)
SUMMARY_PHASES_V2 = (
    ("decide_s", "decision"), ("local_s", "local execution"), ("radio_wait_up_s", "radio wait (up)"),
    ("up_s", "upload (radio)"), ("fwd_s", "fiber to server"), ("wait_s", "server queue"),
    ("exec_s", "server execution"), ("fiber_back_s", "fiber back"),
    ("radio_wait_down_s", "radio wait (down)"), ("radio_down_s", "download (radio)"),
)


def servers_on_grid(servers, sample):
    """/servers with a row at every instant k * sample, from each server's first row to its last.

    mecsim writes one (idle) row at the first grid instant with no task in flight and none until the
    next arrival; each row holds until that server's next row (docs/model.md, Overload). A plain mean
    over the stored rows would overweight busy periods: time averages go through this. One run at a
    time (its `cfg.sample`)."""
    out = []
    for _, g in servers.groupby("server", sort=True):
        g = g.sort_values("time")
        k = np.round(g.time.to_numpy() / sample).astype(np.int64)
        grid = np.arange(k[0], k[-1] + 1)
        rows = g.iloc[np.searchsorted(k, grid, side="right") - 1].copy()
        rows["time"] = grid * sample
        out.append(rows)
    return pd.concat(out, ignore_index=True) if out else servers.copy()


def phase_table(tasks):
    """One row per phase the trace has: label, tasks that had the phase,
    mean duration over those tasks (s) and mean per task counting a skipped
    phase as 0 s (s). Format 2 traces get the split return trip and the radio
    waits; format 1 traces the combined download."""
    v2 = "radio_down_s" in tasks.columns
    rows = []
    for col, label in (SUMMARY_PHASES_V2 if v2 else SUMMARY_PHASES_V1):
        if col not in tasks.columns:
            continue
        d = tasks[col]
        rows.append({"phase": label, "column": col, "tasks": int(d.notna().sum()),
                     "mean_when_present_s": d.mean() if d.notna().any() else math.nan,
                     "mean_per_task_s": d.fillna(0.0).mean() if len(d) else math.nan})
    return pd.DataFrame(rows, columns=["phase", "column", "tasks", "mean_when_present_s", "mean_per_task_s"])


def summary(tr):
    """Short human-readable summary of one trace (a str). Servers are named
    by their deployment id (1..M)."""
    lines = [f"trace: {tr.path}"]
    keys = [k for k in ("policy", "seed", "mecsim_version") if k in tr.attrs]
    if keys:
        lines.append("  " + "  ".join(f"{k}: {tr.attrs[k]}" for k in keys) + f"  trace_format: {tr.format}")
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
        dropped = int(t["dropped"].sum())
        if dropped:
            lines.append(f"  dropped at decision: {dropped} of {len(t)} tasks (counted as misses)")
        counts = t["target"].value_counts().sort_index()
        parts = [("local" if tgt == 0 else f"server {tgt}") + f": {n}"
                 for tgt, n in counts.items()]
        lines.append("  per target: " + ", ".join(parts))
        ph = phase_table(t)
        ph = ph[ph.tasks > 0]
        if len(ph):
            lines.append("  mean phase time (s, over the tasks that had the phase):")
            lines.append("    " + ", ".join(f"{r.phase} = {r.mean_when_present_s:.6g} (n={r.tasks})"
                                            for r in ph.itertuples()))
    lines.append("  decisions: {}, server samples: {}, devices: {}, training rows: {}, messages: {}".format(
        len(tr.decisions), len(tr.servers), len(tr.devices), len(tr.training), len(tr.messages)))
    m = tr.mobility
    if len(m):
        mob = tr.attrs.get("cfg.mobility", "")
        lines.append(f"  mobility{' ' + str(mob) if mob else ''}: {len(m)} positions at transfer starts of"
                     f" {m['md'].nunique()} devices, distance to the BS {m['distance_m'].min():.4g} .."
                     f" {m['distance_m'].max():.4g} m (mean {m['distance_m'].mean():.4g} m)")
    n_bs = int(tr.attrs.get("n_bs", 1) or 1)
    if n_bs > 1:  # several base stations (format 8)
        names = str(tr.attrs.get("bs_names", "")).split(",")
        name = lambda b: names[b] if 0 <= b < len(names) else f"BS {b}"  # noqa: E731
        line = f"  base stations: {n_bs}, handovers: {len(tr.handovers)}"
        if len(t) and "up_bs" in t.columns:
            up = t.loc[t["up_bs"] >= 0, "up_bs"].value_counts().sort_index()
            line += "; uploads per BS: " + ", ".join(f"{name(int(b))} {n}" for b, n in up.items())
            relayed = int(t["down_relay_start"].notna().sum())
            back = int((t["down_bs"] >= 0).sum())
            line += f"; results relayed to another BS: {relayed} of {back}"
        lines.append(line)
    return "\n".join(lines)


def summary_row(tr):
    """The summary of one trace as {"name [unit]": value} (summary.csv of
    --csv): policy, seed, trace format, task counts, delay, energy, deadline
    misses, tasks per target (server ids as deployed) and the mean time per
    task in each phase (a skipped phase counts 0 s)."""
    t = tr.tasks
    n = len(t)
    row = {"policy": tr.attrs.get("policy", ""), "seed": tr.attrs.get("seed", ""),
           "trace_format": tr.format, "tasks [task]": n}
    if n:
        with_deadline = int((t["deadline"] > 0).sum())
        missed = int(t["missed"].sum())
        row.update({
            "mean_delay [s]": t["delay"].mean(), "p95_delay [s]": t["delay"].quantile(0.95),
            "max_delay [s]": t["delay"].max(), "mean_energy [J]": t["energy"].mean(),
            "total_energy [J]": t["energy"].sum(), "offloaded [%]": 100.0 * t["offloaded"].mean(),
            "deadline_tasks [task]": with_deadline, "missed [task]": missed,
            "missed [%]": 100.0 * missed / with_deadline if with_deadline else math.nan,
            "dropped [task]": int(t["dropped"].sum()),
        })
        for tgt, count in t["target"].value_counts().sort_index().items():
            row[("tasks_local" if tgt == 0 else f"tasks_server_{tgt}") + " [task]"] = int(count)
        for r in phase_table(t).itertuples():
            row[f"mean_{r.column[:-2]} [s]"] = r.mean_per_task_s
    return row


def csv_header(name, unit):
    """'name [unit]' (no brackets for a field without a unit)."""
    return f"{name} [{unit}]" if unit else name


def write_csv(tr, directory):
    """Writes every table of one trace as DIRECTORY/TABLE.csv (tasks with its
    derived columns), headers "field [unit]" with the trace's units, floats
    in their shortest round-trip form (repr); plus summary.csv (one row,
    summary_row) and attributes.csv (name, value).
    Returns the paths written."""
    os.makedirs(directory, exist_ok=True)
    written = []
    for name in DATASETS:
        if name not in tr.units and not len(tr.frames.get(name, pd.DataFrame()).columns):
            continue  # the file has no such table (e.g. /devices in format 1)
        df = tr.frames.get(name, pd.DataFrame())
        units = tr.units.get(name, {})
        out = df.rename(columns={c: csv_header(c, units.get(c, "")) for c in df.columns})
        path = os.path.join(directory, f"{name}.csv")
        out.to_csv(path, index=False)  # default float format: repr, shortest round trip
        written.append(path)
    path = os.path.join(directory, "summary.csv")
    pd.DataFrame([summary_row(tr)]).to_csv(path, index=False)
    written.append(path)
    path = os.path.join(directory, "attributes.csv")
    pd.DataFrame({"name": list(tr.attrs), "value": [str(v) for v in tr.attrs.values()]}).to_csv(path, index=False)
    written.append(path)
    return written


def write_plots(paths, directory):
    """The standard figures of one or several traces (one curve / bar group
    per policy, seeds pooled) as PNG and SVG in DIRECTORY: delay_cdf,
    phase_breakdown, server_queue, energy_per_device, deadline_misses.
    Returns the paths written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import plots

    many = load_many(paths, columns=("policy", "seed"))
    tasks, servers, devices, units = many.tasks, many.servers, many.devices, many.units
    order = plots.policy_order(tasks.policy.unique() if len(tasks) else [])
    figs = {
        "delay_cdf": lambda: plots.plot_delay_cdf(tasks, units, order),
        "phase_breakdown": lambda: plots.plot_phase_breakdown(tasks, units, order),
        "server_queue": lambda: plots.plot_server_queues(servers, units, order),
        "energy_per_device": lambda: plots.plot_energy_per_device(tasks, devices, units, order),
        "deadline_misses": lambda: plots.plot_deadline_misses_per_target(tasks, order),
    }
    written = []
    for name, make in figs.items():
        fig = make()
        written += plots.save(fig, directory, name, formats=("png", "svg"))
        plt.close(fig)
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description="Summarize mecsim HDF5 traces (format 1 to 3).")
    ap.add_argument("traces", nargs="+", help="trace files (.h5)")
    ap.add_argument("--attrs", action="store_true", help="also print every root attribute")
    ap.add_argument("--plots", metavar="DIR",
                    help="write delay_cdf, phase_breakdown, server_queue, energy_per_device and "
                         "deadline_misses as PNG and SVG in DIR (all traces together, one group per policy)")
    ap.add_argument("--csv", metavar="DIR",
                    help="write every table as DIR/TABLE.csv with units in the header "
                         "(DIR/RUN/TABLE.csv when several traces are given)")
    args = ap.parse_args(argv)
    status = 0
    readable = []
    for path in args.traces:
        try:
            tr = load(path)
        except (OSError, KeyError, ValueError) as e:
            print(f"mecsim_trace: cannot read '{path}': {e}", file=sys.stderr)
            status = 1
            continue
        readable.append(path)
        print(summary(tr))
        if args.attrs:
            for k, v in sorted(tr.attrs.items()):
                s = str(v)
                if len(s) > 200:
                    s = s[:200] + f"... ({len(s)} characters)"
                print(f"  @{k} = {s}")
        if args.csv:
            target = args.csv if len(args.traces) == 1 else os.path.join(args.csv, run_name(path))
            try:
                files = write_csv(tr, target)
                print(f"  csv: {len(files)} files in {target}")
            except OSError as e:
                print(f"mecsim_trace: cannot write CSV to '{target}': {e}", file=sys.stderr)
                status = 1
    if args.plots and readable:
        try:
            files = write_plots(readable, args.plots)
            print(f"plots: {len(files)} files in {args.plots}")
        except OSError as e:
            print(f"mecsim_trace: cannot write plots to '{args.plots}': {e}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
