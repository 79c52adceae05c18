//! The sharded index `search.js` reads: a tiny manifest, term chunks and
//! document fragments, so that a query fetches a few kilobytes however
//! large the site is.
//!
//! ```text
//! search/manifest.json            fixed name, small; names every group directory
//! search/<c>/t/<bucket>.json      terms whose FNV-1a hash % buckets == bucket
//! search/<c>/p/<bucket>.<n>.json  one common term's entry, too big to share a chunk
//! search/<c>/m/<bucket>.<n>.<b>.json  its membership in documents b*MEMBER_BLOCK_DOCS ..
//! search/<d>/d/<n>.json           metadata of documents n*FRAGMENT_DOCS ..
//! search/<f>/f/index.json         facets (see [`super::facets`])
//! search/<f>/f/<p>.json           cities of province number p
//! search/<f>/f/r/<r>.json, g/<g>.json  near-duplicate groups
//! ```
//!
//! A chunk also carries, under `@` and two characters, the place names of
//! the region matcher that start with them (`crate::taxonomy::client_places`):
//! a query fetches the chunks of its bigrams anyway, so recognising the
//! places it names costs no request.
//!
//! Files are grouped into directories named by a hash of the group's files
//! (16 hex digits): `<c>` holds `chunks.per` consecutive buckets with their
//! own files (the manifest's `chunks.dirs[bucket / per]`), `<d>` holds
//! `fragments.per` consecutive fragments, `<f>` the facets. So a shard URL
//! is immutable and cacheable forever, the manifest is the one file that
//! changes, and a reader holding the previous manifest keeps finding the
//! previous files while the new ones are put beside them. A group whose
//! files did not change keeps its name: an edit to one body changes the
//! postings of a few dozen terms, so a redeploy uploads the few groups
//! holding them instead of every file (see [`CHUNK_GROUPS`] for the
//! trade-off with the manifest's size). For that to hold, nothing an edit
//! does not touch may move: document numbers follow URLs and facets, the
//! BM25 average lengths are rounded ([`average_lengths`]) and the bucket
//! count moves in coarse steps ([`coarse_bucket_count`]).
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
//! body) moves rankings little. `members` is empty when `postings` already
//! holds every document. A membership longer than an eighth of
//! [`MEMBER_BLOCK_DOCS`] in bytes (at most `docs/6` bytes: 2.2 KB on a
//! 10k-page site, 18 KB at 106k documents) is cut into blocks of
//! [`MEMBER_BLOCK_DOCS`] documents (or [`MemberBlocks`]' count), each a
//! file (`m/`) holding a JSON string in the same two forms, numbered from
//! the block's first document; `members` is then `[count, bytes, …]` of
//! each block, so the client reads the blocks it evaluates and estimates
//! the rest, and the bytes of a query stop growing with the site.
//!
//! A fragment is a JSON array of `[url, title, kind, date, regions, topics,
//! text]`, one per document; `text` is the short answer and the start of
//! the body ([`PASSAGE_CHARS`]), from which the client cuts the snippet
//! around the match.

use std::fs;
use std::io;
use std::path::Path;

use rayon::prelude::*;
use serde_json::json;

use super::terms::{self, Key, KeyMap, LongWords, TermText};
use super::token_cache::{self, DocDigest, Payload, TokenCache};
use super::{BOOSTS, ClientData, FIELDS, SearchDoc, for_each_field, tokenize::scan};

mod fragments;
mod postings_cache;

pub const FORMAT_VERSION: u32 = 6;
/// Documents per metadata fragment: a page of twenty results touches twenty
/// fragments, so each holds one document's half kilobyte and no neighbour's.
pub const FRAGMENT_DOCS: usize = 1;
/// Postings per term that carry weights; see the module doc.
pub const WEIGHTED_POSTINGS: usize = 400;
/// A term entry longer than this goes into a file of its own
/// (`p/<bucket>.<n>.json`), so that a query for a rare term never downloads
/// the postings of a common one that hashed to the same chunk.
pub const OWN_FILE_BYTES: usize = 1_024;
/// Documents per membership block: a membership list longer than an
/// eighth of this in bytes (1 KB) is cut into blocks of this many
/// documents, each a file of its own (`m/<bucket>.<n>.<block>.json`), so
/// that a query fetches the blocks it evaluates and never the whole site's
/// list (a bitmap is `docs/6` bytes: 22 KB a term at 130k documents). A
/// block's bitmap is 1.4 KB.
pub const MEMBER_BLOCK_DOCS: usize = 8_192;

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
/// Most chunk groups: each is a directory named by its files' digest, and
/// the manifest lists every name (17 bytes each), so more groups mean a
/// larger manifest and fewer files renamed by an edit.
const CHUNK_GROUPS: usize = 128;
/// Most fragment groups; an edit to a body rarely changes a fragment, so
/// these can be larger.
const FRAGMENT_GROUPS: usize = 64;
/// Documents tokenized between merges; bounds the transient postings.
const BATCH: usize = 2_048;
/// Documents per tokenizing task within a batch.
const TASK: usize = 32;
/// Term partitions: each is merged by one thread at a time, without locks.
const PARTITIONS: usize = 64;

/// The membership block size a build uses: [`MEMBER_BLOCK_DOCS`], unless a
/// test sets a smaller one to show on a small site, quickly, what blocks do
/// on a large one. The manifest names it, so the client reads either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberBlocks {
    docs: usize,
}

impl MemberBlocks {
    /// Blocks of `docs` documents (at least one).
    pub fn of(docs: usize) -> Self {
        Self { docs: docs.max(1) }
    }

    /// Longest membership string kept whole in the term's entry.
    fn inline_bytes(self) -> usize {
        self.docs / 8
    }
}

impl Default for MemberBlocks {
    fn default() -> Self {
        Self::of(MEMBER_BLOCK_DOCS)
    }
}

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

