//! `FFCResNetGenerator` (spec 1.3): reflect-padded 7×7 stem, stride-2 downsamplers, FFC resnet
//! blocks at 1/8 resolution, transposed-conv upsamplers and a 7×7 sigmoid head; every
//! BatchNorm folded into the conv before it.

use std::time::Instant;

use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor, TensorData};

use super::config::LamaConfig;
use super::conv::{Conv, FewOutputsConv, UpConv, reflect_pad};
use super::dft::DftCache;
use super::ffc::{HostFfc, ResnetBlock};
use super::native::{NativeBlock, NativeDft, Workspace};
use super::native_convs::{NativeDown, NativeHead, NativeStem, NativeUp, OuterWorkspace};
use super::processing::to_vec;
use super::weights::{HostConv, Loader};
use crate::tensor_map::TensorMap;
use crate::{Error, Result};

/// The generator with folded weights on one device.
#[derive(Debug)]
pub struct Generator {
    config: LamaConfig,
    net: Net,
    device: Device,
}

/// The layers as burn tensors (GPUs), or as host buffers for the CPU ([`super::native`],
/// [`super::native_convs`]).
#[derive(Debug)]
enum Net {
    Burn(Box<BurnNet>),
    Native(Box<NativeNet>),
}

#[derive(Debug)]
struct BurnNet {
    stem: Conv,
    down: Vec<Conv>,
    blocks: Vec<ResnetBlock>,
    up: Vec<UpConv>,
    head: FewOutputsConv,
    dft: DftCache,
}

#[derive(Debug)]
struct NativeNet {
    stem: NativeStem,
    down: Vec<NativeDown>,
    blocks: Vec<NativeBlock>,
    up: Vec<NativeUp>,
    head: NativeHead,
    dft: Option<NativeDft>,
}

impl Generator {
    /// Builds the generator described by `config` from a state dict (see
    /// [`super::weights`] for the keys), folding BatchNorms in `f64`.
    ///
    /// On the CPU (burn Flex) the network runs natively on host buffers
    /// ([`super::native`]); elsewhere on burn tensors.
    pub fn from_tensor_map(map: &TensorMap, config: &LamaConfig, device: &Device) -> Result<Self> {
        Self::build(map, config, device, *device == Device::flex())
    }

    /// [`Generator::from_tensor_map`] with every layer on burn tensors, also on the CPU (the
    /// GPU code path; for parity tests).
    #[doc(hidden)]
    pub fn from_tensor_map_burn_only(
        map: &TensorMap,
        config: &LamaConfig,
        device: &Device,
    ) -> Result<Self> {
        Self::build(map, config, device, false)
    }

    fn build(map: &TensorMap, config: &LamaConfig, device: &Device, native: bool) -> Result<Self> {
        let c = config;
        if c.n_downsampling == 0 || c.global_channels() == 0 || c.local_channels() == 0 {
            return Err(Error::InvalidParameter {
                name: "lama config",
                reason: format!("unsupported architecture {c:?}"),
            });
        }
        let loader = Loader::new(map, device)?;
        let stem = loader
            .conv("1.ffc.convl2l", c.down_channels(None), c.input_nc, 7)?
            .fold(
                &loader.batch_norm("1.bn_l", c.down_channels(None))?,
                true,
                false,
            );

        let mut down = Vec::with_capacity(c.n_downsampling);
        for i in 0..c.n_downsampling {
            let idx = 2 + i;
            let (cin, cout) = (c.down_channels(i.checked_sub(1)), c.down_channels(Some(i)));
            let host = if i + 1 < c.n_downsampling {
                loader
                    .conv(&format!("{idx}.ffc.convl2l"), cout, cin, 3)?
                    .fold(
                        &loader.batch_norm(&format!("{idx}.bn_l"), cout)?,
                        true,
                        false,
                    )
            } else {
                let (cl, cg) = (c.local_channels(), c.global_channels());
                let l = loader
                    .conv(&format!("{idx}.ffc.convl2l"), cl, cin, 3)?
                    .fold(&loader.batch_norm(&format!("{idx}.bn_l"), cl)?, true, false);
                let g = loader
                    .conv(&format!("{idx}.ffc.convl2g"), cg, cin, 3)?
                    .fold(&loader.batch_norm(&format!("{idx}.bn_g"), cg)?, true, false);
                HostConv::cat_outputs(&[l, g])
            };
            down.push(host);
        }

        let mut up = Vec::with_capacity(c.n_downsampling);
        for i in 0..c.n_downsampling {
            let idx = c.up_index(i);
            let (cin, cout) = c.up_channels(i);
            let host = loader
                .conv_with_bias(&idx.to_string(), cout, cin, 3, true)?
                .fold(
                    &loader.batch_norm(&(idx + 1).to_string(), cout)?,
                    true,
                    true,
                );
            up.push(host);
        }

        let head = loader.conv_with_bias(
            &c.head_index().to_string(),
            c.output_nc,
            c.down_channels(None),
            7,
            false,
        )?;
        let mut host_blocks = (0..c.n_blocks).map(|b| {
            let idx = c.first_block_index() + b;
            HostFfc::load_block(
                &loader,
                &idx.to_string(),
                c.local_channels(),
                c.global_channels(),
            )
        });
        let net = if native {
            Net::Native(Box::new(NativeNet {
                stem: NativeStem::new(&stem),
                down: down.iter().map(NativeDown::new).collect(),
                blocks: host_blocks
                    .map(|h| h.map(|[a, b]| NativeBlock::new(&a, &b)))
                    .collect::<Result<_>>()?,
                up: up.iter().map(NativeUp::new).collect(),
                head: NativeHead::new(&head),
                dft: None,
            }))
        } else {
            Net::Burn(Box::new(BurnNet {
                stem: Conv::new(&loader, &stem, 1),
                down: down.iter().map(|h| Conv::new(&loader, h, 2)).collect(),
                blocks: host_blocks
                    .by_ref()
                    .map(|h| h.map(|h| ResnetBlock::new(&loader, &h)))
                    .collect::<Result<_>>()?,
                up: up.iter().map(|h| UpConv::new(&loader, h)).collect(),
                head: FewOutputsConv::new(&loader, &head),
                dft: DftCache::default(),
            }))
        };
        Ok(Self {
            config: c.clone(),
            net,
            device: device.clone(),
        })
    }

