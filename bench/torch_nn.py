"""PyTorch side of bench/bench_nn.c: the same shapes, one thread, the way a
researcher would write them. Prints one line per shape:
RESULT <name> <fwd us/sample f32> <train samples/s f32> <fwd us f64> <train samples/s f64>
Times are CPU time of the calling thread (the machine is shared), as in
bench_nn.c. Run with Debian's /usr/bin/python3 (python3-torch)."""
import time

import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.manual_seed(0)


def mlp(n_in, hidden, n_out):
    layers, w = [], n_in
    for h in hidden:
        layers += [nn.Linear(w, h), nn.ReLU()]
        w = h
    layers.append(nn.Linear(w, n_out))
    return nn.Sequential(*layers)


class NoisyTopKMoE(nn.Module):
    """Noisy top-k gating (Shazeer et al. 2017; DyNN eqs. 12-17); experts of
    `depth` Linear+ReLU layers of `units`; only the chosen experts run."""

    def __init__(self, n_in, n_experts, depth, units, k):
        super().__init__()
        self.k = k
        self.w_gate = nn.Parameter(0.1 * torch.randn(n_in, n_experts))
        self.w_noise = nn.Parameter(0.1 * torch.randn(n_in, n_experts))
        self.experts = nn.ModuleList(
            mlp_relu(n_in, [units] * depth) for _ in range(n_experts))
        self.units = units

    def forward(self, x):
        clean = x @ self.w_gate
        if self.training:
            std = nn.functional.softplus(x @ self.w_noise)
            h = clean + torch.randn_like(clean) * std
        else:
            h = clean
        top, idx = h.topk(self.k, dim=1)
        gates = torch.softmax(top, dim=1)
        y = x.new_zeros(x.shape[0], self.units)
        for e, expert in enumerate(self.experts):
            rows, slot = (idx == e).nonzero(as_tuple=True)
            if rows.numel() == 0:
                continue
            out = expert(x[rows]) * gates[rows, slot].unsqueeze(1)
            y = y.index_add(0, rows, out)
        return y


def mlp_relu(n_in, widths):
    layers, w = [], n_in
    for h in widths:
        layers += [nn.Linear(w, h), nn.ReLU()]
        w = h
    return nn.Sequential(*layers)


def shapes():
    return [
        ("mtfnn", mlp(18, [60, 20, 40], 3), 18, 3),
        ("moe", NoisyTopKMoE(150, 10, 3, 64, 2), 150, 64),
        ("actor", mlp(12, [64, 64], 4), 12, 4),
        ("critic", mlp(64, [64, 64], 1), 64, 1),
    ]


def forward_us(model, x):
    model.eval()
    best = 1e30
    with torch.no_grad():
        for _ in range(5):
            t0 = time.thread_time()
            for i in range(2000):
                model(x[i % 64:i % 64 + 1])
            best = min(best, (time.thread_time() - t0) / 2000 * 1e6)
    return best


def train_sps(model, x, t):
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = nn.MSELoss()
    best = 0.0
    for _ in range(3):
        t0 = time.thread_time()
        for i in range(300):
            j = (i % 2) * 32
            opt.zero_grad()
            loss = loss_fn(model(x[j:j + 32]), t[j:j + 32])
            loss.backward()
            opt.step()
        best = max(best, 32 * 300 / (time.thread_time() - t0))
    return best


def main():
    res = {}
    for dtype in (torch.float32, torch.float64):
        for name, model, n_in, n_out in shapes():
            model = model.to(dtype)
            x = torch.rand(64, n_in, dtype=dtype) * 2 - 1
            t = torch.rand(64, n_out, dtype=dtype) * 2 - 1
            res.setdefault(name, []).extend([forward_us(model, x), train_sps(model, x, t)])
    for name, v in res.items():
        print("RESULT %s %.4f %.1f %.4f %.1f" % (name, *v), flush=True)


if __name__ == "__main__":
    main()
