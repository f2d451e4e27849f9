//! The command line as users see it, without a server: help, and the configuration mistakes
//! caught before anything is contacted or changed, with exit code 3 and the exact message.

use assert_cmd::Command;
use predicates::prelude::*;

fn deploy() -> Command {
    let mut cmd = Command::cargo_bin("cert-deploy").expect("cargo built the cert-deploy binary");
    cmd.env_clear()
        .env("CERT_DEPLOY_LOG_FORMAT", "text")
        .env("CERT_DEPLOY_LOG", "off");
    cmd
}

fn config(dir: &std::path::Path, service: &str) -> std::path::PathBuf {
    let text = format!(
        "config:\n  vault: \"http://127.0.0.1:1\"\n  pki: pki\n  role: web\ncerts:\n  - name: web.example\n    service:\n      - name: nginx.service\n        {service}\n    deploy:\n      - cert: {d}/web.crt\n      - privkey: {d}/web.key\n",
        d = dir.display()
    );
    let path = dir.join("certs.yaml");
    std::fs::write(&path, text).expect("write the configuration");
    path
}

#[test]
fn help_lists_the_commands_and_exit_codes() {
    deploy().arg("--help").assert().success().stdout(
        predicate::str::contains("run ")
            .and(predicate::str::contains("check "))
            .and(predicate::str::contains("recover "))
            .and(predicate::str::contains("4 authentication")),
    );
}

#[test]
fn an_unknown_key_is_named_with_its_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), "contrl: reload");
    let out = deploy()
        .args(["run", "--config"])
        .arg(&path)
        .env("VAULT_TOKEN", "t")
        .assert()
        .code(3)
        .stdout(predicate::str::contains(r#""stage":"config""#))
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "cert-deploy: {}: certs[0].service[0]: unknown field `contrl`, expected `name` or `control` at line 9 column 9\n",
            path.display()
        )
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "only the configuration file");
}

#[test]
fn missing_credentials_and_directories_are_configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), "control: reload");
    deploy()
        .args(["check", "--config"])
        .arg(&path)
        .assert()
        .code(3)
        .stderr(predicate::str::starts_with(
            "cert-deploy: no credentials: set VAULT_TOKEN (or BAO_TOKEN), CERT_DEPLOY_TOKEN_FILE, AppRole (VAULT_ROLE_ID + secret ID) or CERT_DEPLOY_K8S_ROLE",
        ));
    deploy()
        .args(["run", "--config"])
        .arg(&path)
        .env("VAULT_ROLE_ID", "r")
        .assert()
        .code(3)
        .stderr("cert-deploy: AppRole login needs a secret ID: set VAULT_SECRET_ID or CERT_DEPLOY_SECRET_ID_FILE\n");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("/web.crt", "/absent/web.crt");
    std::fs::write(&path, text).unwrap();
    deploy()
        .args(["run", "--config"])
        .arg(&path)
        .env("VAULT_TOKEN", "t")
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "/absent does not exist; create it",
        ));
}
