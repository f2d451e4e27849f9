//! `vaultpki_token_auth_role`: a token store role at `auth/token/roles/<role_name>`, which
//! tokens created through `auth/token/create/<role_name>` get: the policies they may and may not
//! carry, orphan and renewable, their period and the shared `token_*` rows the token store
//! has. Table-driven through `auth_role`.

use super::auth_role::{AuthRole, Place};
use crate::fields::{Field, Kind, Unset, field};
use crate::token_fields::token_role_fields;

/// The resource type (registered as `Role(TokenAuthRole)`).
pub(crate) struct TokenAuthRole;

impl AuthRole for TokenAuthRole {
    const TYPE_NAME: &'static str = "vaultpki_token_auth_role";
    const DESCRIPTION: &'static str = "A token store role (`auth/token/roles/<role_name>`): what tokens created with `auth/token/create/<role_name>` may carry. A field whose default its description names goes back to that default when its line is deleted.";
    const WHAT: &'static str = "the token role";
    const PLACE: Place = Place::TokenStore;

    fn fields(&self) -> Vec<Field> {
        FIELDS.iter().copied().chain(token_role_fields()).collect()
    }
}

/// The role's own fields (OpenBao 2.x; the `token_*` rows are shared).
const FIELDS: &[Field] = &[
    field(
        "allowed_policies",
        Kind::StringList,
        "Policies tokens of this role may carry (empty: any the creating token has).",
    ).or(Unset::List(&[])),
    field(
        "disallowed_policies",
        Kind::StringList,
        "Policies tokens of this role may never carry.",
    ).or(Unset::List(&[])),
    field(
        "allowed_policies_glob",
        Kind::StringList,
        "Glob patterns of policies tokens of this role may carry.",
    ).or(Unset::List(&[])),
    field(
        "disallowed_policies_glob",
        Kind::StringList,
        "Glob patterns of policies tokens of this role may never carry.",
    ).or(Unset::List(&[])),
    field(
        "allowed_entity_aliases",
        Kind::StringList,
        "Entity aliases tokens of this role may be created for (glob patterns allowed).",
    ).or(Unset::List(&[])),
    field(
        "orphan",
        Kind::Bool,
        "Create tokens without a parent, so that revoking the creator leaves them.",
    ).or(Unset::Bool(false)),
    field(
        "renewable",
        Kind::Bool,
        "Whether tokens of this role can be renewed.",
    ).or(Unset::Bool(true)),
    field(
        "path_suffix",
        Kind::String,
        "A suffix (at least three letters, digits, `-`, `_` or `.`) appended to the tokens' path (`auth/token/create/<role_name>/<suffix>`), to revoke them by prefix.",
    ).or(Unset::Text("")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_checks_hold() {
        super::super::auth_role::check(
            TokenAuthRole,
            "auth/token/roles/ci",
            &[
                "auth/token/role/ci",
                "token/roles/ci",
                "auth/token/roles/",
                "auth/token/roles/a/b",
            ],
        );
    }
}
