//! The build's front-matter cache: front matter that an earlier build (or
//! import) parsed, by digest of the whole file, so that a build parses the
//! YAML of changed files only. It sits beside the output cache
//! ([`super::cache`]) and is as safe to delete.

use std::borrow::Cow;
use std::path::Path;

use rayon::prelude::*;

use crate::content::format::written_checksum;
use crate::content::{self, ContentError, ContentTree, ItemReader, Loaded};
use crate::fsutil::{ShardWrites, ShardedCache};
use crate::model::Item;

/// The cache's files under `dir` (`.policypress-cache/front-matter/`):
/// one line per file, `<kind>\t<digest>\t<pristine 0|1>\t<front matter as
/// JSON>`, sorted, each line in the shard its digest picks.
fn store(dir: &Path) -> ShardedCache {
    // Another version may read front matter differently.
    let recipe =
        xxhash_rust::xxh3::xxh3_64(concat!("policypress-front-matter-v2 ", env!("CARGO_PKG_VERSION")).as_bytes());
    ShardedCache::new(dir.to_path_buf(), b"PPFRONT2", recipe)
}

/// The shards' text; a shard that is not UTF-8 is damaged, and empty.
fn read_shards(store: &ShardedCache) -> Vec<String> {
    store.read().into_iter().map(|bytes| crate::text::utf8_string(bytes).unwrap_or_default()).collect()
}

/// The text of each shard whose lines differ from `previous`, by number.
fn changed_shards<'l>(previous: &[String], lines: impl IntoIterator<Item = &'l str>) -> Vec<(usize, Vec<u8>)> {
    ShardedCache::changed(
        lines,
        |line| line.split('\t').nth(1).and_then(|hex| u128::from_str_radix(hex, 16).ok()).unwrap_or(0),
        |line| *line,
        |n, lines| previous.get(n).map_or("", String::as_str).lines().eq(lines.iter().copied()),
        |lines| {
            let mut text = String::with_capacity(lines.iter().map(|line| line.len() + 1).sum());
            for line in lines {
                text.push_str(line);
                text.push('\n');
            }
            text.into_bytes()
        },
    )
}

/// [`load_tree`] for a build: front matter that an earlier build parsed is
/// taken from the cache in `dir` instead of parsed again. YAML parsing is
/// most of the cost of loading a large site, and most files are unchanged
/// from one build to the next. The returned update brings the cache up to
/// date.
pub fn load_tree_cached(content_dir: &Path, dir: &Path) -> (ContentTree, ShardWrites) {
    let store = store(dir);
    let previous = read_shards(&store);
    let cache = FrontMatterCache::parse(&previous);
    let (tree, lines) = content::load_tree_with(content_dir, &cache);
    let changed = changed_shards(&previous, lines.iter().map(|line| line.as_ref()));
    (tree, store.writes(changed))
}

/// Front matter of files just written, for [`FrontMatterLines::merge_into`]
/// the front-matter cache: the first build after an import then parses no
/// YAML for them (four seconds of a 100k-page build on two cores).
#[derive(Default)]
pub struct FrontMatterLines(Vec<String>);

impl FrontMatterLines {
    /// `text` is the file [`content::render_item`] made of `item`.
    pub fn add<T: Item>(&mut self, text: &str, item: &T) {
        let meta = item.meta_with_checksum(written_checksum(text));
        if let Ok(json) = serde_json::to_string(&meta) {
            self.0.push(FrontMatterCache::line(T::KIND.noun(), &FrontMatterCache::digest(text), true, &json));
        }
    }

    pub fn extend(&mut self, other: FrontMatterLines) {
        self.0.extend(other.0);
    }

    /// Adds the lines to the cache in `dir`, keeping what it holds.
    pub fn merge_into(self, dir: &Path) {
        let store = store(dir);
        let previous = read_shards(&store);
        let kept = previous.iter().flat_map(|shard| shard.lines());
        let changed = changed_shards(&previous, kept.chain(self.0.iter().map(String::as_str)));
        store.writes(changed).save();
    }
}

/// Parsed front matter by kind and digest of the whole file.
#[derive(Default)]
struct FrontMatterCache<'a> {
    /// By kind and digest: whether the file is pristine, its front matter,
    /// and its whole line.
    entries: rustc_hash::FxHashMap<(&'a str, &'a str), (bool, &'a str, &'a str)>,
}

