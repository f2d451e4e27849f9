//! Acceptance tests for the AppRole types (`resources/approle_role.rs`,
//! `resources/approle_secret_id.rs`, `ephemeral/approle_secret_id.rs`) through the real
//! `terraform` against the shared OpenBao node: the role, its role ID and a secret ID in the full
//! sequence; an ephemeral secret ID feeding `secret_id_wo` and destroyed at Close; an ephemeral
//! secret ID logging a provider in, and Close tolerating it used up.

use vaultpki_tests::bao::{
    accessor_lookup, approle_login, approle_with_roles, bao_list, bao_read, str_list, write_stdin,
};
use vaultpki_tests::{env, planned_changes, provider_config, provider_terraform, unique_name};

// ---- vaultpki_approle_role, vaultpki_approle_secret_id, data vaultpki_approle_role_id

fn approle_config(mount: &str, token_ttl: u32, role_id: Option<&str>) -> String {
    let role_id = role_id.map_or(String::new(), |r| format!("  role_id        = \"{r}\"\n"));
    provider_config(&format!(
        r#"resource "vaultpki_approle_role" "r" {{
  mount          = "{mount}"
  role_name      = "app"
  token_policies = ["default", "reader"]
  token_ttl      = {token_ttl}
  secret_id_ttl  = 3600
{role_id}}}

resource "vaultpki_approle_secret_id" "s" {{
  mount     = vaultpki_approle_role.r.mount
  role_name = vaultpki_approle_role.r.role_name
  metadata  = {{ owner = "platform" }}
  ttl       = 600
}}

data "vaultpki_approle_role_id" "d" {{
  mount     = vaultpki_approle_role.r.mount
  role_name = vaultpki_approle_role.r.role_name
}}

output "role_id" {{
  value = data.vaultpki_approle_role_id.d.role_id
}}
"#
    ))
}

