//! The `mend` binary as a user runs it: `--version`, `list`, `run` (batch) and `start`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::ImageFormat;
use support::*;

fn mend() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mend"))
}

#[test]
fn version_and_list() {
    let out = mend().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));

    let models = temp_dir("list-models");
    let out = mend()
        .arg("list")
        .arg("--model-dir")
        .arg(&models)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let cv2 = text
        .lines()
        .find(|l| l.starts_with("cv2"))
        .expect("cv2 listed");
    assert!(cv2.contains("ready"), "{cv2}");
    let mat = text.lines().find(|l| l.starts_with("mat")).unwrap();
    assert!(mat.contains("unsupported"), "{mat}");
    let migan = text.lines().find(|l| l.starts_with("migan")).unwrap();
    assert!(migan.contains("needs_download"), "{migan}");
    assert!(text.lines().any(|l| l.starts_with("lama")));

    // A weights file in IOPaint's layout is seen as present.
    let checkpoints = models.join("torch/hub/checkpoints");
    std::fs::create_dir_all(&checkpoints).unwrap();
    std::fs::write(checkpoints.join("migan_traced.pt"), b"x").unwrap();
    let out = mend()
        .args(["list", "--json", "--model-dir"])
        .arg(&models)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json.as_array().unwrap();
    assert!(
        rows.iter()
            .any(|m| m["name"] == "cv2" && m["state"] == "ready")
    );
    let migan = rows.iter().find(|m| m["name"] == "migan").unwrap();
    assert_eq!(migan["weights_present"], true);
    assert_eq!(
        migan["files"][0]["path"],
        checkpoints.join("migan_traced.pt").display().to_string()
    );
    let lama = rows.iter().find(|m| m["name"] == "lama").unwrap();
    assert_eq!(lama["weights_present"], false);
    assert_eq!(lama["download_bytes"], 205_000_000);
    std::fs::remove_dir_all(models).ok();
}

#[test]
fn download_of_an_unreachable_file_names_url_and_target() {
    let models = temp_dir("dl-cli");
    // A closed port: the download fails at once with an actionable message.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/migan_traced.pt");
    let out = mend()
        .args(["download", "migan", "--model-dir"])
        .arg(&models)
        .env("MIGAN_MODEL_URL", &url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&url), "{err}");
    assert!(
        err.contains("torch/hub/checkpoints/migan_traced.pt"),
        "{err}"
    );
    std::fs::remove_dir_all(models).ok();
}

#[test]
fn run_inpaints_a_folder_and_reports_failures() {
    let root = temp_dir("batch");
    let (images, masks, output) = (root.join("images"), root.join("masks"), root.join("out"));
    std::fs::create_dir_all(&images).unwrap();
    std::fs::create_dir_all(&masks).unwrap();
    for (i, name) in ["one", "two", "three"].iter().enumerate() {
        let side = 40 + 8 * i as u32;
        std::fs::write(
            images.join(format!("{name}.png")),
            encode_rgb(&photo(side, side), ImageFormat::Png),
        )
        .unwrap();
        // Masks of another size are resized to the image (nearest), as IOPaint's batch mode.
        std::fs::write(
            masks.join(format!("{name}.png")),
            encode_gray_png(&rect_mask(20, 20, 5, 5, 12, 12)),
        )
        .unwrap();
    }
    std::fs::write(
        images.join("lonely.jpg"),
        encode_rgb(&photo(16, 16), ImageFormat::Jpeg),
    )
    .unwrap();

    let out = mend()
        .args(["run", "--model", "cv2", "--image"])
        .arg(&images)
        .arg("--mask")
        .arg(&masks)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("3 succeeded, 0 failed, 1 skipped"),
        "{stdout}"
    );
    for (i, name) in ["one", "two", "three"].iter().enumerate() {
        let img = image::open(output.join(format!("{name}.png"))).unwrap();
        assert_eq!(img.width(), 40 + 8 * i as u32);
    }

    // A broken image makes the run fail with a non-zero exit, after doing the rest.
    std::fs::write(images.join("broken.png"), b"\x89PNG\r\n\x1a\nbroken").unwrap();
    std::fs::write(
        masks.join("broken.png"),
        encode_gray_png(&rect_mask(8, 8, 1, 1, 4, 4)),
    )
    .unwrap();
    let out = mend()
        .args(["run", "--image"])
        .arg(&images)
        .arg("--mask")
        .arg(&masks)
        .arg("--output")
        .arg(&output)
        .arg("--concat")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("3 succeeded, 1 failed"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.png"));
    let concat = image::open(output.join("one.png")).unwrap();
    assert_eq!(
        concat.width(),
        3 * 40,
        "--concat writes original | mask | result"
    );

    let out = mend()
        .args(["run", "--image", "/no/such/dir", "--mask", "/x", "--output"])
        .arg(&output)
        .output()
        .unwrap();
    assert!(!out.status.success());
    std::fs::remove_dir_all(root).ok();
}

#[test]
fn start_is_ready_quickly_and_stops_on_sigterm() {
    let data = temp_dir("start");
    let port = free_port();
    let started = Instant::now();
    let mut child = mend()
        .args([
            "start",
            "--port",
            &port.to_string(),
            "--model",
            "cv2",
            "--device",
            "cpu",
            "--data-dir",
        ])
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/server-config");
    let client = reqwest::blocking_client();
    let mut ready = false;
    while started.elapsed() < Duration::from_secs(20) {
        if client(&url) == Some(200) {
            ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(ready, "server did not become ready");
    println!("ready after {:?}", started.elapsed());

    #[cfg(unix)]
    {
        Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "graceful shutdown exits 0, got {status}");
                break;
            }
            assert!(Instant::now() < deadline, "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    #[cfg(not(unix))]
    child.kill().ok();

    let out = mend()
        .args(["start", "--port", "0", "--model", "nope"])
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "an unknown model is a start-up error"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
    std::fs::remove_dir_all(data).ok();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

mod reqwest {
    /// A minimal blocking HTTP GET returning the status code (keeps the test free of a
    /// blocking HTTP client dependency).
    pub fn blocking_client() -> impl Fn(&str) -> Option<u16> {
        |url: &str| {
            use std::io::{Read, Write};
            let rest = url.strip_prefix("http://")?;
            let (host, path) = rest.split_once('/')?;
            let mut stream = std::net::TcpStream::connect(host).ok()?;
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(2)))
                .ok()?;
            write!(
                stream,
                "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            )
            .ok()?;
            let mut buf = String::new();
            stream.read_to_string(&mut buf).ok()?;
            buf.split_whitespace().nth(1)?.parse().ok()
        }
    }
}
