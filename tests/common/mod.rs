//! Helpers shared by the end-to-end tests.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use policypress::import::{ImportOptions, ImportReport, import};

pub fn fixtures_raw() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/raw")
}

pub fn raw_pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = fs::read_dir(fixtures_raw()).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    pages
}

pub fn import_into(content: &Path, inputs: &[PathBuf]) -> ImportReport {
    import(&ImportOptions {
        inputs: inputs.to_vec(),
        layout: policypress::layout::SiteLayout::around_content(content),
        force: false,
    })
    .unwrap()
}

/// Every file under `dir` with its bytes, keyed by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().display().to_string(), fs::read(e.path()).unwrap()))
        .collect()
}
