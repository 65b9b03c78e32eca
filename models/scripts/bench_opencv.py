#!/usr/bin/env python3
"""Time OpenCV's cv2.inpaint on the inputs of mend's `cv2` criterion bench (dev-only).

Same inputs as models/benches/cv2.rs: the astronaut fixture (256²) upscaled (bilinear) to 512²,
1024², 2048², mask = centred square of side round(0.32·N) plus an anti-diagonal stroke
(|x − (N−1−y)| ≤ max(N/256, 1)), radius 4, one thread (cv2.setNumThreads(1)).
Prints the median of several runs per case, in milliseconds, with the same ids as the bench.

    ~/.cache/mend/venv-cv2/bin/python models/scripts/bench_opencv.py [--repeat 11]

(Set up the venv as described in gen_cv2_fixtures.py.)
"""

import argparse
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "cv2" / "astronaut.png"


def bench_mask(n: int) -> np.ndarray:
    side = round(n * 0.32)
    o = (n - side) // 2
    half = max(n // 256, 1)
    y, x = np.mgrid[0:n, 0:n]
    square = (x >= o) & (x < o + side) & (y >= o) & (y < o + side)
    stroke = np.abs(x - (n - 1 - y)) <= half
    return ((square | stroke) * 255).astype(np.uint8)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=11)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    base = cv2.imread(str(FIXTURE))
    print(f"OpenCV {cv2.__version__}, threads={cv2.getNumThreads()}")
    for n in (512, 1024, 2048):
        img = cv2.resize(base, (n, n), interpolation=cv2.INTER_LINEAR)
        mask = bench_mask(n)
        print(f"{n}x{n}: mask covers {100 * (mask > 0).mean():.1f} %")
        for name, flag in (("telea", cv2.INPAINT_TELEA), ("ns", cv2.INPAINT_NS)):
            cv2.inpaint(img, mask, 4, flag)  # warm-up
            times = []
            for _ in range(args.repeat if n < 2048 else max(args.repeat // 2, 3)):
                t0 = time.perf_counter()
                cv2.inpaint(img, mask, 4, flag)
                times.append((time.perf_counter() - t0) * 1000)
            print(f"cv2/{name}/{n}x{n}: median {statistics.median(times):.1f} ms (min {min(times):.1f})")


if __name__ == "__main__":
    main()
