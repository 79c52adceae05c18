//! `new` writes an article that passes `check`, and never overwrites one.

use crate::build_support;

use std::path::Path;

use policypress::check::{Format, Severity, check};
use policypress::i18n::Lang;
use policypress::new::{NewError, new_article, today};

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let topics = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/content/topics.yaml");
    build_support::copy_dir(&topics, &dir.path().join("content/topics.yaml"));
    dir
}

fn create(root: &Path, title: &str, regions: &[&str], topics: &[&str]) -> Result<std::path::PathBuf, NewError> {
    let regions: Vec<String> = regions.iter().map(|s| s.to_string()).collect();
    let topics: Vec<String> = topics.iter().map(|s| s.to_string()).collect();
    new_article(root, title, &regions, &topics)
}

#[test]
fn a_new_article_builds_and_check_refuses_each_skeleton_line_until_replaced() {
    let site = site();
    let path = create(site.path(), "深圳异地就医怎么备案", &["广东省/深圳市"], &["异地就医"]).unwrap();
    let slug = policypress::slug::slugify("深圳异地就医怎么备案");
    assert_eq!(path, site.path().join(format!("content/articles/{slug}.md")));
    let text = std::fs::read_to_string(&path).unwrap();
    let head = format!("---\ntitle: 深圳异地就医怎么备案\nslug: {slug}\ndate: {}\n", today());
    assert!(text.starts_with(&head), "{text}");
    assert!(text.contains("regions:\n- 广东省/深圳市\n") && text.contains("topics:\n- 异地就医\n"), "{text}");
    assert!(!text.contains("checksum"), "a person owns the file: {text}");
    assert!(text.contains("\n## 办理流程\n"), "{text}");

    // Every line of the skeleton but its section headings is an error.
    let report = check(site.path());
    let shown = report.render(Format::Human, Lang::En);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["placeholder"; 7], "{shown}");
    assert!(report.diagnostics.iter().all(|d| d.severity == Severity::Error), "{shown}");
    assert!(shown.contains("the skeleton text from `policypress new` is still here: “回答……”"), "{shown}");

    // The preview still shows the work in progress.
    let mut options = policypress::BuildOptions::new(site.path());
    options.quiet = true;
    let built = policypress::build(&options).unwrap();
    let page = built.out_dir.join(format!("articles/{slug}/index.html"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("深圳异地就医怎么备案"), "{html}");

    let written = text.split("\n---\n").next().unwrap().to_string()
        + "\n---\n深圳参保人到外地就医前，要先在深圳医保 App 办理备案。\n";
    std::fs::write(&path, written).unwrap();
    let report = check(site.path());
    assert!(report.diagnostics.is_empty(), "{}", report.render(Format::Human, Lang::En));
}

#[test]
fn an_existing_article_is_never_overwritten() {
    let site = site();
    let path = create(site.path(), "医保卡怎么激活", &[], &[]).unwrap();
    std::fs::write(&path, "edited by a person").unwrap();
    let err = create(site.path(), "医保卡怎么激活", &[], &[]).unwrap_err();
    assert!(matches!(&err, NewError::Exists(p) if p == &path), "{err}");
    assert_eq!(err.to_string(), format!("{} already exists; edit it, or choose a different title", path.display()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited by a person");
}

#[test]
fn unknown_regions_and_topics_are_refused_with_a_suggestion() {
    let site = site();
    let err = create(site.path(), "深圳医保", &["深圳"], &[]).unwrap_err();
    assert_eq!(err.to_string(), "region `深圳` is not in the gazetteer; did you mean `广东省/深圳市`?");
    let err = create(site.path(), "深圳医保", &["广东省/深圳市"], &["异地就诊"]).unwrap_err();
    assert_eq!(err.to_string(), "unknown topic `异地就诊`; did you mean `异地就医`?");
    assert!(!site.path().join("content/articles").exists(), "nothing is written on error");
}

#[test]
fn an_empty_title_is_refused() {
    let site = site();
    assert!(matches!(create(site.path(), "  ", &[], &[]), Err(NewError::EmptyTitle)));
}

fn policypress_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_policypress"))
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .output()
        .unwrap()
}

#[test]
fn new_run_inside_a_site_writes_at_its_root_and_outside_any_site_refuses() {
    let site = site();
    std::fs::write(site.path().join("config.toml"), "title = \"测试站\"\n").unwrap();
    let articles = site.path().join("content/articles");
    std::fs::create_dir_all(&articles).unwrap();
    let made =
        policypress_in(&articles, &["new", "深圳异地就医怎么备案", "--region", "广东省/深圳市", "--topic", "异地就医"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let slug = policypress::slug::slugify("深圳异地就医怎么备案");
    assert!(articles.join(format!("{slug}.md")).is_file(), "written into the site's content/articles/");
    assert!(!articles.join("content").exists(), "no content/ nested inside content/articles/");
    let checked = policypress_in(&articles, &["check"]);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(
        stderr.contains("checked 1 article and 0 recommendations"),
        "check from a subdirectory checks the site: {stderr}"
    );

    let nowhere = tempfile::tempdir().unwrap();
    for args in [&["new", "深圳异地就医怎么备案"][..], &["check"], &["build"]] {
        let refused = policypress_in(nowhere.path(), args);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{args:?} outside any site fails");
        assert!(stderr.contains("no config.toml") && stderr.contains("--root"), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read_dir(nowhere.path()).unwrap().count(), 0, "nothing written outside a site");
}

#[test]
fn a_site_archetype_is_the_body_of_a_new_article() {
    let site = site();
    let archetype = site.path().join("archetypes/article.md");
    std::fs::create_dir_all(archetype.parent().unwrap()).unwrap();
    std::fs::write(&archetype, "\u{feff}先写结论。\r\n\r\n## 本地规定\r\n").unwrap();
    let path = create(site.path(), "深圳异地就医怎么备案", &["广东省/深圳市"], &["异地就医"]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with("---\n先写结论。\n\n## 本地规定\n"), "{text}");

    std::fs::write(&archetype, "---\ntitle: x\n---\n正文\n").unwrap();
    let err = create(site.path(), "另一个问题", &[], &["异地就医"]).unwrap_err().to_string();
    assert!(err.contains("archetypes/article.md") && err.contains("body only"), "{err}");
}
