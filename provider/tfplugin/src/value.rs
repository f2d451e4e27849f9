//! Terraform values. [`Value`] is the untyped form every wire encoding decodes into; the serde
//! bridge ([`to_value`](crate::to_value), [`from_value`](crate::from_value), [`Maybe`]) lets provider code work with plain Rust
//! structs instead: `Option<T>` for a nullable attribute, [`Maybe<T>`] where a value can also be
//! unknown (plan time).
//!
//! Values are untyped on purpose: list, set and tuple are all [`Value::List`], map and object are
//! both [`Value::Map`]. The encoders take the schema's [`Type`](crate::Type) to tell them apart,
//! so a struct serialised by serde needs no type annotations.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value as Json};

use crate::Type;
use crate::error::{ValueError, within, within_index};

/// An untyped Terraform value.
#[derive(Clone, PartialEq, Default)]
pub enum Value {
    /// No value (`null`).
    #[default]
    Null,
    /// Not known until apply.
    Unknown,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// A list, set or tuple.
    List(Vec<Self>),
    /// A map or object.
    Map(BTreeMap<String, Self>),
}

/// Values may hold secrets (sensitive or write-only attributes), so `Debug` shows only the shape.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("Null"),
            Self::Unknown => f.write_str("Unknown"),
            Self::Bool(_) => f.write_str("Bool([redacted])"),
            Self::Number(_) => f.write_str("Number([redacted])"),
            Self::String(_) => f.write_str("String([redacted])"),
            Self::List(items) => f.debug_list().entries(items).finish(),
            Self::Map(map) => f.debug_map().entries(map).finish(),
        }
    }
}

impl Value {
    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// Whether this value or anything inside it is unknown.
    pub fn has_unknowns(&self) -> bool {
        match self {
            Self::Unknown => true,
            Self::List(items) => items.iter().any(Self::has_unknowns),
            Self::Map(map) => map.values().any(Self::has_unknowns),
            _ => false,
        }
    }

    /// A copy with every unknown replaced by null.
    #[must_use]
    pub fn unknowns_to_null(&self) -> Self {
        match self {
            Self::Unknown => Self::Null,
            Self::List(items) => Self::List(items.iter().map(Self::unknowns_to_null).collect()),
            Self::Map(map) => Self::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.unknowns_to_null()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The attribute `name` of an object value (null when absent or when this is not an object).
    pub fn attr(&self, name: &str) -> &Self {
        const NULL: Value = Value::Null;
        match self {
            Self::Map(map) => map.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Sets attribute `name`; turns a null value into an object first.
    pub fn set_attr(&mut self, name: impl Into<String>, value: Self) {
        if !matches!(self, Self::Map(_)) {
            *self = Self::Map(BTreeMap::new());
        }
        if let Self::Map(map) = self {
            map.insert(name.into(), value);
        }
    }

    /// The string inside, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside as i64, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The bool inside, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Converts JSON with the meaning of the serde bridge: the unknown marker object becomes
    /// [`Value::Unknown`].
    pub(crate) fn from_bridge_json(json: Json) -> Self {
        match json {
            Json::Null => Self::Null,
            Json::Bool(b) => Self::Bool(b),
            Json::Number(n) => Self::Number(n),
            Json::String(s) => Self::String(s),
            Json::Array(items) => {
                Self::List(items.into_iter().map(Self::from_bridge_json).collect())
            }
            Json::Object(map) => {
                if map.len() == 1 && map.contains_key(UNKNOWN_MARKER) {
                    return Self::Unknown;
                }
                Self::Map(
                    map.into_iter()
                        .map(|(k, v)| (k, Self::from_bridge_json(v)))
                        .collect(),
                )
            }
        }
    }

    /// The inverse of [`Value::from_bridge_json`].
    pub(crate) fn to_bridge_json(&self) -> Json {
        match self {
            Self::Null => Json::Null,
            Self::Unknown => unknown_marker(),
            Self::Bool(b) => Json::Bool(*b),
            Self::Number(n) => Json::Number(n.clone()),
            Self::String(s) => Json::String(s.clone()),
            Self::List(items) => Json::Array(items.iter().map(Self::to_bridge_json).collect()),
            Self::Map(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.to_bridge_json()))
                    .collect(),
            ),
        }
    }

    /// Decodes Terraform's JSON encoding of a value of type `ty` (the `json` field of a
    /// `DynamicValue`, or stored state). Object attributes missing from the JSON become null;
    /// attributes the type does not declare are dropped, as stored state may still carry
    /// attributes a provider has since removed.
    pub fn from_json(json: &Json, ty: &Type) -> Result<Self, ValueError> {
        from_typed_json(json, ty)
    }

    /// Decodes JSON bytes (see [`Value::from_json`]).
    pub fn from_json_bytes(bytes: &[u8], ty: &Type) -> Result<Self, ValueError> {
        let json: Json =
            serde_json::from_slice(bytes).map_err(|e| ValueError::Json(e.to_string()))?;
        Self::from_json(&json, ty)
    }

    /// Terraform's JSON encoding of this value (no unknowns allowed there: they become null).
    pub fn to_json(&self) -> Json {
        self.unknowns_to_null().to_bridge_json()
    }

    /// The type a dynamic value is sent with: inferred from the value's shape.
    pub fn infer_type(&self) -> Type {
        match self {
            Self::Null | Self::Unknown => Type::Dynamic,
            Self::Bool(_) => Type::Bool,
            Self::Number(_) => Type::Number,
            Self::String(_) => Type::String,
            Self::List(items) => Type::Tuple(items.iter().map(Self::infer_type).collect()),
            Self::Map(map) => Type::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.infer_type()))
                    .collect(),
            ),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Self::Number(n.into())
    }
}

