//! `check`: validates everything `build` reads — `config.toml`,
//! `content/topics.yaml`, every article and recommendation — without writing
//! anything, and reports every problem found in one run, each located at a
//! file, line and column with a one-line fix. CI runs it on pull requests, so
//! the messages are written for contributors, not for us.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use pulldown_cmark::{Event, Parser, Tag};
use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::classify::{Gazetteer, TopicVocabulary};
use crate::config::{Config, ConfigError};
use crate::content::{self, ARTICLES_DIR, ContentError, Document, RECOMMENDATIONS_DIR, TOPICS_FILE};
use crate::model::{ARTICLE_FIELDS, ArticleMeta, RECOMMENDATION_FIELDS, RecommendationMeta};
use crate::render::markdown_to_html::{self, Nesting};
use crate::slug::is_valid_slug;

/// A sentence `policypress new` puts in every skeleton body, so that `check`
/// can tell an author who forgot to replace it.
pub const PLACEHOLDER_MARKER: &str = "（请替换这段说明）";

pub use crate::diagnostic::{Diagnostic, Severity};

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
#[derive(Debug, Clone, Default, Serialize)]
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
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "checked {} and {}: {}, {}",
            plural(self.articles, "article"),
            plural(self.recommendations, "recommendation"),
            plural(self.count(Severity::Error), "error"),
            plural(self.count(Severity::Warning), "warning")
        )
    }

    /// The diagnostics in `format`, one per line (JSON: one array).
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Human => self.diagnostics.iter().map(|d| format!("{d}\n")).collect(),
            Format::Github => self.diagnostics.iter().map(github_annotation).collect(),
            Format::Json => {
                serde_json::to_string_pretty(&self.diagnostics).expect("diagnostics always serialize") + "\n"
            }
        }
    }
}

/// A GitHub Actions workflow command; values are escaped as the runner
/// expects so that a `,` or `:` in a message cannot end a property early.
fn github_annotation(d: &Diagnostic) -> String {
    fn data(s: &str) -> String {
        s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
    }
    fn property(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }
    let message = if d.fix.is_empty() { d.message.clone() } else { format!("{} ({})", d.message, d.fix) };
    format!(
        "::{} file={},line={},col={},title={}::{}\n",
        d.severity,
        property(&d.file.to_string_lossy().replace('\\', "/")),
        d.line,
        d.column,
        property("policypress check"),
        data(&message)
    )
}

/// Checks the site under `root`; regions are resolved in the embedded gazetteer.
pub fn check(root: &Path) -> CheckReport {
    let gazetteer = Gazetteer::embedded();
    let mut diagnostics = Vec::new();
    let config = check_config(root, &mut diagnostics);
    let content_dir = root.join("content");
    let vocabulary = check_topics(root, &content_dir, &mut diagnostics);
    crate::search::synonyms::check(root, &mut diagnostics);
    let context = Context {
        root,
        gazetteer,
        vocabulary: vocabulary.as_ref(),
        base_url: config.as_ref().map(|c| c.base_url.clone()),
        article_required: required_fields::<ArticleMeta>(),
        recommendation_required: required_fields::<RecommendationMeta>(),
    };

    let articles = content::markdown_files(&content_dir.join(ARTICLES_DIR));
    let recommendations = content::markdown_files(&content_dir.join(RECOMMENDATIONS_DIR));
    let jobs: Vec<(Kind, &PathBuf)> = articles
        .iter()
        .map(|p| (Kind::Article, p))
        .chain(recommendations.iter().map(|p| (Kind::Recommendation, p)))
        .collect();
    let files: Vec<FileFacts> = jobs.par_iter().map(|&(kind, path)| context.check_file(kind, path)).collect();

    let include_irrelevant = config.is_some_and(|c| c.include_irrelevant);
    cross_check(&files, include_irrelevant, &mut diagnostics);
    for file in files {
        diagnostics.extend(file.diagnostics);
    }
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, b.severity, &a.message).cmp(&(&b.file, b.line, b.column, a.severity, &b.message))
    });
    CheckReport { diagnostics, articles: articles.len(), recommendations: recommendations.len() }
}

