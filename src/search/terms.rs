//! Terms as `u64` keys, so the indexers hash and store integers instead of
//! a string per token.
//!
//! ```text
//! 00 …  Han: one character (its code point) or a pair (first << 32 | second)
//! 10 …  an ASCII word of at most SHORT_WORD bytes, base 37 with digits 1..=36
//! 11 …  a longer word, by its number in a LongWords table
//! ```
//!
//! A key is only an identity: everything written is ordered by the term's
//! text ([`TermText`]), so long-word numbers, which depend on thread timing,
//! never reach the output.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::tokenize::Token;

pub type Key = u64;

const WORD: u64 = 1 << 63;
const LONG: u64 = 3 << 62;
/// 37^11 < 2^62, so short words never set the second tag bit.
const SHORT_WORD: usize = 11;

/// Numbers the words too long to pack. Long words (ID-card numbers, URLs)
/// are rare, so one lock shared by the tokenizing threads costs nothing.
#[derive(Default)]
pub struct LongWords(Mutex<(HashMap<String, u32>, Vec<String>)>);

impl LongWords {
    fn number(&self, word: &str) -> u32 {
        let mut guard = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (numbers, words) = &mut *guard;
        if let Some(&n) = numbers.get(word) {
            return n;
        }
        let n = u32::try_from(words.len()).expect("fewer than 2^32 distinct long words");
        numbers.insert(word.to_string(), n);
        words.push(word.to_string());
        n
    }

    /// The words by number, for [`text`].
    pub fn into_words(self) -> Vec<String> {
        self.0.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).1
    }
}

fn digit(b: u8) -> u64 {
    match b {
        b'0'..=b'9' => u64::from(b - b'0') + 1,
        _ => u64::from(b - b'a') + 11,
    }
}

/// The key of a token.
pub fn key(token: Token<'_>, long: &LongWords) -> Key {
    match token {
        Token::Char(c) => u64::from(c),
        Token::Pair(a, b) => (u64::from(a) << 32) | u64::from(b),
        Token::Word(w) if w.len() <= SHORT_WORD => WORD | w.bytes().fold(0, |k, b| k * 37 + digit(b)),
        Token::Word(w) => LONG | u64::from(long.number(w)),
    }
}

/// Whether `key` numbers a word in a [`LongWords`] table, which only
/// this build's table can decode.
pub fn is_long(key: Key) -> bool {
    key & LONG == LONG
}

/// A term's text, decoded from its key without allocating.
pub enum TermText<'a> {
    Inline([u8; 12], usize),
    Long(&'a str),
}

impl TermText<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            // Only ever filled from chars and ASCII digits/letters.
            TermText::Inline(bytes, len) => std::str::from_utf8(&bytes[..*len]).unwrap_or_default(),
            TermText::Long(s) => s,
        }
    }
}

/// The text of `key`; `long` is [`LongWords::into_words`].
pub fn text(key: Key, long: &[String]) -> TermText<'_> {
    let mut bytes = [0u8; 12];
    if key & LONG == LONG {
        return TermText::Long(long.get((key & !LONG) as usize).map_or("", String::as_str));
    }
    if key & WORD != 0 {
        let mut value = key & !WORD;
        let mut len = 0;
        while value > 0 {
            // Digits are 1..=36, never 0: see `digit`.
            let d = (value % 37) as u8 - 1;
            bytes[len] = if d < 10 { b'0' + d } else { b'a' + (d - 10) };
            value /= 37;
            len += 1;
        }
        bytes[..len].reverse();
        return TermText::Inline(bytes, len);
    }
    let mut len = 0;
    for cp in [key >> 32, key & 0xFFFF_FFFF] {
        if let Some(c) = char::from_u32(cp as u32).filter(|_| cp != 0) {
            len += c.encode_utf8(&mut bytes[len..]).len();
        }
    }
    TermText::Inline(bytes, len)
}

/// Hashes a [`Key`] (or any integer) with the murmur3 finalizer: cheap, and
/// every output bit depends on every input bit, as hashbrown wants.
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

pub fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0 ^ n);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::tokenize::scan;

    #[test]
    fn keys_decode_to_their_tokens() {
        let long = LongWords::default();
        let text_in = "家庭共济 app 2025年 a z9 zzzzzzzzzzz zzzzzzzzzzzz 110101199003074514 0 𠀀〇 ＡＰＰ";
        let mut pairs = Vec::new();
        scan(text_in, &mut String::new(), |t| pairs.push((key(t, &long), t.to_text())));
        let words = long.into_words();
        assert_eq!(words, ["zzzzzzzzzzzz", "110101199003074514"]);
        let mut seen = HashMap::new();
        for (k, t) in &pairs {
            assert_eq!(text(*k, &words).as_str(), t);
            assert_eq!(seen.entry(*k).or_insert(t), &t, "one key per term");
        }
        let distinct: std::collections::HashSet<_> = pairs.iter().map(|p| &p.1).collect();
        assert_eq!(distinct.len(), seen.len());
    }
}
