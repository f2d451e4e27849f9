//! ACME end to end (issue 9): the `acme-issuer` module and a real ACME client.
//!
//! The module's example (`examples/modules/acme-issuer`: a root, an intermediate signed by it
//! in its own mount tuned for ACME, the module on the intermediate) is applied through the real
//! `terraform` against the shared OpenBao node and checked through the server's API and its
//! unauthenticated ACME directory. Then Debian's `lego` obtains certificates from that directory
//! over HTTP-01: OpenBao's TLS listener is the ACME server (trusted through
//! `LEGO_CA_CERTIFICATES`), the names are mapped to 127.0.0.1 in `/etc/hosts` by a guard that
//! removes its lines again on drop (even when the test panics), and lego's own challenge server
//! answers on port 80, which the tests share through a static mutex. The issued certificate must
//! verify up to the root with the `openssl` CLI and carry exactly the requested names. With
//! `eab_policy = "always-required"`, lego without an EAB key is refused and lego with the key
//! the module created succeeds. The EAB HMAC key never appears in a failure message. The
//! `/etc/hosts` guard has its own test: its lines resolve, and only they go, also on a panic.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};
use vaultpki_tests::bao::{bao_data, eab_ids};
use vaultpki_tests::hosts::{FileLock, HOSTS, HostsEntries, resolve};
use vaultpki_tests::{
    PROVIDER_SOURCE, Terraform, bin_path, curl, env, openssl, planned_changes, unique_name,
    workspace_root,
};

/// The ACME headers the mount must let through (the module's `required_mount_tuning`).
const RESPONSE_HEADERS: [&str; 4] = ["Last-Modified", "Location", "Replay-Nonce", "Link"];

/// lego's HTTP-01 server binds port 80: one test at a time in this process.
static PORT_80: Mutex<()> = Mutex::new(());
/// And one process at a time on the machine (the quickstart takes the same lock around lego).
const PORT_80_LOCK: &str = "/tmp/vaultpki-port80.lock";

