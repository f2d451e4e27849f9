//! `vault_auth_backend` → `vaultpki_auth_backend`. The official ID is the mount path; ours is
//! `sys/auth/<path>`. The official `tune` block holds the same lease TTLs, listing visibility
//! and header lists that our resource keeps as top-level attributes; the refresh after the move
//! reads those from the server.

use serde_json::{Map, Value as Json};

use super::{Identity, Mapper, identity_of, required};

/// The mapping.
pub(super) const MAPPER: Mapper = Mapper {
    source: "vault_auth_backend",
    target: "vaultpki_auth_backend",
    max_version: 1,
    renames: &[],
    dropped: &[
        (
            "tune",
            "vaultpki_auth_backend keeps the tuned lease TTLs, listing_visibility and header lists as top-level attributes (read back from the server after the move); the tune block's `token_type` has no counterpart and stays as it is on the server",
        ),
        (
            "disable_remount",
            "vaultpki_auth_backend always moves the auth method with sys/remount when `path` changes",
        ),
        (
            "identity_token_key",
            "vaultpki_auth_backend does not manage identity token keys; the server keeps the setting",
        ),
    ],
    identity,
};

fn identity(src: &Map<String, Json>) -> Result<Identity, String> {
    // Old versions of the official provider default `path` to the type and may store it with a
    // trailing slash; `required` trims it.
    let path = match required(src, "path") {
        Ok(p) => p,
        Err(_) => required(src, "type")?,
    };
    Ok(identity_of(&[
        ("id", format!("sys/auth/{path}")),
        ("path", path.to_owned()),
    ]))
}
