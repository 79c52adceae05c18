//! Which directory a printed path is relative to. The one place that turns
//! the path of a file the program read into the path a message shows: the
//! terminal's current directory for people (so the path opens from where
//! they typed the command), the repository root for GitHub annotations
//! (which GitHub matches against the repository's files).

use std::path::{Component, Path, PathBuf};

/// The directory printed paths are relative to, and the current directory
/// that relative input paths start from; `None` when the current directory
/// cannot be known (it was deleted), and paths print as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathBase {
    dirs: Option<(PathBuf, PathBuf)>,
}

impl PathBase {
    /// The current directory.
    pub fn current_dir() -> PathBase {
        PathBase { dirs: std::env::current_dir().ok().map(|cwd| (cwd.clone(), cwd)) }
    }

    /// The root of the repository holding `site_root`: the nearest
    /// directory upward with a `.git` (a directory, or a file in a worktree
    /// or submodule), else `GITHUB_WORKSPACE` when the site lies inside it
    /// (a checkout without git history), else the current directory.
    pub fn repository(site_root: &Path) -> PathBase {
        let Some(cwd) = std::env::current_dir().ok() else { return PathBase { dirs: None } };
        let site = absolute(site_root, &cwd);
        let workspace = std::env::var_os("GITHUB_WORKSPACE").map(|dir| absolute(Path::new(&dir), &cwd));
        let repository = site
            .ancestors()
            .find(|dir| dir.join(".git").exists())
            .map(Path::to_path_buf)
            .or(workspace.filter(|workspace| site.starts_with(workspace)));
        PathBase { dirs: Some((repository.unwrap_or_else(|| cwd.clone()), cwd)) }
    }

    /// `path` (absolute, or relative to the current directory, as the
    /// program opened it) relative to this base: `x.md`, `../x.md`,
    /// `site/content/articles/x.md`. A path sharing nothing with the base
    /// but the filesystem root prints absolute, which is shorter than a
    /// climb to `/` and back down.
    pub fn show(&self, path: &Path) -> PathBuf {
        match &self.dirs {
            Some((base, cwd)) => relative(&absolute(path, cwd), base),
            None => path.to_path_buf(),
        }
    }
}

/// `path` made absolute from `cwd`, with `.` and `..` resolved by name.
fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `base`, both absolute and resolved.
fn relative(path: &Path, base: &Path) -> PathBuf {
    let path_parts: Vec<Component> = path.components().collect();
    let base_parts: Vec<Component> = base.components().collect();
    let shared = path_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    let only_the_root = path_parts.iter().take(shared).all(|c| matches!(c, Component::RootDir | Component::Prefix(_)));
    if only_the_root {
        return path.to_path_buf();
    }
    let mut out: PathBuf = base_parts[shared..].iter().map(|_| Component::ParentDir).collect();
    out.extend(&path_parts[shared..]);
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_from_the_base() {
        let show = |path: &str, base: &str| relative(Path::new(path), Path::new(base)).display().to_string();
        let file = "/work/site/content/articles/x.md";
        assert_eq!(show(file, "/work/site"), "content/articles/x.md");
        assert_eq!(show(file, "/work/site/content/articles"), "x.md");
        assert_eq!(show(file, "/work"), "site/content/articles/x.md");
        assert_eq!(show(file, "/work/site/content/recommendations"), "../articles/x.md");
        assert_eq!(show(file, "/home/editor"), file, "nothing shared but /");
        assert_eq!(show("/work/site", "/work/site"), ".");
    }

    #[test]
    fn dots_are_resolved_before_comparing() {
        let cwd = Path::new("/work/site/content/articles");
        assert_eq!(
            absolute(Path::new("../../content/articles/x.md"), cwd),
            Path::new("/work/site/content/articles/x.md")
        );
        assert_eq!(absolute(Path::new("./x.md"), cwd), Path::new("/work/site/content/articles/x.md"));
        assert_eq!(absolute(Path::new("/elsewhere/./y.md"), cwd), Path::new("/elsewhere/y.md"));
    }
}
