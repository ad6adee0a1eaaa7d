//! Errors of logo processing and the HTTP status each one maps to.

use image::ImageError;

use super::edit::CropRect;
use super::sniff::DetectedFormat;

/// An error that rejects a logo upload.
#[derive(Debug, thiserror::Error)]
pub enum LogoError {
    #[error("the logo file is {detected}, not a PNG or JPEG image; upload a PNG or JPEG file")]
    UnsupportedFormat { detected: DetectedFormat },

    #[error(
        "the logo file is {size} bytes, above the limit of {limit} bytes; \
         upload a file of at most {limit} bytes"
    )]
    FileTooLarge { size: usize, limit: usize },

    #[error(
        "the logo declares {width} x {height} pixels, above the limit of {limit} pixels; \
         scale it down before uploading"
    )]
    TooManyPixels { width: u32, height: u32, limit: u64 },

    #[error(
        "the logo is {width} x {height} pixels, above the limit of {limit} pixels on a side; \
         scale it down before uploading"
    )]
    SideTooLong { width: u32, height: u32, limit: u32 },

    #[error(
        "decoding the logo needs more memory than the limit of {limit} bytes ({source}); \
         upload an image with fewer pixels"
    )]
    DecoderLimit {
        limit: u64,
        #[source]
        source: ImageError,
    },

    #[error(
        "the logo file is {format}, but it is truncated or corrupt ({source}); export the image \
         again and upload it"
    )]
    Corrupt {
        format: DetectedFormat,
        #[source]
        source: ImageError,
    },

    #[error(
        "the logo file is a JPEG image that ends before its end marker, as a file cut short in \
         upload or copy does; export the image again and upload the whole file"
    )]
    TruncatedJpeg,

    #[error(
        "the crop rectangle {crop} does not fit inside the {width} x {height} image; \
         choose a non-empty rectangle inside the image"
    )]
    CropOutOfBounds {
        crop: CropRect,
        width: u32,
        height: u32,
    },

    #[error(
        "zoom {numerator}/{denominator} turns the {width} x {height} image into {new_width} x \
         {new_height} pixels, outside 1 to {limit} pixels or over {max_side} pixels on a side; \
         choose a zoom between those sizes"
    )]
    InvalidZoom {
        numerator: u32,
        denominator: u32,
        width: u32,
        height: u32,
        new_width: u64,
        new_height: u64,
        limit: u64,
        max_side: u32,
    },

    #[error(
        "the logo could not be reduced to {limit} bytes (the smallest attempt was {smallest} \
         bytes); upload a smaller or simpler image"
    )]
    CannotReduce { limit: usize, smallest: usize },

    #[error("encoding the logo failed: {0}")]
    Encode(#[source] ImageError),
}

impl LogoError {
    /// The HTTP status code that an API returns for this error.
    pub fn http_status(&self) -> u16 {
        match self {
            LogoError::UnsupportedFormat { .. } => 415,
            LogoError::FileTooLarge { .. }
            | LogoError::TooManyPixels { .. }
            | LogoError::SideTooLong { .. }
            | LogoError::DecoderLimit { .. } => 413,
            LogoError::Corrupt { .. }
            | LogoError::TruncatedJpeg
            | LogoError::CropOutOfBounds { .. }
            | LogoError::InvalidZoom { .. }
            | LogoError::CannotReduce { .. } => 422,
            LogoError::Encode(_) => 500,
        }
    }
}
