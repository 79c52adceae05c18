//! `build`: `content/` → a static site. Loads config, theme and content,
//! builds the [`Site`](crate::site::Site) model, renders every page in
//! parallel into a staging directory, writes the sitemap, feed and search
//! index beside them, and swaps the result in atomically.

mod cache;
mod feeds;
pub(crate) mod markdown;
mod minify;
mod output;
mod pages;
mod theme;

use std::collections::HashMap;
use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::classify::{Gazetteer, TopicVocabulary};
use crate::config::{Config, ConfigError};
use crate::content::{self, ContentError};
use crate::search::{self, SearchDoc, SearchStats};
use crate::site::{self, ItemRef, SiteInput};
use crate::text::{display_path, escape_controls};

use cache::{Cache, Entry};
use output::Staging;
use pages::{PageSpec, Pages};
use theme::Theme;

/// What `policypress build` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Site root: `config.toml`, `content/`, `templates/`, `static/`, `themes/`.
    pub root: PathBuf,
    /// Output directory; `<root>/public` when not given.
    pub out: Option<PathBuf>,
    /// Replaces `base_url` from `config.toml`.
    pub base_url: Option<String>,
    /// Writes pages and assets unminified, for debugging templates.
    pub no_minify: bool,
    /// Ignores the build cache: renders every page and replaces the whole
    /// output directory, other tools' files included. Without it, files the
    /// builds did not write stay, unless they are in a directory the site
    /// no longer has, and a non-empty directory that the cache does not
    /// record a build into is refused.
    pub fresh: bool,
    /// No progress bar.
    pub quiet: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> BuildOptions {
        BuildOptions { root: root.into(), ..BuildOptions::default() }
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// What a build wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    pub out_dir: PathBuf,
    /// HTML pages, including the 404 page.
    pub pages: usize,
    /// Every file written: pages, static files, sitemap, feed, robots.txt,
    /// search index files not included.
    pub files: usize,
    /// Total size of the files counted in `files`.
    pub bytes: u64,
    /// Pages taken unchanged from the previous build instead of rendered.
    pub reused_pages: usize,
    pub articles: usize,
    pub recommendations: usize,
    pub elapsed: Duration,
    pub search: SearchStats,
    /// Problems that did not stop the build, one line each.
    pub warnings: Vec<String>,
}

/// Largest site whose index is built alongside a rebuild's rendering.
const OVERLAP_MAX_PAGES: usize = 25_000;

