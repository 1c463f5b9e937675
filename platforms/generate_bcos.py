#!/usr/bin/python3
"""Write the BCOS paper's MEC cell (binary computation offloading with unsupervised deep learning,
Sections 3 and 5, Table 1) as a mecsim platform, deployment and task file: K mobile devices (MDs)
with fixed local CPUs f_k ~ U[1, 2] GHz and fixed cycles per bit C_k ~ U[200, 400], one task per MD
per slot of T = 0.5 s with B_k ~ U[100, 300] KB (KB = 1000 bytes: 8e5..2.4e6 bits), and one base
station whose edge server has "infinite capacity" (a very fast host with one core per MD behind a
fast fiber). The uplink is TDMA over the whole band, scheduled by the policy (bcos-opt, mcos).

    /usr/bin/python3 platforms/generate_bcos.py --n-md 6 --seed 3 --task-file /tmp/bcos-tasks.csv \\
        --platform /tmp/bcos.xml --deployment /tmp/bcos-dep.xml
    build/mecsim /tmp/bcos.xml /tmp/bcos-dep.xml --policy bcos-opt --policy-args guard=0.002

platforms/bcos_cell.xml, deployments/bcos_cell.xml and deployments/bcos_cell_tasks.csv are this
script's output with its defaults. The deployment names the task file by the path given to
--task-file-ref (default: --task-file's path relative to the deployment's directory); mecsim
opens a relative task file named in a deployment relative to the deployment's directory, so the
shipped deployment names bcos_cell_tasks.csv and runs from any directory.

Choices (docs/bcos.md):
  - C_k and f_k fixed per MD (the paper), drawn from --seed: f_k then C_k per MD (Python
    random.Random(seed)); B_k drawn per task from the same stream after them, slot after slot,
    MD 0 first. The task's cycles are C_k B_k; no result (output 0 bits: the paper neglects it);
    deadline T (C2 and C1: everything within the slot).
  - the channel: power gain h_k = 1e-6 x Exp(1), i.e. path_gain_db = -60 with path_loss_exp = 0
    (no distance dependence) and fading = rayleigh (redrawn every slot, fixed within it).
  - N0 = 1e-9 W over W = 10 MHz: noise_dbm_hz = 10 log10(1e-9 / 1e7) + 30 = -130 dBm/Hz.
  - p_max = 23 dBm = 0.1995 W as md_tx_power (the policies' default pmax); eps = kappa = 1e-28.
  - the server: es-1 at 1e13 cycles/s with K cores (a task of at most 9.6e8 cycles runs in
    under 0.1 ms), 100 Gbit/s fiber without latency; the BS host (decisions) at 1e12 flops/s.
Standard library only.
"""
import argparse
import random
import os
import sys

import one_server_cell as cell

PAPER = "the BCOS paper (binary computation offloading via unsupervised deep learning)"

positive_float, count = cell.positive_float, cell.count


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--n-md", type=count(1, 10000, "MDs"), default=6,
                   help="number of MDs K (the paper: 4-20; bcos-opt solves K <= 16 exactly)")
    p.add_argument("--seed", type=int, default=1, help="seed of f_k, C_k and B_k, and the run seed (knob seed)")
    p.add_argument("--slots", type=count(1, 1000000, "slots"), default=20, help="slots (tasks per MD)")
    p.add_argument("--slot", type=positive_float, default=0.5, help="slot length T, s (Table 1: 0.5)")
    p.add_argument("--floc", default="1e9:2e9", help="f_k range A:B in cycles/s (Table 1: 1-2 GHz)")
    p.add_argument("--cpb", default="200:400", help="C_k range A:B in cycles per bit (Table 1: 200-400)")
    p.add_argument("--bits", default="8e5:2.4e6", help="B_k range A:B in bits (Table 1: 100-300 KB, KB = 1000 B)")
    p.add_argument("--server-speed", type=positive_float, default=1e13,
                   help="edge server core speed, cycles/s ('infinite capacity')")
    p.add_argument("--decider-speed", type=positive_float, default=1e12,
                   help="CPU of the BS host running the decisions, flops/s")
    p.add_argument("--policy", default="bcos-opt", help="offloading policy (mecsim --list-policies)")
    p.add_argument("--policy-args", default="", help="policy arguments \"key=value,...\"")
    p.add_argument("--task-file", default=None, help="task CSV to write (required with --deployment)")
    p.add_argument("--task-file-ref", default=None,
                   help="path of the task file written into the deployment (default: --task-file "
                        "relative to the deployment's directory)")
    cell.add_output_args(p)
    a = p.parse_args(argv)
    cell.parse_ranges(p, a, ("floc", "cpb", "bits"))
    if a.deployment and not a.task_file:
        p.error("--deployment needs --task-file (the deployment replays it: arrivals=file)")
    if a.task_file_ref is None and a.task_file:
        a.task_file_ref = (os.path.relpath(a.task_file, os.path.dirname(os.path.abspath(a.deployment)))
                           if a.deployment and a.deployment != "-" else a.task_file)
    return a


