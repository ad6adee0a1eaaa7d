//! Importing one batch of claimed requests: duplicates, the map, validation, the upsert and
//! the outcome written on each request.

use std::collections::HashMap;

use postsale_core::ingress::decode_body;
use postsale_core::mapping::{ApplyContext, Map, MappingError, apply_map};
use postsale_core::{OrderId, OrderStatus, RequestId, StoreId};
use postsale_store::StoreError;
use postsale_store::imports::{ClaimedRequest, ImportBatch, UpsertOutcome};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

/// The outcome of importing one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Created(OrderId),
    Updated(OrderId),
    Unchanged(OrderId),
    /// Not imported, for the reason given: `duplicate`, `stale`, `order_closed`, `test`,
    /// `thin_payload` or `not_an_order`.
    Skipped {
        reason: &'static str,
        order_id: Option<OrderId>,
        detail: Value,
    },
    /// Not imported because of errors, each listed in `detail`.
    Failed {
        detail: Value,
    },
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Created(_) => "created",
            Outcome::Updated(_) => "updated",
            Outcome::Unchanged(_) => "unchanged",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "failed",
        }
    }

    pub fn order_id(&self) -> Option<OrderId> {
        match self {
            Outcome::Created(id) | Outcome::Updated(id) | Outcome::Unchanged(id) => Some(*id),
            Outcome::Skipped { order_id, .. } => *order_id,
            Outcome::Failed { .. } => None,
        }
    }

    fn detail(&self) -> Value {
        match self {
            Outcome::Skipped { reason, detail, .. } => {
                let mut detail = detail.clone();
                detail["reason"] = Value::from(*reason);
                detail
            }
            Outcome::Failed { detail } => detail.clone(),
            _ => json!({}),
        }
    }
}

/// A store's current map and what the importer needs from the store.
struct StoreContext {
    map: Option<(i64, Map)>,
    map_error: Option<String>,
    first_status: Option<OrderStatus>,
    apply: ApplyContext,
}

/// Imports every request of the batch and commits. On a database error nothing of the batch
/// is kept and the error is returned.
pub async fn import_batch(
    mut batch: ImportBatch,
    max_body_bytes: usize,
) -> Result<Vec<(RequestId, Outcome)>, StoreError> {
    let requests = batch.requests().to_vec();
    let mut stores: HashMap<StoreId, StoreContext> = HashMap::new();
    let mut outcomes = Vec::with_capacity(requests.len());

    for request in &requests {
        if let std::collections::hash_map::Entry::Vacant(entry) = stores.entry(request.store_id) {
            entry.insert(load_store(&mut batch, request).await?);
        }
        let context = &stores[&request.store_id];
        let outcome = import_one(&mut batch, request, context, max_body_bytes).await?;
        let detail = outcome.detail().to_string();
        batch
            .finish(request.id, outcome.name(), &detail, outcome.order_id())
            .await?;
        outcomes.push((request.id, outcome));
    }
    batch.commit().await?;
    Ok(outcomes)
}

async fn load_store(
    batch: &mut ImportBatch,
    request: &ClaimedRequest,
) -> Result<StoreContext, StoreError> {
    let settings = batch
        .store_settings(request.account_id, request.store_id)
        .await?;
    let (first_status, time_zone) = settings.unwrap_or((None, "UTC".to_owned()));
    let apply = ApplyContext::with_time_zone(&time_zone).unwrap_or_default();
    let (map, map_error) = match batch
        .current_map(request.account_id, request.store_id)
        .await?
    {
        None => (
            None,
            Some("the store has no map: map the request's elements and save".to_owned()),
        ),
        Some((version, document)) => match serde_json::from_str::<Map>(&document) {
            Ok(map) => (Some((version, map)), None),
            Err(error) => (
                None,
                Some(format!("map version {version} cannot be read: {error}")),
            ),
        },
    };
    Ok(StoreContext {
        map,
        map_error,
        first_status,
        apply,
    })
}

