#!/usr/bin/env bash
# analysis/compare_policies.ipynb runs headless on traces of a small scenario
# and its numbers agree with the traces. Usage: test_notebook_compare.sh MECSIM SRCDIR
#
# Scenario: small_cell (5 MDs, 1 server), 4 tasks per MD one slot of 4.5 s
# apart, deadline 2 s, 6 baseline policies x seeds 1,2 (12 runs, ~18 s
# simulated each). The slot is longer than the slowest local task
# (1.2e9 cycles / 300 MHz = 4 s), so local tasks of one MD never overlap and
# the delay of a local task is exactly cycles / f_MD (checked, not assumed).
set -u
# Debian's python3 (h5py, pandas, matplotlib, jupyter) before any pyenv shim.
export PATH=/usr/bin:/bin:$PATH
bin=$1
src=$2
py=/usr/bin/python3

if ! command -v jupyter-nbconvert > /dev/null; then
  echo "skipped: jupyter-nbconvert is not installed (Debian package jupyter-nbconvert)"
  echo "0 passed, 0 failed"
  exit 0
fi
if ! $py -c "import h5py" 2> /dev/null; then
  echo "skipped: $py cannot import h5py (Debian package python3-h5py)"
  echo "0 passed, 0 failed"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

seeds=1,2
n_policies=6
knobs=(--slot 4.5 --tasks_per_md 4 --deadline const:2 --kappa 1e-27)

