#!/usr/bin/python3
"""DTOMALB reproduction: figures of merit from SimGrid traces and training traces.

Used by analysis/dtomalb_figures.ipynb and scripts/reproduce_dtomalb.sh.

    import dtomalb_analysis as da
    m = da.sim_metrics("run.h5")      # dict: mean delay, var(LD), utility, ...
    runs = da.load_runs(OUT)          # sim/runs.csv + metrics of every run (one row per run)
    tab = da.summarize(runs)          # mean / sd over evaluation seeds per platform and label
    tr = da.training_curve("x-train.h5")  # /training + utility column

Definitions (the same as the analytic env, src/policies/dtomalb/env.h, so
the simulator's numbers compare with the paper's reward eq. (20)):
  delay      done - arrival of each task (slot start to result), mean over tasks
  LD_m(k)    load factor of server m right after the decisions of slot k:
             cycles still to serve at the slot start (queued + rest of the
             running task, from the task records) + cycles of slot k's tasks
             sent to m, over f_m (eq. 13 as the env computes it)
  var_ld     mean over slots of the population variance over servers of
             LD_m(k) (eq. 19)
  utility    -w1 delay - w2 var_ld with w1 = 1 /s, w2 = 10 /s^2 (eq. 20,
             mean over agents and slots: the paper's "system utility")
  var_ld_time  time average of var over servers of /servers' sampled
             load_factor during the arrival period (another view, sampler-based)
Command line: dtomalb_analysis.py summary OUT_DIR   (prints markdown tables)
"""
import os
import re
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mecsim_trace as mt  # noqa: E402

W1, W2 = 1.0, 10.0


def server_speeds(attrs, n_servers):
    """f_m from the platform XML stored in the trace (host es-m speed)."""
    xml = attrs.get("platform_xml", "")
    out = []
    for m in range(1, n_servers + 1):
        g = re.search(r'<host id="es-%d" speed="([0-9.eE+-]+)([GMk]?)f"' % m, xml)
        if not g:
            raise ValueError("no speed for es-%d in the trace's platform" % m)
        out.append(float(g.group(1)) * {"G": 1e9, "M": 1e6, "k": 1e3, "": 1.0}[g.group(2)])
    return np.array(out)


def slot_loads(tasks, speeds, slot, n_slots):
    """LD_m(k) right after slot k's decisions, array [n_slots, M] (see module doc)."""
    M = len(speeds)
    off = tasks[tasks.target > 0]
    tgt = off.target.to_numpy() - 1
    qin, xs, xe = off.queue_enter.to_numpy(), off.exec_start.to_numpy(), off.exec_end.to_numpy()
    cyc, arr = off.cycles.to_numpy(), off.arrival.to_numpy()
    f = speeds[tgt]
    ld = np.zeros((n_slots, M))
    for k in range(n_slots):
        t = k * slot
        # work at the servers at the slot start (queued, or rest of the running task)
        present = (qin <= t) & (xe > t)
        rest = np.where(xs >= t, cyc, (xe - t) * f)
        # this slot's tasks, assigned but still on their way
        new = np.isclose(arr, t, atol=1e-9, rtol=0)
        w = np.where(present, rest, 0.0) + np.where(new & ~present, cyc, 0.0)
        ld[k] = np.bincount(tgt, weights=w, minlength=M) / speeds
    return ld


def sim_metrics(path):
    """Figures of merit of one simulator trace (dict)."""
    tr = mt.load(path)
    a, T = tr.attrs, tr.tasks
    n_md, M = int(a["n_md"]), int(a["n_servers"])
    slot = float(a["cfg.slot"])
    per_md = int(a["cfg.tasks_per_md"])
    speeds = server_speeds(a, M)
    ld = slot_loads(T, speeds, slot, per_md)
    var_ld = ld.var(axis=1).mean()
    S = mt.servers_on_grid(tr.servers, float(a["cfg.sample"]))  # idle spells stored as one row
    horizon = per_md * slot
    S = S[S.time < horizon]
    lf = S.pivot_table(index="time", columns="server", values="load_factor")
    D = tr.decisions
    delay = (T.done - T.arrival)
    res = {
        "n_md": n_md, "n_servers": M, "tasks": len(T), "tasks_expected": n_md * per_md,
        "all_done": bool(len(T) == n_md * per_md and np.isfinite(T.done).all()),
        "mean_delay": delay.mean(), "p95_delay": delay.quantile(0.95),
        "var_ld": var_ld, "utility": -W1 * delay.mean() - W2 * var_ld,
        "var_ld_time": lf.var(axis=1, ddof=0).mean() if len(lf) else np.nan,
        "frac_local": (T.target == 0).mean(),
        "decisions": len(D), "flops_per_task": D.flops.sum() / max(len(T), 1),
        "decide_s_mean": (T.decide_end - T.decide_start).mean(),
        "fwd_s_mean": (T.fwd_end - T.fwd_start).mean(),
        "wait_s_mean": (T.exec_start - T.queue_enter).mean(),
    }
    for m in range(M):
        res[f"share_{m + 1}"] = (T.target == m + 1).mean()
        res[f"ld_slot_{m + 1}"] = ld[:, m].mean()
        # /servers.server is the deployment id 1..M (mecsim_trace converts format 1)
        res[f"ld_time_{m + 1}"] = lf[m + 1].mean() if m + 1 in lf.columns else np.nan
    return res


