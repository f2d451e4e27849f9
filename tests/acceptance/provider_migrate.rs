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
use vaultpki_tests::bao::{bao_data, bao_read, policy_text};
use vaultpki_tests::official;
use vaultpki_tests::{
    PROVIDER_SOURCE, Terraform, env, openssl, planned_changes, provider_config, provider_dir,
    provider_terraform, unique_name,
};

/// hashicorp/vault's own resource types spelled as ours: `vault_x` becomes `vaultpki_x` where
/// the two differ by more than the prefix, and the prefix alone otherwise. This is the only edit
/// a hashicorp/vault user makes to a configuration.
const RENAMES: &[(&str, &str)] = &[
    // Before `..._issuer`, of which it is an extension.
    ("vault_pki_secret_backend_issuers", "vaultpki_pki_issuers"),
    ("vault_pki_secret_backend_keys", "vaultpki_pki_keys"),
    ("vault_pki_secret_backend_role", "vaultpki_pki_role"),
    (
        "vault_pki_secret_backend_root_cert",
        "vaultpki_pki_root_cert",
    ),
    (
        "vault_pki_secret_backend_config_urls",
        "vaultpki_pki_config_urls",
    ),
    ("vault_pki_secret_backend_issuer", "vaultpki_pki_issuer"),
    (
        "vault_pki_secret_backend_intermediate_cert_request",
        "vaultpki_pki_intermediate_csr",
    ),
    (
        "vault_pki_secret_backend_intermediate_set_signed",
        "vaultpki_pki_intermediate_set_signed",
    ),
    (
        "vault_pki_secret_backend_root_sign_intermediate",
        "vaultpki_pki_root_sign_intermediate",
    ),
    ("vault_pki_secret_backend_cert", "vaultpki_pki_cert"),
    ("vault_approle_auth_backend_role", "vaultpki_approle_role"),
    ("vault_auth_backend", "vaultpki_auth_backend"),
    ("vault_mount", "vaultpki_mount"),
    ("vault_policy", "vaultpki_policy"),
];

/// `hcl` with hashicorp/vault's type names renamed to ours, and nothing else changed.
fn renamed(hcl: &str) -> String {
    RENAMES.iter().fold(hcl.to_owned(), |text, (theirs, ours)| {
        text.replace(theirs, ours)
    })
}

/// Applies one renamed example, checks the server, requires an empty second plan, destroys.
fn apply_example(hcl: &str, check: impl FnOnce(&Terraform)) {
    let tf = provider_terraform();
    let hcl = renamed(hcl);
    assert!(
        !hcl.contains("\"vault_") && !hcl.contains(" vault_"),
        "{hcl}"
    );
    tf.write_config(&provider_config(&hcl));
    tf.apply();
    check(&tf);
    tf.assert_plan_empty();
    tf.destroy();
}

