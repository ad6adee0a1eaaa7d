//! Benchmark: applying the Shopify preset to the 30-line Shopify body, beside parsing that body
//! into a `serde_json::Value`, so the two costs can be compared in one run.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use postsale_core::mapping::{ApplyContext, apply_map, discover_elements, presets, preview};
use serde_json::Value;

fn shared_dir() -> PathBuf {
    match std::env::var("POSTSALE_SHARED_DIR") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn body_bytes() -> Vec<u8> {
    let path = shared_dir().join("payloads/shopify-orders-updated.json");
    let pretty = std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {} ({error}); set POSTSALE_SHARED_DIR",
            path.display()
        )
    });
    let value: Value = serde_json::from_slice(&pretty).expect("the sample is JSON");
    serde_json::to_vec(&value).expect("a value serializes")
}

fn shopify_thirty_lines(c: &mut Criterion) {
    let bytes = body_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let map = &presets::get("shopify").expect("the shopify preset").map;
    let context = ApplyContext::default();
    assert_eq!(
        apply_map(map, &body, &context).unwrap().order.lines.len(),
        30
    );

    let mut group = c.benchmark_group("shopify_orders_updated");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&bytes)).unwrap())
    });
    group.bench_function("apply_map", |b| {
        b.iter(|| apply_map(black_box(map), black_box(&body), &context).unwrap())
    });
    group.bench_function("discover_elements", |b| {
        b.iter(|| discover_elements(black_box(&body)))
    });
    group.bench_function("preview", |b| {
        b.iter(|| preview(black_box(map), black_box(&body), &context))
    });
    group.finish();
}

criterion_group!(benches, shopify_thirty_lines);
criterion_main!(benches);
