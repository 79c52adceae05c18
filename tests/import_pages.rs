//! End-to-end tests of `import` on the five real scraped pages: golden
//! files, nothing lost, re-import stability and hand edits.
//!
//! Golden files live in `tests/fixtures/expected/`; after an intended
//! change, rewrite them with `UPDATE_GOLDEN=1 cargo test --test integration import_pages`
//! and review the diff.

use crate::common;

use std::fs;
use std::path::Path;

use common::{import_into, raw_pages, snapshot};
use policypress::content::{is_pristine, load_tree};
use policypress::text::{is_han, normalize_key};

fn expected_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/expected")
}

#[test]
fn articles_match_golden_files() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    let actual = snapshot(&dir.path().join("articles"));
    assert_eq!(actual.len(), 5);
    let golden = expected_dir().join("articles");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = fs::remove_dir_all(&golden);
        fs::create_dir_all(&golden).unwrap();
        for (name, bytes) in &actual {
            fs::write(golden.join(name), bytes).unwrap();
        }
    }
    let expected = snapshot(&golden);
    assert_eq!(actual.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (name, bytes) in &actual {
        assert_eq!(
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&expected[name]),
            "{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"
        );
    }
}

/// The Han characters of the article part of a raw page, without the
/// title, the boilerplate notices and the chrome, which import drops.
fn raw_body_han(raw: &str) -> (String, String) {
    let article_part = raw.split("\n相关推荐\n").next().unwrap();
    let mut lines = article_part.lines().filter(|l| !l.trim().is_empty());
    let title = lines.next().unwrap().to_string();
    let kept: String = lines
        .filter(|l| {
            let t = l.trim();
            !t.starts_with("本信息整理自互联网公开渠道")
                && !t.starts_with("提示:本内容不能代替面诊")
                && t != "大家都在搜"
        })
        .collect();
    (title, kept.chars().filter(|&c| is_han(c)).collect())
}

#[test]
fn every_sentence_of_every_body_survives() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    let tree = load_tree(dir.path());
    for page in raw_pages() {
        let raw = fs::read_to_string(&page).unwrap();
        let (title, raw_han) = raw_body_han(&raw);
        let article = tree.articles.iter().find(|a| a.item.meta.title == title).expect("article for every page");
        let answer = article.item.meta.answer.clone().unwrap_or_default();
        let stored: String = format!("{answer}{}", article.item.body).chars().filter(|&c| is_han(c)).collect();
        assert_eq!(stored, raw_han, "{}: body text lost or changed", page.display());
    }
}

#[test]
fn short_answers_notices_and_dates_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    let tree = load_tree(dir.path());
    let by_title = |t: &str| &tree.articles.iter().find(|a| a.item.meta.title == t).unwrap().item.meta;
    assert_eq!(by_title("医保卡里面个人账户余额是干嘛的").answer.as_deref(), Some("门诊、药店自付及部分住院费用"));
    assert_eq!(by_title("自己医保余额可以给家人交医保吗").answer.as_deref(), Some("可以"));
    assert_eq!(by_title("医保交完不用会清零吗").answer, None);
    let notices = |t: &str| by_title(t).notices.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>();
    assert_eq!(notices("职工医保个人账户余额怎么交医保"), ["Medical", "Sourcing"]);
    assert_eq!(notices("医保交完不用会清零吗"), ["Medical"]);
    let page_000 = by_title("医保个人账户怎么充值缴费");
    assert_eq!(page_000.date.unwrap().to_string(), "2025-04-20");
    assert_eq!(page_000.date_source.as_deref(), Some("recommendations"));
    assert_eq!(page_000.source.as_ref().unwrap().file, "000_35b84e67eec9569a.txt");
    assert_eq!(page_000.recommendations.len(), 20);
}

/// The snippets of a raw page, parsed independently of the importer:
/// (title, excerpt, category line).
fn raw_snippets(raw: &str) -> Vec<(String, String, String)> {
    let block = raw.split("\n相关推荐\n").nth(1).unwrap();
    let lines: Vec<&str> = block.lines().map(str::trim).filter(|l| !l.is_empty() && *l != "首页 顶部").collect();
    lines.chunks(3).map(|c| (c[0].to_string(), c[1].to_string(), c[2].to_string())).collect()
}

