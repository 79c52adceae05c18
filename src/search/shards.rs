//! The sharded index `search.js` reads: a tiny manifest, term chunks and
//! document fragments, so that a query fetches a few kilobytes however
//! large the site is.
//!
//! ```text
//! search/manifest.json            fixed name, small; names the generation
//! search/<gen>/t/<bucket>.json    terms whose FNV-1a hash % buckets == bucket
//! search/<gen>/p/<bucket>.<n>.json  one common term's entry, too big to share a chunk
//! search/<gen>/d/<n>.json         metadata of documents n*FRAGMENT_DOCS ..
//! search/<gen>/f/index.json       facets and near-duplicate groups (see [`super::facets`])
//! search/<gen>/f/<p>.json         cities of province number p
//! ```
//!
//! A chunk also carries, under `@` and two characters, the place names of
//! the region matcher that start with them (`crate::taxonomy::client_places`):
//! a query fetches the chunks of its bigrams anyway, so recognising the
//! places it names costs no request.
//!
//! `<gen>` is a hash of every shard file, so shard URLs are immutable and
//! cacheable forever while the manifest is the one file that changes. One
//! hash for the whole set rather than one per file costs nothing in cache
//! hits (document numbers are positions in the URL-sorted list, so adding a
//! page rewrites nearly every chunk anyway) and keeps the manifest a few
//! hundred bytes instead of a list of thousands of names.
//!
//! A chunk maps each term to `[df, postings, members]`: `df` the number of
//! documents containing the term and `postings` a string packing, for each
//! document in ascending order, its number delta-coded, its field mask and
//! its weights, all as digits of [`DIGITS`] (the base64url alphabet, so
//! nothing needs escaping): the delta in 5-bit groups, lowest first, the
//! digit plus 32 when more groups follow; the mask as one digit, one bit per
//! field of [`FIELDS`] the term occurs in; then one digit per set bit, the
//! BM25 term-frequency factor `tf·(k1+1)/(tf+k1·(1−b+b·len/avglen))` of that
//! field, scaled to 1..=[`WEIGHT_SCALE`] by dividing by `k1+1`. About three
//! bytes a posting where JSON arrays of numbers took nine, and a query's
//! download is mostly postings. Field lengths are folded into the weights
//! here, so the client needs no per-document lengths; it multiplies by IDF
//! and the field boosts at query time.
//!
//! No posting is ever dropped: a reader must find every document holding
//! every query term, and the count shown must be true. A term in more than
//! [`WEIGHTED_POSTINGS`] documents keeps weights for its best
//! `WEIGHTED_POSTINGS` only and lists every document in `members`, without
//! weights, in whichever of two forms is shorter: `b` then a bitmap over all
//! documents, six per digit (bit `i` of digit `k` is document `6k+i`), or `d`
//! then the document deltas coded as above. A term that common has a low
//! IDF, so the weight the client assumes for the rest (the lowest, in the
//! body) moves rankings little, and its membership costs at most
//! `docs/6` bytes: 1.7 KB on a 10k-page site. `members` is empty when
//! `postings` already holds every document.
//!
//! A fragment is a JSON array of `[url, title, kind, date, regions, topics,
//! text]`, one per document; `text` is the short answer and the start of
//! the body ([`PASSAGE_CHARS`]), from which the client cuts the snippet
//! around the match.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::terms::{self, Key, KeyMap, LongWords, TermText};
use super::{BOOSTS, ClientData, FIELDS, SearchDoc, clip, for_each_field, tokenize::scan};

pub const FORMAT_VERSION: u32 = 4;
/// Documents per metadata fragment: a page of twenty results touches twenty
/// fragments, so each holds one document's half kilobyte and no neighbour's.
pub const FRAGMENT_DOCS: usize = 1;
/// Postings per term that carry weights; see the module doc.
pub const WEIGHTED_POSTINGS: usize = 400;
/// A term entry longer than this goes into a file of its own
/// (`p/<bucket>.<n>.json`), so that a query for a rare term never downloads
/// the postings of a common one that hashed to the same chunk.
pub const OWN_FILE_BYTES: usize = 1_024;
/// Aimed-at size of one term chunk in bytes; sets the bucket count.
pub const TARGET_CHUNK_BYTES: usize = 3_500;
/// Characters of answer and body a fragment carries for the snippet: room
/// for an 80-character passage around a match past the opening lines,
/// while 20 results stay within the query budget.
pub const PASSAGE_CHARS: usize = 160;
/// The largest weight one digit of [`DIGITS`] holds.
pub const WEIGHT_SCALE: f64 = 63.0;
/// Digits of the packed postings; `search.js` decodes with the same.
pub const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const K1: f64 = 1.2;
pub const B: f64 = 0.75;
/// Documents tokenized between merges; bounds the transient postings.
const BATCH: usize = 2_048;
/// Documents per tokenizing task within a batch.
const TASK: usize = 32;
/// Term partitions: each is merged by one thread at a time, without locks.
const PARTITIONS: usize = 64;

