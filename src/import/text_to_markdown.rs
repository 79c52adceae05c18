//! Plain-text page bodies → Markdown. The pages encode structure with
//! indentation and markers: `一、` section headings, `(一)` sub-headings,
//! `  1. ` numbered items, `    • ` bullets nested under them.
//!
//! Some pages number every sub-heading of a section `1.`, with paragraphs
//! between them. Read as a list, that is several lists each numbered 1;
//! an editor reads it as a sequence of sub-headings, and so does import:
//! when a section holds two or more numbered items and all of them are
//! `1.`, each becomes a heading one level below the section's.

use super::page::is_section_heading;
use crate::text::clean_prose;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Heading,
    /// A `1.` of a run of `1.`s: a heading under its section.
    ItemHeading,
    Item,
    Bullet {
        nested: bool,
    },
    Paragraph {
        nested: bool,
    },
}

/// Converts body lines to Markdown, blocks separated by blank lines.
pub fn body_to_markdown(lines: &[String]) -> String {
    let item_headings = item_heading_runs(lines);
    let mut out = String::new();
    let mut in_item = false;
    let mut sub_heading_seen = false;
    for (index, line) in lines.iter().enumerate() {
        let content = line.trim();
        if content.is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let (mut block, text) = classify_line(content, indent, in_item);
        if block == Block::Item && item_headings[index] {
            block = Block::ItemHeading;
        }
        in_item = match block {
            Block::Item => true,
            Block::Heading | Block::ItemHeading => false,
            Block::Paragraph { nested } | Block::Bullet { nested } => nested,
        };
        if !out.is_empty() {
            out.push('\n');
        }
        match block {
            Block::Heading if content.starts_with(['(', '（']) => {
                sub_heading_seen = true;
                out.push_str("### ");
            }
            Block::Heading => {
                sub_heading_seen = false;
                out.push_str("## ");
            }
            Block::ItemHeading => out.push_str(if sub_heading_seen { "#### " } else { "### " }),
            Block::Item => {
                let number: String = content.chars().take_while(char::is_ascii_digit).collect();
                out.push_str(&number);
                out.push_str(". ");
            }
            Block::Bullet { nested } => out.push_str(if nested { "   - " } else { "- " }),
            Block::Paragraph { nested: true } => out.push_str("   "),
            Block::Paragraph { nested: false } => {}
        }
        // After a list marker the text starts a line too: `1. 1. 1. …`
        // would otherwise nest a list per marker.
        out.push_str(&escape_line_start(&escape_inline(&clean_prose(text))));
        out.push('\n');
    }
    out
}

/// For each line, whether it is a numbered item of a section whose
/// numbered items are two or more and all `1.`.
fn item_heading_runs(lines: &[String]) -> Vec<bool> {
    let mut marked = vec![false; lines.len()];
    let mut section: Vec<usize> = Vec::new();
    let mut all_ones = true;
    let mut close = |section: &mut Vec<usize>, all_ones: &mut bool| {
        if section.len() >= 2 && *all_ones {
            for &i in section.iter() {
                marked[i] = true;
            }
        }
        section.clear();
        *all_ones = true;
    };
    for (index, line) in lines.iter().enumerate() {
        let content = line.trim();
        if is_section_heading(content) {
            close(&mut section, &mut all_ones);
        } else if numbered_item(content).is_some() {
            section.push(index);
            all_ones &= content.starts_with("1.");
        }
    }
    close(&mut section, &mut all_ones);
    marked
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
    fn a_run_of_ones_becomes_sub_headings_and_keeps_every_line() {
        let out = md(
            "一、允许使用范围\n\n  1. 支付对象\n\n可用于支付本人。\n\n  1. 禁止用途\n\n不能用于健身。\n二、操作流程\n\n  1. 使用限制\n  • 仅限目录内。\n\n  1. 地区差异\n\n咨询当地。",
        );
        assert_eq!(
            out,
            "## 一、允许使用范围\n\n### 支付对象\n\n可用于支付本人。\n\n### 禁止用途\n\n不能用于健身。\n\n## 二、操作流程\n\n### 使用限制\n\n- 仅限目录内。\n\n### 地区差异\n\n咨询当地。\n"
        );
    }

    #[test]
    fn a_single_one_or_a_counted_list_stays_a_list() {
        assert_eq!(md("一、办理\n\n  1. 前往医保经办机构\n\n结尾。"), "## 一、办理\n\n1. 前往医保经办机构\n\n结尾。\n");
        assert_eq!(md("  1. 甲\n\n  2. 乙"), "1. 甲\n\n2. 乙\n");
        assert_eq!(md("（一）线上\n\n  1. 甲\n\n  1. 乙"), "### （一）线上\n\n#### 甲\n\n#### 乙\n");
    }

    #[test]
    fn markers_after_a_marker_stay_text() {
        assert_eq!(md("  1. 1. 1. 1. 1."), "1. 1\\. 1. 1. 1.\n");
        assert_eq!(md("    • - - -"), "- \\- - -\n");
    }

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(md("<script>alert(1)</script>"), "\\<script\\>alert(1)\\</script\\>\n");
        assert_eq!(md("2025. 年"), "2025\\.年\n");
        assert_eq!(md("# 不是标题"), "\\#不是标题\n");
    }
}
