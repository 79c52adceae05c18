//! End-to-end: the fixture site builds into the pages, links, sitemap and
//! feed the design promises.

use crate::build_support;

use std::collections::BTreeSet;
use std::path::Path;

use build_support::*;

const A1: &str = "yi-bao-ge-ren-zhang-hu-zen-me-chong-zhi-jiao-fei";
const A2: &str = "yi-bao-jia-ting-gong-ji-zen-me-ban-li";

fn html_pages(out: &Path) -> Vec<String> {
    read_tree(out).into_keys().filter(|k| k.ends_with(".html")).collect()
}

#[test]
fn every_expected_page_exists() {
    let (_dir, out, report) = build_fixture(true);
    let expected = [
        "index.html",
        "404.html",
        "search/index.html",
        "articles/index.html",
        "articles/page/2/index.html",
        "recommendations/page/3/index.html",
        "recommendations/index.html",
        "topics/index.html",
        "topics/geren-zhanghu/index.html",
        "topics/jiating-gongji/index.html",
        "topics/yidi-jiuyi/index.html",
        "topics/canbao-jiaofei/index.html",
        "topics/canbao-jiaofei/page/2/index.html",
        "regions/index.html",
        "regions/guangdong/index.html",
        "regions/guangdong/page/2/index.html",
        "regions/guangdong/shenzhen/index.html",
        "regions/guangdong/guangzhou/index.html",
        "regions/jiangsu/yangzhou/index.html",
        "sitemap.xml",
        "atom.xml",
        "robots.txt",
        "style.css",
        "favicon.svg",
    ];
    for rel in expected {
        assert!(out.join(rel).is_file(), "missing {rel}");
    }
    for slug in [A1, A2, "yi-di-jiu-yi-bei-an-zen-me-ban", "ling-huo-jiu-ye-ren-yuan-zen-me-jiao-yi-bao"] {
        assert!(out.join(format!("articles/{slug}/index.html")).is_file(), "article {slug}");
    }
    for slug in [
        "shen-zhen-hu-ji-lao-ren-ke-yi-mai-yi-bao",
        "wai-di-ren-mai-guang-zhou-yi-bao-you-shen-me-hao-chu",
        "fei-guang-zhou-hu-kou-ke-yi-mai-yi-bao-ma",
        "fei-guang-zhou-hu-kou-neng-mai-yi-bao-ma",
        "yang-zhou-cha-yi-bao-de-app",
    ] {
        assert!(out.join(format!("recommendations/{slug}/index.html")).is_file(), "recommendation {slug}");
    }
    // Irrelevant items are not built; excerpts of our own articles link there.
    for absent in [
        "articles/bu-xiang-guan-de-wen-zhang",
        "recommendations/2025-nian-liao-ning-an-shan-chu-xian-wei-zhang-qi-qu-na-jia-yi-yuan-hao",
        "recommendations/yi-bao-ge-ren-zhang-hu-ke-yi-chong-zhi-ma",
        "recommendations/jia-ting-gong-ji-ke-yi-gei-fu-mu-yong-ma",
        "regions/beijing",
        "regions/liaoning",
    ] {
        assert!(!out.join(absent).exists(), "{absent} should not be built");
    }
    assert_eq!(report.articles, 4);
    assert_eq!(report.recommendations, 5);
    assert_eq!(report.pages, html_pages(&out).len());
    assert!(report.bytes > 10_000);
}

