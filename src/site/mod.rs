//! The Site model: which content gets built, how each item resolves to
//! gazetteer regions, topics and other items, the related lists, and the
//! taxonomy terms with their items in display order. The rules content
//! must follow to get here are [`rules`]. Pure apart from re-reading a
//! broken file to point an error at the right line.

pub mod rules;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cmp::Reverse;

use rayon::prelude::*;

use crate::config::Config;
use crate::content::{ContentError, ContentTree, Loaded};
use crate::layout::SiteLayout;
use crate::model::{Article, Date, Recommendation};
use crate::taxonomy::{Gazetteer, TopicVocabulary};

/// An item that has a page of its own: an index into [`Site::articles`] or
/// [`Site::recommendations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemRef {
    Article(usize),
    Recommendation(usize),
}

/// Most of our own articles an article's 相关推荐 lists.
pub const RELATED_ARTICLES: usize = 5;
/// Most snippets an article's 相关推荐 lists after our articles.
pub const RELATED_SNIPPETS: usize = 8;
/// Items of each topic or region list (newest first) considered for an
/// article's related lists, so that a topic with 100k items costs no more
/// than a small one.
const RELATED_CANDIDATES_PER_TERM: usize = 150;
/// Names the related ranking in [`RelatedLinks::digest`]; bumped whenever
/// the ranking changes, so that no build reuses lists ranked the old way.
const RELATED_RANKING: &str = "related-v1";

#[derive(Debug)]
pub struct SiteArticle<'a> {
    pub loaded: &'a Loaded<Article>,
    /// Gazetteer unit indices, front-matter order.
    pub regions: Vec<usize>,
    /// Vocabulary indices, front-matter order.
    pub topics: Vec<usize>,
    /// Our other articles sharing a topic or region, most similar first.
    pub related_articles: Vec<usize>,
    /// Snippets with a page of their own sharing a topic or region, most
    /// similar first, one per near-duplicate group; never `relevant: false`.
    pub related_snippets: Vec<usize>,
}

#[derive(Debug)]
pub struct SiteRecommendation<'a> {
    pub loaded: &'a Loaded<Recommendation>,
    pub regions: Vec<usize>,
    pub topics: Vec<usize>,
    /// Built articles that listed this snippet, as indices into [`Site::articles`].
    pub seen_on: Vec<usize>,
    /// Our article that answers the same question, if one does.
    pub answered_by: Option<usize>,
}

/// A gazetteer unit that has items, directly or below it.
#[derive(Debug)]
pub struct RegionTerm {
    pub unit: usize,
    /// Region terms one level down, in gazetteer order.
    pub children: Vec<usize>,
    /// Items tagged with this unit or any unit below it, in display order.
    pub items: Vec<ItemRef>,
}

#[derive(Debug)]
pub struct TopicTerm {
    /// Index into the vocabulary.
    pub topic: usize,
    pub items: Vec<ItemRef>,
}

#[derive(Debug)]
pub struct Site<'a> {
    /// Built articles, newest first (undated last), then by slug.
    pub articles: Vec<SiteArticle<'a>>,
    /// Snippets that get a page of their own, newest first, then by slug.
    pub recommendations: Vec<SiteRecommendation<'a>>,
    /// Non-empty region terms in tree pre-order: each province, then its
    /// descendants, in gazetteer order.
    pub regions: Vec<RegionTerm>,
    /// Non-empty topic terms in vocabulary order.
    pub topics: Vec<TopicTerm>,
    /// Region term index of each gazetteer unit that has one.
    region_terms: HashMap<usize, usize>,
    /// The related lists as computed (or reused), for the build cache.
    pub related: RelatedLinks,
}

/// Every article's related lists and every snippet's `answered_by`, with a
/// digest of everything they are computed from. Ranking them is the costly
/// part of the model (each article scores about a thousand candidates), and
/// an edit to a body changes none of the inputs, so a rebuild hands in the
/// previous build's lists and they are reused when the digest matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelatedLinks {
    pub digest: u128,
    /// `(related_articles, related_snippets)` of each article, site order.
    articles: Vec<(Vec<usize>, Vec<usize>)>,
    /// `answered_by` of each snippet with a page, site order.
    answered_by: Vec<Option<usize>>,
}

