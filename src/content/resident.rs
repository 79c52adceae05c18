//! The content tree kept by a long-running process (`serve`) from one build
//! to the next. Reading and parsing every file was the largest part of a
//! one-edit rebuild at 10k pages; a file whose stamp is as it was when it
//! was last read is taken from memory instead.
//!
//! A stamp is trusted only if the file's change time is well before the
//! load that read it began. A file written in the same clock tick as it
//! was read (or between its read and its stamp) could otherwise keep a
//! stamp that no longer describes its text; such a file is read again
//! at the next load, as git treats "racily clean" index entries.

use std::any::Any;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{ContentError, ContentTree, ItemReader, Loaded};
use crate::model::{Article, Item, Recommendation};

/// How long before a load a file must have last changed for its stamp to
/// be trusted. File times come from a coarse kernel clock, and network
/// file systems from another machine's.
const RACY_MARGIN: Duration = Duration::from_secs(2);

/// What identifies a file's contents without reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified_ns: i128,
    changed_ns: i128,
    inode: u64,
    device: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        Some(Stamp {
            len: meta.len(),
            modified_ns: ns(meta.mtime(), meta.mtime_nsec()),
            changed_ns: ns(meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
            device: meta.dev(),
        })
    }
}

/// Items as loaded, by path, with their files' stamps.
struct Kept<T> {
    by_path: FxHashMap<PathBuf, (Stamp, Loaded<T>)>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept { by_path: FxHashMap::default() }
    }
}

impl<T: Item> Kept<T> {
    fn from_loaded(items: Vec<Loaded<T>>) -> Kept<T> {
        let by_path = items
            .into_par_iter()
            .filter_map(|loaded| Some((loaded.path.clone(), (Stamp::of(&loaded.path)?, loaded))))
            .collect();
        Kept { by_path }
    }
}

/// The items of the last load, to be reused by the next.
#[derive(Default)]
pub struct ResidentContent {
    articles: Kept<Article>,
    recommendations: Kept<Recommendation>,
    /// Stamps changed before this are trusted.
    trusted_before: Option<i128>,
}

impl ResidentContent {
    /// Remembers the items of `tree`, loaded by a load that began at
    /// `started`. Files that did not load are not kept: they are read again.
    pub fn remember(&mut self, tree: ContentTree, started: SystemTime) {
        let since_epoch = started.checked_sub(RACY_MARGIN).and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        self.trusted_before = since_epoch.map(|d| d.as_nanos() as i128);
        let (articles, recommendations) =
            rayon::join(|| Kept::from_loaded(tree.articles), || Kept::from_loaded(tree.recommendations));
        (self.articles, self.recommendations) = (articles, recommendations);
    }

    pub fn is_empty(&self) -> bool {
        self.articles.by_path.is_empty() && self.recommendations.by_path.is_empty()
    }

    /// A reader that takes unchanged files from memory and reads the rest
    /// with `inner`.
    pub fn reader<R: ItemReader>(&self, inner: R) -> Reader<'_, R> {
        Reader { memory: self, inner }
    }

    fn kept<T: Item>(&self) -> Option<&Kept<T>> {
        let kept: &dyn Any = match T::KIND {
            crate::model::ItemKind::Article => &self.articles,
            crate::model::ItemKind::Recommendation => &self.recommendations,
        };
        kept.downcast_ref()
    }

    fn reuse<T: Item>(&self, path: &Path) -> Option<Loaded<T>> {
        let trusted_before = self.trusted_before?;
        let (stamp, loaded) = self.kept::<T>()?.by_path.get(path)?;
        (stamp.changed_ns < trusted_before && Stamp::of(path) == Some(*stamp)).then(|| loaded.clone())
    }
}

/// See [`ResidentContent::reader`].
pub struct Reader<'m, R> {
    memory: &'m ResidentContent,
    inner: R,
}

