//! Colour adjustments on RGBA8 pixels. Alpha is never changed.
//!
//! Order: exposure (in linear light) → contrast → brightness → saturation → gamma, each on
//! sRGB values normalised to `[0, 1]` except exposure.

/// The adjustment settings; [`Settings::default`] changes nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Added to every channel, in `[-1, 1]` of the full range.
    pub brightness: f32,
    /// Stretch around mid-grey: factor `1 + contrast`, in `[-1, 1]`.
    pub contrast: f32,
    /// 0 is greyscale, 1 unchanged, 2 doubly saturated.
    pub saturation: f32,
    /// Exposure in EV: linear light is multiplied by `2^exposure`.
    pub exposure: f32,
    /// Output is `v^(1/gamma)`: above 1 brightens mid-tones.
    pub gamma: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            brightness: 0.0,
            contrast: 0.0,
            saturation: 1.0,
            exposure: 0.0,
            gamma: 1.0,
        }
    }
}

fn srgb_to_linear(v: f32) -> f32 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

fn linear_to_srgb(v: f32) -> f32 {
    if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// The per-channel part (exposure, contrast, brightness) as a 256-entry table to `[0, 1]`.
fn channel_table(s: &Settings) -> [f32; 256] {
    let gain = s.exposure.exp2();
    let mut table = [0f32; 256];
    for (i, t) in table.iter_mut().enumerate() {
        let mut v = i as f32 / 255.0;
        if s.exposure != 0.0 {
            v = linear_to_srgb((srgb_to_linear(v) * gain).min(1.0));
        }
        v = (v - 0.5) * (1.0 + s.contrast) + 0.5;
        v += s.brightness;
        *t = v.clamp(0.0, 1.0);
    }
    table
}

fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Adjusts `pixels` (RGBA8) in place. When `only` is given (one byte per pixel), only pixels
/// whose value is above 127 change.
pub fn apply(pixels: &mut [u8], s: &Settings, only: Option<&[u8]>) {
    let table = channel_table(s);
    let inv_gamma = 1.0 / s.gamma.max(1e-3);
    for (i, px) in pixels.chunks_exact_mut(4).enumerate() {
        if let Some(mask) = only
            && mask.get(i).is_none_or(|&m| m <= 127)
        {
            continue;
        }
        let mut rgb = [
            table[px[0] as usize],
            table[px[1] as usize],
            table[px[2] as usize],
        ];
        if s.saturation != 1.0 {
            let luma = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
            for c in &mut rgb {
                *c = luma + (*c - luma) * s.saturation;
            }
        }
        for (dst, c) in px.iter_mut().zip(rgb) {
            let c = c.clamp(0.0, 1.0);
            *dst = to_u8(if inv_gamma == 1.0 {
                c
            } else {
                c.powf(inv_gamma)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> Vec<u8> {
        (0..=255u8).flat_map(|v| [v, 255 - v, v / 2, 200]).collect()
    }

    #[test]
    fn defaults_change_nothing() {
        let mut px = ramp();
        apply(&mut px, &Settings::default(), None);
        assert_eq!(px, ramp());
    }

    #[test]
    fn brightness_and_exposure_brighten_and_keep_alpha() {
        for s in [
            Settings {
                brightness: 0.2,
                ..Settings::default()
            },
            Settings {
                exposure: 1.0,
                ..Settings::default()
            },
            Settings {
                gamma: 2.0,
                ..Settings::default()
            },
        ] {
            let mut px = ramp();
            apply(&mut px, &s, None);
            for (a, b) in px.chunks(4).zip(ramp().chunks(4)) {
                assert!(a[0] >= b[0], "{s:?}");
                assert_eq!(a[3], 200);
            }
        }
        // One EV doubles linear light: sRGB 0.5 (≈ 0.214 linear) becomes ≈ 0.428 → ≈ 0.686.
        let mut px = vec![128, 128, 128, 255];
        apply(
            &mut px,
            &Settings {
                exposure: 1.0,
                ..Settings::default()
            },
            None,
        );
        assert!((174..=176).contains(&px[0]), "{px:?}");
    }

    #[test]
    fn zero_saturation_is_grey_and_contrast_minus_one_is_flat() {
        let mut px = vec![255, 0, 0, 255];
        apply(
            &mut px,
            &Settings {
                saturation: 0.0,
                ..Settings::default()
            },
            None,
        );
        assert_eq!(px[0], px[1]);
        assert_eq!(px[1], px[2]);
        let mut px = ramp();
        apply(
            &mut px,
            &Settings {
                contrast: -1.0,
                ..Settings::default()
            },
            None,
        );
        assert!(px.chunks(4).all(|p| p[0] == 128));
    }

    #[test]
    fn mask_limits_the_change() {
        let mut px = vec![100, 100, 100, 255, 100, 100, 100, 255];
        let s = Settings {
            brightness: 0.5,
            ..Settings::default()
        };
        apply(&mut px, &s, Some(&[0, 255]));
        assert_eq!(&px[..4], &[100, 100, 100, 255]);
        assert!(px[4] > 200);
    }
}
