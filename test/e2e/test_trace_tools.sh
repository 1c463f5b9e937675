#!/usr/bin/env bash
# analysis/mecsim_trace.py on a real trace: --plots, --csv, server ids as
# deployed, phases, typed load_many columns, shortest floats in summary.csv.
# Works on trace format 1 and 2 (root attribute trace_format; absent = 1).
# Usage: test_trace_tools.sh MECSIM SRCDIR
set -u
export PATH=/usr/bin:/bin:$PATH
bin=$1
src=$2
py=/usr/bin/python3

if ! $py -c "import h5py, pandas, matplotlib" 2> /dev/null; then
  echo "skipped: $py cannot import h5py, pandas and matplotlib (Debian packages)"
  echo "0 passed, 0 failed"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# 1. A small-cell run (5 MDs, the deployment declares edge server id 1).
if "$bin" "$src/platforms/small_cell.xml" "$src/deployments/small_cell.xml" --tasks_per_md 5 --quiet \
     --trace "$tmp/t.h5" > "$tmp/run.log" 2>&1 && [ -s "$tmp/t.h5" ]; then
  ok "small_cell run wrote a trace"
else
  ko "small_cell run failed:"; tail -n 10 "$tmp/run.log"
  echo "$pass passed, $fail failed"
  exit 1
fi

# 2. The summary, --plots and --csv in one call.
if (cd "$tmp" && MPLBACKEND= DISPLAY= $py "$src/analysis/mecsim_trace.py" t.h5 --plots "$tmp/plots" \
      --csv "$tmp/csv") > "$tmp/summary.txt" 2> "$tmp/summary.err"; then
  ok "mecsim_trace.py t.h5 --plots --csv exits 0 (headless)"
else
  ko "mecsim_trace.py --plots --csv failed:"; tail -n 20 "$tmp/summary.err"
fi

# 3-... Everything else, against the trace read with plain h5py.
cat > "$tmp/checks.py" <<'PYCHECKS'
import csv, os, re, sys
import xml.etree.ElementTree as ET
import h5py
import numpy as np

tmp, src = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "analysis"))
import mecsim_trace as mt  # noqa: E402

results = []
def check(cond, what):
    results.append(bool(cond))
    print(("ok: " if cond else "FAIL: ") + what)

# identifiers stay text (a sweep's hexadecimal run id can be all digits, or read as a float)
check(mt.typed_value("sweep_run_id", "210961667114") == "210961667114"
      and mt.typed_value("sweep_run_id", "0012e400") == "0012e400"
      and mt.typed_value("cfg.rate", "2") == 2.0 and mt.typed_value("seed", "7") == 7,
      "typed_value: ids ending in _id stay text; knobs and numbers are typed")

trace = os.path.join(tmp, "t.h5")
with h5py.File(trace, "r") as f:
    fmt = int(f.attrs.get("trace_format", 1))
    tables = {name: f[name][()] for name in f if isinstance(f[name], h5py.Dataset)}
    units = {name: mt.parse_units(mt._decode(f[name].attrs.get("units", ""))) for name in tables}
print(f"trace format {fmt}; tables: {', '.join(f'{n} ({len(d)} rows)' for n, d in sorted(tables.items()))}")

# Server ids as the deployment declares them.
text = open(os.path.join(src, "deployments", "small_cell.xml"), encoding="utf-8").read()
dep = ET.fromstring(re.sub(r"<!--.*?-->", "", text, flags=re.S).encode())
ids = sorted(int(p.get("value")) for a in dep.iter("actor") if a.get("function") == "edge_server"
             for p in a.iter("prop") if p.get("id") == "id")
n_md = sum(1 for a in dep.iter("actor") if a.get("function") == "mobile_device")
check(ids == [1], f"premise: deployments/small_cell.xml declares edge server ids {ids} (want [1])")

# The summary names servers by their deployment id, never by a 0-based index.
summary = open(os.path.join(tmp, "summary.txt")).read()
targets = re.search(r"^  per target: (.*)$", summary, re.M)
named = [int(x) for x in re.findall(r"server (\d+)", targets.group(1))] if targets else []
check(targets and named and set(named) <= set(ids) and not re.search(r"server 0(?![.\d])", summary),
      f"summary per target names servers {named} (declared {ids}), never 'server 0'")
