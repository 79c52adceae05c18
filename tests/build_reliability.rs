//! Hostile content and unlucky file systems: every one ends in a clear
//! error naming the file and line, or in a correct site; never in an abort
//! or in someone else's files deleted.

use crate::build_support;

use std::fs;
use std::path::{Path, PathBuf};

use build_support::*;
use policypress::check::check;
use policypress::render::{BuildError, build};

const ARTICLE: &str = "content/articles/yi-bao-ge-ren-zhang-hu-zen-me-chong-zhi-jiao-fei.md";

fn site_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(&fixture_root(), &root);
    (dir, root)
}

/// The problems `build` reports in the edited article, as
/// `file:line: message` lines (a file that fails to load is also reported
/// where other files refer to it).
fn build_problems(root: &Path) -> Vec<String> {
    match build(&options(root, &root.join("public"), true)) {
        Err(BuildError::Content(errors)) => errors
            .iter()
            .map(|e| format!("{}:{}: {}", e.path.strip_prefix(root).unwrap().display(), e.line, e.message))
            .filter(|problem| problem.starts_with(ARTICLE))
            .collect(),
        Err(other) => panic!("expected content errors, got {other}"),
        Ok(_) => Vec::new(),
    }
}

/// The errors `check` reports in the edited article.
fn check_errors(root: &Path) -> Vec<String> {
    check(root)
        .diagnostics
        .iter()
        .filter(|d| d.severity == policypress::check::Severity::Error)
        .map(|d| format!("{}:{}: {}", d.file.display(), d.line, d.message))
        .filter(|problem| problem.starts_with(ARTICLE))
        .collect()
}

/// Replaces the article's body, keeping its front matter.
fn set_body(root: &Path, body: &str) -> usize {
    let path = root.join(ARTICLE);
    let text = fs::read_to_string(&path).unwrap();
    let end = text[4..].find("\n---\n").unwrap() + 4 + 5;
    fs::write(&path, format!("{}{body}", &text[..end])).unwrap();
    text[..end].lines().count() + 1
}

#[test]
fn deep_markdown_is_refused_by_check_and_build_at_its_line() {
    let (_dir, root) = site_copy();
    let list: String = (0..1000).map(|depth| format!("{}- 一项\n", "  ".repeat(depth))).collect();
    for (what, body) in [
        ("quotes", format!("{} x\n", ">".repeat(2000))),
        ("list", list),
        ("emphasis", format!("{}a{}\n", "*".repeat(5000), "*".repeat(5000))),
    ] {
        let body_line = set_body(&root, &format!("第一段。\n\n{body}"));
        let problems = build_problems(&root);
        assert_eq!(problems.len(), 1, "{what}: {problems:?}");
        assert!(problems[0].contains("nested more than 40 levels"), "{what}: {problems:?}");
        let line: usize = problems[0].split(':').nth(1).unwrap().parse().unwrap();
        assert!(line >= body_line + 2 && line < body_line + 40, "{what}: {problems:?}");
        assert_eq!(check_errors(&root), problems, "{what}: check and build agree");
    }
    set_body(&root, &format!("{}嵌套得不深\n", "> ".repeat(10)));
    assert_eq!(build_problems(&root), Vec::<String>::new());
}

#[test]
fn a_twenty_thousand_letter_word_builds() {
    // `*a` repeated renders flat, but it is one 20,000-letter word to the
    // search index, whose elasticlunr trie once nested a level per letter
    // and overflowed the stack.
    let (_dir, root) = site_copy();
    set_body(&root, &format!("第一段。\n\n{}\n", "*a".repeat(20_000)));
    build(&options(&root, &root.join("public"), true)).unwrap();
    let index = fs::read(root.join("public/search_index.zh.json")).unwrap();
    serde_json::from_slice::<serde_json::Value>(&index).expect("the elasticlunr file parses");
}

