//! Dense matrix products on host buffers for the models' native CPU paths: row-major views
//! over `f32` slices and faer's GEMM, with the vector-state cleanup faer's AVX-512 kernels
//! need afterwards.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// A row-major matrix view: `rows × cols` with a row stride, starting at `data[0]`.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<'a> View<'a> {
    pub(crate) fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols)
    }

    pub(crate) fn strided(data: &'a [f32], rows: usize, cols: usize, stride: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            stride,
        }
    }

    fn faer(self) -> MatRef<'a, f32> {
        MatRef::from_row_major_slice_with_stride(self.data, self.rows, self.cols, self.stride)
    }
}

/// `dst = a · b` (or `dst += a · b` with `add`), `dst` row-major with row stride `stride`.
pub(crate) fn gemm(dst: &mut [f32], stride: usize, a: View<'_>, b: View<'_>, add: bool, par: Par) {
    debug_assert_eq!(a.cols, b.rows);
    if a.rows == 0 || b.cols == 0 {
        return;
    }
    // Row-major `rows × cols` with a row stride is the transpose of a column-major
    // `cols × rows` with that column stride. (faer 0.24's
    // `MatMut::from_row_major_slice_with_stride_mut` swaps the strides: not used.)
    let d = MatMut::from_column_major_slice_with_stride_mut(dst, b.cols, a.rows, stride)
        .transpose_mut();
    let accum = if add { Accum::Add } else { Accum::Replace };
    matmul(d, accum, a.faer(), b.faer(), 1.0f32, par);
    match par {
        Par::Seq => clear_upper_state(),
        _ => {
            rayon::broadcast(|_| clear_upper_state());
        }
    }
}

/// Runs a `vzeroupper` (on x86; nothing elsewhere) on this thread and, after a parallel GEMM,
/// on every pool thread.
///
/// faer's AVX-512 micro-kernels return with the upper halves of the vector registers dirty.
/// Until a `vzeroupper`, every legacy-SSE instruction — all of this crate's code, built for
/// baseline x86-64, and libm — runs many times slower (measured: 40× for a sigmoid loop, 2×
/// for a vectorised add). LLVM ends every function built with AVX enabled with a
/// `vzeroupper`, so a tiny one dispatched through pulp does it, safely.
fn clear_upper_state() {
    struct Clear;
    impl pulp::WithSimd for Clear {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) {
            std::hint::black_box(simd.splat_f32s(0.0));
        }
    }
    pulp::Arch::new().dispatch(Clear);
}

/// All threads of the current rayon pool (`RAYON_NUM_THREADS`).
pub(crate) fn all_threads() -> Par {
    Par::rayon(0)
}
