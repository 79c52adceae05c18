//! What content is tagged with: the gazetteer of regions (GB/T 2260) and
//! the topic vocabulary of `content/topics.yaml`. Every stage reads them;
//! [`crate::classify`] matches text against them.

pub mod gazetteer;
pub mod topics;

pub use gazetteer::{Gazetteer, Level, Unit};
pub use topics::{BUNDLED_TOPICS, OffTopicRule, Topic, TopicVocabulary};