/// Cloudflare Pages' limit per file, the smallest among common static hosts.
const LARGE_FILE_BYTES: u64 = 25 * 1024 * 1024;

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
        writeln!(f, "{count} problem{} in content:", if count == 1 { "" } else { "s" })?;
        for (n, err) in self.0.iter().enumerate() {
            write!(f, "{err}\n  fix: {}", escape_controls(&err.fix))?;
            if n + 1 < count {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Builds the site under `options.root` into the output directory.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let gazetteer = Gazetteer::embedded();
    let root = &options.root;
    let mut config = Config::load(root)?;
    if let Some(base_url) = &options.base_url {
        config.base_url = base_url.trim_end_matches('/').to_string();
    }
    if options.no_minify {
        config.minify = false;
    }
    let theme = Theme::load(root, &config.theme, config.minify)?;

    let content_dir = root.join("content");
    let topics_path = content_dir.join(content::TOPICS_FILE);
    let vocabulary =
        if topics_path.is_file() { TopicVocabulary::load(&topics_path) } else { Ok(TopicVocabulary::default()) };
    let front_matter_cache = content::front_matter_cache(root);
    if options.fresh {
        let _ = std::fs::remove_file(&front_matter_cache);
    }
    let (mut tree, front_matter) = content::load_tree_cached(&content_dir, &front_matter_cache);
    let saving_front_matter = std::thread::spawn(move || front_matter.save());
    // Without the vocabulary every topic would be reported unknown; the
    // vocabulary's own error and the files that do not parse say enough.
    let vocabulary = vocabulary.map_err(|err| {
        tree.errors.push(err);
        BuildError::Content(std::mem::take(&mut tree.errors))
    })?;
    let previous_related = if options.fresh { None } else { cache::load_related(root) };
    let site = site::build_site(SiteInput {
        config: &config,
        tree: &tree,
        vocabulary: &vocabulary,
        gazetteer,
        previous_related: previous_related.as_ref(),
    })
    .map_err(BuildError::Content)?;
    cache::save_related(root, &site.related, previous_related.as_ref());

    let favicon = theme.statics.contains_key("favicon.svg");
    let share_image = theme.statics.contains_key(pages::SHARE_IMAGE);
    let mut pages = Pages::new(&config, &site, gazetteer, &vocabulary, favicon, share_image);
    reject_deep_nesting(&pages)?;
    let specs = pages.specs();
    let entries: Vec<feeds::SitemapEntry> = specs
        .iter()
        .filter(|&&spec| Pages::in_sitemap(spec))
        .map(|&spec| feeds::SitemapEntry { url: pages.url(spec), lastmod: pages.lastmod(spec) })
        .collect();
    let mut extra = feeds::sitemaps(&config.base_url, &entries, feeds::SITEMAP_MAX_URLS);
    drop(entries);
    extra.push(("atom.xml".to_string(), atom_feed(&pages, &config)));
    extra.push(("robots.txt".to_string(), feeds::robots(&config.base_url)));
    check_collisions(&pages, &specs, &extra, &theme)?;

    let out_dir = options.out_dir();
    let mut staging = Staging::new(&out_dir, root)?;
    let mut cache = if options.fresh { Cache::default() } else { Cache::load(root, staging.out()) };
    let previous_files = cache.take_previous_files();
    let rebuilding = previous_files.is_some();
    staging
        .prepare(options.fresh, previous_files.as_ref().map(|(files, retired)| [files.as_slice(), retired].concat()))?;

    let progress = progress_bar(options.quiet, specs.len());
    let mut bytes: u64 = 0;
    for (rel, contents) in &theme.statics {
        staging.put(rel, contents)?;
        bytes += contents.len() as u64;
    }
    // A page whose quick digest is unchanged is kept without building its
    // context: an edit to one body then builds one page's context, not all.
    let render_pages = || -> Result<Vec<(String, Entry, bool)>, BuildError> {
        let fingerprint = pages.fingerprint();
        specs
            .par_iter()
            .map(|&spec| {
                let rel = pages.output_path(spec);
                let quick = cache::quick_digest(
                    &theme.digest,
                    config.minify,
                    &fingerprint,
                    &format!("{spec:?}"),
                    pages.own_text(spec),
                );
                // A hard link shares the mtime, so the entry stays valid.
                let kept = |found: Option<(PathBuf, Entry)>| {
                    found.filter(|(previous, _)| staging.keep(previous, &rel).is_ok()).map(|(_, entry)| entry)
                };
                let (entry, reused) = match kept(cache.reusable_quick(&rel, quick)) {
                    Some(entry) => (entry, true),
                    None => {
                        let (template, context) = pages.context(spec);
                        let digest = cache::page_digest(&theme.digest, template, config.minify, &context);
                        match kept(cache.reusable(&rel, digest)) {
                            Some(entry) => (Entry { quick, ..entry }, true),
                            None => {
                                let path = staging.put(&rel, &render_page(&theme, &rel, template, context)?)?;
                                let entry = Entry::of(&path, digest).ok_or_else(|| BuildError::Io {
                                    path: path.clone(),
                                    source: std::io::Error::other("cannot read back the file just written"),
                                })?;
                                (Entry { quick, ..entry }, false)
                            }
                        }
                    }
                };
                progress.inc(1);
                Ok((rel, entry, reused))
            })
            .collect::<Result<_, BuildError>>()
    };
    let client_data = search::ClientData {
        synonyms: search::synonyms::load(root),
        popular: config.popular_searches.clone(),
        topics: site
            .topics
            .iter()
            .map(|term| {
                let topic = &vocabulary.topics[term.topic];
                (topic.name.clone(), crate::site::topic_url(&topic.slug))
            })
            .collect(),
    };
    let index_pages = |pages: &Pages<'_>| {
        // Like a page, the elasticlunr file is kept when its inputs and the
        // file on disk are as the cache recorded them.
        let kept = |digest| cache.reusable(search::MONOLITHIC_FILE, digest).map(|(path, _)| path);
        let previous = if options.fresh { None } else { staging.previous() };
        staging.clear(search::MONOLITHIC_FILE)?;
        search::write_index(
            &search_docs(pages, &vocabulary),
            staging.dir(),
            previous,
            config.elasticlunr_index,
            kept,
            &client_data,
        )
        .map_err(BuildError::Search)
    };
    // A rebuild renders few pages, so the index is built alongside. A fresh
    // build, or any build of a large site, renders first and frees the page
    // HTML for the index: at 100k pages that is the difference between 1.7
    // and 1.9 GiB, for a gain of a few percent.
    let (written, index) = if rebuilding && specs.len() <= OVERLAP_MAX_PAGES {
        let (written, index) = rayon::join(render_pages, || index_pages(&pages));
        (written?, index?)
    } else {
        let written = render_pages()?;
        pages.release_html();
        (written, index_pages(&pages)?)
    };
    progress.finish_and_clear();
    bytes += written.iter().map(|(_, entry, _)| entry.len).sum::<u64>();
    let reused_pages = written.iter().filter(|(_, _, reused)| *reused).count();

    for (rel, contents) in &extra {
        staging.put(rel, contents.as_bytes())?;
        bytes += contents.len() as u64;
    }

    let mut warnings = Vec::new();
    if let Some(warning) = placeholder_base_url_warning(&config.base_url) {
        warnings.push(warning);
    }
    if index.stats.monolithic_bytes > LARGE_FILE_BYTES {
        warnings.push(format!(
            "{} is {:.0} MB; some static hosts refuse files over 25 MiB. The site's search does not use it: set `elasticlunr_index = false` in config.toml to leave it out",
            search::MONOLITHIC_FILE,
            index.stats.monolithic_bytes as f64 / 1e6
        ));
    }
    staging.record(index.files);
    let files = staging.files();
    let mut entries: HashMap<String, Entry> = written.into_iter().map(|(rel, entry, _)| (rel, entry)).collect();
    if let Some(entry) =
        index.elasticlunr_digest.and_then(|d| Entry::of(&staging.dir().join(search::MONOLITHIC_FILE), d))
    {
        entries.insert(search::MONOLITHIC_FILE.to_string(), entry);
    }
    // Saved before the site is installed: a build killed in between then
    // finds either site in place and still knows every file it may hold.
    let retired: Vec<String> = previous_files
        .map(|(previous, _)| previous.into_iter().filter(|rel| files.binary_search(rel).is_err()).collect())
        .unwrap_or_default();
    if Cache::save(root, staging.out(), &files, &retired, &entries).is_err() {
        Cache::invalidate(root, staging.out());
    }
    staging.commit()?;
    let _ = saving_front_matter.join();
    Ok(BuildReport {
        out_dir,
        pages: specs.len(),
        files: specs.len() + theme.statics.len() + extra.len(),
        bytes,
        reused_pages,
        articles: site.articles.len(),
        recommendations: site.recommendations.len(),
        elapsed: started.elapsed(),
        search: index.stats,
        warnings,
    })
}

