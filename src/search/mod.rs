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
//!   consumers, short refs with each page's URL in its document store,
//!   bodies included while the file stays within [`MONOLITHIC_BUDGET`]
//!   (see [`elastic`]).
//!
//! Both are built from `u64` term keys ([`terms`]) rather than strings, in
//! parallel and streamed: 13k pages index in well under a second, 112k in a
//! few seconds with a couple of hundred megabytes beyond the documents.

mod elastic;
mod facets;
mod shards;
pub mod synonyms;
mod terms;
mod token_cache;
pub mod tokenize;

use std::borrow::Cow;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use shards::MemberBlocks;
pub use token_cache::TokenCache;
pub use tokenize::{query_terms, tokenize};

/// One searchable page. The body is borrowed where it can be: bodies are
/// most of a site's text, and the build holds them already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc<'a> {
    /// Site-root-relative URL without a leading slash, e.g. `articles/x/`.
    pub url: String,
    pub title: String,
    pub answer: String,
    pub body: Cow<'a, str>,
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    /// `article` or `recommendation`.
    pub kind: String,
    /// Short plain-text summary, the index's `search_index.zh.json` copy.
    pub summary: String,
    /// `YYYY-MM-DD`, or empty when the page has no date.
    pub date: String,
    /// Near-duplicate group (the dedup leader's slug); empty for none. The
    /// results page shows a group's matches as one entry.
    pub group: String,
}

/// What the client needs beside the index, written into the manifest: the
/// synonym groups it expands queries with, what an empty or fruitless
/// query offers instead of results, and the size of membership blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientData {
    pub synonyms: synonyms::Groups,
    /// `popular_searches` of `config.toml`.
    pub popular: Vec<String>,
    /// Name and site-root-relative URL of every topic with pages.
    pub topics: Vec<(String, String)>,
    pub member_blocks: MemberBlocks,
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
    /// Size of `search_index.zh.json`.
    pub monolithic_bytes: u64,
    /// Whether `search_index.zh.json` indexes bodies; false when it was not
    /// written.
    pub monolithic_bodies: bool,
    /// Terms whose postings this build worked out: every term, unless the
    /// last build's postings still stood, and then the terms the changed
    /// documents held or hold.
    pub merged_terms: usize,
}

/// Largest `search_index.zh.json` that indexes bodies: Cloudflare Pages'
/// limit per file, the smallest among common static hosts. Past it the
/// file covers titles, answers, regions and topics only.
pub const MONOLITHIC_BUDGET: u64 = 25 * 1024 * 1024;

/// The elasticlunr.js index, relative to the output directory.
pub const MONOLITHIC_FILE: &str = "search_index.zh.json";

/// The indexed fields, in the order the shards number them.
pub const FIELDS: [&str; 5] = ["title", "answer", "body", "regions", "topics"];

/// Query-time boost of each field in [`FIELDS`].
pub const BOOSTS: [u8; 5] = [3, 2, 1, 2, 2];

/// What [`write_index`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFiles {
    pub stats: SearchStats,
    /// Every file, as a `/`-separated path relative to the output directory.
    pub files: Vec<String>,
    /// Digest of everything `search_index.zh.json` was written from: equal
    /// digests mean equal files. On a large site, whose file leaves bodies
    /// out, a body edit keeps the digest.
    pub elasticlunr_digest: Option<[u8; 16]>,
}

