//! Removing metadata from an uploaded image without re-encoding it: EXIF (with its GPS
//! location), XMP, IPTC and text comments go, the pixels stay byte for byte. The file is
//! streamed from one place to another, never held in memory whole.
//!
//! What is kept on purpose: JFIF, the ICC profile and the Adobe segment of a JPEG, and every
//! PNG or WebP chunk other than metadata, because they change how the pixels look.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::sniff::Kind;

/// Copies `from` to `to` without its metadata; the pixels are untouched. Returns an error for a
/// file that is not well-formed.
pub fn strip(kind: Kind, from: &Path, to: &Path) -> io::Result<()> {
    let mut input = BufReader::new(File::open(from)?);
    let mut output = BufWriter::new(File::create(to)?);
    strip_stream(kind, &mut input, &mut output)?;
    output.flush()
}

/// [`strip`] over any reader and writer; the writer must seek because a WebP's size is
/// patched in its header once known.
pub fn strip_stream<R: BufRead, W: Write + Seek>(
    kind: Kind,
    input: &mut R,
    output: &mut W,
) -> io::Result<()> {
    match kind {
        Kind::Jpeg => strip_jpeg(input, output),
        Kind::Png => strip_png(input, output),
        Kind::Webp => strip_webp(input, output),
        // GIF has no metadata worth the risk of rewriting it; other kinds are not ours to edit.
        Kind::Gif | Kind::Pdf | Kind::Text | Kind::Other => io::copy(input, output).map(drop),
    }
}

fn malformed(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Reads exactly `buf.len()` bytes; a short file is malformed, not merely an I/O failure.
fn read_exact<R: Read>(input: &mut R, buf: &mut [u8], what: &str) -> io::Result<()> {
    input.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => malformed(what),
        _ => e,
    })
}

fn read_byte<R: Read>(input: &mut R, what: &str) -> io::Result<u8> {
    let mut b = [0u8; 1];
    read_exact(input, &mut b, what)?;
    Ok(b[0])
}

/// Copies `n` bytes; a file that ends sooner is malformed.
fn copy_n<R: Read, W: Write>(input: &mut R, output: &mut W, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut input.take(n), output)?;
    if copied == n {
        Ok(())
    } else {
        Err(malformed("the file ends inside a segment"))
    }
}

/// Skips `n` bytes; a file that ends sooner is malformed.
fn skip_n<R: Read>(input: &mut R, n: u64) -> io::Result<()> {
    copy_n(input, &mut io::sink(), n)
}

// ---- JPEG ----

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const COM: u8 = 0xFE;
const TEM: u8 = 0x01;

fn strip_jpeg<R: BufRead, W: Write>(input: &mut R, output: &mut W) -> io::Result<()> {
    let mut soi = [0u8; 2];
    read_exact(input, &mut soi, "not a JPEG")?;
    if soi != [0xFF, SOI] {
        return Err(malformed("not a JPEG"));
    }
    output.write_all(&soi)?;
    let mut scanning = false;
    loop {
        let marker = if scanning {
            match copy_entropy_coded(input, output)? {
                Some(marker) => marker,
                // Cut inside the image data: what is there still shows, keep it.
                None => return Ok(()),
            }
        } else {
            next_marker(input)?
        };
        match marker {
            TEM | 0xD0..=0xD7 => output.write_all(&[0xFF, marker])?,
            EOI if scanning => {
                // Whatever trails the image (a phone's motion-photo video, a second picture
                // with its own EXIF) is not shown and may locate the author: it goes.
                return output.write_all(&[0xFF, EOI]);
            }
            SOI | EOI | 0x00 => return Err(malformed("unexpected JPEG marker")),
            _ => {
                copy_or_drop_segment(input, output, marker)?;
                scanning |= marker == SOS;
            }
        }
    }
}

