//! The topic vocabulary contributors edit in `content/topics.yaml`.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::content::ContentError;
use crate::i18n::Text;
use crate::layout::SiteLayout;
use crate::text;

/// The vocabulary a new site starts from.
pub const BUNDLED_TOPICS: &str = include_str!("../../content/topics.yaml");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// An entry of `topics.yaml` marked `relevant: false`: not a topic but a
/// kind of item the site leaves out, such as hospital advertising.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffTopicRule {
    /// Recorded as the item's `irrelevant_reason`.
    pub name: String,
    /// Phrases that, found in the title, mark the item.
    pub keywords: Vec<String>,
    /// Phrases that keep a marked title relevant (`能走医保吗`).
    pub unless: Vec<String>,
}

impl OffTopicRule {
    pub fn matches(&self, title: &str) -> bool {
        self.keywords.iter().any(|k| title.contains(k.as_str()))
            && !self.unless.iter().any(|u| title.contains(u.as_str()))
    }
}

/// One list item of `topics.yaml`: a topic, or with `relevant: false` a rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    slug: String,
    description: String,
    keywords: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default = "yes")]
    relevant: bool,
    #[serde(default)]
    unless: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicVocabulary {
    pub topics: Vec<Topic>,
    pub off_topic: Vec<OffTopicRule>,
}

impl TopicVocabulary {
    pub fn parse(path: &Path, text: &str) -> Result<TopicVocabulary, ContentError> {
        let entries: Vec<Entry> = serde_norway::from_str(text).map_err(|err| {
            let (line, column) = err.location().map_or((1, 1), |l| (l.line(), l.column()));
            let detail = err.to_string();
            let detail = detail.split(" at line ").next().unwrap_or(&detail).to_string();
            ContentError::new(path, line, column, text!("topics-yaml", detail = detail), text!("yaml-syntax.fix"))
        })?;
        validate(&entries, path, text)?;
        let mut vocabulary = TopicVocabulary::default();
        for entry in entries {
            if entry.relevant {
                vocabulary.topics.push(Topic {
                    name: entry.name,
                    slug: entry.slug,
                    description: entry.description,
                    keywords: entry.keywords,
                    exclude: entry.exclude,
                });
            } else {
                vocabulary.off_topic.push(OffTopicRule {
                    name: entry.name,
                    keywords: entry.keywords,
                    unless: entry.unless,
                });
            }
        }
        Ok(vocabulary)
    }

    pub fn load(path: &Path) -> Result<TopicVocabulary, ContentError> {
        let text = crate::content::read_text(path)?;
        TopicVocabulary::parse(path, &text)
    }

    /// The site's vocabulary, or the bundled one when the site has no
    /// `topics.yaml`: what `import`, `classify`, `build`, `check` and `new`
    /// all use.
    pub fn load_or_bundled(layout: &SiteLayout) -> Result<TopicVocabulary, ContentError> {
        let path = layout.topics_file();
        if path.exists() { TopicVocabulary::load(&path) } else { TopicVocabulary::parse(&path, BUNDLED_TOPICS) }
    }

    /// The topic a contributor most likely meant: one listing `wanted` among
    /// its keywords, else the nearest name by edit distance.
    pub fn suggest(&self, wanted: &str) -> Option<String> {
        let wanted = wanted.trim();
        if let Some(topic) = self.topics.iter().find(|t| t.keywords.iter().any(|k| k == wanted) || t.slug == wanted) {
            return Some(topic.name.clone());
        }
        let limit = (wanted.chars().count() / 2).max(1);
        self.topics
            .iter()
            .map(|t| (strsim::levenshtein(wanted, &t.name), t))
            .filter(|(distance, _)| *distance <= limit)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, t)| t.name.clone())
    }

    pub fn by_name(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }

    /// The topic with a URL slug (`geren-zhanghu` → 个人账户).
    pub fn by_slug(&self, slug: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.slug == slug)
    }
}

