"""memtl_check.py [options] TRACE - checks a MEMTL cell's trace (platforms/generate_memtl.py) against
the paper's system model (Section II, eqs. 4-6 and C2) as the MEMTL policies use it (docs/policies.md,
"MEMTL / MTFNN"). Per slot (the tasks of one decision share their arrival instant):
  - shares: every offloaded task has bw_share = 1/n_cell and cpu_share in (0, 1], the cpu_shares of
    a slot sum to at most 1 (C4), local tasks have none; with --grid, shares are multiples of it;
  - decision compute: done - time = flops / (BS speed); with --exact-n N, flops = iterations x 6 x N
    (MEMTL_FLOPS_PER_MT_EVAL per MT evaluation) and 2^N <= iterations <= 2^N (3 K N + 2), K = 1/grid;
  - eq. 5's delay: in a clean slot (every earlier task done before it starts, its own done before
    the next starts: no contention), an offloaded task
    takes p/u + c/(R F) + q/d after its decision, within 1 %, with u = the trace's upload rate, R F =
    cpu_share x server speed and d the downlink rate of the same sub-band and channel gain; a local
    one c / r_local (eq. 4);
  - C2: in a clean slot whose decision meets every deadline in the model (the label's "feasible"),
    every task finishes within its deadline after its decision;
  - optimality: in a clean slot, the decision's model cost (eq. 6) is at most the all-local one
    whenever all-local meets the deadlines (the exact search considered it).
With --compare LOCAL.h5 [--compare ...]: the mean realized cost per task, (1 - a) x energy + a x
delay (energy: kappa f^2 c locally; P_u x upload + P_e x execution + P_d x download offloaded;
delay: done - arrival), is at most each compared trace's.
Prints "ok: ..." / "FAIL: ..." lines; exit status 1 on any failure.
"""
import argparse
import re
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

fails = 0


def say(good, what):
    global fails
    print(("ok: " if good else "FAIL: ") + what)
    fails += 0 if good else 1


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def speed(s):
    m = re.fullmatch(r"([0-9.eE+-]+)([kMGTP]?)f", s.strip())
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}[m.group(2)]


class Trace:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            self.t = f["tasks"][()]
            self.dec = f["decisions"][()]
            self.dev = f["devices"][()]
            a = dict(f.attrs)
        self.name = path.rsplit("/", 1)[-1]
        cfg = {k[4:]: text(v) for k, v in a.items() if k.startswith("cfg.")}
        hosts = {h.get("id"): speed(h.get("speed")) for h in ET.fromstring(text(a["platform_xml"])).iter("host")}
        self.W = float(cfg["bandwidth"])
        self.n0 = 1e-3 * 10 ** (float(cfg["noise_dbm_hz"]) / 10)
        self.p_bs = float(cfg["bs_tx_power"])
        self.F = hosts["es-1"]
        self.f_bs = hosts["bs"]
        self.n_md = int(a["n_md"])
        self.fading = cfg.get("fading", "none")
        t = self.t
        self.off = t["target"] > 0
        self.kappa = self.dev["kappa"][t["md"]]
        self.p_up = self.dev["tx_power_w"][t["md"]]
        self.floc = self.dev["cpu_hz"][t["md"]]


def realized_cost(tr, alpha, p_exec, p_down):
    t = tr.t
    nan0 = lambda x: np.nan_to_num(x, nan=0.0)
    e_loc = tr.kappa * tr.floc ** 2 * nan0(t["local_cycles"])
    e_off = (tr.p_up * nan0(t["up_end"] - t["up_start"]) + p_exec * nan0(t["exec_end"] - t["exec_start"])
             + p_down * nan0(t["down_end"] - t["down_radio_start"]))
    energy = np.where(tr.off, e_off, e_loc)
    delay = t["done"] - t["arrival"]
    return (1 - alpha) * energy + alpha * delay


