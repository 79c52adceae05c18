//! Where things are in a file's front matter, and what is wrong with front
//! matter that does not parse: every wrong field, each at its line, rather
//! than only the first one serde stops at. `build` and `check` both report
//! through here, so they say the same thing at the same place.

use std::path::Path;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use super::ContentError;
use super::format::{Document, check_flow_nesting, parse_front_matter, split_document};
use crate::model::{ArticleMeta, Item, ItemKind, RecommendationMeta};
use crate::text::{did_you_mean, suggest_name};

/// The front matter's top-level keys and the lines they span.
pub struct FrontMatter {
    /// `(key, first line index, end line index)` within `lines`.
    keys: Vec<(String, usize, usize)>,
    lines: Vec<String>,
    /// File line of `lines[0]`.
    first_line: usize,
}

impl FrontMatter {
    pub fn index(doc: &Document<'_>) -> FrontMatter {
        let lines: Vec<String> = doc.front_matter.lines().map(|l| l.trim_end_matches('\r').to_string()).collect();
        let mut keys: Vec<(String, usize, usize)> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let starts_key = line.chars().next().is_some_and(|c| !c.is_whitespace() && !matches!(c, '#' | '-'));
            if let (true, Some(colon)) = (starts_key, line.find(':')) {
                if let Some(last) = keys.last_mut() {
                    last.2 = i;
                }
                let key = line[..colon].trim().trim_matches(['"', '\'']).to_string();
                keys.push((key, i, lines.len()));
            }
        }
        FrontMatter { keys, lines, first_line: doc.front_matter_line }
    }

    /// The index of the front matter of the file at `path`, read again:
    /// problems are rare, so their positions are found only when one is.
    pub fn of_file(path: &Path) -> Option<FrontMatter> {
        let text = std::fs::read_to_string(path).ok()?;
        split_document(path, &text).ok().map(|doc| FrontMatter::index(&doc))
    }

    fn entry(&self, key: &str) -> Option<&(String, usize, usize)> {
        self.keys.iter().find(|(k, _, _)| k == key)
    }

    /// File line of `key`, or of the opening `---` when the key is absent.
    pub fn key_line(&self, key: &str) -> usize {
        self.entry(key).map_or(self.first_line - 1, |(_, start, _)| self.first_line + start)
    }

    /// Where `value` is written under `key` (a list item, say).
    pub fn value_position(&self, key: &str, value: &str) -> (usize, usize) {
        let Some((_, start, end)) = self.entry(key) else {
            return (self.first_line.saturating_sub(1).max(1), 1);
        };
        for (i, line) in self.lines[*start..*end].iter().enumerate() {
            let search_from = if i == 0 { line.find(':').map_or(0, |c| c + 1) } else { 0 };
            if let Some(offset) = line[search_from..].find(value) {
                return (self.first_line + start + i, line[..search_from + offset].chars().count() + 1);
            }
        }
        (self.first_line + start, 1)
    }

    /// The text of `key`'s lines, for parsing the field on its own.
    fn block(&self, key: &str) -> String {
        self.entry(key).map(|(_, start, end)| self.lines[*start..*end].join("\n") + "\n").unwrap_or_default()
    }
}

/// What is wrong with a file of kind `T` that failed to load with `failure`:
/// every wrong, unknown and missing field, or else `failure` itself.
pub fn explain<T: Item>(path: &Path, text: &str, failure: ContentError) -> Vec<ContentError> {
    let Ok(doc) = split_document(path, text) else { return vec![failure] };
    if check_flow_nesting(path, &doc).is_err() {
        return vec![failure];
    }
    let fm = FrontMatter::index(&doc);
    let value: serde_norway::Value = match parse_front_matter(path, &doc) {
        Ok(value) => value,
        Err(err) => {
            // An unclosed bracket or quote is noticed at the end of the
            // input; point at the last front-matter line, not at `---`.
            let last_line = fm.first_line + fm.lines.len().saturating_sub(1);
            let line = err.line.min(last_line);
            let column =
                if line < err.line { fm.lines.last().map_or(1, |l| l.chars().count() + 1) } else { err.column };
            return vec![ContentError::new(
                path,
                line,
                column,
                format!("YAML syntax error: {}", strip_location(&err.message)),
                "fix the YAML at this position (check quotes, brackets, colons and indentation)",
            )];
        }
    };
    let Some(mapping) = value.as_mapping() else {
        let message = if value.is_null() { "front matter is empty" } else { "front matter is not a list of fields" };
        return vec![ContentError::new(path, fm.first_line, 1, message, "write one `field: value` per line")];
    };
    let fields = T::KIND.fields();
    let required = required_fields(T::KIND);
    let mut errors = Vec::new();
    let present: Vec<&str> = mapping.keys().filter_map(|k| k.as_str()).collect();
    for key in mapping.keys() {
        let Some(key) = key.as_str() else {
            errors.push(ContentError::new(path, fm.first_line, 1, "field names must be text", "quote the name"));
            continue;
        };
        if !fields.contains(&key) {
            let fix = did_you_mean(
                suggest_name(key, fields.iter().copied()),
                &format!("remove it; accepted fields are {}", fields.join(", ")),
            );
            errors.push(ContentError::new(path, fm.key_line(key), 1, format!("unknown field `{key}`"), fix));
            continue;
        }
        let placeholders: String =
            required.iter().filter(|r| r.as_str() != key).map(|r| format!("{r}: placeholder\n")).collect();
        let trial = placeholders.clone() + &fm.block(key);
        if let Err(err) = serde_norway::from_str::<T::Meta>(&trial) {
            let offset = placeholders.lines().count();
            let (line, column) = err.location().map_or((fm.key_line(key), 1), |l| {
                (fm.key_line(key) + l.line().saturating_sub(offset + 1), l.column())
            });
            errors.push(ContentError::new(
                path,
                line,
                column,
                format!("field `{key}`: {}", field_message(key, &err.to_string())),
                field_fix(key),
            ));
        }
    }
    for field in required.iter().filter(|r| !present.contains(&r.as_str())) {
        errors.push(ContentError::new(
            path,
            fm.first_line - 1,
            1,
            format!("missing field `{field}`"),
            format!("add `{field}: …` to the front matter; {}", field_fix(field)),
        ));
    }
    if errors.is_empty() {
        errors.push(ContentError { message: strip_location(&failure.message), ..failure });
    }
    errors
}

