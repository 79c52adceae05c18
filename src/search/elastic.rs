//! `search_index.zh.json`: a stock elasticlunr.js 0.9 index over our
//! tokenizer, `ref` = page URL.
//!
//! elasticlunr.js loads it with `elasticlunr.Index.load(json)`: the pipeline
//! is empty (stock JS registers no function for our tokenizer, and a name it
//! does not know makes `load` throw), so queries must be tokenized with
//! `tokenize` and joined by spaces before `index.search`. The document store
//! keeps what a result list shows, never bodies, and `searchOptions` is the
//! config object to pass as `index.search(query, searchOptions)` (field
//! boosts are applied at query time in elasticlunr).
//!
//! The JSON is written here, streamed field by field, byte for byte what
//! elasticlunr-rs 3 serializes for the same documents (a test holds the two
//! together): elasticlunr-rs keeps a `BTreeMap` tree with a `String` ref per
//! posting, which needed gigabytes for a large site.
//!
//! Size: every posting is `"<url>":{"tf":1.0}`, so the file is roughly
//! 80 bytes per (field, term, page). With [`Coverage::Full`] the 86 bundled
//! pages take 2.1 MB (0.13 MB gzipped), the 105 fixture pages of the JS
//! tests 2.4 MB (0.16 MB). Large sites get
//! [`Coverage::BodyPrefix`] (see `LARGE_SITE_BODY_CHARS`): titles, answers,
//! regions and topics only, 69 MB raw and 5.0 MB gzipped for 12,981 pages,
//! 625 MB and 50 MB for 111,972. Pages are still found by what their titles
//! and answers say; the sharded index (`shards`) covers bodies.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use super::shards::push_number;
use super::terms::{self, Key, KeyMap, LongWords, TermText};
use super::tokenize::scan;
use super::{BOOSTS, FIELDS, SearchDoc, for_each_field};

/// How much of each page the index covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Every field in full.
    Full,
    /// Title, answer, regions and topics in full; of the body only its first
    /// this many characters.
    BodyPrefix(usize),
}

/// One (term, document) pair of a field: the document and how often the
/// term occurs in the field.
#[derive(Clone, Copy)]
struct Entry {
    key: Key,
    doc: u32,
    count: u32,
}

/// A term's text and its entries, in document order.
type Node<'a> = (TermText<'a>, &'a [Entry]);

