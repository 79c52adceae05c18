//! Plain-text page bodies → Markdown. The pages encode structure with
//! indentation and markers: `一、` section headings, `(一)` sub-headings,
//! `  1. ` numbered items, `    • ` bullets nested under them.

use super::page::is_section_heading;
use crate::text::clean_prose;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Heading,
    Item,
    Bullet { nested: bool },
    Paragraph { nested: bool },
}

/// Converts body lines to Markdown, blocks separated by blank lines.
pub fn body_to_markdown(lines: &[String]) -> String {
    let mut out = String::new();
    let mut in_item = false;
    for line in lines {
        let content = line.trim();
        if content.is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let (block, text) = classify_line(content, indent, in_item);
        in_item = match block {
            Block::Item => true,
            Block::Heading => false,
            Block::Paragraph { nested } | Block::Bullet { nested } => nested,
        };
        if !out.is_empty() {
            out.push('\n');
        }
        match block {
            Block::Heading if content.starts_with(['(', '（']) => out.push_str("### "),
            Block::Heading => out.push_str("## "),
            Block::Item => {
                let number: String = content.chars().take_while(char::is_ascii_digit).collect();
                out.push_str(&number);
                out.push_str(". ");
            }
            Block::Bullet { nested } => out.push_str(if nested { "   - " } else { "- " }),
            Block::Paragraph { nested: true } => out.push_str("   "),
            Block::Paragraph { nested: false } => {}
        }
        let escaped = escape_inline(&clean_prose(text));
        let at_line_start = matches!(block, Block::Paragraph { .. });
        out.push_str(&if at_line_start { escape_line_start(&escaped) } else { escaped });
        out.push('\n');
    }
    out
}

fn classify_line(content: &str, indent: usize, in_item: bool) -> (Block, &str) {
    if is_section_heading(content) {
        return (Block::Heading, content);
    }
    if let Some(rest) = numbered_item(content) {
        return (Block::Item, rest);
    }
    if let Some(rest) = content.strip_prefix('•') {
        return (Block::Bullet { nested: in_item }, rest.trim_start());
    }
    (Block::Paragraph { nested: in_item && indent >= 2 }, content)
}

/// `1. 资金来源` → `资金来源`.
fn numbered_item(content: &str) -> Option<&str> {
    let digits = content.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = content[digits..].strip_prefix(". ")?;
    Some(rest.trim_start())
}

/// Escapes characters Markdown would read as inline markup or raw HTML,
/// so scraped text renders as the text it is.
pub fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes what Markdown would read as block syntax at the start of a
/// paragraph line (`#`, `-`, `+`, `1.`, `=`).
fn escape_line_start(text: &str) -> String {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && text[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &text[..digits], &text[digits..]);
    }
    if text.starts_with(['#', '-', '+', '=']) {
        return format!("\\{text}");
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(text: &str) -> String {
        body_to_markdown(&text.lines().map(str::to_string).collect::<Vec<_>>())
    }

    #[test]
    fn headings_lists_and_nested_bullets() {
        let out = md("一、主要功能\n\n  1. 资金来源\n\n    • 职工医保:个人缴纳\n(一)线上操作(推荐)\n\n结尾。");
        assert_eq!(
            out,
            "## 一、主要功能\n\n1. 资金来源\n\n   - 职工医保：个人缴纳\n\n### （一）线上操作（推荐）\n\n结尾。\n"
        );
    }

    #[test]
    fn indented_paragraphs_stay_inside_their_item() {
        let out = md("  1. 支付门诊费用\n\n    包括普通门诊。\n\n通过合理使用。");
        assert_eq!(out, "1. 支付门诊费用\n\n   包括普通门诊。\n\n通过合理使用。\n");
    }

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(md("<script>alert(1)</script>"), "\\<script\\>alert(1)\\</script\\>\n");
        assert_eq!(md("2025. 年"), "2025\\.年\n");
        assert_eq!(md("# 不是标题"), "\\#不是标题\n");
    }
}
