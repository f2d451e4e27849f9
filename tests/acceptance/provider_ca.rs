//! Acceptance tests for the CA hierarchy types (`resources/pki_root_cert.rs`,
//! `pki_intermediate_csr.rs`, `pki_intermediate_set_signed.rs`, `pki_root_sign_intermediate.rs`,
//! `pki_issuer.rs`, `pki_config_ca.rs`, data source `pki_issuer`) through the real `terraform`
//! against the shared OpenBao node, each in the full sequence (apply and check through the
//! server's API, empty plans with and without refresh, import and compare, update in place,
//! replacement, destroy): a root, an intermediate signed offline, issuers, keys that already
//! exist, a two-mount hierarchy signed in the server, and a PEM bundle that must never reach the
//! state.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use vaultpki_tests::bao::{bao_data, bao_list, bao_read, bao_root, pki_mount};
use vaultpki_tests::{
    Terraform, env, openssl, openssl_offline_root, planned_changes, provider_config,
    provider_terraform,
};

fn root_config(mount: &str, issuer_name: &str, ttl: &str, delete_on_destroy: bool) -> String {
    provider_config(&format!(
        r#"
resource "vaultpki_pki_root_cert" "root" {{
  mount             = "{mount}"
  common_name       = "Acceptance Root {mount}"
  organization      = ["Example Corp"]
  key_type          = "ec"
  key_bits          = 256
  ttl               = "{ttl}"
  max_path_length   = 1
  issuer_name       = "{issuer_name}"
  key_name          = "key-{issuer_name}"
  delete_on_destroy = {delete_on_destroy}
}}

output "info" {{
  value = provider::vaultpki::certificate_info(vaultpki_pki_root_cert.root.certificate)
}}
"#
    ))
}

