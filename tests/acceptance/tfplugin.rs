//! Acceptance tests for the tfplugin crate: its test provider (the cargo example
//! `terraform-provider-tfplugintest`) driven by the real `terraform` through a whole lifecycle —
//! init, plan, apply, an empty second plan, update, import, an ephemeral value reaching a
//! write-only attribute, a provider function in an output, destroy, the schema as Terraform sees
//! it — with `TF_LOG=trace` checked for plugin-layer errors; and the go-plugin start-up contract
//! (magic cookie, protocol negotiation, handshake line) checked on the bare binary. And log
//! forwarding: `TF_LOG=debug terraform apply` with the vaultpki provider against OpenBao shows
//! the provider's API calls in Terraform's log, at debug, with the RPC and resource type, and
//! none of the secrets the run handled.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;
use vaultpki_tests::{
    Terraform, bin_path, env, planned_changes, provider_config, provider_terraform, unique_name,
};

const SOURCE: &str = "vaultpki/tfplugintest";
const BINARY: &str = "terraform-provider-tfplugintest";

fn provider_dir() -> PathBuf {
    bin_path(BINARY)
        .parent()
        .expect("the provider binary has a parent directory")
        .to_path_buf()
}

fn config(name: &str, value: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    tfplugintest = {{ source = "{SOURCE}" }}
  }}
}}

provider "tfplugintest" {{}}

ephemeral "tfplugintest_secret" "pw" {{
  seed = "{name}"
}}

resource "tfplugintest_thing" "a" {{
  name             = "{name}"
  value            = "{value}"
  tags             = {{ env = "test" }}
  password_wo      = ephemeral.tfplugintest_secret.pw.value
  password_version = 1

  rule {{
    port = 443
  }}
  rule {{
    port = 8443
    note = "alt"
  }}
}}

data "tfplugintest_thing" "a" {{
  name       = tfplugintest_thing.a.name
  depends_on = [tfplugintest_thing.a]
}}

output "shout" {{
  value = provider::tfplugintest::upper("{value}")
}}

output "revision" {{
  value = data.tfplugintest_thing.a.revision
}}
"#
    )
}

fn stored(store: &std::path::Path, name: &str) -> Option<Value> {
    let bytes = std::fs::read(store.join(format!("{name}.json"))).ok()?;
    Some(serde_json::from_slice(&bytes).expect("the store holds JSON"))
}

fn thing_change(plan: &Value) -> Value {
    plan["resource_changes"]
        .as_array()
        .and_then(|changes| {
            changes
                .iter()
                .find(|c| c["address"] == "tfplugintest_thing.a")
                .cloned()
        })
        .unwrap_or_else(|| panic!("no change for tfplugintest_thing.a in {plan:#}"))
}