/// The gazetteer path a contributor most likely meant by `wanted`: a unit
/// whose full or short name is the last segment (`深圳` → `广东省/深圳市`),
/// preferring one whose ancestors match the earlier segments, else the
/// nearest path by edit distance.
pub fn suggest_region(gazetteer: &Gazetteer, wanted: &str) -> Option<String> {
    let normalized = wanted.replace(['／', '、', '\\'], "/");
    let segments: Vec<&str> = normalized.split('/').map(str::trim).filter(|s| !s.is_empty()).collect();
    let last = *segments.last()?;
    let names = |unit: &crate::classify::Unit, segment: &str| unit.name == segment || unit.short == segment;
    let best_named = gazetteer.units.iter().filter(|u| names(u, last)).max_by_key(|unit| {
        let lineage = gazetteer.lineage(unit);
        let matched = segments[..segments.len() - 1].iter().filter(|s| lineage.iter().any(|a| names(a, s))).count();
        // Prefer matching ancestors, then the higher level (a city over a
        // county of the same name), then the smaller code for stability.
        (matched, std::cmp::Reverse(unit.level), std::cmp::Reverse(unit.code))
    });
    if let Some(unit) = best_named {
        return Some(unit.path.clone());
    }
    let limit = (last.chars().count() / 2).max(1);
    gazetteer
        .units
        .iter()
        .map(|u| (strsim::levenshtein(last, &u.name).min(strsim::levenshtein(last, &u.short)), u))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, u)| (*distance, u.level, u.code))
        .map(|(_, u)| u.path.clone())
}

/// The topic a contributor most likely meant: one listing `wanted` among
/// its keywords, else the nearest name by edit distance.
pub fn suggest_topic(vocabulary: &TopicVocabulary, wanted: &str) -> Option<String> {
    let wanted = wanted.trim();
    if let Some(topic) = vocabulary.topics.iter().find(|t| t.keywords.iter().any(|k| k == wanted) || t.slug == wanted) {
        return Some(topic.name.clone());
    }
    let limit = (wanted.chars().count() / 2).max(1);
    vocabulary
        .topics
        .iter()
        .map(|t| (strsim::levenshtein(wanted, &t.name), t))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, t)| t.name.clone())
}

/// The closest of `known` to a mistyped `name`, if any is plausibly meant.
fn suggest_name<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn did_you_mean(suggestion: Option<impl fmt::Display>, otherwise: &str) -> String {
    match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None => otherwise.to_string(),
    }
}

