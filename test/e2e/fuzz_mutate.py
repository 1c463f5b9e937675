#!/usr/bin/python3
"""Mutation fuzzer for the mecsim binary (issue 8).

    /usr/bin/python3 fuzz_mutate.py MECSIM SRCDIR [--seed S] [--max-mutants N] [--time SEC]
                     [--timeout SEC] [--jobs J] [--keep DIR] [--only I,J,...] [--generate-only]

Mutates the example inputs (platforms/*.xml with their deployments/*.xml, a 12-device <cluster>
cell written by platforms/generate.py, a small CSV task file it writes itself) and the command line (every knob of `mecsim --list-knobs`, SimGrid --cfg/--log
options, the trace path, the positional arguments), runs mecsim on each mutant in its own
temporary directory, and checks an oracle. Each of these is a finding:

  crash           exit code not in {0, 1, 2}, or killed by a signal
  sanitizer       AddressSanitizer / LeakSanitizer / UndefinedBehaviorSanitizer report on stderr
  simgrid-abort   SimGrid/C++ death on stderr: Backtrace, "The Impossible Did Happen",
                  "Uncaught exception", xbt_die, "terminate called", "Segmentation fault"
  hang            still running after --timeout seconds (then SIGTERM, and SIGKILL 10 s later)
  nonfinite       exit 0 and /tasks holds +-inf anywhere, or NaN in a column that is always set
                  (id, md, arrival, decide_start/end, done, input_bits, cycles, output_bits,
                  deadline, local_cycles, energies, price), or a phase with one end NaN
  lost-tasks      exit 0 and tasks_done != rows of /tasks, or != the tasks the run had to do
                  (n_md x cfg.tasks_per_md, or the task file's rows with arrivals=file) when
                  cfg.until = 0, or != the count printed on stdout
  bad-trace       exit 0 and the trace is missing or unreadable
  exit-message    exit 2 with an empty stderr or more than one line (the usage text of a missing
                  positional argument excepted), or exit 1 with an empty stderr
  leftover        a NAME.tmp.PID file left in the case directory, or any new file after exit != 0
                  (also after our SIGTERM of a hang; not after a SIGKILL)
  input-modified  a file the command line names (platform, deployment, task file, model) changed
                  by the run, e.g. by --trace platform.xml

Mutant I is a pure function of (--seed, I, the example files, the binary's knob and policy lists):
it draws from its own random.Random("mecsim-fuzz:SEED:I"), so any mutant can be re-run alone
(--only I) and two runs with the same seed generate the same mutants (compare the "mutants
digest" line, or use --generate-only). The run stops after --max-mutants mutants or when --time
seconds have passed, whichever comes first (a mutant that has started finishes).

Every finding's mutated files are saved under --keep DIR (default ./fuzz-findings), one
directory per mutant (NNNNN/) with a cmd.sh reproducer, its stderr and the list of mutations.
Output: one line per finding, a count per category, groups of findings by stderr signature,
and last the line "N passed, N failed" (failed = mutants with at least one finding). Exit
status 1 if there was any finding, 2 on a usage error.
"""
import argparse
import concurrent.futures
import copy
import hashlib
import math
import os
import random
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

try:
    import h5py
    import numpy as np
except ImportError:  # pragma: no cover - use /usr/bin/python3 (Debian's, with h5py)
    h5py = None
    np = None

XML_HEAD = "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
ASAN_NOISE = ("__asan_handle_no_return", "False positive error reports may follow", "sanitizers/issues/189")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:",
                   "ThreadSanitizer", "MemorySanitizer")
ABORT_MARKS = ("Backtrace", "The Impossible Did Happen", "Uncaught exception", "xbt_die", "Segmentation fault",
               "terminate called", "Assertion", "core dumped", "/CRITICAL]")
INFO_OPTIONS = ("--help", "-h", "--version", "--list-knobs", "--list-policies")
CATEGORIES = ("crash", "sanitizer", "simgrid-abort", "hang", "nonfinite", "lost-tasks", "bad-trace",
              "exit-message", "leftover", "input-modified")

# Columns of /tasks that every completed task has (never NaN); phases are start/end pairs that are
# both NaN (the phase did not happen) or both finite (src/trace/trace.c, analysis/mecsim_trace.py).
ALWAYS_SET = ("id", "md", "target", "partition", "slot", "dnn", "missed", "arrival", "decide_start",
              "decide_end", "done", "input_bits", "cycles", "output_bits", "local_cycles",
              "energy_local_j", "energy_tx_j", "price", "deadline", "tier")
PHASES = (("local_start", "local_end"), ("up_start", "up_end"), ("fwd_start", "fwd_end"),
          ("exec_start", "exec_end"), ("down_start", "down_end"),
          # trace format 2 (checked only when the fields exist)
          ("up_wait_start", "up_start"), ("down_start", "down_fiber_end"), ("down_radio_start", "down_end"))

# ---------------------------------------------------------------------------------------------
# Nasty values
# ---------------------------------------------------------------------------------------------
NASTY_NUM = ["0", "-1", "1e-300", "1e308", "nan", "inf", "-inf", "", "2147483648", "4294967301",
             "-0", "1e-320", "1e309", "-1e308", "0x10", "1e", "5abc", " 5", "5 ", "+", "-",
             "9223372036854775808", "18446744073709551617", "NaN", "INFINITY", "1,5", "1e-7",
             "99999999999999999999999999999999999", "-2147483649", "0.5", "3", "1e30", "1e12"]
# Values at and just beyond the documented limits (docs/robustness.md): inside, a run must still
# end in time with finite results; outside, it must be refused with one line.
BOUNDARY = ["1e-15", "9.9e-16", "1e-9", "9.9e-10", "1e-6", "9.9e-7", "1e-3", "0.1", "1", "1e4", "1.0001e4",
            "1e6", "1.000001e6", "1e7", "1e9", "1.0000001e9", "1e12", "1.0000001e12", "1e15", "1.0001e15",
            "1e18", "1.0001e18", "8e15", "-300", "-400", "100", "101", "1e-300"]
NASTY_NUM = NASTY_NUM + BOUNDARY
NASTY_COUNT = [v for v in NASTY_NUM if v not in ("1e30", "1e12", "1e9", "1e6", "1e7", "1e4", "1.0001e4", "1e15",
                                                 "1e18", "8e15", "1.000001e6", "100", "101")]  # no legit huge runs
NASTY_DIST = ["exp:1e308", "uniform:5:1", "normal:0:1e308", "lognormal:800:1", "const:nan", "const:inf",
              "uniform:-inf:inf", "exp:0", "exp:-1", "normal:-5:1", "const:1e308", "uniform:0:1e308",
              "const:", "uniform:1", "uniform:1:2:3", "exp:", "normal:1e308:1e308", "lognormal:0:1e3",
              "lognormal:-800:1", "const:-1", "uniform:0:0", "const:0", "exp:1e-300", "const:1e-320",
              "uniform:1e308:1.7e308", "zipf:1", ":", "const:1e18", "exp:1e15", "normal:5:0"]
NASTY_DIST += ["const:1e18", "const:1.0001e18", "exp:2.5e16", "uniform:0:1e15", "normal:1e12:1e3",
               "lognormal:30:0.1", "const:1e12", "uniform:1e-300:1e-299", "exp:1e-9"]
NASTY_STR = ["", "x", "none", "\u00e9\u00e8", "a" * 300, "a" * 5000, "%s%s%n", "1", "-1", "../x", "NONE"]
UNIT_NUMBERS = ["0", "-1", "1e-300", "1e308", "nan", "inf", "-inf", "", "1e309", "1e-320", "2147483648",
                "4294967301", "0.5", "-0", "1e30", "1", "1e6", "1e-9", "1e12", "1e15", "1.0001e15", "1e18",
                "1.0001e18", "1e-15"]
RADICALS = ["0-0", "5-1", "0-", "-1-3", "0-3,3-5", "a-b", "0-11,0-11", "", "0-2147483648", "0-1,5-6"]
TYPO_SUFFIX = ["x", "_", "s", "2", " ", "-", "S"]

