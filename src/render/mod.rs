//! `build`: `content/` → a static site. Loads config, theme and content,
//! builds the [`Site`](crate::site::Site) model, renders every page in
//! parallel into a staging directory, writes the sitemap, feed and search
//! index beside them, and swaps the result in atomically.

mod cache;
mod error;
mod feeds;
pub mod front_matter_cache;
pub(crate) mod markdown_to_html;
mod minify;
mod output;
mod pages;
mod text_cache;
mod theme;

use rustc_hash::FxHashMap as HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::resident::ResidentContent;
use crate::content::{ContentError, ContentTree, Parse};
use crate::layout::SiteLayout;
use crate::search::{self, ClientData, SearchDoc, SearchStats};
use crate::site::{self, ItemRef, Site, SiteInput};
use crate::taxonomy::{Gazetteer, TopicVocabulary};

pub use error::BuildError;

use cache::{Cache, Entry};
use output::{SpareListing, Staging};
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
    /// Also builds articles marked `draft: true`.
    pub drafts: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> BuildOptions {
        BuildOptions { root: root.into(), ..BuildOptions::default() }
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| SiteLayout::new(&self.root).output())
    }

    /// `config.toml` with the options that override it.
    fn config(&self, layout: &SiteLayout) -> Result<Config, BuildError> {
        let mut config = Config::load(layout)?;
        if let Some(base_url) = &self.base_url {
            config.base_url = base_url.trim_end_matches('/').to_string();
        }
        if self.no_minify {
            config.minify = false;
        }
        Ok(config)
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
    /// Markdown files under `content/` the build did not read (see
    /// [`crate::content::stray_files`]); a warning, as `check` is what fails CI.
    pub stray_files: Vec<ContentError>,
}

/// Largest site whose index is built alongside a rebuild's rendering.
const OVERLAP_MAX_PAGES: usize = 25_000;

/// Cloudflare Pages' limit per file, the smallest among common static hosts.
const LARGE_FILE_BYTES: u64 = 25 * 1024 * 1024;

/// Builds the site under `options.root` into the output directory.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_with(options, None)
}

/// What a process that builds again and again (`serve`) keeps from one
/// build for the next.
#[derive(Default)]
pub struct Resident {
    content: ResidentContent,
    /// The output directory built into, and what its spare holds.
    spare: Option<(PathBuf, SpareListing)>,
}

/// [`build`] for a process that builds again and again (`serve`): files
/// unchanged since the last build are taken from `memory` instead of read,
/// as is the listing of the output's spare, and what this build loaded
/// and left is kept there for the next.
pub fn build_remembering(options: &BuildOptions, memory: &mut Resident) -> Result<BuildReport, BuildError> {
    build_with(options, Some(memory))
}

fn build_with(options: &BuildOptions, mut memory: Option<&mut Resident>) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    // The search index's place table depends on nothing the build reads;
    // made now, it is ready when the index needs it instead of on the
    // index's critical path. Detached: it uses no pool, and a command that
    // fails first exits without waiting for it.
    std::thread::spawn(crate::taxonomy::client_places);
    let layout = SiteLayout::new(&options.root);
    let config = options.config(&layout)?;
    let theme = Theme::load(&layout, &config.theme, config.minify)?;
    let out_dir = options.out_dir();
    // A process that builds again keeps the spare's listing in memory; one
    // that builds once keeps it in the cache.
    let remembering = memory.is_some();
    let spare = memory.as_deref_mut().and_then(|memory| memory.spare.take());
    let spare = spare.filter(|(dir, _)| *dir == out_dir).map(|(_, listing)| listing);
    // Taking over the output directory lists two trees of every page and
    // search file; it needs nothing from the content, so it runs while the
    // content loads, as does looking for Markdown files the build skips.
    // The scope joins both on every path, errors included, so a failed
    // build never leaves a staging directory behind half set up.
    std::thread::scope(|scope| {
        let output = scope.spawn(|| prepare_output(&out_dir, &layout, options.fresh, remembering, spare));
        let strays = scope.spawn(|| crate::content::stray_files(layout.content()));
        let background = Background { output, strays };
        build_prepared(options, &layout, &config, &theme, background, started, memory)
    })
}

