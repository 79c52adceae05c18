//! The search index over the fixture pages, and the throwaway sites the JS
//! tests run against until the real builder writes one.
//!
//! * `POLICYPRESS_WRITE_SITE=dir cargo test --test search_site dev_site`
//!   writes a minimal site (index, search page, one page per document,
//!   search.js) following the DOM contract at the top of search.js.
//! * `POLICYPRESS_WRITE_SITE=dir cargo test --release --test search_site
//!   synthetic -- --ignored` writes 10,000 synthetic documents recombined
//!   from the fixtures (`POLICYPRESS_SYNTHETIC_DOCS` to change the count)
//!   and prints how long the index took and how big it is.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use policypress::search::{SearchDoc, write_index};
use policypress::slug::slugify;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/raw");
const SEARCH_JS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/static/search.js");

/// Region and topic chips for the dev site; the real ones come from
/// classification, which this test does not depend on.
fn chips(text: &str) -> (Vec<String>, Vec<String>) {
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
fn fixture_docs() -> Vec<SearchDoc<'static>> {
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

/// Every file under `dir` with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_path_buf(), fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn index_is_byte_identical_whatever_the_input_order_and_on_rebuild() {
    let docs = fixture_docs();
    assert!(docs.len() > 60, "fixtures should yield articles and snippets, got {}", docs.len());
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let stats = write_index(&docs, a.path(), None, true, |_| None, &Default::default()).unwrap().stats;
    let mut reversed = docs.clone();
    reversed.reverse();
    write_index(&reversed, b.path(), None, true, |_| None, &Default::default()).unwrap();
    assert_eq!(snapshot(a.path()), snapshot(b.path()));
    // A rebuild into the same directory leaves exactly one shard generation.
    write_index(&docs, a.path(), None, true, |_| None, &Default::default()).unwrap();
    assert_eq!(snapshot(a.path()), snapshot(b.path()));

    let on_disk: u64 = snapshot(a.path()).iter().map(|(_, bytes)| bytes.len() as u64).sum();
    assert_eq!(stats.index_bytes, on_disk);
    assert!(stats.monolithic_bytes > 0);
    let distinct_urls: std::collections::BTreeSet<_> = docs.iter().map(|d| &d.url).collect();
    assert_eq!(stats.documents, distinct_urls.len());
    println!(
        "fixture index: {} docs, {} files, {} bytes total, search_index.zh.json {} bytes",
        stats.documents, stats.shard_files, stats.index_bytes, stats.monolithic_bytes
    );
}

#[test]
fn a_changed_document_replaces_the_shard_generation() {
    let mut docs = fixture_docs();
    let dir = tempfile::tempdir().unwrap();
    write_index(&docs, dir.path(), None, true, |_| None, &Default::default()).unwrap();
    let before = fs::read_to_string(dir.path().join("search/manifest.json")).unwrap();
    docs[0].title.push_str("（更新）");
    write_index(&docs, dir.path(), None, true, |_| None, &Default::default()).unwrap();
    let after = fs::read_to_string(dir.path().join("search/manifest.json")).unwrap();
    assert_ne!(before, after);
    let generations =
        fs::read_dir(dir.path().join("search")).unwrap().filter(|e| e.as_ref().unwrap().path().is_dir()).count();
    assert_eq!(generations, 1, "stale shard sets must be removed");
}

