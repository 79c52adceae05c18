//! `import`: scraped pages → `content/articles/*.md` and
//! `content/recommendations/*.md`.
//!
//! Pages are decoded and parsed in parallel, their snippets merged with the
//! existing store ([`crate::dedup`]), everything classified
//! ([`crate::classify`]), and files written only when their bytes change and
//! no person has edited them since they were generated.

pub mod decode;
pub mod page;
pub mod text_to_markdown;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::classify::{Classifier, ClassifyInput};
use crate::content::{self, WriteOutcome};
use crate::dedup::{self, ArticleText, DedupInput, Merged, PageId, Sighting, Snippet, SnippetKey, SnippetTable};
use crate::diagnostic::Severity;
use crate::fsutil::{Staged, write_atomically};
use crate::layout::SiteLayout;
use crate::model::{Article, ArticleMeta, Date, Item, ItemKind, Recommendation, RecommendationMeta, Source};
use crate::render::front_matter_cache::FrontMatterLines;
use crate::slug::slugify;
use crate::taxonomy::BUNDLED_TOPICS;
use crate::taxonomy::TopicVocabulary;
use crate::text::{display_path, escape_controls, normalize_key};
use page::parse_page;

pub struct ImportOptions {
    /// Files or directories of scraped pages.
    pub inputs: Vec<PathBuf>,
    /// The site imported into.
    pub layout: SiteLayout,
    /// Overwrite generated files even where a person edited them.
    pub force: bool,
}

/// One line of feedback about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileMessage {
    pub path: PathBuf,
    /// `Error`: the file was not imported.
    pub severity: Severity,
    pub message: String,
}

impl std::fmt::Display for FileMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "rejected".to_string(),
            other => other.to_string(),
        };
        write!(f, "{}: {level}: {}", display_path(&self.path), escape_controls(&self.message))
    }
}

/// What an import did, printed as one line and written as JSON by `--report`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub pages: usize,
    pub rejected: usize,
    /// Byte-identical pages under several names, imported once.
    pub duplicate_pages: usize,
    pub articles_written: usize,
    pub snippet_occurrences: usize,
    pub distinct_snippets: usize,
    pub variants_merged: usize,
    pub near_duplicate_groups: usize,
    pub linked_to_articles: usize,
    pub recommendations_written: usize,
    pub unchanged: usize,
    /// Files a person edited since they were generated; left as they are.
    pub kept_hand_edits: Vec<PathBuf>,
    pub messages: Vec<FileMessage>,
}