def check(tr, a):
    t, off, name = tr.t, tr.off, tr.name
    n = len(t)
    say(n > 0 and np.all(t["done"] > 0), f"{name}: {n} tasks done, {off.sum()} offloaded")
    n_cell = max(tr.n_md, 1)
    # shares
    if off.any():
        bw_ok = np.all(np.abs(t["bw_share"][off] - 1.0 / n_cell) < 1e-12)
        say(bw_ok, f"{name}: every offloaded task has bw_share = 1/{n_cell} (equal sub-bands)")
        c = t["cpu_share"][off]
        say(np.all((c > 0) & (c <= 1)), f"{name}: every offloaded task has a cpu_share in (0, 1]")
        if a.grid:
            units = c / a.grid
            say(np.all(np.abs(units - np.round(units)) < 1e-6),
                f"{name}: cpu_shares are multiples of the grid step {a.grid}")
    if tr.fading == "none" and off.any():
        b = tr.W / n_cell
        g = tr.dev["path_gain"][t["md"]][off]
        want = b * np.log2(1 + tr.p_up[off] * g / (b * tr.n0))
        err = np.max(np.abs(t["up_rate_bps"][off] / want - 1))
        say(err < 1e-9, f"{name}: upload rate = Shannon rate of the sub-band W/{n_cell} (max rel. error {err:.2g})")
    loc = ~off
    say(np.all(t["bw_share"][loc] == 0) and np.all(t["cpu_share"][loc] == 0), f"{name}: local tasks get no shares")
    arrivals = np.unique(t["arrival"])
    worst = 0.0
    for arr in arrivals:
        s = off & (t["arrival"] == arr)
        worst = max(worst, t["cpu_share"][s].sum())
    say(worst <= 1 + 1e-9, f"{name}: per slot sum of cpu_shares <= 1 (largest {worst:.6f})")
    # decision compute
    d = tr.dec
    if len(d):
        err = np.max(np.abs((d["done"] - d["time"]) - d["flops"] / tr.f_bs))
        say(err < 1e-9, f"{name}: decision time = flops / BS speed (max error {err:.3g} s, mean "
                        f"{1e6 * np.mean(d['done'] - d['time']):.2f} us)")
        if a.exact_n:
            N = a.exact_n
            K = round(1 / a.grid) if a.grid else 50
            good = np.all(d["flops"] > 0) and np.allclose(d["flops"], d["iterations"] * 6.0 * N, rtol=1e-12)
            say(good, f"{name}: flops = iterations x 6 x {N} in all {len(d)} decisions (mean {np.mean(d['flops']):.4g})")
            lo, hi = 2 ** N, 2 ** N * (3 * K * N + 2)
            say(np.all((d["iterations"] >= lo) & (d["iterations"] <= hi)),
                f"{name}: {lo} <= iterations <= {hi} (range {d['iterations'].min():.0f}..{d['iterations'].max():.0f})")
    # eq. 4/5 delays in clean slots; C2; optimality against all local
    b = tr.W / n_cell
    with np.errstate(divide="ignore", invalid="ignore"):
        snr_up = np.exp2(t["up_rate_bps"] / b) - 1
        g = snr_up * b * tr.n0 / tr.p_up
        down_rate = b * np.log2(1 + tr.p_bs * g / (b * tr.n0))
        t_up = t["input_bits"] / t["up_rate_bps"]
        t_exec = t["cycles"] / (t["cpu_share"] * tr.F)
        t_down = np.where(t["output_bits"] > 0, t["output_bits"] / down_rate, 0.0)
        model_off = t_up + t_exec + t_down
        model_loc = t["cycles"] / tr.floc
    model = np.where(off, model_off, model_loc)
    after = t["done"] - t["decide_end"]
    dl = t["deadline"]
    clean_slots = feasible_slots = late = checked = 0
    worst_rel = 0.0
    opt_checked = opt_bad = 0
    prev_done = -np.inf
    alpha = a.alpha
    for i, arr in enumerate(arrivals):
        s = t["arrival"] == arr
        nxt = arrivals[i + 1] if i + 1 < len(arrivals) else np.inf
        clean = prev_done <= arr + 1e-12 and t["done"][s].max() <= nxt + 1e-12
        prev_done = max(prev_done, t["done"][s].max())
        if not clean:
            continue
        clean_slots += 1
        with np.errstate(invalid="ignore"):  # a task without cpu_share (another policy): inf - inf
            rel = np.abs(after[s] - model[s]) / np.maximum(model[s], 1e-12)
        worst_rel = max(worst_rel, float(rel.max()))
        checked += s.sum()
        if np.all((dl[s] <= 0) | (model[s] < dl[s])):
            feasible_slots += 1
            late += int(np.sum((dl[s] > 0) & ~(after[s] < dl[s] * (1 + 1e-9))))
        # eq. 6 of the decision vs all local (in the model)
        k, f, c = tr.kappa[s], tr.floc[s], t["cycles"][s]
        c_loc = (1 - alpha) * k * f ** 2 * c + alpha * c / f
        with np.errstate(divide="ignore", invalid="ignore"):
            c_off = ((1 - alpha) * (tr.p_up[s] * t_up[s] + a.p_exec * t_exec[s] + a.p_down * t_down[s])
                     + alpha * model_off[s])
        c_dec = np.where(off[s], c_off, c_loc).sum()
        if a.optimal and np.all((dl[s] <= 0) | (c / f < dl[s])):
            opt_checked += 1
            opt_bad += int(not c_dec <= c_loc.sum() * (1 + 1e-9))
    say((clean_slots > 0 or not a.exact_n) and worst_rel < 0.01,
        f"{name}: eqs. 4-5 delay after the decision within 1 % for {checked} tasks of {clean_slots} clean slots "
        f"of {len(arrivals)} (worst {100 * worst_rel:.4f} %)")
    say(late == 0, f"{name}: {feasible_slots} clean slots feasible in the model (C2), {late} of their tasks late")
    if a.optimal:
        say(opt_bad == 0, f"{name}: decision's eq. 6 cost <= all-local's in the {opt_checked} clean slots where "
                          f"all-local meets the deadlines ({opt_bad} worse)")
    return realized_cost(tr, a.alpha, a.p_exec, a.p_down)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("trace")
    p.add_argument("--grid", type=float, default=0.0, help="cpu_shares on this grid (exhaustive's step)")
    p.add_argument("--exact-n", type=int, default=0, help="every decision is one exact search over N MTs")
    p.add_argument("--optimal", action="store_true", help="check eq. 6 optimality against all-local")
    p.add_argument("--alpha", type=float, default=0.5)
    p.add_argument("--p-exec", type=float, default=0.1)
    p.add_argument("--p-down", type=float, default=0.3)
    p.add_argument("--compare", action="append", default=[], help="a trace whose mean cost must not be lower")
    a = p.parse_args()
    tr = Trace(a.trace)
    cost = check(tr, a)
    mean = float(np.mean(cost))
    for other in a.compare:
        o = Trace(other)
        oc = float(np.mean(realized_cost(o, a.alpha, a.p_exec, a.p_down)))
        say(mean <= oc, f"{tr.name}: mean realized cost {mean:.4f} <= {o.name}'s {oc:.4f} "
                        f"(delay {np.mean(tr.t['done'] - tr.t['arrival']):.3f} vs "
                        f"{np.mean(o.t['done'] - o.t['arrival']):.3f} s, misses {tr.t['missed'].sum()} vs "
                        f"{o.t['missed'].sum()})")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
