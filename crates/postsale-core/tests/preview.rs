//! Previews: the order a sample becomes, its errors and warnings, and which elements are used.

mod common;

use common::payload;
use postsale_core::mapping::{ApplyContext, Map, presets, preview};
use serde_json::json;

fn shopify() -> &'static Map {
    &presets::get("shopify").unwrap().map
}

#[test]
fn preview_lists_used_and_unused_elements() {
    let shown = preview(
        shopify(),
        &payload("shopify-orders-create.json"),
        &ApplyContext::default(),
    );
    assert!(shown.importable);
    assert!(shown.errors.is_empty());
    assert_eq!(
        shown.order.as_ref().map(|order| order.number.as_str()),
        Some("1071")
    );

    for used in [
        "$.order_number",
        "$.line_items[*].sku",
        "$.shipping_lines[*].price",
    ] {
        assert!(
            shown.used_elements.iter().any(|path| path == used),
            "{used} used"
        );
    }
    assert!(
        shown
            .unused_elements
            .iter()
            .any(|path| path == "$.browser_ip")
    );
    assert!(
        !shown
            .unused_elements
            .iter()
            .any(|path| path == "$.order_number")
    );
    assert!(
        !shown
            .unused_elements
            .iter()
            .any(|path| path == "$.line_items"),
        "containers"
    );
    assert!(
        shown
            .used_elements
            .iter()
            .all(|path| !path.contains("shipping_address")),
        "null"
    );
}

#[test]
fn preview_of_thin_payload_has_no_order() {
    let body = payload("bigcommerce-store-order-created.json");
    let shown = preview(
        &presets::get("bigcommerce").unwrap().map,
        &body,
        &ApplyContext::default(),
    );
    assert!(!shown.importable);
    assert_eq!(shown.order, None);
    let thin = shown.thin_payload.expect("a thin payload");
    assert_eq!(thin.id, "250");
}

#[test]
fn preview_of_non_order_shows_the_error() {
    let body = json!({"eventType": "unfinished_order.created", "entityId": -1});
    let shown = preview(shopify(), &body, &ApplyContext::default());
    assert!(!shown.importable);
    assert!(shown.not_an_order);
    assert_eq!(shown.errors[0].field, "order.number");
    assert!(
        shown.errors[0]
            .message
            .contains("could not map order number")
    );
}

#[test]
fn preview_marks_the_test_notification() {
    let body = payload("shopify-orders-create-test-notification.json");
    let shown = preview(shopify(), &body, &ApplyContext::default());
    assert!(shown.test);
    assert!(shown.importable);
}

#[test]
fn preview_keeps_warnings_beside_the_order() {
    let map = Map::from_value(json!({
        "version": 1,
        "fields": {
            "order.source": {"value": "shop"},
            "order.number": {"path": "$.n"},
            "ship_to.country": {"path": "$.country"},
            "ship_to.state": {"path": "$.state"},
            "charges.total": {"path": "$.total", "money_format": "dot_thousands"},
            "charges.shipping": {"path": "$.shipping_cents", "minor_units": 2}
        }
    }))
    .unwrap();
    let body = json!({
        "n": 5, "country": "USA", "state": "Atlantis", "total": "1.000,50", "shipping_cents": 499
    });
    let shown = preview(&map, &body, &ApplyContext::default());
    let order = shown.order.expect("an order");
    assert!(shown.importable);
    assert_eq!(
        order.ship_to.as_ref().unwrap().country.as_deref(),
        Some("US")
    );
    assert_eq!(order.charges.total.unwrap().to_string(), "1000.50");
    assert_eq!(order.charges.shipping.unwrap().to_string(), "4.99");
    assert_eq!(shown.warnings.len(), 1);
    assert_eq!(shown.warnings[0].field, "ship_to.state");
    assert_eq!(shown.warnings[0].value.as_deref(), Some("Atlantis"));
}
