//! Domain types and pure logic of postsale: ids, plans, order statuses, the map and its
//! conversions, element discovery and request verification. Nothing here does I/O, so every
//! function can be tested, fuzzed and benchmarked on its own.

pub mod ids;
pub mod ingress;
pub mod json_object;
pub mod mapping;
pub mod money;
pub mod order;
pub mod plan;
pub mod status;
pub mod units;
pub mod verify;
pub mod webhook;

pub use ids::{AccountId, ApiKeyId, OrderId, RequestId, ShipmentId, StoreId, UserId, WebhookId};
pub use plan::Plan;
pub use status::OrderStatus;
pub use webhook::WebhookState;
