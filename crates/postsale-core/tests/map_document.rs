//! The map document: unknown keys and invalid rules are rejected with errors that name them,
//! presets round-trip, and the JSON Schema agrees with the serde types.

mod common;

use std::collections::BTreeSet;

use postsale_core::mapping::{Category, Map, MapError, catalogue, presets};
use serde_json::{Value, json};

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schemas/map.schema.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap()
}

fn rejection(json: Value) -> String {
    match Map::from_value(json) {
        Ok(_) => panic!("the map was accepted"),
        Err(error) => error.to_string(),
    }
}

fn problems(json: Value) -> Vec<String> {
    match Map::from_value(json) {
        Err(MapError::Invalid(problems)) => problems,
        other => panic!("expected rule problems, got {other:?}"),
    }
}

#[test]
fn unknown_keys_are_named() {
    let message = rejection(json!({"version": 1, "feilds": {}}));
    assert!(message.contains("feilds"), "{message}");
    let message = rejection(
        json!({"version": 1, "fields": {"order.number": {"path": "$.n", "convert": "x"}}}),
    );
    assert!(message.contains("convert"), "{message}");
    let message = rejection(json!({"version": 1, "fields": {"order.numbr": {"path": "$.n"}}}));
    assert!(message.contains("order.numbr"), "{message}");
    assert!(
        message.contains("order.number"),
        "suggests the key: {message}"
    );
}

#[test]
fn invalid_paths_are_named() {
    let message = rejection(json!({"version": 1, "fields": {"order.number": {"path": "$..id"}}}));
    assert!(message.contains("$..id"), "{message}");
    assert!(message.contains("descendant"), "{message}");
    let message =
        rejection(json!({"version": 1, "fields": {"order.number": {"template": "{$.a"}}}));
    assert!(message.contains("{$.a"), "{message}");
}

#[test]
fn every_rule_problem_is_reported_together() {
    let found = problems(json!({
        "version": 2,
        "fields": {
            "order.source": {},
            "order.number": {"path": "$.a", "value": "1"},
            "order.external_id": {"path": "@.id"},
            "order.date": {"path": "$.d", "time_zone": "Mars/Base"},
            "order.status": {"path": "$.s", "value_map": {"paid": "done"}},
            "charges.shipping": {"sum": "$.shipping.price"},
            "order.customer_name": {"path": "$.n", "unit": "kg"}
        },
        "items": {"path": "$.lines", "fields": {"order.currency": {"path": "@.c"}}}
    }));
    let expected = [
        "version 2",
        "order.source: the rule has no source",
        "order.number: the rule has 2 sources",
        "order.external_id: @.id starts with @",
        "order.date: unknown time zone \"Mars/Base\"",
        "order.status: the value map gives \"done\"",
        "charges.shipping: sum of $.shipping.price needs a [*]",
        "order.customer_name: unit only works on weight and length fields",
        "items: the path $.lines must start with $ and end with [*]",
        "items: order.currency is an order-level field",
    ];
    for text in expected {
        assert!(
            found.iter().any(|problem| problem.contains(text)),
            "{text} in {found:#?}"
        );
    }
}

#[test]
fn header_source_needs_a_header_name() {
    let found = problems(json!({
        "version": 1,
        "fields": {
            "order.source": {"header": "X Shop"},
            "order.number": {"header": "X-Number", "path": "$.n"}
        }
    }));
    assert!(
        found.iter().any(|problem| problem
            .contains("order.source: header \"X Shop\" is not an HTTP header name")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|problem| problem.contains("order.number: the rule has 2 sources")),
        "{found:#?}"
    );
}

#[test]
fn item_fields_belong_in_items() {
    let found = problems(json!({"version": 1, "fields": {"items.sku": {"path": "$.sku"}}}));
    assert!(found[0].contains("items.sku is an item field"), "{found:?}");
}

