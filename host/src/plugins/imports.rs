//! mend's host imports, one file per WIT interface: [`host`] (`log`, `progress`) and
//! [`inference`] (models the host runs; needs the `inference` capability). The `types`
//! interface has no functions.

pub mod host;
pub mod inference;

use super::state::HostState;
use super::wit::latest;

impl latest::types::Host for HostState {}
