#!/usr/bin/env python3
"""Writes the SRVGGNetCompact parity fixtures (dev-only; needs torch and safetensors).

A small network with random weights (8 features, 2 body convolutions, x4, PReLU), written the
way Real-ESRGAN releases its weights (`torch.save({"params": state_dict})`, zip format), plus a
random input and the output of a reference forward written here from the architecture:

    conv3x3(3->F) PReLU, N x [conv3x3(F->F) PReLU], conv3x3(F->3*s*s),
    pixel_shuffle(s), + nearest x s upscale of the input.

    models/scripts/gen_srvgg_fixture.py --out models/tests/fixtures/srvgg
"""
import argparse
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file


def reference(sd, x, scale):
    out = x
    i = 0
    while f"body.{i}.weight" in sd:
        out = F.conv2d(out, sd[f"body.{i}.weight"], sd[f"body.{i}.bias"], padding=1)
        slope = sd.get(f"body.{i + 1}.weight")
        if slope is not None:
            out = F.prelu(out, slope)
        i += 2
    out = F.pixel_shuffle(out, scale)
    return out + F.interpolate(x, scale_factor=scale, mode="nearest")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--features", type=int, default=8)
    ap.add_argument("--convs", type=int, default=2)
    ap.add_argument("--scale", type=int, default=4)
    args = ap.parse_args()
    torch.manual_seed(7)
    f, n, s = args.features, args.convs, args.scale
    sd = {}
    chans = [(3, f)] + [(f, f)] * n + [(f, 3 * s * s)]
    for k, (cin, cout) in enumerate(chans):
        sd[f"body.{2 * k}.weight"] = torch.randn(cout, cin, 3, 3) * (1.0 / (cin * 9) ** 0.5)
        sd[f"body.{2 * k}.bias"] = torch.randn(cout) * 0.05
        if k < len(chans) - 1:
            sd[f"body.{2 * k + 1}.weight"] = torch.rand(cout) * 0.3
    os.makedirs(args.out, exist_ok=True)
    torch.save({"params": sd}, os.path.join(args.out, "tiny-srvgg.pth"))
    x = torch.rand(1, 3, 7, 5)
    with torch.no_grad():
        y = reference(sd, x, s)
    save_file({"input": x.contiguous(), "output": y.contiguous()}, os.path.join(args.out, "io.safetensors"))
    print("wrote", args.out, "output", tuple(y.shape))


if __name__ == "__main__":
    main()
