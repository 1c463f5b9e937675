#!/usr/bin/python3
"""Write the TPOS cell (Gao et al.; docs/tpos.md, "In the simulation") as a mecsim platform and
deployment: N mobile devices at the reference clock of eq. 6 (1.152 GHz), each with its own radio,
and one edge server with B cores at the reference clock of eq. 7 (3.2 GHz) on the base station's
host; the radio of the paper's Fig. 4 with W = 2 MHz per MD; one DNN task per MD per period
(--slot, --tasks_per_md on the mecsim command line).

    /usr/bin/python3 platforms/generate_tpos.py --n-md 20 --cores 4 \\
        --platform /tmp/tpos.xml --deployment /tmp/tpos-dep.xml
    build/mecsim /tmp/tpos.xml /tmp/tpos-dep.xml --policy=tpos-cai --slot=0.9 --tasks_per_md=6

The cell is the one analysis/tpos_runs.py runs for the paper's figures: this is its command-line
entry (it calls that module's writers, so both always write the same cell). With --cores other
than 4, give the policy the same B (policy argument B).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "analysis"))
import tpos_runs  # noqa: E402  (the cell writers)

DNNS = ("alexnet", "vgg13", "vgg16", "lenet")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--n-md", type=int, default=20, help="mobile devices (default 20)")
    ap.add_argument("--cores", type=int, default=4, help="server cores = the game's B (default 4)")
    ap.add_argument("--dnn", default="alexnet", choices=DNNS, help="every MD's network (default alexnet)")
    ap.add_argument("--platform", required=True)
    ap.add_argument("--deployment", required=True)
    a = ap.parse_args(argv)
    if a.n_md < 1 or a.cores < 1:
        ap.error("--n-md and --cores must be >= 1")
    tpos_runs.write_platform(a.platform, a.n_md, cores=a.cores)
    tpos_runs.write_deployment(a.deployment, a.n_md, [a.dnn] * a.n_md)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
