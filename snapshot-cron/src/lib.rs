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

use std::io::IsTerminal as _;

use cli::{Cli, LogFormat};

/// Sets up logging on stderr: text on a terminal, JSON otherwise (or as asked).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(env_vars::LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    // Colour codes only on a terminal: in a file or a journal they are noise.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

/// Runs a parsed command line; returns the process exit code after printing any error once.
pub async fn main_with(cli: Cli) -> u8 {
    match commands::dispatch(cli).await {
        Ok(()) => 0,
        Err(f) => {
            eprintln!("snapshot-cron: {:#}", f.error);
            f.stage.exit_code()
        }
    }
}
