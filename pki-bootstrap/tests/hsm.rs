//! CA keys on a PKCS#11 token, with SoftHSM2 (`scripts/testenv install --softhsm`): a root whose
//! key is generated on the token and never leaves it signs an intermediate and a CRL that the
//! `openssl` CLI verifies; a wrong PIN and a reused label get their exact errors; the token key
//! is sensitive and non-extractable.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Scratch, openssl};

const PIN: &str = "123456";

fn module() -> PathBuf {
    let candidates = [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "SoftHSM2 is required for the HSM tests: run `scripts/testenv install --softhsm`"
            )
        })
}

/// A SoftHSM2 token "ceremony" in the scratch dir; returns the config path for SOFTHSM2_CONF.
fn token(s: &Scratch) -> PathBuf {
    std::fs::create_dir(s.path("tokens")).unwrap();
    let conf = s.path("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            s.s("tokens")
        ),
    )
    .unwrap();
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "ceremony",
            "--pin",
            PIN,
            "--so-pin",
            "12345678",
        ])
        .output()
        .expect("softhsm2-util (scripts/testenv install --softhsm)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(s.path("pin"), format!("{PIN}\n")).unwrap();
    std::fs::write(s.path("wrong-pin"), "654321\n").unwrap();
    conf
}

fn run(s: &Scratch, conf: &Path, args: &[&str]) -> std::process::Output {
    s.cmd()
        .env("SOFTHSM2_CONF", conf)
        .args(args)
        .output()
        .unwrap()
}

fn last_line(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn root_on_token_signs_chain_and_crl_that_openssl_verifies() {
    let s = Scratch::new();
    let conf = token(&s);
    let module = module().display().to_string();
    let out = run(
        &s,
        &conf,
        &[
            "root",
            "--out",
            "root",
            "--subject",
            "CN=HSM Root,O=Example",
            "--path-len",
            "1",
            "--key-uri",
            "pkcs11:token=ceremony;object=root-2026",
            "--pkcs11-module",
            &module,
            "--pin-file",
            "pin",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !s.path("root/ca.key").exists(),
        "the key never leaves the token"
    );
    assert_eq!(
        std::fs::read_to_string(s.path("root/ca.key-uri")).unwrap(),
        format!("pkcs11:token=ceremony;object=root-2026?module-path={module}\n")
    );

    let out = run(
        &s,
        &conf,
        &[
            "intermediate",
            "--ca",
            "root",
            "--ca-pin-file",
            "pin",
            "--out",
            "int",
            "--subject",
            "CN=Offline Intermediate",
            "--passphrase-file",
            "pass",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, text) = openssl(
        s.dir.path(),
        &["verify", "-CAfile", "root/ca.pem", "int/ca.pem"],
    );
    assert!(ok, "{text}");
    let (_, text) = openssl(
        s.dir.path(),
        &["x509", "-in", "root/ca.pem", "-noout", "-text"],
    );
    assert!(
        text.contains("ecdsa-with-SHA384") && text.contains("CA:TRUE, pathlen:1"),
        "{text}"
    );

    let (_, serial) = openssl(
        s.dir.path(),
        &["x509", "-in", "int/ca.pem", "-noout", "-serial"],
    );
    let serial = serial.trim().trim_start_matches("serial=").to_owned();
    let out = run(
        &s,
        &conf,
        &[
            "crl",
            "--ca",
            "root",
            "--ca-pin-file",
            "pin",
            "--revoke",
            &serial,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, text) = openssl(
        s.dir.path(),
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
    assert!(
        ok && text.contains(&format!("Serial Number: {serial}")),
        "{text}"
    );

    let out = run(
        &s,
        &conf,
        &["crl", "--ca", "root", "--ca-pin-file", "wrong-pin"],
    );
    assert_eq!(
        last_line(&out),
        "pki-bootstrap: wrong PIN for token \"ceremony\" (or the token is locked)"
    );

    let out = run(
        &s,
        &conf,
        &[
            "root",
            "--out",
            "again",
            "--subject",
            "CN=Again",
            "--key-uri",
            "pkcs11:token=ceremony;object=root-2026",
            "--pkcs11-module",
            &module,
            "--pin-file",
            "pin",
        ],
    );
    assert_eq!(
        last_line(&out),
        "pki-bootstrap: token \"ceremony\" already holds a key labelled \"root-2026\"; choose another object= label"
    );
    assert!(!s.path("again").exists());

    let out = run(&s, &conf, &["verify", "root", "int"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("PASS key root/ca.key-uri: on PKCS#11 token \"ceremony\" as \"root-2026\"")
    );
}

#[test]
fn token_keys_are_sensitive_and_not_extractable() {
    use cryptoki::context::{CInitializeArgs, Pkcs11};
    use cryptoki::object::{Attribute, AttributeType, ObjectClass};
    use cryptoki::session::UserType;
    use cryptoki::types::AuthPin;

    // SoftHSM reads SOFTHSM2_CONF when the module initialises; setting it in this process needs
    // unsafe code, so the check runs in a child copy of this test binary with the variable set.
    if std::env::var_os("PKI_BOOTSTRAP_HSM_CHILD").is_none() {
        let s = Scratch::new();
        let conf = token(&s);
        let module = module().display().to_string();
        let out = run(
            &s,
            &conf,
            &[
                "root",
                "--out",
                "root",
                "--subject",
                "CN=HSM Root",
                "--key-type",
                "p256",
                "--key-uri",
                "pkcs11:token=ceremony;object=k",
                "--pkcs11-module",
                &module,
                "--pin-file",
                "pin",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "token_keys_are_sensitive_and_not_extractable",
                "--nocapture",
            ])
            .env("PKI_BOOTSTRAP_HSM_CHILD", "1")
            .env("SOFTHSM2_CONF", &conf)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&child.stdout);
        assert!(
            child.status.success() && text.contains("1 passed"),
            "{text}{}",
            String::from_utf8_lossy(&child.stderr)
        );
        return;
    }
    let ctx = Pkcs11::new(module()).unwrap();
    ctx.initialize(CInitializeArgs::OsThreads).unwrap();
    let slot = ctx
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| ctx.get_token_info(*s).unwrap().label().trim() == "ceremony")
        .unwrap();
    let session = ctx.open_ro_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::new(PIN.into())))
        .unwrap();
    let keys = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Label(b"k".to_vec()),
        ])
        .unwrap();
    assert_eq!(keys.len(), 1);
    let attrs = session
        .get_attributes(
            keys[0],
            &[
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::Token,
            ],
        )
        .unwrap();
    assert!(attrs.contains(&Attribute::Sensitive(true)), "{attrs:?}");
    assert!(attrs.contains(&Attribute::Extractable(false)), "{attrs:?}");
    assert!(attrs.contains(&Attribute::Token(true)), "{attrs:?}");
}

