//! Reading and writing `content/`: loading every item with its problems
//! located, and offering generated files for writing without overwriting
//! what a person edited. The file format is [`format`]; positions in front
//! matter and what is wrong with it are [`front_matter`].

pub mod format;
pub mod front_matter;
pub mod resident;

use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use format::{is_pristine, render_document, render_item, split_document};

use format::parse_front_matter;

use crate::fsutil::Staged;
use crate::i18n::Text;
use crate::model::{Article, Item, ItemKind, Recommendation};
use crate::text;
use crate::text::{display_path, escape_controls};

/// A problem with one content file, located as precisely as we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {}", display_path(path), escape_controls(&message.to_string()))]
pub struct ContentError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: Text,
    /// One line telling the author how to fix it.
    pub fix: Text,
}

impl ContentError {
    pub fn new(path: &Path, line: usize, column: usize, message: Text, fix: Text) -> Self {
        ContentError { path: path.to_path_buf(), line, column, message, fix }
    }
}

/// What happened when a generated file was offered for writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Created,
    Updated,
    Unchanged,
    /// A person edited the file since we wrote it; it was left alone.
    KeptHandEdit,
}

/// Decides what offering a generated file does and, when its bytes change
/// and no person owns it (or `force`), stages them beside it: nothing is in
/// place until [`Staged::commit`], so a run can write all of its files or none.
pub fn stage_generated(path: &Path, contents: &str, force: bool) -> io::Result<(WriteOutcome, Option<Staged>)> {
    match fs::read(path) {
        Ok(existing) => {
            if existing == contents.as_bytes() {
                return Ok((WriteOutcome::Unchanged, None));
            }
            let pristine = std::str::from_utf8(&existing).is_ok_and(is_pristine);
            if !pristine && !force {
                return Ok((WriteOutcome::KeptHandEdit, None));
            }
            Ok((WriteOutcome::Updated, Some(Staged::write(path, contents.as_bytes())?)))
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            Ok((WriteOutcome::Created, Some(Staged::write(path, contents.as_bytes())?)))
        }
        Err(err) => Err(err),
    }
}

/// A content file loaded from disk with the text it was parsed from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: PathBuf,
    pub item: T,
    pub pristine: bool,
    /// Line where the body (for a recommendation, its trimmed excerpt)
    /// starts, for locating problems in it.
    pub body_line: usize,
}

/// Reads a content file as UTF-8, locating invalid bytes.
pub fn read_text(path: &Path) -> Result<String, ContentError> {
    let bytes = fs::read(path).map_err(|err| {
        ContentError::new(path, 1, 1, text!("cannot-read", error = err.to_string()), text!("cannot-read.fix"))
    })?;
    crate::text::utf8_string(bytes).map_err(|(bytes, valid)| {
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        ContentError::new(path, line, 1, text!("not-utf8"), text!("not-utf8.fix"))
    })
}

/// Parses a file of kind `T`; the first problem found is the error.
pub fn parse<T: Item>(path: &Path, text: &str) -> Result<Loaded<T>, ContentError> {
    let doc = split_document(path, text)?;
    let meta = parse_front_matter(path, &doc)?;
    Ok(Loaded {
        path: path.to_path_buf(),
        pristine: is_pristine(text),
        body_line: doc.body_line + T::lines_dropped_before(doc.body),
        item: T::assemble(meta, doc.body),
    })
}

/// The `.md` files directly inside `dir`, sorted, or none if it is missing.
pub fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    // Siblings order by name, which is the order of their paths' bytes;
    // comparing paths component by component was a measurable part of
    // loading a large site.
    files.sort_unstable_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
    files
}

/// A Markdown file under `content/` that the build never reads, with where
/// it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayFile {
    pub error: ContentError,
    /// Whether the author clearly meant it to be published: it has front
    /// matter, or it sits among the articles or recommendations under a
    /// name the build skips. Left unreported, such a file passes CI and is
    /// silently missing from the site.
    pub meant_for_publishing: bool,
}

