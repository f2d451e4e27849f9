//! The shared test environment (one OpenBao Raft node with plain and TLS listeners, a 3-node Raft
//! cluster, moto_server with a KMS key and bucket), started once per test process by calling
//! `scripts/testenv up --owner-pid <this process>`, so it is torn down when the process exits
//! however the tests end. `VAULTPKI_TESTENV=<state dir>` reuses an environment a developer
//! started by hand, for fast iteration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::bins::workspace_root;
use crate::names::unique_name;

/// What a client needs to reach the environment; the field docs name the env file's keys.
#[derive(Clone)]
pub struct TestEnv {
    /// `VAULT_ADDR`: the single node's plain HTTP listener.
    pub addr: String,
    /// `VAULT_TOKEN`: its root token.
    pub token: String,
    /// `VAULTPKI_TEST_UNSEAL_KEY`: its only unseal key.
    pub unseal_key: String,
    /// `VAULTPKI_TEST_TLS_ADDR`: the same node's TLS listener (absent when not started).
    pub tls_addr: String,
    /// `VAULTPKI_TEST_CACERT`: the CA that signed the TLS listener's certificate.
    pub cacert: PathBuf,
    /// `VAULTPKI_TEST_CLUSTER_ADDRS`: the 3-node cluster, leader first.
    pub cluster_addrs: Vec<String>,
    /// `VAULTPKI_TEST_CLUSTER_TOKEN`: the cluster's root token.
    pub cluster_token: String,
    /// `VAULTPKI_TEST_CLUSTER_UNSEAL_KEY`: the cluster's unseal key.
    pub cluster_unseal_key: String,
    /// `AWS_ENDPOINT_URL`: moto_server.
    pub aws_endpoint: String,
    /// `VAULTPKI_TEST_KMS_KEY_ID`: a KMS key that exists and is enabled.
    pub kms_key_id: String,
    /// `VAULTPKI_TEST_BUCKET`: a bucket whose default encryption is `aws:kms` with that key.
    pub bucket: String,
    /// `VAULTPKI_TEST_BAO`: the `bao` binary.
    pub bao_bin: PathBuf,
    /// `VAULTPKI_TEST_PYTHON`: the venv's python, which has boto3.
    pub python: PathBuf,
    /// `VAULTPKI_TEST_STATE_DIR`: where the environment keeps data, logs and the env file.
    pub state_dir: PathBuf,
    vars: BTreeMap<String, String>,
}

impl TestEnv {
    /// Every variable of the env file (addresses, tokens, AWS settings), for a child process.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// A `bao` CLI command pointed at the single node with its root token.
    pub fn bao(&self, args: &[&str]) -> Command {
        self.bao_at(&self.addr, &self.token, args)
    }

    /// A `bao` CLI command pointed at `addr` with `token`; `HOME` is the state dir so the CLI's
    /// token helper never touches the user's `~/.vault-token`.
    pub fn bao_at(&self, addr: &str, token: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bao_bin);
        cmd.args(args)
            .env_remove("VAULT_NAMESPACE")
            .env_remove("BAO_NAMESPACE")
            .env("VAULT_ADDR", addr)
            .env("BAO_ADDR", addr)
            .env("VAULT_TOKEN", token)
            .env("BAO_TOKEN", token)
            .env("HOME", &self.state_dir);
        cmd
    }

    /// Runs a `bao` command against the single node and asserts it succeeded.
    pub fn bao_ok(&self, args: &[&str]) -> Output {
        self.bao_retrying(args)
    }

    /// Runs a `bao` command against the single node, asserts it succeeded and returns stdout as
    /// JSON (pass `-format=json` where the command needs it).
    pub fn bao_json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.bao_retrying(args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "bao {args:?} did not print JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs `bao` and asserts it succeeded, retrying the one answer that means nothing was
    /// written: under parallel load OpenBao's Raft storage may reject a transaction that lost to
    /// a concurrent one with a 500 "transaction commit failed" (the provider's client retries
    /// it the same way).
    fn bao_retrying(&self, args: &[&str]) -> Output {
        const ATTEMPTS: u32 = 5;
        for attempt in 1..ATTEMPTS {
            let out = self
                .bao(args)
                .output()
                .unwrap_or_else(|e| panic!("could not start bao: {e}"));
            let lost = String::from_utf8_lossy(&out.stderr).contains("transaction commit failed");
            if out.status.success() || !lost {
                return check_output(out, args, "bao");
            }
            std::thread::sleep(std::time::Duration::from_millis(100 * u64::from(attempt)));
        }
        run_checked(&mut self.bao(args), "bao")
    }

    /// Runs a Python snippet in the venv (boto3 available) with the AWS settings of moto.
    pub fn python(&self, code: &str) -> Output {
        let mut cmd = Command::new(&self.python);
        cmd.arg("-c").arg(code).envs(&self.vars);
        run_checked(&mut cmd, "python")
    }

    fn from_state_dir(dir: &Path) -> Result<Self, String> {
        let path = dir.join("env.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let vars: BTreeMap<String, String> = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not the env file testenv writes: {e}", path.display()))?;
        let get = |k: &str| vars.get(k).cloned().unwrap_or_default();
        Ok(Self {
            addr: get("VAULT_ADDR"),
            token: get("VAULT_TOKEN"),
            unseal_key: get("VAULTPKI_TEST_UNSEAL_KEY"),
            tls_addr: get("VAULTPKI_TEST_TLS_ADDR"),
            cacert: get("VAULTPKI_TEST_CACERT").into(),
            cluster_addrs: get("VAULTPKI_TEST_CLUSTER_ADDRS")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            cluster_token: get("VAULTPKI_TEST_CLUSTER_TOKEN"),
            cluster_unseal_key: get("VAULTPKI_TEST_CLUSTER_UNSEAL_KEY"),
            aws_endpoint: get("AWS_ENDPOINT_URL"),
            kms_key_id: get("VAULTPKI_TEST_KMS_KEY_ID"),
            bucket: get("VAULTPKI_TEST_BUCKET"),
            bao_bin: get("VAULTPKI_TEST_BAO").into(),
            python: get("VAULTPKI_TEST_PYTHON").into(),
            state_dir: dir.to_path_buf(),
            vars,
        })
    }
}

