//! The data source types, one file each, and the registry list of all of them.

use tfplugin::AnyDataSource;

use crate::api::Api;
use crate::spelling::Spelling;

mod approle_role_id;
mod pki_issuer;
mod pki_listing;
mod policy_document;

/// Every data source type the provider offers.
pub(crate) fn all() -> Vec<AnyDataSource<Api>> {
    vec![
        AnyDataSource::new(Spelling::backend(approle_role_id::ApproleRoleId)),
        AnyDataSource::new(policy_document::PolicyDocument),
        AnyDataSource::new(Spelling::backend(pki_issuer::PkiIssuerData)),
        AnyDataSource::new(Spelling::backend(pki_listing::PkiListing(
            &pki_listing::ISSUERS,
        ))),
        AnyDataSource::new(Spelling::backend(pki_listing::PkiListing(
            &pki_listing::KEYS,
        ))),
    ]
}
