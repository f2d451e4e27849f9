//! The tools' systemd units as the acceptance tests check them: `systemd-analyze verify` on the
//! shipped files, and the pieces needed to run a unit's `ExecStart=` the way systemd would without
//! a running systemd (the machine running the tests has none as PID 1): its settings read from
//! the file, an empty root standing for the unit's view of the file system, its directories and
//! specifiers resolved into that root.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::workspace_root;

/// A unit file of the workspace, with the values of its settings.
pub struct Unit {
    text: String,
}

impl Unit {
    /// Reads `<workspace>/<path>`.
    pub fn read(path: &str) -> Self {
        let file = workspace_root().join(path);
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        Self { text }
    }

    /// The unit's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every value of `name=` lines, one entry per line, in order (the prefix characters systemd
    /// allows on Exec lines kept).
    pub fn values(&self, name: &str) -> Vec<String> {
        let key = format!("{name}=");
        self.text
            .lines()
            .filter_map(|l| l.strip_prefix(&key))
            .map(str::to_owned)
            .collect()
    }

    /// Every whitespace-separated word of `name=` lines, in order.
    pub fn words(&self, name: &str) -> Vec<String> {
        self.values(name)
            .iter()
            .flat_map(|v| v.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect()
    }
}

/// Runs `systemd-analyze verify` on `units` (file names in `<workspace>/<dir>`), with every
/// `/usr/local/bin/<bin>` pointing at the workspace's built binary (verify checks that ExecStart
/// exists), and fails the test on any complaint.
pub fn verify_units(dir: &str, units: &[&str], bin: &str) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let built = crate::bin_path(bin);
    for name in units {
        let text = Unit::read(&format!("{dir}/{name}"))
            .text
            .replace(&format!("/usr/local/bin/{bin}"), &built.to_string_lossy());
        std::fs::write(tmp.path().join(name), text).unwrap_or_else(|e| panic!("write: {e}"));
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(units)
        .current_dir(tmp.path())
        .output()
        .expect("systemd-analyze is installed (package systemd)");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "systemd-analyze verify {units:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An empty root standing for a unit's view of the file system: private `/tmp` and `/var/tmp`,
/// and the unit's State/Cache/Runtime/Logs directories created (owned by `owner`), as systemd
/// creates them before the first Exec line.
pub struct Sandbox {
    root: TempDir,
}

impl Sandbox {
    /// The root for `unit`, its directories owned by the uid/gid `owner`.
    pub fn new(unit: &Unit, owner: u32) -> Self {
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        for (key, base) in [
            ("StateDirectory", "var/lib"),
            ("CacheDirectory", "var/cache"),
            ("RuntimeDirectory", "run"),
            ("LogsDirectory", "var/log"),
        ] {
            for name in unit.words(key) {
                let d = root.path().join(base).join(name);
                std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("mkdir: {e}"));
                std::os::unix::fs::chown(&d, Some(owner), Some(owner))
                    .unwrap_or_else(|e| panic!("chown {}: {e}", d.display()));
            }
        }
        for private in ["tmp", "var/tmp"] {
            let d = root.path().join(private);
            std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("mkdir: {e}"));
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o1777))
                .unwrap_or_else(|e| panic!("chmod: {e}"));
        }
        Self { root }
    }

    /// The root directory.
    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// `path` (absolute, as the unit sees it) inside the root.
    pub fn inside(&self, path: &str) -> PathBuf {
        self.root.path().join(path.trim_start_matches('/'))
    }

    /// A setting's value with systemd's directory specifiers resolved (`%d` to `credentials`),
    /// an absolute path moved into the root; anything else as it is.
    pub fn resolve(&self, value: &str, credentials: &Path) -> String {
        let v = value
            .replace("%S", "/var/lib")
            .replace("%C", "/var/cache")
            .replace("%t", "/run")
            .replace("%L", "/var/log")
            .replace("%d", &credentials.to_string_lossy());
        if v.starts_with('/') && !v.starts_with(&*credentials.to_string_lossy()) {
            self.inside(&v).to_string_lossy().into_owned()
        } else {
            v
        }
    }
}
