//! A string that must never be printed: tokens, AppRole secret IDs, service-account JWTs. Its
//! `Debug` prints `[redacted]`, it has no `Display`, and reading it back is one explicit call, so
//! a secret can only reach a log line on purpose.

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};

/// A secret value (token, secret ID, JWT) that is never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Reads a secret from a file (a mounted Kubernetes secret, a projected service-account
    /// token), dropping surrounding whitespace such as the trailing newline.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let value = text.trim();
        if value.is_empty() {
            return Err(Error::Config {
                reason: format!("{} is empty; it should hold the secret", path.display()),
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// The secret itself, for putting into a request header or body.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the value is empty (no token configured).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("s.verysecret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(s.expose(), "s.verysecret");
    }

    #[test]
    fn from_file_trims_and_rejects_empty() {
        let dir = std::env::temp_dir().join(format!("vaultpki-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("id");
        std::fs::write(&f, "abc\n").unwrap();
        assert_eq!(Secret::from_file(&f).unwrap().expose(), "abc");
        std::fs::write(&f, "\n").unwrap();
        assert!(matches!(Secret::from_file(&f), Err(Error::Config { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
