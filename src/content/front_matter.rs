//! Where things are in a file's front matter, and what is wrong with front
//! matter that does not parse: every wrong field, each at its line, rather
//! than only the first one serde stops at. `build` and `check` both report
//! through here, so they say the same thing at the same place.

use std::path::Path;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use super::format::{Document, check_flow_nesting, split_document};
use super::{ContentError, Loaded};
use crate::i18n::Text;
use crate::model::{ArticleMeta, Item, ItemKind, RecommendationMeta};
use crate::text;
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
        self.nth_value_position(key, value, 1)
    }

    /// Where the `n`th (1-based) copy of `value` is written under `key`,
    /// or the key's line when there are fewer.
    pub fn nth_value_position(&self, key: &str, value: &str, n: usize) -> (usize, usize) {
        let Some((_, start, end)) = self.entry(key) else {
            return (self.first_line.saturating_sub(1).max(1), 1);
        };
        let mut seen = 0;
        for (i, line) in self.lines[*start..*end].iter().enumerate() {
            let mut search_from = if i == 0 { line.find(':').map_or(0, |c| c + 1) } else { 0 };
            while let Some(offset) = line[search_from..].find(value).filter(|_| !value.is_empty()) {
                seen += 1;
                if seen == n {
                    return (self.first_line + start + i, line[..search_from + offset].chars().count() + 1);
                }
                search_from += offset + value.len();
            }
        }
        (self.first_line + start, 1)
    }

    /// The text of `key`'s lines, for parsing the field on its own.
    fn block(&self, key: &str) -> String {
        self.entry(key).map(|(_, start, end)| self.lines[*start..*end].join("\n") + "\n").unwrap_or_default()
    }
}

/// What [`explain`] found in a file that failed to load.
pub struct Explained<T: Item> {
    /// Every problem: each wrong, unknown and missing field at its line.
    pub errors: Vec<ContentError>,
    /// The item without its wrong fields, when what is left still makes
    /// one: its body and other fields get checked too, so that one run
    /// reports every problem in the file. Never built.
    pub salvaged: Option<Loaded<T>>,
}

/// What is wrong with a file of kind `T` that failed to load with `failure`:
/// every wrong, unknown and missing field, or else `failure` itself.
pub fn explain<T: Item>(path: &Path, text: &str, failure: ContentError) -> Explained<T> {
    let only = |error: ContentError| Explained { errors: vec![error], salvaged: None };
    let Ok(doc) = split_document(path, text) else { return only(failure) };
    if check_flow_nesting(path, &doc).is_err() {
        return only(failure);
    }
    let fm = FrontMatter::index(&doc);
    let value: serde_norway::Value = match serde_norway::from_str(doc.front_matter) {
        Ok(value) => value,
        Err(err) => return only(syntax_error(path, &fm, &err)),
    };
    let Some(mapping) = value.as_mapping() else {
        let message = if value.is_null() { text!("front-matter-empty") } else { text!("front-matter-not-fields") };
        return only(ContentError::new(path, fm.first_line, 1, message, text!("front-matter-empty.fix")));
    };
    let fields = T::KIND.fields();
    let required = required_fields(T::KIND);
    let mut errors = Vec::new();
    let mut usable = mapping.clone();
    let present: Vec<&str> = mapping.keys().filter_map(|k| k.as_str()).collect();
    for (key, value) in mapping {
        let Some(key) = key.as_str() else {
            errors.push(ContentError::new(
                path,
                fm.first_line,
                1,
                text!("field-name-not-text"),
                text!("field-name-not-text.fix"),
            ));
            usable.remove(key);
            continue;
        };
        if !fields.contains(&key) {
            let fix = did_you_mean(
                suggest_name(key, fields.iter().copied()),
                text!("field-unknown.fix", fields = fields.join(", ")),
            );
            errors.push(ContentError::new(path, fm.key_line(key), 1, text!("field-unknown", field = key), fix));
            usable.remove(key);
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
            let (message, fix, plain) = field_problem(key, value, &err.to_string());
            // A mistake we name in plain words is pointed at the value itself.
            let (line, column) = match plain {
                Some(written) => fm.value_position(key, &written),
                None => (line, column),
            };
            errors.push(ContentError::new(path, line, column, message, fix));
            usable.remove(key);
        }
    }
    for field in required.iter().filter(|r| !present.contains(&r.as_str())) {
        errors.push(ContentError::new(
            path,
            fm.first_line - 1,
            1,
            text!("field-missing", field = field),
            text!("field-missing.fix", field = field, how = field_fix(field)),
        ));
    }
    if errors.is_empty() {
        return only(failure);
    }
    let salvaged = serde_norway::from_value::<T::Meta>(serde_norway::Value::Mapping(usable)).ok().map(|meta| Loaded {
        path: path.to_path_buf(),
        pristine: false,
        body_line: doc.body_line + T::lines_dropped_before(doc.body),
        item: T::assemble(meta, doc.body),
    });
    Explained { errors, salvaged }
}

