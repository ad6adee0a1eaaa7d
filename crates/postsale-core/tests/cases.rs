//! Failure kinds that receivers of order webhooks have hit: exact big ids, null parents, bodies
//! that are not orders, and dates in every form channels send.

mod common;

use common::case;
use postsale_core::mapping::{
    ApplyContext, ErrorCode, Map, MappingError, apply_map, discover_elements, presets, preview,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Decodes a case's raw body and checks it against its recorded SHA-256.
fn raw_body(case: &Value) -> Vec<u8> {
    let body = case["request"]["body"].as_str().expect("a body string");
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    assert_eq!(
        digest,
        case["request"]["body_sha256"].as_str().unwrap(),
        "body altered"
    );
    body.as_bytes().to_vec()
}

fn shopify() -> &'static Map {
    &presets::get("shopify").unwrap().map
}

fn map(json: Value) -> Map {
    Map::from_value(json).unwrap()
}

#[test]
fn big_ids_stay_exact_in_order_and_preview() {
    let case = case("08-bigint-ids.json");
    let body: Value = serde_json::from_slice(&raw_body(&case)).unwrap();

    let preview = preview(shopify(), &body, &ApplyContext::default());
    let order = preview
        .order
        .expect("the preview shows the order even with errors");
    assert_eq!(order.external_id.as_deref(), Some("820982911946154508"));
    assert_eq!(order.customer.id.as_deref(), Some("115310627314723954"));
    assert_eq!(
        order.lines[0].line_id.as_deref(),
        Some("976318377106520349")
    );
    assert_eq!(
        order.lines[0].product_id.as_deref(),
        Some("788032119674292922")
    );
    assert_eq!(
        order.number, "#9999",
        "name is the fallback when order_number is absent"
    );

    let examples: Vec<Option<String>> = discover_elements(&body)
        .elements
        .into_iter()
        .map(|element| element.example)
        .collect();
    assert!(examples.contains(&Some("976318377106520349".into())));
    assert!(examples.contains(&Some("820982911946154508".into())));
    assert!(!examples.contains(&Some("976318377106520300".into())));
}

#[test]
fn big_id_line_without_name_is_reported() {
    let case = case("08-bigint-ids.json");
    let body: Value = serde_json::from_slice(&raw_body(&case)).unwrap();
    let error = apply_map(shopify(), &body, &ApplyContext::default()).unwrap_err();
    let errors = error.errors();
    assert_eq!(errors.len(), 1, "{error}");
    assert_eq!(errors[0].field, "items.name");
    assert_eq!(errors[0].line, Some(0));
    assert_eq!(errors[0].code, ErrorCode::Missing);
}

#[test]
fn null_parents_give_no_value() {
    let case = case("10-null-addresses-digital-order.json");
    let body: Value = serde_json::from_slice(&raw_body(&case)).unwrap();
    let mapped = apply_map(shopify(), &body, &ApplyContext::default()).unwrap();
    let order = mapped.order;
    assert_eq!(order.number, "1071");
    assert_eq!(order.ship_to, None);
    assert_eq!(order.bill_to, None);
    assert_eq!(order.customer.id, None);
    assert_eq!(
        order.customer.email, None,
        "\"\" is no value, not an empty string"
    );
    assert_eq!(
        order.charges.shipping, None,
        "shipping_lines null is no value"
    );
    assert_eq!(order.lines[0].name, "E-book");
    assert_eq!(order.lines[0].requires_shipping, Some(false));
    assert!(mapped.warnings.is_empty(), "{:?}", mapped.warnings);
}

#[test]
fn empty_string_address_is_no_address() {
    let case = case("10-null-addresses-digital-order.json");
    let body = json!({
        "id": 15,
        "number": "15",
        "shipping": case["woocommerce_variant"]["shipping"].clone(),
        "line_items": [{"name": "E-book", "quantity": 1, "price": 9}]
    });
    let map = &presets::get("woocommerce").unwrap().map;
    let order = apply_map(map, &body, &ApplyContext::default())
        .unwrap()
        .order;
    assert_eq!(order.ship_to, None);
}

