//! `vaultpki_pki_config_acme`: the ACME settings of a PKI mount at `<mount>/config/acme` (on or
//! off, which roles and issuers ACME may use, the default directory policy, whether clients need
//! an EAB key, the DNS resolver for DNS-01). OpenBao 2.7 has no `max_ttl` here: ACME certificates
//! are bounded by the role and the mount's max lease TTL. Like the other config singletons the
//! object always exists, so the ID is the API path (import takes it, nested mounts work) and
//! destroy writes the fresh-mount values back (ACME off).

use serde_json::{Value as Json, json};

use super::config_singleton::{ConfigSingleton, OnDestroy};
use crate::fields::{Field, Kind, field};

/// The resource type (registered as `Singleton(PkiConfigAcme)`).
pub(crate) struct PkiConfigAcme;

impl ConfigSingleton for PkiConfigAcme {
    const TYPE_NAME: &'static str = "vaultpki_pki_config_acme";
    const SUFFIX: &'static str = "config/acme";
    const WHAT: &'static str = "the ACME settings";
    const DESCRIPTION: &'static str = "The ACME settings of a PKI mount (`<mount>/config/acme`). Settings left out keep the server's values without a diff. OpenBao 2.7 has no ACME `max_ttl`: the role and the mount's max lease TTL bound ACME certificates. The settings always exist, so destroying the resource deletes nothing: it writes the server's defaults back (ACME off, `allowed_roles` and `allowed_issuers` `[\"*\"]`, `default_directory_policy` `sign-verbatim`, `eab_policy` `not-required`, `dns_resolver` empty, `allow_role_ext_key_usage` `false`).";
    const FIELDS: &'static [Field] = FIELDS;
    const ON_DESTROY: OnDestroy = OnDestroy::ServerDefaults(server_defaults);
}

const FIELDS: &[Field] = &[
    field(
        "enabled",
        Kind::Bool,
        "Whether the mount answers ACME; needs `vaultpki_pki_config_cluster`'s `path` and the ACME headers on the mount (server default `false`).",
    ),
    field(
        "allowed_roles",
        Kind::StringList,
        "Roles ACME clients may use through `roles/<role>/acme/...`; `[\"*\"]` allows all (server default `[\"*\"]`).",
    ),
    field(
        "allowed_issuers",
        Kind::StringList,
        "Issuers ACME clients may use through `issuer/<ref>/acme/...`; `[\"*\"]` allows all (server default `[\"*\"]`).",
    ),
    field(
        "allow_role_ext_key_usage",
        Kind::Bool,
        "Whether the role's extended key usages apply to ACME certificates instead of server authentication only (server default `false`).",
    ),
    field(
        "default_directory_policy",
        Kind::String,
        "What the default `acme/directory` does: `sign-verbatim`, `role:<name>` or `forbid` (server default `sign-verbatim`).",
    ),
    field(
        "eab_policy",
        Kind::String,
        "Whether clients need an external account binding (`vaultpki_pki_acme_eab`): `not-required`, `new-account-required` or `always-required` (server default `not-required`).",
    ),
    field(
        "dns_resolver",
        Kind::String,
        "`host:port` of the DNS server used for DNS-01 challenges; empty uses the system's (server default empty).",
    ),
];

/// What the server answers for a fresh mount; destroy writes it back.
fn server_defaults() -> Json {
    json!({
        "enabled": false,
        "allowed_roles": ["*"],
        "allowed_issuers": ["*"],
        "allow_role_ext_key_usage": false,
        "default_directory_policy": "sign-verbatim",
        "eab_policy": "not-required",
        "dns_resolver": "",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_checks_hold() {
        crate::resources::config_singleton::check(PkiConfigAcme);
    }
}
