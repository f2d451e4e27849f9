//! Reading the shared OpenBao node through the real `bao` CLI, as the acceptance areas check what
//! the provider and the tools wrote: one definition of each small helper instead of a copy per
//! area.

use std::process::Output;

use serde_json::Value;

use crate::env;

/// `bao read <path>`'s `data`, or `None` when the object is gone (or has no data).
pub fn bao_read(path: &str) -> Option<Value> {
    let out: Output = env().bao(&["read", "-format=json", path]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v.get("data").cloned().filter(|d| !d.is_null())
}

/// `bao read <path>`'s `data`; panics (with the CLI's output) when the read fails.
pub fn bao_data(path: &str) -> Value {
    env().bao_json(&["read", "-format=json", path])["data"].clone()
}

/// The EAB key IDs `LIST <mount>/eab` shows (none when the list is empty, a 404).
pub fn eab_ids(mount: &str) -> Vec<String> {
    let out = env()
        .bao(&["list", "-format=json", &format!("{mount}/eab")])
        .output()
        .expect("run bao list");
    if !out.status.success() {
        return Vec::new();
    }
    serde_json::from_slice(&out.stdout).expect("bao list answers a JSON list")
}

/// A PKI mount with an EC root CA and a role `web` (subdomains of `svc.example.test`, 24 h at
/// most), made through the API: the fixture for tests of what issues from a role.
pub fn pki_with_root(mount: &str) {
    env().bao_ok(&[
        "secrets",
        "enable",
        &format!("-path={mount}"),
        "-max-lease-ttl=87600h",
        "pki",
    ]);
    env().bao_ok(&[
        "write",
        &format!("{mount}/root/generate/internal"),
        "common_name=vaultpki test root",
        "ttl=87600h",
        "key_type=ec",
    ]);
    env().bao_ok(&[
        "write",
        &format!("{mount}/roles/web"),
        "allowed_domains=svc.example.test",
        "allow_subdomains=true",
        "max_ttl=24h",
        "key_type=ec",
    ]);
}