#[test]
fn empty_map_cannot_be_saved() {
    let found = problems(json!({"version": 1}));
    assert!(found[0].contains("no field"), "{found:?}");
}

#[test]
fn missing_required_lists_source_and_number() {
    let map =
        Map::from_value(json!({"version": 1, "fields": {"order.date": {"path": "$.d"}}})).unwrap();
    let missing: Vec<&str> = map
        .missing_required()
        .iter()
        .map(|key| key.as_str())
        .collect();
    assert_eq!(missing, ["order.source", "order.number"]);
}

#[test]
fn fixed_values_an_import_rejects_are_problems() {
    let map = Map::from_value(json!({"version": 1,
    "test_flag": {"value": true},
    "fields": {
        "order.source": {"value": "shop"},
        "order.number": {"path": "$.id"},
        "order.currency": {"value": "ZZZ"},
        "charges.total": {"value": "abc"},
        "charges.shipping": {"value": "4.95"},
    }}))
    .unwrap();

    let problems = map.fixed_value_problems();

    assert_eq!(problems.len(), 3, "{problems:?}");
    for start in [
        "charges.total: the fixed value \"abc\" fails every import",
        "order.currency: the fixed value \"ZZZ\" fails every import",
        "test_flag:",
    ] {
        assert!(
            problems.iter().any(|problem| problem.starts_with(start)),
            "{start}: {problems:?}"
        );
    }
    for preset in presets::all() {
        assert_eq!(
            preset.map.fixed_value_problems(),
            Vec::<String>::new(),
            "{}",
            preset.id
        );
    }

    let dot_thousands = |total: &str, flag: Value| {
        Map::from_value(json!({"version": 1, "money_format": "dot_thousands",
        "test_flag": flag,
        "fields": {
            "order.source": {"value": "shop"},
            "order.number": {"path": "$.id"},
            "charges.total": {"value": total},
        }}))
        .unwrap()
        .fixed_value_problems()
    };
    assert_eq!(
        dot_thousands("1.000,00", json!({"path": "$.test"})),
        Vec::<String>::new()
    );
    let problems = dot_thousands("12.50", json!({"value": "yes"}));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("charges.total: the fixed value \"12.50\""),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("test_flag: the fixed value \"yes\""),
        "{problems:?}"
    );
    let fixed_number = Map::from_value(json!({"version": 1, "fields": {
        "order.source": {"value": "shop"},
        "order.number": {"value": "A1"},
    }}))
    .unwrap();
    assert!(
        fixed_number.fixed_value_problems()[0].contains("the same order number"),
        "{:?}",
        fixed_number.fixed_value_problems()
    );
}

#[test]
fn empty_first_of_is_a_problem() {
    let found = problems(json!({"version": 1, "fields": {"order.number": {"first_of": []}}}));
    assert!(
        found
            .iter()
            .any(|problem| problem.contains("first_of is empty")),
        "{found:?}"
    );
}

#[test]
fn empty_fixed_values_count_as_missing() {
    let map = Map::from_value(json!({"version": 1, "fields": {
        "order.source": {"value": "  "},
        "order.number": {"value": ""},
        "order.date": {"path": "$.d"},
    }}))
    .unwrap();
    let missing: Vec<&str> = map
        .missing_required()
        .iter()
        .map(|key| key.as_str())
        .collect();
    assert_eq!(missing, ["order.source", "order.number"]);

    let number = "order.number".parse().unwrap();
    for (rule, imports) in [
        (json!({"value": "A-100"}), true),
        (json!({"value": "", "default": "A-100"}), true),
        (json!({"path": "$.number"}), true),
        (json!({"value": "n/a", "empty_values": ["n/a"]}), false),
        (json!({"value": "x", "value_map": {"x": " "}}), false),
        (json!({"value": "&nbsp;", "decode_html": true}), false),
    ] {
        let map = Map::from_value(json!({"version": 1, "fields": {
            "order.source": {"value": "shop"},
            "order.number": rule,
        }}))
        .unwrap();
        assert_eq!(map.sets(&number), imports, "{rule}");
        assert!(map.sets(&"order.source".parse().unwrap()));
    }
}

