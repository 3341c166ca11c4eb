#!/usr/bin/env python3
"""Times the public reference (nmallinar/rfm-grokking 73181df) network on this machine, for `symrfm bench
--network --net-reference <out.json>`: seconds per optimizer step of train_net.py's loop (OneLayerFCN width 256,
quadratic, AdamW lr 1e-3 wd 1 betas (0.9, 0.98), MSELoss, batch 32 shuffled, float64, CPU) on x+y mod P with
training fraction 0.5, and seconds of one `agop_utils.calc_full_agop` (agop batch 32, drop_last, as train_net.py).

    /work/main/target/peers-venv/bin/python scripts/bench_reference_net.py /tmp/refcode results/bench-net-reference.json [P] [STEPS] [REPEATS] [THREADS]

Each repetition: fresh weights (torch seed = repetition), STEPS timed optimizer steps (default 2000, as
`symrfm bench --network`; the loader's epochs repeat as train_net.py's do); the median over REPEATS (default 3)
is reported with the load average before and after. THREADS sets torch.set_num_threads (default: torch's own
choice).

einops (imported but unused by OneLayerFCN) is replaced by an empty module when missing.
"""
import json
import os
import statistics
import sys
import time
import types

import torch

torch.set_default_dtype(torch.float64)


def one_run(p, steps, seed, OneLayerFCN):
    """Seconds per step of STEPS steps of train_net.py's loop from fresh weights, and the model."""
    torch.manual_seed(seed)
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    a, b = a.flatten(), b.flatten()
    y = (a + b) % p
    perm = torch.randperm(p * p)[: (p * p) // 2]
    x = torch.cat([torch.nn.functional.one_hot(a[perm], p), torch.nn.functional.one_hot(b[perm], p)], 1).double()
    y1 = torch.nn.functional.one_hot(y[perm], p).double()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y1), batch_size=32, shuffle=True)
    model = OneLayerFCN(num_tokens=p, hidden_width=256, context_len=2, init_scale=1.0, n_classes=p)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.98), weight_decay=1.0)
    criterion = torch.nn.MSELoss()
    done = 0
    t0 = time.perf_counter()
    while done < steps:
        for inputs, labels in loader:
            opt.zero_grad()
            loss = criterion(model(inputs, act="quadratic"), labels)
            loss.backward()
            opt.step()
            done += 1
            if done == steps:
                break
    return (time.perf_counter() - t0) / steps, model, x, y1


def main():
    refcode, out_path = sys.argv[1:3]
    p = int(sys.argv[3]) if len(sys.argv) > 3 else 61
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    if len(sys.argv) > 6:
        torch.set_num_threads(int(sys.argv[6]))
    sys.path.insert(0, refcode)
    try:
        import einops  # noqa: F401
    except ImportError:
        sys.modules["einops"] = types.SimpleNamespace(rearrange=None, repeat=None)
    from models.neural_nets import OneLayerFCN
    import agop_utils

    load_before = open("/proc/loadavg").read().split()[:3]
    times = []
    for r in range(repeats):
        per_step, model, x, y1 = one_run(p, steps, r, OneLayerFCN)
        times.append(per_step)
        print(f"repetition {r}: {per_step * 1e6:.1f} µs per step", file=sys.stderr)
    agop_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y1), batch_size=32,
                                              shuffle=False, drop_last=True)
    cfg = types.SimpleNamespace(agop_batch_size=32, device="cpu", act_fn="quadratic", prime=p)
    t0 = time.perf_counter()
    agop_utils.calc_full_agop(model, agop_loader, cfg)
    agop_s = time.perf_counter() - t0
    load_after = open("/proc/loadavg").read().split()[:3]
    out = {
        "seconds_per_step": statistics.median(times),
        "agop_seconds": agop_s,
        "source": f"scripts/bench_reference_net.py: torch {torch.__version__}, {torch.get_num_threads()} threads, "
                  f"x+y mod {p}, median of {repeats} × {steps} steps "
                  f"({', '.join(f'{t * 1e6:.0f}' for t in times)} µs), load average {' '.join(load_before)} before, "
                  f"{' '.join(load_after)} after",
    }
    json.dump(out, open(out_path, "w"), indent=1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
