//! Shopify order bodies for the import benchmark, built on the structure of a real
//! `orders/create` delivery: new orders, and later updates of the same orders.

use std::path::PathBuf;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// How many requests after its order's first request an update arrives.
const UPDATE_LAG: usize = 100;

/// Line items per order, taken in turn: 1.75 lines on average.
const LINE_COUNTS: [usize; 4] = [1, 2, 1, 3];

/// The shipping line of the real delivery costs 22.00.
const SHIPPING_CENTS: i64 = 2_200;

const PRODUCTS: [&str; 5] = [
    "Green Snowboard",
    "Wax Kit 250 g",
    "Merino Beanie",
    "Binding Screws (set of 8)",
    "Goggle Case",
];

/// One request of the arrival sequence: which order, and whether it updates that order.
#[derive(Clone, Copy, Debug)]
pub struct Arrival {
    pub order: usize,
    pub update: bool,
}

/// Lists `requests` arrivals: every order once new, and once updated `UPDATE_LAG` requests
/// later, so that half the requests create orders and half update them.
pub fn arrivals(requests: usize) -> Vec<Arrival> {
    let orders = requests / 2;
    let mut sequence = Vec::with_capacity(requests);
    for order in 0..orders {
        sequence.push(Arrival {
            order,
            update: false,
        });
        if order >= UPDATE_LAG {
            sequence.push(Arrival {
                order: order - UPDATE_LAG,
                update: true,
            });
        }
    }
    for order in orders.saturating_sub(UPDATE_LAG)..orders {
        sequence.push(Arrival {
            order,
            update: true,
        });
    }
    sequence
}

/// Reads the real `orders/create` delivery whose structure every body copies.
pub fn load_template() -> Value {
    let shared = match std::env::var("POSTSALE_SHARED_DIR") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let path = shared.join("payloads/shopify-orders-create.json");
    let bytes = std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {} ({error}); set POSTSALE_SHARED_DIR to the shared folder",
            path.display()
        )
    });
    serde_json::from_slice(&bytes).expect("the Shopify sample is JSON")
}

/// Builds the compact body of one arrival. An update carries the same order a day later with
/// a new note and tags, so its fingerprint differs from the first version.
pub fn order_body(template: &Value, arrival: Arrival) -> Vec<u8> {
    let index = arrival.order;
    let mut order = template.clone();
    let id = 6_200_407_294_252_u64 + index as u64;
    let order_number = 1_071 + index as u64;
    order["id"] = Value::from(id);
    order["admin_graphql_api_id"] = Value::from(format!("gid://shopify/Order/{id}"));
    order["order_number"] = Value::from(order_number);
    order["number"] = Value::from(order_number - 1_000);
    order["name"] = Value::from(format!("#{order_number}"));
    order["token"] = Value::from(format!("{:032x}", id.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    order["email"] = Value::from(format!("buyer{index}@example.com"));

    let created = timestamp(&order["created_at"]) + Duration::seconds(37 * index as i64);
    order["created_at"] = Value::from(rfc3339(created));
    order["processed_at"] = Value::from(rfc3339(created));
    let updated = if arrival.update {
        order["note"] = Value::from("Please leave the parcel at the side door");
        order["tags"] = Value::from("repeat-customer, gift");
        created + Duration::days(1)
    } else {
        created
    };
    order["updated_at"] = Value::from(rfc3339(updated));

    let subtotal = replace_lines(&mut order, template, index);
    set_totals(&mut order, subtotal);
    serde_json::to_vec(&order).expect("a JSON value serializes")
}

/// Replaces the line items with new ones in the shape of the real ones, and returns the
/// subtotal in cents. Discounts are dropped so that the totals add up.
fn replace_lines(order: &mut Value, template: &Value, index: usize) -> i64 {
    let shapes = template["line_items"]
        .as_array()
        .expect("the sample has line items");
    let count = LINE_COUNTS[index % LINE_COUNTS.len()];
    let mut subtotal = 0;
    let mut lines = Vec::with_capacity(count);
    for position in 0..count {
        let mut line = shapes[position % shapes.len()].clone();
        let line_id = 15_518_907_892_012_u64 + (index * 4 + position) as u64;
        let product = PRODUCTS[(index + position) % PRODUCTS.len()];
        let cents = 1_990 + ((index * 7 + position * 13) % 90) as i64 * 100;
        let quantity = 1 + (index + position) % 3;
        subtotal += cents * quantity as i64;

        line["id"] = Value::from(line_id);
        line["admin_graphql_api_id"] = Value::from(format!("gid://shopify/LineItem/{line_id}"));
        line["name"] = Value::from(product);
        line["title"] = Value::from(product);
        line["sku"] = Value::from(format!("SKU-{:05}", (index + position) % 500));
        line["quantity"] = Value::from(quantity);
        line["current_quantity"] = Value::from(quantity);
        line["fulfillable_quantity"] = Value::from(quantity);
        line["product_id"] = Value::from(9_782_123_692_332_u64 + (position as u64));
        line["variant_id"] = Value::from(50_398_373_085_484_u64 + (index % 500) as u64);
        set_money(&mut line, "price", cents);
        set_money(&mut line, "total_discount", 0);
        line["discount_allocations"] = Value::Array(Vec::new());
        lines.push(line);
    }
    order["line_items"] = Value::Array(lines);
    subtotal
}

fn set_totals(order: &mut Value, subtotal: i64) {
    let total = subtotal + SHIPPING_CENTS;
    for key in [
        "subtotal_price",
        "current_subtotal_price",
        "total_line_items_price",
    ] {
        set_money(order, key, subtotal);
    }
    for key in ["total_price", "current_total_price"] {
        set_money(order, key, total);
    }
    for key in ["total_discounts", "current_total_discounts"] {
        set_money(order, key, 0);
    }
    order["discount_applications"] = Value::Array(Vec::new());
    order["discount_codes"] = Value::Array(Vec::new());
}

/// Sets a money string and both amounts of its `_set` twin, as Shopify sends them.
fn set_money(object: &mut Value, key: &str, cents: i64) {
    let amount = Value::from(format!("{}.{:02}", cents / 100, cents % 100));
    object[key] = amount.clone();
    let twin = object.get_mut(format!("{key}_set").as_str());
    if let Some(twin) = twin.filter(|twin| twin.is_object()) {
        twin["shop_money"]["amount"] = amount.clone();
        twin["presentment_money"]["amount"] = amount;
    }
}

fn timestamp(value: &Value) -> OffsetDateTime {
    let text = value.as_str().expect("the sample's created_at is a string");
    OffsetDateTime::parse(text, &Rfc3339).expect("the sample's created_at is RFC 3339")
}

fn rfc3339(instant: OffsetDateTime) -> String {
    instant
        .format(&Rfc3339)
        .expect("a date formats as RFC 3339")
}