SG_OPTIONS = [
    "--cfg=contexts/stack-size:0", "--cfg=contexts/stack-size:1", "--cfg=contexts/stack-size:-1",
    "--cfg=contexts/stack-size:99999999999", "--cfg=contexts/stack-size:4",
    "--cfg=contexts/guard-size:-5", "--cfg=contexts/guard-size:1000000000", "--cfg=contexts/guard-size:1",
    "--cfg=contexts/factory:nonsense", "--cfg=contexts/factory:thread", "--cfg=contexts/factory:ucontext",
    "--cfg=contexts/factory:raw", "--cfg=contexts/nthreads:0", "--cfg=contexts/nthreads:-1",
    "--cfg=contexts/nthreads:4", "--cfg=surf/precision:-1", "--cfg=surf/precision:0",
    "--cfg=surf/precision:nan", "--cfg=surf/precision:1e308", "--cfg=precision/timing:-1",
    "--cfg=precision/work-amount:-1", "--cfg=maxmin/precision:0", "--cfg=network/model:Nonsense",
    "--cfg=network/model:LV08", "--cfg=network/model:SMPI", "--cfg=network/model:IB",
    "--cfg=network/model:NS3", "--cfg=network/model:Constant", "--cfg=cpu/model:Nonsense",
    "--cfg=host/model:ptask_L07", "--cfg=host/model:Nonsense", "--cfg=network/TCP-gamma:-1",
    "--cfg=network/crosstraffic:2", "--cfg=network/latency-factor:0", "--cfg=network/bandwidth-factor:-1",
    "--cfg=network/weight-S:nan", "--cfg=network/optim:Full", "--cfg=cpu/optim:TI",
    "--cfg=network/maxmin-selective-update:yes", "--cfg=nonsense", "--cfg=", "--cfg=:",
    "--cfg=unknown/option:1", "--cfg=path:/nonexistent", "--cfg=plugin:nonsense",
    "--cfg=plugin:host_energy", "--cfg=network/loopback-bw:0", "--cfg=network/loopback-lat:-1",
    "--cfg=exception/cutpath:1", "--cfg=clean-atexit:no", "--cfg=contexts/stack-size:nan",
    "--log=root.thres:nonsense", "--log=nonsense", "--log=", "--log=root.fmt:%", "--log=root.app:nonsense",
    "--log=root.thres:critical", "--log=mecsim.thres:critical", "--log=no_loc", "--log=root.fmt:%z%q%",
    "--log=xbt_cfg.thres:debug", "--log=root.thres:debug", "--log=root.thres:verbose",
    "--log=.thres:info", "--log=root.thres", "--cfg=contexts/factory:boost",
]
VERBOSE_LOG = re.compile(r"--log=.*(thres:(debug|verbose|info|trace)|fmt|app)")

POLICIES_EXTRA = ["", "greedyy", "GREEDY", "local ", "tpos", "x" * 200]
POLICY_ARGS = ["p_local=2", "p_local=nan", "p_local=-1", "p_local=inf", "p_local=", "=,=,", ",", "x" * 5000,
               "p_local=0.5,p_local=0.1", "unknown=1", "p_local", "p_local=1e-320", "==",
               "eps=nan,lr=-1", "neighbours=1,2,3", "gamma=1e308",
               # DyNN (dynn, dynn-ga, dynn-equal)
               "sched=rl", "sched=all,no_local=1", "sched=x", "alloc=fix,k=11", "alloc=fix,k=0,l=4",
               "alloc=policy,k=3", "alloc=static", "alloc=", "lambda=0", "lambda=nan", "lambda=1e300",
               "no_local=2", "joint=1,max_iter=3", "joint=2", "max_iter=-1", "patience=nan",
               "model=nofile", "model=platform.xml",
               # MEMTL (exhaustive, memtl, mtfnn)
               "step=0.03", "step=0", "step=1e-9", "step=nan", "pick=head99", "pick=head", "pick=foo", "h=x",
               "h=gain", "online=1", "online=2", "online=1,online_window=0", "online=1,online_detect=1e9",
               "online_epochs=-1", "alpha=2", "alpha=nan", "p_exec=-1", "p_down=inf",
               # TDMA and BCOS (tdma-equal, bcos-opt, mcos, bcos, pcos)
               "frac=0", "frac=0.5", "frac=2", "frac=nan", "guard=0.001", "guard=-1", "guard=1e9", "pmax=0",
               "pmax=nan", "pmax=0.2", "windows=upload", "windows=net", "windows=", "windows=fit",
               # TPOS continuous operation (tpos-cai, tpos-uai)
               "carry=1", "carry=2", "carry=nan", "carry=1,admit=0", "carry=1,admit=-1", "carry=1,admit=inf",
               "carry=1,lead=0.05", "carry=1,lead=-1", "admit=2", "lead=0.1",
               # external (nobody listens: each fails within its short timeout, exit 2)
               "endpoint=", "endpoint=http://x", "endpoint=ipc://", "endpoint=tcp://127.0.0.1:1,timeout=0.2",
               "endpoint=ipc:///nonexistent-dir/agent.sock,timeout=0.2", "timeout=0", "timeout=nan",
               "endpoint=ipc:///tmp/x,timeout=-1", "endpoint=ipc:///tmp/x,timeout=1e9"]
# --trace-attr KEY=VALUE: reserved and malformed keys, control characters, oversized values
TRACE_ATTRS = ["sweep=x", "sweep_id=abc", "run.seed=1", "trace_format=9", "cfg.slot=1", "=v", "k", "k=",
               "k=" + "v" * 70000, "a b=c", "k=\x01", "1k=v", "k" * 65 + "=v", "ok=\u00e9", "policy=x", "k=v=w"]
# Mobility (docs/mobility.md): models, their parameters at and beyond their limits, and position
# traces (positions.csv, written by gen_positions and possibly broken by c_mobility).
MOBILITY_MODELS = ["rwp", "gauss-markov", "trace", "static", "rwp", "gauss-markov", "walk", "RWP", ""]
MOBILITY_KNOBS = {
    "rwp_speed": ["const:1", "uniform:0.5:1.5", "uniform:10:20", "lognormal:0:1", "const:1e4", "const:1.0001e4",
                  "uniform:0:2", "exp:1", "normal:1:1", "lognormal:0:4", "const:-1", "const:1e-300", "zipf:1"],
    "rwp_pause": ["const:0", "exp:10", "uniform:0:5", "lognormal:0:1", "normal:1:1", "const:-1", "exp:1e13",
                  "const:1e12", "uniform:5:1"],
    "rwp_start": ["stationary", "uniform", "Uniform", ""],
    "gm_alpha": ["0", "0.75", "1", "1.5", "-0.1", "nan"],
    "gm_mean_speed": ["0", "1", "30", "1e4", "1.0001e4", "-1"],
    "gm_speed_sd": ["0", "0.3", "1e4", "-1"],
    "gm_mean_dir": ["0", "3.14159", "-1000", "1001"],
    "gm_dir_sd": ["0", "0.5", "-0.5", "1e3"],
    "gm_step": ["1", "1e-6", "9e-7", "1e6", "1.1e6", "0"],
    "gm_edge": ["0", "10", "99.9", "100", "1e9", "-1"],
    "mobility_area": ["-100,-100,100,100", "0,0,1e-3,1e-3", "-1e9,-1e9,1e9,1e9", "1,2,3", "10,0,0,10",
                      "nan,0,1,1", "-2e9,0,1,1", "0, 0 ,5,5", "", "a,b,c,d", "0,0,5,5,"],
    "bs_x": ["0", "1e3", "-1e9", "1.1e9"],
    "bs_y": ["0", "-50", "1e9", "inf"],
    "mobility_update": ["0", "1", "1e-3", "9e-4", "0.05", "1e12", "-1"],
    "mobility_samples_max": ["0", "1", "3", "-1", "100000"],
    "mobility_file": ["positions.csv", "nofile", "platform.xml", "outdir", ""],
}
TRACE_TARGETS = ["platform.xml", "deployment.xml", "tasks.csv", ".", "outdir", "outdir/", "nodir/t.h5",
                 "", "t.h5/", "outdir/t.h5", "platform.xml/t.h5", "..", "t.h5.tmp.1", "t.h5\n"]


def short(v, n=40):
    """repr of a value, shortened for the mutation log."""
    r = repr(v)
    return r if len(r) <= n else r[:n - 12] + "...(%d chars)" % len(v)


def typo(rng, s):
    if not s:
        return "x"
    k = rng.randrange(4)
    i = rng.randrange(len(s))
    if k == 0:
        return s[:i] + s[i + 1:]  # drop a character
    if k == 1 and len(s) > 1:
        j = min(i + 1, len(s) - 1)
        lst = list(s)
        lst[i], lst[j] = lst[j], lst[i]
        return "".join(lst)
    if k == 2:
        return s.upper() if s != s.upper() else s.lower() + "x"
    return s + rng.choice(TYPO_SUFFIX)


def unit_nasty(rng, value):
    """A nasty value keeping the unit suffix of `value` ("300Mf" -> "-1Mf") most of the time."""
    m = re.match(r"^\s*([-+0-9.eE]*)(.*)$", value or "")
    suffix = m.group(2) if m else ""
    r = rng.random()
    if r < 0.15:
        return rng.choice(NASTY_NUM + NASTY_STR[:4])
    if r < 0.22 and suffix:
        return suffix  # unit without a number
    if r < 0.28 and "," in (value or ""):
        return value.replace(",", ",,")
    return rng.choice(UNIT_NUMBERS) + suffix


# ---------------------------------------------------------------------------------------------
# Knobs (from --list-knobs)
# ---------------------------------------------------------------------------------------------
class Knob:
    def __init__(self, name, desc, default):
        self.name, self.desc, self.default = name, desc, default
        m = re.search(r"\{([^}]*)\}", desc)
        self.choices = m.group(1).split("|") if m else None
        d = default.strip('"')
        if re.match(r"^(const|uniform|exp|normal|lognormal):", d):
            self.kind = "dist"
        elif self.choices:
            self.kind = "enum"
        else:
            try:
                float(d)
                self.kind = "num"
            except ValueError:
                self.kind = "str"

    def nasty(self, rng):
        if self.name in ("tasks_per_md",):
            return rng.choice(NASTY_COUNT)
        if self.kind == "dist":
            return rng.choice(NASTY_DIST + NASTY_NUM) if rng.random() < 0.85 else rng.choice(NASTY_STR)
        if self.kind == "enum":
            r = rng.random()
            if r < 0.5:
                return rng.choice(self.choices)  # valid, in an unusual combination
            if r < 0.8:
                return typo(rng, rng.choice(self.choices))
            return rng.choice(NASTY_STR)
        if self.kind == "num":
            return rng.choice(NASTY_NUM) if rng.random() < 0.9 else rng.choice(NASTY_STR)
        return rng.choice(NASTY_STR + ["platform.xml", "tasks.csv", "outdir", "md-", "es-", "bs", "nofile"])


