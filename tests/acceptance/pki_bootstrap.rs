//! Acceptance tests for pki-bootstrap against the real OpenBao: a server started with the
//! listener certificate the ceremony made is reachable over TLS with the ceremony's `ca.crt` as
//! the only trust anchor, and a PKI mount's intermediate CSR signed offline by the root issues
//! leaves that `openssl verify` chains up to that root.

use std::path::Path;
use std::process::{Command, Output};

use vaultpki_tests::{ExtraServer, ExtraServerOptions, bin_path, env, unique_name, workspace_root};

const PASS: &str = "acceptance test passphrase";

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn pki_bootstrap(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin_path("pki-bootstrap"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("PKI_BOOTSTRAP_PASSPHRASE_FILE")
        .env_remove("PKI_BOOTSTRAP_CA_PASSPHRASE_FILE");
    run(&mut cmd, &format!("pki-bootstrap {args:?}"))
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    run(
        Command::new("openssl").current_dir(dir).args(args),
        &format!("openssl {args:?}"),
    )
}

/// Runs the shipped example ceremony into a fresh directory; returns the directory.
fn example_ceremony() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("pass"), format!("{PASS}\n")).expect("passphrase file");
    let config = workspace_root().join("examples/ceremony/ceremony.toml");
    let config = config.display().to_string();
    pki_bootstrap(
        dir.path(),
        &[
            "ceremony",
            "--config",
            &config,
            "--out",
            "c",
            "--passphrase-file",
            "pass",
        ],
    );
    dir
}

#[test]
fn openbao_serves_the_ceremony_certificate_and_ca_crt_is_the_only_anchor() {
    let dir = example_ceremony();
    let tls = dir.path().join("c/openbao-tls");
    let server = ExtraServer::start(ExtraServerOptions {
        tls: Some((tls.join("tls.crt"), tls.join("tls.key"), tls.join("ca.crt"))),
    });
    let e = server.env();
    assert!(
        e.tls_addr.starts_with("https://"),
        "TLS listener: {}",
        e.tls_addr
    );

    // The bao CLI over TLS, trusting only the ceremony's root.
    let mut status = e.bao_at(&e.tls_addr, &e.token, &["status", "-format=json"]);
    status
        .env("VAULT_CACERT", tls.join("ca.crt"))
        .env("BAO_CACERT", tls.join("ca.crt"))
        .env_remove("VAULT_CAPATH")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    let out = run(&mut status, "bao status over TLS");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert_eq!(status["sealed"], false);

    // OpenSSL independently: the served chain verifies against ca.crt alone, for the IP and name.
    let hostport = e.tls_addr.trim_start_matches("https://").to_owned();
    let s_client = |extra: &[&str]| {
        let mut args = vec![
            "s_client",
            "-connect",
            &hostport,
            "-CAfile",
            "c/openbao-tls/ca.crt",
            "-verify_return_error",
            "-brief",
        ];
        args.extend_from_slice(extra);
        let out = Command::new("openssl")
            .current_dir(dir.path())
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("openssl s_client");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, text) = s_client(&["-verify_ip", "127.0.0.1"]);
    assert!(ok && text.contains("Verification: OK"), "{text}");
    let (ok, text) = s_client(&["-verify_hostname", "localhost"]);
    assert!(ok && text.contains("Verification: OK"), "{text}");
    // And a different root is refused: the anchor really is ca.crt.
    let other = tempfile::tempdir().expect("temp dir");
    std::fs::write(other.path().join("pass"), format!("{PASS}\n")).expect("passphrase file");
    pki_bootstrap(
        other.path(),
        &[
            "root",
            "--out",
            "r",
            "--subject",
            "CN=Other Root",
            "--passphrase-file",
            "pass",
        ],
    );
    let out = Command::new("openssl")
        .current_dir(other.path())
        .args([
            "s_client",
            "-connect",
            &hostport,
            "-CAfile",
            "r/ca.pem",
            "-verify_return_error",
            "-brief",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl s_client");
    assert!(
        !out.status.success(),
        "a foreign root must not verify the listener"
    );
}

#[test]
fn pki_mount_intermediate_signed_offline_issues_leaves_that_chain_to_the_root() {
    let e = env();
    let dir = example_ceremony();
    let d = dir.path();
    let mount = unique_name("pkiboot");

    e.bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    e.bao_ok(&["secrets", "tune", "-max-lease-ttl=43800h", &mount]);
    let csr = e.bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/intermediate/generate/internal"),
        "common_name=OpenBao Issuing CA",
        "key_type=ec",
        "key_bits=256",
    ]);
    let csr = csr["data"]["csr"].as_str().expect("data.csr");
    std::fs::write(d.join("mount.csr"), format!("{csr}\n")).expect("write CSR");

    pki_bootstrap(
        d,
        &[
            "sign-csr",
            "--ca",
            "c/root",
            "--ca-passphrase-file",
            "pass",
            "--csr",
            "mount.csr",
            "--profile",
            "intermediate",
            "--out",
            "mount.pem",
        ],
    );
    openssl(d, &["verify", "-CAfile", "c/root/ca.pem", "mount.pem"]);

    e.bao_ok(&[
        "write",
        &format!("{mount}/intermediate/set-signed"),
        &format!("certificate=@{}", d.join("mount.pem").display()),
    ]);
    e.bao_ok(&[
        "write",
        &format!("{mount}/roles/web"),
        "allowed_domains=example.test",
        "allow_subdomains=true",
        "max_ttl=72h",
        "key_type=ec",
        "key_bits=256",
    ]);
    let issued = e.bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/issue/web"),
        "common_name=app.example.test",
        "ttl=1h",
    ]);
    let leaf = issued["data"]["certificate"]
        .as_str()
        .expect("data.certificate");
    let issuing = issued["data"]["issuing_ca"]
        .as_str()
        .expect("data.issuing_ca");
    std::fs::write(d.join("leaf.pem"), format!("{leaf}\n")).expect("write leaf");
    std::fs::write(d.join("issuing.pem"), format!("{issuing}\n")).expect("write issuing");

    let out = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            "c/root/ca.pem",
            "-untrusted",
            "issuing.pem",
            "leaf.pem",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("leaf.pem: OK"));
    // The issuing CA OpenBao uses is exactly the certificate the root signed offline.
    let fp = |f: &str| {
        String::from_utf8_lossy(
            &openssl(d, &["x509", "-in", f, "-noout", "-fingerprint", "-sha256"]).stdout,
        )
        .into_owned()
    };
    assert_eq!(fp("issuing.pem"), fp("mount.pem"));
    // And the root's record lists it.
    let log = std::fs::read_to_string(d.join("c/root/ceremony-log.jsonl")).expect("root log");
    assert!(
        log.lines()
            .any(|l| l.contains("\"command\":\"sign-csr\"") && l.contains("OpenBao Issuing CA"))
    );

    e.bao_ok(&["secrets", "disable", &mount]);
}