/// Checks `config.toml`; returns it, for the settings that decide whether a
/// link works (`base_url`, `include_irrelevant`).
fn check_config(root: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<Config> {
    let path = root.join("config.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Some(Config::default()),
        Err(err) => {
            diagnostics.push(error(
                "config.toml".into(),
                1,
                1,
                format!("cannot read: {err}"),
                "check the file's permissions and encoding (UTF-8)",
            ));
            return None;
        }
    };
    diagnostics.extend(crate::deploy::config_secrets(&text));
    match Config::parse("config.toml", &text) {
        Ok(config) => Some(config),
        Err(ConfigError::Invalid { line, column, message, .. }) => {
            // serde names the unknown key and lists the accepted ones in
            // backticks: "unknown field `x`, expected one of `a`, `b`".
            let (message, fix) = match message.strip_prefix("unknown field ") {
                Some(rest) => {
                    let mut names = rest.split('`').skip(1).step_by(2);
                    let unknown = names.next().unwrap_or_default();
                    let accepted: Vec<&str> = names.collect();
                    let otherwise = format!("remove it; accepted keys are {}", accepted.join(", "));
                    let fix = did_you_mean(suggest_name(unknown, accepted.iter().copied()), &otherwise);
                    (format!("unknown key `{unknown}`"), fix)
                }
                None => (message, "fix the value at this position".to_string()),
            };
            diagnostics.push(error("config.toml".into(), line, column, message, fix));
            None
        }
        Err(ConfigError::Read { source, .. }) => {
            diagnostics.push(error("config.toml".into(), 1, 1, format!("cannot read: {source}"), "check the file"));
            None
        }
    }
}

/// Checks `content/topics.yaml` (or the bundled vocabulary when the file is
/// absent, as `build` does). `None` when it does not parse: topics in
/// content files then go unchecked rather than all reported unknown.
fn check_topics(root: &Path, content_dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<TopicVocabulary> {
    let path = content_dir.join(TOPICS_FILE);
    let display = relative(root, &path);
    let text = if path.exists() {
        match content::read_text(&path) {
            Ok(text) => text,
            Err(err) => {
                diagnostics.push(from_content_error(root, err));
                return None;
            }
        }
    } else {
        crate::import::DEFAULT_TOPICS.to_string()
    };
    let vocabulary = match TopicVocabulary::parse(&path, &text) {
        Ok(vocabulary) => vocabulary,
        Err(err) => {
            let mut diagnostic = from_content_error(root, err);
            diagnostic.message = strip_location(&diagnostic.message);
            diagnostic.fix =
                "each topic needs `name`, `slug`, `description` and `keywords`; see CONTRIBUTING.md".into();
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.trim_start().trim_start_matches("- ").trim_start().starts_with(needle))
            .map_or(1, |i| i + 1)
    };
    let mut names = HashSet::new();
    let mut slugs = HashSet::new();
    for topic in &vocabulary.topics {
        if !names.insert(topic.name.as_str()) {
            let line =
                text.lines().enumerate().filter(|(_, l)| l.contains(&topic.name)).nth(1).map_or(1, |(i, _)| i + 1);
            diagnostics.push(error(
                display.clone(),
                line,
                1,
                format!("topic `{}` is listed twice", topic.name),
                "merge the two entries into one",
            ));
        }
        if !is_valid_slug(&topic.slug) {
            diagnostics.push(error(
                display.clone(),
                line_of(&format!("slug: {}", topic.slug)),
                1,
                format!("topic slug `{}` must be lowercase letters, digits and single hyphens", topic.slug),
                format!("use e.g. `{}`", crate::slug::slugify(&topic.name)),
            ));
        } else if !slugs.insert(topic.slug.as_str()) {
            diagnostics.push(error(
                display.clone(),
                line_of(&format!("slug: {}", topic.slug)),
                1,
                format!("topic slug `{}` is used by two topics", topic.slug),
                "give each topic its own slug",
            ));
        }
    }
    Some(vocabulary)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Article,
    Recommendation,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Recommendation => "recommendation",
        }
    }

    fn dir(self) -> &'static str {
        match self {
            Kind::Article => ARTICLES_DIR,
            Kind::Recommendation => RECOMMENDATIONS_DIR,
        }
    }
}

/// A slug one file refers to, resolved once every file has been read.
#[derive(Debug)]
struct Reference {
    target: Kind,
    slug: String,
    line: usize,
    column: usize,
    /// How the reference is written, for the message: "recommendation `x`".
    what: String,
    /// A Markdown link, which breaks when its target is not built.
    link: bool,
}

/// What checking one file leaves for the checks across files.
#[derive(Debug)]
struct FileFacts {
    kind: Kind,
    file: PathBuf,
    stem: String,
    /// The `slug` value and its line, when it could be read.
    slug: Option<(String, usize)>,
    references: Vec<Reference>,
    diagnostics: Vec<Diagnostic>,
    /// `relevant: false` files are kept in content/ but get no page.
    built: bool,
}

struct Context<'a> {
    root: &'a Path,
    gazetteer: &'a Gazetteer,
    vocabulary: Option<&'a TopicVocabulary>,
    base_url: Option<String>,
    article_required: Vec<String>,
    recommendation_required: Vec<String>,
}

