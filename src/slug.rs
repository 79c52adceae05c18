//! ASCII slugs from Chinese titles and place names.
//! (Provisional character-by-character version; phrase-level readings pending.)

use pinyin::ToPinyin;

/// Longest slug we produce, in bytes; long titles are cut at a syllable.
pub const MAX_SLUG_LEN: usize = 80;

/// `医保个人账户怎么充值缴费` → `yi-bao-ge-ren-zhang-hu-zen-me-chong-zhi-jiao-fei`.
/// Only `[a-z0-9-]`, never empty, never longer than [`MAX_SLUG_LEN`].
pub fn slugify(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut latin = String::new();
    for c in text.chars() {
        if let Some(p) = c.to_pinyin() {
            if !latin.is_empty() {
                parts.push(std::mem::take(&mut latin));
            }
            parts.push(p.plain().to_string());
        } else if c.is_ascii_alphanumeric() {
            latin.push(c.to_ascii_lowercase());
        } else if !latin.is_empty() {
            parts.push(std::mem::take(&mut latin));
        }
    }
    if !latin.is_empty() {
        parts.push(latin);
    }
    let mut slug = String::new();
    for part in parts {
        if slug.len() + part.len() + 1 > MAX_SLUG_LEN {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&part);
    }
    if slug.is_empty() { "item".to_string() } else { slug }
}

/// Concatenated pinyin of a name, for URL segments: `深圳` → `shenzhen`.
pub fn pinyin_word(text: &str) -> String {
    slugify(text).replace('-', "")
}
