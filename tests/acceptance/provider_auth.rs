//! Acceptance tests for the auth-method and key types through the real `terraform` against the
//! shared OpenBao node: `vaultpki_kubernetes_auth_backend_config` and
//! `vaultpki_kubernetes_auth_backend_role` and `vaultpki_token_auth_role` in the full sequence;
//! `auth_login_kubernetes` up to the Kubernetes API server (there is none on these machines, so
//! the test shows the login reaching OpenBao's Kubernetes method and its failure naming the
//! block); `vaultpki_pki_key` (generated, imported, renamed, kept or deleted on destroy) with the
//! `vaultpki_pki_keys` and `vaultpki_pki_issuers` listings; and the parameter rules of
//! `vaultpki_policy_document` enforced by the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use vaultpki_tests::bao::{bao_read, pki_with_root, str_list};
use vaultpki_tests::jwt::service_account_token;
use vaultpki_tests::{
    Terraform, env, openssl, openssl_offline_root, planned_changes, provider_config,
    provider_terraform, unique_name,
};

// ---- vaultpki_kubernetes_auth_backend_config, _role, vaultpki_token_auth_role

struct K8s<'a> {
    mount: &'a str,
    token_role: &'a str,
    ca: &'a str,
    host: &'a str,
    token_ttl: u32,
    orphan: bool,
}

fn k8s_config(k: &K8s<'_>) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_kubernetes_auth_backend_config" "c" {{
  mount                         = "{mount}"
  kubernetes_host               = "{host}"
  kubernetes_ca_cert            = <<-EOT
{ca}  EOT
  disable_local_ca_jwt          = true
  token_reviewer_jwt_wo         = "reviewer-jwt-of-a-token-review-service-account"
  token_reviewer_jwt_wo_version = 1
}}

resource "vaultpki_kubernetes_auth_backend_role" "r" {{
  mount                            = vaultpki_kubernetes_auth_backend_config.c.mount
  role_name                        = "cert-manager"
  bound_service_account_names      = ["cert-manager"]
  bound_service_account_namespaces = ["cert-manager"]
  audience                         = "vault"
  token_policies                   = ["pki-consumer"]
  token_ttl                        = {ttl}
  token_no_default_policy          = true
}}

resource "vaultpki_token_auth_role" "t" {{
  role_name           = "{token_role}"
  allowed_policies    = ["deploy", "read-only"]
  disallowed_policies = ["root-ish"]
  orphan              = {orphan}
  renewable           = false
  path_suffix         = "ci-deploy"
  token_period        = 3600
  token_bound_cidrs   = ["10.0.0.0/8"]
}}
"#,
        mount = k.mount,
        host = k.host,
        ca = k.ca,
        ttl = k.token_ttl,
        token_role = k.token_role,
        orphan = k.orphan,
    ))
}