/// A site still pointing at a documentation domain publishes canonical
/// links, a sitemap and a feed that lead nowhere.
fn placeholder_base_url_warning(base_url: &str) -> Option<String> {
    let host = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    let host = host.split(['/', ':']).next().unwrap_or_default().to_ascii_lowercase();
    let placeholder = ["example.org", "example.com", "example.net"]
        .iter()
        .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")));
    placeholder.then(|| {
        format!(
            "base_url is {base_url}: canonical links, sitemap.xml and atom.xml point at a placeholder domain. Set `base_url` in config.toml to the address the site is published at (or pass --base-url)"
        )
    })
}

/// Bodies nested too deep are refused before any page is rendered from
/// them: the minifier and browsers would recurse once per level.
fn reject_deep_nesting(pages: &Pages<'_>) -> Result<(), BuildError> {
    let articles = pages
        .site
        .articles
        .iter()
        .zip(&pages.bodies)
        .map(|(a, r)| (&a.loaded.path, a.loaded.body_line, a.loaded.item.body.as_str(), r));
    let recommendations = pages
        .site
        .recommendations
        .iter()
        .zip(&pages.excerpts)
        .map(|(r, e)| (&r.loaded.path, r.loaded.body_line, r.loaded.item.excerpt.as_str(), e));
    let mut errors: Vec<ContentError> = articles
        .chain(recommendations)
        .filter_map(|(path, line, body, rendered)| {
            rendered.too_deep_at.map(|offset| markdown::too_deep_error(path, line, body, offset))
        })
        .collect();
    errors.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    if errors.is_empty() { Ok(()) } else { Err(BuildError::Content(errors)) }
}

