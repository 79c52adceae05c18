//! The output directory: swapped in atomically, untouched by failed
//! builds, byte-identical across runs, and shaped by theme overrides.

use crate::build_support;

use std::fs;
use std::path::Path;

use build_support::*;
use policypress::render::{BuildError, BuildOptions, build};

fn site_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture_root(), &root);
    (dir, root)
}

/// Every file and directory under `dir`, relative.
fn listing(dir: &Path) -> Vec<String> {
    let mut entries: Vec<String> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap().path().strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    entries
}

fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn a_template_failing_mid_build_leaves_the_previous_site_intact() {
    let (dir, root) = site_copy();
    let out = root.join("public");
    build(&options(&root, &out, true)).unwrap();
    let before = read_tree(&out);

    fs::create_dir(root.join("templates")).unwrap();
    let template = root.join("templates/article.html");
    fs::write(&template, "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ page.title }}</h1>\n{{ page.no_such_field.deeper }}\n{% endblock content %}\n")
        .unwrap();
    let err = build(&options(&root, &out, true)).unwrap_err();
    let BuildError::Render { page, template: path, message } = &err else {
        panic!("expected a render error, got {err}")
    };
    assert!(page.starts_with("articles/"), "{page}");
    assert_eq!(path, &template);
    assert!(message.contains("no_such_field"), "{message}");
    assert_eq!(read_tree(&out), before, "the previous site changed");
    assert_eq!(
        leftovers(&root),
        [".policypress-cache", "config.toml", "content", "public", "public.spare", "static", "templates"]
    );

    fs::write(&template, "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock content %}\n")
        .unwrap();
    let err = build(&options(&root, &out, true)).unwrap_err();
    let BuildError::Template { path, message } = &err else { panic!("expected a template error, got {err}") };
    assert_eq!(path, &template);
    assert!(message.contains("3:"), "line of the error: {message}");
    assert_eq!(read_tree(&out), before);
    drop(dir);
}

#[test]
fn two_builds_are_byte_identical() {
    let (_a, first, _) = build_fixture(true);
    let (_b, second, _) = build_fixture(true);
    let (first, second) = (read_tree(&first), read_tree(&second));
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (rel, bytes) in &first {
        assert!(bytes == &second[rel], "{rel} differs between builds");
    }
}

#[test]
fn rebuilding_replaces_the_site_and_cleans_up() {
    let (_dir, root) = site_copy();
    let out = root.join("public");
    build(&options(&root, &out, true)).unwrap();
    fs::write(out.join("stale.html"), "old").unwrap();
    fs::remove_file(root.join("content/articles/yi-di-jiu-yi-bei-an-zen-me-ban.md")).unwrap();
    build(&options(&root, &out, true)).unwrap();
    assert!(out.join("stale.html").exists(), "an incremental build removes only what it wrote");
    let mut fresh = options(&root, &out, true);
    fresh.fresh = true;
    build(&fresh).unwrap();
    assert!(!out.join("stale.html").exists(), "--fresh replaces the whole directory");
    assert!(!out.join("articles/yi-di-jiu-yi-bei-an-zen-me-ban").exists());
    assert!(out.join("index.html").exists());
    assert_eq!(leftovers(&root), [".policypress-cache", "config.toml", "content", "public", "public.spare", "static"]);
}

#[test]
fn site_templates_and_static_files_override_the_theme() {
    let (_dir, root) = site_copy();
    let theme = root.join("themes/default");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default"), &theme);
    let marker = "/* 主题文件 */";
    let css = fs::read_to_string(theme.join("static/style.css")).unwrap();
    fs::write(theme.join("static/style.css"), format!("{marker}\n{css}")).unwrap();
    fs::write(theme.join("static/extra.css"), "a  {  color: red ; }\n").unwrap();
    let out = root.join("public");
    build(&options(&root, &out, true)).unwrap();
    assert!(!read(&out, "style.css").contains(marker), "theme CSS is minified");
    assert_eq!(read(&out, "extra.css"), "a{color:red}");

    fs::create_dir(root.join("templates")).unwrap();
    fs::write(
        root.join("templates/404.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>自定义 404</h1>{% endblock content %}",
    )
    .unwrap();
    fs::write(root.join("static/extra.css"), "a  {  color : blue ; }\n").unwrap();
    build(&options(&root, &out, true)).unwrap();
    assert!(read(&out, "404.html").contains("自定义 404"));
    assert_eq!(read(&out, "extra.css"), "a  {  color : blue ; }\n", "site static is copied verbatim");
}

#[test]
fn a_site_without_content_still_builds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let report = build(&options(dir.path(), &out, true)).unwrap();
    assert_eq!(report.articles, 0);
    for rel in ["index.html", "articles/index.html", "regions/index.html", "topics/index.html", "404.html", "atom.xml"]
    {
        assert!(out.join(rel).is_file(), "{rel}");
    }
    check_well_formed(&read(&out, "atom.xml")).unwrap();
    check_well_formed(&read(&out, "sitemap.xml")).unwrap();
}

