//! The topic vocabulary contributors edit in `content/topics.yaml`.

use std::path::Path;

use serde::Deserialize;

use crate::content::ContentError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicVocabulary {
    pub topics: Vec<Topic>,
}

impl TopicVocabulary {
    pub fn parse(path: &Path, text: &str) -> Result<TopicVocabulary, ContentError> {
        let topics: Vec<Topic> = serde_norway::from_str(text).map_err(|err| {
            let (line, column) = err.location().map_or((1, 1), |l| (l.line(), l.column()));
            ContentError::new(path, line, column, format!("topics: {err}"), "fix the YAML at this position")
        })?;
        Ok(TopicVocabulary { topics })
    }

    pub fn load(path: &Path) -> Result<TopicVocabulary, ContentError> {
        let text = crate::content::read_text(path)?;
        TopicVocabulary::parse(path, &text)
    }

    pub fn by_name(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }
}