/// The next marker between segments, skipping its fill bytes.
fn next_marker<R: Read>(input: &mut R) -> io::Result<u8> {
    if read_byte(input, "the JPEG ends before its image data")? != 0xFF {
        return Err(malformed("garbage between JPEG segments"));
    }
    loop {
        let b = read_byte(input, "the JPEG ends before its image data")?;
        if b != 0xFF {
            return Ok(b);
        }
    }
}

fn copy_or_drop_segment<R: Read, W: Write>(
    input: &mut R,
    output: &mut W,
    marker: u8,
) -> io::Result<()> {
    let mut len = [0u8; 2];
    read_exact(input, &mut len, "the JPEG ends inside a segment")?;
    let body = u16::from_be_bytes(len)
        .checked_sub(2)
        .ok_or_else(|| malformed("a JPEG segment shorter than its length"))?;
    // APP2 and APP14 are told apart by their signature, read before deciding.
    let mut signature = [0u8; 12];
    let peeked = match marker {
        0xE2 | 0xEE => usize::from(body).min(signature.len()),
        _ => 0,
    };
    read_exact(
        input,
        &mut signature[..peeked],
        "the JPEG ends inside a segment",
    )?;
    let signature = &signature[..peeked];
    let keep = match marker {
        0xE0 => true,                             // APP0: JFIF
        0xE2 => signature == b"ICC_PROFILE\0",    // colours
        0xEE => signature.starts_with(b"Adobe"),  // colour transform
        0xE1 | 0xE3..=0xED | 0xEF | COM => false, // EXIF, XMP, IPTC, comments, …
        _ => true,                                // tables, frame and scan headers
    };
    let rest = u64::from(body) - signature.len() as u64;
    if keep {
        output.write_all(&[0xFF, marker])?;
        output.write_all(&len)?;
        output.write_all(signature)?;
        copy_n(input, output, rest)
    } else {
        skip_n(input, rest)
    }
}

/// Copies entropy-coded data (with its stuffed zeros and restart markers) up to the next real
/// marker, which is consumed and returned; `None` at the end of the file.
fn copy_entropy_coded<R: BufRead, W: Write>(
    input: &mut R,
    output: &mut W,
) -> io::Result<Option<u8>> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let Some(at) = buf.iter().position(|&b| b == 0xFF) else {
            let n = buf.len();
            output.write_all(buf)?;
            input.consume(n);
            continue;
        };
        output.write_all(&buf[..at])?;
        input.consume(at + 1);
        let marker = loop {
            let mut b = [0u8; 1];
            if input.read(&mut b)? == 0 {
                return Ok(None);
            }
            if b[0] != 0xFF {
                break b[0];
            }
        };
        match marker {
            0x00 | 0xD0..=0xD7 => output.write_all(&[0xFF, marker])?,
            _ => return Ok(Some(marker)),
        }
    }
}

// ---- PNG ----

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
const PNG_METADATA: [&[u8; 4]; 5] = [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];

fn strip_png<R: Read, W: Write>(input: &mut R, output: &mut W) -> io::Result<()> {
    let mut signature = [0u8; 8];
    read_exact(input, &mut signature, "not a PNG")?;
    if &signature != PNG_SIGNATURE {
        return Err(malformed("not a PNG"));
    }
    output.write_all(&signature)?;
    loop {
        let mut header = [0u8; 8];
        read_exact(input, &mut header, "the PNG ends before IEND")?;
        let (len, kind) = header.split_at(4);
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        if len > 0x7FFF_FFFF || !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(malformed("a PNG chunk header is invalid"));
        }
        // The CRC covers the chunk alone, so a kept chunk stays valid as it is.
        let with_crc = u64::from(len) + 4;
        if PNG_METADATA.iter().any(|m| m.as_slice() == kind) {
            skip_n(input, with_crc)?;
        } else {
            output.write_all(&header)?;
            copy_n(input, output, with_crc)?;
        }
        if kind == b"IEND" {
            // Bytes after IEND are not part of the image; they go with the metadata.
            return Ok(());
        }
    }
}

// ---- WebP ----

/// Flags in the first byte of a VP8X chunk that announce metadata chunks.
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