#[test]
fn all_hundred_snippets_are_stored_intact() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    let tree = load_tree(dir.path());
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    let mut seen = 0;
    for page in raw_pages() {
        let raw = fs::read_to_string(&page).unwrap();
        let snippets = raw_snippets(&raw);
        assert_eq!(snippets.len(), 20, "{}", page.display());
        for (title, excerpt, dateline) in snippets {
            let rec = tree
                .recommendations
                .iter()
                .find(|r| normalize_key(&r.item.meta.title) == normalize_key(&title))
                .unwrap_or_else(|| panic!("snippet `{title}` missing"));
            assert_eq!(normalize_key(&rec.item.excerpt), normalize_key(&excerpt), "excerpt of `{title}`");
            let (category, date) = dateline.split_once(' ').unwrap();
            assert_eq!(rec.item.meta.category.as_deref(), Some(category));
            assert_eq!(rec.item.meta.date.unwrap().to_string(), date);
            seen += 1;
        }
    }
    assert_eq!(seen, 100);
    assert_eq!(tree.recommendations.len(), 100, "the five pages carry 100 distinct snippets");
}

#[test]
fn importing_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    let first = snapshot(dir.path());
    let report = import_into(dir.path(), &raw_pages());
    assert_eq!(snapshot(dir.path()), first);
    assert_eq!(report.articles_written + report.recommendations_written, 0);
}

#[test]
fn a_hand_edit_survives_reimport_and_force_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    let path = dir.path().join("articles/yi-bao-jiao-wan-bu-yong-hui-qing-ling-ma.md");
    let edited = fs::read_to_string(&path)
        .unwrap()
        .replace("不会因为未使用而清零", "不会因为未使用而清零（编辑补充：余额可继承）");
    fs::write(&path, &edited).unwrap();
    assert!(!is_pristine(&edited));
    let report = import_into(dir.path(), &raw_pages());
    assert_eq!(fs::read_to_string(&path).unwrap(), edited);
    assert_eq!(report.kept_hand_edits, vec![path.clone()]);
    assert!(report.messages.iter().any(|m| m.path == path && m.message.contains("--force")));

    policypress::import::import(&policypress::import::ImportOptions {
        inputs: raw_pages(),
        layout: policypress::layout::SiteLayout::around_content(dir.path()),
        force: true,
    })
    .unwrap();
    assert!(is_pristine(&fs::read_to_string(&path).unwrap()));
}

#[test]
fn new_pages_merge_into_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let pages = raw_pages();
    import_into(dir.path(), &pages[..2]);
    import_into(dir.path(), &pages[2..]);
    let incremental = snapshot(dir.path());
    let all_at_once = tempfile::tempdir().unwrap();
    import_into(all_at_once.path(), &pages);
    assert_eq!(incremental, snapshot(all_at_once.path()));
}

