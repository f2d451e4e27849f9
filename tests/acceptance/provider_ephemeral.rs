//! Acceptance tests for the ephemeral side of `terraform-provider-vaultpki` (issue 6), through
//! the real `terraform` against the shared OpenBao node: an ephemeral certificate's private key
//! reaching a write-only attribute (and being revoked at Close), an ephemeral secret ID feeding
//! `secret_id_wo` and destroyed at Close, and the import of an issued certificate's public
//! material. Ephemeral values are captured for the assertions by a `local-exec` provisioner
//! (provisioners may read ephemeral values), so every "never in the state" check compares the
//! state (and the `TF_LOG=trace` log) against the real secret, by value.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use vaultpki_tests::bao::{bao_read, pki_with_root};
use vaultpki_tests::{
    Terraform, env, planned_changes, provider_config, provider_terraform, unique_name,
};

/// The keys `bao list` shows under `path` (empty when there are none).
fn bao_list(path: &str) -> Vec<String> {
    let out = env()
        .bao(&["list", "-format=json", path])
        .output()
        .expect("bao runs");
    if !out.status.success() {
        return Vec::new();
    }
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

/// An AppRole auth method with the given roles, made through the API.
fn approle_with_roles(mount: &str, roles: &[&str]) {
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
fn login(mount: &str, role: &str, secret_id: &str) -> bool {
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

/// A file the `local-exec` capture wrote into the working directory.
fn captured(tf: &Terraform, name: &str) -> String {
    let path: PathBuf = tf.dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Requires that neither `terraform show -json` nor the raw state file holds any of `secrets`.
fn assert_state_free_of(tf: &Terraform, secrets: &[(&str, &str)]) {
    let shown = tf.state().to_string();
    let raw = std::fs::read_to_string(tf.dir().join("terraform.tfstate")).unwrap_or_default();
    for (what, secret) in secrets {
        assert!(secret.len() >= 16, "{what} was not captured");
        for line in secret.lines().filter(|l| l.len() >= 16) {
            assert!(
                !shown.contains(line),
                "terraform show -json holds the {what}"
            );
            assert!(!raw.contains(line), "the state file holds the {what}");
        }
        assert!(
            !shown.contains(secret),
            "terraform show -json holds the {what}"
        );
        assert!(!raw.contains(secret), "the state file holds the {what}");
    }
}

/// The lowercase hex SHA-256 of a file in the working directory, by the `sha256sum` CLI (a
/// second implementation of what Terraform's `sha256()` computed).
fn sha256_file(tf: &Terraform, name: &str) -> String {
    let out = Command::new("sha256sum")
        .arg(name)
        .current_dir(tf.dir())
        .output()
        .expect("sha256sum runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a digest")
        .to_owned()
}

fn cert_to_write_only_config(pki: &str, approle: &str) -> String {
    provider_config(&format!(
        r#"ephemeral "vaultpki_pki_cert" "c" {{
  mount           = "{pki}"
  role            = "web"
  common_name     = "eph.svc.example.test"
  ttl             = "10m"
  revoke_on_close = true
}}

resource "vaultpki_approle_secret_id" "s" {{
  mount                = "{approle}"
  role_name            = "r"
  secret_id_wo         = sha256(ephemeral.vaultpki_pki_cert.c.private_key)
  secret_id_wo_version = 1
}}

resource "terraform_data" "capture" {{
  provisioner "local-exec" {{
    command = "printf '%s' \"$KEY\" > key.pem && printf '%s' \"$CERT\" > cert.pem"
    environment = {{
      KEY  = ephemeral.vaultpki_pki_cert.c.private_key
      CERT = ephemeral.vaultpki_pki_cert.c.certificate
    }}
  }}
}}
"#
    ))
}

#[test]
fn ephemeral_cert_key_reaches_a_write_only_attribute_and_is_revoked_on_close() {
    let pki = unique_name("eph-pki");
    let approle = unique_name("eph-ar");
    pki_with_root(&pki);
    approle_with_roles(&approle, &["r"]);
    let tf = provider_terraform().with_trace_log();
    tf.write_config(&cert_to_write_only_config(&pki, &approle));
    tf.init();
    tf.apply();

    let key = captured(&tf, "key.pem");
    let cert = captured(&tf, "cert.pem");
    assert!(
        key.contains("PRIVATE KEY"),
        "the ephemeral private key is a PEM key"
    );
    assert!(cert.contains("BEGIN CERTIFICATE"));

    // The certificate this apply used is on the server and revoked (Close ran), and so is every
    // certificate the plan phase opened.
    let serials = bao_list(&format!("{pki}/certs"));
    assert!(!serials.is_empty(), "no certificate was issued");
    let ca = bao_read(&format!("{pki}/cert/ca")).expect("the root")["certificate"]
        .as_str()
        .expect("the root's PEM")
        .to_owned();
    let mut found = false;
    for serial in &serials {
        let on_server = bao_read(&format!("{pki}/cert/{serial}")).expect("certificate record");
        let pem = on_server["certificate"].as_str().unwrap_or_default();
        if pem.trim() == ca.trim() {
            continue;
        }
        assert!(
            on_server["revocation_time"].as_i64().unwrap_or(0) > 0,
            "certificate {serial} was not revoked at Close"
        );
        found |= pem.trim() == cert.trim();
    }
    assert!(found, "the captured certificate is not on the server");

    // The key reached the write-only attribute: its SHA-256 is the custom secret ID.
    let secret = sha256_file(&tf, "key.pem");
    assert!(
        login(&approle, "r", &secret),
        "login with the custom secret ID failed"
    );
    let s = tf.resource("vaultpki_approle_secret_id.s");
    assert!(
        s["secret_id"].is_null(),
        "a chosen secret ID must not be stored"
    );
    assert!(s["secret_id_wo"].is_null());
    assert_eq!(s["secret_id_wo_version"], Value::from(1));
    assert_state_free_of(&tf, &[("private key", &key), ("custom secret ID", &secret)]);
    let log = tf.trace_log();
    assert!(!log.is_empty(), "TF_LOG=trace wrote nothing");
    for line in key.lines().filter(|l| l.len() >= 16) {
        assert!(!log.contains(line), "the trace log holds the private key");
    }

    // A new plan opens (and revokes) another certificate but changes nothing.
    tf.assert_plan_empty();
    tf.destroy();
    assert!(
        !login(&approle, "r", &secret),
        "destroy left the custom secret ID"
    );
}

fn secret_id_config(approle: &str, version: u32) -> String {
    provider_config(&format!(
        r#"ephemeral "vaultpki_approle_secret_id" "e" {{
  mount     = "{approle}"
  role_name = "source"
  ttl       = 600
}}

resource "vaultpki_approle_secret_id" "s" {{
  mount                = "{approle}"
  role_name            = "target"
  secret_id_wo         = ephemeral.vaultpki_approle_secret_id.e.secret_id
  secret_id_wo_version = {version}
}}

resource "terraform_data" "capture" {{
  triggers_replace = {version}
  provisioner "local-exec" {{
    command = "printf '%s' \"$SECRET\" > secret.txt && printf '%s' \"$ACCESSOR\" > accessor.txt"
    environment = {{
      SECRET   = ephemeral.vaultpki_approle_secret_id.e.secret_id
      ACCESSOR = ephemeral.vaultpki_approle_secret_id.e.accessor
    }}
  }}
}}
"#
    ))
}

