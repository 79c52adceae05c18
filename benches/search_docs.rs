//! Index build time and peak memory over a dump of real search documents.
//!
//! ```text
//! POLICYPRESS_SEARCH_DOCS=docs.json [POLICYPRESS_WRITE_SITE=dir] \
//!   cargo bench --bench search_docs
//! ```
//!
//! `docs.json` is an array of objects with the fields of `SearchDoc`. The
//! peak is the resident-set high-water mark of the index build alone (the
//! mark is reset after loading the documents, Linux only).

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use policypress::search::{SearchDoc, TokenCache, write_index};
use serde::Deserialize;

#[derive(Deserialize)]
struct Doc {
    url: String,
    title: String,
    answer: String,
    body: String,
    regions: Vec<String>,
    topics: Vec<String>,
    kind: String,
    summary: String,
}

/// `VmHWM` and `VmRSS` in kB.
fn memory() -> (u64, u64) {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn main() {
    let Some(path) = std::env::var_os("POLICYPRESS_SEARCH_DOCS") else {
        eprintln!("POLICYPRESS_SEARCH_DOCS is not set: nothing to measure");
        return;
    };
    let docs: Vec<Doc> = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    let docs: Vec<SearchDoc> = docs
        .into_iter()
        .map(|d| SearchDoc {
            url: d.url,
            title: d.title,
            answer: d.answer,
            body: d.body.into(),
            regions: d.regions,
            topics: d.topics,
            kind: d.kind,
            summary: d.summary,
            date: String::new(),
            group: String::new(),
        })
        .collect();
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POLICYPRESS_WRITE_SITE").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    let runs: usize = std::env::var("POLICYPRESS_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
    for _ in 0..runs {
        // Resets the high-water mark to the current RSS.
        let _ = fs::write("/proc/self/clear_refs", "5");
        let (_, base) = memory();
        let started = Instant::now();
        let stats =
            write_index(&docs, &dir, None, true, |_| None, &Default::default(), &TokenCache::disabled()).unwrap().stats;
        let elapsed = started.elapsed();
        let (peak, _) = memory();
        println!(
            "{} docs indexed in {:.2?}; peak RSS {} MB ({} MB above the loaded documents); {} files, {} bytes, \
             search_index.zh.json {} bytes",
            stats.documents,
            elapsed,
            peak / 1024,
            peak.saturating_sub(base) / 1024,
            stats.shard_files,
            stats.index_bytes,
            stats.monolithic_bytes
        );
    }
}
