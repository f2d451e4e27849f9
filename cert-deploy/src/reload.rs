//! Telling services that their files changed: each systemd unit once per run (`restart` wins
//! over `reload` when two certificates ask differently), then each distinct `command` once, in
//! file order, through `/bin/sh -c`. Only for certificates whose files were replaced, and only
//! after the deploy committed.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, bail};
use tokio::process::Command;

use crate::config::{CertSpec, Control, Service};

/// What to run after the deploys of this run.
#[derive(Debug, Default)]
pub struct Plan {
    /// Units, first appearance first.
    pub services: Vec<Service>,
    /// Commands, first appearance first, each once.
    pub commands: Vec<String>,
}

impl Plan {
    /// Adds what a changed certificate asks for.
    pub fn add(&mut self, spec: &CertSpec) {
        for s in &spec.services {
            match self.services.iter_mut().find(|x| x.name == s.name) {
                Some(existing) => existing.control = existing.control.max(s.control),
                None => self.services.push(s.clone()),
            }
        }
        for c in &spec.commands {
            if !self.commands.contains(c) {
                self.commands.push(c.clone());
            }
        }
    }
}

/// Runs one reload step; `label` is what the summary records.
pub async fn run_service(service: &Service, timeout: Duration) -> anyhow::Result<()> {
    let verb = match service.control {
        Control::Reload => "reload",
        Control::Restart => "restart",
    };
    let mut cmd = Command::new("systemctl");
    cmd.args([verb, service.name.as_str()]);
    run(cmd, &format!("systemctl {verb} {}", service.name), timeout).await
}

/// Runs one `command` entry with `/bin/sh -c`.
pub async fn run_command(command: &str, timeout: Duration) -> anyhow::Result<()> {
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", command]);
    run(cmd, command, timeout).await
}

async fn run(mut cmd: Command, label: &str, timeout: Duration) -> anyhow::Result<()> {
    // stdout carries the JSON summary only: the child's output goes to our stderr (the log).
    cmd.stdin(Stdio::null())
        .stdout(std::io::stderr())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = cmd.spawn().with_context(|| format!("starting `{label}`"))?;
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(s) => s.with_context(|| format!("waiting for `{label}`"))?,
        Err(_) => {
            let _ = child.kill().await;
            bail!(
                "`{label}` did not finish within {}s and was killed",
                timeout.as_secs()
            );
        }
    };
    if !status.success() {
        bail!("`{label}` failed ({status})");
    }
    Ok(())
}
