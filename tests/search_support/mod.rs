//! Search documents made from the fixture pages, and the throwaway sites
//! the JS tests run against: shared by `tests/search_site.rs` and
//! `benches/search_synthetic.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use policypress::search::SearchDoc;
use policypress::slug::slugify;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/raw");
const SEARCH_JS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/static/search.js");

/// Region and topic chips for the dev site; the real ones come from
/// classification, which this test does not depend on.
pub fn chips(text: &str) -> (Vec<String>, Vec<String>) {
    let places =
        [("巴中", "四川省/巴中市"), ("深圳", "广东省/深圳市"), ("广州", "广东省/广州市"), ("汕头", "广东省/汕头市")];
    let topics = [("缴费", "缴费"), ("个人账户", "个人账户"), ("余额", "个人账户"), ("异地", "异地就医")];
    let mut regions: Vec<String> =
        places.iter().filter(|(k, _)| text.contains(k)).map(|(_, v)| v.to_string()).collect();
    let mut names: Vec<String> = topics.iter().filter(|(k, _)| text.contains(k)).map(|(_, v)| v.to_string()).collect();
    regions.dedup();
    names.dedup();
    (regions, names)
}

fn summary_of(text: &str) -> String {
    text.chars().take(120).collect()
}

/// Articles (the top of each fixture page) and the recommendation snippets
/// listed under 相关推荐 (title, excerpt, `健康新闻 <date>`).
pub fn fixture_docs() -> Vec<SearchDoc<'static>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(FIXTURES).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut docs = Vec::new();
    for path in paths {
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let end = lines
            .iter()
            .position(|l| l.starts_with("提示:") || *l == "相关推荐" || *l == "大家都在搜")
            .unwrap_or(lines.len());
        let title = lines[0].to_string();
        let body_lines: Vec<&str> = lines[1..end].iter().copied().filter(|l| !l.starts_with("本信息整理自")).collect();
        let answer = match body_lines.first() {
            Some(first) if first.chars().count() <= 30 => first.to_string(),
            _ => String::new(),
        };
        let body = body_lines.join("\n");
        let (regions, topics) = chips(&title);
        docs.push(SearchDoc {
            url: format!("articles/{}/", slugify(&title)),
            summary: summary_of(&body_lines.join("")),
            title,
            answer,
            body: body.into(),
            regions,
            topics,
            kind: "article".into(),
            date: "2025-03-14".into(),
            group: String::new(),
        });
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("健康新闻 ") && i >= 2 {
                let (title, excerpt) = (lines[i - 2].to_string(), lines[i - 1].to_string());
                let (regions, topics) = chips(&title);
                docs.push(SearchDoc {
                    url: format!("recommendations/{}/", slugify(&title)),
                    summary: summary_of(&excerpt),
                    title,
                    answer: String::new(),
                    body: excerpt.into(),
                    regions,
                    topics,
                    kind: "recommendation".into(),
                    date: line.trim_start_matches("健康新闻 ").to_string(),
                    group: String::new(),
                });
            }
        }
    }
    docs
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A page following the DOM contract of search.js; `root` is the relative
/// path back to the site root.
fn page(root: &str, title: &str, main: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="zh-CN" data-root="{root}">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<header><form role="search" action="{root}search/" class="site-search"><input type="search" name="q" id="q" placeholder="搜索医保问题" aria-label="搜索"></form></header>
<main>{main}</main>
<script src="{root}search.js" defer></script>
</body>
</html>
"#,
        title = escape(title)
    )
}

/// Writes home and search pages and search.js into `dir`, and a page per
/// document when `doc_pages` (the 10k site skips them).
pub fn write_pages(docs: &[SearchDoc], dir: &Path, doc_pages: bool) {
    fs::create_dir_all(dir).unwrap();
    fs::copy(SEARCH_JS, dir.join("search.js")).unwrap();
    fs::write(dir.join("index.html"), page("./", "医保问答", "<h1>医保问答</h1>")).unwrap();
    fs::create_dir_all(dir.join("search")).unwrap();
    let results =
        r#"<h1>搜索</h1><p id="search-status" role="status" aria-live="polite"></p><div id="search-results"></div>"#;
    fs::write(dir.join("search/index.html"), page("../", "搜索", results)).unwrap();
    for doc in docs.iter().filter(|_| doc_pages) {
        let page_dir = dir.join(&doc.url);
        fs::create_dir_all(&page_dir).unwrap();
        let main = format!("<h1>{}</h1><p>{}</p>", escape(&doc.title), escape(&doc.body));
        fs::write(page_dir.join("index.html"), page("../../", &doc.title, &main)).unwrap();
    }
}

/// A deterministic pseudo-random sequence (no dependency needed for this).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// `count` documents recombined from fixture sentences: a fifth long
/// articles, the rest snippet-sized, titles made distinct with a place name.
pub fn synthetic_docs(count: usize) -> Vec<SearchDoc<'static>> {
    let fixtures = fixture_docs();
    let sentences: Vec<String> = fixtures
        .iter()
        .flat_map(|d| {
            d.body
                .split(['。', '\n'])
                .map(str::trim)
                .filter(|s| s.chars().count() > 4)
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect();
    let places = [
        "北京", "上海", "广州", "深圳", "巴中", "成都", "杭州", "南京", "武汉", "西安", "汕头", "东莞", "大庆", "鞍山",
        "昆明", "郑州",
    ];
    let mut rng = Lcg(42);
    (0..count)
        .map(|i| {
            let base = &fixtures[rng.below(fixtures.len())];
            let place = places[rng.below(places.len())];
            let article = i % 5 == 0;
            let n = if article { 15 + rng.below(30) } else { 2 + rng.below(5) };
            let body: Vec<&str> = (0..n).map(|_| sentences[rng.below(sentences.len())].as_str()).collect();
            let body = body.join("。");
            let title = format!("{place}{}", base.title);
            let (regions, topics) = chips(&title);
            SearchDoc {
                url: format!("{}/{}-{i}/", if article { "articles" } else { "recommendations" }, slugify(&title)),
                summary: summary_of(&body),
                answer: if article { sentences[rng.below(sentences.len())].clone() } else { String::new() },
                title,
                body: body.into(),
                regions,
                topics,
                kind: if article { "article" } else { "recommendation" }.into(),
                date: format!("2025-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                group: String::new(),
            }
        })
        .collect()
}
