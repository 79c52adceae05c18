//! Incremental rebuilds. `.policypress-cache/output-<hash of the output
//! directory's path>.tsv` under the site root lists every file the last
//! build wrote into that output directory (and those the build before wrote
//! that it dropped: the cache is written before the new site is installed,
//! so either site may be in place when the next build starts) and,
//! for each page, a digest of everything its bytes depend on (template set,
//! template name, minify flag, context JSON) and the size and mtime of the
//! file written. A page whose digest is unchanged and whose previous output
//! file still has that size and mtime is kept instead of rendered, and the
//! file list lets the output be patched in place (see [`super::output`]),
//! so a rebuild costs what changed, and its output equals a clean build's.

use rustc_hash::FxHashMap as HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::Xxh3;

use crate::site::RelatedLinks;
use crate::text::push_hex;

/// The related lists of the last build, by [`RelatedLinks::to_text`].
const RELATED_FILE: &str = "related.tsv";
/// Bumped whenever rendering changes in a way the digest cannot see.
const FORMAT: &str = "policypress-output-v4";
/// What every version's [`FORMAT`] starts with.
const FORMAT_FAMILY: &str = "policypress-output-v";
/// Second field of a line naming a file the build before the last wrote.
const RETIRED: &str = "retired";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// [`page_digest`]: everything the page's bytes depend on.
    pub digest: [u8; 16],
    /// [`quick_digest`]: the same inputs digested without building the
    /// page's context, so a page is kept without building it.
    pub quick: [u8; 16],
    pub len: u64,
    pub mtime_ns: u128,
}

impl Entry {
    /// The entry for `file` as just written with `digest`.
    pub fn of(path: &Path, digest: [u8; 16]) -> Option<Entry> {
        let meta = fs::metadata(path).ok()?;
        let mtime_ns = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
        Some(Entry { digest, quick: [0; 16], len: meta.len(), mtime_ns })
    }

    /// Whether `path` is still the file this entry recorded.
    fn matches_file(&self, path: &Path) -> bool {
        Entry::of(path, self.digest).is_some_and(|now| (now.len, now.mtime_ns) == (self.len, self.mtime_ns))
    }
}

/// What the previous build left: its output directory, its files and the
/// entries of its pages.
#[derive(Debug, Default)]
pub struct Cache {
    previous_out: Option<PathBuf>,
    entries: HashMap<String, Entry>,
    files: Vec<String>,
    retired: Vec<String>,
}

/// The related lists the last build computed, if readable from `cache_dir`.
pub fn load_related(cache_dir: &Path) -> Option<RelatedLinks> {
    RelatedLinks::parse(&fs::read_to_string(cache_dir.join(RELATED_FILE)).ok()?)
}

/// Keeps `related` for the next build, unless `previous` holds them already.
/// Failing to write costs only the next build's speed.
pub fn save_related(cache_dir: &Path, related: &RelatedLinks, previous: Option<&RelatedLinks>) {
    if previous.is_some_and(|p| p.digest == related.digest) {
        return;
    }
    if fs::create_dir_all(cache_dir).is_ok() {
        let _ = crate::fsutil::write_atomically(&cache_dir.join(RELATED_FILE), related.to_text().as_bytes());
    }
}

/// The cache file of output directory `out`: one per directory, so that
/// `serve`'s builds do not make `build` forget what it wrote into `public/`.
fn cache_file(cache_dir: &Path, out: &Path) -> PathBuf {
    per_output(cache_dir, out, "output", "tsv")
}

/// `<cache_dir>/<kind>-<hash of out>.<ext>`: a cache file of one output
/// directory.
pub fn per_output(cache_dir: &Path, out: &Path, kind: &str, ext: &str) -> PathBuf {
    let hash = xxhash_rust::xxh3::xxh3_64(out.as_os_str().as_encoded_bytes());
    cache_dir.join(format!("{kind}-{hash:016x}.{ext}"))
}