impl RelatedLinks {
    /// One line per article (`articles <tab> snippets`, comma-separated),
    /// then one per snippet (an article index or `-`), after a header
    /// holding the digest and the counts.
    pub fn to_text(&self) -> String {
        let join = |list: &[usize]| list.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        let mut text = format!(
            "{RELATED_RANKING}\t{}\t{:032x}\t{}\t{}\n",
            env!("CARGO_PKG_VERSION"),
            self.digest,
            self.articles.len(),
            self.answered_by.len()
        );
        for (articles, snippets) in &self.articles {
            text.push_str(&format!("{}\t{}\n", join(articles), join(snippets)));
        }
        for answered in &self.answered_by {
            text.push_str(&answered.map_or_else(|| "-".to_string(), |a| a.to_string()));
            text.push('\n');
        }
        text
    }

    /// Whether these lists can belong to a site of this size: a damaged
    /// cache must not index past its items.
    fn fits(&self, articles: usize, snippets: usize) -> bool {
        self.articles.len() == articles
            && self.answered_by.len() == snippets
            && self.articles.iter().all(|(a, s)| a.iter().all(|&i| i < articles) && s.iter().all(|&i| i < snippets))
            && self.answered_by.iter().flatten().all(|&i| i < articles)
    }

    /// The lists [`RelatedLinks::to_text`] wrote, or `None` for anything
    /// written by another version or damaged.
    pub fn parse(text: &str) -> Option<RelatedLinks> {
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next()?.split('\t').collect();
        let [ranking, version, digest, articles, snippets] = header[..] else { return None };
        if ranking != RELATED_RANKING || version != env!("CARGO_PKG_VERSION") {
            return None;
        }
        let list = |field: &str| -> Option<Vec<usize>> {
            if field.is_empty() { Some(Vec::new()) } else { field.split(',').map(|n| n.parse().ok()).collect() }
        };
        let articles = (0..articles.parse::<usize>().ok()?)
            .map(|_| {
                let (a, s) = lines.next()?.split_once('\t')?;
                Some((list(a)?, list(s)?))
            })
            .collect::<Option<Vec<_>>>()?;
        let answered_by = (0..snippets.parse::<usize>().ok()?)
            .map(|_| match lines.next()? {
                "-" => Some(None),
                n => n.parse().ok().map(Some),
            })
            .collect::<Option<Vec<_>>>()?;
        lines.next().is_none().then_some(())?;
        Some(RelatedLinks { digest: u128::from_str_radix(digest, 16).ok()?, articles, answered_by })
    }
}

impl<'a> Site<'a> {
    pub fn region_term(&self, unit: usize) -> Option<usize> {
        self.region_terms.get(&unit).copied()
    }

    /// Region terms for provinces, in gazetteer order.
    pub fn provinces<'s>(&'s self, gazetteer: &'s Gazetteer) -> impl Iterator<Item = usize> + 's {
        (0..self.regions.len()).filter(move |&t| gazetteer.units[self.regions[t].unit].parent.is_none())
    }

    pub fn date(&self, item: ItemRef) -> Option<Date> {
        match item {
            ItemRef::Article(i) => self.articles[i].loaded.item.meta.date,
            ItemRef::Recommendation(i) => self.recommendations[i].loaded.item.meta.date,
        }
    }

    /// Root-relative URL of an item's page, e.g. `articles/x/`.
    pub fn url(&self, item: ItemRef) -> String {
        match item {
            ItemRef::Article(i) => article_url(&self.articles[i].loaded.item.meta.slug),
            ItemRef::Recommendation(i) => recommendation_url(&self.recommendations[i].loaded.item.meta.slug),
        }
    }

    /// The newest date among `items`, for sitemap `lastmod` of list pages.
    pub fn newest(&self, items: &[ItemRef]) -> Option<Date> {
        items.iter().filter_map(|&item| self.date(item)).max()
    }
}

