//! Messages in the editor's language. Every message a user reads about
//! their files is a [`Text`]: a stable English id (the `code` JSON and
//! GitHub output carry, so tools can match on it) with its arguments,
//! rendered in Chinese or English only when printed.
//!
//! The translations are Project Fluent resources (`en.ftl`, `zh.ftl` beside
//! this file, compiled into the binary), formatted by the `fluent-bundle`
//! crate: a translator edits a plain text file with variables and
//! variants, and never a Rust string table. Fluent was chosen over
//! `rust-i18n` because its messages carry attributes (each message's
//! `.fix` line sits next to it) and plural selection, and because it
//! checks nothing at compile time that a test here cannot check for both
//! languages at once (`every_message_exists_in_both_languages`).

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU8, Ordering};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language policypress speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// The language of the user's locale, chosen as POSIX tools choose:
    /// the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set and not
    /// empty decides. Chinese locales (`zh_CN.UTF-8`, `zh_TW`, `zh`) get
    /// Chinese; everything else, `C` included, gets English.
    pub fn from_env() -> Lang {
        Lang::from_locale_vars(|name| std::env::var(name).ok())
    }

    fn from_locale_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|name| var(name).filter(|v| !v.is_empty()));
        match locale {
            Some(locale) if locale.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::Zh => 1,
        }
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "en" | "en-us" | "en_us" | "c" => Ok(Lang::En),
            "zh" | "zh-cn" | "zh_cn" | "zh-hans" => Ok(Lang::Zh),
            other => Err(format!("unknown language `{other}`; use zh or en")),
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the language messages are printed in, for the whole process; the
/// command line does this once, before any work.
pub fn set_lang(lang: Lang) {
    CURRENT.store(lang.index() as u8, Ordering::Relaxed);
}

/// The language messages are printed in: English until [`set_lang`].
pub fn lang() -> Lang {
    if CURRENT.load(Ordering::Relaxed) == 1 { Lang::Zh } else { Lang::En }
}

/// A value a message quotes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// Another message, rendered in the same language.
    Message(Box<Text>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}

impl From<Text> for Arg {
    fn from(text: Text) -> Arg {
        Arg::Message(Box::new(text))
    }
}

impl From<usize> for Arg {
    fn from(n: usize) -> Arg {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<u32> for Arg {
    fn from(n: u32) -> Arg {
        Arg::Number(i64::from(n))
    }
}

/// A message of the catalogue and the values it quotes; `key` is a
/// message id, or `id.attribute` for one of its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// A [`Text`] from a catalogue key and `name = value` arguments, e.g.
/// `text!` with `"topic-unknown"` and `topic = name`.
#[macro_export]
macro_rules! text {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Text::new($key, vec![$((stringify!($name), $crate::i18n::Arg::from($value))),*])
    };
}

impl Text {
    pub fn new(key: &'static str, args: Vec<(&'static str, Arg)>) -> Text {
        Text { key, args }
    }

    /// The stable English code tools match on: the message id.
    pub fn code(&self) -> &'static str {
        self.key.split('.').next().unwrap_or(self.key)
    }

    /// The message in `lang`. A key missing from the catalogue (a bug the
    /// tests catch) prints as the key itself rather than failing the report.
    pub fn render(&self, lang: Lang) -> String {
        let bundle = &BUNDLES[lang.index()];
        let (id, attribute) = match self.key.split_once('.') {
            Some((id, attribute)) => (id, Some(attribute)),
            None => (self.key, None),
        };
        let Some(message) = bundle.get_message(id) else { return self.key.to_string() };
        let pattern = match attribute {
            Some(attribute) => message.get_attribute(attribute).map(|a| a.value()),
            None => message.value(),
        };
        let Some(pattern) = pattern else { return self.key.to_string() };
        let mut args = FluentArgs::new();
        for (name, value) in &self.args {
            match value {
                Arg::Text(s) => args.set(*name, FluentValue::from(s.as_str())),
                Arg::Number(n) => args.set(*name, FluentValue::from(*n)),
                Arg::Message(text) => args.set(*name, FluentValue::from(text.render(lang))),
            }
        }
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(lang()))
    }
}

const SOURCES: [(&str, &str); 2] = [("en", include_str!("en.ftl")), ("zh-CN", include_str!("zh.ftl"))];

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> =
    LazyLock::new(|| SOURCES.map(|(id, ftl)| bundle(id, ftl)));