fn validate(entries: &[Entry], path: &Path, text: &str) -> Result<(), ContentError> {
    // Top-level list items start at column 1 with `-`; the i-th is entry i.
    let lines: Vec<usize> = text.lines().enumerate().filter(|(_, l)| l.starts_with('-')).map(|(i, _)| i + 1).collect();
    let mut names = HashSet::new();
    let mut slugs = HashSet::new();
    for (i, topic) in entries.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        let fail = |message: Text, fix: Text| Err(ContentError::new(path, line, 1, message, fix));
        let name = topic.name.as_str();
        if name.trim().is_empty() {
            return fail(text!("vocabulary-empty-name"), text!("vocabulary-empty-name.fix"));
        }
        if !names.insert(name) {
            return fail(text!("vocabulary-duplicate-name", name = name), text!("vocabulary-duplicate-name.fix"));
        }
        if !crate::slug::is_valid_slug(&topic.slug) {
            let slug = topic.slug.as_str();
            return fail(text!("vocabulary-bad-slug", slug = slug, name = name), text!("vocabulary-bad-slug.fix"));
        }
        if !slugs.insert(topic.slug.as_str()) {
            let slug = topic.slug.as_str();
            return fail(text!("vocabulary-duplicate-slug", slug = slug), text!("vocabulary-duplicate-slug.fix"));
        }
        if topic.relevant && !topic.unless.is_empty() {
            return fail(text!("vocabulary-unless", name = name), text!("vocabulary-unless.fix"));
        }
        let mut phrases = topic.keywords.iter().chain(&topic.exclude).chain(&topic.unless);
        if topic.keywords.is_empty() || phrases.any(|k| k.trim().is_empty()) {
            return fail(text!("vocabulary-no-keywords", name = name), text!("vocabulary-no-keywords.fix"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TopicVocabulary, ContentError> {
        TopicVocabulary::parse(Path::new("topics.yaml"), text)
    }

    const TWO: &str = "- name: 个人账户\n  slug: geren-zhanghu\n  description: d\n  keywords: [个人账户, 余额]\n  exclude: [银行卡余额]\n- name: 异地就医\n  slug: yidi-jiuyi\n  description: d\n  keywords: [异地]\n";

    #[test]
    fn the_shipped_vocabulary_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/topics.yaml");
        let vocabulary = TopicVocabulary::load(&path).expect("content/topics.yaml is valid");
        assert!(vocabulary.topics.len() >= 12);
        assert_eq!(vocabulary.by_name("个人账户").map(|t| t.slug.as_str()), Some("geren-zhanghu"));
        assert_eq!(vocabulary.by_slug("geren-zhanghu").map(|t| t.name.as_str()), Some("个人账户"));
    }

    #[test]
    fn duplicate_names_are_reported_at_their_line() {
        let text = format!("{TWO}- name: 异地就医\n  slug: yidi\n  description: d\n  keywords: [备案]\n");
        let err = parse(&text).expect_err("duplicate name");
        assert_eq!(err.line, 10);
        assert_eq!(err.message.render(crate::i18n::Lang::En), "two topics are named `异地就医`");
    }

    #[test]
    fn duplicate_and_malformed_slugs_are_rejected() {
        let dup = format!("{TWO}- name: 备案\n  slug: yidi-jiuyi\n  description: d\n  keywords: [备案]\n");
        assert_eq!(parse(&dup).expect_err("duplicate slug").message.code(), "vocabulary-duplicate-slug");
        let bad = TWO.replace("yidi-jiuyi", "Yidi Jiuyi");
        let err = parse(&bad).expect_err("bad slug");
        assert_eq!(err.line, 6);
        assert!(err.message.render(crate::i18n::Lang::En).contains("[a-z0-9-]"), "{}", err.message);
    }

    #[test]
    fn empty_keywords_are_rejected() {
        let err = parse(&TWO.replace("[异地]", "[]")).expect_err("no keywords");
        assert_eq!(err.line, 6);
        assert!(parse(&TWO.replace("[异地]", "[\"\"]")).is_err());
    }

    #[test]
    fn entries_marked_not_relevant_are_rules_not_topics() {
        let text = format!(
            "{TWO}- name: 医院推荐广告\n  slug: ad\n  description: d\n  relevant: false\n  keywords: [去哪家医院]\n  unless: [医保]\n"
        );
        let vocabulary = parse(&text).expect("valid");
        assert_eq!(vocabulary.topics.len(), 2);
        let rule = &vocabulary.off_topic[0];
        assert!(rule.matches("2025年辽宁鞍山出现尿中有血去哪家医院好"));
        assert!(!rule.matches("去哪家医院能走医保吗"));
        let err =
            parse(&TWO.replace("  keywords: [异地]", "  keywords: [异地]\n  unless: [医保]")).expect_err("unless");
        assert_eq!(err.line, 6);
    }

    #[test]
    fn yaml_errors_carry_a_position() {
        let err = parse("- name: [unclosed\n").expect_err("bad yaml");
        assert_eq!(err.line, 1);
    }
}
