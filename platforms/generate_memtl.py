#!/usr/bin/python3
"""Write the MEMTL paper's MEC cell (Liang et al., Section II) as a mecsim platform and deployment:
N mobile terminals (MTs), each with its own local CPU r_local ~ U[3e8, 1e9] cycles/s and distance
~ U[50, 500] m drawn from --seed, one task per MT per slot, and one edge server (MES) of F = 2.5e9
cycles/s whose single core the policy splits into reserved fractions R among the offloaders.

    /usr/bin/python3 platforms/generate_memtl.py --n-md 5 --seed 7 \\
        --platform /tmp/memtl.xml --deployment /tmp/memtl-dep.xml
    build/mecsim /tmp/memtl.xml /tmp/memtl-dep.xml --policy exhaustive

platforms/memtl_cell.xml and deployments/memtl_cell.xml are this script's output with its defaults.
Standard library only.

Choices (the paper gives the model, not the numbers; its public code, github qiyu3816/MTFNN-CO,
gives most of them):
  - F = 2.5e9 cycles/s, kappa = 1e-28, P_u = 0.3 W, c = 3e3 cycles per bit, deadline 1 s, B = 1 MHz:
    the public code's preset (memtl_params_mtfnn_co, memtl_sampler_preset "mtfnn-co").
  - task input p_n ~ U[1e4, 2.5e5] bits (the public code: U[0, 5e5]) and r_local ~ U[3e8, 1e9]
    (public: U[0, 1e9]): the halved sizes and the floor on the CPU keep most slots feasible (a task
    of 7.5e8 cycles takes 2.5 s locally on the slowest MT, 0.3 s alone on the server), so that the
    trade-off is real (local energy kappa f^2 c ~ 0.01-0.08 J against upload energy 0.3 W x 0.02-0.3 s
    and the server's time) and decisions are rarely forced. Both stay inside the public code's
    ranges, which trained models expect (docs/policies.md).
  - no result download (q_n = 0, the public code's); --result-bits adds one (then P_d counts).
  - the channel: N equal sub-bands (the paper's orthogonal access; the policies give each offloader
    bw_share = 1/N) at the Shannon rate with the simulator's path loss g0 (l0/l)^h, g0 = -40 dB,
    h = 3.5, N0 = -174 dBm/Hz, and Rayleigh block fading redrawn every slot (the paper's h_n varies
    per sample): 0.7-3 Mbit/s per sub-band before fading.
"""
import argparse
import sys

import one_server_cell as cell

PAPER = ("the MEMTL paper (Liang et al., \"A Multi-Head Ensemble Multi-Task Learning Approach for Dynamical "
         "Computation Offloading\")")


positive_float, nonneg_float, count = cell.positive_float, cell.nonneg_float, cell.count


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--n-md", type=count(1, 10000, "MTs"), default=5,
                   help="number of MTs N (the paper: 2-5; a model decides for the N it was trained for)")
    p.add_argument("--seed", type=int, default=1,
                   help="seed of the MTs' CPUs and distances, and the run seed (knob seed)")
    p.add_argument("--server-speed", type=positive_float, default=2.5e9,
                   help="F, the server core shared among offloaders as fractions R, cycles/s")
    p.add_argument("--decider-speed", type=positive_float, default=None,
                   help="CPU of the BS host running the decisions, cycles/s (default: = --server-speed)")
    p.add_argument("--floc", default="3e8:1e9", help="r_local range A:B in cycles/s")
    p.add_argument("--distance", default="50:500", help="distance range A:B in m")
    p.add_argument("--bits", default="1e4:2.5e5", help="task input p_n range A:B in bits (uniform)")
    p.add_argument("--cycles-per-bit", type=positive_float, default=3e3, help="c_n / p_n, cycles per bit")
    p.add_argument("--result-bits", type=nonneg_float, default=0.0, help="result q_n to download, bits")
    p.add_argument("--deadline", type=positive_float, default=1.0, help="theta_n, s")
    p.add_argument("--slots", type=count(1, 10000000, "slots"), default=50, help="slots (tasks per MT; knob tasks_per_md)")
    p.add_argument("--slot", type=positive_float, default=1.0, help="slot length, s (one task per MT per slot)")
    p.add_argument("--policy", default="exhaustive", help="offloading policy (mecsim --list-policies)")
    p.add_argument("--policy-args", default="", help="policy arguments \"key=value,...\"")
    p.add_argument("--model", default="", help="trained model file (knob model; policies memtl, mtfnn)")
    cell.add_output_args(p)
    a = p.parse_args(argv)
    cell.parse_ranges(p, a, ("floc", "distance", "bits"))
    if a.decider_speed is None:
        a.decider_speed = a.server_speed
    return a