# 1. The runner writes one trace per policy and seed.
if bash "$src/analysis/run_policies.sh" --mecsim "$bin" --out "$tmp/traces" --seeds "$seeds" \
     -- "${knobs[@]}" > "$tmp/run.log" 2>&1; then
  n=$(ls "$tmp/traces"/*.h5 2> /dev/null | wc -l)
  if [ "$n" -eq $((n_policies * 2)) ]; then
    ok "run_policies.sh wrote $n traces"
  else
    ko "run_policies.sh wrote $n traces, expected $((n_policies * 2))"
  fi
else
  ko "run_policies.sh failed:"
  tail -n 20 "$tmp/run.log"
fi

# 2. The runner rejects bad arguments (exit 2) and reports a failed run (exit 1).
bash "$src/analysis/run_policies.sh" --mecsim "$bin" --out "$tmp/bad" --seeds x > /dev/null 2>&1
rc_args=$?
bash "$src/analysis/run_policies.sh" --mecsim "$bin" --out "$tmp/bad" --policies no-such-policy \
  --seeds 1 > /dev/null 2>&1
rc_run=$?
if [ $rc_args -eq 2 ] && [ $rc_run -eq 1 ]; then
  ok "run_policies.sh exits 2 on a bad seed list, 1 when a run fails"
else
  ko "run_policies.sh exit codes: bad seed list $rc_args (want 2), failing run $rc_run (want 1)"
fi

# Headless execution with the kernel of /usr/bin/python3; jupyter's runtime
# and IPython's files stay in the temp dir.
run_notebook() { # TRACES_DIR FIGURES_DIR OUTPUT_NAME
  MECSIM_TRACES=$1 MECSIM_FIGURES=$2 JUPYTER_RUNTIME_DIR=$tmp/jrt IPYTHONDIR=$tmp/ipython \
    PYDEVD_DISABLE_FILE_VALIDATION=1 \
    timeout 300 jupyter-nbconvert --to notebook --execute "$src/analysis/compare_policies.ipynb" \
    --output-dir "$tmp" --output "$3" \
    --ExecutePreprocessor.timeout=120 --ExecutePreprocessor.kernel_name=python3
}

# 3. The notebook executes.
if run_notebook "$tmp/traces" "$tmp/figures" executed > "$tmp/nb.log" 2>&1; then
  ok "notebook executed (jupyter-nbconvert exit 0)"
else
  ko "jupyter-nbconvert failed:"
  tail -n 30 "$tmp/nb.log"
fi

# 4-9. The executed notebook, its figures and its numbers, against the
# traces read with plain h5py and the platform read from the XML files.
cat > "$tmp/checks.py" <<'PYCHECKS'
import json, math, os, re, sys
import xml.etree.ElementTree as ET
import h5py
import numpy as np
import pandas as pd

tmp, src = sys.argv[1], sys.argv[2]
results = []
def check(cond, what):
    results.append(bool(cond))
    print(("ok: " if cond else "FAIL: ") + what)

# 4. every code cell ran, no error output, kernel was /usr/bin/python3
nb_path = os.path.join(tmp, "executed.ipynb")
if not os.path.exists(nb_path):
    check(False, "executed notebook exists")
else:
    nb = json.load(open(nb_path))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    unrun = [i for i, c in enumerate(code) if c.get("execution_count") is None]
    check(code and not errors and not unrun,
          f"executed notebook: {len(code)} code cells, {len(unrun)} not run, {len(errors)} error outputs"
          + ("".join(f"\n    {e.get('ename')}: {e.get('evalue')}" for e in errors)))
    # nbformat stores multi-line text as a string or a list of lines
    text = "".join("".join(o["text"]) if isinstance(o.get("text"), list) else o.get("text", "")
                   for c in code for o in c.get("outputs", []) if o.get("output_type") == "stream")
    m = re.search(r"^python (\S+);", text, re.M)
    check(m and os.path.realpath(m.group(1)) == os.path.realpath("/usr/bin/python3"),
          f"kernel ran {m.group(1) if m else '(not printed)'}, expected /usr/bin/python3")

# 5. PNGs exist, are PNG files and not empty
figs = os.path.join(tmp, "figures")
for name in ("delay_cdf", "energy_per_task", "deadline_misses", "server_queue", "phase_breakdown"):
    p = os.path.join(figs, name + ".png")
    size = os.path.getsize(p) if os.path.exists(p) else 0
    head = open(p, "rb").read(8) if size else b""
    check(size > 1000 and head == b"\x89PNG\r\n\x1a\n", f"{name}.png: {size} bytes, PNG signature {head[:4]!r}")

# MD CPU speeds from the platform, in the deployment's mobile_device order.
PREFIX = {"": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
def speed(text):
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([kMGTPE]?)(?:f|flops)?\s*", text)
    if not m:
        raise ValueError(f"cannot read speed '{text}'")
    return float(m.group(1)) * PREFIX[m.group(2)]
def xml_root(rel):
    # SimGrid accepts "--" inside comments (the deployment's comments have
    # it), strict XML does not: drop comments before parsing.
    text = open(os.path.join(src, rel), encoding="utf-8").read()
    return ET.fromstring(re.sub(r"<!--.*?-->", "", text, flags=re.S).encode())
hosts = {h.get("id"): h for h in xml_root("platforms/small_cell.xml").iter("host")}
md_hosts = [a.get("host") for a in xml_root("deployments/small_cell.xml").iter("actor")
            if a.get("function") == "mobile_device"]
f_md = np.array([speed(hosts[h].get("speed")) for h in md_hosts])
kappa_md = np.array([float(next((p.get("value") for p in hosts[h].iter("prop") if p.get("id") == "kappa"), 1e-27))
                     for h in md_hosts])

# Local tasks read straight from the traces (no mecsim_trace, no pandas glue).
local = []
for seed in (1, 2):
    path = os.path.join(tmp, "traces", f"local-s{seed}.h5")
    if not os.path.exists(path):
        check(False, f"{path} exists")
        continue
    with h5py.File(path, "r") as f:
        local.append(pd.DataFrame(f["tasks"][()]).assign(seed=seed))
local = pd.concat(local, ignore_index=True) if local else pd.DataFrame()

# 6. premise: local tasks are decided at once, start at arrival and never overlap on their MD
if len(local):
    overlaps = 0
    for _, t in local.sort_values("local_start").groupby(["seed", "md"]):
        overlaps += int(np.sum(t.local_start.to_numpy()[1:] < t.local_end.to_numpy()[:-1]))
    check(len(local) == 40 and (local.target == 0).all(),
          f"premise: {len(local)} tasks in the local traces (want 40), all run locally")
    check(overlaps == 0, f"premise: {overlaps} local tasks start before the previous one of their MD ends (want 0)")
    # Absolute times carry rounding of SimGrid's clock (~1e-14 s at t = 13.5 s).
    late = (local.local_start - local.arrival).abs().max()
    check(late < 1e-12 and (local.decide_end == local.decide_start).all()
          and (local.done - local.local_end).abs().max() < 1e-12,
          f"premise: decided at once, local execution starts at arrival (max gap {late:.2g} s) and ends at done")

# 7-9. numbers of the notebook's summary.csv against the traces
sp = os.path.join(figs, "summary.csv")
if not os.path.exists(sp) or not len(local):
    check(False, "summary.csv and local traces exist")
else:
    s = pd.read_csv(sp, index_col="policy")
    want = (local.cycles / f_md[local.md]).mean()
    got = s.loc["local", "mean_delay_s"]
    check(abs(got - want) <= 1e-9,
          f"notebook mean delay of local {got!r} s == mean(cycles / f_MD) {want!r} s (|diff| {abs(got - want):.3g})")
    want_e = (kappa_md[local.md] * f_md[local.md] ** 2 * local.cycles).mean()
    got_e = s.loc["local", "mean_energy_j"]
    check(math.isclose(got_e, want_e, rel_tol=1e-12),
          f"notebook mean energy of local {got_e!r} J == mean(kappa f^2 cycles) {want_e!r} J")
    misses = int(((local.done - local.arrival) > 2.0).sum())
    check(list(s.index) == ["local", "offload-nearest", "random", "greedy", "least-loaded", "round-robin"]
          and (s.tasks == 40).all() and (s.runs == 2).all()
          and s.loc["local", "missed"] == misses and s.loc["local", "deadline_tasks"] == 40,
          f"summary: 6 policies x 2 runs x 40 tasks; local misses {s.loc['local', 'missed']} == {misses}"
          " (delay > 2 s)")

print(f"__COUNTS__ {sum(results)} {len(results) - sum(results)}")
PYCHECKS
$py "$tmp/checks.py" "$tmp" "$src" > "$tmp/checks.log" 2>&1
rc=$?
grep -v '^__COUNTS__' "$tmp/checks.log"
read -r _ p f < <(grep '^__COUNTS__' "$tmp/checks.log" || echo "__COUNTS__ 0 0")
pass=$((pass + p)) fail=$((fail + f))
if [ $rc -ne 0 ]; then
  ko "the checks of the executed notebook crashed (exit $rc)"
fi

# 10. Traces of two scenarios in one directory are refused, naming the difference.
mkdir -p "$tmp/mixed"
cp "$tmp/traces/local-s1.h5" "$tmp/mixed/" 2> /dev/null
"$bin" "$src/platforms/small_cell.xml" "$src/deployments/small_cell.xml" "${knobs[@]}" --tasks_per_md 3 \
  --policy greedy --trace "$tmp/mixed/greedy-s1.h5" --quiet > /dev/null 2>&1
msg=$(cd "$src/analysis" && $py -c '
import sys, glob, mecsim_trace as mt, plots
many = mt.load_many(sorted(glob.glob(sys.argv[1] + "/*.h5")), datasets=())
try:
    plots.check_same_scenario(many.attrs)
    print("accepted")
except ValueError as e:
    print(e)' "$tmp/mixed" 2>&1)
if echo "$msg" | grep -q "not runs of one scenario" && echo "$msg" | grep -q "tasks_per_md = 3" \
   && echo "$msg" | grep -q "tasks_per_md = 4"; then
  ok "traces of two scenarios are refused (tasks_per_md 3 vs 4 named)"
else
  ko "mixed scenarios not refused as expected: $msg"
fi

# 11. An empty trace directory stops the notebook with a message saying what to run.
mkdir -p "$tmp/empty"
if run_notebook "$tmp/empty" "$tmp/empty-figures" executed-empty > "$tmp/nb-empty.log" 2>&1; then
  ko "the notebook ran on an empty trace directory"
elif grep -q "run analysis/run_policies.sh first" "$tmp/nb-empty.log"; then
  ok "empty trace directory: the notebook stops and says to run analysis/run_policies.sh"
else
  ko "empty trace directory: no clear message"
  tail -n 10 "$tmp/nb-empty.log"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