impl Context<'_> {
    fn check_file(&self, kind: Kind, path: &Path) -> FileFacts {
        let file = relative(self.root, path);
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut facts =
            FileFacts { kind, file, stem, slug: None, references: Vec::new(), diagnostics: Vec::new(), built: true };
        let text = match content::read_text(path) {
            Ok(text) => text,
            Err(err) => {
                facts.diagnostics.push(from_content_error(self.root, err));
                return facts;
            }
        };
        let doc = match content::split_document(path, &text) {
            Ok(doc) => doc,
            Err(err) => {
                facts.diagnostics.push(from_content_error(self.root, err));
                return facts;
            }
        };
        match kind {
            Kind::Article => {
                let fields = FrontMatter::read::<ArticleMeta>(self, &mut facts, &doc, ARTICLE_FIELDS);
                self.check_article(&mut facts, &doc, fields);
            }
            Kind::Recommendation => {
                let fields = FrontMatter::read::<RecommendationMeta>(self, &mut facts, &doc, RECOMMENDATION_FIELDS);
                self.check_recommendation(&mut facts, &doc, fields);
            }
        }
        facts
    }

    fn check_article(&self, facts: &mut FileFacts, doc: &Document<'_>, read: Option<(ArticleMeta, FrontMatter)>) {
        let Some((meta, fm)) = read else { return };
        facts.built = meta.relevant;
        self.check_common(facts, &fm, &meta.title, &meta.slug, &meta.regions, &meta.topics);
        for slug in &meta.recommendations {
            let (line, column) = fm.value_position("recommendations", slug);
            facts.references.push(Reference {
                target: Kind::Recommendation,
                slug: slug.clone(),
                line,
                column,
                what: format!("recommendation `{slug}`"),
                link: false,
            });
        }
        let answered = meta.answer.as_deref().is_some_and(|a| !a.trim().is_empty());
        if doc.body.trim().is_empty() && !answered {
            facts.diagnostics.push(error(
                facts.file.clone(),
                doc.body_line,
                1,
                "article has no body and no `answer`",
                "write the answer below the closing `---`, or add a one-line `answer:` field",
            ));
        }
        self.check_body(facts, doc);
    }

    fn check_recommendation(
        &self,
        facts: &mut FileFacts,
        doc: &Document<'_>,
        read: Option<(RecommendationMeta, FrontMatter)>,
    ) {
        let Some((meta, fm)) = read else { return };
        facts.built = meta.relevant;
        self.check_common(facts, &fm, &meta.title, &meta.slug, &meta.regions, &meta.topics);
        let mut refer = |field: &str, target: Kind, slug: &str| {
            let (line, column) = fm.value_position(field, slug);
            facts.references.push(Reference {
                target,
                slug: slug.to_string(),
                line,
                column,
                what: if field == "seen_on" {
                    format!("`{field}` entry `{slug}`")
                } else {
                    format!("`{field}: {slug}`")
                },
                link: false,
            });
        };
        if let Some(article) = &meta.article {
            refer("article", Kind::Article, article);
        }
        for article in &meta.seen_on {
            refer("seen_on", Kind::Article, article);
        }
        if let Some(group) = &meta.group {
            refer("group", Kind::Recommendation, group);
        }
        if doc.body.trim().is_empty() {
            facts.diagnostics.push(warning(
                facts.file.clone(),
                doc.body_line,
                1,
                "recommendation has no excerpt",
                "write the excerpt below the closing `---`; it is shown under the title",
            ));
        }
        self.check_body(facts, doc);
    }

    fn check_common(
        &self,
        facts: &mut FileFacts,
        fm: &FrontMatter,
        title: &str,
        slug: &str,
        regions: &[String],
        topics: &[String],
    ) {
        let file = facts.file.clone();
        if title.trim().is_empty() {
            let line = fm.key_line("title");
            facts.diagnostics.push(error(file.clone(), line, 1, "`title` is empty", "write the question as the title"));
        }
        let slug_line = fm.key_line("slug");
        facts.slug = Some((slug.to_string(), slug_line));
        if !is_valid_slug(slug) {
            facts.diagnostics.push(error(
                file.clone(),
                slug_line,
                1,
                format!("slug `{slug}` must be lowercase letters a-z, digits and single hyphens"),
                format!("use e.g. `{}` and rename the file to match", crate::slug::slugify(slug)),
            ));
        } else if slug != facts.stem {
            facts.diagnostics.push(error(
                file.clone(),
                slug_line,
                1,
                format!("slug `{slug}` does not match the file name `{}.md`", facts.stem),
                format!("rename the file to `{slug}.md`, or set `slug: {}`", facts.stem),
            ));
        }
        for region in regions {
            if self.gazetteer.by_path(region).is_none() {
                let (line, column) = fm.value_position("regions", region);
                let fix = did_you_mean(
                    suggest_region(self.gazetteer, region),
                    "write a full path from the province, e.g. `广东省/深圳市`",
                );
                facts.diagnostics.push(error(
                    file.clone(),
                    line,
                    column,
                    format!("region `{region}` is not in the gazetteer"),
                    fix,
                ));
            }
        }
        if let Some(vocabulary) = self.vocabulary {
            for topic in topics {
                if vocabulary.by_name(topic).is_none() {
                    let (line, column) = fm.value_position("topics", topic);
                    let fix = did_you_mean(
                        suggest_topic(vocabulary, topic),
                        "use a `name` from content/topics.yaml, or add the topic there",
                    );
                    facts.diagnostics.push(error(file.clone(), line, column, format!("unknown topic `{topic}`"), fix));
                }
            }
        }
    }

    /// Collects internal links from the Markdown body and flags the
    /// skeleton text `new` writes.
    fn check_body(&self, facts: &mut FileFacts, doc: &Document<'_>) {
        let body = doc.body;
        let position = |offset: usize| {
            let before = &body[..offset.min(body.len())];
            let line = doc.body_line + before.matches('\n').count();
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            (line, column)
        };
        if let Some(offset) = body.find(PLACEHOLDER_MARKER) {
            let (line, column) = position(offset);
            facts.diagnostics.push(warning(
                facts.file.clone(),
                line,
                column,
                "the body still has the placeholder text from `policypress new`",
                "replace the placeholder paragraph with the article's own text",
            ));
        }
        let mut nesting = Nesting::default();
        for (event, range) in Parser::new_ext(body, markdown_to_html::OPTIONS).into_offset_iter() {
            nesting.observe(&event, range.start);
            let (Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. })) = event else {
                continue;
            };
            let Some(link) = self.internal_link(facts.kind, &dest_url) else { continue };
            let (line, column) = position(range.start);
            match link {
                Ok((target, slug)) => facts.references.push(Reference {
                    target,
                    what: format!("link `{dest_url}`"),
                    slug,
                    line,
                    column,
                    link: true,
                }),
                Err(message) => facts.diagnostics.push(error(
                    facts.file.clone(),
                    line,
                    column,
                    format!("link `{dest_url}` {message}"),
                    "link to an article as `/articles/<slug>/`",
                )),
            }
        }
        if let Some(offset) = nesting.too_deep_at {
            let path = self.root.join(&facts.file);
            let err = markdown_to_html::too_deep_error(&path, doc.body_line, body, offset);
            facts.diagnostics.push(from_content_error(self.root, err));
        }
    }

    /// The page an internal link points at: `/articles/<slug>/`,
    /// `../<slug>/` (relative to the page of a file of `kind`) or a relative
    /// `<slug>.md`. `None` for external links, anchors and other pages of the
    /// site (taxonomies), which `build` generates itself.
    fn internal_link(&self, kind: Kind, dest: &str) -> Option<Result<(Kind, String), &'static str>> {
        let dest = dest.split(['#', '?']).next().unwrap_or_default();
        let dest = match &self.base_url {
            Some(base) if !base.is_empty() && dest.starts_with(base.as_str()) => &dest[base.len()..],
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
                    Component::RootDir | Component::Prefix(_) => return Some(Err("must be relative to this file")),
                }
            }
            let slug = dir.pop()?.to_string();
            return Some(match dir.as_slice() {
                ["content", d] if *d == ARTICLES_DIR => Ok((Kind::Article, slug)),
                ["content", d] if *d == RECOMMENDATIONS_DIR => Ok((Kind::Recommendation, slug)),
                _ => Err("points outside content/articles/ and content/recommendations/"),
            });
        }
        let page_path = match dest.strip_prefix("../") {
            Some(rest) => format!("/{}/{rest}", kind.dir()),
            None if dest.starts_with('/') => dest.to_string(),
            None => return None,
        };
        let mut segments = page_path.trim_start_matches('/').split('/').filter(|s| !s.is_empty());
        let target = match segments.next() {
            Some(d) if d == ARTICLES_DIR => Kind::Article,
            Some(d) if d == RECOMMENDATIONS_DIR => Kind::Recommendation,
            _ => return None,
        };
        let slug = segments.next()?.to_string();
        match segments.next() {
            None | Some("index.html") => Some(Ok((target, slug))),
            Some(_) => Some(Err("points below a page, where nothing is built")),
        }
    }
}

