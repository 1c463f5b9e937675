"""What the one-server cell generators share (generate_dynn.py, generate_memtl.py): option types,
the devices' draws, and the platform and deployment writers of a cell of N mobile devices with one
radio link each, a base-station host that runs the decisions and one edge server es-1 behind a
100 Gbit/s fiber. Each generator keeps its paper's numbers, comments and knobs. Standard library
only."""
import argparse
import random
import sys
from xml.sax.saxutils import quoteattr

HEAD = "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"


def positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number" % text)
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError("'%s' must be a positive finite number" % text)
    return v


def nonneg_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number" % text)
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError("'%s' must be a finite number >= 0" % text)
    return v


def count(lo, hi, what):
    """An argparse type: an integer in lo..hi ("expected lo..hi WHAT")."""
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError("'%s' is not an integer" % text)
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError("'%s': expected %d..%d %s" % (text, lo, hi, what))
        return v
    return parse


def knob(text):
    if "=" not in text or text.startswith("="):
        raise argparse.ArgumentTypeError("'%s': expected KEY=VALUE (a knob of mecsim --list-knobs)" % text)
    return text.split("=", 1)


def add_output_args(p):
    """--set, --platform, --deployment: the same in every generator."""
    p.add_argument("--set", type=knob, action="append", default=[], metavar="KEY=VALUE",
                   help="any other scenario knob, repeatable")
    p.add_argument("--platform", default="-", help="platform file to write ('-': stdout)")
    p.add_argument("--deployment", default=None, help="deployment file to write (default: none)")


def parse_ranges(p, a, names):
    """Turns each option of names ("A:B") into the pair (A, B) with 0 < A <= B < inf."""
    for name in names:
        try:
            lo, hi = (float(x) for x in getattr(a, name).split(":"))
        except ValueError:
            p.error("--%s '%s': expected A:B" % (name, getattr(a, name)))
        if not (0 < lo <= hi < float("inf")):
            p.error("--%s '%s': expected 0 < A <= B" % (name, getattr(a, name)))
        setattr(a, name, (lo, hi))


def draw_devices(seed, n, speed_range, distance_range):
    """(speed in cycles/s rounded to 1 kHz, distance in m rounded to 0.1 m) per device: the seed's
    stream draws speed then distance for device 0, then device 1, ..."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        f = round(rnd.uniform(*speed_range), -3)
        l = round(rnd.uniform(*distance_range), 1)
        out.append((f, l))
    return out


def write_platform(out, comment, devices, bs_speed, server_speed, server_cores=1):
    """comment: the text of the file's leading XML comment (without <!-- -->)."""
    w = out.write
    w(HEAD)
    w("<!-- %s -->\n" % comment)
    w('<platform version="4.1">\n  <zone id="cell" routing="Full">\n')
    for i, (f, l) in enumerate(devices):
        w('    <host id="md-%d" speed="%.0ff"><prop id="distance" value="%g"/></host>\n' % (i, f, l))
    w('    <host id="bs" speed="%.6gf"/>\n' % bs_speed)
    w('    <host id="es-1" speed="%.6gf" core="%d"/>\n' % (server_speed, server_cores))
    for i in range(len(devices)):
        w('    <link id="radio-%d" bandwidth="1MBps" latency="0"/>\n' % i)
    w('    <link id="fiber-bs-1" bandwidth="12.5GBps" latency="0"/>\n')
    for i in range(len(devices)):
        w('    <route src="md-%d" dst="md-%d"><link_ctn id="radio-%d"/></route>\n' % (i, i, i))
    w('    <route src="bs" dst="es-1"><link_ctn id="fiber-bs-1"/></route>\n')
    w("  </zone>\n</platform>\n")


def merge_knobs(defaults, given):
    """defaults: (name, value, comment) in file order; given: --set pairs, which replace a default's
    value or are appended with the comment "--set"."""
    given = dict(given)
    out = [(n, given.pop(n, v), c) for n, v, c in defaults]
    out += [(n, v, "--set") for n, v in given.items()]
    return out


def write_deployment(out, comment, knobs, n_md):
    """comment: the text of the leading XML comment; knobs: merge_knobs' list (an empty model or
    policy_args is left out)."""
    w = out.write
    w(HEAD)
    w("<!-- %s -->\n" % comment)
    w('<platform version="4.1">\n  <actor host="bs" function="base_station">\n')
    for n, v, c in knobs:
        if n in ("model", "policy_args") and v == "":
            continue
        w('    <prop id=%s value=%s/> <!-- %s -->\n' % (quoteattr(n), quoteattr(v), c.replace("--", "- -")))
    w('  </actor>\n  <actor host="es-1" function="edge_server"><prop id="id" value="1"/></actor>\n')
    for i in range(n_md):
        w('  <actor host="md-%d" function="mobile_device"/>\n' % i)
    w("</platform>\n")


def write_files(a, platform_fn, deployment_fn):
    """Writes a.platform ('-': stdout) and, if given, a.deployment with the two writers."""
    if a.platform == "-":
        platform_fn(a, sys.stdout)
    else:
        with open(a.platform, "w") as f:
            platform_fn(a, f)
    if a.deployment:
        with open(a.deployment, "w") as f:
            deployment_fn(a, f)
    return 0
