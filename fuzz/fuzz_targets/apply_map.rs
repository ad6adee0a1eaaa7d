//! Fuzz target: every preset and a suggested map applied to any JSON body, through the same
//! calls the importer and the preview make.

#![no_main]

use libfuzzer_sys::fuzz_target;
use postsale_core::mapping::{ApplyContext, apply_map, presets, preview, suggest_map};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let context = ApplyContext::default();
    for preset in presets::all() {
        let _ = apply_map(&preset.map, &body, &context);
    }
    let _ = presets::best_match(&body);
    let suggestion = suggest_map(&body);
    let _ = preview(&suggestion.map, &body, &context);
});
