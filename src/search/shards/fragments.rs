//! The document fragments (`<d>/d/<n>.json`, see the parent module), and
//! what the last build made of them: each fragment group's name and size
//! by a digest of what its files are made from (`fragments.bin` beside the
//! token cache). An edit changes the digest of its own group only, so a
//! rebuild finds the other groups in place and neither folds their
//! passages nor serializes them: both were 5 % of a one-edit rebuild's CPU
//! at 10k pages.

use std::fs;
use std::io;
use std::path::Path;

use rustc_hash::FxHashMap as HashMap;
use xxhash_rust::xxh3::Xxh3;

use super::super::token_cache::{DocDigest, TokenCache};
use super::super::{SearchDoc, clip};
use super::{FORMAT_VERSION, FRAGMENT_DOCS, Group, PASSAGE_CHARS};

const MEMO_FILE: &str = "fragments.bin";
const MAGIC: &[u8; 8] = b"PPFRAGS1";
/// Bytes of one memo entry: digest, size, name.
const ENTRY: usize = 16 + 8 + 16;

/// A fragment group as a build wrote it: its digest (none when the
/// documents' token digests were not at hand), name and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Made {
    pub digest: Option<u128>,
    pub name: String,
    pub bytes: u64,
}

/// The groups the last build wrote, by digest, and this build's
/// documents' token-cache digests, which cover the text of every field.
#[derive(Default)]
pub(super) struct Memo {
    made: HashMap<u128, Made>,
    doc_digests: Vec<DocDigest>,
}

impl Memo {
    /// `doc_digests` are the documents' [`crate::search::token_cache::digest`]s in order,
    /// or none: without them nothing is looked up.
    pub(super) fn load(cache: &TokenCache, doc_digests: Vec<DocDigest>) -> Memo {
        let bytes = cache.sibling(MEMO_FILE).and_then(|path| fs::read(path).ok()).unwrap_or_default();
        let body = crate::fsutil::unseal(&bytes, MAGIC, recipe()).unwrap_or_default();
        let made = body.chunks_exact(ENTRY).filter_map(|entry| {
            let digest = u128::from_le_bytes(entry[..16].try_into().ok()?);
            let bytes = u64::from_le_bytes(entry[16..24].try_into().ok()?);
            let name = std::str::from_utf8(&entry[24..]).ok().filter(|n| n.bytes().all(|b| b.is_ascii_hexdigit()))?;
            Some((digest, Made { digest: Some(digest), name: name.to_string(), bytes }))
        });
        Memo { made: made.collect(), doc_digests }
    }

    /// Saves what this build made, for the next.
    pub(super) fn save(cache: &TokenCache, made: &[Made]) {
        let Some(path) = cache.sibling(MEMO_FILE) else { return };
        let mut body = Vec::with_capacity(made.len() * ENTRY);
        for group in made.iter().filter(|group| group.name.len() == 16) {
            let Some(digest) = group.digest else { continue };
            body.extend_from_slice(&digest.to_le_bytes());
            body.extend_from_slice(&group.bytes.to_le_bytes());
            body.extend_from_slice(group.name.as_bytes());
        }
        crate::fsutil::write_cache(&path, &crate::fsutil::seal(MAGIC, recipe(), &body));
    }
}

fn recipe() -> u64 {
    xxhash_rust::xxh3::xxh3_64(format!("{FORMAT_VERSION} {PASSAGE_CHARS} {}", env!("CARGO_PKG_VERSION")).as_bytes())
}

/// One fragment group. Either its directory is already in the search
/// directory (found there, or linked whole from the previous site's) and
/// only its name and size are known, or its files are made, to be written.
pub(super) enum Fragments {
    InPlace(Made),
    Made(Made, Group),
}

