//! `vaultpki_pki_config_cluster`: the cluster-local addresses of a PKI mount at
//! `<mount>/config/cluster` (`path`, the mount's own URL as this cluster serves it, and
//! `aia_path`, the URL written into AIA templates). ACME needs `path`: it is how the server names
//! its own directory. Like the other config singletons the object always exists, so the ID is the
//! API path (import takes it, nested mounts work). Unlike the other singletons, destroy cannot
//! put back what a fresh mount answers: the server refuses an empty `path` or `aia_path` ("invalid,
//! non-URL path"), so destroying the resource only drops it from the state.

use super::config_singleton::{ConfigSingleton, OnDestroy};
use crate::fields::{Field, Kind, field};

/// The resource type (registered as `Singleton(PkiConfigCluster)`).
pub(crate) struct PkiConfigCluster;

impl ConfigSingleton for PkiConfigCluster {
    const TYPE_NAME: &'static str = "vaultpki_pki_config_cluster";
    const SUFFIX: &'static str = "config/cluster";
    const WHAT: &'static str = "the cluster URLs";
    const DESCRIPTION: &'static str = "The cluster-local URLs of a PKI mount (`<mount>/config/cluster`), needed by ACME and by AIA templates. Settings left out keep the server's values without a diff. The settings always exist and OpenBao refuses to set them back to empty, so destroying the resource changes nothing on the server: it only removes the resource from the state (the URLs stay until they are overwritten or the mount is disabled).";
    const FIELDS: &'static [Field] = FIELDS;
    const ON_DESTROY: OnDestroy = OnDestroy::Forget;
}

const FIELDS: &[Field] = &[
    field(
        "path",
        Kind::String,
        "The mount's full URL as clients reach it on this cluster, such as `https://bao.example:8200/v1/pki`; ACME needs it (server default empty).",
    ),
    field(
        "aia_path",
        Kind::String,
        "The mount's URL for AIA templates (`{{cluster_aia_path}}`), which may be plain `http` (server default empty).",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_checks_hold() {
        crate::resources::config_singleton::check(PkiConfigCluster);
    }
}