/// Reports slugs used twice, references to files that do not exist and
/// links to pages that are not built.
fn cross_check(files: &[FileFacts], include_irrelevant: bool, diagnostics: &mut Vec<Diagnostic>) {
    let mut by_slug: HashMap<(Kind, &str), Vec<&FileFacts>> = HashMap::new();
    let mut known: HashSet<(Kind, &str)> = HashSet::new();
    let mut unbuilt: HashSet<(Kind, &str)> = HashSet::new();
    for file in files {
        known.insert((file.kind, file.stem.as_str()));
        if !file.built && !include_irrelevant {
            unbuilt.insert((file.kind, file.stem.as_str()));
        }
        if let Some((slug, _)) = &file.slug {
            known.insert((file.kind, slug.as_str()));
            by_slug.entry((file.kind, slug.as_str())).or_default().push(file);
        }
    }
    for ((kind, slug), owners) in &by_slug {
        if owners.len() < 2 {
            continue;
        }
        // The file whose name matches the slug owns it; the copies are wrong.
        for owner in owners.iter().filter(|o| o.stem != *slug) {
            let others: Vec<String> =
                owners.iter().filter(|o| o.file != owner.file).map(|o| o.file.display().to_string()).collect();
            let line = owner.slug.as_ref().map_or(1, |(_, line)| *line);
            diagnostics.push(error(
                owner.file.clone(),
                line,
                1,
                format!("duplicate slug `{slug}`: also used by {}", others.join(", ")),
                format!("give each {} its own slug, matching its file name", kind.noun()),
            ));
        }
    }
    for file in files {
        for reference in &file.references {
            if reference.link && unbuilt.contains(&(reference.target, reference.slug.as_str())) {
                diagnostics.push(warning(
                    file.file.clone(),
                    reference.line,
                    reference.column,
                    format!(
                        "{} points to content/{}/{}.md, which has `relevant: false` and is not built",
                        reference.what,
                        reference.target.dir(),
                        reference.slug
                    ),
                    "link to another page, or set `include_irrelevant = true` in config.toml",
                ));
            }
            if !known.contains(&(reference.target, reference.slug.as_str())) {
                diagnostics.push(error(
                    file.file.clone(),
                    reference.line,
                    reference.column,
                    format!(
                        "{} points nowhere: there is no content/{}/{}.md",
                        reference.what,
                        reference.target.dir(),
                        reference.slug
                    ),
                    did_you_mean(
                        suggest_name(
                            &reference.slug,
                            files.iter().filter(|f| f.kind == reference.target).map(|f| f.stem.as_str()),
                        ),
                        "fix the slug or remove the reference",
                    ),
                ));
            }
        }
    }
}

