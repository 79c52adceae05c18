//! Every HTML page of the site: its URL, template and tera context. The
//! pieces pages share (cards for list entries, rendered Markdown, the site
//! block) are built once; each page's context only picks among them.

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::model::{Date, Disclaimer, Notice};
use crate::site::{self, ItemRef, Site};
use crate::taxonomy::{Gazetteer, TopicVocabulary};

use super::markdown_to_html;
use super::text_cache::{self, TextCache};

/// Articles listed on a recommendation's page as having recommended it.
const SEEN_ON_SHOWN: usize = 20;
/// Characters of body text in summaries and meta descriptions.
const SUMMARY_CHARS: usize = 100;
/// Characters of a short answer shown as a card's label.
const ANSWER_LABEL_CHARS: usize = 40;
/// An article gets a table of contents from this many headings.
const TOC_MIN_HEADINGS: usize = 3;
/// Page links either side of the current page in numbered paging.
const PAGING_NEIGHBOURS: usize = 2;
/// The default share image of the theme, for `og:image`.
pub const SHARE_IMAGE: &str = "share.png";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageSpec {
    Home,
    /// Page `n` (1-based) of the list of all articles.
    Articles(usize),
    Article(usize),
    Recommendations(usize),
    Recommendation(usize),
    RegionsIndex,
    Region {
        term: usize,
        page: usize,
    },
    TopicsIndex,
    Topic {
        term: usize,
        page: usize,
    },
    Search,
    NotFound,
}

/// A body or excerpt rendered from Markdown: its text always, its HTML
/// once a page or the feed needs it when the text came from the cache.
pub struct Body {
    /// Plain text with block boundaries as single spaces.
    pub text: String,
    /// The first sentence of the first paragraph ([`first_sentence`]).
    pub lead: String,
    /// Where it nests too deep to publish (see [`markdown_to_html::too_deep_error`]).
    pub too_deep_at: Option<usize>,
    /// Digest of the Markdown, for the text cache.
    digest: u128,
    html: std::sync::OnceLock<String>,
}

impl Body {
    fn new(markdown: &str, texts: &TextCache) -> Body {
        let digest = TextCache::digest(markdown);
        match texts.get(digest) {
            Some(cached) => Body {
                text: cached.text.to_string(),
                lead: cached.lead.to_string(),
                too_deep_at: cached.too_deep_at,
                digest,
                html: std::sync::OnceLock::new(),
            },
            None => {
                let rendered = markdown_to_html::render(markdown);
                let html = std::sync::OnceLock::from(rendered.html);
                let lead = first_sentence(markdown, SUMMARY_CHARS);
                Body { text: rendered.text, lead, too_deep_at: rendered.too_deep_at, digest, html }
            }
        }
    }

    fn html<'m>(&self, markdown: impl FnOnce() -> std::borrow::Cow<'m, str>) -> &str {
        self.html.get_or_init(|| markdown_to_html::render(&markdown()).html)
    }
}

pub struct Pages<'a> {
    pub config: &'a Config,
    pub site: &'a Site<'a>,
    pub gazetteer: &'a Gazetteer,
    pub vocabulary: &'a TopicVocabulary,
    /// Rendered body of each of `site.articles`.
    pub bodies: Vec<Body>,
    /// Rendered excerpt of each of `site.recommendations`.
    pub excerpts: Vec<Body>,
    article_cards: Vec<Value>,
    recommendation_cards: Vec<Value>,
    common: Map<String, Value>,
    /// Path of the site root on its host, e.g. `/` or `/docs/`: the 404
    /// page is served at any depth, so it cannot link relatively.
    host_root: String,
}

impl<'a> Pages<'a> {
    /// Frees what only page rendering needs (body HTML, list cards) once
    /// every page is written: on a large site it is hundreds of megabytes
    /// that the search index can use instead.
    pub fn release_html(&mut self) {
        for body in self.bodies.iter_mut().chain(&mut self.excerpts) {
            body.html = std::sync::OnceLock::new();
        }
        self.article_cards = Vec::new();
        self.recommendation_cards = Vec::new();
    }

