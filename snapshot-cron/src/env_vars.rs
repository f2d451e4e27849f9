//! Every environment variable the job reads, declared once. The CLI wires each one to its flag
//! with clap's `env`, and the README's table is written from this list.

/// Server address (Vault's name).
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
