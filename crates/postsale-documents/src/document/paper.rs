//! The paper size documents are printed on.

/// Countries where Letter (8.5 x 11 in) is the usual office paper, by ISO 3166-1 alpha-2
/// code; the rest of the world uses A4. The list covers the United States and its territory
/// Puerto Rico, Canada, Mexico, and the Latin American countries and the Philippines where
/// Letter is the common size.
const LETTER_COUNTRIES: [&str; 13] = [
    "US", "PR", "CA", "MX", "CL", "CO", "CR", "DO", "GT", "PA", "PH", "SV", "VE",
];

/// A paper size for the PDF pages and the HTML's print CSS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    /// ISO 216 A4, 210 x 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 x 11 inches.
    Letter,
}

impl Paper {
    /// Parses `a4` or `letter`, ignoring case.
    pub fn parse(name: &str) -> Option<Paper> {
        match name.trim().to_ascii_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "letter" => Some(Paper::Letter),
            _ => None,
        }
    }

    /// Returns the usual paper of a country given as an ISO 3166-1 alpha-2 code: Letter for
    /// the countries in `LETTER_COUNTRIES`, A4 for every other code and for none.
    pub fn for_country(country: Option<&str>) -> Paper {
        let code = country.map(|code| code.trim().to_ascii_uppercase());
        match code {
            Some(code) if LETTER_COUNTRIES.contains(&code.as_str()) => Paper::Letter,
            _ => Paper::A4,
        }
    }

    /// The lower-case name used in `?paper=` and in CSS `@page { size: ... }`.
    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

    /// Width and height in PDF points (1/72 inch).
    pub fn size_points(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_countries_get_letter() {
        for code in ["US", "ca", " MX "] {
            assert_eq!(Paper::for_country(Some(code)), Paper::Letter, "{code}");
        }
    }

    #[test]
    fn other_countries_get_a4() {
        for code in [Some("DE"), Some("GB"), Some("JP"), Some(""), None] {
            assert_eq!(Paper::for_country(code), Paper::A4, "{code:?}");
        }
    }

    #[test]
    fn names_parse_back() {
        for paper in [Paper::A4, Paper::Letter] {
            assert_eq!(Paper::parse(paper.name()), Some(paper));
        }
        assert_eq!(Paper::parse("LETTER"), Some(Paper::Letter));
        assert_eq!(Paper::parse("legal"), None);
    }
}
