//! Every environment variable cert-deploy reads, declared once. The CLI wires each one to its
//! flag with clap's `env`, and the README's table lists the same names. The credential names are
//! the ones the "Vault Certificate Manager" script reads (`VAULT_ROLE_ID`, `VAULT_SECRET_ID`), so
//! an existing cron line keeps working. The names every tool shares (`VAULT_ADDR`, `BAO_ADDR`,
//! `VAULT_CACERT`, `BAO_CACERT`, `VAULT_NAMESPACE`, `BAO_NAMESPACE`, `VAULT_TOKEN`, `BAO_TOKEN`) are
//! declared with the shared flags in [`vaultpki_client::args`]; [`Vars`] hands this tool's names
//! to them.

use vaultpki_client::args::ToolVars;

/// The YAML configuration file.
pub const CONFIG: &str = "CERT_DEPLOY_CONFIG";
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

/// cert-deploy's names and help for the shared server and login flags.
#[derive(Debug, Clone)]
pub struct Vars;

impl ToolVars for Vars {
    const ADDR_HELP: &'static str = "Server address, used when the file has no `config.vault`";
    const REQUEST_TIMEOUT_HELP: &'static str = "Seconds to wait for one API request";
    const TOKEN_FILE_HELP: &'static str = "File holding a token (e.g. written by an agent)";
    const ROLE_ID_FLAG: &'static str = "role-id";
    const SECRET_ID_FLAG: &'static str = "secret-id";
    const SECRET_ID_FILE_FLAG: &'static str = "secret-id-file";
    const APPROLE_VALUE_NAMES: [&'static str; 3] = ["ROLE_ID", "SECRET_ID", "SECRET_ID_FILE"];
    const TLS_SKIP_VERIFY: &'static str = TLS_SKIP_VERIFY;
    const REQUEST_TIMEOUT: &'static str = REQUEST_TIMEOUT;
    const TOKEN_FILE: &'static str = TOKEN_FILE;
    const ROLE_ID: &'static str = ROLE_ID;
    const SECRET_ID: &'static str = SECRET_ID;
    const SECRET_ID_FILE: &'static str = SECRET_ID_FILE;
    const APPROLE_MOUNT: &'static str = APPROLE_MOUNT;
    const K8S_ROLE: &'static str = K8S_ROLE;
    const K8S_MOUNT: &'static str = K8S_MOUNT;
    const K8S_JWT_FILE: &'static str = K8S_JWT_FILE;
}
