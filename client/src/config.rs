//! How to reach and log in to a server: the address, TLS trust (CA file or, explicitly, no
//! verification), namespace, timeouts and retry policy, and which auth method to use. Kept as
//! plain data so the provider and snapshot-cron can fill it from their own flags and env vars.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// Where the server is and how to talk to it.
#[derive(Debug, Clone)]
pub struct Config {
    /// Base address, e.g. `https://vault.example:8200` (no `/v1`).
    pub address: String,
    /// PEM bundle of CA certificates to trust for HTTPS, in addition to nothing else.
    pub ca_cert_file: Option<PathBuf>,
    /// Accept any server certificate. Only for tests; never the default.
    pub skip_tls_verify: bool,
    /// Vault Enterprise / OpenBao namespace sent as `X-Vault-Namespace`.
    pub namespace: Option<String>,
    /// Time limit for one ordinary API request (not for streamed bodies).
    pub request_timeout: Duration,
    /// How failed idempotent requests are retried.
    pub retry: RetryPolicy,
}

impl Config {
    /// A configuration for `address` with the defaults: verify TLS against the system roots,
    /// no namespace, 30 s per request, the default retry policy.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            ca_cert_file: None,
            skip_tls_verify: false,
            namespace: None,
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// How the client obtains its token.
#[derive(Clone)]
pub enum Auth {
    /// A token given directly (from `VAULT_TOKEN`, a file, an agent). Never revoked by us.
    Token(Secret),
    /// `auth/<mount>/login` with a role ID and secret ID.
    AppRole {
        /// Mount path of the AppRole auth method, usually `approle`.
        mount: String,
        /// The role ID (not secret on its own, but not logged either).
        role_id: String,
        /// The secret ID.
        secret_id: Secret,
    },
    /// `auth/<mount>/login` with a Kubernetes service-account JWT.
    Kubernetes {
        /// Mount path of the Kubernetes auth method, usually `kubernetes`.
        mount: String,
        /// The Vault role bound to the service account.
        role: String,
        /// The service-account token.
        jwt: Secret,
    },
    /// `auth/<mount>/login` of the JWT/OIDC auth method with a signed JWT (a CI job's or a
    /// workload identity's token).
    Jwt {
        /// Mount path of the JWT auth method, usually `jwt`.
        mount: String,
        /// The role whose bound claims the token must meet.
        role: String,
        /// The JWT.
        jwt: Secret,
    },
}

impl Auth {
    /// Short name of the method for messages: `token`, `approle`, `kubernetes` or `jwt`.
    pub fn method(&self) -> &'static str {
        match self {
            Self::Token(_) => "token",
            Self::AppRole { .. } => "approle",
            Self::Kubernetes { .. } => "kubernetes",
            Self::Jwt { .. } => "jwt",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(_) => f.debug_tuple("Token").field(&"[redacted]").finish(),
            Self::AppRole { mount, .. } => f
                .debug_struct("AppRole")
                .field("mount", mount)
                .field("role_id", &"[redacted]")
                .field("secret_id", &"[redacted]")
                .finish(),
            Self::Kubernetes { mount, role, .. } => f
                .debug_struct("Kubernetes")
                .field("mount", mount)
                .field("role", role)
                .field("jwt", &"[redacted]")
                .finish(),
            Self::Jwt { mount, role, .. } => f
                .debug_struct("Jwt")
                .field("mount", mount)
                .field("role", role)
                .field("jwt", &"[redacted]")
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_debug_is_redacted() {
        let a = Auth::AppRole {
            mount: "approle".into(),
            role_id: "role-1234".into(),
            secret_id: Secret::new("secret-5678"),
        };
        let text = format!("{a:?}");
        assert!(
            !text.contains("role-1234") && !text.contains("secret-5678"),
            "{text}"
        );
        let t = format!("{:?}", Auth::Token(Secret::new("s.tok")));
        assert!(!t.contains("s.tok"));
        let j = format!(
            "{:?}",
            Auth::Jwt {
                mount: "jwt".into(),
                role: "ci".into(),
                jwt: Secret::new("eyJ.secret.sig"),
            }
        );
        assert!(j.contains("ci") && !j.contains("eyJ"), "{j}");
    }
}
