//! From a tool's flags and environment variables to a [`Config`] and an [`Auth`], written once
//! for every job that logs in (snapshot-cron, cert-deploy): which spelling of a setting wins
//! (`VAULT_*` over `BAO_*`), which auth method the given credentials select (AppRole, then
//! Kubernetes, then a token file, then a token), and the message that names the variables to set
//! when something is missing. Each tool keeps its own variable names and passes them in through
//! [`AuthVarNames`], so the messages name what that tool reads. With the `clap` feature, [`args`]
//! holds the flags themselves, shared the same way.

#[cfg(feature = "clap")]
pub mod args;

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Auth, Config};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Where the server is, as a tool's flags give it (both spellings of each variable).
#[derive(Debug, Clone, Default)]
pub struct ServerSettings {
    /// `VAULT_ADDR` / `--vault-addr`.
    pub addr: Option<String>,
    /// `BAO_ADDR`, used when `addr` is unset.
    pub bao_addr: Option<String>,
    /// `VAULT_CACERT` / `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
    /// `BAO_CACERT`, used when `ca_cert` is unset.
    pub bao_ca_cert: Option<PathBuf>,
    /// `VAULT_NAMESPACE` / `--namespace`.
    pub namespace: Option<String>,
    /// `BAO_NAMESPACE`, used when `namespace` is unset.
    pub bao_namespace: Option<String>,
    /// Accept any server certificate (tests only).
    pub tls_skip_verify: bool,
    /// Seconds for one API request (at least one).
    pub request_timeout_secs: u64,
}

impl ServerSettings {
    /// The client configuration; fails with [`Error::Settings`] when no address is given.
    pub fn config(&self) -> Result<Config> {
        let addr = self
            .addr
            .clone()
            .or_else(|| self.bao_addr.clone())
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| Error::Settings {
                reason: "no server address: set VAULT_ADDR (or BAO_ADDR) or pass --vault-addr"
                    .into(),
            })?;
        let mut config = Config::new(addr);
        config.ca_cert_file = self.ca_cert.clone().or_else(|| self.bao_ca_cert.clone());
        config.namespace = self
            .namespace
            .clone()
            .or_else(|| self.bao_namespace.clone())
            .filter(|n| !n.is_empty());
        config.skip_tls_verify = self.tls_skip_verify;
        config.request_timeout = Duration::from_secs(self.request_timeout_secs.max(1));
        Ok(config)
    }
}

/// The environment variable names a tool reads its credentials from, for messages.
#[derive(Debug, Clone, Copy)]
pub struct AuthVarNames {
    /// The AppRole role ID variable.
    pub role_id: &'static str,
    /// The AppRole secret ID variable.
    pub secret_id: &'static str,
    /// The variable naming a file that holds the secret ID.
    pub secret_id_file: &'static str,
    /// The variable naming a file that holds a token.
    pub token_file: &'static str,
    /// The Kubernetes auth role variable.
    pub k8s_role: &'static str,
}

/// The credentials a tool was given; [`Self::auth`] picks the method.
#[derive(Clone)]
pub struct AuthSettings {
    /// `VAULT_TOKEN`.
    pub token: Option<String>,
    /// `BAO_TOKEN`, used when `token` is unset.
    pub bao_token: Option<String>,
    /// A file holding a token.
    pub token_file: Option<PathBuf>,
    /// AppRole role ID; selects AppRole login.
    pub approle_role_id: Option<String>,
    /// AppRole secret ID.
    pub approle_secret_id: Option<String>,
    /// A file holding the AppRole secret ID.
    pub approle_secret_id_file: Option<PathBuf>,
    /// Mount of the AppRole auth method.
    pub approle_mount: String,
    /// Kubernetes auth role; selects Kubernetes login.
    pub k8s_role: Option<String>,
    /// Mount of the Kubernetes auth method.
    pub k8s_mount: String,
    /// The service-account token file.
    pub k8s_jwt_file: PathBuf,
    /// The variable names, for messages.
    pub names: AuthVarNames,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("approle_mount", &self.approle_mount)
            .field("k8s_role", &self.k8s_role)
            .field("credentials", &"[redacted]")
            .finish()
    }
}

