//! Helpers shared by the deploy tests: a copy of the bundled site that can
//! be edited, rebuilt and deployed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use policypress::deploy::{DeployError, DeployOptions, DeployReport, MANIFEST_OBJECT, PENDING_OBJECT, deploy};
use policypress::render::{BuildOptions, build};

pub struct Site {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl Site {
    /// The repository's own content, config and static files, with
    /// `targets` (TOML) appended to its config, built into `public/`.
    pub fn bundled(targets: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        for part in ["content", "static", "config.toml"] {
            copy(&repo.join(part), &root.join(part));
        }
        let config = fs::read_to_string(root.join("config.toml")).unwrap() + "\n" + targets;
        fs::write(root.join("config.toml"), config).unwrap();
        let site = Site { dir, root };
        site.build();
        site
    }

    pub fn build(&self) {
        let options = BuildOptions {
            root: self.root.clone(),
            out: None,
            base_url: None,
            no_minify: false,
            fresh: false,
            quiet: true,
            drafts: false,
        };
        build(&options).unwrap();
    }

    pub fn public(&self) -> PathBuf {
        self.root.join("public")
    }

    pub fn options(&self) -> DeployOptions {
        DeployOptions {
            root: self.root.clone(),
            target: None,
            dry_run: false,
            force: false,
            max_deletes: None,
            quiet: true,
        }
    }

    pub fn deploy(&self) -> Result<DeployReport, DeployError> {
        deploy(&self.options())
    }

    /// Appends a sentence to one article and rebuilds; returns its slug.
    pub fn edit_article(&self) -> String {
        let path = self.articles()[0].clone();
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text + "\n补充说明：以当地医保部门的最新通知为准。\n").unwrap();
        self.build();
        path.file_stem().unwrap().to_string_lossy().into_owned()
    }

    /// Deletes the last article and rebuilds (recommendations that named
    /// it as their article then link nowhere, as after a real removal);
    /// returns its slug.
    pub fn remove_article(&self) -> String {
        let path = self.articles().pop().unwrap();
        fs::remove_file(&path).unwrap();
        self.build();
        path.file_stem().unwrap().to_string_lossy().into_owned()
    }

    fn articles(&self) -> Vec<PathBuf> {
        let mut articles: Vec<PathBuf> = fs::read_dir(self.root.join("content/articles"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        articles.sort();
        articles
    }
}

/// Every file under `dir` with its bytes, keyed by `/`-separated path;
/// the deploy's bookkeeping objects are left out.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"), e.path().to_path_buf()))
        .filter(|(key, _)| key != MANIFEST_OBJECT && key != PENDING_OBJECT)
        .map(|(key, path)| (key, fs::read(path).unwrap()))
        .collect()
}

/// Paths whose bytes differ between two trees, or that only one has.
pub fn changed(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> (Vec<String>, Vec<String>) {
    let uploads = after.iter().filter(|(k, v)| before.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect();
    let deletes = before.keys().filter(|k| !after.contains_key(*k)).cloned().collect();
    (uploads, deletes)
}

fn copy(from: &Path, to: &Path) {
    if from.is_file() {
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(from, to).unwrap();
        return;
    }
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}
