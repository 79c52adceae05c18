//! Located messages about the files a user writes: the one shape in which
//! `build`, `check`, `import` and `classify` report a problem.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

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

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem, located in a file (relative to the site root where there is one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: String,
    /// One line telling the author what to change.
    pub fix: String,
}

impl Diagnostic {
    pub fn error(
        file: PathBuf,
        line: usize,
        column: usize,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Diagnostic { file, line, column, severity: Severity::Error, message: message.into(), fix: fix.into() }
    }

    pub fn warning(
        file: PathBuf,
        line: usize,
        column: usize,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Diagnostic { file, line, column, severity: Severity::Warning, message: message.into(), fix: fix.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = display_path(&self.file);
        let message = escape_controls(&self.message);
        write!(f, "{file}:{}:{}: {}: {message}", self.line, self.column, self.severity)?;
        if !self.fix.is_empty() {
            write!(f, "\n  fix: {}", escape_controls(&self.fix))?;
        }
        Ok(())
    }
}
