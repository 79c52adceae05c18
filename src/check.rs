//! `check`: validates everything `build` reads — `config.toml`,
//! `content/topics.yaml`, every article and recommendation — without writing
//! anything, and reports every problem found in one run, each located at a
//! file, line and column with a one-line fix. CI runs it on pull requests, so
//! the messages are written for contributors, not for us.
//!
//! The rules `build` stops on are the site loader's ([`crate::site::rules`]),
//! run here unchanged, so both say the same words at the same place. The
//! lint rules below are `check`'s own: they concern how content is kept
//! (file names, placeholders, links in bodies, import history), not whether
//! it can be built.

use std::collections::HashMap;
use std::path::PathBuf;
use std::path::{Component, Path};
use std::str::FromStr;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Parser, Tag};
use rayon::prelude::*;

use crate::classify::MAX_TOPICS;
use crate::config::{Config, ConfigError};
use crate::content::{self, ContentError, ContentTree, Loaded};
use crate::i18n::{Lang, Text};
use crate::layout::SiteLayout;
use crate::model::{Item, ItemKind};
use crate::render::markdown_to_html::{self, Nesting};
use crate::site::rules::{self, KnownSlugs, Locator, RulesInput, file_stem};
use crate::slug::is_valid_slug;
use crate::taxonomy::{Gazetteer, TopicVocabulary};
use crate::text;

pub use crate::diagnostic::{Diagnostic, Severity};
use crate::diagnostic::{line_of, read_source};

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `file:line:col: error: message` and an indented `fix:` line.
    Human,
    /// GitHub Actions workflow commands, shown as annotations on the diff.
    Github,
    /// One JSON array of diagnostics.
    Json,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Format::Human),
            "github" => Ok(Format::Github),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format `{other}`; use human, github or json")),
        }
    }
}

/// Everything `check` found, sorted by file, line and column.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub diagnostics: Vec<Diagnostic>,
    pub articles: usize,
    pub recommendations: usize,
}

impl CheckReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }

    /// One line: what was checked and how many problems were found.
    pub fn summary(&self) -> Text {
        text!(
            "check-summary",
            articles = self.articles,
            recommendations = self.recommendations,
            errors = self.count(Severity::Error),
            warnings = self.count(Severity::Warning),
        )
    }

    /// The diagnostics in `format`, one per line (JSON: one array), with
    /// messages in `lang`.
    pub fn render(&self, format: Format, lang: Lang) -> String {
        match format {
            Format::Human => self.diagnostics.iter().map(|d| d.render(lang) + "\n").collect(),
            Format::Github => self.diagnostics.iter().map(|d| github_annotation(d, lang)).collect(),
            Format::Json => {
                let rendered: Vec<serde_json::Value> = self.diagnostics.iter().map(|d| d.to_json(lang)).collect();
                serde_json::to_string_pretty(&rendered).expect("diagnostics always serialize") + "\n"
            }
        }
    }
}

/// A GitHub Actions workflow command; values are escaped as the runner
/// expects so that a `,` or `:` in a message cannot end a property early.
fn github_annotation(d: &Diagnostic, lang: Lang) -> String {
    fn data(s: &str) -> String {
        s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
    }
    fn property(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }
    let message = format!("{} ({})", d.message.render(lang), d.fix.render(lang));
    format!(
        "::{} file={},line={},col={},title={}::{}\n",
        d.severity.code(),
        property(&d.file.to_string_lossy().replace('\\', "/")),
        d.line,
        d.column,
        property(&format!("policypress check: {}", d.code())),
        data(&message)
    )
}

