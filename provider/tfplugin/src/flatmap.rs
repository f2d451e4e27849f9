//! The legacy "flatmap" state format of SDKv1 providers (`"tags.%" = "1"`, `"tags.a" = "x"`,
//! `"list.#" = "2"`, `"list.0" = "..."`), decoded by type so UpgradeResourceState can accept it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::{Type, Value};

/// The placeholder SDKv1 stored for a value unknown at the time.
const UNKNOWN: &str = "74D93920-ED26-11E3-AC10-0800200C9A66";

/// Decodes a flatmap as a value of (object) type `ty`. Entries that do not fit the type are
/// left out, as SDKv1 itself did when reading them.
pub(crate) fn decode(map: &BTreeMap<String, String>, ty: &Type) -> Value {
    match ty {
        Type::Object(attrs) => Value::Map(
            attrs
                .iter()
                .map(|(name, attr_ty)| (name.clone(), at(map, name, attr_ty)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

fn primitive(raw: &str, ty: &Type) -> Value {
    if raw == UNKNOWN {
        return Value::Unknown;
    }
    Value::from_json(&Json::String(raw.to_owned()), ty).unwrap_or(Value::Null)
}

/// The distinct next path segments below `prefix.`, excluding the count keys.
fn children(map: &BTreeMap<String, String>, prefix: &str, whole_rest: bool) -> BTreeSet<String> {
    let start = format!("{prefix}.");
    map.range(start.clone()..)
        .take_while(|(k, _)| k.starts_with(&start))
        .filter_map(|(k, _)| {
            let rest = &k[start.len()..];
            let seg = if whole_rest {
                rest
            } else {
                rest.split('.').next().unwrap_or(rest)
            };
            (seg != "#" && seg != "%").then(|| seg.to_owned())
        })
        .collect()
}

fn at(map: &BTreeMap<String, String>, prefix: &str, ty: &Type) -> Value {
    match ty {
        Type::String | Type::Number | Type::Bool | Type::Dynamic => map
            .get(prefix)
            .map_or(Value::Null, |raw| primitive(raw, ty)),
        Type::List(elem) | Type::Set(elem) => {
            let Some(count) = map.get(&format!("{prefix}.#")) else {
                return Value::Null;
            };
            if count == UNKNOWN {
                return Value::Unknown;
            }
            let mut keys: Vec<String> = children(map, prefix, false).into_iter().collect();
            // List indices sort numerically; set hash codes in any stable order.
            keys.sort_by_key(|k| k.parse::<u64>().unwrap_or(u64::MAX));
            Value::List(
                keys.iter()
                    .map(|k| at(map, &format!("{prefix}.{k}"), elem))
                    .collect(),
            )
        }
        Type::Tuple(elems) => Value::List(
            elems
                .iter()
                .enumerate()
                .map(|(i, elem)| at(map, &format!("{prefix}.{i}"), elem))
                .collect(),
        ),
        Type::Map(elem) => {
            let Some(count) = map.get(&format!("{prefix}.%")) else {
                return Value::Null;
            };
            if count == UNKNOWN {
                return Value::Unknown;
            }
            let primitive_elem = matches!(**elem, Type::String | Type::Number | Type::Bool);
            Value::Map(
                children(map, prefix, primitive_elem)
                    .into_iter()
                    .map(|k| {
                        let v = at(map, &format!("{prefix}.{k}"), elem);
                        (k, v)
                    })
                    .collect(),
            )
        }
        Type::Object(attrs) => {
            if children(map, prefix, false).is_empty() {
                return Value::Null;
            }
            Value::Map(
                attrs
                    .iter()
                    .map(|(name, attr_ty)| {
                        (name.clone(), at(map, &format!("{prefix}.{name}"), attr_ty))
                    })
                    .collect(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_lists_maps_and_nested_objects() {
        let map: BTreeMap<String, String> = [
            ("id", "x1"),
            ("count", "3"),
            ("enabled", "true"),
            ("tags.%", "2"),
            ("tags.a", "1"),
            ("tags.b.c", "2"),
            ("names.#", "2"),
            ("names.0", "p"),
            ("names.1", "q"),
            ("rule.#", "1"),
            ("rule.0.port", "443"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let ty = Type::object([
            ("id", Type::String),
            ("count", Type::Number),
            ("enabled", Type::Bool),
            ("tags", Type::map(Type::String)),
            ("names", Type::list(Type::String)),
            ("rule", Type::list(Type::object([("port", Type::Number)]))),
            ("missing", Type::String),
        ]);
        let v = decode(&map, &ty);
        assert_eq!(v.attr("count"), &Value::from(3));
        assert_eq!(v.attr("enabled"), &Value::Bool(true));
        assert_eq!(v.attr("tags").attr("b.c"), &Value::from("2"));
        assert_eq!(v.attr("names"), &Value::List(vec!["p".into(), "q".into()]));
        assert_eq!(
            v.attr("rule"),
            &Value::List(vec![Value::Map(
                [("port".to_owned(), Value::from(443))].into()
            )])
        );
        assert_eq!(v.attr("missing"), &Value::Null);
    }
}
