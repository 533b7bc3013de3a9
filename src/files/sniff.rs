//! What the bytes say a file is. The content type a client sends is never trusted: the type we
//! store and serve comes from here, and only the image kinds are ever shown inline.

/// The kinds of file we tell apart; everything else is served as an opaque download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Pdf,
    Text,
    Other,
}

impl Kind {
    /// From the first bytes of a file (up to 8 KiB; fewer when the file is shorter).
    pub fn sniff(head: &[u8]) -> Kind {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Kind::Jpeg
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Kind::Png
        } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            Kind::Gif
        } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
            Kind::Webp
        } else if head.starts_with(b"%PDF-") {
            Kind::Pdf
        } else if is_text(head) {
            Kind::Text
        } else {
            Kind::Other
        }
    }

    /// The type we serve it as.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Text => "text/plain; charset=utf-8",
            Kind::Other => "application/octet-stream",
        }
    }

    /// Back from a stored content type (inverse of [`Kind::content_type`]; unknown → Other).
    pub fn from_content_type(s: &str) -> Kind {
        // Only the essence decides, so "text/plain;charset=UTF-8" reads back the same.
        let essence = s.split(';').next().unwrap_or_default().trim();
        let known = [
            Kind::Jpeg,
            Kind::Png,
            Kind::Gif,
            Kind::Webp,
            Kind::Pdf,
            Kind::Text,
        ];
        known
            .into_iter()
            .find(|kind| {
                let ours = kind.content_type().split(';').next().unwrap_or_default();
                ours.eq_ignore_ascii_case(essence)
            })
            .unwrap_or(Kind::Other)
    }

    /// Images a browser may show inline on our origin: JPEG, PNG, GIF, WebP. Never SVG, which
    /// can carry script and sniffs as text.
    pub fn is_image(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Gif | Kind::Webp)
    }
}

/// UTF-8 without control characters other than tab, newlines and form feed.
fn is_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        // The head may stop in the middle of a character: an incomplete sequence at the very
        // end is not evidence of binary. Any other invalid byte is.
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(s) => s,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    !valid.is_empty()
        && valid
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_magic_numbers() {
        assert_eq!(Kind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Kind::Jpeg);
        assert_eq!(Kind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Kind::Png);
        assert_eq!(Kind::sniff(b"GIF87a\x01\0\x01\0"), Kind::Gif);
        assert_eq!(Kind::sniff(b"GIF89a\x01\0\x01\0"), Kind::Gif);
        assert_eq!(Kind::sniff(b"RIFF\x24\0\0\0WEBPVP8L"), Kind::Webp);
        assert!(Kind::Webp.is_image());
    }

    #[test]
    fn riff_that_is_not_webp_is_other() {
        assert_eq!(Kind::sniff(b"RIFF\x24\0\0\0WAVEfmt "), Kind::Other);
        assert_eq!(Kind::sniff(b"RIFF\x24\0\0"), Kind::Other);
    }

    #[test]
    fn pdf_is_pdf_not_text() {
        assert_eq!(Kind::sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), Kind::Pdf);
        assert_eq!(Kind::sniff(b"%PDF-1.4\n1 0 obj\n"), Kind::Pdf);
        assert!(!Kind::Pdf.is_image());
    }

    #[test]
    fn utf8_is_text() {
        assert_eq!(
            Kind::sniff("héllo\tworld\r\n\x0cpage".as_bytes()),
            Kind::Text
        );
    }

    #[test]
    fn a_character_cut_at_the_end_of_the_head_is_still_text() {
        let mut head = "prix: 5 ".as_bytes().to_vec();
        head.extend_from_slice(&"€".as_bytes()[..2]);
        assert_eq!(Kind::sniff(&head), Kind::Text);
    }

    #[test]
    fn an_invalid_byte_in_the_middle_is_not_text() {
        assert_eq!(Kind::sniff(b"abc\xE2\x82def"), Kind::Other);
        assert_eq!(Kind::sniff(b"abc\xFFdef"), Kind::Other);
    }

    #[test]
    fn binary_with_nul_or_controls_is_other() {
        assert_eq!(Kind::sniff(b"abc\0def"), Kind::Other);
        assert_eq!(Kind::sniff(b"abc\x1b[31mred"), Kind::Other);
        assert_eq!(
            Kind::sniff(&[0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]),
            Kind::Other
        );
    }

    #[test]
    fn html_and_svg_are_only_text() {
        let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
        assert_eq!(Kind::sniff(html), Kind::Text);
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>";
        assert_eq!(Kind::sniff(svg), Kind::Text);
        assert!(!Kind::Text.is_image());
        assert_eq!(Kind::Text.content_type(), "text/plain; charset=utf-8");
    }

    #[test]
    fn empty_is_other() {
        assert_eq!(Kind::sniff(b""), Kind::Other);
        assert_eq!(Kind::sniff(&"€".as_bytes()[..1]), Kind::Other);
    }

    #[test]
    fn content_types_read_back() {
        for kind in [
            Kind::Jpeg,
            Kind::Png,
            Kind::Gif,
            Kind::Webp,
            Kind::Pdf,
            Kind::Text,
            Kind::Other,
        ] {
            assert_eq!(Kind::from_content_type(kind.content_type()), kind);
        }
        assert_eq!(
            Kind::from_content_type("text/plain;charset=UTF-8"),
            Kind::Text
        );
        assert_eq!(Kind::from_content_type("image/svg+xml"), Kind::Other);
        assert_eq!(Kind::from_content_type("text/html"), Kind::Other);
        assert_eq!(Kind::from_content_type(""), Kind::Other);
    }
}
