"""Dev-only PyTorch reference of the LaMa generator, written from mend's spec
(`shared/spec/lama-model.md` sections 1-3), and the generator of the Rust parity fixtures.

Module and attribute names follow the spec's key list (section 2.1), so the state dict of
`Wrapper` has exactly the keys of the traced `big-lama.pt` (`model.generator.model.<idx>...`).

Usage (torch + numpy + safetensors needed only here; CI uses the committed fixtures):

    ~/.cache/mend/venv-iopaint/bin/python models/scripts/lama_reference.py \
        --out models/tests/fixtures/lama

Writes:
  tiny-lama.safetensors   random tiny-config weights (F16 to stay small; the reference runs
                          on exactly these rounded values in f32), non-trivial BN statistics
  cases.safetensors       per case `<name>.image` [1,3,H,W], `<name>.mask` [1,1,H,W],
                          `<name>.pred` (generator output), `<name>.out` (composite);
                          `pipeline.*`: a 37x29 uint8 image through IOPaint's pre/post
  dft.safetensors         numpy rfft2 / irfft2 (norm="ortho") on odd, even, square sizes
"""

import argparse
import os

import numpy as np
import torch
from torch import nn
from safetensors.numpy import save_file


# ---------------------------------------------------------------- architecture (spec 1.3-1.6)


class FourierUnit(nn.Module):
    """rfft2 (ortho) -> interleaved re/im channels -> 1x1 conv + BN + ReLU -> irfft2."""

    def __init__(self, c):
        super().__init__()
        self.conv_layer = nn.Conv2d(2 * c, 2 * c, 1, bias=False)
        self.bn = nn.BatchNorm2d(2 * c)
        self.relu = nn.ReLU()

    def forward(self, y):
        n, c, h, w = y.shape
        f = torch.fft.rfft2(y, norm="ortho")                       # [n, c, h, wf] complex
        s = torch.stack([f.real, f.imag], dim=2)                   # [n, c, 2, h, wf]
        s = s.reshape(n, 2 * c, h, f.shape[-1])                    # channel 2c = re, 2c+1 = im
        s = self.relu(self.bn(self.conv_layer(s)))
        g = torch.complex(s[:, 0::2], s[:, 1::2])
        return torch.fft.irfft2(g, s=(h, w), norm="ortho")


