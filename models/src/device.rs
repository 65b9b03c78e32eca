//! Where neural models run: the user's device choice (`auto`, `cpu`, `gpu`) resolved to a burn
//! [`Device`].
//!
//! - CPU is burn's pure-Rust **Flex** backend (SIMD + rayon; its thread count follows rayon's
//!   global pool, i.e. `RAYON_NUM_THREADS`).
//! - GPU is burn's **wgpu** backend (Vulkan, Metal, DX12), compiled in with the crate feature
//!   `wgpu` (on by default).
//!
//! Initialising wgpu without an adapter panics inside burn on the first tensor operation, so
//! [`ComputeDevice::resolve`] probes explicitly (a fallible adapter + device request, with any
//! panic caught) before handing out a wgpu device:
//!
//! - [`DeviceChoice::Auto`]: a hardware adapter → GPU; no adapter, a software adapter (llvmpipe,
//!   lavapipe, WARP) or an init failure → CPU, with the reason in
//!   [`ComputeDevice::fallback_reason`] and one `tracing` info line.
//! - [`DeviceChoice::Gpu`]: any adapter, software ones included (useful for CI parity runs on
//!   lavapipe); none → [`Error::DeviceUnavailable`].
//! - [`DeviceChoice::Cpu`]: Flex, no probing.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

use crate::{Error, Result};

/// The user's device preference (`--device auto|cpu|gpu`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// A hardware GPU when one works, else the CPU.
    #[default]
    Auto,
    /// The CPU (burn Flex backend).
    Cpu,
    /// The GPU through wgpu; an error when no adapter exists.
    Gpu,
}

impl FromStr for DeviceChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "gpu" | "wgpu" | "cuda" => Ok(Self::Gpu),
            other => Err(Error::InvalidParameter {
                name: "device",
                reason: format!("`{other}` is not one of auto, cpu, gpu"),
            }),
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Gpu => "gpu",
        })
    }
}

/// Which backend a resolved device uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// burn Flex on the CPU.
    Cpu,
    /// burn wgpu on a GPU adapter (possibly a software one when chosen explicitly).
    Gpu,
}

/// A resolved compute device: the burn device plus a human description.
#[derive(Debug, Clone)]
pub struct ComputeDevice {
    device: Device,
    kind: BackendKind,
    description: String,
    fallback_reason: Option<String>,
}

impl ComputeDevice {
    /// The CPU device (Flex), always available.
    pub fn cpu() -> Self {
        Self {
            device: Device::flex(),
            kind: BackendKind::Cpu,
            description: format!("cpu (burn flex, {} threads)", rayon::current_num_threads()),
            fallback_reason: None,
        }
    }

    /// Resolves `choice` (see the module documentation for the rules). Never panics.
    ///
    /// Errors: [`Error::DeviceUnavailable`] for [`DeviceChoice::Gpu`] when no wgpu adapter can
    /// be initialised (or the crate was built without the `wgpu` feature).
    pub fn resolve(choice: DeviceChoice) -> Result<Self> {
        match choice {
            DeviceChoice::Cpu => Ok(Self::cpu()),
            DeviceChoice::Gpu => match gpu::probe() {
                Ok(found) => Ok(Self::from_probe(found)),
                Err(reason) => Err(Error::DeviceUnavailable(format!(
                    "--device gpu was requested but {reason}"
                ))),
            },
            DeviceChoice::Auto => match gpu::probe() {
                Ok(found) if !found.software => Ok(Self::from_probe(found)),
                Ok(found) => Ok(Self::fallback(format!(
                    "only a software GPU adapter ({}) is available",
                    found.adapter
                ))),
                Err(reason) => Ok(Self::fallback(reason)),
            },
        }
    }

    /// The burn device tensors are created on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// CPU or GPU.
    pub fn kind(&self) -> BackendKind {
        self.kind
    }

    /// Whether this runs on a wgpu adapter.
    pub fn is_gpu(&self) -> bool {
        self.kind == BackendKind::Gpu
    }

    /// One line for `mend list` / the server config, e.g. `cpu (burn flex, 2 threads)` or
    /// `gpu (wgpu Vulkan: NVIDIA GeForce RTX 3060, discrete)`; an `auto` fallback appends why.
    pub fn describe(&self) -> String {
        match &self.fallback_reason {
            Some(reason) => format!("{}; auto fell back to cpu: {reason}", self.description),
            None => self.description.clone(),
        }
    }

    /// Why `auto` chose the CPU, if it did.
    pub fn fallback_reason(&self) -> Option<&str> {
        self.fallback_reason.as_deref()
    }

