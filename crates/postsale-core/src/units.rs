//! Weight and length units with exact decimal conversions between them.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A unit of weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightUnit {
    G,
    Kg,
    Oz,
    Lb,
}

/// A unit of length for package dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    Cm,
    In,
}

/// A weight: a decimal value in a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Weight {
    pub value: Decimal,
    pub unit: WeightUnit,
}

/// Package dimensions, all three in one unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Dimensions {
    pub length: Decimal,
    pub width: Decimal,
    pub height: Decimal,
    pub unit: LengthUnit,
}

/// The error for a unit name that postsale does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown unit {0:?}: use g, kg, oz or lb for weights and cm or in for lengths")]
pub struct UnknownUnit(pub String);

impl WeightUnit {
    /// Returns the unit as written in maps and orders, such as `kg`.
    pub fn as_str(self) -> &'static str {
        match self {
            WeightUnit::G => "g",
            WeightUnit::Kg => "kg",
            WeightUnit::Oz => "oz",
            WeightUnit::Lb => "lb",
        }
    }

    /// Grams in one of this unit (exact by the international definitions of oz and lb).
    fn grams(self) -> Decimal {
        match self {
            WeightUnit::G => Decimal::ONE,
            WeightUnit::Kg => Decimal::ONE_THOUSAND,
            WeightUnit::Oz => Decimal::new(28_349_523_125, 9),
            WeightUnit::Lb => Decimal::new(45_359_237, 5),
        }
    }
}

impl LengthUnit {
    /// Returns the unit as written in maps and orders, such as `cm`.
    pub fn as_str(self) -> &'static str {
        match self {
            LengthUnit::Cm => "cm",
            LengthUnit::In => "in",
        }
    }

    fn centimetres(self) -> Decimal {
        match self {
            LengthUnit::Cm => Decimal::ONE,
            LengthUnit::In => Decimal::new(254, 2),
        }
    }
}

impl FromStr for WeightUnit {
    type Err = UnknownUnit;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "g" | "gr" | "gram" | "grams" => Ok(WeightUnit::G),
            "kg" | "kgs" | "kilogram" | "kilograms" => Ok(WeightUnit::Kg),
            "oz" | "ounce" | "ounces" => Ok(WeightUnit::Oz),
            "lb" | "lbs" | "pound" | "pounds" => Ok(WeightUnit::Lb),
            _ => Err(UnknownUnit(text.to_owned())),
        }
    }
}

impl FromStr for LengthUnit {
    type Err = UnknownUnit;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "cm" | "centimeter" | "centimeters" | "centimetre" | "centimetres" => {
                Ok(LengthUnit::Cm)
            }
            "in" | "inch" | "inches" | "\"" => Ok(LengthUnit::In),
            _ => Err(UnknownUnit(text.to_owned())),
        }
    }
}

impl fmt::Display for WeightUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for LengthUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Weight {
    /// Converts to another unit, rounded to four decimal places; `None` when the value is too
    /// large for a decimal in the new unit.
    pub fn to_unit(self, unit: WeightUnit) -> Option<Weight> {
        let grams = self.value.checked_mul(self.unit.grams())?;
        let value = grams.checked_div(unit.grams())?.round_dp(4).normalize();
        Some(Weight { value, unit })
    }
}

/// Converts a length between units, rounded to four decimal places; `None` when the value is
/// too large for a decimal in the new unit.
pub fn convert_length(value: Decimal, from: LengthUnit, to: LengthUnit) -> Option<Decimal> {
    let centimetres = value.checked_mul(from.centimetres())?;
    let converted = centimetres.checked_div(to.centimetres())?;
    Some(converted.round_dp(4).normalize())
}

impl Dimensions {
    /// Converts all three dimensions to another unit; `None` when one is too large.
    pub fn to_unit(self, unit: LengthUnit) -> Option<Dimensions> {
        Some(Dimensions {
            length: convert_length(self.length, self.unit, unit)?,
            width: convert_length(self.width, self.unit, unit)?,
            height: convert_length(self.height, self.unit, unit)?,
            unit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weight(value: &str, unit: WeightUnit) -> Weight {
        Weight {
            value: value.parse().unwrap(),
            unit,
        }
    }

    #[test]
    fn pounds_to_grams_is_exact() {
        assert_eq!(
            weight("1", WeightUnit::Lb)
                .to_unit(WeightUnit::G)
                .unwrap()
                .value
                .to_string(),
            "453.5924"
        );
        assert_eq!(
            weight("16", WeightUnit::Oz)
                .to_unit(WeightUnit::Lb)
                .unwrap()
                .value
                .to_string(),
            "1"
        );
    }

    #[test]
    fn grams_to_kilograms() {
        assert_eq!(
            weight("567", WeightUnit::G)
                .to_unit(WeightUnit::Kg)
                .unwrap()
                .value
                .to_string(),
            "0.567"
        );
    }

    #[test]
    fn inches_to_centimetres() {
        let converted = convert_length("10".parse().unwrap(), LengthUnit::In, LengthUnit::Cm);
        assert_eq!(converted.unwrap().to_string(), "25.4");
        let huge = convert_length(Decimal::MAX, LengthUnit::In, LengthUnit::Cm);
        assert_eq!(huge, None);
    }

    #[test]
    fn unit_names_parse_with_aliases() {
        assert_eq!("LBS".parse::<WeightUnit>().unwrap(), WeightUnit::Lb);
        assert_eq!("inches".parse::<LengthUnit>().unwrap(), LengthUnit::In);
        assert!("stone".parse::<WeightUnit>().is_err());
    }
}
