//! What the command-line jobs (snapshot-cron, cert-deploy) share beyond their flags
//! ([`crate::args`]): the `--log-format` choice and the logging set-up it selects, and failures
//! tagged with the stage they happened in, which each tool maps to its documented exit codes.
//! Each tool keeps its own stages (its own enum implementing [`ExitStage`]) and its own variable
//! names; only the mechanism is written once.

use std::fmt;
use std::io::IsTerminal as _;

/// Log output format on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Text on a terminal, JSON otherwise.
    Auto,
    /// Human-readable text.
    Text,
    /// One JSON object per line.
    Json,
}

/// Sets up logging on stderr (stdout is the tools' summary line): text on a terminal, JSON in a
/// job, or as asked. The filter comes from the environment variable `filter_var` (`info` when it
/// is unset or invalid). Colour codes are written only to a terminal: in a file or a journal they
/// are noise.
pub fn init_logging(format: LogFormat, filter_var: &str) {
    let terminal = std::io::stderr().is_terminal();
    let filter = tracing_subscriber::EnvFilter::try_from_env(filter_var)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(terminal)
        .with_env_filter(filter);
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !terminal,
    };
    if json {
        subscriber.json().flatten_event(true).init();
    } else {
        subscriber.init();
    }
}

/// A tool's stages: each maps to one documented exit code and a lower-case name (for the JSON
/// summary and the metrics).
pub trait ExitStage: Copy + fmt::Debug {
    /// The process exit code for a failure in this stage.
    fn exit_code(self) -> u8;
    /// The stage's name in summaries and metrics.
    fn as_str(self) -> &'static str;
}

/// A failed command: the stage it failed in and the error chain.
pub struct Failure<S> {
    /// Where it failed.
    pub stage: S,
    /// What failed, with context.
    pub error: anyhow::Error,
}

impl<S: ExitStage> Failure<S> {
    /// A failure in `stage` with a message.
    pub fn new(stage: S, message: impl fmt::Display) -> Self {
        Self {
            stage,
            error: anyhow::anyhow!("{message}"),
        }
    }
}

impl<S: ExitStage> fmt::Debug for Failure<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failure: {:#}", self.stage.as_str(), self.error)
    }
}

impl<S> fmt::Display for Failure<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

/// Tags errors with the stage they happened in.
pub trait StageExt<T, S> {
    /// Converts the error into a [`Failure`] of `stage`.
    fn stage(self, stage: S) -> Result<T, Failure<S>>;
}

impl<T, S, E: Into<anyhow::Error>> StageExt<T, S> for Result<T, E> {
    fn stage(self, stage: S) -> Result<T, Failure<S>> {
        self.map_err(|e| Failure {
            stage,
            error: e.into(),
        })
    }
}

/// Prints a failure once as `<tool>: <error chain>` and returns its exit code (0 on success).
pub fn exit_code<S: ExitStage>(tool: &str, result: Result<(), Failure<S>>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("{tool}: {:#}", failure.error);
            failure.stage.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy)]
    struct Only;

    impl ExitStage for Only {
        fn exit_code(self) -> u8 {
            7
        }
        fn as_str(self) -> &'static str {
            "only"
        }
    }

    #[test]
    fn a_failure_keeps_its_stage_and_the_whole_chain() {
        let failed: Result<(), anyhow::Error> =
            Err(anyhow::anyhow!("disk full").context("writing the spool"));
        let failure = failed.stage(Only).unwrap_err();
        assert_eq!(failure.to_string(), "writing the spool: disk full");
        assert_eq!(
            format!("{failure:?}"),
            "only failure: writing the spool: disk full"
        );
        assert_eq!(exit_code("tool", Err(failure)), 7);
        assert_eq!(exit_code::<Only>("tool", Ok(())), 0);
    }
}
