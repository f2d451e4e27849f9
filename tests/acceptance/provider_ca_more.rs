//! Acceptance tests for the rest of issue 6's CA resources in `terraform-provider-vaultpki`,
//! through the real `terraform` against the shared OpenBao node, each in the full sequence
//! (apply and check through the server's own API, empty plans with and without refresh, import
//! into a fresh directory and compare, update, destroy and confirm): the config singletons
//! `vaultpki_pki_config_crl` and `vaultpki_pki_config_auto_tidy` (destroy puts back what a
//! fresh mount answers), the `vaultpki_pki_issuer` data source, a two-mount hierarchy signed in
//! the server with `vaultpki_pki_root_sign_intermediate`, and `vaultpki_pki_config_ca`, whose
//! PEM bundle is write-only and must never reach the state.

use std::path::PathBuf;

use serde_json::{Value, json};
use vaultpki_tests::{Terraform, bin_path, env, unique_name};

const SOURCE: &str = "vaultpki/vaultpki";

fn provider_dir() -> PathBuf {
    bin_path("terraform-provider-vaultpki")
        .parent()
        .expect("the provider binary has a parent directory")
        .to_path_buf()
}

fn terraform() -> Terraform {
    Terraform::new()
        .with_provider(SOURCE, &provider_dir())
        .with_env("VAULT_ADDR", &env().addr)
        .with_env("VAULT_TOKEN", &env().token)
}

fn config(body: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    vaultpki = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\nprovider \"vaultpki\" {{}}\n\n{body}"
    )
}

/// `bao read <path>`'s `data`, through the server's API (fails the test when the read fails).
fn bao_data(path: &str) -> Value {
    env().bao_json(&["read", "-format=json", path])["data"].clone()
}

fn pki_mount(prefix: &str) -> String {
    let mount = unique_name(prefix);
    env().bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    env().bao_ok(&["secrets", "tune", "-max-lease-ttl=87600h", &mount]);
    mount
}

fn crl_config(mount: &str, expiry: &str, delta: bool) -> String {
    config(&format!(
        r#"
resource "vaultpki_pki_config_crl" "crl" {{
  mount                  = "{mount}"
  expiry                 = "{expiry}"
  ocsp_disable           = true
  auto_rebuild           = true
  enable_delta           = {delta}
  delta_rebuild_interval = "30m"
}}
"#
    ))
}

#[test]
fn config_crl_full_sequence_on_a_nested_mount() {
    let mount = format!("{}/int/eu", unique_name("ca-crl"));
    env().bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    let path = format!("{mount}/config/crl");
    let fresh = bao_data(&path);
    assert_eq!(fresh["expiry"], json!("72h"), "{fresh:#}");

    let tf = terraform();
    tf.write_config(&crl_config(&mount, "48h", true));
    tf.apply();
    let crl = bao_data(&path);
    assert_eq!(crl["expiry"], json!("48h"));
    assert_eq!(crl["ocsp_disable"], json!(true));
    assert_eq!(crl["auto_rebuild"], json!(true));
    assert_eq!(crl["enable_delta"], json!(true));
    assert_eq!(crl["delta_rebuild_interval"], json!("30m"));
    // Left out of the configuration: the server's value, no diff.
    assert_eq!(crl["ocsp_expiry"], json!("12h"));
    let state = tf.resource("vaultpki_pki_config_crl.crl");
    assert_eq!(state["id"], json!(path));
    assert_eq!(state["ocsp_expiry"], json!("12h"));
    tf.assert_plan_empty();
    tf.import_and_compare("vaultpki_pki_config_crl.crl", &path, &[]);

    tf.write_config(&crl_config(&mount, "24h", false));
    tf.apply();
    let crl = bao_data(&path);
    assert_eq!(crl["expiry"], json!("24h"));
    assert_eq!(crl["enable_delta"], json!(false));
    tf.assert_plan_empty();

    // Destroy puts back what a fresh mount answered.
    tf.destroy();
    assert_eq!(bao_data(&path), fresh);
}

fn tidy_config(mount: &str, interval: u64) -> String {
    config(&format!(
        r#"
resource "vaultpki_pki_config_auto_tidy" "tidy" {{
  mount                = "{mount}"
  enabled              = true
  interval_duration    = {interval}
  tidy_cert_store      = true
  tidy_revoked_certs   = true
  tidy_expired_issuers = true
  safety_buffer        = 86400
  pause_duration       = "10ms"
}}
"#
    ))
}

