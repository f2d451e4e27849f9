//! The managed resource types, one file each, and the registry list of all of them: the one
//! list the server, `GetProviderSchema` and the documentation generator read.

use tfplugin::AnyResource;

use crate::api::Api;
use crate::spelling::Spelling;
use auth_role::Role;
use config_singleton::Singleton;

mod approle_role;
mod approle_secret_id;
mod auth_role;
mod config_singleton;
mod kubernetes_auth_backend_config;
mod kubernetes_auth_backend_role;
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
mod pki_key;
mod pki_role;
mod pki_root_cert;
mod pki_root_sign_intermediate;
mod pki_sign;
mod policy;
mod token_auth_role;

/// Every resource type the provider offers.
pub(crate) fn all() -> Vec<AnyResource<Api>> {
    vec![
        AnyResource::new(mount::MountResource::SECRETS),
        AnyResource::new(mount::MountResource::AUTH),
        AnyResource::new(policy::Policy),
        AnyResource::new(Spelling::backend(pki_role::PkiRole)),
        AnyResource::new(Spelling::backend(Spelling::role_name(pki_cert::PkiCert))),
        AnyResource::new(Spelling::backend(Spelling::role_name(pki_sign::PkiSign))),
        AnyResource::new(Spelling::backend(pki_root_cert::PkiRootCert)),
        AnyResource::new(Spelling::backend(pki_intermediate_csr::PkiIntermediateCsr)),
        AnyResource::new(Spelling::backend(
            pki_intermediate_set_signed::PkiIntermediateSetSigned,
        )),
        AnyResource::new(Spelling::backend(pki_issuer::PkiIssuer)),
        AnyResource::new(Spelling::backend(pki_config_issuers::PkiConfigIssuers)),
        AnyResource::new(Spelling::backend(Singleton(pki_config_urls::PkiConfigUrls))),
        AnyResource::new(Spelling::backend(Singleton(pki_config_crl::PkiConfigCrl))),
        AnyResource::new(Spelling::backend(Singleton(
            pki_config_auto_tidy::PkiConfigAutoTidy,
        ))),
        AnyResource::new(Spelling::backend(
            pki_root_sign_intermediate::PkiRootSignIntermediate,
        )),
        AnyResource::new(Spelling::backend(pki_config_ca::PkiConfigCa)),
        AnyResource::new(Spelling::backend(approle_role::ApproleRole)),
        AnyResource::new(Spelling::backend(approle_secret_id::ApproleSecretId)),
        AnyResource::new(Spelling::backend(Singleton(
            pki_config_cluster::PkiConfigCluster,
        ))),
        AnyResource::new(Spelling::backend(Singleton(pki_config_acme::PkiConfigAcme))),
        AnyResource::new(Spelling::backend(pki_acme_eab::PkiAcmeEab)),
        AnyResource::new(Spelling::backend(
            kubernetes_auth_backend_config::KubernetesAuthBackendConfig,
        )),
        AnyResource::new(Spelling::backend(Role(
            kubernetes_auth_backend_role::KubernetesAuthBackendRole,
        ))),
        AnyResource::new(Role(token_auth_role::TokenAuthRole)),
        AnyResource::new(Spelling::backend(pki_key::PkiKey)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_passes_the_checks() {
        for r in all() {
            r.schema()
                .check()
                .unwrap_or_else(|p| panic!("{}: {p:?}", r.type_name()));
        }
    }
}