#[test]
fn a_rebuild_reuses_unchanged_pages_and_equals_a_clean_build() {
    let (dir, root) = site_copy();
    let out = root.join("public");
    let first = build(&options(&root, &out, true)).unwrap();
    assert_eq!(first.reused_pages, 0);
    let second = build(&options(&root, &out, true)).unwrap();
    assert_eq!(second.reused_pages, second.pages, "nothing changed, nothing rendered");

    let path = root.join("content/articles/yi-di-jiu-yi-bei-an-zen-me-ban.md");
    let text = fs::read_to_string(&path).unwrap().replace("## 注意事项", "## 特别提醒");
    fs::write(&path, text).unwrap();
    fs::write(out.join("404.html"), "edited by hand").unwrap();
    fs::write(out.join("search_index.zh.json"), "{\"edited\":1}").unwrap();
    let third = build(&options(&root, &out, true)).unwrap();
    assert_eq!(third.reused_pages + 2, third.pages, "the changed article and the 404 page are rendered again");
    assert!(third.reused_pages > third.pages / 2, "{} of {} reused", third.reused_pages, third.pages);
    assert!(read(&out, "articles/yi-di-jiu-yi-bei-an-zen-me-ban/index.html").contains("特别提醒"));

    let clean = dir.path().join("clean");
    build(&options(&root, &clean, true)).unwrap();
    assert_eq!(read_tree(&out), read_tree(&clean), "incremental output differs from a clean build");

    // Deleting an article removes its page and its now empty directory, and
    // every list that showed it changes with it.
    let gone = "yi-di-jiu-yi-bei-an-zen-me-ban";
    fs::remove_file(root.join(format!("content/articles/{gone}.md"))).unwrap();
    build(&options(&root, &out, true)).unwrap();
    assert!(!out.join(format!("articles/{gone}")).exists());
    fs::remove_dir_all(&clean).unwrap();
    build(&options(&root, &clean, true)).unwrap();
    assert_eq!(listing(&out), listing(&clean), "the same files and directories");
    assert_eq!(read_tree(&out), read_tree(&clean), "incremental output differs from a clean build");
    assert_eq!(leftovers(&root), [".policypress-cache", "config.toml", "content", "public", "public.spare", "static"]);

    let mut templates = options(&root, &out, true);
    templates.no_minify = true;
    assert_eq!(build(&templates).unwrap().reused_pages, 0, "a different minify setting renders everything");
}

#[test]
fn the_elasticlunr_index_can_be_left_out() {
    let (_dir, root) = site_copy();
    let config = fs::read_to_string(root.join("config.toml")).unwrap();
    fs::write(root.join("config.toml"), format!("{config}\nelasticlunr_index = false\n")).unwrap();
    let out = root.join("public");
    let report = build(&options(&root, &out, true)).unwrap();
    assert!(!out.join("search_index.zh.json").exists());
    assert!(out.join("search/manifest.json").is_file(), "the site's own search is still written");
    assert_eq!(report.search.monolithic_bytes, 0);
    assert!(report.warnings.iter().all(|w| !w.contains("search_index")), "{:?}", report.warnings);
}