#[test]
fn ephemeral_secret_id_is_destroyed_on_close_and_feeds_secret_id_wo() {
    let approle = unique_name("eph-sid");
    approle_with_roles(&approle, &["source", "target"]);
    let tf = provider_terraform();
    tf.write_config(&secret_id_config(&approle, 1));
    tf.init();
    tf.apply();

    let secret = captured(&tf, "secret.txt");
    let accessor = captured(&tf, "accessor.txt");
    assert!(!accessor.is_empty());
    // Gone after the run: the lookup by accessor finds nothing, no secret ID is left on the
    // source role (the plan phase's one was destroyed as well), and it no longer logs in.
    let lookup = env()
        .bao(&[
            "write",
            "-format=json",
            &format!("auth/{approle}/role/source/secret-id-accessor/lookup"),
            &format!("secret_id_accessor={accessor}"),
        ])
        .output()
        .expect("bao runs");
    let body = String::from_utf8_lossy(&lookup.stdout);
    assert!(
        !lookup.status.success() || !body.contains(&accessor),
        "the ephemeral secret ID still exists after the run: {body}"
    );
    assert_eq!(
        bao_list(&format!("auth/{approle}/role/source/secret-id")),
        Vec::<String>::new()
    );
    assert!(!login(&approle, "source", &secret));
    // The same value, written through secret_id_wo, logs in to the target role.
    assert!(
        login(&approle, "target", &secret),
        "secret_id_wo did not log in"
    );
    let s = tf.resource("vaultpki_approle_secret_id.s");
    assert!(s["secret_id"].is_null());
    let first_accessor = s["accessor"].as_str().expect("accessor").to_owned();
    assert_state_free_of(&tf, &[("secret ID", &secret)]);
    tf.assert_plan_empty();

    // Bumping the version replaces the secret ID with the current value.
    tf.write_config(&secret_id_config(&approle, 2));
    let changes = planned_changes(&tf.plan());
    assert!(
        changes.contains(&(
            "vaultpki_approle_secret_id.s".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )),
        "{changes:?}"
    );
    tf.apply();
    let second = captured(&tf, "secret.txt");
    assert_ne!(second, secret);
    assert!(login(&approle, "target", &second));
    assert!(
        !login(&approle, "target", &secret),
        "the replaced secret ID still logs in"
    );
    let s = tf.resource("vaultpki_approle_secret_id.s");
    assert_ne!(s["accessor"].as_str(), Some(first_accessor.as_str()));
    assert_state_free_of(&tf, &[("secret ID", &second)]);
    tf.destroy();
    assert!(!login(&approle, "target", &second));
}

