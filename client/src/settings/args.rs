//! The server and login flags of every tool that logs in (snapshot-cron, cert-deploy), defined
//! once as clap `Args` for a subcommand to flatten, and turned into [`ServerSettings`] and
//! [`AuthSettings`] here too. What differs between the tools comes from the tool's
//! [`ToolVars`]: its environment variable names, the spelling of the AppRole flags (cert-deploy
//! keeps the "Vault Certificate Manager" names), and the help text that says what the tool does
//! with a setting. Behind the `clap` feature, so the provider does not build clap.

use std::fmt::Debug;
use std::marker::PhantomData;
use std::path::PathBuf;

use clap::{ArgAction, Args};

use super::{AuthSettings, AuthVarNames, ServerSettings};

/// Server address (Vault's name); every tool reads it.
pub const VAULT_ADDR: &str = "VAULT_ADDR";
/// Server address (OpenBao's name), used when `VAULT_ADDR` is unset.
pub const BAO_ADDR: &str = "BAO_ADDR";
/// PEM file of CA certificates for the server's TLS certificate.
pub const VAULT_CACERT: &str = "VAULT_CACERT";
/// OpenBao's name for the CA file.
pub const BAO_CACERT: &str = "BAO_CACERT";
/// Namespace.
pub const VAULT_NAMESPACE: &str = "VAULT_NAMESPACE";
/// OpenBao's name for the namespace.
pub const BAO_NAMESPACE: &str = "BAO_NAMESPACE";
/// Token for token auth.
pub const VAULT_TOKEN: &str = "VAULT_TOKEN";
/// OpenBao's name for the token.
pub const BAO_TOKEN: &str = "BAO_TOKEN";

/// A tool's names for the shared flags: its environment variables (declared in the tool's
/// `env_vars` module), the AppRole flag spellings and the help lines that differ.
pub trait ToolVars: Debug + Clone + Send + Sync + 'static {
    /// Help of `--vault-addr`.
    const ADDR_HELP: &'static str;
    /// Help of `--request-timeout`.
    const REQUEST_TIMEOUT_HELP: &'static str;
    /// Help of `--token-file`.
    const TOKEN_FILE_HELP: &'static str;
    /// The flag (without `--`) of the AppRole role ID.
    const ROLE_ID_FLAG: &'static str;
    /// The flag of the AppRole secret ID.
    const SECRET_ID_FLAG: &'static str;
    /// The flag of the file holding the AppRole secret ID.
    const SECRET_ID_FILE_FLAG: &'static str;
    /// The value names `--help` shows for those three flags (role ID, secret ID, file).
    const APPROLE_VALUE_NAMES: [&'static str; 3];
    /// Variable: accept any server certificate.
    const TLS_SKIP_VERIFY: &'static str;
    /// Variable: seconds per API request.
    const REQUEST_TIMEOUT: &'static str;
    /// Variable: a file holding a token.
    const TOKEN_FILE: &'static str;
    /// Variable: the AppRole role ID.
    const ROLE_ID: &'static str;
    /// Variable: the AppRole secret ID.
    const SECRET_ID: &'static str;
    /// Variable: a file holding the AppRole secret ID.
    const SECRET_ID_FILE: &'static str;
    /// Variable: the AppRole mount.
    const APPROLE_MOUNT: &'static str;
    /// Variable: the Kubernetes auth role.
    const K8S_ROLE: &'static str;
    /// Variable: the Kubernetes auth mount.
    const K8S_MOUNT: &'static str;
    /// Variable: the service-account token file.
    const K8S_JWT_FILE: &'static str;
}

/// Where the server is.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs<V: ToolVars> {
    #[arg(long = "vault-addr", env = VAULT_ADDR, help = V::ADDR_HELP, help_heading = "Server")]
    pub addr: Option<String>,
    #[arg(long = "bao-addr", env = BAO_ADDR, hide = true)]
    pub bao_addr: Option<String>,
    /// PEM file with the CA certificate(s) of the server's TLS certificate.
    #[arg(long = "ca-cert", env = VAULT_CACERT, help_heading = "Server")]
    pub ca_cert: Option<PathBuf>,
    #[arg(long = "bao-ca-cert", env = BAO_CACERT, hide = true)]
    pub bao_ca_cert: Option<PathBuf>,
    /// Namespace (Vault Enterprise / OpenBao namespaces).
    #[arg(long, env = VAULT_NAMESPACE, help_heading = "Server")]
    pub namespace: Option<String>,
    #[arg(long = "bao-namespace", env = BAO_NAMESPACE, hide = true)]
    pub bao_namespace: Option<String>,
    /// Accept any server certificate. For tests only.
    #[arg(long, env = V::TLS_SKIP_VERIFY, action = ArgAction::SetTrue, help_heading = "Server")]
    pub tls_skip_verify: bool,
    #[arg(long, env = V::REQUEST_TIMEOUT, default_value_t = 30, help = V::REQUEST_TIMEOUT_HELP, help_heading = "Server")]
    pub request_timeout: u64,
    #[arg(skip)]
    pub tool: PhantomData<V>,
}

