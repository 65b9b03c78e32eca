//! One bottleneck `FFC_BN_ACT` (3×3, reflect padding 1, ratio 0.75; spec 1.4) and the
//! `FFCResnetBlock` made of two of them.
//!
//! The local and global halves travel as one tensor `[N, cl + cg, h, w]` (local first, as the
//! generator's `ConcatTupleLayer` orders them). With BN folded:
//!
//! ```text
//! out_l = ReLU(l2l(x_l) + g2l(x_g) + t_l)   one conv over the padded [x_l, x_g] (inputs cat)
//! out_g = ReLU(l2g(x_l) + t_g + ST(x_g))     conv over the padded x_l + spectral transform
//! ```

use burn::tensor::Tensor;
use burn::tensor::activation::relu;

use super::conv::{Conv, reflect_pad};
use super::dft::Dft2;
use super::fourier::{HostSpectral, SpectralTransform, load_host};
use super::weights::{HostConv, Loader};
use crate::Result;

/// The folded weights of one bottleneck `FFC_BN_ACT` on the host.
#[derive(Debug, Clone)]
pub(crate) struct HostFfc {
    /// `[l2l | g2l]` (inputs concatenated), `bn_l` folded, `cl + cg → cl`.
    pub to_local: HostConv,
    /// `l2g`, `bn_g` folded (with `bn_g`'s shift), `cl → cg`.
    pub local_to_global: HostConv,
    /// `convg2g`.
    pub spectral: HostSpectral,
    pub local: usize,
    pub global: usize,
}

impl HostFfc {
    /// Loads `<key>.{ffc.convl2l, ffc.convl2g, ffc.convg2l, ffc.convg2g, bn_l, bn_g}`.
    pub fn load(loader: &Loader<'_>, key: &str, local: usize, global: usize) -> Result<Self> {
        let bn_l = loader.batch_norm(&format!("{key}.bn_l"), local)?;
        let bn_g = loader.batch_norm(&format!("{key}.bn_g"), global)?;
        let l2l = loader
            .conv(&format!("{key}.ffc.convl2l"), local, local, 3)?
            .fold(&bn_l, true, false);
        let g2l = loader
            .conv(&format!("{key}.ffc.convg2l"), local, global, 3)?
            .fold(&bn_l, false, false);
        let l2g = loader
            .conv(&format!("{key}.ffc.convl2g"), global, local, 3)?
            .fold(&bn_g, true, false);
        let spectral = load_host(loader, &format!("{key}.ffc.convg2g"), global, &bn_g)?;
        Ok(Self {
            to_local: HostConv::cat_inputs(&[l2l, g2l]),
            local_to_global: l2g,
            spectral,
            local,
            global,
        })
    }

    /// Loads both FFCs of resnet block `<key>` (`<key>.conv1.*`, `<key>.conv2.*`).
    pub fn load_block(
        loader: &Loader<'_>,
        key: &str,
        local: usize,
        global: usize,
    ) -> Result<[Self; 2]> {
        Ok([
            Self::load(loader, &format!("{key}.conv1"), local, global)?,
            Self::load(loader, &format!("{key}.conv2"), local, global)?,
        ])
    }
}

/// `FFC_BN_ACT` at the bottleneck.
#[derive(Debug, Clone)]
pub(crate) struct FfcBnAct {
    /// `[l2l | g2l]` (inputs concatenated), `bn_l` folded, `cl + cg → cl`.
    to_local: Conv,
    /// `l2g`, `bn_g` folded (with `bn_g`'s shift), `cl → cg`.
    local_to_global: Conv,
    /// `convg2g`, `bn_g`'s scale folded into its last conv.
    spectral: SpectralTransform,
    local: usize,
    global: usize,
}

impl FfcBnAct {
    /// Uploads the folded host convolutions of [`HostFfc::load`].
    pub fn new(loader: &Loader<'_>, host: &HostFfc) -> Self {
        Self {
            to_local: Conv::new(loader, &host.to_local, 1),
            local_to_global: Conv::new(loader, &host.local_to_global, 1),
            spectral: SpectralTransform::new(loader, &host.spectral),
            local: host.local,
            global: host.global,
        }
    }

    /// `[N, cl + cg, h, w]` → same shape.
    pub fn forward(&self, x: Tensor<4>, dft: &Dft2) -> Tensor<4> {
        let [n, _, h, w] = x.dims();
        let (cl, cg) = (self.local, self.global);
        let x_g = x.clone().slice([0..n, cl..cl + cg, 0..h, 0..w]);
        let padded = reflect_pad(x, 1);
        let [_, _, hp, wp] = padded.dims();
        let padded_l = padded.clone().slice([0..n, 0..cl, 0..hp, 0..wp]);
        let out_l = self.to_local.forward(padded);
        let out_g = self.local_to_global.forward(padded_l) + self.spectral.forward(x_g, dft);
        relu(Tensor::cat(vec![out_l, out_g], 1))
    }
}

/// `FFCResnetBlock`: `x + conv2(conv1(x))`, no activation after the sum.
#[derive(Debug, Clone)]
pub(crate) struct ResnetBlock {
    conv1: FfcBnAct,
    conv2: FfcBnAct,
}

impl ResnetBlock {
    /// Uploads a block loaded by [`HostFfc::load_block`].
    pub fn new(loader: &Loader<'_>, host: &[HostFfc; 2]) -> Self {
        Self {
            conv1: FfcBnAct::new(loader, &host[0]),
            conv2: FfcBnAct::new(loader, &host[1]),
        }
    }

    /// `[N, cl + cg, h, w]` → same shape.
    pub fn forward(&self, x: Tensor<4>, dft: &Dft2) -> Tensor<4> {
        let y = self.conv2.forward(self.conv1.forward(x.clone(), dft), dft);
        x + y
    }
}