/// Writes the index over `docs` (canonical: unique, sorted URLs) to `path`,
/// returning its size. Built field by field and streamed, so memory is
/// bounded by the postings of one field.
pub(super) fn write(docs: &[&SearchDoc], coverage: Coverage, path: &Path) -> io::Result<u64> {
    if u32::try_from(docs.len()).is_err() {
        return Err(io::Error::other("more than 2^32 search documents"));
    }
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("index");
    let tmp = path.with_file_name(format!(".{file_name}.tmp"));
    let mut out = Counting { inner: BufWriter::with_capacity(1 << 20, File::create(&tmp)?), bytes: 0 };
    let refs: Vec<Vec<u8>> = docs.par_iter().map(|d| json_string(&d.url)).collect();
    let tf = TfCache::default();

    // Fields in name order, as the index object lists them.
    let mut order: Vec<usize> = (0..FIELDS.len()).collect();
    order.sort_by_key(|&f| FIELDS[f]);
    let mut lengths = vec![[0u32; 5]; docs.len()];
    out.write_all(b"{\"documentStore\":")?;
    // The store needs the field lengths, known only after tokenizing: index
    // first into a buffer file would cost a copy, so tokenize twice instead
    // (lengths alone are cheap).
    lengths.par_iter_mut().zip(docs).for_each_init(String::new, |word, (l, d)| {
        for_each_field(d, |field, text| {
            let text = covered(field, text, coverage);
            scan(text, word, |_| l[field] += 1);
        });
    });
    write_store(&mut out, docs, &refs, &lengths)?;
    drop(lengths);
    out.write_all(b",\"fields\":")?;
    serde_json::to_writer(&mut out, &FIELDS)?;
    out.write_all(b",\"index\":{")?;
    for (n, &field) in order.iter().enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        write_string(&mut out, FIELDS[field])?;
        out.write_all(b":{\"root\":")?;
        let long = LongWords::default();
        let mut entries: Vec<Entry> = docs
            .par_iter()
            .enumerate()
            .map_init(
                || (KeyMap::<u32>::default(), String::new()),
                |(counts, word), (doc, d)| {
                    counts.clear();
                    for_each_field(d, |f, text| {
                        if f == field {
                            scan(covered(f, text, coverage), word, |t| {
                                *counts.entry(terms::key(t, &long)).or_default() += 1
                            });
                        }
                    });
                    counts.iter().map(|(&key, &count)| Entry { key, doc: doc as u32, count }).collect::<Vec<_>>()
                },
            )
            .flatten_iter()
            .collect();
        entries.par_sort_unstable_by_key(|e| (e.key, e.doc));
        let long = long.into_words();
        let mut nodes: Vec<Node<'_>> =
            entries.chunk_by(|a, b| a.key == b.key).map(|g| (terms::text(g[0].key, &long), g)).collect();
        nodes.par_sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let mut buf = Vec::with_capacity(1 << 16);
        write_node(&mut out, &mut buf, &nodes, 0, &refs, &tf)?;
        out.write_all(&buf)?;
        out.write_all(b"}")?;
    }
    out.write_all(b"},\"lang\":\"ZhBigram\",\"pipeline\":[],\"ref\":\"url\",\"searchOptions\":{\"bool\":\"OR\",\"expand\":false,\"fields\":{")?;
    for (n, &field) in order.iter().enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        write_string(&mut out, FIELDS[field])?;
        out.write_all(b":{\"boost\":")?;
        write!(out, "{}", BOOSTS[field])?;
        out.write_all(b"}")?;
    }
    out.write_all(b"}},\"version\":\"0.9.5\"}")?;
    let bytes = out.bytes;
    out.inner.into_inner().map_err(io::IntoInnerError::into_error)?;
    fs::rename(&tmp, path)?;
    Ok(bytes)
}

/// A digest of everything [`write`] reads from `docs`: equal digests mean
/// byte-equal files. A body edit on a large site, whose index leaves bodies
/// out, keeps the digest, and the file can be kept rather than rewritten.
pub(super) fn input_digest(docs: &[&SearchDoc], coverage: Coverage) -> [u8; 16] {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut add = |text: &str| {
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    };
    add(env!("CARGO_PKG_VERSION"));
    add(&format!("{coverage:?}"));
    for doc in docs {
        for text in [doc.url.as_str(), &doc.kind, &doc.summary] {
            add(text);
        }
        for_each_field(doc, |field, text| {
            add(FIELDS[field]);
            add(covered(field, text, coverage));
        });
    }
    hasher.digest128().to_le_bytes()
}

/// The text of `field` the index covers.
fn covered(field: usize, text: &str, coverage: Coverage) -> &str {
    match coverage {
        Coverage::BodyPrefix(chars) if FIELDS[field] == "body" => {
            text.char_indices().nth(chars).map_or(text, |(end, _)| &text[..end])
        }
        _ => text,
    }
}

