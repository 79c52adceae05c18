//! Property tests over the import parser: arbitrary bytes and
//! nesting-heavy pages never panic, never let markup through, and a whole
//! import writes only valid content inside its content directory.
//!
//! `cargo test` runs a bounded number of cases; set `PROPTEST_CASES` (e.g.
//! 20000) for a longer search.

use std::fs;
use std::path::Path;

use policypress::import::text_to_markdown::body_to_markdown;
use policypress::import::{ImportOptions, decode::decode, import, page::parse_page};
use proptest::prelude::*;

/// `PROPTEST_CASES`, or `default` when unset.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Pieces of the scraped format and of Markdown, HTML and YAML syntax,
/// repeated to build deep nesting and long runs.
fn piece() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("一、".to_string()),
        Just("(一)".to_string()),
        Just("  1. ".to_string()),
        Just("    • ".to_string()),
        Just("相关推荐".to_string()),
        Just("健康新闻 2025-04-20".to_string()),
        Just("首页 顶部".to_string()),
        Just("提示:本内容不能代替面诊".to_string()),
        Just(">".to_string()),
        Just("*".to_string()),
        Just("[".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("](".to_string()),
        Just("<script>".to_string()),
        Just("`".to_string()),
        Just("- ".to_string()),
        Just("#".to_string()),
        Just("---".to_string()),
        Just("{a: ".to_string()),
        Just("../".to_string()),
        Just("\u{feff}".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("\t".to_string()),
        "[\\PC&&[^\u{0}]]{1,6}",
        "[医保账户余额可以交吗，。：（）]{1,8}",
    ];
    (atoms, 1usize..400).prop_map(|(atom, times)| atom.repeat(times))
}

fn nested_page() -> impl Strategy<Value = String> {
    ("[医保怎么办（）<>/.a-z ]{1,20}", prop::collection::vec(piece(), 0..40))
        .prop_map(|(title, pieces)| format!("{title}\n{}", pieces.concat()))
}

/// Every `<` in generated Markdown is escaped: scraped text never becomes HTML.
fn assert_no_raw_html(markdown: &str) -> Result<(), TestCaseError> {
    let mut escaped = false;
    for c in markdown.chars() {
        prop_assert!(c != '<' || escaped, "unescaped `<` in:\n{markdown}");
        escaped = c == '\\' && !escaped;
    }
    Ok(())
}

fn parse_all(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(decoded) = decode(bytes)
        && let Ok(page) = parse_page(&decoded.text)
    {
        assert_no_raw_html(&body_to_markdown(&page.body_lines))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        parse_all(&bytes)?;
        // The same bytes behind each byte-order mark take the decoding paths.
        for bom in [&b"\xFF\xFE"[..], b"\xFE\xFF", b"\xEF\xBB\xBF"] {
            parse_all(&[bom, &bytes].concat())?;
        }
    }

    #[test]
    fn nesting_heavy_pages_never_panic(page in nested_page()) {
        parse_all(page.as_bytes())?;
    }
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(24)))]

    /// Whole imports of hostile pages under hostile names: the run finishes,
    /// writes nothing outside the site, and `check` accepts what it wrote.
    #[test]
    fn imports_write_only_valid_content_inside_the_site(
        pages in prop::collection::vec(("[a-z\n\u{1b}. ]{1,12}", nested_page()), 1..6),
    ) {
        let outer = tempfile::tempdir().unwrap();
        let raw = outer.path().join("raw");
        let site = outer.path().join("site");
        fs::create_dir(&raw).unwrap();
        for (i, (name, text)) in pages.iter().enumerate() {
            fs::write(raw.join(format!("{i}{name}.txt")), text).unwrap();
        }
        let options = ImportOptions { inputs: vec![raw.clone()], layout: policypress::layout::SiteLayout::new(&site), force: false };
        let report = import(&options).unwrap();
        prop_assert_eq!(report.pages + report.rejected + report.duplicate_pages, pages.len());
        let outside: Vec<String> = files_under(outer.path())
            .into_iter()
            .filter(|f| !f.starts_with("raw/") && !f.starts_with("site/content/") && !f.starts_with("site/.policypress-cache/"))
            .collect();
        prop_assert!(outside.is_empty(), "written outside content/: {:?}", outside);
        let check = policypress::check::check(&site);
        prop_assert!(!check.has_errors(), "{}", check.render(policypress::check::Format::Human, policypress::i18n::Lang::En));
    }
}