#[test]
fn unchanged_shards_are_linked_from_the_previous_site() {
    use std::os::unix::fs::MetadataExt;
    let mut docs = fixture_docs();
    let (old, new, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_index(&docs, old.path(), None, true, |_| None, &Default::default()).unwrap();
    // One character of one body: field lengths, and so every other weight, stay.
    let doc = docs.iter_mut().find(|d| d.body.contains('医')).unwrap();
    doc.body = doc.body.replacen('医', "药", 1).into();
    let written = write_index(&docs, new.path(), Some(old.path()), true, |_| None, &Default::default()).unwrap();
    write_index(&docs, clean.path(), None, true, |_| None, &Default::default()).unwrap();
    assert_eq!(snapshot(new.path()), snapshot(clean.path()), "linking changes no byte");

    let inodes = |dir: &Path| -> std::collections::BTreeSet<u64> {
        let files = walkdir::WalkDir::new(dir).into_iter().map(Result::unwrap).filter(|e| e.file_type().is_file());
        files.map(|e| e.metadata().unwrap().ino()).collect()
    };
    let shared = inodes(new.path()).intersection(&inodes(old.path())).count();
    assert!(shared * 4 > written.files.len() * 3, "{shared} of {} files shared", written.files.len());
    let mut listed = written.files.clone();
    listed.sort();
    let on_disk: Vec<String> =
        snapshot(new.path()).into_iter().map(|(rel, _)| rel.to_string_lossy().into_owned()).collect();
    assert_eq!(listed, on_disk, "the files reported are the files written");
}

#[test]
fn empty_site_gets_a_loadable_empty_index() {
    let dir = tempfile::tempdir().unwrap();
    let stats = write_index(&[], dir.path(), None, true, |_| None, &Default::default()).unwrap().stats;
    assert_eq!(stats.documents, 0);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("search/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["docs"], 0);
    assert_eq!(manifest["buckets"], 1);
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
fn write_pages(docs: &[SearchDoc], dir: &Path, doc_pages: bool) {
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

#[test]
fn dev_site() {
    let mut docs = fixture_docs();
    // A hostile contribution: the browser test checks it stays text.
    docs.push(SearchDoc {
        url: "recommendations/hostile/".into(),
        title: r#"<svg onload="confirm(9)">恶意标题测试</a><iframe srcdoc=prompt(7)>"#.into(),
        answer: String::new(),
        body: "恶意标题测试的正文<b onmouseover=prompt(8)>粗体</b>".into(),
        regions: Vec::new(),
        topics: vec!["<i>话题</i>".into()],
        kind: "recommendation".into(),
        summary: String::new(),
        date: "2025-01-01".into(),
        group: String::new(),
    });
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POLICYPRESS_WRITE_SITE").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    write_index(&docs, &dir, None, true, |_| None, &Default::default()).unwrap();
    write_pages(&docs, &dir, true);
    let search_page = fs::read_to_string(dir.join("search/index.html")).unwrap();
    assert!(search_page.contains(r#"data-root="../""#) && search_page.contains(r#"id="search-results""#));
    assert!(dir.join("search/manifest.json").is_file());
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
fn synthetic_docs(count: usize) -> Vec<SearchDoc<'static>> {
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

/// Queries of the exactness check, each with the terms a document must
/// hold to match it fully (the bigrams covering every character) and the
/// region it must be tagged within: a place the query names pre-selects its
/// region facet, and a document tagged there holds the place's name in its
/// regions field.
const EXACT_QUERIES: [(&str, &[&str], &str); 6] = [
    ("2025", &["2025"], ""),
    ("异地就医", &["异地", "就医"], ""),
    ("深圳 2025", &["2025"], "广东省/深圳市"),
    ("医保 报销", &["医保", "报销"], ""),
    ("个人账户", &["个人", "账户"], ""),
    ("缴费", &["缴费"], ""),
];

/// A 3,000-document site and, beside it, `truth.json`: for each query of
/// [`EXACT_QUERIES`] the number of documents holding all its terms, counted
/// with the Rust tokenizer. tests/js/engine.test.mjs checks that search.js
/// reports exactly these counts (`POLICYPRESS_WRITE_SITE=dir`).
#[test]
fn exact_site() {
    let docs = synthetic_docs(3_000);
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POLICYPRESS_WRITE_SITE").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    write_index(&docs, &dir, None, false, |_| None, &Default::default()).unwrap();
    let token_sets: Vec<std::collections::HashSet<String>> = docs
        .iter()
        .map(|d| {
            let fields = [&d.title, &d.answer, &d.body.to_string()].map(|t| policypress::search::tokenize(t));
            let lists = d.regions.iter().chain(&d.topics).flat_map(|t| policypress::search::tokenize(t));
            fields.into_iter().flatten().chain(lists).collect()
        })
        .collect();
    let truth: serde_json::Map<String, serde_json::Value> = EXACT_QUERIES
        .iter()
        .map(|(query, terms, region)| {
            let within = |d: &SearchDoc| region.is_empty() || d.regions.iter().any(|r| r.starts_with(region));
            let count = token_sets
                .iter()
                .zip(&docs)
                .filter(|(set, doc)| terms.iter().all(|t| set.contains(*t)) && within(doc))
                .count();
            (query.to_string(), count.into())
        })
        .collect();
    // A term above the weighted-postings limit is what lost documents before.
    assert!(truth["2025"].as_u64().unwrap() > 400, "{truth:?}");
    fs::write(dir.join("truth.json"), serde_json::to_vec(&truth).unwrap()).unwrap();
}

#[test]
#[ignore = "measurement: run in release with --ignored"]
fn synthetic() {
    let count = std::env::var("POLICYPRESS_SYNTHETIC_DOCS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let docs = synthetic_docs(count);
    let temp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("POLICYPRESS_WRITE_SITE").map_or_else(|| temp.path().to_path_buf(), PathBuf::from);
    let text_bytes: usize = docs.iter().map(|d| d.title.len() + d.body.len() + d.answer.len() + d.summary.len()).sum();
    let started = Instant::now();
    let stats = write_index(&docs, &dir, None, true, |_| None, &Default::default()).unwrap().stats;
    let elapsed = started.elapsed();
    println!(
        "synthetic: {} docs ({} MB text) indexed in {:.2?}: {} files, {} bytes",
        stats.documents,
        text_bytes / 1_000_000,
        elapsed,
        stats.shard_files,
        stats.index_bytes
    );
    write_pages(&docs, &dir, false);
}

#[test]
fn the_single_file_index_maps_short_refs_to_urls_and_indexes_bodies_while_small() {
    let dir = tempfile::tempdir().unwrap();
    let docs = fixture_docs();
    let stats = write_index(&docs, dir.path(), None, true, |_| None, &Default::default()).unwrap().stats;
    let text = fs::read(dir.path().join("search_index.zh.json")).unwrap();
    assert_eq!(stats.monolithic_bytes, text.len() as u64);
    assert!(stats.monolithic_bodies);
    let json: serde_json::Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(json["ref"], "id");
    let hits = json["index"]["body"]["root"]["账"]["户"]["docs"].as_object().unwrap();
    assert!(!hits.is_empty(), "bodies indexed");
    let mut urls: Vec<&str> = docs.iter().map(|d| d.url.as_str()).collect();
    urls.sort_unstable();
    for reference in hits.keys() {
        assert!(reference.len() <= 3, "short ref {reference}");
        let url = json["documentStore"]["docs"][reference]["url"].as_str().unwrap();
        assert!(urls.binary_search(&url).is_ok(), "{url}");
    }
    assert!(dir.path().join("search/manifest.json").is_file());
}

#[test]
fn the_elasticlunr_file_is_kept_when_nothing_it_covers_changed() {
    use std::os::unix::fs::MetadataExt;
    let mut docs: Vec<SearchDoc> = (0..1000)
        .map(|n| SearchDoc {
            url: format!("articles/{n}/"),
            title: format!("问题{n}"),
            answer: String::new(),
            body: "职工医保个人账户".into(),
            regions: vec![],
            topics: vec![],
            kind: "article".into(),
            summary: String::new(),
            date: String::new(),
            group: String::new(),
        })
        .collect();
    let old = tempfile::tempdir().unwrap();
    let first = write_index(&docs, old.path(), None, true, |_| None, &Default::default()).unwrap().elasticlunr_digest;
    assert!(first.is_some());
    let inode = |dir: &Path| fs::metadata(dir.join("search_index.zh.json")).unwrap().ino();
    // What the build cache does: offer the old file when the digest matches.
    let offer = |from: &Path| {
        let from = from.join("search_index.zh.json");
        move |digest| (Some(digest) == first).then(|| from.clone())
    };

    // Nothing changed: kept.
    let (kept, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let second =
        write_index(&docs, kept.path(), Some(old.path()), true, offer(old.path()), &Default::default()).unwrap();
    let clean_stats = write_index(&docs, clean.path(), None, true, |_| None, &Default::default()).unwrap().stats;
    assert_eq!(second.elasticlunr_digest, first);
    assert_eq!(inode(kept.path()), inode(old.path()), "kept, not rewritten");
    assert_eq!(second.stats, clean_stats, "a kept file reports its size and bodies as a written one");
    assert_eq!(snapshot(kept.path()), snapshot(clean.path()));

    // A title edit changes it.
    docs[3].title = "改过的问题".into();
    let (edited, clean) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let third =
        write_index(&docs, edited.path(), Some(kept.path()), true, offer(kept.path()), &Default::default()).unwrap();
    write_index(&docs, clean.path(), None, true, |_| None, &Default::default()).unwrap();
    assert_ne!(third.elasticlunr_digest, first);
    assert_ne!(inode(edited.path()), inode(kept.path()));
    assert_eq!(snapshot(edited.path()), snapshot(clean.path()));
}