def read_knobs(binary, env):
    try:
        out = subprocess.run([binary, "--list-knobs"], capture_output=True, text=True, timeout=60,
                             env=env).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    knobs, cur = [], None
    for line in out.splitlines():
        m = re.match(r"^  ([a-z_][a-z0-9_]*)\s+(.*)$", line)
        if m:
            cur = [m.group(1), m.group(2)]
            continue
        m = re.match(r"^\s+default:\s?(.*)$", line)
        if m and cur:
            knobs.append(Knob(cur[0], cur[1], m.group(1)))
            cur = None
    if not knobs:  # a binary that cannot list its knobs: the documented core set
        for name, default in (("seed", "1"), ("until", "0"), ("tasks_per_md", "10"), ("rate", "1"),
                              ("slot", "1"), ("task_bits", "const:1"), ("task_cycles", "const:1"),
                              ("bandwidth", "20e6"), ("policy", "greedy")):
            knobs.append(Knob(name, "", default))
    knobs.sort(key=lambda k: k.name)
    return knobs


# ---------------------------------------------------------------------------------------------
# Scenarios and mutants
# ---------------------------------------------------------------------------------------------
class Scenario:
    def __init__(self, name, plat_path, dep_path):
        self.name = name
        with open(plat_path, "rb") as f:
            self.plat = f.read()
        with open(dep_path, "rb") as f:
            self.dep = f.read()
        self.n_md = self.dep.count(b'function="mobile_device"')
        self.file_arrivals = b'<prop id="arrivals" value="file"' in self.dep


def generated_scenario(src, work):
    """A small cell written by platforms/generate.py: MDs as <cluster>s and md_hosts, which no
    example file has. None if the generator fails."""
    gen = os.path.join(src, "platforms", "generate.py")
    plat, dep = os.path.join(work, "generated.xml"), os.path.join(work, "generated-dep.xml")
    try:
        # relative names: the generator writes the platform's name into the deployment
        r = subprocess.run([sys.executable, os.path.abspath(gen), "--n-md", "12", "--n-servers", "2", "--tasks",
                            "2", "--md-classes", "3", "--seed", "1", "--platform", "generated.xml",
                            "--deployment", "generated-dep.xml"], capture_output=True, timeout=120, cwd=work)
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0 or not os.path.exists(plat) or not os.path.exists(dep):
        return None
    sc = Scenario("generated", plat, dep)
    sc.n_md = 12
    return sc


def find_scenarios(src):
    pdir, ddir = os.path.join(src, "platforms"), os.path.join(src, "deployments")
    out = []
    for fn in sorted(os.listdir(pdir)):
        if not fn.endswith(".xml"):
            continue
        name = fn[:-4]
        dep = os.path.join(ddir, fn)
        if not os.path.exists(dep):  # e.g. dtomalb_n10_shared.xml: the deployment of its family
            base = re.sub(r"_[a-z]+$", "", name)
            dep = os.path.join(ddir, base + ".xml")
        if os.path.exists(dep):
            out.append(Scenario(name, os.path.join(pdir, fn), dep))
    return out


def gen_tasks(rng, n_md):
    n_md = max(n_md, 1)
    rows = ["md,arrival_s,input_bits,cycles,output_bits,deadline_s"]
    t = 0.0
    for _ in range(rng.randint(2, 8)):
        t += rng.choice([0.0, 0.1, 0.5, 1.0])
        rows.append("%d,%g,%g,%g,%g,%g" % (rng.randrange(n_md), t, rng.choice([8, 8e3, 2.4e6, 4e6]),
                                          rng.choice([1e6, 8e8, 1.2e9]), rng.choice([0, 8e3]),
                                          rng.choice([0, 0.5, 2])))
    return ("\n".join(rows) + "\n").encode()


def gen_positions(rng, n_md):
    """A position trace time,device,x,y with every device 0..n_md-1 (docs/mobility.md)."""
    rows = ["time,device,x,y"]
    for d in range(max(n_md, 1)):
        t = 0.0
        for _ in range(rng.randint(1, 3)):
            rows.append("%g,%d,%g,%g" % (t, d, rng.uniform(-150, 150), rng.uniform(-150, 150)))
            t += rng.choice([0.5, 1.0, 10.0])
    return ("\n".join(rows) + "\n").encode()


def count_task_rows(data):
    """Data lines of a task file as mecsim's reader sees them (not comment, blank or header)."""
    n = 0
    parts = data.split(b"\n")
    for i, raw in enumerate(parts):
        line = raw.lstrip(b" \t")
        if i == len(parts) - 1 and raw == b"":
            continue  # after the last newline: no line
        if line[:1] in (b"#", b"\r", b"") or (i == 0 and line.startswith(b"md")):
            continue
        n += 1
    return n


class Mutant:
    def __init__(self, index, scenario):
        self.index = index
        self.scenario = scenario
        self.files = {"platform.xml": scenario.plat, "deployment.xml": scenario.dep}
        self.dirs = ["outdir"]
        self.positional = ["platform.xml", "deployment.xml"]
        self.args = []
        self.ops = []
        self.own_workload = False  # the mutant sets tasks_per_md itself
        self.verbose = False       # a --log option that makes SimGrid talk
        self.file_arrivals = scenario.file_arrivals
        if self.file_arrivals:
            self.files["tasks.csv"] = b""

    def argv(self):
        a = list(self.positional) + ["--quiet", "--trace", "t.h5"]
        if not self.own_workload:
            a += ["--tasks_per_md", "3"]
        if self.file_arrivals and "tasks.csv" in self.files:
            a += ["--task_file", "tasks.csv"]
        return a + self.args

    def digest(self):
        h = hashlib.sha256()
        h.update(self.scenario.name.encode())
        for k in sorted(self.files):
            h.update(k.encode() + b"\0" + self.files[k] + b"\0")
        for a in self.argv():
            h.update(os.fsencode(a) + b"\0")
        return h.hexdigest()[:16]


# -- XML helpers --------------------------------------------------------------------------------
def parse_xml(data):
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        return None


def xml_bytes(root):
    return (XML_HEAD + ET.tostring(root, encoding="unicode") + "\n").encode()


def parents_map(root):
    return {c: p for p in root.iter() for c in p}


def elements(root, tag=None):
    return [e for e in root.iter() if e is not root and (tag is None or e.tag == tag)]


def host_ids(root):
    return [e.get("id") for e in root.iter("host") if e.get("id")]


