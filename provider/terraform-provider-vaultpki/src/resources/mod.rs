//! The managed resource types, one file each, and the registry list of all of them.

use tfplugin::{AnyResource, Resource, Schema};

use crate::api::Api;
use config_singleton::Singleton;

mod approle_role;
mod approle_secret_id;
mod config_singleton;
mod mount;
mod pki_acme_eab;
mod pki_cert;
mod pki_config_acme;
mod pki_config_auto_tidy;
mod pki_config_ca;
mod pki_config_cluster;
mod pki_config_crl;
mod pki_config_issuers;
mod pki_config_urls;
mod pki_intermediate_csr;
mod pki_intermediate_set_signed;
mod pki_issuer;
mod pki_role;
mod pki_root_cert;
mod pki_root_sign_intermediate;
mod pki_sign;
mod policy;

/// Every resource type the provider offers.
pub(crate) fn all() -> Vec<AnyResource<Api>> {
    vec![
        AnyResource::new(mount::MountResource::SECRETS),
        AnyResource::new(mount::MountResource::AUTH),
        AnyResource::new(policy::Policy),
        AnyResource::new(pki_role::PkiRole),
        AnyResource::new(pki_cert::PkiCert),
        AnyResource::new(pki_sign::PkiSign),
        AnyResource::new(pki_root_cert::PkiRootCert),
        AnyResource::new(pki_intermediate_csr::PkiIntermediateCsr),
        AnyResource::new(pki_intermediate_set_signed::PkiIntermediateSetSigned),
        AnyResource::new(pki_issuer::PkiIssuer),
        AnyResource::new(pki_config_issuers::PkiConfigIssuers),
        AnyResource::new(Singleton(pki_config_urls::PkiConfigUrls)),
        AnyResource::new(Singleton(pki_config_crl::PkiConfigCrl)),
        AnyResource::new(Singleton(pki_config_auto_tidy::PkiConfigAutoTidy)),
        AnyResource::new(pki_root_sign_intermediate::PkiRootSignIntermediate),
        AnyResource::new(pki_config_ca::PkiConfigCa),
        AnyResource::new(approle_role::ApproleRole),
        AnyResource::new(approle_secret_id::ApproleSecretId),
        AnyResource::new(Singleton(pki_config_cluster::PkiConfigCluster)),
        AnyResource::new(Singleton(pki_config_acme::PkiConfigAcme)),
        AnyResource::new(pki_acme_eab::PkiAcmeEab),
    ]
}

/// Every resource type's name and schema, for the documentation (tfplugin's `AnyResource` does
/// not expose its schema). A unit test keeps this list and [`all`] in step.
pub(crate) fn catalog() -> Vec<(&'static str, Schema)> {
    fn entry<R: Resource>(r: &'static R) -> (&'static str, Schema) {
        (r.type_name(), r.schema())
    }
    vec![
        entry(&mount::MountResource::SECRETS),
        entry(&mount::MountResource::AUTH),
        entry(&policy::Policy),
        entry(&pki_role::PkiRole),
        entry(&pki_cert::PkiCert),
        entry(&pki_sign::PkiSign),
        entry(&pki_root_cert::PkiRootCert),
        entry(&pki_intermediate_csr::PkiIntermediateCsr),
        entry(&pki_intermediate_set_signed::PkiIntermediateSetSigned),
        entry(&pki_issuer::PkiIssuer),
        entry(&pki_config_issuers::PkiConfigIssuers),
        entry(&Singleton(pki_config_urls::PkiConfigUrls)),
        entry(&Singleton(pki_config_crl::PkiConfigCrl)),
        entry(&Singleton(pki_config_auto_tidy::PkiConfigAutoTidy)),
        entry(&pki_root_sign_intermediate::PkiRootSignIntermediate),
        entry(&pki_config_ca::PkiConfigCa),
        entry(&approle_role::ApproleRole),
        entry(&approle_secret_id::ApproleSecretId),
        entry(&Singleton(pki_config_cluster::PkiConfigCluster)),
        entry(&Singleton(pki_config_acme::PkiConfigAcme)),
        entry(&pki_acme_eab::PkiAcmeEab),
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
            .map(|(n, _)| format!("AnyResource({n})"))
            .collect();
        assert_eq!(registered, listed);
        for (name, schema) in catalog() {
            schema.check().unwrap_or_else(|p| panic!("{name}: {p:?}"));
        }
    }
}
