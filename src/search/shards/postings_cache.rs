//! The term tables the last build merged, kept beside the token cache
//! (`postings.bin`), so that a rebuild after an edit merges again only the
//! terms the edit touched: merging every document's postings was most of
//! the index's share of a one-edit rebuild.
//!
//! A term's postings depend on the documents holding it, their numbers,
//! their field lengths and the average field lengths. So the previous
//! tables stand for every term no changed document held or holds, as long
//! as the documents are numbered as before (the same URLs in the same
//! order) and the averages did not move. The touched terms are merged
//! again from every document, as a full merge would, so the index is the
//! same bytes either way. Anything else (other documents, moved averages,
//! a document changed whose old tokens the token cache lacks, a damaged
//! file or one another version wrote) means a full merge.
//!
//! ```text
//! header   MAGIC, xxh3 of the recipe (tokenizer canary, weighting), xxh3 of the body
//! body     URL digest (16 bytes), average lengths (5 × f64), document count, digests (16 bytes each),
//!          PARTITIONS + 1 sections, each its byte length then its terms
//! term     key delta in a partition's section, UTF-8 text (length first) in the last one
//!          (long words, whose keys are numbered anew by each build); df,
//!          postings: count, then document delta, field mask, one weight per set bit;
//!          members: count, then document deltas
//! ```
//!
//! Numbers are LEB128 varints. Sections are decoded in parallel; keys
//! ascend within a section and texts within the last one, so a term cannot
//! appear twice.

use rayon::prelude::*;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use super::super::terms::{self, Key, KeyMap, LongWords};
use super::super::token_cache::{self, DocDigest, Payload, Reader, TokenCache, push_varint};
use super::super::tokenize::Token;
use super::{
    B, FORMAT_VERSION, K1, PARTITIONS, Partition, Posting, Source, TermPostings, WEIGHT_SCALE, WEIGHTED_POSTINGS,
};
use super::{SearchDoc, partition_of};

const MAGIC: &[u8; 8] = b"PPPOSTNG";
const HEADER: usize = 8 + 8 + 8;
/// Past one document in this many changed, most terms are touched and
/// merging them all is as quick.
const CHANGED_ONE_IN: usize = 4;

/// What a build's postings were merged from, in document order.
pub(in crate::search) struct Basis {
    urls: u128,
    avg: [f64; 5],
    digests: Vec<DocDigest>,
}

impl Basis {
    pub(in crate::search) fn new(docs: &[&SearchDoc], avg: [f64; 5], digests: Vec<DocDigest>) -> Basis {
        let mut hasher = Xxh3::new();
        for doc in docs {
            hasher.update(&(doc.url.len() as u64).to_le_bytes());
            hasher.update(doc.url.as_bytes());
        }
        Basis { urls: hasher.digest128(), avg, digests }
    }
}

/// Names the tokenizer and the weighting: postings merged by a build that
/// does either differently are foreign.
fn recipe() -> u64 {
    let mut hasher = Xxh3::new();
    hasher.update(&token_cache::header());
    hasher.update(format!("{FORMAT_VERSION} {WEIGHTED_POSTINGS} {K1} {B} {WEIGHT_SCALE}").as_bytes());
    hasher.digest()
}

