//! The term tables the last build merged, kept beside the token cache
//! (`postings.bin`), so that a rebuild after an edit works out only the
//! terms the edit touched, from the changed documents' postings alone:
//! merging every document's postings was most of the index's share of a
//! one-edit rebuild.
//!
//! A term's postings depend on the documents holding it, their numbers,
//! their field lengths and the average field lengths. So the saved tables
//! stand for every term no changed document held or holds, as long as the
//! documents are numbered as before (the same URLs in the same order) and
//! the averages did not move. A touched term drops the changed documents'
//! old postings and takes their new ones ([`update`]); a capped term keeps
//! a reserve of next-best postings so that a document leaving its best is
//! replaced from there. A term whose reserve ran out is merged again from
//! every document, as a full merge would, so the index is the same bytes
//! either way. Anything else (other documents, moved averages, a changed
//! document whose old tokens the token cache lacks, a damaged file or one
//! another version wrote) means a full merge.
//!
//! ```text
//! header   MAGIC, xxh3 of the recipe (tokenizer canary, weighting), xxh3 of the body
//! body     URL digest (16 bytes), average lengths (5 × f64), document count, digests (16 bytes each),
//!          PARTITIONS + 1 sections, each its byte length then its terms
//! term     key delta in a partition's section, UTF-8 text (length first) in the last one
//!          (long words, whose keys are numbered anew by each build); df,
//!          postings, then reserve: count, then document delta, field mask, one weight per set bit;
//!          members: count, then document deltas
//! ```
//!
//! Numbers are LEB128 varints. Sections are decoded in parallel; keys
//! ascend within a section and texts within the last one, so a term cannot
//! appear twice.

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::super::terms::{self, Key, KeyMap, LongWords};
use super::super::token_cache::{self, DocDigest, Payload, Reader, TokenCache, push_varint};
use super::super::tokenize::Token;
use super::{
    B, FORMAT_VERSION, K1, KEPT_POSTINGS, PARTITIONS, Partition, Posting, RESERVE_POSTINGS, Scorer, Source,
    TermPostings, WEIGHT_SCALE, WEIGHTED_POSTINGS, by_rank,
};
use super::{SearchDoc, partition_of};

const MAGIC: &[u8; 8] = b"PPPOSTNG";
/// The layout of this file, in the recipe.
const FORMAT: u32 = 1;
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
    hasher.update(
        format!("{FORMAT} {FORMAT_VERSION} {WEIGHTED_POSTINGS} {RESERVE_POSTINGS} {K1} {B} {WEIGHT_SCALE}").as_bytes(),
    );
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
    crate::fsutil::seal(MAGIC, recipe(), &body)
}

