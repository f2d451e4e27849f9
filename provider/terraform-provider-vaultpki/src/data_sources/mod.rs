//! The data source types, one file each, and the registry list of all of them.

use tfplugin::AnyDataSource;

use crate::api::Api;

mod approle_role_id;
mod pki_issuer;
mod pki_listing;
mod policy_document;

/// Every data source type the provider offers.
pub(crate) fn all() -> Vec<AnyDataSource<Api>> {
    vec![
        AnyDataSource::new(approle_role_id::ApproleRoleId),
        AnyDataSource::new(policy_document::PolicyDocument),
        AnyDataSource::new(pki_issuer::PkiIssuerData),
        AnyDataSource::new(pki_listing::PkiListing(&pki_listing::ISSUERS)),
        AnyDataSource::new(pki_listing::PkiListing(&pki_listing::KEYS)),
    ]
}
