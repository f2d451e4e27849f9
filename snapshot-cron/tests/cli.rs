//! The command line as users see it, without any server: exit codes and the exact error line
//! for the mistakes that can be caught before talking to anything.

use assert_cmd::Command;
use predicates::prelude::*;

fn cron() -> Command {
    let mut cmd =
        Command::cargo_bin("snapshot-cron").expect("cargo built the snapshot-cron binary");
    cmd.env_clear()
        .env("SNAPSHOT_CRON_LOG_FORMAT", "text")
        .env("SNAPSHOT_CRON_LOG", "off");
    cmd
}

#[test]
fn run_refuses_without_a_kms_key() {
    cron()
        .args(["run", "--bucket", "b"])
        .env("VAULT_ADDR", "http://127.0.0.1:1")
        .env("VAULT_TOKEN", "t")
        .assert()
        .code(3)
        .stderr(
            "snapshot-cron: no KMS key configured: set SNAPSHOT_CRON_KMS_KEY_ID (or --kms-key-id); \
             snapshots are never uploaded without SSE-KMS\n",
        )
        .stdout(
            predicate::str::contains(r#""outcome":"failure""#)
                .and(predicate::str::contains(r#""stage":"config""#)),
        );
}

#[test]
fn run_needs_a_server_address_and_credentials() {
    cron()
        .args(["run", "--bucket", "b", "--kms-key-id", "k"])
        .assert()
        .code(3)
        .stderr(
            "snapshot-cron: no server address: set VAULT_ADDR (or BAO_ADDR) or pass --vault-addr\n",
        );
    cron()
        .args(["run", "--bucket", "b", "--kms-key-id", "k"])
        .env("BAO_ADDR", "http://127.0.0.1:1")
        .assert()
        .code(3)
        .stderr(predicate::str::starts_with(
            "snapshot-cron: no credentials: set VAULT_TOKEN",
        ));
}

#[test]
fn bad_retention_age_is_a_configuration_error() {
    cron()
        .args([
            "run",
            "--bucket",
            "b",
            "--kms-key-id",
            "k",
            "--retain-min-age",
            "7y",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "SNAPSHOT_CRON_RETAIN_MIN_AGE: \"7y\" has an unknown unit",
        ));
}

#[test]
fn verify_reports_a_missing_file_and_a_non_snapshot() {
    cron()
        .args(["verify", "/nonexistent/x.snap"])
        .assert()
        .code(3)
        .stderr(predicate::str::starts_with(
            "snapshot-cron: cannot read /nonexistent/x.snap:",
        ));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.snap");
    std::fs::write(&f, b"not a snapshot").unwrap();
    cron()
        .arg("verify")
        .arg(&f)
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "the snapshot archive is damaged or truncated",
        ));
}

#[test]
fn restore_needs_exactly_one_of_key_and_latest() {
    cron().args(["restore", "--bucket", "b"]).assert().code(2);
    cron()
        .args(["restore", "--bucket", "b", "--key", "k", "--latest"])
        .assert()
        .code(2);
}

#[test]
fn missing_aws_credentials_are_named_and_text_logs_to_a_file_have_no_colour_codes() {
    let out = cron()
        .args(["run", "--bucket", "b", "--kms-key-id", "k"])
        .env("VAULT_ADDR", "http://127.0.0.1:1")
        .env("VAULT_TOKEN", "t")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("SNAPSHOT_CRON_LOG", "debug")
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.ends_with(
            "snapshot-cron: no AWS credentials found: set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the job a role (IRSA / EKS Pod Identity \
             / instance profile)\n"
        ),
        "{stderr}"
    );
    // stderr is a pipe here, as in a job: text logs must be plain.
    assert!(
        stderr.contains(" DEBUG "),
        "no log line to check:\n{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes in a non-TTY log:\n{stderr}"
    );
}