#[test]
fn presets_round_trip_through_json() {
    for preset in presets::all() {
        let json = serde_json::to_value(&preset.map).unwrap();
        let back = Map::from_value(json).unwrap();
        assert_eq!(back, preset.map, "{}", preset.id);
    }
}

#[test]
fn presets_validate_against_the_schema() {
    let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
    for preset in presets::all() {
        let source: Value = serde_json::from_str(presets::source(preset.id).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&source)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", preset.id);
    }
}

#[test]
fn schema_rejects_what_serde_rejects() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let invalid = [
        json!({"version": 1, "feilds": {}}),
        json!({"version": 1, "fields": {"order.numbr": {"path": "$.n"}}}),
        json!({"version": 1, "fields": {"order.number": {"path": "$.a", "value": 1}}}),
        json!({"version": 1, "fields": {"items.sku": {"path": "$.a"}}}),
        json!({"version": 2, "fields": {"order.number": {"path": "$.a"}}}),
    ];
    for map in invalid {
        assert!(!validator.is_valid(&map), "schema accepted {map}");
        assert!(
            Map::from_value(map.clone()).is_err(),
            "serde accepted {map}"
        );
    }
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn schema_and_types_agree_on_keys() {
    let schema = schema();
    let full_rule = json!({
        "path": "$.a", "empty_values": ["0"], "default": 1, "value_map": {"a": "b"},
        "split": ",", "money_format": "plain", "minor_units": 2, "datetime_format": "%Y",
        "time_zone": "UTC", "true_words": ["y"], "false_words": ["n"], "unit": "g",
        "decode_html": true
    });
    let rule: postsale_core::mapping::Rule = serde_json::from_value(full_rule).unwrap();
    let mut rule_keys = keys(&serde_json::to_value(&rule).unwrap());
    rule_keys.extend(["value", "template", "first_of", "sum", "header"].map(String::from));
    assert_eq!(rule_keys, keys(&schema["$defs"]["rule"]["properties"]));

    let full_map = json!({
        "version": 1, "name": "n", "description": "d", "money_format": "dot_thousands",
        "test_flag": {"path": "$.t"}, "thin_payload": {"id": "$.id"},
        "fields": {"order.number": {"path": "$.n"}},
        "items": {"path": "$.l[*]", "fields": {}}
    });
    let map = Map::from_value(full_map).unwrap();
    assert_eq!(
        keys(&serde_json::to_value(&map).unwrap()),
        keys(&schema["properties"])
    );

    let enum_of = |pointer: &str| -> BTreeSet<String> {
        let list = schema.pointer(pointer).unwrap().as_array().unwrap();
        list.iter()
            .map(|name| name.as_str().unwrap().to_owned())
            .collect()
    };
    let (items, order): (Vec<_>, Vec<_>) = catalogue()
        .iter()
        .partition(|def| def.key.category() == Category::Items);
    let names = |defs: Vec<&postsale_core::mapping::FieldDef>| -> BTreeSet<String> {
        defs.iter().map(|def| def.name.to_owned()).collect()
    };
    assert_eq!(
        enum_of("/properties/fields/propertyNames/enum"),
        names(order)
    );
    assert_eq!(
        enum_of("/properties/items/properties/fields/propertyNames/enum"),
        names(items)
    );
}