#[test]
fn pki_cert_import_brings_public_material_only() {
    let pki = unique_name("eph-imp");
    pki_with_root(&pki);
    let tf = provider_terraform();
    let cfg = provider_config(&format!(
        r#"resource "vaultpki_pki_cert" "c" {{
  mount       = "{pki}"
  role        = "web"
  common_name = "imp.svc.example.test"
  alt_names   = ["alt.svc.example.test"]
  ttl         = "1h"
}}
"#
    ));
    tf.write_config(&cfg);
    tf.init();
    tf.apply();
    let applied = tf.resource("vaultpki_pki_cert.c");
    let serial = applied["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    let id = format!("{pki}/cert/{serial}");
    assert_eq!(applied["id"], Value::from(id.clone()));

    // Everything the server keeps comes back; the private key and request inputs do not.
    let imported = tf.import_and_compare(
        "vaultpki_pki_cert.c",
        &id,
        &[
            "private_key",
            "private_key_type",
            "role",
            "alt_names",
            "ttl",
        ],
    );
    let state = imported.resource("vaultpki_pki_cert.c");
    assert!(state["private_key"].is_null());
    assert_eq!(state["role"], Value::from(""));
    // The next apply adopts the configuration without re-issuing.
    assert_eq!(
        planned_changes(&imported.plan()),
        vec![("vaultpki_pki_cert.c".to_owned(), vec!["update".to_owned()])]
    );
    imported.apply();
    let state = imported.resource("vaultpki_pki_cert.c");
    assert_eq!(state["serial_number"], Value::from(serial.clone()));
    assert_eq!(state["role"], Value::from("web"));
    assert_eq!(state["certificate"], applied["certificate"]);
    assert!(state["private_key"].is_null());
    imported.assert_plan_empty();

    // A serial that does not exist is refused with the path.
    let fresh = provider_terraform();
    fresh.write_config(&cfg);
    let out = fresh.run(&[
        "import",
        "-input=false",
        "-no-color",
        "vaultpki_pki_cert.c",
        &format!("{pki}/cert/00:11:22"),
    ]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("Certificate not found"), "{text}");
    assert!(text.contains(&format!("{pki}/cert/00:11:22")), "{text}");

    imported.run_ok(&["state", "rm", "vaultpki_pki_cert.c"]);
    tf.destroy();
}

#[test]
fn ephemeral_secret_id_logs_in_a_provider_and_close_tolerates_it_used_up() {
    let approle = unique_name("eph-login");
    let policy = unique_name("eph-login-pol");
    let managed = unique_name("eph-login-made");
    // The role's tokens may manage exactly one policy.
    let mut write = env().bao(&["policy", "write", &policy, "-"]);
    let rules = format!(
        "path \"sys/policies/acl/{managed}\" {{ capabilities = [\"create\", \"read\", \"update\", \"delete\"] }}\n"
    );
    write_stdin(&mut write, &rules);
    approle_with_roles(&approle, &[]);
    env().bao_ok(&[
        "write",
        &format!("auth/{approle}/role/app"),
        &format!("token_policies={policy}"),
        "token_ttl=5m",
    ]);
    let tf = provider_terraform();
    tf.write_config(&provider_config(&format!(
        r#"data "vaultpki_approle_role_id" "app" {{
  mount     = "{approle}"
  role_name = "app"
}}

ephemeral "vaultpki_approle_secret_id" "login" {{
  mount     = "{approle}"
  role_name = "app"
  num_uses  = 1
  ttl       = 600
}}

provider "vaultpki" {{
  alias = "app"
  auth_login_approle {{
    mount     = "{approle}"
    role_id   = data.vaultpki_approle_role_id.app.role_id
    secret_id = ephemeral.vaultpki_approle_secret_id.login.secret_id
  }}
}}

resource "vaultpki_policy" "made" {{
  provider = vaultpki.app
  name     = "{managed}"
  policy   = "path \"secret/*\" {{ capabilities = [\"read\"] }}"
}}
"#
    )));
    tf.init();
    // The single-use secret ID is consumed by the provider's login; Close finds it gone and
    // does not fail the run.
    tf.apply();
    assert!(
        bao_read(&format!("sys/policies/acl/{managed}")).is_some(),
        "the policy made through the AppRole login is missing"
    );
    assert_eq!(
        bao_list(&format!("auth/{approle}/role/app/secret-id")),
        Vec::<String>::new()
    );
    tf.assert_plan_empty();
    tf.destroy();
    assert!(bao_read(&format!("sys/policies/acl/{managed}")).is_none());
    assert_eq!(
        bao_list(&format!("auth/{approle}/role/app/secret-id")),
        Vec::<String>::new()
    );
}

/// Feeds `input` to a command's stdin and requires success.
fn write_stdin(cmd: &mut Command, input: &str) {
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
