//! Reading the shared OpenBao node through the real `bao` CLI, as the acceptance areas check what
//! the provider and the tools wrote: one definition of each small helper instead of a copy per
//! area.

use std::process::Output;

use serde_json::Value;

use crate::{env, unique_name};

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

/// A PKI mount made out of band (maximum lease TTL ten years), so that a test can check what
/// destroying a resource leaves in it; returns its path.
pub fn pki_mount(prefix: &str) -> String {
    let mount = unique_name(prefix);
    env().bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    env().bao_ok(&["secrets", "tune", "-max-lease-ttl=87600h", &mount]);
    mount
}

/// Generates a root issuer named `name` in `mount` outside Terraform; returns its issuer ID.
pub fn bao_root(mount: &str, name: &str) -> String {
    let out = env().bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/root/generate/internal"),
        &format!("common_name=Out Of Band {name}"),
        &format!("issuer_name={name}"),
        "key_type=ec",
        "ttl=720h",
    ]);
    out.pointer("/data/issuer_id")
        .and_then(Value::as_str)
        .expect("issuer_id")
        .to_owned()
}

/// The keys `bao list` shows under `path` (empty when there are none).
pub fn bao_list(path: &str) -> Vec<String> {
    let out = env()
        .bao(&["list", "-format=json", path])
        .output()
        .expect("bao runs");
    if !out.status.success() {
        return Vec::new();
    }
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

/// Feeds `input` to a command's stdin (e.g. `bao write … -` with a JSON body) and requires
/// success.
pub fn write_stdin(cmd: &mut std::process::Command, input: &str) {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the command starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("the command finishes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The strings of a JSON array (empty for anything else), e.g. a list field `bao_read` returned.
pub fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

/// The text of the ACL policy `name`, `None` when there is none.
pub fn policy_text(name: &str) -> Option<String> {
    bao_read(&format!("sys/policies/acl/{name}"))
        .and_then(|d| d["policy"].as_str().map(str::to_owned))
}

/// The `secret-id-accessor/lookup` answer of the AppRole role `app` in `mount` for `accessor`,
/// `None` when the server does not know it.
pub fn accessor_lookup(mount: &str, accessor: &str) -> Option<Value> {
    let out = env()
        .bao(&[
            "write",
            "-format=json",
            &format!("auth/{mount}/role/app/secret-id-accessor/lookup"),
            &format!("secret_id_accessor={accessor}"),
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice::<Value>(&out.stdout)
        .ok()?
        .get("data")
        .cloned()
}

/// An AppRole auth method with the given roles, made through the API.
pub fn approle_with_roles(mount: &str, roles: &[&str]) {
    env().bao_ok(&["auth", "enable", &format!("-path={mount}"), "approle"]);
    for role in roles {
        env().bao_ok(&[
            "write",
            &format!("auth/{mount}/role/{role}"),
            "token_policies=default",
            "token_ttl=5m",
        ]);
    }
}

/// Logs in to `auth/<mount>/login` for `role` with `secret_id`; whether the server accepted it.
pub fn approle_login(mount: &str, role: &str, secret_id: &str) -> bool {
    let role_id = bao_read(&format!("auth/{mount}/role/{role}/role-id"))
        .and_then(|d| d["role_id"].as_str().map(str::to_owned))
        .expect("the role has a role ID");
    env()
        .bao(&[
            "write",
            "-format=json",
            &format!("auth/{mount}/login"),
            &format!("role_id={role_id}"),
            &format!("secret_id={secret_id}"),
        ])
        .output()
        .expect("bao runs")
        .status
        .success()
}

/// An AppRole login as a tool's job has it: the AppRole auth method enabled at `mount`, the
/// policy `role` holding `policy_hcl`, the AppRole `role` whose tokens carry it (10 minutes), and
/// one secret ID written to `<dir>/secret-id` (a trailing newline, as `bao … -field` writes it).
/// Returns the role ID and the secret ID file.
pub fn approle_with_secret_id(
    mount: &str,
    role: &str,
    policy_hcl: &str,
    dir: &std::path::Path,
) -> (String, std::path::PathBuf) {
    let env = env();
    let policy = dir.join(format!("{role}.policy.hcl"));
    std::fs::write(&policy, policy_hcl).expect("write the policy file");
    env.bao_ok(&["auth", "enable", "-path", mount, "approle"]);
    env.bao_ok(&["policy", "write", role, &policy.to_string_lossy()]);
    env.bao_ok(&[
        "write",
        &format!("auth/{mount}/role/{role}"),
        &format!("token_policies={role}"),
        "token_ttl=10m",
    ]);
    let role_id = env.bao_json(&[
        "read",
        "-format=json",
        &format!("auth/{mount}/role/{role}/role-id"),
    ])["data"]["role_id"]
        .as_str()
        .expect("role_id")
        .to_owned();
    let secret_id = env.bao_json(&[
        "write",
        "-format=json",
        "-f",
        &format!("auth/{mount}/role/{role}/secret-id"),
    ])["data"]["secret_id"]
        .as_str()
        .expect("secret_id")
        .to_owned();
    let secret_file = dir.join("secret-id");
    std::fs::write(&secret_file, format!("{secret_id}\n")).expect("write the secret ID file");
    (role_id, secret_file)
}
