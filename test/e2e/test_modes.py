"""End-to-end checks of the workload and decision modes, on the small cell.

Usage: /usr/bin/python3 test_modes.py MECSIM SRCDIR
Each check runs the binary, reads the trace with h5py and compares against
what the mode must produce. Last line: "N passed, N failed"."""
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

BIN, SRC = sys.argv[1], sys.argv[2]
PLAT = os.path.join(SRC, "platforms", "small_cell.xml")
DEPL = os.path.join(SRC, "deployments", "small_cell.xml")
TMP = tempfile.mkdtemp()
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name} {detail}")


def run(*args, platform=PLAT, trace="t.h5"):
    path = os.path.join(TMP, trace)
    cmd = [BIN, platform, DEPL, "--quiet", "--trace", path, *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
    f = h5py.File(path, "r")
    return f["tasks"][:], f["decisions"][:], dict(f.attrs)


# Per-slot decisions: one policy call per slot, at k*slot + gather (+ its compute).
tasks, dec, _ = run("--decide", "per-slot", "--gather", "0.001", "--tasks_per_md", "4")
check("per-slot: one decision per slot", len(dec) == 4, f"got {len(dec)}")
check("per-slot: batch holds every MD's task", np.all(dec["batch"] == 5), str(dec["batch"]))
check("per-slot: batch closes gather after the slot start",
      np.allclose(dec["time"], np.arange(4) * 1.0 + 0.001), str(dec["time"]))
check("per-slot: no task acts before its slot's decision",
      np.all(tasks["decide_end"] >= tasks["arrival"] + 0.001 - 1e-12))

# Per-task decisions on the MD itself: host_kind 1, one call per task.
tasks, dec, _ = run("--decide_on", "md", "--tasks_per_md", "3")
check("decide_on=md: one call per task", len(dec) == 15, f"got {len(dec)}")
check("decide_on=md: decided on the MD", np.all(dec["host_kind"] == 1))

# The decision's compute is executed on the deciding host: a 1 kflop/s BS makes
# greedy's flops take flops/1000 s, and later requests queue behind it.
slow = os.path.join(TMP, "slow_bs.xml")
with open(PLAT) as f:
    xml = f.read()
xml2 = re.sub(r'<host id="bs" speed="[^"]*"/>', '<host id="bs" speed="1kf"/>', xml)
assert xml2 != xml
with open(slow, "w") as f:
    f.write(xml2)
tasks, dec, _ = run("--tasks_per_md", "2", platform=slow)
check("decision compute is charged", np.allclose(dec["done"] - dec["time"], dec["flops"] / 1e3, rtol=1e-9),
      str((dec["done"] - dec["time"])[:5]))
first = np.sort(tasks["decide_end"][tasks["arrival"] == 0.0])
check("requests queue behind the controller's CPU", np.all(np.diff(first) > 0), str(first))

# Poisson arrivals: mean inter-arrival close to 1/rate over many tasks.
tasks, _, _ = run("--arrivals", "poisson", "--rate", "4", "--tasks_per_md", "400", "--policy", "local")
gaps = np.concatenate([np.diff(np.sort(tasks["arrival"][tasks["md"] == m])) for m in range(5)])
check("poisson: mean inter-arrival 1/rate", abs(gaps.mean() - 0.25) < 4 * 0.25 / np.sqrt(len(gaps)),
      f"{gaps.mean()} over {len(gaps)}")
check("poisson: exponential (CV close to 1)", abs(gaps.std() / gaps.mean() - 1) < 0.1)

# Replay: the trace's tasks are exactly the file's rows.
rows = [(0, 0.5, 8e6, 4e8, 8e3, 0.0), (3, 0.25, 1.6e6, 9e8, 0.0, 2.0), (0, 2.0, 8e5, 1e8, 1e3, 0.001)]
tf = os.path.join(TMP, "tasks.csv")
with open(tf, "w") as f:
    f.write("md,arrival_s,input_bits,cycles,output_bits,deadline_s\n")
    for r in rows:
        f.write(",".join(repr(x) for x in r) + "\n")
tasks, _, _ = run("--arrivals", "file", "--task_file", tf)
got = sorted((int(t["md"]), t["arrival"], t["input_bits"], t["cycles"], t["output_bits"], t["deadline"]) for t in tasks)
check("replay: tasks equal the file's rows", got == sorted(rows), str(got))
check("replay: deadline miss recorded", tasks[tasks["deadline"] == 0.001]["missed"][0] == 1)

# Signalling messages over the radio delay the decision by two transfers.
tasks, _, _ = run("--ctrl_bits", "8000", "--tasks_per_md", "1", "--policy", "local")
tasks2, _, _ = run("--ctrl_bits", "0", "--tasks_per_md", "1", "--policy", "local", trace="t2.h5")
check("ctrl_bits: decisions take longer with signalling",
      np.all(tasks["decide_end"] - tasks["decide_start"] > tasks2["decide_end"] - tasks2["decide_start"]))

# Rayleigh block fading: one channel per MD per slot (the rate changes between slots, not within).
tasks, _, _ = run("--fading", "rayleigh", "--tasks_per_md", "6", "--policy", "offload-nearest", "--ctrl_bits", "800")
rates = {}
for t in tasks:
    rates.setdefault((int(t["md"]), int(t["arrival"])), set()).add(float(t["up_rate_bps"]))
per_md = [len({next(iter(v)) for (m, _), v in rates.items() if m == md}) for md in range(5)]
check("rayleigh: rates differ between slots", all(n >= 5 for n in per_md), str(per_md))
again, _, _ = run("--fading", "rayleigh", "--tasks_per_md", "6", "--policy", "offload-nearest", trace="t3.h5")
check("rayleigh: a slot's draw does not depend on other traffic (signalling on/off)",
      np.array_equal(np.sort(again["up_rate_bps"]), np.sort(tasks["up_rate_bps"])))

# Wi-Fi cell: transfers share the Wi-Fi link.
wp = os.path.join(SRC, "platforms", "wifi_cell.xml")
wd = os.path.join(SRC, "deployments", "wifi_cell.xml")
p = subprocess.run([BIN, wp, wd, "--quiet", "--trace", os.path.join(TMP, "w.h5")], capture_output=True, text=True)
check("wifi cell runs", p.returncode == 0, p.stderr[-500:])
if p.returncode == 0:
    w = h5py.File(os.path.join(TMP, "w.h5"), "r")["tasks"][:]
    check("wifi: 4 stations uploading at once each take longer than alone",
          np.all((w["up_end"] - w["up_start"])[w["arrival"] == 0] > 8e6 / 54e6))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
