//! Acceptance tests for the provider itself (its configuration, connection and login, logs,
//! namespaces) through the real `terraform` against OpenBao: one clear diagnostic per command for
//! a wrong token, a sealed server, an unreachable address or a failed login; an unknown address
//! still plans; the tokens it obtains by logging in are revoked when each command ends (counted
//! on a server of its own) and a given token never is; a correctly scoped token without the
//! `default` policy is accepted; a `TF_LOG=trace` run holds no secret it created; AppRole login
//! over TLS with a CA file; JWT login with a locally signed service-account-shaped token (its
//! token revoked like AppRole's); a namespace scoping every request. The 500-role benchmark (ignored:
//! it prints figures) is at the end.

use crate::provider_pki_certs::cert_config;
use serde_json::Value;
use vaultpki_tests::bao::{accessor_lookup, pki_with_root, policy_text, write_stdin};
use vaultpki_tests::jwt::{jwt_auth_with_role, jwt_role, service_account_token};
use vaultpki_tests::{
    ExtraServer, ExtraServerOptions, Terraform, TestEnv, env, planned_changes, provider_config,
    provider_terraform, provider_terraform_at, unique_name,
};

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
    let planned: Vec<String> = planned_changes(&tf.plan())
        .into_iter()
        .map(|(a, _)| a)
        .collect();
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
fn jwt_login_works_and_its_token_is_revoked() {
    let server = ExtraServer::start(ExtraServerOptions::default());
    let e = server.env();
    let name = unique_name("jwt-login");
    let dir = tempfile::tempdir().expect("temp dir");
    let subject = "system:serviceaccount:ci:terraform";
    let token = service_account_token(e, dir.path(), "ci", "terraform");
    write_policy(
        e,
        "tf",
        &format!(
            "path \"sys/policies/acl/{name}\" {{\n  capabilities = [\"create\", \"read\", \"update\", \"delete\"]\n}}\n"
        ),
    );
    jwt_auth_with_role(e, "jwt", &token, "terraform", subject, "tf");
    let jwt = std::fs::read_to_string(&token.jwt_file).expect("token");
    let login = |role: &str| {
        format!(
            "provider \"vaultpki\" {{\n  auth_login_jwt {{\n    role = \"{role}\"\n    jwt  = <<-EOT\n      {}\n    EOT\n  }}\n}}",
            jwt.trim()
        )
    };
    let resource = format!(
        "resource \"vaultpki_policy\" \"p\" {{\n  name   = \"{name}\"\n  policy = \"path \\\"x\\\" {{ capabilities = [\\\"read\\\"] }}\"\n}}\n"
    );
    let tf = provider_terraform_at(&e.addr, "s.ignored-because-jwt-is-configured");
    tf.write_config(
        &provider_config(&resource).replace("provider \"vaultpki\" {}", &login("terraform")),
    );
    assert_eq!(live_tokens_besides_root(e), 0);
    tf.apply();
    // The policy was written with the JWT login's token (the given token is not valid).
    e.bao_ok(&["policy", "read", &name]);
    assert_eq!(live_tokens_besides_root(e), 0, "after apply");
    tf.assert_plan_empty();
    assert_eq!(live_tokens_besides_root(e), 0, "after plan");
    tf.assert_state_free_of(&[("JWT", jwt.trim())]);

    // A role the token's subject is not bound to: one diagnostic naming the block, no JWT.
    jwt_role(
        e,
        "jwt",
        "other",
        "system:serviceaccount:ci:someone-else",
        "tf",
    );
    tf.write_config(
        &provider_config(&resource).replace("provider \"vaultpki\" {}", &login("other")),
    );
    // Terraform wraps diagnostics: compare with single spaces.
    let out = tf
        .apply_err()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        out.contains("Logging in with the jwt auth method at auth/jwt/login failed"),
        "{out}"
    );
    assert!(out.contains("auth_login_jwt"), "{out}");
    assert!(!out.contains(jwt.trim()), "the JWT was printed");

    tf.write_config(
        &provider_config(&resource).replace("provider \"vaultpki\" {}", &login("terraform")),
    );
    tf.destroy();
    assert_eq!(live_tokens_besides_root(e), 0, "after destroy");
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
  ttl       = 6
}}
"#
    )));
    tf.apply();
    let accessor = tf.resource("vaultpki_approle_secret_id.s")["accessor"]
        .as_str()
        .expect("accessor")
        .to_owned();
    assert!(accessor_lookup(&mount, &accessor).is_some());
    // A short TTL rather than a long sleep, and a wait for the server to say it is gone rather
    // than a fixed one: a loaded machine can take seconds between the steps. Six seconds leave
    // the apply's own read-back, right after creating, well inside the TTL.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while accessor_lookup(&mount, &accessor).is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the secret ID with a 6 s TTL still exists after 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_approle_secret_id.s".to_owned(),
            vec!["create".to_owned()]
        )]
    );
    tf.destroy();
    env().bao_ok(&["auth", "disable", &mount]);
}

// ---- benchmark (not a timed test: it prints figures). `scripts/bench` runs it on release
// binaries; by hand: `cargo build --release -p terraform-provider-vaultpki && cargo test --release
// -p vaultpki-tests --test acceptance -- --ignored --nocapture provider::bench_500_pki_roles`.

const N_BENCH: usize = 500;

/// Provider CPU per resource (ms) the last time this benchmark ran before the current code:
/// apply, refresh plan, destroy, and when (release build, this machine).
const PREVIOUS_CPU_MS: (f64, f64, f64, &str) = (0.62, 0.34, 0.72, "2026-12-06");

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
