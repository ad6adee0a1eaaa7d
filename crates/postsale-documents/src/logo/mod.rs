//! Store logo processing: format detection by magic number, pixel limits checked before
//! decoding, optional edits, metadata removal by re-encoding, and reduction to a byte limit.

mod edit;
mod encode;
mod error;
mod sniff;

use std::io::Cursor;

use image::error::{LimitError, LimitErrorKind};
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

pub use edit::{CropRect, LogoEdit, Rotation, Zoom};
pub use error::LogoError;
pub use sniff::{DetectedFormat, detect_format};

/// Limits applied to a logo upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogoLimits {
    /// Largest upload accepted, in bytes.
    pub max_input_bytes: usize,
    /// Largest stored logo, in bytes. Larger results are re-encoded and then scaled down.
    pub max_output_bytes: usize,
    /// Largest width times height that is decoded, checked on the header before decoding.
    pub max_pixels: u64,
    /// Largest width or height, in pixels.
    pub max_side: u32,
    /// Largest memory the decoder may allocate, in bytes.
    pub max_decoder_alloc: u64,
}

impl Default for LogoLimits {
    /// 25 MiB uploads, 3 MiB logos, 40 megapixels, 20,000 pixels on a side and 192 MiB of
    /// decoder memory: enough for 40 megapixels of RGBA with 8-bit samples (160 MB), not for
    /// 16-bit samples, which need twice that. Decoding is followed by conversions that copy the
    /// image, so the decoder memory is a fraction of what one upload takes.
    fn default() -> Self {
        LogoLimits {
            max_input_bytes: 25 * 1024 * 1024,
            max_output_bytes: 3 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side: 20_000,
            max_decoder_alloc: 192 * 1024 * 1024,
        }
    }
}

/// The image format of a stored logo. It is the format of the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
}

impl LogoFormat {
    /// Returns the media type for a `Content-Type` header.
    pub fn content_type(self) -> &'static str {
        match self {
            LogoFormat::Png => "image/png",
            LogoFormat::Jpeg => "image/jpeg",
        }
    }
}

/// A processed logo, ready to store and serve.
#[derive(Clone, PartialEq, Eq)]
pub struct Logo {
    /// The re-encoded image. It never contains the uploaded bytes or their metadata.
    pub bytes: Vec<u8>,
    pub format: LogoFormat,
    pub width: u32,
    pub height: u32,
    /// Lowercase hex SHA-256 of `bytes`, without the quotes an `ETag` header adds.
    pub etag: String,
}

impl Logo {
    /// Returns the media type for a `Content-Type` header.
    pub fn content_type(&self) -> &'static str {
        self.format.content_type()
    }
}

impl std::fmt::Debug for Logo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logo")
            .field("bytes", &self.bytes.len())
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("etag", &self.etag)
            .finish()
    }
}