#[test]
fn acme_issuer_example_applies_and_the_directory_answers_without_a_token() {
    let root_mount = unique_name("acme-root");
    let mount = unique_name("acme-mod");
    let base_url = env().addr.clone();
    let tf = example(&json!({
        "root_mount_path": root_mount,
        "mount_path": mount,
        "base_url": base_url,
        "allowed_domains": ["example.test"],
        "eab_keys": ["traefik", "lego"],
    }));
    tf.apply();
    tf.assert_plan_empty();

    // The server's view: cluster URLs, the ACME settings, the role, the EAB keys.
    let mount_url = format!("{base_url}/v1/{mount}");
    let cluster = bao_data(&format!("{mount}/config/cluster"));
    assert_eq!(cluster["path"], json!(mount_url), "{cluster:#}");
    assert_eq!(cluster["aia_path"], json!(mount_url), "{cluster:#}");
    let acme = bao_data(&format!("{mount}/config/acme"));
    assert_eq!(acme["enabled"], json!(true), "{acme:#}");
    assert_eq!(acme["allowed_roles"], json!(["acme"]), "{acme:#}");
    assert_eq!(acme["default_directory_policy"], json!("role:acme"));
    assert_eq!(acme["eab_policy"], json!("not-required"));
    assert_eq!(acme["allowed_issuers"], json!(["*"]), "left to the server");
    let role = bao_data(&format!("{mount}/roles/acme"));
    assert_eq!(role["allowed_domains"], json!(["example.test"]));
    assert_eq!(role["allow_subdomains"], json!(true));
    assert_eq!(role["key_type"], json!("any"));
    assert_eq!(role["max_ttl"], json!(2_592_000));
    let tune = env().bao_json(&["read", "-format=json", &format!("sys/mounts/{mount}/tune")]);
    assert_eq!(
        tune["data"]["allowed_response_headers"],
        json!(RESPONSE_HEADERS),
        "{tune:#}"
    );

    let ids = tf.output("eab_key_ids");
    let mut listed = eab_ids(&mount);
    listed.sort();
    let mut expected: Vec<String> = ["lego", "traefik"]
        .iter()
        .map(|n| ids[n].as_str().expect("a key id per name").to_owned())
        .collect();
    expected.sort();
    assert_eq!(listed, expected, "one EAB key per name");
    let keys = tf.output("eab_keys");
    for name in ["lego", "traefik"] {
        assert_eq!(keys[name]["key_id"], ids[name]);
        assert!(
            keys[name]["key"].as_str().is_some_and(|k| k.len() > 20),
            "the EAB key of {name} is in the output (value not shown)"
        );
    }

    // The outputs and the directory, fetched without a token as an ACME client does.
    let directory_url = format!("{mount_url}/acme/directory");
    assert_eq!(tf.output("directory_url"), json!(directory_url));
    assert_eq!(
        tf.output("role_directory_url"),
        json!(format!("{mount_url}/roles/acme/acme/directory"))
    );
    let dir = directory(&directory_url, None);
    assert_eq!(
        dir["newNonce"],
        json!(format!("{mount_url}/acme/new-nonce")),
        "{dir:#}"
    );
    assert_eq!(
        dir["newAccount"],
        json!(format!("{mount_url}/acme/new-account"))
    );
    assert_eq!(dir["meta"]["externalAccountRequired"], json!(false));
    let role_dir = directory(&format!("{mount_url}/roles/acme/acme/directory"), None);
    assert_eq!(
        role_dir["newOrder"],
        json!(format!("{mount_url}/roles/acme/acme/new-order")),
        "{role_dir:#}"
    );
    let head = curl(&["-sS", "-I", &format!("{mount_url}/acme/new-nonce")]);
    assert!(
        head.to_ascii_lowercase().contains("replay-nonce:"),
        "no Replay-Nonce header (is the mount tuned?):\n{head}"
    );

    // An update through a variable reaches the server and the directory.
    let mut vars = example_vars(&tf);
    vars["eab_policy"] = json!("new-account-required");
    write_vars(&tf, &vars);
    tf.apply();
    assert_eq!(
        bao_data(&format!("{mount}/config/acme"))["eab_policy"],
        json!("new-account-required")
    );
    assert_eq!(
        directory(&directory_url, None)["meta"]["externalAccountRequired"],
        json!(true)
    );
    tf.assert_plan_empty();

    tf.destroy();
    for path in [
        format!("{mount}/config/acme"),
        format!("{root_mount}/ca/pem"),
    ] {
        let out = env().bao(&["read", &path]).output().expect("run bao");
        assert!(!out.status.success(), "{path} is still there after destroy");
    }
}

#[test]
fn lego_obtains_a_certificate_over_http01_that_verifies_up_to_the_root() {
    let _port = port_80();
    let hierarchy = Hierarchy::apply("not-required");
    let tf = &hierarchy.tf;
    let label = unique_name("acme");
    let names = [
        format!("{label}.vaultpki.test"),
        format!("www.{label}.vaultpki.test"),
    ];
    let _hosts = HostsEntries::add(&names);

    let lego = Lego::new(tf.dir(), &hierarchy.directory_url, "plain");
    let out = lego.run(&names, None);
    assert!(out.ok, "lego could not obtain a certificate:\n{}", out.text);

    let leaf = lego.certificate(&names[0]);
    let verified = openssl(
        tf.dir(),
        &[
            "verify",
            "-purpose",
            "sslserver",
            "-CAfile",
            "root.pem",
            "-untrusted",
            &lego.issuer_path(&names[0]),
            &leaf,
        ],
    );
    assert!(verified.trim_end().ends_with(": OK"), "{verified}");
    assert_eq!(sans(tf.dir(), &leaf), sorted(&names));
    let issuer = openssl(tf.dir(), &["x509", "-in", &leaf, "-noout", "-issuer"]);
    assert!(issuer.contains("Example ACME Issuing CA"), "{issuer}");

    // A name outside the role's domains is refused by the server.
    let other = format!("{label}.elsewhere.test");
    let _more = HostsEntries::add(std::slice::from_ref(&other));
    let refused = lego.run(std::slice::from_ref(&other), None);
    assert!(!refused.ok, "a name outside vaultpki.test was issued");
    assert!(
        refused.text.contains("rejectedIdentifier"),
        "unexpected refusal:\n{}",
        refused.text
    );

    tf.assert_plan_empty();
    tf.destroy();
}

