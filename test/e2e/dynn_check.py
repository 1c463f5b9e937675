"""dynn_check.py TRACE [TRACE ...] - checks a DyNN cell's trace against the paper's formulas.

Without contention (one slot's tasks done before the next slot), every task's simulated delay must
be its decision's inference time plus eq. 3 (offloaded) or eq. 4 (local) within 1 %:
  offloaded: delay = (decide_end - arrival) + s / (b log2(1 + p g / (b N0))) + c s / f
             with b = bw_share W and f = cpu_share f_ser, the shares the policy chose (eqs. 1-3);
  local:     delay = (decide_end - arrival) + c s / f_loc                         (eq. 4).
The decision's inference time must be lambda MACs / f_infer (eq. 9), staged as eqs. 34-35: local
tasks leave when the scheduling model is done (/decisions.done_local), offloaded ones at done.
Shares must respect the budgets: per slot sum b <= W and sum f <= f_ser (eq. 11i, 11k).
Prints "ok: ..." / "FAIL: ..." lines; exit status 1 on any failure.
"""
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


def attr(cfg, name):
    return float(text(cfg[name]))


def speed(s):
    """SimGrid speed text ('2.5Gf', '7.9e+07f') in flop/s."""
    m = re.fullmatch(r"([0-9.eE+-]+)([kMGTP]?)f", s.strip())
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}[m.group(2)]


def host_speeds(platform_xml):
    return {h.get("id"): speed(h.get("speed")) for h in ET.fromstring(platform_xml).iter("host")}


def check(path):
    with h5py.File(path, "r") as f:
        t = f["tasks"][()]
        dec = f["decisions"][()]
        dev = f["devices"][()]
        a = dict(f.attrs)
    name = path.rsplit("/", 1)[-1]
    cfg = {k[4:]: v for k, v in a.items() if k.startswith("cfg.")}
    hosts = host_speeds(text(a["platform_xml"]))
    W = attr(cfg, "bandwidth")
    n0 = 1e-3 * 10 ** (attr(cfg, "noise_dbm_hz") / 10)
    p = attr(cfg, "md_tx_power")
    f_ser, f_infer = hosts["es-1"], hosts["bs"]
    lam = 1.0
    say(len(t) > 0 and np.all(t["done"] > 0), f"{name}: {len(t)} tasks done")
    g = dev["path_gain"][t["md"]]
    floc = dev["cpu_hz"][t["md"]]
    off = t["target"] > 0
    infer = t["decide_end"] - t["arrival"]
    delay = t["done"] - t["arrival"]
    # eq. 1-3 with the policy's shares
    b = t["bw_share"] * W
    with np.errstate(divide="ignore", invalid="ignore"):  # local tasks have no shares
        rate = b * np.log2(1 + p * g / (b * n0))
        t_tra = t["input_bits"] / rate
        t_com = t["cycles"] / (t["cpu_share"] * f_ser)
    model_off = infer + t_tra + t_com
    model_loc = infer + t["cycles"] / floc
    model = np.where(off, model_off, model_loc)
    rel = np.abs(delay - model) / np.maximum(delay, 1e-12)
    worst = float(np.max(rel)) if len(rel) else 0.0
    say(worst < 0.01, f"{name}: delay = inference + eq. 3 / eq. 4 within 1 % for all {len(t)} tasks "
                      f"({off.sum()} offloaded; worst {100 * worst:.4f} %)")
    if off.any():
        say(np.all((t["bw_share"][off] > 0) & (t["cpu_share"][off] > 0)),
            f"{name}: every offloaded task has its own shares")
    # budgets per slot (tasks of one decision share its arrival instant)
    worst_b = worst_f = 0.0
    for arr in np.unique(t["arrival"][off]):
        s = off & (t["arrival"] == arr)
        worst_b = max(worst_b, t["bw_share"][s].sum())
        worst_f = max(worst_f, t["cpu_share"][s].sum())
    say(worst_b <= 1 + 1e-9 and worst_f <= 1 + 1e-9,
        f"{name}: per slot sum b_i <= b_max and sum f_i <= f_ser (largest sums {worst_b:.6f}, {worst_f:.6f})")
    # inference = lambda MACs / f_infer, staged (eqs. 34-35)
    if len(dec):
        gather = attr(cfg, "gather")
        t_inf = dec["done"] - dec["time"]
        nets = dec["macs"] > 0
        say(np.all(dec["flops"][nets] == lam * dec["macs"][nets]),
            f"{name}: networks' compute = lambda MACs ({nets.sum()} decisions, mean {np.mean(dec['macs']):.0f} MACs, "
            f"sizes k {sorted(set(dec['arch_k']))}, l {sorted(set(dec['arch_l']))})")
        err = np.max(np.abs(t_inf - dec["flops"] / f_infer))
        say(err < 1e-9, f"{name}: decision time = compute / f_infer (eq. 9; max error {err:.3g} s, "
                        f"mean {1e3 * np.mean(t_inf):.4f} ms)")
        say(np.all(dec["done_local"] <= dec["done"] + 1e-12), f"{name}: local tasks never leave after done")
        # every task leaves at its decision's done (offloaded) or done_local (local), plus gather
        slot_of = np.searchsorted(dec["time"], t["arrival"] + gather - 1e-12)
        ok = slot_of < len(dec)
        leave = np.where(off, dec["done"][np.minimum(slot_of, len(dec) - 1)],
                         dec["done_local"][np.minimum(slot_of, len(dec) - 1)])
        e2 = np.max(np.abs(leave - t["decide_end"])[ok]) if ok.any() else 0
        say(ok.all() and e2 < 1e-9, f"{name}: tasks leave at done (offloaded) / done_local (local): max error {e2:.3g} s")
    return


for path in sys.argv[1:]:
    check(path)
sys.exit(1 if fails else 0)
