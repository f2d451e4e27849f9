//! `vaultpki_pki_config_crl`: the CRL and OCSP settings of a PKI mount at `<mount>/config/crl`
//! (CRL lifetime, automatic and delta rebuilds, OCSP on or off). Like `<mount>/config/urls` the
//! object always exists, so the ID is the API path (import takes it, nested mounts work) and
//! destroying the resource writes the server's defaults back instead of deleting anything.

use serde_json::{Value as Json, json};

use super::config_singleton::{ConfigSingleton, OnDestroy};
use crate::fields::{Field, Kind, field};

/// The resource type (registered as `Singleton(PkiConfigCrl)`).
pub(crate) struct PkiConfigCrl;

impl ConfigSingleton for PkiConfigCrl {
    const TYPE_NAME: &'static str = "vaultpki_pki_config_crl";
    const SUFFIX: &'static str = "config/crl";
    const WHAT: &'static str = "the CRL settings";
    const DESCRIPTION: &'static str = "The CRL and OCSP settings of a PKI mount (`<mount>/config/crl`). Settings left out keep the server's values without a diff. The settings always exist, so destroying the resource deletes nothing: it writes the server's defaults back (`expiry` `72h`, `ocsp_expiry` `12h`, `auto_rebuild_grace_period` `12h`, `delta_rebuild_interval` `15m`, every switch `false`).";
    const FIELDS: &'static [Field] = FIELDS;
    const ON_DESTROY: OnDestroy = OnDestroy::ServerDefaults(server_defaults);
}

const FIELDS: &[Field] = &[
    field(
        "expiry",
        Kind::Duration,
        "How long a CRL is valid, as a duration such as `72h` (server default `72h`).",
    ),
    field(
        "disable",
        Kind::Bool,
        "Whether CRL building is off (server default `false`).",
    ),
    field(
        "ocsp_disable",
        Kind::Bool,
        "Whether the OCSP responder is off (server default `false`).",
    ),
    field(
        "ocsp_expiry",
        Kind::Duration,
        "How long OCSP responses are valid, such as `12h`; `0s` leaves out the next-update time (server default `12h`).",
    ),
    field(
        "auto_rebuild",
        Kind::Bool,
        "Whether the server rebuilds the CRL before it expires instead of on every revocation (server default `false`).",
    ),
    field(
        "auto_rebuild_grace_period",
        Kind::Duration,
        "How long before expiry an automatic rebuild happens, such as `12h` (server default `12h`).",
    ),
    field(
        "enable_delta",
        Kind::Bool,
        "Whether delta CRLs are built between full rebuilds; needs `auto_rebuild` (server default `false`).",
    ),
    field(
        "delta_rebuild_interval",
        Kind::Duration,
        "How often delta CRLs are rebuilt, such as `15m` (server default `15m`).",
    ),
];

/// What the server answers for a fresh mount; destroy writes it back.
fn server_defaults() -> Json {
    json!({
        "expiry": "72h",
        "disable": false,
        "ocsp_disable": false,
        "ocsp_expiry": "12h",
        "auto_rebuild": false,
        "auto_rebuild_grace_period": "12h",
        "enable_delta": false,
        "delta_rebuild_interval": "15m",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_checks_hold() {
        crate::resources::config_singleton::check(PkiConfigCrl);
    }
}
