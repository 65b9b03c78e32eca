//! Request and response bodies of IOPaint's `/api/v1`, field for field (see
//! `shared/spec/iopaint-compat.md` sections 2–4). Unknown JSON keys are ignored, as upstream;
//! numbers and booleans are parsed leniently ([`crate::server::lax`]).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::server::lax;

/// Body of `POST /api/v1/inpaint` (IOPaint's `InpaintRequest`). Fields that only diffusion
/// models read are accepted and ignored by erase models.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(default)]
pub struct InpaintRequest {
    /// Source image: base64 or a data URL (PNG, JPEG, WebP, BMP, TIFF, GIF).
    pub image: Option<String>,
    /// Mask of the same size: base64 or a data URL; luminance > 127 = area to fill.
    pub mask: Option<String>,
    /// LDM sampling steps.
    #[serde(deserialize_with = "lax::int")]
    pub ldm_steps: i64,
    /// LDM sampler (`ddim`, `plms`).
    pub ldm_sampler: String,
    /// ZITS: run the wireframe detector.
    #[serde(deserialize_with = "lax::boolean")]
    pub zits_wireframe: bool,
    /// High-resolution strategy: `Crop`, `Resize` or `Original` (anything else = Original).
    pub hd_strategy: String,
    /// Crop runs only when the image's longer side exceeds this.
    #[serde(deserialize_with = "lax::int")]
    pub hd_strategy_crop_trigger_size: i64,
    /// Context margin around each mask region for Crop.
    #[serde(deserialize_with = "lax::int")]
    pub hd_strategy_crop_margin: i64,
    /// Longer-side limit for Resize.
    #[serde(deserialize_with = "lax::int")]
    pub hd_strategy_resize_limit: i64,
    /// Diffusion prompt.
    pub prompt: String,
    /// Diffusion negative prompt.
    pub negative_prompt: String,
    /// Diffusion: only process the cropper rectangle.
    #[serde(deserialize_with = "lax::boolean")]
    pub use_croper: bool,
    /// Cropper left.
    #[serde(deserialize_with = "lax::int")]
    pub croper_x: i64,
    /// Cropper top.
    #[serde(deserialize_with = "lax::int")]
    pub croper_y: i64,
    /// Cropper height.
    #[serde(deserialize_with = "lax::int")]
    pub croper_height: i64,
    /// Cropper width.
    #[serde(deserialize_with = "lax::int")]
    pub croper_width: i64,
    /// Diffusion: outpainting rectangle mode.
    #[serde(deserialize_with = "lax::boolean")]
    pub use_extender: bool,
    /// Extender left (may be negative).
    #[serde(deserialize_with = "lax::int")]
    pub extender_x: i64,
    /// Extender top (may be negative).
    #[serde(deserialize_with = "lax::int")]
    pub extender_y: i64,
    /// Extender height.
    #[serde(deserialize_with = "lax::int")]
    pub extender_height: i64,
    /// Extender width.
    #[serde(deserialize_with = "lax::int")]
    pub extender_width: i64,
    /// Diffusion downscale factor, 0 < v ≤ 1.
    #[serde(deserialize_with = "lax::float")]
    pub sd_scale: f64,
    /// Diffusion mask blur radius.
    #[serde(deserialize_with = "lax::int")]
    pub sd_mask_blur: i64,
    /// Diffusion img2img strength, ≤ 1.
    #[serde(deserialize_with = "lax::float")]
    pub sd_strength: f64,
    /// Diffusion steps.
    #[serde(deserialize_with = "lax::int")]
    pub sd_steps: i64,
    /// Diffusion CFG scale.
    #[serde(deserialize_with = "lax::float")]
    pub sd_guidance_scale: f64,
    /// Diffusion sampler name.
    pub sd_sampler: String,
    /// Seed; -1 = random. Echoed in the `X-Seed` response header.
    #[serde(deserialize_with = "lax::int")]
    pub sd_seed: i64,
    /// Diffusion: match histograms to the source.
    #[serde(deserialize_with = "lax::boolean")]
    pub sd_match_histograms: bool,
    /// Accepted, unused (as upstream).
    #[serde(deserialize_with = "lax::float")]
    pub sd_outpainting_softness: f64,
    /// Accepted, unused (as upstream).
    #[serde(deserialize_with = "lax::float")]
    pub sd_outpainting_space: f64,
    /// Diffusion: LCM-LoRA.
    #[serde(deserialize_with = "lax::boolean")]
    pub sd_lcm_lora: bool,
    /// Keep pixels outside the mask exactly as in the input.
    #[serde(deserialize_with = "lax::boolean")]
    pub sd_keep_unmasked_area: bool,
    /// cv2 algorithm.
    pub cv2_flag: Cv2FlagField,
    /// cv2 neighbourhood radius in pixels.
    #[serde(deserialize_with = "lax::int")]
    pub cv2_radius: i64,
    /// Paint-by-Example reference image.
    pub paint_by_example_example_image: Option<String>,
    /// instruct-pix2pix image guidance.
    #[serde(deserialize_with = "lax::float")]
    pub p2p_image_guidance_scale: f64,
    /// ControlNet on/off.
    #[serde(deserialize_with = "lax::boolean")]
    pub enable_controlnet: bool,
    /// ControlNet conditioning scale, 0..=1.
    #[serde(deserialize_with = "lax::float")]
    pub controlnet_conditioning_scale: f64,
    /// ControlNet model id.
    pub controlnet_method: String,
    /// BrushNet on/off.
    #[serde(deserialize_with = "lax::boolean")]
    pub enable_brushnet: bool,
    /// BrushNet weights id.
    pub brushnet_method: String,
    /// BrushNet conditioning scale, 0..=1.
    #[serde(deserialize_with = "lax::float")]
    pub brushnet_conditioning_scale: f64,
    /// PowerPaint v2 on/off.
    #[serde(deserialize_with = "lax::boolean")]
    pub enable_powerpaint_v2: bool,
    /// PowerPaint task.
    pub powerpaint_task: PowerPaintTask,
    /// PowerPaint fitting degree, 0 < v ≤ 1.
    #[serde(deserialize_with = "lax::float")]
    pub fitting_degree: f64,
    /// mend extension: processor plugins to run at their `before-inpaint` / `after-inpaint`
    /// hooks for this request, in order.
    pub plugins: Vec<super::hooks::PluginUse>,
}

