//! Index build time and size over synthetic documents recombined from the
//! fixture pages.
//!
//! ```text
//! [POLICYPRESS_SYNTHETIC_DOCS=10000] [POLICYPRESS_WRITE_SITE=dir] \
//!   cargo bench --bench search_synthetic
//! ```
//!
//! With `POLICYPRESS_WRITE_SITE` the index and a home and search page stay
//! in `dir`, for the browser tests at scale.

#[path = "../tests/search_support/mod.rs"]
mod search_support;

use std::path::PathBuf;
use std::time::Instant;

use policypress::search::{TokenCache, write_index};
use search_support::{synthetic_docs, write_pages};

fn main() {
    let count = std::env::var("POLICYPRESS_SYNTHETIC_DOCS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let docs = synthetic_docs(count);
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POLICYPRESS_WRITE_SITE").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    let text_bytes: usize = docs.iter().map(|d| d.title.len() + d.body.len() + d.answer.len() + d.summary.len()).sum();
    let started = Instant::now();
    let stats =
        write_index(&docs, &dir, None, true, |_| None, &Default::default(), &TokenCache::disabled()).unwrap().stats;
    let elapsed = started.elapsed();
    println!(
        "synthetic: {} docs ({} MB text) indexed in {:.2?}: {} files, {} bytes",
        stats.documents,
        text_bytes / 1_000_000,
        elapsed,
        stats.shard_files,
        stats.index_bytes
    );
    write_pages(&docs, &dir, false);
}
