//! Where a site keeps everything. Every path below a site root is spelled
//! here and nowhere else, as Zola's `Site` and mdBook's `MDBook` own theirs.

use std::path::{Path, PathBuf};

use crate::model::ItemKind;

/// The paths of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteLayout {
    root: PathBuf,
    content: PathBuf,
}

/// The nearest directory from `start` upward that holds `config.toml`, as
/// cargo finds `Cargo.toml`: run from `content/articles/`, a command still
/// works on the site rather than on a folder inside it.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|dir| dir.join(CONFIG_FILE).is_file()).map(Path::to_path_buf)
}

/// The settings file that marks a site root.
pub const CONFIG_FILE: &str = "config.toml";

impl SiteLayout {
    /// The site whose root is `root`: `config.toml`, `content/`, `themes/`…
    pub fn new(root: impl Into<PathBuf>) -> SiteLayout {
        let root = root.into();
        SiteLayout { content: root.join("content"), root }
    }

    /// The site around a content directory named on its own (`import
    /// --content DIR`): its parent is taken as the root.
    pub fn around_content(content: impl Into<PathBuf>) -> SiteLayout {
        let content = content.into();
        let root = content.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        SiteLayout { root, content }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn content(&self) -> &Path {
        &self.content
    }

    /// Whether this is the content directory `build` of the root reads; an
    /// import into any other directory leaves the root's caches alone.
    pub fn is_standard(&self) -> bool {
        self.content == self.root.join("content")
    }

    pub fn config_file(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    /// The directory holding items of `kind`.
    pub fn items(&self, kind: ItemKind) -> PathBuf {
        self.content.join(kind.dir())
    }

    pub fn articles(&self) -> PathBuf {
        self.items(ItemKind::Article)
    }

    pub fn recommendations(&self) -> PathBuf {
        self.items(ItemKind::Recommendation)
    }

    pub fn topics_file(&self) -> PathBuf {
        self.content.join("topics.yaml")
    }

    pub fn synonyms_file(&self) -> PathBuf {
        self.content.join("synonyms.yaml")
    }

    /// Site-specific static files, copied over the theme's.
    /// The body `new` starts an article with, when the site has its own.
    pub fn article_archetype(&self) -> PathBuf {
        self.root.join("archetypes").join("article.md")
    }

    pub fn static_dir(&self) -> PathBuf {
        self.root.join("static")
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.root.join("themes")
    }

    /// Site-specific templates, overriding the theme's.
    pub fn templates_dir(&self) -> PathBuf {
        self.root.join("templates")
    }

    /// The default output directory.
    pub fn output(&self) -> PathBuf {
        self.root.join("public")
    }

    /// Build caches; safe to delete.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join(".policypress-cache")
    }

    pub fn front_matter_cache(&self) -> PathBuf {
        self.cache_dir().join("front-matter")
    }

    /// `path` relative to the root, as messages print it.
    pub fn relative(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
    }
}