/// Every field of an AppRole role as `(attribute, HCL value away from the default, the
/// server's default as it answers it)`.
const APPROLE_FIELDS: &[(&str, &str, &str)] = &[
    ("bind_secret_id", "false", "true"),
    ("secret_id_bound_cidrs", r#"["10.0.0.0/8"]"#, "[]"),
    ("token_bound_cidrs", r#"["10.0.0.0/8"]"#, "[]"),
    ("token_policies", r#"["reader"]"#, "[]"),
    ("token_no_default_policy", "true", "false"),
    ("secret_id_num_uses", "5", "0"),
    ("token_num_uses", "3", "0"),
    ("token_type", r#""service""#, r#""default""#),
    ("secret_id_ttl", r#""10m""#, "0"),
    ("token_ttl", r#""1h""#, "0"),
    ("token_max_ttl", r#""2h""#, "0"),
    ("token_explicit_max_ttl", r#""3h""#, "0"),
    ("token_period", "1800", "0"),
];

fn approle_role_only(mount: &str, lines: &str) -> String {
    provider_config(&format!(
        r#"resource "vaultpki_approle_role" "r" {{
  mount     = "{mount}"
  role_name = "app"
{lines}}}
"#
    ))
}

#[test]
fn approle_role_deleted_lines_go_back_to_the_server_defaults() {
    let mount = unique_name("approle-reset");
    env().bao_ok(&["auth", "enable", &format!("-path={mount}"), "approle"]);
    let role_path = format!("auth/{mount}/role/app");
    let tf = provider_terraform();
    let lines: String = APPROLE_FIELDS
        .iter()
        .map(|(name, value, _)| format!("  {name} = {value}\n"))
        .collect();
    tf.write_config(&approle_role_only(&mount, &lines));
    tf.apply();
    let role = bao_read(&role_path).expect("role exists");
    for (name, _, default) in APPROLE_FIELDS {
        let default: serde_json::Value = serde_json::from_str(default).expect("a JSON default");
        assert_ne!(
            role[*name], default,
            "{name} was not set away from its default"
        );
    }
    assert_eq!(role["token_ttl"], 3600);
    tf.assert_plan_empty();

    // Every line deleted: each field is planned back to its default and reset on the server.
    tf.write_config(&approle_role_only(&mount, ""));
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [(
            "vaultpki_approle_role.r".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.run_ok(&["apply", "-input=false", "-no-color", "tfplan"]);
    let role = bao_read(&role_path).expect("role exists");
    for (name, _, default) in APPROLE_FIELDS {
        let default: serde_json::Value = serde_json::from_str(default).expect("a JSON default");
        let on_server = match &role[*name] {
            // OpenBao answers an empty secret_id_bound_cidrs as null.
            serde_json::Value::Null => serde_json::json!([]),
            v => v.clone(),
        };
        assert_eq!(
            on_server, default,
            "{name} is not back at its default on the server"
        );
    }
    tf.assert_plan_empty();
    tf.destroy();
    env().bao_ok(&["auth", "disable", &mount]);
}

#[test]
fn approle_role_secret_id_and_role_id_lifecycle() {
    let mount = unique_name("approle");
    env().bao_ok(&["auth", "enable", &format!("-path={mount}"), "approle"]);
    let role_path = format!("auth/{mount}/role/app");
    let tf = provider_terraform();
    tf.write_config(&approle_config(&mount, 600, None));
    tf.apply();

    let role = bao_read(&role_path).expect("role exists");
    assert_eq!(str_list(&role["token_policies"]), ["default", "reader"]);
    assert_eq!(role["token_ttl"], 600);
    let state = tf.resource("vaultpki_approle_role.r");
    assert_eq!(state["id"], role_path);
    let role_id = bao_read(&format!("{role_path}/role-id")).expect("role id")["role_id"].clone();
    assert_eq!(state["role_id"], role_id);
    assert_eq!(tf.output("role_id"), role_id);

    // The secret ID logs in, and its accessor finds it.
    let secret = tf.resource("vaultpki_approle_secret_id.s");
    let secret_id = secret["secret_id"].as_str().expect("secret id").to_owned();
    let accessor = secret["accessor"].as_str().expect("accessor").to_owned();
    assert_eq!(
        secret["id"],
        format!("{role_path}/secret-id-accessor/{accessor}")
    );
    env().bao_ok(&[
        "write",
        &format!("auth/{mount}/login"),
        &format!("role_id={}", role_id.as_str().expect("role id")),
        &format!("secret_id={secret_id}"),
    ]);
    let looked_up = accessor_lookup(&mount, &accessor).expect("accessor lookup");
    assert_eq!(looked_up["metadata"]["owner"], "platform");
    assert_eq!(looked_up["secret_id_ttl"], 600);
    tf.assert_plan_empty();

    tf.import_and_compare("vaultpki_approle_role.r", &role_path, &[]);
    tf.import_and_compare(
        "vaultpki_approle_secret_id.s",
        &format!("{role_path}/secret-id-accessor/{accessor}"),
        &["secret_id"],
    );

    // Update in place, including a role ID chosen by configuration.
    let custom = unique_name("role-id");
    tf.write_config(&approle_config(&mount, 1200, Some(&custom)));
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_approle_role.r".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.apply();
    assert_eq!(bao_read(&role_path).expect("role")["token_ttl"], 1200);
    assert_eq!(
        bao_read(&format!("{role_path}/role-id")).expect("role id")["role_id"],
        custom.as_str()
    );
    assert_eq!(tf.output("role_id"), custom.as_str());
    assert_eq!(
        tf.resource("vaultpki_approle_secret_id.s")["accessor"],
        accessor.as_str(),
        "a role update must not replace the secret ID"
    );
    tf.assert_plan_empty();

    // Changed out of band: an update.
    env().bao_ok(&["write", &role_path, "token_ttl=5"]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_approle_role.r".to_owned(),
            vec!["update".to_owned()]
        )]
    );
    tf.apply();

    // A secret ID destroyed out of band leaves the state and is created again.
    env().bao_ok(&[
        "write",
        &format!("{role_path}/secret-id-accessor/destroy"),
        &format!("secret_id_accessor={accessor}"),
    ]);
    assert_eq!(
        planned_changes(&tf.plan()),
        [(
            "vaultpki_approle_secret_id.s".to_owned(),
            vec!["create".to_owned()]
        )]
    );
    tf.apply();
    let accessor2 = tf.resource("vaultpki_approle_secret_id.s")["accessor"]
        .as_str()
        .expect("accessor")
        .to_owned();
    assert_ne!(accessor, accessor2);
    assert!(accessor_lookup(&mount, &accessor2).is_some());

    // The role deleted out of band: both are created again.
    env().bao_ok(&["delete", &role_path]);
    let mut planned = planned_changes(&tf.plan());
    planned.sort();
    assert_eq!(
        planned,
        [
            (
                "vaultpki_approle_role.r".to_owned(),
                vec!["create".to_owned()]
            ),
            (
                "vaultpki_approle_secret_id.s".to_owned(),
                vec!["create".to_owned()]
            ),
        ]
    );
    tf.apply();
    assert!(bao_read(&role_path).is_some());
    tf.assert_plan_empty();

    let accessor3 = tf.resource("vaultpki_approle_secret_id.s")["accessor"]
        .as_str()
        .expect("accessor")
        .to_owned();
    tf.destroy();
    assert!(bao_read(&role_path).is_none(), "role left after destroy");
    assert!(accessor_lookup(&mount, &accessor3).is_none());
    env().bao_ok(&["auth", "disable", &mount]);
}

fn secret_id_config(approle: &str, version: u32) -> String {
    provider_config(&format!(
        r#"ephemeral "vaultpki_approle_secret_id" "e" {{
  mount     = "{approle}"
  role_name = "source"
  ttl       = 600
}}

resource "vaultpki_approle_secret_id" "s" {{
  mount                = "{approle}"
  role_name            = "target"
  secret_id_wo         = ephemeral.vaultpki_approle_secret_id.e.secret_id
  secret_id_wo_version = {version}
}}

resource "terraform_data" "capture" {{
  triggers_replace = {version}
  provisioner "local-exec" {{
    command = "printf '%s' \"$SECRET\" > secret.txt && printf '%s' \"$ACCESSOR\" > accessor.txt"
    environment = {{
      SECRET   = ephemeral.vaultpki_approle_secret_id.e.secret_id
      ACCESSOR = ephemeral.vaultpki_approle_secret_id.e.accessor
    }}
  }}
}}
"#
    ))
}

#[test]
fn ephemeral_secret_id_is_destroyed_on_close_and_feeds_secret_id_wo() {
    let approle = unique_name("eph-sid");
    approle_with_roles(&approle, &["source", "target"]);
    let tf = provider_terraform();
    tf.write_config(&secret_id_config(&approle, 1));
    tf.init();
    tf.apply();

    let secret = tf.read_file("secret.txt");
    let accessor = tf.read_file("accessor.txt");
    assert!(!accessor.is_empty());
    // Gone after the run: the lookup by accessor finds nothing, no secret ID is left on the
    // source role (the plan phase's one was destroyed as well), and it no longer logs in.
    let lookup = env()
        .bao(&[
            "write",
            "-format=json",
            &format!("auth/{approle}/role/source/secret-id-accessor/lookup"),
            &format!("secret_id_accessor={accessor}"),
        ])
        .output()
        .expect("bao runs");
    let body = String::from_utf8_lossy(&lookup.stdout);
    assert!(
        !lookup.status.success() || !body.contains(&accessor),
        "the ephemeral secret ID still exists after the run: {body}"
    );
    assert_eq!(
        bao_list(&format!("auth/{approle}/role/source/secret-id")),
        Vec::<String>::new()
    );
    assert!(!approle_login(&approle, "source", &secret));
    // The same value, written through secret_id_wo, logs in to the target role.
    assert!(
        approle_login(&approle, "target", &secret),
        "secret_id_wo did not log in"
    );
    let s = tf.resource("vaultpki_approle_secret_id.s");
    assert!(s["secret_id"].is_null());
    let first_accessor = s["accessor"].as_str().expect("accessor").to_owned();
    tf.assert_state_free_of(&[("secret ID", &secret)]);
    tf.assert_plan_empty();

    // Bumping the version replaces the secret ID with the current value.
    tf.write_config(&secret_id_config(&approle, 2));
    let changes = planned_changes(&tf.plan());
    assert!(
        changes.contains(&(
            "vaultpki_approle_secret_id.s".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )),
        "{changes:?}"
    );
    tf.apply();
    let second = tf.read_file("secret.txt");
    assert_ne!(second, secret);
    assert!(approle_login(&approle, "target", &second));
    assert!(
        !approle_login(&approle, "target", &secret),
        "the replaced secret ID still logs in"
    );
    let s = tf.resource("vaultpki_approle_secret_id.s");
    assert_ne!(s["accessor"].as_str(), Some(first_accessor.as_str()));
    tf.assert_state_free_of(&[("secret ID", &second)]);
    tf.destroy();
    assert!(!approle_login(&approle, "target", &second));
}

#[test]
fn ephemeral_secret_id_logs_in_a_provider_and_close_tolerates_it_used_up() {
    let approle = unique_name("eph-login");
    let policy = unique_name("eph-login-pol");
    let managed = unique_name("eph-login-made");
    // The role's tokens may manage exactly one policy.
    let mut write = env().bao(&["policy", "write", &policy, "-"]);
    let rules = format!(
        "path \"sys/policies/acl/{managed}\" {{ capabilities = [\"create\", \"read\", \"update\", \"delete\"] }}\n"
    );
    write_stdin(&mut write, &rules);
    approle_with_roles(&approle, &[]);
    env().bao_ok(&[
        "write",
        &format!("auth/{approle}/role/app"),
        &format!("token_policies={policy}"),
        "token_ttl=5m",
    ]);
    let tf = provider_terraform();
    tf.write_config(&provider_config(&format!(
        r#"data "vaultpki_approle_role_id" "app" {{
  mount     = "{approle}"
  role_name = "app"
}}

ephemeral "vaultpki_approle_secret_id" "login" {{
  mount     = "{approle}"
  role_name = "app"
  num_uses  = 1
  ttl       = 600
}}

provider "vaultpki" {{
  alias = "app"
  auth_login_approle {{
    mount     = "{approle}"
    role_id   = data.vaultpki_approle_role_id.app.role_id
    secret_id = ephemeral.vaultpki_approle_secret_id.login.secret_id
  }}
}}

resource "vaultpki_policy" "made" {{
  provider = vaultpki.app
  name     = "{managed}"
  policy   = "path \"secret/*\" {{ capabilities = [\"read\"] }}"
}}
"#
    )));
    tf.init();
    // The single-use secret ID is consumed by the provider's login; Close finds it gone and
    // does not fail the run.
    tf.apply();
    assert!(
        bao_read(&format!("sys/policies/acl/{managed}")).is_some(),
        "the policy made through the AppRole login is missing"
    );
    assert_eq!(
        bao_list(&format!("auth/{approle}/role/app/secret-id")),
        Vec::<String>::new()
    );
    tf.assert_plan_empty();
    tf.destroy();
    assert!(bao_read(&format!("sys/policies/acl/{managed}")).is_none());
    assert_eq!(
        bao_list(&format!("auth/{approle}/role/app/secret-id")),
        Vec::<String>::new()
    );
}