class Ops:
    """Mutation operators. Each takes (mutant, rng) and returns a description, or None when it
    does not apply (the caller then draws another)."""

    def __init__(self, knobs, policies):
        self.knobs = knobs
        self.knob_by_name = {k.name: k for k in knobs}
        self.policies = policies

    # -- XML-aware, both files ----------------------------------------------------------------
    def _xml(self, m, target, fn, rng):
        root = parse_xml(m.files[target])
        if root is None:
            return None
        desc = fn(root, rng, target, m)
        if desc:
            m.files[target] = xml_bytes(root)
            return "%s: %s" % (target, desc)
        return None

    def x_attr_nasty(self, root, rng, target, m):
        els = [e for e in elements(root) if e.attrib]
        if not els:
            return None
        e = rng.choice(els)
        a = rng.choice(sorted(e.attrib))
        old = e.get(a)
        if a == "radical":
            e.set(a, rng.choice(RADICALS))
        elif a in ("speed", "bandwidth", "latency", "core", "value", "bw", "lat", "power",
                 "loopback_bw", "loopback_lat", "bb_bw", "bb_lat", "start_time", "kill_time"):
            e.set(a, unit_nasty(rng, old))
        else:
            e.set(a, rng.choice(NASTY_STR + NASTY_NUM[:8]))
        return "<%s %s=%s> -> %s" % (e.tag, a, short(old), short(e.get(a)))

    def x_prop_nasty(self, root, rng, target, m):
        props = elements(root, "prop")
        if not props:
            return None
        p = rng.choice(props)
        pid = p.get("id", "")
        old = p.get("value")
        k = self.knob_by_name.get(pid)
        if k is not None:
            p.set("value", k.nasty(rng))
            if pid == "tasks_per_md":
                m.own_workload = True
        else:
            p.set("value", unit_nasty(rng, old) if rng.random() < 0.7 else rng.choice(NASTY_STR))
        return "<prop id=%s value=%s> -> %s" % (short(pid), short(old), short(p.get("value")))

    def x_delete_elem(self, root, rng, target, m):
        els = elements(root)
        if not els:
            return None
        e = rng.choice(els)
        parents_map(root)[e].remove(e)
        return "deleted <%s %s>" % (e.tag, " ".join("%s=%r" % kv for kv in sorted(e.attrib.items()))[:80])

    def x_dup_elem(self, root, rng, target, m):
        els = elements(root)
        if not els:
            return None
        e = rng.choice(els)
        parent = parents_map(root)[e]
        n = 1 if rng.random() < 0.85 else rng.choice([50, 500, 2000])
        pos = list(parent).index(e)
        for i in range(n):
            parent.insert(pos + 1 + i, copy.deepcopy(e))
        return "duplicated <%s id=%r host=%r> x%d" % (e.tag, e.get("id"), e.get("host"), n)

    def x_rename_attr(self, root, rng, target, m):
        els = [e for e in elements(root) if e.attrib]
        if not els:
            return None
        e = rng.choice(els)
        a = rng.choice(sorted(e.attrib))
        new = typo(rng, a)
        items = [(new if k == a else k, v) for k, v in e.attrib.items()]
        e.attrib.clear()
        for k, v in items:
            e.set(k, v)
        return "<%s> attribute %r renamed %r" % (e.tag, a, new)

    def x_typo_prop_id(self, root, rng, target, m):
        props = elements(root, "prop")
        if not props:
            return None
        p = rng.choice(props)
        old = p.get("id", "")
        p.set("id", typo(rng, old) if rng.random() < 0.8 else rng.choice(["", "id", "ID", "x" * 300]))
        return "<prop id=%s> -> id=%s" % (short(old), short(p.get("id")))

    def x_bad_ref(self, root, rng, target, m):
        refs = [(e, a) for e in elements(root) for a in ("src", "dst", "host", "gw_src", "gw_dst")
                if e.get(a) is not None]
        refs += [(e, "id") for e in elements(root, "link_ctn")]
        refs += [(e, "value") for e in elements(root, "prop") if e.get("id") in ("access_point", "md_hosts")]
        if not refs:
            return None
        e, a = rng.choice(refs)
        old = e.get(a)
        new = rng.choice(["nohost", typo(rng, old), "", old + old, "bs", "es-1", "md-0", "ap", "md-99"])
        e.set(a, new)
        return "<%s %s=%s> -> %s" % (e.tag, a, short(old), short(new))

    def x_swap_hosts(self, root, rng, target, m):
        if target == "deployment.xml":
            actors = elements(root, "actor")
            if len(actors) < 2:
                return None
            a, b = rng.sample(actors, 2)
            ha, hb = a.get("host"), b.get("host")
            a.set("host", hb)
            b.set("host", ha)
            return "swapped actor hosts %r (%s) <-> %r (%s)" % (ha, a.get("function"), hb, b.get("function"))
        hosts = elements(root, "host")
        if len(hosts) < 2:
            return None
        a, b = rng.sample(hosts, 2)
        ia, ib = a.get("id"), b.get("id")
        a.set("id", ib)
        b.set("id", ia)
        return "swapped host ids %r <-> %r" % (ia, ib)

    def x_add_attr(self, root, rng, target, m):
        choices = []
        for e in elements(root):
            if e.tag == "host":
                choices += [(e, "core", None), (e, "pstate", None), (e, "availability_file", "tasks.csv"),
                            (e, "state_file", "deployment.xml"), (e, "speed_file", "nofile"),
                            (e, "coordinates", None)]
            elif e.tag == "link":
                choices += [(e, "sharing_policy", None), (e, "bandwidth_file", "tasks.csv"),
                            (e, "latency_file", "platform.xml"), (e, "state_file", "nofile")]
            elif e.tag == "route":
                choices += [(e, "symmetrical", None)]
            elif e.tag == "actor":
                choices += [(e, "start_time", None), (e, "kill_time", None), (e, "on_failure", None)]
            elif e.tag == "zone":
                choices += [(e, "routing", None)]
        if not choices:
            return None
        e, a, fixed = rng.choice(choices)
        if fixed:
            v = fixed
        elif a == "sharing_policy":
            v = rng.choice(["FATPIPE", "SPLITDUPLEX", "WIFI", "SHARED", "nonsense", ""])
        elif a == "symmetrical":
            v = rng.choice(["NO", "YES", "maybe", ""])
        elif a == "on_failure":
            v = rng.choice(["DIE", "RESTART", "x"])
        elif a == "routing":
            v = rng.choice(["Floyd", "Dijkstra", "DijkstraCache", "None", "Vivaldi", "Cluster", "Wifi",
                            "Nonsense", ""])
        elif a in ("start_time", "kill_time"):
            v = rng.choice(["0", "0.5", "1", "-1", "nan", "inf", "1e308", "1e-300", "2"])
        else:
            v = rng.choice(NASTY_NUM[:12])
        old = e.get(a)
        e.set(a, v)
        return "<%s id=%r host=%r> %s=%r (was %r)" % (e.tag, e.get("id"), e.get("host"), a, v, old)

    def x_add_prop(self, root, rng, target, m):
        if target == "platform.xml":
            hosts = elements(root, "host") + elements(root, "link")
            if not hosts:
                return None
            e = rng.choice(hosts)
            pid = rng.choice(["distance", "tx_power", "kappa", "dnn", "wifi_rates", "core", "distanse",
                              "neighbours", "x", "y"])
            val = rng.choice(["alexnet", "mix", "vgg16", "none", "lenet", "x"]) if pid == "dnn" and \
                rng.random() < 0.6 else rng.choice(NASTY_NUM + ["1,2,3", "54e6,,", "54e6,nan"])
        else:
            actors = elements(root, "actor")
            if not actors:
                return None
            e = rng.choice(actors)
            bss = [a.get("host") for a in actors if a.get("function") == "base_station"]
            if e.get("function") == "base_station" and rng.random() < 0.85:
                k = rng.choice(self.knobs)
                pid, val = k.name, k.nasty(rng)
                if e is not actors[0] and rng.random() < 0.5:  # several BSs: a second BS's own props
                    pid, val = rng.choice(["bs_x", "bs_y", "bandwidth", "bsx"]), rng.choice(NASTY_NUM)
                if pid == "tasks_per_md":
                    m.own_workload = True
            else:
                pid = rng.choice(["id", "distance", "tx_power", "kappa", "dnn", "neighbours", "distanse",
                                  "policy", "tier", "tier", "teir", "bs", "bs", "bss"])
                val = rng.choice(NASTY_NUM + ["0,1", "1,1", "99", "-1,2", "0,0,0"] +
                                 (["edge", "cloud", "Cloud", "clod", "edge,cloud"] if pid == "tier" else []) +
                                 (bss + bss + ["", "bs-9", "md-0"] if pid.startswith("bs") else []))
        p = ET.SubElement(e, "prop", {"id": pid, "value": val})
        # SimGrid's DTD wants props first
        e.remove(p)
        e.insert(0, p)
        return "<%s id=%r host=%r> + <prop id=%r value=%s>" % (e.tag, e.get("id"), e.get("host"), pid, short(val))

    def x_rename_tag(self, root, rng, target, m):
        els = elements(root)
        if not els:
            return None
        e = rng.choice(els)
        old = e.tag
        e.tag = rng.choice([typo(rng, old), "host", "link", "actor", "prop", "zone", "cluster", "process"])
        return "<%s> renamed <%s>" % (old, e.tag)

    def x_move_elem(self, root, rng, target, m):
        els = elements(root)
        if len(els) < 2:
            return None
        e = rng.choice(els)
        pm = parents_map(root)
        dests = [d for d in [root] + els if d.tag in ("platform", "zone", "host", "actor", "route", "link",
                                                      "cluster") and e not in list(d.iter())]
        if not dests:
            return None
        d = rng.choice(dests)
        pm[e].remove(e)
        d.insert(rng.randint(0, len(d)), e)
        return "moved <%s id=%r> into <%s id=%r>" % (e.tag, e.get("id") or e.get("host"), d.tag, d.get("id"))

    # -- platform-only --------------------------------------------------------------------------
    def p_delete_route(self, root, rng, target, m):
        routes = [r for r in root.iter() if r.tag in ("route", "zoneRoute")]
        if not routes:
            return None
        r = rng.choice(routes)
        parents_map(root)[r].remove(r)
        return "deleted <%s src=%r dst=%r>" % (r.tag, r.get("src"), r.get("dst"))

    def p_route_links(self, root, rng, target, m):
        routes = [r for r in root.iter() if r.tag == "route"]
        links = [l.get("id") for l in root.iter("link") if l.get("id")]
        if not routes or not links:
            return None
        r = rng.choice(routes)
        k = rng.randrange(3)
        if k == 0:
            ET.SubElement(r, "link_ctn", {"id": rng.choice(links)})
            return "route %s->%s: extra link" % (r.get("src"), r.get("dst"))
        if k == 1:
            for c in list(r):
                r.remove(c)
            return "route %s->%s: no links" % (r.get("src"), r.get("dst"))
        ET.SubElement(r, "link_ctn", {"id": rng.choice(links), "direction": rng.choice(["UP", "DOWN", "x"])})
        return "route %s->%s: link with direction" % (r.get("src"), r.get("dst"))

    def p_dup_id(self, root, rng, target, m):
        ids = [e for e in elements(root) if e.get("id") and e.tag in ("host", "link", "zone", "router")]
        if len(ids) < 2:
            return None
        a, b = rng.sample(ids, 2)
        old = a.get("id")
        a.set("id", b.get("id"))
        return "<%s id=%r> -> id=%r (duplicate)" % (a.tag, old, b.get("id"))

    # -- deployment-only -----------------------------------------------------------------------
    def d_function(self, root, rng, target, m):
        actors = elements(root, "actor")
        if not actors:
            return None
        a = rng.choice(actors)
        old = a.get("function")
        new = rng.choice(["mobile_device", "edge_server", "base_station", typo(rng, old or "x"), "",
                          "main", "mec_base_station"])
        a.set("function", new)
        return "actor on %r: function %r -> %r" % (a.get("host"), old, new)

    def d_actor_host(self, root, rng, target, m):
        actors = elements(root, "actor")
        proot = parse_xml(m.files["platform.xml"])
        hosts = host_ids(proot) if proot is not None else []
        if not actors:
            return None
        a = rng.choice(actors)
        old = a.get("host")
        new = rng.choice(hosts + ["nohost", typo(rng, old or "x"), ""]) if hosts else "nohost"
        a.set("host", new)
        return "actor %r: host %r -> %r" % (a.get("function"), old, new)

    def d_argument(self, root, rng, target, m):
        actors = elements(root, "actor")
        if not actors:
            return None
        a = rng.choice(actors)
        ET.SubElement(a, "argument", {"value": rng.choice(NASTY_NUM + NASTY_STR)})
        return "actor %r on %r: + <argument>" % (a.get("function"), a.get("host"))

    # -- command line --------------------------------------------------------------------------
    def c_knob(self, m, rng):
        k = rng.choice(self.knobs)
        v = k.nasty(rng)
        form = rng.randrange(6)
        if form == 0:
            m.args += ["--%s=%s" % (k.name, v)]
        elif form == 1:
            m.args += ["--" + k.name, v]
        elif form == 2:
            m.args += ["--set", "%s=%s" % (k.name, v)]
        elif form == 3:
            m.args += ["--%s=%s" % (k.name.replace("_", "-"), v)]
        elif form == 4:  # option without its value, at the end
            m.args += ["--" + k.name]
        else:
            m.args += ["--set", "%s=%s" % (typo(rng, k.name), v)]
        if k.name == "tasks_per_md" and form != 5:
            m.own_workload = True
        return "cmd: knob %s = %s (form %d)" % (k.name, short(v), form)

    def c_sg(self, m, rng):
        o = rng.choice(SG_OPTIONS)
        m.args.append(o)
        if VERBOSE_LOG.search(o):
            m.verbose = True
        return "cmd: " + o

    def c_policy(self, m, rng):
        p = rng.choice(self.policies + POLICIES_EXTRA) if rng.random() < 0.8 else typo(rng, rng.choice(
            self.policies or ["greedy"]))
        m.args += ["--policy", p]
        if rng.random() < 0.4:
            m.args += ["--policy-args", rng.choice(POLICY_ARGS)]
        if rng.random() < 0.2:
            m.args += ["--dnn", rng.choice(["alexnet", "vgg16", "mix", "lenet"])]
        if rng.random() < 0.2:
            m.args += ["--decide", "per-slot"]
        return "cmd: policy %s %s" % (short(p), short(" ".join(m.args[-4:]), 80))

    def c_trace(self, m, rng):
        t = rng.choice(TRACE_TARGETS)
        if t == "tasks.csv" and not m.file_arrivals:  # make it an input of the run
            self.c_task_file(m, rng)
        form = rng.randrange(3)
        if form == 0:
            m.args += ["--trace", t]
        elif form == 1:
            m.args += ["--trace=" + t]
        else:
            m.args += ["--set", "trace=" + t]
        if rng.random() < 0.3:
            a = rng.choice(TRACE_ATTRS)
            m.args += ["--trace-attr", a]
            return "cmd: trace -> %r, --trace-attr %s" % (t, short(a))
        return "cmd: trace -> %r" % t

    def c_positional(self, m, rng):
        k = rng.randrange(9)
        if k == 0:
            m.positional = ["deployment.xml", "platform.xml"]
        elif k == 1:
            m.positional = ["platform.xml", "platform.xml"]
        elif k == 2:
            m.positional = ["platform.xml"]
        elif k == 3:
            m.positional = ["outdir", "deployment.xml"]
        elif k == 4:
            m.positional = ["platform.xml", "nofile.xml"]
        elif k == 5:
            m.files["empty.xml"] = b""
            m.positional = [rng.choice(["empty.xml", "platform.xml"]), "empty.xml"]
        elif k == 6:
            m.positional = ["platform.xml", "deployment.xml", "extra.xml"]
        elif k == 7:
            m.files["tasks.csv"] = m.files.get("tasks.csv") or gen_tasks(rng, m.scenario.n_md)
            m.positional = rng.choice([["tasks.csv", "deployment.xml"], ["platform.xml", "tasks.csv"]])
        else:
            m.positional = ["", "deployment.xml"]
        return "cmd: positional %r" % (m.positional,)

    def c_weird(self, m, rng):
        w = rng.choice([[""], ["-"], ["--"], ["--="], ["--=x"], ["-" * 3 + "quiet"], ["--set"],
                        ["--set", "=1"], ["--set", "seed"], ["--" + "a" * 127 + "=1"],
                        ["--" + "a" * 128 + "=1"], ["--" + "x" * 100000], ["x" * 100000],
                        ["--seed", "\udcff\udcfe"], ["--policy", "gr\udce9edy"], ["--help"], ["--version"],
                        ["--list-knobs"], ["--no-trace"], ["--quiet=1"], ["--seed=1", "--seed=2"],
                        ["--until"], ["--until", "nan"], ["--until", "-1"], ["--until", "1e-300"],
                        ["--until", "1e308"], ["--until", "0.5"], ["--seed", "18446744073709551615"],
                        ["--seed", "-1"], ["--seed", "0x"], ["--seed", "1e3"], ["-h"], ["-x"]])
        m.args += w
        return "cmd: %s" % short(w, 80)

    def c_model(self, m, rng):
        learn = [p for p in self.policies if p in ("dtomalb", "dtoma", "dqn-tolb", "dqn-tolb-branch", "idql-tolb",
                                                   "dynn", "memtl", "mtfnn", "bcos", "pcos")] or ["dtomalb"]
        p = rng.choice(learn)
        model = rng.choice(["platform.xml", "tasks.csv", "outdir", "nofile", "empty.bin", "junk.bin", ""])
        if model == "tasks.csv" and "tasks.csv" not in m.files:
            m.files["tasks.csv"] = gen_tasks(rng, m.scenario.n_md)
        if model == "empty.bin":
            m.files["empty.bin"] = b""
        if model == "junk.bin":
            m.files["junk.bin"] = bytes(rng.randrange(256) for _ in range(rng.choice([4, 64, 4096])))
        m.args += ["--policy", p, "--model", model]
        return "cmd: policy %s model %r" % (p, model)

    def c_task_file(self, m, rng):
        if "tasks.csv" not in m.files or not m.files["tasks.csv"]:
            m.files["tasks.csv"] = gen_tasks(rng, m.scenario.n_md)
        m.file_arrivals = True
        m.args += ["--arrivals", "file"]
        return "cmd: arrivals=file task_file=tasks.csv"

    def c_mobility(self, m, rng):
        """Moving devices: a model, some of its parameters (valid or beyond their limits), a position
        trace for mobility=trace (sometimes broken). On cells with distance properties any model
        but static is refused (exit 2, one line)."""
        model = rng.choice(MOBILITY_MODELS)
        m.args += ["--set", "mobility=" + model]
        done = ["mobility=" + model]
        for k in rng.sample(sorted(MOBILITY_KNOBS), rng.randint(0, 3)):
            v = rng.choice(MOBILITY_KNOBS[k])
            m.args += ["--set", "%s=%s" % (k, v)]
            done.append("%s=%s" % (k, short(v)))
        if model == "trace" and rng.random() < 0.9:
            data = gen_positions(rng, m.scenario.n_md or 12)
            r = rng.random()
            if r < 0.15:  # a device without rows
                data = b"\n".join(l for l in data.split(b"\n") if not l.startswith(b"0,0,")) or data
                done.append("positions.csv: device 0 removed")
            elif r < 0.3:  # a nasty cell
                lines = data.split(b"\n")
                i = rng.randrange(1, max(len(lines) - 1, 2))
                cells = lines[i].split(b",") if i < len(lines) else [b""]
                j = rng.randrange(len(cells))
                cells[j] = rng.choice(NASTY_NUM + ["-5", "99999", "x", ""]).encode("utf-8", "surrogateescape")
                lines[i % len(lines)] = b",".join(cells)
                data = b"\n".join(lines)
                done.append("positions.csv: a nasty cell")
            m.files["positions.csv"] = data
            m.args += ["--set", "mobility_file=positions.csv"]
        return "cmd: " + " ".join(done)

    # -- task file -----------------------------------------------------------------------------
    def t_cell(self, m, rng):
        lines = m.files["tasks.csv"].decode("utf-8", "surrogateescape").split("\n")
        data = [i for i, l in enumerate(lines) if l and not l.startswith("md")]
        if not data:
            return None
        i = rng.choice(data)
        cells = lines[i].split(",")
        j = rng.randrange(len(cells))
        old = cells[j]
        if j == 0:
            cells[j] = rng.choice(["-1", str(max(m.scenario.n_md, 1)), "2147483648", "4294967296", "", "x",
                                   "0.5", "1e3", " 0", "99"])
        else:
            cells[j] = rng.choice(NASTY_NUM + ["1e15", "1e18", "1e12", "1.0000001e12", "1e-320", "0"])
        lines[i] = ",".join(cells)
        m.files["tasks.csv"] = "\n".join(lines).encode("utf-8", "surrogateescape")
        return "tasks.csv line %d column %d: %s -> %s" % (i + 1, j + 1, short(old), short(cells[j]))

    def t_struct(self, m, rng):
        lines = m.files["tasks.csv"].decode("utf-8", "surrogateescape").split("\n")
        k = rng.randrange(10)
        data = [i for i, l in enumerate(lines) if l and not l.startswith("md")]
        if k == 0 and data:
            i = rng.choice(data)
            lines[i] = lines[i].rsplit(",", 1)[0]
            d = "dropped a column"
        elif k == 1 and data:
            i = rng.choice(data)
            lines[i] += rng.choice([",1", ",", " x", ";"])
            d = "extra column"
        elif k == 2 and data:
            i = rng.choice(data)
            n = rng.choice([1, 100, 5000])
            lines[i + 1:i + 1] = [lines[i]] * n
            d = "duplicated a row x%d" % n
        elif k == 3:
            lines = ["md,arrival_s,input_bits,cycles,output_bits,deadline_s"]
            d = "header only (no task)"
        elif k == 4:
            lines = [""]
            d = "empty file"
        elif k == 5:
            lines = [l + "\r" for l in lines]
            d = "CRLF"
        elif k == 6:
            lines.insert(1, "0," + "1" * 2000 + ",1,1,1,1")
            d = "long line"
        elif k == 7:
            lines[0] = rng.choice(["# comment", "", "MD,arrival", "mdx,1,2", "  md"])
            d = "header %r" % lines[0]
        elif k == 8:
            lines = lines[:1] + ["%d,%s,8,1e6,0,0" % (i % max(m.scenario.n_md, 1),
                                                        rng.choice(["0", "1e-300", "1e12", "5"]))
                                 for i in range(rng.choice([2, 50, 3000]))]
            d = "many rows at one arrival time"
        else:
            lines.append("\t# trailing comment")
            lines.append("0,0,0,0,0,0")
            d = "zero-size task appended"
        m.files["tasks.csv"] = "\n".join(lines).encode("utf-8", "surrogateescape")
        return "tasks.csv: " + d

    # -- byte level ----------------------------------------------------------------------------
    def b_bytes(self, m, rng):
        target = rng.choice(sorted(m.files))
        data = bytearray(m.files[target])
        k = rng.randrange(5)
        if k == 0 or not data:
            cut = rng.randrange(len(data) + 1)
            del data[cut:]
            d = "truncated at %d" % cut
        elif k == 1:
            n = rng.randint(1, 6)
            for _ in range(n):
                i = rng.randrange(len(data))
                data[i] ^= 1 << rng.randrange(8)
            d = "%d bit flips" % n
        elif k == 2:
            junk = rng.choice([b"\0", b"<", b"&", b"]]>", b"\xff\xfe", b"<!--", b"\"", b"<host id=\"x\"/>",
                               b"\xc3\x28", b"&#0;", b"&amp", bytes(rng.randrange(256) for _ in range(16))])
            i = rng.randrange(len(data) + 1)
            data[i:i] = junk
            d = "inserted %r at %d" % (junk, i)
        elif k == 3:
            i = rng.randrange(len(data))
            j = min(len(data), i + rng.randint(1, 200))
            del data[i:j]
            d = "deleted bytes %d..%d" % (i, j)
        else:
            d = "entity"
            s = bytes(data)
            if b"<!DOCTYPE" in s and b"value=\"" in s:
                s = re.sub(rb"<!DOCTYPE[^>]*>", b"<!DOCTYPE platform [<!ENTITY x \"1e308\"><!ENTITY y SYSTEM "
                           b"\"file:///etc/hostname\">]>", s, count=1)
                s = s.replace(b"value=\"", b"value=\"&x;", 1)
                d = "DOCTYPE with entities"
            data = bytearray(s)
        m.files[target] = bytes(data)
        return "%s: bytes: %s" % (target, d)

    def mutate(self, m, rng):
        xml_ops = [self.x_attr_nasty, self.x_prop_nasty, self.x_delete_elem, self.x_dup_elem,
                   self.x_rename_attr, self.x_typo_prop_id, self.x_bad_ref, self.x_swap_hosts,
                   self.x_add_attr, self.x_add_prop, self.x_rename_tag, self.x_move_elem]
        plat_ops = xml_ops + [self.p_delete_route, self.p_route_links, self.p_dup_id]
        dep_ops = xml_ops + [self.d_function, self.d_actor_host, self.d_argument, self.x_prop_nasty,
                             self.x_add_prop]
        cmd_ops = [(self.c_knob, 16), (self.c_sg, 6), (self.c_policy, 4), (self.c_trace, 4),
                   (self.c_positional, 2), (self.c_weird, 3), (self.c_model, 2), (self.c_task_file, 3),
                   (self.c_mobility, 4)]
        for _ in range(20):
            r = rng.random()
            if r < 0.25:
                op = rng.choice(plat_ops)
                d = self._xml(m, "platform.xml", op, rng)
            elif r < 0.47:
                op = rng.choice(dep_ops)
                d = self._xml(m, "deployment.xml", op, rng)
            elif r < 0.82:
                op = rng.choices([o for o, _ in cmd_ops], [w for _, w in cmd_ops])[0]
                d = op(m, rng)
            elif r < 0.93:
                pre = ""
                if not m.files.get("tasks.csv") or not m.file_arrivals:
                    pre = self.c_task_file(m, rng) + "; "
                d = rng.choice([self.t_cell, self.t_cell, self.t_struct])(m, rng)
                if d:
                    d = pre + d
            else:
                d = self.b_bytes(m, rng)
            if d:
                m.ops.append(d)
                return


