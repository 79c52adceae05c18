//! Accuracy of region and topic classification on the hand-labelled titles of the
//! five sample pages (`tests/fixtures/classify_labeled.yaml`).
//!
//! Run with `--nocapture` to see the figures and every disagreement.

use std::collections::HashSet;
use std::path::Path;

use policypress::classify::{Classifier, ClassifyInput, TopicVocabulary};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Labeled {
    page: String,
    title: String,
    answer: Option<String>,
    body: String,
    regions: Vec<String>,
    topics: Vec<String>,
    relevant: bool,
}

#[derive(Default)]
struct Tally {
    true_positive: usize,
    false_positive: usize,
    false_negative: usize,
}

impl Tally {
    fn add(&mut self, predicted: &[String], expected: &[String]) {
        let predicted: HashSet<&String> = predicted.iter().collect();
        let expected: HashSet<&String> = expected.iter().collect();
        self.true_positive += predicted.intersection(&expected).count();
        self.false_positive += predicted.difference(&expected).count();
        self.false_negative += expected.difference(&predicted).count();
    }

    fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }

    fn recall(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }

    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

/// Nothing predicted and nothing expected is perfect agreement.
fn ratio(hits: usize, total: usize) -> f64 {
    if total == 0 { 1.0 } else { hits as f64 / total as f64 }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn classification_matches_the_hand_labels() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/classify_labeled.yaml")).expect("labelled set");
    let items: Vec<Labeled> = serde_norway::from_str(&text).expect("labelled set parses");
    assert_eq!(items.len(), 105, "5 articles and 100 snippet titles");
    let vocabulary = TopicVocabulary::load(&root().join("content/topics.yaml")).expect("vocabulary");
    for item in &items {
        for topic in &item.topics {
            assert!(vocabulary.by_name(topic).is_some(), "label `{topic}` is not in content/topics.yaml");
        }
    }
    let classifier = Classifier::new(vocabulary);

    let (mut regions, mut topics) = (Tally::default(), Tally::default());
    let mut relevance_agreed = 0;
    for item in &items {
        let got =
            classifier.classify(ClassifyInput { title: &item.title, answer: item.answer.as_deref(), body: &item.body });
        regions.add(&got.regions, &item.regions);
        topics.add(&got.topics, &item.topics);
        relevance_agreed += usize::from(got.relevant == item.relevant);
        let same_topics = got.topics.iter().collect::<HashSet<_>>() == item.topics.iter().collect::<HashSet<_>>();
        if got.regions != item.regions || !same_topics || got.relevant != item.relevant {
            println!(
                "page {} {}\n  regions {:?} expected {:?}\n  topics  {:?} expected {:?}  relevant {} expected {}",
                item.page, item.title, got.regions, item.regions, got.topics, item.topics, got.relevant, item.relevant
            );
        }
    }
    println!(
        "regions: precision {:.3} recall {:.3}; topics: precision {:.3} recall {:.3} F1 {:.3}; relevance {}/{}",
        regions.precision(),
        regions.recall(),
        topics.precision(),
        topics.recall(),
        topics.f1(),
        relevance_agreed,
        items.len()
    );
    assert!(regions.precision() >= 0.95, "region precision {:.3}", regions.precision());
    assert!(regions.recall() >= 0.95, "region recall {:.3}", regions.recall());
    assert!(topics.f1() >= 0.85, "topic F1 {:.3}", topics.f1());
    assert_eq!(relevance_agreed, items.len(), "relevance flags");
}