impl<V: ToolVars> ServerArgs<V> {
    /// The settings the flags and variables give.
    pub fn settings(&self) -> ServerSettings {
        ServerSettings {
            addr: self.addr.clone(),
            bao_addr: self.bao_addr.clone(),
            ca_cert: self.ca_cert.clone(),
            bao_ca_cert: self.bao_ca_cert.clone(),
            namespace: self.namespace.clone(),
            bao_namespace: self.bao_namespace.clone(),
            tls_skip_verify: self.tls_skip_verify,
            request_timeout_secs: self.request_timeout,
        }
    }
}

/// How to log in: AppRole wins over Kubernetes, which wins over a token file, which wins over
/// a token ([`AuthSettings::auth`]).
#[derive(Debug, Clone, Args)]
pub struct AuthArgs<V: ToolVars> {
    /// Token (token auth).
    #[arg(long, env = VAULT_TOKEN, hide_env_values = true, help_heading = "Authentication")]
    pub token: Option<String>,
    #[arg(long = "bao-token", env = BAO_TOKEN, hide_env_values = true, hide = true)]
    pub bao_token: Option<String>,
    #[arg(long, env = V::TOKEN_FILE, help = V::TOKEN_FILE_HELP, help_heading = "Authentication")]
    pub token_file: Option<PathBuf>,
    /// AppRole role ID; selects AppRole login.
    #[arg(long = V::ROLE_ID_FLAG, value_name = V::APPROLE_VALUE_NAMES[0], env = V::ROLE_ID, hide_env_values = true, help_heading = "Authentication", conflicts_with = "k8s_role")]
    pub approle_role_id: Option<String>,
    /// AppRole secret ID.
    #[arg(long = V::SECRET_ID_FLAG, value_name = V::APPROLE_VALUE_NAMES[1], env = V::SECRET_ID, hide_env_values = true, help_heading = "Authentication", conflicts_with = "approle_secret_id_file")]
    pub approle_secret_id: Option<String>,
    /// File holding the AppRole secret ID.
    #[arg(long = V::SECRET_ID_FILE_FLAG, value_name = V::APPROLE_VALUE_NAMES[2], env = V::SECRET_ID_FILE, help_heading = "Authentication")]
    pub approle_secret_id_file: Option<PathBuf>,
    /// Mount path of the AppRole auth method.
    #[arg(long, env = V::APPROLE_MOUNT, default_value = "approle", help_heading = "Authentication")]
    pub approle_mount: String,
    /// Kubernetes auth role; selects Kubernetes login.
    #[arg(long, env = V::K8S_ROLE, help_heading = "Authentication")]
    pub k8s_role: Option<String>,
    /// Mount path of the Kubernetes auth method.
    #[arg(long, env = V::K8S_MOUNT, default_value = "kubernetes", help_heading = "Authentication")]
    pub k8s_mount: String,
    /// Service-account token file for Kubernetes login.
    #[arg(long, env = V::K8S_JWT_FILE, default_value = "/var/run/secrets/kubernetes.io/serviceaccount/token", help_heading = "Authentication")]
    pub k8s_jwt_file: PathBuf,
    #[arg(skip)]
    pub tool: PhantomData<V>,
}

impl<V: ToolVars> AuthArgs<V> {
    /// The credentials the flags and variables give, with the tool's variable names for messages.
    pub fn settings(&self) -> AuthSettings {
        AuthSettings {
            token: self.token.clone(),
            bao_token: self.bao_token.clone(),
            token_file: self.token_file.clone(),
            approle_role_id: self.approle_role_id.clone(),
            approle_secret_id: self.approle_secret_id.clone(),
            approle_secret_id_file: self.approle_secret_id_file.clone(),
            approle_mount: self.approle_mount.clone(),
            k8s_role: self.k8s_role.clone(),
            k8s_mount: self.k8s_mount.clone(),
            k8s_jwt_file: self.k8s_jwt_file.clone(),
            names: AuthVarNames {
                role_id: V::ROLE_ID,
                secret_id: V::SECRET_ID,
                secret_id_file: V::SECRET_ID_FILE,
                token_file: V::TOKEN_FILE,
                k8s_role: V::K8S_ROLE,
            },
        }
    }
}
