#!/usr/bin/env python3
"""Writes the IS-Net parity fixtures (dev-only; needs torch and safetensors).

A narrow IS-Net (ISNetDIS layout: conv_in, RSU-7/6/5/4/4F/4F encoder, RSU-4F/4/5/6/7 decoder,
side1) with random weights and random BatchNorm statistics, saved with `torch.save` like
RMBG-1.4's `model.pth`, plus an odd-sized input and the probability map of a reference forward
written here from the architecture.

    models/scripts/gen_isnet_fixture.py --out models/tests/fixtures/isnet
    models/scripts/gen_isnet_fixture.py --out /tmp/isnet --full   # released sizes, no fixture
"""
import argparse
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ENCODER = [(7, True), (6, True), (5, True), (4, True), (4, False), (4, False)]
DECODER = [(4, False), (4, True), (5, True), (6, True), (7, True)]


def rebn_params(sd, prefix, cin, cout):
    sd[f"{prefix}.conv_s1.weight"] = torch.randn(cout, cin, 3, 3) * (2.0 / (cin * 9)) ** 0.5
    sd[f"{prefix}.conv_s1.bias"] = torch.randn(cout) * 0.1
    sd[f"{prefix}.bn_s1.weight"] = 1.0 + 0.2 * torch.randn(cout)
    sd[f"{prefix}.bn_s1.bias"] = 0.1 * torch.randn(cout)
    sd[f"{prefix}.bn_s1.running_mean"] = 0.1 * torch.randn(cout)
    sd[f"{prefix}.bn_s1.running_var"] = 0.5 + torch.rand(cout)
    sd[f"{prefix}.bn_s1.num_batches_tracked"] = torch.tensor(7)


def rsu_params(sd, prefix, height, cin, mid, cout):
    rebn_params(sd, f"{prefix}.rebnconvin", cin, cout)
    c = cout
    for i in range(1, height + 1):
        rebn_params(sd, f"{prefix}.rebnconv{i}", c, mid)
        c = mid
    for i in range(height - 1, 0, -1):
        rebn_params(sd, f"{prefix}.rebnconv{i}d", 2 * mid, cout if i == 1 else mid)


def rebn(sd, prefix, x, dilation):
    y = F.conv2d(x, sd[f"{prefix}.conv_s1.weight"], sd[f"{prefix}.conv_s1.bias"], padding=dilation, dilation=dilation)
    y = F.batch_norm(y, sd[f"{prefix}.bn_s1.running_mean"], sd[f"{prefix}.bn_s1.running_var"],
                     sd[f"{prefix}.bn_s1.weight"], sd[f"{prefix}.bn_s1.bias"], training=False, eps=1e-5)
    return F.relu(y)


def up(x, like):
    return F.interpolate(x, size=like.shape[2:], mode="bilinear", align_corners=False)


def pool(x):
    return F.max_pool2d(x, 2, stride=2, ceil_mode=True)


def rsu(sd, prefix, height, pooled, x):
    xin = rebn(sd, f"{prefix}.rebnconvin", x, 1)
    hs = []
    h = xin
    for i in range(1, height + 1):
        if pooled:
            dil = 2 if i == height else 1
            if 1 < i < height:
                h = pool(h)
        else:
            dil = 2 ** (i - 1)
        h = rebn(sd, f"{prefix}.rebnconv{i}", h, dil)
        hs.append(h)
    d = hs[-1]
    for i in range(height - 1, 0, -1):
        skip = hs[i - 1]
        if pooled and i < height - 1:
            d = up(d, skip)
        dil = 1 if pooled else 2 ** (i - 1)
        d = rebn(sd, f"{prefix}.rebnconv{i}d", torch.cat([d, skip], 1), dil)
    return d + xin


def forward(sd, x):
    h = F.conv2d(x, sd["conv_in.weight"], sd["conv_in.bias"], stride=2, padding=1)
    skips = []
    for i, (height, pooled) in enumerate(ENCODER):
        if i > 0:
            h = pool(h)
        h = rsu(sd, f"stage{i + 1}", height, pooled, h)
        skips.append(h)
    d = h
    for k, (height, pooled) in enumerate(DECODER):
        stage = len(DECODER) - k
        skip = skips[stage - 1]
        d = rsu(sd, f"stage{stage}d", height, pooled, torch.cat([up(d, skip), skip], 1))
    side = F.conv2d(d, sd["side1.weight"], sd["side1.bias"], padding=1)
    return torch.sigmoid(up(side, x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--full", action="store_true", help="RMBG-1.4's sizes (weights only, for benchmarks)")
    args = ap.parse_args()
    torch.manual_seed(11)
    sd = {}
    if args.full:
        enc = [(64, 32, 64), (64, 32, 128), (128, 64, 256), (256, 128, 512), (512, 256, 512), (512, 256, 512)]
        dec = [(1024, 256, 512), (1024, 128, 256), (512, 64, 128), (256, 32, 64), (128, 16, 64)]
        sd["conv_in.weight"] = torch.randn(64, 3, 3, 3) * 0.2
        sd["conv_in.bias"] = torch.zeros(64)
        for i, ((height, _), (cin, mid, cout)) in enumerate(zip(ENCODER, enc)):
            rsu_params(sd, f"stage{i + 1}", height, cin, mid, cout)
        for k, ((height, _), (cin, mid, cout)) in enumerate(zip(DECODER, dec)):
            rsu_params(sd, f"stage{len(DECODER) - k}d", height, cin, mid, cout)
        for i, c in enumerate([64, 64, 128, 256, 512, 512], start=1):
            sd[f"side{i}.weight"] = torch.randn(1, c, 3, 3) * 0.05
            sd[f"side{i}.bias"] = torch.zeros(1)
        os.makedirs(args.out, exist_ok=True)
        torch.save(sd, os.path.join(args.out, "rmbg-1.4.bin"))
        print("wrote", args.out, sum(v.numel() for v in sd.values()), "values")
        return
    width = 4  # every block: out 4 channels, mid 2 (the released network: 64…512 / 16…256)
    sd["conv_in.weight"] = torch.randn(width, 3, 3, 3) * 0.4
    sd["conv_in.bias"] = torch.randn(width) * 0.1
    for i, (height, _) in enumerate(ENCODER):
        rsu_params(sd, f"stage{i + 1}", height, width, 2, width)
    for k, (height, _) in enumerate(DECODER):
        rsu_params(sd, f"stage{len(DECODER) - k}d", height, 2 * width, 2, width)
    for i in range(1, 7):
        sd[f"side{i}.weight"] = torch.randn(1, width, 3, 3) * 0.3
        sd[f"side{i}.bias"] = torch.randn(1) * 0.1
    os.makedirs(args.out, exist_ok=True)
    torch.save(sd, os.path.join(args.out, "tiny-isnet.pth"))
    x = torch.rand(1, 3, 45, 38) - 0.5
    with torch.no_grad():
        y = forward(sd, x)
    save_file({"input": x.contiguous(), "output": y.contiguous()}, os.path.join(args.out, "io.safetensors"))
    print("wrote", args.out, tuple(y.shape), float(y.min()), float(y.max()))


if __name__ == "__main__":
    main()
