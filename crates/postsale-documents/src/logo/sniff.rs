//! File type detection from the leading bytes of an upload, independent of its name or declared
//! content type.

use std::fmt;

/// The kind of file that the leading bytes of an upload identify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectedFormat {
    Png,
    Jpeg,
    Gif,
    WebP,
    Bmp,
    Tiff,
    /// HEIF, HEIC or AVIF: an ISO base media file with an image brand.
    Heif,
    Pdf,
    /// Text that starts with `<` after optional whitespace and byte order mark: SVG or other XML.
    SvgOrXml,
    /// An empty upload.
    Empty,
    Unknown,
}

impl DetectedFormat {
    /// Returns whether logos of this format are accepted.
    pub fn is_supported(self) -> bool {
        matches!(self, DetectedFormat::Png | DetectedFormat::Jpeg)
    }
}

impl fmt::Display for DetectedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            DetectedFormat::Png => "a PNG image",
            DetectedFormat::Jpeg => "a JPEG image",
            DetectedFormat::Gif => "a GIF image",
            DetectedFormat::WebP => "a WebP image",
            DetectedFormat::Bmp => "a BMP image",
            DetectedFormat::Tiff => "a TIFF image",
            DetectedFormat::Heif => "a HEIF/AVIF image",
            DetectedFormat::Pdf => "a PDF document",
            DetectedFormat::SvgOrXml => "SVG or XML text",
            DetectedFormat::Empty => "an empty file",
            DetectedFormat::Unknown => "of an unknown type",
        };
        f.write_str(name)
    }
}

/// Identifies a file by its magic number.
pub fn detect_format(bytes: &[u8]) -> DetectedFormat {
    if bytes.is_empty() {
        return DetectedFormat::Empty;
    }

    let magic: &[(&[u8], DetectedFormat)] = &[
        (b"\x89PNG\r\n\x1a\n", DetectedFormat::Png),
        (b"\xff\xd8\xff", DetectedFormat::Jpeg),
        (b"GIF87a", DetectedFormat::Gif),
        (b"GIF89a", DetectedFormat::Gif),
        (b"BM", DetectedFormat::Bmp),
        (b"II*\0", DetectedFormat::Tiff),
        (b"MM\0*", DetectedFormat::Tiff),
        (b"%PDF-", DetectedFormat::Pdf),
    ];
    if let Some((_, format)) = magic.iter().find(|(prefix, _)| bytes.starts_with(prefix)) {
        return *format;
    }

    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return DetectedFormat::WebP;
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && is_heif_brand(&bytes[8..12]) {
        return DetectedFormat::Heif;
    }
    if starts_like_markup(bytes) {
        return DetectedFormat::SvgOrXml;
    }
    DetectedFormat::Unknown
}

fn is_heif_brand(brand: &[u8]) -> bool {
    let brands: [&[u8]; 7] = [
        b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif", b"avis",
    ];
    brands.contains(&brand)
}

/// Checks whether the bytes are text whose first non-blank character is `<`, after an optional UTF-8
/// byte order mark. SVG files, XML and HTML all start this way.
fn starts_like_markup(bytes: &[u8]) -> bool {
    let without_bom = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = without_bom.iter().find(|byte| !byte.is_ascii_whitespace());
    first == Some(&b'<')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_magic_number() {
        let cases: &[(&[u8], DetectedFormat)] = &[
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", DetectedFormat::Png),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", DetectedFormat::Jpeg),
            (b"GIF89a\x01\0\x01\0", DetectedFormat::Gif),
            (b"RIFF\x24\0\0\0WEBPVP8 ", DetectedFormat::WebP),
            (b"BM\x36\0\0\0", DetectedFormat::Bmp),
            (b"II*\0\x08\0\0\0", DetectedFormat::Tiff),
            (b"\0\0\0\x1cftypavif\0\0\0\0", DetectedFormat::Heif),
            (b"%PDF-1.7\n", DetectedFormat::Pdf),
            (b"\xef\xbb\xbf  \n<svg xmlns=", DetectedFormat::SvgOrXml),
            (b"<?xml version=\"1.0\"?>", DetectedFormat::SvgOrXml),
            (b"", DetectedFormat::Empty),
            (b"hello", DetectedFormat::Unknown),
        ];
        for (bytes, expected) in cases {
            assert_eq!(detect_format(bytes), *expected, "bytes {bytes:?}");
        }
    }

    #[test]
    fn only_png_and_jpeg_are_supported() {
        assert!(DetectedFormat::Png.is_supported());
        assert!(DetectedFormat::Jpeg.is_supported());
        assert!(!DetectedFormat::Gif.is_supported());
        assert!(!DetectedFormat::SvgOrXml.is_supported());
    }
}
