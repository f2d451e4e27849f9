//! Acceptance tests for the Terraform modules under `modules/` (issue 9): each module's example
//! under `examples/modules/` applied through the real `terraform` against the shared OpenBao
//! node, the result checked through the server's API, a second plan required empty, then
//! destroyed. pki-intermediate runs both phases with the CSR signed offline by the `openssl` CLI;
//! pki-consumer is checked by replaying cert-manager's Vault issuer against it, request by
//! request, and by the requests its token must be denied.

use std::path::Path;

use serde_json::{Value, json};
use vaultpki_tests::bao::bao_read;
use vaultpki_tests::module_docs;
use vaultpki_tests::{
    PROVIDER_SOURCE, Terraform, env, openssl, openssl_offline_root, provider_dir, unique_name,
    workspace_root,
};

/// A working directory holding the example `examples/modules/<name>/main.tf`, its module source
/// pointed at the module in this checkout, modules installed with `terraform get` (which works
/// offline, unlike `init` with dev_overrides), and `vars` in `terraform.tfvars.json`.
fn example(name: &str, vars: &Value) -> Terraform {
    let root = workspace_root();
    let hcl = std::fs::read_to_string(root.join("examples/modules").join(name).join("main.tf"))
        .expect("read the module example");
    let modules = root.join("modules");
    let hcl = hcl.replace("\"../../../modules/", &format!("\"{}/", modules.display()));
    assert!(
        hcl.contains(&modules.display().to_string()),
        "the example does not use ../../../modules/"
    );
    let tf = Terraform::new()
        .with_provider(PROVIDER_SOURCE, &provider_dir())
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

/// Makes an offline root (`offline.pem`, `offline.key`) in `dir` and signs `int.csr` with it
/// into `int.pem` as a CA certificate.
fn sign_offline(dir: &Path) {
    openssl_offline_root(dir, "/CN=Offline Root For Module Tests/O=Example");
    std::fs::write(
        dir.join("int.ext"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .expect("write int.ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "int.csr",
            "-CA",
            "offline.pem",
            "-CAkey",
            "offline.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            "int.ext",
            "-out",
            "int.pem",
        ],
    );
}

#[test]
fn pki_intermediate_two_phases_signed_offline() {
    let mount = unique_name("mod-int");
    let base_url = "https://vault.example.test:8200";
    let mut vars = json!({ "mount_path": mount, "base_url": base_url });
    let tf = example("pki-intermediate", &vars);

    // Phase 1: the mount, the key, the CSR and the configuration; nothing signed yet.
    tf.apply();
    tf.assert_plan_empty();
    // A null output is left out of `terraform output -json`.
    let outputs: Value =
        serde_json::from_slice(&tf.run_ok(&["output", "-json", "-no-color"]).stdout)
            .expect("terraform output -json prints JSON");
    assert!(
        outputs["issuer_id"]["value"].is_null(),
        "issuer_id is set before phase 2: {outputs}"
    );
    assert!(outputs["csr"]["value"].is_string(), "{outputs}");
    let csr = tf.output("csr");
    let csr = csr.as_str().expect("csr is a string");
    tf.write_file("int.csr", csr);
    let subject = openssl(
        tf.dir(),
        &["req", "-in", "int.csr", "-noout", "-verify", "-subject"],
    );
    assert!(subject.contains("CN = Example Issuing CA"), "{subject}");
    let urls = bao_read(&format!("{mount}/config/urls")).expect("config/urls");
    assert_eq!(
        urls["issuing_certificates"],
        json!([format!("{base_url}/v1/{mount}/ca")])
    );
    assert_eq!(
        urls["crl_distribution_points"],
        json!([format!("{base_url}/v1/{mount}/crl")])
    );
    let crl = bao_read(&format!("{mount}/config/crl")).expect("config/crl");
    assert_eq!(crl["expiry"], json!("48h"));
    assert_eq!(crl["auto_rebuild"], json!(true));
    let tidy = bao_read(&format!("{mount}/config/auto-tidy")).expect("config/auto-tidy");
    assert_eq!(tidy["enabled"], json!(true));
    assert_eq!(tidy["tidy_cert_store"], json!(true));
    assert!(
        bao_read(&format!("{mount}/issuer/default")).is_none(),
        "no issuer before phase 2"
    );

    // Offline signing, then phase 2 with the certificate and its chain.
    sign_offline(tf.dir());
    let read = |f: &str| std::fs::read_to_string(tf.dir().join(f)).expect("read a PEM file");
    let int_pem = read("int.pem");
    vars["signed_certificate"] = json!(format!("{int_pem}{}", read("offline.pem")));
    write_vars(&tf, &vars);
    tf.apply();
    tf.assert_plan_empty();
    let issuer_id = tf.output("issuer_id");
    let issuer_id = issuer_id.as_str().expect("issuer_id is set in phase 2");
    let defaults = bao_read(&format!("{mount}/config/issuers")).expect("config/issuers");
    assert_eq!(defaults["default"], json!(issuer_id));
    let issuer = bao_read(&format!("{mount}/issuer/{issuer_id}")).expect("the issuer");
    assert_eq!(
        issuer["certificate"].as_str().map(str::trim),
        Some(int_pem.trim())
    );

    // A certificate issued from the mount verifies against the offline root.
    env().bao_ok(&[
        "write",
        &format!("{mount}/roles/test"),
        "allowed_domains=example.test",
        "allow_subdomains=true",
        "key_type=ec",
        "max_ttl=1h",
    ]);
    let issued = env().bao_json(&[
        "write",
        "-format=json",
        &format!("{mount}/issue/test"),
        "common_name=web.example.test",
        "ttl=30m",
    ]);
    let leaf = issued["data"]["certificate"]
        .as_str()
        .expect("a certificate");
    tf.write_file("leaf.pem", leaf);
    let verified = openssl(
        tf.dir(),
        &[
            "verify",
            "-CAfile",
            "offline.pem",
            "-untrusted",
            "int.pem",
            "leaf.pem",
        ],
    );
    assert!(verified.contains("leaf.pem: OK"), "{verified}");
    let text = openssl(tf.dir(), &["x509", "-in", "leaf.pem", "-noout", "-text"]);
    assert!(
        text.contains(&format!("{base_url}/v1/{mount}/crl")),
        "the CRL URL is in the leaf:\n{text}"
    );

    tf.destroy();
    assert!(
        bao_read(&format!("{mount}/config/urls")).is_none(),
        "the mount is gone after destroy"
    );
}

#[test]
fn pki_consumer_admits_cert_managers_own_request_and_nothing_else() {
    let mount = unique_name("mod-cons");
    let approle = unique_name("mod-approle");
    let tf = example(
        "pki-consumer",
        &json!({ "mount_path": mount, "approle_mount": approle, "vault_addr": env().addr }),
    );
    tf.apply();
    tf.assert_plan_empty();

    assert_eq!(
        tf.output("path"),
        json!(format!("{mount}/sign/cert-manager"))
    );
    assert_eq!(tf.output("approle_path"), json!(approle));
    let role = bao_read(&format!("{mount}/roles/cert-manager")).expect("the PKI role");
    assert_eq!(role["allowed_domains"], json!(["example.test"]));
    let policy_name = format!("{mount}-cert-manager");
    let policy = bao_read(&format!("sys/policies/acl/{policy_name}")).expect("the policy");
    let rules = policy["policy"].as_str().expect("policy text");
    assert!(
        rules.contains(&format!("{mount}/sign/cert-manager")),
        "{rules}"
    );
    assert!(
        !rules.contains(&format!("{mount}/issue/cert-manager")),
        "issue is opt-in: {rules}"
    );
    let approle_role = bao_read(&format!("auth/{approle}/role/cert-manager")).expect("the AppRole");
    assert_eq!(approle_role["token_policies"], json!([policy_name]));

    // cert-manager's Vault issuer, replayed request by request: the health check, the AppRole
    // login, then `sign` with the parameters it sends (all strings; `ttl` is the Certificate's
    // default duration, 90 days, as Go prints it), for its default RSA-2048 key and for P-256.
    let role_id = tf.output("role_id");
    let secret_id = tf.output("secret_id");
    let work = tempfile::tempdir().expect("a temporary directory");
    let (status, _) = http(work.path(), "GET", "sys/health", None, None);
    assert_eq!(status, 200, "sys/health");
    let (status, login) = http(
        work.path(),
        "POST",
        &format!("auth/{approle}/login"),
        None,
        Some(&json!({ "role_id": role_id, "secret_id": secret_id })),
    );
    assert_eq!(status, 200, "AppRole login: {login}");
    let token = login["auth"]["client_token"]
        .as_str()
        .expect("a client token")
        .to_owned();
    let chain_pem = tf.output("issuing_ca_chain");
    std::fs::write(
        work.path().join("chain.pem"),
        chain_pem.as_str().expect("the chain"),
    )
    .expect("write chain.pem");
    let mut csrs = Vec::new();
    for (key, newkey) in [("rsa", "rsa:2048"), ("p256", "ec")] {
        let mut args = vec!["req", "-new", "-nodes", "-newkey", newkey];
        if key == "p256" {
            args.extend(["-pkeyopt", "ec_paramgen_curve:P-256"]);
        }
        let keyfile = format!("{key}.key");
        args.extend([
            "-keyout",
            &keyfile,
            "-subj",
            "/CN=app.example.test",
            "-addext",
            "subjectAltName=DNS:app.example.test,DNS:www.example.test",
        ]);
        let csr = openssl(work.path(), &args);
        let (status, signed) = http(
            work.path(),
            "POST",
            &format!("{mount}/sign/cert-manager"),
            Some(&token),
            Some(&json!({
                "common_name": "app.example.test",
                "alt_names": "app.example.test,www.example.test",
                "ip_sans": "",
                "uri_sans": "",
                "ttl": "2160h0m0s",
                "csr": csr,
                "exclude_cn_from_sans": "true",
            })),
        );
        assert_eq!(status, 200, "cert-manager's sign request ({key}): {signed}");
        csrs.push(csr);
        let cert = signed["data"]["certificate"]
            .as_str()
            .expect("a certificate");
        let pem = format!("{key}.pem");
        std::fs::write(work.path().join(&pem), cert).expect("write the certificate");
        let verified = openssl(work.path(), &["verify", "-CAfile", "chain.pem", &pem]);
        assert!(verified.contains(": OK"), "{verified}");
        // The 90-day duration is honoured, not cut to a shorter role maximum.
        let dates = openssl(
            work.path(),
            &["x509", "-in", &pem, "-noout", "-startdate", "-enddate"],
        );
        let seconds = validity_seconds(&dates);
        assert!(
            seconds >= 90 * 86_400 - 60,
            "a {key} certificate valid for {seconds} s, not 90 days: {dates}"
        );
    }
    // The same token may do nothing else: no `issue` (the key would pass through the server),
    // no `sign-verbatim`, no `revoke`, no other role, no other part of the server.
    env().bao_ok(&[
        "write",
        &format!("{mount}/roles/other"),
        "allowed_domains=example.test",
        "allow_subdomains=true",
    ]);
    let csr = &csrs[0];
    let cert = std::fs::read_to_string(work.path().join("rsa.pem")).expect("a certificate");
    for (method, path, body) in [
        (
            "POST",
            format!("{mount}/issue/cert-manager"),
            json!({ "common_name": "app.example.test" }),
        ),
        (
            "POST",
            format!("{mount}/sign-verbatim/cert-manager"),
            json!({ "csr": csr }),
        ),
        ("POST", format!("{mount}/sign/other"), json!({ "csr": csr })),
        (
            "POST",
            format!("{mount}/issue/other"),
            json!({ "common_name": "app.example.test" }),
        ),
        (
            "POST",
            format!("{mount}/revoke"),
            json!({ "certificate": cert }),
        ),
        ("GET", format!("{mount}/roles/other"), Value::Null),
        ("GET", "sys/mounts".to_owned(), Value::Null),
    ] {
        let body = (!body.is_null()).then_some(&body);
        let (status, answer) = http(work.path(), method, &path, Some(&token), body);
        assert_eq!(status, 403, "{method} {path} was not denied: {answer}");
    }

    // Its own role may be read (cert-deploy finds the role's issuer there).
    let (status, answer) = http(
        work.path(),
        "GET",
        &format!("{mount}/roles/cert-manager"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "reading its own role: {answer}");

    // The chain output and the rendered manifest.
    let chain = tf.output("issuing_ca_chain");
    assert!(
        chain
            .as_str()
            .is_some_and(|c| c.contains("BEGIN CERTIFICATE")),
        "{chain}"
    );
    let manifest = tf.output("cluster_issuer_manifest");
    let manifest = manifest.as_str().expect("manifest is a string");
    for needle in [
        "kind: ClusterIssuer".to_owned(),
        "kind: Secret".to_owned(),
        format!("server: \"{}\"", env().addr),
        format!("path: \"{mount}/sign/cert-manager\""),
        format!("roleId: {role_id}"),
        format!("secretId: {secret_id}"),
    ] {
        assert!(manifest.contains(&needle), "{needle} not in:\n{manifest}");
    }
    assert!(!manifest.contains("kubernetes:"), "{manifest}");

    tf.destroy();
    assert!(
        bao_read(&format!("sys/policies/acl/{policy_name}")).is_none(),
        "the policy is gone after destroy"
    );
    assert!(
        bao_read(&format!("{mount}/roles/cert-manager")).is_none(),
        "the role is gone after destroy"
    );
}

#[test]
fn snapshot_approle_example_applies() {
    let approle = unique_name("mod-snap");
    let role_name = unique_name("snap");
    env().bao_ok(&["auth", "enable", &format!("-path={approle}"), "approle"]);
    let tf = example(
        "snapshot-approle",
        &json!({ "approle_mount": approle, "role_name": role_name }),
    );
    tf.apply();
    tf.assert_plan_empty();
    let role = bao_read(&format!("auth/{approle}/role/{role_name}")).expect("the AppRole");
    assert_eq!(role["token_ttl"], json!(900));
    assert_eq!(role["token_policies"], json!([role_name]));
    let policy = bao_read(&format!("sys/policies/acl/{role_name}")).expect("the policy");
    assert!(
        policy["policy"]
            .as_str()
            .is_some_and(|p| p.contains("sys/storage/raft/snapshot")),
        "{policy}"
    );
    assert_eq!(role["token_no_default_policy"], json!(true));
    // The job's token carries the snapshot policy alone, and may still revoke itself.
    let login = env().bao_json(&[
        "write",
        "-format=json",
        &format!("auth/{approle}/login"),
        &format!(
            "role_id={}",
            tf.output("role_id").as_str().expect("role id")
        ),
        &format!(
            "secret_id={}",
            tf.output("secret_id").as_str().expect("secret id")
        ),
    ]);
    assert_eq!(login["auth"]["policies"], json!([role_name]));
    let token = login["auth"]["client_token"].as_str().expect("token");
    env()
        .bao_at(&env().addr, token, &["token", "revoke", "-self"])
        .output()
        .map(|o| assert!(o.status.success(), "revoke-self: {o:?}"))
        .expect("bao runs");
    tf.destroy();
    assert!(bao_read(&format!("auth/{approle}/role/{role_name}")).is_none());
    env().bao_ok(&["auth", "disable", &approle]);
}

#[test]
fn pki_consumer_with_kubernetes_auth_binds_cert_managers_service_account() {
    let mount = unique_name("mod-cons-k8s");
    let approle = unique_name("mod-approle-k8s");
    let k8s = unique_name("mod-k8s");
    env().bao_ok(&["auth", "enable", &format!("-path={k8s}"), "kubernetes"]);
    let tf = example(
        "pki-consumer",
        &json!({
            "mount_path": mount,
            "approle_mount": approle,
            "vault_addr": env().addr,
            "auth_method": "kubernetes",
            "kubernetes_mount": k8s,
        }),
    );
    tf.apply();
    tf.assert_plan_empty();
    let policy_name = format!("{mount}-cert-manager");
    let role = bao_read(&format!("auth/{k8s}/role/cert-manager")).expect("the Kubernetes role");
    assert_eq!(role["bound_service_account_names"], json!(["vault-issuer"]));
    assert_eq!(
        role["bound_service_account_namespaces"],
        json!(["cert-manager"])
    );
    assert_eq!(role["audience"], json!("vault://vault"));
    assert_eq!(role["token_policies"], json!([policy_name]));
    assert_eq!(role["token_no_default_policy"], json!(true));
    // No AppRole: neither the auth method nor a role or secret ID.
    assert!(bao_read(&format!("auth/{approle}/role/cert-manager")).is_none());
    assert!(
        no_output(&tf, "role_id"),
        "an AppRole role ID with Kubernetes auth"
    );
    assert_eq!(tf.output("kubernetes_role"), json!("cert-manager"));
    assert_eq!(
        tf.output("kubernetes_mount_path"),
        json!(format!("/v1/auth/{k8s}"))
    );
    let manifest = tf.output("cluster_issuer_manifest");
    let manifest = manifest.as_str().expect("manifest is a string");
    for needle in [
        "kind: ClusterIssuer".to_owned(),
        "kind: ServiceAccount".to_owned(),
        "resources: [\"serviceaccounts/token\"]".to_owned(),
        "      kubernetes:\n        role: \"cert-manager\"".to_owned(),
        format!("mountPath: \"/v1/auth/{k8s}\""),
        "serviceAccountRef:\n          name: vault-issuer".to_owned(),
    ] {
        assert!(manifest.contains(&needle), "{needle} not in:\n{manifest}");
    }
    for absent in ["appRole", "secretId", "kind: Secret"] {
        assert!(!manifest.contains(absent), "{absent} in:\n{manifest}");
    }

    // Switching to AppRole replaces the login, not the PKI role or the policy.
    let mut vars = json!({
        "mount_path": mount,
        "approle_mount": approle,
        "vault_addr": env().addr,
        "auth_method": "approle",
        "kubernetes_mount": k8s,
    });
    write_vars(&tf, &vars);
    tf.apply();
    assert!(bao_read(&format!("auth/{k8s}/role/cert-manager")).is_none());
    assert!(bao_read(&format!("auth/{approle}/role/cert-manager")).is_some());
    tf.assert_plan_empty();

    // An auth method the module does not know is refused at plan time.
    vars["auth_method"] = json!("oidc");
    write_vars(&tf, &vars);
    let out = tf.apply_err();
    assert!(
        out.contains("auth_method must be \"approle\" or \"kubernetes\""),
        "{out}"
    );
    vars["auth_method"] = json!("approle");
    write_vars(&tf, &vars);
    tf.destroy();
    assert!(bao_read(&format!("sys/policies/acl/{policy_name}")).is_none());
    env().bao_ok(&["auth", "disable", &k8s]);
}

#[test]
fn snapshot_approle_with_kubernetes_auth_binds_the_cronjobs_service_account() {
    let k8s = unique_name("mod-snap-k8s");
    let role_name = unique_name("snap");
    env().bao_ok(&["auth", "enable", &format!("-path={k8s}"), "kubernetes"]);
    let tf = example(
        "snapshot-approle",
        &json!({ "auth_method": "kubernetes", "kubernetes_mount": k8s, "role_name": role_name }),
    );
    tf.apply();
    tf.assert_plan_empty();
    let role = bao_read(&format!("auth/{k8s}/role/{role_name}")).expect("the Kubernetes role");
    assert_eq!(
        role["bound_service_account_names"],
        json!(["snapshot-cron"])
    );
    assert_eq!(
        role["bound_service_account_namespaces"],
        json!(["vault-backup"])
    );
    assert_eq!(role["token_policies"], json!([role_name]));
    assert_eq!(role["token_no_default_policy"], json!(true));
    assert_eq!(role["token_ttl"], json!(900));
    assert!(
        no_output(&tf, "role_id"),
        "an AppRole role ID with Kubernetes auth"
    );
    tf.destroy();
    assert!(bao_read(&format!("auth/{k8s}/role/{role_name}")).is_none());
    env().bao_ok(&["auth", "disable", &k8s]);
}

/// Whether the output `name` is null (Terraform then leaves it out of `output -json`).
fn no_output(tf: &Terraform, name: &str) -> bool {
    let out = tf.run_ok(&["output", "-json", "-no-color"]);
    let outputs: Value = serde_json::from_slice(&out.stdout).expect("outputs as JSON");
    outputs.get(name).is_none_or(|o| o["value"].is_null())
}

/// A request to the shared node's HTTP API as a client of our own would send it (`curl`, with
/// the token in `X-Vault-Token`): the status and the JSON answer (`null` when empty).
fn http(
    dir: &Path,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let url = format!("{}/v1/{path}", env().addr);
    let header = token.map(|t| format!("X-Vault-Token: {t}"));
    let mut args = vec![
        "-sS",
        "-X",
        method,
        "-o",
        "answer.json",
        "-w",
        "%{http_code}",
    ];
    if let Some(h) = &header {
        args.extend(["-H", h.as_str()]);
    }
    if let Some(body) = body {
        std::fs::write(dir.join("request.json"), body.to_string()).expect("write the request");
        args.extend([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            "@request.json",
        ]);
    }
    args.push(&url);
    let out = std::process::Command::new("curl")
        .args(&args)
        .current_dir(dir)
        .output()
        .expect("run curl (install curl)");
    assert!(
        out.status.success(),
        "curl {method} {path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("an HTTP status");
    let answer = std::fs::read(dir.join("answer.json")).unwrap_or_default();
    (
        status,
        serde_json::from_slice(&answer).unwrap_or(Value::Null),
    )
}

/// NotAfter − NotBefore, in seconds, from `openssl x509 -startdate -enddate` output.
fn validity_seconds(dates: &str) -> i64 {
    let field = |name: &str| {
        let text = dates
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {dates}"));
        let out = std::process::Command::new("date")
            .args(["-u", "-d", text, "+%s"])
            .output()
            .expect("date runs");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<i64>()
            .expect("seconds")
    };
    field("notAfter=") - field("notBefore=")
}

/// Each module's README ends with its inputs and outputs, generated from `variables.tf` and
/// `outputs.tf`: a variable added, renamed or redescribed without the README fails here
/// (`VAULTPKI_UPDATE_DOCS=1` rewrites the tables).
#[test]
fn readmes_list_every_input_and_output() {
    let update = std::env::var_os("VAULTPKI_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    let modules = workspace_root().join("modules");
    let mut dirs: Vec<_> = std::fs::read_dir(&modules)
        .expect("read modules/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("variables.tf").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no module under {}", modules.display());
    for dir in dirs {
        let section = module_docs::section(&dir).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("README.md");
        let readme = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let want = module_docs::splice(&readme, &section);
        if want != readme {
            if update {
                std::fs::write(&path, &want)
                    .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "the Inputs/Outputs tables of {stale:?} do not match variables.tf/outputs.tf; run \
         `VAULTPKI_UPDATE_DOCS=1 cargo test -p vaultpki-tests --test acceptance -- modules::readmes` \
         and commit"
    );
}

/// Every module pins the provider's source and a version range a release satisfies, and says
/// which Terraform/OpenTofu it needs.
#[test]
fn modules_pin_the_provider_and_the_language_version() {
    for dir in std::fs::read_dir(workspace_root().join("modules")).expect("read modules/") {
        let dir = dir.expect("an entry").path();
        let path = dir.join("versions.tf");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        for want in [
            "required_version = \">= 1.11\"",
            "source  = \"vaultpki/vaultpki\"",
            "version = \"~> 0.1\"",
        ] {
            assert!(text.contains(want), "{} lacks `{want}`", path.display());
        }
    }
}
