//! The data source types, one file each, and the registry list of all of them.

use tfplugin::AnyDataSource;

use crate::api::Api;

mod approle_role_id;
mod pki_issuer;
mod policy_document;

/// Every data source type the provider offers.
pub(crate) fn all() -> Vec<AnyDataSource<Api>> {
    vec![
        AnyDataSource::new(approle_role_id::ApproleRoleId),
        AnyDataSource::new(policy_document::PolicyDocument),
        AnyDataSource::new(pki_issuer::PkiIssuerData),
    ]
}
