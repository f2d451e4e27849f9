//! Why a value could not be encoded or decoded, and the helpers that build an error's path
//! (only on the error path, so decoding a value allocates nothing for paths). Its own module so
//! that the value model, the types and the wire encodings all depend on it, and not on each other.

/// Why a value could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The msgpack bytes end early or use a format this decoder does not accept.
    #[error("malformed msgpack value: {0}")]
    Msgpack(String),
    /// The JSON bytes are not valid JSON.
    #[error("malformed JSON value: {0}")]
    Json(String),
    /// A type constraint could not be parsed.
    #[error("malformed type constraint: {0}")]
    BadType(String),
    /// The value does not have the shape its type requires.
    #[error("value at {path} does not match its type: expected {expected}")]
    Mismatch {
        /// Where in the value (dotted path, empty for the root).
        path: String,
        /// The type that was expected there.
        expected: String,
    },
    /// An object value has an attribute its type does not declare.
    #[error("value at {path} has attribute {name:?}, which its schema does not declare")]
    UnexpectedAttribute {
        /// Where in the value.
        path: String,
        /// The undeclared attribute.
        name: String,
    },
    /// Converting between a Rust type and a value failed (serde).
    #[error("converting value: {0}")]
    Serde(String),
}

/// Prefixes an error's path with one step. Paths are only built on the error path, so the
/// happy path allocates nothing for them.
pub(crate) fn within(step: &str) -> impl FnOnce(ValueError) -> ValueError + '_ {
    move |e| {
        let join = |path: String| {
            if path.is_empty() {
                step.to_owned()
            } else {
                format!("{step}.{path}")
            }
        };
        match e {
            ValueError::Mismatch { path, expected } => ValueError::Mismatch {
                path: join(path),
                expected,
            },
            ValueError::UnexpectedAttribute { path, name } => ValueError::UnexpectedAttribute {
                path: join(path),
                name,
            },
            other => other,
        }
    }
}

pub(crate) fn within_index(i: usize) -> impl FnOnce(ValueError) -> ValueError {
    move |e| within(&i.to_string())(e)
}

pub(crate) fn undeclared(name: &str) -> ValueError {
    ValueError::UnexpectedAttribute {
        path: String::new(),
        name: name.to_owned(),
    }
}
