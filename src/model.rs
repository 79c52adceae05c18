//! The typed records that live in `content/`: articles, recommendation
//! snippets and their front matter. `import` produces them, `build` and
//! `check` consume them; the YAML shape is the contract with contributors.

use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date written `YYYY-MM-DD`. Kept as validated parts so that
/// ordering is chronological and a typo such as `2025-13-01` is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        (1000..=9999).contains(&year).then_some(())?;
        (1..=Date::days_in_month(year, month)?).contains(&day).then_some(Date { year, month, day })
    }

    /// How many days `month` (1–12) of `year` has; `None` for no such month.
    pub fn days_in_month(year: u16, month: u8) -> Option<u8> {
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
            4 | 6 | 9 | 11 => Some(30),
            2 if leap => Some(29),
            2 => Some(28),
            _ => None,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Why a text is not a [`Date`]; the front-matter checker words each case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not written as YYYY-MM-DD (or a year outside 1000–9999).
    Format,
    NoSuchMonth {
        month: u8,
    },
    NoSuchDay {
        month: u8,
        days: u8,
    },
}

impl Date {
    /// Parses `YYYY-MM-DD`, saying what is wrong when it is not a date.
    pub fn parse_checked(s: &str) -> Result<Date, DateError> {
        let mut parts = s.trim().splitn(3, '-');
        let mut next = || parts.next().filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        let (Some(y), Some(m), Some(d)) = (next(), next(), next()) else { return Err(DateError::Format) };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(DateError::Format);
        }
        let number = |p: &str| p.parse::<u16>().map_err(|_| DateError::Format);
        let (year, month, day) = (number(y)?, number(m)? as u8, number(d)? as u8);
        let days = Date::days_in_month(year, month).ok_or(DateError::NoSuchMonth { month })?;
        Date::new(year, month, day).ok_or(if (1..=days).contains(&day) {
            DateError::Format
        } else {
            DateError::NoSuchDay { month, days }
        })
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse_checked(s).map_err(|_| format!("`{s}` is not a date; write it as YYYY-MM-DD, e.g. 2025-04-20"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Boilerplate notices a scraped page carried. The page's own wording is
/// dropped; the theme prints our standard wording for each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Notice {
    /// "提示:本内容不能代替面诊…" and "本文所涉医学知识…".
    Medical,
    /// "本信息整理自互联网公开渠道…".
    Sourcing,
}

/// Which standard notice closes an item's page. Import chooses it from what
/// the item is about; an editor overrides it by changing the field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Disclaimer {
    /// 医保 policy: the local 医保 bureau's latest rules apply, 12393 hotline.
    #[default]
    Policy,
    /// Health and hospital content: not a substitute for seeing a doctor.
    Medical,
}

/// Where an imported article came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub file: String,
    pub sha256: String,
}

/// `text` with CRLF line ends made LF. Most files have none, and finding
/// that out with `memchr` is far cheaper than a substring search.
fn lf_line_ends(text: &str) -> String {
    if text.contains('\r') { text.replace("\r\n", "\n") } else { text.to_string() }
}

fn is_true(value: &bool) -> bool {
    *value
}

fn default_true() -> bool {
    true
}

/// Front matter of `content/articles/<slug>.md`.
#[derive(Debug, Clone, PartialEq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleMeta {
    pub title: String,
    pub slug: String,
    /// The one-line short answer shown as a callout above the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// How `date` was obtained when the page carried none (`recommendations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_source: Option<String>,
    /// Set by an editor who changed the article after import; shown as 更新日期.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<Date>,
    /// Gazetteer paths, e.g. `广东省/深圳市`; empty for national content.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Topic names from `content/topics.yaml`.
    #[serde(default)]
    pub topics: Vec<String>,
    /// `false` for items about nothing our site covers; kept but not built.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub relevant: bool,
    /// An article still being written: checked, shown by `serve`, and built
    /// only with `build --drafts`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// Why the classifier judged the item not relevant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irrelevant_reason: Option<String>,
    #[serde(default)]
    pub disclaimer: Disclaimer,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
    /// Slugs of the recommendation snippets the page listed, in page order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recommendations: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Written by the generator over the rest of the file; a file whose
    /// checksum no longer matches was edited by a person and is never
    /// rewritten. Delete the line to take ownership of a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// Front matter of `content/recommendations/<slug>.md`; the body is the excerpt.
#[derive(Debug, Clone, PartialEq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationMeta {
    pub title: String,
    pub slug: String,
    /// The date the source printed (the latest sighting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Date>,
    /// Number of pages the snippet was seen on, in any variant.
    #[serde(default)]
    pub occurrences: u64,
    /// Article slugs whose page listed this snippet, sorted.
    #[serde(default)]
    pub seen_on: Vec<String>,
    /// Near-duplicate group id: the smallest slug among the group's members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Slug of our own article this snippet is an excerpt of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub relevant: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irrelevant_reason: Option<String>,
    #[serde(default)]
    pub disclaimer: Disclaimer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// An article as stored: front matter plus Markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub meta: ArticleMeta,
    pub body: String,
}