/// The saved form of `partitions`, finished, merged from `basis`.
pub(in crate::search) fn encode(basis: &Basis, partitions: &[Partition], long: &[String]) -> Vec<u8> {
    let mut sections: Vec<Vec<u8>> = partitions
        .par_iter()
        .map(|partition| {
            let mut terms: Vec<&TermPostings> = partition.terms.iter().filter(|t| !terms::is_long(t.key)).collect();
            terms.sort_unstable_by_key(|t| t.key);
            let mut out = Vec::new();
            let mut previous = 0;
            for term in terms {
                push_varint(&mut out, term.key - previous);
                previous = term.key;
                push_term(&mut out, term);
            }
            out
        })
        .collect();
    let mut long_terms: Vec<(String, &TermPostings)> = partitions
        .iter()
        .flat_map(|p| &p.terms)
        .filter(|t| terms::is_long(t.key))
        .map(|t| (terms::text(t.key, long).as_str().to_string(), t))
        .collect();
    long_terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut last = Vec::new();
    for (text, term) in long_terms {
        push_varint(&mut last, text.len() as u64);
        last.extend_from_slice(text.as_bytes());
        push_term(&mut last, term);
    }
    sections.push(last);

    let mut body = Vec::new();
    body.extend_from_slice(&basis.urls.to_le_bytes());
    basis.avg.iter().for_each(|a| body.extend_from_slice(&a.to_bits().to_le_bytes()));
    push_varint(&mut body, basis.digests.len() as u64);
    basis.digests.iter().for_each(|d| body.extend_from_slice(&d.to_le_bytes()));
    for section in &sections {
        push_varint(&mut body, section.len() as u64);
        body.extend_from_slice(section);
    }
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&recipe().to_le_bytes());
    out.extend_from_slice(&xxh3_64(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

fn push_term(out: &mut Vec<u8>, term: &TermPostings) {
    push_varint(out, u64::from(term.df));
    push_varint(out, term.postings.len() as u64);
    let mut previous = 0;
    for posting in &term.postings {
        push_varint(out, u64::from(posting.doc - previous));
        previous = posting.doc;
        let mask = posting.weights.iter().enumerate().filter(|(_, w)| **w > 0).fold(0u8, |m, (f, _)| m | 1 << f);
        out.push(mask);
        out.extend(posting.weights.iter().filter(|&&w| w > 0));
    }
    push_varint(out, term.members.len() as u64);
    let mut previous = 0;
    for &member in &term.members {
        push_varint(out, u64::from(member - previous));
        previous = member;
    }
}

/// A saved file whose header and checksum are right; its terms are
/// checked as they are decoded.
pub(in crate::search) struct Previous<'a> {
    urls: u128,
    avg: [f64; 5],
    digests: Vec<DocDigest>,
    sections: Vec<&'a [u8]>,
}

impl<'a> Previous<'a> {
    pub(in crate::search) fn parse(bytes: &'a [u8]) -> Option<Previous<'a>> {
        let (header, body) = bytes.split_at_checked(HEADER)?;
        let number = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap_or_default());
        if &header[..8] != MAGIC || number(8) != recipe() || number(16) != xxh3_64(body) {
            return None;
        }
        let mut reader = Reader { bytes: body, at: 0 };
        let urls = u128::from_le_bytes(reader.take(16)?.try_into().ok()?);
        let mut avg = [0f64; 5];
        for a in &mut avg {
            *a = f64::from_bits(u64::from_le_bytes(reader.take(8)?.try_into().ok()?));
        }
        let count = usize::try_from(reader.varint()?).ok()?;
        let digests = reader
            .take(count.checked_mul(16)?)?
            .chunks_exact(16)
            .map(|d| DocDigest::from_le_bytes(d.try_into().unwrap_or_default()))
            .collect();
        let mut sections = Vec::with_capacity(PARTITIONS + 1);
        for _ in 0..=PARTITIONS {
            let len = usize::try_from(reader.varint()?).ok()?;
            sections.push(reader.take(len)?);
        }
        (reader.at == body.len()).then_some(Previous { urls, avg, digests, sections })
    }

    /// The terms to merge again, those of every document whose tokens
    /// changed, when the rest of the saved postings stand for `basis`
    /// (see the module doc). `sources` are the documents' tokens.
    pub(in crate::search) fn touched(
        &self,
        basis: &Basis,
        sources: &[Source<'_>],
        cache: &TokenCache,
        long: &LongWords,
    ) -> Option<KeyMap<()>> {
        if self.urls != basis.urls || self.avg != basis.avg || self.digests.len() != basis.digests.len() {
            return None;
        }
        let changed: Vec<usize> = (0..self.digests.len()).filter(|&i| self.digests[i] != basis.digests[i]).collect();
        if changed.len() * CHANGED_ONE_IN > self.digests.len() {
            return None;
        }
        let mut touched = KeyMap::default();
        let mut touch = |key, _| {
            touched.insert(key, ());
        };
        for i in changed {
            cache.get(self.digests[i])?.for_each_term(long, &mut touch);
            match &sources[i] {
                Source::Cached(payload) => payload.for_each_term(long, &mut touch),
                Source::Fresh(bytes) => Payload::trusted(bytes).for_each_term(long, &mut touch),
                Source::Text => return None,
            }
        }
        Some(touched)
    }

    /// The saved term tables without the `touched` terms, or `None` if
    /// any term is malformed. `long` numbers the long words.
    pub(in crate::search) fn partitions(&self, long: &LongWords, touched: &KeyMap<()>) -> Option<Vec<Partition>> {
        let docs = u32::try_from(self.digests.len()).ok()?;
        let mut partitions: Vec<Partition> = self.sections[..PARTITIONS]
            .par_iter()
            .enumerate()
            .map(|(p, section)| {
                let mut reader = Reader { bytes: section, at: 0 };
                let mut terms = Vec::new();
                let mut key: Key = 0;
                while reader.at < section.len() {
                    let delta = reader.varint()?;
                    if !terms.is_empty() && delta == 0 {
                        return None;
                    }
                    key = key.checked_add(delta)?;
                    if terms::is_long(key) || partition_of(key) != p {
                        return None;
                    }
                    let term = read_term(&mut reader, key, docs)?;
                    if !touched.contains_key(&key) {
                        terms.push(term);
                    }
                }
                Some(Partition { terms, ..Partition::default() })
            })
            .collect::<Option<_>>()?;
        let mut reader = Reader { bytes: self.sections[PARTITIONS], at: 0 };
        let mut previous: Option<&str> = None;
        while reader.at < reader.bytes.len() {
            let len = usize::try_from(reader.varint()?).ok()?;
            let text = std::str::from_utf8(reader.take(len)?).ok()?;
            if previous.is_some_and(|p| p >= text) {
                return None;
            }
            previous = Some(text);
            let key = terms::key(Token::Word(text), long);
            if !terms::is_long(key) {
                return None;
            }
            let term = read_term(&mut reader, key, docs)?;
            if !touched.contains_key(&key) {
                partitions[partition_of(key)].terms.push(term);
            }
        }
        Some(partitions)
    }
}

/// One term as [`push_term`] wrote it, checked as a merge leaves it:
/// documents below `docs` and ascending, weights within the scale, every
/// posting kept up to [`WEIGHTED_POSTINGS`] and past it the best that
/// many with every document in the members.
fn read_term(reader: &mut Reader<'_>, key: Key, docs: u32) -> Option<TermPostings> {
    let ascending = |previous: Option<u32>, delta: u64| -> Option<u32> {
        let doc = match previous {
            None => u32::try_from(delta).ok()?,
            Some(_) if delta == 0 => return None,
            Some(p) => p.checked_add(u32::try_from(delta).ok()?)?,
        };
        (doc < docs).then_some(doc)
    };
    let df = u32::try_from(reader.varint()?).ok()?;
    let capped = df as usize > WEIGHTED_POSTINGS;
    let count = usize::try_from(reader.varint()?).ok()?;
    if df == 0 || count != if capped { WEIGHTED_POSTINGS } else { df as usize } {
        return None;
    }
    let mut postings = Vec::with_capacity(count);
    let mut doc = None;
    for _ in 0..count {
        doc = Some(ascending(doc, reader.varint()?)?);
        let mask = *reader.take(1)?.first()?;
        if mask == 0 || mask >= 1 << 5 {
            return None;
        }
        let mut weights = [0u8; 5];
        for (field, weight) in weights.iter_mut().enumerate() {
            if mask & (1 << field) != 0 {
                *weight = *reader.take(1)?.first().filter(|&&w| w > 0 && f64::from(w) <= WEIGHT_SCALE)?;
            }
        }
        postings.push(Posting { doc: doc?, weights });
    }
    let members_count = usize::try_from(reader.varint()?).ok()?;
    if members_count != if capped { df as usize } else { 0 } {
        return None;
    }
    let mut members = Vec::with_capacity(members_count);
    let mut member = None;
    for _ in 0..members_count {
        member = Some(ascending(member, reader.varint()?)?);
        members.push(member?);
    }
    Some(TermPostings { key, df, postings, members, floor: None })
}
