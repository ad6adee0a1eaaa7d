//! Logo processing against real and hostile uploads: size reduction, rejected formats,
//! truncated files, oversized headers, metadata removal and edits.

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use postsale_documents::logo::{
    CropRect, DetectedFormat, LogoEdit, LogoError, LogoFormat, LogoLimits, Rotation, Zoom,
    process_logo,
};

/// Upper bound for rejecting a hostile file. The measured times are far lower; the bound only
/// catches a decoder that starts allocating or decoding pixels.
const REJECT_WITHIN: Duration = Duration::from_millis(200);

/// Generates an image of pseudo-random pixels, which PNG cannot compress.
fn noise_image(width: u32, height: u32) -> RgbImage {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [r, g, b, ..] = state.to_le_bytes();
        image::Rgb([r, g, b])
    })
}

fn png_bytes(image: &DynamicImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoder = PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Sub);
    image.write_with_encoder(encoder).unwrap();
    bytes
}

fn jpeg_bytes(image: &DynamicImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 90))
        .unwrap();
    bytes
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// Builds a PNG whose IHDR declares `width` x `height` RGBA pixels, with a correct CRC, followed by a
/// tiny IDAT and IEND. Only the header is valid; decoding the pixels would fail.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    png_declaring_depth(width, height, 8)
}

/// Like [`png_declaring`], with `bits` per sample (8 or 16).
fn png_declaring_depth(width: u32, height: u32, bits: u8) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bits, 6, 0, 0, 0]);

    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    for chunk in [
        ihdr,
        b"IDATx\x9c\x03\0\0\0\0\x01".to_vec(),
        b"IEND".to_vec(),
    ] {
        bytes.extend_from_slice(&(chunk.len() as u32 - 4).to_be_bytes());
        bytes.extend_from_slice(&chunk);
        bytes.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    bytes
}

/// Builds a little-endian TIFF structure for an APP1 Exif segment: IFD0 contains the orientation and a
/// pointer to a GPS IFD with latitude 51° 30' 0" N and longitude 0° 7' 0" W.
fn exif_tiff(orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value);
    }
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let gps_ifd: u32 = 8 + 2 + 2 * 12 + 4;
    let gps_data = gps_ifd + 2 + 4 * 12 + 4;

    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&2u16.to_le_bytes());
    let [low, high] = orientation.to_le_bytes();
    entry(&mut tiff, 0x0112, SHORT, 1, [low, high, 0, 0]);
    entry(&mut tiff, 0x8825, LONG, 1, gps_ifd.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());

    tiff.extend_from_slice(&4u16.to_le_bytes());
    entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, RATIONAL, 3, gps_data.to_le_bytes());
    entry(&mut tiff, 0x0003, ASCII, 2, *b"W\0\0\0");
    entry(
        &mut tiff,
        0x0004,
        RATIONAL,
        3,
        (gps_data + 24).to_le_bytes(),
    );
    tiff.extend_from_slice(&0u32.to_le_bytes());

    for (numerator, denominator) in [(51, 1), (30, 1), (0, 1), (0, 1), (7, 1), (0, 1)] {
        tiff.extend_from_slice(&u32::to_le_bytes(numerator));
        tiff.extend_from_slice(&u32::to_le_bytes(denominator));
    }
    tiff
}

/// Inserts an APP1 Exif segment right after the JPEG's SOI marker.
fn splice_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(tiff);

    let mut bytes = jpeg[..2].to_vec();
    bytes.extend_from_slice(&[0xff, 0xe1]);
    bytes.extend_from_slice(&(segment.len() as u16 + 2).to_be_bytes());
    bytes.extend_from_slice(&segment);
    bytes.extend_from_slice(&jpeg[2..]);
    bytes
}

fn exif_of(bytes: &[u8]) -> Option<Vec<u8>> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .unwrap();
    reader.into_decoder().unwrap().exif_metadata().unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Runs `process_logo` on a hostile file, checks that it fails within `REJECT_WITHIN` and
/// prints the time taken.
fn reject(name: &str, bytes: &[u8]) -> LogoError {
    let started = Instant::now();
    let result = process_logo(bytes, None, &LogoLimits::default());
    let elapsed = started.elapsed();
    println!("{name}: rejected in {elapsed:?}");

    let err = result.expect_err(name);
    assert!(elapsed < REJECT_WITHIN, "{name} took {elapsed:?}");
    err
}

