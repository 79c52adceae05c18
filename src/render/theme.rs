//! Finding the theme: templates and static files from `themes/<name>/`,
//! overridden Zola-style by the site's own `templates/` and `static/`. The
//! default theme is also compiled in, so a site root without a `themes/`
//! directory still builds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tera::{Template, Tera};

use super::error::BuildError;
use super::minify;
use crate::layout::SiteLayout;

/// Templates of the default theme, as compiled into the binary.
const EMBEDDED_TEMPLATES: &[(&str, &str)] = &[
    ("404.html", include_str!("../../themes/default/templates/404.html")),
    ("article.html", include_str!("../../themes/default/templates/article.html")),
    ("base.html", include_str!("../../themes/default/templates/base.html")),
    ("index.html", include_str!("../../themes/default/templates/index.html")),
    ("list.html", include_str!("../../themes/default/templates/list.html")),
    ("macros.html", include_str!("../../themes/default/templates/macros.html")),
    ("recommendation.html", include_str!("../../themes/default/templates/recommendation.html")),
    ("regions.html", include_str!("../../themes/default/templates/regions.html")),
    ("search.html", include_str!("../../themes/default/templates/search.html")),
    ("topics.html", include_str!("../../themes/default/templates/topics.html")),
];

/// Static files of the default theme, as compiled into the binary.
const EMBEDDED_STATIC: &[(&str, &[u8])] = &[
    ("regions.js", include_bytes!("../../themes/default/static/regions.js")),
    ("search.js", include_bytes!("../../themes/default/static/search.js")),
    ("share.png", include_bytes!("../../themes/default/static/share.png")),
    ("style.css", include_bytes!("../../themes/default/static/style.css")),
];

pub const DEFAULT_THEME: &str = "default";

/// Templates ready to render, and the static files to copy.
pub struct Theme {
    pub tera: Tera,
    /// Where each template came from, by template name, for error messages.
    pub template_files: BTreeMap<String, PathBuf>,
    /// Output-relative path → contents; theme stylesheets minified when
    /// asked, the site's own files verbatim.
    pub statics: BTreeMap<String, Vec<u8>>,
    /// Digest of every template, part of each cached page's digest.
    pub digest: [u8; 16],
}

impl Theme {
    pub fn load(layout: &SiteLayout, name: &str, minify: bool) -> Result<Theme, BuildError> {
        let theme_dir = layout.themes_dir().join(name);
        let mut templates: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
        let mut statics: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let valid_name = !name.is_empty() && !name.contains(['/', '\\']) && name != "." && name != "..";
        if valid_name && theme_dir.is_dir() {
            for (rel, path) in files_under(&theme_dir.join("templates"))? {
                let text = read_utf8(&path)?;
                templates.insert(rel, (path, text));
            }
            for (rel, path) in files_under(&theme_dir.join("static"))? {
                let bytes = std::fs::read(&path).map_err(|source| BuildError::Io { path: path.clone(), source })?;
                statics.insert(rel, bytes);
            }
        } else if name == DEFAULT_THEME {
            for (rel, text) in EMBEDDED_TEMPLATES {
                templates.insert(
                    rel.to_string(),
                    (PathBuf::from(format!("<built-in theme>/templates/{rel}")), text.to_string()),
                );
            }
            for (rel, bytes) in EMBEDDED_STATIC {
                statics.insert(rel.to_string(), bytes.to_vec());
            }
        } else {
            return Err(BuildError::ThemeNotFound { name: name.to_string(), path: theme_dir });
        }
        if minify {
            for (rel, bytes) in statics.iter_mut() {
                *bytes = minify::asset(rel, std::mem::take(bytes));
            }
        }
        for (rel, path) in files_under(&layout.templates_dir())? {
            let text = read_utf8(&path)?;
            templates.insert(rel, (path, text));
        }
        for (rel, path) in files_under(&layout.static_dir())? {
            let bytes = std::fs::read(&path).map_err(|source| BuildError::Io { path: path.clone(), source })?;
            statics.insert(rel, bytes);
        }

        // Parsing one by one first names the broken file; adding them all
        // together then checks inheritance and macro imports.
        for (rel, (path, text)) in &mut templates {
            Template::new(rel, None, text)
                .map_err(|err| BuildError::Template { path: path.clone(), message: error_chain(&err) })?;
            // Minified after the check, so errors name lines of the file as
            // written. Pages then need no minifying of their own.
            if minify {
                let minified = minify::template(text);
                if Template::new(rel, None, &minified).is_ok() {
                    *text = minified;
                }
            }
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // The XML escape covers everything that can end HTML text or a quoted
        // attribute; unlike tera's default it leaves `/` alone, so relative
        // URLs stay readable in the output.
        tera.set_escape_fn(super::feeds::xml_escape);
        tera.add_raw_templates(templates.iter().map(|(rel, (_, text))| (rel.as_str(), text.as_str())))
            .map_err(|err| BuildError::Template { path: theme_dir.join("templates"), message: error_chain(&err) })?;
        let digest =
            super::cache::templates_digest(templates.iter().map(|(rel, (_, text))| (rel.as_str(), text.as_str())));
        let template_files = templates.into_iter().map(|(rel, (path, _))| (rel, path)).collect();
        Ok(Theme { tera, template_files, statics, digest })
    }
}
/// Every file below `dir` as (`a/b.css`, path), sorted; none if `dir` is missing.
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>, BuildError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|err| BuildError::Io {
            path: err.path().unwrap_or(dir).to_path_buf(),
            source: err.into_io_error().unwrap_or_else(|| std::io::Error::other("filesystem loop")),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
        let Some(parts) = parts else {
            return Err(BuildError::Template {
                path: entry.path().to_path_buf(),
                message: "file name is not valid UTF-8; rename the file".into(),
            });
        };
        files.push((parts.join("/"), entry.into_path()));
    }
    Ok(files)
}