#[test]
fn identical_pages_under_other_names_are_one_article() {
    let raw = tempfile::tempdir().unwrap();
    for (i, page) in raw_pages().iter().enumerate() {
        for copy in 0..3 {
            fs::copy(page, raw.path().join(format!("copy{copy}_{i}.txt"))).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let report = import_into(dir.path(), &[raw.path().to_path_buf()]);
    assert_eq!(report.pages, 5);
    assert_eq!(report.duplicate_pages, 10);
    assert_eq!(snapshot(&dir.path().join("articles")).len(), 5);
}

#[test]
fn import_primes_the_build_front_matter_cache_with_what_parsing_reads() {
    use policypress::layout::SiteLayout;
    use policypress::render::front_matter_cache::load_tree_cached;
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    import_into(&content, &raw_pages());
    let cache = SiteLayout::new(dir.path()).front_matter_cache();
    // The shards' lines, after each file's seal.
    let shards = || -> Vec<Vec<u8>> {
        let mut shards: Vec<_> = fs::read_dir(&cache).unwrap().map(|e| fs::read(e.unwrap().path()).unwrap()).collect();
        shards.sort();
        shards
    };
    let primed = shards();
    let lines: usize =
        primed.iter().map(|s| s[policypress::fsutil::SEAL_LEN..].iter().filter(|&&b| b == b'\n').count()).sum();
    assert_eq!(lines, 5 + 100, "a line per file written");

    let describe = |tree: &policypress::content::ContentTree| -> Vec<String> {
        let articles = tree.articles.iter().map(|a| format!("{:?}", (&a.path, &a.item, a.pristine, a.body_line)));
        let recs = tree.recommendations.iter().map(|r| format!("{:?}", (&r.path, &r.item, r.pristine, r.body_line)));
        articles.chain(recs).collect()
    };
    let (cached, update) = load_tree_cached(&content, &cache);
    assert_eq!(describe(&cached), describe(&load_tree(&content)));
    update.save();
    assert_eq!(shards(), primed, "every line was a hit");
}

/// A recommendation file split at the end of its front matter.
fn split_recommendation(text: &str) -> (&str, &str) {
    let end = text[4..].find("\n---\n").unwrap() + 4 + "\n---\n".len();
    text.split_at(end)
}

/// The first recommendation (by file name) and its slug.
fn first_recommendation(content: &Path) -> (std::path::PathBuf, String) {
    let path = snapshot(&content.join("recommendations")).into_keys().next().unwrap();
    let slug = path.trim_end_matches(".md").to_string();
    (content.join("recommendations").join(path), slug)
}

fn import_forced(content: &Path) -> policypress::import::ImportReport {
    policypress::import::import(&policypress::import::ImportOptions {
        inputs: raw_pages(),
        layout: policypress::layout::SiteLayout::around_content(content),
        force: true,
    })
    .unwrap()
}

#[test]
fn force_overwrites_a_hand_edited_recommendation() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    let (path, _) = first_recommendation(dir.path());
    let generated = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("{generated}编辑追加的一句话。\n")).unwrap();
    let report = import_into(dir.path(), &raw_pages());
    assert_eq!(report.kept_hand_edits, vec![path.clone()]);
    assert!(fs::read_to_string(&path).unwrap().contains("编辑追加的一句话"), "kept without --force");

    let report = import_forced(dir.path());
    assert_eq!(fs::read_to_string(&path).unwrap(), generated, "--force restores the generated file");
    assert!(report.kept_hand_edits.is_empty());
    assert!(import_into(dir.path(), &raw_pages()).kept_hand_edits.is_empty(), "nothing left to report");
}

#[test]
fn an_owned_recommendation_keeps_its_slug_and_gets_no_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    let (path, slug) = first_recommendation(dir.path());
    let generated = fs::read_to_string(&path).unwrap();
    let (front_matter, excerpt) = split_recommendation(&generated);
    // Checksum line removed, excerpt edited in the middle: a person's file now.
    let mut chars: Vec<char> = excerpt.chars().collect();
    chars.insert(2, '※');
    let front_matter: String =
        front_matter.lines().filter(|l| !l.starts_with("checksum: ")).map(|l| l.to_string() + "\n").collect();
    let owned = format!("{front_matter}{}", chars.into_iter().collect::<String>());
    fs::write(&path, &owned).unwrap();
    let files = snapshot(&dir.path().join("recommendations")).into_keys().collect::<Vec<_>>();

    for force in [false, true] {
        if force {
            import_forced(dir.path());
        } else {
            import_into(dir.path(), &raw_pages());
        }
        assert_eq!(
            snapshot(&dir.path().join("recommendations")).into_keys().collect::<Vec<_>>(),
            files,
            "force: {force}"
        );
        let tree = load_tree(dir.path());
        let listing: Vec<_> = tree.articles.iter().filter(|a| a.item.meta.recommendations.contains(&slug)).collect();
        assert!(!listing.is_empty(), "articles still recommend `{slug}` (force: {force})");
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), generated, "--force made it the generated file again");
}
