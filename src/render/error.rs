//! Everything that stops a build, with the file or page it concerns.

use std::fmt;
use std::path::PathBuf;

use crate::config::ConfigError;
use crate::content::ContentError;
use crate::diagnostic::Diagnostic;
use crate::text::{display_path, escape_controls};

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Every problem found in `content/`, sorted by file and line.
    #[error("{}", ContentErrors(.0))]
    Content(Vec<ContentError>),
    #[error("theme `{}` not found: {} does not exist", escape_controls(name), display_path(path))]
    ThemeNotFound { name: String, path: PathBuf },
    /// A template that does not parse, or a set of templates that do not fit
    /// together (a missing parent or macro file).
    #[error("{}: {}", display_path(path), escape_controls(message))]
    Template { path: PathBuf, message: String },
    /// A template failed while rendering a page.
    #[error("rendering {} with {}: {}", escape_controls(page), display_path(template), escape_controls(message))]
    Render { page: String, template: PathBuf, message: String },
    #[error("{}: {source}", display_path(path))]
    Io { path: PathBuf, source: std::io::Error },
    /// The output directory cannot safely be replaced.
    #[error("{0}")]
    Output(String),
    /// Two pages or files would be written to the same path.
    #[error("two pages would be written to {0}; rename one of them")]
    Collision(String),
    #[error("writing the search index: {0}")]
    Search(std::io::Error),
}

struct ContentErrors<'a>(&'a [ContentError]);

impl fmt::Display for ContentErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        writeln!(f, "{}", crate::text!("build-problems", count = count))?;
        for (n, err) in self.0.iter().enumerate() {
            let diagnostic =
                Diagnostic::error(err.path.clone(), err.line, err.column, err.message.clone(), err.fix.clone());
            f.write_str(&diagnostic.with_source_from(&err.path).to_string())?;
            if n + 1 < count {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}
