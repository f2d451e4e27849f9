//! `vault_approle_auth_backend_role` → `vaultpki_approle_role`. The official `backend` is our
//! `mount`; both IDs are `auth/<mount>/role/<role_name>`. `role_id`, `bind_secret_id`,
//! `local_secret_ids` and the `secret_id_*` / `token_*` fields have the same names.

use serde_json::{Map, Value as Json};

use super::{Identity, Mapper, identity_of, required};

/// The mapping.
pub(super) const MAPPER: Mapper = Mapper {
    source: "vault_approle_auth_backend_role",
    target: "vaultpki_approle_role",
    max_version: 0,
    renames: &[("backend", "mount")],
    dropped: &[
        (
            "policies",
            "it is the deprecated spelling of `token_policies`, which the refresh after the move reads from the server",
        ),
        (
            "period",
            "it is the deprecated spelling of `token_period`, which the refresh after the move reads from the server",
        ),
        (
            "bound_cidr_list",
            "it is the deprecated spelling of `secret_id_bound_cidrs`, which the refresh after the move reads from the server",
        ),
    ],
    identity,
};

fn identity(src: &Map<String, Json>) -> Result<Identity, String> {
    let mount = src
        .get("backend")
        .and_then(Json::as_str)
        .map(|s| s.trim_matches('/'))
        .filter(|s| !s.is_empty())
        .unwrap_or("approle");
    let role = required(src, "role_name")?;
    Ok(identity_of(&[
        ("id", format!("auth/{mount}/role/{role}")),
        ("mount", mount.to_owned()),
        ("role_name", role.to_owned()),
    ]))
}