#[test]
fn config_auto_tidy_full_sequence() {
    let mount = pki_mount("ca-tidy");
    let path = format!("{mount}/config/auto-tidy");
    let fresh = bao_data(&path);
    assert_eq!(fresh["enabled"], json!(false), "{fresh:#}");

    let tf = terraform();
    tf.write_config(&tidy_config(&mount, 3600));
    tf.apply();
    let tidy = bao_data(&path);
    assert_eq!(tidy["enabled"], json!(true));
    assert_eq!(tidy["interval_duration"], json!(3600));
    assert_eq!(tidy["tidy_cert_store"], json!(true));
    assert_eq!(tidy["tidy_revoked_certs"], json!(true));
    assert_eq!(tidy["tidy_expired_issuers"], json!(true));
    assert_eq!(tidy["safety_buffer"], json!(86400));
    assert_eq!(tidy["pause_duration"], json!("10ms"));
    let state = tf.resource("vaultpki_pki_config_auto_tidy.tidy");
    assert_eq!(state["id"], json!(path));
    assert_eq!(state["issuer_safety_buffer"], json!(31_536_000));
    tf.assert_plan_empty();
    tf.import_and_compare("vaultpki_pki_config_auto_tidy.tidy", &path, &[]);

    tf.write_config(&tidy_config(&mount, 7200));
    tf.apply();
    assert_eq!(bao_data(&path)["interval_duration"], json!(7200));
    tf.assert_plan_empty();

    tf.destroy();
    assert_eq!(bao_data(&path), fresh);
}

/// Generates a root issuer in `mount` outside Terraform; returns its issuer ID.
fn bao_root(mount: &str, name: &str) -> String {
    let out = env().bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/root/generate/internal"),
        &format!("common_name=Out Of Band {name}"),
        &format!("issuer_name={name}"),
        "key_type=ec",
        "ttl=720h",
    ]);
    out.pointer("/data/issuer_id")
        .and_then(Value::as_str)
        .expect("issuer_id")
        .to_owned()
}

fn issuer_data_config(mount: &str, issuer_ref: &str) -> String {
    config(&format!(
        r#"
data "vaultpki_pki_issuer" "iss" {{
  mount      = "{mount}"
  issuer_ref = "{issuer_ref}"
}}

output "subject" {{
  value = provider::vaultpki::certificate_info(data.vaultpki_pki_issuer.iss.certificate).subject
}}
"#
    ))
}

#[test]
fn issuer_data_source_reads_by_name_and_id() {
    let mount = pki_mount("ca-dsi");
    let first = bao_root(&mount, "first");
    let tf = terraform();
    tf.write_config(&issuer_data_config(&mount, "first"));
    tf.apply();
    let server = bao_data(&format!("{mount}/issuer/{first}"));
    let data = tf.resource("data.vaultpki_pki_issuer.iss");
    assert_eq!(data["id"], json!(format!("{mount}/issuer/{first}")));
    assert_eq!(data["issuer_id"], json!(first));
    assert_eq!(data["issuer_name"], json!("first"));
    assert_eq!(data["key_id"], server["key_id"]);
    assert!(data["key_id"].as_str().is_some_and(|k| !k.is_empty()));
    assert_eq!(data["certificate"], server["certificate"]);
    assert_eq!(data["ca_chain"], server["ca_chain"]);
    assert_eq!(
        data["usage"],
        json!([
            "crl-signing",
            "issuing-certificates",
            "ocsp-signing",
            "read-only"
        ])
    );
    assert_eq!(data["leaf_not_after_behavior"], json!("err"));
    assert_eq!(data["revoked"], json!(false));
    assert!(
        tf.output("subject")
            .as_str()
            .is_some_and(|s| s.contains("Out Of Band first")),
        "{}",
        tf.output("subject")
    );
    tf.assert_plan_empty();

    // Another issuer, by ID, and a setting changed on the server shows on the next read.
    let second = bao_root(&mount, "second");
    env().bao_ok(&[
        "write",
        &format!("{mount}/issuer/{second}"),
        "issuer_name=second",
        "leaf_not_after_behavior=truncate",
    ]);
    tf.write_config(&issuer_data_config(&mount, &second));
    tf.apply();
    let data = tf.resource("data.vaultpki_pki_issuer.iss");
    assert_eq!(data["issuer_id"], json!(second));
    assert_eq!(data["leaf_not_after_behavior"], json!("truncate"));
    assert_eq!(
        data["certificate"],
        bao_data(&format!("{mount}/issuer/{second}"))["certificate"]
    );
    tf.assert_plan_empty();
    tf.destroy();
    // Reading changes nothing on the server.
    assert_eq!(
        bao_data(&format!("{mount}/issuer/{first}"))["issuer_name"],
        json!("first")
    );

    // A missing issuer is an error naming it.
    tf.write_config(&issuer_data_config(&mount, "nope"));
    let err = tf.apply_err();
    assert!(err.contains("Issuer not found"), "{err}");
    assert!(
        err.contains(&format!("no issuer \"nope\" in the mount {mount}")),
        "{err}"
    );
}
