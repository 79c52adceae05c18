//! Region and topic classification.
//! (Provisional API skeleton; the gazetteer matcher and topic rules are pending.)

pub mod gazetteer;
pub mod topics;

pub use gazetteer::{Gazetteer, Unit};
pub use topics::{Topic, TopicVocabulary};

/// What classification needs to know about an item.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyInput<'a> {
    pub title: &'a str,
    pub answer: Option<&'a str>,
    pub body: &'a str,
}

/// Regions (gazetteer paths such as `广东省/深圳市`), topic names, relevance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classification {
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    pub relevant: bool,
}

/// Classifies items against the embedded gazetteer and a topic vocabulary.
pub struct Classifier {
    vocabulary: TopicVocabulary,
}

impl Classifier {
    pub fn new(vocabulary: TopicVocabulary) -> Classifier {
        Classifier { vocabulary }
    }

    pub fn vocabulary(&self) -> &TopicVocabulary {
        &self.vocabulary
    }

    pub fn classify(&self, input: ClassifyInput<'_>) -> Classification {
        let topics: Vec<String> = self
            .vocabulary
            .topics
            .iter()
            .filter(|t| t.keywords.iter().any(|k| input.title.contains(k.as_str())))
            .map(|t| t.name.clone())
            .take(3)
            .collect();
        let relevant = !topics.is_empty() || input.title.contains("医保") || input.title.contains("社保");
        Classification { regions: Vec::new(), topics, relevant }
    }
}