/// Every Markdown file under `content_dir` that [`load_tree`] skips: a
/// `.markdown`, `.MD` or `.md.txt` name among the articles, any Markdown
/// file directly in `content/` or in a directory the build does not read.
/// Hidden files (editors' swap files, `.git`) and non-Markdown files
/// (`topics.yaml`, `synonyms.yaml`) are not content; neither is a README
/// without front matter.
pub fn stray_files(content_dir: &Path) -> Vec<StrayFile> {
    let read_dirs = [ItemKind::Article, ItemKind::Recommendation].map(|kind| content_dir.join(kind.dir()));
    let mut strays: Vec<StrayFile> = walkdir::WalkDir::new(content_dir)
        .min_depth(1)
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|entry| !entry.file_type().is_dir())
        .filter_map(|entry| {
            let path = entry.into_path();
            let stem = markdown_stem(&path)?;
            let parent = path.parent()?;
            let read_here = read_dirs.iter().any(|dir| dir == parent);
            if read_here && path.extension().is_some_and(|ext| ext == "md") {
                return None;
            }
            let front_matter = starts_with_front_matter(&path);
            if !front_matter && stem.eq_ignore_ascii_case("readme") {
                return None;
            }
            let kind = match path.strip_prefix(content_dir).ok()?.components().next() {
                Some(first) if first.as_os_str() == ItemKind::Recommendation.dir() => ItemKind::Recommendation,
                _ => ItemKind::Article,
            };
            let belongs = content_dir.join(kind.dir()).join(format!("{stem}.md"));
            let meant_for_publishing = front_matter || read_here;
            let error = stray_error(content_dir, &path, &belongs, read_here, meant_for_publishing);
            Some(StrayFile { error, meant_for_publishing })
        })
        .collect();
    strays.sort_by(|a, b| a.error.path.cmp(&b.error.path));
    strays
}

/// The name a file would have as a `.md` file, if its name says Markdown
/// in a way the build does not read or (`x.md`) does.
fn markdown_stem(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    // Windows' Notepad saves `x.md` as `x.md.txt` unless told otherwise.
    let notepad = name.len() > 7 && name.get(name.len() - 7..).is_some_and(|end| end.eq_ignore_ascii_case(".md.txt"));
    let base = if notepad { &name[..name.len() - 4] } else { name };
    let (stem, extension) = base.rsplit_once('.')?;
    let markdown = ["md", "markdown", "mdown", "mkd", "mkdn"].iter().any(|ext| extension.eq_ignore_ascii_case(ext));
    (markdown && !stem.is_empty()).then(|| stem.to_string())
}

fn starts_with_front_matter(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 6];
    let read = fs::File::open(path).and_then(|file| file.take(6).read(&mut head)).unwrap_or(0);
    let head = &head[..read];
    head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head).starts_with(b"---")
}

/// Whether a file of exactly this name exists: on a case-insensitive disk
/// `x.md` "exists" when only `x.MD` does, which the build still skips.
fn exists_exactly(path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return false };
    fs::read_dir(dir).is_ok_and(|entries| entries.filter_map(Result::ok).any(|entry| entry.file_name() == name))
}

/// What is wrong with a stray file and where to put it.
fn stray_error(content_dir: &Path, path: &Path, belongs: &Path, read_here: bool, meant: bool) -> ContentError {
    let site = content_dir.parent().unwrap_or(content_dir);
    let shown = |p: &Path| p.strip_prefix(site).unwrap_or(p).to_string_lossy().replace('\\', "/");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let target = shown(belongs);
    let message = if read_here { text!("stray-extension", name = name) } else { text!("stray-directory", name = name) };
    let fix = if exists_exactly(belongs) {
        text!("stray-target-exists", target = target)
    } else if read_here {
        let name = belongs.file_name().unwrap_or_default().to_string_lossy().into_owned();
        text!("stray-extension.fix", name = name)
    } else if meant {
        text!("stray-directory.fix", target = target)
    } else {
        text!("stray-directory.fix-notes", target = target)
    };
    ContentError::new(path, 1, 1, message, fix)
}

/// Everything in `content/`, parsed in parallel; broken files become errors
/// and the rest still load.
#[derive(Debug, Default)]
pub struct ContentTree {
    pub articles: Vec<Loaded<Article>>,
    pub recommendations: Vec<Loaded<Recommendation>>,
    /// Every problem of the files that did not load, each field on its own.
    pub errors: Vec<ContentError>,
    /// The files that did not load, by kind, file stem and the slug they
    /// declare where it can be read: references to them are not missing.
    pub unloaded: Vec<(ItemKind, String, Option<String>)>,
    /// Files that did not load, without their wrong fields, so that the
    /// rules can check the rest of them in the same run. Never built.
    pub salvaged: Salvaged,
}

/// Items kept from files that did not load; see [`ContentTree::salvaged`].
#[derive(Debug, Default)]
pub struct Salvaged {
    pub articles: Vec<Loaded<Article>>,
    pub recommendations: Vec<Loaded<Recommendation>>,
}

impl ContentTree {
    /// Every article to check: the loaded ones and the salvaged ones.
    pub fn checked_articles(&self) -> impl Iterator<Item = &Loaded<Article>> {
        self.articles.iter().chain(&self.salvaged.articles)
    }

    /// Every recommendation to check: the loaded ones and the salvaged ones.
    pub fn checked_recommendations(&self) -> impl Iterator<Item = &Loaded<Recommendation>> {
        self.recommendations.iter().chain(&self.salvaged.recommendations)
    }
}

