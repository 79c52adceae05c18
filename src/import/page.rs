//! The scraped page format, learned from the real pages: a title line, an
//! optional one-line short answer, the body as indented plain text, notices,
//! then a `相关推荐` block of `title / excerpt / <category> <date>` snippets,
//! sometimes ending with `首页 顶部`.

use std::collections::BTreeSet;

use crate::model::{Date, Notice};
use crate::text::clean_prose;

/// One recommendation snippet as printed on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetSeen {
    pub title: String,
    pub excerpt: String,
    pub category: Option<String>,
    pub date: Option<Date>,
}

/// A scraped page split into its parts; the body is still plain text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrapedPage {
    pub title: String,
    pub answer: Option<String>,
    pub body_lines: Vec<String>,
    pub notices: BTreeSet<Notice>,
    pub snippets: Vec<SnippetSeen>,
    /// Lines that are navigation chrome (`大家都在搜`, `首页 顶部`).
    pub dropped_chrome: usize,
}

const RECOMMENDATIONS_HEADING: &str = "相关推荐";
const CHROME_LINES: &[&str] = &["大家都在搜", "首页 顶部", "首页顶部"];
const SOURCING_PREFIX: &str = "本信息整理自互联网公开渠道";
const MEDICAL_PREFIXES: &[&str] = &["提示:本内容不能代替面诊", "提示：本内容不能代替面诊", "本文所涉医学知识"];
/// A short answer is a phrase, not a sentence: pages put their one-line
/// verdict (`可以`, `门诊、药店自付及部分住院费用`) right under the title.
const MAX_ANSWER_CHARS: usize = 40;

/// Why a page cannot become an article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("no title line")]
    NoTitle,
}

pub fn parse_page(text: &str) -> Result<ScrapedPage, PageError> {
    let lines: Vec<&str> = text.lines().collect();
    let title_index = lines.iter().position(|l| !l.trim().is_empty()).ok_or(PageError::NoTitle)?;
    let title = clean_prose(lines[title_index].trim());
    if title.is_empty() {
        return Err(PageError::NoTitle);
    }
    let rest = &lines[title_index + 1..];
    let block_start = rest.iter().position(|l| l.trim() == RECOMMENDATIONS_HEADING).unwrap_or(rest.len());
    let (article_lines, block_lines) = rest.split_at(block_start);
    let block_lines = block_lines.get(1..).unwrap_or(&[]);

    let mut notices = BTreeSet::new();
    let mut dropped_chrome = 0;
    let mut body: Vec<String> = Vec::new();
    for line in article_lines {
        let trimmed = line.trim();
        if trimmed.starts_with(SOURCING_PREFIX) {
            notices.insert(Notice::Sourcing);
        } else if MEDICAL_PREFIXES.iter().any(|p| trimmed.starts_with(p)) {
            notices.insert(Notice::Medical);
        } else if CHROME_LINES.contains(&trimmed) {
            dropped_chrome += 1;
        } else {
            body.push(line.trim_end().to_string());
        }
    }
    trim_blank_edges(&mut body);
    let answer = take_short_answer(&mut body);

    let (snippets, chrome) = parse_snippets(block_lines);
    dropped_chrome += chrome;
    Ok(ScrapedPage { title, answer, body_lines: body, notices, snippets, dropped_chrome })
}

fn trim_blank_edges(lines: &mut Vec<String>) {
    // One drain, not a removal per line: a page may open with a million
    // blank lines.
    let leading = lines.iter().take_while(|l| l.trim().is_empty()).count();
    lines.drain(..leading);
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
}

/// Moves the first body line into `answer` when it is a verdict phrase
/// rather than the opening sentence, a heading or a list item.
fn take_short_answer(body: &mut Vec<String>) -> Option<String> {
    let first = body.first()?;
    let candidate = first.trim();
    let is_structure = first.starts_with(' ') || is_section_heading(candidate) || candidate.starts_with('•');
    let sentence_like = candidate.chars().any(|c| matches!(c, '。' | ',' | '，' | '；' | ';'))
        || candidate.ends_with([':', '：', '.', '?', '？']);
    let followed_by_more = body.iter().skip(1).any(|l| !l.trim().is_empty());
    if is_structure || sentence_like || !followed_by_more || candidate.chars().count() > MAX_ANSWER_CHARS {
        return None;
    }
    let answer = clean_prose(candidate);
    body.remove(0);
    trim_blank_edges(body);
    Some(answer)
}