/// Postings a capped term keeps past its best [`WEIGHTED_POSTINGS`], next
/// best first: an edit that takes a document out of the best is then
/// settled from these, without merging every document again (see
/// [`postings_cache`]). Never written into the index.
const RESERVE_POSTINGS: usize = 100;
/// Postings a capped term keeps while merging and once finished.
const KEPT_POSTINGS: usize = WEIGHTED_POSTINGS + RESERVE_POSTINGS;

/// One term's postings: all of them in document order while there are at
/// most [`WEIGHTED_POSTINGS`], otherwise a superset of the best
/// [`KEPT_POSTINGS`], and then every document in `members`.
struct TermPostings {
    key: Key,
    df: u32,
    postings: Vec<Posting>,
    /// Every document containing the term, in order, once `df` exceeds
    /// [`WEIGHTED_POSTINGS`]; empty before.
    members: Vec<u32>,
    /// Once the postings have been cut to the best `KEPT_POSTINGS`, the
    /// lowest boosted weight among them: a later posting weighing no more
    /// ranks below all of them (postings arrive in document order, and ties
    /// go to the lower document), so it can never be kept.
    floor: Option<u32>,
    /// Once finished, the postings ranked right after the written ones,
    /// in document order: all of them up to [`RESERVE_POSTINGS`].
    reserve: Vec<Posting>,
}

impl TermPostings {
    fn new(key: Key) -> TermPostings {
        TermPostings { key, df: 0, postings: Vec::new(), members: Vec::new(), floor: None, reserve: Vec::new() }
    }

    fn push(&mut self, posting: Posting) {
        self.df += 1;
        if self.df as usize == WEIGHTED_POSTINGS + 1 {
            self.members = self.postings.iter().map(|p| p.doc).collect();
        }
        if !self.members.is_empty() {
            self.members.push(posting.doc);
        }
        if self.floor.is_some_and(|floor| posting.boosted() <= floor) {
            return;
        }
        self.postings.push(posting);
        if self.postings.len() >= 2 * KEPT_POSTINGS {
            self.postings.select_nth_unstable_by(KEPT_POSTINGS - 1, by_rank);
            self.postings.truncate(KEPT_POSTINGS);
            self.floor = self.postings.iter().map(Posting::boosted).min();
        }
    }

    /// The postings written: the best `WEIGHTED_POSTINGS` in document order when
    /// the term is cut, with the next best in `reserve`; all of them
    /// otherwise. Finishing a finished term changes nothing.
    fn finish(&mut self) {
        if self.df as usize > WEIGHTED_POSTINGS {
            let mut kept = std::mem::take(&mut self.postings);
            kept.append(&mut self.reserve);
            if kept.len() > KEPT_POSTINGS {
                kept.select_nth_unstable_by(KEPT_POSTINGS - 1, by_rank);
                kept.truncate(KEPT_POSTINGS);
            }
            kept.select_nth_unstable_by(WEIGHTED_POSTINGS - 1, by_rank);
            self.reserve = kept.split_off(WEIGHTED_POSTINGS);
            self.reserve.sort_unstable_by_key(|p| p.doc);
            self.postings = kept;
            self.postings.sort_unstable_by_key(|p| p.doc);
            self.floor = None;
        }
        self.postings.shrink_to_fit();
        self.reserve.shrink_to_fit();
    }
}

/// The terms whose key hashes to one partition.
#[derive(Default)]
struct Partition {
    numbers: KeyMap<u32>,
    terms: Vec<TermPostings>,
}

