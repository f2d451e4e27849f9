//! What the acceptance areas share beyond the environment: the vaultpki provider wired into
//! terraform against a server, a minimal configuration around a body of HCL, and the `openssl`
//! and `curl` CLIs run as a second, independent implementation.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Terraform, bin_path, env};

/// The provider's source address in configurations (served by `dev_overrides`).
pub const PROVIDER_SOURCE: &str = "vaultpki/vaultpki";

/// The directory holding the built `terraform-provider-vaultpki`.
pub fn provider_dir() -> PathBuf {
    bin_path("terraform-provider-vaultpki")
        .parent()
        .expect("the provider binary has a parent directory")
        .to_path_buf()
}

/// terraform with the vaultpki provider, pointed at `addr` with `token` (both spellings of the
/// variables, as a user's shell may have either).
pub fn provider_terraform_at(addr: &str, token: &str) -> Terraform {
    Terraform::new()
        .with_provider(PROVIDER_SOURCE, &provider_dir())
        .with_env("VAULT_ADDR", addr)
        .with_env("VAULT_TOKEN", token)
        .with_env("BAO_ADDR", addr)
        .with_env("BAO_TOKEN", token)
}

/// terraform with the vaultpki provider, pointed at the shared single node with its root token.
pub fn provider_terraform() -> Terraform {
    provider_terraform_at(&env().addr, &env().token)
}

/// A configuration requiring the vaultpki provider (configured from the environment) around
/// `body`.
pub fn provider_config(body: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    vaultpki = {{ source = \"{PROVIDER_SOURCE}\" }}\n  }}\n}}\n\nprovider \"vaultpki\" {{}}\n\n{body}"
    )
}

/// Runs the `openssl` CLI in `dir` and returns its stdout (fails the test when it fails).
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI runs (install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes a self-signed offline root CA (EC P-256, 60 days) with the openssl CLI in `dir` —
/// `offline.pem` and `offline.key` — and returns the certificate (PEM).
pub fn openssl_offline_root(dir: &Path, subject: &str) -> String {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "offline.key",
            "-out",
            "offline.pem",
            "-subj",
            subject,
            "-days",
            "60",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    std::fs::read_to_string(dir.join("offline.pem")).expect("read offline.pem")
}

/// Runs `curl` and returns its stdout (fails the test when curl fails).
pub fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(args)
        .output()
        .expect("run curl (install curl)");
    assert!(
        out.status.success(),
        "curl {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