/// A document's quantized BM25 factor per field (0: term absent).
#[derive(Clone, Copy)]
struct Posting {
    doc: u32,
    weights: [u8; 5],
}

impl Posting {
    fn boosted(&self) -> u32 {
        self.weights.iter().zip(BOOSTS).map(|(&w, b)| u32::from(w) * u32::from(b)).sum()
    }
}

/// Best first, then by document: the order the cap keeps postings in.
fn by_rank(a: &Posting, b: &Posting) -> std::cmp::Ordering {
    b.boosted().cmp(&a.boosted()).then(a.doc.cmp(&b.doc))
}

/// One term's postings: all of them in document order while there are at
/// most [`WEIGHTED_POSTINGS`], otherwise a superset of the best
/// `WEIGHTED_POSTINGS`, and then every document in `members`.
struct TermPostings {
    key: Key,
    df: u32,
    postings: Vec<Posting>,
    /// Every document containing the term, in order, once `df` exceeds
    /// [`WEIGHTED_POSTINGS`]; empty before.
    members: Vec<u32>,
}

impl TermPostings {
    fn push(&mut self, posting: Posting) {
        self.df += 1;
        if self.df as usize == WEIGHTED_POSTINGS + 1 {
            self.members = self.postings.iter().map(|p| p.doc).collect();
        }
        if !self.members.is_empty() {
            self.members.push(posting.doc);
        }
        self.postings.push(posting);
        if self.postings.len() >= 2 * WEIGHTED_POSTINGS {
            self.keep_best();
        }
    }

    fn keep_best(&mut self) {
        self.postings.select_nth_unstable_by(WEIGHTED_POSTINGS - 1, by_rank);
        self.postings.truncate(WEIGHTED_POSTINGS);
    }

    /// The postings written: the best `WEIGHTED_POSTINGS` in document order when
    /// the term is cut, all of them otherwise.
    fn finish(&mut self) {
        if self.df as usize > WEIGHTED_POSTINGS {
            self.keep_best();
            self.postings.sort_unstable_by_key(|p| p.doc);
        }
        self.postings.shrink_to_fit();
    }
}

/// The terms whose key hashes to one partition.
#[derive(Default)]
struct Partition {
    numbers: KeyMap<u32>,
    terms: Vec<TermPostings>,
}

/// What a tokenizing task hands to the merge: its postings grouped by
/// partition, each group in document order.
struct TaskOutput {
    entries: Vec<(Key, Posting)>,
    /// `entries[starts[p]..starts[p + 1]]` belong to partition `p`.
    starts: [u32; PARTITIONS + 1],
}

fn partition_of(key: Key) -> usize {
    // A different hash from the one inside the partition's map.
    (terms::mix(key ^ 0x9e37_79b9_7f4a_7c15) >> 58) as usize
}

/// What was written.
pub(super) struct Written {
    /// Paths relative to the directory written into, manifest included.
    pub files: Vec<String>,
    pub bytes: u64,
}

