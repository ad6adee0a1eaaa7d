//! Suggested maps: from element names, value shapes and arrays, with a confidence per field.

mod common;

use common::payload;
use postsale_core::mapping::{ApplyContext, Suggestion, apply_map, presets, suggest_map};
use serde_json::{Value, json};

fn source_of<'a>(suggestion: &'a Suggestion, field: &str) -> Option<&'a str> {
    suggestion
        .fields
        .iter()
        .find(|suggested| suggested.field.as_str() == field)
        .map(|suggested| suggested.source.as_str())
}

fn custom_cart() -> Value {
    json!({
        "orderId": "A-1001",
        "placedAt": "2024-05-01 10:00:00",
        "buyer": {"email": "buyer@example.com"},
        "deliveryAddress": {
            "fullName": "Jane Example",
            "line1": "1 Example Street",
            "town": "Exampleville",
            "zipCode": "00000",
            "country": "Deutschland"
        },
        "items": [
            {"productName": "Mug", "qty": 2, "unitPrice": "9.50", "sku": "MUG-1"},
            {"productName": "Cup", "qty": 1, "unitPrice": "4.00", "sku": "CUP-1"}
        ],
        "grandTotal": {"amount": "23.00", "currency": "EUR"}
    })
}

#[test]
fn custom_cart_gets_a_working_map() {
    let body = custom_cart();
    assert_eq!(presets::best_match(&body), None, "no preset fits this cart");

    let suggestion = suggest_map(&body);
    assert_eq!(source_of(&suggestion, "order.number"), Some("$.orderId"));
    assert_eq!(source_of(&suggestion, "order.date"), Some("$.placedAt"));
    assert_eq!(
        source_of(&suggestion, "ship_to.name"),
        Some("$.deliveryAddress.fullName")
    );
    assert_eq!(
        source_of(&suggestion, "ship_to.country"),
        Some("$.deliveryAddress.country")
    );
    assert_eq!(source_of(&suggestion, "items.quantity"), Some("@.qty"));
    assert_eq!(
        source_of(&suggestion, "items.unit_price"),
        Some("@.unitPrice")
    );
    assert_eq!(
        source_of(&suggestion, "charges.total"),
        Some("$.grandTotal.amount")
    );
    assert_eq!(
        source_of(&suggestion, "order.currency"),
        Some("$.grandTotal.currency")
    );

    let order = apply_map(&suggestion.map, &body, &ApplyContext::default())
        .unwrap()
        .order;
    assert_eq!(order.number, "A-1001");
    assert_eq!(order.lines.len(), 2);
    assert_eq!(order.lines[0].quantity, 2);
    assert_eq!(order.ship_to.unwrap().country.as_deref(), Some("DE"));
}

#[test]
fn confidences_are_between_zero_and_one() {
    let suggestion = suggest_map(&custom_cart());
    for field in &suggestion.fields {
        assert!(
            field.confidence > 0.0 && field.confidence <= 1.0,
            "{field:?}"
        );
    }
    let source = suggestion
        .fields
        .iter()
        .find(|f| f.field.as_str() == "order.source")
        .unwrap();
    assert!(
        source.confidence < 0.5,
        "the merchant should name the source"
    );
}

#[test]
fn suggestions_import_the_sample_payloads() {
    let cases = [
        ("woocommerce-order-created.json", "897", 1),
        ("woocommerce-order-updated.json", "727", 2),
        ("squarespace-order-fetched.json", "3618", 3),
        ("shopify-orders-create-test-notification.json", "1234", 2),
        ("shopify-orders-updated.json", "1024", 30),
        ("bigcommerce-order-v2-fetched.json", "100", 0),
    ];
    for (name, number, lines) in cases {
        let body = payload(name);
        let suggestion = suggest_map(&body);
        let mapped = apply_map(&suggestion.map, &body, &ApplyContext::default())
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(mapped.order.number, number, "{name}");
        assert_eq!(mapped.order.lines.len(), lines, "{name}");
    }
}

#[test]
fn customer_name_joins_billing_names() {
    let body = payload("woocommerce-order-created.json");
    let suggestion = suggest_map(&body);
    assert_eq!(
        source_of(&suggestion, "order.customer_name"),
        Some("template {$.billing.first_name} {$.billing.last_name}")
    );
    let order = apply_map(&suggestion.map, &body, &ApplyContext::default())
        .unwrap()
        .order;
    assert_eq!(order.customer.name.as_deref(), Some("Jane Example"));
}

#[test]
fn shipping_lines_become_a_sum() {
    let suggestion = suggest_map(&payload("shopify-orders-create.json"));
    assert_eq!(
        source_of(&suggestion, "charges.shipping"),
        Some("sum of $.shipping_lines[*].price")
    );
}

#[test]
fn body_without_order_data_suggests_little() {
    let suggestion = suggest_map(&json!({"hello": "world", "count": 3}));
    assert_eq!(source_of(&suggestion, "order.number"), None);
    assert!(suggestion.map.items.is_none());
}
