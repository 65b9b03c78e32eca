//! Where a model's weight files live, in IOPaint's layout, so files IOPaint users already
//! downloaded are found as they are:
//!
//! `<model-dir>/torch/hub/checkpoints/<file name of the URL>`
//!
//! (`$TORCH_HOME/hub/checkpoints/` instead when `TORCH_HOME` is set, as torch hub does).
//! IOPaint's per-file overrides apply: `<PREFIX>_MODEL_URL` replaces the download URL — and
//! with it the file name — or, when it is not an `http(s)://` URL, names a local file used in
//! place (never downloaded); `<PREFIX>_MODEL_MD5` replaces the md5. An overridden URL without an
//! md5 override is not md5-checked (the catalogue's md5 describes the default file).

use std::path::{Path, PathBuf};

use crate::catalogue::{CatalogueEntry, WeightFile, url_file_name};

/// Looks up an environment variable (a closure so tests need not touch the process env).
pub type EnvLookup<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// The process environment (empty values count as unset).
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// One weight file of a model, resolved for this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFile {
    /// The catalogue's description of the file.
    pub spec: WeightFile,
    /// Where to download it from; `None` when an override names a local file.
    pub url: Option<String>,
    /// The md5 to check after a download, if any.
    pub md5: Option<String>,
    /// Where the file is, or will be once downloaded.
    pub path: PathBuf,
}

impl ResolvedFile {
    /// Whether the file is on disk.
    pub fn present(&self) -> bool {
        self.path.is_file()
    }
}

/// `<model-dir>/torch/hub/checkpoints`, or `$TORCH_HOME/hub/checkpoints`.
pub fn checkpoints_dir(model_dir: &Path, env: EnvLookup<'_>) -> PathBuf {
    env("TORCH_HOME").map_or_else(
        || model_dir.join("torch").join("hub").join("checkpoints"),
        |home| PathBuf::from(home).join("hub").join("checkpoints"),
    )
}

/// Resolves every file of `entry` (in load order).
pub fn resolve(entry: &CatalogueEntry, model_dir: &Path, env: EnvLookup<'_>) -> Vec<ResolvedFile> {
    let dir = checkpoints_dir(model_dir, env);
    entry
        .files
        .iter()
        .map(|spec| resolve_file(spec, &dir, env))
        .collect()
}

fn resolve_file(spec: &WeightFile, dir: &Path, env: EnvLookup<'_>) -> ResolvedFile {
    let FileLocation { url, md5, path } = locate(
        spec.env_prefix,
        spec.url,
        spec.md5,
        spec.file_name(),
        dir,
        env,
    );
    ResolvedFile {
        spec: *spec,
        url,
        md5,
        path,
    }
}

/// Where a weights file is and comes from, after the overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// Where to download it from; `None` when an override names a local file.
    pub url: Option<String>,
    /// The checksum to verify after a download, if any.
    pub md5: Option<String>,
    /// Where the file is, or will be once downloaded.
    pub path: PathBuf,
}

/// Applies the `<env_prefix>_MODEL_URL` / `_MODEL_MD5` overrides to a file whose default is
/// `url` (checksum `md5`), kept as `file_name` in `dir` (the checkpoints folder). Also serves
/// files that are not in the catalogue (a model-adapter plugin's).
pub fn locate(
    env_prefix: &str,
    url: &str,
    md5: &str,
    file_name: &str,
    dir: &Path,
    env: EnvLookup<'_>,
) -> FileLocation {
    let url_override = env(&format!("{env_prefix}_MODEL_URL"));
    let md5_override = env(&format!("{env_prefix}_MODEL_MD5"));
    match url_override {
        None => FileLocation {
            url: Some(url.to_owned()),
            md5: Some(md5_override.unwrap_or_else(|| md5.to_owned())),
            path: dir.join(file_name),
        },
        Some(url) if is_remote(&url) => FileLocation {
            path: dir.join(url_file_name(&url)),
            url: Some(url),
            md5: md5_override,
        },
        Some(local) => FileLocation {
            url: None,
            md5: md5_override,
            path: PathBuf::from(local.strip_prefix("file://").unwrap_or(&local)),
        },
    }
}

fn is_remote(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::catalogue::find;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn default_layout_is_iopaints() {
        let lama = find("lama").unwrap();
        let files = resolve(lama, Path::new("/m"), &env(&[]));
        assert_eq!(files.len(), 1);
        assert_eq!(
            files[0].path,
            Path::new("/m/torch/hub/checkpoints/big-lama.pt")
        );
        assert_eq!(files[0].url.as_deref(), Some(lama.files[0].url));
        assert_eq!(files[0].md5.as_deref(), Some(lama.files[0].md5));
        let torch_home = resolve(lama, Path::new("/m"), &env(&[("TORCH_HOME", "/t")]));
        assert_eq!(
            torch_home[0].path,
            Path::new("/t/hub/checkpoints/big-lama.pt")
        );
        assert!(resolve(find("cv2").unwrap(), Path::new("/m"), &env(&[])).is_empty());
    }

    #[test]
    fn env_overrides_url_md5_or_name_a_local_file() {
        let lama = find("lama").unwrap();
        let f = &resolve(
            lama,
            Path::new("/m"),
            &env(&[("LAMA_MODEL_URL", "http://mirror/x/my-lama.pt?sig=1")]),
        )[0];
        assert_eq!(f.path, Path::new("/m/torch/hub/checkpoints/my-lama.pt"));
        assert_eq!(
            f.md5, None,
            "a different file is not checked against the default md5"
        );
        let f = &resolve(
            lama,
            Path::new("/m"),
            &env(&[
                ("LAMA_MODEL_URL", "https://mirror/big-lama.pt"),
                ("LAMA_MODEL_MD5", "abc"),
            ]),
        )[0];
        assert_eq!(f.md5.as_deref(), Some("abc"));
        let f = &resolve(
            lama,
            Path::new("/m"),
            &env(&[("LAMA_MODEL_URL", "/weights/lama.pt")]),
        )[0];
        assert_eq!(f.url, None);
        assert_eq!(f.path, Path::new("/weights/lama.pt"));
        let f = &resolve(
            find("anime-lama").unwrap(),
            Path::new("/m"),
            &env(&[("LAMA_MODEL_URL", "/weights/lama.pt")]),
        )[0];
        assert!(f.url.is_some(), "overrides are per file prefix");
    }
}
