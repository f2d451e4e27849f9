//! Model structs straight to and from cty msgpack, without the untyped [`Value`] in between:
//! [`to_vec`] is `to_value` + `msgpack::encode`, and [`from_slice`] is `msgpack::decode` +
//! `from_value`, with the same results (same bytes, same null/unknown rules, same errors for
//! values that do not fit their type) at a fraction of the allocations. The serde bridge's rules
//! hold unchanged: a null object attribute is left out so that it fits `Option`, [`Maybe`] and
//! `#[serde(default)]`, and an unknown value reads as the marker object only [`Maybe`] accepts.
//!
//! Rare shapes (`dynamic`-typed parts, enum variants with data, bytes) take the `Value` route
//! for their subtree, so there is one definition of what they mean.
//!
//! [`Maybe`]: crate::Maybe

use std::borrow::Cow;
use std::fmt;

use rmp::Marker;
use rmp::encode as enc;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use serde_json::Number;

use crate::msgpack::{Reader, encode_into, mismatch, undeclared, within, within_index};
use crate::value::{UNKNOWN_MARKER, parse_number};
use crate::{Type, Value, ValueError};

/// Encodes a model as msgpack for type `ty`: the bytes `msgpack::encode(&to_value(v)?, ty)`
/// would give.
pub fn to_vec<T: Serialize + ?Sized>(value: &T, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::with_capacity(256);
    value
        .serialize(Ser { out: &mut out, ty })
        .map_err(Error::into_value_error)?;
    Ok(out)
}

/// Decodes msgpack bytes of type `ty` into a model: what `from_value(&msgpack::decode(b, ty)?)`
/// would give.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8], ty: &Type) -> Result<T, ValueError> {
    let mut reader = Reader { buf: bytes };
    let value = T::deserialize(De {
        reader: &mut reader,
        ty,
    })
    .map_err(Error::into_value_error)?;
    if !reader.buf.is_empty() {
        return Err(ValueError::Msgpack(format!(
            "{} bytes left over after the value",
            reader.buf.len()
        )));
    }
    Ok(value)
}

/// Either a wire/type error (kept as is, with its path) or a serde message.
#[derive(Debug)]
pub(crate) enum Error {
    Value(ValueError),
    Serde(String),
}

impl Error {
    fn into_value_error(self) -> ValueError {
        match self {
            Self::Value(e) => e,
            Self::Serde(msg) => ValueError::Serde(msg),
        }
    }

    fn within(self, step: &str) -> Self {
        match self {
            Self::Value(e) => Self::Value(within(step)(e)),
            other => other,
        }
    }
}

impl From<ValueError> for Error {
    fn from(e: ValueError) -> Self {
        Self::Value(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value(e) => e.fmt(f),
            Self::Serde(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::Serde(msg.to_string())
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::Serde(msg.to_string())
    }
}

fn write_err<E: fmt::Display>(e: E) -> Error {
    Error::Value(ValueError::Msgpack(e.to_string()))
}

// ---- serialising

struct Ser<'a> {
    out: &'a mut Vec<u8>,
    ty: &'a Type,
}

impl Ser<'_> {
    /// The `Value` route for one subtree.
    fn via_value<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        let v = crate::to_value(value)?;
        encode_into(self.out, &v, self.ty)?;
        Ok(())
    }

    fn int(self, i: i128) -> Result<(), Error> {
        match self.ty {
            Type::Number => {
                if let Ok(i) = i64::try_from(i) {
                    enc::write_sint(self.out, i).map_err(write_err)?;
                } else if let Ok(u) = u64::try_from(i) {
                    enc::write_uint(self.out, u).map_err(write_err)?;
                }
                Ok(())
            }
            Type::String => enc::write_str(self.out, &i.to_string()).map_err(write_err),
            Type::Dynamic => encode_into(self.out, &int_value(i), self.ty).map_err(Error::from),
            ty => Err(mismatch(ty).into()),
        }
    }

    fn float(self, f: f64) -> Result<(), Error> {
        let n = Number::from_f64(f).ok_or_else(|| {
            Error::Serde("NaN and infinite numbers have no Terraform value".to_owned())
        })?;
        encode_into(self.out, &Value::Number(n), self.ty).map_err(Error::from)
    }
}

