//! `check` on a site with one file per kind of mistake: every problem is
//! reported in one run, at the right file, line and column, with a fix.

mod build_support;

use std::path::Path;

use policypress::check::{Diagnostic, Format, Severity, check};

fn broken_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken")
}

fn broken_report() -> policypress::check::CheckReport {
    check(&broken_root())
}

/// (file, line, column, severity, part of the message, part of the fix)
type Expected = (&'static str, usize, usize, Severity, &'static str, &'static str);

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

const EXPECTED: &[Expected] = &[
    ("config.toml", 3, 1, E, "unknown key `page_sise`", "did you mean `page_size`?"),
    ("content/articles/Bad_Slug.md", 3, 1, E, "slug `Bad_Slug` must be lowercase", "`bad-slug`"),
    ("content/articles/broken-link.md", 5, 7, E, "link `/articles/no-such-article/` points nowhere", ""),
    ("content/articles/broken-link.md", 7, 5, E, "link `../gone/` points nowhere", ""),
    ("content/articles/broken-link.md", 8, 3, E, "link `missing.md` points nowhere", ""),
    (
        "content/articles/duplicate-slug.md",
        3,
        1,
        E,
        "duplicate slug `good-article`: also used by content/articles/good-article.md",
        "",
    ),
    (
        "content/articles/duplicate-slug.md",
        3,
        1,
        E,
        "slug `good-article` does not match the file name `duplicate-slug.md`",
        "rename the file",
    ),
    ("content/articles/empty-body.md", 5, 1, E, "article has no body and no `answer`", "answer"),
    (
        "content/articles/link-to-unbuilt.md",
        5,
        6,
        W,
        "which has `relevant: false` and is not built",
        "include_irrelevant",
    ),
    ("content/articles/missing-field.md", 1, 1, E, "missing field `slug`", "add `slug: …`"),
    ("content/articles/missing-recommendation.md", 6, 5, E, "recommendation `no-such-rec` points nowhere", ""),
    ("content/articles/mistyped-fields.md", 4, 1, E, "field `date`: `yesterday` is not a date", "YYYY-MM-DD"),
    (
        "content/articles/mistyped-fields.md",
        5,
        10,
        E,
        "field `regions`: invalid type: integer `5`, expected a sequence",
        "广东省/深圳市",
    ),
    (
        "content/articles/slug-mismatch.md",
        3,
        1,
        E,
        "slug `yi-bao-yu-e` does not match the file name `slug-mismatch.md`",
        "",
    ),
    ("content/articles/unknown-field.md", 1, 1, E, "missing field `title`", ""),
    ("content/articles/unknown-field.md", 2, 1, E, "unknown field `titel`", "did you mean `title`?"),
    (
        "content/articles/unknown-region.md",
        5,
        5,
        E,
        "region `深圳` is not in the gazetteer",
        "did you mean `广东省/深圳市`?",
    ),
    ("content/articles/unknown-topic.md", 4, 10, E, "unknown topic `异地就诊`", "did you mean `异地就医`?"),
    ("content/articles/yaml-syntax.md", 4, 14, E, "YAML syntax error", ""),
    ("content/recommendations/bad-date.md", 4, 1, E, "field `first_seen`: `2025-13-01` is not a date", ""),
    ("content/recommendations/dangling-refs.md", 4, 10, E, "`article: no-such-article` points nowhere", ""),
    (
        "content/recommendations/dangling-refs.md",
        5,
        25,
        E,
        "`seen_on` entry `gone-article` points nowhere",
        "did you mean `good-article`?",
    ),
    ("content/recommendations/dangling-refs.md", 6, 8, E, "`group: no-such-group` points nowhere", ""),
    ("content/recommendations/no-excerpt.md", 5, 1, W, "recommendation has no excerpt", "excerpt"),
];

fn matches(d: &Diagnostic, e: &Expected) -> bool {
    let (file, line, column, severity, message, fix) = *e;
    d.file == Path::new(file)
        && (d.line, d.column, d.severity) == (line, column, severity)
        && d.message.contains(message)
        && d.fix.contains(fix)
}

#[test]
fn every_mistake_is_reported_in_one_run_at_its_line() {
    let report = broken_report();
    let shown = report.render(Format::Human);
    for expected in EXPECTED {
        assert!(report.diagnostics.iter().any(|d| matches(d, expected)), "missing {expected:?} in\n{shown}");
    }
    for d in &report.diagnostics {
        assert!(EXPECTED.iter().any(|e| matches(d, e)), "unexpected diagnostic {d}");
        assert!(!d.fix.is_empty(), "no fix for {d}");
    }
    assert_eq!(report.diagnostics.len(), EXPECTED.len(), "{shown}");
    assert!(report.has_errors());
    assert_eq!((report.articles, report.recommendations), (16, 4));
}

#[test]
fn valid_files_get_no_diagnostics() {
    let report = broken_report();
    for valid in ["good-article.md", "other-good.md", "not-built.md", "good-rec.md"] {
        let found: Vec<_> = report.diagnostics.iter().filter(|d| d.file.ends_with(valid)).collect();
        assert!(found.is_empty(), "{valid}: {found:?}");
    }
}

#[test]
fn human_output_has_the_location_then_an_indented_fix() {
    let shown = broken_report().render(Format::Human);
    assert!(
        shown.contains(
            "content/articles/unknown-field.md:2:1: error: unknown field `titel`\n  fix: did you mean `title`?\n"
        ),
        "{shown}"
    );
}

#[test]
fn github_output_is_one_annotation_per_problem() {
    let shown = broken_report().render(Format::Github);
    assert_eq!(shown.lines().count(), EXPECTED.len());
    assert!(shown.lines().all(|l| l.starts_with("::error file=") || l.starts_with("::warning file=")), "{shown}");
    assert!(
        shown.contains(
            "::error file=content/articles/unknown-field.md,line=2,col=1,title=policypress check::unknown field `titel` (did you mean `title`?)\n"
        ),
        "{shown}"
    );
}

#[test]
fn json_output_is_an_array_of_located_diagnostics() {
    let shown = broken_report().render(Format::Json);
    let parsed: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let items = parsed.as_array().unwrap();
    assert_eq!(items.len(), EXPECTED.len());
    let titel = items.iter().find(|d| d["message"] == "unknown field `titel`").unwrap();
    assert_eq!(titel["file"], "content/articles/unknown-field.md");
    assert_eq!((titel["line"].as_u64(), titel["column"].as_u64()), (Some(2), Some(1)));
    assert_eq!(titel["severity"], "error");
    assert_eq!(titel["fix"], "did you mean `title`?");
}

#[test]
fn warnings_alone_do_not_fail_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    build_support::copy_dir(&broken_root().join("content/topics.yaml"), &root.join("content/topics.yaml"));
    build_support::copy_dir(
        &broken_root().join("content/recommendations/no-excerpt.md"),
        &root.join("content/recommendations/no-excerpt.md"),
    );
    let report = check(root);
    assert_eq!(report.diagnostics.len(), 1, "{:?}", report.diagnostics);
    assert!(!report.has_errors());
}

