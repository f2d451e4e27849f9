//! `vault_mount` → `vaultpki_mount`. The official ID is the mount path; ours is
//! `sys/mounts/<path>`. The lease TTLs, `local`, `seal_wrap`, `listing_visibility` and the
//! header lists have the same names on both sides.

use serde_json::{Map, Value as Json};

use super::{Identity, Mapper, identity_of, required};

/// The mapping.
pub(super) const MAPPER: Mapper = Mapper {
    source: "vault_mount",
    target: "vaultpki_mount",
    max_version: 1,
    renames: &[],
    dropped: &[
        (
            "options",
            "vaultpki_mount has no mount options (such as the KV `version`); the mount keeps them on the server, but changing them is no longer managed",
        ),
        (
            "external_entropy_access",
            "vaultpki_mount does not manage external entropy access (Vault Enterprise); the server keeps the setting",
        ),
        (
            "allowed_managed_keys",
            "vaultpki_mount does not manage managed keys (Vault Enterprise); the server keeps the setting",
        ),
        (
            "plugin_version",
            "vaultpki_mount does not pin plugin versions; the server keeps the setting",
        ),
    ],
    identity,
};

fn identity(src: &Map<String, Json>) -> Result<Identity, String> {
    let path = required(src, "path")?;
    Ok(identity_of(&[
        ("id", format!("sys/mounts/{path}")),
        ("path", path.to_owned()),
    ]))
}
