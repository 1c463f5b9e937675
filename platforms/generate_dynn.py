#!/usr/bin/python3
"""Write the DyNN paper's MEC cell (Ma et al., Section V and Table II) as a mecsim platform and
deployment: N users, each with its own distance l_i ~ U[5, 500] m and local CPU f_loc ~ U[0.01, 0.15]
GHz drawn from --seed, one edge server of f_ser cycles/s whose CPU the policy shares among the
offloaded tasks, and a base-station host that runs the resource-management networks at f_infer
(the paper runs them on the server: f_infer = f_ser unless --infer-speed is given).

    /usr/bin/python3 platforms/generate_dynn.py --n-md 30 --seed 7 \\
        --platform /tmp/dynn.xml --deployment /tmp/dynn-dep.xml
    build/mecsim /tmp/dynn.xml /tmp/dynn-dep.xml --policy dynn --model dynn.h5

platforms/dynn_cell.xml and deployments/dynn_cell.xml are this script's output with its defaults.
Standard library only.
"""
import argparse
import random
import sys
from xml.sax.saxutils import quoteattr

PAPER = ("the DyNN paper (Ma et al., \"Dynamic Neural Network-Based Resource Management for Mobile Edge "
         "Computing in 6G Networks\")")


def positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number" % text)
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError("'%s' must be a positive finite number" % text)
    return v


