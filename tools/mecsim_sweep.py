"""mecsim-sweep: one sweep spec -> many mecsim runs -> one typed index.

    mecsim-sweep plan    SPEC.toml [--out DIR]          expand the grid, print the runs
    mecsim-sweep run     SPEC.toml [--engine parallel|slurm] [--jobs N] [--retry-failed] ...
    mecsim-sweep status  SPEC.toml|DIR                  done / failed / missing
    mecsim-sweep collect SPEC.toml|DIR                  DIR/index.h5 and DIR/index.csv
    mecsim-sweep link    SPEC.toml|DIR DEST --pattern P  done traces as DEST/P.h5 (P: '{policy}-s{seed}')
    mecsim-sweep exec    DIR RUN_ID                     one run (what the engines call)

The spec format, the engines and the index columns are in docs/sweeps.md.
Only the Python standard library, numpy and h5py (Debian python3-h5py) are used;
GNU parallel (Debian parallel) and Slurm's sbatch are the engines.
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(REPO, "tools", "mecsim-sweep")
PY = "/usr/bin/python3"

# Parameters that are not scenario knobs.
FILE_PARAMS = ("platform", "deployment")
# Keys of the [sweep] table.
SWEEP_KEYS = {"name", "platform", "deployment", "out", "mecsim", "combine", "zip", "args", "labels"}
SLURM_KEYS = {"time", "mem", "throttle", "partition", "cpus_per_task", "sbatch_args"}
PARALLEL_KEYS = {"jobs"}
GENERATE_KEYS = {"script", "args"}
TOP_KEYS = {"sweep", "fixed", "swept", "slurm", "parallel", "generate"}

# The index: (column, HDF5/numpy kind, unit, meaning). Swept parameters come
# after run_id and run_index; these follow them.
INDEX_COLUMNS = [
    ("trace", "str", "text", "trace path, relative to the sweep directory"),
    ("status", "str", "text", "done, failed or missing"),
    ("exit_status", "int", "1", "mecsim's exit code (negative: killed by that signal; -1000: never ran)"),
    ("error", "str", "text", "the run's error message (empty when it succeeded)"),
    ("wall_s", "float", "s", "wall-clock time of the run"),
    ("peak_rss_mib", "float", "MiB", "peak resident memory of the mecsim process"),
    ("tasks", "int", "task", "completed tasks (rows of /tasks)"),
    ("tasks_unfinished", "int", "task", "tasks still in flight when --until cut the run"),
    ("sim_end_s", "float", "s", "simulated completion time of the last task"),
    ("mean_delay_s", "float", "s", "mean of done - arrival over completed tasks"),
    ("p50_delay_s", "float", "s", "median delay (linear interpolation)"),
    ("p95_delay_s", "float", "s", "95th percentile of the delay"),
    ("p99_delay_s", "float", "s", "99th percentile of the delay"),
    ("energy_per_task_j", "float", "J", "mean device energy per task (energy_local_j + energy_tx_j)"),
    ("miss_ratio", "float", "1", "missed / tasks with a deadline (NaN when no task has a deadline)"),
    ("decisions", "int", "decision", "rows of /decisions (policy calls)"),
    ("mean_decision_time_s", "float", "s", "mean of /decisions done - time"),
]
METRICS = [c[0] for c in INDEX_COLUMNS[6:]]
NEVER_RAN = -1000


class SpecError(Exception):
    """A bad spec or command line: reported as one line, exit 2."""


def die(msg, code=2):
    print(f"mecsim-sweep: {msg}", file=sys.stderr)
    sys.exit(code)


# --------------------------------------------------------------------------- spec

def _expand_values(name, v):
    """A swept parameter's values: a list, or {start, stop, step} (stop
    included), or {start, stop, num} (evenly spaced), or {values = [...]}."""
    if isinstance(v, list):
        vals = v
    elif isinstance(v, dict):
        keys = set(v)
        if keys == {"values"}:
            vals = v["values"]
        elif keys == {"start", "stop", "step"}:
            a, b, s = v["start"], v["stop"], v["step"]
            if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b, s)) or s == 0:
                raise SpecError(f"swept '{name}': start, stop, step must be numbers, step not 0")
            n = int(math.floor((b - a) / s + 1e-9)) + 1
            if n < 1 or n > 100000:
                raise SpecError(f"swept '{name}': the range {a}..{b} step {s} has {n} values")
            if all(isinstance(x, int) for x in (a, b, s)):
                vals = [a + i * s for i in range(n)]
            else:
                vals = [float(round(a + i * s, 12)) for i in range(n)]
        elif keys == {"start", "stop", "num"}:
            a, b, n = v["start"], v["stop"], v["num"]
            if not isinstance(n, int) or n < 1:
                raise SpecError(f"swept '{name}': num must be a positive integer")
            vals = [float(a)] if n == 1 else [float(round(a + (b - a) * i / (n - 1), 12)) for i in range(n)]
        else:
            raise SpecError(f"swept '{name}': a table needs {{start, stop, step}}, {{start, stop, num}} "
                            f"or {{values}}, got {{{', '.join(sorted(keys))}}}")
    else:
        vals = [v]
    if not vals:
        raise SpecError(f"swept '{name}' has no values")
    for x in vals:
        if not isinstance(x, (int, float, str, bool)):
            raise SpecError(f"swept '{name}': value {x!r} is not a number or a string")
    return list(vals)


def _parse_cli_values(text):
    """rate=0.5:1.5:0.5 (range, stop included) or policy=a,b,c (list)."""
    def scalar(s):
        s = s.strip()
        try:
            return int(s)
        except ValueError:
            pass
        try:
            return float(s)
        except ValueError:
            return s
    parts = text.split(":")
    if len(parts) == 3 and all(isinstance(scalar(p), (int, float)) for p in parts):
        a, b, s = (scalar(p) for p in parts)
        return {"start": a, "stop": b, "step": s}
    return [scalar(p) for p in text.split(",")]


def _check_name(kind, name):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SpecError(f"{kind} '{name}': a parameter name is letters, digits and '_'")


def _resolve_input(path, base):
    """An input path of the spec: relative to the spec's directory, else to the repository."""
    if os.path.isabs(path):
        return path
    for root in (base, REPO):
        p = os.path.normpath(os.path.join(root, path))
        if os.path.exists(p):
            return p
    return os.path.normpath(os.path.join(base, path))