/// A YAML syntax error in plain words where we recognise the mistake (a
/// full-width colon, a tab), else the parser's own words; placed on the
/// line where the mistake is, not where the parser gave up.
fn syntax_error(path: &Path, fm: &FrontMatter, err: &serde_norway::Error) -> ContentError {
    for (index, line) in fm.lines.iter().enumerate() {
        let at = fm.first_line + index;
        if let Some((key, column)) = full_width_colon(line) {
            return ContentError::new(
                path,
                at,
                column,
                text!("yaml-full-width-colon", field = &key),
                text!("yaml-full-width-colon.fix", field = key),
            );
        }
        if let Some(column) = tab_position(line) {
            return ContentError::new(path, at, column, text!("yaml-tab"), text!("yaml-tab.fix"));
        }
    }
    let (line, column) = err.location().map_or((fm.first_line, 1), |l| (fm.first_line + l.line() - 1, l.column()));
    // An unclosed bracket or quote is noticed at the end of the input;
    // point at the last front-matter line, not at `---`.
    let last_line = fm.first_line + fm.lines.len().saturating_sub(1);
    let (line, column) = if line > last_line {
        (last_line, fm.lines.last().map_or(1, |l| l.chars().count() + 1))
    } else {
        (line, column)
    };
    ContentError::new(
        path,
        line,
        column,
        text!("yaml-syntax", detail = strip_location(&err.to_string())),
        text!("yaml-syntax.fix"),
    )
}

/// `title：…`: a field name followed by a full-width colon, which YAML
/// reads as part of a text rather than as the end of a name. Returns the
/// name and the colon's column.
fn full_width_colon(line: &str) -> Option<(String, usize)> {
    let (name, _) = line.split_once('：')?;
    let bare = name.trim_end();
    let is_name = !bare.is_empty()
        && !name.starts_with(char::is_whitespace)
        && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !bare.contains(':');
    is_name.then(|| (bare.to_string(), name.chars().count() + 1))
}

/// The column of a tab in a line's indentation or right after its `key:`,
/// where YAML allows only spaces.
fn tab_position(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    if let Some(at) = line[..indent].find('\t') {
        return Some(line[..at].chars().count() + 1);
    }
    let colon = line.find(':')?;
    let after = &line[colon + 1..];
    let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
    after[..gap].find('\t').map(|at| line[..colon + 1 + at].chars().count() + 1)
}

/// What is wrong with `value`, the value of `key` that did not parse, in
/// plain words where we know the mistake; then also the value as written,
/// to point at.
fn field_problem(key: &str, value: &serde_norway::Value, serde_message: &str) -> (Text, Text, Option<String>) {
    const LISTS: &[&str] = &["regions", "topics", "recommendations", "seen_on", "notices"];
    let scalar = match value {
        serde_norway::Value::String(s) => Some(s.clone()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    if let (true, Some(single)) = (LISTS.contains(&key), &scalar) {
        let (message, fix) =
            (text!("field-not-a-list", field = key), text!("field-not-a-list.fix", field = key, value = single));
        return (message, fix, scalar);
    }
    if let (true, Some(written)) = (DATE_FIELDS.contains(&key), value.as_str()) {
        return (date_problem(key, written), text!("field-fix-date"), scalar);
    }
    (text!("field-invalid", field = key, detail = field_message(key, serde_message)), field_fix(key), None)
}

const DATE_FIELDS: &[&str] = &["date", "first_seen", "last_seen", "updated"];

/// Why `written` is not a date, in the words of [`crate::model::DateError`].
fn date_problem(key: &str, written: &str) -> Text {
    use crate::model::{Date, DateError};
    match Date::parse_checked(written) {
        Err(DateError::NoSuchMonth { month }) => {
            text!("date-no-such-month", field = key, value = written, month = u32::from(month))
        }
        Err(DateError::NoSuchDay { month, days }) => {
            text!("date-no-such-day", field = key, value = written, month = u32::from(month), days = u32::from(days))
        }
        Err(DateError::Format) | Ok(_) => text!("date-format", field = key, value = written),
    }
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
fn field_fix(field: &str) -> Text {
    match field {
        "title" => text!("field-fix-title"),
        "slug" => text!("field-fix-slug"),
        "date" | "first_seen" | "last_seen" | "updated" => text!("field-fix-date"),
        "regions" => text!("field-fix-regions"),
        "topics" => text!("field-fix-topics"),
        "recommendations" | "seen_on" => text!("field-fix-slugs"),
        "relevant" => text!("field-fix-bool"),
        "draft" => text!("field-fix-draft"),
        "notices" => text!("field-fix-notices"),
        "disclaimer" => text!("field-fix-disclaimer"),
        "occurrences" => text!("field-fix-number"),
        "source" => text!("field-fix-source"),
        _ => text!("field-fix-line"),
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
                assert_ne!(field_fix(field).code(), field_fix("checksum").code(), "{field}");
            }
        }
    }
}
