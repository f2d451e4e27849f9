//! The exact error text users see, through the real binary (assert_cmd), and that a refused
//! command leaves nothing behind.

mod common;

use assert_cmd::assert::OutputAssertExt;
use common::{Scratch, make_csr};
use predicates::prelude::*;

fn last_stderr_line(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn existing_output_without_force_is_refused_and_force_replaces() {
    let s = Scratch::new();
    s.root("root", "p256", &[]);
    let before = std::fs::read(s.path("root/ca.pem")).unwrap();
    let out = s
        .cmd()
        .args([
            "root",
            "--out",
            "root",
            "--subject",
            "CN=Other",
            "--passphrase-file",
            "pass",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: refusing to overwrite existing file root/ca.pem (pass --force to replace it)"
    );
    assert_eq!(std::fs::read(s.path("root/ca.pem")).unwrap(), before);
    s.ok(&[
        "root",
        "--out",
        "root",
        "--subject",
        "CN=Other",
        "--passphrase-file",
        "pass",
        "--force",
    ]);
    assert_ne!(std::fs::read(s.path("root/ca.pem")).unwrap(), before);
}

#[test]
fn wrong_passphrase() {
    let s = Scratch::new();
    s.root("root", "p256", &[]);
    let out = s
        .cmd()
        .args([
            "intermediate",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "wrong",
            "--out",
            "int",
            "--subject",
            "CN=Int",
            "--passphrase-file",
            "pass",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: wrong passphrase for CA key root/ca.key (or the file is damaged)"
    );
    assert!(
        !s.path("int").exists(),
        "nothing is written after a refusal"
    );
}

#[test]
fn ca_true_csr_under_server_profile() {
    let s = Scratch::new();
    s.root("root", "p256", &["--path-len", "1"]);
    make_csr(
        s.dir.path(),
        "ca.csr",
        "ec",
        &[
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-subj",
            "/CN=sneaky",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "subjectAltName=DNS:sneaky.example",
        ],
    );
    let out = s
        .cmd()
        .args([
            "sign-csr",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "pass",
            "--csr",
            "ca.csr",
            "--profile",
            "server",
            "--out",
            "leaf.pem",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: refusing to sign CSR ca.csr: it requests CA:TRUE but the server profile \
         issues end-entity certificates (use --profile intermediate to sign a CA)"
    );
    assert!(!s.path("leaf.pem").exists());
}

#[test]
fn pathlen_that_does_not_fit() {
    let s = Scratch::new();
    s.root("root", "p256", &["--path-len", "0"]);
    let out = s
        .cmd()
        .args([
            "intermediate",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "pass",
            "--out",
            "int",
            "--subject",
            "CN=Int",
            "--passphrase-file",
            "pass",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: issuer \"CN=Test Root, O=Example\" has pathLenConstraint 0 and cannot \
         sign the CA \"CN=Int\"; sign it with a CA higher up, or create the issuer with a larger \
         --path-len"
    );
    assert!(!s.path("int").exists());

    let s = Scratch::new();
    s.root("root", "p256", &["--path-len", "1"]);
    let out = s
        .cmd()
        .args([
            "intermediate",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "pass",
            "--out",
            "int",
            "--subject",
            "CN=Int",
            "--passphrase-file",
            "pass",
            "--path-len",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: path length 1 of \"CN=Int\" does not fit under issuer \"CN=Test Root, \
         O=Example\" (pathLenConstraint 1); use --path-len 0 or less"
    );
}

#[test]
fn child_outliving_parent_is_refused_or_truncated() {
    let s = Scratch::new();
    s.root("root", "p256", &["--days", "30"]);
    let out = s
        .cmd()
        .args([
            "intermediate",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "pass",
            "--out",
            "int",
            "--subject",
            "CN=Int",
            "--passphrase-file",
            "pass",
            "--days",
            "60",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = last_stderr_line(&out);
    assert!(
        line.starts_with("pki-bootstrap: \"CN=Int\" would be valid until ")
            && line.contains(" but its issuer \"CN=Test Root, O=Example\" expires ")
            && line.ends_with("; shorten --days or pass --truncate-validity"),
        "{line}"
    );
    assert!(!s.path("int").exists());
    s.cmd()
        .args([
            "intermediate",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "pass",
            "--out",
            "int",
            "--subject",
            "CN=Int",
            "--passphrase-file",
            "pass",
            "--days",
            "60",
            "--truncate-validity",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: validity of \"CN=Int\" truncated from ",
        ));
    let (root_end, int_end) = (
        common::openssl(
            s.dir.path(),
            &["x509", "-in", "root/ca.pem", "-noout", "-enddate"],
        )
        .1,
        common::openssl(
            s.dir.path(),
            &["x509", "-in", "int/ca.pem", "-noout", "-enddate"],
        )
        .1,
    );
    assert_eq!(root_end, int_end);
}

#[test]
fn malformed_csr() {
    let s = Scratch::new();
    s.root("root", "p256", &[]);
    std::fs::write(
        s.path("bad.csr"),
        "-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n-----END CERTIFICATE REQUEST-----\n",
    )
    .unwrap();
    let out = s
        .cmd()
        .args([
            "sign-csr",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "pass",
            "--csr",
            "bad.csr",
            "--profile",
            "intermediate",
            "--out",
            "x.pem",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: malformed CSR bad.csr: not a PEM or DER PKCS#10 certificate request"
    );
}

#[test]
fn weak_and_sha1_csrs_are_refused() {
    let s = Scratch::new();
    s.root("root", "p256", &["--path-len", "1"]);
    make_csr(s.dir.path(), "weak.csr", "rsa:1024", &["-subj", "/CN=weak"]);
    make_csr(
        s.dir.path(),
        "sha1.csr",
        "rsa:2048",
        &["-subj", "/CN=old", "-sha1"],
    );
    for (csr, why) in [
        (
            "weak.csr",
            "its RSA key has 1024 bits; at least 2048 are required",
        ),
        ("sha1.csr", "it is signed with SHA-1"),
    ] {
        let out = s
            .cmd()
            .args([
                "sign-csr",
                "--ca",
                "root",
                "--ca-passphrase-file",
                "pass",
                "--csr",
                csr,
                "--profile",
                "intermediate",
                "--out",
                "x.pem",
            ])
            .output()
            .unwrap();
        assert_eq!(
            last_stderr_line(&out),
            format!("pki-bootstrap: refusing to sign CSR {csr}: {why}")
        );
    }
}

#[test]
fn plaintext_ca_key_needs_both_flags() {
    let s = Scratch::new();
    s.cmd()
        .args(["root", "--out", "r", "--subject", "CN=R", "--no-encrypt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--insecure"));
    assert!(!s.path("r").exists());
    s.cmd()
        .args([
            "root",
            "--out",
            "r",
            "--subject",
            "CN=R",
            "--no-encrypt",
            "--insecure",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("is NOT encrypted"));
    let key = std::fs::read_to_string(s.path("r/ca.key")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
}

#[test]
fn short_passphrase_is_refused() {
    let s = Scratch::new();
    std::fs::write(s.path("short"), "abc\n").unwrap();
    let out = s
        .cmd()
        .args([
            "root",
            "--out",
            "r",
            "--subject",
            "CN=R",
            "--passphrase-file",
            "short",
        ])
        .output()
        .unwrap();
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: passphrase is shorter than 12 characters; choose a longer one"
    );
    assert!(!s.path("r").exists());
}

#[test]
fn require_offline_matches_the_interfaces() {
    let s = Scratch::new();
    let up = pki_bootstrap::offline::interfaces_up();
    let out = s
        .cmd()
        .args([
            "root",
            "--out",
            "r",
            "--subject",
            "CN=R",
            "--passphrase-file",
            "pass",
            "--require-offline",
        ])
        .output()
        .unwrap();
    if up.is_empty() {
        assert!(out.status.success());
    } else {
        assert_eq!(
            last_stderr_line(&out),
            format!(
                "pki-bootstrap: network interface(s) {} are up and --require-offline was given; \
                 disconnect them and retry",
                up.join(", ")
            )
        );
        assert!(!s.path("r").exists());
    }
}

#[test]
fn outputs_have_modes_and_records_check() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    s.root("root", "p256", &["--path-len", "1"]);
    s.intermediate("root", "int", "p256", &[]);
    s.server("int", "tls", "p256");
    let mode = |p: &str| std::fs::metadata(s.path(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("root/ca.key"), 0o600);
    assert_eq!(mode("root/ca.pem"), 0o644);
    assert_eq!(mode("tls/tls.key"), 0o600);
    assert_eq!(mode("tls/tls.crt"), 0o644);
    for d in ["root", "int", "tls"] {
        let st = std::process::Command::new("sha256sum")
            .args(["-c", "--strict", "SHA256SUMS"])
            .current_dir(s.path(d))
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{d}: {}",
            String::from_utf8_lossy(&st.stdout)
        );
        let log = std::fs::read_to_string(s.path(&format!("{d}/ceremony-log.jsonl"))).unwrap();
        for line in log.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["time"].as_str().unwrap().ends_with('Z'));
            assert!(v["tool"].as_str().unwrap().starts_with("pki-bootstrap "));
        }
    }
    // The root's log records the intermediate and the server cert's issuer is the intermediate.
    let root_log = std::fs::read_to_string(s.path("root/ceremony-log.jsonl")).unwrap();
    assert_eq!(root_log.lines().count(), 2);
    s.cmd()
        .args(["verify", "root", "int", "tls", "--passphrase-file", "pass"])
        .assert()
        .success()
        .stdout(predicate::str::contains("FAIL").not());
    // Tampering is caught: exit code 3.
    std::fs::write(s.path("int/state.json"), "{}").unwrap();
    s.cmd()
        .args(["verify", "int"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("FAIL manifest"));
}

#[test]
fn new_certificates_are_announced() {
    let s = Scratch::new();
    let out = s.ok(&[
        "root",
        "--out",
        "r",
        "--subject",
        "CN=Announce",
        "--passphrase-file",
        "pass",
    ]);
    let (_, fp) = common::openssl(
        s.dir.path(),
        &[
            "x509",
            "-in",
            "r/ca.pem",
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    );
    let fp = fp.trim().rsplit('=').next().unwrap().to_owned();
    assert!(out.contains(&format!("sha256:      {fp}")), "{out}\n{fp}");
    assert!(out.contains("subject:     CN=Announce"));
}

#[test]
fn ceremony_dry_run_writes_nothing_and_run_matches_it() {
    let s = Scratch::new();
    let cfg = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/ceremony/ceremony.toml"
    );
    let plan = s.ok(&["ceremony", "--config", cfg, "--out", "c", "--dry-run"]);
    assert!(!s.path("c").exists());
    let planned: Vec<String> = plan
        .lines()
        .skip_while(|l| !l.starts_with("Files that would be created"))
        .skip(1)
        .map(|l| l.trim().to_owned())
        .collect();
    assert_eq!(planned.len(), 10, "{plan}");
    s.ok(&[
        "ceremony",
        "--config",
        cfg,
        "--out",
        "c",
        "--passphrase-file",
        "pass",
    ]);
    for f in &planned {
        assert!(s.path(f).is_file(), "{f} planned but not created");
    }
    let st = std::process::Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(s.path("c"))
        .output()
        .unwrap();
    assert!(st.status.success());
    // A second run refuses: everything exists.
    let out = s
        .cmd()
        .args([
            "ceremony",
            "--config",
            cfg,
            "--out",
            "c",
            "--passphrase-file",
            "pass",
        ])
        .output()
        .unwrap();
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: refusing to overwrite existing file c/root/ca.pem (pass --force to replace it)"
    );
}

#[test]
fn later_commands_keep_the_ceremony_manifest_true_without_blessing_other_changes() {
    let s = Scratch::new();
    let cfg = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/ceremony/ceremony.toml"
    );
    s.ok(&[
        "ceremony",
        "--config",
        cfg,
        "--out",
        "c",
        "--passphrase-file",
        "pass",
    ]);
    let check = || {
        std::process::Command::new("sha256sum")
            .args(["-c", "--strict", "--quiet", "SHA256SUMS"])
            .current_dir(s.path("c"))
            .output()
            .unwrap()
    };
    // `sha256sum -c` at the top passes; the manifest it checked.
    let holds = || {
        let out = check();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        std::fs::read_to_string(s.path("c/SHA256SUMS")).unwrap()
    };
    let root_crl = || {
        s.ok(&[
            "crl",
            "--ca",
            "c/root",
            "--ca-passphrase-file",
            "pass",
            "--next-update",
            "30d",
        ])
    };
    // A CRL signed after the ceremony: the top-level manifest follows the root's new files.
    root_crl();
    let sums = holds();
    assert!(sums.contains("  root/crl.pem\n"), "{sums}");
    // A CA directory made later inside the ceremony directory joins its manifest.
    s.ok(&[
        "intermediate",
        "--ca",
        "c/root",
        "--ca-passphrase-file",
        "pass",
        "--out",
        "c/second",
        "--subject",
        "CN=Second Intermediate,O=Example,C=NL",
        "--passphrase-file",
        "pass",
    ]);
    let sums = holds();
    for file in [
        "ca.pem",
        "ca.key",
        "chain.pem",
        "state.json",
        "ceremony-log.jsonl",
        "SHA256SUMS",
    ] {
        assert!(sums.contains(&format!("  second/{file}\n")), "{sums}");
    }
    // A file changed elsewhere in the tree is not re-blessed by a later command on the root.
    let other = s.path("c/intermediate/ca.pem");
    let mut pem = std::fs::read(&other).unwrap();
    pem.extend_from_slice(b"\n");
    std::fs::write(&other, pem).unwrap();
    root_crl();
    let out = check();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("intermediate/ca.pem: FAILED"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Rewrites `dir/SHA256SUMS` to match the files as they are now, as someone covering an edit would.
fn reseal(dir: &std::path::Path) {
    let mut out = String::new();
    for (name, digest) in pki_bootstrap::record::hash_dir(dir).expect("hash the CA directory") {
        out.push_str(&format!("{digest}  {name}\n"));
    }
    std::fs::write(dir.join("SHA256SUMS"), out).expect("write SHA256SUMS");
}

fn crl_args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec!["crl", "--ca", "root", "--ca-passphrase-file", "pass"];
    args.extend_from_slice(extra);
    args
}

#[test]
fn tampered_state_crl_or_files_are_refused_naming_the_file() {
    let s = Scratch::new();
    s.root("root", "p256", &[]);
    s.ok(&crl_args(&[
        "--revoke",
        "0a:bc",
        "--reason",
        "keyCompromise",
    ]));
    let before_log = std::fs::read(s.path("root/ceremony-log.jsonl")).unwrap();

    // A revocation deleted from state.json, SHA256SUMS rewritten to match: the signed CRL says
    // otherwise.
    let state = std::fs::read_to_string(s.path("root/state.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&state).unwrap();
    json["revoked"] = serde_json::json!([]);
    std::fs::write(s.path("root/state.json"), json.to_string()).unwrap();
    reseal(&s.path("root"));
    let out = s.cmd().args(crl_args(&[])).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let msg = last_stderr_line(&out);
    assert!(
        msg.starts_with("pki-bootstrap: root/state.json lacks the revocation of serial 0a:bc"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(s.path("root/ceremony-log.jsonl")).unwrap(),
        before_log,
        "nothing recorded"
    );
    std::fs::write(s.path("root/state.json"), state).unwrap();
    reseal(&s.path("root"));

    // The CRL swapped for another CA's (resealed): it does not verify with this CA's key.
    let other = Scratch::new();
    other.root("root", "p256", &[]);
    other.ok(&["crl", "--ca", "root", "--ca-passphrase-file", "pass"]);
    let good_crl = std::fs::read(s.path("root/crl.pem")).unwrap();
    std::fs::copy(other.path("root/crl.pem"), s.path("root/crl.pem")).unwrap();
    reseal(&s.path("root"));
    let out = s.cmd().args(crl_args(&[])).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        last_stderr_line(&out)
            .starts_with("pki-bootstrap: root/crl.pem is not a CRL signed by this CA's key"),
        "{}",
        last_stderr_line(&out)
    );
    std::fs::write(s.path("root/crl.pem"), good_crl).unwrap();
    reseal(&s.path("root"));

    // Any file changed without resealing: SHA256SUMS names it.
    s.ok(&crl_args(&[]));
    std::fs::write(s.path("root/crl-0001.pem"), "edited\n").unwrap();
    let out = s.cmd().args(crl_args(&[])).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        last_stderr_line(&out)
            .starts_with("pki-bootstrap: root/crl-0001.pem does not match its line in SHA256SUMS"),
        "{}",
        last_stderr_line(&out)
    );
    // sign-csr on the same directory is refused the same way.
    make_csr(
        s.dir.path(),
        "svc.csr",
        "ec",
        &[
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-subj",
            "/CN=svc",
            "-addext",
            "subjectAltName=DNS:svc.example",
        ],
    );
    let out = s
        .cmd()
        .args([
            "sign-csr",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "pass",
            "--csr",
            "svc.csr",
            "--profile",
            "server",
            "--out",
            "svc.pem",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(last_stderr_line(&out).contains("root/crl-0001.pem does not match"));
    assert!(!s.path("svc.pem").exists());
}

#[test]
fn crl_require_offline_and_both_reason_spellings() {
    let s = Scratch::new();
    s.root("root", "p256", &[]);
    let out = s
        .cmd()
        .args(crl_args(&["--require-offline"]))
        .output()
        .unwrap();
    // Refused exactly when a non-loopback interface is up on this machine.
    let online = !pki_bootstrap::offline::interfaces_up().is_empty();
    assert_eq!(out.status.success(), !online, "{}", last_stderr_line(&out));
    if online {
        assert!(last_stderr_line(&out).contains("--require-offline was given"));
    }
    s.ok(&crl_args(&["--revoke", "01", "--reason", "cACompromise"]));
    s.ok(&crl_args(&["--revoke", "02", "--reason", "ca-compromise"]));
    let state = std::fs::read_to_string(s.path("root/state.json")).unwrap();
    assert_eq!(state.matches("\"ca-compromise\"").count(), 2, "{state}");
}

#[test]
fn quorum_custody_any_three_of_five_shares_sign_two_do_not() {
    let s = Scratch::new();
    let out = s.ok(&[
        "root",
        "--out",
        "root",
        "--subject",
        "CN=Quorum Root,C=NL",
        "--split-passphrase",
        "3-of-5",
        "--shares-dir",
        "shares",
    ]);
    assert!(out.contains("shares/share-5-of-5.txt"), "{out}");
    for i in 1..=5 {
        let p = s.path(&format!("shares/share-{i}-of-5.txt"));
        let meta = std::fs::metadata(&p).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(&format!("index = {i}")) && text.contains("threshold = 3"));
        assert!(text.contains("key_sha256 = "));
    }
    let shares = |ids: &[u8]| -> String {
        ids.iter()
            .map(|i| format!("shares/share-{i}-of-5.txt"))
            .collect::<Vec<_>>()
            .join(",")
    };
    // Two different triples sign.
    for triple in [[1, 2, 3], [5, 3, 1]] {
        s.ok(&["crl", "--ca", "root", "--ca-shares", &shares(&triple)]);
    }
    let before = std::fs::read(s.path("root/state.json")).unwrap();
    // Two are not enough, and nothing is written.
    let out = s
        .cmd()
        .args(["crl", "--ca", "root", "--ca-shares", &shares(&[2, 4])])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: 2 share(s) given but this key needs 3 of 5; bring more custodians"
    );
    assert_eq!(std::fs::read(s.path("root/state.json")).unwrap(), before);
    // A flipped byte in a share is named.
    let p = s.path("shares/share-4-of-5.txt");
    let mut text = std::fs::read_to_string(&p).unwrap();
    let at = text.find("share = ").unwrap() + 9;
    let flipped = if &text[at..=at] == "a" { "b" } else { "a" };
    text.replace_range(at..=at, flipped);
    std::fs::write(&p, text).unwrap();
    let out = s
        .cmd()
        .args(["crl", "--ca", "root", "--ca-shares", &shares(&[1, 2, 4])])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        last_stderr_line(&out).contains("share-4-of-5.txt is damaged"),
        "{}",
        last_stderr_line(&out)
    );
    // Shares of another key are refused.
    s.root("other", "p256", &[]);
    let out = s
        .cmd()
        .args(["crl", "--ca", "other", "--ca-shares", &shares(&[1, 2, 3])])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        last_stderr_line(&out).contains("belongs to key"),
        "{}",
        last_stderr_line(&out)
    );
    assert!(!s.path("other/crl.pem").exists());
}

#[test]
fn names_outside_an_intermediates_constraints_are_refused_before_signing() {
    let s = Scratch::new();
    s.root("root", "p256", &["--path-len", "1"]);
    s.intermediate(
        "root",
        "int",
        "p256",
        &[
            "--permit",
            "dns:example.com",
            "--permit",
            "ip:10.0.0.0/8",
            "--exclude",
            "dns:secret.example.com",
            "--crl-url",
            "http://pki.example.com/root.crl",
            "--policy",
            "1.3.6.1.4.1.99999.1",
        ],
    );
    let sign = |csr: &str, profile: &str, out: &str, extra: &[&str]| {
        let mut args = vec![
            "sign-csr",
            "--ca",
            "int",
            "--ca-passphrase-file",
            "pass",
            "--csr",
            csr,
            "--profile",
            profile,
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        s.cmd().args(&args).output().unwrap()
    };
    for (name, san, why) in [
        (
            "other.csr",
            "DNS:www.example.org",
            "dns:www.example.org is outside the issuing CA's permitted names (dns:example.com)",
        ),
        (
            "secret.csr",
            "DNS:db.secret.example.com",
            "dns:db.secret.example.com falls in the excluded subtree dns:secret.example.com of \
             an issuing CA's name constraints",
        ),
        (
            "ip.csr",
            "IP:192.168.1.1",
            "ip:192.168.1.1/32 is outside the issuing CA's permitted names (ip:10.0.0.0/8)",
        ),
    ] {
        make_csr(
            s.dir.path(),
            name,
            "ec",
            &[
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-subj",
                "/CN=leaf",
                "-addext",
                &format!("subjectAltName={san}"),
            ],
        );
        let out = sign(name, "server", "leaf.pem", &[]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            last_stderr_line(&out),
            format!("pki-bootstrap: refusing to sign CSR {name}: {why}")
        );
        assert!(!s.path("leaf.pem").exists());
    }
    // Inside the constraints it signs, with the extra extensions asked for.
    make_csr(
        s.dir.path(),
        "ok.csr",
        "ec",
        &[
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-subj",
            "/CN=www.example.com",
            "-addext",
            "subjectAltName=DNS:www.example.com,IP:10.1.2.3",
        ],
    );
    let out = sign(
        "ok.csr",
        "server",
        "leaf.pem",
        &[
            "--crl-url",
            "http://pki.example.com/int.crl",
            "--ocsp-url",
            "http://ocsp.example.com",
        ],
    );
    assert!(out.status.success(), "{}", last_stderr_line(&out));
    let (ok, text) = common::openssl(
        s.dir.path(),
        &["x509", "-in", "leaf.pem", "-noout", "-text"],
    );
    assert!(ok);
    assert!(
        text.contains("URI:http://pki.example.com/int.crl"),
        "{text}"
    );
    assert!(
        text.contains("OCSP - URI:http://ocsp.example.com"),
        "{text}"
    );
    // Name constraints belong on CAs only.
    let out = sign(
        "ok.csr",
        "server",
        "leaf2.pem",
        &["--permit", "dns:example.com"],
    );
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: CSR ok.csr: name constraints (permitted/excluded) belong on an \
         intermediate CA certificate: a leaf cannot carry them, and RFC 5280 path validation \
         ignores them on a self-signed root"
    );
    let out = sign(
        "ok.csr",
        "server",
        "leaf2.pem",
        &["--crl-url", "ldap://x/y"],
    );
    assert!(
        last_stderr_line(&out).contains("URL `ldap://x/y` must start with http://"),
        "{}",
        last_stderr_line(&out)
    );
}

#[test]
fn a_ceremony_file_whose_server_falls_outside_its_issuers_constraints_is_refused_up_front() {
    let s = Scratch::new();
    std::fs::write(
        s.path("c.toml"),
        r#"
[[ca]]
name = "root"
subject = "CN=Root"
path_len = 1

[[ca]]
name = "int"
issuer = "root"
subject = "CN=Int"
extensions = { permitted = ["dns:example.com"] }

[[server]]
name = "tls"
issuer = "int"
dns = ["vault.example.org"]
"#,
    )
    .unwrap();
    let out = s
        .cmd()
        .args([
            "ceremony",
            "--config",
            "c.toml",
            "--out",
            "out",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: ceremony file c.toml: server `tls`: dns:vault.example.org is outside \
         the issuing CA's permitted names (dns:example.com)"
    );
    assert!(!s.path("out").exists());
}

#[test]
fn an_interrupted_command_is_undone_by_the_next_one_which_says_so() {
    let s = Scratch::new();
    s.root("root", "p256", &[]);
    let before: Vec<u8> = std::fs::read(s.path("root/state.json")).unwrap();
    // What a crash of `crl` between placing state.json and its commit point leaves: a pending
    // journal, the replaced state.json's undo link, the new state.json.
    let id = "00112233aabbccdd";
    std::fs::hard_link(
        s.path("root/state.json"),
        s.path(&format!("root/.state.json.pki-bootstrap-undo.{id}")),
    )
    .unwrap();
    std::fs::write(s.path("root/.crl.pem.pki-bootstrap-tmp.a1b2c3"), b"half").unwrap();
    std::fs::remove_file(s.path("root/state.json")).unwrap();
    std::fs::write(s.path("root/state.json"), b"{\"crl_number\": 7}").unwrap();
    std::fs::write(
        s.path(&format!("root/.pki-bootstrap-journal.{id}.json")),
        format!(
            "{{\"id\":\"{id}\",\"command\":\"crl\",\"started\":\"2026-01-01T00:00:00Z\",\
             \"files\":[{{\"path\":\"state.json\",\"undo\":\".state.json.pki-bootstrap-undo.{id}\"}}]}}"
        ),
    )
    .unwrap();
    let out = s.cmd().args(["verify", "root"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "FAIL record root: the `crl` started 2026-01-01T00:00:00Z was interrupted before it \
             completed; run `pki-bootstrap recover root`"
        ),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = s.cmd().args(["recover", "root"]).output().unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(
            "the `crl` started 2026-01-01T00:00:00Z was interrupted before it completed \
             and has been undone (0 file(s) it had placed removed, 1 restored)"
        ),
        "{said}"
    );
    assert_eq!(std::fs::read(s.path("root/state.json")).unwrap(), before);
    let names: Vec<String> = std::fs::read_dir(s.path("root"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "{names:?}");
    s.ok(&["verify", "root"]);
    let out = s.cmd().args(["recover", "root"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "root: nothing to recover\n"
    );
}

#[test]
fn cross_signed_new_root_chains_its_leaves_to_the_old_root() {
    let s = Scratch::new();
    s.root("old", "p256", &["--path-len", "2"]);
    s.ok(&[
        "root",
        "--out",
        "new",
        "--subject",
        "CN=New Root,O=Example,C=NL",
        "--key-type",
        "p384",
        "--path-len",
        "1",
        "--passphrase-file",
        "pass",
    ]);
    s.server("new", "tls", "p256");
    let cross = [
        "cross-sign",
        "--ca",
        "old",
        "--ca-passphrase-file",
        "pass",
        "--cert",
        "new/ca.pem",
        "--out",
        "cross.pem",
        "--path-len",
        "1",
    ];
    s.ok(&cross);
    // Subject and key identifier kept; issued by the old root; recorded in the old root's state.
    let field = |file: &str, what: &str| {
        let (ok, text) = common::openssl(
            s.dir.path(),
            &[
                "x509",
                "-in",
                file,
                "-noout",
                what,
                "-ext",
                "subjectKeyIdentifier",
            ],
        );
        assert!(ok, "{text}");
        text
    };
    assert_eq!(
        field("cross.pem", "-subject"),
        field("new/ca.pem", "-subject")
    );
    assert!(field("cross.pem", "-issuer").contains("issuer=CN = Test Root"));
    let state = std::fs::read_to_string(s.path("old/state.json")).unwrap();
    assert!(state.contains("\"command\": \"cross-sign\""), "{state}");
    // A leaf of the new root verifies with only the old root as trust anchor.
    let (ok, text) = common::openssl(
        s.dir.path(),
        &[
            "verify",
            "-x509_strict",
            "-CAfile",
            "old/ca.pem",
            "-untrusted",
            "cross.pem",
            "tls/tls.crt",
        ],
    );
    assert!(ok, "{text}");
    // Only CA certificates are cross-signed.
    let mut leaf = cross;
    leaf[6] = "tls/tls.crt";
    leaf[8] = "leaf-cross.pem";
    let out = s.cmd().args(leaf).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "pki-bootstrap: refusing to cross-sign tls/tls.crt: it is not a CA certificate \
         (basicConstraints CA:TRUE with keyCertSign)"
    );
    assert!(!s.path("leaf-cross.pem").exists());
}