class SpectralTransform(nn.Module):
    def __init__(self, c):
        super().__init__()
        half = c // 2
        self.conv1 = nn.Sequential(nn.Conv2d(c, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU())
        self.fu = FourierUnit(half)
        self.conv2 = nn.Conv2d(half, c, 1, bias=False)

    def forward(self, x):
        y = self.conv1(x)
        return self.conv2(y + self.fu(y))


class FFC(nn.Module):
    """Local/global convs; absent branches are None (they have no parameters upstream)."""

    def __init__(self, cin, cout, k, stride, pad, ratio_gin, ratio_gout):
        super().__init__()
        in_g = int(cin * ratio_gin)
        in_l = cin - in_g
        out_g = int(cout * ratio_gout)
        out_l = cout - out_g
        self.in_l, self.in_g = in_l, in_g

        def conv(i, o):
            mode = "reflect" if pad > 0 else "zeros"
            return nn.Conv2d(i, o, k, stride, pad, bias=False, padding_mode=mode)

        self.convl2l = conv(in_l, out_l) if in_l and out_l else None
        self.convl2g = conv(in_l, out_g) if in_l and out_g else None
        self.convg2l = conv(in_g, out_l) if in_g and out_l else None
        self.convg2g = SpectralTransform(in_g) if in_g and out_g else None

    def forward(self, xl, xg):
        out_l = self.convl2l(xl) if self.convl2l is not None else 0
        if self.convg2l is not None:
            out_l = out_l + self.convg2l(xg)
        out_g = 0
        if self.convl2g is not None:
            out_g = self.convl2g(xl)
        if self.convg2g is not None:
            out_g = out_g + self.convg2g(xg)
        return out_l, out_g


class FFC_BN_ACT(nn.Module):
    def __init__(self, cin, cout, k, stride=1, pad=0, ratio_gin=0.0, ratio_gout=0.0):
        super().__init__()
        self.ffc = FFC(cin, cout, k, stride, pad, ratio_gin, ratio_gout)
        out_g = int(cout * ratio_gout)
        out_l = cout - out_g
        self.bn_l = nn.BatchNorm2d(out_l) if out_l else None
        self.bn_g = nn.BatchNorm2d(out_g) if out_g else None
        self.act = nn.ReLU()

    def forward(self, x):
        xl, xg = x if isinstance(x, tuple) else (x, 0)
        out_l, out_g = self.ffc(xl, xg)
        out_l = self.act(self.bn_l(out_l)) if self.bn_l is not None else 0
        out_g = self.act(self.bn_g(out_g)) if self.bn_g is not None else 0
        return out_l, out_g


class FFCResnetBlock(nn.Module):
    def __init__(self, dim, ratio):
        super().__init__()
        self.conv1 = FFC_BN_ACT(dim, dim, 3, 1, 1, ratio, ratio)
        self.conv2 = FFC_BN_ACT(dim, dim, 3, 1, 1, ratio, ratio)

    def forward(self, x):
        xl, xg = x
        bl, bg = self.conv2(self.conv1((xl, xg)))
        return xl + bl, xg + bg


class ConcatTupleLayer(nn.Module):
    def forward(self, x):
        return torch.cat(x, dim=1)


class Generator(nn.Module):
    def __init__(self, input_nc=4, output_nc=3, ngf=64, n_down=3, n_blocks=18, ratio=0.75,
                 max_features=1024):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), FFC_BN_ACT(input_nc, ngf, 7)]
        for i in range(n_down):
            mult = 2 ** i
            cin = min(max_features, ngf * mult)
            cout = min(max_features, ngf * mult * 2)
            gout = ratio if i == n_down - 1 else 0.0
            layers.append(FFC_BN_ACT(cin, cout, 3, 2, 1, 0.0, gout))
        dim = min(max_features, ngf * 2 ** n_down)
        layers += [FFCResnetBlock(dim, ratio) for _ in range(n_blocks)]
        layers.append(ConcatTupleLayer())
        relu = nn.ReLU()
        for i in range(n_down):
            mult = 2 ** (n_down - i)
            cin = min(max_features, ngf * mult)
            cout = min(max_features, ngf * mult // 2)
            layers += [nn.ConvTranspose2d(cin, cout, 3, 2, 1, output_padding=1),
                       nn.BatchNorm2d(cout), relu]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Sigmoid()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class Trainer(nn.Module):
    def __init__(self, **cfg):
        super().__init__()
        self.generator = Generator(**cfg)


class Wrapper(nn.Module):
    """What the traced release computes: forward(image, mask) -> composite (spec 1.2)."""

    def __init__(self, **cfg):
        super().__init__()
        self.model = Trainer(**cfg)

    def forward(self, image, mask):
        masked = image * (1 - mask)
        pred = self.model.generator(torch.cat([masked, mask], dim=1))
        return mask * pred + (1 - mask) * image, pred


TINY = dict(input_nc=4, output_nc=3, ngf=16, n_down=3, n_blocks=2, ratio=0.75)


def randomise(model, gen):
    """Random conv weights (variance-preserving) and non-trivial BN statistics (spec 5.1)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                fan_in = m.weight[0].numel() if isinstance(m, nn.Conv2d) else \
                    m.weight.shape[0] * m.weight.shape[2] * m.weight.shape[3] / 4
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (1.5 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.rand(m.bias.shape, generator=gen) * 0.2 - 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.rand(c, generator=gen) * 0.2 - 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(c, generator=gen) * 0.2 - 0.1)
                m.num_batches_tracked.fill_(1000)
        # Round to f16 so the committed (F16) file holds exactly what the reference uses.
        for t in list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]:
            t.copy_(t.half().float())
    model.eval()


def rect_mask(h, w, rects):
    m = np.zeros((h, w), np.float32)
    for (y0, x0, y1, x1) in rects:
        m[y0:y1, x0:x1] = 1.0
    return m


def iopaint_pipeline(wrapper, img_u8, mask_u8, pad_mod=8):
    """IOPaint's `_pad_forward` for lama (spec 3.4-3.9) on RGB uint8 input; returns RGB uint8."""
    h, w = mask_u8.shape
    ph, pw = -(-h // pad_mod) * pad_mod, -(-w // pad_mod) * pad_mod
    img_p = np.pad(img_u8, ((0, ph - h), (0, pw - w), (0, 0)), mode="symmetric")
    mask_p = np.pad(mask_u8, ((0, ph - h), (0, pw - w)), mode="symmetric")
    image = torch.from_numpy(img_p.transpose(2, 0, 1).astype(np.float32) / 255)[None]
    mask = torch.from_numpy((mask_p > 0).astype(np.float32))[None, None]
    with torch.no_grad():
        out, _ = wrapper(image, mask)
    res = out[0].permute(1, 2, 0).numpy()
    res = np.clip(res * 255, 0, 255).astype(np.uint8)[:h, :w]
    m = (mask_u8 / 255.0)[:, :, None]
    return (res * m + img_u8 * (1 - m)).astype(np.uint8)


def save(tensors, name, out):
    """safetensors writes raw buffers: force C order (NumPy's FFT returns other layouts)."""
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, os.path.join(out, name))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/tests/fixtures/lama")
    ap.add_argument("--seed", type=int, default=20261126)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    wrapper = Wrapper(**TINY)
    randomise(wrapper, gen)
    state = {k: v.numpy().astype(np.float16) for k, v in wrapper.state_dict().items()
             if v.is_floating_point()}
    save(state, "tiny-lama.safetensors", args.out)

    cases = {}
    # (name, H, W, mask): bottleneck 8x9 (odd width), 6x5, the minimum 16x16, empty mask.
    specs = [
        ("c64x72", 64, 72, rect_mask(64, 72, [(5, 7, 30, 40), (40, 50, 60, 70)])),
        ("c48x40", 48, 40, rect_mask(48, 40, [(10, 3, 33, 21)])),
        ("c16x16", 16, 16, np.ones((16, 16), np.float32)),
        ("c24x40", 24, 40, np.zeros((24, 40), np.float32)),
    ]
    for name, h, w, m in specs:
        image = torch.from_numpy(rng.random((1, 3, h, w), dtype=np.float32))
        mask = torch.from_numpy(m)[None, None]
        with torch.no_grad():
            out, pred = wrapper(image, mask)
        cases[f"{name}.image"] = image.numpy()
        cases[f"{name}.mask"] = mask.numpy()
        cases[f"{name}.pred"] = pred.numpy()
        cases[f"{name}.out"] = out.numpy()

    # Pre/post-processing on an odd-sized uint8 image (W 37, H 29): smooth + noise.
    h, w = 29, 37
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 6, yy * 8, (xx + yy) * 3], axis=-1).astype(np.float64)
    img_u8 = np.clip(base + rng.integers(0, 40, (h, w, 3)), 0, 255).astype(np.uint8)
    mask_u8 = (rect_mask(h, w, [(6, 9, 20, 30), (24, 0, 29, 5)]) * 255).astype(np.uint8)
    expected = iopaint_pipeline(wrapper, img_u8, mask_u8)
    cases["pipeline.image"] = img_u8.astype(np.float32)
    cases["pipeline.mask"] = mask_u8.astype(np.float32)
    cases["pipeline.out"] = expected.astype(np.float32)
    save(cases, "cases.safetensors", args.out)

    dft = {}
    for (h, w) in [(8, 9), (6, 10), (5, 7), (16, 16)]:
        # Round inputs to f32 first: the Rust side reads them as f32.
        y = rng.standard_normal((2, 3, h, w)).astype(np.float32).astype(np.float64)
        f = np.fft.rfft2(y, norm="ortho")
        shape = (2, 3, h, w // 2 + 1)
        spec = (rng.standard_normal(shape).astype(np.float32).astype(np.float64)
                + 1j * rng.standard_normal(shape).astype(np.float32).astype(np.float64))
        inv = np.fft.irfft2(spec, s=(h, w), norm="ortho")
        key = f"{h}x{w}"
        dft[f"{key}.y"] = y.astype(np.float32)
        dft[f"{key}.re"] = f.real.astype(np.float32)
        dft[f"{key}.im"] = f.imag.astype(np.float32)
        dft[f"{key}.spec_re"] = spec.real.astype(np.float32)
        dft[f"{key}.spec_im"] = spec.imag.astype(np.float32)
        dft[f"{key}.inv"] = inv.astype(np.float32)
    save(dft, "dft.safetensors", args.out)
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"wrote {args.out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
