"""PyTorch eager baseline for `benches/lama.rs`: big-lama with random weights, batch 1, CPU.

    ~/.cache/mend/venv-iopaint/bin/python models/scripts/bench_lama_torch.py --size 512 --threads 2

Uses the spec-written reference (`lama_reference.py`, same architecture as the traced
release, BN not folded) in eval mode under `torch.inference_mode()`; prints the median wall and
process CPU time of `--runs` timed forwards after one warm-up, and the process's peak RSS.
CPU time is the fairer comparison on a machine shared with other work.
"""

import argparse
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lama_reference import Wrapper, randomise  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = Wrapper(input_nc=4, output_nc=3, ngf=64, n_down=3, n_blocks=18, ratio=0.75)
    randomise(model, torch.Generator().manual_seed(7))
    s = args.size
    dev = torch.device(args.device)
    model = model.to(dev)
    image = torch.rand(1, 3, s, s, device=dev)
    mask = torch.zeros(1, 1, s, s, device=dev)
    mask[..., s // 4: s // 2, s // 3: 2 * s // 3] = 1
    times = []
    cpu = []
    with torch.inference_mode():
        model(image, mask)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        for _ in range(args.runs):
            t = time.perf_counter()
            c = time.process_time()
            model(image, mask)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__} eager on {args.device}, {args.threads} threads, {s}x{s}: "
          f"median {statistics.median(times):.3f} s (min {min(times):.3f}), "
          f"cpu median {statistics.median(cpu):.3f} s, "
          f"peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
