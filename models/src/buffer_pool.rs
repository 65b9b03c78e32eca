//! A pool of released `f32` buffers for the native CPU forwards (LaMa, MI-GAN): fresh memory
//! costs a page fault per page on first touch (several ms per MiB on a VM), so one forward
//! recycles the same few buffers through its layers.

/// Released buffers, handed out again by size.
#[derive(Debug, Default)]
pub(crate) struct BufferPool {
    free: Vec<Vec<f32>>,
}

impl BufferPool {
    /// A buffer of `n` values (contents unspecified; every user writes all of it before
    /// reading): the smallest released one that holds `n`, or a new one.
    pub(crate) fn take(&mut self, n: usize) -> Vec<f32> {
        let best = self
            .free
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= n)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        match best {
            Some(i) => {
                let mut v = self.free.swap_remove(i);
                v.truncate(n);
                v.resize(n, 0.0);
                v
            }
            None => vec![0.0; n],
        }
    }

    /// Returns a buffer to the pool.
    pub(crate) fn give(&mut self, v: Vec<f32>) {
        self.free.push(v);
    }
}