pub fn article_url(slug: &str) -> String {
    format!("articles/{slug}/")
}

pub fn recommendation_url(slug: &str) -> String {
    format!("recommendations/{slug}/")
}

pub fn topic_url(slug: &str) -> String {
    format!("topics/{slug}/")
}

pub fn region_url(slug_path: &str) -> String {
    format!("regions/{slug_path}/")
}

/// Number of pages a list of `len` items takes; an empty list still has one.
pub fn page_count(len: usize, page_size: usize) -> usize {
    len.div_ceil(page_size.max(1)).max(1)
}

/// URL of page `page` (1-based) of a list whose first page is `base`.
pub fn paginated_url(base: &str, page: usize) -> String {
    if page <= 1 { base.to_string() } else { format!("{base}page/{page}/") }
}

/// Everything the model is built from.
#[derive(Clone, Copy)]
pub struct SiteInput<'a> {
    pub layout: &'a SiteLayout,
    pub config: &'a Config,
    pub tree: &'a ContentTree,
    pub vocabulary: &'a TopicVocabulary,
    pub gazetteer: &'a Gazetteer,
    /// The last build's related lists, reused if nothing they depend on changed.
    pub previous_related: Option<&'a RelatedLinks>,
    /// Whether articles marked `draft: true` are built.
    pub drafts: bool,
}

