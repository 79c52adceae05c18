//! The sharded index `search.js` reads: a tiny manifest, term chunks and
//! document fragments, so that a query fetches a few kilobytes however
//! large the site is.
//!
//! ```text
//! search/manifest.json            fixed name, small; names the generation
//! search/<gen>/t/<bucket>.json    terms whose FNV-1a hash % buckets == bucket
//! search/<gen>/d/<n>.json         metadata of documents n*FRAGMENT_DOCS ..
//! ```
//!
//! `<gen>` is a hash of every shard file, so shard URLs are immutable and
//! cacheable forever while the manifest is the one file that changes. One
//! hash for the whole set rather than one per file costs nothing in cache
//! hits (document numbers are positions in the URL-sorted list, so adding a
//! page rewrites nearly every chunk anyway) and keeps the manifest a few
//! hundred bytes instead of a list of thousands of names.
//!
//! A chunk maps each term to `[df, cut, docDeltas, fieldMasks, weights]`:
//! `df` the number of documents containing the term, `docDeltas` the
//! ascending document numbers delta-coded, `fieldMasks` one bit per field of
//! [`FIELDS`] the term occurs in, and `weights` one number per set bit: the
//! BM25 term-frequency factor `tf·(k1+1)/(tf+k1·(1−b+b·len/avglen))` of that
//! field, scaled to 1..=[`WEIGHT_SCALE`] by dividing by `k1+1`. Field lengths
//! are folded into the weights here, so the client needs no per-document
//! lengths; it multiplies by IDF and the field boosts at query time. A term
//! in more than [`POSTING_CAP`] documents keeps only its best postings and
//! has `cut` = 1: the client then treats it as optional when requiring all
//! terms, since a term that common narrows nothing and scores little.
//!
//! A fragment is a JSON array of `[url, title, summary, kind, regions,
//! topics]`, one per document.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{BOOSTS, FIELDS, SearchDoc, clip, field_texts, tokenize};

pub const FORMAT_VERSION: u32 = 1;
/// Documents per metadata fragment: a result list of ten touches up to ten
/// fragments, so they are kept to a few kilobytes each.
pub const FRAGMENT_DOCS: usize = 8;
/// Postings kept per term; see the module doc.
pub const POSTING_CAP: usize = 400;
/// Aimed-at size of one term chunk in bytes; sets the bucket count.
pub const TARGET_CHUNK_BYTES: usize = 5_000;
/// Summaries longer than this many characters are clipped in fragments.
pub const SUMMARY_CHARS: usize = 90;
pub const WEIGHT_SCALE: f64 = 99.0;
pub const K1: f64 = 1.2;
pub const B: f64 = 0.75;
/// Documents tokenized per parallel batch; bounds the transient strings.
const BATCH: usize = 4_096;

/// One (term, document) pair: term frequency per field, saturated at 255
/// (BM25 is flat long before that).
#[derive(Clone, Copy)]
struct Posting {
    term: u32,
    doc: u32,
    tf: [u8; 5],
}

/// What was written.
pub(super) struct Written {
    pub files: usize,
    pub bytes: u64,
}

/// 32-bit FNV-1a over UTF-8; `search.js` computes the same to find a chunk.
pub fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Term frequencies of one document, sorted by term, and its field lengths.
fn doc_terms(doc: &SearchDoc) -> (Vec<(String, [u8; 5])>, [u32; 5]) {
    let mut tf: HashMap<String, [u8; 5]> = HashMap::new();
    let mut lengths = [0u32; 5];
    for (field, text) in field_texts(doc).iter().enumerate() {
        let tokens = tokenize(text);
        lengths[field] = u32::try_from(tokens.len()).unwrap_or(u32::MAX);
        for token in tokens {
            let counts = tf.entry(token).or_default();
            counts[field] = counts[field].saturating_add(1);
        }
    }
    let mut terms: Vec<_> = tf.into_iter().collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    (terms, lengths)
}