#[test]
fn kubernetes_auth_config_role_and_token_role_lifecycle() {
    let mount = unique_name("k8s");
    let token_role = unique_name("ci");
    env().bao_ok(&["auth", "enable", &format!("-path={mount}"), "kubernetes"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = openssl_offline_root(dir.path(), "/CN=kubernetes-test-ca");
    let mut k = K8s {
        mount: &mount,
        token_role: &token_role,
        ca: &ca,
        host: "https://kubernetes.invalid:6443",
        token_ttl: 600,
        orphan: true,
    };
    let config_path = format!("auth/{mount}/config");
    let role_path = format!("auth/{mount}/role/cert-manager");
    let token_path = format!("auth/token/roles/{token_role}");
    let tf = provider_terraform();
    // Outside a pod the server needs the API server's CA: refused at plan time, naming it.
    let no_ca = k8s_config(&k);
    let start = no_ca.find("  kubernetes_ca_cert").expect("the CA line");
    let end = no_ca[start..].find("  EOT\n").expect("the heredoc end") + start + "  EOT\n".len();
    tf.write_config(&format!("{}{}", &no_ca[..start], &no_ca[end..]));
    let out = flat(&tf.apply_err());
    assert!(
        out.contains("kubernetes_ca_cert is required when disable_local_ca_jwt = true"),
        "{out}"
    );
    tf.write_config(&k8s_config(&k));
    tf.apply();

    let config = bao_read(&config_path).expect("settings exist");
    assert_eq!(config["kubernetes_host"], k.host);
    assert_eq!(
        config["kubernetes_ca_cert"].as_str().map(str::trim),
        Some(ca.trim())
    );
    assert_eq!(config["disable_local_ca_jwt"], true);
    assert_eq!(config["token_reviewer_jwt_set"], true);
    let state = tf.resource("vaultpki_kubernetes_auth_backend_config.c");
    assert_eq!(state["id"], config_path);
    assert_eq!(state["token_reviewer_jwt_set"], true);
    assert!(state["token_reviewer_jwt_wo"].is_null());
    tf.assert_state_free_of(&[(
        "reviewer JWT",
        "reviewer-jwt-of-a-token-review-service-account",
    )]);

    let role = bao_read(&role_path).expect("role exists");
    assert_eq!(
        str_list(&role["bound_service_account_names"]),
        ["cert-manager"]
    );
    assert_eq!(
        str_list(&role["bound_service_account_namespaces"]),
        ["cert-manager"]
    );
    assert_eq!(role["audience"], "vault");
    assert_eq!(str_list(&role["token_policies"]), ["pki-consumer"]);
    assert_eq!(role["token_ttl"], 600);
    assert_eq!(role["token_no_default_policy"], true);
    assert_eq!(
        tf.resource("vaultpki_kubernetes_auth_backend_role.r")["id"],
        role_path
    );

    let t = bao_read(&token_path).expect("token role exists");
    assert_eq!(str_list(&t["allowed_policies"]), ["deploy", "read-only"]);
    assert_eq!(str_list(&t["disallowed_policies"]), ["root-ish"]);
    assert_eq!(t["orphan"], true);
    assert_eq!(t["renewable"], false);
    assert_eq!(t["path_suffix"], "ci-deploy");
    assert_eq!(t["token_period"], 3600);
    assert_eq!(str_list(&t["token_bound_cidrs"]), ["10.0.0.0/8"]);
    // The role works: a token created through it is an orphan living for the role's period.
    let created = env().bao_json(&[
        "token",
        "create",
        "-format=json",
        &format!("-role={token_role}"),
        "-policy=deploy",
    ]);
    let accessor = created["auth"]["accessor"].as_str().expect("accessor");
    let looked_up = env().bao_json(&["token", "lookup", "-format=json", "-accessor", accessor]);
    assert_eq!(looked_up["data"]["orphan"], true);
    assert_eq!(looked_up["data"]["role"], token_role.as_str());
    let ttl = looked_up["data"]["ttl"].as_i64().expect("ttl");
    assert!(
        (3000..=3600).contains(&ttl),
        "the role's period gave a TTL of {ttl}"
    );
    env().bao_ok(&["token", "revoke", "-accessor", accessor]);
    tf.assert_plan_empty();

    tf.import_and_compare(
        "vaultpki_kubernetes_auth_backend_config.c",
        &config_path,
        &["token_reviewer_jwt_wo_version"],
    );
    tf.import_and_compare("vaultpki_kubernetes_auth_backend_role.r", &role_path, &[]);
    tf.import_and_compare("vaultpki_token_auth_role.t", &token_path, &[]);

    // Update in place; the reviewer JWT stays on the server although it is never stored.
    // The new host is a listener of this test standing in for the API server: it only counts
    // the connections OpenBao opens to review a login (there is no Kubernetes here).
    let api_server = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let host = format!("https://{}", api_server.local_addr().expect("its address"));
    let reviews = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&reviews);
    std::thread::spawn(move || {
        for connection in api_server.incoming() {
            if connection.is_ok() {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    k.host = &host;
    k.token_ttl = 1200;
    k.orphan = false;
    tf.write_config(&k8s_config(&k));
    assert_changes(
        &tf,
        &[
            ("vaultpki_kubernetes_auth_backend_config.c", "update"),
            ("vaultpki_kubernetes_auth_backend_role.r", "update"),
            ("vaultpki_token_auth_role.t", "update"),
        ],
    );
    tf.apply();
    let config = bao_read(&config_path).expect("settings exist");
    assert_eq!(config["kubernetes_host"], k.host);
    assert_eq!(
        config["token_reviewer_jwt_set"], true,
        "an update dropped the reviewer JWT"
    );
    assert_eq!(bao_read(&role_path).expect("role")["token_ttl"], 1200);
    assert_eq!(bao_read(&token_path).expect("token role")["orphan"], false);
    tf.assert_plan_empty();

    // Changed out of band: an update; deleted out of band: created again.
    env().bao_ok(&[
        "write",
        &role_path,
        "bound_service_account_names=intruder",
        "bound_service_account_namespaces=*",
    ]);
    env().bao_ok(&["delete", &token_path]);
    assert_changes(
        &tf,
        &[
            ("vaultpki_kubernetes_auth_backend_role.r", "update"),
            ("vaultpki_token_auth_role.t", "create"),
        ],
    );
    tf.apply();
    assert_eq!(
        str_list(&bao_read(&role_path).expect("role")["bound_service_account_names"]),
        ["cert-manager"]
    );
    tf.assert_plan_empty();

    // A deleted line goes back to the server's default.
    tf.write_config(
        &k8s_config(&k)
            .replace("  token_no_default_policy          = true\n", "")
            .replace("  disallowed_policies = [\"root-ish\"]\n", ""),
    );
    assert_changes(
        &tf,
        &[
            ("vaultpki_kubernetes_auth_backend_role.r", "update"),
            ("vaultpki_token_auth_role.t", "update"),
        ],
    );
    tf.apply();
    assert_eq!(
        bao_read(&role_path).expect("role")["token_no_default_policy"],
        false
    );
    assert_eq!(
        str_list(&bao_read(&token_path).expect("token role")["disallowed_policies"]),
        Vec::<String>::new()
    );
    tf.assert_plan_empty();

    // Logging in as the service account gets as far as OpenBao asking the Kubernetes API server
    // to review the token (the stand-in closes the connection): the failure names the block.
    let token = service_account_token(env(), dir.path(), "cert-manager", "cert-manager");
    let login = provider_terraform();
    login.write_config(&provider_config(&format!(
        "data \"vaultpki_policy_document\" \"d\" {{\n  rule {{\n    path         = \"x\"\n    capabilities = [\"read\"]\n  }}\n}}\n\nresource \"vaultpki_policy\" \"p\" {{\n  name   = \"{mount}\"\n  policy = data.vaultpki_policy_document.d.hcl\n}}\n"
    )).replace(
        "provider \"vaultpki\" {}",
        &format!(
            "provider \"vaultpki\" {{\n  auth_login_kubernetes {{\n    mount    = \"{mount}\"\n    role     = \"cert-manager\"\n    jwt_file = \"{}\"\n  }}\n}}",
            token.jwt_file.display()
        ),
    ));
    // Terraform wraps diagnostics: compare with single spaces.
    let out = flat(&login.apply_err());
    assert!(
        out.contains(&format!(
            "Logging in with the kubernetes auth method at auth/{mount}/login failed"
        )),
        "{out}"
    );
    assert!(out.contains("permission denied"), "{out}");
    assert!(
        reviews.load(Ordering::SeqCst) > 0,
        "OpenBao never called the API server to review the token"
    );
    assert!(out.contains("auth_login_kubernetes"), "{out}");
    let jwt = std::fs::read_to_string(&token.jwt_file).expect("token");
    assert!(
        !out.contains(jwt.trim()),
        "the service account token was printed"
    );
    // A token file that is not there is named before anything is sent.
    login.write_config(&login.read_file("main.tf").replace(
        &token.jwt_file.display().to_string(),
        "/nonexistent/serviceaccount/token",
    ));
    let out = flat(&login.apply_err());
    assert!(
        out.contains("Cannot read the service account token"),
        "{out}"
    );
    assert!(out.contains("/nonexistent/serviceaccount/token"), "{out}");

    tf.destroy();
    assert!(bao_read(&role_path).is_none(), "role left after destroy");
    assert!(
        bao_read(&token_path).is_none(),
        "token role left after destroy"
    );
    // The server cannot delete the settings: they stay until the auth method is disabled.
    assert!(bao_read(&config_path).is_some());
    env().bao_ok(&["auth", "disable", &mount]);
}

/// Requires that the next plan makes exactly `expected` (address, action), in any order.
fn assert_changes(tf: &Terraform, expected: &[(&str, &str)]) {
    let mut planned = planned_changes(&tf.plan());
    planned.sort();
    let mut expected: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(a, c)| ((*a).to_owned(), vec![(*c).to_owned()]))
        .collect();
    expected.sort();
    assert_eq!(planned, expected);
}

/// `text` with every run of whitespace made one space (Terraform wraps diagnostics).
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---- vaultpki_pki_key, data vaultpki_pki_keys, data vaultpki_pki_issuers

fn key_config(mount: &str, generated_name: &str, pem: &str) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_pki_key" "gen" {{
  mount             = "{mount}"
  key_name          = "{generated_name}"
  key_type          = "ec"
  key_bits          = 384
  delete_on_destroy = true
}}

resource "vaultpki_pki_key" "imp" {{
  mount                 = "{mount}"
  key_name              = "imported"
  pem_bundle_wo         = <<-EOT
{pem}  EOT
  pem_bundle_wo_version = 1
  delete_on_destroy     = true
}}

resource "vaultpki_pki_key" "kept" {{
  mount = "{mount}"
}}

data "vaultpki_pki_keys" "k" {{
  mount      = "{mount}"
  depends_on = [vaultpki_pki_key.gen, vaultpki_pki_key.imp, vaultpki_pki_key.kept]
}}

data "vaultpki_pki_issuers" "i" {{
  mount = "{mount}"
}}

output "keys" {{
  value = data.vaultpki_pki_keys.k
}}

output "issuers" {{
  value = data.vaultpki_pki_issuers.i
}}
"#
    ))
}

