//! The provider release (issue 15): installed with `terraform init` as a user does, never through
//! `dev_overrides`.
//!
//! The release is `VAULTPKI_RELEASE_DIR` when set (`scripts/test` runs `scripts/release` once
//! and passes it), else `scripts/release --only provider` is run here once, signed with a
//! throwaway GPG key made for the run. Then, each in a fresh working directory:
//! - `terraform init` against the release's filesystem mirror, and an apply against OpenBao;
//! - `terraform init` against its network mirror served over HTTPS by a static server (Python's
//!   http.server) with a certificate made by `pki-bootstrap`, under a name mapped in /etc/hosts
//!   for the test only, and an apply;
//! - `terraform init` from the same files served as a private registry, which makes Terraform
//!   check the SHA256SUMS signature against the key the registry names;
//! - a network mirror whose zip was altered after release: Terraform refuses it;
//! - `gpg --verify` of the signature in an empty keyring holding only the published key.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use vaultpki_tests::hosts::HostsEntries;
use vaultpki_tests::installation::{filesystem_mirror, network_mirror};
use vaultpki_tests::site::StaticSite;
use vaultpki_tests::{Terraform, bin_path, env, unique_name, workspace_root};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const PREFIX: &str = concat!("terraform-provider-vaultpki_", env!("CARGO_PKG_VERSION"));

/// The release directory: given, or made once for this test process.
pub(crate) fn release() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("VAULTPKI_RELEASE_DIR") {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join(format!("{PREFIX}_SHA256SUMS")).is_file(),
                "VAULTPKI_RELEASE_DIR={} holds no {PREFIX}_SHA256SUMS: run scripts/release --out \
                 into it first",
                dir.display()
            );
            return dir;
        }
        let base = std::env::temp_dir().join(unique_name("vaultpki-release"));
        let gnupg = base.join("gnupg");
        std::fs::create_dir_all(&gnupg).expect("create a GnuPG home");
        std::fs::set_permissions(&gnupg, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .expect("chmod the GnuPG home");
        let key = Command::new("gpg")
            .args(["--batch", "--passphrase", "", "--quick-gen-key"])
            .args([
                "vaultpki test release <release-test@example.invalid>",
                "rsa3072",
            ])
            .args(["sign", "never"])
            .env("GNUPGHOME", &gnupg)
            .output()
            .expect("gpg runs (apt-get install gnupg)");
        assert!(
            key.status.success(),
            "gpg could not make a throwaway key: {}",
            String::from_utf8_lossy(&key.stderr)
        );
        let out = base.join("dist");
        let run = Command::new(workspace_root().join("scripts/release"))
            .args(["--only", "provider", "--gnupghome"])
            .arg(&gnupg)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("scripts/release runs");
        // Signing started a gpg-agent for the throwaway keyring; it goes with it.
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", &gnupg)
            .status();
        assert!(
            run.status.success(),
            "scripts/release failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        out
    })
}

/// A configuration using the provider as a user writes it, pinned, with one resource.
fn config(policy: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    vaultpki = {{
      source  = "vaultpki/vaultpki"
      version = "~> 0.1"
    }}
  }}
}}

provider "vaultpki" {{}}

resource "vaultpki_policy" "p" {{
  name   = "{policy}"
  policy = "path \"secret/data/x\" {{ capabilities = [\"read\"] }}"
}}
"#
    )
}

/// Applies `config` with the provider installed through `cli_config`, checks the policy on the
/// server and the lock file's hash, then destroys.
fn init_and_apply(cli_config: String, extra_env: &[(&str, String)]) {
    let e = env();
    let policy = unique_name("release");
    let mut tf = Terraform::new()
        .with_installation(cli_config)
        .with_env("VAULT_ADDR", &e.addr)
        .with_env("VAULT_TOKEN", &e.token);
    for (k, v) in extra_env {
        tf = tf.with_env(k, v);
    }
    tf.write_config(&config(&policy));
    let init = tf.run_ok(&["init", "-input=false", "-no-color"]);
    let said = String::from_utf8_lossy(&init.stdout);
    assert!(
        said.contains(&format!("Installed vaultpki/vaultpki v{VERSION}")),
        "terraform init did not install the release:\n{said}"
    );
    let lock = std::fs::read_to_string(tf.dir().join(".terraform.lock.hcl"))
        .expect("terraform init writes .terraform.lock.hcl");
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")) && lock.contains("h1:"),
        "{lock}"
    );
    tf.apply();
    let read = e.bao_json(&[
        "read",
        "-format=json",
        &format!("sys/policies/acl/{policy}"),
    ]);
    assert!(
        read["data"]["policy"]
            .as_str()
            .is_some_and(|p| p.contains("secret/data/x")),
        "{read}"
    );
    tf.destroy();
}

