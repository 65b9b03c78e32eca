//! The models mend knows by name: IOPaint's erase models in its listing order, then the models
//! plugins run through the host's `inference` (the Real-ESRGAN upscaler, the RMBG-1.4 background
//! remover), with the facts needed to download and check their weights (IOPaint 1.6.0's URLs and
//! md5s) and to run them (`pad_mod`, minimum size, square padding). Where the files live on disk
//! is [`crate::model_files`]'s job.

use serde::Serialize;

/// What a catalogue entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Fills masked pixels (IOPaint model type `inpaint`).
    Inpaint,
    /// Enlarges images; run by plugins through the host's `inference` (never the erase
    /// model).
    Upscale,
    /// Separates foreground from background; run by plugins through `inference`.
    Segment,
}

/// One weights file of a model, as IOPaint publishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeightFile {
    /// Prefix of the environment overrides `<PREFIX>_MODEL_URL` / `<PREFIX>_MODEL_MD5`
    /// (IOPaint's names, e.g. `LAMA`, `ANIME_LAMA`, `ZITS_WIRE_FRAME`).
    pub env_prefix: &'static str,
    /// Default download URL.
    pub url: &'static str,
    /// Checksum of the released file (lower-case hex): its md5 (IOPaint's), or its sha256
    /// (64 digits) where the publisher gives only that.
    pub md5: &'static str,
    /// Approximate size in bytes, when known (for "needs download" messages; never checked).
    pub approx_bytes: Option<u64>,
    /// The name the file is kept under, when the URL's last segment is too generic to share
    /// the checkpoints folder (`pytorch_model.bin`).
    pub local_name: Option<&'static str>,
}

impl WeightFile {
    /// The file name: `local_name`, else the last segment of the URL path (IOPaint caches
    /// files under it).
    pub fn file_name(&self) -> &'static str {
        self.local_name.unwrap_or_else(|| url_file_name(self.url))
    }
}

/// The last path segment of a URL (query and fragment removed).
pub fn url_file_name(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path)
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
    /// Weight files, in the order the model loads them (empty: nothing to download).
    pub files: &'static [WeightFile],
    /// Inputs are padded to a multiple of this (IOPaint's `pad_mod`).
    pub pad_mod: u32,
    /// Inputs are padded up to at least this size, when set (IOPaint's `min_size`).
    pub min_size: Option<u32>,
    /// Inputs are padded to a square (IOPaint's `pad_to_square`).
    pub pad_to_square: bool,
    /// Short human description.
    pub description: &'static str,
}

impl CatalogueEntry {
    /// Whether it needs downloaded weights.
    pub fn needs_download(&self) -> bool {
        !self.files.is_empty()
    }

    /// Sum of the files' approximate sizes; `None` when any is unknown.
    pub fn approx_bytes(&self) -> Option<u64> {
        self.files.iter().map(|f| f.approx_bytes).sum()
    }
}

/// 50,975,875 f32 parameters plus BatchNorm statistics and archive overhead (lama-model.md §0).
const BIG_LAMA_BYTES: Option<u64> = Some(205_000_000);

/// A [`WeightFile`] literal.
macro_rules! file {
    ($prefix:literal, $path:literal, $md5:literal, $bytes:expr) => {
        WeightFile {
            env_prefix: $prefix,
            url: $path,
            md5: $md5,
            approx_bytes: $bytes,
            local_name: None,
        }
    };
}