/// The output directory taken over for this build, with the previous
/// build's cache for it.
struct Output {
    staging: Staging,
    cache: Cache,
    /// Files the previous build wrote and those it dropped, if the cache
    /// records a build into this directory.
    previous_files: Option<(Vec<String>, Vec<String>)>,
}

/// `remembering`: this process keeps the spare's listing in memory, and
/// `spare` is what it kept from its last build, if any.
fn prepare_output(
    out_dir: &Path,
    layout: &SiteLayout,
    fresh: bool,
    remembering: bool,
    spare: Option<SpareListing>,
) -> Result<Output, BuildError> {
    let cache_dir = layout.cache_dir();
    let mut staging = Staging::new(out_dir, layout.root(), (!remembering).then_some(cache_dir.as_path()))?;
    let mut cache = if fresh { Cache::default() } else { Cache::load(&cache_dir, staging.out()) };
    let previous_files = cache.take_previous_files();
    let known = previous_files.as_ref().map(|(files, retired)| [files.as_slice(), retired].concat());
    staging.prepare(fresh, known, spare)?;
    Ok(Output { staging, cache, previous_files })
}

/// What [`build`] runs beside loading the content.
struct Background<'scope> {
    output: std::thread::ScopedJoinHandle<'scope, Result<Output, BuildError>>,
    strays: std::thread::ScopedJoinHandle<'scope, Vec<crate::content::StrayFile>>,
}

/// What a background thread returned; its panic, if it panicked.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn build_prepared(
    options: &BuildOptions,
    layout: &SiteLayout,
    config: &Config,
    theme: &Theme,
    background: Background<'_>,
    started: Instant,
    mut memory: Option<&mut Resident>,
) -> Result<BuildReport, BuildError> {
    let gazetteer = Gazetteer::embedded();
    let loading = SystemTime::now();
    let (vocabulary, tree, saving_front_matter) =
        load_content(layout, options.fresh, memory.as_deref_mut().map(|memory| &mut memory.content))?;
    let loading_tokens = load_token_cache(layout, options.fresh);
    let previous_related = if options.fresh { None } else { cache::load_related(&layout.cache_dir()) };
    let site = site::build_site(SiteInput {
        layout,
        config,
        tree: &tree,
        vocabulary: &vocabulary,
        gazetteer,
        previous_related: previous_related.as_ref(),
        drafts: options.drafts,
    })
    .map_err(BuildError::Content)?;
    cache::save_related(&layout.cache_dir(), &site.related, previous_related.as_ref());

    let (mut pages, saving_texts) =
        pages_with_cached_texts(layout, options.fresh, config, theme, &site, gazetteer, &vocabulary);
    reject_deep_nesting(&pages)?;
    let specs = pages.specs();
    let extra = generated_files(&pages, &specs, config);
    check_collisions(&pages, &specs, &extra, theme)?;

    let Output { staging, cache, previous_files } = joined(background.output)?;
    let rebuilding = previous_files.is_some();
    let progress = progress_bar(options.quiet, specs.len());
    let mut bytes: u64 = 0;
    for (rel, contents) in &theme.statics {
        staging.put(rel, contents)?;
        bytes += contents.len() as u64;
    }
    let render_pages = || -> Result<Vec<(String, Entry, bool)>, BuildError> {
        let renderer = PageRenderer {
            pages: &pages,
            fingerprint: pages.fingerprint(),
            theme,
            config,
            cache: &cache,
            staging: &staging,
        };
        specs
            .par_iter()
            .map(|&spec| {
                let page = renderer.render_or_keep(spec);
                progress.inc(1);
                page
            })
            .collect::<Result<_, BuildError>>()
    };
    let client_data = client_data(layout, config, &site, &vocabulary);
    let tokens = loading_tokens.join().unwrap_or_else(|_| search::TokenCache::disabled());
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
            &tokens,
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

    let warnings = warnings(config, &index.stats);
    staging.record(index.files);
    // Saved before the site is installed: a build killed in between then
    // finds either site in place and still knows every file it may hold.
    let (staged, out) = (staging.dir().to_path_buf(), staging.out().to_path_buf());
    let cache_dir = layout.cache_dir();
    let spare = staging.commit(|files| {
        save_cache(&cache_dir, (&staged, &out), files, written, index.elasticlunr_digest, previous_files)
    })?;
    for saving in [saving_front_matter, saving_texts].into_iter().flatten() {
        let _ = saving.join();
    }
    let report = BuildReport {
        out_dir: options.out_dir(),
        pages: specs.len(),
        files: specs.len() + theme.statics.len() + extra.len(),
        bytes,
        reused_pages,
        articles: site.articles.len(),
        recommendations: site.recommendations.len(),
        elapsed: started.elapsed(),
        search: index.stats,
        warnings,
        stray_files: joined(background.strays).into_iter().map(|stray| stray.error).collect(),
    };
    drop(pages);
    drop(site);
    match memory {
        Some(memory) => {
            memory.content.remember(tree, loading);
            memory.spare = spare.map(|listing| (report.out_dir.clone(), listing));
            crate::fsutil::drop_aside(cache);
        }
        None => crate::fsutil::drop_aside((tree, spare, cache)),
    }
    Ok(report)
}

