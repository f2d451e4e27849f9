//! The provider itself: its configuration schema (with the usual VAULT_* / BAO_* environment
//! fallbacks), turning a configuration into a lazily connecting [`Api`](crate::api::Api), and the
//! one registry list of every resource and data source type.
//!
//! A configuration that is fully known connects when it is configured, so that a server that is
//! down or sealed, or a login that fails, is reported once per command instead of once per
//! resource. A configuration whose address (or credentials) is only known after another
//! resource is created must still plan: it connects on the first resource call (see `api`).

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;
use tfplugin::{
    AnyDataSource, AnyEphemeralResource, AnyFunction, AnyResource, Attribute, Block, ConfigureCtx,
    Diagnostics, NestedBlock, Nesting, Provider, Schema, Value,
};
use vaultpki_client::{Auth, Config, RetryPolicy, Secret};

use crate::api::{Api, Settings};
use crate::{data_sources, diagnostics, ephemeral, functions, resources};

/// The provider's registry source address.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/vaultpki/vaultpki";

/// Environment variables read when an attribute is not set, in order of preference.
pub const ADDRESS_ENV: [&str; 2] = ["VAULT_ADDR", "BAO_ADDR"];
/// See [`ADDRESS_ENV`].
pub const TOKEN_ENV: [&str; 2] = ["VAULT_TOKEN", "BAO_TOKEN"];
/// See [`ADDRESS_ENV`].
pub const CACERT_ENV: [&str; 2] = ["VAULT_CACERT", "BAO_CACERT"];
/// See [`ADDRESS_ENV`].
pub const NAMESPACE_ENV: [&str; 2] = ["VAULT_NAMESPACE", "BAO_NAMESPACE"];
/// See [`ADDRESS_ENV`].
pub const SKIP_VERIFY_ENV: [&str; 2] = ["VAULT_SKIP_VERIFY", "BAO_SKIP_VERIFY"];

/// The vaultpki provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct VaultPkiProvider;

/// The provider configuration model.
#[derive(Deserialize)]
pub struct ProviderConfig {
    address: Option<String>,
    token: Option<String>,
    namespace: Option<String>,
    ca_cert_file: Option<String>,
    skip_tls_verify: Option<bool>,
    max_retries: Option<i64>,
    auth_login_approle: Option<AppRoleLogin>,
    auth_login_kubernetes: Option<KubernetesLogin>,
    auth_login_jwt: Option<JwtLogin>,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("namespace", &self.namespace)
            .field("ca_cert_file", &self.ca_cert_file)
            .field("skip_tls_verify", &self.skip_tls_verify)
            .field("max_retries", &self.max_retries)
            .field("auth_login_approle", &self.auth_login_approle)
            .field("auth_login_kubernetes", &self.auth_login_kubernetes)
            .field("auth_login_jwt", &self.auth_login_jwt)
            .finish()
    }
}

/// The `auth_login_approle` block.
#[derive(Deserialize)]
struct AppRoleLogin {
    mount: Option<String>,
    role_id: Option<String>,
    secret_id: Option<String>,
}

impl fmt::Debug for AppRoleLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppRoleLogin")
            .field("mount", &self.mount)
            .field("role_id", &"[redacted]")
            .field("secret_id", &"[redacted]")
            .finish()
    }
}

/// The `auth_login_kubernetes` block (the JWT is read from a file, never configured).
#[derive(Deserialize, Debug)]
struct KubernetesLogin {
    mount: Option<String>,
    role: Option<String>,
    jwt_file: Option<String>,
}

/// The `auth_login_jwt` block.
#[derive(Deserialize)]
struct JwtLogin {
    mount: Option<String>,
    role: Option<String>,
    jwt: Option<String>,
}

impl fmt::Debug for JwtLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtLogin")
            .field("mount", &self.mount)
            .field("role", &self.role)
            .field("jwt", &"[redacted]")
            .finish()
    }
}

/// The login blocks, of which at most one may be set.
const LOGIN_BLOCKS: [&str; 3] = [
    "auth_login_approle",
    "auth_login_kubernetes",
    "auth_login_jwt",
];

/// Where a pod finds its service account token.
pub const SERVICE_ACCOUNT_TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

impl Provider for VaultPkiProvider {
    type Client = Api;
    type Config = ProviderConfig;

