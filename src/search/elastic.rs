//! `search_index.zh.json`: a stock elasticlunr.js 0.9 index over our
//! tokenizer, for other tools (the site's own search reads the shards).
//!
//! elasticlunr.js loads it with `elasticlunr.Index.load(json)`: the pipeline
//! is empty (stock JS registers no function for our tokenizer, and a name it
//! does not know makes `load` throw), so queries must be tokenized with
//! `tokenize` and joined by spaces before `index.search`. Refs are document
//! numbers in base 36 (`0`…`z`, `10`…); the document store (saved) maps each to the page's
//! `url` and `title`: `index.documentStore.getDoc(ref).url`. `searchOptions`
//! is the config object to pass as `index.search(query, searchOptions)`
//! (field boosts are applied at query time in elasticlunr).
//!
//! The JSON is streamed field by field, the body last: bodies are indexed
//! when the whole file then stays within a byte budget (25 MiB, what some
//! static hosts accept per file), otherwise the body field is left empty
//! and pages are found by titles, answers, regions and topics. The file
//! equals what elasticlunr-rs 3 serializes for the same documents, up to
//! key order and number spelling (a test holds the two together).
//!
//! Size: a posting is `"<ref>":{"tf":1}`, ~15 bytes with three-digit refs.
//! On the 10k-page benchmark site (12,981 documents, 757k postings without
//! bodies) the file is 14.4 MB; with the page URL as ref it was 69 MB.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use rayon::prelude::*;

use super::terms::{self, Key, KeyMap, LongWords, TermText};
use super::token_cache::{self, TokenCache};
use super::tokenize::scan;
use super::{BOOSTS, FIELDS, SearchDoc, for_each_field};

/// Position of the body in [`FIELDS`].
const BODY: usize = 2;

/// Longest term, in characters, the file indexes. elasticlunr's index is a
/// trie with one JSON object per character, so a 20,000-letter word would
/// nest 20,000 levels: deep enough to overflow the writer's recursion here
/// and the JSON parsers of browsers and serde_json (128 levels). No reader
/// searches for a word that long; the site's own search still finds it.
const MAX_TERM_CHARS: usize = 48;

/// Documents whose body postings are counted at once when deciding whether
/// bodies fit: the count stops at the first chunk over the budget, so a
/// large site pays for a fraction of its bodies, not all of them.
const BODY_CHUNK: usize = 512;

/// How the file starts; the flag is set once the body field is written,
/// in place, so both spellings take the same bytes. elasticlunr.js ignores
/// the key; other readers can tell from it whether bodies were indexed.
const BODIES_FALSE: &[u8] = b"{\"version\":\"0.9.5\",\"bodies\":false";
const BODIES_TRUE: &[u8] = b"{\"version\":\"0.9.5\",\"bodies\":true ";

/// What [`write`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Written {
    pub bytes: u64,
    /// Whether the body field is indexed.
    pub bodies: bool,
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

/// What the file will be written from, decided before writing so that an
/// unchanged file can be kept.
pub(super) struct Plan {
    budget: u64,
    /// False when the body postings alone would pass the budget: the file
    /// then depends on everything but the bodies.
    bodies_possible: bool,
    /// Equal digests mean byte-equal files.
    pub digest: [u8; 16],
}

/// The plan for `docs` (canonical: unique, sorted URLs) with bodies indexed
/// if the file then takes at most `budget` bytes. On a large site this
/// tokenizes only the first few hundred bodies, and a body edit keeps the
/// digest.
pub(super) fn plan(docs: &[&SearchDoc], budget: u64, tokens: &TokenCache) -> Plan {
    let bodies_possible = !bodies_exceed(docs, budget, tokens);
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut add = |text: &str| {
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    };
    add(env!("CARGO_PKG_VERSION"));
    add(&format!("{budget} {bodies_possible}"));
    for doc in docs {
        add(&doc.url);
        for_each_field(doc, |field, text| {
            if field != BODY || bodies_possible {
                add(FIELDS[field]);
                add(text);
            }
        });
    }
    Plan { budget, bodies_possible, digest: hasher.digest128().to_le_bytes() }
}

