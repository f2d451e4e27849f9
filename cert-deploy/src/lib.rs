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

use cli::Cli;
use vaultpki_client::tool::LogFormat;

/// Sets up logging on stderr as `--log-format` asks, filtered by the tool's log variable.
pub fn init_logging(format: LogFormat) {
    vaultpki_client::tool::init_logging(format, env_vars::LOG);
}

/// Runs a parsed command line; returns the process exit code after printing any error once.
pub async fn main_with(cli: Cli) -> u8 {
    vaultpki_client::tool::exit_code("cert-deploy", commands::dispatch(cli).await)
}