/// 32-bit FNV-1a over UTF-8; `search.js` computes the same to find a chunk.
pub fn fnv1a_32(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Tokens per field of `doc`.
fn field_lengths(doc: &SearchDoc, word: &mut String) -> [u32; 5] {
    let mut lengths = [0u32; 5];
    for_each_field(doc, |field, text| scan(text, word, |_| lengths[field] = lengths[field].saturating_add(1)));
    lengths
}

/// Tokenizes documents `first..` into postings grouped by partition.
fn tokenize_task(
    docs: &[&SearchDoc],
    first: u32,
    scorer: &Scorer<'_>,
    long: &LongWords,
    tf: &mut KeyMap<[u8; 5]>,
    word: &mut String,
) -> TaskOutput {
    let mut entries: Vec<(Key, Posting)> = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let number = first + i as u32;
        tf.clear();
        for_each_field(doc, |field, text| {
            scan(text, word, |token| {
                let counts = tf.entry(terms::key(token, long)).or_default();
                counts[field] = counts[field].saturating_add(1);
            });
        });
        entries.extend(tf.iter().map(|(&key, counts)| {
            let mut weights = [0u8; 5];
            for (field, &n) in counts.iter().enumerate() {
                if n > 0 {
                    weights[field] = scorer.weight(number, field, n);
                }
            }
            (key, Posting { doc: number, weights })
        }));
    }
    // Counting sort by partition; stable, so each group stays in document order.
    let mut starts = [0u32; PARTITIONS + 1];
    let parts: Vec<u8> = entries.iter().map(|(key, _)| partition_of(*key) as u8).collect();
    for &p in &parts {
        starts[p as usize + 1] += 1;
    }
    for p in 0..PARTITIONS {
        starts[p + 1] += starts[p];
    }
    let mut next = starts;
    let mut grouped = vec![(0, Posting { doc: 0, weights: [0; 5] }); entries.len()];
    for (entry, &p) in entries.into_iter().zip(&parts) {
        grouped[next[p as usize] as usize] = entry;
        next[p as usize] += 1;
    }
    TaskOutput { entries: grouped, starts }
}

/// Writes the shards under `dir` (normally `public/search`). Shard files
/// equal to those of the generation `previous` (the last build's
/// `search/`) names are hard-linked from there, because an edit changes
/// a few of thousands and creating files is the expensive part.
///
/// Phases: [`collect_postings`] → [`assign_buckets`] → [`write_generation`]
/// → [`write_manifest`].
pub(super) fn write(
    docs: &[&SearchDoc],
    dir: &Path,
    previous: Option<&Path>,
    client: &ClientData,
) -> io::Result<Written> {
    // Document numbers are u32 to keep postings small.
    if u32::try_from(docs.len()).is_err() {
        return Err(io::Error::other("more than 2^32 search documents"));
    }
    let (mut partitions, long) = collect_postings(docs);
    let buckets = assign_buckets(&mut partitions, docs.len(), &long);
    let count = buckets.count;
    let (places, place_context) = crate::taxonomy::client_places();
    let generation = write_generation(docs, partitions, buckets, &long, &places, dir, previous)?;
    let manifest = write_manifest(dir, &generation.name, docs.len(), count, client, place_context)?;
    let names = |sub: &'static str, count: usize| {
        let name = &generation.name;
        (0..count).map(move |n| format!("{name}/{sub}/{n}.json"))
    };
    let named = |sub: &'static str, files: &[String]| {
        files.iter().map(|file| format!("{}/{sub}/{file}", generation.name)).collect::<Vec<_>>()
    };
    let files = names("t", generation.chunks)
        .chain(names("d", generation.fragments))
        .chain(named("p", &generation.own))
        .chain(named("f", &generation.facets))
        .chain(["manifest.json".to_string()])
        .collect();
    Ok(Written { files, bytes: generation.bytes + manifest })
}

/// Every term's capped, weighted postings, by partition, and the words too
/// long to be their own keys.
fn collect_postings(docs: &[&SearchDoc]) -> (Vec<Partition>, Vec<String>) {
    // Pass 1: field lengths, for the BM25 length normalisation the weights
    // need before the cap can pick the best postings.
    let lengths: Vec<[u32; 5]> = docs.par_iter().map_init(String::new, |word, d| field_lengths(d, word)).collect();
    let mut avg = [0f64; 5];
    for (f, a) in avg.iter_mut().enumerate() {
        *a = lengths.iter().map(|l| f64::from(l[f])).sum::<f64>() / docs.len().max(1) as f64;
    }
    let scorer = Scorer { lengths: &lengths, avg };

    // Pass 2: tokenize in parallel batches, then merge each batch into the
    // term partitions, one thread per partition. Postings reach a term in
    // document order, and the cap keeps the best by a total order, so the
    // result does not depend on scheduling.
    let long = LongWords::default();
    let mut partitions: Vec<Partition> = (0..PARTITIONS).map(|_| Partition::default()).collect();
    for (batch_no, batch) in docs.chunks(BATCH).enumerate() {
        let outputs: Vec<TaskOutput> = batch
            .par_chunks(TASK)
            .enumerate()
            .map_init(
                || (KeyMap::default(), String::new()),
                |(tf, word), (task_no, task)| {
                    let first = (batch_no * BATCH + task_no * TASK) as u32;
                    tokenize_task(task, first, &scorer, &long, tf, word)
                },
            )
            .collect();
        partitions.par_iter_mut().enumerate().for_each(|(p, partition)| {
            for output in &outputs {
                let slice = &output.entries[output.starts[p] as usize..output.starts[p + 1] as usize];
                for &(key, posting) in slice {
                    let next = partition.terms.len() as u32;
                    let n = *partition.numbers.entry(key).or_insert(next);
                    if n == next {
                        partition.terms.push(TermPostings { key, df: 0, postings: Vec::new(), members: Vec::new() });
                    }
                    partition.terms[n as usize].push(posting);
                }
            }
        });
    }
    let long = long.into_words();

    (partitions, long)
}

