//! Reading and writing `content/`: front-mattered Markdown files, the
//! generator checksum that tells generated files from hand-edited ones, and
//! writes that leave a file untouched when its bytes would not change.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::model::{Article, ArticleMeta, Recommendation, RecommendationMeta};
use crate::text::{display_path, escape_controls};

pub const ARTICLES_DIR: &str = "articles";
pub const RECOMMENDATIONS_DIR: &str = "recommendations";
pub const TOPICS_FILE: &str = "topics.yaml";

const CHECKSUM_KEY: &str = "checksum: ";

/// Build caches, under the site root; safe to delete.
pub const CACHE_DIR: &str = ".policypress-cache";

/// The front-matter cache of the site at `root` (see [`load_tree_cached`]).
pub fn front_matter_cache(root: &Path) -> PathBuf {
    root.join(CACHE_DIR).join("front-matter.tsv")
}

/// A problem with one content file, located as precisely as we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {}", display_path(path), escape_controls(message))]
pub struct ContentError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// One line telling the author how to fix it.
    pub fix: String,
}

impl ContentError {
    pub fn new(path: &Path, line: usize, column: usize, message: impl Into<String>, fix: impl Into<String>) -> Self {
        ContentError { path: path.to_path_buf(), line, column, message: message.into(), fix: fix.into() }
    }
}

/// A file split into its raw front matter and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    pub front_matter: &'a str,
    pub body: &'a str,
    /// 1-based line of the first front-matter line (after the opening `---`).
    pub front_matter_line: usize,
    /// 1-based line where the body starts.
    pub body_line: usize,
}

/// Splits `---\n<yaml>\n---\n<body>`. Accepts a BOM and CRLF line endings.
pub fn split_document<'a>(path: &Path, text: &'a str) -> Result<Document<'a>, ContentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let missing = || {
        ContentError::new(
            path,
            1,
            1,
            "missing front matter",
            "start the file with a line `---`, the YAML fields, and another line `---`",
        )
    };
    let rest = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")).ok_or_else(missing)?;
    let mut offset = 0;
    let mut line = 2;
    for segment in rest.split_inclusive('\n') {
        if segment.trim_end_matches(['\r', '\n']) == "---" {
            let body = &rest[offset + segment.len()..];
            return Ok(Document { front_matter: &rest[..offset], body, front_matter_line: 2, body_line: line + 1 });
        }
        offset += segment.len();
        line += 1;
    }
    Err(ContentError::new(
        path,
        line.saturating_sub(1).max(1),
        1,
        "front matter is never closed",
        "add a line `---` after the last front-matter field",
    ))
}

/// Deepest nesting of `[` and `{` front matter may have; no field needs
/// more than two. The YAML parser takes quadratic time in the depth (68 s
/// for 100k brackets), so depth is checked first, in one pass.
pub const MAX_FLOW_NESTING: usize = 16;

fn check_flow_nesting(path: &Path, doc: &Document<'_>) -> Result<(), ContentError> {
    let mut depth = 0usize;
    for (index, line) in doc.front_matter.lines().enumerate() {
        for (column, c) in line.chars().enumerate() {
            match c {
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => continue,
            }
            if depth > MAX_FLOW_NESTING {
                return Err(ContentError::new(
                    path,
                    doc.front_matter_line + index,
                    column + 1,
                    format!("front matter nests `[` or `{{` more than {MAX_FLOW_NESTING} levels deep"),
                    "write lists as `[a, b]` or one `- item` per line; no field needs nested brackets",
                ));
            }
        }
    }
    Ok(())
}