#[test]
fn a_rebuild_carries_an_edit_to_every_page_that_shows_it() {
    let (dir, root) = site_copy();
    let out = root.join("public");
    build(&options(&root, &out, true)).unwrap();
    let slug = "yi-di-jiu-yi-bei-an-zen-me-ban";
    let linking: Vec<String> = ["ling-huo-jiu-ye-ren-yuan-zen-me-jiao-yi-bao", "yi-bao-jia-ting-gong-ji-zen-me-ban-li"]
        .iter()
        .map(|other| format!("articles/{other}/index.html"))
        .filter(|page| read(&out, page).contains(&format!("{slug}/")))
        .collect();
    assert!(!linking.is_empty(), "another article's related list names {slug}");
    let path = root.join(format!("content/articles/{slug}.md"));
    let clean = dir.path().join("clean");
    let rebuild_and_compare = |edit: &dyn Fn(String) -> String| {
        fs::write(&path, edit(fs::read_to_string(&path).unwrap())).unwrap();
        let report = build(&options(&root, &out, true)).unwrap();
        let _ = fs::remove_dir_all(&clean);
        build(&options(&root, &clean, true)).unwrap();
        assert_eq!(read_tree(&out), read_tree(&clean), "incremental output differs from a clean build");
        report
    };

    // A new title reaches the related lists of other articles, which the
    // build reuses from its cache only while no title changes.
    rebuild_and_compare(&|text| text.replacen("title: 异地就医备案怎么办", "title: 异地就医备案到哪里办", 1));
    for page in &linking {
        assert!(read(&out, page).contains("异地就医备案到哪里办"), "{page} shows the new title");
    }
    // A new opening paragraph changes the article's card on the lists,
    // though only the body changed.
    let report =
        rebuild_and_compare(&|text| text.replacen("## 备案方式", "备案前先确认参保地政策。\n\n## 备案方式", 1));
    let showing: Vec<String> = read_tree(&out)
        .into_iter()
        .filter(|(rel, bytes)| {
            rel.ends_with(".html") && String::from_utf8_lossy(bytes).contains("备案前先确认参保地政策")
        })
        .map(|(rel, _)| rel)
        .collect();
    assert!(showing.len() > 2, "the article and the lists showing its card: {showing:?}");
    assert!(report.pages - report.reused_pages >= showing.len(), "each of them was rendered again");
    // An edit further down changes the article's page alone.
    let report =
        rebuild_and_compare(&|text| text.replace("备案有效期内可多次结算。", "备案有效期内可多次结算，无需重复备案。"));
    assert_eq!(report.reused_pages + 1, report.pages, "only the edited article is rendered again");
}

#[test]
fn a_draft_is_checked_but_built_only_with_drafts() {
    let (_dir, root) = site_copy();
    let slug = "yi-di-jiu-yi-bei-an-zen-me-ban";
    let path = root.join(format!("content/articles/{slug}.md"));
    let text = fs::read_to_string(&path).unwrap().replacen("\ntopics:", "\ndraft: true\ntopics:", 1);
    fs::write(&path, text).unwrap();
    let report = policypress::check::check(&root);
    assert!(
        !report.has_errors(),
        "a draft is valid content: {}",
        report.render(policypress::check::Format::Human, policypress::i18n::Lang::En)
    );

    let out = root.join("public");
    let published = build(&options(&root, &out, true)).unwrap();
    assert!(!out.join(format!("articles/{slug}")).exists(), "no page for the draft");
    for (rel, bytes) in read_tree(&out) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&format!("{slug}/")) && !text.contains("异地就医备案怎么办"), "{rel} names the draft");
    }

    let preview = root.join("preview");
    let with_drafts = build(&BuildOptions { drafts: true, ..options(&root, &preview, true) }).unwrap();
    assert_eq!(with_drafts.articles, published.articles + 1);
    assert!(read(&preview, &format!("articles/{slug}/index.html")).contains("异地就医备案怎么办"));
}

/// The site built from a copy of `root`'s config and content alone, so
/// that no cache of `root` is read.
fn clean_build(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("site");
    fs::create_dir(&copy).unwrap();
    for entry in fs::read_dir(root).unwrap() {
        let name = entry.unwrap().file_name();
        let name = name.to_str().unwrap();
        if !name.starts_with("public") && name != ".policypress-cache" {
            copy_dir(&root.join(name), &copy.join(name));
        }
    }
    let out = copy.join("public");
    build(&options(&copy, &out, true)).unwrap();
    read_tree(&out)
}