fn int_value(i: i128) -> Value {
    match (i64::try_from(i), u64::try_from(i)) {
        (Ok(i), _) => Value::from(i),
        (_, Ok(u)) => Value::Number(u.into()),
        _ => Value::Null,
    }
}

impl<'a> ser::Serializer for Ser<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqSer<'a>;
    type SerializeTuple = SeqSer<'a>;
    type SerializeTupleStruct = SeqSer<'a>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = MapSer<'a>;
    type SerializeStruct = MapSer<'a>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        match self.ty {
            Type::Bool => enc::write_bool(self.out, v).map_err(write_err),
            Type::String => {
                enc::write_str(self.out, if v { "true" } else { "false" }).map_err(write_err)
            }
            Type::Dynamic => encode_into(self.out, &Value::Bool(v), self.ty).map_err(Error::from),
            ty => Err(mismatch(ty).into()),
        }
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        match self.ty {
            Type::String => enc::write_str(self.out, v).map_err(write_err),
            ty => encode_into(self.out, &Value::from(v), ty).map_err(Error::from),
        }
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.via_value(v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        enc::write_nil(self.out).map_err(write_err)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let v = Value::Map([(variant.to_owned(), crate::to_value(value)?)].into());
        encode_into(self.out, &v, self.ty).map_err(Error::from)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'a>, Error> {
        SeqSer::new(self, len)
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'a>, Error> {
        SeqSer::new(self, Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqSer<'a>, Error> {
        SeqSer::new(self, Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error::Serde(
            "enum variants with tuple data have no typed msgpack encoding; use to_value".into(),
        ))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer<'a>, Error> {
        MapSer::new(self)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapSer<'a>, Error> {
        MapSer::new(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(Error::Serde(
            "enum variants with struct data have no typed msgpack encoding; use to_value".into(),
        ))
    }
}

/// A list, set or tuple. Elements go to a scratch buffer when the length is not known up front
/// (the array header comes first on the wire) or the type is `dynamic` (the value route).
pub(crate) enum SeqSer<'a> {
    Direct {
        out: &'a mut Vec<u8>,
        elems: SeqTypes<'a>,
        index: usize,
    },
    Buffered {
        out: &'a mut Vec<u8>,
        ty: &'a Type,
        items: Vec<Value>,
    },
}