/// A value that may be null or unknown: the field type for attributes whose value is computed at
/// apply time (plan-time models) or whose configuration may reference unknown values.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Maybe<T> {
    /// Not known until apply.
    Unknown,
    /// `null`.
    #[default]
    Null,
    /// A known value.
    Known(T),
}

impl<T> Maybe<T> {
    /// The known value, if any.
    pub fn known(&self) -> Option<&T> {
        match self {
            Self::Known(v) => Some(v),
            _ => None,
        }
    }

    /// Whether this is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown)
    }

    /// Unknown becomes `None`, like null.
    pub fn into_option(self) -> Option<T> {
        match self {
            Self::Known(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<Option<T>> for Maybe<T> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Self::Known)
    }
}

impl<T> fmt::Debug for Maybe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unknown => "Unknown",
            Self::Null => "Null",
            Self::Known(_) => "Known([redacted])",
        })
    }
}

impl<T: Serialize> Serialize for Maybe<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unknown => unknown_marker().serialize(serializer),
            Self::Null => serializer.serialize_none(),
            Self::Known(v) => v.serialize(serializer),
        }
    }
}

/// Deserialises through `deserialize_option`, so that a missing field (a null attribute, which
/// [`from_value`](crate::from_value) leaves out) becomes [`Maybe::Null`] without `#[serde(default)]`.
impl<'de, T: DeserializeOwned> Deserialize<'de> for Maybe<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(MaybeVisitor(std::marker::PhantomData))
    }
}