#[test]
fn large_noise_png_is_reduced_to_limit() {
    let image = DynamicImage::ImageRgb8(noise_image(1400, 1250));
    let upload = png_bytes(&image);
    assert!(
        upload.len() > 5 * 1024 * 1024,
        "upload is only {} bytes",
        upload.len()
    );

    let started = Instant::now();
    let logo = process_logo(&upload, None, &LogoLimits::default()).unwrap();
    println!(
        "{} bytes reduced to {} in {:?}",
        upload.len(),
        logo.bytes.len(),
        started.elapsed()
    );

    assert!(
        logo.bytes.len() <= 3 * 1024 * 1024,
        "{} bytes",
        logo.bytes.len()
    );
    assert_eq!(logo.format, LogoFormat::Png);
    let decoded = image::load_from_memory(&logo.bytes).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (logo.width, logo.height)
    );
    assert!(logo.width < 1400);

    let expected_height = f64::from(logo.width) * 1250.0 / 1400.0;
    assert!(
        (f64::from(logo.height) - expected_height).abs() <= 1.0,
        "{logo:?}"
    );
}

#[test]
fn large_noise_jpeg_is_reduced_to_limit() {
    let image = DynamicImage::ImageRgb8(noise_image(2000, 1300));
    let upload = jpeg_bytes(&image);
    assert!(
        upload.len() > 3 * 1024 * 1024,
        "upload is only {} bytes",
        upload.len()
    );

    let started = Instant::now();
    let logo = process_logo(&upload, None, &LogoLimits::default()).unwrap();
    println!(
        "{} bytes reduced to {} in {:?}",
        upload.len(),
        logo.bytes.len(),
        started.elapsed()
    );

    assert!(
        logo.bytes.len() <= 3 * 1024 * 1024,
        "{} bytes",
        logo.bytes.len()
    );
    assert_eq!(logo.content_type(), "image/jpeg");
    let decoded = image::load_from_memory(&logo.bytes).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (logo.width, logo.height)
    );
}

#[test]
fn sixteen_bit_png_drops_to_eight_bits_first() {
    let noise = noise_image(1000, 700);
    let wide = image::ImageBuffer::from_fn(1000, 700, |x, y| {
        let [r, g, b] = noise.get_pixel(x, y).0;
        image::Rgba([
            u16::from(r) * 257,
            u16::from(g) * 257,
            u16::from(b) * 257,
            65535,
        ])
    });
    let upload = png_bytes(&DynamicImage::ImageRgba16(wide));
    assert!(
        upload.len() > 3 * 1024 * 1024,
        "upload is only {} bytes",
        upload.len()
    );

    let logo = process_logo(&upload, None, &LogoLimits::default()).unwrap();

    assert!(
        logo.bytes.len() <= 3 * 1024 * 1024,
        "{} bytes",
        logo.bytes.len()
    );
    assert_eq!((logo.width, logo.height), (1000, 700));
    let decoded = image::load_from_memory(&logo.bytes).unwrap();
    assert_eq!(decoded.color(), image::ColorType::Rgba8);
}

#[test]
fn small_logo_keeps_size_and_gets_etag() {
    let upload = png_bytes(&DynamicImage::ImageRgb8(noise_image(40, 30)));

    let logo = process_logo(&upload, None, &LogoLimits::default()).unwrap();

    assert_eq!((logo.width, logo.height), (40, 30));
    assert_eq!(logo.etag.len(), 64);
    assert!(logo.etag.bytes().all(|byte| byte.is_ascii_hexdigit()));
    let again = process_logo(&upload, None, &LogoLimits::default()).unwrap();
    assert_eq!(logo.etag, again.etag);
}

#[test]
fn gif_is_rejected_as_gif() {
    let gif =
        b"GIF89a\x01\0\x01\0\x80\0\0\xff\xff\xff\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;";
    let err = reject("gif", gif);
    assert!(matches!(
        err,
        LogoError::UnsupportedFormat {
            detected: DetectedFormat::Gif
        }
    ));
    assert_eq!(err.http_status(), 415);
    assert!(err.to_string().contains("GIF"), "{err}");
}

#[test]
fn svg_is_rejected_as_markup() {
    let svg = br#"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#;
    let err = reject("svg", svg);
    assert!(matches!(
        err,
        LogoError::UnsupportedFormat {
            detected: DetectedFormat::SvgOrXml
        }
    ));
    assert_eq!(err.http_status(), 415);
    assert!(err.to_string().contains("SVG"), "{err}");
}

