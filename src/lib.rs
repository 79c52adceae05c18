//! policypress: a static site generator for Chinese medical-insurance (医保)
//! policy Q&A content.
//!
//! The pipeline runs one way — `import` (scraped pages → `content/`),
//! `dedup` and `classify` (refining what import stores), then `build`
//! (`content/` → site) with `search` writing the client-side index. Each
//! stage is a module with typed input and output; `main.rs` only parses
//! arguments and prints.

pub mod check;
pub mod classify;
pub mod config;
pub mod content;
pub mod dedup;
/// Behind the `deploy` feature: see Cargo.toml.
#[cfg(feature = "deploy")]
pub mod deploy;
pub mod diagnostic;
pub mod fsutil;
pub mod i18n;
pub mod import;
pub mod layout;
pub mod model;
pub mod new;
pub mod path_display;
pub mod render;
pub mod search;
pub mod secrets;
pub mod serve;
pub mod site;
pub mod slug;
pub mod taxonomy;
pub mod text;

pub use render::{BuildError, BuildOptions, BuildReport, build};
