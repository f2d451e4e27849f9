//! Command-line definition (clap derive). Every setting a job needs is a flag with an
//! environment variable from [`crate::env_vars`], so a CronJob or a systemd unit configures the
//! job entirely through its environment.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};
use vaultpki_client::args;
pub use vaultpki_client::tool::LogFormat;

use crate::env_vars as env;

/// Verified OpenBao/Vault Raft snapshots to KMS-encrypted S3, with retention.
#[derive(Debug, Parser)]
#[command(name = "snapshot-cron", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// Log format on stderr; `auto` is text on a terminal and JSON otherwise.
    #[arg(long, global = true, env = env::LOG_FORMAT, value_enum, default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  snapshot-cron run --bucket backups --prefix vault/prod --kms-key-id alias/backups --retain 14
  snapshot-cron verify ./20261123T020000.000Z-4711.snap
  snapshot-cron list --bucket backups --prefix vault/prod
  snapshot-cron restore --bucket backups --prefix vault/prod --latest --force

Exit codes: 0 ok, 1 internal error, 2 usage, 3 configuration, 4 server, 5 snapshot invalid,
6 storage (KMS/S3), 7 retention, 8 restore, 9 interrupted (SIGTERM/SIGINT).";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take a snapshot on the active node, verify it, upload it with SSE-KMS, apply retention.
    Run(RunArgs),
    /// Check a snapshot file offline and print what it contains.
    Verify(VerifyArgs),
    /// List the snapshots in the bucket, newest first.
    List(ListArgs),
    /// Download a snapshot, verify it, and restore it on the active node.
    Restore(RestoreArgs),
}

/// Where the server is.
pub type ServerArgs = args::ServerArgs<env::Vars>;

/// How to log in. AppRole wins over Kubernetes, which wins over a token file, which wins over
/// a token.
pub type AuthArgs = args::AuthArgs<env::Vars>;

/// Where the snapshots are stored.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// S3 bucket.
    #[arg(long, env = env::BUCKET, help_heading = "Storage")]
    pub bucket: String,
    /// Key prefix; objects are `<prefix>/<UTC timestamp>-<raft index>.snap`.
    #[arg(long, env = env::PREFIX, default_value = "vault-snapshots", help_heading = "Storage")]
    pub prefix: String,
    /// S3 endpoint URL for S3-compatible stores (AWS_ENDPOINT_URL also works).
    #[arg(long, env = env::S3_ENDPOINT, help_heading = "Storage")]
    pub s3_endpoint: Option<String>,
    /// KMS endpoint URL (AWS_ENDPOINT_URL also works).
    #[arg(long, env = env::KMS_ENDPOINT, help_heading = "Storage")]
    pub kms_endpoint: Option<String>,
    /// Path-style S3 addressing (needed by most S3-compatible stores).
    #[arg(long, env = env::S3_FORCE_PATH_STYLE, action = ArgAction::SetTrue, help_heading = "Storage")]
    pub s3_force_path_style: bool,
    /// Seconds one S3 or KMS request attempt (a whole part upload included) may take before it
    /// is retried; after the SDK's retries the command fails instead of hanging.
    #[arg(long, env = env::S3_TIMEOUT, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..), help_heading = "Storage")]
    pub s3_timeout: u64,
}

/// `run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// KMS key id, ARN or alias for SSE-KMS. Required: the job never uploads without it.
    #[arg(long, env = env::KMS_KEY_ID, help_heading = "Storage")]
    pub kms_key_id: Option<String>,
    /// Multipart part size in MiB (5 to 5120).
    #[arg(long, env = env::PART_SIZE_MIB, default_value_t = 16, value_parser = clap::value_parser!(u64).range(5..=5120), help_heading = "Storage")]
    pub part_size_mib: u64,
    /// Parts uploaded at the same time.
    #[arg(long, env = env::UPLOAD_CONCURRENCY, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64), help_heading = "Storage")]
    pub upload_concurrency: u32,
    /// Keep the newest N snapshots under the prefix (at least 1).
    #[arg(long, env = env::RETAIN, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..), help_heading = "Retention")]
    pub retain: u32,
    /// Also keep every snapshot younger than this (e.g. 7d, 36h).
    #[arg(long, env = env::RETAIN_MIN_AGE, help_heading = "Retention")]
    pub retain_min_age: Option<String>,
    /// Also keep the newest snapshot of each of the last N days (UTC) that have one.
    #[arg(long, env = env::KEEP_DAILY, default_value_t = 0, help_heading = "Retention")]
    pub keep_daily: u32,
    /// Also keep the newest snapshot of each of the last N ISO weeks that have one.
    #[arg(long, env = env::KEEP_WEEKLY, default_value_t = 0, help_heading = "Retention")]
    pub keep_weekly: u32,
    /// Also keep the newest snapshot of each of the last N months that have one.
    #[arg(long, env = env::KEEP_MONTHLY, default_value_t = 0, help_heading = "Retention")]
    pub keep_monthly: u32,
    /// Directory for the temporary snapshot file (needs room for one snapshot).
    #[arg(long, env = env::TEMP_DIR, help_heading = "Job")]
    pub temp_dir: Option<PathBuf>,
    /// Give up when the snapshot stream stalls for this many seconds.
    #[arg(long, env = env::STALL_TIMEOUT, default_value_t = 60, help_heading = "Job")]
    pub stall_timeout: u64,
    /// Write Prometheus metrics to this textfile (node_exporter textfile collector).
    #[arg(long, env = env::METRICS_FILE, help_heading = "Reporting")]
    pub metrics_file: Option<PathBuf>,
    /// Push metrics to this Pushgateway (base URL).
    #[arg(long, env = env::PUSHGATEWAY_URL, help_heading = "Reporting")]
    pub pushgateway_url: Option<String>,
    /// The `cluster` label of the Pushgateway group, so two clusters never overwrite each other's
    /// metrics; defaults to the key prefix.
    #[arg(long, env = env::CLUSTER, help_heading = "Reporting")]
    pub cluster: Option<String>,
}

/// `verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The snapshot file.
    pub file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print one JSON object per snapshot.
    #[arg(long)]
    pub json: bool,
}

/// `restore`.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["key", "latest"])))]
pub struct RestoreArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Object key of the snapshot to restore.
    #[arg(long)]
    pub key: Option<String>,
    /// Restore the newest snapshot under the prefix that verifies (newer ones that fail are
    /// skipped with a warning).
    #[arg(long)]
    pub latest: bool,
    /// Use snapshot-force: restore a snapshot from a different cluster (other unseal keys). The
    /// snapshot is verified exactly as without it.
    #[arg(long)]
    pub force: bool,
    /// Also restore an object that has no SHA-256 recorded at upload. Only the archive's own
    /// checksums are then checked, and they do not catch a snapshot that was altered and
    /// re-packed: a damaged snapshot can be restored and break the server's data.
    #[arg(long)]
    pub allow_unverified: bool,
    /// Directory for the downloaded file.
    #[arg(long, env = env::TEMP_DIR)]
    pub temp_dir: Option<PathBuf>,
    /// Seconds to wait for the restore request and for it to take effect.
    #[arg(long, default_value_t = 300)]
    pub restore_timeout: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn restore_needs_key_or_latest_but_not_both() {
        let base = ["snapshot-cron", "restore", "--bucket", "b"];
        assert!(Cli::try_parse_from(base).is_err());
        assert!(Cli::try_parse_from([&base[..], &["--latest"]].concat()).is_ok());
        assert!(Cli::try_parse_from([&base[..], &["--latest", "--key", "k"]].concat()).is_err());
    }
}
