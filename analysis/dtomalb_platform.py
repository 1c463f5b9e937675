#!/usr/bin/python3
"""Write a DTOMALB cell (SimGrid platform + deployment) whose mobile devices are
EXACTLY the ones the analytic training environment draws
(src/policies/dtomalb/env.c), so a model trained with
`mecsim-train-dtomalb --n-md N --scenario-seed S` is evaluated in the
simulator on the devices it was trained for.

The environment draws MD n's CPU speed f_local ~ U[300, 500] MHz, then its
distance d ~ U[50, 150] m, from the stream (S, MEC_STREAM_PLACEMENT = 3, n)
of src/model/rng.c (xoshiro256++ seeded through splitmix64, doubles from the
top 53 bits). This file ports exactly that draw (pure integer arithmetic, so
the values are bit-identical to the C ones).

Everything else is platforms/dtomalb_cell.xml's cell: servers 12..20 GHz
(evenly spread, as dtomalb_env_cfg_default does for M != 5), one core each,
BS - server 1 fiber 10 Gbit/s, server 1 - server m 100 Mbit/s (mu), BS CPU
10 Gflop/s; unlike dtomalb_cell.xml the fiber links are FATPIPE by default
(each task forwarded at mu whatever else is in flight, as eq. (9) and the env
assume); the deployment sets the workload and channel of the env
(T = 0.25 s, 50 slots, L ~ U[2.4, 4] Mbit, C ~ U[0.8, 1.2] Gcycles, no result
download, W = 20 MHz split W/N, p = 0.5 W, N0 = -174 dBm/Hz, g = 1e-4 d^-3).

usage: dtomalb_platform.py --n-md N [--n-servers M] [--scenario-seed S]
                           [--shared-fiber] --platform OUT.xml --deployment OUT.xml
"""
import argparse

MASK = (1 << 64) - 1
STREAM_PLACEMENT = 3


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def stream_seed(run_seed, kind, index):
    s = splitmix64(splitmix64(run_seed) ^ splitmix64(((kind << 56) & MASK) ^ index))
    return s if s else 1


class Xoshiro:
    """xoshiro256++ as src/model/rng.c seeds and uses it (gsl_rng_uniform)."""

    def __init__(self, seed):
        x = seed
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            self.s.append(splitmix64(x))

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s = self.s
        result = (self._rotl((s[0] + s[3]) & MASK, 23) + s[0]) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def env_mds(n_md, scenario_seed, hz=(300e6, 500e6), dist=(50.0, 150.0)):
    """[(f_local Hz, distance m)] of the env's MDs 0..N-1 (env.c order: speed, then distance)."""
    out = []
    for n in range(n_md):
        r = Xoshiro(stream_seed(scenario_seed, STREAM_PLACEMENT, n))
        f = hz[0] + (hz[1] - hz[0]) * r.uniform()
        d = dist[0] + (dist[1] - dist[0]) * r.uniform()
        out.append((f, d))
    return out


def server_speeds(m):
    return [16e9] if m == 1 else [12e9 + 8e9 * i / (m - 1) for i in range(m)]


