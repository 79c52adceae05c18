//! Markdown from `content/` → HTML that is safe to embed unescaped: raw HTML
//! is shown as text, links only use harmless schemes, images become links
//! (the site requests nothing from outside hosts), and headings continue
//! below the page's one `h1` without skipping levels.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The Markdown dialect of `content/`, for rendering and for `check`.
pub const OPTIONS: Options = Options::ENABLE_TABLES.union(Options::ENABLE_STRIKETHROUGH);

/// Deepest nesting of Markdown elements (quotes, lists and their items,
/// emphasis, links…) a body may have. Real answers stay below ten; the HTML
/// minifier and browsers recurse per level, and thousands of levels (2 KB of
/// `>`) overflow a thread's stack.
pub const MAX_NESTING: usize = 40;

/// Follows the element nesting of a Markdown event stream and remembers
/// where it first went past [`MAX_NESTING`].
#[derive(Debug, Default)]
pub struct Nesting {
    depth: usize,
    /// Byte offset of the first element nested too deep.
    pub too_deep_at: Option<usize>,
}

impl Nesting {
    pub fn observe(&mut self, event: &Event<'_>, offset: usize) {
        match event {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_NESTING && self.too_deep_at.is_none() {
                    self.too_deep_at = Some(offset);
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }
}

/// The problem a body nested past [`MAX_NESTING`] at byte `offset` is
/// reported as, by `check` and `build` alike.
pub fn too_deep_error(
    path: &std::path::Path,
    body_line: usize,
    body: &str,
    offset: usize,
) -> crate::content::ContentError {
    let before = &body[..offset.min(body.len())];
    let line = body_line + before.matches('\n').count();
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    crate::content::ContentError::new(
        path,
        line,
        column,
        crate::text!("markdown-too-deep", levels = MAX_NESTING),
        crate::text!("markdown-too-deep.fix"),
    )
}

/// A Markdown text rendered once, for pages, the feed and the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    /// Plain text with block boundaries as single spaces.
    pub text: String,
    /// Where the text nests past [`MAX_NESTING`]: such a body must not be
    /// published (see [`too_deep_error`]).
    pub too_deep_at: Option<usize>,
}

pub fn render(markdown: &str) -> Rendered {
    let mut nesting = Nesting::default();
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    let mut text = String::with_capacity(markdown.len());
    // Per open link/image: whether its start tag was kept.
    let mut links: Vec<bool> = Vec::new();
    let mut headings: Vec<HeadingLevel> = Vec::new();
    let mut previous_heading = 1;
    let events = Parser::new_ext(markdown, OPTIONS).into_offset_iter().filter_map(|(event, range)| {
        nesting.observe(&event, range.start);
        match event {
            Event::Html(raw) | Event::InlineHtml(raw) => {
                text.push_str(&raw);
                Some(Event::Text(raw))
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                text.push_str(t);
                Some(event)
            }
            Event::SoftBreak | Event::HardBreak => {
                text.push(' ');
                Some(event)
            }
            Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => {
                text.push(' ');
                Some(Event::End(TagEnd::Paragraph))
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let level = (level as usize).clamp(2, previous_heading + 1);
                previous_heading = level;
                let level = heading_level(level);
                headings.push(level);
                Some(Event::Start(Tag::Heading { level, id: None, classes: Vec::new(), attrs: Vec::new() }))
            }
            Event::End(TagEnd::Heading(_)) => {
                text.push(' ');
                Some(Event::End(TagEnd::Heading(headings.pop().unwrap_or(HeadingLevel::H2))))
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id })
            | Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let keep = is_safe_url(&dest_url);
                links.push(keep);
                keep.then_some(Event::Start(Tag::Link { link_type, dest_url, title, id }))
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                links.pop().unwrap_or(false).then_some(Event::End(TagEnd::Link))
            }
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::CodeBlock | TagEnd::BlockQuote(_),
            ) => {
                text.push(' ');
                Some(event)
            }
            other => Some(other),
        }
    });
    pulldown_cmark::html::push_html(&mut html, events);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Rendered { html, text, too_deep_at: nesting.too_deep_at }
}

