//! Every end-to-end test, in one binary: each file of `tests/` is a module
//! here, so a fresh `cargo test` compiles and links against the
//! dependencies once instead of once per file (nineteen links were a
//! sixth of its compile). A test's name still says its file:
//! `cargo test --test integration import_pages` runs the tests of
//! `tests/import_pages.rs`, `cargo test --test integration
//! search_site::dev_site` one test.
//!
//! Cargo.toml sets `autotests = false`, so a file of `tests/` runs only
//! once it is named below; [`every_test_file_is_a_module`] fails until it is.

mod build_support;
mod common;
#[cfg(feature = "deploy")]
mod deploy_support;
mod search_support;

mod build_hostile;
mod build_output;
mod build_reliability;
mod build_site;
mod check_fixtures;
mod classify_labeled;
mod classify_refresh;
mod cli_paths;
mod contributing_examples;
mod dedup_labeled;
// The `deploy` feature's tests: `cargo test --features deploy`.
#[cfg(feature = "deploy")]
mod deploy;
#[cfg(feature = "deploy")]
mod deploy_s3;
mod import_bad_input;
mod import_fuzz;
mod import_pages;
mod new_article;
mod search_site;
mod search_tokenize;
mod serve_live;

/// A test file left out of the list above would compile into nothing and
/// its tests would never run.
#[test]
fn every_test_file_is_a_module() {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this = include_str!("integration.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let module = if path.is_dir() && path.join("mod.rs").is_file() {
            name
        } else if let Some(stem) = name.strip_suffix(".rs").filter(|stem| *stem != "integration") {
            stem.to_string()
        } else {
            continue;
        };
        if !this.lines().any(|line| line == format!("mod {module};")) {
            missing.push(module);
        }
    }
    assert!(missing.is_empty(), "add `mod NAME;` to tests/integration.rs for each of {missing:?}");
}
