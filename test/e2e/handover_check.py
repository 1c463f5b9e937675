#!/usr/bin/python3
"""Handover between two base stations (docs/mobility.md, "Several base stations") against formulas.

    handover_check.py MECSIM TMPDIR

Writes a two-cell platform: bs-0 at x = 0 and bs-1 at x = 200 m, each with one edge server
(es-0, es-1: one core of 1 GHz) on its own fiber, and a 100 Mbit/s, 2 ms fiber between the
BSs. One device replays a position trace (mobility=trace); one task (arrivals=file) goes to
server 1 (es-0, BS 0) with round-robin. Three runs:

  stay      the device stays 20 m from bs-0: upload and result through bs-0, no relay.
  moved     the device jumps next to bs-1 (20 m from it) while es-0 executes the task: the
            result is delivered through bs-1, the BS it is attached to when the result is
            ready, forwarded from bs-0 over the fiber between them:
              down_bs = 1, down_hops = 2, a /handovers row (md 0, 0 -> 1) at down_start,
              down_relay_start - down_start = result over es-0 -> bs-0 (bytes / bw + latency),
              down_fiber_end - down_relay_start = result over bs-0 -> bs-1,
              the radio download at the Shannon rate 20 m from bs-1,
              and done(moved) - done(stay) = exactly that extra fiber hop.
  mid-upload the device jumps while its (long) upload runs, which is sent in mobility_update
            pieces: the upload finishes through bs-0 (up_bs = 0), each piece at the rate of its
            start position's distance to bs-0 (the far one after the jump), which the upload's
            duration matches within 1e-9 relative; a /handovers row falls inside the upload.

  controllers four static devices, two per cell (x = 10, 30 and 170, 190 m: properties x, y),
            per-slot decisions with greedy: each slot's requests are decided by the controller of
            the devices' BS, one /decisions row per BS and slot, batch = its devices' requests,
            and its compute runs on that BS's CPU (bs-1 is 5x slower): done - time = flops / its
            speed; uploads and results go through the devices' own BS.

Prints one PASS/FAIL line per check; exit 1 on any failure.
"""
import math
import os
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "analysis"))
import mecsim_trace as mt  # noqa: E402

FIBER_BS = (1.25e9 * 8, 1e-4)  # bit/s, s: each BS - its edge server
FIBER_X = (12.5e6 * 8, 2e-3)   # bit/s, s: bs-0 - bs-1
REL = 1e-9

PLATFORM = """<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <zone id="cells" routing="Full">
    <host id="md-0" speed="1Gf"/>
    <host id="bs-0" speed="10Gf"/>
    <host id="bs-1" speed="10Gf"/>
    <host id="es-0" speed="1Gf"/>
    <host id="es-1" speed="1Gf"/>
    <link id="radio-0" bandwidth="1MBps" latency="0"/>
    <link id="fiber-0" bandwidth="1.25GBps" latency="0.1ms"/>
    <link id="fiber-1" bandwidth="1.25GBps" latency="0.1ms"/>
    <link id="x01" bandwidth="12.5MBps" latency="2ms"/>
    <route src="md-0" dst="md-0"><link_ctn id="radio-0"/></route>
    <route src="bs-0" dst="es-0"><link_ctn id="fiber-0"/></route>
    <route src="bs-1" dst="es-1"><link_ctn id="fiber-1"/></route>
    <route src="bs-0" dst="bs-1"><link_ctn id="x01"/></route>
  </zone>
</platform>
"""

DEPLOYMENT = """<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <actor host="bs-0" function="base_station">
    <prop id="policy" value="round-robin"/>
    <prop id="arrivals" value="file"/>
    <prop id="mobility" value="trace"/>
    <prop id="bs_x" value="0"/><prop id="bs_y" value="0"/>
  </actor>
  <actor host="bs-1" function="base_station"><prop id="bs_x" value="200"/><prop id="bs_y" value="0"/></actor>
  <actor host="es-0" function="edge_server"><prop id="id" value="1"/><prop id="bs" value="bs-0"/></actor>
  <actor host="es-1" function="edge_server"><prop id="id" value="2"/><prop id="bs" value="bs-1"/></actor>
  <actor host="md-0" function="mobile_device"/>
</platform>
"""


class Checks:
    def __init__(self):
        self.failed = 0

    def report(self, ok, what):
        print(("PASS " if ok else "FAIL ") + what)
        self.failed += 0 if ok else 1


