//! Putting the model's output back into the picture.

use mend_sdk::{GrayMask, PluginError, Rgba8Image};

/// `output` inside the mask, `original` everywhere else (alpha from `original`). All three
/// must have the same size.
pub fn keep_unmasked(
    mut output: Rgba8Image,
    original: &Rgba8Image,
    mask: &GrayMask,
) -> Result<Rgba8Image, PluginError> {
    let size = (output.width(), output.height());
    if (original.width(), original.height()) != size || (mask.width(), mask.height()) != size {
        return Err(PluginError::invalid_input(format!(
            "output {}x{}, original {}x{} and mask {}x{} differ in size",
            size.0,
            size.1,
            original.width(),
            original.height(),
            mask.width(),
            mask.height()
        )));
    }
    let marked = mask.pixels().iter().map(|&m| m > GrayMask::THRESHOLD);
    for ((out, orig), fill) in output
        .pixels_mut()
        .chunks_exact_mut(4)
        .zip(original.pixels().chunks_exact(4))
        .zip(marked)
    {
        if fill {
            out[3] = orig[3];
        } else {
            out.copy_from_slice(orig);
        }
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_masked_pixels_come_from_the_output() {
        let original = Rgba8Image::filled(3, 2, [10, 20, 30, 200]).unwrap();
        let output = Rgba8Image::filled(3, 2, [99, 98, 97, 255]).unwrap();
        let mut mask = GrayMask::filled(3, 2, 0).unwrap();
        mask.set(1, 0, 255);
        mask.set(2, 1, 100); // below the threshold: kept
        let out = keep_unmasked(output, &original, &mask).unwrap();
        assert_eq!(out.pixel(1, 0), Some([99, 98, 97, 200]));
        assert_eq!(out.pixel(0, 0), Some([10, 20, 30, 200]));
        assert_eq!(out.pixel(2, 1), Some([10, 20, 30, 200]));
    }

    #[test]
    fn sizes_must_match() {
        let a = Rgba8Image::filled(2, 2, [0; 4]).unwrap();
        let b = Rgba8Image::filled(3, 2, [0; 4]).unwrap();
        let m = GrayMask::filled(2, 2, 0).unwrap();
        assert!(keep_unmasked(a, &b, &m).is_err());
    }

    #[test]
    fn growing_the_mask_covers_the_line_edge() {
        let mut mask = GrayMask::filled(7, 1, 0).unwrap();
        mask.set(3, 0, 255);
        mask.grow(2);
        let marked: Vec<bool> = (0..7).map(|x| mask.is_marked(x, 0)).collect();
        assert_eq!(marked, [false, true, true, true, true, true, false]);
    }
}
