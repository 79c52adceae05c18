//! The built site on disk: its files, their hashes, and the bytes an
//! upload of each sends.

use std::io::Write;
use std::path::{Path, PathBuf};

use md5::Md5;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::DeployError;
use super::headers::headers;
use super::plan::{LocalFile, Stored};
use crate::text::hex;

/// Every file under `dir`, as (`/`-separated relative path, absolute
/// path), sorted by relative path. Symbolic links are not followed: a link
/// could publish a file from outside the site.
pub fn list(dir: &Path) -> Result<Vec<(String, PathBuf)>, DeployError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|err| DeployError::Local {
            path: err.path().unwrap_or(dir).to_path_buf(),
            message: err.to_string(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let Some(key) = relative.to_str() else {
            return Err(DeployError::Local {
                path: entry.path().to_path_buf(),
                message: "the file name is not UTF-8, so it has no URL; rename or remove it".into(),
            });
        };
        files.push((key.replace(std::path::MAIN_SEPARATOR, "/"), entry.into_path()));
    }
    Ok(files)
}

/// Hashes every file; with `verify`, also computes what its upload stores
/// (compressing with `gzip`), to compare with a listing.
pub fn describe(files: &[(String, PathBuf)], gzip: bool, verify: bool) -> Result<Vec<LocalFile>, DeployError> {
    files
        .par_iter()
        .map(|(key, path)| {
            let bytes = read(path)?;
            let stored = verify.then(|| {
                let body = body(key, bytes.clone(), gzip);
                Stored { size: body.len() as u64, md5: hex(&Md5::digest(&body)) }
            });
            Ok(LocalFile { path: key.clone(), sha256: hex(&Sha256::digest(&bytes)), size: bytes.len() as u64, stored })
        })
        .collect()
}

pub fn read(path: &Path) -> Result<Vec<u8>, DeployError> {
    std::fs::read(path).map_err(|err| DeployError::Local { path: path.to_path_buf(), message: err.to_string() })
}

/// The bytes stored for `key`: gzip-compressed text when `gzip`, else as is.
/// The gzip header carries no time or name, so the same file always gives
/// the same bytes (and the same ETag).
pub fn body(key: &str, bytes: Vec<u8>, gzip: bool) -> Vec<u8> {
    if !gzip || !headers(key).compressible {
        return bytes;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    encoder.write_all(&bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_bodies_are_deterministic_and_binary_files_left_alone() {
        let html = "<p>医保</p>".repeat(100).into_bytes();
        let first = body("a/index.html", html.clone(), true);
        assert_eq!(first, body("a/index.html", html.clone(), true));
        assert!(first.len() < html.len() / 5 && first.starts_with(&[0x1f, 0x8b]));
        assert_eq!(body("a/index.html", html.clone(), false), html);
        assert_eq!(body("logo.png", html.clone(), true), html);
    }

    #[test]
    fn listed_files_have_slash_separated_sorted_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("b/c/index.html"), "x").unwrap();
        std::fs::write(dir.path().join("a.css"), "y").unwrap();
        let keys: Vec<String> = list(dir.path()).unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a.css", "b/c/index.html"]);
        let described = describe(&list(dir.path()).unwrap(), false, true).unwrap();
        // md5("y")
        assert_eq!(described[0].stored.as_ref().unwrap().md5, "415290769594460e2e485922904f345d");
    }
}
