use mend_models::cv2::{ns, telea};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n: u32 = a[1].parse().unwrap();
    let base = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cv2/astronaut.png")).unwrap().to_rgb8();
    let img = image::imageops::resize(&base, n, n, image::imageops::FilterType::Triangle);
    let side = (n as f64 * 0.32).round() as u32; let o = (n - side) / 2; let half = (n / 256).max(1);
    let mask = image::GrayImage::from_fn(n, n, |x, y| image::Luma([if ((o..o+side).contains(&x) && (o..o+side).contains(&y)) || x.abs_diff(n-1-y) <= half {255} else {0}]));
    for _ in 0..a[3].parse::<u32>().unwrap() {
        let t = std::time::Instant::now();
        let out = if a[2] == "ns" { ns::inpaint(&img, &mask, 4) } else { telea::inpaint(&img, &mask, 4) };
        eprintln!("{} {:?}", out.width(), t.elapsed());
    }
}
