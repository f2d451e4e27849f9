//! `vault_pki_secret_backend_config_urls` → `vaultpki_pki_config_urls`. The official `backend` is
//! our `mount`; our ID is `<mount>/config/urls`. The URL lists have the same names.

use serde_json::{Map, Value as Json};

use super::{Identity, Mapper, identity_of, required};

/// The mapping.
pub(super) const MAPPER: Mapper = Mapper {
    source: "vault_pki_secret_backend_config_urls",
    target: "vaultpki_pki_config_urls",
    max_version: 0,
    renames: &[("backend", "mount")],
    dropped: &[],
    identity,
};

fn identity(src: &Map<String, Json>) -> Result<Identity, String> {
    let mount = required(src, "backend")?;
    Ok(identity_of(&[
        ("id", format!("{mount}/config/urls")),
        ("mount", mount.to_owned()),
    ]))
}
