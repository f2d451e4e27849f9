//! Exit codes and the failure type that carries one. A job's caller (Kubernetes, systemd,
//! alerting on the metric) needs to tell "fix the configuration" from "the server is down" from
//! "the bucket refused us" without parsing text, so every failure is tagged with the stage it
//! happened in, and each stage has its own documented exit code.

pub use vaultpki_client::tool::{ExitStage, StageExt};

/// A failure of this tool: its [`Stage`] and the error chain.
pub type Failure = vaultpki_client::tool::Failure<Stage>;

/// Where a command failed; each stage maps to one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// A setting is missing or invalid, or a local file is unreadable. Exit code 3.
    Config,
    /// The server could not be reached, refused the login or the snapshot, or has no active
    /// node. Exit code 4.
    Server,
    /// The snapshot failed verification (truncated, corrupted, incomplete). Exit code 5.
    Verify,
    /// KMS key check, bucket check, upload, listing or download failed. Exit code 6.
    Storage,
    /// The upload succeeded but applying retention failed. Exit code 7.
    Retention,
    /// The server refused the restore or it did not take effect. Exit code 8.
    Restore,
    /// SIGTERM or SIGINT stopped the run: the upload was aborted and the temporary file removed.
    /// Exit code 9.
    Interrupted,
    /// A bug or an unexpected local failure. Exit code 1.
    Internal,
}

impl ExitStage for Stage {
    fn exit_code(self) -> u8 {
        match self {
            Self::Internal => 1,
            Self::Config => 3,
            Self::Server => 4,
            Self::Verify => 5,
            Self::Storage => 6,
            Self::Retention => 7,
            Self::Restore => 8,
            Self::Interrupted => 9,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Server => "server",
            Self::Verify => "verify",
            Self::Storage => "storage",
            Self::Retention => "retention",
            Self::Restore => "restore",
            Self::Interrupted => "interrupted",
            Self::Internal => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct_and_documented() {
        let all = [
            Stage::Internal,
            Stage::Config,
            Stage::Server,
            Stage::Verify,
            Stage::Storage,
            Stage::Retention,
            Stage::Restore,
            Stage::Interrupted,
        ];
        let codes: std::collections::HashSet<u8> = all.iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes.len(), all.len());
        assert!(!codes.contains(&0) && !codes.contains(&2));
        let readme = include_str!("../README.md");
        for s in all {
            assert!(
                readme.contains(&format!("| {} |", s.exit_code())),
                "README lacks exit code {}",
                s.exit_code()
            );
        }
    }
}
