//! Fuzz target: reading any bytes as a map document, and applying an accepted map to a sample.

#![no_main]

use libfuzzer_sys::fuzz_target;
use postsale_core::mapping::{ApplyContext, Map, apply_map};
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(map) = Map::from_json(data) else {
        return;
    };
    let sample = json!({
        "id": 1, "name": "#1", "line_items": [{"sku": "A", "quantity": 1, "price": "1.00"}],
        "shipping_address": {"country": "US", "province": "Texas"}
    });
    let _ = apply_map(&map, &sample, &ApplyContext::default());
});
