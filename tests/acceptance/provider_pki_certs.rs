//! Acceptance tests for PKI roles and the certificates they issue (`resources/pki_role.rs`,
//! `pki_cert.rs`, `pki_sign.rs`, `ephemeral/pki_cert.rs`) through the real `terraform` against
//! the shared OpenBao node: the role in the full sequence; a certificate's renewal, revocation and
//! replacement; signing from a CSR; the server's TTL warning surfaced; an ephemeral
//! certificate's private key reaching a write-only attribute (and being revoked at Close); the
//! import of an issued certificate's public material. Ephemeral values are captured for the
//! assertions by a `local-exec` provisioner, so every "never in the state" check compares the
//! state against the real secret, by value.

use std::process::Command;

use serde_json::Value;
use vaultpki_tests::bao::{
    approle_login, approle_with_roles, bao_list, bao_read, pki_with_root, str_list,
};
use vaultpki_tests::{
    Terraform, env, openssl, planned_changes, provider_config, provider_terraform,
    provider_terraform_at, unique_name,
};

// ---- vaultpki_pki_role

fn role_config(mount: &str, name: &str, extra: &str) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_mount" "m" {{
  path = "{mount}"
}}

resource "vaultpki_pki_role" "r" {{
  mount            = vaultpki_mount.m.path
  name             = "{name}"
  allowed_domains  = ["svc.example.test"]
  allow_subdomains = true
  max_ttl          = 7200
{extra}}}
"#
    ))
}

