//! `vaultpki_pki_config_urls`: the mount-wide AIA URLs at `<mount>/config/urls` (issuing
//! certificate, CRL and OCSP locations written into certificates). The ID is the API path, so
//! import works for nested mounts such as `pki/int/eu` (`pki/int/eu/config/urls`). The object
//! always exists, so destroying the resource sets the URLs back to empty.

use serde_json::{Value as Json, json};

use super::config_singleton::{ConfigSingleton, OnDestroy};
use crate::fields::{Field, Kind, field};

/// The resource type (registered as `Singleton(PkiConfigUrls)`).
pub(crate) struct PkiConfigUrls;

impl ConfigSingleton for PkiConfigUrls {
    const TYPE_NAME: &'static str = "vaultpki_pki_config_urls";
    const SUFFIX: &'static str = "config/urls";
    const WHAT: &'static str = "the URLs";
    const DESCRIPTION: &'static str = "The AIA URLs of a PKI mount (`<mount>/config/urls`), written into the certificates it issues. Settings left out keep the server's values without a diff. Destroying the resource sets the URLs back to empty.";
    const FIELDS: &'static [Field] = FIELDS;
    const ON_DESTROY: OnDestroy = OnDestroy::Empty(empty);
}

const FIELDS: &[Field] = &[
    field(
        "issuing_certificates",
        Kind::StringList,
        "URLs where the issuing CA certificate can be fetched.",
    ),
    field(
        "crl_distribution_points",
        Kind::StringList,
        "URLs of the CRL.",
    ),
    field("ocsp_servers", Kind::StringList, "URLs of OCSP responders."),
    field(
        "enable_templating",
        Kind::Bool,
        "Whether the URLs may hold templates such as `{{issuer_id}}`.",
    ),
];

/// A fresh mount has no URLs; destroy writes that back.
fn empty() -> Json {
    json!({
        "issuing_certificates": [],
        "crl_distribution_points": [],
        "ocsp_servers": [],
        "enable_templating": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_checks_hold() {
        crate::resources::config_singleton::check(PkiConfigUrls);
    }
}
