//! Renditions of an uploaded image: a thumbnail, a medium size and, when the camera recorded
//! a rotation, the full image turned upright. Decoding is bounded before any pixel is
//! allocated, so a small file that claims to be enormous (a decompression bomb) is refused
//! from its header. The outputs are freshly encoded and so carry no metadata.

use std::borrow::Cow;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader};

use super::sniff::Kind;

/// Bounds on what an image may decode to: a guard against decompression bombs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Width × height, as the header declares it.
    pub max_pixels: u64,
    /// Bytes the decoder may allocate, the decoded pixels included.
    pub max_alloc: u64,
}

/// One generated size.
#[derive(Debug)]
pub struct Rendition {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// What [`renditions`] makes of one image.
#[derive(Debug)]
pub struct Renditions {
    /// Width of the image as shown, after its EXIF orientation is applied.
    pub width: u32,
    /// Height of the image as shown, after its EXIF orientation is applied.
    pub height: u32,
    /// Fits in 480×480 (never enlarged).
    pub thumb: Rendition,
    /// Fits in 1600×1600 (never enlarged).
    pub medium: Rendition,
    /// Set when the original carries an EXIF orientation other than "normal": the full-size
    /// image re-encoded upright, to serve instead of the original (stripping metadata would
    /// otherwise lose the orientation and show it sideways).
    pub upright: Option<Rendition>,
}

/// Why no renditions could be made.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("the image is {width}×{height}, more than {max} pixels")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("the image could not be read: {0}")]
    Unreadable(String),
}

const THUMB_BOX: u32 = 480;
const MEDIUM_BOX: u32 = 1600;
const JPEG_QUALITY: u8 = 82;

/// Decodes the image at `path` (of sniffed `kind`, an image kind) within `limits` and makes its
/// renditions.
pub fn renditions(path: &Path, kind: Kind, limits: Limits) -> Result<Renditions, ImageError> {
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Gif => ImageFormat::Gif,
        Kind::Webp => ImageFormat::WebP,
        Kind::Pdf | Kind::Text | Kind::Other => {
            return Err(ImageError::Unreadable(format!("{kind:?} is not an image")));
        }
    };
    let mut image_limits = image::Limits::default();
    // A side longer than the pixel budget is over it whatever the other side; the decoder
    // checks this itself, so a header that lies to us cannot lie to it.
    let longest = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    image_limits.max_image_width = Some(longest);
    image_limits.max_image_height = Some(longest);
    image_limits.max_alloc = Some(limits.max_alloc);

    let mut reader = reader(path, format)?;
    reader.limits(image_limits.clone());
    let mut decoder = match reader.into_decoder() {
        Ok(decoder) => decoder,
        Err(image::ImageError::Limits(e)) => return Err(over_limits(path, format, limits, e)),
        Err(e) => return Err(unreadable(e)),
    };
    let (width, height) = decoder.dimensions();
    check_pixels(width, height, limits)?;
    // As `ImageReader::decode` does: the decoded buffer counts against the allocation budget.
    image_limits
        .reserve(decoder.total_bytes())
        .map_err(unreadable)?;
    decoder.set_limits(image_limits).map_err(unreadable)?;
    // A damaged EXIF block should not cost the image itself: it is then shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);

    let image = &image;
    std::thread::scope(|scope| {
        // Encoding the full-size image is the slowest step, and phones mark most portrait
        // photos as rotated: it runs beside the resizing rather than after it.
        let upright = match orientation {
            Orientation::NoTransforms => None,
            _ => Some(scope.spawn(|| encode(image))),
        };
        let medium_image = fit(image, MEDIUM_BOX);
        // The thumbnail comes from the medium size: the same picture at a fraction of the work.
        let thumb_image = fit(&medium_image, THUMB_BOX);
        let thumb = encode(&thumb_image)?;
        let medium = encode(&medium_image)?;
        let upright = match upright {
            None => None,
            Some(handle) => Some(
                handle
                    .join()
                    .map_err(|_| unreadable("the encoder panicked"))??,
            ),
        };
        Ok(Renditions {
            width: image.width(),
            height: image.height(),
            thumb,
            medium,
            upright,
        })
    })
}

fn reader(path: &Path, format: ImageFormat) -> Result<ImageReader<BufReader<File>>, ImageError> {
    let file = File::open(path).map_err(unreadable)?;
    Ok(ImageReader::with_format(BufReader::new(file), format))
}

fn check_pixels(width: u32, height: u32, limits: Limits) -> Result<(), ImageError> {
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        });
    }
    Ok(())
}

