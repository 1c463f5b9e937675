"""Plotting helpers shared by the analysis notebooks (matplotlib + pandas).

They take the frames of mecsim_trace.load_many(...) (one row per task or per
server sample, with "run", "policy" and "seed" columns) and the trace's units
({dataset: {field: unit}}), and label every axis "quantity [unit]" with the
unit the trace declares.

    import mecsim_trace as mt, plots
    many = mt.load_many(paths, columns=("policy", "seed"))
    plots.check_same_scenario(many.attrs)
    order = plots.policy_order(many.tasks.policy.unique())
    fig = plots.plot_delay_cdf(many.tasks, many.units, order)
    plots.save(fig, "figures", "delay_cdf")

Functions return new matplotlib figures (the caller owns and closes them) or
new DataFrames; none modifies its inputs.
"""
import os

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd

# The simulator's baselines first, in --list-policies order; others follow sorted.
BASELINES = ("local", "offload-nearest", "random", "greedy", "least-loaded", "round-robin")

# Run-specific root attributes: two runs of one scenario may differ in these.
RUN_SPECIFIC_ATTRS = {
    "policy", "seed", "command_line", "configuration", "end_time_s", "tasks_done",
    "cfg.policy", "cfg.policy_args", "cfg.seed", "cfg.trace", "cfg.quiet", "cfg.model",
    "sweep_run_id", "sweep_params",  # a sweep's run (tools/mecsim-sweep); sweep.PARAM too
}

# Phases of a task's delay, in the order they happen: (column, legend label).
# Their mean durations (a missing phase counts 0 s) plus "other" add up to the
# mean delay. Format 2 traces (analysis/mecsim_trace.py) time the waits for the
# radio and split the return trip (fiber back, radio wait, radio download);
# format 1 traces only have the combined download, and their "other" is the
# time no phase covers (waiting for the MD's radio before the upload). A
# phase column a frame lacks counts 0 s, so traces of both formats mix.
PHASES = (
    ("decide_s", "decision"),
    ("local_s", "local execution"),
    ("radio_wait_up_s", "wait for the radio (up)"),
    ("up_s", "upload (radio)"),
    ("fwd_s", "fiber to server"),
    ("wait_s", "wait in server queue"),
    ("exec_s", "server execution"),
    ("fiber_back_s", "fiber back to BS"),
    ("radio_wait_down_s", "wait for the radio (down)"),
    ("radio_down_s", "download (radio)"),
    ("down_v1_s", "download (fiber back + radio wait + radio; format 1 trace)"),
)
OTHER_PHASE = "other (not covered by a phase)"


def _phase_columns(t):
    """{column: durations with NaN -> 0} for PHASES over the tasks t. The
    combined download (down_s) counts only for tasks whose trace does not
    split it (format 1), as down_v1_s."""
    parts = {}
    zero = pd.Series(0.0, index=t.index)
    for col, _ in PHASES:
        if col == "down_v1_s":
            if "down_s" not in t:
                parts[col] = zero
                continue
            split = t["radio_down_s"] if "radio_down_s" in t else pd.Series(np.nan, index=t.index)
            parts[col] = t["down_s"].where(split.isna() & t["down_s"].notna(), 0.0).fillna(0.0)
        else:
            parts[col] = t[col].fillna(0.0) if col in t else zero
    return parts

_LINESTYLES = ("-", "--", "-.", ":")


def axis_label(quantity, unit):
    """'quantity [unit]'; unit '1' (the trace's dimensionless) stays '[1]'."""
    return f"{quantity} [{unit}]" if unit else quantity


def policy_order(policies):
    """Policies in display order: known baselines first, then the rest sorted."""
    present = list(dict.fromkeys(policies))
    known = [p for p in BASELINES if p in present]
    return known + sorted(p for p in present if p not in BASELINES)


def policy_styles(order):
    """{policy: dict(color=..., linestyle=...)}: one tab10 colour per policy and
    a line style cycling faster, so that identical curves stay visible."""
    cmap = plt.get_cmap("tab10")
    return {p: {"color": cmap(i % 10), "linestyle": _LINESTYLES[i % len(_LINESTYLES)]}
            for i, p in enumerate(order)}


