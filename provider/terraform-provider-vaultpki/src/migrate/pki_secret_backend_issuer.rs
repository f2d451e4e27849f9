//! `vault_pki_secret_backend_issuer` → `vaultpki_pki_issuer`. The official `backend` is our
//! `mount`; `issuer_ref` and the computed `issuer_id` keep their names, as do the issuer's
//! settings. The official `usage` is a comma-separated string, ours a set. Like an import, the
//! moved resource does not own the issuer: `delete_on_destroy` stays unset (false).

use serde_json::{Map, Value as Json};

use super::{Identity, Mapper, identity_of, required};

/// The mapping.
pub(super) const MAPPER: Mapper = Mapper {
    source: "vault_pki_secret_backend_issuer",
    target: "vaultpki_pki_issuer",
    max_version: 0,
    renames: &[("backend", "mount")],
    dropped: &[],
    identity,
};

fn identity(src: &Map<String, Json>) -> Result<Identity, String> {
    let mount = required(src, "backend")?;
    let issuer_ref = required(src, "issuer_ref")?;
    let mut id = identity_of(&[
        ("mount", mount.to_owned()),
        ("issuer_ref", issuer_ref.to_owned()),
    ]);
    // Our `id` is filled in by the refresh (as after an import); the issuer ID lets it find the
    // issuer even when `issuer_ref` is a name that has since changed.
    if let Ok(issuer_id) = required(src, "issuer_id") {
        id.0.insert("issuer_id".to_owned(), Json::String(issuer_id.to_owned()));
    }
    Ok(id)
}