/// Parses front matter into `T`, mapping YAML errors to file:line:column.
pub fn parse_front_matter<T: DeserializeOwned>(path: &Path, doc: &Document<'_>) -> Result<T, ContentError> {
    check_flow_nesting(path, doc)?;
    serde_norway::from_str(doc.front_matter).map_err(|err| {
        // Errors our own field types raise are placed at the start of the
        // document; the value they quote says where they are.
        let location = err.location().map(|loc| (loc.line(), loc.column())).filter(|&at| at != (1, 1));
        let (line, column) = location
            .map(|(line, column)| (line + doc.front_matter_line - 1, column))
            .or_else(|| quoted_value_position(doc, &err.to_string()))
            .unwrap_or((doc.front_matter_line, 1));
        let message = err.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        ContentError::new(path, line, column, format!("front matter: {message}"), "fix the YAML at this position")
    })
}

/// Where the value an error quotes (`` `2025-13-45` is not a date ``) is
/// written.
fn quoted_value_position(doc: &Document<'_>, message: &str) -> Option<(usize, usize)> {
    let quoted = message.split('`').nth(1).filter(|value| !value.is_empty())?;
    doc.front_matter.lines().enumerate().find_map(|(index, line)| {
        let at = line.find(quoted)?;
        Some((doc.front_matter_line + index, line[..at].chars().count() + 1))
    })
}

/// Renders a document with a generator checksum as the last front-matter line.
pub fn render_document<T: Serialize>(meta: &T, body: &str) -> String {
    let yaml = serde_norway::to_string(meta).expect("front matter structs always serialize");
    let mut unsigned = String::with_capacity(yaml.len() + body.len() + 16);
    unsigned.push_str("---\n");
    unsigned.push_str(&yaml);
    let mut signed = unsigned.clone();
    unsigned.push_str("---\n");
    unsigned.push_str(body);
    signed.push_str(CHECKSUM_KEY);
    signed.push_str(&checksum_of(&unsigned));
    signed.push_str("\n---\n");
    signed.push_str(body);
    signed
}

/// An article as its generated file: a fresh checksum over the rest.
pub fn render_article(article: &Article) -> String {
    let meta = ArticleMeta { checksum: None, ..article.meta.clone() };
    render_document(&meta, &article.body)
}

/// A recommendation as its generated file; the body is the excerpt.
pub fn render_recommendation(rec: &Recommendation) -> String {
    let meta = RecommendationMeta { checksum: None, ..rec.meta.clone() };
    let body = if rec.excerpt.is_empty() { String::new() } else { format!("{}\n", rec.excerpt) };
    render_document(&meta, &body)
}

fn checksum_of(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The checksum [`render_document`] signed `text` with: what parsing the
/// file reads as `checksum`.
fn written_checksum(text: &str) -> Option<String> {
    let doc = split_document(Path::new(""), text).ok()?;
    doc.front_matter.lines().find_map(|line| line.strip_prefix(CHECKSUM_KEY)).map(str::to_string)
}

/// Whether a file is exactly as the generator wrote it. A file without a
/// checksum line, or whose checksum no longer matches, belongs to a person.
pub fn is_pristine(text: &str) -> bool {
    let Some(start) = text.find(&format!("\n{CHECKSUM_KEY}")) else {
        return false;
    };
    let line_start = start + 1;
    let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i + 1);
    let stored = text[line_start + CHECKSUM_KEY.len()..line_end].trim();
    let mut unsigned = String::with_capacity(text.len());
    unsigned.push_str(&text[..line_start]);
    unsigned.push_str(&text[line_end..]);
    checksum_of(&unsigned) == stored
}

/// What happened when a generated file was offered for writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Created,
    Updated,
    Unchanged,
    /// A person edited the file since we wrote it; it was left alone.
    KeptHandEdit,
}

/// Decides what offering a generated file does and, when its bytes change
/// and no person owns it (or `force`), stages them beside it: nothing is in
/// place until [`Staged::commit`], so a run can write all of its files or none.
pub fn stage_generated(path: &Path, contents: &str, force: bool) -> io::Result<(WriteOutcome, Option<Staged>)> {
    match fs::read(path) {
        Ok(existing) => {
            if existing == contents.as_bytes() {
                return Ok((WriteOutcome::Unchanged, None));
            }
            let pristine = std::str::from_utf8(&existing).is_ok_and(is_pristine);
            if !pristine && !force {
                return Ok((WriteOutcome::KeptHandEdit, None));
            }
            Ok((WriteOutcome::Updated, Some(Staged::write(path, contents.as_bytes())?)))
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            Ok((WriteOutcome::Created, Some(Staged::write(path, contents.as_bytes())?)))
        }
        Err(err) => Err(err),
    }
}