def platform_xml(mds, speeds, scenario_seed, shared_fiber=False):
    n, m = len(mds), len(speeds)
    L = ["<?xml version='1.0'?>",
         '<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">',
         f"<!-- Written by analysis/dtomalb_platform.py --n-md {n} --n-servers {m} --scenario-seed {scenario_seed}:",
         "     the DTOMALB cell with the MDs of the analytic training environment",
         f"     (mecsim-train-dtomalb --n-md {n} --scenario-seed {scenario_seed}), bit-identical speeds and distances.",
         "     Conventions as platforms/dtomalb_cell.xml (docs/dtomalb.md). Fiber links: "
         + ("shared (max-min) between concurrent transfers. -->" if shared_fiber else
            "FATPIPE, each transfer at the full rate (eq. 9, as the env). -->"),
         '<platform version="4.1">', '  <zone id="cell" routing="Full">']
    for i, (f, d) in enumerate(mds):
        L.append(f'    <host id="md-{i}" speed="{f!r}f"><prop id="distance" value="{d!r}"/></host>')
    L.append('    <host id="bs" speed="10Gf"/>')
    for s, f in enumerate(speeds):
        L.append(f'    <host id="es-{s + 1}" speed="{f!r}f" core="1"/>')
    for i in range(n):
        L.append(f'    <link id="radio-{i}" bandwidth="1MBps" latency="0"/>')
    # FATPIPE: every transfer gets the full rate, as eq. (9) of the paper
    # and the env assume (no sharing between tasks forwarded at once);
    # --shared-fiber keeps SimGrid's default max-min sharing instead.
    sp = "" if shared_fiber else ' sharing_policy="FATPIPE"'
    L.append(f'    <link id="fiber-bs-1" bandwidth="1.25GBps" latency="0"{sp}/>')
    for s in range(2, m + 1):
        L.append(f'    <link id="fiber-1-{s}" bandwidth="12.5MBps" latency="0"{sp}/>')
    for i in range(n):
        L.append(f'    <route src="md-{i}" dst="md-{i}"><link_ctn id="radio-{i}"/></route>')
    L.append('    <route src="bs" dst="es-1"><link_ctn id="fiber-bs-1"/></route>')
    for s in range(2, m + 1):
        L.append(f'    <route src="es-1" dst="es-{s}"><link_ctn id="fiber-1-{s}"/></route>')
    for s in range(2, m + 1):
        L.append(f'    <route src="bs" dst="es-{s}"><link_ctn id="fiber-bs-1"/><link_ctn id="fiber-1-{s}"/></route>')
    L += ["  </zone>", "</platform>", ""]
    return "\n".join(L)


def deployment_xml(n, m, platform_name):
    props = [("policy", "greedy"), ("arrivals", "slotted"), ("slot", "0.25"), ("tasks_per_md", "50"),
             ("decide", "per-task"), ("task_bits", "uniform:2.4e6:4e6"), ("task_cycles", "uniform:8e8:1.2e9"),
             ("result_bits", "const:0"), ("bandwidth", "20e6"), ("md_tx_power", "0.5"),
             ("noise_dbm_hz", "-174"), ("path_gain_db", "-40"), ("path_loss_exp", "3"), ("l0", "1"),
             ("forward", "via-first")]
    L = ["<?xml version='1.0'?>",
         '<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">',
         f"<!-- Written by analysis/dtomalb_platform.py for {platform_name}: the workload and channel of",
         "     the DTOMALB analytic environment (see deployments/dtomalb_cell.xml for each value's origin).",
         "     decide=per-task: each MD's actor decides its own task; use --decide=per-slot for dqn-tolb and dqn-tolb-branch. -->",
         '<platform version="4.1">', '  <actor host="bs" function="base_station">']
    L += [f'    <prop id="{k}" value="{v}"/>' for k, v in props]
    L.append("  </actor>")
    L += [f'  <actor host="es-{s}" function="edge_server"><prop id="id" value="{s}"/></actor>'
          for s in range(1, m + 1)]
    L += [f'  <actor host="md-{i}" function="mobile_device"/>' for i in range(n)]
    L += ["</platform>", ""]
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--n-md", type=int, required=True)
    ap.add_argument("--n-servers", type=int, default=5)
    ap.add_argument("--scenario-seed", type=int, default=1)
    ap.add_argument("--shared-fiber", action="store_true",
                    help="fiber links shared max-min between concurrent transfers (default: FATPIPE, as eq. 9)")
    ap.add_argument("--platform", required=True)
    ap.add_argument("--deployment", required=True)
    a = ap.parse_args()
    if a.n_md < 1 or a.n_servers < 1:
        ap.error("--n-md and --n-servers must be >= 1")
    mds = env_mds(a.n_md, a.scenario_seed)
    with open(a.platform, "w") as f:
        f.write(platform_xml(mds, server_speeds(a.n_servers), a.scenario_seed, a.shared_fiber))
    with open(a.deployment, "w") as f:
        f.write(deployment_xml(a.n_md, a.n_servers, a.platform.split("/")[-1]))


if __name__ == "__main__":
    main()
