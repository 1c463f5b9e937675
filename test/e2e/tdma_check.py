#!/usr/bin/env python3
"""tdma_check.py DIR - checks the traces test_tdma_partial.sh wrote in DIR
(whole.h5, short.h5, partial.h5, pertask.h5: tdma-equal on a 4-MD cell,
slot 1 s, no fading) against hand formulas. Prints ok:/FAIL: lines; exit 1
on any failure."""
import math
import sys

import h5py
import numpy as np

fails = 0


def say(good, what):
    global fails
    print(("ok: " if good else "FAIL: ") + what)
    fails += 0 if good else 1


def load(d, name):
    f = h5py.File(f"{d}/{name}.h5", "r")
    t, dev = f["tasks"][()], f["devices"][()]
    cfg = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}
    f.close()
    return t, dev, cfg


def rel(a, b):
    return np.abs(a - b) / np.maximum(np.abs(b), 1e-300)


def expected_rate(t, dev, cfg):
    """r_k = W log2(1 + p_k g_k / (W N0)) over the whole band (BCOS eq. 3)."""
    w = float(cfg["cfg.bandwidth"])
    n0 = 10.0 ** (float(cfg["cfg.noise_dbm_hz"]) / 10.0) / 1000.0  # dBm/Hz -> W/Hz
    by = {int(r["md"]): r for r in dev}
    p = np.array([by[int(m)]["tx_power_w"] for m in t["md"]])
    g = np.array([by[int(m)]["path_gain"] for m in t["md"]])
    return w * np.log2(1.0 + p * g / (w * n0)), p


def common(t, dev, cfg, label, bits):
    up = t["up_end"] - t["up_start"]
    say(np.all(t["target"] == 1), f"{label}: every task offloaded to server 1")
    # the sub-slots of one frame (one decision: same decide_end) share one band: an upload starts at its
    # sub-slot (decide_end + tx_offset), or when the frame's previous upload ends if that one ran past its
    # own window; frames do not wait for each other
    good_start, good_band = True, True
    for de in np.unique(t["decide_end"]):
        f = t[t["decide_end"] == de]
        f = f[np.argsort(f["up_start"], kind="stable")]
        band_free = np.concatenate([[-np.inf], np.maximum.accumulate(f["up_end"])[:-1]])
        good_start &= bool(np.all(np.abs(f["up_start"] - np.maximum(de + f["tx_offset"], band_free)) < 1e-9))
        good_band &= bool(np.all(f["up_start"] >= band_free - 1e-9))
    say(good_start, f"{label}: each upload starts at decide_end + tx_offset, or when its frame's previous upload ends")
    say(good_band, f"{label}: no two uploads of a frame on the band at once")
    rate, p = expected_rate(t, dev, cfg)
    say(np.all(rel(t["up_rate_bps"], rate) < 1e-12),
        f"{label}: up_rate_bps = W log2(1 + p g / (W N0)) over the whole band (max rel err "
        f"{rel(t['up_rate_bps'], rate).max():.1e})")
    say(np.all(rel(t["energy_tx_j"], p * up) < 1e-12),
        f"{label}: energy of one offloading MD = p_k t'_k by hand, exactly (max rel err "
        f"{rel(t['energy_tx_j'], p * up).max():.1e})")
    say(np.all(rel(up, bits / rate) < 1e-6),
        f"{label}: upload time t'_k = a_k B_k / r_k (max rel err {rel(up, bits / rate).max():.1e})")
    return up


def main(d):
    # 1. whole tasks, per-slot: 4 sub-slots of 1/4 s in batch order
    t, dev, cfg = load(d, "whole")
    say(len(t) == 12, f"whole: 12 tasks done ({len(t)})")
    up = common(t, dev, cfg, "whole", t["input_bits"])
    say(np.all(np.abs(t["tx_window"] - 0.25) < 1e-15), "whole: tx_window = T / n = 0.25 s")
    say(np.all(t["offload_frac"] == 1) and np.all(np.isnan(t["local_start"])), "whole: offload_frac = 1, no local part")
    offs = sorted(set(np.round(t["tx_offset"], 12)))
    say(offs == [0.0, 0.25, 0.5, 0.75], f"whole: offsets i T / n = {offs}")
    say(np.all(up <= t["tx_window"]), "whole: every upload fits its window (C5)")
    overlap = 0
    for de in set(np.round(t["decide_end"], 9)):
        s = t[np.abs(t["decide_end"] - de) < 1e-9]
        s = s[np.argsort(s["up_start"])]
        overlap += int(np.sum(s["up_end"][:-1] > s["up_start"][1:] + 1e-12))
    say(overlap == 0, "whole: the uploads of a slot do not overlap in time")

    # 2. windows too short: the upload continues past its window
    t, dev, cfg = load(d, "short")
    up = common(t, dev, cfg, "short", t["input_bits"])
    say(np.all(up > t["tx_window"]) and np.all(np.isfinite(t["done"])),
        f"short: up_end - up_start > tx_window: the upload continues ({up.min():.3f} s > 0.25 s), tasks complete")
    late = t["up_start"] - (t["decide_end"] + t["tx_offset"])
    say(np.sum(late > 1e-6) >= len(t) - 1,
        f"short: the later sub-slots' MDs wait for the band ({int(np.sum(late > 1e-6))} of {len(t)} uploads start late)")

    # 3. partial offloading, f = 0.4
    t, dev, cfg = load(d, "partial")
    f = 0.4
    common(t, dev, cfg, "partial", f * t["input_bits"])
    say(np.all(np.abs(t["offload_frac"] - f) < 1e-15), "partial: offload_frac = 0.4")
    say(np.all(rel(t["local_cycles"], (1 - f) * t["cycles"]) < 1e-15), "partial: local_cycles = 0.6 x cycles")
    by = {int(r["md"]): r for r in dev}
    hz = np.array([by[int(m)]["cpu_hz"] for m in t["md"]])
    kappa = np.array([by[int(m)]["kappa"] for m in t["md"]])
    say(np.all(rel(t["local_end"] - t["local_start"], (1 - f) * t["cycles"] / hz) < 1e-6),
        "partial: local part = 0.6 c / f_md (no contention)")
    first = t["tx_offset"] == 0
    say(np.all(np.abs(t["local_start"] - t["decide_end"]) < 1e-12) and np.any(first)
        and np.all(t["local_end"][first] > t["up_end"][first]),
        "partial: the local part starts at decide_end and runs while the first sub-slot's upload goes")
    say(np.all(rel(t["energy_local_j"], kappa * hz ** 2 * (1 - f) * t["cycles"]) < 1e-12),
        "partial: energy_local_j = kappa f^2 (0.6 c)")
    say(np.all(rel(t["exec_end"] - t["exec_start"], f * t["cycles"] / 16e9) < 1e-6),
        "partial: the server runs 0.4 x cycles")
    say(np.all(t["done"] == np.maximum(t["local_end"], t["down_end"])), "partial: done = max(local_end, down_end)")

    # 4. per-task decisions: a batch of one, the whole frame from decide_end
    t, dev, cfg = load(d, "pertask")
    common(t, dev, cfg, "pertask", t["input_bits"])
    say(np.all(t["tx_window"] == 1.0) and np.all(t["tx_offset"] == 0.0), "pertask: tx_window = T, tx_offset = 0")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
