//! Passphrases: read without echo (twice when a new key is being protected) or from a file, held
//! in memory that is wiped on drop, and never printed: `Debug` shows `[redacted]`.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use crate::{Error, Result};

/// Shortest passphrase accepted for a new CA key.
pub const MIN_PASSPHRASE_LEN: usize = 12;

/// A passphrase protecting a CA key.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

impl Passphrase {
    /// Wraps a passphrase the caller already holds (tests, the ceremony runner).
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The bytes to feed the KDF.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Reads the first line of `path` (a trailing newline is not part of the passphrase).
    pub fn from_file(path: &Path) -> Result<Self> {
        let raw = Zeroizing::new(std::fs::read_to_string(path).map_err(Error::io(format!(
            "reading passphrase file {}",
            path.display()
        )))?);
        let line = raw.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(Error::Passphrase(format!(
                "passphrase file {} is empty",
                path.display()
            )));
        }
        Ok(Self::new(line))
    }

    /// Asks on the terminal without echo. For a new key it asks twice and enforces the minimum
    /// length; for an existing key it asks once.
    pub fn prompt(what: &str, new_key: bool) -> Result<Self> {
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("Passphrase for {what}: "))
                .map_err(Error::io("reading passphrase from the terminal"))?,
        );
        if !new_key {
            return Ok(Self::new(first.as_str()));
        }
        let second = Zeroizing::new(
            rpassword::prompt_password(format!("Repeat passphrase for {what}: "))
                .map_err(Error::io("reading passphrase from the terminal"))?,
        );
        if *first != *second {
            return Err(Error::Passphrase(
                "the two passphrases differ; nothing was written".into(),
            ));
        }
        let this = Self::new(first.as_str());
        this.check_new()?;
        Ok(this)
    }

    /// Refuses passphrases too short to protect a CA key.
    pub fn check_new(&self) -> Result<()> {
        if self.0.chars().count() < MIN_PASSPHRASE_LEN {
            return Err(Error::Passphrase(format!(
                "passphrase is shorter than {MIN_PASSPHRASE_LEN} characters; choose a longer one"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let p = Passphrase::new("correct horse battery staple");
        assert_eq!(format!("{p:?}"), "Passphrase([redacted])");
    }

    #[test]
    fn short_passphrase_refused() {
        assert!(Passphrase::new("short").check_new().is_err());
        assert!(
            Passphrase::new("long enough passphrase")
                .check_new()
                .is_ok()
        );
    }
}