/// Which terms share a chunk file: `members[starts[b]..starts[b + 1]]`
/// are the (partition, term) pairs of bucket `b`.
struct Buckets {
    count: usize,
    starts: Vec<usize>,
    members: Vec<(u32, u32)>,
}

/// Finishes each term's postings and sizes the buckets so that a chunk file
/// is about [`TARGET_CHUNK_BYTES`].
fn assign_buckets(partitions: &mut [Partition], docs: usize, long: &[String]) -> Buckets {
    let estimate: usize = partitions
        .par_iter_mut()
        .map(|partition| {
            partition.numbers = KeyMap::default();
            partition.terms.iter_mut().for_each(TermPostings::finish);
            // Roughly 3 bytes per weighted posting once packed, and the
            // shorter form of the membership list.
            partition.terms.iter().map(|t| t.postings.len() * 3 + 16 + members_bytes(&t.members, docs)).sum::<usize>()
        })
        .sum();
    let buckets = estimate.div_ceil(TARGET_CHUNK_BYTES).max(1);

    // Group terms by bucket: (partition, term) pairs, counting-sorted.
    let bucket_of: Vec<Vec<u32>> = partitions
        .par_iter()
        .map(|partition| {
            partition.terms.iter().map(|t| fnv1a_32(terms::text(t.key, long).as_str()) % buckets as u32).collect()
        })
        .collect();
    let mut starts = vec![0usize; buckets + 1];
    for &b in bucket_of.iter().flatten() {
        starts[b as usize + 1] += 1;
    }
    for i in 0..buckets {
        starts[i + 1] += starts[i];
    }
    let mut next = starts.clone();
    let mut members = vec![(0u32, 0u32); starts[buckets]];
    for (p, buckets_of_terms) in bucket_of.iter().enumerate() {
        for (t, &b) in buckets_of_terms.iter().enumerate() {
            members[next[b as usize]] = (p as u32, t as u32);
            next[b as usize] += 1;
        }
    }
    drop(bucket_of);

    Buckets { count: buckets, starts, members }
}

/// One generation's files, written under `dir/<name>/`.
struct Generation {
    /// Digest of every file's bytes: equal content, equal name.
    name: String,
    chunks: usize,
    fragments: usize,
    /// Names of the files under `p/`, for terms with postings of their own.
    own: Vec<String>,
    /// Names of the facet files under `f/`.
    facets: Vec<String>,
    bytes: u64,
}