impl ImportReport {
    pub fn summary(&self) -> String {
        format!(
            "imported {} pages ({} rejected, {} duplicates): {} snippet occurrences → {} distinct snippets ({} variants merged, {} near-duplicate groups, {} linked to articles); wrote {} articles and {} recommendations, {} unchanged, {} hand-edited kept",
            self.pages,
            self.rejected,
            self.duplicate_pages,
            self.snippet_occurrences,
            self.distinct_snippets,
            self.variants_merged,
            self.near_duplicate_groups,
            self.linked_to_articles,
            self.articles_written,
            self.recommendations_written,
            self.unchanged,
            self.kept_hand_edits.len(),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", display_path(path))]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Content(#[from] content::ContentError),
}

/// A page that decoded and parsed, its body already Markdown and its
/// snippets not yet handed to the snippet table.
struct ParsedPage {
    path: PathBuf,
    file_name: String,
    sha256: String,
    title: String,
    answer: Option<String>,
    notices: Vec<crate::model::Notice>,
    markdown: String,
    snippets: Vec<page::SnippetSeen>,
}

/// What is kept of a page once its snippets are in the table: small, so
/// memory stays linear in the text of the corpus, not in its sightings.
struct PageEntry {
    parsed: ParsedPage,
    /// Snippet-table ids of the page's snippets, in page order.
    candidates: Vec<u32>,
    date: Option<Date>,
}

/// Real pages list about 20 snippets. Merging snippets that share a title
/// compares them pairwise, so one page listing a hundred thousand of them
/// would stall the import.
const MAX_SNIPPETS_PER_PAGE: usize = 500;

/// Pages parsed in parallel per batch; the batch bounds peak memory.
const PAGE_BATCH: usize = 2048;

/// Gives a fresh content directory the bundled vocabulary to edit.
fn ensure_vocabulary(layout: &SiteLayout) -> Result<(), ImportError> {
    let path = layout.topics_file();
    if path.exists() {
        return Ok(());
    }
    fs::create_dir_all(layout.content())
        .and_then(|()| write_atomically(&path, BUNDLED_TOPICS.as_bytes()))
        .map_err(|source| ImportError::Io { path, source })
}

/// Imports the pages named by `options` into its site's `content/`, in
/// phases: [`read_pages`] → [`merge_snippets`] → [`write_articles`] /
/// [`write_recommendations`] → [`tally`].
pub fn import(options: &ImportOptions) -> Result<ImportReport, ImportError> {
    let layout = &options.layout;
    ensure_vocabulary(layout)?;
    let classifier = Classifier::new(TopicVocabulary::load_or_bundled(layout)?);
    let tree = content::load_tree(layout.content());
    let mut report = ImportReport::default();
    for err in &tree.errors {
        report.messages.push(FileMessage {
            path: err.path.clone(),
            severity: Severity::Warning,
            message: format!("existing file not readable, left alone: {}", err.message),
        });
    }
    let mut table = SnippetTable::new();
    let pages = read_pages(&options.inputs, layout, &mut table, &mut report);
    let slugs = assign_article_slugs(&pages, &tree.articles);
    for (page, slug) in pages.iter().zip(&slugs) {
        let title = &page.parsed.title;
        if title.contains(['/', '\\', '<', '>']) || title.contains("..") {
            report.messages.push(FileMessage {
                path: page.parsed.path.clone(),
                severity: Severity::Note,
                message: format!("title contains markup or path characters; kept as plain text, slug `{slug}`"),
            });
        }
    }
    let merged = merge_snippets(table, &pages, &slugs, &tree.recommendations, &mut report);
    let mut offered = Offers::default();
    let writing = Writing { classifier: &classifier, force: options.force, layout };
    let texts = writing.articles(pages, &slugs, &merged, &tree.articles, &mut offered);
    let MergedSnippets { mut snippets, page_slugs, .. } = merged;
    report.linked_to_articles = dedup::link_articles(&mut snippets, &texts);
    drop(texts);
    let live: HashSet<String> = snippets.iter().map(|s| s.slug.clone()).collect();
    writing.recommendations(snippets, &page_slugs, &mut offered);
    let outcomes = commit_all(offered.files)?;
    // `build --root R` reads R/content: prime the cache of that layout only,
    // never a directory outside the site.
    if layout.is_standard() {
        offered.front_matter.merge_into(&layout.front_matter_cache());
    }
    tally(outcomes, &mut report);
    remove_stale_recommendations(&tree.recommendations, &live)?;
    report.kept_hand_edits.sort();
    report.messages.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    Ok(report)
}

/// Passes over the pages in batches: parses in parallel, then hands each
/// page's snippets to the table. Page ids are positions in the result.
fn read_pages(
    inputs: &[PathBuf],
    layout: &SiteLayout,
    table: &mut SnippetTable,
    report: &mut ImportReport,
) -> Vec<PageEntry> {
    let mut input_messages = Vec::new();
    let files = collect_inputs(inputs, layout.content(), &mut input_messages);
    report.rejected += input_messages.iter().filter(|m| m.severity == Severity::Error).count();
    report.messages.append(&mut input_messages);
    let mut pages: Vec<PageEntry> = Vec::new();
    let mut seen_sha: HashSet<String> = HashSet::new();
    for batch in files.chunks(PAGE_BATCH) {
        let results: Vec<_> = batch
            .par_iter()
            .map(|p| {
                read_one(p).map(|(parsed, notes)| {
                    let keys: Vec<SnippetKey> =
                        parsed.snippets.iter().map(|s| SnippetKey::of(&s.title, &s.excerpt)).collect();
                    (parsed, notes, keys)
                })
            })
            .collect();
        for result in results {
            let (mut parsed, notes, keys) = match result {
                Ok(ok) => ok,
                Err(message) => {
                    report.rejected += 1;
                    report.messages.push(message);
                    continue;
                }
            };
            report.messages.extend(notes);
            // Byte-identical pages are one article, whatever they are called.
            if !seen_sha.insert(parsed.sha256.clone()) {
                report.duplicate_pages += 1;
                continue;
            }
            let page = pages.len() as PageId;
            let date = most_frequent_date(parsed.snippets.iter().filter_map(|s| s.date));
            report.snippet_occurrences += parsed.snippets.len();
            let candidates = std::mem::take(&mut parsed.snippets)
                .into_iter()
                .zip(keys)
                .map(|(s, key)| {
                    let sighting =
                        Sighting { title: s.title, excerpt: s.excerpt, category: s.category, date: s.date, page };
                    table.add(DedupInput::Sighting(sighting, key))
                })
                .collect();
            pages.push(PageEntry { parsed, candidates, date });
        }
    }
    report.pages = pages.len();
    pages
}

/// The distinct snippets after merging this run's sightings with the
/// stored ones, and the slugs their page ids stand for.
struct MergedSnippets {
    snippets: Vec<Snippet>,
    /// Snippet index of every candidate id the table returned.
    record_of: Vec<u32>,
    /// Slug of each page id: this run's pages, then pages only stored
    /// snippets name.
    page_slugs: Vec<String>,
}

/// Adds the stored snippets to the table, merges, and groups near-duplicates.
fn merge_snippets(
    mut table: SnippetTable,
    pages: &[PageEntry],
    slugs: &[String],
    stored: &[content::Loaded<Recommendation>],
    report: &mut ImportReport,
) -> MergedSnippets {
    // Stored snippets name their pages by slug; number those pages after
    // this run's pages so both speak in page ids.
    let mut page_slugs: Vec<String> = slugs.to_vec();
    let mut page_ids: HashMap<String, PageId> = HashMap::new();
    for (id, slug) in page_slugs.iter().enumerate() {
        page_ids.entry(slug.clone()).or_insert(id as PageId);
    }
    // A recommendation a person owns is no input to merging: its text is
    // whatever they wrote, and merged in it would be stamped as generated.
    // It keeps its file name; the snippet that comes out under that slug is
    // its snippet (kept as it is, or regenerated with --force), so no second
    // file is made for it.
    let mut owned: HashMap<String, Snippet> = HashMap::new();
    for loaded in stored {
        let mut snippet = snippet_from_record(&loaded.item);
        for slug in &loaded.item.meta.seen_on {
            let next = page_slugs.len() as PageId;
            let id = *page_ids.entry(slug.clone()).or_insert(next);
            if id == next {
                page_slugs.push(slug.clone());
            }
            snippet.seen_on.insert(id);
        }
        if loaded.pristine {
            table.add(DedupInput::Stored(snippet));
        } else if let Some(stem) = loaded.path.file_stem().and_then(|s| s.to_str()) {
            owned.insert(stem.to_string(), snippet);
        }
    }
    let Merged { mut snippets, record_of, stats } = table.finish();
    for snippet in &mut snippets {
        if let Some(history) = owned.remove(&snippet.slug) {
            snippet.seen_on.extend(history.seen_on);
            snippet.first_seen = [snippet.first_seen, history.first_seen].into_iter().flatten().min();
            snippet.last_seen = snippet.last_seen.max(history.last_seen);
        }
    }
    report.distinct_snippets = stats.distinct;
    // Counted over this run's sightings only, so re-importing merges nothing.
    let touched: HashSet<u32> =
        pages.iter().flat_map(|p| p.candidates.iter().map(|&c| record_of[c as usize])).collect();
    report.variants_merged = report.snippet_occurrences - touched.len();
    report.near_duplicate_groups = dedup::group_near_duplicates(&mut snippets);
    MergedSnippets { snippets, record_of, page_slugs }
}

/// Every generated file offered in this run, and the front matter of those
/// now exactly as rendered, which primes the build's cache.
#[derive(Default)]
struct Offers {
    files: Vec<Offered>,
    front_matter: FrontMatterLines,
}

/// Files now exactly as rendered: their front matter primes the build's cache.
fn as_rendered(staged: &std::io::Result<(WriteOutcome, Option<Staged>)>) -> bool {
    matches!(staged, Ok((WriteOutcome::Created | WriteOutcome::Updated | WriteOutcome::Unchanged, _)))
}

/// How generated files are made and offered. Every changed file is staged
/// beside its destination first and put in place only once all of them
/// are: a failure leaves content/ as it was.
struct Writing<'a> {
    classifier: &'a Classifier,
    force: bool,
    layout: &'a SiteLayout,
}

impl Writing<'_> {
    /// Offers `item` as `<its directory>/<slug>.md`.
    fn offer<T: Item>(&self, item: &T, offers: &mut Offers) {
        let path = self.layout.items(T::KIND).join(format!("{}.md", item.slug()));
        let text = content::render_item(item);
        let staged = content::stage_generated(&path, &text, self.force);
        if as_rendered(&staged) {
            offers.front_matter.add(&text, item);
        }
        offers.files.push(Offered { is_article: T::KIND == ItemKind::Article, path, staged });
    }

