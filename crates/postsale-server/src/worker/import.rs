//! Importing one batch of claimed requests: duplicates, the map, validation, the upsert and
//! the outcome written on each request.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use postsale_core::ingress::{decode_kept_body, parse_json_body, stored_content_encoding};
use postsale_core::mapping::{ApplyContext, FieldWarning, Map, MappingError};
use postsale_core::order::Order;
use postsale_core::{OrderId, OrderStatus, RequestId, StoreId};
use postsale_store::StoreError;
use postsale_store::imports::{ClaimedRequest, ImportBatch, UpsertOutcome};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::{CLAIM_LIMITS, MAX_BATCH_LINES};

/// The maximum number of lines in one order. An order whose items array has more entries
/// fails to import, and the check runs before the map is applied. Mapping and storing an order
/// take time per line inside the import transaction, which on SQLite holds the database's
/// write lock, so the cap bounds how long one order keeps ingress waiting. Entries that the
/// map's `keep_if` or `skip_if` would drop count too, because mapping reads them as well.
/// Channels that publish a limit stay well below it: Clover accepts at most 2,500 line items
/// per order from apps (docs.clover.com, server-side limits), and Shopify's draft order API at
/// most 499 (shopify.dev changelog, API version 2025-07).
pub const MAX_LINES_PER_ORDER: usize = 5_000;

