#!/usr/bin/python3
"""Example: a small PyTorch agent trained through mecsim.env.MecsimEnv on the DTOMALB cell.

usage: train_dtomalb_agent.py --mecsim BUILD/mecsim --out runs/external_agent [--episodes 600]
           [--eval-every 25] [--heldout 101,102,103,104,105] [--slots 50] [--seed 1] [--lr 3e-3]

What it does (docs/external.md, "Example: a PyTorch agent"; numbers in docs/reproductions.md):

* Cell: platforms/dtomalb_cell.xml with deployments/dtomalb_cell.xml: 10 MDs, 5 servers (12..20
  GHz), one task per MD every T = 0.25 s, decided per slot (one step = one slot's 10 tasks).
* Policy: one small network shared by every task, 10 inputs -> 64 -> 64 -> 6 logits (0 = local,
  1..5 = servers) plus a value head. The inputs of a task: the 5 load factors LD_m / T, *including
  the tasks placed earlier in the same slot* (the agent places the batch one task after the other,
  as the central baselines do), the task's size L and work C (scaled), its upload time and local
  time over T, and the wait for its own MD (the local tasks this agent queued there) over T.
* Algorithm: advantage actor-critic with one-step (per task) returns - REINFORCE with a learned
  baseline. Why: the environment hands back every finished task's outcome by task id
  (info["outcomes"]) one or a few steps after the decision, so each decision can be credited with
  its *own* DTOMALB reward R_n = -w1 t_n - w2 var(LD) (eq. 20 of docs/dtomalb.md: its delay and the
  load variance its slot left) instead of the slot's sum over 10 tasks - much lower variance than
  slot-level returns, and no replay memory or target network to tune. The price: gamma = 0, so a
  task is not charged for the wait it causes later tasks (only through the variance term and the
  waits it meets itself behind earlier ones). One update per episode on its 500 decisions (Adam,
  lr 3e-3 -> 3e-4 and entropy bonus 0.01 -> 0.001, both linear over the episodes; advantages
  normalized; gradient norm clipped at 1), sampling the softmax while training; evaluation is
  greedy (argmax).
* Training seeds 1000 + episode; held-out seeds (default 101..105, those of docs/reproductions.md's
  DTOMALB section) are never trained on. Every --eval-every episodes the greedy agent plays the
  held-out seeds (learning curve); at the end it plays them once more writing traces, next to the
  built-in `random`, `random` with p_local=0, `greedy` and `least-loaded` (per slot) on the same seeds.
* Writes to OUT: curve.csv (per training episode), eval.csv (periodic held-out evaluation),
  model.pt (state_dict), config.json, heldout/index.csv + heldout/*.h5 (the final traces),
  heldout.csv (the metrics of analysis/dtomalb_analysis.py per trace), summary.json.
* Deterministic: torch.manual_seed, one thread, sampling from a seeded generator; mecsim is
  deterministic from its seed. A rerun writes the same numbers.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "python"))
sys.path.insert(0, os.path.join(SRC, "analysis"))

# one thread everywhere (torch's own pool, OpenMP, OpenBLAS): the same numbers on every rerun
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"
import numpy as np  # noqa: E402
import torch  # noqa: E402

from mecsim.env import MecsimEnv, SERVER_FIELDS, TASK_FIELDS, DEVICE_FIELDS  # noqa: E402

PLATFORM = "platforms/dtomalb_cell.xml"
DEPLOYMENT = "deployments/dtomalb_cell.xml"
W1, W2 = 1.0, 10.0
L_SCALE, C_SCALE = 3.2e6, 1.0e9  # the means of U[2.4e6, 4e6] bits and U[8e8, 1.2e9] cycles
HIDDEN = 64
TRAIN_SEED0 = 1000  # training episode e uses mecsim seed 1000 + e
BASELINES = [  # label, mecsim arguments (per slot, as the deployment says)
    ("random", ["--policy", "random"]),
    ("random-server", ["--policy", "random", "--policy-args", "p_local=0"]),
    ("greedy", ["--policy", "greedy"]),
    ("least-loaded", ["--policy", "least-loaded"]),
]

COL = {n: i for i, n in enumerate(SERVER_FIELDS)}
TCOL = {n: i for i, n in enumerate(TASK_FIELDS)}
DCOL = {n: i for i, n in enumerate(DEVICE_FIELDS)}


class Net(torch.nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(n_in, HIDDEN), torch.nn.Tanh(),
                                        torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.Tanh())
        self.pi = torch.nn.Linear(HIDDEN, n_out)
        self.v = torch.nn.Linear(HIDDEN, 1)

    def forward(self, x):
        h = self.body(x)
        return self.pi(h), self.v(h).squeeze(-1)

    def decision_flops(self):
        """2 flops per multiply-accumulate of what a decision runs (body + policy head), per task."""
        macs = sum(m.in_features * m.out_features for m in list(self.body) + [self.pi]
                   if isinstance(m, torch.nn.Linear))
        return 2.0 * macs


class Agent:
    """Places a batch task by task; tracks its own local queue per MD."""

    def __init__(self, net, slot, n_md, gen=None):
        self.net, self.slot, self.gen = net, slot, gen
        self.md_free = np.zeros(n_md)

    def features(self, obs, i, added):
        srv, t, d = obs["servers"], obs["tasks"][i], obs["devices"][i]
        ld = (srv[:, COL["backlog_cycles"]] + added) / srv[:, COL["cpu_hz"]]
        md = int(t[TCOL["md"]])
        up = t[TCOL["input_bits"]] / d[DCOL["up_rate_bps"]]
        local = t[TCOL["cycles"]] / d[DCOL["cpu_hz"]]
        wait = max(0.0, self.md_free[md] - obs["now"])
        return np.concatenate([ld / self.slot, [t[TCOL["input_bits"]] / L_SCALE, t[TCOL["cycles"]] / C_SCALE,
                                                up / self.slot, local / self.slot, wait / self.slot]])

    def act(self, obs, sample):
        """The batch's targets and each task's features."""
        added = np.zeros(len(obs["servers"]))
        xs, acts = [], []
        for i in range(len(obs["tasks"])):
            x = self.features(obs, i, added)
            with torch.no_grad():
                logits, _ = self.net(torch.as_tensor(x, dtype=torch.float32))
            if sample:
                a = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=self.gen))
            else:
                a = int(torch.argmax(logits))
            t = obs["tasks"][i]
            if a > 0:
                added[a - 1] += t[TCOL["cycles"]]
            else:
                md = int(t[TCOL["md"]])
                self.md_free[md] = max(self.md_free[md], obs["now"]) + t[TCOL["cycles"]] / obs["devices"][i][DCOL["cpu_hz"]]
            xs.append(x)
            acts.append(a)
        return acts, xs


def play(env, net, seed, sample, gen=None, trace=None):
    """One episode; returns (per-task samples [(x, a, reward)], utility = return / steps, mean delay)."""
    obs, info = env.reset(seed=seed, options={"trace": trace})
    agent = Agent(net, env.hello["slot_s"] or 1.0, env.n_md, gen)
    pending = {}  # task id -> (x, a, load variance of its slot): waiting for its outcome
    samples, delays, ret, steps, done = [], [], 0.0, 0, False
    while not done:
        acts, xs = agent.act(obs, sample)
        ids = [int(t["id"]) for t in info["request"]["tasks"]]
        var = env.load_variance(obs, acts)
        for tid, x, a in zip(ids, xs, acts):
            pending[tid] = (x, a, var)
        obs, r, term, trunc, info = env.step(acts)
        ret += r
        steps += 1
        done = term or trunc
        for o in info["outcomes"]:  # delayed: tasks decided at this step or earlier
            x, a, v = pending.pop(int(o["id"]))
            samples.append((x, a, -W1 * o["delay_s"] - W2 * v))
            delays.append(o["delay_s"])
    if pending:
        raise RuntimeError("%d tasks without an outcome at the end of the run" % len(pending))
    return samples, ret / steps, float(np.mean(delays))


def update(net, opt, samples, beta):
    x = torch.as_tensor(np.array([s[0] for s in samples]), dtype=torch.float32)
    a = torch.as_tensor([s[1] for s in samples])
    r = torch.as_tensor([s[2] for s in samples], dtype=torch.float32)
    logits, v = net(x)
    logp = torch.log_softmax(logits, -1)
    adv = (r - v).detach()
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    pg = -(adv * logp.gather(1, a[:, None]).squeeze(1)).mean()
    ent = -(logp.exp() * logp).sum(-1).mean()
    vloss = 0.5 * ((v - r) ** 2).mean()
    loss = pg + vloss - beta * ent
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    return float(pg), float(vloss), float(ent)


def evaluate(env, net, seeds):
    u, d = [], []
    for s in seeds:
        _, ui, di = play(env, net, s, sample=False)
        u.append(ui)
        d.append(di)
    return float(np.mean(u)), float(np.mean(d))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--mecsim", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--episodes", type=int, default=600)
    ap.add_argument("--eval-every", type=int, default=25)
    ap.add_argument("--heldout", default="101,102,103,104,105")
    ap.add_argument("--slots", type=int, default=50, help="slots per episode (tasks per MD)")
    ap.add_argument("--seed", type=int, default=1, help="torch seed (weights, sampling)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    heldout = [int(s) for s in args.heldout.split(",")]
    out = os.path.abspath(args.out)
    mecsim = os.path.abspath(args.mecsim)
    os.makedirs(os.path.join(out, "heldout"), exist_ok=True)
    train_seeds = range(TRAIN_SEED0, TRAIN_SEED0 + args.episodes)
    assert not set(train_seeds) & set(heldout), "held-out seeds overlap the training seeds"

    sim_args = ["--tasks_per_md", str(args.slots)]
    net = Net(5 + 5, 6)
    flops = net.decision_flops()
    env = MecsimEnv(mecsim, PLATFORM, DEPLOYMENT, reward="dtomalb", args=sim_args, cwd=SRC, w1=W1, w2=W2,
                    flops_per_task=flops, timeout=args.timeout)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    config = {"platform": PLATFORM, "deployment": DEPLOYMENT, "mecsim_args": sim_args, "episodes": args.episodes,
              "eval_every": args.eval_every, "heldout": heldout, "train_seeds": [TRAIN_SEED0, TRAIN_SEED0 + args.episodes - 1],
              "torch_seed": args.seed, "lr": args.lr, "hidden": HIDDEN, "w1": W1, "w2": W2,
              "decision_flops_per_task": flops, "torch": torch.__version__, "algorithm": "actor-critic, per-task one-step returns"}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)

    t0 = time.time()
    curve = open(os.path.join(out, "curve.csv"), "w", newline="")
    cw = csv.writer(curve)
    cw.writerow(["episode", "seed", "utility", "mean_delay", "loss_pi", "loss_v", "entropy", "wall_s"])
    ev = open(os.path.join(out, "eval.csv"), "w", newline="")
    ew = csv.writer(ev)
    ew.writerow(["episode", "utility", "mean_delay", "wall_s"])

    def log_eval(ep):
        u, d = evaluate(env, net, heldout)
        ew.writerow([ep, repr(u), repr(d), "%.2f" % (time.time() - t0)])
        ev.flush()
        print("episode %4d  held-out utility %.4f  delay %.4f s  (%.0f s)" % (ep, u, d, time.time() - t0), flush=True)

    log_eval(0)
    for ep in range(1, args.episodes + 1):
        seed = TRAIN_SEED0 + ep - 1
        samples, u, d = play(env, net, seed, sample=True, gen=gen)
        frac = min(1.0, (ep - 1) / max(1, args.episodes - 1))
        beta = 0.01 + (0.001 - 0.01) * frac  # entropy bonus 0.01 -> 0.001
        for g in opt.param_groups:
            g["lr"] = args.lr * (1.0 - 0.9 * frac)  # learning rate lr -> lr / 10
        lp, lv, ent = update(net, opt, samples, beta)
        cw.writerow([ep, seed, repr(u), repr(d), repr(lp), repr(lv), repr(ent), "%.2f" % (time.time() - t0)])
        curve.flush()
        if ep % args.eval_every == 0 or ep == args.episodes:
            log_eval(ep)
    train_s = time.time() - t0
    curve.close()
    ev.close()
    torch.save(net.state_dict(), os.path.join(out, "model.pt"))

    # final held-out comparison, every run with a trace
    rows = []
    for s in heldout:
        tr = os.path.join("heldout", "agent-s%d.h5" % s)
        _, u, d = play(env, net, s, sample=False, trace=os.path.join(out, tr))
        rows.append({"label": "agent", "seed": s, "trace": tr, "env_utility": repr(u)})
        for label, pargs in BASELINES:
            tr = os.path.join("heldout", "%s-s%d.h5" % (label, s))
            cmd = [mecsim, PLATFORM, DEPLOYMENT, "--quiet", "--seed", str(s), "--trace", os.path.join(out, tr)]
            p = subprocess.run(cmd + sim_args + pargs, cwd=SRC, capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError("%s failed: %s" % (" ".join(cmd + pargs), p.stderr.strip()[-400:]))
            rows.append({"label": label, "seed": s, "trace": tr, "env_utility": ""})
    env.close()
    with open(os.path.join(out, "heldout", "index.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["label", "seed", "trace", "env_utility"])
        w.writeheader()
        w.writerows(rows)

    import dtomalb_analysis as da
    met = []
    for r in rows:
        m = da.sim_metrics(os.path.join(out, r["trace"]))
        met.append({"label": r["label"], "seed": r["seed"], "utility": m["utility"], "mean_delay": m["mean_delay"],
                    "var_ld": m["var_ld"], "frac_local": m["frac_local"], "all_done": m["all_done"]})
    with open(os.path.join(out, "heldout.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(met[0]))
        w.writeheader()
        w.writerows(met)
    summ = {}
    for label in ["agent"] + [b[0] for b in BASELINES]:
        ms = [m for m in met if m["label"] == label]
        summ[label] = {"utility": float(np.mean([m["utility"] for m in ms])),
                       "mean_delay": float(np.mean([m["mean_delay"] for m in ms])),
                       "var_ld": float(np.mean([m["var_ld"] for m in ms]))}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"train_s": train_s, "episodes": args.episodes, "heldout": heldout, "mean": summ}, f, indent=1)
    print("trained %d episodes in %.0f s; held-out seeds %s (mean over seeds, from the traces):"
          % (args.episodes, train_s, ",".join(map(str, heldout))))
    for label, s in summ.items():
        print("  %-14s utility %8.4f  mean delay %.4f s  var(LD) %.5f" % (label, s["utility"], s["mean_delay"], s["var_ld"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
