//! Acceptance test of the migration from the official `hashicorp/vault` provider: `moved`
//! blocks from `vault_*` resources to the `vaultpki_*` types, through the real `terraform`
//! against the shared OpenBao node.
//!
//! The official provider cannot be downloaded here (no network), so the prior state is written by
//! hand in the shape that provider stores (state format 4, its attribute names, its schema
//! versions) after the objects have been created through the API, as the official provider
//! would have left them, and `hashicorp/vault` is served by a stand-in: see
//! `vaultpki_tests::official`.

use serde_json::{Value, json};
use vaultpki_tests::official;
use vaultpki_tests::{
    PROVIDER_SOURCE, Terraform, env, planned_changes, provider_config, provider_dir,
    provider_terraform, unique_name,
};

/// The official provider's documentation examples of `vault_pki_secret_backend_role` and
/// `vault_approle_auth_backend_role`, durations written as its users write them (strings with
/// units, and numbers), with the types renamed and `backend` spelled `mount`.
#[test]
fn official_examples_apply_with_durations_as_strings_and_plan_empty() {
    let e = env();
    let mount = unique_name("hc-pki");
    let auth = unique_name("hc-approle");
    let tf = provider_terraform();
    tf.write_config(&provider_config(&format!(
        r#"resource "vaultpki_mount" "pki" {{
  path                      = "{mount}"
  type                      = "pki"
  default_lease_ttl_seconds = 3600
  max_lease_ttl_seconds     = 86400
}}

resource "vaultpki_pki_role" "role" {{
  mount            = vaultpki_mount.pki.path
  name             = "my_role"
  ttl              = "1h"
  max_ttl          = "72h"
  allow_ip_sans    = true
  key_type         = "rsa"
  key_bits         = 4096
  allowed_domains  = ["example.com", "my.domain"]
  allow_subdomains = true
}}

resource "vaultpki_auth_backend" "approle" {{
  path = "{auth}"
  type = "approle"
}}

resource "vaultpki_approle_role" "example" {{
  mount          = vaultpki_auth_backend.approle.path
  role_name      = "test-role"
  token_policies = ["default", "dev", "prod"]
  token_ttl      = 3600
  token_max_ttl  = "4h"
}}
"#
    )));
    tf.apply();
    let role = e.bao_json(&["read", "-format=json", &format!("{mount}/roles/my_role")]);
    assert_eq!(role["data"]["ttl"], 3600);
    assert_eq!(role["data"]["max_ttl"], 259_200);
    assert_eq!(role["data"]["key_bits"], 4096);
    let approle = e.bao_json(&[
        "read",
        "-format=json",
        &format!("auth/{auth}/role/test-role"),
    ]);
    assert_eq!(approle["data"]["token_ttl"], 3600);
    assert_eq!(approle["data"]["token_max_ttl"], 14_400);
    // The state keeps the configured spelling; the second plan is empty.
    assert_eq!(tf.resource("vaultpki_pki_role.role")["max_ttl"], "72h");
    assert_eq!(
        tf.resource("vaultpki_approle_role.example")["token_ttl"],
        "3600"
    );
    tf.assert_plan_empty();
    tf.destroy();
}