/// Checks that the test flag takes its rule's default when a request has no flag, as a field
/// does, and the request's own value when it has one.
#[test]
fn test_flag_default_applies_without_a_flag() {
    let map = Map::from_value(json!({"version": 1,
        "test_flag": {"path": "$.test", "default": true},
        "fields": {"order.source": {"value": "shop"}, "order.number": {"path": "$.id"}}}))
    .unwrap();
    let context = postsale_core::mapping::ApplyContext::default();
    let flagged = |body: Value| {
        postsale_core::mapping::apply_map(&map, &body, &context)
            .unwrap()
            .test
    };

    assert!(flagged(json!({"id": "1"})));
    assert!(flagged(json!({"id": "2", "test": ""})));
    assert!(!flagged(json!({"id": "3", "test": false})));
    assert!(flagged(json!({"id": "4", "test": true})));
    assert!(
        !flagged(json!({"id": "5", "test": "live"})),
        "an unreadable flag is no test"
    );
    // A default of true would skip every order of a channel that leaves the flag out.
    let problems = map.fixed_value_problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("test_flag: the default true"),
        "{problems:?}"
    );
}

/// Checks that a default that every import without the element would reject is rejected at
/// save, at the order and on a line, while a usable default passes.
#[test]
fn failing_defaults_are_rejected() {
    let map = Map::from_value(json!({"version": 1,
        "fields": {"order.source": {"path": "$.s", "default": "web"},
                   "order.number": {"path": "$.id"},
                   "order.currency": {"path": "$.c", "default": "ZZZ"}},
        "items": {"path": "$.lines[*]", "fields": {
            "items.name": {"path": "@.n", "default": " "},
            "items.quantity": {"path": "@.q", "default": 0}}}}))
    .unwrap();

    let problems = map.fixed_value_problems();

    assert_eq!(problems.len(), 3, "{problems:?}");
    for start in [
        "order.currency: the default \"ZZZ\" fails every import",
        "items.name: the default \" \" fails every order with a line: the value is blank",
        "items.quantity: the default 0 fails every order with a line",
    ] {
        assert!(
            problems.iter().any(|problem| problem.starts_with(start)),
            "{start}: {problems:?}"
        );
    }
}

/// Checks that a number rule giving many requests one number is rejected at save, as a fixed
/// number is, while a rule that reads each request's number passes.
#[test]
fn shared_order_number_rules_are_rejected() {
    let problems_for = |number: Value| {
        Map::from_value(json!({"version": 1, "fields": {
            "order.source": {"value": "shop"}, "order.number": number}}))
        .unwrap()
        .fixed_value_problems()
    };

    for (number, expected) in [
        (
            json!({"path": "$.n", "value_map": {"*": "X"}}),
            "\"*\": \"X\"",
        ),
        (
            json!({"path": "$.n", "value_map": {"#*": "1"}}),
            "\"#*\": \"1\"",
        ),
        (json!({"path": "$.n", "default": "1"}), "order number \"1\""),
        (
            json!({"first_of": ["$.n", "$.id"], "default": "0"}),
            "order number \"0\"",
        ),
    ] {
        let problems = problems_for(number.clone());
        assert_eq!(problems.len(), 1, "{number}: {problems:?}");
        assert!(problems[0].starts_with("order.number: "), "{problems:?}");
        assert!(problems[0].contains(expected), "{problems:?}");
    }
    for number in [
        json!({"path": "$.n"}),
        json!({"path": "$.n", "value_map": {"A-1": "1001"}}),
        json!({"path": "$.n", "value_map": {"*": ""}}),
        json!({"template": "W-{$.n}"}),
        json!({"first_of": ["$.name", "$.id"]}),
    ] {
        assert_eq!(
            problems_for(number.clone()),
            Vec::<String>::new(),
            "{number}"
        );
    }
}

/// Checks that a test flag whose value_map reads false as true is rejected at save, and that
/// one with an entry for false passes.
#[test]
fn test_flag_catch_all_true_is_rejected() {
    let problems_for = |flag: Value| {
        Map::from_value(json!({"version": 1, "test_flag": flag, "fields": {
            "order.source": {"value": "shop"}, "order.number": {"path": "$.id"}}}))
        .unwrap()
        .fixed_value_problems()
    };

    let problems = problems_for(json!({"path": "$.test", "value_map": {"*": "true"}}));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("test_flag: "), "{problems:?}");
    assert!(problems[0].contains("flag is false"), "{problems:?}");

    let with_false = json!({"path": "$.test", "value_map": {"false": "false", "*": "true"}});
    assert_eq!(problems_for(with_false), Vec::<String>::new());
    assert_eq!(
        problems_for(json!({"path": "$.test"})),
        Vec::<String>::new()
    );
}

