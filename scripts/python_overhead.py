"""Cost of a run through Python against the same run through the CLI (README "Performance").

    target/pyenv/bin/python scripts/python_overhead.py [--reps 3] [--iters 50] [-p 61]

Alternates `symrfm run -q --out A.json` (the binary) and a fresh interpreter running
`symrfm.run(quiet=True).save(B.json)`, --reps times each, and prints the medians of the wall times of
the whole processes (interpreter start and imports included), the median in-process time of
`symrfm.run` alone, the load averages before and after, and checks that both runs agree.
"""

import argparse
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("-p", type=int, default=61)
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "symrfm"))
    args = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="symrfm-overhead-"))
    cli_cmd = [args.bin, "run", "-p", str(args.p), "--iters", str(args.iters), "-q", "--out", str(tmp / "cli.json")]
    code = (
        "import time, symrfm\n"
        "t0 = time.perf_counter()\n"
        f"r = symrfm.run(modulus={args.p}, iters={args.iters}, quiet=True)\n"
        "t1 = time.perf_counter()\n"
        f"r.save({str(tmp / 'py.json')!r})\n"
        "print(t1 - t0)\n"
    )
    py_cmd = [sys.executable, "-c", code]
    load_before = os.getloadavg()
    cli, py, inproc, cli_cpu, py_cpu = [], [], [], [], []

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    for _ in range(args.reps):
        c0, t0 = cpu(), time.perf_counter()
        subprocess.run(cli_cmd, check=True, capture_output=True)
        cli.append(time.perf_counter() - t0)
        cli_cpu.append(cpu() - c0)
        c0, t0 = cpu(), time.perf_counter()
        out = subprocess.run(py_cmd, check=True, capture_output=True, text=True)
        py.append(time.perf_counter() - t0)
        py_cpu.append(cpu() - c0)
        inproc.append(float(out.stdout.strip()))
    load_after = os.getloadavg()
    a = json.loads((tmp / "cli.json").read_text())
    b = json.loads((tmp / "py.json").read_text())
    same = [x["test_acc"] for x in a["iterations"]] == [x["test_acc"] for x in b["iterations"]] and (
        a["feature_matrices"] == b["feature_matrices"]
    )
    mc, mp = statistics.median(cli), statistics.median(py)
    print(f"p = {args.p}, {args.iters} iterations, {args.reps} alternating runs each")
    print(f"CLI    process wall: median {mc:.3f} s  ({', '.join(f'{x:.3f}' for x in cli)})")
    print(f"Python process wall: median {mp:.3f} s  ({', '.join(f'{x:.3f}' for x in py)})")
    mcc, mpc = statistics.median(cli_cpu), statistics.median(py_cpu)
    print(f"CPU time (user + sys): CLI median {mcc:.2f} s, Python median {mpc:.2f} s ({100 * (mpc / mcc - 1):+.1f} %)")
    print(f"Python symrfm.run() alone: median {statistics.median(inproc):.3f} s")
    print(f"overhead: {100 * (mp / mc - 1):+.1f} % (process), {100 * (statistics.median(inproc) / mc - 1):+.1f} % (run alone vs CLI process)")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; identical results: {same}")


if __name__ == "__main__":
    main()
