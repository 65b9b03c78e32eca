//! Exact 2-D real DFT with `norm="ortho"` for any size, as matmuls (spec 4.3).
//!
//! `torch.fft.rfft2(y, norm="ortho")` and `irfft2(Y, s=(h, w), norm="ortho")` over the last two
//! axes, built from dense DFT matrices computed once per `(h, w)` in `f64` on the host and
//! uploaded as `f32`. The inverse follows the C2R convention of pocketfft / MKL / cuFFT: the
//! imaginary parts of the `k = 0` column and (for even `w`) the `k = w/2` column are ignored,
//! which the `sin` rows of the C2R matrix do by being zero there.
//!
//! The spectrum is returned as separate real and imaginary tensors `[N, C, h, w/2 + 1]`.

use std::f64::consts::PI;

use burn::tensor::{Device, Tensor, TensorData};

/// DFT matrices for one `h × w` plane size on one device.
#[derive(Debug, Clone)]
pub struct Dft2 {
    h: usize,
    w: usize,
    wf: usize,
    /// R2C over w: `[cos | −sin] / √w`, `[w, 2·wf]`.
    fw: Tensor<2>,
    /// Complex DFT over h, applied from the left: `[cos ; sin] / √h`, `[1, 2h, h]`.
    bh: Tensor<3>,
    /// Inverse complex DFT over h on `[re ; im]` rows: `[[cos, −sin], [sin, cos]] / √h`,
    /// `[1, 2h, 2h]`.
    ih: Tensor<3>,
    /// C2R over w from the real part: `c_k · cos / √w`, `[wf, w]`.
    gr: Tensor<2>,
    /// C2R over w from the imaginary part: `−c_k · sin / √w`, `[wf, w]`.
    gi: Tensor<2>,
    device: Device,
}

/// The DFT matrices of [`Dft2`] for one `h × w` as row-major host buffers (computed in `f64`,
/// stored as `f32`); the CPU path uses them directly.
#[derive(Debug, Clone)]
pub(crate) struct DftMatrices {
    pub h: usize,
    pub w: usize,
    pub wf: usize,
    /// `[w, 2·wf]`.
    pub fw: Vec<f32>,
    /// `[2h, h]`.
    pub bh: Vec<f32>,
    /// `[2h, 2h]`.
    pub ih: Vec<f32>,
    /// `[wf, w]`.
    pub gr: Vec<f32>,
    /// `[wf, w]`.
    pub gi: Vec<f32>,
}

impl DftMatrices {
    /// Builds the matrices for `h × w` planes (`h, w ≥ 1`).
    pub fn new(h: usize, w: usize) -> Self {
        let wf = w / 2 + 1;
        let sw = (w as f64).sqrt();
        let sh = (h as f64).sqrt();
        // Reduce n·k modulo the length before scaling so large sizes keep full precision.
        let angle = |a: usize, b: usize, n: usize| 2.0 * PI * ((a * b) % n) as f64 / n as f64;

        let mut fw = vec![0f32; w * 2 * wf];
        for n in 0..w {
            for k in 0..wf {
                let t = angle(n, k, w);
                fw[n * 2 * wf + k] = (t.cos() / sw) as f32;
                fw[n * 2 * wf + wf + k] = (-t.sin() / sw) as f32;
            }
        }
        let mut bh = vec![0f32; 2 * h * h];
        let mut ih = vec![0f32; 4 * h * h];
        for a in 0..h {
            for b in 0..h {
                let t = angle(a, b, h);
                let (c, s) = ((t.cos() / sh) as f32, (t.sin() / sh) as f32);
                bh[a * h + b] = c;
                bh[(h + a) * h + b] = s;
                ih[a * 2 * h + b] = c;
                ih[a * 2 * h + h + b] = -s;
                ih[(h + a) * 2 * h + b] = s;
                ih[(h + a) * 2 * h + h + b] = c;
            }
        }
        let mut gr = vec![0f32; wf * w];
        let mut gi = vec![0f32; wf * w];
        for k in 0..wf {
            let ck = if k == 0 || (w.is_multiple_of(2) && k == w / 2) {
                1.0
            } else {
                2.0
            };
            for n in 0..w {
                let t = angle(n, k, w);
                gr[k * w + n] = (ck * t.cos() / sw) as f32;
                gi[k * w + n] = (-ck * t.sin() / sw) as f32;
            }
        }
        Self {
            h,
            w,
            wf,
            fw,
            bh,
            ih,
            gr,
            gi,
        }
    }
}

