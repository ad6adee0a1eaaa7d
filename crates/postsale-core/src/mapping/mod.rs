//! The mapping engine: element discovery, the field catalogue, the map document, conversions,
//! validation, previews, presets for known channels and suggested maps for unknown ones.
//!
//! The importer parses a request body once (`serde_json::from_slice::<Value>`) and passes the
//! value to [`apply_map`]. Paths in maps are RFC 9535 JSONPaths: `$` starts at the body and,
//! inside the `items` section, `@` starts at the current entry of the items array.

mod apply;
mod assign;
pub mod catalogue;
mod catalogue_table;
mod check;
mod classify;
pub mod codes;
pub mod convert;
pub mod elements;
mod error;
mod evaluate;
mod finish;
mod map;
mod nul;
pub mod path;
pub mod presets;
mod preview;
mod suggest;
mod suggest_rules;
mod template;
mod validate;

pub use apply::{ApplyContext, MappedOrder, apply_map};
pub use catalogue::{Category, FieldDef, FieldKey, FieldKind, catalogue};
pub use convert::datetime::Zone;
pub use elements::{Discovery, DiscoveryLimits, Element, JsonKind, discover_elements};
pub use error::{ErrorCode, FieldError, FieldWarning, MapError, MappingError};
pub use map::{Condition, ItemsRule, MAP_VERSION, Map, OptionsRule, Rule, ThinPayloadRule};
pub use path::{JsonPath, PathError};
pub use preview::{Preview, ThinPayload, preview};
pub use suggest::{SuggestedField, Suggestion, suggest_map};
pub use template::{Template, TemplateError};
pub use validate::MAX_KEY_CHARS;
