//! Acceptance tests for cert-deploy against the real OpenBao node and a real nginx (Debian's
//! package, run as a plain process on a loopback port with its own configuration and prefix).
//! What nginx serves is checked with the `openssl` CLI (`s_client`, `verify` against the mount's
//! root); what is on disk with `openssl` and the file system. The crash test kills cert-deploy
//! with SIGKILL at each file-placing system call in turn through `strace --inject`.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failed unwrap is a test failure with its location"
)]

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use vaultpki_tests::bao::{approle_with_secret_id, pki_with_root};
use vaultpki_tests::systemd::{Sandbox, Unit, verify_units};
use vaultpki_tests::{bin_path, env, openssl, unique_name, workspace_root};

/// A PKI mount with a root and role `web`, an AppRole allowed to issue from it, a directory for
/// the files, and nginx serving them once the first run has started it.
struct Fixture {
    dir: tempfile::TempDir,
    mount: String,
    approle: String,
    role_id: String,
    secret_file: PathBuf,
    port: u16,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mount = unique_name("cdpki");
        pki_with_root(&mount);
        let approle = unique_name("cdapprole");
        let (role_id, secret_file) = approle_with_secret_id(
            &approle,
            &approle,
            &format!(
                "path \"{mount}/issue/web\" {{ capabilities = [\"update\"] }}\npath \"{mount}/roles/web\" {{ capabilities = [\"read\"] }}\n"
            ),
            dir.path(),
        );
        std::fs::create_dir_all(dir.path().join("ssl")).unwrap();
        std::fs::create_dir_all(dir.path().join("nginx/logs")).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let f = Self {
            dir,
            mount,
            approle,
            role_id,
            secret_file,
            port,
        };
        std::fs::write(f.nginx_dir().join("nginx.conf"), f.nginx_conf()).unwrap();
        f.write_config("12h", "");
        f
    }

    fn ssl(&self, name: &str) -> PathBuf {
        self.dir.path().join("ssl").join(name)
    }

    fn nginx_dir(&self) -> PathBuf {
        self.dir.path().join("nginx")
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("certs.yaml")
    }

    fn nginx_conf(&self) -> String {
        let n = self.nginx_dir();
        let n = n.display();
        let ssl = self.dir.path().join("ssl");
        let ssl = ssl.display();
        format!(
            "daemon on;\npid {n}/nginx.pid;\nerror_log {n}/logs/error.log;\nevents {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {n}/body;\n  proxy_temp_path {n}/proxy;\n\
             fastcgi_temp_path {n}/fastcgi;\n  uwsgi_temp_path {n}/uwsgi;\n  scgi_temp_path {n}/scgi;\n\
             server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {ssl}/web.fullchain.pem;\n\
             ssl_certificate_key {ssl}/web.key;\n    return 200 \"ok\\n\";\n  }}\n}}\n",
            port = self.port
        )
    }

    /// The reload command: HUP a running nginx, or start it (the first run).
    fn reload_command(&self) -> String {
        let n = self.nginx_dir();
        format!(
            "if [ -s {n}/nginx.pid ] && kill -0 \"$(cat {n}/nginx.pid)\" 2>/dev/null; then kill -HUP \"$(cat {n}/nginx.pid)\"; echo reloaded >> {n}/reloads; else nginx -e {n}/logs/error.log -p {n} -c {n}/nginx.conf; fi",
            n = n.display()
        )
    }

    /// The configuration: renewal window `renew`, `extra` appended to the certificate.
    fn write_config(&self, renew: &str, extra: &str) {
        let uid = nix_id("-u");
        let gid = nix_id("-g");
        let text = format!(
            "config:\n  vault: \"{addr}\"\n  pki: \"{mount}\"\n  role: \"web\"\n  renew: \"{renew}\"\n\
             certs:\n  - name: \"www.svc.example.test\"\n    ttl: \"20h\"\n    dns_sans: [\"api.svc.example.test\"]\n    ip_sans: [\"127.0.0.1\"]\n\
             {extra}    command:\n      - '{cmd}'\n    deploy:\n\
             \x20     - privkey: \"{key}\"\n        owner: \"{uid}\"\n        group: \"{gid}\"\n        mode: \"0640\"\n\
             \x20     - cert: \"{crt}\"\n        mode: \"0644\"\n\
             \x20     - fullchain: \"{full}\"\n        mode: \"0644\"\n",
            addr = env().addr,
            mount = self.mount,
            cmd = self.reload_command(),
            key = self.ssl("web.key").display(),
            crt = self.ssl("web.crt").display(),
            full = self.ssl("web.fullchain.pem").display(),
        );
        std::fs::write(self.config_path(), text).unwrap();
    }

    fn command(&self, sub: &str) -> Command {
        let mut cmd = Command::new(bin_path("cert-deploy"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("CERT_DEPLOY_LOG_FORMAT", "json")
            .env("VAULT_ROLE_ID", &self.role_id)
            .env("CERT_DEPLOY_SECRET_ID_FILE", &self.secret_file)
            .env("CERT_DEPLOY_APPROLE_MOUNT", &self.approle)
            .env(
                "CERT_DEPLOY_METRICS_FILE",
                self.dir.path().join("cert-deploy.prom"),
            )
            .args([sub, "--config"])
            .arg(self.config_path());
        cmd
    }

    /// Secret IDs are single-use unless the role says otherwise; this one is unlimited.
    fn run(&self, sub: &str) -> (Output, Value) {
        let out = self.command(sub).output().unwrap();
        let summary = summary(&out);
        (out, summary)
    }

    fn run_ok(&self) -> Value {
        let (out, s) = self.run("run");
        assert!(out.status.success(), "run failed:\n{}", all(&out));
        s
    }

    /// The serial nginx serves (upper-case hex, as `openssl x509 -serial` prints it).
    fn served_serial(&self) -> String {
        let served = self.dir.path().join("served.pem");
        let out = Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{}", self.port),
                "-servername",
                "www.svc.example.test",
            ])
            .output()
            .unwrap();
        std::fs::write(&served, &out.stdout).unwrap();
        serial_of(self.dir.path(), &served)
    }

    /// The serial nginx serves once a reload in progress has finished: `nginx -s reload` only
    /// signals the master, which starts new workers a moment later (longer on a loaded
    /// machine), so one read right after a run may still see the old workers.
    fn settled_served_serial(&self) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        let mut last = self.served_serial();
        let mut same = 0;
        while same < 3 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let now = self.served_serial();
            same = if now == last { same + 1 } else { 0 };
            last = now;
        }
        last
    }

    fn root_pem(&self) -> PathBuf {
        let root = self.dir.path().join("root.pem");
        let pem = env().bao_json(&["read", "-format=json", &format!("{}/cert/ca", self.mount)])
            ["data"]["certificate"]
            .as_str()
            .unwrap()
            .to_owned();
        std::fs::write(&root, pem).unwrap();
        root
    }

    fn reloads(&self) -> usize {
        std::fs::read_to_string(self.nginx_dir().join("reloads"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    /// The deployed key and certificate belong together (checked by openssl, not by us).
    fn pair_matches(&self) -> bool {
        let d = self.dir.path();
        let cert_key = openssl(d, &["x509", "-in", "ssl/web.crt", "-noout", "-pubkey"]);
        let key = openssl(d, &["pkey", "-in", "ssl/web.key", "-pubout"]);
        let full_key = openssl(
            d,
            &["x509", "-in", "ssl/web.fullchain.pem", "-noout", "-pubkey"],
        );
        cert_key == key && full_key == key
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let n = self.nginx_dir();
        let _ = Command::new("nginx")
            .arg("-e")
            .arg(n.join("logs/error.log"))
            .arg("-p")
            .arg(&n)
            .arg("-c")
            .arg(n.join("nginx.conf"))
            .args(["-s", "stop"])
            .output();
    }
}

fn nix_id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn all(out: &Output) -> String {
    format!(
        "status {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn summary(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("null");
    serde_json::from_str(line).unwrap_or(Value::Null)
}

fn serial_of(dir: &Path, pem: &Path) -> String {
    openssl(
        dir,
        &["x509", "-in", pem.to_str().unwrap(), "-noout", "-serial"],
    )
    .trim()
    .trim_start_matches("serial=")
    .to_owned()
}

/// The summary's serial (`1f:0a:...`) in openssl's spelling.
fn upper(serial: &Value) -> String {
    serial.as_str().unwrap().replace(':', "").to_uppercase()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

#[test]
fn deploys_serves_idles_renews_and_refuses_bad_input() {
    let f = Fixture::new();

    // First run: issued, deployed with the configured owners and modes, nginx started on it.
    let s = f.run_ok();
    assert_eq!(s["certs"][0]["action"], "issued", "{s}");
    let first = upper(&s["certs"][0]["serial"]);
    assert_eq!(f.served_serial(), first);
    let root = f.root_pem();
    let verified = openssl(
        f.dir.path(),
        &["verify", "-CAfile", root.to_str().unwrap(), "ssl/web.crt"],
    );
    assert!(verified.contains("web.crt: OK"), "{verified}");
    assert!(f.pair_matches());
    let key = std::fs::metadata(f.ssl("web.key")).unwrap();
    assert_eq!(key.mode() & 0o7777, 0o640);
    assert_eq!(key.uid().to_string(), nix_id("-u"));
    assert_eq!(key.gid().to_string(), nix_id("-g"));
    assert_eq!(mode(&f.ssl("web.crt")), 0o644);
    let metrics = std::fs::read_to_string(f.dir.path().join("cert-deploy.prom")).unwrap();
    assert!(
        metrics.contains(
            "cert_deploy_certificate_expiry_timestamp_seconds{name=\"www.svc.example.test\"} "
        ) && metrics.contains("cert_deploy_last_run_success 1\n"),
        "{metrics}"
    );

    // Second run: nothing issued, nothing reloaded, nothing rewritten.
    let before = std::fs::read(f.ssl("web.key")).unwrap();
    let s = f.run_ok();
    assert_eq!(s["certs"][0]["action"], "unchanged", "{s}");
    assert!(s.get("commands").is_none(), "{s}");
    assert_eq!(f.reloads(), 0);
    assert_eq!(std::fs::read(f.ssl("web.key")).unwrap(), before);
    let (out, s) = f.run("check");
    assert!(out.status.success(), "{}", all(&out));
    assert_eq!(s["certs"][0]["action"], "unchanged");

    // A bad file changes nothing and names the key and its line.
    let good = std::fs::read_to_string(f.config_path()).unwrap();
    std::fs::write(f.config_path(), good.replace("    ttl:", "    tll:")).unwrap();
    let (out, _) = f.run("run");
    assert_eq!(out.status.code(), Some(3), "{}", all(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown field `tll`") && stderr.contains("at line 8"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(f.ssl("web.key")).unwrap(), before);
    std::fs::write(f.config_path(), good).unwrap();

    // A renewal window larger than the remaining validity: `check` says so and changes nothing,
    // `run` issues again, reloads nginx once, and nginx serves the new serial.
    f.write_config("21h", "");
    let (out, s) = f.run("check");
    assert_eq!(out.status.code(), Some(8), "{}", all(&out));
    assert_eq!(s["certs"][0]["action"], "would_issue");
    assert_eq!(s["certs"][0]["reasons"][0]["reason"], "renewal");
    assert_eq!(std::fs::read(f.ssl("web.key")).unwrap(), before);
    let s = f.run_ok();
    assert_eq!(s["certs"][0]["action"], "issued", "{s}");
    let second = upper(&s["certs"][0]["serial"]);
    assert_ne!(second, first);
    assert_eq!(f.reloads(), 1);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(f.served_serial(), second);
    assert!(f.pair_matches());
}

#[test]
fn a_wrong_secret_id_exits_with_the_auth_code_and_changes_nothing() {
    let f = Fixture::new();
    std::fs::write(&f.secret_file, "not-the-secret-id\n").unwrap();
    let (out, s) = f.run("run");
    assert_eq!(out.status.code(), Some(4), "{}", all(&out));
    assert_eq!(s["stage"], "auth");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cert-deploy: approle login failed"));
    assert!(!f.ssl("web.key").exists());
}

/// The file-placing system calls of one `run` (`cmd`), in order, as (syscall, its count so far,
/// strace's line); `trace` is where strace writes.
fn placing_syscalls(cmd: &Command, trace: &Path) -> Vec<(String, usize, String)> {
    let out = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=rename,renameat,renameat2,link,linkat,unlink,unlinkat",
            "-o",
        ])
        .arg(trace)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", all(&out));
    let text = std::fs::read_to_string(trace).unwrap();
    let main_pid = text.split_whitespace().next().unwrap().to_owned();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    text.lines()
        .filter(|l| l.starts_with(&format!("{main_pid} ")))
        .filter_map(|l| {
            // Signal and exit lines (`--- SIGCHLD`, `+++ exited`) are not calls.
            let call = l.split_whitespace().nth(1).filter(|c| c.contains('('))?;
            let name = call.split('(').next()?.to_owned();
            let n = counts.entry(name.clone()).or_default();
            *n += 1;
            Some((name, *n, l.to_owned()))
        })
        .collect()
}

/// Index of the journal's commit (the marker's unlink) in `calls`.
fn journal_commit(calls: &[(String, usize, String)]) -> usize {
    calls
        .iter()
        .position(|(_, _, l)| l.contains(".journal") && l.contains("unlink"))
        .unwrap_or_else(|| panic!("no journal commit in the trace:\n{calls:#?}"))
}

/// Runs `cmd` under strace, killed with SIGKILL at the `n`th call of system call `name`.
fn killed_at(cmd: &Command, name: &str, n: usize) -> Output {
    Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e"])
        .arg(format!("trace={name}"))
        .arg("-e")
        .arg(format!("inject={name}:signal=SIGKILL:when={n}"))
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .output()
        .unwrap()
}

#[test]
fn a_sigkill_at_any_file_placing_syscall_leaves_a_matching_pair() {
    let f = Fixture::new();
    f.run_ok();
    // Every run from here on issues (the window is longer than the certificate lives).
    f.write_config("21h", "");
    let calls = placing_syscalls(&f.command("run"), &f.dir.path().join("trace.txt"));
    let commit = journal_commit(&calls);
    assert!(
        calls
            .iter()
            .filter(|(n, _, _)| n.starts_with("rename"))
            .count()
            >= 3,
        "{calls:#?}"
    );
    for (i, (name, n, line)) in calls.iter().enumerate() {
        let old_serial = serial_of(f.dir.path(), &f.ssl("web.crt"));
        let old_key = std::fs::read(f.ssl("web.key")).unwrap();
        let served_before = f.settled_served_serial();
        let out = killed_at(&f.command("run"), name, *n);
        assert!(
            !out.status.success(),
            "not killed at {line}:\n{}",
            all(&out)
        );
        // What systemd's ExecStopPost (or the next run) does first.
        let (rec, _) = f.run("recover");
        assert!(rec.status.success(), "{}", all(&rec));
        assert!(f.pair_matches(), "mismatched pair after a kill at {line}");
        let left: Vec<String> = std::fs::read_dir(f.dir.path().join("ssl"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !["web.key", "web.crt", "web.fullchain.pem"].contains(&n.as_str()))
            .collect();
        assert!(left.is_empty(), "left over after {line}: {left:?}");
        let now_serial = serial_of(f.dir.path(), &f.ssl("web.crt"));
        if i <= commit {
            assert_eq!(
                now_serial, old_serial,
                "not the old pair after a kill at {line}"
            );
            assert_eq!(std::fs::read(f.ssl("web.key")).unwrap(), old_key);
            assert_eq!(
                f.settled_served_serial(),
                served_before,
                "nginx reloaded at {line}"
            );
        } else {
            assert_ne!(
                now_serial, old_serial,
                "the committed pair is lost after {line}"
            );
        }
    }
    // And the next run completes normally.
    let s = f.run_ok();
    assert_eq!(s["certs"][0]["action"], "issued");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(f.served_serial(), upper(&s["certs"][0]["serial"]));
}

/// The shipped example configuration (`deploy/certs.example.yaml`) pointed at the fixture's mount
/// and role, its names moved under the role's domain and its files into `root`; `renew` replaces
/// its renewal window. Its `service:` block goes: the machine running the tests has no systemd to
/// reload through (the reload itself is covered by the tests above, through `command`).
fn example_config(f: &Fixture, root: &Sandbox, renew: &str) -> String {
    let text = std::fs::read_to_string(workspace_root().join(EXAMPLE)).unwrap();
    let service = "    service:\n      - name: \"nginx.service\"\n        control: \"reload\"\n";
    assert!(text.contains(service), "{EXAMPLE} changed: {text}");
    text.replace(service, "")
        .replace("https://vault.example.internal:8200", &env().addr)
        .replace("pki: \"pki-int\"", &format!("pki: \"{}\"", f.mount))
        .replace("role: \"app\"", "role: \"web\"")
        .replace("renew: \"10d\"", &format!("renew: \"{renew}\""))
        .replace("ttl: \"30d\"", "ttl: \"20h\"")
        .replace("example.internal", "svc.example.test")
        .replace(
            "/etc/nginx/ssl",
            root.inside("/etc/nginx/ssl").to_str().unwrap(),
        )
}

const EXAMPLE: &str = "cert-deploy/deploy/certs.example.yaml";
const EXAMPLE_KEY: &str = "/etc/nginx/ssl/web.key";
const EXAMPLE_FULLCHAIN: &str = "/etc/nginx/ssl/web.fullchain.pem";

/// `deploy/env.example` with the fixture's role ID and AppRole mount, as `KEY=VALUE` pairs.
fn example_env(f: &Fixture) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(workspace_root().join("cert-deploy/deploy/env.example"))
        .unwrap()
        .replace(
            "VAULT_ROLE_ID=00000000-0000-0000-0000-000000000000",
            &format!("VAULT_ROLE_ID={}", f.role_id),
        )
        .replace(
            "#CERT_DEPLOY_APPROLE_MOUNT=approle",
            &format!("CERT_DEPLOY_APPROLE_MOUNT={}", f.approle),
        );
    let vars: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    assert!(vars.iter().any(|(k, _)| k == "CERT_DEPLOY_APPROLE_MOUNT"));
    vars
}

/// The deployed pair of the example configuration in `root` matches (checked by openssl), and
/// the certificate chains to the mount's root; returns its serial.
fn example_pair_serial(f: &Fixture, root: &Sandbox) -> String {
    let key = root.inside(EXAMPLE_KEY);
    let full = root.inside(EXAMPLE_FULLCHAIN);
    let d = f.dir.path();
    let cert_key = openssl(
        d,
        &["x509", "-in", full.to_str().unwrap(), "-noout", "-pubkey"],
    );
    let key_pub = openssl(d, &["pkey", "-in", key.to_str().unwrap(), "-pubout"]);
    assert_eq!(cert_key, key_pub, "the deployed key and certificate differ");
    let root_pem = f.root_pem();
    let verified = openssl(
        d,
        &[
            "verify",
            "-CAfile",
            root_pem.to_str().unwrap(),
            full.to_str().unwrap(),
        ],
    );
    assert!(verified.contains(": OK"), "{verified}");
    serial_of(d, &full)
}

#[test]
fn systemd_service_deploys_the_example_with_its_capabilities_and_recovers_a_killed_run() {
    verify_units(
        "cert-deploy/deploy",
        &["cert-deploy.service", "cert-deploy.timer"],
        "cert-deploy",
    );
    let unit = Unit::read("cert-deploy/deploy/cert-deploy.service");
    let timer = Unit::read("cert-deploy/deploy/cert-deploy.timer");
    assert!(!timer.values("RandomizedDelaySec").is_empty());
    assert_eq!(timer.values("Persistent"), ["true"]);

    // Every directory the example configuration writes into is writable under the sandbox.
    let writable = unit.words("ReadWritePaths");
    for file in [EXAMPLE_KEY, EXAMPLE_FULLCHAIN] {
        let dir = Path::new(file).parent().unwrap();
        assert!(
            writable.iter().any(|w| dir.starts_with(w)),
            "{} is not in ReadWritePaths={writable:?}",
            dir.display()
        );
    }

    // The unit runs as root: its view of the file system is the sandbox root, its capabilities
    // only the bounding set it names (setpriv drops the rest, as systemd does), no new privileges.
    let f = Fixture::new();
    let root = Sandbox::new(&unit, 0);
    std::fs::create_dir_all(root.inside("/etc/nginx/ssl")).unwrap();
    std::fs::create_dir_all(root.inside("/etc/cert-deploy")).unwrap();
    let config = root.inside("/etc/cert-deploy/certs.yaml");
    std::fs::write(&config, example_config(&f, &root, "12h")).unwrap();
    // LoadCredential=<name>:<file> puts the file in the credentials directory (%d).
    let credentials = root.inside("/run/credentials/cert-deploy.service");
    std::fs::create_dir_all(&credentials).unwrap();
    for credential in unit.values("LoadCredential") {
        let (name, file) = credential.split_once(':').unwrap();
        assert_eq!(file, "/etc/cert-deploy/secret-id");
        std::fs::copy(&f.secret_file, credentials.join(name)).unwrap();
    }
    let caps: Vec<String> = unit
        .words("CapabilityBoundingSet")
        .iter()
        .map(|c| format!("+{}", c.trim_start_matches("CAP_").to_lowercase()))
        .collect();
    let bin = bin_path("cert-deploy");
    let exec = |line: &str| -> Command {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], "/usr/local/bin/cert-deploy", "{line}");
        let mut cmd = Command::new("setpriv");
        cmd.arg(format!("--bounding-set=-all,{}", caps.join(",")))
            .args(["--inh-caps=-all", "--no-new-privs", "--"])
            .arg(&bin)
            .args(&words[1..])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TMPDIR", root.inside("/tmp"))
            .env("CERT_DEPLOY_LOG_FORMAT", "json");
        for (k, v) in example_env(&f) {
            cmd.env(k, v);
        }
        for assignment in unit.words("Environment") {
            let (k, v) = assignment.split_once('=').unwrap();
            cmd.env(k, root.resolve(v, &credentials));
        }
        cmd
    };
    let exec_start = unit.values("ExecStart");
    let exec_stop_post = unit.values("ExecStopPost");
    let stop_post = || {
        for line in &exec_stop_post {
            if let Some(privileged) = line.strip_prefix("-+") {
                // Outside the sandbox, failures ignored; its paths are the sandbox's.
                let words: Vec<&str> = privileged.split_whitespace().collect();
                let _ = Command::new(words[0])
                    .args(words[1..].iter().map(|w| root.resolve(w, &credentials)))
                    .output()
                    .unwrap();
            } else {
                let out = exec(line).output().unwrap();
                assert!(out.status.success(), "{line}: {}", all(&out));
            }
        }
    };

    // First run: issued and deployed with the example's owners and modes.
    let out = exec(&exec_start[0]).output().unwrap();
    assert!(out.status.success(), "{}", all(&out));
    assert_eq!(summary(&out)["certs"][0]["action"], "issued");
    stop_post();
    let first = example_pair_serial(&f, &root);
    let key = std::fs::metadata(root.inside(EXAMPLE_KEY)).unwrap();
    let www_data = Command::new("id")
        .args(["-g", "www-data"])
        .output()
        .unwrap();
    assert_eq!(
        (key.uid(), key.gid().to_string(), key.mode() & 0o7777),
        (
            0,
            String::from_utf8_lossy(&www_data.stdout).trim().to_owned(),
            0o640
        )
    );
    assert_eq!(mode(&root.inside(EXAMPLE_FULLCHAIN)), 0o644);
    // The metrics went to the state directory and ExecStopPost published them for node_exporter.
    let published =
        std::fs::read_to_string(root.inside("/var/lib/node_exporter/textfile/cert_deploy.prom"))
            .expect("ExecStopPost published the metrics");
    assert!(
        published.contains("cert_deploy_last_run_success 1\n"),
        "{published}"
    );

    // A run killed at the last file-placing call before the commit (the new key and certificate
    // both in place, the journal not yet removed): ExecStopPost puts the old pair back at once.
    std::fs::write(&config, example_config(&f, &root, "21h")).unwrap();
    let calls = placing_syscalls(&exec(&exec_start[0]), &f.dir.path().join("unit-trace.txt"));
    let commit = journal_commit(&calls);
    assert!(commit > 0, "{calls:#?}");
    stop_post();
    let before = example_pair_serial(&f, &root);
    assert_ne!(before, first);
    let (name, n, line) = &calls[commit - 1];
    let out = killed_at(&exec(&exec_start[0]), name, *n);
    assert!(
        !out.status.success(),
        "not killed at {line}:\n{}",
        all(&out)
    );
    stop_post();
    assert_eq!(
        example_pair_serial(&f, &root),
        before,
        "not the previous pair after a kill at {line} and ExecStopPost"
    );
    let left: Vec<String> = std::fs::read_dir(root.inside("/etc/nginx/ssl"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !["web.key", "web.fullchain.pem"].contains(&n.as_str()))
        .collect();
    assert!(left.is_empty(), "left over after {line}: {left:?}");
}

#[test]
fn cron_line_deploys_the_example_config() {
    let text =
        std::fs::read_to_string(workspace_root().join("cert-deploy/deploy/cert-deploy.cron"))
            .unwrap();
    let path = text
        .lines()
        .find_map(|l| l.strip_prefix("PATH="))
        .expect("the cron file sets PATH");
    let jobs: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit() || c == '*'))
        .collect();
    assert_eq!(jobs.len(), 1, "{text}");
    let fields: Vec<&str> = jobs[0].splitn(7, ' ').collect();
    assert_eq!(&fields[..6], ["17", "3,15", "*", "*", "*", "root"]);
    // cron turns an unescaped `%` into a newline.
    assert!(!fields[6].contains('%'), "{}", fields[6]);
    let splay = "sleep $(shuf -i 0-3599 -n 1) && ";
    let command = fields[6]
        .strip_prefix(splay)
        .unwrap_or_else(|| panic!("no random delay first: {}", fields[6]));

    let f = Fixture::new();
    let root = Sandbox::new(&Unit::read("cert-deploy/deploy/cert-deploy.service"), 0);
    std::fs::create_dir_all(root.inside("/etc/nginx/ssl")).unwrap();
    std::fs::create_dir_all(root.inside("/etc/cert-deploy")).unwrap();
    std::fs::create_dir_all(root.inside("/var/log")).unwrap();
    std::fs::create_dir_all(root.inside("/var/lib/node_exporter/textfile")).unwrap();
    std::fs::write(
        root.inside("/etc/cert-deploy/certs.yaml"),
        example_config(&f, &root, "12h"),
    )
    .unwrap();
    let env_file: String = example_env(&f)
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    std::fs::write(root.inside("/etc/cert-deploy/env"), env_file).unwrap();
    std::fs::copy(&f.secret_file, root.inside("/etc/cert-deploy/secret-id")).unwrap();
    let bin = bin_path("cert-deploy");
    let command = command
        .replace("/usr/local/bin/cert-deploy", bin.to_str().unwrap())
        .replace("/etc/", &format!("{}/etc/", root.path().display()))
        .replace("/var/", &format!("{}/var/", root.path().display()));
    let out = Command::new("/bin/sh")
        .args(["-c", &command])
        .env_clear()
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{command}: {}", all(&out));
    let log = std::fs::read_to_string(root.inside("/var/log/cert-deploy.log")).unwrap();
    // The log holds stderr's log lines and stdout's summary line.
    let last: Value = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .rfind(|v| v.get("outcome").is_some())
        .unwrap_or_else(|| panic!("no summary line in the log:\n{log}"));
    assert_eq!(last["certs"][0]["action"], "issued", "{log}");
    example_pair_serial(&f, &root);
    let metrics =
        std::fs::read_to_string(root.inside("/var/lib/node_exporter/textfile/cert_deploy.prom"))
            .unwrap();
    assert!(
        metrics.contains("cert_deploy_last_run_success 1\n"),
        "{metrics}"
    );
}