/// Builds the model, or every problem found in the content, sorted by file
/// and line, so that one run reports them all.
pub fn build_site(input: SiteInput<'_>) -> Result<Site<'_>, Vec<ContentError>> {
    let mut errors = input.tree.errors.clone();
    errors.extend(rules::validate(rules::RulesInput {
        layout: input.layout,
        tree: input.tree,
        gazetteer: input.gazetteer,
        vocabulary: Some(input.vocabulary),
    }));
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message)));
        errors.dedup();
        return Err(errors);
    }
    let resolver = Resolver::new(input.gazetteer, input.vocabulary);
    let include = |relevant: bool| relevant || input.config.include_irrelevant;

    let articles_by_slug = index_slugs(input.tree.articles.iter().map(|a| a.item.meta.slug.as_str()));
    let recs_by_slug = index_slugs(input.tree.recommendations.iter().map(|r| r.item.meta.slug.as_str()));

    // A draft is left out as an irrelevant article is: what links to it
    // links elsewhere, and its snippets get pages of their own.
    let mut built_articles: Vec<usize> = (0..input.tree.articles.len())
        .filter(|&i| {
            let meta = &input.tree.articles[i].item.meta;
            include(meta.relevant) && (input.drafts || !meta.draft)
        })
        .collect();
    built_articles.sort_by(|&a, &b| {
        let (a, b) = (&input.tree.articles[a].item.meta, &input.tree.articles[b].item.meta);
        (Reverse(a.date), &a.slug).cmp(&(Reverse(b.date), &b.slug))
    });
    let site_article_of: HashMap<usize, usize> = built_articles.iter().enumerate().map(|(s, &t)| (t, s)).collect();

    // A snippet that is an excerpt of one of our built articles links there
    // instead of getting a page of its own.
    let mut recommendation_targets: Vec<Option<ItemRef>> = vec![None; input.tree.recommendations.len()];
    let mut own_pages: Vec<usize> = Vec::new();
    for (index, rec) in input.tree.recommendations.iter().enumerate() {
        let meta = &rec.item.meta;
        let article = meta.article.as_deref().and_then(|slug| articles_by_slug.get(slug).copied());
        if let Some(site_index) = article.and_then(|a| site_article_of.get(&a)) {
            recommendation_targets[index] = Some(ItemRef::Article(*site_index));
        } else if include(meta.relevant) {
            own_pages.push(index);
        }
    }
    own_pages.sort_by(|&a, &b| {
        let (a, b) = (&input.tree.recommendations[a].item.meta, &input.tree.recommendations[b].item.meta);
        (Reverse(a.date), &a.slug).cmp(&(Reverse(b.date), &b.slug))
    });
    for (site_index, &index) in own_pages.iter().enumerate() {
        recommendation_targets[index] = Some(ItemRef::Recommendation(site_index));
    }

    // Which articles each near-duplicate group is an excerpt of, so that an
    // article never recommends a variant of itself.
    let mut group_articles: HashMap<&str, Vec<&str>> = HashMap::default();
    for rec in &input.tree.recommendations {
        if let (Some(group), Some(article)) = (&rec.item.meta.group, &rec.item.meta.article) {
            group_articles.entry(group.as_str()).or_default().push(article.as_str());
        }
    }

    // Articles resolve independently, in parallel. The page's own list
    // feeds the related lists as candidates; what the reader sees is
    // ranked later.
    let (articles, listed_by_page): (Vec<SiteArticle<'_>>, Vec<Vec<ItemRef>>) = built_articles
        .par_iter()
        .map(|&index| {
            let loaded = &input.tree.articles[index];
            let meta = &loaded.item.meta;
            let listed = meta
                .recommendations
                .iter()
                .filter_map(|slug| recs_by_slug.get(slug.as_str()))
                .filter_map(|&rec_index| recommendation_targets[rec_index])
                .collect();
            let (regions, topics) = (resolver.regions(&meta.regions), resolver.topics(&meta.topics));
            let article =
                SiteArticle { loaded, regions, topics, related_articles: Vec::new(), related_snippets: Vec::new() };
            (article, listed)
        })
        .unzip();

    // Snippets resolve independently too: a popular one was seen on
    // hundreds of articles.
    let recommendations: Vec<SiteRecommendation<'_>> = own_pages
        .par_iter()
        .map(|&index| {
            let loaded = &input.tree.recommendations[index];
            let meta = &loaded.item.meta;
            let (regions, topics) = (resolver.regions(&meta.regions), resolver.topics(&meta.topics));
            // `seen_on` records where import saw the snippet; an article deleted
            // since then is history rather than a broken link, so it is skipped.
            let mut seen_on: Vec<usize> = meta
                .seen_on
                .iter()
                .filter_map(|slug| articles_by_slug.get(slug.as_str()))
                .filter_map(|article| site_article_of.get(article).copied())
                .collect();
            seen_on.sort_unstable();
            seen_on.dedup();
            SiteRecommendation { loaded, regions, topics, seen_on, answered_by: None }
        })
        .collect();

    let mut site = Site {
        articles,
        recommendations,
        regions: Vec::new(),
        topics: Vec::new(),
        region_terms: HashMap::default(),
        related: RelatedLinks::default(),
    };
    let (regions, region_terms) = region_terms(&site, input.gazetteer);
    site.topics = topic_terms(&site, input.vocabulary.topics.len());
    site.regions = regions;
    site.region_terms = region_terms;
    let digest = related_digest(&site, &listed_by_page, &group_articles);
    let related = match input.previous_related {
        Some(previous)
            if previous.digest == digest && previous.fits(site.articles.len(), site.recommendations.len()) =>
        {
            previous.clone()
        }
        _ => RelatedLinks { digest, ..rank_related(&site, input.gazetteer, &listed_by_page, &group_articles) },
    };
    for (article, (related_articles, related_snippets)) in site.articles.iter_mut().zip(&related.articles) {
        article.related_articles.clone_from(related_articles);
        article.related_snippets.clone_from(related_snippets);
    }
    for (rec, answered_by) in site.recommendations.iter_mut().zip(&related.answered_by) {
        rec.answered_by = *answered_by;
    }
    site.related = related;
    Ok(site)
}

/// What similarity is judged on: topics, regions and title character pairs.
struct Profile {
    topics: Vec<usize>,
    regions: Vec<usize>,
    /// `regions` and every unit above them.
    lineage: Vec<usize>,
    bigrams: Vec<(char, char)>,
    /// `bigrams` less those found in most titles (`医保`), which say nothing.
    words: Vec<(char, char)>,
    relevant: bool,
}

