//! Shared helpers for the pki-bootstrap integration tests: a scratch directory with passphrase
//! files, the binary under test, and the `openssl` CLI as the second implementation.

#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

pub const PASS: &str = "correct horse battery staple";

pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pass"), format!("{PASS}\n")).unwrap();
        std::fs::write(dir.path().join("wrong"), "definitely not the passphrase\n").unwrap();
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn s(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// The binary, with its working directory in the scratch dir and no passphrase env leaking in.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("pki-bootstrap").unwrap();
        c.current_dir(self.dir.path())
            .env_remove("PKI_BOOTSTRAP_PASSPHRASE_FILE")
            .env_remove("PKI_BOOTSTRAP_CA_PASSPHRASE_FILE");
        c
    }

    /// Runs the binary and requires success.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "pki-bootstrap {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn root(&self, out: &str, key: &str, extra: &[&str]) {
        let mut args = vec![
            "root",
            "--out",
            out,
            "--subject",
            "CN=Test Root,O=Example",
            "--key-type",
            key,
            "--passphrase-file",
            "pass",
        ];
        args.extend_from_slice(extra);
        self.ok(&args);
    }

    pub fn intermediate(&self, ca: &str, out: &str, key: &str, extra: &[&str]) {
        let mut args = vec![
            "intermediate",
            "--ca",
            ca,
            "--ca-passphrase-file",
            "pass",
            "--out",
            out,
            "--subject",
            "CN=Test Intermediate,O=Example",
            "--key-type",
            key,
            "--passphrase-file",
            "pass",
        ];
        args.extend_from_slice(extra);
        self.ok(&args);
    }

    pub fn server(&self, ca: &str, out: &str, key: &str) {
        self.ok(&[
            "server-cert",
            "--ca",
            ca,
            "--ca-passphrase-file",
            "pass",
            "--out",
            out,
            "--dns",
            "localhost",
            "--ip",
            "127.0.0.1",
            "--key-type",
            key,
        ]);
    }
}

/// Runs `openssl` in `dir`; returns (success, stdout+stderr).
pub fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the openssl CLI is required for interop tests (apt-get install openssl)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Makes a CSR with the openssl CLI: `key` is an `-newkey` argument, `extra` more `req` args.
pub fn make_csr(dir: &Path, name: &str, key: &str, extra: &[&str]) {
    let mut args = vec![
        "req",
        "-new",
        "-newkey",
        key,
        "-nodes",
        "-keyout",
        "/dev/null",
        "-out",
        name,
    ];
    args.extend_from_slice(extra);
    let (ok, text) = openssl(dir, &args);
    assert!(ok, "openssl req failed: {text}");
}
