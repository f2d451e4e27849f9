//! cert-deploy as a library: read the Vault Certificate Manager's YAML file, decide from the
//! deployed files alone whether each certificate must be issued again, issue it from its PKI
//! role through `vaultpki-client`, deploy key, certificate and chain atomically with their owner
//! and mode (an interrupted deploy is rolled back), reload the services whose files changed,
//! and report a JSON line and Prometheus metrics.

pub mod cli;
pub mod commands;
pub mod config;
pub mod deploy;
pub mod env_vars;
pub mod exit;
pub mod inspect;
pub mod issue;
pub mod reload;
pub mod report;

use std::io::IsTerminal as _;

use cli::{Cli, LogFormat};

/// Logs to stderr (stdout is the summary line): text on a terminal, JSON in a job, or as asked.
pub fn init_logging(format: LogFormat) {
    let terminal = std::io::stderr().is_terminal();
    let filter = tracing_subscriber::EnvFilter::try_from_env(env_vars::LOG)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(terminal)
        .with_env_filter(filter);
    let json = format == LogFormat::Json || (format == LogFormat::Auto && !terminal);
    if json {
        subscriber.json().flatten_event(true).init();
    } else {
        subscriber.init();
    }
}

/// Runs a parsed command line; prints the error once and returns the exit code.
pub async fn main_with(cli: Cli) -> u8 {
    let Err(failure) = commands::dispatch(cli).await else {
        return 0;
    };
    eprintln!("cert-deploy: {:#}", failure.error);
    failure.stage.exit_code()
}
