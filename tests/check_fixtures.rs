//! `check` on a site with one file per kind of mistake: every problem is
//! reported in one run, at the right file, line and column, with a fix.

use crate::build_support;

use std::path::Path;

use policypress::check::{Diagnostic, Format, Severity, check};
use policypress::i18n::Lang;

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
    ("content/articles/broken-link.md", 6, 7, E, "link `/articles/no-such-article/` points nowhere", ""),
    ("content/articles/broken-link.md", 8, 5, E, "link `../gone/` points nowhere", ""),
    ("content/articles/broken-link.md", 9, 3, E, "link `missing.md` points nowhere", ""),
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
    ("content/articles/empty-body.md", 6, 1, E, "article has no body and no `answer`", "answer"),
    (
        "content/articles/link-to-unbuilt.md",
        6,
        6,
        W,
        "which has `relevant: false` and is not built",
        "include_irrelevant",
    ),
    ("content/articles/missing-field.md", 1, 1, E, "missing field `slug`", "add `slug: …`"),
    ("content/articles/missing-recommendation.md", 6, 5, E, "recommendation `no-such-rec` points nowhere", ""),
    ("content/articles/mistyped-fields.md", 4, 7, E, "`date: yesterday` is not a date", "YYYY-MM-DD"),
    ("content/articles/mistyped-fields.md", 5, 10, E, "`regions` must be a list, not a single value", "`regions: [5]`"),
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
    ("content/recommendations/bad-date.md", 4, 13, E, "`first_seen: 2025-13-01`: there is no month 13", ""),
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
        && d.message.render(Lang::En).contains(message)
        && d.fix.render(Lang::En).contains(fix)
}