/// Renders pages into the staging directory, or keeps them from the
/// previous site when their digests say they did not change.
struct PageRenderer<'a> {
    pages: &'a Pages<'a>,
    /// [`Pages::fingerprint`], taken once for every page.
    fingerprint: [u8; 16],
    theme: &'a Theme,
    config: &'a Config,
    cache: &'a Cache,
    staging: &'a Staging,
}

impl PageRenderer<'_> {
    /// The page's output path, its cache entry and whether it was kept. A
    /// page whose quick digest is unchanged is kept without building its
    /// context: an edit to one body then builds one page's context, not all.
    fn render_or_keep(&self, spec: PageSpec) -> Result<(String, Entry, bool), BuildError> {
        let (pages, theme, config) = (self.pages, self.theme, self.config);
        let rel = pages.output_path(spec);
        let quick = cache::quick_digest(
            &theme.digest,
            config.minify,
            &self.fingerprint,
            &format!("{spec:?}"),
            pages.own_text(spec),
        );
        // A hard link shares the mtime, so the entry stays valid.
        let kept = |found: Option<(PathBuf, Entry)>| {
            found.filter(|(previous, _)| self.staging.keep(previous, &rel).is_ok()).map(|(_, entry)| entry)
        };
        if let Some(entry) = kept(self.cache.reusable_quick(&rel, quick)) {
            return Ok((rel, entry, true));
        }
        let (template, context) = pages.context(spec);
        let digest = cache::page_digest(&theme.digest, template, config.minify, &context);
        if let Some(entry) = kept(self.cache.reusable(&rel, digest)) {
            return Ok((rel, Entry { quick, ..entry }, true));
        }
        let path = self.staging.put(&rel, &render_page(theme, &rel, template, context)?)?;
        let entry = Entry::of(&path, digest).ok_or_else(|| BuildError::Io {
            path: path.clone(),
            source: std::io::Error::other("cannot read back the file just written"),
        })?;
        Ok((rel, Entry { quick, ..entry }, false))
    }
}

