#!/usr/bin/env python3
"""MI-GAN reference (dev-only; needs torch and safetensors): the inference generator that
`migan_traced.pt` contains, written here from the architecture, plus the parity fixtures and
a full-size random file for benchmarks and for running `mend start --model migan` without the
real download.

The generator maps a 4-channel input `cat([0.5 - mask, image * (1 - mask)])` (image in
[-1, 1], mask in {0, 1}) at its fixed resolution R (a power of two) to RGB in about [-1, 1]:

- Encoder, from R down to 8: block `encoder.bR` (the first also has `fromrgb`, a 1x1
  convolution of the input followed by the activation) runs `conv1` (keeping the width) and
  `conv2` (to the next width, 2x down); the output of `conv1` is kept as the skip feature of
  that resolution. `encoder.b4` runs `conv1`, `conv2` without the downsampling.
- Synthesis: `synthesis.b4` runs `conv1`, adds the b4 skip, runs `conv2` and `torgb` (1x1 to
  RGB). Each `synthesis.bR` (8 .. R) runs `conv1` (2x up, noise), adds the skip of R, runs
  `conv2` (noise); the RGB image so far is upsampled 2x (`upsample`) and `torgb` is added.
- A separable convolution (`conv1` / `conv2` of every block) is a depthwise 3x3 with bias
  (zero padding 1), the activation, an optional 2x downsample, a 1x1 convolution without bias,
  an optional 2x upsample, optional noise (`noise_const * noise_strength`), the activation.
- The activation is leaky ReLU (slope 0.2) times sqrt(2), clamped to [-256, 256].
- 2x down: depthwise 4x4 convolution, stride 2, zero padding 1, filter outer([1,3,3,1]) / 64.
- 2x up: depthwise transposed 2x2 convolution, stride 2 (weight [[1,0],[0,0]]: zeros between
  pixels), zero padding (left 2, right 1, top 2, bottom 1), depthwise 4x4 convolution with
  outer([1,3,3,1]) / 16.
- Widths: min(ch_base / resolution, ch_max) (the release: ch_base 32768, ch_max 512, R 512).

IOPaint's wrapper (`iopaint/model/mi_gan.py`): RGB u8 / 255 * 2 - 1, mask (> 120) -> {0, 1},
the input above, output * 127.5 + 127.5, rounded (half to even), clamped, u8.

    # committed parity fixtures (tiny network, traced like the release)
    models/scripts/migan_reference.py --out models/tests/fixtures/migan
    # full-size random release-shaped file (not committed)
    models/scripts/migan_reference.py --full --out /tmp/mend-models/torch/hub/checkpoints
"""
import argparse
import math
import os

import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)
BINOMIAL = torch.tensor([1.0, 3.0, 3.0, 1.0])


