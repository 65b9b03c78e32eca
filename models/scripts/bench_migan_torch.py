"""PyTorch baseline for `bench/migan/run.sh`: the traced MI-GAN file run the way IOPaint runs
it (`torch.jit.load`, eval, `torch.no_grad()`), batch 1, on the benchmark input that
`models/examples/migan_time.rs` builds. Prints the median wall time of `--runs` timed forwards
after one warm-up; with `--compare F` also the max abs difference to mend's output in `F`.
`--eager` runs the same weights through the eager reference (`migan_reference.py`) instead of
the TorchScript graph.

    ~/.cache/mend/venv-iopaint/bin/python models/scripts/bench_migan_torch.py FILE --threads 2
"""

import argparse
import statistics
import time

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def bench_input(r):
    n = r * r
    idx = torch.arange(n)
    m = (idx % 7 == 0).float()
    x = torch.empty(4, n)
    x[0] = 0.5 - m
    for c in range(3):
        v = ((idx * 7 + c * 13) % 251).float() / 125.5 - 1.0
        x[c + 1] = v * (1.0 - m)
    return x.reshape(1, 4, r, r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--resolution", type=int, default=512)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--compare")
    ap.add_argument("--eager", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = torch.jit.load(args.file, map_location=args.device).eval()
    if args.eager:
        from migan_reference import Tree

        model = Tree(dict(model.state_dict()), args.resolution).to(args.device).eval()
    x = bench_input(args.resolution).to(args.device)
    times = []
    with torch.no_grad():
        for run in range(args.runs + 1):
            if args.device != "cpu":
                torch.cuda.synchronize()
            t = time.perf_counter()
            y = model(x)
            if args.device != "cpu":
                torch.cuda.synchronize()
            if run > 0:
                times.append(time.perf_counter() - t)
    print(f"torch median {statistics.median(times):.3f} s over {args.runs} runs, best {min(times):.3f} s "
          f"({args.threads} threads, {args.device}, {'eager' if args.eager else 'TorchScript'}, "
          f"torch {torch.__version__})")
    if args.compare:
        from safetensors.torch import load_file
        mine = load_file(args.compare)["output"]
        print(f"max abs difference mend vs torch: {(mine - y.cpu()).abs().max().item():.3e}")


if __name__ == "__main__":
    main()