    /// Classifies and offers this run's articles; returns the texts of every
    /// article a snippet may be an excerpt of, stored ones included.
    fn articles(
        &self,
        pages: Vec<PageEntry>,
        slugs: &[String],
        merged: &MergedSnippets,
        stored: &[content::Loaded<Article>],
        offers: &mut Offers,
    ) -> Vec<ArticleText> {
        let record_slugs: Vec<&str> =
            merged.record_of.iter().map(|&r| merged.snippets[r as usize].slug.as_str()).collect();
        // Only articles that share a title with some snippet can be linked.
        let snippet_titles: HashSet<String> = merged.snippets.par_iter().map(|s| normalize_key(&s.title)).collect();
        let linkable = |article: &Article| snippet_titles.contains(&normalize_key(&article.meta.title));
        let written: Vec<(Offers, Option<ArticleText>)> = pages
            .into_par_iter()
            .zip(slugs.par_iter())
            .map(|(page, slug)| {
                let article = build_article(page, slug, &record_slugs, self.classifier);
                let mut offer = Offers::default();
                self.offer(&article, &mut offer);
                (offer, linkable(&article).then(|| article_text(&article)))
            })
            .collect();
        let this_run: HashSet<&str> = slugs.iter().map(String::as_str).collect();
        let mut texts: Vec<ArticleText> = stored
            .iter()
            .filter(|a| !this_run.contains(a.item.meta.slug.as_str()) && linkable(&a.item))
            .map(|a| article_text(&a.item))
            .collect();
        for (offer, text) in written {
            offers.files.extend(offer.files);
            offers.front_matter.extend(offer.front_matter);
            texts.extend(text);
        }
        texts
    }

