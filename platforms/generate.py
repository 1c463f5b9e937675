#!/usr/bin/python3
"""Writes a mecsim platform and deployment for a large cell: N mobile devices (MDs) and M edge servers.

Run with /usr/bin/python3 (standard library only). Example, 10^5 MDs and 10 servers:

    /usr/bin/python3 platforms/generate.py --n-md 100000 --n-servers 10 \\
        --platform /tmp/big.xml --deployment /tmp/big-dep.xml
    build/mecsim /tmp/big.xml /tmp/big-dep.xml

How the platform is laid out (docs/model.md and platforms/README.md say why):
- The MDs are SimGrid <cluster>s, one line per speed class whatever N is. Each cluster host gets a
  loopback link (loopback_bw / loopback_lat): that link is the whole route from the MD host to
  itself, so it is the MD's own radio link, whose bandwidth mecsim's radio model sets before
  each transfer. No link is shared between MDs: a shared cell link would make SimGrid's sharing
  solver O(N) per event.
- The cluster's private links and backbone are never crossed (mecsim moves a task to the BS host
  after its upload); they exist because <cluster> requires them.
- The BS and the servers are in a Full zone: fiber BS - server 1, and server 1 - server m for the
  paper's forwarding (forward=via-first); the direct route BS - server m over both links serves
  forward=direct.
- --cloud-cores K adds a cloud data centre (docs/model.md, The cloud tier): host "cloud" in the
  same Full zone, deployed as server M+1 with tier cloud, reached over one WAN link
  (--wan-bps, --wan-latency) on the route BS - cloud, whatever forward is.
- MD hosts carry no distance property (a cluster cannot give one per host): mecsim places each MD
  uniformly in the cell disc (knobs cell_radius, min_distance) from the run seed; with --mobility
  they move instead (docs/mobility.md), e.g. --mobility rwp --speed uniform:0.5:1.5 --pause exp:10.

Several base stations (--n-bs B > 1; docs/mobility.md, "Generating multi-BS cells"): a corridor of
B BS hosts bs-0 .. bs-(B-1) at x = k D, y = 0 (D = --bs-spacing, default 200 m), each with M edge
servers of its own (hosts es-<b>-1 .. es-<b>-M, server ids 1 .. B M numbered BS by BS; a cloud is
server B M + 1). Each BS has the wiring of the one-BS cell towards its own servers (fiber BS - its
server 1, server 1 - server m, and the direct routes); a fiber link joins neighbouring BSs
(--bs-fiber-bps, --bs-fiber-latency) and every pair of BSs has a route along that chain; with a
cloud each BS reaches it over its own metro link (--metro-bps, --metro-latency) and then the shared
WAN link. The deployment has B base_station actors: the first carries the knobs, bs_x, bs_y and
mobility_area (by default the corridor -D/2,-D/4,(B-1)D+D/2,D/4, or --area); the others only bs_x
and bs_y; each edge_server names its BS in its bs property. The devices are not per BS: any device
attaches to the BS of the best channel (with hysteresis), placed uniformly in mobility_area when
static, moving in it otherwise. --n-bs 1 (the default) writes exactly the one-BS cell. Example, 3 BSs
with 2 servers each, a cloud, 1000 devices at 1-15 m/s:

    /usr/bin/python3 platforms/generate.py --n-md 1000 --n-bs 3 --n-servers 2 --cloud-cores 16 \\
        --mobility rwp --speed uniform:1:15 --platform /tmp/c3.xml --deployment /tmp/c3-dep.xml

With one BS the deployment has one base_station actor whose <prop>s are scenario knobs, the M
edge_server actors, and the MDs: by default the base_station's md_hosts property "md-" makes md-0 .. md-(N-1)
devices without one actor each (what lets 10^5 devices fit in memory); --md-actors writes one
mobile_device actor per MD instead.

The workload is dimensioned so that the cell is not overloaded at any N: arrivals are Poisson by
default (slotted when --slot is given), and without --rate (or --slot) each device's task rate is
chosen so that the busiest resource runs at --load (default 50 %): the servers (with the policy's
split), each device's radio at the cell edge (its share W/N of the band, or W/share_users), its CPU
(tasks the policy keeps local) and the fiber.
With several BSs the same is done per cell: the busiest cell's expected share of the devices (by the
area, and for rwp by its stationary law) splits its band W, at the worst distance to the nearest BS
(times the handover hysteresis margin for moving devices); each BS's fiber, its servers and the fiber
between BSs carry what the policy sends them.
The estimate uses mecsim's knob defaults and any --set that changes them; it is printed, and written
into the deployment's header, also when --slot or --rate are given (with a warning if a resource is
at or above 100 %: mecsim would then stop at its in-flight limit, docs/model.md, Overload).
"""
import argparse
import math
import random
import sys
from xml.sax.saxutils import quoteattr


def positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number" % text)
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError("'%s' must be a positive number" % text)
    return v


def non_negative_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number" % text)
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError("'%s' must be a non-negative number" % text)
    return v


def positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not an integer" % text)
    if v < 1:
        raise argparse.ArgumentTypeError("'%s' must be >= 1" % text)
    return v


def speed_range(text):
    """'A' (every MD at A cycles/s) or 'A:B' (classes drawn uniformly in [A, B])."""
    parts = text.split(":")
    if len(parts) not in (1, 2):
        raise argparse.ArgumentTypeError("'%s': expected A or A:B (cycles/s)" % text)
    lo, hi = positive_float(parts[0]), positive_float(parts[-1])
    if hi < lo:
        raise argparse.ArgumentTypeError("'%s': B must be >= A" % text)
    return lo, hi


def server_speeds(text):
    """'A,B,C,...' (one per server) or 'A:B' (evenly spread over M servers) or 'A'."""
    if "," in text:
        return [positive_float(x) for x in text.split(",")]
    return speed_range(text)