    fn fallback(reason: String) -> Self {
        tracing::info!(reason = %reason, "no usable GPU, running models on the CPU");
        Self {
            fallback_reason: Some(reason),
            ..Self::cpu()
        }
    }

    fn from_probe(found: gpu::Found) -> Self {
        Self {
            description: format!(
                "gpu (wgpu {}: {}{})",
                found.api,
                found.adapter,
                if found.software { ", software" } else { "" }
            ),
            device: found.device,
            kind: BackendKind::Gpu,
            fallback_reason: None,
        }
    }
}

#[cfg(feature = "wgpu")]
mod gpu {
    //! The wgpu adapter probe.

    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::OnceLock;

    use burn::backend::wgpu::graphics::AutoGraphicsApi;
    use burn::backend::wgpu::wgpu::DeviceType;
    use burn::backend::wgpu::{RuntimeOptions, WgpuDevice, try_init_setup};
    use burn::tensor::Device;

    /// A working adapter.
    #[derive(Clone)]
    pub(super) struct Found {
        pub device: Device,
        pub adapter: String,
        pub api: String,
        pub software: bool,
    }

    /// Initialises the default wgpu device once per process (wgpu registration cannot be
    /// repeated) and reports what it found, or why nothing works.
    pub(super) fn probe() -> Result<Found, String> {
        static PROBE: OnceLock<Result<Found, String>> = OnceLock::new();
        PROBE.get_or_init(probe_once).clone()
    }

    fn probe_once() -> Result<Found, String> {
        let attempt = catch_unwind(AssertUnwindSafe(|| {
            let options = RuntimeOptions::try_default()
                .map_err(|e| format!("wgpu runtime options are invalid: {e}"))?;
            let wgpu_device = WgpuDevice::default();
            let setup = try_init_setup::<AutoGraphicsApi>(&wgpu_device, options)
                .map_err(|e| format!("no wgpu adapter could be initialised ({e})"))?;
            let info = setup.adapter.get_info();
            Ok(Found {
                device: Device::new(wgpu_device),
                adapter: format!("{}, {:?}", info.name, info.device_type),
                api: format!("{:?}", info.backend),
                software: info.device_type == DeviceType::Cpu,
            })
        }));
        attempt.unwrap_or_else(|_| Err("initialising wgpu panicked".to_owned()))
    }
}

#[cfg(not(feature = "wgpu"))]
mod gpu {
    //! Stand-in when the crate is built without the `wgpu` feature.

    use burn::tensor::Device;

    /// A working adapter (never constructed without the feature).
    #[derive(Clone)]
    pub(super) struct Found {
        pub device: Device,
        pub adapter: String,
        pub api: String,
        pub software: bool,
    }

    pub(super) fn probe() -> Result<Found, String> {
        Err("this build of mend has no GPU support (cargo feature `wgpu` is off)".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_choices() {
        assert_eq!("auto".parse::<DeviceChoice>().unwrap(), DeviceChoice::Auto);
        assert_eq!(" CPU ".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cpu);
        assert_eq!("gpu".parse::<DeviceChoice>().unwrap(), DeviceChoice::Gpu);
        let err = "tpu".parse::<DeviceChoice>().unwrap_err();
        assert!(err.to_string().contains("tpu"), "{err}");
        assert_eq!(DeviceChoice::Gpu.to_string(), "gpu");
    }

    #[test]
    fn cpu_always_resolves() {
        let d = ComputeDevice::resolve(DeviceChoice::Cpu).unwrap();
        assert_eq!(d.kind(), BackendKind::Cpu);
        assert!(
            d.describe().starts_with("cpu (burn flex"),
            "{}",
            d.describe()
        );
        assert!(d.fallback_reason().is_none());
    }

    #[test]
    fn auto_never_panics_and_explains_a_cpu_fallback() {
        let d = ComputeDevice::resolve(DeviceChoice::Auto).unwrap();
        match d.kind() {
            BackendKind::Cpu => {
                let reason = d.fallback_reason().unwrap();
                assert!(!reason.is_empty());
                assert!(d.describe().contains(reason));
            }
            BackendKind::Gpu => assert!(d.describe().starts_with("gpu (wgpu")),
        }
    }

    #[test]
    fn gpu_is_an_error_or_a_gpu() {
        match ComputeDevice::resolve(DeviceChoice::Gpu) {
            Ok(d) => assert!(d.is_gpu()),
            Err(e) => {
                assert!(matches!(e, Error::DeviceUnavailable(_)));
                assert!(e.to_string().contains("--device gpu"), "{e}");
            }
        }
    }
}
