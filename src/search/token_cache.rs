//! Each document's token statistics from earlier builds, kept in
//! `.policypress-cache/search-tokens/`, so that a rebuild tokenizes only the
//! documents whose indexed text changed.
//!
//! A document's entry is keyed by a digest of its indexed fields and holds
//! its token count per field and, for every distinct term, its count per
//! field. That is exactly what tokenizing yields, so an index built from
//! cached entries is the index a clean build makes: the cache can only
//! save time, never change a byte of output.
//!
//! ```text
//! <nn>.bin   entries whose digest's first byte % SHARDS == nn
//!   header   MAGIC, FORMAT, the canary entry's checksum
//!   entry    digest (16 bytes), payload length (u32), xxh3 of payload (u64), payload
//!   payload  5 field lengths, term count, terms: key delta, field mask, one count per set bit;
//!            long-word count, long words: length, UTF-8 bytes, field mask, counts
//! ```
//!
//! Numbers are LEB128 varints. Entries are spread over [`SHARDS`] files so
//! that an edit rewrites two small files rather than the whole cache. The
//! header carries the entry of a fixed canary text: a build whose tokenizer
//! tokenizes it differently (another version of policypress) finds every
//! file foreign and starts over. An entry whose checksum is wrong is not
//! used; the document is tokenized again.

use rustc_hash::FxHashMap as HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use super::terms::{self, Key, KeyMap, LongWords};
use super::tokenize::{Token, scan};
use super::{SearchDoc, for_each_field};

/// Files the entries are spread over.
pub const SHARDS: usize = 64;
/// The merged postings of the last build, beside the entries they were
/// merged from.
const POSTINGS_FILE: &str = "postings.bin";
const MAGIC: &[u8; 8] = b"PPTOKENS";
const FORMAT: u32 = 1;
/// Past this many documents the cache is neither read nor written: its
/// entries take about 7 KB a document of memory, which a site of a hundred
/// thousand pages cannot spare, and such a site's rebuilds are not
/// interactive anyway.
pub const MAX_DOCS: usize = 30_000;
/// Tokenized for the header: Han runs, ASCII words short and long, digits,
/// full-width forms and a character beyond the BMP.
const CANARY: &str = "异地就医备案 App 2025年 ＡＰＰ 110101199003074514 𠀀〇 zzzzzzzzzzzz";
/// Bytes of an entry before its payload.
const ENTRY_HEAD: usize = 16 + 4 + 8;

pub type DocDigest = u128;

/// Where an entry's payload is: shard, start and end in its bytes.
type Location = (u16, u32, u32);

/// The digest of everything of `doc` that tokenizing reads.
pub fn digest(doc: &SearchDoc) -> DocDigest {
    let mut hasher = Xxh3::new();
    for_each_field(doc, |field, text| {
        hasher.update(&[field as u8]);
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    });
    hasher.digest128()
}

/// The entries read from the cache directory, by digest.
#[derive(Default)]
pub struct TokenCache {
    dir: Option<PathBuf>,
    shards: Vec<Vec<u8>>,
    index: HashMap<DocDigest, Location>,
    /// The last build's merged postings (see `shards::postings_cache`),
    /// as read; checked by whoever decodes them.
    postings: Vec<u8>,
}

impl TokenCache {
    /// Reads every shard under `dir`; a missing, foreign or damaged file
    /// contributes the entries it holds intact, if any.
    pub fn load(dir: &Path) -> TokenCache {
        let header = header();
        let shards: Vec<Vec<u8>> = (0..SHARDS)
            .into_par_iter()
            .map(|n| fs::read(shard_path(dir, n)).ok().filter(|bytes| bytes.starts_with(&header)).unwrap_or_default())
            .collect();
        let indexes: Vec<Vec<(DocDigest, Location)>> =
            shards.par_iter().enumerate().map(|(n, bytes)| index_shard(n, bytes, header.len())).collect();
        let index = indexes.into_iter().flatten().collect();
        let postings = fs::read(dir.join(POSTINGS_FILE)).unwrap_or_default();
        TokenCache { dir: Some(dir.to_path_buf()), shards, index, postings }
    }

    /// What [`TokenCache::save_postings`] saved last.
    pub(super) fn previous_postings(&self) -> &[u8] {
        &self.postings
    }

    /// Keeps `bytes` for the next build, or removes what was kept when
    /// there is nothing to keep. A file that cannot be written is removed.
    pub(super) fn save_postings(&self, bytes: Option<&[u8]>) {
        let Some(dir) = &self.dir else { return };
        let path = dir.join(POSTINGS_FILE);
        match bytes {
            Some(bytes) => crate::fsutil::write_cache(&path, bytes),
            None => {
                let _ = fs::remove_file(&path);
            }
        }
    }

