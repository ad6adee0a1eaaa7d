//! Property tests: discovery, paths, conversions and applying every preset never panic on
//! arbitrary input, and discovered paths select what they name.

use postsale_core::mapping::convert::datetime::{Zone, parse_datetime};
use postsale_core::mapping::{
    ApplyContext, JsonPath, Template, apply_map, discover_elements, presets, preview, suggest_map,
};
use postsale_core::money::{MoneyFormat, parse_amount};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map as JsonMap, Number, Value};

/// Keys that look like order bodies, plus odd ones that need bracket quoting.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("id".to_owned()),
        Just("name".to_owned()),
        Just("order_number".to_owned()),
        Just("line_items".to_owned()),
        Just("quantity".to_owned()),
        Just("price".to_owned()),
        Just("shipping_address".to_owned()),
        Just("country_code".to_owned()),
        Just("created_at".to_owned()),
        Just("data".to_owned()),
        Just("odd key".to_owned()),
        Just("it's".to_owned()),
        "\\PC{0,8}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,6})?"
            .prop_map(|token| { Value::Number(serde_json::from_str::<Number>(&token).unwrap()) }),
        "\\PC{0,12}".prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?"
            .prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect::<JsonMap<_, _>>())),
        ]
    })
}

proptest! {
    // 256 cases unless PROPTEST_CASES says otherwise.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn discovered_paths_parse_and_select(body in json()) {
        let discovery = discover_elements(&body);
        for element in &discovery.elements {
            let path = JsonPath::parse(&element.path)
                .unwrap_or_else(|error| panic!("{}: {error}", element.path));
            let mut nodes = Vec::new();
            path.select(&body, &body, &mut nodes);
            prop_assert!(!nodes.is_empty(), "{} selects nothing", element.path);
        }
    }

    #[test]
    fn presets_never_panic(body in json()) {
        for preset in presets::all() {
            let _ = apply_map(&preset.map, &body, &ApplyContext::default());
        }
        let _ = presets::best_match(&body);
    }

    #[test]
    fn suggest_and_preview_never_panic(body in json()) {
        let suggestion = suggest_map(&body);
        let previewed = preview(&suggestion.map, &body, &ApplyContext::default());
        prop_assert!(previewed.importable == previewed.errors.is_empty() || previewed.thin_payload.is_some());
    }

    #[test]
    fn path_parse_never_panics(text in "\\PC{0,40}") {
        if let Ok(path) = JsonPath::parse(&text) {
            let written = path.to_string();
            prop_assert_eq!(JsonPath::parse(&written).unwrap(), path);
        }
    }

    #[test]
    fn path_display_round_trips(names in prop::collection::vec("\\PC{0,6}", 1..5)) {
        let mut path = JsonPath::root();
        for name in names {
            path = path.child(postsale_core::mapping::path::Segment::Name(name));
        }
        prop_assert_eq!(JsonPath::parse(&path.to_string()).unwrap(), path);
    }

    #[test]
    fn template_parse_never_panics(text in "[{}$.a-z ]{0,30}") {
        let _ = Template::parse(&text);
    }

    #[test]
    fn dates_never_panic(text in "\\PC{0,30}", is_number in any::<bool>()) {
        let _ = parse_datetime(&text, is_number, None, &Zone::utc());
        let _ = parse_datetime(&text, false, Some("%d/%m/%Y %H:%M"), &Zone::utc());
    }

    #[test]
    fn amounts_never_panic(text in "\\PC{0,30}", minor in prop::option::of(0u32..12)) {
        for format in [MoneyFormat::Plain, MoneyFormat::CommaThousands, MoneyFormat::DotThousands] {
            let _ = parse_amount(&text, format, minor);
        }
    }

    #[test]
    fn cents_parse_exactly(cents in -10_000_000_000i64..10_000_000_000) {
        let sign = if cents < 0 { "-" } else { "" };
        let text = format!("{sign}{}.{:02}", cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
        prop_assert_eq!(parse_amount(&text, MoneyFormat::Plain, None).unwrap(), Decimal::new(cents, 2));
        prop_assert_eq!(
            parse_amount(&cents.to_string(), MoneyFormat::Plain, Some(2)).unwrap(),
            Decimal::new(cents, 2)
        );
    }

    #[test]
    fn grouped_amounts_parse_exactly(whole in 0u64..10_000_000_000, fraction in 0u32..100) {
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let expected = Decimal::new(whole as i64 * 100 + i64::from(fraction), 2);
        let comma = format!("{grouped}.{fraction:02}");
        prop_assert_eq!(parse_amount(&comma, MoneyFormat::CommaThousands, None).unwrap(), expected);
        let dot = comma.replace(',', "_").replace('.', ",").replace('_', ".");
        prop_assert_eq!(parse_amount(&dot, MoneyFormat::DotThousands, None).unwrap(), expected);
    }
}

#[test]
fn deep_and_wide_bodies_stay_bounded() {
    let mut deep = Value::from("leaf");
    for _ in 0..120 {
        deep = Value::Array(vec![deep]);
    }
    let wide: Vec<Value> = (0..100_000)
        .map(|i| serde_json::json!({"sku": i, "quantity": 1}))
        .collect();
    let body = serde_json::json!({"deep": deep, "line_items": wide});

    let started = std::time::Instant::now();
    let discovery = discover_elements(&body);
    for preset in presets::all() {
        let _ = apply_map(&preset.map, &body, &ApplyContext::default());
    }
    let _ = suggest_map(&body);
    assert!(!discovery.truncated.is_empty());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