def make_mutant(ctx, seed, index):
    rng = random.Random("mecsim-fuzz:%s:%d" % (seed, index))
    m = Mutant(index, rng.choice(ctx["scenarios"]))
    if m.file_arrivals:
        m.files["tasks.csv"] = gen_tasks(rng, m.scenario.n_md)
    n = rng.choices([1, 2, 3, 4], [55, 25, 12, 8])[0]
    for _ in range(n):
        ctx["ops"].mutate(m, rng)
    return m


# ---------------------------------------------------------------------------------------------
# Running and judging
# ---------------------------------------------------------------------------------------------
def sh_quote(a):
    b = os.fsencode(a)
    if all(32 <= c < 127 for c in b):
        return shlex.quote(a)
    return "$'" + "".join(chr(c) if 32 <= c < 127 and c not in (39, 92) else "\\x%02x" % c for c in b) + "'"


def fingerprint(path):
    """Content hash of a file, or a marker for a directory / missing path."""
    try:
        if os.path.isdir(path):
            return "dir"
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return "missing"


def effective_trace(argv):
    """The trace path the run was asked for: the last --trace / --trace= / --set trace= / --no-trace."""
    t = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--trace" and i + 1 < len(argv):
            t = argv[i + 1]
            i += 1
        elif a.startswith("--trace="):
            t = a[len("--trace="):]
        elif a == "--set" and i + 1 < len(argv) and argv[i + 1].startswith("trace="):
            t = argv[i + 1][len("trace="):]
            i += 1
        elif a == "--no-trace":
            t = ""
        i += 1
    return t


