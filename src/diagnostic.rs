//! Located messages about the files a user writes: the one shape in which
//! `build`, `check`, `import` and `classify` report a problem.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::i18n::{Lang, Text};
use crate::text::{display_path, escape_controls};

/// How serious a message is, for every command that reports on files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information; nothing to fix.
    Note,
    /// Worth fixing; nothing fails because of it.
    Warning,
    /// The file cannot be used as it is.
    Error,
}

impl Severity {
    /// The stable English word, as GitHub's workflow commands and JSON take it.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// The word a person reads, in `lang`.
    pub fn label(self) -> Text {
        match self {
            Severity::Note => crate::text!("severity-note"),
            Severity::Warning => crate::text!("severity-warning"),
            Severity::Error => crate::text!("severity-error"),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One problem, located in a file (relative to the site root where there is one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: Text,
    /// One line telling the author what to change.
    pub fix: Text,
    /// The line of the file the problem is on, shown under the message
    /// with a caret at the column.
    pub source: Option<String>,
}

impl Diagnostic {
    pub fn error(file: PathBuf, line: usize, column: usize, message: Text, fix: Text) -> Self {
        Diagnostic { file, line, column, severity: Severity::Error, message, fix, source: None }
    }

    pub fn warning(file: PathBuf, line: usize, column: usize, message: Text, fix: Text) -> Self {
        Diagnostic { file, line, column, severity: Severity::Warning, message, fix, source: None }
    }

    /// The stable English code of the message, for tools to match on.
    pub fn code(&self) -> &'static str {
        self.message.code()
    }

    /// The diagnostic with the source line it is about, read from `path`.
    pub fn with_source_from(self, path: &Path) -> Self {
        let source = read_source(path).and_then(|text| line_of(&text, self.line));
        Diagnostic { source, ..self }
    }

    /// `file:line:col: severity: message`, the source line with a caret
    /// under the column (as rustc shows it), and the fix, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = format!(
            "{}:{}:{}: {}: {}\n",
            display_path(&self.file),
            self.line,
            self.column,
            self.severity.label().render(lang),
            escape_controls(&self.message.render(lang)),
        );
        if let Some(source) = &self.source {
            out.push_str(&caret_block(source, self.line, self.column));
        }
        out.push_str(&format!(
            "  {}: {}",
            crate::text!("fix-label").render(lang),
            escape_controls(&self.fix.render(lang))
        ));
        out
    }
}

/// The text of the file at `path` as an excerpt shows it (invalid UTF-8
/// replaced, no BOM), if it can be read.
pub fn read_source(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

/// Line `line` (1-based) of `text`.
pub fn line_of(text: &str, line: usize) -> Option<String> {
    text.split('\n').nth(line.checked_sub(1)?).map(|l| l.trim_end_matches('\r').to_string())
}

/// A tab as the terminal shows it in the excerpt.
const TAB: &str = "    ";

/// ```text
///    |
///  5 | date: 2025-04-31
///    |       ^^^^^^^^^^
/// ```
/// The caret spans the word at `column` (a date, a region path), or one
/// character where punctuation is; wide (CJK) characters take two cells.
pub fn caret_block(source: &str, line: usize, column: usize) -> String {
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    let shown = escape_controls(&source.replace('\t', TAB)).into_owned();
    let before: String = source.chars().take(column.saturating_sub(1)).collect();
    let indent = " ".repeat(cells(&before));
    let rest: String = source.chars().skip(column.saturating_sub(1)).collect();
    let word: String = rest.chars().take_while(|&c| is_word_char(c)).collect();
    let width = if word.is_empty() { rest.chars().next().map_or(1, |c| cells(&c.to_string())) } else { cells(&word) };
    format!(" {gutter} |\n {number} | {shown}\n {gutter} | {indent}{}\n", "^".repeat(width.max(1)))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')
}

/// Terminal cells `text` takes: two for East Asian wide characters, four
/// for a tab, one for the rest.
fn cells(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\t' => TAB.len(),
            '\u{1100}'..='\u{115F}'
            | '\u{2E80}'..='\u{A4CF}'
            | '\u{AC00}'..='\u{D7A3}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FE30}'..='\u{FE4F}'
            | '\u{FF00}'..='\u{FF60}'
            | '\u{FFE0}'..='\u{FFE6}'
            | '\u{20000}'..='\u{3FFFD}' => 2,
            _ => 1,
        })
        .sum()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(crate::i18n::lang()))
    }
}

impl Diagnostic {
    /// The stable `code` beside the message and fix in `lang`.
    pub fn to_json(&self, lang: Lang) -> serde_json::Value {
        serde_json::json!({
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code(),
            "message": self.message.render(lang),
            "fix": self.fix.render(lang),
        })
    }
}
