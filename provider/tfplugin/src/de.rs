//! A serde `Deserializer` reading model structs straight from a [`Value`], without building an
//! intermediate JSON tree. It follows the serde bridge's rules (see [`crate::from_value`]): null
//! object attributes are left out, and an unknown value reads as the one-entry marker object that
//! only [`Maybe`](crate::Maybe) accepts.

use std::collections::btree_map;
use std::slice;

use serde::de::value::{Error, MapAccessDeserializer};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use serde::de::DeserializeOwned;

use crate::Value;
use crate::error::ValueError;
use crate::value::UNKNOWN_MARKER;

/// Deserialises a [`Value`] into a Rust value (a model struct). An unknown value only fits a
/// [`Maybe`]; anywhere else it is an error. Null attributes are left out rather than passed as
/// null, so a null fits `Option<T>`, [`Maybe<T>`] and any `#[serde(default)]` field, and a null
/// in a required field reads "missing field `name`". (The one cost: a null element of a map
/// disappears rather than arriving as `None`.)
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ValueError> {
    T::deserialize(ValueDeserializer(value)).map_err(|e| ValueError::Serde(e.to_string()))
}

/// Deserialises from a borrowed [`Value`].
pub(crate) struct ValueDeserializer<'de>(pub(crate) &'de Value);

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Unknown => visitor.visit_map(UnknownMarker(false)),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::List(items) => visitor.visit_seq(Seq(items.iter())),
            Value::Map(map) => visitor.visit_map(Map {
                iter: map.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Map(map) => visitor.visit_enum(MapAccessDeserializer::new(Map {
                iter: map.iter(),
                value: None,
            })),
            _ => Err(de::Error::custom(
                "expected a string or a one-entry object for an enum",
            )),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

struct Seq<'de>(slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(ValueDeserializer(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// Object attributes (or map entries), null ones left out.
struct Map<'de> {
    iter: btree_map::Iter<'de, String, Value>,
    value: Option<&'de Value>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        for (k, v) in self.iter.by_ref() {
            if v.is_null() {
                continue;
            }
            self.value = Some(v);
            return seed.deserialize(k.as_str().into_deserializer()).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("value requested before key"))?;
        seed.deserialize(ValueDeserializer(value))
    }
}

/// The one-entry object `{UNKNOWN_MARKER: true}` standing for an unknown value.
struct UnknownMarker(bool);

impl<'de> MapAccess<'de> for UnknownMarker {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.0 {
            return Ok(None);
        }
        self.0 = true;
        seed.deserialize(UNKNOWN_MARKER.into_deserializer())
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(true.into_deserializer())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use crate::{Maybe, Value, from_value, to_value};

    #[derive(Deserialize, serde::Serialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum KeyType {
        Rsa,
        Ec,
    }

    #[derive(Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Inner {
        port: u16,
        weight: f64,
    }

    #[derive(Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Model {
        key_type: KeyType,
        bits: u32,
        offset: i8,
        inner: Vec<Inner>,
        tags: BTreeMap<String, String>,
        maybe: Maybe<Vec<String>>,
        unknown: Maybe<u64>,
        absent: Option<Inner>,
    }

    #[test]
    fn reads_enums_numbers_nesting_and_maybes() {
        let model = Model {
            key_type: KeyType::Ec,
            bits: 384,
            offset: -3,
            inner: vec![Inner {
                port: 443,
                weight: 0.5,
            }],
            tags: [("a".to_owned(), "b".to_owned())].into(),
            maybe: Maybe::Known(vec!["x".to_owned()]),
            unknown: Maybe::Unknown,
            absent: None,
        };
        let value = to_value(&model).unwrap();
        assert_eq!(value.attr("key_type"), &Value::from("ec"));
        assert_eq!(from_value::<Model>(&value).unwrap(), model);
    }

    #[test]
    fn type_errors_are_reported() {
        let mut value = Value::Null;
        value.set_attr("port", Value::from("not a number"));
        value.set_attr("weight", Value::from(1));
        let err = from_value::<Inner>(&value).unwrap_err().to_string();
        assert!(err.contains("invalid type: string"), "{err}");
        value.set_attr("port", Value::from(70_000));
        assert!(
            from_value::<Inner>(&value).is_err(),
            "u16 overflow is refused"
        );
    }
}