/// Writes the shards under `dir` (normally `public/search`).
pub(super) fn write(docs: &[&SearchDoc], dir: &Path) -> io::Result<Written> {
    // Document and term numbers are u32 to halve the posting table; billions
    // of distinct terms would exhaust memory long before overflowing them.
    if u32::try_from(docs.len()).is_err() {
        return Err(io::Error::other("more than 2^32 search documents"));
    }

    // Tokenize in parallel batches and intern terms in document order, so
    // term numbers, and everything after, are deterministic.
    let mut term_ids: HashMap<String, u32> = HashMap::new();
    let mut terms: Vec<String> = Vec::new();
    let mut postings: Vec<Posting> = Vec::new();
    let mut lengths: Vec<[u32; 5]> = Vec::with_capacity(docs.len());
    for (batch_no, batch) in docs.chunks(BATCH).enumerate() {
        let tokenized: Vec<_> = batch.par_iter().map(|d| doc_terms(d)).collect();
        for (i, (doc_terms, doc_lengths)) in tokenized.into_iter().enumerate() {
            let doc = (batch_no * BATCH + i) as u32;
            lengths.push(doc_lengths);
            for (term, tf) in doc_terms {
                let next = terms.len() as u32;
                let id = *term_ids.entry(term).or_insert_with_key(|t| {
                    terms.push(t.clone());
                    next
                });
                postings.push(Posting { term: id, doc, tf });
            }
        }
    }
    drop(term_ids);

    let mut df = vec![0u32; terms.len()];
    for p in &postings {
        df[p.term as usize] += 1;
    }
    // Roughly 7 bytes per kept posting once delta-coded.
    let estimate: usize = df.iter().map(|&n| (n as usize).min(POSTING_CAP) * 7 + 16).sum();
    let buckets = estimate.div_ceil(TARGET_CHUNK_BYTES).max(1);
    let bucket_of: Vec<u32> = terms.par_iter().map(|t| fnv1a(t) % buckets as u32).collect();

    // Counting sort by bucket; stable, so each bucket stays in document order.
    let mut starts = vec![0usize; buckets + 1];
    for p in &postings {
        starts[bucket_of[p.term as usize] as usize + 1] += 1;
    }
    for i in 0..buckets {
        starts[i + 1] += starts[i];
    }
    let mut by_bucket = vec![Posting { term: 0, doc: 0, tf: [0; 5] }; postings.len()];
    let mut next = starts.clone();
    for p in postings {
        let slot = &mut next[bucket_of[p.term as usize] as usize];
        by_bucket[*slot] = p;
        *slot += 1;
    }

    let avg: Vec<f64> =
        (0..5).map(|f| lengths.iter().map(|l| f64::from(l[f])).sum::<f64>() / docs.len().max(1) as f64).collect();
    let scorer = Scorer { lengths: &lengths, avg: [avg[0], avg[1], avg[2], avg[3], avg[4]] };

    let tmp = dir.join(format!(".building-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp)?;
    }
    fs::create_dir_all(tmp.join("t"))?;
    fs::create_dir_all(tmp.join("d"))?;

    let chunk_files: Vec<(Vec<u8>, u64)> = (0..buckets)
        .into_par_iter()
        .map(|b| {
            let mut slice = by_bucket[starts[b]..starts[b + 1]].to_vec();
            slice.sort_by(|x, y| terms[x.term as usize].cmp(&terms[y.term as usize]));
            let text = chunk_json(&slice, &terms, &df, &scorer);
            write_hashed(&tmp.join("t").join(format!("{b}.json")), &text)
        })
        .collect::<io::Result<_>>()?;
    let fragment_files: Vec<(Vec<u8>, u64)> = docs
        .par_chunks(FRAGMENT_DOCS)
        .enumerate()
        .map(|(n, group)| write_hashed(&tmp.join("d").join(format!("{n}.json")), &fragment_json(group)))
        .collect::<io::Result<_>>()?;

    let mut generation = Sha256::new();
    let mut bytes = 0;
    for (digest, size) in chunk_files.iter().chain(&fragment_files) {
        generation.update(digest);
        bytes += size;
    }
    let generation: String = generation.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    let final_dir = dir.join(&generation);
    if final_dir.exists() {
        // Same content as a previous build: keep the old copy, byte-identical.
        fs::remove_dir_all(&tmp)?;
    } else {
        fs::rename(&tmp, &final_dir)?;
    }
    remove_other_generations(dir, &generation)?;

    let manifest = json!({
        "version": FORMAT_VERSION,
        "base": format!("{generation}/"),
        "docs": docs.len(),
        "buckets": buckets,
        "fragment": FRAGMENT_DOCS,
        "fields": FIELDS,
        "boosts": BOOSTS,
        "scale": WEIGHT_SCALE,
    })
    .to_string();
    crate::content::write_atomically(&dir.join("manifest.json"), manifest.as_bytes())?;
    bytes += manifest.len() as u64;
    Ok(Written { files: chunk_files.len() + fragment_files.len() + 1, bytes })
}

/// Per-field BM25 term-frequency factors, quantized.
struct Scorer<'a> {
    lengths: &'a [[u32; 5]],
    avg: [f64; 5],
}

impl Scorer<'_> {
    fn weight(&self, doc: u32, field: usize, tf: u8) -> u32 {
        let tf = f64::from(tf);
        let len = f64::from(self.lengths[doc as usize][field]);
        let norm = 1.0 - B + B * len / self.avg[field].max(1.0);
        let factor = tf / (tf + K1 * norm);
        ((factor * WEIGHT_SCALE).round() as u32).clamp(1, WEIGHT_SCALE as u32)
    }
}

