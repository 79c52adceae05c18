//! `policypress classify`: recompute regions, topics and relevance of every
//! generated file after the gazetteer or the vocabulary changed. Files a
//! person edited are left alone; `--check` only reports, for CI.

use std::path::PathBuf;

use rayon::prelude::*;

use super::{Classification, Classifier, ClassifyInput, TopicVocabulary};
use crate::content::{self, ContentError, Loaded};
use crate::fsutil::write_atomically;
use crate::layout::SiteLayout;
use crate::model::{Disclaimer, Item};

/// One file whose classification differs from what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub before: Classification,
    pub after: Classification,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let describe = |c: &Classification| {
            let relevance = match (&c.relevant, &c.irrelevant_reason) {
                (true, _) => String::new(),
                (false, Some(reason)) => format!(" (not relevant: {reason})"),
                (false, None) => " (not relevant)".to_string(),
            };
            let disclaimer = match c.disclaimer {
                Disclaimer::Policy => "policy",
                Disclaimer::Medical => "medical",
            };
            format!(
                "regions [{}] topics [{}] disclaimer {disclaimer}{relevance}",
                c.regions.join(", "),
                c.topics.join(", ")
            )
        };
        write!(f, "{}: {} → {}", crate::text::display_path(&self.path), describe(&self.before), describe(&self.after))
    }
}

#[derive(Debug, Default)]
pub struct RefreshReport {
    pub checked: usize,
    /// Changed (or, with `check`, would change).
    pub changes: Vec<Change>,
    /// Hand-edited files whose stored classification differs; not touched.
    pub kept_hand_edits: Vec<Change>,
    pub errors: Vec<ContentError>,
}

/// Reclassifies everything in `content_dir`; writes only when `!check`.
pub fn refresh(layout: &SiteLayout, check: bool) -> Result<RefreshReport, ContentError> {
    let classifier = Classifier::new(TopicVocabulary::load_or_bundled(layout)?);
    let tree = content::load_tree(layout.content());
    let articles: Vec<Outcome> = tree.articles.par_iter().map(|a| refresh_one(&classifier, a, check)).collect();
    let recommendations: Vec<Outcome> =
        tree.recommendations.par_iter().map(|r| refresh_one(&classifier, r, check)).collect();
    let mut report = RefreshReport {
        checked: articles.len() + recommendations.len(),
        errors: tree.errors,
        ..RefreshReport::default()
    };
    for outcome in articles.into_iter().chain(recommendations) {
        match outcome {
            Outcome::Same => {}
            Outcome::Changed(change) => report.changes.push(change),
            Outcome::HandEdited(change) => report.kept_hand_edits.push(change),
            Outcome::Failed(err) => report.errors.push(err),
        }
    }
    Ok(report)
}

enum Outcome {
    Same,
    Changed(Change),
    HandEdited(Change),
    Failed(ContentError),
}

/// What the classifier judges an item on.
fn input<T: Item>(item: &T) -> ClassifyInput<'_> {
    ClassifyInput { title: item.title(), answer: item.answer(), body: item.text() }
}

/// The item's `regions`, `topics`, `relevant`, `irrelevant_reason` and
/// `disclaimer` fields.
fn stored<T: Item>(item: &T) -> Classification {
    Classification {
        regions: item.regions().to_vec(),
        topics: item.topics().to_vec(),
        relevant: item.relevant(),
        irrelevant_reason: item.irrelevant_reason().map(str::to_string),
        disclaimer: item.disclaimer(),
    }
}

/// The item's generated file with `class` in place of what it stored.
fn render_with<T: Item>(item: &T, class: &Classification) -> String {
    let mut item = item.clone();
    let fields = item.classification_mut();
    (*fields.regions, *fields.topics, *fields.relevant) = (class.regions.clone(), class.topics.clone(), class.relevant);
    (*fields.irrelevant_reason, *fields.disclaimer) = (class.irrelevant_reason.clone(), class.disclaimer);
    content::render_item(&item)
}

fn refresh_one<T: Item>(classifier: &Classifier, loaded: &Loaded<T>, check: bool) -> Outcome {
    let before = stored(&loaded.item);
    let after = classifier.classify(input(&loaded.item));
    if before == after {
        return Outcome::Same;
    }
    let rendered = (loaded.pristine && !check).then(|| render_with(&loaded.item, &after));
    let change = Change { path: loaded.path.clone(), before, after };
    if !loaded.pristine {
        return Outcome::HandEdited(change);
    }
    match rendered.map(|text| write_atomically(&loaded.path, text.as_bytes())) {
        None | Some(Ok(())) => Outcome::Changed(change),
        Some(Err(err)) => Outcome::Failed(ContentError::new(
            &loaded.path,
            1,
            1,
            crate::text!("cannot-write", error = err.to_string()),
            crate::text!("cannot-read.fix"),
        )),
    }
}