/// The front matter's top-level keys and the lines they span, for
/// pointing at a field and for checking each field on its own.
struct FrontMatter {
    /// `(key, first line index, end line index)` within `lines`.
    keys: Vec<(String, usize, usize)>,
    lines: Vec<String>,
    /// File line of `lines[0]`.
    first_line: usize,
}

impl FrontMatter {
    fn index(doc: &Document<'_>) -> FrontMatter {
        let lines: Vec<String> = doc.front_matter.lines().map(|l| l.trim_end_matches('\r').to_string()).collect();
        let mut keys: Vec<(String, usize, usize)> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let starts_key = line.chars().next().is_some_and(|c| !c.is_whitespace() && !matches!(c, '#' | '-'));
            if let (true, Some(colon)) = (starts_key, line.find(':')) {
                if let Some(last) = keys.last_mut() {
                    last.2 = i;
                }
                let key = line[..colon].trim().trim_matches(['"', '\'']).to_string();
                keys.push((key, i, lines.len()));
            }
        }
        FrontMatter { keys, lines, first_line: doc.front_matter_line }
    }

    fn entry(&self, key: &str) -> Option<&(String, usize, usize)> {
        self.keys.iter().find(|(k, _, _)| k == key)
    }

    /// File line of `key`, or of the opening `---` when the key is absent.
    fn key_line(&self, key: &str) -> usize {
        self.entry(key).map_or(self.first_line - 1, |(_, start, _)| self.first_line + start)
    }

    /// Where `value` is written under `key` (a list item, say).
    fn value_position(&self, key: &str, value: &str) -> (usize, usize) {
        let Some((_, start, end)) = self.entry(key) else {
            return (self.first_line.saturating_sub(1).max(1), 1);
        };
        for (i, line) in self.lines[*start..*end].iter().enumerate() {
            let search_from = if i == 0 { line.find(':').map_or(0, |c| c + 1) } else { 0 };
            if let Some(offset) = line[search_from..].find(value) {
                return (self.first_line + start + i, line[..search_from + offset].chars().count() + 1);
            }
        }
        (self.first_line + start, 1)
    }

    /// The text of `key`'s lines, for parsing the field on its own.
    fn block(&self, key: &str) -> String {
        self.entry(key).map(|(_, start, end)| self.lines[*start..*end].join("\n") + "\n").unwrap_or_default()
    }

    /// Parses the front matter as `T`. When it does not parse, each field is
    /// checked on its own so that every wrong field is reported, not only
    /// the first serde stops at.
    fn read<T: DeserializeOwned>(
        context: &Context<'_>,
        facts: &mut FileFacts,
        doc: &Document<'_>,
        fields: &[&str],
    ) -> Option<(T, FrontMatter)> {
        let path = context.root.join(&facts.file);
        let fm = FrontMatter::index(doc);
        let file = facts.file.clone();
        let diagnostics = &mut facts.diagnostics;
        let value: serde_norway::Value = match content::parse_front_matter(&path, doc) {
            Ok(value) => value,
            Err(err) => {
                // An unclosed bracket or quote is noticed at the end of the
                // input; point at the last front-matter line, not at `---`.
                let last_line = fm.first_line + fm.lines.len().saturating_sub(1);
                let line = err.line.min(last_line);
                let column =
                    if line < err.line { fm.lines.last().map_or(1, |l| l.chars().count() + 1) } else { err.column };
                diagnostics.push(Diagnostic {
                    message: format!("YAML syntax error: {}", strip_location(&err.message)),
                    fix: "fix the YAML at this position (check quotes, brackets, colons and indentation)".into(),
                    line,
                    column,
                    ..from_content_error(context.root, err)
                });
                return None;
            }
        };
        let Some(mapping) = value.as_mapping() else {
            let message =
                if value.is_null() { "front matter is empty" } else { "front matter is not a list of fields" };
            diagnostics.push(error(file, fm.first_line, 1, message, "write one `field: value` per line"));
            return None;
        };
        // Recover the slug even from a file that fails, so that references
        // to it are not reported missing as well.
        if let Some(slug) = mapping.get("slug").and_then(|s| s.as_str()) {
            facts.slug = Some((slug.to_string(), fm.key_line("slug")));
        }
        let whole = match content::parse_front_matter::<T>(&path, doc) {
            Ok(meta) => return Some((meta, fm)),
            Err(whole) => whole,
        };
        let required = match facts.kind {
            Kind::Article => &context.article_required,
            Kind::Recommendation => &context.recommendation_required,
        };
        let before = diagnostics.len();
        let present: Vec<&str> = mapping.keys().filter_map(|k| k.as_str()).collect();
        for key in mapping.keys() {
            let Some(key) = key.as_str() else {
                let line = fm.first_line;
                diagnostics.push(error(file.clone(), line, 1, "field names must be text", "quote the name"));
                continue;
            };
            if !fields.contains(&key) {
                let fix = did_you_mean(
                    suggest_name(key, fields.iter().copied()),
                    &format!("remove it; accepted fields are {}", fields.join(", ")),
                );
                let line = fm.key_line(key);
                diagnostics.push(error(file.clone(), line, 1, format!("unknown field `{key}`"), fix));
                continue;
            }
            let placeholders: String =
                required.iter().filter(|r| r.as_str() != key).map(|r| format!("{r}: placeholder\n")).collect();
            let trial = placeholders.clone() + &fm.block(key);
            if let Err(err) = serde_norway::from_str::<T>(&trial) {
                let offset = placeholders.lines().count();
                let (line, column) = err.location().map_or((fm.key_line(key), 1), |l| {
                    (fm.key_line(key) + l.line().saturating_sub(offset + 1), l.column())
                });
                diagnostics.push(error(
                    file.clone(),
                    line,
                    column,
                    format!("field `{key}`: {}", field_message(key, &err.to_string())),
                    field_fix(key),
                ));
            }
        }
        for field in required.iter().filter(|r| !present.contains(&r.as_str())) {
            diagnostics.push(error(
                file.clone(),
                fm.first_line - 1,
                1,
                format!("missing field `{field}`"),
                format!("add `{field}: …` to the front matter; {}", field_fix(field)),
            ));
        }
        if diagnostics.len() == before {
            diagnostics.push(Diagnostic {
                message: strip_location(&whole.message),
                ..from_content_error(context.root, whole)
            });
        }
        None
    }
}

