//! What a deploy must change: a pure function from the local file list and
//! what the target holds to the uploads (in phase order) and deletes.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::headers::{Phase, is_search_generation, phase};

/// Version of [`Manifest`]'s layout; a target holding another version is
/// verified against its listing instead.
pub const MANIFEST_FORMAT: u32 = 1;

/// The object each deploy writes last before deleting: what it uploaded,
/// so that the next deploy needs one read instead of a full listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// Whether text files were stored gzip-compressed; switching re-uploads them.
    pub gzip: bool,
    /// Path → SHA-256 of the local file's bytes.
    pub files: BTreeMap<String, String>,
}

/// A file under `public/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Relative, `/`-separated.
    pub path: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// The file's size (before any compression).
    pub size: u64,
    /// The object an upload stores; only computed when verifying against a
    /// listing, since with gzip it means compressing every file.
    pub stored: Option<Stored>,
}

/// Size and MD5 (lowercase hex) of the bytes an upload sends: S3, OSS and
/// COS report that MD5 as the ETag of an object uploaded in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub size: u64,
    pub md5: String,
}

/// An object the target holds, from its listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteObject {
    pub path: String,
    pub size: u64,
    /// Lowercase hex MD5 of its bytes, when known.
    pub md5: Option<String>,
}

/// What the target is known to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    /// The last deploy's manifest, trusted without listing.
    Manifest(Manifest),
    /// Every object under the prefix (our bookkeeping objects excluded).
    Listing(Vec<RemoteObject>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub path: String,
    pub phase: Phase,
    /// The file's size (before any compression).
    pub bytes: u64,
    /// The target has no object at this path yet.
    pub new: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// In upload order: by phase, then by path.
    pub uploads: Vec<Upload>,
    /// Sorted.
    pub deletes: Vec<String>,
    /// How many of `deletes` are files of a search generation the new site
    /// replaces: every content change makes a new one, so these are routine
    /// and do not count against the delete cap.
    pub superseded_search_files: usize,
    /// Local files the target already holds unchanged.
    pub unchanged: usize,
    /// Files the target holds, for the default delete cap.
    pub remote_files: usize,
}

impl Plan {
    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|u| u.bytes).sum()
    }

    pub fn new_files(&self) -> usize {
        self.uploads.iter().filter(|u| u.new).count()
    }

    /// Deletes that count against the cap.
    pub fn capped_deletes(&self) -> usize {
        self.deletes.len() - self.superseded_search_files
    }

    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty() && self.deletes.is_empty()
    }
}

/// Default `--max-deletes`: 1,000 or 10% of what the target holds (rounded
/// up), whichever is smaller.
pub fn default_delete_cap(remote_files: usize) -> usize {
    remote_files.div_ceil(10).min(1_000)
}

/// Compares `local` with `remote`. `gzip` is how this deploy stores text.
pub fn plan(local: &[LocalFile], remote: &Remote, gzip: bool) -> Plan {
    let mut uploads = Vec::new();
    let mut unchanged = 0;
    let local_paths: HashSet<&str> = local.iter().map(|f| f.path.as_str()).collect();
    let remote_paths: Vec<&str> = match remote {
        Remote::Manifest(manifest) => manifest.files.keys().map(String::as_str).collect(),
        Remote::Listing(objects) => objects.iter().map(|o| o.path.as_str()).collect(),
    };
    match remote {
        Remote::Manifest(manifest) => {
            let trusted = manifest.format == MANIFEST_FORMAT && manifest.gzip == gzip;
            for file in local {
                let held = manifest.files.get(&file.path);
                if trusted && held == Some(&file.sha256) {
                    unchanged += 1;
                } else {
                    uploads.push(upload(file, held.is_none()));
                }
            }
        }
        Remote::Listing(objects) => {
            let by_path: BTreeMap<&str, &RemoteObject> = objects.iter().map(|o| (o.path.as_str(), o)).collect();
            for file in local {
                let held = by_path.get(file.path.as_str());
                let same = held.zip(file.stored.as_ref()).is_some_and(|(object, stored)| {
                    object.size == stored.size && object.md5.as_deref() == Some(stored.md5.as_str())
                });
                if same {
                    unchanged += 1;
                } else {
                    uploads.push(upload(file, held.is_none()));
                }
            }
        }
    }
    uploads.sort_by(|a, b| (a.phase, &a.path).cmp(&(b.phase, &b.path)));
    let replaces_search = local.iter().any(|f| is_search_generation(&f.path));
    let mut deletes: Vec<String> =
        remote_paths.iter().filter(|p| !local_paths.contains(*p)).map(|p| p.to_string()).collect();
    deletes.sort();
    let superseded_search_files =
        if replaces_search { deletes.iter().filter(|p| is_search_generation(p)).count() } else { 0 };
    Plan { uploads, deletes, superseded_search_files, unchanged, remote_files: remote_paths.len() }
}