fn read_utf8(path: &Path) -> Result<String, BuildError> {
    let bytes = std::fs::read(path).map_err(|source| BuildError::Io { path: path.to_path_buf(), source })?;
    String::from_utf8(bytes)
        .map_err(|_| BuildError::Template { path: path.to_path_buf(), message: "template is not valid UTF-8".into() })
}

/// A tera error with its causes, which carry the line and column.
pub fn error_chain(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(cause.to_string().trim());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compiled-in theme must be the one on disk, file for file.
    #[test]
    fn embedded_theme_matches_the_theme_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes").join(DEFAULT_THEME);
        let on_disk: Vec<String> =
            files_under(&dir.join("templates")).unwrap().into_iter().map(|(rel, _)| rel).collect();
        let embedded: Vec<String> = EMBEDDED_TEMPLATES.iter().map(|(rel, _)| rel.to_string()).collect();
        assert_eq!(on_disk, embedded);
        for (rel, text) in EMBEDDED_TEMPLATES {
            assert_eq!(std::fs::read_to_string(dir.join("templates").join(rel)).unwrap(), *text);
        }
        for (rel, bytes) in EMBEDDED_STATIC {
            assert_eq!(std::fs::read(dir.join("static").join(rel)).unwrap(), *bytes);
        }
    }

    #[test]
    fn the_built_in_theme_loads_without_a_themes_directory() {
        let root = tempfile::tempdir().unwrap();
        let theme = Theme::load(&SiteLayout::new(root.path()), DEFAULT_THEME, true).unwrap();
        assert!(theme.tera.get_template_names().any(|n| n == "article.html"));
        assert!(theme.statics.contains_key("style.css"));
        assert!(matches!(
            Theme::load(&SiteLayout::new(root.path()), "nope", true),
            Err(BuildError::ThemeNotFound { .. })
        ));
    }

    #[test]
    fn a_broken_site_template_is_named_with_its_line() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("templates")).unwrap();
        std::fs::write(
            root.path().join("templates/article.html"),
            "{% extends \"base.html\" %}\n\n{% block content %}{{ oops( }}{% endblock content %}",
        )
        .unwrap();
        let Err(BuildError::Template { path, message }) =
            Theme::load(&SiteLayout::new(root.path()), DEFAULT_THEME, true)
        else {
            panic!("expected a template error");
        };
        assert!(path.ends_with("templates/article.html"), "{}", path.display());
        assert!(message.contains("3:"), "{message}");
    }
}