/// The slug a file that failed to load declares, if it can be read, so
/// that references to the file are not reported missing as well.
pub fn declared_slug(text: &str) -> Option<String> {
    let doc = split_document(Path::new(""), text).ok()?;
    check_flow_nesting(Path::new(""), &doc).ok()?;
    let value: serde_norway::Value = serde_norway::from_str(doc.front_matter).ok()?;
    value.as_mapping()?.get("slug")?.as_str().map(str::to_string)
}

/// How to write each field, for the fix line of a field that did not parse.
fn field_fix(field: &str) -> &'static str {
    match field {
        "title" => "write the question as plain text",
        "slug" => "write lowercase letters, digits and hyphens, matching the file name",
        "date" | "first_seen" | "last_seen" => "write the date as YYYY-MM-DD, e.g. 2025-04-20",
        "regions" => "write a list of gazetteer paths, e.g. `regions: [广东省/深圳市]`",
        "topics" => "write a list of topic names from content/topics.yaml, e.g. `topics: [异地就医]`",
        "recommendations" | "seen_on" => "write a list of slugs, e.g. `[yi-bao-ka]`",
        "relevant" => "write `true` or `false`",
        "draft" => "write `true` while the article is unfinished, or delete the line to publish it",
        "notices" => "write a list of `medical` and `sourcing`",
        "disclaimer" => "write `policy` (医保 policy content) or `medical` (health content)",
        "updated" => "write the date as YYYY-MM-DD, e.g. 2025-04-20",
        "occurrences" => "write a whole number",
        "source" => "write `file:` and `sha256:` on indented lines",
        _ => "write a single line of text",
    }
}

/// The fields serde requires of a kind's front matter.
fn required_fields(kind: ItemKind) -> &'static [String] {
    static ARTICLE: OnceLock<Vec<String>> = OnceLock::new();
    static RECOMMENDATION: OnceLock<Vec<String>> = OnceLock::new();
    match kind {
        ItemKind::Article => ARTICLE.get_or_init(required_by_serde::<ArticleMeta>),
        ItemKind::Recommendation => RECOMMENDATION.get_or_init(required_by_serde::<RecommendationMeta>),
    }
}

/// The fields serde requires in `T`, found by asking serde rather than
/// keeping a second list that could drift from the model.
fn required_by_serde<T: DeserializeOwned>() -> Vec<String> {
    let mut required: Vec<String> = Vec::new();
    loop {
        let text: String = required.iter().map(|r| format!("{r}: placeholder\n")).collect();
        let text = if text.is_empty() { "{}".to_string() } else { text };
        let Err(err) = serde_norway::from_str::<T>(&text) else { return required };
        let message = err.to_string();
        let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
        match missing {
            Some(field) if !required.iter().any(|r| r == field) => required.push(field.to_string()),
            _ => return required,
        }
    }
}

/// serde_norway prefixes some messages with the field's path; we name the
/// field ourselves.
fn field_message(key: &str, message: &str) -> String {
    let message = strip_location(message);
    message.strip_prefix(&format!("{key}: ")).map_or(message.clone(), str::to_string)
}

/// serde_norway appends " at line L column C"; we print the position apart.
fn strip_location(message: &str) -> String {
    let message = message.strip_prefix("front matter: ").unwrap_or(message);
    let message = message.strip_prefix("topics: ").unwrap_or(message);
    message.split(" at line ").next().unwrap_or(message).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ARTICLE_FIELDS, RECOMMENDATION_FIELDS};

    #[test]
    fn required_fields_come_from_the_model() {
        assert_eq!(required_fields(ItemKind::Article), ["title", "slug"]);
        assert_eq!(required_fields(ItemKind::Recommendation), ["title", "slug"]);
    }

    #[test]
    fn every_field_has_a_specific_fix() {
        for field in ARTICLE_FIELDS.iter().chain(RECOMMENDATION_FIELDS) {
            let generic = ["checksum", "answer", "date_source", "category", "group", "article", "irrelevant_reason"];
            if !generic.contains(field) {
                assert_ne!(field_fix(field), field_fix("checksum"), "{field}");
            }
        }
    }
}