/// The decoder refused the header on its limits; reads the dimensions again without ours to
/// say which limit it was.
fn over_limits(
    path: &Path,
    format: ImageFormat,
    limits: Limits,
    refusal: image::error::LimitError,
) -> ImageError {
    let dimensions = reader(path, format).map(|r| r.into_dimensions());
    match dimensions {
        Ok(Ok((width, height))) => match check_pixels(width, height, limits) {
            Err(too_many) => too_many,
            Ok(()) => unreadable(refusal),
        },
        _ => unreadable(refusal),
    }
}

fn unreadable(e: impl std::fmt::Display) -> ImageError {
    ImageError::Unreadable(e.to_string())
}

/// Scaled down to fit in a `side`×`side` box, keeping its proportions; never enlarged.
fn fit(image: &DynamicImage, side: u32) -> Cow<'_, DynamicImage> {
    if image.width() <= side && image.height() <= side {
        Cow::Borrowed(image)
    } else {
        Cow::Owned(image.resize(side, side, FilterType::Triangle))
    }
}

/// PNG when the image has an alpha channel, which JPEG cannot carry; JPEG otherwise.
fn encode(image: &DynamicImage) -> Result<Rendition, ImageError> {
    let (width, height) = (image.width(), image.height());
    let mut bytes = Vec::new();
    let content_type = if image.color().has_alpha() {
        let rgba = match image.as_rgba8() {
            Some(rgba) => Cow::Borrowed(rgba),
            None => Cow::Owned(image.to_rgba8()),
        };
        PngEncoder::new(&mut bytes)
            .write_image(
                rgba.as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgba8,
            )
            .map_err(unreadable)?;
        "image/png"
    } else {
        let rgb = match image.as_rgb8() {
            Some(rgb) => Cow::Borrowed(rgb),
            None => Cow::Owned(image.to_rgb8()),
        };
        JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
            .write_image(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
            .map_err(unreadable)?;
        "image/jpeg"
    };
    Ok(Rendition {
        bytes,
        content_type,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::path::PathBuf;

    use image::{RgbImage, RgbaImage};

    use super::*;

    const ROOMY: Limits = Limits {
        max_pixels: 50_000_000,
        max_alloc: 1 << 30,
    };

    /// A file in the temp directory, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, bytes: &[u8]) -> TempFile {
            let unique = format!("agora-images-{}-{name}", std::process::id());
            let path = std::env::temp_dir().join(unique);
            std::fs::write(&path, bytes).unwrap();
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn encode_as(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn photo(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8])
        }))
    }

    fn decoded(rendition: &Rendition) -> DynamicImage {
        let image = image::load_from_memory(&rendition.bytes).unwrap();
        assert_eq!(
            (image.width(), image.height()),
            (rendition.width, rendition.height)
        );
        image
    }

    #[test]
    fn an_image_with_alpha_gets_png_renditions_that_fit_their_boxes() {
        let image = DynamicImage::ImageRgba8(RgbaImage::from_fn(2000, 1000, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 9, (x % 200) as u8])
        }));
        let file = TempFile::new("alpha.png", &encode_as(&image, ImageFormat::Png));
        let made = renditions(&file.0, Kind::Png, ROOMY).unwrap();
        assert_eq!((made.width, made.height), (2000, 1000));
        assert_eq!((made.thumb.width, made.thumb.height), (480, 240));
        assert_eq!((made.medium.width, made.medium.height), (1600, 800));
        assert_eq!(made.thumb.content_type, "image/png");
        assert_eq!(made.medium.content_type, "image/png");
        assert!(decoded(&made.thumb).color().has_alpha());
        decoded(&made.medium);
        assert!(made.upright.is_none());
    }

    #[test]
    fn a_small_jpeg_is_not_enlarged() {
        let file = TempFile::new("small.jpg", &encode_as(&photo(100, 50), ImageFormat::Jpeg));
        let made = renditions(&file.0, Kind::Jpeg, ROOMY).unwrap();
        assert_eq!((made.width, made.height), (100, 50));
        for rendition in [&made.thumb, &made.medium] {
            assert_eq!((rendition.width, rendition.height), (100, 50));
            assert_eq!(rendition.content_type, "image/jpeg");
            assert!(rendition.bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
            decoded(rendition);
        }
        assert!(made.upright.is_none());
    }

    #[test]
    fn gif_and_webp_are_read_too() {
        for (name, format, kind) in [
            ("small.gif", ImageFormat::Gif, Kind::Gif),
            ("small.webp", ImageFormat::WebP, Kind::Webp),
        ] {
            let image = DynamicImage::ImageRgba8(photo(600, 300).to_rgba8());
            let file = TempFile::new(name, &encode_as(&image, format));
            let made = renditions(&file.0, kind, ROOMY).unwrap();
            assert_eq!((made.thumb.width, made.thumb.height), (480, 240), "{name}");
            assert_eq!(
                (made.medium.width, made.medium.height),
                (600, 300),
                "{name}"
            );
        }
    }

    #[test]
    fn too_many_pixels_are_refused_from_the_header() {
        let black = DynamicImage::ImageLuma8(image::GrayImage::new(5000, 5000));
        let file = TempFile::new("bomb.png", &encode_as(&black, ImageFormat::Png));
        // Far less than the 25 MB the pixels would take: refused before decoding.
        let limits = Limits {
            max_pixels: 1_000_000,
            max_alloc: 1 << 20,
        };
        let err = renditions(&file.0, Kind::Png, limits).unwrap_err();
        assert!(
            matches!(
                err,
                ImageError::TooManyPixels {
                    width: 5000,
                    height: 5000,
                    max: 1_000_000
                }
            ),
            "{err:?}"
        );
        // One side alone over the budget is caught by the decoder's own limits, and still
        // reported as too many pixels.
        let limits = Limits {
            max_pixels: 4000,
            max_alloc: 1 << 20,
        };
        let err = renditions(&file.0, Kind::Png, limits).unwrap_err();
        assert!(
            matches!(err, ImageError::TooManyPixels { max: 4000, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn decoding_beyond_the_allocation_budget_is_refused() {
        let file = TempFile::new(
            "budget.png",
            &encode_as(&photo(1000, 1000), ImageFormat::Png),
        );
        let limits = Limits {
            max_pixels: 10_000_000,
            max_alloc: 1_000_000,
        };
        let err = renditions(&file.0, Kind::Png, limits).unwrap_err();
        assert!(matches!(err, ImageError::Unreadable(_)), "{err:?}");
    }

    #[test]
    fn a_jpeg_cut_in_its_headers_is_unreadable() {
        let jpeg = encode_as(&photo(300, 200), ImageFormat::Jpeg);
        for cut in [3, 10, 100] {
            let file = TempFile::new(&format!("cut-{cut}.jpg"), &jpeg[..cut]);
            let made = renditions(&file.0, Kind::Jpeg, ROOMY);
            assert!(
                matches!(made, Err(ImageError::Unreadable(_))),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_jpeg_cut_in_its_image_data_shows_what_arrived() {
        // As in a browser: the rows that arrived are decoded, the rest is left grey.
        let jpeg = encode_as(&photo(300, 200), ImageFormat::Jpeg);
        let file = TempFile::new("cut-half.jpg", &jpeg[..jpeg.len() / 2]);
        let made = renditions(&file.0, Kind::Jpeg, ROOMY).unwrap();
        assert_eq!((made.medium.width, made.medium.height), (300, 200));
    }

    #[test]
    fn something_that_is_not_an_image_is_unreadable() {
        let file = TempFile::new("text.txt", b"hello");
        let err = renditions(&file.0, Kind::Text, ROOMY).unwrap_err();
        assert!(matches!(err, ImageError::Unreadable(_)));
        let err = renditions(&file.0, Kind::Png, ROOMY).unwrap_err();
        assert!(matches!(err, ImageError::Unreadable(_)));
    }

    /// An APP1 EXIF segment whose only entry is Orientation = 6 ("rotate 90° clockwise").
    fn exif_rotated_90() -> Vec<u8> {
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes()); // first IFD right after the header
        tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
        tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_le_bytes()); // one value
        tiff.extend_from_slice(&[6, 0, 0, 0]); // the value, padded to four bytes
        tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        let mut body = b"Exif\0\0".to_vec();
        body.extend(tiff);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        segment.extend(body);
        segment
    }

    #[test]
    fn a_rotated_photo_is_shown_upright() {
        let jpeg = encode_as(&photo(200, 100), ImageFormat::Jpeg);
        let mut file = jpeg[..2].to_vec();
        file.extend(exif_rotated_90());
        file.extend_from_slice(&jpeg[2..]);
        let file = TempFile::new("rotated.jpg", &file);
        let made = renditions(&file.0, Kind::Jpeg, ROOMY).unwrap();
        assert_eq!((made.width, made.height), (100, 200));
        assert_eq!((made.medium.width, made.medium.height), (100, 200));
        let upright = made.upright.unwrap();
        assert_eq!((upright.width, upright.height), (100, 200));
        assert_eq!(upright.content_type, "image/jpeg");
        // Re-encoded, so the rotation is in the pixels and no EXIF is left to apply it twice.
        let shown = decoded(&upright);
        assert!(!upright.bytes.windows(4).any(|w| w == b"Exif"));
        // The first column of the original (dark, x = 0) became the top row.
        let top = shown.to_rgb8().get_pixel(50, 0).0;
        let bottom = shown.to_rgb8().get_pixel(50, 199).0;
        assert!(top[0] < 20 && bottom[0] > 180, "{top:?} {bottom:?}");
    }
}