/// The "Example Usage" configurations of hashicorp/vault's documentation
/// (hashicorp/terraform-provider-vault, `website/docs/r/<type>.html.md`) for the types we have,
/// with the type names changed and nothing else, except where a comment says why: mount paths
/// are made unique (the tests share one server), a mount an example refers to without defining
/// it is added, and the deliberate differences listed in the migration guide
/// (docs/guides/migrating-from-vault-provider.md) are left out.
#[test]
fn official_examples_apply_with_the_types_renamed_alone() {
    let e = env();

    // vault_mount (the generic and PKI examples; the kv-v2 and transit ones set `options`,
    // which vaultpki_mount does not manage: see the guide).
    let dummy = unique_name("dummy");
    let pki_example = unique_name("pki-example");
    apply_example(
        &format!(
            r#"resource "vault_mount" "example" {{
  path        = "{dummy}"
  type        = "generic"
  description = "This is an example mount"
}}

resource "vault_mount" "pki-example" {{
  path        = "{pki_example}"
  type        = "pki"
  description = "This is an example PKI mount"

  default_lease_ttl_seconds = 3600
  max_lease_ttl_seconds     = 86400
}}
"#
        ),
        |_| {
            let tune = e.bao_json(&[
                "read",
                "-format=json",
                &format!("sys/mounts/{pki_example}/tune"),
            ]);
            assert_eq!(tune["data"]["default_lease_ttl"], 3600);
            assert_eq!(tune["data"]["max_lease_ttl"], 86400);
            assert_eq!(tune["data"]["description"], "This is an example PKI mount");
            let mounts = e.bao_json(&["secrets", "list", "-format=json"]);
            assert_eq!(
                mounts[format!("{dummy}/")]["description"],
                "This is an example mount"
            );
        },
    );

    // vault_policy.
    let policy = unique_name("dev-team");
    apply_example(
        &format!(
            r#"resource "vault_policy" "example" {{
  name            = "{policy}"
  allow_overwrite = false

  policy = <<EOT
path "secret/my_app" {{
  capabilities = ["update"]
}}
EOT
}}
"#
        ),
        |_| {
            let text = policy_text(&policy).expect("the policy exists");
            assert!(text.contains(r#"path "secret/my_app""#), "{text}");
        },
    );

    // vault_pki_secret_backend_role.
    let pki = unique_name("pki");
    apply_example(
        &format!(
            r#"resource "vault_mount" "pki" {{
  path                      = "{pki}"
  type                      = "pki"
  default_lease_ttl_seconds = 3600
  max_lease_ttl_seconds     = 86400
}}

resource "vault_pki_secret_backend_role" "role" {{
  backend          = vault_mount.pki.path
  name             = "my_role"
  ttl              = 3600
  allow_ip_sans    = true
  key_type         = "rsa"
  key_bits         = 4096
  allowed_domains  = ["example.com", "my.domain"]
  allow_subdomains = true
}}
"#
        ),
        |tf| {
            let role = bao_data(&format!("{pki}/roles/my_role"));
            assert_eq!(role["ttl"], 3600);
            assert_eq!(role["key_bits"], 4096);
            assert_eq!(role["allow_subdomains"], true);
            assert_eq!(role["allowed_domains"], json!(["example.com", "my.domain"]));
            // Both spellings are in the state, so references to either work.
            let state = tf.resource("vaultpki_pki_role.role");
            assert_eq!(state["backend"], pki.as_str());
            assert_eq!(state["mount"], pki.as_str());
        },
    );

    // vault_approle_auth_backend_role (the auth method's path made unique).
    let approle = unique_name("approle");
    apply_example(
        &format!(
            r#"resource "vault_auth_backend" "approle" {{
  type = "approle"
  path = "{approle}"
}}

resource "vault_approle_auth_backend_role" "example" {{
  backend        = vault_auth_backend.approle.path
  role_name      = "test-role"
  token_policies = ["default", "dev", "prod"]
}}
"#
        ),
        |_| {
            let role = bao_data(&format!("auth/{approle}/role/test-role"));
            assert_eq!(role["token_policies"], json!(["default", "dev", "prod"]));
        },
    );

    // vault_pki_secret_backend_root_cert (the example refers to `vault_mount.pki` without
    // defining it: added, with a maximum TTL that allows the example's ten years). `ou` and
    // `organization` are lists here, as the API takes them (a string is hashicorp/vault's
    // spelling; see the guide).
    let root = unique_name("pki-root");
    apply_example(
        &format!(
            r#"resource "vault_mount" "pki" {{
  path                  = "{root}"
  type                  = "pki"
  max_lease_ttl_seconds = 315360000
}}

resource "vault_pki_secret_backend_root_cert" "test" {{
  depends_on           = [vault_mount.pki]
  backend              = vault_mount.pki.path
  type                 = "internal"
  common_name          = "Root CA"
  ttl                  = "315360000"
  format               = "pem"
  private_key_format   = "der"
  key_type             = "rsa"
  key_bits             = 4096
  exclude_cn_from_sans = true
  ou                   = ["My OU"]
  organization         = ["My organization"]
}}
"#
        ),
        |tf| {
            let state = tf.resource("vaultpki_pki_root_cert.test");
            let key_id = state["key_id"].as_str().expect("key_id");
            let key = bao_data(&format!("{root}/key/{key_id}"));
            assert_eq!(key["key_type"], "rsa");
            let issuer_id = state["issuer_id"].as_str().expect("issuer_id");
            let issuer = bao_data(&format!("{root}/issuer/{issuer_id}"));
            let pem = issuer["certificate"].as_str().expect("certificate");
            tf.write_file("root.pem", pem);
            let text = openssl(tf.dir(), &["x509", "-in", "root.pem", "-noout", "-text"]);
            assert!(
                text.contains("CN = Root CA") || text.contains("CN=Root CA"),
                "{text}"
            );
            assert!(
                text.contains("My OU") && text.contains("Public-Key: (4096 bit)"),
                "{text}"
            );
        },
    );

    // vault_pki_secret_backend_config_urls.
    let urls_mount = unique_name("pki-root");
    apply_example(
        &format!(
            r#"resource "vault_mount" "root" {{
  path                      = "{urls_mount}"
  type                      = "pki"
  description               = "root PKI"
  default_lease_ttl_seconds = 8640000
  max_lease_ttl_seconds     = 8640000
}}

