//! Generates `KERNELS` distinct pixel kernels and a table of them, so the component carries a
//! few MB of real, reachable code (nothing for the optimiser to drop). The count comes from
//! `MEND_BIG_KERNELS` (default 13 500, about 2 MB).

use std::fmt::Write as _;

fn main() {
    let n: u32 = std::env::var("MEND_BIG_KERNELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(13_500);
    println!("cargo::rerun-if-env-changed=MEND_BIG_KERNELS");
    let mut src = String::new();
    for i in 0..n {
        let (a, r, sh, c, m) = (
            2_654_435_761u32.wrapping_mul(i + 1) | 1,
            i % 31 + 1,
            i % 7 + 1,
            i.wrapping_mul(40_503),
            i % 13 + 3,
        );
        let _ = writeln!(
            src,
            "#[inline(never)] fn k{i}(px: &mut [u8], s: u32) -> u32 {{ \
             let mut acc = {i}u32 ^ s; \
             for (j, p) in px.iter_mut().enumerate() {{ \
             let v = u32::from(*p).wrapping_mul({a}).wrapping_add(acc ^ (j as u32).rotate_left({r})); \
             acc = acc.wrapping_add(v >> {sh}) ^ {c}; \
             if v % {m} == 0 {{ *p = (v >> 3) as u8; }} else if v % {m} == 1 {{ *p = p.wrapping_add({sh}); }} \
             }} acc }}"
        );
    }
    let _ = writeln!(src, "pub const KERNELS: usize = {n};");
    let _ = write!(
        src,
        "pub static TABLE: [fn(&mut [u8], u32) -> u32; {n}] = ["
    );
    for i in 0..n {
        let _ = write!(src, "k{i},");
    }
    src.push_str("];\n");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out.join("kernels.rs"), src) {
        println!("cargo::error=writing kernels.rs: {e}");
    }
}
