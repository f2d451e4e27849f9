//! Every environment variable the job reads, declared once. The CLI wires each one to its flag
//! with clap's `env`, and the README's table is written from this list. The names every tool
//! shares (`VAULT_ADDR`, `BAO_ADDR`, `VAULT_CACERT`, `BAO_CACERT`, `VAULT_NAMESPACE`,
//! `BAO_NAMESPACE`, `VAULT_TOKEN`, `BAO_TOKEN`) are declared with the shared flags in
//! [`vaultpki_client::args`]; [`Vars`] hands this tool's names to them.

use vaultpki_client::args::ToolVars;

/// File holding a token (e.g. written by an agent).
pub const TOKEN_FILE: &str = "SNAPSHOT_CRON_TOKEN_FILE";
/// AppRole role ID.
pub const APPROLE_ROLE_ID: &str = "SNAPSHOT_CRON_APPROLE_ROLE_ID";
/// AppRole secret ID.
pub const APPROLE_SECRET_ID: &str = "SNAPSHOT_CRON_APPROLE_SECRET_ID";
/// File holding the AppRole secret ID.
pub const APPROLE_SECRET_ID_FILE: &str = "SNAPSHOT_CRON_APPROLE_SECRET_ID_FILE";
/// Mount of the AppRole auth method.
pub const APPROLE_MOUNT: &str = "SNAPSHOT_CRON_APPROLE_MOUNT";
/// Role of the Kubernetes auth method.
pub const K8S_ROLE: &str = "SNAPSHOT_CRON_K8S_ROLE";
/// Mount of the Kubernetes auth method.
pub const K8S_MOUNT: &str = "SNAPSHOT_CRON_K8S_MOUNT";
/// Service-account token file for Kubernetes auth.
pub const K8S_JWT_FILE: &str = "SNAPSHOT_CRON_K8S_JWT_FILE";
/// Accept any server certificate (tests only).
pub const TLS_SKIP_VERIFY: &str = "SNAPSHOT_CRON_TLS_SKIP_VERIFY";
/// Seconds to wait for one ordinary API request.
pub const REQUEST_TIMEOUT: &str = "SNAPSHOT_CRON_REQUEST_TIMEOUT";
/// Seconds without a byte of snapshot before giving up.
pub const STALL_TIMEOUT: &str = "SNAPSHOT_CRON_STALL_TIMEOUT";
/// S3 bucket.
pub const BUCKET: &str = "SNAPSHOT_CRON_BUCKET";
/// Key prefix inside the bucket.
pub const PREFIX: &str = "SNAPSHOT_CRON_PREFIX";
/// KMS key id or ARN for SSE-KMS.
pub const KMS_KEY_ID: &str = "SNAPSHOT_CRON_KMS_KEY_ID";
/// Custom S3 endpoint URL (S3-compatible stores).
pub const S3_ENDPOINT: &str = "SNAPSHOT_CRON_S3_ENDPOINT";
/// Custom KMS endpoint URL.
pub const KMS_ENDPOINT: &str = "SNAPSHOT_CRON_KMS_ENDPOINT";
/// Seconds per S3/KMS request attempt.
pub const S3_TIMEOUT: &str = "SNAPSHOT_CRON_S3_TIMEOUT";
/// Use path-style S3 addressing.
pub const S3_FORCE_PATH_STYLE: &str = "SNAPSHOT_CRON_S3_FORCE_PATH_STYLE";
/// Multipart part size in MiB.
pub const PART_SIZE_MIB: &str = "SNAPSHOT_CRON_PART_SIZE_MIB";
/// Parts uploaded at the same time.
pub const UPLOAD_CONCURRENCY: &str = "SNAPSHOT_CRON_UPLOAD_CONCURRENCY";
/// Number of newest snapshots to keep.
pub const RETAIN: &str = "SNAPSHOT_CRON_RETAIN";
/// Also keep every snapshot younger than this (e.g. `7d`).
pub const RETAIN_MIN_AGE: &str = "SNAPSHOT_CRON_RETAIN_MIN_AGE";
/// Also keep the newest snapshot of each of the last N days.
pub const KEEP_DAILY: &str = "SNAPSHOT_CRON_KEEP_DAILY";
/// Also keep the newest snapshot of each of the last N weeks.
pub const KEEP_WEEKLY: &str = "SNAPSHOT_CRON_KEEP_WEEKLY";
/// Also keep the newest snapshot of each of the last N months.
pub const KEEP_MONTHLY: &str = "SNAPSHOT_CRON_KEEP_MONTHLY";
/// Directory for the temporary snapshot file.
pub const TEMP_DIR: &str = "SNAPSHOT_CRON_TEMP_DIR";
/// Prometheus textfile to write.
pub const METRICS_FILE: &str = "SNAPSHOT_CRON_METRICS_FILE";
/// Pushgateway base URL.
pub const PUSHGATEWAY_URL: &str = "SNAPSHOT_CRON_PUSHGATEWAY_URL";
/// The `cluster` label of the Pushgateway group.
pub const CLUSTER: &str = "SNAPSHOT_CRON_CLUSTER";
/// Log format: `auto`, `text` or `json`.
pub const LOG_FORMAT: &str = "SNAPSHOT_CRON_LOG_FORMAT";
/// Log filter (tracing `EnvFilter` syntax).
pub const LOG: &str = "SNAPSHOT_CRON_LOG";

/// snapshot-cron's names and help for the shared server and login flags.
#[derive(Debug, Clone)]
pub struct Vars;

impl ToolVars for Vars {
    const ADDR_HELP: &'static str =
        "Server address, e.g. https://vault.example:8200 (a standby or load balancer is fine)";
    const REQUEST_TIMEOUT_HELP: &'static str =
        "Seconds to wait for one API request (login, health, headers of the snapshot)";
    const TOKEN_FILE_HELP: &'static str = "File holding a token (e.g. written by an agent sidecar)";
    const ROLE_ID_FLAG: &'static str = "approle-role-id";
    const SECRET_ID_FLAG: &'static str = "approle-secret-id";
    const SECRET_ID_FILE_FLAG: &'static str = "approle-secret-id-file";
    const APPROLE_VALUE_NAMES: [&'static str; 3] = [
        "APPROLE_ROLE_ID",
        "APPROLE_SECRET_ID",
        "APPROLE_SECRET_ID_FILE",
    ];
    const TLS_SKIP_VERIFY: &'static str = TLS_SKIP_VERIFY;
    const REQUEST_TIMEOUT: &'static str = REQUEST_TIMEOUT;
    const TOKEN_FILE: &'static str = TOKEN_FILE;
    const ROLE_ID: &'static str = APPROLE_ROLE_ID;
    const SECRET_ID: &'static str = APPROLE_SECRET_ID;
    const SECRET_ID_FILE: &'static str = APPROLE_SECRET_ID_FILE;
    const APPROLE_MOUNT: &'static str = APPROLE_MOUNT;
    const K8S_ROLE: &'static str = K8S_ROLE;
    const K8S_MOUNT: &'static str = K8S_MOUNT;
    const K8S_JWT_FILE: &'static str = K8S_JWT_FILE;
}