impl<'a> FrontMatterCache<'a> {
    fn parse(shards: &'a [String]) -> FrontMatterCache<'a> {
        let entries = shards
            .par_iter()
            .flat_map_iter(|shard| shard.lines())
            .filter_map(|line| {
                let mut fields = line.splitn(4, '\t');
                let (kind, digest, pristine, json) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
                Some(((kind, digest), (pristine == "1", json, line)))
            })
            .collect();
        FrontMatterCache { entries }
    }

    /// `<kind>\t<digest>\t<pristine 0|1>\t<front matter as JSON>`.
    fn line(kind: &str, digest: &str, pristine: bool, json: &str) -> String {
        format!("{kind}\t{digest}\t{}\t{json}", u8::from(pristine))
    }

    fn digest(text: &str) -> String {
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
    }

    /// The file as `T`, from the cache if it holds the file's front matter.
    /// Also returns the file's cache line.
    fn read_cached<T: Item>(&self, path: &Path, text: &str) -> Result<(Loaded<T>, Option<Cow<'a, str>>), ContentError> {
        let digest = Self::digest(text);
        if let Some(&(pristine, json, line)) = self.entries.get(&(T::KIND.noun(), digest.as_str()))
            && let Ok(meta) = serde_json::from_str::<T::Meta>(json)
            && let Ok(doc) = content::split_document(path, text)
        {
            let loaded = Loaded {
                path: path.to_path_buf(),
                pristine,
                body_line: doc.body_line + T::lines_dropped_before(doc.body),
                item: T::assemble(meta, doc.body),
            };
            return Ok((loaded, Some(Cow::Borrowed(line))));
        }
        let loaded = content::parse::<T>(path, text)?;
        let line = serde_json::to_string(loaded.item.meta())
            .ok()
            .map(|json| Cow::Owned(Self::line(T::KIND.noun(), &digest, loaded.pristine, &json)));
        Ok((loaded, line))
    }
}

impl<'a> ItemReader for FrontMatterCache<'a> {
    type Line = Cow<'a, str>;
    fn read<T: Item>(&self, path: &Path, text: &str) -> Result<(Loaded<T>, Option<Cow<'a, str>>), ContentError> {
        self.read_cached(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{load_tree, render_document};
    use crate::model::ArticleMeta;
    use std::fs;
    use std::path::PathBuf;

    fn meta() -> ArticleMeta {
        ArticleMeta {
            title: "医保交完不用会清零吗".into(),
            slug: "yi-bao".into(),
            answer: None,
            date: Some("2025-04-20".parse().unwrap()),
            date_source: None,
            updated: None,
            regions: vec![],
            topics: vec!["个人账户".into()],
            relevant: true,
            draft: false,
            irrelevant_reason: None,
            disclaimer: Default::default(),
            notices: vec![],
            recommendations: vec![],
            source: None,
            checksum: None,
        }
    }

    /// What a build sees of a tree: every field of every item.
    fn snapshot(tree: &ContentTree) -> Vec<String> {
        let articles = tree.articles.iter().map(|a| format!("{:?}", (&a.path, &a.item, a.pristine, a.body_line)));
        let recs = tree.recommendations.iter().map(|r| format!("{:?}", (&r.path, &r.item, r.pristine, r.body_line)));
        articles.chain(recs).chain(tree.errors.iter().map(ToString::to_string)).collect()
    }

    #[test]
    fn cached_front_matter_loads_exactly_what_parsing_does() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let cache = dir.path().join("cache/front-matter");
        fs::create_dir_all(content.join("articles")).unwrap();
        fs::create_dir_all(content.join("recommendations")).unwrap();
        let mut full = meta();
        full.answer = Some("能用".into());
        full.regions = vec!["广东省/深圳市".into()];
        full.relevant = false;
        full.recommendations = vec!["a".into(), "b".into()];
        fs::write(content.join("articles/a.md"), render_document(&full, "正文\r\n")).unwrap();
        fs::write(content.join("articles/b.md"), "---\ntitle: 手写\nslug: b\n---\n正文\n").unwrap();
        fs::write(content.join("articles/broken.md"), "---\ntitle: [\n---\n").unwrap();
        fs::write(content.join("recommendations/r.md"), "---\ntitle: 片段\nslug: r\noccurrences: 3\n---\n 摘要 \n")
            .unwrap();
        let parsed = snapshot(&load_tree(&content));
        let files = || -> Vec<(PathBuf, Vec<u8>)> {
            let mut files: Vec<_> = fs::read_dir(&cache)
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .map(|path| (path.clone(), fs::read(path).unwrap()))
                .collect();
            files.sort();
            files
        };

        let (cold, update) = load_tree_cached(&content, &cache);
        update.save();
        let lines: usize = read_shards(&store(&cache)).iter().map(|shard| shard.lines().count()).sum();
        assert_eq!(lines, 3, "one line per parsed file");
        let written = files();
        let (warm, update) = load_tree_cached(&content, &cache);
        update.save();
        assert_eq!(snapshot(&cold), parsed);
        assert_eq!(snapshot(&warm), parsed);
        assert_eq!(files(), written, "nothing changed, nothing to save");

        fs::write(content.join("articles/b.md"), "---\ntitle: 改过\nslug: b\n---\n正文\n").unwrap();
        let (edited, update) = load_tree_cached(&content, &cache);
        update.save();
        assert_eq!(snapshot(&edited), snapshot(&load_tree(&content)));
        assert!(snapshot(&edited).iter().any(|item| item.contains("改过")));
        let rewritten = files().iter().zip(&written).filter(|(now, before)| now != before).count();
        assert!((1..=2).contains(&rewritten), "an edit rewrites the shards of its old and new line: {rewritten}");

        // A damaged cache costs a parse, never a wrong item.
        for (path, bytes) in files() {
            let text = String::from_utf8_lossy(&bytes).replace("\"title\"", "\"titel\"");
            fs::write(path, text).unwrap();
        }
        assert_eq!(snapshot(&load_tree_cached(&content, &cache).0), snapshot(&load_tree(&content)));
    }
}
