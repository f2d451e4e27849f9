//! The runbooks in `docs/guides/`: every command in them runs here (issue 9), so a guide cannot
//! drift from the tools it documents. The runner itself (parsing, the reader's environment,
//! naming the failing block) is `vaultpki_tests::guides`; this area says which guide runs with
//! which extra servers, files and placeholders, and tests the runner's promises.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use vaultpki_tests::guides::{Block, GuideRun, Kind, blocks, script};
use vaultpki_tests::official;
use vaultpki_tests::site::StaticSite;
use vaultpki_tests::{ExtraServer, ExtraServerOptions, bin_path, env, unique_name, workspace_root};

/// Every guide in `docs/guides/` and the test that runs it: a new guide without an entry here
/// fails [`every_guide_is_run_and_its_hcl_is_formatted`], so none can go untested.
const GUIDES: &[(&str, &str)] = &[
    ("installing-the-provider", "guides::installing_the_provider"),
    ("intermediate", "guides::intermediate"),
    (
        "migrating-from-vault-provider",
        "guides::migrating_from_vault_provider",
    ),
    ("restore-from-snapshot", "guides::restore_from_snapshot"),
    ("root-ceremony", "guides::root_ceremony"),
    ("root-crl", "guides::root_crl"),
];

/// A passphrase file for the ceremony's CA keys, as a reader would keep on removable media.
fn passphrase_file(dir: &Path) -> (PathBuf, String) {
    let pass = unique_name("guide-passphrase");
    let path = dir.join("passphrase");
    std::fs::write(&path, format!("{pass}\n")).expect("write the passphrase file");
    (path, pass)
}

/// The SHA-256 of a file in hex, from `sha256sum` (what the reader compares against).
fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs (coreutils)");
    assert!(out.status.success(), "sha256sum {} failed", path.display());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn root_ceremony() {
    let keep = tempfile::tempdir().expect("a temporary directory");
    let (pass, secret) = passphrase_file(keep.path());
    GuideRun::new("root-ceremony")
        .var("VAULTPKI_SRC", workspace_root().display().to_string())
        .var("PKI_BOOTSTRAP_SHA256", sha256(&bin_path("pki-bootstrap")))
        .var(
            "CEREMONY_TOML_SHA256",
            sha256(&workspace_root().join("examples/ceremony/ceremony.toml")),
        )
        .var("PKI_BOOTSTRAP_PASSPHRASE_FILE", pass.display().to_string())
        .var(
            "PKI_BOOTSTRAP_CA_PASSPHRASE_FILE",
            pass.display().to_string(),
        )
        .secret(secret)
        .run();
}