/// Checks the site under `root`; regions are resolved in the embedded gazetteer.
pub fn check(root: &Path) -> CheckReport {
    let layout = SiteLayout::new(root);
    let gazetteer = Gazetteer::embedded();
    let mut diagnostics = Vec::new();
    let config = check_config(&layout, &mut diagnostics);
    let vocabulary = TopicVocabulary::load_or_bundled(&layout);
    crate::search::synonyms::check(&layout, &mut diagnostics);
    let tree = content::load_tree(layout.content());
    let mut errors = tree.errors.clone();
    if let Err(err) = &vocabulary {
        errors.push(err.clone());
    }
    let input = RulesInput { layout: &layout, tree: &tree, gazetteer, vocabulary: vocabulary.as_ref().ok() };
    errors.extend(rules::validate(input));
    diagnostics.extend(errors.into_iter().map(|err| located(&layout, err, Severity::Error)));
    for stray in content::stray_files(layout.content()) {
        let severity = if stray.meant_for_publishing { Severity::Error } else { Severity::Warning };
        diagnostics.push(located(&layout, stray.error, severity));
    }
    let config = config.unwrap_or_default();
    let mut titles: HashMap<&str, (&Path, bool)> = HashMap::new();
    let mut articles: Vec<&Loaded<crate::model::Article>> = tree.checked_articles().collect();
    articles.sort_by(|a, b| a.path.cmp(&b.path));
    for article in articles {
        titles.entry(article.item.meta.title.trim()).or_insert((&article.path, article.pristine));
    }
    let lints = Lints { layout: &layout, known: KnownSlugs::of(&tree), config: &config, titles };
    diagnostics.extend(lints.run(&tree));
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, b.severity, &a.message).cmp(&(&b.file, b.line, b.column, a.severity, &b.message))
    });
    diagnostics.dedup();
    let mut sources: Option<(PathBuf, Option<String>)> = None;
    let diagnostics = diagnostics
        .into_iter()
        .map(|d| {
            // Sorted by file, so each file is read once for all its lines.
            if sources.as_ref().is_none_or(|(file, _)| *file != d.file) {
                sources = Some((d.file.clone(), read_source(&layout.root().join(&d.file))));
            }
            let source = sources.as_ref().and_then(|(_, text)| line_of(text.as_deref()?, d.line));
            Diagnostic { source, ..d }
        })
        .collect();
    let count = |kind: ItemKind| {
        let loaded = match kind {
            ItemKind::Article => tree.articles.len(),
            ItemKind::Recommendation => tree.recommendations.len(),
        };
        loaded + tree.unloaded.iter().filter(|(k, _, _)| *k == kind).count()
    };
    CheckReport { diagnostics, articles: count(ItemKind::Article), recommendations: count(ItemKind::Recommendation) }
}

/// Checks `config.toml`; returns it, for the settings that decide whether a
/// link works (`base_url`, `include_irrelevant`).
fn check_config(layout: &SiteLayout, diagnostics: &mut Vec<Diagnostic>) -> Option<Config> {
    let path = layout.config_file();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Some(Config::default()),
        Err(err) => {
            diagnostics.push(Diagnostic::error(
                "config.toml".into(),
                1,
                1,
                text!("cannot-read", error = err.to_string()),
                text!("cannot-read.fix"),
            ));
            return None;
        }
    };
    diagnostics.extend(crate::secrets::config_secrets(&text));
    match Config::parse("config.toml", &text) {
        Ok(config) => Some(config),
        Err(ConfigError::Invalid { line, column, message, fix, .. }) => {
            diagnostics.push(Diagnostic::error("config.toml".into(), line, column, message, fix));
            None
        }
        Err(ConfigError::Read { source, .. }) => {
            diagnostics.push(Diagnostic::error(
                "config.toml".into(),
                1,
                1,
                text!("cannot-read", error = source.to_string()),
                text!("cannot-read.fix"),
            ));
            None
        }
    }
}

/// A rule's error as `check` prints it: the file relative to the site root.
fn located(layout: &SiteLayout, err: ContentError, severity: Severity) -> Diagnostic {
    Diagnostic {
        file: layout.relative(&err.path),
        line: err.line,
        column: err.column,
        severity,
        message: err.message,
        fix: err.fix,
        source: None,
    }
}

/// The rules only `check` applies: what the contributing guide asks of an
/// article but a build can render anyway, so that a preview of unfinished
/// work still shows while CI refuses to publish it.
struct Lints<'a> {
    layout: &'a SiteLayout,
    known: KnownSlugs<'a>,
    config: &'a Config,
    /// Each article title, the first file (by path) that has it, and
    /// whether that file is as import wrote it.
    titles: HashMap<&'a str, (&'a Path, bool)>,
}

/// Where the body still holds a line of the skeleton `policypress new`
/// writes (section headings aside) or the placeholder marker: byte offsets
/// of those lines.
fn placeholder_lines(body: &str) -> Vec<usize> {
    static PLACEHOLDERS: LazyLock<Vec<String>> = LazyLock::new(|| {
        let skeleton = crate::new::skeleton();
        let lines = skeleton.lines().filter(|line| !line.trim().starts_with("## "));
        lines.map(without_list_number).filter(|line| !line.is_empty()).map(str::to_string).collect()
    });
    let mut offsets = Vec::new();
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let bare = without_list_number(line);
        if !bare.is_empty() && (bare.contains(crate::new::PLACEHOLDER_MARKER) || PLACEHOLDERS.iter().any(|p| p == bare))
        {
            offsets.push(offset + (line.len() - line.trim_start().len()));
        }
        offset += line.len();
    }
    offsets
}

/// A line without its surrounding blanks and its `1. ` list number, so a
/// renumbered skeleton step still counts as the skeleton's.
fn without_list_number(line: &str) -> &str {
    line.trim().trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
}

