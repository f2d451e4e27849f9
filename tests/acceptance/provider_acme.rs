//! Acceptance tests for ACME on a PKI mount in `terraform-provider-vaultpki` (issue 9), through
//! the real `terraform` against the shared OpenBao node: `vaultpki_pki_config_cluster`,
//! `vaultpki_pki_config_acme` and `vaultpki_pki_acme_eab` on a `vaultpki_mount` that passes the
//! ACME headers, in the full sequence (apply and check through the server's own API, empty plans
//! with and without refresh, import into a fresh directory and compare, update, destroy and
//! confirm). The ACME settings go back to what a fresh mount answers and the EAB key is gone;
//! the cluster URLs stay (the server refuses empty ones), which the test checks too.

use serde_json::{Value, json};
use vaultpki_tests::bao::{bao_data, eab_ids};
use vaultpki_tests::{
    curl, env, planned_changes, provider_config, provider_terraform, unique_name,
};

/// `GET /v1/<mount>/acme/directory` without a token, as an ACME client does.
fn acme_directory(mount: &str) -> Value {
    let url = format!("{}/v1/{mount}/acme/directory", env().addr);
    let body = curl(&["-sS", "--fail-with-body", &url]);
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url} answered {body:?}: {e}"))
}

/// The mount, its cluster URLs, its ACME settings and (with `eab`) one EAB key.
fn acme_config(mount: &str, cluster_path: &str, eab_policy: &str, eab: bool) -> String {
    let addr = &env().addr;
    let eab_block = if eab {
        "\nresource \"vaultpki_pki_acme_eab\" \"k\" {\n  mount = vaultpki_pki_config_acme.acme.mount\n}\n"
    } else {
        ""
    };
    provider_config(&format!(
        r#"
resource "vaultpki_mount" "m" {{
  path                        = "{mount}"
  type                        = "pki"
  allowed_response_headers    = ["Last-Modified", "Location", "Replay-Nonce", "Link"]
  passthrough_request_headers = ["If-Modified-Since"]
}}

resource "vaultpki_pki_config_cluster" "cluster" {{
  mount    = vaultpki_mount.m.path
  path     = "{addr}/v1/{cluster_path}"
  aia_path = "{addr}/v1/{cluster_path}"
}}

resource "vaultpki_pki_role" "web" {{
  mount          = vaultpki_mount.m.path
  name           = "web"
  allow_any_name = true
}}

resource "vaultpki_pki_config_acme" "acme" {{
  mount                    = vaultpki_pki_config_cluster.cluster.mount
  enabled                  = true
  allowed_roles            = [vaultpki_pki_role.web.name]
  default_directory_policy = "role:${{vaultpki_pki_role.web.name}}"
  eab_policy               = "{eab_policy}"
}}
{eab_block}"#
    ))
}