    pub fn new(
        config: &'a Config,
        site: &'a Site<'a>,
        gazetteer: &'a Gazetteer,
        vocabulary: &'a TopicVocabulary,
        favicon: bool,
        share_image: bool,
        texts: &TextCache,
    ) -> Pages<'a> {
        use rayon::prelude::*;
        let bodies: Vec<Body> = site.articles.par_iter().map(|a| Body::new(&a.loaded.item.body, texts)).collect();
        let excerpts: Vec<Body> = site
            .recommendations
            .par_iter()
            .map(|r| Body::new(&excerpt_with_ellipsis(&r.loaded.item.excerpt), texts))
            .collect();
        let article_cards = site
            .articles
            .par_iter()
            .zip(&bodies)
            .map(|(a, body)| {
                let meta = &a.loaded.item.meta;
                let mut card =
                    card("article", &meta.title, site::article_url(&meta.slug), meta.date, body.lead.clone());
                card["answer"] = json!(short_answer(meta.answer.as_deref()));
                card
            })
            .collect();
        let recommendation_cards = site
            .recommendations
            .par_iter()
            .zip(&excerpts)
            .map(|(r, excerpt)| {
                let meta = &r.loaded.item.meta;
                let summary = sentence_of(&excerpt.text, SUMMARY_CHARS);
                card("recommendation", &meta.title, site::recommendation_url(&meta.slug), meta.date, summary)
            })
            .collect();
        let mut common = Map::new();
        common.insert(
            "site".into(),
            json!({
                "title": config.title,
                "description": config.description,
                "base_url": config.base_url,
                "language": config.language,
            }),
        );
        common.insert("favicon".into(), Value::Bool(favicon));
        if share_image {
            common.insert("share_image".into(), Value::String(format!("{}/{SHARE_IMAGE}", config.base_url)));
        }
        Pages {
            config,
            site,
            gazetteer,
            vocabulary,
            bodies,
            excerpts,
            article_cards,
            recommendation_cards,
            common,
            host_root: host_root(&config.base_url),
        }
    }

    /// Digest of everything any page shows except article bodies and
    /// snippet excerpts: the settings, the vocabulary, every item's front
    /// matter and place in the site (taxonomies, related lists, terms) and
    /// every card. A body reaches other pages only through its item's card,
    /// which is included, so with this unchanged a page changes only if
    /// its own body does ([`Pages::own_text`]). The gazetteer is the one
    /// built into the program, which the cache's digests name.
    pub fn fingerprint(&self) -> [u8; 16] {
        use super::cache::HashWriter;
        use rayon::prelude::*;
        use std::hash::Hash;
        use std::io::Write;
        // Writing into a hasher cannot fail. Front matter and cards are
        // hashed as `Hash` feeds them, not as JSON: serialising every item
        // was a tenth of a one-edit rebuild. Hashing lengths and ending
        // strings with 0xff (never in UTF-8) keeps the feed unambiguous.
        fn digest(write: impl FnOnce(&mut HashWriter) -> std::io::Result<()>) -> u128 {
            let mut h = HashWriter::default();
            let _ = write(&mut h);
            h.0.digest128()
        }
        let site = self.site;
        let articles: Vec<u128> = site
            .articles
            .par_iter()
            .zip(&self.article_cards)
            .map(|(a, card)| {
                digest(|h| {
                    (&a.loaded.item.meta, card, &a.regions, &a.topics).hash(&mut h.0);
                    (&a.related_articles, &a.related_snippets).hash(&mut h.0);
                    Ok(())
                })
            })
            .collect();
        let recommendations: Vec<u128> = site
            .recommendations
            .par_iter()
            .zip(&self.recommendation_cards)
            .map(|(r, card)| {
                digest(|h| {
                    (&r.loaded.item.meta, card, &r.regions, &r.topics, &r.seen_on, r.answered_by).hash(&mut h.0);
                    Ok(())
                })
            })
            .collect();
        let whole = digest(|h| {
            write!(h, "{:?}\0{:?}\0{}\0", self.config, self.vocabulary, self.host_root)?;
            self.common.hash(&mut h.0);
            for term in &site.regions {
                write!(h, "\0{}{:?}{:?}", term.unit, term.children, term.items)?;
            }
            for term in &site.topics {
                write!(h, "\0{}{:?}", term.topic, term.items)?;
            }
            for d in articles.iter().chain(&[0]).chain(&recommendations) {
                h.write_all(&d.to_le_bytes())?;
            }
            Ok(())
        });
        whole.to_le_bytes()
    }

    /// The HTML of article `index`'s body.
    pub fn body_html(&self, index: usize) -> &str {
        self.bodies[index].html(|| self.site.articles[index].loaded.item.body.as_str().into())
    }

    /// The HTML of recommendation `index`'s excerpt.
    fn excerpt_html(&self, index: usize) -> &str {
        self.excerpts[index]
            .html(|| excerpt_with_ellipsis(&self.site.recommendations[index].loaded.item.excerpt).into())
    }

    /// The text cache's entries for every body and excerpt.
    pub fn texts(&self) -> Vec<text_cache::Entry<'_>> {
        self.bodies
            .iter()
            .chain(&self.excerpts)
            .map(|b| text_cache::Entry { digest: b.digest, text: &b.text, lead: &b.lead, too_deep_at: b.too_deep_at })
            .collect()
    }

    /// The text only the page of `spec` shows: an article's body or a
    /// snippet's excerpt.
    pub fn own_text(&self, spec: PageSpec) -> Option<&str> {
        match spec {
            PageSpec::Article(i) => Some(&self.site.articles[i].loaded.item.body),
            PageSpec::Recommendation(i) => Some(&self.site.recommendations[i].loaded.item.excerpt),
            _ => None,
        }
    }

    /// All pages in a fixed order: the sitemap lists them this way.
    pub fn specs(&self) -> Vec<PageSpec> {
        let size = self.config.page_size;
        let mut specs = vec![PageSpec::Home];
        specs.extend((1..=site::page_count(self.site.articles.len(), size)).map(PageSpec::Articles));
        specs.extend((0..self.site.articles.len()).map(PageSpec::Article));
        specs.extend((1..=site::page_count(self.site.recommendations.len(), size)).map(PageSpec::Recommendations));
        specs.extend((0..self.site.recommendations.len()).map(PageSpec::Recommendation));
        specs.push(PageSpec::RegionsIndex);
        for (term, region) in self.site.regions.iter().enumerate() {
            specs.extend((1..=site::page_count(region.items.len(), size)).map(|page| PageSpec::Region { term, page }));
        }
        specs.push(PageSpec::TopicsIndex);
        for (term, topic) in self.site.topics.iter().enumerate() {
            specs.extend((1..=site::page_count(topic.items.len(), size)).map(|page| PageSpec::Topic { term, page }));
        }
        specs.push(PageSpec::Search);
        specs.push(PageSpec::NotFound);
        specs
    }

    /// Root-relative URL, e.g. `topics/jiating-gongji/page/2/`.
    pub fn url(&self, spec: PageSpec) -> String {
        match spec {
            PageSpec::Home => String::new(),
            PageSpec::Articles(page) => site::paginated_url("articles/", page),
            PageSpec::Article(i) => self.site.url(ItemRef::Article(i)),
            PageSpec::Recommendations(page) => site::paginated_url("recommendations/", page),
            PageSpec::Recommendation(i) => self.site.url(ItemRef::Recommendation(i)),
            PageSpec::RegionsIndex => "regions/".into(),
            PageSpec::Region { term, page } => site::paginated_url(&self.region_url(term), page),
            PageSpec::TopicsIndex => "topics/".into(),
            PageSpec::Topic { term, page } => site::paginated_url(&self.topic_url(term), page),
            PageSpec::Search => "search/".into(),
            PageSpec::NotFound => "404.html".into(),
        }
    }

    pub fn output_path(&self, spec: PageSpec) -> String {
        match spec {
            PageSpec::NotFound => "404.html".into(),
            _ => format!("{}index.html", self.url(spec)),
        }
    }

    pub fn in_sitemap(spec: PageSpec) -> bool {
        spec != PageSpec::NotFound
    }

    /// The newest content date a page shows, for the sitemap.
    pub fn lastmod(&self, spec: PageSpec) -> Option<Date> {
        let all_newest = || self.site.articles.first().and_then(|a| a.loaded.item.meta.date);
        match spec {
            PageSpec::Home | PageSpec::RegionsIndex | PageSpec::TopicsIndex => all_newest(),
            PageSpec::Articles(page) => {
                let items: Vec<ItemRef> =
                    self.page_slice(self.site.articles.len(), page).map(ItemRef::Article).collect();
                self.site.newest(&items)
            }
            PageSpec::Recommendations(page) => {
                let items: Vec<ItemRef> =
                    self.page_slice(self.site.recommendations.len(), page).map(ItemRef::Recommendation).collect();
                self.site.newest(&items)
            }
            PageSpec::Article(i) => self.site.date(ItemRef::Article(i)),
            PageSpec::Recommendation(i) => self.site.date(ItemRef::Recommendation(i)),
            PageSpec::Region { term, page } => {
                let items = &self.site.regions[term].items;
                self.site.newest(&items[self.page_slice(items.len(), page)])
            }
            PageSpec::Topic { term, page } => {
                let items = &self.site.topics[term].items;
                self.site.newest(&items[self.page_slice(items.len(), page)])
            }
            PageSpec::Search | PageSpec::NotFound => None,
        }
    }

    /// The template and context of a page.
    pub fn context(&self, spec: PageSpec) -> (&'static str, Value) {
        let url = self.url(spec);
        let mut context = self.common.clone();
        let (root, canonical) = if spec == PageSpec::NotFound {
            (self.host_root.clone(), String::new())
        } else {
            let depth = url.matches('/').count();
            let root = if depth == 0 { "./".to_string() } else { "../".repeat(depth) };
            (root, format!("{}/{url}", self.config.base_url))
        };
        context.insert("root".into(), Value::String(root));
        context.insert("canonical".into(), Value::String(canonical));
        let (template, page) = match spec {
            PageSpec::Home => ("index.html", self.home()),
            PageSpec::Article(i) => ("article.html", self.article(i)),
            PageSpec::Recommendation(i) => ("recommendation.html", self.recommendation(i)),
            PageSpec::Articles(page) => {
                let cards = self.page_slice(self.site.articles.len(), page).map(|i| &self.article_cards[i]).collect();
                (
                    "list.html",
                    self.list(
                        "articles",
                        "全部文章",
                        None,
                        vec![crumb("首页", "")],
                        cards,
                        Vec::new(),
                        "articles/",
                        page,
                        self.site.articles.len(),
                    ),
                )
            }
            PageSpec::Recommendations(page) => {
                let cards = self
                    .page_slice(self.site.recommendations.len(), page)
                    .map(|i| &self.recommendation_cards[i])
                    .collect();
                let description =
                    Some("在各地问答平台的“相关推荐”中看到的内容摘录，未经本站核实；每条注明来源类别和看到的日期。");
                let total = self.site.recommendations.len();
                (
                    "list.html",
                    self.list(
                        "recommendations",
                        "推荐摘录",
                        description,
                        vec![crumb("首页", "")],
                        cards,
                        Vec::new(),
                        "recommendations/",
                        page,
                        total,
                    ),
                )
            }
            PageSpec::RegionsIndex => ("regions.html", self.regions_index()),
            PageSpec::Region { term, page } => ("list.html", self.region(term, page)),
            PageSpec::TopicsIndex => ("topics.html", self.topics_index()),
            PageSpec::Topic { term, page } => ("list.html", self.topic(term, page)),
            PageSpec::Search => ("search.html", json!({"section": "search", "title": "搜索"})),
            PageSpec::NotFound => ("404.html", json!({"section": "", "title": "页面不存在"})),
        };
        if let Value::Object(page) = page {
            context.extend(page);
        }
        if let (Some(Value::Array(crumbs)), Some(Value::String(title))) =
            (context.get("breadcrumbs"), context.get("title"))
        {
            let json_ld = breadcrumb_json_ld(&self.config.base_url, crumbs, title, &url);
            context.insert("breadcrumb_json_ld".into(), Value::String(json_ld));
        }
        (template, Value::Object(context))
    }

    fn page_slice(&self, len: usize, page: usize) -> std::ops::Range<usize> {
        let size = self.config.page_size.max(1);
        let start = ((page.max(1) - 1) * size).min(len);
        start..(start + size).min(len)
    }

    fn cards_of(&self, items: &[ItemRef]) -> Vec<&Value> {
        items
            .iter()
            .map(|&item| match item {
                ItemRef::Article(i) => &self.article_cards[i],
                ItemRef::Recommendation(i) => &self.recommendation_cards[i],
            })
            .collect()
    }

    fn region_url(&self, term: usize) -> String {
        site::region_url(&self.gazetteer.units[self.site.regions[term].unit].slug_path)
    }

    fn topic_url(&self, term: usize) -> String {
        site::topic_url(&self.vocabulary.topics[self.site.topics[term].topic].slug)
    }

    fn region_chip(&self, unit: usize) -> Value {
        let unit = &self.gazetteer.units[unit];
        json!({"name": unit.name, "path": unit.path, "url": site::region_url(&unit.slug_path)})
    }

    fn topic_chip(&self, topic: usize) -> Value {
        let topic = &self.vocabulary.topics[topic];
        json!({"name": topic.name, "url": site::topic_url(&topic.slug)})
    }

    /// 首页 › 地区 › each unit from the province down to `unit`, inclusive.
    fn region_crumbs(&self, unit: usize) -> Vec<Value> {
        let mut crumbs = vec![crumb("首页", ""), crumb("地区", "regions/")];
        let unit = &self.gazetteer.units[unit];
        for u in self.gazetteer.lineage(unit) {
            crumbs.push(crumb(&u.name, &site::region_url(&u.slug_path)));
        }
        crumbs
    }

    fn home(&self) -> Value {
        let latest: Vec<&Value> = self.article_cards.iter().take(self.config.feed_limit).collect();
        let topics: Vec<Value> = (0..self.site.topics.len()).map(|t| self.topic_entry(t)).collect();
        let provinces: Vec<Value> = self.site.provinces(self.gazetteer).map(|t| self.region_entry(t)).collect();
        json!({
            "section": "home",
            "title": self.config.title,
            "description": self.config.description,
            "latest": latest,
            "topics": topics,
            "provinces": provinces,
            "article_count": self.site.articles.len(),
        })
    }

    fn topic_entry(&self, term: usize) -> Value {
        let topic = &self.vocabulary.topics[self.site.topics[term].topic];
        json!({
            "name": topic.name,
            "description": topic.description,
            "url": self.topic_url(term),
            "count": self.site.topics[term].items.len(),
        })
    }

    fn region_entry(&self, term: usize) -> Value {
        let region = &self.site.regions[term];
        json!({
            "name": self.gazetteer.units[region.unit].name,
            "url": self.region_url(term),
            "count": region.items.len(),
        })
    }

    fn article(&self, index: usize) -> Value {
        let article = &self.site.articles[index];
        let meta = &article.loaded.item.meta;
        let breadcrumbs = match article.regions.first() {
            Some(&unit) => self.region_crumbs(unit),
            None => vec![crumb("首页", ""), crumb("文章", "articles/")],
        };
        let related_articles: Vec<Value> = article
            .related_articles
            .iter()
            .map(|&a| {
                let meta = &self.site.articles[a].loaded.item.meta;
                json!({"title": meta.title, "url": site::article_url(&meta.slug), "date": meta.date.map(|d| d.to_string())})
            })
            .collect();
        let related_snippets: Vec<Value> = article
            .related_snippets
            .iter()
            .map(|&r| {
                let meta = &self.site.recommendations[r].loaded.item.meta;
                json!({"title": meta.title, "url": site::recommendation_url(&meta.slug), "date": meta.date.map(|d| d.to_string())})
            })
            .collect();
        let (body_html, toc) = with_table_of_contents(self.body_html(index));
        let updated = meta.updated.filter(|&updated| meta.date.is_none_or(|date| updated > date));
        json!({
            "section": "articles",
            "title": meta.title,
            "description": description(meta.answer.as_deref(), &self.bodies[index].lead),
            "og_type": "article",
            "breadcrumbs": breadcrumbs,
            "page": {
                "title": meta.title,
                "answer": meta.answer,
                "date": meta.date.map(|d| d.to_string()),
                "updated": updated.map(|d| d.to_string()),
                "body": body_html,
                "toc": toc,
                "applies_to": self.applies_to(&article.regions),
                "regions": article.regions.iter().map(|&u| self.region_chip(u)).collect::<Vec<_>>(),
                "topics": article.topics.iter().map(|&t| self.topic_chip(t)).collect::<Vec<_>>(),
                "disclaimer": disclaimer_name(meta.disclaimer),
                "sourcing": meta.notices.contains(&Notice::Sourcing),
                "related_articles": related_articles,
                "related_snippets": related_snippets,
            },
        })
    }

    /// The regions an answer applies to, as links; empty means 全国.
    fn applies_to(&self, regions: &[usize]) -> Vec<Value> {
        regions
            .iter()
            .map(|&u| {
                let unit = &self.gazetteer.units[u];
                json!({"name": unit.path.replace('/', ""), "url": site::region_url(&unit.slug_path)})
            })
            .collect()
    }

    fn recommendation(&self, index: usize) -> Value {
        let rec = &self.site.recommendations[index];
        let meta = &rec.loaded.item.meta;
        let excerpt = &self.excerpts[index];
        let breadcrumbs = match rec.regions.first() {
            Some(&unit) => self.region_crumbs(unit),
            None => vec![crumb("首页", ""), crumb("推荐摘录", "recommendations/")],
        };
        // A snippet can be seen on thousands of pages; list the newest few.
        let mut newest: Vec<usize> = rec.seen_on.clone();
        newest.sort_by(|&a, &b| {
            let (a, b) = (&self.site.articles[a].loaded.item.meta, &self.site.articles[b].loaded.item.meta);
            b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug))
        });
        newest.truncate(SEEN_ON_SHOWN);
        let seen_on: Vec<Value> = newest
            .iter()
            .map(|&a| {
                let article = &self.site.articles[a].loaded.item.meta;
                json!({"title": article.title, "url": site::article_url(&article.slug)})
            })
            .collect();
        let answered_by = rec.answered_by.map(|a| {
            let article = &self.site.articles[a].loaded.item.meta;
            json!({"title": article.title, "url": site::article_url(&article.slug)})
        });
        json!({
            "section": "recommendations",
            "title": meta.title,
            "description": sentence_of(&excerpt.text, SUMMARY_CHARS),
            "og_type": "article",
            "breadcrumbs": breadcrumbs,
            "page": {
                "title": meta.title,
                "excerpt": self.excerpt_html(index),
                "date": meta.date.map(|d| d.to_string()),
                "first_seen": meta.first_seen.map(|d| d.to_string()),
                "last_seen": meta.last_seen.map(|d| d.to_string()),
                "category": meta.category,
                "answered_by": answered_by,
                "applies_to": self.applies_to(&rec.regions),
                "disclaimer": disclaimer_name(meta.disclaimer),
                "regions": rec.regions.iter().map(|&u| self.region_chip(u)).collect::<Vec<_>>(),
                "topics": rec.topics.iter().map(|&t| self.topic_chip(t)).collect::<Vec<_>>(),
                "seen_on": seen_on,
                "seen_on_total": rec.seen_on.len(),
            },
        })
    }

    fn regions_index(&self) -> Value {
        fn node(pages: &Pages<'_>, term: usize) -> Value {
            let mut entry = pages.region_entry(term);
            let children: Vec<Value> = pages.site.regions[term].children.iter().map(|&c| node(pages, c)).collect();
            entry["children"] = Value::Array(children);
            entry
        }
        let tree: Vec<Value> = self.site.provinces(self.gazetteer).map(|t| node(self, t)).collect();
        json!({
            "section": "regions",
            "title": "按地区浏览",
            "description": "按省、市、区县浏览医保政策问答。",
            "breadcrumbs": [crumb("首页", "")],
            "tree": tree,
        })
    }

    fn region(&self, term: usize, page: usize) -> Value {
        let region = &self.site.regions[term];
        let unit = &self.gazetteer.units[region.unit];
        let mut breadcrumbs = self.region_crumbs(region.unit);
        breadcrumbs.pop();
        let children: Vec<Value> = region.children.iter().map(|&c| self.region_entry(c)).collect();
        let cards = self.cards_of(&region.items[self.page_slice(region.items.len(), page)]);
        let title = format!("{}医保政策", unit.name);
        let description = format!("{}的医保、社保政策问答与常见问题。", unit.path.replace('/', ""));
        self.list(
            "regions",
            &title,
            Some(&description),
            breadcrumbs,
            cards,
            children,
            &self.region_url(term),
            page,
            region.items.len(),
        )
    }

    fn topics_index(&self) -> Value {
        let topics: Vec<Value> = (0..self.site.topics.len()).map(|t| self.topic_entry(t)).collect();
        json!({
            "section": "topics",
            "title": "按话题浏览",
            "description": "按话题浏览医保政策问答：个人账户、家庭共济、异地就医等。",
            "breadcrumbs": [crumb("首页", "")],
            "topics": topics,
        })
    }

    fn topic(&self, term: usize, page: usize) -> Value {
        let topic_term = &self.site.topics[term];
        let topic = &self.vocabulary.topics[topic_term.topic];
        let cards = self.cards_of(&topic_term.items[self.page_slice(topic_term.items.len(), page)]);
        let breadcrumbs = vec![crumb("首页", ""), crumb("话题", "topics/")];
        let description = Some(topic.description.as_str()).filter(|d| !d.is_empty());
        self.list(
            "topics",
            &topic.name,
            description,
            breadcrumbs,
            cards,
            Vec::new(),
            &self.topic_url(term),
            page,
            topic_term.items.len(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        section: &str,
        title: &str,
        description: Option<&str>,
        breadcrumbs: Vec<Value>,
        items: Vec<&Value>,
        children: Vec<Value>,
        base: &str,
        page: usize,
        total_items: usize,
    ) -> Value {
        let pages = site::page_count(total_items, self.config.page_size);
        let title_with_page = if page > 1 { format!("{title}（第 {page} 页）") } else { title.to_string() };
        json!({
            "section": section,
            "title": title_with_page,
            "description": description.unwrap_or(&self.config.description),
            "breadcrumbs": breadcrumbs,
            "list": {
                "title": title,
                "description": description,
                "total": total_items,
                "children": children,
            },
            "items": items,
            "pagination": {
                "current": page,
                "total": pages,
                "prev": (page > 1).then(|| site::paginated_url(base, page - 1)),
                "next": (page < pages).then(|| site::paginated_url(base, page + 1)),
                "links": page_links(page, pages).into_iter().map(|n| n.map(|n| json!({
                    "number": n,
                    "url": site::paginated_url(base, n),
                }))).collect::<Vec<_>>(),
            },
        })
    }
}

fn crumb(name: &str, url: &str) -> Value {
    json!({"name": name, "url": url})
}

fn card(kind: &str, title: &str, url: String, date: Option<Date>, summary: String) -> Value {
    json!({"kind": kind, "title": title, "url": url, "date": date.map(|d| d.to_string()), "summary": summary})
}

pub fn article_summary(answer: Option<&str>, body: &Body) -> String {
    match answer.map(str::trim).filter(|a| !a.is_empty()) {
        Some(answer) => markdown_to_html::truncate(answer, SUMMARY_CHARS * 2),
        None => markdown_to_html::truncate(&body.text, SUMMARY_CHARS),
    }
}

/// A page's meta description: the short answer, then the body's first
/// sentence (`lead`), never headings run into text.
fn description(answer: Option<&str>, lead: &str) -> String {
    match answer.map(str::trim).filter(|a| !a.is_empty()) {
        Some(answer) => format!("{} {lead}", markdown_to_html::truncate(answer, SUMMARY_CHARS)).trim_end().to_string(),
        None => lead.to_string(),
    }
}

fn disclaimer_name(disclaimer: Disclaimer) -> &'static str {
    match disclaimer {
        Disclaimer::Policy => "policy",
        Disclaimer::Medical => "medical",
    }
}