#[test]
fn the_bundled_content_passes() {
    let report = check(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(!report.has_errors(), "{}", report.render(Format::Human));
    assert!(report.articles > 0, "the bundled content is checked");
}

#[test]
fn the_build_test_site_passes() {
    let report = check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site"));
    assert!(report.diagnostics.is_empty(), "{}", report.render(Format::Human));
}

/// Messages of `check`'s own lint rules, which `build` does not apply.
const LINT_ONLY: &[&str] = &[
    "does not match the file name",
    "article has no body and no `answer`",
    "link `",
    "`seen_on` entry",
    "`group: ",
    "recommendation has no excerpt",
];

/// A problem as both commands print it: file relative to the root, line,
/// column, message and fix.
type Located = (String, usize, usize, String, String);

/// The valid files every per-fixture site holds beside the fixture.
const VALID: &[&str] = &[
    "content/topics.yaml",
    "content/articles/good-article.md",
    "content/articles/other-good.md",
    "content/articles/not-built.md",
    "content/recommendations/good-rec.md",
];

/// `check`'s errors, less its lint-only rules.
fn check_errors(root: &Path) -> Vec<Located> {
    let mut found: Vec<Located> = check(root)
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == E && !LINT_ONLY.iter().any(|lint| d.message.contains(lint)))
        .map(|d| (d.file.display().to_string(), d.line, d.column, d.message, d.fix))
        .collect();
    found.sort();
    found
}

/// What `build` stops on, or nothing when it builds.
fn build_errors(root: &Path) -> Vec<Located> {
    let out = root.join("public");
    let mut found: Vec<Located> = match policypress::build(&build_support::options(root, &out, true)) {
        Ok(_) => Vec::new(),
        Err(policypress::BuildError::Content(errors)) => errors
            .into_iter()
            .map(|e| (e.path.strip_prefix(root).unwrap().display().to_string(), e.line, e.column, e.message, e.fix))
            .collect(),
        Err(policypress::BuildError::Config(policypress::config::ConfigError::Invalid {
            line,
            column,
            message,
            fix,
            ..
        })) => vec![("config.toml".into(), line, column, message, fix)],
        Err(other) => panic!("{}: unexpected build error {other}", root.display()),
    };
    found.sort();
    found
}

#[test]
fn build_stops_on_what_check_reports_for_every_fixture_in_the_same_words() {
    let fixtures: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    let mut fixtures: Vec<&str> = fixtures.into_iter().filter(|f| !VALID.contains(f)).collect();
    fixtures.dedup();
    let mut builds = Vec::new();
    for fixture in fixtures {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in VALID.iter().chain([&fixture]) {
            build_support::copy_dir(&broken_root().join(file), &root.join(file));
        }
        let (checked, built) = (check_errors(root), build_errors(root));
        assert_eq!(built, checked, "{fixture}: build and check disagree");
        if built.is_empty() {
            builds.push(fixture);
        }
    }
    // These break only lint rules; every other fixture stops the build.
    let lint_only = [
        "content/articles/broken-link.md",
        "content/articles/empty-body.md",
        "content/articles/link-to-unbuilt.md",
        "content/articles/slug-mismatch.md",
        "content/recommendations/no-excerpt.md",
    ];
    assert_eq!(builds, lint_only);
}

#[test]
fn without_topics_yaml_build_and_check_use_the_bundled_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for file in
        ["content/articles/good-article.md", "content/articles/other-good.md", "content/recommendations/good-rec.md"]
    {
        build_support::copy_dir(&broken_root().join(file), &root.join(file));
    }
    assert_eq!(check_errors(root), Vec::<Located>::new(), "个人账户 is a bundled topic");
    assert_eq!(build_errors(root), Vec::<Located>::new());
    assert!(root.join("public/topics/geren-zhanghu/index.html").is_file(), "the topic page is built");
}