/// Writes the index over `docs` to `path` as `plan` says.
pub(super) fn write(docs: &[&SearchDoc], path: &Path, plan: &Plan) -> io::Result<Written> {
    if u32::try_from(docs.len()).is_err() {
        return Err(io::Error::other("more than 2^32 search documents"));
    }
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("index");
    let tmp = path.with_file_name(format!(".{file_name}.tmp"));
    let mut out = Counting { inner: BufWriter::with_capacity(1 << 20, File::create(&tmp)?), bytes: 0 };
    let refs: Vec<Vec<u8>> = (0..docs.len()).map(|n| format!("\"{}\"", short_ref(n)).into_bytes()).collect();
    let tf = TfCache::default();

    let mut lengths = vec![[0u32; 5]; docs.len()];
    lengths.par_iter_mut().zip(docs).for_each_init(String::new, |word, (l, d)| {
        for_each_field(d, |field, text| {
            if field != BODY {
                scan(text, word, |_| l[field] += 1);
            }
        });
    });
    out.write_all(BODIES_FALSE)?;
    out.write_all(b",\"fields\":")?;
    serde_json::to_writer(&mut out, &FIELDS)?;
    out.write_all(b",\"ref\":\"id\",\"lang\":\"ZhBigram\",\"pipeline\":[],\"searchOptions\":{\"bool\":\"OR\",\"expand\":false,\"fields\":{")?;
    for (n, field) in FIELDS.iter().enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        write_string(&mut out, field)?;
        write!(out, ":{{\"boost\":{}}}", BOOSTS[n])?;
    }
    out.write_all(b"}},\"index\":{")?;
    let mut buf = Vec::with_capacity(1 << 16);
    for field in (0..FIELDS.len()).filter(|&f| f != BODY) {
        write_string(&mut out, FIELDS[field])?;
        out.write_all(b":{\"root\":")?;
        let field_entries = entries(docs, field);
        write_root(&mut out, &mut buf, &field_entries, &refs, &tf)?;
        out.write_all(b"},")?;
    }
    write_string(&mut out, FIELDS[BODY])?;
    out.write_all(b":{\"root\":")?;
    // What is still to come besides the body: the store, with up to seven
    // digits of body length per document, and the closing brackets.
    let store_without_bodies = store(docs, &refs, &lengths);
    let rest = store_without_bodies.len() as u64 + 7 * docs.len() as u64 + 16;
    let room = plan.budget.saturating_sub(out.bytes + rest);
    let body = if plan.bodies_possible { body_root(docs, &refs, &tf, room, &mut lengths) } else { None };
    let bodies = body.is_some();
    match body {
        Some(root) => out.write_all(&root)?,
        None => out.write_all(b"{\"df\":0,\"docs\":{}}")?,
    }
    out.write_all(b"}},\"documentStore\":")?;
    if bodies {
        out.write_all(&store(docs, &refs, &lengths))?;
    } else {
        out.write_all(&store_without_bodies)?;
    }
    out.write_all(b"}")?;
    let bytes = out.bytes;
    let mut file = out.inner.into_inner().map_err(io::IntoInnerError::into_error)?;
    if bodies {
        file.seek(SeekFrom::Start(0))?;
        file.write_all(BODIES_TRUE)?;
    }
    drop(file);
    fs::rename(&tmp, path)?;
    Ok(Written { bytes, bodies })
}

/// Size and body flag of a file [`write`] wrote.
pub(super) fn read_back(path: &Path) -> io::Result<Written> {
    let mut head = [0u8; BODIES_TRUE.len()];
    let mut file = File::open(path)?;
    file.read_exact(&mut head)?;
    Ok(Written { bytes: file.metadata()?.len(), bodies: head == BODIES_TRUE })
}

/// The body field's trie, if it takes at most `room` bytes; fills in the
/// body lengths when it does.
fn body_root(
    docs: &[&SearchDoc],
    refs: &[Vec<u8>],
    tf: &TfCache,
    room: u64,
    lengths: &mut [[u32; 5]],
) -> Option<Vec<u8>> {
    if bodies_exceed(docs, room, &TokenCache::disabled()) {
        return None;
    }
    let body_entries = entries(docs, BODY);
    let mut root = Vec::new();
    let mut buf = Vec::new();
    write_root(&mut root, &mut buf, &body_entries, refs, tf).ok()?;
    if root.len() as u64 > room {
        return None;
    }
    for e in &body_entries.0 {
        lengths[e.doc as usize][BODY] += e.count;
    }
    Some(root)
}