/// New bytes for a file, written to a hidden sibling and waiting to replace
/// it. The sibling is in the same directory, so the replacing rename needs
/// no space and no permission the writing did not already prove.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
}

impl Staged {
    fn write(path: &Path, bytes: &[u8]) -> io::Result<Staged> {
        let tmp = tmp_sibling(path);
        if let Err(err) = fs::write(&tmp, bytes) {
            let _ = fs::remove_file(&tmp);
            return Err(err);
        }
        Ok(Staged { tmp, path: path.to_path_buf() })
    }

    /// Puts the file in place.
    pub fn commit(self) -> io::Result<()> {
        fs::rename(&self.tmp, &self.path).inspect_err(|_| {
            let _ = fs::remove_file(&self.tmp);
        })
    }

    /// Removes the staged bytes; the file stays as it was.
    pub fn discard(self) {
        let _ = fs::remove_file(&self.tmp);
    }
}

/// `.<name>.tmp` beside `path`: hidden, and not `.md`, so never read as content.
fn tmp_sibling(path: &Path) -> PathBuf {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{file_name}.tmp"))
}

/// Writes through a temporary sibling and a rename, so a crash never leaves
/// a half-written content file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = tmp_sibling(path);
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

/// A content file loaded from disk with the text it was parsed from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: PathBuf,
    pub item: T,
    pub pristine: bool,
    /// Line where the body (for a recommendation, its trimmed excerpt)
    /// starts, for locating problems in it.
    pub body_line: usize,
}

/// Reads a content file as UTF-8, locating invalid bytes.
pub fn read_text(path: &Path) -> Result<String, ContentError> {
    let bytes = fs::read(path)
        .map_err(|err| ContentError::new(path, 1, 1, format!("cannot read: {err}"), "check the file's permissions"))?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        ContentError::new(path, line, 1, "file is not valid UTF-8", "save the file as UTF-8 (not GBK)")
    })
}

pub fn parse_article(path: &Path, text: &str) -> Result<Loaded<Article>, ContentError> {
    parse(path, text)
}

pub fn parse_recommendation(path: &Path, text: &str) -> Result<Loaded<Recommendation>, ContentError> {
    parse(path, text)
}

/// The kinds of content file, each in its own directory.
trait Kind: Sized + Send {
    type Meta: Serialize + DeserializeOwned;
    /// Marks this kind's lines in the front-matter cache.
    const TAG: &'static str;
    fn assemble(meta: Self::Meta, body: &str) -> Self;
    fn meta(&self) -> &Self::Meta;
    /// Lines of the file body that [`Kind::assemble`] drops before the text
    /// it keeps.
    fn lines_dropped_before(_body: &str) -> usize {
        0
    }
}

impl Kind for Article {
    type Meta = ArticleMeta;
    const TAG: &'static str = "article";
    fn assemble(meta: ArticleMeta, body: &str) -> Article {
        Article { meta, body: body.replace("\r\n", "\n") }
    }
    fn meta(&self) -> &ArticleMeta {
        &self.meta
    }
}

impl Kind for Recommendation {
    type Meta = RecommendationMeta;
    const TAG: &'static str = "recommendation";
    fn assemble(meta: RecommendationMeta, body: &str) -> Recommendation {
        Recommendation { meta, excerpt: body.replace("\r\n", "\n").trim().to_string() }
    }
    fn meta(&self) -> &RecommendationMeta {
        &self.meta
    }
    fn lines_dropped_before(body: &str) -> usize {
        body[..body.len() - body.trim_start().len()].matches('\n').count()
    }
}

