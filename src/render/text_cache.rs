//! The plain text and the lead sentence of every rendered body and
//! excerpt, by digest of its Markdown, in `.policypress-cache/body-text/`.
//! The search index, the cards and the nesting check need only these, so a
//! rebuild parses Markdown for the pages it writes instead of for every body.
//! Safe to delete: each of its files is trusted only whole, under a header
//! naming the renderer (what it makes of a fixed sample) and a checksum.
//!
//! ```text
//! <nn>.bin  entries whose digest % SHARDS == nn (see [`ShardedCache`])
//! header    MAGIC, xxh3 of the sample's text and nesting, xxh3 of the body
//! entry     digest (16 bytes), nesting offset + 1 or 0 (u64), text length (u64),
//!           lead length (u64), UTF-8 text, UTF-8 lead
//! ```

use std::path::Path;

use rayon::prelude::*;

use rustc_hash::FxHashMap as HashMap;
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::markdown_to_html;

use crate::fsutil::{ShardWrites, ShardedCache};

const MAGIC: &[u8; 8] = b"PPBODY03";
const ENTRY_HEAD: usize = 16 + 8 + 8 + 8;
/// Nests, links, escapes and breaks lines, as bodies do.
const SAMPLE: &str = "## 一、标题\n\n> 引用 **加粗** [链接](https://example.org) <b>x</b>\n\n1. 项\n   - 子项\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";

/// What a build keeps of one body, by the digest of its Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    pub digest: u128,
    pub text: &'a str,
    pub lead: &'a str,
    /// Where it nests too deep to publish.
    pub too_deep_at: Option<usize>,
}

/// Where an entry's text and lead lie in its shard, and its nesting.
struct Location {
    shard: usize,
    text: std::ops::Range<usize>,
    lead: std::ops::Range<usize>,
    too_deep_at: Option<usize>,
}

/// The texts a build rendered before.
pub struct TextCache {
    store: ShardedCache,
    shards: Vec<Vec<u8>>,
    index: HashMap<u128, Location>,
}

impl TextCache {
    /// The cache in `dir`; `fresh` ignores what it holds.
    pub fn load(dir: &Path, fresh: bool) -> TextCache {
        let store = ShardedCache::new(dir.to_path_buf(), MAGIC, renderer());
        let shards = if fresh { vec![Vec::new(); ShardedCache::SHARDS] } else { store.read() };
        let indexes: Vec<Vec<(u128, Location)>> =
            shards.par_iter().enumerate().map(|(n, body)| index(n, body).unwrap_or_default()).collect();
        TextCache { store, shards, index: indexes.into_iter().flatten().collect() }
    }

    pub fn digest(markdown: &str) -> u128 {
        xxh3_128(markdown.as_bytes())
    }

    /// The entry recorded for Markdown with `digest`.
    pub fn get(&self, digest: u128) -> Option<Entry<'_>> {
        let location = self.index.get(&digest)?;
        let bytes = self.shards.get(location.shard)?;
        let text = simdutf8::basic::from_utf8(bytes.get(location.text.clone())?).ok()?;
        let lead = simdutf8::basic::from_utf8(bytes.get(location.lead.clone())?).ok()?;
        Some(Entry { digest, text, lead, too_deep_at: location.too_deep_at })
    }

    /// The shards that must change to hold exactly `entries`.
    pub fn update(&self, entries: &[Entry<'_>]) -> ShardWrites {
        let mut held = vec![0usize; ShardedCache::SHARDS];
        for location in self.index.values() {
            held[location.shard] += 1;
        }
        let changed = ShardedCache::changed(
            entries,
            |entry| entry.digest,
            |entry| entry.digest,
            |n, entries| entries.len() == held[n] && entries.iter().all(|e| self.index.contains_key(&e.digest)),
            |entries| {
                let mut body =
                    Vec::with_capacity(entries.iter().map(|e| ENTRY_HEAD + e.text.len() + e.lead.len()).sum());
                for entry in entries {
                    body.extend_from_slice(&entry.digest.to_le_bytes());
                    body.extend_from_slice(&entry.too_deep_at.map_or(0, |at| at as u64 + 1).to_le_bytes());
                    body.extend_from_slice(&(entry.text.len() as u64).to_le_bytes());
                    body.extend_from_slice(&(entry.lead.len() as u64).to_le_bytes());
                    body.extend_from_slice(entry.text.as_bytes());
                    body.extend_from_slice(entry.lead.as_bytes());
                }
                body
            },
        );
        self.store.writes(changed)
    }
}

/// Names the renderer by what it makes of [`SAMPLE`].
fn renderer() -> u64 {
    let sample = markdown_to_html::render(SAMPLE);
    let mut named = sample.text.into_bytes();
    named.extend_from_slice(&sample.too_deep_at.map_or(0, |at| at as u64 + 1).to_le_bytes());
    named.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
    xxh3_64(&named)
}

/// The entries of shard `shard`, whose body is `bytes`; none if it is damaged.
fn index(shard: usize, bytes: &[u8]) -> Option<Vec<(u128, Location)>> {
    let mut index = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let head = bytes.get(at..at.checked_add(ENTRY_HEAD)?)?;
        let digest = u128::from_le_bytes(head[..16].try_into().ok()?);
        let nesting = u64::from_le_bytes(head[16..24].try_into().ok()?);
        let len = |at: usize| usize::try_from(u64::from_le_bytes(head[at..at + 8].try_into().ok()?)).ok();
        let text_start = at + ENTRY_HEAD;
        let lead_start = text_start.checked_add(len(24)?)?;
        let end = lead_start.checked_add(len(32)?).filter(|&end| end <= bytes.len())?;
        let too_deep_at = nesting.checked_sub(1).map(usize::try_from).transpose().ok()?;
        index.push((digest, Location { shard, text: text_start..lead_start, lead: lead_start..end, too_deep_at }));
        at = end;
    }
    Some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_texts_are_what_rendering_gives_and_a_damaged_file_gives_none() {
        let dir = tempfile::tempdir().unwrap();
        let deep = format!("{}x", "> ".repeat(markdown_to_html::MAX_NESTING + 2));
        let bodies = ["正文 **加粗**\n\n- 项", "", deep.as_str()];
        let rendered: Vec<_> = bodies.iter().map(|b| markdown_to_html::render(b)).collect();
        let leads = ["正文 加粗", "", "x"];
        let entries: Vec<Entry<'_>> = bodies
            .iter()
            .zip(&rendered)
            .zip(leads)
            .map(|((b, r), lead)| Entry {
                digest: TextCache::digest(b),
                text: &r.text,
                lead,
                too_deep_at: r.too_deep_at,
            })
            .collect();
        let update = TextCache::load(dir.path(), false).update(&entries);
        assert!(!update.is_empty());
        update.save();
        let cache = TextCache::load(dir.path(), false);
        for entry in &entries {
            assert_eq!(cache.get(entry.digest).as_ref(), Some(entry));
        }
        assert!(TextCache::load(dir.path(), true).get(entries[0].digest).is_none(), "fresh reads nothing");
        assert!(cache.update(&entries).is_empty(), "nothing changed, nothing to save");
        let shrunk = cache.update(&entries[..2]);
        assert_eq!(shrunk.len(), 1, "a body gone, its shard alone is rewritten");

        for file in std::fs::read_dir(dir.path()).unwrap() {
            let path = file.unwrap().path();
            let mut bytes = std::fs::read(&path).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            std::fs::write(&path, bytes).unwrap();
        }
        assert!(TextCache::load(dir.path(), false).get(TextCache::digest(bodies[0])).is_none());
    }
}
