//! The provider's connection and login, seen from the server: the tokens it obtains by logging
//! in are revoked when each terraform command ends, and a token it was given is never revoked.
//! Token counting runs on a server of its own, so that it counts only the provider's tokens.
//! A correctly scoped token without the `default` policy (which grants `lookup-self`) is
//! accepted.

use vaultpki_tests::{
    ExtraServer, ExtraServerOptions, TestEnv, env, provider_config, provider_terraform_at,
    unique_name,
};

/// Accessors of the live tokens on `e` other than its root token.
fn live_tokens_besides_root(e: &TestEnv) -> usize {
    let root = e.bao_json(&["token", "lookup", "-format=json"])["data"]["accessor"]
        .as_str()
        .expect("root token accessor")
        .to_owned();
    let list = e.bao_json(&["list", "-format=json", "auth/token/accessors"]);
    list.as_array()
        .expect("accessor list")
        .iter()
        .filter(|a| a.as_str() != Some(root.as_str()))
        .count()
}

fn write_policy(e: &TestEnv, name: &str, body: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("policy.hcl");
    std::fs::write(&file, body).expect("policy file");
    e.bao_ok(&["policy", "write", name, &file.display().to_string()]);
}

#[test]
fn approle_login_tokens_are_revoked_and_given_tokens_kept() {
    let server = ExtraServer::start(ExtraServerOptions::default());
    let e = server.env();
    let name = unique_name("revoked-login");
    e.bao_ok(&["auth", "enable", "approle"]);
    write_policy(
        e,
        "tf",
        &format!(
            "path \"sys/policies/acl/{name}\" {{\n  capabilities = [\"create\", \"read\", \"update\", \"delete\"]\n}}\n"
        ),
    );
    e.bao_ok(&["write", "auth/approle/role/tf", "token_policies=tf"]);
    let role_id =
        e.bao_json(&["read", "-format=json", "auth/approle/role/tf/role-id"])["data"]["role_id"]
            .as_str()
            .expect("role id")
            .to_owned();
    let secret_id = e.bao_json(&[
        "write",
        "-format=json",
        "-f",
        "auth/approle/role/tf/secret-id",
    ])["data"]["secret_id"]
        .as_str()
        .expect("secret id")
        .to_owned();
    let resource = format!(
        "resource \"vaultpki_policy\" \"p\" {{\n  name   = \"{name}\"\n  policy = \"path \\\"x\\\" {{ capabilities = [\\\"read\\\"] }}\"\n}}\n"
    );
    let tf = provider_terraform_at(&e.addr, "s.ignored-because-approle-is-configured");
    tf.write_config(&provider_config(&resource).replace(
        "provider \"vaultpki\" {}",
        &format!(
            "provider \"vaultpki\" {{\n  auth_login_approle {{\n    role_id   = \"{role_id}\"\n    secret_id = \"{secret_id}\"\n  }}\n}}"
        ),
    ));
    assert_eq!(live_tokens_besides_root(e), 0);
    tf.apply();
    assert_eq!(live_tokens_besides_root(e), 0, "after apply");
    tf.assert_plan_empty();
    assert_eq!(live_tokens_besides_root(e), 0, "after plan");
    tf.destroy();
    assert_eq!(live_tokens_besides_root(e), 0, "after destroy");

    // A token handed to the provider belongs to its owner: still valid after a full run.
    let given =
        e.bao_json(&["token", "create", "-format=json", "-policy=root"])["auth"]["client_token"]
            .as_str()
            .expect("child token")
            .to_owned();
    let tf = provider_terraform_at(&e.addr, &given);
    tf.write_config(&provider_config(&resource));
    tf.apply();
    tf.destroy();
    e.bao_ok(&["token", "lookup", &given]);
}

#[test]
fn a_token_without_the_default_policy_is_accepted() {
    let e = env();
    let name = unique_name("no-default");
    let policy = unique_name("narrow");
    write_policy(
        e,
        &policy,
        &format!(
            "path \"sys/policies/acl/{name}\" {{\n  capabilities = [\"create\", \"read\", \"update\", \"delete\"]\n}}\n"
        ),
    );
    let token = e.bao_json(&[
        "token",
        "create",
        "-format=json",
        "-no-default-policy",
        &format!("-policy={policy}"),
    ])["auth"]["client_token"]
        .as_str()
        .expect("narrow token")
        .to_owned();
    let tf = provider_terraform_at(&e.addr, &token);
    tf.write_config(&provider_config(&format!(
        "resource \"vaultpki_policy\" \"p\" {{\n  name   = \"{name}\"\n  policy = \"path \\\"x\\\" {{ capabilities = [\\\"read\\\"] }}\"\n}}\n"
    )));
    tf.apply();
    e.bao_ok(&["policy", "read", &name]);
    tf.assert_plan_empty();
    tf.destroy();
    e.bao_ok(&["policy", "delete", &policy]);
}

#[test]
fn a_ttl_capped_by_the_role_is_a_warning() {
    let e = env();
    let mount = unique_name("pki-warn");
    e.bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    e.bao_ok(&["secrets", "tune", "-max-lease-ttl=87600h", &mount]);
    e.bao_ok(&[
        "write",
        &format!("{mount}/root/generate/internal"),
        "common_name=warn-root.test",
        "ttl=87600h",
    ]);
    e.bao_ok(&[
        "write",
        &format!("{mount}/roles/capped"),
        "allow_any_name=true",
        "max_ttl=72h",
    ]);
    let tf = provider_terraform_at(&e.addr, &e.token);
    tf.write_config(&provider_config(&format!(
        "resource \"vaultpki_pki_cert\" \"c\" {{\n  mount       = \"{mount}\"\n  role        = \"capped\"\n  common_name = \"svc.warn.test\"\n  ttl         = \"8760h\"\n}}\n"
    )));
    let out = tf.apply();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("The server warned"), "{text}");
    assert!(text.to_lowercase().contains("ttl"), "{text}");
    tf.destroy();
    e.bao_ok(&["secrets", "disable", &mount]);
}

#[test]
fn a_failed_login_is_one_diagnostic_for_twenty_resources() {
    let e = env();
    let mount = unique_name("approle-once");
    e.bao_ok(&["auth", "enable", &format!("-path={mount}"), "approle"]);
    e.bao_ok(&[
        "write",
        &format!("auth/{mount}/role/tf"),
        "token_policies=default",
    ]);
    let role_id = e.bao_json(&[
        "read",
        "-format=json",
        &format!("auth/{mount}/role/tf/role-id"),
    ])["data"]["role_id"]
        .as_str()
        .expect("role id")
        .to_owned();
    let name = unique_name("once");
    let resources = format!(
        "resource \"vaultpki_policy\" \"p\" {{\n  count  = 20\n  name   = \"{name}-${{count.index}}\"\n  policy = \"path \\\"x\\\" {{ capabilities = [\\\"read\\\"] }}\"\n}}\n"
    );
    let tf = provider_terraform_at(&e.addr, &e.token);
    tf.write_config(&provider_config(&resources).replace(
        "provider \"vaultpki\" {}",
        &format!(
            "provider \"vaultpki\" {{\n  auth_login_approle {{\n    mount     = \"{mount}\"\n    role_id   = \"{role_id}\"\n    secret_id = \"00000000-0000-0000-0000-000000000000\"\n  }}\n}}"
        ),
    ));
    let out = tf.apply_err();
    assert_eq!(
        out.matches("Cannot use the OpenBao/Vault server at")
            .count(),
        1,
        "{out}"
    );
    assert!(out.contains("Logging in with AppRole"), "{out}");
    e.bao_ok(&["auth", "disable", &mount]);
}