def knob(text):
    if "=" not in text or text.startswith("="):
        raise argparse.ArgumentTypeError("'%s': expected KEY=VALUE (a knob of mecsim --list-knobs)" % text)
    return tuple(text.split("=", 1))


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="generate.py",
        description="Write a mecsim platform (SimGrid XML) and deployment for N mobile devices and M edge "
        "servers in one cell (or B cells along a corridor, M servers each: --n-bs). MDs are compact <cluster>s "
        "whose loopback link is each MD's own radio link; the BS(s) and the servers are in a Full zone joined "
        "by fiber.",
        epilog="Units: speeds in cycles/s (1 SimGrid flop = 1 cycle), rates in bit/s, times in s. "
        "Any other scenario knob goes in with --set KEY=VALUE (see mecsim --list-knobs); the mecsim command "
        "line still overrides what the deployment sets.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g = p.add_argument_group("size")
    g.add_argument("--n-md", type=positive_int, default=1000, help="number of mobile devices N")
    g.add_argument("--n-servers", type=positive_int, default=10,
                   help="number of edge servers M (per BS with --n-bs)")
    g = p.add_argument_group("speeds")
    g.add_argument("--md-speed", type=speed_range, default="300e6:500e6", metavar="A[:B]",
                   help="MD CPU speed, cycles/s: one value, or A:B to draw each speed class uniformly in [A, B]")
    g.add_argument("--md-classes", type=positive_int, default=5,
                   help="speed classes when --md-speed is A:B: the MDs are split into this many clusters of "
                   "(nearly) equal size, each with its own drawn speed (SimGrid gives every host of a cluster the "
                   "same speed)")
    g.add_argument("--server-speed", type=server_speeds, default="12e9:20e9", metavar="A[:B]|A,B,...",
                   help="edge server speeds, cycles/s per core: one value, A:B evenly spread over the M servers "
                   "(server 1 gets A), or a comma list of M values")
    g.add_argument("--server-cores", type=positive_int, default=1, help="cores per server (tasks served at once)")
    g.add_argument("--bs-speed", type=positive_float, default=10e9,
                   help="BS CPU, cycles/s (runs the central controller's decisions)")
    g = p.add_argument_group("links")
    g.add_argument("--fiber-bps", type=positive_float, default=10e9, help="fiber BS - server 1, bit/s")
    g.add_argument("--fiber-latency", type=non_negative_float, default=0.0, help="fiber BS - server 1 latency, s")
    g.add_argument("--mu-bps", type=positive_float, default=100e6,
                   help="fiber server 1 - server m (forwarding rate mu of DTOMALB eq. 9), bit/s")
    g.add_argument("--mu-latency", type=non_negative_float, default=0.0, help="fiber server 1 - server m latency, s")
    g = p.add_argument_group("cloud (docs/model.md, The cloud tier; none by default)")
    g.add_argument("--cloud-cores", type=positive_int, default=None, metavar="K",
                   help="add a cloud data centre of K cores: host 'cloud', server M+1 (tier cloud), reached over "
                   "the route BS - cloud, one WAN link (either forward); the load estimate counts the edge "
                   "servers only")
    g.add_argument("--cloud-speed", type=positive_float, default=None, metavar="F",
                   help="cycles/s per cloud core (default 40e9)")
    g.add_argument("--wan-bps", type=positive_float, default=None, metavar="B", help="WAN link rate, bit/s (default 1e9)")
    g.add_argument("--wan-latency", type=non_negative_float, default=None, metavar="S",
                   help="WAN link latency, s (default 0.03)")
    g = p.add_argument_group("several base stations (a corridor along x; docs/mobility.md, "
                             "\"Generating multi-BS cells\")")
    g.add_argument("--n-bs", type=positive_int, default=1, metavar="B",
                   help="base stations bs-0 .. bs-(B-1) at x = k D, y = 0, each with --n-servers edge servers of its "
                   "own (es-<b>-1 .. es-<b>-M, ids 1 .. B M BS by BS; a cloud is server B M + 1); every device may "
                   "attach to any BS. 1: the one-BS cell, unchanged")
    g.add_argument("--bs-spacing", type=positive_float, default=None, metavar="D",
                   help="distance between neighbouring BSs, m (default 200; needs --n-bs > 1)")
    g.add_argument("--bs-fiber-bps", type=positive_float, default=None, metavar="B",
                   help="fiber between neighbouring BSs, bit/s (default 10e9; a route between two BSs crosses every "
                   "link of the chain between them)")
    g.add_argument("--bs-fiber-latency", type=non_negative_float, default=None, metavar="S",
                   help="latency of each fiber link between neighbouring BSs, s (default 1e-4)")
    g.add_argument("--metro-bps", type=positive_float, default=None, metavar="B",
                   help="with --cloud-cores: each BS's metro link towards the cloud (then the shared WAN link), "
                   "bit/s (default 10e9)")
    g.add_argument("--metro-latency", type=non_negative_float, default=None, metavar="S",
                   help="with --cloud-cores: latency of each BS's metro link, s (default 5e-4)")
    g = p.add_argument_group("workload and policy (scenario knobs written into the deployment)")
    g.add_argument("--tasks", type=positive_int, default=10, help="tasks per MD (knob tasks_per_md)")
    g.add_argument("--arrivals", choices=["slotted", "poisson"], default=None,
                   help="knob arrivals. Not given (None): poisson, or slotted when --slot is given. Poisson "
                   "keeps about N x load tasks in flight; slotted starts N tasks at once every slot (10^5 MDs: "
                   "7.4 GB and 4 min of CPU per slot, platforms/README.md)")
    g.add_argument("--slot", type=positive_float, default=None,
                   help="slot length T, s (knob slot; slotted arrivals). Not given (None): automatic, the shortest slot "
                   "(2 significant digits) that keeps every resource at or below --load")
    g.add_argument("--rate", type=positive_float, default=None,
                   help="Poisson arrivals per MD per s (knob rate). Not given (None): automatic, the largest rate "
                   "(2 significant digits) that keeps every resource at or below --load")
    g.add_argument("--load", type=positive_float, default=0.5,
                   help="target utilisation of the busiest resource (servers, each device's radio at the cell "
                   "edge, its CPU, the fiber) for the automatic --slot or --rate")
    g.add_argument("--policy", default="random", help="offloading policy (mecsim --list-policies)")
    g.add_argument("--policy-args", default="", help="policy arguments \"key=value,...\" (knob policy_args)")
    g.add_argument("--seed", type=int, default=1,
                   help="run seed (knob seed), also the seed of the MD speed-class draws here")
    g.add_argument("--set", type=knob, action="append", default=[], metavar="KEY=VALUE",
                   help="any other scenario knob, repeatable (e.g. --set bandwidth=20e6 --set share_users=10)")
    g.add_argument("--md-actors", action="store_true",
                   help="one mobile_device actor per MD in the deployment instead of the md_hosts property")
    g = p.add_argument_group("mobility (scenario knobs written into the deployment; docs/mobility.md)")
    g.add_argument("--mobility", choices=["static", "rwp", "gauss-markov", "trace"], default=None,
                   help="knob mobility: how devices move (not given: nothing written, mecsim's default static)")
    g.add_argument("--speed", default=None, metavar="DIST|V",
                   help="rwp: leg speed distribution in m/s (knob rwp_speed, e.g. uniform:0.5:1.5 pedestrian, "
                   "uniform:10:20 vehicle); gauss-markov: the mean speed in m/s (knob gm_mean_speed)")
    g.add_argument("--pause", default=None, metavar="DIST", help="rwp: pause distribution in s (knob rwp_pause)")
    g.add_argument("--mobility-update", type=non_negative_float, default=None, metavar="S",
                   help="knob mobility_update: s between rate updates during a transfer (0 = at its start only)")
    g.add_argument("--mobility-file", default=None, metavar="CSV",
                   help="trace: positions time,device,x,y (knob mobility_file; relative to the deployment's directory)")
    g.add_argument("--area", default=None, metavar="XMIN,YMIN,XMAX,YMAX",
                   help="knob mobility_area, m; write --area=XMIN,... when XMIN is negative. Not given: the square of "
                   "half-side cell_radius around the BS; with --n-bs > 1 the corridor -D/2,-D/4,(B-1)D+D/2,D/4, "
                   "written into the deployment (several BSs: static devices are placed uniformly in it too, and "
                   "--area needs no --mobility)")
    g = p.add_argument_group("output")
    g.add_argument("--platform", default=None, help="platform file to write (default mec_N<N>_M<M>.platform.xml)")
    g.add_argument("--deployment", default=None,
                   help="deployment file to write (default mec_N<N>_M<M>.deployment.xml)")
    a = p.parse_args(argv)
    if a.seed < 0:
        p.error("--seed must be >= 0")
    if isinstance(a.server_speed, list) and len(a.server_speed) != a.n_servers:
        p.error("--server-speed lists %d values for %d servers" % (len(a.server_speed), a.n_servers))
    cloud_opts = {"--cloud-speed": a.cloud_speed, "--wan-bps": a.wan_bps, "--wan-latency": a.wan_latency}
    given = [k for k, v in cloud_opts.items() if v is not None]
    if given and a.cloud_cores is None:
        p.error("%s: needs --cloud-cores" % ", ".join(given))
    if a.cloud_cores is not None:
        a.cloud_speed = 40e9 if a.cloud_speed is None else a.cloud_speed
        a.wan_bps = 1e9 if a.wan_bps is None else a.wan_bps
        a.wan_latency = 0.03 if a.wan_latency is None else a.wan_latency
    names = {k for k, _ in a.set}
    clash = names & {"policy", "policy_args", "seed", "tasks_per_md", "arrivals", "slot", "rate"}
    if clash:
        p.error("--set %s: use the dedicated option instead" % ", ".join(sorted(clash)))
    bs_opts = {"--bs-spacing": a.bs_spacing, "--bs-fiber-bps": a.bs_fiber_bps,
               "--bs-fiber-latency": a.bs_fiber_latency, "--metro-bps": a.metro_bps,
               "--metro-latency": a.metro_latency}
    given = [k for k, v in bs_opts.items() if v is not None]
    if given and a.n_bs == 1:
        p.error("%s: needs --n-bs > 1" % ", ".join(given))
    if (a.metro_bps is not None or a.metro_latency is not None) and a.cloud_cores is None:
        p.error("--metro-bps, --metro-latency: need --cloud-cores")
    a.area_box = None
    if a.n_bs > 1:
        a.bs_spacing = 200.0 if a.bs_spacing is None else a.bs_spacing
        a.bs_fiber_bps = 10e9 if a.bs_fiber_bps is None else a.bs_fiber_bps
        a.bs_fiber_latency = 1e-4 if a.bs_fiber_latency is None else a.bs_fiber_latency
        a.metro_bps = 10e9 if a.metro_bps is None else a.metro_bps
        a.metro_latency = 5e-4 if a.metro_latency is None else a.metro_latency
        clash = names & {"bs_x", "bs_y", "mobility_area"}
        if clash:
            p.error("--set %s: with --n-bs > 1 the BS positions come from --bs-spacing and the area from --area"
                    % ", ".join(sorted(clash)))
        if dict(a.set).get("cell") == "wifi":
            p.error("--set cell=wifi: mecsim refuses the Wi-Fi cell with several base stations")
        d, b = a.bs_spacing, a.n_bs
        if a.area is None:
            a.area_box = (-d / 2, -d / 4, (b - 1) * d + d / 2, d / 4)
            a.area = ",".join("%.12g" % v for v in a.area_box)
        else:
            try:
                box = tuple(float(v) for v in a.area.split(","))
                if len(box) != 4 or not all(abs(v) < float("inf") for v in box) \
                        or not (box[0] < box[2] and box[1] < box[3]):
                    raise ValueError
            except ValueError:
                p.error("--area %s: expected XMIN,YMIN,XMAX,YMAX in m with XMIN < XMAX and YMIN < YMAX" % a.area)
            a.area_box = box
    mob = {"--speed": a.speed, "--pause": a.pause, "--mobility-update": a.mobility_update,
           "--mobility-file": a.mobility_file}
    if a.n_bs == 1:
        mob["--area"] = a.area  # several BSs: the area also places static devices
    given = [k for k, v in mob.items() if v is not None]
    if given and a.mobility in (None, "static"):
        p.error("%s: needs --mobility rwp, gauss-markov or trace" % ", ".join(given))
    if a.pause is not None and a.mobility != "rwp":
        p.error("--pause: for --mobility rwp only")
    if a.speed is not None and a.mobility == "trace":
        p.error("--speed: for --mobility rwp or gauss-markov (a trace gives the positions)")
    if a.mobility == "gauss-markov" and a.speed is not None:
        try:
            if not float(a.speed) >= 0:
                raise ValueError
        except ValueError:
            p.error("--speed %s: gauss-markov takes a mean speed in m/s (a number >= 0)" % a.speed)
    if (a.mobility == "trace") != (a.mobility_file is not None):
        p.error("--mobility trace and --mobility-file go together")
    if a.mobility is not None and names & {"mobility", "rwp_speed", "rwp_pause", "gm_mean_speed", "mobility_update",
                                           "mobility_file", "mobility_area"}:
        p.error("--set of a mobility knob: use the dedicated --mobility options instead")
    if a.arrivals is None:
        a.arrivals = "slotted" if a.slot is not None else "poisson"
    a.ignored = None
    if a.arrivals == "slotted" and a.rate is not None:
        a.ignored, a.rate = "--rate (for --arrivals poisson; slotted arrivals take --slot)", None
    if a.arrivals == "poisson" and a.slot is not None:
        a.ignored, a.slot = "--slot (for --arrivals slotted; Poisson arrivals take --rate)", None
    try:
        a.est = estimate(a)
    except ValueError as e:
        p.error(str(e))
    prefix = "mec_N%d_M%d" % (a.n_md, a.n_servers) if a.n_bs == 1 else "mec_N%d_B%d_M%d" % (a.n_md, a.n_bs, a.n_servers)
    a.platform = a.platform or prefix + ".platform.xml"
    a.deployment = a.deployment or prefix + ".deployment.xml"
    return a