fn parse<T: Kind>(path: &Path, text: &str) -> Result<Loaded<T>, ContentError> {
    let doc = split_document(path, text)?;
    let meta = parse_front_matter(path, &doc)?;
    Ok(Loaded {
        path: path.to_path_buf(),
        pristine: is_pristine(text),
        body_line: doc.body_line + T::lines_dropped_before(doc.body),
        item: T::assemble(meta, doc.body),
    })
}

/// The `.md` files directly inside `dir`, sorted, or none if it is missing.
pub fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    files.sort();
    files
}

/// Everything in `content/`, parsed in parallel; broken files become errors
/// and the rest still load.
#[derive(Debug, Default)]
pub struct ContentTree {
    pub articles: Vec<Loaded<Article>>,
    pub recommendations: Vec<Loaded<Recommendation>>,
    pub errors: Vec<ContentError>,
}

pub fn load_tree(content_dir: &Path) -> ContentTree {
    load(content_dir, None).0
}

/// [`load_tree`] for a build: front matter that an earlier build parsed is
/// taken from `cache_file` instead of parsed again. YAML parsing is most of
/// the cost of loading a large site, and most files are unchanged from one
/// build to the next. The returned update brings the file up to date.
pub fn load_tree_cached(content_dir: &Path, cache_file: &Path) -> (ContentTree, FrontMatterUpdate) {
    let previous = fs::read_to_string(cache_file).unwrap_or_default();
    let cache = FrontMatterCache::parse(&previous);
    let (tree, mut lines) = load(content_dir, Some(&cache));
    lines.sort_unstable();
    let unchanged = previous
        .strip_prefix(FrontMatterCache::header().as_str())
        .is_some_and(|rest| rest.lines().eq(lines.iter().map(String::as_str)));
    (tree, FrontMatterUpdate { path: cache_file.to_path_buf(), lines: (!unchanged).then_some(lines) })
}

/// The front-matter cache as the last load left it, to be saved when
/// convenient (it is tens of megabytes on a large site).
pub struct FrontMatterUpdate {
    path: PathBuf,
    /// Sorted; `None` when the file is up to date.
    lines: Option<Vec<String>>,
}

impl FrontMatterUpdate {
    /// Writes the cache if it changed. The cache only saves time, so
    /// failing to write it costs nothing but the next build's speed.
    pub fn save(self) {
        let Some(lines) = self.lines else { return };
        let Some(dir) = self.path.parent() else { return };
        let tmp = self.path.with_extension("tmp");
        let written = fs::create_dir_all(dir).and_then(|()| {
            let mut out = io::BufWriter::new(fs::File::create(&tmp)?);
            out.write_all(FrontMatterCache::header().as_bytes())?;
            for line in &lines {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
            out.into_inner().map_err(io::IntoInnerError::into_error)?;
            fs::rename(&tmp, &self.path)
        });
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }
}

/// Front matter of files just written, for [`FrontMatterLines::merge_into`]
/// the front-matter cache: the first build after an import then parses no
/// YAML for them (four seconds of a 100k-page build on two cores).
#[derive(Default)]
pub struct FrontMatterLines(Vec<String>);

impl FrontMatterLines {
    /// `text` is the file [`render_article`] made of `article`.
    pub fn article(&mut self, text: &str, article: &Article) {
        let meta = ArticleMeta { checksum: written_checksum(text), ..article.meta.clone() };
        self.0.extend(FrontMatterCache::rendered_line(text, &Article { meta, body: String::new() }));
    }

    /// `text` is the file [`render_recommendation`] made of `rec`.
    pub fn recommendation(&mut self, text: &str, rec: &Recommendation) {
        let meta = RecommendationMeta { checksum: written_checksum(text), ..rec.meta.clone() };
        self.0.extend(FrontMatterCache::rendered_line(text, &Recommendation { meta, excerpt: String::new() }));
    }