#[test]
fn every_mistake_is_reported_in_one_run_at_its_line() {
    let report = broken_report();
    let shown = report.render(Format::Human, Lang::En);
    for expected in EXPECTED {
        assert!(report.diagnostics.iter().any(|d| matches(d, expected)), "missing {expected:?} in\n{shown}");
    }
    for d in &report.diagnostics {
        assert!(EXPECTED.iter().any(|e| matches(d, e)), "unexpected diagnostic {d}");
        assert!(!d.fix.render(Lang::En).is_empty(), "no fix for {d}");
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
fn human_output_has_the_location_the_source_line_with_a_caret_then_the_fix() {
    let shown = broken_report().render(Format::Human, Lang::En);
    let expected = "content/articles/unknown-field.md:2:1: error: unknown field `titel`
   |
 2 | titel: 医保卡丢了怎么补办
   | ^^^^^
  fix: did you mean `title`?
";
    assert!(shown.contains(expected), "{shown}");
}

#[test]
fn github_output_is_one_annotation_per_problem() {
    let shown = broken_report().render(Format::Github, Lang::En);
    assert_eq!(shown.lines().count(), EXPECTED.len());
    assert!(shown.lines().all(|l| l.starts_with("::error file=") || l.starts_with("::warning file=")), "{shown}");
    assert!(
        shown.contains(
            "::error file=content/articles/unknown-field.md,line=2,col=1,title=policypress check%3A field-unknown::unknown field `titel` (did you mean `title`?)\n"
        ),
        "{shown}"
    );
}

#[test]
fn json_output_is_an_array_of_located_diagnostics() {
    let shown = broken_report().render(Format::Json, Lang::En);
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
    assert!(!report.has_errors(), "{}", report.render(Format::Human, Lang::En));
    assert!(report.articles > 0, "the bundled content is checked");
}

#[test]
fn the_build_test_site_passes() {
    let report = check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site"));
    assert!(report.diagnostics.is_empty(), "{}", report.render(Format::Human, Lang::En));
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
        .filter(|d| d.severity == E && !LINT_ONLY.iter().any(|lint| d.message.render(Lang::En).contains(lint)))
        .map(|d| (d.file.display().to_string(), d.line, d.column, d.message.render(Lang::En), d.fix.render(Lang::En)))
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
            .map(|e| {
                let file = e.path.strip_prefix(root).unwrap().display().to_string();
                (file, e.line, e.column, e.message.render(Lang::En), e.fix.render(Lang::En))
            })
            .collect(),
        Err(policypress::BuildError::Config(policypress::config::ConfigError::Invalid {
            line,
            column,
            message,
            fix,
            ..
        })) => vec![("config.toml".into(), line, column, message.render(Lang::En), fix.render(Lang::En))],
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

/// A file with one kind of mistake an editor makes, and what `check`
/// says of it: line, column, code, and the message in English and Chinese.
type Mistake = (&'static str, &'static str, &'static [(usize, usize, &'static str, &'static str, &'static str)]);

const MISTAKES: &[Mistake] = &[
    (
        "date-and-link.md",
        "---\ntitle: 深圳医保卡怎么激活\nslug: date-and-link\ndate: 2025-04-31\ntopics: [医保卡与电子凭证]\n---\n先看[激活说明](/articles/no-such-article/)。\n",
        &[
            (
                4,
                7,
                "date-no-such-day",
                "`date: 2025-04-31`: month 4 has only 30 days",
                "`date: 2025-04-31`：4 月只有 30 天",
            ),
            (
                7,
                3,
                "reference-nowhere",
                "link `/articles/no-such-article/` points nowhere: there is no content/articles/no-such-article.md",
                "链接 `/articles/no-such-article/` 指向不存在的文件：没有 content/articles/no-such-article.md",
            ),
        ],
    ),
    (
        "four-topics.md",
        "---\ntitle: 灵活就业人员异地就医怎么报销\nslug: four-topics\ntopics: [灵活就业, 异地就医, 待遇报销, 参保缴费]\n---\n正文。\n",
        &[(
            4,
            1,
            "topics-too-many",
            "the article has 4 topics; an article takes 1–3",
            "文章有 4 个主题；每篇文章 1–3 个",
        )],
    ),
    (
        "empty-topics.md",
        "---\ntitle: 医保卡丢了怎么补办\nslug: empty-topics\ntopics: []\n---\n正文。\n",
        &[(4, 1, "topics-none", "the article has no topic", "文章没有主题")],
    ),
    (
        "repeated-region.md",
        "---\ntitle: 深圳少儿医保怎么交\nslug: repeated-region\nregions: [广东省/深圳市, 广东省/深圳市]\ntopics: [参保缴费]\n---\n正文。\n",
        &[(4, 20, "list-repeated", "`regions` lists `广东省/深圳市` twice", "`regions` 里 `广东省/深圳市` 写了两次")],
    ),
    (
        "same-title.md",
        "---\ntitle: 深圳职工医保个人账户可以给家人用吗\nslug: same-title\ntopics: [个人账户]\n---\n正文。\n",
        &[(
            2,
            1,
            "title-duplicate",
            "another article has the same title: content/articles/good-article.md",
            "另一篇文章的标题与这篇相同：content/articles/good-article.md",
        )],
    ),
    (
        "full-width-colon.md",
        "---\ntitle：广州医保卡怎么激活\nslug: full-width-colon\ntopics: [医保卡与电子凭证]\n---\n正文。\n",
        &[(
            2,
            6,
            "yaml-full-width-colon",
            "`title` is followed by a full-width colon `：`; YAML needs an ASCII colon",
            "`title` 后面是中文全角冒号 `：`，YAML 只认英文冒号",
        )],
    ),
    (
        "tab.md",
        "---\ntitle: 珠海医保卡怎么激活\nslug: tab\ntopics:\n\t- 医保卡与电子凭证\n---\n正文。\n",
        &[(
            5,
            1,
            "yaml-tab",
            "a tab character; YAML indents and separates with spaces only",
            "这里有一个制表符（Tab）；YAML 只能用空格缩进和分隔",
        )],
    ),
    (
        "region-string.md",
        "---\ntitle: 东莞医保卡怎么激活\nslug: region-string\nregions: 广东省/深圳市\ntopics: [医保卡与电子凭证]\n---\n正文。\n",
        &[(
            4,
            10,
            "field-not-a-list",
            "`regions` must be a list, not a single value",
            "`regions` 必须是列表，不能是单个值",
        )],
    ),
    (
        "placeholders.md",
        "---\ntitle: 中山医保卡怎么激活\nslug: placeholders\ntopics: [医保卡与电子凭证]\n---\n## 办理流程\n\n1. 准备材料：……\n\n### 问题一？\n\n回答……\n",
        &[
            (
                8,
                1,
                "placeholder",
                "the skeleton text from `policypress new` is still here: “1. 准备材料：……”",
                "这里还是 `policypress new` 生成的模板文字：“1. 准备材料：……”",
            ),
            (
                10,
                1,
                "placeholder",
                "the skeleton text from `policypress new` is still here: “### 问题一？”",
                "这里还是 `policypress new` 生成的模板文字：“### 问题一？”",
            ),
            (
                12,
                1,
                "placeholder",
                "the skeleton text from `policypress new` is still here: “回答……”",
                "这里还是 `policypress new` 生成的模板文字：“回答……”",
            ),
        ],
    ),
    (
        "unclosed.md",
        "---\ntitle: 佛山医保卡怎么激活\nslug: unclosed\ntopics: [医保卡与电子凭证]\n\n正文。\n正文第二段。\n",
        &[(
            1,
            1,
            "front-matter-unclosed",
            "the front matter that starts with `---` on line 1 is never closed",
            "第 1 行 `---` 开始的头信息没有结束",
        )],
    ),
];

/// A site holding a valid article and every file of [`MISTAKES`].
fn mistakes_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content/articles")).unwrap();
    let good = "---\ntitle: 深圳职工医保个人账户可以给家人用吗\nslug: good-article\ntopics: [个人账户, 家庭共济]\n---\n可以。\n";
    std::fs::write(dir.path().join("content/articles/good-article.md"), good).unwrap();
    for (file, text, _) in MISTAKES {
        let path = dir.path().join("content/articles").join(file);
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn every_editor_mistake_is_named_in_both_languages_at_its_line_and_column() {
    let site = mistakes_site();
    let report = check(site.path());
    let shown = report.render(Format::Human, Lang::En);
    let mut expected_count = 0;
    for (file, _, expected) in MISTAKES {
        let path = Path::new("content/articles").join(file);
        let found: Vec<&Diagnostic> = report.diagnostics.iter().filter(|d| d.file == path).collect();
        assert_eq!(found.len(), expected.len(), "{file}: every problem in one run, and nothing else:\n{shown}");
        for (d, &(line, column, code, en, zh)) in found.iter().zip(expected.iter()) {
            assert_eq!((d.line, d.column, d.code()), (line, column, code), "{file}:\n{shown}");
            assert_eq!(d.severity, E, "{file}");
            assert_eq!(d.message.render(Lang::En), en, "{file}");
            assert_eq!(d.message.render(Lang::Zh), zh, "{file}");
        }
        expected_count += expected.len();
    }
    assert_eq!(report.diagnostics.len(), expected_count, "{shown}");
}

#[test]
fn the_caret_points_at_the_mistake_in_both_languages() {
    let site = mistakes_site();
    let report = check(site.path());
    let english = report.render(Format::Human, Lang::En);
    let chinese = report.render(Format::Human, Lang::Zh);
    let date_en = "content/articles/date-and-link.md:4:7: error: `date: 2025-04-31`: month 4 has only 30 days
   |
 4 | date: 2025-04-31
   |       ^^^^^^^^^^
  fix: write the date as YYYY-MM-DD, e.g. 2025-04-20
";
    assert!(english.contains(date_en), "{english}");
    let date_zh = "content/articles/date-and-link.md:4:7: 错误: `date: 2025-04-31`：4 月只有 30 天
   |
 4 | date: 2025-04-31
   |       ^^^^^^^^^^
  修改: 日期写成 YYYY-MM-DD，如 2025-04-20
";
    assert!(chinese.contains(date_zh), "{chinese}");
    // Wide characters take two cells, so the caret sits under the colon.
    let colon = "
   |
 2 | title：广州医保卡怎么激活
   |      ^^
";
    assert!(english.contains(colon), "{english}");
    let tab = "
   |
 5 |     - 医保卡与电子凭证
   | ^^^^
  fix: replace the tab with spaces
";
    assert!(english.contains(tab), "{english}");
    let region_zh = "
   |
 4 | regions: 广东省/深圳市
   |          ^^^^^^^^^^^^^
  修改: 写在方括号里：`regions: [广东省/深圳市]`
";
    assert!(chinese.contains(region_zh), "{chinese}");
}

#[test]
fn json_and_github_output_carry_a_stable_english_code_in_either_language() {
    let site = mistakes_site();
    let report = check(site.path());
    let json: serde_json::Value = serde_json::from_str(&report.render(Format::Json, Lang::Zh)).unwrap();
    let tab = json.as_array().unwrap().iter().find(|d| d["file"] == "content/articles/tab.md").unwrap();
    assert_eq!(tab["code"], "yaml-tab");
    assert_eq!(tab["message"], "这里有一个制表符（Tab）；YAML 只能用空格缩进和分隔");
    let github = report.render(Format::Github, Lang::Zh);
    assert!(
        github.contains(
            "file=content/articles/tab.md,line=5,col=1,title=policypress check%3A yaml-tab::这里有一个制表符"
        ),
        "{github}"
    );
}

/// `check` run as a contributor runs it, with the locale's environment.
fn check_with_env(root: &Path, env: &[(&str, &str)], args: &[&str]) -> (String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_policypress"));
    command.arg("check").arg("--root").arg(root).args(args);
    for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let output = command.output().unwrap();
    assert!(!output.status.success(), "the mistakes fail the check");
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn check_speaks_the_locale_language_and_lang_overrides_it() {
    let site = mistakes_site();
    let (out, err) = check_with_env(site.path(), &[("LANG", "zh_CN.UTF-8")], &[]);
    assert!(out.contains("错误: `date: 2025-04-31`：4 月只有 30 天"), "{out}");
    assert!(out.contains("  修改: "), "{out}");
    assert!(err.contains("检查了 11 篇文章和 0 条推荐："), "{err}");
    let (out, err) = check_with_env(site.path(), &[("LANG", "C")], &[]);
    assert!(out.contains("error: `date: 2025-04-31`: month 4 has only 30 days"), "{out}");
    assert!(err.contains("checked 11 articles and 0 recommendations: "), "{err}");
    let (out, _) = check_with_env(site.path(), &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")], &[]);
    assert!(out.contains("month 4 has only 30 days"), "LC_ALL wins over LANG: {out}");
    let (out, _) = check_with_env(site.path(), &[("LANG", "C")], &["--lang", "zh"]);
    assert!(out.contains("4 月只有 30 天"), "--lang wins over the locale: {out}");
}

/// A site with the valid fixtures and `files` (path, text) beside them.
fn site_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in VALID {
        build_support::copy_dir(&broken_root().join(file), &dir.path().join(file));
    }
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const ARTICLE: &str = "---\ntitle: 医保卡怎么激活\nslug: ji-huo\ntopics: [个人账户]\n---\n正文。\n";

#[test]
fn content_files_the_build_never_reads_are_reported_with_where_they_belong() {
    let site = site_with(&[
        ("content/articles/ji-huo.markdown", ARTICLE),
        ("content/articles/shang-chuan.MD", ARTICLE),
        ("content/articles/bei-an.md.txt", ARTICLE),
        ("content/recommendations/zhai-yao.Md", "摘要。\n"),
        ("content/stray.md", ARTICLE),
        ("content/articles/2025/nian-du.md", "\u{feff}---\ntitle: 年度\n---\n"),
        ("content/article/typo-dir.md", ARTICLE),
        ("content/notes.md", "给编辑的笔记\n"),
        ("content/articles/good-article.MD", ARTICLE),
    ]);
    let report = check(site.path());
    let found: Vec<(String, Severity, String, String)> = report
        .diagnostics
        .iter()
        .filter(|d| d.code().starts_with("stray-"))
        .map(|d| (d.file.display().to_string(), d.severity, d.message.render(Lang::En), d.fix.render(Lang::En)))
        .collect();
    let directly_inside = "is never published: the build reads only the files directly inside content/articles/ and content/recommendations/";
    let md_only = "is never published: the build reads only files whose names end in `.md` (lowercase)";
    let expected = [
        ("content/article/typo-dir.md", E, directly_inside, "move it to content/articles/typo-dir.md".to_string()),
        ("content/articles/2025/nian-du.md", E, directly_inside, "move it to content/articles/nian-du.md".into()),
        ("content/articles/bei-an.md.txt", E, md_only, "rename it to `bei-an.md`".into()),
        (
            "content/articles/good-article.MD",
            E,
            md_only,
            "content/articles/good-article.md exists already: merge the two files and delete this one".into(),
        ),
        ("content/articles/ji-huo.markdown", E, md_only, "rename it to `ji-huo.md`".into()),
        ("content/articles/shang-chuan.MD", E, md_only, "rename it to `shang-chuan.md`".into()),
        (
            "content/notes.md",
            W,
            directly_inside,
            "move it to content/articles/notes.md, or out of content/ if it is not meant to be published".into(),
        ),
        ("content/recommendations/zhai-yao.Md", E, md_only, "rename it to `zhai-yao.md`".into()),
        ("content/stray.md", E, directly_inside, "move it to content/articles/stray.md".into()),
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for ((file, severity, message, fix), (want_file, want_severity, want_message, want_fix)) in
        found.iter().zip(&expected)
    {
        assert_eq!((file.as_str(), severity), (*want_file, want_severity));
        let name = Path::new(want_file).file_name().unwrap().to_str().unwrap();
        assert_eq!(*message, format!("`{name}` {want_message}"));
        assert_eq!(fix, want_fix);
    }
    let located = report.diagnostics.iter().find(|d| d.file == Path::new("content/stray.md")).unwrap();
    assert_eq!((located.line, located.column, located.code()), (1, 1, "stray-directory"));
    assert_eq!(
        located.message.render(Lang::Zh),
        "`stray.md` 不会发布：build 只读取直接放在 content/articles/ 和 content/recommendations/ 里的文件"
    );
    assert_eq!(located.fix.render(Lang::Zh), "移到 content/articles/stray.md");
    let renamed = report.diagnostics.iter().find(|d| d.file.ends_with("ji-huo.markdown")).unwrap();
    assert_eq!(renamed.code(), "stray-extension");
    assert_eq!(
        renamed.message.render(Lang::Zh),
        "`ji-huo.markdown` 不会发布：build 只读取文件名以小写 `.md` 结尾的文件"
    );
    assert_eq!(renamed.fix.render(Lang::Zh), "改名为 `ji-huo.md`");
}

#[test]
fn known_files_readmes_and_hidden_files_in_content_are_quiet() {
    let site = site_with(&[
        ("content/synonyms.yaml", "- 异地就医 = 异地看病\n"),
        ("content/README.md", "# 内容目录说明\n"),
        ("content/articles/.ji-huo.md.swp", "swap"),
        ("content/.drafts/ji-huo.md", ARTICLE),
        ("content/articles/cover.png", "png"),
    ]);
    let report = check(site.path());
    assert!(report.diagnostics.is_empty(), "{}", report.render(Format::Human, Lang::En));
}

#[test]
fn build_warns_about_stray_files_and_still_builds() {
    let site = site_with(&[("content/stray.md", ARTICLE)]);
    let out = site.path().join("public");
    let report = policypress::build(&build_support::options(site.path(), &out, true)).unwrap();
    let strays: Vec<String> = report.stray_files.iter().map(|e| format!("{e} ({})", e.fix.render(Lang::En))).collect();
    assert_eq!(
        strays,
        [format!(
            "{}:1:1: `stray.md` is never published: the build reads only the files directly inside content/articles/ and content/recommendations/ (move it to content/articles/stray.md)",
            site.path().join("content/stray.md").display()
        )]
    );
    assert!(out.join("articles/good-article/index.html").is_file());
}

#[test]
fn a_draft_may_keep_the_skeleton_and_lack_topics_with_warnings_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content/articles")).unwrap();
    let draft = "---\ntitle: 医保卡怎么激活\nslug: draft\ndraft: true\ntopics: []\n---\n准备材料：……\n\n回答……\n";
    std::fs::write(dir.path().join("content/articles/draft.md"), draft).unwrap();
    let report = check(dir.path());
    let codes: Vec<(&str, Severity)> = report.diagnostics.iter().map(|d| (d.code(), d.severity)).collect();
    assert_eq!(codes, [("topics-none", W), ("placeholder", W), ("placeholder", W)]);
    std::fs::write(dir.path().join("content/articles/draft.md"), draft.replace("draft: true\n", "")).unwrap();
    assert_eq!(check(dir.path()).count(Severity::Error), 3, "published, the same file fails");
}
