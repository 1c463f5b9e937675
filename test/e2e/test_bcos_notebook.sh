#!/bin/bash
# test_bcos_notebook.sh MECSIM SRCDIR - the BCOS reproduction pipeline end to end at toy sizes:
# scripts/reproduce_bcos.sh (stages train and sim) trains tiny models with mecsim-train-bcos (next to
# MECSIM) for K = 4, 6 at T = 0.5 s and K = 4 at T = 1 s, evaluates them, and runs
# analysis/bcos_runs.py on cells of two held-out seeds (mcos, pcos, bcos with the networks' windows and
# with windows fitted to the uploads, bcos-opt); then analysis/bcos_figures.ipynb runs headless on it.
# Checks: no error in the notebook, the four figures drawn, bcos_summary.csv has a row per (set, K, T,
# scheme) the runs imply and its energies and violation shares equal the traces' (read here with
# h5py); in the simulator, windows=upload gives each upload exactly its window (no C5 violation),
# spends the same energy as the network's own windows slot by slot, and the exact optimum spends no
# more than BCOS in every slot where BCOS's uploads fit T - guard; a second run of the trainer with
# the same seed writes a bit-identical model; bad windows= refused.
set -u
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
BIN=$(dirname "$MECSIM")
[ -x "$BIN/mecsim-train-bcos" ] || { echo "skipped: $BIN/mecsim-train-bcos not built"; echo "0 passed, 0 failed"; exit 0; }
# shellcheck source=lib_notebook.sh
. "$SRC/test/e2e/lib_notebook.sh"
nb_prelude

if STAGES="train sim" KS="4 6" TS="0.5 1.0" K_T=4 ITERATIONS=30 SAMPLES=2000 EVAL_SLOTS=100 JOBS=2 \
  SIM_ARGS="--seeds 101,102 --slots 8" "$SRC/scripts/reproduce_bcos.sh" "$BIN" "$T" > "$T/repro.log" 2>&1; then
  ok "reproduce_bcos.sh (train, sim): $(grep -c '^model K=' "$T/repro.log") models, $(grep -o '[0-9]* runs' "$T/repro.log" | head -1)"
else
  ko "reproduce_bcos.sh"; grep -v "ASan\|False positive\|sanitizers" "$T/repro.log" | tail -8
fi
# the trainer is reproducible from its seed
"$BIN/mecsim-train-bcos" train --K 4 --T 0.5 --seed 1 --samples 2000 --iterations 30 --out "$T/again.h5" \
  --progress 0 > /dev/null 2>&1
if $PY - "$T/models/K4_T0.5.h5" "$T/again.h5" <<'EOF'; then ok "a second training run with the same seed gives the same weights"; else ko "training not reproducible"; fi
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
same = len(names) > 10 and all(n in b and np.array_equal(a[n][()], b[n][()]) for n in names)
sys.exit(0 if same else 1)
EOF

cd "$SRC" || exit 1
if BCOS_RUNS="$T" BCOS_FIGS="$T/figs" timeout 300 jupyter nbconvert --to notebook --execute \
    --ExecutePreprocessor.kernel_name=python3 analysis/bcos_figures.ipynb --output "$T/out.ipynb" >"$T/nb.log" 2>&1; then
  ok "notebook executed"
else
  ko "notebook failed"; tail -20 "$T/nb.log"
fi
missing=""
for n in fig4 fig5 fig6 violations; do
  [ -s "$T/figs/bcos_$n.png" ] || missing="$missing bcos_$n.png"
done
if [ -z "$missing" ]; then ok "4 figures drawn (bcos_fig4, fig5, fig6, violations)"; else ko "missing figures:$missing"; fi

if $PY - "$T" <<'EOF'; then ok "the notebook's numbers agree with the traces, windows=upload and the optimum check out (see above)"; else ko "checks on the runs"; fi
import sys, os
import h5py, numpy as np, pandas as pd, nbformat
T = sys.argv[1]
GUARD = 0.001
bad = 0
def check(cond, what):
    global bad
    print(("  ok: " if cond else "  FAIL: ") + what)
    bad += 0 if cond else 1
nb = nbformat.read(os.path.join(T, "out.ipynb"), 4)
errs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
check(not errs, "no error output in the notebook")
idx = pd.read_csv(os.path.join(T, "sim", "index.csv"))
check((idx.status == 0).all() and idx.trace.nunique() == 3 * 2 * 6, "index.csv: 3 cells x 2 seeds x 6 schemes, all ok")
summ = pd.read_csv(os.path.join(T, "bcos_summary.csv"))
want = {(s, k, t, sc) for s, k, t in (("K", 4, 0.5), ("K", 6, 0.5), ("T", 4, 0.5), ("T", 4, 1.0))
        for sc in ("mcos", "pcos", "pcos-fit", "bcos", "bcos-fit", "optimum")}
