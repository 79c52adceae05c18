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
    /// The site being replaced, whose unchanged files are hard-linked
    /// rather than written again.
    previous: Option<PathBuf>,
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
        let mut previous = None;
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
                previous = (!empty).then(|| out_abs.clone());
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(BuildError::Io { path: out.to_path_buf(), source }),
        }
        let dir = parent_abs.join(format!("{name}.tmp-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        Ok(Staging { dir, out: out_abs, previous, committed: false })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Absolute path the site is committed to.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Writes `dir/rel`, or hard-links the previous site's file when its
    /// bytes are the same: on some disks freeing a file's blocks when the
    /// old site is deleted costs far more than writing it did.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), BuildError> {
        if let Some(old) = self.previous.as_ref().map(|p| p.join(rel)) {
            let same_len = fs::metadata(&old).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
            if same_len && fs::read(&old).is_ok_and(|old_bytes| old_bytes == bytes) && self.link(&old, rel).is_ok() {
                return Ok(());
            }
        }
        write_file(&self.dir, rel, bytes)
    }

    /// Hard-links an existing file into the staging directory as `rel`.
    pub fn link(&self, from: &Path, rel: &str) -> Result<(), BuildError> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| BuildError::Io { path: parent.to_path_buf(), source })?;
        }
        fs::hard_link(from, &path).map_err(|source| BuildError::Io { path, source })
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
            remove_tree(&old).map_err(|source| BuildError::Io { path: old, source })?;
        }
        Ok(())
    }
}

/// Deletes a directory tree, unlinking files from many threads at once:
/// freeing blocks waits on the disk, and concurrent unlinks overlap those
/// waits (three times faster than one thread on a disk mounted `discard`).
fn remove_tree(dir: &Path) -> io::Result<()> {
    const THREADS: usize = 16;
    let files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect();
    let chunk = files.len().div_ceil(THREADS).max(1);
    std::thread::scope(|scope| {
        for part in files.chunks(chunk) {
            scope.spawn(move || {
                for file in part {
                    let _ = fs::remove_file(file);
                }
            });
        }
    });
    fs::remove_dir_all(dir)
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
        staging.put("index.html", b"three").unwrap();
        staging.put("a/same.html", b"one").unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"three");

        // Unchanged files keep their inode; changed ones get a new file.
        use std::os::unix::fs::MetadataExt;
        let inode = |rel: &str| fs::metadata(out.join(rel)).unwrap().ino();
        let (index, same) = (inode("index.html"), inode("a/same.html"));
        let staging = Staging::new(&out, root.path()).unwrap();
        staging.put("index.html", b"four").unwrap();
        staging.put("a/same.html", b"one").unwrap();
        staging.commit().unwrap();
        assert_eq!(inode("a/same.html"), same);
        assert_ne!(inode("index.html"), index);
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"four");
        let leftovers: Vec<_> = fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("public")]);
    }
}