/// The group of fragments `first..`, holding `docs` ([`FRAGMENT_DOCS`]
/// to a fragment): taken from `dir` or `previous` when `memo` says their
/// files hold what these documents would give, made otherwise.
pub(super) fn group(
    first: usize,
    docs: &[&SearchDoc],
    memo: &Memo,
    dir: &Path,
    previous: Option<&Path>,
) -> io::Result<Fragments> {
    let start = first * FRAGMENT_DOCS;
    let digest = memo.doc_digests.get(start..start + docs.len()).map(|digests| digest(first, docs, digests));
    let names = || (first..first + docs.len().div_ceil(FRAGMENT_DOCS)).map(|n| format!("d/{n}.json"));
    if let Some(made) = digest.and_then(|digest| memo.made.get(&digest)) {
        let target = dir.join(&made.name);
        let linked = || previous.is_some_and(|previous| link_whole(&previous.join(&made.name), &target, names()));
        if target.is_dir() || linked() {
            return Ok(Fragments::InPlace(made.clone()));
        }
    }
    let passages: Vec<String> = docs.iter().map(|doc| passage(doc)).collect();
    let rows: Vec<_> = docs
        .iter()
        .zip(&passages)
        .map(|(d, passage)| (&d.url, &d.title, &d.kind, &d.date, &d.regions, &d.topics, passage))
        .collect();
    let files = names()
        .zip(rows.chunks(FRAGMENT_DOCS))
        .map(|(name, rows)| serde_json::to_vec(rows).map(|bytes| (name, bytes)).map_err(io::Error::other))
        .collect::<io::Result<Vec<_>>>()?;
    let group = Group::new(files);
    let bytes = group.files.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    Ok(Fragments::Made(Made { digest, name: group.name.clone(), bytes }, group))
}

/// Digest of every field a fragment file is made of, for documents
/// numbered from `first`: the token digest covers the title, answer (and
/// so the passage), regions and topics; the rest are added. Computing the
/// passages for it was half the cost of making the files.
fn digest(first: usize, docs: &[&SearchDoc], doc_digests: &[DocDigest]) -> u128 {
    let mut hasher = Xxh3::new();
    let mut add = |text: &str| {
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    };
    add(&format!("{first} {} {FRAGMENT_DOCS}", docs.len()));
    for (doc, doc_digest) in docs.iter().zip(doc_digests) {
        add(&format!("{doc_digest:032x}"));
        for text in [&doc.url, &doc.kind, &doc.date] {
            add(text);
        }
    }
    hasher.digest128()
}

/// Links every file `names` of the group directory `from` into `to`,
/// built beside it and renamed into place: true once `to` is whole.
fn link_whole(from: &Path, to: &Path, names: impl Iterator<Item = String>) -> bool {
    if !from.is_dir() {
        return false;
    }
    let Some(tmp) = to
        .file_name()
        .map(|name| to.with_file_name(format!(".building-{}-{}", std::process::id(), name.to_string_lossy())))
    else {
        return false;
    };
    let _ = fs::remove_dir_all(&tmp);
    let linked = fs::create_dir_all(tmp.join("d")).is_ok()
        && names.into_iter().all(|name| fs::hard_link(from.join(&name), tmp.join(&name)).is_ok())
        && fs::rename(&tmp, to).is_ok();
    if !linked {
        let _ = fs::remove_dir_all(&tmp);
    }
    linked
}

/// The answer and the start of the body, [`PASSAGE_CHARS`] in all, with
/// whitespace runs folded to one space so that no snippet shows line breaks.
/// Only as much text is folded as the clip can keep: folding whole
/// bodies copied the site's text three times over on every build.
pub(super) fn passage(doc: &SearchDoc) -> String {
    // Char by char rather than word by word: a Chinese paragraph is one
    // "word" to `split_whitespace`, which scanned every body to its first
    // break for the 160 characters wanted (3 % of a one-edit rebuild).
    let mut folded = String::new();
    let mut chars = 0;
    // Characters the current word may still take before it is cut; set
    // when a word starts, which comes before any of its characters.
    let mut room = 0;
    'texts: for text in [doc.answer.as_str(), &doc.body] {
        let mut in_word = false;
        for c in text.chars() {
            if c.is_whitespace() {
                in_word = false;
                continue;
            }
            if !in_word {
                in_word = true;
                if !folded.is_empty() {
                    folded.push(' ');
                    chars += 1;
                }
                if chars > PASSAGE_CHARS {
                    break 'texts;
                }
                // One character past the clip tells it to cut.
                room = PASSAGE_CHARS + 1 - chars;
            }
            if room == 0 {
                break 'texts;
            }
            room -= 1;
            folded.push(c);
            chars += 1;
        }
    }
    clip(&folded, PASSAGE_CHARS)
}
