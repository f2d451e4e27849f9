//! Acceptance tests for snapshot-cron against the real OpenBao single node and 3-node Raft
//! cluster, and moto_server for S3 and KMS. The binary is run as a job would run it (settings
//! from the environment, JSON logs), and every claim is checked through a second client: boto3
//! for what is in the bucket, the `bao` CLI for what is in the server, Python's tarfile/hashlib
//! for what is in a snapshot. Faults (a server dying mid-stream, S3 going away mid-upload) are
//! made by the harness's TCP proxy ([`vaultpki_tests::proxy`]) that cuts or refuses connections.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failed unwrap is a test failure with its location"
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use vaultpki_tests::bao::approle_with_secret_id;
use vaultpki_tests::jwt::{jwt_auth_with_role, jwt_role, service_account_token};
use vaultpki_tests::proxy::{Fault, Proxy};
use vaultpki_tests::systemd::{Sandbox, Unit, verify_units};
use vaultpki_tests::{
    ExtraServer, ExtraServerOptions, TestEnv, bin_path, env, unique_name, workspace_root,
};

/// A `snapshot-cron` command with a clean environment: the server, token, AWS settings of the
/// test environment, and the job's bucket / KMS settings; nothing inherited.
fn cron(env: &TestEnv, addr: &str, token: &str, home: &Path) -> Command {
    let mut cmd = Command::new(bin_path("snapshot-cron"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("VAULT_ADDR", addr)
        .env("VAULT_TOKEN", token)
        .env("SNAPSHOT_CRON_BUCKET", &env.bucket)
        .env("SNAPSHOT_CRON_KMS_KEY_ID", &env.kms_key_id)
        .env("SNAPSHOT_CRON_S3_FORCE_PATH_STYLE", "true")
        .env("SNAPSHOT_CRON_LOG_FORMAT", "json");
    for key in [
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ] {
        if let Some(v) = env.vars().get(key) {
            cmd.env(key, v);
        }
    }
    cmd
}

/// [`cron`] against the shared server, with S3 (not KMS) through `proxy`.
fn cron_via_s3_proxy(env: &TestEnv, proxy: &Proxy, home: &Path) -> Command {
    let mut cmd = cron(env, &env.addr, &env.token, home);
    cmd.env("SNAPSHOT_CRON_S3_ENDPOINT", &proxy.addr)
        .env("SNAPSHOT_CRON_KMS_ENDPOINT", &env.aws_endpoint);
    cmd
}

fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("snapshot-cron runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs, asserts success, returns the JSON summary line.
fn run_ok(cmd: &mut Command) -> Value {
    let out = output(cmd);
    assert!(
        out.status.success(),
        "snapshot-cron failed ({}):\n{}\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    summary(&out)
}

fn summary(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no summary line: {stdout}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("summary is not JSON ({e}): {line}"))
}

/// Runs, asserts the exit code, and that stderr holds exactly one `snapshot-cron:` line, which
/// contains `needle`. Returns that line.
fn run_fails(cmd: &mut Command, code: i32, needle: &str) -> String {
    let out = output(cmd);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}:\n{}\n{stderr}",
        text(&out.stdout)
    );
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("snapshot-cron:"))
        .collect();
    assert_eq!(errors.len(), 1, "expected one error line:\n{stderr}");
    assert!(
        errors[0].contains(needle),
        "{:?} lacks {needle:?}",
        errors[0]
    );
    errors[0].to_owned()
}

/// Runs Python with boto3 against moto and parses its stdout as JSON.
fn py_json(env: &TestEnv, code: &str) -> Value {
    let prelude = "import boto3, json, os, sys\n\
        s3 = boto3.client('s3', endpoint_url=os.environ['AWS_ENDPOINT_URL'])\n\
        B = os.environ['VAULTPKI_TEST_BUCKET']\n";
    let out = env.python(&format!("{prelude}{code}"));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("python printed no JSON ({e}): {}", text(&out.stdout)))
}

/// Keys under `prefix/` (all of them, ours or not).
fn keys_under(env: &TestEnv, prefix: &str) -> Vec<String> {
    let v = py_json(
        env,
        &format!(
            "p = s3.get_paginator('list_objects_v2')\n\
             keys = [o['Key'] for page in p.paginate(Bucket=B, Prefix='{prefix}/') for o in page.get('Contents', [])]\n\
             print(json.dumps(sorted(keys)))"
        ),
    );
    serde_json::from_value(v).unwrap()
}

/// Open multipart uploads whose key starts with `prefix/`.
fn open_uploads(env: &TestEnv, prefix: &str) -> Vec<String> {
    let v = py_json(
        env,
        &format!(
            "r = s3.list_multipart_uploads(Bucket=B, Prefix='{prefix}/')\n\
             print(json.dumps([u['Key'] for u in r.get('Uploads', [])]))"
        ),
    );
    serde_json::from_value(v).unwrap()
}

fn head(env: &TestEnv, key: &str) -> Value {
    py_json(
        env,
        &format!(
            "h = s3.head_object(Bucket=B, Key='{key}', ChecksumMode='ENABLED')\n\
             h.pop('ResponseMetadata', None)\n\
             print(json.dumps(h, default=str))"
        ),
    )
}

fn download(env: &TestEnv, key: &str, to: &Path) {
    py_json(
        env,
        &format!(
            "s3.download_file(B, '{key}', '{}')\nprint('{{}}')",
            to.display()
        ),
    );
}

fn health_status(addr: &str) -> u16 {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(format!("{addr}/v1/sys/health"))
        .output()
        .expect("curl runs");
    text(&out.stdout).trim().parse().unwrap_or(0)
}