def rel_close(a, b, rel=REL):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def main():
    mecsim, tmp = sys.argv[1:3]
    c = Checks()
    plat = os.path.join(tmp, "two_cells.xml")
    dep = os.path.join(tmp, "two_cells_dep.xml")
    with open(plat, "w") as f:
        f.write(PLATFORM)
    with open(dep, "w") as f:
        f.write(DEPLOYMENT)

    def run(name, positions, task, *args):
        trace_csv = os.path.join(tmp, name + "_pos.csv")
        with open(trace_csv, "w") as f:
            f.write("time,device,x,y\n")
            for t, x in positions:
                f.write(f"{t},0,{x},0\n")
        task_csv = os.path.join(tmp, name + "_task.csv")
        with open(task_csv, "w") as f:
            f.write("md,arrival_s,input_bits,cycles,output_bits,deadline_s\n")
            f.write(",".join(str(v) for v in task) + "\n")
        h5 = os.path.join(tmp, name + ".h5")
        r = subprocess.run([mecsim, plat, dep, "--set", "mobility_file=" + trace_csv, "--set", "task_file=" + task_csv,
                            "--trace", h5, "--quiet", *args], capture_output=True, text=True)
        c.report(r.returncode == 0, f"{name}: mecsim exits 0 (got {r.returncode})")
        if r.returncode != 0:
            print(r.stdout + r.stderr)
            sys.exit(1)
        return mt.load(h5)

    def channel(a):
        n0 = 10 ** ((float(a["cfg.noise_dbm_hz"]) - 30) / 10)
        g0 = 10 ** (float(a["cfg.path_gain_db"]) / 10)
        l0, h = float(a["cfg.l0"]), float(a["cfg.path_loss_exp"])
        dmin = max(float(a["cfg.min_distance"]), 1e-3)
        W = float(a["cfg.bandwidth"])

        def rate(d, power):  # the whole band: one device in the run, attached to one BS
            g = g0 * (l0 / max(d, dmin)) ** h
            return W * math.log2(1 + power * g / (W * n0))
        return rate

    def hop(bits, link):
        return bits / link[0] + link[1]

    # one task: 1e6 bits up, 5e9 cycles (5 s on es-0), 8e6 bits of result
    task = (0, 0.1, 1e6, 5e9, 8e6, 0)
    stay = run("stay", [(0, 20)], task)
    moved = run("moved", [(0, 20), (2.0, 20), (2.001, 180)], task)
    ts, tm = stay.tasks.iloc[0], moved.tasks.iloc[0]
    a = moved.attrs
    rate = channel(a)
    c.report(int(a["n_bs"]) == 2 and a["bs_names"] == "bs-0,bs-1",
             f"root attributes n_bs = 2, bs_names = 'bs-0,bs-1' (got {a.get('n_bs')}, {a.get('bs_names')!r})")
    bs = moved.base_stations
    c.report(list(bs["bs"]) == [0, 1] and list(bs["x"]) == [0, 200] and list(bs["host"]) == ["bs-0", "bs-1"],
             f"/base_stations: bs-0 at x = 0, bs-1 at x = 200 m (got {bs.to_dict('list')})")
    for name, t in (("stay", ts), ("moved", tm)):
        c.report(int(t.target) == 1 and int(t.up_bs) == 0,
                 f"{name}: the task went to server 1 through bs-0 (target {t.target}, up_bs {t.up_bs})")
    c.report(int(ts.down_bs) == 0 and int(ts.down_hops) == 1 and math.isnan(ts.down_relay_start),
             f"stay: result through bs-0, 1 fiber hop, no relay (down_bs {ts.down_bs}, down_hops {ts.down_hops}, "
             f"down_relay_start {ts.down_relay_start})")
    c.report(int(tm.down_bs) == 1 and int(tm.down_hops) == 2 and not math.isnan(tm.down_relay_start),
             f"moved: result through bs-1, 2 fiber hops, relayed (down_bs {tm.down_bs}, down_hops {tm.down_hops}, "
             f"down_relay_start {tm.down_relay_start})")
    out = 8e6
    back = tm.down_relay_start - tm.down_start
    c.report(rel_close(back, hop(out, FIBER_BS)),
             f"moved: es-0 -> bs-0 takes {back:.12g} s = bytes / bw + latency = {hop(out, FIBER_BS):.12g} s")
    relay = tm.down_fiber_end - tm.down_relay_start
    c.report(rel_close(relay, hop(out, FIBER_X)),
             f"moved: the extra hop bs-0 -> bs-1 takes {relay:.12g} s = {hop(out, FIBER_X):.12g} s (100 Mbit/s, 2 ms)")
    radio = tm.down_end - tm.down_radio_start
    want_radio = out / rate(20, float(a["cfg.bs_tx_power"]))
    c.report(rel_close(radio, want_radio, 1e-6),
             f"moved: the download from bs-1 (20 m) takes {radio:.12g} s = Shannon {want_radio:.12g} s")
    extra = tm.done - ts.done
    c.report(rel_close(extra, hop(out, FIBER_X), 1e-6),
             f"moved - stay: the task ends {extra:.12g} s later = the extra fiber hop {hop(out, FIBER_X):.12g} s")
    ho = moved.handovers
    ho = ho.reset_index(drop=True)
    c.report(len(ho) == 1 and int(ho["md"][0]) == 0 and int(ho["from_bs"][0]) == 0 and int(ho["to_bs"][0]) == 1,
             f"moved: one /handovers row, md 0 from bs 0 to bs 1 (got {len(ho)} rows)")
    if len(ho):
        c.report(ho["time"][0] == tm.down_start and ho["x"][0] == 180,
                 f"moved: the handover is noticed when the result is ready ({ho['time'][0]:.9g} s = down_start "
                 f"{tm.down_start:.9g} s), at x = {ho['x'][0]:g} m")
        c.report(ho["gain_to"][0] > ho["gain_from"][0] * 10 ** (float(a["cfg.handover_hysteresis_db"]) / 10),
                 "moved: gain_to beats gain_from by more than the hysteresis")
    c.report(len(stay.handovers) == 0, "stay: no handover")
    c.report(int(moved.attrs["handovers"]) == 1, f"moved: root attribute handovers = 1 (got {moved.attrs['handovers']})")
    text = mt.summary(moved)
    c.report("base stations: 2, handovers: 1; uploads per BS: bs-0 1; results relayed to another BS: 1 of 1" in text,
             "moved: analysis/mecsim_trace.py's summary counts the handover, the upload per BS and the relayed result")

    # An upload in progress at the handover finishes through its BS (bs-0), in pieces of
    # mobility_update seconds, each at the rate of the distance to bs-0 at the piece's start.
    every = 0.05
    big = (0, 0.1, 4e7, 1e8, 8e3, 0)
    jump = 0.2
    mid = run("mid-upload", [(0, 20), (jump, 20), (jump + 1e-3, 180)], big, "--set", f"mobility_update={every}")
    t = mid.tasks.iloc[0]
    ma = mid.attrs
    rate = channel(ma)
    p_up = float(ma["cfg.md_tx_power"])
    c.report(int(t.up_bs) == 0, f"mid-upload: the upload finished through bs-0 (up_bs {t.up_bs})")

    def x_at(time):  # the device's trace, interpolated linearly
        return 20 if time <= jump else 180 if time >= jump + 1e-3 else 20 + (time - jump) / 1e-3 * 160

    def upload_time(dist_of):
        units, left, k = 1024.0, round(4e7 * 1024.0), 0
        while True:
            r = rate(dist_of(t.up_start + k * every), p_up) * units
            piece = math.floor(r * every)
            if piece < 1 or piece >= left:
                return k * every + left / r
            left -= piece
            k += 1

    want = upload_time(lambda time: x_at(time))              # distance to bs-0 at x
    other = upload_time(lambda time: abs(200 - x_at(time)) if time >= jump else x_at(time))  # had it moved to bs-1
    took = t.up_end - t.up_start
    c.report(rel_close(took, want), f"mid-upload: the upload takes {took:.12g} s = pieces at the distance to bs-0 "
             f"{want:.12g} s")
    c.report(abs(took - other) > 0.1 * other, f"mid-upload: not the {other:.6g} s it would take through bs-1")
    ho = mid.handovers.reset_index(drop=True)
    c.report(len(ho) == 1 and t.up_start < ho["time"][0] < t.up_end,
             f"mid-upload: one handover, noticed during the upload ({ho['time'][0] if len(ho) else float('nan'):.6g} s "
             f"in ({t.up_start:.6g}, {t.up_end:.6g}))")
    c.report(int(t.down_bs) == 1, f"mid-upload: the result went through bs-1 (down_bs {t.down_bs})")
    mob = mid.mobility.reset_index(drop=True)
    c.report(len(mob) >= 1 and int(mob["bs"][0]) == 0 and int(mob["uplink"][0]) == 1,
             "mid-upload: /mobility's upload row names bs 0")

    # Per-BS controllers (static devices, several BSs).
    plat4 = os.path.join(tmp, "two_cells_4md.xml")
    dep4 = os.path.join(tmp, "two_cells_4md_dep.xml")
    xs = (10, 30, 170, 190)
    hosts = "".join(f'    <host id="md-{i}" speed="50Mf"><prop id="x" value="{x}"/><prop id="y" value="0"/></host>\n'
                    for i, x in enumerate(xs))
    links = "".join(f'    <link id="radio-{i}" bandwidth="1MBps" latency="0"/>\n' for i in range(4))
    routes = "".join(f'    <route src="md-{i}" dst="md-{i}"><link_ctn id="radio-{i}"/></route>\n' for i in range(4))
    p4 = PLATFORM.replace('    <host id="md-0" speed="1Gf"/>\n', hosts).replace('<host id="bs-1" speed="10Gf"/>',
                                                                              '<host id="bs-1" speed="2Gf"/>')
    p4 = p4.replace('    <link id="radio-0" bandwidth="1MBps" latency="0"/>\n', links)
    p4 = p4.replace('    <route src="md-0" dst="md-0"><link_ctn id="radio-0"/></route>\n', routes)
    with open(plat4, "w") as f:
        f.write(p4)
    d4 = DEPLOYMENT.replace('<prop id="policy" value="round-robin"/>', '<prop id="policy" value="greedy"/>')
    d4 = d4.replace('<prop id="arrivals" value="file"/>', '<prop id="arrivals" value="slotted"/>'
                    '<prop id="decide" value="per-slot"/><prop id="tasks_per_md" value="3"/>')
    d4 = d4.replace('<prop id="mobility" value="trace"/>', "")
    d4 = d4.replace('  <actor host="md-0" function="mobile_device"/>\n',
                    "".join(f'  <actor host="md-{i}" function="mobile_device"/>\n' for i in range(4)))
    with open(dep4, "w") as f:
        f.write(d4)
    h5 = os.path.join(tmp, "controllers.h5")
    r = subprocess.run([mecsim, plat4, dep4, "--trace", h5, "--quiet"], capture_output=True, text=True)
    c.report(r.returncode == 0, f"controllers: mecsim exits 0 (got {r.returncode})")
    if r.returncode != 0:
        print(r.stdout + r.stderr)
        return 1
    tr = mt.load(h5)
    dev, dec, tasks = tr.devices, tr.decisions, tr.tasks
    c.report(list(dev["bs"]) == ["bs-0", "bs-0", "bs-1", "bs-1"],
             f"controllers: devices at x = 10, 30 on bs-0 and 170, 190 on bs-1 (got {list(dev['bs'])})")
    c.report(len(dec) == 6 and sorted(dec["bs"].value_counts().to_dict().items()) == [(0, 3), (1, 3)],
             f"controllers: 3 slots x 2 BSs = 6 decisions, 3 by each BS (got {dec[['time', 'bs', 'batch']].values.tolist()})")
    c.report(bool((dec["batch"] == 2).all()), "controllers: each decides the 2 requests of its own devices per slot")
    speed = {0: 10e9, 1: 2e9}
    dur = (dec["done"] - dec["time"]).to_numpy()
    want = np.array([fl / speed[b] for fl, b in zip(dec["flops"], dec["bs"])])
    c.report(bool(np.all(want > 0)) and bool(np.allclose(dur, want, rtol=1e-9, atol=1e-12)),
             f"controllers: done - time = flops / the deciding BS's CPU (10 and 2 GHz): {dur.tolist()} vs {want.tolist()}")
    home = np.where(tasks["md"] < 2, 0, 1)
    off = tasks["target"] > 0
    c.report(bool(off.any()) and bool((tasks["up_bs"][off] == home[off]).all())
             and bool((tasks["down_bs"][off] == home[off]).all()) and bool((tasks["up_bs"][~off] == -1).all()),
             f"controllers: the {int(off.sum())} offloaded tasks go up and come back through their devices' BS")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
