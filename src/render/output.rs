//! Atomic output. The output directory is at every instant either the
//! previous site or the new one, whatever fails or kills the build.
//!
//! The new site is staged whole in `<out>.tmp-<pid>` beside the output
//! directory, files whose bytes did not change being hard links to the
//! previous site's, then the two directories trade places in one
//! `renameat2(RENAME_EXCHANGE)`. The previous site, now in the staging
//! directory's place, is kept as `<out>.spare`, the starting point of the
//! next build's staging: most of its entries are already links to the
//! right files, so a rebuild creates and deletes only the entries that
//! changed (creating and deleting all of them takes 1 s and up to 20 s at
//! 10k pages on an ext4 disk mounted `discard`).
//!
//! Files in the output directory that no build wrote (another tool's) are
//! carried into the new site, unless they are in a directory the site no
//! longer has. Which files a build wrote is what the build cache records;
//! without it, a non-empty directory is only replaced with `--fresh`.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirEntryExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use rayon::prelude::*;

use super::error::BuildError;

/// Which directory [`Staging::claim`] took over as the staging directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claimed {
    Spare,
    /// A killed build's staging directory.
    Leftover,
}

/// The entries of the spare directory (`<out>.spare`) as a build left it.
/// Nothing but builds writes there, so a process that builds again and
/// again (`serve`, into a directory of its own) can take the spare's
/// entries from the last build instead of listing its tens of thousands
/// of directories again; a failed build (which may have changed the
/// spare) returns none.
pub struct SpareListing(HashMap<String, Held>);

impl SpareListing {
    /// The listing that the build which left the spare at `spare` saved in
    /// `file`, if it is whole and `spare` is still the directory it left
    /// there. The file is removed either way, before the spare is claimed:
    /// a build that claims the spare and then fails may have changed it,
    /// and must not leave a listing behind that no longer holds.
    fn take_saved(file: &Path, spare: &Path) -> Option<SpareListing> {
        let bytes = fs::read(file).ok();
        let _ = fs::remove_file(file);
        let bytes = bytes?;
        let mut body = crate::fsutil::unseal(&bytes, LISTING_MAGIC, listing_recipe(spare)?)?;
        let mut listing = HashMap::with_capacity_and_hasher(body.len() / 40, Default::default());
        while let Some((&kind, rest)) = body.split_first() {
            let (held, rest) = match kind {
                b'd' => (Held::Dir, rest),
                b'f' => {
                    let (ino, rest) = rest.split_first_chunk::<8>()?;
                    (Held::File(u64::from_le_bytes(*ino)), rest)
                }
                _ => return None,
            };
            let end = rest.iter().position(|&b| b == 0)?;
            listing.insert(std::str::from_utf8(&rest[..end]).ok()?.to_string(), held);
            body = &rest[end + 1..];
        }
        Some(SpareListing(listing))
    }

    /// Saves the listing in `file` for the next build, which takes it if
    /// `spare` is then still the same directory (see [`Self::take_saved`]).
    fn save(&self, file: &Path, spare: &Path) {
        let Some(recipe) = listing_recipe(spare) else { return };
        // Records as `d<path>\0` or `f<inode, 8 bytes LE><path>\0`: paths
        // hold no NUL. Unsorted: it is a cache, and commit is on the serial
        // tail of a rebuild.
        let mut body = Vec::with_capacity(self.0.keys().map(|rel| rel.len() + 10).sum());
        for (rel, held) in &self.0 {
            match held {
                Held::Dir => body.push(b'd'),
                Held::File(ino) => {
                    body.push(b'f');
                    body.extend_from_slice(&ino.to_le_bytes());
                }
            }
            body.extend_from_slice(rel.as_bytes());
            body.push(0);
        }
        crate::fsutil::write_cache(file, &crate::fsutil::seal(LISTING_MAGIC, recipe, &body));
    }
}

const LISTING_MAGIC: &[u8; 8] = b"PPSPARE2";

/// Names the spare directory at `spare` as it is now: its path, device,
/// inode and status-change time. Renaming a directory changes its ctime,
/// so a spare that a build claimed and gave back, or that was replaced,
/// gets another name. Changes deep inside it do not; nothing but builds
/// writes there.
fn listing_recipe(spare: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::symlink_metadata(spare).ok().filter(fs::Metadata::is_dir)?;
    let identity = format!(
        "{} {} {} {} {}.{}",
        env!("CARGO_PKG_VERSION"),
        spare.display(),
        meta.dev(),
        meta.ino(),
        meta.ctime(),
        meta.ctime_nsec()
    );
    Some(xxhash_rust::xxh3::xxh3_64(identity.as_bytes()))
}

