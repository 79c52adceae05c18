//! The keyword matcher built from the topic vocabulary.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::taxonomy::TopicVocabulary;

/// Counts, per topic, the distinct keywords found in a text, ignoring keywords that
/// sit inside one of the topic's `exclude` phrases. Built once per vocabulary.
pub(crate) struct TopicMatcher {
    automaton: AhoCorasick,
    /// For each pattern: (topic, keyword id within the matcher, or `None` for an exclude phrase).
    meanings: Vec<Vec<(usize, Option<usize>)>>,
    topics: usize,
}

impl TopicMatcher {
    pub(crate) fn new(vocabulary: &TopicVocabulary) -> TopicMatcher {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut meanings: Vec<Vec<(usize, Option<usize>)>> = Vec::new();
        let mut keywords = 0;
        for (t, topic) in vocabulary.topics.iter().enumerate() {
            let phrases = topic.keywords.iter().map(|k| (k, true)).chain(topic.exclude.iter().map(|e| (e, false)));
            for (phrase, is_keyword) in phrases {
                let phrase = phrase.trim().to_lowercase();
                let id = *index.entry(phrase.clone()).or_insert_with(|| {
                    patterns.push(phrase);
                    meanings.push(Vec::new());
                    meanings.len() - 1
                });
                let meaning = if is_keyword {
                    keywords += 1;
                    (t, Some(keywords - 1))
                } else {
                    (t, None)
                };
                if !meanings[id].iter().any(|&(topic, k)| topic == t && k.is_some() == is_keyword) {
                    meanings[id].push(meaning);
                }
            }
        }
        // Standard semantics so overlapping hits (个人账户 and 账户) are all reported.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .expect("topic keywords build an automaton");
        TopicMatcher { automaton, meanings, topics: vocabulary.topics.len() }
    }

    /// Distinct keyword hits per topic, indexed like the vocabulary.
    pub(crate) fn hits(&self, text: &str) -> Vec<usize> {
        let mut keywords: Vec<(usize, usize, usize, usize)> = Vec::new(); // topic, keyword, start, end
        let mut excluded: Vec<(usize, usize, usize)> = Vec::new(); // topic, start, end
        for found in self.automaton.find_overlapping_iter(text) {
            for &(topic, keyword) in &self.meanings[found.pattern().as_usize()] {
                match keyword {
                    Some(k) => keywords.push((topic, k, found.start(), found.end())),
                    None => excluded.push((topic, found.start(), found.end())),
                }
            }
        }
        let mut seen: Vec<usize> = Vec::new();
        let mut hits = vec![0; self.topics];
        for &(topic, k, start, end) in &keywords {
            let inside_exclude = excluded.iter().any(|&(t, s, e)| t == topic && s <= start && end <= e);
            if !inside_exclude && !seen.contains(&k) {
                seen.push(k);
                hits[topic] += 1;
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const TWO: &str = "- name: 个人账户\n  slug: geren-zhanghu\n  description: d\n  keywords: [个人账户, 余额]\n  exclude: [银行卡余额]\n- name: 异地就医\n  slug: yidi-jiuyi\n  description: d\n  keywords: [异地]\n";

    #[test]
    fn keywords_inside_exclude_phrases_do_not_count() {
        let matcher = TopicMatcher::new(&TopicVocabulary::parse(Path::new("topics.yaml"), TWO).expect("valid"));
        assert_eq!(matcher.hits("医保余额"), [1, 0]);
        assert_eq!(matcher.hits("银行卡余额不足"), [0, 0]);
        assert_eq!(matcher.hits("个人账户余额异地能用吗,余额"), [2, 1]);
    }
}