impl Lints<'_> {
    fn run(&self, tree: &ContentTree) -> Vec<Diagnostic> {
        let mut found: Vec<(ContentError, Severity)> =
            tree.articles.par_iter().flat_map_iter(|a| self.article(a)).collect();
        found.par_extend(tree.recommendations.par_iter().flat_map_iter(|r| self.recommendation(r)));
        found.extend(tree.salvaged.articles.iter().flat_map(|a| self.article(a)));
        found.extend(tree.salvaged.recommendations.iter().flat_map(|r| self.recommendation(r)));
        found.into_iter().map(|(err, severity)| located(self.layout, err, severity)).collect()
    }

    fn article(&self, loaded: &Loaded<crate::model::Article>) -> Vec<(ContentError, Severity)> {
        let mut found = self.common(loaded);
        let meta = &loaded.item.meta;
        let at = Locator::new(&loaded.path);
        // Import classifies what it writes, keeping at most three topics
        // and none where nothing fits; an author chooses them.
        let topics = meta.topics.len();
        if meta.relevant && (topics > MAX_TOPICS || (topics == 0 && !loaded.pristine)) {
            let message = if topics == 0 { text!("topics-none") } else { text!("topics-too-many", count = topics) };
            let severity = if meta.draft { Severity::Warning } else { Severity::Error };
            found.push((at.error(at.key("topics"), message, text!("topics-none.fix")), severity));
        }
        // Two scraped pages may share a title, and import keeps the
        // source's words; an editor who touches either tells them apart.
        let repeated = self
            .titles
            .get(meta.title.trim())
            .filter(|(first, first_pristine)| *first != loaded.path.as_path() && !(loaded.pristine && *first_pristine));
        if let Some((first, _)) = repeated {
            let other = self.layout.relative(first).display().to_string();
            found.push((
                at.error(at.key("title"), text!("title-duplicate", other = other), text!("title-duplicate.fix")),
                Severity::Error,
            ));
        }
        let answered = meta.answer.as_deref().is_some_and(|a| !a.trim().is_empty());
        if loaded.item.body.trim().is_empty() && !answered {
            found.push((
                ContentError::new(
                    &loaded.path,
                    loaded.body_line,
                    1,
                    text!("article-empty"),
                    text!("article-empty.fix"),
                ),
                Severity::Error,
            ));
        }
        found
    }

    fn recommendation(&self, loaded: &Loaded<crate::model::Recommendation>) -> Vec<(ContentError, Severity)> {
        let mut found = self.common(loaded);
        let meta = &loaded.item.meta;
        let at = Locator::new(&loaded.path);
        let mut errors = Vec::new();
        for slug in &meta.seen_on {
            let what = || text!("reference-seen-on", slug = slug);
            self.known.require(ItemKind::Article, slug, &at, "seen_on", what, &mut errors);
        }
        if let Some(group) = &meta.group {
            let what = || text!("reference-group", slug = group);
            self.known.require(ItemKind::Recommendation, group, &at, "group", what, &mut errors);
        }
        found.extend(errors.into_iter().map(|err| (err, Severity::Error)));
        if loaded.item.excerpt.is_empty() {
            found.push((
                ContentError::new(
                    &loaded.path,
                    loaded.body_line,
                    1,
                    text!("recommendation-no-excerpt"),
                    text!("recommendation-no-excerpt.fix"),
                ),
                Severity::Warning,
            ));
        }
        found
    }

    /// The file name, repeated regions and topics, and the body:
    /// placeholder text, links, nesting.
    fn common<T: Item>(&self, loaded: &Loaded<T>) -> Vec<(ContentError, Severity)> {
        let mut found = Vec::new();
        for (key, values) in [("regions", loaded.item.regions()), ("topics", loaded.item.topics())] {
            for (index, value) in values.iter().enumerate() {
                if values[..index].contains(value) {
                    let at = Locator::new(&loaded.path);
                    let position = at.nth_value(key, value, 2);
                    let message = text!("list-repeated", field = key, value = value);
                    found.push((at.error(position, message, text!("list-repeated.fix")), Severity::Error));
                }
            }
        }
        let (slug, stem) = (loaded.item.slug(), file_stem(&loaded.path));
        if is_valid_slug(slug) && slug != stem {
            let at = Locator::new(&loaded.path);
            found.push((
                at.error(
                    at.key("slug"),
                    text!("slug-file-mismatch", slug = slug, stem = stem),
                    text!("slug-file-mismatch.fix", slug = slug, stem = stem),
                ),
                Severity::Error,
            ));
        }
        self.body(loaded, &mut found);
        found
    }

    /// Internal links from the Markdown body, the skeleton text `new`
    /// writes, and nesting too deep to render.
    fn body<T: Item>(&self, loaded: &Loaded<T>, found: &mut Vec<(ContentError, Severity)>) {
        let body = loaded.item.text();
        let position = |offset: usize| {
            let before = &body[..offset.min(body.len())];
            let line = loaded.body_line + before.matches('\n').count();
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            (line, column)
        };
        let at = |(line, column): (usize, usize), message: Text, fix: Text| {
            ContentError::new(&loaded.path, line, column, message, fix)
        };
        // A draft is unfinished by definition; anything else still holding
        // the skeleton would publish instructions to readers.
        let severity = if loaded.item.is_draft() { Severity::Warning } else { Severity::Error };
        for offset in placeholder_lines(body) {
            let line = body[offset..].lines().next().unwrap_or_default().trim();
            found.push((at(position(offset), text!("placeholder", text = line), text!("placeholder.fix")), severity));
        }
        let mut nesting = Nesting::default();
        for (event, range) in Parser::new_ext(body, markdown_to_html::OPTIONS).into_offset_iter() {
            nesting.observe(&event, range.start);
            let (Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. })) = event else {
                continue;
            };
            let Some(link) = self.internal_link(T::KIND, &dest_url) else { continue };
            let position = position(range.start);
            let what = text!("reference-link", link = dest_url.as_ref());
            match link {
                Ok((target, slug)) => match self.known.relevant(target, &slug) {
                    None => found.push((
                        at(position, self.known.nowhere(target, &slug, what), self.known.suggestion(target, &slug)),
                        Severity::Error,
                    )),
                    Some(false) if !self.config.include_irrelevant => found.push((
                        at(
                            position,
                            text!("link-to-unbuilt", what = what, file = format!("content/{}/{slug}.md", target.dir())),
                            text!("link-to-unbuilt.fix"),
                        ),
                        Severity::Warning,
                    )),
                    Some(_) => {}
                },
                Err(problem) => found.push((at(position, problem, text!("link-bad.fix")), Severity::Error)),
            }
        }
        if let Some(offset) = nesting.too_deep_at {
            let err = markdown_to_html::too_deep_error(&loaded.path, loaded.body_line, body, offset);
            found.push((err, Severity::Error));
        }
    }

    /// The page an internal link points at: `/articles/<slug>/`,
    /// `../<slug>/` (relative to the page of a file of `kind`) or a relative
    /// `<slug>.md`. `None` for external links, anchors and other pages of the
    /// site (taxonomies), which `build` generates itself.
    fn internal_link(&self, kind: ItemKind, dest: &str) -> Option<Result<(ItemKind, String), Text>> {
        let dest = dest.split(['#', '?']).next().unwrap_or_default();
        let base = self.config.base_url.as_str();
        let dest = match dest.strip_prefix(base) {
            Some(rest) if !base.is_empty() => rest,
            _ => dest,
        };
        if dest.is_empty() || dest.contains("://") || dest.starts_with("mailto:") || dest.starts_with("//") {
            return None;
        }
        if let Some(rest) = dest.strip_suffix(".md") {
            // A path to the source file, resolved from the file's directory.
            let mut dir = vec!["content", kind.dir()];
            for part in Path::new(rest).components() {
                match part {
                    Component::ParentDir => {
                        dir.pop()?;
                    }
                    Component::Normal(part) => dir.push(part.to_str()?),
                    Component::CurDir => {}
                    Component::RootDir | Component::Prefix(_) => {
                        return Some(Err(text!("link-not-relative", link = dest)));
                    }
                }
            }
            let slug = dir.pop()?.to_string();
            return Some(match dir.as_slice() {
                ["content", d] if *d == ItemKind::Article.dir() => Ok((ItemKind::Article, slug)),
                ["content", d] if *d == ItemKind::Recommendation.dir() => Ok((ItemKind::Recommendation, slug)),
                _ => Err(text!("link-outside-content", link = dest)),
            });
        }
        let page_path = match dest.strip_prefix("../") {
            Some(rest) => format!("/{}/{rest}", kind.dir()),
            None if dest.starts_with('/') => dest.to_string(),
            None => return None,
        };
        let mut segments = page_path.trim_start_matches('/').split('/').filter(|s| !s.is_empty());
        let target = match segments.next() {
            Some(d) if d == ItemKind::Article.dir() => ItemKind::Article,
            Some(d) if d == ItemKind::Recommendation.dir() => ItemKind::Recommendation,
            _ => return None,
        };
        let slug = segments.next()?.to_string();
        match segments.next() {
            None | Some("index.html") => Some(Ok((target, slug))),
            Some(_) => Some(Err(text!("link-below-page", link = dest))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_annotations_escape_separators() {
        let d = Diagnostic::error(
            "a,b.md".into(),
            3,
            1,
            text!("topic-unknown", topic = "bad: 100%\nvalue"),
            text!("title-empty.fix"),
        );
        assert_eq!(
            github_annotation(&d, Lang::En),
            "::error file=a%2Cb.md,line=3,col=1,title=policypress check%3A topic-unknown::unknown topic `bad: 100%25%0Avalue` (write the question as the title)\n"
        );
    }
}