#[test]
fn filter_skips_lines_that_need_no_shipping() {
    let case = case("10-null-addresses-digital-order.json");
    let body: Value = serde_json::from_slice(&raw_body(&case)).unwrap();
    let map = map(json!({
        "version": 1,
        "fields": {
            "order.source": {"value": "shop"},
            "order.number": {"path": "$.order_number"}
        },
        "items": {
            "path": "$.line_items[*]",
            "skip_if": {"path": "@.requires_shipping", "equals": false},
            "fields": {"items.name": {"path": "@.title"}, "items.quantity": {"path": "@.quantity"}}
        }
    }));
    let order = apply_map(&map, &body, &ApplyContext::default())
        .unwrap()
        .order;
    assert!(order.lines.is_empty());
}

#[test]
fn bodies_without_an_order_number_are_not_orders() {
    let case = case("11-missing-order-number.json");
    for sample in case["samples"].as_array().unwrap() {
        let platform = sample["platform"].as_str().unwrap();
        let body = &sample["json"];
        let error = apply_map(shopify(), body, &ApplyContext::default()).unwrap_err();
        let MappingError::NotAnOrder { errors, .. } = &error else {
            panic!("{platform}: expected not an order, got {error}");
        };
        let number = errors
            .iter()
            .find(|error| error.field == "order.number")
            .unwrap();
        assert!(
            number.message.contains("could not map order number"),
            "{platform}: {number}"
        );
        assert_eq!(
            number.path.as_deref(),
            Some("first of $.order_number, $.name")
        );
    }
}

#[test]
fn placeholder_numbers_are_rejected() {
    let case = case("11-missing-order-number.json");
    let ecwid = &case["samples"][0]["json"];
    let custom = &case["samples"][2]["json"];
    let map = map(json!({
        "version": 1,
        "fields": {
            "order.source": {"value": "cart"},
            "order.number": {"first_of": ["$.entityId", "$.order.number"]},
            "charges.total": {"path": "$.order.total"}
        }
    }));

    let error = apply_map(&map, ecwid, &ApplyContext::default()).unwrap_err();
    let number = &error.errors()[0];
    assert_eq!(number.code, ErrorCode::Placeholder);
    assert_eq!(number.value.as_deref(), Some("-1"));
    assert!(number.to_string().contains("could not map order number"));

    let error = apply_map(&map, custom, &ApplyContext::default()).unwrap_err();
    assert_eq!(error.errors()[0].code, ErrorCode::Missing);
    assert!(matches!(error, MappingError::NotAnOrder { .. }));
}

#[test]
fn zero_order_number_is_a_value() {
    let map = map(json!({
        "version": 1,
        "fields": {
            "order.source": {"value": "cart"},
            "order.number": {"path": "$.number"},
            "charges.total": {"path": "$.total"}
        }
    }));
    for body in [
        json!({"number": 0, "total": "1.00"}),
        json!({"number": "0", "total": "1.00"}),
    ] {
        let mapped = apply_map(&map, &body, &ApplyContext::default());
        let order = mapped
            .unwrap_or_else(|error| panic!("{body}: {error}"))
            .order;
        assert_eq!(order.number, "0", "{body}");
    }
}