impl Cache {
    /// Loads the cache if it describes `out`; anything unreadable or stale
    /// means an empty cache, never an error (the build then renders every
    /// page, and takes over a non-empty `out` only with `--fresh`).
    pub fn load(cache_dir: &Path, out: &Path) -> Cache {
        let Ok(text) = fs::read_to_string(cache_file(cache_dir, out)) else {
            return Cache::default();
        };
        let mut lines = text.lines();
        // Another version's cache still says which files a build wrote
        // into `out` (its digests mean nothing to this one), so upgrading
        // the program never makes a site ask for `--fresh`.
        let Some((format, dir)) = lines.next().and_then(|header| header.split_once('\t')) else {
            return Cache::default();
        };
        if !format.starts_with(FORMAT_FAMILY) || dir != out.display().to_string() || !out.is_dir() {
            return Cache::default();
        }
        let same_format = format == FORMAT;
        let mut files = Vec::new();
        let mut retired = Vec::new();
        let mut entries = HashMap::default();
        for line in lines {
            let mut fields = line.split('\t');
            // A damaged line must not name the directory itself or a path
            // outside it.
            let Some(rel) = fields.next().filter(|rel| super::output::is_inside(rel)) else {
                return Cache::default();
            };
            let rest: Vec<&str> = fields.collect();
            if rest == [RETIRED] {
                retired.push(rel.to_string());
                continue;
            }
            files.push(rel.to_string());
            let entry = match rest[..] {
                [digest, quick, len, mtime] => (|| {
                    Some(Entry {
                        digest: parse_hex(digest)?,
                        quick: parse_hex(quick)?,
                        len: len.parse().ok()?,
                        mtime_ns: mtime.parse().ok()?,
                    })
                })(),
                _ => None,
            };
            if let Some(entry) = entry.filter(|_| same_format) {
                entries.insert(rel.to_string(), entry);
            }
        }
        Cache { previous_out: Some(out.to_path_buf()), entries, files, retired }
    }

    /// Every file the previous build wrote and those the build before it
    /// wrote and it dropped, if the cache describes the output directory;
    /// handed over once (it is 140k paths on a 100k-page site).
    pub fn take_previous_files(&mut self) -> Option<(Vec<String>, Vec<String>)> {
        self.previous_out.as_ref().map(|_| (std::mem::take(&mut self.files), std::mem::take(&mut self.retired)))
    }

    /// The previous output file for `rel` and its entry, if it can be
    /// reused as is.
    pub fn reusable(&self, rel: &str, digest: [u8; 16]) -> Option<(PathBuf, Entry)> {
        let previous = self.previous_out.as_ref()?;
        let entry = self.entries.get(rel).filter(|e| e.digest == digest)?;
        let path = previous.join(rel);
        entry.matches_file(&path).then_some((path, *entry))
    }

    /// Like [`Cache::reusable`], by the page's [`quick_digest`].
    pub fn reusable_quick(&self, rel: &str, quick: [u8; 16]) -> Option<(PathBuf, Entry)> {
        let previous = self.previous_out.as_ref()?;
        let entry = self.entries.get(rel).filter(|e| e.quick == quick)?;
        let path = previous.join(rel);
        entry.matches_file(&path).then_some((path, *entry))
    }