def users(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not an integer" % text)
    if not 1 <= v <= 10000:
        raise argparse.ArgumentTypeError("'%s': expected 1..10000 users" % text)
    return v


def knob(text):
    if "=" not in text or text.startswith("="):
        raise argparse.ArgumentTypeError("'%s': expected KEY=VALUE (a knob of mecsim --list-knobs)" % text)
    return text.split("=", 1)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--n-md", type=users, default=30, help="number of users N (Table II: 30)")
    p.add_argument("--seed", type=int, default=1,
                   help="seed of the users' distances and CPUs, and the run seed (knob seed)")
    p.add_argument("--server-speed", type=positive_float, default=2.5e9,
                   help="f_ser, the server CPU shared among offloaded tasks, cycles/s (Table II: 2.5 GHz)")
    p.add_argument("--infer-speed", type=positive_float, default=None,
                   help="CPU running the decisions, cycles/s (default: = --server-speed, as in the paper)")
    p.add_argument("--floc", default="0.01e9:0.15e9",
                   help="f_loc range A:B in cycles/s (Section V: 0.01-0.15 GHz)")
    p.add_argument("--distance", default="5:500", help="distance range A:B in m (Table II: 5-500 m)")
    p.add_argument("--s-avg", type=positive_float, default=1000.0, help="mean task size s_avg, bits (1 kbit)")
    p.add_argument("--c-avg", type=positive_float, default=797.5, help="mean workload c_avg, cycles/bit")
    p.add_argument("--slots", type=users, default=100, help="slots (tasks per user; knob tasks_per_md)")
    p.add_argument("--slot", type=positive_float, default=0.2,
                   help="slot length, s (not in the paper; above the largest deadline, 160 ms)")
    p.add_argument("--policy", default="dynn-equal", help="offloading policy (mecsim --list-policies)")
    p.add_argument("--policy-args", default="", help="policy arguments \"key=value,...\"")
    p.add_argument("--model", default="", help="trained model file (knob model)")
    p.add_argument("--set", type=knob, action="append", default=[], metavar="KEY=VALUE",
                   help="any other scenario knob, repeatable")
    p.add_argument("--platform", default="-", help="platform file to write ('-': stdout)")
    p.add_argument("--deployment", default=None, help="deployment file to write (default: none)")
    a = p.parse_args(argv)
    for name in ("floc", "distance"):
        try:
            lo, hi = (float(x) for x in getattr(a, name).split(":"))
        except ValueError:
            p.error("--%s '%s': expected A:B" % (name, getattr(a, name)))
        if not (0 < lo <= hi < float("inf")):
            p.error("--%s '%s': expected 0 < A <= B" % (name, getattr(a, name)))
        setattr(a, name, (lo, hi))
    if a.infer_speed is None:
        a.infer_speed = a.server_speed
    return a


def draw_users(a):
    """(speed in cycles/s rounded to 1 kHz, distance in m rounded to 0.1 m) per user: the seed's
    stream draws speed then distance for user 0, then user 1, ..."""
    rnd = random.Random(a.seed)
    out = []
    for _ in range(a.n_md):
        f = round(rnd.uniform(*a.floc), -3)
        l = round(rnd.uniform(*a.distance), 1)
        out.append((f, l))
    return out


def write_platform(a, out):
    w = out.write
    w("<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n")
    w("<!-- The MEC cell of %s, Section V and Table II: %d users and one edge server.\n" % (PAPER, a.n_md))
    w("     Written by platforms/generate_dynn.py with n-md %d, seed %d, server-speed %g, infer-speed %g\n"
      % (a.n_md, a.seed, a.server_speed, a.infer_speed))
    w("     (users' f_loc ~ U[%g, %g] cycles/s and distance ~ U[%g, %g] m, drawn in that order per user\n"
      "     with Python random.Random(seed)). See docs/dynn.md.\n\n" % (a.floc + a.distance))
    w("     - An MD host's speed is its f_loc (1 flop = 1 cycle); its route to itself is its radio link,\n"
      "       whose bandwidth the radio model sets to the Shannon rate of the policy's share b_i before\n"
      "       each transfer (eq. 1); the value written here is a placeholder.\n"
      "     - es-1 is the server: one core of f_ser, shared among the offloaded tasks as the policy's CPU\n"
      "       shares f_i (executions bounded to f_i, started at once: eq. 2 without queueing while the\n"
      "       shares add up to at most f_ser).\n"
      "     - bs runs the decisions (inference: lambda MACs / f, eq. 9) at f_infer. The paper runs them\n"
      "       on the server; a separate host keeps a decision from slowing down the tasks executing at\n"
      "       that moment, which the paper does not model either. BS - server: 100 Gbit/s, no latency\n"
      "       (a 2 kbit task crosses it in 20 ns). -->\n")
    w('<platform version="4.1">\n  <zone id="cell" routing="Full">\n')
    for i, (f, l) in enumerate(draw_users(a)):
        w('    <host id="md-%d" speed="%.0ff"><prop id="distance" value="%g"/></host>\n' % (i, f, l))
    w('    <host id="bs" speed="%.6gf"/>\n' % a.infer_speed)
    w('    <host id="es-1" speed="%.6gf" core="1"/>\n' % a.server_speed)
    for i in range(a.n_md):
        w('    <link id="radio-%d" bandwidth="1MBps" latency="0"/>\n' % i)
    w('    <link id="fiber-bs-1" bandwidth="12.5GBps" latency="0"/>\n')
    for i in range(a.n_md):
        w('    <route src="md-%d" dst="md-%d"><link_ctn id="radio-%d"/></route>\n' % (i, i, i))
    w('    <route src="bs" dst="es-1"><link_ctn id="fiber-bs-1"/></route>\n')
    w("  </zone>\n</platform>\n")


def knobs(a):
    k = [
        ("policy", a.policy, "resource management (docs/dynn.md lists the DyNN policies)"),
        ("policy_args", a.policy_args, "policy arguments"),
        ("model", a.model, "trained DyNN model (mecsim-train-dynn)"),
        ("arrivals", "slotted", "one task per user at the start of every slot"),
        ("slot", "%g" % a.slot, "slot length, s (not in the paper)"),
        ("tasks_per_md", "%d" % a.slots, "slots"),
        ("decide", "per-slot", "the server decides for all users of a slot at once"),
        ("task_bits", "uniform:0:%g" % (2 * a.s_avg), "s_i ~ U[0, 2 s_avg]"),
        ("task_cycles_per_bit", "uniform:0:%g" % (2 * a.c_avg), "c_i ~ U[0, 2 c_avg]; a task has c_i s_i cycles"),
        ("result_bits", "const:0", "eq. 3 has no result download"),
        ("deadline", "uniform:0:0.16", "d_i ~ U[0, 160] ms"),
        ("bandwidth", "0.5e6", "b_max = 0.5 MHz"),
        ("md_tx_power", "0.1", "p = 0.1 W"),
        ("noise_dbm_hz", "-174", "sigma_0 = -174 dBm/Hz"),
        ("path_gain_db", "-40", "g0 = -40 dB"),
        ("l0", "1", "reference distance l0, m (not in the paper)"),
        ("path_loss_exp", "2.8", "h = 2.8"),
        ("kappa", "1e-24", "energy efficiency constant mu of eq. 6 (Table II says 1e-20: docs/dynn.md says why not)"),
        ("seed", "%d" % a.seed, "run seed"),
    ]
    given = dict(a.set)
    out = [(n, given.pop(n, v), c) for n, v, c in k]
    out += [(n, v, "--set") for n, v in given.items()]
    return out


def write_deployment(a, out):
    w = out.write
    w("<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n")
    w("<!-- Who runs where in the DyNN cell, and the workload of %s (Section V, Table II).\n" % PAPER)
    w("     Written by platforms/generate_dynn.py. base_station <prop>s are scenario knobs\n"
      "     (mecsim list-knobs option); the command line overrides them. -->\n")
    w('<platform version="4.1">\n  <actor host="bs" function="base_station">\n')
    for n, v, c in knobs(a):
        if n in ("model", "policy_args") and v == "":
            continue
        w('    <prop id=%s value=%s/> <!-- %s -->\n' % (quoteattr(n), quoteattr(v), c.replace("--", "- -")))
    w('  </actor>\n  <actor host="es-1" function="edge_server"><prop id="id" value="1"/></actor>\n')
    for i in range(a.n_md):
        w('  <actor host="md-%d" function="mobile_device"/>\n' % i)
    w("</platform>\n")


def main(argv):
    a = parse_args(argv)
    if a.platform == "-":
        write_platform(a, sys.stdout)
    else:
        with open(a.platform, "w") as f:
            write_platform(a, f)
    if a.deployment:
        with open(a.deployment, "w") as f:
            write_deployment(a, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