/// `{"docInfo":…,"docs":…,"length":n,"save":true}`.
fn write_store(out: &mut impl Write, docs: &[&SearchDoc], refs: &[Vec<u8>], lengths: &[[u32; 5]]) -> io::Result<()> {
    let mut order: Vec<usize> = (0..FIELDS.len()).collect();
    order.sort_by_key(|&f| FIELDS[f]);
    out.write_all(b"{\"docInfo\":{")?;
    let mut buf = Vec::new();
    for (n, (r, l)) in refs.iter().zip(lengths).enumerate() {
        buf.clear();
        if n > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(r);
        buf.push(b':');
        for (i, &f) in order.iter().enumerate() {
            buf.extend_from_slice(if i == 0 { b"{\"" } else { b",\"" });
            buf.extend_from_slice(FIELDS[f].as_bytes());
            buf.extend_from_slice(b"\":");
            push_number(&mut buf, u64::from(l[f]));
        }
        buf.push(b'}');
        out.write_all(&buf)?;
    }
    out.write_all(b"},\"docs\":{")?;
    for (n, (d, r)) in docs.iter().zip(refs).enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        out.write_all(r)?;
        // The keys in name order, as serde_json writes a map.
        out.write_all(b":{\"kind\":")?;
        write_string(out, &d.kind)?;
        out.write_all(b",\"regions\":")?;
        serde_json::to_writer(&mut *out, &d.regions)?;
        out.write_all(b",\"summary\":")?;
        write_string(out, &d.summary)?;
        out.write_all(b",\"title\":")?;
        write_string(out, &d.title)?;
        out.write_all(b",\"topics\":")?;
        serde_json::to_writer(&mut *out, &d.topics)?;
        out.write_all(b",\"url\":")?;
        out.write_all(r)?;
        out.write_all(b"}")?;
    }
    write!(out, "}},\"length\":{},\"save\":true}}", docs.len())
}