def speed_classes(a):
    """[(first, last, speed)]: contiguous MD index ranges and their speed."""
    lo, hi = a.md_speed
    k = 1 if lo == hi else min(a.md_classes, a.n_md)
    rng = random.Random(a.seed)
    out = []
    for c in range(k):
        first = c * a.n_md // k
        last = (c + 1) * a.n_md // k - 1
        speed = lo if k == 1 else round(rng.uniform(lo, hi), -3)  # to 1 kHz: readable files
        out.append((first, last, speed))
    return out


def server_speed_list(a):
    if isinstance(a.server_speed, list):
        return a.server_speed
    lo, hi = a.server_speed
    m = a.n_servers
    return [lo + (hi - lo) * s / (m - 1) if m > 1 else lo for s in range(m)]


def bytes_per_s(bps):
    return "%.12gBps" % (bps / 8.0)


def flops(v):
    return "%.12gf" % v


# mecsim's defaults of the knobs the load estimate needs (src/model/scenario.c, mecsim --list-knobs).
KNOB_DEFAULTS = {
    "bandwidth": "20e6", "share_users": "0", "noise_dbm_hz": "-174", "path_gain_db": "-40", "l0": "1",
    "path_loss_exp": "4", "md_tx_power": "0.5", "bs_tx_power": "1", "cell_radius": "100", "ctrl_bits": "0",
    "task_bits": "uniform:2.4e6:4e6", "task_cycles": "uniform:8e8:1.2e9", "result_bits": "const:8e3",
    "forward": "via-first", "handover_hysteresis_db": "3",
}


