//! A small driver for the real `terraform` (or `tofu`) binary, shaped like
//! terraform-plugin-testing's steps: write a configuration, init, plan (saved and shown as JSON),
//! apply, require an empty plan with and without refresh, import into a fresh directory and
//! compare, destroy. Providers under test are wired in with `dev_overrides` in a temporary CLI
//! configuration passed through `TF_CLI_CONFIG_FILE` (the machine's own may not exist).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

use crate::environment::run_checked;

/// One Terraform working directory with its own CLI configuration and state.
pub struct Terraform {
    bin: PathBuf,
    dir: TempDir,
    overrides: Vec<(String, PathBuf)>,
    envs: Vec<(String, String)>,
    trace: bool,
    installation: Option<String>,
}

impl Terraform {
    /// A working directory using `TF_ACC_TERRAFORM_PATH`, else `terraform`, else `tofu` on PATH.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("vaultpki-tf-")
            .tempdir()
            .expect("a temporary directory for terraform");
        let tf = Self {
            bin: terraform_binary(),
            dir,
            overrides: Vec::new(),
            envs: Vec::new(),
            trace: false,
            installation: None,
        };
        tf.write_cli_config();
        tf
    }

    /// Serves provider `source` (e.g. `vaultpki/vaultpki`) from the binary
    /// `terraform-provider-<type>` in `bin_dir`.
    pub fn with_provider(mut self, source: &str, bin_dir: &Path) -> Self {
        self.overrides
            .push((source.to_owned(), bin_dir.to_path_buf()));
        self.write_cli_config();
        self
    }

    /// Installs providers the way a user does, with `terraform init` and this
    /// `provider_installation` CLI configuration (see [`crate::installation`]) instead of
    /// `dev_overrides`.
    pub fn with_installation(mut self, cli_config: String) -> Self {
        self.installation = Some(cli_config);
        self.write_cli_config();
        self
    }

    /// Sets an environment variable for every terraform command (and so for the provider).
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Writes `TF_LOG=trace` output of every command to `trace.log` (see [`Self::trace_log`]).
    pub fn with_trace_log(mut self) -> Self {
        self.trace = true;
        self
    }

    /// The working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Replaces `main.tf`.
    pub fn write_config(&self, hcl: &str) {
        self.write_file("main.tf", hcl);
    }

    /// Writes any file into the working directory.
    pub fn write_file(&self, name: &str, contents: &str) {
        std::fs::write(self.dir.path().join(name), contents)
            .unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    }

    /// `terraform init`, when there is something to initialise: with providers served through
    /// `dev_overrides`, Terraform 1.11 still asks the registry about them during init (and fails
    /// offline), while plan and apply use the overrides without it, so init is skipped then.
    pub fn init(&self) {
        if self.overrides.is_empty() {
            self.run_ok(&["init", "-input=false", "-no-color"]);
        }
    }

    /// `terraform plan -out` then `terraform show -json` of that plan.
    pub fn plan(&self) -> Value {
        self.run_ok(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
        self.json(&["show", "-json", "-no-color", "tfplan"])
    }

    /// `terraform apply -auto-approve`.
    pub fn apply(&self) -> Output {
        self.run_ok(&["apply", "-input=false", "-no-color", "-auto-approve"])
    }

    /// `terraform apply` that must fail; returns its combined output for asserting diagnostics.
    pub fn apply_err(&self) -> String {
        let out = self.run(&["apply", "-input=false", "-no-color", "-auto-approve"]);
        assert!(
            !out.status.success(),
            "terraform apply was expected to fail but succeeded:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        combined(&out)
    }

    /// Requires that a plan with `-refresh=false` and a normal plan both show no changes.
    pub fn assert_plan_empty(&self) {
        for refresh in ["-refresh=false", "-refresh=true"] {
            let out = self.run(&[
                "plan",
                "-input=false",
                "-no-color",
                "-detailed-exitcode",
                refresh,
            ]);
            match out.status.code() {
                Some(0) => {}
                Some(2) => panic!(
                    "plan ({refresh}) after apply is not empty:\n{}",
                    String::from_utf8_lossy(&out.stdout)
                ),
                _ => panic!("terraform plan ({refresh}) failed:\n{}", combined(&out)),
            }
        }
    }

    /// `terraform show -json` of the state.
    pub fn state(&self) -> Value {
        self.json(&["show", "-json", "-no-color"])
    }

    /// The attribute values of one resource in the state (`address` like `vaultpki_mount.pki`).
    pub fn resource(&self, address: &str) -> Value {
        let state = self.state();
        find_resource(&state, address).unwrap_or_else(|| {
            panic!("{address} is not in the state:\n{state:#}");
        })
    }

    /// The value of an output.
    pub fn output(&self, name: &str) -> Value {
        self.json(&["output", "-json", "-no-color", name])
    }

    /// Imports `address` with `id` into a fresh working directory with the same configuration and
    /// providers, then compares its attributes with this state, ignoring `ignore` (attributes the
    /// server cannot give back, e.g. secrets). Returns the new directory for further steps.
    pub fn import_and_compare(&self, address: &str, id: &str, ignore: &[&str]) -> Self {
        let mut other = Self::new();
        other.overrides.clone_from(&self.overrides);
        other.envs.clone_from(&self.envs);
        other.trace = self.trace;
        other.installation.clone_from(&self.installation);
        other.write_cli_config();
        for entry in std::fs::read_dir(self.dir.path()).expect("read the working directory") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|e| e == "tf" || e == "tfvars") {
                let name = path.file_name().expect("a file name");
                std::fs::copy(&path, other.dir.path().join(name)).expect("copy configuration");
            }
        }
        other.init();
        other.run_ok(&["import", "-input=false", "-no-color", address, id]);
        let mut ours = self.resource(address);
        let mut theirs = other.resource(address);
        for key in ignore {
            ours.as_object_mut().map(|o| o.remove(*key));
            theirs.as_object_mut().map(|o| o.remove(*key));
        }
        assert_eq!(
            ours, theirs,
            "{address} imported by id {id:?} differs from the applied state"
        );
        other
    }

    /// `terraform destroy -auto-approve`, then requires an empty state.
    pub fn destroy(&self) {
        self.run_ok(&["destroy", "-input=false", "-no-color", "-auto-approve"]);
        let state = self.state();
        let left = state
            .pointer("/values/root_module/resources")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        assert_eq!(left, 0, "resources left in state after destroy:\n{state:#}");
    }

    /// A file in the working directory (e.g. what a `local-exec` capture wrote).
    pub fn read_file(&self, name: &str) -> String {
        let path = self.dir().join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Requires that neither `terraform show -json` nor the raw state file holds any of
    /// `secrets` (`(what, value)`), whole or any line of it of 16 characters or more.
    pub fn assert_state_free_of(&self, secrets: &[(&str, &str)]) {
        let shown = self.state().to_string();
        let raw = std::fs::read_to_string(self.dir().join("terraform.tfstate")).unwrap_or_default();
        for (what, secret) in secrets {
            assert!(secret.len() >= 16, "{what} was not captured");
            for line in secret.lines().filter(|l| l.len() >= 16) {
                assert!(
                    !shown.contains(line),
                    "terraform show -json holds the {what}"
                );
                assert!(!raw.contains(line), "the state file holds the {what}");
            }
            assert!(
                !shown.contains(secret),
                "terraform show -json holds the {what}"
            );
            assert!(!raw.contains(secret), "the state file holds the {what}");
        }
    }

    /// Everything `TF_LOG=trace` wrote so far (empty unless [`Self::with_trace_log`]).
    pub fn trace_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("trace.log")).unwrap_or_default()
    }

    /// Runs terraform with `args` and requires success.
    pub fn run_ok(&self, args: &[&str]) -> Output {
        run_checked(&mut self.command(args), "terraform")
    }

    /// Runs terraform with `args`, whatever the outcome.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("could not run {}: {e}", self.bin.display()))
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run_ok(args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "terraform {args:?} printed no JSON ({e}):\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("cli.tfrc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .envs(self.envs.iter().map(|(k, v)| (k, v)));
        if self.trace {
            cmd.env("TF_LOG", "trace")
                .env("TF_LOG_PATH", self.dir.path().join("trace.log"));
        }
        cmd
    }

    fn write_cli_config(&self) {
        if let Some(cfg) = &self.installation {
            self.write_file("cli.tfrc", cfg);
            return;
        }
        let mut cfg = String::from("provider_installation {\n  dev_overrides {\n");
        for (source, dir) in &self.overrides {
            cfg.push_str(&format!(
                "    {source:?} = {:?}\n",
                dir.display().to_string()
            ));
        }
        cfg.push_str("  }\n  direct {}\n}\n");
        self.write_file("cli.tfrc", &cfg);
    }
}