def width(res, ch_base, ch_max):
    return min(ch_base // res, ch_max)


def levels(resolution):
    log2 = int(round(math.log2(resolution)))
    assert 2 ** log2 == resolution and log2 >= 3, "resolution must be a power of two >= 8"
    return [2 ** i for i in range(log2, 2, -1)]  # R .. 8


def make_state_dict(resolution, ch_base, ch_max, gen):
    """Random weights with the release's names; resampling filters as the release has them."""
    sd = {}
    c = lambda r: width(r, ch_base, ch_max)  # noqa: E731

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen) * scale

    def sep(prefix, cin, cout, down=False, up=False, noise_res=None):
        sd[f"{prefix}.conv1.weight"] = randn(cin, 1, 3, 3, scale=1.0 / 3.0)
        sd[f"{prefix}.conv1.bias"] = randn(cin, scale=0.1)
        sd[f"{prefix}.conv2.weight"] = randn(cout, cin, 1, 1, scale=1.0 / math.sqrt(cin))
        if down:
            f = torch.outer(BINOMIAL, BINOMIAL) / 64.0
            sd[f"{prefix}.downsample.filter.weight"] = f.repeat(cin, 1, 1, 1)
        if up:
            resample(f"{prefix}.upsample", cout)
        if noise_res is not None:
            sd[f"{prefix}.noise_const"] = randn(noise_res, noise_res)
            sd[f"{prefix}.noise_strength"] = randn((), scale=0.3)

    def resample(prefix, ch):
        iz = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
        sd[f"{prefix}.insert_zeros.weight"] = iz.repeat(ch, 1, 1, 1)
        f = torch.outer(BINOMIAL, BINOMIAL) / 16.0
        sd[f"{prefix}.filter.weight"] = f.repeat(ch, 1, 1, 1)

    enc = levels(resolution)
    for r in enc:
        if r == resolution:
            sd[f"encoder.b{r}.fromrgb.weight"] = randn(c(r), 4, 1, 1, scale=0.5)
            sd[f"encoder.b{r}.fromrgb.bias"] = randn(c(r), scale=0.1)
        sep(f"encoder.b{r}.conv1", c(r), c(r))
        sep(f"encoder.b{r}.conv2", c(r), c(r // 2), down=True)
    sep("encoder.b4.conv1", c(4), c(4))
    sep("encoder.b4.conv2", c(4), c(4))
    sep("synthesis.b4.conv1", c(4), c(4))
    sep("synthesis.b4.conv2", c(4), c(4))
    sd["synthesis.b4.torgb.weight"] = randn(3, c(4), 1, 1, scale=1.0 / math.sqrt(c(4)))
    sd["synthesis.b4.torgb.bias"] = randn(3, scale=0.1)
    for r in reversed(enc):  # 8 .. R
        sep(f"synthesis.b{r}.conv1", c(r // 2), c(r), up=True, noise_res=r)
        sep(f"synthesis.b{r}.conv2", c(r), c(r), noise_res=r)
        sd[f"synthesis.b{r}.torgb.weight"] = randn(3, c(r), 1, 1, scale=1.0 / math.sqrt(c(r)))
        sd[f"synthesis.b{r}.torgb.bias"] = randn(3, scale=0.1)
        resample(f"synthesis.b{r}.upsample", 3)
    return sd


def act(x):
    return torch.clamp(F.leaky_relu(x, 0.2) * SQRT2, -256.0, 256.0)


def up2(w, prefix, x):
    ch = x.shape[1]
    x = F.conv_transpose2d(x, w(f"{prefix}.insert_zeros.weight"), stride=2, groups=ch)
    x = F.pad(x, (2, 1, 2, 1))
    return F.conv2d(x, w(f"{prefix}.filter.weight"), groups=ch)


def sep_forward(w, has, prefix, x):
    ch = x.shape[1]
    x = act(F.conv2d(x, w(f"{prefix}.conv1.weight"), w(f"{prefix}.conv1.bias"), padding=1, groups=ch))
    if has(f"{prefix}.downsample.filter.weight"):
        x = F.conv2d(x, w(f"{prefix}.downsample.filter.weight"), stride=2, padding=1, groups=ch)
    x = F.conv2d(x, w(f"{prefix}.conv2.weight"))
    if has(f"{prefix}.upsample.filter.weight"):
        x = up2(w, f"{prefix}.upsample", x)
    if has(f"{prefix}.noise_const"):
        x = x + w(f"{prefix}.noise_const") * w(f"{prefix}.noise_strength")
    return act(x)


def generator_forward(w, has, resolution, x):
    """`w(name)` gives a tensor, `has(name)` whether it exists."""
    enc = levels(resolution)
    feats = {}
    h = None
    for r in enc:
        p = f"encoder.b{r}"
        if h is None:
            h = act(F.conv2d(x, w(f"{p}.fromrgb.weight"), w(f"{p}.fromrgb.bias")))
        feat = sep_forward(w, has, f"{p}.conv1", h)
        h = sep_forward(w, has, f"{p}.conv2", feat)
        feats[r] = feat
    feats[4] = sep_forward(w, has, "encoder.b4.conv1", h)
    h = sep_forward(w, has, "encoder.b4.conv2", feats[4])

    h = sep_forward(w, has, "synthesis.b4.conv1", h) + feats[4]
    h = sep_forward(w, has, "synthesis.b4.conv2", h)
    img = F.conv2d(h, w("synthesis.b4.torgb.weight"), w("synthesis.b4.torgb.bias"))
    for r in reversed(enc):
        p = f"synthesis.b{r}"
        h = sep_forward(w, has, f"{p}.conv1", h) + feats[r]
        h = sep_forward(w, has, f"{p}.conv2", h)
        img = up2(w, f"{p}.upsample", img) + F.conv2d(h, w(f"{p}.torgb.weight"), w(f"{p}.torgb.bias"))
    return img


class Tree(torch.nn.Module):
    """A module tree holding a state dict under its dotted names (so a trace keeps them)."""

    def __init__(self, sd, resolution):
        super().__init__()
        self.resolution = resolution
        for name, t in sd.items():
            *path, leaf = name.split(".")
            node = self
            for part in path:
                if not hasattr(node, part):
                    node.add_module(part, torch.nn.Module())
                node = getattr(node, part)
            if leaf == "noise_const":
                node.register_buffer(leaf, t.clone())
            else:
                node.register_parameter(leaf, torch.nn.Parameter(t.clone(), requires_grad=False))
        self._names = set(sd)

    def forward(self, x):
        def w(name):
            *path, leaf = name.split(".")
            node = self
            for part in path:
                node = getattr(node, part)
            return getattr(node, leaf)

        return generator_forward(w, lambda n: n in self._names, self.resolution, x)


def iopaint_forward(model, image_u8, mask_u8):
    """IOPaint's `MIGAN.forward` on a padded RGB u8 image [H, W, 3] and mask [H, W] (RGB out)."""
    image = torch.from_numpy(image_u8).permute(2, 0, 1).float() / 255.0
    image = (image * 2 - 1).unsqueeze(0)
    mask = torch.from_numpy(((mask_u8 > 120) * 255).astype("float32") / 255.0)[None, None]
    erased = image * (1 - mask)
    out = model(torch.cat([0.5 - mask, erased], dim=1))
    out = (out.permute(0, 2, 3, 1) * 127.5 + 127.5).round().clamp(0, 255).to(torch.uint8)
    return out[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--full", action="store_true", help="release sizes (R 512), no fixtures")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(args.seed)
    resolution, ch_base, ch_max = (512, 32768, 512) if args.full else (32, 128, 16)
    sd = make_state_dict(resolution, ch_base, ch_max, gen)
    tree = Tree(sd, resolution).eval()
    os.makedirs(args.out, exist_ok=True)
    with torch.no_grad():
        traced = torch.jit.trace(tree, torch.zeros(1, 4, resolution, resolution))
    name = "migan_traced.pt" if args.full else "tiny-migan.pt"
    path = os.path.join(args.out, name)
    traced.save(path)
    params = sum(t.numel() for k, t in sd.items() if not k.endswith("noise_const"))
    print(f"{path}: {os.path.getsize(path)} bytes, {params} parameters, torch {torch.__version__}")
    if args.full:
        return

    from safetensors.torch import save_file
    import numpy as np

    rng = np.random.default_rng(args.seed)
    x = torch.randn(1, 4, resolution, resolution, generator=gen)
    image = rng.integers(0, 256, size=(resolution, resolution, 3), dtype=np.uint8)
    mask = np.zeros((resolution, resolution), dtype=np.uint8)
    mask[6:20, 9:27] = 255
    mask[22:25, 3:8] = 121  # above the wrapper's threshold (> 120)
    mask[26:28, 3:8] = 120  # not above it
    with torch.no_grad():
        y = tree(x)
        y_big = tree(x * 300.0)  # drives activations into the clamp
        wrapped = iopaint_forward(tree, image, mask)
    save_file(
        {
            "input": x.contiguous(),
            "output": y.contiguous(),
            "input_big": (x * 300.0).contiguous(),
            "output_big": y_big.contiguous(),
            "image": torch.from_numpy(image).float().contiguous(),
            "mask": torch.from_numpy(mask).float().contiguous(),
            "wrapped": wrapped.float().contiguous(),
        },
        os.path.join(args.out, "io.safetensors"),
    )
    print("wrote fixtures to", args.out)


if __name__ == "__main__":
    main()
