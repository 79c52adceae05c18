//! Character-level text rules shared by the pipeline stages: what counts as
//! CJK, how scraped prose is tidied, and the normalized key under which two
//! spellings of the same snippet compare equal.

use std::borrow::Cow;
use std::path::Path;

use unicode_normalization::UnicodeNormalization;

/// `bytes` as a `String` if they are UTF-8, else back with how many of
/// them are.
/// Validated with SIMD: std's validator was 4.6 % of a one-edit rebuild's
/// CPU, spent on Chinese content files and cached texts.
pub fn utf8_string(bytes: Vec<u8>) -> Result<String, (Vec<u8>, usize)> {
    match simdutf8::compat::from_utf8(&bytes) {
        // SAFETY: just validated.
        Ok(_) => Ok(unsafe { String::from_utf8_unchecked(bytes) }),
        Err(err) => Err((bytes, err.valid_up_to())),
    }
}

/// Characters that would act on a terminal rather than print: C0 and C1
/// controls, DEL, and the bidirectional overrides that reorder what follows.
fn acts_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// Text from a file name, a title or any other input, made safe to print
/// on one terminal line: a newline in a file name must not forge a second
/// message, and an ESC must not reach the terminal. Control characters
/// become `\n`, `\r`, `\t` or `\u{1b}`; everything else is unchanged.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if acts_on_terminal(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path as printed in messages: lossy UTF-8, control characters escaped
/// (see [`escape_controls`]).
pub fn display_path(path: &Path) -> String {
    let lossy = path.to_string_lossy();
    escape_controls(&lossy).into_owned()
}
/// Lowercase hex digits of `bytes`, appended to `out`: digests are written
/// into cache files tens of thousands of times a build.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// Lowercase hex digits of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    push_hex(&mut out, bytes);
    out
}

/// Han ideographs (incl. extension A and compatibility ideographs).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Full-width punctuation used in Chinese text (CJK symbols and forms).
pub fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
        || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—' | '·')
}

/// A character next to which a space is an artefact of stripped markup.
pub fn is_cjk(c: char) -> bool {
    is_han(c) || is_cjk_punct(c)
}

/// The full-width form of an ASCII punctuation mark written inside Chinese text.
fn full_width(c: char) -> Option<char> {
    Some(match c {
        ':' => '：',
        ',' => '，',
        ';' => '；',
        '?' => '？',
        '!' => '！',
        '(' => '（',
        ')' => '）',
        _ => return None,
    })
}

/// Tidies one line of scraped prose: NFC, spaces that markup stripping left
/// between CJK characters or around punctuation removed, ASCII punctuation
/// inside Chinese text made full-width. Spaces between Latin words and
/// numbers stay (`APP 查询` keeps none, `Windows 10` keeps its space).
pub fn clean_prose(line: &str) -> String {
    // Chinese text is ideographs, ASCII and CJK punctuation, all of it
    // NFC already; only other text needs the tables.
    let nfc = line.chars().all(|c| {
        is_nfc_stable(c) || matches!(c as u32, 0x3000..=0x3029 | 0x3030..=0x303F | 0xFF01..=0xFF60 | 0x2010..=0x2027)
    }) || unicode_normalization::is_nfc_quick(line.chars()) == unicode_normalization::IsNormalized::Yes;
    // Most lines have nothing to tidy; the loop below would copy them as is.
    if nfc && !line.chars().any(|c| c.is_whitespace() || full_width(c).is_some()) {
        return line.to_string();
    }
    let chars: Vec<char> = if nfc { line.chars().collect() } else { line.nfc().collect() };
    let mut out = String::with_capacity(line.len());
    // Every lookaround is answered from state carried along the line, so a
    // long run of spaces or brackets costs linear time, not quadratic.
    let mut ahead = LookAhead::default();
    let mut before: Option<char> = None;
    let mut han_since_open = false;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let prev = out.chars().last();
            // A space before ASCII punctuation is kept here and dropped
            // below only if that punctuation turns full-width: Latin text
            // keeps `key: value`.
            let drop = prev.is_none_or(|p| p.is_whitespace() || is_cjk(p))
                || ahead.next_significant(&chars, i).is_none_or(is_cjk);
            if !drop {
                out.push(' ');
            }
            continue;
        }
        let previous = before.replace(c);
        let holds_han_before = han_since_open;
        if c == '(' {
            han_since_open = false;
        } else if is_han(c) {
            han_since_open = true;
        }
        if let Some(wide) = full_width(c) {
            let after = ahead.next_significant(&chars, i);
            let in_chinese = previous.is_some_and(is_cjk)
                || after.is_some_and(is_cjk)
                || (c == '(' && ahead.han_before_close(&chars, i))
                || (c == ')' && holds_han_before);
            // A digit on both sides is a number (`1,000`, `6:30`), not prose.
            let numeric = previous.is_some_and(|b| b.is_ascii_digit()) && after.is_some_and(|a| a.is_ascii_digit());
            if in_chinese && !numeric {
                // Drop a space we already emitted before full-width punctuation.
                if out.ends_with(' ') {
                    out.pop();
                }
                out.push(wide);
                continue;
            }
        }
        out.push(c);
    }
    out.trim().to_string()
}

