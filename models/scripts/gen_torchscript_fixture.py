#!/usr/bin/env python3
"""Generate the TorchScript reader fixtures (dev-only, re-runnable).

Writes to models/tests/fixtures/torchscript/:

- `tiny-lama.pt`: a traced TINY module with big-lama's nesting and names
  (`JITWrapper.model` -> trainer `.generator` -> `.model` Sequential of ReflectionPad2d,
  FFC_BN_ACT stems, an FFCResnetBlock with a SpectralTransform/FourierUnit, ConvTranspose2d,
  BatchNorm2d, a final Conv2d), saved with `torch.jit.save`, exactly as advimman/lama's
  `bin/to_jit.py` does for the real file. BatchNorm running statistics are set to non-trivial
  values so a reader that drops or mixes them is caught.
- `tiny-lama.safetensors`: the expected state dict of that module (every parameter and buffer,
  `num_batches_tracked` included), all as f32 (the reader's output type).
- `odd.pt` + `odd.safetensors`: a traced module whose buffers exercise the storage corner cases:
  a transposed (non-contiguous) tensor, a view with a storage offset sharing its storage with
  another buffer, a half-precision, a bfloat16 and a double tensor, an int64 tensor, a 0-d
  scalar and an empty tensor.

Setup: any Python with torch and safetensors, e.g. the IOPaint venv:

    ~/.cache/mend/venv-iopaint/bin/python models/scripts/gen_torchscript_fixture.py

The torch version used is printed and recorded in `versions.txt`.
"""

from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torchscript"


