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
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustc_hash::FxHashMap;

use super::{ContentError, ContentTree, ItemReader, Loaded};
use crate::model::{Article, Item, ItemKind, Recommendation};

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

/// An item as loaded, until a load takes it (moved, not copied).
type Slot<T> = Mutex<Option<Loaded<T>>>;

/// Items as loaded, by path, with their files' stamps.
struct Kept<T> {
    by_path: FxHashMap<PathBuf, (Stamp, Slot<T>)>,
}

impl<T: Item> Kept<T> {
    fn of(items: Vec<Loaded<T>>) -> Kept<T> {
        let by_path = items
            .into_iter()
            .filter_map(|loaded| Some((loaded.path.clone(), (Stamp::of(&loaded.path)?, Mutex::new(Some(loaded))))))
            .collect();
        Kept { by_path }
    }
}

/// What the last load gave.
struct Items {
    articles: Kept<Article>,
    recommendations: Kept<Recommendation>,
    /// Stamps changed before this are trusted.
    trusted_before: i128,
}

impl Items {
    fn kept<T: Item>(&self) -> Option<&Kept<T>> {
        let kept: &dyn Any = match T::KIND {
            ItemKind::Article => &self.articles,
            ItemKind::Recommendation => &self.recommendations,
        };
        kept.downcast_ref()
    }

    fn take<T: Item>(&self, path: &Path) -> Option<Loaded<T>> {
        let (stamp, loaded) = self.kept::<T>()?.by_path.get(path)?;
        if stamp.changed_ns >= self.trusted_before || Stamp::of(path) != Some(*stamp) {
            return None;
        }
        loaded.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

enum Remembered {
    Ready(Items),
    /// A thread stamping the items, off the build's critical path.
    Stamping(JoinHandle<Items>),
}

/// The items of the last load, to be taken by the next.
#[derive(Default)]
pub struct ResidentContent {
    items: Option<Remembered>,
}

impl ResidentContent {
    /// Remembers the items of `tree`, loaded by a load that began at
    /// `started`. Files that did not load are not kept: they are read again.
    /// Stamping them, and freeing what the last load left, happens on a
    /// thread of its own; the next load waits for it.
    pub fn remember(&mut self, tree: ContentTree, started: SystemTime) {
        let since_epoch = started.checked_sub(RACY_MARGIN).and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        let Some(trusted_before) = since_epoch.map(|d| d.as_nanos() as i128) else {
            self.items = None;
            return;
        };
        let left = self.items.take();
        self.items = Some(Remembered::Stamping(std::thread::spawn(move || {
            drop(left);
            Items { articles: Kept::of(tree.articles), recommendations: Kept::of(tree.recommendations), trusted_before }
        })));
    }

    /// A reader that takes unchanged files from memory and reads the rest
    /// with `inner`; `None` when nothing is remembered.
    pub fn reader<R: ItemReader>(&mut self, inner: R) -> Option<Reader<'_, R>> {
        self.items = match self.items.take() {
            Some(Remembered::Stamping(stamping)) => stamping.join().ok().map(Remembered::Ready),
            settled => settled,
        };
        match &self.items {
            Some(Remembered::Ready(items)) => Some(Reader { items, inner }),
            _ => None,
        }
    }
}

/// See [`ResidentContent::reader`].
pub struct Reader<'m, R> {
    items: &'m Items,
    inner: R,
}

impl<R: ItemReader> ItemReader for Reader<'_, R> {
    type Line = R::Line;

    fn reuse<T: Item>(&self, path: &Path) -> Option<Loaded<T>> {
        self.items.take(path)
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
    fn load(memory: &mut ResidentContent, content: &Path) -> (ContentTree, usize) {
        let counting = Counting::default();
        let tree = match memory.reader(&counting) {
            Some(reader) => load_tree_with(content, &reader).0,
            None => load_tree_with(content, &&counting).0,
        };
        (tree, counting.0.into_inner())
    }

    /// Remembers `tree` as if its files had been written long before the
    /// load, and waits for the stamps: with the racy margin out of the way,
    /// an edit made while they were taken would go unseen.
    fn remember_as_old(memory: &mut ResidentContent, tree: ContentTree) {
        memory.remember(tree, SystemTime::now() + Duration::from_secs(60));
        assert!(memory.reader(Parse).is_some());
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
        let (tree, read) = load(&mut memory, content);
        assert_eq!(read, 7, "an empty memory reads every file");
        remember_as_old(&mut memory, tree);
        let (tree, read) = load(&mut memory, content);
        assert_eq!(read, 1, "only the broken file, which memory does not keep, is read");
        assert_eq!(snapshot(&tree), snapshot(&load_tree(content)));
        remember_as_old(&mut memory, tree);

        fs::write(content.join("articles/a2.md"), article("a2", "改过的正文")).unwrap();
        fs::remove_file(content.join("articles/a3.md")).unwrap();
        fs::write(content.join("articles/new.md"), article("new", "新的")).unwrap();
        // The same length and file: only the times can tell. Written in
        // the clock tick of the first write they could be equal, so the
        // modification time is set as an editor restoring a file's time would.
        fs::write(content.join("recommendations/r.md"), "---\ntitle: 片段\nslug: r\n---\n摘抄\n").unwrap();
        let file = fs::File::options().write(true).open(content.join("recommendations/r.md")).unwrap();
        file.set_modified(UNIX_EPOCH + Duration::from_secs(1_000_000)).unwrap();
        let (tree, read) = load(&mut memory, content);
        assert_eq!(read, 4, "the edited, new, replaced and broken files");
        assert_eq!(snapshot(&tree), snapshot(&load_tree(content)));
        assert!(snapshot(&tree).iter().any(|item| item.contains("改过的正文") || item.contains("摘抄")));
        // A load takes what it reuses: without a remember in between (a
        // build that failed), the next load reads every file.
        assert_eq!(load(&mut memory, content).1, 7);
    }

    #[test]
    fn files_changed_just_before_the_load_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path();
        fs::create_dir_all(content.join("articles")).unwrap();
        fs::write(content.join("articles/a.md"), article("a", "正文")).unwrap();
        let mut memory = ResidentContent::default();
        let (tree, _) = load(&mut memory, content);
        // The file changed within the margin before this load began: it
        // may have changed again in the same clock tick, unseen.
        memory.remember(tree, SystemTime::now());
        assert_eq!(load(&mut memory, content).1, 1);
    }
}