fn heading_level(level: usize) -> HeadingLevel {
    match level {
        0..=2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Web and mail links, and relative ones; never `javascript:` or `data:`.
fn is_safe_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    let scheme_end = lower.find([':', '/', '?', '#']);
    match scheme_end {
        Some(at) if lower.as_bytes()[at] == b':' => {
            ["http:", "https:", "mailto:"].iter().any(|scheme| lower.starts_with(scheme))
        }
        _ => !lower.starts_with("//"),
    }
}

/// The first `max` characters of `text`, with `…` when it was cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let out = render("<script>alert(1)</script>\n\n段落 <img src=x onerror=alert(1)> 结束\n");
        assert!(!out.html.contains("<script") && !out.html.contains("<img"), "{}", out.html);
        assert!(out.html.contains("&lt;script&gt;"), "{}", out.html);
        assert!(out.text.contains("<script>alert(1)</script>"));
    }

    #[test]
    fn dangerous_links_and_images_lose_their_markup() {
        let out = render(
            "[点我](javascript:alert(1)) [好](https://example.org/a) ![图](https://evil.example/x.png) [协议](//evil.example/)\n",
        );
        assert!(!out.html.contains("javascript:"), "{}", out.html);
        assert!(!out.html.contains("<img"), "{}", out.html);
        assert!(out.html.contains(r#"<a href="https://example.org/a">好</a>"#), "{}", out.html);
        assert!(out.html.contains(r#"<a href="https://evil.example/x.png">图</a>"#), "{}", out.html);
        assert!(!out.html.contains("//evil.example/\""), "{}", out.html);
        assert_eq!(out.text, "点我 好 图 协议");
    }

    #[test]
    fn headings_start_at_h2_and_never_skip() {
        let out = render("# 一\n\n#### 二\n\n## 三\n\n###### 四\n");
        assert_eq!(out.html.matches("<h2>").count(), 2, "{}", out.html);
        assert_eq!(out.html.matches("<h3>").count(), 2, "{}", out.html);
        assert!(!out.html.contains("<h1>"));
        assert_eq!(out.text, "一 二 三 四");
    }

    #[test]
    fn lists_render_and_text_is_flat() {
        let out = render("## 资金来源\n\n- 职工医保\n- 居民医保\n");
        assert!(out.html.contains("<li>职工医保</li>"), "{}", out.html);
        assert_eq!(out.text, "资金来源 职工医保 居民医保");
    }

    #[test]
    fn deep_nesting_is_found_at_its_line() {
        let path = std::path::Path::new("content/articles/a.md");
        let list: String = (0..1000).map(|depth| format!("{}- a\n", "  ".repeat(depth))).collect();
        let emphasis = format!("{}a{}", "*".repeat(5000), "*".repeat(5000));
        for (body, line) in [(format!("段落\n\n{} x\n", ">".repeat(2000)), 9), (list, 35), (emphasis, 7)] {
            let rendered = render(&body);
            let offset = rendered.too_deep_at.unwrap_or_else(|| panic!("not found: {}", &body[..40]));
            let err = too_deep_error(path, 7, &body, offset);
            assert!(err.line >= 7 && err.line <= line, "{err}");
            assert!(err.message.to_string().contains("nested more than 40 levels"), "{err}");
        }
        let fine = "> 引用\n>\n> - 一\n>   - 二 **粗体 *斜体***\n";
        assert_eq!(render(fine).too_deep_at, None);
    }

    /// Text that nests: quote and list markers, emphasis runs, brackets.
    fn nesting_heavy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just(">".to_string()),
            Just("> ".to_string()),
            Just("- ".to_string()),
            Just("  ".to_string()),
            Just("1. ".to_string()),
            Just("*".to_string()),
            Just("_".to_string()),
            Just("~~".to_string()),
            Just("[".to_string()),
            Just("](x)".to_string()),
            Just("a".to_string()),
            Just("\n".to_string()),
            Just("|".to_string()),
            Just("<div>".to_string()),
            Just("`".to_string()),
        ];
        (proptest::collection::vec((piece, 1..300usize), 1..20))
            .prop_map(|runs| runs.into_iter().map(|(piece, n)| piece.repeat(n)).collect())
    }

    fn fuzz_cases() -> u32 {
        std::env::var("POLICYPRESS_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(fuzz_cases()))]

        /// Whatever the text, rendering returns, and raw HTML in it never
        /// reaches the page as markup.
        #[test]
        fn any_text_renders_and_raw_html_stays_text(
            text in proptest::prop_oneof![nesting_heavy(), proptest::prelude::any::<String>()]
        ) {
            let rendered = render(&text);
            proptest::prop_assert!(!rendered.html.contains("<div>"), "{}", rendered.html);
        }
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("医保个人账户", 4), "医保个人…");
        assert_eq!(truncate("医保", 4), "医保");
    }
}
