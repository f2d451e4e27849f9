//! Unit tests of the state mapping: one official-provider state per source type, in the shape
//! that provider stores, mapped onto our schemas from the resource registry.

use serde_json::json;

use super::*;

fn schema_of(target: &str) -> Schema {
    crate::resources::all()
        .into_iter()
        .find(|r| r.type_name() == target)
        .map(|r| r.schema())
        .unwrap_or_else(|| panic!("{target} is not in the registry"))
}

fn mapped(source: &str, target: &str, version: i64, state: &Json) -> (Json, Vec<Diagnostic>) {
    let mapper = MAPPERS
        .iter()
        .find(|m| m.source == source && m.target == target)
        .unwrap();
    let (value, warnings) = mapper.run(&schema_of(target), version, state).unwrap();
    (value.to_json(), warnings)
}

#[test]
fn every_mapper_targets_a_registered_type_once() {
    for m in MAPPERS {
        schema_of(m.target);
        assert_eq!(
            MAPPERS.iter().filter(|o| o.source == m.source).count(),
            1,
            "{}",
            m.source
        );
    }
}

#[test]
fn unknown_pairs_are_refused() {
    let schema = schema_of("vaultpki_mount");
    assert!(move_state("vaultpki_mount", &schema, "vault_policy", 0, &json!({})).is_none());
    assert!(move_state("vaultpki_mount", &schema, "aws_s3_bucket", 0, &json!({})).is_none());
}

#[test]
fn mount_keeps_its_settings_and_warns_about_options() {
    let (v, w) = mapped(
        "vault_mount",
        "vaultpki_mount",
        0,
        &json!({
            "id": "pki-old", "path": "pki-old", "type": "pki", "description": "CA",
            "default_lease_ttl_seconds": 3600, "max_lease_ttl_seconds": 86400,
            "local": false, "seal_wrap": false, "external_entropy_access": false,
            "options": {"version": "2"}, "accessor": "pki_123", "namespace": null,
            "audit_non_hmac_request_keys": [], "allowed_managed_keys": []
        }),
    );
    assert_eq!(v["id"], "sys/mounts/pki-old");
    assert_eq!(v["path"], "pki-old");
    assert_eq!(v["type"], "pki");
    assert_eq!(v["max_lease_ttl_seconds"], 86400);
    assert_eq!(v["accessor"], "pki_123");
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].severity, tfplugin::Severity::Warning);
    assert!(
        w[0].detail
            .starts_with("`options` of the moved vault_mount"),
        "{}",
        w[0].detail
    );
}

#[test]
fn auth_backend_path_defaults_to_type_and_loses_trailing_slash() {
    let (v, w) = mapped(
        "vault_auth_backend",
        "vaultpki_auth_backend",
        1,
        &json!({"id": "approle", "type": "approle", "path": "approle/", "tune": []}),
    );
    assert_eq!(v["id"], "sys/auth/approle");
    assert_eq!(v["path"], "approle");
    assert!(w.is_empty(), "{w:?}");
    let (v, _) = mapped(
        "vault_auth_backend",
        "vaultpki_auth_backend",
        1,
        &json!({"type": "approle", "path": ""}),
    );
    assert_eq!(v["path"], "approle");
}

#[test]
fn policy_id_becomes_the_api_path() {
    let (v, w) = mapped(
        "vault_policy",
        "vaultpki_policy",
        0,
        &json!({"id": "ops", "name": "ops", "policy": "path \"x\" {}\n"}),
    );
    assert_eq!(v["id"], "sys/policies/acl/ops");
    assert_eq!(v["policy"], "path \"x\" {}\n");
    assert!(w.is_empty());
}

