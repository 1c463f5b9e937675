"""Checks of python/mecsim/env.py's MecsimEnv for test/e2e/test_gym_env.sh (torch-free).

usage: gym_env_check.py MECSIM SRCDIR TMPDIR
Prints one line per check ("ok: ..." or "FAIL: ..."); exit 1 if any failed.
"""
import math
import os
import sys

import h5py
import numpy as np

mecsim, src, tmp = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "python"))
sys.path.insert(0, os.path.join(src, "analysis"))
from mecsim.env import MecsimEnv, MecsimError, SERVER_FIELDS, TASK_FIELDS, DEVICE_FIELDS  # noqa: E402

PLAT, DEP = "platforms/dtomalb_cell.xml", "deployments/dtomalb_cell.xml"
SLOTS = 6
ARGS = ["--tasks_per_md", str(SLOTS)]
bad = 0


def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    bad += 0 if cond else 1


def alive(pid):
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie would still answer kill(0); the env waits for its child, so it is reaped
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def rule(obs, info):
    """A deterministic action that uses every target: task id mod (M + 1)."""
    return [int(t["id"]) % 6 for t in info["request"]["tasks"]]


def episode(env, seed, trace=None):
    obs, info = env.reset(seed=seed, options={"trace": trace})
    first = (obs, info)
    obs_log, rewards, outcomes, steps = [env.flatten(obs)], [], [], 0
    while True:
        obs, r, term, trunc, info = env.step(rule(obs, info))
        steps += 1
        rewards.append(r)
        outcomes.extend(info["outcomes"])
        if term or trunc:
            return first, obs_log, rewards, outcomes, steps, term, trunc, info
        obs_log.append(env.flatten(obs))


env = MecsimEnv(mecsim, PLAT, DEP, reward="delay", args=ARGS, cwd=src, timeout=40)
tr = os.path.join(tmp, "delay.h5")
(obs0, info0), obs_log, rewards, outcomes, steps, term, trunc, last = episode(env, 7, tr)

# --- API conformance ---
check(set(obs0) == {"now", "servers", "tasks", "devices"} and obs0["servers"].shape == (5, len(SERVER_FIELDS))
      and obs0["tasks"].shape == (10, len(TASK_FIELDS)) and obs0["devices"].shape == (10, len(DEVICE_FIELDS)),
      "reset() returns the observation dict: servers (5, 6), tasks (10, 7), devices (10, 6)")
check(info0["seq"] == 1 and info0["batch"] == 10 and info0["hello"]["n_md"] == 10 and info0["seed"] == 7,
      "reset() info: seq 1, batch 10, hello with n_md 10, seed 7")
check(env.observation_space["flat"]["shape"] == (env.flat_size,) and all(o.shape == (env.flat_size,) for o in obs_log)
      and env.flat_size == 5 * 6 + 10 * (7 + 6 + 1), "flatten(): %d values per observation" % env.flat_size)
check(env.action_space["n"] == 6 and env.action_space["high"] == 5, "action_space: targets 0..5")
check(term and not trunc and last["returncode"] == 0 and all(isinstance(r, float) for r in rewards),
      "the episode ends with terminated=True (mecsim exited 0), float rewards")
check(env.pid is None and env.socket_path is None, "no mecsim and no socket after the end of the run")

with h5py.File(tr, "r") as f:
    tasks = f["tasks"][()]
    n_dec = len(f["decisions"])
check(steps == n_dec == SLOTS, "steps = decisions in the trace's /decisions (%d, %d)" % (steps, n_dec))
# --- the reward from the outcomes, against the trace ---
delay = {int(t["id"]): t["done"] - t["arrival"] for t in tasks}
ids = [int(o["id"]) for o in outcomes]
check(sorted(ids) == sorted(delay) and len(ids) == len(set(ids)) == 10 * SLOTS,
      "every task's outcome arrives exactly once (%d)" % len(ids))
worst = max(abs(o["delay_s"] - delay[int(o["id"])]) for o in outcomes)
check(worst == 0.0, "every outcome's delay_s equals done - arrival in the trace (worst difference %g)" % worst)
want = -math.fsum(delay.values())
check(abs(sum(rewards) - want) <= 1e-9 * abs(want),
      "return with reward='delay' = -sum of the trace's delays (%.9f vs %.9f)" % (sum(rewards), want))
tg = {int(t["id"]): int(t["target"]) for t in tasks}
check(all(tg[i] == i % 6 for i in tg), "the trace's targets are the actions sent")
check(rewards[-1] != 0.0, "the final step's reward comes from the bye's outcomes (delayed reward)")

