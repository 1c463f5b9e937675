#!/usr/bin/python3
"""Checks of test_mobility_rate.sh and test_mobility_update.sh on mecsim traces.

    mobility_check.py rate TRACE V0 SPEED          device 0 at x = V0 + SPEED t, y = 0; BS at (0, 0)
    mobility_check.py update TRACE_UPD TRACE_FIX V0 SPEED EVERY [LATENCY]

The expected rates are computed here from the knobs recorded in the trace (docs/model.md):
b = bandwidth / share (share_users, or n_md), g = g0 (l0 / max(d, min_distance))^h with
g0 = 10^(path_gain_db / 10), N0 = 10^((noise_dbm_hz - 30) / 10) W/Hz, r = b log2(1 + p g / (b N0)).
Prints ok:/FAIL: lines; exit 1 on a failure."""
import math
import sys

import h5py
import numpy as np

fails = 0


def say(good, what):
    global fails
    print(("ok: " if good else "FAIL: ") + what)
    if not good:
        fails += 1


def cfg(f, key):
    v = f.attrs["cfg." + key]
    return v.decode() if isinstance(v, bytes) else str(v)


class Channel:
    def __init__(self, f):
        n_md = int(f.attrs["n_md"])
        share = int(cfg(f, "share_users")) or n_md
        self.b = float(cfg(f, "bandwidth")) / share
        self.p = float(cfg(f, "md_tx_power"))
        self.g0 = 10 ** (float(cfg(f, "path_gain_db")) / 10)
        self.l0 = float(cfg(f, "l0"))
        self.h = float(cfg(f, "path_loss_exp"))
        self.dmin = max(float(cfg(f, "min_distance")), 1e-3)
        self.n0 = 10 ** ((float(cfg(f, "noise_dbm_hz")) - 30) / 10)

    def rate(self, d):
        g = self.g0 * (self.l0 / max(d, self.dmin)) ** self.h
        return self.b * math.log2(1 + self.p * g / (self.b * self.n0))


def check_rate(path, v0, speed):
    f = h5py.File(path, "r")
    say(int(f.attrs["trace_format"]) >= 6, "trace format >= 6 (/tasks.up_distance_m, /mobility)")
    ch = Channel(f)
    t = f["tasks"][:]
    up = t[(t["md"] == 0) & (t["target"] > 0)]
    say(len(up) >= 5, f"{len(up)} uploads of the moving device (>= 5)")
    say(np.all(up["up_start"] == up["up_wait_start"]), "no radio wait before its uploads")
    d = v0 + speed * up["up_start"]
    want = np.array([ch.rate(x) for x in d])
    rel = np.abs(up["up_rate_bps"] / want - 1)
    print("   up_start    distance  up_rate_bps    expected")
    for a, b, c, e in zip(up["up_start"], d, up["up_rate_bps"], want):
        print(f"   {a:8.3f}  {b:8.2f}  {c:11.1f}  {e:11.1f}")
    say(rel.max() < 0.01, f"each upload's rate = Shannon rate at the distance at its start (max rel. error {rel.max():.2g})")
    say(np.ptp(d) > 50 and want.max() / want.min() > 1.5,
        f"the device moved {np.ptp(d):.0f} m between uploads, rates span x{want.max() / want.min():.2f}")
    derr = np.abs(up["up_distance_m"] - d).max()
    say(derr < 1e-6, f"/tasks.up_distance_m = V0 + SPEED up_start (max error {derr:.2g} m)")
    m = f["mobility"][:]
    m0 = m[(m["md"] == 0) & (m["uplink"] == 1)]
    say(len(m0) == len(up) and np.allclose(np.sort(m0["time"]), np.sort(up["up_start"]), rtol=0, atol=0),
        f"/mobility: one upload row per upload of the device ({len(m0)})")
    say(np.allclose(m0["x"], v0 + speed * m0["time"], rtol=1e-12, atol=1e-9) and np.all(m0["y"] == 0) and
        np.allclose(m0["distance_m"], m0["x"], rtol=1e-12), "/mobility: x = V0 + SPEED time, y = 0, distance = x")
    other = t[(t["md"] == 1) & (t["target"] > 0)]
    say(len(other) > 0 and np.all(other["up_distance_m"] == 30.0) and
        np.allclose(other["up_rate_bps"], ch.rate(30.0), rtol=1e-12),
        "device 1 (one trace sample at 30 m) keeps its distance and rate")


def upload_time(ch, bits, t0, v0, speed, every, latency=0.0):
    """Piecewise: the rate of [t0 + k every, t0 + (k + 1) every) is the rate at its start; with a link
    latency L the first interval is [t0, t0 + L + every) and the next ones start at t0 + L + k every."""
    left, t = bits, t0
    r = ch.rate(v0 + speed * t)
    if every > 0 and left > r * every:  # more than one interval: the first one also carries the latency
        left -= r * every
        t += latency + every
    else:
        return latency + left / r
    while True:
        r = ch.rate(v0 + speed * t)
        if every <= 0 or left <= r * every:
            return t + left / r - t0
        left -= r * every
        t += every


def check_update(path_upd, path_fix, v0, speed, every, latency=0.0):
    res = {}
    for name, path, ev in (("update", path_upd, every), ("fixed", path_fix, 0.0)):
        if path == "-":
            continue
        f = h5py.File(path, "r")
        ch = Channel(f)
        t = f["tasks"][:]
        up = t[(t["md"] == 0) & (t["target"] > 0)]
        say(len(up) == 1, f"{name}: one upload of the moving device")
        if len(up) != 1:
            continue
        u = up[0]
        got = u["up_end"] - u["up_start"]
        want = upload_time(ch, u["input_bits"], u["up_start"], v0, speed, ev, latency)
        say(abs(got / want - 1) < 0.01,
            f"{name} (mobility_update={ev:g}, radio latency {latency:g} s): upload {got:.6f} s = piecewise "
            f"integral {want:.6f} s "
            f"(rel. error {abs(got / want - 1):.2g})")
        res[name] = got
        if name == "update":
            dist = u["up_start"] * speed + v0
            print(f"   {u['input_bits']:.3g} bits from {dist:.1f} m to {v0 + speed * u['up_end']:.1f} m")
    if len(res) == 2:
        say(res["update"] > 1.1 * res["fixed"],
            f"moving away, the updated upload is longer than the one at the start's rate "
            f"({res['update']:.4f} s vs {res['fixed']:.4f} s)")


if __name__ == "__main__":
    if sys.argv[1] == "rate":
        check_rate(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    else:
        check_update(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]),
                     float(sys.argv[7]) if len(sys.argv) > 7 else 0.0)
    print(f"{'FAILED' if fails else 'passed'}: {fails} failure(s)")
    sys.exit(1 if fails else 0)