/// What a directory entry of a tree was when it was listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    Dir,
    /// A file (or symlink) with this inode number.
    File(u64),
}

pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
    spare: PathBuf,
    /// The site being replaced, whose unchanged files are hard-linked
    /// rather than written again.
    previous: Option<PathBuf>,
    /// What the staging directory held when the build took it over.
    held: HashMap<String, Held>,
    /// What the previous site holds.
    live: HashMap<String, Held>,
    /// Files the last builds wrote, from the cache: the rest of `live`
    /// belongs to other tools.
    known: Option<HashSet<String>>,
    /// Every file of the new site, as `/`-separated paths under the output.
    files: Mutex<Vec<String>>,
    /// Where the spare's listing is kept between processes, if anywhere.
    listing_file: Option<PathBuf>,
    /// Whether `held` came from that file. Another tool may have changed
    /// the output directory while the build that saved it ran, after it
    /// was listed, and that change went into the spare unlisted: a file
    /// the listing says is already linked is then checked before it is
    /// trusted.
    verify_kept: bool,
    /// Deletes leftovers of killed builds while this one renders.
    sweeping: Option<JoinHandle<()>>,
    committed: bool,
}

impl Staging {
    /// Checks that building into `out` cannot destroy anything but a
    /// previously built site, makes its parent directory and names the
    /// staging and spare directories beside it. `out` is only written by
    /// [`Staging::commit`]. With a `cache_dir`, a commit saves there the
    /// listing of the spare it leaves (`spare-<hash of out>.bin`), for the
    /// next build in another process (`build` after `build`): listing the
    /// spare's tens of thousands of directories was an eighth of a one-edit
    /// rebuild's CPU at 10k pages. A process that builds again passes none
    /// and keeps the listing in memory ([`Staging::commit`]).
    pub fn new(out: &Path, root: &Path, cache_dir: Option<&Path>) -> Result<Staging, BuildError> {
        let name = out
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| BuildError::Output(format!("{} cannot be the output directory", out.display())))?;
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_err(parent))?;
        let parent_abs = fs::canonicalize(parent).map_err(io_err(parent))?;
        let out_abs = parent_abs.join(name);
        let root_abs = fs::canonicalize(root).map_err(io_err(root))?;
        if root_abs.starts_with(&out_abs) {
            return Err(BuildError::Output(format!(
                "refusing to build into {}: it contains the site root {}",
                out.display(),
                root.display()
            )));
        }
        let listing_file = cache_dir.map(|dir| super::cache::per_output(dir, &out_abs, "spare", "bin"));
        Ok(Staging {
            dir: parent_abs.join(format!("{name}.tmp-{}", std::process::id())),
            spare: parent_abs.join(format!("{name}.spare")),
            out: out_abs,
            previous: None,
            held: HashMap::default(),
            live: HashMap::default(),
            known: None,
            files: Mutex::default(),
            listing_file,
            verify_kept: false,
            sweeping: None,
            committed: false,
        })
    }

    /// Takes over the output directory and sets up the staging directory.
    /// `known` lists the files the last builds wrote into `out`, as the
    /// build cache recorded them; `None` when there is no cache for `out`.
    /// Without it, a non-empty `out` is refused unless `fresh`, and even
    /// then unless it looks like a built site. `spare` is what the last
    /// commit in this process returned, if any: the spare's entries, taken
    /// instead of listing it if this build takes over the spare.
    pub fn prepare(
        &mut self,
        fresh: bool,
        known: Option<Vec<String>>,
        spare: Option<SpareListing>,
    ) -> Result<(), BuildError> {
        let out = self.out.clone();
        match fs::symlink_metadata(&out) {
            Ok(meta) if !meta.is_dir() => {
                return Err(BuildError::Output(format!("{} exists and is not a directory", out.display())));
            }
            Ok(_) => {
                let empty = fs::read_dir(&out).map_err(io_err(&out))?.next().is_none();
                if !empty && known.is_none() {
                    if !out.join("index.html").is_file() {
                        return Err(BuildError::Output(format!(
                            "refusing to replace {}: it is not empty and holds no index.html, so it does not look like a built site",
                            out.display()
                        )));
                    }
                    if !fresh {
                        return Err(BuildError::Output(format!(
                            "refusing to take over {}: it is not empty and the build cache (.policypress-cache under the site root) does not record a build into it, so files other tools put there cannot be told from old pages. Move those files elsewhere, or run `build --fresh` to replace the directory whole",
                            out.display()
                        )));
                    }
                }
                self.previous = (!empty).then(|| out.clone());
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(BuildError::Io { path: out, source }),
        }
        self.known = (!fresh).then(|| known.map(|files| files.into_iter().collect())).flatten();
        let saved = self.listing_file.as_deref().and_then(|file| SpareListing::take_saved(file, &self.spare));
        let (adopted, doomed) = self.leftovers();
        let claimed = self.claim(adopted);
        if claimed.is_none() {
            fs::create_dir(&self.dir).map_err(io_err(&self.dir))?;
        }
        // `--fresh` lists the spare whatever was saved: it is the way out
        // for a spare someone changed by hand.
        let in_memory = spare.is_some();
        let remembered = spare.or(saved.filter(|_| !fresh)).filter(|_| claimed == Some(Claimed::Spare));
        self.verify_kept = !in_memory && remembered.is_some();
        if !doomed.is_empty() {
            self.sweeping = Some(std::thread::spawn(move || {
                for dir in doomed {
                    let _ = remove_tree(&dir);
                }
            }));
        }
        let (held, live) = std::thread::scope(|scope| {
            let held = scope.spawn(|| match (claimed, remembered) {
                (_, Some(SpareListing(held))) => held,
                (Some(_), None) => list_tree(&self.dir),
                (None, None) => HashMap::default(),
            });
            let live = match &self.previous {
                Some(previous) => list_tree(previous),
                None => HashMap::default(),
            };
            (held.join().unwrap_or_default(), live)
        });
        (self.held, self.live) = (held, live);
        Ok(())
    }

    /// Staging and aside directories of builds whose process is gone: one to
    /// take over as the staging directory when there is no spare, the rest
    /// to delete.
    fn leftovers(&self) -> (Option<PathBuf>, Vec<PathBuf>) {
        let (Some(parent), Some(name)) = (self.out.parent(), self.out.file_name().and_then(|n| n.to_str())) else {
            return (None, Vec::new());
        };
        let Ok(entries) = fs::read_dir(parent) else { return (None, Vec::new()) };
        let mut dead: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|entry| {
                let file_name = entry.file_name();
                let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(name)) else { return false };
                let pid = rest.strip_prefix(".tmp-").or_else(|| rest.strip_prefix(".old-"));
                pid.and_then(|pid| pid.parse::<u32>().ok()).is_some_and(|pid| !process_alive(pid))
            })
            .map(|entry| entry.path())
            .collect();
        dead.sort();
        let adopted = if self.spare.exists() { None } else { dead.pop() };
        (adopted, dead)
    }

    /// Moves the spare (or else `leftover`) into the staging directory's
    /// place, and says which it took. A concurrent build may take the spare
    /// first; this one then starts from an empty directory.
    fn claim(&self, leftover: Option<PathBuf>) -> Option<Claimed> {
        if self.dir.exists() {
            // A dead build with this process's id left it.
            return Some(Claimed::Leftover);
        }
        if fs::rename(&self.spare, &self.dir).is_ok() {
            return Some(Claimed::Spare);
        }
        leftover.filter(|from| fs::rename(from, &self.dir).is_ok()).map(|_| Claimed::Leftover)
    }

    /// Where files of the new site are written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Absolute path the site is committed to.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// The site being replaced, if there is one.
    pub fn previous(&self) -> Option<&Path> {
        self.previous.as_deref()
    }

    /// Writes `rel` unless the previous site's file has the same bytes, and
    /// returns where the file is until commit.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<PathBuf, BuildError> {
        if let Some(old) = self.previous.as_ref().map(|p| p.join(rel)) {
            let same_len = fs::metadata(&old).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
            if same_len
                && fs::read(&old).is_ok_and(|old_bytes| old_bytes == bytes)
                && let Ok(path) = self.keep(&old, rel)
            {
                return Ok(path);
            }
        }
        let path = self.clear(rel)?;
        fs::write(&path, bytes).map_err(io_err(&path))?;
        self.record([rel.to_string()]);
        Ok(path)
    }

    /// Takes `from`, a file of the previous site, unchanged as `rel`, and
    /// returns where it is until commit.
    pub fn keep(&self, from: &Path, rel: &str) -> Result<PathBuf, BuildError> {
        let path = self.dir.join(rel);
        let already_linked = match (self.held.get(rel), self.live.get(rel)) {
            (Some(Held::File(held)), Some(Held::File(live))) => {
                use std::os::unix::fs::MetadataExt;
                let checked = || fs::symlink_metadata(&path).is_ok_and(|meta| meta.ino() == *live);
                held == live && from == self.out.join(rel) && (!self.verify_kept || checked())
            }
            _ => false,
        };
        if !already_linked {
            self.clear(rel)?;
            fs::hard_link(from, &path).map_err(io_err(&path))?;
        }
        self.record([rel.to_string()]);
        Ok(path)
    }

    /// Makes way for a new file at `rel` in the staging directory and
    /// returns its path. What the staging directory held there may be a
    /// hard link to a file of the live site, so it is unlinked, never
    /// written through.
    pub fn clear(&self, rel: &str) -> Result<PathBuf, BuildError> {
        let path = self.dir.join(rel);
        if self.held.contains_key(rel) {
            remove_entry(&path).map_err(io_err(&path))?;
        }
        if let Some(parent) = path.parent()
            && !parent.is_dir()
        {
            make_dirs(&self.dir, parent).map_err(io_err(parent))?;
        }
        Ok(path)
    }

    /// Notes files written into [`Staging::dir`] directly.
    pub fn record(&self, rels: impl IntoIterator<Item = String>) {
        self.files.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend(rels);
    }

    /// Installs the new site: carries over other tools' files, removes what
    /// the staging directory held that the new site lacks, and exchanges
    /// the staging and output directories. `before_install` gets the new
    /// site's files, sorted, and runs beside the first two steps; the
    /// exchange waits for it. Returns what the spare now holds, if it is
    /// the previous site as this build listed it: a process that builds
    /// again passes it to [`Staging::prepare`] instead of listing it again.
    pub fn commit(mut self, before_install: impl FnOnce(&[String]) + Send) -> Result<Option<SpareListing>, BuildError> {
        let mut files = std::mem::take(self.files.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()));
        files.sort_unstable();
        files.dedup();
        std::thread::scope(|scope| {
            let before = scope.spawn(|| before_install(&files));
            let tidied = self.tidy(&files);
            before.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            tidied
        })?;
        if let Some(sweeping) = self.sweeping.take() {
            let _ = sweeping.join();
        }
        let old = self.install()?;
        self.committed = true;
        crate::fsutil::drop_aside((self.known.take(), std::mem::take(&mut self.held)));
        match old {
            Some(old) => {
                crate::fsutil::drop_aside(files);
                if fs::rename(&old, &self.spare).is_ok() {
                    let listing = SpareListing(std::mem::take(&mut self.live));
                    if let Some(file) = &self.listing_file {
                        listing.save(file, &self.spare);
                    }
                    return Ok(Some(listing));
                }
                remove_tree(&old).map_err(io_err(&old))?;
            }
            // The first build: the spare starts as a copy of links, so
            // that the next build already finds most entries in place.
            None => {
                if link_tree(&self.out, &self.dir, &files).and_then(|()| fs::rename(&self.dir, &self.spare)).is_err() {
                    let _ = remove_tree(&self.dir);
                }
            }
        }
        Ok(None)
    }

    /// Carries other tools' files over from the previous site and removes
    /// what the staging directory held that the new site (`files`) lacks.
    fn tidy(&self, files: &[String]) -> Result<(), BuildError> {
        // The sets of the new site's files and directories are built once:
        // at 10k pages each holds tens of thousands of paths, and commit is
        // on the serial tail of a rebuild.
        let mut tree: HashSet<&str> = files.iter().map(String::as_str).collect();
        let mut dirs = directories(files);
        let carried = self.carry_foreign(&tree, &dirs)?;
        tree.extend(carried.iter().map(String::as_str));
        dirs.extend(directories(&carried));
        let mut stale: Vec<&str> =
            self.held.keys().map(String::as_str).filter(|rel| !tree.contains(rel) && !dirs.contains(rel)).collect();
        stale.sort_unstable();
        // Parents sort before their contents: removing a directory whole
        // makes its contents' entries moot.
        let mut removed: Vec<&str> = Vec::new();
        for rel in stale {
            if removed.last().is_some_and(|dir| rel.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))) {
                continue;
            }
            let path = self.dir.join(rel);
            remove_entry(&path).map_err(io_err(&path))?;
            removed.push(rel);
        }
        Ok(())
    }

    /// Hard-links the files other tools put into the previous site into
    /// the new one, except those in a directory the site no longer has
    /// and those the new site writes itself; returns their paths.
    fn carry_foreign(&self, new_files: &HashSet<&str>, new_dirs: &HashSet<&str>) -> Result<Vec<String>, BuildError> {
        let (Some(known), Some(previous)) = (&self.known, &self.previous) else { return Ok(Vec::new()) };
        let gone: HashSet<&str> =
            stale_roots(known.iter().map(String::as_str), new_files, new_dirs).into_iter().collect();
        let mut carried = Vec::new();
        for (rel, _) in self.live.iter().filter(|(_, held)| matches!(held, Held::File(_))) {
            let in_gone_dir = parents(rel).any(|dir| gone.contains(dir));
            if known.contains(rel) || new_files.contains(rel.as_str()) || in_gone_dir {
                continue;
            }
            self.keep(&previous.join(rel), rel)?;
            carried.push(rel.clone());
        }
        Ok(carried)
    }

    /// Puts the staging directory in the output directory's place and
    /// returns where the previous site went, if there was one.
    fn install(&self) -> Result<Option<PathBuf>, BuildError> {
        match exchange(&self.dir, &self.out) {
            Ok(()) => return Ok(Some(self.dir.clone())),
            Err(err) if err.kind() == io::ErrorKind::NotFound && !self.out.exists() => {
                fs::rename(&self.dir, &self.out).map_err(io_err(&self.out))?;
                return Ok(None);
            }
            Err(err) if !unsupported(&err) => return Err(BuildError::Io { path: self.out.clone(), source: err }),
            Err(_) => {}
        }
        // Without the exchange call, two renames: between them the output
        // directory is missing, but never mixed.
        let old = self.aside();
        fs::rename(&self.out, &old).map_err(io_err(&self.out))?;
        if let Err(source) = fs::rename(&self.dir, &self.out) {
            let _ = fs::rename(&old, &self.out);
            return Err(BuildError::Io { path: self.out.clone(), source });
        }
        Ok(Some(old))
    }

    fn aside(&self) -> PathBuf {
        let name = self.out.file_name().and_then(|n| n.to_str()).unwrap_or("public");
        self.out.with_file_name(format!("{name}.old-{}", std::process::id()))
    }
}

