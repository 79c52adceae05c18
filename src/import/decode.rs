//! Bytes → text for scraped pages: UTF-8 with or without BOM, UTF-16 with
//! a BOM and GBK/GB18030 (decoded and reported), CRLF normalised; binary and oversized files are
//! refused before they can cost memory.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Real pages are about 13 KB; anything this large is not a scraped page.
pub const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;

/// Text decoded from a page file and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Notes worth telling the user (`decoded as GB18030`, `removed BOM`).
    pub notes: Vec<&'static str>,
}

/// Why a file could not be read as a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("empty file, nothing to import")]
    Empty,
    #[error("binary file (contains NUL or control bytes), not a scraped page")]
    Binary,
    #[error("{0} bytes is larger than the {MAX_PAGE_BYTES}-byte limit for one page; split it or check it is a page")]
    TooLarge(u64),
    #[error("not UTF-8 and not GB18030 text")]
    UnknownEncoding,
    #[error("starts with a UTF-16 byte-order mark but is not valid UTF-16; save it as UTF-8")]
    BadUtf16,
}

/// Reads and decodes one page file without reading oversized files whole.
pub fn read_page(path: &Path) -> Result<(Vec<u8>, Decoded), DecodeError> {
    let file = File::open(path).map_err(|err| DecodeError::Io(err.to_string()))?;
    let len = file.metadata().map_err(|err| DecodeError::Io(err.to_string()))?.len();
    if len > MAX_PAGE_BYTES {
        return Err(DecodeError::TooLarge(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_PAGE_BYTES + 1).read_to_end(&mut bytes).map_err(|err| DecodeError::Io(err.to_string()))?;
    if bytes.len() as u64 > MAX_PAGE_BYTES {
        return Err(DecodeError::TooLarge(bytes.len() as u64));
    }
    let decoded = decode(&bytes)?;
    Ok((bytes, decoded))
}

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    // UTF-16 is half NUL bytes: it must be decoded before the binary test.
    let utf16 = [
        (b"\xFF\xFE", encoding_rs::UTF_16LE, "decoded as UTF-16LE"),
        (b"\xFE\xFF", encoding_rs::UTF_16BE, "decoded as UTF-16BE"),
    ];
    for (bom, encoding, note) in utf16 {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                return Err(DecodeError::BadUtf16);
            }
            let mut decoded = decode_text(text.into_owned())?;
            decoded.notes.insert(0, note);
            return Ok(decoded);
        }
    }
    let mut notes = Vec::new();
    let body = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => {
            notes.push("removed UTF-8 BOM");
            rest
        }
        None => bytes,
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Empty);
    }
    if looks_binary(body) {
        return Err(DecodeError::Binary);
    }
    let text = match std::str::from_utf8(body) {
        Ok(text) => text.to_string(),
        Err(_) => {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(body);
            if had_errors {
                return Err(DecodeError::UnknownEncoding);
            }
            notes.push("decoded as GB18030 (GBK)");
            text.into_owned()
        }
    };
    let mut decoded = normalize_line_endings(text);
    notes.append(&mut decoded.notes);
    decoded.notes = notes;
    Ok(decoded)
}

/// Text decoded from UTF-16 gets the checks bytes get: blank text is empty,
/// control characters mean it was never text.
fn decode_text(text: String) -> Result<Decoded, DecodeError> {
    if text.chars().all(char::is_whitespace) {
        return Err(DecodeError::Empty);
    }
    if looks_binary(text.as_bytes()) {
        return Err(DecodeError::Binary);
    }
    Ok(normalize_line_endings(text))
}

fn normalize_line_endings(text: String) -> Decoded {
    if text.contains('\r') {
        Decoded { text: text.replace("\r\n", "\n").replace('\r', "\n"), notes: vec!["converted CRLF line endings"] }
    } else {
        Decoded { text, notes: Vec::new() }
    }
}

/// NUL bytes, or more than 1% C0 control bytes other than whitespace,
/// never occur in text pages but always in images, archives and executables.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(8192)];
    let controls = sample.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C)).count();
    sample.contains(&0) || controls * 100 > sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_gbk_bom_and_crlf() {
        let (gbk, _, _) = encoding_rs::GBK.encode("医保交完不用会清零吗\r\n可以\r\n");
        let decoded = decode(&gbk).unwrap();
        assert_eq!(decoded.text, "医保交完不用会清零吗\n可以\n");
        assert!(decoded.notes.contains(&"decoded as GB18030 (GBK)"));
        let decoded = decode("\u{feff}标题\n".as_bytes()).unwrap();
        assert_eq!(decoded.text, "标题\n");
    }

    #[test]
    fn decodes_utf16_with_either_byte_order_mark() {
        let text = "医保交完不用会清零吗\r\n可以\r\n";
        let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
        for (bytes, note) in [(le, "decoded as UTF-16LE"), (be, "decoded as UTF-16BE")] {
            let decoded = decode(&bytes).unwrap();
            assert_eq!(decoded.text, "医保交完不用会清零吗\n可以\n");
            assert_eq!(decoded.notes, [note, "converted CRLF line endings"]);
        }
        assert_eq!(decode(b"\xFF\xFE\x00\xD8"), Err(DecodeError::BadUtf16), "a lone surrogate");
        assert_eq!(decode(b"\xFF\xFE \x00\n\x00"), Err(DecodeError::Empty));
    }

    #[test]
    fn refuses_empty_and_binary() {
        assert_eq!(decode(b"  \n\n"), Err(DecodeError::Empty));
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Err(DecodeError::Binary));
    }
}