/// `一、…` headings (and `(一)…` sub-headings) as used by the pages.
pub fn is_section_heading(line: &str) -> bool {
    let numerals = "一二三四五六七八九十";
    let mut chars = line.chars();
    let first = chars.next();
    match first {
        Some('(' | '（') => {
            let inner: String = chars.by_ref().take_while(|c| numerals.contains(*c)).collect();
            !inner.is_empty()
        }
        Some(c) if numerals.contains(c) => {
            let rest: String = line.chars().skip_while(|c| numerals.contains(*c)).take(1).collect();
            rest == "、"
        }
        _ => false,
    }
}

/// Parses `title / excerpt… / <category> <date>` groups. Returns the
/// snippets and how many chrome lines were dropped.
fn parse_snippets(lines: &[&str]) -> (Vec<SnippetSeen>, usize) {
    let mut snippets = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut chrome = 0;
    for line in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if CHROME_LINES.contains(&trimmed) {
            chrome += 1;
            continue;
        }
        if let Some((category, date)) = parse_dateline(trimmed) {
            if let Some(snippet) = snippet_from(&pending, Some(category), Some(date)) {
                snippets.push(snippet);
            }
            pending.clear();
        } else {
            pending.push(trimmed);
        }
    }
    // A block cut off before its date line still carries a title and text.
    if let Some(snippet) = snippet_from(&pending, None, None) {
        snippets.push(snippet);
    }
    (snippets, chrome)
}

fn snippet_from(lines: &[&str], category: Option<&str>, date: Option<Date>) -> Option<SnippetSeen> {
    let (title, excerpt) = lines.split_first()?;
    Some(SnippetSeen {
        title: clean_prose(title),
        excerpt: clean_prose(&excerpt.join(" ")),
        category: category.map(str::to_string),
        date,
    })
}

/// `健康新闻 2025-04-20` → (`健康新闻`, date).
fn parse_dateline(line: &str) -> Option<(&str, Date)> {
    let (category, date) = line.rsplit_once(char::is_whitespace)?;
    let category = category.trim();
    let date: Date = date.parse().ok()?;
    let plausible = !category.is_empty() && category.chars().count() <= 8 && !category.contains(char::is_whitespace);
    plausible.then_some((category, date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_answer_is_taken_only_when_it_is_a_phrase() {
        let page = parse_page("标题\n\n可以\n\n正文第一段。\n").unwrap();
        assert_eq!(page.answer.as_deref(), Some("可以"));
        assert_eq!(page.body_lines, vec!["正文第一段。"]);
        let page = parse_page("标题\n\n医保个人账户的资金不会清零,具体说明如下:\n\n一、性质\n").unwrap();
        assert_eq!(page.answer, None);
        let page = parse_page("标题\n\n一、主要功能\n\n内容\n").unwrap();
        assert_eq!(page.answer, None);
    }

    #[test]
    fn a_page_that_is_only_a_title_parses() {
        let page = parse_page("只有标题\n").unwrap();
        assert_eq!(page.title, "只有标题");
        assert!(page.body_lines.is_empty() && page.snippets.is_empty());
    }

    #[test]
    fn snippets_and_trailing_chrome() {
        let page = parse_page("T\n\n正文。\n相关推荐\n\n甲\n\n甲的摘要\n\n健康新闻 2025-04-20\n\n乙\n\n乙的摘要\n\n健康新闻 2025-03-28\n首页 顶部\n").unwrap();
        assert_eq!(page.snippets.len(), 2);
        assert_eq!(page.snippets[1].title, "乙");
        assert_eq!(page.snippets[1].date.unwrap().to_string(), "2025-03-28");
        assert_eq!(page.dropped_chrome, 1);
    }

    #[test]
    fn headings() {
        assert!(is_section_heading("一、主要功能"));
        assert!(is_section_heading("十二、其他"));
        assert!(is_section_heading("(一)线上操作(推荐)"));
        assert!(!is_section_heading("一些说明"));
    }
}
