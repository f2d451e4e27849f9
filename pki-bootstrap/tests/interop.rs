//! Interop: what pki-bootstrap writes is checked by the `openssl` CLI, a second implementation:
//! chains for every key type, extensions in `x509 -text`, encrypted keys through `pkey -passin`,
//! CRLs through `crl -verify`, and CSRs made by `openssl req` signed under each profile.

mod common;

use common::{Scratch, make_csr, openssl};

const KEY_TYPES: [&str; 6] = ["p256", "p384", "ed25519", "rsa2048", "rsa3072", "rsa4096"];

#[test]
fn openssl_verifies_three_tier_chains_for_every_key_type() {
    for key in KEY_TYPES {
        let s = Scratch::new();
        s.root("root", key, &["--path-len", "1"]);
        s.intermediate("root", "int", key, &[]);
        s.server("int", "tls", key);
        let dir = s.dir.path();

        let (ok, text) = openssl(
            dir,
            &[
                "verify",
                "-CAfile",
                "root/ca.pem",
                "-untrusted",
                "int/ca.pem",
                "tls/tls.crt",
            ],
        );
        assert!(ok, "{key}: {text}");
        // tls.crt carries the intermediate: ca.crt alone is enough as trust anchor.
        let (ok, text) = openssl(
            dir,
            &[
                "verify",
                "-CAfile",
                "tls/ca.crt",
                "-untrusted",
                "tls/tls.crt",
                "tls/tls.crt",
            ],
        );
        assert!(ok, "{key}: {text}");
        let (ok, text) = openssl(dir, &["verify", "-CAfile", "root/ca.pem", "int/ca.pem"]);
        assert!(ok, "{key}: {text}");

        let (_, root_text) = openssl(dir, &["x509", "-in", "root/ca.pem", "-noout", "-text"]);
        assert!(
            root_text
                .contains("X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:1"),
            "{key}: {root_text}"
        );
        assert!(root_text.contains("X509v3 Key Usage: critical\n                Digital Signature, Certificate Sign, CRL Sign"), "{root_text}");
        assert!(root_text.contains("X509v3 Subject Key Identifier"));
        let (_, int_text) = openssl(dir, &["x509", "-in", "int/ca.pem", "-noout", "-text"]);
        assert!(int_text.contains("CA:TRUE, pathlen:0"), "{int_text}");
        assert!(int_text.contains("X509v3 Authority Key Identifier"));
        let (_, tls_text) = openssl(dir, &["x509", "-in", "tls/tls.crt", "-noout", "-text"]);
        assert!(
            tls_text.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"),
            "{tls_text}"
        );
        assert!(tls_text.contains("TLS Web Server Authentication, TLS Web Client Authentication"));
        assert!(tls_text.contains("DNS:localhost, IP Address:127.0.0.1"));
        assert!(tls_text.contains("X509v3 Subject Key Identifier"));
        assert!(tls_text.contains("X509v3 Authority Key Identifier"));
        let serial_line = tls_text
            .lines()
            .skip_while(|l| !l.contains("Serial Number:"))
            .nth(1)
            .unwrap()
            .trim()
            .to_owned();
        assert_eq!(
            serial_line.split(':').count(),
            20,
            "20-byte serial: {serial_line}"
        );

        for k in ["root/ca.key", "int/ca.key"] {
            let (ok, text) = openssl(dir, &["pkey", "-in", k, "-passin", "file:pass", "-noout"]);
            assert!(ok, "{key} {k}: {text}");
            let (ok, _) = openssl(dir, &["pkey", "-in", k, "-passin", "file:wrong", "-noout"]);
            assert!(!ok, "{key} {k}: a wrong passphrase must fail");
            let (_, asn1) = openssl(dir, &["asn1parse", "-in", k]);
            assert!(
                asn1.contains(":PBES2")
                    && asn1.contains(":hmacWithSHA256")
                    && asn1.contains(":aes-256-cbc"),
                "{asn1}"
            );
            assert!(
                asn1.contains("INTEGER           :0927C0"),
                "600000 PBKDF2 iterations: {asn1}"
            );
        }
        // The server key is plaintext (the listener reads it) and matches the certificate.
        let (ok, key_pub) = openssl(dir, &["pkey", "-in", "tls/tls.key", "-pubout"]);
        assert!(ok);
        let (_, cert_pub) = openssl(dir, &["x509", "-in", "tls/tls.crt", "-noout", "-pubkey"]);
        assert_eq!(key_pub, cert_pub);
    }
}