    fn schema(&self) -> Schema {
        provider_schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(n) = config.attr("max_retries").as_i64()
            && !(0..=20).contains(&n)
        {
            diags.extend(diagnostics::invalid_setting(
                "max_retries",
                "max_retries must be between 0 and 20.",
            ));
        }
        let logins: Vec<&str> = LOGIN_BLOCKS
            .into_iter()
            .filter(|b| !config.attr(b).is_null())
            .collect();
        if logins.len() > 1 {
            diags.extend(diagnostics::invalid_setting(
                logins[1],
                &format!(
                    "Only one login block may be set, but {} are: keep the one the provider should log in with.",
                    logins.join(" and ")
                ),
            ));
        }
        diags
    }

    async fn configure(
        &self,
        ctx: &mut ConfigureCtx,
        config: ProviderConfig,
    ) -> Result<Api, Diagnostics> {
        let api = Api::new(settings(config, &|k| std::env::var(k).ok()));
        // A known configuration connects now: a server that is down, sealed, or refuses the
        // login is then one diagnostic for the whole command, not one per resource. A
        // configuration that depends on resources not yet created stays lazy, so it plans.
        if !ctx.config_has_unknowns {
            api.connect_now().await?;
        }
        Ok(api)
    }

    fn resources(&self) -> Vec<AnyResource<Api>> {
        resources::all()
    }

    fn data_sources(&self) -> Vec<AnyDataSource<Api>> {
        data_sources::all()
    }

    fn ephemeral_resources(&self) -> Vec<AnyEphemeralResource<Api>> {
        ephemeral::all()
    }

    fn functions(&self) -> Vec<AnyFunction> {
        functions::all()
    }
}

/// The provider configuration schema.
pub fn provider_schema() -> Schema {
    Schema::new(
        "The vaultpki provider manages a private PKI on OpenBao or HashiCorp Vault: mounts, roles, issued certificates, AppRoles and policies. It connects when it is configured (or, when its configuration depends on resources not created yet, on the first call that needs the server) and uses the configured token as is (it never creates a child token); tokens it obtains by logging in are revoked when it stops.",
    )
    .attribute(Attribute::string(
        "address",
        "Base address of the server, e.g. `https://bao.example:8200`. Defaults to `VAULT_ADDR`, then `BAO_ADDR`.",
    ))
    .attribute(
        Attribute::string(
            "token",
            "Token to authenticate with. Defaults to `VAULT_TOKEN`, then `BAO_TOKEN`. Ignored when a login block (`auth_login_approle`, `auth_login_kubernetes`, `auth_login_jwt`) is set.",
        )
        .sensitive(),
    )
    .attribute(Attribute::string(
        "namespace",
        "Namespace sent with every request. Defaults to `VAULT_NAMESPACE`, then `BAO_NAMESPACE`.",
    ))
    .attribute(Attribute::string(
        "ca_cert_file",
        "PEM file of the CA certificates to trust for HTTPS. Defaults to `VAULT_CACERT`, then `BAO_CACERT`.",
    ))
    .attribute(Attribute::bool(
        "skip_tls_verify",
        "Accept any server certificate (tests only). Defaults to `VAULT_SKIP_VERIFY`/`BAO_SKIP_VERIFY`, else false.",
    ))
    .attribute(Attribute::number(
        "max_retries",
        "How often a request that failed with 429, 5xx or a connection error is retried, with bounded exponential backoff and jitter (0 to 20, default 4). Requests that are not safe to repeat (issuing a certificate, creating a secret ID) are only retried when the server cannot have acted on them.",
    ))
    .block(
        NestedBlock::new(
            "auth_login_approle",
            Nesting::Single,
            Block::new("Log in with AppRole instead of using a token.")
                .attribute(Attribute::string(
                    "mount",
                    "Mount path of the AppRole auth method (default `approle`).",
                ))
                .attribute(
                    Attribute::string("role_id", "The role ID.")
                        .required()
                        .sensitive(),
                )
                .attribute(
                    Attribute::string("secret_id", "The secret ID.")
                        .required()
                        .sensitive(),
                ),
        )
        .items(0, 1),
    )
    .block(
        NestedBlock::new(
            "auth_login_kubernetes",
            Nesting::Single,
            Block::new("Log in with the Kubernetes auth method, as a pod's service account, instead of using a token. The server checks the token with the Kubernetes API server configured in `vaultpki_kubernetes_auth_backend_config`, so this works where that API server is reachable from OpenBao (the project's acceptance tests follow the login up to OpenBao's call to the API server; they have no Kubernetes cluster to complete it). The token obtained is revoked when the provider stops.")
                .attribute(Attribute::string(
                    "mount",
                    "Mount path of the Kubernetes auth method (default `kubernetes`).",
                ))
                .attribute(
                    Attribute::string("role", "The Kubernetes auth role bound to the service account.")
                        .required(),
                )
                .attribute(Attribute::string(
                    "jwt_file",
                    "File holding the service account token (default `/var/run/secrets/kubernetes.io/serviceaccount/token`, where a pod has it). Read when the provider is configured.",
                )),
        )
        .items(0, 1),
    )
    .block(
        NestedBlock::new(
            "auth_login_jwt",
            Nesting::Single,
            Block::new("Log in with the JWT auth method (a CI job's or workload's signed token) instead of using a token. The token obtained is revoked when the provider stops.")
                .attribute(Attribute::string(
                    "mount",
                    "Mount path of the JWT auth method (default `jwt`).",
                ))
                .attribute(
                    Attribute::string("role", "The JWT auth role whose bound claims the token meets.")
                        .required(),
                )
                .attribute(
                    Attribute::string("jwt", "The signed JWT, e.g. `file(...)` of a projected token or a CI variable.")
                        .required()
                        .sensitive(),
                ),
        )
        .items(0, 1),
    )
}

