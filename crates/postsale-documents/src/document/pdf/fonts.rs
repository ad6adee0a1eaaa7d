//! The fonts a PDF is set in: DejaVu Sans compiled into the binary, plus fallback fonts for
//! scripts it lacks, such as CJK, loaded from bytes or from files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::Data;

/// Font files that Debian packages install and that cover Chinese, Japanese and Korean, with
/// the face index to use: `fonts-noto-cjk`, `fonts-wqy-zenhei`, `fonts-wqy-microhei` and
/// `fonts-droid-fallback`.
pub const KNOWN_CJK_FONT_PATHS: [(&str, u32); 4] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
];

/// An error loading a font.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("reading the font file {path} failed: {source}; check the configured font path")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the font {name} has no usable TrueType or OpenType face at index {index}; configure a \
         .ttf, .otf or .ttc file and, for a collection, a face index it contains"
    )]
    Invalid { name: String, index: u32 },
}

/// One face of a font file.
#[derive(Clone)]
pub(crate) struct FontFace {
    pub name: String,
    pub data: Data,
    pub index: u32,
}

impl FontFace {
    fn new(name: String, data: Data, index: u32) -> Result<FontFace, FontError> {
        let parses = ttf_parser::Face::parse(data.as_ref(), index).is_ok();
        let embeds = krilla::text::Font::new(data.clone(), index).is_some();
        if !(parses && embeds) {
            return Err(FontError::Invalid { name, index });
        }
        Ok(FontFace { name, data, index })
    }
}

/// The regular and bold faces that documents are set in, and the fallback faces tried in order
/// for characters those two lack. Only the glyphs used are embedded in each PDF.
#[derive(Clone)]
pub struct Fonts {
    pub(crate) regular: FontFace,
    pub(crate) bold: FontFace,
    pub(crate) fallbacks: Vec<FontFace>,
}

impl Fonts {
    /// DejaVu Sans and DejaVu Sans Bold, compiled into the binary from the `dejavu` crate.
    /// They cover Latin, Greek and Cyrillic, but no CJK ideographs.
    pub fn embedded() -> Fonts {
        let face = |name: &str, bytes: &'static [u8]| {
            FontFace::new(name.to_owned(), Data::from(bytes), 0)
                .expect("the DejaVu Sans fonts of the dejavu crate parse")
        };
        Fonts {
            regular: face("DejaVu Sans", dejavu::sans::regular()),
            bold: face("DejaVu Sans Bold", dejavu::sans::bold()),
            fallbacks: Vec::new(),
        }
    }

    /// Adds a fallback face from font bytes; `index` selects the face of a collection (`.ttc`).
    pub fn with_fallback(
        mut self,
        name: impl Into<String>,
        bytes: Vec<u8>,
        index: u32,
    ) -> Result<Fonts, FontError> {
        let face = FontFace::new(name.into(), Data::from(Arc::new(bytes)), index)?;
        self.fallbacks.push(face);
        Ok(self)
    }

    /// Adds a fallback face read from a font file.
    pub fn with_fallback_file(self, path: &Path, index: u32) -> Result<Fonts, FontError> {
        let bytes = std::fs::read(path).map_err(|source| FontError::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        self.with_fallback(path.display().to_string(), bytes, index)
    }

    /// Adds each font of [`KNOWN_CJK_FONT_PATHS`] that is installed, and logs which ones were
    /// found. Without any, CJK characters are reported as missing glyphs.
    pub fn with_installed_cjk(mut self) -> Fonts {
        for (path, index) in KNOWN_CJK_FONT_PATHS {
            let path = Path::new(path);
            if !path.exists() {
                continue;
            }
            match self.clone().with_fallback_file(path, index) {
                Ok(fonts) => {
                    tracing::info!(font.path = %path.display(), "CJK fallback font loaded");
                    self = fonts;
                }
                Err(error) => {
                    tracing::warn!(font.path = %path.display(), %error, "CJK font skipped");
                }
            }
        }
        if self.fallbacks.is_empty() {
            tracing::warn!(
                "no CJK font is installed, so CJK text in documents is reported as missing glyphs"
            );
        }
        self
    }

    /// Names of the fallback faces, in the order they are tried.
    pub fn fallback_names(&self) -> Vec<&str> {
        self.fallbacks
            .iter()
            .map(|face| face.name.as_str())
            .collect()
    }
}

impl Default for Fonts {
    fn default() -> Self {
        Fonts::embedded()
    }
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("regular", &self.regular.name)
            .field("bold", &self.bold.name)
            .field("fallbacks", &self.fallback_names())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_fallback_is_rejected() {
        let err = Fonts::embedded()
            .with_fallback("junk", b"not a font".to_vec(), 0)
            .unwrap_err();
        assert!(matches!(err, FontError::Invalid { index: 0, .. }), "{err}");
        assert!(err.to_string().contains("junk"), "{err}");
    }

    #[test]
    fn missing_font_file_names_path() {
        let path = Path::new("/nonexistent/font.ttf");
        let err = Fonts::embedded().with_fallback_file(path, 0).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/font.ttf"), "{err}");
    }

    #[test]
    fn fallback_is_added_in_order() {
        let fonts = Fonts::embedded()
            .with_fallback("mono", dejavu::sans_mono::regular().to_vec(), 0)
            .unwrap();
        assert_eq!(fonts.fallback_names(), ["mono"]);
    }
}
