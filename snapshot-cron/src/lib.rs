//! The nightly backup job as a library: find the active node, stream a Raft snapshot to a
//! temporary file while hashing it, verify the archive, upload it to S3 with SSE-KMS as a
//! multipart upload, apply retention, and report the outcome as a JSON line and metrics.

pub mod archive;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod digest;
pub mod env_vars;
pub mod exit;
pub mod keys;
pub mod progress;
pub mod report;
pub mod signals;
pub mod spool;
pub mod store;
pub mod take;

use cli::Cli;
use vaultpki_client::tool::LogFormat;

/// Sets up logging on stderr as `--log-format` asks, filtered by the tool's log variable.
pub fn init_logging(format: LogFormat) {
    vaultpki_client::tool::init_logging(format, env_vars::LOG);
}

/// Runs a parsed command line; returns the process exit code after printing any error once.
pub async fn main_with(cli: Cli) -> u8 {
    vaultpki_client::tool::exit_code("snapshot-cron", commands::dispatch(cli).await)
}
