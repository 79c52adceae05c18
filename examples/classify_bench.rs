//! Times classification and slugs at corpus scale. Run in release:
//!
//!     cargo run --release --example classify_bench
//!
//! Classifies 10,000 items (title, short answer, ~1.5 KB body) built from the sample
//! pages and slugifies 100,000 titles, printing the wall time of each.

use std::path::Path;
use std::time::Instant;

use policypress::classify::{Classifier, ClassifyInput, Gazetteer, TopicVocabulary};
use policypress::slug::slugify;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut titles: Vec<String> = Vec::new();
    let mut bodies: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(root.join("tests/fixtures/raw"))? {
        let text = std::fs::read_to_string(entry?.path())?;
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        titles.extend(lines.iter().filter(|l| l.chars().count() < 40).map(|l| l.trim().to_string()));
        let body: String = lines.concat();
        bodies.extend(body.chars().collect::<Vec<_>>().chunks(500).map(|c| c.iter().collect::<String>()));
    }
    let vocabulary = TopicVocabulary::load(&root.join("content/topics.yaml"))?;

    let start = Instant::now();
    let classifier = Classifier::new(vocabulary);
    Gazetteer::embedded();
    let setup = start.elapsed();

    let start = Instant::now();
    let mut tagged = 0;
    for i in 0..10_000 {
        let title = &titles[i % titles.len()];
        let body = &bodies[i % bodies.len()];
        let c = classifier.classify(ClassifyInput { title, answer: Some("可以"), body });
        tagged += c.regions.len() + c.topics.len();
    }
    let classify = start.elapsed();

    let start = Instant::now();
    let mut bytes = 0;
    for i in 0..100_000 {
        bytes += slugify(&titles[i % titles.len()]).len();
    }
    let slugs = start.elapsed();

    println!("setup (gazetteer, automata): {setup:?}");
    println!("classify 10,000 items (~{} B bodies): {classify:?} ({tagged} tags)", bodies[0].len());
    println!("slugify 100,000 titles: {slugs:?} ({bytes} bytes)");
    Ok(())
}
