//! `vaultpki_kubernetes_auth_backend_role`: a role of the Kubernetes auth method at
//! `auth/<mount>/role/<role_name>`: which service accounts (names and namespaces, or a namespace
//! label selector) may log in, with which audience, and the tokens they get (the shared
//! `token_*` rows). Table-driven through `auth_role`.

use super::auth_role::{AuthRole, Place};
use crate::fields::{Field, Kind, Unset, field};
use crate::token_fields::with_token_fields;

/// The resource type (registered as `Role(KubernetesAuthBackendRole)`).
pub(crate) struct KubernetesAuthBackendRole;

impl AuthRole for KubernetesAuthBackendRole {
    const TYPE_NAME: &'static str = "vaultpki_kubernetes_auth_backend_role";
    const DESCRIPTION: &'static str = "A role of the Kubernetes auth method (`auth/<mount>/role/<role_name>`): the service accounts that may log in with it and the tokens they get. A field whose default its description names goes back to that default when its line is deleted; the others keep the server's value. Logging in needs the Kubernetes API server named in `vaultpki_kubernetes_auth_backend_config` (the server reviews each service account token there).";
    const WHAT: &'static str = "the Kubernetes auth role";
    const PLACE: Place = Place::Mounted("kubernetes");

    fn fields(&self) -> Vec<Field> {
        with_token_fields(FIELDS)
    }
}

/// The role's own fields (OpenBao 2.x; the `token_*` rows are shared).
const FIELDS: &[Field] = &[
    field(
        "bound_service_account_names",
        Kind::StringList,
        "Service account names that may log in (`*`: any).",
    ),
    field(
        "bound_service_account_namespaces",
        Kind::StringList,
        "Namespaces whose service accounts may log in (`*`: any).",
    ),
    field(
        "bound_service_account_namespace_selector",
        Kind::String,
        "A label selector (YAML or JSON) of namespaces whose service accounts may log in, in addition to `bound_service_account_namespaces`.",
    ).or(Unset::Text("")),
    field(
        "audience",
        Kind::String,
        "The audience the service account token must carry (e.g. `vault`); empty: not checked.",
    ),
    field(
        "alias_name_source",
        Kind::String,
        "What names the entity alias: `serviceaccount_uid` or `serviceaccount_name`.",
    ).or(Unset::Text("serviceaccount_uid")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_checks_hold() {
        super::super::auth_role::check(
            KubernetesAuthBackendRole,
            "auth/k8s/eu/role/cert-manager",
            &[
                "auth/k8s/roles/x",
                "k8s/role/x",
                "auth//role/x",
                "auth/k8s/role/",
            ],
        );
    }
}
