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
import sys

import one_server_cell as cell

PAPER = ("the DyNN paper (Ma et al., \"Dynamic Neural Network-Based Resource Management for Mobile Edge "
         "Computing in 6G Networks\")")


positive_float = cell.positive_float
users = cell.count(1, 10000, "users")


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
    cell.add_output_args(p)
    a = p.parse_args(argv)
    cell.parse_ranges(p, a, ("floc", "distance"))
    if a.infer_speed is None:
        a.infer_speed = a.server_speed
    return a


def write_platform(a, out):
    cell.write_platform(out,
        "The MEC cell of %s, Section V and Table II: %d users and one edge server.\n" % (PAPER, a.n_md) +
        "     Written by platforms/generate_dynn.py with n-md %d, seed %d, server-speed %g, infer-speed %g\n"
        % (a.n_md, a.seed, a.server_speed, a.infer_speed) +
        "     (users' f_loc ~ U[%g, %g] cycles/s and distance ~ U[%g, %g] m, drawn in that order per user\n"
        "     with Python random.Random(seed)). See docs/dynn.md.\n\n" % (a.floc + a.distance) +
        "     - An MD host's speed is its f_loc (1 flop = 1 cycle); its route to itself is its radio link,\n"
        "       whose bandwidth the radio model sets to the Shannon rate of the policy's share b_i before\n"
        "       each transfer (eq. 1); the value written here is a placeholder.\n"
        "     - es-1 is the server: one core of f_ser, shared among the offloaded tasks as the policy's CPU\n"
        "       shares f_i (executions bounded to f_i, started at once: eq. 2 without queueing while the\n"
        "       shares add up to at most f_ser).\n"
        "     - bs runs the decisions (inference: lambda MACs / f, eq. 9) at f_infer. The paper runs them\n"
        "       on the server; a separate host keeps a decision from slowing down the tasks executing at\n"
        "       that moment, which the paper does not model either. BS - server: 100 Gbit/s, no latency\n"
        "       (a 2 kbit task crosses it in 20 ns).",
        cell.draw_devices(a.seed, a.n_md, a.floc, a.distance), a.infer_speed, a.server_speed)


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
    return cell.merge_knobs(k, a.set)


def write_deployment(a, out):
    cell.write_deployment(out,
        "Who runs where in the DyNN cell, and the workload of %s (Section V, Table II).\n" % PAPER +
        "     Written by platforms/generate_dynn.py. base_station <prop>s are scenario knobs\n"
        "     (mecsim list-knobs option); the command line overrides them.", knobs(a), a.n_md)


def main(argv):
    return cell.write_files(parse_args(argv), write_platform, write_deployment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