    /// Classifies and offers the distinct snippets.
    fn recommendations(&self, snippets: Vec<Snippet>, page_slugs: &[String], offers: &mut Offers) {
        let written: Vec<Offers> = snippets
            .into_par_iter()
            .map(|snippet| {
                let rec = recommendation_record(snippet, page_slugs, self.classifier);
                let mut offer = Offers::default();
                self.offer(&rec, &mut offer);
                offer
            })
            .collect();
        for offer in written {
            offers.files.extend(offer.files);
            offers.front_matter.extend(offer.front_matter);
        }
    }
}

/// Counts what writing did, and names the files kept as a person edited them.
fn tally(outcomes: Vec<(bool, PathBuf, WriteOutcome)>, report: &mut ImportReport) {
    for (is_article, path, outcome) in outcomes {
        match outcome {
            WriteOutcome::Created | WriteOutcome::Updated if is_article => report.articles_written += 1,
            WriteOutcome::Created | WriteOutcome::Updated => report.recommendations_written += 1,
            WriteOutcome::Unchanged => report.unchanged += 1,
            WriteOutcome::KeptHandEdit => {
                report.messages.push(FileMessage {
                    path: path.clone(),
                    severity: Severity::Warning,
                    message: "edited by hand since it was generated; kept (use --force to overwrite)".into(),
                });
                report.kept_hand_edits.push(path);
            }
        }
    }
}

/// A generated file offered for writing: what writing it does, and its
/// new bytes staged beside it when it changes.
struct Offered {
    is_article: bool,
    path: PathBuf,
    staged: std::io::Result<(WriteOutcome, Option<Staged>)>,
}