impl Default for Terraform {
    fn default() -> Self {
        Self::new()
    }
}

/// `(address, actions)` for every resource change in a plan that is not a no-op.
pub fn planned_changes(plan: &Value) -> Vec<(String, Vec<String>)> {
    plan.get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|rc| {
            let actions: Vec<String> = rc
                .pointer("/change/actions")?
                .as_array()?
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect();
            let address = rc.get("address")?.as_str()?.to_owned();
            (actions != ["no-op"] && actions != ["read"]).then_some((address, actions))
        })
        .collect()
}

fn find_resource(state: &Value, address: &str) -> Option<Value> {
    let mut modules = vec![state.pointer("/values/root_module")?];
    while let Some(module) = modules.pop() {
        let resources = module.get("resources").and_then(Value::as_array);
        if let Some(r) = resources
            .into_iter()
            .flatten()
            .find(|r| r.get("address").and_then(Value::as_str) == Some(address))
        {
            return r.get("values").cloned();
        }
        modules.extend(
            module
                .get("child_modules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    None
}

fn terraform_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("TF_ACC_TERRAFORM_PATH") {
        return PathBuf::from(path);
    }
    for name in ["terraform", "tofu"] {
        if let Some(found) = which(name) {
            return found;
        }
    }
    panic!(
        "neither `terraform` nor `tofu` is on PATH: install Terraform >= 1.11 or OpenTofu >= 1.11 \
         (or point TF_ACC_TERRAFORM_PATH at one); the acceptance tests never skip without it"
    );
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn combined(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