    /// The architecture.
    pub fn config(&self) -> &LamaConfig {
        &self.config
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// `[N, input_nc, H, W]` → `[N, output_nc, H, W]` in `(0, 1)`. `H` and `W` must be
    /// multiples of [`LamaConfig::pad_mod`] and at least [`LamaConfig::min_side`] (checked).
    ///
    /// `keep_going(done, total)` is called after each resnet block; returning `false` stops
    /// with [`Error::Cancelled`].
    pub fn forward(
        &mut self,
        x: Tensor<4>,
        keep_going: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Tensor<4>> {
        self.run(x, keep_going, &mut None)
    }

    /// [`Generator::forward`] that also returns the wall time of each stage (stem,
    /// downsamplers, blocks, upsamplers, head) as `(name, wall s, process CPU s)`, synchronising the device after each.
    /// For benchmarks.
    pub fn forward_profiled(&mut self, x: Tensor<4>) -> Result<(Tensor<4>, Vec<StageTime>)> {
        let mut timer = Some(StageTimer {
            device: self.device.clone(),
            last: Instant::now(),
            last_cpu: process_cpu_seconds(),
            stages: Vec::new(),
        });
        let out = self.run(x, &mut |_, _| true, &mut timer)?;
        Ok((out, timer.map(|t| t.stages).unwrap_or_default()))
    }

    fn run(
        &mut self,
        x: Tensor<4>,
        keep_going: &mut dyn FnMut(usize, usize) -> bool,
        timer: &mut Option<StageTimer>,
    ) -> Result<Tensor<4>> {
        let [_, ch, h, w] = x.dims();
        self.check_input(ch, h, w)?;
        let mut mark = |name: &dyn Fn() -> String| {
            if let Some(t) = timer.as_mut() {
                t.mark(name());
            }
        };
        match &mut self.net {
            Net::Burn(net) => net.run(x, &self.device, keep_going, &mut mark),
            Net::Native(net) => net.run(x, &self.device, keep_going, &mut mark),
        }
    }

    fn check_input(&self, ch: usize, h: usize, w: usize) -> Result<()> {
        let m = self.config.pad_mod() as usize;
        let min = self.config.min_side() as usize;
        if ch != self.config.input_nc
            || !h.is_multiple_of(m)
            || !w.is_multiple_of(m)
            || h < min
            || w < min
        {
            return Err(Error::InvalidParameter {
                name: "image",
                reason: format!(
                    "LaMa needs {} channels and sides that are multiples of {m} and at least \
                     {min}; got {ch} channels, {w}x{h}",
                    self.config.input_nc
                ),
            });
        }
        Ok(())
    }
}

/// One stage of [`Generator::forward_profiled`]: `(name, wall seconds, process CPU seconds)`.
pub type StageTime = (String, f64, f64);

/// Per-stage wall times for [`Generator::forward_profiled`].
struct StageTimer {
    device: Device,
    last: Instant,
    last_cpu: f64,
    stages: Vec<StageTime>,
}

/// User + system CPU seconds of this process (Linux `/proc/self/stat`; NaN elsewhere), so
/// stage profiles stay meaningful on a machine shared with other work.
pub fn process_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

impl StageTimer {
    fn mark(&mut self, name: String) {
        // Timing only: a failed sync shows up as a wrong time, the forward reports errors.
        let _ = self.device.sync();
        let now = Instant::now();
        let cpu = process_cpu_seconds();
        self.stages.push((
            name,
            now.duration_since(self.last).as_secs_f64(),
            cpu - self.last_cpu,
        ));
        self.last = now;
        self.last_cpu = cpu;
    }
}

type Mark<'a> = dyn FnMut(&dyn Fn() -> String) + 'a;

impl BurnNet {
    fn run(
        &mut self,
        x: Tensor<4>,
        device: &Device,
        keep_going: &mut dyn FnMut(usize, usize) -> bool,
        mark: &mut Mark<'_>,
    ) -> Result<Tensor<4>> {
        let mut x = relu(self.stem.forward(reflect_pad(x, 3)));
        mark(&|| "stem".into());
        for (i, d) in self.down.iter().enumerate() {
            x = relu(d.forward(reflect_pad(x, 1)));
            mark(&|| format!("down{i}"));
        }
        let [_, _, bh, bw] = x.dims();
        let dft = self.dft.get(bh, bw, device);
        let total = self.blocks.len();
        for (i, block) in self.blocks.iter().enumerate() {
            x = block.forward(x, &dft);
            mark(&|| format!("block{i}"));
            if !keep_going(i + 1, total) {
                return Err(Error::Cancelled);
            }
        }
        for (i, u) in self.up.iter().enumerate() {
            x = relu(u.forward(x));
            mark(&|| format!("up{i}"));
        }
        let out = sigmoid(self.head.forward(reflect_pad(x, 3)));
        mark(&|| "head".into());
        Ok(out)
    }
}

impl NativeNet {
    /// Input channels of the first downsampler (the widest one at full resolution).
    fn down_inputs(&self) -> usize {
        self.down.first().map_or(0, NativeDown::inputs)
    }

    fn run(
        &mut self,
        x: Tensor<4>,
        device: &Device,
        keep_going: &mut dyn FnMut(usize, usize) -> bool,
        mark: &mut Mark<'_>,
    ) -> Result<Tensor<4>> {
        let [n, c, h, w] = x.dims();
        let data = to_vec(x)?;
        let mut items: Vec<Vec<f32>> = data.chunks(c * h * w).map(<[f32]>::to_vec).collect();
        drop(data);
        let mut ws = OuterWorkspace::default();
        // The widest padded input is the stem's or the head's (channels × padded plane).
        let p = (self.stem.kernel() / 2).max(self.head.kernel() / 2);
        ws.reserve_padded(
            self.stem
                .inputs()
                .max(self.head.inputs())
                .max(self.down_inputs())
                * (h + 2 * p)
                * (w + 2 * p),
        );
        for item in &mut items {
            let y = self.stem.forward(item, h, w, &mut ws);
            ws.give(std::mem::replace(item, y));
        }
        mark(&|| "stem".into());
        let (mut bh, mut bw) = (h, w);
        for (i, d) in self.down.iter().enumerate() {
            let mut size = (bh, bw);
            for item in &mut items {
                let (y, ho, wo) = d.forward(item, bh, bw, &mut ws);
                ws.give(std::mem::replace(item, y));
                size = (ho, wo);
            }
            (bh, bw) = size;
            mark(&|| format!("down{i}"));
        }
        let dft = match &mut self.dft {
            Some(d) if d.fits(bh, bw) => d,
            slot => slot.insert(NativeDft::new(bh, bw)),
        };
        let mut block_ws = Workspace::default();
        let total = self.blocks.len();
        for (i, block) in self.blocks.iter().enumerate() {
            for item in &mut items {
                block.forward(item, bh, bw, dft, &mut block_ws)?;
            }
            mark(&|| format!("block{i}"));
            if !keep_going(i + 1, total) {
                return Err(Error::Cancelled);
            }
        }
        drop(block_ws);
        for (i, u) in self.up.iter().enumerate() {
            for item in &mut items {
                let y = u.forward(item, bh, bw, &mut ws);
                ws.give(std::mem::replace(item, y));
            }
            (bh, bw) = (2 * bh, 2 * bw);
            mark(&|| format!("up{i}"));
        }
        for item in &mut items {
            let y = self.head.forward(item, bh, bw, &mut ws);
            ws.give(std::mem::replace(item, y));
        }
        drop(ws);
        mark(&|| "head".into());
        let out_c = items.first().map_or(0, |i| i.len() / (bh * bw).max(1));
        Ok(Tensor::from_data(
            TensorData::new(items.concat(), [n, out_c, bh, bw]),
            device,
        ))
    }
}