    pub fn extend(&mut self, other: FrontMatterLines) {
        self.0.extend(other.0);
    }

    /// Adds the lines to the cache file, keeping what it holds.
    pub fn merge_into(self, cache_file: &Path) {
        let previous = fs::read_to_string(cache_file).unwrap_or_default();
        let kept = previous.strip_prefix(FrontMatterCache::header().as_str()).unwrap_or_default().lines();
        let mut lines: Vec<String> = kept.map(str::to_string).chain(self.0).collect();
        lines.sort_unstable();
        lines.dedup();
        FrontMatterUpdate { path: cache_file.to_path_buf(), lines: Some(lines) }.save();
    }
}

/// Parsed front matter by kind and digest of the whole file, one line per
/// file: `<kind>\t<digest>\t<pristine 0|1>\t<front matter as JSON>`.
#[derive(Default)]
struct FrontMatterCache<'a> {
    entries: std::collections::HashMap<(&'a str, &'a str), (bool, &'a str)>,
}

impl<'a> FrontMatterCache<'a> {
    /// Names the format and the program: another version may read front
    /// matter differently.
    fn header() -> String {
        format!("policypress-front-matter-v1\t{}\n", env!("CARGO_PKG_VERSION"))
    }

    fn parse(text: &'a str) -> FrontMatterCache<'a> {
        let Some(rest) = text.strip_prefix(FrontMatterCache::header().as_str()) else {
            return FrontMatterCache::default();
        };
        let entries = rest
            .lines()
            .filter_map(|line| {
                let mut fields = line.splitn(4, '\t');
                let (kind, digest, pristine, json) = (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
                Some(((kind, digest), (pristine == "1", json)))
            })
            .collect();
        FrontMatterCache { entries }
    }

    /// The cache line of a file just rendered from `item` (so pristine).
    fn rendered_line<T: Kind>(text: &str, item: &T) -> Option<String> {
        let json = serde_json::to_string(item.meta()).ok()?;
        Some(Self::line(T::TAG, &Self::digest(text), true, &json))
    }

    /// `<kind>\t<digest>\t<pristine 0|1>\t<front matter as JSON>`.
    fn line(kind: &str, digest: &str, pristine: bool, json: &str) -> String {
        format!("{kind}\t{digest}\t{}\t{json}", u8::from(pristine))
    }

    fn digest(text: &str) -> String {
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
    }

    /// The file as `T`, from the cache if it holds the file's front matter.
    /// Also returns the file's cache line.
    fn load<T: Kind>(&self, path: &Path, text: &str) -> Result<(Loaded<T>, Option<String>), ContentError> {
        let digest = Self::digest(text);
        if let Some(&(pristine, json)) = self.entries.get(&(T::TAG, digest.as_str()))
            && let Ok(meta) = serde_json::from_str::<T::Meta>(json)
            && let Ok(doc) = split_document(path, text)
        {
            let loaded = Loaded {
                path: path.to_path_buf(),
                pristine,
                body_line: doc.body_line + T::lines_dropped_before(doc.body),
                item: T::assemble(meta, doc.body),
            };
            return Ok((loaded, Some(Self::line(T::TAG, &digest, pristine, json))));
        }
        let loaded = parse::<T>(path, text)?;
        let line = serde_json::to_string(loaded.item.meta())
            .ok()
            .map(|json| Self::line(T::TAG, &digest, loaded.pristine, &json));
        Ok((loaded, line))
    }
}

fn load(content_dir: &Path, cache: Option<&FrontMatterCache<'_>>) -> (ContentTree, Vec<String>) {
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let articles = load_dir(&content_dir.join(ARTICLES_DIR), cache, &mut errors, &mut lines);
    let recommendations = load_dir(&content_dir.join(RECOMMENDATIONS_DIR), cache, &mut errors, &mut lines);
    (ContentTree { articles, recommendations, errors }, lines)
}

fn load_dir<T: Kind>(
    dir: &Path,
    cache: Option<&FrontMatterCache<'_>>,
    errors: &mut Vec<ContentError>,
    lines: &mut Vec<String>,
) -> Vec<Loaded<T>> {
    let results: Vec<_> = markdown_files(dir)
        .par_iter()
        .map(|path| {
            let text = read_text(path)?;
            match cache {
                Some(cache) => cache.load::<T>(path, &text),
                None => parse::<T>(path, &text).map(|loaded| (loaded, None)),
            }
        })
        .collect();
    let mut items = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok((item, line)) => {
                items.push(item);
                lines.extend(line);
            }
            Err(err) => errors.push(err),
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ArticleMeta;

    fn meta() -> ArticleMeta {
        ArticleMeta {
            title: "医保交完不用会清零吗".into(),
            slug: "yi-bao".into(),
            answer: None,
            date: Some("2025-04-20".parse().unwrap()),
            date_source: None,
            updated: None,
            regions: vec![],
            topics: vec!["个人账户".into()],
            relevant: true,
            irrelevant_reason: None,
            disclaimer: Default::default(),
            notices: vec![],
            recommendations: vec![],
            source: None,
            checksum: None,
        }
    }

    #[test]
    fn rendered_documents_are_pristine_until_edited() {
        let text = render_document(&meta(), "正文\n");
        assert!(is_pristine(&text));
        assert!(!is_pristine(&text.replace("正文", "改过的正文")));
        let without_checksum: String =
            text.lines().filter(|l| !l.starts_with("checksum")).map(|l| format!("{l}\n")).collect();
        assert!(!is_pristine(&without_checksum));
    }

    #[test]
    fn documents_round_trip_with_crlf_and_bom() {
        let text = format!("\u{feff}{}", render_document(&meta(), "正文\n").replace('\n', "\r\n"));
        let loaded = parse_article(Path::new("a.md"), &text).unwrap();
        assert_eq!(loaded.item.meta.title, "医保交完不用会清零吗");
        assert_eq!(loaded.item.body, "正文\n");
    }

    #[test]
    fn yaml_errors_point_at_the_file_line() {
        let text = "---\ntitle: a\nslug: [b\n---\nbody\n";
        let err = parse_article(Path::new("x.md"), text).unwrap_err();
        assert!(err.line >= 3, "{err}");
        let err = parse_article(Path::new("x.md"), "---\ntitel: a\nslug: b\n---\n").unwrap_err();
        assert!(err.message.contains("titel"), "{err}");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn deep_flow_nesting_is_refused_at_its_line() {
        let text = format!("---\ntitle: a\nslug: a\nregions: {}{}\n---\n", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse_article(Path::new("a.md"), &text).unwrap_err();
        assert_eq!((err.line, err.column), (4, 26), "{err}");
        assert!(err.message.contains("more than 16 levels"), "{err}");
        let mapping = format!("---\ntitle: a\nslug: a\nsource: {}\n---\n", "{a: ".repeat(50_000));
        assert_eq!(parse_article(Path::new("a.md"), &mapping).unwrap_err().line, 4);
        assert!(
            parse_article(Path::new("a.md"), "---\ntitle: '[[医保]]'\nslug: a\nregions: [[x]]\n---\n")
                .is_err_and(|err| !err.message.contains("levels"))
        );
    }

    #[test]
    fn a_bad_date_is_reported_on_its_line() {
        let err = parse_article(Path::new("a.md"), "---\ntitle: a\nslug: a\n\ndate: 2025-13-45\n---\n").unwrap_err();
        assert_eq!((err.line, err.column), (5, 7), "{err}");
    }

    fn fuzz_cases() -> u32 {
        std::env::var("POLICYPRESS_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64)
    }

    /// Front matter that nests: brackets, braces, block markers, anchors.
    fn yaml_heavy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("["),
            Just("]"),
            Just("{"),
            Just("}"),
            Just("- "),
            Just("  "),
            Just("a: "),
            Just(", "),
            Just("&x "),
            Just("*x "),
            Just("? "),
            Just("\n"),
            Just("'"),
            Just("\""),
            Just("title: "),
            Just("!!str "),
        ];
        proptest::collection::vec((piece, 1..200usize), 1..24)
            .prop_map(|runs| runs.into_iter().map(|(piece, n)| piece.repeat(n)).collect())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(fuzz_cases()))]

        /// Any file either loads or is refused with a line inside it.
        #[test]
        fn any_file_parses_or_is_located(
            front in proptest::prop_oneof![yaml_heavy(), proptest::prelude::any::<String>()],
            body in proptest::prelude::any::<String>(),
        ) {
            let text = format!("---\n{front}\n---\n{body}");
            for result in [
                parse_article(Path::new("a.md"), &text).map(|_| ()),
                parse_recommendation(Path::new("r.md"), &text).map(|_| ()),
                parse_article(Path::new("a.md"), &front).map(|_| ()),
            ] {
                if let Err(err) = result {
                    proptest::prop_assert!(err.line >= 1 && err.line <= text.lines().count() + 1, "{}", err);
                }
            }
        }
    }

    /// What a build sees of a tree: every field of every item.
    fn snapshot(tree: &ContentTree) -> Vec<String> {
        let articles = tree.articles.iter().map(|a| format!("{:?}", (&a.path, &a.item, a.pristine, a.body_line)));
        let recs = tree.recommendations.iter().map(|r| format!("{:?}", (&r.path, &r.item, r.pristine, r.body_line)));
        articles.chain(recs).chain(tree.errors.iter().map(ToString::to_string)).collect()
    }

    #[test]
    fn cached_front_matter_loads_exactly_what_parsing_does() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let cache = dir.path().join("cache/front-matter.tsv");
        fs::create_dir_all(content.join(ARTICLES_DIR)).unwrap();
        fs::create_dir_all(content.join(RECOMMENDATIONS_DIR)).unwrap();
        let mut full = meta();
        full.answer = Some("能用".into());
        full.regions = vec!["广东省/深圳市".into()];
        full.relevant = false;
        full.recommendations = vec!["a".into(), "b".into()];
        fs::write(content.join("articles/a.md"), render_document(&full, "正文\r\n")).unwrap();
        fs::write(content.join("articles/b.md"), "---\ntitle: 手写\nslug: b\n---\n正文\n").unwrap();
        fs::write(content.join("articles/broken.md"), "---\ntitle: [\n---\n").unwrap();
        fs::write(content.join("recommendations/r.md"), "---\ntitle: 片段\nslug: r\noccurrences: 3\n---\n 摘要 \n")
            .unwrap();
        let parsed = snapshot(&load_tree(&content));

        let (cold, update) = load_tree_cached(&content, &cache);
        update.save();
        let written = fs::read_to_string(&cache).unwrap();
        assert_eq!(written.lines().count(), 4, "a header and one line per parsed file: {written}");
        let (warm, update) = load_tree_cached(&content, &cache);
        update.save();
        assert_eq!(snapshot(&cold), parsed);
        assert_eq!(snapshot(&warm), parsed);
        assert_eq!(fs::read_to_string(&cache).unwrap(), written, "nothing changed, nothing to save");

        fs::write(content.join("articles/b.md"), "---\ntitle: 改过\nslug: b\n---\n正文\n").unwrap();
        let (edited, update) = load_tree_cached(&content, &cache);
        update.save();
        assert_eq!(snapshot(&edited), snapshot(&load_tree(&content)));
        assert!(snapshot(&edited).iter().any(|item| item.contains("改过")));

        // A damaged cache costs a parse, never a wrong item.
        fs::write(&cache, written.replace("\"title\"", "\"titel\"")).unwrap();
        assert_eq!(snapshot(&load_tree_cached(&content, &cache).0), snapshot(&load_tree(&content)));
    }
}