/// A short answer fit for a card's label; long answers are cut.
fn short_answer(answer: Option<&str>) -> Option<String> {
    answer.map(str::trim).filter(|a| !a.is_empty()).map(|a| markdown_to_html::truncate(a, ANSWER_LABEL_CHARS))
}

/// Page numbers to link in paging, `None` where numbers are left out:
/// the first, the last and a few either side of the current page.
fn page_links(current: usize, total: usize) -> Vec<Option<usize>> {
    let near = current.saturating_sub(PAGING_NEIGHBOURS).max(1)..=(current + PAGING_NEIGHBOURS).min(total);
    let mut links = Vec::new();
    for n in 1..=total {
        if n == 1 || n == total || near.contains(&n) {
            links.push(Some(n));
        } else if links.last() != Some(&None) {
            links.push(None);
        }
    }
    links
}

/// Whether a scraped excerpt ends where its sentence does; the source cut
/// the others at a length.
fn ends_a_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['。', '！', '？', '!', '?', '…', '”', '」', '）', ')', '；'])
}

/// The excerpt with `…` where the source cut it mid-sentence.
fn excerpt_with_ellipsis(excerpt: &str) -> String {
    let text = excerpt.trim_end();
    if text.is_empty() || ends_a_sentence(text) { text.to_string() } else { format!("{text}…") }
}