#[test]
fn run_uploads_a_kms_encrypted_verified_object_with_metadata_and_checksum() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-upload");
    let s =
        run_ok(cron(env, &env.addr, &env.token, home.path()).args(["run", "--prefix", &prefix]));
    assert_eq!(s["outcome"], "success");
    let key = s["key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with(&format!("{prefix}/")) && key.ends_with(".snap"),
        "{key}"
    );

    let h = head(env, &key);
    assert_eq!(h["ServerSideEncryption"], "aws:kms", "{h}");
    let kms = h["SSEKMSKeyId"].as_str().unwrap();
    assert!(kms.ends_with(&env.kms_key_id), "{kms}");
    assert_eq!(h["ContentLength"], s["bytes"]);
    assert!(
        h["ChecksumSHA256"].as_str().is_some_and(|c| !c.is_empty()),
        "{h}"
    );
    // The object's integrity is the composite SHA-256 of the parts S3 checked.
    assert_eq!(
        h["ChecksumSHA256"].as_str().map(strip_count),
        s["checksum_sha256"].as_str().map(strip_count),
        "{h}"
    );
    let meta = &h["Metadata"];
    assert_eq!(meta["part-size"], (16 * 1024 * 1024).to_string());
    assert_eq!(meta["raft-index"], s["index"].to_string());
    assert_eq!(meta["raft-term"], s["term"].to_string());
    assert_eq!(meta["server-version"], s["server_version"]);
    assert!(open_uploads(env, &prefix).is_empty());

    // A second implementation reads what we uploaded: Python's gzip/tarfile/hashlib.
    let file = home.path().join("dl.snap");
    download(env, &key, &file);
    let check = env.python(&format!(
        "import tarfile, hashlib, json\n\
         t = tarfile.open('{}', 'r:gz')\n\
         m = {{n: t.extractfile(n).read() for n in t.getnames()}}\n\
         sums = dict(reversed(l.split()) for l in m['SHA256SUMS'].decode().splitlines())\n\
         assert sums['state.bin'] == hashlib.sha256(m['state.bin']).hexdigest()\n\
         assert sums['meta.json'] == hashlib.sha256(m['meta.json']).hexdigest()\n\
         print(json.loads(m['meta.json'])['Index'])",
        file.display()
    ));
    assert_eq!(text(&check.stdout).trim(), s["index"].to_string());
    assert_eq!(
        composite_sha256(env, &file, 16 * 1024 * 1024),
        s["checksum_sha256"].as_str().unwrap(),
        "object differs from what the job hashed"
    );

    // `list` shows it with its size, index and SHA-256.
    let out = output(
        cron(env, &env.addr, &env.token, home.path()).args(["list", "--prefix", &prefix, "--json"]),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: Value = serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(listed["key"], key);
    assert_eq!(
        listed["sha256"].as_str().map(strip_count),
        s["checksum_sha256"].as_str().map(strip_count)
    );
    assert_eq!(listed["index"], s["index"]);
    assert_eq!(listed["size"], s["bytes"]);
}

/// The composite SHA-256 S3 records for a multipart upload with SHA-256 part checksums,
/// computed by Python's hashlib from the file: base64(SHA-256(part digests)) `-` part count.
fn composite_sha256(env: &TestEnv, path: &Path, part_size: u64) -> String {
    let out = env.python(&format!(
        "import hashlib, base64\n\
         data = open('{}', 'rb').read()\n\
         parts = [hashlib.sha256(data[i:i + {part_size}]).digest() for i in range(0, len(data), {part_size})]\n\
         print(base64.b64encode(hashlib.sha256(b''.join(parts)).digest()).decode() + '-' + str(len(parts)))",
        path.display()
    ));
    text(&out.stdout).trim().to_owned()
}

/// A composite checksum without its `-<parts>` suffix (moto's `HeadObject` leaves it out).
fn strip_count(checksum: &str) -> &str {
    checksum.split('-').next().unwrap_or(checksum)
}

/// Fills a server's new KV mount `fill` with `entries` values of 384 KiB of random bytes
/// (stored encrypted, so each adds about 512 KiB of incompressible snapshot).
fn fill(env: &TestEnv, addr: &str, token: &str, entries: usize) {
    env.python(&format!(
        "import base64, os, requests, concurrent.futures\n\
         a, h = '{addr}', {{'X-Vault-Token': '{token}'}}\n\
         requests.post(a + '/v1/sys/mounts/fill', json={{'type': 'kv'}}, headers=h).raise_for_status()\n\
         def put(i):\n\
         \x20   v = base64.b64encode(os.urandom(384 * 1024)).decode()\n\
         \x20   requests.put(f'{{a}}/v1/fill/e{{i}}', json={{'v': v}}, headers=h).raise_for_status()\n\
         with concurrent.futures.ThreadPoolExecutor(8) as p:\n\
         \x20   list(p.map(put, range({entries})))"
    ));
}