impl Profile {
    fn new(gazetteer: &Gazetteer, title: &str, topics: &[usize], regions: &[usize], relevant: bool) -> Profile {
        let mut lineage = Vec::new();
        for &unit in regions {
            let mut current = Some(unit);
            while let Some(u) = current {
                lineage.push(u);
                current = gazetteer.units[u].parent;
            }
        }
        lineage.sort_unstable();
        lineage.dedup();
        let bigrams = title_bigrams(title);
        Profile { topics: topics.to_vec(), regions: regions.to_vec(), lineage, words: Vec::new(), bigrams, relevant }
    }
}

/// Adjacent pairs of letters, digits and Han characters in a title, sorted.
fn title_bigrams(title: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = title.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    let mut pairs: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn shared<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                count += 1;
                i += 1;
                j += 1;
            }
        }
    }
    count
}

/// How closely `candidate` relates to `article`; `None` when they share
/// neither a topic nor a region, which is what "related" means here.
fn similarity(article: &Profile, candidate: &Profile) -> Option<usize> {
    let topics = article.topics.iter().filter(|t| candidate.topics.contains(t)).count();
    let same_region = article.regions.iter().any(|r| candidate.regions.contains(r));
    let same_area = shared(&article.lineage, &candidate.lineage) > 0;
    if topics == 0 && !same_area {
        return None;
    }
    let words = shared(&article.words, &candidate.words);
    Some(4 * topics + if same_region { 3 } else { usize::from(same_area) } + words.min(6))
}

