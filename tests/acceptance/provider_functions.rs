//! Acceptance tests for the provider functions (`functions/`): `certificate_info` and friends in a
//! plan with no server at all, checked against certificates the `openssl` CLI made.

use std::path::Path;

use serde_json::json;
use vaultpki_tests::{openssl, provider_config, provider_terraform_at};

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
