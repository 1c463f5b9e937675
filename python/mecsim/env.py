"""A Gym-style environment over a mecsim subprocess and policy `external` (docs/external.md).

    from mecsim.env import MecsimEnv

    env = MecsimEnv("build/mecsim", "platforms/dtomalb_cell.xml", "deployments/dtomalb_cell.xml",
                    reward="dtomalb")
    obs, info = env.reset(seed=101)
    done = False
    while not done:
        action = [1] * info["batch"]                 # one target per task: 0 = local, s = server s
        obs, reward, terminated, truncated, info = env.step(action)
        done = terminated or truncated
    env.close()

The API is gymnasium's (``reset(seed=, options=) -> (obs, info)``,
``step(action) -> (obs, reward, terminated, truncated, info)``, ``close()``) without importing
gymnasium. The environment owns the agent's end of the protocol: it binds a REP socket on a fresh
``ipc://`` path in a private temporary directory, starts ``mecsim PLATFORM DEPLOYMENT --policy
external --policy-args endpoint=...,timeout=... --seed S`` as a subprocess on every ``reset()``, and
turns every ``decide`` request of the run into one step.

Observation (a dict of numpy arrays, SI units, one row per server / per task of the batch):

* ``now`` (s), the simulated time of the decision;
* ``servers``: shape (M, 6), columns ``SERVER_FIELDS`` (cpu_hz, cores, queued, in_service,
  backlog_cycles, load_factor) - the load as of this decision;
* ``tasks``: shape (B, 7), columns ``TASK_FIELDS`` (md, arrival, input_bits, cycles, output_bits,
  deadline, dnn) - the batch, in order;
* ``devices``: shape (B, 6), columns ``DEVICE_FIELDS`` (cpu_hz, tx_power_w, distance_m, gain,
  up_rate_bps, down_rate_bps) - the device of each task of the batch (row i = task i's MD).

B is 1 with ``decide=per-task`` and the slot's tasks with ``decide=per-slot``. ``flatten(obs)``
encodes an observation as one fixed-length float vector (``flat_size`` values): the servers' rows,
then ``max_tasks`` task rows and device rows (zero-padded), then a 0/1 mask of the rows in use.

Action: one target per task of the batch, in batch order (a sequence or an integer array of shape
(B,); 0 = local, s = server s, 1..M). A wrong shape, a non-integer or a target out of 0..M raises
``ValueError`` naming the problem *and ends the run* (mecsim is killed: ``reset()`` again).

Reward (``reward=``) - delayed: a task's outcome (its delay, energy, deadline miss) reaches the
agent with the first request after the task finished, so the reward returned by ``step(a_t)`` is
computed from the outcomes that arrived with the *next* request (or the final ``bye``), which
belong to tasks decided at step t or earlier - not necessarily to the tasks of a_t. The sum over an
episode counts every task exactly once. ``info["outcomes"]`` lists those outcomes (dicts with id,
md, target, arrival, delay_s, energy_j, missed), for an agent that assigns credit per task by id.

* ``"delay"``: minus the sum of ``delay_s`` of the outcomes (return = minus the total delay);
* ``"energy"``: minus the sum of ``energy_j`` (MD energy);
* ``"misses"``: minus the number of missed deadlines / dropped tasks;
* ``"dtomalb"``: the DTOMALB utility of docs/dtomalb.md, eq. (20): ``-(w1 / N) * sum delay_s
  - w2 * var_m(LD_m)`` with LD_m = load_factor_m + (cycles this action sends to m) / cpu_hz_m, the
  load factor right after the decision (eq. 13), its population variance over the M servers (eq. 19)
  charged at the step of the decision. With ``decide=per-slot`` and one task per MD and slot, the
  return over an episode divided by the number of slots is the utility analysis/dtomalb_analysis.py
  reports (up to its slightly different count of the work at the servers);
* a callable ``f(outcomes) -> float`` (outcomes as in ``info["outcomes"]``).

``terminated`` is True when the run ended (mecsim sent ``bye`` and exited with code 0); the
observation returned then is the last decision's. ``truncated`` is True after ``max_steps`` steps
(the run is abandoned: mecsim is killed). A mecsim that fails raises ``MecsimError`` with its error
line (``.stderr`` holds all of it). ``close()`` kills a running mecsim and removes the socket and
the temporary directory.
"""
import json
import math
import os
import shutil
import signal
import subprocess
import tempfile
import time

