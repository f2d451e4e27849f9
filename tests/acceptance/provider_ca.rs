//! Acceptance tests for the CA hierarchy of `terraform-provider-vaultpki` (issue 6), through the
//! real `terraform` against the shared OpenBao node: the provider functions in a plan with no
//! server at all (checked against certificates the `openssl` CLI made), and
//! `vaultpki_pki_root_cert` in the full sequence (apply and check through the server's API,
//! empty plans with and without refresh, import and compare, update in place, a replacement
//! planned for a TTL change, destroy that leaves the root by default and deletes it with
//! `delete_on_destroy`).

use std::path::Path;

use serde_json::{Value, json};
use vaultpki_tests::bao::bao_read;
use vaultpki_tests::{
    env, openssl, openssl_offline_root, planned_changes, provider_config, provider_terraform,
    provider_terraform_at, unique_name,
};

/// A root and a leaf it signed, made by the openssl CLI: (root PEM, leaf PEM).
fn openssl_root_and_leaf(dir: &Path) -> (String, String) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut root = vec!["req", "-x509", "-keyout", "root.key", "-out", "root.pem"];
    root.extend(ec);
    root.extend([
        "-subj",
        "/CN=Offline Test Root/O=Example Corp",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:1",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &root);
    let mut csr = vec!["req", "-new", "-keyout", "leaf.key", "-out", "leaf.csr"];
    csr.extend(ec);
    csr.extend(["-subj", "/CN=web.example.test"]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:web.example.test,DNS:www.example.test,IP:192.0.2.7\nbasicConstraints=CA:FALSE\n",
    )
    .expect("write leaf.ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "10",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("read a PEM file");
    (read("root.pem"), read("leaf.pem"))
}

/// Both functions run in plan and apply with no server: the provider points at a closed port.
#[test]
fn functions_describe_and_verify_certificates_without_a_server() {
    let tf = provider_terraform_at("http://127.0.0.1:9", "unused");
    let (root, leaf) = openssl_root_and_leaf(tf.dir());
    let (_, other_leaf) = {
        let other = tempfile::tempdir().expect("a temp dir");
        openssl_root_and_leaf(other.path())
    };
    tf.write_file("root.pem", &root);
    tf.write_file("leaf.pem", &leaf);
    tf.write_file("other_leaf.pem", &other_leaf);
    tf.write_config(&provider_config(
        r#"
locals {
  leaf = provider::vaultpki::certificate_info(file("${path.module}/leaf.pem"))
  root = provider::vaultpki::certificate_info(file("${path.module}/root.pem"))
}

output "leaf" { value = local.leaf }
output "root" { value = local.root }
output "leaf_valid" {
  value = provider::vaultpki::certificate_chain_valid(file("${path.module}/leaf.pem"), file("${path.module}/root.pem"))
}
output "other_leaf_valid" {
  value = provider::vaultpki::certificate_chain_valid(file("${path.module}/other_leaf.pem"), file("${path.module}/root.pem"))
}
"#,
    ));
    // The plan already knows the values: functions need no server.
    let plan = tf.plan();
    let planned = |name: &str| {
        plan.pointer(&format!("/planned_values/outputs/{name}/value"))
            .cloned()
            .unwrap_or_else(|| panic!("output {name} is not known at plan time:\n{plan:#}"))
    };
    assert_eq!(planned("leaf_valid"), json!(true));
    assert_eq!(planned("other_leaf_valid"), json!(false));
    tf.apply();
    let info = tf.output("leaf");
    // Compare with what the openssl CLI says about the same certificate.
    let serial = openssl(tf.dir(), &["x509", "-in", "leaf.pem", "-noout", "-serial"]);
    let serial_hex = serial
        .trim()
        .trim_start_matches("serial=")
        .to_ascii_lowercase();
    let ours: String = info["serial_number"]
        .as_str()
        .expect("serial_number")
        .replace(':', "");
    assert_eq!(
        ours.trim_start_matches('0'),
        serial_hex.trim_start_matches('0')
    );
    assert_eq!(info["common_name"], json!("web.example.test"));
    assert_eq!(
        info["issuer"],
        json!("CN=Offline Test Root, O=Example Corp")
    );
    assert_eq!(
        info["dns_names"],
        json!(["web.example.test", "www.example.test"])
    );
    assert_eq!(info["ip_addresses"], json!(["192.0.2.7"]));
    assert_eq!(info["is_ca"], json!(false));
    assert_eq!(info["key_algorithm"], json!("ec"));
    assert_eq!(info["key_bits"], json!(256));
    let root_info = tf.output("root");
    assert_eq!(root_info["is_ca"], json!(true));
    assert_eq!(root_info["max_path_length"], json!(1));
    assert_eq!(root_info["organization"], json!(["Example Corp"]));
    assert_eq!(tf.output("leaf_valid"), json!(true));
    assert_eq!(tf.output("other_leaf_valid"), json!(false));
}

/// A PKI mount made out of band, so destroying the root resource can be checked against it.
fn pki_mount(prefix: &str) -> String {
    let mount = unique_name(prefix);
    env().bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    env().bao_ok(&["secrets", "tune", "-max-lease-ttl=87600h", &mount]);
    mount
}

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

    // Import by the issuer's API path; ttl and delete_on_destroy are configuration only.
    let imported = tf.import_and_compare(
        "vaultpki_pki_root_cert.root",
        &id,
        &["ttl", "delete_on_destroy"],
    );
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

    // Import gives the key by ID; the configured name is recorded in place, not a replacement.
    let imported = tf.import_and_compare(
        "vaultpki_pki_root_cert.root",
        &id,
        &["ttl", "delete_on_destroy", "key_ref"],
    );
    let changes = planned_changes(&imported.plan());
    assert_eq!(
        changes,
        [(
            "vaultpki_pki_root_cert.root".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    // The same key by ID: no replacement either.
    tf.write_config(&existing_key_config(&mount, &key_id));
    let changes = planned_changes(&tf.plan());
    assert_eq!(
        changes,
        [(
            "vaultpki_pki_root_cert.root".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.apply();
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