/// Swaps two directories atomically.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    let c_path = |path: &Path| CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (c_path(a)?, c_path(b)?);
    // SAFETY: both pointers are NUL-terminated strings that outlive the call.
    let result =
        unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if result == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// Errors of a filesystem or kernel without `RENAME_EXCHANGE`.
fn unsupported(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP))
}

/// Whether process `pid` still runs (or runs under another user).
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Every entry below `dir`, by `/`-separated relative path, from the
/// directory listings alone (no `stat`). Paths are built by appending
/// names rather than by stripping `dir` off each entry's full path: the
/// output and spare trees are listed on every build, and at 10k pages that
/// was a tenth of a one-edit rebuild.
fn list_tree(dir: &Path) -> HashMap<String, Held> {
    let mut tree = HashMap::default();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = pending.pop() {
        let Ok(entries) = fs::read_dir(&path) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let Ok(kind) = entry.file_type() else { continue };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let mut entry_rel = String::with_capacity(rel.len() + 1 + name.len());
            if !rel.is_empty() {
                entry_rel.push_str(&rel);
                entry_rel.push('/');
            }
            entry_rel.push_str(&name);
            if kind.is_dir() {
                pending.push((entry.path(), entry_rel.clone()));
                tree.insert(entry_rel, Held::Dir);
            } else {
                tree.insert(entry_rel, Held::File(entry.ino()));
            }
        }
    }
    tree
}