#[test]
fn acme_config_cluster_and_eab_full_sequence() {
    let mount = unique_name("acme");
    let cluster_path = format!("{}/config/cluster", mount);
    let acme_path = format!("{mount}/config/acme");

    let tf = provider_terraform();
    tf.write_config(&acme_config(&mount, &mount, "not-required", true));
    tf.apply();

    // The server's own view.
    let tune = env().bao_json(&["read", "-format=json", &format!("sys/mounts/{mount}/tune")]);
    assert_eq!(
        tune["data"]["allowed_response_headers"],
        json!(["Last-Modified", "Location", "Replay-Nonce", "Link"]),
        "{tune:#}"
    );
    let cluster = bao_data(&cluster_path);
    assert_eq!(cluster["path"], json!(format!("{}/v1/{mount}", env().addr)));
    assert_eq!(
        cluster["aia_path"],
        json!(format!("{}/v1/{mount}", env().addr))
    );
    let acme = bao_data(&acme_path);
    assert_eq!(acme["enabled"], json!(true), "{acme:#}");
    assert_eq!(acme["allowed_roles"], json!(["web"]));
    assert_eq!(acme["default_directory_policy"], json!("role:web"));
    assert_eq!(acme["eab_policy"], json!("not-required"));
    // Left out of the configuration: the server's value, no diff.
    assert_eq!(acme["allowed_issuers"], json!(["*"]));
    let state = tf.resource("vaultpki_pki_config_acme.acme");
    assert_eq!(state["id"], json!(acme_path));
    assert_eq!(state["allowed_issuers"], json!(["*"]));
    assert_eq!(state["dns_resolver"], json!(""));

    let eab = tf.resource("vaultpki_pki_acme_eab.k");
    let key_id = eab["key_id"].as_str().expect("a key id").to_owned();
    assert!(!key_id.is_empty());
    assert_eq!(eab["id"], json!(format!("{mount}/eab/{key_id}")));
    assert!(
        eab["key"].as_str().is_some_and(|k| k.len() > 20),
        "the EAB key is in the state"
    );
    assert_eq!(eab["key_type"], json!("hs"));
    assert_eq!(eab["acme_directory"], json!("acme/directory"));
    assert_eq!(eab_ids(&mount), vec![key_id.clone()]);

    // ACME answers once the mount has an issuer: the directory, and a nonce in the
    // `Replay-Nonce` header the mount lets through.
    env().bao_ok(&[
        "write",
        &format!("{mount}/root/generate/internal"),
        "common_name=acme-test-root",
        "ttl=24h",
    ]);
    let dir = acme_directory(&mount);
    assert_eq!(
        dir["newNonce"],
        json!(format!("{}/v1/{mount}/acme/new-nonce", env().addr)),
        "{dir:#}"
    );
    assert_eq!(dir["meta"]["externalAccountRequired"], json!(false));
    let head = curl(&[
        "-sS",
        "-I",
        &format!("{}/v1/{mount}/acme/new-nonce", env().addr),
    ]);
    assert!(
        head.to_ascii_lowercase().contains("replay-nonce:"),
        "no Replay-Nonce header:\n{head}"
    );
    tf.assert_plan_empty();

    tf.import_and_compare("vaultpki_pki_config_cluster.cluster", &cluster_path, &[]);
    tf.import_and_compare("vaultpki_pki_config_acme.acme", &acme_path, &[]);
    let imported = tf.import_and_compare(
        "vaultpki_pki_acme_eab.k",
        &format!("{mount}/eab/{key_id}"),
        &["key"],
    );
    assert_eq!(
        imported.resource("vaultpki_pki_acme_eab.k")["key"],
        Value::Null,
        "an import cannot know the key"
    );

    // Update: another cluster path and an EAB policy.
    tf.write_config(&acme_config(
        &mount,
        &format!("{mount}-moved"),
        "new-account-required",
        true,
    ));
    tf.apply();
    assert_eq!(
        bao_data(&cluster_path)["path"],
        json!(format!("{}/v1/{mount}-moved", env().addr))
    );
    assert_eq!(
        bao_data(&acme_path)["eab_policy"],
        json!("new-account-required")
    );
    assert_eq!(
        acme_directory(&mount)["meta"]["externalAccountRequired"],
        json!(true)
    );
    assert_eq!(
        tf.resource("vaultpki_pki_acme_eab.k")["key_id"],
        json!(key_id),
        "the EAB key is kept"
    );
    tf.assert_plan_empty();

    // A key deleted outside Terraform leaves the state: the next plan creates a new one.
    env().bao_ok(&["delete", &format!("{mount}/eab/{key_id}")]);
    let plan = tf.plan();
    let changes = planned_changes(&plan);
    assert!(
        changes
            .iter()
            .any(|(addr, actions)| addr == "vaultpki_pki_acme_eab.k" && actions == &["create"]),
        "{changes:?}"
    );
    tf.apply();
    let new_id = tf.resource("vaultpki_pki_acme_eab.k")["key_id"]
        .as_str()
        .expect("a key id")
        .to_owned();
    assert_ne!(new_id, key_id);
    assert_eq!(eab_ids(&mount), vec![new_id]);

    // Destroy: the key is gone, the singletons are what a fresh mount answers (checked on the
    // mount before it goes: keep it and drop the rest first).
    tf.write_config(&provider_config(&format!(
        r#"
resource "vaultpki_mount" "m" {{
  path                        = "{mount}"
  type                        = "pki"
  allowed_response_headers    = ["Last-Modified", "Location", "Replay-Nonce", "Link"]
  passthrough_request_headers = ["If-Modified-Since"]
}}
"#
    )));
    tf.apply();
    assert!(eab_ids(&mount).is_empty(), "the EAB key is deleted");
    // The server refuses empty cluster URLs, so destroy only forgets them.
    assert_eq!(
        bao_data(&cluster_path)["path"],
        json!(format!("{}/v1/{mount}-moved", env().addr))
    );
    assert!(
        planned_changes(&tf.plan()).is_empty(),
        "nothing left to change after the partial destroy"
    );
    let acme = bao_data(&acme_path);
    assert_eq!(acme["enabled"], json!(false), "{acme:#}");
    assert_eq!(acme["allowed_roles"], json!(["*"]));
    assert_eq!(acme["default_directory_policy"], json!("sign-verbatim"));
    assert_eq!(acme["eab_policy"], json!("not-required"));
    tf.destroy();
}
