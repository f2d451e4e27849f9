//! The runbooks in `docs/guides/`: every command in them runs here (issue 9), so a guide cannot
//! drift from the tools it documents.
//!
//! A guide is Markdown. Its commands are the fenced blocks with the info string `sh`; a block
//! whose info string is `hcl title="<file>"` is a file the reader writes (into the current
//! directory of the shell at that point). `text` blocks show expected output and HCL blocks
//! without a title are illustrations; neither runs. Any other fence that looks like a shell
//! (`bash`, `shell`, `console`, `sh` with unknown attributes) fails the test, so no command can
//! hide from the runner. The blocks of one guide run in order in one `bash` with
//! `set -euo pipefail` in a fresh temporary directory, with the environment a reader would have:
//! `VAULT_ADDR`/`VAULT_TOKEN` of the shared OpenBao node, `PATH` with the built binaries and
//! `bao`, the `AWS_*` settings of moto, a Terraform CLI configuration whose filesystem mirror
//! serves the built provider (so `terraform init` works offline, as it does for a reader with the
//! registry), and the placeholders the guide's prose asks the reader to set. After each block a
//! marker is written; a block that did not run (an early `exit`, say) fails the test as surely
//! as a command that fails, and a failure names the guide, the block, and its line.
//!
//! Output is kept in a log that is shown on failure with every secret of the environment (tokens,
//! unseal keys, passphrases) replaced by `[redacted]`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use vaultpki_tests::{ExtraServer, ExtraServerOptions, bin_path, env, unique_name, workspace_root};

/// What a fenced block of a guide is to the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Commands, run in order.
    Sh,
    /// A file the reader writes, named by `title="…"`.
    File(String),
}

/// One runnable block: what it is, the guide line of its opening fence, its text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    kind: Kind,
    line: usize,
    text: String,
}

/// Every guide in `docs/guides/` and the test that runs it: a new guide without an entry here
/// fails [`every_guide_is_run_and_its_hcl_is_formatted`], so none can go untested.
const GUIDES: &[(&str, &str)] = &[
    ("intermediate", "guides::intermediate"),
    (
        "migrating-from-vault-provider",
        "guides::migrating_from_vault_provider",
    ),
    ("restore-from-snapshot", "guides::restore_from_snapshot"),
    ("root-ceremony", "guides::root_ceremony"),
    ("root-crl", "guides::root_crl"),
];

/// Fence info strings that would look like commands to a reader but are not run.
const REFUSED: &[&str] = &["bash", "shell", "console", "zsh", "shell-session"];

/// The runnable blocks of a guide, in order; an error names a fence the runner would not run.
fn blocks(markdown: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(fence_rest) = trimmed.strip_prefix("```") else {
            continue;
        };
        let indent = line.len() - trimmed.len();
        let info = fence_rest.trim();
        let mut body = Vec::new();
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                closed = true;
                break;
            }
            // Blocks inside list items are indented; the reader copies them without it.
            let cut = l.len() - l.trim_start().len();
            body.push(&l[cut.min(indent)..]);
        }
        if !closed {
            return Err(format!("line {}: fence ``` is never closed", i + 1));
        }
        let text = body.join("\n") + "\n";
        let mut words = info.split_whitespace();
        let lang = words.next().unwrap_or("");
        let attrs: Vec<&str> = words.collect();
        let kind = match lang {
            "sh" if attrs.is_empty() => Some(Kind::Sh),
            "sh" => {
                return Err(format!(
                    "line {}: ```{info}: sh blocks take no attributes (every one runs)",
                    i + 1
                ));
            }
            "hcl" | "terraform" => title(&attrs).map(Kind::File),
            l if REFUSED.contains(&l) => {
                return Err(format!(
                    "line {}: ```{l} is not run by the guide test; write commands as ```sh \
                     and output as ```text",
                    i + 1
                ));
            }
            _ => None,
        };
        if let Some(kind) = kind {
            out.push(Block {
                kind,
                line: i + 1,
                text,
            });
        }
    }
    Ok(out)
}

/// The value of a `title="…"` attribute.
fn title(attrs: &[&str]) -> Option<String> {
    attrs.iter().find_map(|a| {
        a.strip_prefix("title=\"")
            .and_then(|v| v.strip_suffix('"'))
            .map(str::to_owned)
    })
}

