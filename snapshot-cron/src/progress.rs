//! Progress on a terminal for the long transfers (download, upload). A job has no terminal and
//! stays silent: its JSON summary line says it all.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

/// Progress on a terminal; silent in a job (the JSON summary says it all).
pub struct Progress {
    enabled: bool,
    label: &'static str,
    started: Instant,
    last: Instant,
}

impl Progress {
    /// Starts reporting if stderr is a terminal.
    pub fn new(label: &'static str) -> Self {
        let now = Instant::now();
        Self {
            enabled: std::io::stderr().is_terminal(),
            label,
            started: now,
            last: now,
        }
    }

    /// Reports `bytes` done, at most every 200 ms.
    pub fn update(&mut self, bytes: u64) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r{}: {:.1} MiB ({:.1} MiB/s)   ",
            self.label,
            bytes as f64 / 1048576.0,
            bytes as f64 / 1048576.0 / secs
        );
    }

    /// Ends the progress line.
    pub fn done(&mut self, bytes: u64) {
        if self.enabled {
            eprintln!(
                "\r{}: {:.1} MiB done          ",
                self.label,
                bytes as f64 / 1048576.0
            );
        }
    }
}