#[test]
fn terraform_init_installs_the_release_from_a_filesystem_mirror() {
    let mirror = release().join("mirror/filesystem");
    init_and_apply(filesystem_mirror(&mirror, &["vaultpki/vaultpki"]), &[]);
}

/// The release's network mirror and registry trees, and a mirror with an altered zip, served
/// over HTTPS under a name in /etc/hosts with a `pki-bootstrap` certificate.
pub(crate) struct Https {
    pub(crate) site: StaticSite,
    pub(crate) ca: PathBuf,
    pub(crate) name: String,
    _hosts: HostsEntries,
    _dir: tempfile::TempDir,
}

impl Https {
    /// Serves `www` over HTTPS under a fresh name mapped to 127.0.0.1 for this test, with a
    /// server certificate from a `pki-bootstrap` root (`ca`).
    pub(crate) fn serve(www: &Path) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let name = format!("{}.vaultpki.test", unique_name("releases"));
        let pass = dir.path().join("pass");
        std::fs::write(&pass, "release test passphrase, not a secret\n").expect("write pass");
        let pki = |args: &[&str]| {
            let out = Command::new(bin_path("pki-bootstrap"))
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("pki-bootstrap runs");
            assert!(
                out.status.success(),
                "pki-bootstrap {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        pki(&[
            "root",
            "--out",
            "root",
            "--subject",
            "CN=Release Test Root",
            "--path-len",
            "0",
            "--passphrase-file",
            "pass",
        ]);
        pki(&[
            "server-cert",
            "--ca",
            "root",
            "--ca-passphrase-file",
            "pass",
            "--out",
            "tls",
            "--dns",
            &name,
        ]);
        let hosts = HostsEntries::add(std::slice::from_ref(&name));
        let site = StaticSite::https(
            www,
            &dir.path().join("tls/tls.crt"),
            &dir.path().join("tls/tls.key"),
            &name,
        );
        Self {
            site,
            ca: dir.path().join("root/ca.pem"),
            name,
            _hosts: hosts,
            _dir: dir,
        }
    }
}

/// The release's registry at /, its network mirror under /mirror/ and a copy of the mirror
/// with an altered zip under /tampered/, served over HTTPS.
fn serve_release() -> (Https, tempfile::TempDir) {
    let www = tempfile::tempdir().expect("a temporary directory");
    let root = www.path().join("www");
    copy_tree(&release().join("registry"), &root);
    copy_tree(&release().join("mirror/network"), &root.join("mirror"));
    let tampered = root.join("tampered");
    copy_tree(&release().join("mirror/network"), &tampered);
    let zip = tampered
        .join("registry.terraform.io/vaultpki/vaultpki")
        .join(format!("{PREFIX}_linux_amd64.zip"));
    let mut bytes = std::fs::read(&zip).expect("read the zip");
    // One byte of the stored binary changed: still a zip, no longer the released one.
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&zip, bytes).expect("write the tampered zip");
    (Https::serve(&root), www)
}

fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp runs");
    assert!(
        status.success(),
        "cp -r {} {}",
        from.display(),
        to.display()
    );
}

