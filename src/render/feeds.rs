//! The machine-read files: `sitemap.xml`, `atom.xml` and `robots.txt`.
//! They carry absolute URLs built from `base_url`; pages link relatively.

use std::fmt::Write as _;

use crate::model::Date;

/// Escapes text for XML and drops characters XML 1.0 cannot carry at all,
/// so hostile content cannot make the feed unparseable. It is also the
/// templates' escape for every value a page prints, so it copies runs of
/// ordinary text whole instead of a character at a time.
pub fn xml_escape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let (replacement, len) = match bytes[at] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\'' => ("&apos;", 1),
            b'\t' | b'\n' | b'\r' => ("", 0),
            0..0x20 => ("", 1),
            // U+FFFE and U+FFFF, which XML forbids, are EF BF BE and EF BF BF.
            0xEF if bytes.get(at + 1) == Some(&0xBF) && matches!(bytes.get(at + 2), Some(0xBE | 0xBF)) => ("", 3),
            _ => ("", 0),
        };
        if len == 0 {
            at += 1;
            continue;
        }
        // `at` is the first byte of a character: an ASCII byte or EF.
        out.push_str(&text[copied..at]);
        out.push_str(replacement);
        at += len;
        copied = at;
    }
    out.push_str(&text[copied..]);
    out
}

pub fn absolute(base_url: &str, url: &str) -> String {
    format!("{base_url}/{url}")
}

pub struct SitemapEntry {
    /// Root-relative, e.g. `articles/x/`.
    pub url: String,
    pub lastmod: Option<Date>,
}

/// URLs one sitemap file may list (sitemaps.org protocol).
pub const SITEMAP_MAX_URLS: usize = 50_000;

/// The sitemap files as `(name, contents)`: `sitemap.xml` listing every
/// entry, or, past `max_urls` entries, `sitemap.xml` as a sitemap index of
/// `sitemap-1.xml`, `sitemap-2.xml`, … of at most `max_urls` each. Either
/// way `sitemap.xml` is what robots.txt and search engines are given.
pub fn sitemaps(base_url: &str, entries: &[SitemapEntry], max_urls: usize) -> Vec<(String, String)> {
    if entries.len() <= max_urls {
        return vec![("sitemap.xml".to_string(), sitemap(base_url, entries))];
    }
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut files = vec![(String::new(), String::new())];
    for (n, part) in entries.chunks(max_urls.max(1)).enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        let _ = write!(index, "<sitemap><loc>{}</loc>", xml_escape(&absolute(base_url, &name)));
        if let Some(newest) = part.iter().filter_map(|e| e.lastmod).max() {
            let _ = write!(index, "<lastmod>{newest}</lastmod>");
        }
        index.push_str("</sitemap>\n");
        files.push((name, sitemap(base_url, part)));
    }
    index.push_str("</sitemapindex>\n");
    files[0] = ("sitemap.xml".to_string(), index);
    files
}