def load_spec(path, base=None):
    """Reads and checks a TOML spec (relative paths from BASE, default the
    spec's directory). Returns a dict with absolute paths."""
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except OSError as e:
        raise SpecError(f"cannot read spec '{path}': {e.strerror}")
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"spec '{path}': {e}")
    return normalize_spec(raw, base or os.path.dirname(os.path.abspath(path)), path)


def _check_plain(value, where, path):
    """TOML values a spec may hold: numbers, strings, booleans, lists and tables of them; a date or
    time (TOML has them) is no parameter value and would not go into the plan's JSON."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_plain(v, where, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for v in value:
            _check_plain(v, where, path)
    elif not isinstance(value, (int, float, str, bool)):
        raise SpecError(f"{where}: '{path}' = {value!r}: expected a number, a string or a boolean")


def normalize_spec(raw, base, where="spec"):
    unknown = set(raw) - TOP_KEYS
    if unknown:
        raise SpecError(f"{where}: unknown table(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(TOP_KEYS))})")
    for tbl, v in raw.items():
        if not isinstance(v, dict):
            raise SpecError(f"{where}: '{tbl}' must be one table [{tbl}], got {type(v).__name__}")
    _check_plain(raw, where, "")
    for tbl, known in (("sweep", SWEEP_KEYS), ("slurm", SLURM_KEYS), ("parallel", PARALLEL_KEYS),
                       ("generate", GENERATE_KEYS)):
        bad = set(raw.get(tbl, {})) - known
        if bad:
            raise SpecError(f"{where}: unknown key(s) {', '.join(sorted(bad))} in [{tbl}] "
                            f"(known: {', '.join(sorted(known))})")
    sw = raw.get("sweep", {})
    name = sw.get("name", "sweep")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", str(name)):
        raise SpecError(f"{where}: [sweep] name '{name}' must be letters, digits, '_', '.', '-'")
    fixed = dict(raw.get("fixed", {}))
    swept_raw = dict(raw.get("swept", {}))
    for k in fixed:
        _check_name("fixed", k)
        if isinstance(fixed[k], (list, dict)):
            raise SpecError(f"{where}: fixed '{k}' must be one value (put lists under [swept])")
    for k in swept_raw:
        _check_name("swept", k)
        if k in fixed:
            raise SpecError(f"{where}: '{k}' is both fixed and swept")
    for k in FILE_PARAMS:
        if k in sw:
            if k in fixed or k in swept_raw:
                raise SpecError(f"{where}: '{k}' given in [sweep] and in [fixed]/[swept]")
            fixed[k] = sw[k]
    swept = {k: _expand_values(k, v) for k, v in swept_raw.items()}
    gen = raw.get("generate")
    if gen is not None:
        if "script" not in gen or not isinstance(gen.get("args", []), list):
            raise SpecError(f"{where}: [generate] needs script = \"...\" and args = [...]")
        gen = {"script": _resolve_input(gen["script"], base), "args": [str(a) for a in gen.get("args", [])]}
        if any(k in fixed or k in swept for k in FILE_PARAMS):
            raise SpecError(f"{where}: with [generate], platform and deployment come from the generator")
    elif not all(k in fixed or k in swept for k in FILE_PARAMS):
        raise SpecError(f"{where}: the spec needs a platform and a deployment ([sweep] platform = ..., "
                        "deployment = ...) or a [generate] table")
    for k in FILE_PARAMS:
        if k in fixed:
            fixed[k] = _resolve_input(str(fixed[k]), base)
        if k in swept:
            swept[k] = [_resolve_input(str(v), base) for v in swept[k]]
    combine = sw.get("combine", "cross")
    if combine not in ("cross", "zip"):
        raise SpecError(f"{where}: [sweep] combine must be \"cross\" or \"zip\"")
    zips = sw.get("zip", [])
    if combine == "zip" and swept:
        zips = [list(swept)]
    seen = set()
    for group in zips:
        if not isinstance(group, list) or len(group) < 1:
            raise SpecError(f"{where}: [sweep] zip is a list of lists of swept names")
        for k in group:
            if k not in swept:
                raise SpecError(f"{where}: zip names '{k}', which is not swept")
            if k in seen:
                raise SpecError(f"{where}: '{k}' is in two zip groups")
            seen.add(k)
        lens = {len(swept[k]) for k in group}
        if len(lens) != 1:
            raise SpecError(f"{where}: zipped parameters {', '.join(group)} have different lengths "
                            f"({', '.join(str(len(swept[k])) for k in group)})")
    args = sw.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise SpecError(f"{where}: [sweep] args must be a list of strings")
    labels = sw.get("labels", [])
    if not isinstance(labels, list) or any(k not in swept and k not in fixed for k in labels):
        raise SpecError(f"{where}: [sweep] labels must list fixed or swept parameters")
    slurm = dict(raw.get("slurm", {}))
    thr = slurm.get("throttle", 0)
    if not isinstance(thr, int) or thr < 0:
        raise SpecError(f"{where}: [slurm] throttle must be an integer >= 0")
    return {"name": str(name), "fixed": fixed, "swept": swept, "zip": [list(g) for g in zips],
            "generate": gen, "args": args, "labels": list(labels), "out": sw.get("out"), "mecsim": sw.get("mecsim"),
            "slurm": slurm, "parallel": dict(raw.get("parallel", {})), "base": base}


def spec_from_cli(a):
    """The grid given on the command line (--platform, --deployment, --fixed, --swept)."""
    raw = {"sweep": {"name": a.name or "sweep"}, "fixed": {}, "swept": {}}
    if a.platform:
        raw["sweep"]["platform"] = a.platform
    if a.deployment:
        raw["sweep"]["deployment"] = a.deployment
    if a.zip_all:
        raw["sweep"]["combine"] = "zip"
    if a.arg:
        raw["sweep"]["args"] = list(a.arg)
    for kv in a.fixed or []:
        k, eq, v = kv.partition("=")
        if not eq:
            raise SpecError(f"--fixed '{kv}': expected KEY=VALUE")
        vals = _parse_cli_values(v)
        raw["fixed"][k] = vals[0] if isinstance(vals, list) and len(vals) == 1 else v
    for kv in a.swept or []:
        k, eq, v = kv.partition("=")
        if not eq:
            raise SpecError(f"--swept '{kv}': expected KEY=V1,V2,... or KEY=START:STOP:STEP")
        raw["swept"][k] = _parse_cli_values(v)
    return raw


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, float) and math.isfinite(v) else str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v))


def write_toml(raw, path):
    lines = []
    for tbl, content in raw.items():
        lines.append(f"[{tbl}]")
        for k, v in content.items():
            lines.append(f"{k} = {_toml_value(v)}")
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


# --------------------------------------------------------------------------- plan

def _fmt(v):
    """A value as mecsim reads it on the command line."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def grid(spec):
    """The parameter sets, in a stable order: zip groups and lone parameters
    crossed, in the order the spec lists them."""
    swept = spec["swept"]
    axes, done = [], set()
    for k in swept:
        if k in done:
            continue
        group = next((g for g in spec["zip"] if k in g), [k])
        done.update(group)
        axes.append([{g: swept[g][i] for g in group} for i in range(len(swept[group[0]]))])
    combos = [{}]
    for axis in axes:
        combos = [{**c, **p} for c in combos for p in axis]
    return combos


