"""Compares two traces' decisions: usage external_compare.py A.h5 B.h5 LABEL [OUTCOMES.json].

Per task (matched by id): the target must be identical; so must decide_end and done, since the
external agent declares the same compute as the built-in policy (charged the same way). With
OUTCOMES.json (external_agent.py's record of observe()), every task of A must have been observed
exactly once, with its target and delay (done - arrival). Prints one line; exits 1 on the first
difference."""
import json
import sys

import h5py
import numpy as np

a_path, b_path, label = sys.argv[1:4]
with h5py.File(a_path, "r") as fa, h5py.File(b_path, "r") as fb:
    a, b = fa["tasks"][:], fb["tasks"][:]
    da, db = fa["decisions"][:], fb["decisions"][:]
a, b = a[np.argsort(a["id"], kind="stable")], b[np.argsort(b["id"], kind="stable")]
if len(a) == 0 or len(a) != len(b) or not (a["id"] == b["id"]).all():
    sys.exit("%s: FAIL: the traces have different tasks (%d and %d)" % (label, len(a), len(b)))
bad = np.nonzero(a["target"] != b["target"])[0]
if len(bad):
    i = bad[0]
    sys.exit("%s: FAIL: %d of %d targets differ; first: task %d -> %d vs %d"
             % (label, len(bad), len(a), a["id"][i], a["target"][i], b["target"][i]))
for col in ("decide_end", "done"):
    if not np.array_equal(a[col], b[col], equal_nan=True):
        sys.exit("%s: FAIL: targets equal but %s differs" % (label, col))
if not (np.array_equal(da["batch"], db["batch"]) and np.array_equal(da["flops"], db["flops"])):
    sys.exit("%s: FAIL: the decisions' batches or flops differ" % label)
observed = ""
if len(sys.argv) > 4:
    with open(sys.argv[4]) as f:
        seen = sorted(json.load(f))
    if [s[0] for s in seen] != a["id"].tolist():
        sys.exit("%s: FAIL: the agent observed %d outcomes for %d tasks" % (label, len(seen), len(a)))
    if [s[1] for s in seen] != a["target"].tolist() or \
            not np.allclose([s[2] for s in seen], a["done"] - a["arrival"], rtol=1e-12, atol=0):
        sys.exit("%s: FAIL: an observed outcome's target or delay differs from the trace" % label)
    observed = ", every outcome observed once"
print("%s: ok: %d tasks, %d decisions (largest batch %d), targets %s identical%s"
      % (label, len(a), len(da), da["batch"].max(), np.bincount(a["target"]).tolist(), observed))