/// An offline root CA directory made with `pki-bootstrap root`, as the ceremony leaves it.
fn offline_root(dir: &Path, pass: &Path) -> PathBuf {
    let root = dir.join("root");
    let out = Command::new(bin_path("pki-bootstrap"))
        .args([
            "root",
            "--subject",
            "CN=Guide Test Root CA,O=Example",
            "--path-len",
            "1",
        ])
        .arg("--out")
        .arg(&root)
        .arg("--passphrase-file")
        .arg(pass)
        .output()
        .expect("pki-bootstrap runs");
    assert!(
        out.status.success(),
        "pki-bootstrap root failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    root
}

#[test]
fn intermediate() {
    let keep = tempfile::tempdir().expect("a temporary directory");
    let (pass, secret) = passphrase_file(keep.path());
    let root = offline_root(keep.path(), &pass);
    GuideRun::new("intermediate")
        .var("VAULTPKI_SRC", workspace_root().display().to_string())
        .var("PKI_MOUNT", unique_name("guide-int"))
        // The certificates' CA and CRL URLs must really answer: the test follows them.
        .var("VAULT_PUBLIC_URL", env().addr.clone())
        .var("ROOT_CA_DIR", root.display().to_string())
        .var(
            "PKI_BOOTSTRAP_CA_PASSPHRASE_FILE",
            pass.display().to_string(),
        )
        .secret(secret)
        .run();
}

/// Runs `pki-bootstrap` with `args` and requires success.
fn pki_bootstrap(args: &[&std::ffi::OsStr]) {
    let out = Command::new(bin_path("pki-bootstrap"))
        .args(args)
        .output()
        .expect("pki-bootstrap runs");
    assert!(
        out.status.success(),
        "pki-bootstrap {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn installing_the_provider() {
    let www = tempfile::tempdir().expect("a temporary web root");
    let https = crate::release::Https::serve(www.path());
    GuideRun::new("installing-the-provider")
        .var(
            "VAULTPKI_RELEASE",
            crate::release::release().display().to_string(),
        )
        .var("RELEASES_WWW", www.path().display().to_string())
        .var("RELEASES_URL", https.site.url.clone())
        .var(
            "RELEASES_HOST",
            format!("{}:{}", https.name, https.site.port),
        )
        .var("SSL_CERT_FILE", https.ca.display().to_string())
        .run();
}

#[test]
fn root_crl() {
    let keep = tempfile::tempdir().expect("a temporary directory");
    let (pass, secret) = passphrase_file(keep.path());
    let root = offline_root(keep.path(), &pass);
    let int = keep.path().join("intermediate");
    let p = |x: &Path| x.as_os_str().to_owned();
    pki_bootstrap(&[
        "intermediate".as_ref(),
        "--ca".as_ref(),
        &p(&root),
        "--out".as_ref(),
        &p(&int),
        "--subject".as_ref(),
        "CN=Guide Test Offline Intermediate,O=Example".as_ref(),
        "--passphrase-file".as_ref(),
        &p(&pass),
        "--ca-passphrase-file".as_ref(),
        &p(&pass),
    ]);
    // The state the runbook starts from: the ceremony's first CRL, published.
    pki_bootstrap(&[
        "crl".as_ref(),
        "--ca".as_ref(),
        &p(&root),
        "--ca-passphrase-file".as_ref(),
        &p(&pass),
        "--next-update".as_ref(),
        "180d".as_ref(),
    ]);
    let publish = keep.path().join("www");
    std::fs::create_dir_all(&publish).expect("create the publish directory");
    let der = Command::new("openssl")
        .args(["crl", "-outform", "DER", "-in"])
        .arg(root.join("crl.pem"))
        .arg("-out")
        .arg(publish.join("root.crl"))
        .status()
        .expect("openssl runs");
    assert!(der.success(), "openssl crl -outform DER failed");
    let site = StaticSite::http(&publish);
    GuideRun::new("root-crl")
        .var("ROOT_CRL_URL", format!("{}/root.crl", site.url))
        .var("CRL_PUBLISH_DIR", publish.display().to_string())
        .var("ROOT_CA_DIR", root.display().to_string())
        .var(
            "INTERMEDIATE_CERT",
            int.join("ca.pem").display().to_string(),
        )
        .var(
            "PKI_BOOTSTRAP_CA_PASSPHRASE_FILE",
            pass.display().to_string(),
        )
        .secret(secret)
        .run();
}

#[test]
fn restore_from_snapshot() {
    let e = env();
    // What the source cluster holds: a PKI mount with a CA and a role.
    let mount = unique_name("guide-restore");
    e.bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    e.bao_ok(&[
        "secrets",
        "tune",
        "-max-lease-ttl=8760h",
        &format!("{mount}/"),
    ]);
    let ca = e.bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/root/generate/internal"),
        "common_name=Guide Restore CA",
        "key_type=ec",
        "ttl=8760h",
    ]);
    let ca_pem = ca["data"]["certificate"]
        .as_str()
        .expect("the new CA's certificate");
    let fingerprint = {
        let mut child = Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha256"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("openssl runs");
        std::io::Write::write_all(
            child.stdin.as_mut().expect("openssl's stdin"),
            ca_pem.as_bytes(),
        )
        .expect("write the CA to openssl");
        let out = child.wait_with_output().expect("openssl finishes");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .split_once('=')
            .map(|(_, f)| f.to_owned())
            .expect("openssl prints a fingerprint")
    };
    e.bao_ok(&[
        "write",
        &format!("{mount}/roles/web"),
        "allowed_domains=example.test",
        "allow_subdomains=true",
        "max_ttl=1h",
        "key_type=ec",
        "key_bits=256",
    ]);
    // The nightly job shipped a snapshot of it.
    let prefix = unique_name("guide-restore");
    let run = Command::new(bin_path("snapshot-cron"))
        .args(["run", "--bucket", &e.bucket, "--prefix", &prefix])
        .args(["--kms-key-id", &e.kms_key_id, "--s3-force-path-style"])
        .args(["--log-format", "json"])
        .env_remove("BAO_ADDR")
        .env_remove("BAO_TOKEN")
        .env("VAULT_ADDR", &e.addr)
        .env("VAULT_TOKEN", &e.token)
        .envs(e.vars().iter().filter(|(k, _)| k.starts_with("AWS_")))
        .output()
        .expect("snapshot-cron runs");
    assert!(
        run.status.success(),
        "snapshot-cron run failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fresh = ExtraServer::start(ExtraServerOptions::default());
    GuideRun::new("restore-from-snapshot")
        .var("SNAPSHOT_CRON_BUCKET", e.bucket.clone())
        .var("SNAPSHOT_CRON_PREFIX", prefix)
        .var("SNAPSHOT_CRON_S3_FORCE_PATH_STYLE", "true")
        .var("FRESH_ADDR", fresh.env().addr.clone())
        .var("FRESH_TOKEN", fresh.env().token.clone())
        .var("SOURCE_UNSEAL_KEY", e.unseal_key.clone())
        .var("SOURCE_TOKEN", e.token.clone())
        .var("PKI_MOUNT", mount.clone())
        .var("PKI_ROLE", "web")
        .var("EXPECTED_CA_FINGERPRINT", fingerprint)
        .secret(fresh.env().token.clone())
        .secret(fresh.env().unseal_key.clone())
        .run();
    e.bao_ok(&["secrets", "disable", &mount]);
}

/// The configuration the migration guide starts from, managed by the official provider.
const OFFICIAL_CONFIG: &str = r#"terraform {
  required_providers {
    vault = { source = "hashicorp/vault" }
  }
}