/// The shared environment, started on first use and torn down when the test process exits.
pub fn env() -> &'static TestEnv {
    static ENV: OnceLock<TestEnv> = OnceLock::new();
    ENV.get_or_init(|| {
        if let Some(dir) = std::env::var_os("VAULTPKI_TESTENV") {
            return TestEnv::from_state_dir(Path::new(&dir)).unwrap_or_else(|e| {
                panic!("VAULTPKI_TESTENV points at no running environment: {e}")
            });
        }
        let dir = workspace_root()
            .join("target")
            .join("testenv")
            .join(format!("run-{}", std::process::id()));
        testenv_up(&dir, &[])
    })
}

/// Options for an [`ExtraServer`].
#[derive(Default, Clone)]
pub struct ExtraServerOptions {
    /// Certificate (with chain), key and CA for the TLS listener instead of generated ones.
    pub tls: Option<(PathBuf, PathBuf, PathBuf)>,
}

/// A single OpenBao node of the test's own (e.g. a fresh server to restore a snapshot into, or
/// one serving a certificate the test made). Stopped and removed on drop.
pub struct ExtraServer {
    env: TestEnv,
}

impl ExtraServer {
    /// Starts a single initialised, unsealed Raft node with plain and TLS listeners.
    pub fn start(opts: ExtraServerOptions) -> Self {
        let dir = workspace_root()
            .join("target")
            .join("testenv")
            .join(unique_name("extra"));
        let mut args = vec!["--bao".to_owned()];
        if let Some((cert, key, ca)) = &opts.tls {
            for (flag, p) in [("--tls-cert", cert), ("--tls-key", key), ("--tls-ca", ca)] {
                args.push(flag.to_owned());
                args.push(p.display().to_string());
            }
        }
        Self {
            env: testenv_up(&dir, &args),
        }
    }

    /// Addresses, token and unseal key of this server (cluster and moto fields are empty).
    pub fn env(&self) -> &TestEnv {
        &self.env
    }
}

impl Drop for ExtraServer {
    fn drop(&mut self) {
        let _ = testenv()
            .arg("down")
            .arg("--state-dir")
            .arg(&self.env.state_dir)
            .output();
    }
}

fn testenv() -> Command {
    let mut cmd = Command::new(workspace_root().join("scripts").join("testenv"));
    // The environment must not inherit a developer's server settings.
    for var in ["VAULT_ADDR", "VAULT_TOKEN", "BAO_ADDR", "BAO_TOKEN"] {
        cmd.env_remove(var);
    }
    cmd
}

fn testenv_up(dir: &Path, extra: &[String]) -> TestEnv {
    let mut cmd = testenv();
    cmd.arg("up")
        .arg("--state-dir")
        .arg(dir)
        .arg("--owner-pid")
        .arg(std::process::id().to_string())
        .args(extra);
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "could not run scripts/testenv ({e}); it needs bash and python3 \
             (Debian: apt-get install python3 python3-venv)"
        )
    });
    if !out.status.success() {
        panic!(
            "scripts/testenv up failed (a missing dependency is a failure, never a skip):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    TestEnv::from_state_dir(dir).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a command, panicking with its stdout and stderr when it fails.
pub(crate) fn run_checked(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not start {what}: {e}"));
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    check_output(out, &args, what)
}

/// Asserts `out` is a success, showing the command's arguments and output otherwise.
fn check_output(out: Output, args: &[impl AsRef<str>], what: &str) -> Output {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    assert!(
        out.status.success(),
        "{what} {args:?} failed with {}:\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
