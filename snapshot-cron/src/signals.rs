//! SIGTERM and SIGINT as something a run can wait for. A Kubernetes `activeDeadlineSeconds`, a
//! pod eviction and systemd's `TimeoutStartSec` all end a job with SIGTERM; with the default
//! action the process would die leaving an open multipart upload, the temporary file, no summary
//! and stale metrics. Listening replaces the default action, so `run` can clean up and report.

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The termination signals, listened for from creation on.
pub struct Signals {
    term: Signal,
    int: Signal,
}

impl Signals {
    /// Starts listening for SIGTERM and SIGINT.
    pub fn listen() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for the next signal and returns its name.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}