#[test]
fn restore_into_a_fresh_server_brings_the_data_back() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-restore");
    let mount = unique_name("kv");
    let marker = unique_name("value");
    env.bao_ok(&["secrets", "enable", "-path", &mount, "kv"]);
    env.bao_ok(&[
        "kv",
        "put",
        &format!("{mount}/item"),
        &format!("marker={marker}"),
    ]);
    let s =
        run_ok(cron(env, &env.addr, &env.token, home.path()).args(["run", "--prefix", &prefix]));
    // A stray, future-dated object in our key format that does not verify (its recorded SHA-256
    // matches, its content is no snapshot): --latest must skip it and take the newest good one.
    py_json(
        env,
        &format!(
            "import hashlib\n\
             body = b'not a snapshot'\n\
             s3.put_object(Bucket=B, Key='{prefix}/29991231T000000.000Z-999.snap', Body=body, \
             Metadata={{'sha256': hashlib.sha256(body).hexdigest()}})\n\
             print('{{}}')"
        ),
    );

    let fresh = ExtraServer::start(ExtraServerOptions::default());
    let target = fresh.env();
    // Without --force a snapshot from another cluster is refused, and says how to proceed.
    run_fails(
        cron(env, &target.addr, &target.token, home.path())
            .args(["restore", "--prefix", &prefix, "--latest"]),
        8,
        "--force",
    );
    let r = run_ok(
        cron(env, &target.addr, &target.token, home.path())
            .args(["restore", "--prefix", &prefix, "--latest", "--force"]),
    );
    assert_eq!(r["key"], s["key"]);
    assert_eq!(r["checksum_sha256"], s["checksum_sha256"]);

    // The restored server is sealed with the source's keys; unseal it with those and read the
    // data back with the source's token.
    let unsealed = env
        .bao_at(&target.addr, "", &["operator", "unseal", &env.unseal_key])
        .output()
        .unwrap();
    assert!(unsealed.status.success(), "{}", text(&unsealed.stderr));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = env
            .bao_at(
                &target.addr,
                &env.token,
                &["kv", "get", "-format=json", &format!("{mount}/item")],
            )
            .output()
            .unwrap();
        if out.status.success() {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["data"]["marker"], marker.as_str());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "restored data never became readable: {}",
            text(&out.stderr)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn pointed_at_a_standby_it_uploads_a_complete_snapshot_from_the_leader() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-standby");
    let standby = env
        .cluster_addrs
        .iter()
        .find(|a| health_status(a) == 429)
        .expect("the cluster has a standby")
        .clone();
    let s = run_ok(
        cron(env, &standby, &env.cluster_token, home.path()).args(["run", "--prefix", &prefix]),
    );
    let leader = s["leader"].as_str().unwrap();
    assert_ne!(leader, standby);
    assert!(env.cluster_addrs.iter().any(|a| a == leader), "{leader}");
    assert_eq!(
        health_status(leader),
        200,
        "{leader} is not the active node"
    );

    let file = home.path().join("standby.snap");
    download(env, s["key"].as_str().unwrap(), &file);
    let out = output(
        cron(env, &standby, &env.cluster_token, home.path())
            .args(["verify", "--json"])
            .arg(&file),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["index"], s["index"]);
    assert!(report["entries"].as_u64().unwrap() > 0);
}

#[test]
fn retention_keeps_the_three_newest_and_a_failing_run_deletes_nothing() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-retain");
    // Not ours: retention must leave it alone.
    py_json(
        env,
        &format!("s3.put_object(Bucket=B, Key='{prefix}/notes.txt', Body=b'hi')\nprint('{{}}')"),
    );
    let mut uploaded = Vec::new();
    for _ in 0..6 {
        let s = run_ok(
            cron(env, &env.addr, &env.token, home.path())
                .args(["run", "--prefix", &prefix, "--retain", "3"]),
        );
        uploaded.push(s["key"].as_str().unwrap().to_owned());
    }
    let mut expected: Vec<String> = uploaded[3..].to_vec();
    expected.push(format!("{prefix}/notes.txt"));
    expected.sort();
    assert_eq!(keys_under(env, &prefix), expected);

    // A run that fails (unknown KMS key) with --retain 1 must not delete anything.
    run_fails(
        cron(env, &env.addr, &env.token, home.path()).args([
            "run",
            "--prefix",
            &prefix,
            "--retain",
            "1",
            "--kms-key-id",
            "00000000-0000-0000-0000-000000000000",
        ]),
        6,
        "does not exist",
    );
    assert_eq!(keys_under(env, &prefix), expected);
}

#[test]
fn each_misconfiguration_exits_non_zero_with_one_clear_message() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-fail");
    let base = || {
        let mut c = cron(env, &env.addr, &env.token, home.path());
        c.args(["run", "--prefix", &prefix]);
        c
    };
    run_fails(
        base().args(["--kms-key-id", "11111111-2222-3333-4444-555555555555"]),
        6,
        "KMS key \"11111111-2222-3333-4444-555555555555\" does not exist",
    );
    run_fails(
        base().env_remove("SNAPSHOT_CRON_KMS_KEY_ID"),
        3,
        "no KMS key configured: set SNAPSHOT_CRON_KMS_KEY_ID",
    );
    let bucket = unique_name("no-such-bucket");
    run_fails(
        base().args(["--bucket", &bucket]),
        6,
        &format!("bucket \"{bucket}\" does not exist"),
    );
    let line = run_fails(
        base().env("VAULT_TOKEN", "s.not-a-real-token"),
        4,
        "permission denied",
    );
    assert!(line.contains("check the token"), "{line}");
    assert!(!line.contains("s.not-a-real-token"));
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    run_fails(base().env("VAULT_ADDR", &dead), 4, "Connection refused");
    assert!(keys_under(env, &prefix).is_empty());
    assert!(open_uploads(env, &prefix).is_empty());
}

