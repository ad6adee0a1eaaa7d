//! Edits a merchant can apply to a logo while uploading it: rotate, crop and zoom.

use std::fmt;

use image::DynamicImage;
use image::imageops::FilterType;

use super::error::LogoError;

/// Edits applied in a fixed order: rotation first, then the crop (in the coordinates of the
/// rotated image), then the zoom.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogoEdit {
    pub rotate: Option<Rotation>,
    pub crop: Option<CropRect>,
    pub zoom: Option<Zoom>,
}

/// A quarter turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    Clockwise90,
    CounterClockwise90,
}

/// A rectangle in pixels, measured from the top-left corner of the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropRect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl fmt::Display for CropRect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{} at ({}, {})",
            self.width, self.height, self.x, self.y
        )
    }
}

/// A scale factor as the fraction `numerator / denominator`; 3/2 enlarges by half.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zoom {
    pub numerator: u32,
    pub denominator: u32,
}

impl Zoom {
    /// Creates a zoom from a percentage: `Zoom::percent(50)` halves each side.
    pub fn percent(percent: u32) -> Zoom {
        Zoom {
            numerator: percent,
            denominator: 100,
        }
    }
}

/// Applies the edits in order, checking the crop and the zoom against the image as it is at
/// that step. `max_pixels` and `max_side` bound the zoomed image, as they bound an upload.
pub(crate) fn apply_edit(
    image: DynamicImage,
    edit: &LogoEdit,
    max_pixels: u64,
    max_side: u32,
) -> Result<DynamicImage, LogoError> {
    let mut image = match edit.rotate {
        Some(Rotation::Clockwise90) => image.rotate90(),
        Some(Rotation::CounterClockwise90) => image.rotate270(),
        None => image,
    };

    if let Some(crop) = edit.crop {
        check_crop(&crop, image.width(), image.height())?;
        image = image.crop_imm(crop.x, crop.y, crop.width, crop.height);
    }

    if let Some(zoom) = edit.zoom {
        let limits = (max_pixels, max_side);
        let (width, height) = zoomed_size(&zoom, image.width(), image.height(), limits)?;
        image = image.resize_exact(width, height, FilterType::Triangle);
    }
    Ok(image)
}

fn check_crop(crop: &CropRect, width: u32, height: u32) -> Result<(), LogoError> {
    let right = crop.x.checked_add(crop.width);
    let bottom = crop.y.checked_add(crop.height);
    let inside = matches!((right, bottom), (Some(r), Some(b)) if r <= width && b <= height);

    if crop.width == 0 || crop.height == 0 || !inside {
        return Err(LogoError::CropOutOfBounds {
            crop: *crop,
            width,
            height,
        });
    }
    Ok(())
}

/// Computes the size after zooming, rounded to whole pixels, in integer arithmetic.
fn zoomed_size(
    zoom: &Zoom,
    width: u32,
    height: u32,
    (max_pixels, max_side): (u64, u32),
) -> Result<(u32, u32), LogoError> {
    let scale = |side: u32| -> u64 {
        if zoom.denominator == 0 {
            return 0;
        }
        let numerator = u64::from(side) * u64::from(zoom.numerator);
        let denominator = u64::from(zoom.denominator);
        (numerator + denominator / 2) / denominator
    };
    let (new_width, new_height) = (scale(width), scale(height));

    let fits = new_width >= 1
        && new_height >= 1
        && new_width.saturating_mul(new_height) <= max_pixels
        && new_width <= u64::from(max_side)
        && new_height <= u64::from(max_side);
    if !fits {
        return Err(LogoError::InvalidZoom {
            numerator: zoom.numerator,
            denominator: zoom.denominator,
            width,
            height,
            new_width,
            new_height,
            limit: max_pixels,
            max_side,
        });
    }
    Ok((new_width as u32, new_height as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(width: u32, height: u32) -> DynamicImage {
        DynamicImage::new_rgb8(width, height)
    }

    #[test]
    fn rotation_swaps_sides() {
        for rotate in [Rotation::Clockwise90, Rotation::CounterClockwise90] {
            let edit = LogoEdit {
                rotate: Some(rotate),
                ..LogoEdit::default()
            };
            let out = apply_edit(blank(30, 20), &edit, 1_000_000, 20_000).unwrap();
            assert_eq!((out.width(), out.height()), (20, 30), "{rotate:?}");
        }
    }

    #[test]
    fn crop_applies_after_rotation() {
        let crop = CropRect {
            x: 0,
            y: 25,
            width: 20,
            height: 5,
        };
        let edit = LogoEdit {
            rotate: Some(Rotation::Clockwise90),
            crop: Some(crop),
            zoom: None,
        };
        let out = apply_edit(blank(30, 20), &edit, 1_000_000, 20_000).unwrap();
        assert_eq!((out.width(), out.height()), (20, 5));
    }

    #[test]
    fn crop_outside_image_is_rejected() {
        let cases = [
            CropRect {
                x: 25,
                y: 0,
                width: 10,
                height: 5,
            },
            CropRect {
                x: 0,
                y: 0,
                width: 0,
                height: 5,
            },
            CropRect {
                x: u32::MAX,
                y: 0,
                width: 2,
                height: 2,
            },
        ];
        for crop in cases {
            let edit = LogoEdit {
                crop: Some(crop),
                ..LogoEdit::default()
            };
            let err = apply_edit(blank(30, 20), &edit, 1_000_000, 20_000).unwrap_err();
            assert!(
                matches!(err, LogoError::CropOutOfBounds { .. }),
                "{crop}: {err}"
            );
            assert!(err.to_string().contains(&crop.to_string()), "{err}");
            assert!(err.to_string().contains("30 x 20"), "{err}");
        }
    }

    #[test]
    fn zoom_scales_and_rounds() {
        let edit = LogoEdit {
            zoom: Some(Zoom::percent(50)),
            ..LogoEdit::default()
        };
        let out = apply_edit(blank(31, 20), &edit, 1_000_000, 20_000).unwrap();
        assert_eq!((out.width(), out.height()), (16, 10));

        let edit = LogoEdit {
            zoom: Some(Zoom {
                numerator: 3,
                denominator: 2,
            }),
            ..edit
        };
        let out = apply_edit(blank(30, 20), &edit, 1_000_000, 20_000).unwrap();
        assert_eq!((out.width(), out.height()), (45, 30));
    }

    #[test]
    fn zoom_out_of_range_is_rejected() {
        for zoom in [
            Zoom::percent(0),
            Zoom {
                numerator: 1,
                denominator: 0,
            },
            Zoom::percent(10_000),
        ] {
            let edit = LogoEdit {
                zoom: Some(zoom),
                ..LogoEdit::default()
            };
            let err = apply_edit(blank(30, 20), &edit, 100_000, 20_000).unwrap_err();
            assert!(
                matches!(err, LogoError::InvalidZoom { .. }),
                "{zoom:?}: {err}"
            );
        }
    }

    #[test]
    fn zoom_past_side_limit_is_rejected() {
        let edit = LogoEdit {
            zoom: Some(Zoom::percent(4_000)),
            ..LogoEdit::default()
        };

        let err = apply_edit(blank(1, 1_000), &edit, 40_000_000, 20_000).unwrap_err();

        assert!(matches!(err, LogoError::InvalidZoom { .. }), "{err}");
        assert!(err.to_string().contains("20000 pixels on a side"), "{err}");
    }
}
