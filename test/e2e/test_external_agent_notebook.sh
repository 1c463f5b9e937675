#!/bin/bash
# test_external_agent_notebook.sh MECSIM SRCDIR - the example PyTorch agent end to end at toy size:
# scripts/train_external_agent.sh --quick trains python/examples/train_dtomalb_agent.py through
# mecsim.env.MecsimEnv (6 episodes of 8 slots on the DTOMALB cell), plays held-out seeds 101, 102 with
# traces next to the built-in random, random server, greedy and least-loaded, and runs
# analysis/external_agent_figures.ipynb headless. Checks: the files of the run (curve, periodic
# held-out evaluation, weights, 10 held-out traces), training seeds disjoint from the held-out ones,
# the notebook without error and its figure drawn, the summary it wrote equal to the traces (mean delay
# recomputed here with h5py, utility with analysis/dtomalb_analysis.py) and, for the agent, to the
# utility the environment's 'dtomalb' reward gave during the same runs; a second training run with
# the same seed writes the same learning curve (one torch thread). Needs python3-torch (CI installs it).
set -u
export OMP_NUM_THREADS=1
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
BIN=$(dirname "$MECSIM")
# shellcheck source=lib_notebook.sh
. "$SRC/test/e2e/lib_notebook.sh"
nb_prelude zmq

if ! $PY -c "import torch" 2>/dev/null; then
  ko "no torch for $PY (scripts/install-deps.sh installs python3-torch)"
  echo "$pass passed, $fail failed"; exit 1
fi
if FIGS="$T/figs" timeout 200 "$SRC/scripts/train_external_agent.sh" --quick "$BIN" "$T/run" > "$T/train.log" 2>&1; then
  ok "train_external_agent.sh --quick ($(grep -c '^episode' "$T/train.log") held-out evaluations)"
else
  ko "train_external_agent.sh --quick"; grep -v "ASan\|False positive\|sanitizers" "$T/train.log" | tail -15
  tail -20 "$T/run/notebook.log" 2>/dev/null
fi
[ -s "$T/figs/external_agent_curve.png" ] && ok "figure drawn" || ko "no external_agent_curve.png"
# the same seed again (fewer held-out seeds: the evaluation does not touch the training's random numbers)
if HELDOUT=101 EVAL_EVERY=6 timeout 120 "$SRC/scripts/train_external_agent.sh" --quick --no-figs "$BIN" "$T/again" > "$T/again.log" 2>&1 &&
   cmp -s <(cut -d, -f1-7 "$T/run/curve.csv") <(cut -d, -f1-7 "$T/again/curve.csv"); then
  ok "a second training run with the same seed writes the same learning curve"
else
  ko "training not reproducible"; tail -5 "$T/again.log"; diff <(cut -d, -f1-7 "$T/run/curve.csv") <(cut -d, -f1-7 "$T/again/curve.csv") | head
fi

if $PY - "$T/run" "$SRC" <<'EOF'; then ok "the notebook's numbers agree with the traces and the environment (see above)"; else ko "checks on the runs"; fi
import json, os, sys
import h5py, numpy as np, pandas as pd, nbformat
run, src = sys.argv[1:3]
sys.path.insert(0, os.path.join(src, "analysis"))
import dtomalb_analysis as da
bad = 0
def check(cond, what):
    global bad
    print(("  ok: " if cond else "  FAIL: ") + what)
    bad += 0 if cond else 1
nb = nbformat.read(os.path.join(run, "external_agent_figures.ipynb"), 4)
errs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
check(not errs, "no error output in the notebook")
cfg = json.load(open(os.path.join(run, "config.json")))
curve = pd.read_csv(os.path.join(run, "curve.csv"))
ev = pd.read_csv(os.path.join(run, "eval.csv"))
check(len(curve) == 6 and list(curve.seed) == list(range(1000, 1006)) and not set(curve.seed) & {101, 102},
      "curve.csv: 6 training episodes on seeds 1000..1005, none held out")
check(list(ev.episode) == [0, 3, 6] and np.isfinite(ev.utility).all(), "eval.csv: held-out evaluations at 0, 3, 6")
check(os.path.getsize(os.path.join(run, "model.pt")) > 1000, "model.pt written")
idx = pd.read_csv(os.path.join(run, "heldout", "index.csv"))
want = {(l, s) for l in ("agent", "random", "random-server", "greedy", "least-loaded") for s in (101, 102)}
check(set(zip(idx.label, idx.seed)) == want and len(idx) == 10, "heldout/index.csv: 5 policies x seeds 101, 102")
summ = pd.read_csv(os.path.join(run, "external_agent_summary.csv")).set_index("label")
runs = pd.read_csv(os.path.join(run, "external_agent_heldout.csv"))
check(len(runs) == 10 and set(summ.index) == {l for l, _ in want}, "the notebook's tables: 10 runs, 5 policies")
worst_d = worst_u = worst_env = 0.0
for label, g in idx.groupby("label"):
    d, u = [], []
    for r in g.itertuples():
        with h5py.File(os.path.join(run, r.trace), "r") as f:
            t = f["tasks"][()]
            check(len(t) == 10 * 8 and f["decisions"].shape[0] == 8 if label == "agent" else len(t) == 80,
                  f"{r.trace}: 80 tasks" + (", 8 decisions" if label == "agent" else ""))
        d.append(np.mean(t["done"] - t["arrival"]))
        u.append(da.sim_metrics(os.path.join(run, r.trace))["utility"])
        if label == "agent":
            worst_env = max(worst_env, abs(float(r.env_utility) - u[-1]) / abs(u[-1]))
    worst_d = max(worst_d, abs(summ.loc[label, "mean_delay"] - np.mean(d)) / np.mean(d))
    worst_u = max(worst_u, abs(summ.loc[label, "utility"] - np.mean(u)) / abs(np.mean(u)))
check(worst_d < 1e-9, f"summary mean delay per policy = the traces' done - arrival (worst relative difference {worst_d:.2g})")
check(worst_u < 1e-9, f"summary utility per policy = sim_metrics of the traces ({worst_u:.2g})")
check(worst_env < 0.01, f"the agent's runs: the environment's 'dtomalb' return / slots = the trace's utility within 1 % ({worst_env:.2g})")
tr_flops = runs[runs.label == "agent"].flops_per_task
check(np.allclose(tr_flops, cfg["decision_flops_per_task"]), f"the agent's traces charge {cfg['decision_flops_per_task']:.0f} flops per task")
sys.exit(1 if bad else 0)
EOF
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