#[test]
fn pki_key_lifecycle_and_listings() {
    let mount = unique_name("pki-keys");
    pki_with_root(&mount);
    let root_key = bao_read(&format!("{mount}/config/keys")).expect("default key")["default"]
        .as_str()
        .expect("default key id")
        .to_owned();
    let root_issuer =
        bao_read(&format!("{mount}/config/issuers")).expect("default issuer")["default"]
            .as_str()
            .expect("default issuer id")
            .to_owned();
    let dir = tempfile::tempdir().expect("temp dir");
    openssl(
        dir.path(),
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "key.pem",
        ],
    );
    let pem = std::fs::read_to_string(dir.path().join("key.pem")).expect("key.pem");
    let tf = provider_terraform();
    tf.write_config(&key_config(&mount, "generated", &pem));
    tf.apply();

    let generated = bao_read(&format!("{mount}/key/generated")).expect("generated key");
    assert_eq!(generated["key_type"], "ec");
    let generated_state = tf.resource("vaultpki_pki_key.gen");
    assert_eq!(generated_state["key_id"], generated["key_id"]);
    assert_eq!(
        generated_state["id"],
        format!("{mount}/key/{}", generated["key_id"].as_str().unwrap())
    );
    let imported = bao_read(&format!("{mount}/key/imported")).expect("imported key");
    assert_eq!(imported["key_type"], "ec");
    // The key the server holds is the PEM's: importing it again finds the same key.
    let again = env().bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/keys/import"),
        &format!("pem_bundle=@{}", dir.path().join("key.pem").display()),
    ]);
    assert_eq!(again["data"]["key_id"], imported["key_id"]);
    tf.assert_state_free_of(&[("imported private key", &pem)]);
    let kept = tf.resource("vaultpki_pki_key.kept");
    assert_eq!(kept["key_type"], "rsa");
    assert_eq!(kept["key_name"], "");

    // The listings: every key with its name, the root's key the default; the root issuer.
    let keys = tf.output("keys");
    assert_eq!(keys["default"], root_key.as_str());
    let listed = keys["keys"].as_array().expect("key list");
    assert_eq!(listed.len(), 4, "{keys:#}");
    let entry = |id: &Value| listed.iter().find(|e| &e["key_id"] == id).cloned();
    assert_eq!(
        entry(&generated["key_id"]),
        Some(json!({"key_id": generated["key_id"], "key_name": "generated", "is_default": false}))
    );
    assert_eq!(
        entry(&json!(root_key)).expect("the root key")["is_default"],
        json!(true)
    );
    let issuers = tf.output("issuers");
    assert_eq!(issuers["default"], root_issuer.as_str());
    assert_eq!(issuers["issuers"][0]["issuer_id"], root_issuer.as_str());
    assert_eq!(issuers["issuers"][0]["key_id"], root_key.as_str());
    assert_eq!(issuers["issuers"][0]["is_default"], true);
    tf.assert_plan_empty();

    tf.import_and_compare(
        "vaultpki_pki_key.gen",
        generated_state["id"].as_str().expect("id"),
        &["key_bits", "delete_on_destroy"],
    );
    // A key name works as the import ID too.
    tf.import_and_compare(
        "vaultpki_pki_key.imp",
        &format!("{mount}/key/imported"),
        &["pem_bundle_wo_version", "delete_on_destroy"],
    );

    // A rename is in place: the same key under its new name.
    tf.write_config(&key_config(&mount, "renamed", &pem));
    let planned = planned_changes(&tf.plan());
    assert!(
        planned.contains(&("vaultpki_pki_key.gen".to_owned(), vec!["update".to_owned()])),
        "{planned:?}"
    );
    tf.apply();
    assert_eq!(
        bao_read(&format!("{mount}/key/renamed")).expect("renamed key")["key_id"],
        generated["key_id"]
    );
    assert!(bao_read(&format!("{mount}/key/generated")).is_none());
    tf.assert_plan_empty();

    // A key size the type does not have is refused at plan time, naming the attribute.
    tf.write_config(
        &key_config(&mount, "renamed", &pem)
            .replace("key_bits          = 384", "key_bits          = 2048"),
    );
    let out = tf.apply_err();
    assert!(
        out.contains("key_bits = 2048 is not a size of key_type \"ec\""),
        "{out}"
    );
    tf.write_config(&key_config(&mount, "renamed", &pem));

    // Deleted out of band: created again.
    let kept_id = kept["key_id"].as_str().expect("kept key id").to_owned();
    env().bao_ok(&["delete", &format!("{mount}/key/{kept_id}")]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_pki_key.kept".to_owned(),
            vec!["create".to_owned()]
        )]
    );
    tf.apply();
    let kept_id = tf.resource("vaultpki_pki_key.kept")["key_id"]
        .as_str()
        .expect("kept key id")
        .to_owned();

    // Destroy deletes the keys that asked for it and keeps the other one.
    tf.destroy();
    assert!(
        bao_read(&format!(
            "{mount}/key/{}",
            generated["key_id"].as_str().unwrap()
        ))
        .is_none()
    );
    assert!(
        bao_read(&format!(
            "{mount}/key/{}",
            imported["key_id"].as_str().unwrap()
        ))
        .is_none()
    );
    assert!(
        bao_read(&format!("{mount}/key/{kept_id}")).is_some(),
        "the kept key was deleted"
    );
    env().bao_ok(&["secrets", "disable", &mount]);
}

