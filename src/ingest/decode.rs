//! Byte decoding: BOMs, UTF-8 (lossy when almost valid), declared HTML
//! charsets, chardetng detection for GB18030/GBK/Big5, and binary sniffing.

use encoding_rs::{Encoding, UTF_8};

/// Text decoded from an input file.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// The decoded text, BOM removed.
    pub text: String,
    /// Name of the encoding used.
    pub encoding: &'static str,
    /// Set when some bytes could not be decoded (first bad byte offset).
    pub warning: Option<String>,
}

/// Names a binary format from its magic bytes.
fn magic(bytes: &[u8]) -> Option<&'static str> {
    const SIGS: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\x89PNG", "PNG image"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"\x1F\x8B", "gzip data"),
        (b"PK\x03\x04", "zip archive"),
        (b"%PDF-", "PDF document"),
        (b"\x7FELF", "ELF executable"),
        (b"7z\xBC\xAF\x27\x1C", "7z archive"),
        (b"\xFD7zXZ\x00", "xz data"),
        (b"BZh", "bzip2 data"),
        (b"\x28\xB5\x2F\xFD", "zstd data"),
        (b"SQLite format 3\x00", "SQLite database"),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "OLE2 (old MS Office) document",
        ),
        (b"RIFF", "RIFF media"),
        (b"\x00\x00\x01\x00", "ICO image"),
        (b"wOFF", "web font"),
        (b"wOF2", "web font"),
    ];
    for (sig, name) in SIGS {
        if bytes.starts_with(sig) {
            // "BZh" and "RIFF" could begin a text file; require a binary byte soon after.
            if (*sig == b"BZh" || *sig == b"RIFF")
                && !bytes.iter().take(64).any(|&b| b < 0x09 || b == 0x7F)
            {
                continue;
            }
            return Some(name);
        }
    }
    None
}

/// Why the bytes look binary, if they do.
fn binary_reason(bytes: &[u8]) -> Option<String> {
    if let Some(kind) = magic(bytes) {
        return Some(format!("binary file ({kind})"));
    }
    let head = &bytes[..bytes.len().min(8192)];
    let nul = head.iter().filter(|&&b| b == 0).count();
    if nul > 0 {
        return Some(format!(
            "binary file ({nul} NUL bytes in the first {} bytes)",
            head.len()
        ));
    }
    let ctrl = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C | 0x1B))
        .count();
    if head.len() >= 16 && ctrl * 20 > head.len() {
        return Some(format!(
            "binary file ({ctrl} control bytes in the first {} bytes)",
            head.len()
        ));
    }
    None
}

/// The charset declared in the first 4 KiB of an HTML document
/// (`<meta charset=…>` or `content="…; charset=…"`).
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let mut i = from + pos + b"charset".len();
        while i < lower.len() && matches!(lower[i], b' ' | b'=' | b'"' | b'\'') {
            i += 1;
        }
        let start = i;
        while i < lower.len()
            && (lower[i].is_ascii_alphanumeric() || matches!(lower[i], b'-' | b'_'))
        {
            i += 1;
        }
        if i > start {
            if let Some(enc) = Encoding::for_label(&lower[start..i]) {
                return Some(enc);
            }
        }
        from = i.max(from + pos + 1);
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Counts invalid UTF-8 sequences and valid multi-byte characters, and
/// returns the byte offset of the first invalid sequence.
fn utf8_stats(bytes: &[u8]) -> (usize, usize, Option<usize>) {
    let mut invalid = 0;
    let mut multibyte = 0;
    let mut first_bad = None;
    let mut offset = 0;
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            invalid += 1;
            first_bad.get_or_insert(offset);
            offset += chunk.invalid().len();
        }
    }
    (invalid, multibyte, first_bad)
}

fn decode_with(enc: &'static Encoding, bytes: &[u8]) -> Decoded {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc.name(),
        warning: had_errors.then(|| format!("some bytes were not valid {}", enc.name())),
    }
}

/// Decodes file bytes to text. `html` enables the `<meta charset>` prescan.
/// Errors are reasons for an [`crate::IngestError`] ("binary file (…)").
pub(crate) fn decode(bytes: &[u8], html: bool) -> Result<Decoded, String> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let mut d = decode_with(enc, &bytes[bom_len..]);
        if enc == UTF_8 {
            if let (_, _, Some(bad)) = utf8_stats(&bytes[bom_len..]) {
                d.warning = Some(format!("invalid UTF-8 at byte {}", bad + bom_len));
            }
        }
        return Ok(d);
    }
    if let Some(reason) = binary_reason(bytes) {
        return Err(reason);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: s.to_string(),
            encoding: "UTF-8",
            warning: None,
        });
    }
    let (invalid, multibyte, first_bad) = utf8_stats(bytes);
    // Mostly valid UTF-8 with a few bad bytes: keep it as UTF-8. (Text in
    // a legacy CJK encoding almost never holds valid UTF-8 multi-byte
    // characters, so one bad sequence per 8 good characters is safe.)
    if multibyte >= 8 * invalid {
        return Ok(Decoded {
            text: String::from_utf8_lossy(bytes).into_owned(),
            encoding: "UTF-8",
            warning: Some(format!("invalid UTF-8 at byte {}", first_bad.unwrap_or(0))),
        });
    }
    if html {
        if let Some(enc) = declared_charset(bytes).filter(|&e| e != UTF_8) {
            let d = decode_with(enc, bytes);
            if d.warning.is_none() {
                return Ok(d);
            }
        }
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
    let enc = det.guess(None, false);
    // GBK text is decoded with the GB18030 superset decoder.
    let enc = if enc == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        enc
    };
    Ok(decode_with(enc, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets() {
        let s = "疫情防控工作领导小组会议在石家庄召开。";
        let (gb, _, _) = encoding_rs::GB18030.encode(s);
        let d = decode(&gb, false).unwrap();
        assert_eq!(d.text, s);
        let mut bad = s.as_bytes().to_vec();
        bad.insert(6, 0xFF);
        let d = decode(&bad, false).unwrap();
        assert_eq!(d.warning.as_deref(), Some("invalid UTF-8 at byte 6"));
        assert!(decode(b"\x89PNG\r\n\x1a\nabc", false)
            .unwrap_err()
            .contains("PNG"));
        let html = b"<meta charset=\"gb2312\"><p>\xd2\xdf\xc7\xe9</p>";
        assert!(decode(html, true).unwrap().text.contains("疫情"));
    }
}
