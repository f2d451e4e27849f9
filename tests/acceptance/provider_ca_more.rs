//! Acceptance tests for the rest of issue 6's CA resources in `terraform-provider-vaultpki`,
//! through the real `terraform` against the shared OpenBao node, each in the full sequence
//! (apply and check through the server's own API, empty plans with and without refresh, import
//! into a fresh directory and compare, update, destroy and confirm): the config singletons
//! `vaultpki_pki_config_crl` and `vaultpki_pki_config_auto_tidy` (destroy puts back what a
//! fresh mount answers), the `vaultpki_pki_issuer` data source, a two-mount hierarchy signed in
//! the server with `vaultpki_pki_root_sign_intermediate`, and `vaultpki_pki_config_ca`, whose
//! PEM bundle is write-only and must never reach the state.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use vaultpki_tests::bao::{bao_data, bao_read};
use vaultpki_tests::{
    Terraform, env, planned_changes, provider_config, provider_terraform, unique_name,
};

fn pki_mount(prefix: &str) -> String {
    let mount = unique_name(prefix);
    env().bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    env().bao_ok(&["secrets", "tune", "-max-lease-ttl=87600h", &mount]);
    mount
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
    provider_config(&format!(
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
    let tf = provider_terraform();
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

/// Root in one mount, intermediate CSR in a second, signed by the root through
/// `vaultpki_pki_root_sign_intermediate` (by the root's issuer ID, or with the root mount's
/// default issuer when `by_issuer` is false), set back as the intermediate's issuer.
fn chain_config(root: &str, int: &str, ttl: &str, by_issuer: bool, revoke: bool) -> String {
    let issuer_ref = if by_issuer {
        "issuer_ref      = vaultpki_pki_root_cert.root.issuer_id"
    } else {
        ""
    };
    provider_config(&format!(
        r#"
resource "vaultpki_pki_root_cert" "root" {{
  mount             = "{root}"
  common_name       = "Chain Root {root}"
  key_type          = "ec"
  ttl               = "8760h"
  max_path_length   = 1
  delete_on_destroy = true
}}

resource "vaultpki_pki_intermediate_csr" "int" {{
  mount       = "{int}"
  common_name = "Chain Intermediate {int}"
  key_type    = "ec"
  key_bits    = 256
}}

resource "vaultpki_pki_root_sign_intermediate" "int" {{
  mount           = "{root}"
  {issuer_ref}
  csr             = vaultpki_pki_intermediate_csr.int.csr
  common_name     = "Chain Intermediate {int}"
  organization    = ["Example Corp"]
  ttl             = "{ttl}"
  max_path_length = 0
  revoke          = {revoke}
}}

resource "vaultpki_pki_intermediate_set_signed" "int" {{
  mount             = "{int}"
  certificate       = "${{vaultpki_pki_root_sign_intermediate.int.certificate}}\n${{vaultpki_pki_root_sign_intermediate.int.issuing_ca}}"
  delete_on_destroy = true
}}

output "chain_valid" {{
  value = provider::vaultpki::certificate_chain_valid(
    vaultpki_pki_root_sign_intermediate.int.certificate,
    vaultpki_pki_root_cert.root.certificate,
  )
}}

output "info" {{
  value = provider::vaultpki::certificate_info(vaultpki_pki_root_sign_intermediate.int.certificate)
}}
"#
    ))
}

/// The request inputs an import cannot recover (adopted from the configuration afterwards).
const SIGN_INPUTS: [&str; 14] = [
    "issuer_ref",
    "csr",
    "common_name",
    "alt_names",
    "ip_sans",
    "uri_sans",
    "organization",
    "ou",
    "country",
    "ttl",
    "max_path_length",
    "use_csr_values",
    "exclude_cn_from_sans",
    "revoke",
];

#[test]
fn root_sign_intermediate_chains_two_mounts_full_sequence() {
    let root = pki_mount("ca-sr");
    let int = pki_mount("ca-si");
    let tf = provider_terraform();
    tf.write_config(&chain_config(&root, &int, "4380h", true, false));
    tf.apply();
    tf.assert_plan_empty();

    // The root's mount has the certificate, the intermediate's mount an issuer holding it with
    // the CSR's key, and it chains to the root.
    let signed = tf.resource("vaultpki_pki_root_sign_intermediate.int");
    let serial = signed["serial_number"].as_str().expect("serial").to_owned();
    let id = format!("{root}/cert/{serial}");
    assert_eq!(signed["id"], json!(id));
    let cert = bao_data(&id);
    assert_eq!(cert["certificate"], signed["certificate"]);
    assert_eq!(cert["revocation_time"], json!(0));
    let root_state = tf.resource("vaultpki_pki_root_cert.root");
    assert_eq!(
        signed["issuing_ca"].as_str().map(str::trim),
        root_state["certificate"].as_str().map(str::trim)
    );
    assert_eq!(
        signed["ca_chain"].as_array().map(Vec::len),
        Some(2),
        "{signed:#}"
    );
    let set = tf.resource("vaultpki_pki_intermediate_set_signed.int");
    let int_issuer = bao_data(&format!(
        "{int}/issuer/{}",
        set["issuer_id"].as_str().expect("issuer_id")
    ));
    assert_eq!(
        int_issuer["certificate"].as_str().map(str::trim),
        signed["certificate"].as_str().map(str::trim)
    );
    assert_eq!(
        int_issuer["key_id"],
        tf.resource("vaultpki_pki_intermediate_csr.int")["key_id"]
    );
    assert_eq!(
        int_issuer["ca_chain"].as_array().map(Vec::len),
        Some(2),
        "the intermediate's issuer is linked to the root: {int_issuer:#}"
    );
    assert_eq!(tf.output("chain_valid"), json!(true));
    let info = tf.output("info");
    assert_eq!(info["is_ca"], json!(true), "{info:#}");
    assert_eq!(info["max_path_length"], json!(0), "{info:#}");
    assert!(
        info["subject"].as_str().is_some_and(
            |s| s.contains(&format!("Chain Intermediate {int}")) && s.contains("Example Corp")
        ),
        "{info:#}"
    );

    // Import by the certificate's path: the public material matches; the request inputs are
    // adopted by the next apply without signing again.
    let other = tf.import_and_compare("vaultpki_pki_root_sign_intermediate.int", &id, &SIGN_INPUTS);
    let changes = planned_changes(&other.plan());
    assert!(
        changes.contains(&(
            "vaultpki_pki_root_sign_intermediate.int".to_owned(),
            vec!["update".to_owned()]
        )),
        "after import the inputs are adopted in place: {changes:?}"
    );

    // `revoke` changes in place.
    tf.write_config(&chain_config(&root, &int, "4380h", true, true));
    tf.apply();
    tf.assert_plan_empty();
    assert_eq!(
        tf.resource("vaultpki_pki_root_sign_intermediate.int")["serial_number"],
        json!(serial)
    );

    // Another TTL with the mount's default issuer signs a new certificate; the old one is
    // revoked (revoke = true) and the intermediate's issuer follows.
    let root_issuer = root_state["issuer_id"].as_str().expect("root issuer_id");
    env().bao_ok(&[
        "write",
        &format!("{root}/config/issuers"),
        &format!("default={root_issuer}"),
    ]);
    tf.write_config(&chain_config(&root, &int, "2190h", false, true));
    tf.apply();
    tf.assert_plan_empty();
    let signed = tf.resource("vaultpki_pki_root_sign_intermediate.int");
    let new_serial = signed["serial_number"].as_str().expect("serial").to_owned();
    assert_ne!(new_serial, serial);
    assert!(
        bao_data(&id)["revocation_time"].as_i64().unwrap_or(0) > 0,
        "the replaced certificate is revoked"
    );
    assert_eq!(tf.output("chain_valid"), json!(true));

    // Revoked out of band: the next plan replaces it.
    let new_id = format!("{root}/cert/{new_serial}");
    env().bao_ok(&[
        "write",
        &format!("{root}/revoke"),
        &format!("serial_number={new_serial}"),
    ]);
    let changes = planned_changes(&tf.plan());
    let actions = changes
        .iter()
        .find(|(a, _)| a == "vaultpki_pki_root_sign_intermediate.int")
        .map(|(_, a)| {
            let mut a = a.clone();
            a.sort();
            a
        });
    assert_eq!(
        actions,
        Some(vec!["create".to_owned(), "delete".to_owned()]),
        "{changes:?}"
    );

    let int_issuer_id = tf.resource("vaultpki_pki_intermediate_set_signed.int")["issuer_id"]
        .as_str()
        .expect("issuer_id")
        .to_owned();
    tf.destroy();
    assert!(bao_read(&format!("{int}/issuer/{int_issuer_id}")).is_none());
    assert!(bao_data(&new_id)["revocation_time"].as_i64().unwrap_or(0) > 0);
}

/// Makes a self-signed EC CA with the `openssl` CLI in `dir`: (certificate PEM, key PEM).
fn openssl_ca(dir: &Path, name: &str) -> (String, String) {
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-days",
            "30",
            "-subj",
            &format!("/CN=Offline CA {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ])
        .current_dir(dir)
        .output()
        .expect("the openssl CLI runs (install openssl)");
    assert!(
        out.status.success(),
        "openssl failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |ext: &str| {
        std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).expect("openssl output")
    };
    (read("pem"), read("key"))
}

/// The bundle comes from an ephemeral variable (kept in terraform.tfvars, which an import into
/// a fresh directory copies along), as a real configuration would feed a write-only attribute.
fn config_ca_config(mount: &str, version: u32) -> String {
    provider_config(&format!(
        r#"
variable "bundle" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "vaultpki_pki_config_ca" "ca" {{
  mount                 = "{mount}"
  pem_bundle_wo         = var.bundle
  pem_bundle_wo_version = {version}
  delete_on_destroy     = true
}}
"#
    ))
}

fn write_bundle(tf: &Terraform, cert: &str, key: &str) {
    tf.write_file(
        "terraform.tfvars",
        &format!("bundle = <<-EOT\n{}\n{}\nEOT\n", cert.trim(), key.trim()),
    );
}

/// Requires that no line of the private key's base64 body, nor any PEM private key header, is
/// in `text` (`what` names where it was looked for).
fn assert_no_key(text: &str, key: &str, what: &str) {
    assert!(!text.contains("PRIVATE KEY"), "{what} holds a private key");
    for line in key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
    {
        assert!(!text.contains(line), "{what} holds part of the private key");
    }
}

#[test]
fn config_ca_imports_a_bundle_without_the_key_reaching_the_state() {
    let mount = pki_mount("ca-cfg");
    let path = format!("{mount}/config/ca");
    let tf = provider_terraform();
    let (cert_a, key_a) = openssl_ca(tf.dir(), "a");
    write_bundle(&tf, &cert_a, &key_a);
    tf.write_config(&config_ca_config(&mount, 1));
    tf.apply();

    // The server has the CA as an issuer with its key.
    let state = tf.resource("vaultpki_pki_config_ca.ca");
    assert_eq!(state["id"], json!(path));
    let issuers = state["issuer_ids"].as_array().expect("issuer_ids").clone();
    let keys = state["key_ids"].as_array().expect("key_ids").clone();
    assert_eq!((issuers.len(), keys.len()), (1, 1), "{state:#}");
    let issuer_a = issuers[0].as_str().expect("issuer id").to_owned();
    let issuer = bao_data(&format!("{mount}/issuer/{issuer_a}"));
    assert_eq!(
        issuer["certificate"].as_str().map(str::trim),
        Some(cert_a.trim())
    );
    assert_eq!(issuer["key_id"], keys[0]);
    let key = bao_data(&format!(
        "{mount}/key/{}",
        keys[0].as_str().expect("key id")
    ));
    assert_eq!(key["key_type"], json!("ec"));

    // By value: no part of the key in `terraform show -json`, the state file or a plan.
    assert_eq!(state["pem_bundle_wo"], Value::Null);
    assert_no_key(&tf.state().to_string(), &key_a, "terraform show -json");
    let raw = std::fs::read_to_string(tf.dir().join("terraform.tfstate")).expect("state file");
    assert_no_key(&raw, &key_a, "terraform.tfstate");
    assert_no_key(&tf.plan().to_string(), &key_a, "the plan");
    tf.assert_plan_empty();

    // Import by the API path records the mount's issuers and keys.
    tf.import_and_compare(
        "vaultpki_pki_config_ca.ca",
        &path,
        &["pem_bundle_wo_version", "delete_on_destroy"],
    );

    // Another bundle with the same version is not seen; a new version sends it, in place.
    let (cert_b, key_b) = openssl_ca(tf.dir(), "b");
    write_bundle(&tf, &cert_b, &key_b);
    tf.assert_plan_empty();
    tf.write_config(&config_ca_config(&mount, 2));
    let changes = planned_changes(&tf.plan());
    assert_eq!(
        changes,
        [(
            "vaultpki_pki_config_ca.ca".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.apply();
    tf.assert_plan_empty();
    let state = tf.resource("vaultpki_pki_config_ca.ca");
    let issuer_b = state["issuer_ids"][0]
        .as_str()
        .expect("issuer id")
        .to_owned();
    let key_b_id = state["key_ids"][0].as_str().expect("key id").to_owned();
    assert_ne!(issuer_b, issuer_a);
    assert_eq!(
        bao_data(&format!("{mount}/issuer/{issuer_b}"))["certificate"]
            .as_str()
            .map(str::trim),
        Some(cert_b.trim())
    );
    assert_no_key(&tf.state().to_string(), &key_b, "terraform show -json");
    let raw = std::fs::read_to_string(tf.dir().join("terraform.tfstate")).expect("state file");
    assert_no_key(&raw, &key_b, "terraform.tfstate");

    // Destroy deletes what the last bundle became (delete_on_destroy); the first CA, no longer
    // managed, stays.
    tf.destroy();
    assert!(bao_read(&format!("{mount}/issuer/{issuer_b}")).is_none());
    assert!(bao_read(&format!("{mount}/key/{key_b_id}")).is_none());
    assert!(bao_read(&format!("{mount}/issuer/{issuer_a}")).is_some());
}
