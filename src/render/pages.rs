//! Every HTML page of the site: its URL, template and tera context. The
//! pieces pages share (cards for list entries, rendered Markdown, the site
//! block) are built once; each page's context only picks among them.

use serde_json::{Map, Value, json};

use crate::classify::{Gazetteer, TopicVocabulary};
use crate::config::Config;
use crate::content::ContentTree;
use crate::model::{Date, Notice};
use crate::site::{self, ItemRef, Site};

use super::markdown::{self, Rendered};

/// Articles listed on a recommendation's page as having recommended it.
const SEEN_ON_SHOWN: usize = 20;
/// Characters of body text in summaries and meta descriptions.
const SUMMARY_CHARS: usize = 100;

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

pub struct Pages<'a> {
    pub config: &'a Config,
    pub site: &'a Site<'a>,
    pub tree: &'a ContentTree,
    pub gazetteer: &'a Gazetteer,
    pub vocabulary: &'a TopicVocabulary,
    /// Rendered body of each of `site.articles`.
    pub bodies: Vec<Rendered>,
    /// Rendered excerpt of each of `site.recommendations`.
    pub excerpts: Vec<Rendered>,
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
        for rendered in self.bodies.iter_mut().chain(&mut self.excerpts) {
            rendered.html = String::new();
        }
        self.article_cards = Vec::new();
        self.recommendation_cards = Vec::new();
    }

    pub fn new(
        config: &'a Config,
        site: &'a Site<'a>,
        tree: &'a ContentTree,
        gazetteer: &'a Gazetteer,
        vocabulary: &'a TopicVocabulary,
        favicon: bool,
    ) -> Pages<'a> {
        use rayon::prelude::*;
        let bodies: Vec<Rendered> = site.articles.par_iter().map(|a| markdown::render(&a.loaded.item.body)).collect();
        let excerpts: Vec<Rendered> =
            site.recommendations.par_iter().map(|r| markdown::render(&r.loaded.item.excerpt)).collect();
        let article_cards = site
            .articles
            .iter()
            .zip(&bodies)
            .map(|(a, body)| {
                let meta = &a.loaded.item.meta;
                card(
                    "article",
                    &meta.title,
                    site::article_url(&meta.slug),
                    meta.date,
                    article_summary(meta.answer.as_deref(), body),
                )
            })
            .collect();
        let recommendation_cards = site
            .recommendations
            .iter()
            .zip(&excerpts)
            .map(|(r, excerpt)| {
                let meta = &r.loaded.item.meta;
                let summary = markdown::truncate(&excerpt.text, SUMMARY_CHARS);
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
        Pages {
            config,
            site,
            tree,
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
                let description = Some("各地医保问答平台上常见的推荐内容摘录，附原文要点。");
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
        let body = &self.bodies[index];
        let breadcrumbs = match article.regions.first() {
            Some(&unit) => self.region_crumbs(unit),
            None => vec![crumb("首页", ""), crumb("文章", "articles/")],
        };
        let related: Vec<Value> = article
            .related
            .iter()
            .map(|related| {
                let rec = &self.tree.recommendations[related.recommendation].item.meta;
                let kind = match related.target {
                    ItemRef::Article(_) => "article",
                    ItemRef::Recommendation(_) => "recommendation",
                };
                json!({"title": rec.title, "url": self.site.url(related.target), "kind": kind, "date": rec.date.map(|d| d.to_string())})
            })
            .collect();
        let notices: Vec<&str> = meta
            .notices
            .iter()
            .map(|n| match n {
                Notice::Medical => "medical",
                Notice::Sourcing => "sourcing",
            })
            .collect();
        json!({
            "section": "articles",
            "title": meta.title,
            "description": article_summary(meta.answer.as_deref(), body),
            "og_type": "article",
            "breadcrumbs": breadcrumbs,
            "page": {
                "title": meta.title,
                "answer": meta.answer,
                "date": meta.date.map(|d| d.to_string()),
                "body": body.html,
                "regions": article.regions.iter().map(|&u| self.region_chip(u)).collect::<Vec<_>>(),
                "topics": article.topics.iter().map(|&t| self.topic_chip(t)).collect::<Vec<_>>(),
                "notices": notices,
                "related": related,
            },
        })
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
        json!({
            "section": "recommendations",
            "title": meta.title,
            "description": markdown::truncate(&excerpt.text, SUMMARY_CHARS),
            "og_type": "article",
            "breadcrumbs": breadcrumbs,
            "page": {
                "title": meta.title,
                "excerpt": excerpt.html,
                "date": meta.date.map(|d| d.to_string()),
                "category": meta.category,
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

pub fn article_summary(answer: Option<&str>, body: &Rendered) -> String {
    match answer.map(str::trim).filter(|a| !a.is_empty()) {
        Some(answer) => markdown::truncate(answer, SUMMARY_CHARS * 2),
        None => markdown::truncate(&body.text, SUMMARY_CHARS),
    }
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
    fn host_root_is_the_path_of_the_base_url() {
        assert_eq!(host_root("https://example.org"), "/");
        assert_eq!(host_root("https://example.org/docs"), "/docs/");
        assert_eq!(host_root(""), "/");
    }
}
