//! Reading and writing `content/`: front-mattered Markdown files, the
//! generator checksum that tells generated files from hand-edited ones, and
//! writes that leave a file untouched when its bytes would not change.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::model::{Article, ArticleMeta, Recommendation, RecommendationMeta};

pub const ARTICLES_DIR: &str = "articles";
pub const RECOMMENDATIONS_DIR: &str = "recommendations";
pub const TOPICS_FILE: &str = "topics.yaml";

const CHECKSUM_KEY: &str = "checksum: ";

/// A problem with one content file, located as precisely as we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
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

/// Parses front matter into `T`, mapping YAML errors to file:line:column.
pub fn parse_front_matter<T: DeserializeOwned>(path: &Path, doc: &Document<'_>) -> Result<T, ContentError> {
    serde_norway::from_str(doc.front_matter).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|loc| (loc.line() + doc.front_matter_line - 1, loc.column()))
            .unwrap_or((doc.front_matter_line, 1));
        let message = err.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        ContentError::new(path, line, column, format!("front matter: {message}"), "fix the YAML at this position")
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

/// Writes a generated file unless it would not change or a person owns it.
pub fn write_generated(path: &Path, contents: &str, force: bool) -> io::Result<WriteOutcome> {
    match fs::read(path) {
        Ok(existing) => {
            if existing == contents.as_bytes() {
                return Ok(WriteOutcome::Unchanged);
            }
            let pristine = std::str::from_utf8(&existing).is_ok_and(is_pristine);
            if !pristine && !force {
                return Ok(WriteOutcome::KeptHandEdit);
            }
            write_atomically(path, contents.as_bytes())?;
            Ok(WriteOutcome::Updated)
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            write_atomically(path, contents.as_bytes())?;
            Ok(WriteOutcome::Created)
        }
        Err(err) => Err(err),
    }
}

/// Writes through a temporary sibling and a rename, so a crash never leaves
/// a half-written content file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{file_name}.tmp"));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path)
}

/// A content file loaded from disk with the text it was parsed from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: PathBuf,
    pub item: T,
    pub pristine: bool,
    /// Line where the body starts, for locating problems in it.
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
    let doc = split_document(path, text)?;
    let meta: ArticleMeta = parse_front_matter(path, &doc)?;
    let body = doc.body.replace("\r\n", "\n");
    Ok(Loaded {
        path: path.to_path_buf(),
        pristine: is_pristine(text),
        body_line: doc.body_line,
        item: Article { meta, body },
    })
}

pub fn parse_recommendation(path: &Path, text: &str) -> Result<Loaded<Recommendation>, ContentError> {
    let doc = split_document(path, text)?;
    let meta: RecommendationMeta = parse_front_matter(path, &doc)?;
    let excerpt = doc.body.replace("\r\n", "\n").trim().to_string();
    Ok(Loaded {
        path: path.to_path_buf(),
        pristine: is_pristine(text),
        body_line: doc.body_line,
        item: Recommendation { meta, excerpt },
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
    let mut errors = Vec::new();
    let articles = load_dir(&content_dir.join(ARTICLES_DIR), parse_article, &mut errors);
    let recommendations = load_dir(&content_dir.join(RECOMMENDATIONS_DIR), parse_recommendation, &mut errors);
    ContentTree { articles, recommendations, errors }
}

type Parse<T> = fn(&Path, &str) -> Result<Loaded<T>, ContentError>;

fn load_dir<T: Send>(dir: &Path, parse: Parse<T>, errors: &mut Vec<ContentError>) -> Vec<Loaded<T>> {
    let results: Vec<_> =
        markdown_files(dir).par_iter().map(|path| read_text(path).and_then(|text| parse(path, &text))).collect();
    let mut items = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(item) => items.push(item),
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
            regions: vec![],
            topics: vec!["个人账户".into()],
            relevant: true,
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
}
