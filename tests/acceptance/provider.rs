//! Acceptance tests for the provider itself (its configuration, connection and login, logs,
//! namespaces) through the real `terraform` against OpenBao: one clear diagnostic per command for
//! a wrong token, a sealed server, an unreachable address or a failed login; an unknown address
//! still plans; the tokens it obtains by logging in are revoked when each command ends (counted
//! on a server of its own) and a given token never is; a correctly scoped token without the
//! `default` policy is accepted; a `TF_LOG=trace` run holds no secret it created; AppRole login
//! over TLS with a CA file; a namespace scoping every request. The 500-role benchmark (ignored:
//! it prints figures) is at the end.

use crate::provider_pki_certs::cert_config;
use serde_json::Value;
use vaultpki_tests::bao::{accessor_lookup, pki_with_root, policy_text, write_stdin};
use vaultpki_tests::{
    ExtraServer, ExtraServerOptions, TestEnv, env, planned_changes, provider_config,
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
        planned_changes(&tf.plan()),
        [(
            "vaultpki_approle_secret_id.s".to_owned(),
            vec!["create".to_owned()]
        )]
    );
    tf.destroy();
    env().bao_ok(&["auth", "disable", &mount]);
}

// ---- benchmark (not a timed test: it prints figures; run with `-- --ignored --nocapture`)

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
#[ignore = "benchmark: prints figures, takes about a minute; run with --ignored --nocapture"]
fn bench_500_pki_roles() {
    const N: usize = 500;
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
    let _ = std::fs::remove_file(&stats_path);

    let started = std::time::Instant::now();
    tf.run_ok(&[
        "apply",
        "-input=false",
        "-no-color",
        "-auto-approve",
        "-parallelism=10",
    ]);
    let apply_s = started.elapsed().as_secs_f64();
    let (apply_procs, apply_cpu, apply_rss) = provider_stats(&stats_path);

    let started = std::time::Instant::now();
    let out = tf.run(&[
        "plan",
        "-input=false",
        "-no-color",
        "-parallelism=10",
        "-detailed-exitcode",
    ]);
    let plan_s = started.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(0), "the refresh plan is not empty");
    let (plan_procs, plan_cpu, plan_rss) = provider_stats(&stats_path);

    // The baseline: the same 500 writes and 500 reads straight over HTTP, 10 workers.
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
def write(i):
    session().post(f"{{addr}}/v1/{mount}/roles/direct-{{i}}", json=body).raise_for_status()
def read(i):
    session().get(f"{{addr}}/v1/{mount}/roles/direct-{{i}}").raise_for_status()
with ThreadPoolExecutor(10) as ex:
    t = time.monotonic(); list(ex.map(write, range({N}))); w = time.monotonic() - t
    t = time.monotonic(); list(ex.map(read, range({N}))); r = time.monotonic() - t
print(json.dumps({{"write_s": w, "read_s": r}}))
"#
    );
    let out = env().python(&code);
    let direct: Value = serde_json::from_slice(&out.stdout).expect("the baseline prints JSON");
    let write_s = direct["write_s"].as_f64().expect("write_s");
    let read_s = direct["read_s"].as_f64().expect("read_s");

    let per_op = |cpu: u64| cpu as f64 / N as f64;
    println!("bench: {N} vaultpki_pki_role, terraform -parallelism=10, OpenBao on loopback");
    println!(
        "  apply        terraform {apply_s:7.2} s | direct HTTP {N} writes (10 workers) {write_s:6.2} s | ratio {:5.1}x",
        apply_s / write_s
    );
    println!(
        "  refresh plan terraform {plan_s:7.2} s | direct HTTP {N} reads  (10 workers) {read_s:6.2} s | ratio {:5.1}x",
        plan_s / read_s
    );
    println!(
        "  provider CPU apply {apply_cpu} ms over {apply_procs} processes = {:.3} ms/resource; plan {plan_cpu} ms over {plan_procs} = {:.3} ms/resource (target < 1 ms)",
        per_op(apply_cpu),
        per_op(plan_cpu)
    );
    println!(
        "  provider peak RSS apply {:.1} MiB, plan {:.1} MiB (target < 30 MiB)",
        apply_rss as f64 / 1024.0,
        plan_rss as f64 / 1024.0
    );
    assert!(apply_procs > 0, "the provider wrote no statistics");

    tf.run_ok(&[
        "destroy",
        "-input=false",
        "-no-color",
        "-auto-approve",
        "-parallelism=10",
    ]);
    env().bao_ok(&["secrets", "disable", &mount]);
}