    /// The file `name` beside the entries, for what else a build keeps
    /// for the next; none when the cache is disabled.
    pub(super) fn sibling(&self, name: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|dir| dir.join(name))
    }

    /// A cache that is neither read nor saved.
    pub fn disabled() -> TokenCache {
        TokenCache::default()
    }

    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// The payload recorded for `digest`.
    pub fn get(&self, digest: DocDigest) -> Option<Payload<'_>> {
        let &(shard, start, end) = self.index.get(&digest)?;
        // Checked when loaded.
        self.shards.get(usize::from(shard))?.get(start as usize..end as usize).map(Payload::trusted)
    }

    /// Writes the entries of `docs` (each digest with the payload computed
    /// this build, or none when it came from this cache), rewriting only
    /// the shards whose set of entries changed. A shard that cannot be
    /// written is removed, so that it is never half-written.
    pub fn save(&self, docs: &[(DocDigest, Option<Vec<u8>>)]) {
        let Some(dir) = &self.dir else { return };
        if fs::create_dir_all(dir).is_err() {
            return;
        }
        let mut by_shard: Vec<Vec<(DocDigest, &[u8])>> = vec![Vec::new(); SHARDS];
        for (digest, fresh) in docs {
            let payload = match fresh {
                Some(payload) => payload.as_slice(),
                None => match self.get(*digest) {
                    Some(payload) => payload.bytes,
                    None => continue,
                },
            };
            by_shard[shard_of(*digest)].push((*digest, payload));
        }
        let header = header();
        by_shard.into_par_iter().enumerate().for_each(|(n, mut entries)| {
            entries.sort_unstable_by_key(|(digest, _)| *digest);
            entries.dedup_by_key(|(digest, _)| *digest);
            let unchanged = entries.len() == self.entries_in(n)
                && entries.iter().all(|(digest, _)| self.index.get(digest).is_some_and(|e| usize::from(e.0) == n));
            if unchanged && self.shards.get(n).is_some_and(|bytes| !bytes.is_empty()) {
                return;
            }
            let mut out = header.clone();
            for (digest, payload) in entries {
                out.extend_from_slice(&digest.to_le_bytes());
                out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
                out.extend_from_slice(&xxh3_64(payload).to_le_bytes());
                out.extend_from_slice(payload);
            }
            let path = shard_path(dir, n);
            crate::fsutil::write_cache(&path, &out);
        });
    }

    fn entries_in(&self, shard: usize) -> usize {
        self.index.values().filter(|e| usize::from(e.0) == shard).count()
    }
}

fn shard_of(digest: DocDigest) -> usize {
    (digest as usize) % SHARDS
}

fn shard_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("{n:02}.bin"))
}

/// `MAGIC`, `FORMAT` and the checksum of the canary's payload.
pub(super) fn header() -> Vec<u8> {
    let long = LongWords::default();
    let mut tf = KeyMap::default();
    let canary = SearchDoc {
        url: String::new(),
        title: CANARY.to_string(),
        answer: CANARY.to_string(),
        body: CANARY.into(),
        regions: vec![CANARY.to_string()],
        topics: vec![CANARY.to_string()],
        kind: String::new(),
        summary: String::new(),
        date: String::new(),
        group: String::new(),
    };
    let payload = encode(&canary, &long, &mut tf, &mut String::new());
    let mut header = MAGIC.to_vec();
    header.extend_from_slice(&FORMAT.to_le_bytes());
    header.extend_from_slice(&xxh3_64(&payload).to_le_bytes());
    header
}

/// The intact entries of shard `n`, stopping at the first damaged one.
fn index_shard(n: usize, bytes: &[u8], header: usize) -> Vec<(DocDigest, Location)> {
    let mut entries = Vec::new();
    let mut at = header;
    while at + ENTRY_HEAD <= bytes.len() {
        let field = |from: usize, len: usize| &bytes[at + from..at + from + len];
        let digest = DocDigest::from_le_bytes(field(0, 16).try_into().unwrap_or_default());
        let len = u32::from_le_bytes(field(16, 4).try_into().unwrap_or_default()) as usize;
        let checksum = u64::from_le_bytes(field(20, 8).try_into().unwrap_or_default());
        let start = at + ENTRY_HEAD;
        let Some(payload) = start.checked_add(len).and_then(|end| bytes.get(start..end)) else { break };
        // The checksum is the check: decoding every entry's structure as
        // well was 4% of a one-edit rebuild at 10k, and the header's canary
        // already rejects files another encoder wrote.
        if xxh3_64(payload) != checksum || shard_of(digest) != n {
            break;
        }
        entries.push((digest, (n as u16, start as u32, (start + len) as u32)));
        at = start + len;
    }
    entries
}

