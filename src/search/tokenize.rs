//! The search tokenizer. `themes/default/static/search.js` carries a
//! line-for-line copy (`tokenize`); `tests/search_vectors.json` pins both to
//! the same output, so an index built here is read correctly there.
//!
//! # Scheme
//!
//! Text is folded one code point at a time (full-width ASCII → ASCII, the
//! ideographic space → space, `A-Z` → `a-z`), then split into runs:
//!
//! * a **Han run** emits every character and every adjacent pair, in reading
//!   order (`家庭共济` → `家 家庭 庭 庭共 共 共济 济`);
//! * an **ASCII letter/digit run** is one token (`2025年` → `2025 年`,
//!   `ＡＰＰ` → `app`, `90%` → `90`);
//! * everything else (punctuation, spaces, emoji, other scripts) separates
//!   runs and is dropped.
//!
//! Why characters plus bigrams: Chinese has no spaces, and a word
//! dictionary (jieba and friends) would have to ship to the browser and be
//! reimplemented in JS with identical results. Overlapping bigrams need no
//! dictionary, behave identically on both sides, and find any substring of
//! two or more characters (`共济` inside `家庭共济`) without the missed
//! splits a segmenter makes; the single characters let one-character queries
//! work. The client searches a multi-character run by its bigrams only (see
//! [`query_terms`]), so the huge single-character postings are fetched only
//! for one-character queries.
//!
//! Why numbers stay whole but are not joined across `-`, `.`, `/`:
//! `0754-88521774` becomes `0754 88521774`. A query for the full number
//! yields the same two tokens and the client requires every token, so the
//! parts pin the document down; joined forms would add a distinct index term
//! for every phone number, date and decimal in the corpus for no gain.
//!
//! Han is a fixed table of code point ranges, not a Unicode property, so
//! Rust and the browser's regex engine cannot disagree on it.

/// Code point ranges counted as Han: the CJK unified ideographs with
/// extension A, compatibility ideographs, `〇`, and the supplementary
/// ideographic planes (extensions B onward). Mirrored in `search.js`.
pub const HAN_RANGES: [(u32, u32); 5] =
    [(0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F)];

pub(crate) fn is_han(c: char) -> bool {
    let cp = c as u32;
    HAN_RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&cp))
}

/// Width and case folding for one code point; every input maps to exactly
/// one output so that offsets in folded text match offsets in the original
/// (the client relies on that to highlight matches).
pub fn fold(c: char) -> char {
    let cp = c as u32;
    let folded = match cp {
        0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    folded.to_ascii_lowercase()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Word,
    Other,
}

fn class(c: char) -> Class {
    if is_han(c) {
        Class::Han
    } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
        Class::Word
    } else {
        Class::Other
    }
}

/// A maximal run of folded characters of one class.
struct Run {
    han: bool,
    chars: Vec<char>,
}

fn runs(text: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut previous = Class::Other;
    for c in text.chars().map(fold) {
        let current = class(c);
        if current != Class::Other {
            if current == previous {
                if let Some(run) = out.last_mut() {
                    run.chars.push(c);
                }
            } else {
                out.push(Run { han: current == Class::Han, chars: vec![c] });
            }
        }
        previous = current;
    }
    out
}

/// One token of [`tokenize`], borrowed: the indexer hashes these without
/// allocating a string per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// A single Han character.
    Char(char),
    /// Two adjacent Han characters.
    Pair(char, char),
    /// A folded ASCII letter/digit run.
    Word(&'a str),
}

impl Token<'_> {
    /// The token as [`tokenize`] returns it.
    pub fn to_text(self) -> String {
        match self {
            Token::Char(c) => c.to_string(),
            Token::Pair(a, b) => [a, b].iter().collect(),
            Token::Word(w) => w.to_string(),
        }
    }
}

/// Calls `emit` with each token of `text` in the order [`tokenize`] returns
/// them; `word` is scratch space for folded ASCII runs, reused across calls.
pub fn scan(text: &str, word: &mut String, mut emit: impl FnMut(Token<'_>)) {
    word.clear();
    let mut previous_han = None;
    for c in text.chars().map(fold) {
        match class(c) {
            Class::Han => {
                if !word.is_empty() {
                    emit(Token::Word(word));
                    word.clear();
                }
                if let Some(previous) = previous_han {
                    emit(Token::Pair(previous, c));
                }
                emit(Token::Char(c));
                previous_han = Some(c);
            }
            Class::Word => {
                previous_han = None;
                word.push(c);
            }
            Class::Other => {
                previous_han = None;
                if !word.is_empty() {
                    emit(Token::Word(word));
                    word.clear();
                }
            }
        }
    }
    if !word.is_empty() {
        emit(Token::Word(word));
        word.clear();
    }
}

/// The index tokens of `text`, in reading order, duplicates kept (term
/// frequency counts them): a Han run gives each character followed by its
/// pair with the next one.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    scan(text, &mut String::new(), |token| tokens.push(token.to_text()));
    tokens
}