/// How a loader turns one file's text into its item.
pub trait ItemReader: Sync {
    /// What the reader keeps of each file it read (a cache entry).
    type Line: Send;
    /// The item of `path` without reading the file, if the reader knows it
    /// unchanged.
    fn reuse<T: Item>(&self, _path: &Path) -> Option<Loaded<T>> {
        None
    }
    /// The item, and the line the reader wants to keep for it.
    fn read<T: Item>(&self, path: &Path, text: &str) -> Result<(Loaded<T>, Option<Self::Line>), ContentError>;
}

/// Parses every file.
pub struct Parse;

impl ItemReader for Parse {
    type Line = ();
    fn read<T: Item>(&self, path: &Path, text: &str) -> Result<(Loaded<T>, Option<()>), ContentError> {
        parse(path, text).map(|loaded| (loaded, None))
    }
}

pub fn load_tree(content_dir: &Path) -> ContentTree {
    load_tree_with(content_dir, &Parse).0
}

/// [`load_tree`] with each file read by `reader`; also returns the lines
/// the reader kept, in no particular order.
pub fn load_tree_with<R: ItemReader>(content_dir: &Path, reader: &R) -> (ContentTree, Vec<R::Line>) {
    let mut tree = ContentTree::default();
    let mut lines = Vec::new();
    let (articles, salvaged_articles) =
        load_dir(&content_dir.join(ItemKind::Article.dir()), reader, &mut tree, &mut lines);
    let (recommendations, salvaged_recommendations) =
        load_dir(&content_dir.join(ItemKind::Recommendation.dir()), reader, &mut tree, &mut lines);
    (tree.articles, tree.recommendations) = (articles, recommendations);
    tree.salvaged = Salvaged { articles: salvaged_articles, recommendations: salvaged_recommendations };
    (tree, lines)
}

/// What reading one file gave: its item and cache line, or its problems,
/// the slug it declares and what could be salvaged of it.
type ReadResult<T, L> = Result<(Loaded<T>, Option<L>), (front_matter::Explained<T>, Option<String>)>;