impl AuthSettings {
    /// Chooses the auth method: AppRole, then Kubernetes, then a token file, then a token.
    /// Fails with [`Error::Settings`] (naming the variables to set) when nothing usable is
    /// given, or [`Error::Io`] when a secret file cannot be read.
    pub fn auth(&self) -> Result<Auth> {
        let names = self.names;
        if let Some(role_id) = self.approle_role_id.as_ref().filter(|r| !r.is_empty()) {
            let secret_id = match (&self.approle_secret_id, &self.approle_secret_id_file) {
                (Some(s), _) if !s.is_empty() => Secret::new(s.clone()),
                (_, Some(path)) => Secret::from_file(path)?,
                _ => {
                    return Err(Error::Settings {
                        reason: format!(
                            "AppRole login needs a secret ID: set {} or {}",
                            names.secret_id, names.secret_id_file
                        ),
                    });
                }
            };
            return Ok(Auth::AppRole {
                mount: self.approle_mount.trim_matches('/').to_owned(),
                role_id: role_id.clone(),
                secret_id,
            });
        }
        if let Some(role) = &self.k8s_role {
            return Ok(Auth::Kubernetes {
                mount: self.k8s_mount.trim_matches('/').to_owned(),
                role: role.clone(),
                jwt: Secret::from_file(&self.k8s_jwt_file)?,
            });
        }
        if let Some(path) = &self.token_file {
            return Ok(Auth::Token(Secret::from_file(path)?));
        }
        match self.token.clone().or_else(|| self.bao_token.clone()) {
            Some(t) if !t.is_empty() => Ok(Auth::Token(Secret::new(t))),
            _ => Err(Error::Settings {
                reason: format!(
                    "no credentials: set VAULT_TOKEN (or BAO_TOKEN), {}, AppRole ({} + secret ID) or {}",
                    names.token_file, names.role_id, names.k8s_role
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: AuthVarNames = AuthVarNames {
        role_id: "ROLE",
        secret_id: "SECRET",
        secret_id_file: "SECRET_FILE",
        token_file: "TOKEN_FILE",
        k8s_role: "K8S",
    };

    fn empty() -> AuthSettings {
        AuthSettings {
            token: None,
            bao_token: None,
            token_file: None,
            approle_role_id: None,
            approle_secret_id: None,
            approle_secret_id_file: None,
            approle_mount: "/approle/".into(),
            k8s_role: None,
            k8s_mount: "kubernetes".into(),
            k8s_jwt_file: "/nonexistent".into(),
            names: NAMES,
        }
    }

    #[test]
    fn approle_wins_and_names_the_missing_secret() {
        let mut s = empty();
        s.token = Some("t".into());
        s.approle_role_id = Some("r".into());
        let err = s.auth().unwrap_err().to_string();
        assert_eq!(
            err,
            "AppRole login needs a secret ID: set SECRET or SECRET_FILE"
        );
        s.approle_secret_id = Some("s".into());
        match s.auth().unwrap() {
            Auth::AppRole { mount, .. } => assert_eq!(mount, "approle"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bao_spellings_are_fallbacks_and_nothing_is_an_error() {
        let mut s = empty();
        assert!(s.auth().unwrap_err().to_string().starts_with(
            "no credentials: set VAULT_TOKEN (or BAO_TOKEN), TOKEN_FILE, AppRole (ROLE + secret ID) or K8S"
        ));
        s.bao_token = Some("b".into());
        assert_eq!(s.auth().unwrap().method(), "token");
        let server = ServerSettings {
            bao_addr: Some("http://127.0.0.1:8200".into()),
            namespace: Some(String::new()),
            ..ServerSettings::default()
        };
        let c = server.config().unwrap();
        assert_eq!(c.address, "http://127.0.0.1:8200");
        assert_eq!(c.namespace, None);
        assert!(ServerSettings::default().config().is_err());
    }
}