def referenced_inputs(argv, names):
    """Files of the case directory that the command line names other than as the trace: the
    positional arguments, the task file, the model... (what the run reads, and must not change)."""
    refs = set()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--trace" or (a == "--set" and i + 1 < len(argv) and argv[i + 1].startswith("trace=")):
            i += 2
            continue
        if a.startswith("--trace="):
            i += 1
            continue
        refs.add(a)
        if "=" in a:
            refs.add(a.split("=", 1)[1])
        i += 1
    return sorted(n for n in names if n in refs)


def write_case(m, d):
    os.makedirs(d, exist_ok=True)
    for name, data in m.files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    for name in m.dirs:
        os.makedirs(os.path.join(d, name), exist_ok=True)


def child_limits(asan):
    def fn():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (512 << 20, 512 << 20))  # a chatty hang fills no disk
        if not asan:  # ASan reserves terabytes of address space: it gets hard_rss_limit_mb instead
            resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    return fn


def read_text(path, limit=1 << 20):
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def signature(cat, err_lines):
    """A short, number-free description of a finding, to group findings by likely root cause."""
    pick = None
    pats = {
        "sanitizer": (r"SUMMARY: \w+Sanitizer.*", r"runtime error:.*", r"ERROR: \w+Sanitizer.*"),
        "simgrid-abort": (r"\[xbt[^\]]*\].*", r"terminate called.*", r".*Assertion.*", r".*Impossible.*",
                          r".*Uncaught exception.*", r".*(Error|error|Exception|exception).*"),
        "crash": (r"SUMMARY: .*", r"\[xbt[^\]]*\].*", r"terminate called.*", r".*(Error|error).*"),
    }
    for pat in pats.get(cat, ()):
        for line in err_lines:
            mm = re.search(pat, line)
            if mm:
                pick = mm.group(0)
                break
        if pick:
            break
    if pick is None:
        pick = err_lines[0] if err_lines else ""
    pick = re.sub(r"0x[0-9a-f]+", "0x_", pick)
    pick = re.sub(r"'[^']*'", "'_'", pick)
    pick = re.sub(r"\(pid=\d+\)|==\d+==", "", pick)
    pick = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", pick)
    return pick.strip()[:140]