#[test]
fn openssl_accepts_the_crl_and_lists_the_revoked_serial() {
    let s = Scratch::new();
    let dir = s.dir.path();
    s.root("root", "p384", &["--path-len", "1"]);
    s.intermediate("root", "int", "p384", &[]);
    let (_, serial) = openssl(dir, &["x509", "-in", "int/ca.pem", "-noout", "-serial"]);
    let serial = serial.trim().trim_start_matches("serial=").to_owned();
    s.ok(&[
        "crl",
        "--ca",
        "root",
        "--ca-passphrase-file",
        "pass",
        "--revoke",
        &serial,
        "--reason",
        "key-compromise",
        "--next-update",
        "7d",
    ]);
    let (ok, text) = openssl(
        dir,
        &[
            "crl",
            "-in",
            "root/crl.pem",
            "-CAfile",
            "root/ca.pem",
            "-verify",
            "-noout",
            "-text",
        ],
    );
    assert!(ok, "{text}");
    assert!(text.contains("verify OK"), "{text}");
    assert!(text.contains(&format!("Serial Number: {serial}")), "{text}");
    assert!(text.contains("Key Compromise"));
    assert!(
        text.contains("X509v3 CRL Number: \n                1"),
        "{text}"
    );
    // The revocation persists and the number increases.
    s.ok(&["crl", "--ca", "root", "--ca-passphrase-file", "pass"]);
    let (ok, text) = openssl(
        dir,
        &[
            "crl",
            "-in",
            "root/crl.pem",
            "-CAfile",
            "root/ca.pem",
            "-verify",
            "-noout",
            "-text",
        ],
    );
    assert!(ok);
    assert!(text.contains(&format!("Serial Number: {serial}")), "{text}");
    assert!(
        text.contains("X509v3 CRL Number: \n                2"),
        "{text}"
    );
    assert!(s.path("root/crl-0001.pem").is_file() && s.path("root/crl-0002.pem").is_file());
    // A chain check with CRLs now rejects the revoked intermediate.
    let (ok, text) = openssl(
        dir,
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "root/ca.pem",
            "-CRLfile",
            "root/crl.pem",
            "int/ca.pem",
        ],
    );
    assert!(!ok && text.contains("revoked"), "{text}");
}

#[test]
fn csrs_from_openssl_are_signed_under_each_profile() {
    let s = Scratch::new();
    let dir = s.dir.path();
    s.root("root", "p384", &["--path-len", "1"]);
    make_csr(
        dir,
        "int.csr",
        "rsa:2048",
        &[
            "-subj",
            "/CN=PKI mount intermediate/O=Example",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,digitalSignature",
            "-addext",
            "subjectAltName=DNS:ignored.example",
        ],
    );
    s.ok(&[
        "sign-csr",
        "--ca",
        "root",
        "--ca-passphrase-file",
        "pass",
        "--csr",
        "int.csr",
        "--profile",
        "intermediate",
        "--out",
        "int.pem",
    ]);
    let (ok, text) = openssl(dir, &["verify", "-CAfile", "root/ca.pem", "int.pem"]);
    assert!(ok, "{text}");
    let (_, text) = openssl(dir, &["x509", "-in", "int.pem", "-noout", "-text"]);
    assert!(text.contains("CA:TRUE, pathlen:0"));
    // The requested keyUsage and SAN were not copied: the profile decided.
    assert!(
        text.contains("Digital Signature, Certificate Sign, CRL Sign"),
        "{text}"
    );
    assert!(!text.contains("ignored.example"));

    make_csr(
        dir,
        "srv.csr",
        "ec",
        &[
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-subj",
            "/CN=vault.example",
            "-addext",
            "subjectAltName=DNS:vault.example,IP:10.0.0.5",
            "-addext",
            "extendedKeyUsage=codeSigning",
        ],
    );
    s.ok(&[
        "sign-csr",
        "--ca",
        "root",
        "--ca-passphrase-file",
        "pass",
        "--csr",
        "srv.csr",
        "--profile",
        "server",
        "--out",
        "srv.pem",
    ]);
    let (ok, text) = openssl(
        dir,
        &[
            "verify",
            "-CAfile",
            "root/ca.pem",
            "-purpose",
            "sslserver",
            "srv.pem",
        ],
    );
    assert!(ok, "{text}");
    let (_, text) = openssl(dir, &["x509", "-in", "srv.pem", "-noout", "-text"]);
    assert!(
        text.contains("DNS:vault.example, IP Address:10.0.0.5"),
        "{text}"
    );
    assert!(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"));
    assert!(!text.contains("Code Signing"));

    make_csr(dir, "cli.csr", "ed25519", &["-subj", "/CN=cert-manager"]);
    s.ok(&[
        "sign-csr",
        "--ca",
        "root",
        "--ca-passphrase-file",
        "pass",
        "--csr",
        "cli.csr",
        "--profile",
        "client",
        "--out",
        "cli.pem",
    ]);
    let (ok, text) = openssl(
        dir,
        &[
            "verify",
            "-CAfile",
            "root/ca.pem",
            "-purpose",
            "sslclient",
            "cli.pem",
        ],
    );
    assert!(ok, "{text}");
}
