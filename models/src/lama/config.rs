//! The generator's hyper-parameters (`FFCResNetGenerator` in advimman/lama, spec 1.1) and the
//! layer indices and channel counts derived from them.

/// Architecture of an `FFCResNetGenerator` as big-lama configures it: reflect padding, BatchNorm
/// everywhere (folded at load time), ReLU, LFU off, sigmoid output.
#[derive(Debug, Clone, PartialEq)]
pub struct LamaConfig {
    /// Input channels (RGB + mask = 4).
    pub input_nc: usize,
    /// Output channels (RGB = 3).
    pub output_nc: usize,
    /// Channels after the stem (`ngf`).
    pub ngf: usize,
    /// Number of stride-2 downsamplers (and upsamplers).
    pub n_downsampling: usize,
    /// Number of `FFCResnetBlock`s at the bottleneck.
    pub n_blocks: usize,
    /// Cap on channel counts (`max_features`).
    pub max_features: usize,
    /// Fraction of bottleneck channels in the global (spectral) branch (`ratio_gin/gout`).
    pub global_ratio: f64,
}

impl LamaConfig {
    /// big-lama (`configs/training/big-lama.yaml`): ngf 64, 3 downsamplers, 18 blocks, 0.75.
    pub fn big_lama() -> Self {
        Self {
            input_nc: 4,
            output_nc: 3,
            ngf: 64,
            n_downsampling: 3,
            n_blocks: 18,
            max_features: 1024,
            global_ratio: 0.75,
        }
    }

    /// The parity-test configuration (spec 5.1): ngf 16, 3 downsamplers, 2 blocks, 0.75.
    pub fn tiny() -> Self {
        Self {
            ngf: 16,
            n_blocks: 2,
            ..Self::big_lama()
        }
    }

    /// Channels after downsampler `i` (0-based); `i = None` is the stem.
    pub(crate) fn down_channels(&self, i: Option<usize>) -> usize {
        match i {
            None => self.ngf.min(self.max_features),
            Some(i) => (self.ngf << (i + 1)).min(self.max_features),
        }
    }

    /// Bottleneck channels (local + global).
    pub(crate) fn bottleneck(&self) -> usize {
        (self.ngf << self.n_downsampling).min(self.max_features)
    }

    /// Global (spectral) channels at the bottleneck: `int(c · ratio)` as in Python.
    pub(crate) fn global_channels(&self) -> usize {
        (self.bottleneck() as f64 * self.global_ratio) as usize
    }

    /// Local channels at the bottleneck.
    pub(crate) fn local_channels(&self) -> usize {
        self.bottleneck() - self.global_channels()
    }

    /// `Sequential` index of the first resnet block.
    pub(crate) fn first_block_index(&self) -> usize {
        2 + self.n_downsampling
    }

    /// `Sequential` index of upsampler `i`'s ConvTranspose2d (its BN is the next index).
    pub(crate) fn up_index(&self, i: usize) -> usize {
        self.first_block_index() + self.n_blocks + 1 + 3 * i
    }

    /// Channels into / out of upsampler `i`.
    pub(crate) fn up_channels(&self, i: usize) -> (usize, usize) {
        let mult = 1usize << (self.n_downsampling - i);
        (
            (self.ngf * mult).min(self.max_features),
            (self.ngf * mult / 2).min(self.max_features),
        )
    }

    /// `Sequential` index of the output 7×7 conv.
    pub(crate) fn head_index(&self) -> usize {
        self.up_index(self.n_downsampling) + 1
    }

    /// The side every input must be a multiple of (`2^n_downsampling`).
    pub fn pad_mod(&self) -> u32 {
        1 << self.n_downsampling
    }

    /// Smallest input side: reflect padding 1 at the bottleneck needs 2 pixels there.
    pub fn min_side(&self) -> u32 {
        2 * self.pad_mod()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_architecture_is_read_back_from_a_state_dict() {
        let device = burn::tensor::Device::flex();
        for config in [LamaConfig::big_lama(), LamaConfig::tiny()] {
            let map = crate::lama::keys::random_state_dict(&config, 1);
            let loader = crate::lama::weights::Loader::new(&map, &device).unwrap();
            let got = loader.infer_config().unwrap();
            assert_eq!(got.ngf, config.ngf);
            assert_eq!(got.n_downsampling, config.n_downsampling);
            assert_eq!(got.n_blocks, config.n_blocks);
            assert_eq!(got.global_channels(), config.global_channels());
            assert_eq!(got.local_channels(), config.local_channels());
            assert_eq!(got.output_nc, config.output_nc);
        }
    }

    #[test]
    fn big_lama_indices_match_the_checkpoint() {
        let c = LamaConfig::big_lama();
        assert_eq!(c.first_block_index(), 5);
        assert_eq!(c.up_index(0), 24);
        assert_eq!(c.up_index(1), 27);
        assert_eq!(c.up_index(2), 30);
        assert_eq!(c.head_index(), 34);
        assert_eq!((c.local_channels(), c.global_channels()), (128, 384));
        assert_eq!(c.down_channels(None), 64);
        assert_eq!(c.down_channels(Some(2)), 512);
        assert_eq!(c.up_channels(0), (512, 256));
        assert_eq!(c.up_channels(2), (128, 64));
        assert_eq!((c.pad_mod(), c.min_side()), (8, 16));
    }

    #[test]
    fn tiny_indices() {
        let c = LamaConfig::tiny();
        assert_eq!(c.up_index(0), 8);
        assert_eq!(c.head_index(), 18);
        assert_eq!((c.local_channels(), c.global_channels()), (32, 96));
    }
}
