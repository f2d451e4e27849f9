//! `vaultpki_pki_config_auto_tidy`: the automatic tidy of a PKI mount at `<mount>/config/auto-tidy`
//! (whether and how often the server removes expired certificates, revoked entries and expired
//! issuers on its own). Like `<mount>/config/urls` the object always exists, so the ID is the API path (import takes it, nested mounts work) and
//! destroying the resource writes the server's defaults back instead of deleting anything.

use serde_json::{Value as Json, json};

use super::config_singleton::{ConfigSingleton, OnDestroy};
use crate::fields::{Field, Kind, field};

/// The resource type (registered as `Singleton(PkiConfigAutoTidy)`).
pub(crate) struct PkiConfigAutoTidy;

impl ConfigSingleton for PkiConfigAutoTidy {
    const TYPE_NAME: &'static str = "vaultpki_pki_config_auto_tidy";
    const SUFFIX: &'static str = "config/auto-tidy";
    const WHAT: &'static str = "the auto-tidy settings";
    const DESCRIPTION: &'static str = "The automatic tidy of a PKI mount (`<mount>/config/auto-tidy`): whether and how often the server removes expired and revoked certificates, expired issuers and stale ACME data on its own. Settings left out keep the server's values without a diff. The settings always exist, so destroying the resource deletes nothing: it writes the server's defaults back (auto-tidy off, every `tidy_*` switch `false`, `interval_duration` 12 hours, the safety buffers 72 hours, 365 days and 30 days, `pause_duration` `0s`).";
    const FIELDS: &'static [Field] = FIELDS;
    const ON_DESTROY: OnDestroy = OnDestroy::ServerDefaults(server_defaults);
}

const FIELDS: &[Field] = &[
    field(
        "enabled",
        Kind::Bool,
        "Whether the server tidies on its own (server default `false`).",
    ),
    field(
        "interval_duration",
        Kind::Duration,
        "Time between automatic tidy runs (server default `43200`, 12 hours).",
    ),
    field(
        "tidy_cert_store",
        Kind::Bool,
        "Whether expired certificates are removed from storage (server default `false`).",
    ),
    field(
        "tidy_revoked_certs",
        Kind::Bool,
        "Whether revoked certificates past their expiry are removed (server default `false`).",
    ),
    field(
        "tidy_revoked_cert_issuer_associations",
        Kind::Bool,
        "Whether revoked certificates are associated with their issuer again (server default `false`).",
    ),
    field(
        "tidy_expired_issuers",
        Kind::Bool,
        "Whether issuers expired longer than `issuer_safety_buffer` are removed (server default `false`).",
    ),
    field(
        "tidy_move_legacy_ca_bundle",
        Kind::Bool,
        "Whether the pre-1.11 CA bundle is moved out of the way (server default `false`).",
    ),
    field(
        "tidy_acme",
        Kind::Bool,
        "Whether stale ACME accounts, orders and challenges are removed (server default `false`).",
    ),
    field(
        "safety_buffer",
        Kind::Duration,
        "Time past expiry before a certificate is tidied (server default `259200`, 72 hours).",
    ),
    field(
        "issuer_safety_buffer",
        Kind::Duration,
        "Time past expiry before an issuer is tidied (server default `31536000`, 365 days).",
    ),
    field(
        "acme_account_safety_buffer",
        Kind::Duration,
        "Inactivity before an ACME account is tidied (server default `2592000`, 30 days).",
    ),
    field(
        "pause_duration",
        Kind::String,
        "Pause between certificates while tidying, such as `0s` or `10ms` (server default `0s`).",
    ),
    field(
        "maintain_stored_certificate_counts",
        Kind::Bool,
        "Whether the server keeps counts of stored and revoked certificates (server default `false`).",
    ),
    field(
        "publish_stored_certificate_count_metrics",
        Kind::Bool,
        "Whether those counts are published as metrics; needs `maintain_stored_certificate_counts` (server default `false`).",
    ),
];

/// What the server answers for a fresh mount (fields both OpenBao and Vault have); destroy
/// writes it back.
fn server_defaults() -> Json {
    json!({
        "enabled": false,
        "interval_duration": 43200,
        "tidy_cert_store": false,
        "tidy_revoked_certs": false,
        "tidy_revoked_cert_issuer_associations": false,
        "tidy_expired_issuers": false,
        "tidy_move_legacy_ca_bundle": false,
        "tidy_acme": false,
        "safety_buffer": 259200,
        "issuer_safety_buffer": 31536000,
        "acme_account_safety_buffer": 2592000,
        "pause_duration": "0s",
        "maintain_stored_certificate_counts": false,
        "publish_stored_certificate_count_metrics": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_checks_hold() {
        crate::resources::config_singleton::check(PkiConfigAutoTidy);
    }
}