impl Dft2 {
    /// Builds the matrices for `h × w` planes (`h, w ≥ 1`) on `device`.
    pub fn new(h: usize, w: usize, device: &Device) -> Self {
        let DftMatrices {
            h,
            w,
            wf,
            fw,
            bh,
            ih,
            gr,
            gi,
        } = DftMatrices::new(h, w);
        Self {
            h,
            w,
            wf,
            fw: Tensor::from_data(TensorData::new(fw, [w, 2 * wf]), device),
            bh: Tensor::from_data(TensorData::new(bh, [1, 2 * h, h]), device),
            ih: Tensor::from_data(TensorData::new(ih, [1, 2 * h, 2 * h]), device),
            gr: Tensor::from_data(TensorData::new(gr, [wf, w]), device),
            gi: Tensor::from_data(TensorData::new(gi, [wf, w]), device),
            device: device.clone(),
        }
    }

    /// Whether these matrices serve `h × w` planes on `device`.
    pub fn fits(&self, h: usize, w: usize, device: &Device) -> bool {
        self.h == h && self.w == w && &self.device == device
    }

    /// Width of the half spectrum, `w / 2 + 1`.
    pub fn spectrum_width(&self) -> usize {
        self.wf
    }

    /// `rfft2(y, norm="ortho")` over the last two axes: `[N, C, h, w]` → `(re, im)`, each
    /// `[N, C, h, w/2 + 1]`.
    pub fn rfft2(&self, y: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let [n, c, h, w] = y.dims();
        debug_assert_eq!((h, w), (self.h, self.w));
        let wf = self.wf;
        // Over w: [N·C·h, w] @ [w, 2wf] → [re | im].
        let a = y
            .reshape([n * c * h, w])
            .matmul(self.fw.clone())
            .reshape([n * c, h, 2 * wf]);
        // Over h: [cos ; sin] @ [re | im] → [[C·re, C·im] ; [S·re, S·im]].
        let p = self.bh.clone().matmul(a);
        let cr = p.clone().slice([0..n * c, 0..h, 0..wf]);
        let ci = p.clone().slice([0..n * c, 0..h, wf..2 * wf]);
        let sr = p.clone().slice([0..n * c, h..2 * h, 0..wf]);
        let si = p.slice([0..n * c, h..2 * h, wf..2 * wf]);
        let re = (cr + si).reshape([n, c, h, wf]);
        let im = (ci - sr).reshape([n, c, h, wf]);
        (re, im)
    }

    /// `irfft2(complex(re, im), s=(h, w), norm="ortho")`: `[N, C, h, w/2 + 1]` twice →
    /// `[N, C, h, w]`.
    pub fn irfft2(&self, re: Tensor<4>, im: Tensor<4>) -> Tensor<4> {
        let [n, c, h, wf] = re.dims();
        debug_assert_eq!((h, wf), (self.h, self.wf));
        let stacked = Tensor::cat(
            vec![re.reshape([n * c, h, wf]), im.reshape([n * c, h, wf])],
            1,
        );
        // Inverse complex DFT over h: [zr ; zi] rows.
        let z = self.ih.clone().matmul(stacked);
        let zr = z
            .clone()
            .slice([0..n * c, 0..h, 0..wf])
            .reshape([n * c * h, wf]);
        let zi = z
            .slice([0..n * c, h..2 * h, 0..wf])
            .reshape([n * c * h, wf]);
        // C2R over w.
        let y = zr.matmul(self.gr.clone()) + zi.matmul(self.gi.clone());
        y.reshape([n, c, h, self.w])
    }
}

/// A few [`Dft2`]s, most recently used first (all FourierUnits of one forward share a size).
#[derive(Debug, Default)]
pub struct DftCache {
    entries: Vec<Dft2>,
}

impl DftCache {
    /// How many sizes are kept.
    const CAPACITY: usize = 4;

    /// The matrices for `h × w` on `device`, built on first use.
    pub fn get(&mut self, h: usize, w: usize, device: &Device) -> Dft2 {
        if let Some(pos) = self.entries.iter().position(|d| d.fits(h, w, device)) {
            let hit = self.entries.remove(pos);
            self.entries.insert(0, hit.clone());
            return hit;
        }
        let dft = Dft2::new(h, w, device);
        self.entries.insert(0, dft.clone());
        self.entries.truncate(Self::CAPACITY);
        dft
    }
}
