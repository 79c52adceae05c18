//! Untrusted content: markup in any text field stays text, and slugs can
//! never place a file outside the output directory.

use crate::build_support;

use std::fs;
use std::path::Path;

use build_support::*;
use policypress::render::{BuildError, build};

const SCRIPT: &str = "</title><script>alert(1)</script>";
const ATTR: &str = "\"><img src=x onerror=alert(1)>";

fn hostile_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture_root(), &root);
    let topics = fs::read_to_string(root.join("content/topics.yaml")).unwrap();
    fs::write(
        root.join("content/topics.yaml"),
        format!(
            "{topics}- name: '<b>粗体</b>{ATTR}'\n  slug: cu-ti\n  description: '{SCRIPT}{ATTR}'\n  keywords: [x]\n"
        ),
    )
    .unwrap();
    let yaml = |s: &str| format!("'{}'", s.replace('\'', "''"));
    fs::write(
        root.join("content/articles/hostile.md"),
        format!(
            "---\ntitle: {title}\nslug: e-yi\nanswer: {answer}\ndate: 2025-05-01\nregions:\n- 广东省/深圳市\ntopics:\n- {topic}\nrecommendations:\n- e-yi-tui-jian\n---\n## 小标题{SCRIPT}\n\n{SCRIPT}\n\n<iframe src=\"https://evil.example/\"></iframe>\n\n段落 <img src=x onerror=alert(1)> [点我](javascript:alert(1)) ![图](https://evil.example/t.png)\n\n<style>body{{display:none}}</style>\n",
            title = yaml(&format!("标题{SCRIPT}{ATTR}")),
            answer = yaml(&format!("回答{ATTR}{SCRIPT}")),
            topic = yaml(&format!("<b>粗体</b>{ATTR}")),
        ),
    )
    .unwrap();
    fs::write(
        root.join("content/recommendations/e-yi-tui-jian.md"),
        format!(
            "---\ntitle: {title}\nslug: e-yi-tui-jian\ndate: 2025-05-01\ncategory: {category}\nseen_on:\n- e-yi\nregions:\n- 广东省/深圳市\n---\n摘录{SCRIPT}<a href=\"javascript:alert(1)\">x</a>{ATTR}\n",
            title = yaml(&format!("推荐{SCRIPT}{ATTR}")),
            category = yaml(SCRIPT),
        ),
    )
    .unwrap();
    dir
}

const ALLOWED_TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "link",
    "script",
    "body",
    "a",
    "header",
    "div",
    "nav",
    "ul",
    "ol",
    "li",
    "form",
    "label",
    "input",
    "button",
    "main",
    "span",
    "article",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "time",
    "section",
    "footer",
    "figure",
    "figcaption",
    "blockquote",
    "noscript",
    "em",
    "strong",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "br",
    "hr",
    "details",
    "summary",
    "dl",
    "dt",
    "dd",
    "svg",
    "path",
];