/// Digest of everything [`rank_related`] reads: each item's slug, title,
/// taxonomies, relevance and date (which also fix the order of the topic
/// and region lists it draws candidates from), each page's own list, and
/// which articles each near-duplicate group excerpts.
fn related_digest(site: &Site<'_>, listed_by_page: &[Vec<ItemRef>], group_articles: &HashMap<&str, Vec<&str>>) -> u128 {
    // Length-prefixed fields, so that no two different inputs write the
    // same bytes.
    fn text(out: &mut Vec<u8>, s: &str) {
        number(out, s.len());
        out.extend_from_slice(s.as_bytes());
    }
    fn number(out: &mut Vec<u8>, n: usize) {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    fn numbers(out: &mut Vec<u8>, ns: impl ExactSizeIterator<Item = usize>) {
        number(out, ns.len());
        ns.for_each(|n| number(out, n));
    }
    fn item(out: &mut Vec<u8>, meta: (&str, &str, bool, Option<Date>), topics: &[usize], regions: &[usize]) {
        let (slug, title, relevant, date) = meta;
        text(out, slug);
        text(out, title);
        text(out, &date.map(|d| d.to_string()).unwrap_or_default());
        number(out, usize::from(relevant));
        numbers(out, topics.iter().copied());
        numbers(out, regions.iter().copied());
    }
    let mut out = Vec::new();
    text(&mut out, RELATED_RANKING);
    text(&mut out, env!("CARGO_PKG_VERSION"));
    number(&mut out, site.articles.len());
    for (article, listed) in site.articles.iter().zip(listed_by_page) {
        let meta = &article.loaded.item.meta;
        item(&mut out, (&meta.slug, &meta.title, meta.relevant, meta.date), &article.topics, &article.regions);
        numbers(
            &mut out,
            listed.iter().map(|item| match *item {
                ItemRef::Article(i) => 2 * i,
                ItemRef::Recommendation(i) => 2 * i + 1,
            }),
        );
    }
    number(&mut out, site.recommendations.len());
    for rec in &site.recommendations {
        let meta = &rec.loaded.item.meta;
        item(&mut out, (&meta.slug, &meta.title, meta.relevant, meta.date), &rec.topics, &rec.regions);
        text(&mut out, meta.group.as_deref().unwrap_or("\u{0}"));
    }
    let mut groups: Vec<(&&str, &Vec<&str>)> = group_articles.iter().collect();
    groups.sort();
    number(&mut out, groups.len());
    for (group, articles) in groups {
        text(&mut out, group);
        number(&mut out, articles.len());
        articles.iter().for_each(|a| text(&mut out, a));
    }
    xxhash_rust::xxh3::xxh3_128(&out)
}

/// Ranks each article's related lists and finds each snippet's `answered_by`.
fn rank_related(
    site: &Site<'_>,
    gazetteer: &Gazetteer,
    listed_by_page: &[Vec<ItemRef>],
    group_articles: &HashMap<&str, Vec<&str>>,
) -> RelatedLinks {
    let mut article_profiles: Vec<Profile> = site
        .articles
        .iter()
        .map(|a| {
            let meta = &a.loaded.item.meta;
            Profile::new(gazetteer, &meta.title, &a.topics, &a.regions, meta.relevant)
        })
        .collect();
    let mut snippet_profiles: Vec<Profile> = site
        .recommendations
        .iter()
        .map(|r| {
            let meta = &r.loaded.item.meta;
            Profile::new(gazetteer, &meta.title, &r.topics, &r.regions, meta.relevant)
        })
        .collect();
    let mut frequency: HashMap<(char, char), usize> = HashMap::default();
    for profile in article_profiles.iter().chain(&snippet_profiles) {
        for &pair in &profile.bigrams {
            *frequency.entry(pair).or_default() += 1;
        }
    }
    let titles = article_profiles.len() + snippet_profiles.len();
    for profile in article_profiles.iter_mut().chain(&mut snippet_profiles) {
        profile.words = profile.bigrams.iter().copied().filter(|pair| frequency[pair] * 4 <= titles).collect();
    }
    let profile = |item: ItemRef| match item {
        ItemRef::Article(i) => &article_profiles[i],
        ItemRef::Recommendation(i) => &snippet_profiles[i],
    };
    let group_of = |i: usize| {
        let meta = &site.recommendations[i].loaded.item.meta;
        meta.group.as_deref().unwrap_or(&meta.slug)
    };

    let lists: Vec<(Vec<usize>, Vec<usize>)> = (0..site.articles.len())
        .into_par_iter()
        .map(|index| {
            let article = &site.articles[index];
            let own = &article_profiles[index];
            let mut candidates: Vec<ItemRef> = listed_by_page[index].clone();
            for &topic in &article.topics {
                if let Some(term) = site.topics.iter().find(|t| t.topic == topic) {
                    candidates.extend(term.items.iter().take(RELATED_CANDIDATES_PER_TERM));
                }
            }
            for &unit in &own.lineage {
                if let Some(term) = site.region_term(unit) {
                    candidates.extend(site.regions[term].items.iter().take(RELATED_CANDIDATES_PER_TERM));
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            let slug = article.loaded.item.meta.slug.as_str();
            let mut scored: Vec<(usize, Reverse<Option<Date>>, ItemRef)> = candidates
                .into_iter()
                .filter(|&item| item != ItemRef::Article(index) && profile(item).relevant)
                .filter(|&item| match item {
                    ItemRef::Recommendation(i) => {
                        !group_articles.get(group_of(i)).is_some_and(|articles| articles.contains(&slug))
                    }
                    ItemRef::Article(_) => true,
                })
                .filter_map(|item| similarity(own, profile(item)).map(|score| (score, Reverse(site.date(item)), item)))
                .collect();
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            let articles: Vec<usize> = scored
                .iter()
                .filter_map(|&(_, _, item)| match item {
                    ItemRef::Article(i) => Some(i),
                    ItemRef::Recommendation(_) => None,
                })
                .take(RELATED_ARTICLES)
                .collect();
            let mut groups: HashSet<&str> = HashSet::default();
            let snippets: Vec<usize> = scored
                .iter()
                .filter_map(|&(_, _, item)| match item {
                    ItemRef::Recommendation(i) if groups.insert(group_of(i)) => Some(i),
                    _ => None,
                })
                .take(RELATED_SNIPPETS)
                .collect();
            (articles, snippets)
        })
        .collect();

    // A snippet is answered by the article its near-duplicate group is an
    // excerpt of, or else by an article on its topic asking much the same
    // question: at least half of the two titles' character pairs shared.
    let article_by_slug: HashMap<&str, usize> =
        site.articles.iter().enumerate().map(|(i, a)| (a.loaded.item.meta.slug.as_str(), i)).collect();
    let answered: Vec<Option<usize>> = (0..site.recommendations.len())
        .into_par_iter()
        .map(|index| {
            let by_group = group_articles
                .get(group_of(index))
                .and_then(|slugs| slugs.iter().filter_map(|s| article_by_slug.get(s).copied()).min());
            by_group.or_else(|| {
                let own = &snippet_profiles[index];
                own.topics
                    .iter()
                    .filter_map(|&topic| site.topics.iter().find(|t| t.topic == topic))
                    .flat_map(|term| term.items.iter().take(RELATED_CANDIDATES_PER_TERM))
                    .filter_map(|&item| match item {
                        ItemRef::Article(a) => Some(a),
                        ItemRef::Recommendation(_) => None,
                    })
                    .filter_map(|a| {
                        let other = &article_profiles[a].bigrams;
                        let both = shared(&own.bigrams, other);
                        (both > 0 && both * 3 >= own.bigrams.len() + other.len()).then_some((both, Reverse(a)))
                    })
                    .max()
                    .map(|(_, Reverse(a))| a)
            })
        })
        .collect();
    RelatedLinks { digest: 0, articles: lists, answered_by: answered }
}

/// Every item with a page, in list display order: newest first, undated
/// last, articles before snippets on the same day, then by slug.
fn items_in_order(site: &Site<'_>) -> Vec<ItemRef> {
    let mut items: Vec<ItemRef> = (0..site.articles.len())
        .map(ItemRef::Article)
        .chain((0..site.recommendations.len()).map(ItemRef::Recommendation))
        .collect();
    let slug = |item: ItemRef| match item {
        ItemRef::Article(i) => site.articles[i].loaded.item.meta.slug.as_str(),
        ItemRef::Recommendation(i) => site.recommendations[i].loaded.item.meta.slug.as_str(),
    };
    items.sort_by(|&a, &b| {
        (Reverse(site.date(a)), matches!(a, ItemRef::Recommendation(_)), slug(a)).cmp(&(
            Reverse(site.date(b)),
            matches!(b, ItemRef::Recommendation(_)),
            slug(b),
        ))
    });
    items
}

fn item_taxonomies<'s>(site: &'s Site<'_>, item: ItemRef) -> (&'s [usize], &'s [usize]) {
    match item {
        ItemRef::Article(i) => (&site.articles[i].regions, &site.articles[i].topics),
        ItemRef::Recommendation(i) => (&site.recommendations[i].regions, &site.recommendations[i].topics),
    }
}

/// One pass over the items in display order fills every term, so each
/// term's list comes out sorted without sorting it.
fn region_terms(site: &Site<'_>, gazetteer: &Gazetteer) -> (Vec<RegionTerm>, HashMap<usize, usize>) {
    let mut items_of_unit: HashMap<usize, Vec<ItemRef>> = HashMap::default();
    let mut units: Vec<usize> = Vec::new();
    for item in items_in_order(site) {
        units.clear();
        for &unit in item_taxonomies(site, item).0 {
            let mut current = Some(unit);
            while let Some(u) = current {
                if !units.contains(&u) {
                    units.push(u);
                }
                current = gazetteer.units[u].parent;
            }
        }
        for &unit in &units {
            items_of_unit.entry(unit).or_default().push(item);
        }
    }
    let mut children_of: HashMap<Option<usize>, Vec<usize>> = HashMap::default();
    for &unit in items_of_unit.keys() {
        children_of.entry(gazetteer.units[unit].parent).or_default().push(unit);
    }
    for children in children_of.values_mut() {
        children.sort_unstable();
    }
    let mut terms = Vec::with_capacity(items_of_unit.len());
    let mut term_of_unit = HashMap::with_capacity_and_hasher(items_of_unit.len(), Default::default());
    let mut stack: Vec<usize> = children_of.get(&None).map(|p| p.iter().rev().copied().collect()).unwrap_or_default();
    while let Some(unit) = stack.pop() {
        term_of_unit.insert(unit, terms.len());
        terms.push(RegionTerm { unit, children: Vec::new(), items: items_of_unit.remove(&unit).unwrap_or_default() });
        if let Some(children) = children_of.get(&Some(unit)) {
            stack.extend(children.iter().rev());
        }
    }
    for term in &mut terms {
        if let Some(children) = children_of.get(&Some(term.unit)) {
            term.children = children.iter().map(|u| term_of_unit[u]).collect();
        }
    }
    (terms, term_of_unit)
}

fn topic_terms(site: &Site<'_>, topic_count: usize) -> Vec<TopicTerm> {
    let mut items_of_topic: Vec<Vec<ItemRef>> = vec![Vec::new(); topic_count];
    for item in items_in_order(site) {
        for &topic in item_taxonomies(site, item).1 {
            items_of_topic[topic].push(item);
        }
    }
    items_of_topic
        .into_iter()
        .enumerate()
        .filter(|(_, items)| !items.is_empty())
        .map(|(topic, items)| TopicTerm { topic, items })
        .collect()
}

/// Maps slugs to item indices; [`rules`] made sure each is used once.
fn index_slugs<'a>(slugs: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    slugs.enumerate().map(|(index, slug)| (slug, index)).collect()
}

/// Resolves front-matter region paths and topic names, which [`rules`]
/// made sure exist.
struct Resolver<'g> {
    units_by_path: HashMap<&'g str, usize>,
    topics_by_name: HashMap<&'g str, usize>,
}