struct MaybeVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for MaybeVisitor<T> {
    type Value = Maybe<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value, null or unknown")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Maybe::Null)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Maybe::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match Json::deserialize(deserializer)? {
            Json::Null => Ok(Maybe::Null),
            Json::Object(ref map) if map.len() == 1 && map.contains_key(UNKNOWN_MARKER) => {
                Ok(Maybe::Unknown)
            }
            other => serde_json::from_value(other)
                .map(Maybe::Known)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// The key of the one-entry JSON object that stands for an unknown value in the serde bridge.
/// It cannot collide with an attribute name: Terraform names never contain `$` or `:`.
pub(crate) const UNKNOWN_MARKER: &str = "$tfplugin:unknown";

fn unknown_marker() -> Json {
    let mut map = serde_json::Map::new();
    map.insert(UNKNOWN_MARKER.to_owned(), Json::Bool(true));
    Json::Object(map)
}

/// Decodes Terraform's JSON for a value of type `ty`. Error paths are built only when decoding
/// fails (see [`within`](crate::error::within)): a state of a wide resource is decoded on every command, so
/// the happy path allocates nothing for them.
fn from_typed_json(json: &Json, ty: &Type) -> Result<Value, ValueError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    match (ty, json) {
        (Type::String, Json::String(s)) => Ok(Value::String(s.clone())),
        // Legacy states sometimes hold numbers and bools as strings; cty converts them.
        (Type::String, Json::Number(n)) => Ok(Value::String(n.to_string())),
        (Type::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
        (Type::Number, Json::Number(n)) => Ok(Value::Number(n.clone())),
        (Type::Number, Json::String(s)) => parse_number(s).ok_or_else(|| ty.mismatch()),
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Bool, Json::String(s)) if s == "true" || s == "false" => {
            Ok(Value::Bool(s == "true"))
        }
        (Type::List(elem) | Type::Set(elem), Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| from_typed_json(item, elem).map_err(within_index(i)))
            .collect::<Result<_, _>>()
            .map(Value::List),
        (Type::Tuple(elems), Json::Array(items)) if elems.len() == items.len() => items
            .iter()
            .zip(elems)
            .enumerate()
            .map(|(i, (item, elem))| from_typed_json(item, elem).map_err(within_index(i)))
            .collect::<Result<_, _>>()
            .map(Value::List),
        (Type::Map(elem), Json::Object(map)) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), from_typed_json(v, elem).map_err(within(k))?)))
            .collect::<Result<_, ValueError>>()
            .map(Value::Map),
        (Type::Object(attrs), Json::Object(map)) => attrs
            .iter()
            .map(|(name, attr_ty)| {
                let v = map.get(name).unwrap_or(&Json::Null);
                Ok((
                    name.clone(),
                    from_typed_json(v, attr_ty).map_err(within(name))?,
                ))
            })
            .collect::<Result<_, ValueError>>()
            .map(Value::Map),
        (Type::Dynamic, Json::Object(map)) if map.contains_key("type") => {
            let inner_ty = Type::from_json(&map["type"])?;
            from_typed_json(map.get("value").unwrap_or(&Json::Null), &inner_ty)
        }
        (Type::Dynamic, other) => Ok(Value::from_bridge_json(other.clone())),
        _ => Err(ty.mismatch()),
    }
}

pub(crate) fn parse_number(s: &str) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::Number(i.into()));
    }
    if let Ok(u) = s.parse::<u64>() {
        return Some(Value::Number(u.into()));
    }
    s.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{from_value, to_value};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Model {
        name: String,
        ttl: Option<i64>,
        id: Maybe<String>,
    }

    #[test]
    fn serde_bridge_round_trip_with_unknown_and_null() {
        let model = Model {
            name: "a".into(),
            ttl: None,
            id: Maybe::Unknown,
        };
        let value = to_value(&model).unwrap();
        assert_eq!(value.attr("id"), &Value::Unknown);
        assert_eq!(value.attr("ttl"), &Value::Null);
        assert_eq!(from_value::<Model>(&value).unwrap(), model);
    }

    #[test]
    fn unknown_outside_maybe_is_an_error() {
        let mut value = to_value(&Model {
            name: "a".into(),
            ttl: None,
            id: Maybe::Null,
        })
        .unwrap();
        value.set_attr("name", Value::Unknown);
        assert!(from_value::<Model>(&value).is_err());
    }

    #[test]
    fn typed_json_fills_missing_and_drops_undeclared() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        let v = Value::from_json_bytes(br#"{"a":"x","gone":1}"#, &ty).unwrap();
        assert_eq!(v.attr("a"), &Value::from("x"));
        assert_eq!(v.attr("b"), &Value::Null);
        assert!(matches!(v, Value::Map(ref m) if m.len() == 2));
    }

    #[test]
    fn null_attributes_fit_option_maybe_and_defaults() {
        #[derive(Deserialize, Debug)]
        struct Partial {
            id: String,
            #[serde(default)]
            tags: Vec<String>,
            ttl: Option<i64>,
            name: Maybe<String>,
        }
        let mut v = Value::Null;
        v.set_attr("id", "x".into());
        v.set_attr("tags", Value::Null);
        v.set_attr("ttl", Value::Null);
        v.set_attr("name", Value::Null);
        let p: Partial = from_value(&v).unwrap();
        assert_eq!((p.id.as_str(), p.tags.len(), p.ttl), ("x", 0, None));
        assert!(matches!(p.name, Maybe::Null));
        v.set_attr("id", Value::Null);
        let err = from_value::<Partial>(&v).unwrap_err().to_string();
        assert!(err.contains("missing field `id`"), "{err}");
    }

    #[test]
    fn debug_redacts_leaf_values() {
        let v = Value::from("s3cret");
        assert!(!format!("{v:?}").contains("s3cret"));
    }
}