/// What a tokenizing task hands to the merge: its postings by partition,
/// each in document order.
struct TaskOutput {
    partitions: Vec<Vec<(Key, Posting)>>,
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
    pub merged_terms: usize,
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

/// Where pass 2 reads a document's terms: its token-cache payload (cached
/// or made in pass 1), or its text when the site is too large for the cache.
enum Source<'c> {
    Cached(Payload<'c>),
    Fresh(Vec<u8>),
    Text,
}

/// Turns documents `first..` into postings grouped by partition, of the
/// terms in `only` if given.
#[allow(clippy::too_many_arguments)]
fn tokenize_task(
    docs: &[&SearchDoc],
    sources: &[Source<'_>],
    first: u32,
    scorer: &Scorer<'_>,
    long: &LongWords,
    only: Option<&KeyMap<()>>,
    tf: &mut KeyMap<[u8; 5]>,
    word: &mut String,
) -> TaskOutput {
    let mut partitions: Vec<Vec<(Key, Posting)>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
    for (i, (doc, source)) in docs.iter().zip(sources).enumerate() {
        let number = first + i as u32;
        let mut push = |key: Key, counts: [u8; 5]| {
            if only.is_some_and(|only| !only.contains_key(&key)) {
                return;
            }
            partitions[partition_of(key)].push((key, scorer.posting(number, counts)));
        };
        match source {
            Source::Cached(payload) => payload.for_each_term(long, push),
            Source::Fresh(bytes) => Payload::trusted(bytes).for_each_term(long, push),
            Source::Text => {
                tf.clear();
                for_each_field(doc, |field, text| {
                    scan(text, word, |token| {
                        let counts = tf.entry(terms::key(token, long)).or_default();
                        counts[field] = counts[field].saturating_add(1);
                    });
                });
                tf.iter().for_each(|(&key, &counts)| push(key, counts));
            }
        }
    }
    TaskOutput { partitions }
}

/// Writes the shards under `dir` (normally `public/search`). Groups found
/// in `previous` (the last build's `search/`) are hard-linked from there,
/// because an edit changes a few of them and creating files is the
/// expensive part. Documents found in `cache` are not tokenized again.
///
/// Phases: [`collect_postings`] → [`assign_buckets`] → [`write_generation`]
/// → [`write_manifest`].
pub(super) fn write(
    docs: &[&SearchDoc],
    dir: &Path,
    previous: Option<&Path>,
    client: &ClientData,
    cache: &TokenCache,
) -> io::Result<Written> {
    // Document numbers are u32 to keep postings small.
    if u32::try_from(docs.len()).is_err() {
        return Err(io::Error::other("more than 2^32 search documents"));
    }
    // The place table needs no postings: unless the build made it already,
    // it is made while the serial steps of collecting them leave a core idle.
    let (Collected { mut partitions, long, basis, merged_terms, tokens }, (places, place_context)) =
        rayon::join(|| collect_postings(docs, cache), crate::taxonomy::client_places);
    let place_context = *place_context;
    let buckets = assign_buckets(&mut partitions, docs.len(), &long);
    let count = buckets.count;
    let chunks_per_group = count.div_ceil(CHUNK_GROUPS);
    let block_size = client.member_blocks;
    // What the next build reads (the token entries, the merged postings)
    // is saved beside the chunks, which wait on none of it. The token
    // entries are saved on the pool, not on a thread of their own: saving
    // uses the pool, and a worker waiting on a thread that waits on the
    // pool deadlocks when every worker does (concurrent builds in one
    // process).
    let doc_digests = tokens.as_ref().map(|tokens| tokens.iter().map(|(digest, _)| *digest).collect());
    let save_tokens = || tokens.map(|tokens| cache.save(&tokens));
    let memo = fragments::Memo::load(cache, doc_digests.unwrap_or_default());
    let (generation, _) = rayon::join(
        || {
            std::thread::scope(|scope| {
                let save_postings = |partitions: &[Partition]| {
                    if cache.enabled() {
                        let postings = basis.map(|basis| postings_cache::encode(&basis, partitions, &long));
                        scope.spawn(move || cache.save_postings(postings.as_deref()));
                    }
                };
                write_generation(
                    docs,
                    partitions,
                    buckets,
                    &long,
                    places,
                    chunks_per_group,
                    block_size,
                    dir,
                    previous,
                    &memo,
                    save_postings,
                )
            })
        },
        save_tokens,
    );
    let generation = generation?;
    fragments::Memo::save(cache, &generation.fragments_made);
    let manifest = write_manifest(dir, &generation, chunks_per_group, docs.len(), count, client, place_context)?;
    let files = generation.files.into_iter().chain(["manifest.json".to_string()]).collect();
    Ok(Written { files, bytes: generation.bytes + manifest, merged_terms })
}

/// What [`collect_postings`] merged.
struct Collected {
    partitions: Vec<Partition>,
    /// The words too long to be their own keys, by number.
    long: Vec<String>,
    /// What the postings were merged from, when they are to be kept for
    /// the next build (see [`postings_cache`]).
    basis: Option<postings_cache::Basis>,
    /// Terms whose postings were worked out rather than taken as the last
    /// build left them.
    merged_terms: usize,
    /// Every document's token-cache digest, with its entry when it was
    /// tokenized this build, for [`TokenCache::save`].
    tokens: Option<Vec<(DocDigest, Option<Vec<u8>>)>>,
}

/// Every term's capped, weighted postings, by partition. Documents found
/// in `cache` are not tokenized; the others' entries are saved into it once
/// every document is merged. When the cache holds the last build's merged
/// postings and they still stand, only the terms of changed documents are
/// worked out again, from their postings alone where the saved ones allow.
fn collect_postings(docs: &[&SearchDoc], cache: &TokenCache) -> Collected {
    // Pass 1: field lengths, for the BM25 length normalisation the weights
    // need before the cap can pick the best postings; with the cache, each
    // document's terms too, from the cache or tokenized once.
    let long = LongWords::default();
    let use_cache = cache.enabled() && docs.len() <= token_cache::MAX_DOCS;
    let (digests, sources): (Vec<DocDigest>, Vec<Source<'_>>) = docs
        .par_iter()
        .map_init(
            || (KeyMap::default(), String::new()),
            |(tf, word), doc| {
                if !use_cache {
                    return (0, Source::Text);
                }
                let digest = token_cache::digest(doc);
                match cache.get(digest) {
                    Some(payload) => (digest, Source::Cached(payload)),
                    None => (digest, Source::Fresh(token_cache::encode(doc, &long, tf, word))),
                }
            },
        )
        .unzip();
    let lengths: Vec<[u32; 5]> = docs
        .par_iter()
        .zip(&sources)
        .map_init(String::new, |word, (doc, source)| match source {
            Source::Cached(payload) => payload.lengths(),
            Source::Fresh(bytes) => Payload::trusted(bytes).lengths(),
            Source::Text => field_lengths(doc, word),
        })
        .collect();
    let scorer = Scorer { lengths: &lengths, avg: average_lengths(&lengths) };
    let basis = use_cache.then(|| postings_cache::Basis::new(docs, scorer.avg, digests.clone()));

    let updated = basis.as_ref().and_then(|basis| {
        let previous = postings_cache::Previous::parse(cache.previous_postings())?;
        let changes = previous.changes(basis, &sources, cache, &long, &scorer)?;
        previous.partitions(&long, &changes)
    });
    let (partitions, merged_terms) = match updated {
        Some(postings_cache::Updated { mut partitions, rescan, updated }) => {
            if !rescan.is_empty() {
                for (partition, merged) in
                    partitions.iter_mut().zip(merge(docs, &sources, &scorer, &long, Some(&rescan)))
                {
                    partition.terms.extend(merged.terms);
                }
            }
            (partitions, updated + rescan.len())
        }
        None => {
            let partitions = merge(docs, &sources, &scorer, &long, None);
            let merged_terms = partitions.iter().map(|p| p.terms.len()).sum();
            (partitions, merged_terms)
        }
    };
    let tokens = use_cache.then(|| {
        digests
            .into_iter()
            .zip(sources)
            .map(|(digest, source)| match source {
                Source::Fresh(bytes) => (digest, Some(bytes)),
                Source::Cached(_) | Source::Text => (digest, None),
            })
            .collect()
    });
    Collected { partitions, long: long.into_words(), basis, merged_terms, tokens }
}

/// Pass 2: the postings of every document (of the terms in `only`, if
/// given) in parallel batches, each batch then merged into the term
/// partitions, one thread per partition. Postings reach a term in document
/// order, and the cap keeps the best by a total order, so the result does
/// not depend on scheduling.
fn merge(
    docs: &[&SearchDoc],
    sources: &[Source<'_>],
    scorer: &Scorer<'_>,
    long: &LongWords,
    only: Option<&KeyMap<()>>,
) -> Vec<Partition> {
    let mut partitions: Vec<Partition> = (0..PARTITIONS).map(|_| Partition::default()).collect();
    for (batch_no, (batch, batch_sources)) in docs.chunks(BATCH).zip(sources.chunks(BATCH)).enumerate() {
        let outputs: Vec<TaskOutput> = batch
            .par_chunks(TASK)
            .zip(batch_sources.par_chunks(TASK))
            .enumerate()
            .map_init(
                || (KeyMap::default(), String::new()),
                |(tf, word), (task_no, (task, task_sources))| {
                    let first = (batch_no * BATCH + task_no * TASK) as u32;
                    tokenize_task(task, task_sources, first, scorer, long, only, tf, word)
                },
            )
            .collect();
        partitions.par_iter_mut().enumerate().for_each(|(p, partition)| {
            for output in &outputs {
                for &(key, posting) in &output.partitions[p] {
                    let next = partition.terms.len() as u32;
                    let n = *partition.numbers.entry(key).or_insert(next);
                    if n == next {
                        partition.terms.push(TermPostings::new(key));
                    }
                    partition.terms[n as usize].push(posting);
                }
            }
        });
    }
    partitions
}

/// Average tokens per field, to three significant digits: an edit then
/// leaves the averages, and with them the weights of every other document,
/// as they were, unless it moves an average across a rounding step (at
/// 10k pages, one edit in a few thousand does). The weights only need the
/// averages roughly.
fn average_lengths(lengths: &[[u32; 5]]) -> [f64; 5] {
    std::array::from_fn(|f| {
        let total: u64 = lengths.iter().map(|l| u64::from(l[f])).sum();
        round_significant(total as f64 / lengths.len().max(1) as f64, 3)
    })
}

/// `x` rounded to `digits` significant decimal digits.
fn round_significant(x: f64, digits: i32) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(digits - 1 - x.log10().floor() as i32);
    (x * scale).round() / scale
}

/// `n` rounded up to five significant bits (`16..=31` times a power of
/// two): the bucket count moves in steps of 3–6% instead of one, so an
/// edit almost never changes it, and with it every term's bucket.
fn coarse_bucket_count(n: usize) -> usize {
    let bits = usize::BITS - n.leading_zeros();
    if bits <= 5 {
        return n.max(1);
    }
    let shift = bits - 5;
    n.div_ceil(1 << shift) << shift
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
    let buckets = coarse_bucket_count(estimate.div_ceil(TARGET_CHUNK_BYTES));

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

/// Files that change together, in a directory named by their digest.
struct Group {
    /// 16 hex digits of an xxh3 digest of every file's name and bytes: the
    /// names only need to differ when the files do, and SHA-256 over every
    /// chunk took 3% of a one-edit rebuild's CPU.
    name: String,
    /// Paths inside the group's directory, and bytes.
    files: Vec<(String, Vec<u8>)>,
}

impl Group {
    fn new(files: Vec<(String, Vec<u8>)>) -> Group {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for (name, bytes) in &files {
            hasher.update(&(name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        let name = crate::text::hex(&hasher.digest128().to_le_bytes()[..8]);
        Group { name, files }
    }
}

/// What [`write_groups`] wrote.
struct Generation {
    /// Directory names of the chunk groups, of the fragment groups, and of
    /// the facets.
    chunk_groups: Vec<String>,
    fragment_groups: Vec<String>,
    /// What each fragment group was made from, for the next build.
    fragments_made: Vec<fragments::Made>,
    facets: String,
    /// Paths relative to the search directory.
    files: Vec<String>,
    bytes: u64,
}

/// Builds the chunk, own-postings, fragment and facet files and writes
/// them in their groups (into `dir`, linking what `previous` holds).
/// `alongside` gets the postings while the chunks are built; they are freed
/// once the chunk files hold them.
#[allow(clippy::too_many_arguments)]
fn write_generation(
    docs: &[&SearchDoc],
    partitions: Vec<Partition>,
    buckets: Buckets,
    long: &[String],
    places: &[(&str, String)],
    chunks_per_group: usize,
    block_size: MemberBlocks,
    dir: &Path,
    previous: Option<&Path>,
    memo: &fragments::Memo,
    alongside: impl FnOnce(&[Partition]) + Send,
) -> io::Result<Generation> {
    let mut places_of: Vec<Vec<(&str, &str)>> = vec![Vec::new(); buckets.count];
    for (bigram, json) in places {
        places_of[fnv1a_32(bigram) as usize % buckets.count].push((bigram, json));
    }
    let (chunk_groups, ()) = rayon::join(
        || chunk_groups(&partitions, &buckets, long, &places_of, chunks_per_group, docs.len(), block_size),
        || alongside(&partitions),
    );
    // Every term's postings: tens of milliseconds to free.
    crate::fsutil::drop_aside((buckets, partitions));
    let fragments = docs.len().div_ceil(FRAGMENT_DOCS);
    let fragments_per_group = fragments.div_ceil(FRAGMENT_GROUPS).max(1);
    fs::create_dir_all(dir)?;
    let fragment_groups: Vec<fragments::Fragments> = (0..fragments.div_ceil(fragments_per_group))
        .into_par_iter()
        .map(|g| {
            let first = g * fragments_per_group;
            let end = ((first + fragments_per_group) * FRAGMENT_DOCS).min(docs.len());
            fragments::group(first, &docs[first * FRAGMENT_DOCS..end], memo, dir, previous)
        })
        .collect::<io::Result<_>>()?;
    let facets =
        Group::new(super::facets::files(docs).into_iter().map(|(name, bytes)| (format!("f/{name}"), bytes)).collect());

    let in_place: Vec<(usize, &fragments::Made)> = fragment_groups
        .iter()
        .enumerate()
        .filter_map(|(g, group)| match group {
            fragments::Fragments::InPlace(made) => Some((g, made)),
            fragments::Fragments::Made(..) => None,
        })
        .collect();
    let made = fragment_groups.iter().filter_map(|group| match group {
        fragments::Fragments::Made(_, group) => Some(group),
        fragments::Fragments::InPlace(_) => None,
    });
    let groups: Vec<&Group> = chunk_groups.iter().chain(made).chain([&facets]).collect();
    let in_place_names: Vec<&str> = in_place.iter().map(|(_, made)| made.name.as_str()).collect();
    write_groups(&groups, &in_place_names, dir, previous)?;
    let in_place_files = in_place.iter().flat_map(|&(g, made)| {
        let first = g * fragments_per_group;
        (first..(first + fragments_per_group).min(fragments)).map(move |n| format!("{}/d/{n}.json", made.name))
    });
    let files = groups.iter().flat_map(|g| g.files.iter().map(|(rel, _)| format!("{}/{rel}", g.name)));
    let files = files.chain(in_place_files).collect();
    let written: u64 = groups.iter().flat_map(|g| &g.files).map(|(_, bytes)| bytes.len() as u64).sum();
    let bytes = written + in_place.iter().map(|(_, made)| made.bytes).sum::<u64>();
    let fragments_made: Vec<fragments::Made> = fragment_groups
        .into_iter()
        .map(|group| match group {
            fragments::Fragments::InPlace(made) | fragments::Fragments::Made(made, _) => made,
        })
        .collect();
    Ok(Generation {
        chunk_groups: chunk_groups.into_iter().map(|g| g.name).collect(),
        fragment_groups: fragments_made.iter().map(|made| made.name.clone()).collect(),
        fragments_made,
        facets: facets.name,
        files,
        bytes,
    })
}

/// The chunk groups: each bucket's terms (`t/`), with the postings of the
/// largest in files of their own (`p/`, `m/`).
fn chunk_groups(
    partitions: &[Partition],
    buckets: &Buckets,
    long: &[String],
    places_of: &[Vec<(&str, &str)>],
    chunks_per_group: usize,
    docs: usize,
    block_size: MemberBlocks,
) -> Vec<Group> {
    (0..buckets.count.div_ceil(chunks_per_group))
        .into_par_iter()
        .map(|g| {
            let mut files = Vec::new();
            let mut own_files = Vec::new();
            let first = g * chunks_per_group;
            let last = ((g + 1) * chunks_per_group).min(buckets.count);
            for (b, places) in places_of.iter().enumerate().take(last).skip(first) {
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
                let own = chunk_json(&chunk, places, docs, block_size, &mut out);
                files.push((format!("t/{b}.json"), out));
                for (i, own) in own.into_iter().enumerate() {
                    own_files.push((format!("p/{b}.{i}.json"), own.entry));
                    // A block file is a JSON string of the digits.
                    own_files.extend(own.blocks.into_iter().map(|(block, text)| {
                        let mut quoted = Vec::with_capacity(text.len() + 2);
                        quoted.push(b'"');
                        quoted.extend(text);
                        quoted.push(b'"');
                        (format!("m/{b}.{i}.{block}.json"), quoted)
                    }));
                }
            }
            files.extend(own_files);
            Group::new(files)
        })
        .collect()
}

/// Makes `dir/<name>/` hold each group's files and removes every other
/// group directory. A group directory already there is complete (it is
/// only ever created by renaming a finished one) and, being named by its
/// content, right. One found in `previous` (the search directory of the
/// site this one replaces) is hard-linked file by file, so an unchanged
/// group costs no writing and keeps its files' identity; the rest are
/// written. Groups are written in parallel: each is its own directory, so
/// threads do not contend for one directory's lock.
fn write_groups(groups: &[&Group], in_place: &[&str], dir: &Path, previous: Option<&Path>) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    groups.par_iter().try_for_each(|group| {
        let target = dir.join(&group.name);
        if target.is_dir() {
            return Ok(());
        }
        let tmp = dir.join(format!(".building-{}-{}", std::process::id(), group.name));
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        let old = previous.map(|p| p.join(&group.name)).filter(|old| old.is_dir());
        for (rel, bytes) in &group.files {
            let path = tmp.join(rel);
            if let Some(parent) = path.parent()
                && !parent.is_dir()
            {
                fs::create_dir_all(parent)?;
            }
            let linked = old.as_ref().is_some_and(|old| fs::hard_link(old.join(rel), &path).is_ok());
            if !linked {
                fs::write(&path, bytes)?;
            }
        }
        if group.files.is_empty() {
            fs::create_dir_all(&tmp)?;
        }
        fs::rename(&tmp, &target)
    })?;
    let keep: std::collections::HashSet<&str> =
        groups.iter().map(|g| g.name.as_str()).chain(in_place.iter().copied()).collect();
    remove_other_groups(dir, &keep)
}

/// Points `dir/manifest.json` at the groups of `generation`; returns its size.
fn write_manifest(
    dir: &Path,
    generation: &Generation,
    chunks_per_group: usize,
    docs: usize,
    buckets: usize,
    client: &ClientData,
    place_context: &[&str],
) -> io::Result<u64> {
    let fragments_per_group = docs.div_ceil(FRAGMENT_DOCS).div_ceil(FRAGMENT_GROUPS).max(1);
    let manifest = json!({
        "version": FORMAT_VERSION,
        "chunks": {"per": chunks_per_group, "dirs": generation.chunk_groups},
        "fragments": {"per": fragments_per_group, "dirs": generation.fragment_groups},
        "facets": generation.facets,
        "docs": docs,
        "buckets": buckets,
        "fragment": FRAGMENT_DOCS,
        "block": client.member_blocks.docs,
        "groupRange": super::facets::GROUP_RANGE_DOCS,
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
    /// Document `doc`'s posting for a term it holds `counts` times per field.
    fn posting(&self, doc: u32, counts: [u8; 5]) -> Posting {
        let mut weights = [0u8; 5];
        for (field, &n) in counts.iter().enumerate() {
            if n > 0 {
                weights[field] = self.weight(doc, field, n);
            }
        }
        Posting { doc, weights }
    }

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

/// Length of `members` as document deltas from `first`, in digits.
fn delta_digits(members: &[u32], first: u32) -> usize {
    let mut previous = first;
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
    if members.is_empty() { 0 } else { 1 + delta_digits(members, 0).min(docs.div_ceil(6)) }
}

/// The membership string of the module doc for `members`, numbered from
/// `first`, among `docs` documents from `first` on: empty, `b` + bitmap or
/// `d` + deltas, whichever is shorter.
fn push_members(out: &mut Vec<u8>, members: &[u32], first: u32, docs: usize) {
    if members.is_empty() {
        return;
    }
    let relative = members.iter().map(|&doc| doc - first);
    if docs.div_ceil(6) <= delta_digits(members, first) {
        out.push(b'b');
        let mut bits = vec![0u8; docs.div_ceil(6)];
        for doc in relative {
            bits[doc as usize / 6] |= 1 << (doc % 6);
        }
        out.extend(bits.iter().map(|&b| DIGITS[usize::from(b)]));
    } else {
        out.push(b'd');
        let mut previous = 0;
        for doc in relative {
            push_delta(out, doc - previous);
            previous = doc;
        }
    }
}

/// The membership of `members` among `docs` documents, cut into blocks of
/// `block_size`: `(count, string)` of every block, in order.
fn member_blocks(members: &[u32], docs: usize, block_size: MemberBlocks) -> Vec<(usize, Vec<u8>)> {
    let size = block_size.docs;
    (0..docs.div_ceil(size))
        .map(|block| {
            let first = (block * size) as u32;
            let end = first + size as u32;
            let from = members.partition_point(|&doc| doc < first);
            let to = members.partition_point(|&doc| doc < end);
            let mut out = Vec::new();
            push_members(&mut out, &members[from..to], first, size.min(docs - first as usize));
            (to - from, out)
        })
        .collect()
}

/// A common term's entry, written as a file of its own, and the blocks of
/// its membership, if cut: `(block number, string)` of each non-empty one.
struct OwnEntry {
    entry: Vec<u8>,
    blocks: Vec<(usize, Vec<u8>)>,
}

/// The chunk for `terms` in term order, each with its finished postings,
/// of a site of `docs` documents. A term whose entry would be longer than
/// [`OWN_FILE_BYTES`], or whose membership is cut into blocks, gets a file
/// of its own, returned in order, and the chunk holds `[df, n]`, `n` its
/// number among them.
fn chunk_json(
    terms: &[(TermText<'_>, &TermPostings)],
    places: &[(&str, &str)],
    docs: usize,
    block_size: MemberBlocks,
    out: &mut Vec<u8>,
) -> Vec<OwnEntry> {
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
        let blocks = entry_json(term, docs, block_size, &mut entry);
        if entry.len() > OWN_FILE_BYTES || !blocks.is_empty() {
            out.push(b'[');
            push_number(out, u64::from(term.df));
            out.push(b',');
            push_number(out, own.len() as u64);
            out.push(b']');
            own.push(OwnEntry { entry, blocks });
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

/// `[df, postings, members]` of one term. When the membership string would
/// be longer than `block_size` keeps inline, `members` is instead
/// `[count, bytes, …]`, the documents and string length of each block, and
/// the non-empty blocks are returned.
fn entry_json(term: &TermPostings, docs: usize, block_size: MemberBlocks, out: &mut Vec<u8>) -> Vec<(usize, Vec<u8>)> {
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
    out.extend_from_slice(b"\",");
    if members_bytes(&term.members, docs) <= block_size.inline_bytes() {
        out.push(b'"');
        push_members(out, &term.members, 0, docs);
        out.extend_from_slice(b"\"]");
        return Vec::new();
    }
    let blocks = member_blocks(&term.members, docs, block_size);
    out.push(b'[');
    for (i, (count, text)) in blocks.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_number(out, *count as u64);
        out.push(b',');
        push_number(out, text.len() as u64);
    }
    out.extend_from_slice(b"]]");
    blocks.into_iter().enumerate().filter(|(_, (count, _))| *count > 0).map(|(b, (_, text))| (b, text)).collect()
}

/// Deletes group directories of earlier builds (and interrupted ones) so
/// `public/` holds only what the manifest names.
fn remove_other_groups(dir: &Path, keep: &std::collections::HashSet<&str>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_generation = name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if entry.file_type()?.is_dir() && !keep.contains(&*name) && (is_generation || name.starts_with(".building-")) {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fragments::passage;
    use super::*;
    use crate::search::clip;

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

    fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), fs::read(e.path()).unwrap()))
            .collect()
    }

    #[test]
    fn edits_settled_from_the_saved_postings_write_the_index_a_full_merge_does() {
        // Every body is 20 characters, so edits that swap characters leave
        // the average lengths alone. 医保 is in every document, capped;
        // how often a body says it decides its best.
        let body = |times: usize| format!("{}{}", "医保".repeat(times), "好".repeat(20 - 2 * times));
        let mut bodies: Vec<String> = (0..WEIGHTED_POSTINGS + 200).map(|n| body(n % 10 + 1)).collect();
        let cache_dir = tempfile::tempdir().unwrap();
        let write_with = |bodies: &[String], cache: &TokenCache| {
            let docs: Vec<SearchDoc> = bodies.iter().enumerate().map(|(n, b)| doc(n, b)).collect();
            let refs: Vec<&SearchDoc> = docs.iter().collect();
            let out = tempfile::tempdir().unwrap();
            let written = write(&refs, out.path(), None, &ClientData::default(), cache).unwrap();
            (written.merged_terms, tree(out.path()))
        };
        let (all_terms, _) = write_with(&bodies, &TokenCache::load(cache_dir.path()));
        // Documents among the best for 医保 fall out of them, one at a
        // time and then several at once, and others rise; then one leaves
        // the term entirely.
        let edits: [&[(usize, usize)]; 4] =
            [&[(9, 1)], &[(19, 1), (29, 1), (30, 10)], &[(41, 10), (59, 2), (69, 1)], &[(79, 0)]];
        for edit in edits {
            for &(n, times) in edit {
                bodies[n] = body(times);
            }
            let (merged, index) = write_with(&bodies, &TokenCache::load(cache_dir.path()));
            assert!(merged < all_terms / 2, "{merged} of {all_terms} terms merged after {edit:?}");
            assert!(index == write_with(&bodies, &TokenCache::disabled()).1, "the index after {edit:?} differs");
        }
    }

    #[test]
    fn fragment_groups_stay_in_place_unless_their_documents_change_or_their_files_are_gone() {
        use std::os::unix::fs::MetadataExt;
        let body = |n: usize, tail: &str| format!("第{n}篇正文，开头讲参保。{}{tail}", "内容".repeat(120));
        let mut bodies: Vec<String> = (0..300).map(|n| body(n, "")).collect();
        let mut titles: Vec<String> = (0..300).map(|n| format!("标题{n}")).collect();
        let cache_dir = tempfile::tempdir().unwrap();
        let sites = tempfile::tempdir().unwrap();
        let write_into =
            |name: &str, previous: Option<&str>, cache: &TokenCache, bodies: &[String], titles: &[String]| {
                let docs: Vec<SearchDoc> = bodies
                    .iter()
                    .zip(titles)
                    .enumerate()
                    .map(|(n, (b, t))| SearchDoc { title: t.clone(), ..doc(n, b) })
                    .collect();
                let refs: Vec<&SearchDoc> = docs.iter().collect();
                let dir = sites.path().join(name);
                let previous = previous.map(|p| sites.path().join(p));
                write(&refs, &dir, previous.as_deref(), &ClientData::default(), cache).unwrap();
                let manifest: serde_json::Value =
                    serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
                let groups: Vec<String> = serde_json::from_value(manifest["fragments"]["dirs"].clone()).unwrap();
                (tree(&dir), groups)
            };
        let clean =
            |bodies: &[String], titles: &[String]| write_into("clean", None, &TokenCache::disabled(), bodies, titles).0;

        let (_, before) = write_into("a", None, &TokenCache::load(cache_dir.path()), &bodies, &titles);
        // A body edit past the passage changes no fragment; a title does.
        bodies[7] = body(7, "，最后一句改过");
        titles[200] = "改过的标题".into();
        let (tree_b, after) = write_into("b", Some("a"), &TokenCache::load(cache_dir.path()), &bodies, &titles);
        assert_eq!(tree_b, clean(&bodies, &titles));
        let per = 300usize.div_ceil(FRAGMENT_GROUPS);
        let changed: Vec<usize> = (0..before.len()).filter(|&g| before[g] != after[g]).collect();
        assert_eq!(changed, [200 / per], "only the retitled document's group is made again");
        let inode = |site: &str, g: usize, n: usize| {
            fs::metadata(sites.path().join(site).join(&after[g]).join(format!("d/{n}.json"))).unwrap().ino()
        };
        assert_eq!(inode("a", 7 / per, 7), inode("b", 7 / per, 7), "a kept group is linked, not written");

        // The memo names groups that neither place holds: they are made.
        let (tree_c, _) = write_into("c", None, &TokenCache::load(cache_dir.path()), &bodies, &titles);
        assert_eq!(tree_c, clean(&bodies, &titles));
    }

    /// The passage as first written, word by word: the char-by-char one
    /// must give the same bytes.
    fn passage_by_words(doc: &SearchDoc) -> String {
        let mut folded = String::new();
        let mut chars = 0;
        for word in doc.answer.split_whitespace().chain(doc.body.split_whitespace()) {
            if !folded.is_empty() {
                folded.push(' ');
                chars += 1;
            }
            if chars > PASSAGE_CHARS {
                break;
            }
            let room = PASSAGE_CHARS + 1 - chars;
            match word.char_indices().nth(room) {
                Some((end, _)) => {
                    folded.push_str(&word[..end]);
                    break;
                }
                None => {
                    folded.push_str(word);
                    chars += word.chars().count();
                }
            }
        }
        clip(&folded, PASSAGE_CHARS)
    }

    proptest::proptest! {
        #[test]
        fn a_passage_folds_whitespace_exactly_as_word_by_word(
            answer in "[医保 \n\u{3000}a-c]{0,40}",
            words in proptest::collection::vec(("[医保报销a-c]{1,200}", "[ \n\t\u{3000}]{1,3}"), 0..12),
        ) {
            let body: String = words.iter().map(|(word, space)| format!("{word}{space}")).collect();
            let doc = SearchDoc { answer: answer.clone(), ..doc(0, &body) };
            proptest::prop_assert_eq!(passage(&doc), passage_by_words(&doc));
        }
    }

    #[test]
    fn a_passage_is_the_answer_and_body_with_whitespace_folded_and_clipped() {
        let answer = |answer: &str, body: &str| passage(&SearchDoc { answer: answer.into(), ..doc(0, body) });
        assert_eq!(answer("", "  医保\n\n  报销 "), "医保 报销");
        assert_eq!(answer("可以", "正文"), "可以 正文");
        let long = "医".repeat(PASSAGE_CHARS + 5);
        assert_eq!(answer("", &long), format!("{}…", "医".repeat(PASSAGE_CHARS)), "one word longer than the clip");
        let words = format!("{} 二", "一".repeat(PASSAGE_CHARS));
        assert_eq!(answer("", &words), format!("{}…", "一".repeat(PASSAGE_CHARS)), "no space before the ellipsis");
        let exact = "二".repeat(PASSAGE_CHARS);
        assert_eq!(answer("", &format!("{exact}\n")), exact, "exactly the clip's length is whole");
    }

    fn entry(dir: &Path, term: &str) -> serde_json::Value {
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let bucket = fnv1a_32(term) % manifest["buckets"].as_u64().unwrap() as u32;
        let per = manifest["chunks"]["per"].as_u64().unwrap() as u32;
        let group = dir.join(manifest["chunks"]["dirs"][(bucket / per) as usize].as_str().unwrap());
        let path = group.join(format!("t/{bucket}.json"));
        let chunk: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        match chunk[term][1].as_u64() {
            Some(n) => {
                let own = group.join(format!("p/{bucket}.{n}.json"));
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
        write(&refs, dir.path(), None, &ClientData::default(), &TokenCache::disabled()).unwrap();
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
        write(&refs, dir.path(), None, &ClientData::default(), &TokenCache::disabled()).unwrap();
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
    fn the_capped_postings_are_exactly_the_best_by_rank() {
        // Few distinct weights, so that ties (broken by document) abound,
        // and later documents often weigh more than the kept ones.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as u8
        };
        for total in [WEIGHTED_POSTINGS + 1, 2 * WEIGHTED_POSTINGS, 5_000] {
            let all: Vec<Posting> = (0..total as u32)
                .map(|doc| Posting { doc, weights: [next() % 4, 0, next() % 6 + 1, 0, next() % 2] })
                .collect();
            let mut term = TermPostings::new(0);
            all.iter().for_each(|&p| term.push(p));
            term.finish();
            let mut expected = all.clone();
            expected.sort_by(by_rank);
            expected.truncate(WEIGHTED_POSTINGS);
            expected.sort_by_key(|p| p.doc);
            let docs = |list: &[Posting]| list.iter().map(|p| (p.doc, p.weights)).collect::<Vec<_>>();
            assert_eq!(docs(&term.postings), docs(&expected), "{total} postings");
            assert_eq!(term.members, (0..total as u32).collect::<Vec<_>>());
        }
    }

    #[test]
    fn long_membership_lists_are_cut_into_blocks_that_together_hold_every_document() {
        let total = 2 * MEMBER_BLOCK_DOCS + 100;
        let docs: Vec<SearchDoc> = (0..total).map(|n| doc(n, if n % 3 == 0 { "别的" } else { "医保报销" })).collect();
        let refs: Vec<&SearchDoc> = docs.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        write(&refs, dir.path(), None, &ClientData::default(), &TokenCache::disabled()).unwrap();
        let expected: Vec<u32> = (0..total as u32).filter(|n| n % 3 != 0).collect();
        let common = entry(dir.path(), "医保");
        assert_eq!(common[0], expected.len());
        let blocks = common[2].as_array().expect("a membership this long is cut into blocks");
        assert_eq!(blocks.len(), 2 * total.div_ceil(MEMBER_BLOCK_DOCS), "[count, bytes] of every block");
        // Where the own file is, its blocks are: find it by the chunk.
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
        let bucket = fnv1a_32("医保") % manifest["buckets"].as_u64().unwrap() as u32;
        let per = manifest["chunks"]["per"].as_u64().unwrap() as u32;
        let group = dir.path().join(manifest["chunks"]["dirs"][(bucket / per) as usize].as_str().unwrap());
        let chunk: serde_json::Value =
            serde_json::from_slice(&fs::read(group.join(format!("t/{bucket}.json"))).unwrap()).unwrap();
        let own = chunk["医保"][1].as_u64().unwrap();
        let mut found = Vec::new();
        for (b, pair) in blocks.chunks(2).enumerate() {
            let bytes = fs::read(group.join(format!("m/{bucket}.{own}.{b}.json"))).unwrap();
            let text: String = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(pair[1], text.len(), "block {b}'s length");
            assert!(text.len() <= MEMBER_BLOCK_DOCS.div_ceil(6) + 1, "a block holds one block's documents");
            let first = (b * MEMBER_BLOCK_DOCS) as u32;
            let block_docs = MEMBER_BLOCK_DOCS.min(total - first as usize);
            let members: Vec<u32> = members(&text, block_docs).into_iter().map(|d| d + first).collect();
            assert_eq!(pair[0], members.len(), "block {b}'s count");
            found.extend(members);
        }
        assert_eq!(found, expected, "no document dropped");
    }

    #[test]
    fn sparse_common_terms_list_members_as_deltas() {
        let total = 20_000;
        let docs: Vec<SearchDoc> = (0..total).map(|n| doc(n, if n % 40 == 3 { "异地就医" } else { "别的" })).collect();
        let refs: Vec<&SearchDoc> = docs.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        write(&refs, dir.path(), None, &ClientData::default(), &TokenCache::disabled()).unwrap();
        let sparse = entry(dir.path(), "异地");
        let text = sparse[2].as_str().unwrap();
        assert!(text.starts_with('d'), "deltas are shorter than a bitmap here");
        let expected: Vec<u32> = (0..total as u32).filter(|n| n % 40 == 3).collect();
        assert_eq!(sparse[0], expected.len());
        assert_eq!(members(text, total), expected);
    }
}