#[test]
fn test_provider_lifecycle_with_real_terraform() {
    let store = tempfile::tempdir().expect("a store directory");
    let name = unique_name("thing");
    let workdir = || {
        Terraform::new()
            .with_provider(SOURCE, &provider_dir())
            .with_env(
                "TFPLUGINTEST_STORE_DIR",
                store.path().to_str().expect("a UTF-8 temp path"),
            )
            .with_trace_log()
    };
    let tf = workdir();
    tf.write_config(&config(&name, "v1"));
    // No `terraform init`: with only dev_overrides providers there is nothing to install, and
    // Terraform 1.11's init still asks the registry about overridden providers (offline here).

    // plan: one create, computed values unknown, the write-only value nowhere in the plan.
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [("tfplugintest_thing.a".to_owned(), vec!["create".to_owned()])]
    );
    let plan_text = plan.to_string();
    assert!(!plan_text.contains(&format!("{name}-secret")));

    // apply: the ephemeral value reached the write-only attribute (the store saw it) but the
    // state holds null for it; the function output and the data source work.
    tf.apply();
    let thing = stored(store.path(), &name).expect("apply created the object");
    assert_eq!(thing["password"], format!("{name}-secret"));
    assert_eq!(thing["rules"][1]["note"], "alt");
    let state = tf.resource("tfplugintest_thing.a");
    assert_eq!(state["id"], name.as_str());
    assert_eq!(state["password_wo"], Value::Null);
    assert_eq!(state["revision"], 1);
    assert!(!tf.state().to_string().contains(&format!("{name}-secret")));
    assert_eq!(tf.output("shout"), "V1");
    assert_eq!(tf.output("revision"), 1);

    // second plan is empty, with and without refresh.
    tf.assert_plan_empty();

    // update in place: revision (computed) is unknown in the plan and 2 afterwards.
    tf.write_config(&config(&name, "v2"));
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [("tfplugintest_thing.a".to_owned(), vec!["update".to_owned()])]
    );
    let change = &thing_change(&plan)["change"];
    assert_eq!(change["after_unknown"]["revision"], true, "{change:#}");
    assert_eq!(
        change["after"]["id"],
        name.as_str(),
        "id keeps its prior value"
    );
    tf.apply();
    assert_eq!(tf.resource("tfplugintest_thing.a")["revision"], 2);
    assert_eq!(tf.output("shout"), "V2");
    tf.assert_plan_empty();

    // a new name (requires replace) plans a replacement, blamed on `name`.
    tf.write_config(&config(&format!("{name}-renamed"), "v2"));
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [(
            "tfplugintest_thing.a".to_owned(),
            vec!["delete".to_owned(), "create".to_owned()]
        )]
    );
    assert_eq!(
        thing_change(&plan)["change"]["replace_paths"],
        serde_json::json!([["name"]])
    );
    tf.write_config(&config(&name, "v2"));

    // import into a fresh directory gives the same state (the harness's import_and_compare
    // runs `init`, which dev_overrides-only configurations cannot; see above).
    let other = workdir();
    other.write_config(&config(&name, "v2"));
    other.run_ok(&[
        "import",
        "-input=false",
        "-no-color",
        "tfplugintest_thing.a",
        &name,
    ]);
    assert_eq!(
        other.resource("tfplugintest_thing.a"),
        tf.resource("tfplugintest_thing.a")
    );
    other.assert_plan_empty();

    // drift: the object vanishes outside Terraform; the plan wants to create it again.
    let path = store.path().join(format!("{name}.json"));
    let saved = std::fs::read(&path).expect("the stored object");
    std::fs::remove_file(&path).expect("remove the object");
    let plan = tf.plan();
    assert_eq!(
        planned_changes(&plan),
        [("tfplugintest_thing.a".to_owned(), vec!["create".to_owned()])]
    );
    std::fs::write(&path, saved).expect("restore the object");

    // the schema as Terraform sees it.
    let schema: Value =
        serde_json::from_slice(&tf.run_ok(&["providers", "schema", "-json"]).stdout)
            .expect("providers schema -json prints JSON");
    let provider = schema
        .pointer("/provider_schemas/registry.terraform.io~1vaultpki~1tfplugintest")
        .expect("the test provider is listed");
    let attrs = &provider["resource_schemas"]["tfplugintest_thing"]["block"]["attributes"];
    assert_eq!(attrs["password_wo"]["write_only"], true);
    assert_eq!(attrs["name"]["required"], true);
    assert_eq!(
        attrs["name"]["description"],
        "Name; changing it replaces the thing."
    );
    assert_eq!(
        provider["resource_schemas"]["tfplugintest_thing"]["block"]["block_types"]["rule"]["nesting_mode"],
        "list"
    );
    assert!(provider["data_source_schemas"]["tfplugintest_thing"].is_object());
    assert!(provider["ephemeral_resource_schemas"]["tfplugintest_secret"].is_object());
    assert_eq!(
        provider["functions"]["upper"]["return_type"], "string",
        "{provider:#}"
    );

    // destroy removes the object.
    tf.destroy();
    assert!(stored(store.path(), &name).is_none());

    // TF_LOG=trace: no error from the plugin layer (go-plugin, gRPC, the provider process).
    let log = tf.trace_log();
    assert!(log.contains("tfplugintest"), "the trace log was written");
    let bad: Vec<&str> = log
        .lines()
        .filter(|l| {
            let l_lower = l.to_lowercase();
            (l.contains("[ERROR]") && (l_lower.contains("plugin") || l_lower.contains("provider")))
                || l.contains("failed to exit gracefully")
                || l.contains("Unimplemented")
                || l_lower.contains("plugin process exited") && l_lower.contains("error")
                || l.contains("transport is closing")
        })
        .collect();
    assert!(
        bad.is_empty(),
        "plugin-layer errors in the trace log:\n{}",
        bad.join("\n")
    );
}

#[test]
fn binary_without_magic_cookie_explains_itself() {
    let out = Command::new(bin_path(BINARY))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdin(Stdio::null())
        .output()
        .expect("run the provider binary");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "terraform-provider-tfplugintest: this program is a Terraform/OpenTofu provider plugin"
        ),
        "{stderr}"
    );
}

fn with_cookie() -> Command {
    let mut cmd = Command::new(bin_path(BINARY));
    cmd.env(
        "TF_PLUGIN_MAGIC_COOKIE",
        "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
    )
    .env_remove("PLUGIN_CLIENT_CERT")
    .stdin(Stdio::null())
    .stderr(Stdio::piped());
    cmd
}