#[test]
fn verify_accepts_the_cli_snapshot_and_rejects_truncated_flipped_and_empty_files() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    // The snapshot written by the server's own CLI.
    let good = dir.path().join("good.snap");
    env.bao_ok(&[
        "operator",
        "raft",
        "snapshot",
        "save",
        good.to_str().unwrap(),
    ]);
    let verify = |file: &Path| {
        output(
            Command::new(bin_path("snapshot-cron"))
                .arg("verify")
                .arg(file),
        )
    };
    let ok = verify(&good);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let report = text(&ok.stdout);
    for needle in ["raft index", "raft term", "state.bin", "core/", "entries"] {
        assert!(report.contains(needle), "{needle} missing:\n{report}");
    }

    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.snap");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = verify(&truncated);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("damaged or truncated"),
        "{}",
        text(&out.stderr)
    );

    // Flip one byte inside state.bin and re-pack (valid gzip and tar, wrong content).
    let flipped = dir.path().join("flipped.snap");
    env.python(&format!(
        "import tarfile, io\n\
         src = tarfile.open('{}', 'r:gz')\n\
         dst = tarfile.open('{}', 'w:gz')\n\
         for m in src.getmembers():\n\
         \x20   data = bytearray(src.extractfile(m).read())\n\
         \x20   if m.name == 'state.bin':\n\
         \x20       data[len(data) // 2] ^= 0x01\n\
         \x20   dst.addfile(m, io.BytesIO(bytes(data)))\n\
         dst.close()",
        good.display(),
        flipped.display()
    ));
    let out = verify(&flipped);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("SHA-256 of state.bin"),
        "{}",
        text(&out.stderr)
    );

    let empty = dir.path().join("empty.snap");
    std::fs::write(&empty, b"").unwrap();
    let out = verify(&empty);
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("empty"), "{}", text(&out.stderr));
}

#[test]
fn server_dying_mid_stream_uploads_nothing() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-cut");
    // Health and leader answers are a few hundred bytes; the snapshot is well over 8 KiB.
    let proxy = Proxy::start(&env.addr, Fault::CutResponseAfter(6 * 1024));
    run_fails(
        cron(env, &proxy.addr, &env.token, home.path()).args(["run", "--prefix", &prefix]),
        4,
        "nothing was stored",
    );
    assert!(keys_under(env, &prefix).is_empty());
    assert!(open_uploads(env, &prefix).is_empty());
}

#[test]
fn s3_going_away_during_part_upload_leaves_no_open_multipart_upload() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-s3down");
    let proxy = Proxy::start(
        &env.aws_endpoint,
        Fault::OutageOnUploadPart(Duration::from_secs(6)),
    );
    let out =
        output(cron_via_s3_proxy(env, &proxy, home.path()).args(["run", "--prefix", &prefix]));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("uploading part 1"), "{stderr}");
    assert!(stderr.contains("aborted the multipart upload"), "{stderr}");
    assert_eq!(summary(&out)["outcome"], "failure");
    assert!(
        open_uploads(env, &prefix).is_empty(),
        "multipart upload left open"
    );
    assert!(keys_under(env, &prefix).is_empty());
}

#[test]
fn kustomize_base_renders_with_the_hardening_in_place() {
    let root = workspace_root();
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(root.join("snapshot-cron/deploy/kubernetes"))
        .output()
        .expect("kubectl is installed (Debian package kubectl)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    for needle in [
        "kind: CronJob",
        "concurrencyPolicy: Forbid",
        "startingDeadlineSeconds:",
        "activeDeadlineSeconds:",
        "runAsNonRoot: true",
        "readOnlyRootFilesystem: true",
        "- ALL",
        "type: RuntimeDefault",
        "sizeLimit:",
        "limits:",
        "kind: ServiceAccount",
        "kind: NetworkPolicy",
        "SNAPSHOT_CRON_KMS_KEY_ID",
    ] {
        assert!(
            yaml.contains(needle),
            "rendered base lacks {needle:?}:\n{yaml}"
        );
    }
}

#[test]
fn snapshot_approle_module_is_terraform_formatted() {
    let dir: PathBuf = workspace_root().join("modules/snapshot-approle");
    let out = Command::new("terraform")
        .args(["fmt", "-check", "-diff"])
        .arg(&dir)
        .output()
        .expect("terraform is installed");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn approle_login_with_the_read_only_policy_takes_a_snapshot_and_revokes_its_token() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-approle");
    let mount = unique_name("approle");
    let role = unique_name("snap");
    // The policy modules/snapshot-approle renders with allow_restore = false.
    let (role_id, secret_file) = approle_with_secret_id(
        &mount,
        &role,
        "path \"sys/storage/raft/snapshot\" {\n  capabilities = [\"read\"]\n}\n",
        home.path(),
    );
    let secret_id = std::fs::read_to_string(&secret_file).unwrap();
    let secret_id = secret_id.trim();
    let job = || {
        let mut c = cron(env, &env.addr, "", home.path());
        c.env_remove("VAULT_TOKEN")
            .env("SNAPSHOT_CRON_APPROLE_MOUNT", &mount)
            .env("SNAPSHOT_CRON_APPROLE_ROLE_ID", &role_id)
            .args(["run", "--prefix", &prefix]);
        c
    };

    let out = output(job().env("SNAPSHOT_CRON_APPROLE_SECRET_ID_FILE", &secret_file));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{all}");
    assert!(!all.contains(secret_id), "the secret ID was printed");
    assert_eq!(summary(&out)["outcome"], "success");

    // The login token was revoked at the end: no token of this role is left.
    let accessors = env.bao_json(&["list", "-format=json", "auth/token/accessors"]);
    for accessor in accessors.as_array().unwrap() {
        let out = env
            .bao(&[
                "write",
                "-format=json",
                "auth/token/lookup-accessor",
                &format!("accessor={}", accessor.as_str().unwrap()),
            ])
            .output()
            .unwrap();
        if !out.status.success() {
            continue; // revoked or expired meanwhile
        }
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_ne!(
            v["data"]["meta"]["role_name"],
            role.as_str(),
            "a token of the job's role is still alive"
        );
    }

    // A wrong secret ID is refused by the server, and the message names the login.
    let line = run_fails(
        job().env("SNAPSHOT_CRON_APPROLE_SECRET_ID", "not-the-secret-id"),
        4,
        "approle login failed",
    );
    assert!(!line.contains("not-the-secret-id"));
}

