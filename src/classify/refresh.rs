//! `policypress classify`: recompute regions, topics and relevance of every
//! generated file after the gazetteer or the vocabulary changed. Files a
//! person edited are left alone; `--check` only reports, for CI.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Classification, Classifier, ClassifyInput};
use crate::content::{self, ContentError, Loaded};
use crate::model::{Article, Disclaimer, Recommendation};

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
pub fn refresh(content_dir: &Path, check: bool) -> Result<RefreshReport, ContentError> {
    let classifier = Classifier::new(crate::import::load_vocabulary(content_dir)?);
    let tree = content::load_tree(content_dir);
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

/// A stored item the classifier can judge and the store can rewrite.
trait Classified: Clone {
    fn input(&self) -> ClassifyInput<'_>;
    /// The item's `regions`, `topics`, `relevant`, `irrelevant_reason` and
    /// `disclaimer` fields.
    fn stored(&self) -> Classification;
    fn apply(&mut self, class: &Classification);
    /// The item's generated file.
    fn render(&self) -> String;

    /// The item's generated file with `class` in place of what it stored.
    fn render_with(&self, class: &Classification) -> String {
        let mut item = self.clone();
        item.apply(class);
        item.render()
    }
}

/// `stored` and `apply` for an item whose `meta` has the classification
/// fields under the same names (articles and recommendations both do).
macro_rules! classification_fields {
    () => {
        fn stored(&self) -> Classification {
            let meta = &self.meta;
            Classification {
                regions: meta.regions.clone(),
                topics: meta.topics.clone(),
                relevant: meta.relevant,
                irrelevant_reason: meta.irrelevant_reason.clone(),
                disclaimer: meta.disclaimer,
            }
        }

        fn apply(&mut self, class: &Classification) {
            let meta = &mut self.meta;
            (meta.regions, meta.topics, meta.relevant) = (class.regions.clone(), class.topics.clone(), class.relevant);
            (meta.irrelevant_reason, meta.disclaimer) = (class.irrelevant_reason.clone(), class.disclaimer);
        }
    };
}

impl Classified for Article {
    fn input(&self) -> ClassifyInput<'_> {
        ClassifyInput { title: &self.meta.title, answer: self.meta.answer.as_deref(), body: &self.body }
    }

    classification_fields!();

    fn render(&self) -> String {
        content::render_article(self)
    }
}

impl Classified for Recommendation {
    fn input(&self) -> ClassifyInput<'_> {
        ClassifyInput { title: &self.meta.title, answer: None, body: &self.excerpt }
    }

    classification_fields!();

    fn render(&self) -> String {
        content::render_recommendation(self)
    }
}

fn refresh_one<T: Classified>(classifier: &Classifier, loaded: &Loaded<T>, check: bool) -> Outcome {
    let before = loaded.item.stored();
    let after = classifier.classify(loaded.item.input());
    if before == after {
        return Outcome::Same;
    }
    let rendered = (loaded.pristine && !check).then(|| loaded.item.render_with(&after));
    let change = Change { path: loaded.path.clone(), before, after };
    if !loaded.pristine {
        return Outcome::HandEdited(change);
    }
    match rendered.map(|text| content::write_atomically(&loaded.path, text.as_bytes())) {
        None | Some(Ok(())) => Outcome::Changed(change),
        Some(Err(err)) => Outcome::Failed(ContentError::new(
            &loaded.path,
            1,
            1,
            format!("cannot write: {err}"),
            "check the file's permissions",
        )),
    }
}