/// The first sentence of `text`, at most `max` characters, with `…` when cut.
fn sentence_of(text: &str, max: usize) -> String {
    let end = text.char_indices().find(|&(_, c)| matches!(c, '。' | '！' | '？')).map(|(at, c)| at + c.len_utf8());
    let sentence = end.map_or(text, |end| &text[..end]).trim();
    let cut = markdown_to_html::truncate(sentence, max);
    if end.is_none() && !cut.ends_with('…') && !ends_a_sentence(&cut) && !cut.is_empty() {
        // The whole text had no sentence end: it was cut before us.
        return format!("{cut}…");
    }
    cut
}

/// The first sentence of the first paragraph of a Markdown body, skipping
/// headings and lists, so that a card never runs headings into its text.
fn first_sentence(markdown: &str, max: usize) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut text = String::new();
    let mut depth = 0usize;
    let mut in_paragraph = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. } | Tag::List(_) | Tag::BlockQuote(_) | Tag::Table(_)) => depth += 1,
            Event::End(TagEnd::Heading(_) | TagEnd::List(_) | TagEnd::BlockQuote(_) | TagEnd::Table) => {
                depth = depth.saturating_sub(1)
            }
            Event::Start(Tag::Paragraph) if depth == 0 => in_paragraph = true,
            Event::End(TagEnd::Paragraph) if in_paragraph => break,
            Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    sentence_of(text.trim(), max)
}