/// Whether the body postings would take more than `limit` bytes, each at
/// least its ref and `:{"tf":1},`: a bound that rules out large sites
/// without building their postings. A document `tokens` holds is not
/// tokenized again: its entry says how many distinct terms its body has.
fn bodies_exceed(docs: &[&SearchDoc], limit: u64, tokens: &TokenCache) -> bool {
    let mut least = 0u64;
    for (chunk, first) in docs.chunks(BODY_CHUNK).zip((0..).step_by(BODY_CHUNK)) {
        least += chunk
            .par_iter()
            .enumerate()
            .map_init(
                || (KeyMap::<()>::default(), String::new(), LongWords::default()),
                |(seen, word, long), (n, d)| {
                    let distinct = match tokens.get(token_cache::digest(d)) {
                        Some(payload) => payload.terms_in(BODY),
                        None => {
                            seen.clear();
                            scan(&d.body, word, |t| {
                                seen.insert(terms::key(t, long), ());
                            });
                            seen.len()
                        }
                    };
                    let ref_len = short_ref(first + n).len() as u64 + 2;
                    distinct as u64 * (ref_len + 10)
                },
            )
            .sum::<u64>();
        if least > limit {
            return true;
        }
    }
    false
}

/// Every (term, document) pair of `field`, sorted by term key then document.
fn entries(docs: &[&SearchDoc], field: usize) -> (Vec<Entry>, Vec<String>) {
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
                        scan(text, word, |t| *counts.entry(terms::key(t, &long)).or_default() += 1);
                    }
                });
                counts.iter().map(|(&key, &count)| Entry { key, doc: doc as u32, count }).collect::<Vec<_>>()
            },
        )
        .flatten_iter()
        .collect();
    entries.par_sort_unstable_by_key(|e| (e.key, e.doc));
    (entries, long.into_words())
}

/// The trie of one field, its terms in text order.
fn write_root(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    (entries, long): &(Vec<Entry>, Vec<String>),
    refs: &[Vec<u8>],
    tf: &TfCache,
) -> io::Result<()> {
    let mut nodes: Vec<Node<'_>> = entries
        .chunk_by(|a, b| a.key == b.key)
        .map(|g| (terms::text(g[0].key, long), g))
        .filter(|(text, _)| text.as_str().chars().count() <= MAX_TERM_CHARS)
        .collect();
    nodes.par_sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    buf.clear();
    write_node(out, buf, &nodes, 0, refs, tf)?;
    out.write_all(buf)?;
    buf.clear();
    Ok(())
}

/// `{"docs":…,"docInfo":…,"length":n,"save":true}`: each document's url
/// and title, and its field lengths in tokens.
fn store(docs: &[&SearchDoc], refs: &[Vec<u8>], lengths: &[[u32; 5]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(docs.len() * 160);
    out.extend_from_slice(b"{\"docs\":{");
    for (n, (d, r)) in docs.iter().zip(refs).enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(r);
        out.extend_from_slice(b":{\"title\":");
        push_string(&mut out, &d.title);
        out.extend_from_slice(b",\"url\":");
        push_string(&mut out, &d.url);
        out.push(b'}');
    }
    out.extend_from_slice(b"},\"docInfo\":{");
    for (n, (r, l)) in refs.iter().zip(lengths).enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(r);
        out.push(b':');
        for (field, name) in FIELDS.iter().enumerate() {
            out.extend_from_slice(if field == 0 { b"{\"" } else { b",\"" });
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            push_number(&mut out, u64::from(l[field]));
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"},\"length\":");
    push_number(&mut out, docs.len() as u64);
    out.extend_from_slice(b",\"save\":true}");
    out
}