# --- reproducible ---
_, obs_log2, rewards2, _, _, _, _, _ = episode(env, 7, os.path.join(tmp, "delay2.h5"))
check(len(obs_log2) == len(obs_log) and all(np.array_equal(a, b) for a, b in zip(obs_log, obs_log2))
      and rewards2 == rewards, "a rerun with seed 7 gives identical observations and rewards")
# without a trace the sampler's events are gone, and SimGrid's remaining work of a running task
# (backlog_cycles) may differ in the last bits
_, obs_log4, rewards4, _, _, _, _, _ = episode(env, 7)
check(len(obs_log4) == len(obs_log) and all(np.allclose(a, b, rtol=1e-12, atol=0) for a, b in zip(obs_log, obs_log4))
      and np.allclose(rewards4, rewards, rtol=1e-12, atol=0), "the same run without a trace: the same numbers to 1e-12")
_, obs_log3, rewards3, _, _, _, _, _ = episode(env, 8)
check(rewards3 != rewards, "seed 8 gives other rewards")

# --- bad actions: ValueError naming the problem, no mecsim left ---
for action, words, what in (([1] * 9, "shape (9,)", "9 targets for 10 tasks"),
                            ([1] * 9 + [6], "action[9] = 6 is out of range", "target 6 of 0..5"),
                            ([1] * 9 + [-1], "out of range", "target -1"),
                            ([1.5] * 10, "integer", "non-integer targets"),
                            ([[1] * 10], "shape (1, 10)", "a 2-d action")):
    obs, info = env.reset(seed=3)
    pid = env.pid
    msg = None
    try:
        env.step(action)
    except ValueError as e:
        msg = str(e)
    check(msg is not None and words in msg and not alive(pid) and env.pid is None,
          "bad action (%s): ValueError %r, mecsim %d gone" % (what, msg, pid))
try:
    env.step([0] * 10)
    check(False, "step() after a bad action must refuse")
except RuntimeError as e:
    check("reset()" in str(e), "step() after a bad action asks for reset(): %s" % e)

# --- reset during a run kills the old one; truncation ---
env.reset(seed=4)
env.step([1] * 10)
old = env.pid
env.reset(seed=4)
check(not alive(old) and env.pid not in (None, old), "reset() during a run kills the old mecsim (%d)" % old)
env.close()
env = MecsimEnv(mecsim, PLAT, DEP, reward="energy", args=ARGS, cwd=src, timeout=40, max_steps=3)
obs, info = env.reset(seed=5)
flags = []
for _ in range(3):
    pid = env.pid
    obs, r, term, trunc, info = env.step([2] * info["batch"])
    flags.append((term, trunc))
check(flags == [(False, False), (False, False), (False, True)] and not alive(pid) and r <= 0,
      "max_steps=3: truncated at the third step, mecsim killed")
env.close()

# --- the DTOMALB reward: return / slots = the utility of analysis/dtomalb_analysis.py ---
import dtomalb_analysis as da  # noqa: E402
env = MecsimEnv(mecsim, PLAT, DEP, reward="dtomalb", args=ARGS, cwd=src, timeout=40)
tr2 = os.path.join(tmp, "dtomalb.h5")
_, _, rw, _, steps, _, _, _ = episode(env, 9, tr2)
u_env, u_trace = sum(rw) / steps, da.sim_metrics(tr2)["utility"]
check(abs(u_env - u_trace) <= 0.01 * abs(u_trace),
      "reward='dtomalb': return / slots %.5f = the trace's DTOMALB utility %.5f (within 1 %%)" % (u_env, u_trace))
env.close()

# --- a failing mecsim raises MecsimError with its error line ---
env = MecsimEnv(mecsim, PLAT, "deployments/no_such_file.xml", cwd=src, timeout=20)
try:
    env.reset(seed=1)
    check(False, "a missing deployment must raise MecsimError")
except MecsimError as e:
    check("mecsim:" in str(e) and "no_such_file" in str(e) and e.returncode == 2 and env.pid is None,
          "missing deployment: MecsimError %r (exit %s)" % (str(e), e.returncode))
env.close()
try:
    MecsimEnv(mecsim, PLAT, DEP, reward="speed")
    check(False, "reward='speed' must be refused")
except ValueError as e:
    check("reward='speed'" in str(e), "unknown reward refused: %s" % e)

# --- close(): no process, no socket, no temporary directory ---
env = MecsimEnv(mecsim, PLAT, DEP, args=ARGS, cwd=src, timeout=40)
env.reset(seed=2)
pid, sock, d = env.pid, env.socket_path, env._dir
alive_before = alive(pid) and os.path.exists(sock)
env.close()
check(alive_before and not alive(pid) and not os.path.exists(sock) and not os.path.exists(d),
      "close() during a run: mecsim %d gone, socket and temporary directory removed" % pid)
sys.exit(1 if bad else 0)
