//! Helpers shared by the integration tests.
#![allow(dead_code)] // Each test binary uses its own subset of the helpers.

use std::path::Path;

use policypress::classify::gazetteer::{Gazetteer, Level, Unit};

/// A few units of the real gazetteer, so tests about regions do not depend
/// on the embedded data set's size or revisions.
pub fn small_gazetteer() -> Gazetteer {
    let unit = |code, name: &str, short: &str, level, parent, slug: &str, path: &str, slug_path: &str| Unit {
        code,
        name: name.into(),
        short: short.into(),
        level,
        parent,
        slug: slug.into(),
        path: path.into(),
        slug_path: slug_path.into(),
    };
    Gazetteer {
        units: vec![
            unit(440000, "广东省", "广东", Level::Province, None, "guangdong", "广东省", "guangdong"),
            unit(
                440100,
                "广州市",
                "广州",
                Level::Prefecture,
                Some(0),
                "guangzhou",
                "广东省/广州市",
                "guangdong/guangzhou",
            ),
            unit(
                440300,
                "深圳市",
                "深圳",
                Level::Prefecture,
                Some(0),
                "shenzhen",
                "广东省/深圳市",
                "guangdong/shenzhen",
            ),
            unit(310000, "上海市", "上海", Level::Province, None, "shanghai", "上海市", "shanghai"),
        ],
    }
}

/// Copies a file or a directory tree, for tests that change a site.
pub fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
        return;
    }
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