#[test]
fn lego_needs_the_modules_eab_key_when_the_policy_requires_one() {
    let _port = port_80();
    let hierarchy = Hierarchy::apply("always-required");
    let tf = &hierarchy.tf;
    assert_eq!(
        directory(&hierarchy.directory_url, Some(&env().cacert))["meta"]["externalAccountRequired"],
        json!(true)
    );
    let names = [format!("{}.vaultpki.test", unique_name("eab"))];
    let _hosts = HostsEntries::add(&names);

    // Without a binding: refused, saying what is missing.
    let without = Lego::new(tf.dir(), &hierarchy.directory_url, "no-eab");
    let out = without.run(&names, None);
    assert!(!out.ok, "lego got a certificate without EAB:\n{}", out.text);
    assert!(
        out.text.contains("External Account Binding"),
        "lego's refusal does not name EAB:\n{}",
        out.text
    );
    assert!(!without.has_certificate(&names[0]));

    // With the key the module created.
    let keys = tf.output("eab_keys");
    let eab = Eab {
        kid: keys["lego"]["key_id"]
            .as_str()
            .expect("a key id")
            .to_owned(),
        hmac: keys["lego"]["key"]
            .as_str()
            .expect("an HMAC key")
            .to_owned(),
    };
    let with = Lego::new(tf.dir(), &hierarchy.directory_url, "eab");
    let out = with.run(&names, Some(&eab));
    assert!(out.ok, "lego with EAB failed:\n{}", out.text);
    assert!(
        !out.text.contains(&eab.hmac),
        "lego printed the HMAC key (not shown here)"
    );
    let leaf = with.certificate(&names[0]);
    let verified = openssl(
        tf.dir(),
        &[
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            &with.issuer_path(&names[0]),
            &leaf,
        ],
    );
    assert!(verified.trim_end().ends_with(": OK"), "{verified}");
    assert_eq!(sans(tf.dir(), &leaf), sorted(&names));

    // The key is bound to an account now: it leaves the state and the next apply makes a new one.
    let changes = planned_changes(&tf.plan());
    assert_eq!(
        changes,
        [(
            "module.acme.vaultpki_pki_acme_eab.this[\"lego\"]".to_owned(),
            vec!["create".to_owned()]
        )],
        "only the used EAB key is planned again"
    );
    tf.destroy();
}

#[test]
fn hosts_entries_resolve_and_go_away_even_when_the_test_panics() {
    let kept = format!("{}.vaultpki.test", unique_name("kept"));
    let panicked = format!("{}.vaultpki.test", unique_name("gone"));
    let outer = HostsEntries::add(std::slice::from_ref(&kept));
    let result = std::panic::catch_unwind(|| {
        let _inner = HostsEntries::add(std::slice::from_ref(&panicked));
        assert_eq!(resolve(&panicked), Some("127.0.0.1".to_owned()));
        panic!("a test failing while its names are mapped");
    });
    assert!(result.is_err());
    let hosts = std::fs::read_to_string(HOSTS).expect("read /etc/hosts");
    assert!(!hosts.contains(&panicked), "{hosts}");
    assert!(
        hosts.contains(&kept),
        "another guard's line was removed:\n{hosts}"
    );
    assert_eq!(resolve(&kept), Some("127.0.0.1".to_owned()));
    drop(outer);
    let hosts = std::fs::read_to_string(HOSTS).expect("read /etc/hosts");
    assert!(!hosts.contains(&kept), "{hosts}");
}