/// Writes `search_index.zh.json`, `search/manifest.json`
/// and the shards into `out_dir`, hard-linking shard groups that have not
/// changed from `previous_out`, the site this one replaces. Output depends only on
/// the set of documents, not their order; of two documents with one URL the
/// one that sorts first is kept. `elasticlunr: false` leaves out
/// `search_index.zh.json`; otherwise `kept_elasticlunr` is asked for a
/// previous copy written from inputs with the given digest (see
/// [`IndexFiles::elasticlunr_digest`]), which is linked instead of rewritten.
/// `client` goes into the manifest. `tokens` holds the documents tokenized
/// by earlier builds (see [`TokenCache`]), and is updated.
pub fn write_index(
    docs: &[SearchDoc],
    out_dir: &Path,
    previous_out: Option<&Path>,
    elasticlunr: bool,
    kept_elasticlunr: impl Fn([u8; 16]) -> Option<PathBuf> + Sync,
    client: &ClientData,
    tokens: &TokenCache,
) -> io::Result<IndexFiles> {
    let docs = canonical(docs);
    fs::create_dir_all(out_dir)?;
    let previous_search = previous_out.map(|out| out.join("search"));
    // The elasticlunr file, planned (which tokenizes bodies until they
    // pass the budget) and written by one thread; the shards keep the other
    // cores busy meanwhile.
    let (written, (monolithic, plan)) = rayon::join(
        || shards::write(&docs, &out_dir.join("search"), previous_search.as_deref(), client, tokens),
        || {
            let plan = elasticlunr.then(|| elastic::plan(&docs, MONOLITHIC_BUDGET, tokens));
            let Some(plan) = plan else { return (Ok(elastic::Written { bytes: 0, bodies: false }), None) };
            let path = out_dir.join(MONOLITHIC_FILE);
            let written = match kept_elasticlunr(plan.digest) {
                Some(old) if fs::hard_link(&old, &path).is_ok() => elastic::read_back(&path),
                _ => elastic::write(&docs, &path, &plan),
            };
            (written, Some(plan))
        },
    );
    let (written, monolithic) = (written?, monolithic?);
    let stats = SearchStats {
        documents: docs.len(),
        index_bytes: written.bytes + monolithic.bytes,
        shard_files: written.files.len(),
        monolithic_bytes: monolithic.bytes,
        monolithic_bodies: monolithic.bodies,
        merged_terms: written.merged_terms,
    };
    let monolithic = elasticlunr.then(|| MONOLITHIC_FILE.to_string());
    let files = written.files.into_iter().map(|rel| format!("search/{rel}")).chain(monolithic);
    Ok(IndexFiles { stats, files: files.collect(), elasticlunr_digest: plan.map(|p| p.digest) })
}

/// One document per URL (of several, the first by content, so duplicates
/// resolve the same way whatever the input order), in facet order
/// ([`facets::order_key`]) then by URL. Document numbers in the shards are
/// positions in this list.
fn canonical<'d, 'a>(docs: &'d [SearchDoc<'a>]) -> Vec<&'d SearchDoc<'a>> {
    use rayon::prelude::*;
    let mut sorted: Vec<&SearchDoc<'a>> = docs.iter().collect();
    sorted.par_sort_by(|a, b| {
        (&a.url, &a.title, &a.answer, &a.body, &a.regions, &a.topics, &a.kind, &a.summary, &a.date, &a.group)
            .cmp(&(&b.url, &b.title, &b.answer, &b.body, &b.regions, &b.topics, &b.kind, &b.summary, &b.date, &b.group))
    });
    sorted.dedup_by(|later, first| later.url == first.url);
    // URLs are unique now, so the keys are, and any sort gives one order.
    let mut keyed: Vec<_> = sorted.into_par_iter().map(|d| ((facets::order_key(d), d.url.clone()), d)).collect();
    keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, d)| d).collect()
}

/// Field values of `doc` in [`FIELDS`] order, lists joined by spaces, as
/// elasticlunr-rs is given them in the reference test.
#[cfg(test)]
fn field_texts(doc: &SearchDoc) -> [String; 5] {
    [doc.title.clone(), doc.answer.clone(), doc.body.to_string(), doc.regions.join(" "), doc.topics.join(" ")]
}

/// Calls `f(field, text)` with the texts of `doc` in [`FIELDS`] order, list
/// items one at a time: tokens never span the space [`field_texts`] joins
/// them with, so the tokens are the same.
fn for_each_field(doc: &SearchDoc, mut f: impl FnMut(usize, &str)) {
    f(0, &doc.title);
    f(1, &doc.answer);
    f(2, &doc.body);
    doc.regions.iter().for_each(|r| f(3, r));
    doc.topics.iter().for_each(|t| f(4, t));
}

/// At most `max` characters of `text`, with `…` when something was cut.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
        None => text.to_string(),
    }
}