#[test]
fn binary_refuses_hosts_without_protocol_6() {
    let out = with_cookie()
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .expect("run the provider binary");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("speaks only version 6"));
}

#[test]
fn binary_prints_handshake_within_port_range_and_survives_stdin_eof() {
    let mut child = with_cookie()
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_MIN_PORT", "41000")
        .env("PLUGIN_MAX_PORT", "41999")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the provider binary");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the handshake line");
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "{line:?}");
    assert_eq!(&fields[..3], ["1", "6", "tcp"]);
    let port: u16 = fields[3]
        .strip_prefix("127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("address {:?} is 127.0.0.1:<port>", fields[3]));
    assert!((41000..=41999).contains(&port));
    assert_eq!(fields[4], "grpc");
    assert_eq!(fields[5], "", "no TLS without PLUGIN_CLIENT_CERT");
    // stdin is closed (null) from the start: the plugin must still be serving.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(child.try_wait().expect("query the child").is_none());
    std::net::TcpStream::connect(("127.0.0.1", port)).expect("the plugin accepts connections");
    child.kill().expect("stop the provider");
    child.wait().expect("reap the provider");
}

/// The lines Terraform wrote for the vaultpki provider's API calls.
fn api_call_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("provider.terraform-provider-vaultpki: API call:"))
        .collect()
}

#[test]
fn debug_log_shows_provider_api_calls_and_no_secret() {
    let approle = unique_name("approle-log");
    let policy = unique_name("log");
    env().bao_ok(&["auth", "enable", &format!("-path={approle}"), "approle"]);
    let log_path = tempfile::NamedTempFile::new().expect("a log file");
    let tf = provider_terraform()
        .with_env("TF_LOG", "debug")
        .with_env("TF_LOG_PATH", log_path.path().to_str().expect("UTF-8 path"));
    tf.write_config(&provider_config(&format!(
        r#"resource "vaultpki_policy" "p" {{
  name   = "{policy}"
  policy = "path \"secret/*\" {{ capabilities = [\"read\"] }}"
}}

resource "vaultpki_approle_role" "r" {{
  mount          = "{approle}"
  role_name      = "app"
  token_policies = [vaultpki_policy.p.name]
}}

resource "vaultpki_approle_secret_id" "s" {{
  mount     = vaultpki_approle_role.r.mount
  role_name = vaultpki_approle_role.r.role_name
}}
"#
    )));
    tf.apply();
    let secret_id = tf.resource("vaultpki_approle_secret_id.s")["secret_id"]
        .as_str()
        .expect("a secret ID in state")
        .to_owned();
    let log = std::fs::read_to_string(log_path.path()).expect("TF_LOG_PATH was written");

    // Each API call is one debug line from the provider, with method, path, status, duration
    // and retries, inside the RPC (and resource type) that made it.
    let calls = api_call_lines(&log);
    let call_to = |method: &str, path: &str| {
        calls
            .iter()
            .find(|l| {
                l.contains(&format!("method={method} ")) && l.contains(&format!("path={path} "))
            })
            .unwrap_or_else(|| {
                panic!(
                    "no API call line for {method} {path} in the log; the provider wrote:\n{}",
                    calls.join("\n")
                )
            })
    };
    let role = call_to("POST", &format!("auth/{approle}/role/app"));
    for part in [
        "[DEBUG]",
        "tf_rpc=ApplyResourceChange",
        "tf_resource_type=vaultpki_approle_role",
        "retries=0",
        "duration=",
        "@module=provider.vaultpki_client",
    ] {
        assert!(role.contains(part), "{part} missing in: {role}");
    }
    assert!(
        role.contains("status=200") || role.contains("status=204"),
        "{role}"
    );
    let policy_line = call_to("POST", &format!("sys/policies/acl/{policy}"));
    assert!(
        policy_line.contains("tf_resource_type=vaultpki_policy"),
        "{policy_line}"
    );
    assert!(call_to("POST", &format!("auth/{approle}/role/app/secret-id")).contains("[DEBUG]"));
    // Debug selects debug and up: trace lines of the provider are not there.
    assert!(
        !log.lines()
            .any(|l| l.contains("[TRACE]") && l.contains("provider.terraform-provider-vaultpki")),
        "TF_LOG=debug shows provider trace lines"
    );

    assert!(!log.contains(&env().token), "the token is in the debug log");
    assert!(
        !log.contains(&secret_id),
        "the secret ID is in the debug log"
    );

    tf.destroy();
    env().bao_ok(&["auth", "disable", &approle]);
}