/// The outcome of importing one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The order was created. The value lists the map's warnings, an empty array for none.
    Created(OrderId, Value),
    Updated(OrderId, Value),
    Unchanged(OrderId, Value),
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
            Outcome::Created(..) => "created",
            Outcome::Updated(..) => "updated",
            Outcome::Unchanged(..) => "unchanged",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "failed",
        }
    }

    pub fn order_id(&self) -> Option<OrderId> {
        match self {
            Outcome::Created(id, _) | Outcome::Updated(id, _) | Outcome::Unchanged(id, _) => {
                Some(*id)
            }
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
            Outcome::Created(_, warnings)
            | Outcome::Updated(_, warnings)
            | Outcome::Unchanged(_, warnings) => match warnings.as_array() {
                Some(list) if !list.is_empty() => json!({ "warnings": warnings }),
                _ => json!({}),
            },
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

/// The result of one import transaction.
#[derive(Debug)]
pub struct BatchReport {
    /// The outcome of each request the batch imported, in arrival order.
    pub outcomes: Vec<(RequestId, Outcome)>,
    /// Claimed requests left pending for a later batch because this one reached
    /// [`MAX_BATCH_LINES`] or [`CLAIM_LIMITS`]' body bytes.
    pub deferred: Vec<RequestId>,
}

/// A request after parsing and mapping, before the database decides what happens to it.
enum Prepared {
    /// The outcome, unless the request turns out to be a duplicate.
    Decided(Outcome),
    /// A mapped order to upsert.
    Order {
        order: Box<Order>,
        warnings: Value,
        first_status: Option<OrderStatus>,
    },
}

/// Imports the requests of the batch and commits. Requests are parsed and mapped first, so
/// that the stored orders they touch are read in one query, and the batch stops taking
/// requests at [`MAX_BATCH_LINES`] lines or at [`CLAIM_LIMITS`]' body bytes (it always takes
/// the first). On a database error nothing of the batch is kept and the error is returned.
pub async fn import_batch(mut batch: ImportBatch) -> Result<BatchReport, StoreError> {
    let requests = batch.requests().to_vec();
    let mut stores: HashMap<StoreId, StoreContext> = HashMap::new();
    let mut prepared = Vec::with_capacity(requests.len());
    let mut size = BatchSize::default();
    for request in &requests {
        if let Entry::Vacant(entry) = stores.entry(request.store_id) {
            entry.insert(load_store(&mut batch, request).await?);
        }
        let work = prepare(request, &stores[&request.store_id]);
        if !size.admit(request, &work) {
            break;
        }
        prepared.push(work);
    }
    let deferred = batch.defer_from(prepared.len());

    let keys = requests
        .iter()
        .zip(&prepared)
        .filter_map(|(request, work)| match work {
            Prepared::Order { order, .. } => Some((
                request.account_id,
                order.source.as_str(),
                order.number.as_str(),
            )),
            Prepared::Decided(_) => None,
        });
    batch.load_orders(keys).await?;

    let mut outcomes = Vec::with_capacity(prepared.len());
    for (request, work) in requests.iter().zip(prepared) {
        let outcome = if batch.is_duplicate(request).await? {
            duplicate(request, batch.duplicate_has_same_body(request))
        } else {
            match work {
                Prepared::Decided(outcome) => outcome,
                Prepared::Order {
                    order,
                    warnings,
                    first_status,
                } => upsert(&mut batch, request, &order, warnings, first_status).await?,
            }
        };
        let detail = outcome.detail().to_string();
        batch.finish(request.id, outcome.name(), &detail, outcome.order_id());
        outcomes.push((request.id, outcome));
    }
    batch.commit().await?;
    Ok(BatchReport { outcomes, deferred })
}

/// The size of a batch so far, for [`MAX_BATCH_LINES`] and [`CLAIM_LIMITS`].
#[derive(Default)]
struct BatchSize {
    requests: usize,
    body_bytes: usize,
    lines: usize,
}

impl BatchSize {
    /// Adds the request unless the batch is full. The first request always fits.
    fn admit(&mut self, request: &ClaimedRequest, work: &Prepared) -> bool {
        let lines = match work {
            Prepared::Order { order, .. } => order.lines.len(),
            Prepared::Decided(_) => 0,
        };
        let max_bytes = usize::try_from(CLAIM_LIMITS.body_bytes).unwrap_or(usize::MAX);
        let fits = self.requests == 0
            || (self.body_bytes < max_bytes && self.lines + lines <= MAX_BATCH_LINES);
        if fits {
            self.requests += 1;
            self.body_bytes += request.body.as_ref().map_or(0, Vec::len);
            self.lines += lines;
        }
        fits
    }
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

/// Skips a duplicate. When only the delivery id matched, the message states that the bodies
/// differ, because a channel that gives different orders one delivery id loses every order
/// after the first.
fn duplicate(request: &ClaimedRequest, same_body: bool) -> Outcome {
    let message = match (&request.delivery_id, same_body) {
        (Some(delivery), false) => format!(
            "an earlier request with the same delivery id {delivery:?} was imported, although \
             its body differs. If the channel sends one delivery id for different orders, name \
             a header that differs per delivery in the webhook's delivery_id_header, or have \
             the channel send a new id with each delivery, then send this order again"
        ),
        _ => "an earlier request carried the same delivery id or the same body and was imported"
            .to_owned(),
    };
    skipped("duplicate", None, json!({ "message": message }))
}

/// Parses and maps a request: everything of its import that needs no database.
fn prepare(request: &ClaimedRequest, context: &StoreContext) -> Prepared {
    let Some((version, map)) = &context.map else {
        let message = context.map_error.clone().unwrap_or_default();
        return Prepared::Decided(failed(
            json!([{ "message": message, "fix": "save a map for the store, then replay" }]),
            None,
        ));
    };

    let raw = match &request.body {
        Ok(raw) => raw,
        Err(message) => {
            return Prepared::Decided(failed(
                json!([{
                    "message": format!("the stored body cannot be read: {message}"),
                    "fix": "restore the database from a backup, or have the channel send the order again",
                }]),
                Some(*version),
            ));
        }
    };
    let body = match parse_body(&request.headers, raw) {
        Ok(body) => body,
        Err(message) => {
            return Prepared::Decided(failed(
                json!([{ "message": message, "fix": "the channel must send JSON" }]),
                Some(*version),
            ));
        }
    };
    if let Some(failure) = check_line_count(map, &body, *version) {
        return Prepared::Decided(failure);
    }
    let mapped =
        match super::delivery::apply_to_request(map, &body, &context.apply, &request.headers) {
            Ok(mapped) => mapped,
            Err(error) => return Prepared::Decided(mapping_outcome(error, *version)),
        };
    if mapped.test {
        return Prepared::Decided(skipped(
            "test",
            None,
            json!({
                "message": "the channel marked this request as a test",
                "map_version": version,
            }),
        ));
    }

    Prepared::Order {
        first_status: first_status(mapped.order.status, context.first_status),
        warnings: serde_json::to_value(&mapped.warnings).unwrap_or_default(),
        order: Box::new(mapped.order),
    }
}

/// Fails an order whose items array has more than [`MAX_LINES_PER_ORDER`] entries. It only
/// counts the entries, so that such an order is rejected without being mapped.
fn check_line_count(map: &Map, body: &Value, version: i64) -> Option<Outcome> {
    let (message, fix) = too_many_lines(map, body)?;
    Some(failed(
        json!([{"message": message, "fix": fix}]),
        Some(version),
    ))
}

/// Returns the message and the fix for a body whose items array has more than
/// [`MAX_LINES_PER_ORDER`] entries, which the import fails and the map preview reports.
pub fn too_many_lines(map: &Map, body: &Value) -> Option<(String, String)> {
    let items = map.items.as_ref()?;
    let entries = items.array(body)?.as_array()?.len();
    if entries <= MAX_LINES_PER_ORDER {
        return None;
    }
    let message = format!(
        "the order has {entries} lines (entries of {}), more than the maximum of \
         {MAX_LINES_PER_ORDER} lines per order",
        items.path
    );
    let fix = format!(
        "split the order at the channel into orders of at most {MAX_LINES_PER_ORDER} lines each"
    );
    Some((message, fix))
}

async fn upsert(
    batch: &mut ImportBatch,
    request: &ClaimedRequest,
    order: &Order,
    warnings: Value,
    first_status: Option<OrderStatus>,
) -> Result<Outcome, StoreError> {
    let upsert = batch
        .upsert_order(request.account_id, request.store_id, order, first_status)
        .await?;
    Ok(match upsert {
        UpsertOutcome::Created(id) => Outcome::Created(id, warnings),
        UpsertOutcome::StatusChanged(id, status) if status.conflicts_with_labels() => {
            let labels = batch.active_shipments(request.account_id, id).await?;
            Outcome::Updated(id, with_label_warning(warnings, status, labels))
        }
        UpsertOutcome::StatusChanged(id, _) => Outcome::Updated(id, warnings),
        UpsertOutcome::Updated(id) => Outcome::Updated(id, warnings),
        UpsertOutcome::Unchanged(id) => Outcome::Unchanged(id, warnings),
        UpsertOutcome::Closed {
            order_id,
            status,
            changed,
            channel_status,
        } => {
            let mut message = format!("the order is {status}, so imports no longer change it");
            if let Some(channel_status) = &channel_status {
                message.push_str(&format!(
                    "; the channel now gives the status {channel_status:?}: check the order \
                     with the channel, and settle a refund or return there"
                ));
            }
            skipped(
                "order_closed",
                Some(order_id),
                json!({
                    "message": message,
                    "channel_status": channel_status,
                    "would_change": changed,
                    "warnings": warnings,
                }),
            )
        }
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

/// The status a new order gets. The store's automation choice is meant for orders that
/// arrive open, so a mapped status that is no longer open (the channel already shipped,
/// cancelled or voided the order) wins over it, also when the automation is off.
fn first_status(
    mapped: Option<OrderStatus>,
    automation: Option<OrderStatus>,
) -> Option<OrderStatus> {
    match mapped {
        Some(status) if !status.is_open() => Some(status),
        _ => automation,
    }
}

fn parse_body(headers: &str, raw: &[u8]) -> Result<Value, String> {
    let encoding = stored_content_encoding(headers);
    let decoded = decode_kept_body(encoding.as_deref(), raw)
        .map_err(|error| format!("the body cannot be decoded: {error}"))?;
    parse_json_body(&decoded).map_err(|error| format!("the body is not valid JSON: {error}"))
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

/// Adds a warning to an import that gave an order with shipments not voided a status that a
/// change by hand could not give it: the channel's status applies, and the labels stay for the
/// merchant to void.
fn with_label_warning(warnings: Value, status: OrderStatus, labels: i64) -> Value {
    if labels == 0 {
        return warnings;
    }
    let mut list = match warnings {
        Value::Array(list) => list,
        _ => Vec::new(),
    };
    let (noun, them) = if labels == 1 {
        ("label", "it")
    } else {
        ("labels", "them")
    };
    let warning = FieldWarning {
        field: "order.status".to_owned(),
        line: None,
        path: None,
        value: Some(status.as_str().to_owned()),
        message: format!(
            "the channel's status made the order {status} while it has {labels} shipping \
             {noun} not voided: void {them} in postsale if the packages will not ship"
        ),
    };
    list.extend(serde_json::to_value(warning).ok());
    Value::Array(list)
}

fn failed(errors: Value, version: Option<i64>) -> Outcome {
    Outcome::Failed {
        detail: json!({ "reason": "failed", "errors": errors, "map_version": version }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_warning_names_status_and_count() {
        let mapped = json!([{"field": "order.date", "message": "rounded"}]);

        let warned = with_label_warning(mapped.clone(), OrderStatus::AwaitingPayment, 2);
        let unchanged = with_label_warning(mapped.clone(), OrderStatus::AwaitingPayment, 0);

        assert_eq!(warned[0], mapped[0]);
        let message = warned[1]["message"].as_str().unwrap();
        assert!(
            message.contains("awaiting_payment while it has 2 shipping labels"),
            "{message}"
        );
        assert_eq!(unchanged, mapped);
    }

    #[test]
    fn first_status_follows_a_finished_channel_status() {
        use OrderStatus::{AwaitingPayment, AwaitingShipment, Cancelled, OnHold, Shipped, Voided};
        let cases = [
            (None, Some(AwaitingShipment), Some(AwaitingShipment)),
            (
                Some(AwaitingPayment),
                Some(AwaitingShipment),
                Some(AwaitingShipment),
            ),
            (Some(OnHold), None, None),
            (Some(Shipped), Some(AwaitingShipment), Some(Shipped)),
            (Some(Cancelled), Some(OnHold), Some(Cancelled)),
            (Some(Voided), Some(AwaitingShipment), Some(Voided)),
            (Some(Shipped), None, Some(Shipped)),
        ];
        for (mapped, automation, expected) in cases {
            assert_eq!(
                first_status(mapped, automation),
                expected,
                "mapped {mapped:?}, automation {automation:?}"
            );
        }
    }
}
