#!/usr/bin/python3
"""Reader of a sweep's index (tools/mecsim-sweep collect; docs/sweeps.md).

    import sweep_index as si
    df = si.load_sweep("out/sweeps/example")       # the sweep directory, or its index.h5
    df.attrs["swept"], df.attrs["sweep_id"], df.attrs["units"]
    sel = df[(df.policy == "greedy") & (df.status == "done")]
    tr = si.load_traces(sel, datasets=("tasks",))   # mecsim_trace.load_many of those rows' traces
    tr.tasks                                        # + columns run_id and every swept parameter
    ci = si.mean_ci(df, "mean_delay_s", x="rate", by="policy")   # mean and 95 % CI over the seeds
    si.plot_metric(df, "p95_delay_s", x="rate", by="policy")     # the same as a figure

Command line: /usr/bin/python3 analysis/sweep_index.py SWEEP_DIR [--metric M --x PARAM --by PARAM --out FIG.png]
"""
import argparse
import math
import os
import sys

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mecsim_trace as mt  # noqa: E402

# two-sided 95 % quantiles of Student's t, df = 1..30 (beyond: the normal 1.96)
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
         2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
         2.045, 2.042]


def t_quantile(dof, level=0.95):
    """Two-sided Student t quantile for a confidence level (scipy when present, else a table for 95 %)."""
    try:
        from scipy import stats
        return float(stats.t.ppf(0.5 + level / 2, dof))
    except ImportError:
        if abs(level - 0.95) > 1e-12:
            raise ValueError("without scipy only level = 0.95 is available")
        return _T975[dof - 1] if dof <= 30 else 1.96


def index_path(path):
    path = str(path)
    if os.path.isdir(path):
        path = os.path.join(path, "index.h5")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no sweep index (run tools/mecsim-sweep collect on the sweep first)")
    return path


def load_sweep(path):
    """The index of a sweep as a DataFrame, one row per run: run_id, run_index, the swept parameters
    (typed as in the spec), trace (absolute path), status (done / failed / missing), exit_status,
    error, wall_s, peak_rss_mib and the metrics (docs/sweeps.md). NaN metrics and -1 counts for runs
    that are not done. df.attrs: sweep_id, swept (list), units ({column: unit}), dir, fixed (JSON)."""
    p = index_path(path)
    with h5py.File(p, "r") as f:
        ds = f["runs"]
        df = pd.DataFrame(ds[()])
        units = mt.parse_units(mt._decode(ds.attrs.get("units", "")))
        swept = [s for s in mt._decode(ds.attrs.get("swept", "")).split(",") if s]
        attrs = {k: mt._decode(v) for k, v in f.attrs.items()}
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = [v.decode("utf-8") if isinstance(v, bytes) else v for v in df[c]]
    d = os.path.dirname(os.path.abspath(p))
    df["trace"] = [os.path.join(d, t) for t in df["trace"]]
    df.attrs.update({"sweep_id": attrs.get("sweep_id", ""), "swept": swept, "units": units, "dir": d,
                     "fixed": attrs.get("fixed", "{}")})
    return df


def load_traces(rows, datasets=("tasks",)):
    """The traces of the given index rows (a DataFrame from load_sweep, filtered), read on demand
    with mecsim_trace.load_many; each table gets the columns run_id and the swept parameters.
    Rows that are not done are skipped."""
    cols = list(rows.columns)
    # the swept parameters are the columns between run_index and trace (pandas may drop df.attrs)
    swept = rows.attrs.get("swept") or cols[cols.index("run_index") + 1:cols.index("trace")]
    rows = rows[rows["status"] == "done"]
    tr = mt.load_many(list(rows["trace"]), datasets=datasets, columns=("sweep_run_id",))
    params = rows[["run_id"] + swept].rename(columns={"run_id": "sweep_run_id"})
    for name in datasets:
        df = getattr(tr, name)
        if len(df):
            tr.frames[name] = df.merge(params, on="sweep_run_id", how="left").rename(
                columns={"sweep_run_id": "run_id"})
            setattr(tr, name, tr.frames[name])
    return tr


def mean_ci(df, metric, x, by="policy", over="seed", level=0.95):
    """Mean of a metric per (by, x) over the runs that differ only in `over` (by default the seeds),
    with the half-width of its confidence interval (Student t, n - 1 degrees of freedom; NaN for one
    run). Only done runs with a finite metric count. Columns: by, x, n, mean, sd, ci."""
    d = df[(df["status"] == "done") & np.isfinite(df[metric].astype(float))]
    keys = [k for k in (by, x) if k]
    others = [k for k in df.attrs.get("swept", []) if k not in keys and k != over]
    if others:
        keys = keys + others  # a swept parameter not plotted stays a separate group
    g = d.groupby(keys)[metric]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    out["ci"] = [t_quantile(int(n) - 1, level) * sd / math.sqrt(n) if n > 1 else math.nan
                 for n, sd in zip(out["n"], out["sd"])]
    return out


def plot_metric(df, metric, x, by="policy", over="seed", level=0.95, ax=None):
    """A metric against a swept parameter, one line per value of `by`, the mean over `over` (seeds)
    with its confidence interval as error bars. Returns the matplotlib Axes."""
    import matplotlib
    if ax is None:
        matplotlib.use("Agg") if not os.environ.get("DISPLAY") else None
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(6, 4))
    t = mean_ci(df, metric, x, by, over, level)
    unit = df.attrs.get("units", {}).get(metric, "")
    groups = t.groupby(by) if by else [("all", t)]
    for name, g in groups:
        g = g.sort_values(x)
        ax.errorbar(g[x], g["mean"], yerr=g["ci"].fillna(0.0), marker="o", capsize=3, label=str(name))
    xunit = df.attrs.get("units", {}).get(x, "")
    ax.set_xlabel(f"{x} [{xunit}]" if xunit else x)
    ax.set_ylabel(f"{metric} [{unit}]" if unit else metric)
    n = int(t["n"].max()) if len(t) else 0
    ax.set_title(f"{metric} vs {x}: mean and {int(level * 100)} % CI over {n} {over}s")
    ax.grid(alpha=0.3)
    if by:
        ax.legend(title=by)
    return ax


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sweep", help="sweep directory or its index.h5")
    ap.add_argument("--metric", default="mean_delay_s")
    ap.add_argument("--x")
    ap.add_argument("--by", default="policy")
    ap.add_argument("--out", help="write the figure here (PNG/SVG by extension)")
    a = ap.parse_args(argv)
    df = load_sweep(a.sweep)
    counts = df["status"].value_counts().to_dict()
    print(f"sweep {df.attrs['sweep_id']}: {len(df)} runs {counts}; swept {', '.join(df.attrs['swept'])}")
    x = a.x or next((k for k in df.attrs["swept"] if k not in (a.by, "seed")), None)
    if x:
        print(mean_ci(df, a.metric, x, a.by if a.by in df.columns else None).to_string(index=False))
        if a.out:
            ax = plot_metric(df, a.metric, x, a.by if a.by in df.columns else None)
            ax.figure.savefig(a.out, bbox_inches="tight")
            print(f"figure -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