/// Removes a file, symlink or directory tree; a missing one is fine.
fn remove_entry(path: &Path) -> io::Result<()> {
    let removed = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(err) => Err(err),
    };
    match removed {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Creates `dir` and its parents below `base`, replacing any file that is
/// in the way.
fn make_dirs(base: &Path, dir: &Path) -> io::Result<()> {
    if fs::create_dir_all(dir).is_ok() {
        return Ok(());
    }
    let mut path = base.to_path_buf();
    for part in dir.strip_prefix(base).map_err(io::Error::other)?.components() {
        path.push(part);
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            remove_entry(&path)?;
            match fs::create_dir(&path) {
                Err(err) if err.kind() != io::ErrorKind::AlreadyExists => return Err(err),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Hard-links `files` of `from` into `to`, in parallel.
fn link_tree(from: &Path, to: &Path, files: &[String]) -> io::Result<()> {
    fs::create_dir_all(to)?;
    files.par_iter().try_for_each(|rel| {
        let path = to.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::hard_link(from.join(rel), path)
    })
}

/// The fewest paths whose removal removes every file of `previous` that
/// `files` lacks: a directory holding none of `files` goes whole, such as
/// the previous search generation or a deleted article's directory.
fn stale_roots<'a>(
    previous: impl Iterator<Item = &'a str>,
    files: &HashSet<&str>,
    file_dirs: &HashSet<&str>,
) -> Vec<&'a str> {
    let mut roots: Vec<&str> = previous
        .filter(|rel| !files.contains(rel))
        .map(|rel| parents(rel).take_while(|dir| !file_dirs.contains(dir)).last().unwrap_or(rel))
        .collect();
    roots.sort_unstable();
    roots.dedup();
    roots
}

/// Whether `rel` names something strictly inside a directory: relative,
/// non-empty, without `.` or `..` segments.
pub fn is_inside(rel: &str) -> bool {
    !rel.is_empty() && rel.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Every directory holding one of `files`. Sorted neighbours mostly share
/// their directories, which are then looked up once for the lot.
fn directories(files: &[String]) -> HashSet<&str> {
    let mut dirs = HashSet::default();
    let mut last = "";
    for rel in files {
        let Some(dir) = parents(rel).next() else { continue };
        if dir != last {
            dirs.extend(parents(rel));
            last = dir;
        }
    }
    dirs
}

/// `a/b/c` → `a/b`, `a`.
fn parents(rel: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(rel), |path| path.rfind('/').map(|slash| &path[..slash])).skip(1)
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BuildError + use<> {
    let path = path.to_path_buf();
    move |source| BuildError::Io { path, source }
}

/// Deletes a directory tree, unlinking files from many threads at once:
/// freeing blocks waits on the disk, and concurrent unlinks overlap those
/// waits (three times faster than one thread on a disk mounted `discard`).
fn remove_tree(dir: &Path) -> io::Result<()> {
    const THREADS: usize = 16;
    let files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect();
    let chunk = files.len().div_ceil(THREADS).max(1);
    std::thread::scope(|scope| {
        for part in files.chunks(chunk) {
            scope.spawn(move || {
                for file in part {
                    let _ = fs::remove_file(file);
                }
            });
        }
    });
    fs::remove_dir_all(dir)
}

impl Drop for Staging {
    /// A failed build's staging directory is the next build's spare, as
    /// good a starting point as any, unless it is empty: a first build that
    /// fails leaves nothing beside the site.
    fn drop(&mut self) {
        if let Some(sweeping) = self.sweeping.take() {
            let _ = sweeping.join();
        }
        if self.committed || !self.dir.exists() || fs::remove_dir(&self.dir).is_ok() {
            return;
        }
        if fs::rename(&self.dir, &self.spare).is_err() {
            let _ = remove_tree(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn inode(path: &Path) -> u64 {
        fs::metadata(path).unwrap().ino()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut entries: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap().path().strip_prefix(dir).unwrap().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        entries
    }

    #[test]
    fn a_listed_tree_names_every_entry_with_its_kind_and_never_follows_links() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("site");
        fs::create_dir_all(dir.join("a/b/empty")).unwrap();
        fs::write(dir.join("index.html"), "i").unwrap();
        fs::write(dir.join("a/b/page.html"), "p").unwrap();
        std::os::unix::fs::symlink(dir.join("a"), dir.join("link")).unwrap();
        let tree = list_tree(&dir);
        let mut names: Vec<&str> = tree.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, listing(&dir));
        assert_eq!(names, ["a", "a/b", "a/b/empty", "a/b/page.html", "index.html", "link"]);
        assert_eq!(tree["a/b"], Held::Dir);
        assert_eq!(tree["a/b/page.html"], Held::File(inode(&dir.join("a/b/page.html"))));
        let link = fs::symlink_metadata(dir.join("link")).unwrap().ino();
        assert_eq!(tree["link"], Held::File(link), "a link is an entry, not the tree it points to");
    }

    /// Stages `files` into `root/public`, the previous build having
    /// written `known`, and commits.
    fn build(root: &Path, known: Option<&[&str]>, files: &[(&str, &str)]) -> Result<(), BuildError> {
        let mut staging = Staging::new(&root.join("public"), root, None)?;
        staging.prepare(false, known.map(|k| k.iter().map(|s| s.to_string()).collect()), None)?;
        for (rel, text) in files {
            staging.put(rel, text.as_bytes())?;
        }
        staging.commit(|_| ()).map(drop)
    }

    #[test]
    fn a_saved_listing_is_what_the_spare_holds_is_taken_once_and_only_for_that_spare() {
        let root = tempfile::tempdir().unwrap();
        let (out, spare) = (root.path().join("public"), root.path().join("public.spare"));
        let cache_dir = root.path().join("cache");
        let file = super::super::cache::per_output(&cache_dir, &out, "spare", "bin");
        // Each build a process of its own: nothing remembered in memory.
        let build = |files: &[(&str, &str)], known: Option<Vec<String>>| {
            let mut staging = Staging::new(&out, root.path(), Some(&cache_dir)).unwrap();
            staging.prepare(false, known, None).unwrap();
            assert!(!file.exists(), "a build takes the listing before it claims the spare");
            for (rel, text) in files {
                staging.put(rel, text.as_bytes()).unwrap();
            }
            staging
        };
        let peek = || {
            let copy = root.path().join("copy.bin");
            fs::copy(&file, &copy).ok()?;
            SpareListing::take_saved(&copy, &spare).map(|SpareListing(listed)| listed)
        };
        let sites: [&[(&str, &str)]; 4] = [
            &[("index.html", "one"), ("a/x.html", "x"), ("gone/y.html", "y")],
            &[("index.html", "two"), ("a/x.html", "x"), ("b/n.html", "n")],
            &[("index.html", "three"), ("b/n.html", "n, edited")],
            &[("index.html", "four"), ("a/x.html", "x"), ("a/deep/z.html", "z")],
        ];
        let mut known = None;
        for (n, files) in sites.into_iter().enumerate() {
            build(files, known.take()).commit(|_| ()).unwrap();
            known = Some(files.iter().map(|(rel, _)| rel.to_string()).collect());
            if n > 0 {
                assert_eq!(peek(), Some(list_tree(&spare)), "after build {n}");
            }
            let built: Vec<String> = listing(&out).into_iter().filter(|rel| out.join(rel).is_file()).collect();
            let mut written: Vec<&str> = files.iter().map(|(rel, _)| *rel).collect();
            written.sort_unstable();
            assert_eq!(built, written, "after build {n}");
            for (rel, text) in files {
                assert_eq!(fs::read_to_string(out.join(rel)).unwrap(), *text, "after build {n}");
            }
        }

        // A build that fails gives the spare back changed, and no listing.
        drop(build(&[("index.html", "five"), ("c/new.html", "c")], known.clone()));
        assert!(spare.join("c/new.html").exists() && !file.exists());
        build(sites[3], known.clone()).commit(|_| ()).unwrap();
        assert!(file.exists());

        // Another tool deletes a page from the output while a build runs,
        // after the build kept it: the spare that build leaves lacks the
        // page its saved listing names, and the next build must not trust
        // the listing's word that the page is already in place.
        let staging = build(sites[3], known.clone());
        fs::remove_file(out.join("a/x.html")).unwrap();
        staging.commit(|_| ()).unwrap();
        assert!(!spare.join("a/x.html").exists() && file.exists());
        build(sites[3], known.clone()).commit(|_| ()).unwrap();
        assert_eq!(fs::read_to_string(out.join("a/x.html")).unwrap(), "x");

        // Another directory in the spare's place is not the listed one.
        let listed = peek().unwrap();
        fs::rename(&spare, root.path().join("moved")).unwrap();
        fs::create_dir(&spare).unwrap();
        assert_eq!(peek(), None);
        fs::remove_dir(&spare).unwrap();
        fs::rename(root.path().join("moved"), &spare).unwrap();
        assert_eq!(peek(), None, "renamed away and back: its ctime moved");
        assert!(!listed.is_empty());
    }

    #[test]
    fn the_listing_a_commit_returns_is_what_the_spare_holds_and_builds_from_it_are_right() {
        let root = tempfile::tempdir().unwrap();
        let (out, spare) = (root.path().join("public"), root.path().join("public.spare"));
        let sites: [&[(&str, &str)]; 5] = [
            &[("index.html", "one"), ("a/x.html", "x"), ("gone/y.html", "y")],
            &[("index.html", "two"), ("a/x.html", "x"), ("b/n.html", "n")],
            &[("index.html", "three"), ("b/n.html", "n, edited")],
            &[("index.html", "four"), ("a/x.html", "x"), ("a/deep/z.html", "z")],
            &[("index.html", "four"), ("a/x.html", "x, edited")],
        ];
        let mut remembered = None;
        let mut known: Option<Vec<String>> = None;
        for (n, files) in sites.into_iter().enumerate() {
            let mut staging = Staging::new(&out, root.path(), None).unwrap();
            staging.prepare(false, known.take(), remembered.take()).unwrap();
            for (rel, text) in files {
                staging.put(rel, text.as_bytes()).unwrap();
            }
            remembered = staging.commit(|_| ()).unwrap();
            known = Some(files.iter().map(|(rel, _)| rel.to_string()).collect());
            assert_eq!(remembered.is_some(), n > 0, "the first build has no previous site to keep as the spare");
            if let Some(SpareListing(listed)) = &remembered {
                assert_eq!(listed, &list_tree(&spare), "after build {n}");
            }
            let mut written: Vec<&str> = files.iter().map(|(rel, _)| *rel).collect();
            written.sort_unstable();
            let built: Vec<String> = listing(&out).into_iter().filter(|rel| out.join(rel).is_file()).collect();
            assert_eq!(built, written, "after build {n}");
            for (rel, text) in files {
                assert_eq!(fs::read_to_string(out.join(rel)).unwrap(), *text);
            }
        }
    }

    #[test]
    fn never_replaces_the_root_or_a_foreign_directory() {
        let root = tempfile::tempdir().unwrap();
        assert!(matches!(Staging::new(root.path(), root.path(), None), Err(BuildError::Output(_))));
        let foreign = root.path().join("docs");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("notes.txt"), "keep").unwrap();
        let mut staging = Staging::new(&foreign, root.path(), None).unwrap();
        assert!(matches!(staging.prepare(true, None, None), Err(BuildError::Output(_))));
        // A built site, but no record of building it: only `--fresh` may
        // replace it, other tools' files and all.
        fs::write(foreign.join("index.html"), "built").unwrap();
        let err = staging.prepare(false, None, None).unwrap_err();
        assert!(err.to_string().contains("--fresh"), "{err}");
        assert!(foreign.join("notes.txt").exists());
        staging.prepare(true, None, None).unwrap();
        staging.put("index.html", b"new").unwrap();
        staging.commit(|_| ()).unwrap();
        assert_eq!(listing(&foreign), ["index.html"]);
    }

    #[test]
    fn commit_exchanges_and_keeps_the_old_site_as_spare() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("public");
        build(root.path(), None, &[("index.html", "one"), ("a/same.html", "same"), ("gone/x.html", "x")]).unwrap();
        let names: Vec<String> = listing(root.path()).into_iter().filter(|e| !e.contains('/')).collect();
        assert_eq!(names, ["public", "public.spare"]);
        assert_eq!(listing(&root.path().join("public.spare")), listing(&out));
        let same = inode(&out.join("a/same.html"));
        assert_eq!(inode(&root.path().join("public.spare/a/same.html")), same, "the spare is links");

        fs::write(out.join("extra.txt"), "another tool's").unwrap();
        let known = ["a/same.html", "gone/x.html", "index.html"];
        build(root.path(), Some(&known), &[("index.html", "two"), ("a/same.html", "same"), ("b/new.html", "new")])
            .unwrap();
        assert_eq!(listing(&out), ["a", "a/same.html", "b", "b/new.html", "extra.txt", "index.html"]);
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"two");
        assert_eq!(inode(&out.join("a/same.html")), same, "unchanged files are the same file");
        assert_eq!(
            fs::read(root.path().join("public.spare/index.html")).unwrap(),
            b"one",
            "the previous site is the spare, whole"
        );
        let names: Vec<String> = listing(root.path()).into_iter().filter(|e| !e.contains('/')).collect();
        assert_eq!(names, ["public", "public.spare"]);
    }

    #[test]
    fn a_failed_build_leaves_the_site_and_returns_the_spare() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("public");
        build(root.path(), None, &[("index.html", "one")]).unwrap();
        let mut staging = Staging::new(&out, root.path(), None).unwrap();
        staging.prepare(false, Some(vec!["index.html".into()]), None).unwrap();
        assert!(!root.path().join("public.spare").exists(), "the build took the spare");
        staging.put("index.html", b"two").unwrap();
        drop(staging);
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"one");
        let names: Vec<String> = listing(root.path()).into_iter().filter(|e| !e.contains('/')).collect();
        assert_eq!(names, ["public", "public.spare"]);
    }

    #[test]
    fn leftovers_of_dead_builds_are_removed() {
        let root = tempfile::tempdir().unwrap();
        build(root.path(), None, &[("index.html", "one")]).unwrap();
        // No process has pid 2^22 + 1 (the kernel's maximum is 2^22).
        let dead = [root.path().join("public.tmp-4194305"), root.path().join("public.old-4194306")];
        for dir in &dead {
            fs::create_dir_all(dir.join("a")).unwrap();
            fs::write(dir.join("a/x.html"), "x").unwrap();
        }
        let mut running_build = std::process::Command::new("sleep").arg("5").spawn().unwrap();
        let running = root.path().join(format!("public.tmp-{}", running_build.id()));
        fs::create_dir(&running).unwrap();
        build(root.path(), Some(&["index.html"]), &[("index.html", "two")]).unwrap();
        for dir in &dead {
            assert!(!dir.exists(), "{}", dir.display());
        }
        assert!(running.exists(), "a running build's directory stays");
        running_build.kill().unwrap();
        running_build.wait().unwrap();
    }

    #[test]
    fn stale_directories_go_whole() {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let previous =
            strings(&["a/x.html", "gone/index.html", "s/old/t/1.json", "s/old/t/2.json", "s/m.json", "top.html"]);
        let files = strings(&["a/y.html", "s/m.json", "s/new/t/1.json"]);
        let file_set: HashSet<&str> = files.iter().map(String::as_str).collect();
        let dirs = directories(&files);
        assert_eq!(dirs, HashSet::from_iter(["a", "s", "s/new", "s/new/t"]));
        let roots = stale_roots(previous.iter().map(String::as_str), &file_set, &dirs);
        assert_eq!(roots, ["a/x.html", "gone", "s/old", "top.html"]);
        assert_eq!(parents("a/b/c").collect::<Vec<_>>(), ["a/b", "a"]);
    }
}