#[test]
fn tls_listener_works_with_the_ca_file_and_fails_clearly_without_it() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-tls");
    let s = run_ok(
        cron(env, &env.tls_addr, &env.token, home.path())
            .env("VAULT_CACERT", &env.cacert)
            .args(["run", "--prefix", &prefix]),
    );
    assert_eq!(s["outcome"], "success");
    run_fails(
        cron(env, &env.tls_addr, &env.token, home.path()).args(["run", "--prefix", &prefix]),
        4,
        "TLS handshake failed",
    );
}

#[test]
fn server_killed_while_the_snapshot_streams_uploads_nothing() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let temp = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-kill");
    let server = ExtraServer::start(ExtraServerOptions::default());
    let target = server.env();
    // Enough incompressible data that the snapshot takes a moment to stream.
    fill(env, &target.addr, &target.token, 256);
    let pids: Value =
        serde_json::from_str(&std::fs::read_to_string(target.state_dir.join("pids.json")).unwrap())
            .unwrap();
    let bao_pid = pids
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "bao")
        .and_then(|p| p["pid"].as_u64())
        .expect("the extra server's pid is recorded");

    let mut child = cron(env, &target.addr, &target.token, home.path())
        .env("SNAPSHOT_CRON_TEMP_DIR", temp.path())
        .args(["run", "--prefix", &prefix])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the server as soon as the first snapshot bytes have reached the temp file.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let started = std::fs::read_dir(temp.path()).unwrap().flatten().any(|e| {
            e.file_name().to_string_lossy().starts_with(".snapshot-")
                && e.metadata().is_ok_and(|m| m.len() > 0)
        });
        if started {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the snapshot never started streaming"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the job ended before streaming"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let killed = Command::new("kill")
        .args(["-KILL", &bao_pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("nothing was stored"), "{stderr}");
    assert!(keys_under(env, &prefix).is_empty());
    assert!(open_uploads(env, &prefix).is_empty());
    // The temporary file is gone too.
    assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 0);
}

#[test]
fn restore_on_the_same_server_rolls_back_to_the_snapshot() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-rollback");
    let server = ExtraServer::start(ExtraServerOptions::default());
    let target = server.env();
    let bao = |args: &[&str]| {
        let out = env
            .bao_at(&target.addr, &target.token, args)
            .output()
            .unwrap();
        assert!(out.status.success(), "bao {args:?}: {}", text(&out.stderr));
        out
    };
    bao(&["secrets", "enable", "-path", "kv", "kv"]);
    bao(&["kv", "put", "kv/before", "v=1"]);
    let s = run_ok(
        cron(env, &target.addr, &target.token, home.path()).args(["run", "--prefix", &prefix]),
    );
    bao(&["kv", "put", "kv/after", "v=2"]);

    let r = run_ok(cron(env, &target.addr, &target.token, home.path()).args([
        "restore",
        "--prefix",
        &prefix,
        "--key",
        s["key"].as_str().unwrap(),
    ]));
    assert_eq!(r["outcome"], "success");
    assert_eq!(r["index"], s["index"]);
    // Confirmed by the job, and visible through the CLI: what was written after the snapshot
    // is gone, what was written before is there.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let after = env
            .bao_at(&target.addr, &target.token, &["kv", "get", "kv/after"])
            .output()
            .unwrap();
        let before = env
            .bao_at(&target.addr, &target.token, &["kv", "get", "kv/before"])
            .output()
            .unwrap();
        if !after.status.success() && before.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not rolled back: after={} before={}",
            after.status,
            before.status
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn restore_refuses_an_object_without_a_recorded_sha256_unless_allowed() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-unverified");
    let file = home.path().join("cli.snap");
    env.bao_ok(&[
        "operator",
        "raft",
        "snapshot",
        "save",
        file.to_str().unwrap(),
    ]);
    let key = format!("{prefix}/20260101T000000.000Z-1.snap");
    py_json(
        env,
        &format!(
            "s3.upload_file('{}', B, '{key}')\nprint('{{}}')",
            file.display()
        ),
    );
    let line = run_fails(
        cron(env, &env.addr, &env.token, home.path()).args(["restore", "--key", &key]),
        5,
        "has no SHA-256 recorded at upload",
    );
    assert!(line.contains("--allow-unverified"), "{line}");
    run_fails(
        cron(env, &env.addr, &env.token, home.path())
            .args(["restore", "--prefix", &prefix, "--latest"]),
        5,
        "none of the 1 snapshots",
    );
    // With the flag it passes verification and gets as far as the server (a dead address here,
    // so nothing is restored into the shared server).
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    run_fails(
        cron(env, &dead, &env.token, home.path()).args([
            "restore",
            "--key",
            &key,
            "--allow-unverified",
        ]),
        4,
        "Connection refused",
    );
}