/// How to write each field, for the fix line of a field that did not parse.
fn field_fix(field: &str) -> &'static str {
    match field {
        "title" => "write the question as plain text",
        "slug" => "write lowercase letters, digits and hyphens, matching the file name",
        "date" | "first_seen" | "last_seen" => "write the date as YYYY-MM-DD, e.g. 2025-04-20",
        "regions" => "write a list of gazetteer paths, e.g. `regions: [广东省/深圳市]`",
        "topics" => "write a list of topic names from content/topics.yaml, e.g. `topics: [异地就医]`",
        "recommendations" | "seen_on" => "write a list of slugs, e.g. `[yi-bao-ka]`",
        "relevant" => "write `true` or `false`",
        "notices" => "write a list of `medical` and `sourcing`",
        "disclaimer" => "write `policy` (医保 policy content) or `medical` (health content)",
        "updated" => "write the date as YYYY-MM-DD, e.g. 2025-04-20",
        "occurrences" => "write a whole number",
        "source" => "write `file:` and `sha256:` on indented lines",
        _ => "write a single line of text",
    }
}

/// The fields serde requires in `T`, found by asking serde rather than
/// keeping a second list that could drift from the model.
fn required_fields<T: DeserializeOwned>() -> Vec<String> {
    let mut required: Vec<String> = Vec::new();
    loop {
        let text: String = required.iter().map(|r| format!("{r}: placeholder\n")).collect();
        let text = if text.is_empty() { "{}".to_string() } else { text };
        let Err(err) = serde_norway::from_str::<T>(&text) else { return required };
        let message = err.to_string();
        let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
        match missing {
            Some(field) if !required.iter().any(|r| r == field) => required.push(field.to_string()),
            _ => return required,
        }
    }
}

