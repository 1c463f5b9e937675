#!/usr/bin/python3
"""memtl_model_check.py DIR N HEADS KIND - the model part of test_memtl_sim.sh, from the traces it
wrote in DIR: model.h5 (the model's cell of N MTs), model-n1.h5 (N + 1 MTs), model-h0.h5
(pick=head0), model-drift.h5 (online=1 through a drift at 10 s), model-exh.h5, model-local.h5.
Prints ok:/FAIL: lines (and info: lines); the shell script counts them."""
import sys

import h5py
import numpy as np

w, N, heads, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def dec(n):
    return h5py.File(f"{w}/{n}.h5", "r")["decisions"][()]


def say(good, what):
    print(("ok: " if good else "FAIL: ") + what)


# the cost pick evaluates eq. 6 once per head (6 flops per MT) when there is more than one head
evals = heads * 6.0 * N if heads > 1 else 0.0
d = dec("model")
say(np.all(d["macs"] > 0) and np.allclose(d["flops"], 2 * d["macs"] + evals) and np.all(d["iterations"] == 0)
    and np.all(d["model_size"] > 0),
    f"{kind}: every decision by the model, flops = 2 MACs + {evals:.0f} for the cost evaluations "
    f"({d['macs'].mean():.0f} MACs, {d['model_size'][0]:.0f} parameters)")
d1 = dec("model-n1")
say(np.all(d1["macs"] == d["macs"][0]) and np.all(d1["iterations"] > 0)
    and np.allclose(d1["flops"], 2 * d1["macs"] + evals + d1["iterations"] * 6.0),
    f"{kind}, {N + 1} MTs: a chunk of {N} by the model, the last MT by the exact search (flops += 6 x its work)")
h0 = dec("model-h0")
say(np.all(h0["macs"] <= d["macs"]) and (heads == 1 or np.all(h0["macs"] < d["macs"])),
    f"pick=head0 runs one head: {h0['macs'][0]:.0f} MACs against {d['macs'][0]:.0f} for pick=cost over "
    f"{heads} head(s)")

# online through a drift: one background job on server 1, charged, its result used only after it ends
f = h5py.File(f"{w}/model-drift.h5", "r")
bg, dd = f["background"][()], f["decisions"][()]
# (a window of 4 instances widens the known range little: the drift may trigger again, one job at a time)
one = len(bg) >= 1
say(one and np.all(bg["server"] == 1) and np.all(bg["kind"] == (1 if kind == "memtl" else 2))
    and np.all(bg["flops"] > 0) and np.all(bg["samples"] == 4) and bg["time_start"][0] > 10
    and np.all(bg["time_done"] > bg["time_start"]) and np.all(bg["time_start"][1:] >= bg["time_done"][:-1]),
    "drift at 10 s: background jobs on server 1, one at a time (%s)" % (
        "%d; the first: kind %d, %.3g flops, %.3f -> %.4f s" % (
            len(bg), bg["kind"][0], bg["flops"][0], bg["time_start"][0], bg["time_done"][0]) if one else "none"))
if one:
    end2 = bg["time_done"][1] if len(bg) > 1 else np.inf
    before, after = dd["time"] < bg["time_done"][0], (dd["time"] > bg["time_done"][0]) & (dd["time"] < end2)
    if kind == "memtl":
        per_head = (d["macs"][0] - h0["macs"][0]) / max(heads - 1, 1)
        say(after.any() and np.allclose(dd["macs"][before], d["macs"][0])
            and np.allclose(dd["macs"][after], d["macs"][0] + per_head),
            "the new head is used only once the job has ended in simulated time: %.0f MACs before, %.0f after"
            % (dd["macs"][before][0], dd["macs"][after][0] if after.any() else 0))
    else:
        say(after.any() and np.allclose(dd["macs"], d["macs"][0]),
            "MTFNN retrained in place: the same network size before and after the job")


def cost(n):
    t = h5py.File(f"{w}/{n}.h5", "r")["tasks"][()]
    return np.mean(t["done"] - t["arrival"]), int(t["missed"].sum()), np.mean(t["target"] > 0)


for n in ("model", "model-exh", "model-local"):
    dl, miss, off = cost(n)
    print(f"info: {n}: mean delay {dl:.3f} s, {miss} deadline misses, {100 * off:.0f} % offloaded")