impl Default for InpaintRequest {
    fn default() -> Self {
        Self {
            image: None,
            mask: None,
            ldm_steps: 20,
            ldm_sampler: "plms".to_owned(),
            zits_wireframe: true,
            hd_strategy: "Crop".to_owned(),
            hd_strategy_crop_trigger_size: 800,
            hd_strategy_crop_margin: 128,
            hd_strategy_resize_limit: 1280,
            prompt: String::new(),
            negative_prompt: String::new(),
            use_croper: false,
            croper_x: 0,
            croper_y: 0,
            croper_height: 512,
            croper_width: 512,
            use_extender: false,
            extender_x: 0,
            extender_y: 0,
            extender_height: 640,
            extender_width: 640,
            sd_scale: 1.0,
            sd_mask_blur: 11,
            sd_strength: 1.0,
            sd_steps: 50,
            sd_guidance_scale: 7.5,
            sd_sampler: "UniPC".to_owned(),
            sd_seed: 42,
            sd_match_histograms: false,
            sd_outpainting_softness: 20.0,
            sd_outpainting_space: 20.0,
            sd_lcm_lora: false,
            sd_keep_unmasked_area: true,
            cv2_flag: Cv2FlagField::InpaintNs,
            cv2_radius: 4,
            paint_by_example_example_image: None,
            p2p_image_guidance_scale: 1.5,
            enable_controlnet: false,
            controlnet_conditioning_scale: 0.4,
            controlnet_method: "lllyasviel/control_v11p_sd15_canny".to_owned(),
            enable_brushnet: false,
            brushnet_method: "Sanster/brushnet_random_mask".to_owned(),
            brushnet_conditioning_scale: 1.0,
            enable_powerpaint_v2: false,
            powerpaint_task: PowerPaintTask::TextGuided,
            fitting_degree: 1.0,
            plugins: Vec::new(),
        }
    }
}

/// `cv2_flag` values (unknown values are a 422, as upstream's enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub enum Cv2FlagField {
    /// Navier–Stokes.
    #[serde(rename = "INPAINT_NS")]
    InpaintNs,
    /// Telea.
    #[serde(rename = "INPAINT_TELEA")]
    InpaintTelea,
}

/// `powerpaint_task` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PowerPaintTask {
    /// Text-guided inpainting.
    TextGuided,
    /// Context-aware fill.
    ContextAware,
    /// Shape-guided.
    ShapeGuided,
    /// Object removal.
    ObjectRemove,
    /// Outpainting.
    Outpainting,
}