def load_runs(out):
    """sim/runs.csv joined with sim_metrics of every trace (one row per run)."""
    man = pd.read_csv(os.path.join(out, "sim", "runs.csv"), dtype={"model": str})
    rows = [{**r._asdict(), **sim_metrics(os.path.join(out, r.trace))} for r in man.itertuples(index=False)]
    return pd.DataFrame(rows)


# what the labels mean, for tables and legends
ALGOS = r"(dtomalb|dtoma|dqn-tolb-branch|dqn-tolb|idql-tolb)"
ALGO_NAMES = {"dtomalb": "DTOMALB", "dtoma": "DTOMA", "dqn-tolb": "DQN-TOLB (joint action)",
              "dqn-tolb-branch": "DQN-TOLB (branching)", "idql-tolb": "IDQL-TOLB"}


def describe(label):
    m = re.match(r"(f7-|explore-|long-)?" + ALGOS + r"(-s(\d+)|-untrained)?$", label)
    if m:
        name = ALGO_NAMES[m.group(2)]
        if m.group(3) == "-untrained":
            return name + " (untrained)"
        if m.group(1) == "f7-":
            return name + " (Fig. 7 model, seed 1, 400 episodes)"
        if m.group(1) == "long-":
            return name + " (N = 5, seed 1, 4 x Fig. 7's episodes)"
        if m.group(1) == "explore-":
            name += ", MADDPG's exploration"
        return name + (" (train seed %s)" % m.group(4) if m.group(4) else "")
    return {"random": "random (per task)", "least-loaded": "least-loaded (per task)",
            "least-loaded-central": "least-loaded (per slot, central)", "greedy": "greedy (per task)",
            "greedy-central": "greedy (per slot, central)"}.get(label, label)


def algo_of(label):
    """The algorithm of a trained model's label; "explore-" models (the DQNs trained with MADDPG's
    exploration schedule) are their own group."""
    m = re.match(r"(?:f7-)?(explore-)?" + ALGOS + r"(?:-s\d+)?$", label)
    return (m.group(1) or "") + m.group(2) if m else None


def summarize(runs, by=("platform", "label")):
    """Mean and sd over evaluation seeds of the main figures."""
    cols = ["utility", "mean_delay", "var_ld", "var_ld_time", "frac_local", "flops_per_task"]
    g = runs.groupby(list(by))
    tab = g[cols].mean()
    for c in ("utility", "mean_delay", "var_ld"):
        tab[c + "_sd"] = g[c].std(ddof=1)
    tab["seeds"] = g["eval_seed"].apply(lambda s: " ".join(str(x) for x in sorted(s)))
    tab["all_done"] = g["all_done"].all()
    return tab.reset_index()


def pooled_algos(runs, platform):
    """Trained models pooled over training seeds: mean / sd over (train seed, eval seed)."""
    r = runs[(runs.platform == platform)].copy()
    r["algo"] = r.label.map(algo_of)
    r = r[r.algo.notna() & ~r.label.str.startswith("f7-")]
    g = r.groupby("algo")
    out = g[["utility", "mean_delay", "var_ld"]].agg(["mean", "std"])
    out.columns = ["_".join(c) for c in out.columns]
    out["runs"] = g.size()
    return out.reset_index()


def training_curve(path):
    """/training of a mecsim-train-dtomalb trace with utility = -delay - 10 var(LD)
    (comparable across algorithms: DTOMA's own reward column has w2 = 0)."""
    tr = mt.load(path)
    t = tr.training.copy()
    t["utility"] = -W1 * t.mean_delay - W2 * t.load_var
    t.attrs["algo"] = tr.attrs.get("algo", "")
    return t


def converged_after(util, window=50, tol=0.01):
    """First episode after which the `window`-episode mean stays within tol of its final value."""
    r = pd.Series(util).rolling(window).mean().to_numpy()
    final = r[-1]
    ok = np.abs(r - final) <= tol
    bad = np.where(~ok[window - 1:])[0]
    return int(bad[-1] + window) if len(bad) else window - 1


def markdown(tab, cols, fmt):
    head = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
    return head + "".join("| " + " | ".join(fmt[c](row[c]) if c in fmt else str(row[c]) for c in cols) + " |\n"
                          for _, row in tab.iterrows())


def print_summary(out):
    runs = load_runs(out)
    tab = summarize(runs)
    tab["who"] = tab.label.map(describe)
    f4 = lambda x: "%.4f" % x  # noqa: E731
    fmt = {"utility": f4, "mean_delay": f4, "utility_sd": f4, "mean_delay_sd": f4,
           "var_ld": lambda x: "%.5f" % x, "var_ld_time": lambda x: "%.5f" % x,
           "frac_local": lambda x: "%.3f" % x, "flops_per_task": lambda x: "%.0f" % x}
    print("# DTOMALB in the simulator: %d runs, all tasks done: %s\n" % (len(runs), bool(runs.all_done.all())))
    for p in tab.platform.unique():
        t = tab[tab.platform == p].sort_values("utility", ascending=False)
        print("## platform %s (eval seeds %s)\n" % (p, t.seeds.iloc[0]))
        print(markdown(t, ["who", "utility", "utility_sd", "mean_delay", "mean_delay_sd", "var_ld", "var_ld_time",
                           "frac_local", "flops_per_task"], fmt))
        pa = pooled_algos(runs, p)
        if len(pa):
            print("pooled over training seeds x eval seeds:\n")
            print(markdown(pa, list(pa.columns), {c: f4 for c in pa.columns if c not in ("algo", "runs")}))
    return runs


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "summary":
        sys.exit("usage: dtomalb_analysis.py summary OUT_DIR")
    print_summary(sys.argv[2])