def check_same_scenario(run_attrs):
    """Raises ValueError if the runs ({run: root attrs}) do not share one
    scenario: same platform and deployment XML and the same knobs apart from
    the run-specific ones (policy, policy_args, seed, trace file, ...).
    Returns the shared attributes (a new dict)."""
    runs = list(run_attrs)
    if not runs:
        raise ValueError("no trace to compare")
    ref_run = runs[0]

    def shared(attrs):
        return {k: v for k, v in attrs.items() if k not in RUN_SPECIFIC_ATTRS and not k.startswith("sweep.")}

    ref = shared(run_attrs[ref_run])
    problems = []
    for run in runs[1:]:
        cur = shared(run_attrs[run])
        for key in sorted(set(ref) | set(cur)):
            a, b = ref.get(key, "<absent>"), cur.get(key, "<absent>")
            if str(a) != str(b):
                a_s, b_s = str(a), str(b)
                if len(a_s) > 60 or len(b_s) > 60:
                    a_s, b_s = "(text)", "(different text)"
                problems.append(f"{run}: {key} = {b_s}, but {ref_run}: {key} = {a_s}")
    if problems:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise ValueError("the traces are not runs of one scenario (run analysis/run_policies.sh"
                         f" with --clean into an empty directory):\n  {shown}{more}")
    return ref


def summary_table(tasks, order):
    """One row per policy (index, in `order`): runs, seeds, tasks, mean and
    p95 delay (s), mean energy per task (J), offloaded share (%), tasks with a
    deadline, misses and miss share (% of the tasks with a deadline; NaN when
    none has one). Pools every task of every seed."""
    rows = []
    for p in order:
        t = tasks[tasks.policy == p]
        with_deadline = int((t.deadline > 0).sum())
        missed = int(t.missed.sum())
        rows.append({
            "policy": p,
            "runs": t.run.nunique(),
            "seeds": ",".join(str(s) for s in sorted(t.seed.unique())) if "seed" in t else "",
            "tasks": len(t),
            "mean_delay_s": t.delay.mean(),
            "p95_delay_s": t.delay.quantile(0.95),
            "mean_energy_j": t.energy.mean(),
            "offloaded_pct": 100.0 * t.offloaded.mean() if len(t) else np.nan,
            "deadline_tasks": with_deadline,
            "missed": missed,
            "missed_pct": 100.0 * missed / with_deadline if with_deadline else np.nan,
        })
    return pd.DataFrame(rows).set_index("policy")


def ecdf(values):
    """(sorted values, cumulative fractions 1/n .. 1) of the non-NaN values."""
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    return x, np.arange(1, len(x) + 1) / max(len(x), 1)


def plot_delay_cdf(tasks, units, order):
    """Empirical CDF of the task delay, one curve per policy (all seeds pooled).
    The delay axis is logarithmic when delays span more than two decades."""
    styles = policy_styles(order)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    lo, hi = np.inf, 0.0
    for p in order:
        x, y = ecdf(tasks.loc[tasks.policy == p, "delay"])
        if not len(x):
            continue
        lo, hi = min(lo, x[0]), max(hi, x[-1])
        ax.step(x, y, where="post", label=f"{p} (n={len(x)})", linewidth=1.6, **styles[p])
    if 0 < lo and hi / lo > 100:
        ax.set_xscale("log")
    ax.set_xlabel(axis_label("task delay (done - arrival)", units["tasks"]["delay"]))
    ax.set_ylabel(axis_label("fraction of tasks with a smaller delay", "1"))
    ax.set_ylim(0, 1.02)
    ax.set_title("Task delay CDF per policy")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig


def _per_seed(tasks, column, order, reduce="mean"):
    """{policy: array of per-run reductions of `column`}."""
    return {p: tasks[tasks.policy == p].groupby("run")[column].agg(reduce).to_numpy() for p in order}


def _seed_dots(ax, xs, per_seed, label):
    """Black dots at each run's value over the bars (one legend entry)."""
    first = True
    for x, values in zip(xs, per_seed):
        ax.plot(np.full(len(values), x), values, "o", color="black", markersize=3.5,
                label=label if first and len(values) else None)
        first = first and not len(values)


