use mend_models::cv2::{ns, telea};
use mend_models::model::NoProgress;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    if let Ok(n) = a[1].parse::<u32>() {
        let base = image::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cv2/astronaut.png"
        ))
        .unwrap()
        .to_rgb8();
        let img = image::imageops::resize(&base, n, n, image::imageops::FilterType::Triangle);
        let side = (n as f64 * 0.32).round() as u32;
        let o = (n - side) / 2;
        let half = (n / 256).max(1);
        let mask = image::GrayImage::from_fn(n, n, |x, y| {
            image::Luma([
                if ((o..o + side).contains(&x) && (o..o + side).contains(&y))
                    || x.abs_diff(n - 1 - y) <= half
                {
                    255
                } else {
                    0
                },
            ])
        });
        for _ in 0..a[3].parse::<u32>().unwrap() {
            let t = std::time::Instant::now();
            let out = if a[2] == "ns" {
                ns::inpaint(&img, &mask, 4)
            } else {
                telea::inpaint(&img, &mask, 4)
            };
            eprintln!("{} {} {:?}", a[2], out.width(), t.elapsed());
        }
        return;
    }
    let img = image::open(&a[1]).unwrap().to_rgb8();
    let mask = image::open(&a[2]).unwrap().to_luma8();
    let r: u32 = a[3].parse().unwrap();
    let out = if a[4] == "ns" {
        ns::inpaint(&img, &mask, r)
    } else {
        telea::inpaint_with(&img, &mask, r, telea::Accumulation::OpenCv, &NoProgress).unwrap()
    };
    out.save(&a[5]).unwrap();
}
