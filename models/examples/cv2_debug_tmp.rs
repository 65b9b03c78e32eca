use mend_models::cv2::{ns, telea};
use mend_models::model::NoProgress;
fn main() {
    let d = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cv2/");
    let img = image::open(format!("{d}cat.png")).unwrap().to_rgb8();
    let mask = image::open(format!("{d}mask_border.png")).unwrap().to_luma8();
    for r in [1u32, 4] {
        let a = ns::inpaint(&img, &mask, r);
        a.save(format!("/tmp/mend_ns_r{r}.png")).unwrap();
        let b = telea::inpaint_with(&img, &mask, r, telea::Accumulation::OpenCv, &NoProgress).unwrap();
        b.save(format!("/tmp/mend_telea_r{r}.png")).unwrap();
    }
}
