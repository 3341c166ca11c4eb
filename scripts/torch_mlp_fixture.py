#!/usr/bin/env python3
"""PyTorch parity fixture for symrfm's networks (issue 22).

Reads the input file symrfm exports (tests/fixtures/net_parity/input.json: task size, training pairs and labels,
initial weights in torch layout, the minibatch of every step, hyper-parameters), trains the reference's
`OneLayerFCN` (nmallinar/rfm-grokking 73181df, models/neural_nets.py) with its AdamW and MSE exactly as
train_net.py does (zero_grad, forward with act, MSELoss on one-hot labels, backward, step), and writes per-step
loss, final weights and the network AGOP from the reference's `agop_utils.calc_full_agop` (jacfwd) at the final
weights.

Run by hand (not in CI):
    /work/main/target/peers-venv/bin/python scripts/torch_mlp_fixture.py /tmp/refcode \
        tests/fixtures/net_parity/input.json tests/fixtures/net_parity/torch.json
The reference imports einops, which it does not use for OneLayerFCN; when einops is missing an empty stand-in
module is registered so that the reference file itself is imported unchanged.
"""
import json
import sys
import types
import platform

import torch

torch.set_default_dtype(torch.float64)


def main():
    refcode, input_path, output_path = sys.argv[1:4]
    sys.path.insert(0, refcode)
    try:
        import einops  # noqa: F401
    except ImportError:
        sys.modules["einops"] = types.SimpleNamespace(rearrange=None, repeat=None)
    from models.neural_nets import OneLayerFCN
    import agop_utils

    spec = json.load(open(input_path))
    out = {"torch_version": torch.__version__, "python": platform.python_version(),
           "reference": "nmallinar/rfm-grokking 73181df", "cases": []}
    for case in spec["cases"]:
        n, c, h = case["n_symbols"], case["n_classes"], case["width"]
        a = torch.tensor(case["a"])
        b = torch.tensor(case["b"])
        y = torch.tensor(case["labels"])
        x = torch.cat([torch.nn.functional.one_hot(a, n), torch.nn.functional.one_hot(b, n)], dim=1).double()
        y1 = torch.nn.functional.one_hot(y, c).double()
        model = OneLayerFCN(num_tokens=n, hidden_width=h, context_len=2, init_scale=1.0, n_classes=c)
        with torch.no_grad():
            model.fc1.weight.copy_(torch.tensor(case["fc1"]))
            model.out.weight.copy_(torch.tensor(case["out"]))
        opt = torch.optim.AdamW(model.parameters(), lr=case["lr"], betas=(case["beta1"], case["beta2"]),
                                weight_decay=case["weight_decay"], eps=case["eps"])
        criterion = torch.nn.MSELoss()
        losses = []
        for batch in case["batches"]:
            idx = torch.tensor(batch)
            inputs, labels = x[idx], y1[idx]
            opt.zero_grad()
            output = model(inputs, act=case["act"])
            loss = criterion(output, labels)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        cfg = types.SimpleNamespace(agop_batch_size=len(a), device="cpu", act_fn=case["act"], prime=c)
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y1), batch_size=len(a),
                                             shuffle=False, drop_last=True)
        agop, _ = agop_utils.calc_full_agop(model, loader, cfg)
        nfm = model.fc1.weight.data.T @ model.fc1.weight.data
        out["cases"].append({
            "name": case["name"],
            "losses": losses,
            "fc1": model.fc1.weight.data.tolist(),
            "out": model.out.weight.data.tolist(),
            "agop": agop.tolist(),
            "nfm": nfm.tolist(),
        })
    with open(output_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