/// The heredoc delimiter for file blocks; a block containing it is refused.
const EOF: &str = "VAULTPKI_GUIDE_FILE_EOF";

/// One bash script running `blocks` in order, and for each script line the guide line it came
/// from (0 for the runner's own lines).
fn script(blocks: &[Block], marks: &Path) -> Result<(String, Vec<usize>), String> {
    let mut s = String::new();
    let mut map = vec![0];
    let mut push = |s: &mut String, text: &str, guide_line: usize| {
        for l in text.lines() {
            s.push_str(l);
            s.push('\n');
            map.push(guide_line);
        }
    };
    push(
        &mut s,
        &format!(
            "set -euo pipefail\n\
             trap 'echo \"guide-runner: command failed (exit $?) at script line $LINENO: \
             $BASH_COMMAND\" >&2' ERR\n\
             __marks={}\n",
            shell_quote(&marks.display().to_string())
        ),
        0,
    );
    for (n, b) in blocks.iter().enumerate() {
        push(
            &mut s,
            &format!("# block {} (guide line {})", n + 1, b.line),
            0,
        );
        match &b.kind {
            Kind::Sh => {
                for (k, l) in b.text.lines().enumerate() {
                    push(&mut s, l, b.line + 1 + k);
                }
            }
            Kind::File(name) => {
                if b.text.contains(EOF) {
                    return Err(format!("line {}: the block contains {EOF}", b.line));
                }
                push(
                    &mut s,
                    &format!("cat > {} <<'{EOF}'", shell_quote(name)),
                    b.line,
                );
                for (k, l) in b.text.lines().enumerate() {
                    push(&mut s, l, b.line + 1 + k);
                }
                push(&mut s, EOF, b.line);
            }
        }
        push(&mut s, &format!("echo {} >> \"$__marks\"", n + 1), 0);
    }
    Ok((s, map))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What a guide run needs beyond the shared environment.
struct GuideRun {
    name: &'static str,
    vars: BTreeMap<String, String>,
    secrets: Vec<String>,
    /// Files the reader already has in the working directory (name, contents).
    files: Vec<(String, String)>,
    /// Seconds before the whole guide is stopped.
    timeout: u32,
}

impl GuideRun {
    fn new(name: &'static str) -> Self {
        let e = env();
        Self {
            name,
            vars: BTreeMap::new(),
            secrets: vec![
                e.token.clone(),
                e.unseal_key.clone(),
                e.cluster_token.clone(),
                e.cluster_unseal_key.clone(),
            ],
            files: Vec::new(),
            timeout: 300,
        }
    }

    fn file(mut self, name: &str, contents: impl Into<String>) -> Self {
        self.files.push((name.to_owned(), contents.into()));
        self
    }

    /// A run with no shared environment, for testing the runner itself.
    fn bare(name: &'static str) -> Self {
        Self {
            name,
            vars: BTreeMap::new(),
            secrets: Vec::new(),
            files: Vec::new(),
            timeout: 60,
        }
    }

    fn var(mut self, key: &str, value: impl Into<String>) -> Self {
        self.vars.insert(key.to_owned(), value.into());
        self
    }

    fn secret(mut self, value: impl Into<String>) -> Self {
        self.secrets.push(value.into());
        self
    }

    /// Runs every block of `docs/guides/<name>.md` with the reader's environment (the shared
    /// OpenBao node, moto, the built binaries, the provider mirror); panics naming the block that
    /// failed.
    fn run(self) {
        let path = workspace_root()
            .join("docs/guides")
            .join(format!("{}.md", self.name));
        let md = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let e = env();
        let mirror = tempfile::Builder::new()
            .prefix("vaultpki-guide-mirror-")
            .tempdir()
            .expect("a temporary directory");
        let mut reader: Vec<(String, String)> = vec![
            ("PATH".into(), reader_path()),
            (
                "TF_CLI_CONFIG_FILE".into(),
                terraform_cli_config(mirror.path()).display().to_string(),
            ),
            ("TF_INPUT".into(), "0".into()),
            // Plain output in the log shown on failure; the commands are unchanged.
            ("TF_CLI_ARGS".into(), "-no-color".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            ("VAULT_ADDR".into(), e.addr.clone()),
            ("VAULT_TOKEN".into(), e.token.clone()),
        ];
        reader.extend(
            e.vars()
                .iter()
                .filter(|(k, _)| k.starts_with("AWS_"))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let label = format!("docs/guides/{}.md", self.name);
        if let Err(msg) = self.execute(&label, &md, &reader) {
            panic!("{msg}");
        }
    }

    /// Runs the blocks of `md` in a fresh directory with only `base` and [`Self::var`]s in the
    /// environment; the error names the block and line that failed, with the output's tail.
    fn execute(&self, label: &str, md: &str, base: &[(String, String)]) -> Result<(), String> {
        let blocks = blocks(md).map_err(|e| format!("{label}: {e}"))?;
        if !blocks.iter().any(|b| b.kind == Kind::Sh) {
            return Err(format!(
                "{label} has no ```sh block: nothing of it would be tested"
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!("vaultpki-guide-{}-", self.name))
            .tempdir()
            .map_err(|e| format!("a temporary directory: {e}"))?;
        let work = dir.path().join("work");
        let home = dir.path().join("home");
        for d in [&work, &home] {
            std::fs::create_dir_all(d).map_err(|e| format!("create {}: {e}", d.display()))?;
        }
        for (name, contents) in &self.files {
            std::fs::write(work.join(name), contents).map_err(|e| format!("write {name}: {e}"))?;
        }
        let marks = dir.path().join("marks");
        let (text, map) = script(&blocks, &marks).map_err(|e| format!("{label}: {e}"))?;
        let script_path = dir.path().join("guide.sh");
        std::fs::write(&script_path, &text).map_err(|e| format!("write the script: {e}"))?;
        let log_path = dir.path().join("output.log");
        let log = std::fs::File::create(&log_path).map_err(|e| format!("create the log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| format!("clone the log: {e}"))?;

        let status = Command::new("timeout")
            .arg(self.timeout.to_string())
            .arg("bash")
            .arg(&script_path)
            .current_dir(&work)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &home)
            .env("TMPDIR", dir.path())
            .env("LANG", "C.UTF-8")
            .envs(base.iter().map(|(k, v)| (k, v)))
            .envs(&self.vars)
            .stdin(Stdio::null())
            .stdout(log2)
            .stderr(log)
            .status()
            .map_err(|e| format!("could not run bash: {e}"))?;
        let output = std::fs::read_to_string(&log_path).unwrap_or_default();
        let ran: Vec<usize> = std::fs::read_to_string(&marks)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        let all: Vec<usize> = (1..=blocks.len()).collect();
        if status.success() && ran == all {
            return Ok(());
        }
        let next = ran.len();
        let where_ = blocks.get(next).map_or_else(
            || "after the last block".to_owned(),
            |b| {
                format!(
                    "block {} of {} (opening at line {})",
                    next + 1,
                    blocks.len(),
                    b.line
                )
            },
        );
        let failed_line = output
            .lines()
            .rev()
            .find_map(|l| {
                let rest = l.split("at script line ").nth(1)?;
                rest.split(':').next()?.trim().parse::<usize>().ok()
            })
            .and_then(|n| map.get(n).copied())
            .filter(|&n| n > 0)
            .map_or_else(String::new, |n| format!(", command at line {n}"));
        let reason = if status.success() {
            "the script ended before every block ran (an exit in a block?)".to_owned()
        } else if status.code() == Some(124) {
            format!("timed out after {} s", self.timeout)
        } else {
            format!("failed with {status}")
        };
        let tail: Vec<&str> = output.lines().collect();
        let tail = tail[tail.len().saturating_sub(80)..].join("\n");
        Err(format!(
            "{label}: {where_}{failed_line}: {reason}\n--- last output\n{}",
            self.redact(&tail)
        ))
    }

    fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in self.secrets.iter().filter(|s| s.len() >= 4) {
            out = out.replace(s.as_str(), "[redacted]");
        }
        out
    }
}

/// The built binaries and `bao` first, then the system's.
fn reader_path() -> String {
    let ours = bin_path("pki-bootstrap")
        .parent()
        .expect("binaries live in a directory")
        .to_path_buf();
    let bao = env()
        .bao_bin
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let system = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned());
    format!("{}:{}:{system}", ours.display(), bao.display())
}

/// A Terraform CLI configuration whose filesystem mirror serves the built provider as
/// `vaultpki/vaultpki` 0.1.0, and (for the migration guide) the same binary standing in for
/// `hashicorp/vault`, which cannot be downloaded here (see `provider_migrate.rs`).
fn terraform_cli_config(dir: &Path) -> PathBuf {
    let provider = bin_path("terraform-provider-vaultpki");
    let mirror = dir.join("mirror");
    for (ns, ty) in [("vaultpki", "vaultpki"), ("hashicorp", "vault")] {
        let d = mirror
            .join("registry.terraform.io")
            .join(ns)
            .join(ty)
            .join("0.1.0")
            .join("linux_amd64");
        std::fs::create_dir_all(&d).expect("create the provider mirror");
        std::os::unix::fs::symlink(&provider, d.join(format!("terraform-provider-{ty}")))
            .expect("link the provider into the mirror");
    }
    let mut cfg = String::new();
    let _ = write!(
        cfg,
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    \
         include = [\"vaultpki/vaultpki\", \"hashicorp/vault\"]\n  }}\n  direct {{\n    \
         exclude = [\"vaultpki/vaultpki\", \"hashicorp/vault\"]\n  }}\n}}\n",
        mirror.display().to_string()
    );
    let path = dir.join("terraform.tfrc");
    std::fs::write(&path, cfg).expect("write the Terraform CLI configuration");
    path
}

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

/// A static web server (python's http.server) on a free loopback port serving `dir`, standing in
/// for where the organisation publishes the root's CRL; stopped on drop.
struct StaticSite {
    child: std::process::Child,
    url: String,
}

impl StaticSite {
    fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&env().python)
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .arg("--directory")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python's http.server starts");
        let site = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return site;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("http.server did not listen on port {port} within 10 s");
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let site = StaticSite::start(&publish);
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

/// One resource instance as the official provider (terraform-plugin-sdk v2, schema version 0)
/// stores it; see `provider_migrate.rs` for the shape.
fn official_instance(ty: &str, name: &str, attributes: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "mode": "managed",
        "type": ty,
        "name": name,
        "provider": "provider[\"registry.terraform.io/hashicorp/vault\"]",
        "instances": [{
            "schema_version": 0,
            "attributes": attributes,
            "sensitive_attributes": [],
            "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjAifQ==",
        }],
    })
}

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
    let state = serde_json::json!({
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 3,
        "lineage": "5b0d7c1e-2a4f-4e3b-8c61-9d1f0c2b8e48",
        "outputs": {},
        "resources": [
            official_instance("vault_mount", "pki", serde_json::json!({
                "id": mount, "path": mount, "type": "pki", "description": "",
                "default_lease_ttl_seconds": 0, "max_lease_ttl_seconds": 0,
                "local": false, "seal_wrap": false, "external_entropy_access": false,
                "options": null, "namespace": null, "accessor": "",
                "audit_non_hmac_request_keys": [], "audit_non_hmac_response_keys": [],
                "allowed_managed_keys": [], "passthrough_request_headers": [],
                "allowed_response_headers": [], "listing_visibility": "",
                "plugin_version": "", "delegated_auth_accessors": [],
                "identity_token_key": "",
            })),
            official_instance("vault_pki_secret_backend_role", "web", serde_json::json!({
                "id": format!("{mount}/roles/web"), "backend": mount, "name": "web",
                "ttl": "3600", "max_ttl": "7200", "allowed_domains": ["example.com"],
                "allow_subdomains": true, "key_type": "ec", "key_bits": 256,
                "namespace": null, "policy_identifier": [],
            })),
            official_instance("vault_policy", "ops", serde_json::json!({
                "id": policy, "name": policy, "policy": policy_text, "namespace": null,
            })),
        ],
        "check_results": null,
    });
    GuideRun::new("migrating-from-vault-provider")
        .var("PKI_MOUNT", mount.clone())
        .file("main.tf", OFFICIAL_CONFIG)
        .file("terraform.tfstate", state.to_string())
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