/// The trie node for the terms in `terms` (sorted by text), which all start
/// with the same `depth` characters; `terms[0]` is the node's own term when
/// it has exactly `depth` characters.
fn write_node(
    out: &mut dyn Write,
    buf: &mut Vec<u8>,
    terms: &[Node<'_>],
    depth: usize,
    refs: &[Vec<u8>],
    tf: &TfCache,
) -> io::Result<()> {
    let (own, mut rest): (&[Entry], _) = match terms.first() {
        Some((text, entries)) if text.as_str().chars().count() == depth => (entries, &terms[1..]),
        _ => (&[], terms),
    };
    buf.extend_from_slice(b"{\"df\":");
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
    while let Some((text, _)) = rest.first() {
        let c = text.as_str().chars().nth(depth).unwrap_or_default();
        let n = rest.iter().take_while(|(t, _)| t.as_str().chars().nth(depth) == Some(c)).count().max(1);
        buf.extend_from_slice(b",\"");
        buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        buf.extend_from_slice(b"\":");
        write_node(out, buf, &rest[..n], depth + 1, refs, tf)?;
        rest = &rest[n..];
    }
    buf.push(b'}');
    if buf.len() >= 1 << 16 {
        out.write_all(buf)?;
        buf.clear();
    }
    Ok(())
}

/// `sqrt(count)`, elasticlunr's term frequency, in the fewest digits that
/// read back as the same number.
struct TfCache(Vec<Vec<u8>>);

impl Default for TfCache {
    fn default() -> Self {
        TfCache((0..64).map(tf_text).collect())
    }
}

impl TfCache {
    fn push(&self, buf: &mut Vec<u8>, count: u32) {
        match self.0.get(count as usize) {
            Some(text) => buf.extend_from_slice(text),
            None => buf.extend_from_slice(&tf_text(count)),
        }
    }
}

fn tf_text(count: u32) -> Vec<u8> {
    let root = f64::from(count).sqrt();
    if root.fract() == 0.0 { (root as u64).to_string().into_bytes() } else { root.to_string().into_bytes() }
}

/// The ref of document `n`: its number in base 36, as short as a ref can
/// be while staying readable.
fn short_ref(mut n: usize) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

fn push_number(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(n.to_string().as_bytes());
}

fn push_string(out: &mut Vec<u8>, text: &str) {
    // Writing JSON into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
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

    /// The index as elasticlunr-rs builds it, which this module used to call,
    /// with the refs and stored fields this module writes.
    fn reference(docs: &[&SearchDoc]) -> Value {
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
            IndexBuilder::with_language(Box::new(Bigram)).set_ref("id").add_fields(FIELDS).save_docs(false).build();
        for (n, doc) in docs.iter().enumerate() {
            index.add_doc(&short_ref(n), crate::search::field_texts(doc));
        }
        let mut value = serde_json::to_value(&index).unwrap();
        let stored: serde_json::Map<String, Value> =
            docs.iter().enumerate().map(|(n, d)| (short_ref(n), json!({ "url": d.url, "title": d.title }))).collect();
        let store = value["documentStore"].as_object_mut().unwrap();
        store.insert("save".into(), Value::Bool(true));
        store.insert("docs".into(), Value::Object(stored));
        let fields: serde_json::Map<String, Value> =
            FIELDS.iter().zip(BOOSTS).map(|(f, b)| (f.to_string(), json!({ "boost": b }))).collect();
        let object = value.as_object_mut().unwrap();
        object.insert("searchOptions".into(), json!({ "fields": fields, "bool": "OR", "expand": false }));
        object.insert("bodies".into(), Value::Bool(true));
        numbers_as_f64(value)
    }

    /// `1` and `1.0` are one number to JavaScript.
    fn numbers_as_f64(value: Value) -> Value {
        match value {
            Value::Number(n) => json!(n.as_f64().unwrap()),
            Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
            Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect()),
            other => other,
        }
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
            group: String::new(),
        }
    }

    fn written(docs: &[&SearchDoc], budget: u64) -> (Value, Written) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.json");
        let written = write(docs, &path, &plan(docs, budget, &TokenCache::disabled())).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(written.bytes, text.len() as u64);
        assert_eq!(read_back(&path).unwrap(), written);
        (numbers_as_f64(serde_json::from_str(&text).unwrap()), written)
    }

    #[test]
    fn a_word_too_long_to_search_for_is_left_out_instead_of_nesting_the_file() {
        let long = "a".repeat(20_000);
        let a = doc("articles/a/", &long, &long);
        let (json, _) = written(&[&a], MB);
        assert_eq!(json["index"]["title"]["root"], json!({"df": 0.0, "docs": {}}));
        let limit = "b".repeat(MAX_TERM_CHARS);
        let b = doc("articles/b/", &limit, "");
        let (json, _) = written(&[&b], MB);
        let mut node = &json["index"]["title"]["root"];
        for _ in 0..MAX_TERM_CHARS {
            node = &node["b"];
        }
        assert!(node["docs"]["0"].is_object(), "a word at the limit is still indexed");
    }

    #[test]
    fn refs_count_in_base_36() {
        let refs: Vec<String> = [0, 9, 10, 35, 36, 1295, 1296].into_iter().map(short_ref).collect();
        assert_eq!(refs, ["0", "9", "a", "z", "10", "zz", "100"]);
    }

    #[test]
    fn refs_are_short_and_the_store_maps_them_to_url_and_title() {
        let a = doc("articles/a/", "医保个人账户怎么充值缴费", "不能直接充值的秘密正文");
        let (json, _) = written(&[&a], MB);
        assert_eq!(json["pipeline"], json!([]));
        assert_eq!(json["ref"], "id");
        assert_eq!(
            json["documentStore"]["docs"]["0"],
            json!({ "url": "articles/a/", "title": "医保个人账户怎么充值缴费" })
        );
        assert!(!json["documentStore"].to_string().contains("秘密"));
        assert!(json["index"]["body"]["root"]["秘"]["密"]["docs"]["0"].is_object());
        assert_eq!(json["searchOptions"]["fields"]["title"]["boost"], 3.0);
    }

    const MB: u64 = 1 << 20;

    #[test]
    fn matches_elasticlunr_rs_up_to_key_order_and_number_spelling() {
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
        assert_eq!(written(&docs, MB).0, reference(&docs));
        assert_eq!(written(&[], MB).0, reference(&[]));
    }

    #[test]
    fn bodies_are_left_out_when_they_would_break_the_budget() {
        let body = "职工医保个人账户的资金来源于个人缴费和单位缴费划入。".repeat(20);
        let docs: Vec<SearchDoc> =
            (0..50).map(|n| doc(&format!("articles/{n}/"), &format!("医保问题{n}"), &body)).collect();
        let docs: Vec<&SearchDoc> = docs.iter().collect();
        let (with, full) = written(&docs, MB);
        assert!(full.bodies);
        assert!(with["index"]["body"]["root"]["账"]["户"]["docs"]["7"].is_object());
        let (without, small) = written(&docs, full.bytes - 1);
        assert!(!small.bodies, "a file one byte over the budget drops bodies");
        assert!(small.bytes < full.bytes);
        assert_eq!(without["index"]["body"]["root"], json!({ "df": 0.0, "docs": {} }));
        assert!(without["index"]["title"]["root"]["医"]["保"]["docs"]["7"].is_object(), "titles still indexed");
        assert_eq!(without["bodies"], false);
        // The store's body lengths are reckoned at seven digits a document
        // before the body is built: that much room must be left.
        assert_eq!(written(&docs, full.bytes + 7 * 50 + 16).1, full);
    }

    #[test]
    fn the_token_cache_bounds_bodies_exactly_as_tokenizing_does() {
        let long = "b".repeat(300);
        let bodies = [
            "职工医保个人账户的资金来源于个人缴费和单位缴费划入。".to_string(),
            format!("{long} {long} 2025年 12393 热线 Policy policy"),
            "重复 重复 重复 医保 医保".to_string(),
            String::new(),
        ];
        let docs: Vec<SearchDoc> =
            bodies.iter().enumerate().map(|(n, body)| doc(&format!("articles/{n}/"), "问题", body)).collect();
        let docs: Vec<&SearchDoc> = docs.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        let (long_words, mut tf, mut word) = (LongWords::default(), KeyMap::default(), String::new());
        let entries: Vec<_> = docs
            .iter()
            .map(|d| (token_cache::digest(d), Some(token_cache::encode(d, &long_words, &mut tf, &mut word))))
            .collect();
        TokenCache::load(dir.path()).save(&entries);
        let cached = TokenCache::load(dir.path());
        assert!(docs.iter().all(|d| cached.get(token_cache::digest(d)).is_some()));
        let fresh = TokenCache::disabled();
        for limit in 0..2_000 {
            assert_eq!(bodies_exceed(&docs, limit, &cached), bodies_exceed(&docs, limit, &fresh), "at {limit} bytes");
        }
    }

    #[test]
    fn a_body_edit_keeps_the_digest_only_where_bodies_cannot_fit() {
        let body = "职工医保个人账户的资金来源于个人缴费和单位缴费划入。";
        let mut docs: Vec<SearchDoc> = (0..600).map(|n| doc(&format!("articles/{n}/"), "问题", body)).collect();
        let digests = |docs: &[SearchDoc], budget| {
            let docs: Vec<&SearchDoc> = docs.iter().collect();
            plan(&docs, budget, &TokenCache::disabled()).digest
        };
        let (roomy, tight) = (digests(&docs, MB), digests(&docs, 1000));
        docs[599].body = "城乡居民医保".into();
        assert_ne!(digests(&docs, MB), roomy, "bodies are indexed: the edit shows");
        assert_eq!(digests(&docs, 1000), tight, "bodies are left out: the file stays as it was");
    }
}