resource "vault_pki_secret_backend_config_urls" "example" {{
  backend = vault_mount.root.path
  issuing_certificates = [
    "http://127.0.0.1:8200/v1/pki/ca",
  ]
}}
"#
        ),
        |_| {
            let urls = bao_data(&format!("{urls_mount}/config/urls"));
            assert_eq!(
                urls["issuing_certificates"],
                json!(["http://127.0.0.1:8200/v1/pki/ca"])
            );
        },
    );

    // vault_pki_secret_backend_issuer: refers to the root's `backend` and `issuer_id`.
    let issuer_mount = unique_name("pki");
    apply_example(
        &format!(
            r#"resource "vault_mount" "pki" {{
  path                      = "{issuer_mount}"
  type                      = "pki"
  default_lease_ttl_seconds = 3600
  max_lease_ttl_seconds     = 86400
}}

resource "vault_pki_secret_backend_root_cert" "root" {{
  backend     = vault_mount.pki.path
  type        = "internal"
  common_name = "test"
  ttl         = "86400"
}}

resource "vault_pki_secret_backend_issuer" "example" {{
  backend     = vault_pki_secret_backend_root_cert.root.backend
  issuer_ref  = vault_pki_secret_backend_root_cert.root.issuer_id
  issuer_name = "example-issuer"
}}
"#
        ),
        |tf| {
            let id = tf.resource("vaultpki_pki_issuer.example")["issuer_id"]
                .as_str()
                .expect("issuer_id")
                .to_owned();
            let issuer = bao_data(&format!("{issuer_mount}/issuer/{id}"));
            assert_eq!(issuer["issuer_name"], "example-issuer");
        },
    );

    // The data sources vault_pki_secret_backend_issuers and vault_pki_secret_backend_keys.
    let listed = unique_name("pki");
    apply_example(
        &format!(
            r#"resource "vault_mount" "pki" {{
  path        = "{listed}"
  type        = "pki"
  description = "PKI secret engine mount"
}}

resource "vault_pki_secret_backend_root_cert" "root" {{
  backend     = vault_mount.pki.path
  type        = "internal"
  common_name = "example"
  ttl         = "86400"
  issuer_name = "example"
  key_name    = "example"
}}

data "vault_pki_secret_backend_issuers" "test" {{
  backend     = vault_pki_secret_backend_root_cert.root.backend
}}

data "vault_pki_secret_backend_keys" "example" {{
  backend     = vault_pki_secret_backend_root_cert.root.backend
}}
"#
        ),
        |tf| {
            let root = tf.resource("vaultpki_pki_root_cert.root");
            let issuers = tf.resource("data.vaultpki_pki_issuers.test");
            assert_eq!(issuers["backend"], listed.as_str());
            assert_eq!(issuers["default"], root["issuer_id"], "{issuers:#}");
            let keys = tf.resource("data.vaultpki_pki_keys.example");
            assert_eq!(keys["default"], root["key_id"], "{keys:#}");
            let listed_keys = e.bao_json(&["list", "-format=json", &format!("{listed}/keys")]);
            assert_eq!(listed_keys, json!([root["key_id"].clone()]));
        },
    );
    // (The issuer data source's example names `vault_pki_secret_backend_root_cert.root.path`,
    // an attribute neither provider has; the listings above cover the data sources.)

    // vault_pki_secret_backend_intermediate_set_signed: the whole chain (two mounts, a root, a
    // CSR that refers to the root's `type`, the signature, the signed intermediate set back).
    // The subject fields are lists here (see the root example above).
    let chain_root = unique_name("pki-root");
    let chain_int = unique_name("pki-int");
    apply_example(
        &format!(
            r#"resource "vault_mount" "root" {{
  path                      = "{chain_root}"
  type                      = "pki"
  description               = "root"
  default_lease_ttl_seconds = 8640000
  max_lease_ttl_seconds     = 8640000
}}