/// The chunk for postings already grouped by term (in term order) and in
/// document order within a term.
fn chunk_json(postings: &[Posting], terms: &[String], df: &[u32], scorer: &Scorer<'_>) -> String {
    let mut out = String::from("{");
    for (i, group) in postings.chunk_by(|a, b| a.term == b.term).enumerate() {
        let term = group[0].term as usize;
        let mut kept: Vec<(u32, Vec<u32>, u32)> = group
            .iter()
            .map(|p| {
                let mut mask = 0;
                let mut weights = Vec::new();
                for (field, &tf) in p.tf.iter().enumerate() {
                    if tf > 0 {
                        mask |= 1 << field;
                        weights.push(scorer.weight(p.doc, field, tf));
                    }
                }
                (p.doc, weights, mask)
            })
            .collect();
        let cut = kept.len() > POSTING_CAP;
        if cut {
            let boosted = |w: &[u32], mask: u32| -> u32 {
                let fields = (0..5).filter(|f| mask & (1 << f) != 0);
                fields.zip(w).map(|(f, w)| w * u32::from(BOOSTS[f])).sum()
            };
            kept.sort_by(|a, b| boosted(&b.1, b.2).cmp(&boosted(&a.1, a.2)).then(a.0.cmp(&b.0)));
            kept.truncate(POSTING_CAP);
            kept.sort_by_key(|k| k.0);
        }
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::from(terms[term].as_str()).to_string());
        // Writing into a String cannot fail.
        let _ = write!(out, ":[{},{},[", df[term], u8::from(cut));
        let mut previous = 0;
        for (n, k) in kept.iter().enumerate() {
            let _ = write!(out, "{}{}", if n > 0 { "," } else { "" }, k.0 - previous);
            previous = k.0;
        }
        out.push_str("],[");
        for (n, k) in kept.iter().enumerate() {
            let _ = write!(out, "{}{}", if n > 0 { "," } else { "" }, k.2);
        }
        out.push_str("],[");
        for (n, w) in kept.iter().flat_map(|k| &k.1).enumerate() {
            let _ = write!(out, "{}{}", if n > 0 { "," } else { "" }, w);
        }
        out.push_str("]]");
    }
    out.push('}');
    out
}

fn fragment_json(group: &[&SearchDoc]) -> String {
    let rows: Vec<_> = group
        .iter()
        .map(|d| json!([d.url, d.title, clip(&d.summary, SUMMARY_CHARS), d.kind, d.regions, d.topics]))
        .collect();
    serde_json::Value::from(rows).to_string()
}

/// Writes `text` to `path`, returning its SHA-256 and size.
fn write_hashed(path: &PathBuf, text: &str) -> io::Result<(Vec<u8>, u64)> {
    fs::write(path, text)?;
    Ok((Sha256::digest(text.as_bytes()).to_vec(), text.len() as u64))
}

/// Deletes shard sets of earlier builds (and interrupted ones) so `public/`
/// holds only what the manifest names.
fn remove_other_generations(dir: &Path, keep: &str) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_generation = name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if entry.file_type()?.is_dir() && name != keep && (is_generation || name.starts_with(".building-")) {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same values are asserted for `fnv1a` in tests/js/tokenize.test.mjs:
    /// a disagreement would send the client to the wrong chunk.
    #[test]
    fn fnv1a_matches_the_client() {
        assert_eq!(fnv1a("医保"), 875_918_835);
        assert_eq!(fnv1a("app"), 527_074_092);
        assert_eq!(fnv1a("𠀀"), 1_207_520_421);
        assert_eq!(fnv1a(""), 2_166_136_261);
    }

    fn doc(n: usize, body: &str) -> SearchDoc {
        SearchDoc {
            url: format!("d{n:04}/"),
            title: format!("标题{n}"),
            answer: String::new(),
            body: body.into(),
            regions: Vec::new(),
            topics: Vec::new(),
            kind: "article".into(),
            summary: String::new(),
        }
    }

    fn entry(dir: &Path, term: &str) -> serde_json::Value {
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let bucket = fnv1a(term) % manifest["buckets"].as_u64().unwrap() as u32;
        let path = dir.join(manifest["base"].as_str().unwrap()).join(format!("t/{bucket}.json"));
        let chunk: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        chunk[term].clone()
    }

    #[test]
    fn common_terms_keep_their_best_postings_and_say_so() {
        let docs: Vec<SearchDoc> = (0..POSTING_CAP + 50)
            .map(|n| doc(n, if n == POSTING_CAP + 10 { "医保医保医保医保" } else { "医保报销" }))
            .collect();
        let refs: Vec<&SearchDoc> = docs.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        write(&refs, dir.path()).unwrap();
        let common = entry(dir.path(), "医保");
        assert_eq!(common[0], POSTING_CAP + 50, "df counts every document");
        assert_eq!(common[1], 1, "cut");
        assert_eq!(common[2].as_array().unwrap().len(), POSTING_CAP);
        // The document that says 医保 most often survives the cut.
        let kept: Vec<u64> = common[2]
            .as_array()
            .unwrap()
            .iter()
            .scan(0, |doc, delta| {
                *doc += delta.as_u64().unwrap();
                Some(*doc)
            })
            .collect();
        assert!(kept.contains(&((POSTING_CAP + 10) as u64)));
        let rare = entry(dir.path(), "7");
        assert_eq!(rare, serde_json::json!([1, 0, [7], [1], [rare[4][0].clone()]]), "df 1, title only");
        assert!(entry(dir.path(), "标题7").is_null(), "no token spans Han and digits");
    }
}
