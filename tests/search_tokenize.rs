//! The tokenizer against `tests/search_vectors.json`, the file the Node test
//! (`tests/js/tokenize.test.mjs`) checks `search.js` against too. Run with
//! `POLICYPRESS_UPDATE_VECTORS=1` to rewrite the expectations from the Rust
//! side after a deliberate change, then review the diff.

use policypress::search::{query_terms, tokenize};
use serde_json::{Value, json};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search_vectors.json");

#[test]
fn tokenizer_matches_shared_vectors() {
    let text = std::fs::read_to_string(VECTORS).unwrap();
    let vectors: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(vectors.len() >= 30, "the vector file should cover at least 30 strings");
    if std::env::var_os("POLICYPRESS_UPDATE_VECTORS").is_some() {
        let updated: Vec<Value> = vectors
            .iter()
            .map(|v| {
                let input = v["input"].as_str().unwrap();
                json!({ "input": input, "tokens": tokenize(input), "query": query_terms(input) })
            })
            .collect();
        let mut out = serde_json::to_string_pretty(&updated).unwrap();
        out.push('\n');
        std::fs::write(VECTORS, out).unwrap();
        return;
    }
    for v in &vectors {
        let input = v["input"].as_str().unwrap();
        let tokens: Vec<String> = serde_json::from_value(v["tokens"].clone()).unwrap();
        let query: Vec<String> = serde_json::from_value(v["query"].clone()).unwrap();
        assert_eq!(tokenize(input), tokens, "tokens of {input:?}");
        assert_eq!(query_terms(input), query, "query terms of {input:?}");
    }
}