PRIORITY = ("sanitizer", "simgrid-abort", "hang", "crash", "input-modified", "nonfinite", "lost-tasks",
            "bad-trace", "leftover", "exit-message")


def op_kind(op):
    """A mutation's description without its values, to group findings of the same kind."""
    s = re.sub(r"'[^']*'|\"[^\"]*\"", "_", op)
    s = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", s)
    return s[:120]


def check_trace(path, m, run_dir, stdout):
    """Findings about a trace written by a successful run."""
    out = []
    if h5py is None:
        return out
    try:
        with h5py.File(path, "r") as f:
            attrs = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            tasks = f["tasks"][()] if "tasks" in f else None
    except Exception as e:  # noqa: BLE001 - any unreadable trace is a finding
        return [("bad-trace", "trace %s unreadable: %s" % (os.path.basename(path), str(e)[:120]))]
    if tasks is None:
        return [("bad-trace", "trace has no /tasks")]
    rows = len(tasks)
    names = tasks.dtype.names or ()
    bad = []
    for name in names:
        col = tasks[name]
        if col.dtype.kind != "f":
            continue
        if np.isinf(col).any():
            bad.append("%s has inf" % name)
        if name in ALWAYS_SET and np.isnan(col).any():
            bad.append("%s has NaN" % name)
    for s, e in PHASES:
        if s in names and e in names:
            if (np.isnan(tasks[s]) != np.isnan(tasks[e])).any():
                bad.append("phase %s/%s half NaN" % (s, e))
    # trace format 7: tier 0 = local, 1 = edge, 2 = cloud, the server's tier listed in server_tiers
    if "tier" in names and "target" in names:
        tiers = str(attrs.get("server_tiers", "")).split(",") if attrs.get("server_tiers") else []
        want = np.array([0 if t <= 0 else (2 if t <= len(tiers) and tiers[t - 1] == "cloud" else 1)
                         for t in tasks["target"]], dtype=np.int64)
        if rows and (tasks["tier"].astype(np.int64) != want).any():
            bad.append("tier disagrees with target and server_tiers")
    # trace format 8: the BS of each upload and result is one of the run's BSs (-1 = none), a relay only
    # when the result came through another BS than the server's
    if "up_bs" in names and "down_bs" in names and rows:
        n_bs = int(attrs.get("n_bs", 1))
        for col in ("up_bs", "down_bs"):
            v = tasks[col].astype(np.int64)
            if ((v < -1) | (v >= n_bs)).any():
                bad.append("%s outside -1..%d" % (col, n_bs - 1))
        off = tasks["target"] > 0
        if (tasks["up_bs"][~off] != -1).any():
            bad.append("a local task has an up_bs")
        if "down_relay_start" in names and (~np.isnan(tasks["down_relay_start"]) & (tasks["down_bs"] < 0)).any():
            bad.append("a relay without a down_bs")
    end = attrs.get("end_time_s")
    if end is not None and not math.isfinite(float(end)):
        bad.append("end_time_s = %r" % end)
    if bad:
        out.append(("nonfinite", "; ".join(bad[:4])))
    done = attrs.get("tasks_done")
    lost = []
    if done is None:
        lost.append("no tasks_done attribute")
    elif int(done) != rows:
        lost.append("tasks_done %d != %d rows" % (int(done), rows))
    mm = re.search(r"mecsim: (\d+) tasks in", stdout)
    if mm and int(mm.group(1)) != rows:
        lost.append("stdout says %s tasks, trace has %d rows" % (mm.group(1), rows))
    try:
        until = float(attrs.get("cfg.until", "0"))
    except ValueError:
        until = 0.0
    arrivals = attrs.get("cfg.arrivals", "")
    expect = None
    if until == 0:
        if arrivals == "file":
            tf = attrs.get("cfg.task_file", "")
            p = os.path.join(run_dir, tf)
            if tf and os.path.isfile(p) and os.path.realpath(p).startswith(os.path.realpath(run_dir)):
                with open(p, "rb") as f:
                    expect = count_task_rows(f.read())
        elif arrivals in ("slotted", "poisson"):
            try:
                expect = int(attrs["n_md"]) * int(attrs["cfg.tasks_per_md"])
            except (KeyError, ValueError):
                expect = None
    if expect is not None and expect != rows:
        lost.append("%d tasks expected (%s arrivals), %d rows" % (expect, arrivals, rows))
    if lost:
        out.append(("lost-tasks", "; ".join(lost)))
    return out


