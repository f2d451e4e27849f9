//! The official `hashicorp/vault` provider as the migration tests and the migration guide need
//! it: a prior state in the shape that provider stores, and, since it cannot be downloaded here,
//! a directory standing in for its installation.
//!
//! Terraform 1.11 refuses to plan a state naming a provider that is not installed ("Missing
//! required provider"), even though a cross-type move only calls the *target* provider's
//! MoveResourceState. Offline, the stand-in is a `terraform-provider-vault` symlink to the
//! vaultpki binary: Terraform only starts it to check the provider is there and never sends it a
//! `vault_*` request. (A real migration has the official provider installed already.)

use serde_json::{Value, json};

use crate::bin_path;

/// The official provider's address, as a state names it.
pub const OFFICIAL: &str = "registry.terraform.io/hashicorp/vault";

/// A directory standing in for the installed official provider, for `dev_overrides`
/// (`Terraform::with_provider("hashicorp/vault", dir)`).
pub fn stand_in() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("vaultpki-official-")
        .tempdir()
        .expect("a temporary directory");
    std::os::unix::fs::symlink(
        bin_path("terraform-provider-vaultpki"),
        dir.path().join("terraform-provider-vault"),
    )
    .expect("symlink the stand-in provider");
    dir
}

/// One resource instance as the official provider (terraform-plugin-sdk v2) stores it, with
/// its schema version (1 for `vault_auth_backend`, 0 for the others).
pub fn instance(ty: &str, name: &str, schema_version: i64, attributes: Value) -> Value {
    json!({
        "mode": "managed",
        "type": ty,
        "name": name,
        "provider": format!("provider[\"{OFFICIAL}\"]"),
        "instances": [{
            "schema_version": schema_version,
            "attributes": attributes,
            "sensitive_attributes": [],
            // SDKv2's private data: `{"schema_version":"<n>"}`.
            "private": if schema_version == 1 { "eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==" } else { "eyJzY2hlbWFfdmVyc2lvbiI6IjAifQ==" },
        }],
    })
}

/// A state file (format 4) holding `resources`.
pub fn state_file(resources: Vec<Value>) -> String {
    json!({
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "0f6d2c1e-5b7a-4c3e-9a61-3d1f0c2b8e47",
        "outputs": {},
        "resources": resources,
        "check_results": null,
    })
    .to_string()
}
