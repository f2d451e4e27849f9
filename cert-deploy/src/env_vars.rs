//! Every environment variable cert-deploy reads, declared once. The CLI wires each one to its
//! flag with clap's `env`, and the README's table lists the same names. The credential names are
//! the ones the "Vault Certificate Manager" script reads (`VAULT_ROLE_ID`, `VAULT_SECRET_ID`), so
//! an existing cron line keeps working.

/// The YAML configuration file.
pub const CONFIG: &str = "CERT_DEPLOY_CONFIG";
/// Server address (Vault's name), used when the file's `config.vault` is unset.
pub const VAULT_ADDR: &str = "VAULT_ADDR";
/// Server address (OpenBao's name), used when `VAULT_ADDR` is unset too.
pub const BAO_ADDR: &str = "BAO_ADDR";
/// PEM file of CA certificates for the server's TLS certificate.
pub const VAULT_CACERT: &str = "VAULT_CACERT";
/// OpenBao's name for the CA file.
pub const BAO_CACERT: &str = "BAO_CACERT";
/// Namespace.
pub const VAULT_NAMESPACE: &str = "VAULT_NAMESPACE";
/// OpenBao's name for the namespace.
pub const BAO_NAMESPACE: &str = "BAO_NAMESPACE";
/// Token for token auth (never revoked by cert-deploy).
pub const VAULT_TOKEN: &str = "VAULT_TOKEN";
/// OpenBao's name for the token.
pub const BAO_TOKEN: &str = "BAO_TOKEN";
/// File holding a token (e.g. written by an agent).
pub const TOKEN_FILE: &str = "CERT_DEPLOY_TOKEN_FILE";
/// AppRole role ID (VCM's name).
pub const ROLE_ID: &str = "VAULT_ROLE_ID";
/// AppRole secret ID (VCM's name).
pub const SECRET_ID: &str = "VAULT_SECRET_ID";
/// File holding the AppRole secret ID (e.g. a systemd credential).
pub const SECRET_ID_FILE: &str = "CERT_DEPLOY_SECRET_ID_FILE";
/// Mount of the AppRole auth method.
pub const APPROLE_MOUNT: &str = "CERT_DEPLOY_APPROLE_MOUNT";
/// Role of the Kubernetes auth method.
pub const K8S_ROLE: &str = "CERT_DEPLOY_K8S_ROLE";
/// Mount of the Kubernetes auth method.
pub const K8S_MOUNT: &str = "CERT_DEPLOY_K8S_MOUNT";
/// Service-account token file for Kubernetes auth.
pub const K8S_JWT_FILE: &str = "CERT_DEPLOY_K8S_JWT_FILE";
/// Accept any server certificate (tests only).
pub const TLS_SKIP_VERIFY: &str = "CERT_DEPLOY_TLS_SKIP_VERIFY";
/// Seconds to wait for one API request.
pub const REQUEST_TIMEOUT: &str = "CERT_DEPLOY_REQUEST_TIMEOUT";
/// Seconds a reload (`systemctl`) or a `command` may take.
pub const COMMAND_TIMEOUT: &str = "CERT_DEPLOY_COMMAND_TIMEOUT";
/// Prometheus textfile to write.
pub const METRICS_FILE: &str = "CERT_DEPLOY_METRICS_FILE";
/// Log format: `auto`, `text` or `json`.
pub const LOG_FORMAT: &str = "CERT_DEPLOY_LOG_FORMAT";
/// Log filter (tracing `EnvFilter` syntax).
pub const LOG: &str = "CERT_DEPLOY_LOG";