#[test]
fn ceremony_file_puts_the_root_key_on_the_token() {
    let s = Scratch::new();
    let conf = token(&s);
    let module = module().display().to_string();
    common::make_csr(
        s.dir.path(),
        "mount.csr",
        "ec",
        &[
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-subj",
            "/CN=Mount Intermediate",
        ],
    );
    std::fs::write(
        s.path("c.toml"),
        r#"
[[ca]]
name = "root"
subject = "CN=Token Root,O=Example,C=NL"
key_uri = "pkcs11:token=ceremony;object=ceremony-root"
path_len = 1

[[ca]]
name = "intermediate"
issuer = "root"
subject = "CN=Soft Intermediate,O=Example,C=NL"

[[server]]
name = "tls"
issuer = "intermediate"
dns = ["localhost"]

[[csr]]
csr = "mount.csr"
issuer = "root"
profile = "intermediate"
out = "mount.pem"
"#,
    )
    .unwrap();
    let args = |dry: bool| {
        let mut v = vec![
            "ceremony",
            "--config",
            "c.toml",
            "--out",
            "out",
            "--passphrase-file",
            "pass",
            "--pin-file",
            "pin",
            "--pkcs11-module",
            module.as_str(),
        ];
        if dry {
            v.push("--dry-run");
        }
        v
    };
    let out = run(&s, &conf, &args(true));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains("(p384 on token \"ceremony\" as \"ceremony-root\", 7300 days"),
        "{plan}"
    );
    assert!(plan.contains("out/root/ca.key-uri"), "{plan}");
    let out = run(&s, &conf, &args(false));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !s.path("out/root/ca.key").exists(),
        "the key never leaves the token"
    );
    assert!(s.path("out/root/ca.key-uri").is_file());
    let out = run(
        &s,
        &conf,
        &[
            "verify",
            "out",
            "out/mount.pem",
            "--passphrase-file",
            "pass",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (ok, text) = openssl(
        s.dir.path(),
        &[
            "verify",
            "-CAfile",
            "out/root/ca.pem",
            "-untrusted",
            "out/intermediate/ca.pem",
            "out/tls/tls.crt",
        ],
    );
    assert!(ok, "{text}");

    // Both a CA and its issuer on a token is refused before anything happens.
    let both = std::fs::read_to_string(s.path("c.toml")).unwrap().replace(
        "subject = \"CN=Soft Intermediate,O=Example,C=NL\"",
        "subject = \"CN=Soft Intermediate,O=Example,C=NL\"\nkey_uri = \"pkcs11:token=ceremony;object=int\"",
    );
    std::fs::write(s.path("c.toml"), both).unwrap();
    let mut a = args(true);
    a[4] = "out2";
    let out = run(&s, &conf, &a);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        last_line(&out)
            .contains("CA `intermediate` and its issuer `root` both have their key on a token"),
        "{}",
        last_line(&out)
    );
}
