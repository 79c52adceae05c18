//! File-system helpers every stage shares: writes that never leave a
//! half-written file behind.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// New bytes for a file, written to a hidden sibling and waiting to replace
/// it. The sibling is in the same directory, so the replacing rename needs
/// no space and no permission the writing did not already prove.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
}

impl Staged {
    pub fn write(path: &Path, bytes: &[u8]) -> io::Result<Staged> {
        let tmp = tmp_sibling(path);
        if let Err(err) = fs::write(&tmp, bytes) {
            let _ = fs::remove_file(&tmp);
            return Err(err);
        }
        Ok(Staged { tmp, path: path.to_path_buf() })
    }

    /// Puts the file in place.
    pub fn commit(self) -> io::Result<()> {
        fs::rename(&self.tmp, &self.path).inspect_err(|_| {
            let _ = fs::remove_file(&self.tmp);
        })
    }

    /// Removes the staged bytes; the file stays as it was.
    pub fn discard(self) {
        let _ = fs::remove_file(&self.tmp);
    }
}

/// `.<name>.tmp` beside `path`: hidden, and not `.md`, so never read as content.
fn tmp_sibling(path: &Path) -> PathBuf {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{file_name}.tmp"))
}

/// Writes through a temporary sibling and a rename, so a crash never leaves
/// a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = tmp_sibling(path);
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}
