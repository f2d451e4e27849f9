//! cty type constraints, the type system of Terraform values. Schemas send them to Terraform as
//! JSON (`"string"`, `["list","string"]`, `["object",{"a":"number"}]`), and the msgpack and JSON
//! value encodings need them to decode: a msgpack array is a list, a set or a tuple only by type.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::error::ValueError;

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `string`
    String,
    /// `number`: arbitrary precision in Terraform; i64, u64 or f64 here.
    Number,
    /// `bool`
    Bool,
    /// `dynamic`: any type, chosen by the value (encoded with its type on the wire).
    Dynamic,
    /// `list(T)`
    List(Box<Self>),
    /// `set(T)`
    Set(Box<Self>),
    /// `map(T)`
    Map(Box<Self>),
    /// `object({...})`, attributes sorted by name.
    Object(BTreeMap<String, Self>),
    /// `tuple([...])`
    Tuple(Vec<Self>),
}

impl Type {
    /// The error for a value that does not have this type's shape (its path is added by
    /// [`within`](crate::error::within) on the way out).
    pub(crate) fn mismatch(&self) -> ValueError {
        ValueError::Mismatch {
            path: String::new(),
            expected: self.to_json().to_string(),
        }
    }

    /// `list(elem)`.
    pub fn list(elem: Self) -> Self {
        Self::List(Box::new(elem))
    }

    /// `set(elem)`.
    pub fn set(elem: Self) -> Self {
        Self::Set(Box::new(elem))
    }

    /// `map(elem)`.
    pub fn map(elem: Self) -> Self {
        Self::Map(Box::new(elem))
    }

    /// `object({...})` from `(name, type)` pairs.
    pub fn object<S: Into<String>>(attrs: impl IntoIterator<Item = (S, Self)>) -> Self {
        Self::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The type as the JSON value Terraform expects in schemas and dynamic values.
    pub fn to_json(&self) -> Json {
        match self {
            Self::String => json!("string"),
            Self::Number => json!("number"),
            Self::Bool => json!("bool"),
            Self::Dynamic => json!("dynamic"),
            Self::List(elem) => json!(["list", elem.to_json()]),
            Self::Set(elem) => json!(["set", elem.to_json()]),
            Self::Map(elem) => json!(["map", elem.to_json()]),
            Self::Object(attrs) => {
                let attrs: serde_json::Map<String, Json> = attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect();
                json!(["object", attrs])
            }
            Self::Tuple(elems) => {
                json!(["tuple", elems.iter().map(Self::to_json).collect::<Vec<_>>()])
            }
        }
    }

    /// The type as JSON bytes, the form `Schema.Attribute.type` carries.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Parses a type from its JSON form. Optional-attribute lists of object types are accepted
    /// and ignored: the attributes are still part of the type.
    pub fn from_json(json: &Json) -> Result<Self, ValueError> {
        let bad = || ValueError::BadType(json.to_string());
        match json {
            Json::String(s) => match s.as_str() {
                "string" => Ok(Self::String),
                "number" => Ok(Self::Number),
                "bool" => Ok(Self::Bool),
                "dynamic" => Ok(Self::Dynamic),
                _ => Err(bad()),
            },
            Json::Array(items) => {
                let kind = items.first().and_then(Json::as_str).ok_or_else(bad)?;
                let arg = items.get(1).ok_or_else(bad)?;
                match kind {
                    "list" => Ok(Self::list(Self::from_json(arg)?)),
                    "set" => Ok(Self::set(Self::from_json(arg)?)),
                    "map" => Ok(Self::map(Self::from_json(arg)?)),
                    "object" => {
                        let attrs = arg.as_object().ok_or_else(bad)?;
                        let attrs = attrs
                            .iter()
                            .map(|(k, v)| Ok((k.clone(), Self::from_json(v)?)))
                            .collect::<Result<_, ValueError>>()?;
                        Ok(Self::Object(attrs))
                    }
                    "tuple" => {
                        let elems = arg.as_array().ok_or_else(bad)?;
                        Ok(Self::Tuple(
                            elems
                                .iter()
                                .map(Self::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    /// Parses a type from JSON bytes.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self, ValueError> {
        let json: Json = serde_json::from_slice(bytes)
            .map_err(|_| ValueError::BadType(String::from_utf8_lossy(bytes).into_owned()))?;
        Self::from_json(&json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let ty = Type::object([
            ("a", Type::String),
            ("b", Type::list(Type::Number)),
            ("c", Type::map(Type::set(Type::Bool))),
            ("d", Type::Tuple(vec![Type::Dynamic, Type::String])),
        ]);
        let bytes = ty.to_json_bytes();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"["object",{"a":"string","b":["list","number"],"c":["map",["set","bool"]],"d":["tuple",["dynamic","string"]]}]"#
        );
        assert_eq!(Type::from_json_bytes(&bytes).unwrap(), ty);
    }

    #[test]
    fn optional_attributes_are_accepted() {
        let ty = Type::from_json_bytes(br#"["object",{"a":"string"},["a"]]"#).unwrap();
        assert_eq!(ty, Type::object([("a", Type::String)]));
    }
}