#[test]
fn root_cert_full_sequence() {
    let mount = pki_mount("ca-root");
    let tf = provider_terraform();
    tf.write_config(&root_config(&mount, "root-a", "8760h", false));
    tf.apply();

    // Check through the server's own API.
    let state = tf.resource("vaultpki_pki_root_cert.root");
    let issuer_id = state["issuer_id"].as_str().expect("issuer_id").to_owned();
    let id = format!("{mount}/issuer/{issuer_id}");
    assert_eq!(state["id"], json!(id));
    let issuer = bao_read(&id).expect("the issuer exists");
    assert_eq!(issuer["issuer_name"], json!("root-a"));
    assert_eq!(
        issuer["certificate"].as_str().map(str::trim),
        state["certificate"].as_str().map(str::trim)
    );
    let key = bao_read(&format!(
        "{mount}/key/{}",
        state["key_id"].as_str().expect("key_id")
    ))
    .expect("the key exists");
    assert_eq!(key["key_type"], json!("ec"));
    assert_eq!(key["key_name"], json!("key-root-a"));
    // No private key anywhere in the state.
    let whole = tf.state().to_string();
    assert!(
        !whole.contains("PRIVATE KEY"),
        "a private key reached the state"
    );
    // The certificate, read by openssl.
    tf.write_file(
        "root.pem",
        state["certificate"].as_str().expect("certificate"),
    );
    let text = openssl(tf.dir(), &["x509", "-in", "root.pem", "-noout", "-text"]);
    assert!(
        text.contains(&format!("CN = Acceptance Root {mount}")),
        "{text}"
    );
    assert!(text.contains("CA:TRUE, pathlen:1"), "{text}");
    let info = tf.output("info");
    assert_eq!(info["is_ca"], json!(true));
    assert_eq!(info["max_path_length"], json!(1));

    tf.assert_plan_empty();

    // Import by the issuer's API path: the TTL comes from the certificate's lifetime and
    // delete_on_destroy at its default; only the inputs the server does not keep differ.
    let imported = tf.import_and_compare(
        "vaultpki_pki_root_cert.root",
        &id,
        &["other_sans", "exclude_cn_from_sans"],
    );
    imported.assert_plan_empty();
    drop(imported);

    // Rename the issuer and its key in place, keeping issuer settings made outside Terraform.
    env().bao_ok(&[
        "write",
        &id,
        "issuer_name=root-a",
        "leaf_not_after_behavior=truncate",
    ]);
    tf.write_config(&root_config(&mount, "root-b", "8760h", false));
    tf.apply();
    let after = tf.resource("vaultpki_pki_root_cert.root");
    assert_eq!(
        after["issuer_id"],
        json!(issuer_id),
        "a rename must not replace the root"
    );
    let issuer = bao_read(&id).expect("the issuer exists");
    assert_eq!(issuer["issuer_name"], json!("root-b"));
    assert_eq!(issuer["leaf_not_after_behavior"], json!("truncate"));
    let key = bao_read(&format!(
        "{mount}/key/{}",
        after["key_id"].as_str().expect("key_id")
    ))
    .expect("the key exists");
    assert_eq!(key["key_name"], json!("key-root-b"));
    tf.assert_plan_empty();

    // A new TTL plans a replacement (not applied).
    tf.write_config(&root_config(&mount, "root-b", "4380h", false));
    let changes = planned_changes(&tf.plan());
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].0, "vaultpki_pki_root_cert.root");
    let mut actions = changes[0].1.clone();
    actions.sort();
    assert_eq!(
        actions,
        ["create", "delete"],
        "a TTL change must replace the root"
    );

    // Destroy without delete_on_destroy: the root stays, and terraform says so.
    tf.write_config(&root_config(&mount, "root-b", "8760h", false));
    let out = tf.run_ok(&["destroy", "-input=false", "-no-color", "-auto-approve"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("was left on the server"), "{said}");
    assert!(said.contains(&id), "{said}");
    assert!(bao_read(&id).is_some(), "the root must stay on the server");

    // With delete_on_destroy it is gone.
    tf.write_config(&root_config(&mount, "root-c", "8760h", true));
    tf.apply();
    let second = tf.resource("vaultpki_pki_root_cert.root");
    let second_id = second["id"].as_str().expect("id").to_owned();
    assert_ne!(second_id, id);
    tf.assert_plan_empty();
    // Deleted outside Terraform: the refresh drops it and the plan creates it again.
    env().bao_ok(&["delete", &second_id]);
    let second_key = format!("{mount}/key/{}", second["key_id"].as_str().expect("key_id"));
    env().bao_ok(&["delete", &second_key]);
    let changes = planned_changes(&tf.plan());
    assert_eq!(
        changes,
        [(
            "vaultpki_pki_root_cert.root".to_owned(),
            vec!["create".to_owned()]
        )]
    );
    tf.apply();
    let third_id = tf.resource("vaultpki_pki_root_cert.root")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    tf.destroy();
    assert!(
        bao_read(&third_id).is_none(),
        "delete_on_destroy must delete the issuer"
    );
    assert!(
        bao_read(&second_id).is_none(),
        "delete_on_destroy must delete the issuer"
    );
    assert!(
        bao_read(&id).is_some(),
        "the first root is not this resource's to delete"
    );
}

fn hierarchy_config(root_mount: &str, int_mount: &str, key_name: &str, signed: bool) -> String {
    let mut body = format!(
        r#"
resource "vaultpki_pki_root_cert" "root" {{
  mount             = "{root_mount}"
  common_name       = "In-Server Root {root_mount}"
  key_type          = "ec"
  ttl               = "8760h"
  delete_on_destroy = true
}}

resource "vaultpki_pki_intermediate_csr" "int" {{
  mount        = "{int_mount}"
  common_name  = "Acceptance Intermediate {int_mount}"
  organization = ["Example Corp"]
  key_type     = "ec"
  key_bits     = 256
  key_name     = "{key_name}"
}}

output "csr" {{
  value = vaultpki_pki_intermediate_csr.int.csr
}}
"#
    );
    if signed {
        body.push_str(&format!(
            r#"
resource "vaultpki_pki_intermediate_set_signed" "int" {{
  mount             = "{int_mount}"
  certificate       = "${{file("${{path.module}}/int.pem")}}${{file("${{path.module}}/offline.pem")}}"
  delete_on_destroy = true
}}

resource "vaultpki_pki_config_issuers" "int" {{
  mount   = "{int_mount}"
  default = vaultpki_pki_intermediate_set_signed.int.issuer_id
}}

# No issuer_ref: the role signs with the mount's default issuer, the intermediate.
resource "vaultpki_pki_role" "web" {{
  mount            = "{int_mount}"
  name             = "web"
  depends_on       = [vaultpki_pki_config_issuers.int]
  allowed_domains  = ["example.test"]
  allow_subdomains = true
  max_ttl          = 3600
  key_type         = "ec"
  key_bits         = 256
}}

resource "vaultpki_pki_cert" "web" {{
  mount       = "{int_mount}"
  role        = vaultpki_pki_role.web.name
  common_name = "web.example.test"
  ttl         = "30m"
}}

output "leaf" {{
  value = vaultpki_pki_cert.web.certificate
}}

output "leaf_valid" {{
  value = provider::vaultpki::certificate_chain_valid(
    vaultpki_pki_cert.web.certificate,
    vaultpki_pki_intermediate_set_signed.int.certificate,
  )
}}
"#
        ));
    }
    provider_config(&body)
}