#[derive(Clone, Copy)]
pub(crate) enum SeqTypes<'a> {
    Same(&'a Type),
    Tuple(&'a [Type]),
}

impl<'a> SeqSer<'a> {
    fn new(ser: Ser<'a>, len: Option<usize>) -> Result<Self, Error> {
        let elems = match (ser.ty, len) {
            (Type::List(elem) | Type::Set(elem), Some(_)) => SeqTypes::Same(elem),
            (Type::Tuple(elems), Some(n)) if elems.len() == n => SeqTypes::Tuple(elems),
            (Type::List(_) | Type::Set(_) | Type::Tuple(_) | Type::Dynamic, _) => {
                return Ok(Self::Buffered {
                    out: ser.out,
                    ty: ser.ty,
                    items: Vec::new(),
                });
            }
            (ty, _) => return Err(mismatch(ty).into()),
        };
        let len = u32::try_from(len.unwrap_or(0))
            .map_err(|_| ValueError::Msgpack("collection too large".into()))?;
        enc::write_array_len(ser.out, len).map_err(write_err)?;
        Ok(Self::Direct {
            out: ser.out,
            elems,
            index: 0,
        })
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self {
            Self::Direct { out, elems, index } => {
                let ty = match elems {
                    SeqTypes::Same(t) => *t,
                    SeqTypes::Tuple(ts) => ts
                        .get(*index)
                        .ok_or_else(|| Error::Serde("tuple longer than its type".into()))?,
                };
                let i = *index;
                *index += 1;
                value
                    .serialize(Ser { out, ty })
                    .map_err(|e| e.within(&i.to_string()))
            }
            Self::Buffered { items, .. } => {
                items.push(crate::to_value(value)?);
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<(), Error> {
        match self {
            Self::Direct { .. } => Ok(()),
            Self::Buffered { out, ty, items } => {
                encode_into(out, &Value::List(items), ty).map_err(Error::from)
            }
        }
    }
}

impl ser::SerializeSeq for SeqSer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for SeqSer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

/// An object or map. Entries are encoded into one scratch buffer as they come and written out
/// at the end in name order (objects: every declared attribute, absent ones as nil), because
/// struct fields arrive in declaration order and cty wants name order.
pub(crate) struct MapSer<'a> {
    out: &'a mut Vec<u8>,
    ty: &'a Type,
    scratch: Vec<u8>,
    /// (name, start, end) of each entry's encoded value in `scratch`.
    entries: Vec<(Cow<'static, str>, usize, usize)>,
    key: Option<String>,
    unknown_marker: bool,
}

impl<'a> MapSer<'a> {
    /// Any type is accepted here: the unknown marker (a one-entry map) fits every type, and
    /// anything else is checked as entries arrive.
    fn new(ser: Ser<'a>) -> Result<Self, Error> {
        Ok(Self {
            out: ser.out,
            ty: ser.ty,
            scratch: Vec::with_capacity(128),
            entries: Vec::new(),
            key: None,
            unknown_marker: false,
        })
    }

    fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        if key == UNKNOWN_MARKER {
            self.unknown_marker = true;
            return Ok(());
        }
        let ty = match self.ty {
            Type::Object(attrs) => attrs.get(key.as_ref()).ok_or_else(|| undeclared(&key))?,
            Type::Map(elem) => elem.as_ref(),
            // `dynamic`: entries are written as dynamic values, re-read at the end.
            Type::Dynamic => &Type::Dynamic,
            ty => return Err(mismatch(ty).into()),
        };
        let start = self.scratch.len();
        value
            .serialize(Ser {
                out: &mut self.scratch,
                ty,
            })
            .map_err(|e| e.within(&key))?;
        self.entries.push((key, start, self.scratch.len()));
        Ok(())
    }

    fn finish(mut self) -> Result<(), Error> {
        if self.unknown_marker {
            if !self.entries.is_empty() {
                return Err(undeclared(UNKNOWN_MARKER).into());
            }
            // fixext1, type 0: an unknown value (as in msgpack::encode).
            self.out.extend_from_slice(&[0xd4, 0x00, 0x00]);
            return Ok(());
        }
        // Stable, so of repeated keys the last stays last and wins below.
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        let out = self.out;
        match self.ty {
            Type::Object(attrs) => {
                let len = u32::try_from(attrs.len())
                    .map_err(|_| ValueError::Msgpack("collection too large".into()))?;
                enc::write_map_len(out, len).map_err(write_err)?;
                let mut entries = self.entries.iter().peekable();
                for name in attrs.keys() {
                    let mut found = None;
                    while let Some(e) = entries.next_if(|e| e.0 == name.as_str()) {
                        found = Some(e);
                    }
                    enc::write_str(out, name).map_err(write_err)?;
                    match found {
                        Some(&(_, start, end)) => out.extend_from_slice(&self.scratch[start..end]),
                        None => enc::write_nil(out).map_err(write_err)?,
                    }
                }
                Ok(())
            }
            Type::Map(_) => {
                self.entries.dedup_by(|later, earlier| {
                    if later.0 == earlier.0 {
                        *earlier = later.clone();
                        true
                    } else {
                        false
                    }
                });
                let len = u32::try_from(self.entries.len())
                    .map_err(|_| ValueError::Msgpack("collection too large".into()))?;
                enc::write_map_len(out, len).map_err(write_err)?;
                for (name, start, end) in &self.entries {
                    enc::write_str(out, name).map_err(write_err)?;
                    out.extend_from_slice(&self.scratch[*start..*end]);
                }
                Ok(())
            }
            Type::Dynamic => {
                // `dynamic`: decode what was written (as dynamic values) back into Values and
                // take the value route, which infers the object type.
                let mut map = std::collections::BTreeMap::new();
                for (name, start, end) in self.entries {
                    let v = crate::msgpack::decode(&self.scratch[start..end], &Type::Dynamic)?;
                    map.insert(name.into_owned(), v);
                }
                encode_into(out, &Value::Map(map), self.ty).map_err(Error::from)
            }
            ty => Err(mismatch(ty).into()),
        }
    }
}

impl ser::SerializeMap for MapSer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(
            key.serialize(crate::ser::KeySerializer)
                .map_err(|e| Error::Serde(e.0))?,
        );
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error::Serde("map value without a key".into()))?;
        self.entry(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapSer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.entry(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

// ---- deserialising

struct De<'a, 'de> {
    reader: &'a mut Reader<'de>,
    ty: &'a Type,
}

/// What the next value is, after its marker has been read.
enum Head {
    Null,
    Unknown,
    Other(Marker),
}

impl<'de> De<'_, 'de> {
    fn head(&mut self) -> Result<Head, Error> {
        let marker = Marker::from_u8(self.reader.u8()?);
        match marker {
            Marker::Null => Ok(Head::Null),
            Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32 => match self.reader.ext(marker)? {
                0 | 12 => Ok(Head::Unknown),
                other => {
                    Err(ValueError::Msgpack(format!("unexpected extension type {other}")).into())
                }
            },
            m => Ok(Head::Other(m)),
        }
    }

    fn visit_number<V: Visitor<'de>>(n: &Number, visitor: V) -> Result<V::Value, Error> {
        if let Some(u) = n.as_u64() {
            visitor.visit_u64(u)
        } else if let Some(i) = n.as_i64() {
            visitor.visit_i64(i)
        } else {
            visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    /// A value known not to be null or unknown, by type.
    fn known<V: Visitor<'de>>(self, marker: Marker, visitor: V) -> Result<V::Value, Error> {
        let ty = self.ty;
        let is_str = matches!(
            marker,
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32
        );
        match ty {
            Type::String if is_str => {
                let s = Self::borrowed(self.reader, marker)?;
                visitor.visit_borrowed_str(s)
            }
            Type::Number if is_str => {
                let s = Self::borrowed(self.reader, marker)?;
                match parse_number(s) {
                    Some(Value::Number(n)) => Self::visit_number(&n, visitor),
                    _ => Err(mismatch(ty).into()),
                }
            }
            Type::Number => match self.reader.number(marker)? {
                Some(n) => Self::visit_number(&n, visitor),
                None => Err(mismatch(ty).into()),
            },
            Type::Bool => match marker {
                Marker::True => visitor.visit_bool(true),
                Marker::False => visitor.visit_bool(false),
                _ => Err(mismatch(ty).into()),
            },
            Type::List(elem) | Type::Set(elem) => {
                if !is_array(marker) {
                    return Err(mismatch(ty).into());
                }
                let len = self.reader.len(marker)?;
                visitor.visit_seq(SeqDe {
                    reader: self.reader,
                    types: SeqTypes::Same(elem),
                    index: 0,
                    len,
                })
            }
            Type::Tuple(elems) => {
                if !is_array(marker) || self.reader.len(marker)? != elems.len() {
                    return Err(mismatch(ty).into());
                }
                visitor.visit_seq(SeqDe {
                    reader: self.reader,
                    types: SeqTypes::Tuple(elems),
                    index: 0,
                    len: elems.len(),
                })
            }
            Type::Map(_) | Type::Object(_) => {
                if !matches!(marker, Marker::FixMap(_) | Marker::Map16 | Marker::Map32) {
                    return Err(mismatch(ty).into());
                }
                let len = self.reader.len(marker)?;
                visitor.visit_map(MapDe {
                    reader: self.reader,
                    ty,
                    remaining: len,
                    value_ty: None,
                    declared: match ty {
                        Type::Object(attrs) => Some(attrs.range::<str, _>(..)),
                        _ => None,
                    },
                })
            }
            Type::Dynamic => {
                if marker != Marker::FixArray(2) {
                    return Err(mismatch(ty).into());
                }
                let ty_marker = Marker::from_u8(self.reader.u8()?);
                let len = self.reader.len(ty_marker)?;
                let inner = Type::from_json_bytes(self.reader.take(len)?)?;
                de::Deserializer::deserialize_any(
                    De {
                        reader: self.reader,
                        ty: &inner,
                    },
                    visitor,
                )
            }
            _ => Err(mismatch(ty).into()),
        }
    }

    fn borrowed(reader: &mut Reader<'de>, marker: Marker) -> Result<&'de str, Error> {
        let len = reader.len(marker)?;
        let bytes = reader.take(len)?;
        std::str::from_utf8(bytes).map_err(|_| ValueError::Msgpack("invalid UTF-8".into()).into())
    }
}

fn is_array(marker: Marker) -> bool {
    matches!(
        marker,
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32
    )
}

impl<'de> de::Deserializer<'de> for De<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        match self.head()? {
            Head::Null => visitor.visit_unit(),
            Head::Unknown => visitor.visit_map(UnknownMarker(false)),
            Head::Other(marker) => self.known(marker, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Peek: null is `None`; anything else is read again by the inner deserializer.
        if self.reader.buf.first() == Some(&0xc0) {
            self.reader.u8()?;
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.head()? {
            Head::Other(marker)
                if matches!(
                    marker,
                    Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32
                ) && matches!(self.ty, Type::String | Type::Dynamic) =>
            {
                let s = Self::borrowed(self.reader, marker)?;
                visitor.visit_enum(s.into_deserializer())
            }
            // Enum variants with data (one-entry objects) are for `from_value`: a visitor
            // borrowing from this input cannot be handed a decoded Value.
            Head::Other(_) => Err(Error::Serde(
                "expected a string for an enum (variants with data need from_value)".into(),
            )),
            _ => Err(Error::Serde(
                "expected a string or a one-entry object for an enum".into(),
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Still checked against its type, as msgpack::decode would.
        self.reader.value(self.ty)?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct SeqDe<'a, 'de> {
    reader: &'a mut Reader<'de>,
    types: SeqTypes<'a>,
    index: usize,
    len: usize,
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.index == self.len {
            return Ok(None);
        }
        let ty = match self.types {
            SeqTypes::Same(t) => t,
            SeqTypes::Tuple(ts) => &ts[self.index],
        };
        let i = self.index;
        self.index += 1;
        seed.deserialize(De {
            reader: self.reader,
            ty,
        })
        .map(Some)
        .map_err(|e| match e {
            Error::Value(v) => Error::Value(within_index(i)(v)),
            other => other,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.index)
    }
}

/// Object attributes or map entries; null ones are left out (the serde bridge's rule).
struct MapDe<'a, 'de> {
    reader: &'a mut Reader<'de>,
    ty: &'a Type,
    remaining: usize,
    value_ty: Option<(&'a Type, &'de str)>,
    /// For objects: the declared attributes not passed yet. Attributes arrive in name order
    /// from cty, so the next one is usually the one; anything else is looked up.
    declared: Option<std::collections::btree_map::Range<'a, String, Type>>,
}

impl<'a> MapDe<'a, '_> {
    fn attribute_type(
        &mut self,
        attrs: &'a std::collections::BTreeMap<String, Type>,
        key: &str,
    ) -> Result<&'a Type, Error> {
        if let Some(declared) = self.declared.as_mut() {
            for (name, ty) in declared.by_ref() {
                match name.as_str().cmp(key) {
                    std::cmp::Ordering::Less => continue,
                    std::cmp::Ordering::Equal => return Ok(ty),
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
        // Out of order (or passed over): restart the walk after this key next time.
        let found = attrs.get(key).ok_or_else(|| undeclared(key))?;
        self.declared = Some(
            attrs.range::<str, _>((std::ops::Bound::Excluded(key), std::ops::Bound::Unbounded)),
        );
        Ok(found)
    }
}

impl<'de> de::MapAccess<'de> for MapDe<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        while self.remaining > 0 {
            self.remaining -= 1;
            let marker = Marker::from_u8(self.reader.u8()?);
            let len = self.reader.len(marker)?;
            let key = std::str::from_utf8(self.reader.take(len)?)
                .map_err(|_| ValueError::Msgpack("invalid UTF-8".into()))?;
            let ty = match self.ty {
                Type::Object(attrs) => self.attribute_type(attrs, key)?,
                Type::Map(elem) => elem.as_ref(),
                ty => return Err(mismatch(ty).into()),
            };
            if self.reader.buf.first() == Some(&0xc0) {
                self.reader.u8()?;
                continue;
            }
            self.value_ty = Some((ty, key));
            return seed.deserialize(key.into_deserializer()).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (ty, key) = self
            .value_ty
            .take()
            .ok_or_else(|| Error::Serde("value requested before key".into()))?;
        seed.deserialize(De {
            reader: self.reader,
            ty,
        })
        .map_err(|e| e.within(key))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.remaining)
    }
}

/// The one-entry object `{UNKNOWN_MARKER: true}` standing for an unknown value.
struct UnknownMarker(bool);

impl<'de> de::MapAccess<'de> for UnknownMarker {
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

    use serde::{Deserialize, Serialize};

    use super::{from_slice, to_vec};
    use crate::{Maybe, Type, Value, ValueError, from_value, msgpack, to_value};

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    #[serde(rename_all = "lowercase")]
    enum KeyType {
        Rsa,
        Ec,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Inner {
        port: u16,
        weight: f64,
    }

    // Fields deliberately out of name order; `zz_skipped` is declared by the type but not by
    // the struct, and `b_absent` the other way round is not allowed (undeclared).
    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Model {
        name: String,
        key_type: KeyType,
        bits: u32,
        offset: i8,
        big: u64,
        ratio: f64,
        count_as_text: String,
        inner: Vec<Inner>,
        pair: (String, bool),
        tags: BTreeMap<String, String>,
        maybe: Maybe<Vec<String>>,
        unknown: Maybe<u64>,
        absent: Option<Inner>,
        #[serde(default)]
        defaulted: Vec<String>,
        dynamic: Option<BTreeMap<String, i64>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<String>,
    }

    fn model_type() -> Type {
        let inner = Type::object([("port", Type::Number), ("weight", Type::Number)]);
        Type::object([
            ("name", Type::String),
            ("key_type", Type::String),
            ("bits", Type::Number),
            ("offset", Type::Number),
            ("big", Type::Number),
            ("ratio", Type::Number),
            ("count_as_text", Type::String),
            ("inner", Type::list(inner.clone())),
            ("pair", Type::Tuple(vec![Type::String, Type::Bool])),
            ("tags", Type::map(Type::String)),
            ("maybe", Type::set(Type::String)),
            ("unknown", Type::Number),
            ("absent", inner),
            ("defaulted", Type::list(Type::String)),
            ("dynamic", Type::Dynamic),
            ("skipped", Type::String),
            ("zz_skipped", Type::Bool),
        ])
    }

    fn sample() -> Model {
        Model {
            name: "pki-int".into(),
            key_type: KeyType::Ec,
            bits: 384,
            offset: -3,
            big: u64::MAX,
            ratio: 0.25,
            count_as_text: "12".into(),
            inner: vec![Inner {
                port: 443,
                weight: 2.0,
            }],
            pair: ("x".into(), true),
            tags: [("b".into(), "2".into()), ("a".into(), "1".into())].into(),
            maybe: Maybe::Known(vec!["z".into(), "y".into()]),
            unknown: Maybe::Unknown,
            absent: None,
            defaulted: Vec::new(),
            dynamic: Some([("k".into(), 5)].into()),
            skipped: None,
        }
    }

    #[test]
    fn writes_the_bytes_the_value_route_writes() {
        let ty = model_type();
        let model = sample();
        let expected = msgpack::encode(&to_value(&model).unwrap(), &ty).unwrap();
        assert_eq!(to_vec(&model, &ty).unwrap(), expected);
    }

    #[test]
    fn reads_what_the_value_route_reads() {
        let ty = model_type();
        let model = sample();
        let bytes = msgpack::encode(&to_value(&model).unwrap(), &ty).unwrap();
        let via_value: Model = from_value(&msgpack::decode(&bytes, &ty).unwrap()).unwrap();
        let direct: Model = from_slice(&bytes, &ty).unwrap();
        assert_eq!(direct, via_value);
        assert_eq!(direct, model);
    }

    #[test]
    fn number_and_bool_written_to_a_string_attribute_as_the_value_route_does() {
        #[derive(Serialize)]
        struct Loose {
            a: i64,
            b: bool,
            c: String,
        }
        let ty = Type::object([
            ("a", Type::String),
            ("b", Type::String),
            ("c", Type::Number),
        ]);
        let loose = Loose {
            a: -5,
            b: true,
            c: "1.5".into(),
        };
        let expected = msgpack::encode(&to_value(&loose).unwrap(), &ty).unwrap();
        assert_eq!(to_vec(&loose, &ty).unwrap(), expected);
    }

    #[test]
    fn errors_match_the_value_route() {
        #[derive(Serialize, Deserialize, Debug)]
        struct Small {
            a: String,
            extra: Option<String>,
        }
        let ty = Type::object([("a", Type::String)]);
        let small = Small {
            a: "x".into(),
            extra: None,
        };
        // An attribute the type does not declare.
        assert!(matches!(
            to_vec(&small, &ty),
            Err(ValueError::UnexpectedAttribute { ref name, .. }) if name == "extra"
        ));
        // A value of the wrong type, with its path.
        let ty = Type::object([("a", Type::list(Type::Number))]);
        let bytes = msgpack::encode(
            &Value::Map([("a".into(), Value::List(vec![1.into(), 2.into()]))].into()),
            &ty,
        )
        .unwrap();
        let wrong = Type::object([("a", Type::list(Type::String))]);
        let err = from_slice::<BTreeMap<String, Vec<String>>>(&bytes, &wrong).unwrap_err();
        assert!(
            matches!(err, ValueError::Mismatch { ref path, .. } if path == "a.0"),
            "{err}"
        );
        // An unknown outside a Maybe, a missing required field, trailing bytes.
        let ty = Type::object([("a", Type::String)]);
        let unknown = [0x81, 0xa1, b'a', 0xd4, 0, 0];
        assert!(from_slice::<Small>(&unknown, &ty).is_err());
        let null = [0x81, 0xa1, b'a', 0xc0];
        let err = from_slice::<Small>(&null, &ty).unwrap_err().to_string();
        assert!(err.contains("missing field `a`"), "{err}");
        assert!(matches!(
            from_slice::<Option<String>>(&[0xc0, 0xc0], &Type::String),
            Err(ValueError::Msgpack(_))
        ));
        assert!(to_vec(&f64::NAN, &Type::Number).is_err());
    }

    #[test]
    fn attributes_out_of_order_or_absent_are_read() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Abc {
            a: String,
            b: Option<i64>,
            c: bool,
        }
        let ty = Type::object([("a", Type::String), ("b", Type::Number), ("c", Type::Bool)]);
        // {"c": true, "a": "x"}: "b" absent, "a" after "c".
        let bytes = [0x82, 0xa1, b'c', 0xc3, 0xa1, b'a', 0xa1, b'x'];
        let expected = Abc {
            a: "x".into(),
            b: None,
            c: true,
        };
        assert_eq!(from_slice::<Abc>(&bytes, &ty).unwrap(), expected);
        let via_value: Abc = from_value(&msgpack::decode(&bytes, &ty).unwrap()).unwrap();
        assert_eq!(via_value, expected);
        let undeclared = [0x81, 0xa1, b'q', 0xc3];
        assert!(matches!(
            from_slice::<Abc>(&undeclared, &ty),
            Err(ValueError::UnexpectedAttribute { ref name, .. }) if name == "q"
        ));
    }

    #[test]
    fn unknown_and_null_at_the_top() {
        let ty = Type::object([("a", Type::String)]);
        let unknown: Maybe<BTreeMap<String, String>> = Maybe::Unknown;
        assert_eq!(to_vec(&unknown, &ty).unwrap(), vec![0xd4, 0, 0]);
        let back: Maybe<BTreeMap<String, String>> = from_slice(&[0xd4, 0, 0], &ty).unwrap();
        assert!(back.is_unknown());
        let none: Option<BTreeMap<String, String>> = None;
        assert_eq!(to_vec(&none, &ty).unwrap(), vec![0xc0]);
        let back: Option<BTreeMap<String, String>> = from_slice(&[0xc0], &ty).unwrap();
        assert!(back.is_none());
    }
}
