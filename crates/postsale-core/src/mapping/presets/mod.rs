//! Ready maps for known channels, and picking the one that fits a body best.

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;

use super::classify;
use super::map::{Map, Rule, Source};

/// A ready map for one channel.
#[derive(Debug)]
pub struct Preset {
    /// A short lowercase id, such as `shopify`.
    pub id: &'static str,
    pub map: Map,
}

/// The fit of a preset to a body.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PresetMatch {
    pub id: &'static str,
    /// The share of the preset's element rules that find a value in the body, from 0 to 1;
    /// 1 for a thin payload the preset recognises.
    pub score: f32,
    /// Whether the body is a thin payload this preset recognises.
    pub thin_payload: bool,
}

/// A preset fits a body only when at least this share of its element rules find a value.
const MIN_SCORE: f32 = 0.5;

static SOURCES: [(&str, &str); 4] = [
    ("shopify", include_str!("shopify.json")),
    ("woocommerce", include_str!("woocommerce.json")),
    ("bigcommerce", include_str!("bigcommerce.json")),
    ("squarespace", include_str!("squarespace.json")),
];

static PRESETS: LazyLock<Vec<Preset>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(id, json)| Preset {
            id,
            map: Map::from_json(json.as_bytes())
                .unwrap_or_else(|error| panic!("preset {id} is invalid: {error}")),
        })
        .collect()
});

/// Every preset.
pub fn all() -> &'static [Preset] {
    &PRESETS
}

/// Returns the preset with this id.
pub fn get(id: &str) -> Option<&'static Preset> {
    all().iter().find(|preset| preset.id == id)
}

/// Returns the raw JSON text of a preset, as shipped.
pub fn source(id: &str) -> Option<&'static str> {
    SOURCES
        .iter()
        .find(|(known, _)| *known == id)
        .map(|(_, json)| *json)
}

/// Picks the preset that fits `body` best, or `None` when none fits.
pub fn best_match(body: &Value) -> Option<PresetMatch> {
    let mut best: Option<PresetMatch> = None;
    for preset in all() {
        let candidate = score(preset, body);
        if best.is_none_or(|best| candidate.score > best.score) {
            best = Some(candidate);
        }
    }
    best.filter(|best| best.score >= MIN_SCORE)
}

fn score(preset: &'static Preset, body: &Value) -> PresetMatch {
    let thin =
        preset.map.thin_payload.is_some() && classify::thin_payload(&preset.map, body).is_some();
    if thin {
        return PresetMatch {
            id: preset.id,
            score: 1.0,
            thin_payload: true,
        };
    }
    let (found, total) = rule_hits(&preset.map, body);
    PresetMatch {
        id: preset.id,
        score: if total == 0 {
            0.0
        } else {
            found as f32 / total as f32
        },
        thin_payload: false,
    }
}

/// Counts the rules that read elements, and how many of them find a value in `body`.
fn rule_hits(map: &Map, body: &Value) -> (usize, usize) {
    let mut found = 0;
    let mut total = 0;
    let mut count = |rule: &Rule, base: Option<&super::path::JsonPath>| {
        // Fixed values and headers say nothing about whether the body fits.
        if matches!(
            rule.source(),
            Some(Source::Value(_) | Source::Header(_)) | None
        ) {
            return;
        }
        total += 1;
        let hit = rule.paths().into_iter().any(|path| {
            let path = base.map_or_else(|| path.clone(), |base| path.resolve_against(base));
            let mut nodes = Vec::new();
            path.select(body, body, &mut nodes);
            nodes.iter().any(|node| !node.is_null())
        });
        found += usize::from(hit);
    };
    for rule in map.fields.values() {
        count(rule, None);
    }
    if let Some(items) = &map.items {
        for rule in items.fields.values() {
            count(rule, Some(&items.path));
        }
    }
    (found, total)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_preset_parses_and_checks() {
        assert_eq!(all().len(), 4);
        for preset in all() {
            assert!(preset.map.check().is_ok(), "{}", preset.id);
            assert!(preset.map.missing_required().is_empty(), "{}", preset.id);
        }
    }

    #[test]
    fn unrelated_body_matches_no_preset() {
        assert_eq!(best_match(&json!({"hello": "world"})), None);
        assert_eq!(best_match(&json!([1, 2, 3])), None);
    }
}
