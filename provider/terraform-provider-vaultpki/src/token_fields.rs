//! The `token_*` fields every auth method's role shares (AppRole, Kubernetes, JWT) and the subset
//! the token store's roles (`auth/token/roles/<name>`) have: one table, so a row added or fixed
//! here reaches every role type.

use crate::fields::{Field, Kind, Unset, field, openbao_field};

use Kind::{Bool, Duration, Number, String as Str, StringList as List};

/// The `token_*` fields of an auth method's role (OpenBao 2.x / Vault 1.x `tokenutil`).
pub(crate) const TOKEN_FIELDS: &[Field] = &[
    field(
        "token_policies",
        List,
        "Policies of the tokens issued at login.",
    )
    .or(Unset::List(&[])),
    field(
        "token_ttl",
        Duration,
        "TTL of issued tokens (`0`: the system default).",
    )
    .or(Unset::Text("0")),
    field(
        "token_max_ttl",
        Duration,
        "Maximum TTL of issued tokens (`0`: the system maximum).",
    )
    .or(Unset::Text("0")),
    field(
        "token_explicit_max_ttl",
        Duration,
        "Hard maximum TTL of issued tokens (`0`: none).",
    )
    .or(Unset::Text("0")),
    field(
        "token_period",
        Duration,
        "Period of periodic tokens (`0`: not periodic).",
    )
    .or(Unset::Text("0")),
    field(
        "token_num_uses",
        Number,
        "Uses of an issued token (0: unlimited).",
    )
    .or(Unset::Number(0)),
    field(
        "token_bound_cidrs",
        List,
        "CIDRs that may use issued tokens.",
    )
    .or(Unset::List(&[])),
    field(
        "token_no_default_policy",
        Bool,
        "Do not add the `default` policy to issued tokens.",
    )
    .or(Unset::Bool(false)),
    field("token_type", Str, "`service`, `batch` or `default`.").or(Unset::Text("default")),
    openbao_field(
        "token_strictly_bind_ip",
        Bool,
        "Bind issued tokens to the login IP (OpenBao).",
    )
    .or(Unset::Bool(false)),
];

/// The `token_*` fields a token store role has: the policies, TTL and login-IP binding are
/// the role's own fields there (`allowed_policies`, `explicit_max_ttl`...), so those rows are
/// left out, and its tokens' type defaults to `default-service`.
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
        .map(|f| match f.name {
            "token_type" => Field {
                description: "`service`, `batch`, `default-service` or `default-batch` (the default kinds let the creator choose).",
                ..f.or(Unset::Text("default-service"))
            },
            _ => *f,
        })
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