#[test]
fn deeply_nested_front_matter_is_refused_at_its_line() {
    let (_dir, root) = site_copy();
    let path = root.join(ARTICLE);
    let text = fs::read_to_string(&path).unwrap();
    let nested = format!("regions: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    fs::write(&path, text.replacen("regions: []", &nested, 1)).unwrap();
    let line = text.lines().position(|l| l.starts_with("regions:")).unwrap() + 1;
    let problems = build_problems(&root);
    assert_eq!(problems, [format!("{ARTICLE}:{line}: the front matter nests `[` or `{{` more than 16 levels deep")]);
    let checked = check_errors(&root);
    assert_eq!(checked.len(), 1, "{checked:?}");
    assert!(checked[0].starts_with(&format!("{ARTICLE}:{line}: ")) && checked[0].contains("16 levels"), "{checked:?}");
}

#[test]
fn an_empty_title_fails_build_as_it_fails_check() {
    let (_dir, root) = site_copy();
    let path = root.join(ARTICLE);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replacen("title: 医保个人账户怎么充值缴费", "title: \"\"", 1)).unwrap();
    let expected = [format!("{ARTICLE}:2: `title` is empty")];
    assert_eq!(build_problems(&root), expected);
    assert_eq!(check_errors(&root), expected);
}

#[test]
fn a_bad_date_is_reported_on_the_date_line() {
    let (_dir, root) = site_copy();
    let path = root.join(ARTICLE);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replacen("date: 2025-04-20", "date: 2025-13-45", 1)).unwrap();
    let line = text.lines().position(|l| l.starts_with("date:")).unwrap() + 1;
    let problems = build_problems(&root);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with(&format!("{ARTICLE}:{line}: ")), "{problems:?}");
    assert!(problems[0].contains("`date: 2025-13-45`: there is no month 13"), "{problems:?}");
}

#[test]
fn other_tools_files_survive_or_the_build_refuses() {
    let (dir, root) = site_copy();
    let out = root.join("public");
    build(&options(&root, &out, true)).unwrap();
    fs::write(out.join("extra.txt"), "another tool's").unwrap();
    build(&options(&root, &out, true)).unwrap();
    assert_eq!(read(&out, "extra.txt"), "another tool's", "a rebuild keeps files it did not write");

    // Without the cache nothing tells the build's files from other tools'.
    fs::remove_dir_all(root.join(".policypress-cache")).unwrap();
    let err = build(&options(&root, &out, true)).unwrap_err();
    assert!(matches!(err, BuildError::Output(_)) && err.to_string().contains("--fresh"), "{err}");
    assert_eq!(read(&out, "extra.txt"), "another tool's");
    let mut fresh = options(&root, &out, true);
    fresh.fresh = true;
    build(&fresh).unwrap();
    assert!(!out.join("extra.txt").exists(), "--fresh replaces the directory whole");

    // Building elsewhere in between does not make `build` forget `public/`.
    let other = dir.path().join("other");
    build(&options(&root, &other, true)).unwrap();
    fs::write(other.join("notes.txt"), "mine").unwrap();
    fs::write(out.join("extra.txt"), "another tool's").unwrap();
    build(&options(&root, &out, true)).unwrap();
    build(&options(&root, &other, true)).unwrap();
    assert_eq!(read(&other, "notes.txt"), "mine");
    assert_eq!(read(&out, "extra.txt"), "another tool's");
}

#[test]
fn leftovers_of_killed_builds_are_removed() {
    let (_dir, root) = site_copy();
    let out = root.join("public");
    build(&options(&root, &out, true)).unwrap();
    // Process ids stop at 2^22: no build has these.
    for name in ["public.tmp-4194400", "public.old-4194401", "public.tmp-4194402"] {
        fs::create_dir_all(root.join(name).join("articles")).unwrap();
        fs::write(root.join(name).join("articles/index.html"), "half a site").unwrap();
    }
    build(&options(&root, &out, true)).unwrap();
    let mut names: Vec<String> =
        fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, [".policypress-cache", "config.toml", "content", "public", "public.spare", "static"]);
}