/// All erase models, in IOPaint's scan order (lama, anime-lama, ldm, zits, mat, fcf, cv2, manga, migan).
pub const CATALOGUE: &[CatalogueEntry] = &[
    CatalogueEntry {
        name: "lama",
        kind: ModelKind::Inpaint,
        implemented: false,
        files: &[file!(
            "LAMA",
            "https://github.com/Sanster/models/releases/download/add_big_lama/big-lama.pt",
            "e3aa4aaa15225a33ec84f9f4bc47e500",
            BIG_LAMA_BYTES
        )],
        pad_mod: 8,
        min_size: None,
        pad_to_square: false,
        description: "LaMa: large-mask inpainting (Fourier convolutions, burn on GPU or CPU)",
    },
    CatalogueEntry {
        name: "anime-lama",
        kind: ModelKind::Inpaint,
        implemented: false,
        files: &[file!(
            "ANIME_LAMA",
            "https://github.com/Sanster/models/releases/download/AnimeMangaInpainting/anime-manga-big-lama.pt",
            "29f284f36a0a510bcacf39ecf4c4d54f",
            BIG_LAMA_BYTES
        )],
        pad_mod: 8,
        min_size: None,
        pad_to_square: false,
        description: "LaMa fine-tuned on anime and manga",
    },
    CatalogueEntry {
        name: "ldm",
        kind: ModelKind::Inpaint,
        implemented: false,
        files: &[
            file!(
                "LDM_ENCODE",
                "https://github.com/Sanster/models/releases/download/add_ldm/cond_stage_model_encode.pt",
                "23239fc9081956a3e70de56472b3f296",
                None
            ),
            file!(
                "LDM_DECODE",
                "https://github.com/Sanster/models/releases/download/add_ldm/cond_stage_model_decode.pt",
                "fe419cd15a750d37a4733589d0d3585c",
                None
            ),
            file!(
                "LDM_DIFFUSION",
                "https://github.com/Sanster/models/releases/download/add_ldm/diffusion.pt",
                "b0afda12bf790c03aba2a7431f11d22d",
                None
            ),
        ],
        pad_mod: 32,
        min_size: None,
        pad_to_square: false,
        description: "Latent diffusion inpainting (not supported yet)",
    },
    CatalogueEntry {
        name: "zits",
        kind: ModelKind::Inpaint,
        implemented: false,
        files: &[
            file!(
                "ZITS_WIRE_FRAME",
                "https://github.com/Sanster/models/releases/download/add_zits/zits-wireframe-0717.pt",
                "a9727c63a8b48b65c905d351b21ce46b",
                None
            ),
            file!(
                "ZITS_EDGE_LINE",
                "https://github.com/Sanster/models/releases/download/add_zits/zits-edge-line-0717.pt",
                "55e31af21ba96bbf0c80603c76ea8c5f",
                None
            ),
            file!(
                "ZITS_STRUCTURE_UPSAMPLE",
                "https://github.com/Sanster/models/releases/download/add_zits/zits-structure-upsample-0717.pt",
                "3d88a07211bd41b2ec8cc0d999f29927",
                None
            ),
            file!(
                "ZITS_INPAINT",
                "https://github.com/Sanster/models/releases/download/add_zits/zits-inpaint-0717.pt",
                "9978cc7157dc29699e42308d675b2154",
                None
            ),
        ],
        pad_mod: 32,
        min_size: Some(256),
        pad_to_square: true,
        description: "ZITS: structure-guided inpainting (not supported yet)",
    },
    CatalogueEntry {
        name: "mat",
        kind: ModelKind::Inpaint,
        implemented: false,
        files: &[file!(
            "MAT",
            "https://github.com/Sanster/models/releases/download/add_mat/Places_512_FullData_G.pth",
            "8ca927835fa3f5e21d65ffcb165377ed",
            None
        )],
        pad_mod: 512,
        min_size: Some(512),
        pad_to_square: true,
        description: "MAT: mask-aware transformer (not supported yet)",
    },
    CatalogueEntry {
        name: "fcf",
        kind: ModelKind::Inpaint,
        implemented: false,
        files: &[file!(
            "FCF",
            "https://github.com/Sanster/models/releases/download/add_fcf/places_512_G.pth",
            "3323152bc01bf1c56fd8aba74435a211",
            None
        )],
        pad_mod: 512,
        min_size: Some(512),
        pad_to_square: true,
        description: "FcF: Fourier coarse-to-fine (not supported yet)",
    },
    CatalogueEntry {
        name: "cv2",
        kind: ModelKind::Inpaint,
        implemented: true,
        files: &[],
        pad_mod: 1,
        min_size: None,
        pad_to_square: false,
        description: "Classical inpainting (Telea / Navier–Stokes), no download",
    },
    CatalogueEntry {
        name: "manga",
        kind: ModelKind::Inpaint,
        implemented: false,
        files: &[
            file!(
                "MANGA_INPAINTOR",
                "https://github.com/Sanster/models/releases/download/manga/manga_inpaintor.jit",
                "7d8b269c4613b6b3768af714610da86c",
                None
            ),
            file!(
                "MANGA_LINE",
                "https://github.com/Sanster/models/releases/download/manga/erika.jit",
                "0c926d5a4af8450b0d00bc5b9a095644",
                None
            ),
        ],
        pad_mod: 16,
        min_size: None,
        pad_to_square: false,
        description: "Manga inpainting (not supported yet)",
    },
    CatalogueEntry {
        name: "migan",
        kind: ModelKind::Inpaint,
        implemented: true,
        files: &[file!(
            "MIGAN",
            "https://github.com/Sanster/models/releases/download/migan/migan_traced.pt",
            "76eb3b1a71c400ee3290524f7a11b89c",
            None
        )],
        pad_mod: 512,
        min_size: Some(512),
        pad_to_square: true,
        description: "MI-GAN: fast mobile inpainting GAN (512², runs on each mask region)",
    },
    CatalogueEntry {
        name: "realesr-general-x4v3",
        kind: ModelKind::Upscale,
        implemented: true,
        files: &[file!(
            "REALESR_GENERAL_X4V3",
            "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-general-x4v3.pth",
            "91a7644643c884ee00737db24e478156",
            Some(4_885_111)
        )],
        pad_mod: 1,
        min_size: None,
        pad_to_square: false,
        description: "Real-ESRGAN x4 upscaler (compact; the upscale plugin's learned mode)",
    },
    CatalogueEntry {
        name: "rmbg-1.4",
        kind: ModelKind::Segment,
        implemented: true,
        files: &[WeightFile {
            env_prefix: "RMBG_1_4",
            url: "https://huggingface.co/briaai/RMBG-1.4/resolve/main/pytorch_model.bin",
            // The publisher lists sha256 digests only.
            md5: "59569acdb281ac9fc9f78f9d33b6f9f17f68e25086b74f9025c35bb5f2848967",
            approx_bytes: Some(176_000_000),
            local_name: Some("rmbg-1.4.bin"),
        }],
        pad_mod: 1,
        min_size: None,
        pad_to_square: false,
        description: "BRIA RMBG-1.4 background removal (IS-Net; non-commercial licence; the \
                      remove-bg plugin)",
    },
];

