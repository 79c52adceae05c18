//! Incremental rebuilds. `.policypress-cache/pages.tsv` under the site root
//! remembers, for each page written into the output directory, a digest of
//! everything its bytes depend on (template set, template name, minify flag,
//! context JSON) and the size and mtime of the file written. A page whose
//! digest is unchanged and whose previous output file still has that size
//! and mtime is hard-linked from the previous site instead of rendered, so a
//! rebuild costs what changed, and its output equals a clean build's.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

pub const CACHE_DIR: &str = ".policypress-cache";
const PAGES_FILE: &str = "pages.tsv";
/// Bumped whenever rendering changes in a way the digest cannot see.
const FORMAT: &str = "policypress-pages-v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub digest: [u8; 16],
    pub len: u64,
    pub mtime_ns: u128,
}

impl Entry {
    /// The entry for `file` as just written with `digest`.
    pub fn of(path: &Path, digest: [u8; 16]) -> Option<Entry> {
        let meta = fs::metadata(path).ok()?;
        let mtime_ns = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
        Some(Entry { digest, len: meta.len(), mtime_ns })
    }

    /// Whether `path` is still the file this entry recorded.
    fn matches_file(&self, path: &Path) -> bool {
        Entry::of(path, self.digest).is_some_and(|now| now == *self)
    }
}

/// What the previous build left: its output directory and page entries.
#[derive(Debug, Default)]
pub struct Cache {
    previous_out: Option<PathBuf>,
    entries: HashMap<String, Entry>,
}

impl Cache {
    /// Loads the cache if it describes `out`; anything unreadable or stale
    /// means an empty cache, never an error: the cache only saves time.
    pub fn load(root: &Path, out: &Path) -> Cache {
        let Ok(text) = fs::read_to_string(root.join(CACHE_DIR).join(PAGES_FILE)) else {
            return Cache::default();
        };
        let mut lines = text.lines();
        let header = format!("{FORMAT}\t{}", out.display());
        if lines.next() != Some(header.as_str()) || !out.is_dir() {
            return Cache::default();
        }
        let entries = lines
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let (rel, digest, len, mtime) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
                let digest = parse_hex(digest)?;
                Some((rel.to_string(), Entry { digest, len: len.parse().ok()?, mtime_ns: mtime.parse().ok()? }))
            })
            .collect();
        Cache { previous_out: Some(out.to_path_buf()), entries }
    }

    /// The previous output file for `rel` if it can be reused as is.
    pub fn reusable(&self, rel: &str, digest: [u8; 16]) -> Option<PathBuf> {
        let previous = self.previous_out.as_ref()?;
        let entry = self.entries.get(rel).filter(|e| e.digest == digest)?;
        let path = previous.join(rel);
        entry.matches_file(&path).then_some(path)
    }

    /// Records the pages of the build just committed to `out`.
    pub fn save(root: &Path, out: &Path, mut entries: Vec<(String, Entry)>) -> io::Result<()> {
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut text = format!("{FORMAT}\t{}\n", out.display());
        for (rel, entry) in entries {
            text.push_str(&format!("{rel}\t{}\t{}\t{}\n", hex(&entry.digest), entry.len, entry.mtime_ns));
        }
        let dir = root.join(CACHE_DIR);
        fs::create_dir_all(&dir)?;
        crate::content::write_atomically(&dir.join(PAGES_FILE), text.as_bytes())
    }
}

/// Digest of what a page's bytes depend on. The context is streamed into
/// the hasher rather than serialized into a buffer first.
pub fn page_digest(templates: &[u8; 16], template: &str, minify: bool, context: &serde_json::Value) -> [u8; 16] {
    struct HashWriter(Sha256);
    impl Write for HashWriter {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut hasher = HashWriter(Sha256::new());
    hasher.0.update(FORMAT.as_bytes());
    hasher.0.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.0.update(templates);
    hasher.0.update([u8::from(minify)]);
    hasher.0.update(template.as_bytes());
    hasher.0.update([0]);
    // Writing JSON into a hasher cannot fail; a failure would only cost a miss.
    let _ = serde_json::to_writer(&mut hasher, context);
    truncate(hasher.0.finalize().as_slice())
}

/// Digest of every template name and source, in name order.
pub fn templates_digest<'a>(templates: impl Iterator<Item = (&'a str, &'a str)>) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for (name, text) in templates {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    truncate(hasher.finalize().as_slice())
}

fn truncate(digest: &[u8]) -> [u8; 16] {
    let mut out = [0; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex(text: &str) -> Option<[u8; 16]> {
    if text.len() != 32 {
        return None;
    }
    let mut out = [0; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_only_match_untouched_files() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("public");
        fs::create_dir_all(out.join("a")).unwrap();
        fs::write(out.join("a/index.html"), "page").unwrap();
        let digest = page_digest(&[1; 16], "article.html", true, &serde_json::json!({"title": "标题"}));
        let entry = Entry::of(&out.join("a/index.html"), digest).unwrap();
        Cache::save(root.path(), &out, vec![("a/index.html".into(), entry)]).unwrap();

        let cache = Cache::load(root.path(), &out);
        assert_eq!(cache.reusable("a/index.html", digest), Some(out.join("a/index.html")));
        let other = page_digest(&[1; 16], "article.html", true, &serde_json::json!({"title": "别的"}));
        assert_eq!(cache.reusable("a/index.html", other), None);
        assert_eq!(Cache::load(root.path(), &root.path().join("elsewhere")).reusable("a/index.html", digest), None);

        fs::write(out.join("a/index.html"), "edited by hand").unwrap();
        assert_eq!(cache.reusable("a/index.html", digest), None);
    }
}