#[test]
fn moved_blocks_take_over_official_provider_state_without_changes() {
    let e = env();
    let mount = unique_name("mig-pki");
    let auth = unique_name("mig-approle");
    let policy = unique_name("mig-pol");
    let policy_text = "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n";

    // The objects as the official provider would have created them.
    e.bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    e.bao_ok(&["auth", "enable", &format!("-path={auth}"), "approle"]);
    e.bao_ok(&[
        "write",
        &format!("sys/policies/acl/{policy}"),
        &format!("policy={policy_text}"),
    ]);
    let root = e.bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/root/generate/internal"),
        "common_name=Migration Root",
        "issuer_name=root",
        "key_type=ec",
        "ttl=87600h",
    ]);
    let issuer_id = root["data"]["issuer_id"]
        .as_str()
        .expect("the root has an issuer_id")
        .to_owned();
    e.bao_ok(&[
        "write",
        &format!("{mount}/roles/web"),
        "allowed_domains=example.com",
        "allow_subdomains=true",
        "ttl=3600",
        "max_ttl=7200",
        "key_type=ec",
        "key_bits=256",
    ]);
    e.bao_ok(&[
        "write",
        &format!("{mount}/config/urls"),
        "issuing_certificates=http://ca.example.com/ca",
    ]);
    e.bao_ok(&[
        "write",
        &format!("auth/{auth}/role/ci"),
        &format!("token_policies={policy}"),
        "token_ttl=600",
        "secret_id_ttl=0",
    ]);
    let role_id = e.bao_json(&[
        "read",
        "-format=json",
        &format!("auth/{auth}/role/ci/role-id"),
    ])["data"]["role_id"]
        .as_str()
        .expect("a role_id")
        .to_owned();

    let stand_in = official::stand_in();
    let tf = Terraform::new()
        .with_provider(PROVIDER_SOURCE, &provider_dir())
        .with_provider("hashicorp/vault", stand_in.path())
        .with_env("VAULT_ADDR", &e.addr)
        .with_env("VAULT_TOKEN", &e.token);
    tf.write_file(
        "terraform.tfstate",
        &official::state_file(vec![
            official::instance(
                "vault_mount",
                "pki",
                0,
                json!({
                    "id": mount, "path": mount, "type": "pki", "description": "",
                    "default_lease_ttl_seconds": 0, "max_lease_ttl_seconds": 0,
                    "local": false, "seal_wrap": false, "external_entropy_access": false,
                    "options": null, "namespace": null, "accessor": "",
                    "audit_non_hmac_request_keys": [], "audit_non_hmac_response_keys": [],
                    "allowed_managed_keys": [], "passthrough_request_headers": [],
                    "allowed_response_headers": [], "listing_visibility": "",
                    "plugin_version": "", "delegated_auth_accessors": [],
                    "identity_token_key": "",
                }),
            ),
            official::instance(
                "vault_auth_backend",
                "approle",
                1,
                json!({
                    "id": auth, "path": auth, "type": "approle", "description": "",
                    "local": false, "accessor": "", "disable_remount": false,
                    "namespace": null, "identity_token_key": "", "tune": [],
                }),
            ),
            official::instance(
                "vault_policy",
                "ops",
                0,
                json!({ "id": policy, "name": policy, "policy": policy_text, "namespace": null }),
            ),
            official::instance(
                "vault_pki_secret_backend_role",
                "web",
                0,
                json!({
                    "id": format!("{mount}/roles/web"), "backend": mount, "name": "web",
                    "ttl": "3600", "max_ttl": "7200", "allowed_domains": ["example.com"],
                    "allow_subdomains": true, "key_type": "ec", "key_bits": 256,
                    "namespace": null,
                    // Cannot be carried (CPS/notice qualifiers): the move warns and goes on.
                    "policy_identifier": [],
                }),
            ),
            official::instance(
                "vault_pki_secret_backend_config_urls",
                "urls",
                0,
                json!({
                    "id": format!("{mount}/config/urls"), "backend": mount,
                    "issuing_certificates": ["http://ca.example.com/ca"],
                    "crl_distribution_points": [], "ocsp_servers": [],
                    "enable_templating": false, "namespace": null,
                }),
            ),
            official::instance(
                "vault_pki_secret_backend_issuer",
                "root",
                0,
                json!({
                    "id": format!("{mount}/issuer/{issuer_id}"), "backend": mount,
                    "issuer_ref": issuer_id, "issuer_id": issuer_id, "issuer_name": "root",
                    "leaf_not_after_behavior": "err",
                    "usage": "read-only,issuing-certificates,crl-signing,ocsp-signing",
                    "manual_chain": [], "namespace": null,
                }),
            ),
            official::instance(
                "vault_approle_auth_backend_role",
                "ci",
                0,
                json!({
                    "id": format!("auth/{auth}/role/ci"), "backend": auth, "role_name": "ci",
                    "role_id": role_id, "bind_secret_id": true,
                    "token_policies": [policy], "token_ttl": 600, "secret_id_ttl": 0,
                    "namespace": null,
                    // The deprecated spelling has no counterpart: a warning, not a failure.
                    "policies": [policy],
                }),
            ),
        ]),
    );
    tf.write_config(&format!(
        r#"terraform {{
  required_providers {{
    vaultpki = {{ source = "{PROVIDER_SOURCE}" }}
  }}
}}

provider "vaultpki" {{}}

resource "vaultpki_mount" "pki" {{
  path = "{mount}"
  type = "pki"
}}
moved {{
  from = vault_mount.pki
  to   = vaultpki_mount.pki
}}

resource "vaultpki_auth_backend" "approle" {{
  path = "{auth}"
  type = "approle"
}}
moved {{
  from = vault_auth_backend.approle
  to   = vaultpki_auth_backend.approle
}}

resource "vaultpki_policy" "ops" {{
  name   = "{policy}"
  policy = <<-EOT
    path "secret/*" {{
      capabilities = ["read"]
    }}
  EOT
}}
moved {{
  from = vault_policy.ops
  to   = vaultpki_policy.ops
}}

resource "vaultpki_pki_role" "web" {{
  mount            = vaultpki_mount.pki.path
  name             = "web"
  allowed_domains  = ["example.com"]
  allow_subdomains = true
  ttl              = 3600
  max_ttl          = 7200
  key_type         = "ec"
  key_bits         = 256
}}
moved {{
  from = vault_pki_secret_backend_role.web
  to   = vaultpki_pki_role.web
}}

resource "vaultpki_pki_config_urls" "urls" {{
  mount                = vaultpki_mount.pki.path
  issuing_certificates = ["http://ca.example.com/ca"]
}}
moved {{
  from = vault_pki_secret_backend_config_urls.urls
  to   = vaultpki_pki_config_urls.urls
}}

resource "vaultpki_pki_issuer" "root" {{
  mount                   = vaultpki_mount.pki.path
  issuer_ref              = "{issuer_id}"
  issuer_name             = "root"
  leaf_not_after_behavior = "err"
}}
moved {{
  from = vault_pki_secret_backend_issuer.root
  to   = vaultpki_pki_issuer.root
}}