tr = mt.load(trace)
check(tr.format == fmt, f"Trace.format {tr.format} == root attribute trace_format {fmt}")
check(len(tr.servers) and set(tr.servers.server.unique()) <= set(ids) and 1 in set(tr.servers.server),
      f"/servers.server read as deployment ids {sorted(tr.servers.server.unique())} (format {fmt} on disk: "
      f"{sorted(set(tables['servers']['server'].tolist()))})")
off = tr.tasks[tr.tasks.target > 0]
check(len(off) and (off.server == off.target).all() and (tr.tasks[tr.tasks.target == 0].server == -1).all(),
      f"tasks.server == target (deployment id) for the {len(off)} offloaded tasks, -1 for local ones")

# Phases: format 2 splits the return trip and times the radio waits; they tile the delay.
t = tr.tasks
if fmt >= 2:
    v2 = ["radio_wait_up_s", "fiber_back_s", "radio_wait_down_s", "radio_down_s"]
    check(all(c in t for c in v2), "format 2: tasks have radio_wait_up_s, fiber_back_s, radio_wait_down_s, radio_down_s")
    phases = ["decide_s", "local_s", "radio_wait_up_s", "up_s", "fwd_s", "wait_s", "exec_s",
              "fiber_back_s", "radio_wait_down_s", "radio_down_s"]
    split = (t.fiber_back_s + t.radio_wait_down_s + t.radio_down_s - t.down_s).dropna().abs()
    check(len(split) and split.max() < 1e-9, "format 2: fiber back + radio wait down + radio down == down_end - down_start")
    check("radio wait (up)" in summary and "fiber back" in summary and "radio wait (down)" in summary,
          "format 2: the summary shows the radio waits and the fiber back")
    if "devices" in tables:
        check(len(tables["devices"]) == n_md and len(tr.devices) == n_md and "host" in tr.devices
              and isinstance(tr.devices.host.iloc[0], str),
              f"format 2: /devices has one row per MD ({len(tables['devices'])}, want {n_md}), host as str")
    else:
        check(False, "format 2: the trace has /devices")
else:
    check("down_s" in t and "radio_down_s" not in t, "format 1: combined down_s, no split download columns")
    phases = ["decide_s", "local_s", "up_s", "fwd_s", "wait_s", "exec_s", "down_s"]
    check("download (fiber back + radio)" in summary, "format 1: the summary shows the combined download")
if fmt >= 2:
    gap = (t.delay - t[phases].fillna(0).sum(axis=1)).abs().max()
    check(gap < 1e-9, f"format 2: the phases add up to the delay of every task (max gap {gap:.2g} s)")

# --plots: five figures, PNG and SVG.
names = ("delay_cdf", "phase_breakdown", "server_queue", "energy_per_device", "deadline_misses")
for name in names:
    png, svg = (os.path.join(tmp, "plots", f"{name}.{e}") for e in ("png", "svg"))
    psize = os.path.getsize(png) if os.path.exists(png) else 0
    head = open(png, "rb").read(8) if psize else b""
    ssize = os.path.getsize(svg) if os.path.exists(svg) else 0
    stext = open(svg, encoding="utf-8", errors="replace").read(2000) if ssize else ""
    check(psize > 1000 and head == b"\x89PNG\r\n\x1a\n" and ssize > 1000 and "<svg" in stext,
          f"--plots {name}.png ({psize} bytes, PNG signature {head[:4]!r}) and {name}.svg ({ssize} bytes)")

# --csv: one CSV per table, "field [unit]" headers, the right row counts.
for name, data in sorted(tables.items()):
    path = os.path.join(tmp, "csv", f"{name}.csv")
    if not os.path.exists(path):
        check(False, f"--csv wrote {name}.csv")
        continue
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    want = [mt.csv_header(field, units[name].get(field, "")) for field in data.dtype.names]
    missing_units = [field for field in data.dtype.names if not units[name].get(field)]
    check(header[:len(want)] == want and not missing_units and len(body) == len(data),
          f"--csv {name}.csv: {len(body)} rows (want {len(data)}), header starts {header[:3]}"
          + (f", fields without a unit {missing_units}" if missing_units else ""))
