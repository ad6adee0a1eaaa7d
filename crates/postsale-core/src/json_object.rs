//! Members read from JSON objects only.
//!
//! serde reads a struct from a JSON array too, by position, and an internally tagged enum from
//! an array with the tag first. So `{"automation": ["on_hold", true]}` would set members that
//! the client did not name, and `["basic_auth", "user", "pass"]` would make a security check.
//! The functions here, used with `#[serde(deserialize_with = ...)]`, accept a JSON object only.

use serde::{Deserialize, Deserializer};

/// A value read only from a JSON object.
struct JsonObject<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(ObjectVisitor(std::marker::PhantomData))
            .map(JsonObject)
    }
}

/// Deserialises a member that must be a JSON object.
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    JsonObject::<T>::deserialize(deserializer).map(|JsonObject(value)| value)
}

/// Deserialises an optional member that must be a JSON object when present.
pub fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<JsonObject<T>>::deserialize(deserializer)
        .map(|object| object.map(|JsonObject(value)| value))
}

/// Deserialises a list whose entries must each be a JSON object.
pub fn object_list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    let entries = Vec::<JsonObject<T>>::deserialize(deserializer)?;
    Ok(entries.into_iter().map(|JsonObject(value)| value).collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pair {
        count: u32,
        flag: bool,
    }

    #[derive(Debug, Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "optional_object")]
        pair: Option<Pair>,
        #[serde(default, deserialize_with = "object_list")]
        pairs: Vec<Pair>,
    }

    #[test]
    fn objects_pass_and_arrays_fail() {
        let read = |value| serde_json::from_value::<Holder>(value);

        let body =
            json!({"pair": {"count": 1, "flag": true}, "pairs": [{"count": 2, "flag": false}]});

        let holder = read(body).unwrap();

        assert_eq!(
            holder.pair,
            Some(Pair {
                count: 1,
                flag: true
            })
        );
        assert_eq!(
            holder.pairs,
            [Pair {
                count: 2,
                flag: false
            }]
        );
        assert_eq!(read(json!({"pair": null})).unwrap().pair, None);
        for wrong in [json!({"pair": [1, true]}), json!({"pairs": [[2, false]]})] {
            let error = read(wrong.clone()).unwrap_err();
            assert!(
                error.to_string().contains("expected a JSON object"),
                "{wrong}: {error}"
            );
        }
    }
}