/// Checks that an order number or source longer than the listing filter takes fails the import
/// with an error that gives the length, and that one of the maximum length imports.
#[test]
fn overlong_order_keys_are_rejected() {
    use postsale_core::mapping::{ApplyContext, MAX_KEY_CHARS, MappingError, apply_map};

    let map = Map::from_value(json!({"version": 1, "fields": {
        "order.source": {"path": "$.s"}, "order.number": {"path": "$.n"}}}))
    .unwrap();
    let context = ApplyContext::default();
    let longest = "n".repeat(MAX_KEY_CHARS);
    let too_long = "n".repeat(MAX_KEY_CHARS + 1);

    let mapped = apply_map(&map, &json!({"s": "shop", "n": longest}), &context).unwrap();
    assert_eq!(mapped.order.number, longest);
    for (body, field) in [
        (json!({"s": "shop", "n": too_long}), "order.number"),
        (json!({"s": too_long, "n": "1001"}), "order.source"),
    ] {
        // A request without a usable order number is not an order, as with a placeholder.
        let errors = match apply_map(&map, &body, &context) {
            Err(MappingError::Invalid { errors, .. } | MappingError::NotAnOrder { errors, .. }) => {
                errors
            }
            other => panic!("{field}: expected errors, got {other:?}"),
        };
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, field);
        assert!(errors[0].message.contains("201 characters"), "{errors:?}");
    }
}

/// Checks that a fixed line value that fails every line is rejected at save, naming the
/// field, while fixed line values an import takes pass.
#[test]
fn failing_fixed_line_values_are_rejected() {
    let problems_for = |fields: Value| {
        Map::from_value(json!({"version": 1,
            "fields": {"order.source": {"value": "shop"}, "order.number": {"path": "$.id"}},
            "items": {"path": "$.lines[*]", "fields": fields}}))
        .unwrap()
        .fixed_value_problems()
    };

    for (fields, field) in [
        (
            json!({"items.quantity": {"value": 0}, "items.name": {"path": "@.n"}}),
            "items.quantity",
        ),
        (
            json!({"items.quantity": {"value": "1.5"}, "items.name": {"path": "@.n"}}),
            "items.quantity",
        ),
        (
            json!({"items.name": {"value": " "}, "items.quantity": {"path": "@.q"}}),
            "items.name",
        ),
        (
            json!({"items.unit_price": {"value": "abc"}, "items.name": {"path": "@.n"}}),
            "items.unit_price",
        ),
    ] {
        let problems = problems_for(fields.clone());
        assert_eq!(problems.len(), 1, "{fields}: {problems:?}");
        assert!(
            problems[0].starts_with(&format!("{field}: the fixed value")),
            "{problems:?}"
        );
    }
    let fine = json!({"items.quantity": {"value": 1}, "items.name": {"value": "Gift wrap"},
                      "items.unit_price": {"value": "2.50"}});
    assert_eq!(problems_for(fine), Vec::<String>::new());
}

/// Checks that a map document that is an array or a single value is rejected as such, where
/// serde would read an array by position.
#[test]
fn map_document_must_be_an_object() {
    for document in ["[1, {}]", "[]", "\"map\"", "  [1]"] {
        let error = Map::from_json(document.as_bytes()).unwrap_err();
        assert!(
            error.to_string().contains("a JSON object"),
            "{document}: {error}"
        );
    }
    let error = Map::from_value(json!([1, {}])).unwrap_err();
    assert!(error.to_string().contains("a JSON object"), "{error}");
}
