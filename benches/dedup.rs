//! Dedup at scale: 10,000 pages × 20 recommendation blocks drawn from a pool
//! of 2,000 snippets with the source's variants, merged and grouped.
//!
//! `cargo bench --bench dedup` prints the times; it fails if the snippets do
//! not merge back into the 2,000 of the pool.

use std::fs;
use std::path::Path;
use std::time::Instant;

use policypress::dedup::{DedupInput, Merged, Sighting, group_near_duplicates, merge};
use policypress::import::page::parse_page;

/// The 100 snippets of the five real pages as sightings on their page.
fn originals() -> Vec<Sighting> {
    let raw = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/raw");
    let mut pages: Vec<_> = fs::read_dir(&raw).expect("tests/fixtures/raw").map(|e| e.expect("entry").path()).collect();
    pages.sort();
    pages
        .iter()
        .enumerate()
        .flat_map(|(page_id, path)| {
            let page = parse_page(&fs::read_to_string(path).expect("fixture")).expect("fixture parses");
            page.snippets.into_iter().map(move |s| Sighting {
                title: s.title,
                excerpt: s.excerpt,
                category: s.category,
                date: s.date,
                page: page_id as u32,
            })
        })
        .collect()
}

/// A tiny deterministic generator (xorshift) so the test needs no seed file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn main() {
    let originals = originals();
    let pool: Vec<Sighting> = (0..2000)
        .map(|i| {
            let base = &originals[i % originals.len()];
            Sighting {
                title: format!("{}（{}）", base.title, i / originals.len()),
                excerpt: format!("第{i}条：{}", base.excerpt),
                ..base.clone()
            }
        })
        .collect();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut sightings = Vec::with_capacity(200_000);
    for page in 0..10_000 {
        for _ in 0..20 {
            let s = &pool[rng.below(pool.len())];
            let chars: Vec<char> = s.excerpt.chars().collect();
            let mut v = s.clone();
            match rng.below(5) {
                0 => v.title = s.title.chars().flat_map(|c| [c, ' ']).collect(),
                1 => v.excerpt = chars[..10 + rng.below(chars.len() - 10)].iter().collect::<String>() + "…",
                2 => v.excerpt = s.excerpt.replace('，', ","),
                3 => v.date = Some(format!("2025-0{}-1{}", 1 + rng.below(9), rng.below(10)).parse().unwrap()),
                _ => {}
            }
            v.page = page;
            sightings.push(v);
        }
    }
    let started = Instant::now();
    let Merged { snippets: mut records, stats, .. } = merge(sightings.into_iter().map(DedupInput::sighting));
    let merged_in = started.elapsed();
    let groups = group_near_duplicates(&mut records);
    println!(
        "10,000 pages × 20 snippets: merged {} sightings into {} records in {:.2?}, grouped in {:.2?} ({groups} groups)",
        stats.inputs,
        records.len(),
        merged_in,
        started.elapsed() - merged_in
    );
    assert_eq!(records.len(), 2000, "variants merge back into the pool");
}
