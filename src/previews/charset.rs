//! The text of a fetched page, decoded the way browsers pick its encoding: a byte order mark,
//! else the charset the server named, else a `<meta>` in the first 1024 bytes, else UTF-8.
//! This is the HTML standard's sniffing without its guessing from statistics. Decoding never
//! fails: bytes that are not text in the chosen encoding become U+FFFD.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

/// How far into a page the `<meta>` prescan looks, as in the HTML standard.
const PRESCAN: usize = 1024;

/// `body` as text, its byte order mark removed.
pub fn decode<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    // `decode` lets a byte order mark win over the encoding given, as the standard wants.
    sniff(body, content_type).decode(body).0
}

/// The encoding `body` is in.
fn sniff(body: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return encoding;
    }
    content_type
        .and_then(label_in)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| prescan(body))
        .unwrap_or(UTF_8)
}

/// The encoding a `<meta charset>` or `<meta http-equiv="Content-Type">` near the start of
/// `body` names.
fn prescan(body: &[u8]) -> Option<&'static Encoding> {
    let start = &body[..body.len().min(PRESCAN)];
    // windows-1252 turns every byte into one character, so the ASCII of the tags reads the
    // same whatever the page's real encoding.
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(start);
    let label = super::head::scan(&text).charset?;
    let encoding = Encoding::for_label(label.as_bytes())?;
    // A `<meta>` readable as ASCII is not in UTF-16, and x-user-defined is no encoding for a
    // page: the standard reads such pages as UTF-8 and windows-1252.
    Some(if encoding == UTF_16BE || encoding == UTF_16LE {
        UTF_8
    } else if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        encoding
    })
}

/// The label after `charset=` in a Content-Type value (`text/html; charset="utf-8"`), by the
/// HTML standard's "extracting a character encoding from a meta element", which serves for the
/// header too.
pub fn label_in(value: &str) -> Option<&str> {
    const SPACE: &[char] = &[' ', '\t', '\n', '\x0C', '\r'];
    // Lower-casing ASCII keeps every byte where it was, so offsets hold in `value`.
    let lower = value.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let at = from + lower[from..].find("charset")? + "charset".len();
        let Some(rest) = value[at..].trim_start_matches(SPACE).strip_prefix('=') else {
            from = at;
            continue;
        };
        let rest = rest.trim_start_matches(SPACE);
        let label = match rest.chars().next()? {
            quote @ ('"' | '\'') => {
                let inner = &rest[1..];
                &inner[..inner.find(quote)?]
            }
            _ => rest.split(|c| c == ';' || SPACE.contains(&c)).next()?,
        };
        return (!label.is_empty()).then_some(label);
    }
}

#[cfg(test)]
mod tests {
    use encoding_rs::{SHIFT_JIS, WINDOWS_1251};

    use super::*;

    #[test]
    fn charset_labels_are_found_in_content_types() {
        assert_eq!(label_in("text/html; charset=UTF-8"), Some("UTF-8"));
        assert_eq!(label_in("text/html;CharSet = \"koi8-r\""), Some("koi8-r"));
        assert_eq!(label_in("text/html; charset='latin1'; x=y"), Some("latin1"));
        assert_eq!(label_in("text/html; charset=utf-8;foo"), Some("utf-8"));
        assert_eq!(label_in("text/html; charsetx; charset=sjis"), Some("sjis"));
        assert_eq!(label_in("text/html"), None);
        assert_eq!(label_in("text/html; charset="), None);
        assert_eq!(label_in("text/html; charset=\"utf-8"), None);
        assert_eq!(label_in("ÿ charset=é"), Some("é"));
    }

    #[test]
    fn a_byte_order_mark_wins_over_everything() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend_from_slice("<meta charset=windows-1251>été".as_bytes());
        let text = decode(&body, Some("text/html; charset=windows-1251"));
        assert_eq!(text, "<meta charset=windows-1251>été");
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let page = "<title>Ünïcode</title>";
        let mut little = vec![0xFF, 0xFE];
        little.extend(page.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&little, None), page);
        let mut big = vec![0xFE, 0xFF];
        big.extend(page.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&big, Some("text/html; charset=utf-8")), page);
    }

    #[test]
    fn the_header_charset_wins_over_the_meta() {
        let (body, _, _) = WINDOWS_1251.encode("<meta charset=\"shift_jis\">Привет");
        assert_eq!(
            decode(&body, Some("text/html; charset=windows-1251")),
            "<meta charset=\"shift_jis\">Привет"
        );
    }

    #[test]
    fn a_meta_charset_is_honoured_without_a_header_charset() {
        let (body, _, _) = SHIFT_JIS.encode("<html><head><meta charset=Shift_JIS>日本語");
        assert!(decode(&body, Some("text/html")).ends_with("日本語"));
        let (body, _, _) = WINDOWS_1251.encode(
            "<!doctype html><meta http-equiv=\"Content-Type\" \
             content=\"text/html; charset=windows-1251\"><p>Привет",
        );
        assert!(decode(&body, None).ends_with("Привет"));
    }

    #[test]
    fn a_meta_in_a_comment_or_too_far_in_is_ignored() {
        let (body, _, _) = WINDOWS_1251.encode("<!-- <meta charset=windows-1251> -->Привет");
        assert!(!decode(&body, None).contains("Привет"));
        let late = format!(
            "<!-- {} --><meta charset=windows-1251>Привет",
            "x".repeat(PRESCAN)
        );
        let (body, _, _) = WINDOWS_1251.encode(&late);
        assert!(!decode(&body, None).contains("Привет"));
    }

    #[test]
    fn unknown_or_utf16_meta_labels_fall_back_to_utf8() {
        let body = "<meta charset=klingon>été".as_bytes();
        assert!(decode(body, None).ends_with("été"));
        let body = "<meta charset=utf-16le>été".as_bytes();
        assert!(decode(body, None).ends_with("été"));
        let body = b"<meta charset=x-user-defined>\xE9";
        assert!(decode(body, Some("text/html; charset=bogus")).ends_with('é'));
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        assert_eq!(
            decode(b"ok \xFF\xFE\xC3", None),
            "ok \u{FFFD}\u{FFFD}\u{FFFD}"
        );
        assert_eq!(decode(b"", None), "");
    }
}