tasks_header = next(csv.reader(open(os.path.join(tmp, "csv", "tasks.csv"))))
check("arrival [s]" in tasks_header and "delay [s]" in tasks_header and "energy [J]" in tasks_header,
      "--csv tasks.csv has 'arrival [s]' and the derived 'delay [s]', 'energy [J]'")

# summary.csv: floats in their shortest round-trip form (repr), e.g. no 63.399999999999999.
with open(os.path.join(tmp, "csv", "summary.csv"), newline="") as fh:
    srows = list(csv.DictReader(fh))
bad = []
floats = 0
for key, text in srows[0].items() if srows else ():
    if re.fullmatch(r"[-+]?(\d+\.\d*|\d*\.\d+)(e[-+]?\d+)?|[-+]?\d+e[-+]?\d+", text or ""):
        floats += 1
        if repr(float(text)) != text:
            bad.append(f"{key}={text}")
mean_text = srows[0].get("mean_delay [s]") if srows else None
check(srows and floats >= 3 and not bad and mean_text == repr(float(tr.tasks.delay.mean())),
      f"summary.csv: {floats} floats, each its shortest repr ({', '.join(bad) or 'none longer'}); "
      f"mean_delay {mean_text} == repr(mean delay)")

# load_many: typed columns, unknown column refused.
many = mt.load_many([trace], datasets=("tasks",), columns=("policy", "seed", "cfg.rate", "cfg.tasks_per_md",
                                                           "cfg.task_bits", "n_md"))
row = many.tasks.iloc[0]
check(isinstance(row["cfg.rate"], (float, np.floating)) and row["cfg.rate"] == 1.0
      and isinstance(row["cfg.tasks_per_md"], (int, np.integer)) and row["cfg.tasks_per_md"] == 5
      and isinstance(row["cfg.task_bits"], str) and isinstance(row["n_md"], (int, np.integer))
      and isinstance(row["policy"], str),
      f"load_many typed columns: cfg.rate {row['cfg.rate']!r} ({type(row['cfg.rate']).__name__}), "
      f"cfg.tasks_per_md {row['cfg.tasks_per_md']!r} ({type(row['cfg.tasks_per_md']).__name__}), "
      f"cfg.task_bits {row['cfg.task_bits']!r}")
# the trace records every knob's type (cfg_types), so a knob added later is typed without the reader's table
attrs = many.attrs[next(iter(many.attrs))]
if "cfg_types" in attrs:
    types = mt.knob_types(attrs)
    cfg_keys = sorted(k[4:] for k in attrs if k.startswith("cfg."))
    check(set(cfg_keys) <= set(types) and types.get("progress", int) is int and types.get("rate") is float,
          f"cfg_types types all {len(cfg_keys)} knobs (missing: {sorted(set(cfg_keys) - set(types)) or 'none'})")
try:
    mt.load_many([trace], datasets=(), columns=("cfg.rat",))
    check(False, "load_many(columns=('cfg.rat',)) raises")
except (KeyError, ValueError) as e:
    check("cfg.rate" in str(e), f"load_many(columns=('cfg.rat',)) raises {type(e).__name__} naming 'cfg.rate'")

print(f"__COUNTS__ {sum(results)} {len(results) - sum(results)}")
PYCHECKS
$py "$tmp/checks.py" "$tmp" "$src" > "$tmp/checks.log" 2>&1
rc=$?
grep -v '^__COUNTS__' "$tmp/checks.log"
read -r _ p f < <(grep '^__COUNTS__' "$tmp/checks.log" || echo "__COUNTS__ 0 0")
pass=$((pass + p)) fail=$((fail + f))
if [ $rc -ne 0 ]; then
  ko "the checks crashed (exit $rc)"
fi

# A file that is not a trace: exit 1 and a message, no traceback.
echo "not hdf5" > "$tmp/bad.h5"
$py "$src/analysis/mecsim_trace.py" "$tmp/bad.h5" > /dev/null 2> "$tmp/bad.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "cannot read" "$tmp/bad.err" && ! grep -q Traceback "$tmp/bad.err"; then
  ok "an unreadable file: exit 1, 'cannot read', no traceback"
else
  ko "an unreadable file: exit $rc: $(head -c 300 "$tmp/bad.err")"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