fn push_term(out: &mut Vec<u8>, term: &TermPostings) {
    push_varint(out, u64::from(term.df));
    for postings in [&term.postings, &term.reserve] {
        push_varint(out, postings.len() as u64);
        let mut previous = 0;
        for posting in postings {
            push_varint(out, u64::from(posting.doc - previous));
            previous = posting.doc;
            let mask = posting.weights.iter().enumerate().filter(|(_, w)| **w > 0).fold(0u8, |m, (f, _)| m | 1 << f);
            out.push(mask);
            out.extend(posting.weights.iter().filter(|&&w| w > 0));
        }
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
        let body = crate::fsutil::unseal(bytes, MAGIC, recipe())?;
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

    /// What changed since the saved postings, when the rest of them still
    /// stand for `basis` (see the module doc). `sources` are the
    /// documents' tokens now, `cache` holds the old ones.
    pub(in crate::search) fn changes(
        &self,
        basis: &Basis,
        sources: &[Source<'_>],
        cache: &TokenCache,
        long: &LongWords,
        scorer: &Scorer<'_>,
    ) -> Option<Changes> {
        if self.urls != basis.urls || self.avg != basis.avg || self.digests.len() != basis.digests.len() {
            return None;
        }
        let docs: Vec<u32> =
            (0..self.digests.len()).filter(|&i| self.digests[i] != basis.digests[i]).map(|i| i as u32).collect();
        if docs.len() * CHANGED_ONE_IN > self.digests.len() {
            return None;
        }
        let mut fresh: KeyMap<Vec<Posting>> = KeyMap::default();
        let mut touched = KeyMap::default();
        for &doc in &docs {
            cache.get(self.digests[doc as usize])?.for_each_term(long, |key, _| {
                touched.insert(key, ());
            });
            let mut add = |key, counts| {
                touched.insert(key, ());
                fresh.entry(key).or_default().push(scorer.posting(doc, counts));
            };
            match &sources[doc as usize] {
                Source::Cached(payload) => payload.for_each_term(long, &mut add),
                Source::Fresh(bytes) => Payload::trusted(bytes).for_each_term(long, &mut add),
                Source::Text => return None,
            }
        }
        Some(Changes { docs, fresh, touched })
    }

    /// The saved term tables with `changes` applied, or `None` if any term
    /// is malformed. `long` numbers the long words. Terms whose best
    /// postings cannot be told from what was saved are left out and
    /// returned, to be merged from every document.
    pub(in crate::search) fn partitions(&self, long: &LongWords, changes: &Changes) -> Option<Updated> {
        let docs = u32::try_from(self.digests.len()).ok()?;
        let mut sections: Vec<Section> = self.sections[..PARTITIONS]
            .par_iter()
            .enumerate()
            .map(|(p, bytes)| {
                let mut reader = Reader { bytes, at: 0 };
                let mut section = Section::default();
                let mut key: Option<Key> = None;
                while reader.at < bytes.len() {
                    let delta = reader.varint()?;
                    let next = match key {
                        None => delta,
                        Some(_) if delta == 0 => return None,
                        Some(key) => key.checked_add(delta)?,
                    };
                    if terms::is_long(next) || partition_of(next) != p {
                        return None;
                    }
                    key = Some(next);
                    section.add(read_term(&mut reader, next, docs)?, changes);
                }
                Some(section)
            })
            .collect::<Option<_>>()?;
        let mut long_terms = Section::default();
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
            long_terms.add(read_term(&mut reader, key, docs)?, changes);
        }
        sections.push(long_terms);

        let mut all = Updated {
            partitions: (0..PARTITIONS).map(|_| Partition::default()).collect(),
            rescan: KeyMap::default(),
            updated: 0,
        };
        let mut seen: KeyMap<()> = KeyMap::default();
        for section in sections {
            for term in section.terms {
                all.partitions[partition_of(term.key)].terms.push(term);
            }
            all.rescan.extend(section.rescan);
            seen.extend(section.seen);
            all.updated += section.updated;
        }
        // A term no saved document held: the changed documents' postings
        // are all of its postings.
        for (&key, postings) in &changes.fresh {
            if !seen.contains_key(&key) {
                let mut term = TermPostings::new(key);
                postings.iter().for_each(|&posting| term.push(posting));
                all.partitions[partition_of(key)].terms.push(term);
                all.updated += 1;
            }
        }
        Some(all)
    }
}

/// What changed since the saved postings.
pub(in crate::search) struct Changes {
    /// Numbers of the documents whose tokens changed, ascending.
    docs: Vec<u32>,
    /// Their postings now, by term, each in document order.
    fresh: KeyMap<Vec<Posting>>,
    /// Every term they held or hold.
    touched: KeyMap<()>,
}

/// The term tables with an edit's changes applied.
pub(in crate::search) struct Updated {
    pub(in crate::search) partitions: Vec<Partition>,
    /// Touched terms to merge from every document.
    pub(in crate::search) rescan: KeyMap<()>,
    /// Touched terms settled from the changes alone.
    pub(in crate::search) updated: usize,
}

/// The terms of one saved section, with the changes applied.
#[derive(Default)]
struct Section {
    terms: Vec<TermPostings>,
    rescan: KeyMap<()>,
    updated: usize,
    /// Touched terms found among the saved ones.
    seen: KeyMap<()>,
}

impl Section {
    /// Adds a saved term, updated if the changes touch it.
    fn add(&mut self, term: TermPostings, changes: &Changes) {
        if !changes.touched.contains_key(&term.key) {
            self.terms.push(term);
            return;
        }
        let key = term.key;
        self.seen.insert(key, ());
        let fresh = changes.fresh.get(&key).map_or(&[][..], Vec::as_slice);
        match update(term, &changes.docs, fresh) {
            Some(Some(term)) => {
                self.terms.push(term);
                self.updated += 1;
            }
            Some(None) => self.updated += 1,
            None => {
                self.rescan.insert(key, ());
            }
        }
    }
}

/// `term` as the last build finished it, with the postings of the
/// `changed` documents replaced by `fresh` (theirs now, in document
/// order); `Some(None)` when no document holds it any more, `None` when
/// its best postings can no longer be told without merging every document.
///
/// Without the changed documents, the saved postings and reserve are still
/// the best of the rest (whatever ranked below them ranked below all of
/// them), only fewer; with the fresh postings added, the best that many of
/// the two are the best of all. That holds as long as at least
/// [`WEIGHTED_POSTINGS`] remain, or when they are all the rest has.
fn update(term: TermPostings, changed: &[u32], fresh: &[Posting]) -> Option<Option<TermPostings>> {
    let is_changed = |doc: u32| changed.binary_search(&doc).is_ok();
    let capped = term.df as usize > WEIGHTED_POSTINGS;
    let mut kept: Vec<Posting> = term.postings.into_iter().chain(term.reserve).filter(|p| !is_changed(p.doc)).collect();
    let mut members: Vec<u32> = term.members.into_iter().filter(|&d| !is_changed(d)).collect();
    let rest = if capped { members.len() } else { kept.len() };
    let complete = kept.len() == rest;
    if !complete && kept.len() < WEIGHTED_POSTINGS {
        return None;
    }
    let df = rest + fresh.len();
    if df == 0 {
        return Some(None);
    }
    let best = kept.len();
    kept.extend_from_slice(fresh);
    if !complete {
        kept.select_nth_unstable_by(best - 1, by_rank);
        kept.truncate(best);
    }
    if df > WEIGHTED_POSTINGS {
        if capped {
            members.extend(fresh.iter().map(|p| p.doc));
            members.sort_unstable();
        } else {
            members = kept.iter().map(|p| p.doc).collect();
            members.sort_unstable();
        }
    } else {
        members.clear();
        kept.sort_unstable_by_key(|p| p.doc);
    }
    let mut term = TermPostings {
        key: term.key,
        df: u32::try_from(df).ok()?,
        postings: kept,
        members,
        floor: None,
        reserve: Vec::new(),
    };
    term.finish();
    Some(Some(term))
}

/// One term as [`push_term`] wrote it, checked as [`TermPostings::finish`]
/// leaves it: documents below `docs` and ascending, weights within the
/// scale, every posting kept up to [`WEIGHTED_POSTINGS`] and past it the
/// best that many, a reserve of at most [`RESERVE_POSTINGS`], and every
/// document in the members.
fn read_term(reader: &mut Reader<'_>, key: Key, docs: u32) -> Option<TermPostings> {
    let df = u32::try_from(reader.varint()?).ok()?;
    let capped = df as usize > WEIGHTED_POSTINGS;
    let postings = read_postings(reader, docs)?;
    let reserve = read_postings(reader, docs)?;
    let members_count = usize::try_from(reader.varint()?).ok()?;
    let well_formed = if capped {
        postings.len() == WEIGHTED_POSTINGS && reserve.len() <= RESERVE_POSTINGS && members_count == df as usize
    } else {
        df > 0 && postings.len() == df as usize && reserve.is_empty() && members_count == 0
    };
    if !well_formed {
        return None;
    }
    let mut members = Vec::with_capacity(members_count);
    let mut member = None;
    for _ in 0..members_count {
        member = Some(ascending(member, reader.varint()?, docs)?);
        members.push(member?);
    }
    Some(TermPostings { key, df, postings, members, floor: None, reserve })
}

fn read_postings(reader: &mut Reader<'_>, docs: u32) -> Option<Vec<Posting>> {
    let count = usize::try_from(reader.varint()?).ok()?;
    let mut postings = Vec::with_capacity(count.min(KEPT_POSTINGS));
    let mut doc = None;
    for _ in 0..count {
        doc = Some(ascending(doc, reader.varint()?, docs)?);
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
    Some(postings)
}

/// The document `delta` after `previous` (the first: `delta` itself),
/// if it is one of `docs`.
fn ascending(previous: Option<u32>, delta: u64, docs: u32) -> Option<u32> {
    let doc = match previous {
        None => u32::try_from(delta).ok()?,
        Some(_) if delta == 0 => return None,
        Some(p) => p.checked_add(u32::try_from(delta).ok()?)?,
    };
    (doc < docs).then_some(doc)
}
