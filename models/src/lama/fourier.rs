//! The global branch of an FFC: `SpectralTransform` with its `FourierUnit` (spec 1.5, 1.6).
//!
//! ```text
//! y = ReLU(BN(conv1(x)))                    1×1, C → C/2
//! f = irfft2(ReLU(BN(conv(rfft2(y)))))      1×1 on [re, im] channels, C → C
//! out = conv2(y + f)                        1×1, C/2 → C (the FFC's bn_g scale folded in)
//! ```
//! PyTorch interleaves real and imaginary parts on the channel axis (`2c` = re, `2c+1` = im);
//! mend keeps them as two blocks (`[re…, im…]`) and permutes the FourierUnit conv's channels
//! at load time instead, which needs no interleaving copies.

use burn::tensor::Tensor;
use burn::tensor::activation::relu;

use super::conv::Conv;
use super::dft::Dft2;
use super::weights::{Affine, HostConv, Loader, spectrum_permutation};
use crate::Result;

/// The folded weights of one `SpectralTransform` on the host.
#[derive(Debug, Clone)]
pub(crate) struct HostSpectral {
    /// `conv1.0` + `conv1.1` (BN), `c → c/2`.
    pub conv1: HostConv,
    /// `fu.conv_layer` + `fu.bn`, `c → c` over `[re, im]` blocks of `c/2` each.
    pub fu: HostConv,
    /// `conv2`, `c/2 → c`, scaled by the enclosing FFC's `bn_g`.
    pub conv2: HostConv,
}

/// Loads `<key>.{conv1.0, conv1.1, fu.conv_layer, fu.bn, conv2}` for `c` channels and
/// folds `bn_g`'s scale into `conv2` (its shift goes onto the local `l2g` conv).
pub(crate) fn load_host(
    loader: &Loader<'_>,
    key: &str,
    c: usize,
    bn_g: &Affine,
) -> Result<HostSpectral> {
    let half = c / 2;
    let conv1 = loader.conv(&format!("{key}.conv1.0"), half, c, 1)?.fold(
        &loader.batch_norm(&format!("{key}.conv1.1"), half)?,
        true,
        false,
    );
    let perm = spectrum_permutation(half);
    let fu = loader
        .conv(&format!("{key}.fu.conv_layer"), 2 * half, 2 * half, 1)?
        .fold(
            &loader.batch_norm(&format!("{key}.fu.bn"), 2 * half)?,
            true,
            false,
        )
        .permute_channels(&perm, &perm);
    let conv2 = loader
        .conv(&format!("{key}.conv2"), c, half, 1)?
        .fold(bn_g, false, false);
    Ok(HostSpectral { conv1, fu, conv2 })
}

/// `SpectralTransform(c → c)`, stride 1, LFU off, with every BN folded.
#[derive(Debug, Clone)]
pub(crate) struct SpectralTransform {
    /// `conv1.0` + `conv1.1` (BN), `c → c/2`.
    conv1: Conv,
    /// `fu.conv_layer` + `fu.bn`, `c → c` over `[re, im]` blocks of `c/2` each.
    fu: Conv,
    /// `conv2`, `c/2 → c`, scaled by the enclosing FFC's `bn_g`.
    conv2: Conv,
    /// `c / 2`.
    half: usize,
}

impl SpectralTransform {
    /// Uploads the folded host convolutions of [`load_host`].
    pub fn new(loader: &Loader<'_>, host: &HostSpectral) -> Self {
        Self {
            conv1: Conv::new(loader, &host.conv1, 1),
            fu: Conv::new(loader, &host.fu, 1),
            conv2: Conv::new(loader, &host.conv2, 1),
            half: host.conv1.shape[0],
        }
    }

    /// `[N, c, h, w]` → `[N, c, h, w]` (pre-activation; the FFC adds `l2g` and applies ReLU).
    pub fn forward(&self, x: Tensor<4>, dft: &Dft2) -> Tensor<4> {
        let y = relu(self.conv1.forward(x));
        let f = self.fourier_unit(y.clone(), dft);
        self.conv2.forward(y + f)
    }

    /// `FourierUnit`: rfft2 → 1×1 conv + BN + ReLU on `[re, im]` → irfft2.
    fn fourier_unit(&self, y: Tensor<4>, dft: &Dft2) -> Tensor<4> {
        let (re, im) = dft.rfft2(y);
        let spectrum = relu(self.fu.forward(Tensor::cat(vec![re, im], 1)));
        let [n, _, h, wf] = spectrum.dims();
        let re = spectrum.clone().slice([0..n, 0..self.half, 0..h, 0..wf]);
        let im = spectrum.slice([0..n, self.half..2 * self.half, 0..h, 0..wf]);
        dft.irfft2(re, im)
    }
}