fn bundle(id: &str, ftl: &str) -> FluentBundle<FluentResource> {
    let locale = id.parse().expect("the bundled locale ids parse");
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // Bidi isolation marks would show as stray characters in a terminal
    // and in GitHub annotations; every message here is left-to-right.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(ftl.to_string()).expect("the bundled .ftl files parse (tested)");
    bundle.add_resource(resource).expect("the bundled .ftl files have no duplicate ids (tested)");
    bundle
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    /// Message ids with their attributes, and the variables each pattern uses.
    fn catalogue(ftl: &str) -> BTreeMap<String, BTreeSet<String>> {
        let resource = fluent_syntax::parser::parse(ftl).unwrap_or_else(|(_, errors)| panic!("{errors:?}"));
        let mut found = BTreeMap::new();
        for entry in resource.body {
            let ast::Entry::Message(message) = entry else { continue };
            let id = message.id.name.to_string();
            let mut patterns: Vec<(String, &ast::Pattern<&str>)> = Vec::new();
            if let Some(value) = &message.value {
                patterns.push((id.clone(), value));
            }
            for attribute in &message.attributes {
                patterns.push((format!("{id}.{}", attribute.id.name), &attribute.value));
            }
            for (key, pattern) in patterns {
                let mut variables = BTreeSet::new();
                collect_variables(pattern, &mut variables);
                assert!(found.insert(key.clone(), variables).is_none(), "`{key}` is defined twice");
            }
        }
        found
    }

    fn collect_variables(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                collect_in_expression(expression, out);
            }
        }
    }

    fn collect_in_expression(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                collect_in_inline(selector, out);
                for variant in variants {
                    collect_variables(&variant.value, out);
                }
            }
            ast::Expression::Inline(inline) => collect_in_inline(inline, out),
        }
    }

    fn collect_in_inline(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_string());
            }
            ast::InlineExpression::Placeable { expression } => collect_in_expression(expression, out),
            _ => {}
        }
    }

    /// Every use of `text!` in the sources: file, key and argument names.
    fn uses_in_source() -> Vec<(String, String, BTreeSet<String>)> {
        let mut uses = Vec::new();
        for entry in walkdir::WalkDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")) {
            let entry = entry.expect("src/ is readable");
            if entry.path().extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(entry.path()).expect("sources are UTF-8");
            for (offset, _) in source.match_indices("text!(\"") {
                let call = &source[offset + 7..];
                let Some(end) = call.find('"') else { continue };
                let key = call[..end].to_string();
                let names = top_level_arguments(&call[end + 1..])
                    .iter()
                    .filter_map(|a| a.split_once('=').map(|(name, _)| name.trim().to_string()))
                    .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .collect();
                uses.push((entry.path().display().to_string(), key, names));
            }
        }
        uses
    }

    /// The comma-separated arguments up to the `)` that closes the call,
    /// ignoring commas inside nested calls and strings.
    fn top_level_arguments(rest: &str) -> Vec<String> {
        let (mut depth, mut quoted, mut current, mut arguments) = (0usize, false, String::new(), Vec::new());
        for c in rest.chars() {
            match c {
                '"' => quoted = !quoted,
                '(' | '[' | '{' if !quoted => depth += 1,
                ')' | ']' | '}' if !quoted && depth == 0 => break,
                ')' | ']' | '}' if !quoted => depth -= 1,
                ',' if !quoted && depth == 0 => {
                    arguments.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        arguments.push(current);
        arguments
    }

    #[test]
    fn every_message_exists_in_both_languages_with_the_same_variables() {
        let en = catalogue(include_str!("en.ftl"));
        let zh = catalogue(include_str!("zh.ftl"));
        let en_keys: BTreeSet<&String> = en.keys().collect();
        let zh_keys: BTreeSet<&String> = zh.keys().collect();
        assert_eq!(en_keys.difference(&zh_keys).collect::<Vec<_>>(), Vec::<&&String>::new(), "missing in zh.ftl");
        assert_eq!(zh_keys.difference(&en_keys).collect::<Vec<_>>(), Vec::<&&String>::new(), "missing in en.ftl");
        for (key, variables) in &en {
            assert_eq!(variables, &zh[key], "`{key}` uses different variables in en.ftl and zh.ftl");
        }
    }

    #[test]
    fn every_message_the_code_prints_is_in_the_catalogue_with_its_arguments() {
        let en = catalogue(include_str!("en.ftl"));
        let uses = uses_in_source();
        assert!(uses.len() > 50, "found only {} uses of text!", uses.len());
        for (file, key, names) in uses {
            let Some(variables) = en.get(&key) else { panic!("{file}: `{key}` is not in en.ftl") };
            assert!(names.is_superset(variables), "{file}: `{key}` needs {variables:?}, gets {names:?}");
        }
    }

    #[test]
    fn the_locale_follows_posix_precedence() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(Lang::from_locale_vars(env(&[("LANG", "C")])), Lang::En);
        assert_eq!(Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")])), Lang::En);
        assert_eq!(Lang::from_locale_vars(env(&[("LANG", "C"), ("LC_MESSAGES", "zh_TW")])), Lang::Zh);
        assert_eq!(Lang::from_locale_vars(env(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "")])), Lang::Zh);
        assert_eq!(Lang::from_locale_vars(env(&[])), Lang::En);
    }

    #[test]
    fn messages_render_in_both_languages_with_plurals() {
        let summary = crate::text!(
            "check-summary",
            articles = 1usize,
            recommendations = 2usize,
            errors = 0usize,
            warnings = 1usize
        );
        assert_eq!(summary.render(Lang::En), "checked 1 article and 2 recommendations: 0 errors, 1 warning");
        assert_eq!(summary.render(Lang::Zh), "检查了 1 篇文章和 2 条推荐：0 个错误，1 个警告");
        assert_eq!(summary.code(), "check-summary");
    }
}
