//! Re-encoding of a decoded logo, lowering JPEG quality and then the size in steps until the
//! file fits the byte limit.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{ColorType, DynamicImage};

use super::LogoFormat;
use super::error::LogoError;

/// JPEG qualities tried at full size, best first. The last one is also used for scaled copies.
const JPEG_QUALITIES: [u8; 4] = [90, 80, 70, 60];

/// How many times the image may be scaled down before giving up.
const MAX_SCALE_STEPS: usize = 12;

/// An encoded logo and the size of the image it holds.
pub(crate) struct Encoded {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Encodes `image` as `format` in at most `max_bytes`: first at full size (PNG at the best
/// compression, JPEG at falling quality), then scaled down in steps keeping the aspect ratio.
pub(crate) fn encode_within(
    image: DynamicImage,
    format: LogoFormat,
    max_bytes: usize,
) -> Result<Encoded, LogoError> {
    let mut image = prepare_for(image, format);

    let mut bytes = encode_full_size(&image, format, max_bytes)?;
    if bytes.len() <= max_bytes {
        return Ok(Encoded {
            bytes,
            width: image.width(),
            height: image.height(),
        });
    }

    let quality = JPEG_QUALITIES[JPEG_QUALITIES.len() - 1];
    if format == LogoFormat::Png && is_sixteen_bit(&image) {
        image = to_eight_bit(image);
        bytes = encode(&image, format, quality)?;
    }

    for _ in 0..MAX_SCALE_STEPS {
        if bytes.len() <= max_bytes {
            return Ok(Encoded {
                bytes,
                width: image.width(),
                height: image.height(),
            });
        }

        let (width, height) = scaled_size(image.width(), image.height(), bytes.len(), max_bytes);
        image = image.resize_exact(width, height, FilterType::Triangle);
        bytes = encode(&image, format, quality)?;
    }

    if bytes.len() <= max_bytes {
        return Ok(Encoded {
            bytes,
            width: image.width(),
            height: image.height(),
        });
    }
    Err(LogoError::CannotReduce {
        limit: max_bytes,
        smallest: bytes.len(),
    })
}

/// Converts the pixels to a layout the encoder accepts: JPEG has no alpha channel and no
/// 16-bit samples, PNG takes every layout the decoders produce.
fn prepare_for(image: DynamicImage, format: LogoFormat) -> DynamicImage {
    match (format, image.color()) {
        (LogoFormat::Png, _) | (LogoFormat::Jpeg, ColorType::L8 | ColorType::Rgb8) => image,
        (LogoFormat::Jpeg, ColorType::L16 | ColorType::La8 | ColorType::La16) => {
            DynamicImage::ImageLuma8(image.to_luma8())
        }
        (LogoFormat::Jpeg, _) => DynamicImage::ImageRgb8(image.to_rgb8()),
    }
}

fn encode_full_size(
    image: &DynamicImage,
    format: LogoFormat,
    max_bytes: usize,
) -> Result<Vec<u8>, LogoError> {
    if format == LogoFormat::Png {
        return encode(image, format, 0);
    }

    let lowest = JPEG_QUALITIES[JPEG_QUALITIES.len() - 1];
    let mut bytes = encode(image, format, JPEG_QUALITIES[0])?;
    for quality in &JPEG_QUALITIES[1..] {
        if bytes.len() <= max_bytes {
            break;
        }

        // A file more than twice the limit skips straight to the lowest quality, assuming that
        // the steps between cannot close that gap and would only cost encoding time.
        let far_off = bytes.len() / 2 > max_bytes;
        let quality = if far_off { lowest } else { *quality };
        bytes = encode(image, format, quality)?;
        if quality == lowest {
            break;
        }
    }
    Ok(bytes)
}

/// Encodes without any metadata: neither encoder is given EXIF, XMP or an ICC profile.
/// `jpeg_quality` is ignored for PNG.
// NOTE: dropping the ICC profile shifts the colours of a logo saved in a wide-gamut profile such
// as Display P3, because viewers then assume sRGB.
fn encode(
    image: &DynamicImage,
    format: LogoFormat,
    jpeg_quality: u8,
) -> Result<Vec<u8>, LogoError> {
    let mut bytes = Vec::new();
    let result = match format {
        LogoFormat::Png => {
            let encoder = PngEncoder::new_with_quality(
                &mut bytes,
                CompressionType::Best,
                PngFilter::Adaptive,
            );
            image.write_with_encoder(encoder)
        }
        LogoFormat::Jpeg => {
            let encoder = JpegEncoder::new_with_quality(&mut bytes, jpeg_quality);
            image.write_with_encoder(encoder)
        }
    };
    result.map_err(LogoError::Encode)?;
    Ok(bytes)
}

fn is_sixteen_bit(image: &DynamicImage) -> bool {
    matches!(
        image.color(),
        ColorType::L16 | ColorType::La16 | ColorType::Rgb16 | ColorType::Rgba16
    )
}

fn to_eight_bit(image: DynamicImage) -> DynamicImage {
    match image.color() {
        ColorType::L16 => DynamicImage::ImageLuma8(image.to_luma8()),
        ColorType::La16 => DynamicImage::ImageLumaA8(image.to_luma_alpha8()),
        ColorType::Rgb16 => DynamicImage::ImageRgb8(image.to_rgb8()),
        _ => DynamicImage::ImageRgba8(image.to_rgba8()),
    }
}

/// Picks the next, smaller size. The file size of a photo or of noise grows roughly with the
/// pixel count, so each side is scaled by the square root of the byte ratio, with a margin.
/// Each step shrinks a side by at least 5% and at most 70%.
fn scaled_size(width: u32, height: u32, bytes: usize, max_bytes: usize) -> (u32, u32) {
    let ratio = max_bytes as f64 / bytes as f64;
    let factor = (ratio.sqrt() * 0.95).clamp(0.3, 0.95);

    let scale = |side: u32| ((f64::from(side) * factor).round() as u32).max(1);
    (scale(width), scale(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_size_keeps_aspect_ratio() {
        let (width, height) = scaled_size(3000, 1000, 10_000_000, 3_000_000);
        let aspect = f64::from(width) / f64::from(height);
        assert!((aspect - 3.0).abs() < 0.01, "{width} x {height}");
        assert!(width < 3000);
    }

    #[test]
    fn scaled_size_always_shrinks() {
        let (width, height) = scaled_size(100, 100, 3_000_001, 3_000_000);
        assert_eq!((width, height), (95, 95));
        assert_eq!(scaled_size(1, 1, 10, 1), (1, 1));
    }

    #[test]
    fn jpeg_gets_no_alpha_channel() {
        let image = DynamicImage::new_rgba8(4, 4);
        let encoded = encode_within(image, LogoFormat::Jpeg, 1_000_000).unwrap();
        let decoded = image::load_from_memory(&encoded.bytes).unwrap();
        assert_eq!(decoded.color(), ColorType::Rgb8);
    }
}