#[test]
fn the_search_index_after_edits_equals_a_clean_builds_even_with_a_damaged_cache() {
    let (_dir, root) = site_copy();
    let out = root.join("public");
    build(&options(&root, &out, true)).unwrap();
    let tokens = root.join(".policypress-cache/search-tokens");
    assert!(fs::read_dir(&tokens).unwrap().count() > 0, "the index's token cache is saved");
    let articles = root.join("content/articles");
    let edited = articles.join("yi-di-jiu-yi-bei-an-zen-me-ban.md");
    let edit = |from: &str, to: &str| {
        let text = fs::read_to_string(&edited).unwrap();
        assert!(text.contains(from), "{from}");
        fs::write(&edited, text.replacen(from, to, 1)).unwrap();
    };
    let rebuild_and_compare = |what: &str| {
        build(&options(&root, &out, true)).unwrap();
        assert!(read_tree(&out) == clean_build(&root), "after {what}, the output differs from a clean build's");
    };

    edit("备案有效期内可多次结算。", "备案有效期内可多次结算，无需重复备案。");
    rebuild_and_compare("a body edit");
    let added = fs::read_to_string(articles.join("yi-bao-jia-ting-gong-ji-zen-me-ban-li.md"))
        .unwrap()
        .replacen("slug: yi-bao-jia-ting-gong-ji-zen-me-ban-li", "slug: jia-ting-gong-ji-xu-zhi", 1)
        .replacen("title: ", "title: 须知：", 1);
    fs::write(articles.join("jia-ting-gong-ji-xu-zhi.md"), added).unwrap();
    rebuild_and_compare("an added article");
    fs::remove_file(articles.join("ling-huo-jiu-ye-ren-yuan-zen-me-jiao-yi-bao.md")).unwrap();
    rebuild_and_compare("a deleted article");

    // Every way a cache file goes bad: a changed byte in each file, a cut
    // file, garbage, and another version's header. Each entry of a damaged
    // file is tokenized again, never trusted.
    let mut shards: Vec<_> = fs::read_dir(&tokens).unwrap().map(|e| e.unwrap().path()).collect();
    shards.sort();
    for (n, shard) in shards.iter().enumerate() {
        let mut bytes = fs::read(shard).unwrap();
        match n % 4 {
            0 => {
                let at = bytes.len() - 1 - n % (bytes.len() / 2);
                bytes[at] ^= 0x01;
            }
            1 => bytes.truncate(bytes.len() * 2 / 3),
            2 => bytes = b"not a cache".repeat(n + 1),
            _ => bytes[8] ^= 0xff,
        }
        fs::write(shard, bytes).unwrap();
    }
    edit("无需重复备案。", "无需重复备案，跨省也一样。");
    rebuild_and_compare("an edit with a damaged cache");
    edit("跨省也一样。", "跨省也一样，请留意当地通知。");
    rebuild_and_compare("an edit after the damaged cache was rewritten");
}

#[test]
fn a_rebuild_merges_only_the_search_terms_an_edit_touches_and_equals_a_clean_build() {
    let (_dir, root) = site_copy();
    let out = root.join("public");
    let first = build(&options(&root, &out, true)).unwrap();
    let unchanged = build(&options(&root, &out, true)).unwrap();
    assert_eq!(unchanged.search.merged_terms, 0, "nothing changed, nothing merged");

    // As many characters as before: the average field lengths stay, so the
    // last build's postings stand for every term the edit leaves alone.
    let edited = root.join("content/articles/yi-di-jiu-yi-bei-an-zen-me-ban.md");
    let text = fs::read_to_string(&edited).unwrap();
    fs::write(&edited, text.replacen("备案有效期内可多次结算。", "备案有效期内可多次报销。", 1)).unwrap();
    let edit = build(&options(&root, &out, true)).unwrap();
    assert!(
        edit.search.merged_terms > 0 && edit.search.merged_terms < first.search.merged_terms,
        "merged {} of {} terms",
        edit.search.merged_terms,
        first.search.merged_terms
    );
    assert!(read_tree(&out) == clean_build(&root), "the index after the edit differs from a clean build's");

    // The saved postings damaged: the next build merges every term and
    // still writes the same index.
    let saved = root.join(".policypress-cache/search-tokens/postings.bin");
    let mut bytes = fs::read(&saved).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    fs::write(&saved, bytes).unwrap();
    fs::write(&edited, fs::read_to_string(&edited).unwrap().replacen("多次报销。", "多次结算。", 1)).unwrap();
    let damaged = build(&options(&root, &out, true)).unwrap();
    assert_eq!(damaged.search.merged_terms, first.search.merged_terms);
    assert!(read_tree(&out) == clean_build(&root), "the index after a damaged cache differs from a clean build's");
}