/// serde_norway prefixes some messages with the field's path; we name the
/// field ourselves.
fn field_message(key: &str, message: &str) -> String {
    let message = strip_location(message);
    message.strip_prefix(&format!("{key}: ")).map_or(message.clone(), str::to_string)
}

/// serde_norway appends " at line L column C"; we print the position apart.
fn strip_location(message: &str) -> String {
    let message = message.strip_prefix("front matter: ").unwrap_or(message);
    let message = message.strip_prefix("topics: ").unwrap_or(message);
    message.split(" at line ").next().unwrap_or(message).to_string()
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

fn from_content_error(root: &Path, err: ContentError) -> Diagnostic {
    Diagnostic {
        file: relative(root, &err.path),
        line: err.line,
        column: err.column,
        severity: Severity::Error,
        message: err.message,
        fix: err.fix,
    }
}

fn error(file: PathBuf, line: usize, column: usize, message: impl Into<String>, fix: impl Into<String>) -> Diagnostic {
    Diagnostic { file, line, column, severity: Severity::Error, message: message.into(), fix: fix.into() }
}

fn warning(
    file: PathBuf,
    line: usize,
    column: usize,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> Diagnostic {
    Diagnostic { file, line, column, severity: Severity::Warning, message: message.into(), fix: fix.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_come_from_the_model() {
        assert_eq!(required_fields::<ArticleMeta>(), ["title", "slug"]);
        assert_eq!(required_fields::<RecommendationMeta>(), ["title", "slug"]);
    }

    #[test]
    fn every_field_has_a_specific_fix() {
        for field in ARTICLE_FIELDS.iter().chain(RECOMMENDATION_FIELDS) {
            let generic = ["checksum", "answer", "date_source", "category", "group", "article", "irrelevant_reason"];
            if !generic.contains(field) {
                assert_ne!(field_fix(field), field_fix("checksum"), "{field}");
            }
        }
    }

    #[test]
    fn github_annotations_escape_separators() {
        let d = error("a,b.md".into(), 3, 1, "bad: 100%\nvalue", "fix it");
        assert_eq!(
            github_annotation(&d),
            "::error file=a%2Cb.md,line=3,col=1,title=policypress check::bad: 100%25%0Avalue (fix it)\n"
        );
    }
}