class FourierUnit(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv_layer = nn.Conv2d(ch * 2, ch * 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(ch * 2)
        self.relu = nn.ReLU(True)

    def forward(self, x):
        b, c, h, w = x.shape
        f = torch.fft.rfftn(x, dim=(-2, -1), norm="ortho")
        f = torch.stack((f.real, f.imag), dim=-1).permute(0, 1, 4, 2, 3)
        f = f.reshape(b, c * 2, h, w // 2 + 1)
        f = self.relu(self.bn(self.conv_layer(f)))
        f = f.view(b, c, 2, h, w // 2 + 1).permute(0, 1, 3, 4, 2).contiguous()
        f = torch.complex(f[..., 0], f[..., 1])
        return torch.fft.irfftn(f, s=(h, w), dim=(-2, -1), norm="ortho")


class SpectralTransform(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.downsample = nn.Identity()
        self.conv1 = nn.Sequential(
            nn.Conv2d(cin, cout // 2, 1, bias=False), nn.BatchNorm2d(cout // 2), nn.ReLU(True)
        )
        self.fu = FourierUnit(cout // 2)
        self.conv2 = nn.Conv2d(cout // 2, cout, 1, bias=False)

    def forward(self, x):
        x = self.conv1(self.downsample(x))
        return self.conv2(x + self.fu(x))


class FFC(nn.Module):
    def __init__(self, cin, cout, k, ratio_in, ratio_out, stride=1, padding=0):
        super().__init__()
        in_g, out_g = int(cin * ratio_in), int(cout * ratio_out)
        in_l, out_l = cin - in_g, cout - out_g
        self.ratio_gin, self.ratio_gout, self.global_in_num = ratio_in, ratio_out, in_g

        def conv(a, b):
            if a == 0 or b == 0:
                return nn.Identity()
            return nn.Conv2d(a, b, k, stride, padding, bias=False, padding_mode="reflect")

        self.convl2l = conv(in_l, out_l)
        self.convl2g = conv(in_l, out_g)
        self.convg2l = conv(in_g, out_l)
        self.convg2g = (
            SpectralTransform(in_g, out_g) if in_g and out_g else nn.Identity()
        )
        self.gate = nn.Identity()

    def forward(self, x):
        x_l, x_g = x if type(x) is tuple else (x, 0)
        out_l, out_g = 0, 0
        if self.ratio_gout != 1:
            out_l = self.convl2l(x_l) + (self.convg2l(x_g) if self.global_in_num else 0)
        if self.ratio_gout != 0:
            out_g = self.convl2g(x_l) + (self.convg2g(x_g) if self.global_in_num else 0)
        return out_l, out_g


class FFC_BN_ACT(nn.Module):
    def __init__(self, cin, cout, k, ratio_in, ratio_out, stride=1, padding=0):
        super().__init__()
        self.ffc = FFC(cin, cout, k, ratio_in, ratio_out, stride, padding)
        out_g = int(cout * ratio_out)
        self.bn_l = nn.BatchNorm2d(cout - out_g) if cout - out_g else nn.Identity()
        self.bn_g = nn.BatchNorm2d(out_g) if out_g else nn.Identity()
        self.act_l = nn.ReLU(True) if cout - out_g else nn.Identity()
        self.act_g = nn.ReLU(True) if out_g else nn.Identity()

    def forward(self, x):
        x_l, x_g = self.ffc(x)
        x_l = self.act_l(self.bn_l(x_l))
        x_g = self.act_g(self.bn_g(x_g)) if torch.is_tensor(x_g) else x_g
        return x_l, x_g


class FFCResnetBlock(nn.Module):
    def __init__(self, dim, ratio):
        super().__init__()
        self.conv1 = FFC_BN_ACT(dim, dim, 3, ratio, ratio, padding=1)
        self.conv2 = FFC_BN_ACT(dim, dim, 3, ratio, ratio, padding=1)

    def forward(self, x):
        x_l, x_g = x
        id_l, id_g = x_l, x_g
        x_l, x_g = self.conv2(self.conv1((x_l, x_g)))
        return x_l + id_l, x_g + id_g


class ConcatTupleLayer(nn.Module):
    def forward(self, x):
        return torch.cat(x, dim=1)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(
            nn.ReflectionPad2d(3),  # 0
            FFC_BN_ACT(4, 8, 7, 0, 0),  # 1
            FFC_BN_ACT(8, 8, 3, 0, 0.5, stride=2, padding=1),  # 2: local -> local + global
            FFCResnetBlock(8, 0.5),  # 3
            ConcatTupleLayer(),  # 4
            nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1),  # 5
            nn.BatchNorm2d(4),  # 6
            nn.ReLU(True),  # 7
            nn.ReflectionPad2d(3),  # 8
            nn.Conv2d(4, 3, 7),  # 9
            nn.Sigmoid(),  # 10
        )

    def forward(self, x):
        return self.model(x)


class Trainer(nn.Module):
    def __init__(self):
        super().__init__()
        self.generator = Generator()

    def forward(self, img, mask):
        masked = img * (1 - mask)
        out = self.generator(torch.cat([masked, mask], dim=1))
        return mask * out + (1 - mask) * img


class JITWrapper(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image, mask):
        return self.model(image, mask)


class Odd(nn.Module):
    """Buffers in every storage layout the reader must honour."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(7)
        base = torch.randn(5, 3, generator=g)
        self.register_buffer("transposed", base.t())  # [3, 5], strides (1, 3)
        shared = torch.randn(12, generator=g)
        self.register_buffer("shared", shared)
        self.register_buffer("shared_view", shared[4:10].view(2, 3))  # offset 4
        self.register_buffer("f16", torch.randn(2, 3, generator=g).half())
        self.register_buffer("bf16", torch.randn(4, generator=g).bfloat16())
        self.register_buffer("f64", torch.randn(3, 2, generator=g).double())
        self.register_buffer("i64", torch.arange(-3, 3, dtype=torch.int64))
        self.register_buffer("scalar", torch.tensor(2.5))
        self.register_buffer("empty", torch.zeros(0, 4))
        self.lin = nn.Linear(3, 2)

    def forward(self, x):
        return self.lin(x) + self.transposed.sum() + self.f16.float().sum()


def randomise_bn(module, g):
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=g)))


def expected(module):
    return {k: v.detach().float().contiguous().clone() for k, v in module.state_dict().items()}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)

    wrapper = JITWrapper(Trainer()).eval()
    with torch.no_grad():
        randomise_bn(wrapper, g)
        traced = torch.jit.trace(wrapper, (torch.rand(1, 3, 16, 16), torch.rand(1, 1, 16, 16)))
    traced.save(str(OUT / "tiny-lama.pt"))
    save_file(expected(wrapper), str(OUT / "tiny-lama.safetensors"))

    odd = Odd().eval()
    with torch.no_grad():
        traced = torch.jit.trace(odd, (torch.rand(2, 3),))
    traced.save(str(OUT / "odd.pt"))
    sd = expected(odd)
    assert not odd.transposed.is_contiguous()
    save_file(sd, str(OUT / "odd.safetensors"))

    (OUT / "versions.txt").write_text(f"torch {torch.__version__}\n")
    for p in sorted(OUT.iterdir()):
        print(f"{p.name}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