/// The items of `dir` that loaded, and those salvaged from files that did not.
fn load_dir<T: Item, R: ItemReader>(
    dir: &Path,
    reader: &R,
    tree: &mut ContentTree,
    lines: &mut Vec<R::Line>,
) -> (Vec<Loaded<T>>, Vec<Loaded<T>>) {
    let results: Vec<(PathBuf, ReadResult<T, R::Line>)> = markdown_files(dir)
        .into_par_iter()
        .map(|path| {
            if let Some(loaded) = reader.reuse::<T>(&path) {
                return (path, Ok((loaded, None)));
            }
            let result = match read_text(&path) {
                Err(err) => Err((front_matter::Explained { errors: vec![err], salvaged: None }, None)),
                Ok(text) => reader.read::<T>(&path, &text).map_err(|failure| {
                    (front_matter::explain::<T>(&path, &text, failure), front_matter::declared_slug(&text))
                }),
            };
            (path, result)
        })
        .collect();
    let mut items = Vec::with_capacity(results.len());
    let mut salvaged = Vec::new();
    for (path, result) in results {
        match result {
            Ok((item, line)) => {
                items.push(item);
                lines.extend(line);
            }
            Err((explained, slug)) => {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                tree.unloaded.push((T::KIND, stem, slug));
                tree.errors.extend(explained.errors);
                salvaged.extend(explained.salvaged);
            }
        }
    }
    (items, salvaged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ArticleMeta;

    fn meta() -> ArticleMeta {
        ArticleMeta {
            title: "医保交完不用会清零吗".into(),
            slug: "yi-bao".into(),
            answer: None,
            date: Some("2025-04-20".parse().unwrap()),
            date_source: None,
            updated: None,
            regions: vec![],
            topics: vec!["个人账户".into()],
            relevant: true,
            draft: false,
            irrelevant_reason: None,
            disclaimer: Default::default(),
            notices: vec![],
            recommendations: vec![],
            source: None,
            checksum: None,
        }
    }

    #[test]
    fn rendered_documents_are_pristine_until_edited() {
        let text = render_document(&meta(), "正文\n");
        assert!(is_pristine(&text));
        assert!(!is_pristine(&text.replace("正文", "改过的正文")));
        let without_checksum: String =
            text.lines().filter(|l| !l.starts_with("checksum")).map(|l| format!("{l}\n")).collect();
        assert!(!is_pristine(&without_checksum));
    }

    #[test]
    fn documents_round_trip_with_crlf_and_bom() {
        let text = format!("\u{feff}{}", render_document(&meta(), "正文\n").replace('\n', "\r\n"));
        let loaded = parse::<Article>(Path::new("a.md"), &text).unwrap();
        assert_eq!(loaded.item.meta.title, "医保交完不用会清零吗");
        assert_eq!(loaded.item.body, "正文\n");
    }

    #[test]
    fn yaml_errors_point_at_the_file_line() {
        let text = "---\ntitle: a\nslug: [b\n---\nbody\n";
        let err = parse::<Article>(Path::new("x.md"), text).unwrap_err();
        assert!(err.line >= 3, "{err}");
        let err = parse::<Article>(Path::new("x.md"), "---\ntitel: a\nslug: b\n---\n").unwrap_err();
        assert!(err.message.to_string().contains("titel"), "{err}");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn deep_flow_nesting_is_refused_at_its_line() {
        let text = format!("---\ntitle: a\nslug: a\nregions: {}{}\n---\n", "[".repeat(100_000), "]".repeat(100_000));
        let err = parse::<Article>(Path::new("a.md"), &text).unwrap_err();
        assert_eq!((err.line, err.column), (4, 26), "{err}");
        assert!(err.message.to_string().contains("more than 16 levels"), "{err}");
        let mapping = format!("---\ntitle: a\nslug: a\nsource: {}\n---\n", "{a: ".repeat(50_000));
        assert_eq!(parse::<Article>(Path::new("a.md"), &mapping).unwrap_err().line, 4);
        assert!(
            parse::<Article>(Path::new("a.md"), "---\ntitle: '[[医保]]'\nslug: a\nregions: [[x]]\n---\n")
                .is_err_and(|err| !err.message.to_string().contains("levels"))
        );
    }

    #[test]
    fn brackets_in_quoted_or_plain_text_are_not_nesting() {
        let title = "{a: ".repeat(40);
        let quoted = render_document(&ArticleMeta { title: title.clone(), ..meta() }, "正文\n");
        assert_eq!(parse::<Article>(Path::new("a.md"), &quoted).unwrap().item.meta.title, title);
        let plain = format!("---\ntitle: 医保{}\nslug: a\nregions: [[x]]\n---\n", "[".repeat(40));
        assert!(
            parse::<Article>(Path::new("a.md"), &plain).is_err_and(|err| !err.message.to_string().contains("levels"))
        );
        let doubled = format!("---\ntitle: 'it''s {}'\nslug: a\n---\n", "{".repeat(40));
        assert!(parse::<Article>(Path::new("a.md"), &doubled).is_ok());
    }

    #[test]
    fn a_gbk_file_is_refused_at_its_first_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        let (gbk, _, _) = encoding_rs::GBK.encode("医保报销");
        let mut bytes = "---\ntitle: 医保\nslug: a\n---\n".as_bytes().to_vec();
        bytes.extend_from_slice(&gbk);
        fs::write(&path, &bytes).unwrap();
        let err = read_text(&path).unwrap_err();
        assert_eq!(err.line, 5, "{err}");
        assert!(err.to_string().contains("UTF-8"), "{err}");
        fs::write(&path, "---\ntitle: 医保\n---\n正文\n").unwrap();
        assert_eq!(read_text(&path).unwrap(), "---\ntitle: 医保\n---\n正文\n");
    }

    #[test]
    fn a_bad_date_is_reported_on_its_line() {
        let err = parse::<Article>(Path::new("a.md"), "---\ntitle: a\nslug: a\n\ndate: 2025-13-45\n---\n").unwrap_err();
        assert_eq!((err.line, err.column), (5, 7), "{err}");
    }

    fn fuzz_cases() -> u32 {
        std::env::var("POLICYPRESS_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64)
    }

    /// Front matter that nests: brackets, braces, block markers, anchors.
    fn yaml_heavy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("["),
            Just("]"),
            Just("{"),
            Just("}"),
            Just("- "),
            Just("  "),
            Just("a: "),
            Just(", "),
            Just("&x "),
            Just("*x "),
            Just("? "),
            Just("\n"),
            Just("'"),
            Just("\""),
            Just("title: "),
            Just("!!str "),
        ];
        proptest::collection::vec((piece, 1..200usize), 1..24)
            .prop_map(|runs| runs.into_iter().map(|(piece, n)| piece.repeat(n)).collect())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(fuzz_cases()))]

        /// Any file either loads or is refused with a line inside it.
        #[test]
        fn any_file_parses_or_is_located(
            front in proptest::prop_oneof![yaml_heavy(), proptest::prelude::any::<String>()],
            body in proptest::prelude::any::<String>(),
        ) {
            let text = format!("---\n{front}\n---\n{body}");
            for result in [
                parse::<Article>(Path::new("a.md"), &text).map(|_| ()),
                parse::<Recommendation>(Path::new("r.md"), &text).map(|_| ()),
                parse::<Article>(Path::new("a.md"), &front).map(|_| ()),
            ] {
                if let Err(err) = result {
                    proptest::prop_assert!(err.line >= 1 && err.line <= text.lines().count() + 1, "{}", err);
                }
            }
        }
    }
}