// ---- data vaultpki_policy_document: parameter rules

#[test]
fn policy_document_parameter_rules_are_enforced_by_the_server() {
    let mount = unique_name("pki-params");
    pki_with_root(&mount);
    let name = unique_name("params");
    let tf = provider_terraform();
    tf.write_config(&provider_config(&format!(
        r#"data "vaultpki_policy_document" "d" {{
  rule {{
    path                = "{mount}/issue/web"
    capabilities        = ["update"]
    required_parameters = ["common_name"]
    allowed_parameter {{
      key   = "common_name"
      value = ["a.svc.example.test"]
    }}
    allowed_parameter {{
      key = "ttl"
    }}
    denied_parameter {{
      key   = "ttl"
      value = ["24h"]
    }}
  }}
}}

resource "vaultpki_policy" "p" {{
  name   = "{name}"
  policy = data.vaultpki_policy_document.d.hcl
}}
"#
    )));
    tf.apply();
    tf.assert_plan_empty();
    let token = env().bao_json(&[
        "token",
        "create",
        "-format=json",
        &format!("-policy={name}"),
    ])["auth"]["client_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let issue = |args: &[&str]| {
        let path = format!("{mount}/issue/web");
        let mut all = vec!["write", "-format=json", path.as_str()];
        all.extend_from_slice(args);
        env()
            .bao_at(&env().addr, &token, &all)
            .output()
            .expect("bao runs")
            .status
            .success()
    };
    assert!(issue(&["common_name=a.svc.example.test", "ttl=1h"]));
    assert!(!issue(&["ttl=1h"]), "required common_name not enforced");
    assert!(
        !issue(&["common_name=b.svc.example.test"]),
        "allowed values not enforced"
    );
    assert!(
        !issue(&["common_name=a.svc.example.test", "ttl=24h"]),
        "denied value not enforced"
    );
    assert!(
        !issue(&[
            "common_name=a.svc.example.test",
            "alt_names=c.svc.example.test"
        ]),
        "a parameter outside allowed_parameter was accepted"
    );
    tf.destroy();
    env().bao_ok(&["secrets", "disable", &mount]);
}
