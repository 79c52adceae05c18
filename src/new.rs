//! `new`: starts a hand-written article — valid front matter and a body
//! skeleton telling the author what to write, which `check` refuses until
//! every line of it is replaced.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::content::ContentError;
use crate::i18n::Text;
use crate::layout::SiteLayout;
use crate::model::{ArticleMeta, Date};
use crate::taxonomy::{Gazetteer, TopicVocabulary};
use crate::text;
use crate::text::{did_you_mean, display_path, escape_controls};

/// A sentence `policypress new` puts in every skeleton body, so that `check`
/// can tell an author who forgot to replace it.
pub const PLACEHOLDER_MARKER: &str = "（请替换这段说明）";

#[derive(Debug)]
pub enum NewError {
    EmptyTitle,
    UnknownRegion { region: String, suggestion: Option<String> },
    UnknownTopic { topic: String, suggestion: Option<String> },
    Exists(PathBuf),
    ArchetypeFrontMatter(PathBuf),
    Topics(ContentError),
    Io { path: PathBuf, source: std::io::Error },
}

impl NewError {
    /// The message, in the catalogue's words; a broken topics file says
    /// where it is broken through its own error instead.
    fn text(&self) -> Text {
        match self {
            NewError::EmptyTitle => text!("new-empty-title"),
            NewError::UnknownRegion { region, suggestion } => {
                let hint = did_you_mean(suggestion.as_deref(), text!("region-unknown.fix"));
                text!("new-unknown-region", region = region, hint = hint)
            }
            NewError::UnknownTopic { topic, suggestion } => {
                let hint = did_you_mean(suggestion.as_deref(), text!("topic-unknown.fix"));
                text!("new-unknown-topic", topic = topic, hint = hint)
            }
            NewError::Exists(path) => text!("new-exists", path = display_path(path)),
            NewError::ArchetypeFrontMatter(path) => text!("new-archetype-front-matter", path = display_path(path)),
            NewError::Topics(err) => err.message.clone(),
            NewError::Io { path, source } => text!("io-error", path = display_path(path), error = source.to_string()),
        }
    }
}

impl fmt::Display for NewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NewError::Topics(err) => write!(f, "{err}"),
            _ => f.write_str(&escape_controls(&self.text().to_string())),
        }
    }
}

impl std::error::Error for NewError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NewError::Topics(err) => Some(err),
            NewError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<ContentError> for NewError {
    fn from(err: ContentError) -> NewError {
        NewError::Topics(err)
    }
}

/// Writes `content/articles/<slug>.md` under `root` and returns its path.
/// The date line is today in UTC; there is no checksum line, because the
/// file belongs to the person writing it.
pub fn new_article(root: &Path, title: &str, regions: &[String], topics: &[String]) -> Result<PathBuf, NewError> {
    let gazetteer = Gazetteer::embedded();
    let title = title.trim();
    if title.is_empty() {
        return Err(NewError::EmptyTitle);
    }
    for region in regions {
        if gazetteer.by_path(region).is_none() {
            let suggestion = gazetteer.suggest(region);
            return Err(NewError::UnknownRegion { region: region.clone(), suggestion });
        }
    }
    let layout = SiteLayout::new(root);
    let vocabulary = TopicVocabulary::load_or_bundled(&layout)?;
    for topic in topics {
        if vocabulary.by_name(topic).is_none() {
            let suggestion = vocabulary.suggest(topic);
            return Err(NewError::UnknownTopic { topic: topic.clone(), suggestion });
        }
    }

    let slug = crate::slug::slugify(title);
    let meta = ArticleMeta {
        title: title.to_string(),
        slug: slug.clone(),
        answer: None,
        date: Some(today()),
        date_source: None,
        updated: None,
        regions: regions.to_vec(),
        topics: topics.to_vec(),
        relevant: true,
        draft: false,
        irrelevant_reason: None,
        disclaimer: Default::default(),
        notices: Vec::new(),
        recommendations: Vec::new(),
        source: None,
        checksum: None,
    };
    let front_matter = serde_norway::to_string(&meta).expect("front matter structs always serialize");
    let text = format!("---\n{front_matter}---\n{}", body_skeleton(&layout)?);

    let dir = layout.articles();
    let path = dir.join(format!("{slug}.md"));
    let io = |source| NewError::Io { path: path.clone(), source };
    std::fs::create_dir_all(&dir).map_err(io)?;
    // `create_new` refuses atomically, so a file that appears between a
    // check and the write is never overwritten either.
    let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => return Err(NewError::Exists(path)),
        Err(err) => return Err(io(err)),
    };
    file.write_all(text.as_bytes()).map_err(io)?;
    Ok(path)
}

/// The body a new article starts with: the site's `archetypes/article.md`,
/// so that editors decide what a new article asks for, as Hugo's archetypes
/// do; else the built-in [`skeleton`].
fn body_skeleton(layout: &SiteLayout) -> Result<String, NewError> {
    let path = layout.article_archetype();
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text).replace("\r\n", "\n");
            if text.starts_with("---\n") {
                return Err(NewError::ArchetypeFrontMatter(path));
            }
            Ok(text)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(skeleton()),
        Err(source) => Err(NewError::Io { path, source }),
    }
}

/// What to write, and the section headings most answers use; `check`
/// refuses any of its lines left in an article.
pub fn skeleton() -> String {
    format!(
        "\
先用一两句话直接回答标题里的问题，再说明适用对象、办理条件和注意事项。{PLACEHOLDER_MARKER}

## 政策依据

写明文件名称、发文机关和施行日期，例如《深圳市社会医疗保险办法》。

## 办理流程

1. 准备材料：……
2. 办理渠道：线上（App、小程序）或线下窗口……
3. 办理时限：……

## 常见问题

### 问题一？

回答……
"
    )
}

/// Today's date in UTC, from the system clock.
pub fn today() -> Date {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    civil_from_days((seconds / 86_400) as i64)
}

/// Days since 1970-01-01 → calendar date (Howard Hinnant's algorithm,
/// exact for the proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    Date::new(year, month, day).expect("the algorithm yields valid dates")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_the_epoch_become_calendar_dates() {
        let date = |days| civil_from_days(days).to_string();
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(11_016), "2000-02-29");
        assert_eq!(date(20_088), "2024-12-31");
        assert_eq!(date(20_089), "2025-01-01");
        assert_eq!(date(19_782), "2024-02-29");
    }
}