/// Looks a model up by name.
pub fn find(name: &str) -> Option<&'static CatalogueEntry> {
    CATALOGUE.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_name_an_md5_and_a_unique_env_prefix() {
        let mut prefixes = Vec::new();
        for e in CATALOGUE {
            assert_eq!(e.needs_download(), e.name != "cv2");
            for f in e.files {
                assert!(
                    (f.md5.len() == 32 || f.md5.len() == 64)
                        && f.md5.bytes().all(|b| b.is_ascii_hexdigit())
                );
                assert!(!f.file_name().is_empty() && !f.file_name().contains('/'));
                prefixes.push(f.env_prefix);
            }
        }
        let n = prefixes.len();
        prefixes.sort_unstable();
        prefixes.dedup();
        assert_eq!(prefixes.len(), n);
        let erase_files: usize = CATALOGUE
            .iter()
            .filter(|e| e.kind == ModelKind::Inpaint)
            .map(|e| e.files.len())
            .sum();
        assert_eq!(
            erase_files, 14,
            "IOPaint has 14 <MODEL>_MODEL_URL overrides"
        );
        assert_eq!(find("lama").unwrap().files[0].file_name(), "big-lama.pt");
        assert_eq!(url_file_name("http://h/a/b.pt?x=1#y"), "b.pt");
    }
}