resource "vaultpki_approle_role" "ci" {{
  mount          = vaultpki_auth_backend.approle.path
  role_name      = "ci"
  token_policies = ["{policy}"]
  token_ttl      = 600
}}
moved {{
  from = vault_approle_auth_backend_role.ci
  to   = vaultpki_approle_role.ci
}}
"#
    ));

    // What cannot be carried over is shown to the user as a warning with the move.
    let shown = tf.run_ok(&["plan", "-input=false", "-no-color"]);
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&shown.stdout),
        String::from_utf8_lossy(&shown.stderr)
    );
    assert!(
        shown.contains("Attribute not carried over")
            && shown.contains("`policies` of the moved vault_approle_auth_backend_role"),
        "the move's warning is not shown:\n{shown}"
    );

    // The plan shows every move and nothing else.
    let plan = tf.plan();
    let changes = plan["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let mut moves: Vec<(String, String)> = changes
        .iter()
        .map(|rc| {
            (
                rc["previous_address"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                rc["address"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    moves.sort();
    let mut expected: Vec<(String, String)> = [
        (
            "vault_approle_auth_backend_role.ci",
            "vaultpki_approle_role.ci",
        ),
        (
            "vault_auth_backend.approle",
            "vaultpki_auth_backend.approle",
        ),
        ("vault_mount.pki", "vaultpki_mount.pki"),
        (
            "vault_pki_secret_backend_config_urls.urls",
            "vaultpki_pki_config_urls.urls",
        ),
        (
            "vault_pki_secret_backend_issuer.root",
            "vaultpki_pki_issuer.root",
        ),
        ("vault_pki_secret_backend_role.web", "vaultpki_pki_role.web"),
        ("vault_policy.ops", "vaultpki_policy.ops"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    expected.sort();
    assert_eq!(moves, expected, "plan:\n{plan:#}");
    assert_eq!(planned_changes(&plan), Vec::new(), "plan:\n{plan:#}");

    tf.run_ok(&["apply", "-input=false", "-no-color", "tfplan"]);
    tf.assert_plan_empty();

    // The state now belongs to vaultpki, with our IDs, and nothing of the official provider.
    let state = tf.state();
    let resources = state
        .pointer("/values/root_module/resources")
        .and_then(Value::as_array)
        .expect("resources in state");
    assert_eq!(resources.len(), 7, "{state:#}");
    for r in resources {
        assert_eq!(
            r["provider_name"], "registry.terraform.io/vaultpki/vaultpki",
            "{r:#}"
        );
    }
    assert_eq!(
        tf.resource("vaultpki_mount.pki")["id"],
        format!("sys/mounts/{mount}")
    );
    assert_eq!(
        tf.resource("vaultpki_policy.ops")["id"],
        format!("sys/policies/acl/{policy}")
    );
    assert_eq!(tf.resource("vaultpki_approle_role.ci")["role_id"], role_id);
    assert_eq!(
        tf.resource("vaultpki_pki_issuer.root")["issuer_id"],
        issuer_id
    );
    // Durations are carried as the official provider stored them (strings).
    assert_eq!(tf.resource("vaultpki_pki_role.web")["max_ttl"], "7200");

    // Nothing on the server was touched by the move: the role still has its settings.
    let role = e.bao_json(&["read", "-format=json", &format!("{mount}/roles/web")]);
    assert_eq!(role["data"]["max_ttl"], 7200);

    tf.destroy();
}

#[test]
fn namespaced_official_state_is_refused_with_a_diagnostic() {
    let e = env();
    let policy = unique_name("mig-ns");
    let stand_in = official::stand_in();
    let tf = Terraform::new()
        .with_provider(PROVIDER_SOURCE, &provider_dir())
        .with_provider("hashicorp/vault", stand_in.path())
        .with_env("VAULT_ADDR", &e.addr)
        .with_env("VAULT_TOKEN", &e.token);
    tf.write_file(
        "terraform.tfstate",
        &official::state_file(vec![official::instance(
            "vault_policy",
            "ops",
            0,
            json!({ "id": policy, "name": policy, "policy": "", "namespace": "team-a" }),
        )]),
    );
    tf.write_config(&format!(
        r#"terraform {{
  required_providers {{
    vaultpki = {{ source = "{PROVIDER_SOURCE}" }}
  }}
}}

provider "vaultpki" {{}}

resource "vaultpki_policy" "ops" {{
  name   = "{policy}"
  policy = ""
}}
moved {{
  from = vault_policy.ops
  to   = vaultpki_policy.ops
}}
"#
    ));
    let out = tf.run(&["plan", "-input=false", "-no-color"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "plan must fail:\n{text}");
    assert!(
        text.contains("Cannot move a namespaced resource")
            && text.contains("namespace = \"team-a\""),
        "{text}"
    );
    // Nothing was created on the server.
    let read = e
        .bao(&["read", &format!("sys/policies/acl/{policy}")])
        .output()
        .expect("bao runs");
    assert!(!read.status.success(), "the policy must not exist");
}
