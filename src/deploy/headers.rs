//! The HTTP headers each published file is stored with, and the phase it is
//! uploaded in. Both follow from the path alone, so a plan is a pure
//! function of the file list.

/// Content-hashed files: their URL changes whenever their bytes do.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files whose URL stays while their content changes and that must be
/// current at once: browsers and CDNs revalidate them on every request.
pub const NO_CACHE: &str = "no-cache";
/// Theme assets and other fixed names: a stale copy for a few minutes is
/// harmless, and it saves a revalidation on every page view.
pub const SHORT: &str = "public, max-age=300";

/// Upload order. Each phase only refers to files of earlier phases (pages
/// load assets, the search manifest names a shard generation), so a
/// visitor never sees a page whose assets are not there yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Stylesheets, scripts, images, search shards.
    Assets,
    /// HTML pages, feeds, sitemaps.
    Pages,
    /// `search/manifest.json`, which switches search to the new shards.
    SearchManifest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headers {
    pub content_type: &'static str,
    pub cache_control: &'static str,
    /// Text that `gzip = true` compresses.
    pub compressible: bool,
}

/// `search/<16 hex digits>/…`: a search shard generation, named by the hash
/// of its files (see `src/search/shards.rs`).
pub fn is_search_generation(path: &str) -> bool {
    let mut segments = path.split('/');
    segments.next() == Some("search")
        && segments.next().is_some_and(|g| g.len() == 16 && g.bytes().all(|b| b.is_ascii_hexdigit()))
        && segments.next().is_some()
}

pub fn phase(path: &str) -> Phase {
    if path == "search/manifest.json" {
        Phase::SearchManifest
    } else if matches!(extension(path), "html" | "xml") {
        Phase::Pages
    } else {
        Phase::Assets
    }
}

pub fn headers(path: &str) -> Headers {
    let (content_type, compressible) = match extension(path) {
        "html" => ("text/html; charset=utf-8", true),
        "css" => ("text/css; charset=utf-8", true),
        "js" | "mjs" => ("text/javascript; charset=utf-8", true),
        "json" => ("application/json; charset=utf-8", true),
        "xml" if path.starts_with("atom") => ("application/atom+xml; charset=utf-8", true),
        "xml" => ("application/xml; charset=utf-8", true),
        "txt" => ("text/plain; charset=utf-8", true),
        "svg" => ("image/svg+xml; charset=utf-8", true),
        "png" => ("image/png", false),
        "jpg" | "jpeg" => ("image/jpeg", false),
        "gif" => ("image/gif", false),
        "webp" => ("image/webp", false),
        "avif" => ("image/avif", false),
        "ico" => ("image/x-icon", false),
        "woff2" => ("font/woff2", false),
        "woff" => ("font/woff", false),
        "pdf" => ("application/pdf", false),
        _ => ("application/octet-stream", false),
    };
    let cache_control = if is_search_generation(path) {
        IMMUTABLE
    } else if phase(path) != Phase::Assets {
        NO_CACHE
    } else {
        SHORT
    };
    Headers { content_type, cache_control, compressible }
}

fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or("", |(_, ext)| ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_generations_are_immutable_and_entry_points_are_not_cached() {
        let shard = headers("search/0123456789abcdef/t/12.json");
        assert_eq!(shard.cache_control, IMMUTABLE);
        assert_eq!(shard.content_type, "application/json; charset=utf-8");
        for path in ["index.html", "articles/a/index.html", "atom.xml", "sitemap.xml", "search/manifest.json"] {
            assert_eq!(headers(path).cache_control, NO_CACHE, "{path}");
        }
        assert_eq!(headers("atom.xml").content_type, "application/atom+xml; charset=utf-8");
        assert_eq!(headers("style.css").cache_control, SHORT);
        // A directory that merely looks like a generation at another depth is not one.
        assert!(!is_search_generation("search/0123456789abcdef"));
        assert!(!is_search_generation("articles/0123456789abcdef/index.html"));
        assert_eq!(headers("search/0123456789abcdeg/t/1.json").cache_control, SHORT);
    }

    #[test]
    fn phases_put_assets_before_pages_before_the_search_manifest() {
        assert_eq!(phase("search/0123456789abcdef/d/0.json"), Phase::Assets);
        assert_eq!(phase("search.js"), Phase::Assets);
        assert_eq!(phase("articles/a/index.html"), Phase::Pages);
        assert_eq!(phase("sitemap-2.xml"), Phase::Pages);
        assert_eq!(phase("search/manifest.json"), Phase::SearchManifest);
        assert!(Phase::Assets < Phase::Pages && Phase::Pages < Phase::SearchManifest);
    }

    #[test]
    fn binary_files_are_not_compressed_and_unknown_types_are_octet_streams() {
        assert!(!headers("favicon.png").compressible);
        assert!(headers("favicon.svg").compressible);
        assert_eq!(headers("LICENSE").content_type, "application/octet-stream");
    }
}