// ---------------------------------------------------------------------------------------------
// The hierarchy through terraform

/// The module example applied with the TLS listener as the ACME server's URL and
/// `vaultpki.test` as the role's domain; `root.pem` is written into the working directory.
struct Hierarchy {
    tf: Terraform,
    directory_url: String,
}

impl Hierarchy {
    fn apply(eab_policy: &str) -> Self {
        let mount = unique_name("acme-int");
        let tls = env().tls_addr.clone();
        assert!(
            tls.starts_with("https://"),
            "the test environment has no TLS listener"
        );
        let tf = example(&json!({
            "root_mount_path": unique_name("acme-root"),
            "mount_path": mount,
            "base_url": tls,
            "allowed_domains": ["vaultpki.test"],
            "eab_policy": eab_policy,
            "eab_keys": ["lego"],
        }));
        tf.apply();
        tf.assert_plan_empty();
        let cluster = bao_data(&format!("{mount}/config/cluster"));
        assert_eq!(
            cluster["path"],
            json!(format!("{tls}/v1/{mount}")),
            "{cluster:#}"
        );
        let root = tf.output("root_certificate");
        tf.write_file("root.pem", root.as_str().expect("the root certificate"));
        let directory_url = tf
            .output("directory_url")
            .as_str()
            .expect("directory_url")
            .to_owned();
        assert_eq!(directory_url, format!("{tls}/v1/{mount}/acme/directory"));
        Self { tf, directory_url }
    }
}

/// A working directory holding the example, its module source pointed at this checkout, and
/// `vars` in `terraform.tfvars.json` (the same steps as `modules.rs`).
fn example(vars: &Value) -> Terraform {
    let root = workspace_root();
    let hcl = std::fs::read_to_string(root.join("examples/modules/acme-issuer/main.tf"))
        .expect("read the module example");
    let modules = root.join("modules");
    let hcl = hcl.replace("\"../../../modules/", &format!("\"{}/", modules.display()));
    assert!(
        hcl.contains(&modules.display().to_string()),
        "the example does not use ../../../modules/"
    );
    let provider_dir = bin_path("terraform-provider-vaultpki")
        .parent()
        .expect("the provider binary has a parent directory")
        .to_path_buf();
    let tf = Terraform::new()
        .with_provider(PROVIDER_SOURCE, &provider_dir)
        .with_env("VAULT_ADDR", &env().addr)
        .with_env("VAULT_TOKEN", &env().token);
    tf.write_config(&hcl);
    write_vars(&tf, vars);
    tf.run_ok(&["get", "-no-color"]);
    tf
}

fn write_vars(tf: &Terraform, vars: &Value) {
    tf.write_file("terraform.tfvars.json", &vars.to_string());
}

fn example_vars(tf: &Terraform) -> Value {
    let text = std::fs::read_to_string(tf.dir().join("terraform.tfvars.json"))
        .expect("read terraform.tfvars.json");
    serde_json::from_str(&text).expect("terraform.tfvars.json is JSON")
}

// ---------------------------------------------------------------------------------------------
// The server's API and the ACME directory

/// An ACME directory fetched without a token (`cacert` for an https URL).
fn directory(url: &str, cacert: Option<&Path>) -> Value {
    let mut args = vec!["-sS", "--fail-with-body"];
    let ca;
    if let Some(path) = cacert {
        ca = path.display().to_string();
        args.extend(["--cacert", &ca]);
    }
    args.push(url);
    let body = curl(&args);
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url} answered {body:?}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// lego and openssl

/// An EAB key for lego's `--eab --kid --hmac`; `Debug` keeps the HMAC key out of messages.
struct Eab {
    kid: String,
    hmac: String,
}

