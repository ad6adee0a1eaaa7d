//! Fuzz target: element discovery on any JSON body, checking every listed path parses.

#![no_main]

use libfuzzer_sys::fuzz_target;
use postsale_core::mapping::{JsonPath, discover_elements};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for element in discover_elements(&body).elements {
        JsonPath::parse(&element.path).expect("discovered paths parse");
    }
});
