//! Names mapped to 127.0.0.1 in `/etc/hosts` for one test ([`HostsEntries`]), so a client can
//! reach a local server under the name its certificate carries (the ACME tests, the release's
//! network mirror), and [`FileLock`], the flock shared with scripts around such machine-wide
//! changes. The guard's own test is `acme::hosts_entries_resolve_and_go_away_even_when_the_test_panics`.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::unique_name;

pub const HOSTS: &str = "/etc/hosts";
/// Taken (flock) around every change of /etc/hosts, by this and any other vaultpki process
/// (e.g. `flock /tmp/vaultpki-etc-hosts.lock ...` from a script).
pub const HOSTS_LOCK: &str = "/tmp/vaultpki-etc-hosts.lock";

/// Lines mapping names to 127.0.0.1 in /etc/hosts, each ending with a marker unique to this
/// guard; dropping the guard removes exactly those lines, also when the test panics.
pub struct HostsEntries {
    marker: String,
}

impl HostsEntries {
    pub fn add(names: &[String]) -> Self {
        let marker = format!("# vaultpki-test {}", unique_name("hosts"));
        edit_hosts(|text| {
            let mut out = text.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("127.0.0.1 {} {marker}\n", names.join(" ")));
            out
        })
        .unwrap_or_else(|e| {
            panic!("cannot add {names:?} to {HOSTS} (the tests that need a name run as root): {e}")
        });
        Self { marker }
    }
}

impl Drop for HostsEntries {
    fn drop(&mut self) {
        let marker = &self.marker;
        let result = edit_hosts(|text| {
            text.lines()
                .filter(|line| !line.ends_with(marker.as_str()))
                .map(|line| format!("{line}\n"))
                .collect()
        });
        if let Err(e) = result {
            eprintln!("could not remove the lines ending in {marker:?} from {HOSTS}: {e}");
        }
    }
}

/// The address `getent hosts` finds for `name` through the system's resolver (files first).
pub fn resolve(name: &str) -> Option<String> {
    let out = Command::new("getent")
        .args(["hosts", name])
        .output()
        .expect("run getent");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().next().map(str::to_owned)
}

/// Rewrites /etc/hosts with `change` under the lock file's flock: a temporary file beside it,
/// fsync, rename; where /etc/hosts is a bind mount (containers) the rename fails with EBUSY
/// and the file is rewritten in place instead, still under the lock.
fn edit_hosts(change: impl FnOnce(&str) -> String) -> std::io::Result<()> {
    let _lock = FileLock::take(HOSTS_LOCK)?;
    let text = std::fs::read_to_string(HOSTS)?;
    let new = change(&text);
    if new == text {
        return Ok(());
    }
    let tmp = PathBuf::from(format!("{HOSTS}.vaultpki-{}", std::process::id()));
    let renamed = (|| -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(new.as_bytes())?;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
        f.sync_all()?;
        std::fs::rename(&tmp, HOSTS)
    })();
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
        let mut f = OpenOptions::new().write(true).truncate(true).open(HOSTS)?;
        f.write_all(new.as_bytes())?;
        f.sync_all()?;
    }
    Ok(())
}

/// An exclusive flock on a lock file, held by a `flock(1)` child until its stdin closes:
/// `File::lock` is newer than the workspace's MSRV, and if this process dies the child sees
/// EOF and the lock goes with it.
pub struct FileLock {
    child: Child,
}

impl FileLock {
    pub fn take(path: &str) -> std::io::Result<Self> {
        let mut child = Command::new("flock")
            .args(["--exclusive", path, "sh", "-c", "echo locked; read _"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut line)?;
        }
        if line.trim() != "locked" {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "flock {path} did not take the lock (util-linux's flock is needed)"
            )));
        }
        Ok(Self { child })
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing stdin ends `read`, the shell and flock, which releases the lock.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}
