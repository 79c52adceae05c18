//! Client-side search index.
//! (Provisional API skeleton: tokenizer, elasticlunr index and shards pending.)

use std::io;
use std::path::Path;

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
    pub documents: usize,
    pub index_bytes: u64,
}

/// Writes `search_index.zh.json` (and shards) into `out_dir`.
pub fn write_index(docs: &[SearchDoc], out_dir: &Path) -> io::Result<SearchStats> {
    let _ = (docs, out_dir);
    Ok(SearchStats::default())
}