def plot_energy(tasks, units, order):
    """Mean MD energy per task, stacked: local computation + radio transmission
    (all seeds pooled), with each run's mean total as a dot."""
    unit = units["tasks"]["energy"]
    x = np.arange(len(order))
    local = [tasks.loc[tasks.policy == p, "energy_local_j"].mean() for p in order]
    tx = [tasks.loc[tasks.policy == p, "energy_tx_j"].mean() for p in order]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.bar(x, local, color="tab:orange", label="local computation")
    ax.bar(x, tx, bottom=local, color="tab:blue", label="transmission")
    per_run = _per_seed(tasks, "energy", order)
    _seed_dots(ax, x, [per_run[p] for p in order], "mean of one run (seed)")
    ax.set_xticks(x, order, rotation=20, ha="right")
    ax.set_xlabel(axis_label("policy", ""))
    ax.set_ylabel(axis_label("mean MD energy per task", unit))
    ax.set_title("Energy of the mobile devices per task")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_deadline_misses(tasks, order, deadline_knob=None):
    """Share of the tasks with a deadline that missed it, per policy (bars:
    all seeds pooled, with misses/tasks under the policy name; dots: each
    run). deadline_knob (e.g. the root attribute cfg.deadline) goes in the
    title. When no task has a deadline the figure says so instead of
    drawing empty bars."""
    x = np.arange(len(order))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    with_deadline = tasks[tasks.deadline > 0]
    pct, labels = [], []
    for p in order:
        t = with_deadline[with_deadline.policy == p]
        pct.append(100.0 * t.missed.mean() if len(t) else 0.0)
        labels.append(f"{int(t.missed.sum())}/{len(t)}")
    ax.bar(x, pct, color="tab:red", alpha=0.8, label="all runs pooled")
    if len(with_deadline):
        per_run = _per_seed(with_deadline.assign(missed_pct=100.0 * with_deadline.missed),
                            "missed_pct", order)
        _seed_dots(ax, x, [per_run[p] for p in order], "one run (seed)")
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "no task has a deadline in these traces\n(a deadline of 0 means none)",
                transform=ax.transAxes, ha="center", va="center")
    ax.set_ylim(0, 105)
    ax.set_xticks(x, [f"{p}\n{n} missed" for p, n in zip(order, labels)], fontsize="small")
    ax.set_xlabel(axis_label("policy", ""))
    ax.set_ylabel(axis_label("deadline misses (share of tasks with a deadline)", "%"))
    ax.set_title("Deadline misses per policy" + (f" (deadline = {deadline_knob} s)" if deadline_knob else ""))
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_server_queues(servers, units, order, max_lines=8):
    """Tasks waiting in each server's queue over time (/servers samples), one
    panel per policy, for the run with the smallest seed of that policy. With
    more than `max_lines` servers a panel shows the mean and max over servers."""
    u = units["servers"]
    ncols = min(3, max(len(order), 1))
    nrows = (len(order) + ncols - 1) // ncols
    # Own y scale per panel: a policy that floods one server would flatten
    # the others' queues to nothing; the title gives each panel's maximum.
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.0 * nrows + 0.6),
                             sharex=True, squeeze=False)
    for ax in axes.flat[len(order):]:
        ax.set_visible(False)
    for ax, p in zip(axes.flat, order):
        s = servers[servers.policy == p]
        if not len(s):
            ax.text(0.5, 0.5, "no /servers samples\n(knob sample = 0?)", transform=ax.transAxes,
                    ha="center", va="center")
        else:
            run = s.sort_values("seed").run.iloc[0] if "seed" in s else s.run.iloc[0]
            s = s[s.run == run]
            ids = sorted(s.server.unique())
            if len(ids) <= max_lines:
                for sid in ids:
                    q = s[s.server == sid]
                    ax.step(q.time, q.queued, where="post", label=f"server {sid}", linewidth=1.2)
            else:
                g = s.groupby("time").queued
                ax.step(g.mean().index, g.mean().to_numpy(), where="post", label="mean over servers")
                ax.step(g.max().index, g.max().to_numpy(), where="post", label="max over servers")
            p_seed = s.seed.iloc[0] if "seed" in s else "?"
            ax.set_title(f"{p} (seed {p_seed}): max {s.queued.max():g}", fontsize="medium")
            ax.legend(fontsize="x-small", loc="upper right")
            ax.set_ylim(0, 1.08 * max(1.0, float(s.queued.max())))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of tasks
        ax.grid(True, alpha=0.3)
        ax.set_ylabel(axis_label("tasks waiting", u["queued"]))
    # The lowest visible panel of each column (the last row may be partial).
    for ax in axes.flat[max(len(order) - ncols, 0):len(order)]:
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.set_xlabel(axis_label("simulated time", u["time"]))
    fig.suptitle("Server queue length over time (tasks waiting, not in service)")
    fig.tight_layout()
    return fig


