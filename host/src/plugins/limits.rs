//! Per-store resource limits: wasmtime's [`StoreLimits`] (memory, tables, instances, with
//! `trap_on_grow_failure`), wrapped to remember that a limit was hit so the call's error can
//! say "out of memory" instead of a bare trap, and to log the refusal with structured fields.

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

/// Table elements a plugin may allocate (function tables of large Rust components stay far
/// below this).
pub const MAX_TABLE_ELEMENTS: usize = 100_000;
/// Core instances per component instance.
pub const MAX_INSTANCES: usize = 32;
/// Tables per component instance.
pub const MAX_TABLES: usize = 16;
/// Linear memories per component instance.
pub const MAX_MEMORIES: usize = 2;

/// The limiter of one store.
#[derive(Debug)]
pub struct Limiter {
    inner: StoreLimits,
    memory_limit: usize,
    /// Set when a memory growth was refused.
    pub memory_exceeded: bool,
    /// Set when a table growth was refused.
    pub table_exceeded: bool,
}

impl Limiter {
    /// A limiter allowing `memory_limit` bytes of linear memory.
    pub fn new(memory_limit: usize) -> Self {
        let inner = StoreLimitsBuilder::new()
            .memory_size(memory_limit)
            .table_elements(MAX_TABLE_ELEMENTS)
            .instances(MAX_INSTANCES)
            .tables(MAX_TABLES)
            .memories(MAX_MEMORIES)
            .trap_on_grow_failure(true)
            .build();
        Self {
            inner,
            memory_limit,
            memory_exceeded: false,
            table_exceeded: false,
        }
    }

    /// The memory limit in bytes.
    pub fn memory_limit(&self) -> usize {
        self.memory_limit
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.inner.memory_growing(current, desired, maximum);
        if !matches!(allowed, Ok(true)) {
            self.memory_exceeded = true;
            tracing::warn!(
                current,
                desired,
                max_memory_size = self.memory_limit,
                "plugin memory growth refused"
            );
        }
        allowed
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.inner.table_growing(current, desired, maximum);
        if !matches!(allowed, Ok(true)) {
            self.table_exceeded = true;
            tracing::warn!(current, desired, "plugin table growth refused");
        }
        allowed
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_growth_past_the_limit_and_remembers_it() {
        let mut l = Limiter::new(1 << 20);
        assert!(matches!(l.memory_growing(0, 1 << 20, None), Ok(true)));
        assert!(!l.memory_exceeded);
        // trap_on_grow_failure: refusing is an error, which traps the guest.
        assert!(l.memory_growing(1 << 20, 2 << 20, None).is_err());
        assert!(l.memory_exceeded);
    }
}
