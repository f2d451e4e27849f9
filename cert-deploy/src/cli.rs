//! Command-line definition (clap derive). Every setting is a flag with an environment variable
//! from [`crate::env_vars`], so a systemd unit or a cron line configures the job through its
//! environment; what to deploy comes from the YAML file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use vaultpki_client::args;
pub use vaultpki_client::tool::LogFormat;

use crate::env_vars as env;

/// Certificates from an OpenBao/Vault PKI role onto this host: issued when needed, deployed
/// atomically with the configured owner and mode, services reloaded; no state kept.
#[derive(Debug, Parser)]
#[command(name = "cert-deploy", version, about, after_help = EXAMPLES)]
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
  VAULT_ROLE_ID=... CERT_DEPLOY_SECRET_ID_FILE=/etc/cert-deploy/secret-id \\
    cert-deploy run --config /etc/cert-deploy/certs.yaml
  cert-deploy check --config /etc/cert-deploy/certs.yaml
  cert-deploy recover --config /etc/cert-deploy/certs.yaml

Exit codes: 0 ok, 1 internal error, 2 usage, 3 configuration, 4 authentication,
5 server (unreachable, issuer or issuance refused), 6 deploy (writing files),
7 reload (a service or command failed), 8 check found work to do.";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Issue and deploy what needs it, reload the services whose files changed.
    Run(RunArgs),
    /// Say what `run` would do, changing nothing (exit 8 when it would issue).
    Check(RunArgs),
    /// Only put back the previous files of a deploy that was interrupted (no server needed);
    /// for systemd's ExecStopPost.
    Recover(ConfigArgs),
}

/// The configuration file.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// The YAML file (the Vault Certificate Manager's format).
    #[arg(long, short = 'c', env = env::CONFIG)]
    pub config: PathBuf,
}

/// Where the server is, when the file's `config.vault` does not say.
pub type ServerArgs = args::ServerArgs<env::Vars>;

/// How to log in: AppRole wins over Kubernetes, which wins over a token file, which wins over
/// a token. A token obtained by logging in is revoked at the end; a given token never is.
pub type AuthArgs = args::AuthArgs<env::Vars>;

/// `run` and `check`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Seconds one `systemctl` call or `command` may take before it is killed.
    #[arg(long, env = env::COMMAND_TIMEOUT, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..), help_heading = "Job")]
    pub command_timeout: u64,
    /// Write Prometheus metrics to this textfile (node_exporter textfile collector).
    #[arg(long, env = env::METRICS_FILE, help_heading = "Reporting")]
    pub metrics_file: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
