//! `content/synonyms.yaml`: groups of words a reader and the site use for
//! the same thing (`取出来` and `提现`). One group per line, a YAML list of
//! strings:
//!
//! ```yaml
//! - 医保 = 医疗保险 = 基本医疗保险
//! - 提现 = 取现 = 取出来
//! ```
//!
//! The groups are applied at query time by `search.js` (written into the
//! search manifest), not at index time: the index does not grow, an edit
//! takes effect without re-tokenizing the site, and the highlight can mark
//! the site's word the reader did not type. On the bundled site the
//! manifest grows by about 2 KB.

use std::collections::HashMap;

use super::tokenize::is_han;
use crate::diagnostic::{Diagnostic, Severity};
use crate::i18n::Text;
use crate::layout::SiteLayout;
use crate::text;

/// One problem in the file, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymProblem {
    pub line: usize,
    pub message: Text,
    pub fix: Text,
}

/// Terms that mean the same, in file order; every term folded as the
/// tokenizer folds it.
pub type Groups = Vec<Vec<String>>;

/// The groups of `text`, or every problem found. A term may be a Han word
/// or ASCII letters and digits; terms that the tokenizer would split
/// (spaces, punctuation) are refused, since the client could not match them.
pub fn parse(text: &str) -> Result<Groups, Vec<SynonymProblem>> {
    let mut groups: Groups = Vec::new();
    let mut problems = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let Some(group) = content.strip_prefix('-').map(str::trim) else {
            problems.push(SynonymProblem {
                line,
                message: text!("synonyms-not-item", line = content),
                fix: text!("synonyms-not-item.fix"),
            });
            continue;
        };
        let group = group.trim_matches(|c| c == '"' || c == '\'');
        let terms: Vec<String> =
            group.split('=').map(|t| t.trim().chars().map(super::tokenize::fold).collect()).collect();
        if terms.iter().all(String::is_empty) {
            problems.push(SynonymProblem { line, message: text!("synonyms-empty"), fix: text!("synonyms-empty.fix") });
            continue;
        }
        let mut ok = true;
        for term in &terms {
            let one_word = !term.is_empty()
                && (term.chars().all(is_han) || term.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
            if !one_word {
                problems.push(SynonymProblem {
                    line,
                    message: text!("synonyms-not-word", term = term.as_str()),
                    fix: text!("synonyms-not-word.fix"),
                });
                ok = false;
            } else if let Some(&earlier) = first_seen.get(term) {
                problems.push(SynonymProblem {
                    line,
                    message: text!("synonyms-repeated", term = term.as_str(), earlier = earlier),
                    fix: text!("synonyms-repeated.fix"),
                });
                ok = false;
            }
        }
        if terms.len() < 2 && ok {
            problems.push(SynonymProblem {
                line,
                message: text!("synonyms-single", group = group),
                fix: text!("synonyms-single.fix"),
            });
            ok = false;
        }
        for term in &terms {
            first_seen.entry(term.clone()).or_insert(line);
        }
        if ok {
            groups.push(terms);
        }
    }
    if problems.is_empty() { Ok(groups) } else { Err(problems) }
}

/// `check`'s findings in the site's synonyms file; a missing file is
/// fine (no synonyms).
pub fn check(layout: &SiteLayout, diagnostics: &mut Vec<Diagnostic>) {
    let Ok(text) = std::fs::read_to_string(layout.synonyms_file()) else { return };
    let Err(problems) = parse(&text) else { return };
    diagnostics.extend(problems.into_iter().map(|p| Diagnostic {
        file: layout.relative(&layout.synonyms_file()),
        line: p.line,
        column: 1,
        severity: Severity::Error,
        message: p.message,
        fix: p.fix,
        source: None,
    }));
}

/// The site's groups: none when the file is missing, and the valid
/// groups of a file with problems (`check` reports those), so that one bad
/// line never takes search down.
pub fn load(layout: &SiteLayout) -> Groups {
    let Ok(text) = std::fs::read_to_string(layout.synonyms_file()) else { return Vec::new() };
    parse(&text).unwrap_or_else(|_| {
        let mut seen = std::collections::HashSet::new();
        text.lines()
            .filter_map(|line| parse(line).ok())
            .flatten()
            .filter(|group| group.iter().all(|t| seen.insert(t.clone())))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_fold_like_the_tokenizer() {
        let groups = parse("# reader words\n- 医保 = 医疗保险\n\n- APP = 客户端  # app\n").unwrap();
        assert_eq!(groups, [vec!["医保", "医疗保险"], vec!["app", "客户端"]]);
    }

    #[test]
    fn problems_name_their_line() {
        let problems =
            parse("- 医保 = 医疗保险\n- 异地 = 外地\n- 外地 = 省外\n-\n- 单独\n医保卡\n- 医 保 = 社保\n").unwrap_err();
        let lines: Vec<(usize, String)> =
            problems.iter().map(|p| (p.line, p.message.render(crate::i18n::Lang::En))).collect();
        let lines: Vec<(usize, &str)> = lines.iter().map(|(line, message)| (*line, message.as_str())).collect();
        assert_eq!(
            lines,
            [
                (3, "`外地` is already in the group on line 2"),
                (4, "empty group"),
                (5, "group `单独` has a single word"),
                (6, "`医保卡` is not a list item"),
                (7, "`医 保` is not one word"),
            ]
        );
    }

    #[test]
    fn a_bad_line_keeps_the_good_groups() {
        let dir = tempfile::tempdir().unwrap();
        let layout = SiteLayout::new(dir.path());
        std::fs::create_dir_all(layout.content()).unwrap();
        std::fs::write(layout.synonyms_file(), "- 医保 = 医疗保险\n- 坏\n- 异地 = 外地\n").unwrap();
        assert_eq!(load(&layout), [vec!["医保", "医疗保险"], vec!["异地", "外地"]]);
    }
}
