//! The channel presets on the real sample payloads: every order comes out complete and exact.

mod common;

use common::{apply_preset, order_from, payload};
use postsale_core::OrderStatus;
use postsale_core::mapping::{MappingError, presets};
use postsale_core::order::{Address, Line, Order, Timestamp};
use rust_decimal::Decimal;

fn amount(text: &str) -> Option<Decimal> {
    Some(text.parse().unwrap())
}

fn assert_time(stamp: &Option<Timestamp>, utc: &str, offset: &str, original: &str) {
    let stamp = stamp.as_ref().expect("a date-time");
    let expected =
        time::OffsetDateTime::parse(utc, &time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(stamp.utc, expected, "utc of {original}");
    assert_eq!(stamp.offset, offset, "offset of {original}");
    assert_eq!(stamp.original, original);
}

fn assert_line(line: &Line, sku: Option<&str>, name: &str, quantity: u32, unit_price: &str) {
    assert_eq!(line.sku.as_deref(), sku, "sku of {name}");
    assert_eq!(line.name, name);
    assert_eq!(line.quantity, quantity, "quantity of {name}");
    assert_eq!(line.unit_price, amount(unit_price), "unit price of {name}");
}

fn assert_charges(order: &Order, shipping: &str, tax: &str, discount: &str, total: &str) {
    assert_eq!(order.charges.shipping, amount(shipping), "shipping");
    assert_eq!(order.charges.tax, amount(tax), "tax");
    assert_eq!(order.charges.discount, amount(discount), "discount");
    assert_eq!(order.charges.total, amount(total), "total");
}

fn address(order: &Option<Address>) -> &Address {
    order.as_ref().expect("an address")
}

#[test]
fn shopify_create_with_null_addresses() {
    let mapped = order_from("shopify", "shopify-orders-create.json");
    let order = &mapped.order;
    assert!(!mapped.test);
    assert_eq!(order.source, "shopify");
    assert_eq!(order.number, "1071");
    assert_eq!(order.external_id.as_deref(), Some("6200407294252"));
    assert_eq!(order.custom_field_1.as_deref(), Some("#1071"));
    assert_time(
        &order.order_date,
        "2025-01-24T04:10:14Z",
        "-05:00",
        "2025-01-23T23:10:14-05:00",
    );
    assert_time(
        &order.updated_at,
        "2025-01-24T04:10:16Z",
        "-05:00",
        "2025-01-23T23:10:16-05:00",
    );
    assert_eq!(order.currency.as_deref(), Some("HKD"));
    assert_eq!(order.status, Some(OrderStatus::AwaitingShipment));
    assert_eq!(order.channel_status.as_deref(), Some("paid"));
    assert!(
        mapped.warnings.is_empty(),
        "a paid order needs no warning: {:?}",
        mapped.warnings
    );
    assert_eq!(order.ship_to, None);
    assert_eq!(order.bill_to, None);
    assert_eq!(
        order.customer.email, None,
        "an empty email string is no value"
    );

    assert_eq!(order.lines.len(), 2);
    assert_line(&order.lines[0], None, "aaa0103測試商品11aa", 1, "99.00");
    assert_line(&order.lines[1], None, "Green Snowboard", 1, "100.00");
    assert_eq!(order.lines[0].discount, amount("19.10"));
    assert_eq!(order.lines[1].variant_id.as_deref(), Some("50451770802476"));

    assert_eq!(order.charges.subtotal, amount("164.90"));
    assert_charges(order, "22.00", "0.00", "34.10", "186.90");
    assert_eq!(order.shipment.requested_service.as_deref(), Some("Tran"));
    assert_eq!(order.payment.method.as_deref(), Some("manual"));
}

#[test]
fn shopify_updated_thirty_lines() {
    let mapped = order_from("shopify", "shopify-orders-updated.json");
    let order = &mapped.order;
    assert!(
        mapped.test,
        "this order was placed with Shopify's test gateway"
    );
    assert_eq!(order.number, "1024");
    assert_eq!(
        order.status,
        Some(OrderStatus::Shipped),
        "paid and fulfilled"
    );
    assert_eq!(order.currency.as_deref(), Some("INR"));
    assert_time(
        &order.order_date,
        "2020-01-04T06:53:40Z",
        "-05:00",
        "2020-01-04T01:53:40-05:00",
    );

    let ship_to = address(&order.ship_to);
    assert_eq!(ship_to.name.as_deref(), Some("Jane Example"));
    assert_eq!(ship_to.country.as_deref(), Some("IN"));
    assert_eq!(ship_to.state.as_deref(), Some("GJ"));
    assert_eq!(ship_to.postal_code.as_deref(), Some("000000"));
    assert_eq!(address(&order.bill_to).country.as_deref(), Some("IN"));

    assert_eq!(order.lines.len(), 30);
    assert_line(
        &order.lines[0],
        Some("003829926-IN-XS"),
        "Product 1 - in / xs",
        1,
        "50.00",
    );
    let quantities: u32 = order.lines.iter().map(|line| line.quantity).sum();
    let value: Decimal = order
        .lines
        .iter()
        .map(|line| line.unit_price.unwrap() * Decimal::from(line.quantity))
        .sum();
    assert_eq!(quantities, 30);
    assert_eq!(Some(value), amount("1500.00"));
    let with_sku = order.lines.iter().filter(|line| line.sku.is_some()).count();
    assert_eq!(with_sku, 29, "the last line has an empty SKU");
    assert_eq!(order.lines[29].sku, None);
    assert_charges(order, "0.00", "0.00", "0.00", "1500.00");
}

#[test]
fn shopify_cancelled_with_blank_address_fields() {
    let order = order_from("shopify", "shopify-orders-cancelled.json").order;
    assert_eq!(order.number, "1065");
    assert_eq!(order.status, Some(OrderStatus::Cancelled));
    assert_eq!(order.channel_status.as_deref(), Some("cancelled"));
    assert_time(
        &order.order_date,
        "2025-01-23T10:18:47Z",
        "-05:00",
        "2025-01-23T05:18:47-05:00",
    );

    let ship_to = address(&order.ship_to);
    assert_eq!(ship_to.country.as_deref(), Some("HK"));
    assert_eq!(ship_to.street1, None, "\"\" is no value");
    assert_eq!(ship_to.postal_code, None, "zip null is no value");
    assert_eq!(ship_to.name.as_deref(), Some("Jane Example"));
    assert_eq!(address(&order.bill_to).country.as_deref(), Some("HK"));

    assert_eq!(order.lines.len(), 1);
    assert_line(&order.lines[0], None, "aaa0103測試商品11aa", 1, "99.00");
    assert_charges(&order, "0.00", "0.00", "0.00", "99.00");
}

#[test]
fn shopify_test_notification_is_flagged() {
    let mapped = order_from("shopify", "shopify-orders-create-test-notification.json");
    let order = &mapped.order;
    assert!(mapped.test);
    assert_eq!(order.number, "1234");
    assert_eq!(
        order.external_id.as_deref(),
        Some("820982911946154508"),
        "id above 2^53 exact"
    );
    assert_eq!(order.custom_field_1.as_deref(), Some("#9999"));
    assert_eq!(order.customer.id.as_deref(), Some("115310627314723954"));
    assert_eq!(
        order.lines[0].line_id.as_deref(),
        Some("866550311766439020")
    );
    assert_time(
        &order.order_date,
        "2019-06-04T17:53:06Z",
        "-04:00",
        "2019-06-04T13:53:06-04:00",
    );

    let ship_to = address(&order.ship_to);
    assert_eq!(ship_to.state.as_deref(), Some("KY"));
    assert_eq!(ship_to.country.as_deref(), Some("US"));
    assert_eq!(ship_to.phone.as_deref(), Some("555-010-SHIP"));
    assert_eq!(
        address(&order.bill_to).postal_code.as_deref(),
        Some("X0X0X0")
    );

    assert_eq!(order.lines.len(), 2);
    assert_line(
        &order.lines[1],
        Some("IPOD2008PINK"),
        "IPod Nano - 8GB",
        1,
        "199.00",
    );
    assert_eq!(order.lines[1].discount, amount("5.00"));
    assert_eq!(order.lines[1].weight.unwrap().value, Decimal::from(567));
    assert_charges(order, "10.00", "0.00", "5.00", "403.00");
}

#[test]
fn woocommerce_created_reads_gmt_dates() {
    let order = order_from("woocommerce", "woocommerce-order-created.json").order;
    assert_eq!(order.source, "woocommerce");
    assert_eq!(order.number, "897");
    assert_eq!(order.status, Some(OrderStatus::AwaitingShipment));
    assert_time(
        &order.order_date,
        "2021-09-06T18:05:09Z",
        "+00:00",
        "2021-09-06T18:05:09",
    );

    let ship_to = address(&order.ship_to);
    assert_eq!(ship_to.name.as_deref(), Some("Jane Example"));
    assert_eq!(
        (ship_to.state.as_deref(), ship_to.country.as_deref()),
        (Some("TX"), Some("US"))
    );
    assert_eq!(
        address(&order.bill_to).company.as_deref(),
        Some("Example Co")
    );

    assert_eq!(order.lines.len(), 1);
    let line = &order.lines[0];
    assert_line(
        line,
        None,
        "Rhapsody of Realities- A Topical Compendium volume 5",
        1,
        "14.99",
    );
    assert_eq!(
        line.line_total,
        amount("14.99"),
        "total is a string while price is a number"
    );
    assert_eq!(order.charges.subtotal, amount("14.99"));
    assert_charges(&order, "13.45", "0.00", "0.00", "28.44");
    assert_eq!(
        order.payment.method.as_deref(),
        Some("Credit Card (Stripe)")
    );
}

#[test]
fn woocommerce_updated_decodes_entities_and_options() {
    let order = order_from("woocommerce", "woocommerce-order-updated.json").order;
    assert_eq!(order.number, "727");
    assert_eq!(order.customer.id, None, "customer id 0 is a guest");
    assert_time(
        &order.order_date,
        "2017-03-22T19:28:02Z",
        "+00:00",
        "2017-03-22T19:28:02",
    );

    assert_eq!(order.lines.len(), 2);
    assert_line(&order.lines[0], None, "Woo Single #1", 2, "3.00");
    assert_line(
        &order.lines[1],
        Some("Bar3"),
        "Ship Your Idea – Color: Black, Size: M Test",
        1,
        "12.00",
    );
    let options: Vec<(&str, &str)> = order.lines[1]
        .options
        .iter()
        .map(|option| (option.name.as_str(), option.value.as_str()))
        .collect();
    assert_eq!(options, [("pa_color", "black"), ("size", "M Test")]);
    assert_eq!(order.lines[1].tax, amount("0.90"));
    assert_charges(&order, "10.00", "1.35", "0.00", "29.35");
}

#[test]
fn woocommerce_virtual_order_has_no_ship_to() {
    let order = order_from(
        "woocommerce",
        "woocommerce-order-created-virtual-zero-total.json",
    )
    .order;
    assert_eq!(order.number, "15");
    assert_eq!(
        order.ship_to, None,
        "every shipping field is an empty string"
    );
    assert_eq!(address(&order.bill_to).country.as_deref(), Some("VN"));
    assert_eq!(order.payment.method, None);
    assert_line(&order.lines[0], None, "Pipedream 1442", 1, "0.00");
    assert_charges(&order, "0.00", "0.00", "0.00", "0.00");
}

#[test]
fn bigcommerce_v2_order() {
    let mapped = order_from("bigcommerce", "bigcommerce-order-v2-fetched.json");
    let order = &mapped.order;
    assert_eq!(order.source, "bigcommerce");
    assert_eq!(order.number, "100");
    assert_eq!(order.status, Some(OrderStatus::AwaitingShipment));
    assert_time(
        &order.order_date,
        "2012-11-14T19:26:23Z",
        "+00:00",
        "Wed, 14 Nov 2012 19:26:23 +0000",
    );
    assert_eq!(
        order.shipment.ship_by, None,
        "an empty date_shipped is no date"
    );

    let bill_to = address(&order.bill_to);
    assert_eq!(bill_to.state.as_deref(), Some("TX"), "Texas becomes TX");
    assert_eq!(bill_to.country.as_deref(), Some("US"));
    assert_eq!(
        order.ship_to, None,
        "shipping addresses are a link in this body"
    );

    assert!(
        order.lines.is_empty(),
        "products are a link to a sub-resource"
    );
    assert!(
        mapped
            .warnings
            .iter()
            .any(|warning| warning.field == "items")
    );
    assert_eq!(order.charges.subtotal, amount("79.0000"));
    assert_eq!(
        order.charges.total.unwrap().to_string(),
        "79.0000",
        "four decimals kept"
    );
    assert_charges(order, "0.0000", "0.0000", "0.0000", "79.0000");
}

#[test]
fn bigcommerce_webhook_is_a_thin_payload() {
    let error = apply_preset("bigcommerce", "bigcommerce-store-order-created.json").unwrap_err();
    let MappingError::ThinPayload { id, id_path, event } = error else {
        panic!("expected a thin payload, got {error}");
    };
    assert_eq!(id, "250");
    assert_eq!(id_path, "$.data.id");
    assert_eq!(event.as_deref(), Some("store/order/created"));
}

#[test]
fn thin_payload_is_recognised_by_every_preset() {
    for preset in ["shopify", "woocommerce", "squarespace"] {
        let error = apply_preset(preset, "bigcommerce-store-order-created.json").unwrap_err();
        assert!(
            matches!(error, MappingError::ThinPayload { .. }),
            "{preset}: {error}"
        );
    }
}

#[test]
fn squarespace_order() {
    let mapped = order_from("squarespace", "squarespace-order-fetched.json");
    let order = &mapped.order;
    assert!(!mapped.test);
    assert_eq!(order.source, "squarespace");
    assert_eq!(order.number, "3618");
    assert_eq!(order.status, Some(OrderStatus::Shipped));
    assert_time(
        &order.order_date,
        "2021-01-25T21:26:26.134Z",
        "+00:00",
        "2021-01-25T21:26:26.134Z",
    );
    assert_eq!(order.currency.as_deref(), Some("USD"));

    let ship_to = address(&order.ship_to);
    assert_eq!(ship_to.country.as_deref(), Some("TT"));
    assert_eq!(ship_to.state.as_deref(), Some("West Indies"));
    assert_eq!(ship_to.street2.as_deref(), Some("Apt 0"));
    assert_eq!(address(&order.bill_to).country.as_deref(), Some("US"));

    assert_eq!(order.lines.len(), 3);
    assert_line(
        &order.lines[0],
        Some("SQ2700585"),
        "Classic Black (Ethiopia)",
        30,
        "14.00",
    );
    assert_line(
        &order.lines[2],
        Some("SQ6167626"),
        "The Shoe That Grows: Black",
        40,
        "20.00",
    );
    assert_eq!(order.lines[1].options.len(), 3);
    assert_eq!(order.lines[0].requires_shipping, Some(true));
    assert_eq!(order.charges.subtotal, amount("1820.00"));
    assert_charges(order, "289.00", "0.00", "2109.00", "0.00");
    assert_eq!(order.shipment.carrier.as_deref(), Some("fedex"));
}

#[test]
fn best_match_picks_the_channel() {
    let cases = [
        ("shopify-orders-create.json", "shopify"),
        ("shopify-orders-updated.json", "shopify"),
        ("shopify-orders-cancelled.json", "shopify"),
        ("shopify-orders-create-test-notification.json", "shopify"),
        ("woocommerce-order-created.json", "woocommerce"),
        ("woocommerce-order-updated.json", "woocommerce"),
        (
            "woocommerce-order-created-virtual-zero-total.json",
            "woocommerce",
        ),
        ("bigcommerce-order-v2-fetched.json", "bigcommerce"),
        ("bigcommerce-store-order-created.json", "bigcommerce"),
        ("squarespace-order-fetched.json", "squarespace"),
    ];
    for (name, expected) in cases {
        let found = presets::best_match(&payload(name)).map(|found| found.id);
        assert_eq!(found, Some(expected), "{name}");
    }
}

#[test]
fn same_body_gives_the_same_fingerprint() {
    let first = order_from("shopify", "shopify-orders-updated.json").order;
    let second = order_from("shopify", "shopify-orders-updated.json").order;
    assert_eq!(first, second);
    assert_eq!(first.fingerprint(), second.fingerprint());
    let other = order_from("shopify", "shopify-orders-create.json").order;
    assert_ne!(first.fingerprint(), other.fingerprint());
}

#[test]
fn shopify_source_is_the_shop_domain() {
    let map = &presets::get("shopify").unwrap().map;
    let body = payload("shopify-orders-create.json");
    let headers = |domain: &str| {
        postsale_core::mapping::ApplyContext::default()
            .with_headers(vec![("x-shopify-shop-domain".into(), domain.into())])
    };

    let first = postsale_core::mapping::apply_map(map, &body, &headers("one.myshopify.com"));
    let second = postsale_core::mapping::apply_map(map, &body, &headers("two.myshopify.com"));
    let without = postsale_core::mapping::apply_map(map, &body, &Default::default());

    assert_eq!(first.unwrap().order.source, "one.myshopify.com");
    assert_eq!(second.unwrap().order.source, "two.myshopify.com");
    assert_eq!(without.unwrap().order.source, "shopify");
}
