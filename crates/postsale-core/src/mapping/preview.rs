//! Previews for the mapping screen: the order a sample would become, with every error and
//! warning, and which elements the map reads.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::apply::{ApplyContext, run};
use super::elements::{JsonKind, discover_elements};
use super::error::{FieldError, FieldWarning, MappingError};
use super::evaluate::used_elements;
use super::map::Map;
use crate::order::Order;

/// The result of applying a map to a sample: the order, its errors and warnings, and which
/// elements the map reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// The order the sample becomes, as far as the map fills it; `None` for a thin payload.
    pub order: Option<Order>,
    /// Whether the order can be imported: it has no error and is not a thin payload.
    pub importable: bool,
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldWarning>,
    /// Whether the map's test flag marks the request as a test the channel sent.
    pub test: bool,
    /// Set when the request carries only an order id.
    pub thin_payload: Option<ThinPayload>,
    /// Set when the request does not look like an order (no order number and no lines).
    pub not_an_order: bool,
    /// Elements the map reads that have a value in this sample.
    pub used_elements: Vec<String>,
    /// Scalar elements of the sample the map does not read.
    pub unused_elements: Vec<String>,
    /// Sentences naming the places where element discovery stopped early on a large body.
    pub truncated: Vec<String>,
}

/// The order id of a thin payload, to fetch the order from the channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThinPayload {
    pub id: String,
    pub id_path: String,
    pub event: Option<String>,
}

/// Applies `map` to a sample and reports everything the mapping screen shows.
pub fn preview(map: &Map, body: &Value, context: &ApplyContext) -> Preview {
    let application = run(map, body, context);
    let used = used_elements(map, body);
    let discovery = discover_elements(body);
    let unused = discovery
        .elements
        .iter()
        .filter(|element| !matches!(element.kind, JsonKind::Array | JsonKind::Object))
        .filter(|element| used.binary_search(&element.path).is_err())
        .map(|element| element.path.clone())
        .collect();

    let mut preview = Preview {
        order: application.draft,
        importable: false,
        errors: Vec::new(),
        warnings: Vec::new(),
        test: application.test,
        thin_payload: None,
        not_an_order: false,
        used_elements: used,
        unused_elements: unused,
        truncated: discovery.truncated,
    };
    match application.result {
        Ok(mapped) => {
            preview.order = Some(mapped.order);
            preview.importable = true;
            preview.warnings = mapped.warnings;
        }
        Err(MappingError::ThinPayload { id, id_path, event }) => {
            preview.thin_payload = Some(ThinPayload { id, id_path, event });
        }
        Err(MappingError::NotAnOrder { errors, warnings }) => {
            preview.not_an_order = true;
            preview.errors = errors;
            preview.warnings = warnings;
        }
        Err(MappingError::Invalid { errors, warnings }) => {
            preview.errors = errors;
            preview.warnings = warnings;
        }
    }
    preview
}