fn sitemap(base_url: &str, entries: &[SitemapEntry]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for entry in entries {
        let _ = write!(out, "<url><loc>{}</loc>", xml_escape(&absolute(base_url, &entry.url)));
        if let Some(date) = entry.lastmod {
            let _ = write!(out, "<lastmod>{date}</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

pub struct FeedEntry<'a> {
    pub title: &'a str,
    pub url: String,
    pub date: Option<Date>,
    pub summary: Option<&'a str>,
    pub content_html: &'a str,
    pub categories: Vec<&'a str>,
}

pub struct FeedInfo<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub base_url: &'a str,
    pub language: &'a str,
}

/// Atom requires an `updated` time; dates are all we have, and undated
/// entries fall back to the feed's, which is the newest date or the epoch.
pub fn atom(info: &FeedInfo<'_>, entries: &[FeedEntry<'_>]) -> String {
    let timestamp = |date: Date| format!("{date}T00:00:00Z");
    let updated = entries.iter().filter_map(|e| e.date).max().map_or_else(|| "1970-01-01T00:00:00Z".into(), timestamp);
    let home = absolute(info.base_url, "");
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(
        out,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n<title>{title}</title>\n<subtitle>{subtitle}</subtitle>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{self_url}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{home}\"/>\n<id>{home}</id>\n<updated>{updated}</updated>\n<author><name>{title}</name></author>\n",
        lang = xml_escape(info.language),
        title = xml_escape(info.title),
        subtitle = xml_escape(info.description),
        self_url = xml_escape(&absolute(info.base_url, "atom.xml")),
        home = xml_escape(&home),
    );
    for entry in entries {
        let url = xml_escape(&absolute(info.base_url, &entry.url));
        let entry_updated = entry.date.map_or_else(|| updated.clone(), timestamp);
        let _ = write!(
            out,
            "<entry>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n<id>{url}</id>\n<updated>{entry_updated}</updated>\n",
            xml_escape(entry.title)
        );
        if let Some(date) = entry.date {
            let _ = writeln!(out, "<published>{}</published>", timestamp(date));
        }
        for category in &entry.categories {
            let _ = writeln!(out, "<category term=\"{}\"/>", xml_escape(category));
        }
        if let Some(summary) = entry.summary {
            let _ = writeln!(out, "<summary>{}</summary>", xml_escape(summary));
        }
        let _ = write!(out, "<content type=\"html\">{}</content>\n</entry>\n", xml_escape(entry.content_html));
    }
    out.push_str("</feed>\n");
    out
}

pub fn robots(base_url: &str) -> String {
    format!("User-agent: *\nAllow: /\nSitemap: {}\n", absolute(base_url, "sitemap.xml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_control_characters() {
        assert_eq!(xml_escape("<a href=\"x\">&'\u{1}</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    }

    proptest::proptest! {
        /// The run-copying escape gives what escaping one character at a
        /// time gives, on any text: markup, controls, U+FFFE/U+FFFF and the
        /// full-width punctuation that shares their first byte.
        #[test]
        fn escaping_matches_character_by_character(text in "[a<>&\"'\t\n\r\u{0}-\u{1f}，。\u{fffd}-\u{ffff}\u{efbf}医保]{0,40}") {
            let expected: String = text
                .chars()
                .filter_map(|c| match c {
                    '&' => Some("&amp;".to_string()),
                    '<' => Some("&lt;".to_string()),
                    '>' => Some("&gt;".to_string()),
                    '"' => Some("&quot;".to_string()),
                    '\'' => Some("&apos;".to_string()),
                    '\t' | '\n' | '\r' => Some(c.to_string()),
                    c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => None,
                    c => Some(c.to_string()),
                })
                .collect();
            proptest::prop_assert_eq!(xml_escape(&text), expected);
        }
    }

    #[test]
    fn undated_feeds_still_have_an_updated_time() {
        let info = FeedInfo { title: "站", description: "d", base_url: "https://e.org", language: "zh-CN" };
        let feed = atom(&info, &[]);
        assert!(feed.contains("<updated>1970-01-01T00:00:00Z</updated>"), "{feed}");
        assert!(feed.contains("<id>https://e.org/</id>"), "{feed}");
    }

    #[test]
    fn large_sitemaps_split_behind_an_index() {
        let date = |day| Date::new(2025, 4, day);
        let entries: Vec<SitemapEntry> =
            (1..=5).map(|n| SitemapEntry { url: format!("articles/a{n}/"), lastmod: date(n as u8) }).collect();
        let one = sitemaps("https://e.org", &entries, 5);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].1.matches("<url>").count(), 5);

        let split = sitemaps("https://e.org", &entries, 2);
        let names: Vec<&str> = split.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]);
        let index = &split[0].1;
        assert!(index.contains("<sitemapindex "), "{index}");
        assert!(
            index.contains("<sitemap><loc>https://e.org/sitemap-2.xml</loc><lastmod>2025-04-04</lastmod></sitemap>")
        );
        let listed: usize = split[1..].iter().map(|(_, part)| part.matches("<url>").count()).sum();
        assert_eq!(listed, 5, "every URL once");
        assert!(split[1..].iter().all(|(_, part)| part.matches("<url>").count() <= 2));
    }
}