def dist_mean(name, text):
    """Mean of a mecsim distribution string (src/model/dist.h): X, const:X, uniform:A:B, exp:M,
    normal:MU:SIGMA (about MU), lognormal:MU:SIGMA."""
    parts = text.split(":")
    try:
        v = [float(x) for x in parts[1:]] if len(parts) > 1 else [float(parts[0])]
    except ValueError:
        raise ValueError("--set %s=%s: not a distribution (X, const:X, uniform:A:B, exp:M, normal:MU:S, "
                         "lognormal:MU:S)" % (name, text))
    kind = parts[0] if len(parts) > 1 else "const"
    n = {"const": 1, "uniform": 2, "exp": 1, "normal": 2, "lognormal": 2}.get(kind)
    if n is None or len(v) != n:
        raise ValueError("--set %s=%s: not a distribution (X, const:X, uniform:A:B, exp:M, normal:MU:S, "
                         "lognormal:MU:S)" % (name, text))
    if kind == "uniform":
        return (v[0] + v[1]) / 2
    if kind == "lognormal":
        return math.exp(v[0] + v[1] ** 2 / 2)
    return v[0]


def shannon_bps(b, p, g, n0):
    return b * math.log2(1 + p * g / (b * n0))


def round_sig(x, up):
    """x to 2 significant digits, rounded up or down."""
    e = 10.0 ** (math.floor(math.log10(x)) - 1)
    q = x / e
    q = math.ceil(q - 1e-9) if up else math.floor(q + 1e-9)
    return float("%.2g" % (q * e))


def random_p_local(a, n_servers):
    """The share of tasks policy random keeps local: its p_local argument, else 1 / (n_servers + 1)."""
    p_local = 1.0 / (n_servers + 1)
    for kv in a.policy_args.split(","):
        if kv.strip().startswith("p_local="):
            try:
                p_local = float(kv.split("=", 1)[1])
            except ValueError:
                pass
    return p_local


