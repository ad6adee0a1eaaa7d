//! Helpers shared by the integration tests: locating and reading the shared sample payloads.

#![allow(dead_code)]

use std::path::PathBuf;

use postsale_core::mapping::{ApplyContext, MappedOrder, MappingError, apply_map, presets};
use serde_json::Value;

/// The shared folder: `POSTSALE_SHARED_DIR`, else `shared` beside the workspace root.
pub fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("POSTSALE_SHARED_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Reads the raw bytes of a shared file, panicking with the path when it is missing.
pub fn read_shared(relative: &str) -> Vec<u8> {
    let path = shared_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {} ({error}); set POSTSALE_SHARED_DIR to the shared folder",
            path.display()
        )
    })
}

/// Parses a sample payload once, as the importer does.
pub fn payload(name: &str) -> Value {
    let bytes = read_shared(&format!("payloads/{name}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{name} is not JSON: {error}"))
}

/// Applies a preset to a sample payload in UTC.
pub fn apply_preset(preset: &str, name: &str) -> Result<MappedOrder, MappingError> {
    let map = &presets::get(preset).expect("known preset").map;
    apply_map(map, &payload(name), &ApplyContext::default())
}

/// Applies a preset and expects an order, printing every error otherwise.
pub fn order_from(preset: &str, name: &str) -> MappedOrder {
    match apply_preset(preset, name) {
        Ok(mapped) => mapped,
        Err(error) => {
            let lines: Vec<String> = error.errors().iter().map(ToString::to_string).collect();
            panic!("{preset} on {name}: {error}\n{}", lines.join("\n"))
        }
    }
}

/// Reads a case file from the shared cases folder.
pub fn case(name: &str) -> Value {
    let bytes = read_shared(&format!("cases/{name}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{name} is not JSON: {error}"))
}
