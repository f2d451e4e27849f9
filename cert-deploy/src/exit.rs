//! Exit codes by stage. A timer or cron wrapper (and an alert on the metric) must tell "fix the
//! file" from "the secret ID expired" from "nginx refused the reload" without reading text, so
//! every failure carries the stage it happened in and each stage has one documented code.

pub use vaultpki_client::tool::{ExitStage, StageExt};

/// A failure of this tool: its [`Stage`] and the error chain.
pub type Failure = vaultpki_client::tool::Failure<Stage>;

/// Where a run failed; each stage maps to one exit code (see the README's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// The YAML file or a setting is missing or invalid; nothing was changed. Exit code 3.
    Config,
    /// The login was refused (wrong or expired secret ID, bad token, unknown role). Exit code 4.
    Auth,
    /// The server could not be reached, or refused reading the role's issuer or issuing.
    /// Exit code 5.
    Server,
    /// Writing a file into place failed; the previous files were put back. Exit code 6.
    Deploy,
    /// A service reload or a `command` failed after its files changed. Exit code 7.
    Reload,
    /// `check` found certificates that `run` would issue. Exit code 8.
    Pending,
    /// A bug or an unexpected local failure. Exit code 1.
    Internal,
}

impl ExitStage for Stage {
    fn exit_code(self) -> u8 {
        match self {
            Self::Internal => 1,
            Self::Config => 3,
            Self::Auth => 4,
            Self::Server => 5,
            Self::Deploy => 6,
            Self::Reload => 7,
            Self::Pending => 8,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Auth => "auth",
            Self::Server => "server",
            Self::Deploy => "deploy",
            Self::Reload => "reload",
            Self::Pending => "pending",
            Self::Internal => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct_and_in_the_readme() {
        let all = [
            Stage::Internal,
            Stage::Config,
            Stage::Auth,
            Stage::Server,
            Stage::Deploy,
            Stage::Reload,
            Stage::Pending,
        ];
        let codes: std::collections::BTreeSet<u8> = all.iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes.len(), all.len());
        let readme = include_str!("../README.md");
        for s in all {
            let row = format!("| {} | `{}` |", s.exit_code(), s.as_str());
            assert!(readme.contains(&row), "README lacks the row {row}");
        }
    }
}
