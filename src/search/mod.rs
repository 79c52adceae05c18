//! Client-side search: the tokenizer the browser mirrors, and the index files
//! written beside the site.
//!
//! Two outputs, both built from the same tokens:
//!
//! * `search/manifest.json` plus `search/<generation>/…` shards — what
//!   `search.js` reads. A query downloads the manifest, one term chunk per
//!   query term and the metadata fragments of the results shown, so the
//!   cost of a query does not grow with the site (see [`shards`]).
//! * `search_index.zh.json` — one stock elasticlunr.js 0.9 index for other
//!   consumers, written for sites of at most [`MONOLITHIC_MAX_DOCS`] pages;
//!   past that it is tens of megabytes no browser should load and
//!   elasticlunr-rs's in-memory tree stops being cheap to build (see
//!   [`elastic`]).

mod elastic;
mod shards;
pub mod tokenize;

use std::fs;
use std::io;
use std::path::Path;

pub use tokenize::{query_terms, tokenize};

/// One searchable page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// Site-root-relative URL without a leading slash, e.g. `articles/x/`.
    pub url: String,
    pub title: String,
    pub answer: String,
    pub body: String,
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    /// `article` or `recommendation`.
    pub kind: String,
    /// Short plain-text summary shown in results.
    pub summary: String,
}

/// Sizes of what was written, for the build summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Distinct pages indexed (pages sharing a URL count once).
    pub documents: usize,
    /// Every byte written: manifest, shards and the elasticlunr index.
    pub index_bytes: u64,
    /// Files written under `search/`, the manifest included.
    pub shard_files: usize,
    /// Size of `search_index.zh.json`; 0 when the site was too large for it.
    pub monolithic_bytes: u64,
}

/// Sites above this many pages get no `search_index.zh.json`.
pub const MONOLITHIC_MAX_DOCS: usize = 1_000;

/// The indexed fields, in the order the shards number them.
pub const FIELDS: [&str; 5] = ["title", "answer", "body", "regions", "topics"];

/// Query-time boost of each field in [`FIELDS`].
pub const BOOSTS: [u8; 5] = [3, 2, 1, 2, 2];

/// Writes `search_index.zh.json` (small sites only), `search/manifest.json`
/// and the shards into `out_dir`. Output depends only on the set of
/// documents, not their order; of two documents with one URL the one that
/// sorts first is kept.
pub fn write_index(docs: &[SearchDoc], out_dir: &Path) -> io::Result<SearchStats> {
    let docs = canonical(docs);
    fs::create_dir_all(out_dir)?;
    let written = shards::write(&docs, &out_dir.join("search"))?;
    let monolithic_path = out_dir.join("search_index.zh.json");
    let monolithic_bytes = if docs.len() <= MONOLITHIC_MAX_DOCS {
        let json = elastic::index_json(&docs);
        crate::content::write_atomically(&monolithic_path, json.as_bytes())?;
        json.len() as u64
    } else {
        // A file left by an earlier, smaller build would describe other pages.
        match fs::remove_file(&monolithic_path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => 0,
        }
    };
    Ok(SearchStats {
        documents: docs.len(),
        index_bytes: written.bytes + monolithic_bytes,
        shard_files: written.files,
        monolithic_bytes,
    })
}

/// Documents sorted by URL (then content, so duplicates resolve the same way
/// whatever the input order), one per URL. Document numbers in the shards
/// are positions in this list.
fn canonical(docs: &[SearchDoc]) -> Vec<&SearchDoc> {
    let mut sorted: Vec<&SearchDoc> = docs.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.url, &a.title, &a.answer, &a.body, &a.regions, &a.topics, &a.kind, &a.summary)
            .cmp(&(&b.url, &b.title, &b.answer, &b.body, &b.regions, &b.topics, &b.kind, &b.summary))
    });
    sorted.dedup_by(|later, first| later.url == first.url);
    sorted
}

/// Field values of `doc` in [`FIELDS`] order, lists joined by spaces.
fn field_texts(doc: &SearchDoc) -> [String; 5] {
    [doc.title.clone(), doc.answer.clone(), doc.body.clone(), doc.regions.join(" "), doc.topics.join(" ")]
}

/// At most `max` characters of `text`, with `…` when something was cut.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
        None => text.to_string(),
    }
}
