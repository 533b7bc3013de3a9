//! The words of a file, for search: the start of a text file, the text of a PDF's first
//! pages. A file whose text cannot be read is still kept; it is only not searched inside.

use std::io::Read;
use std::path::Path;

use super::sniff::Kind;

/// Text kept of one file, at most, in bytes.
const MAX_TEXT: usize = 256 * 1024;
/// PDF pages read, at most.
const MAX_PAGES: u32 = 50;
/// Decompressed content of one PDF page, at most: a guard against compression bombs.
const MAX_PAGE_CONTENT: usize = 8 * 1024 * 1024;

/// The searchable text of the file at `path`, of sniffed `kind`, if it has any.
pub fn extract(path: &Path, kind: Kind) -> Option<String> {
    let text = match kind {
        Kind::Text => {
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .ok()?
                .take(MAX_TEXT as u64)
                .read_to_end(&mut bytes)
                .ok()?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        // A parser facing hostile bytes: a panic in it loses the text, never the upload.
        Kind::Pdf => std::panic::catch_unwind(|| pdf_text(path)).ok().flatten()?,
        _ => return None,
    };
    let text: String = text.replace('\0', "").chars().take(MAX_TEXT).collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

fn pdf_text(path: &Path) -> Option<String> {
    let document = lopdf::Document::load(path).ok()?;
    let pages: Vec<u32> = document
        .get_pages()
        .keys()
        .copied()
        .take(MAX_PAGES as usize)
        .collect();
    let mut text = String::new();
    for chunk in document.extract_text_chunks_with_limit(&pages, MAX_PAGE_CONTENT) {
        if let Ok(chunk) = chunk {
            text.push_str(&chunk);
            text.push(' ');
        }
        if text.len() > MAX_TEXT {
            break;
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF saying `words`, made with lopdf as a word processor would.
    fn pdf_saying(words: &str) -> Vec<u8> {
        use lopdf::content::{Content, Operation};
        use lopdf::{Document, Object, Stream, dictionary};
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
        });
        let resources_id = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => font_id },
        });
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 24.into()]),
                Operation::new("Td", vec![100.into(), 600.into()]),
                Operation::new("Tj", vec![Object::string_literal(words)]),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
                "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    }

    fn written(bytes: &[u8]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        file
    }

    #[test]
    fn a_pdf_and_a_text_file_give_their_words() {
        let pdf = written(&pdf_saying("Quarterly roadmap zebrafish"));
        let text = extract(pdf.path(), Kind::Pdf).unwrap();
        assert!(text.contains("zebrafish"), "{text}");
        let plain = written("line one\n\nline\ttwo".as_bytes());
        assert_eq!(
            extract(plain.path(), Kind::Text).unwrap(),
            "line one line two"
        );
    }

    #[test]
    fn a_damaged_pdf_or_an_image_gives_nothing() {
        let broken = written(b"%PDF-1.5\n garbage without an end");
        assert_eq!(extract(broken.path(), Kind::Pdf), None);
        let png = written(b"\x89PNG\r\n\x1a\n");
        assert_eq!(extract(png.path(), Kind::Png), None);
    }
}