/// Puts every staged file in place, or, if any could not be staged, none:
/// the staged bytes are removed and the first failure (by path) returned.
fn commit_all(offered: Vec<Offered>) -> Result<Vec<(bool, PathBuf, WriteOutcome)>, ImportError> {
    let mut failures: Vec<ImportError> = Vec::new();
    let mut staged: Vec<(bool, PathBuf, WriteOutcome, Option<Staged>)> = Vec::with_capacity(offered.len());
    for Offered { is_article, path, staged: result } in offered {
        match result {
            Ok((outcome, file)) => staged.push((is_article, path, outcome, file)),
            Err(source) => failures.push(ImportError::Io { path, source }),
        }
    }
    if !failures.is_empty() {
        staged.into_iter().filter_map(|(_, _, _, file)| file).for_each(Staged::discard);
        failures.sort_by_key(ToString::to_string);
        return Err(failures.swap_remove(0));
    }
    let mut outcomes = Vec::with_capacity(staged.len());
    let mut staged = staged.into_iter();
    while let Some((is_article, path, outcome, file)) = staged.next() {
        if let Some(file) = file
            && let Err(source) = file.commit()
        {
            staged.filter_map(|(_, _, _, file)| file).for_each(Staged::discard);
            return Err(ImportError::Io { path, source });
        }
        outcomes.push((is_article, path, outcome));
    }
    Ok(outcomes)
}

/// Files beside scraped pages that are plainly not pages: content,
/// settings and vocabularies.
const NOT_PAGES: &[&str] = &["md", "markdown", "yaml", "yml", "toml"];

/// The page files named by the inputs: files as given, directories walked
/// in sorted order (hidden files skipped). Links to files and directories
/// are followed; loops, dangling links and unreadable entries are rejected
/// by name. The content directory, should it lie inside an input, is
/// skipped, and so are files that are not pages.
fn collect_inputs(inputs: &[PathBuf], content_dir: &Path, messages: &mut Vec<FileMessage>) -> Vec<PathBuf> {
    // By canonical path, so that `raw/../content` or a link to it is recognised.
    let content_dir = fs::canonicalize(content_dir).ok();
    let is_content_dir = |path: &Path| content_dir.is_some() && fs::canonicalize(path).ok() == content_dir;
    let mut files = Vec::new();
    for input in inputs {
        let mut walker = walkdir::WalkDir::new(input)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_str().is_some_and(|n| n.starts_with('.')));
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    messages.push(FileMessage {
                        path: err.path().unwrap_or(input).to_path_buf(),
                        severity: Severity::Error,
                        message: walk_error_message(&err),
                    });
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                if is_content_dir(entry.path()) {
                    messages.push(FileMessage {
                        path: entry.into_path(),
                        severity: Severity::Note,
                        message: "the --content directory; skipped".into(),
                    });
                    walker.skip_current_dir();
                }
                continue;
            }
            if !entry.file_type().is_file() {
                messages.push(FileMessage {
                    path: entry.into_path(),
                    severity: Severity::Error,
                    message: "not a regular file (a device, pipe or socket); skipped".into(),
                });
                continue;
            }
            let extension = entry.path().extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            if let Some(extension) = extension.filter(|e| NOT_PAGES.contains(&e.as_str())) {
                messages.push(FileMessage {
                    path: entry.into_path(),
                    severity: Severity::Note,
                    message: format!("a .{extension} file is not a scraped page; skipped"),
                });
                continue;
            }
            files.push(entry.into_path());
        }
    }
    files.sort();
    files.dedup();
    files
}

/// What went wrong walking an input, in the user's terms.
fn walk_error_message(err: &walkdir::Error) -> String {
    if let Some(ancestor) = err.loop_ancestor() {
        return format!("symbolic link loops back to {}; skipped", display_path(ancestor));
    }
    let dangling = err
        .path()
        .and_then(|path| fs::read_link(path).ok())
        .filter(|_| err.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound));
    if let Some(target) = dangling {
        return format!("dangling symbolic link to {}; skipped", display_path(&target));
    }
    match err.io_error() {
        Some(io) if io.kind() == std::io::ErrorKind::NotFound => "no such file or directory".into(),
        Some(io) => format!("cannot read: {io}"),
        None => format!("cannot read: {err}"),
    }
}