def run_mutant(m, binary, asan, work, timeout, env):
    case = os.path.join(work, "%05d" % m.index)
    run_dir = os.path.join(case, "run")
    write_case(m, run_dir)
    argv = m.argv()
    before_names = set(os.listdir(run_dir))
    before = {n: fingerprint(os.path.join(run_dir, n)) for n in before_names}
    out_p, err_p = os.path.join(case, "stdout"), os.path.join(case, "stderr")
    t0 = time.monotonic()
    hang = False
    if asan and any(a.startswith("--cfg=contexts/guard-size:") and not a.endswith(":0") for a in argv):
        # LeakSanitizer's tracer cannot walk stacks behind SimGrid's guard pages (it crashes with
        # "Tracer caught signal 11"): an ASan limitation, not mecsim's. Leaks are checked elsewhere.
        env = dict(env, ASAN_OPTIONS=env.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
    with open(out_p, "wb") as fo, open(err_p, "wb") as fe:
        try:
            p = subprocess.Popen([binary] + [os.fsencode(a) for a in argv], cwd=run_dir, stdin=subprocess.DEVNULL,
                                 stdout=fo, stderr=fe, env=env, start_new_session=True,
                                 preexec_fn=child_limits(asan))
        except OSError as e:
            fe.write(str(e).encode())
            p = None
        rc = None
        if p is not None:
            try:
                rc = p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                # SIGTERM first: mecsim promises to delete its temporary trace and exit 143
                hang = "killed after %gs (SIGTERM)" % timeout
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                    rc = p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    hang = "killed after %gs; SIGTERM did not stop it within 10 s (SIGKILL)" % timeout
                    os.killpg(p.pid, signal.SIGKILL)
                    rc = p.wait()
                except ProcessLookupError:
                    rc = p.wait()
    elapsed = time.monotonic() - t0
    stderr = read_text(err_p)
    stdout = read_text(out_p)
    lines = [l for l in stderr.splitlines() if l.strip() and not any(n in l for n in ASAN_NOISE)]
    findings = []
    killed = hang and rc == -signal.SIGKILL
    if hang:
        findings.append(("hang", hang))
    elif rc is None or rc < 0 or rc not in (0, 1, 2):
        findings.append(("crash", "exit %s%s" % (rc, " (signal %s)" % signal.Signals(-rc).name
                                                  if rc is not None and rc < 0 else "")))
    if any(mark in stderr for mark in SANITIZER_MARKS):
        findings.append(("sanitizer", ""))
    if any(mark in l for l in lines for mark in ABORT_MARKS):
        findings.append(("simgrid-abort", ""))
    if not hang and rc == 2 and not m.verbose:
        if not lines:
            findings.append(("exit-message", "exit 2 with an empty stderr"))
        elif len(lines) > 1 and not lines[0].startswith("Usage: mecsim"):
            findings.append(("exit-message", "exit 2 with %d lines on stderr" % len(lines)))
    if not hang and rc == 1 and not lines:
        findings.append(("exit-message", "exit 1 with an empty stderr"))
    # files
    after_names = set(os.listdir(run_dir))
    tmp_left = sorted(n for n in after_names if re.search(r"\.tmp\.\d+$", n))
    for d in m.dirs:
        sub = os.path.join(run_dir, d)
        if os.path.isdir(sub):
            tmp_left += sorted(os.path.join(d, n) for n in os.listdir(sub) if re.search(r"\.tmp\.\d+$", n))
    final = effective_trace(argv)
    if rc == 0 and final in tmp_left:  # a trace asked for under a NAME.tmp.N name
        tmp_left.remove(final)
    if tmp_left and not killed:  # a run we SIGKILLed cannot clean up
        findings.append(("leftover", "temporary left: " + " ".join(tmp_left[:3])))
    if rc != 0 or hang:
        new = sorted(n for n in after_names - before_names if n not in tmp_left)
        for d in m.dirs:
            sub = os.path.join(run_dir, d)
            if os.path.isdir(sub):
                new += sorted(os.path.join(d, n) for n in os.listdir(sub) if os.path.join(d, n) not in tmp_left)
        if new and not killed:
            findings.append(("leftover", "exit %s left: %s" % (rc, " ".join(new[:3]))))
    inputs = referenced_inputs(argv, before_names)
    changed = sorted(n for n in inputs if fingerprint(os.path.join(run_dir, n)) != before[n])
    if changed:
        findings.append(("input-modified", "changed: " + " ".join(changed)))
    info = any(x in INFO_OPTIONS for x in argv)  # prints and exits 0, writes no trace
    if rc == 0 and not hang and not info:
        tr = final
        if tr:
            tp = os.path.join(run_dir, tr)
            if not os.path.isfile(tp):
                findings.append(("bad-trace", "exit 0 but no trace file %r" % tr))
            elif tr not in before_names:
                findings.extend(check_trace(tp, m, run_dir, stdout))
    return {"index": m.index, "rc": rc, "hang": hang, "elapsed": elapsed, "findings": findings,
            "stderr_lines": lines, "case": case}


# ---------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", help="the mecsim binary")
    ap.add_argument("srcdir", help="the source tree (for platforms/ and deployments/)")
    ap.add_argument("--seed", default="1", help="fuzzing seed (default 1)")
    ap.add_argument("--max-mutants", type=int, default=500, help="mutants to run at most (default 500)")
    ap.add_argument("--time", type=float, default=150, help="start no mutant after this many seconds (default 150)")
    ap.add_argument("--timeout", type=float, default=20, help="per-run timeout, a hang beyond it (default 20 s)")
    ap.add_argument("--jobs", type=int, default=1, help="runs at once (default 1)")
    ap.add_argument("--start", type=int, default=0, help="index of the first mutant (default 0)")
    ap.add_argument("--only", default="", help="comma-separated mutant indices to run (reproduce)")
    ap.add_argument("--keep", default="fuzz-findings", help="directory for the findings (default ./fuzz-findings)")
    ap.add_argument("--generate-only", action="store_true",
                    help="print each mutant's index, digest and mutations without running it")
    ap.add_argument("--verbose", action="store_true", help="print every mutant's result")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    if not os.access(binary, os.X_OK):
        print("fuzz_mutate: %s is not an executable" % a.binary, file=sys.stderr)
        return 2
    scenarios = find_scenarios(a.srcdir)
    if not scenarios:
        print("fuzz_mutate: no platforms/NAME.xml with deployments/NAME.xml under %s" % a.srcdir, file=sys.stderr)
        return 2
    gen_dir = tempfile.mkdtemp(prefix="mecsim-fuzz-gen-")
    gen = generated_scenario(a.srcdir, gen_dir)
    shutil.rmtree(gen_dir, ignore_errors=True)
    if gen is not None:
        scenarios.append(gen)
    if h5py is None:
        print("fuzz_mutate: warning: no h5py (use /usr/bin/python3): trace checks skipped", file=sys.stderr)

    try:
        ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        ldd = ""
    asan = "libasan" in ldd
    env = dict(os.environ)
    asan_opts = env.get("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    if "hard_rss_limit_mb" not in asan_opts:
        asan_opts += ":hard_rss_limit_mb=2000"
    env["ASAN_OPTIONS"] = asan_opts
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env["LC_ALL"] = "C"
    knobs = read_knobs(binary, env)
    try:
        pol_out = subprocess.run([binary, "--list-policies"], capture_output=True, text=True, timeout=60,
                                 env=env).stdout
    except (OSError, subprocess.SubprocessError):
        pol_out = ""
    policies = sorted(l.split()[0] for l in pol_out.splitlines() if l.strip()) or ["greedy", "local"]
    ctx = {"scenarios": scenarios, "ops": Ops(knobs, policies)}

    if a.only:
        indices = [int(x) for x in a.only.split(",") if x.strip()]
    else:
        indices = list(range(a.start, a.start + a.max_mutants))

    print("fuzz_mutate: seed %s, %d scenarios, %d knobs, %d policies, binary %s (%s), timeout %gs, "
          "budget %d mutants / %gs, %d job(s)" % (a.seed, len(scenarios), len(knobs), len(policies), binary,
                                                  "ASan+UBSan" if asan else "no sanitizer", a.timeout,
                                                  len(indices), a.time, a.jobs))
    if a.generate_only:
        digest = hashlib.sha256()
        for i in indices:
            m = make_mutant(ctx, a.seed, i)
            digest.update(m.digest().encode())
            print("%05d %s %s | %s" % (i, m.digest(), m.scenario.name, " | ".join(m.ops)))
        print("mutants digest: %d mutants, %s" % (len(indices), digest.hexdigest()[:16]))
        return 0

    keep = os.path.abspath(a.keep)
    marker = os.path.join(keep, ".mecsim-fuzz")
    if os.path.isdir(keep) and os.listdir(keep) and not os.path.exists(marker):
        print("fuzz_mutate: --keep %s exists and is not a findings directory of ours" % keep, file=sys.stderr)
        return 2
    if os.path.isdir(keep):
        shutil.rmtree(keep)
    os.makedirs(keep)
    open(marker, "w").close()
    work = tempfile.mkdtemp(prefix="mecsim-fuzz-")

    t_start = time.monotonic()
    results, mutants = {}, {}
    lock = threading.Lock()
    digest = hashlib.sha256()

    def one(m):
        r = run_mutant(m, binary, asan, work, a.timeout, env)
        if r["findings"]:
            dst = os.path.join(keep, "%05d" % m.index)
            write_case(m, dst)  # the pristine mutant: the run may have changed its files
            shutil.copy(os.path.join(r["case"], "stderr"), os.path.join(dst, "stderr.txt"))
            shutil.copy(os.path.join(r["case"], "stdout"), os.path.join(dst, "stdout.txt"))
            with open(os.path.join(dst, "mutations.txt"), "w") as f:
                f.write("scenario %s, seed %s, mutant %d\n" % (m.scenario.name, a.seed, m.index))
                f.write("\n".join(m.ops) + "\n")
                f.write("\n".join("%s: %s" % fd for fd in r["findings"]) + "\n")
            with open(os.path.join(dst, "cmd.sh"), "w") as f:
                f.write("#!/bin/sh\ncd \"$(dirname \"$0\")\" && %s\n" % repro_cmd(m, binary, asan, env, "."))
        shutil.rmtree(r["case"], ignore_errors=True)
        return r

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        pending = set()
        it = iter(indices)
        exhausted = False
        while True:
            while not exhausted and len(pending) < max(1, a.jobs) and time.monotonic() - t_start < a.time:
                i = next(it, None)
                if i is None:
                    exhausted = True
                    break
                m = make_mutant(ctx, a.seed, i)
                mutants[i] = m
                pending.add(pool.submit(one, m))
            if not pending:
                break
            done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                r = fut.result()
                with lock:
                    results[r["index"]] = r
                if a.verbose:
                    print("  %05d exit %s %.2fs %s" % (r["index"], r["rc"], r["elapsed"],
                                                       ",".join(c for c, _ in r["findings"]) or "ok"), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    wall = time.monotonic() - t_start

    order = sorted(results)
    for i in order:
        digest.update(mutants[i].digest().encode())
    counts = {c: 0 for c in CATEGORIES}
    groups = {}
    failed = 0
    print()
    for i in order:
        r, m = results[i], mutants[i]
        if not r["findings"]:
            continue
        failed += 1
        cats = []
        for cat, detail in r["findings"]:
            counts[cat] += 1
            if cat not in cats:
                cats.append(cat)
        main_cat = min(cats, key=PRIORITY.index)
        if main_cat in ("crash", "sanitizer", "simgrid-abort", "exit-message"):
            sig = "%s | %s" % (main_cat, signature(main_cat, r["stderr_lines"]))
        else:
            sig = "%s | %s" % (main_cat, op_kind(m.ops[0]) if m.ops else "")
        groups.setdefault(sig, []).append(i)
        print("FINDING %05d [%s] %s" % (i, ",".join(cats), "; ".join(d for _, d in r["findings"] if d)))
        print("    mutations: %s" % " | ".join(m.ops))
        print("    reproduce: cd %s && %s" % (sh_quote(os.path.join(keep, "%05d" % i)),
                                               repro_cmd(m, binary, asan, env, ".")))
        for l in r["stderr_lines"][:3]:
            print("    stderr: %s" % l[:200])
    print()
    print("findings by category (mutants may have several):")
    for c in CATEGORIES:
        print("  %-15s %d" % (c, counts[c]))
    print("findings grouped by signature (count, mutants):")
    for sig, idx in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        best = min(idx, key=lambda j: (len(mutants[j].ops), j))
        print("  %4d  %s   e.g. %05d%s" % (len(idx), sig, best, " (+%d)" % (len(idx) - 1) if len(idx) > 1 else ""))
    n = len(order)
    print("ran %d mutants (indices %s..%s) in %.1f s; mutants digest: %d mutants, %s; findings in %s" % (
        n, order[0] if order else "-", order[-1] if order else "-", wall, n, digest.hexdigest()[:16], keep))
    if not failed:
        shutil.rmtree(keep, ignore_errors=True)
    print("%d passed, %d failed" % (n - failed, failed))
    return 1 if failed else 0


def repro_cmd(m, binary, asan, env, where):
    pre = ""
    if asan:
        pre = "ASAN_OPTIONS=%s " % sh_quote(env["ASAN_OPTIONS"])
    return pre + " ".join(sh_quote(x) for x in [binary] + m.argv())


if __name__ == "__main__":
    sys.exit(main())