/// Writes the chunk, fragment, own-postings and facet files into a new
/// generation directory, linking unchanged files from `previous`'s. The
/// postings are freed once the chunk files hold them.
fn write_generation(
    docs: &[&SearchDoc],
    partitions: Vec<Partition>,
    buckets: Buckets,
    long: &[String],
    places: &[(&str, String)],
    dir: &Path,
    previous: Option<&Path>,
) -> io::Result<Generation> {
    let tmp = dir.join(format!(".building-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp)?;
    }
    fs::create_dir_all(tmp.join("t"))?;
    fs::create_dir_all(tmp.join("d"))?;
    fs::create_dir_all(tmp.join("p"))?;
    fs::create_dir_all(tmp.join("f"))?;
    let facet_files = super::facets::files(docs);

    // Files are generated in parallel but created one directory per thread:
    // creating files in one directory from two threads mostly waits on the
    // directory's lock, and creating files is most of the cost left.
    let mut places_of: Vec<Vec<(&str, &str)>> = vec![Vec::new(); buckets.count];
    for (bigram, json) in places {
        places_of[fnv1a_32(bigram) as usize % buckets.count].push((bigram, json));
    }
    let (chunk_files, own_files): (Vec<Vec<u8>>, Vec<Vec<Vec<u8>>>) = (0..buckets.count)
        .into_par_iter()
        .map(|b| {
            let mut chunk: Vec<(TermText<'_>, &TermPostings)> = buckets.members
                [buckets.starts[b]..buckets.starts[b + 1]]
                .iter()
                .map(|&(p, t)| {
                    let term = &partitions[p as usize].terms[t as usize];
                    (terms::text(term.key, long), term)
                })
                .collect();
            chunk.sort_unstable_by(|x, y| x.0.as_str().cmp(y.0.as_str()));
            let mut out = Vec::new();
            let own = chunk_json(&chunk, &places_of[b], docs.len(), &mut out);
            (out, own)
        })
        .unzip();
    let own_files: Vec<(String, Vec<u8>)> = own_files
        .into_iter()
        .enumerate()
        .flat_map(|(b, own)| own.into_iter().enumerate().map(move |(i, bytes)| (format!("{b}.{i}.json"), bytes)))
        .collect();
    drop(buckets);
    drop(partitions);
    let fragment_files: Vec<Vec<u8>> = docs
        .par_chunks(FRAGMENT_DOCS)
        .map(|group| {
            let mut out = Vec::new();
            fragment_json(group, &mut out).map(|()| out)
        })
        .collect::<io::Result<_>>()?;
    let before = previous.and_then(previous_generation);
    let before = |sub: &str| before.as_ref().map(|dir| dir.join(sub));
    let (digests, written) = rayon::join(
        || {
            let files: Vec<&[u8]> = chunk_files
                .iter()
                .chain(&fragment_files)
                .chain(own_files.iter().map(|(_, bytes)| bytes))
                .chain(facet_files.iter().map(|(_, bytes)| bytes))
                .map(Vec::as_slice)
                .collect();
            files.par_iter().map(Sha256::digest).collect::<Vec<_>>()
        },
        || {
            rayon::join(
                || {
                    write_files(&tmp.join("t"), &chunk_files, before("t"))?;
                    write_named(&tmp.join("p"), &own_files, before("p"))?;
                    write_named(&tmp.join("f"), &facet_files, before("f"))
                },
                || write_files(&tmp.join("d"), &fragment_files, before("d")),
            )
        },
    );
    written.0?;
    written.1?;

    let mut generation = Sha256::new();
    let mut bytes = 0;
    let all_files = chunk_files
        .iter()
        .chain(&fragment_files)
        .chain(own_files.iter().map(|(_, bytes)| bytes))
        .chain(facet_files.iter().map(|(_, bytes)| bytes));
    for (digest, file) in digests.iter().zip(all_files) {
        generation.update(digest);
        bytes += file.len() as u64;
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

    Ok(Generation {
        name: generation,
        chunks: chunk_files.len(),
        fragments: fragment_files.len(),
        own: own_files.into_iter().map(|(name, _)| name).collect(),
        facets: facet_files.into_iter().map(|(name, _)| name).collect(),
        bytes,
    })
}

/// Points `dir/manifest.json` at generation `name`; returns its size.
fn write_manifest(
    dir: &Path,
    name: &str,
    docs: usize,
    buckets: usize,
    client: &ClientData,
    place_context: &[&str],
) -> io::Result<u64> {
    let manifest = json!({
        "version": FORMAT_VERSION,
        "base": format!("{name}/"),
        "docs": docs,
        "buckets": buckets,
        "fragment": FRAGMENT_DOCS,
        "fields": FIELDS,
        "boosts": BOOSTS,
        "scale": WEIGHT_SCALE,
        "synonyms": client.synonyms,
        "popular": client.popular,
        "topics": client.topics,
        "placeContext": place_context,
    })
    .to_string();
    crate::fsutil::write_atomically(&dir.join("manifest.json"), manifest.as_bytes())?;
    Ok(manifest.len() as u64)
}

/// Per-field BM25 term-frequency factors, quantized.
struct Scorer<'a> {
    lengths: &'a [[u32; 5]],
    avg: [f64; 5],
}

impl Scorer<'_> {
    fn weight(&self, doc: u32, field: usize, tf: u8) -> u8 {
        let tf = f64::from(tf);
        let len = f64::from(self.lengths[doc as usize][field]);
        let norm = 1.0 - B + B * len / self.avg[field].max(1.0);
        let factor = tf / (tf + K1 * norm);
        ((factor * WEIGHT_SCALE).round() as u8).clamp(1, WEIGHT_SCALE as u8)
    }
}

/// Appends the decimal digits of `n`.
pub(super) fn push_number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends `delta` as 5-bit groups, lowest first, the digit plus 32 while
/// more groups follow.
pub(super) fn push_delta(out: &mut Vec<u8>, mut delta: u32) {
    while delta >= 32 {
        out.push(DIGITS[(delta & 31) as usize | 32]);
        delta >>= 5;
    }
    out.push(DIGITS[delta as usize]);
}

/// Length of `members` as document deltas, in digits.
fn delta_digits(members: &[u32]) -> usize {
    let mut previous = 0;
    members
        .iter()
        .map(|&doc| {
            let delta = doc - previous;
            previous = doc;
            (32 - delta.leading_zeros() as usize).div_ceil(5).max(1)
        })
        .sum()
}

/// Bytes of the membership string of a term over `docs` documents.
fn members_bytes(members: &[u32], docs: usize) -> usize {
    if members.is_empty() { 0 } else { 1 + delta_digits(members).min(docs.div_ceil(6)) }
}

/// The membership string of the module doc: empty, `b` + bitmap or `d` +
/// deltas, whichever is shorter.
fn push_members(out: &mut Vec<u8>, members: &[u32], docs: usize) {
    if members.is_empty() {
        return;
    }
    if docs.div_ceil(6) <= delta_digits(members) {
        out.push(b'b');
        let mut bits = vec![0u8; docs.div_ceil(6)];
        for &doc in members {
            bits[doc as usize / 6] |= 1 << (doc % 6);
        }
        out.extend(bits.iter().map(|&b| DIGITS[usize::from(b)]));
    } else {
        out.push(b'd');
        let mut previous = 0;
        for &doc in members {
            push_delta(out, doc - previous);
            previous = doc;
        }
    }
}

/// The chunk for `terms` in term order, each with its finished postings,
/// of a site of `docs` documents. A term whose entry would be longer than
/// [`OWN_FILE_BYTES`] gets a file of its own, returned in order, and the
/// chunk holds `[df, n]`, `n` its number among them.
fn chunk_json(
    terms: &[(TermText<'_>, &TermPostings)],
    places: &[(&str, &str)],
    docs: usize,
    out: &mut Vec<u8>,
) -> Vec<Vec<u8>> {
    let mut own = Vec::new();
    out.push(b'{');
    for (i, (text, term)) in terms.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Terms are Han characters and ASCII letters and digits: nothing to
        // escape.
        out.push(b'"');
        out.extend_from_slice(text.as_str().as_bytes());
        out.extend_from_slice(b"\":");
        let mut entry = Vec::new();
        entry_json(term, docs, &mut entry);
        if entry.len() > OWN_FILE_BYTES {
            out.push(b'[');
            push_number(out, u64::from(term.df));
            out.push(b',');
            push_number(out, own.len() as u64);
            out.push(b']');
            own.push(entry);
        } else {
            out.extend_from_slice(&entry);
        }
    }
    for (i, (bigram, json)) in places.iter().enumerate() {
        if i > 0 || !terms.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"@");
        out.extend_from_slice(bigram.as_bytes());
        out.extend_from_slice(b"\":");
        out.extend_from_slice(json.as_bytes());
    }
    out.push(b'}');
    own
}

/// `[df, postings, members]` of one term.
fn entry_json(term: &TermPostings, docs: usize, out: &mut Vec<u8>) {
    {
        out.push(b'[');
        push_number(out, u64::from(term.df));
        out.extend_from_slice(b",\"");
        let mut previous = 0;
        for p in &term.postings {
            push_delta(out, p.doc - previous);
            previous = p.doc;
            let mask = p.weights.iter().enumerate().filter(|(_, w)| **w > 0).map(|(f, _)| 1 << f).sum::<usize>();
            out.push(DIGITS[mask]);
            out.extend(p.weights.iter().filter(|w| **w > 0).map(|&w| DIGITS[usize::from(w)]));
        }
        out.extend_from_slice(b"\",\"");
        push_members(out, &term.members, docs);
        out.extend_from_slice(b"\"]");
    }
}

fn fragment_json(group: &[&SearchDoc], out: &mut Vec<u8>) -> io::Result<()> {
    let rows: Vec<_> =
        group.iter().map(|d| (&d.url, &d.title, &d.kind, &d.date, &d.regions, &d.topics, passage(d))).collect();
    serde_json::to_writer(out, &rows).map_err(io::Error::other)
}

/// The answer and the start of the body, [`PASSAGE_CHARS`] in all, with
/// whitespace runs folded to one space so that no snippet shows line breaks.
fn passage(doc: &SearchDoc) -> String {
    let joined = format!("{} {}", doc.answer, doc.body);
    let folded = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    clip(&folded, PASSAGE_CHARS)
}

/// Writes `files[n]` to `dir/<n>.json`, or hard-links `previous/<n>.json`
/// when it holds the same bytes.
fn write_files(dir: &Path, files: &[Vec<u8>], previous: Option<PathBuf>) -> io::Result<()> {
    files.iter().enumerate().try_for_each(|(n, bytes)| write_one(dir, &format!("{n}.json"), bytes, previous.as_deref()))
}

/// Writes each `(name, bytes)` of `files` into `dir` as [`write_files`] does.
fn write_named(dir: &Path, files: &[(String, Vec<u8>)], previous: Option<PathBuf>) -> io::Result<()> {
    files.iter().try_for_each(|(name, bytes)| write_one(dir, name, bytes, previous.as_deref()))
}

fn write_one(dir: &Path, name: &str, bytes: &[u8], previous: Option<&Path>) -> io::Result<()> {
    {
        let path = dir.join(name);
        if let Some(old) = previous.map(|p| p.join(name)) {
            let same_len = fs::metadata(&old).is_ok_and(|m| m.len() == bytes.len() as u64);
            if same_len
                && fs::read(&old).is_ok_and(|old_bytes| old_bytes == bytes)
                && fs::hard_link(&old, &path).is_ok()
            {
                return Ok(());
            }
        }
        fs::write(path, bytes)
    }
}

/// The generation directory `search/manifest.json` under `search_dir` names.
fn previous_generation(search_dir: &Path) -> Option<PathBuf> {
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(search_dir.join("manifest.json")).ok()?).ok()?;
    let base = manifest.get("base")?.as_str()?.trim_end_matches('/');
    let is_generation = base.len() == 16 && base.bytes().all(|b| b.is_ascii_hexdigit());
    is_generation.then(|| search_dir.join(base))
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

    /// The same values are asserted for `fnv1a_32` (the client calls it `fnv1a`) in tests/js/tokenize.test.mjs:
    /// a disagreement would send the client to the wrong chunk.
    #[test]
    fn fnv1a_32_matches_the_client() {
        assert_eq!(fnv1a_32("医保"), 875_918_835);
        assert_eq!(fnv1a_32("app"), 527_074_092);
        assert_eq!(fnv1a_32("𠀀"), 1_207_520_421);
        assert_eq!(fnv1a_32(""), 2_166_136_261);
    }

    fn doc(n: usize, body: &str) -> SearchDoc<'_> {
        SearchDoc {
            url: format!("d{n:04}/"),
            title: format!("标题{n}"),
            answer: String::new(),
            body: body.into(),
            regions: Vec::new(),
            topics: Vec::new(),
            kind: "article".into(),
            summary: String::new(),
            date: String::new(),
            group: String::new(),
        }
    }

    fn entry(dir: &Path, term: &str) -> serde_json::Value {
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let bucket = fnv1a_32(term) % manifest["buckets"].as_u64().unwrap() as u32;
        let path = dir.join(manifest["base"].as_str().unwrap()).join(format!("t/{bucket}.json"));
        let chunk: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        match chunk[term][1].as_u64() {
            Some(n) => {
                let own = dir.join(manifest["base"].as_str().unwrap()).join(format!("p/{bucket}.{n}.json"));
                let entry: serde_json::Value = serde_json::from_slice(&fs::read(own).unwrap()).unwrap();
                assert_eq!(entry[0], chunk[term][0], "the chunk and the term's own file agree on df");
                entry
            }
            None => chunk[term].clone(),
        }
    }

    /// `(document, field mask, weights)` of packed postings, decoded as
    /// `search.js` does.
    fn unpack(packed: &str) -> Vec<(u32, u8, Vec<u8>)> {
        let mut digits = packed.bytes().map(|c| DIGITS.iter().position(|&d| d == c).unwrap() as u32);
        let mut postings = Vec::new();
        let mut doc = 0;
        while let Some(mut digit) = digits.next() {
            let (mut delta, mut shift) = (0, 0);
            while digit >= 32 {
                delta |= (digit - 32) << shift;
                shift += 5;
                digit = digits.next().unwrap();
            }
            doc += delta | (digit << shift);
            let mask = digits.next().unwrap() as u8;
            let weights = (0..mask.count_ones()).map(|_| digits.next().unwrap() as u8).collect();
            postings.push((doc, mask, weights));
        }
        postings
    }

    #[test]
    fn packed_deltas_round_trip() {
        let docs: Vec<SearchDoc> = (0..2_000).map(|n| doc(n, if n % 999 == 0 { "稀有词" } else { "别的" })).collect();
        let refs: Vec<&SearchDoc> = docs.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        write(&refs, dir.path(), None, &ClientData::default()).unwrap();
        let entry = entry(dir.path(), "稀有");
        let docs: Vec<u32> = unpack(entry[1].as_str().unwrap()).iter().map(|p| p.0).collect();
        assert_eq!(docs, [0, 999, 1998], "deltas of several digits");
        assert_eq!(entry[2], "", "no membership list beside complete postings");
    }

    /// Every document of a membership string, decoded as `search.js` does.
    fn members(text: &str, docs: usize) -> Vec<u32> {
        let digit = |c: u8| DIGITS.iter().position(|&d| d == c).unwrap() as u32;
        match text.as_bytes().split_first() {
            Some((b'b', bits)) => {
                (0..docs as u32).filter(|&n| digit(bits[n as usize / 6]) & (1 << (n % 6)) != 0).collect()
            }
            Some((b'd', deltas)) => {
                let mut out = Vec::new();
                let (mut doc, mut delta, mut shift) = (0, 0, 0);
                for &c in deltas {
                    let d = digit(c);
                    if d >= 32 {
                        delta |= (d - 32) << shift;
                        shift += 5;
                    } else {
                        doc += delta | (d << shift);
                        out.push(doc);
                        (delta, shift) = (0, 0);
                    }
                }
                out
            }
            _ => panic!("unknown membership form {text}"),
        }
    }

    #[test]
    fn common_terms_keep_every_document_and_weights_for_the_best() {
        let total = WEIGHTED_POSTINGS + 50;
        let docs: Vec<SearchDoc> = (0..total)
            .map(|n| doc(n, if n == WEIGHTED_POSTINGS + 10 { "医保医保医保医保" } else { "医保报销" }))
            .collect();
        let refs: Vec<&SearchDoc> = docs.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        write(&refs, dir.path(), None, &ClientData::default()).unwrap();
        let common = entry(dir.path(), "医保");
        assert_eq!(common[0], total, "df counts every document");
        let kept = unpack(common[1].as_str().unwrap());
        assert_eq!(kept.len(), WEIGHTED_POSTINGS);
        assert!(kept.windows(2).all(|w| w[0].0 < w[1].0), "ascending documents");
        // The document that says 医保 most often keeps its weight, ranked first.
        let best = kept.iter().find(|p| p.0 == (WEIGHTED_POSTINGS + 10) as u32).unwrap();
        assert!(kept.iter().all(|p| p.2[0] <= best.2[0]));
        assert!(best.2[0] <= WEIGHT_SCALE as u8);
        let every: Vec<u32> = (0..total as u32).collect();
        assert_eq!(members(common[2].as_str().unwrap(), total), every, "no document dropped");
        let rare = entry(dir.path(), "7");
        assert_eq!((&rare[0], &rare[2]), (&serde_json::json!(1), &serde_json::json!("")), "df 1, complete");
        let rare = unpack(rare[1].as_str().unwrap());
        assert_eq!(rare.len(), 1);
        assert_eq!((rare[0].0, rare[0].1, rare[0].2.len()), (7, 1, 1), "document 7, title only");
        assert!(entry(dir.path(), "标题7").is_null(), "no token spans Han and digits");
    }

    #[test]
    fn sparse_common_terms_list_members_as_deltas() {
        let total = 20_000;
        let docs: Vec<SearchDoc> = (0..total).map(|n| doc(n, if n % 40 == 3 { "异地就医" } else { "别的" })).collect();
        let refs: Vec<&SearchDoc> = docs.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        write(&refs, dir.path(), None, &ClientData::default()).unwrap();
        let sparse = entry(dir.path(), "异地");
        let text = sparse[2].as_str().unwrap();
        assert!(text.starts_with('d'), "deltas are shorter than a bitmap here");
        let expected: Vec<u32> = (0..total as u32).filter(|n| n % 40 == 3).collect();
        assert_eq!(sparse[0], expected.len());
        assert_eq!(members(text, total), expected);
    }
}