/// A distinct recommendation snippet as stored: front matter plus excerpt.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub meta: RecommendationMeta,
    pub excerpt: String,
}

/// Field names accepted in article front matter, for "did you mean" hints.
pub const ARTICLE_FIELDS: &[&str] = &[
    "title",
    "slug",
    "answer",
    "date",
    "date_source",
    "updated",
    "regions",
    "topics",
    "relevant",
    "draft",
    "irrelevant_reason",
    "disclaimer",
    "notices",
    "recommendations",
    "source",
    "checksum",
];

/// Field names accepted in recommendation front matter.
pub const RECOMMENDATION_FIELDS: &[&str] = &[
    "title",
    "slug",
    "date",
    "category",
    "first_seen",
    "last_seen",
    "occurrences",
    "seen_on",
    "group",
    "article",
    "regions",
    "topics",
    "relevant",
    "irrelevant_reason",
    "disclaimer",
    "checksum",
];

/// The two kinds of content item, for code that decides at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    Article,
    Recommendation,
}

impl ItemKind {
    /// The word for one item, in messages.
    pub fn noun(self) -> &'static str {
        match self {
            ItemKind::Article => "article",
            ItemKind::Recommendation => "recommendation",
        }
    }

    /// The directory under `content/` that holds items of this kind.
    pub fn dir(self) -> &'static str {
        match self {
            ItemKind::Article => "articles",
            ItemKind::Recommendation => "recommendations",
        }
    }

    /// The front-matter fields an item of this kind accepts.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ItemKind::Article => ARTICLE_FIELDS,
            ItemKind::Recommendation => RECOMMENDATION_FIELDS,
        }
    }
}

/// The classification fields an item stores, borrowed for rewriting.
pub struct ClassificationFields<'a> {
    pub regions: &'a mut Vec<String>,
    pub topics: &'a mut Vec<String>,
    pub relevant: &'a mut bool,
    pub irrelevant_reason: &'a mut Option<String>,
    pub disclaimer: &'a mut Disclaimer,
}

/// An article or a recommendation: what loading, checking, classifying and
/// writing `content/` need to know of either, so that none of them matches
/// on the kind.
pub trait Item: Clone + Send + Sync + Sized + 'static {
    type Meta: Serialize + DeserializeOwned + Send + Sync;
    const KIND: ItemKind;

    /// The item from its parsed front matter and the file's body.
    fn assemble(meta: Self::Meta, body: &str) -> Self;
    /// Lines of the file body that [`Item::assemble`] drops before the text
    /// it keeps.
    fn lines_dropped_before(_body: &str) -> usize {
        0
    }
    fn meta(&self) -> &Self::Meta;
    /// The front matter with `checksum` in place of the stored one.
    fn meta_with_checksum(&self, checksum: Option<String>) -> Self::Meta;
    /// The body as written to the file.
    fn file_body(&self) -> String;
    fn title(&self) -> &str;
    fn slug(&self) -> &str;
    /// The short answer, where the kind has one.
    fn answer(&self) -> Option<&str>;
    /// The Markdown text: an article's body, a snippet's excerpt.
    fn text(&self) -> &str;
    fn regions(&self) -> &[String];
    fn topics(&self) -> &[String];
    fn relevant(&self) -> bool;
    /// Whether the item is unfinished work (`draft: true`); only articles can be.
    fn is_draft(&self) -> bool {
        false
    }
    fn irrelevant_reason(&self) -> Option<&str>;
    fn disclaimer(&self) -> Disclaimer;
    fn classification_mut(&mut self) -> ClassificationFields<'_>;
}

impl Item for Article {
    type Meta = ArticleMeta;
    const KIND: ItemKind = ItemKind::Article;

