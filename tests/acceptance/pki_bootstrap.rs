//! Acceptance tests for pki-bootstrap against the real OpenBao: a server started with the
//! listener certificate the ceremony made is reachable over TLS with the ceremony's `ca.crt` as
//! the only trust anchor, and a PKI mount's intermediate CSR signed offline by the root issues
//! leaves that `openssl verify` chains up to that root.

use std::path::{Path, PathBuf};
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

/// A P-256 CSR made by `openssl req` in `dir` (its key in `<out>.key`), with `extra` arguments.
fn ec_csr(dir: &Path, subject: &str, out: &str, extra: &[&str]) {
    let key = format!("{out}.key");
    let mut args = vec![
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &key,
        "-subj",
        subject,
        "-out",
        out,
    ];
    args.extend_from_slice(extra);
    openssl(dir, &args);
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

/// The second ceremony issue 17 asks pkilint to pass: an RSA-4096 root, a P-384 intermediate and
/// `C=` in every subject, with a listener certificate and a `[[csr]]` signed in the same run, and
/// every extension the ceremony file can add: CRL distribution points, authority information
/// access, certificate policies, and name constraints of all four kinds on the intermediate.
const RSA_P384_CEREMONY: &str = r#"
[[ca]]
name = "root"
subject = "CN=Lint Root CA,O=Example,C=DE"
key_type = "rsa4096"
days = 7300
path_len = 1
extensions = { policies = ["1.3.6.1.4.1.99999.1"] }

[[ca]]
name = "intermediate"
issuer = "root"
subject = "CN=Lint Intermediate CA,OU=PKI,O=Example,C=DE"
key_type = "p384"
days = 3650
path_len = 0

[ca.extensions]
crl_urls = ["http://pki.example.test/root.crl"]
ca_issuers_urls = ["http://pki.example.test/root.crt"]
ocsp_urls = ["http://ocsp.example.test"]
policies = ["1.3.6.1.4.1.99999.1.2"]
permitted = ["dns:example.test", "ip:127.0.0.0/8", "email:.example.test", "uri:.example.test"]
excluded = ["dns:secret.example.test", "ip:127.0.0.2/32"]

[[server]]
name = "tls"
issuer = "intermediate"
subject = "CN=vault.example.test,O=Example,C=DE"
dns = ["vault.example.test"]
ip = ["127.0.0.1"]
extensions = { crl_urls = ["http://pki.example.test/intermediate.crl"], ca_issuers_urls = ["http://pki.example.test/intermediate.crt"], policies = ["1.3.6.1.4.1.99999.1.2"] }

[[csr]]
csr = "client.csr"
issuer = "intermediate"
profile = "client"
out = "client.pem"
extensions = { crl_urls = ["http://pki.example.test/intermediate.crl"], policies = ["1.3.6.1.4.1.99999.1.2"] }
"#;

/// The pkilint command-line tools from the project's `.venv` (scripts/testenv installs them from
/// scripts/requirements.txt).
fn pkilint(tool: &str) -> Command {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let mut install = Command::new(workspace_root().join("scripts/testenv"));
        run(install.arg("install"), "scripts/testenv install (pkilint)");
    });
    let bin = workspace_root().join(".venv/bin").join(tool);
    assert!(
        bin.is_file(),
        "{} is missing: pkilint belongs in scripts/requirements.txt; run scripts/testenv install",
        bin.display()
    );
    Command::new(bin)
}

/// Runs one pkilint tool with `-s ERROR` (only ERROR and FATAL reported; the exit code counts
/// them) and returns its report when it found any.
fn pkilint_errors(tool: &str, args: &[&Path]) -> Option<String> {
    let mut cmd = pkilint(tool);
    cmd.arg("lint").arg("-s").arg("ERROR");
    if tool == "lint_crl" {
        cmd.args(["-t", "CRL", "-p", "PKIX"]);
    }
    cmd.args(args);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let findings: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("(ERROR)") || l.contains("(FATAL)"))
        .filter(|l| !single_label_dns_name(l))
        .collect();
    let unexplained_exit =
        !out.status.success() && findings.is_empty() && !report.contains("(ERROR)");
    (!findings.is_empty() || unexplained_exit).then(|| format!("{tool} {args:?}:\n{report}"))
}

/// pkilint checks dNSName with the `validators` package's `domain`, which wants a dot; RFC 5280
/// (4.2.1.6) asks for RFC 1034's preferred name syntax, where a single label such as the
/// example's `localhost` is valid. Only that finding, for a name without a dot, is set aside.
fn single_label_dns_name(finding: &str) -> bool {
    finding
        .trim()
        .strip_prefix("pkix.invalid_domain_name_syntax (ERROR): Invalid domain name syntax: \"")
        .and_then(|rest| rest.strip_suffix('"'))
        .is_some_and(|name| !name.is_empty() && !name.contains('.'))
}

/// The PEM certificate blocks of a file, in order.
fn pem_blocks(text: &str) -> Vec<String> {
    const END: &str = "-----END CERTIFICATE-----";
    text.split_inclusive(END)
        .filter_map(|chunk| {
            let start = chunk.find("-----BEGIN CERTIFICATE-----")?;
            chunk
                .ends_with(END)
                .then(|| format!("{}\n", &chunk[start..]))
        })
        .collect()
}