fn strip_webp<R: Read, W: Write + Seek>(input: &mut R, output: &mut W) -> io::Result<()> {
    let mut header = [0u8; 12];
    read_exact(input, &mut header, "not a WebP")?;
    if &header[..4] != b"RIFF" || &header[8..] != b"WEBP" {
        return Err(malformed("not a WebP"));
    }
    let riff_size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    // The size counts "WEBP" and the chunks; anything after them is dropped.
    let mut left = u64::from(riff_size)
        .checked_sub(4)
        .ok_or_else(|| malformed("the WebP is shorter than its header"))?;
    let start = output.stream_position()?;
    output.write_all(&header)?;
    let mut written: u64 = 4;
    while left > 0 {
        let mut chunk = [0u8; 8];
        read_exact(input, &mut chunk, "the WebP ends inside its chunks")?;
        let (fourcc, size) = chunk.split_at(4);
        let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]);
        // Chunk data is padded to an even length.
        let padded = u64::from(size) + u64::from(size & 1);
        left = left
            .checked_sub(8 + padded)
            .ok_or_else(|| malformed("a WebP chunk overruns the file"))?;
        if fourcc == b"EXIF" || fourcc == b"XMP " {
            skip_n(input, padded)?;
            continue;
        }
        output.write_all(&chunk)?;
        if fourcc == b"VP8X" && padded > 0 {
            let flags = read_byte(input, "the WebP ends inside its chunks")?;
            output.write_all(&[flags & !(VP8X_EXIF | VP8X_XMP)])?;
            copy_n(input, output, padded - 1)?;
        } else {
            copy_n(input, output, padded)?;
        }
        written += 8 + padded;
    }
    let size = u32::try_from(written).map_err(|_| malformed("the WebP is too large"))?;
    let end = output.stream_position()?;
    output.seek(SeekFrom::Start(start + 4))?;
    output.write_all(&size.to_le_bytes())?;
    output.seek(SeekFrom::Start(end))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};

    use super::*;

    fn stripped(kind: Kind, file: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Cursor::new(Vec::new());
        strip_stream(kind, &mut Cursor::new(file), &mut out)?;
        Ok(out.into_inner())
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn gradient(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 16) as u8, (y * 16) as u8, ((x + y) * 8) as u8])
        })
    }

    fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn jpeg_segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len() + 2).unwrap();
        let mut segment = vec![0xFF, marker];
        segment.extend_from_slice(&len.to_be_bytes());
        segment.extend_from_slice(body);
        segment
    }

    fn jpeg_with_metadata() -> (Vec<u8>, Vec<u8>) {
        let plain = encode(
            &DynamicImage::ImageRgb8(gradient(16, 16)),
            ImageFormat::Jpeg,
        );
        let mut file = plain[..2].to_vec();
        file.extend(jpeg_segment(0xE1, b"Exif\0\0II*\0GPSLatitude 48.85"));
        file.extend(jpeg_segment(COM, b"shot at home"));
        file.extend(jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01fake profile"));
        file.extend(jpeg_segment(0xED, b"Photoshop 3.0\08BIM by-line"));
        // Fill bytes before a marker are legal and must not confuse the walk.
        file.extend_from_slice(&[0xFF, 0xFF]);
        file.extend_from_slice(&plain[2..]);
        (plain, file)
    }

    #[test]
    fn jpeg_loses_exif_comments_and_iptc_but_keeps_its_pixels() {
        let (plain, file) = jpeg_with_metadata();
        let out = stripped(Kind::Jpeg, &file).unwrap();
        assert!(out.starts_with(&[0xFF, 0xD8]));
        assert!(!contains(&out, b"GPSLatitude"));
        assert!(!contains(&out, b"shot at home"));
        assert!(!contains(&out, b"8BIM"));
        assert!(contains(&out, b"ICC_PROFILE\0\x01\x01fake profile"));
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (16, 16));
        assert_eq!(decoded, image::load_from_memory(&plain).unwrap());
    }

    #[test]
    fn jpeg_without_metadata_is_unchanged() {
        let plain = encode(
            &DynamicImage::ImageRgb8(gradient(16, 16)),
            ImageFormat::Jpeg,
        );
        assert_eq!(stripped(Kind::Jpeg, &plain).unwrap(), plain);
    }

    #[test]
    fn jpeg_loses_what_trails_the_image() {
        let plain = encode(
            &DynamicImage::ImageRgb8(gradient(16, 16)),
            ImageFormat::Jpeg,
        );
        let mut file = plain.clone();
        file.extend_from_slice(b"MotionPhoto_Data GPSLatitude");
        assert_eq!(stripped(Kind::Jpeg, &file).unwrap(), plain);
    }

    #[test]
    fn jpeg_restart_markers_and_stuffed_bytes_are_image_data() {
        let mut file = vec![0xFF, SOI];
        file.extend(jpeg_segment(0xDB, &[0; 65]));
        file.extend(jpeg_segment(SOS, &[1, 1, 0, 0, 63, 0]));
        let scan = [
            0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD1, 0x78,
        ];
        file.extend_from_slice(&scan);
        file.extend(jpeg_segment(COM, b"between scans"));
        file.extend(jpeg_segment(SOS, &[1, 1, 0, 0, 63, 0]));
        file.extend_from_slice(&[0x9A, 0xFF, EOI]);
        let out = stripped(Kind::Jpeg, &file).unwrap();
        let mut expected = vec![0xFF, SOI];
        expected.extend(jpeg_segment(0xDB, &[0; 65]));
        expected.extend(jpeg_segment(SOS, &[1, 1, 0, 0, 63, 0]));
        expected.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD1, 0x78]);
        expected.extend(jpeg_segment(SOS, &[1, 1, 0, 0, 63, 0]));
        expected.extend_from_slice(&[0x9A, 0xFF, EOI]);
        assert_eq!(out, expected);
    }

    #[test]
    fn truncated_jpeg_headers_are_invalid() {
        let (_, file) = jpeg_with_metadata();
        for cut in [1, 3, 5, 20] {
            let err = stripped(Kind::Jpeg, &file[..cut]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "cut at {cut}");
        }
        let err = stripped(Kind::Jpeg, b"\xFF\xD8\x00\x01").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let err = stripped(Kind::Jpeg, b"\xFF\xD8\xFF\xE0\x00\x01").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        chunk.extend_from_slice(kind);
        chunk.extend_from_slice(data);
        chunk.extend_from_slice(&crc32(&chunk[4..]).to_be_bytes());
        chunk
    }

    #[test]
    fn png_loses_exif_and_text_but_keeps_its_pixels() {
        let image = DynamicImage::ImageRgba8(RgbaImage::from_fn(16, 16, |x, y| {
            image::Rgba([x as u8 * 16, y as u8 * 16, 7, 200])
        }));
        let plain = encode(&image, ImageFormat::Png);
        // After the signature and IHDR (8 + 25 bytes).
        let mut file = plain[..33].to_vec();
        file.extend(png_chunk(b"eXIf", b"II*\0GPSLatitude 48.85"));
        file.extend(png_chunk(b"tEXt", b"Author\0Someone at home"));
        file.extend(png_chunk(b"tIME", &[7, 233, 1, 2, 3, 4, 5]));
        file.extend_from_slice(&plain[33..]);
        assert_eq!(image::load_from_memory(&file).unwrap(), image);

        let out = stripped(Kind::Png, &file).unwrap();
        assert!(!contains(&out, b"GPSLatitude"));
        assert!(!contains(&out, b"Someone"));
        assert!(!contains(&out, b"tIME"));
        assert_eq!(out, plain);
        assert_eq!(image::load_from_memory(&out).unwrap(), image);
    }

    #[test]
    fn truncated_png_is_invalid() {
        let plain = encode(&DynamicImage::ImageRgb8(gradient(16, 16)), ImageFormat::Png);
        for cut in [4, 20, plain.len() - 5] {
            let err = stripped(Kind::Png, &plain[..cut]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "cut at {cut}");
        }
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut file = b"RIFF".to_vec();
        file.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_le_bytes());
        file.extend_from_slice(b"WEBP");
        file.extend(body);
        file
    }

    fn webp_chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = fourcc.to_vec();
        chunk.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        chunk.extend_from_slice(data);
        if data.len() % 2 == 1 {
            chunk.push(0);
        }
        chunk
    }

    /// A lossless WebP's chunks after the RIFF header: the single VP8L.
    fn lossless_webp(image: &DynamicImage) -> Vec<u8> {
        encode(image, ImageFormat::WebP)[12..].to_vec()
    }

    #[test]
    fn plain_webp_is_unchanged() {
        let image = DynamicImage::ImageRgb8(gradient(16, 16));
        let plain = encode(&image, ImageFormat::WebP);
        let out = stripped(Kind::Webp, &plain).unwrap();
        assert_eq!(out, plain);
        assert_eq!(
            image::load_from_memory(&out).unwrap().to_rgb8(),
            image.to_rgb8()
        );
    }

    #[test]
    fn extended_webp_loses_exif_and_xmp_and_their_flags() {
        let image = DynamicImage::ImageRgba8(RgbaImage::from_fn(16, 16, |x, y| {
            image::Rgba([x as u8 * 16, y as u8 * 16, 7, 200])
        }));
        let vp8l = lossless_webp(&image);
        // Flags: alpha (0x10), EXIF and XMP; canvas 16×16 stored minus one, 24-bit LE.
        let vp8x = |flags: u8| webp_chunk(b"VP8X", &[flags, 0, 0, 0, 15, 0, 0, 15, 0, 0]);
        let file = riff(&[
            vp8x(0x10 | VP8X_EXIF | VP8X_XMP),
            vp8l.clone(),
            webp_chunk(b"EXIF", b"II*\0GPSLatitude 48.85"),
            webp_chunk(b"XMP ", b"<x:xmpmeta>Someone</x:xmpmeta>"),
        ]);
        assert_eq!(image::load_from_memory(&file).unwrap(), image);

        let out = stripped(Kind::Webp, &file).unwrap();
        assert!(!contains(&out, b"GPSLatitude"));
        assert!(!contains(&out, b"Someone"));
        assert_eq!(out, riff(&[vp8x(0x10), vp8l]));
        assert_eq!(image::load_from_memory(&out).unwrap(), image);
    }

    #[test]
    fn webp_whose_chunks_overrun_it_is_invalid() {
        let plain = encode(
            &DynamicImage::ImageRgb8(gradient(16, 16)),
            ImageFormat::WebP,
        );
        let err = stripped(Kind::Webp, &plain[..plain.len() - 3]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let err = stripped(Kind::Webp, b"RIFF\x02\0\0\0WEBP").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn gif_is_copied_as_is() {
        let gif = encode(&DynamicImage::ImageRgb8(gradient(4, 4)), ImageFormat::Gif);
        assert_eq!(stripped(Kind::Gif, &gif).unwrap(), gif);
    }

    #[test]
    fn strip_goes_from_one_path_to_another() {
        let (_, file) = jpeg_with_metadata();
        let dir = std::env::temp_dir();
        let unique = format!(
            "agora-strip-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        );
        let from = dir.join(format!("{unique}-in.jpg"));
        let to = dir.join(format!("{unique}-out.jpg"));
        std::fs::write(&from, &file).unwrap();
        let result = strip(Kind::Jpeg, &from, &to);
        let out = std::fs::read(&to);
        let _ = std::fs::remove_file(&from);
        let _ = std::fs::remove_file(&to);
        result.unwrap();
        let out = out.unwrap();
        assert!(!contains(&out, b"GPSLatitude"));
        assert_eq!(image::load_from_memory(&out).unwrap().width(), 16);
    }
}