#[test]
fn pki_role_renames_backend_and_carries_ttl_strings_as_written() {
    let (v, w) = mapped(
        "vault_pki_secret_backend_role",
        "vaultpki_pki_role",
        0,
        &json!({
            "id": "pki/roles/web", "backend": "pki", "name": "web",
            "ttl": "3600", "max_ttl": "2h", "allowed_domains": ["example.com"],
            "allow_subdomains": true, "key_type": "ec", "key_bits": 256,
            "policy_identifier": [{"oid": "1.2.3", "cps": "", "notice": ""}]
        }),
    );
    assert_eq!(v["id"], "pki/roles/web");
    assert_eq!(v["mount"], "pki");
    assert_eq!(v["ttl"], "3600");
    assert_eq!(v["max_ttl"], "2h");
    assert_eq!(v["allowed_domains"], json!(["example.com"]));
    assert_eq!(v["key_bits"], 256);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].detail.contains("`policy_identifier`"));
}

#[test]
fn config_urls_and_issuer_map_backend_to_mount() {
    let (v, _) = mapped(
        "vault_pki_secret_backend_config_urls",
        "vaultpki_pki_config_urls",
        0,
        &json!({"id": "pki/config/urls", "backend": "pki", "issuing_certificates": ["http://a/ca"]}),
    );
    assert_eq!(v["id"], "pki/config/urls");
    assert_eq!(v["issuing_certificates"], json!(["http://a/ca"]));
    let (v, w) = mapped(
        "vault_pki_secret_backend_issuer",
        "vaultpki_pki_issuer",
        0,
        &json!({
            "id": "pki/issuer/0f0e", "backend": "pki", "issuer_ref": "root",
            "issuer_id": "0f0e", "issuer_name": "root",
            "usage": "read-only,issuing-certificates", "leaf_not_after_behavior": "err"
        }),
    );
    assert_eq!(v["mount"], "pki");
    assert_eq!(v["issuer_ref"], "root");
    assert_eq!(v["issuer_id"], "0f0e");
    assert_eq!(v["delete_on_destroy"], Json::Null);
    let mut usage: Vec<&str> = v["usage"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Json::as_str)
        .collect();
    usage.sort_unstable();
    assert_eq!(usage, ["issuing-certificates", "read-only"]);
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn approle_role_keeps_role_id_and_warns_about_deprecated_fields() {
    let (v, w) = mapped(
        "vault_approle_auth_backend_role",
        "vaultpki_approle_role",
        0,
        &json!({
            "id": "auth/approle/role/ci", "backend": "approle", "role_name": "ci",
            "role_id": "6a1c", "token_policies": ["ci"], "token_ttl": 600,
            "bind_secret_id": true, "policies": ["ci"]
        }),
    );
    assert_eq!(v["id"], "auth/approle/role/ci");
    assert_eq!(v["mount"], "approle");
    assert_eq!(v["role_id"], "6a1c");
    assert_eq!(v["token_ttl"], "600");
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].detail.contains("`policies`"));
}

#[test]
fn namespaced_and_newer_states_are_refused() {
    let schema = schema_of("vaultpki_policy");
    let err = move_state(
        "vaultpki_policy",
        &schema,
        "vault_policy",
        0,
        &json!({"name": "a", "namespace": "team"}),
    )
    .unwrap()
    .unwrap_err();
    assert!(format!("{err:?}").contains("namespace"));
    let err = move_state(
        "vaultpki_policy",
        &schema,
        "vault_policy",
        7,
        &json!({"name": "a"}),
    )
    .unwrap()
    .unwrap_err();
    assert!(format!("{err:?}").contains("schema version 7"));
    let err = move_state("vaultpki_policy", &schema, "vault_policy", 0, &json!({}))
        .unwrap()
        .unwrap_err();
    assert!(format!("{err:?}").contains("`name` is missing"));
}

#[test]
fn seconds_parse_go_style_durations() {
    assert_eq!(parse_seconds("3600"), Some(3600));
    assert_eq!(parse_seconds("90m"), Some(5400));
    assert_eq!(parse_seconds("2h30m"), Some(9000));
    assert_eq!(parse_seconds("1h30"), None);
    assert_eq!(parse_seconds("soon"), None);
}
