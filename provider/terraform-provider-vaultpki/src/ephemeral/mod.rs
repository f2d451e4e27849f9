//! The ephemeral resource types (Terraform 1.10+), one file each, and the registry list of all of
//! them. Their values exist only while Terraform runs: they never enter a plan or the state, so
//! they are the way to hand a private key or secret ID to a write-only attribute.

use tfplugin::{AnyEphemeralResource, EphemeralResource, Schema};

use crate::api::Api;

mod approle_secret_id;
mod pki_cert;

/// Every ephemeral resource type the provider offers.
pub(crate) fn all() -> Vec<AnyEphemeralResource<Api>> {
    vec![
        AnyEphemeralResource::new(pki_cert::EphemeralPkiCert),
        AnyEphemeralResource::new(approle_secret_id::EphemeralSecretId),
    ]
}

/// Every ephemeral resource type's name and schema, for the documentation. A unit test keeps
/// this list and [`all`] in step.
pub(crate) fn catalog() -> Vec<(&'static str, Schema)> {
    fn entry<E: EphemeralResource>(e: &'static E) -> (&'static str, Schema) {
        (e.type_name(), e.schema())
    }
    vec![
        entry(&pki_cert::EphemeralPkiCert),
        entry(&approle_secret_id::EphemeralSecretId),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_matches_the_registry() {
        let registered: Vec<String> = all().iter().map(|r| format!("{r:?}")).collect();
        let listed: Vec<String> = catalog()
            .iter()
            .map(|(n, _)| format!("AnyEphemeralResource({n})"))
            .collect();
        assert_eq!(registered, listed);
        for (name, schema) in catalog() {
            schema.check().unwrap_or_else(|p| panic!("{name}: {p:?}"));
        }
    }
}
