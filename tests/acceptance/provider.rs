//! Acceptance tests for `terraform-provider-vaultpki`, driven by the real `terraform` against the
//! shared OpenBao node, each in terraform-plugin-testing's sequence: apply and check the object
//! through the server's own API (the `bao` CLI), plan again with and without refresh and require
//! no changes, import into a fresh directory and compare, change an attribute and check the
//! server, change and delete the object out of band and see the plan react, destroy and confirm
//! it is gone. Plus certificate renewal and revocation, the provider's one clear diagnostic for a
//! wrong token, a sealed server and an unreachable address, and a `TF_LOG=trace` run that must
//! not contain any secret it created.

use serde_json::Value;
use vaultpki_tests::bao::{bao_read, pki_with_root};
use vaultpki_tests::{
    ExtraServer, ExtraServerOptions, Terraform, env, openssl, planned_changes, provider_config,
    provider_terraform, provider_terraform_at, unique_name,
};

fn changes(tf: &Terraform) -> Vec<(String, Vec<String>)> {
    planned_changes(&tf.plan())
}

fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

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
        changes(&tf),
        [("vaultpki_mount.m".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    assert_eq!(mounts()[format!("{path}/")]["description"], "second");
    tf.assert_plan_empty();

    // Out-of-band change shows as an update.
    env().bao_ok(&["secrets", "tune", "-description=changed", &path]);
    assert_eq!(
        changes(&tf),
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
        changes(&tf),
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
        changes(&tf),
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
        changes(&tf),
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
        changes(&tf),
        [(
            "vaultpki_auth_backend.a".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    env().bao_ok(&["auth", "disable", path]);
    assert_eq!(
        changes(&tf),
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

fn policy_text(name: &str) -> Option<String> {
    bao_read(&format!("sys/policies/acl/{name}"))
        .and_then(|d| d["policy"].as_str().map(str::to_owned))
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
        changes(&tf),
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
        changes(&tf),
        [("vaultpki_policy.p".to_owned(), vec!["create".to_owned()])]
    );
    tf.apply();
    assert!(policy_text(&name).is_some());

    tf.destroy();
    assert!(policy_text(&name).is_none(), "policy left after destroy");
}

fn write_stdin(cmd: &mut std::process::Command, input: &str) {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bao starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("bao runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- vaultpki_pki_role

fn role_config(mount: &str, name: &str, extra: &str) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_mount" "m" {{
  path = "{mount}"
}}

resource "vaultpki_pki_role" "r" {{
  mount            = vaultpki_mount.m.path
  name             = "{name}"
  allowed_domains  = ["svc.example.test"]
  allow_subdomains = true
  max_ttl          = 7200
{extra}}}
"#
    ))
}

#[test]
fn pki_role_lifecycle() {
    let mount = unique_name("pki-role");
    let name = "web";
    let role_path = format!("{mount}/roles/{name}");
    let tf = provider_terraform();
    // key_usage and ext_key_usage left to the server's defaults: no perpetual diff.
    tf.write_config(&role_config(&mount, name, ""));
    tf.apply();
    let role = bao_read(&role_path).expect("role exists");
    assert_eq!(str_list(&role["allowed_domains"]), ["svc.example.test"]);
    assert_eq!(role["allow_subdomains"], true);
    assert_eq!(role["max_ttl"], 7200);
    let state = tf.resource("vaultpki_pki_role.r");
    assert_eq!(state["id"], role_path);
    assert_eq!(state["key_usage"], role["key_usage"]);
    tf.assert_plan_empty();
    tf.import_and_compare("vaultpki_pki_role.r", &role_path, &[]);

    // Setting the defaulted lists explicitly, in another case than the server's spelling.
    tf.write_config(&role_config(
        &mount,
        name,
        "  key_usage     = [\"digitalsignature\"]\n  ext_key_usage = [\"ServerAuth\", \"ClientAuth\"]\n  ttl           = 3600\n",
    ));
    tf.apply();
    let role = bao_read(&role_path).expect("role exists");
    assert_eq!(role["ttl"], 3600);
    assert_eq!(str_list(&role["ext_key_usage"]).len(), 2, "{role:#}");
    assert_eq!(str_list(&role["key_usage"]).len(), 1, "{role:#}");
    tf.assert_plan_empty();

    // Changed out of band: the plan shows an update and apply restores it.
    env().bao_ok(&["write", &role_path, "max_ttl=60"]);
    assert_eq!(
        changes(&tf),
        [("vaultpki_pki_role.r".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    assert_eq!(bao_read(&role_path).expect("role")["max_ttl"], 7200);

    // Deleted out of band: re-created.
    env().bao_ok(&["delete", &role_path]);
    assert_eq!(
        changes(&tf),
        [("vaultpki_pki_role.r".to_owned(), vec!["create".to_owned()])]
    );
    tf.apply();
    assert!(bao_read(&role_path).is_some());

    tf.destroy();
    assert!(bao_read(&role_path).is_none(), "role left after destroy");
}

// ---- vaultpki_pki_cert

fn cert_config(mount: &str, min_seconds_remaining: u64) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_pki_cert" "c" {{
  mount                 = "{mount}"
  role                  = "web"
  common_name           = "api.svc.example.test"
  alt_names             = ["alt.svc.example.test"]
  ttl                   = "1h"
  auto_renew            = true
  min_seconds_remaining = {min_seconds_remaining}
  revoke                = true
}}
"#
    ))
}