/// Gives the body's `h2`/`h3` headings ids and returns the table of
/// contents linking them, when there are enough headings to need one.
/// The body is our own renderer's output, whose headings carry no attributes.
fn with_table_of_contents(html: &str) -> (String, Vec<Value>) {
    let headings = html.matches("<h2>").count() + html.matches("<h3>").count();
    if headings < TOC_MIN_HEADINGS {
        return (html.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(html.len() + headings * 16);
    let mut toc = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<h2>").into_iter().chain(rest.find("<h3>")).min() {
        let level = &rest[start + 2..start + 3];
        let close = format!("</h{level}>");
        let Some(end) = rest[start..].find(&close).map(|e| start + e) else { break };
        let id = format!("s-{}", toc.len() + 1);
        out.push_str(&rest[..start]);
        out.push_str(&format!("<h{level} id=\"{id}\">"));
        let inner = &rest[start + 4..end];
        out.push_str(inner);
        toc.push(json!({"id": id, "level": level.parse::<u8>().unwrap_or(2), "html": strip_tags(inner)}));
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, toc)
}

/// Escaped text of an HTML fragment, tags removed.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// schema.org BreadcrumbList for the page's crumbs and the page itself.
/// `<` is escaped so that no title can close the script element.
fn breadcrumb_json_ld(base_url: &str, crumbs: &[Value], title: &str, url: &str) -> String {
    let mut items: Vec<Value> = crumbs
        .iter()
        .map(|c| (c["name"].as_str().unwrap_or_default(), c["url"].as_str().unwrap_or_default()))
        .chain(std::iter::once((title, url)))
        .enumerate()
        .map(|(i, (name, url))| {
            json!({"@type": "ListItem", "position": i + 1, "name": name, "item": format!("{base_url}/{url}")})
        })
        .collect();
    if let Some(Value::Object(last)) = items.last_mut() {
        last.remove("item");
    }
    let list = json!({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items});
    list.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// `https://example.org/docs` → `/docs/`; `https://example.org` → `/`.
fn host_root(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
    format!("{}/", path.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_links_first_last_and_neighbours() {
        let numbers = |current, total| -> Vec<String> {
            page_links(current, total).iter().map(|n| n.map_or("…".to_string(), |n| n.to_string())).collect()
        };
        assert_eq!(numbers(250, 500), ["1", "…", "248", "249", "250", "251", "252", "…", "500"]);
        assert_eq!(numbers(1, 3), ["1", "2", "3"]);
        assert_eq!(numbers(2, 9), ["1", "2", "3", "4", "…", "9"]);
    }

    #[test]
    fn card_text_is_the_first_sentence_of_the_first_paragraph() {
        let body = "## 一、医保个人账户的性质\n\n### 资金性质\n\n医保个人账户是职工医保的一部分。资金来自缴费。\n";
        assert_eq!(first_sentence(body, 100), "医保个人账户是职工医保的一部分。");
        assert_eq!(first_sentence("一二三四五六", 3), "一二三…");
        assert_eq!(first_sentence("没有句号的截断文字", 100), "没有句号的截断文字…");
    }

    #[test]
    fn cut_excerpts_end_in_an_ellipsis() {
        assert_eq!(excerpt_with_ellipsis("广州医保可以在东莞使用，但需要先"), "广州医保可以在东莞使用，但需要先…");
        assert_eq!(excerpt_with_ellipsis("可以使用。\n"), "可以使用。");
    }

    #[test]
    fn headings_get_ids_and_a_table_of_contents_from_three() {
        let (html, toc) = with_table_of_contents("<h2>一</h2>\n<p>x</p>\n<h3>二 <em>b</em></h3>\n<h2>三</h2>\n");
        assert_eq!(
            html,
            "<h2 id=\"s-1\">一</h2>\n<p>x</p>\n<h3 id=\"s-2\">二 <em>b</em></h3>\n<h2 id=\"s-3\">三</h2>\n"
        );
        assert_eq!(toc[1]["html"], "二 b");
        assert_eq!(with_table_of_contents("<h2>一</h2><h2>二</h2>").1.len(), 0);
    }

    #[test]
    fn breadcrumb_json_ld_cannot_close_its_script() {
        let crumbs = [crumb("首页", "")];
        let ld = breadcrumb_json_ld("https://example.org", &crumbs, "</script><b>", "articles/x/");
        assert!(!ld.contains('<'), "{ld}");
        let parsed: Value = serde_json::from_str(&ld).unwrap();
        assert_eq!(parsed["itemListElement"][0]["item"], "https://example.org/");
        assert_eq!(parsed["itemListElement"][1]["name"], "</script><b>");
    }

    #[test]
    fn host_root_is_the_path_of_the_base_url() {
        assert_eq!(host_root("https://example.org"), "/");
        assert_eq!(host_root("https://example.org/docs"), "/docs/");
        assert_eq!(host_root(""), "/");
    }
}