#[test]
fn article_page_has_answer_applies_to_chips_breadcrumbs_and_a_ranked_related_list() {
    let (_dir, out, _) = build_fixture(false);
    let html = read(&out, &format!("articles/{A2}/index.html"));
    let page_text = text(&html);
    assert!(page_text.contains("在深圳，职工医保参保人可通过“深圳医保”公众号"), "answer missing");
    assert!(html.contains(r#"class="callout answer""#));
    assert!(
        html.contains(
            r#"<span class="applies-label">适用地区</span><a href="../../regions/guangdong/shenzhen/">广东省深圳市</a>"#
        ),
        "applies to"
    );
    assert!(
        html.contains(r#"<a class="chip chip-topic" href="../../topics/jiating-gongji/">家庭共济</a>"#),
        "topic chip"
    );
    let crumbs = text(&html[html.find(r#"<nav class="breadcrumbs""#).unwrap()..]);
    let crumb_text: String = crumbs.chars().filter(|c| !c.is_whitespace()).take(13).collect();
    assert_eq!(crumb_text, "首页›地区›广东省›深圳市");
    assert!(html.contains(r#"<html lang="zh-CN" data-root="../../">"#));
    assert!(page_text.contains("具体政策以当地医保部门最新公布为准，可拨打全国医疗保障服务热线 12393 咨询。"));
    assert_eq!(html.matches("<h1").count(), 1);

    // Article 1's page listed: 深圳 snippet, an irrelevant one, 广州 snippet,
    // an excerpt of itself, two variants of one group, 扬州 (no shared topic
    // or region), and an excerpt of article 2. Ranked: our own article on
    // the same topics first (个人账户 and 参保缴费, then 参保缴费 only), then
    // snippets sharing its topic 参保缴费, one per near-duplicate group.
    let html = read(&out, &format!("articles/{A1}/index.html"));
    let related_start = html.find("相关推荐").expect("related section");
    let related: Vec<String> = tags(&html[related_start..])
        .into_iter()
        .filter(|t| t.name == "a" && !t.closing)
        .filter_map(|t| t.attr("href").map(str::to_string))
        .take_while(|href| href.starts_with("../../articles/") || href.starts_with("../../recommendations/"))
        .collect();
    assert_eq!(
        related,
        [
            &format!("../../articles/{A2}/"),
            "../../articles/ling-huo-jiu-ye-ren-yuan-zen-me-jiao-yi-bao/",
            "../../recommendations/fei-guang-zhou-hu-kou-ke-yi-mai-yi-bao-ma/",
            "../../recommendations/shen-zhen-hu-ji-lao-ren-ke-yi-mai-yi-bao/",
            "../../recommendations/wai-di-ren-mai-guang-zhou-yi-bao-you-shen-me-hao-chu/",
        ]
    );
    assert!(!html.contains("鞍山"), "irrelevant snippet listed");
    let page_text = text(&html);
    assert!(page_text.contains("本站相关文章") && page_text.contains("未经本站核实"), "lists are labelled");
    assert!(page_text.contains("本文内容整理自互联网公开渠道。"), "sourcing notice");
    assert!(page_text.contains("首页 › 文章") || page_text.replace(char::is_whitespace, "").contains("首页›文章"));
    // Three headings: a table of contents links each.
    assert!(html.contains(r#"<h2 id="s-1">资金来源</h2>"#));
    assert!(html.contains(r##"<li class="toc-level-2"><a href="#s-1">资金来源</a></li>"##));
    assert!(html.contains("<li>职工医保：个人缴纳的2%医保费全额进入账户"));

    // Article 2 never lists itself, nor the excerpt of itself.
    let html = read(&out, &format!("articles/{A2}/index.html"));
    let related = &html[html.find("相关推荐").expect("related section")..];
    assert!(!related.contains(&format!("articles/{A2}/\"")));
    assert!(!related.contains("recommendations/jia-ting-gong-ji-ke-yi-gei-fu-mu-yong-ma"));
}

#[test]
fn recommendation_page_marks_the_excerpt_and_lists_where_it_was_seen() {
    let (_dir, out, _) = build_fixture(false);
    let html = read(&out, "recommendations/shen-zhen-hu-ji-lao-ren-ke-yi-mai-yi-bao/index.html");
    assert!(html.contains("<figcaption class=\"excerpt-label\">摘录</figcaption>"));
    assert!(html.contains("<blockquote>"));
    assert!(html.contains("深圳户籍老人购买医保的相关政策如下"));
    assert!(html.contains(&format!(r#"href="../../articles/{A1}/">医保个人账户怎么充值缴费</a>"#)));
    assert!(html.contains(&format!(r#"href="../../articles/{A2}/">医保家庭共济怎么办理</a>"#)));
    assert!(html.contains("2025-04-20"));
}

#[test]
fn a_city_item_appears_under_its_province_and_city() {
    let (_dir, out, _) = build_fixture(false);
    let snippet = "recommendations/shen-zhen-hu-ji-lao-ren-ke-yi-mai-yi-bao/";
    let pages = ["regions/guangdong/", "regions/guangdong/page/2/", "regions/guangdong/page/3/"];
    let in_province = pages.iter().any(|page| read(&out, &format!("{page}index.html")).contains(snippet));
    assert!(in_province, "深圳 snippet missing under 广东省");
    assert!(read(&out, "regions/guangdong/shenzhen/index.html").contains(snippet));
    assert!(!read(&out, "regions/guangdong/guangzhou/index.html").contains(snippet));

    let tree = read(&out, "regions/index.html");
    let tree_text = text(&tree);
    assert!(tree_text.contains("广东省 6"), "province count: {tree_text}");
    assert!(tree_text.contains("深圳市 2"), "city count");
    assert!(tree_text.contains("扬州市 2"));
    assert!(!tree_text.contains("北京市"), "empty units are not listed");
    let province = read(&out, "regions/guangdong/index.html");
    assert!(province.contains(r#"href="../../regions/guangdong/shenzhen/""#), "child unit listed");
    assert!(province.contains(r#"<a rel="next" href="../../regions/guangdong/page/2/">"#));
}

#[test]
fn home_lists_newest_articles_topics_and_provinces() {
    let (_dir, out, _) = build_fixture(false);
    let html = read(&out, "index.html");
    let first = html.find(&format!("articles/{A1}/")).unwrap();
    let second = html.find(&format!("articles/{A2}/")).unwrap();
    let third = html.find("articles/yi-di-jiu-yi-bei-an-zen-me-ban/").unwrap();
    assert!(first < second && second < third, "newest first");
    assert!(!html.contains("ling-huo-jiu-ye"), "feed_limit = 3 keeps the undated article off the home page");
    assert!(html.contains(r#"href="./topics/canbao-jiaofei/""#));
    assert!(html.contains(r#"href="./regions/guangdong/""#));
    assert!(html.contains(r#"<html lang="zh-CN" data-root="./">"#));
    assert!(html.contains(r#"<script src="./search.js" defer></script>"#));
}

#[test]
fn every_page_has_one_h1_the_search_form_and_landmarks() {
    let (_dir, out, _) = build_fixture(false);
    for rel in html_pages(&out) {
        let html = read(&out, &rel);
        let tags = tags(&html);
        let count = |name: &str| tags.iter().filter(|t| t.name == name && !t.closing).count();
        assert_eq!(count("h1"), 1, "{rel}: h1");
        for landmark in ["header", "main", "footer", "nav"] {
            assert!(count(landmark) >= 1, "{rel}: {landmark}");
        }
        assert!(html.contains(r##"<a class="skip-link" href="#main">"##), "{rel}: skip link");
        // The home page has one search box, its own (issue 12).
        let search_box = if rel == "index.html" {
            r#"class="home-search" role="search""#
        } else {
            r#"search/" class="site-search"><label for="q" class="visually-hidden">搜索</label><input type="search" name="q" id="q" placeholder="搜索政策，如：异地就医备案" autocomplete="off"></form>"#
        };
        assert!(html.contains(search_box), "{rel}: search form");
        // One site search; the regions page's filter box filters that page.
        assert_eq!(html.matches(r#"role="search""#).count(), 1, "{rel}: one search box");
        // Headings never skip a level going down.
        let mut previous = 1;
        for tag in tags.iter().filter(|t| !t.closing && t.name.len() == 2 && t.name.starts_with('h')) {
            let Some(level) = tag.name[1..].parse::<usize>().ok() else { continue };
            assert!(level <= previous + 1, "{rel}: h{level} after h{previous}");
            previous = level;
        }
    }
    let search = read(&out, "search/index.html");
    assert!(search.contains(r#"<p id="search-status" class="search-status" role="status" aria-live="polite"></p>"#));
    assert!(search.contains(r#"<div id="search-results" class="search-page"></div>"#));
}

#[test]
fn every_internal_link_resolves_and_nothing_loads_from_other_hosts() {
    let (_dir, out, _) = build_fixture(true);
    let files: BTreeSet<String> = read_tree(&out).into_keys().collect();
    let mut checked = 0;
    for rel in files.iter().filter(|f| f.ends_with(".html")) {
        let html = read(&out, rel);
        for tag in tags(&html).into_iter().filter(|t| !t.closing) {
            for attr in ["href", "src"] {
                let Some(link) = tag.attr(attr) else { continue };
                if link.contains("://") {
                    let is_request = tag.name != "a" && !(tag.name == "link" && tag.attr("rel") == Some("canonical"));
                    assert!(!is_request, "{rel}: <{}> loads {link} from another host", tag.name);
                    continue;
                }
                let Some(target) = resolve(rel, link, "/yibao/") else { continue };
                assert!(files.contains(&target), "{rel}: {attr}={link} → {target} does not exist");
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} links checked");
}

#[test]
fn sitemap_lists_every_page_and_the_feed_is_valid_atom() {
    let (_dir, out, _) = build_fixture(true);
    let sitemap = read(&out, "sitemap.xml");
    check_well_formed(&sitemap).unwrap();
    for rel in html_pages(&out) {
        if rel == "404.html" {
            assert!(!sitemap.contains("404"));
            continue;
        }
        let url = format!("<loc>https://example.org/yibao/{}</loc>", rel.trim_end_matches("index.html"));
        assert!(sitemap.contains(&url), "sitemap lacks {url}");
    }
    assert!(
        sitemap.contains(&format!("<loc>https://example.org/yibao/articles/{A1}/</loc><lastmod>2025-04-20</lastmod>"))
    );

    let feed = read(&out, "atom.xml");
    check_well_formed(&feed).unwrap();
    assert_eq!(feed.matches("<entry>").count(), 3, "feed_limit");
    assert!(feed.contains("<updated>2025-04-20T00:00:00Z</updated>"));
    assert!(feed.contains(&format!("<id>https://example.org/yibao/articles/{A1}/</id>")));
    assert!(feed.contains("&lt;h2&gt;资金来源&lt;/h2&gt;"), "content is escaped HTML");

    let robots = read(&out, "robots.txt");
    assert!(robots.contains("Sitemap: https://example.org/yibao/sitemap.xml"));
}

#[test]
fn pages_are_minified_by_default() {
    let (_dir, minified, _) = build_fixture(true);
    let (_dir2, plain, _) = build_fixture(false);
    let small = std::fs::metadata(minified.join("index.html")).unwrap().len();
    let large = std::fs::metadata(plain.join("index.html")).unwrap().len();
    assert!(small < large, "{small} >= {large}");
    let css = read(&minified, "style.css");
    assert!(!css.contains("\n  "), "style.css is minified");
}

#[test]
fn base_url_option_and_the_404_page_use_the_host_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    copy_dir(&fixture_root(), &root);
    let out = dir.path().join("site");
    let mut options = options(&root, &out, false);
    options.base_url = Some("https://yibao.example.net/docs/".into());
    policypress::render::build(&options).unwrap();
    let page = read(&out, &format!("articles/{A1}/index.html"));
    assert!(page.contains(&format!(r#"<link rel="canonical" href="https://yibao.example.net/docs/articles/{A1}/">"#)));
    assert!(page.contains(r#"<meta property="og:url" content="https://yibao.example.net/docs/articles/"#));
    let not_found = read(&out, "404.html");
    assert!(not_found.contains(r#"<link rel="stylesheet" href="/docs/style.css">"#), "404 links from the host root");
}

/// Builds a copy of the bundled site (`content/`, `config.toml`, the
/// default theme) with `edit` applied to its config.toml.
fn build_bundled(edit: impl Fn(String) -> String) -> (tempfile::TempDir, std::path::PathBuf) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&repo.join("content"), &root.join("content"));
    copy_dir(&repo.join("themes"), &root.join("themes"));
    let config = std::fs::read_to_string(repo.join("config.toml")).unwrap();
    std::fs::write(root.join("config.toml"), edit(config)).unwrap();
    let out = dir.path().join("public");
    policypress::render::build(&options(&root, &out, false)).unwrap();
    (dir, out)
}

/// Links in a page's 相关推荐 section, as root-relative URLs.
fn related_links(html: &str) -> Vec<String> {
    let Some(start) = html.find(r#"<section class="related""#) else { return Vec::new() };
    let end = start + html[start..].find("</section>").unwrap();
    tags(&html[start..end])
        .into_iter()
        .filter(|t| t.name == "a" && !t.closing)
        .filter_map(|t| t.attr("href").map(|h| h.trim_start_matches("../../").to_string()))
        .collect()
}

const HOSPITAL_REFERRAL: &[&str] = &["去哪家医院", "医院有哪些", "哪家医院好"];

#[test]
fn related_lists_of_the_bundled_site_are_on_topic_and_lead_with_our_articles() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = policypress::content::load_tree(&repo.join("content"));
    let (_dir, out) = build_bundled(|config| config);
    let irrelevant: BTreeSet<String> = tree
        .recommendations
        .iter()
        .filter(|r| !r.item.meta.relevant)
        .map(|r| format!("recommendations/{}/", r.item.meta.slug))
        .collect();
    assert!(irrelevant.len() > 20, "the bundled snippets include off-topic and hospital-referral ones");
    for article in &tree.articles {
        let meta = &article.item.meta;
        let url = format!("articles/{}/", meta.slug);
        let html = read(&out, &format!("{url}index.html"));
        let links = related_links(&html);
        let section = &html[html.find(r#"<section class="related""#).expect("related section")..];
        let titles = text(&section[..section.find("</section>").unwrap()]);
        for link in &links {
            assert!(!irrelevant.contains(link), "{url} lists {link}, which has relevant: false");
            assert_ne!(link, &url, "{url} lists itself");
        }
        for ad in HOSPITAL_REFERRAL {
            assert!(!titles.contains(ad), "{url} lists a hospital-referral title: {titles}");
        }
        let same_topic: Vec<String> = tree
            .articles
            .iter()
            .filter(|other| {
                other.item.meta.slug != meta.slug && other.item.meta.topics.iter().any(|t| meta.topics.contains(t))
            })
            .map(|other| format!("articles/{}/", other.item.meta.slug))
            .collect();
        if !same_topic.is_empty() {
            assert!(
                same_topic.contains(&links[0]),
                "{url}: first related item {} is not an article on its topic",
                links[0]
            );
        }
    }
    let html = read(&out, "articles/zi-ji-yi-bao-yu-e-ke-yi-gei-jia-ren-jiao-yi-bao-ma/index.html");
    assert!(!html.contains("治疗白带带血的医院有哪些"));
}

#[test]
fn excerpt_pages_say_they_are_unverified_where_they_were_seen_and_mark_cuts() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = policypress::content::load_tree(&repo.join("content"));
    let (_dir, out) = build_bundled(|config| config);
    let mut cut = 0;
    for rec in tree.recommendations.iter().filter(|r| r.item.meta.relevant) {
        let meta = &rec.item.meta;
        let html = read(&out, &format!("recommendations/{}/index.html", meta.slug));
        let page = text(&html);
        assert!(page.contains("未经核实的摘录"), "{}", meta.slug);
        assert!(page.contains("来源类别") && page.contains("首次看到") && page.contains("最近看到"), "{}", meta.slug);
        let quote_start = html.find("<blockquote>").unwrap();
        let quote = text(&html[quote_start..quote_start + html[quote_start..].find("</blockquote>").unwrap()]);
        let stored = rec.item.excerpt.trim_end();
        if !stored.ends_with(['。', '！', '？', '…', '”', '）', '；']) {
            cut += 1;
            assert!(quote.trim_end().ends_with('…'), "{}: cut excerpt does not end in …: {quote}", meta.slug);
        }
    }
    assert!(cut > 30, "the bundled excerpts include many the source cut ({cut})");
    assert!(!read(&out, "recommendations/index.html").contains("原文要点"));
}

#[test]
fn policy_items_carry_the_policy_notice_and_health_items_the_medical_one() {
    let (_dir, out) = build_bundled(|config| config.replace("include_irrelevant = false", "include_irrelevant = true"));
    for slug in ["zi-ji-yi-bao-yu-e-ke-yi-gei-jia-ren-jiao-yi-bao-ma", "yi-bao-jiao-wan-bu-yong-hui-qing-ling-ma"] {
        let html = read(&out, &format!("articles/{slug}/index.html"));
        assert!(html.contains(r#"<p class="notice notice-policy">"#), "{slug}");
        assert!(!html.contains("不能代替医生面诊"), "{slug} carries the medical notice");
        assert!(text(&html).contains("以当地医保部门最新公布为准") && html.contains("12393"), "{slug}");
    }
    for slug in [
        "2025-nian-liao-ning-an-shan-chu-xian-niao-zhong-you-xue-qu-na-jia-yi-yuan-hao",
        "40-sui-zuo-fu-he-long-xiong-de-wei-hai",
    ] {
        let html = read(&out, &format!("recommendations/{slug}/index.html"));
        assert!(html.contains(r#"<p class="notice notice-medical">本文内容仅供参考，不能代替医生面诊"#), "{slug}");
    }
}

#[test]
fn a_placeholder_base_url_gets_one_warning_naming_config_toml() {
    let (_dir, _out, report) = build_fixture(false);
    let warnings: Vec<&String> = report.warnings.iter().filter(|w| w.contains("example.org")).collect();
    assert_eq!(warnings.len(), 1, "{:?}", report.warnings);
    assert!(warnings[0].contains("config.toml"), "{}", warnings[0]);

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    copy_dir(&fixture_root(), &root);
    let mut options = options(&root, &dir.path().join("site"), false);
    options.base_url = Some("https://yibao.gov.cn/docs".into());
    let report = policypress::render::build(&options).unwrap();
    assert!(report.warnings.iter().all(|w| !w.contains("base_url")), "{:?}", report.warnings);
}

#[test]
fn an_edited_article_shows_its_update_date() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    copy_dir(&fixture_root(), &root);
    let path = root.join(format!("content/articles/{A1}.md"));
    let source = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, source.replace("date: 2025-04-20\n", "date: 2025-04-20\nupdated: 2025-06-01\n")).unwrap();
    let out = dir.path().join("site");
    policypress::render::build(&options(&root, &out, false)).unwrap();
    let page = text(&read(&out, &format!("articles/{A1}/index.html")));
    assert!(page.contains("2025-04-20 · 更新日期 2025-06-01"), "{page}");
    assert!(!text(&read(&out, &format!("articles/{A2}/index.html"))).contains("更新日期"));
}

#[test]
fn lists_have_numbered_paging_and_pages_carry_breadcrumb_json_ld_and_a_share_image() {
    let (_dir, out, _) = build_fixture(false);
    let html = read(&out, "recommendations/page/2/index.html");
    let paging = &html[html.find(r#"<nav class="pagination""#).unwrap()..];
    let numbers: Vec<String> = tags(paging)
        .into_iter()
        .skip(1)
        .take_while(|t| t.name != "nav")
        .filter(|t| t.name == "a" && !t.closing)
        .filter_map(|t| t.attr("href").map(str::to_string))
        .collect();
    assert_eq!(
        numbers,
        [
            "../../../recommendations/",
            "../../../recommendations/",
            "../../../recommendations/page/2/",
            "../../../recommendations/page/3/",
            "../../../recommendations/page/3/"
        ],
        "上一页, 1, 2, 3, 下一页"
    );
    assert!(paging.contains(r#"aria-current="page" aria-label="第 2 页，当前页">2</a>"#));

    let html = read(&out, &format!("articles/{A2}/index.html"));
    let start = html.find(r#"<script type="application/ld+json">"#).expect("JSON-LD") + 35;
    let json: serde_json::Value =
        serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()]).unwrap();
    assert_eq!(json["@type"], "BreadcrumbList");
    let names: Vec<&str> =
        json["itemListElement"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["首页", "地区", "广东省", "深圳市", "医保家庭共济怎么办理"]);
    assert_eq!(json["itemListElement"][3]["item"], "https://example.org/yibao/regions/guangdong/shenzhen/");
    assert!(html.contains(r#"<meta property="og:image" content="https://example.org/yibao/share.png">"#));
    assert!(out.join("share.png").is_file());
}

#[test]
fn home_puts_the_ways_in_first_and_the_footer_links_an_html_site_map() {
    let (_dir, out, _) = build_fixture(false);
    let html = read(&out, "index.html");
    let topics = html.find("topics-heading").unwrap();
    let regions = html.find("regions-heading").unwrap();
    let latest = html.find("latest-heading").unwrap();
    assert!(topics < latest && regions < latest, "topics and regions come before the newest articles");
    assert!(!html.contains("sitemap.xml"), "the footer links the raw sitemap");
    assert!(html.contains(r#"<nav class="footer-nav" aria-label="网站地图">"#));
}