check(set(zip(summ.set, summ.K, summ["T"], summ.scheme)) == want, "bcos_summary.csv: one row per (set, K, T, scheme)")
models = pd.read_csv(os.path.join(T, "bcos_models.csv"))
check(len(models) == 3 and models.optimum.notna().all(), "bcos_models.csv: the trainer's evaluation of 3 models")

def slots(path):
    with h5py.File(path, "r") as f:
        t = f["tasks"][()]
        v = f.attrs["cfg.slot"]
        Ts = float(v.decode() if isinstance(v, bytes) else v)
    s = np.round(t["arrival"] / Ts).astype(int)
    return Ts, t, s
# the summary's energy and violation shares, recomputed from the traces
worst, worst_v, n_slots = 0.0, 0.0, set()
for (st, k, tt, sc), g in idx.groupby(["set", "K", "T", "scheme"]):
    e, c5, n = [], [], 0
    for tr in g.trace:
        Ts, t, s = slots(os.path.join(T, "sim", tr))
        en = t["energy_local_j"] + t["energy_tx_j"]
        off = t["target"] > 0
        viol = off & (t["up_end"] - t["up_start"] > t["tx_window"] * (1 + 1e-6) + 1e-12)
        for k_ in np.unique(s):
            e.append(en[s == k_].sum())
            c5.append(viol[s == k_].any())
    r = summ[(summ.set == st) & (summ.K == k) & (summ["T"] == tt) & (summ.scheme == sc)].iloc[0]
    worst = max(worst, abs(r.energy - np.mean(e)) / np.mean(e))
    worst_v = max(worst_v, abs(r.c5_share - np.mean(c5)))
    n_slots |= {(int(r.slots), len(e))}
check(n_slots == {(16, 16)}, f"every scheme: 2 seeds x 8 slots in the summary and the traces ({n_slots})")
check(worst < 1e-5 and worst_v < 1e-9,
      f"summary energy per slot and C5 share equal the traces' (worst relative energy difference {worst:.2g})")

# windows=upload: each upload exactly fills its window, frame packed; same energy as the network's windows
good_fit, good_e, n_up = True, True, 0
for sc in ("bcos", "pcos"):
    for tr in idx[idx.scheme == sc + "-fit"].trace.unique():
        _, t, s = slots(os.path.join(T, "sim", tr))
        off = t[t["target"] > 0]
        n_up += len(off)
        if not np.allclose(off["up_end"] - off["up_start"], off["tx_window"], rtol=1e-6, atol=1e-9):
            good_fit = False
        _, t0, s0 = slots(os.path.join(T, "sim", tr.replace("-fit.h5", ".h5")))
        e1 = t["energy_local_j"] + t["energy_tx_j"]
        e0 = t0["energy_local_j"] + t0["energy_tx_j"]
        for k_ in np.unique(s):
            if not np.isclose(e1[s == k_].sum(), e0[s0 == k_].sum(), rtol=1e-6, atol=1e-12):
                good_e = False
check(good_fit and n_up > 0, f"windows=upload: {n_up} uploads each exactly as long as its window (C5 with equality)")
check(good_e, "windows=upload spends the network's energy in every slot (same a and p)")

# the exact optimum is no worse than BCOS in every slot where BCOS's uploads fit T - guard
n_cmp, good_o = 0, True
for tr in idx[idx.scheme == "bcos-fit"].trace.unique():
    Ts, tb, sb = slots(os.path.join(T, "sim", tr))
    _, to, so = slots(os.path.join(T, "sim", tr.replace("bcos-fit", "optimum")))
    for k_ in np.unique(sb):
        b, o = tb[sb == k_], to[so == k_]
        if (b["up_end"] - b["up_start"])[b["target"] > 0].sum() > Ts - GUARD or (b["missed"] != 0).any():
            continue
        n_cmp += 1
        eb = (b["energy_local_j"] + b["energy_tx_j"]).sum()
        eo = (o["energy_local_j"] + o["energy_tx_j"]).sum()
        if eo > eb * (1 + 1e-6):
            good_o = False
            print(f"    {tr} slot {k_}: optimum {eo:.6g} J > bcos {eb:.6g} J")
check(good_o and n_cmp > 0, f"bcos-opt's energy <= bcos's in all {n_cmp} slots where bcos's uploads fit T - guard")
sys.exit(1 if bad else 0)
EOF

# bad policy arguments of the networks' policies
out=$("$MECSIM" "$T/sim/cells/K4_T0.5_s101.platform.xml" "$T/sim/cells/K4_T0.5_s101.deployment.xml" --quiet=1 --trace= \
  --policy=bcos --policy_args=windows=fit --model="$T/models/K4_T0.5.h5" 2>&1)
rc=$?
if [ $rc = 2 ] && grep -q "windows=fit: expected net" <<<"$out"; then ok "windows=fit refused"; else ko "windows=fit: rc=$rc $out"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