/// Validates, edits and re-encodes an uploaded logo.
///
/// The format is taken from the bytes alone. The declared size is checked against `limits`
/// before any pixel is decoded, so an image that declares 50,000 x 50,000 pixels is rejected
/// after reading its header. EXIF orientation is applied, then all metadata is dropped by
/// re-encoding.
pub fn process_logo(
    bytes: &[u8],
    edit: Option<LogoEdit>,
    limits: &LogoLimits,
) -> Result<Logo, LogoError> {
    if bytes.len() > limits.max_input_bytes {
        return Err(LogoError::FileTooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    let (detected, format) = supported_format(bytes)?;
    if detected == DetectedFormat::Jpeg && !jpeg_has_end(bytes) {
        return Err(LogoError::TruncatedJpeg);
    }

    check_declared_size(bytes, detected, limits)?;
    let mut image = decode(bytes, detected, limits)?;

    if let Some(edit) = edit {
        image = edit::apply_edit(image, &edit, limits.max_pixels, limits.max_side)?;
    }

    let encoded = encode::encode_within(image, format, limits.max_output_bytes)?;
    let etag = hex::encode(Sha256::digest(&encoded.bytes));
    Ok(Logo {
        bytes: encoded.bytes,
        format,
        width: encoded.width,
        height: encoded.height,
        etag,
    })
}

fn supported_format(bytes: &[u8]) -> Result<(DetectedFormat, LogoFormat), LogoError> {
    let detected = detect_format(bytes);
    match detected {
        DetectedFormat::Png => Ok((detected, LogoFormat::Png)),
        DetectedFormat::Jpeg => Ok((detected, LogoFormat::Jpeg)),
        _ => Err(LogoError::UnsupportedFormat { detected }),
    }
}

/// Returns whether a JPEG file reaches its end-of-image marker (`FF D9`) by its own structure:
/// each segment by its length (metadata and thumbnails included), and each scan's image data
/// up to the next marker. The decoder fills the rest of a file cut short with grey and
/// reports nothing. Bytes after the end marker, which some cameras add, do not count.
///
/// NOTE: a file cut short to which a tool appended `FF D9` passes. Telling it apart needs a
/// count of the blocks that the decoder read, and the decoder does not report one.
fn jpeg_has_end(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut at = 2;
    loop {
        // A marker is 0xFF, any number of fill 0xFF bytes, then its code.
        if bytes.get(at) != Some(&0xFF) {
            return false;
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&code) = bytes.get(at) else {
            return false;
        };
        at += 1;
        match code {
            0xD9 => return true,
            // Markers without a length: restart markers and TEM.
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 | 0x00 => return false,
            _ => {}
        }
        let Some(length) = bytes.get(at..at + 2) else {
            return false;
        };
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        if length < 2 || at + length > bytes.len() {
            return false;
        }
        at += length;
        if code == 0xDA {
            // Image data runs to the next marker. In it, 0xFF is followed by 0x00 (a data
            // byte), a restart marker or a fill byte.
            loop {
                match bytes.get(at..at + 2) {
                    None => return false,
                    Some([0xFF, 0x00 | 0xD0..=0xD7]) => at += 2,
                    Some([0xFF, 0xFF]) => at += 1,
                    Some([0xFF, _]) => break,
                    Some(_) => at += 1,
                }
            }
        }
    }
}

/// Builds a reader for the bytes and checks that the `image` crate's own guess agrees with the
/// magic number.
fn reader<'b>(
    bytes: &'b [u8],
    detected: DetectedFormat,
    limits: &LogoLimits,
) -> Result<ImageReader<Cursor<&'b [u8]>>, LogoError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| LogoError::Corrupt {
            format: detected,
            source: error.into(),
        })?;

    let agrees = matches!(
        (reader.format(), detected),
        (Some(ImageFormat::Png), DetectedFormat::Png)
            | (Some(ImageFormat::Jpeg), DetectedFormat::Jpeg)
    );
    if !agrees {
        return Err(LogoError::UnsupportedFormat {
            detected: DetectedFormat::Unknown,
        });
    }

    reader.limits(decoder_limits(limits));
    Ok(reader)
}

fn decoder_limits(limits: &LogoLimits) -> Limits {
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    decoder_limits.max_alloc = Some(limits.max_decoder_alloc);
    decoder_limits
}

/// Reads the width and height from the header alone and rejects images above the limits.
fn check_declared_size(
    bytes: &[u8],
    detected: DetectedFormat,
    limits: &LogoLimits,
) -> Result<(), LogoError> {
    let mut unlimited = reader(bytes, detected, limits)?;
    unlimited.no_limits();

    let (width, height) = unlimited.into_dimensions().map_err(|source| match source {
        // The PNG decoder refuses to read the header of an image too large to address.
        ImageError::Limits(_) => LogoError::DecoderLimit {
            limit: limits.max_decoder_alloc,
            source,
        },
        source => LogoError::Corrupt {
            format: detected,
            source,
        },
    })?;

    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(LogoError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    if width > limits.max_side || height > limits.max_side {
        return Err(LogoError::SideTooLong {
            width,
            height,
            limit: limits.max_side,
        });
    }
    Ok(())
}

/// Decodes the pixels under the decoder limits and applies the EXIF orientation, so a photo
/// taken sideways still shows upright once its metadata is gone.
fn decode(
    bytes: &[u8],
    detected: DetectedFormat,
    limits: &LogoLimits,
) -> Result<DynamicImage, LogoError> {
    let corrupt = |source| match source {
        ImageError::Limits(_) => LogoError::DecoderLimit {
            limit: limits.max_decoder_alloc,
            source,
        },
        source => LogoError::Corrupt {
            format: detected,
            source,
        },
    };

    let mut decoder = reader(bytes, detected, limits)?
        .into_decoder()
        .map_err(corrupt)?;
    // The decoders apply the memory limit to their own buffers, not to the image they decode
    // into, which is allocated whole before the first row is read.
    if decoder.total_bytes() > limits.max_decoder_alloc {
        return Err(corrupt(ImageError::Limits(LimitError::from_kind(
            LimitErrorKind::InsufficientMemory,
        ))));
    }
    let orientation = decoder.orientation().map_err(corrupt)?;

    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok(image)
}