def estimate(a):
    """Per-device task rate and each resource's utilisation (the cell's load estimate).

    Each resource's utilisation is linear in the per-device task rate lam: util = coef * lam. Returns a dict
    with lam, the knob values written (slot or rate) and the resources as (name, coef, util)."""
    knobs = dict(KNOB_DEFAULTS)
    knobs.update(dict(a.set))

    def num(k):
        try:
            return float(knobs[k])
        except ValueError:
            raise ValueError("--set %s=%s: not a number" % (k, knobs[k]))

    n, m = a.n_md, a.n_servers
    bits, cycles = dist_mean("task_bits", knobs["task_bits"]), dist_mean("task_cycles", knobs["task_cycles"])
    result = dist_mean("result_bits", knobs["result_bits"])
    ctrl = num("ctrl_bits")
    servers = server_speed_list(a)
    cap = [f * a.server_cores for f in servers]
    md_min = min(speed for _, _, speed in speed_classes(a))
    if a.n_bs > 1:
        return estimate_bs(a, num, bits, cycles, result, ctrl, servers, cap, md_min)
    # How the policy splits the tasks: the share kept local and each server's share.
    pol = a.policy
    p_local = 0.0
    if pol == "local":
        p_local, split, how = 1.0, [0.0] * m, "all local"
    elif pol in ("random", "round-robin"):
        if pol == "random":
            p_local = random_p_local(a, m)
        split, how = [(1 - p_local) / m] * m, "uniform over the servers, %.3g local" % p_local
    elif pol == "offload-nearest":
        split, how = [1.0] + [0.0] * (m - 1), "all on server 1"
    else:
        split, how = [c / sum(cap) for c in cap], "balanced over the servers by speed, none local (estimate)"
    # Radio: each device's share of the band at the cell edge (the worst placement).
    share = int(num("share_users")) or n
    b = num("bandwidth") / share
    n0 = 10 ** ((num("noise_dbm_hz") - 30) / 10)
    g = 10 ** (num("path_gain_db") / 10) * (num("l0") / max(num("cell_radius"), num("l0"))) ** num("path_loss_exp")
    up, down = shannon_bps(b, num("md_tx_power"), g, n0), shannon_bps(b, num("bs_tx_power"), g, n0)
    radio_s = (bits + ctrl) / up + (result + ctrl) / down
    res = [("servers in total", n * (1 - p_local) * cycles / sum(cap))]
    busiest = max(range(m), key=lambda s: split[s] / cap[s])
    res.append(("busiest server (es-%d)" % (busiest + 1), n * split[busiest] * cycles / cap[busiest]))
    res.append(("each device's radio at the cell edge", radio_s))
    res.append(("slowest device CPU", p_local * cycles / md_min))
    res.append(("fiber BS - server 1", n * (1 - p_local) * (bits + result) / a.fiber_bps))
    if m > 1:
        fwd = max(split[1:])
        res.append(("busiest fiber server 1 - server m", n * fwd * (bits + result) / a.mu_bps))
    return finish_estimate(a, res, {"how": how, "share": share, "up": up, "radio_s": radio_s,
                                    "offered_per_lam": n * cycles, "capacity": sum(cap)})


def finish_estimate(a, res, e):
    """The per-device rate (or slot) from the resources' coefficients res [(name, coef)]: the automatic one
    keeps the busiest at --load; a given --rate or --slot is kept. Completes and returns the estimate e."""
    worst = max(c for _, c in res)
    lam_auto = a.load / worst
    if a.arrivals == "slotted":
        auto = a.slot is None
        a.slot = round_sig(1 / lam_auto, up=True) if auto else a.slot
        lam = 1 / a.slot
    else:
        auto = a.rate is None
        a.rate = round_sig(lam_auto, up=False) if auto else a.rate
        lam = a.rate
    e.update({"lam": lam, "auto": auto, "offered": e.pop("offered_per_lam") * lam,
              "res": [(k, c, c * lam) for k, c in res]})
    return e


def bs_positions(a):
    """[(x, y)] of the BSs, m: a corridor along x, D apart."""
    return [(k * a.bs_spacing, 0.0) for k in range(a.n_bs)]


def nearest_bs(a, x):
    """Index of the BS nearest to a point of abscissa x (the BSs are on the x axis: the cells are the
    vertical strips between the midpoints)."""
    return min(max(int(math.floor(x / a.bs_spacing + 0.5)), 0), a.n_bs - 1)


def worst_nearest_distance(a):
    """The largest distance from a point of the area to its nearest BS, m. Along a horizontal line the
    distance to the nearest BS is largest at an end of the area or midway between two BSs, and it grows
    with |y|: the candidates are those abscissas at the area's top and bottom."""
    x0, y0, x1, y1 = a.area_box
    d = a.bs_spacing
    xs = [x0, x1] + [(k + 0.5) * d for k in range(a.n_bs - 1) if x0 < (k + 0.5) * d < x1]
    pos = bs_positions(a)
    return max(min(math.hypot(x - bx, y - by) for bx, by in pos) for x in xs for y in (y0, y1))


def inverse_speed_mean(text):
    """E[1/V] of an rwp speed distribution (docs/mobility.md), None if unknown or infinite."""
    parts = text.split(":")
    try:
        v = [float(x) for x in parts[1:]] if len(parts) > 1 else [float(parts[0])]
    except ValueError:
        return None
    kind = parts[0] if len(parts) > 1 else "const"
    if kind == "const" and len(v) == 1 and v[0] > 0:
        return 1 / v[0]
    if kind == "uniform" and len(v) == 2 and 0 < v[0] < v[1]:
        return math.log(v[1] / v[0]) / (v[1] - v[0])
    if kind == "uniform" and len(v) == 2 and 0 < v[0] == v[1]:
        return 1 / v[0]
    if kind == "lognormal" and len(v) == 2:
        return math.exp(-v[0] + v[1] ** 2 / 2)
    return None


def cell_shares(a):
    """Expected share of the devices nearest to each BS, and how it was computed. Uniform over the area
    (static placement; gauss-markov and traces taken as uniform too); rwp: its stationary law, a mix of the
    paused devices (uniform) and the moving ones, whose law is that of a point uniform on a leg drawn with
    a density proportional to its length (docs/mobility.md), estimated from 20000 legs drawn with a fixed
    seed. Hysteresis (handover) is not counted: it moves devices between neighbours both ways."""
    x0, y0, x1, y1 = a.area_box
    d, b = a.bs_spacing, a.n_bs
    uni = []
    for k in range(b):
        lo = x0 if k == 0 else max(x0, (k - 0.5) * d)
        hi = x1 if k == b - 1 else min(x1, (k + 0.5) * d)
        uni.append(max(hi - lo, 0.0) / (x1 - x0))
    if a.mobility != "rwp":
        return uni, "uniform over the area"
    rng = random.Random(1)
    moving, total_len = [0.0] * b, 0.0
    for _ in range(20000):
        ax, ay = rng.uniform(x0, x1), rng.uniform(y0, y1)
        bx, by = rng.uniform(x0, x1), rng.uniform(y0, y1)
        w = math.hypot(bx - ax, by - ay)
        u = rng.random()
        moving[nearest_bs(a, ax + u * (bx - ax))] += w
        total_len += w
    moving = [w / total_len for w in moving]
    mean_leg = total_len / 20000
    inv_v = inverse_speed_mean(a.speed if a.speed is not None else "uniform:0.5:1.5")
    try:
        pause = dist_mean("rwp_pause", a.pause if a.pause is not None else "const:0")
    except ValueError:
        pause = 0.0
    paused = pause / (pause + mean_leg * inv_v) if inv_v is not None and pause > 0 else 0.0
    return ([paused * u + (1 - paused) * v for u, v in zip(uni, moving)],
            "rwp stationary law, %.3g paused" % paused)