#[test]
fn other_formats_are_rejected_by_name() {
    let cases: [(&[u8], &str); 4] = [
        (
            b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0/\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0",
            "WebP",
        ),
        (b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0", "BMP"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\0\x01\x02\x03 not an image", "unknown"),
    ];
    for (bytes, name) in cases {
        let err = reject(name, bytes);
        assert_eq!(err.http_status(), 415, "{name}");
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
}

#[test]
fn png_bytes_named_jpg_stay_png() {
    // The server passes only the bytes, so a file called logo.jpg that contains a PNG is a PNG.
    let upload = png_bytes(&DynamicImage::ImageRgb8(noise_image(8, 8)));

    let logo = process_logo(&upload, None, &LogoLimits::default()).unwrap();

    assert_eq!(logo.format, LogoFormat::Png);
    assert_eq!(logo.content_type(), "image/png");
}

#[test]
fn truncated_png_is_corrupt() {
    let upload = png_bytes(&DynamicImage::ImageRgb8(noise_image(64, 64)));
    let truncated = &upload[..upload.len() / 2];

    let err = reject("truncated png", truncated);

    assert!(
        matches!(
            err,
            LogoError::Corrupt {
                format: DetectedFormat::Png,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.http_status(), 422);
}

#[test]
fn truncated_jpeg_is_rejected() {
    let upload = jpeg_bytes(&DynamicImage::ImageRgb8(noise_image(256, 256)));

    // Cut in the header, halfway through the image data and one byte short, which the decoder
    // alone would fill with grey.
    for cut in [40, upload.len() / 2, upload.len() - 1] {
        let err = reject("truncated jpeg", &upload[..cut]);

        assert!(matches!(err, LogoError::TruncatedJpeg), "{cut}: {err}");
        assert_eq!(err.http_status(), 422);
        assert!(err.to_string().contains("upload the whole file"), "{err}");
    }
}

#[test]
fn jpeg_with_bytes_after_its_end_is_kept() {
    let whole = jpeg_bytes(&DynamicImage::ImageRgb8(noise_image(64, 48)));
    // Text, a start-of-scan marker with nothing after it, and half of a second image, as a
    // multi-picture file cut in its second picture.
    let trailers: [&[u8]; 3] = [
        b"trailing bytes that some cameras add",
        &[0xFF, 0xDA, 0x00, 0x08, 1, 2, 3],
        &whole[..whole.len() / 2],
    ];
    for trailer in trailers {
        let mut upload = whole.clone();
        upload.extend_from_slice(trailer);

        let logo = process_logo(&upload, None, &LogoLimits::default()).unwrap();

        assert_eq!((logo.width, logo.height), (64, 48));
    }
}

#[test]
fn jpeg_cut_in_its_metadata_is_rejected() {
    let whole = jpeg_bytes(&DynamicImage::ImageRgb8(noise_image(64, 48)));
    // An APP1 segment that declares more bytes than the file has left.
    let mut cut = whole[..2].to_vec();
    cut.extend_from_slice(&[0xFF, 0xE1, 0x40, 0x00]);
    cut.extend_from_slice(b"Exif\0\0");

    let err = reject("jpeg cut in its metadata", &cut);

    assert!(matches!(err, LogoError::TruncatedJpeg), "{err}");
}

#[test]
fn sixteen_bit_png_beyond_decoder_memory_is_rejected() {
    // 36 megapixels, under the pixel limit, but 288 MB to decode with 16-bit samples.
    let err = reject(
        "6000x6000 rgba16 png",
        &png_declaring_depth(6_000, 6_000, 16),
    );

    assert!(matches!(err, LogoError::DecoderLimit { .. }), "{err}");
    assert_eq!(err.http_status(), 413);
}

#[test]
fn huge_declared_png_is_rejected_from_header() {
    let err = reject("50000x50000 png", &png_declaring(50_000, 50_000));

    assert!(
        matches!(
            err,
            LogoError::TooManyPixels {
                width: 50_000,
                height: 50_000,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.http_status(), 413);
    assert!(err.to_string().contains("50000 x 50000"), "{err}");
}

#[test]
fn huge_declared_jpeg_is_rejected_from_header() {
    let mut jpeg = jpeg_bytes(&DynamicImage::ImageRgb8(noise_image(16, 16)));
    let sof = jpeg
        .windows(2)
        .position(|pair| pair == [0xff, 0xc0])
        .expect("a baseline SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());

    let err = reject("60000x60000 jpeg", &jpeg);

    assert!(
        matches!(
            err,
            LogoError::TooManyPixels {
                width: 60_000,
                height: 60_000,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.http_status(), 413);
}

#[test]
fn long_thin_png_is_rejected_from_header() {
    let err = reject("30000x10 png", &png_declaring(30_000, 10));

    assert!(
        matches!(err, LogoError::SideTooLong { width: 30_000, .. }),
        "{err}"
    );
}

#[test]
fn oversized_upload_is_rejected_before_parsing() {
    let limits = LogoLimits {
        max_input_bytes: 100,
        ..LogoLimits::default()
    };
    let upload = png_bytes(&DynamicImage::ImageRgb8(noise_image(64, 64)));

    let err = process_logo(&upload, None, &limits).unwrap_err();

    assert!(
        matches!(err, LogoError::FileTooLarge { limit: 100, .. }),
        "{err}"
    );
    assert_eq!(err.http_status(), 413);
}

#[test]
fn jpeg_gps_exif_is_removed() {
    let jpeg = jpeg_bytes(&DynamicImage::ImageRgb8(noise_image(32, 24)));
    let upload = splice_exif(&jpeg, &exif_tiff(1));
    assert!(
        exif_of(&upload).is_some(),
        "the spliced test file must carry EXIF"
    );

    let logo = process_logo(&upload, None, &LogoLimits::default()).unwrap();

    assert_eq!(exif_of(&logo.bytes), None);
    assert!(!contains(&logo.bytes, b"Exif\0\0"));
    assert!(
        !contains(&logo.bytes, &[0xff, 0xe1]),
        "an APP1 segment is left"
    );
    assert_eq!((logo.width, logo.height), (32, 24));
}

#[test]
fn jpeg_exif_orientation_is_applied() {
    let jpeg = jpeg_bytes(&DynamicImage::ImageRgb8(noise_image(32, 24)));
    let rotated_clockwise = 6;
    let upload = splice_exif(&jpeg, &exif_tiff(rotated_clockwise));

    let logo = process_logo(&upload, None, &LogoLimits::default()).unwrap();

    assert_eq!((logo.width, logo.height), (24, 32));
}

#[test]
fn edits_give_expected_dimensions() {
    let upload = png_bytes(&DynamicImage::ImageRgb8(noise_image(300, 200)));
    let cases = [
        (
            LogoEdit {
                rotate: Some(Rotation::Clockwise90),
                ..LogoEdit::default()
            },
            (200, 300),
        ),
        (
            LogoEdit {
                rotate: Some(Rotation::CounterClockwise90),
                ..LogoEdit::default()
            },
            (200, 300),
        ),
        (
            LogoEdit {
                crop: Some(CropRect {
                    x: 10,
                    y: 20,
                    width: 100,
                    height: 50,
                }),
                ..LogoEdit::default()
            },
            (100, 50),
        ),
        (
            LogoEdit {
                zoom: Some(Zoom::percent(25)),
                ..LogoEdit::default()
            },
            (75, 50),
        ),
        (
            LogoEdit {
                rotate: Some(Rotation::Clockwise90),
                crop: Some(CropRect {
                    x: 0,
                    y: 0,
                    width: 200,
                    height: 100,
                }),
                zoom: Some(Zoom {
                    numerator: 1,
                    denominator: 2,
                }),
            },
            (100, 50),
        ),
    ];

    for (edit, expected) in cases {
        let logo = process_logo(&upload, Some(edit), &LogoLimits::default()).unwrap();
        assert_eq!((logo.width, logo.height), expected, "{edit:?}");
        let decoded = image::load_from_memory(&logo.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), expected, "{edit:?}");
    }
}

#[test]
fn crop_outside_image_names_rectangle_and_size() {
    let upload = png_bytes(&DynamicImage::ImageRgb8(noise_image(300, 200)));
    let crop = CropRect {
        x: 250,
        y: 0,
        width: 100,
        height: 50,
    };
    let edit = LogoEdit {
        crop: Some(crop),
        ..LogoEdit::default()
    };

    let err = process_logo(&upload, Some(edit), &LogoLimits::default()).unwrap_err();

    assert_eq!(err.http_status(), 422);
    let message = err.to_string();
    assert!(message.contains("100x50 at (250, 0)"), "{message}");
    assert!(message.contains("300 x 200"), "{message}");
}
