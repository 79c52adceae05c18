//! The tokenizer against `tests/search_vectors.json`, the file the Node test
//! (`tests/js/tokenize.test.mjs`) checks `search.js` against too. Run with
//! `POLICYPRESS_UPDATE_VECTORS=1` to rewrite the expectations from the Rust
//! side after a deliberate change, then review the diff.

use policypress::classify::query_places;
use policypress::search::synonyms;
use policypress::search::tokenize::query_words;
use policypress::search::{query_terms, tokenize};
use serde_json::{Value, json};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search_vectors.json");
const SYNONYMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/content/synonyms.yaml");

#[test]
fn tokenizer_matches_shared_vectors() {
    let text = std::fs::read_to_string(VECTORS).unwrap();
    let vectors: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(vectors.len() >= 30, "the vector file should cover at least 30 strings");
    let groups = synonyms::parse(&std::fs::read_to_string(SYNONYMS).unwrap()).unwrap();
    if std::env::var_os("POLICYPRESS_UPDATE_VECTORS").is_some() {
        let updated: Vec<Value> = vectors
            .iter()
            .map(|v| {
                let input = v["input"].as_str().unwrap();
                json!({
                    "input": input,
                    "tokens": tokenize(input),
                    "query": query_terms(input),
                    "words": query_words(input, &groups),
                    "places": places(input, &groups),
                })
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
        let words: Vec<Vec<String>> = serde_json::from_value(v["words"].clone()).unwrap();
        assert_eq!(query_words(input, &groups), words, "query words of {input:?} with content/synonyms.yaml");
        let expected: Vec<String> = serde_json::from_value(v["places"].clone()).unwrap();
        assert_eq!(places(input, &groups), expected, "places named in {input:?}");
    }
}

/// Places a query names as `search.js` reads them: from the bigrams of its
/// words and their synonyms, the terms whose chunks it fetches.
fn places(query: &str, groups: &[Vec<String>]) -> Vec<String> {
    let mut known = std::collections::HashSet::new();
    for word in query_words(query, groups).iter().flatten() {
        let chars: Vec<char> = word.chars().collect();
        known.extend(chars.windows(2).map(|pair| pair.iter().collect::<String>()));
    }
    query_places(query, |bigram| known.contains(bigram))
}

#[test]
fn reader_words_meet_the_sites_words() {
    let groups = synonyms::parse(&std::fs::read_to_string(SYNONYMS).unwrap()).unwrap();
    assert!(groups.len() >= 40, "a starting list of at least 40 groups");
    let words = query_words("医保钱能取出来吗", &groups);
    let heads: Vec<&str> = words.iter().map(|w| w[0].as_str()).collect();
    assert_eq!(heads, ["医保", "钱", "取出来"], "question words are not required");
    assert!(words[2].contains(&"提现".to_string()), "取出来 also finds 提现");
    assert!(query_words("无业 外地", &groups).iter().flatten().any(|w| w == "没有工作"));
    assert_eq!(query_words("可以吗", &groups), [vec!["可以"], vec!["吗"]], "a query of question words only keeps them");
}