async fn import_one(
    batch: &mut ImportBatch,
    request: &ClaimedRequest,
    context: &StoreContext,
    max_body_bytes: usize,
) -> Result<Outcome, StoreError> {
    if batch.is_duplicate(request).await? {
        return Ok(skipped(
            "duplicate",
            None,
            json!({
                "message": "an earlier request carried the same delivery id or the same body and was imported"
            }),
        ));
    }
    let Some((version, map)) = &context.map else {
        let message = context.map_error.clone().unwrap_or_default();
        return Ok(failed(
            json!([{ "message": message, "fix": "save a map for the store, then replay" }]),
            None,
        ));
    };

    let body = match parse_body(request, max_body_bytes) {
        Ok(body) => body,
        Err(message) => {
            return Ok(failed(
                json!([{ "message": message, "fix": "the channel must send JSON" }]),
                Some(*version),
            ));
        }
    };
    let mapped = match apply_map(map, &body, &context.apply) {
        Ok(mapped) => mapped,
        Err(error) => return Ok(mapping_outcome(error, *version)),
    };
    if mapped.test {
        return Ok(skipped(
            "test",
            None,
            json!({
                "message": "the channel marked this request as a test",
                "map_version": version,
            }),
        ));
    }

    let first_status = first_status(mapped.order.status, context.first_status);
    let upsert = batch
        .upsert_order(
            request.account_id,
            request.store_id,
            &mapped.order,
            first_status,
        )
        .await?;
    let warnings = serde_json::to_value(&mapped.warnings).unwrap_or_default();
    Ok(match upsert {
        UpsertOutcome::Created(id) => Outcome::Created(id),
        UpsertOutcome::Updated(id) => Outcome::Updated(id),
        UpsertOutcome::Unchanged(id) => Outcome::Unchanged(id),
        UpsertOutcome::Closed {
            order_id,
            status,
            changed,
        } => skipped(
            "order_closed",
            Some(order_id),
            json!({
                "message": format!("the order is {status}, so imports no longer change it"),
                "would_change": changed,
                "warnings": warnings,
            }),
        ),
        UpsertOutcome::Stale {
            order_id,
            stored,
            incoming,
        } => skipped(
            "stale",
            Some(order_id),
            json!({
                "message": "the stored order was updated at the channel after this request's version",
                "stored_updated_at": stored.format(&Rfc3339).unwrap_or_default(),
                "request_updated_at": incoming.format(&Rfc3339).unwrap_or_default(),
            }),
        ),
    })
}

/// The status a new order gets: the store's automation choice, except that an order the
/// channel already cancelled starts cancelled.
fn first_status(
    mapped: Option<OrderStatus>,
    automation: Option<OrderStatus>,
) -> Option<OrderStatus> {
    match mapped {
        Some(OrderStatus::Cancelled) => Some(OrderStatus::Cancelled),
        _ => automation,
    }
}

fn parse_body(request: &ClaimedRequest, max_body_bytes: usize) -> Result<Value, String> {
    let encoding = content_encoding(&request.headers);
    let decoded = decode_body(encoding.as_deref(), &request.body, max_body_bytes)
        .map_err(|error| format!("the body cannot be decoded: {error}"))?;
    serde_json::from_slice(&decoded).map_err(|error| format!("the body is not valid JSON: {error}"))
}

fn content_encoding(headers: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_json::from_str(headers).ok()?;
    pairs
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
        .map(|(_, value)| value)
}

fn mapping_outcome(error: MappingError, version: i64) -> Outcome {
    match error {
        MappingError::ThinPayload { id, id_path, event } => skipped(
            "thin_payload",
            None,
            json!({
                "message": format!("the request carries only order id {id} at {id_path}, not the order"),
                "event": event,
                "fix": "fetch the order from the channel's API, or have the channel send the full order",
                "map_version": version,
            }),
        ),
        MappingError::NotAnOrder { errors, warnings } => skipped(
            "not_an_order",
            None,
            json!({
                "message": "could not map order number: the request does not look like an order",
                "errors": errors,
                "warnings": warnings,
                "map_version": version,
            }),
        ),
        MappingError::Invalid { errors, warnings } => Outcome::Failed {
            detail: json!({ "reason": "invalid", "errors": errors, "warnings": warnings, "map_version": version }),
        },
    }
}

fn skipped(reason: &'static str, order_id: Option<OrderId>, detail: Value) -> Outcome {
    Outcome::Skipped {
        reason,
        order_id,
        detail,
    }
}

fn failed(errors: Value, version: Option<i64>) -> Outcome {
    Outcome::Failed {
        detail: json!({ "reason": "failed", "errors": errors, "map_version": version }),
    }
}