/// Tokenizes `doc` into a payload. `tf` and `word` are scratch space.
pub fn encode(doc: &SearchDoc, long: &LongWords, tf: &mut KeyMap<[u8; 5]>, word: &mut String) -> Vec<u8> {
    tf.clear();
    let mut lengths = [0u32; 5];
    let mut long_words: Vec<(String, [u8; 5])> = Vec::new();
    for_each_field(doc, |field, text| {
        scan(text, word, |token| {
            lengths[field] = lengths[field].saturating_add(1);
            let key = terms::key(token, long);
            let counts = match token {
                Token::Word(w) if terms::is_long(key) => match long_words.iter().position(|(known, _)| known == w) {
                    Some(i) => &mut long_words[i].1,
                    None => {
                        long_words.push((w.to_string(), [0; 5]));
                        &mut long_words.last_mut().expect("just pushed").1
                    }
                },
                _ => tf.entry(key).or_default(),
            };
            counts[field] = counts[field].saturating_add(1);
        });
    });
    let mut sorted: Vec<(Key, [u8; 5])> = tf.iter().map(|(&k, &c)| (k, c)).collect();
    sorted.sort_unstable_by_key(|(key, _)| *key);
    long_words.sort_unstable();
    let mut out = Vec::with_capacity(sorted.len() * 5 + 16);
    lengths.iter().for_each(|&l| push_varint(&mut out, u64::from(l)));
    push_varint(&mut out, sorted.len() as u64);
    let mut previous = 0;
    for (key, counts) in &sorted {
        push_varint(&mut out, key - previous);
        previous = *key;
        push_counts(&mut out, counts);
    }
    push_varint(&mut out, long_words.len() as u64);
    for (word, counts) in &long_words {
        push_varint(&mut out, word.len() as u64);
        out.extend_from_slice(word.as_bytes());
        push_counts(&mut out, counts);
    }
    out
}

fn push_counts(out: &mut Vec<u8>, counts: &[u8; 5]) {
    let mask = counts.iter().enumerate().filter(|(_, n)| **n > 0).fold(0u8, |m, (f, _)| m | 1 << f);
    out.push(mask);
    out.extend(counts.iter().filter(|&&n| n > 0));
}

pub(super) fn push_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A payload's reader. Every accessor is total: a payload that is not what
/// [`encode`] writes reads as fewer or wrong terms, never as a panic.
pub struct Payload<'a> {
    bytes: &'a [u8],
}

impl<'a> Payload<'a> {
    /// A payload [`encode`] made, in this build or (its checksum says) an
    /// earlier one.
    pub fn trusted(bytes: &'a [u8]) -> Payload<'a> {
        Payload { bytes }
    }

    /// Tokens per field.
    pub fn lengths(&self) -> [u32; 5] {
        let mut reader = Reader { bytes: self.bytes, at: 0 };
        std::array::from_fn(|_| reader.varint().unwrap_or_default() as u32)
    }

    /// How many distinct terms `field` holds.
    pub fn terms_in(&self, field: usize) -> usize {
        let mut reader = Reader { bytes: self.bytes, at: 0 };
        for _ in 0..5 {
            reader.varint();
        }
        let mut found = 0;
        for _ in 0..reader.varint().unwrap_or_default() {
            reader.varint();
            found += usize::from(reader.counts().unwrap_or_default()[field] > 0);
        }
        for _ in 0..reader.varint().unwrap_or_default() {
            let len = reader.varint().unwrap_or_default() as usize;
            reader.take(len);
            found += usize::from(reader.counts().unwrap_or_default()[field] > 0);
        }
        found
    }

    /// Calls `f(key, counts)` for every term; long words are numbered in `long`.
    pub fn for_each_term(&self, long: &LongWords, mut f: impl FnMut(Key, [u8; 5])) {
        let mut reader = Reader { bytes: self.bytes, at: 0 };
        for _ in 0..5 {
            reader.varint();
        }
        let terms = reader.varint().unwrap_or_default();
        let mut key: Key = 0;
        for _ in 0..terms {
            key += reader.varint().unwrap_or_default();
            f(key, reader.counts().unwrap_or_default());
        }
        for _ in 0..reader.varint().unwrap_or_default() {
            let len = reader.varint().unwrap_or_default() as usize;
            let word = reader.take(len).and_then(|w| std::str::from_utf8(w).ok()).unwrap_or_default();
            let key = terms::key(Token::Word(word), long);
            f(key, reader.counts().unwrap_or_default());
        }
    }
}

pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            n |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    pub(super) fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let bytes = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        Some(bytes)
    }

    fn counts(&mut self) -> Option<[u8; 5]> {
        let mask = *self.bytes.get(self.at)?;
        self.at += 1;
        if mask == 0 || mask >= 1 << 5 {
            return None;
        }
        let mut counts = [0u8; 5];
        for (field, count) in counts.iter_mut().enumerate() {
            if mask & (1 << field) != 0 {
                *count = *self.bytes.get(self.at).filter(|&&n| n > 0)?;
                self.at += 1;
            }
        }
        Some(counts)
    }
}