/// Forward scans of [`clean_prose`], remembered: a later question from
/// inside an already scanned stretch is answered without scanning it again.
#[derive(Default)]
struct LookAhead {
    /// Index of the first non-whitespace character after the last scan's
    /// start; everything between is whitespace.
    significant_at: usize,
    /// End of the last bracket scan: the next `)` or the end of the line.
    close_at: usize,
    /// The last Han character before `close_at` in that scan.
    last_han: Option<usize>,
}

impl LookAhead {
    /// The first non-whitespace character after `i`.
    fn next_significant(&mut self, chars: &[char], i: usize) -> Option<char> {
        if self.significant_at <= i {
            self.significant_at = i + 1;
            while chars.get(self.significant_at).is_some_and(|c| c.is_whitespace()) {
                self.significant_at += 1;
            }
        }
        chars.get(self.significant_at).copied()
    }

    /// Whether Han follows the `(` at `i` before the next `)`.
    fn han_before_close(&mut self, chars: &[char], i: usize) -> bool {
        if self.close_at <= i {
            self.close_at = i + 1;
            self.last_han = None;
            while let Some(&c) = chars.get(self.close_at).filter(|&&c| c != ')') {
                if is_han(c) {
                    self.last_han = Some(self.close_at);
                }
                self.close_at += 1;
            }
        }
        self.last_han.is_some_and(|h| h > i)
    }
}

/// NFKC of one character that has no combining marks around it. A
/// compatibility decomposition into one character, or into ASCII only, has
/// nothing to compose, so it is the NFKC; that covers the full-width
/// punctuation of Chinese text without allocating. The rest takes the
/// library's general path.
fn nfkc_char(c: char) -> CharNfkc {
    if is_nfc_stable(c) {
        return CharNfkc::Few([c; 4], 0..1);
    }
    let (mut parts, mut len, mut ascii) = (['\0'; 4], 0, true);
    unicode_normalization::char::decompose_compatible(c, |d| {
        if let Some(slot) = parts.get_mut(len) {
            *slot = d;
        }
        len += 1;
        ascii &= d.is_ascii();
    });
    if len == 1 || (ascii && len <= parts.len()) {
        CharNfkc::Few(parts, 0..len)
    } else {
        CharNfkc::Many(std::iter::once(c).nfkc().collect::<Vec<char>>().into_iter())
    }
}

enum CharNfkc {
    Few([char; 4], std::ops::Range<usize>),
    Many(std::vec::IntoIter<char>),
}

impl Iterator for CharNfkc {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        match self {
            CharNfkc::Few(chars, range) => range.next().map(|i| chars[i]),
            CharNfkc::Many(chars) => chars.next(),
        }
    }
}

/// The comparison key for snippet titles and excerpts: NFKC (which also
/// folds full-width ASCII), lower case, all whitespace removed, punctuation
/// unified to one form, and trailing truncation marks dropped.
pub fn normalize_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Without combining marks NFKC works character by character, and ASCII
    // and CJK ideographs are their own NFKC form: only the rest needs tables.
    // Also composing across characters: conjoining Hangul jamo, and what
    // NFKC turns into them or into combining marks (half-width kana sound
    // marks, compatibility and half-width jamo).
    let per_char = !text.chars().any(|c| {
        !is_nfc_stable(c)
            && (unicode_normalization::char::is_combining_mark(c)
                || matches!(c as u32, 0x1100..=0x11FF | 0x3131..=0x318E | 0xFF9E..=0xFF9F | 0xFFA0..=0xFFDC))
    });
    if per_char {
        for c in text.chars() {
            if is_nfc_stable(c) {
                push_key_char(&mut out, c);
            } else {
                nfkc_char(c).for_each(|c| push_key_char(&mut out, c));
            }
        }
    } else {
        text.nfkc().for_each(|c| push_key_char(&mut out, c));
    }
    let trimmed = out.trim_end_matches(['…', '.', '⋯']);
    trimmed.to_string()
}

