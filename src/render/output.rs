//! Atomic output: the site is written into a staging directory beside the
//! output directory and swapped in only once everything succeeded, so a
//! failed build leaves the previous site as it was.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::BuildError;

pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares `<out>.tmp-<pid>`, after making sure that replacing `out`
    /// later cannot destroy anything but a previously built site.
    pub fn new(out: &Path, root: &Path) -> Result<Staging, BuildError> {
        let name = out
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| BuildError::Output(format!("{} cannot be the output directory", out.display())))?;
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|source| BuildError::Io { path: parent.to_path_buf(), source })?;
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BuildError::Io { path, source }
        };
        let parent_abs = fs::canonicalize(parent).map_err(io_err(parent))?;
        let out_abs = parent_abs.join(name);
        let root_abs = fs::canonicalize(root).map_err(io_err(root))?;
        if root_abs.starts_with(&out_abs) {
            return Err(BuildError::Output(format!(
                "refusing to build into {}: it contains the site root {}",
                out.display(),
                root.display()
            )));
        }
        match fs::symlink_metadata(out) {
            Ok(meta) if !meta.is_dir() => {
                return Err(BuildError::Output(format!("{} exists and is not a directory", out.display())));
            }
            Ok(_) => {
                let empty = fs::read_dir(out).map_err(io_err(out))?.next().is_none();
                if !empty && !out.join("index.html").is_file() {
                    return Err(BuildError::Output(format!(
                        "refusing to replace {}: it is not empty and holds no index.html, so it does not look like a built site",
                        out.display()
                    )));
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(BuildError::Io { path: out.to_path_buf(), source }),
        }
        let dir = parent_abs.join(format!("{name}.tmp-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        Ok(Staging { dir, out: out_abs, committed: false })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Moves the old site aside, the new one in, then deletes the old one.
    pub fn commit(mut self) -> Result<(), BuildError> {
        let name = self.out.file_name().and_then(|n| n.to_str()).unwrap_or("public").to_string();
        let old = self.out.with_file_name(format!("{name}.old-{}", std::process::id()));
        let had_old = self.out.exists();
        if had_old {
            if old.exists() {
                fs::remove_dir_all(&old).map_err(|source| BuildError::Io { path: old.clone(), source })?;
            }
            fs::rename(&self.out, &old).map_err(|source| BuildError::Io { path: self.out.clone(), source })?;
        }
        if let Err(source) = fs::rename(&self.dir, &self.out) {
            if had_old {
                let _ = fs::rename(&old, &self.out);
            }
            return Err(BuildError::Io { path: self.out.clone(), source });
        }
        self.committed = true;
        if had_old {
            fs::remove_dir_all(&old).map_err(|source| BuildError::Io { path: old, source })?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Writes `bytes` to `dir/rel`, creating directories on the way.
pub fn write_file(dir: &Path, rel: &str, bytes: &[u8]) -> Result<(), BuildError> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|source| BuildError::Io { path: parent.to_path_buf(), source })?;
    }
    fs::write(&path, bytes).map_err(|source| BuildError::Io { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_replaces_the_root_or_a_foreign_directory() {
        let root = tempfile::tempdir().unwrap();
        assert!(matches!(Staging::new(root.path(), root.path()), Err(BuildError::Output(_))));
        let foreign = root.path().join("docs");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("notes.txt"), "keep").unwrap();
        assert!(matches!(Staging::new(&foreign, root.path()), Err(BuildError::Output(_))));
        assert!(foreign.join("notes.txt").exists());
    }

    #[test]
    fn commit_swaps_and_drop_cleans_up() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("public");
        let staging = Staging::new(&out, root.path()).unwrap();
        write_file(staging.dir(), "index.html", b"one").unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"one");

        let staging = Staging::new(&out, root.path()).unwrap();
        write_file(staging.dir(), "index.html", b"two").unwrap();
        let tmp = staging.dir().to_path_buf();
        drop(staging);
        assert!(!tmp.exists());
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"one");

        let staging = Staging::new(&out, root.path()).unwrap();
        write_file(staging.dir(), "index.html", b"three").unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"three");
        let leftovers: Vec<_> = fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("public")]);
    }
}