#[test]
fn pki_role_lifecycle() {
    let mount = unique_name("pki-role");
    let name = "web";
    let role_path = format!("{mount}/roles/{name}");
    let tf = provider_terraform();
    // key_usage and ext_key_usage left to the server's defaults: no perpetual diff.
    tf.write_config(&role_config(&mount, name, ""));
    tf.apply();
    let role = bao_read(&role_path).expect("role exists");
    assert_eq!(str_list(&role["allowed_domains"]), ["svc.example.test"]);
    assert_eq!(role["allow_subdomains"], true);
    assert_eq!(role["max_ttl"], 7200);
    let state = tf.resource("vaultpki_pki_role.r");
    assert_eq!(state["id"], role_path);
    // Left out and at the server's default: null in state, no diff (see the reset test below).
    assert!(state["key_usage"].is_null(), "{state:#}");
    assert_eq!(
        str_list(&role["key_usage"]),
        ["DigitalSignature", "KeyAgreement", "KeyEncipherment"]
    );
    tf.assert_plan_empty();
    tf.import_and_compare("vaultpki_pki_role.r", &role_path, &[]);

    // Setting the defaulted lists explicitly, in another case than the server's spelling.
    tf.write_config(&role_config(
        &mount,
        name,
        "  key_usage     = [\"digitalsignature\"]\n  ext_key_usage = [\"ServerAuth\", \"ClientAuth\"]\n  ttl           = 3600\n",
    ));
    tf.apply();
    let role = bao_read(&role_path).expect("role exists");
    assert_eq!(role["ttl"], 3600);
    assert_eq!(str_list(&role["ext_key_usage"]).len(), 2, "{role:#}");
    assert_eq!(str_list(&role["key_usage"]).len(), 1, "{role:#}");
    tf.assert_plan_empty();

    // Changed out of band: the plan shows an update and apply restores it.
    env().bao_ok(&["write", &role_path, "max_ttl=60"]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_pki_role.r".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    assert_eq!(bao_read(&role_path).expect("role")["max_ttl"], 7200);

    // Deleted out of band: re-created.
    env().bao_ok(&["delete", &role_path]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_pki_role.r".to_owned(), vec!["create".to_owned()])]
    );
    tf.apply();
    assert!(bao_read(&role_path).is_some());

    tf.destroy();
    assert!(bao_read(&role_path).is_none(), "role left after destroy");
}

/// Every boolean and list permission of a PKI role as `(attribute, HCL value away from the
/// default, the server's default as it answers it)`. `generate_lease` is left out: the server
/// drops it when `no_store` is set. `allow_token_displayname` is left out: OpenBao 2.x ignores it.
const ROLE_PERMISSIONS: &[(&str, &str, &str)] = &[
    ("allow_localhost", "false", "true"),
    ("allowed_domains_template", "true", "false"),
    ("allow_bare_domains", "true", "false"),
    ("allow_subdomains", "true", "false"),
    ("allow_glob_domains", "true", "false"),
    ("allow_wildcard_certificates", "false", "true"),
    ("allow_any_name", "true", "false"),
    ("enforce_hostnames", "false", "true"),
    ("allow_ip_sans", "false", "true"),
    ("allowed_uri_sans_template", "true", "false"),
    ("server_flag", "false", "true"),
    ("client_flag", "false", "true"),
    ("code_signing_flag", "true", "false"),
    ("email_protection_flag", "true", "false"),
    ("use_csr_common_name", "false", "true"),
    ("use_csr_sans", "false", "true"),
    ("no_store", "true", "false"),
    ("require_cn", "false", "true"),
    ("basic_constraints_valid_for_non_ca", "true", "false"),
    ("allowed_domains", r#"["svc.example.test"]"#, "[]"),
    ("allowed_uri_sans", r#"["spiffe://example.test/*"]"#, "[]"),
    (
        "allowed_other_sans",
        r#"["1.3.6.1.4.1.311.20.2.3;UTF8:*"]"#,
        "[]",
    ),
    ("allowed_serial_numbers", r#"["*"]"#, "[]"),
    ("allowed_user_ids", r#"["u1"]"#, "[]"),
    (
        "cn_validations",
        r#"["disabled"]"#,
        r#"["email","hostname"]"#,
    ),
    (
        "key_usage",
        r#"["CertSign"]"#,
        r#"["DigitalSignature","KeyAgreement","KeyEncipherment"]"#,
    ),
    ("ext_key_usage", r#"["ServerAuth"]"#, "[]"),
    ("ext_key_usage_oids", r#"["1.3.6.1.5.5.7.3.1"]"#, "[]"),
    ("ou", r#"["Ops"]"#, "[]"),
    ("organization", r#"["Example"]"#, "[]"),
    ("country", r#"["NL"]"#, "[]"),
    ("locality", r#"["Delft"]"#, "[]"),
    ("province", r#"["ZH"]"#, "[]"),
    ("street_address", r#"["Main 1"]"#, "[]"),
    ("postal_code", r#"["2611"]"#, "[]"),
    ("policy_identifiers", r#"["1.3.6.1.4.1.44947.1.1.1"]"#, "[]"),
    // Not permissions, but defaulted the same way: durations, the key type and its size.
    ("ttl", r#""1h""#, "0"),
    ("max_ttl", r#""72h""#, "0"),
    ("not_before_duration", r#""45s""#, "30"),
    ("key_type", r#""ec""#, r#""rsa""#),
    ("signature_bits", "384", "0"),
];

fn role_only(mount: &str, lines: &str) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_mount" "m" {{
  path = "{mount}"
}}

resource "vaultpki_pki_role" "r" {{
  mount = vaultpki_mount.m.path
  name  = "web"
{lines}}}
"#
    ))
}

#[test]
fn pki_role_deleted_lines_go_back_to_the_server_defaults() {
    let mount = unique_name("pki-reset");
    let role_path = format!("{mount}/roles/web");
    let tf = provider_terraform();
    let lines: String = ROLE_PERMISSIONS
        .iter()
        .map(|(name, value, _)| format!("  {name} = {value}\n"))
        .collect();
    tf.write_config(&role_only(&mount, &lines));
    tf.apply();
    let role = bao_read(&role_path).expect("role exists");
    for (name, _, default) in ROLE_PERMISSIONS {
        let default: Value = serde_json::from_str(default).expect("a JSON default");
        assert_ne!(
            role[*name], default,
            "{name} was not set away from its default"
        );
    }
    assert_eq!(role["max_ttl"], 259_200);
    assert_eq!(role["key_bits"], 256, "an EC role gets the EC default size");
    tf.assert_plan_empty();

    // Every line deleted: the plan shows each field going back to its default, and apply puts
    // the defaults on the server.
    tf.write_config(&role_only(&mount, ""));
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [("vaultpki_pki_role.r".to_owned(), vec!["update".to_owned()])]
    );
    let change = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|rc| rc["address"] == "vaultpki_pki_role.r")
        .map(|rc| rc["change"].clone())
        .expect("the role in the plan");
    let after = &change["after"];
    for (name, _, default) in ROLE_PERMISSIONS {
        let default: Value = serde_json::from_str(default).expect("a JSON default");
        let planned = &after[*name];
        let same = match (planned, &default) {
            // Durations are strings of seconds in the plan.
            (Value::String(s), Value::Number(n)) => *s == n.to_string(),
            (a, b) => a == b,
        };
        assert!(
            same,
            "{name} is planned as {planned}, not as its default {default}: {change:#}"
        );
    }
    tf.run_ok(&["apply", "-input=false", "-no-color", "tfplan"]);
    let role = bao_read(&role_path).expect("role exists");
    for (name, _, default) in ROLE_PERMISSIONS {
        let default: Value = serde_json::from_str(default).expect("a JSON default");
        assert_eq!(
            role[*name], default,
            "{name} is not back at its default on the server"
        );
    }
    assert_eq!(
        role["key_bits"], 2048,
        "back to RSA, back to the RSA default size"
    );
    tf.assert_plan_empty();
    tf.destroy();
}

#[test]
fn pki_role_durations_compare_by_meaning_and_bad_ones_fail_at_plan() {
    let mount = unique_name("pki-dur");
    let role_path = format!("{mount}/roles/web");
    let tf = provider_terraform();
    // As wide as the 500-role benchmark's role.
    let permissions = "  allowed_domains  = [\"svc.example.test\"]\n  allow_subdomains = true\n";
    tf.write_config(&role_only(
        &mount,
        &format!("  ttl     = \"1h\"\n  max_ttl = \"72h\"\n{permissions}"),
    ));
    // Creating a role prints what was configured, not a page of "(known after apply)".
    let out = tf.run_ok(&["plan", "-input=false", "-no-color"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("vaultpki_pki_role.r will be created"))
        .take_while(|l| *l != "    }")
        .collect();
    // The role's block, its closing line and the blank line after it.
    let lines = block.len() + 2;
    println!(
        "plan lines for one created role: {lines}\n{}",
        block.join("\n")
    );
    assert!(
        !block.is_empty() && lines <= 15,
        "the role's plan takes {lines} lines:\n{text}"
    );
    tf.apply();
    let role = bao_read(&role_path).expect("role exists");
    assert_eq!(role["ttl"], 3600);
    assert_eq!(role["max_ttl"], 259_200);
    assert_eq!(tf.resource("vaultpki_pki_role.r")["max_ttl"], "72h");
    tf.assert_plan_empty();

    // The same durations in seconds, as a number and as a string: no change.
    tf.write_config(&role_only(
        &mount,
        &format!("  ttl     = 3600\n  max_ttl = \"259200\"\n{permissions}"),
    ));
    tf.assert_plan_empty();

    // A duration the server would refuse fails the plan, naming the attribute; nothing is
    // created, not even the resources planned before it.
    let bad_mount = unique_name("pki-dur-bad");
    let bad = provider_terraform();
    bad.write_config(&role_only(&bad_mount, "  ttl = \"3 days\"\n"));
    let out = bad.run(&["plan", "-input=false", "-no-color"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "a plan with ttl = \"3 days\" succeeded:\n{text}"
    );
    assert!(
        text.contains("ttl = \"3 days\" is not a duration") && text.contains("\"72h\""),
        "the diagnostic does not name the attribute and the accepted forms:\n{text}"
    );
    assert!(text.contains("vaultpki_pki_role.r"), "{text}");
    assert!(bao_read(&format!("{bad_mount}/roles/web")).is_none());

    tf.destroy();
}

// ---- vaultpki_pki_cert

pub(crate) fn cert_config(mount: &str, min_seconds_remaining: u64) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_pki_cert" "c" {{
  mount                 = "{mount}"
  role                  = "web"
  common_name           = "api.svc.example.test"
  alt_names             = ["alt.svc.example.test"]
  ttl                   = "1h"
  auto_renew            = true
  min_seconds_remaining = {min_seconds_remaining}
  revoke                = true
}}
"#
    ))
}

fn cert_on_server(mount: &str, serial: &str) -> Option<Value> {
    bao_read(&format!("{mount}/cert/{serial}"))
}

fn is_revoked(cert: &Value) -> bool {
    cert["revocation_time"].as_i64().unwrap_or(0) > 0
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
        .try_into()
        .expect("fits")
}

#[test]
fn pki_cert_lifecycle_renewal_and_revocation() {
    let mount = unique_name("pki-cert");
    pki_with_root(&mount);
    let tf = provider_terraform();
    tf.write_config(&cert_config(&mount, 600));
    tf.apply();

    let state = tf.resource("vaultpki_pki_cert.c");
    let serial = state["serial_number"].as_str().expect("serial").to_owned();
    assert_eq!(state["id"], format!("{mount}/cert/{serial}"));
    let on_server = cert_on_server(&mount, &serial).expect("certificate stored on the server");
    assert_eq!(
        on_server["certificate"].as_str().map(str::trim),
        state["certificate"].as_str().map(str::trim)
    );
    assert!(!is_revoked(&on_server));
    let expiration = state["expiration"].as_i64().expect("expiration");
    assert!(
        (now() + 3600 - 120..=now() + 3600 + 5).contains(&expiration),
        "expiration {expiration} is not NotAfter of a 1h certificate"
    );
    assert!(
        state["private_key"]
            .as_str()
            .is_some_and(|k| k.contains("PRIVATE KEY"))
    );
    let sensitive = tf
        .state()
        .pointer("/values/root_module/resources/0/sensitive_values/private_key")
        .cloned();
    assert_eq!(
        sensitive,
        Some(Value::Bool(true)),
        "private_key must be sensitive"
    );
    tf.assert_plan_empty();

    // The same TTL spelled in seconds is no change: nothing is replaced.
    tf.write_config(&cert_config(&mount, 600).replace("\"1h\"", "\"3600\""));
    tf.assert_plan_empty();
    tf.write_config(&cert_config(&mount, 600));

    // Import brings in the public material only, saying why (the server keeps no private key;
    // provider_ephemeral.rs tests the imported state in full).
    let fresh = provider_terraform();
    fresh.write_config(&cert_config(&mount, 600));
    let out = fresh.run(&[
        "import",
        "-input=false",
        "-no-color",
        "vaultpki_pki_cert.c",
        &format!("{mount}/cert/{serial}"),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "importing a certificate must work: {text}"
    );
    assert!(
        text.contains("The private key cannot be imported"),
        "{text}"
    );

    // Outside the renewal window nothing changes; widening the window in the configuration
    // puts the certificate inside it in the same run (once a second or more has passed since it
    // was issued, which the wait makes sure of).
    while expiration - now() >= 3598 {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    tf.write_config(&cert_config(&mount, 3599));
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [(
            "vaultpki_pki_cert.c".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    let serial2 = tf.resource("vaultpki_pki_cert.c")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    assert_ne!(serial, serial2, "renewal must issue a new certificate");
    assert!(
        is_revoked(&cert_on_server(&mount, &serial).expect("old certificate")),
        "revoke = true revokes the replaced certificate"
    );

    // Back to a small window: an in-place update, no re-issue, then an empty plan.
    tf.write_config(&cert_config(&mount, 600));
    assert_eq!(
        planned_changes(&tf.plan()),
        [("vaultpki_pki_cert.c".to_owned(), vec!["update".to_owned()])]
    );
    tf.apply();
    assert_eq!(
        tf.resource("vaultpki_pki_cert.c")["serial_number"],
        serial2.as_str()
    );
    tf.assert_plan_empty();

    // Revoked out of band: the next plan replaces it.
    env().bao_ok(&[
        "write",
        &format!("{mount}/revoke"),
        &format!("serial_number={serial2}"),
    ]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_pki_cert.c".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    let serial3 = tf.resource("vaultpki_pki_cert.c")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    assert_ne!(serial3, serial2);
    tf.assert_plan_empty();

    // Changing an input that shapes the certificate re-issues it.
    tf.write_config(&cert_config(&mount, 600).replace("alt.svc", "other.svc"));
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_pki_cert.c".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    let serial4 = tf.resource("vaultpki_pki_cert.c")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();

    tf.destroy();
    assert!(
        is_revoked(&cert_on_server(&mount, &serial4).expect("certificate record")),
        "destroy with revoke = true revokes"
    );
    env().bao_ok(&["secrets", "disable", &mount]);
}

// ---- vaultpki_pki_sign

fn sign_config(mount: &str, min_seconds_remaining: u64) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_pki_sign" "s" {{
  mount                 = "{mount}"
  role                  = "web"
  csr                   = file("${{path.module}}/req.csr")
  common_name           = "signed.svc.example.test"
  ttl                   = "1h"
  auto_renew            = true
  min_seconds_remaining = {min_seconds_remaining}
  revoke                = true
}}
"#
    ))
}

#[test]
fn pki_sign_lifecycle() {
    let mount = unique_name("pki-sign");
    pki_with_root(&mount);
    let tf = provider_terraform();
    openssl(
        tf.dir(),
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "req.key",
            "-out",
            "req.csr",
            "-subj",
            "/CN=signed.svc.example.test",
        ],
    );
    tf.write_config(&sign_config(&mount, 600));
    tf.apply();

    let state = tf.resource("vaultpki_pki_sign.s");
    let serial = state["serial_number"].as_str().expect("serial").to_owned();
    assert!(
        state.get("private_key").is_none(),
        "pki_sign has no private key"
    );
    let on_server = cert_on_server(&mount, &serial).expect("certificate on the server");
    assert!(!is_revoked(&on_server));
    // Interop: the signed certificate carries the CSR's key (checked by openssl, not by us).
    tf.write_file(
        "signed.pem",
        state["certificate"].as_str().expect("certificate"),
    );
    assert_eq!(
        openssl(
            tf.dir(),
            &["x509", "-noout", "-pubkey", "-in", "signed.pem"]
        ),
        openssl(tf.dir(), &["req", "-noout", "-pubkey", "-in", "req.csr"])
    );
    let expiration = state["expiration"].as_i64().expect("expiration");
    assert!((now() + 3600 - 120..=now() + 3600 + 5).contains(&expiration));
    tf.assert_plan_empty();

    // Inside the configured renewal window: replaced, and the old one revoked. A 3599 s window
    // on a one-hour certificate is only reached a second or more after it was issued: wait for
    // that rather than count on the steps above taking long enough.
    while expiration - now() >= 3598 {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    tf.write_config(&sign_config(&mount, 3599));
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_pki_sign.s".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    tf.write_config(&sign_config(&mount, 600));
    tf.apply();
    let serial2 = tf.resource("vaultpki_pki_sign.s")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    assert_ne!(serial, serial2);
    assert!(is_revoked(&cert_on_server(&mount, &serial).expect("old")));
    tf.assert_plan_empty();

    // Revoked out of band: replaced.
    env().bao_ok(&[
        "write",
        &format!("{mount}/revoke"),
        &format!("serial_number={serial2}"),
    ]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_pki_sign.s".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    tf.apply();
    let serial3 = tf.resource("vaultpki_pki_sign.s")["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    tf.destroy();
    assert!(is_revoked(
        &cert_on_server(&mount, &serial3).expect("record")
    ));
    env().bao_ok(&["secrets", "disable", &mount]);
}

#[test]
fn a_ttl_capped_by_the_role_is_a_warning() {
    let e = env();
    let mount = unique_name("pki-warn");
    e.bao_ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
    e.bao_ok(&["secrets", "tune", "-max-lease-ttl=87600h", &mount]);
    e.bao_ok(&[
        "write",
        &format!("{mount}/root/generate/internal"),
        "common_name=warn-root.test",
        "ttl=87600h",
    ]);
    e.bao_ok(&[
        "write",
        &format!("{mount}/roles/capped"),
        "allow_any_name=true",
        "max_ttl=72h",
    ]);
    let tf = provider_terraform_at(&e.addr, &e.token);
    tf.write_config(&provider_config(&format!(
        "resource \"vaultpki_pki_cert\" \"c\" {{\n  mount       = \"{mount}\"\n  role        = \"capped\"\n  common_name = \"svc.warn.test\"\n  ttl         = \"8760h\"\n}}\n"
    )));
    let out = tf.apply();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("The server warned"), "{text}");
    assert!(text.to_lowercase().contains("ttl"), "{text}");
    tf.destroy();
    e.bao_ok(&["secrets", "disable", &mount]);
}

#[test]
fn a_renewal_window_not_shorter_than_the_ttl_is_refused_or_shortened() {
    let e = env();
    let mount = unique_name("pki-window");
    pki_with_root(&mount);
    let config = |min: &str| {
        provider_config(&format!(
            "resource \"vaultpki_pki_cert\" \"c\" {{\n  mount       = \"{mount}\"\n  role        = \"web\"\n  common_name = \"short.svc.example.test\"\n  ttl         = \"1h\"\n  auto_renew  = true\n{min}}}\n"
        ))
    };
    // A configured window as long as the TTL could never converge: refused at plan, naming the
    // attribute, nothing created.
    let tf = provider_terraform_at(&e.addr, &e.token);
    tf.write_config(&config("  min_seconds_remaining = 3600\n"));
    let out = tf.run(&["plan", "-no-color", "-input=false"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the plan passed");
    assert!(
        text.contains("min_seconds_remaining") && text.contains("not smaller than the TTL"),
        "{text}"
    );
    assert!(
        bao_list(&format!("{mount}/certs")).len() <= 1,
        "a certificate was issued"
    );
    // The default window (7 days) on a 1-hour certificate: a warning, and it converges (it
    // used to be replaced by every plan).
    tf.write_config(&config(""));
    let out = tf.apply();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Default renewal window shortened"), "{text}");
    tf.assert_plan_empty();
    tf.destroy();
    e.bao_ok(&["secrets", "disable", &mount]);
}

#[test]
fn bad_key_and_usage_inputs_fail_at_plan_naming_the_attribute() {
    let e = env();
    let mount = unique_name("pki-badin");
    pki_with_root(&mount);
    let tf = provider_terraform_at(&e.addr, &e.token);
    for (extra, attribute, hint) in [
        ("key_type = \"ecdsa\"", "key_type", "\"ec\""),
        ("key_type = \"ec\"\n  key_bits = 2048", "key_bits", "384"),
        (
            "ext_key_usage = [\"ServerAuthentication\"]",
            "ext_key_usage",
            "\"ServerAuth\"",
        ),
        (
            "key_usage = [\"Signing\"]",
            "key_usage",
            "\"DigitalSignature\"",
        ),
        ("signature_bits = 1024", "signature_bits", "512"),
    ] {
        tf.write_config(&provider_config(&format!(
            "resource \"vaultpki_pki_role\" \"r\" {{\n  mount = \"{mount}\"\n  name  = \"bad\"\n  {extra}\n}}\n"
        )));
        let out = tf.run(&["plan", "-no-color", "-input=false"]);
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra}: the plan passed");
        assert!(
            text.contains("with vaultpki_pki_role.r,")
                && text.contains(attribute)
                && text.contains(hint),
            "{extra}: {text}"
        );
    }
    assert!(
        bao_read(&format!("{mount}/roles/bad")).is_none(),
        "a role was created"
    );
    e.bao_ok(&["secrets", "disable", &mount]);
}

/// The lowercase hex SHA-256 of a file in the working directory, by the `sha256sum` CLI (a
/// second implementation of what Terraform's `sha256()` computed).
fn sha256_file(tf: &Terraform, name: &str) -> String {
    let out = Command::new("sha256sum")
        .arg(name)
        .current_dir(tf.dir())
        .output()
        .expect("sha256sum runs");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("a digest")
        .to_owned()
}

fn cert_to_write_only_config(pki: &str, approle: &str) -> String {
    provider_config(&format!(
        r#"ephemeral "vaultpki_pki_cert" "c" {{
  mount           = "{pki}"
  role            = "web"
  common_name     = "eph.svc.example.test"
  ttl             = "10m"
  revoke_on_close = true
}}

resource "vaultpki_approle_secret_id" "s" {{
  mount                = "{approle}"
  role_name            = "r"
  secret_id_wo         = sha256(ephemeral.vaultpki_pki_cert.c.private_key)
  secret_id_wo_version = 1
}}

resource "terraform_data" "capture" {{
  provisioner "local-exec" {{
    command = "printf '%s' \"$KEY\" > key.pem && printf '%s' \"$CERT\" > cert.pem"
    environment = {{
      KEY  = ephemeral.vaultpki_pki_cert.c.private_key
      CERT = ephemeral.vaultpki_pki_cert.c.certificate
    }}
  }}
}}
"#
    ))
}

#[test]
fn ephemeral_cert_key_reaches_a_write_only_attribute_and_is_revoked_on_close() {
    let pki = unique_name("eph-pki");
    let approle = unique_name("eph-ar");
    pki_with_root(&pki);
    approle_with_roles(&approle, &["r"]);
    let tf = provider_terraform().with_trace_log();
    tf.write_config(&cert_to_write_only_config(&pki, &approle));
    tf.init();
    tf.apply();

    let key = tf.read_file("key.pem");
    let cert = tf.read_file("cert.pem");
    assert!(
        key.contains("PRIVATE KEY"),
        "the ephemeral private key is a PEM key"
    );
    assert!(cert.contains("BEGIN CERTIFICATE"));

    // The certificate this apply used is on the server and revoked (Close ran), and so is every
    // certificate the plan phase opened.
    let serials = bao_list(&format!("{pki}/certs"));
    assert!(!serials.is_empty(), "no certificate was issued");
    let ca = bao_read(&format!("{pki}/cert/ca")).expect("the root")["certificate"]
        .as_str()
        .expect("the root's PEM")
        .to_owned();
    let mut found = false;
    for serial in &serials {
        let on_server = bao_read(&format!("{pki}/cert/{serial}")).expect("certificate record");
        let pem = on_server["certificate"].as_str().unwrap_or_default();
        if pem.trim() == ca.trim() {
            continue;
        }
        assert!(
            on_server["revocation_time"].as_i64().unwrap_or(0) > 0,
            "certificate {serial} was not revoked at Close"
        );
        found |= pem.trim() == cert.trim();
    }
    assert!(found, "the captured certificate is not on the server");

    // The key reached the write-only attribute: its SHA-256 is the custom secret ID.
    let secret = sha256_file(&tf, "key.pem");
    assert!(
        approle_login(&approle, "r", &secret),
        "login with the custom secret ID failed"
    );
    let s = tf.resource("vaultpki_approle_secret_id.s");
    assert!(
        s["secret_id"].is_null(),
        "a chosen secret ID must not be stored"
    );
    assert!(s["secret_id_wo"].is_null());
    assert_eq!(s["secret_id_wo_version"], Value::from(1));
    tf.assert_state_free_of(&[("private key", &key), ("custom secret ID", &secret)]);
    let log = tf.trace_log();
    assert!(!log.is_empty(), "TF_LOG=trace wrote nothing");
    for line in key.lines().filter(|l| l.len() >= 16) {
        assert!(!log.contains(line), "the trace log holds the private key");
    }

    // A new plan opens (and revokes) another certificate but changes nothing.
    tf.assert_plan_empty();
    tf.destroy();
    assert!(
        !approle_login(&approle, "r", &secret),
        "destroy left the custom secret ID"
    );
}

#[test]
fn pki_cert_import_brings_public_material_only() {
    let pki = unique_name("eph-imp");
    pki_with_root(&pki);
    let tf = provider_terraform();
    let cfg = provider_config(&format!(
        r#"resource "vaultpki_pki_cert" "c" {{
  mount       = "{pki}"
  role        = "web"
  common_name = "imp.svc.example.test"
  alt_names   = ["alt.svc.example.test"]
  ttl         = "1h"
}}
"#
    ));
    tf.write_config(&cfg);
    tf.init();
    tf.apply();
    let applied = tf.resource("vaultpki_pki_cert.c");
    let serial = applied["serial_number"]
        .as_str()
        .expect("serial")
        .to_owned();
    let id = format!("{pki}/cert/{serial}");
    assert_eq!(applied["id"], Value::from(id.clone()));

    // Everything the server keeps comes back; the private key and request inputs do not.
    let imported = tf.import_and_compare(
        "vaultpki_pki_cert.c",
        &id,
        &[
            "private_key",
            "private_key_type",
            "role",
            "name",
            "issuer_ref",
            "alt_names",
            "ip_sans",
            "uri_sans",
            "exclude_cn_from_sans",
        ],
    );
    let state = imported.resource("vaultpki_pki_cert.c");
    assert!(state["private_key"].is_null());
    assert_eq!(state["role"], Value::from(""));
    assert_eq!(
        state["name"],
        Value::from(""),
        "the role under hashicorp/vault's name too"
    );
    assert_eq!(
        state["ttl"],
        Value::from("1h"),
        "the TTL comes from the certificate"
    );
    // The configuration matches the certificate: nothing to do right after the import.
    imported.assert_plan_empty();
    // The first change records the configuration in place, without re-issuing.
    imported.write_config(&cfg.replace(
        "ttl         = \"1h\"",
        "ttl         = \"1h\"\n  revoke      = true",
    ));
    assert_eq!(
        planned_changes(&imported.plan()),
        vec![("vaultpki_pki_cert.c".to_owned(), vec!["update".to_owned()])]
    );
    imported.apply();
    let state = imported.resource("vaultpki_pki_cert.c");
    assert_eq!(state["serial_number"], Value::from(serial.clone()));
    assert_eq!(state["role"], Value::from("web"));
    assert_eq!(state["certificate"], applied["certificate"]);
    assert!(state["private_key"].is_null());
    imported.assert_plan_empty();

    // A serial that does not exist is refused with the path.
    let fresh = provider_terraform();
    fresh.write_config(&cfg);
    let out = fresh.run(&[
        "import",
        "-input=false",
        "-no-color",
        "vaultpki_pki_cert.c",
        &format!("{pki}/cert/00:11:22"),
    ]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("Certificate not found"), "{text}");
    assert!(text.contains(&format!("{pki}/cert/00:11:22")), "{text}");

    imported.run_ok(&["state", "rm", "vaultpki_pki_cert.c"]);
    tf.destroy();
}

/// `issuer_ref` on `vaultpki_pki_cert` and `vaultpki_pki_sign` signs with the named issuer of
/// the mount, not its default one; left out, the default issuer signs.
#[test]
fn issuer_ref_picks_the_named_issuer() {
    let pki = unique_name("iref");
    pki_with_root(&pki);
    vaultpki_tests::bao::bao_root(&pki, "other");
    let tf = provider_terraform();
    openssl(
        tf.dir(),
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=s.svc.example.test",
            "-keyout",
            "s.key",
            "-out",
            "s.csr",
        ],
    );
    tf.write_config(&provider_config(&format!(
        r#"resource "vaultpki_pki_cert" "named" {{
  mount       = "{pki}"
  role        = "web"
  issuer_ref  = "other"
  common_name = "named.svc.example.test"
  ttl         = "1h"
}}

resource "vaultpki_pki_cert" "default" {{
  mount       = "{pki}"
  role        = "web"
  common_name = "default.svc.example.test"
  ttl         = "1h"
}}

resource "vaultpki_pki_sign" "named" {{
  mount       = "{pki}"
  role        = "web"
  issuer_ref  = "other"
  csr         = file("s.csr")
  common_name = "s.svc.example.test"
  ttl         = "1h"
}}
"#
    )));
    tf.apply();
    let issuer_of = |address: &str| {
        let pem = tf.resource(address)["certificate"]
            .as_str()
            .expect("certificate")
            .to_owned();
        tf.write_file("leaf.pem", &pem);
        openssl(tf.dir(), &["x509", "-in", "leaf.pem", "-noout", "-issuer"])
    };
    let named = issuer_of("vaultpki_pki_cert.named");
    assert!(named.contains("Out Of Band other"), "{named}");
    let signed = issuer_of("vaultpki_pki_sign.named");
    assert!(signed.contains("Out Of Band other"), "{signed}");
    let default = issuer_of("vaultpki_pki_cert.default");
    assert!(default.contains("vaultpki test root"), "{default}");
    // The issuing CA the state holds is the named issuer's certificate.
    let other = vaultpki_tests::bao::bao_data(&format!("{pki}/issuer/other"));
    assert_eq!(
        tf.resource("vaultpki_pki_cert.named")["issuing_ca"]
            .as_str()
            .map(str::trim),
        other["certificate"].as_str().map(str::trim)
    );
    tf.assert_plan_empty();
    tf.destroy();
}