/// The pages of `site`, their bodies' text taken from the previous build's
/// text cache (ignored when `fresh`), and the thread saving the cache's
/// update if it changed.
fn pages_with_cached_texts<'a>(
    layout: &SiteLayout,
    fresh: bool,
    config: &'a Config,
    theme: &Theme,
    site: &'a Site<'a>,
    gazetteer: &'a Gazetteer,
    vocabulary: &'a TopicVocabulary,
) -> (Pages<'a>, Option<std::thread::JoinHandle<()>>) {
    let favicon = theme.statics.contains_key("favicon.svg");
    let share_image = theme.statics.contains_key(pages::SHARE_IMAGE);
    let texts = text_cache::TextCache::load(&layout.cache_dir().join("body-text"), fresh);
    let pages = Pages::new(config, site, gazetteer, vocabulary, favicon, share_image, &texts);
    let update = texts.update(&pages.texts());
    let saving = (!update.is_empty()).then(|| std::thread::spawn(move || update.save()));
    (pages, saving)
}

/// Records `files` (the new site's, sorted, staged in `staged` for `out`)
/// and the entries of the pages written (and of the elasticlunr file), with
/// the files of the previous build that this one drops; a cache that cannot
/// be saved is removed.
fn save_cache(
    cache_dir: &Path,
    (staged, out): (&Path, &Path),
    files: &[String],
    written: Vec<(String, Entry, bool)>,
    elasticlunr_digest: Option<[u8; 16]>,
    previous_files: Option<(Vec<String>, Vec<String>)>,
) {
    let mut entries: HashMap<String, Entry> = written.into_iter().map(|(rel, entry, _)| (rel, entry)).collect();
    if let Some(entry) = elasticlunr_digest.and_then(|d| Entry::of(&staged.join(search::MONOLITHIC_FILE), d)) {
        entries.insert(search::MONOLITHIC_FILE.to_string(), entry);
    }
    let retired: Vec<String> = previous_files
        .map(|(previous, _)| previous.into_iter().filter(|rel| files.binary_search(rel).is_err()).collect())
        .unwrap_or_default();
    if Cache::save(cache_dir, out, files, &retired, &entries).is_err() {
        Cache::invalidate(cache_dir, out);
    }
}

/// The vocabulary and the content tree, loaded with the files unchanged
/// since the build that filled `memory` taken from it, or else with the
/// front-matter cache (ignored when `fresh`); and the thread saving the
/// cache's update.
fn load_content(
    layout: &SiteLayout,
    fresh: bool,
    memory: Option<&mut ResidentContent>,
) -> Result<(TopicVocabulary, ContentTree, Option<std::thread::JoinHandle<()>>), BuildError> {
    let vocabulary = TopicVocabulary::load_or_bundled(layout);
    let (mut tree, saving) = match memory.filter(|_| !fresh).and_then(|memory| memory.reader(Parse)) {
        // The front-matter cache is left as it is: its lines for the files
        // kept in memory are not at hand, and the next `build` parses the
        // YAML of only the files edited meanwhile.
        Some(reader) => (crate::content::load_tree_with(layout.content(), &reader).0, None),
        None => load_content_cached(layout, fresh),
    };
    // Without the vocabulary every topic would be reported unknown; the
    // vocabulary's own error and the files that do not parse say enough.
    let vocabulary = vocabulary.map_err(|err| {
        tree.errors.push(err);
        BuildError::Content(std::mem::take(&mut tree.errors))
    })?;
    Ok((vocabulary, tree, saving))
}

/// The content tree through the front-matter cache (started over when
/// `fresh`), and the thread saving the cache's update.
fn load_content_cached(layout: &SiteLayout, fresh: bool) -> (ContentTree, Option<std::thread::JoinHandle<()>>) {
    let cache_file = layout.front_matter_cache();
    if fresh {
        let _ = std::fs::remove_dir_all(&cache_file);
    }
    // Earlier builds kept each of these caches in one file.
    for retired in ["front-matter.tsv", "body-text.bin"] {
        let _ = std::fs::remove_file(layout.cache_dir().join(retired));
    }
    let (tree, front_matter) = front_matter_cache::load_tree_cached(layout.content(), &cache_file);
    let saving = (!front_matter.is_empty()).then(|| std::thread::spawn(move || front_matter.save()));
    (tree, saving)
}