fn cert_on_server(mount: &str, serial: &str) -> Option<Value> {
    bao_read(&format!("{mount}/cert/{serial}"))
}

fn is_revoked(cert: &Value) -> bool {
    cert["revocation_time"].as_i64().unwrap_or(0) > 0
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .try_into()
        .expect("fits")
}

#[test]
fn pki_cert_lifecycle_renewal_and_revocation() {
    let mount = unique_name("pki-cert");
    pki_with_root(&mount);
    let tf = provider_terraform();
    tf.write_config(&cert_config(&mount, 600));
    tf.apply();

    let state = tf.resource("vaultpki_pki_cert.c");
    let serial = state["serial_number"].as_str().expect("serial").to_owned();
    assert_eq!(state["id"], format!("{mount}/cert/{serial}"));
    let on_server = cert_on_server(&mount, &serial).expect("certificate stored on the server");
    assert_eq!(
        on_server["certificate"].as_str().map(str::trim),
        state["certificate"].as_str().map(str::trim)
    );
    assert!(!is_revoked(&on_server));
    let expiration = state["expiration"].as_i64().expect("expiration");
    assert!(
        (now() + 3600 - 120..=now() + 3600 + 5).contains(&expiration),
        "expiration {expiration} is not NotAfter of a 1h certificate"
    );
    assert!(
        state["private_key"]
            .as_str()
            .is_some_and(|k| k.contains("PRIVATE KEY"))
    );
    let sensitive = tf
        .state()
        .pointer("/values/root_module/resources/0/sensitive_values/private_key")
        .cloned();
    assert_eq!(
        sensitive,
        Some(Value::Bool(true)),
        "private_key must be sensitive"
    );
    tf.assert_plan_empty();

    // Import brings in the public material only, saying why (the server keeps no private key;
    // provider_ephemeral.rs tests the imported state in full).
    let fresh = provider_terraform();
    fresh.write_config(&cert_config(&mount, 600));
    let out = fresh.run(&[
        "import",
        "-input=false",
        "-no-color",
        "vaultpki_pki_cert.c",
        &format!("{mount}/cert/{serial}"),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "importing a certificate must work: {text}"
    );
    assert!(
        text.contains("The private key cannot be imported"),
        "{text}"
    );

    // Outside the renewal window nothing changes; widening the window in the configuration
    // puts the certificate inside it in the same run.
    tf.write_config(&cert_config(&mount, 7200));
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [(
            "vaultpki_pki_cert.c".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    let serial2 = tf.resource("vaultpki_pki_cert.c")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    assert_ne!(serial, serial2, "renewal must issue a new certificate");
    assert!(
        is_revoked(&cert_on_server(&mount, &serial).expect("old certificate")),
        "revoke = true revokes the replaced certificate"
    );

    // Back to a small window: an in-place update, no re-issue, then an empty plan.
    tf.write_config(&cert_config(&mount, 600));
    assert_eq!(
        changes(&tf),
        [("vaultpki_pki_cert.c".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    assert_eq!(
        tf.resource("vaultpki_pki_cert.c")["serial_number"],
        serial2.as_str()
    );
    tf.assert_plan_empty();

    // Revoked out of band: the next plan replaces it.
    env().bao_ok(&[
        "write",
        &format!("{mount}/revoke"),
        &format!("serial_number={serial2}"),
    ]);
    assert_eq!(
        changes(&tf),
        [(
            "vaultpki_pki_cert.c".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    let serial3 = tf.resource("vaultpki_pki_cert.c")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    assert_ne!(serial3, serial2);
    tf.assert_plan_empty();

    // Changing an input that shapes the certificate re-issues it.
    tf.write_config(&cert_config(&mount, 600).replace("alt.svc", "other.svc"));
    assert_eq!(
        changes(&tf),
        [(
            "vaultpki_pki_cert.c".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    let serial4 = tf.resource("vaultpki_pki_cert.c")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();

    tf.destroy();
    assert!(
        is_revoked(&cert_on_server(&mount, &serial4).expect("certificate record")),
        "destroy with revoke = true revokes"
    );
    env().bao_ok(&["secrets", "disable", &mount]);
}

// ---- diagnostics

fn policy_only() -> String {
    provider_config(
        "resource \"vaultpki_policy\" \"p\" {\n  name   = \"diag\"\n  policy = \"path \\\"x\\\" { capabilities = [\\\"read\\\"] }\"\n}\n",
    )
}

#[test]
fn wrong_token_gives_one_clear_diagnostic() {
    let tf = provider_terraform_at(&env().addr, "s.not-a-real-token-4711");
    tf.write_config(&policy_only());
    let out = tf.apply_err();
    assert!(
        out.contains(&format!(
            "Cannot use the OpenBao/Vault server at {}",
            env().addr
        )),
        "{out}"
    );
    assert!(out.contains("rejected the token"), "{out}");
    assert!(
        !out.contains("not-a-real-token-4711"),
        "the token leaked: {out}"
    );
}

#[test]
fn unreachable_address_gives_one_clear_diagnostic() {
    // Port 9 (discard) on loopback: nothing listens there.
    let addr = "http://127.0.0.1:9";
    let tf = provider_terraform_at(addr, &env().token);
    tf.write_config(&policy_only().replace(
        "provider \"vaultpki\" {}",
        "provider \"vaultpki\" {\n  max_retries = 0\n}",
    ));
    let out = tf.apply_err();
    assert!(
        out.contains(&format!("Cannot use the OpenBao/Vault server at {addr}")),
        "{out}"
    );
    assert!(out.contains("could not be reached"), "{out}");
}

#[test]
fn sealed_server_gives_one_clear_diagnostic() {
    let server = ExtraServer::start(ExtraServerOptions::default());
    let e = server.env();
    let out = e
        .bao_at(&e.addr, &e.token, &["operator", "seal"])
        .output()
        .expect("bao runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tf = provider_terraform_at(&e.addr, &e.token);
    tf.write_config(&policy_only());
    let out = tf.apply_err();
    assert!(
        out.contains(&format!(
            "Cannot use the OpenBao/Vault server at {}",
            e.addr
        )),
        "{out}"
    );
    assert!(out.contains("The server is sealed"), "{out}");
}

#[test]
fn unknown_address_at_plan_time_still_plans() {
    let tf = provider_terraform();
    tf.write_config(&provider_config(
        "resource \"terraform_data\" \"addr\" {\n  input = \"http://127.0.0.1:9\"\n}\n\nresource \"vaultpki_policy\" \"p\" {\n  name   = \"never\"\n  policy = \"path \\\"x\\\" { capabilities = [\\\"read\\\"] }\"\n}\n",
    )
    .replace(
        "provider \"vaultpki\" {}",
        "provider \"vaultpki\" {\n  address = terraform_data.addr.output\n}",
    ));
    let planned: Vec<String> = changes(&tf).into_iter().map(|(a, _)| a).collect();
    assert_eq!(planned, ["terraform_data.addr", "vaultpki_policy.p"]);
}

// ---- no secrets in TF_LOG=trace

#[test]
fn trace_log_holds_no_secret() {
    let mount = unique_name("pki-trace");
    pki_with_root(&mount);
    let approle = unique_name("approle-trace");
    env().bao_ok(&["auth", "enable", &format!("-path={approle}"), "approle"]);
    let tf = provider_terraform().with_trace_log();
    tf.write_config(&format!(
        "{}\nresource \"vaultpki_approle_role\" \"r\" {{\n  mount = \"{approle}\"\n  role_name = \"app\"\n}}\n\nresource \"vaultpki_approle_secret_id\" \"s\" {{\n  mount = vaultpki_approle_role.r.mount\n  role_name = vaultpki_approle_role.r.role_name\n}}\n",
        cert_config(&mount, 600)
    ));
    tf.apply();
    let secret_id = tf.resource("vaultpki_approle_secret_id.s")["secret_id"]
        .as_str()
        .expect("secret id")
        .to_owned();
    tf.assert_plan_empty();
    let key = tf.resource("vaultpki_pki_cert.c")["private_key"]
        .as_str()
        .expect("private key")
        .to_owned();
    tf.destroy();
    let log = tf.trace_log();
    assert!(
        log.len() > 10_000,
        "TF_LOG=trace wrote almost nothing ({} bytes)",
        log.len()
    );
    assert!(
        log.contains("terraform-provider-vaultpki"),
        "the provider's log lines are missing"
    );
    assert!(!log.contains(&env().token), "the token is in the trace log");
    assert!(
        !log.contains(&secret_id),
        "the secret ID is in the trace log"
    );
    let key_body: String = key
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("");
    for line in key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
    {
        assert!(
            !log.contains(line),
            "a line of the private key is in the trace log"
        );
    }
    assert!(
        !log.contains(&key_body[..40]),
        "the private key is in the trace log"
    );
    env().bao_ok(&["secrets", "disable", &mount]);
}

// ---- vaultpki_approle_role, vaultpki_approle_secret_id, data vaultpki_approle_role_id

fn approle_config(mount: &str, token_ttl: u32, role_id: Option<&str>) -> String {
    let role_id = role_id.map_or(String::new(), |r| format!("  role_id        = \"{r}\"\n"));
    provider_config(&format!(
        r#"resource "vaultpki_approle_role" "r" {{
  mount          = "{mount}"
  role_name      = "app"
  token_policies = ["default", "reader"]
  token_ttl      = {token_ttl}
  secret_id_ttl  = 3600
{role_id}}}

resource "vaultpki_approle_secret_id" "s" {{
  mount     = vaultpki_approle_role.r.mount
  role_name = vaultpki_approle_role.r.role_name
  metadata  = {{ owner = "platform" }}
  ttl       = 600
}}

data "vaultpki_approle_role_id" "d" {{
  mount     = vaultpki_approle_role.r.mount
  role_name = vaultpki_approle_role.r.role_name
}}

output "role_id" {{
  value = data.vaultpki_approle_role_id.d.role_id
}}
"#
    ))
}

fn accessor_lookup(mount: &str, accessor: &str) -> Option<Value> {
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

#[test]
fn approle_role_secret_id_and_role_id_lifecycle() {
    let mount = unique_name("approle");
    env().bao_ok(&["auth", "enable", &format!("-path={mount}"), "approle"]);
    let role_path = format!("auth/{mount}/role/app");
    let tf = provider_terraform();
    tf.write_config(&approle_config(&mount, 600, None));
    tf.apply();

    let role = bao_read(&role_path).expect("role exists");
    assert_eq!(str_list(&role["token_policies"]), ["default", "reader"]);
    assert_eq!(role["token_ttl"], 600);
    let state = tf.resource("vaultpki_approle_role.r");
    assert_eq!(state["id"], role_path);
    let role_id = bao_read(&format!("{role_path}/role-id")).expect("role id")["role_id"].clone();
    assert_eq!(state["role_id"], role_id);
    assert_eq!(tf.output("role_id"), role_id);

    // The secret ID logs in, and its accessor finds it.
    let secret = tf.resource("vaultpki_approle_secret_id.s");
    let secret_id = secret["secret_id"].as_str().expect("secret id").to_owned();
    let accessor = secret["accessor"].as_str().expect("accessor").to_owned();
    assert_eq!(
        secret["id"],
        format!("{role_path}/secret-id-accessor/{accessor}")
    );
    env().bao_ok(&[
        "write",
        &format!("auth/{mount}/login"),
        &format!("role_id={}", role_id.as_str().expect("role id")),
        &format!("secret_id={secret_id}"),
    ]);
    let looked_up = accessor_lookup(&mount, &accessor).expect("accessor lookup");
    assert_eq!(looked_up["metadata"]["owner"], "platform");
    assert_eq!(looked_up["secret_id_ttl"], 600);
    tf.assert_plan_empty();

    tf.import_and_compare("vaultpki_approle_role.r", &role_path, &[]);
    tf.import_and_compare(
        "vaultpki_approle_secret_id.s",
        &format!("{role_path}/secret-id-accessor/{accessor}"),
        &["secret_id"],
    );

    // Update in place, including a role ID chosen by configuration.
    let custom = unique_name("role-id");
    tf.write_config(&approle_config(&mount, 1200, Some(&custom)));
    assert_eq!(
        changes(&tf),
        [(
            "vaultpki_approle_role.r".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.apply();
    assert_eq!(bao_read(&role_path).expect("role")["token_ttl"], 1200);
    assert_eq!(
        bao_read(&format!("{role_path}/role-id")).expect("role id")["role_id"],
        custom.as_str()
    );
    assert_eq!(tf.output("role_id"), custom.as_str());
    assert_eq!(
        tf.resource("vaultpki_approle_secret_id.s")["accessor"],
        accessor.as_str(),
        "a role update must not replace the secret ID"
    );
    tf.assert_plan_empty();

    // Changed out of band: an update.
    env().bao_ok(&["write", &role_path, "token_ttl=5"]);
    assert_eq!(
        changes(&tf),
        [(
            "vaultpki_approle_role.r".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.apply();

    // A secret ID destroyed out of band leaves the state and is created again.
    env().bao_ok(&[
        "write",
        &format!("{role_path}/secret-id-accessor/destroy"),
        &format!("secret_id_accessor={accessor}"),
    ]);
    assert_eq!(
        changes(&tf),
        [(
            "vaultpki_approle_secret_id.s".to_owned(),
            vec!["create".to_owned()]
        )]
    );
    tf.apply();
    let accessor2 = tf.resource("vaultpki_approle_secret_id.s")["accessor"]
        .as_str()
        .expect("accessor")
        .to_owned();
    assert_ne!(accessor, accessor2);
    assert!(accessor_lookup(&mount, &accessor2).is_some());

    // The role deleted out of band: both are created again.
    env().bao_ok(&["delete", &role_path]);
    let mut planned = changes(&tf);
    planned.sort();
    assert_eq!(
        planned,
        [
            (
                "vaultpki_approle_role.r".to_owned(),
                vec!["create".to_owned()]
            ),
            (
                "vaultpki_approle_secret_id.s".to_owned(),
                vec!["create".to_owned()]
            ),
        ]
    );
    tf.apply();
    assert!(bao_read(&role_path).is_some());
    tf.assert_plan_empty();

    let accessor3 = tf.resource("vaultpki_approle_secret_id.s")["accessor"]
        .as_str()
        .expect("accessor")
        .to_owned();
    tf.destroy();
    assert!(bao_read(&role_path).is_none(), "role left after destroy");
    assert!(accessor_lookup(&mount, &accessor3).is_none());
    env().bao_ok(&["auth", "disable", &mount]);
}

// ---- vaultpki_pki_sign

fn sign_config(mount: &str, min_seconds_remaining: u64) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_pki_sign" "s" {{
  mount                 = "{mount}"
  role                  = "web"
  csr                   = file("${{path.module}}/req.csr")
  common_name           = "signed.svc.example.test"
  ttl                   = "1h"
  auto_renew            = true
  min_seconds_remaining = {min_seconds_remaining}
  revoke                = true
}}
"#
    ))
}

#[test]
fn pki_sign_lifecycle() {
    let mount = unique_name("pki-sign");
    pki_with_root(&mount);
    let tf = provider_terraform();
    openssl(
        tf.dir(),
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "req.key",
            "-out",
            "req.csr",
            "-subj",
            "/CN=signed.svc.example.test",
        ],
    );
    tf.write_config(&sign_config(&mount, 600));
    tf.apply();

    let state = tf.resource("vaultpki_pki_sign.s");
    let serial = state["serial_number"].as_str().expect("serial").to_owned();
    assert!(
        state.get("private_key").is_none(),
        "pki_sign has no private key"
    );
    let on_server = cert_on_server(&mount, &serial).expect("certificate on the server");
    assert!(!is_revoked(&on_server));
    // Interop: the signed certificate carries the CSR's key (checked by openssl, not by us).
    tf.write_file(
        "signed.pem",
        state["certificate"].as_str().expect("certificate"),
    );
    assert_eq!(
        openssl(
            tf.dir(),
            &["x509", "-noout", "-pubkey", "-in", "signed.pem"]
        ),
        openssl(tf.dir(), &["req", "-noout", "-pubkey", "-in", "req.csr"])
    );
    let expiration = state["expiration"].as_i64().expect("expiration");
    assert!((now() + 3600 - 120..=now() + 3600 + 5).contains(&expiration));
    tf.assert_plan_empty();

    // Inside the configured renewal window: replaced, and the old one revoked.
    tf.write_config(&sign_config(&mount, 7200));
    assert_eq!(
        changes(&tf),
        [(
            "vaultpki_pki_sign.s".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    tf.write_config(&sign_config(&mount, 600));
    tf.apply();
    let serial2 = tf.resource("vaultpki_pki_sign.s")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    assert_ne!(serial, serial2);
    assert!(is_revoked(&cert_on_server(&mount, &serial).expect("old")));
    tf.assert_plan_empty();

    // Revoked out of band: replaced.
    env().bao_ok(&[
        "write",
        &format!("{mount}/revoke"),
        &format!("serial_number={serial2}"),
    ]);
    assert_eq!(
        changes(&tf),
        [(
            "vaultpki_pki_sign.s".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    let serial3 = tf.resource("vaultpki_pki_sign.s")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    tf.destroy();
    assert!(is_revoked(
        &cert_on_server(&mount, &serial3).expect("record")
    ));
    env().bao_ok(&["secrets", "disable", &mount]);
}

// ---- provider configuration: AppRole login, CA file over TLS

#[test]
fn approle_login_over_tls_with_ca_file() {
    let e = env();
    let mount = unique_name("login");
    let name = unique_name("via-approle");
    let policy_name = unique_name("tf-login");
    e.bao_ok(&["auth", "enable", &format!("-path={mount}"), "approle"]);
    let mut cmd = e.bao(&["policy", "write", &policy_name, "-"]);
    write_stdin(
        &mut cmd,
        &format!(
            "path \"sys/policies/acl/{name}\" {{\n  capabilities = [\"create\", \"read\", \"update\", \"delete\"]\n}}\n"
        ),
    );
    let role = format!("auth/{mount}/role/tf");
    e.bao_ok(&["write", &role, &format!("token_policies={policy_name}")]);
    let role_id =
        e.bao_json(&["read", "-format=json", &format!("{role}/role-id")])["data"]["role_id"]
            .as_str()
            .expect("role id")
            .to_owned();
    let secret_id = e.bao_json(&["write", "-format=json", "-f", &format!("{role}/secret-id")])
        ["data"]["secret_id"]
        .as_str()
        .expect("secret id")
        .to_owned();
    let cfg = |secret: &str| {
        provider_config(&format!(
            "resource \"vaultpki_policy\" \"p\" {{\n  name   = \"{name}\"\n  policy = \"path \\\"x\\\" {{ capabilities = [\\\"read\\\"] }}\"\n}}\n"
        ))
        .replace(
            "provider \"vaultpki\" {}",
            &format!(
                "provider \"vaultpki\" {{\n  auth_login_approle {{\n    mount     = \"{mount}\"\n    role_id   = \"{role_id}\"\n    secret_id = \"{secret}\"\n  }}\n}}"
            ),
        )
    };
    // The root token in the environment is ignored when the AppRole block is set: the policy
    // only exists if the AppRole login (with its narrow policy) worked.
    let tf = provider_terraform_at(&e.tls_addr, "s.ignored-because-approle-is-configured")
        .with_env("VAULT_CACERT", &e.cacert.display().to_string())
        .with_trace_log();
    tf.write_config(&cfg(&secret_id));
    tf.apply();
    assert!(
        policy_text(&name).is_some(),
        "policy not written through the AppRole login"
    );
    tf.assert_plan_empty();
    tf.destroy();
    assert!(policy_text(&name).is_none());
    let log = tf.trace_log();
    assert!(
        !log.contains(&secret_id),
        "the AppRole secret ID is in the trace log"
    );

    // A wrong secret ID: the one clear diagnostic, naming the address and the login.
    let bad = provider_terraform_at(&e.tls_addr, &e.token)
        .with_env("VAULT_CACERT", &e.cacert.display().to_string());
    bad.write_config(&cfg("00000000-0000-0000-0000-000000000000"));
    let out = bad.apply_err();
    assert!(
        out.contains(&format!(
            "Cannot use the OpenBao/Vault server at {}",
            e.tls_addr
        )),
        "{out}"
    );
    assert!(out.contains("Logging in with AppRole"), "{out}");

    // HTTPS without the CA file: a TLS diagnostic, not a generic failure.
    let no_ca = provider_terraform_at(&e.tls_addr, &e.token).with_env("VAULT_CACERT", "");
    no_ca.write_config(&policy_only());
    let out = no_ca.apply_err();
    assert!(out.contains("TLS handshake failed"), "{out}");
    // ... unless verification is explicitly switched off.
    no_ca.write_config(&policy_only().replace(
        "provider \"vaultpki\" {}",
        "provider \"vaultpki\" {\n  skip_tls_verify = true\n}",
    ));
    no_ca.apply();
    assert!(policy_text("diag").is_some());
    no_ca.destroy();
    e.bao_ok(&["auth", "disable", &mount]);
    e.bao_ok(&["policy", "delete", &policy_name]);
}

// ---- benchmark (not a timed test: it prints figures). `scripts/bench` runs it on release
// binaries; by hand: `cargo build --release -p terraform-provider-vaultpki && cargo test --release
// -p vaultpki-tests --test acceptance -- --ignored --nocapture provider::bench_500_pki_roles`.

const N_BENCH: usize = 500;

/// Provider CPU per resource (ms) the last time this benchmark ran before the current code:
/// apply, refresh plan, destroy, and when (release build, this machine).
const PREVIOUS_CPU_MS: (f64, f64, f64, &str) = (0.88, 0.42, 1.22, "2026-12-05");

/// Wall and CPU seconds of one terraform command (terraform and the providers it started).
#[derive(Clone, Copy, Default)]
struct Phase {
    wall_s: f64,
    cpu_s: f64,
}

/// CPU seconds of this process's reaped children (`cutime` + `cstime` of `/proc/self/stat`):
/// terraform and, as terraform waits for them, the provider processes it started.
fn children_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(13) + ticks(14)) / 100.0
}

/// Runs terraform `args` (with `-parallelism=10`), requiring exit code 0.
fn phase(tf: &Terraform, args: &[&str]) -> (Phase, String) {
    let mut all = args.to_vec();
    all.extend(["-input=false", "-no-color", "-parallelism=10"]);
    let cpu = children_cpu_s();
    let started = std::time::Instant::now();
    let out = tf.run(&all);
    let wall_s = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "terraform {args:?} (a refresh plan must be empty):\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cpu_s = children_cpu_s() - cpu;
    (Phase { wall_s, cpu_s }, stdout)
}

/// Plan lines per created resource, then apply, refresh plan (which must be empty) and destroy;
/// `after` runs untimed after each of the three with its index (0 apply, 1 plan, 2 destroy).
fn lifecycle(tf: &Terraform, mut after: impl FnMut(usize, &Terraform)) -> (f64, [Phase; 3]) {
    let (_, plan) = phase(tf, &["plan"]);
    let lines = plan.lines().count() as f64 / N_BENCH as f64;
    after(usize::MAX, tf);
    let mut phases = [Phase::default(); 3];
    let steps: [&[&str]; 3] = [
        &["apply", "-auto-approve"],
        &["plan", "-detailed-exitcode"],
        &["destroy", "-auto-approve"],
    ];
    for (i, args) in steps.into_iter().enumerate() {
        phases[i] = phase(tf, args).0;
        after(i, tf);
    }
    (lines, phases)
}

/// An HCL expression for a JSON value from the state (`${` and `%{` escaped in strings).
fn hcl(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s)
            .unwrap_or_default()
            .replace("${", "$${")
            .replace("%{", "%%{"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(hcl).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `N_BENCH` `terraform_data` whose `input` has `attributes` (`name` made unique per index).
fn terraform_data_config(attributes: &serde_json::Map<String, Value>) -> String {
    let mut body = String::new();
    for (k, v) in attributes {
        let value = if k == "name" {
            "\"tf-${count.index}\"".to_owned()
        } else {
            hcl(v)
        };
        body.push_str(&format!("    {k} = {value}\n"));
    }
    format!(
        "resource \"terraform_data\" \"r\" {{\n  count = {N_BENCH}\n  input = {{\n{body}  }}\n}}\n"
    )
}

/// `(processes, total CPU ms, max peak RSS KiB)` of the provider processes that appended to
/// `path` (see the provider's `stats` module), then empties it for the next phase.
fn provider_stats(path: &std::path::Path) -> (usize, u64, u64) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let _ = std::fs::remove_file(path);
    let field = |line: &str, key: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let lines: Vec<&str> = text.lines().collect();
    (
        lines.len(),
        lines.iter().map(|l| field(l, "cpu_ms=")).sum(),
        lines
            .iter()
            .map(|l| field(l, "peak_rss_kib="))
            .max()
            .unwrap_or(0),
    )
}

#[test]
#[ignore = "benchmark: prints figures, takes a few minutes; run with scripts/bench"]
fn bench_500_pki_roles() {
    const N: usize = N_BENCH;
    let mount = unique_name("pki-bench");
    env().bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    let stats = tempfile::NamedTempFile::new().expect("a stats file");
    let stats_path = stats.path().to_path_buf();
    let tf = provider_terraform().with_env(
        "VAULTPKI_PROVIDER_STATS_FILE",
        &stats_path.display().to_string(),
    );
    tf.write_config(&provider_config(&format!(
        r#"resource "vaultpki_pki_role" "r" {{
  count            = {N}
  mount            = "{mount}"
  name             = "tf-${{count.index}}"
  allowed_domains  = ["svc.example.test"]
  allow_subdomains = true
  max_ttl          = 3600
}}
"#
    )));

    // The provider: per phase, the statistics its processes appended (the untimed state read
    // after apply starts one too, and is dropped).
    let mut stats_by_phase = [(0usize, 0u64, 0u64); 3];
    let mut role = serde_json::Map::new();
    let (ours_lines, ours) = lifecycle(&tf, |i, tf| {
        if let Some(slot) = stats_by_phase.get_mut(i) {
            *slot = provider_stats(&stats_path);
        }
        if i == 0 {
            role = tf
                .resource("vaultpki_pki_role.r[0]")
                .as_object()
                .cloned()
                .unwrap_or_default();
        }
        let _ = provider_stats(&stats_path);
    });
    assert!(
        stats_by_phase.iter().all(|s| s.0 > 0),
        "the provider wrote no statistics"
    );
    assert!(role.len() > 6, "the role's state: {role:?}");
    env().bao_ok(&["secrets", "disable", &mount]);

    // Terraform's floor: terraform_data as wide as the role's state (the same values), and
    // with the six attributes the configuration and the ID make.
    let wide_tf = Terraform::new();
    wide_tf.init();
    wide_tf.write_config(&terraform_data_config(&role));
    let (wide_lines, wide) = lifecycle(&wide_tf, |_, _| {});
    let narrow: serde_json::Map<String, Value> = role
        .iter()
        .filter(|(k, _)| {
            [
                "id",
                "mount",
                "name",
                "allowed_domains",
                "allow_subdomains",
                "max_ttl",
            ]
            .contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let narrow_tf = Terraform::new();
    narrow_tf.write_config(&terraform_data_config(&narrow));
    narrow_tf.init();
    let (narrow_lines, narrow_phases) = lifecycle(&narrow_tf, |_, _| {});

    // The server's floor: the same writes, reads and deletes straight over HTTP, 10 workers.
    let direct_mount = unique_name("pki-bench-direct");
    env().bao_ok(&["secrets", "enable", &format!("-path={direct_mount}"), "pki"]);
    let code = format!(
        r#"
import json, os, threading, time
from concurrent.futures import ThreadPoolExecutor
import requests
addr, token = os.environ["VAULT_ADDR"], os.environ["VAULT_TOKEN"]
local = threading.local()
def session():
    if not hasattr(local, "s"):
        local.s = requests.Session()
        local.s.headers["X-Vault-Token"] = token
    return local.s
body = {{"allowed_domains": ["svc.example.test"], "allow_subdomains": True, "max_ttl": 3600}}
url = f"{{addr}}/v1/{direct_mount}/roles/direct-{{{{}}}}"
def write(i): session().post(url.format(i), json=body).raise_for_status()
def read(i): session().get(url.format(i)).raise_for_status()
def delete(i): session().delete(url.format(i)).raise_for_status()
out = {{}}
with ThreadPoolExecutor(10) as ex:
    for name, f in (("write", write), ("read", read), ("delete", delete)):
        t = time.monotonic(); list(ex.map(f, range({N}))); out[name] = time.monotonic() - t
print(json.dumps(out))
"#
    );
    let out = env().python(&code);
    env().bao_ok(&["secrets", "disable", &direct_mount]);
    let direct: Value = serde_json::from_slice(&out.stdout).expect("the baseline prints JSON");
    let http = ["write", "read", "delete"].map(|k| direct[k].as_f64().unwrap_or(f64::NAN));

    let width = role.len();
    println!(
        "bench: {N} vaultpki_pki_role ({width} attributes), terraform -parallelism=10, OpenBao on \
         loopback{}",
        if cfg!(debug_assertions) {
            ", DEBUG BUILD: run scripts/bench for release figures"
        } else {
            ", release build"
        }
    );
    println!(
        "  {:<13} {:>17} | {:>26} | {:>26} | {:>22}",
        "wall s (ratio)",
        "vaultpki_pki_role",
        format!("terraform_data {width} attrs"),
        "terraform_data 6 attrs",
        "raw HTTP, 10 workers"
    );
    type Measure = fn(&Phase) -> f64;
    let measures: [(&str, Measure); 2] = [("", |p| p.wall_s), ("CPU ", |p| p.cpu_s)];
    for (label, measure) in measures {
        for (i, name) in ["apply", "refresh plan", "destroy"].iter().enumerate() {
            let ours = measure(&ours[i]);
            let cell = |floor: f64| format!("{floor:7.2} s ({:4.2}x)", ours / floor);
            let http = if label.is_empty() {
                cell(http[i])
            } else {
                "(terraform + providers)".to_owned()
            };
            println!(
                "  {:<13} {ours:>15.2} s | {:>26} | {:>26} | {http:>22}",
                format!("{label}{name}"),
                cell(measure(&wide[i])),
                cell(measure(&narrow_phases[i])),
            );
        }
    }
    println!(
        "  plan lines per created resource: {ours_lines:.1} (goal <= 15) | terraform_data {width} \
         attrs {wide_lines:.1} | 6 attrs {narrow_lines:.1}"
    );
    let per_op = |ms: u64| ms as f64 / N as f64;
    let (prev_apply, prev_plan, prev_destroy, prev_when) = PREVIOUS_CPU_MS;
    println!(
        "  provider CPU per resource: apply {:.3} ms (previous {prev_apply} ms, target < 1 ms), \
         refresh plan {:.3} ms (previous {prev_plan} ms, target < 0.5 ms), destroy {:.3} ms \
         (previous {prev_destroy} ms); previous: {prev_when}",
        per_op(stats_by_phase[0].1),
        per_op(stats_by_phase[1].1),
        per_op(stats_by_phase[2].1),
    );
    println!(
        "  provider processes apply/plan/destroy {}/{}/{}, peak RSS {:.1} MiB (target < 30 MiB)",
        stats_by_phase[0].0,
        stats_by_phase[1].0,
        stats_by_phase[2].0,
        stats_by_phase.iter().map(|s| s.2).max().unwrap_or(0) as f64 / 1024.0,
    );
}

// ---- provider configuration: namespace

#[test]
fn namespace_scopes_every_request() {
    let ns = unique_name("ns");
    let name = unique_name("ns-policy");
    env().bao_ok(&["namespace", "create", &ns]);
    let tf = provider_terraform();
    tf.write_config(
        &provider_config(&format!(
            "resource \"vaultpki_policy\" \"p\" {{\n  name   = \"{name}\"\n  policy = \"path \\\"x\\\" {{ capabilities = [\\\"read\\\"] }}\"\n}}\n"
        ))
        .replace(
            "provider \"vaultpki\" {}",
            &format!("provider \"vaultpki\" {{\n  namespace = \"{ns}\"\n}}"),
        ),
    );
    tf.apply();
    let in_ns = env()
        .bao(&["policy", "read", &format!("-namespace={ns}"), &name])
        .output()
        .expect("bao runs");
    assert!(
        in_ns.status.success(),
        "the policy is not in namespace {ns}"
    );
    assert!(
        policy_text(&name).is_none(),
        "the policy leaked into the root namespace"
    );
    tf.assert_plan_empty();
    tf.destroy();
    let gone = env()
        .bao(&["policy", "read", &format!("-namespace={ns}"), &name])
        .output()
        .expect("bao runs");
    assert!(!gone.status.success(), "policy left after destroy");
    env().bao_ok(&["namespace", "delete", &ns]);
}

#[test]
fn expired_secret_id_leaves_the_state() {
    let mount = unique_name("approle-exp");
    env().bao_ok(&["auth", "enable", &format!("-path={mount}"), "approle"]);
    let tf = provider_terraform();
    tf.write_config(&provider_config(&format!(
        r#"resource "vaultpki_approle_role" "r" {{
  mount     = "{mount}"
  role_name = "app"
}}

resource "vaultpki_approle_secret_id" "s" {{
  mount     = vaultpki_approle_role.r.mount
  role_name = vaultpki_approle_role.r.role_name
  ttl       = 2
}}
"#
    )));
    tf.apply();
    let accessor = tf.resource("vaultpki_approle_secret_id.s")["accessor"]
        .as_str()
        .expect("accessor")
        .to_owned();
    assert!(accessor_lookup(&mount, &accessor).is_some());
    // A short TTL rather than a long sleep: three seconds later it has expired.
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(
        changes(&tf),
        [(
            "vaultpki_approle_secret_id.s".to_owned(),
            vec!["create".to_owned()]
        )]
    );
    tf.destroy();
    env().bao_ok(&["auth", "disable", &mount]);
}
