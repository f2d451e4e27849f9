//! Acceptance tests for the `sys/` types of `terraform-provider-vaultpki` (`resources/mount.rs`,
//! `resources/policy.rs`): secrets mounts, auth backends and policies, each in
//! terraform-plugin-testing's sequence through the real `terraform` against the shared OpenBao
//! node: apply and check the object through the server's own API (the `bao` CLI), plan again with
//! and without refresh and require no changes, import into a fresh directory and compare, change
//! an attribute and check the server, change and delete the object out of band and see the plan
//! react, destroy and confirm it is gone.

use serde_json::Value;
use vaultpki_tests::bao::{bao_read, policy_text, str_list, write_stdin};
use vaultpki_tests::{env, planned_changes, provider_config, provider_terraform, unique_name};

// ---- vaultpki_mount

fn mount_config(path: &str, description: &str) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_mount" "m" {{
  path                  = "{path}"
  description           = "{description}"
  max_lease_ttl_seconds = 86400
  allowed_response_headers    = ["Last-Modified", "Location"]
  passthrough_request_headers = ["If-Modified-Since"]
}}
"#
    ))
}

fn mounts() -> Value {
    env().bao_json(&["secrets", "list", "-format=json"])
}

#[test]
fn mount_lifecycle() {
    let path = unique_name("pki");
    let tf = provider_terraform();
    tf.write_config(&mount_config(&path, "first"));
    tf.apply();

    let m = &mounts()[format!("{path}/")];
    assert_eq!(m["type"], "pki", "{m:#}");
    assert_eq!(m["description"], "first");
    assert_eq!(m["config"]["max_lease_ttl"], 86400);
    let tune = bao_read(&format!("sys/mounts/{path}/tune")).expect("tune settings");
    assert_eq!(
        str_list(&tune["allowed_response_headers"]),
        ["Last-Modified", "Location"]
    );
    assert_eq!(
        str_list(&tune["passthrough_request_headers"]),
        ["If-Modified-Since"]
    );
    let state = tf.resource("vaultpki_mount.m");
    assert_eq!(state["id"], format!("sys/mounts/{path}"));
    assert_eq!(state["type"], "pki");
    assert_eq!(state["accessor"], m["accessor"]);
    tf.assert_plan_empty();

    tf.import_and_compare("vaultpki_mount.m", &format!("sys/mounts/{path}"), &[]);

    // Update in place: tune the description.
    tf.write_config(&mount_config(&path, "second"));
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_mount.m".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    assert_eq!(mounts()[format!("{path}/")]["description"], "second");
    tf.assert_plan_empty();

    // Out-of-band change shows as an update.
    env().bao_ok(&["secrets", "tune", "-description=changed", &path]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_mount.m".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    assert_eq!(mounts()[format!("{path}/")]["description"], "second");

    // Changing the path moves the mount (its data stays) instead of replacing it.
    env().bao_ok(&[
        "write",
        &format!("{path}/roles/keep"),
        "allow_any_name=true",
    ]);
    let moved = unique_name("pki-moved");
    tf.write_config(&mount_config(&moved, "second"));
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_mount.m".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    let all = mounts();
    assert!(
        all.get(format!("{path}/")).is_none(),
        "old path still mounted"
    );
    assert_eq!(all[format!("{moved}/")]["type"], "pki");
    assert!(
        bao_read(&format!("{moved}/roles/keep")).is_some(),
        "data lost in the move"
    );
    tf.assert_plan_empty();

    // Deleted out of band: re-created by the next apply.
    env().bao_ok(&["secrets", "disable", &moved]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_mount.m".to_owned(), vec!["create".to_owned()])]
    );
    tf.apply();
    assert!(mounts().get(format!("{moved}/")).is_some());

    tf.destroy();
    assert!(
        mounts().get(format!("{moved}/")).is_none(),
        "mount left after destroy"
    );
}

// ---- vaultpki_auth_backend

#[test]
fn auth_backend_lifecycle() {
    let first = unique_name("approle");
    let cfg = |path: &str, d: &str| {
        provider_config(&format!(
            "resource \"vaultpki_auth_backend\" \"a\" {{\n  path = \"{path}\"\n  type = \"approle\"\n  description = \"{d}\"\n}}\n"
        ))
    };
    let path = first.as_str();
    let auths = || env().bao_json(&["auth", "list", "-format=json"]);
    let tf = provider_terraform();
    tf.write_config(&cfg(path, "one"));
    tf.apply();
    assert_eq!(auths()[format!("{path}/")]["type"], "approle");
    assert_eq!(auths()[format!("{path}/")]["description"], "one");
    tf.assert_plan_empty();
    tf.import_and_compare("vaultpki_auth_backend.a", &format!("sys/auth/{path}"), &[]);

    tf.write_config(&cfg(path, "two"));
    tf.apply();
    assert_eq!(auths()[format!("{path}/")]["description"], "two");
    tf.assert_plan_empty();

    // Changing the path moves the auth method with its roles.
    env().bao_ok(&["write", &format!("auth/{path}/role/keep"), "token_ttl=60"]);
    let moved = unique_name("approle-moved");
    let path = moved.as_str();
    tf.write_config(&cfg(path, "two"));
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_auth_backend.a".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.apply();
    assert!(
        auths().get(format!("{first}/")).is_none(),
        "old path still enabled"
    );
    assert!(
        bao_read(&format!("auth/{path}/role/keep")).is_some(),
        "roles lost in the move"
    );
    tf.assert_plan_empty();

    env().bao_ok(&["auth", "tune", "-description=changed", &format!("{path}/")]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_auth_backend.a".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    env().bao_ok(&["auth", "disable", path]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_auth_backend.a".to_owned(),
            vec!["create".to_owned()]
        )]
    );
    tf.apply();
    assert_eq!(auths()[format!("{path}/")]["type"], "approle");
    tf.destroy();
    assert!(auths().get(format!("{path}/")).is_none());
}