/// Every certificate below `dir` (each PEM bundle split, duplicates once) written to its own file
/// in `split`, and every issuer/subject pair the bundles and CA directories show.
fn certificates_and_pairs(dir: &Path, split: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, PathBuf)>) {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut pairs = Vec::new();
    let mut place = |pem: &str| -> PathBuf {
        if let Some((_, p)) = files.iter().find(|(b, _)| b == pem) {
            return p.clone();
        }
        let p = split.join(format!("cert-{}.pem", files.len()));
        std::fs::write(&p, pem).expect("write split certificate");
        files.push((pem.to_owned(), p.clone()));
        p
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("list ceremony dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let placed: Vec<PathBuf> = pem_blocks(&text).iter().map(|b| place(b)).collect();
            // A bundle is leaf first, each certificate issued by the next.
            for w in placed.windows(2) {
                pairs.push((w[1].clone(), w[0].clone()));
            }
            // A CA directory: ca.pem is issued by the first certificate of chain.pem.
            if path.file_name().is_some_and(|n| n == "chain.pem") {
                let ca =
                    std::fs::read_to_string(d.join("ca.pem")).expect("ca.pem beside chain.pem");
                let ca = place(&pem_blocks(&ca)[0]);
                pairs.push((placed[0].clone(), ca));
            }
        }
    }
    pairs.sort();
    pairs.dedup();
    (files.into_iter().map(|(_, p)| p).collect(), pairs)
}

fn crl_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("list ceremony dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("crl"))
            {
                out.push(path);
            }
        }
    }
    out
}

/// Lints every certificate, issuer/subject pair and CRL below `dir` with pkilint; returns the
/// reports of everything with an ERROR or FATAL finding, and how many documents were linted.
fn pkilint_tree(dir: &Path) -> (Vec<String>, usize) {
    let split = tempfile::tempdir().expect("temp dir");
    let (certs, pairs) = certificates_and_pairs(dir, split.path());
    let crls = crl_files(dir);
    let mut failures = Vec::new();
    for c in &certs {
        failures.extend(pkilint_errors("lint_pkix_cert", &[c]));
    }
    for (issuer, subject) in &pairs {
        failures.extend(pkilint_errors(
            "lint_pkix_signer_signee_cert_chain",
            &[issuer, subject],
        ));
    }
    for crl in &crls {
        failures.extend(pkilint_errors("lint_crl", &[crl]));
    }
    (failures, certs.len() + pairs.len() + crls.len())
}

#[test]
fn pkilint_finds_no_error_in_the_example_ceremony_or_an_rsa_p384_ceremony() {
    // The shipped example, with a CRL (one revocation, RFC 5280's reason spelling) from each CA.
    let example = example_ceremony();
    let d = example.path();
    let serial = |cert: &str| {
        let out = openssl(d, &["x509", "-in", cert, "-noout", "-serial"]);
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .trim_start_matches("serial=")
            .to_owned()
    };
    let server_serial = serial("c/openbao-tls/tls.crt");
    pki_bootstrap(
        d,
        &[
            "crl",
            "--ca",
            "c/intermediate",
            "--ca-passphrase-file",
            "pass",
            "--revoke",
            &server_serial,
            "--reason",
            "keyCompromise",
        ],
    );
    pki_bootstrap(
        d,
        &["crl", "--ca", "c/root", "--ca-passphrase-file", "pass"],
    );

    // The second ceremony: RSA-4096 root, P-384 intermediate, C= everywhere, a [[csr]].
    let second = tempfile::tempdir().expect("temp dir");
    let s = second.path();
    std::fs::write(s.join("pass"), format!("{PASS}\n")).expect("passphrase file");
    std::fs::write(s.join("ceremony.toml"), RSA_P384_CEREMONY).expect("ceremony file");
    ec_csr(s, "/CN=backup-agent/O=Example/C=DE", "client.csr", &[]);
    pki_bootstrap(
        s,
        &[
            "ceremony",
            "--config",
            "ceremony.toml",
            "--out",
            "c",
            "--passphrase-file",
            "pass",
        ],
    );
    pki_bootstrap(
        s,
        &[
            "crl",
            "--ca",
            "c/intermediate",
            "--ca-passphrase-file",
            "pass",
            "--revoke",
            "01:02",
            "--reason",
            "superseded",
        ],
    );
    pki_bootstrap(
        s,
        &["crl", "--ca", "c/root", "--ca-passphrase-file", "pass"],
    );

    // The intermediate's constraints are in the certificate as openssl reads it, and enforced:
    // a CSR for a name they exclude is refused.
    let text = openssl(
        s,
        &["x509", "-in", "c/intermediate/ca.pem", "-noout", "-text"],
    );
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "X509v3 Name Constraints: critical",
        "DNS:example.test",
        "IP:127.0.0.0/255.0.0.0",
        "URI:.example.test",
        "CA Issuers - URI:http://pki.example.test/root.crt",
        "Policy: 1.3.6.1.4.1.99999.1.2",
        "URI:http://pki.example.test/root.crl",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    ec_csr(
        s,
        "/CN=db.secret.example.test/O=Example/C=DE",
        "outside.csr",
        &["-addext", "subjectAltName=DNS:db.secret.example.test"],
    );
    let refused = Command::new(bin_path("pki-bootstrap"))
        .current_dir(s)
        .args([
            "sign-csr",
            "--ca",
            "c/intermediate",
            "--ca-passphrase-file",
            "pass",
            "--csr",
            "outside.csr",
            "--profile",
            "server",
            "--out",
            "outside.pem",
        ])
        .output()
        .expect("pki-bootstrap");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains(
            "dns:db.secret.example.test falls in the excluded subtree dns:secret.example.test"
        ),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!s.join("outside.pem").exists());

    let mut failures = Vec::new();
    for dir in [d.join("c"), s.join("c")] {
        let (f, linted) = pkilint_tree(&dir);
        // At least 3 certificates, 2 issuer/subject pairs and 4 CRL files: the walk found them all.
        assert!(
            linted >= 9,
            "only {linted} documents found under {}",
            dir.display()
        );
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "pkilint found errors:\n{}",
        failures.join("\n")
    );
}
