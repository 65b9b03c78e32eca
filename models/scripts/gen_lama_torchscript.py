#!/usr/bin/env python3
"""Write a traced TorchScript LaMa (`torch.jit.save`, like advimman/lama's `bin/to_jit.py`
writes the released `big-lama.pt`) with random weights, from the spec-written reference in
`lama_reference.py`. Dev-only; torch is never a runtime dependency of mend.

Uses:
- the small committed fixture the host's model-switch test downloads and loads through the
  real TorchScript reader and the built-in LaMa loader:

      ~/.cache/mend/venv-iopaint/bin/python models/scripts/gen_lama_torchscript.py \
          --ngf 8 --n-down 2 --n-blocks 1 --out models/tests/fixtures/torchscript/small-lama.pt

- a full-size random big-lama (205 MB, not committed) to run `mend start --model lama` as a
  user would without the real download (`--model-dir D` with the file at
  `D/torch/hub/checkpoints/big-lama.pt` and `LAMA_MODEL_MD5=<its md5>`):

      ~/.cache/mend/venv-iopaint/bin/python models/scripts/gen_lama_torchscript.py \
          --out /tmp/mend-models/torch/hub/checkpoints/big-lama.pt
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lama_reference import Wrapper, randomise  # noqa: E402


class Traced(torch.nn.Module):
    """Returns only the composite, as the released module does."""

    def __init__(self, wrapper):
        super().__init__()
        self.model = wrapper.model

    def forward(self, image, mask):
        masked = image * (1 - mask)
        pred = self.model.generator(torch.cat([masked, mask], dim=1))
        return mask * pred + (1 - mask) * image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--n-down", type=int, default=3)
    ap.add_argument("--n-blocks", type=int, default=18)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(2)
    wrapper = Wrapper(input_nc=4, output_nc=3, ngf=args.ngf, n_down=args.n_down,
                      n_blocks=args.n_blocks, ratio=0.75)
    randomise(wrapper, torch.Generator().manual_seed(args.seed))
    module = Traced(wrapper).eval()
    side = 8 << args.n_down
    with torch.no_grad():
        traced = torch.jit.trace(module, (torch.rand(1, 3, side, side),
                                          torch.zeros(1, 1, side, side)))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    traced.save(args.out)
    print(f"{args.out}: {os.path.getsize(args.out)} bytes, torch {torch.__version__}")


if __name__ == "__main__":
    main()