fn read_one(path: &Path) -> Result<(ParsedPage, Vec<FileMessage>), FileMessage> {
    let reject = |message: String| FileMessage { path: path.to_path_buf(), severity: Severity::Error, message };
    let (bytes, decoded) = decode::read_page(path).map_err(|err| reject(err.to_string()))?;
    let mut page = parse_page(&decoded.text).map_err(|err| reject(err.to_string()))?;
    let note = |severity: Severity, message: &str| FileMessage {
        path: path.to_path_buf(),
        severity,
        message: message.to_string(),
    };
    let mut notes: Vec<FileMessage> = decoded.notes.iter().map(|n| note(Severity::Note, n)).collect();
    let markdown = text_to_markdown::body_to_markdown(&page.body_lines);
    // `check` refuses an article with neither body nor answer.
    if markdown.trim().is_empty() && page.answer.is_none() {
        return Err(reject(
            "page has a title but no body or short answer, so there is no article to publish; not imported".into(),
        ));
    }
    if page.snippets.len() > MAX_SNIPPETS_PER_PAGE {
        notes.push(note(
            Severity::Warning,
            &format!(
                "lists {} recommendation snippets; kept the first {MAX_SNIPPETS_PER_PAGE} (real pages list about 20)",
                page.snippets.len()
            ),
        ));
        page.snippets.truncate(MAX_SNIPPETS_PER_PAGE);
    }
    if page.snippets.is_empty() {
        notes.push(note(Severity::Warning, "no 相关推荐 block; imported without recommendations or date"));
    }
    let sha256 = crate::text::hex(&Sha256::digest(&bytes));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let parsed = ParsedPage {
        path: path.to_path_buf(),
        file_name,
        sha256,
        markdown,
        title: page.title,
        answer: page.answer,
        notices: page.notices.into_iter().collect(),
        snippets: page.snippets,
    };
    Ok((parsed, notes))
}

/// Slugs for this batch's pages. A page keeps the slug of the stored article
/// imported from the same bytes (or, re-scraped, from the same file name);
/// otherwise it gets its title's slug, with a content-hash suffix when that
/// is taken by a different article.
fn assign_article_slugs(pages: &[PageEntry], stored: &[content::Loaded<Article>]) -> Vec<String> {
    let mut by_sha: HashMap<&str, &str> = HashMap::new();
    let mut by_file: HashMap<(&str, &str), &str> = HashMap::new();
    let mut taken: HashSet<String> = HashSet::new();
    for loaded in stored {
        let meta = &loaded.item.meta;
        let stem = loaded.path.file_stem().and_then(|s| s.to_str()).unwrap_or(&meta.slug);
        taken.insert(stem.to_string());
        if let Some(source) = &meta.source {
            by_sha.insert(&source.sha256, &meta.slug);
            by_file.insert((&source.file, &meta.slug), &meta.slug);
        }
    }
    let bases: Vec<String> = pages.par_iter().map(|p| slugify(&p.parsed.title)).collect();
    let mut slugs = vec![String::new(); pages.len()];
    let mut fresh: Vec<usize> = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if let Some(slug) = by_sha.get(page.parsed.sha256.as_str()) {
            slugs[i] = slug.to_string();
        } else if let Some(slug) = by_file.get(&(page.parsed.file_name.as_str(), bases[i].as_str())) {
            slugs[i] = slug.to_string();
        } else {
            fresh.push(i);
        }
    }
    let claimed: HashSet<String> = slugs.iter().filter(|s| !s.is_empty()).cloned().collect();
    // Within the batch, the smallest content hash claims a contested title
    // slug, so file order never decides.
    fresh.sort_by(|&a, &b| bases[a].cmp(&bases[b]).then_with(|| pages[a].parsed.sha256.cmp(&pages[b].parsed.sha256)));
    for i in fresh {
        let base = &bases[i];
        let slug = if taken.contains(base) || claimed.contains(base) {
            format!("{base}-{}", &pages[i].parsed.sha256[..8])
        } else {
            base.clone()
        };
        taken.insert(slug.clone());
        slugs[i] = slug;
    }
    slugs
}