fn assert_no_markup_injected(out: &Path) {
    for (rel, bytes) in read_tree(out) {
        if !rel.ends_with(".html") && !rel.ends_with(".xml") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        if rel.ends_with(".xml") {
            check_well_formed(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert!(!text.contains("<script") && !text.contains("<img"), "{rel}: raw markup in XML");
            continue;
        }
        if !rel.ends_with(".html") {
            continue;
        }
        for tag in tags(&text) {
            assert!(ALLOWED_TAGS.contains(&tag.name.as_str()), "{rel}: unexpected <{}>", tag.name);
            for (name, value) in &tag.attrs {
                assert!(!name.starts_with("on"), "{rel}: event handler {name}={value}");
                let is_url = matches!(name.as_str(), "href" | "src" | "action");
                assert!(!(is_url && value.to_ascii_lowercase().contains("javascript:")), "{rel}: {name}={value}");
            }
            if tag.name == "script" && !tag.closing {
                // The theme's own files, or breadcrumb data that must parse as JSON.
                if tag.attr("type") == Some("application/ld+json") {
                    let start = text.find(r#"application/ld+json"#).unwrap();
                    let body = &text[start + text[start..].find('>').unwrap() + 1..];
                    let json = &body[..body.find("</script>").unwrap()];
                    let parsed: Result<serde_json::Value, _> = serde_json::from_str(json);
                    assert!(parsed.is_ok(), "{rel}: JSON-LD does not parse: {json}");
                    continue;
                }
                let src = tag.attr("src").unwrap_or_default();
                let theme_file = ["search.js", "regions.js"].iter().any(|f| src.ends_with(f)) && !src.contains("://");
                assert!(theme_file, "{rel}: inline or foreign script {src:?}");
            }
        }
    }
}

#[test]
fn markup_in_any_text_field_is_escaped() {
    let dir = hostile_site();
    let root = dir.path().join("site");
    for minify in [false, true] {
        let out = dir.path().join(format!("public-{minify}"));
        build(&options(&root, &out, minify)).unwrap();
        assert_no_markup_injected(&out);
        if !minify {
            let page = read(&out, "articles/e-yi/index.html");
            assert!(page.contains(
                "标题&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
            ));
            assert!(page.contains("回答&quot;&gt;&lt;img"));
            assert!(page.contains("&lt;iframe src=\"https://evil.example/\"&gt;"));
            let rec = read(&out, "recommendations/e-yi-tui-jian/index.html");
            assert!(rec.contains("摘录&lt;/title&gt;&lt;script&gt;"));
            let feed = read(&out, "atom.xml");
            assert!(feed.contains("标题&lt;/title&gt;&lt;script&gt;"));
        }
    }
}

fn write_article(root: &Path, file: &str, front: &str) {
    fs::write(root.join("content/articles").join(file), format!("---\n{front}---\n正文\n")).unwrap();
}

#[test]
fn bad_slugs_and_references_are_all_reported_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture_root(), &root);
    write_article(&root, "climb.md", "title: 爬\nslug: ../../x\n");
    write_article(&root, "upper.md", "title: 大写\nslug: Da-Xie\nregions:\n- 火星省/某市\ntopics:\n- 不存在的话题\n");
    write_article(&root, "broken.md", "title: [坏\n");
    fs::write(root.join("content/recommendations/abs.md"), "---\ntitle: 绝对\nslug: /etc/passwd\n---\n摘录\n").unwrap();

    let out = dir.path().join("public");
    let err = build(&options(&root, &out, true)).unwrap_err();
    let BuildError::Content(errors) = &err else { panic!("expected content errors, got {err}") };
    let message = err.to_string();
    for expected in [
        "climb.md:3:1: error: slug `../../x`",
        "upper.md:3:1: error: slug `Da-Xie`",
        "upper.md:5:3: error: region `火星省/某市` is not in the gazetteer",
        "upper.md:7:3: error: unknown topic `不存在的话题`",
        "broken.md:2:",
        "abs.md:3:1: error: slug `/etc/passwd`",
    ] {
        assert!(message.contains(expected), "missing {expected:?} in:\n{message}");
    }
    assert!(errors.iter().all(|e| !e.fix.to_string().is_empty()));
    assert!(message.contains("fix: "));
    assert!(!out.exists(), "a failed build wrote output");
    let mut entries: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    entries.sort();
    assert_eq!(entries, vec![std::ffi::OsString::from("site")], "files appeared beside the site");
    assert!(!dir.path().join("x").exists() && !Path::new("/tmp/x/index.html").exists());
}

#[test]
fn a_bad_topic_slug_is_reported_with_unparsable_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture_root(), &root);
    write_article(&root, "broken.md", "title: [坏\n");
    let topics = fs::read_to_string(root.join("content/topics.yaml")).unwrap();
    let line = topics.lines().count() + 1;
    fs::write(
        root.join("content/topics.yaml"),
        format!("{topics}- name: 逃逸\n  slug: ../t\n  description: x\n  keywords: [x]\n"),
    )
    .unwrap();
    let out = dir.path().join("public");
    let err = build(&options(&root, &out, true)).unwrap_err();
    let BuildError::Content(errors) = &err else { panic!("expected content errors, got {err}") };
    assert_eq!(errors.len(), 2, "{err}");
    let message = err.to_string();
    assert!(message.contains(&format!("topics.yaml:{line}:1: ")) && message.contains("`../t`"), "{message}");
    assert!(message.contains("broken.md:2:"), "{message}");
    assert!(!out.exists());
}

#[test]
fn dangling_references_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture_root(), &root);
    write_article(&root, "dangling.md", "title: 悬空\nslug: xuan-kong\nrecommendations:\n- mei-you-zhe-ge\n");
    fs::write(
        root.join("content/recommendations/orphan.md"),
        "---\ntitle: 孤儿\nslug: gu-er\nseen_on:\n- mei-you-wen-zhang\narticle: ye-mei-you\n---\n摘录\n",
    )
    .unwrap();
    let err = build(&options(&root, &dir.path().join("public"), true)).unwrap_err().to_string();
    assert!(err.contains("dangling.md:5:3: error: recommendation `mei-you-zhe-ge` points nowhere"), "{err}");
    assert!(err.contains("orphan.md:6:10: error: `article: ye-mei-you` points nowhere"), "{err}");
}