impl std::fmt::Debug for Eab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Eab")
            .field("kid", &self.kid)
            .field("hmac", &"[redacted]")
            .finish()
    }
}

/// One lego account (its own `--path`) against one ACME directory.
struct Lego {
    dir: PathBuf,
    server: String,
}

/// What a lego run did: success, and its arguments (HMAC redacted) with stdout and stderr.
struct LegoRun {
    ok: bool,
    text: String,
}

impl Lego {
    fn new(workdir: &Path, server: &str, account: &str) -> Self {
        Self {
            dir: workdir.join(format!("lego-{account}")),
            server: server.to_owned(),
        }
    }

    /// `lego run` for `names` over HTTP-01 on :80, trusting the TLS listener's CA.
    fn run(&self, names: &[String], eab: Option<&Eab>) -> LegoRun {
        let path = self.dir.display().to_string();
        let mut args: Vec<&str> = vec![
            "--server",
            &self.server,
            "--accept-tos",
            "--email",
            "acme-test@vaultpki.test",
            "--path",
            &path,
            "--http",
            "--http.port",
            ":80",
        ];
        for name in names {
            args.extend(["--domains", name.as_str()]);
        }
        if let Some(eab) = eab {
            args.extend(["--eab", "--kid", &eab.kid, "--hmac", &eab.hmac]);
        }
        args.push("run");
        let out = Command::new("lego")
            .args(&args)
            .env("LEGO_CA_CERTIFICATES", &env().cacert)
            .output()
            .expect("run lego (Debian package lego; scripts/common.sh ensure_test_tools)");
        let shown: Vec<&str> = args
            .iter()
            .map(|a| match eab {
                Some(e) if *a == e.hmac => "[redacted]",
                _ => a,
            })
            .collect();
        let mut text = format!(
            "LEGO_CA_CERTIFICATES={} lego {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            env().cacert.display(),
            shown.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(e) = eab {
            text = text.replace(&e.hmac, "[redacted]");
        }
        LegoRun {
            ok: out.status.success(),
            text,
        }
    }

    fn has_certificate(&self, name: &str) -> bool {
        self.dir
            .join("certificates")
            .join(format!("{name}.crt"))
            .is_file()
    }

    /// The leaf alone (lego's `<name>.crt` is the leaf followed by its chain), as a file path.
    fn certificate(&self, name: &str) -> String {
        let bundle = self.dir.join("certificates").join(format!("{name}.crt"));
        assert!(bundle.is_file(), "lego wrote no {}", bundle.display());
        let leaf = self.dir.join(format!("{name}.leaf.pem"));
        openssl(
            &self.dir,
            &[
                "x509",
                "-in",
                &bundle.display().to_string(),
                "-out",
                &leaf.display().to_string(),
            ],
        );
        leaf.display().to_string()
    }

    /// lego's `<name>.issuer.crt`: the chain the server sent after the leaf.
    fn issuer_path(&self, name: &str) -> String {
        self.dir
            .join("certificates")
            .join(format!("{name}.issuer.crt"))
            .display()
            .to_string()
    }
}

/// The DNS names of a certificate's subjectAltName, sorted.
fn sans(dir: &Path, cert: &str) -> Vec<String> {
    let text = openssl(
        dir,
        &["x509", "-in", cert, "-noout", "-ext", "subjectAltName"],
    );
    let mut names: Vec<String> = text
        .split([',', '\n'])
        .filter_map(|part| part.trim().strip_prefix("DNS:").map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn sorted(names: &[String]) -> Vec<String> {
    let mut v = names.to_vec();
    v.sort();
    v
}

/// Holds port 80 for this test; a test that panicked while holding it does not block the rest.
fn port_80() -> (MutexGuard<'static, ()>, FileLock) {
    let guard = PORT_80
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let lock = FileLock::take(PORT_80_LOCK)
        .unwrap_or_else(|e| panic!("cannot lock {PORT_80_LOCK} for port 80: {e}"));
    (guard, lock)
}