def draw(a):
    """[(f_k, C_k)] per MD, then B[slot][k]: one stream, in that order."""
    rnd = random.Random(a.seed)
    mds = [(round(rnd.uniform(*a.floc), -3), rnd.uniform(*a.cpb)) for _ in range(a.n_md)]
    bits = [[round(rnd.uniform(*a.bits)) for _ in range(a.n_md)] for _ in range(a.slots)]
    return mds, bits


def write_platform(a, out):
    mds, _ = draw(a)
    cell.write_platform(out,
        "The MEC cell of %s, Sections 3 and 5: %d MDs and one BS with an edge server.\n" % (PAPER, a.n_md) +
        "     Written by platforms/generate_bcos.py with n-md %d, seed %d, server-speed %g, decider-speed %g\n"
        % (a.n_md, a.seed, a.server_speed, a.decider_speed) +
        "     (MDs' f_k ~ U[%g, %g] cycles/s). See docs/bcos.md.\n\n" % a.floc +
        "     - An MD host's speed is its f_k (1 flop = 1 cycle); its route to itself is its radio link,\n"
        "       whose bandwidth the radio model sets before each transfer (with a TDMA window: the whole\n"
        "       band at the decision's power); the value written here is a placeholder. Distances do not\n"
        "       matter (path_loss_exp = 0).\n"
        "     - es-1 stands for the paper's infinite-capacity server: %d cores (one per MD) of %g cycles/s.\n"
        % (a.n_md, a.server_speed) +
        "     - bs runs the decisions (their compute is charged there). BS - server: 100 Gbit/s, no latency.",
        [(f, 10.0) for f, _ in mds], a.decider_speed, a.server_speed, server_cores=a.n_md)


def write_tasks(a):
    mds, bits = draw(a)
    with open(a.task_file, "w") as f:
        f.write("md,arrival_s,input_bits,cycles,output_bits,deadline_s\n")
        for s, row in enumerate(bits):
            for k, b in enumerate(row):
                f.write("%d,%.17g,%d,%.17g,0,%.17g\n" % (k, s * a.slot, b, mds[k][1] * b, a.slot))


def knobs(a):
    lo, hi = a.cpb
    k = [
        ("policy", a.policy, "bcos-opt, mcos (docs/bcos.md), or any other"),
        ("policy_args", a.policy_args, "policy arguments"),
        ("arrivals", "file", "one task per MD at the start of every slot, replayed from task_file"),
        ("task_file", a.task_file_ref, "md,arrival_s,input_bits,cycles,output_bits,deadline_s (relative: to this file's directory)"),
        ("slot", "%g" % a.slot, "slot length T, s"),
        ("decide", "per-slot", "the BS decides a, t and p for all MDs of a slot at once (P1)"),
        ("tasks_per_md", "%d" % a.slots, "slots (used only with arrivals=slotted)"),
        ("task_bits", "uniform:%g:%g" % a.bits, "B_k (arrivals=slotted only: the task file has them)"),
        ("task_cycles_per_bit", "uniform:%g:%g" % (lo, hi), "C_k (arrivals=slotted only; not fixed per MD then)"),
        ("result_bits", "const:0", "no result download (negligible in the paper)"),
        ("deadline", "const:%g" % a.slot, "T (arrivals=slotted only)"),
        ("bandwidth", "1e7", "W = 10 MHz, TDMA: an offloader uses the whole band in its window"),
        ("noise_dbm_hz", "-130", "N0 = 1e-9 W over 10 MHz"),
        ("md_tx_power", "0.1995", "p_max = 23 dBm"),
        ("path_gain_db", "-60", "large-scale average power loss 1e-6"),
        ("path_loss_exp", "0", "no distance dependence"),
        ("fading", "rayleigh", "h_k = 1e-6 x Exp(1), redrawn every slot"),
        ("kappa", "1e-28", "eps, Table 1"),
        ("seed", "%d" % a.seed, "run seed"),
    ]
    return cell.merge_knobs(k, a.set)


def write_deployment(a, out):
    cell.write_deployment(out,
        "Who runs where in the BCOS cell, and the workload of %s.\n" % PAPER +
        "     Written by platforms/generate_bcos.py. base_station <prop>s are scenario knobs\n"
        "     (mecsim --list-knobs); the command line overrides them.", knobs(a), a.n_md)


def main(argv):
    a = parse_args(argv)
    if a.task_file:
        write_tasks(a)
    return cell.write_files(a, write_platform, write_deployment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
