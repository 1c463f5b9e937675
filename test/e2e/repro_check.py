#!/usr/bin/python3
"""Compares three mecsim traces: A and B from the same seed and inputs, C from another seed.

    repro_check.py A.h5 B.h5 C.h5

A and B must hold byte-identical datasets (every field of every record,
NaNs included) and equal root attributes, once each trace's own file name is
replaced by "<trace>" (it appears in the command line and the configuration).
C must differ from A in its workload (arrival times, task sizes). Prints one
"PASS ..." / "FAIL ..." line per check and exits 0.
"""
import sys

import h5py
import numpy as np


def attrs_without_name(f, path):
    """Root attributes as strings, the trace's file name replaced by <trace>."""
    return {k: str(v).replace(path, "<trace>") for k, v in f.attrs.items()}


def report(ok, text):
    print(("PASS " if ok else "FAIL ") + text)


def main():
    a, b, c = (h5py.File(p, "r") for p in sys.argv[1:4])
    report(set(a.keys()) == set(b.keys()), f"same datasets: {sorted(a.keys())}")
    for name in sorted(a.keys()):
        x, y = a[name][()], b[name][()]
        same = x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
        report(same, f"/{name}: {x.shape[0]} records, identical bytes with the same seed")
    report(a["tasks"].shape[0] > 0, f"the runs completed tasks ({a['tasks'].shape[0]})")
    aa, ab = attrs_without_name(a, sys.argv[1]), attrs_without_name(b, sys.argv[2])
    differ = sorted(k for k in set(aa) | set(ab) if aa.get(k) != ab.get(k))
    report(len(aa) > 0 and not differ, f"{len(aa)} root attributes equal (trace file name aside)"
           + (f"; differing: {differ}" if differ else ""))

    ta, tc = a["tasks"][()], c["tasks"][()]
    ta, tc = np.sort(ta, order="id"), np.sort(tc, order="id")
    n = min(len(ta), len(tc))
    for field in ("arrival", "input_bits", "cycles"):
        changed = np.count_nonzero(ta[field][:n] != tc[field][:n])
        report(n > 0 and changed > n // 2, f"another seed changes '{field}' of {changed} of {n} tasks")
    report(int(a.attrs["seed"]) != int(c.attrs["seed"]), "the traces record their seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