    /// Records the build about to be installed in `out`: all its `files`,
    /// the entries of those that are pages, and the `retired` files of the
    /// build it replaces.
    pub fn save(
        cache_dir: &Path,
        out: &Path,
        files: &[String],
        retired: &[String],
        entries: &HashMap<String, Entry>,
    ) -> io::Result<()> {
        use std::fmt::Write as _;
        let mut text = format!("{FORMAT}\t{}\n", out.display());
        text.reserve(files.len() * 100);
        for rel in files {
            text.push_str(rel);
            if let Some(entry) = entries.get(rel) {
                text.push('\t');
                push_hex(&mut text, &entry.digest);
                text.push('\t');
                push_hex(&mut text, &entry.quick);
                // Writing into a String cannot fail.
                let _ = write!(text, "\t{}\t{}", entry.len, entry.mtime_ns);
            }
            text.push('\n');
        }
        for rel in retired {
            text.push_str(rel);
            text.push('\t');
            text.push_str(RETIRED);
            text.push('\n');
        }
        let path = cache_file(cache_dir, out);
        fs::create_dir_all(cache_dir)?;
        crate::fsutil::write_atomically(&path, text.as_bytes())?;
        remove_orphans(cache_dir, &path);
        Ok(())
    }

    /// Forgets what was built into `out`, when the record cannot be kept
    /// up to date: the next build then asks for `--fresh`.
    pub fn invalidate(cache_dir: &Path, out: &Path) {
        let _ = fs::remove_file(cache_file(cache_dir, out));
    }
}

/// Removes the caches (the output cache and the spare's listing), other
/// than `keep`, of output directories that no longer exist, nor their
/// parents. Each `serve` builds into a temporary
/// directory of its own and left its cache behind (3.4 MB at 10k pages)
/// every time it ran.
fn remove_orphans(cache_dir: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(cache_dir) else { return };
    for path in entries.filter_map(Result::ok).map(|entry| entry.path()) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path == keep || !(name.starts_with("output-") && name.ends_with(".tsv")) {
            continue;
        }
        // A first build's output directory does not exist until it is
        // installed, after its cache is saved; its parent, which holds the
        // staging directory, does.
        let gone = |dir: &Path| !dir.exists() && !dir.parent().is_some_and(Path::exists);
        if let Some(dir) = output_dir_of(&path).filter(|dir| gone(dir)) {
            let _ = fs::remove_file(per_output(cache_dir, &dir, "spare", "bin"));
            let _ = fs::remove_file(&path);
        }
    }
}

/// The output directory a cache file describes, from its first line.
fn output_dir_of(cache: &Path) -> Option<PathBuf> {
    use std::io::{BufRead, BufReader, Read};
    let mut header = String::new();
    BufReader::new(fs::File::open(cache).ok()?.take(64 * 1024)).read_line(&mut header).ok()?;
    let (format, dir) = header.trim_end_matches('\n').split_once('\t')?;
    format.starts_with(FORMAT_FAMILY).then(|| PathBuf::from(dir))
}

/// An xxh3 hasher that serializers write into, so that what is digested
/// is streamed rather than collected in a buffer first.
#[derive(Default)]
pub struct HashWriter(pub Xxh3);

impl Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Digest of what a page's bytes depend on. The context is streamed into
/// the hasher rather than serialized into a buffer first.
pub fn page_digest(templates: &[u8; 16], template: &str, minify: bool, context: &serde_json::Value) -> [u8; 16] {
    let mut hasher = HashWriter::default();
    hasher.0.update(FORMAT.as_bytes());
    hasher.0.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.0.update(templates);
    hasher.0.update(&[u8::from(minify)]);
    hasher.0.update(template.as_bytes());
    hasher.0.update(&[0]);
    // Writing JSON into a hasher cannot fail; a failure would only cost a miss.
    let _ = serde_json::to_writer(&mut hasher, context);
    hasher.0.digest128().to_le_bytes()
}