impl<R: ItemReader> ItemReader for Reader<'_, R> {
    type Line = R::Line;

    fn reuse<T: Item>(&self, path: &Path) -> Option<Loaded<T>> {
        self.memory.reuse(path)
    }

    fn read<T: Item>(&self, path: &Path, text: &str) -> Result<(Loaded<T>, Option<R::Line>), ContentError> {
        self.inner.read(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Parse, load_tree, load_tree_with};
    use std::fs;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Parses, counting the files it was given to read.
    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl ItemReader for &Counting {
        type Line = ();
        fn read<T: Item>(&self, path: &Path, text: &str) -> Result<(Loaded<T>, Option<()>), ContentError> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Parse.read(path, text)
        }
    }

    fn snapshot(tree: &ContentTree) -> Vec<String> {
        let articles = tree.articles.iter().map(|a| format!("{:?}", (&a.path, &a.item, a.pristine, a.body_line)));
        let recs = tree.recommendations.iter().map(|r| format!("{:?}", (&r.path, &r.item, r.pristine, r.body_line)));
        articles.chain(recs).chain(tree.errors.iter().map(ToString::to_string)).collect()
    }

    fn article(slug: &str, body: &str) -> String {
        format!("---\ntitle: 标题{slug}\nslug: {slug}\n---\n{body}\n")
    }

    /// Loads `content` through `memory`: the tree, and how many files were read.
    fn load(memory: &ResidentContent, content: &Path) -> (ContentTree, usize) {
        let counting = Counting::default();
        let tree = load_tree_with(content, &memory.reader(&counting)).0;
        (tree, counting.0.into_inner())
    }

    #[test]
    fn only_changed_files_are_read_again_and_the_tree_is_what_a_full_load_gives() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path();
        fs::create_dir_all(content.join("articles")).unwrap();
        fs::create_dir_all(content.join("recommendations")).unwrap();
        for n in 0..5 {
            fs::write(content.join(format!("articles/a{n}.md")), article(&format!("a{n}"), "正文")).unwrap();
        }
        fs::write(content.join("articles/broken.md"), "---\ntitle: [\n---\n").unwrap();
        fs::write(content.join("recommendations/r.md"), "---\ntitle: 片段\nslug: r\n---\n摘要\n").unwrap();

        let mut memory = ResidentContent::default();
        let (tree, read) = load(&memory, content);
        assert_eq!(read, 7, "an empty memory reads every file");
        // As if the files had been written long before this load.
        memory.remember(tree, SystemTime::now() + Duration::from_secs(60));
        let (tree, read) = load(&memory, content);
        assert_eq!(read, 1, "only the broken file, which memory does not keep, is read");
        assert_eq!(snapshot(&tree), snapshot(&load_tree(content)));
        memory.remember(tree, SystemTime::now() + Duration::from_secs(60));

        fs::write(content.join("articles/a2.md"), article("a2", "改过的正文")).unwrap();
        fs::remove_file(content.join("articles/a3.md")).unwrap();
        fs::write(content.join("articles/new.md"), article("new", "新的")).unwrap();
        // The same length and file: only the times can tell. Written in
        // the clock tick of the first write they could be equal, so the
        // modification time is set as an editor restoring a file's time would.
        fs::write(content.join("recommendations/r.md"), "---\ntitle: 片段\nslug: r\n---\n摘抄\n").unwrap();
        let file = fs::File::options().write(true).open(content.join("recommendations/r.md")).unwrap();
        file.set_modified(UNIX_EPOCH + Duration::from_secs(1_000_000)).unwrap();
        let (tree, read) = load(&memory, content);
        assert_eq!(read, 4, "the edited, new, replaced and broken files");
        assert_eq!(snapshot(&tree), snapshot(&load_tree(content)));
        assert!(snapshot(&tree).iter().any(|item| item.contains("改过的正文") || item.contains("摘抄")));
    }

    #[test]
    fn files_changed_just_before_the_load_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path();
        fs::create_dir_all(content.join("articles")).unwrap();
        fs::write(content.join("articles/a.md"), article("a", "正文")).unwrap();
        let mut memory = ResidentContent::default();
        let (tree, _) = load(&memory, content);
        // The file changed within the margin before this load began: it
        // may have changed again in the same clock tick, unseen.
        memory.remember(tree, SystemTime::now());
        assert_eq!(load(&memory, content).1, 1);
    }
}