provider "vault" {}

variable "pki_mount" {
  type = string
}

resource "vault_mount" "pki" {
  path = var.pki_mount
  type = "pki"
}

resource "vault_pki_secret_backend_role" "web" {
  backend          = vault_mount.pki.path
  name             = "web"
  allowed_domains  = ["example.com"]
  allow_subdomains = true
  ttl              = "3600"
  max_ttl          = "7200"
  key_type         = "ec"
  key_bits         = 256
}

resource "vault_policy" "ops" {
  name   = "${var.pki_mount}-ops"
  policy = <<-EOT
    path "secret/*" {
      capabilities = ["read"]
    }
  EOT
}
"#;

#[test]
fn migrating_from_vault_provider() {
    let e = env();
    let mount = unique_name("guide-mig");
    let policy = format!("{mount}-ops");
    let policy_text = "path \"secret/*\" {\n  capabilities = [\"read\"]\n}\n";
    // What the official provider created on the server.
    e.bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    e.bao_ok(&[
        "write",
        &format!("{mount}/roles/web"),
        "allowed_domains=example.com",
        "allow_subdomains=true",
        "ttl=3600",
        "max_ttl=7200",
        "key_type=ec",
        "key_bits=256",
    ]);
    e.bao_ok(&[
        "write",
        &format!("sys/policies/acl/{policy}"),
        &format!("policy={policy_text}"),
    ]);
    let state = official::state_file(vec![
        official::instance(
            "vault_mount",
            "pki",
            0,
            serde_json::json!({
                "id": mount, "path": mount, "type": "pki", "description": "",
                "default_lease_ttl_seconds": 0, "max_lease_ttl_seconds": 0,
                "local": false, "seal_wrap": false, "external_entropy_access": false,
                "options": null, "namespace": null, "accessor": "",
                "audit_non_hmac_request_keys": [], "audit_non_hmac_response_keys": [],
                "allowed_managed_keys": [], "passthrough_request_headers": [],
                "allowed_response_headers": [], "listing_visibility": "",
                "plugin_version": "", "delegated_auth_accessors": [],
                "identity_token_key": "",
            }),
        ),
        official::instance(
            "vault_pki_secret_backend_role",
            "web",
            0,
            serde_json::json!({
                "id": format!("{mount}/roles/web"), "backend": mount, "name": "web",
                "ttl": "3600", "max_ttl": "7200", "allowed_domains": ["example.com"],
                "allow_subdomains": true, "key_type": "ec", "key_bits": 256,
                "namespace": null, "policy_identifier": [],
            }),
        ),
        official::instance(
            "vault_policy",
            "ops",
            0,
            serde_json::json!({
                "id": policy, "name": policy, "policy": policy_text, "namespace": null,
            }),
        ),
    ]);
    GuideRun::new("migrating-from-vault-provider")
        .var("PKI_MOUNT", mount.clone())
        .file("main.tf", OFFICIAL_CONFIG)
        .file("terraform.tfstate", state)
        .run();
    e.bao_ok(&["secrets", "disable", &mount]);
    e.bao_ok(&["delete", &format!("sys/policies/acl/{policy}")]);
}