/// Digest of what a page's bytes depend on, taken from its inputs instead
/// of its context: the site's fingerprint (everything but bodies, see
/// `Pages::fingerprint`), which page it is, and the body only it shows.
/// Equal quick digests mean equal [`page_digest`]s; unequal ones say
/// nothing, and the page's context decides.
pub fn quick_digest(
    templates: &[u8; 16],
    minify: bool,
    fingerprint: &[u8; 16],
    page: &str,
    own_text: Option<&str>,
) -> [u8; 16] {
    let mut hasher = Xxh3::new();
    hasher.update(FORMAT.as_bytes());
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(templates);
    hasher.update(&[u8::from(minify)]);
    hasher.update(fingerprint);
    hasher.update(&(page.len() as u64).to_le_bytes());
    hasher.update(page.as_bytes());
    if let Some(text) = own_text {
        hasher.update(&[1]);
        hasher.update(text.as_bytes());
    }
    hasher.digest128().to_le_bytes()
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
    fn saving_removes_the_caches_of_output_directories_that_are_gone() {
        let root = tempfile::tempdir().unwrap();
        let cache_dir = root.path().join("cache");
        let (public, gone, other) =
            (root.path().join("public"), root.path().join("serve-1/site"), root.path().join("b"));
        for dir in [&public, &gone, &other] {
            fs::create_dir_all(dir).unwrap();
            Cache::save(&cache_dir, dir, &["index.html".to_string()], &[], &HashMap::default()).unwrap();
        }
        fs::write(per_output(&cache_dir, &gone, "spare", "bin"), "its spare's listing").unwrap();
        fs::remove_dir_all(root.path().join("serve-1")).unwrap();
        // A first build saves its cache before its output directory exists.
        let first = root.path().join("serve-2/site");
        fs::create_dir_all(root.path().join("serve-2")).unwrap();
        Cache::save(&cache_dir, &first, &["index.html".to_string()], &[], &HashMap::default()).unwrap();
        fs::write(cache_dir.join("related.tsv"), "kept").unwrap();
        Cache::save(&cache_dir, &public, &["index.html".to_string()], &[], &HashMap::default()).unwrap();
        let mut names: Vec<String> =
            fs::read_dir(&cache_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        let mut expected = vec![
            cache_file(&cache_dir, &public).file_name().unwrap().to_string_lossy().into_owned(),
            cache_file(&cache_dir, &other).file_name().unwrap().to_string_lossy().into_owned(),
            cache_file(&cache_dir, &first).file_name().unwrap().to_string_lossy().into_owned(),
            "related.tsv".to_string(),
        ];
        expected.sort();
        assert_eq!(names, expected);
    }

    #[test]
    fn entries_round_trip_and_only_match_untouched_files() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("public");
        fs::create_dir_all(out.join("a")).unwrap();
        fs::write(out.join("a/index.html"), "page").unwrap();
        let digest = page_digest(&[1; 16], "article.html", true, &serde_json::json!({"title": "标题"}));
        let entry = Entry::of(&out.join("a/index.html"), digest).unwrap();
        let files = vec!["a/index.html".to_string(), "style.css".to_string()];
        let retired = vec!["gone/index.html".to_string()];
        Cache::save(root.path(), &out, &files, &retired, &HashMap::from_iter([("a/index.html".to_string(), entry)]))
            .unwrap();

        let mut cache = Cache::load(root.path(), &out);
        assert_eq!(cache.reusable("a/index.html", digest), Some((out.join("a/index.html"), entry)));
        assert_eq!(cache.take_previous_files(), Some((files, retired)));
        let other = page_digest(&[1; 16], "article.html", true, &serde_json::json!({"title": "别的"}));
        assert_eq!(cache.reusable("a/index.html", other), None);
        assert_eq!(Cache::load(root.path(), &root.path().join("elsewhere")).reusable("a/index.html", digest), None);

        fs::write(out.join("a/index.html"), "edited by hand").unwrap();
        assert_eq!(cache.reusable("a/index.html", digest), None);

        // Patch mode moves listed files out of `out`: a damaged list that
        // names `out` itself or anything outside it is no cache at all.
        for damaged in ["/tmp/victim.txt", "../site/config.toml", "a//b", "./index.html", "a/.."] {
            Cache::save(root.path(), &out, &[damaged.to_string()], &[], &HashMap::default()).unwrap();
            assert_eq!(Cache::load(root.path(), &out).take_previous_files(), None, "{damaged}");
        }
    }
}
