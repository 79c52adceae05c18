//! The rules content must follow to be built: the one rule set. `build`
//! stops on any of these; `check` reports all of them, in the same words at
//! the same places, beside its own lint rules. Positions are looked up only
//! for the rare item that breaks a rule.

use rustc_hash::FxHashMap as HashMap;
use std::cell::OnceCell;
use std::path::Path;

use rayon::prelude::*;

use crate::content::front_matter::FrontMatter;
use crate::content::{ContentError, ContentTree, Loaded};
use crate::i18n::Text;
use crate::layout::SiteLayout;
use crate::model::{Item, ItemKind};
use crate::slug::{is_valid_slug, slugify};
use crate::taxonomy::{Gazetteer, TopicVocabulary};
use crate::text;
use crate::text::{did_you_mean, suggest_name};

/// What the rules are checked against.
#[derive(Clone, Copy)]
pub struct RulesInput<'a> {
    pub layout: &'a SiteLayout,
    pub tree: &'a ContentTree,
    pub gazetteer: &'a Gazetteer,
    /// `None` when `topics.yaml` is broken: its own error says enough, and
    /// topics then go unchecked rather than all reported unknown.
    pub vocabulary: Option<&'a TopicVocabulary>,
}

/// Every rule broken in `input.tree` (besides the files that did not load,
/// which are `tree.errors`), in no particular order.
pub fn validate(input: RulesInput<'_>) -> Vec<ContentError> {
    let items = ItemRules { gazetteer: input.gazetteer, vocabulary: input.vocabulary };
    let tree = input.tree;
    let mut errors: Vec<ContentError> = tree.articles.par_iter().flat_map_iter(|a| items.check(a)).collect();
    errors.par_extend(tree.recommendations.par_iter().flat_map_iter(|r| items.check(r)));
    errors.extend(tree.salvaged.articles.iter().flat_map(|a| items.check(a)));
    errors.extend(tree.salvaged.recommendations.iter().flat_map(|r| items.check(r)));
    // Tens of thousands of slugs are hashed and looked up here: the slug
    // table, the duplicate checks and each file's references run in
    // parallel.
    let (known, (articles, recommendations)) = rayon::join(
        || KnownSlugs::of(tree),
        || {
            rayon::join(
                || duplicate_slugs(input.layout, tree.checked_articles()),
                || duplicate_slugs(input.layout, tree.checked_recommendations()),
            )
        },
    );
    errors.extend(articles);
    errors.extend(recommendations);
    let checked_articles = tree.articles.par_iter().chain(tree.salvaged.articles.par_iter());
    errors.par_extend(checked_articles.flat_map_iter(|article| {
        let mut found = Vec::new();
        let at = Locator::new(&article.path);
        for slug in &article.item.meta.recommendations {
            let what = || text!("reference-recommendation", slug = slug);
            known.require(ItemKind::Recommendation, slug, &at, "recommendations", what, &mut found);
        }
        found
    }));
    let checked_recommendations = tree.recommendations.par_iter().chain(tree.salvaged.recommendations.par_iter());
    errors.par_extend(checked_recommendations.flat_map_iter(|rec| {
        let mut found = Vec::new();
        if let Some(slug) = &rec.item.meta.article {
            let at = Locator::new(&rec.path);
            known.require(
                ItemKind::Article,
                slug,
                &at,
                "article",
                || text!("reference-article", slug = slug),
                &mut found,
            );
        }
        found
    }));
    errors
}

/// Finds positions in one file's front matter, reading it at most once and
/// only when asked.
pub struct Locator<'p> {
    path: &'p Path,
    front_matter: OnceCell<Option<FrontMatter>>,
}

impl<'p> Locator<'p> {
    pub fn new(path: &'p Path) -> Locator<'p> {
        Locator { path, front_matter: OnceCell::new() }
    }

    fn front_matter(&self) -> Option<&FrontMatter> {
        self.front_matter.get_or_init(|| FrontMatter::of_file(self.path)).as_ref()
    }

    /// The line of `key`, column 1.
    pub fn key(&self, key: &str) -> (usize, usize) {
        (self.front_matter().map_or(1, |fm| fm.key_line(key)), 1)
    }

    /// Where `value` is written under `key`.
    pub fn value(&self, key: &str, value: &str) -> (usize, usize) {
        self.front_matter().map_or((1, 1), |fm| fm.value_position(key, value))
    }

    /// Where the `n`th copy of `value` is written under `key`.
    pub fn nth_value(&self, key: &str, value: &str, n: usize) -> (usize, usize) {
        self.front_matter().map_or((1, 1), |fm| fm.nth_value_position(key, value, n))
    }

    pub fn error(&self, (line, column): (usize, usize), message: Text, fix: Text) -> ContentError {
        ContentError::new(self.path, line, column, message, fix)
    }
}

/// The rules each item follows on its own.
struct ItemRules<'a> {
    gazetteer: &'a Gazetteer,
    vocabulary: Option<&'a TopicVocabulary>,
}