def estimate_bs(a, num, bits, cycles, result, ctrl, servers, cap, md_min):
    """The load estimate of a corridor of several BSs (see estimate): per cell, with the devices split over
    the cells as cell_shares says. T[i][j] is the rate of tasks (per unit of lam) from the devices attached
    to BS i to the edge servers of BS j; w[k] the share of a BS's tasks that its server k+1 gets."""
    n, m, nb = a.n_md, a.n_servers, a.n_bs
    shares, law = cell_shares(a)
    pol = a.policy
    p_local = 0.0
    if pol == "local":
        p_local, w, how = 1.0, [0.0] * m, "all local"
    elif pol in ("random", "round-robin"):
        if pol == "random":
            p_local = random_p_local(a, nb * m)
        w, how = [1.0 / m] * m, "uniform over the %d edge servers of all BSs, %.3g local" % (nb * m, p_local)
    elif pol == "offload-nearest":
        w, how = [1.0] + [0.0] * (m - 1), "all on server 1 of the device's BS"
    else:
        w = [c / sum(cap) for c in cap]
        how = "balanced over the servers of the device's BS by speed, none local (estimate)"
    off = n * (1 - p_local)
    if pol in ("random", "round-robin"):
        t = [[off * shares[i] / nb for _ in range(nb)] for i in range(nb)]
    else:
        t = [[off * shares[i] if i == j else 0.0 for j in range(nb)] for i in range(nb)]
    into = [sum(t[i][j] for i in range(nb)) for j in range(nb)]
    # Radio: the busiest cell's devices share its band; at the worst distance to the nearest BS (moving
    # devices: farther by the hysteresis margin, a device leaves its BS only for a gain that much higher).
    busy = max(range(nb), key=lambda k: shares[k])
    n_cell = max(1, int(math.ceil(shares[busy] * n - 1e-9)))
    share = int(num("share_users")) or n_cell
    bw = num("bandwidth") / share
    n0 = 10 ** ((num("noise_dbm_hz") - 30) / 10)
    edge = worst_nearest_distance(a)
    hyst = num("handover_hysteresis_db") if a.mobility not in (None, "static") else 0.0
    dist = edge * 10 ** (hyst / (10 * num("path_loss_exp")))
    g = 10 ** (num("path_gain_db") / 10) * (num("l0") / max(dist, num("l0"))) ** num("path_loss_exp")
    up, down = shannon_bps(bw, num("md_tx_power"), g, n0), shannon_bps(bw, num("bs_tx_power"), g, n0)
    radio_s = (bits + ctrl) / up + (result + ctrl) / down
    res = [("servers in total", off * cycles / (nb * sum(cap)))]
    sb, sk = max(((j, k) for j in range(nb) for k in range(m)), key=lambda jk: into[jk[0]] * w[jk[1]] / cap[jk[1]])
    res.append(("busiest server (es-%d-%d)" % (sb, sk + 1), into[sb] * w[sk] * cycles / cap[sk]))
    res.append(("each device's radio at the cell edge", radio_s))
    res.append(("slowest device CPU", p_local * cycles / md_min))
    fb = max(range(nb), key=lambda j: into[j])
    res.append(("fiber bs-%d - its server 1" % fb, into[fb] * (bits + result) / a.fiber_bps))
    if m > 1:
        k = max(range(1, m), key=lambda k: w[k])
        res.append(("busiest fiber server 1 - server m", into[fb] * w[k] * (bits + result) / a.mu_bps))
    cross = [sum(t[i][j] for i in range(nb) for j in range(nb) if min(i, j) <= k < max(i, j)) for k in range(nb - 1)]
    ck = max(range(nb - 1), key=lambda k: cross[k])
    res.append(("fiber bs-%d - bs-%d" % (ck, ck + 1), cross[ck] * (bits + result) / a.bs_fiber_bps))
    cells = ("cells: %d BSs %.6g m apart, area %s; busiest cell bs-%d with %.1f %% of the devices (%s), about %d; "
             "worst distance to the nearest BS %.4g m%s" % (
                 nb, a.bs_spacing, a.area, busy, 100 * shares[busy], law, n_cell, edge,
                 ", %.4g m with the %.3g dB handover hysteresis" % (dist, hyst) if hyst > 0 else ""))
    return finish_estimate(a, res, {"how": how, "share": share, "up": up, "radio_s": radio_s,
                                    "offered_per_lam": n * cycles,
                                    "capacity": nb * sum(cap), "cells": cells})


def load_lines(a):
    e = a.est
    what = ("slot %.6g s" % a.slot) if a.arrivals == "slotted" else ("rate %.6g tasks/s per MD" % a.rate)
    lines = ["workload: %s arrivals, %s (%s), %d tasks per MD" % (
        a.arrivals, what, "automatic, --load %g" % a.load if e["auto"] else "given", a.tasks)]
    lines.append("offered load %.4g cycles/s = %.1f %% of the servers' %.4g cycles/s; policy %s: %s" % (
        e["offered"], 100 * e["offered"] / e["capacity"], e["capacity"], a.policy, e["how"]))
    lines.append("radio: band W/%d, uplink %.4g bit/s at the cell edge, %.4g s of radio per task" % (
        e["share"], e["up"], e["radio_s"]))
    lines.append("utilisation: " + ", ".join("%s %.1f %%" % (k, 100 * u) for k, _, u in e["res"]))
    if "cells" in e:
        lines.insert(2, e["cells"])
    return lines


def overloaded(a):
    return [(k, u) for k, _, u in a.est["res"] if u >= 1]