fn build_article(page: PageEntry, slug: &str, record_slugs: &[&str], classifier: &Classifier) -> Article {
    let PageEntry { parsed, candidates, date } = page;
    let mut recommendations: Vec<String> = Vec::with_capacity(candidates.len());
    for id in candidates {
        let rec_slug = record_slugs[id as usize];
        if !recommendations.iter().any(|r| r == rec_slug) {
            recommendations.push(rec_slug.to_string());
        }
    }
    let class = classifier.classify(ClassifyInput {
        title: &parsed.title,
        answer: parsed.answer.as_deref(),
        body: &parsed.markdown,
    });
    let meta = ArticleMeta {
        title: parsed.title,
        slug: slug.to_string(),
        answer: parsed.answer,
        date,
        date_source: date.map(|_| "recommendations".to_string()),
        updated: None,
        regions: class.regions,
        topics: class.topics,
        relevant: class.relevant,
        draft: false,
        irrelevant_reason: class.irrelevant_reason,
        disclaimer: class.disclaimer,
        notices: parsed.notices,
        recommendations,
        source: Some(Source { file: parsed.file_name, sha256: parsed.sha256 }),
        checksum: None,
    };
    Article { meta, body: parsed.markdown }
}

/// The page carries no date of its own; its recommendations were printed
/// with the crawl date, so their most frequent date (latest on a tie) dates it.
fn most_frequent_date(dates: impl Iterator<Item = Date>) -> Option<Date> {
    let mut counts: BTreeMap<Date, usize> = BTreeMap::new();
    for date in dates {
        *counts.entry(date).or_default() += 1;
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0))).map(|(date, _)| date)
}

fn article_text(article: &Article) -> ArticleText {
    let mut text = article.meta.answer.clone().unwrap_or_default();
    text.push_str(&article.body);
    ArticleText { slug: article.meta.slug.clone(), title: article.meta.title.clone(), text }
}

fn snippet_from_record(rec: &Recommendation) -> Snippet {
    let meta = &rec.meta;
    Snippet {
        title: meta.title.clone(),
        excerpt: rec.excerpt.clone(),
        category: meta.category.clone(),
        first_seen: meta.first_seen.or(meta.date),
        last_seen: meta.last_seen.or(meta.date),
        seen_on: Default::default(),
        slug: meta.slug.clone(),
        group: meta.group.clone(),
        article: meta.article.clone(),
    }
}

fn recommendation_record(snippet: Snippet, page_slugs: &[String], classifier: &Classifier) -> Recommendation {
    let class = classifier.classify(ClassifyInput { title: &snippet.title, answer: None, body: &snippet.excerpt });
    let mut seen_on: Vec<String> = snippet.seen_on.iter().map(|&id| page_slugs[id as usize].clone()).collect();
    seen_on.sort();
    seen_on.dedup();
    let meta = RecommendationMeta {
        title: snippet.title,
        slug: snippet.slug,
        date: snippet.last_seen,
        category: snippet.category,
        first_seen: snippet.first_seen,
        last_seen: snippet.last_seen,
        occurrences: seen_on.len() as u64,
        seen_on,
        group: snippet.group,
        article: snippet.article,
        regions: class.regions,
        topics: class.topics,
        relevant: class.relevant,
        irrelevant_reason: class.irrelevant_reason,
        disclaimer: class.disclaimer,
        checksum: None,
    };
    Recommendation { meta, excerpt: snippet.excerpt }
}

/// A generated recommendation whose snippet now lives under another slug
/// (merged into a longer variant, or renamed on a slug clash) is removed;
/// hand-edited ones stay.
fn remove_stale_recommendations(
    stored: &[content::Loaded<Recommendation>],
    live: &HashSet<String>,
) -> Result<(), ImportError> {
    for loaded in stored {
        let stem = loaded.path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if loaded.pristine && !live.contains(stem) {
            fs::remove_file(&loaded.path).map_err(|source| ImportError::Io { path: loaded.path.clone(), source })?;
        }
    }
    Ok(())
}