import numpy as np
import zmq

from .external import SCHEMA

SERVER_FIELDS = ("cpu_hz", "cores", "queued", "in_service", "backlog_cycles", "load_factor")
TASK_FIELDS = ("md", "arrival", "input_bits", "cycles", "output_bits", "deadline", "dnn")
DEVICE_FIELDS = ("cpu_hz", "tx_power_w", "distance_m", "gain", "up_rate_bps", "down_rate_bps")
REWARDS = ("delay", "energy", "misses", "dtomalb")


class MecsimError(RuntimeError):
    """mecsim failed (exit code != 0, or it died or went silent); ``stderr`` holds its output."""

    def __init__(self, message, returncode=None, stderr=""):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr


def _error_line(text):
    """The line that says what went wrong: the last 'mecsim: ...' line, else the last non-empty one."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.startswith("mecsim:"):
            return ln
    return lines[-1] if lines else "(no output on stderr)"


def _dump(obj):
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()


class MecsimEnv:
    """One mecsim run per episode, one decision request per step (module docstring)."""

    def __init__(self, mecsim, platform, deployment, reward="delay", args=(), seed=None, max_steps=None,
                 timeout=60.0, trace=None, cwd=None, w1=1.0, w2=10.0, flops_per_task=0.0, max_tasks=None):
        """mecsim, platform, deployment: paths (relative ones to ``cwd``, default the current
        directory). args: more mecsim arguments (e.g. ["--tasks_per_md", "10", "--decide", "per-slot"]).
        seed: the run seed of a reset() without one (then incremented per episode; default 1).
        max_steps: truncate an episode after this many steps. timeout: wall seconds each side waits
        for the other. trace: a trace path per episode (``str.format`` of ``seed``, e.g.
        "runs/x/ep{seed}.h5"), or None for --no-trace (``options={"trace": ...}`` overrides).
        w1, w2: weights of the "dtomalb" reward. flops_per_task: the compute each decision declares
        per task (charged in simulated time on the deciding host; ``step(a, flops=)`` overrides).
        max_tasks: the rows of ``flatten`` (default: the number of devices)."""
        if not (callable(reward) or reward in REWARDS):
            raise ValueError("reward=%r; expected one of %s or a callable(outcomes)" % (reward, ", ".join(REWARDS)))
        if max_steps is not None and int(max_steps) < 1:
            raise ValueError("max_steps=%r; expected an integer >= 1 or None" % (max_steps,))
        if not (timeout > 0):
            raise ValueError("timeout=%r; expected a number of seconds > 0" % (timeout,))
        self.mecsim, self.platform, self.deployment = mecsim, platform, deployment
        self.args = [str(a) for a in args]
        self.reward_kind = reward
        self.next_seed = 1 if seed is None else int(seed)
        self.max_steps = None if max_steps is None else int(max_steps)
        self.timeout = float(timeout)
        self.trace = trace
        self.cwd = cwd
        self.w1, self.w2 = float(w1), float(w2)
        self.flops_per_task = float(flops_per_task)
        self._max_tasks = max_tasks
        self._dir = tempfile.mkdtemp(prefix="mecsim-env-")
        self._episode = 0
        self._ctx = zmq.Context()
        self._sock = None
        self._sock_path = None
        self._proc = None
        self._stderr_path = None
        self._req = None  # the decide request awaiting our reply
        self._obs = None
        self.hello = None
        self.steps = 0
        self.seed = None
        self.trace_path = None
        self.n_md = self.n_servers = None
        self.observation_space = None
        self.action_space = None

    # ---- description -----------------------------------------------------------------------
    def _describe(self):
        m, n = self.n_servers, self.n_md
        self.max_tasks = int(self._max_tasks or n)
        self.flat_size = m * len(SERVER_FIELDS) + self.max_tasks * (len(TASK_FIELDS) + len(DEVICE_FIELDS) + 1)
        self.observation_space = {
            "now": {"shape": (), "low": 0.0, "high": math.inf},
            "servers": {"shape": (m, len(SERVER_FIELDS)), "columns": SERVER_FIELDS, "low": 0.0, "high": math.inf},
            "tasks": {"shape": (None, len(TASK_FIELDS)), "columns": TASK_FIELDS},
            "devices": {"shape": (None, len(DEVICE_FIELDS)), "columns": DEVICE_FIELDS},
            "flat": {"shape": (self.flat_size,)},
        }
        # MultiDiscrete-like: one integer in [low, high] per task of the batch (B = info["batch"])
        self.action_space = {"shape": (None,), "low": 0, "high": m, "n": m + 1, "dtype": "int64"}

    def flatten(self, obs):
        """A fixed-length float64 vector (``flat_size``): servers (M x 6, row-major), then max_tasks
        task rows (7 each) and max_tasks device rows (6 each), zero-padded, then the row mask."""
        b = len(obs["tasks"])
        if b > self.max_tasks:
            raise ValueError("a batch of %d tasks does not fit flatten()'s max_tasks=%d" % (b, self.max_tasks))
        t = np.zeros((self.max_tasks, len(TASK_FIELDS)))
        d = np.zeros((self.max_tasks, len(DEVICE_FIELDS)))
        mask = np.zeros(self.max_tasks)
        t[:b], d[:b], mask[:b] = obs["tasks"], obs["devices"], 1.0
        return np.concatenate([obs["servers"].ravel(), t.ravel(), d.ravel(), mask])

    # ---- process and socket ----------------------------------------------------------------
    def _kill(self):
        p, self._proc = self._proc, None
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)  # its own session: mecsim and nothing else
            except ProcessLookupError:
                pass
        if p is not None:
            p.wait()
        if self._sock is not None:
            self._sock.close(linger=0)
            self._sock = None
        if self._sock_path and os.path.exists(self._sock_path):
            os.unlink(self._sock_path)
        self._sock_path = None
        self._req = None

    def _stderr(self):
        if self._stderr_path and os.path.exists(self._stderr_path):
            with open(self._stderr_path, errors="replace") as f:
                return f.read()
        return ""

    def _fail(self, what):
        """Ends the run (kills mecsim if it still runs) and raises MecsimError(what: mecsim's error line)."""
        rc = self._proc.poll() if self._proc is not None else None
        self._kill()
        err = self._stderr()
        raise MecsimError("%s: %s" % (what, _error_line(err)) if err.strip() else what, rc, err)

    def _recv(self, waiting_for):
        """The next request of the running mecsim; MecsimError if it exits or stays silent."""
        poller = zmq.Poller()
        poller.register(self._sock, zmq.POLLIN)
        deadline = time.monotonic() + self.timeout
        while True:
            if poller.poll(50):
                raw = self._sock.recv()
                try:
                    req = json.loads(raw)
                except ValueError as e:
                    self._fail("mecsim sent malformed JSON (%s)" % e)
                if not isinstance(req, dict) or req.get("schema") != SCHEMA:
                    self._fail("mecsim speaks another schema (%r); this module speaks %d"
                               % (req.get("schema") if isinstance(req, dict) else req, SCHEMA))
                return req
            rc = self._proc.poll()
            if rc is not None:
                # the run ended without the request we wait for
                self._fail("mecsim exited with code %d while the environment waited for %s" % (rc, waiting_for))
            if time.monotonic() > deadline:
                self._fail("no %s from mecsim within %g s (timeout=)" % (waiting_for, self.timeout))

    def _send(self, obj):
        self._sock.send(_dump(obj))

    # ---- observations and rewards ----------------------------------------------------------
    def _observe(self, req):
        servers = np.array([[s[k] for k in SERVER_FIELDS] for s in req["servers"]], dtype=np.float64)
        servers = servers.reshape(len(req["servers"]), len(SERVER_FIELDS))
        for d in req["devices"]:
            self._devices[d["md"]] = d
        tasks = np.array([[t[k] for k in TASK_FIELDS] for t in req["tasks"]], dtype=np.float64)
        tasks = tasks.reshape(len(req["tasks"]), len(TASK_FIELDS))
        devs = np.array([[self._devices[t["md"]][k] for k in DEVICE_FIELDS] for t in req["tasks"]], dtype=np.float64)
        devs = devs.reshape(len(req["tasks"]), len(DEVICE_FIELDS))
        return {"now": float(req["now"]), "servers": servers, "tasks": tasks, "devices": devs}

    def _outcome_reward(self, outcomes):
        kind = self.reward_kind
        if callable(kind):
            return float(kind(outcomes))
        if kind == "delay":
            return -math.fsum(o["delay_s"] for o in outcomes)
        if kind == "energy":
            return -math.fsum(o["energy_j"] for o in outcomes)
        if kind == "misses":
            return -float(sum(int(o["missed"]) for o in outcomes))
        return -self.w1 / self.n_md * math.fsum(o["delay_s"] for o in outcomes)  # dtomalb

    def load_variance(self, obs, targets):
        """var_m LD_m right after the decision: (backlog_m + cycles sent to m) / cpu_hz_m (eqs. 13, 19)."""
        srv = obs["servers"]
        back = srv[:, SERVER_FIELDS.index("backlog_cycles")].copy()
        for c, a in zip(obs["tasks"][:, TASK_FIELDS.index("cycles")], targets):
            if a > 0:
                back[a - 1] += c
        return float(np.var(back / srv[:, SERVER_FIELDS.index("cpu_hz")]))

    # ---- the API ---------------------------------------------------------------------------
    def reset(self, seed=None, options=None):
        """Starts a new run (killing a running one). seed: mecsim's --seed (default: the next one).
        options: {"trace": path or None, "args": [more mecsim arguments for this run]}.
        Returns (obs, info) of the first decision; info has hello, request, seq, batch, outcomes,
        seed, trace."""
        options = dict(options or {})
        unknown = set(options) - {"trace", "args"}
        if unknown:
            raise ValueError("reset(options=): unknown key(s) %s; expected trace, args" % ", ".join(sorted(unknown)))
        self._kill()
        if seed is None:
            seed = self.next_seed
        self.seed = int(seed)
        self.next_seed = self.seed + 1
        self._episode += 1
        self.steps = 0
        trace = options.get("trace", self.trace)
        self.trace_path = trace.format(seed=self.seed) if isinstance(trace, str) else None
        self._sock_path = os.path.join(self._dir, "agent-%d.sock" % self._episode)
        endpoint = "ipc://" + self._sock_path
        self._sock = self._ctx.socket(zmq.REP)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.bind(endpoint)
        timeout = "%g" % min(max(self.timeout, 1.0), 86400.0)
        cmd = [self.mecsim, self.platform, self.deployment, "--quiet", "--policy", "external",
               "--policy-args", "endpoint=%s,timeout=%s" % (endpoint, timeout), "--seed", str(self.seed)]
        cmd += ["--trace", self.trace_path] if self.trace_path else ["--no-trace"]
        cmd += self.args + [str(a) for a in options.get("args", ())]
        self.command = cmd
        self._stderr_path = os.path.join(self._dir, "stderr-%d.txt" % self._episode)
        with open(self._stderr_path, "w") as err:
            self._proc = subprocess.Popen(cmd, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=err, start_new_session=True)
        hello = self._recv("the hello request")
        if hello.get("type") != "hello":
            self._fail("mecsim's first request is %r, not hello" % hello.get("type"))
        self.hello = hello
        self.n_md, self.n_servers = int(hello["n_md"]), int(hello["n_servers"])
        self._devices = {d["md"]: d for d in hello["devices"]}
        self._describe()
        self._send({"schema": SCHEMA, "type": "hello", "agent": "mecsim.env"})
        req = self._recv("the first decide request")
        if req.get("type") != "decide":
            # a run without any decision: nothing to step through
            self._send({"schema": SCHEMA, "type": "bye"})
            self._fail("the run ended before its first decision (request %r)" % req.get("type"))
        self._req = req
        self._obs = self._observe(req)
        info = {"hello": hello, "request": req, "seq": req["seq"], "batch": len(req["tasks"]),
                "outcomes": req.get("outcomes", []), "seed": self.seed, "trace": self.trace_path}
        return self._obs, info

    def _check_action(self, action):
        n = len(self._req["tasks"])
        try:
            a = np.asarray(action)
        except Exception as e:  # noqa: BLE001 - anything numpy cannot read is a bad action
            raise ValueError("action: not an array of targets (%s)" % e) from None
        if a.ndim != 1 or a.shape[0] != n:
            raise ValueError("action has shape %s; expected (%d,): one target per task of the batch"
                             % (a.shape, n))
        if n and not np.issubdtype(a.dtype, np.integer):
            if not (np.issubdtype(a.dtype, np.floating) and np.all(np.isfinite(a)) and np.all(a == np.round(a))):
                raise ValueError("action has dtype %s; expected integer targets" % a.dtype)
        a = a.astype(np.int64)
        bad = np.nonzero((a < 0) | (a > self.n_servers))[0]
        if len(bad):
            raise ValueError("action[%d] = %d is out of range; expected a target in 0..%d (0 = local, s = server s)"
                             % (bad[0], a[bad[0]], self.n_servers))
        return a

    def step(self, action, flops=None):
        """Sends the decisions (one target per task of the batch) and waits for the next request.
        flops: the decision's compute (default flops_per_task x the batch). Returns (obs, reward,
        terminated, truncated, info); info has request, seq, batch, outcomes (the ones the reward
        came from), load_var (for reward="dtomalb"), and at the end returncode, trace."""
        if self._req is None:
            raise RuntimeError("step() without a running episode: call reset() first")
        try:
            a = self._check_action(action)
        except ValueError:
            self._kill()  # the run cannot continue without a valid reply
            raise
        obs_before = self._obs
        n = len(a)
        fl = self.flops_per_task * n if flops is None else float(flops)
        if not (math.isfinite(fl) and fl >= 0):
            self._kill()
            raise ValueError("flops=%r; expected a finite number >= 0" % (flops,))
        self._send({"schema": SCHEMA, "type": "decisions", "seq": self._req["seq"],
                    "decisions": [{"target": int(x)} for x in a], "flops": fl})
        self.steps += 1
        req = self._recv("the next request")
        outcomes = req.get("outcomes", [])
        reward = self._outcome_reward(outcomes)
        info = {"request": req, "outcomes": outcomes}
        if self.reward_kind == "dtomalb":
            info["load_var"] = self.load_variance(obs_before, a)
            reward -= self.w2 * info["load_var"]
        if req.get("type") == "bye":
            self._send({"schema": SCHEMA, "type": "bye"})
            try:
                rc = self._proc.wait(timeout=max(self.timeout, 10.0))
            except subprocess.TimeoutExpired:
                self._fail("mecsim did not exit after the end of its run")
            if rc != 0:
                self._fail("mecsim exited with code %d at the end of its run" % rc)
            self._proc = None
            self._kill()
            info.update(seq=None, batch=0, returncode=rc, trace=self.trace_path)
            return self._obs, reward, True, False, info
        if req.get("type") != "decide":
            self._fail("mecsim sent a %r request; expected decide or bye" % req.get("type"))
        self._req = req
        self._obs = self._observe(req)
        info.update(seq=req["seq"], batch=len(req["tasks"]))
        if self.max_steps is not None and self.steps >= self.max_steps:
            self._kill()  # abandon the run: no reply to this request
            return self._obs, reward, False, True, info
        return self._obs, reward, False, False, info

    def close(self):
        """Kills a running mecsim, removes the socket and the temporary directory."""
        self._kill()
        if self._ctx is not None:
            self._ctx.term()
            self._ctx = None
        if self._dir and os.path.isdir(self._dir):
            shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    @property
    def pid(self):
        """The running mecsim's process id (None between runs)."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def socket_path(self):
        """The ipc socket file of the current run (None between runs)."""
        return self._sock_path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