/// Reads the search index's token cache in the background while the site
/// model is built; `fresh` starts it over.
fn load_token_cache(layout: &SiteLayout, fresh: bool) -> std::thread::JoinHandle<search::TokenCache> {
    let dir = layout.cache_dir().join("search-tokens");
    std::thread::spawn(move || {
        if fresh {
            let _ = std::fs::remove_dir_all(&dir);
        }
        search::TokenCache::load(&dir)
    })
}

/// What the search page needs besides the index: synonyms, popular
/// searches and the topics that have pages.
fn client_data(layout: &SiteLayout, config: &Config, site: &Site<'_>, vocabulary: &TopicVocabulary) -> ClientData {
    ClientData {
        synonyms: search::synonyms::load(layout),
        popular: config.popular_searches.clone(),
        topics: site
            .topics
            .iter()
            .map(|term| {
                let topic = &vocabulary.topics[term.topic];
                (topic.name.clone(), site::topic_url(&topic.slug))
            })
            .collect(),
        member_blocks: search::MemberBlocks::default(),
    }
}

/// The sitemap, feed and robots.txt, by output path.
fn generated_files(pages: &Pages<'_>, specs: &[PageSpec], config: &Config) -> Vec<(String, String)> {
    let entries: Vec<feeds::SitemapEntry> = specs
        .iter()
        .filter(|&&spec| Pages::in_sitemap(spec))
        .map(|&spec| feeds::SitemapEntry { url: pages.url(spec), lastmod: pages.lastmod(spec) })
        .collect();
    let mut extra = feeds::sitemaps(&config.base_url, &entries, feeds::SITEMAP_MAX_URLS);
    drop(entries);
    extra.push(("atom.xml".to_string(), atom_feed(pages, config)));
    extra.push(("robots.txt".to_string(), feeds::robots(&config.base_url)));
    extra
}

/// Problems that do not stop the build.
fn warnings(config: &Config, stats: &SearchStats) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(warning) = placeholder_base_url_warning(&config.base_url) {
        warnings.push(warning);
    }
    if stats.monolithic_bytes > LARGE_FILE_BYTES {
        warnings.push(format!(
            "{} is {:.0} MB; some static hosts refuse files over 25 MiB. The site's search does not use it: set `elasticlunr_index = false` in config.toml to leave it out",
            search::MONOLITHIC_FILE,
            stats.monolithic_bytes as f64 / 1e6
        ));
    }
    warnings
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
            rendered.too_deep_at.map(|offset| markdown_to_html::too_deep_error(path, line, body, offset))
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
        .enumerate()
        .take(config.feed_limit)
        .map(|(index, article)| {
            let meta = &article.loaded.item.meta;
            feeds::FeedEntry {
                title: &meta.title,
                url: site::article_url(&meta.slug),
                date: meta.date,
                summary: meta.answer.as_deref(),
                content_html: pages.body_html(index),
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
    // Built in parallel: the index waits on them, and its critical path
    // is most of a one-edit rebuild's.
    let articles = site.articles.par_iter().zip(&pages.bodies).enumerate().map(|(index, (article, body))| {
        let meta = &article.loaded.item.meta;
        let (regions, topics) = names(&article.regions, &article.topics);
        SearchDoc {
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
        }
    });
    let recommendations =
        site.recommendations.par_iter().zip(&pages.excerpts).enumerate().map(|(index, (rec, excerpt))| {
            let (regions, topics) = names(&rec.regions, &rec.topics);
            SearchDoc {
                url: site.url(ItemRef::Recommendation(index)),
                title: rec.loaded.item.meta.title.clone(),
                answer: String::new(),
                body: excerpt.text.as_str().into(),
                regions,
                topics,
                kind: "recommendation".into(),
                summary: markdown_to_html::truncate(&excerpt.text, 100),
                date: rec.loaded.item.meta.date.map(|d| d.to_string()).unwrap_or_default(),
                group: rec.loaded.item.meta.group.clone().unwrap_or_default(),
            }
        });
    articles.chain(recommendations).collect()
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
