//! The one error type of the client. It keeps "the server answered and said no" (`Api`) apart
//! from "we could not get an answer" (`Transport`, `Tls`, `Timeout`) and "something is wrong
//! here" (`Config`, `Io`), because callers react differently: a 403 wants a better token, a
//! refused connection wants a better address. No variant ever carries a token or secret.

use std::path::PathBuf;
use std::time::Duration;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong talking to OpenBao/Vault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status; `errors` is its own explanation.
    #[error("{address}: {method} /v1/{path} was refused with HTTP {status}{}{}", errors_text(errors), status_hint(*status))]
    Api {
        /// Server address the request went to.
        address: String,
        /// HTTP method.
        method: String,
        /// API path below `/v1/`.
        path: String,
        /// HTTP status code.
        status: u16,
        /// The `errors` array of the response body, if any.
        errors: Vec<String>,
    },
    /// No answer: connection refused or reset, DNS failure, body cut off mid-stream.
    #[error(
        "{address}: {method} /v1/{path} failed: {reason}; check that the server is running and the address is right"
    )]
    Transport {
        /// Server address.
        address: String,
        /// HTTP method.
        method: String,
        /// API path below `/v1/`.
        path: String,
        /// The cause, flattened from the HTTP stack's error chain.
        reason: String,
    },
    /// The TLS handshake failed, usually a certificate that does not cover the address or an
    /// untrusted CA.
    #[error(
        "{address}: TLS handshake failed: {reason}; the server's certificate must cover this address and be signed by the configured CA file"
    )]
    Tls {
        /// Server address.
        address: String,
        /// The cause, flattened from the TLS stack's error chain.
        reason: String,
    },
    /// The server did not answer in time.
    #[error("{address}: {method} /v1/{path} timed out after {}s", after.as_secs())]
    Timeout {
        /// Server address.
        address: String,
        /// HTTP method.
        method: String,
        /// API path below `/v1/`.
        path: String,
        /// The time limit that was exceeded.
        after: Duration,
    },
    /// The server answered 2xx but the body is not what the API documents.
    #[error("{address}: unexpected response from /v1/{path}: {reason}")]
    InvalidResponse {
        /// Server address.
        address: String,
        /// API path below `/v1/`.
        path: String,
        /// What was wrong with it.
        reason: String,
    },
    /// No node of the cluster is active (sealed, uninitialised, no leader elected).
    #[error("{address}: no active node: {reason}")]
    NoActiveNode {
        /// The address that was asked.
        address: String,
        /// What the server reported.
        reason: String,
    },
    /// A setting the caller must give is missing; the message names what to set.
    #[error("{reason}")]
    Settings {
        /// What is missing and which variable or flag gives it.
        reason: String,
    },
    /// The local configuration is unusable (bad address, unreadable CA bundle).
    #[error("invalid client configuration: {reason}")]
    Config {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Reading a local file (CA bundle, secret file) failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// True when the server answered and refused; false for local or network failures.
    pub fn is_server_refusal(&self) -> bool {
        matches!(self, Self::Api { .. })
    }

    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when the PKI engine refused because an issuer or key reference names nothing: it
    /// says so with HTTP 500 "unable to find PKI issuer/key for reference" rather than 404, so a
    /// caller reading an issuer or key can treat this refusal as "gone".
    pub fn is_missing_pki_reference(&self) -> bool {
        matches!(self, Self::Api { errors, .. } if errors.iter().any(|e| e.contains("unable to find PKI")))
    }

    /// True when the server refused with a 500 whose message says that what the request names
    /// does not exist (AppRole's "role \"x\" does not exist" on a secret-ID lookup, or a
    /// missing PKI reference): a final answer, never retried, that a caller looking something
    /// up can read as "gone".
    pub fn is_missing_object(&self) -> bool {
        self.is_missing_pki_reference()
            || matches!(self, Self::Api { status: 500, errors, .. }
                if errors.iter().any(|e| e.contains("does not exist")))
    }
}

fn errors_text(errors: &[String]) -> String {
    let useful: Vec<&str> = errors
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .collect();
    if useful.is_empty() {
        String::new()
    } else {
        format!(": {}", useful.join("; "))
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        400 => "",
        401 | 403 => " (check the token, or the policies of the role it logged in with)",
        404 => " (check the path and that the mount exists)",
        429 | 503 => " (the node is a standby, sealed or overloaded)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_names_status_and_hint() {
        let e = Error::Api {
            address: "http://x:8200".into(),
            method: "GET".into(),
            path: "sys/storage/raft/snapshot".into(),
            status: 403,
            errors: vec!["permission denied".into()],
        };
        let s = e.to_string();
        assert!(s.contains("HTTP 403: permission denied"), "{s}");
        assert!(s.contains("check the token"), "{s}");
        assert!(e.is_server_refusal());
        assert_eq!(e.status(), Some(403));
    }

    #[test]
    fn a_missing_pki_reference_is_recognised_by_its_message() {
        let refusal = |errors: &[&str]| Error::Api {
            address: "http://x:8200".into(),
            method: "GET".into(),
            path: "pki/issuer/gone".into(),
            status: 500,
            errors: errors.iter().map(|e| (*e).to_owned()).collect(),
        };
        assert!(
            refusal(&["unable to find PKI issuer for reference: gone"]).is_missing_pki_reference()
        );
        assert!(!refusal(&["internal error"]).is_missing_pki_reference());
        assert!(refusal(&[r#"role "r" does not exist"#]).is_missing_object());
        assert!(!refusal(&["internal error"]).is_missing_object());
        let transport = Error::Transport {
            address: "http://x".into(),
            method: "GET".into(),
            path: "pki/issuer/gone".into(),
            reason: "unable to find PKI".into(),
        };
        assert!(!transport.is_missing_pki_reference());
    }

    #[test]
    fn transport_is_not_a_refusal() {
        let e = Error::Transport {
            address: "http://x".into(),
            method: "GET".into(),
            path: "sys/health".into(),
            reason: "connection refused".into(),
        };
        assert!(!e.is_server_refusal());
        assert!(e.to_string().contains("connection refused"));
    }
}
