//! `config.toml` → [`Config`]. Missing keys take defaults; unknown keys are
//! an error that names the key, so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::i18n::Text;
use crate::layout::SiteLayout;
use crate::text::{did_you_mean, suggest_name};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// Absolute URL the site is served from, used for canonical links,
    /// the sitemap and the feed.
    pub base_url: String,
    pub language: String,
    /// Directory name under `themes/`.
    pub theme: String,
    /// Items per taxonomy list page.
    pub page_size: usize,
    pub minify: bool,
    /// Build pages for items classified `relevant: false` too.
    pub include_irrelevant: bool,
    /// Number of newest articles in the home page and the feed.
    pub feed_limit: usize,
    /// Also write `search_index.zh.json`, one index in stock elasticlunr.js
    /// format, for other tools: the site's own search does not read it.
    /// Past a few thousand pages it is tens of megabytes.
    pub elasticlunr_index: bool,
    /// Queries the search page offers before the reader types anything.
    pub popular_searches: Vec<String>,
    /// `[deploy]`: where `policypress deploy` publishes `public/`.
    pub deploy: DeployConfig,
}

/// `[deploy]` and its `[deploy.targets.NAME]` tables. Credentials are never
/// read from here: they come from the environment only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeployConfig {
    /// The target `deploy` uses without `--target`; not needed with one target.
    pub default_target: Option<String>,
    pub targets: BTreeMap<String, DeployTarget>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// Amazon S3 or any S3-compatible store (MinIO, Garage, R2, …).
    S3,
    /// Aliyun OSS.
    Oss,
    /// Tencent COS.
    Cos,
    /// A directory, e.g. a mounted share.
    Fs,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployTarget {
    pub kind: TargetKind,
    /// Bucket name (COS: `name-appid`); object-store kinds only.
    #[serde(default)]
    pub bucket: String,
    /// Key prefix the site is published under, e.g. `site/`; empty: the bucket root.
    #[serde(default)]
    pub prefix: String,
    /// Service URL, e.g. `https://oss-cn-hangzhou.aliyuncs.com`; empty: AWS S3.
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub region: String,
    /// The directory of an `fs` target, relative to the site root.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// Upload text files gzip-compressed with `Content-Encoding: gzip`.
    #[serde(default)]
    pub gzip: bool,
    /// Requests in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Seconds a request may take before it is cancelled and retried.
    #[serde(default = "default_timeout")]
    pub timeout: u64,
}

fn default_concurrency() -> usize {
    16
}

fn default_timeout() -> u64 {
    60
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "医保政策问答".into(),
            description: "医保与社保政策的常见问题与解答".into(),
            base_url: "http://127.0.0.1:1111".into(),
            language: "zh-CN".into(),
            theme: "default".into(),
            page_size: 20,
            minify: true,
            include_irrelevant: false,
            feed_limit: 20,
            elasticlunr_index: true,
            popular_searches: Vec::new(),
            deploy: DeployConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}\n  {}: {fix}", crate::text!("fix-label"))]
    Invalid { path: String, line: usize, column: usize, message: Text, fix: Text },
}

impl Config {
    /// Reads `config.toml` under `root`; a missing file means all defaults.
    pub fn load(layout: &SiteLayout) -> Result<Config, ConfigError> {
        let path = layout.config_file();
        let display = crate::text::display_path(&path);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&display, &text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path: display, source }),
        }
    }

    pub fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|err| {
            let (line, column) = err
                .span()
                .map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    (before.matches('\n').count() + 1, before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1)
                })
                .unwrap_or((1, 1));
            let (message, fix) = explain(err.message());
            ConfigError::Invalid { path: path.to_string(), line, column, message, fix }
        })?;
        if config.page_size == 0 {
            return Err(ConfigError::Invalid {
                path: path.to_string(),
                line: 1,
                column: 1,
                message: crate::text!("config-page-size"),
                fix: crate::text!("config-page-size.fix"),
            });
        }
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        Ok(config)
    }
}

/// A TOML error as `build` and `check` report it. serde names an unknown
/// key and lists the accepted ones in backticks: "unknown field `x`,
/// expected one of `a`, `b`".
fn explain(message: &str) -> (Text, Text) {
    match message.strip_prefix("unknown field ") {
        Some(rest) => {
            let mut names = rest.split('`').skip(1).step_by(2);
            let unknown = names.next().unwrap_or_default();
            let accepted: Vec<&str> = names.collect();
            let otherwise = crate::text!("config-unknown-key.fix", keys = accepted.join(", "));
            let fix = did_you_mean(suggest_name(unknown, accepted.iter().copied()), otherwise);
            (crate::text!("config-unknown-key", key = unknown), fix)
        }
        None => (crate::text!("config-invalid", detail = message.trim()), crate::text!("config-invalid.fix")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_get_defaults_and_unknown_keys_are_named() {
        let config = Config::parse("config.toml", "title = \"站点\"\n").unwrap();
        assert_eq!(config.title, "站点");
        assert_eq!(config.page_size, 20);
        let err = Config::parse("config.toml", "title = \"a\"\npage_sise = 3\n").unwrap_err().to_string();
        assert!(err.contains("page_sise") && err.contains("config.toml:2"), "{err}");
    }

    #[test]
    fn deploy_targets_are_read_and_their_typos_named() {
        let text = "[deploy.targets.oss]\nkind = \"oss\"\nbucket = \"site\"\nendpoint = \"https://oss-cn-hangzhou.aliyuncs.com\"\n";
        let config = Config::parse("config.toml", text).unwrap();
        let target = &config.deploy.targets["oss"];
        assert_eq!((target.kind, target.bucket.as_str(), target.concurrency), (TargetKind::Oss, "site", 16));
        assert_eq!(target.timeout, 60);
        let err = Config::parse("config.toml", "[deploy.targets.a]\nkind = \"s3\"\nbukket = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("bukket") && err.to_string().contains("config.toml:3"), "{err}");
    }
}
