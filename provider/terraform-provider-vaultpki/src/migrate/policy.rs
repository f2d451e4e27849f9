//! `vault_policy` → `vaultpki_policy`. Same attributes (`name`, `policy`); the official ID is
//! the name, ours `sys/policies/acl/<name>`.

use serde_json::{Map, Value as Json};

use super::{Identity, Mapper, identity_of, required};

/// The mapping.
pub(super) const MAPPER: Mapper = Mapper {
    source: "vault_policy",
    target: "vaultpki_policy",
    max_version: 0,
    renames: &[],
    dropped: &[],
    identity,
};

fn identity(src: &Map<String, Json>) -> Result<Identity, String> {
    let name = required(src, "name")?;
    Ok(identity_of(&[
        ("id", format!("sys/policies/acl/{name}")),
        ("name", name.to_owned()),
    ]))
}