def phase_means(tasks, order):
    """Mean time per task in each phase (columns: PHASES labels + OTHER_PHASE),
    one row per policy. A phase a task skipped counts as 0 s, so each row adds
    up to the policy's mean delay."""
    rows = {}
    for p in order:
        t = tasks[tasks.policy == p]
        parts = _phase_columns(t)
        covered = sum(parts.values())
        row = {label: parts[col].mean() for col, label in PHASES}
        other = (t.delay - covered).mean()
        # The phases tile the delay exactly up to rounding of absolute times.
        row[OTHER_PHASE] = 0.0 if abs(other) < 1e-9 else other
        rows[p] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=[lab for _, lab in PHASES] + [OTHER_PHASE])


def plot_phase_breakdown(tasks, units, order):
    """Stacked bars of phase_means(tasks, order): where each policy's mean
    delay goes, in seconds (left) and as a share of that mean delay (right,
    so that the phases of fast policies stay visible next to slow ones)."""
    means = phase_means(tasks, order)
    unit = units["tasks"]["up_s"]
    delays = np.array([tasks.loc[tasks.policy == p, "delay"].mean() for p in order], dtype=float)
    x = np.arange(len(order))
    cmap = plt.get_cmap("tab20")
    fig, (ax, ax_pct) = plt.subplots(1, 2, figsize=(12, 4.8))
    bottom = np.zeros(len(order))
    bottom_pct = np.zeros(len(order))
    for i, label in enumerate(means.columns):
        v = means[label].to_numpy()
        if not np.any(np.abs(v) > 0):
            continue  # a phase no policy has: keep the legend short
        color = "lightgray" if label == OTHER_PHASE else cmap((2 * i) % 20 + (i // 10) % 2)
        if "wait for the radio" in label:
            hatch = "//"
        else:
            hatch = None
        ax.bar(x, v, bottom=bottom, label=label, color=color, hatch=hatch)
        share = np.divide(100.0 * v, delays, out=np.zeros(len(v)), where=delays > 0)
        ax_pct.bar(x, share, bottom=bottom_pct, color=color, hatch=hatch)
        bottom += v
        bottom_pct += share
    ax.plot(x, delays, "_", color="black", markersize=30, label="mean delay")
    # Explicit limits: the stacked bars' sticky edges would clip the autoscale.
    ax.set_ylim(0, 1.08 * max(np.nanmax(delays) if len(delays) and not np.all(np.isnan(delays)) else 0.0,
                              np.nanmax(bottom) if len(bottom) else 0.0, 1e-12))
    ax.set_ylabel(axis_label("mean time per task", unit))
    ax.set_title("Mean time per phase")
    ax_pct.set_ylim(0, 100)
    ax_pct.set_ylabel(axis_label("share of the mean delay", "%"))
    ax_pct.set_title("Share of each phase in the mean delay")
    for a in (ax, ax_pct):
        a.set_xticks(x, order, rotation=20, ha="right")
        a.set_xlabel(axis_label("policy", ""))
        a.grid(True, axis="y", alpha=0.3)
    fig.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle("Where the delay goes")
    fig.tight_layout()
    return fig


def plot_energy_per_device(tasks, devices, units, order):
    """Total MD energy per device (local computation + transmission stacked),
    one bar group per policy (all seeds pooled, divided by the number of
    runs: the mean total of one run). Devices are labelled by their host name
    when the trace has /devices (format 2), else by their index md."""
    unit = units["tasks"]["energy"]
    mds = sorted(tasks.md.unique()) if len(tasks) else []
    names = {}
    if devices is not None and len(devices) and "md" in devices and "host" in devices:
        names = dict(zip(devices.md, devices.host))
    fig, ax = plt.subplots(figsize=(min(14, max(7, 0.5 * len(mds) * max(len(order), 1) + 2)), 4.5))
    width = 0.8 / max(len(order), 1)
    x = np.arange(len(mds))
    styles = policy_styles(order)
    for i, p in enumerate(order):
        t = tasks[tasks.policy == p]
        runs = max(t.run.nunique(), 1)
        g = t.groupby("md")
        local = g.energy_local_j.sum().reindex(mds, fill_value=0.0).to_numpy() / runs
        tx = g.energy_tx_j.sum().reindex(mds, fill_value=0.0).to_numpy() / runs
        xs = x - 0.4 + width * (i + 0.5)
        ax.bar(xs, local, width, color=styles[p]["color"],
               label=f"{p}: local computation" if local.any() else None)
        ax.bar(xs, tx, width, bottom=local, color=styles[p]["color"], alpha=0.45, hatch="//",
               label=f"{p}: transmission" if tx.any() else None)
    if not len(mds):
        ax.text(0.5, 0.5, "no task in these traces", transform=ax.transAxes, ha="center", va="center")
    ax.set_xticks(x, [f"{names.get(m, m)}" if m in names else f"md {m}" for m in mds],
                  rotation=20 if len(mds) > 6 else 0, ha="right" if len(mds) > 6 else "center")
    ax.set_xlabel(axis_label("mobile device", ""))
    ax.set_ylabel(axis_label("energy of the device per run (all its tasks)", unit))
    ax.set_title("Energy per mobile device")
    ax.grid(True, axis="y", alpha=0.3)
    if len(order):
        ax.legend(fontsize="x-small", ncol=max(1, len(order) // 4 + 1))
    fig.tight_layout()
    return fig


def plot_deadline_misses_per_target(tasks, order):
    """Deadline misses per target (local, server 1..M by deployment id) and
    policy: bars give the share of the tasks with a deadline that missed it,
    the label on each bar the count (misses/tasks). When no task has a
    deadline the figure says so."""
    with_deadline = tasks[tasks.deadline > 0] if len(tasks) else tasks
    targets = sorted(tasks.target.unique()) if len(tasks) else []
    fig, ax = plt.subplots(figsize=(min(12, max(7, 0.9 * len(targets) * max(len(order), 1) + 2)), 4.5))
    width = 0.8 / max(len(order), 1)
    x = np.arange(len(targets))
    styles = policy_styles(order)
    for i, p in enumerate(order):
        t = with_deadline[with_deadline.policy == p]
        g = t.groupby("target").missed
        n = g.size().reindex(targets, fill_value=0).to_numpy()
        m = g.sum().reindex(targets, fill_value=0).to_numpy()
        pct = np.divide(100.0 * m, n, out=np.zeros(len(n)), where=n > 0)
        xs = x - 0.4 + width * (i + 0.5)
        ax.bar(xs, pct, width, color=styles[p]["color"], label=p)
        for xi, pi, mi, ni in zip(xs, pct, m, n):
            if ni:
                ax.text(xi, pi + 1, f"{int(mi)}/{int(ni)}", ha="center", va="bottom", fontsize="x-small")
    if not len(with_deadline):
        ax.text(0.5, 0.5, "no task has a deadline in these traces\n(a deadline of 0 means none)",
                transform=ax.transAxes, ha="center", va="center")
    elif len(order):
        ax.legend(fontsize="small")
    ax.set_ylim(0, 110)
    ax.set_xticks(x, ["local" if tg == 0 else f"server {tg}" for tg in targets])
    ax.set_xlabel(axis_label("where the task ran (server = deployment id)", ""))
    ax.set_ylabel(axis_label("deadline misses (share of tasks with a deadline)", "%"))
    ax.set_title("Deadline misses per target (label: misses/tasks with a deadline)")
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def save(fig, directory, name, dpi=120, formats=("png",)):
    """Writes fig as DIRECTORY/NAME.png (directory created) and returns the
    path; with formats=("png", "svg") writes both and returns their list."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for fmt in formats:
        path = os.path.join(directory, f"{name}.{fmt}")
        fig.savefig(path, dpi=dpi, bbox_inches="tight", format=fmt)
        paths.append(path)
    return paths[0] if formats == ("png",) else paths
