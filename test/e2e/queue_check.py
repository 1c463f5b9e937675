#!/usr/bin/python3
"""Checks one edge server of a mecsim trace against single-server queueing theory.

    queue_check.py TRACE.h5 --service exp|const --lam L --mu M --tol T

Used by test_queue_mm1.sh and test_queue_md1.sh on platforms/validation_queue.xml,
where every task is offloaded to server 1 and reaches it a constant delay after
its Poisson arrival. Prints one "PASS ..." or "FAIL ..." line per check (the
calling script counts them) and exits 0.

Window: the MDs' streams end at different times (each MD generates a fixed
number of tasks), so only tasks that entered the queue in [1% of T_end, T_end]
are used, T_end being the earliest last arrival over the MDs: inside it the
superposed stream is complete, and the first 1% is the warm-up from an empty
system. In FIFO order a task's sojourn depends only on earlier tasks, so the
cut at T_end biases nothing.

Standard errors are batch means over 50 batches (consecutive tasks or samples
are correlated); a check fails if its tolerance is under 3 standard errors,
since it could then not tell a model error from noise.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
import mecsim_trace as mt  # noqa: E402

N_BATCHES = 50
KS_CRIT_1PCT = 1.628  # Kolmogorov distribution, P(sqrt(n) D > 1.628) = 1%


def batch_se(x):
    """Standard error of mean(x) by batch means."""
    k = len(x) // N_BATCHES
    means = x[: k * N_BATCHES].reshape(N_BATCHES, k).mean(axis=1)
    return means.std(ddof=1) / np.sqrt(N_BATCHES)


class Checks:
    def __init__(self):
        self.failed = 0

    def report(self, ok, text):
        print(("PASS " if ok else "FAIL ") + text)
        self.failed += 0 if ok else 1

    def rel(self, name, got, want, tol, se=None, want_is="theory"):
        err = got / want - 1.0
        text = f"{name}: measured {got:.6g}, {want_is} {want:.6g}, error {100 * err:+.3f}% (tolerance {100 * tol:g}%"
        if se is not None:
            text += f", standard error {100 * se / want:.3f}%"
        text += ")"
        self.report(abs(err) <= tol, text)
        if se is not None:
            self.report(tol >= 3 * se / want,
                        f"{name}: tolerance {100 * tol:g}% is >= 3 standard errors ({300 * se / want:.3f}%)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--service", choices=("exp", "const"), required=True)
    ap.add_argument("--lam", type=float, required=True, help="total arrival rate at the server, 1/s")
    ap.add_argument("--mu", type=float, required=True, help="service rate, 1/s")
    ap.add_argument("--tol", type=float, required=True, help="relative tolerance of the means")
    a = ap.parse_args()
    c = Checks()
    tr = mt.load(a.trace)
    t = tr.tasks
    lam, mu = a.lam, a.mu
    rho = lam / mu

    c.report(len(t) > 0 and bool((t.target == 1).all()), f"all {len(t)} tasks were offloaded to server 1")
    t_end = t.groupby("md").arrival.max().min()
    t0 = 0.01 * t_end
    w = t[(t.queue_enter > t0) & (t.queue_enter < t_end)].sort_values("queue_enter")
    n = len(w)
    print(f"window [{t0:.6g}, {t_end:.6g}] s: {n} tasks, rho = {rho:g}")

    # 1. The server's arrivals: exponential inter-arrival times of mean 1/lam.
    ia = np.diff(w.queue_enter.to_numpy())
    c.rel("mean inter-arrival time at the server (s)", ia.mean(), 1 / lam, a.tol, batch_se(ia))
    cv = ia.std() / ia.mean()
    c.report(abs(cv - 1) <= a.tol, f"inter-arrival coefficient of variation {cv:.5f} (exponential: 1, tolerance {a.tol:g})")
    x = np.sort(ia)
    cdf = 1 - np.exp(-lam * x)
    d = max(np.max(np.arange(1, len(x) + 1) / len(x) - cdf), np.max(cdf - np.arange(len(x)) / len(x)))
    c.report(np.sqrt(len(x)) * d <= KS_CRIT_1PCT,
             f"inter-arrival times vs Exp({lam:g}): Kolmogorov-Smirnov sqrt(n) D = {np.sqrt(len(x)) * d:.3f} "
             f"(1% critical value {KS_CRIT_1PCT})")

    # 2. The service: mean 1/mu, exponential or constant.
    svc = (w.exec_end - w.exec_start).to_numpy()
    c.rel("mean service time (s)", svc.mean(), 1 / mu, a.tol, batch_se(svc))
    svc_cv = svc.std() / svc.mean()
    if a.service == "exp":
        c.report(abs(svc_cv - 1) <= a.tol, f"service coefficient of variation {svc_cv:.5f} (exponential: 1)")
    else:
        c.report(svc_cv <= 1e-6, f"service coefficient of variation {svc_cv:.3g} (constant: 0)")

    # 3. Mean sojourn time at the server (queue + service).
    soj = (w.exec_end - w.queue_enter).to_numpy()
    if a.service == "exp":
        theory, name = 1 / (mu - lam), "M/M/1 mean sojourn 1/(mu - lambda) (s)"
    else:
        theory, name = 1 / mu + rho / (2 * mu * (1 - rho)), "M/D/1 mean sojourn 1/mu + rho/(2 mu (1 - rho)) (s)"
    c.rel(name, soj.mean(), theory, a.tol, batch_se(soj))
    c.report(bool((w.exec_start >= w.queue_enter).all()), "no task starts before it enters the queue")
    starts = w.sort_values("exec_start")
    c.report(bool((np.diff(starts.queue_enter.to_numpy()) >= 0).all()), "service in FIFO order of queue entry")

    # 4. Little's law with the /servers samples: L = lambda W.
    # idle spells are stored as one row: put the samples back on the full grid for time averages
    s = mt.servers_on_grid(tr.servers, float(tr.attrs["cfg.sample"]))
    # mecsim_trace numbers servers by their deployment id (1..M) in every trace format.
    s = s[(s.server == 1) & (s.time > t0) & (s.time < t_end)]
    in_system = (s.queued + s.in_service).to_numpy().astype(float)
    if len(in_system) >= 10 * N_BATCHES:
        L = in_system.mean()
        lam_meas = n / (t_end - t0)
        c.rel("Little's law: time-average number at the server L vs measured lambda W", L, lam_meas * soj.mean(), a.tol,
              batch_se(in_system), want_is="lambda W")
        c.rel("number at the server L vs theory lambda W", L, lam * theory, a.tol, batch_se(in_system))
    else:
        c.report(False, f"only {len(in_system)} /servers samples in the window (need {10 * N_BATCHES})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