fn render_page(theme: &Theme, rel: &str, template: &str, context: serde_json::Value) -> Result<Vec<u8>, BuildError> {
    let render_error = |message: String| BuildError::Render {
        page: rel.to_string(),
        template: theme.template_files.get(template).cloned().unwrap_or_else(|| PathBuf::from(template)),
        message,
    };
    let context = tera::Context::from_value(context).map_err(|err| render_error(theme::error_chain(&err)))?;
    let html = theme.tera.render(template, &context).map_err(|err| render_error(theme::error_chain(&err)))?;
    Ok(html.into_bytes())
}

/// Pages, static files and generated files must not overwrite each other.
fn check_collisions(
    pages: &Pages<'_>,
    specs: &[PageSpec],
    generated: &[(String, String)],
    theme: &Theme,
) -> Result<(), BuildError> {
    let mut paths: Vec<String> = specs.iter().map(|&spec| pages.output_path(spec)).collect();
    paths.extend(generated.iter().map(|(rel, _)| rel.clone()));
    paths.sort_unstable();
    if let Some(pair) = paths.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(BuildError::Collision(pair[0].clone()));
    }
    match theme.statics.keys().find(|rel| paths.binary_search(rel).is_ok()) {
        Some(rel) => Err(BuildError::Collision(rel.clone())),
        None => Ok(()),
    }
}

fn atom_feed(pages: &Pages<'_>, config: &Config) -> String {
    let info = feeds::FeedInfo {
        title: &config.title,
        description: &config.description,
        base_url: &config.base_url,
        language: &config.language,
    };
    let entries: Vec<feeds::FeedEntry<'_>> = pages
        .site
        .articles
        .iter()
        .zip(&pages.bodies)
        .take(config.feed_limit)
        .map(|(article, body)| {
            let meta = &article.loaded.item.meta;
            feeds::FeedEntry {
                title: &meta.title,
                url: site::article_url(&meta.slug),
                date: meta.date,
                summary: meta.answer.as_deref(),
                content_html: &body.html,
                categories: article.topics.iter().map(|&t| pages.vocabulary.topics[t].name.as_str()).collect(),
            }
        })
        .collect();
    feeds::atom(&info, &entries)
}

/// One document per page with content: built articles and the snippets
/// that have pages of their own.
fn search_docs<'p>(pages: &'p Pages<'_>, vocabulary: &TopicVocabulary) -> Vec<SearchDoc<'p>> {
    let site = pages.site;
    let names = |regions: &[usize], topics: &[usize]| {
        let regions = regions.iter().map(|&u| pages.gazetteer.units[u].path.clone()).collect();
        let topics = topics.iter().map(|&t| vocabulary.topics[t].name.clone()).collect();
        (regions, topics)
    };
    let mut docs = Vec::with_capacity(site.articles.len() + site.recommendations.len());
    for (index, (article, body)) in site.articles.iter().zip(&pages.bodies).enumerate() {
        let meta = &article.loaded.item.meta;
        let (regions, topics) = names(&article.regions, &article.topics);
        docs.push(SearchDoc {
            url: site.url(ItemRef::Article(index)),
            title: meta.title.clone(),
            answer: meta.answer.clone().unwrap_or_default(),
            body: body.text.as_str().into(),
            regions,
            topics,
            kind: "article".into(),
            summary: pages::article_summary(meta.answer.as_deref(), body),
            date: meta.date.map(|d| d.to_string()).unwrap_or_default(),
            group: String::new(),
        });
    }
    for (index, (rec, excerpt)) in site.recommendations.iter().zip(&pages.excerpts).enumerate() {
        let (regions, topics) = names(&rec.regions, &rec.topics);
        docs.push(SearchDoc {
            url: site.url(ItemRef::Recommendation(index)),
            title: rec.loaded.item.meta.title.clone(),
            answer: String::new(),
            body: excerpt.text.as_str().into(),
            regions,
            topics,
            kind: "recommendation".into(),
            summary: markdown::truncate(&excerpt.text, 100),
            date: rec.loaded.item.meta.date.map(|d| d.to_string()).unwrap_or_default(),
            group: rec.loaded.item.meta.group.clone().unwrap_or_default(),
        });
    }
    docs
}

fn progress_bar(quiet: bool, len: usize) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} pages") {
        bar.set_style(style);
    }
    bar
}