impl ItemRules<'_> {
    fn check<T: Item>(&self, loaded: &Loaded<T>) -> Vec<ContentError> {
        let item = &loaded.item;
        let at = Locator::new(&loaded.path);
        let mut errors = Vec::new();
        if item.title().trim().is_empty() {
            errors.push(at.error(at.key("title"), text!("title-empty"), text!("title-empty.fix")));
        }
        let slug = item.slug();
        if !is_valid_slug(slug) {
            errors.push(at.error(
                at.key("slug"),
                text!("slug-invalid", slug = slug),
                text!("slug-invalid.fix", suggestion = slugify(slug)),
            ));
        }
        for region in item.regions() {
            let Some(unit) = self.gazetteer.by_path(region) else {
                let fix = did_you_mean(self.gazetteer.suggest(region), text!("region-unknown.fix"));
                errors.push(at.error(at.value("regions", region), text!("region-unknown", region = region), fix));
                continue;
            };
            // Gazetteer slugs become directories, so they get the same check as front matter.
            if !unit.slug_path.split('/').all(is_valid_slug) {
                errors.push(at.error(
                    at.value("regions", region),
                    text!("region-unusable-path", region = region, path = unit.slug_path.as_str()),
                    text!("region-unusable-path.fix"),
                ));
            }
        }
        let Some(vocabulary) = self.vocabulary else { return errors };
        for topic in item.topics() {
            if vocabulary.by_name(topic).is_none() {
                let fix = did_you_mean(vocabulary.suggest(topic), text!("topic-unknown.fix"));
                errors.push(at.error(at.value("topics", topic), text!("topic-unknown", topic = topic), fix));
            }
        }
        errors
    }
}

/// A slug used by two items of a kind: the file whose name matches the
/// slug owns it, and the copies are wrong.
fn duplicate_slugs<'t, T: Item + 't>(
    layout: &SiteLayout,
    items: impl Iterator<Item = &'t Loaded<T>>,
) -> Vec<ContentError> {
    let mut errors = Vec::new();
    let mut by_slug: HashMap<&str, Vec<&Loaded<T>>> = HashMap::default();
    for loaded in items {
        by_slug.entry(loaded.item.slug()).or_default().push(loaded);
    }
    let mut shared: Vec<(&str, Vec<&Loaded<T>>)> = by_slug.into_iter().filter(|(_, owners)| owners.len() > 1).collect();
    shared.sort_by_key(|(slug, _)| *slug);
    for (slug, owners) in shared {
        for owner in owners.iter().filter(|o| file_stem(&o.path) != slug) {
            let others: Vec<String> = owners
                .iter()
                .filter(|o| o.path != owner.path)
                .map(|o| layout.relative(&o.path).display().to_string())
                .collect();
            let at = Locator::new(&owner.path);
            errors.push(at.error(
                at.key("slug"),
                text!("slug-duplicate", slug = slug, others = others.join(", ")),
                text!("slug-duplicate.fix"),
            ));
        }
    }
    errors
}

/// The slugs a reference may name, by kind: those of loaded items, and
/// those of files that did not load (their own errors say enough).
pub struct KnownSlugs<'t> {
    slugs: HashMap<(ItemKind, &'t str), bool>,
    /// File stems by kind, for suggestions.
    stems: HashMap<ItemKind, Vec<&'t str>>,
}

impl<'t> KnownSlugs<'t> {
    pub fn of(tree: &'t ContentTree) -> KnownSlugs<'t> {
        let mut known = KnownSlugs { slugs: HashMap::default(), stems: HashMap::default() };
        let loaded = tree.articles.iter().map(|a| (ItemKind::Article, &a.path, a.item.slug(), a.item.relevant()));
        let loaded = loaded.chain(
            tree.recommendations.iter().map(|r| (ItemKind::Recommendation, &r.path, r.item.slug(), r.item.relevant())),
        );
        for (kind, path, slug, relevant) in loaded {
            known.slugs.insert((kind, slug), relevant);
            known.stems.entry(kind).or_default().push(file_stem(path));
        }
        for (kind, stem, slug) in &tree.unloaded {
            known.slugs.insert((*kind, stem.as_str()), true);
            if let Some(slug) = slug {
                known.slugs.insert((*kind, slug.as_str()), true);
            }
            known.stems.entry(*kind).or_default().push(stem);
        }
        known
    }

    /// Whether an item of `kind` has `slug`, and if so whether it is relevant.
    pub fn relevant(&self, kind: ItemKind, slug: &str) -> Option<bool> {
        self.slugs.get(&(kind, slug)).copied()
    }

    /// An error at `at` unless an item of `kind` has `slug`; `what` says
    /// how the reference reads, e.g. "recommendation `x`".
    pub fn require(
        &self,
        kind: ItemKind,
        slug: &str,
        at: &Locator<'_>,
        key: &str,
        what: impl FnOnce() -> Text,
        errors: &mut Vec<ContentError>,
    ) {
        if self.relevant(kind, slug).is_none() {
            errors.push(at.error(at.value(key, slug), self.nowhere(kind, slug, what()), self.suggestion(kind, slug)));
        }
    }

    /// The message for a reference that names no file.
    pub fn nowhere(&self, kind: ItemKind, slug: &str, what: Text) -> Text {
        text!("reference-nowhere", what = what, file = format!("content/{}/{slug}.md", kind.dir()))
    }

    /// The fix for a reference that names no file.
    pub fn suggestion(&self, kind: ItemKind, slug: &str) -> Text {
        let stems = self.stems.get(&kind).map(Vec::as_slice).unwrap_or_default();
        did_you_mean(suggest_name(slug, stems.iter().copied()), text!("reference-nowhere.fix"))
    }
}

pub fn file_stem(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or_default()
}