#[test]
fn missing_aws_credentials_and_temp_dir_are_configuration_errors_named_as_such() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-conf");
    run_fails(
        cron(env, &env.addr, &env.token, home.path())
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .args(["run", "--prefix", &prefix]),
        3,
        "no AWS credentials found",
    );
    let missing = home.path().join("no-such-dir");
    run_fails(
        cron(env, &env.addr, &env.token, home.path())
            .arg("run")
            .args(["--prefix", &prefix, "--temp-dir"])
            .arg(&missing),
        3,
        "temporary directory",
    );
    assert!(keys_under(env, &prefix).is_empty());
}

#[test]
fn s3_frozen_mid_upload_fails_within_the_timeout_and_aborts_the_upload() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-frozen");
    let proxy = Proxy::start(
        &env.aws_endpoint,
        Fault::FreezeOnUploadPart(Duration::from_secs(12)),
    );
    let out = output(
        cron_via_s3_proxy(env, &proxy, home.path())
            .env("SNAPSHOT_CRON_S3_TIMEOUT", "2")
            .args(["run", "--prefix", &prefix]),
    );
    let stderr = text(&out.stderr);
    assert!(proxy.tripped(), "no part upload was seen");
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("SNAPSHOT_CRON_S3_TIMEOUT"), "{stderr}");
    assert!(stderr.contains("aborted the multipart upload"), "{stderr}");
    assert_eq!(summary(&out)["stage"], "storage");
    assert!(
        open_uploads(env, &prefix).is_empty(),
        "multipart upload left open"
    );
    assert!(keys_under(env, &prefix).is_empty());
}

#[test]
fn sigterm_mid_upload_aborts_the_upload_reports_and_exits_9() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-sigterm");
    let metrics = home.path().join("snap.prom");
    let proxy = Proxy::start(
        &env.aws_endpoint,
        Fault::FreezeOnUploadPart(Duration::from_secs(4)),
    );
    let child = cron_via_s3_proxy(env, &proxy, home.path())
        .env("SNAPSHOT_CRON_METRICS_FILE", &metrics)
        .env("SNAPSHOT_CRON_TEMP_DIR", spool.path())
        .args(["run", "--prefix", &prefix])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !proxy.tripped() {
        assert!(Instant::now() < deadline, "the upload never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    let s = summary(&out);
    assert_eq!(s["stage"], "interrupted");
    assert!(
        s["error"].as_str().unwrap().contains("stopped by SIGTERM"),
        "{s}"
    );
    assert!(stderr.contains("aborted the multipart upload"), "{stderr}");
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        prom.contains("snapshot_cron_last_run_exit_code 9"),
        "{prom}"
    );
    assert_eq!(
        std::fs::read_dir(spool.path()).unwrap().count(),
        0,
        "temp file left"
    );
    assert!(
        open_uploads(env, &prefix).is_empty(),
        "multipart upload left open"
    );
    assert!(keys_under(env, &prefix).is_empty());
}

