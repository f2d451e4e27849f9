//! The library's error type. Messages are what a witness at the ceremony reads: they name the
//! input and say what to do next, and they never contain key material or a passphrase.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a ceremony step.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An output file already exists and `--force` was not given.
    #[error("refusing to overwrite existing file {} (pass --force to replace it)", .0.display())]
    Exists(PathBuf),
    /// The CA key did not decrypt with the passphrase given.
    #[error("wrong passphrase for CA key {} (or the file is damaged)", .0.display())]
    WrongPassphrase(PathBuf),
    /// A passphrase was refused before use (too short, mismatch, empty file).
    #[error("{0}")]
    Passphrase(String),
    /// The CSR could not be parsed at all.
    #[error("malformed CSR {}: {reason}", path.display())]
    MalformedCsr {
        /// The CSR file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A CSR was parsed but the policy refuses to sign it.
    #[error("refusing to sign CSR {}: {reason}", path.display())]
    CsrRefused {
        /// The CSR file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A self-lint on a certificate about to be signed failed.
    #[error("{0}")]
    Lint(String),
    /// Input that is not what it should be (subject syntax, CA directory contents, config).
    #[error("{0}")]
    Invalid(String),
    /// `--require-offline` was given and a network interface is up.
    #[error(
        "network interface(s) {0} are up and --require-offline was given; disconnect them and retry"
    )]
    Online(String),
    /// A CA directory's files disagree with its own record (SHA256SUMS, state.json, the signed
    /// CRL): changed after the last command, or left half-done by an interrupted one.
    #[error(
        "{} {why}; the CA directory no longer matches its record, so nothing was signed: \
         restore the directory from the ceremony's copy (or find out who changed it) and retry",
        file.display()
    )]
    Tampered {
        /// The file that does not match.
        file: PathBuf,
        /// How it does not match.
        why: String,
    },
    /// A filesystem operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing, with the path.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// rcgen refused to build or sign something.
    #[error("{context}: {source}")]
    Rcgen {
        /// What we were building.
        context: String,
        /// The underlying error.
        source: rcgen::Error,
    },
    /// OpenSSL failed (parsing, verifying, key generation).
    #[error("{context}: {source}")]
    OpenSsl {
        /// What we were doing.
        context: String,
        /// The underlying error stack.
        source: openssl::error::ErrorStack,
    },
    /// Independent verification with OpenSSL rejected what we just produced.
    #[error("verification failed: {0}")]
    Verify(String),
}

impl Error {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }

    pub(crate) fn rcgen(context: impl Into<String>) -> impl FnOnce(rcgen::Error) -> Self {
        let context = context.into();
        move |source| Self::Rcgen { context, source }
    }

    pub(crate) fn ssl(
        context: impl Into<String>,
    ) -> impl FnOnce(openssl::error::ErrorStack) -> Self {
        let context = context.into();
        move |source| Self::OpenSsl { context, source }
    }
}