/// Resolves the configuration against the environment (`env` looks a variable up). Problems are
/// kept inside [`Settings`] and reported on first use, so that configuring never fails a plan
/// that does not need the server.
fn settings(config: ProviderConfig, env: &dyn Fn(&str) -> Option<String>) -> Settings {
    let from_env = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
    };
    let Some(address) = config.address.or_else(|| from_env(&ADDRESS_ENV)) else {
        return Settings::Invalid(diagnostics::no_address());
    };
    let mut client_config = Config::new(address.trim().to_owned());
    client_config.ca_cert_file = config
        .ca_cert_file
        .or_else(|| from_env(&CACERT_ENV))
        .map(PathBuf::from);
    client_config.namespace = config.namespace.or_else(|| from_env(&NAMESPACE_ENV));
    client_config.skip_tls_verify = config.skip_tls_verify.unwrap_or_else(|| {
        from_env(&SKIP_VERIFY_ENV).is_some_and(|v| matches!(v.as_str(), "1" | "true" | "TRUE"))
    });
    if let Some(retries) = config.max_retries {
        let Ok(retries) = u32::try_from(retries) else {
            return Settings::Invalid(diagnostics::invalid_setting(
                "max_retries",
                "max_retries must be between 0 and 20.",
            ));
        };
        client_config.retry = RetryPolicy {
            max_attempts: retries.saturating_add(1),
            ..RetryPolicy::default()
        };
    }
    let auth = if let Some(login) = config.auth_login_approle {
        match (login.role_id, login.secret_id) {
            (Some(role_id), Some(secret_id)) => Some(Auth::AppRole {
                mount: login.mount.unwrap_or_else(|| "approle".to_owned()),
                role_id,
                secret_id: Secret::new(secret_id),
            }),
            _ => None,
        }
    } else if let Some(login) = config.auth_login_kubernetes {
        let file = login
            .jwt_file
            .unwrap_or_else(|| SERVICE_ACCOUNT_TOKEN.to_owned());
        let jwt = match Secret::from_file(std::path::Path::new(&file)) {
            Ok(jwt) => jwt,
            Err(e) => return Settings::Invalid(diagnostics::jwt_file_unreadable(&file, &e)),
        };
        login.role.map(|role| Auth::Kubernetes {
            mount: login.mount.unwrap_or_else(|| "kubernetes".to_owned()),
            role,
            jwt,
        })
    } else if let Some(login) = config.auth_login_jwt {
        match (login.role, login.jwt) {
            (Some(role), Some(jwt)) => Some(Auth::Jwt {
                mount: login.mount.unwrap_or_else(|| "jwt".to_owned()),
                role,
                jwt: Secret::new(jwt.trim()),
            }),
            _ => None,
        }
    } else {
        config
            .token
            .or_else(|| from_env(&TOKEN_ENV))
            .map(|t| Auth::Token(Secret::new(t.trim())))
    };
    Settings::Valid {
        config: Box::new(client_config),
        auth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> ProviderConfig {
        ProviderConfig {
            address: None,
            token: None,
            namespace: None,
            ca_cert_file: None,
            skip_tls_verify: None,
            max_retries: None,
            auth_login_approle: None,
            auth_login_kubernetes: None,
            auth_login_jwt: None,
        }
    }

    #[test]
    fn schema_is_well_formed() {
        provider_schema().check().unwrap();
    }

    #[test]
    fn environment_fallbacks_prefer_vault_then_bao() {
        let env = |k: &str| match k {
            "VAULT_ADDR" => Some("http://v:8200".to_owned()),
            "BAO_ADDR" => Some("http://b:8200".to_owned()),
            "BAO_TOKEN" => Some("tok".to_owned()),
            "BAO_NAMESPACE" => Some("ns1".to_owned()),
            _ => None,
        };
        let Settings::Valid { config, auth } = settings(empty(), &env) else {
            panic!("expected valid settings");
        };
        assert_eq!(config.address, "http://v:8200");
        assert_eq!(config.namespace.as_deref(), Some("ns1"));
        assert!(matches!(auth, Some(Auth::Token(t)) if t.expose() == "tok"));
    }

    #[test]
    fn attributes_win_over_environment() {
        let env = |k: &str| (k == "VAULT_ADDR").then(|| "http://env:8200".to_owned());
        let mut c = empty();
        c.address = Some("http://attr:8200".into());
        c.max_retries = Some(0);
        let Settings::Valid { config, auth } = settings(c, &env) else {
            panic!("expected valid settings");
        };
        assert_eq!(config.address, "http://attr:8200");
        assert_eq!(config.retry.max_attempts, 1);
        assert!(auth.is_none());
    }

    #[test]
    fn missing_address_is_reported_lazily() {
        assert!(matches!(settings(empty(), &|_| None), Settings::Invalid(_)));
    }

    #[test]
    fn approle_block_replaces_the_token() {
        let mut c = empty();
        c.address = Some("http://a".into());
        c.token = Some("tok".into());
        c.auth_login_approle = Some(AppRoleLogin {
            mount: None,
            role_id: Some("r".into()),
            secret_id: Some("s".into()),
        });
        let Settings::Valid { auth, .. } = settings(c, &|_| None) else {
            panic!("expected valid settings");
        };
        assert!(matches!(auth, Some(Auth::AppRole { ref mount, .. }) if mount == "approle"));
    }

    #[test]
    fn kubernetes_login_reads_the_token_file_and_names_it_when_unreadable() {
        let dir = std::env::temp_dir().join(format!("vaultpki-k8s-login-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "eyJ.sa.token\n").unwrap();
        let mut c = empty();
        c.address = Some("http://a".into());
        c.token = Some("tok".into());
        c.auth_login_kubernetes = Some(KubernetesLogin {
            mount: Some("k8s".into()),
            role: Some("deployer".into()),
            jwt_file: Some(file.display().to_string()),
        });
        let Settings::Valid { auth, .. } = settings(c, &|_| None) else {
            panic!("expected valid settings");
        };
        assert!(
            matches!(auth, Some(Auth::Kubernetes { ref mount, ref role, ref jwt })
                if mount == "k8s" && role == "deployer" && jwt.expose() == "eyJ.sa.token")
        );
        let mut missing = empty();
        missing.address = Some("http://a".into());
        missing.auth_login_kubernetes = Some(KubernetesLogin {
            mount: None,
            role: Some("deployer".into()),
            jwt_file: Some(dir.join("absent").display().to_string()),
        });
        let Settings::Invalid(d) = settings(missing, &|_| None) else {
            panic!("expected invalid settings");
        };
        assert!(d.0[0].detail.contains("absent"), "{:?}", d.0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn jwt_login_defaults_its_mount() {
        let mut c = empty();
        c.address = Some("http://a".into());
        c.auth_login_jwt = Some(JwtLogin {
            mount: None,
            role: Some("ci".into()),
            jwt: Some("eyJ.ci.sig".into()),
        });
        let Settings::Valid { auth, .. } = settings(c, &|_| None) else {
            panic!("expected valid settings");
        };
        assert!(matches!(auth, Some(Auth::Jwt { ref mount, .. }) if mount == "jwt"));
    }

    #[test]
    fn two_login_blocks_are_refused_at_validation() {
        let mut config = Value::Null;
        config.set_attr("auth_login_approle", Value::from("set"));
        assert!(VaultPkiProvider.validate(&config).0.is_empty());
        config.set_attr("auth_login_jwt", Value::from("set"));
        let d = VaultPkiProvider.validate(&config);
        assert!(
            d.0[0]
                .detail
                .contains("auth_login_approle and auth_login_jwt"),
            "{:?}",
            d.0
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut c = empty();
        c.token = Some("s.supersecret".into());
        c.auth_login_approle = Some(AppRoleLogin {
            mount: None,
            role_id: Some("rid-123".into()),
            secret_id: Some("sid-456".into()),
        });
        c.auth_login_jwt = Some(JwtLogin {
            mount: None,
            role: Some("ci".into()),
            jwt: Some("eyJ.jwt-789".into()),
        });
        let text = format!("{c:?}");
        assert!(
            !text.contains("supersecret")
                && !text.contains("sid-456")
                && !text.contains("rid-123")
                && !text.contains("jwt-789")
        );
    }
}
