//! Harness self-tests: the Terraform driver through a whole resource lifecycle with a built-in
//! resource, and the environment's real components answering through their own APIs.

use vaultpki_tests::{
    ExtraServer, ExtraServerOptions, Terraform, env, planned_changes, unique_name,
};

#[test]
fn terraform_driver_runs_a_whole_lifecycle_with_terraform_data() {
    let tf = Terraform::new();
    let config = |input: &str| {
        format!(
            "resource \"terraform_data\" \"x\" {{\n  input = {input:?}\n}}\n\
             output \"echo\" {{\n  value = terraform_data.x.output\n}}\n"
        )
    };
    tf.write_config(&config("first"));
    tf.init();

    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [("terraform_data.x".to_owned(), vec!["create".to_owned()])]
    );
    tf.apply();
    assert_eq!(tf.output("echo"), "first");
    tf.assert_plan_empty();

    let id = tf.resource("terraform_data.x")["id"]
        .as_str()
        .expect("terraform_data has a string id")
        .to_owned();
    tf.import_and_compare(
        "terraform_data.x",
        &id,
        &["input", "output", "triggers_replace"],
    );

    tf.write_config(&config("second"));
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [("terraform_data.x".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    assert_eq!(tf.output("echo"), "second");
    tf.destroy();
}

#[test]
fn terraform_driver_reports_a_non_empty_plan() {
    let tf = Terraform::new();
    tf.write_config("resource \"terraform_data\" \"x\" {\n  input = timestamp()\n}\n");
    tf.init();
    tf.apply();
    let result = std::panic::catch_unwind(|| tf.assert_plan_empty());
    assert!(
        result.is_err(),
        "a config that always changes must fail the empty-plan check"
    );
}

#[test]
fn single_node_serves_plain_and_tls_and_keeps_data_in_raft() {
    let env = env();
    let mount = unique_name("kv");
    env.bao_ok(&["secrets", "enable", &format!("-path={mount}"), "kv"]);
    env.bao_ok(&["write", &format!("{mount}/hello"), "value=world"]);
    let read = env.bao_json(&["read", "-format=json", &format!("{mount}/hello")]);
    assert_eq!(read["data"]["value"], "world");

    // The same node over TLS, trusting only the environment's CA.
    let status = env
        .bao_at(&env.tls_addr, &env.token, &["status", "-format=json"])
        .env("VAULT_CACERT", &env.cacert)
        .output()
        .expect("run bao status");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(status["storage_type"], "raft");
    assert_eq!(status["sealed"], false);

    // Without the CA the TLS listener must not be trusted.
    let untrusted = env
        .bao_at(&env.tls_addr, &env.token, &["status"])
        .env_remove("VAULT_CACERT")
        .env("SSL_CERT_FILE", "/dev/null")
        .output()
        .expect("run bao status");
    assert!(
        !untrusted.status.success(),
        "TLS listener trusted without its CA"
    );
}

#[test]
fn cluster_has_one_active_leader_and_two_standbys() {
    let env = env();
    assert_eq!(env.cluster_addrs.len(), 3);
    let mut roles = Vec::new();
    for addr in &env.cluster_addrs {
        let out = env
            .bao_at(
                addr,
                &env.cluster_token,
                &["read", "-format=json", "sys/leader"],
            )
            .output()
            .expect("run bao read sys/leader");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let leader: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        roles.push(leader["data"]["is_self"].as_bool().expect("is_self"));
        assert_eq!(
            leader["data"]["leader_address"],
            env.cluster_addrs[0].as_str()
        );
    }
    assert_eq!(roles, [true, false, false]);

    let config = env
        .bao_at(
            &env.cluster_addrs[0],
            &env.cluster_token,
            &["read", "-format=json", "sys/storage/raft/configuration"],
        )
        .output()
        .expect("run bao read");
    let config: serde_json::Value = serde_json::from_slice(&config.stdout).expect("json");
    let servers = config["data"]["config"]["servers"]
        .as_array()
        .expect("a server list");
    assert_eq!(servers.len(), 3, "{config:#}");
}

#[test]
fn moto_has_an_enabled_kms_key_and_a_kms_encrypted_bucket() {
    let env = env();
    let out = env.python(
        r#"
import boto3, json, os
kms = boto3.client("kms")
s3 = boto3.client("s3")
key = kms.describe_key(KeyId=os.environ["VAULTPKI_TEST_KMS_KEY_ID"])["KeyMetadata"]
enc = s3.get_bucket_encryption(Bucket=os.environ["VAULTPKI_TEST_BUCKET"])
rule = enc["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
print(json.dumps({"enabled": key["Enabled"], "algo": rule["SSEAlgorithm"], "key": rule["KMSMasterKeyID"]}))
"#,
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(got["enabled"], true);
    assert_eq!(got["algo"], "aws:kms");
    assert_eq!(got["key"], env.kms_key_id.as_str());
}

#[test]
fn extra_server_is_independent_and_gone_after_drop() {
    let state_dir;
    let pids: Vec<u64>;
    {
        let extra = ExtraServer::start(ExtraServerOptions::default());
        let e = extra.env();
        state_dir = e.state_dir.clone();
        let recorded: serde_json::Value = serde_json::from_slice(
            &std::fs::read(state_dir.join("pids.json")).expect("testenv records its PIDs"),
        )
        .expect("pids.json is JSON");
        pids = recorded
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|p| p["pid"].as_u64())
            .collect();
        assert!(!pids.is_empty());
        assert_ne!(e.addr, env().addr);
        let out = e
            .bao(&["status", "-format=json"])
            .output()
            .expect("bao status");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The shared server's token means nothing here: they are separate clusters.
        let foreign = e
            .bao_at(&e.addr, &env().token, &["token", "lookup"])
            .output()
            .expect("bao token lookup");
        assert!(!foreign.status.success());
    }
    assert!(!state_dir.exists(), "{} left behind", state_dir.display());
    for pid in pids {
        assert!(
            !running(pid),
            "process {pid} still running after the server was dropped"
        );
    }
}

/// A process runs while `/proc/<pid>/stat` exists and its state is not `Z` (dead, waiting for a
/// parent to reap it; this machine's init reaps lazily).
fn running(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}

#[test]
fn a_server_that_cannot_start_fails_fast_naming_its_log_and_leaves_nothing_running() {
    let dir = vaultpki_tests::workspace_root()
        .join("target")
        .join("testenv")
        .join(unique_name("broken"));
    let out = std::process::Command::new(vaultpki_tests::workspace_root().join("scripts/testenv"))
        .args(["up", "--bao", "--state-dir"])
        .arg(&dir)
        .args([
            "--tls-cert",
            "/nonexistent/tls.crt",
            "--tls-key",
            "/nonexistent/tls.key",
        ])
        .args(["--tls-ca", "/nonexistent/ca.crt"])
        .output()
        .expect("run scripts/testenv");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = dir.join("bao").join("server.log");
    assert!(
        stderr.contains(&format!(
            "bao: OpenBao exited with status 1 before it could start listening; its log is {}",
            log.display()
        )),
        "{stderr}"
    );
    assert!(
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("nonexistent")),
        "the log named in the message explains the failure"
    );
    assert!(
        !dir.join("pids.json").exists(),
        "nothing left recorded as running"
    );
    std::fs::remove_dir_all(&dir).expect("remove the failed state dir");
}
