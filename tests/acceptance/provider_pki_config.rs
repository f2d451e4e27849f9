//! Acceptance tests for a PKI mount's config singletons (`resources/config_singleton.rs` and
//! `pki_config_issuers.rs`, `pki_config_urls.rs`, `pki_config_crl.rs`, `pki_config_auto_tidy.rs`)
//! through the real `terraform` against the shared OpenBao node, each in the full sequence;
//! destroy puts back what a fresh mount answers. (`config/acme` and `config/cluster` are in
//! `provider_acme`.)

use serde_json::json;
use vaultpki_tests::bao::{bao_data, bao_read, bao_root, pki_mount};
use vaultpki_tests::{env, planned_changes, provider_config, provider_terraform, unique_name};

fn config_issuers_config(mount: &str, default: &str) -> String {
    provider_config(&format!(
        r#"
resource "vaultpki_pki_config_issuers" "cfg" {{
  mount   = "{mount}"
  default = "{default}"
}}
"#
    ))
}

#[test]
fn config_issuers_full_sequence() {
    let mount = pki_mount("ca-cfg");
    let first = bao_root(&mount, "first");
    let second = bao_root(&mount, "second");
    let path = format!("{mount}/config/issuers");
    let tf = provider_terraform();
    tf.write_config(&config_issuers_config(&mount, &second));
    tf.apply();
    assert_eq!(bao_read(&path).expect("config")["default"], json!(second));
    tf.assert_plan_empty();
    tf.import_and_compare("vaultpki_pki_config_issuers.cfg", &path, &[]);

    // By name: the server answers with the ID, and the name stays without a diff.
    tf.write_config(&config_issuers_config(&mount, "first"));
    tf.apply();
    assert_eq!(bao_read(&path).expect("config")["default"], json!(first));
    let state = tf.resource("vaultpki_pki_config_issuers.cfg");
    assert_eq!(state["default"], json!("first"));
    assert_eq!(state["default_issuer_id"], json!(first));
    tf.assert_plan_empty();

    // Drift shows.
    env().bao_ok(&["write", &path, &format!("default={second}")]);
    let changes = planned_changes(&tf.plan());
    assert_eq!(changes.len(), 1, "{changes:?}");

    // Destroy changes nothing on the server.
    tf.destroy();
    assert_eq!(bao_read(&path).expect("config")["default"], json!(second));
}

fn urls_config(mount: &str, host: &str) -> String {
    provider_config(&format!(
        r#"
resource "vaultpki_pki_config_urls" "urls" {{
  mount                   = "{mount}"
  issuing_certificates    = ["http://{host}/ca"]
  crl_distribution_points = ["http://{host}/crl"]
  ocsp_servers            = ["http://{host}/ocsp"]
}}
"#
    ))
}

#[test]
fn config_urls_full_sequence_on_a_nested_mount() {
    let mount = format!("{}/int/eu", unique_name("ca-urls"));
    env().bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    let path = format!("{mount}/config/urls");
    let tf = provider_terraform();
    tf.write_config(&urls_config(&mount, "a.example.test"));
    tf.apply();
    let urls = bao_read(&path).expect("urls");
    assert_eq!(
        urls["issuing_certificates"],
        json!(["http://a.example.test/ca"])
    );
    assert_eq!(
        urls["crl_distribution_points"],
        json!(["http://a.example.test/crl"])
    );
    assert_eq!(urls["ocsp_servers"], json!(["http://a.example.test/ocsp"]));
    assert_eq!(
        tf.resource("vaultpki_pki_config_urls.urls")["id"],
        json!(path)
    );
    tf.assert_plan_empty();
    tf.import_and_compare("vaultpki_pki_config_urls.urls", &path, &[]);

    tf.write_config(&urls_config(&mount, "b.example.test"));
    tf.apply();
    assert_eq!(
        bao_read(&path).expect("urls")["ocsp_servers"],
        json!(["http://b.example.test/ocsp"])
    );
    tf.assert_plan_empty();

    tf.destroy();
    let urls = bao_read(&path).expect("urls");
    assert_eq!(urls["issuing_certificates"], json!([]));
    assert_eq!(urls["ocsp_servers"], json!([]));
}

fn crl_config(mount: &str, expiry: &str, delta: bool) -> String {
    provider_config(&format!(
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

    let tf = provider_terraform();
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
    provider_config(&format!(
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

    let tf = provider_terraform();
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
    // Left out: the server's value, as a duration string of seconds.
    assert_eq!(state["issuer_safety_buffer"], json!("31536000"));
    tf.assert_plan_empty();
    tf.import_and_compare("vaultpki_pki_config_auto_tidy.tidy", &path, &[]);

    tf.write_config(&tidy_config(&mount, 7200));
    tf.apply();
    assert_eq!(bao_data(&path)["interval_duration"], json!(7200));
    tf.assert_plan_empty();

    tf.destroy();
    assert_eq!(bao_data(&path), fresh);
}