def run_id_of(params):
    """Stable id of a complete parameter set (fixed and swept, files by path)."""
    text = json.dumps({k: params[k] for k in sorted(params)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _gen_refs(spec):
    if not spec["generate"]:
        return []
    text = " ".join(spec["generate"]["args"])
    return sorted(set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", text)))


def plan(spec, out):
    """The job list: [{run_id, index, params (swept), all_params, trace, argv}]."""
    combos = grid(spec)
    refs = _gen_refs(spec)
    for r in refs:
        if r not in spec["swept"] and r not in spec["fixed"]:
            raise SpecError(f"[generate] args use {{{r}}}, which is neither fixed nor swept")
    jobs, ids = [], {}
    for i, combo in enumerate(combos):
        allp = {**spec["fixed"], **combo}
        if spec["generate"]:
            allp["_generate"] = spec["generate"]["script"] + " " + " ".join(
                a.format(**allp) for a in spec["generate"]["args"])
        if spec["args"]:
            allp["_args"] = " ".join(spec["args"])
        rid = run_id_of(allp)
        if rid in ids:
            raise SpecError(f"runs {ids[rid]} and {i} have the same parameters {combo}")
        ids[rid] = i
        if spec["generate"]:
            gkey = hashlib.sha1(allp["_generate"].encode()).hexdigest()[:10]
            plat = os.path.join("generated", f"{gkey}.platform.xml")
            dep = os.path.join("generated", f"{gkey}.deployment.xml")
            gen_args = [a.format(**allp) for a in spec["generate"]["args"]]
        else:
            plat, dep, gen_args = allp["platform"], allp["deployment"], None
        argv = [plat, dep]
        for k, v in allp.items():
            if k in FILE_PARAMS or k.startswith("_") or k in refs or k in spec["labels"]:
                continue
            argv += ["--set", f"{k}={_fmt(v)}"]
        argv += list(spec["args"])
        jobs.append({"run_id": rid, "index": i, "params": combo,
                     "trace": os.path.join("runs", rid + ".h5"), "argv": argv, "generate": gen_args})
    return jobs


def sweep_id_of(spec, jobs):
    h = hashlib.sha1(" ".join(sorted(j["run_id"] for j in jobs)).encode()).hexdigest()[:8]
    return f"{spec['name']}-{h}"


def resolve_mecsim(spec, opt):
    """The binary asked for: --mecsim, else $MECSIM, else the spec's mecsim; None when none is."""
    if opt or os.environ.get("MECSIM"):
        return os.path.abspath(opt or os.environ["MECSIM"])
    if spec.get("mecsim"):
        return os.path.abspath(_resolve_input(spec["mecsim"], spec["base"]))
    return None


def sweep_dir(spec, out):
    return os.path.abspath(out or spec.get("out") or os.path.join("out", "sweeps", spec["name"]))


def write_plan(spec, out, mecsim, spec_text=None):
    """Expands the spec into DIR/plan.json and DIR/jobs.txt (and generates
    the platforms of [generate]). Returns the plan dict."""
    jobs = plan(spec, out)
    os.makedirs(os.path.join(out, "runs"), exist_ok=True)
    gen_done = set()
    for j in jobs:
        if j["generate"] is None:
            continue
        plat, dep = (os.path.join(out, p) for p in j["argv"][:2])
        if plat in gen_done or (os.path.exists(plat) and os.path.exists(dep)):
            gen_done.add(plat)
            continue
        os.makedirs(os.path.dirname(plat), exist_ok=True)
        cmd = [PY, spec["generate"]["script"]] + j["generate"] + ["--platform", plat + ".tmp",
                                                                  "--deployment", dep + ".tmp"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise SpecError(f"generator failed ({shlex.join(cmd)}): {(p.stderr or p.stdout).strip()[-500:]}")
        os.replace(plat + ".tmp", plat)
        os.replace(dep + ".tmp", dep)
        gen_done.add(plat)
    sid = sweep_id_of(spec, jobs)
    if mecsim is None:  # keep the binary an earlier run was given
        try:
            with open(os.path.join(out, "plan.json")) as f:
                mecsim = json.load(f).get("mecsim")
        except (OSError, ValueError):
            pass
        mecsim = mecsim or os.path.join(REPO, "build", "mecsim")
    pl = {"sweep_id": sid, "name": spec["name"], "mecsim": mecsim, "swept": list(spec["swept"]),
          "base": spec["base"],
          "fixed": spec["fixed"], "planned_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
          "jobs": jobs}
    tmp = os.path.join(out, "plan.json.tmp")
    with open(tmp, "w") as f:
        json.dump(pl, f, indent=1)
    os.replace(tmp, os.path.join(out, "plan.json"))
    with open(os.path.join(out, "jobs.txt"), "w") as f:
        f.write("".join(j["run_id"] + "\n" for j in jobs))
    if spec_text is not None:
        with open(os.path.join(out, "sweep.toml"), "w") as f:
            f.write(spec_text)
    return pl


def load_plan(out):
    try:
        with open(os.path.join(out, "plan.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        raise SpecError(f"no plan in '{out}' (run 'mecsim-sweep plan SPEC.toml --out {out}' first)")


# --------------------------------------------------------------------------- exec

def result_path(out, rid):
    return os.path.join(out, "runs", rid + ".json")


def read_result(out, rid):
    try:
        with open(result_path(out, rid)) as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def error_message(log_text):
    lines = [ln.strip() for ln in log_text.splitlines() if ln.strip()]
    mec = [ln for ln in lines if ln.startswith("mecsim:") and "trace written" not in ln]
    if mec:
        return mec[-1]
    return lines[-1] if lines else ""


def trace_attrs(pl, job):
    """--trace-attr options: the sweep id, the run id and every swept parameter."""
    args = ["--trace-attr", f"sweep_id={pl['sweep_id']}", "--trace-attr", f"sweep_run_id={job['run_id']}",
            "--trace-attr", "sweep_params=" + json.dumps(job["params"], sort_keys=True)]
    for k, v in job["params"].items():
        args += ["--trace-attr", f"sweep.{k}={_fmt(v)}"]
    return args


def cmd_exec(out, rid, engine):
    """Runs one job: mecsim with its trace in DIR/runs, stdout+stderr in
    DIR/runs/ID.log, then DIR/runs/ID.json with exit status, wall time,
    peak RSS and error. Interrupted (SIGTERM, SIGINT): no result (missing)."""
    out = os.path.abspath(out)
    pl = load_plan(out)
    job = next((j for j in pl["jobs"] if j["run_id"] == rid), None)
    if job is None:
        die(f"run '{rid}' is not in {out}/plan.json")
    rdir = os.path.join(out, "runs")
    for name in os.listdir(rdir):  # what an earlier, killed attempt left
        if name == rid + ".json" or name.startswith(rid + ".h5.tmp."):
            os.unlink(os.path.join(rdir, name))
    trace = os.path.join(out, job["trace"])
    argv = [os.path.join(out, p) if i < 2 and not os.path.isabs(p) else p for i, p in enumerate(job["argv"])]
    cmd = [pl["mecsim"]] + argv + trace_attrs(pl, job) + ["--quiet", "--trace", trace]
    with open(os.path.join(out, "execlog.txt"), "a") as f:
        f.write(f"{time.time():.3f}\t{rid}\t{engine}\t{socket.gethostname()}\t{os.getpid()}\n")
    log = os.path.join(rdir, rid + ".log")
    stop = []
    with open(log, "w") as lf:
        lf.write("# " + shlex.join(cmd) + "\n")
        lf.flush()
        t0 = time.monotonic()
        try:
            child = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, cwd=rdir)
        except OSError as e:
            child = None
            lf.write(f"mecsim: cannot start {cmd[0]}: {e.strerror}\n")
        def forward(sig, _frame):
            stop.append(sig)
            if child:
                try:
                    child.send_signal(sig)
                except ProcessLookupError:
                    pass
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, forward)
        if child:
            while True:
                try:
                    _, status, ru = os.wait4(child.pid, 0)
                    break
                except InterruptedError:
                    continue
            rc = os.waitstatus_to_exitcode(status)
            rss = ru.ru_maxrss / 1024.0
        else:
            rc, rss = 127, float("nan")
        wall = time.monotonic() - t0
    if stop:
        sys.exit(128 + stop[0])
    with open(log) as f:
        text = f.read()
    err = ""
    if rc != 0:
        err = error_message(text.split("\n", 1)[1] if "\n" in text else "")
        if rc < 0:
            err = f"killed by signal {signal.Signals(-rc).name}" + (f" ({err})" if err else "")
        if not err:
            err = f"exit {rc}"
    res = {"run_id": rid, "exit_status": rc, "wall_s": wall, "peak_rss_mib": rss, "error": err,
           "engine": engine, "host": socket.gethostname(),
           "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
           "slurm_job": os.environ.get("SLURM_ARRAY_JOB_ID", "") + (
               "_" + os.environ["SLURM_ARRAY_TASK_ID"] if "SLURM_ARRAY_TASK_ID" in os.environ else "")}
    tmp = result_path(out, rid) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f)
    os.replace(tmp, result_path(out, rid))
    sys.exit(0 if rc == 0 else (rc if 0 < rc < 256 else 1))


# --------------------------------------------------------------------------- status

def states(out, pl):
    """{run_id: (state, result)}: done (exit 0 and the trace exists), failed, missing."""
    st = {}
    for j in pl["jobs"]:
        r = read_result(out, j["run_id"])
        if r is None:
            st[j["run_id"]] = ("missing", None)
        elif r["exit_status"] == 0 and os.path.exists(os.path.join(out, j["trace"])):
            st[j["run_id"]] = ("done", r)
        elif r["exit_status"] == 0:
            st[j["run_id"]] = ("missing", r)  # trace deleted since
        else:
            st[j["run_id"]] = ("failed", r)
    return st


def counts(st):
    c = {"done": 0, "failed": 0, "missing": 0}
    for s, _ in st.values():
        c[s] += 1
    return c


def print_status(out, pl, verbose=False):
    st = states(out, pl)
    c = counts(st)
    print(f"sweep {pl['sweep_id']} in {out}: {len(st)} runs, {c['done']} done, {c['failed']} failed, "
          f"{c['missing']} missing")
    for j in pl["jobs"]:
        s, r = st[j["run_id"]]
        if s == "failed" or verbose:
            extra = f": {r['error']}" if s == "failed" else ""
            print(f"  {s:7s} {j['run_id']} {json.dumps(j['params'], sort_keys=True)}{extra}")
    return c


# --------------------------------------------------------------------------- engines

def todo_runs(out, pl, retry_failed):
    st = states(out, pl)
    want = ("missing", "failed") if retry_failed else ("missing",)
    return [j["run_id"] for j in pl["jobs"] if st[j["run_id"]][0] in want]


def run_parallel(out, pl, todo, jobs, joblog, dry_run):
    if not shutil.which("parallel"):
        die("GNU parallel is not installed (Debian package 'parallel')")
    lst = os.path.join(out, "todo.txt")
    with open(lst, "w") as f:
        f.write("".join(r + "\n" for r in todo))
    cmd = ["parallel", "--will-cite", "--jobs", str(jobs), "--joblog", "+" + joblog,
           "--arg-file", lst, PY, TOOL, "exec", "--engine", "parallel", out, "{}"]
    if dry_run:
        print(shlex.join(cmd))
        return 0
    child = subprocess.Popen(cmd)
    got = []

    def forward(sig, _frame):
        got.append(sig)
        try:
            child.send_signal(signal.SIGTERM)  # parallel ends its running jobs on SIGTERM
        except ProcessLookupError:
            pass
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, forward)
    while True:
        try:
            rc = child.wait()
            break
        except InterruptedError:
            continue
    if got:
        print(f"mecsim-sweep: interrupted by {signal.Signals(got[0]).name}; rerun the same command to "
              "run what is missing", file=sys.stderr)
        sys.exit(128 + got[0])
    return rc


SBATCH_TEMPLATE = """#!/bin/bash
# mecsim sweep {sweep_id}: {n} runs as a Slurm job array (written by mecsim-sweep run --engine slurm).
# Array index i runs line i+1 of {joblist}.
#SBATCH --job-name=mecsim-{name}
#SBATCH --array=0-{last}{throttle}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task={cpus}
{time_line}{mem_line}{partition_line}{extra_lines}#SBATCH --output={logdir}/%A_%a.out
set -u
line=$((SLURM_ARRAY_TASK_ID + 1))
run_id=$(sed -n "${{line}}p" {joblist_q})
if [ -z "$run_id" ]; then echo "no line $line in {joblist}" >&2; exit 2; fi
exec {py} {tool} exec --engine slurm {out_q} "$run_id"
"""


def write_sbatch(out, pl, spec, todo):
    sdir = os.path.join(out, "slurm")
    os.makedirs(sdir, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    joblist = os.path.join(sdir, f"jobs-{stamp}.txt")
    with open(joblist, "w") as f:
        f.write("".join(r + "\n" for r in todo))
    sl = spec["slurm"]
    thr = int(sl.get("throttle", 0) or 0)
    extra = sl.get("sbatch_args", [])
    text = SBATCH_TEMPLATE.format(
        sweep_id=pl["sweep_id"], n=len(todo), joblist=joblist, joblist_q=shlex.quote(joblist),
        name=spec["name"], last=len(todo) - 1, throttle=f"%{thr}" if thr else "",
        cpus=int(sl.get("cpus_per_task", 1)),
        time_line=f"#SBATCH --time={sl['time']}\n" if sl.get("time") else "",
        mem_line=f"#SBATCH --mem={sl['mem']}\n" if sl.get("mem") else "",
        partition_line=f"#SBATCH --partition={sl['partition']}\n" if sl.get("partition") else "",
        extra_lines="".join(f"#SBATCH {a}\n" for a in extra),
        logdir=sdir, py=PY, tool=shlex.quote(TOOL), out_q=shlex.quote(out))
    script = os.path.join(sdir, f"sweep-{stamp}.sbatch")
    with open(script, "w") as f:
        f.write(text)
    os.chmod(script, 0o755)
    return script


def slurm_active(out):
    """Job arrays of this sweep directory still queued or running (squeue)."""
    try:
        with open(os.path.join(out, "slurm", "submitted.txt")) as f:
            ours = {line.split("\t")[0] for line in f if line.strip()}
    except FileNotFoundError:
        return []
    if not ours or not shutil.which("squeue"):
        return []
    p = subprocess.run(["squeue", "-h", "-o", "%F"], capture_output=True, text=True)
    return sorted(ours & set(p.stdout.split())) if p.returncode == 0 else []


def run_slurm(out, pl, spec, todo, dry_run, wait):
    active = [] if dry_run else slurm_active(out)
    if active:
        die(f"job array(s) {', '.join(active)} of this sweep are still queued or running: wait for them "
            "(squeue), or scancel them, before submitting what is missing")
    script = write_sbatch(out, pl, spec, todo)
    print(f"mecsim-sweep: wrote {script} ({len(todo)} array tasks)")
    if dry_run:
        return 0
    if not shutil.which("sbatch"):
        die("sbatch is not on PATH (Slurm client); use --dry-run to only write the script")
    p = subprocess.run(["sbatch", "--parsable", script], capture_output=True, text=True)
    job = p.stdout.strip().split(";")[0]
    if p.returncode != 0 or not job:
        die(f"sbatch failed (exit {p.returncode}): {(p.stderr or p.stdout).strip()[-500:]}", 1)
    print(f"mecsim-sweep: submitted job array {job}", flush=True)
    with open(os.path.join(out, "slurm", "submitted.txt"), "a") as f:
        f.write(f"{job}\t{script}\n")
    if not wait:
        return 0
    # like sbatch --wait, but polling squeue a little more often at first (sbatch backs off to 32 s)
    delay = 0.25
    while True:
        q = subprocess.run(["squeue", "-h", "-o", "%F"], capture_output=True, text=True)
        if q.returncode == 0 and job not in q.stdout.split():
            break
        time.sleep(delay)
        delay = min(delay * 1.25, 5.0)
    print(f"mecsim-sweep: job array {job} has ended", flush=True)
    return 0


# --------------------------------------------------------------------------- collect

def trace_metrics(path):
    """The index metrics of one trace, computed with h5py and numpy."""
    import h5py
    import numpy as np
    m = {k: math.nan for k in METRICS}
    with h5py.File(path, "r") as f:
        t = f["tasks"][()] if "tasks" in f else None
        d = f["decisions"][()] if "decisions" in f else None
        m["tasks_unfinished"] = int(f.attrs.get("tasks_unfinished_at_until", 0))
        m["sim_end_s"] = float(f.attrs.get("end_time_s", math.nan))
    n = 0 if t is None else len(t)
    m["tasks"] = n
    if n:
        delay = t["done"] - t["arrival"]
        m["mean_delay_s"] = float(np.mean(delay))
        m["p50_delay_s"], m["p95_delay_s"], m["p99_delay_s"] = (float(x) for x in np.percentile(delay, [50, 95, 99]))
        m["energy_per_task_j"] = float(np.mean(t["energy_local_j"] + t["energy_tx_j"]))
        with_deadline = int(np.sum(t["deadline"] > 0))
        m["miss_ratio"] = float(np.sum(t["missed"]) / with_deadline) if with_deadline else math.nan
    nd = 0 if d is None else len(d)
    m["decisions"] = nd
    if nd:
        m["mean_decision_time_s"] = float(np.mean(d["done"] - d["time"]))
    return m


def _param_kind(values):
    if all(isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float"
    return "str"


def collect(out, pl):
    """Builds DIR/index.h5 (dataset /runs, typed compound rows) and DIR/index.csv."""
    import h5py
    import numpy as np
    st = states(out, pl)
    swept = pl["swept"]
    kinds = {k: _param_kind([j["params"][k] for j in pl["jobs"]]) for k in swept}
    cols = [("run_id", "str"), ("run_index", "int")] + [(k, kinds[k]) for k in swept] + \
           [(c, kd) for c, kd, _, _ in INDEX_COLUMNS]
    units = {"run_id": "text", "run_index": "1"}
    units.update({c: u for c, _, u, _ in INDEX_COLUMNS})
    rows = []
    for j in pl["jobs"]:
        s, r = st[j["run_id"]]
        row = {"run_id": j["run_id"], "run_index": j["index"], "trace": j["trace"], "status": s,
               "exit_status": r["exit_status"] if r else NEVER_RAN, "error": r["error"] if r else "",
               "wall_s": r["wall_s"] if r else math.nan, "peak_rss_mib": r["peak_rss_mib"] if r else math.nan}
        for k in swept:
            v = j["params"][k]
            row[k] = int(v) if kinds[k] == "int" else float(v) if kinds[k] == "float" else _fmt(v)
        met = {k: math.nan for k in METRICS}
        if s == "done":
            try:
                met = trace_metrics(os.path.join(out, j["trace"]))
            except (OSError, KeyError, ValueError) as e:
                row["status"], row["error"] = "failed", f"unreadable trace: {e}"
        for k in METRICS:
            kind = dict((c, kd) for c, kd, _, _ in INDEX_COLUMNS)[k]
            v = met[k]
            row[k] = (-1 if (v is None or (isinstance(v, float) and math.isnan(v))) else int(v)) \
                if kind == "int" else float(v)
        rows.append(row)
    # HDF5: one compound dataset
    str_t = h5py.string_dtype("utf-8")
    npt = {"int": np.int64, "float": np.float64, "str": str_t}
    dtype = np.dtype([(c, npt[k]) for c, k in cols])
    arr = np.zeros(len(rows), dtype=dtype)
    for i, row in enumerate(rows):
        arr[i] = tuple(row[c] for c, _ in cols)
    tmp = os.path.join(out, "index.h5.tmp")
    with h5py.File(tmp, "w") as f:
        ds = f.create_dataset("runs", data=arr)
        ds.attrs["units"] = "; ".join(f"{c}: {units.get(c, '')}" for c, _ in cols)
        ds.attrs["description"] = "one row per run of the sweep (docs/sweeps.md)"
        ds.attrs["swept"] = ",".join(swept)
        f.attrs["sweep_id"] = pl["sweep_id"]
        f.attrs["sweep_name"] = pl["name"]
        f.attrs["fixed"] = json.dumps(pl["fixed"], sort_keys=True)
        f.attrs["index_format"] = 1
        f.attrs["collected_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    os.replace(tmp, os.path.join(out, "index.h5"))
    # CSV: numbers unquoted (repr: exact round trip), text quoted when needed
    import csv
    tmp = os.path.join(out, "index.csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([c for c, _ in cols])
        for row in rows:
            w.writerow([("" if math.isnan(row[c]) else repr(row[c])) if k == "float" else row[c]
                        for c, k in cols])
    os.replace(tmp, os.path.join(out, "index.csv"))
    return rows


# --------------------------------------------------------------------------- link

def link(out, pl, dest, pattern):
    """Hard-links (else copies) each done run's trace and log to DEST/NAME.h5 and DEST/NAME.log,
    NAME = pattern.format(**params, run_id=...). Returns [(job, name)]."""
    st = states(out, pl)
    os.makedirs(dest, exist_ok=True)
    done = []
    names = {}
    for j in pl["jobs"]:
        try:
            name = pattern.format(**j["params"], run_id=j["run_id"], index=j["index"])
        except (KeyError, ValueError, IndexError) as e:
            raise SpecError(f"link: pattern '{pattern}': {e!r} (parameters: {', '.join(j['params'])}, run_id, index)")
        if name in names:
            raise SpecError(f"link: runs {names[name]} and {j['run_id']} both give the name '{name}'")
        names[name] = j["run_id"]
        if st[j["run_id"]][0] != "done":
            continue
        for ext in (".h5", ".log"):
            src = os.path.join(out, "runs", j["run_id"] + ext)
            dst = os.path.join(dest, name + ext)
            if not os.path.exists(src):
                continue
            if os.path.lexists(dst):
                os.unlink(dst)
            os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copyfile(src, dst)
        done.append((j, name))
    return done


# --------------------------------------------------------------------------- CLI

def _open_target(a):
    """SPEC.toml or the grid options -> (spec, out, plan), planned now;
    DIR (a sweep directory) -> its saved spec and plan (planned again when
    running, so a new --mecsim applies)."""
    target = a.target
    if target and os.path.isdir(target):
        out = os.path.abspath(target)
        pl = load_plan(out)
        spec_path = os.path.join(out, "sweep.toml")
        spec = load_spec(spec_path, pl.get("base")) if os.path.exists(spec_path) else None
        if spec and (a.cmd == "run" or getattr(a, "mecsim", None)):
            pl = write_plan(spec, out, resolve_mecsim(spec, getattr(a, "mecsim", None)))
        return spec, out, pl
    if target:
        spec = load_spec(target)
        with open(target) as f:
            spec_text = f.read()
        raw = None
    else:
        raw = spec_from_cli(a)
        spec = normalize_spec(raw, os.getcwd(), "command line")
        spec_text = None
    out = sweep_dir(spec, getattr(a, "out", None))
    os.makedirs(out, exist_ok=True)
    if raw is not None:
        write_toml(raw, os.path.join(out, "sweep.toml"))
    mecsim = resolve_mecsim(spec, getattr(a, "mecsim", None))
    pl = write_plan(spec, out, mecsim, spec_text)
    return spec, out, pl


def main(argv=None):
    ap = argparse.ArgumentParser(prog="mecsim-sweep", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, grid_opts=True):
        p.add_argument("target", nargs="?", help="the sweep spec (TOML), or a sweep directory")
        p.add_argument("--out", help="sweep directory (default: the spec's out, else out/sweeps/NAME)")
        if grid_opts:
            g = p.add_argument_group("the grid on the command line (instead of a spec)")
            g.add_argument("--name")
            g.add_argument("--platform")
            g.add_argument("--deployment")
            g.add_argument("--fixed", action="append", metavar="KEY=VALUE")
            g.add_argument("--swept", action="append", metavar="KEY=V1,V2|START:STOP:STEP")
            g.add_argument("--zip-all", action="store_true", help="zip the swept lists instead of crossing them")
            g.add_argument("--arg", action="append", metavar="ARG",
                           help="one more mecsim argument for every run, e.g. --arg=--slot --arg=4.5")
            p.add_argument("--mecsim", help="the mecsim binary (default: $MECSIM, the spec's mecsim, build/mecsim)")

    p = sub.add_parser("plan", help="expand the spec into runs with stable ids")
    common(p)
    p.add_argument("--quiet", action="store_true")
    p = sub.add_parser("run", help="run what is missing")
    common(p)
    p.add_argument("--engine", choices=("parallel", "slurm"), default="parallel")
    p.add_argument("--jobs", help="GNU parallel --jobs (default: the spec's [parallel] jobs, else 100%%)")
    p.add_argument("--joblog", help="GNU parallel joblog (default DIR/joblog; appended)")
    p.add_argument("--retry-failed", action="store_true", help="rerun the failed runs too")
    p.add_argument("--dry-run", action="store_true", help="slurm: only write the sbatch script; parallel: print the command")
    p.add_argument("--wait", action="store_true", help="slurm: wait until the job array has left the queue (squeue)")
    p.add_argument("--no-collect", action="store_true", help="do not build the index at the end")
    p = sub.add_parser("status", help="count done / failed / missing runs")
    common(p)
    p.add_argument("-v", "--verbose", action="store_true", help="one line per run")
    p = sub.add_parser("collect", help="build DIR/index.h5 and DIR/index.csv")
    common(p)
    p = sub.add_parser("link", help="hard-link the done runs' traces and logs under names made of their parameters")
    common(p, grid_opts=False)
    p.add_argument("dest", help="directory of the links")
    p.add_argument("--pattern", required=True, help="file name without .h5, e.g. '{policy}-s{seed}' (str.format)")
    p = sub.add_parser("exec", help="run one job (called by the engines)")
    p.add_argument("dir")
    p.add_argument("run_id")
    p.add_argument("--engine", default="manual")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "exec":
            cmd_exec(a.dir, a.run_id, a.engine)
        if not a.target and not (getattr(a, "platform", None) or getattr(a, "deployment", None)
                                 or getattr(a, "swept", None) or getattr(a, "fixed", None)):
            raise SpecError("give a spec (SPEC.toml), a sweep directory, or the grid (--platform ... --swept ...)")
        spec, out, pl = _open_target(a)
        if a.cmd == "plan":
            c = counts(states(out, pl))
            print(f"sweep {pl['sweep_id']}: {len(pl['jobs'])} runs -> {out} (plan.json, jobs.txt); "
                  f"{c['done']} done, {c['failed']} failed, {c['missing']} missing")
            if not a.quiet:
                for j in pl["jobs"]:
                    print(f"  {j['index']:4d} {j['run_id']} {json.dumps(j['params'], sort_keys=True)}")
            return 0
        if a.cmd == "status":
            c = print_status(out, pl, a.verbose)
            return 0 if c["failed"] == 0 and c["missing"] == 0 else 1
        if a.cmd == "link":
            got = link(out, pl, a.dest, a.pattern)
            print(f"mecsim-sweep: {len(got)} done runs linked into {a.dest}")
            return 0
        if a.cmd == "collect":
            rows = collect(out, pl)
            c = counts(states(out, pl))
            print(f"mecsim-sweep: index of {len(rows)} runs ({c['done']} done, {c['failed']} failed, "
                  f"{c['missing']} missing) -> {out}/index.h5, {out}/index.csv")
            return 0
        if a.cmd == "run":
            if spec is None:
                raise SpecError(f"'{out}' has no sweep.toml to run")
            import fcntl
            lock = open(os.path.join(out, "run.lock"), "w")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise SpecError(f"another 'mecsim-sweep run' is using {out}")
            todo = todo_runs(out, pl, a.retry_failed)
            c = counts(states(out, pl))
            print(f"mecsim-sweep: sweep {pl['sweep_id']}: {len(pl['jobs'])} runs, {c['done']} done, "
                  f"{c['failed']} failed{' (retried)' if a.retry_failed else ''}, {len(todo)} to run "
                  f"with {a.engine}", flush=True)
            if todo:  # the status below tells how it went, whatever the engine's exit
                if a.engine == "parallel":
                    jobs = a.jobs or str(spec["parallel"].get("jobs", "100%"))
                    run_parallel(out, pl, todo, jobs, os.path.abspath(a.joblog or os.path.join(out, "joblog")),
                                      a.dry_run)
                else:
                    run_slurm(out, pl, spec, todo, a.dry_run, a.wait)
                    if not a.wait:
                        if not a.dry_run:
                            print("mecsim-sweep: the array runs in the background; 'mecsim-sweep status' / "
                                  "'collect' when it is done")
                        return 0
            if a.dry_run:
                return 0
            c = print_status(out, pl)
            if not a.no_collect:
                collect(out, pl)
                print(f"mecsim-sweep: index -> {out}/index.h5, {out}/index.csv")
            return 0 if c["failed"] == 0 and c["missing"] == 0 else 1
    except SpecError as e:
        die(str(e))
    return 0