#[test]
fn every_guide_is_run_and_its_hcl_is_formatted() {
    let dir = workspace_root().join("docs/guides");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .expect("docs/guides exists")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".md").map(str::to_owned)
        })
        .collect();
    found.sort();
    let listed: Vec<&str> = GUIDES.iter().map(|(g, _)| *g).collect();
    assert_eq!(
        found, listed,
        "every guide in docs/guides needs a #[test] in tests/acceptance/guides.rs that runs it, \
         listed in GUIDES"
    );
    for (guide, test) in GUIDES {
        let md = std::fs::read_to_string(dir.join(format!("{guide}.md"))).expect("read a guide");
        // The guide names the test that runs it, so a reader knows its commands are exercised.
        let name = test.trim_start_matches("guides::");
        assert!(
            md.contains(&format!("`guides::{name}`")),
            "docs/guides/{guide}.md should say it is run by `{test}`"
        );
        let blocks = blocks(&md).unwrap_or_else(|e| panic!("docs/guides/{guide}.md: {e}"));
        for b in blocks
            .iter()
            .filter(|b| matches!(b.kind, Kind::File(ref f) if f.ends_with(".tf")))
        {
            let mut child = Command::new("terraform")
                .args(["fmt", "-"])
                // Nothing to configure; an empty file keeps the missing-~/.terraformrc warning away.
                .env("TF_CLI_CONFIG_FILE", "/dev/null")
                .stdin(Stdio::piped())
                .stderr(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("terraform runs");
            std::io::Write::write_all(
                child.stdin.as_mut().expect("terraform's stdin"),
                b.text.as_bytes(),
            )
            .expect("write HCL to terraform fmt");
            let out = child.wait_with_output().expect("terraform fmt finishes");
            assert!(
                out.status.success(),
                "docs/guides/{guide}.md line {}: terraform fmt rejects the HCL",
                b.line
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                b.text,
                "docs/guides/{guide}.md line {}: the HCL is not `terraform fmt` formatted",
                b.line
            );
        }
    }
}

#[test]
fn runner_names_the_failing_block_and_line_and_hides_secrets() {
    let md = "# t\n\n```sh\necho start\n```\n\ntext\n\n```sh\necho \"token is $SECRET\"\ntrue\nfalse\necho never\n```\n";
    let err = GuideRun::bare("runner-test")
        .var("SECRET", "s.very-secret-token")
        .secret("s.very-secret-token")
        .execute("t.md", md, &[])
        .expect_err("a failing command fails the guide");
    assert!(
        err.starts_with("t.md: block 2 of 2 (opening at line 9), command at line 12: failed"),
        "{err}"
    );
    assert!(err.contains("token is [redacted]"), "{err}");
    assert!(!err.contains("very-secret"), "{err}");
    assert!(!err.contains("never"), "{err}");
}

#[test]
fn runner_fails_when_a_block_does_not_run() {
    let md = "```sh\nexit 0\n```\n\n```sh\necho second\n```\n";
    let err = GuideRun::bare("runner-test")
        .execute("t.md", md, &[])
        .expect_err("an exit in block 1 skips block 2");
    assert!(
        err.contains("block 1 of 2") && err.contains("ended before every block ran"),
        "{err}"
    );
    let err = GuideRun::bare("runner-test")
        .execute("t.md", "```text\nonly output\n```\n", &[])
        .expect_err("a guide without commands");
    assert!(err.contains("no ```sh block"), "{err}");
}

#[test]
fn runner_writes_titled_files_and_keeps_state_between_blocks() {
    let md = "```sh\nmkdir sub && cd sub\nexport X=1\n```\n\n```hcl title=\"main.tf\"\na = \"$X\"\n```\n\n```sh\ntest \"$X\" = 1\ngrep -qF 'a = \"$X\"' main.tf\n```\n";
    GuideRun::bare("runner-test")
        .execute("t.md", md, &[])
        .expect("the blocks run in one shell, files are written verbatim");
}

#[test]
fn parser_finds_runnable_blocks_and_refuses_hidden_commands() {
    let md = "# t\n\n```sh\necho one\n```\n\n```text\nout\n```\n\n1. step\n\n   ```hcl title=\"main.tf\"\n   a = 1\n   ```\n\n```hcl\nillustration\n```\n";
    let b = blocks(md).expect("parses");
    assert_eq!(
        b,
        vec![
            Block {
                kind: Kind::Sh,
                line: 3,
                text: "echo one\n".to_owned()
            },
            Block {
                kind: Kind::File("main.tf".to_owned()),
                line: 13,
                text: "a = 1\n".to_owned()
            },
        ]
    );
    let err = blocks("```bash\nrm -rf x\n```\n").expect_err("bash is refused");
    assert!(err.contains("line 1") && err.contains("```sh"), "{err}");
    let err = blocks("```sh\necho\n").expect_err("an unclosed fence is refused");
    assert!(err.contains("never closed"), "{err}");
    let err = blocks("```sh skip\necho\n```\n").expect_err("no skipping");
    assert!(err.contains("no attributes"), "{err}");
}

#[test]
fn script_maps_lines_back_to_the_guide() {
    let md = "intro\n\n```sh\ntrue\nfalse\n```\n";
    let b = blocks(md).expect("parses");
    let (s, map) = script(&b, Path::new("/tmp/marks")).expect("a script");
    let idx = s
        .lines()
        .position(|l| l == "false")
        .expect("the command is in the script");
    // The ERR trap reports 1-based script lines.
    assert_eq!(map[idx + 1], 5);
}