fn upload(file: &LocalFile, new: bool) -> Upload {
    Upload { path: file.path.clone(), phase: phase(&file.path), bytes: file.size, new }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str) -> LocalFile {
        LocalFile {
            path: path.into(),
            sha256: format!("sha-{content}"),
            size: content.len() as u64,
            stored: Some(Stored { size: content.len() as u64, md5: format!("md5-{content}") }),
        }
    }

    fn manifest(files: &[(&str, &str)], gzip: bool) -> Remote {
        Remote::Manifest(Manifest {
            format: MANIFEST_FORMAT,
            gzip,
            files: files.iter().map(|(p, c)| (p.to_string(), format!("sha-{c}"))).collect(),
        })
    }

    fn paths(plan: &Plan) -> Vec<&str> {
        plan.uploads.iter().map(|u| u.path.as_str()).collect()
    }

    #[test]
    fn only_new_and_changed_files_are_uploaded_and_gone_files_deleted() {
        let local = [file("index.html", "v2"), file("a/index.html", "same"), file("new/index.html", "n")];
        let remote = manifest(&[("index.html", "v1"), ("a/index.html", "same"), ("old/index.html", "o")], false);
        let plan = plan(&local, &remote, false);
        assert_eq!(paths(&plan), ["index.html", "new/index.html"]);
        assert_eq!(plan.new_files(), 1);
        assert_eq!(plan.deletes, ["old/index.html"]);
        assert_eq!((plan.unchanged, plan.upload_bytes(), plan.capped_deletes()), (1, 3, 1));
    }

    #[test]
    fn uploads_go_assets_then_pages_then_the_search_manifest() {
        let local = [
            file("search/manifest.json", "m"),
            file("index.html", "i"),
            file("search/0123456789abcdef/t/0.json", "t"),
            file("atom.xml", "f"),
            file("style.css", "s"),
        ];
        let plan = plan(&local, &manifest(&[], false), false);
        assert_eq!(
            paths(&plan),
            ["search/0123456789abcdef/t/0.json", "style.css", "atom.xml", "index.html", "search/manifest.json"]
        );
    }

    #[test]
    fn a_replaced_search_generation_does_not_count_against_the_cap() {
        let local = [file("search/1111111111111111/t/0.json", "new"), file("search/manifest.json", "m2")];
        let remote = manifest(
            &[
                ("search/0000000000000000/t/0.json", "old"),
                ("search/0000000000000000/d/0.json", "old"),
                ("search/manifest.json", "m1"),
                ("gone/index.html", "g"),
            ],
            false,
        );
        let plan = plan(&local, &remote, false);
        assert_eq!(plan.deletes.len(), 3);
        assert_eq!((plan.superseded_search_files, plan.capped_deletes()), (2, 1));
        // A site without search does not replace the generation: every delete counts.
        let plan = super::plan(&[file("index.html", "i")], &remote, false);
        assert_eq!(plan.capped_deletes(), 4);
    }

    #[test]
    fn switching_gzip_or_manifest_format_reuploads_everything() {
        let local = [file("index.html", "v")];
        assert_eq!(plan(&local, &manifest(&[("index.html", "v")], false), false).uploads.len(), 0);
        assert_eq!(plan(&local, &manifest(&[("index.html", "v")], true), false).uploads.len(), 1);
        let Remote::Manifest(mut old) = manifest(&[("index.html", "v")], false) else { unreachable!() };
        old.format = MANIFEST_FORMAT + 1;
        assert_eq!(plan(&local, &Remote::Manifest(old), false).uploads.len(), 1);
    }

    #[test]
    fn a_listing_is_compared_by_size_and_md5_and_strays_are_deleted() {
        let local = [file("a.html", "aa"), file("b.html", "bb"), file("c.html", "cc"), file("d.html", "dd")];
        let object = |path: &str, size: u64, md5: Option<&str>| RemoteObject {
            path: path.into(),
            size,
            md5: md5.map(str::to_string),
        };
        let remote = Remote::Listing(vec![
            object("a.html", 2, Some("md5-aa")),
            object("b.html", 2, Some("md5-xx")),
            object("c.html", 2, None),
            object("stray.txt", 1, Some("md5-s")),
        ]);
        let plan = plan(&local, &remote, false);
        assert_eq!(paths(&plan), ["b.html", "c.html", "d.html"]);
        assert_eq!(plan.new_files(), 1);
        assert_eq!(plan.deletes, ["stray.txt"]);
    }

    #[test]
    fn the_default_cap_is_ten_percent_up_to_a_thousand() {
        assert_eq!(default_delete_cap(0), 0);
        assert_eq!(default_delete_cap(5), 1);
        assert_eq!(default_delete_cap(300), 30);
        assert_eq!(default_delete_cap(142_000), 1_000);
    }
}