#[test]
fn pushgateway_keeps_last_success_across_a_failed_run_and_clusters_apart() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut gateway = Command::new("prometheus-pushgateway")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prometheus-pushgateway is installed (Debian package; scripts/common.sh)");
    let url = format!("http://127.0.0.1:{port}");
    let scrape = || {
        let out = Command::new("curl")
            .args(["-sf", &format!("{url}/metrics")])
            .output()
            .unwrap();
        out.status.success().then(|| text(&out.stdout))
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while scrape().is_none() {
        assert!(Instant::now() < deadline, "the Pushgateway did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let prefix = unique_name("snap-push");
    let run = |cluster: &str| {
        let mut c = cron(env, &env.addr, &env.token, home.path());
        c.env("SNAPSHOT_CRON_PUSHGATEWAY_URL", &url)
            .env("SNAPSHOT_CRON_CLUSTER", cluster)
            .args(["run", "--prefix", &prefix]);
        c
    };
    run_ok(&mut run("prod"));
    run_ok(&mut run("staging"));
    run_fails(
        run("prod").args(["--kms-key-id", "00000000-0000-0000-0000-000000000000"]),
        6,
        "does not exist",
    );
    let body = scrape().unwrap();
    let _ = gateway.kill();
    let _ = gateway.wait();
    let value = |name: &str, cluster: &str| {
        body.lines()
            .find(|l| {
                l.starts_with(&format!("{name}{{"))
                    && l.contains(&format!("cluster=\"{cluster}\""))
                    && l.contains("job=\"snapshot-cron\"")
            })
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_owned)
    };
    assert!(
        value("snapshot_cron_last_success_timestamp_seconds", "prod").is_some(),
        "the failed run dropped prod's last success:\n{body}"
    );
    assert_eq!(
        value("snapshot_cron_last_run_success", "prod").as_deref(),
        Some("0")
    );
    assert_eq!(
        value("snapshot_cron_last_run_exit_code", "prod").as_deref(),
        Some("6")
    );
    assert_eq!(
        value("snapshot_cron_last_run_success", "staging").as_deref(),
        Some("1")
    );
}

#[test]
fn shipped_alert_rules_pass_their_promtool_tests() {
    let dir = workspace_root().join("snapshot-cron/deploy/prometheus");
    for args in [
        vec!["check", "rules", "snapshot-cron.rules.yml"],
        vec!["test", "rules", "snapshot-cron.rules.test.yml"],
    ] {
        let out = Command::new("promtool")
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("promtool is installed (Debian package prometheus; scripts/common.sh)");
        assert!(
            out.status.success(),
            "promtool {args:?}:\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

#[test]
fn kustomize_storage_limit_covers_the_volumes() {
    let env = env();
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(workspace_root().join("snapshot-cron/deploy/kubernetes"))
        .output()
        .expect("kubectl is installed (Debian package kubectl)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    let rendered = dir.path().join("rendered.yaml");
    std::fs::write(&rendered, &out.stdout).unwrap();
    // PyYAML (a moto dependency in the test venv) reads the rendered output.
    let v = py_json(
        env,
        &format!(
            "import yaml\n\
             U = {{'Ki': 2**10, 'Mi': 2**20, 'Gi': 2**30, 'Ti': 2**40}}\n\
             def q(s):\n\
             \x20   s = str(s)\n\
             \x20   for u, m in U.items():\n\
             \x20       if s.endswith(u): return int(s[:-2]) * m\n\
             \x20   return int(s)\n\
             docs = [d for d in yaml.safe_load_all(open('{}')) if d and d['kind'] == 'CronJob']\n\
             pod = docs[0]['spec']['jobTemplate']['spec']['template']['spec']\n\
             vols = sum(q(v['emptyDir']['sizeLimit']) for v in pod['volumes'] if 'emptyDir' in v)\n\
             limit = q(pod['containers'][0]['resources']['limits']['ephemeral-storage'])\n\
             print(json.dumps({{'volumes': vols, 'limit': limit}}))",
            rendered.display()
        ),
    );
    let (vols, limit) = (v["volumes"].as_u64().unwrap(), v["limit"].as_u64().unwrap());
    assert!(
        limit > vols,
        "ephemeral-storage limit {limit} does not cover the emptyDir volumes ({vols}): the pod is evicted before the snapshot fits"
    );
}

#[test]
fn systemd_unit_verifies_and_runs_in_its_own_directories_as_a_non_root_user() {
    let env = env();
    verify_units(
        "snapshot-cron/deploy/systemd",
        &["snapshot-cron.service", "snapshot-cron.timer"],
        "snapshot-cron",
    );
    let unit = Unit::read("snapshot-cron/deploy/systemd/snapshot-cron.service");
    let bin = bin_path("snapshot-cron");

    // Emulate the sandbox: an empty root stands for the unit's view of the filesystem (private
    // /var/tmp and /tmp, nothing else writable); systemd creates the State/Cache/Runtime
    // directories for the dynamic user; the job runs as an unprivileged user with the unit's
    // Environment= lines, specifiers resolved as systemd would.
    let nobody = 65534;
    let sandbox = Sandbox::new(&unit, nobody);
    let root = sandbox.path();
    let r = root.display().to_string();
    let no_credentials = root.join("no-credentials");
    let prefix = unique_name("snap-systemd");
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&bin)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TMPDIR", format!("{r}/tmp"))
        .env("VAULT_ADDR", &env.addr)
        .env("VAULT_TOKEN", &env.token)
        .env("SNAPSHOT_CRON_BUCKET", &env.bucket)
        .env("SNAPSHOT_CRON_KMS_KEY_ID", &env.kms_key_id)
        .env("SNAPSHOT_CRON_S3_FORCE_PATH_STYLE", "true")
        .env("SNAPSHOT_CRON_PREFIX", &prefix);
    for key in [
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ] {
        if let Some(v) = env.vars().get(key) {
            cmd.env(key, v);
        }
    }
    let mut metrics = None;
    for assignment in unit.words("Environment") {
        let (k, v) = assignment.split_once('=').unwrap();
        if k.starts_with("SNAPSHOT_CRON_") && k != "SNAPSHOT_CRON_APPROLE_SECRET_ID_FILE" {
            let v = sandbox.resolve(v, &no_credentials);
            if k == "SNAPSHOT_CRON_METRICS_FILE" {
                metrics = Some(PathBuf::from(&v));
            }
            cmd.env(k, v);
        }
    }
    let s = run_ok(cmd.arg("run"));
    assert!(s["key"].as_str().unwrap().starts_with(&prefix));
    let metrics = metrics.expect("the unit sets SNAPSHOT_CRON_METRICS_FILE");
    let prom = std::fs::read_to_string(&metrics)
        .unwrap_or_else(|e| panic!("the job wrote no metrics at {}: {e}", metrics.display()));
    assert!(prom.contains("snapshot_cron_last_run_success 1"), "{prom}");
    // The privileged ExecStopPost publishes exactly that file.
    let published = metrics.strip_prefix(root).unwrap();
    assert!(
        unit.words("ExecStopPost")
            .iter()
            .any(|w| w.replace("%S", "/var/lib") == format!("/{}", published.display())),
        "ExecStopPost does not publish {}",
        published.display()
    );
}

const MIB: usize = 1024 * 1024;

/// Parts uploaded so far to the open multipart uploads under `prefix/`.
fn open_upload_parts(env: &TestEnv, prefix: &str) -> u64 {
    let v = py_json(
        env,
        &format!(
            "r = s3.list_multipart_uploads(Bucket=B, Prefix='{prefix}/')\n\
             n = sum(len(s3.list_parts(Bucket=B, Key=u['Key'], UploadId=u['UploadId']).get('Parts', [])) for u in r.get('Uploads', []))\n\
             print(json.dumps(n))"
        ),
    );
    v.as_u64().unwrap()
}

#[test]
fn parts_go_up_while_the_snapshot_still_streams_and_sigterm_aborts_them() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let server = ExtraServer::start(ExtraServerOptions::default());
    let target = server.env();
    // About 24 MiB of snapshot: five 5 MiB parts.
    fill(env, &target.addr, &target.token, 48);

    // The server pauses after 13 MiB of the snapshot: by then two parts are complete, and they
    // must be in the bucket's open upload while the rest of the snapshot has not arrived.
    let paused = Proxy::start(
        &target.addr,
        Fault::FreezeResponseAfter(13 * MIB, Duration::from_secs(20)),
    );
    let prefix = unique_name("snap-overlap");
    let child = cron(env, &paused.addr, &target.token, home.path())
        .env("SNAPSHOT_CRON_TEMP_DIR", spool.path())
        .env("SNAPSHOT_CRON_PART_SIZE_MIB", "5")
        .args(["run", "--prefix", &prefix])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if paused.tripped() && open_upload_parts(env, &prefix) >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no parts were uploaded while the snapshot was still streaming (paused: {})",
            paused.tripped()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        keys_under(env, &prefix).is_empty(),
        "an object before the snapshot ended"
    );

    // SIGTERM in the middle: the upload with its parts is aborted, the spool removed.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert_eq!(summary(&out)["stage"], "interrupted");
    assert!(stderr.contains("aborted the multipart upload"), "{stderr}");
    assert!(
        open_uploads(env, &prefix).is_empty(),
        "multipart upload left open"
    );
    assert!(keys_under(env, &prefix).is_empty());
    assert_eq!(
        std::fs::read_dir(spool.path()).unwrap().count(),
        0,
        "temp file left"
    );

    // Undisturbed, the same snapshot becomes an object of five parts whose composite checksum
    // Python recomputes from the downloaded bytes.
    let s = run_ok(
        cron(env, &target.addr, &target.token, home.path())
            .env("SNAPSHOT_CRON_PART_SIZE_MIB", "5")
            .args(["run", "--prefix", &prefix]),
    );
    let checksum = s["checksum_sha256"].as_str().unwrap();
    assert!(checksum.ends_with("-5"), "{s}");
    let file = home.path().join("parts.snap");
    download(env, s["key"].as_str().unwrap(), &file);
    assert_eq!(composite_sha256(env, &file, 5 * MIB as u64), checksum);
    assert_eq!(
        head(env, s["key"].as_str().unwrap())["ChecksumSHA256"]
            .as_str()
            .map(strip_count),
        Some(strip_count(checksum))
    );
}

#[test]
fn a_snapshot_corrupted_or_cut_off_mid_stream_leaves_no_object_and_no_open_upload() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let server = ExtraServer::start(ExtraServerOptions::default());
    let target = server.env();
    fill(env, &target.addr, &target.token, 48);
    for (fault, code, needle) in [
        (
            Fault::FlipBodyByteAt(12 * MIB as u64),
            5,
            "failed verification",
        ),
        (Fault::CutResponseAfter(12 * MIB), 4, "broke off"),
    ] {
        let bao = Proxy::start(&target.addr, fault);
        let s3 = Proxy::start(&env.aws_endpoint, Fault::Pass);
        let prefix = unique_name("snap-midstream");
        run_fails(
            cron(env, &bao.addr, &target.token, home.path())
                .env("SNAPSHOT_CRON_S3_ENDPOINT", &s3.addr)
                .env("SNAPSHOT_CRON_KMS_ENDPOINT", &env.aws_endpoint)
                .env("SNAPSHOT_CRON_PART_SIZE_MIB", "5")
                .args(["run", "--prefix", &prefix]),
            code,
            needle,
        );
        assert!(bao.tripped() || code == 4, "{fault:?} never applied");
        assert!(
            s3.parts_seen() >= 1,
            "{fault:?}: no part went up before the fault; the upload did not stream"
        );
        assert!(keys_under(env, &prefix).is_empty(), "{fault:?}: an object");
        assert!(
            open_uploads(env, &prefix).is_empty(),
            "{fault:?}: multipart upload left open"
        );
    }
}

#[test]
fn jwt_auth_login_with_a_service_account_style_token_takes_a_snapshot() {
    let env = env();
    let home = tempfile::tempdir().unwrap();
    let prefix = unique_name("snap-jwt");
    let mount = unique_name("jwt");
    let role = unique_name("snap");
    // A signing key standing in for a cluster's service-account issuer, and a token shaped like
    // a projected one (audience vault, subject system:serviceaccount:<ns>:<name>).
    let token = service_account_token(env, home.path(), "vault-backup", "snapshot-cron");
    let jwt_file = token.jwt_file.clone();
    let policy = home.path().join("policy.hcl");
    std::fs::write(
        &policy,
        "path \"sys/storage/raft/snapshot\" {\n  capabilities = [\"read\"]\n}\n",
    )
    .unwrap();
    env.bao_ok(&["policy", "write", &role, policy.to_str().unwrap()]);
    jwt_auth_with_role(
        env,
        &mount,
        &token,
        &role,
        "system:serviceaccount:vault-backup:snapshot-cron",
        &role,
    );
    let job = || {
        let mut c = cron(env, &env.addr, "", home.path());
        c.env_remove("VAULT_TOKEN")
            .env("SNAPSHOT_CRON_K8S_ROLE", &role)
            .env("SNAPSHOT_CRON_K8S_MOUNT", &mount)
            .env("SNAPSHOT_CRON_K8S_JWT_FILE", &jwt_file)
            .args(["run", "--prefix", &prefix]);
        c
    };
    let out = output(&mut job());
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{all}");
    let jwt = std::fs::read_to_string(&jwt_file).unwrap();
    assert!(!all.contains(jwt.trim()), "the JWT was printed");
    assert_eq!(keys_under(env, &prefix).len(), 1);

    // A token for another service account is refused by the server's role.
    jwt_role(
        env,
        &mount,
        &role,
        "system:serviceaccount:vault-backup:someone-else",
        &role,
    );
    let line = run_fails(&mut job(), 4, "login failed");
    assert!(!line.contains(jwt.trim()));
}
