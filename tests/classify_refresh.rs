//! `policypress classify` after the vocabulary changes: generated files are
//! updated, hand-edited ones are left alone, `--check` reports without writing.

use crate::common;

use std::fs;

use common::{import_into, raw_pages, snapshot};
use policypress::classify::refresh::refresh;
use policypress::layout::SiteLayout;

#[test]
fn vocabulary_edits_reclassify_generated_files_only() {
    let dir = tempfile::tempdir().unwrap();
    import_into(dir.path(), &raw_pages());
    assert!(
        refresh(&SiteLayout::around_content(dir.path()), true).unwrap().changes.is_empty(),
        "fresh import is up to date"
    );

    // A contributor renames a topic in the vocabulary.
    let vocabulary = fs::read_to_string(dir.path().join("topics.yaml")).unwrap();
    fs::write(dir.path().join("topics.yaml"), vocabulary.replace("name: 家庭共济", "name: 家庭共济账户")).unwrap();
    let hand_edited = dir.path().join("articles/zi-ji-yi-bao-yu-e-ke-yi-gei-jia-ren-jiao-yi-bao-ma.md");
    let edited = fs::read_to_string(&hand_edited).unwrap().replace("综上", "总之");
    fs::write(&hand_edited, &edited).unwrap();

    let before = snapshot(dir.path());
    let check = refresh(&SiteLayout::around_content(dir.path()), true).unwrap();
    assert!(!check.changes.is_empty());
    assert_eq!(snapshot(dir.path()), before, "--check writes nothing");

    let report = refresh(&SiteLayout::around_content(dir.path()), false).unwrap();
    assert_eq!(report.changes.len(), check.changes.len());
    assert!(report.kept_hand_edits.iter().any(|c| c.path == hand_edited));
    assert_eq!(fs::read_to_string(&hand_edited).unwrap(), edited);
    let changed = fs::read_to_string(&report.changes[0].path).unwrap();
    assert!(changed.contains("家庭共济账户"), "{changed}");
    assert!(policypress::content::is_pristine(&changed), "rewritten files stay generator-owned");
    assert!(
        refresh(&SiteLayout::around_content(dir.path()), true).unwrap().changes.is_empty(),
        "a second run has nothing to do"
    );
}
