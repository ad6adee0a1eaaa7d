//! Errors and warnings of maps and of applying them: each names the field, element and value.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of problem of a field error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A required field has no value.
    Missing,
    /// An order number such as `-1` or blank that would merge unrelated orders.
    Placeholder,
    /// The value cannot be converted to the field's type.
    Invalid,
    /// An amount is negative where the field allows no negatives.
    Negative,
    /// A quantity is not a whole number of at least 1.
    NotWhole,
    /// A code is not in postsale's catalogue.
    UnknownCode,
    /// A country is not an ISO 3166-1 code.
    UnknownCountry,
}

/// One problem of one field of one order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field key, such as `items.quantity`.
    pub field: String,
    /// The position of the entry in the items array, for item fields.
    pub line: Option<usize>,
    /// The element or rule the value came from, such as `$.line_items[*].quantity`.
    pub path: Option<String>,
    /// The offending value as sent; `None` when there was no value.
    pub value: Option<String>,
    pub code: ErrorCode,
    /// The problem, in one sentence.
    pub message: String,
    /// The fix, in one sentence.
    pub fix: String,
}

/// A remark about a value that was imported but may need attention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWarning {
    pub field: String,
    pub line: Option<usize>,
    pub path: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

/// The reason applying a map produced no order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MappingError {
    /// The request names an order but does not carry it; fetch the order from the channel.
    #[error("thin payload: the request carries only order id {id} at {id_path}, not the order")]
    ThinPayload {
        id: String,
        id_path: String,
        event: Option<String>,
    },
    /// The request is not an order: the order number could not be mapped and no line was found.
    #[error("not an order: could not map order number ({} errors)", errors.len())]
    NotAnOrder {
        errors: Vec<FieldError>,
        warnings: Vec<FieldWarning>,
    },
    /// The request is an order with errors; every error is listed.
    #[error("{} errors: {}", errors.len(), first_message(errors))]
    Invalid {
        errors: Vec<FieldError>,
        warnings: Vec<FieldWarning>,
    },
}

/// The reason a map document was rejected.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The JSON does not match the map format; serde's message names an unknown key.
    #[error("invalid map: {0}")]
    Parse(#[source] serde_json::Error),
    /// The map parsed but has invalid rules, all listed.
    #[error("invalid map: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

fn first_message(errors: &[FieldError]) -> String {
    errors.first().map(ToString::to_string).unwrap_or_default()
}

impl MappingError {
    /// Returns every field error, none for a thin payload.
    pub fn errors(&self) -> &[FieldError] {
        match self {
            MappingError::ThinPayload { .. } => &[],
            MappingError::NotAnOrder { errors, .. } | MappingError::Invalid { errors, .. } => {
                errors
            }
        }
    }

    /// Returns every warning, none for a thin payload.
    pub fn warnings(&self) -> &[FieldWarning] {
        match self {
            MappingError::ThinPayload { .. } => &[],
            MappingError::NotAnOrder { warnings, .. } | MappingError::Invalid { warnings, .. } => {
                warnings
            }
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_subject(
            f,
            &self.field,
            self.line,
            self.path.as_deref(),
            self.value.as_deref(),
        )?;
        write!(f, ": {}; {}", self.message, self.fix)
    }
}

impl fmt::Display for FieldWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_subject(
            f,
            &self.field,
            self.line,
            self.path.as_deref(),
            self.value.as_deref(),
        )?;
        write!(f, ": {}", self.message)
    }
}

fn write_subject(
    f: &mut fmt::Formatter<'_>,
    field: &str,
    line: Option<usize>,
    path: Option<&str>,
    value: Option<&str>,
) -> fmt::Result {
    f.write_str(field)?;
    if let Some(line) = line {
        write!(f, " (line {})", line + 1)?;
    }
    if let Some(path) = path {
        write!(f, " from {path}")?;
    }
    match value {
        Some(value) => write!(f, " = {value:?}"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_error_display_names_everything() {
        let error = FieldError {
            field: "items.quantity".into(),
            line: Some(1),
            path: Some("$.line_items[*].quantity".into()),
            value: Some("2.5".into()),
            code: ErrorCode::NotWhole,
            message: "a quantity must be a whole number".into(),
            fix: "map an element that holds whole numbers".into(),
        };
        assert_eq!(
            error.to_string(),
            "items.quantity (line 2) from $.line_items[*].quantity = \"2.5\": a quantity must be \
             a whole number; map an element that holds whole numbers"
        );
    }
}
