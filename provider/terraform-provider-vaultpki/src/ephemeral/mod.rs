//! The ephemeral resource types (Terraform 1.10+), one file each, and the registry list of all of
//! them. Their values exist only while Terraform runs: they never enter a plan or the state, so
//! they are the way to hand a private key or secret ID to a write-only attribute.

use tfplugin::AnyEphemeralResource;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_passes_the_checks() {
        for e in all() {
            e.schema()
                .check()
                .unwrap_or_else(|p| panic!("{}: {p:?}", e.type_name()));
        }
    }
}