// ---- vaultpki_policy and data vaultpki_policy_document

fn policy_config(name: &str, caps: &str) -> String {
    provider_config(&format!(
        r#"data "vaultpki_policy_document" "d" {{
  rule {{
    path         = "pki/issue/{name}"
    capabilities = [{caps}]
    description  = "issue"
  }}
  rule {{
    path         = "pki/cert/*"
    capabilities = ["read"]
  }}
}}

resource "vaultpki_policy" "p" {{
  name   = "{name}"
  policy = data.vaultpki_policy_document.d.hcl
}}
"#
    ))
}

#[test]
fn policy_lifecycle() {
    let name = unique_name("policy");
    let tf = provider_terraform();
    tf.write_config(&policy_config(&name, r#""create", "update""#));
    tf.apply();
    let text = policy_text(&name).expect("policy exists");
    assert!(
        text.contains(&format!(
            "path \"pki/issue/{name}\" {{\n  capabilities = [\"create\", \"update\"]\n}}"
        )),
        "{text}"
    );
    assert!(text.starts_with("# issue\n"), "{text}");
    assert_eq!(
        tf.resource("vaultpki_policy.p")["id"],
        format!("sys/policies/acl/{name}")
    );
    tf.assert_plan_empty();
    tf.import_and_compare(
        "vaultpki_policy.p",
        &format!("sys/policies/acl/{name}"),
        &[],
    );

    // The server handing the text back with other whitespace is not a change.
    let reformatted = text.replace("\n  ", "\n\t\t").replace('\n', "\n\n") + "\n\n";
    let mut cmd = env().bao(&["policy", "write", &name, "-"]);
    write_stdin(&mut cmd, &reformatted);
    assert_ne!(policy_text(&name).as_deref(), Some(text.as_str()));
    tf.assert_plan_empty();

    // A real change out of band shows as an update.
    let mut cmd = env().bao(&["policy", "write", &name, "-"]);
    write_stdin(
        &mut cmd,
        "path \"sys/*\" {\n  capabilities = [\"sudo\"]\n}\n",
    );
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_policy.p".to_owned(), vec!["update".to_owned()])]
    );

    // Update from the configuration.
    tf.write_config(&policy_config(&name, r#""read""#));
    tf.apply();
    let text = policy_text(&name).expect("policy exists");
    assert!(
        text.contains("capabilities = [\"read\"]\n}\n\npath \"pki/cert/*\""),
        "{text}"
    );
    tf.assert_plan_empty();

    // Deleted out of band: re-created.
    env().bao_ok(&["policy", "delete", &name]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_policy.p".to_owned(), vec!["create".to_owned()])]
    );
    tf.apply();
    assert!(policy_text(&name).is_some());

    tf.destroy();
    assert!(policy_text(&name).is_none(), "policy left after destroy");
}