/// The end-to-end hierarchy: a root in one mount, an intermediate CSR in a second, signed
/// outside the server by an openssl "offline root", set back, made the default issuer, a
/// certificate issued through a role on it, and `openssl verify` accepts it against the offline root.
#[test]
fn intermediate_signed_offline_full_sequence() {
    let root_mount = pki_mount("ca-r");
    let int_mount = pki_mount("ca-i");
    let tf = provider_terraform();
    tf.write_config(&hierarchy_config(&root_mount, &int_mount, "int-a", false));
    tf.apply();
    tf.assert_plan_empty();

    // The CSR: its key is in the server, the CSR is for that key.
    let csr_state = tf.resource("vaultpki_pki_intermediate_csr.int");
    let key_id = csr_state["key_id"].as_str().expect("key_id").to_owned();
    assert_eq!(csr_state["id"], json!(format!("{int_mount}/key/{key_id}")));
    let key = bao_read(&format!("{int_mount}/key/{key_id}")).expect("the key exists");
    assert_eq!(key["key_name"], json!("int-a"));
    assert_eq!(key["key_type"], json!("ec"));
    let csr = tf.output("csr");
    tf.write_file("int.csr", csr.as_str().expect("csr is a string"));
    let subject = openssl(
        tf.dir(),
        &["req", "-in", "int.csr", "-noout", "-verify", "-subject"],
    );
    assert!(
        subject.contains(&format!("CN = Acceptance Intermediate {int_mount}")),
        "{subject}"
    );

    // Rename the key in place.
    tf.write_config(&hierarchy_config(&root_mount, &int_mount, "int-b", false));
    tf.apply();
    assert_eq!(
        tf.resource("vaultpki_pki_intermediate_csr.int")["key_id"],
        json!(key_id)
    );
    let key = bao_read(&format!("{int_mount}/key/{key_id}")).expect("the key exists");
    assert_eq!(key["key_name"], json!("int-b"));

    // Sign offline.
    openssl_offline_root(tf.dir(), "/CN=Offline Root For Acceptance/O=Example Corp");
    tf.write_file(
        "int.ext",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    openssl(
        tf.dir(),
        &[
            "x509",
            "-req",
            "-in",
            "int.csr",
            "-CA",
            "offline.pem",
            "-CAkey",
            "offline.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "int.ext",
            "-out",
            "int.pem",
        ],
    );

    // Set it back, issue through a role on it.
    tf.write_config(&hierarchy_config(&root_mount, &int_mount, "int-b", true));
    tf.apply();
    tf.assert_plan_empty();
    let signed = tf.resource("vaultpki_pki_intermediate_set_signed.int");
    let issuer_id = signed["issuer_id"].as_str().expect("issuer_id").to_owned();
    let id = format!("{int_mount}/issuer/{issuer_id}");
    assert_eq!(signed["id"], json!(id));
    assert_eq!(signed["key_id"], json!(key_id));
    assert!(
        signed["imported_issuers"]
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i == &json!(issuer_id))),
        "{signed:#}"
    );
    let issuer = bao_read(&id).expect("the intermediate issuer exists");
    assert_eq!(issuer["key_id"], json!(key_id));
    let defaults = bao_read(&format!("{int_mount}/config/issuers")).expect("config/issuers");
    assert_eq!(
        defaults["default"],
        json!(issuer_id),
        "the intermediate is the default issuer"
    );
    let int_pem = std::fs::read_to_string(tf.dir().join("int.pem")).expect("int.pem");
    assert_eq!(
        issuer["certificate"].as_str().map(str::trim),
        Some(int_pem.trim())
    );

    // The leaf verifies with the openssl CLI against the offline root plus the chain.
    tf.write_file("leaf.pem", tf.output("leaf").as_str().expect("leaf PEM"));
    let verified = openssl(
        tf.dir(),
        &[
            "verify",
            "-CAfile",
            "offline.pem",
            "-untrusted",
            "int.pem",
            "leaf.pem",
        ],
    );
    assert!(verified.contains("leaf.pem: OK"), "{verified}");
    assert_eq!(tf.output("leaf_valid"), json!(true));
    // No private key of a CA in the state (the leaf's own key is vaultpki_pki_cert's).
    let state = tf.state();
    for address in [
        "vaultpki_pki_root_cert.root",
        "vaultpki_pki_intermediate_csr.int",
        "vaultpki_pki_intermediate_set_signed.int",
    ] {
        let r = tf.resource(address).to_string();
        assert!(!r.contains("PRIVATE KEY"), "{address} holds a private key");
    }
    drop(state);

    // Import the signed intermediate by its issuer path.
    tf.import_and_compare(
        "vaultpki_pki_intermediate_set_signed.int",
        &id,
        &["delete_on_destroy", "imported_issuers"],
    );

    // Destroy: delete_on_destroy removes the issuers; the CSR's key is left for nobody now,
    // but the CSR resource never deletes it.
    tf.destroy();
    assert!(
        bao_read(&id).is_none(),
        "delete_on_destroy must delete the intermediate issuer"
    );
}