#[test]
fn extra_decimal_places_warn() {
    let map = map(json!({
        "version": 1,
        "fields": {
            "order.source": {"value": "cart"},
            "order.number": {"value": "1"},
            "charges.total": {"path": "$.total"},
            "charges.subtotal": {"path": "$.subtotal"},
            "charges.shipping": {"sum": "$.shipping[*].price"}
        },
        "items": {
            "path": "$.lines[*]",
            "fields": {
                "items.name": {"path": "@.name"},
                "items.quantity": {"value": 1},
                "items.unit_price": {"path": "@.price"}
            }
        }
    }));
    let body: Value = serde_json::from_str(
        r#"{"total": "12.345678", "subtotal": "12.500000",
            "shipping": [{"price": "0.00005"}, {"price": "0.00005"}],
            "lines": [{"name": "Mug", "price": 1.23456}]}"#,
    )
    .unwrap();

    let mapped = apply_map(&map, &body, &ApplyContext::default()).unwrap();

    let charges = &mapped.order.charges;
    assert_eq!(charges.total.unwrap().to_string(), "12.3457");
    assert_eq!(charges.subtotal.unwrap().to_string(), "12.5000");
    assert_eq!(
        charges.shipping.unwrap().to_string(),
        "0.0001",
        "summed exactly"
    );
    assert_eq!(
        mapped.order.lines[0].unit_price.unwrap().to_string(),
        "1.2346"
    );
    let warned: Vec<(&str, Option<&str>)> = mapped
        .warnings
        .iter()
        .map(|warning| (warning.field.as_str(), warning.value.as_deref()))
        .collect();
    assert_eq!(
        warned,
        [
            ("charges.total", Some("12.345678")),
            ("items.unit_price", Some("1.23456"))
        ]
    );
    assert!(
        mapped.warnings[0].message.contains("12.3457"),
        "{}",
        mapped.warnings[0]
    );
    assert!(
        mapped.warnings[1].message.contains("1.2346"),
        "{}",
        mapped.warnings[1]
    );
    assert_eq!(mapped.warnings[1].line, Some(0));
}

fn date_map(path: &str, extra: Value) -> Map {
    let mut rule = json!({"path": path});
    if let (Some(rule), Some(extra)) = (rule.as_object_mut(), extra.as_object()) {
        rule.extend(extra.clone());
    }
    map(json!({
        "version": 1,
        "fields": {
            "order.source": {"value": "test"},
            "order.number": {"value": "1"},
            "order.date": rule
        }
    }))
}

fn read_date(body: Value, map: &Map, context: &ApplyContext) -> Option<(String, String, String)> {
    let order = apply_map(map, &body, context).unwrap().order;
    let stamp = order.order_date?;
    let utc = stamp
        .utc
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    Some((utc, stamp.offset, stamp.original))
}

#[test]
fn dates_in_every_form_parse() {
    let case = case("12-timezone-less-and-odd-dates.json");
    let samples = case["samples"].as_array().unwrap();
    let utc = ApplyContext::default();
    let expected = [
        ("date_created", "2023-08-16T07:45:56Z", "+00:00"),
        ("created_at", "2022-07-28T14:13:40Z", "+00:00"),
        ("createdOn", "2020-04-22T22:18:00Z", "+00:00"),
        ("date_created", "2012-11-14T19:26:23Z", "+00:00"),
        ("created_at", "2019-06-25T16:15:35Z", "+00:00"),
        ("created_at", "2025-01-24T04:10:15Z", "-05:00"),
    ];
    for (sample, (key, instant, offset)) in samples.iter().zip(expected) {
        let map = date_map(&format!("$.{key}"), json!({}));
        let (utc_text, offset_text, original) = read_date(sample.clone(), &map, &utc).unwrap();
        assert_eq!(utc_text, instant, "{sample}");
        assert_eq!(offset_text, offset, "{sample}");
        let sent = &sample[key];
        let sent_text = sent
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| sent.to_string());
        assert_eq!(original, sent_text);
    }
}

#[test]
fn naive_dates_use_the_store_zone() {
    let case = case("12-timezone-less-and-odd-dates.json");
    let woo = case["samples"][0].clone();
    let store = ApplyContext::with_time_zone("America/Sao_Paulo").unwrap();
    let local = date_map("$.date_created", json!({}));
    let (utc, offset, _) = read_date(woo.clone(), &local, &store).unwrap();
    assert_eq!(
        (utc.as_str(), offset.as_str()),
        ("2023-08-16T10:45:56Z", "-03:00")
    );

    let gmt = date_map("$.date_created_gmt", json!({"time_zone": "UTC"}));
    let (utc, offset, _) = read_date(woo, &gmt, &store).unwrap();
    assert_eq!(
        (utc.as_str(), offset.as_str()),
        ("2023-08-16T07:45:56Z", "+00:00")
    );
}

