//! The file format of `content/`: `---`, YAML front matter, `---`, a
//! Markdown body; and the generator checksum that tells a generated file
//! from one a person edited.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::ContentError;
use crate::model::Item;
use crate::text;

const CHECKSUM_KEY: &str = "checksum: ";

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
    let missing = || ContentError::new(path, 1, 1, text!("front-matter-missing"), text!("front-matter-missing.fix"));
    let rest = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")).ok_or_else(missing)?;
    let mut offset = 0;
    for (line, segment) in (2..).zip(rest.split_inclusive('\n')) {
        if segment.trim_end_matches(['\r', '\n']) == "---" {
            let body = &rest[offset + segment.len()..];
            return Ok(Document { front_matter: &rest[..offset], body, front_matter_line: 2, body_line: line + 1 });
        }
        offset += segment.len();
    }
    // Where the closing line belongs cannot be known, so the error points
    // at the `---` that opened the front matter.
    Err(ContentError::new(path, 1, 1, text!("front-matter-unclosed"), text!("front-matter-unclosed.fix")))
}

/// Deepest nesting of `[` and `{` front matter may have; no field needs
/// more than two. The YAML parser takes quadratic time in the depth (68 s
/// for 100k brackets), so depth is checked first, in one pass.
pub const MAX_FLOW_NESTING: usize = 16;

/// Brackets count where YAML reads them as flow collections: not inside a
/// quoted value, and outside a collection only where a value starts, so a
/// title such as `'{a: {a: …'` that import quoted is text, not nesting.
pub fn check_flow_nesting(path: &Path, doc: &Document<'_>) -> Result<(), ContentError> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (index, line) in doc.front_matter.lines().enumerate() {
        // The last character outside quotes, and whether a space followed it.
        let mut previous: Option<char> = None;
        let mut spaced = false;
        let mut chars = line.chars().enumerate().peekable();
        while let Some((column, c)) = chars.next() {
            if let Some(open) = quote {
                match c {
                    '\\' if open == '"' => {
                        chars.next();
                    }
                    '\'' if open == '\'' && chars.peek().is_some_and(|&(_, next)| next == '\'') => {
                        chars.next();
                    }
                    _ if c == open => (quote, previous, spaced) = (None, Some(c), false),
                    _ => {}
                }
                continue;
            }
            if c.is_whitespace() {
                spaced = previous.is_some();
                continue;
            }
            let value_starts = match previous {
                None => true,
                Some(':' | '-' | '?') => spaced,
                Some(',' | '[' | '{') => depth > 0,
                Some(_) => false,
            };
            match c {
                '\'' | '"' if value_starts => quote = Some(c),
                '#' if previous.is_none() || spaced => break,
                '[' | '{' if depth > 0 || value_starts => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            (previous, spaced) = (Some(c), false);
            if depth > MAX_FLOW_NESTING {
                return Err(ContentError::new(
                    path,
                    doc.front_matter_line + index,
                    column + 1,
                    text!("front-matter-too-deep", levels = MAX_FLOW_NESTING),
                    text!("front-matter-too-deep.fix"),
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
        ContentError::new(path, line, column, text!("front-matter-invalid", detail = message), text!("yaml-fix"))
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

/// An item as its generated file: a fresh checksum over the rest.
pub fn render_item<T: Item>(item: &T) -> String {
    render_document(&item.meta_with_checksum(None), &item.file_body())
}

fn checksum_of(text: &str) -> String {
    crate::text::hex(&Sha256::digest(text.as_bytes())[..8])
}

/// The checksum [`render_document`] signed `text` with: what parsing the
/// file reads as `checksum`.
pub fn written_checksum(text: &str) -> Option<String> {
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
