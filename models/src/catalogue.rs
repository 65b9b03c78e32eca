//! The erase models mend knows by name, in IOPaint's listing order.

use serde::Serialize;

/// What a catalogue entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Fills masked pixels (IOPaint model type `inpaint`).
    Inpaint,
}

/// One model mend can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CatalogueEntry {
    /// Name as used by `--model` and IOPaint's API.
    pub name: &'static str,
    /// Model kind.
    pub kind: ModelKind,
    /// Whether this build of mend can run it.
    pub implemented: bool,
    /// Whether it needs downloaded weights.
    pub needs_download: bool,
    /// Short human description.
    pub description: &'static str,
}

/// All erase models, in IOPaint's scan order (lama, anime-lama, ldm, zits, mat, fcf, cv2, manga, migan).
pub const CATALOGUE: &[CatalogueEntry] = &[
    entry(
        "lama",
        false,
        true,
        "LaMa: large-mask inpainting (arrives with the burn model runtime)",
    ),
    entry(
        "anime-lama",
        false,
        true,
        "LaMa fine-tuned on anime and manga",
    ),
    entry("ldm", false, true, "Latent diffusion inpainting"),
    entry("zits", false, true, "ZITS: structure-guided inpainting"),
    entry("mat", false, true, "MAT: mask-aware transformer"),
    entry("fcf", false, true, "FcF: Fourier coarse-to-fine"),
    entry(
        "cv2",
        true,
        false,
        "Classical inpainting (Telea / Navier–Stokes), no download",
    ),
    entry("manga", false, true, "Manga inpainting"),
    entry("migan", false, true, "MI-GAN: fast mobile inpainting"),
];

const fn entry(
    name: &'static str,
    implemented: bool,
    needs_download: bool,
    description: &'static str,
) -> CatalogueEntry {
    CatalogueEntry {
        name,
        kind: ModelKind::Inpaint,
        implemented,
        needs_download,
        description,
    }
}

/// Looks a model up by name.
pub fn find(name: &str) -> Option<&'static CatalogueEntry> {
    CATALOGUE.iter().find(|e| e.name == name)
}