/// IOPaint's `ModelInfo`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ModelInfo {
    /// Model id.
    pub name: String,
    /// Same as `name` for erase models.
    pub path: String,
    /// `inpaint` for erase models.
    pub model_type: String,
    /// Single-file diffusers checkpoint.
    pub is_single_file_diffusers: bool,
    /// Needs a text prompt.
    pub need_prompt: bool,
    /// ControlNet ids usable with this model.
    pub controlnets: Vec<String>,
    /// BrushNet ids usable with this model.
    pub brushnets: Vec<String>,
    /// Supports img2img strength.
    pub support_strength: bool,
    /// Supports outpainting.
    pub support_outpainting: bool,
    /// Supports LCM-LoRA.
    pub support_lcm_lora: bool,
    /// Supports ControlNet.
    pub support_controlnet: bool,
    /// Supports BrushNet.
    pub support_brushnet: bool,
    /// Supports PowerPaint v2.
    pub support_powerpaint_v2: bool,
    /// mend only (in server-config listings): `ready` or `needs_download`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mend_state: Option<String>,
    /// mend only: approximate bytes to download before the model can load, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mend_download_bytes: Option<u64>,
    /// mend only: the model-adapter plugin that provides the model (or adds its processing
    /// to a built-in one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mend_plugin: Option<String>,
}

impl ModelInfo {
    /// Info for an erase model (`model_type` `inpaint`, no diffusion features).
    pub fn erase_model(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            path: name.to_owned(),
            model_type: "inpaint".to_owned(),
            is_single_file_diffusers: false,
            need_prompt: false,
            controlnets: Vec::new(),
            brushnets: Vec::new(),
            support_strength: false,
            support_outpainting: false,
            support_lcm_lora: false,
            support_controlnet: false,
            support_brushnet: false,
            support_powerpaint_v2: false,
            mend_state: None,
            mend_download_bytes: None,
            mend_plugin: None,
        }
    }
}

/// One enabled plugin as IOPaint lists it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PluginInfo {
    /// Plugin name.
    pub name: String,
    /// Has an image output (`run_plugin_gen_image`).
    pub support_gen_image: bool,
    /// Has a mask output (`run_plugin_gen_mask`).
    pub support_gen_mask: bool,
    /// mend: the plugin's parameters, as its manifest declares them (`name`, `label`,
    /// `description`, `kind`, `range`, `options`, `default`; see `GET /api/v1/plugins`).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub mend_params: Vec<serde_json::Value>,
}

/// IOPaint's `ServerConfigResponse`, plus mend's own fields (`mendVersion`, `device`, limits,
/// `mendUnsupportedModels`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerConfig {
    /// Enabled plugins.
    pub plugins: Vec<PluginInfo>,
    /// Models that can be selected.
    pub model_infos: Vec<ModelInfo>,
    /// Current RemoveBG model.
    #[serde(rename = "removeBGModel")]
    pub remove_bg_model: String,
    /// RemoveBG model ids.
    #[serde(rename = "removeBGModels")]
    pub remove_bg_models: Vec<String>,
    /// Current RealESRGAN model.
    pub realesrgan_model: String,
    /// RealESRGAN model ids.
    pub realesrgan_models: Vec<String>,
    /// Current interactive segmentation model.
    pub interactive_seg_model: String,
    /// Interactive segmentation model ids.
    pub interactive_seg_models: Vec<String>,
    /// `--input` is a folder.
    pub enable_file_manager: bool,
    /// `--output-dir` is set.
    pub enable_auto_saving: bool,
    /// ControlNet state.
    pub enable_controlnet: bool,
    /// Current ControlNet id.
    pub controlnet_method: Option<String>,
    /// Model switching disabled.
    pub disable_model_switch: bool,
    /// Desktop wrapper (always false).
    pub is_desktop: bool,
    /// Diffusion sampler names.
    pub samplers: Vec<String>,
    /// mend's version.
    pub mend_version: String,
    /// Device learned models run on: `cpu` or `gpu`.
    pub device: String,
    /// The backend and adapter in use, e.g. `cpu (burn flex, 8 threads)` or
    /// `gpu (wgpu Vulkan: …)`; says why `--device auto` fell back to the CPU when it did.
    pub device_detail: String,
    /// Maximum image size in pixels.
    pub max_pixels: u64,
    /// Maximum request body in bytes.
    pub max_body_bytes: usize,
    /// mend: IOPaint's erase models this build cannot run yet (`mend_state: "unsupported"`),
    /// kept out of `modelInfos` so IOPaint's UI never offers them.
    pub mend_unsupported_models: Vec<ModelInfo>,
}