/// The distinct terms a query looks up, in first-seen order: a Han run of
/// two or more characters contributes its bigrams only (they imply its
/// characters), a single Han character or a word run contributes itself.
/// Mirrored by `queryTerms` in `search.js`.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for run in runs(query) {
        let candidates: Vec<String> = if !run.han || run.chars.len() == 1 {
            vec![run.chars.iter().collect()]
        } else {
            run.chars.windows(2).map(|pair| pair.iter().collect()).collect()
        };
        for term in candidates {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
    terms
}

/// Words of a natural question that say nothing about its subject: a
/// document need not contain them (医保钱能取出来吗 asks about 医保, 钱 and
/// 取出来). Mirrored by `QUESTION_WORDS` in `search.js`.
pub const QUESTION_WORDS: [&str; 27] = [
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "能",
    "能否",
    "可以",
    "可不可以",
    "怎么",
    "怎么样",
    "怎样",
    "怎么办",
    "如何",
    "是否",
    "是不是",
    "什么",
    "为什么",
    "有什么",
    "有没有",
    "有哪些",
    "哪些",
    "哪里",
    "的",
    "了",
    "请问",
    "一下",
];

/// The words a query asks for, in order, each as its alternatives with the
/// reader's word first, given the synonym `groups` (folded, as
/// `synonyms::parse` returns them). A Han run is read left to right taking
/// the longest synonym or question word starting at each character;
/// question words are left out unless nothing else is left, and the
/// characters between known words form one word. An ASCII run is one word.
/// `queryWords` in `search.js` is a copy; `tests/search_vectors.json` pins
/// both.
pub fn query_words(query: &str, groups: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut table: std::collections::HashMap<&str, &Vec<String>> = std::collections::HashMap::new();
    for group in groups {
        for word in group {
            table.entry(word.as_str()).or_insert(group);
        }
    }
    let alternatives = |word: &str| -> Vec<String> {
        let mut out = vec![word.to_string()];
        if let Some(group) = table.get(word) {
            out.extend(group.iter().filter(|w| *w != word).cloned());
        }
        out
    };
    let longest = table.keys().map(|w| w.chars().count()).chain(QUESTION_WORDS.iter().map(|w| w.chars().count())).max();
    let longest = longest.unwrap_or(1);
    let (mut words, mut dropped) = (Vec::new(), Vec::new());
    for run in runs(query) {
        let text: String = run.chars.iter().collect();
        if !run.han {
            words.push(alternatives(&text));
            continue;
        }
        let mut plain = String::new();
        let mut i = 0;
        while i < run.chars.len() {
            let found = (1..=longest.min(run.chars.len() - i)).rev().find_map(|n| {
                let candidate: String = run.chars[i..i + n].iter().collect();
                if table.contains_key(candidate.as_str()) {
                    Some((candidate, true, n))
                } else if QUESTION_WORDS.contains(&candidate.as_str()) {
                    Some((candidate, false, n))
                } else {
                    None
                }
            });
            let Some((word, synonym, n)) = found else {
                plain.push(run.chars[i]);
                i += 1;
                continue;
            };
            if !plain.is_empty() {
                words.push(vec![std::mem::take(&mut plain)]);
            }
            if synonym {
                words.push(alternatives(&word));
            } else {
                dropped.push(vec![word]);
            }
            i += n;
        }
        if !plain.is_empty() {
            words.push(vec![plain]);
        }
    }
    if words.is_empty() { dropped } else { words }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_runs_give_characters_and_bigrams() {
        assert_eq!(tokenize("家庭共济"), ["家", "家庭", "庭", "庭共", "共", "共济", "济"]);
        assert!(tokenize("家庭共济账户").contains(&"共济".to_string()));
    }

    #[test]
    fn full_width_and_case_fold_to_ascii() {
        assert_eq!(tokenize("ＡＰＰ查询"), tokenize("app查询"));
        assert_eq!(tokenize("App"), ["app"]);
    }

    /// The tokenizer as first written, over [`runs`]: `scan` must agree.
    fn tokenize_by_runs(text: &str) -> Vec<String> {
        let mut tokens = Vec::new();
        for run in runs(text) {
            if !run.han {
                tokens.push(run.chars.iter().collect());
                continue;
            }
            for (i, &c) in run.chars.iter().enumerate() {
                tokens.push(c.to_string());
                if let Some(&next) = run.chars.get(i + 1) {
                    tokens.push([c, next].iter().collect());
                }
            }
        }
        tokens
    }

    proptest::proptest! {
        #[test]
        fn scan_agrees_with_runs(text in "[a-zA-Z0-9 ，。家庭共济ＡＢ１２　𠀀〇-]{0,40}") {
            proptest::prop_assert_eq!(tokenize(&text), tokenize_by_runs(&text));
        }
    }

    #[test]
    fn query_terms_prefer_bigrams_for_long_runs() {
        assert_eq!(query_terms("清零"), ["清零"]);
        assert_eq!(query_terms("清"), ["清"]);
        assert_eq!(query_terms("巴中 缴费标准"), ["巴中", "缴费", "费标", "标准"]);
        assert_eq!(query_terms("医保 医保 APP"), ["医保", "app"]);
        assert!(query_terms("？！…").is_empty());
    }
}