#[test]
fn empty_date_is_no_date() {
    let case = case("12-timezone-less-and-odd-dates.json");
    let bigcommerce = case["samples"][3].clone();
    let map = date_map("$.date_shipped", json!({}));
    assert_eq!(read_date(bigcommerce, &map, &ApplyContext::default()), None);
}

#[test]
fn zero_date_is_no_date() {
    let map = date_map("$.when", json!({}));
    let body = json!({"when": "0000-00-00 00:00:00"});
    assert_eq!(read_date(body, &map, &ApplyContext::default()), None);
}

#[test]
fn unreadable_date_names_field_value_and_fix() {
    let map = date_map("$.when", json!({}));
    let error = apply_map(&map, &json!({"when": "soon"}), &ApplyContext::default()).unwrap_err();
    let error = &error.errors()[0];
    assert_eq!(error.field, "order.date");
    assert_eq!(error.path.as_deref(), Some("$.when"));
    assert_eq!(error.value.as_deref(), Some("soon"));
    assert!(error.fix.contains("date-time"));
}

#[test]
fn codes_come_from_the_catalogue() {
    let map = map(json!({
        "version": 1,
        "fields": {
            "order.source": {"value": "shop"},
            "order.number": {"value": "7"},
            "shipment.carrier": {"path": "$.carrier"},
            "shipment.service": {"path": "$.service"},
            "shipment.package": {"path": "$.package"}
        }
    }));
    let good = json!({"carrier": "FedEx", "service": "fedex_ground", "package": "parcel"});
    let order = apply_map(&map, &good, &ApplyContext::default())
        .unwrap()
        .order;
    assert_eq!(order.shipment.carrier.as_deref(), Some("fedex"));
    assert_eq!(order.shipment.service.as_deref(), Some("fedex_ground"));
    assert_eq!(order.shipment.package.as_deref(), Some("parcel"));

    let unknown = json!({"carrier": "Pigeon Post", "service": "ups_ground", "package": "usps_pak"});
    let error = apply_map(&map, &unknown, &ApplyContext::default()).unwrap_err();
    let fields: Vec<&str> = error
        .errors()
        .iter()
        .map(|error| error.field.as_str())
        .collect();
    assert_eq!(fields, ["shipment.carrier", "shipment.package"]);
    assert!(
        error
            .errors()
            .iter()
            .all(|error| error.code == ErrorCode::UnknownCode)
    );

    let mismatch = json!({"carrier": "usps", "service": "ups_ground"});
    let error = apply_map(&map, &mismatch, &ApplyContext::default()).unwrap_err();
    assert_eq!(error.errors()[0].field, "shipment.service");
    assert!(
        error.errors()[0]
            .message
            .contains("not a code of the carrier usps")
    );
}

#[test]
fn all_errors_of_an_order_come_together() {
    let map = &presets::get("woocommerce").unwrap().map;
    let body = json!({
        "number": "-1",
        "total": "-5.00",
        "shipping": {"country": "Narnia", "first_name": "Jane"},
        "line_items": [
            {"name": "", "quantity": 1},
            {"name": "Mug", "quantity": "2.5"},
            {"name": "Cup", "quantity": 0}
        ]
    });
    let error = apply_map(map, &body, &ApplyContext::default()).unwrap_err();
    let found: Vec<(&str, Option<usize>, ErrorCode)> = error
        .errors()
        .iter()
        .map(|error| (error.field.as_str(), error.line, error.code))
        .collect();
    assert_eq!(
        found,
        [
            ("order.number", None, ErrorCode::Placeholder),
            ("ship_to.country", None, ErrorCode::UnknownCountry),
            ("items.name", Some(0), ErrorCode::Missing),
            ("items.quantity", Some(1), ErrorCode::NotWhole),
            ("items.quantity", Some(2), ErrorCode::NotWhole),
            ("charges.total", None, ErrorCode::Negative),
        ]
    );
    for error in error.errors() {
        assert!(error.path.is_some(), "{error}");
        assert!(!error.fix.is_empty(), "{error}");
    }
    assert!(
        error
            .warnings()
            .iter()
            .any(|warning| warning.value.as_deref() == Some("Narnia"))
    );
}