resource "vault_mount" "intermediate" {{
  path                      = "{chain_int}"
  type                      = vault_mount.root.type
  description               = "intermediate"
  default_lease_ttl_seconds = 86400
  max_lease_ttl_seconds     = 86400
}}

resource "vault_pki_secret_backend_root_cert" "example" {{
  backend              = vault_mount.root.path
  type                 = "internal"
  common_name          = "RootOrg Root CA"
  ttl                  = 86400
  format               = "pem"
  private_key_format   = "der"
  key_type             = "rsa"
  key_bits             = 4096
  exclude_cn_from_sans = true
  ou                   = ["Organizational Unit"]
  organization         = ["RootOrg"]
  country              = ["US"]
  locality             = ["San Francisco"]
  province             = ["CA"]
}}

resource "vault_pki_secret_backend_intermediate_cert_request" "example" {{
  backend     = vault_mount.intermediate.path
  type        = vault_pki_secret_backend_root_cert.example.type
  common_name = "SubOrg Intermediate CA"
}}

resource "vault_pki_secret_backend_root_sign_intermediate" "example" {{
  backend              = vault_mount.root.path
  csr                  = vault_pki_secret_backend_intermediate_cert_request.example.csr
  common_name          = "SubOrg Intermediate CA"
  exclude_cn_from_sans = true
  ou                   = ["SubUnit"]
  organization         = ["SubOrg"]
  country              = ["US"]
  locality             = ["San Francisco"]
  province             = ["CA"]
  revoke               = true
}}

resource "vault_pki_secret_backend_intermediate_set_signed" "example" {{
  backend     = vault_mount.intermediate.path
  certificate = vault_pki_secret_backend_root_sign_intermediate.example.certificate
}}
"#
        ),
        |tf| {
            let set = tf.resource("vaultpki_pki_intermediate_set_signed.example");
            let issuer_id = set["issuer_id"].as_str().expect("issuer_id");
            let issuer = bao_data(&format!("{chain_int}/issuer/{issuer_id}"));
            tf.write_file(
                "int.pem",
                issuer["certificate"].as_str().expect("certificate"),
            );
            let text = openssl(
                tf.dir(),
                &["x509", "-in", "int.pem", "-noout", "-subject", "-issuer"],
            );
            assert!(text.contains("SubOrg Intermediate CA"), "{text}");
            assert!(text.contains("RootOrg Root CA"), "{text}");
        },
    );

    // vault_pki_secret_backend_cert: the example refers to a mount, a role `test` and a role
    // `admin` it does not define; they are added (with a root so that the mount can issue).
    let cert_mount = unique_name("pki-int");
    apply_example(
        &format!(
            r#"resource "vault_mount" "intermediate" {{
  path                  = "{cert_mount}"
  type                  = "pki"
  max_lease_ttl_seconds = 315360000
}}

resource "vault_pki_secret_backend_root_cert" "root" {{
  backend     = vault_mount.intermediate.path
  type        = "internal"
  common_name = "Example CA"
  ttl         = "87600h"
}}

resource "vault_pki_secret_backend_role" "test" {{
  backend          = vault_pki_secret_backend_root_cert.root.backend
  name             = "test"
  allowed_domains  = ["my.domain"]
  allow_subdomains = true
}}

resource "vault_pki_secret_backend_role" "admin" {{
  backend          = vault_pki_secret_backend_root_cert.root.backend
  name             = "admin"
  allowed_domains  = ["my.domain"]
  allow_subdomains = true
}}

resource "vault_pki_secret_backend_cert" "app" {{
  depends_on = [vault_pki_secret_backend_role.admin]

  backend = vault_mount.intermediate.path
  name = vault_pki_secret_backend_role.test.name

  common_name = "app.my.domain"
}}
"#
        ),
        |tf| {
            let cert = tf.resource("vaultpki_pki_cert.app");
            // `name` is hashicorp/vault's spelling of the role: both are in the state.
            assert_eq!(cert["role"], "test");
            assert_eq!(cert["name"], "test");
            let serial = cert["serial_number"].as_str().expect("serial_number");
            let issued = bao_data(&format!("{cert_mount}/cert/{serial}"));
            tf.write_file(
                "app.pem",
                issued["certificate"].as_str().expect("certificate"),
            );
            let text = openssl(tf.dir(), &["x509", "-in", "app.pem", "-noout", "-subject"]);
            assert!(text.contains("app.my.domain"), "{text}");
        },
    );
}