/// The trie node for the terms in `terms` (sorted by text), which all start
/// with the same `depth` characters; `terms[0]` is the node's own term when
/// it has exactly `depth` characters. Keys come in the order serde_json
/// gives a map: children up to `d`, then `df` and `docs`, then the rest.
fn write_node(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    terms: &[Node<'_>],
    depth: usize,
    refs: &[Vec<u8>],
    tf: &TfCache,
) -> io::Result<()> {
    let (own, rest): (&[Entry], _) = match terms.first() {
        Some((text, entries)) if text.as_str().chars().count() == depth => (entries, &terms[1..]),
        _ => (&[], terms),
    };
    let mut children: Vec<(char, &[Node<'_>])> = Vec::new();
    let mut rest = rest;
    while let Some((text, _)) = rest.first() {
        let c = text.as_str().chars().nth(depth).unwrap_or_default();
        let n = rest.iter().take_while(|(t, _)| t.as_str().chars().nth(depth) == Some(c)).count().max(1);
        children.push((c, &rest[..n]));
        rest = &rest[n..];
    }
    let child = |out: &mut dyn Write, buf: &mut Vec<u8>, c: char, group| -> io::Result<()> {
        buf.push(b'"');
        buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        buf.extend_from_slice(b"\":");
        write_node(out, buf, group, depth + 1, refs, tf)?;
        buf.push(b',');
        Ok(())
    };
    buf.push(b'{');
    let split = children.partition_point(|(c, _)| *c <= 'd');
    for &(c, group) in &children[..split] {
        child(out, buf, c, group)?;
    }
    buf.extend_from_slice(b"\"df\":");
    push_number(buf, own.len() as u64);
    buf.extend_from_slice(b",\"docs\":{");
    for (n, e) in own.iter().enumerate() {
        if n > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(&refs[e.doc as usize]);
        buf.extend_from_slice(b":{\"tf\":");
        tf.push(buf, e.count);
        buf.push(b'}');
    }
    buf.push(b'}');
    for &(c, group) in &children[split..] {
        buf.push(b',');
        child(out, buf, c, group)?;
        buf.pop();
    }
    buf.push(b'}');
    if buf.len() >= 1 << 16 {
        out.write_all(buf)?;
        buf.clear();
    }
    Ok(())
}

/// `sqrt(count)` as serde_json writes it (elasticlunr's term frequency).
struct TfCache(Vec<Vec<u8>>);

impl Default for TfCache {
    fn default() -> Self {
        TfCache((0..64).map(|n| serde_json::to_vec(&f64::from(n).sqrt()).unwrap_or_default()).collect())
    }
}

impl TfCache {
    fn push(&self, buf: &mut Vec<u8>, count: u32) {
        match self.0.get(count as usize) {
            Some(text) => buf.extend_from_slice(text),
            None => buf.extend_from_slice(&serde_json::to_vec(&f64::from(count).sqrt()).unwrap_or_default()),
        }
    }
}

fn json_string(text: &str) -> Vec<u8> {
    serde_json::to_vec(text).unwrap_or_default()
}

fn write_string(out: &mut impl Write, text: &str) -> io::Result<()> {
    serde_json::to_writer(out, text).map_err(io::Error::other)
}

/// Counts what passes through.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The index as elasticlunr-rs builds it, which this module used to call:
    /// the streamed writer must produce the same bytes.
    fn reference_json(docs: &[&SearchDoc]) -> String {
        use elasticlunr::{IndexBuilder, Language, Pipeline};

        struct Bigram;
        impl Language for Bigram {
            fn name(&self) -> String {
                "ZhBigram".into()
            }
            fn code(&self) -> String {
                "zh".into()
            }
            fn tokenize(&self, text: &str) -> Vec<String> {
                crate::search::tokenize(text)
            }
            fn make_pipeline(&self) -> Pipeline {
                Pipeline { queue: Vec::new() }
            }
        }

        let mut index =
            IndexBuilder::with_language(Box::new(Bigram)).set_ref("url").add_fields(FIELDS).save_docs(false).build();
        for doc in docs {
            index.add_doc(&doc.url, crate::search::field_texts(doc));
        }
        let mut value = serde_json::to_value(&index).unwrap();
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
        let store = value["documentStore"].as_object_mut().unwrap();
        store.insert("save".into(), Value::Bool(true));
        store.insert("docs".into(), Value::Object(stored));
        let fields: serde_json::Map<String, Value> =
            FIELDS.iter().zip(BOOSTS).map(|(f, b)| (f.to_string(), json!({ "boost": b }))).collect();
        value
            .as_object_mut()
            .unwrap()
            .insert("searchOptions".into(), json!({ "fields": fields, "bool": "OR", "expand": false }));
        value.to_string()
    }

    fn doc<'a>(url: &str, title: &str, body: &'a str) -> SearchDoc<'a> {
        SearchDoc {
            url: url.into(),
            title: title.into(),
            answer: String::new(),
            body: body.into(),
            regions: vec!["四川省/巴中市".into()],
            topics: vec!["缴费".into()],
            kind: "article".into(),
            summary: "摘要".into(),
            date: String::new(),
        }
    }

    fn written(docs: &[&SearchDoc], coverage: Coverage) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.json");
        let bytes = write(docs, coverage, &path).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(bytes, text.len() as u64);
        text
    }

    #[test]
    fn index_has_empty_pipeline_and_no_bodies() {
        let a = doc("a/", "医保个人账户怎么充值缴费", "不能直接充值的秘密正文");
        let json: Value = serde_json::from_str(&written(&[&a], Coverage::Full)).unwrap();
        assert_eq!(json["pipeline"], json!([]));
        assert_eq!(json["ref"], "url");
        let stored = &json["documentStore"]["docs"]["a/"];
        assert_eq!(stored["title"], "医保个人账户怎么充值缴费");
        assert!(!json["documentStore"].to_string().contains("秘密"));
        assert!(json["index"]["body"]["root"]["秘"]["密"]["docs"]["a/"].is_object());
        assert_eq!(json["searchOptions"]["fields"]["title"]["boost"], 3);
    }

    #[test]
    fn full_coverage_matches_elasticlunr_rs_byte_for_byte() {
        let mut a = doc(
            "a/",
            "ＡＰＰ d df docs e 医保医保 2025年",
            "d0 dd docs2 abc 0754-88521774 110101199003074514 \"引号\"\n正文正文正",
        );
        a.answer = "能。".into();
        a.topics.push("个人账户".into());
        let b = doc("b\"/", "医保 e", "");
        let c = doc(
            "c/",
            "",
            "医保 a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a",
        );
        let docs = [&a, &b, &c];
        assert_eq!(written(&docs, Coverage::Full), reference_json(&docs));
        assert_eq!(written(&[], Coverage::Full), reference_json(&[]));
    }

    #[test]
    fn body_prefix_coverage_indexes_the_start_of_bodies_only() {
        let a = doc("a/", "标题", "开头的话，然后是秘密");
        let text = written(&[&a], Coverage::BodyPrefix(4));
        let mut short = a.clone();
        short.body = "开头的话".into();
        assert_eq!(text, reference_json(&[&short]));
    }
}
