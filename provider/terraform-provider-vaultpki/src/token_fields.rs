//! The `token_*` fields every auth method's role shares (AppRole, Kubernetes, JWT) and the subset
//! the token store's roles (`auth/token/roles/<name>`) have: one table, so a row added or fixed
//! here reaches every role type.

use crate::fields::{Field, Kind, field, openbao_field};

use Kind::{Bool, Number, String as Str, StringList as List};

/// The `token_*` fields of an auth method's role (OpenBao 2.x / Vault 1.x `tokenutil`).
pub(crate) const TOKEN_FIELDS: &[Field] = &[
    field(
        "token_policies",
        List,
        "Policies of the tokens issued at login.",
    ),
    field("token_ttl", Number, "TTL of issued tokens in seconds."),
    field(
        "token_max_ttl",
        Number,
        "Maximum TTL of issued tokens in seconds.",
    ),
    field(
        "token_explicit_max_ttl",
        Number,
        "Hard maximum TTL of issued tokens in seconds.",
    ),
    field(
        "token_period",
        Number,
        "Period of periodic tokens in seconds (0: not periodic).",
    ),
    field(
        "token_num_uses",
        Number,
        "Uses of an issued token (0: unlimited).",
    ),
    field(
        "token_bound_cidrs",
        List,
        "CIDRs that may use issued tokens.",
    ),
    field(
        "token_no_default_policy",
        Bool,
        "Do not add the `default` policy to issued tokens.",
    ),
    field("token_type", Str, "`service`, `batch` or `default`."),
    openbao_field(
        "token_strictly_bind_ip",
        Bool,
        "Bind issued tokens to the login IP (OpenBao).",
    ),
];

/// The `token_*` fields a token store role has: the policies, TTL and login-IP binding are
/// the role's own fields there (`allowed_policies`, `explicit_max_ttl`...), so those rows are
/// left out.
pub(crate) fn token_role_fields() -> impl Iterator<Item = Field> {
    const NOT_ON_TOKEN_ROLES: [&str; 4] = [
        "token_policies",
        "token_ttl",
        "token_max_ttl",
        "token_strictly_bind_ip",
    ];
    TOKEN_FIELDS
        .iter()
        .filter(|f| !NOT_ON_TOKEN_ROLES.contains(&f.name))
        .copied()
}

/// `own` followed by every `token_*` field of an auth method's role.
pub(crate) fn with_token_fields(own: &[Field]) -> Vec<Field> {
    own.iter().chain(TOKEN_FIELDS).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_roles_keep_the_fields_the_token_store_has() {
        let names: Vec<&str> = token_role_fields().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "token_explicit_max_ttl",
                "token_period",
                "token_num_uses",
                "token_bound_cidrs",
                "token_no_default_policy",
                "token_type",
            ]
        );
    }
}
