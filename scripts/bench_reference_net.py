#!/usr/bin/env python3
"""Times the public reference (nmallinar/rfm-grokking 73181df) network on this machine, for `symrfm bench
--network --net-reference <out.json>`: seconds per optimizer step of train_net.py's loop (OneLayerFCN width 256,
quadratic, AdamW lr 1e-3 wd 1 betas (0.9, 0.98), MSELoss, batch 32 shuffled, float64, CPU) on x+y mod P with
training fraction 0.5, and seconds of one `agop_utils.calc_full_agop` (agop batch 32, drop_last, as train_net.py).

    /work/main/target/peers-venv/bin/python scripts/bench_reference_net.py /tmp/refcode results/bench-net-reference.json [P] [EPOCHS] [THREADS]

THREADS sets torch.set_num_threads (default: torch's own choice).

einops (imported but unused by OneLayerFCN) is replaced by an empty module when missing.
"""
import json
import os
import sys
import time
import types

import torch

torch.set_default_dtype(torch.float64)


def main():
    refcode, out_path = sys.argv[1:3]
    p = int(sys.argv[3]) if len(sys.argv) > 3 else 61
    epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    if len(sys.argv) > 5:
        torch.set_num_threads(int(sys.argv[5]))
    sys.path.insert(0, refcode)
    try:
        import einops  # noqa: F401
    except ImportError:
        sys.modules["einops"] = types.SimpleNamespace(rearrange=None, repeat=None)
    from models.neural_nets import OneLayerFCN
    import agop_utils

    torch.manual_seed(0)
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    a, b = a.flatten(), b.flatten()
    y = (a + b) % p
    perm = torch.randperm(p * p)[: (p * p) // 2]
    x = torch.cat([torch.nn.functional.one_hot(a[perm], p), torch.nn.functional.one_hot(b[perm], p)], 1).double()
    y1 = torch.nn.functional.one_hot(y[perm], p).double()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y1), batch_size=32, shuffle=True)
    agop_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y1), batch_size=32,
                                              shuffle=False, drop_last=True)
    model = OneLayerFCN(num_tokens=p, hidden_width=256, context_len=2, init_scale=1.0, n_classes=p)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.98), weight_decay=1.0)
    criterion = torch.nn.MSELoss()
    steps = 0
    t0 = time.perf_counter()
    for _ in range(epochs):
        for inputs, labels in loader:
            opt.zero_grad()
            loss = criterion(model(inputs, act="quadratic"), labels)
            loss.backward()
            opt.step()
            steps += 1
    per_step = (time.perf_counter() - t0) / steps
    cfg = types.SimpleNamespace(agop_batch_size=32, device="cpu", act_fn="quadratic", prime=p)
    t0 = time.perf_counter()
    agop_utils.calc_full_agop(model, agop_loader, cfg)
    agop_s = time.perf_counter() - t0
    load = open("/proc/loadavg").read().split()[:3]
    out = {
        "seconds_per_step": per_step,
        "agop_seconds": agop_s,
        "source": f"scripts/bench_reference_net.py: torch {torch.__version__}, {torch.get_num_threads()} threads, "
                  f"x+y mod {p}, {steps} steps over {epochs} epochs, load average {' '.join(load)}",
    }
    json.dump(out, open(out_path, "w"), indent=1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