fn issuer_config(mount: &str, issuer_id: &str, name: &str, behavior: &str, delete: bool) -> String {
    provider_config(&format!(
        r#"
resource "vaultpki_pki_issuer" "iss" {{
  mount                   = "{mount}"
  issuer_ref              = "{issuer_id}"
  issuer_name             = "{name}"
  leaf_not_after_behavior = "{behavior}"
  # Another order than the server's: usage is a set.
  usage                   = ["read-only", "issuing-certificates", "crl-signing"]
  issuing_certificates    = ["http://pki.example.test/{mount}/ca"]
  delete_on_destroy       = {delete}
}}
"#
    ))
}

#[test]
fn issuer_full_sequence() {
    let mount = pki_mount("ca-iss");
    let issuer_id = bao_root(&mount, "oob");
    let id = format!("{mount}/issuer/{issuer_id}");
    // Set outside Terraform and not configured: must survive every write.
    env().bao_ok(&[
        "write",
        &id,
        "issuer_name=oob",
        "ocsp_servers=http://ocsp.example.test",
    ]);
    let tf = provider_terraform();
    tf.write_config(&issuer_config(
        &mount,
        &issuer_id,
        "managed-a",
        "truncate",
        false,
    ));
    tf.apply();
    let issuer = bao_read(&id).expect("the issuer exists");
    assert_eq!(issuer["issuer_name"], json!("managed-a"));
    assert_eq!(issuer["leaf_not_after_behavior"], json!("truncate"));
    let mut usage: Vec<&str> = issuer["usage"]
        .as_str()
        .expect("usage")
        .split(',')
        .collect();
    usage.sort_unstable();
    assert_eq!(usage, ["crl-signing", "issuing-certificates", "read-only"]);
    assert_eq!(
        issuer["issuing_certificates"],
        json!([format!("http://pki.example.test/{mount}/ca")])
    );
    assert_eq!(issuer["ocsp_servers"], json!(["http://ocsp.example.test"]));
    assert_eq!(tf.resource("vaultpki_pki_issuer.iss")["id"], json!(id));
    tf.assert_plan_empty();

    tf.import_and_compare("vaultpki_pki_issuer.iss", &id, &["delete_on_destroy"]);

    // Update, including the name: the resource follows the issuer by ID.
    tf.write_config(&issuer_config(
        &mount,
        &issuer_id,
        "managed-b",
        "permit",
        false,
    ));
    tf.apply();
    let issuer = bao_read(&id).expect("the issuer exists");
    assert_eq!(issuer["issuer_name"], json!("managed-b"));
    assert_eq!(issuer["leaf_not_after_behavior"], json!("permit"));
    assert_eq!(issuer["ocsp_servers"], json!(["http://ocsp.example.test"]));
    tf.assert_plan_empty();

    // Drift made outside Terraform shows in the plan.
    env().bao_ok(&[
        "write",
        &id,
        "issuer_name=managed-b",
        "leaf_not_after_behavior=err",
    ]);
    let changes = planned_changes(&tf.plan());
    assert_eq!(
        changes,
        [(
            "vaultpki_pki_issuer.iss".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.apply();

    // Destroy leaves the issuer, settings included.
    tf.destroy();
    let issuer = bao_read(&id).expect("destroy must leave the issuer");
    assert_eq!(issuer["issuer_name"], json!("managed-b"));

    // With delete_on_destroy the issuer is deleted.
    tf.write_config(&issuer_config(
        &mount,
        &issuer_id,
        "managed-b",
        "permit",
        true,
    ));
    tf.apply();
    tf.destroy();
    assert!(
        bao_read(&id).is_none(),
        "delete_on_destroy must delete the issuer"
    );
}

fn existing_key_config(mount: &str, key_ref: &str) -> String {
    provider_config(&format!(
        r#"
resource "vaultpki_pki_root_cert" "root" {{
  mount             = "{mount}"
  common_name       = "Existing Key Root {mount}"
  key_ref           = "{key_ref}"
  ttl               = "720h"
  delete_on_destroy = true
}}
"#
    ))
}

/// `key_ref`: the root signs with a key that already exists in the mount
/// (`<mount>/root/generate/existing`), and naming it by name or ID is the same key.
#[test]
fn root_cert_with_an_existing_key() {
    let mount = pki_mount("ca-key");
    let key = env().bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/keys/generate/internal"),
        "key_type=ec",
        "key_bits=384",
        "key_name=pre",
    ]);
    let key_id = key
        .pointer("/data/key_id")
        .and_then(Value::as_str)
        .expect("key_id")
        .to_owned();
    let tf = provider_terraform();
    tf.write_config(&existing_key_config(&mount, "pre"));
    tf.apply();
    let state = tf.resource("vaultpki_pki_root_cert.root");
    assert_eq!(state["key_id"], json!(key_id));
    assert_eq!(state["key_type"], json!("ec"));
    assert_eq!(state["key_bits"], json!(384));
    let id = state["id"].as_str().expect("id").to_owned();
    assert_eq!(bao_read(&id).expect("issuer")["key_id"], json!(key_id));
    tf.assert_plan_empty();

    // Import gives the key by ID; the configured name means the same key, and only
    // `delete_on_destroy = true` (imported at its default, false) is recorded in place.
    let imported = tf.import_and_compare(
        "vaultpki_pki_root_cert.root",
        &id,
        &[
            "key_ref",
            "other_sans",
            "exclude_cn_from_sans",
            "delete_on_destroy",
        ],
    );
    let root = imported.resource("vaultpki_pki_root_cert.root");
    assert_eq!(root["key_ref"], json!(key_id));
    assert_eq!(root["delete_on_destroy"], json!(false));
    let plan = imported.plan();
    assert_eq!(
        planned_changes(&plan),
        [(
            "vaultpki_pki_root_cert.root".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    let after = plan
        .pointer("/resource_changes/0/change/after")
        .cloned()
        .unwrap_or_default();
    assert_eq!(after["key_ref"], json!(key_id), "{after:#}");
    assert_eq!(after["delete_on_destroy"], json!(true), "{after:#}");
    // The same key by ID: no change either.
    tf.write_config(&existing_key_config(&mount, &key_id));
    tf.assert_plan_empty();

    // key_ref together with a new key's settings is refused before anything is sent.
    tf.write_config(
        &existing_key_config(&mount, "pre")
            .replace("  ttl ", "  key_type          = \"rsa\"\n  ttl "),
    );
    let err = tf.apply_err();
    assert!(
        err.contains("cannot be set together with `key_ref`"),
        "{err}"
    );

    tf.write_config(&existing_key_config(&mount, &key_id));
    tf.destroy();
    assert!(
        bao_read(&id).is_none(),
        "delete_on_destroy must delete the issuer"
    );
}

/// `vaultpki_pki_intermediate_csr` with `key_ref`: the CSR is made for a key that already exists
/// in the mount; import is refused with the reason.
#[test]
fn intermediate_csr_for_an_existing_key() {
    let mount = pki_mount("ca-csrk");
    let key = env().bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/keys/generate/internal"),
        "key_type=ec",
        "key_name=pre",
    ]);
    let key_id = key
        .pointer("/data/key_id")
        .and_then(Value::as_str)
        .expect("key_id")
        .to_owned();
    let tf = provider_terraform();
    tf.write_config(&provider_config(&format!(
        r#"
resource "vaultpki_pki_intermediate_csr" "int" {{
  mount       = "{mount}"
  common_name = "Existing Key Intermediate"
  key_ref     = "pre"
}}
"#
    )));
    tf.apply();
    let state = tf.resource("vaultpki_pki_intermediate_csr.int");
    assert_eq!(state["key_id"], json!(key_id));
    assert_eq!(state["key_name"], json!("pre"));
    tf.assert_plan_empty();
    // openssl reads the CSR and checks its self-signature (made with the existing key).
    tf.write_file("int.csr", state["csr"].as_str().expect("csr"));
    let subject = openssl(
        tf.dir(),
        &["req", "-in", "int.csr", "-noout", "-verify", "-subject"],
    );
    assert!(
        subject.contains("CN = Existing Key Intermediate"),
        "{subject}"
    );

    let other = provider_terraform();
    other.write_config(&std::fs::read_to_string(tf.dir().join("main.tf")).expect("main.tf"));
    let out = other.run(&[
        "import",
        "-input=false",
        "-no-color",
        "vaultpki_pki_intermediate_csr.int",
        &format!("{mount}/key/{key_id}"),
    ]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("cannot be imported"), "{said}");

    // Destroy forgets the CSR and leaves the key.
    tf.destroy();
    assert!(bao_read(&format!("{mount}/key/{key_id}")).is_some());
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
const SIGN_INPUTS: [&str; 30] = [
    "issuer_ref",
    "csr",
    "common_name",
    "alt_names",
    "ip_sans",
    "uri_sans",
    "other_sans",
    "organization",
    "ou",
    "country",
    "locality",
    "province",
    "street_address",
    "postal_code",
    "permitted_dns_domains",
    "excluded_dns_domains",
    "permitted_ip_ranges",
    "excluded_ip_ranges",
    "permitted_email_addresses",
    "excluded_email_addresses",
    "permitted_uri_domains",
    "excluded_uri_domains",
    "key_usage",
    "ttl",
    "not_after",
    "max_path_length",
    "signature_bits",
    "use_pss",
    "use_csr_values",
    "exclude_cn_from_sans",
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

    // Import by the certificate's path: the public material matches; with the CSR still to be
    // made in that directory (unknown), the request inputs are adopted by the next apply
    // without signing again.
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

/// A hierarchy whose every importable resource is imported into a fresh directory; the CSR
/// comes from the server outside Terraform (a CSR resource cannot be imported). The root
/// carries the subject fields and a name constraint.
fn import_config(root: &str, int: &str) -> String {
    provider_config(&format!(
        r#"
resource "vaultpki_pki_root_cert" "root" {{
  mount                 = "{root}"
  common_name           = "Import Root {root}"
  organization          = ["Example Corp"]
  ou                    = ["Platform"]
  country               = ["DE"]
  locality              = ["Berlin"]
  province              = ["Land Berlin"]
  street_address        = ["Main Street 1"]
  postal_code           = ["10115"]
  uri_sans              = ["spiffe://ok.test/root"]
  permitted_dns_domains = ["ok.test"]
  key_usage             = ["certsign", "CRLSign"]
  signature_bits        = 384
  key_type              = "ec"
  key_bits              = 384
  ttl                   = "8760h"
  issuer_name           = "root-import"
}}

resource "vaultpki_pki_root_sign_intermediate" "int" {{
  mount                 = vaultpki_pki_root_cert.root.mount
  issuer_ref            = vaultpki_pki_root_cert.root.issuer_name
  csr                   = file("int.csr")
  common_name           = "Import Intermediate {int}"
  organization          = ["Example Corp"]
  ou                    = ["Issuing"]
  permitted_dns_domains = ["ok.test"]
  ttl                   = "4380h"
  max_path_length       = 0
}}

resource "vaultpki_pki_intermediate_set_signed" "int" {{
  mount       = "{int}"
  certificate = "${{vaultpki_pki_root_sign_intermediate.int.certificate}}\n${{vaultpki_pki_root_sign_intermediate.int.issuing_ca}}"
}}

resource "vaultpki_pki_cert" "leaf" {{
  mount       = vaultpki_pki_intermediate_set_signed.int.mount
  role        = "web"
  common_name = "app.ok.test"
  alt_names   = ["www.ok.test"]
  ttl         = "1h"
}}
"#
    ))
}

/// Import of each CA type (and an issued certificate) into a fresh directory is followed by an
/// empty plan, by `terraform import` and by `import` blocks; the root's subject fields and
/// name constraint are in its certificate, and a leaf outside the constraint, which OpenBao
/// 2.7.2 still issues, fails verification.
#[test]
fn ca_imports_plan_nothing_and_root_fields_reach_the_certificate() {
    let root = pki_mount("ca-ir");
    let int = pki_mount("ca-ii");
    let csr = env().bao_json(&[
        "write",
        "-format=json",
        &format!("{int}/intermediate/generate/internal"),
        "common_name=Import Intermediate CSR",
        "key_type=ec",
    ]);
    let csr = csr
        .pointer("/data/csr")
        .and_then(Value::as_str)
        .expect("csr")
        .to_owned();
    env().bao_ok(&[
        "write",
        &format!("{int}/roles/web"),
        "allowed_domains=ok.test",
        "allow_subdomains=true",
        "max_ttl=24h",
        "key_type=ec",
    ]);
    let tf = provider_terraform();
    tf.write_file("int.csr", &csr);
    tf.write_config(&import_config(&root, &int));
    tf.apply();
    tf.assert_plan_empty();

    // The root's fields, read by openssl.
    let root_state = tf.resource("vaultpki_pki_root_cert.root");
    tf.write_file(
        "root.pem",
        root_state["certificate"].as_str().expect("certificate"),
    );
    let text = openssl(tf.dir(), &["x509", "-in", "root.pem", "-noout", "-text"]);
    for want in [
        "OU = Platform",
        "C = DE",
        "L = Berlin",
        "ST = Land Berlin",
        "street = Main Street 1",
        "postalCode = 10115",
        "URI:spiffe://ok.test/root",
        "Permitted:",
        "DNS:ok.test",
        "Certificate Sign, CRL Sign",
        "ecdsa-with-SHA384",
    ] {
        assert!(
            text.contains(want),
            "{want:?} missing from the root:\n{text}"
        );
    }
    assert_eq!(root_state["permitted_dns_domains"], json!(["ok.test"]));
    assert_eq!(root_state["excluded_dns_domains"], json!([]));
    assert_eq!(root_state["key_usage"], json!(["certsign", "CRLSign"]));
    assert_eq!(root_state["signature_bits"], json!(384));
    let int_state = tf.resource("vaultpki_pki_root_sign_intermediate.int");
    tf.write_file(
        "int.pem",
        int_state["certificate"].as_str().expect("certificate"),
    );
    let text = openssl(tf.dir(), &["x509", "-in", "int.pem", "-noout", "-text"]);
    assert!(
        text.contains("OU = Issuing") && text.contains("DNS:ok.test"),
        "{text}"
    );

    // The constraint binds relying parties, not OpenBao: a role under the root issues a leaf
    // outside it, which openssl then refuses against the root.
    env().bao_ok(&[
        "write",
        &format!("{root}/roles/any"),
        "allow_any_name=true",
        "max_ttl=1h",
        "key_type=ec",
    ]);
    for (name, inside) in [("in.ok.test", true), ("out.other.test", false)] {
        let leaf = env().bao_json(&[
            "write",
            "-format=json",
            &format!("{root}/issue/any"),
            &format!("common_name={name}"),
            "ttl=5m",
        ]);
        let pem = leaf
            .pointer("/data/certificate")
            .and_then(Value::as_str)
            .expect("OpenBao issues it");
        tf.write_file("leaf.pem", pem);
        let out = Command::new("openssl")
            .args(["verify", "-CAfile", "root.pem", "leaf.pem"])
            .current_dir(tf.dir())
            .output()
            .expect("openssl runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.success(), inside, "{name}: {said}");
        if !inside {
            assert!(said.contains("permitted subtree violation"), "{said}");
        }
    }

    // `terraform import` of every resource into a fresh directory: nothing to change.
    let root_id = root_state["id"].as_str().expect("id").to_owned();
    // (key_usage: the import has the server's spelling, which means the same.)
    let other = tf.import_and_compare(
        "vaultpki_pki_root_cert.root",
        &root_id,
        &["other_sans", "exclude_cn_from_sans", "key_usage"],
    );
    other.write_file("int.csr", &csr);
    let others = [
        (
            "vaultpki_pki_root_sign_intermediate.int",
            int_state["id"].as_str().expect("id").to_owned(),
        ),
        (
            "vaultpki_pki_intermediate_set_signed.int",
            tf.resource("vaultpki_pki_intermediate_set_signed.int")["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        ),
        (
            "vaultpki_pki_cert.leaf",
            tf.resource("vaultpki_pki_cert.leaf")["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        ),
    ];
    for (address, id) in &others {
        other.run_ok(&["import", "-input=false", "-no-color", address, id]);
    }
    other.assert_plan_empty();

    // The same with `import` blocks: the plan imports and changes nothing.
    let blocks = provider_terraform();
    blocks.write_file("int.csr", &csr);
    blocks.write_config(&import_config(&root, &int));
    let mut imports =
        format!("import {{\n  to = vaultpki_pki_root_cert.root\n  id = \"{root_id}\"\n}}\n");
    for (address, id) in &others {
        imports.push_str(&format!(
            "import {{\n  to = {address}\n  id = \"{id}\"\n}}\n"
        ));
    }
    blocks.write_file("imports.tf", &imports);
    let plan = blocks.plan();
    assert_eq!(planned_changes(&plan), [], "{plan:#}");
    blocks.apply();
    blocks.assert_plan_empty();

    tf.destroy();
}

/// The name constraints OpenBao does not have are refused before anything is created, and
/// malformed CA inputs fail at plan time naming the attribute.
#[test]
fn root_cert_refuses_what_openbao_would_drop() {
    let mount = pki_mount("ca-nc");
    let tf = provider_terraform();
    let config = |extra: &str| {
        provider_config(&format!(
            r#"
resource "vaultpki_pki_root_cert" "root" {{
  mount       = "{mount}"
  common_name = "Constraint Root {mount}"
  key_type    = "ec"
  ttl         = "720h"
{extra}
}}
"#
        ))
    };
    tf.write_config(&config("  excluded_dns_domains = [\"bad.test\"]"));
    let err = tf.apply_err();
    assert!(
        err.contains("excluded_dns_domains") && err.contains("exists only on HashiCorp Vault"),
        "{err}"
    );
    assert!(
        bao_list(&format!("{mount}/issuers")).is_empty(),
        "nothing may be created"
    );
    for (extra, attribute) in [
        ("  key_usage = [\"KeyCertSign\"]", "key_usage"),
        (
            "  permitted_ip_ranges = [\"10.0.0.0\"]",
            "permitted_ip_ranges",
        ),
        ("  not_after = \"2030-01-01\"\n", "not_after"),
        ("  signature_bits = 128", "signature_bits"),
        ("  signature_bits = 384", "signature_bits"),
    ] {
        tf.write_config(&config(extra));
        let out = tf.run(&["plan", "-input=false", "-no-color"]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra}");
        assert!(said.contains(attribute), "{extra}: {said}");
    }
}