def write_platform(a, out):
    classes = speed_classes(a)
    servers = server_speed_list(a)
    w = out.write
    w("<?xml version='1.0'?>\n")
    w('<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">\n')
    if a.n_bs > 1:
        w("<!-- Written by platforms/generate.py: %d mobile devices (MDs), %d base stations %.6g m apart along x\n"
          "     (bs-0 .. bs-%d), each with %d edge servers of its own%s.\n"
          % (a.n_md, a.n_bs, a.bs_spacing, a.n_bs - 1, a.n_servers, ", and a cloud" if a.cloud_cores else ""))
    else:
        w("<!-- Written by platforms/generate.py: %d mobile devices (MDs), %d edge servers.\n" % (a.n_md, a.n_servers))
    w("     An MD host's speed is its CPU in cycles/s; its loopback link is its radio link (bandwidth set\n")
    w("     by mecsim's radio model before each transfer; the value here is a placeholder). -->\n")
    w('<platform version="4.1">\n')
    w('  <zone id="world" routing="Full">\n')
    for c, (first, last, speed) in enumerate(classes):
        w("    <!-- MDs md-%d .. md-%d at %.6g MHz. loopback = the MD's radio link; the private links (bw, lat)\n"
          "         and the backbone are required by <cluster> but never used by mecsim -->\n"
          % (first, last, speed / 1e6))
        w('    <cluster id="mds-%d" prefix="md-" suffix="" radical="%d-%d" speed="%s"\n'
          '             bw="1GBps" lat="0" loopback_bw="1MBps" loopback_lat="0"/>\n'
          % (c, first, last, flops(speed)))
    if a.n_bs > 1:
        write_core_bs(a, w, servers)
        w("  </zone>\n")
        w("</platform>\n")
        return
    w('    <!-- the BS and the edge servers, joined by fiber -->\n')
    w('    <zone id="core" routing="Full">\n')
    w('      <host id="bs" speed="%s"/> <!-- BS: runs the controller\'s decisions -->\n' % flops(a.bs_speed))
    for s, speed in enumerate(servers):
        w('      <host id="es-%d" speed="%s" core="%d"/>\n' % (s + 1, flops(speed), a.server_cores))
    if a.cloud_cores is not None:
        w('      <!-- the cloud (server %d, tier cloud): %d cores of %.6g cycles/s -->\n'
          % (a.n_servers + 1, a.cloud_cores, a.cloud_speed))
        w('      <host id="cloud" speed="%s" core="%d"/>\n' % (flops(a.cloud_speed), a.cloud_cores))
    w('      <!-- fiber BS - server 1: %.6g bit/s -->\n' % a.fiber_bps)
    w('      <link id="fiber-bs-1" bandwidth="%s" latency="%.17gs"/>\n' % (bytes_per_s(a.fiber_bps), a.fiber_latency))
    if a.n_servers > 1:
        w('      <!-- fiber server 1 - server m: mu = %.6g bit/s -->\n' % a.mu_bps)
    for s in range(2, a.n_servers + 1):
        w('      <link id="fiber-1-%d" bandwidth="%s" latency="%.17gs"/>\n' % (s, bytes_per_s(a.mu_bps), a.mu_latency))
    if a.cloud_cores is not None:
        w('      <!-- WAN BS - cloud: %.6g bit/s, %.6g s -->\n' % (a.wan_bps, a.wan_latency))
        w('      <link id="wan" bandwidth="%s" latency="%.17gs"/>\n' % (bytes_per_s(a.wan_bps), a.wan_latency))
    w('      <route src="bs" dst="es-1"><link_ctn id="fiber-bs-1"/></route>\n')
    for s in range(2, a.n_servers + 1):
        w('      <route src="es-1" dst="es-%d"><link_ctn id="fiber-1-%d"/></route> <!-- forward=via-first hop -->\n'
          % (s, s))
        w('      <route src="bs" dst="es-%d"><link_ctn id="fiber-bs-1"/><link_ctn id="fiber-1-%d"/></route>'
          ' <!-- forward=direct -->\n' % (s, s))
    if a.cloud_cores is not None:
        w('      <route src="bs" dst="cloud"><link_ctn id="wan"/></route> <!-- the cloud, either forward -->\n')
    w("    </zone>\n")
    w("  </zone>\n")
    w("</platform>\n")


def write_core_bs(a, w, servers):
    """The zone of several BSs (a corridor), their servers and the cloud, with every route mecsim needs."""
    nb, m = a.n_bs, a.n_servers
    w('    <!-- the BSs, each with its edge servers; fiber between neighbouring BSs -->\n')
    w('    <zone id="core" routing="Full">\n')
    for b in range(nb):
        w('      <!-- bs-%d at (%.12g, 0) m: runs its cell\'s controller; servers %d .. %d -->\n'
          % (b, b * a.bs_spacing, b * m + 1, b * m + m))
        w('      <host id="bs-%d" speed="%s"/>\n' % (b, flops(a.bs_speed)))
        for s, speed in enumerate(servers):
            w('      <host id="es-%d-%d" speed="%s" core="%d"/>\n' % (b, s + 1, flops(speed), a.server_cores))
    if a.cloud_cores is not None:
        w('      <!-- the cloud (server %d, tier cloud): %d cores of %.6g cycles/s -->\n'
          % (nb * m + 1, a.cloud_cores, a.cloud_speed))
        w('      <host id="cloud" speed="%s" core="%d"/>\n' % (flops(a.cloud_speed), a.cloud_cores))
    w('      <!-- fiber each BS - its server 1: %.6g bit/s; its server 1 - server m: mu = %.6g bit/s -->\n'
      % (a.fiber_bps, a.mu_bps))
    for b in range(nb):
        w('      <link id="fiber-%d-bs-1" bandwidth="%s" latency="%.17gs"/>\n'
          % (b, bytes_per_s(a.fiber_bps), a.fiber_latency))
        for s in range(2, m + 1):
            w('      <link id="fiber-%d-1-%d" bandwidth="%s" latency="%.17gs"/>\n'
              % (b, s, bytes_per_s(a.mu_bps), a.mu_latency))
    w('      <!-- fiber between neighbouring BSs: %.6g bit/s, %.6g s each -->\n' % (a.bs_fiber_bps, a.bs_fiber_latency))
    for b in range(nb - 1):
        w('      <link id="fiber-bs-%d-bs-%d" bandwidth="%s" latency="%.17gs"/>\n'
          % (b, b + 1, bytes_per_s(a.bs_fiber_bps), a.bs_fiber_latency))
    if a.cloud_cores is not None:
        w('      <!-- towards the cloud: a metro link per BS (%.6g bit/s, %.6g s), then the WAN (%.6g bit/s, %.6g s)'
          ' -->\n' % (a.metro_bps, a.metro_latency, a.wan_bps, a.wan_latency))
        for b in range(nb):
            w('      <link id="metro-%d" bandwidth="%s" latency="%.17gs"/>\n'
              % (b, bytes_per_s(a.metro_bps), a.metro_latency))
        w('      <link id="wan" bandwidth="%s" latency="%.17gs"/>\n' % (bytes_per_s(a.wan_bps), a.wan_latency))
    for b in range(nb):
        w('      <!-- cell of bs-%d -->\n' % b)
        w('      <route src="bs-%d" dst="es-%d-1"><link_ctn id="fiber-%d-bs-1"/></route>\n' % (b, b, b))
        for s in range(2, m + 1):
            w('      <route src="es-%d-1" dst="es-%d-%d"><link_ctn id="fiber-%d-1-%d"/></route>'
              ' <!-- forward=via-first hop -->\n' % (b, b, s, b, s))
            w('      <route src="bs-%d" dst="es-%d-%d"><link_ctn id="fiber-%d-bs-1"/><link_ctn id="fiber-%d-1-%d"/>'
              '</route> <!-- forward=direct -->\n' % (b, b, s, b, b, s))
        if a.cloud_cores is not None:
            w('      <route src="bs-%d" dst="cloud"><link_ctn id="metro-%d"/><link_ctn id="wan"/></route>'
              ' <!-- the cloud, either forward -->\n' % (b, b))
    w('      <!-- between every two BSs, along the chain -->\n')
    for i in range(nb):
        for j in range(i + 1, nb):
            links = "".join('<link_ctn id="fiber-bs-%d-bs-%d"/>' % (k, k + 1) for k in range(i, j))
            w('      <route src="bs-%d" dst="bs-%d">%s</route>\n' % (i, j, links))
    w("    </zone>\n")


