#!/usr/bin/env python3
"""PyTorch parity fixture (and benchmark) for symrfm's one-layer transformer (src/net/transformer.rs).

A small, independent PyTorch implementation of the same model, written for this fixture: tokens
a, b, '=' (vocabulary n + 1), token + position embeddings, one causal attention layer computed at
ALL three positions (symrfm computes only the query at '='; the fixture checks that this is
exact), a ReLU MLP with biases, no LayerNorm, unembedding, logits at '='. float64, CPU.

fixture mode (default): reads `config.json`, `init_params.npy` (flat vector in symrfm's layout)
and `train_pairs.npy` (k × 3 int64: a, b, label) from DIR, all written by symrfm
(`cargo test --release --test transformer -- --ignored export_parity_init`), runs full-batch
torch.optim.AdamW (foreach=False: the single-tensor path) with cross-entropy for `steps` steps
and writes `losses.npy` (the loss before each step) and `final_params.npy` to DIR.

    python scripts/torch_transformer_fixture.py tests/fixtures/transformer-parity

bench mode: forward + backward + AdamW step on add mod p, full batch of a fraction of the pairs,
random init, reports steps/s.

    python scripts/torch_transformer_fixture.py --bench --p 59 --steps 50 --threads 2 [--last-only]
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

BLOCKS = ["W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_in", "b_in", "W_out", "b_out", "W_U"]


def shapes(cfg, n, c):
    d, hd, dm = cfg["d_model"], cfg["n_heads"] * cfg["d_head"], cfg["d_mlp"]
    return {
        "W_E": (n + 1, d), "W_pos": (3, d), "W_Q": (d, hd), "W_K": (d, hd), "W_V": (d, hd),
        "W_O": (hd, d), "W_in": (d, dm), "b_in": (dm,), "W_out": (dm, d), "b_out": (d,),
        "W_U": (d, c),
    }


def unflatten(flat, cfg, n, c):
    out, off = {}, 0
    for name in BLOCKS:
        shp = shapes(cfg, n, c)[name]
        size = math.prod(shp)
        out[name] = torch.nn.Parameter(torch.tensor(flat[off:off + size], dtype=torch.float64).reshape(shp))
        off += size
    assert off == len(flat), (off, len(flat))
    return out


def flatten(params):
    return np.concatenate([params[k].detach().numpy().ravel() for k in BLOCKS])


def logits(params, cfg, n, a, b):
    """Full three-position causal transformer; logits at position 2 ('=')."""
    H, dh = cfg["n_heads"], cfg["d_head"]
    batch = a.shape[0]
    tokens = torch.stack([a, b, torch.full_like(a, n)], dim=1)  # B × 3
    x = params["W_E"][tokens] + params["W_pos"]  # B × 3 × d
    q = (x @ params["W_Q"]).reshape(batch, 3, H, dh)
    k = (x @ params["W_K"]).reshape(batch, 3, H, dh)
    v = (x @ params["W_V"]).reshape(batch, 3, H, dh)
    scores = torch.einsum("bqhe,bkhe->bhqk", q, k) / math.sqrt(dh)
    mask = torch.tril(torch.ones(3, 3, dtype=torch.bool))
    scores = scores.masked_fill(~mask, float("-inf"))
    attn = torch.softmax(scores, dim=-1)
    z = torch.einsum("bhqk,bkhe->bqhe", attn, v).reshape(batch, 3, H * dh)
    r = x + z @ params["W_O"]
    m = torch.relu(r @ params["W_in"] + params["b_in"])
    r2 = r + m @ params["W_out"] + params["b_out"]
    return (r2 @ params["W_U"])[:, 2, :]


def logits_last(params, cfg, n, a, b):
    """The same logits computing only the query, MLP and unembedding at position 2 (symrfm's
    shortcut, exact for one layer); used by --bench --last-only for a like-for-like comparison."""
    H, dh = cfg["n_heads"], cfg["d_head"]
    batch = a.shape[0]
    tokens = torch.stack([a, b, torch.full_like(a, n)], dim=1)
    x = params["W_E"][tokens] + params["W_pos"]  # B × 3 × d
    q = (x[:, 2] @ params["W_Q"]).reshape(batch, H, dh)
    k = (x @ params["W_K"]).reshape(batch, 3, H, dh)
    v = (x @ params["W_V"]).reshape(batch, 3, H, dh)
    attn = torch.softmax(torch.einsum("bhe,bkhe->bhk", q, k) / math.sqrt(dh), dim=-1)
    z = torch.einsum("bhk,bkhe->bhe", attn, v).reshape(batch, H * dh)
    r = x[:, 2] + z @ params["W_O"]
    m = torch.relu(r @ params["W_in"] + params["b_in"])
    r2 = r + m @ params["W_out"] + params["b_out"]
    return r2 @ params["W_U"]


def train(params, cfg, n, a, b, y, steps, lr, wd, betas, model=logits):
    opt = torch.optim.AdamW(list(params.values()), lr=lr, betas=betas, weight_decay=wd, eps=1e-8,
                            foreach=False)
    losses = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=False)
        loss = torch.nn.functional.cross_entropy(model(params, cfg, n, a, b), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


def fixture(args):
    d = args.dir
    with open(os.path.join(d, "config.json")) as f:
        meta = json.load(f)
    cfg, n, c = meta["config"], meta["n_symbols"], meta["n_classes"]
    flat = np.load(os.path.join(d, "init_params.npy"))
    pairs = np.load(os.path.join(d, "train_pairs.npy"))
    a, b, y = (torch.tensor(pairs[:, i], dtype=torch.long) for i in range(3))
    params = unflatten(flat, cfg, n, c)
    losses = train(params, cfg, n, a, b, y, meta["steps"], meta["lr"], meta["weight_decay"],
                   tuple(meta["betas"]))
    np.save(os.path.join(d, "losses.npy"), losses)
    np.save(os.path.join(d, "final_params.npy"), flatten(params))
    print(f"torch {torch.__version__}: {len(losses)} steps, loss {losses[0]:.6f} -> {losses[-1]:.6f}")


def bench(args):
    torch.set_num_threads(args.threads)
    p = args.p
    cfg = {"d_model": 128, "n_heads": 4, "d_head": 32, "d_mlp": 512}
    rng = np.random.default_rng(0)
    k = int(args.fraction * p * p)
    idx = rng.permutation(p * p)[:k]
    a, b = idx // p, idx % p
    y = (a + b) % p
    sh = shapes(cfg, p, p)
    flat = np.concatenate([rng.standard_normal(math.prod(sh[nm])) / math.sqrt(128) for nm in BLOCKS])
    params = unflatten(flat, cfg, p, p)
    ta, tb, ty = (torch.tensor(v, dtype=torch.long) for v in (a, b, y))
    model = logits_last if args.last_only else logits
    if args.last_only:  # the shortcut is exact: same logits as the three-position model
        assert torch.allclose(logits(params, cfg, p, ta, tb), model(params, cfg, p, ta, tb), rtol=1e-12, atol=1e-12)
    train(params, cfg, p, ta, tb, ty, 5, 1e-3, 1.0, (0.9, 0.98), model)  # warm-up
    t0 = time.perf_counter()
    train(params, cfg, p, ta, tb, ty, args.steps, 1e-3, 1.0, (0.9, 0.98), model)
    dt = time.perf_counter() - t0
    print(json.dumps({"impl": "torch-last-only" if args.last_only else "torch", "torch": torch.__version__, "threads": args.threads, "p": p,
                      "batch": k, "steps": args.steps, "seconds": dt, "steps_per_s": args.steps / dt,
                      "loadavg": os.getloadavg()}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", default="tests/fixtures/transformer-parity")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--p", type=int, default=59)
    ap.add_argument("--fraction", type=float, default=0.3)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--last-only", action="store_true",
                    help="bench: compute only position 2's query and MLP, as symrfm does")
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    if args.bench:
        bench(args)
    else:
        torch.set_num_threads(1)
        fixture(args)


if __name__ == "__main__":
    sys.exit(main())
