//! `search_index.zh.json`: a stock elasticlunr.js 0.9 index built by
//! elasticlunr-rs with our tokenizer.
//!
//! elasticlunr.js loads it with `elasticlunr.Index.load(json)`: the pipeline
//! is empty (stock JS registers no function for our tokenizer, and a name it
//! does not know makes `load` throw), so queries must be tokenized with
//! `tokenize` and joined by spaces before `index.search`. The document store
//! keeps what a result list shows, never bodies, and `searchOptions` is the
//! config object to pass as `index.search(query, searchOptions)` (field
//! boosts are applied at query time in elasticlunr).

use elasticlunr::{IndexBuilder, Language, Pipeline};
use serde_json::{Value, json};

use super::{BOOSTS, FIELDS, SearchDoc, field_texts, tokenize};

/// Our tokenizer as an elasticlunr-rs language.
struct Bigram;

impl Language for Bigram {
    fn name(&self) -> String {
        "ZhBigram".into()
    }

    fn code(&self) -> String {
        "zh".into()
    }

    fn tokenize(&self, text: &str) -> Vec<String> {
        tokenize(text)
    }

    fn make_pipeline(&self) -> Pipeline {
        Pipeline { queue: Vec::new() }
    }
}

/// The serialized index over `docs` (already canonical: unique, sorted URLs).
pub(super) fn index_json(docs: &[&SearchDoc]) -> String {
    let mut index =
        IndexBuilder::with_language(Box::new(Bigram)).set_ref("url").add_fields(FIELDS).save_docs(false).build();
    for doc in docs {
        index.add_doc(&doc.url, field_texts(doc));
    }
    let mut value = serde_json::to_value(&index).unwrap_or(Value::Null);
    let stored: serde_json::Map<String, Value> = docs
        .iter()
        .map(|d| {
            let fields = json!({
                "url": d.url, "title": d.title, "summary": d.summary, "kind": d.kind,
                "regions": d.regions, "topics": d.topics,
            });
            (d.url.clone(), fields)
        })
        .collect();
    if let Some(store) = value.get_mut("documentStore").and_then(Value::as_object_mut) {
        store.insert("save".into(), Value::Bool(true));
        store.insert("docs".into(), Value::Object(stored));
    }
    let fields: serde_json::Map<String, Value> =
        FIELDS.iter().zip(BOOSTS).map(|(f, b)| (f.to_string(), json!({ "boost": b }))).collect();
    if let Some(top) = value.as_object_mut() {
        top.insert("searchOptions".into(), json!({ "fields": fields, "bool": "OR", "expand": false }));
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(url: &str, title: &str, body: &str) -> SearchDoc {
        SearchDoc {
            url: url.into(),
            title: title.into(),
            answer: String::new(),
            body: body.into(),
            regions: vec!["四川省/巴中市".into()],
            topics: vec!["缴费".into()],
            kind: "article".into(),
            summary: "摘要".into(),
        }
    }

    #[test]
    fn index_has_empty_pipeline_and_no_bodies() {
        let a = doc("a/", "医保个人账户怎么充值缴费", "不能直接充值的秘密正文");
        let json: Value = serde_json::from_str(&index_json(&[&a])).unwrap();
        assert_eq!(json["pipeline"], json!([]));
        assert_eq!(json["ref"], "url");
        let stored = &json["documentStore"]["docs"]["a/"];
        assert_eq!(stored["title"], "医保个人账户怎么充值缴费");
        assert!(!json["documentStore"].to_string().contains("秘密"));
        assert!(json["index"]["body"]["root"]["秘"]["密"]["docs"]["a/"].is_object());
        assert_eq!(json["searchOptions"]["fields"]["title"]["boost"], 3);
    }
}
