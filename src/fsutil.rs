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

/// Frees `value` on a thread of its own. A site's worth of strings (the
/// content tree, the output's listings) took 70 ms to free on the serial
/// tail of a one-edit rebuild at 10k pages; a process that exits after
/// the build does not wait for it at all.
pub fn drop_aside<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// Writes through a temporary sibling and a rename, so a crash never leaves
/// a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = tmp_sibling(path);
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

/// Length of the frame [`seal`] puts before a cache file's body.
pub const SEAL_LEN: usize = 8 + 8 + 8;

/// A cache file's bytes: `magic`, `recipe` (a digest of what made the
/// body: format, program, renderer), a checksum of the body, the body.
pub fn seal(magic: &[u8; 8], recipe: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SEAL_LEN + body.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&recipe.to_le_bytes());
    out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// The body of a [`seal`]ed file, if it has `magic` and `recipe` and is
/// whole: a cache another version wrote, or a damaged one, reads as none.
pub fn unseal<'a>(bytes: &'a [u8], magic: &[u8; 8], recipe: u64) -> Option<&'a [u8]> {
    let (header, body) = bytes.split_at_checked(SEAL_LEN)?;
    let number = |at: usize| header[at..at + 8].try_into().map(u64::from_le_bytes).ok();
    let whole =
        &header[..8] == magic && number(8) == Some(recipe) && number(16) == Some(xxhash_rust::xxh3::xxh3_64(body));
    whole.then_some(body)
}

/// Writes a cache file, making its directory. A cache only saves time, so
/// one that cannot be written is removed rather than reported.
pub fn write_cache(path: &Path, bytes: &[u8]) {
    let written = path.parent().map_or(Ok(()), fs::create_dir_all).and_then(|()| write_atomically(path, bytes));
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
}

/// A cache kept as [`seal`]ed files `00.bin`, `01.bin`… in one directory,
/// its entries spread over them by digest: an edit then rewrites the one
/// or two files whose entries changed, not one file of every entry (tens
/// of megabytes at 10k pages, rebuilt and written on every rebuild).
#[derive(Debug, Clone)]
pub struct ShardedCache {
    dir: PathBuf,
    magic: [u8; 8],
    recipe: u64,
}

impl ShardedCache {
    /// Files an entry may be in.
    pub const SHARDS: usize = 32;

    pub fn new(dir: PathBuf, magic: &[u8; 8], recipe: u64) -> ShardedCache {
        ShardedCache { dir, magic: *magic, recipe }
    }

    /// The shard an entry with `digest` belongs in.
    pub fn shard_of(digest: u128) -> usize {
        (digest % Self::SHARDS as u128) as usize
    }

    /// Each shard's body, in order; empty when its file is missing, was
    /// written by another version or is damaged.
    pub fn read(&self) -> Vec<Vec<u8>> {
        use rayon::prelude::*;
        (0..Self::SHARDS)
            .into_par_iter()
            .map(|n| {
                let Ok(mut bytes) = fs::read(self.path(n)) else { return Vec::new() };
                if unseal(&bytes, &self.magic, self.recipe).is_none() {
                    return Vec::new();
                }
                bytes.drain(..SEAL_LEN);
                bytes
            })
            .collect()
    }

    /// The shards whose entries are not what they held, with their new
    /// bodies: `entries` go to the shard of their `digest`, are sorted and
    /// deduplicated by `key`, and each shard is `encode`d unless
    /// `unchanged(shard, its entries)`.
    pub fn changed<E: Send, K: Ord>(
        entries: impl IntoIterator<Item = E>,
        digest: impl Fn(&E) -> u128,
        key: impl Fn(&E) -> K + Sync,
        unchanged: impl Fn(usize, &[E]) -> bool + Sync,
        encode: impl Fn(&[E]) -> Vec<u8> + Sync,
    ) -> Vec<(usize, Vec<u8>)> {
        use rayon::prelude::*;
        let mut by_shard: Vec<Vec<E>> = (0..Self::SHARDS).map(|_| Vec::new()).collect();
        for entry in entries {
            by_shard[Self::shard_of(digest(&entry))].push(entry);
        }
        by_shard
            .into_par_iter()
            .enumerate()
            .filter_map(|(n, mut entries)| {
                entries.sort_unstable_by_key(&key);
                entries.dedup_by(|a, b| key(a) == key(b));
                (!unchanged(n, &entries)).then(|| (n, encode(&entries)))
            })
            .collect()
    }

    /// The new bodies of the shards in `changed` (by number), to be
    /// written when convenient.
    pub fn writes(&self, changed: Vec<(usize, Vec<u8>)>) -> ShardWrites {
        ShardWrites { store: self.clone(), changed }
    }

    fn path(&self, n: usize) -> PathBuf {
        self.dir.join(format!("{n:02}.bin"))
    }
}

/// Shards of a [`ShardedCache`] whose entries changed, with their new bodies.
pub struct ShardWrites {
    store: ShardedCache,
    changed: Vec<(usize, Vec<u8>)>,
}

impl ShardWrites {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
    }

    /// How many shards change.
    pub fn len(&self) -> usize {
        self.changed.len()
    }

    /// Writes the changed shards. A cache only saves time, so one that
    /// cannot be written is removed rather than reported.
    pub fn save(self) {
        for (n, body) in &self.changed {
            write_cache(&self.store.path(*n), &seal(&self.store.magic, self.store.recipe, body));
        }
    }
}