/// `backend` and `mount` are one attribute spelled two ways: both set is refused at plan time
/// with both named; switching the spelling with the same value plans nothing; another value
/// replaces the role.
#[test]
fn backend_is_another_spelling_of_mount() {
    let e = env();
    let mount = unique_name("spelling");
    let other = unique_name("spelling2");
    let tf = provider_terraform();
    let config = |attr: &str, target: &str| {
        provider_config(&format!(
            r#"resource "vaultpki_mount" "pki" {{
  path = "{mount}"
  type = "pki"
}}

resource "vaultpki_mount" "other" {{
  path = "{other}"
  type = "pki"
}}

resource "vaultpki_pki_role" "r" {{
  {attr} = vaultpki_mount.{target}.path
  name = "r"
}}
"#
        ))
    };
    tf.write_config(&config("mount = vaultpki_mount.pki.path\n  backend", "pki"));
    let out = tf.run(&["plan", "-input=false", "-no-color"]);
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{shown}");
    assert!(
        shown.contains("Conflicting attributes: mount and backend"),
        "{shown}"
    );
    assert!(
        bao_read(&format!("sys/mounts/{mount}")).is_none(),
        "nothing is created"
    );

    tf.write_config(&config("backend", "pki"));
    tf.apply();
    assert!(bao_read(&format!("{mount}/roles/r")).is_some());
    tf.assert_plan_empty();
    let before = e.bao_json(&["read", "-format=json", &format!("{mount}/roles/r")]);

    // The other spelling, same value: no change at all.
    tf.write_config(&config("mount", "pki"));
    tf.assert_plan_empty();
    tf.apply();
    let after = e.bao_json(&["read", "-format=json", &format!("{mount}/roles/r")]);
    assert_eq!(before["data"], after["data"]);

    // Another mount under either spelling replaces the role.
    tf.write_config(&config("backend", "other"));
    let plan = tf.plan();
    let actions = plan
        .pointer("/resource_changes")
        .and_then(Value::as_array)
        .and_then(|rcs| rcs.iter().find(|rc| rc["address"] == "vaultpki_pki_role.r"))
        .map(|rc| rc["change"]["actions"].clone());
    assert_eq!(actions, Some(json!(["delete", "create"])), "{plan:#}");
    tf.apply();
    assert!(bao_read(&format!("{other}/roles/r")).is_some());
    assert!(bao_read(&format!("{mount}/roles/r")).is_none());
    tf.assert_plan_empty();
    tf.destroy();
}

/// As hashicorp/vault's `vault_auth_backend`, `vaultpki_auth_backend` mounts at its `type` when
/// `path` is left out (the official AppRole examples rely on it). `userpass` because no other
/// test mounts it at its default path on the shared server.
#[test]
fn auth_backend_path_defaults_to_its_type() {
    let e = env();
    let tf = provider_terraform();
    tf.write_config(&provider_config(
        r#"resource "vaultpki_auth_backend" "example" {
  type = "userpass"
}
"#,
    ));
    tf.apply();
    assert_eq!(
        tf.resource("vaultpki_auth_backend.example")["path"],
        "userpass"
    );
    let methods = e.bao_json(&["auth", "list", "-format=json"]);
    assert_eq!(methods["userpass/"]["type"], "userpass", "{methods:#}");
    tf.assert_plan_empty();
    tf.destroy();
    let methods = e.bao_json(&["auth", "list", "-format=json"]);
    assert!(methods.get("userpass/").is_none(), "{methods:#}");
}

/// hashicorp/vault-style durations (strings with units, and numbers) on the renamed role types.
#[test]
fn durations_as_strings_apply_and_plan_empty() {
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
  backend          = vaultpki_mount.pki.path
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
  backend        = vaultpki_auth_backend.approle.path
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
  backend          = vaultpki_mount.pki.path
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
  backend              = vaultpki_mount.pki.path
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

    // The plan shows every move and nothing else, whether the configuration kept hashicorp/vault's
    // `backend` (the role, the URLs) or switched to `mount` (the issuer, the AppRole role).
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