    fn assemble(meta: ArticleMeta, body: &str) -> Article {
        Article { meta, body: lf_line_ends(body) }
    }
    fn meta(&self) -> &ArticleMeta {
        &self.meta
    }
    fn meta_with_checksum(&self, checksum: Option<String>) -> ArticleMeta {
        ArticleMeta { checksum, ..self.meta.clone() }
    }
    fn file_body(&self) -> String {
        self.body.clone()
    }
    fn title(&self) -> &str {
        &self.meta.title
    }
    fn slug(&self) -> &str {
        &self.meta.slug
    }
    fn answer(&self) -> Option<&str> {
        self.meta.answer.as_deref()
    }
    fn text(&self) -> &str {
        &self.body
    }
    fn regions(&self) -> &[String] {
        &self.meta.regions
    }
    fn topics(&self) -> &[String] {
        &self.meta.topics
    }
    fn relevant(&self) -> bool {
        self.meta.relevant
    }
    fn is_draft(&self) -> bool {
        self.meta.draft
    }
    fn irrelevant_reason(&self) -> Option<&str> {
        self.meta.irrelevant_reason.as_deref()
    }
    fn disclaimer(&self) -> Disclaimer {
        self.meta.disclaimer
    }
    fn classification_mut(&mut self) -> ClassificationFields<'_> {
        let meta = &mut self.meta;
        ClassificationFields {
            regions: &mut meta.regions,
            topics: &mut meta.topics,
            relevant: &mut meta.relevant,
            irrelevant_reason: &mut meta.irrelevant_reason,
            disclaimer: &mut meta.disclaimer,
        }
    }
}

impl Item for Recommendation {
    type Meta = RecommendationMeta;
    const KIND: ItemKind = ItemKind::Recommendation;

    fn assemble(meta: RecommendationMeta, body: &str) -> Recommendation {
        Recommendation { meta, excerpt: lf_line_ends(body.trim()) }
    }
    fn lines_dropped_before(body: &str) -> usize {
        body[..body.len() - body.trim_start().len()].matches('\n').count()
    }
    fn meta(&self) -> &RecommendationMeta {
        &self.meta
    }
    fn meta_with_checksum(&self, checksum: Option<String>) -> RecommendationMeta {
        RecommendationMeta { checksum, ..self.meta.clone() }
    }
    fn file_body(&self) -> String {
        if self.excerpt.is_empty() { String::new() } else { format!("{}\n", self.excerpt) }
    }
    fn title(&self) -> &str {
        &self.meta.title
    }
    fn slug(&self) -> &str {
        &self.meta.slug
    }
    fn answer(&self) -> Option<&str> {
        None
    }
    fn text(&self) -> &str {
        &self.excerpt
    }
    fn regions(&self) -> &[String] {
        &self.meta.regions
    }
    fn topics(&self) -> &[String] {
        &self.meta.topics
    }
    fn relevant(&self) -> bool {
        self.meta.relevant
    }
    fn irrelevant_reason(&self) -> Option<&str> {
        self.meta.irrelevant_reason.as_deref()
    }
    fn disclaimer(&self) -> Disclaimer {
        self.meta.disclaimer
    }
    fn classification_mut(&mut self) -> ClassificationFields<'_> {
        let meta = &mut self.meta;
        ClassificationFields {
            regions: &mut meta.regions,
            topics: &mut meta.topics,
            relevant: &mut meta.relevant,
            irrelevant_reason: &mut meta.irrelevant_reason,
            disclaimer: &mut meta.disclaimer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_reject_impossible_days() {
        assert_eq!("2025-04-20".parse::<Date>().unwrap().to_string(), "2025-04-20");
        assert!("2025-02-29".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("2025-13-01".parse::<Date>().is_err());
        assert!("2025/04/20".parse::<Date>().is_err());
        assert!("昨天".parse::<Date>().is_err());
    }

    /// The keys serde writes for a value with every optional field set.
    fn serialized_keys<T: Serialize>(value: &T) -> Vec<String> {
        let yaml = serde_norway::to_value(value).unwrap();
        yaml.as_mapping().unwrap().keys().map(|k| k.as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn field_lists_name_exactly_the_serde_fields() {
        let date = Some(Date::new(2025, 4, 20).unwrap());
        let text = || Some("x".to_string());
        let article = ArticleMeta {
            title: "t".into(),
            slug: "s".into(),
            answer: text(),
            date,
            date_source: text(),
            updated: date,
            regions: vec![],
            topics: vec![],
            relevant: false,
            draft: true,
            irrelevant_reason: text(),
            disclaimer: Disclaimer::Policy,
            notices: vec![Notice::Medical],
            recommendations: vec!["r".into()],
            source: Some(Source { file: "f".into(), sha256: "0".into() }),
            checksum: text(),
        };
        let recommendation = RecommendationMeta {
            title: "t".into(),
            slug: "s".into(),
            date,
            category: text(),
            first_seen: date,
            last_seen: date,
            occurrences: 1,
            seen_on: vec![],
            group: text(),
            article: text(),
            regions: vec![],
            topics: vec![],
            relevant: false,
            irrelevant_reason: text(),
            disclaimer: Disclaimer::Medical,
            checksum: text(),
        };
        assert_eq!(serialized_keys(&article), ARTICLE_FIELDS);
        assert_eq!(serialized_keys(&recommendation), RECOMMENDATION_FIELDS);
    }
}