def write_platform(a, out):
    cell.write_platform(out,
        "The MEC cell of %s, Section II: %d MTs and one edge server (MES).\n" % (PAPER, a.n_md) +
        "     Written by platforms/generate_memtl.py with n-md %d, seed %d, server-speed %g, decider-speed %g\n"
        % (a.n_md, a.seed, a.server_speed, a.decider_speed) +
        "     (MTs' r_local ~ U[%g, %g] cycles/s and distance ~ U[%g, %g] m, drawn in that order per MT\n"
        "     with Python random.Random(seed)). See docs/policies.md, \"MEMTL / MTFNN\".\n\n" % (a.floc + a.distance) +
        "     - An MD host's speed is its r_local (1 flop = 1 cycle); its route to itself is its radio link,\n"
        "       whose bandwidth the radio model sets to the Shannon rate of its sub-band before each\n"
        "       transfer; the value written here is a placeholder.\n"
        "     - es-1 is the MES: one core of F, split among the offloaders as the policy's reserved\n"
        "       fractions R_n (executions bounded to R_n F, started at once: eq. 5's c_n / (R_n F)).\n"
        "     - bs runs the decisions (their compute is charged there). BS - server: 100 Gbit/s, no\n"
        "       latency (a 2.5e5-bit task crosses it in 2.5 us; the paper has no fiber).",
        cell.draw_devices(a.seed, a.n_md, a.floc, a.distance), a.decider_speed, a.server_speed)


def knobs(a):
    k = [
        ("policy", a.policy, "exhaustive, memtl, mtfnn (docs/policies.md), or any other"),
        ("policy_args", a.policy_args, "policy arguments"),
        ("model", a.model, "trained MEMTL / MTFNN model (policies memtl, mtfnn)"),
        ("arrivals", "slotted", "one task per MT at the start of every slot"),
        ("slot", "%g" % a.slot, "slot length, s"),
        ("tasks_per_md", "%d" % a.slots, "slots"),
        ("decide", "per-slot", "the MES decides for all MTs of a slot at once (D and R of Section II)"),
        ("task_bits", "uniform:%g:%g" % a.bits, "p_n, bits"),
        ("task_cycles_per_bit", "const:%g" % a.cycles_per_bit, "c_n = 3e3 p_n cycles (the public code)"),
        ("result_bits", "const:%g" % a.result_bits, "q_n (the public code: none)"),
        ("deadline", "const:%g" % a.deadline, "theta_n, s (C2)"),
        ("bandwidth", "1e6", "B = 1 MHz, N equal sub-bands"),
        ("share_users", "%d" % a.n_md, "default split W/N (the policies give bw_share = 1/N themselves)"),
        ("md_tx_power", "0.3", "P_u = 0.3 W"),
        ("bs_tx_power", "1", "downlink power, W (only with --result-bits)"),
        ("noise_dbm_hz", "-174", "N0 = -174 dBm/Hz"),
        ("path_gain_db", "-40", "g0 = -40 dB at l0"),
        ("l0", "1", "reference distance, m"),
        ("path_loss_exp", "3.5", "path-loss exponent"),
        ("fading", "rayleigh", "h_n redrawn every slot"),
        ("kappa", "1e-28", "kappa of eq. 4 (the public code)"),
        ("seed", "%d" % a.seed, "run seed"),
    ]
    return cell.merge_knobs(k, a.set)


def write_deployment(a, out):
    cell.write_deployment(out,
        "Who runs where in the MEMTL cell, and the workload of %s (Section II).\n" % PAPER +
        "     Written by platforms/generate_memtl.py. base_station <prop>s are scenario knobs\n"
        "     (mecsim list-knobs option); the command line overrides them.", knobs(a), a.n_md)


def main(argv):
    return cell.write_files(parse_args(argv), write_platform, write_deployment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