/// Body of `POST /api/v1/model`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SwitchModelRequest {
    /// Model name.
    pub name: String,
}

/// Body of `POST /api/v1/switch_plugin_model`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SwitchPluginModelRequest {
    /// Plugin name.
    pub plugin_name: String,
    /// Model name.
    pub model_name: String,
}

/// Body of `run_plugin_gen_mask` / `run_plugin_gen_image`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RunPluginRequest {
    /// Plugin name.
    pub name: String,
    /// Image (base64 or data URL).
    pub image: String,
    /// Interactive segmentation clicks `[x, y, label, …]`.
    #[serde(default)]
    pub clicks: Vec<Vec<serde_json::Value>>,
    /// Upscale factor.
    #[serde(default = "default_scale", deserialize_with = "lax::float")]
    pub scale: f64,
}

fn default_scale() -> f64 {
    2.0
}

/// `adjust_mask` operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdjustOperation {
    /// Dilate.
    Expand,
    /// Erode.
    Shrink,
    /// Invert.
    Reverse,
}

/// Body of `POST /api/v1/adjust_mask`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AdjustMaskRequest {
    /// Mask (base64 or data URL).
    pub mask: String,
    /// Operation.
    pub operate: AdjustOperation,
    /// Kernel radius k (ellipse of (2k+1)²).
    #[serde(default = "default_kernel", deserialize_with = "lax::int")]
    pub kernel_size: i64,
}

fn default_kernel() -> i64 {
    5
}

/// Response of `POST /api/v1/gen-info`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct GenInfoResponse {
    /// Prompt from the PNG `parameters` text.
    pub prompt: String,
    /// Negative prompt.
    pub negative_prompt: String,
}

/// The file manager's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MediaTab {
    /// `--input` folder.
    Input,
    /// `--output-dir`.
    Output,
    /// `--mask-dir`.
    Mask,
}

/// One file in the file manager.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MediasResponse {
    /// File name.
    pub name: String,
    /// Height in pixels.
    pub height: u32,
    /// Width in pixels.
    pub width: u32,
    /// Creation (or change) time, seconds since the epoch.
    pub ctime: f64,
    /// Modification time, seconds since the epoch.
    pub mtime: f64,
}

/// Diffusion samplers, in IOPaint's order.
pub const SAMPLERS: &[&str] = &[
    "DPM++ 2M",
    "DPM++ 2M Karras",
    "DPM++ 2M SDE",
    "DPM++ 2M SDE Karras",
    "DPM++ SDE",
    "DPM++ SDE Karras",
    "DPM2",
    "DPM2 Karras",
    "DPM2 a",
    "DPM2 a Karras",
    "Euler",
    "Euler a",
    "Heun",
    "LMS",
    "LMS Karras",
    "DDIM",
    "PNDM",
    "UniPC",
    "LCM",
];

/// RemoveBG model ids (IOPaint's list).
pub const REMOVE_BG_MODELS: &[&str] = &[
    "briaai/RMBG-1.4",
    "briaai/RMBG-2.0",
    "u2net",
    "u2netp",
    "u2net_human_seg",
    "u2net_cloth_seg",
    "silueta",
    "isnet-general-use",
    "birefnet-general",
    "birefnet-general-lite",
    "birefnet-portrait",
    "birefnet-dis",
    "birefnet-hrsod",
    "birefnet-cod",
    "birefnet-massive",
];

/// RealESRGAN model ids.
pub const REALESRGAN_MODELS: &[&str] = &[
    "realesr-general-x4v3",
    "RealESRGAN_x4plus",
    "RealESRGAN_x4plus_anime_6B",
];

/// Interactive segmentation model ids.
pub const INTERACTIVE_SEG_MODELS: &[&str] = &[
    "vit_b",
    "vit_l",
    "vit_h",
    "mobile_sam",
    "sam_hq_vit_b",
    "sam_hq_vit_l",
    "sam_hq_vit_h",
    "sam2_tiny",
    "sam2_small",
    "sam2_base",
    "sam2_large",
    "sam2_1_tiny",
    "sam2_1_small",
    "sam2_1_base",
    "sam2_1_large",
];
