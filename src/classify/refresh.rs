//! `policypress classify`: recompute regions, topics and relevance of every
//! generated file after the gazetteer or the vocabulary changed. Files a
//! person edited are left alone; `--check` only reports, for CI.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Classification, Classifier, ClassifyInput};
use crate::content::{self, ContentError, Loaded};
use crate::model::{Article, Recommendation};

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
            let relevance = if c.relevant { "" } else { " (not relevant)" };
            format!("regions [{}] topics [{}]{relevance}", c.regions.join(", "), c.topics.join(", "))
        };
        write!(f, "{}: {} → {}", self.path.display(), describe(&self.before), describe(&self.after))
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
    let articles: Vec<Outcome> = tree.articles.par_iter().map(|a| refresh_article(&classifier, a, check)).collect();
    let recommendations: Vec<Outcome> =
        tree.recommendations.par_iter().map(|r| refresh_recommendation(&classifier, r, check)).collect();
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

fn decide(
    path: &Path,
    pristine: bool,
    before: Classification,
    after: Classification,
    write: impl FnOnce() -> std::io::Result<()>,
    check: bool,
) -> Outcome {
    if before == after {
        return Outcome::Same;
    }
    let change = Change { path: path.to_path_buf(), before, after };
    if !pristine {
        return Outcome::HandEdited(change);
    }
    if check {
        return Outcome::Changed(change);
    }
    match write() {
        Ok(()) => Outcome::Changed(change),
        Err(err) => Outcome::Failed(ContentError::new(
            path,
            1,
            1,
            format!("cannot write: {err}"),
            "check the file's permissions",
        )),
    }
}

fn refresh_article(classifier: &Classifier, loaded: &Loaded<Article>, check: bool) -> Outcome {
    let meta = &loaded.item.meta;
    let before = Classification { regions: meta.regions.clone(), topics: meta.topics.clone(), relevant: meta.relevant };
    let after = classifier.classify(ClassifyInput {
        title: &meta.title,
        answer: meta.answer.as_deref(),
        body: &loaded.item.body,
    });
    let write = || {
        let mut meta = meta.clone();
        meta.checksum = None;
        (meta.regions, meta.topics, meta.relevant) = (after.regions.clone(), after.topics.clone(), after.relevant);
        content::write_atomically(&loaded.path, content::render_document(&meta, &loaded.item.body).as_bytes())
    };
    decide(&loaded.path, loaded.pristine, before.clone(), after.clone(), write, check)
}

fn refresh_recommendation(classifier: &Classifier, loaded: &Loaded<Recommendation>, check: bool) -> Outcome {
    let meta = &loaded.item.meta;
    let excerpt = &loaded.item.excerpt;
    let before = Classification { regions: meta.regions.clone(), topics: meta.topics.clone(), relevant: meta.relevant };
    let after = classifier.classify(ClassifyInput { title: &meta.title, answer: None, body: excerpt });
    let write = || {
        let mut meta = meta.clone();
        meta.checksum = None;
        (meta.regions, meta.topics, meta.relevant) = (after.regions.clone(), after.topics.clone(), after.relevant);
        let body = if excerpt.is_empty() { String::new() } else { format!("{excerpt}\n") };
        content::write_atomically(&loaded.path, content::render_document(&meta, &body).as_bytes())
    };
    decide(&loaded.path, loaded.pristine, before.clone(), after.clone(), write, check)
}