#[test]
fn terraform_init_installs_the_release_from_a_network_mirror_over_https_and_refuses_a_bad_zip() {
    let (https, _www) = serve_release();
    // Terraform trusts the pki-bootstrap root through SSL_CERT_FILE (Go's system roots).
    let trust = [("SSL_CERT_FILE", https.ca.display().to_string())];
    init_and_apply(
        network_mirror(
            &format!("{}/mirror/", https.site.url),
            &["vaultpki/vaultpki"],
        ),
        &trust,
    );

    let tf = Terraform::new()
        .with_installation(network_mirror(
            &format!("{}/tampered/", https.site.url),
            &["vaultpki/vaultpki"],
        ))
        .with_env("SSL_CERT_FILE", &trust[0].1);
    tf.write_config(&config("never-applied"));
    let out = tf.run(&["init", "-input=false", "-no-color"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "init accepted an altered zip:\n{said}"
    );
    assert!(
        said.contains("checksum"),
        "init failed, but not over the zip's hash:\n{said}"
    );
    assert!(
        !tf.dir().join(".terraform/providers").exists()
            || walk_has_no_binary(&tf.dir().join(".terraform/providers")),
        "the altered provider was unpacked"
    );
}

fn walk_has_no_binary(dir: &Path) -> bool {
    let out = Command::new("find")
        .arg(dir)
        .args(["-name", "terraform-provider-vaultpki*", "-type", "f"])
        .output()
        .expect("find runs");
    out.stdout.is_empty()
}

#[test]
fn terraform_init_installs_the_release_from_a_private_registry_checking_the_signature() {
    let (https, _www) = serve_release();
    let port = https.site.port;
    let e = env();
    let policy = unique_name("release-reg");
    let tf = Terraform::new()
        .with_installation("provider_installation {\n  direct {}\n}\n".to_owned())
        .with_env("SSL_CERT_FILE", &https.ca.display().to_string())
        .with_env("VAULT_ADDR", &e.addr)
        .with_env("VAULT_TOKEN", &e.token);
    let source = format!("{}:{port}/vaultpki/vaultpki", https.name);
    tf.write_config(&config(&policy).replace("\"vaultpki/vaultpki\"", &format!("{source:?}")));
    let init = tf.run_ok(&["init", "-input=false", "-no-color"]);
    let said = String::from_utf8_lossy(&init.stdout);
    assert!(
        said.contains(&format!(
            "Installed {source} v{VERSION} (self-signed, key ID"
        )),
        "terraform init did not install the signed release from the registry:\n{said}"
    );
    tf.apply();
    tf.destroy();
}

#[test]
fn gpg_verifies_the_signature_with_only_the_published_key() {
    let home = tempfile::tempdir().expect("a temporary GnuPG home");
    let gpg = |args: &[&str]| {
        Command::new("gpg")
            .arg("--batch")
            .args(args)
            .env("GNUPGHOME", home.path())
            .output()
            .expect("gpg runs")
    };
    let dir = release();
    let key = dir.join(format!("{PREFIX}_signing-key.asc"));
    let sums = dir.join(format!("{PREFIX}_SHA256SUMS"));
    let sig = dir.join(format!("{PREFIX}_SHA256SUMS.sig"));
    let p = |x: &Path| x.display().to_string();
    // Without the key there is nothing to check against.
    let before = gpg(&["--verify", &p(&sig), &p(&sums)]);
    assert!(
        !before.status.success(),
        "an empty keyring verified the signature"
    );
    assert!(
        gpg(&["--import", &p(&key)]).status.success(),
        "import the key"
    );
    let ok = gpg(&["--verify", &p(&sig), &p(&sums)]);
    assert!(
        ok.status.success(),
        "gpg --verify: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // An altered SHA256SUMS does not verify.
    let altered = home.path().join("SHA256SUMS");
    let mut text = std::fs::read_to_string(&sums).expect("read SHA256SUMS");
    text.push_str(&format!("{}  extra.zip\n", "0".repeat(64)));
    std::fs::write(&altered, text).expect("write the altered copy");
    let bad = gpg(&["--verify", &p(&sig), &p(&altered)]);
    assert!(!bad.status.success(), "an altered SHA256SUMS verified");
    // And the sums hold for the files beside them.
    let check = Command::new("sha256sum")
        .args(["-c", "--quiet"])
        .arg(&sums)
        .current_dir(dir)
        .output()
        .expect("sha256sum runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", home.path())
        .status();
}

#[test]
fn the_binary_the_manifest_and_the_names_agree_on_one_version() {
    let dir = release();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{PREFIX}_manifest.json")))
            .expect("read the released manifest"),
    )
    .expect("the manifest is JSON");
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
    let root_manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("terraform-registry-manifest.json"))
            .expect("read terraform-registry-manifest.json"),
    )
    .expect("JSON");
    assert_eq!(manifest, root_manifest);
    let list = Command::new("unzip")
        .arg("-Z1")
        .arg(dir.join(format!("{PREFIX}_linux_amd64.zip")))
        .output()
        .expect("unzip runs");
    assert_eq!(
        String::from_utf8_lossy(&list.stdout).trim(),
        format!("terraform-provider-vaultpki_v{VERSION}")
    );
    let said = Command::new(bin_path("terraform-provider-vaultpki"))
        .arg("--version")
        .output()
        .expect("the provider runs");
    assert_eq!(
        String::from_utf8_lossy(&said.stdout).trim(),
        format!("terraform-provider-vaultpki {VERSION} (plugin protocol 6)")
    );
}