impl<'g> Resolver<'g> {
    fn new(gazetteer: &'g Gazetteer, vocabulary: &'g TopicVocabulary) -> Self {
        let units_by_path = gazetteer.units.iter().enumerate().map(|(i, u)| (u.path.as_str(), i)).collect();
        let topics_by_name = vocabulary.topics.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
        Resolver { units_by_path, topics_by_name }
    }

    /// Gazetteer unit indices, front-matter order, each once.
    fn regions(&self, names: &[String]) -> Vec<usize> {
        resolve(names, &self.units_by_path)
    }

    /// Vocabulary indices, front-matter order, each once.
    fn topics(&self, names: &[String]) -> Vec<usize> {
        resolve(names, &self.topics_by_name)
    }
}

fn resolve(names: &[String], index: &HashMap<&str, usize>) -> Vec<usize> {
    let mut found = Vec::with_capacity(names.len());
    for &i in names.iter().filter_map(|name| index.get(name.as_str())) {
        if !found.contains(&i) {
            found.push(i);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_counted_and_numbered_from_one() {
        assert_eq!(page_count(0, 20), 1);
        assert_eq!(page_count(20, 20), 1);
        assert_eq!(page_count(21, 20), 2);
        assert_eq!(paginated_url("topics/a/", 1), "topics/a/");
        assert_eq!(paginated_url("topics/a/", 3), "topics/a/page/3/");
    }

    #[test]
    fn cached_related_lists_round_trip_and_damage_is_a_miss() {
        let links = RelatedLinks {
            digest: 0x1234_5678_9abc_def0_1122_3344_5566_7788,
            articles: vec![(vec![1], vec![]), (vec![0], vec![0, 3, 4])],
            answered_by: vec![None, Some(1), None, None, Some(0)],
        };
        let text = links.to_text();
        assert_eq!(RelatedLinks::parse(&text), Some(links));
        assert_eq!(RelatedLinks::parse(&text[..text.len() - 2]), None, "a truncated file");
        assert_eq!(RelatedLinks::parse(&format!("{text}9\n")), None, "a line too many");
        assert_eq!(RelatedLinks::parse(&text.replacen("related-v1", "related-v0", 1)), None, "another ranking");
        assert_eq!(RelatedLinks::parse(&text.replacen("0,3,4", "0,x,4", 1)), None, "not a number");
        let parsed = RelatedLinks::parse(&text).unwrap();
        assert!(parsed.fits(2, 5));
        assert!(!parsed.fits(2, 4), "a snippet index past the end");
        assert!(!parsed.fits(3, 5), "another number of articles");
    }
}
