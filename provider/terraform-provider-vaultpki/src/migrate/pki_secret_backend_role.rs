//! `vault_pki_secret_backend_role` → `vaultpki_pki_role`. The official `backend` is our `mount`;
//! both IDs are `<mount>/roles/<name>`. Role fields carry Vault's JSON names on both sides; the
//! official provider stores `ttl` and `max_ttl` as strings, and so do we (durations compare by
//! meaning), so they are carried as written.

use serde_json::{Map, Value as Json};

use super::{Identity, Mapper, identity_of, required};

/// The mapping.
pub(super) const MAPPER: Mapper = Mapper {
    source: "vault_pki_secret_backend_role",
    target: "vaultpki_pki_role",
    max_version: 0,
    renames: &[("backend", "mount")],
    dropped: &[(
        "policy_identifier",
        "vaultpki_pki_role takes policy OIDs as `policy_identifiers` (a list of OIDs); CPS and notice qualifiers are not managed. The refresh after the move reads the OIDs from the server",
    )],
    identity,
};

fn identity(src: &Map<String, Json>) -> Result<Identity, String> {
    let mount = required(src, "backend")?;
    let name = required(src, "name")?;
    Ok(identity_of(&[
        ("id", format!("{mount}/roles/{name}")),
        ("mount", mount.to_owned()),
        ("name", name.to_owned()),
    ]))
}