/// Appends one NFKC character to a key: whitespace dropped, punctuation
/// unified, lower case.
fn push_key_char(out: &mut String, c: char) {
    if c.is_whitespace() {
        return;
    }
    let c = match c {
        '，' | '、' => ',',
        '。' | '．' => '.',
        '：' => ':',
        '；' => ';',
        '？' => '?',
        '！' => '!',
        '（' | '【' | '［' => '(',
        '）' | '】' | '］' => ')',
        '“' | '”' | '「' | '」' | '『' | '』' | '"' => '"',
        '‘' | '’' => '\'',
        _ => c,
    };
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if is_han(c) {
        out.push(c);
    } else {
        out.extend(c.to_lowercase());
    }
}

/// ASCII and the unified CJK ideographs: their own NFC and NFKC, and never
/// composed with a neighbour, so no table needs consulting. (Compatibility
/// ideographs, which `is_han` also accepts, do decompose.)
fn is_nfc_stable(c: char) -> bool {
    c.is_ascii() || matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// The closest of `known` to a mistyped `name`, if any is plausibly meant.
pub fn suggest_name<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// "did you mean `x`?" when there is a suggestion, else `otherwise`.
pub fn did_you_mean(suggestion: Option<impl std::fmt::Display>, otherwise: crate::i18n::Text) -> crate::i18n::Text {
    match suggestion {
        Some(s) => crate::text!("did-you-mean", name = s.to_string()),
        None => otherwise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_prose_removes_markup_spaces_and_widens_punctuation() {
        assert_eq!(clean_prose("职工医保个人账户余额 可以 用于支付"), "职工医保个人账户余额可以用于支付");
        assert_eq!(clean_prose("资金来源 :由个人缴纳"), "资金来源：由个人缴纳");
        assert_eq!(clean_prose("做 无 痛 人 流 手 术"), "做无痛人流手术");
        assert_eq!(clean_prose("(一)线上操作(推荐)"), "（一）线上操作（推荐）");
        assert_eq!(clean_prose("如0871-63886166,请咨询"), "如0871-63886166，请咨询");
        assert_eq!(clean_prose("工资的2%)和单位"), "工资的2%）和单位");
    }

    #[test]
    fn clean_prose_keeps_latin_and_number_spacing() {
        assert_eq!(clean_prose("Windows 10 and APP 2.0"), "Windows 10 and APP 2.0");
        assert_eq!(clean_prose("共1,000元 6:30开始"), "共1,000元6:30开始");
        assert_eq!(clean_prose("key: value, see (note) ! ok"), "key: value, see (note) ! ok");
        assert_eq!(clean_prose("登录 APP : 查询"), "登录APP：查询");
    }

    proptest::proptest! {
        /// The per-character fast path agrees with whole-string NFKC.
        #[test]
        fn normalize_key_fast_path_matches_full_nfkc(text in "[\\PC\u{3000}-\u{303F}\u{FF01}-\u{FF5E}\u{0300}-\u{036F}\u{4E00}-\u{4E20}a-zA-Z ，。（）…]{0,40}") {
            let full: String = text.nfkc().collect();
            // NFKC is idempotent, so keying pre-normalized text must agree.
            proptest::prop_assert_eq!(normalize_key(&text), normalize_key(&full));
        }
    }

    #[test]
    fn per_character_nfkc_matches_the_library_for_every_character() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let expected: String = std::iter::once(c).nfkc().collect();
            assert_eq!(nfkc_char(c).collect::<String>(), expected, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn normalize_key_unifies_spacing_width_and_truncation() {
        assert_eq!(normalize_key("做 无 痛 人 流"), normalize_key("做无痛人流"));
        assert_eq!(normalize_key("医保跨省报销几成?"), normalize_key("医保跨省报销几成？"));
        assert_eq!(normalize_key("ＡＰＰ查询…"), "app查询");
        assert_eq!(normalize_key("ｶﾞｲﾄﾞ"), normalize_key("ガイド"), "half-width kana compose with their sound marks");
        assert_eq!(normalize_key("ㄱㅏ"), normalize_key("가"), "compatibility jamo compose");
        assert_eq!(normalize_key("余额可以用..."), "余额可以用");
    }
    #[test]
    fn controls_are_escaped_for_printing() {
        assert_eq!(escape_controls("医保 a.txt"), "医保 a.txt");
        assert_eq!(escape_controls("a\nrejected: b"), "a\\nrejected: b");
        assert_eq!(escape_controls("\u{1b}[31mred\u{7}"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(escape_controls("x\u{202E}txt.exe"), "x\\u{202e}txt.exe");
        assert_eq!(display_path(Path::new("raw/bad\r\tname.txt")), "raw/bad\\r\\tname.txt");
    }
}
