//! Bytes → text for scraped pages: UTF-8 with or without BOM, GBK/GB18030
//! (decoded and reported), CRLF normalised; binary and oversized files are
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
    let text = if text.contains('\r') {
        notes.push("converted CRLF line endings");
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    Ok(Decoded { text, notes })
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
    fn refuses_empty_and_binary() {
        assert_eq!(decode(b"  \n\n"), Err(DecodeError::Empty));
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Err(DecodeError::Binary));
    }
}