def write_deployment(a, out):
    w = out.write
    w("<?xml version='1.0'?>\n")
    w('<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">\n')
    w("<!-- Written by platforms/generate.py for %s. base_station <prop>s are scenario knobs\n"
      "     (mecsim's list-knobs option lists them); the command line overrides them.\n" % a.platform)
    w("     Load estimate (generate.py, with mecsim's knob defaults and the set options):\n")
    for line in load_lines(a):
        w("     %s\n" % line.replace("--", "-"))  # no double hyphen in an XML comment
    w("-->\n")
    if a.n_bs > 1:
        w("<!-- %d base stations: the first (bs-0) carries the knobs, its position bs_x, bs_y and the area devices\n"
          "     are placed or move in (mobility_area); the others only their position. Each edge_server names\n"
          "     its BS (bs); the devices attach to the BS of the best channel (docs/mobility.md). -->\n" % a.n_bs)
    w('<platform version="4.1">\n')
    w('  <actor host="%s" function="base_station">\n' % ("bs" if a.n_bs == 1 else "bs-0"))
    knobs = [("policy", a.policy), ("policy_args", a.policy_args), ("seed", str(a.seed)),
             ("tasks_per_md", str(a.tasks)), ("arrivals", a.arrivals)]
    knobs.append(("slot", repr(a.slot)) if a.arrivals == "slotted" else ("rate", repr(a.rate)))
    if not a.md_actors:
        knobs.append(("md_hosts", "md-"))
    if a.mobility is not None:
        knobs.append(("mobility", a.mobility))
        if a.speed is not None:
            knobs.append(("rwp_speed" if a.mobility == "rwp" else "gm_mean_speed", a.speed))
        for k, v in (("rwp_pause", a.pause), ("mobility_area", a.area), ("mobility_file", a.mobility_file),
                     ("mobility_update", None if a.mobility_update is None else repr(a.mobility_update))):
            if v is not None:
                knobs.append((k, v))
    if a.n_bs > 1:
        if a.mobility is None:
            knobs.append(("mobility_area", a.area))
        knobs += [("bs_x", "0"), ("bs_y", "0")]
    knobs += list(a.set)
    for k, v in knobs:
        if k == "policy_args" and not v:
            continue
        w("    <prop id=%s value=%s/>\n" % (quoteattr(k), quoteattr(v)))
    w("  </actor>\n")
    if a.n_bs > 1:
        for b in range(1, a.n_bs):
            w('  <actor host="bs-%d" function="base_station"><prop id="bs_x" value="%.12g"/><prop id="bs_y" value="0"/>'
              '</actor>\n' % (b, b * a.bs_spacing))
        for b in range(a.n_bs):
            for s in range(1, a.n_servers + 1):
                w('  <actor host="es-%d-%d" function="edge_server"><prop id="id" value="%d"/>'
                  '<prop id="bs" value="bs-%d"/></actor>\n' % (b, s, b * a.n_servers + s, b))
    else:
        for s in range(1, a.n_servers + 1):
            w('  <actor host="es-%d" function="edge_server"><prop id="id" value="%d"/></actor>\n' % (s, s))
    if a.cloud_cores is not None:
        w('  <actor host="cloud" function="edge_server"><prop id="id" value="%d"/><prop id="tier" value="cloud"/>'
          '</actor>\n' % (a.n_bs * a.n_servers + 1))
    if a.md_actors:
        w("  <!-- MDs, numbered 0..%d in this order -->\n" % (a.n_md - 1))
        for i in range(a.n_md):
            w('  <actor host="md-%d" function="mobile_device"/>\n' % i)
    else:
        w("  <!-- MDs: the hosts md-0 .. md-%d (base_station property md_hosts) -->\n" % (a.n_md - 1))
    w("</platform>\n")


def main(argv):
    a = parse_args(argv)
    for path, writer in ((a.platform, write_platform), (a.deployment, write_deployment)):
        try:
            with open(path, "w") as f:
                writer(a, f)
        except OSError as e:
            print("generate.py: cannot write %s: %s" % (path, e.strerror), file=sys.stderr)
            return 1
    if a.n_bs > 1:
        print("generate.py: wrote %s and %s (%d MDs, %d BSs with %d servers each)"
              % (a.platform, a.deployment, a.n_md, a.n_bs, a.n_servers))
    else:
        print("generate.py: wrote %s and %s (%d MDs, %d servers)" % (a.platform, a.deployment, a.n_md, a.n_servers))
    for line in load_lines(a):
        print("generate.py: " + line)
    if a.ignored:
        print("generate.py: warning: ignored %s" % a.ignored, file=sys.stderr)
    over = overloaded(a)
    if over:
        print("generate.py: warning: the cell is overloaded (%s): its backlog grows until mecsim stops at its "
              "in-flight limit (docs/model.md, Overload)" % ", ".join("%s %.0f %%" % (k, 100 * u) for k, u in over),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
